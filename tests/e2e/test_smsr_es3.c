/*
 * End to end ES3 (SM-DP -> SM-SR): `m2mrsp pki init`, `m2mrsp devices init/run` (one eUICC
 * with the TS.48 bootstrap), `m2mrsp smsr import` and `m2mrsp smsr` as processes; this program
 * is the SM-DP (ws client with the smdp1 certificate) and its ReplyTo endpoint. GetEIS,
 * CreateISDP, ProfileDownloadCompleted, EnableProfile and DeleteISDP (docs/smsr.md "ES3").
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

#define NDEV 1
#define BOOTSTRAP "/work/shared/vectors/saip/TS48v2_SAIP2.3_NoBERTLV.der"
#define MASTER "000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f"
#define CB_MAX 64
#define MNO1 "1.3.6.1.4.1.99999.1"
#define SMDP1 "1.3.6.1.4.1.99999.20"
#define UNKNOWN_EID "89999000000000000000000000000999"

typedef struct {
	char relates_to[128];
	m2m_ws_exec_status st;
	bool has_eis;
	char aid[40];
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
		const char *aid = NULL;
		if (m2m_ws_get_text(m2m_ws_msg_body(call->msg), "Isd-p-aid", &aid) == M2M_OK)
			snprintf(c->aid, sizeof c->aid, "%s", aid);
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
		"[callers]\nmno1 = " MNO1 "\nsmdp1 = " SMDP1 "\n",
		F->dir, MASTER, F->dir, F->dir, F->dir, port + 1);
	fclose(f);
}

static void start_callback_server(void)
{
	m2m_ws_server_opts wo = {.role = M2M_WS_ROLE_SMDP,
				 .schema = F->schema,
				 .identify = cb_identify,
				 .handler = cb_handler,
				 .allow_without_cert = true};
	assert_int_equal(m2m_ws_server_new(&wo, &F->ws), M2M_OK);
	m2m_http_server_opts ho = {.handler = m2m_ws_server_http_handler, .arg = F->ws};
	assert_int_equal(m2m_http_server_new(F->base, &ho, &F->http), M2M_OK);
	snprintf(F->cb_url, sizeof F->cb_url, "http://127.0.0.1:%u/soap/es3",
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
		assert_int_equal(m2m_ws_add(m, NULL, "Eid", dev < 0 ? UNKNOWN_EID : F->eid[dev],
					    NULL),
				 M2M_OK);
		if (iccid)
			assert_int_equal(m2m_ws_add(m, NULL, "Iccid", F->iccid[dev], NULL), M2M_OK);
	}
	snprintf(url, sizeof url, "https://%s/soap/es%d", F->es,
		 m2m_ws_iface_number(m2m_ws_function_get(fn)->iface));
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
	} else if (res.fault) {
		o->st = res.error.status; /* a FAILED status the schema lets out only as a fault */
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

/* ---- the SM-DP ---- */

/* A request of fn with Eid (dev < 0: an unknown EID) and the given children (name, text...;
 * NULL ends). */
static m2m_ws_msg *request(m2m_ws_fn fn, const char *fcid, int dev, ...)
{
	m2m_ws_msg *m = NULL;
	va_list ap;
	const char *name;

	assert_int_equal(m2m_ws_request_new(fn, fcid, 0, &m), M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "Eid", dev < 0 ? UNKNOWN_EID : F->eid[dev], NULL),
			 M2M_OK);
	va_start(ap, dev);
	while ((name = va_arg(ap, const char *)) != NULL) {
		const char *text = va_arg(ap, const char *);
		assert_int_equal(m2m_ws_add(m, NULL, name, text, NULL), M2M_OK);
	}
	va_end(ap);
	return m;
}

static m2m_store *open_store(void)
{
	char url[300], errbuf[256];
	m2m_store *st = NULL;

	snprintf(url, sizeof url, "sqlite:%s/smsr.sqlite", F->dir);
	assert_int_equal(m2m_store_open(url, MASTER, &st, errbuf, sizeof errbuf), M2M_OK);
	return st;
}

/* GetEIS for an SM-DP: the eUICC's data, none of the MNO's (imported) profiles. */
static void test_get_eis(void **state)
{
	outcome o;

	(void)state;
	call("smdp1", M2M_WS_ES3_GET_EIS, NULL, 0, false, false,
	     request(M2M_WS_ES3_GET_EIS, "auto-1", 0, NULL), &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_true(o.has_eis);
	call("smdp1", M2M_WS_ES3_GET_EIS, NULL, -1, false, false,
	     request(M2M_WS_ES3_GET_EIS, "auto-2", -1, NULL), &o);
	expect(&o, M2M_WS_FAILED, "8.1.1", "3.9");
}

/* The eUICC's Eis as the SM-DP sees it has no ProfileInfo for the bootstrap profile. */
static void test_get_eis_hides_mno_profiles(void **state)
{
	m2m_ws_client *c = client("smdp1");
	m2m_ws_msg *m = request(M2M_WS_ES3_GET_EIS, "auto-3", 0, NULL);
	m2m_ws_result res;
	char url[128];
	const m2m_ws_node *eis;

	(void)state;
	memset(&res, 0, sizeof res);
	snprintf(url, sizeof url, "https://%s/soap/es3", F->es);
	assert_int_equal(m2m_ws_client_call(c, url, m, NULL, &res), M2M_OK);
	assert_non_null(res.response);
	eis = m2m_ws_find(m2m_ws_msg_body(res.response), "Eis");
	assert_non_null(eis);
	assert_null(m2m_ws_find(eis, "ProfileInfo"));
	assert_non_null(m2m_ws_find(eis, "EumSignedInfo/Eid"));
	m2m_ws_result_free(&res);
	m2m_ws_msg_free(m);
	m2m_ws_client_free(c);
}

static void test_create_isdp_refusals(void **state)
{
	outcome o;

	(void)state;
	/* The bootstrap profile's ICCID is taken. */
	call("smdp1", M2M_WS_ES3_CREATE_ISDP, "c-1", 0, false, true,
	     request(M2M_WS_ES3_CREATE_ISDP, "c-1", 0, "Iccid", F->iccid[0], "Mno-id", MNO1,
		     "RequiredMemory", "30000", NULL),
	     &o);
	expect(&o, M2M_WS_FAILED, "8.2.1", "3.3");
	assert_false(o.accepted);
	call("smdp1", M2M_WS_ES3_CREATE_ISDP, "c-2", -1, false, true,
	     request(M2M_WS_ES3_CREATE_ISDP, "c-2", -1, "Iccid", "8988299000000009991",
		     "Mno-id", MNO1, "RequiredMemory", "30000", NULL),
	     &o);
	expect(&o, M2M_WS_FAILED, "8.1.1", "3.9");
	/* No ReplyTo: no way to send the answer with its Isd-p-aid. */
	call("smdp1", M2M_WS_ES3_CREATE_ISDP, "c-3", 0, false, false,
	     request(M2M_WS_ES3_CREATE_ISDP, "c-3", 0, "Iccid", "8988299000000009991",
		     "Mno-id", MNO1, "RequiredMemory", "30000", NULL),
	     &o);
	expect(&o, M2M_WS_FAILED, "1.6", "2.1");
	/* An MNO may not call ES3 at all (the ws layer's role check). */
	call("mno1", M2M_WS_ES3_GET_EIS, NULL, 0, false, false,
	     request(M2M_WS_ES3_GET_EIS, "auto-4", 0, NULL), &o);
	assert_int_equal(o.st.status, M2M_WS_FAILED);
}

/* CreateISDP accepted: the answer goes to ReplyTo with the allocated ISD-P AID (TAR 000011,
 * the bootstrap ISD-P has 000010); the store holds the row CREATED exactly when the card
 * created it, and nothing when the creation failed. */
static void test_create_isdp(void **state)
{
	static const char aid[] = "A0000005591010FFFFFFFF8900001100";
	m2m_store *st;
	m2m_store_profile p;
	outcome o;
	m2m_err err;

	(void)state;
	call("smdp1", M2M_WS_ES3_CREATE_ISDP, "c-ok", 0, false, true,
	     request(M2M_WS_ES3_CREATE_ISDP, "c-ok", 0, "Iccid", "8988299000000009992",
		     "Mno-id", MNO1, "RequiredMemory", "30000", NULL),
	     &o);
	assert_true(o.accepted);
	pthread_mutex_lock(&F->lock);
	for (size_t k = 0; k < F->ncb; k++)
		if (strcmp(F->cb[k].relates_to, o.mid) == 0)
			assert_string_equal(F->cb[k].aid, aid);
	pthread_mutex_unlock(&F->lock);
	st = open_store();
	memset(&p, 0, sizeof p);
	err = m2m_store_profile_get_by_iccid(st, "8988299000000009992", &p);
	if (o.st.status == M2M_WS_EXECUTED_SUCCESS) {
		assert_int_equal(err, M2M_OK);
		assert_string_equal(p.isdp_aid, aid);
		assert_int_equal(p.state, M2M_STORE_PROFILE_CREATED);
		assert_string_equal(p.smdp_id, SMDP1);
		assert_string_equal(p.mno_id, MNO1);
	} else {
		print_message("CreateISDP ended %s %s/%s: %s\n", m2m_ws_status_name(o.st.status),
			      o.st.subject, o.st.reason, o.st.message);
		assert_int_equal(err, M2M_END);
	}
	m2m_store_profile_clear(&p);
	m2m_store_close(st);
}

/* A profile as CreateISDP leaves it (written here: the ISD-P need not exist on the card for
 * the store-only ProfileDownloadCompleted). */
static void put_created(const char *iccid, const char *aid, const char *smdp)
{
	m2m_store *st = open_store();
	m2m_store_profile p;

	memset(&p, 0, sizeof p);
	snprintf(p.eid, sizeof p.eid, "%s", F->eid[0]);
	snprintf(p.isdp_aid, sizeof p.isdp_aid, "%s", aid);
	snprintf(p.iccid, sizeof p.iccid, "%s", iccid);
	snprintf(p.mno_id, sizeof p.mno_id, "%s", MNO1);
	snprintf(p.smdp_id, sizeof p.smdp_id, "%s", smdp);
	p.state = M2M_STORE_PROFILE_CREATED;
	assert_int_equal(m2m_store_profile_put(st, &p), M2M_OK);
	m2m_store_close(st);
}

static m2m_ws_msg *completed(const char *fcid, const char *iccid, bool extras)
{
	m2m_ws_msg *m = request(M2M_WS_ES3_PROFILE_DOWNLOAD_COMPLETED, fcid, 0, "Iccid", iccid,
				NULL);
	m2m_ws_node *sa = NULL, *pol2 = NULL, *rule = NULL;

	if (!extras)
		return m;
	assert_int_equal(m2m_ws_add(m, NULL, "ProfileType", "ts48-test", NULL), M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "SubscriptionAddress", NULL, &sa), M2M_OK);
	assert_int_equal(m2m_ws_add(m, sa, "Msisdn", "882990000000777", NULL), M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "pol2", NULL, &pol2), M2M_OK);
	assert_int_equal(m2m_ws_add(m, pol2, "Rule", NULL, &rule), M2M_OK);
	assert_int_equal(m2m_ws_add(m, rule, "Subject", "PROFILE", NULL), M2M_OK);
	assert_int_equal(m2m_ws_add(m, rule, "Action", "DISABLE", NULL), M2M_OK);
	assert_int_equal(m2m_ws_add(m, rule, "Qualification", "Not-Allowed", NULL), M2M_OK);
	return m;
}

static void test_download_completed(void **state)
{
	static const char aid[] = "A0000005591010FFFFFFFF8900002000";
	m2m_store *st;
	m2m_store_profile p;
	outcome o;

	(void)state;
	put_created("8988299000000009993", aid, SMDP1);
	put_created("8988299000000009994", "A0000005591010FFFFFFFF8900002100",
		    "1.3.6.1.4.1.99999.21");
	call("smdp1", M2M_WS_ES3_PROFILE_DOWNLOAD_COMPLETED, NULL, 0, false, false,
	     completed("auto-6", "8988299000000009990", false), &o);
	expect(&o, M2M_WS_FAILED, "8.2.1", "3.9");
	/* Created by another SM-DP; the bootstrap profile (ENABLED, no SM-DP) likewise. */
	call("smdp1", M2M_WS_ES3_PROFILE_DOWNLOAD_COMPLETED, NULL, 0, false, false,
	     completed("auto-7", "8988299000000009994", false), &o);
	expect(&o, M2M_WS_FAILED, "1.1", "1.1");
	call("smdp1", M2M_WS_ES3_PROFILE_DOWNLOAD_COMPLETED, NULL, 0, false, false,
	     completed("auto-8", F->iccid[0], false), &o);
	expect(&o, M2M_WS_FAILED, "1.1", "1.1");
	call("smdp1", M2M_WS_ES3_PROFILE_DOWNLOAD_COMPLETED, NULL, 0, false, false,
	     completed("auto-9", "8988299000000009993", true), &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	st = open_store();
	memset(&p, 0, sizeof p);
	assert_int_equal(m2m_store_profile_get_by_iccid(st, "8988299000000009993", &p), M2M_OK);
	assert_int_equal(p.state, M2M_STORE_PROFILE_DISABLED);
	assert_int_equal(p.pol2, M2M_POL2_DISABLE_NOT_ALLOWED);
	assert_string_equal(p.msisdn, "882990000000777");
	assert_string_equal(p.profile_type, "ts48-test");
	m2m_store_profile_clear(&p);
	m2m_store_close(st);
	/* Not CREATED any more. */
	call("smdp1", M2M_WS_ES3_PROFILE_DOWNLOAD_COMPLETED, NULL, 0, false, false,
	     completed("auto-10", "8988299000000009993", false), &o);
	expect(&o, M2M_WS_FAILED, "8.2", "1.2");
	/* Now the SM-DP sees its profile in GetEIS. */
	call("smdp1", M2M_WS_ES3_GET_EIS, NULL, 0, false, false,
	     request(M2M_WS_ES3_GET_EIS, "auto-5", 0, NULL), &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
}

/* EnableProfile / DeleteISDP from the SM-DP: only on its profiles, ReplyTo needed, POL2; the
 * profile of test_download_completed exists in the store only, so the card refuses the
 * command for an unknown ISD-P (6A88 -> 8.3.1 / 3.9, docs/es5.md): the job went to the card
 * and back. */
static void test_profile_calls(void **state)
{
	outcome o;

	(void)state;
	call("smdp1", M2M_WS_ES3_ENABLE_PROFILE, NULL, 0, false, true,
	     request(M2M_WS_ES3_ENABLE_PROFILE, "e-1", 0, "Iccid", F->iccid[0], NULL), &o);
	expect(&o, M2M_WS_FAILED, "1.1", "1.1");
	call("smdp1", M2M_WS_ES3_ENABLE_PROFILE, NULL, 0, false, false,
	     request(M2M_WS_ES3_ENABLE_PROFILE, "e-2", 0, "Iccid", "8988299000000009993", NULL),
	     &o);
	expect(&o, M2M_WS_FAILED, "1.6", "2.1");
	/* POL2 of ProfileDownloadCompleted: DISABLE Not-Allowed; the profile is DISABLED, so
	 * enabling is allowed and goes to the card. */
	call("smdp1", M2M_WS_ES3_ENABLE_PROFILE, NULL, 0, false, true,
	     request(M2M_WS_ES3_ENABLE_PROFILE, "e-3", 0, "Iccid", "8988299000000009993", NULL),
	     &o);
	assert_true(o.accepted);
	expect(&o, M2M_WS_FAILED, "8.3.1", "3.9");
	call("smdp1", M2M_WS_ES3_DELETE_ISDP, NULL, 0, false, true,
	     request(M2M_WS_ES3_DELETE_ISDP, "d-1", 0, "Iccid", "8988299000000009994", NULL), &o);
	expect(&o, M2M_WS_FAILED, "1.1", "1.1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_eis),
		cmocka_unit_test(test_get_eis_hides_mno_profiles),
		cmocka_unit_test(test_create_isdp_refusals),
		cmocka_unit_test(test_create_isdp),
		cmocka_unit_test(test_download_completed),
		cmocka_unit_test(test_profile_calls),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
