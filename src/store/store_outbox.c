/* The SM-SR's outbox (docs/smsr.md "Notifications"): the Handle*Notification calls waiting
 * for their peer, written in the transaction of the event that causes them, taken one
 * attempt at a time by the outbound worker of any process sharing the database. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

/* The columns of OUTBOX_COLS (store_sql.c). */
enum {
	C_ID,
	C_EID,
	C_SEQ,
	C_FN,
	C_PEER,
	C_ICCID,
	C_MNO_ID,
	C_EVENT,
	C_STATE,
	C_ATTEMPTS,
	C_NEXT,
	C_CREATED,
	C_UPDATED,
	C_DETAIL,
};

static const char *const state_names[] = {
	[M2M_STORE_OUTBOX_PENDING] = "pending",
	[M2M_STORE_OUTBOX_DELIVERED] = "delivered",
	[M2M_STORE_OUTBOX_ABANDONED] = "abandoned",
};

const char *m2m_store_outbox_state_name(m2m_store_outbox_state s)
{
	return (unsigned)s <= M2M_STORE_OUTBOX_ABANDONED ? state_names[s] : "?";
}

static bool state_parse(const char *s, m2m_store_outbox_state *out)
{
	for (unsigned i = 0; i <= M2M_STORE_OUTBOX_ABANDONED; i++) {
		if (strcmp(s, state_names[i]) == 0) {
			*out = (m2m_store_outbox_state)i;
			return true;
		}
	}
	return false;
}

static m2m_err from_row(m2m_store *st, m2m_store_outbox *ob)
{
	char state[16];
	m2m_err rc;

	memset(ob, 0, sizeof *ob);
	if ((rc = m2m_q_text(st, C_EID, ob->eid, sizeof ob->eid)) != M2M_OK ||
	    (rc = m2m_q_text(st, C_FN, ob->fn, sizeof ob->fn)) != M2M_OK ||
	    (rc = m2m_q_text(st, C_PEER, ob->peer, sizeof ob->peer)) != M2M_OK ||
	    (rc = m2m_q_text(st, C_ICCID, ob->iccid, sizeof ob->iccid)) != M2M_OK ||
	    (rc = m2m_q_text(st, C_MNO_ID, ob->mno_id, sizeof ob->mno_id)) != M2M_OK ||
	    (rc = m2m_q_text(st, C_STATE, state, sizeof state)) != M2M_OK)
		return rc;
	ob->id = m2m_q_int(st, C_ID);
	if (!state_parse(state, &ob->state))
		return m2m_store_fail(st, M2M_ERR_FORMAT, "outbox row %lld has unknown state '%s'",
				      (long long)ob->id, state);
	/* A detail longer than the buffer is cut: it is a diagnostic. */
	const char *d = m2m_q_null(st, C_DETAIL) ? NULL : st->drv->col_text(st, C_DETAIL);
	if (d != NULL)
		snprintf(ob->detail, sizeof ob->detail, "%s", d);
	ob->seq = m2m_q_null(st, C_SEQ) ? -1 : m2m_q_int(st, C_SEQ);
	ob->event_ms = m2m_q_int(st, C_EVENT);
	ob->attempts = m2m_q_int(st, C_ATTEMPTS);
	ob->next_attempt_ms = m2m_q_int(st, C_NEXT);
	ob->created_ms = m2m_q_int(st, C_CREATED);
	ob->updated_ms = m2m_q_int(st, C_UPDATED);
	return M2M_OK;
}

m2m_err m2m_store_outbox_add(m2m_store *st, const m2m_store_outbox *ob, int64_t now_ms,
			     int64_t *id)
{
	m2m_err rc;

	if (st == NULL || ob == NULL)
		return M2M_ERR_ARG;
	if ((rc = M2M_STORE_CHECK(st, "outbox EID", ob->eid, true)) != M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "outbox function", ob->fn, true)) != M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "outbox peer", ob->peer, true)) != M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "outbox ICCID", ob->iccid, true)) != M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "outbox Mno-id", ob->mno_id, false)) != M2M_OK)
		return rc;
	m2m_sv args[] = {m2m_sv_text(ob->eid),
			 ob->seq >= 0 ? m2m_sv_int(ob->seq) : m2m_sv_null(),
			 m2m_sv_text(ob->fn),
			 m2m_sv_text(ob->peer),
			 m2m_sv_text(ob->iccid),
			 m2m_sv_opt_text(ob->mno_id),
			 m2m_sv_int(ob->event_ms),
			 m2m_sv_int(now_ms)};
	rc = m2m_q_first(st, M2M_Q_OUTBOX_ADD, args, sizeof args / sizeof args[0]);
	if (rc == M2M_END)
		return m2m_store_fail(st, M2M_ERR_IO, "outbox insert returned no id");
	if (rc != M2M_OK)
		return rc;
	if (id != NULL)
		*id = m2m_q_int(st, 0);
	m2m_q_done(st);
	return M2M_OK;
}

/* Runs a row query into one heap array. */
static m2m_err rows(m2m_store *st, m2m_q q, const m2m_sv *args, size_t nargs,
		    m2m_store_outbox **out, size_t *n)
{
	m2m_store_outbox *list = NULL;
	size_t cap = 0, count = 0;
	m2m_err rc = m2m_q_run(st, q, args, nargs);

	while (rc == M2M_OK && (rc = m2m_q_next(st)) == M2M_OK) {
		rc = m2m_store_grow(st, (void **)&list, sizeof *list, count, &cap);
		if (rc == M2M_OK)
			rc = from_row(st, &list[count]);
		if (rc == M2M_OK)
			count++;
	}
	m2m_q_done(st);
	if (rc != M2M_END) {
		free(list);
		return rc;
	}
	*out = list;
	*n = count;
	return M2M_OK;
}

m2m_err m2m_store_outbox_due(m2m_store *st, int64_t now_ms, size_t limit,
			     m2m_store_outbox **out, size_t *n)
{
	if (st == NULL || out == NULL || n == NULL || limit > INT64_MAX)
		return M2M_ERR_ARG;
	*out = NULL;
	*n = 0;
	m2m_sv args[] = {m2m_sv_int(now_ms), m2m_sv_int((int64_t)limit)};
	return rows(st, M2M_Q_OUTBOX_DUE, args, 2, out, n);
}

m2m_err m2m_store_outbox_list(m2m_store *st, const char *eid, int64_t after_id, size_t limit,
			      m2m_store_outbox **out, size_t *n)
{
	if (st == NULL || eid == NULL || out == NULL || n == NULL || limit > INT64_MAX)
		return M2M_ERR_ARG;
	*out = NULL;
	*n = 0;
	m2m_sv args[] = {m2m_sv_text(eid), m2m_sv_int(after_id), m2m_sv_int((int64_t)limit)};
	return rows(st, M2M_Q_OUTBOX_LIST, args, 3, out, n);
}

m2m_err m2m_store_outbox_next(m2m_store *st, int64_t *next_ms)
{
	m2m_err rc;

	if (st == NULL || next_ms == NULL)
		return M2M_ERR_ARG;
	rc = m2m_q_first(st, M2M_Q_OUTBOX_NEXT, NULL, 0);
	if (rc != M2M_OK)
		return rc == M2M_END ? M2M_OK : rc; /* MIN() always gives a row */
	rc = m2m_q_null(st, 0) ? M2M_END : M2M_OK;
	*next_ms = rc == M2M_OK ? m2m_q_int(st, 0) : 0;
	m2m_q_done(st);
	return rc;
}

/* An UPDATE of one row that must change it: M2M_END when it did not. */
static m2m_err update_one(m2m_store *st, m2m_q q, const m2m_sv *args, size_t n, int64_t id)
{
	int64_t changes = 0;
	m2m_err rc = m2m_q_exec(st, q, args, n, &changes);

	if (rc == M2M_OK && changes == 0)
		return m2m_store_fail(st, M2M_END, "outbox row %lld: not pending or not due",
				      (long long)id);
	return rc;
}

m2m_err m2m_store_outbox_claim(m2m_store *st, int64_t id, int64_t now_ms, int64_t until_ms)
{
	if (st == NULL)
		return M2M_ERR_ARG;
	m2m_sv args[] = {m2m_sv_int(id), m2m_sv_int(now_ms), m2m_sv_int(until_ms)};
	return update_one(st, M2M_Q_OUTBOX_CLAIM, args, 3, id);
}

m2m_err m2m_store_outbox_retry(m2m_store *st, int64_t id, int64_t next_ms, int64_t now_ms,
			       const char *detail)
{
	if (st == NULL)
		return M2M_ERR_ARG;
	m2m_sv args[] = {m2m_sv_int(id), m2m_sv_int(next_ms), m2m_sv_int(now_ms),
			 m2m_sv_opt_text(detail)};
	return update_one(st, M2M_Q_OUTBOX_RETRY, args, 4, id);
}

m2m_err m2m_store_outbox_finish(m2m_store *st, int64_t id, m2m_store_outbox_state state,
				int64_t now_ms, const char *detail)
{
	if (st == NULL || state == M2M_STORE_OUTBOX_PENDING ||
	    (unsigned)state > M2M_STORE_OUTBOX_ABANDONED)
		return M2M_ERR_ARG;
	m2m_sv args[] = {m2m_sv_int(id), m2m_sv_text(state_names[state]), m2m_sv_int(now_ms),
			 m2m_sv_opt_text(detail)};
	return update_one(st, M2M_Q_OUTBOX_FINISH, args, 4, id);
}

m2m_err m2m_store_outbox_purge(m2m_store *st, int64_t before_ms, int64_t *deleted)
{
	if (st == NULL)
		return M2M_ERR_ARG;
	m2m_sv args[] = {m2m_sv_int(before_ms)};
	return m2m_q_exec(st, M2M_Q_OUTBOX_PURGE, args, 1, deleted);
}
