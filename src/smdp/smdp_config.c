/* The SM-DP configuration (docs/smdp.md "Configuration"): INI through core/config.h, every
 * key checked, unknown sections and keys refused so a typo never passes silently. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/config_read.h"
#include "smdp/smdp.h"

static const char *const known[] = {
	"smdp.id", "smdp.oid", "smdp.db", "smdp.master_key", "smdp.log_level",
	"smdp.log_format", "smdp.wsdl_dir", "smdp.instance",
	"es.listen", "es.cert", "es.key", "es.ca", "es.address", "es.allow_without_cert",
	"gp.ci_cert", "gp.dp_cert", "gp.dp_key",
	"download.workers", "download.keys", "download.segment_size", "download.payload_max",
	"download.timeout", "download.need_http", "download.send_imsi",
	NULL,
};

static bool is_known(const char *section, const char *key)
{
	if (strcmp(section, "callers") == 0 || strcmp(section, "peers") == 0 ||
	    strcmp(section, "eum") == 0)
		return true;
	if (strncmp(section, "smsr.", 5) == 0 && section[5] != '\0')
		return strcmp(key, "oid") == 0 || strcmp(key, "url") == 0;
	return m2m_cfg_key_listed(known, section, key);
}

static m2m_err load_smdp(m2m_config *c, m2m_smdp_cfg *cfg, char *errbuf, size_t errlen)
{
	const char *v;
	m2m_err err;

	if ((err = m2m_cfg_str(c, "smdp", "id", cfg->id, sizeof cfg->id, true, errbuf, errlen)) ||
	    (err = m2m_cfg_str(c, "smdp", "oid", cfg->oid, sizeof cfg->oid, true, errbuf,
			       errlen)) ||
	    (err = m2m_cfg_str(c, "smdp", "db", cfg->db, sizeof cfg->db, true, errbuf, errlen)) ||
	    (err = m2m_cfg_str(c, "smdp", "master_key", cfg->master_key, sizeof cfg->master_key,
			       true, errbuf, errlen)) ||
	    (err = m2m_cfg_str(c, "smdp", "wsdl_dir", cfg->wsdl_dir, sizeof cfg->wsdl_dir, false,
			       errbuf, errlen)) ||
	    (err = m2m_cfg_str(c, "smdp", "instance", cfg->instance, sizeof cfg->instance, false,
			       errbuf, errlen)))
		return err;
	if (cfg->instance[0] == '\0' && strlen(cfg->id) < sizeof cfg->instance)
		memcpy(cfg->instance, cfg->id, strlen(cfg->id) + 1);
	if (cfg->instance[0] == '\0')
		return m2m_cfg_fail(errbuf, errlen,
				    "[smdp] instance: required when id is longer than %zu "
				    "characters",
				    sizeof cfg->instance - 1);
	if (strlen(cfg->master_key) != 64 ||
	    strspn(cfg->master_key, "0123456789abcdefABCDEF") != 64)
		return m2m_cfg_fail(errbuf, errlen, "[smdp] master_key: expected 64 hex digits");
	if (!m2m_cfg_oid_ok(cfg->oid))
		return m2m_cfg_fail(errbuf, errlen, "[smdp] oid = '%s': not an object identifier",
				    cfg->oid);
	v = m2m_config_get_str(c, "smdp", "log_level", "info");
	if (m2m_log_level_parse(v, &cfg->log_level) != M2M_OK)
		return m2m_cfg_fail(errbuf, errlen,
				    "[smdp] log_level = '%s': debug, info, warn, error, off", v);
	v = m2m_config_get_str(c, "smdp", "log_format", "plain");
	if (m2m_log_format_parse(v, &cfg->log_format) != M2M_OK)
		return m2m_cfg_fail(errbuf, errlen, "[smdp] log_format = '%s': plain or json", v);
	return M2M_OK;
}

static m2m_err load_es(m2m_config *c, m2m_smdp_cfg *cfg, char *errbuf, size_t errlen)
{
	M2M_CFG_ES_FIELDS(f, cfg);

	return m2m_cfg_read_es(c, "127.0.0.1:8444", &f, errbuf, errlen);
}

static m2m_err load_gp_download(m2m_config *c, m2m_smdp_cfg *cfg, char *errbuf, size_t errlen)
{
	const char *keys = m2m_config_get_str(c, "download", "keys", "keep");
	m2m_err err;

	if ((err = m2m_cfg_str(c, "gp", "ci_cert", cfg->ci_cert, sizeof cfg->ci_cert, true, errbuf,
			       errlen)) ||
	    (err = m2m_cfg_str(c, "gp", "dp_cert", cfg->dp_cert, sizeof cfg->dp_cert, true, errbuf,
			       errlen)) ||
	    (err = m2m_cfg_str(c, "gp", "dp_key", cfg->dp_key, sizeof cfg->dp_key, true, errbuf,
			       errlen)) ||
	    (err = m2m_cfg_num(c, "download", "workers", 4, 1, 256, &cfg->workers, errbuf,
			       errlen)) ||
	    (err = m2m_cfg_num(c, "download", "segment_size", M2M_ES8_SEGMENT_DEFAULT, 1, 65000,
			       &cfg->segment_size, errbuf, errlen)) ||
	    /* 16 KiB: a TS.48 package in one SendData, and well inside the 64 KiB an
	     * m2mrsp SM-SR takes in one Data. */
	    (err = m2m_cfg_num(c, "download", "payload_max", 16384, 0, 1 << 24, &cfg->payload_max,
			       errbuf, errlen)) ||
	    (err = m2m_cfg_num(c, "download", "timeout", 120, 1, 86400, &cfg->timeout_s, errbuf,
			       errlen)))
		return err;
	if (m2m_config_get_bool(c, "download", "need_http", false, &cfg->need_http) ||
	    m2m_config_get_bool(c, "download", "send_imsi", false, &cfg->send_imsi))
		return m2m_cfg_fail(errbuf, errlen, "%s", m2m_config_error(c));
	if (strcmp(keys, "keep") == 0)
		cfg->keys = M2M_ES8_KEYS_KEEP;
	else if (strcmp(keys, "handover") == 0)
		cfg->keys = M2M_ES8_KEYS_HANDOVER;
	else if (strcmp(keys, "delete") == 0)
		cfg->keys = M2M_ES8_KEYS_DELETE;
	else
		return m2m_cfg_fail(errbuf, errlen,
				    "[download] keys = '%s': keep, handover or delete", keys);
	return M2M_OK;
}

static m2m_err add_pair(m2m_smdp_pair *list, size_t *n, const char *sec, const char *key,
			const char *val, char *errbuf, size_t errlen)
{
	if (*n == M2M_SMDP_LIST_MAX || strlen(key) >= M2M_SMDP_STR || strlen(val) >= M2M_SMDP_STR)
		return m2m_cfg_fail(errbuf, errlen, "[%s] %s: too many entries or too long", sec,
				    key);
	snprintf(list[*n].key, sizeof list[*n].key, "%s", key);
	snprintf(list[*n].value, sizeof list[*n].value, "%s", val);
	(*n)++;
	return M2M_OK;
}

/* [smsr.NAME] oid / url: the entry of NAME, made on first sight. */
static m2m_err smsr_entry(m2m_smdp_cfg *cfg, const char *sec, const char *key, const char *val,
			  char *errbuf, size_t errlen)
{
	const char *name = sec + 5;
	m2m_smdp_smsr *s = NULL;

	for (size_t i = 0; i < cfg->nsmsr && s == NULL; i++)
		if (strcmp(cfg->smsr[i].name, name) == 0)
			s = &cfg->smsr[i];
	if (s == NULL) {
		if (cfg->nsmsr == M2M_SMDP_LIST_MAX || strlen(name) >= sizeof s->name)
			return m2m_cfg_fail(errbuf, errlen,
					    "[%s]: too many SM-SRs or name too long", sec);
		s = &cfg->smsr[cfg->nsmsr++];
		snprintf(s->name, sizeof s->name, "%s", name);
	}
	if (strlen(val) >= M2M_SMDP_STR)
		return m2m_cfg_fail(errbuf, errlen, "[%s] %s: too long", sec, key);
	if (strcmp(key, "oid") == 0) {
		if (!m2m_cfg_oid_ok(val))
			return m2m_cfg_fail(errbuf, errlen,
					    "[%s] oid = '%s': not an object identifier", sec, val);
		snprintf(s->oid, sizeof s->oid, "%s", val);
	} else {
		if (!m2m_cfg_url_ok(val))
			return m2m_cfg_fail(errbuf, errlen, "[%s] url = '%s': expected a URL", sec,
					    val);
		snprintf(s->url, sizeof s->url, "%s", val);
	}
	return M2M_OK;
}

static m2m_err load_lists(const m2m_config *c, m2m_smdp_cfg *cfg, char *errbuf, size_t errlen)
{
	const char *sec, *key, *val;
	size_t pos = 0;
	m2m_err err = M2M_OK;

	while (err == M2M_OK && m2m_config_next(c, &pos, &sec, &key, &val)) {
		if (!is_known(sec, key))
			return m2m_cfg_fail(errbuf, errlen, "unknown key [%s] %s", sec, key);
		if (strncmp(sec, "smsr.", 5) == 0)
			err = smsr_entry(cfg, sec, key, val, errbuf, errlen);
		else if (strcmp(sec, "callers") == 0) {
			if (!m2m_cfg_oid_ok(val))
				return m2m_cfg_fail(
					errbuf, errlen,
					"[callers] %s = '%s': an object identifier expected", key,
					val);
			err = add_pair(cfg->callers, &cfg->ncallers, sec, key, val, errbuf, errlen);
		} else if (strcmp(sec, "peers") == 0) {
			if (!m2m_cfg_oid_ok(key) || !m2m_cfg_url_ok(val))
				return m2m_cfg_fail(errbuf, errlen,
						    "[peers] %s = '%s': MNO OID = URL expected",
						    key, val);
			err = add_pair(cfg->peers, &cfg->npeers, sec, key, val, errbuf, errlen);
		} else if (strcmp(sec, "eum") == 0) {
			if (!m2m_cfg_oid_ok(key))
				return m2m_cfg_fail(errbuf, errlen,
					    "[eum] %s: the EUM's object identifier expected", key);
			err = add_pair(cfg->eums, &cfg->neums, sec, key, val, errbuf, errlen);
		}
	}
	for (size_t i = 0; err == M2M_OK && i < cfg->nsmsr; i++)
		if (cfg->smsr[i].oid[0] == '\0' || cfg->smsr[i].url[0] == '\0')
			return m2m_cfg_fail(errbuf, errlen, "[smsr.%s] needs oid and url",
					    cfg->smsr[i].name);
	return err;
}

static m2m_err load(m2m_config *c, void *arg, char *errbuf, size_t errlen)
{
	m2m_smdp_cfg *cfg = arg;
	m2m_err err;

	memset(cfg, 0, sizeof *cfg);
	if ((err = load_lists(c, cfg, errbuf, errlen)) ||
	    (err = load_smdp(c, cfg, errbuf, errlen)) || (err = load_es(c, cfg, errbuf, errlen)) ||
	    (err = load_gp_download(c, cfg, errbuf, errlen)))
		return err;
	return M2M_OK;
}

m2m_err m2m_smdp_cfg_parse(const char *text, size_t len, m2m_smdp_cfg *cfg, char *errbuf,
			   size_t errlen)
{
	return m2m_cfg_read(NULL, text, len, load, cfg, errbuf, errlen);
}

m2m_err m2m_smdp_cfg_load(const char *path, m2m_smdp_cfg *cfg, char *errbuf, size_t errlen)
{
	return m2m_cfg_read(path, NULL, 0, load, cfg, errbuf, errlen);
}

static const char *pair_get(const m2m_smdp_pair *list, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i].key, key) == 0)
			return list[i].value;
	return NULL;
}

const char *m2m_smdp_caller_oid(const m2m_smdp_cfg *cfg, const char *cn)
{
	const char *oid = pair_get(cfg->callers, cfg->ncallers, cn);

	return oid != NULL ? oid : cn;
}

const m2m_smdp_smsr *m2m_smdp_smsr_by_oid(const m2m_smdp_cfg *cfg, const char *oid)
{
	for (size_t i = 0; i < cfg->nsmsr; i++)
		if (strcmp(cfg->smsr[i].oid, oid) == 0)
			return &cfg->smsr[i];
	return NULL;
}

const char *m2m_smdp_eum_cert(const m2m_smdp_cfg *cfg, const char *eum_id)
{
	return pair_get(cfg->eums, cfg->neums, eum_id);
}

const char *m2m_smdp_peer_url(const m2m_smdp_cfg *cfg, const char *mno_id)
{
	return pair_get(cfg->peers, cfg->npeers, mno_id);
}
