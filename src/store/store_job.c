/*
 * Durable ES5 jobs: serial per eUICC (only the oldest unfinished job of an eUICC, its head,
 * can be claimed), parallel across eUICCs, leased to one worker at a time. The claim is one
 * statement in a write transaction: SQLite's BEGIN IMMEDIATE serialises claimers;
 * PostgreSQL's SELECT ... FOR UPDATE SKIP LOCKED lets them pass each other without ever
 * taking the same row, and re-checks the lease on rows another claimer just committed.
 * Adding a job and finishing one (which moves the head) hold the eUICC's lock (store_sql.c).
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

static const char *const state_names[] = {
	[M2M_STORE_JOB_QUEUED] = "queued",     [M2M_STORE_JOB_SENT] = "sent",
	[M2M_STORE_JOB_ANSWERED] = "answered", [M2M_STORE_JOB_FAILED] = "failed",
	[M2M_STORE_JOB_EXPIRED] = "expired",
};

const char *m2m_store_job_state_name(m2m_store_job_state s)
{
	return (unsigned)s <= M2M_STORE_JOB_EXPIRED ? state_names[s] : "?";
}

static bool state_parse(const char *s, m2m_store_job_state *out)
{
	for (unsigned i = 0; i <= M2M_STORE_JOB_EXPIRED; i++) {
		if (strcmp(s, state_names[i]) == 0) {
			*out = (m2m_store_job_state)i;
			return true;
		}
	}
	return false;
}

void m2m_store_job_clear(m2m_store_job *j)
{
	if (j == NULL)
		return;
	free(j->payload);
	free(j->result);
	free(j->detail);
	memset(j, 0, sizeof *j);
}

void m2m_store_job_list_free(m2m_store_job *list, size_t n)
{
	for (size_t i = 0; list != NULL && i < n; i++)
		m2m_store_job_clear(&list[i]);
	free(list);
}

static m2m_err job_from_row(m2m_store *st, m2m_store_job *j)
{
	char state[16];
	m2m_err rc;

	memset(j, 0, sizeof *j);
	if ((rc = m2m_q_text(st, M2M_JOB_C_EID, j->eid, sizeof j->eid)) != M2M_OK ||
	    (rc = m2m_q_text(st, M2M_JOB_C_KIND, j->kind, sizeof j->kind)) != M2M_OK ||
	    (rc = m2m_q_text(st, M2M_JOB_C_CALL_ID, j->call_id, sizeof j->call_id)) != M2M_OK ||
	    (rc = m2m_q_text(st, M2M_JOB_C_STATE, state, sizeof state)) != M2M_OK ||
	    (rc = m2m_q_text(st, M2M_JOB_C_LEASE_OWNER, j->lease_owner, sizeof j->lease_owner)) !=
		    M2M_OK)
		return rc;
	j->id = m2m_q_int(st, M2M_JOB_C_ID);
	if (!state_parse(state, &j->state))
		return m2m_store_fail(st, M2M_ERR_FORMAT, "job %lld has unknown state '%s'",
				      (long long)j->id, state);
	j->attempts = (int32_t)m2m_q_int(st, M2M_JOB_C_ATTEMPTS);
	j->next_attempt_ms = m2m_q_int(st, M2M_JOB_C_NEXT_ATTEMPT);
	j->deadline_ms = m2m_q_int(st, M2M_JOB_C_DEADLINE);
	j->lease_until_ms = m2m_q_int(st, M2M_JOB_C_LEASE_UNTIL);
	j->created_ms = m2m_q_int(st, M2M_JOB_C_CREATED);
	j->updated_ms = m2m_q_int(st, M2M_JOB_C_UPDATED);
	rc = m2m_q_blob_dup(st, M2M_JOB_C_PAYLOAD, &j->payload, &j->payload_len);
	if (rc == M2M_OK)
		rc = m2m_q_blob_dup(st, M2M_JOB_C_RESULT, &j->result, &j->result_len);
	if (rc == M2M_OK)
		rc = m2m_q_text_dup(st, M2M_JOB_C_DETAIL, &j->detail);
	if (rc != M2M_OK)
		m2m_store_job_clear(j);
	return rc;
}

/* Reads every row of the running statement into a new array. */
static m2m_err read_jobs(m2m_store *st, m2m_err rc, m2m_store_job **out, size_t *n)
{
	m2m_store_job *list = NULL;
	size_t cap = 0, count = 0;

	while (rc == M2M_OK && (rc = m2m_q_next(st)) == M2M_OK) {
		rc = m2m_store_grow(st, (void **)&list, sizeof *list, count, &cap);
		if (rc == M2M_OK)
			rc = job_from_row(st, &list[count]);
		if (rc == M2M_OK)
			count++;
	}
	m2m_q_done(st);
	if (rc != M2M_END) {
		m2m_store_job_list_free(list, count);
		return rc;
	}
	*out = list;
	*n = count;
	return M2M_OK;
}

m2m_err m2m_store_job_add(m2m_store *st, const m2m_store_job *j, int64_t now_ms, int64_t *id)
{
	m2m_err rc;

	if (st == NULL || j == NULL || id == NULL)
		return M2M_ERR_ARG;
	if ((rc = M2M_STORE_CHECK(st, "job EID", j->eid, true)) != M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "job kind", j->kind, true)) != M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "job call id", j->call_id, false)) != M2M_OK)
		return rc;
	if (j->deadline_ms < 0 || (j->payload_len > 0 && j->payload == NULL))
		return m2m_store_fail(st, M2M_ERR_ARG, "bad job deadline or payload");
	m2m_sv args[] = {
		m2m_sv_text(j->eid),
		m2m_sv_text(j->kind),
		m2m_sv_opt_text(j->call_id),
		m2m_sv_int(j->next_attempt_ms ? j->next_attempt_ms : now_ms),
		m2m_sv_opt_int(j->deadline_ms),
		m2m_sv_int(now_ms),
		m2m_sv_opt_blob(j->payload, j->payload_len),
	};
	bool own = false;
	rc = m2m_store_txn_enter(st, &own);
	if (rc == M2M_OK)
		rc = m2m_q_exec(st, M2M_Q_JOB_LOCK_EID, args, 1, NULL);
	if (rc == M2M_OK)
		rc = m2m_q_first(st, M2M_Q_JOB_ADD, args, sizeof args / sizeof args[0]);
	if (rc == M2M_OK) {
		*id = m2m_q_int(st, 0);
		m2m_q_done(st);
	} else if (rc == M2M_END) {
		rc = m2m_store_fail(st, M2M_ERR_IO, "the job insert returned no id");
	}
	return m2m_store_txn_leave(st, own, rc);
}

m2m_err m2m_store_job_get(m2m_store *st, int64_t id, m2m_store_job *out)
{
	if (st == NULL || out == NULL)
		return M2M_ERR_ARG;
	m2m_sv args[] = {m2m_sv_int(id)};
	m2m_err rc = m2m_q_first(st, M2M_Q_JOB_GET, args, 1);
	if (rc == M2M_END)
		return m2m_store_fail(st, M2M_END, "no job %lld", (long long)id);
	if (rc != M2M_OK)
		return rc;
	rc = job_from_row(st, out);
	m2m_q_done(st);
	return rc;
}

static int by_id(const void *a, const void *b)
{
	const m2m_store_job *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

m2m_err m2m_store_job_claim(m2m_store *st, const char *worker, int64_t now_ms,
			    int64_t lease_ms, size_t max, m2m_store_job **out, size_t *n)
{
	bool own = false;
	m2m_err rc;

	if (st == NULL || out == NULL || n == NULL)
		return M2M_ERR_ARG;
	*out = NULL;
	*n = 0;
	if ((rc = m2m_store_check_text(st, "worker", worker, M2M_STORE_ID_SIZE, true)) != M2M_OK)
		return rc;
	if (lease_ms <= 0 || max > INT32_MAX)
		return m2m_store_fail(st, M2M_ERR_ARG, "bad lease length or job count");
	if (max == 0)
		return M2M_OK;
	rc = m2m_store_txn_enter(st, &own);
	if (rc != M2M_OK)
		return rc;
	m2m_sv args[] = {m2m_sv_text(worker), m2m_sv_int(now_ms + lease_ms), m2m_sv_int(now_ms),
			 m2m_sv_int((int64_t)max)};
	rc = read_jobs(st, m2m_q_run(st, M2M_Q_JOB_CLAIM, args, 4), out, n);
	rc = m2m_store_txn_leave(st, own, rc);
	if (rc != M2M_OK) {
		m2m_store_job_list_free(*out, *n);
		*out = NULL;
		*n = 0;
		return rc;
	}
	/* RETURNING gives rows in no particular order. */
	if (*n > 1)
		qsort(*out, *n, sizeof **out, by_id);
	return M2M_OK;
}

/* Moves the n jobs of *add to the end of *list (count *len); frees *add. */
static m2m_err append_jobs(m2m_store *st, m2m_store_job **list, size_t *len,
			   m2m_store_job **add, size_t n)
{
	m2m_store_job *grown;

	if (n == 0)
		goto out;
	grown = realloc(*list, (*len + n) * sizeof *grown);
	if (grown == NULL) {
		m2m_store_job_list_free(*add, n);
		*add = NULL;
		return m2m_store_fail(st, M2M_ERR_NOMEM, "out of memory");
	}
	memcpy(grown + *len, *add, n * sizeof *grown);
	*list = grown;
	*len += n;
out:
	free(*add); /* the rows moved: only the array goes */
	*add = NULL;
	return M2M_OK;
}

m2m_err m2m_store_job_claim_eids(m2m_store *st, const char *worker, int64_t now_ms,
				 int64_t lease_ms, const char *const *eids, size_t neids,
				 m2m_store_job **out, size_t *n)
{
	m2m_store_job *one = NULL;
	size_t got = 0;
	bool own = false;
	m2m_err rc;

	if (st == NULL || out == NULL || n == NULL || (neids > 0 && eids == NULL))
		return M2M_ERR_ARG;
	*out = NULL;
	*n = 0;
	if ((rc = m2m_store_check_text(st, "worker", worker, M2M_STORE_ID_SIZE, true)) != M2M_OK)
		return rc;
	if (lease_ms <= 0)
		return m2m_store_fail(st, M2M_ERR_ARG, "bad lease length");
	if (neids == 0)
		return M2M_OK;
	rc = m2m_store_txn_enter(st, &own);
	for (size_t i = 0; rc == M2M_OK && i < neids; i++) {
		m2m_sv args[] = {m2m_sv_text(worker), m2m_sv_int(now_ms + lease_ms),
				 m2m_sv_int(now_ms), m2m_sv_text(eids[i])};
		rc = read_jobs(st, m2m_q_run(st, M2M_Q_JOB_CLAIM_EID, args, 4), &one, &got);
		if (rc == M2M_OK)
			rc = append_jobs(st, out, n, &one, got);
	}
	rc = m2m_store_txn_leave(st, own, rc);
	if (rc != M2M_OK) {
		m2m_store_job_list_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

/* A transition that needs the caller's lease. */
static m2m_err leased(m2m_store *st, m2m_q q, const m2m_sv *args, size_t n, int64_t id,
		      const char *worker)
{
	int64_t changes = 0;
	m2m_err rc = m2m_q_exec(st, q, args, n, &changes);

	if (rc == M2M_OK && changes == 0)
		return m2m_store_fail(st, M2M_ERR_STATE,
				      "job %lld is not leased to %.64s (lease lost, or job finished"
				      " or absent)", (long long)id, worker);
	return rc;
}

m2m_err m2m_store_job_renew(m2m_store *st, int64_t id, const char *worker,
			    int64_t lease_until_ms)
{
	if (st == NULL || worker == NULL)
		return M2M_ERR_ARG;
	m2m_sv args[] = {m2m_sv_int(id), m2m_sv_text(worker), m2m_sv_int(lease_until_ms)};
	return leased(st, M2M_Q_JOB_RENEW, args, 3, id, worker);
}

m2m_err m2m_store_job_sent(m2m_store *st, int64_t id, const char *worker, int64_t now_ms,
			   int64_t lease_until_ms)
{
	if (st == NULL || worker == NULL)
		return M2M_ERR_ARG;
	m2m_sv args[] = {m2m_sv_int(id), m2m_sv_text(worker), m2m_sv_int(lease_until_ms),
			 m2m_sv_int(now_ms)};
	return leased(st, M2M_Q_JOB_SENT, args, 4, id, worker);
}

m2m_err m2m_store_job_retry(m2m_store *st, int64_t id, const char *worker, int64_t now_ms,
			    int64_t next_attempt_ms, const char *detail)
{
	if (st == NULL || worker == NULL)
		return M2M_ERR_ARG;
	m2m_sv args[] = {m2m_sv_int(id), m2m_sv_text(worker), m2m_sv_int(next_attempt_ms),
			 m2m_sv_opt_text(detail), m2m_sv_int(now_ms)};
	return leased(st, M2M_Q_JOB_RETRY, args, 5, id, worker);
}

m2m_err m2m_store_job_finish(m2m_store *st, int64_t id, const char *worker, int64_t now_ms,
			     m2m_store_job_state state, const uint8_t *result, size_t result_len,
			     const char *detail)
{
	if (st == NULL || worker == NULL || (result_len > 0 && result == NULL))
		return M2M_ERR_ARG;
	if (state != M2M_STORE_JOB_ANSWERED && state != M2M_STORE_JOB_FAILED &&
	    state != M2M_STORE_JOB_EXPIRED)
		return m2m_store_fail(st, M2M_ERR_ARG, "a job finishes answered, failed or expired");
	m2m_sv args[] = {m2m_sv_int(id),
			 m2m_sv_text(worker),
			 m2m_sv_text(state_names[state]),
			 m2m_sv_opt_blob(result, result_len),
			 m2m_sv_opt_text(detail),
			 m2m_sv_int(now_ms)};
	char eid[M2M_STORE_EID_SIZE] = "";
	bool own = false;
	m2m_err rc = m2m_store_txn_enter(st, &own);
	if (rc == M2M_OK)
		rc = m2m_q_first(st, M2M_Q_JOB_FINISH, args, 6);
	if (rc == M2M_END)
		rc = m2m_store_fail(st, M2M_ERR_STATE,
				    "job %lld is not leased to %.64s (lease lost, or job finished or"
				    " absent)", (long long)id, worker);
	if (rc == M2M_OK) {
		rc = m2m_q_text(st, 0, eid, sizeof eid);
		m2m_q_done(st);
	}
	/* The next job of the eUICC becomes its head. */
	m2m_sv by_eid[] = {m2m_sv_text(eid)};
	if (rc == M2M_OK)
		rc = m2m_q_exec(st, M2M_Q_JOB_LOCK_EID, by_eid, 1, NULL);
	if (rc == M2M_OK)
		rc = m2m_q_exec(st, M2M_Q_JOB_PROMOTE, by_eid, 1, NULL);
	return m2m_store_txn_leave(st, own, rc);
}

m2m_err m2m_store_job_release(m2m_store *st, int64_t id, const char *worker)
{
	if (st == NULL || worker == NULL)
		return M2M_ERR_ARG;
	m2m_sv args[] = {m2m_sv_int(id), m2m_sv_text(worker)};
	return leased(st, M2M_Q_JOB_RELEASE, args, 2, id, worker);
}

m2m_err m2m_store_job_list(m2m_store *st, const char *eid, m2m_store_job **out, size_t *n)
{
	if (st == NULL || eid == NULL || out == NULL || n == NULL)
		return M2M_ERR_ARG;
	*out = NULL;
	*n = 0;
	m2m_sv args[] = {m2m_sv_text(eid)};
	return read_jobs(st, m2m_q_run(st, M2M_Q_JOB_LIST, args, 1), out, n);
}

m2m_err m2m_store_job_count(m2m_store *st, m2m_store_job_state state, int64_t *count)
{
	if (st == NULL || count == NULL || (unsigned)state > M2M_STORE_JOB_EXPIRED)
		return M2M_ERR_ARG;
	m2m_sv args[] = {m2m_sv_text(state_names[state])};
	m2m_err rc = m2m_q_first(st, M2M_Q_JOB_COUNT, args, 1);
	if (rc != M2M_OK)
		return rc == M2M_END ? M2M_ERR_IO : rc;
	*count = m2m_q_int(st, 0);
	m2m_q_done(st);
	return M2M_OK;
}

m2m_err m2m_store_job_purge(m2m_store *st, int64_t before_ms, int64_t *deleted)
{
	if (st == NULL)
		return M2M_ERR_ARG;
	m2m_sv args[] = {m2m_sv_int(before_ms)};
	return m2m_q_exec(st, M2M_Q_JOB_PURGE, args, 1, deleted);
}

m2m_err m2m_store_job_set_payload(m2m_store *st, int64_t id, const uint8_t *payload,
				  size_t len)
{
	int64_t changes = 0;
	m2m_err rc;

	if (st == NULL || (payload == NULL && len > 0))
		return M2M_ERR_ARG;
	m2m_sv args[] = {m2m_sv_int(id), m2m_sv_blob(payload, len)};
	rc = m2m_q_exec(st, M2M_Q_JOB_SET_PAYLOAD, args, 2, &changes);
	return rc == M2M_OK && changes == 0 ? M2M_END : rc;
}

m2m_err m2m_store_job_make_head(m2m_store *st, int64_t id)
{
	int64_t changes = 0;
	m2m_err rc;

	if (st == NULL)
		return M2M_ERR_ARG;
	m2m_sv args[] = {m2m_sv_int(id)};
	rc = m2m_q_exec(st, M2M_Q_JOB_MAKE_HEAD, args, 1, &changes);
	return rc == M2M_OK && changes == 0 ? M2M_END : rc;
}
