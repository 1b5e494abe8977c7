/*
 * End to end: `m2mrsp pki init`, `m2mrsp devices init/run` (three eUICCs with the TS.48
 * bootstrap, an SMSC on 127.0.0.1), `m2mrsp smsr import` and `m2mrsp smsr` as real processes;
 * this program is the operator: an ES4 client with the mno1 / mno2 certificates, and a
 * callback endpoint (plain HTTP on 127.0.0.1) for the deferred answers.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "core/log.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "store/store.h"
#include "ws/client.h"
#include "ws/msg.h"
#include "ws/schema.h"
#include "ws/server.h"

#define NDEV 3
#define BOOTSTRAP "/work/shared/vectors/saip/TS48v2_SAIP2.3_NoBERTLV.der"
#define MASTER "000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f"
#define CB_MAX 64
#define MNO1 "1.3.6.1.4.1.99999.1"
#define EUM1 "1.3.6.1.4.1.99999.10" /* the Eum-id `eis make` writes (docs/eis.md) */
#define TK "00112233445566778899AABBCCDDEEFF" /* the EIS transport key */

typedef struct {
	char relates_to[128];
	m2m_ws_exec_status st;
	bool has_eis;
} callback;

typedef struct {
	char dir[128];
	pid_t farm, smsr;
	char smpp[64], control[64], es[64];
	char eid[NDEV][40];
	char iccid[NDEV][24];
	m2m_ws_schema *schema;
	struct event_base *base;
	m2m_http_server *http;
	m2m_ws_server *ws;
	pthread_t thread;
	char cb_url[96];
	pthread_mutex_t lock;
	callback cb[CB_MAX];
	size_t ncb;
} fixture;

static fixture *F;

static void path(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", F->dir, name);
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* Starts argv with stdout to out_file (stderr to err_file); returns the pid. */
static pid_t spawn(char *const argv[], const char *out_file, const char *err_file)
{
	pid_t pid = fork();

	if (pid == 0) {
		int o = open(out_file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(err_file, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (o < 0 || e < 0)
			_exit(127);
		dup2(o, 1);
		dup2(e, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* Waits (up to 20 s) for a line "key ADDR" in file and copies ADDR. */
static bool wait_line(const char *file, const char *key, char *out, size_t cap)
{
	for (int i = 0; i < 400; i++) {
		FILE *f = fopen(file, "r");
		char line[256];
		while (f != NULL && fgets(line, sizeof line, f) != NULL) {
			size_t k = strlen(key);
			if (strncmp(line, key, k) == 0 && line[k] == ' ') {
				line[strcspn(line, "\r\n")] = '\0';
				snprintf(out, cap, "%s", line + k + 1);
				fclose(f);
				return true;
			}
		}
		if (f != NULL)
			fclose(f);
		usleep(50000);
	}
	return false;
}

static void stop(pid_t *pid, int sig)
{
	int status;

	if (*pid <= 0)
		return;
	kill(*pid, sig);
	waitpid(*pid, &status, 0);
	*pid = 0;
}

static void start_smsr(void)
{
	char cfg[256], out[256], err[256];

	path(cfg, sizeof cfg, "smsr.ini");
	path(out, sizeof out, "smsr.out");
	path(err, sizeof err, "smsr.err");
	char *argv[] = {M2MRSP_BINARY, "smsr", "--config", cfg, NULL};
	unlink(out); /* never read the previous process's port */
	F->smsr = spawn(argv, out, err);
	assert_true(F->smsr > 0);
	assert_true(wait_line(out, "es", F->es, sizeof F->es));
}

/* ---- the operator's callback endpoint ---- */

static m2m_err cb_identify(void *arg, const m2m_tls_peer *peer, m2m_ws_caller *caller)
{
	(void)arg;
	(void)peer;
	caller->role = M2M_WS_ROLE_SMSR;
	snprintf(caller->id, sizeof caller->id, "smsr1");
	return M2M_OK;
}

static m2m_ws_reply cb_handler(void *arg, const m2m_ws_call *call, m2m_ws_msg *response)
{
	(void)arg;
	(void)response;
	if (call->dir != M2M_WS_DIR_OUT)
		return M2M_WS_REPLY_NOW;
	pthread_mutex_lock(&F->lock);
	if (F->ncb < CB_MAX) {
		callback *c = &F->cb[F->ncb++];
		snprintf(c->relates_to, sizeof c->relates_to, "%s",
			 call->wsa->relates_to ? call->wsa->relates_to : "");
		m2m_ws_msg_status(call->msg, &c->st);
		c->has_eis = m2m_ws_find(m2m_ws_msg_body(call->msg), "Eis") != NULL;
	}
	pthread_mutex_unlock(&F->lock);
	return M2M_WS_REPLY_NOW;
}

static void wake(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

/* A periodic wake-up: event_base_loopbreak from the main thread is seen within 100 ms
 * (no evthread locking in this program). */
static void *loop(void *arg)
{
	struct timeval tv = {0, 100000};
	struct event *t = event_new(arg, -1, EV_PERSIST, wake, NULL);

	event_add(t, &tv);
	event_base_loop(arg, EVLOOP_NO_EXIT_ON_EMPTY);
	event_free(t);
	return NULL;
}

/* The callback that relates to message id mid (waits up to 30 s). */
static bool wait_callback(const char *mid, callback *out)
{
	for (int i = 0; i < 600; i++) {
		pthread_mutex_lock(&F->lock);
		for (size_t k = 0; k < F->ncb; k++)
			if (strcmp(F->cb[k].relates_to, mid) == 0) {
				*out = F->cb[k];
				pthread_mutex_unlock(&F->lock);
				return true;
			}
		pthread_mutex_unlock(&F->lock);
		usleep(50000);
	}
	return false;
}

static size_t callbacks_for(const char *mid)
{
	size_t n = 0;

	pthread_mutex_lock(&F->lock);
	for (size_t k = 0; k < F->ncb; k++)
		n += strcmp(F->cb[k].relates_to, mid) == 0;
	pthread_mutex_unlock(&F->lock);
	return n;
}

/* ---- set-up ---- */

static void read_devices(void)
{
	char file[256], line[8192];
	FILE *f;
	int i = 0;

	path(file, sizeof file, "devices.json");
	f = fopen(file, "r");
	assert_non_null(f);
	while (i < NDEV && fgets(line, sizeof line, f) != NULL) {
		char *e = strstr(line, "\"eid\":\""), *c = strstr(line, "\"iccid\":\"");
		assert_non_null(e);
		assert_non_null(c);
		snprintf(F->eid[i], sizeof F->eid[i], "%.32s", e + 7);
		snprintf(F->iccid[i], sizeof F->iccid[i], "%.*s", (int)strcspn(c + 9, "\""), c + 9);
		i++;
	}
	fclose(f);
	assert_int_equal(i, NDEV);
}

static void write_config(void)
{
	char file[256];
	FILE *f;
	const char *port = strrchr(F->smpp, ':');

	assert_non_null(port);
	path(file, sizeof file, "smsr.ini");
	f = fopen(file, "w");
	assert_non_null(f);
	fprintf(f,
		"[smsr]\nid = smsr1\ndb = sqlite:%s/smsr.sqlite\nmaster_key = %s\n"
		"log_level = info\n"
		"[es]\nlisten = 127.0.0.1:0\ncert = %s/pki/smsr1-tls.crt\n"
		"key = %s/pki/smsr1-tls.key\nca = %s/pki/tls-ca.crt\n"
		"[smpp]\nhost = 127.0.0.1\nport = %s\nsystem_id = smsr\npassword = secret\n"
		"por_timeout = 2000\n"
		"[engine]\nconcurrency = 8\nretries = 5\nbackoff = 300\nlease = 3000\npoll = 50\n"
		"[callers]\nmno1 = " MNO1 "\nmno2 = 1.3.6.1.4.1.99999.3\n"
		"[peers]\n" MNO1 " = %s\n"
		"[es1]\nci_cert = %s/pki/ci.crt\nsmsr_id = 1.3.6.1.4.1.99999.2\n"
		"[eum.eum1]\neum_id = " EUM1 "\ncaller_id = eum1\ncert = %s/pki/eum1.crt\n"
		"transport_key = " TK "\n",
		F->dir, MASTER, F->dir, F->dir, F->dir, port + 1, F->cb_url, F->dir, F->dir);
	fclose(f);
}

static void start_callback_server(void)
{
	m2m_ws_server_opts wo = {.role = M2M_WS_ROLE_MNO,
				 .schema = F->schema,
				 .identify = cb_identify,
				 .handler = cb_handler,
				 .allow_without_cert = true};
	assert_int_equal(m2m_ws_server_new(&wo, &F->ws), M2M_OK);
	m2m_http_server_opts ho = {.handler = m2m_ws_server_http_handler, .arg = F->ws};
	assert_int_equal(m2m_http_server_new(F->base, &ho, &F->http), M2M_OK);
	snprintf(F->cb_url, sizeof F->cb_url, "http://127.0.0.1:%u/soap/es4",
		 (unsigned)m2m_http_server_port(F->http));
	assert_int_equal(pthread_create(&F->thread, NULL, loop, F->base), 0);
}

static int setup(void **state)
{
	char out[256], err[256], db[256];

	(void)state;
	F = calloc(1, sizeof *F);
	assert_non_null(F);
	pthread_mutex_init(&F->lock, NULL);
	m2m_log_setup(M2M_LOG_ERROR, M2M_LOG_PLAIN, stderr);
	snprintf(F->dir, sizeof F->dir, "/tmp/m2m_e2e_XXXXXX");
	assert_non_null(mkdtemp(F->dir));
	assert_int_equal(m2m_ws_init(), M2M_OK);
	assert_int_equal(m2m_ws_schema_load(M2MRSP_SOURCE_DIR "/data/wsdl", &F->schema), M2M_OK);
	F->base = event_base_new();
	assert_non_null(F->base);
	start_callback_server();
	assert_int_equal(sh("'%s' pki init '%s/pki' >/dev/null", M2MRSP_BINARY, F->dir), 0);
	assert_int_equal(sh("'%s' devices init --db '%s/farm.sqlite' --count %d --bootstrap '%s' "
			    "--seed 000102030405060708090a0b0c0d0e0f >/dev/null 2>&1",
			    M2MRSP_BINARY, F->dir, NDEV, BOOTSTRAP),
			 0);
	assert_int_equal(sh("'%s' devices list --db '%s/farm.sqlite' --json > '%s/devices.json'",
			    M2MRSP_BINARY, F->dir, F->dir),
			 0);
	read_devices();
	path(db, sizeof db, "farm.sqlite");
	path(out, sizeof out, "farm.out");
	path(err, sizeof err, "farm.err");
	char *argv[] = {M2MRSP_BINARY, "devices", "run", "--db", db, "--smpp", "127.0.0.1:0",
			"--control", "127.0.0.1:0", "--system-id", "smsr", "--password", "secret",
			"--notif-first-ms", "300", NULL};
	F->farm = spawn(argv, out, err);
	assert_true(F->farm > 0);
	assert_true(wait_line(out, "smpp", F->smpp, sizeof F->smpp));
	assert_true(wait_line(out, "control", F->control, sizeof F->control));
	write_config();
	assert_int_equal(sh("'%s' smsr import --config '%s/smsr.ini' --devices '%s/devices.json' "
			    "--mno-id " MNO1 " --eum-key '%s/pki/eum1.key' >/dev/null",
			    M2MRSP_BINARY, F->dir, F->dir, F->dir),
			 0);
	start_smsr();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	stop(&F->smsr, SIGTERM);
	stop(&F->farm, SIGTERM);
	event_base_loopbreak(F->base);
	pthread_join(F->thread, NULL);
	m2m_http_server_free(F->http);
	m2m_ws_server_free(F->ws);
	event_base_free(F->base);
	m2m_ws_schema_free(F->schema);
	if (getenv("M2MRSP_KEEP") == NULL)
		sh("rm -rf '%s'", F->dir);
	pthread_mutex_destroy(&F->lock);
	free(F);
	return 0;
}

/* ---- the operator ---- */

static m2m_ws_client *client(const char *who)
{
	char ca[256], cert[256], key[256];
	m2m_ws_client *c = NULL;

	snprintf(ca, sizeof ca, "%s/pki/tls-ca.crt", F->dir);
	snprintf(cert, sizeof cert, "%s/pki/%s-tls.crt", F->dir, who);
	snprintf(key, sizeof key, "%s/pki/%s-tls.key", F->dir, who);
	m2m_ws_client_opts o = {
		.http = {.ca_file = ca, .cert_file = cert, .key_file = key, .timeout_ms = 20000},
		.schema = F->schema,
		.binding = M2M_WS_SOAP,
		.from = F->cb_url,
	};
	assert_int_equal(m2m_ws_client_new(&o, &c), M2M_OK);
	return c;
}

typedef struct {
	bool accepted;
	char mid[128];
	m2m_ws_exec_status st; /* of the synchronous answer, or of the callback */
	bool has_eis;
} outcome;

/* One ES4 call; with_reply: ask for the answer at our endpoint and wait for it. */
static void call(const char *who, m2m_ws_fn fn, const char *fcid, int dev, bool iccid,
		 bool with_reply, m2m_ws_msg *prepared, outcome *o)
{
	m2m_ws_client *c = client(who);
	m2m_ws_msg *m = prepared;
	m2m_ws_result res;
	char url[128];

	memset(o, 0, sizeof *o);
	memset(&res, 0, sizeof res);
	if (m == NULL) {
		assert_int_equal(m2m_ws_request_new(fn, fcid, 0, &m), M2M_OK);
		assert_int_equal(m2m_ws_add(m, NULL, "Eid", dev < 0 ? "89999000000000000000000000000999"
								    : F->eid[dev],
					    NULL),
				 M2M_OK);
		if (iccid)
			assert_int_equal(m2m_ws_add(m, NULL, "Iccid", F->iccid[dev], NULL), M2M_OK);
	}
	snprintf(url, sizeof url, "https://%s/soap/es4", F->es);
	assert_int_equal(m2m_ws_client_call(c, url, m, with_reply ? F->cb_url : NULL, &res),
			 M2M_OK);
	snprintf(o->mid, sizeof o->mid, "%s", m2m_ws_msg_wsa(m)->message_id);
	if (res.accepted) {
		callback cb;
		memset(&cb, 0, sizeof cb);
		o->accepted = true;
		assert_true(wait_callback(o->mid, &cb));
		o->st = cb.st;
		o->has_eis = cb.has_eis;
	} else {
		assert_non_null(res.response);
		assert_int_equal(m2m_ws_msg_status(res.response, &o->st), M2M_OK);
		o->has_eis = m2m_ws_find(m2m_ws_msg_body(res.response), "Eis") != NULL;
	}
	m2m_ws_result_free(&res);
	m2m_ws_msg_free(m);
	m2m_ws_client_free(c);
}

static void expect(const outcome *o, m2m_ws_status st, const char *subject, const char *reason)
{
	if (o->st.status != st || strcmp(o->st.subject, subject) != 0 ||
	    strcmp(o->st.reason, reason) != 0)
		print_error("got %s %s/%s (%s), want %s %s/%s\n", m2m_ws_status_name(o->st.status),
			    o->st.subject, o->st.reason, o->st.message, m2m_ws_status_name(st),
			    subject, reason);
	assert_int_equal(o->st.status, st);
	assert_string_equal(o->st.subject, subject);
	assert_string_equal(o->st.reason, reason);
}

/* The farm's view of a device (control API). */
static void farm_device(int dev, m2m_buf *body)
{
	m2m_http_client *h = NULL;
	m2m_http_client_opts ho = {.timeout_ms = 5000};
	m2m_http_client_response r;
	char url[160];

	snprintf(url, sizeof url, "http://%s/devices/%s", F->control, F->eid[dev]);
	m2m_http_client_request rq = {.method = "GET", .url = url};
	memset(&r, 0, sizeof r);
	assert_int_equal(m2m_http_client_new(&ho, &h), M2M_OK);
	assert_int_equal(m2m_http_client_send(h, &rq, &r), M2M_OK);
	assert_int_equal(r.status, 200);
	m2m_buf_append(body, r.body.data, r.body.len);
	m2m_buf_append_u8(body, 0);
	m2m_http_client_response_free(&r);
	m2m_http_client_free(h);
}

static void farm_power_off(int dev, int seconds)
{
	m2m_http_client *h = NULL;
	m2m_http_client_opts ho = {.timeout_ms = 5000};
	m2m_http_client_response r;
	char url[160], body[64];

	snprintf(url, sizeof url, "http://%s/devices/%s/power", F->control, F->eid[dev]);
	snprintf(body, sizeof body, "{\"state\":\"off\",\"seconds\":%d}", seconds);
	m2m_http_client_request rq = {.method = "POST", .url = url, .body = (uint8_t *)body,
				      .body_len = strlen(body)};
	memset(&r, 0, sizeof r);
	assert_int_equal(m2m_http_client_new(&ho, &h), M2M_OK);
	assert_int_equal(m2m_http_client_send(h, &rq, &r), M2M_OK);
	assert_int_equal(r.status, 200);
	m2m_http_client_response_free(&r);
	m2m_http_client_free(h);
}

/* ---- tests ---- */

static void test_get_eis(void **state)
{
	outcome o;

	(void)state;
	call("mno1", M2M_WS_ES4_GET_EIS, "get-1", 0, false, false, NULL, &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_true(o.has_eis);
	call("mno1", M2M_WS_ES4_GET_EIS, "get-2", -1, false, false, NULL, &o);
	expect(&o, M2M_WS_FAILED, "8.1.1", "3.9");
	/* mno2 owns no profile there; nor may it touch mno1's. */
	call("mno2", M2M_WS_ES4_GET_EIS, "get-3", 0, false, false, NULL, &o);
	expect(&o, M2M_WS_FAILED, "1.1", "1.1");
	call("mno2", M2M_WS_ES4_ENABLE_PROFILE, "en-mno2", 0, true, true, NULL, &o);
	expect(&o, M2M_WS_FAILED, "1.1", "1.1");
	assert_false(o.accepted);
	/* No ReplyTo: the exchange is held until the card answered (hold mode). */
	call("mno1", M2M_WS_ES4_AUDIT_EIS, "audit-noreply", 0, false, false, NULL, &o);
	assert_false(o.accepted);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_true(o.has_eis);
	/* EnableProfile of the enabled profile, held: the card's refusal on the exchange. */
	call("mno1", M2M_WS_ES4_ENABLE_PROFILE, "en-noreply", 0, true, false, NULL, &o);
	assert_false(o.accepted);
	expect(&o, M2M_WS_FAILED, "8.2", "1.2");
}

/* ES1: a second farm made with the EUM of the pki, `eis make` from its `devices list --json`,
 * `eis register` to the SM-SR with the eum1 TLS certificate; then GetEIS works for it. */
static void test_register_eis(void **state)
{
	char eid[40] = "", line[4096];
	const char *p;
	m2m_ws_msg *m = NULL;
	outcome o;
	FILE *f;

	(void)state;
	assert_int_equal(sh("cd '%s' && '%s' devices init --db farm2.sqlite --count 1 "
			    "--bootstrap '%s' --first-eid 89999000000000000000000000000500 "
			    "--iccid-base 8988299000000000500 --msisdn-base 882990000000500 "
			    "--seed 101112131415161718191a1b1c1d1e1f --eum-key pki/eum1.key "
			    "--ci-key pki/ci.key >/dev/null 2>&1 && "
			    "'%s' devices list --db farm2.sqlite --json > devices2.json && "
			    "'%s' eis make --devices devices2.json --pki pki --out eis "
			    "--transport-key " TK " >/dev/null",
			    F->dir, M2MRSP_BINARY, BOOTSTRAP, M2MRSP_BINARY, M2MRSP_BINARY),
			 0);
	snprintf(line, sizeof line, "%s/devices2.json", F->dir);
	f = fopen(line, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof line, f));
	fclose(f);
	p = strstr(line, "\"eid\":\"");
	assert_non_null(p);
	snprintf(eid, sizeof eid, "%.32s", p + 7);
	/* Not known before the registration. */
	assert_int_equal(m2m_ws_request_new(M2M_WS_ES4_GET_EIS, "get-es1-0", 0, &m), M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "Eid", eid, NULL), M2M_OK);
	call("mno1", M2M_WS_ES4_GET_EIS, NULL, 0, false, false, m, &o);
	expect(&o, M2M_WS_FAILED, "8.1.1", "3.9");
	/* eis register prints "EID: STATUS"; exit 0 when registered. */
	assert_int_equal(sh("cd '%s' && '%s' eis register --url https://%s/soap/es1 "
			    "--cert pki/eum1-tls.crt --key pki/eum1-tls.key --ca pki/tls-ca.crt "
			    "eis/%s.xml > register.out 2>&1",
			    F->dir, M2MRSP_BINARY, F->es, eid),
			 0);
	assert_int_equal(sh("grep -q '%s: EXECUTED_SUCCESS' '%s/register.out'", eid, F->dir), 0);
	m = NULL;
	assert_int_equal(m2m_ws_request_new(M2M_WS_ES4_GET_EIS, "get-es1-1", 0, &m), M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "Eid", eid, NULL), M2M_OK);
	call("mno1", M2M_WS_ES4_GET_EIS, NULL, 0, false, false, m, &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_true(o.has_eis);
	/* Again: already registered (8.1.1 / 3.3), exit 1. */
	assert_int_equal(sh("cd '%s' && '%s' eis register --url https://%s/soap/es1 "
			    "--cert pki/eum1-tls.crt --key pki/eum1-tls.key --ca pki/tls-ca.crt "
			    "eis/%s.xml > register2.out 2>&1",
			    F->dir, M2MRSP_BINARY, F->es, eid) >> 8,
			 1);
	assert_int_equal(sh("grep -q '8.1.1/3.3' '%s/register2.out'", F->dir), 0);
	/* An MNO may not register an EIS (the ws layer refuses its role). */
	assert_int_equal(sh("cd '%s' && '%s' eis register --url https://%s/soap/es1 "
			    "--cert pki/mno1-tls.crt --key pki/mno1-tls.key --ca pki/tls-ca.crt "
			    "eis/%s.xml > register3.out 2>&1",
			    F->dir, M2MRSP_BINARY, F->es, eid) == 0,
			 false);
}

static void test_audit_matches_card(void **state)
{
	outcome o;
	m2m_buf farm;

	(void)state;
	call("mno1", M2M_WS_ES4_AUDIT_EIS, "audit-1", 1, false, true, NULL, &o);
	assert_true(o.accepted);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_true(o.has_eis);
	/* The card says the bootstrap is enabled, fall-back; so must the EIS. */
	m2m_buf_init(&farm);
	farm_device(1, &farm);
	assert_non_null(strstr((char *)farm.data, F->iccid[1]));
	assert_non_null(strstr((char *)farm.data, "\"state\":\"enabled\""));
	m2m_buf_free(&farm);
	m2m_store *st = NULL;
	m2m_store_profile p;
	char url[256], err[128];
	snprintf(url, sizeof url, "sqlite:%s/smsr.sqlite", F->dir);
	assert_int_equal(m2m_store_open(url, MASTER, &st, err, sizeof err), M2M_OK);
	memset(&p, 0, sizeof p);
	assert_int_equal(m2m_store_profile_get_by_iccid(st, F->iccid[1], &p), M2M_OK);
	assert_int_equal(p.state, M2M_STORE_PROFILE_ENABLED);
	assert_true(p.fallback);
	m2m_store_profile_clear(&p);
	m2m_store_eis e;
	memset(&e, 0, sizeof e);
	assert_int_equal(m2m_store_eis_get(st, F->eid[1], &e), M2M_OK);
	assert_true(e.last_audit_ms > 0);
	m2m_store_eis_clear(&e);
	m2m_store_close(st);
}

static void test_card_and_pol2_refusals(void **state)
{
	outcome o;
	m2m_ws_msg *m = NULL;
	m2m_ws_node *pol2 = NULL, *rule = NULL;

	(void)state;
	/* Enable of the profile already enabled: the card refuses (6985). */
	call("mno1", M2M_WS_ES4_ENABLE_PROFILE, "en-1", 0, true, true, NULL, &o);
	assert_true(o.accepted);
	expect(&o, M2M_WS_FAILED, "8.2", "1.2");
	/* Unknown ICCID on a known eUICC. */
	assert_int_equal(m2m_ws_request_new(M2M_WS_ES4_DISABLE_PROFILE, "dis-x", 0, &m), M2M_OK);
	m2m_ws_add(m, NULL, "Eid", F->eid[0], NULL);
	m2m_ws_add(m, NULL, "Iccid", F->iccid[1], NULL); /* another eUICC's */
	call("mno1", M2M_WS_ES4_DISABLE_PROFILE, NULL, 0, false, true, m, &o);
	expect(&o, M2M_WS_FAILED, "8.2.1", "3.9");
	/* POL2: DISABLE Not-Allowed, then DisableProfile refused before any SMS. */
	assert_int_equal(m2m_ws_request_new(M2M_WS_ES4_UPDATE_POLICY_RULES, "pol-1", 0, &m),
			 M2M_OK);
	m2m_ws_add(m, NULL, "Eid", F->eid[2], NULL);
	m2m_ws_add(m, NULL, "Iccid", F->iccid[2], NULL);
	assert_int_equal(m2m_ws_add(m, NULL, "pol2", NULL, &pol2), M2M_OK);
	assert_int_equal(m2m_ws_add(m, pol2, "Rule", NULL, &rule), M2M_OK);
	m2m_ws_add(m, rule, "Subject", "PROFILE", NULL);
	m2m_ws_add(m, rule, "Action", "DISABLE", NULL);
	m2m_ws_add(m, rule, "Qualification", "Not-Allowed", NULL);
	call("mno1", M2M_WS_ES4_UPDATE_POLICY_RULES, NULL, 2, false, false, m, &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	call("mno1", M2M_WS_ES4_DISABLE_PROFILE, "dis-2", 2, true, true, NULL, &o);
	assert_false(o.accepted);
	expect(&o, M2M_WS_FAILED, "8.2.3", "1.2");
}

static void test_dedup(void **state)
{
	outcome a, b;

	(void)state;
	call("mno1", M2M_WS_ES4_AUDIT_EIS, "audit-dup", 2, false, true, NULL, &a);
	expect(&a, M2M_WS_EXECUTED_SUCCESS, "", "");
	/* The same identifier again: the recorded answer at once, no second job. */
	call("mno1", M2M_WS_ES4_AUDIT_EIS, "audit-dup", 2, false, true, NULL, &b);
	assert_false(b.accepted);
	expect(&b, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_true(b.has_eis);
	/* The same identifier for another request. */
	call("mno1", M2M_WS_ES4_AUDIT_EIS, "audit-dup", 1, false, true, NULL, &b);
	expect(&b, M2M_WS_FAILED, "1.6", "3.3");
}

/* kill -9 while a job is on its way (the eUICC switched off holds the SMS), restart: each
 * call ends exactly once, with one job each. */
static void test_restart(void **state)
{
	m2m_ws_client *c;
	m2m_ws_result res;
	char url[128], mids[NDEV][128], fcid[32];
	m2m_store *st = NULL;
	char dburl[256], err[128];

	(void)state;
	farm_power_off(0, 3);
	c = client("mno1");
	snprintf(url, sizeof url, "https://%s/soap/es4", F->es);
	for (int i = 0; i < NDEV; i++) {
		m2m_ws_msg *m = NULL;
		snprintf(fcid, sizeof fcid, "batch-%d", i);
		assert_int_equal(m2m_ws_request_new(M2M_WS_ES4_AUDIT_EIS, fcid, 60, &m), M2M_OK);
		m2m_ws_add(m, NULL, "Eid", F->eid[i], NULL);
		memset(&res, 0, sizeof res);
		assert_int_equal(m2m_ws_client_call(c, url, m, F->cb_url, &res), M2M_OK);
		assert_true(res.accepted);
		snprintf(mids[i], sizeof mids[i], "%s", m2m_ws_msg_wsa(m)->message_id);
		m2m_ws_result_free(&res);
		m2m_ws_msg_free(m);
	}
	m2m_ws_client_free(c);
	usleep(300000);
	stop(&F->smsr, SIGKILL);
	start_smsr();
	/* Every call is answered: by its callback, or (lost with the process) by the answer
	 * recorded for its FunctionCallIdentifier when the operator asks again. */
	for (int i = 0; i < NDEV; i++) {
		callback cb;
		outcome o;
		memset(&cb, 0, sizeof cb);
		if (callbacks_for(mids[i]) > 0) {
			assert_true(wait_callback(mids[i], &cb));
			assert_int_equal(cb.st.status, M2M_WS_EXECUTED_SUCCESS);
			continue;
		}
		snprintf(fcid, sizeof fcid, "batch-%d", i);
		call("mno1", M2M_WS_ES4_AUDIT_EIS, fcid, i, false, true, NULL, &o);
		expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	}
	snprintf(dburl, sizeof dburl, "sqlite:%s/smsr.sqlite", F->dir);
	assert_int_equal(m2m_store_open(dburl, MASTER, &st, err, sizeof err), M2M_OK);
	for (int i = 0; i < NDEV; i++) {
		m2m_store_job *jobs = NULL;
		size_t n = 0, mine = 0;
		snprintf(fcid, sizeof fcid, "batch-%d", i);
		assert_int_equal(m2m_store_job_list(st, F->eid[i], &jobs, &n), M2M_OK);
		for (size_t k = 0; k < n; k++)
			if (strcmp(jobs[k].call_id, fcid) == 0) {
				mine++;
				assert_int_equal(jobs[k].state, M2M_STORE_JOB_ANSWERED);
			}
		m2m_store_job_list_free(jobs, n);
		assert_int_equal(mine, 1);
	}
	m2m_store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_eis),
		cmocka_unit_test(test_register_eis),
		cmocka_unit_test(test_audit_matches_card),
		cmocka_unit_test(test_card_and_pol2_refusals),
		cmocka_unit_test(test_dedup),
		cmocka_unit_test(test_restart),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
