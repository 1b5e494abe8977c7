/* ES2 from the operators (loop thread): checks what can be checked without I/O (the EID,
 * the SM-SR named), builds the task, keeps the answer's way back (ReplyTo, or the held HTTP
 * exchange) and queues it for a worker. Unsupported functions: FAILED 1.6 / 1.2. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "smdp/smdp_int.h"

/* Answers FAILED now, with the refusal in the audit trail. */
static void refuse(smdp *s, const m2m_ws_call *call, m2m_ws_msg *resp,
		   const m2m_ws_exec_status *stt)
{
	const char *eid = NULL, *iccid = NULL;
	m2m_store_audit a;
	char detail[M2M_WS_MESSAGE_MAX + 64];

	m2m_ws_response_set_status(resp, stt);
	m2m_info(SMDP_LOG, "%s from %s refused: %s/%s %s", call->fn->name, call->caller->id,
		 stt->subject, stt->reason, stt->message);
	m2m_ws_get_text(m2m_ws_msg_body(call->msg), "Eid", &eid);
	m2m_ws_get_text(m2m_ws_msg_body(call->msg), "Iccid", &iccid);
	memset(&a, 0, sizeof a);
	snprintf(a.actor, sizeof a.actor, "%s", call->caller->id);
	snprintf(a.function, sizeof a.function, "%s", call->fn->name);
	snprintf(a.eid, sizeof a.eid, "%s", eid != NULL && strlen(eid) < sizeof a.eid ? eid : "");
	snprintf(a.iccid, sizeof a.iccid, "%s",
		 iccid != NULL && strlen(iccid) < sizeof a.iccid ? iccid : "");
	snprintf(a.outcome, sizeof a.outcome, "%s", m2m_ws_status_name(stt->status));
	snprintf(detail, sizeof detail, "%s/%s %s", stt->subject, stt->reason, stt->message);
	a.detail = detail;
	if (m2m_store_audit_add(s->st, &a, NULL) != M2M_OK)
		m2m_warn(SMDP_LOG, "audit not recorded: %s", m2m_store_errmsg(s->st));
}

/* Eid: 16 bytes of hex, kept upper-case (the SM-SR's canonical form). */
static bool read_eid(const m2m_ws_node *body, char *eid, m2m_ws_exec_status *stt)
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

/* The optional text child name into dst ("" when absent); false when too long. */
static bool read_opt(const m2m_ws_node *body, const char *name, char *dst, size_t cap,
		     const char *subject, m2m_ws_exec_status *stt)
{
	const char *t = NULL;

	dst[0] = '\0';
	if (m2m_ws_get_text(body, name, &t) != M2M_OK)
		return true;
	if (strlen(t) >= cap) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, subject, M2M_WS_REASON_INVALID, NULL,
				  "%s too long", name);
		return false;
	}
	snprintf(dst, cap, "%s", t);
	return true;
}

/* Smsr-id (SmSr-id in DownloadProfile, EnableProfile and the v4 functions: the schema
 * spells it so). */
static bool read_smsr(const smdp *s, const m2m_ws_node *body, smdp_task *t,
		      m2m_ws_exec_status *stt)
{
	const char *oid = NULL;

	if (m2m_ws_get_text(body, "Smsr-id", &oid) != M2M_OK &&
	    m2m_ws_get_text(body, "SmSr-id", &oid) != M2M_OK) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_SMSR, M2M_WS_REASON_INVALID, NULL,
				  "Smsr-id missing");
		return false;
	}
	t->smsr = m2m_smdp_smsr_by_oid(s->cfg, oid);
	if (t->smsr == NULL) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_SMSR, M2M_WS_REASON_UNKNOWN, oid,
				  "SM-SR '%s' is not known to this SM-DP", oid);
		return false;
	}
	return true;
}

/* AuditEIS: every Iccid of the request (0..n), in order. */
static m2m_err copy_iccids(const m2m_ws_node *body, smdp_task *t)
{
	m2m_err err = M2M_OK;
	size_t n = m2m_ws_count(body, "Iccid");

	for (size_t k = 0; k < n && err == M2M_OK; k++)
		err = m2m_ws_add_copy(t->es3, NULL, m2m_ws_find_nth(body, "Iccid", k), NULL);
	return err;
}

/* Relays: the ES3 request now, while the ES2 message is alive (pol2 and
 * newSubscriptionAddress are copied as they are). */
static m2m_err build_es3(smdp *s, const m2m_ws_node *body, smdp_task *t)
{
	static const struct {
		m2m_ws_fn es2, es3;
	} map[] = {
		{M2M_WS_ES2_GET_EIS, M2M_WS_ES3_GET_EIS},
		{M2M_WS_ES2_ENABLE_PROFILE, M2M_WS_ES3_ENABLE_PROFILE},
		{M2M_WS_ES2_DISABLE_PROFILE, M2M_WS_ES3_DISABLE_PROFILE},
		{M2M_WS_ES2_DELETE_PROFILE, M2M_WS_ES3_DELETE_ISDP},
		{M2M_WS_ES2_UPDATE_POLICY_RULES, M2M_WS_ES3_UPDATE_POLICY_RULES},
		{M2M_WS_ES2_UPDATE_SUBSCRIPTION_ADDRESS, M2M_WS_ES3_UPDATE_SUBSCRIPTION_ADDRESS},
		{M2M_WS_ES2_AUDIT_EIS, M2M_WS_ES3_AUDIT_EIS},
		{M2M_WS_ES2_SET_FALL_BACK_ATTRIBUTE, M2M_WS_ES3_SET_FALL_BACK_ATTRIBUTE},
		{M2M_WS_ES2_SET_EMERGENCY_PROFILE_ATTRIBUTE,
		 M2M_WS_ES3_SET_EMERGENCY_PROFILE_ATTRIBUTE},
	};
	const m2m_ws_node *pol2 = m2m_ws_find(body, "pol2");
	const m2m_ws_node *addr = m2m_ws_find(body, "newSubscriptionAddress");
	m2m_err err = M2M_ERR_UNSUPPORTED;

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (map[i].es2 == t->fn)
			err = smdp_es3_request(s, map[i].es3, t->eid, &t->es3);
	if (err == M2M_OK && t->fn == M2M_WS_ES2_AUDIT_EIS)
		err = copy_iccids(body, t);
	else if (err == M2M_OK && t->iccid[0] != '\0')
		err = m2m_ws_add(t->es3, NULL, "Iccid", t->iccid, NULL);
	if (err == M2M_OK && pol2 != NULL && t->fn == M2M_WS_ES2_UPDATE_POLICY_RULES)
		err = m2m_ws_add_copy(t->es3, NULL, pol2, NULL);
	if (err == M2M_OK && addr != NULL && t->fn == M2M_WS_ES2_UPDATE_SUBSCRIPTION_ADDRESS)
		err = m2m_ws_add_copy(t->es3, NULL, addr, NULL);
	return err;
}

static bool supported(m2m_ws_fn fn)
{
	switch (fn) {
	case M2M_WS_ES2_DOWNLOAD_PROFILE:
	case M2M_WS_ES2_GET_EIS:
	case M2M_WS_ES2_ENABLE_PROFILE:
	case M2M_WS_ES2_DISABLE_PROFILE:
	case M2M_WS_ES2_DELETE_PROFILE:
	case M2M_WS_ES2_UPDATE_POLICY_RULES:
	case M2M_WS_ES2_UPDATE_SUBSCRIPTION_ADDRESS:
	/* v4 (euicc.request.v4.xsd) */
	case M2M_WS_ES2_AUDIT_EIS:
	case M2M_WS_ES2_SET_FALL_BACK_ATTRIBUTE:
	case M2M_WS_ES2_SET_EMERGENCY_PROFILE_ATTRIBUTE:
		return true;
	default:
		return false;
	}
}

/* The task's fields from the request; false with stt on refusal. */
static bool read_task(smdp *s, const m2m_ws_call *call, smdp_task *t, m2m_ws_exec_status *stt)
{
	const m2m_ws_node *body = m2m_ws_msg_body(call->msg);

	t->fn = call->fn->id;
	snprintf(t->actor, sizeof t->actor, "%s", call->caller->id);
	snprintf(t->mno, sizeof t->mno, "%s", m2m_smdp_caller_oid(s->cfg, call->caller->id));
	if (call->function_call_id == NULL ||
	    strlen(call->function_call_id) >= sizeof t->call_id) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_FUNCTION, M2M_WS_REASON_INVALID,
				  NULL, "FunctionCallIdentifier missing or too long");
		return false;
	}
	snprintf(t->call_id, sizeof t->call_id, "%s", call->function_call_id);
	if (!read_eid(body, t->eid, stt) || !read_smsr(s, body, t, stt) ||
	    !read_opt(body, "Iccid", t->iccid, sizeof t->iccid, M2M_WS_SUBJ_ICCID, stt) ||
	    !read_opt(body, "ProfileType", t->type, sizeof t->type, M2M_WS_SUBJ_PROFILE_TYPE,
		      stt))
		return false;
	if (t->fn == M2M_WS_ES2_DOWNLOAD_PROFILE) {
		m2m_ws_get_bool(body, "EnableProfile", &t->enable);
		if (t->type[0] == '\0') {
			m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROFILE_TYPE,
					  M2M_WS_REASON_INVALID, NULL, "ProfileType is required");
			return false;
		}
		return true;
	}
	if (build_es3(s, body, t) != M2M_OK) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROVIDER,
				  M2M_WS_REASON_EXECUTION_ERROR, NULL, "the ES3 request cannot be built");
		return false;
	}
	return true;
}

static m2m_ws_reply request(smdp *s, const m2m_ws_call *call, m2m_ws_msg *resp)
{
	m2m_ws_exec_status stt;
	smdp_task *t;
	m2m_ws_reply reply;

	if (!supported(call->fn->id)) {
		m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_FUNCTION,
				  M2M_WS_REASON_NOT_ALLOWED, NULL,
				  "%s is not supported by this SM-DP", call->fn->name);
		refuse(s, call, resp, &stt);
		return M2M_WS_REPLY_NOW;
	}
	t = calloc(1, sizeof *t);
	if (t == NULL) {
		m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROVIDER,
				  M2M_WS_REASON_EXECUTION_ERROR, NULL, "out of memory");
		refuse(s, call, resp, &stt);
		return M2M_WS_REPLY_NOW;
	}
	if (!read_task(s, call, t, &stt)) {
		refuse(s, call, resp, &stt);
		smdp_task_free(t);
		return M2M_WS_REPLY_NOW;
	}
	/* ReplyTo given: answer there later; none (or anonymous): hold the exchange. */
	if (m2m_ws_defer(call, &t->d) == M2M_OK)
		reply = M2M_WS_REPLY_LATER;
	else if (m2m_ws_hold_begin(call, &t->hold) == M2M_OK)
		reply = M2M_WS_REPLY_HOLD;
	else {
		m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_FUNCTION, M2M_WS_REASON_INVALID,
				  NULL, "the answer has no way back (ReplyTo)");
		refuse(s, call, resp, &stt);
		smdp_task_free(t);
		return M2M_WS_REPLY_NOW;
	}
	m2m_debug(SMDP_LOG, "%s from %s for %s queued", call->fn->name, t->actor, t->eid);
	smdp_enqueue(s, t);
	return reply;
}

/* An SM-SR's ES3 profile notification: queued for a worker to pass on as the ES2 one. */
static void notification(smdp *s, const m2m_ws_call *call)
{
	static const struct {
		m2m_ws_fn es3, es2;
	} map[] = {
		{M2M_WS_ES3_HANDLE_PROFILE_ENABLED_NOTIFICATION,
		 M2M_WS_ES2_HANDLE_PROFILE_ENABLED_NOTIFICATION},
		{M2M_WS_ES3_HANDLE_PROFILE_DISABLED_NOTIFICATION,
		 M2M_WS_ES2_HANDLE_PROFILE_DISABLED_NOTIFICATION},
		{M2M_WS_ES3_HANDLE_PROFILE_DELETED_NOTIFICATION,
		 M2M_WS_ES2_HANDLE_PROFILE_DELETED_NOTIFICATION},
	};
	const m2m_ws_node *body = m2m_ws_msg_body(call->msg);
	m2m_ws_exec_status stt;
	smdp_task *t = NULL;

	for (size_t i = 0; i < sizeof map / sizeof map[0] && t == NULL; i++)
		if (map[i].es3 == call->fn->id && (t = calloc(1, sizeof *t)) != NULL)
			t->fn = map[i].es2;
	if (t == NULL) {
		m2m_info(SMDP_LOG, "%s from %s acknowledged, not passed on", call->fn->name,
			 call->caller->id);
		return;
	}
	t->notify = true;
	snprintf(t->actor, sizeof t->actor, "%s", call->caller->id);
	if (!read_eid(body, t->eid, &stt) ||
	    !read_opt(body, "Iccid", t->iccid, sizeof t->iccid, M2M_WS_SUBJ_ICCID, &stt) ||
	    t->iccid[0] == '\0') {
		m2m_warn(SMDP_LOG, "%s from %s without Eid or Iccid: dropped", call->fn->name,
			 call->caller->id);
		smdp_task_free(t);
		return;
	}
	if (m2m_ws_get_time(body, "CompletionTimestamp", &t->when) != M2M_OK &&
	    m2m_ws_get_time(body, "completionTimestamp", &t->when) != M2M_OK)
		t->when = time(NULL);
	smdp_enqueue(s, t);
}

m2m_ws_reply smdp_es2_handle(void *arg, const m2m_ws_call *call, m2m_ws_msg *response)
{
	smdp *s = arg;

	if (call->dir == M2M_WS_DIR_IN && call->fn->kind == M2M_WS_KIND_NOTIFICATION) {
		notification(s, call);
		return M2M_WS_REPLY_NOW;
	}
	if (call->dir != M2M_WS_DIR_IN || response == NULL) {
		m2m_info(SMDP_LOG, "%s from %s acknowledged", call->fn->name, call->caller->id);
		return M2M_WS_REPLY_NOW;
	}
	return request(s, call, response);
}
