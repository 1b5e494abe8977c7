/*
 * m2m_store_job_claim_eids (the SM-SR engine's claim for eUICCs in an SCP81 session), run
 * once per back end: test_store_queues.c (SQLite) and test_store_queues_pg.c include
 * it after cmocka.h and define fresh_url() (a URL to a new, empty database). The same claim
 * rule as m2m_store_job_claim: heads only, due, no live lease, one lease per job.
 */
#ifndef M2M_TESTS_STORE_CLAIM_EIDS_SUITE_H
#define M2M_TESTS_STORE_CLAIM_EIDS_SUITE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

static char *fresh_url(void);

#define CE_OK(x) assert_int_equal((x), M2M_OK)

static const char CE_EID1[] = "89049032123451234512345678901001";
static const char CE_EID2[] = "89049032123451234512345678901002";
static const char CE_EID3[] = "89049032123451234512345678901003";
static const int64_t CE_T0 = INT64_C(1767225600000); /* 2026-01-01T00:00:00Z */
#define CE_LEASE 20000

static m2m_store *ce_open(const char *url)
{
	char err[512] = "";
	m2m_store *st = NULL;

	if (m2m_store_open(url, NULL, &st, err, sizeof err) != M2M_OK)
		print_message("open %s: %s\n", url, err);
	assert_non_null(st);
	return st;
}

static int64_t ce_add(m2m_store *st, const char *eid, int64_t due)
{
	m2m_store_job j;
	int64_t id = 0;

	memset(&j, 0, sizeof j);
	snprintf(j.eid, sizeof j.eid, "%s", eid);
	snprintf(j.kind, sizeof j.kind, "audit");
	j.next_attempt_ms = due;
	CE_OK(m2m_store_job_add(st, &j, CE_T0, &id));
	return id;
}

/* Claims for worker at now among eids; the ids (up to 4) into ids, returns how many. */
static size_t ce_claim(m2m_store *st, const char *worker, int64_t now, const char *const *eids,
		       size_t neids, int64_t *ids)
{
	m2m_store_job *jobs = NULL;
	size_t n = 0;

	CE_OK(m2m_store_job_claim_eids(st, worker, now, CE_LEASE, eids, neids, &jobs, &n));
	assert_true(n <= 4);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(jobs[i].lease_owner, worker);
		ids[i] = jobs[i].id;
	}
	m2m_store_job_list_free(jobs, n);
	return n;
}

/* Heads of the eUICCs named only, due ones only, one each; leased ones are not taken again,
 * by this worker or another, until the lease runs out or the job ends. */
static void test_claim_eids(void **state)
{
	char *url = fresh_url();
	m2m_store *st = ce_open(url), *st2 = ce_open(url);
	const char *both[] = {CE_EID1, CE_EID2}, *one[] = {CE_EID1}, *third[] = {CE_EID3};
	int64_t a1, a2, b1, c1, ids[4];
	size_t n;

	(void)state;
	a1 = ce_add(st, CE_EID1, CE_T0);
	a2 = ce_add(st, CE_EID1, CE_T0);
	b1 = ce_add(st, CE_EID2, CE_T0 + 5000); /* not due before T0 + 5 s */
	c1 = ce_add(st, CE_EID3, CE_T0);
	/* EID3 not named: its due head stays; EID1's head only (serial per eUICC). */
	n = ce_claim(st, "w1", CE_T0, both, 2, ids);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], a1);
	/* Leased: neither this worker nor another takes it (nor EID1's second job). */
	assert_int_equal(ce_claim(st, "w1", CE_T0 + 1, one, 1, ids), 0);
	assert_int_equal(ce_claim(st2, "w2", CE_T0 + 1, one, 1, ids), 0);
	/* Due later. */
	n = ce_claim(st2, "w2", CE_T0 + 5000, both, 2, ids);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], b1);
	/* The head moves when the job ends. */
	CE_OK(m2m_store_job_finish(st, a1, "w1", CE_T0 + 6000, M2M_STORE_JOB_ANSWERED, NULL, 0,
				   NULL));
	n = ce_claim(st2, "w2", CE_T0 + 6000, one, 1, ids);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], a2);
	/* A lease run out: another worker takes the job. */
	n = ce_claim(st, "w1", CE_T0 + 6000 + CE_LEASE, one, 1, ids);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], a2);
	/* The general claim does not take what claim_eids leased. */
	m2m_store_job *jobs = NULL;
	CE_OK(m2m_store_job_claim(st2, "w2", CE_T0 + 6001 + CE_LEASE, CE_LEASE, 8, &jobs, &n));
	for (size_t i = 0; i < n; i++)
		assert_true(jobs[i].id != a2);
	m2m_store_job_list_free(jobs, n);
	/* No EID: nothing, no error. */
	assert_int_equal(ce_claim(st, "w1", CE_T0, third, 0, ids), 0);
	(void)c1;
	m2m_store_close(st2);
	m2m_store_close(st);
	free(url);
}

#define CLAIM_EIDS_SUITE_TESTS cmocka_unit_test(test_claim_eids)

#endif
