/*
 * End to end over the HTTPS bearer: `m2mrsp devices run` with SCP81 (`--scp81-url`) and
 * notifications over HTTPS (`--notify https`), `m2mrsp smsr` with `[scp81] enabled = true`.
 * AuditEIS and EnableProfile go as AE 80 scripts in TLS-PSK sessions the card opens after a
 * trigger SMS (raw SCP80 secured data to the ISD-R); the card's notification of the enable
 * comes back over HTTPS and its 3A08 confirmation goes in the same kind of session. The
 * farm's counters prove the path: SCP81 sessions completed, PoRs only for the triggers.
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
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
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
	char smpp[64], control[64], es[64], scp81[64];
	char eid[NDEV][40];
	char iccid[NDEV][24];
	char iccid2[NDEV][24]; /* the disabled second profile */
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

/* ---- set-up ---- */

/* The n-th value of "key":"..." in line (n from 0). */
static void json_nth(const char *line, const char *key, int n, char *out, size_t cap)
{
	const char *p = line;
	size_t k = strlen(key);

	for (int i = 0; i <= n; i++) {
		p = strstr(p, key);
		assert_non_null(p);
		p += k;
	}
	snprintf(out, cap, "%.*s", (int)strcspn(p, "\""), p);
}

static void read_devices(void)
{
	char file[256], line[16384];
	FILE *f;
	int i = 0;

	path(file, sizeof file, "devices.json");
	f = fopen(file, "r");
	assert_non_null(f);
	while (i < NDEV && fgets(line, sizeof line, f) != NULL) {
		json_nth(line, "\"eid\":\"", 0, F->eid[i], sizeof F->eid[i]);
		json_nth(line, "\"iccid\":\"", 0, F->iccid[i], sizeof F->iccid[i]);
		json_nth(line, "\"iccid\":\"", 1, F->iccid2[i], sizeof F->iccid2[i]);
		i++;
	}
	fclose(f);
	assert_int_equal(i, NDEV);
}

/* A port that was free a moment ago: the farm's default admin server (HTTPS notifications)
 * must be known before the SM-SR starts, and the SM-SR needs the farm's SMSC port. */
static unsigned free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static void write_config(unsigned scp81_port)
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
		"por_timeout = 5000\n"
		"[scp81]\nenabled = true\nlisten = 127.0.0.1:%u\n"
		"[engine]\nconcurrency = 8\nretries = 5\nbackoff = 300\nlease = 20000\npoll = 50\n"
		"[callers]\nmno1 = " MNO1 "\n"
		"[peers]\n" MNO1 " = %s\n"
		"[es1]\nci_cert = %s/pki/ci.crt\nsmsr_id = 1.3.6.1.4.1.99999.2\n",
		F->dir, MASTER, F->dir, F->dir, F->dir, port + 1, scp81_port, F->cb_url, F->dir);
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
}

static int setup(void **state)
{
	char out[256], err[256], db[256], url[96], cfg[256], sout[256], serr[256];
	unsigned scp81_port;

	(void)state;
	F = calloc(1, sizeof *F);
	assert_non_null(F);
	pthread_mutex_init(&F->lock, NULL);
	m2m_log_setup(M2M_LOG_ERROR, M2M_LOG_PLAIN, stderr);
	snprintf(F->dir, sizeof F->dir, "/tmp/m2m_e2e81_XXXXXX");
	assert_non_null(mkdtemp(F->dir));
	assert_int_equal(m2m_ws_init(), M2M_OK);
	assert_int_equal(m2m_ws_schema_load(M2MRSP_SOURCE_DIR "/data/wsdl", &F->schema), M2M_OK);
	F->base = event_base_new();
	assert_non_null(F->base);
	start_callback_server();
	scp81_port = free_port();
	assert_int_equal(pthread_create(&F->thread, NULL, loop, F->base), 0);
	assert_int_equal(sh("'%s' pki init '%s/pki' >/dev/null", M2MRSP_BINARY, F->dir), 0);
	assert_int_equal(sh("'%s' devices init --db '%s/farm.sqlite' --count %d --bootstrap '%s' "
			    "--second-profile '%s' --seed 000102030405060708090a0b0c0d0e0f "
			    ">/dev/null 2>&1",
			    M2MRSP_BINARY, F->dir, NDEV, BOOTSTRAP, BOOTSTRAP),
			 0);
	assert_int_equal(sh("'%s' devices list --db '%s/farm.sqlite' --json > '%s/devices.json'",
			    M2MRSP_BINARY, F->dir, F->dir),
			 0);
	read_devices();
	path(db, sizeof db, "farm.sqlite");
	path(out, sizeof out, "farm.out");
	path(err, sizeof err, "farm.err");
	snprintf(url, sizeof url, "https://127.0.0.1:%u/scp81", scp81_port);
	char *argv[] = {M2MRSP_BINARY, "devices", "run", "--db", db, "--smpp", "127.0.0.1:0",
			"--control", "127.0.0.1:0", "--system-id", "smsr", "--password", "secret",
			"--scp81-url", url, "--notify", "https", "--notif-first-ms", "300", NULL};
	F->farm = spawn(argv, out, err);
	assert_true(F->farm > 0);
	assert_true(wait_line(out, "smpp", F->smpp, sizeof F->smpp));
	assert_true(wait_line(out, "control", F->control, sizeof F->control));
	write_config(scp81_port);
	assert_int_equal(sh("'%s' smsr import --config '%s/smsr.ini' --devices '%s/devices.json' "
			    "--mno-id " MNO1 " --eum-key '%s/pki/eum1.key' >/dev/null",
			    M2MRSP_BINARY, F->dir, F->dir, F->dir),
			 0);
	path(cfg, sizeof cfg, "smsr.ini");
	path(sout, sizeof sout, "smsr.out");
	path(serr, sizeof serr, "smsr.err");
	char *sargv[] = {M2MRSP_BINARY, "smsr", "--config", cfg, NULL};
	F->smsr = spawn(sargv, sout, serr);
	assert_true(F->smsr > 0);
	assert_true(wait_line(sout, "es", F->es, sizeof F->es));
	assert_true(wait_line(sout, "scp81", F->scp81, sizeof F->scp81));
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
	m2m_ws_exec_status st;
	bool has_eis;
} outcome;

/* One ES4 call answered at our endpoint (ReplyTo). */
static void call(m2m_ws_fn fn, const char *fcid, int dev, const char *iccid, outcome *o)
{
	m2m_ws_client *c = client("mno1");
	m2m_ws_msg *m = NULL;
	m2m_ws_result res;
	char url[128], mid[128];

	memset(o, 0, sizeof *o);
	memset(&res, 0, sizeof res);
	assert_int_equal(m2m_ws_request_new(fn, fcid, 0, &m), M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "Eid", F->eid[dev], NULL), M2M_OK);
	if (iccid != NULL)
		assert_int_equal(m2m_ws_add(m, NULL, "Iccid", iccid, NULL), M2M_OK);
	snprintf(url, sizeof url, "https://%s/soap/es4", F->es);
	assert_int_equal(m2m_ws_client_call(c, url, m, F->cb_url, &res), M2M_OK);
	snprintf(mid, sizeof mid, "%s", m2m_ws_msg_wsa(m)->message_id);
	if (res.accepted) {
		callback cb;
		memset(&cb, 0, sizeof cb);
		o->accepted = true;
		assert_true(wait_callback(mid, &cb));
		o->st = cb.st;
		o->has_eis = cb.has_eis;
	} else {
		assert_non_null(res.response);
		assert_int_equal(m2m_ws_msg_status(res.response, &o->st), M2M_OK);
	}
	m2m_ws_result_free(&res);
	m2m_ws_msg_free(m);
	m2m_ws_client_free(c);
}

static void expect_success(const outcome *o)
{
	if (o->st.status != M2M_WS_EXECUTED_SUCCESS)
		print_error("got %s %s/%s (%s)\n", m2m_ws_status_name(o->st.status), o->st.subject,
			    o->st.reason, o->st.message);
	assert_int_equal(o->st.status, M2M_WS_EXECUTED_SUCCESS);
}

/* GET on the farm's control API, body NUL-terminated. */
static void farm_get(const char *what, m2m_buf *body)
{
	m2m_http_client *h = NULL;
	m2m_http_client_opts ho = {.timeout_ms = 5000};
	m2m_http_client_response r;
	char url[160];

	snprintf(url, sizeof url, "http://%s%s", F->control, what);
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

/* A counter of the farm's GET /stats. */
static long farm_stat(const char *name)
{
	m2m_buf b;
	char key[64];
	const char *p;
	long v;

	m2m_buf_init(&b);
	farm_get("/stats", &b);
	snprintf(key, sizeof key, "\"%s\":", name);
	p = strstr((const char *)b.data, key);
	assert_non_null(p);
	v = strtol(p + strlen(key), NULL, 10);
	m2m_buf_free(&b);
	return v;
}

static m2m_store *store_open(void)
{
	m2m_store *st = NULL;
	char url[256], err[128];

	snprintf(url, sizeof url, "sqlite:%s/smsr.sqlite", F->dir);
	assert_int_equal(m2m_store_open(url, MASTER, &st, err, sizeof err), M2M_OK);
	return st;
}

/* ---- tests ---- */

/* AuditEIS of device 0 over HTTPS: one trigger SMS (its PoR), one SCP81 session, the EIS
 * from the card's answer. */
static void test_audit_over_scp81(void **state)
{
	outcome o;
	long ok0 = farm_stat("scp81_ok"), por0 = farm_stat("por");
	m2m_store *st;
	m2m_store_eis e;

	(void)state;
	call(M2M_WS_ES4_AUDIT_EIS, "audit-81", 0, NULL, &o);
	assert_true(o.accepted);
	expect_success(&o);
	assert_true(o.has_eis);
	assert_int_equal(farm_stat("scp81_ok"), ok0 + 1);
	assert_int_equal(farm_stat("scp81_failed"), 0);
	assert_int_equal(farm_stat("por"), por0 + 1); /* the trigger's only */
	st = store_open();
	memset(&e, 0, sizeof e);
	assert_int_equal(m2m_store_eis_get(st, F->eid[0], &e), M2M_OK);
	assert_true(e.last_audit_ms > 0);
	assert_true((e.caps & M2M_STORE_CAP_HTTPS) != 0);
	m2m_store_eis_clear(&e);
	m2m_store_close(st);
}

/* EnableProfile of the disabled second profile of device 1 over HTTPS; the card's
 * notification (02) comes over HTTPS too and is confirmed: nothing is left pending. */
static void test_enable_over_scp81(void **state)
{
	outcome o;
	long ok0 = farm_stat("scp81_ok"), por0 = farm_stat("por"), mo0 = farm_stat("mo");
	m2m_store *st;
	m2m_store_profile p;
	m2m_buf dev;
	char what[96];
	int i;

	(void)state;
	call(M2M_WS_ES4_ENABLE_PROFILE, "enable-81", 1, F->iccid2[1], &o);
	assert_true(o.accepted);
	expect_success(&o);
	assert_true(farm_stat("scp81_ok") >= ok0 + 1);
	assert_int_equal(farm_stat("por"), por0 + 1);
	/* The card's own HTTPS session brings the notification; the 3A08 goes back in it. */
	for (i = 0; i < 200 && (farm_stat("notif_sent") < 1 || farm_stat("pending_notif") > 0);
	     i++)
		usleep(100000);
	assert_true(farm_stat("notif_sent") >= 1);
	assert_int_equal(farm_stat("pending_notif"), 0);
	/* One MO: the trigger's PoR (SMS-SUBMIT); the notification went over HTTPS. */
	assert_int_equal(farm_stat("mo"), mo0 + 1);
	m2m_buf_init(&dev);
	snprintf(what, sizeof what, "/devices/%s", F->eid[1]);
	farm_get(what, &dev);
	assert_non_null(strstr((const char *)dev.data, F->iccid2[1]));
	m2m_buf_free(&dev);
	st = store_open();
	memset(&p, 0, sizeof p);
	assert_int_equal(m2m_store_profile_get_by_iccid(st, F->iccid2[1], &p), M2M_OK);
	assert_int_equal(p.state, M2M_STORE_PROFILE_ENABLED);
	m2m_store_profile_clear(&p);
	memset(&p, 0, sizeof p);
	assert_int_equal(m2m_store_profile_get_by_iccid(st, F->iccid[1], &p), M2M_OK);
	assert_int_equal(p.state, M2M_STORE_PROFILE_DISABLED);
	m2m_store_profile_clear(&p);
	m2m_store_close(st);
	assert_int_equal(farm_stat("scp81_failed"), 0);
}

/* A card refusal over HTTPS reads as over SMS: enable of the enabled profile, 6985. */
static void test_refusal_over_scp81(void **state)
{
	outcome o;

	(void)state;
	call(M2M_WS_ES4_ENABLE_PROFILE, "enable-81-again", 2, F->iccid[2], &o);
	assert_true(o.accepted);
	assert_int_equal(o.st.status, M2M_WS_FAILED);
	assert_string_equal(o.st.subject, "8.2");
	assert_string_equal(o.st.reason, "1.2");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_audit_over_scp81),
		cmocka_unit_test(test_enable_over_scp81),
		cmocka_unit_test(test_refusal_over_scp81),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
