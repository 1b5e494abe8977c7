/*
 * Shared harness of the SM-SR end to end tests: a temporary directory with `m2mrsp pki init`,
 * `m2mrsp devices init/run` (the farm) and `m2mrsp smsr` as real processes, a callback
 * endpoint (plain HTTP on 127.0.0.1) that records the deferred answers, and ws clients with
 * the pki's TLS certificates. One test program includes it once; the program defines NDEV
 * (the number of eUICCs) first and writes its own smsr.ini (e2e_config_begin helps).
 */
#ifndef M2M_TESTS_E2E_HARNESS_H
#define M2M_TESTS_E2E_HARNESS_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
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

#ifndef NDEV
#error "define NDEV (the number of eUICCs) before including e2e_harness.h"
#endif

#define BOOTSTRAP "/work/shared/vectors/saip/TS48v2_SAIP2.3_NoBERTLV.der"
#define MASTER "000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f"
#ifndef CB_MAX
#define CB_MAX 64 /* deferred answers and notifications kept */
#endif
#define MNO1 "1.3.6.1.4.1.99999.1"
#define UNKNOWN_EID "89999000000000000000000000000999"

typedef struct {
	char relates_to[128];
	m2m_ws_exec_status st;
	bool has_eis;
	char aid[40]; /* Isd-p-aid of the answer, if any */
	char fn[64];  /* the message's element name (a notification has no RelatesTo) */
	char iccid[24]; /* Iccid of the message, if any */
} callback;

typedef struct {
	char dir[128];
	pid_t farm, smsr;
	char smpp[64], control[64], es[64], scp81[64];
	char eid[NDEV][40];
	char iccid[NDEV][24];
	char iccid2[NDEV][24]; /* the second profile, with --second-profile */
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

static inline void path(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", F->dir, name);
}

static inline int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static inline int sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* Starts argv with stdout to out_file (stderr to err_file); returns the pid. */
static inline pid_t spawn(char *const argv[], const char *out_file, const char *err_file)
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
static inline bool wait_line(const char *file, const char *key, char *out, size_t cap)
{
	for (int i = 0; i < 400; i++) {
		FILE *f = fopen(file, "r");
		char line[256];
		while (f != NULL && fgets(line, sizeof line, f) != NULL) {
			size_t k = strlen(key);
			if (strncmp(line, key, k) == 0 && line[k] == ' ') {
				bool ok;
				line[strcspn(line, "\r\n")] = '\0';
				/* an address never fills out; the result is read to say so */
				ok = snprintf(out, cap, "%s", line + k + 1) >= 0;
				fclose(f);
				return ok;
			}
		}
		if (f != NULL)
			fclose(f);
		usleep(50000);
	}
	return false;
}

/* Lines of the SM-SR's log (DIR/smsr.err, info) naming eid with what after it: e.g. the
 * SCP81 sessions it opened for the eUICC, ": trigger 1 sent". */
static inline size_t smsr_log_count(const char *eid, const char *what)
{
	char file[256], line[4096];
	size_t n = 0;
	FILE *f;

	path(file, sizeof file, "smsr.err");
	f = fopen(file, "r");
	assert_non_null(f);
	while (fgets(line, sizeof line, f) != NULL) {
		const char *p = strstr(line, eid);
		n += p != NULL && strstr(p, what) != NULL;
	}
	fclose(f);
	return n;
}

/* The SM-SR's log's length now: where smsr_log_sessions starts reading. */
static inline long smsr_log_end(void)
{
	char file[256];
	struct stat sb;

	path(file, sizeof file, "smsr.err");
	assert_int_equal(stat(file, &sb), 0);
	return (long)sb.st_size;
}

/* SCP81 sessions of eid in the SM-SR's log from offset from on that carried at least min
 * scripts ("EID: session done after K script(s)", K >= min). */
static inline size_t smsr_log_sessions(const char *eid, unsigned min, long from)
{
	static const char done[] = ": session done after ";
	char file[256], line[4096];
	size_t n = 0;
	FILE *f;

	path(file, sizeof file, "smsr.err");
	f = fopen(file, "r");
	assert_non_null(f);
	assert_int_equal(fseek(f, from, SEEK_SET), 0);
	while (fgets(line, sizeof line, f) != NULL) {
		const char *p = strstr(line, eid);
		p = p != NULL ? strstr(p, done) : NULL;
		n += p != NULL && strtoul(p + sizeof done - 1, NULL, 10) >= min;
	}
	fclose(f);
	return n;
}

static inline void stop(pid_t *pid, int sig)
{
	int status;

	if (*pid <= 0)
		return;
	kill(*pid, sig);
	waitpid(*pid, &status, 0);
	*pid = 0;
}

/* Starts `m2mrsp smsr` with smsr.ini and waits for its "es" line. */
static inline void start_smsr(void)
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

/* A port that was free a moment ago (for addresses one process must know before the other
 * starts). */
static inline unsigned free_port(void)
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

/* ---- the callback endpoint ---- */

static inline m2m_err cb_identify(void *arg, const m2m_tls_peer *peer, m2m_ws_caller *caller)
{
	(void)arg;
	(void)peer;
	caller->role = M2M_WS_ROLE_SMSR;
	snprintf(caller->id, sizeof caller->id, "smsr1");
	return M2M_OK;
}

static inline m2m_ws_reply cb_handler(void *arg, const m2m_ws_call *call, m2m_ws_msg *response)
{
	(void)arg;
	(void)response;
	/* Answers to our calls, and notifications (the SM-SR forwarding the card's). */
	if (call->dir != M2M_WS_DIR_OUT && call->fn->kind != M2M_WS_KIND_NOTIFICATION)
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
		const char *iccid = NULL;
		if (m2m_ws_get_text(m2m_ws_msg_body(call->msg), "Iccid", &iccid) == M2M_OK)
			snprintf(c->iccid, sizeof c->iccid, "%s", iccid);
		snprintf(c->fn, sizeof c->fn, "%s", call->fn->name);
	}
	pthread_mutex_unlock(&F->lock);
	return M2M_WS_REPLY_NOW;
}

static inline void wake(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

/* A periodic wake-up: event_base_loopbreak from the main thread is seen within 100 ms
 * (no evthread locking in these programs). */
static inline void *loop(void *arg)
{
	struct timeval tv = {0, 100000};
	struct event *t = event_new(arg, -1, EV_PERSIST, wake, NULL);

	event_add(t, &tv);
	event_base_loop(arg, EVLOOP_NO_EXIT_ON_EMPTY);
	event_free(t);
	return NULL;
}

/* The first notification fn_name about iccid received (waits up to 30 s). */
static inline bool wait_notification(const char *fn_name, const char *iccid, callback *out)
{
	for (int i = 0; i < 600; i++) {
		pthread_mutex_lock(&F->lock);
		for (size_t k = 0; k < F->ncb; k++)
			if (strcmp(F->cb[k].fn, fn_name) == 0 &&
			    strcmp(F->cb[k].iccid, iccid) == 0) {
				*out = F->cb[k];
				pthread_mutex_unlock(&F->lock);
				return true;
			}
		pthread_mutex_unlock(&F->lock);
		usleep(50000);
	}
	return false;
}

/* The callback that relates to message id mid (waits up to 30 s). */
static inline bool wait_callback(const char *mid, callback *out)
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

/* The endpoint at http://127.0.0.1:PORT/soap/<iface> for an operator of role, served by a
 * thread of its own. */
static inline void start_callback_server(m2m_ws_role role, const char *iface)
{
	m2m_ws_server_opts wo = {.role = role,
				 .schema = F->schema,
				 .identify = cb_identify,
				 .handler = cb_handler,
				 .allow_without_cert = true};
	assert_int_equal(m2m_ws_server_new(&wo, &F->ws), M2M_OK);
	m2m_http_server_opts ho = {.handler = m2m_ws_server_http_handler, .arg = F->ws};
	assert_int_equal(m2m_http_server_new(F->base, &ho, &F->http), M2M_OK);
	snprintf(F->cb_url, sizeof F->cb_url, "http://127.0.0.1:%u/soap/%s",
		 (unsigned)m2m_http_server_port(F->http), iface);
	assert_int_equal(pthread_create(&F->thread, NULL, loop, F->base), 0);
}

/* ---- set-up ---- */

/* The n-th value of "key":"..." in line (n from 0). */
static inline void json_nth(const char *line, const char *key, int n, char *out, size_t cap)
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

/* EIDs and ICCIDs from devices.json (`devices list --json`, one device a line); second: the
 * devices have a second profile. */
static inline void read_devices(bool second)
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
		if (second)
			json_nth(line, "\"iccid\":\"", 1, F->iccid2[i], sizeof F->iccid2[i]);
		i++;
	}
	fclose(f);
	assert_int_equal(i, NDEV);
}

/* The fixture in a new directory from tmpl (mkdtemp) with the callback endpoint up. */
static inline void fixture_new(const char *tmpl, m2m_ws_role role, const char *iface)
{
	F = calloc(1, sizeof *F);
	assert_non_null(F);
	pthread_mutex_init(&F->lock, NULL);
	m2m_log_setup(M2M_LOG_ERROR, M2M_LOG_PLAIN, stderr);
	snprintf(F->dir, sizeof F->dir, "%s", tmpl);
	assert_non_null(mkdtemp(F->dir));
	assert_int_equal(m2m_ws_init(), M2M_OK);
	assert_int_equal(m2m_ws_schema_load(M2MRSP_SOURCE_DIR "/data/wsdl", &F->schema), M2M_OK);
	F->base = event_base_new();
	assert_non_null(F->base);
	start_callback_server(role, iface);
}

/* pki init, NDEV eUICCs with the TS.48 bootstrap (and the same again as a second, disabled
 * profile if second), `devices init` options extra, devices.json. */
static inline void make_devices_with(bool second, const char *extra)
{
	assert_int_equal(sh("'%s' pki init '%s/pki' >/dev/null", M2MRSP_BINARY, F->dir), 0);
	assert_int_equal(sh("'%s' devices init --db '%s/farm.sqlite' --count %d --bootstrap '%s' "
			    "%s%s%s%s--seed 000102030405060708090a0b0c0d0e0f >/dev/null 2>&1",
			    M2MRSP_BINARY, F->dir, NDEV, BOOTSTRAP,
			    second ? "--second-profile '" : "", second ? BOOTSTRAP : "",
			    second ? "' " : "", extra),
			 0);
	assert_int_equal(sh("'%s' devices list --db '%s/farm.sqlite' --json > '%s/devices.json'",
			    M2MRSP_BINARY, F->dir, F->dir),
			 0);
	read_devices(second);
}

static inline void make_devices(bool second)
{
	make_devices_with(second, "");
}

/* As make_devices, with cards that trust the pki's CI and ECASD certificates signed by its
 * EUM (without, the farm makes a throw-away CI and EUM that no SM-DP or SM-SR2 would trust). */
static inline void make_devices_for_pki(bool second)
{
	char extra[600];

	snprintf(extra, sizeof extra, "--eum-key '%s/pki/eum1.key' --ci-key '%s/pki/ci.key' ",
		 F->dir, F->dir);
	make_devices_with(second, extra);
}

/* `devices run` with the SMSC and control API on ephemeral ports, the options in extra
 * (NULL-terminated, may be NULL) added; waits for its "smpp" and "control" lines. */
static inline void start_farm(char *const extra[])
{
	char out[256], err[256], db[256];
	char *argv[32] = {M2MRSP_BINARY, "devices", "run", "--db", db, "--smpp", "127.0.0.1:0",
			  "--control", "127.0.0.1:0", "--system-id", "smsr", "--password", "secret"};
	size_t n = 13;

	path(db, sizeof db, "farm.sqlite");
	path(out, sizeof out, "farm.out");
	path(err, sizeof err, "farm.err");
	for (size_t i = 0; extra != NULL && extra[i] != NULL; i++) {
		assert_true(n < sizeof argv / sizeof argv[0] - 3);
		argv[n++] = extra[i];
	}
	argv[n++] = "--notif-first-ms";
	argv[n++] = "300";
	argv[n] = NULL;
	F->farm = spawn(argv, out, err);
	assert_true(F->farm > 0);
	assert_true(wait_line(out, "smpp", F->smpp, sizeof F->smpp));
	assert_true(wait_line(out, "control", F->control, sizeof F->control));
}

/* Opens smsr.ini and writes the sections every test shares, up to the SMPP password; the
 * caller writes the rest and closes. */
static inline FILE *config_begin(void)
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
		"[smpp]\nhost = 127.0.0.1\nport = %s\nsystem_id = smsr\npassword = secret\n",
		F->dir, MASTER, F->dir, F->dir, F->dir, port + 1);
	return f;
}

/* DIR/name.ini of process k (worker node-k) of one SM-SR identity that several processes run
 * on the database db: the TLS identity smsr1, SMSC port smpp_port, then tail (por_timeout,
 * [engine], [callers], ...). */
static inline void write_node_ini(const char *name, int k, const char *db, const char *smpp_port,
				  const char *tail)
{
	char file[256];
	FILE *f;

	snprintf(file, sizeof file, "%s/%s.ini", F->dir, name);
	f = fopen(file, "w");
	assert_non_null(f);
	fprintf(f,
		"[smsr]\nid = smsr1\nworker = node-%d\ndb = %s\nmaster_key = %s\n"
		"log_level = info\n"
		"[es]\nlisten = 127.0.0.1:0\ncert = %s/pki/smsr1-tls.crt\n"
		"key = %s/pki/smsr1-tls.key\nca = %s/pki/tls-ca.crt\n"
		"[smpp]\nhost = 127.0.0.1\nport = %s\nsystem_id = smsr\npassword = secret\n%s",
		k, db, MASTER, F->dir, F->dir, F->dir, smpp_port, tail);
	fclose(f);
}

/* `smsr import` of devices.json for MNO1, then the SM-SR. */
static inline void import_and_start_smsr(void)
{
	assert_int_equal(sh("'%s' smsr import --config '%s/smsr.ini' --devices '%s/devices.json' "
			    "--mno-id " MNO1 " --eum-key '%s/pki/eum1.key' >/dev/null",
			    M2MRSP_BINARY, F->dir, F->dir, F->dir),
			 0);
	start_smsr();
}

static inline int teardown(void **state)
{
	(void)state;
	stop(&F->smsr, SIGTERM);
	stop(&F->farm, SIGTERM);
	event_base_loopbreak(F->base);
	pthread_join(F->thread, NULL);
	m2m_http_server_free(F->http);
	m2m_ws_server_free(F->ws);
	m2m_http_base_free(F->base);
	m2m_ws_schema_free(F->schema);
	if (getenv("M2MRSP_KEEP") == NULL)
		sh("rm -rf '%s'", F->dir);
	pthread_mutex_destroy(&F->lock);
	free(F);
	return 0;
}

/* ---- the operator ---- */

/* A ws client with the TLS certificate of who (pki/<who>-tls.crt) and a time-out of ms. */
static inline m2m_ws_client *client_timeout(const char *who, long ms)
{
	char ca[256], cert[256], key[256];
	m2m_ws_client *c = NULL;

	snprintf(ca, sizeof ca, "%s/pki/tls-ca.crt", F->dir);
	snprintf(cert, sizeof cert, "%s/pki/%s-tls.crt", F->dir, who);
	snprintf(key, sizeof key, "%s/pki/%s-tls.key", F->dir, who);
	m2m_ws_client_opts o = {
		.http = {.ca_file = ca, .cert_file = cert, .key_file = key, .timeout_ms = ms},
		.schema = F->schema,
		.binding = M2M_WS_SOAP,
		.from = F->cb_url,
	};
	assert_int_equal(m2m_ws_client_new(&o, &c), M2M_OK);
	return c;
}

static inline m2m_ws_client *client(const char *who)
{
	return client_timeout(who, 20000);
}

/* The SM-SR's store, opened with MASTER. */
static inline m2m_store *store_open(void)
{
	m2m_store *st = NULL;
	char url[300], err[256];

	snprintf(url, sizeof url, "sqlite:%s/smsr.sqlite", F->dir);
	assert_int_equal(m2m_store_open(url, MASTER, &st, err, sizeof err), M2M_OK);
	return st;
}

/* What jobs_for_call saw besides the count. */
typedef struct {
	size_t open; /* the call's jobs still to end (queued or sent) */
	size_t all; /* all the eUICC's jobs, the call's or not */
	m2m_store_job_state state; /* the last of the call's jobs: its state */
	char owner[M2M_STORE_ID_SIZE]; /* and its lease owner */
} jobs_seen;

/* How many jobs of eUICC eid in st (NULL: the SM-SR's store, store_open) were made for the
 * call call_id; what else it saw in *seen (optional). */
static inline size_t jobs_for_call(m2m_store *st, const char *eid, const char *call_id,
				   jobs_seen *seen)
{
	m2m_store *own = st == NULL ? store_open() : NULL;
	m2m_store_job *jobs = NULL;
	jobs_seen sn;
	size_t n = 0, mine = 0;

	memset(&sn, 0, sizeof sn);
	assert_int_equal(m2m_store_job_list(own != NULL ? own : st, eid, &jobs, &n), M2M_OK);
	for (size_t k = 0; k < n; k++)
		if (strcmp(jobs[k].call_id, call_id) == 0) {
			mine++;
			sn.open += jobs[k].state == M2M_STORE_JOB_QUEUED ||
				   jobs[k].state == M2M_STORE_JOB_SENT;
			sn.state = jobs[k].state;
			snprintf(sn.owner, sizeof sn.owner, "%s", jobs[k].lease_owner);
		}
	sn.all = n;
	m2m_store_job_list_free(jobs, n);
	if (own != NULL)
		m2m_store_close(own);
	if (seen != NULL)
		*seen = sn;
	return mine;
}

/* The eUICC has exactly one job for the call call_id, and it was answered. */
static inline void assert_one_answered_job(m2m_store *st, const char *eid, const char *call_id)
{
	jobs_seen seen;

	assert_int_equal(jobs_for_call(st, eid, call_id, &seen), 1);
	assert_int_equal(seen.state, M2M_STORE_JOB_ANSWERED);
}

/* GET on the farm's control API (what: the path), body NUL-terminated. */
static inline void farm_get(const char *what, m2m_buf *body)
{
	m2m_http_client *h = NULL;
	m2m_http_client_opts ho = {.timeout_ms = 5000};
	m2m_http_client_response r;
	char url[256];

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
static inline long farm_stat(const char *name)
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

typedef struct {
	bool accepted;
	char mid[128];
	m2m_ws_exec_status st; /* of the synchronous answer, or of the callback */
	bool has_eis;
} outcome;

/* A request of fn with Eid (dev < 0: an unknown EID) and the given children (name, text...;
 * NULL ends). */
static inline m2m_ws_msg *request(m2m_ws_fn fn, const char *fcid, int dev, ...)
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

/* One call of fn by who, to /soap/es<N> of its interface: the message prepared (taken over),
 * or Eid of dev (dev < 0: an unknown EID) and, if iccid, its ICCID; with_reply: ask for the
 * answer at our endpoint and wait for it. */
static inline void call(const char *who, m2m_ws_fn fn, const char *fcid, int dev, bool iccid,
			bool with_reply, m2m_ws_msg *prepared, outcome *o)
{
	m2m_ws_client *c = client(who);
	m2m_ws_msg *m = prepared;
	m2m_ws_result res;
	char url[128];

	memset(o, 0, sizeof *o);
	memset(&res, 0, sizeof res);
	if (m == NULL) {
		m = request(fn, fcid, dev, NULL);
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

static inline void expect(const outcome *o, m2m_ws_status st, const char *subject,
			  const char *reason)
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

/* ---- set-ups with more than one SM-SR, or an HTTPS endpoint ---- */

/* Starts `m2mrsp smsr --config DIR/<name>.ini` (output in <name>.out and <name>.err) and waits
 * for its "es" line: for a second SM-SR next to the one of start_smsr. */
static inline pid_t start_smsr_named(const char *name, char *es, size_t cap)
{
	char cfg[256], out[256], err[256];

	snprintf(cfg, sizeof cfg, "%s/%s.ini", F->dir, name);
	snprintf(out, sizeof out, "%s/%s.out", F->dir, name);
	snprintf(err, sizeof err, "%s/%s.err", F->dir, name);
	char *argv[] = {M2MRSP_BINARY, "smsr", "--config", cfg, NULL};
	unlink(out);
	pid_t pid = spawn(argv, out, err);
	assert_true(pid > 0);
	assert_true(wait_line(out, "es", es, cap));
	return pid;
}

/* Replaces fixture_new's plain endpoint by HTTPS with mutual TLS (needs the pki): the server
 * certificate of who (pki/<who>-tls.crt), callers proved by the pki's CA, so call->caller is
 * the SM-SR's certificate identity; handler sees every call (it may pass them on to
 * cb_handler for wait_callback and call). */
static inline void callback_server_tls(m2m_ws_role role, const char *iface, const char *who,
				       m2m_ws_handler handler)
{
	char cert[256], key[256], ca[256];
	SSL_CTX *tls = NULL;

	event_base_loopbreak(F->base);
	pthread_join(F->thread, NULL);
	m2m_http_server_free(F->http);
	m2m_ws_server_free(F->ws);
	snprintf(cert, sizeof cert, "%s/pki/%s-tls.crt", F->dir, who);
	snprintf(key, sizeof key, "%s/pki/%s-tls.key", F->dir, who);
	snprintf(ca, sizeof ca, "%s/pki/tls-ca.crt", F->dir);
	m2m_tls_cert_opts to = {.cert_file = cert, .key_file = key, .ca_file = ca};
	assert_int_equal(m2m_tls_cert_server_ctx(&to, &tls), M2M_OK);
	m2m_ws_server_opts wo = {.role = role, .schema = F->schema, .handler = handler};
	assert_int_equal(m2m_ws_server_new(&wo, &F->ws), M2M_OK);
	m2m_http_server_opts ho = {.handler = m2m_ws_server_http_handler, .arg = F->ws,
				   .tls = tls};
	assert_int_equal(m2m_http_server_new(F->base, &ho, &F->http), M2M_OK);
	SSL_CTX_free(tls);
	snprintf(F->cb_url, sizeof F->cb_url, "https://127.0.0.1:%u/soap/%s",
		 (unsigned)m2m_http_server_port(F->http), iface);
	assert_int_equal(pthread_create(&F->thread, NULL, loop, F->base), 0);
}

/* ---- additions (test_smsr_senddata) ---- */

#include "ws/ns.h"

/* One call of fn by who to /soap/es<N> with ReplyTo = reply_to as given (M2M_WS_WSA_NONE:
 * the caller leaves no way to answer), the message prepared (taken over); the status of the
 * synchronous answer or of the fault into o (o->accepted when it was accepted). */
static inline void call_reply_to(const char *who, m2m_ws_fn fn, const char *reply_to,
				 m2m_ws_msg *m, outcome *o)
{
	m2m_ws_client *c = client(who);
	m2m_ws_result res;
	char url[128];

	memset(o, 0, sizeof *o);
	memset(&res, 0, sizeof res);
	snprintf(url, sizeof url, "https://%s/soap/es%d", F->es,
		 m2m_ws_iface_number(m2m_ws_function_get(fn)->iface));
	assert_int_equal(m2m_ws_client_call(c, url, m, reply_to, &res), M2M_OK);
	o->accepted = res.accepted;
	if (res.fault)
		o->st = res.error.status;
	else if (res.response != NULL)
		assert_int_equal(m2m_ws_msg_status(res.response, &o->st), M2M_OK);
	m2m_ws_result_free(&res);
	m2m_ws_msg_free(m);
	m2m_ws_client_free(c);
}

/* POST body (e.g. {"state":"on"}) to the eUICC dev's power switch in the farm's control
 * API. */
static inline void farm_power(int dev, const char *body)
{
	m2m_http_client *h = NULL;
	m2m_http_client_opts ho = {.timeout_ms = 5000};
	m2m_http_client_response r;
	char url[160];

	snprintf(url, sizeof url, "http://%s/devices/%s/power", F->control, F->eid[dev]);
	m2m_http_client_request rq = {.method = "POST", .url = url, .body = (const uint8_t *)body,
				      .body_len = strlen(body)};
	memset(&r, 0, sizeof r);
	assert_int_equal(m2m_http_client_new(&ho, &h), M2M_OK);
	assert_int_equal(m2m_http_client_send(h, &rq, &r), M2M_OK);
	assert_int_equal(r.status, 200);
	m2m_http_client_response_free(&r);
	m2m_http_client_free(h);
}

/* Switches the eUICC dev off for seconds (it keeps what it is sent meanwhile). */
static inline void farm_switch_off(int dev, int seconds)
{
	char body[64];

	snprintf(body, sizeof body, "{\"state\":\"off\",\"seconds\":%d}", seconds);
	farm_power(dev, body);
}

/* An answer: accepted (202, the answer goes to ReplyTo), or the synchronous status (a
 * fault's too) and Isd-p-aid. */
typedef struct {
	bool accepted;
	char mid[128];
	m2m_ws_exec_status st;
	char aid[40];
} answer;

/* One call by who to the endpoint es (m taken over; the interface's path); reply_to NULL:
 * held, waiting up to timeout_ms. */
static inline void send_as(const char *es, const char *who, long timeout_ms, m2m_ws_msg *m,
			   const char *reply_to, answer *a)
{
	m2m_ws_client *c = client_timeout(who, timeout_ms);
	m2m_ws_result res;
	const char *t = NULL;
	char url[128];

	memset(a, 0, sizeof *a);
	memset(&res, 0, sizeof res);
	snprintf(url, sizeof url, "https://%s/soap/es%d", es,
		 m2m_ws_iface_number(m2m_ws_msg_function(m)->iface));
	assert_int_equal(m2m_ws_client_call(c, url, m, reply_to, &res), M2M_OK);
	snprintf(a->mid, sizeof a->mid, "%s", m2m_ws_msg_wsa(m)->message_id);
	a->accepted = res.accepted;
	if (res.fault) {
		a->st = res.error.status;
	} else if (!res.accepted) {
		assert_non_null(res.response);
		assert_int_equal(m2m_ws_msg_status(res.response, &a->st), M2M_OK);
		if (m2m_ws_get_text(m2m_ws_msg_body(res.response), "Isd-p-aid", &t) == M2M_OK)
			snprintf(a->aid, sizeof a->aid, "%s", t);
	}
	m2m_ws_result_free(&res);
	m2m_ws_msg_free(m);
	m2m_ws_client_free(c);
}

/* The answer of an accepted call, from our ReplyTo endpoint. */
static inline void await_answer(answer *a)
{
	callback cb;

	assert_true(a->accepted);
	assert_true(wait_callback(a->mid, &cb));
	a->st = cb.st;
	snprintf(a->aid, sizeof a->aid, "%s", cb.aid);
}

static inline void same_answer(const answer *a, const answer *b)
{
	assert_int_equal(a->st.status, b->st.status);
	assert_string_equal(a->st.subject, b->st.subject);
	assert_string_equal(a->st.reason, b->st.reason);
	assert_string_equal(a->aid, b->aid);
}

#endif
