/* Dispatch of the functions of docs/smsr-es4-more.md, and what they share: the profile named
 * by Eid and Iccid, which the caller must own (ES4: the MNO, or an M2M SP with a PLMA; ES3:
 * the SM-DP that created it), and the calling MNO of the PLMA / ONC functions. */
#include <stdio.h>
#include <string.h>

#include "core/config_read.h"
#include "core/log.h"
#include "smsr/smsr_es4_more.h"

bool smsr_es4_more_serves(m2m_ws_fn fn)
{
	return fn == M2M_WS_ES4_UPDATE_SUBSCRIPTION_ADDRESS ||
	       fn == M2M_WS_ES3_UPDATE_SUBSCRIPTION_ADDRESS || fn == M2M_WS_ES3_UPDATE_POLICY_RULES ||
	       fn == M2M_WS_ES4_SET_PLMA || fn == M2M_WS_ES4_GET_PLMA ||
	       fn == M2M_WS_ES4_SET_ONC || fn == M2M_WS_ES4_GET_ONC;
}

m2m_ws_reply smsr_es4_more_handle(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp)
{
	switch (call->fn->id) {
	case M2M_WS_ES3_UPDATE_POLICY_RULES:
		return smsr_es4_es3_update_pol2(s, call, resp);
	case M2M_WS_ES4_SET_PLMA:
		return smsr_es4_set_plma(s, call, resp);
	case M2M_WS_ES4_GET_PLMA:
		return smsr_es4_get_plma(s, call, resp);
	case M2M_WS_ES4_SET_ONC:
		return smsr_es4_set_onc(s, call, resp);
	case M2M_WS_ES4_GET_ONC:
		return smsr_es4_get_onc(s, call, resp);
	default:
		return smsr_es4_update_address(s, call, resp);
	}
}

static bool is_es3(const m2m_ws_call *call)
{
	return strcmp(call->fn->iface, "ES3") == 0;
}

bool smsr_es4_more_profile(smsr *s, const m2m_ws_call *call, char eid[M2M_STORE_EID_SIZE],
			   m2m_store_profile *p, m2m_ws_exec_status *stt)
{
	const m2m_ws_node *body = m2m_ws_msg_body(call->msg);
	m2m_store_eis e;
	bool ok;

	memset(&e, 0, sizeof e);
	ok = smsr_es3_read_eid(body, eid, stt) && smsr_es3_find_eis(s, eid, &e, stt);
	m2m_store_eis_clear(&e);
	if (!ok)
		return false;
	if (!smsr_profile_of_call(s, body, eid, p, stt))
		return false;
	if (is_es3(call))
		return smsr_made_by(p, m2m_smsr_caller_oid(s->cfg, call->caller->id),
				    p->iccid, stt);
	return smsr_authorised(s, call->caller->role, call->caller->id, p->mno_id, stt);
}

m2m_ws_reply smsr_es4_more_done(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp,
				const m2m_ws_exec_status *stt, const char *eid,
				const m2m_store_profile *p)
{
	if (stt->status != M2M_WS_EXECUTED_SUCCESS) {
		smsr_es3_refuse(s, call, resp, stt, eid, p->iccid);
		return M2M_WS_REPLY_NOW;
	}
	smsr_audit(s, call->caller->id, call->fn->name, eid, p->iccid, stt);
	m2m_info(SMSR_LOG, "%s from %s: %s %s: %s", call->fn->name, call->caller->id, eid,
		 p->iccid, stt->message);
	return M2M_WS_REPLY_NOW;
}

bool smsr_es4_more_mno(smsr *s, const m2m_ws_call *call, char mno[M2M_STORE_ID_SIZE],
		       m2m_ws_exec_status *stt)
{
	const char *id;

	/* The ws layer lets only MNOs call these; checked again as they edit the MNO's lists. */
	if (call->caller->role != M2M_WS_ROLE_MNO) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_REQUESTER,
				  M2M_WS_REASON_NOT_ALLOWED, NULL, "%s is for MNOs only",
				  call->fn->name);
		return false;
	}
	id = m2m_smsr_caller_oid(s->cfg, call->caller->id);
	if (id == NULL || !m2m_cfg_oid_ok(id) || strlen(id) >= M2M_STORE_ID_SIZE) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_REQUESTER,
				  M2M_WS_REASON_UNAUTHORISED, NULL,
				  "MNO '%s' has no object identifier (Mno-id) in [callers]",
				  id != NULL ? id : "");
		return false;
	}
	snprintf(mno, M2M_STORE_ID_SIZE, "%s", id);
	return true;
}

void smsr_es4_more_list_failed(smsr *s, m2m_err err, m2m_ws_exec_status *stt)
{
	if (err == M2M_ERR_BOUNDS)
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROVIDER,
				  M2M_WS_REASON_INSUFFICIENT_MEMORY, NULL,
				  "the list is full (%d bytes)", M2M_SMSR_LIST_MAX);
	else
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROVIDER,
				  M2M_WS_REASON_EXECUTION_ERROR, NULL, "store: %s",
				  err == M2M_ERR_NOMEM ? "out of memory" : m2m_store_errmsg(s->st));
}

m2m_ws_reply smsr_es4_more_end(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp,
			       const m2m_ws_exec_status *stt)
{
	if (stt->status != M2M_WS_EXECUTED_SUCCESS) {
		smsr_es3_refuse(s, call, resp, stt, "", "");
		return M2M_WS_REPLY_NOW;
	}
	smsr_audit(s, call->caller->id, call->fn->name, "", "", stt);
	m2m_info(SMSR_LOG, "%s from %s: %s", call->fn->name, call->caller->id, stt->message);
	return M2M_WS_REPLY_NOW;
}
