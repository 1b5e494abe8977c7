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

#define NDEV 10
#define PER_DEV 5 /* audit, enable 2nd, audit, enable bootstrap, enable 2nd */
#define NCALL (NDEV * PER_DEV)
#define CB_MAX (NCALL * 2)
#include "pg_pair_harness.h"

#define AID_2 "A0000005591010FFFFFFFF8900001100"

/* Both processes bound to the farm's SMSC on its one account. */
static int setup(void **state)
{
	(void)state;
	pg_pair_setup("/tmp/m2m_pg_XXXXXX", false,
		      "por_timeout = 5000\n"
		      "[engine]\nconcurrency = 8\nretries = 3\nbackoff = 300\nlease = 30000\n"
		      "poll = 50\n"
		      "[callers]\nmno1 = " MNO1 "\n");
	return 0;
}

/* ---- the batch ---- */

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
	char mids[NDEV][PER_DEV][128], fcid[32], url[2][128];
	m2m_ws_client *c = client("mno1");
	m2m_store *st;

	(void)state;
	snprintf(url[0], sizeof url[0], "https://%s/soap/es4", F->es);
	snprintf(url[1], sizeof url[1], "https://%s/soap/es4", PAIR.es);
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
	st = pg_pair_store();
	for (int d = 0; d < NDEV; d++) {
		m2m_store_profile p;
		check_jobs(st, d);
		memset(&p, 0, sizeof p);
		assert_int_equal(m2m_store_profile_get(st, F->eid[d], AID_2, &p), M2M_OK);
		assert_int_equal(p.state, M2M_STORE_PROFILE_ENABLED);
		m2m_store_profile_clear(&p);
	}
	m2m_store_close(st);
	assert_int_equal(sh("grep -q ': done' '%s/smsr.err'", F->dir), 0);
	assert_int_equal(sh("grep -q ': done' '%s/smsr1.err'", F->dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_smsr_exactly_once),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, pg_pair_teardown);
}
