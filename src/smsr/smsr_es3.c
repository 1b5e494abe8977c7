/* ES3 (SM-DP -> SM-SR): GetEIS and ProfileDownloadCompleted (answered from the store), the
 * dispatch of CreateISDP (smsr_es3_create.c), of the profile functions (smsr_es3_profile.c)
 * and of SendData and UpdateConnectivityParameters (smsr_es3_senddata.c), and the two answer
 * forms of the functions that need the card (ReplyTo, or held on the exchange); docs/smsr.md
 * "ES3". Other ES3 functions (AuditEIS, the attributes, UpdatePolicyRules, ...) go to the ES4
 * handler, which serves them for SM-DPs or refuses what it does not serve. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "smsr/eis.h"
#include "smsr/eis_store.h"
#include "smsr/eis_xml.h"
#include "smsr/smsr_int.h"

void smsr_es3_refuse(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp,
		     const m2m_ws_exec_status *stt, const char *eid, const char *iccid)
{
	m2m_ws_response_set_status(resp, stt);
	smsr_audit(s, call->caller->id, call->fn->name, eid, iccid, stt);
	m2m_info(SMSR_LOG, "%s from %s refused: %s/%s %s", call->fn->name, call->caller->id,
		 stt->subject, stt->reason, stt->message);
}

bool smsr_es3_read_eid(const m2m_ws_node *body, char eid[M2M_STORE_EID_SIZE],
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

bool smsr_es3_find_eis(smsr *s, const char *eid, m2m_store_eis *e, m2m_ws_exec_status *stt)
{
	m2m_err err = m2m_store_eis_get(s->st, eid, e);

	if (err == M2M_END)
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_EID, M2M_WS_REASON_UNKNOWN, eid,
				  "unknown EID");
	else if (err != M2M_OK)
		smsr_es3_store_failed(s, stt);
	return err == M2M_OK;
}

/* ---- answers: ReplyTo or held ---- */

bool smsr_es3_answer_mode(const m2m_ws_call *call, m2m_ws_deferred *d, m2m_ws_hold **hold,
			  m2m_ws_exec_status *stt)
{
	*hold = NULL;
	if (m2m_ws_defer(call, d) == M2M_OK || m2m_ws_hold_begin(call, hold) == M2M_OK)
		return true;
	m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_FUNCTION, M2M_WS_REASON_INVALID, NULL,
			  "no way to answer: ReplyTo is none");
	return false;
}

m2m_ws_reply smsr_es3_hold(smsr *s, m2m_ws_hold *hold, int64_t job_id, const m2m_ws_call *call,
			   uint64_t vp, m2m_ws_msg *resp)
{
	m2m_ws_exec_status stt;

	if (smsr_held_add(s, hold, job_id, call, vp) != M2M_OK) {
		/* Queued and durable: the ws server answers the unused hold with this. */
		m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROVIDER,
				  M2M_WS_REASON_EXECUTION_ERROR, NULL, "out of memory");
		m2m_ws_response_set_status(resp, &stt);
		return M2M_WS_REPLY_NOW;
	}
	return M2M_WS_REPLY_HOLD;
}

void smsr_es3_complete(smsr *s, int64_t job_id, const smsr_job *j, m2m_ws_fn fn,
		       m2m_ws_msg *m)
{
	if (j->reply_to[0] != '\0') {
		if (m == NULL)
			return;
		m2m_ws_deferred d = {.fn = fn,
				     .binding = (m2m_ws_binding)j->binding,
				     .relates_to = (char *)j->relates_to,
				     .reply_to = (char *)j->reply_to};
		smsr_out_answer(s->out, &d, m);
		return;
	}
	smsr_held_complete(s, job_id, j, m);
	m2m_ws_msg_free(m);
}

void smsr_es3_store_failed(smsr *s, m2m_ws_exec_status *stt)
{
	m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROVIDER, M2M_WS_REASON_EXECUTION_ERROR,
			  NULL, "store: %s", m2m_store_errmsg(s->st));
}

static m2m_ws_reply get_eis(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp)
{
	const m2m_ws_node *body = m2m_ws_msg_body(call->msg);
	m2m_ws_exec_status stt;
	m2m_store_eis e;
	char eid[M2M_STORE_EID_SIZE] = "";
	bool found;

	memset(&e, 0, sizeof e);
	found = smsr_es3_read_eid(body, eid, &stt) && smsr_es3_find_eis(s, eid, &e, &stt);
	m2m_store_eis_clear(&e);
	if (!found)
		goto refused;
	if (smsr_add_eis(s, resp, eid, call->caller->id, call->caller->role) != M2M_OK) {
		m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_EIS,
				  M2M_WS_REASON_EXECUTION_ERROR, eid, "the EIS cannot be read");
		goto refused;
	}
	m2m_ws_status_set(&stt, M2M_WS_EXECUTED_SUCCESS, NULL, NULL, NULL, "%s", "");
	smsr_audit(s, call->caller->id, call->fn->name, eid, "", &stt);
	return M2M_WS_REPLY_NOW;
refused:
	smsr_es3_refuse(s, call, resp, &stt, eid, "");
	return M2M_WS_REPLY_NOW;
}

/* SubscriptionAddress {Imsi?, Msisdn?} into the profile (digits only). */
static bool read_address(const m2m_ws_node *body, m2m_store_profile *p, m2m_ws_exec_status *stt)
{
	const m2m_ws_node *a = m2m_ws_find(body, "SubscriptionAddress");
	const char *imsi = NULL, *msisdn = NULL;

	if (a == NULL)
		return true;
	m2m_ws_get_text(a, "Imsi", &imsi);
	m2m_ws_get_text(a, "Msisdn", &msisdn);
	if ((imsi != NULL && (strlen(imsi) >= sizeof p->imsi ||
			      strspn(imsi, "0123456789") != strlen(imsi))) ||
	    (msisdn != NULL && (strlen(msisdn) >= sizeof p->msisdn ||
				strspn(msisdn, "0123456789") != strlen(msisdn)))) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_SUBSCRIPTION_ADDRESS,
				  M2M_WS_REASON_INVALID, NULL,
				  "SubscriptionAddress: digits expected");
		return false;
	}
	if (imsi != NULL)
		snprintf(p->imsi, sizeof p->imsi, "%s", imsi);
	if (msisdn != NULL)
		snprintf(p->msisdn, sizeof p->msisdn, "%s", msisdn);
	return true;
}

/* The profile named by Iccid, on this eUICC, created by this SM-DP, CREATED or DISABLED. */
static bool find_created(smsr *s, const m2m_ws_call *call, const char *eid,
			 m2m_store_profile *p, m2m_ws_exec_status *stt)
{
	const char *oid = m2m_smsr_caller_oid(s->cfg, call->caller->id);

	if (!smsr_profile_of_call(s, m2m_ws_msg_body(call->msg), eid, p, stt) ||
	    !smsr_made_by(p, oid, p->iccid, stt))
		return false;
	/* DISABLED too: an audit that ran between the last SendData and this call found the
	 * installed profile on the card (and a repeat of this call is then harmless). */
	if (p->state != M2M_STORE_PROFILE_CREATED && p->state != M2M_STORE_PROFILE_DISABLED) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROFILE,
				  M2M_WS_REASON_NOT_ALLOWED, p->iccid,
				  "the profile is neither CREATED nor DISABLED");
		return false;
	}
	return true;
}

/* The download is over: the profile becomes DISABLED with its POL2, type and address. */
static m2m_ws_reply download_completed(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp)
{
	const m2m_ws_node *body = m2m_ws_msg_body(call->msg);
	const m2m_ws_node *pol2 = m2m_ws_find(body, "pol2");
	const char *type = NULL;
	m2m_ws_exec_status stt;
	m2m_store_eis e;
	m2m_store_profile p;
	char eid[M2M_STORE_EID_SIZE] = "";
	uint32_t bits = 0;
	bool ok;

	memset(&e, 0, sizeof e);
	memset(&p, 0, sizeof p);
	ok = smsr_es3_read_eid(body, eid, &stt) && smsr_es3_find_eis(s, eid, &e, &stt);
	m2m_store_eis_clear(&e);
	if (!ok || !find_created(s, call, eid, &p, &stt) || !read_address(body, &p, &stt) ||
	    (pol2 != NULL && m2m_smsr_pol2_parse(pol2, &bits, &stt) != M2M_OK))
		goto refused;
	if (m2m_ws_get_text(body, "ProfileType", &type) == M2M_OK) {
		if (strlen(type) >= sizeof p.profile_type) {
			m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROFILE_TYPE,
					  M2M_WS_REASON_INVALID, NULL, "ProfileType too long");
			goto refused;
		}
		snprintf(p.profile_type, sizeof p.profile_type, "%s", type);
	}
	if (pol2 != NULL)
		p.pol2 = bits;
	p.state = M2M_STORE_PROFILE_DISABLED;
	p.updated_ms = m2m_store_now_ms();
	if (m2m_store_profile_put(s->st, &p) != M2M_OK) {
		smsr_es3_store_failed(s, &stt);
		goto refused;
	}
	m2m_ws_status_set(&stt, M2M_WS_EXECUTED_SUCCESS, NULL, NULL, NULL, "DISABLED, POL2 %02X",
			  p.pol2);
	smsr_audit(s, call->caller->id, call->fn->name, eid, p.iccid, &stt);
	m2m_info(SMSR_LOG, "%s from %s: %s %s disabled", call->fn->name, call->caller->id, eid,
		 p.iccid);
	m2m_store_profile_clear(&p);
	return M2M_WS_REPLY_NOW;
refused:
	smsr_es3_refuse(s, call, resp, &stt, eid, p.iccid);
	m2m_store_profile_clear(&p);
	return M2M_WS_REPLY_NOW;
}

m2m_ws_reply smsr_es3_handle(void *arg, const m2m_ws_call *call, m2m_ws_msg *response)
{
	smsr *s = arg;

	if (call->dir != M2M_WS_DIR_IN || response == NULL)
		return smsr_es4_handle(arg, call, response);
	switch (call->fn->id) {
	case M2M_WS_ES3_GET_EIS:
		return get_eis(s, call, response);
	case M2M_WS_ES3_CREATE_ISDP:
		return smsr_es3_create_isdp(s, call, response);
	case M2M_WS_ES3_PROFILE_DOWNLOAD_COMPLETED:
		return download_completed(s, call, response);
	case M2M_WS_ES3_ENABLE_PROFILE:
	case M2M_WS_ES3_DISABLE_PROFILE:
	case M2M_WS_ES3_DELETE_ISDP:
		return smsr_es3_profile_call(s, call, response);
	case M2M_WS_ES3_SEND_DATA:
	case M2M_WS_ES3_UPDATE_CONNECTIVITY_PARAMETERS:
		return smsr_es3_send_data(s, call, response);
	default:
		return smsr_es4_handle(arg, call, response);
	}
}
