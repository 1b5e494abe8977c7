/* ES2 functions the SM-DP passes on to the SM-SR's ES3 (worker thread): GetEIS and the v4
 * AuditEIS (the Eis with only the caller's profiles), EnableProfile, DisableProfile,
 * DeleteProfile (ES3.DeleteISDP), UpdatePolicyRules, UpdateSubscriptionAddress and the v4
 * SetFallBackAttribute, SetEmergencyProfileAttribute; the profile functions only for the MNO
 * that owns the profile (its type's MNO) and only for profiles this SM-DP installed on that
 * eUICC. */
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "smdp/smdp_int.h"

/* The profile is ours, installed on t->eid, of a type of t->mno. */
static bool owned(smdp_worker *w, const smdp_task *t, m2m_ws_exec_status *stt)
{
	m2m_smdp_profile p;
	m2m_smdp_type ty;
	m2m_err err = m2m_store_smdp_profile_get(w->st, t->iccid, &p);
	bool ok = false;

	memset(&ty, 0, sizeof ty);
	if (err == M2M_OK && (p.state != M2M_SMDP_INSTALLED || strcmp(p.eid, t->eid) != 0))
		err = M2M_END;
	if (err == M2M_END) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_ICCID, M2M_WS_REASON_UNKNOWN,
				  t->iccid, "no profile %s of this SM-DP on eUICC %s", t->iccid,
				  t->eid);
		goto out;
	}
	if (err == M2M_OK)
		err = m2m_store_smdp_type_get(w->st, p.type, &ty);
	if (err != M2M_OK) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROVIDER,
				  M2M_WS_REASON_EXECUTION_ERROR, NULL, "store: %s",
				  m2m_store_errmsg(w->st));
		goto out;
	}
	if (strcmp(ty.mno_id, t->mno) != 0) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_REQUESTER,
				  M2M_WS_REASON_UNAUTHORISED, t->iccid,
				  "profile %s is not '%s''s", t->iccid, t->mno);
		goto out;
	}
	ok = true;
out:
	m2m_smdp_type_clear(&ty);
	return ok;
}

/* The functions whose answer carries the Eis. */
static bool gives_eis(m2m_ws_fn fn)
{
	return fn == M2M_WS_ES2_GET_EIS || fn == M2M_WS_ES2_AUDIT_EIS;
}

/* AuditEIS naming Iccids: whether iccid is one of them (the ES3 request holds the list);
 * no Iccid, or another function: all profiles asked. */
static bool asked(const smdp_task *t, const char *iccid)
{
	const m2m_ws_node *body = m2m_ws_msg_body(t->es3);
	size_t n = t->fn == M2M_WS_ES2_AUDIT_EIS ? m2m_ws_count(body, "Iccid") : 0;
	bool found = n == 0;

	for (size_t k = 0; k < n && !found; k++) {
		const char *want = m2m_ws_node_text(m2m_ws_find_nth(body, "Iccid", k));
		found = want != NULL && strcmp(want, iccid) == 0;
	}
	return found;
}

/* ES2-GetEISResponse / AuditEISResponse: the SM-SR's Eis, child by child, without other
 * MNOs' profiles (and for AuditEIS with Iccids, without the profiles not asked for). */
static m2m_err copy_eis(smdp_task *t, const m2m_ws_node *src)
{
	m2m_ws_node *eis = NULL;
	m2m_err err = m2m_ws_add(t->response, NULL, "Eis", NULL, &eis);

	for (const m2m_ws_node *c = m2m_ws_first_child(src); c != NULL && err == M2M_OK;
	     c = m2m_ws_next(c)) {
		const char *mno = NULL, *iccid = NULL;
		if (!m2m_ws_node_is_ds(c) && strcmp(m2m_ws_node_name(c), "ProfileInfo") == 0 &&
		    (m2m_ws_get_text(c, "Mno-id", &mno) != M2M_OK || strcmp(mno, t->mno) != 0 ||
		     m2m_ws_get_text(c, "Iccid", &iccid) != M2M_OK || !asked(t, iccid)))
			continue;
		err = m2m_ws_add_copy(t->response, eis, c, NULL);
	}
	return err;
}

void smdp_relay(smdp_worker *w, smdp_task *t, m2m_ws_exec_status *stt)
{
	m2m_ws_msg *resp = NULL;
	const m2m_ws_node *eis;

	if (!gives_eis(t->fn) && !owned(w, t, stt))
		return;
	if (smdp_es3_call(w, t, t->es3, &resp, stt) != M2M_OK)
		goto out;
	if (t->fn == M2M_WS_ES2_DELETE_PROFILE &&
	    m2m_store_smdp_set_state(w->st, t->iccid, M2M_SMDP_DELETED, t->eid, NULL) != M2M_OK)
		m2m_warn(SMDP_LOG, "%s: not marked deleted: %s", t->iccid, m2m_store_errmsg(w->st));
	if (!gives_eis(t->fn))
		goto out;
	eis = m2m_ws_find(m2m_ws_msg_body(resp), "Eis");
	if (eis == NULL || smdp_respond(t, stt, NULL) != M2M_OK || copy_eis(t, eis) != M2M_OK) {
		m2m_ws_msg_free(t->response);
		t->response = NULL;
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_EIS, M2M_WS_REASON_EXECUTION_ERROR,
				  NULL, "the SM-SR's Eis cannot be passed on");
	}
out:
	m2m_ws_msg_free(resp);
}
