/*
 * End to end, notifications (issue 6): `m2mrsp devices init --second-profile` (two eUICCs,
 * the TS.48 bootstrap enabled and fall-back in ISD-P 000010, a second profile disabled in
 * ISD-P 000011), `m2mrsp devices run` and `m2mrsp smsr` as real processes. This program is
 * the operator: an ES4 client with the mno1 certificate, and the MNO's ES4 endpoint over
 * HTTPS with mutual TLS (the mno1 server certificate; the SM-SR presents smsr1's) that
 * receives the deferred answers and the Handle*Notification calls.
 *
 * EnableProfile of the second profile: the card switches and sends notification 02; the SM-SR
 * confirms it with 3A08 (the farm has nothing pending), its EIS says the second profile is
 * enabled, and HandleProfileEnabledNotification reaches the MNO. Then the farm's network
 * loss: the card falls back to the bootstrap (notification 05); the EIS follows, the MNO
 * hears of both profiles, and the POL2 rule DISABLE Auto-Delete of the second profile makes
 * the SM-SR delete its ISD-P on the card.
 */
#define _POSIX_C_SOURCE 200809L
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
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <openssl/ssl.h>

#include "core/log.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "net/tls.h"
#include "store/store.h"
#include "ws/client.h"
#include "ws/msg.h"
#include "ws/schema.h"
#include "ws/server.h"

#define NDEV 2
#define BOOTSTRAP "/work/shared/vectors/saip/TS48v2_SAIP2.3_NoBERTLV.der"
#define MASTER "000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f"
#define MSG_MAX 64
#define MNO1 "1.3.6.1.4.1.99999.1"
#define AID_BOOT "A0000005591010FFFFFFFF8900001000"
#define AID_2 "A0000005591010FFFFFFFF8900001100"

/* What the MNO endpoint received: an answer (callback) or a notification. */
typedef struct {
	bool answer;
	m2m_ws_fn fn;
	char relates_to[128];
	char eid[40], iccid[24], caller[M2M_WS_ENTITY_ID_MAX];
	m2m_ws_exec_status st;
} received;

typedef struct {
	char dir[128];
	pid_t farm, smsr;
	char smpp[64], control[64], es[64];
	char eid[NDEV][40];
	char iccid[NDEV][24], iccid2[NDEV][24];
	m2m_ws_schema *schema;
	struct event_base *base;
	m2m_http_server *http;
	m2m_ws_server *ws;
	pthread_t thread;
	char mno_url[96];
	pthread_mutex_t lock;
	received msg[MSG_MAX];
	size_t nmsg;
} fixture;

static fixture *F;

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

/* ---- the MNO's ES4 endpoint (HTTPS, mutual TLS) ---- */

static void text_of(const m2m_ws_msg *m, const char *name, char *out, size_t cap)
{
	const m2m_ws_node *n = m2m_ws_find(m2m_ws_msg_body(m), name);
	const char *t = n != NULL ? m2m_ws_node_text(n) : NULL;

	snprintf(out, cap, "%s", t != NULL ? t : "");
}

static m2m_ws_reply mno_handler(void *arg, const m2m_ws_call *call, m2m_ws_msg *response)
{
	(void)arg;
	(void)response;
	pthread_mutex_lock(&F->lock);
	if (F->nmsg < MSG_MAX) {
		received *r = &F->msg[F->nmsg++];
		r->answer = call->dir == M2M_WS_DIR_OUT;
		r->fn = call->fn->id;
		snprintf(r->relates_to, sizeof r->relates_to, "%s",
			 call->wsa->relates_to ? call->wsa->relates_to : "");
		snprintf(r->caller, sizeof r->caller, "%s", call->caller->id);
		text_of(call->msg, "Eid", r->eid, sizeof r->eid);
		text_of(call->msg, "Iccid", r->iccid, sizeof r->iccid);
		if (r->answer)
			m2m_ws_msg_status(call->msg, &r->st);
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

static void *loop(void *arg)
{
	struct timeval tv = {0, 100000};
	struct event *t = event_new(arg, -1, EV_PERSIST, wake, NULL);

	event_add(t, &tv);
	event_base_loop(arg, EVLOOP_NO_EXIT_ON_EMPTY);
	event_free(t);
	return NULL;
}

static void start_mno_server(void)
{
	char cert[256], key[256], ca[256];
	SSL_CTX *tls = NULL;

	snprintf(cert, sizeof cert, "%s/pki/mno1-tls.crt", F->dir);
	snprintf(key, sizeof key, "%s/pki/mno1-tls.key", F->dir);
	snprintf(ca, sizeof ca, "%s/pki/tls-ca.crt", F->dir);
	m2m_tls_cert_opts to = {.cert_file = cert, .key_file = key, .ca_file = ca};
	assert_int_equal(m2m_tls_cert_server_ctx(&to, &tls), M2M_OK);
	m2m_ws_server_opts wo = {.role = M2M_WS_ROLE_MNO, .schema = F->schema,
				 .handler = mno_handler};
	assert_int_equal(m2m_ws_server_new(&wo, &F->ws), M2M_OK);
	m2m_http_server_opts ho = {.handler = m2m_ws_server_http_handler, .arg = F->ws,
				   .tls = tls};
	assert_int_equal(m2m_http_server_new(F->base, &ho, &F->http), M2M_OK);
	SSL_CTX_free(tls);
	snprintf(F->mno_url, sizeof F->mno_url, "https://127.0.0.1:%u/soap/es4",
		 (unsigned)m2m_http_server_port(F->http));
	assert_int_equal(pthread_create(&F->thread, NULL, loop, F->base), 0);
}

/* The first message (after index from) of function fn about iccid; waits up to 30 s. */
static bool wait_msg(m2m_ws_fn fn, const char *relates_to, const char *iccid, size_t from,
		     received *out)
{
	for (int i = 0; i < 600; i++) {
		pthread_mutex_lock(&F->lock);
		for (size_t k = from; k < F->nmsg; k++) {
			const received *r = &F->msg[k];
			if (r->fn == fn && (relates_to == NULL ||
					    strcmp(r->relates_to, relates_to) == 0) &&
			    (iccid == NULL || strcmp(r->iccid, iccid) == 0)) {
				*out = *r;
				pthread_mutex_unlock(&F->lock);
				return true;
			}
		}
		pthread_mutex_unlock(&F->lock);
		usleep(50000);
	}
	return false;
}

static size_t nmsg(void)
{
	size_t n;

	pthread_mutex_lock(&F->lock);
	n = F->nmsg;
	pthread_mutex_unlock(&F->lock);
	return n;
}

/* ---- set-up ---- */

/* The ICCID that follows "tar":"TAR" in a device JSON line. */
static void iccid_of(const char *line, const char *tar, char *out, size_t cap)
{
	char key[32];
	const char *p, *c;

	snprintf(key, sizeof key, "\"tar\":\"%s\"", tar);
	p = strstr(line, key);
	assert_non_null(p);
	c = strstr(p, "\"iccid\":\"");
	assert_non_null(c);
	snprintf(out, cap, "%.*s", (int)strcspn(c + 9, "\""), c + 9);
}

static void read_devices(void)
{
	char file[256], line[8192];
	FILE *f;
	int i = 0;

	snprintf(file, sizeof file, "%s/devices.json", F->dir);
	f = fopen(file, "r");
	assert_non_null(f);
	while (i < NDEV && fgets(line, sizeof line, f) != NULL) {
		const char *e = strstr(line, "\"eid\":\"");
		assert_non_null(e);
		snprintf(F->eid[i], sizeof F->eid[i], "%.32s", e + 7);
		iccid_of(line, "000010", F->iccid[i], sizeof F->iccid[i]);
		iccid_of(line, "000011", F->iccid2[i], sizeof F->iccid2[i]);
		assert_string_not_equal(F->iccid[i], F->iccid2[i]);
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
	snprintf(file, sizeof file, "%s/smsr.ini", F->dir);
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
		"[callers]\nmno1 = " MNO1 "\n"
		"[peers]\n" MNO1 " = %s\n",
		F->dir, MASTER, F->dir, F->dir, F->dir, port + 1, F->mno_url);
	fclose(f);
}

static int setup(void **state)
{
	char out[256], err[256], db[256];

	(void)state;
	F = calloc(1, sizeof *F);
	assert_non_null(F);
	pthread_mutex_init(&F->lock, NULL);
	m2m_log_setup(M2M_LOG_ERROR, M2M_LOG_PLAIN, stderr);
	snprintf(F->dir, sizeof F->dir, "/tmp/m2m_notif_XXXXXX");
	assert_non_null(mkdtemp(F->dir));
	assert_int_equal(m2m_ws_init(), M2M_OK);
	assert_int_equal(m2m_ws_schema_load(M2MRSP_SOURCE_DIR "/data/wsdl", &F->schema), M2M_OK);
	F->base = event_base_new();
	assert_non_null(F->base);
	assert_int_equal(sh("'%s' pki init '%s/pki' >/dev/null", M2MRSP_BINARY, F->dir), 0);
	start_mno_server();
	assert_int_equal(sh("'%s' devices init --db '%s/farm.sqlite' --count %d --bootstrap '%s' "
			    "--second-profile '%s' --seed 000102030405060708090a0b0c0d0e0f "
			    ">/dev/null 2>&1",
			    M2MRSP_BINARY, F->dir, NDEV, BOOTSTRAP, BOOTSTRAP),
			 0);
	assert_int_equal(sh("'%s' devices list --db '%s/farm.sqlite' --json > '%s/devices.json'",
			    M2MRSP_BINARY, F->dir, F->dir),
			 0);
	read_devices();
	snprintf(db, sizeof db, "%s/farm.sqlite", F->dir);
	snprintf(out, sizeof out, "%s/farm.out", F->dir);
	snprintf(err, sizeof err, "%s/farm.err", F->dir);
	char *argv[] = {M2MRSP_BINARY, "devices", "run", "--db", db, "--smpp", "127.0.0.1:0",
			"--control", "127.0.0.1:0", "--system-id", "smsr", "--password", "secret",
			"--notif-first-ms", "300", "--notif-retry-ms", "2000", NULL};
	F->farm = spawn(argv, out, err);
	assert_true(F->farm > 0);
	assert_true(wait_line(out, "smpp", F->smpp, sizeof F->smpp));
	assert_true(wait_line(out, "control", F->control, sizeof F->control));
	write_config();
	assert_int_equal(sh("'%s' smsr import --config '%s/smsr.ini' --devices '%s/devices.json' "
			    "--mno-id " MNO1 " --eum-key '%s/pki/eum1.key' >/dev/null",
			    M2MRSP_BINARY, F->dir, F->dir, F->dir),
			 0);
	char cfg[256];
	snprintf(cfg, sizeof cfg, "%s/smsr.ini", F->dir);
	snprintf(out, sizeof out, "%s/smsr.out", F->dir);
	snprintf(err, sizeof err, "%s/smsr.err", F->dir);
	char *sargv[] = {M2MRSP_BINARY, "smsr", "--config", cfg, NULL};
	F->smsr = spawn(sargv, out, err);
	assert_true(F->smsr > 0);
	assert_true(wait_line(out, "es", F->es, sizeof F->es));
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

/* One ES4 call by mno1 with ReplyTo = our endpoint; returns its MessageID in mid. */
static void call(m2m_ws_fn fn, m2m_ws_msg *m, char *mid, size_t cap, m2m_ws_exec_status *st)
{
	char ca[256], cert[256], key[256], url[128];
	m2m_ws_client *c = NULL;
	m2m_ws_result res;

	snprintf(ca, sizeof ca, "%s/pki/tls-ca.crt", F->dir);
	snprintf(cert, sizeof cert, "%s/pki/mno1-tls.crt", F->dir);
	snprintf(key, sizeof key, "%s/pki/mno1-tls.key", F->dir);
	m2m_ws_client_opts o = {
		.http = {.ca_file = ca, .cert_file = cert, .key_file = key, .timeout_ms = 20000},
		.schema = F->schema,
		.binding = M2M_WS_SOAP,
		.from = F->mno_url,
	};
	assert_int_equal(m2m_ws_client_new(&o, &c), M2M_OK);
	memset(&res, 0, sizeof res);
	snprintf(url, sizeof url, "https://%s/soap/es4", F->es);
	assert_int_equal(m2m_ws_client_call(c, url, m, F->mno_url, &res), M2M_OK);
	snprintf(mid, cap, "%s", m2m_ws_msg_wsa(m)->message_id);
	memset(st, 0, sizeof *st);
	if (res.accepted) {
		received r;
		assert_true(wait_msg(fn, mid, NULL, 0, &r));
		*st = r.st;
	} else {
		assert_non_null(res.response);
		assert_int_equal(m2m_ws_msg_status(res.response, st), M2M_OK);
	}
	m2m_ws_result_free(&res);
	m2m_ws_msg_free(m);
	m2m_ws_client_free(c);
}

static void expect_success(const m2m_ws_exec_status *st)
{
	if (st->status != M2M_WS_EXECUTED_SUCCESS)
		print_error("got %s %s/%s (%s)\n", m2m_ws_status_name(st->status), st->subject,
			    st->reason, st->message);
	assert_int_equal(st->status, M2M_WS_EXECUTED_SUCCESS);
}

static m2m_ws_msg *request(m2m_ws_fn fn, const char *fcid, int dev, const char *iccid)
{
	m2m_ws_msg *m = NULL;

	assert_int_equal(m2m_ws_request_new(fn, fcid, 0, &m), M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "Eid", F->eid[dev], NULL), M2M_OK);
	if (iccid != NULL)
		assert_int_equal(m2m_ws_add(m, NULL, "Iccid", iccid, NULL), M2M_OK);
	return m;
}

/* ---- the farm's view (control API) ---- */

static int control(const char *method, int dev, const char *what, m2m_buf *body)
{
	m2m_http_client *h = NULL;
	m2m_http_client_opts ho = {.timeout_ms = 5000};
	m2m_http_client_response r;
	char url[192];
	int status;

	snprintf(url, sizeof url, "http://%s/devices/%s%s", F->control, F->eid[dev], what);
	m2m_http_client_request rq = {.method = method, .url = url};
	memset(&r, 0, sizeof r);
	assert_int_equal(m2m_http_client_new(&ho, &h), M2M_OK);
	assert_int_equal(m2m_http_client_send(h, &rq, &r), M2M_OK);
	status = r.status;
	if (body != NULL) {
		m2m_buf_reset(body);
		m2m_buf_append(body, r.body.data, r.body.len);
		m2m_buf_append_u8(body, 0);
	}
	m2m_http_client_response_free(&r);
	m2m_http_client_free(h);
	return status;
}

/* The card's state of ISD-P tar ("gone" when it has none), and its pending notifications. */
static void card_state(int dev, const char *tar, char *state, size_t cap, bool *pending)
{
	m2m_buf b;
	char key[32];
	const char *p;

	m2m_buf_init(&b);
	assert_int_equal(control("GET", dev, "", &b), 200);
	snprintf(key, sizeof key, "\"tar\":\"%s\",\"state\":\"", tar);
	p = strstr((const char *)b.data, key);
	snprintf(state, cap, "%.*s", p != NULL ? (int)strcspn(p + strlen(key), "\"") : 4,
		 p != NULL ? p + strlen(key) : "gone");
	*pending = strstr((const char *)b.data, "\"notifications\":[]") == NULL;
	m2m_buf_free(&b);
}

/* Waits (up to 30 s) until the card's ISD-P tar is in state and nothing is pending. */
static bool wait_card(int dev, const char *tar, const char *want)
{
	char state[32] = "";
	bool pending = true;

	for (int i = 0; i < 600; i++) {
		card_state(dev, tar, state, sizeof state, &pending);
		if (!pending && strcmp(state, want) == 0)
			return true;
		usleep(50000);
	}
	print_error("card %s: %s (pending %d), want %s\n", tar, state, pending, want);
	return false;
}

/* ---- the SM-SR's store ---- */

static m2m_store *store(void)
{
	m2m_store *st = NULL;
	char url[256], err[128];

	snprintf(url, sizeof url, "sqlite:%s/smsr.sqlite", F->dir);
	assert_int_equal(m2m_store_open(url, MASTER, &st, err, sizeof err), M2M_OK);
	return st;
}

/* The EIS state of a profile (-1: not in the EIS). */
static int eis_state(int dev, const char *aid)
{
	m2m_store *st = store();
	m2m_store_profile p;
	int s = -1;

	memset(&p, 0, sizeof p);
	if (m2m_store_profile_get(st, F->eid[dev], aid, &p) == M2M_OK)
		s = (int)p.state;
	m2m_store_profile_clear(&p);
	m2m_store_close(st);
	return s;
}

static bool wait_eis(int dev, const char *aid, int want)
{
	for (int i = 0; i < 600; i++) {
		if (eis_state(dev, aid) == want)
			return true;
		usleep(50000);
	}
	print_error("EIS %s: %d, want %d\n", aid, eis_state(dev, aid), want);
	return false;
}

/* The notifications of the eUICC in the store: count, and how many are confirmed. */
static void notifs(int dev, size_t *n, size_t *confirmed, uint8_t *last_type)
{
	m2m_store *st = store();

	*n = *confirmed = 0;
	for (uint16_t seq = 0; seq < 64; seq++) {
		m2m_store_notif nt;
		memset(&nt, 0, sizeof nt);
		if (m2m_store_notif_get(st, F->eid[dev], seq, &nt) == M2M_OK) {
			(*n)++;
			*confirmed += nt.state == M2M_STORE_NOTIF_CONFIRMED;
			*last_type = nt.type;
		}
		m2m_store_notif_clear(&nt);
	}
	m2m_store_close(st);
}

/* Waits (up to 30 s) until the store holds want notifications of the eUICC, all confirmed
 * (the card drops one at the 3A08; the SM-SR marks it when the PoR is back: a little later),
 * the last of type. */
static bool wait_notifs(int dev, size_t want, uint8_t type)
{
	size_t n = 0, confirmed = 0;
	uint8_t last = 0;

	for (int i = 0; i < 600; i++) {
		notifs(dev, &n, &confirmed, &last);
		if (n == want && confirmed == want && last == type)
			return true;
		usleep(50000);
	}
	print_error("notifications %zu, confirmed %zu, last %02X\n", n, confirmed, last);
	return false;
}

/* ---- tests ---- */

static void test_enable_notification(void **state)
{
	m2m_ws_exec_status st;
	received r;
	char mid[128];
	size_t n = 0, confirmed = 0, from = nmsg();
	uint8_t type = 0;

	(void)state;
	assert_int_equal(eis_state(0, AID_2), M2M_STORE_PROFILE_DISABLED);
	call(M2M_WS_ES4_ENABLE_PROFILE, request(M2M_WS_ES4_ENABLE_PROFILE, "en-2", 0, F->iccid2[0]),
	     mid, sizeof mid, &st);
	expect_success(&st);
	/* The card switched, its notification 02 was confirmed (nothing pending). */
	assert_true(wait_card(0, "000011", "enabled"));
	assert_true(wait_card(0, "000010", "disabled"));
	assert_true(wait_eis(0, AID_2, M2M_STORE_PROFILE_ENABLED));
	assert_int_equal(eis_state(0, AID_BOOT), M2M_STORE_PROFILE_DISABLED);
	assert_true(wait_notifs(0, 1, 0x02));
	/* The MNO heard of it, from the SM-SR (mutual TLS: the caller is smsr1). */
	assert_true(wait_msg(M2M_WS_ES4_HANDLE_PROFILE_ENABLED_NOTIFICATION, NULL, F->iccid2[0],
			     from, &r));
	assert_false(r.answer);
	assert_string_equal(r.eid, F->eid[0]);
	assert_string_equal(r.caller, "smsr1");
	/* And of the bootstrap switched off, though the engine had applied the PoR first. */
	assert_true(wait_msg(M2M_WS_ES4_HANDLE_PROFILE_DISABLED_NOTIFICATION, NULL, F->iccid[0],
			     from, &r));
	assert_string_equal(r.eid, F->eid[0]);
	/* The other eUICC was not touched. */
	assert_int_equal(eis_state(1, AID_BOOT), M2M_STORE_PROFILE_ENABLED);
	notifs(1, &n, &confirmed, &type);
	assert_int_equal(n, 0);
}

static void test_fallback(void **state)
{
	m2m_ws_exec_status st;
	m2m_ws_msg *m;
	m2m_ws_node *pol2 = NULL, *rule = NULL;
	received r;
	char mid[128];
	size_t from;

	(void)state;
	/* POL2 of the second profile: deleted when something else takes over. */
	m = request(M2M_WS_ES4_UPDATE_POLICY_RULES, "pol-2", 0, F->iccid2[0]);
	assert_int_equal(m2m_ws_add(m, NULL, "pol2", NULL, &pol2), M2M_OK);
	assert_int_equal(m2m_ws_add(m, pol2, "Rule", NULL, &rule), M2M_OK);
	m2m_ws_add(m, rule, "Subject", "PROFILE", NULL);
	m2m_ws_add(m, rule, "Action", "DISABLE", NULL);
	m2m_ws_add(m, rule, "Qualification", "Auto-Delete", NULL);
	call(M2M_WS_ES4_UPDATE_POLICY_RULES, m, mid, sizeof mid, &st);
	expect_success(&st);
	/* No fall-back from the fall-back profile itself (eUICC 1 is on its bootstrap). */
	assert_int_equal(control("POST", 1, "/network-loss", NULL), 409);
	from = nmsg();
	assert_int_equal(control("POST", 0, "/network-loss", NULL), 200);
	/* Notification 05: the bootstrap is enabled again, in the EIS too. */
	assert_true(wait_eis(0, AID_BOOT, M2M_STORE_PROFILE_ENABLED));
	assert_true(wait_msg(M2M_WS_ES4_HANDLE_PROFILE_ENABLED_NOTIFICATION, NULL, F->iccid[0],
			     from, &r));
	assert_true(wait_msg(M2M_WS_ES4_HANDLE_PROFILE_DISABLED_NOTIFICATION, NULL,
			     F->iccid2[0], from, &r));
	assert_string_equal(r.eid, F->eid[0]);
	/* POL2 auto-delete: the SM-SR deleted ISD-P 000011 on the card and in the EIS. */
	assert_true(wait_card(0, "000011", "gone"));
	assert_true(wait_card(0, "000010", "enabled"));
	assert_true(wait_eis(0, AID_2, -1));
	assert_true(wait_notifs(0, 2, 0x05));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enable_notification),
		cmocka_unit_test(test_fallback),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
