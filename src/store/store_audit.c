/* The audit trail: append and read; the schema's triggers refuse updates and deletes. */
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

void m2m_store_audit_list_free(m2m_store_audit *list, size_t n)
{
	for (size_t i = 0; list != NULL && i < n; i++)
		free(list[i].detail);
	free(list);
}

m2m_err m2m_store_audit_add(m2m_store *st, const m2m_store_audit *a, int64_t *id)
{
	m2m_err rc;

	if (st == NULL || a == NULL)
		return M2M_ERR_ARG;
	if ((rc = M2M_STORE_CHECK(st, "audit actor", a->actor, true)) != M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "audit function", a->function, true)) != M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "audit EID", a->eid, false)) != M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "audit ICCID", a->iccid, false)) != M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "audit outcome", a->outcome, true)) != M2M_OK)
		return rc;
	m2m_sv args[] = {
		m2m_sv_int(a->time_ms ? a->time_ms : m2m_store_now_ms()),
		m2m_sv_text(a->actor),
		m2m_sv_text(a->function),
		m2m_sv_opt_text(a->eid),
		m2m_sv_opt_text(a->iccid),
		m2m_sv_text(a->outcome),
		a->detail != NULL ? m2m_sv_text(a->detail) : m2m_sv_null(),
	};
	rc = m2m_q_first(st, M2M_Q_AUDIT_ADD, args, sizeof args / sizeof args[0]);
	if (rc == M2M_END)
		return m2m_store_fail(st, M2M_ERR_IO, "the audit insert returned no id");
	if (rc != M2M_OK)
		return rc;
	if (id != NULL)
		*id = m2m_q_int(st, 0);
	m2m_q_done(st);
	return M2M_OK;
}

static m2m_err audit_from_row(m2m_store *st, m2m_store_audit *a)
{
	m2m_err rc;

	memset(a, 0, sizeof *a);
	a->id = m2m_q_int(st, M2M_AUDIT_C_ID);
	a->time_ms = m2m_q_int(st, M2M_AUDIT_C_TIME);
	if ((rc = m2m_q_text(st, M2M_AUDIT_C_ACTOR, a->actor, sizeof a->actor)) != M2M_OK ||
	    (rc = m2m_q_text(st, M2M_AUDIT_C_FUNCTION, a->function, sizeof a->function)) !=
		    M2M_OK ||
	    (rc = m2m_q_text(st, M2M_AUDIT_C_EID, a->eid, sizeof a->eid)) != M2M_OK ||
	    (rc = m2m_q_text(st, M2M_AUDIT_C_ICCID, a->iccid, sizeof a->iccid)) != M2M_OK ||
	    (rc = m2m_q_text(st, M2M_AUDIT_C_OUTCOME, a->outcome, sizeof a->outcome)) != M2M_OK)
		return rc;
	return m2m_q_text_dup(st, M2M_AUDIT_C_DETAIL, &a->detail);
}

m2m_err m2m_store_audit_list(m2m_store *st, const char *eid, int64_t after_id, size_t limit,
			     m2m_store_audit **out, size_t *n)
{
	m2m_store_audit *list = NULL;
	size_t cap = 0, count = 0;
	m2m_err rc;

	if (st == NULL || out == NULL || n == NULL || limit > INT64_MAX)
		return M2M_ERR_ARG;
	*out = NULL;
	*n = 0;
	if (eid != NULL && *eid != '\0') {
		m2m_sv args[] = {m2m_sv_text(eid), m2m_sv_int(after_id), m2m_sv_int((int64_t)limit)};
		rc = m2m_q_run(st, M2M_Q_AUDIT_LIST_EID, args, 3);
	} else {
		m2m_sv args[] = {m2m_sv_int(after_id), m2m_sv_int((int64_t)limit)};
		rc = m2m_q_run(st, M2M_Q_AUDIT_LIST, args, 2);
	}
	while (rc == M2M_OK && (rc = m2m_q_next(st)) == M2M_OK) {
		rc = m2m_store_grow(st, (void **)&list, sizeof *list, count, &cap);
		if (rc == M2M_OK)
			rc = audit_from_row(st, &list[count]);
		if (rc == M2M_OK)
			count++;
	}
	m2m_q_done(st);
	if (rc != M2M_END) {
		m2m_store_audit_list_free(list, count);
		return rc;
	}
	*out = list;
	*n = count;
	return M2M_OK;
}
