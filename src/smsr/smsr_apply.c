/* The end of a job in one store transaction: the EIS as the card's answer left it (profile
 * states, fall-back flag, memory, last audit), the job's final state, the answer recorded
 * for its FunctionCallIdentifier and the audit trail. A lost lease rolls everything back:
 * the worker that holds the job now finishes it. */
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "smsr/eis.h"
#include "smsr/smsr_address.h"
#include "smsr/smsr_int.h"
#include "smsr/smsr_attr.h"
#include "smsr/smsr_es7.h"
#include "smsr/smsr_es3_repeat.h"
#include "smsr/smsr_notif.h"

void smsr_audit(smsr *s, const char *actor, const char *function, const char *eid,
		const char *iccid, const m2m_ws_exec_status *stt)
{
	m2m_store_audit a;
	char detail[M2M_WS_MESSAGE_MAX + 64];

	memset(&a, 0, sizeof a);
	a.time_ms = m2m_store_now_ms();
	snprintf(a.actor, sizeof a.actor, "%s", actor != NULL && actor[0] ? actor : "smsr");
	snprintf(a.function, sizeof a.function, "%s", function);
	snprintf(a.eid, sizeof a.eid, "%s", eid != NULL ? eid : "");
	snprintf(a.iccid, sizeof a.iccid, "%s", iccid != NULL ? iccid : "");
	snprintf(a.outcome, sizeof a.outcome, "%s%s%s%s%s", m2m_ws_status_name(stt->status),
		 stt->subject[0] ? " " : "", stt->subject, stt->reason[0] ? "/" : "", stt->reason);
	snprintf(detail, sizeof detail, "%s", stt->message);
	a.detail = detail;
	if (m2m_store_audit_add(s->st, &a, NULL) != M2M_OK)
		m2m_error(SMSR_LOG, "audit trail: %s", m2m_store_errmsg(s->st));
}

static const char *fn_name(int fn, const char *kind)
{
	const m2m_ws_function *f = fn >= 0 ? m2m_ws_function_get((m2m_ws_fn)fn) : NULL;

	return f != NULL ? f->name : kind;
}

/* Job end + call record + audit; inside the caller's transaction. */
/* A senddata job's payload loses its (sealed) ES8 bytes when the job ends: the SM-SR keeps
 * nothing of a download once it is relayed. */
static m2m_err drop_es8(smsr *s, const smsr_slot *sl)
{
	smsr_job j = sl->job; /* shallow: only es8 differs */
	m2m_buf p;
	m2m_err err;

	if (sl->job.es8.len == 0)
		return M2M_OK;
	m2m_buf_init(&j.es8);
	m2m_buf_init(&p);
	err = smsr_job_encode(&j, &p);
	if (err == M2M_OK)
		err = m2m_store_job_set_payload(s->st, sl->id, p.data, p.len);
	m2m_buf_free(&p);
	return err == M2M_END ? M2M_OK : err;
}

static m2m_err close_job(smsr *s, const smsr_slot *sl, m2m_store_job_state state,
			 const m2m_ws_exec_status *stt, const m2m_es5_result *r)
{
	char packed[M2M_WS_MESSAGE_MAX + 128];
	int64_t now = m2m_store_now_ms();
	m2m_err err;

	smsr_status_pack(stt, packed, sizeof packed);
	err = m2m_store_job_finish(s->st, sl->id, s->cfg->worker, now, state,
				   (const uint8_t *)packed, strlen(packed), stt->message);
	if (err != M2M_OK)
		return err;
	if ((err = drop_es8(s, sl)) != M2M_OK)
		return err;
	if (strcmp(sl->kind, "senddata") == 0 && state != M2M_STORE_JOB_ANSWERED)
		smsr_chain_set(s, sl->eid, false); /* the exchange is over for the SM-DP too */
	if (sl->job.call_id[0] != '\0') {
		err = smsr_call_record(s, sl, r, packed, now); /* with ES3's Isd-p-aid, response */
		if (err == M2M_ERR_STATE || err == M2M_END)
			err = M2M_OK; /* answered already, or recorded by no call (internal job) */
		if (err != M2M_OK)
			return err;
	}
	smsr_audit(s, sl->job.caller, fn_name(sl->job.fn, sl->kind), sl->eid, sl->job.iccid, stt);
	return M2M_OK;
}

void smsr_finish(smsr *s, const smsr_slot *sl, m2m_store_job_state state,
		 const m2m_ws_exec_status *stt)
{
	m2m_err err = m2m_store_begin(s->st);

	if (err == M2M_OK)
		err = close_job(s, sl, state, stt, NULL);
	if (err == M2M_OK && strcmp(sl->kind, "create_isdp") == 0) {
		/* The ISD-P was not created: its row (and AID) goes. */
		err = m2m_store_profile_delete(s->st, sl->eid, sl->job.aid);
		if (err == M2M_END)
			err = M2M_OK;
	}
	if (err == M2M_OK)
		err = m2m_store_commit(s->st);
	if (err != M2M_OK) {
		m2m_store_rollback(s->st);
		m2m_warn(SMSR_LOG, "job %lld not finished (%s): %s", (long long)sl->id,
			 m2m_strerror(err), m2m_store_errmsg(s->st));
		return;
	}
	m2m_info(SMSR_LOG, "job %lld %s %s: %s %s/%s %s", (long long)sl->id, sl->kind, sl->eid,
		 m2m_ws_status_name(stt->status), stt->subject, stt->reason, stt->message);
	smsr_answer(s, sl->id, &sl->job, sl->eid, stt);
	if (strcmp(sl->kind, "create_isdp") == 0)
		smsr_es3_create_answer(s, sl, stt);
	else if (strcmp(sl->kind, "senddata") == 0)
		smsr_senddata_answer(s, sl, stt, NULL, 0);
	smsr_es7_job_end(s, sl, NULL, stt);
}

/* The profile (eid, aid) goes to state; with ENABLED every other enabled one is disabled. */
m2m_err smsr_set_state(smsr *s, const char *eid, const char *aid, m2m_store_profile_state st)
{
	m2m_store_profile *list = NULL;
	size_t n = 0;
	int64_t now = m2m_store_now_ms();
	m2m_err err = m2m_store_profile_list(s->st, eid, &list, &n);

	for (size_t i = 0; err == M2M_OK && i < n; i++) {
		if (strcmp(list[i].isdp_aid, aid) == 0)
			err = m2m_store_profile_set_state(s->st, eid, aid, st, now);
		else if (st == M2M_STORE_PROFILE_ENABLED &&
			 list[i].state == M2M_STORE_PROFILE_ENABLED)
			err = m2m_store_profile_set_state(s->st, eid, list[i].isdp_aid,
							  M2M_STORE_PROFILE_DISABLED, now);
	}
	m2m_store_profile_list_free(list, n);
	return err;
}

static m2m_store_profile_state lcs_state(uint8_t lcs)
{
	if (lcs == 0x3F)
		return M2M_STORE_PROFILE_ENABLED;
	if (lcs == 0x1F)
		return M2M_STORE_PROFILE_DISABLED;
	return M2M_STORE_PROFILE_CREATED; /* SELECTABLE / PERSONALIZED */
}

/* An audit's ISD-Ps and resources into the EIS. */
static m2m_err apply_audit(smsr *s, const char *eid, const m2m_es5_audit_data *a)
{
	m2m_store_eis e;
	m2m_err err = M2M_OK;

	for (size_t i = 0; err == M2M_OK && i < a->nisdp; i++) {
		const m2m_es5_isdp_status *is = &a->isdp[i];
		m2m_store_profile p;
		char aid[M2M_STORE_AID_SIZE];

		if (is->aid_len == 0 || is->aid_len > M2M_ES5_AID_SIZE)
			continue;
		m2m_eis_hex(is->aid, is->aid_len, aid);
		memset(&p, 0, sizeof p);
		err = m2m_store_profile_get(s->st, eid, aid, &p);
		if (err == M2M_END) {
			/* An ISD-P the EIS does not know (no ICCID to record it under). */
			m2m_warn(SMSR_LOG, "%s: audit found ISD-P %s unknown to the EIS", eid, aid);
			err = M2M_OK;
			continue;
		}
		if (err == M2M_OK) {
			if (is->has_lcs)
				p.state = lcs_state(is->lcs);
			if (is->has_attr) {
				p.fallback = is->fallback;
				p.emergency = is->emergency;
			}
			if (is->has_mem) {
				p.allocated_memory = is->mem_reserved;
				p.free_memory = is->mem_free;
			}
			err = m2m_store_profile_put(s->st, &p);
		}
		m2m_store_profile_clear(&p);
	}
	if (err != M2M_OK)
		return err;
	memset(&e, 0, sizeof e);
	err = m2m_store_eis_get(s->st, eid, &e);
	if (err == M2M_OK) {
		if (a->has_resources)
			e.remaining_memory = a->free_nv;
		e.last_audit_ms = m2m_store_now_ms();
		err = m2m_store_eis_update(s->st, &e, 0, NULL);
	}
	m2m_store_eis_clear(&e);
	return err;
}

/* The ISD-P (eid, aid) is gone from the card: its row goes, *gone keeps what the Deleted
 * notifications need (ICCID, Mno-id, Smdp-id, type for the ONC). */
static m2m_err apply_delete(smsr *s, const char *eid, const char *aid, m2m_store_profile *gone)
{
	m2m_err err = m2m_store_profile_get(s->st, eid, aid, gone);

	if (err == M2M_END)
		return M2M_OK; /* deleted already (a re-execution): notified then */
	if (err == M2M_OK)
		err = m2m_store_profile_delete(s->st, eid, aid);
	return err == M2M_END ? M2M_OK : err;
}

/* The confirmation does not take back `forwarded`: the outbound worker may have delivered
 * the notification before the 3A08's PoR came (one conditional UPDATE: M2M_END then). */
static m2m_err mark_confirmed(smsr *s, const char *eid, int64_t seq)
{
	return m2m_store_notif_advance(s->st, eid, seq, M2M_STORE_NOTIF_CONFIRMED,
				       m2m_store_now_ms());
}

static m2m_err apply(smsr *s, const smsr_slot *sl, const m2m_es5_result *r,
		     m2m_store_profile *gone)
{
	m2m_err err = M2M_OK;

	if (strcmp(sl->kind, "enable") == 0)
		return smsr_set_state(s, sl->eid, sl->job.aid, M2M_STORE_PROFILE_ENABLED);
	if (strcmp(sl->kind, "disable") == 0)
		return smsr_set_state(s, sl->eid, sl->job.aid, M2M_STORE_PROFILE_DISABLED);
	if (strcmp(sl->kind, "delete") == 0) /* ES4 DeleteProfile, ES3 DeleteISDP, POL2 */
		return apply_delete(s, sl->eid, sl->job.aid, gone);
	if (strcmp(sl->kind, "audit") == 0)
		return apply_audit(s, sl->eid, &r->audit);
	if (smsr_attr_kind(sl->kind))
		return smsr_attr_apply(s, sl->eid, sl->kind, sl->job.aid);
	if (strcmp(sl->kind, "create_isdp") == 0)
		return M2M_OK; /* the row is CREATED since the request */
	if (smsr_es7_kind(sl->kind)) /* the card's answer kept; SM-SR2's address, PSK jobs */
		return smsr_es7_apply(s, sl, r);
	if (strcmp(sl->kind, "confirm") == 0) {
		err = mark_confirmed(s, sl->eid, sl->job.seq);
		if (err == M2M_END)
			err = M2M_OK;
		/* POL1 may have made the card delete ISD-Ps at the confirmation. */
		for (size_t i = 0; err == M2M_OK && i < r->ndeleted; i++) {
			char aid[M2M_STORE_AID_SIZE];
			m2m_eis_hex(r->deleted[i], M2M_ES5_AID_SIZE, aid);
			err = smsr_notif_pol1_deleted(s, sl->eid, aid);
		}
	}
	return err;
}

m2m_err smsr_apply_success(smsr *s, const smsr_slot *sl, const m2m_es5_result *r)
{
	m2m_ws_exec_status stt;
	m2m_store_profile gone;
	m2m_err err;

	memset(&gone, 0, sizeof gone);
	m2m_ws_status_set(&stt, M2M_WS_EXECUTED_SUCCESS, NULL, NULL, NULL, "%s", "");
	err = m2m_store_begin(s->st);
	if (err == M2M_OK)
		err = apply(s, sl, r, &gone);
	if (err == M2M_OK) /* the outbox rows commit with the deletion */
		err = smsr_notify_deleted(s, sl->eid, &gone); /* nothing unless a profile went */
	if (err == M2M_OK)
		err = close_job(s, sl, M2M_STORE_JOB_ANSWERED, &stt, r);
	if (err == M2M_OK)
		err = m2m_store_commit(s->st);
	if (err != M2M_OK) {
		m2m_store_rollback(s->st);
		m2m_warn(SMSR_LOG, "job %lld (%s %s): result not applied: %s", (long long)sl->id,
			 sl->kind, sl->eid, m2m_store_errmsg(s->st));
		goto out;
	}
	m2m_info(SMSR_LOG, "job %lld %s %s %s: done", (long long)sl->id, sl->kind, sl->eid,
		 sl->job.iccid);
	smsr_out_kick(s->out);
	if (strcmp(sl->kind, "create_isdp") == 0)
		smsr_es3_create_answer(s, sl, &stt);
	smsr_es7_job_end(s, sl, r, &stt);
out:
	m2m_store_profile_clear(&gone);
	return err;
}
