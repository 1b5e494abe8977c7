/* ES4 and ES3 SetFallBackAttribute and SetEmergencyProfileAttribute (SGP.02 v4; the
 * elements of data/wsdl/xsd/euicc.request.v4.xsd): the profile's look-up and owner check,
 * the state checks, then a durable `fallback` / `emergency` job (STORE DATA 3A05 / 3A09)
 * answered like EnableProfile: to ReplyTo, or on the held exchange (docs/smsr-attr.md). */
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "smsr/smsr_attr.h"
#include "smsr/smsr_es4_more.h"

static bool is_emergency(m2m_ws_fn fn)
{
	return fn == M2M_WS_ES4_SET_EMERGENCY_PROFILE_ATTRIBUTE ||
	       fn == M2M_WS_ES3_SET_EMERGENCY_PROFILE_ATTRIBUTE;
}

bool smsr_attr_kind(const char *kind)
{
	return strcmp(kind, "fallback") == 0 || strcmp(kind, "emergency") == 0;
}

/* What the SM-SR refuses before the card: a profile not installed, and the other attribute
 * on the same profile (SGP.02 v4: the emergency profile is not the fall-back one). */
static bool check_state(const m2m_store_profile *p, bool emergency, m2m_ws_exec_status *stt)
{
	if (p->state == M2M_STORE_PROFILE_IN_CREATION || p->state == M2M_STORE_PROFILE_CREATED) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROFILE,
				  M2M_WS_REASON_NOT_ALLOWED, p->iccid,
				  "the profile is not installed (state %s)",
				  m2m_store_profile_state_name(p->state));
		return false;
	}
	if (emergency ? p->fallback : p->emergency) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROFILE,
				  M2M_WS_REASON_NOT_ALLOWED, p->iccid,
				  "the profile holds the %s attribute: one profile cannot hold both",
				  emergency ? "fall-back" : "emergency");
		return false;
	}
	return true;
}

/* The profile already holds the attribute: nothing for the card to do [M]. The success is
 * recorded for the FunctionCallIdentifier (begun by the dedup) in the open transaction. */
static m2m_err already_held(smsr *s, const m2m_ws_call *call, const char *eid,
			    const m2m_store_profile *p, m2m_ws_exec_status *stt)
{
	char packed[M2M_WS_MESSAGE_MAX + 128];
	m2m_err err = M2M_OK;

	m2m_ws_status_set(stt, M2M_WS_EXECUTED_SUCCESS, NULL, NULL, NULL, "%s", "");
	if (call->function_call_id != NULL && call->function_call_id[0] != '\0') {
		smsr_status_pack(stt, packed, sizeof packed);
		err = m2m_store_call_finish(s->st, call->caller->id, call->function_call_id,
					    (const uint8_t *)packed, strlen(packed),
					    m2m_store_now_ms());
	}
	if (err == M2M_OK)
		smsr_audit(s, call->caller->id, call->fn->name, eid, p->iccid, stt);
	return err;
}

/* Inside the open transaction: the call's record, then the job (or the success at once).
 * False on a store failure (the caller rolls back). */
static bool queue(smsr *s, const m2m_ws_call *call, const char *eid, const m2m_store_profile *p,
		  m2m_ws_deferred *d, m2m_ws_hold *hold, m2m_ws_msg *resp, m2m_ws_reply *reply,
		  int64_t *id)
{
	uint64_t vp = call->validity_period ? call->validity_period : s->cfg->validity_s;
	bool emergency = is_emergency(call->fn->id);
	m2m_ws_exec_status stt;
	smsr_job j;
	m2m_err err;

	if (call->function_call_id != NULL && call->function_call_id[0] != '\0' &&
	    !smsr_es4_dedup(s, call, eid, d, hold, vp, resp, reply))
		return true; /* answered (recorded, held, waiting, or refused): *id stays 0 */
	if (emergency ? p->emergency : p->fallback) {
		if ((err = already_held(s, call, eid, p, &stt)) != M2M_OK)
			return false;
		m2m_ws_response_set_status(resp, &stt);
		*reply = M2M_WS_REPLY_NOW;
		return true;
	}
	smsr_job_for_profile(&j, call, p, d, hold);
	err = smsr_job_queue(s->st, eid, emergency ? "emergency" : "fallback", &j,
			     m2m_store_now_ms() + (int64_t)vp * 1000, id);
	smsr_job_clear(&j);
	return err == M2M_OK;
}

/* The job is queued and committed: hold the exchange until it ends, or answer later. */
static m2m_ws_reply after_queue(smsr *s, const m2m_ws_call *call, m2m_ws_hold *hold,
				int64_t id, m2m_ws_msg *resp)
{
	uint64_t vp = call->validity_period ? call->validity_period : s->cfg->validity_s;
	m2m_ws_exec_status stt;

	smsr_engine_kick(s);
	if (hold == NULL)
		return M2M_WS_REPLY_LATER;
	if (smsr_held_add(s, hold, id, call, vp) == M2M_OK)
		return M2M_WS_REPLY_HOLD;
	/* Queued and durable: the answer is a repeat away. */
	m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROVIDER, M2M_WS_REASON_EXECUTION_ERROR,
			  NULL, "out of memory");
	m2m_ws_response_set_status(resp, &stt);
	return M2M_WS_REPLY_NOW;
}

m2m_ws_reply smsr_attr_call(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp)
{
	m2m_ws_exec_status stt;
	m2m_store_profile p;
	m2m_ws_deferred d;
	m2m_ws_hold *hold = NULL;
	m2m_ws_reply reply = M2M_WS_REPLY_LATER;
	char eid[M2M_STORE_EID_SIZE] = "";
	int64_t id = 0;

	memset(&p, 0, sizeof p);
	memset(&d, 0, sizeof d);
	/* Eid, Iccid on it, the caller's (ES4: MNO or PLMA; ES3: Smdp-id), installed, free. */
	if (!smsr_es4_more_profile(s, call, eid, &p, &stt) ||
	    !check_state(&p, is_emergency(call->fn->id), &stt) ||
	    !smsr_es3_answer_mode(call, &d, &hold, &stt))
		goto refused;
	if (m2m_store_begin(s->st) != M2M_OK)
		goto store_failed;
	if (!queue(s, call, eid, &p, &d, hold, resp, &reply, &id) ||
	    m2m_store_commit(s->st) != M2M_OK) {
		m2m_store_rollback(s->st);
		goto store_failed;
	}
	if (id != 0) {
		m2m_info(SMSR_LOG, "%s from %s: job %lld for %s %s%s", call->fn->name,
			 call->caller->id, (long long)id, eid, p.iccid, hold != NULL ? " (held)" : "");
		reply = after_queue(s, call, hold, id, resp);
	}
	goto out;
store_failed:
	smsr_es3_store_failed(s, &stt);
refused:
	smsr_es3_refuse(s, call, resp, &stt, eid, p.iccid);
	reply = M2M_WS_REPLY_NOW;
out:
	m2m_ws_deferred_clear(&d);
	m2m_store_profile_clear(&p);
	return reply;
}

/* ---- the card's success into the EIS ---- */

m2m_err smsr_attr_apply(smsr *s, const char *eid, const char *kind, const char *aid)
{
	m2m_store_profile *list = NULL;
	size_t n = 0;
	bool emergency = strcmp(kind, "emergency") == 0, found = false;
	m2m_err err = m2m_store_profile_list(s->st, eid, &list, &n);

	for (size_t i = 0; err == M2M_OK && i < n; i++) {
		bool mine = strcmp(list[i].isdp_aid, aid) == 0;
		bool *flag = emergency ? &list[i].emergency : &list[i].fallback;

		found |= mine;
		if (*flag == mine)
			continue;
		*flag = mine; /* updated_ms kept: it pairs the profiles of one switch */
		err = m2m_store_profile_put(s->st, &list[i]);
	}
	m2m_store_profile_list_free(list, n);
	if (err == M2M_OK && !found)
		/* Deleted meanwhile: the card has it; the next audit brings the EIS back. */
		m2m_warn(SMSR_LOG, "%s: %s attribute set on ISD-P %s unknown to the EIS", eid, kind,
			 aid);
	return err;
}
