/* Notifications received from eUICCs, keyed by (EID, sequence number): a resend is seen. */
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

static const char *const state_names[] = {
	[M2M_STORE_NOTIF_RECEIVED] = "received",
	[M2M_STORE_NOTIF_CONFIRMED] = "confirmed",
	[M2M_STORE_NOTIF_FORWARDED] = "forwarded",
};

const char *m2m_store_notif_state_name(m2m_store_notif_state s)
{
	return (unsigned)s <= M2M_STORE_NOTIF_FORWARDED ? state_names[s] : "?";
}

static bool state_parse(const char *s, m2m_store_notif_state *out)
{
	for (unsigned i = 0; i <= M2M_STORE_NOTIF_FORWARDED; i++) {
		if (strcmp(s, state_names[i]) == 0) {
			*out = (m2m_store_notif_state)i;
			return true;
		}
	}
	return false;
}

void m2m_store_notif_clear(m2m_store_notif *n)
{
	if (n == NULL)
		return;
	free(n->data);
	memset(n, 0, sizeof *n);
}

void m2m_store_notif_list_free(m2m_store_notif *list, size_t n)
{
	for (size_t i = 0; list != NULL && i < n; i++)
		m2m_store_notif_clear(&list[i]);
	free(list);
}

static m2m_err notif_from_row(m2m_store *st, m2m_store_notif *nt)
{
	char state[16];
	m2m_err rc;

	memset(nt, 0, sizeof *nt);
	if ((rc = m2m_q_text(st, M2M_NOTIF_C_EID, nt->eid, sizeof nt->eid)) != M2M_OK ||
	    (rc = m2m_q_text(st, M2M_NOTIF_C_AID, nt->aid, sizeof nt->aid)) != M2M_OK ||
	    (rc = m2m_q_text(st, M2M_NOTIF_C_ICCID, nt->iccid, sizeof nt->iccid)) != M2M_OK ||
	    (rc = m2m_q_text(st, M2M_NOTIF_C_STATE, state, sizeof state)) != M2M_OK)
		return rc;
	nt->seq = m2m_q_int(st, M2M_NOTIF_C_SEQ);
	if (!state_parse(state, &nt->state))
		return m2m_store_fail(st, M2M_ERR_FORMAT, "notification %s/%lld has unknown state"
				      " '%s'", nt->eid, (long long)nt->seq, state);
	nt->type = (uint8_t)m2m_q_int(st, M2M_NOTIF_C_TYPE);
	nt->received_ms = m2m_q_int(st, M2M_NOTIF_C_RECEIVED);
	nt->updated_ms = m2m_q_int(st, M2M_NOTIF_C_UPDATED);
	return m2m_q_blob_dup(st, M2M_NOTIF_C_DATA, &nt->data, &nt->data_len);
}

m2m_err m2m_store_notif_add(m2m_store *st, const m2m_store_notif *nt, bool *is_new)
{
	int64_t changes = 0;
	m2m_err rc;

	if (st == NULL || nt == NULL || is_new == NULL || (nt->data_len > 0 && nt->data == NULL))
		return M2M_ERR_ARG;
	if ((rc = M2M_STORE_CHECK(st, "notification EID", nt->eid, true)) != M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "notification AID", nt->aid, false)) != M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "notification ICCID", nt->iccid, false)) != M2M_OK)
		return rc;
	if ((unsigned)nt->state > M2M_STORE_NOTIF_FORWARDED)
		return m2m_store_fail(st, M2M_ERR_ARG, "unknown notification state");
	int64_t received = nt->received_ms ? nt->received_ms : m2m_store_now_ms();
	m2m_sv args[] = {
		[M2M_NOTIF_C_EID] = m2m_sv_text(nt->eid),
		[M2M_NOTIF_C_SEQ] = m2m_sv_int(nt->seq),
		[M2M_NOTIF_C_TYPE] = m2m_sv_int(nt->type),
		[M2M_NOTIF_C_AID] = m2m_sv_opt_text(nt->aid),
		[M2M_NOTIF_C_ICCID] = m2m_sv_opt_text(nt->iccid),
		[M2M_NOTIF_C_STATE] = m2m_sv_text(state_names[nt->state]),
		[M2M_NOTIF_C_RECEIVED] = m2m_sv_int(received),
		[M2M_NOTIF_C_UPDATED] = m2m_sv_int(nt->updated_ms ? nt->updated_ms : received),
		[M2M_NOTIF_C_DATA] = m2m_sv_opt_blob(nt->data, nt->data_len),
	};
	rc = m2m_q_exec(st, M2M_Q_NOTIF_ADD, args, sizeof args / sizeof args[0], &changes);
	if (rc == M2M_OK)
		*is_new = changes == 1;
	return rc;
}

m2m_err m2m_store_notif_get(m2m_store *st, const char *eid, int64_t seq,
			    m2m_store_notif *out)
{
	if (st == NULL || eid == NULL || out == NULL)
		return M2M_ERR_ARG;
	m2m_sv args[] = {m2m_sv_text(eid), m2m_sv_int(seq)};
	m2m_err rc = m2m_q_first(st, M2M_Q_NOTIF_GET, args, 2);
	if (rc == M2M_END)
		return m2m_store_fail(st, M2M_END, "no notification %s/%lld", eid, (long long)seq);
	if (rc != M2M_OK)
		return rc;
	rc = notif_from_row(st, out);
	m2m_q_done(st);
	if (rc != M2M_OK)
		m2m_store_notif_clear(out);
	return rc;
}

m2m_err m2m_store_notif_set_state(m2m_store *st, const char *eid, int64_t seq,
				  m2m_store_notif_state state, int64_t now_ms)
{
	int64_t changes = 0;

	if (st == NULL || eid == NULL || (unsigned)state > M2M_STORE_NOTIF_FORWARDED)
		return M2M_ERR_ARG;
	m2m_sv args[] = {m2m_sv_text(eid), m2m_sv_int(seq), m2m_sv_text(state_names[state]),
			 m2m_sv_int(now_ms)};
	m2m_err rc = m2m_q_exec(st, M2M_Q_NOTIF_STATE, args, 4, &changes);
	if (rc == M2M_OK && changes == 0)
		return m2m_store_fail(st, M2M_END, "no notification %s/%lld", eid, (long long)seq);
	return rc;
}

m2m_err m2m_store_notif_list(m2m_store *st, m2m_store_notif_state state, size_t limit,
			     m2m_store_notif **out, size_t *n)
{
	m2m_store_notif *list = NULL;
	size_t cap = 0, count = 0;

	if (st == NULL || out == NULL || n == NULL || limit > INT64_MAX ||
	    (unsigned)state > M2M_STORE_NOTIF_FORWARDED)
		return M2M_ERR_ARG;
	*out = NULL;
	*n = 0;
	m2m_sv args[] = {m2m_sv_text(state_names[state]), m2m_sv_int((int64_t)limit)};
	m2m_err rc = m2m_q_run(st, M2M_Q_NOTIF_LIST, args, 2);
	while (rc == M2M_OK && (rc = m2m_q_next(st)) == M2M_OK) {
		rc = m2m_store_grow(st, (void **)&list, sizeof *list, count, &cap);
		if (rc == M2M_OK)
			rc = notif_from_row(st, &list[count]);
		if (rc == M2M_OK)
			count++;
	}
	m2m_q_done(st);
	if (rc != M2M_END) {
		m2m_store_notif_list_free(list, count);
		return rc;
	}
	*out = list;
	*n = count;
	return M2M_OK;
}

m2m_err m2m_store_notif_advance(m2m_store *st, const char *eid, int64_t seq,
				m2m_store_notif_state state, int64_t now_ms)
{
	int64_t changes = 0;

	if (st == NULL || eid == NULL || state == M2M_STORE_NOTIF_RECEIVED ||
	    (unsigned)state > M2M_STORE_NOTIF_FORWARDED)
		return M2M_ERR_ARG;
	/* The states below `state`: received, and confirmed when going to forwarded. */
	m2m_sv args[] = {m2m_sv_text(eid), m2m_sv_int(seq), m2m_sv_text(state_names[state]),
			 m2m_sv_int(now_ms), m2m_sv_text(state_names[M2M_STORE_NOTIF_RECEIVED]),
			 m2m_sv_text(state_names[state - 1])};
	m2m_err rc = m2m_q_exec(st, M2M_Q_NOTIF_ADVANCE, args, 6, &changes);
	if (rc == M2M_OK && changes == 0)
		return m2m_store_fail(st, M2M_END, "notification %s/%lld: not below %s", eid,
				      (long long)seq, state_names[state]);
	return rc;
}
