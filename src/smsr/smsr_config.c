/* The SM-SR configuration (docs/smsr.md "Configuration"): INI through core/config.h, every
 * key checked, unknown sections and keys refused so a typo never passes silently. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/config_read.h"
#include "smsr/smsr.h"
#include "smsr/smsr_address.h"

static const char *const known[] = {
	"smsr.id", "smsr.oid", "smsr.db", "smsr.master_key", "smsr.worker", "smsr.log_level",
	"smsr.log_format", "smsr.wsdl_dir", "smsr.sms_address",
	"es.listen", "es.cert", "es.key", "es.ca", "es.address", "es.allow_without_cert",
	"smpp.host", "smpp.port", "smpp.system_id", "smpp.password", "smpp.source",
	"smpp.window", "smpp.por_timeout", "smpp.bind_address_range",
	"scp81.enabled", "scp81.listen", "scp81.trigger_url",
	"engine.concurrency", "engine.retries", "engine.backoff", "engine.validity",
	"engine.hold_max", "engine.lease", "engine.poll", "engine.retention",
	"notify.retry_for", "notify.backoff", "notify.backoff_max",
	"es1.ci_cert", "es1.smsr_id",
	"es7.gp_cert", "es7.gp_key",
	NULL,
};

static bool is_known(const char *section, const char *key)
{
	static const char *const eum_keys[] = {"eum_id", "caller_id", "cert", "transport_key",
					       NULL};

	if (strcmp(section, "peers") == 0 || strcmp(section, "plma") == 0 ||
	    strcmp(section, "callers") == 0 || strcmp(section, "smsr_peers") == 0)
		return true;
	if (strncmp(section, "eum.", 4) == 0 && section[4] != '\0') {
		for (size_t i = 0; eum_keys[i] != NULL; i++)
			if (strcmp(eum_keys[i], key) == 0)
				return true;
		return false;
	}
	return m2m_cfg_key_listed(known, section, key);
}

static m2m_err load_smsr(m2m_config *c, m2m_smsr_cfg *cfg, char *errbuf, size_t errlen)
{
	const char *v;
	m2m_err err;

	if ((err = m2m_cfg_str(c, "smsr", "id", cfg->id, sizeof cfg->id, true, errbuf, errlen)) ||
	    (err = m2m_cfg_str(c, "smsr", "oid", cfg->oid, sizeof cfg->oid, false, errbuf,
			       errlen)) ||
	    (err = m2m_cfg_str(c, "smsr", "db", cfg->db, sizeof cfg->db, true, errbuf, errlen)) ||
	    (err = m2m_cfg_str(c, "smsr", "master_key", cfg->master_key, sizeof cfg->master_key,
			       true, errbuf, errlen)) ||
	    (err = m2m_cfg_str(c, "smsr", "worker", cfg->worker, sizeof cfg->worker, false, errbuf,
			       errlen)) ||
	    (err = m2m_cfg_str(c, "smsr", "wsdl_dir", cfg->wsdl_dir, sizeof cfg->wsdl_dir, false,
			       errbuf, errlen)))
		return err;
	if (strlen(cfg->master_key) != 64 ||
	    strspn(cfg->master_key, "0123456789abcdefABCDEF") != 64)
		return m2m_cfg_fail(errbuf, errlen, "[smsr] master_key: expected 64 hex digits");
	if (cfg->oid[0] == '\0')
		snprintf(cfg->oid, sizeof cfg->oid, "%s", "1.3.6.1.4.1.99999.2");
	if (!m2m_cfg_oid_ok(cfg->oid))
		return m2m_cfg_fail(errbuf, errlen, "[smsr] oid = '%s': not an object identifier",
				    cfg->oid);
	if (cfg->worker[0] == '\0') {
		if (strlen(cfg->id) >= sizeof cfg->worker)
			return m2m_cfg_fail(errbuf, errlen,
					    "[smsr] id: too long for a worker name");
		memcpy(cfg->worker, cfg->id, strlen(cfg->id) + 1);
	}
	v = m2m_config_get_str(c, "smsr", "log_level", "info");
	if (m2m_log_level_parse(v, &cfg->log_level) != M2M_OK)
		return m2m_cfg_fail(errbuf, errlen,
				    "[smsr] log_level = '%s': debug, info, warn, error, off", v);
	v = m2m_config_get_str(c, "smsr", "log_format", "plain");
	if (m2m_log_format_parse(v, &cfg->log_format) != M2M_OK)
		return m2m_cfg_fail(errbuf, errlen, "[smsr] log_format = '%s': plain or json", v);
	return M2M_OK;
}

static m2m_err load_es(m2m_config *c, m2m_smsr_cfg *cfg, char *errbuf, size_t errlen)
{
	M2M_CFG_ES_FIELDS(f, cfg);

	return m2m_cfg_read_es(c, "127.0.0.1:8443", &f, errbuf, errlen);
}

static m2m_err load_smpp(m2m_config *c, m2m_smsr_cfg *cfg, char *errbuf, size_t errlen)
{
	unsigned port = 0;
	m2m_err err;

	if ((err = m2m_cfg_str(c, "smpp", "host", cfg->smpp_host, sizeof cfg->smpp_host, true,
			       errbuf, errlen)) ||
	    (err = m2m_cfg_num(c, "smpp", "port", 2775, 1, 65535, &port, errbuf, errlen)) ||
	    (err = m2m_cfg_str(c, "smpp", "system_id", cfg->smpp_system_id,
			       sizeof cfg->smpp_system_id, true, errbuf, errlen)) ||
	    (err = m2m_cfg_str(c, "smpp", "password", cfg->smpp_password, sizeof cfg->smpp_password,
			       false, errbuf, errlen)) ||
	    (err = m2m_cfg_str(c, "smpp", "source", cfg->smpp_source, sizeof cfg->smpp_source,
			       false, errbuf, errlen)) ||
	    (err = m2m_cfg_num(c, "smpp", "window", 10, 1, 1000, &cfg->smpp_window, errbuf,
			       errlen)) ||
	    (err = m2m_cfg_num(c, "smpp", "por_timeout", 30000, 100, 3600000, &cfg->por_timeout_ms,
			       errbuf, errlen)))
		return err;
	cfg->smpp_port = (uint16_t)port;
	/* Default on: an SMSC that routes MO SMS by the bind's range then hands us what cards send
	 * to our address; off for an SMSC that refuses ranges it was not set up with. */
	if (m2m_config_get_bool(c, "smpp", "bind_address_range", true, &cfg->smpp_bind_range))
		return m2m_cfg_fail(errbuf, errlen, "%s", m2m_config_error(c));
	if (cfg->smpp_source[0] == '\0')
		snprintf(cfg->smpp_source, sizeof cfg->smpp_source, "882999999999999");
	if (strspn(cfg->smpp_source, "0123456789") != strlen(cfg->smpp_source))
		return m2m_cfg_fail(errbuf, errlen, "[smpp] source: international digits only");
	return M2M_OK;
}

/* [smsr] sms_address: "+" and 1-20 digits (international) or digits alone; "none" for no
 * address; default: the [smpp] source (international digits). After load_smpp. */
static m2m_err load_sms_address(m2m_config *c, m2m_smsr_cfg *cfg, char *errbuf, size_t errlen)
{
	const char *v = m2m_config_get(c, "smsr", "sms_address");
	m2m_buf a3;
	m2m_err err;

	if (v == NULL) {
		snprintf(cfg->sms_address, sizeof cfg->sms_address, "+%s", cfg->smpp_source);
		return M2M_OK;
	}
	if (strcmp(v, "none") == 0)
		return M2M_OK;
	m2m_buf_init(&a3);
	err = smsr_address_a3(v, &a3); /* the rule the job applies */
	m2m_buf_free(&a3);
	if (err != M2M_OK)
		return m2m_cfg_fail(errbuf, errlen,
				    "[smsr] sms_address = '%s': '+' and 1-20 digits, digits, or none",
				    v);
	snprintf(cfg->sms_address, sizeof cfg->sms_address, "%s", v);
	return M2M_OK;
}

static m2m_err load_scp81(m2m_config *c, m2m_smsr_cfg *cfg, char *errbuf, size_t errlen)
{
	const char *v;

	if (m2m_config_get_bool(c, "scp81", "enabled", false, &cfg->scp81_enabled))
		return m2m_cfg_fail(errbuf, errlen, "%s", m2m_config_error(c));
	v = m2m_config_get(c, "scp81", "listen");
	if (v != NULL && m2m_cfg_host_port(v, cfg->scp81_listen_host, sizeof cfg->scp81_listen_host,
				   &cfg->scp81_port, "[scp81] listen", errbuf, errlen))
		return M2M_ERR_CONFIG;
	if (m2m_cfg_str(c, "scp81", "trigger_url", cfg->scp81_trigger_url,
			sizeof cfg->scp81_trigger_url, false, errbuf, errlen))
		return M2M_ERR_CONFIG;
	if (cfg->scp81_trigger_url[0] != '\0' &&
	    strncmp(cfg->scp81_trigger_url, "https://", 8) != 0)
		return m2m_cfg_fail(errbuf, errlen, "[scp81] trigger_url: an https:// URL");
	return M2M_OK;
}

static m2m_err load_engine(m2m_config *c, m2m_smsr_cfg *cfg, char *errbuf, size_t errlen)
{
	m2m_err err;

	if ((err = m2m_cfg_num(c, "engine", "concurrency", 64, 1, 4096, &cfg->concurrency, errbuf,
			       errlen)) ||
	    (err = m2m_cfg_num(c, "engine", "retries", 3, 0, 100, &cfg->retries, errbuf, errlen)) ||
	    (err = m2m_cfg_num(c, "engine", "backoff", 2000, 0, 3600000, &cfg->backoff_ms, errbuf,
			       errlen)) ||
	    (err = m2m_cfg_num(c, "engine", "validity", 3600, 1, 30 * 86400, &cfg->validity_s,
			       errbuf, errlen)) ||
	    (err = m2m_cfg_num(c, "engine", "hold_max", 120, 1, 86400, &cfg->hold_max_s, errbuf,
			       errlen)) ||
	    (err = m2m_cfg_num(c, "engine", "lease", 0, 0, 86400000, &cfg->lease_ms, errbuf,
			       errlen)) ||
	    (err = m2m_cfg_num(c, "engine", "poll", 100, 5, 60000, &cfg->poll_ms, errbuf, errlen)) ||
	    (err = m2m_cfg_num(c, "engine", "retention", 30 * 86400, 0, 3650 * 86400,
			       &cfg->retention_s, errbuf, errlen)))
		return err;
	if ((err = m2m_cfg_num(c, "notify", "retry_for", 86400, 1, 30 * 86400,
			       &cfg->notify_retry_s, errbuf, errlen)) ||
	    (err = m2m_cfg_num(c, "notify", "backoff", 10000, 10, 3600000,
			       &cfg->notify_backoff_ms, errbuf, errlen)) ||
	    (err = m2m_cfg_num(c, "notify", "backoff_max", 900000, 10, 86400000,
			       &cfg->notify_backoff_max_ms, errbuf, errlen)))
		return err;
	/* A lease outlives one command: every packet's PoR time-out plus slack. */
	if (cfg->lease_ms == 0)
		cfg->lease_ms = 4 * cfg->por_timeout_ms + 10000;
	if (cfg->lease_ms <= cfg->por_timeout_ms)
		return m2m_cfg_fail(errbuf, errlen,
				    "[engine] lease must be longer than [smpp] por_timeout");
	return M2M_OK;
}

/* [es1] and [eum.NAME]: the ES1 trust, read now (certificates included). */
static m2m_err load_es1(const m2m_config *c, m2m_smsr_cfg *cfg, char *errbuf, size_t errlen)
{
	size_t pos = 0;
	const char *sec, *key, *val;
	bool any = false;
	m2m_err err;

	while (!any && m2m_config_next(c, &pos, &sec, &key, &val))
		any = strcmp(sec, "es1") == 0 || strncmp(sec, "eum.", 4) == 0;
	if (!any)
		return M2M_OK;
	err = m2m_es1_trust_load(c, &cfg->es1, errbuf, errlen);
	if (err != M2M_OK)
		return err == M2M_ERR_NOMEM ? err : M2M_ERR_CONFIG;
	return M2M_OK;
}

/* [peers] ID = URL and [plma] M2M-SP-ID = MNO-ID[,MNO-ID...]; the unknown-key check. */
static m2m_err load_lists(const m2m_config *c, m2m_smsr_cfg *cfg, char *errbuf, size_t errlen)
{
	const char *sec, *key, *val;
	size_t pos = 0;

	while (m2m_config_next(c, &pos, &sec, &key, &val)) {
		if (!is_known(sec, key))
			return m2m_cfg_fail(errbuf, errlen, "unknown key [%s] %s", sec, key);
		if (strcmp(sec, "peers") == 0 || strcmp(sec, "smsr_peers") == 0) {
			bool es7 = strcmp(sec, "smsr_peers") == 0;
			size_t *np = es7 ? &cfg->nsmsr_peers : &cfg->npeers;
			if (*np == M2M_SMSR_PEERS_MAX || strlen(key) >= M2M_SMSR_STR ||
			    strlen(val) >= M2M_SMSR_STR)
				return m2m_cfg_fail(errbuf, errlen, "[%s] %s: too many or too long",
						    sec, key);
			if (strncmp(val, "http://", 7) != 0 && strncmp(val, "https://", 8) != 0)
				return m2m_cfg_fail(errbuf, errlen,
						    "[%s] %s = '%s': expected a URL", sec, key,
						    val);
			m2m_smsr_peer *p = es7 ? &cfg->smsr_peers[(*np)++] : &cfg->peers[(*np)++];
			snprintf(p->id, sizeof p->id, "%s", key);
			snprintf(p->url, sizeof p->url, "%s", val);
			continue;
		}
		if (strcmp(sec, "callers") == 0) {
			if (cfg->ncallers == M2M_SMSR_PEERS_MAX || strlen(key) >= M2M_SMSR_STR ||
			    strlen(val) >= M2M_SMSR_STR || !m2m_cfg_oid_ok(val))
				return m2m_cfg_fail(
					errbuf, errlen,
					"[callers] %s = '%s': an object identifier expected", key,
					val);
			m2m_smsr_caller_map *m = &cfg->callers[cfg->ncallers++];
			snprintf(m->cn, sizeof m->cn, "%s", key);
			snprintf(m->oid, sizeof m->oid, "%s", val);
			continue;
		}
		if (strcmp(sec, "plma") != 0)
			continue;
		const char *s = val;
		while (*s != '\0') {
			size_t n = strcspn(s, ", ");
			if (n > 0) {
				if (cfg->nplma == M2M_SMSR_PLMA_MAX || n >= M2M_SMSR_STR ||
				    strlen(key) >= M2M_SMSR_STR)
					return m2m_cfg_fail(errbuf, errlen,
							    "[plma] %s: too many or too long", key);
				m2m_smsr_plma *p = &cfg->plma[cfg->nplma++];
				snprintf(p->sp, sizeof p->sp, "%s", key);
				snprintf(p->mno, sizeof p->mno, "%.*s", (int)n, s);
			}
			s += n;
			s += strspn(s, ", ");
		}
	}
	return M2M_OK;
}

static m2m_err load(m2m_config *c, void *arg, char *errbuf, size_t errlen)
{
	m2m_smsr_cfg *cfg = arg;
	m2m_err err;

	memset(cfg, 0, sizeof *cfg);
	if ((err = load_lists(c, cfg, errbuf, errlen)) ||
	    (err = load_smsr(c, cfg, errbuf, errlen)) || (err = load_es(c, cfg, errbuf, errlen)) ||
	    (err = load_smpp(c, cfg, errbuf, errlen)) ||
	    (err = load_sms_address(c, cfg, errbuf, errlen)) ||
	    (err = load_scp81(c, cfg, errbuf, errlen)) ||
	    (err = load_engine(c, cfg, errbuf, errlen)) ||
	    (err = load_es1(c, cfg, errbuf, errlen)) ||
	    (err = m2m_cfg_str(c, "es7", "gp_cert", cfg->es7_gp_cert, sizeof cfg->es7_gp_cert,
			       false, errbuf, errlen)) ||
	    (err = m2m_cfg_str(c, "es7", "gp_key", cfg->es7_gp_key, sizeof cfg->es7_gp_key, false,
			       errbuf, errlen)))
		return err;
	if ((cfg->es7_gp_cert[0] == '\0') != (cfg->es7_gp_key[0] == '\0'))
		return m2m_cfg_fail(errbuf, errlen, "[es7] gp_cert and gp_key go together");
	return M2M_OK;
}

void m2m_smsr_cfg_clear(m2m_smsr_cfg *cfg)
{
	if (cfg == NULL)
		return;
	m2m_es1_trust_free(cfg->es1);
	cfg->es1 = NULL;
}

m2m_err m2m_smsr_cfg_parse(const char *text, size_t len, m2m_smsr_cfg *cfg, char *errbuf,
			   size_t errlen)
{
	return m2m_cfg_read(NULL, text, len, load, cfg, errbuf, errlen);
}

m2m_err m2m_smsr_cfg_load(const char *path, m2m_smsr_cfg *cfg, char *errbuf, size_t errlen)
{
	return m2m_cfg_read(path, NULL, 0, load, cfg, errbuf, errlen);
}

const char *m2m_smsr_caller_oid(const m2m_smsr_cfg *cfg, const char *cn)
{
	for (size_t i = 0; i < cfg->ncallers; i++)
		if (strcmp(cfg->callers[i].cn, cn) == 0)
			return cfg->callers[i].oid;
	return cn;
}

const char *m2m_smsr_peer_url(const m2m_smsr_cfg *cfg, const char *id)
{
	for (size_t i = 0; i < cfg->npeers; i++)
		if (strcmp(cfg->peers[i].id, id) == 0)
			return cfg->peers[i].url;
	return NULL;
}

const char *m2m_smsr_smsr_peer_url(const m2m_smsr_cfg *cfg, const char *id)
{
	for (size_t i = 0; i < cfg->nsmsr_peers; i++)
		if (strcmp(cfg->smsr_peers[i].id, id) == 0)
			return cfg->smsr_peers[i].url;
	return NULL;
}
