/* `m2mrsp smsr`: the daemon's wiring on one libevent loop: the store, the ES endpoint (ws
 * over net/http_server with mutual TLS), the SMS bearer, the job engine, the outbound worker
 * and the signals (docs/smsr.md). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "smsr/smsr_es7.h"
#include "smsr/smsr_int.h"
#include "ws/endpoint.h"

static void on_link(m2m_sms_bearer *b, bool up, void *arg)
{
	(void)b;
	m2m_info(SMSR_LOG, "SMSC %s", up ? "bound" : "lost");
	if (up)
		smsr_engine_kick(arg);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	m2m_info(SMSR_LOG, "signal %d: stopping", (int)sig);
	event_base_loopexit(arg, NULL);
}

static m2m_err start_es(smsr *s)
{
	const m2m_smsr_cfg *cfg = s->cfg;
	m2m_ws_endpoint_opts eo = {
		.host = cfg->es_host, .port = cfg->es_port, .cert = cfg->es_cert,
		.key = cfg->es_key, .ca = cfg->es_ca, .address = cfg->es_address,
		.path = "/soap/es4", .log = SMSR_LOG,
		.ws = {.role = M2M_WS_ROLE_SMSR,
		       .schema = s->schema,
		       .handler = smsr_es3_handle, /* ES3, then ES4 and ES1 */
		       .arg = s,
		       .allow_without_cert = cfg->allow_without_cert},
	};

	return m2m_ws_endpoint_open(s->base, &eo, &s->http, &s->ws, s->address,
				    sizeof s->address);
}

static m2m_err start_sms(smsr *s)
{
	const m2m_smsr_cfg *cfg = s->cfg;
	m2m_sms_bearer_cfg bc = {
		.esme = {.host = cfg->smpp_host,
			 .port = cfg->smpp_port,
			 .system_id = cfg->smpp_system_id,
			 .password = cfg->smpp_password,
			 .receipts = true,
			 .session = {.window = cfg->smpp_window},
			 .reconnect_min_ms = 200,
			 .reconnect_max_ms = 5000},
		.por_timeout_ms = cfg->por_timeout_ms,
		.window = cfg->smpp_window,
	};
	m2m_sms_bearer_lookup lk = {smsr_lookup_by_eid, smsr_lookup_keyset,
				    smsr_reserve_counter};
	m2m_sms_bearer_cbs cbs = {smsr_on_result, smsr_on_notification, on_link};

	bc.esme.source = (m2m_smpp_addr){1, 1, ""};
	snprintf(bc.esme.source.addr, sizeof bc.esme.source.addr, "%s", cfg->smpp_source);
	/* The bind claims our SMS address, so an SMSC that routes MO SMS by address_range
	 * hands us what cards send to it (docs/smpp.md "Routing"); "none" claims nothing. */
	if (cfg->smpp_bind_range) {
		bc.esme.address_range = (m2m_smpp_addr){cfg->sms_address[0] == '+',
							 cfg->sms_address[0] != '\0', ""};
		snprintf(bc.esme.address_range.addr, sizeof bc.esme.address_range.addr, "%s",
			 cfg->sms_address + (cfg->sms_address[0] == '+'));
	}
	s->sms = m2m_sms_bearer_new(s->base, &bc, &lk, s, &cbs, s);
	if (s->sms == NULL)
		return M2M_ERR_ARG;
	return m2m_sms_bearer_start(s->sms);
}

static void stop(smsr *s)
{
	smsr_es7_stop(s); /* first: its workers' answers still need the loop's objects */
	smsr_retention_stop(s);
	smsr_engine_stop(s);
	if (s->sms != NULL) {
		m2m_sms_bearer_stop(s->sms);
		m2m_sms_bearer_free(s->sms);
	}
	smsr_held_drop_all(s);
	smsr_chain_free_all(s);
	m2m_http_server_free(s->http);
	m2m_ws_server_free(s->ws);
	smsr_out_free(s->out);
	while (s->waiters != NULL) {
		smsr_waiter *w = s->waiters;
		s->waiters = w->next;
		m2m_ws_deferred_clear(&w->d);
		free(w);
	}
	m2m_store_close(s->st);
	m2m_ws_schema_free(s->schema);
	if (s->base != NULL)
		m2m_http_base_free(s->base);
}

int m2m_smsr_run(const m2m_smsr_cfg *cfg)
{
	smsr s;
	struct event *sint = NULL, *sterm = NULL;
	char errbuf[256] = "";
	int rc = 3;

	memset(&s, 0, sizeof s);
	s.cfg = cfg;
	m2m_log_setup(cfg->log_level, cfg->log_format, stderr);
	signal(SIGPIPE, SIG_IGN);
	if (m2m_ws_init() != M2M_OK ||
	    m2m_ws_schema_load(cfg->wsdl_dir[0] ? cfg->wsdl_dir : NULL, &s.schema) != M2M_OK) {
		m2m_error(SMSR_LOG, "the GSMA schema (data/wsdl) cannot be loaded");
		goto out;
	}
	if (m2m_store_open(cfg->db, cfg->master_key, &s.st, errbuf, sizeof errbuf) != M2M_OK) {
		m2m_error(SMSR_LOG, "store %s: %s", cfg->db, errbuf);
		goto out;
	}
	s.base = event_base_new();
	if (s.base == NULL)
		goto out;
	if (start_es(&s) != M2M_OK) {
		m2m_error(SMSR_LOG, "[es] listen %s:%u failed", cfg->es_host, cfg->es_port);
		goto out;
	}
	if (smsr_out_new(cfg, s.schema, s.address, &s.out) != M2M_OK) {
		m2m_error(SMSR_LOG, "the ws client cannot be set up ([es] cert, key, ca)");
		goto out;
	}
	if (start_sms(&s) != M2M_OK || smsr_engine_start(&s) != M2M_OK) {
		m2m_error(SMSR_LOG, "SMS bearer or engine start failed");
		goto out;
	}
	if (smsr_retention_start(&s) != M2M_OK) {
		m2m_error(SMSR_LOG, "retention timer: no memory");
		goto out;
	}
	if (smsr_es7_start(&s) != M2M_OK) {
		rc = 2; /* [es7] files unreadable */
		goto out;
	}
	sint = evsignal_new(s.base, SIGINT, on_signal, s.base);
	sterm = evsignal_new(s.base, SIGTERM, on_signal, s.base);
	if (sint == NULL || sterm == NULL || event_add(sint, NULL) || event_add(sterm, NULL))
		goto out;
	printf("es %s:%u\n", cfg->es_host, (unsigned)m2m_http_server_port(s.http));
	if (fflush(stdout) != 0)
		goto out;
	m2m_info(SMSR_LOG, "%s (worker %s) on %s, store %s", cfg->id, cfg->worker,
		 s.address, m2m_store_backend(s.st));
	event_base_dispatch(s.base);
	rc = 0;
out:
	if (sint != NULL)
		event_free(sint);
	if (sterm != NULL)
		event_free(sterm);
	stop(&s);
	return rc;
}
