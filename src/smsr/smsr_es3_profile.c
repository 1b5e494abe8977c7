/* ES3 EnableProfile, DisableProfile and DeleteISDP from an SM-DP (docs/smsr.md "ES3"): on a
 * profile this SM-DP created, POL2 checked, the same `enable` / `disable` / `delete` jobs as
 * ES4, queued with the FunctionCallIdentifier's record (a repeat gets the recorded status,
 * smsr_es3_repeat.c); the answer (status only) goes to ReplyTo, or on the held exchange when
 * there is none, when the job ends (smsr_answer, which answers the waiting repeats too). */
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "smsr/smsr_es3_repeat.h"

static const char *kind_of(m2m_ws_fn fn, m2m_smsr_action *act)
{
	switch (fn) {
	case M2M_WS_ES3_ENABLE_PROFILE:
		*act = M2M_SMSR_ACT_ENABLE;
		return "enable";
	case M2M_WS_ES3_DISABLE_PROFILE:
		*act = M2M_SMSR_ACT_DISABLE;
		return "disable";
	default:
		*act = M2M_SMSR_ACT_DELETE;
		return "delete";
	}
}

/* The eUICC's enabled profile (false when none). */
static bool enabled_of(smsr *s, const char *eid, m2m_store_profile *out)
{
	m2m_store_profile *list = NULL;
	size_t n = 0;
	bool found = false;

	if (m2m_store_profile_list(s->st, eid, &list, &n) != M2M_OK)
		return false;
	for (size_t i = 0; i < n && !found; i++)
		if (list[i].state == M2M_STORE_PROFILE_ENABLED) {
			*out = list[i];
			out->conn_params = NULL;
			out->conn_params_len = 0;
			found = true;
		}
	m2m_store_profile_list_free(list, n);
	return found;
}

/* Iccid on this eUICC, created by this SM-DP, and POL2 allows the action. */
static bool check(smsr *s, const m2m_ws_call *call, const char *eid, m2m_smsr_action act,
		  m2m_store_profile *p, m2m_ws_exec_status *stt)
{
	const char *oid = m2m_smsr_caller_oid(s->cfg, call->caller->id);
	m2m_store_profile en;

	if (!smsr_profile_of_call(s, m2m_ws_msg_body(call->msg), eid, p, stt) ||
	    !smsr_made_by(p, oid, p->iccid, stt))
		return false;
	memset(&en, 0, sizeof en);
	return m2m_smsr_pol2_allows(act, p, enabled_of(s, eid, &en) ? &en : NULL, stt);
}

/* Inside the open transaction, after the call's record: the checks (after it, so that a
 * repeat of a DeleteISDP whose row is gone still gets its answer), then the job. False with
 * stt set; the caller rolls back. */
static bool queue(smsr *s, const m2m_ws_call *call, const char *eid, const m2m_ws_deferred *d,
		  const m2m_ws_hold *hold, uint64_t vp, m2m_store_profile *p, int64_t *id,
		  m2m_ws_exec_status *stt)
{
	m2m_smsr_action act;
	const char *kind = kind_of(call->fn->id, &act);
	smsr_job j;

	if (!check(s, call, eid, act, p, stt))
		return false;
	smsr_job_for_profile(&j, call, p, d, hold);
	if (smsr_job_queue(s->st, eid, kind, &j, m2m_store_now_ms() + (int64_t)vp * 1000, id) !=
	    M2M_OK) {
		smsr_es3_store_failed(s, stt);
		return false;
	}
	return true;
}

m2m_ws_reply smsr_es3_profile_call(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp)
{
	const m2m_ws_node *body = m2m_ws_msg_body(call->msg);
	m2m_ws_exec_status stt;
	m2m_store_eis e;
	m2m_store_profile p;
	m2m_ws_deferred d;
	m2m_ws_hold *hold = NULL;
	char eid[M2M_STORE_EID_SIZE] = "";
	int64_t id = 0;
	uint64_t vp = call->validity_period ? call->validity_period : s->cfg->validity_s;
	m2m_ws_reply reply = M2M_WS_REPLY_NOW;
	bool ok;

	memset(&e, 0, sizeof e);
	memset(&p, 0, sizeof p);
	memset(&d, 0, sizeof d);
	ok = smsr_es3_read_eid(body, eid, &stt) && smsr_es3_find_eis(s, eid, &e, &stt);
	m2m_store_eis_clear(&e);
	if (!ok || !smsr_es3_answer_mode(call, &d, &hold, &stt))
		goto refused;
	if (m2m_store_begin(s->st) != M2M_OK) {
		smsr_es3_store_failed(s, &stt);
		goto refused;
	}
	if (!smsr_es3_dedup(s, call, eid, &d, hold, vp, resp, &reply)) {
		m2m_store_rollback(s->st);
		goto out;
	}
	if (!queue(s, call, eid, &d, hold, vp, &p, &id, &stt)) {
		m2m_store_rollback(s->st);
		goto refused;
	}
	if (m2m_store_commit(s->st) != M2M_OK) {
		smsr_es3_store_failed(s, &stt); /* before the rollback: its message */
		m2m_store_rollback(s->st);
		goto refused;
	}
	m2m_info(SMSR_LOG, "%s from %s: job %lld for %s %s%s", call->fn->name, call->caller->id,
		 (long long)id, eid, p.iccid, hold != NULL ? " (held)" : "");
	/* The SM-DP acts on its profile: an ES8 exchange it left open on the eUICC is over
	 * (the error sub-routine's DeleteISDP must not wait for it to time out). */
	smsr_chain_set(s, eid, false);
	smsr_engine_kick(s);
	/* Held: smsr_answer completes it (the job's fn is set). */
	reply = hold != NULL ? smsr_es3_hold(s, hold, id, call, vp, resp) : M2M_WS_REPLY_LATER;
	goto out;
refused:
	smsr_es3_refuse(s, call, resp, &stt, eid, p.iccid);
	reply = M2M_WS_REPLY_NOW;
out:
	m2m_ws_deferred_clear(&d);
	m2m_store_profile_clear(&p);
	return reply;
}
