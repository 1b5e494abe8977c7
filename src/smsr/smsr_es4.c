/* ES4 (operator and M2M SP -> SM-SR): checks (EID, ICCID, authorisation, POL2), then either
 * an answer at once (GetEIS, UpdatePolicyRules) or a durable job for the card whose answer
 * goes to the caller's ReplyTo (docs/smsr.md "ES4"). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "crypto/hash.h"
#include "smsr/eis.h"
#include "smsr/eis_store.h"
#include "smsr/eis_xml.h"
#include "smsr/es1.h"
#include "smsr/smsr_int.h"
#include "smsr/smsr_es7.h"
#include "smsr/smsr_es4_more.h"
#include "smsr/smsr_attr.h"
#include "smsr/smsr_es3_repeat.h"

/* ---- status in the function-call record ---- */

void smsr_status_pack(const m2m_ws_exec_status *stt, char *out, size_t cap)
{
	snprintf(out, cap, "%d|%s|%s|%s|%s", (int)stt->status, stt->subject, stt->reason,
		 stt->subject_id, stt->message);
}

static const char *cut(const char *s, const char *end, char *dst, size_t cap)
{
	const char *bar = memchr(s, '|', (size_t)(end - s));
	size_t n = (bar != NULL ? bar : end) - s;

	snprintf(dst, cap, "%.*s", (int)(n < cap ? n : cap - 1), s);
	return bar != NULL ? bar + 1 : end;
}

void smsr_status_unpack(const char *in, size_t n, m2m_ws_exec_status *stt)
{
	const char *end = in + n;
	char num[8];

	memset(stt, 0, sizeof *stt);
	in = cut(in, end, num, sizeof num);
	stt->status = (m2m_ws_status)atoi(num);
	if (stt->status > M2M_WS_EXPIRED)
		stt->status = M2M_WS_FAILED;
	in = cut(in, end, stt->subject, sizeof stt->subject);
	in = cut(in, end, stt->reason, sizeof stt->reason);
	in = cut(in, end, stt->subject_id, sizeof stt->subject_id);
	snprintf(stt->message, sizeof stt->message, "%.*s", (int)(end - in), in);
}

/* ---- the EIS as the caller may see it ---- */

/* An operator sees its profiles (an M2M SP those of a PLMA), an SM-DP those it created. */
static bool visible(smsr *s, int role, const char *caller, const char *mno_id,
		    const char *smdp_id)
{
	if (role == M2M_WS_ROLE_SMDP)
		return smdp_id[0] != '\0' &&
		       strcmp(smdp_id, m2m_smsr_caller_oid(s->cfg, caller)) == 0;
	return smsr_authorised(s, role, caller, mno_id, NULL); /* PLMA from the store */
}

/* The Eis element with the caller's profiles only and no key values. */
m2m_err smsr_add_eis(smsr *s, m2m_ws_msg *m, const char *eid, const char *caller, int role)
{
	m2m_eis e;
	size_t k = 0;
	m2m_err err;

	m2m_eis_init(&e);
	if ((err = m2m_eis_from_store(s->st, eid, &e)) != M2M_OK) {
		m2m_warn(SMSR_LOG, "%s: EIS not read from the store: %s", eid, m2m_strerror(err));
		goto out;
	}
	for (size_t i = 0; i < e.nprofiles; i++)
		if (visible(s, role, caller, e.profiles[i].mno_id, e.profiles[i].smdp_id))
			e.profiles[k++] = e.profiles[i];
	e.nprofiles = k;
	err = m2m_eis_build(m, NULL, &e, NULL, 0, NULL);
	if (err != M2M_OK)
		m2m_warn(SMSR_LOG, "%s: Eis element not built: %s", eid, m2m_strerror(err));
out:
	m2m_eis_clear(&e);
	return err;
}

m2m_ws_msg *smsr_response(smsr *s, int fn, const m2m_ws_exec_status *stt, const char *eid,
			  const char *caller, int role)
{
	m2m_ws_msg *m = NULL;

	if (m2m_ws_response_new((m2m_ws_fn)fn, stt, &m) != M2M_OK)
		return NULL;
	if (stt->status == M2M_WS_EXECUTED_SUCCESS &&
	    (fn == M2M_WS_ES4_AUDIT_EIS || fn == M2M_WS_ES3_AUDIT_EIS) &&
	    smsr_add_eis(s, m, eid, caller, role) != M2M_OK)
		m2m_warn(SMSR_LOG, "%s: the EIS could not be added to the answer", eid);
	return m;
}

/* ---- answers ---- */

static void answer_held(smsr *s, int64_t job_id, const smsr_job *j, const char *eid,
			const m2m_ws_exec_status *stt)
{
	m2m_ws_msg *m;

	if (!smsr_held_any(s, job_id, j))
		return;
	m = smsr_response(s, j->fn, stt, eid, j->caller, j->role);
	smsr_held_complete(s, job_id, j, m);
	m2m_ws_msg_free(m);
}

void smsr_answer(smsr *s, int64_t job_id, const smsr_job *j, const char *eid,
		 const m2m_ws_exec_status *stt)
{
	if (j->fn < 0)
		return;
	answer_held(s, job_id, j, eid, stt);
	if (j->reply_to[0] != '\0') {
		m2m_ws_deferred d = {.fn = (m2m_ws_fn)j->fn,
				     .binding = (m2m_ws_binding)j->binding,
				     .relates_to = (char *)j->relates_to,
				     .reply_to = (char *)j->reply_to};
		m2m_ws_msg *m = smsr_response(s, j->fn, stt, eid, j->caller, j->role);
		if (m != NULL)
			smsr_out_answer(s->out, &d, m);
	}
	for (smsr_waiter **pw = &s->waiters; *pw != NULL;) {
		smsr_waiter *w = *pw;
		if (j->call_id[0] == '\0' || strcmp(w->caller, j->caller) != 0 ||
		    strcmp(w->call_id, j->call_id) != 0) {
			pw = &w->next;
			continue;
		}
		m2m_ws_msg *m = smsr_response(s, j->fn, stt, eid, j->caller, j->role);
		if (m != NULL)
			smsr_out_answer(s->out, &w->d, m);
		*pw = w->next;
		m2m_ws_deferred_clear(&w->d);
		free(w);
	}
}

/* ---- request fields ---- */

static void refuse(m2m_ws_msg *resp, m2m_ws_exec_status *stt, smsr *s, const m2m_ws_call *call,
		   const char *eid, const char *iccid)
{
	m2m_ws_response_set_status(resp, stt);
	smsr_audit(s, call->caller->id, call->fn->name, eid, iccid, stt);
	m2m_info(SMSR_LOG, "%s from %s refused: %s/%s %s", call->fn->name, call->caller->id,
		 stt->subject, stt->reason, stt->message);
}

/* Eid as 32 upper-case hex digits. */
static bool read_eid(const m2m_ws_node *body, char eid[M2M_STORE_EID_SIZE],
		     m2m_ws_exec_status *stt)
{
	const char *t = NULL;
	size_t n;

	if (m2m_ws_get_text(body, "Eid", &t) != M2M_OK || (n = strlen(t)) != 32 ||
	    strspn(t, "0123456789abcdefABCDEF") != n) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_EID, M2M_WS_REASON_INVALID, t,
				  "Eid: 16 bytes of hex expected");
		return false;
	}
	for (size_t i = 0; i <= n; i++)
		eid[i] = (char)toupper((unsigned char)t[i]);
	return true;
}

static bool find_eis(smsr *s, const char *eid, m2m_ws_exec_status *stt)
{
	m2m_store_eis e;
	m2m_err err;

	memset(&e, 0, sizeof e);
	err = m2m_store_eis_get(s->st, eid, &e);
	m2m_store_eis_clear(&e);
	if (err == M2M_END)
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_EID, M2M_WS_REASON_UNKNOWN, eid,
				  "unknown EID");
	else if (err != M2M_OK)
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROVIDER,
				  M2M_WS_REASON_EXECUTION_ERROR, NULL, "store: %s",
				  m2m_store_errmsg(s->st));
	return err == M2M_OK;
}

/* The enabled profile of the eUICC (false when none). */
static bool find_enabled(smsr *s, const char *eid, m2m_store_profile *out)
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

/* May the caller see the eUICC at all: one of its profiles is the caller's. */
static bool any_visible(smsr *s, const m2m_ws_call *call, const char *eid,
			m2m_ws_exec_status *stt)
{
	m2m_store_profile *list = NULL;
	size_t n = 0;
	bool ok = false;

	if (m2m_store_profile_list(s->st, eid, &list, &n) == M2M_OK)
		for (size_t i = 0; i < n && !ok; i++)
			ok = visible(s, call->caller->role, call->caller->id, list[i].mno_id,
				     list[i].smdp_id);
	m2m_store_profile_list_free(list, n);
	if (!ok)
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_REQUESTER,
				  M2M_WS_REASON_UNAUTHORISED, eid,
				  "no profile of '%s' on this eUICC",
				  m2m_smsr_caller_oid(s->cfg, call->caller->id));
	return ok;
}

/* SHA-256 over the function name and every element's name and text except the call's
 * identifier and validity: the "same request" test of FunctionCallIdentifier re-use. */
static void hash_walk(const m2m_ws_node *n, m2m_buf *b)
{
	for (const m2m_ws_node *c = m2m_ws_first_child(n); c != NULL; c = m2m_ws_next(c)) {
		const char *name = m2m_ws_node_name(c), *text = m2m_ws_node_text(c);
		if (strcmp(name, "FunctionCallIdentifier") == 0 ||
		    strcmp(name, "ValidityPeriod") == 0)
			continue;
		m2m_buf_append(b, name, strlen(name) + 1);
		if (text != NULL)
			m2m_buf_append(b, text, strlen(text) + 1);
		else
			hash_walk(c, b);
		m2m_buf_append_u8(b, 0xFF);
	}
}

void smsr_request_hash(const m2m_ws_call *call, uint8_t out[M2M_STORE_HASH_SIZE])
{
	m2m_buf b;

	m2m_buf_init(&b);
	m2m_buf_append(&b, call->fn->name, strlen(call->fn->name) + 1);
	hash_walk(m2m_ws_msg_body(call->msg), &b);
	m2m_sha256(b.data != NULL ? b.data : (const uint8_t *)"", b.len, out);
	m2m_buf_free(&b);
}

/* ---- functions ---- */

static m2m_ws_reply get_eis(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp)
{
	const m2m_ws_node *body = m2m_ws_msg_body(call->msg);
	m2m_ws_exec_status stt;
	char eid[M2M_STORE_EID_SIZE] = "";

	if (!read_eid(body, eid, &stt) || !find_eis(s, eid, &stt) ||
	    !any_visible(s, call, eid, &stt)) {
		refuse(resp, &stt, s, call, eid, "");
		return M2M_WS_REPLY_NOW;
	}
	if (smsr_add_eis(s, resp, eid, call->caller->id, call->caller->role) != M2M_OK) {
		m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_EIS,
				  M2M_WS_REASON_EXECUTION_ERROR, eid, "the EIS cannot be read");
		refuse(resp, &stt, s, call, eid, "");
		return M2M_WS_REPLY_NOW;
	}
	m2m_ws_status_set(&stt, M2M_WS_EXECUTED_SUCCESS, NULL, NULL, NULL, " ");
	stt.message[0] = '\0';
	smsr_audit(s, call->caller->id, call->fn->name, eid, "", &stt);
	return M2M_WS_REPLY_NOW;
}

static m2m_ws_reply update_pol2(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp)
{
	const m2m_ws_node *body = m2m_ws_msg_body(call->msg);
	m2m_ws_exec_status stt;
	m2m_store_profile p;
	char eid[M2M_STORE_EID_SIZE] = "";
	uint32_t bits = 0;

	memset(&p, 0, sizeof p);
	if (!read_eid(body, eid, &stt) || !find_eis(s, eid, &stt) ||
	    !smsr_profile_of_call(s, body, eid, &p, &stt) ||
	    !smsr_authorised(s, call->caller->role, call->caller->id, p.mno_id, &stt) ||
	    m2m_smsr_pol2_parse(m2m_ws_find(body, "pol2"), &bits, &stt) != M2M_OK)
		goto refused;
	p.pol2 = bits;
	if (m2m_store_profile_put(s->st, &p) != M2M_OK) {
		m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROVIDER,
				  M2M_WS_REASON_EXECUTION_ERROR, NULL, "store: %s",
				  m2m_store_errmsg(s->st));
		goto refused;
	}
	m2m_ws_status_set(&stt, M2M_WS_EXECUTED_SUCCESS, NULL, NULL, NULL, "POL2 %02X", bits);
	smsr_audit(s, call->caller->id, call->fn->name, eid, p.iccid, &stt);
	m2m_store_profile_clear(&p);
	return M2M_WS_REPLY_NOW;
refused:
	refuse(resp, &stt, s, call, eid, p.iccid);
	m2m_store_profile_clear(&p);
	return M2M_WS_REPLY_NOW;
}

/* A repeat with ReplyTo of a running call waits for its end (d is taken). */
static void add_waiter(smsr *s, const m2m_ws_call *call, const char *eid, m2m_ws_deferred *d,
		       uint64_t vp)
{
	smsr_waiter *w = calloc(1, sizeof *w);

	if (w == NULL)
		return;
	snprintf(w->caller, sizeof w->caller, "%s", call->caller->id);
	snprintf(w->call_id, sizeof w->call_id, "%s", call->function_call_id);
	snprintf(w->eid, sizeof w->eid, "%s", eid);
	w->fn = call->fn->id;
	w->role = call->caller->role;
	w->deadline_ms = m2m_store_now_ms() + (int64_t)vp * 1000;
	w->d = *d;
	memset(d, 0, sizeof *d);
	w->next = s->waiters;
	s->waiters = w;
	smsr_poll_arm(s);
}

/* FunctionCallIdentifier: NEW -> queue; a replay gets the recorded answer (now, or when the
 * job ends); the same identifier for another request is refused. Returns true when the
 * caller must queue the job (inside the open transaction). */
bool smsr_es4_dedup(smsr *s, const m2m_ws_call *call, const char *eid, m2m_ws_deferred *d,
		    m2m_ws_hold *hold, uint64_t vp, m2m_ws_msg *resp, m2m_ws_reply *reply)
{
	m2m_store_call_outcome oc;
	m2m_store_call prev;
	m2m_ws_exec_status stt;
	uint8_t h[M2M_STORE_HASH_SIZE];

	memset(&prev, 0, sizeof prev);
	smsr_request_hash(call, h);
	if (m2m_store_call_begin(s->st, call->caller->id, call->function_call_id, h,
				 m2m_store_now_ms(), &oc, &prev) != M2M_OK) {
		m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROVIDER,
				  M2M_WS_REASON_EXECUTION_ERROR, NULL, "store: %s",
				  m2m_store_errmsg(s->st));
		m2m_ws_response_set_status(resp, &stt);
		*reply = M2M_WS_REPLY_NOW;
		return false;
	}
	if (oc == M2M_STORE_CALL_NEW) {
		m2m_store_call_clear(&prev);
		return true;
	}
	if (oc == M2M_STORE_CALL_CONFLICT) {
		m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_FUNCTION,
				  M2M_WS_REASON_IN_USE, call->function_call_id,
				  "FunctionCallIdentifier already used for another request");
		m2m_ws_response_set_status(resp, &stt);
		*reply = M2M_WS_REPLY_NOW;
	} else if (prev.done) {
		/* The recorded answer, now (the deferred one may have been lost). */
		smsr_status_unpack((const char *)prev.response, prev.response_len, &stt);
		m2m_ws_response_set_status(resp, &stt);
		if (stt.status == M2M_WS_EXECUTED_SUCCESS && (call->fn->id == M2M_WS_ES4_AUDIT_EIS ||
							     call->fn->id == M2M_WS_ES3_AUDIT_EIS))
			smsr_add_eis(s, resp, eid, call->caller->id, call->caller->role);
		*reply = M2M_WS_REPLY_NOW;
	} else if (hold != NULL) {
		/* A repeat without ReplyTo of a call still running: held until its job ends
		 * (here, or in another process: smsr_poll.c). */
		*reply = smsr_held_add(s, hold, 0, call, vp) == M2M_OK ? M2M_WS_REPLY_HOLD
								 : M2M_WS_REPLY_NOW;
		if (*reply == M2M_WS_REPLY_NOW) {
			m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROVIDER,
					  M2M_WS_REASON_EXECUTION_ERROR, NULL, "out of memory");
			m2m_ws_response_set_status(resp, &stt);
		}
	} else {
		add_waiter(s, call, eid, d, vp);
		*reply = M2M_WS_REPLY_LATER;
	}
	if (oc == M2M_STORE_CALL_REPLAY && !prev.done)
		m2m_info(SMSR_LOG, "%s from %s: call '%s' still running, answered when it ends",
			 call->fn->name, call->caller->id, call->function_call_id);
	m2m_store_call_clear(&prev);
	return false;
}

static bool check_profile_call(smsr *s, const m2m_ws_call *call, const char *eid,
			       m2m_store_profile *p, m2m_ws_exec_status *stt)
{
	const m2m_ws_node *body = m2m_ws_msg_body(call->msg);
	m2m_store_profile en;
	m2m_smsr_action act = call->fn->id == M2M_WS_ES4_ENABLE_PROFILE ? M2M_SMSR_ACT_ENABLE
			      : call->fn->id == M2M_WS_ES4_DISABLE_PROFILE ? M2M_SMSR_ACT_DISABLE
									   : M2M_SMSR_ACT_DELETE;
	bool has_en;

	if (!smsr_profile_of_call(s, body, eid, p, stt) ||
	    !smsr_authorised(s, call->caller->role, call->caller->id, p->mno_id, stt))
		return false;
	memset(&en, 0, sizeof en);
	has_en = find_enabled(s, eid, &en);
	return m2m_smsr_pol2_allows(act, p, has_en ? &en : NULL, stt);
}

static const char *job_kind(m2m_ws_fn fn)
{
	switch (fn) {
	case M2M_WS_ES4_ENABLE_PROFILE:
		return "enable";
	case M2M_WS_ES4_DISABLE_PROFILE:
		return "disable";
	case M2M_WS_ES4_DELETE_PROFILE:
		return "delete";
	default:
		return "audit";
	}
}

static m2m_ws_reply card_call(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp)
{
	const m2m_ws_node *body = m2m_ws_msg_body(call->msg);
	m2m_ws_exec_status stt;
	m2m_store_profile p;
	m2m_ws_deferred d;
	m2m_ws_hold *hold = NULL;
	m2m_ws_reply reply = M2M_WS_REPLY_LATER;
	smsr_job j;
	char eid[M2M_STORE_EID_SIZE] = "";
	bool is_audit = call->fn->id == M2M_WS_ES4_AUDIT_EIS || call->fn->id == M2M_WS_ES3_AUDIT_EIS;
	int64_t id = 0, now = m2m_store_now_ms();
	uint64_t vp = call->validity_period ? call->validity_period : s->cfg->validity_s;

	memset(&p, 0, sizeof p);
	memset(&d, 0, sizeof d);
	if (!read_eid(body, eid, &stt) || !find_eis(s, eid, &stt))
		goto refused;
	if (is_audit ? !any_visible(s, call, eid, &stt) : !check_profile_call(s, call, eid, &p, &stt))
		goto refused;
	/* ReplyTo: answered there later; none or anonymous: held on this exchange. */
	if (m2m_ws_defer(call, &d) != M2M_OK && m2m_ws_hold_begin(call, &hold) != M2M_OK) {
		m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_FUNCTION, M2M_WS_REASON_INVALID,
				  NULL, "no way to answer: ReplyTo is none");
		goto refused;
	}
	smsr_job_for_profile(&j, call, &p, &d, hold);
	if (m2m_store_begin(s->st) != M2M_OK)
		goto store_failed;
	if (j.call_id[0] != '\0' && !smsr_es4_dedup(s, call, eid, &d, hold, vp, resp, &reply)) {
		m2m_store_rollback(s->st);
		goto out;
	}
	if (smsr_job_queue(s->st, eid, job_kind(call->fn->id), &j,
			   now + (int64_t)vp * 1000, &id) != M2M_OK ||
	    m2m_store_commit(s->st) != M2M_OK) {
		m2m_store_rollback(s->st);
		goto store_failed;
	}
	m2m_info(SMSR_LOG, "%s from %s: job %lld for %s %s%s", call->fn->name, call->caller->id,
		 (long long)id, eid, p.iccid, hold != NULL ? " (held)" : "");
	if (hold != NULL) {
		/* Queued and durable: if the hold cannot be kept, the answer is a repeat away. */
		reply = smsr_held_add(s, hold, id, call, vp) == M2M_OK ? M2M_WS_REPLY_HOLD
								 : M2M_WS_REPLY_NOW;
		if (reply == M2M_WS_REPLY_NOW) {
			m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROVIDER,
					  M2M_WS_REASON_EXECUTION_ERROR, NULL, "out of memory");
			m2m_ws_response_set_status(resp, &stt);
		}
	}
	smsr_engine_kick(s);
	goto out;
store_failed:
	m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROVIDER, M2M_WS_REASON_EXECUTION_ERROR,
			  NULL, "store: %s", m2m_store_errmsg(s->st));
refused:
	refuse(resp, &stt, s, call, eid, p.iccid);
	reply = M2M_WS_REPLY_NOW;
out:
	m2m_ws_deferred_clear(&d);
	m2m_store_profile_clear(&p);
	return reply;
}

/* ES1 RegisterEIS (docs/eis.md "ES1"): answered at once. */
static m2m_ws_reply register_eis(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp)
{
	m2m_ws_exec_status stt;
	m2m_err err;

	if (s->cfg->es1 == NULL) {
		m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_FUNCTION,
				  M2M_WS_REASON_NOT_ALLOWED, NULL,
				  "RegisterEIS: no [es1] trust configured");
		refuse(resp, &stt, s, call, "", "");
		return M2M_WS_REPLY_NOW;
	}
	err = m2m_es1_register_eis(s->st, s->cfg->es1, call->caller, call->msg, &stt);
	m2m_ws_response_set_status(resp, &stt);
	if (err == M2M_OK)
		m2m_info(SMSR_LOG, "RegisterEIS from %s: registered", call->caller->id);
	else
		m2m_info(SMSR_LOG, "RegisterEIS from %s: %s %s/%s %s", call->caller->id,
			 m2m_ws_status_name(stt.status), stt.subject, stt.reason, stt.message);
	return M2M_WS_REPLY_NOW;
}

static m2m_ws_reply unsupported(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp)
{
	m2m_ws_exec_status stt;

	m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_FUNCTION, M2M_WS_REASON_NOT_ALLOWED,
			  NULL, "%s is not served by this SM-SR yet", call->fn->name);
	refuse(resp, &stt, s, call, "", "");
	return M2M_WS_REPLY_NOW;
}

m2m_ws_reply smsr_es4_handle(void *arg, const m2m_ws_call *call, m2m_ws_msg *response)
{
	smsr *s = arg;

	if (call->dir != M2M_WS_DIR_IN || response == NULL)
		return M2M_WS_REPLY_NOW; /* callbacks and notifications to us: 202 */
	switch (call->fn->id) {
	case M2M_WS_ES4_GET_EIS:
		return get_eis(s, call, response);
	case M2M_WS_ES1_REGISTER_EIS:
		return register_eis(s, call, response);
	case M2M_WS_ES4_UPDATE_POLICY_RULES:
		return update_pol2(s, call, response);
	case M2M_WS_ES4_AUDIT_EIS:
	case M2M_WS_ES3_AUDIT_EIS: /* from an SM-DP: the same audit, its profiles only */
	case M2M_WS_ES4_ENABLE_PROFILE:
	case M2M_WS_ES4_DISABLE_PROFILE:
	case M2M_WS_ES4_DELETE_PROFILE:
		return card_call(s, call, response);
	case M2M_WS_ES4_SET_FALL_BACK_ATTRIBUTE:
	case M2M_WS_ES4_SET_EMERGENCY_PROFILE_ATTRIBUTE:
	case M2M_WS_ES3_SET_FALL_BACK_ATTRIBUTE: /* ES3 gets here from smsr_es3_handle */
	case M2M_WS_ES3_SET_EMERGENCY_PROFILE_ATTRIBUTE:
		return smsr_attr_call(s, call, response); /* smsr_attr.c */
	case M2M_WS_ES4_PREPARE_SMSR_CHANGE:
	case M2M_WS_ES4_SMSR_CHANGE:
	case M2M_WS_ES7_HANDOVER_EUICC:
	case M2M_WS_ES7_AUTHENTICATE_SMSR:
	case M2M_WS_ES7_CREATE_ADDITIONAL_KEY_SET:
		return smsr_es7_handle(s, call, response); /* the SM-SR change */
	default:
		if (smsr_es4_more_serves(call->fn->id)) /* smsr_es4_more.c */
			return smsr_es4_more_handle(s, call, response);
		return unsupported(s, call, response);
	}
}
