/*
 * End to end, two SM-SRs on one PostgreSQL (issue 6 "Scale and faults"): `m2mrsp devices run`
 * (eUICCs with the TS.48 bootstrap and a second profile) and two `m2mrsp smsr` processes with
 * the same identity, the same database (a fresh schema in the cluster of M2MRSP_PG_URL) and
 * their own worker names, both bound to the farm's SMSC on its one account. A batch of ES4
 * calls (AuditEIS and EnableProfile, spread over both processes' endpoints) must each be
 * executed exactly once: one job per call, answered after one send, one answer per call, and
 * every eUICC ends on the profile the last call enabled, in the EIS as on the card.
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <libpq-fe.h>
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

#include "core/log.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "store/store.h"
#include "ws/client.h"
#include "ws/msg.h"
#include "ws/schema.h"
#include "ws/server.h"

#define NDEV 10
#define PER_DEV 5 /* audit, enable 2nd, audit, enable bootstrap, enable 2nd */
#define NCALL (NDEV * PER_DEV)
#define BOOTSTRAP "/work/shared/vectors/saip/TS48v2_SAIP2.3_NoBERTLV.der"
#define MASTER "000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f"
#define MNO1 "1.3.6.1.4.1.99999.1"
#define AID_2 "A0000005591010FFFFFFFF8900001100"

typedef struct {
	char relates_to[128];
	m2m_ws_exec_status st;
} callback;

typedef struct {
	char dir[128];
	char schema_name[48];
	char db_url[768];
	pid_t farm, smsr[2];
	char smpp[64], control[64], es[2][64];
	char eid[NDEV][40], iccid[NDEV][24], iccid2[NDEV][24];
	m2m_ws_schema *schema;
	struct event_base *base;
	m2m_http_server *http;
	m2m_ws_server *ws;
	pthread_t thread;
	char cb_url[96];
	pthread_mutex_t lock;
	callback cb[NCALL * 2];
	size_t ncb;
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

static bool admin_exec(const char *sql)
{
	PGconn *c = PQconnectdb(getenv("M2MRSP_PG_URL"));
	bool ok = false;

	if (PQstatus(c) == CONNECTION_OK) {
		PGresult *r = PQexec(c, sql);
		ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		if (!ok)
			print_error("%s: %s", sql, PQerrorMessage(c));
		PQclear(r);
	} else {
		print_error("connect: %s", PQerrorMessage(c));
	}
	PQfinish(c);
	return ok;
}

/* ---- the operator's callback endpoint (plain HTTP) ---- */

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
	if (F->ncb < NCALL * 2) {
		callback *c = &F->cb[F->ncb++];
		snprintf(c->relates_to, sizeof c->relates_to, "%s",
			 call->wsa->relates_to ? call->wsa->relates_to : "");
		m2m_ws_msg_status(call->msg, &c->st);
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

/* ---- set-up ---- */

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
		i++;
	}
	fclose(f);
	assert_int_equal(i, NDEV);
}

static void write_config(int k)
{
	char file[256];
	FILE *f;
	const char *port = strrchr(F->smpp, ':');

	assert_non_null(port);
	snprintf(file, sizeof file, "%s/smsr%d.ini", F->dir, k);
	f = fopen(file, "w");
	assert_non_null(f);
	fprintf(f,
		"[smsr]\nid = smsr1\nworker = node-%d\ndb = %s\nmaster_key = %s\n"
		"log_level = info\n"
		"[es]\nlisten = 127.0.0.1:0\ncert = %s/pki/smsr1-tls.crt\n"
		"key = %s/pki/smsr1-tls.key\nca = %s/pki/tls-ca.crt\n"
		"[smpp]\nhost = 127.0.0.1\nport = %s\nsystem_id = smsr\npassword = secret\n"
		"por_timeout = 5000\n"
		"[engine]\nconcurrency = 8\nretries = 3\nbackoff = 300\nlease = 30000\npoll = 50\n"
		"[callers]\nmno1 = " MNO1 "\n",
		k, F->db_url, MASTER, F->dir, F->dir, F->dir, port + 1);
	fclose(f);
}

static void start_smsr(int k)
{
	char cfg[256], out[256], err[256];

	snprintf(cfg, sizeof cfg, "%s/smsr%d.ini", F->dir, k);
	snprintf(out, sizeof out, "%s/smsr%d.out", F->dir, k);
	snprintf(err, sizeof err, "%s/smsr%d.err", F->dir, k);
	char *argv[] = {M2MRSP_BINARY, "smsr", "--config", cfg, NULL};
	F->smsr[k] = spawn(argv, out, err);
	assert_true(F->smsr[k] > 0);
	assert_true(wait_line(out, "es", F->es[k], sizeof F->es[k]));
}

static int setup(void **state)
{
	const char *pg = getenv("M2MRSP_PG_URL");
	char out[256], err[256], db[256], sql[128];

	(void)state;
	if (pg == NULL) {
		print_error("M2MRSP_PG_URL is not set: run this test through ctest\n");
		return -1;
	}
	F = calloc(1, sizeof *F);
	assert_non_null(F);
	pthread_mutex_init(&F->lock, NULL);
	m2m_log_setup(M2M_LOG_ERROR, M2M_LOG_PLAIN, stderr);
	snprintf(F->dir, sizeof F->dir, "/tmp/m2m_pg_XXXXXX");
	assert_non_null(mkdtemp(F->dir));
	snprintf(F->schema_name, sizeof F->schema_name, "m2m_e2e_%ld", (long)getpid());
	snprintf(sql, sizeof sql, "CREATE SCHEMA %s", F->schema_name);
	assert_true(admin_exec(sql));
	snprintf(F->db_url, sizeof F->db_url, "%s&options=-csearch_path%%3D%s", pg,
		 F->schema_name);
	assert_int_equal(m2m_ws_init(), M2M_OK);
	assert_int_equal(m2m_ws_schema_load(M2MRSP_SOURCE_DIR "/data/wsdl", &F->schema), M2M_OK);
	F->base = event_base_new();
	assert_non_null(F->base);
	start_callback_server();
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
	snprintf(db, sizeof db, "%s/farm.sqlite", F->dir);
	snprintf(out, sizeof out, "%s/farm.out", F->dir);
	snprintf(err, sizeof err, "%s/farm.err", F->dir);
	char *argv[] = {M2MRSP_BINARY, "devices", "run", "--db", db, "--smpp", "127.0.0.1:0",
			"--control", "127.0.0.1:0", "--system-id", "smsr", "--password", "secret",
			"--notif-first-ms", "300", NULL};
	F->farm = spawn(argv, out, err);
	assert_true(F->farm > 0);
	assert_true(wait_line(out, "smpp", F->smpp, sizeof F->smpp));
	assert_true(wait_line(out, "control", F->control, sizeof F->control));
	write_config(0);
	write_config(1);
	assert_int_equal(sh("'%s' smsr import --config '%s/smsr0.ini' --devices '%s/devices.json' "
			    "--mno-id " MNO1 " --eum-key '%s/pki/eum1.key' >/dev/null",
			    M2MRSP_BINARY, F->dir, F->dir, F->dir),
			 0);
	start_smsr(0);
	start_smsr(1);
	return 0;
}

static int teardown(void **state)
{
	char sql[128];

	(void)state;
	if (F == NULL)
		return 0;
	stop(&F->smsr[0], SIGTERM);
	stop(&F->smsr[1], SIGTERM);
	stop(&F->farm, SIGTERM);
	event_base_loopbreak(F->base);
	pthread_join(F->thread, NULL);
	m2m_http_server_free(F->http);
	m2m_ws_server_free(F->ws);
	event_base_free(F->base);
	m2m_ws_schema_free(F->schema);
	snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", F->schema_name);
	admin_exec(sql);
	if (getenv("M2MRSP_KEEP") == NULL)
		sh("rm -rf '%s'", F->dir);
	pthread_mutex_destroy(&F->lock);
	free(F);
	return 0;
}

/* ---- the batch ---- */

static m2m_ws_client *client(void)
{
	char ca[256], cert[256], key[256];
	m2m_ws_client *c = NULL;

	snprintf(ca, sizeof ca, "%s/pki/tls-ca.crt", F->dir);
	snprintf(cert, sizeof cert, "%s/pki/mno1-tls.crt", F->dir);
	snprintf(key, sizeof key, "%s/pki/mno1-tls.key", F->dir);
	m2m_ws_client_opts o = {
		.http = {.ca_file = ca, .cert_file = cert, .key_file = key, .timeout_ms = 20000},
		.schema = F->schema,
		.binding = M2M_WS_SOAP,
		.from = F->cb_url,
	};
	assert_int_equal(m2m_ws_client_new(&o, &c), M2M_OK);
	return c;
}

/* Call j of device d: audit, enable 2nd, audit, enable bootstrap, enable 2nd. */
static m2m_ws_msg *batch_call(int d, int j, char *fcid, size_t cap)
{
	static const m2m_ws_fn fns[PER_DEV] = {
		M2M_WS_ES4_AUDIT_EIS, M2M_WS_ES4_ENABLE_PROFILE, M2M_WS_ES4_AUDIT_EIS,
		M2M_WS_ES4_ENABLE_PROFILE, M2M_WS_ES4_ENABLE_PROFILE};
	m2m_ws_msg *m = NULL;

	snprintf(fcid, cap, "pg-%d-%d", d, j);
	assert_int_equal(m2m_ws_request_new(fns[j], fcid, 120, &m), M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "Eid", F->eid[d], NULL), M2M_OK);
	if (fns[j] == M2M_WS_ES4_ENABLE_PROFILE)
		assert_int_equal(m2m_ws_add(m, NULL, "Iccid", j == 3 ? F->iccid[d] : F->iccid2[d],
					    NULL),
				 M2M_OK);
	return m;
}

static size_t callbacks_for(const char *mid, m2m_ws_exec_status *st)
{
	size_t n = 0;

	pthread_mutex_lock(&F->lock);
	for (size_t k = 0; k < F->ncb; k++)
		if (strcmp(F->cb[k].relates_to, mid) == 0) {
			*st = F->cb[k].st;
			n++;
		}
	pthread_mutex_unlock(&F->lock);
	return n;
}

/* The jobs of one call in the shared store: exactly one, answered after one send. */
static void check_jobs(m2m_store *st, int d)
{
	m2m_store_job *jobs = NULL;
	size_t n = 0;
	int mine[PER_DEV] = {0};

	assert_int_equal(m2m_store_job_list(st, F->eid[d], &jobs, &n), M2M_OK);
	for (size_t k = 0; k < n; k++) {
		int dd = -1, j = -1;
		if (sscanf(jobs[k].call_id, "pg-%d-%d", &dd, &j) != 2)
			continue; /* notification confirmations */
		assert_int_equal(dd, d);
		assert_true(j >= 0 && j < PER_DEV);
		mine[j]++;
		if (jobs[k].state != M2M_STORE_JOB_ANSWERED || jobs[k].attempts != 1)
			print_error("%s: %s after %d sends\n", jobs[k].call_id,
				    m2m_store_job_state_name(jobs[k].state), jobs[k].attempts);
		assert_int_equal(jobs[k].state, M2M_STORE_JOB_ANSWERED);
		assert_int_equal(jobs[k].attempts, 1);
	}
	m2m_store_job_list_free(jobs, n);
	for (int j = 0; j < PER_DEV; j++)
		assert_int_equal(mine[j], 1);
}

static void test_two_smsr_exactly_once(void **state)
{
	char mids[NDEV][PER_DEV][128], fcid[32], url[2][128], err[128];
	m2m_ws_client *c = client();
	m2m_store *st = NULL;

	(void)state;
	for (int k = 0; k < 2; k++)
		snprintf(url[k], sizeof url[k], "https://%s/soap/es4", F->es[k]);
	/* Queued in rounds: call j of every eUICC, to the two endpoints in turn. */
	for (int j = 0; j < PER_DEV; j++)
		for (int d = 0; d < NDEV; d++) {
			m2m_ws_msg *m = batch_call(d, j, fcid, sizeof fcid);
			m2m_ws_result res;
			memset(&res, 0, sizeof res);
			assert_int_equal(m2m_ws_client_call(c, url[(d + j) % 2], m, F->cb_url, &res),
					 M2M_OK);
			assert_true(res.accepted);
			snprintf(mids[d][j], sizeof mids[d][j], "%s", m2m_ws_msg_wsa(m)->message_id);
			m2m_ws_result_free(&res);
			m2m_ws_msg_free(m);
		}
	m2m_ws_client_free(c);
	/* Every call answered once, successfully. */
	for (int d = 0; d < NDEV; d++)
		for (int j = 0; j < PER_DEV; j++) {
			m2m_ws_exec_status s;
			size_t n = 0;
			for (int i = 0; i < 1200 && (n = callbacks_for(mids[d][j], &s)) == 0; i++)
				usleep(50000);
			if (n == 0)
				fail_msg("pg-%d-%d: no answer", d, j);
			if (s.status != M2M_WS_EXECUTED_SUCCESS)
				fail_msg("pg-%d-%d: %s %s/%s %s", d, j, m2m_ws_status_name(s.status),
					 s.subject, s.reason, s.message);
		}
	usleep(500000); /* a second answer to any call would have come by now */
	for (int d = 0; d < NDEV; d++)
		for (int j = 0; j < PER_DEV; j++) {
			m2m_ws_exec_status s;
			assert_int_equal(callbacks_for(mids[d][j], &s), 1);
		}
	/* One job per call, one send each; both processes worked. */
	assert_int_equal(m2m_store_open(F->db_url, MASTER, &st, err, sizeof err), M2M_OK);
	for (int d = 0; d < NDEV; d++) {
		m2m_store_profile p;
		check_jobs(st, d);
		memset(&p, 0, sizeof p);
		assert_int_equal(m2m_store_profile_get(st, F->eid[d], AID_2, &p), M2M_OK);
		assert_int_equal(p.state, M2M_STORE_PROFILE_ENABLED);
		m2m_store_profile_clear(&p);
	}
	m2m_store_close(st);
	for (int k = 0; k < 2; k++)
		assert_int_equal(sh("grep -q ': done' '%s/smsr%d.err'", F->dir, k), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_smsr_exactly_once),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
