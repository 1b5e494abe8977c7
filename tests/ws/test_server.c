/* End to end on 127.0.0.1 with mutual TLS: an SM-SR endpoint and an SM-DP endpoint (for
 * callbacks and notifications) on one libevent loop, clients with role certificates (subject
 * OU = role, CN = identifier) made by the `openssl` command as tests/net does. SOAP and JSON,
 * synchronous and deferred answers, refusals by role, schema failures, malformed requests;
 * every envelope the endpoints send is checked against soap-12 + ws-addr + messages.xsd. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "core/log.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "net/tls.h"
#include "ws/client.h"
#include "ws/json.h"
#include "ws/ns.h"
#include "ws/server.h"
#include "ws/soap.h"
#include "ws/ws_test.h"

static const char gen_script[] =
	"set -e; cd '%s'\n"
	"k='-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes'\n"
	"openssl req -x509 $k -keyout ca.key -out ca.pem -days 2 -subj '/CN=Test CA'\n"
	"printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n"
	"extendedKeyUsage=serverAuth,clientAuth\\n' >srv.ext\n"
	"printf 'extendedKeyUsage=clientAuth\\n' >cli.ext\n"
	"mk() { openssl req -new $k -keyout $1.key -out $1.csr -subj \"$2\";\n"
	"  openssl x509 -req -in $1.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \\\n"
	"    -extfile $3 -out $1.pem; }\n"
	"mk smsr '/O=m2mrsp test/OU=SM-SR/CN=smsr1.example' srv.ext\n"
	"mk smdp '/O=m2mrsp test/OU=SM-DP/CN=smdp1.example' srv.ext\n"
	"mk mno '/O=m2mrsp test/OU=MNO/CN=mno1.example' cli.ext\n"
	"mk eum '/O=m2mrsp test/OU=EUM/CN=eum1.example' cli.ext\n"
	"mk noou '/O=m2mrsp test/CN=who.example' cli.ext\n";

typedef struct {
	char dir[64];
	m2m_ws_schema *schema;
	struct event_base *base;
	pthread_t thread;
	m2m_http_server *http_sr, *http_dp;
	m2m_ws_server *ws_sr, *ws_dp;
	char url_sr[64], url_dp[64];
	pthread_mutex_t lock;
	/* What the handlers saw (under lock). */
	int calls;
	m2m_ws_caller last_caller;
	char last_fn[64];
	char last_fcid[64];
	uint64_t last_validity;
	m2m_ws_binding last_binding;
	m2m_ws_deferred deferred;
	int callbacks;
	char callback_relates[128];
	char callback_aid[64];
	int notifications;
	m2m_ws_hold *hold;
	m2m_err hold_err;
} fixture;

static fixture *F;

static void file(const char *name, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", F->dir, name);
}

static void record(const m2m_ws_call *call)
{
	F->calls++;
	F->last_caller = *call->caller;
	snprintf(F->last_fn, sizeof F->last_fn, "%s", call->fn->name);
	snprintf(F->last_fcid, sizeof F->last_fcid, "%s",
		 call->function_call_id ? call->function_call_id : "");
	F->last_validity = call->validity_period;
	F->last_binding = call->binding;
}

/* The service's later answer to a held DisableProfile, on the loop thread. */
static void complete_hold(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	m2m_ws_msg *r = NULL;
	m2m_ws_exec_status st;
	pthread_mutex_lock(&F->lock);
	m2m_ws_status_set(&st, M2M_WS_EXPIRED, M2M_WS_SUBJ_FUNCTION, M2M_WS_REASON_NO_RESPONSE,
			  NULL, "held then answered");
	assert_int_equal(m2m_ws_hold_fn(F->hold), M2M_WS_ES4_DISABLE_PROFILE);
	assert_int_equal(m2m_ws_response_new(M2M_WS_ES4_DISABLE_PROFILE, &st, &r), M2M_OK);
	m2m_ws_server_complete(F->hold, r);
	F->hold = NULL;
	m2m_ws_msg_free(r);
	pthread_mutex_unlock(&F->lock);
}

/* The SM-SR's handler. */
static m2m_ws_reply smsr_handler(void *arg, const m2m_ws_call *call, m2m_ws_msg *response)
{
	(void)arg;
	const m2m_ws_node *body = m2m_ws_msg_body(call->msg);
	m2m_ws_reply reply = M2M_WS_REPLY_NOW;
	pthread_mutex_lock(&F->lock);
	record(call);
	switch (call->fn->id) {
	case M2M_WS_ES3_CREATE_ISDP:
		/* With a ReplyTo: answer later; without: now. */
		if (m2m_ws_defer(call, &F->deferred) == M2M_OK) {
			reply = M2M_WS_REPLY_LATER;
			break;
		}
		m2m_ws_add(response, NULL, "Isd-p-aid", "A0000005591010FFFFFFFF8900001000", NULL);
		m2m_ws_add(response, NULL, "EuiccResponseData", "9000", NULL);
		break;
	case M2M_WS_ES4_ENABLE_PROFILE: {
		m2m_buf eid;
		m2m_buf_init(&eid);
		m2m_ws_get_bytes(body, "Eid", &eid);
		if (eid.len != 16 || eid.data[15] != 0x24) {
			m2m_ws_exec_status st;
			const char *id = m2m_ws_node_text(m2m_ws_find(body, "Eid"));
			m2m_ws_status_set(&st, M2M_WS_FAILED, M2M_WS_SUBJ_EID,
					  M2M_WS_REASON_UNKNOWN, id, "unknown EID");
			m2m_ws_response_set_status(response, &st);
		}
		m2m_buf_free(&eid);
		break;
	}
	case M2M_WS_ES4_DISABLE_PROFILE: {
		/* Hold mode: answered on this exchange a moment later. */
		struct timeval tv = {0, 50000};
		F->hold_err = m2m_ws_hold_begin(call, &F->hold);
		if (F->hold_err != M2M_OK)
			break; /* with a ReplyTo: answered at once here */
		reply = M2M_WS_REPLY_HOLD;
		assert_int_equal(event_base_once(F->base, -1, EV_TIMEOUT, complete_hold, NULL, &tv),
				 0);
		break;
	}
	default:
		break;
	}
	pthread_mutex_unlock(&F->lock);
	return reply;
}

/* The SM-DP's handler: callbacks and notifications from the SM-SR. */
static m2m_ws_reply smdp_handler(void *arg, const m2m_ws_call *call, m2m_ws_msg *response)
{
	(void)arg;
	pthread_mutex_lock(&F->lock);
	if (response)
		F->notifications = -1000; /* callbacks and notifications get no response */
	if (call->dir == M2M_WS_DIR_OUT) {
		F->callbacks++;
		snprintf(F->callback_relates, sizeof F->callback_relates, "%s",
			 call->wsa->relates_to);
		snprintf(F->callback_aid, sizeof F->callback_aid, "%s",
			 m2m_ws_node_text(m2m_ws_find(m2m_ws_msg_body(call->msg), "Isd-p-aid")));
	} else {
		F->notifications++;
	}
	F->last_caller = *call->caller;
	pthread_mutex_unlock(&F->lock);
	return M2M_WS_REPLY_NOW;
}

static void *loop(void *arg)
{
	event_base_loop(arg, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

static void endpoint(const char *who, m2m_ws_role role, m2m_ws_handler h, m2m_http_server **http,
		     m2m_ws_server **ws, char *url, size_t cap)
{
	char ca[128], cert[128], key[128], name[32];
	SSL_CTX *ctx = NULL;
	file("ca.pem", ca, sizeof ca);
	snprintf(name, sizeof name, "%s.pem", who);
	file(name, cert, sizeof cert);
	snprintf(name, sizeof name, "%s.key", who);
	file(name, key, sizeof key);
	m2m_tls_cert_opts to = {.cert_file = cert, .key_file = key, .ca_file = ca};
	assert_int_equal(m2m_tls_cert_server_ctx(&to, &ctx), M2M_OK);
	m2m_ws_server_opts wo = {.role = role, .schema = F->schema, .handler = h};
	assert_int_equal(m2m_ws_server_new(&wo, ws), M2M_OK);
	m2m_http_server_opts ho = {.tls = ctx, .timeout_s = 10, .max_body = 64 * 1024,
				   .handler = m2m_ws_server_http_handler, .arg = *ws};
	assert_int_equal(m2m_http_server_new(F->base, &ho, http), M2M_OK);
	SSL_CTX_free(ctx);
	snprintf(url, cap, "https://127.0.0.1:%u", (unsigned)m2m_http_server_port(*http));
}

static int setup(void **state)
{
	(void)state;
	char cmd[4096];
	F = calloc(1, sizeof *F);
	assert_non_null(F);
	pthread_mutex_init(&F->lock, NULL);
	snprintf(F->dir, sizeof F->dir, "/tmp/m2m_ws_XXXXXX");
	assert_non_null(mkdtemp(F->dir));
	snprintf(cmd, sizeof cmd, gen_script, F->dir);
	FILE *sh = popen("sh >/dev/null 2>&1", "w");
	assert_non_null(sh);
	fputs(cmd, sh);
	assert_int_equal(pclose(sh), 0);
	F->schema = ws_test_schema();
	F->base = event_base_new();
	assert_non_null(F->base);
	endpoint("smsr", M2M_WS_ROLE_SMSR, smsr_handler, &F->http_sr, &F->ws_sr, F->url_sr,
		 sizeof F->url_sr);
	endpoint("smdp", M2M_WS_ROLE_SMDP, smdp_handler, &F->http_dp, &F->ws_dp, F->url_dp,
		 sizeof F->url_dp);
	assert_int_equal(pthread_create(&F->thread, NULL, loop, F->base), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	event_base_loopbreak(F->base);
	pthread_join(F->thread, NULL);
	m2m_http_server_free(F->http_sr);
	m2m_http_server_free(F->http_dp);
	m2m_ws_server_free(F->ws_sr);
	m2m_ws_server_free(F->ws_dp);
	m2m_http_base_free(F->base);
	m2m_ws_schema_free(F->schema);
	m2m_ws_deferred_clear(&F->deferred);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", F->dir);
	assert_int_equal(system(cmd), 0);
	pthread_mutex_destroy(&F->lock);
	free(F);
	return 0;
}

static m2m_ws_client *client(const char *who, m2m_ws_binding binding, const char *from)
{
	char ca[128], cert[128], key[128], name[32];
	m2m_ws_client *c = NULL;
	file("ca.pem", ca, sizeof ca);
	snprintf(name, sizeof name, "%s.pem", who);
	file(name, cert, sizeof cert);
	snprintf(name, sizeof name, "%s.key", who);
	file(name, key, sizeof key);
	m2m_ws_client_opts o = {
		.http = {.ca_file = ca, .cert_file = cert, .key_file = key, .timeout_ms = 10000},
		.schema = F->schema,
		.binding = binding,
		.from = from,
	};
	assert_int_equal(m2m_ws_client_new(&o, &c), M2M_OK);
	return c;
}

static m2m_ws_msg *create_isdp(const char *fcid)
{
	m2m_ws_msg *m = NULL;
	assert_int_equal(m2m_ws_request_new(M2M_WS_ES3_CREATE_ISDP, fcid, 300, &m), M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "Eid", "89001012012341234012345678901224", NULL),
			 M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "Iccid", "8944500102198304826", NULL), M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "Mno-id", "1.3.6.1.4.1.99999.1", NULL), M2M_OK);
	assert_int_equal(m2m_ws_add_uint(m, NULL, "RequiredMemory", 65536, NULL), M2M_OK);
	return m;
}

static m2m_ws_msg *enable_profile(const char *eid)
{
	m2m_ws_msg *m = NULL;
	assert_int_equal(m2m_ws_request_new(M2M_WS_ES4_ENABLE_PROFILE, "fc-en", 0, &m), M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "Eid", eid, NULL), M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "Iccid", "8944500102198304826", NULL), M2M_OK);
	return m;
}

static void sync_create_isdp(m2m_ws_binding binding)
{
	char url[128];
	m2m_ws_client *c = client("smdp", binding, "https://smdp1.example/soap/es3");
	m2m_ws_msg *req = create_isdp(binding == M2M_WS_JSON ? "fc-json" : "fc-soap");
	m2m_ws_result res;
	m2m_ws_exec_status st;
	snprintf(url, sizeof url, "%s/%s/es3", F->url_sr, binding == M2M_WS_JSON ? "json" : "soap");
	assert_int_equal(m2m_ws_client_call(c, url, req, NULL, &res), M2M_OK);
	assert_int_equal(res.http_status, 200);
	assert_false(res.fault);
	assert_non_null(res.response);
	assert_int_equal(m2m_ws_msg_function(res.response)->id, M2M_WS_ES3_CREATE_ISDP);
	assert_int_equal(m2m_ws_msg_status(res.response, &st), M2M_OK);
	assert_int_equal(st.status, M2M_WS_EXECUTED_SUCCESS);
	assert_string_equal(m2m_ws_node_text(m2m_ws_find(m2m_ws_msg_body(res.response),
							  "Isd-p-aid")),
			    "A0000005591010FFFFFFFF8900001000");
	const m2m_ws_addressing *a = m2m_ws_msg_wsa(res.response);
	assert_string_equal(a->relates_to, m2m_ws_msg_wsa(req)->message_id);
	assert_string_equal(a->action,
			    "http://gsma.com/ES3/ProfileManagement/ES3-CreateISDPResponse");
	assert_string_equal(a->to, M2M_WS_WSA_ANONYMOUS);
	pthread_mutex_lock(&F->lock);
	assert_string_equal(F->last_fn, "ES3-CreateISDP");
	assert_int_equal(F->last_caller.role, M2M_WS_ROLE_SMDP);
	assert_string_equal(F->last_caller.id, "smdp1.example");
	assert_true(F->last_caller.has_cert);
	assert_non_null(strstr(F->last_caller.subject, "OU=SM-DP"));
	assert_string_equal(F->last_fcid, binding == M2M_WS_JSON ? "fc-json" : "fc-soap");
	assert_int_equal(F->last_validity, 300);
	assert_int_equal(F->last_binding, binding);
	pthread_mutex_unlock(&F->lock);
	m2m_ws_result_free(&res);
	m2m_ws_msg_free(req);
	m2m_ws_client_free(c);
}

static m2m_ws_msg *disable_profile(void)
{
	m2m_ws_msg *m = NULL;
	assert_int_equal(m2m_ws_request_new(M2M_WS_ES4_DISABLE_PROFILE, "fc-dis", 0, &m), M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "Eid", "89001012012341234012345678901224", NULL),
			 M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "Iccid", "8944500102198304826", NULL), M2M_OK);
	return m;
}

/* Hold mode: no ReplyTo, the answer built later by the service comes on the same exchange;
 * with a ReplyTo, m2m_ws_hold_begin refuses (the service answers otherwise). */
static void held_call(m2m_ws_binding binding)
{
	char url[128];
	m2m_ws_client *c = client("mno", binding, "https://mno1.example/soap/es4");
	m2m_ws_msg *req = disable_profile();
	m2m_ws_result res;
	m2m_ws_exec_status st;
	snprintf(url, sizeof url, "%s/%s/es4", F->url_sr, binding == M2M_WS_JSON ? "json" : "soap");
	assert_int_equal(m2m_ws_client_call(c, url, req, NULL, &res), M2M_OK);
	assert_int_equal(res.http_status, 200);
	assert_false(res.fault);
	assert_non_null(res.response);
	assert_int_equal(m2m_ws_msg_status(res.response, &st), M2M_OK);
	assert_int_equal(st.status, M2M_WS_EXPIRED);
	assert_string_equal(st.message, "held then answered");
	const m2m_ws_addressing *a = m2m_ws_msg_wsa(res.response);
	assert_string_equal(a->relates_to, m2m_ws_msg_wsa(req)->message_id);
	assert_string_equal(a->to, M2M_WS_WSA_ANONYMOUS);
	assert_non_null(strstr(a->action, "ES4-DisableProfileResponse"));
	pthread_mutex_lock(&F->lock);
	assert_int_equal(F->hold_err, M2M_OK);
	assert_null(F->hold);
	pthread_mutex_unlock(&F->lock);
	m2m_ws_result_free(&res);
	m2m_ws_msg_free(req);
	m2m_ws_client_free(c);
}

static void test_hold(void **state)
{
	(void)state;
	held_call(M2M_WS_SOAP);
	held_call(M2M_WS_JSON);
}

static void test_hold_refused_with_reply_to(void **state)
{
	(void)state;
	char url[128], reply_to[128];
	m2m_ws_client *c = client("mno", M2M_WS_SOAP, "https://mno1.example/soap/es4");
	m2m_ws_msg *req = disable_profile();
	m2m_ws_result res;
	m2m_ws_exec_status st;
	snprintf(url, sizeof url, "%s/soap/es4", F->url_sr);
	snprintf(reply_to, sizeof reply_to, "%s/soap/es4", F->url_dp);
	assert_int_equal(m2m_ws_client_call(c, url, req, reply_to, &res), M2M_OK);
	assert_int_equal(res.http_status, 200); /* the handler answered at once */
	assert_int_equal(m2m_ws_msg_status(res.response, &st), M2M_OK);
	assert_int_equal(st.status, M2M_WS_EXECUTED_SUCCESS);
	pthread_mutex_lock(&F->lock);
	assert_int_equal(F->hold_err, M2M_ERR_STATE);
	assert_null(F->hold);
	pthread_mutex_unlock(&F->lock);
	m2m_ws_result_free(&res);
	m2m_ws_msg_free(req);
	m2m_ws_client_free(c);
}

static void test_sync_soap(void **state)
{
	(void)state;
	sync_create_isdp(M2M_WS_SOAP);
}

static void test_sync_json(void **state)
{
	(void)state;
	sync_create_isdp(M2M_WS_JSON);
}

/* ES3-CreateISDP with ReplyTo: 202 now, later the SM-SR posts the response (with the
 * callback Action of ES3_SMDP.wsdl) to the SM-DP's endpoint. */
static void test_deferred(void **state)
{
	(void)state;
	char url[128], reply_to[128];
	m2m_ws_client *dp = client("smdp", M2M_WS_SOAP, "https://smdp1.example/soap/es3");
	m2m_ws_msg *req = create_isdp("fc-async");
	m2m_ws_result res;
	snprintf(url, sizeof url, "%s/soap/es3", F->url_sr);
	snprintf(reply_to, sizeof reply_to, "%s/soap/es3", F->url_dp);
	assert_int_equal(m2m_ws_client_call(dp, url, req, reply_to, &res), M2M_OK);
	assert_int_equal(res.http_status, 202);
	assert_true(res.accepted);
	assert_null(res.response);
	m2m_ws_result_free(&res);
	/* The SM-SR's worker, later. */
	m2m_ws_deferred d;
	pthread_mutex_lock(&F->lock);
	d = F->deferred;
	memset(&F->deferred, 0, sizeof F->deferred);
	pthread_mutex_unlock(&F->lock);
	assert_int_equal(d.fn, M2M_WS_ES3_CREATE_ISDP);
	assert_string_equal(d.reply_to, reply_to);
	assert_string_equal(d.relates_to, m2m_ws_msg_wsa(req)->message_id);
	m2m_ws_client *sr = client("smsr", M2M_WS_SOAP, "https://smsr1.example/soap/es3");
	m2m_ws_msg *resp = NULL;
	assert_int_equal(m2m_ws_response_new(M2M_WS_ES3_CREATE_ISDP, NULL, &resp), M2M_OK);
	assert_int_equal(m2m_ws_add(resp, NULL, "Isd-p-aid", "A0000005591010FFFFFFFF8900001100",
				    NULL),
			 M2M_OK);
	assert_int_equal(m2m_ws_client_answer(sr, &d, resp, &res), M2M_OK);
	assert_int_equal(res.http_status, 202);
	assert_string_equal(m2m_ws_msg_wsa(resp)->action,
			    "http://gsma.com/ES3/ProfileManagementCallBack/ES3-CreateISDP");
	pthread_mutex_lock(&F->lock);
	assert_int_equal(F->callbacks, 1);
	assert_string_equal(F->callback_relates, m2m_ws_msg_wsa(req)->message_id);
	assert_string_equal(F->callback_aid, "A0000005591010FFFFFFFF8900001100");
	assert_int_equal(F->last_caller.role, M2M_WS_ROLE_SMSR);
	pthread_mutex_unlock(&F->lock);
	/* An MNO may not post ES3 answers to the SM-DP: a fault carrying the status. */
	m2m_ws_client *mno = client("mno", M2M_WS_SOAP, NULL);
	m2m_ws_result_free(&res);
	assert_int_equal(m2m_ws_client_answer(mno, &d, resp, &res), M2M_OK);
	assert_true(res.fault);
	assert_true(res.error.fault_status);
	assert_string_equal(res.error.status.subject, "1.1");
	assert_string_equal(res.error.status.reason, "1.2");
	m2m_ws_result_free(&res);
	m2m_ws_client_free(mno);
	m2m_ws_deferred_clear(&d);
	m2m_ws_msg_free(resp);
	m2m_ws_msg_free(req);
	m2m_ws_client_free(sr);
	m2m_ws_client_free(dp);
}

static void test_notification(void **state)
{
	(void)state;
	char url[128];
	m2m_ws_client *sr = client("smsr", M2M_WS_JSON, NULL);
	m2m_ws_msg *n = NULL;
	m2m_ws_result res;
	assert_int_equal(m2m_ws_request_new(M2M_WS_ES3_HANDLE_PROFILE_ENABLED_NOTIFICATION, NULL, 0,
					    &n),
			 M2M_OK);
	m2m_ws_add(n, NULL, "Eid", "89001012012341234012345678901224", NULL);
	m2m_ws_add(n, NULL, "Iccid", "8944500102198304826", NULL);
	m2m_ws_add(n, NULL, "Mno-id", "1.3.6.1.4.1.99999.1", NULL);
	m2m_ws_add_time(n, NULL, "CompletionTimestamp", 1714564809, NULL);
	snprintf(url, sizeof url, "%s/json/es3", F->url_dp);
	assert_int_equal(m2m_ws_client_call(sr, url, n, NULL, &res), M2M_OK);
	assert_int_equal(res.http_status, 202);
	assert_true(res.accepted);
	pthread_mutex_lock(&F->lock);
	assert_int_equal(F->notifications, 1);
	pthread_mutex_unlock(&F->lock);
	m2m_ws_result_free(&res);
	/* The SM-SR itself does not take ES3 notifications. */
	snprintf(url, sizeof url, "%s/json/es3", F->url_sr);
	m2m_ws_msg_set_wsa(n, M2M_WS_WSA_MESSAGE_ID, NULL);
	assert_int_equal(m2m_ws_client_call(sr, url, n, NULL, &res), M2M_OK);
	assert_true(res.fault);
	assert_int_equal(res.http_status, 400);
	assert_string_equal(res.error.subcode, "wsa:ActionNotSupported");
	m2m_ws_result_free(&res);
	m2m_ws_msg_free(n);
	m2m_ws_client_free(sr);
}

/* Roles: EUM may not enable profiles; an unidentified certificate is refused; an MNO with
 * an unknown EID gets the handler's FAILED 8.1.1/3.9. */
static void test_roles_and_status(void **state)
{
	(void)state;
	char url[128];
	m2m_ws_result res;
	m2m_ws_exec_status st;
	snprintf(url, sizeof url, "%s/soap/es4", F->url_sr);
	static const struct {
		const char *who, *eid, *subject, *reason;
	} cases[] = {
		{"mno", "89001012012341234012345678901224", NULL, NULL},
		{"mno", "89001012012341234012345678901299", "8.1.1", "3.9"},
		{"eum", "89001012012341234012345678901224", "1.1", "1.2"},
		{"noou", "89001012012341234012345678901224", "1.1", "1.1"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		m2m_ws_client *c = client(cases[i].who, M2M_WS_SOAP, NULL);
		m2m_ws_msg *req = enable_profile(cases[i].eid);
		assert_int_equal(m2m_ws_client_call(c, url, req, NULL, &res), M2M_OK);
		assert_false(res.fault);
		assert_int_equal(m2m_ws_msg_status(res.response, &st), M2M_OK);
		if (!cases[i].subject) {
			assert_int_equal(st.status, M2M_WS_EXECUTED_SUCCESS);
		} else {
			assert_int_equal(st.status, M2M_WS_FAILED);
			assert_string_equal(st.subject, cases[i].subject);
			assert_string_equal(st.reason, cases[i].reason);
		}
		m2m_ws_result_free(&res);
		m2m_ws_msg_free(req);
		m2m_ws_client_free(c);
	}
	/* ES3-CreateISDP refused to an MNO: its response element cannot be valid without an
	 * Isd-p-aid, so the status comes in a fault. */
	m2m_ws_client *c = client("mno", M2M_WS_SOAP, NULL);
	m2m_ws_msg *req = create_isdp("fc-mno");
	snprintf(url, sizeof url, "%s/soap/es3", F->url_sr);
	assert_int_equal(m2m_ws_client_call(c, url, req, NULL, &res), M2M_OK);
	assert_true(res.fault);
	assert_int_equal(res.error.fault, M2M_WS_FAULT_SENDER);
	assert_true(res.error.fault_status);
	assert_string_equal(res.error.status.subject, "1.1");
	assert_string_equal(res.error.status.reason, "1.2");
	m2m_ws_result_free(&res);
	m2m_ws_msg_free(req);
	m2m_ws_client_free(c);
}

/* Raw HTTP with the MNO certificate: what a misbehaving peer can send. */
typedef struct {
	long status;
	char ctype[128];
	m2m_buf body;
} raw_answer;

static void raw(const char *method, const char *path, const char *ctype, const char *body,
		size_t body_len, raw_answer *out)
{
	char url[256], ca[128], cert[128], key[128], hdr[256];
	m2m_http_client *c = NULL;
	m2m_http_client_response r;
	file("ca.pem", ca, sizeof ca);
	file("mno.pem", cert, sizeof cert);
	file("mno.key", key, sizeof key);
	m2m_http_client_opts o = {.ca_file = ca, .cert_file = cert, .key_file = key,
				  .timeout_ms = 10000};
	assert_int_equal(m2m_http_client_new(&o, &c), M2M_OK);
	snprintf(url, sizeof url, "%s%s", F->url_sr, path);
	snprintf(hdr, sizeof hdr, "Content-Type: %s", ctype);
	const char *headers[] = {hdr};
	m2m_http_client_request req = {.method = method, .url = url, .headers = headers,
				       .n_headers = 1, .body = (const uint8_t *)body,
				       .body_len = body_len};
	assert_int_equal(m2m_http_client_send(c, &req, &r), M2M_OK);
	out->status = r.status;
	const char *ct = m2m_http_client_response_header(&r, "Content-Type");
	snprintf(out->ctype, sizeof out->ctype, "%s", ct ? ct : "");
	out->body = r.body;
	m2m_buf_init(&r.body);
	m2m_http_client_response_free(&r);
	m2m_http_client_free(c);
}

/* Sends a SOAP body, expects a fault with this HTTP status and subcode (and a valid envelope). */
static void expect_raw_fault(const char *path, const char *ctype, const char *body, long status,
			     const char *subcode, const char *part)
{
	raw_answer a;
	m2m_ws_msg *m = NULL;
	m2m_ws_error e;
	raw("POST", path, ctype, body, strlen(body), &a);
	assert_int_equal(a.status, status);
	if (strncmp(path, "/json/", 6) == 0) {
		assert_string_equal(a.ctype, "application/json");
		assert_int_equal(m2m_ws_json_parse(a.body.data, a.body.len, &m, NULL), M2M_OK);
	} else {
		assert_non_null(strstr(a.ctype, "application/soap+xml"));
		assert_true(ws_test_envelope_valid(a.body.data, a.body.len));
		assert_int_equal(m2m_ws_soap_parse(a.body.data, a.body.len, &m, NULL), M2M_OK);
	}
	assert_true(m2m_ws_msg_is_fault(m));
	assert_int_equal(m2m_ws_msg_fault(m, &e), M2M_OK);
	assert_string_equal(e.subcode, subcode);
	if (!strstr(e.text, part))
		fail_msg("fault text \"%s\" lacks \"%s\"", e.text, part);
	m2m_ws_msg_free(m);
	m2m_buf_free(&a.body);
}

static char *sample(const char *name, const char *from, const char *to)
{
	m2m_buf b;
	ws_test_load(name, &b);
	char *r = from ? ws_test_replace((const char *)b.data, from, to) : strdup((char *)b.data);
	m2m_buf_free(&b);
	return r;
}

static void test_bad_requests(void **state)
{
	(void)state;
	const char *soap = "application/soap+xml; charset=utf-8";
	raw_answer a;
	/* Plain HTTP-level refusals. */
	raw("GET", "/soap/es4", soap, NULL, 0, &a);
	assert_int_equal(a.status, 405);
	m2m_buf_free(&a.body);
	raw("POST", "/soap/es5", soap, "x", 1, &a);
	assert_int_equal(a.status, 404);
	m2m_buf_free(&a.body);
	/* Over the endpoint's 64 KiB body limit (net answers 413). */
	char *big = malloc(70000);
	assert_non_null(big);
	memset(big, ' ', 70000);
	raw("POST", "/soap/es4", soap, big, 70000, &a);
	assert_int_equal(a.status, 413);
	m2m_buf_free(&a.body);
	free(big);
	expect_raw_fault("/soap/es4", soap, "<not xml", 400, "", "malformed XML");
	expect_raw_fault("/json/es4", "application/json", "{\"Header\":", 400, "",
			 "malformed JSON");
	char *x = sample("es4_enable_profile.xml", NULL, NULL);
	expect_raw_fault("/soap/es4", "text/xml", x, 400, "", "Content-Type must be");
	expect_raw_fault("/soap/es4",
			 "application/soap+xml; action=\"http://gsma.com/ES4/other\"", x, 400,
			 "wsa:InvalidAddressingHeader wsa:ActionMismatch", "action parameter");
	/* The ES4 function at the ES3 path. */
	expect_raw_fault("/soap/es3", soap, x, 400, "wsa:ActionNotSupported", "not served at");
	free(x);
	x = sample("es4_enable_profile.xml", "ES4-EnableProfile</wsa:Action>",
		   "ES4-Unknown</wsa:Action>");
	expect_raw_fault("/soap/es4", soap, x, 400, "wsa:ActionNotSupported", "not supported");
	free(x);
	/* An ES2 function sent to the SM-SR (it is the SM-DP's). */
	x = sample("es2_download_profile.xml", NULL, NULL);
	expect_raw_fault("/soap/es2", soap, x, 400, "wsa:ActionNotSupported", "SM-SR does not");
	free(x);
	/* Schema failure: a FAILED response (not a fault), valid as an envelope. */
	x = sample("es4_enable_profile.xml", "<rps:Iccid>8944500102198304826</rps:Iccid>", "");
	raw("POST", "/soap/es4", soap, x, strlen(x), &a);
	assert_int_equal(a.status, 200);
	assert_true(ws_test_envelope_valid(a.body.data, a.body.len));
	m2m_ws_msg *m = NULL;
	m2m_ws_exec_status st;
	assert_int_equal(m2m_ws_soap_parse(a.body.data, a.body.len, &m, NULL), M2M_OK);
	assert_int_equal(m2m_ws_msg_status(m, &st), M2M_OK);
	assert_int_equal(st.status, M2M_WS_FAILED);
	assert_string_equal(st.subject, "8.2.1");
	assert_string_equal(st.reason, "2.1");
	assert_string_equal(m2m_ws_msg_wsa(m)->relates_to,
			    "//1.3.6.1.4.1.99999.1/urn:uuid:8c0f4c2e-55a1-4e0b-9d9b-6f3c1f0a7b11"
			    "?TransactionId=urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427"
			    "&MessageDate=2024-05-01T12:00:00Z");
	/* The answer goes to the ReplyTo of the request. */
	assert_string_equal(m2m_ws_msg_wsa(m)->to, "https://mno1.example:8443/soap/es4");
	m2m_ws_msg_free(m);
	m2m_buf_free(&a.body);
	free(x);
	/* A JSON body that does not map: FAILED in JSON. */
	const char *j = "{\"Header\":{\"MessageID\":\"urn:uuid:j\"},\"Body\":{"
			"\"ES4-EnableProfileRequest\":{\"Iccid\":1}}}";
	raw("POST", "/json/es4", "application/json", j, strlen(j), &a);
	assert_int_equal(a.status, 200);
	assert_int_equal(m2m_ws_json_parse(a.body.data, a.body.len, &m, NULL), M2M_OK);
	assert_int_equal(m2m_ws_msg_status(m, &st), M2M_OK);
	assert_string_equal(st.subject, "8.2.1");
	assert_string_equal(st.reason, "2.1");
	assert_string_equal(m2m_ws_msg_wsa(m)->relates_to, "urn:uuid:j");
	m2m_ws_msg_free(m);
	m2m_buf_free(&a.body);
	/* XML bomb over the wire. */
	expect_raw_fault("/soap/es4", soap,
			 "<!DOCTYPE a [<!ENTITY b \"bb\"><!ENTITY c \"&b;&b;&b;\">]><a>&c;</a>",
			 400, "", "DTD");
}

/* The client refuses an answer that does not relate to its request. */
static void liar(void *arg, const m2m_http_request *req, m2m_http_response *resp)
{
	(void)req;
	m2m_buf *canned = arg;
	m2m_http_response_header(resp, "Content-Type", "application/soap+xml");
	m2m_http_response_body(resp, canned->data, canned->len);
}

static void test_client_checks(void **state)
{
	(void)state;
	m2m_ws_msg *resp = NULL, *req = enable_profile("89001012012341234012345678901224");
	m2m_buf canned;
	m2m_http_server *srv = NULL;
	m2m_ws_result res;
	m2m_ws_client *c = NULL;
	char url[64];
	m2m_buf_init(&canned);
	assert_int_equal(m2m_ws_response_new(M2M_WS_ES4_ENABLE_PROFILE, NULL, &resp), M2M_OK);
	m2m_ws_msg_set_wsa(resp, M2M_WS_WSA_ACTION,
			   m2m_ws_msg_function(resp)->response_action);
	m2m_ws_msg_set_wsa(resp, M2M_WS_WSA_MESSAGE_ID, "urn:uuid:liar");
	m2m_ws_msg_set_wsa(resp, M2M_WS_WSA_RELATES_TO, "urn:uuid:something-else");
	m2m_ws_msg_set_wsa(resp, M2M_WS_WSA_TO, M2M_WS_WSA_ANONYMOUS);
	m2m_ws_msg_set_wsa(resp, M2M_WS_WSA_FROM, "http://liar");
	assert_int_equal(m2m_ws_soap_write(resp, &canned), M2M_OK);
	/* On a loop of its own, so that it can be freed safely. */
	struct event_base *base = event_base_new();
	pthread_t t;
	m2m_http_server_opts ho = {.handler = liar, .arg = &canned, .timeout_s = 5};
	assert_non_null(base);
	assert_int_equal(m2m_http_server_new(base, &ho, &srv), M2M_OK);
	assert_int_equal(pthread_create(&t, NULL, loop, base), 0);
	snprintf(url, sizeof url, "http://127.0.0.1:%u/soap/es4",
		 (unsigned)m2m_http_server_port(srv));
	m2m_ws_client_opts o = {.http = {.timeout_ms = 5000}, .schema = F->schema};
	assert_int_equal(m2m_ws_client_new(&o, &c), M2M_OK);
	assert_int_equal(m2m_ws_client_call(c, url, req, NULL, &res), M2M_ERR_FORMAT);
	assert_non_null(strstr(res.error.text, "relates to urn:uuid:something-else"));
	m2m_ws_result_free(&res);
	/* An invalid request is not sent at all. */
	m2m_ws_msg *bad = NULL;
	assert_int_equal(m2m_ws_request_new(M2M_WS_ES4_ENABLE_PROFILE, "f", 0, &bad), M2M_OK);
	assert_int_equal(m2m_ws_client_call(c, url, bad, NULL, &res), M2M_ERR_FORMAT);
	assert_string_equal(res.error.status.subject, "8.1.1");
	m2m_ws_result_free(&res);
	m2m_ws_msg_free(bad);
	/* Nobody listening. */
	assert_int_equal(m2m_ws_client_call(c, "http://127.0.0.1:1/soap/es4", req, NULL, &res),
			 M2M_ERR_IO);
	m2m_ws_result_free(&res);
	m2m_ws_client_free(c);
	event_base_loopbreak(base);
	pthread_join(t, NULL);
	m2m_http_server_free(srv);
	m2m_http_base_free(base);
	m2m_ws_msg_free(resp);
	m2m_ws_msg_free(req);
	m2m_buf_free(&canned);
}

static void test_identity(void **state)
{
	(void)state;
	char v[64];
	m2m_tls_peer p = {.has_cert = true};
	m2m_ws_caller c = {0};
	snprintf(p.subject, sizeof p.subject, "CN=mno\\,1\\2Bx,OU=M2M-SP,O=a\\+b");
	assert_int_equal(m2m_ws_identify_by_subject(NULL, &p, &c), M2M_OK);
	assert_int_equal(c.role, M2M_WS_ROLE_M2MSP);
	assert_string_equal(c.id, "mno,1+x");
	assert_int_equal(m2m_ws_subject_attr(p.subject, "O", v, sizeof v), M2M_OK);
	assert_string_equal(v, "a+b");
	assert_int_equal(m2m_ws_subject_attr(p.subject, "L", v, sizeof v), M2M_END);
	snprintf(p.subject, sizeof p.subject, "CN=x,OU=Bank");
	assert_int_equal(m2m_ws_identify_by_subject(NULL, &p, &c), M2M_ERR_FORMAT);
	assert_int_equal(c.role, M2M_WS_ROLE_NONE);
	snprintf(p.subject, sizeof p.subject, "CN=x\\");
	assert_int_equal(m2m_ws_subject_attr(p.subject, "CN", v, sizeof v), M2M_ERR_FORMAT);
	p.has_cert = false;
	assert_int_equal(m2m_ws_identify_by_subject(NULL, &p, &c), M2M_ERR_VERIFY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_sync_soap),
		cmocka_unit_test(test_sync_json),
		cmocka_unit_test(test_deferred),
		cmocka_unit_test(test_hold),
		cmocka_unit_test(test_hold_refused_with_reply_to),
		cmocka_unit_test(test_notification),
		cmocka_unit_test(test_roles_and_status),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_client_checks),
	};
	signal(SIGPIPE, SIG_IGN);
	m2m_log_setup(M2M_LOG_OFF, M2M_LOG_PLAIN, NULL);
	evthread_use_pthreads();
	if (m2m_ws_init() != M2M_OK || m2m_http_global_init() != M2M_OK)
		return 1;
	int rc = cmocka_run_group_tests(tests, setup, teardown);
	m2m_http_global_cleanup();
	libevent_global_shutdown();
	m2m_ws_cleanup();
	return rc;
}
