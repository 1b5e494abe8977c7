/* `m2mrsp smdp`: the daemon's wiring on one libevent loop: the SM-DP's GP identity, the ES2
 * endpoint (ws over net/http_server with mutual TLS), the worker threads and the pipe
 * through which they hand held answers back, and the signals (docs/smdp.md). */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "crypto/pem.h"
#include "net/tls.h"
#include "saip/saip.h"
#include "smdp/smdp_int.h"
#include "ws/endpoint.h"

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	m2m_info(SMDP_LOG, "signal %d: stopping", (int)sig);
	event_base_loopexit(arg, NULL);
}

static void on_done(evutil_socket_t fd, short what, void *arg)
{
	char buf[64];

	(void)what;
	while (read(fd, buf, sizeof buf) > 0)
		;
	smdp_done_drain(arg);
}

/* CERT.DP.ECDSA, SK.DP.ECDSA and the CI certificate: read once, shared read-only. */
static m2m_err load_gp(smdp *s)
{
	const m2m_smdp_cfg *cfg = s->cfg;
	m2m_err err;

	if ((err = m2m_saip_read_file(cfg->dp_cert, &s->cert_dp)) != M2M_OK ||
	    (err = m2m_saip_read_file(cfg->ci_cert, &s->ci_pem)) != M2M_OK) {
		m2m_error(SMDP_LOG, "[gp] dp_cert or ci_cert cannot be read");
		return M2M_ERR_IO;
	}
	if ((err = m2m_ec_load_pem(cfg->dp_key, true, &s->sk_dp)) != M2M_OK)
		m2m_error(SMDP_LOG, "[gp] dp_key %s: %s", cfg->dp_key, m2m_strerror(err));
	return err;
}

static m2m_err start_es(smdp *s)
{
	const m2m_smdp_cfg *cfg = s->cfg;
	m2m_ws_endpoint_opts eo = {
		.host = cfg->es_host, .port = cfg->es_port, .cert = cfg->es_cert,
		.key = cfg->es_key, .ca = cfg->es_ca, .address = cfg->es_address,
		.path = "/soap/es2", .log = SMDP_LOG,
		.ws = {.role = M2M_WS_ROLE_SMDP,
		       .schema = s->schema,
		       .handler = smdp_es2_handle,
		       .arg = s,
		       .allow_without_cert = cfg->allow_without_cert},
	};

	return m2m_ws_endpoint_open(s->base, &eo, &s->http, &s->ws, s->address,
				    sizeof s->address);
}

static m2m_err start_pipe(smdp *s)
{
	if (pipe(s->pipe_fd) != 0)
		return M2M_ERR_IO;
	fcntl(s->pipe_fd[0], F_SETFL, O_NONBLOCK);
	s->done_ev = event_new(s->base, s->pipe_fd[0], EV_READ | EV_PERSIST, on_done, s);
	if (s->done_ev == NULL || event_add(s->done_ev, NULL) != 0)
		return M2M_ERR_NOMEM;
	return M2M_OK;
}

/* Workers first (they may still finish held tasks), then the answers they left, then the
 * server (which answers holds still open with a fault). */
static void stop(smdp *s)
{
	smdp_workers_stop(s);
	smdp_done_drain(s);
	if (s->done_ev != NULL)
		event_free(s->done_ev);
	if (s->pipe_fd[0] > 0) {
		close(s->pipe_fd[0]);
		close(s->pipe_fd[1]);
	}
	m2m_http_server_free(s->http);
	m2m_ws_server_free(s->ws);
	m2m_ws_schema_free(s->schema);
	m2m_store_close(s->st);
	m2m_ec_free(s->sk_dp);
	m2m_buf_free(&s->cert_dp);
	m2m_buf_free(&s->ci_pem);
	if (s->base != NULL)
		m2m_http_base_free(s->base);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
}

int m2m_smdp_run(const m2m_smdp_cfg *cfg)
{
	smdp s;
	struct event *sint = NULL, *sterm = NULL;
	char errbuf[256] = "";
	int rc = 3;

	memset(&s, 0, sizeof s);
	s.cfg = cfg;
	m2m_buf_init(&s.cert_dp);
	m2m_buf_init(&s.ci_pem);
	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.cond, NULL);
	m2m_log_setup(cfg->log_level, cfg->log_format, stderr);
	signal(SIGPIPE, SIG_IGN);
	if (m2m_ws_init() != M2M_OK ||
	    m2m_ws_schema_load(cfg->wsdl_dir[0] ? cfg->wsdl_dir : NULL, &s.schema) != M2M_OK) {
		m2m_error(SMDP_LOG, "the GSMA schema (data/wsdl) cannot be loaded");
		goto out;
	}
	if (load_gp(&s) != M2M_OK)
		goto out;
	if (m2m_store_open(cfg->db, cfg->master_key, &s.st, errbuf, sizeof errbuf) != M2M_OK) {
		m2m_error(SMDP_LOG, "store %s: %s", cfg->db, errbuf);
		goto out;
	}
	s.base = m2m_http_base_new();
	if (s.base == NULL || start_pipe(&s) != M2M_OK)
		goto out;
	if (start_es(&s) != M2M_OK) {
		m2m_error(SMDP_LOG, "[es] listen %s:%u failed", cfg->es_host, cfg->es_port);
		goto out;
	}
	if (smdp_workers_start(&s) != M2M_OK) {
		m2m_error(SMDP_LOG, "the workers cannot start (store, [es] cert/key/ca, [gp])");
		goto out;
	}
	if (smdp_recover_start(&s) != M2M_OK) {
		m2m_error(SMDP_LOG, "interrupted downloads cannot be listed: %s",
			  m2m_store_errmsg(s.st));
		goto out;
	}
	sint = evsignal_new(s.base, SIGINT, on_signal, s.base);
	sterm = evsignal_new(s.base, SIGTERM, on_signal, s.base);
	if (sint == NULL || sterm == NULL || event_add(sint, NULL) || event_add(sterm, NULL))
		goto out;
	printf("es %s:%u\n", cfg->es_host, (unsigned)m2m_http_server_port(s.http));
	if (fflush(stdout) != 0)
		goto out;
	m2m_info(SMDP_LOG, "%s (%s) on %s, %u workers", cfg->id, cfg->oid, s.address,
		 cfg->workers);
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
