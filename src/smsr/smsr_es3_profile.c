/* ES3 EnableProfile, DisableProfile and DeleteISDP from an SM-DP (docs/smsr.md "ES3"): on a
 * profile this SM-DP created, POL2 checked, the same `enable` / `disable` / `delete` jobs as
 * ES4, queued with the FunctionCallIdentifier's record (a repeat gets the recorded status,
 * smsr_es3_repeat.c); the answer (status only) goes to ReplyTo, or on the held exchange when
 * there is none, when the job ends (smsr_answer, which answers the waiting repeats too). */
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "smsr/smsr_es3_queue.h"

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

/* smsr_es3_queue's step: the checks (after the call's record, so that a repeat of a
 * DeleteISDP whose row is gone still gets its answer), then the job; arg: the profile. */
static bool queue(smsr *s, const smsr_es3_req *rq, void *arg, int64_t *id,
		  m2m_ws_exec_status *stt)
{
	m2m_store_profile *p = arg;
	m2m_smsr_action act;
	const char *kind = kind_of(rq->call->fn->id, &act);
	smsr_job j;

	if (!check(s, rq->call, rq->eid, act, p, stt))
		return false;
	smsr_job_for_profile(&j, rq->call, p, rq->d, rq->hold);
	return smsr_es3_queue_job(s, rq, kind, &j, id, stt);
}

m2m_ws_reply smsr_es3_profile_call(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp)
{
	m2m_ws_exec_status stt;
	m2m_store_profile p;
	m2m_ws_deferred d;
	char eid[M2M_STORE_EID_SIZE] = "";
	smsr_es3_req rq;
	int64_t id = 0;
	m2m_ws_reply reply = M2M_WS_REPLY_NOW;
	smsr_es3_queued q;

	memset(&p, 0, sizeof p);
	if (!smsr_es3_req_read(s, call, eid, NULL, &d, &rq, &stt))
		goto refused;
	q = smsr_es3_queue(s, &rq, queue, &p, &id, resp, &reply, &stt);
	if (q == SMSR_ES3_REFUSED)
		goto refused;
	if (q == SMSR_ES3_REPEAT)
		goto out;
	m2m_info(SMSR_LOG, "%s from %s: job %lld for %s %s%s", call->fn->name, call->caller->id,
		 (long long)id, eid, p.iccid, rq.hold != NULL ? " (held)" : "");
	/* The SM-DP acts on its profile: an ES8 exchange it left open on the eUICC is over
	 * (the error sub-routine's DeleteISDP must not wait for it to time out). */
	smsr_chain_set(s, eid, false);
	/* Held: smsr_answer completes it (the job's fn is set). */
	reply = smsr_es3_queued_reply(s, &rq, id, resp);
	goto out;
refused:
	smsr_es3_refuse(s, call, resp, &stt, eid, p.iccid);
	reply = M2M_WS_REPLY_NOW;
out:
	m2m_ws_deferred_clear(&d);
	m2m_store_profile_clear(&p);
	return reply;
}
