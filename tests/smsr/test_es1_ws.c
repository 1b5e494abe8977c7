/* ES1.RegisterEIS over the wire: the ws endpoint (schema validation, routing) in front of
 * m2m_es1_register_eis, called with the ws client over SOAP and over the JSON mirror. Shows
 * that a signed EIS survives serialisation and parsing, and where it does not (an indented
 * EIS through the JSON mirror, which carries no white space). Plain HTTP on 127.0.0.1 with a
 * fixed caller identity: TLS is the net and ws layers' business. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <pthread.h>

#include <cmocka.h>
#include <event2/event.h>
#include <event2/thread.h>

#include "core/log.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "smsr/eis_file.h"
#include "smsr/es1.h"
#include "test_eis_fixture.h"
#include "ws/client.h"
#include "ws/server.h"

#define MASTER "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static fx F;
static char tmpdir[64], url[96];
static m2m_store *store;
static m2m_es1_eum eum;
static m2m_es1_trust trust;
static struct event_base *base;
static pthread_t thread;
static m2m_http_server *http;
static m2m_ws_server *ws;

/* The TLS identity a deployment would map: here every caller is the EUM eum1. */
static m2m_err identify(void *arg, const m2m_tls_peer *peer, m2m_ws_caller *caller)
{
	(void)arg;
	(void)peer;
	caller->role = M2M_WS_ROLE_EUM;
	snprintf(caller->id, sizeof caller->id, "eum1");
	return M2M_OK;
}

static m2m_ws_reply handler(void *arg, const m2m_ws_call *call, m2m_ws_msg *response)
{
	m2m_ws_exec_status status;

	(void)arg;
	(void)m2m_es1_register_eis(store, &trust, call->caller, call->msg, &status);
	if (m2m_ws_response_set_status(response, &status) != M2M_OK)
		abort();
	return M2M_WS_REPLY_NOW;
}

static void *loop(void *arg)
{
	event_base_loop(arg, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

static int setup(void **state)
{
	char u[160], err[200];

	(void)state;
	fx_init(&F);
	snprintf(tmpdir, sizeof tmpdir, "/tmp/m2m-es1ws-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	snprintf(u, sizeof u, "sqlite:%s/s.db", tmpdir);
	assert_int_equal(m2m_store_open(u, MASTER, &store, err, sizeof err), M2M_OK);
	eum = (m2m_es1_eum){FX_EUM_ID, "eum1", F.eum_pem.data, F.eum_pem.len, F.tk, sizeof F.tk};
	trust = (m2m_es1_trust){F.ci_pem.data, F.ci_pem.len, &eum, 1, FX_SMSR_ID};
	assert_non_null(base = event_base_new());
	m2m_ws_server_opts wo = {.role = M2M_WS_ROLE_SMSR, .schema = F.schema,
				 .identify = identify, .handler = handler,
				 .allow_without_cert = true};
	assert_int_equal(m2m_ws_server_new(&wo, &ws), M2M_OK);
	m2m_http_server_opts ho = {.timeout_s = 10, .max_body = 256 * 1024,
				   .handler = m2m_ws_server_http_handler, .arg = ws};
	assert_int_equal(m2m_http_server_new(base, &ho, &http), M2M_OK);
	snprintf(url, sizeof url, "http://127.0.0.1:%u", (unsigned)m2m_http_server_port(http));
	assert_int_equal(pthread_create(&thread, NULL, loop, base), 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	event_base_loopbreak(base);
	pthread_join(thread, NULL);
	m2m_http_server_free(http);
	m2m_ws_server_free(ws);
	m2m_http_base_free(base);
	m2m_store_close(store);
	fx_free(&F);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Sends req with the binding to /<soap|json>/es1 and returns the status answered. */
static m2m_ws_exec_status call(m2m_ws_msg *req, m2m_ws_binding binding)
{
	m2m_ws_client_opts co = {.schema = F.schema, .binding = binding};
	m2m_ws_client *c = NULL;
	m2m_ws_result res;
	m2m_ws_exec_status st;
	char to[128];

	memset(&res, 0, sizeof res);
	snprintf(to, sizeof to, "%s/%s/es1", url, binding == M2M_WS_JSON ? "json" : "soap");
	assert_int_equal(m2m_ws_client_new(&co, &c), M2M_OK);
	assert_int_equal(m2m_ws_client_call(c, to, req, NULL, &res), M2M_OK);
	assert_non_null(res.response);
	assert_int_equal(m2m_ws_msg_status(res.response, &st), M2M_OK);
	m2m_ws_result_free(&res);
	m2m_ws_client_free(c);
	return st;
}

static m2m_ws_msg *request(const char *eid, const char *iccid0, const char *iccid1)
{
	m2m_eis e;
	m2m_ws_msg *m;

	fx_eis(&F, eid, &e);
	snprintf(e.profiles[0].iccid, sizeof e.profiles[0].iccid, "%s", iccid0);
	snprintf(e.profiles[1].iccid, sizeof e.profiles[1].iccid, "%s", iccid1);
	m = fx_request(&F, &e, F.eum, &F.eum_pem, NULL);
	m2m_eis_clear(&e);
	return m;
}

static void soap_register_and_duplicate(void **state)
{
	m2m_ws_msg *m = request(FX_EID, "8944500102198304826", "8944500102198304834");
	m2m_ws_exec_status st;

	(void)state;
	st = call(m, M2M_WS_SOAP);
	assert_int_equal(st.status, M2M_WS_EXECUTED_SUCCESS);
	st = call(m, M2M_WS_SOAP);
	assert_int_equal(st.status, M2M_WS_FAILED);
	assert_string_equal(st.subject, "8.1.1");
	assert_string_equal(st.reason, "3.3");
	m2m_ws_msg_free(m);
}

static void json_register(void **state)
{
	m2m_ws_msg *m = request("89001012012341234012345678901232", "8944500102198304842",
				"8944500102198304859");
	m2m_ws_exec_status st;

	(void)state;
	st = call(m, M2M_WS_JSON);
	if (st.status != M2M_WS_EXECUTED_SUCCESS)
		fail_msg("%s/%s %s", st.subject, st.reason, st.message);
	m2m_ws_msg_free(m);
}

/* An EIS file as `eis make` writes it (indented before signing). */
static m2m_ws_msg *indented(const char *eid, const char *iccid0, const char *iccid1)
{
	m2m_ws_msg *m = request(eid, iccid0, iccid1), *m2 = NULL;
	m2m_ws_node *eis = (m2m_ws_node *)m2m_ws_find(m2m_ws_msg_body(m), "Eis"), *e2;
	m2m_buf b;
	char why[200];

	m2m_buf_init(&b);
	/* Unsigned copy, indented, read back, signed: what is signed keeps its white space. */
	xmlNodePtr sig = (xmlNodePtr)m2m_ws_find(eis, "EumSignature");
	xmlUnlinkNode(sig);
	xmlFreeNode(sig);
	assert_int_equal(m2m_eis_file_write(eis, true, &b), M2M_OK);
	assert_int_equal(m2m_eis_file_read(b.data, b.len, "fc-ind", &m2, &e2, why, sizeof why),
			 M2M_OK);
	assert_int_equal(m2m_eis_sign(m2, e2, F.eum, NULL, 0, NULL), M2M_OK);
	m2m_buf_free(&b);
	m2m_ws_msg_free(m);
	return m2;
}

static void indented_soap_and_json(void **state)
{
	m2m_ws_msg *a = indented("89001012012341234012345678901240", "8944500102198304867",
				 "8944500102198304875");
	m2m_ws_msg *b = indented("89001012012341234012345678901257", "8944500102198304883",
				 "8944500102198304891");
	m2m_ws_exec_status st;

	(void)state;
	st = call(a, M2M_WS_SOAP);
	if (st.status != M2M_WS_EXECUTED_SUCCESS)
		fail_msg("%s/%s %s", st.subject, st.reason, st.message);
	/* The JSON mirror drops the white space the EUM signed. */
	st = call(b, M2M_WS_JSON);
	assert_int_equal(st.status, M2M_WS_FAILED);
	assert_string_equal(st.subject, "8.6");
	assert_string_equal(st.reason, "6.1");
	m2m_ws_msg_free(a);
	m2m_ws_msg_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(soap_register_and_duplicate),
		cmocka_unit_test(json_register),
		cmocka_unit_test(indented_soap_and_json),
	};
	int rc;

	signal(SIGPIPE, SIG_IGN);
	m2m_log_setup(M2M_LOG_OFF, M2M_LOG_PLAIN, NULL);
	evthread_use_pthreads();
	if (m2m_ws_init() != M2M_OK || m2m_http_global_init() != M2M_OK)
		return 1;
	rc = cmocka_run_group_tests(tests, setup, teardown);
	m2m_http_global_cleanup();
	libevent_global_shutdown();
	m2m_ws_cleanup();
	return rc;
}
