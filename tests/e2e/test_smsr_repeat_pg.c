/*
 * End to end, FunctionCallIdentifier repeats across two SM-SR processes on one PostgreSQL
 * (docs/smsr.md "FunctionCallIdentifier"): process A (the harness's smsr, bound to the farm's
 * SMSC) runs every job; process B shares its database but its SMSC address is a closed port,
 * so it never binds and never claims a job: whatever B answers about a running call it learns
 * from the call's record (smsr_poll.c). The card is switched off (the farm's control API) so
 * the job stays running while the repeats reach B, then switched on.
 */
#define _POSIX_C_SOURCE 200809L

#define NDEV 2
#include "pg_pair_harness.h"

#define SMDP1 "1.3.6.1.4.1.99999.20"

/* ---- set-up ---- */

/* B's SMSC address is a closed port; a PoR time-out longer than the card is off: the
 * command is sent once, its PoR awaited. */
static int setup(void **state)
{
	(void)state;
	pg_pair_setup("/tmp/m2m_rep_XXXXXX", true,
		      "por_timeout = 40000\n"
		      "[engine]\nconcurrency = 8\nretries = 3\nbackoff = 300\nlease = 60000\n"
		      "poll = 50\n"
		      "[callers]\nmno1 = " MNO1 "\nsmdp1 = " SMDP1 "\n");
	return 0;
}

/* ---- helpers ---- */

/* One call by who to the endpoint es (m taken over); reply_to NULL: held. */
static void send_to(const char *es, const char *who, m2m_ws_msg *m, const char *reply_to,
		    answer *a)
{
	send_as(es, who, 90000, m, reply_to, a);
}

/* A held call on a thread of its own (it blocks until the SM-SR answers). */
typedef struct {
	pthread_t thread;
	const char *es, *who;
	m2m_ws_msg *m;
	answer a;
	volatile bool done;
} held_call;

static void *held_run(void *arg)
{
	held_call *h = arg;

	send_to(h->es, h->who, h->m, NULL, &h->a);
	h->done = true;
	return NULL;
}

static void held_start(held_call *h, const char *es, const char *who, m2m_ws_msg *m)
{
	memset(h, 0, sizeof *h);
	h->es = es;
	h->who = who;
	h->m = m;
	assert_int_equal(pthread_create(&h->thread, NULL, held_run, h), 0);
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

/* How many lines of process name's log (name.err) contain text. */
static int log_count(const char *name, const char *text)
{
	char file[256], line[4096];
	FILE *f;
	int n = 0;

	snprintf(file, sizeof file, "%s/%s.err", F->dir, name);
	f = fopen(file, "r");
	while (f != NULL && fgets(line, sizeof line, f) != NULL)
		n += strstr(line, text) != NULL;
	if (f != NULL)
		fclose(f);
	return n;
}

/* Waits (up to 30 s) until name.err has at least n lines with text. */
static bool wait_log(const char *name, const char *text, int n)
{
	for (int i = 0; i < 600; i++) {
		if (log_count(name, text) >= n)
			return true;
		usleep(50000);
	}
	return false;
}

/* The jobs of eUICC dev made for call_id in the shared database. */
static size_t jobs_of(int dev, const char *call_id, jobs_seen *seen)
{
	m2m_store *st = pg_pair_store();
	size_t n = jobs_for_call(st, F->eid[dev], call_id, seen);

	m2m_store_close(st);
	return n;
}

/* Waits (up to 30 s) until the call's job was sent to the card by A. */
static void wait_sent(int dev, const char *call_id)
{
	jobs_seen seen;

	for (int i = 0; i < 600; i++) {
		if (jobs_of(dev, call_id, &seen) == 1 && seen.state == M2M_STORE_JOB_SENT)
			break;
		usleep(50000);
	}
	assert_int_equal(seen.state, M2M_STORE_JOB_SENT);
	assert_string_equal(seen.owner, "node-0");
}

/* Exactly one job for the call, answered, run by A. */
static void one_job_by_a(int dev, const char *call_id)
{
	jobs_seen seen;

	assert_int_equal(jobs_of(dev, call_id, &seen), 1);
	assert_int_equal(seen.state, M2M_STORE_JOB_ANSWERED);
	assert_string_equal(seen.owner, "node-0");
}

static m2m_ws_msg *enable_req(const char *fcid, int dev)
{
	return request(M2M_WS_ES4_ENABLE_PROFILE, fcid, dev, "Iccid", F->iccid2[dev], NULL);
}

/* ---- tests ---- */

/* EnableProfile on A with a ReplyTo, its repeats on B with a ReplyTo and held, while the job
 * runs on A: all three get the same answer, B's from the record; one job. */
static void test_repeats_on_other_process(void **state)
{
	answer a, b;
	held_call c;

	(void)state;
	farm_power(0, "{\"state\":\"off\",\"seconds\":60}");
	send_to(F->es, "mno1", enable_req("rep-1", 0), F->cb_url, &a);
	assert_true(a.accepted);
	wait_sent(0, "rep-1");
	send_to(PAIR.es, "mno1", enable_req("rep-1", 0), F->cb_url, &b);
	assert_true(b.accepted);
	held_start(&c, PAIR.es, "mno1", enable_req("rep-1", 0));
	/* B holds the repeat and waits (the ReplyTo one and the held one) */
	assert_true(wait_log("smsr1", "call 'rep-1' still running", 2));
	assert_false(c.done);
	assert_int_equal(callbacks_for(a.mid) + callbacks_for(b.mid), 0);
	farm_power(0, "{\"state\":\"on\"}");
	assert_int_equal(pthread_join(c.thread, NULL), 0);
	assert_false(c.a.accepted);
	await_answer(&a);
	await_answer(&b);
	if (a.st.status != M2M_WS_EXECUTED_SUCCESS)
		print_error("rep-1: %s %s/%s %s\n", m2m_ws_status_name(a.st.status), a.st.subject,
			    a.st.reason, a.st.message);
	assert_int_equal(a.st.status, M2M_WS_EXECUTED_SUCCESS);
	same_answer(&a, &b);
	same_answer(&a, &c.a);
	one_job_by_a(0, "rep-1");
	/* B answered both from the record, once each */
	assert_int_equal(log_count("smsr1", "held call 'rep-1' of mno1: answered from its record"),
			 1);
	assert_int_equal(log_count("smsr1", "call 'rep-1' of mno1: answered to"), 1);
	assert_int_equal(callbacks_for(a.mid), 1);
	assert_int_equal(callbacks_for(b.mid), 1);
}

/* A held EnableProfile on B (B queues the job, A runs it): answered on its exchange. */
static void test_held_call_run_elsewhere(void **state)
{
	answer a;

	(void)state;
	send_to(PAIR.es, "mno1", enable_req("rep-2", 1), NULL, &a);
	assert_false(a.accepted);
	if (a.st.status != M2M_WS_EXECUTED_SUCCESS)
		print_error("rep-2: %s %s/%s %s\n", m2m_ws_status_name(a.st.status), a.st.subject,
			    a.st.reason, a.st.message);
	assert_int_equal(a.st.status, M2M_WS_EXECUTED_SUCCESS);
	one_job_by_a(1, "rep-2");
	assert_int_equal(log_count("smsr1", "held call 'rep-2' of mno1: answered from its record"),
			 1);
}

/* ES3 CreateISDP held on A, its repeat held on B while the card is off: the same status and
 * Isd-p-aid (B's from the record's extras), one job. */
static void test_create_isdp_repeat(void **state)
{
	held_call a, b;
	const char *iccid = "8988299000000009991";

	(void)state;
	farm_power(0, "{\"state\":\"off\",\"seconds\":60}");
	held_start(&a, F->es, "smdp1",
		   request(M2M_WS_ES3_CREATE_ISDP, "rep-3", 0, "Iccid", iccid, "Mno-id", MNO1,
			   "RequiredMemory", "30000", NULL));
	wait_sent(0, "rep-3");
	held_start(&b, PAIR.es, "smdp1",
		   request(M2M_WS_ES3_CREATE_ISDP, "rep-3", 0, "Iccid", iccid, "Mno-id", MNO1,
			   "RequiredMemory", "30000", NULL));
	assert_true(wait_log("smsr1", "call 'rep-3' still running", 1));
	assert_false(a.done);
	assert_false(b.done);
	farm_power(0, "{\"state\":\"on\"}");
	assert_int_equal(pthread_join(a.thread, NULL), 0);
	assert_int_equal(pthread_join(b.thread, NULL), 0);
	if (a.a.st.status != M2M_WS_EXECUTED_SUCCESS)
		print_error("rep-3: %s %s/%s %s\n", m2m_ws_status_name(a.a.st.status),
			    a.a.st.subject, a.a.st.reason, a.a.st.message);
	assert_int_equal(a.a.st.status, M2M_WS_EXECUTED_SUCCESS);
	assert_true(a.a.aid[0] != '\0');
	same_answer(&a.a, &b.a);
	one_job_by_a(0, "rep-3");
	assert_int_equal(log_count("smsr1", "held call 'rep-3' of smdp1: answered from its record"),
			 1);
}

/* EnableProfile of the bootstrap profile of eUICC dev, ValidityPeriod vp seconds (0: none). */
static m2m_ws_msg *enable_req_vp(const char *fcid, int dev, uint64_t vp)
{
	m2m_ws_msg *m = NULL;

	assert_int_equal(m2m_ws_request_new(M2M_WS_ES4_ENABLE_PROFILE, fcid, vp, &m), M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "Eid", F->eid[dev], NULL), M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "Iccid", F->iccid[dev], NULL), M2M_OK);
	return m;
}

/* A repeat with ReplyTo on B whose ValidityPeriod (2 s) runs out while the job runs on A:
 * EXPIRED 1.6 / 5.3 at its ReplyTo, once; the call itself still gets the job's answer. */
static void test_waiter_expires(void **state)
{
	answer a, b;

	(void)state;
	farm_power(0, "{\"state\":\"off\",\"seconds\":60}");
	send_to(F->es, "mno1", enable_req_vp("rep-4", 0, 0), F->cb_url, &a);
	assert_true(a.accepted);
	wait_sent(0, "rep-4");
	send_to(PAIR.es, "mno1", enable_req_vp("rep-4", 0, 2), F->cb_url, &b);
	assert_true(b.accepted);
	await_answer(&b);
	assert_int_equal(b.st.status, M2M_WS_EXPIRED);
	assert_string_equal(b.st.subject, "1.6");
	assert_string_equal(b.st.reason, "5.3");
	assert_int_equal(callbacks_for(a.mid), 0); /* the job is still running */
	farm_power(0, "{\"state\":\"on\"}");
	await_answer(&a);
	assert_int_equal(a.st.status, M2M_WS_EXECUTED_SUCCESS);
	one_job_by_a(0, "rep-4");
	assert_int_equal(log_count("smsr1", "call 'rep-4' of mno1: validity over"), 1);
	assert_int_equal(log_count("smsr1", "call 'rep-4' of mno1: answered to"), 0);
	assert_int_equal(callbacks_for(b.mid), 1);
}

/* B stopped while a repeat waits there (the poll armed): a clean exit (under ASan: no leak,
 * no error); the call is answered by A when the card comes back. */
static void test_stop_while_waiting(void **state)
{
	answer a, b;
	int status = 0;

	(void)state;
	farm_power(1, "{\"state\":\"off\",\"seconds\":60}");
	send_to(F->es, "mno1", enable_req_vp("rep-5", 1, 0), F->cb_url, &a);
	assert_true(a.accepted);
	wait_sent(1, "rep-5");
	send_to(PAIR.es, "mno1", enable_req_vp("rep-5", 1, 0), F->cb_url, &b);
	assert_true(b.accepted);
	assert_true(wait_log("smsr1", "call 'rep-5' still running", 1));
	assert_int_equal(kill(PAIR.smsr, SIGTERM), 0);
	assert_int_equal(waitpid(PAIR.smsr, &status, 0), PAIR.smsr);
	PAIR.smsr = 0;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	farm_power(1, "{\"state\":\"on\"}");
	await_answer(&a);
	assert_int_equal(a.st.status, M2M_WS_EXECUTED_SUCCESS);
	assert_int_equal(callbacks_for(b.mid), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_repeats_on_other_process),
		cmocka_unit_test(test_held_call_run_elsewhere),
		cmocka_unit_test(test_create_isdp_repeat),
		cmocka_unit_test(test_waiter_expires),
		cmocka_unit_test(test_stop_while_waiting),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, pg_pair_teardown);
}
