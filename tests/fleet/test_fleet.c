/* `m2mrsp fleet` against a fake SM-SR in this process: an ES4 endpoint (role SM-SR, mutual TLS
 * with the certificates of `m2mrsp pki init`) on a libevent thread, and a thread that posts
 * deferred answers to the fleet tool's ReplyTo. The binary runs as a child process.
 *
 * The fake SM-SR's answer depends on the last two hex digits of the EID:
 *   00 success at once        01 FAILED 8.1.1/3.9 at once      02 success by callback
 *   03 WITHWARNING by callback 04 EXPIRED by callback           05 never answered
 *   07 PrepareSMSRChange refused (FAILED 8.7/1.2); otherwise success at once
 * Without a ReplyTo (--sync) the "callback" rows are answered at once with the same status.
 * Answer release policies make the concurrency test and the interruption test deterministic:
 * a gate (answer one call only while N are outstanding, or when every row has arrived) and a
 * budget (answer only the first k calls, hold the others). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "core/buf.h"
#include "core/hex.h"
#include "crypto/hash.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "net/tls.h"
#include "ws/client.h"
#include "ws/schema.h"
#include "ws/server.h"

#define WSDL_DIR M2MRSP_SOURCE_DIR "/data/wsdl"
#define ICCID "8944500102198304826"
#define SMSR1 "1.3.6.1.4.1.99999.1"
#define SMSR2 "1.3.6.1.4.1.99999.2"
#define MAX_CALLS 256
#define WAIT_LIMIT_S 60

typedef struct {
	m2m_ws_fn fn;
	char eid[40], iccid[24], fci[160], reply_to[256], param[64];
	size_t n_iccid;
	uint64_t validity;
} call_rec;

typedef struct answer {
	struct answer *next;
	m2m_ws_deferred d;
	m2m_ws_exec_status st;
	struct timespec due;
	size_t seq;
	char eid[40];
} answer;

typedef struct {
	char dir[64], pki[128];
	m2m_ws_schema *schema;
	struct event_base *base;
	pthread_t loop_thread, answer_thread;
	m2m_http_server *http;
	m2m_ws_server *ws;
	char url[64];
	pthread_mutex_t lock;
	pthread_cond_t cv;
	bool quit;
	/* Under lock. */
	call_rec calls[MAX_CALLS];
	size_t n_calls, total_calls;
	answer *queue;
	size_t deferred_seq;
	size_t outstanding, max_outstanding;
	size_t gate, gate_total; /* 0 = no gate */
	size_t budget;           /* answer only calls with seq < budget; 0 = all */
	char answered[MAX_CALLS][40];
	size_t n_answered;
	size_t answer_failures;
} fixture;

static fixture *F;

/* What the fake SM-SR saw, copied out so that assertions run without its lock. */
static struct {
	call_rec calls[MAX_CALLS];
	size_t n_calls, total_calls, max_outstanding, answer_failures, n_answered, deferred_seq;
} S;

static void snap(void)
{
	pthread_mutex_lock(&F->lock);
	memcpy(S.calls, F->calls, sizeof S.calls);
	S.n_calls = F->n_calls;
	S.total_calls = F->total_calls;
	S.max_outstanding = F->max_outstanding;
	S.answer_failures = F->answer_failures;
	S.n_answered = F->n_answered;
	S.deferred_seq = F->deferred_seq;
	pthread_mutex_unlock(&F->lock);
}

/* --- the fake SM-SR ---------------------------------------------------------------------- */

static void status_for(const char *code, m2m_ws_exec_status *st)
{
	if (strcmp(code, "01") == 0)
		m2m_ws_status_set(st, M2M_WS_FAILED, "8.1.1", "3.9", NULL, "unknown EID, \"really\"");
	else if (strcmp(code, "03") == 0)
		m2m_ws_status_set(st, M2M_WS_EXECUTED_WITHWARNING, "8.4", "4.2", NULL,
				  "card warning");
	else if (strcmp(code, "04") == 0)
		m2m_ws_status_set(st, M2M_WS_EXPIRED, "1.6", "5.3", NULL, "validity period elapsed");
	else
		m2m_ws_status_set(st, M2M_WS_EXECUTED_SUCCESS, NULL, NULL, NULL, NULL);
}

static void record(const m2m_ws_call *call, const m2m_ws_node *body, const char *eid)
{
	F->total_calls++;
	if (F->n_calls == MAX_CALLS)
		return;
	call_rec *c = &F->calls[F->n_calls++];
	const char *s;
	memset(c, 0, sizeof *c);
	c->fn = call->fn->id;
	snprintf(c->eid, sizeof c->eid, "%s", eid);
	snprintf(c->fci, sizeof c->fci, "%s", call->function_call_id ? call->function_call_id : "");
	snprintf(c->reply_to, sizeof c->reply_to, "%s",
		 call->wsa->reply_to ? call->wsa->reply_to : "");
	c->n_iccid = m2m_ws_count(body, "Iccid");
	if (m2m_ws_get_text(body, "Iccid", &s) == M2M_OK)
		snprintf(c->iccid, sizeof c->iccid, "%s", s);
	if (m2m_ws_get_text(body, "Target-Smsr-id", &s) == M2M_OK ||
	    m2m_ws_get_text(body, "CurrentSMSRid", &s) == M2M_OK)
		snprintf(c->param, sizeof c->param, "%s", s);
	c->validity = call->validity_period;
}

static void enqueue(const m2m_ws_deferred *d, const m2m_ws_exec_status *st, const char *eid,
		    bool never)
{
	answer *a = calloc(1, sizeof *a);
	if (a == NULL)
		abort(); /* not on the test's thread: no cmocka assertion here */
	a->d = *d;
	a->st = *st;
	a->seq = never ? SIZE_MAX : F->deferred_seq++;
	snprintf(a->eid, sizeof a->eid, "%s", eid);
	clock_gettime(CLOCK_MONOTONIC, &a->due);
	a->due.tv_nsec += 100000000L; /* 100 ms later */
	if (a->due.tv_nsec >= 1000000000L) {
		a->due.tv_sec++;
		a->due.tv_nsec -= 1000000000L;
	}
	answer **p = &F->queue;
	while (*p != NULL)
		p = &(*p)->next;
	*p = a;
	F->outstanding++;
	if (F->outstanding > F->max_outstanding)
		F->max_outstanding = F->outstanding;
	pthread_cond_broadcast(&F->cv);
}

static m2m_ws_reply smsr_handler(void *arg, const m2m_ws_call *call, m2m_ws_msg *response)
{
	(void)arg;
	const m2m_ws_node *body = m2m_ws_msg_body(call->msg);
	const char *eid = "";
	m2m_ws_exec_status st;
	m2m_ws_deferred d;
	m2m_ws_reply reply = M2M_WS_REPLY_NOW;
	m2m_ws_get_text(body, "Eid", &eid);
	size_t n = strlen(eid);
	const char *code = n >= 2 ? eid + n - 2 : "00";
	pthread_mutex_lock(&F->lock);
	record(call, body, eid);
	if (call->fn->id == M2M_WS_ES4_PREPARE_SMSR_CHANGE) {
		if (strcmp(code, "07") == 0) {
			m2m_ws_status_set(&st, M2M_WS_FAILED, "8.7", "1.2", NULL, "not allowed");
			m2m_ws_response_set_status(response, &st);
		}
	} else if (strcmp(code, "02") == 0 || strcmp(code, "03") == 0 ||
		   strcmp(code, "04") == 0 || strcmp(code, "05") == 0) {
		status_for(code, &st);
		if (m2m_ws_defer(call, &d) == M2M_OK) {
			enqueue(&d, &st, eid, strcmp(code, "05") == 0);
			reply = M2M_WS_REPLY_LATER;
		} else {
			m2m_ws_response_set_status(response, &st);
		}
	} else {
		status_for(code, &st);
		m2m_ws_response_set_status(response, &st);
	}
	pthread_mutex_unlock(&F->lock);
	return reply;
}

static bool due(const answer *a)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > a->due.tv_sec ||
	       (now.tv_sec == a->due.tv_sec && now.tv_nsec >= a->due.tv_nsec);
}

/* The answer that may go now under the current policy, taken off the queue; NULL if none. */
static answer *releasable(void)
{
	for (answer **p = &F->queue; *p != NULL; p = &(*p)->next) {
		answer *a = *p;
		bool ok;
		if (a->seq == SIZE_MAX)
			continue;
		if (F->gate > 0)
			ok = F->outstanding >= F->gate || F->n_calls == F->gate_total;
		else if (F->budget > 0)
			ok = a->seq < F->budget;
		else
			ok = due(a);
		if (ok) {
			*p = a->next;
			return a;
		}
		if (F->gate > 0)
			return NULL; /* oldest first */
	}
	return NULL;
}

static m2m_ws_client *smsr_client(void)
{
	char ca[192], cert[192], key[192];
	m2m_ws_client *c = NULL;
	snprintf(ca, sizeof ca, "%s/tls-ca.crt", F->pki);
	snprintf(cert, sizeof cert, "%s/smsr1-tls.crt", F->pki);
	snprintf(key, sizeof key, "%s/smsr1-tls.key", F->pki);
	m2m_ws_client_opts o = {
		.http = {.ca_file = ca, .cert_file = cert, .key_file = key, .timeout_ms = 10000},
		.schema = F->schema,
		.binding = M2M_WS_SOAP,
	};
	if (m2m_ws_client_new(&o, &c) != M2M_OK)
		abort();
	return c;
}

static void *answer_loop(void *arg)
{
	(void)arg;
	m2m_ws_client *c = smsr_client();
	pthread_mutex_lock(&F->lock);
	while (!F->quit) {
		answer *a = releasable();
		if (a == NULL) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 20000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&F->cv, &F->lock, &ts);
			continue;
		}
		/* No longer outstanding from here: the fleet tool may send the next call once it
		 * has this answer. */
		F->outstanding--;
		pthread_mutex_unlock(&F->lock);
		m2m_ws_msg *resp = NULL;
		m2m_ws_result res;
		m2m_err err = m2m_ws_response_new(a->d.fn, &a->st, &resp);
		if (err == M2M_OK)
			err = m2m_ws_client_answer(c, &a->d, resp, &res);
		m2m_ws_result_free(&res);
		m2m_ws_msg_free(resp);
		pthread_mutex_lock(&F->lock);
		if (err != M2M_OK)
			F->answer_failures++;
		else if (F->n_answered < MAX_CALLS)
			snprintf(F->answered[F->n_answered++], sizeof F->answered[0], "%s", a->eid);
		m2m_ws_deferred_clear(&a->d);
		free(a);
	}
	pthread_mutex_unlock(&F->lock);
	m2m_ws_client_free(c);
	return NULL;
}

static void *loop(void *arg)
{
	event_base_loop(arg, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

/* Forgets the calls seen and drops held answers (their ReplyTo is gone). */
static void reset(void)
{
	pthread_mutex_lock(&F->lock);
	while (F->queue != NULL) {
		answer *a = F->queue;
		F->queue = a->next;
		m2m_ws_deferred_clear(&a->d);
		free(a);
	}
	F->n_calls = F->total_calls = F->deferred_seq = F->outstanding = F->max_outstanding = 0;
	F->gate = F->gate_total = F->budget = 0;
	F->n_answered = F->answer_failures = 0;
	pthread_mutex_unlock(&F->lock);
}

/* --- running the binary ------------------------------------------------------------------ */

static void path(const char *name, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", F->dir, name);
}

static void write_file(const char *name, const char *text)
{
	char p[256];
	path(name, p, sizeof p);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* The file's contents (heap, NUL-terminated). */
static char *read_file(const char *name)
{
	char p[256];
	m2m_buf b;
	char chunk[4096];
	size_t n;
	path(name, p, sizeof p);
	m2m_buf_init(&b);
	FILE *f = fopen(p, "rb");
	if (f == NULL)
		return strdup("");
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		assert_int_equal(m2m_buf_append(&b, chunk, n), M2M_OK);
	fclose(f);
	char *s = malloc(b.len + 1);
	assert_non_null(s);
	if (b.len)
		memcpy(s, b.data, b.len);
	s[b.len] = '\0';
	m2m_buf_free(&b);
	return s;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* Starts `m2mrsp fleet OP --input IN --output OUT --smsr URL <pki> ARGS... NULL` with standard
 * output and error in DIR/stdout and DIR/stderr. */
static pid_t spawn(const char *op, const char *in, const char *out, ...)
{
	char *argv[64];
	char inp[256], outp[256], ca[192], cert[192], key[192], so[256], se[256];
	size_t n = 0;
	va_list ap;
	path(in, inp, sizeof inp);
	path(out, outp, sizeof outp);
	path("stdout", so, sizeof so);
	path("stderr", se, sizeof se);
	snprintf(ca, sizeof ca, "%s/tls-ca.crt", F->pki);
	snprintf(cert, sizeof cert, "%s/mno1-tls.crt", F->pki);
	snprintf(key, sizeof key, "%s/mno1-tls.key", F->pki);
	const char *fixed[] = {M2MRSP_BINARY, "fleet", op, "--input", inp, "--output", outp,
			       "--smsr", F->url, "--ca", ca, "--cert", cert, "--key", key,
			       "--wsdl-dir", WSDL_DIR, "--progress", "plain"};
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		argv[n++] = (char *)fixed[i];
	va_start(ap, out);
	for (const char *a; (a = va_arg(ap, const char *)) != NULL && n < 63;)
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n] = NULL;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fo = open(so, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int fe = open(se, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fo < 0 || fe < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
			_exit(127);
		execv(M2MRSP_BINARY, argv);
		_exit(127);
	}
	return pid;
}

static int wait_exit(pid_t pid)
{
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	char *e = read_file("stderr");
	/* Under the sanitizers a report would otherwise hide behind an expected exit 1. */
	bool clean = strstr(e, "Sanitizer") == NULL && strstr(e, "runtime error") == NULL;
	if (!WIFEXITED(st) || !clean) {
		fprintf(stderr, "fleet did not exit cleanly; stderr:\n%s\n", e);
		free(e);
		fail();
	}
	free(e);
	return WEXITSTATUS(st);
}

#define RUN(...) wait_exit(spawn(__VA_ARGS__, NULL))

static void show_output(void)
{
	char *o = read_file("stdout"), *e = read_file("stderr");
	fprintf(stderr, "--- stdout\n%s--- stderr\n%s---\n", o, e);
	free(o);
	free(e);
}

/* --- expected results -------------------------------------------------------------------- */

static void eid_of(unsigned n, const char *code, char *out)
{
	snprintf(out, 33, "89049032ABCDEF00000000%08u%s", n, code);
}

/* The row number in an EID made by eid_of. */
static size_t row_of(const char *eid)
{
	char digits[9];
	snprintf(digits, sizeof digits, "%.8s", eid + 22);
	return strtoul(digits, NULL, 10);
}

/* The batch id and identifiers as docs/fleet.md defines them, computed here on their own. */
static void batch_of(const char *input, char *out)
{
	char *text = read_file(input);
	uint8_t h[32];
	assert_int_equal(m2m_sha256((const uint8_t *)text, strlen(text), h), M2M_OK);
	m2m_hex_encode(h, 8, out);
	free(text);
}

static void fci_of(const char *batch, const char *step, const char *eid, const char *iccid,
		   const char *param, char *out, size_t cap)
{
	uint8_t h[32];
	m2m_buf b;
	m2m_buf_init(&b);
	const char *parts[] = {"m2mrsp-fleet", step, eid, iccid, param};
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(m2m_buf_append(&b, parts[i], strlen(parts[i]) + 1), M2M_OK);
	assert_int_equal(m2m_buf_append(&b, batch, strlen(batch)), M2M_OK);
	assert_int_equal(m2m_sha256(b.data, b.len, h), M2M_OK);
	m2m_buf_free(&b);
	char hex[33];
	m2m_hex_encode(h, 16, hex);
	snprintf(out, cap, "%s-%s-%s", batch, step, hex);
}

/* Compares the result file with lines expected up to the last field (seconds), which must be
 * a non-negative number. */
static void check_result(const char *name, const char *const *expect, size_t n)
{
	char *text = read_file(name);
	char *save = NULL, *line = strtok_r(text, "\n", &save);
	assert_non_null(line);
	assert_string_equal(line,
			    "eid,iccid,status,subject_code,reason_code,message,function_call_id,seconds");
	for (size_t i = 0; i < n; i++) {
		line = strtok_r(NULL, "\n", &save);
		if (line == NULL)
			fail_msg("result line %zu missing; expected %s", i + 2, expect[i]);
		char *comma = strrchr(line, ',');
		assert_non_null(comma);
		*comma = '\0';
		char *end = NULL;
		double secs = strtod(comma + 1, &end);
		assert_true(end != comma + 1 && *end == '\0' && secs >= 0);
		if (strcmp(line, expect[i]) != 0)
			fail_msg("result line %zu:\n  got      %s\n  expected %s", i + 2, line,
				 expect[i]);
	}
	assert_null(strtok_r(NULL, "\n", &save));
	free(text);
}

/* --- set-up ------------------------------------------------------------------------------ */

static int setup(void **state)
{
	(void)state;
	char cmd[512], ca[192], cert[192], key[192];
	SSL_CTX *ctx = NULL;
	F = calloc(1, sizeof *F);
	assert_non_null(F);
	pthread_mutex_init(&F->lock, NULL);
	pthread_cond_init(&F->cv, NULL);
	snprintf(F->dir, sizeof F->dir, "/tmp/m2m_fleet_XXXXXX");
	assert_non_null(mkdtemp(F->dir));
	snprintf(F->pki, sizeof F->pki, "%s/pki", F->dir);
	snprintf(cmd, sizeof cmd, "'%s' pki init '%s' >/dev/null", M2MRSP_BINARY, F->pki);
	assert_int_equal(system(cmd), 0);
	F->schema = NULL;
	assert_int_equal(m2m_ws_schema_load(WSDL_DIR, &F->schema), M2M_OK);
	F->base = event_base_new();
	assert_non_null(F->base);
	snprintf(ca, sizeof ca, "%s/tls-ca.crt", F->pki);
	snprintf(cert, sizeof cert, "%s/smsr1-tls.crt", F->pki);
	snprintf(key, sizeof key, "%s/smsr1-tls.key", F->pki);
	m2m_tls_cert_opts to = {.cert_file = cert, .key_file = key, .ca_file = ca};
	assert_int_equal(m2m_tls_cert_server_ctx(&to, &ctx), M2M_OK);
	m2m_ws_server_opts wo = {.role = M2M_WS_ROLE_SMSR, .schema = F->schema,
				 .handler = smsr_handler};
	assert_int_equal(m2m_ws_server_new(&wo, &F->ws), M2M_OK);
	m2m_http_server_opts ho = {.tls = ctx, .timeout_s = 10,
				   .handler = m2m_ws_server_http_handler, .arg = F->ws};
	assert_int_equal(m2m_http_server_new(F->base, &ho, &F->http), M2M_OK);
	SSL_CTX_free(ctx);
	snprintf(F->url, sizeof F->url, "https://127.0.0.1:%u",
		 (unsigned)m2m_http_server_port(F->http));
	assert_int_equal(pthread_create(&F->loop_thread, NULL, loop, F->base), 0);
	assert_int_equal(pthread_create(&F->answer_thread, NULL, answer_loop, NULL), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	pthread_mutex_lock(&F->lock);
	F->quit = true;
	pthread_cond_broadcast(&F->cv);
	pthread_mutex_unlock(&F->lock);
	pthread_join(F->answer_thread, NULL);
	event_base_loopbreak(F->base);
	pthread_join(F->loop_thread, NULL);
	reset();
	m2m_http_server_free(F->http);
	m2m_ws_server_free(F->ws);
	m2m_http_base_free(F->base);
	m2m_ws_schema_free(F->schema);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", F->dir);
	assert_int_equal(system(cmd), 0);
	pthread_cond_destroy(&F->cv);
	pthread_mutex_destroy(&F->lock);
	free(F);
	return 0;
}

/* --- tests ------------------------------------------------------------------------------- */

/* Every kind of answer, in the default (callback) mode, with bad input rows. */
static void test_mixed(void **state)
{
	(void)state;
	char e[8][33], in[2048], batch[17], f[8][160], x[16][512];
	reset();
	for (unsigned i = 0; i <= 6; i++) {
		char code[3];
		snprintf(code, sizeof code, "%02u", i);
		eid_of(i, code, e[i]);
	}
	eid_of(7, "00", e[7]);
	snprintf(in, sizeof in,
		 "eid,iccid,comment\n"
		 "%s,%s,ok\n%s,%s,fails\n%s,%s,callback\n%s,%s,warning\n%s,%s,expired\n"
		 "%s,%s,never\n"
		 "zz,%s,bad eid\n"
		 "%s,8944,bad iccid\n"
		 "%s,%s,duplicate\n"
		 "%s,,no iccid\n"
		 "x\"y,%s,quote\n"
		 "%s,%s\n",
		 e[0], ICCID, e[1], ICCID, e[2], ICCID, e[3], ICCID, e[4], ICCID, e[5], ICCID, ICCID,
		 e[6], e[0], ICCID, e[7], ICCID, e[7], ICCID);
	write_file("mixed.csv", in);
	batch_of("mixed.csv", batch);
	for (unsigned i = 0; i <= 5; i++)
		fci_of(batch, "enable", e[i], ICCID, "", f[i], sizeof f[i]);

	int rc = RUN("enable", "mixed.csv", "mixed.out.csv", "--timeout", "5", "--validity",
		     "600", "--concurrency", "3");
	if (rc != 1)
		show_output();
	assert_int_equal(rc, 1);

	snprintf(x[0], 512, "%s,%s,EXECUTED_SUCCESS,,,,%s", e[0], ICCID, f[0]);
	snprintf(x[1], 512, "%s,%s,FAILED,8.1.1,3.9,\"unknown EID, \"\"really\"\"\",%s", e[1], ICCID,
		 f[1]);
	snprintf(x[2], 512, "%s,%s,EXECUTED_SUCCESS,,,,%s", e[2], ICCID, f[2]);
	snprintf(x[3], 512, "%s,%s,EXECUTED_WITHWARNING,8.4,4.2,card warning,%s", e[3], ICCID, f[3]);
	snprintf(x[4], 512, "%s,%s,EXPIRED,1.6,5.3,validity period elapsed,%s", e[4], ICCID, f[4]);
	snprintf(x[5], 512, "%s,%s,ERROR,,,no answer within 5 s,%s", e[5], ICCID, f[5]);
	snprintf(x[6], 512, "zz,%s,ERROR,,,input line 8: the EID must be 32 hex digits,", ICCID);
	snprintf(x[7], 512, "%s,8944,ERROR,,,input line 9: the ICCID must be 89 and 4 to 18 digits,",
		 e[6]);
	snprintf(x[8], 512, "%s,%s,ERROR,,,input line 10: a duplicate of line 2,", e[0], ICCID);
	snprintf(x[9], 512, "%s,,ERROR,,,input line 11: the ICCID is missing,", e[7]);
	snprintf(x[10], 512, ",,ERROR,,,input line 12: a quote inside an unquoted field,");
	/* The message has a comma: quoted. */
	snprintf(x[11], 512, "%s,%s,ERROR,,,\"input line 13: 2 fields, the header has 3\",", e[7],
		 ICCID);
	const char *expect[12];
	for (size_t i = 0; i < 12; i++)
		expect[i] = x[i];
	check_result("mixed.out.csv", expect, 12);

	/* What the SM-SR saw: each valid row once, with its identifier, ReplyTo and validity. */
	snap();
	assert_int_equal(S.n_calls, 6);
	assert_true(S.max_outstanding <= 3);
	assert_int_equal(S.answer_failures, 0);
	for (size_t i = 0; i < S.n_calls; i++) {
		const call_rec *c = &S.calls[i];
		size_t row = row_of(c->eid);
		assert_true(row <= 5);
		assert_int_equal(c->fn, M2M_WS_ES4_ENABLE_PROFILE);
		assert_string_equal(c->fci, f[row]);
		assert_string_equal(c->iccid, ICCID);
		assert_int_equal(c->validity, 600);
		assert_non_null(strstr(c->reply_to, "https://127.0.0.1:"));
		assert_non_null(strstr(c->reply_to, "/soap/es4"));
	}

	char *err = read_file("stderr"), *out = read_file("stdout");
	assert_non_null(strstr(err, "input line 8: the EID must be 32 hex digits"));
	assert_non_null(strstr(err, "fleet enable: 12/12,"));
	assert_non_null(strstr(out, "12 rows: 0 finished before, 6 bad, 6 done"));
	assert_non_null(strstr(out, "EXECUTED_SUCCESS 2, EXECUTED_WITHWARNING 1, FAILED 1, "
				    "EXPIRED 1, ERROR 1"));
	free(err);
	free(out);
}

/* --sync: no ReplyTo; every answer in the HTTP response. */
static void test_sync(void **state)
{
	(void)state;
	char e[5][33], in[1024], batch[17], f[160], x[5][512];
	const char *expect[5];
	reset();
	strcpy(in, "iccid,eid\n");
	for (unsigned i = 0; i < 5; i++) {
		char code[3];
		snprintf(code, sizeof code, "%02u", i);
		eid_of(100 + i, code, e[i]);
		/* lower case in the input: the EID is sent and written in upper case */
		char low[33];
		for (size_t k = 0; k < 33; k++)
			low[k] = (char)(e[i][k] >= 'A' && e[i][k] <= 'F' ? e[i][k] + 32 : e[i][k]);
		snprintf(in + strlen(in), sizeof in - strlen(in), "%s,%s\n", ICCID, low);
	}
	write_file("sync.csv", in);
	batch_of("sync.csv", batch);
	int rc = RUN("disable", "sync.csv", "sync.out.csv", "--sync", "--concurrency", "2");
	if (rc != 1)
		show_output();
	assert_int_equal(rc, 1);
	const char *tail[] = {"EXECUTED_SUCCESS,,,", "FAILED,8.1.1,3.9,\"unknown EID, \"\"really\"\"\"",
			      "EXECUTED_SUCCESS,,,", "EXECUTED_WITHWARNING,8.4,4.2,card warning",
			      "EXPIRED,1.6,5.3,validity period elapsed"};
	for (unsigned i = 0; i < 5; i++) {
		fci_of(batch, "disable", e[i], ICCID, "", f, sizeof f);
		snprintf(x[i], sizeof x[i], "%s,%s,%s,%s", e[i], ICCID, tail[i], f);
		expect[i] = x[i];
	}
	check_result("sync.out.csv", expect, 5);
	snap();
	assert_int_equal(S.n_calls, 5);
	for (size_t i = 0; i < S.n_calls; i++) {
		assert_int_equal(S.calls[i].fn, M2M_WS_ES4_DISABLE_PROFILE);
		assert_int_equal(S.calls[i].validity, 0);
		assert_true(S.calls[i].reply_to[0] == '\0' ||
			    strstr(S.calls[i].reply_to, "anonymous") != NULL);
	}
	assert_int_equal(S.deferred_seq, 0);
}

/* At most N calls outstanding, and N reached: the fake SM-SR answers one call only while N are
 * outstanding (or once every row has arrived), so a tool that kept fewer than N out would
 * stall into time-outs and one that sent more would be seen. Then a re-run does nothing. */
static void test_concurrency(void **state)
{
	(void)state;
	enum { ROWS = 40, N = 4 };
	char in[ROWS * 64 + 64];
	reset();
	strcpy(in, "eid,iccid\n");
	for (unsigned i = 0; i < ROWS; i++) {
		char e[33];
		eid_of(200 + i, "02", e);
		snprintf(in + strlen(in), sizeof in - strlen(in), "%s,%s\n", e, ICCID);
	}
	write_file("conc.csv", in);
	pthread_mutex_lock(&F->lock);
	F->gate = N;
	F->gate_total = ROWS;
	pthread_mutex_unlock(&F->lock);
	int rc = RUN("delete", "conc.csv", "conc.out.csv", "--concurrency", "4", "--timeout", "30");
	if (rc != 0)
		show_output();
	assert_int_equal(rc, 0);
	snap();
	assert_int_equal(S.n_calls, ROWS);
	assert_int_equal(S.max_outstanding, N);
	/* Every callback acknowledged, the last one too: the tool must not close its endpoint
	 * before the reply to the answer that ended the run is written (it once did, and the
	 * SM-SR's POST failed with "couldn't connect": fleet_callback.c, stop). */
	assert_int_equal(S.n_answered, ROWS);
	char *text = read_file("conc.out.csv");
	assert_int_equal(count_lines(text), ROWS + 1);
	free(text);

	/* Everything is finished: a re-run sends nothing and succeeds. */
	reset();
	rc = RUN("delete", "conc.csv", "conc.out.csv", "--concurrency", "4");
	assert_int_equal(rc, 0);
	snap();
	assert_int_equal(S.n_calls, 0);
	char *out = read_file("stdout");
	assert_non_null(strstr(out, "40 rows: 40 finished before, 0 bad, 0 done"));
	free(out);
}

/* A few thousand rows, half answered at once and half by callback. */
static void test_many(void **state)
{
	(void)state;
	enum { ROWS = 2000 };
	size_t cap = ROWS * 64 + 64;
	char *in = malloc(cap);
	assert_non_null(in);
	reset();
	strcpy(in, "eid,iccid\n");
	for (unsigned i = 0; i < ROWS; i++) {
		char e[33];
		eid_of(1000 + i, i % 2 ? "02" : "00", e);
		snprintf(in + strlen(in), cap - strlen(in), "%s,%s\n", e, ICCID);
	}
	write_file("many.csv", in);
	free(in);
	int rc = RUN("enable", "many.csv", "many.out.csv", "--concurrency", "32");
	if (rc != 0)
		show_output();
	assert_int_equal(rc, 0);
	snap();
	assert_int_equal(S.total_calls, ROWS);
	assert_true(S.max_outstanding <= 32);
	char *text = read_file("many.out.csv");
	assert_int_equal(count_lines(text), ROWS + 1);
	size_t ok = 0;
	for (const char *p = text; (p = strstr(p, ",EXECUTED_SUCCESS,")) != NULL; p++)
		ok++;
	assert_int_equal(ok, ROWS);
	free(text);
	char *out = read_file("stdout");
	assert_non_null(strstr(out, "2000 rows: 0 finished before, 0 bad, 2000 done"));
	printf("%s", out); /* the rate, for the record */
	free(out);
}

static bool wait_until(size_t want_lines, const char *name, size_t want_calls)
{
	for (int i = 0; i < WAIT_LIMIT_S * 50; i++) {
		char *t = read_file(name);
		size_t n = count_lines(t);
		free(t);
		pthread_mutex_lock(&F->lock);
		size_t calls = F->n_calls;
		pthread_mutex_unlock(&F->lock);
		if (n >= want_lines && calls >= want_calls)
			return true;
		usleep(20000);
	}
	return false;
}

/* SIGKILL after k rows are finished, then the same command again: the finished rows are not
 * sent again, the others are, each exactly once, with the identifiers of the first run. */
static void test_resume(void **state)
{
	(void)state;
	enum { ROWS = 30, K = 10, N = 4 };
	char in[ROWS * 64 + 64], first_fci[ROWS][160];
	bool done_before[ROWS] = {0}, sent_before[ROWS] = {0}, sent_again[ROWS] = {0};
	reset();
	strcpy(in, "eid,iccid\n");
	for (unsigned i = 0; i < ROWS; i++) {
		char e[33];
		eid_of(i, "02", e);
		snprintf(in + strlen(in), sizeof in - strlen(in), "%s,%s\n", e, ICCID);
	}
	write_file("resume.csv", in);
	pthread_mutex_lock(&F->lock);
	F->budget = K;
	pthread_mutex_unlock(&F->lock);
	pid_t pid = spawn("enable", "resume.csv", "resume.out.csv", "--concurrency", "4",
			  "--timeout", "120", NULL);
	/* K answered rows written, N more calls held by the fake SM-SR. */
	bool ok = wait_until(1 + K, "resume.out.csv", K + N);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	if (!ok)
		show_output();
	assert_true(ok);

	snap();
	assert_int_equal(S.n_calls, K + N); /* never more than N outstanding */
	for (size_t i = 0; i < S.n_calls; i++) {
		size_t row = row_of(S.calls[i].eid);
		assert_false(sent_before[row]);
		sent_before[row] = true;
		snprintf(first_fci[row], sizeof first_fci[row], "%s", S.calls[i].fci);
	}
	char *text = read_file("resume.out.csv");
	assert_int_equal(count_lines(text), 1 + K);
	for (unsigned i = 0; i < ROWS; i++) {
		char e[33];
		eid_of(i, "02", e);
		done_before[i] = strstr(text, e) != NULL;
	}
	free(text);

	/* Run again, with every answer given. */
	reset();
	int rc = RUN("enable", "resume.csv", "resume.out.csv", "--concurrency", "4");
	if (rc != 0)
		show_output();
	assert_int_equal(rc, 0);
	snap();
	assert_int_equal(S.n_calls, ROWS - K);
	for (size_t i = 0; i < S.n_calls; i++) {
		size_t row = row_of(S.calls[i].eid);
		assert_false(done_before[row]);
		assert_false(sent_again[row]);
		sent_again[row] = true;
		if (sent_before[row])
			assert_string_equal(S.calls[i].fci, first_fci[row]);
	}

	/* The final file: one line per row in input order, all finished. */
	char batch[17], f[160], x[ROWS][512];
	const char *expect[ROWS];
	batch_of("resume.csv", batch);
	for (unsigned i = 0; i < ROWS; i++) {
		char e[33];
		eid_of(i, "02", e);
		fci_of(batch, "enable", e, ICCID, "", f, sizeof f);
		snprintf(x[i], sizeof x[i], "%s,%s,EXECUTED_SUCCESS,,,,%s", e, ICCID, f);
		expect[i] = x[i];
	}
	check_result("resume.out.csv", expect, ROWS);
	char *out = read_file("stdout");
	assert_non_null(strstr(out, "30 rows: 10 finished before, 0 bad, 20 done"));
	free(out);
}

/* SIGINT: no more calls are sent, those out still finish (the fake SM-SR answers them once the
 * tool has said it is interrupted), the result file is rewritten in input order and the
 * summary says what is left. */
static void test_interrupt(void **state)
{
	(void)state;
	enum { ROWS = 12, K = 3, N = 2 };
	char in[ROWS * 64 + 64], batch[17], f[160], x[K + N][512];
	const char *expect[K + N];
	reset();
	strcpy(in, "eid,iccid\n");
	for (unsigned i = 0; i < ROWS; i++) {
		char e[33];
		eid_of(600 + i, "02", e);
		snprintf(in + strlen(in), sizeof in - strlen(in), "%s,%s\n", e, ICCID);
	}
	write_file("int.csv", in);
	pthread_mutex_lock(&F->lock);
	F->budget = K;
	pthread_mutex_unlock(&F->lock);
	pid_t pid = spawn("enable", "int.csv", "int.out.csv", "--concurrency", "2", "--timeout",
			  "120", NULL);
	bool ok = wait_until(1 + K, "int.out.csv", K + N);
	kill(pid, SIGINT);
	for (int i = 0; ok && i < WAIT_LIMIT_S * 50; i++) {
		char *err = read_file("stderr");
		bool said = strstr(err, "interrupted") != NULL;
		free(err);
		if (said)
			break;
		usleep(20000);
	}
	pthread_mutex_lock(&F->lock);
	F->budget = 0; /* now answer the calls held */
	pthread_mutex_unlock(&F->lock);
	int rc = wait_exit(pid);
	if (!ok || rc != 1)
		show_output();
	assert_true(ok);
	assert_int_equal(rc, 1);
	snap();
	/* Nothing sent after the signal: the first K + N rows only (N slots were held). */
	assert_int_equal(S.n_calls, K + N);
	batch_of("int.csv", batch);
	for (unsigned i = 0; i < K + N; i++) {
		char e[33];
		eid_of(600 + i, "02", e);
		fci_of(batch, "enable", e, ICCID, "", f, sizeof f);
		snprintf(x[i], sizeof x[i], "%s,%s,EXECUTED_SUCCESS,,,,%s", e, ICCID, f);
		expect[i] = x[i];
	}
	check_result("int.out.csv", expect, K + N);
	char *out = read_file("stdout");
	assert_non_null(strstr(out, "7 rows not done"));
	free(out);
}

/* smsr-change with PrepareSMSRChange on the target first; --limit. */
static void test_smsr_change(void **state)
{
	(void)state;
	char e[3][33], in[512], batch[17], fp[3][160], fc[3][160], x[2][512];
	reset();
	eid_of(300, "02", e[0]);
	eid_of(301, "07", e[1]);
	eid_of(302, "00", e[2]);
	snprintf(in, sizeof in, "eid\n%s\n%s\n%s\n", e[0], e[1], e[2]);
	write_file("move.csv", in);
	batch_of("move.csv", batch);
	for (int i = 0; i < 3; i++) {
		fci_of(batch, "prepare-smsr-change", e[i], "", SMSR1, fp[i], sizeof fp[i]);
		fci_of(batch, "smsr-change", e[i], "", SMSR2, fc[i], sizeof fc[i]);
	}
	char target[128];
	snprintf(target, sizeof target, "%s/soap/es4", F->url);
	int rc = RUN("smsr-change", "move.csv", "move.out.csv", "--target-smsr", SMSR2,
		     "--target-url", target, "--current-smsr", SMSR1, "--limit", "2");
	if (rc != 1)
		show_output();
	assert_int_equal(rc, 1);
	snprintf(x[0], 512, "%s,,EXECUTED_SUCCESS,,,,%s", e[0], fc[0]);
	snprintf(x[1], 512, "%s,,FAILED,8.7,1.2,PrepareSMSRChange: not allowed,%s", e[1], fp[1]);
	const char *expect[] = {x[0], x[1]};
	check_result("move.out.csv", expect, 2);
	snap();
	assert_int_equal(S.n_calls, 3);
	size_t prepares = 0;
	for (size_t i = 0; i < S.n_calls; i++) {
		const call_rec *c = &S.calls[i];
		int row = strcmp(c->eid, e[0]) == 0 ? 0 : strcmp(c->eid, e[1]) == 0 ? 1 : 2;
		assert_true(row < 2); /* --limit 2 */
		if (c->fn == M2M_WS_ES4_PREPARE_SMSR_CHANGE) {
			prepares++;
			assert_string_equal(c->param, SMSR1);
			assert_string_equal(c->fci, fp[row]);
		} else {
			assert_int_equal(c->fn, M2M_WS_ES4_SMSR_CHANGE);
			assert_int_equal(row, 0);
			assert_string_equal(c->param, SMSR2);
			assert_string_equal(c->fci, fc[row]);
		}
		assert_int_equal(c->n_iccid, 0);
	}
	assert_int_equal(prepares, 2);
	char *out = read_file("stdout");
	assert_non_null(strstr(out, "1 rows not done"));
	free(out);
}

/* audit: the ICCID is optional and sent only when given. */
static void test_audit(void **state)
{
	(void)state;
	char e[2][33], in[512];
	reset();
	eid_of(400, "00", e[0]);
	eid_of(401, "00", e[1]);
	snprintf(in, sizeof in, "eid,iccid\n%s,\n%s,%s\n", e[0], e[1], ICCID);
	write_file("audit.csv", in);
	int rc = RUN("audit", "audit.csv", "audit.out.csv", "--sync");
	assert_int_equal(rc, 0);
	snap();
	assert_int_equal(S.n_calls, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(S.calls[i].fn, M2M_WS_ES4_AUDIT_EIS);
		assert_int_equal(S.calls[i].n_iccid, strcmp(S.calls[i].eid, e[1]) == 0 ? 1 : 0);
	}
}

/* A result file of another operation is refused before anything is sent. */
static void test_foreign_result(void **state)
{
	(void)state;
	char e[33], in[256], res[512];
	reset();
	eid_of(500, "00", e);
	snprintf(in, sizeof in, "eid,iccid\n%s,%s\n", e, ICCID);
	write_file("foreign.csv", in);
	snprintf(res, sizeof res,
		 "eid,iccid,status,subject_code,reason_code,message,function_call_id,seconds\n"
		 "%s,%s,EXECUTED_SUCCESS,,,,abc-disable-0123456789abcdef0123456789abcdef,0.1\n",
		 e, ICCID);
	write_file("foreign.out.csv", res);
	assert_int_equal(RUN("enable", "foreign.csv", "foreign.out.csv"), 2);
	snap();
	assert_int_equal(S.n_calls, 0);
	char *err = read_file("stderr");
	assert_non_null(strstr(err, "another run's results"));
	free(err);
	char *after = read_file("foreign.out.csv");
	assert_string_equal(after, res);
	free(after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mixed),
		cmocka_unit_test(test_sync),
		cmocka_unit_test(test_concurrency),
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_interrupt),
		cmocka_unit_test(test_smsr_change),
		cmocka_unit_test(test_audit),
		cmocka_unit_test(test_foreign_result),
	};
	/* M2MRSP_TEST_FILTER=test_concurrency runs one test (a loop hunting a race). */
	const char *only = getenv("M2MRSP_TEST_FILTER");
	if (only != NULL)
		cmocka_set_test_filter(only);
	signal(SIGPIPE, SIG_IGN);
	evthread_use_pthreads();
	if (m2m_ws_init() != M2M_OK || m2m_http_global_init() != M2M_OK)
		return 1;
	int rc = cmocka_run_group_tests(tests, setup, teardown);
	m2m_http_global_cleanup();
	return rc;
}
