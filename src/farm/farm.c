/* The farm daemon's life cycle, configuration defaults, statistics and the SMSC callbacks
 * (farm.h). */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "farm/farm_info.h"
#include "farm/farm_int.h"

#define DEF(x, v) ((x) != 0 ? (x) : (v))

static void on_bind(m2m_smpp_smsc_session *s, const char *system_id, void *arg)
{
	m2m_farm *f = arg;

	(void)s;
	m2m_info("farm", "ESME %s bound", system_id);
	farm_outbox_flush(f);
}

static void on_deliver_resp(m2m_smpp_smsc_session *s, uint32_t seq, m2m_err err,
			    uint32_t status, void *arg)
{
	(void)s;
	if (err != M2M_OK || status != 0)
		m2m_info("farm", "deliver_sm %u: %s, status %u", seq, m2m_strerror(err), status);
	farm_outbox_flush(arg);
}

static void on_sweep(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	farm_sweep(arg);
}

/* "+digits" international (91), "digits" unknown numbering (81). */
static m2m_err parse_smsr(m2m_farm *f)
{
	const char *a = f->cfg.smsr_address != NULL ? f->cfg.smsr_address : "+882999999999999";
	bool intl = a[0] == '+';
	size_t n = strlen(a + intl);

	if (n == 0 || n > M2M_SMS_ADDR_MAX_DIGITS || strspn(a + intl, "0123456789") != n)
		return M2M_ERR_ARG;
	f->smsr.ton_npi = intl ? 0x91 : 0x81;
	memcpy(f->smsr.digits, a + intl, n + 1);
	return M2M_OK;
}

/* https://host[:port][/uri]: the Host and first URI of triggers that name none. */
static m2m_err parse_url(m2m_farm *f)
{
	const char *u = f->cfg.scp81_url != NULL ? f->cfg.scp81_url : "https://127.0.0.1:8443";
	const char *host, *slash;
	size_t hl;

	if (strncmp(u, "https://", 8) == 0) {
		f->scp81_tls = true;
		host = u + 8;
	} else if (strncmp(u, "http://", 7) == 0) {
		host = u + 7;
	} else {
		return M2M_ERR_ARG;
	}
	slash = strchr(host, '/');
	hl = slash != NULL ? (size_t)(slash - host) : strlen(host);
	if (hl == 0 || hl >= sizeof f->scp81_host ||
	    (slash != NULL && strlen(slash) >= sizeof f->scp81_uri))
		return M2M_ERR_ARG;
	memcpy(f->scp81_host, host, hl);
	f->scp81_host[hl] = '\0';
	snprintf(f->scp81_uri, sizeof f->scp81_uri, "%s", slash != NULL ? slash : "/polling");
	return M2M_OK;
}

static void defaults(m2m_farm *f, const m2m_farm_cfg *cfg)
{
	f->cfg = *cfg;
	f->cfg.cache_max = DEF(cfg->cache_max, 10000);
	f->cfg.scp81_max = DEF(cfg->scp81_max, 8);
	f->cfg.scp81_timeout_ms = DEF(cfg->scp81_timeout_ms, 30000);
	f->cfg.notif_first_ms = DEF(cfg->notif_first_ms, 1000);
	f->cfg.notif_retry_ms = DEF(cfg->notif_retry_ms, 10000);
	f->cfg.notif_retry_max_ms = DEF(cfg->notif_retry_max_ms, 600000);
	f->cfg.attach_ms = DEF(cfg->attach_ms, 2000);
	f->cfg.sms_expiry_s = DEF(cfg->sms_expiry_s, 86400);
	snprintf(f->system_id, sizeof f->system_id, "%s",
		 cfg->system_id != NULL ? cfg->system_id : "smsr");
	snprintf(f->password, sizeof f->password, "%s",
		 cfg->password != NULL ? cfg->password : "password");
}

static m2m_err start_smsc(m2m_farm *f)
{
	m2m_smpp_account acc = {f->system_id, f->password};
	m2m_smpp_smsc_cbs cbs = {on_bind, farm_on_submit, on_deliver_resp, NULL};
	m2m_smpp_smsc_cfg sc;

	memset(&sc, 0, sizeof sc);
	sc.bind_addr = f->cfg.smpp_addr != NULL ? f->cfg.smpp_addr : "127.0.0.1";
	sc.port = f->cfg.smpp_port;
	sc.system_id = "m2mrsp-farm";
	sc.accounts = &acc;
	sc.n_accounts = 1;
	sc.session.name = "farm-smsc";
	f->smsc = m2m_smpp_smsc_new(f->base, &sc, &cbs, f);
	return f->smsc != NULL ? M2M_OK : M2M_ERR_IO;
}

/* Devices saved with pending notifications get their timers again. */
static m2m_err collect(void *arg, const m2m_farm_row *r)
{
	m2m_buf *ids = arg;

	return m2m_buf_append(ids, r->eid, 16);
}

static m2m_err resume_pending(m2m_farm *f)
{
	m2m_buf ids;
	m2m_err err;

	m2m_buf_init(&ids);
	err = m2m_farm_db_each(f->db, true, collect, &ids);
	for (size_t i = 0; err == M2M_OK && i + 16 <= ids.len; i += 16) {
		farm_dev *d = farm_dev_by_eid(f, ids.data + i, &err);

		if (d != NULL)
			farm_notif_arm(f, d);
	}
	m2m_buf_free(&ids);
	return err;
}

m2m_err m2m_farm_new(struct event_base *base, const m2m_farm_cfg *cfg, m2m_farm **out)
{
	m2m_farm *f = calloc(1, sizeof *f);
	struct timeval sec = {1, 0};
	m2m_err err = M2M_ERR_NOMEM;

	*out = NULL;
	if (f == NULL || m2m_farm_pkgs_init(&f->pkgs) != M2M_OK) {
		free(f);
		return err;
	}
	f->base = base;
	f->wake[0] = f->wake[1] = -1;
	defaults(f, cfg);
	err = M2M_ERR_ARG;
	if (cfg->db_path == NULL || parse_smsr(f) != M2M_OK || parse_url(f) != M2M_OK ||
	    farm_faults_parse(f) != M2M_OK)
		goto out;
	err = farm_cache_init(f);
	if (err == M2M_OK)
		err = m2m_farm_db_open(cfg->db_path, false, false, &f->db);
	if (err == M2M_OK)
		err = m2m_farm_db_pkgs_load(f->db, &f->pkgs);
	if (err == M2M_OK)
		err = farm_scp81_init(f);
	if (err == M2M_OK && ((f->inbox_ev = evtimer_new(base, farm_inbox_run, f)) == NULL ||
			      (f->sweep_ev = event_new(base, -1, EV_PERSIST, on_sweep, f)) == NULL ||
			      event_add(f->sweep_ev, &sec) != 0))
		err = M2M_ERR_NOMEM;
	if (err == M2M_OK)
		err = start_smsc(f);
	if (err == M2M_OK && cfg->control)
		err = farm_control_start(f);
	if (err == M2M_OK)
		err = resume_pending(f);
	if (err == M2M_OK)
		err = farm_faults_start(f);
	if (err == M2M_OK)
		err = farm_pcsc_start(f);
out:
	if (err != M2M_OK)
		m2m_farm_free(f);
	else
		*out = f;
	return err;
}

void m2m_farm_free(m2m_farm *f)
{
	if (f == NULL)
		return;
	if (f->control != NULL)
		m2m_http_server_free(f->control);
	if (f->smsc != NULL)
		m2m_smpp_smsc_free(f->smsc);
	farm_pcsc_free(f);
	farm_scp81_free(f);
	farm_inbox_free(f);
	farm_outbox_free(f);
	if (f->inbox_ev != NULL)
		event_free(f->inbox_ev);
	if (f->sweep_ev != NULL)
		event_free(f->sweep_ev);
	farm_cache_free(f);
	m2m_farm_db_close(f->db);
	m2m_farm_pkgs_free(&f->pkgs);
	free(f);
}

uint16_t m2m_farm_smpp_port(const m2m_farm *f)
{
	return m2m_smpp_smsc_port(f->smsc);
}

uint16_t m2m_farm_control_port(const m2m_farm *f)
{
	return f->control != NULL ? m2m_http_server_port(f->control) : 0;
}

void m2m_farm_stats_get(const m2m_farm *f, m2m_farm_stats *s)
{
	*s = f->st;
	s->cached = f->cached;
}

json_t *m2m_farm_stats_json(const m2m_farm *f)
{
	m2m_farm_stats s;
	json_t *o = json_object();

	m2m_farm_stats_get(f, &s);
#define PUT(k) json_object_set_new(o, #k, json_integer((json_int_t)s.k))
	PUT(sms_in);
	PUT(sms_refused);
	PUT(sms_out);
	PUT(mt_delivered);
	PUT(mt_dropped);
	PUT(mt_duplicated);
	PUT(mt_delayed);
	PUT(mt_stored);
	PUT(mt_expired);
	PUT(por);
	PUT(mo);
	PUT(notif_sent);
	PUT(notif_confirmed);
	PUT(receipts);
	PUT(scp81_started);
	PUT(scp81_ok);
	PUT(scp81_failed);
	PUT(refresh);
	PUT(rollback);
	PUT(fallback);
	PUT(loads);
	PUT(evictions);
	PUT(saves);
	PUT(cached);
	PUT(pending_notif);
	PUT(busy);
#undef PUT
	json_object_set_new(o, "outbox", json_integer((json_int_t)f->out_count));
	return o;
}

m2m_err m2m_farm_device_json(m2m_farm *f, const uint8_t eid[16], json_t **out)
{
	json_t *o, *rt;
	m2m_err err;
	farm_dev *d = farm_dev_by_eid(f, eid, &err);

	*out = NULL;
	if (d == NULL)
		return err;
	if ((o = m2m_farm_info(d->e, d->msisdn, false)) == NULL)
		return M2M_ERR_NOMEM;
	rt = json_object();
	json_object_set_new(rt, "power", json_string(d->off ? "off" : "on"));
	json_object_set_new(rt, "busy", json_boolean(d->scp81 != NULL));
	json_object_set_new(rt, "mt_waiting", json_integer((json_int_t)d->mt_count));
	json_object_set_new(rt, "notification_timer", json_boolean(d->notif_armed));
	json_object_set_new(o, "runtime", rt);
	*out = o;
	return M2M_OK;
}
