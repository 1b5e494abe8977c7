/* The SM-SR change's durable state (docs/smsr-change.md "State in the store"): SM-SR2's
 * PrepareSMSRChange records and SM-SR1's lock of an eUICC being handed over, shared by every
 * process on the database. Each check-and-set is one statement (store_sql.c), so two
 * processes never both take a preparation or a lock. */
#include <string.h>

#include "store/store_int.h"

static m2m_err check_eid(m2m_store *st, const char *eid)
{
	return m2m_store_check_text(st, "EID", eid, M2M_STORE_EID_SIZE, true);
}

/* ---- PrepareSMSRChange (SM-SR2) ---- */

m2m_err m2m_store_es7_prep_put(m2m_store *st, const m2m_store_es7_prep *p, int64_t now_ms)
{
	int64_t changes = 0;
	m2m_err rc;

	if (st == NULL || p == NULL)
		return M2M_ERR_ARG;
	if ((rc = check_eid(st, p->eid)) != M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "current SM-SR", p->current_smsr, true)) != M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "requester", p->requester, true)) != M2M_OK)
		return rc;
	m2m_sv args[] = {m2m_sv_text(p->eid), m2m_sv_text(p->current_smsr),
			 m2m_sv_text(p->requester), m2m_sv_int(p->until_ms), m2m_sv_int(now_ms)};
	rc = m2m_q_exec(st, M2M_Q_ES7_PREP_PUT, args, 5, &changes);
	if (rc == M2M_OK && changes == 0)
		return m2m_store_fail(st, M2M_ERR_STATE, "a hand-over of %.64s runs", p->eid);
	return rc;
}

static m2m_err prep_from_row(m2m_store *st, m2m_store_es7_prep *p)
{
	m2m_err rc;

	memset(p, 0, sizeof *p);
	if ((rc = m2m_q_text(st, M2M_ES7_PREP_C_EID, p->eid, sizeof p->eid)) != M2M_OK ||
	    (rc = m2m_q_text(st, M2M_ES7_PREP_C_CURRENT, p->current_smsr,
			     sizeof p->current_smsr)) != M2M_OK ||
	    (rc = m2m_q_text(st, M2M_ES7_PREP_C_REQUESTER, p->requester, sizeof p->requester)) !=
		    M2M_OK ||
	    (rc = m2m_q_text(st, M2M_ES7_PREP_C_BUSY_OWNER, p->busy_owner,
			     sizeof p->busy_owner)) != M2M_OK)
		return rc;
	p->until_ms = m2m_q_int(st, M2M_ES7_PREP_C_UNTIL);
	p->busy_until_ms = m2m_q_int(st, M2M_ES7_PREP_C_BUSY_UNTIL);
	p->created_ms = m2m_q_int(st, M2M_ES7_PREP_C_CREATED);
	return M2M_OK;
}

/* The row of eid still valid at now_ms (query q: eid, now): M2M_END (with "no what of EID")
 * when there is none; on M2M_OK the caller reads the row, then m2m_q_done. */
static m2m_err first_of_eid(m2m_store *st, m2m_q q, const char *eid, int64_t now_ms,
			    const char *what)
{
	m2m_err rc = check_eid(st, eid);

	if (rc != M2M_OK)
		return rc;
	m2m_sv args[] = {m2m_sv_text(eid), m2m_sv_int(now_ms)};
	rc = m2m_q_first(st, q, args, 2);
	if (rc == M2M_END)
		return m2m_store_fail(st, M2M_END, "no %s of %.64s", what, eid);
	return rc;
}

m2m_err m2m_store_es7_prep_get(m2m_store *st, const char *eid, int64_t now_ms,
			       m2m_store_es7_prep *out)
{
	m2m_err rc;

	if (st == NULL || out == NULL)
		return M2M_ERR_ARG;
	if ((rc = first_of_eid(st, M2M_Q_ES7_PREP_GET, eid, now_ms, "PrepareSMSRChange")) !=
	    M2M_OK)
		return rc;
	rc = prep_from_row(st, out);
	m2m_q_done(st);
	return rc;
}

m2m_err m2m_store_es7_prep_take(m2m_store *st, const char *eid, const char *current,
				const char *owner, int64_t now_ms, int64_t busy_until_ms)
{
	int64_t changes = 0;
	m2m_err rc;

	if (st == NULL || busy_until_ms < now_ms)
		return M2M_ERR_ARG;
	if ((rc = check_eid(st, eid)) != M2M_OK ||
	    (rc = m2m_store_check_text(st, "current SM-SR", current, M2M_STORE_ID_SIZE, true)) !=
		    M2M_OK ||
	    (rc = m2m_store_check_text(st, "owner", owner, M2M_STORE_ID_SIZE, true)) != M2M_OK)
		return rc;
	m2m_sv args[] = {m2m_sv_text(eid), m2m_sv_text(current), m2m_sv_text(owner),
			 m2m_sv_int(now_ms), m2m_sv_int(busy_until_ms)};
	rc = m2m_q_exec(st, M2M_Q_ES7_PREP_TAKE, args, 5, &changes);
	if (rc == M2M_OK && changes == 0)
		return m2m_store_fail(st, M2M_END, "no free PrepareSMSRChange of %.64s from %.64s",
				      eid, current);
	return rc;
}

m2m_err m2m_store_es7_prep_free(m2m_store *st, const char *owner, int64_t *n)
{
	m2m_err rc;

	if (st == NULL)
		return M2M_ERR_ARG;
	if ((rc = m2m_store_check_text(st, "owner", owner, M2M_STORE_ID_SIZE, true)) != M2M_OK)
		return rc;
	m2m_sv args[] = {m2m_sv_text(owner)};
	return m2m_q_exec(st, M2M_Q_ES7_PREP_FREE, args, 1, n);
}

m2m_err m2m_store_es7_prep_delete(m2m_store *st, const char *eid)
{
	int64_t changes = 0;
	m2m_err rc;

	if (st == NULL)
		return M2M_ERR_ARG;
	if ((rc = check_eid(st, eid)) != M2M_OK)
		return rc;
	m2m_sv args[] = {m2m_sv_text(eid)};
	rc = m2m_q_exec(st, M2M_Q_ES7_PREP_DELETE, args, 1, &changes);
	if (rc == M2M_OK && changes == 0)
		return m2m_store_fail(st, M2M_END, "no PrepareSMSRChange of %.64s", eid);
	return rc;
}

m2m_err m2m_store_es7_prep_purge(m2m_store *st, int64_t now_ms, int64_t *deleted)
{
	if (st == NULL)
		return M2M_ERR_ARG;
	m2m_sv args[] = {m2m_sv_int(now_ms)};
	return m2m_q_exec(st, M2M_Q_ES7_PREP_PURGE, args, 1, deleted);
}

/* ---- the lock (SM-SR1) ---- */

m2m_err m2m_store_es7_lock_take(m2m_store *st, const m2m_store_es7_lock *l, int64_t now_ms)
{
	int64_t changes = 0;
	m2m_err rc;

	if (st == NULL || l == NULL || l->until_ms < now_ms)
		return M2M_ERR_ARG;
	if ((rc = check_eid(st, l->eid)) != M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "target SM-SR", l->target, true)) != M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "caller", l->caller, true)) != M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "owner", l->owner, true)) != M2M_OK)
		return rc;
	m2m_sv args[] = {m2m_sv_text(l->eid),   m2m_sv_text(l->target), m2m_sv_text(l->caller),
			 m2m_sv_text(l->owner), m2m_sv_int(l->until_ms), m2m_sv_int(now_ms)};
	rc = m2m_q_exec(st, M2M_Q_ES7_LOCK_TAKE, args, 6, &changes);
	if (rc == M2M_OK && changes == 0)
		return m2m_store_fail(st, M2M_ERR_STATE, "%.64s is locked by an SM-SR change",
				      l->eid);
	return rc;
}

m2m_err m2m_store_es7_lock_get(m2m_store *st, const char *eid, int64_t now_ms,
			       m2m_store_es7_lock *out)
{
	m2m_err rc;

	if (st == NULL || out == NULL)
		return M2M_ERR_ARG;
	if ((rc = first_of_eid(st, M2M_Q_ES7_LOCK_GET, eid, now_ms, "SM-SR change lock")) !=
	    M2M_OK)
		return rc;
	memset(out, 0, sizeof *out);
	if ((rc = m2m_q_text(st, M2M_ES7_LOCK_C_EID, out->eid, sizeof out->eid)) == M2M_OK &&
	    (rc = m2m_q_text(st, M2M_ES7_LOCK_C_TARGET, out->target, sizeof out->target)) ==
		    M2M_OK &&
	    (rc = m2m_q_text(st, M2M_ES7_LOCK_C_CALLER, out->caller, sizeof out->caller)) ==
		    M2M_OK)
		rc = m2m_q_text(st, M2M_ES7_LOCK_C_OWNER, out->owner, sizeof out->owner);
	out->until_ms = m2m_q_int(st, M2M_ES7_LOCK_C_UNTIL);
	out->created_ms = m2m_q_int(st, M2M_ES7_LOCK_C_CREATED);
	m2m_q_done(st);
	return rc;
}

m2m_err m2m_store_es7_lock_release(m2m_store *st, const char *eid, const char *owner)
{
	int64_t changes = 0;
	m2m_err rc;

	if (st == NULL)
		return M2M_ERR_ARG;
	if ((rc = check_eid(st, eid)) != M2M_OK ||
	    (rc = m2m_store_check_text(st, "owner", owner, M2M_STORE_ID_SIZE, true)) != M2M_OK)
		return rc;
	m2m_sv args[] = {m2m_sv_text(eid), m2m_sv_text(owner)};
	rc = m2m_q_exec(st, M2M_Q_ES7_LOCK_RELEASE, args, 2, &changes);
	if (rc == M2M_OK && changes == 0)
		return m2m_store_fail(st, M2M_END, "%.64s is not locked by %.64s", eid, owner);
	return rc;
}
