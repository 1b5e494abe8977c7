/* The current SM-SR (SM-SR1) of an SM-SR change (docs/smsr-change.md): ES4 SMSRChange locks
 * the eUICC and calls ES7 HandoverEUICC on the target (a worker thread); the target's ES7
 * AuthenticateSMSR and CreateAdditionalKeySet are relayed to the card as es7_cert / es7_keys
 * jobs and answered with the card's RC, DR and receipt. When HandoverEUICC succeeds the EIS,
 * profiles and keys go, SMSRChange is answered and HandleSMSRChangeNotification sent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/log.h"
#include "smsr/eis_store.h"
#include "smsr/eis_xml.h"
#include "smsr/smsr_es4_more.h"
#include "smsr/smsr_es7_int.h"

es7_lock *es7_lock_find(smsr *s, const char *eid)
{
	for (es7_lock *l = s->es7->locks; l != NULL; l = l->next)
		if (strcmp(l->eid, eid) == 0)
			return l;
	return NULL;
}

bool es7_locked(smsr *s, const char *eid, m2m_store_es7_lock *out)
{
	m2m_store_es7_lock l;
	m2m_err err = m2m_store_es7_lock_get(s->st, eid, m2m_store_now_ms(), out ? out : &l);

	if (err != M2M_OK && err != M2M_END)
		m2m_warn(SMSR_LOG, "%s: SM-SR change lock not readable: %s", eid,
			 m2m_store_errmsg(s->st));
	return err == M2M_OK;
}

/* The hand-over of this process ends: its lock in the store goes with it. */
static void lock_remove(smsr *s, es7_lock *l)
{
	if (m2m_store_es7_lock_release(s->st, l->eid, s->cfg->worker) != M2M_OK)
		m2m_warn(SMSR_LOG, "%s: SM-SR change lock not released (%s): void at its deadline",
			 l->eid, m2m_store_errmsg(s->st));
	for (es7_lock **p = &s->es7->locks; *p != NULL; p = &(*p)->next)
		if (*p == l) {
			*p = l->next;
			break;
		}
	free(l);
}

static void refuse(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp,
		   const m2m_ws_exec_status *stt, const char *eid)
{
	smsr_es3_refuse(s, call, resp, stt, eid, "");
}

/* ---- SMSRChange ---- */

typedef struct {
	es7_task t;
	char eid[M2M_STORE_EID_SIZE];
	char url[M2M_SMSR_STR];
	m2m_ws_msg *req; /* HandoverEUICC */
	m2m_ws_exec_status stt;
} handover_task;

static void handover_run(es7_task *t)
{
	handover_task *h = (handover_task *)t;
	m2m_ws_client *c = NULL;
	m2m_ws_result res;
	m2m_err err;

	memset(&res, 0, sizeof res);
	err = es7_client(t, ES7_HANDOVER_TIMEOUT_MS, &c);
	if (err == M2M_OK)
		err = m2m_ws_client_call(c, h->url, h->req, NULL, &res);
	es7_result_status(&res, err, c, M2M_WS_SUBJ_SMSR, &h->stt);
	m2m_ws_result_free(&res);
	m2m_ws_client_free(c);
}

/* The hand-over is over on the target's side: the eUICC is no longer ours. */
static m2m_err forget(smsr *s, const char *eid, const char *target)
{
	m2m_eis e;
	m2m_err err;

	m2m_eis_init(&e);
	if (m2m_eis_from_store(s->st, eid, &e) == M2M_OK)
		es7_notify_change(s, &e, target);
	m2m_eis_clear(&e);
	err = m2m_store_eis_delete(s->st, eid);
	return err == M2M_END ? M2M_OK : err;
}

static void handover_done(void *arg, es7_task *t)
{
	smsr *s = arg;
	handover_task *h = (handover_task *)t;
	es7_lock *l = es7_lock_find(s, h->eid);
	m2m_ws_exec_status stt = h->stt;

	if (l == NULL) { /* cannot happen: the lock lives as long as the task */
		m2m_ws_msg_free(h->req);
		free(h);
		return;
	}
	if (stt.status == M2M_WS_EXECUTED_SUCCESS && forget(s, h->eid, l->target) != M2M_OK) {
		m2m_error(SMSR_LOG, "%s: handed over, but not removed from the store: %s", h->eid,
			  m2m_store_errmsg(s->st));
		m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROVIDER,
				  M2M_WS_REASON_EXECUTION_ERROR, NULL,
				  "handed over, but the EIS could not be removed here");
	}
	m2m_info(SMSR_LOG, "SMSRChange %s to %s: %s %s/%s %s", h->eid, l->target,
		 m2m_ws_status_name(stt.status), stt.subject, stt.reason, stt.message);
	smsr_audit(s, l->caller, "ES4-SMSRChange", h->eid, "", &stt);
	es7_reply_status(s, &l->reply, &stt);
	lock_remove(s, l);
	m2m_ws_msg_free(h->req);
	free(h);
}

/* The enabled profile's owner may move the eUICC (facts 3.8: the MNO of the enabled
 * profile asks). */
static bool may_change(smsr *s, const m2m_ws_call *call, const char *eid,
		       m2m_ws_exec_status *stt)
{
	m2m_store_profile *list = NULL;
	size_t n = 0;
	bool ok = false, found = false;

	if (m2m_store_profile_list(s->st, eid, &list, &n) != M2M_OK) {
		smsr_es3_store_failed(s, stt);
		return false;
	}
	for (size_t i = 0; i < n && !found; i++)
		if (list[i].state == M2M_STORE_PROFILE_ENABLED) {
			found = true;
			ok = smsr_authorised(s, call->caller->role, call->caller->id,
					     list[i].mno_id, stt);
		}
	m2m_store_profile_list_free(list, n);
	if (!found)
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_REQUESTER,
				  M2M_WS_REASON_UNAUTHORISED, eid,
				  "no enabled profile on the eUICC");
	return ok;
}

/* HandoverEUICC with the EIS as stored, without key values. */
static m2m_err handover_request(smsr *s, const m2m_ws_call *call, const char *eid,
				m2m_ws_msg **out)
{
	m2m_eis e;
	m2m_err err;

	m2m_eis_init(&e);
	err = m2m_eis_from_store(s->st, eid, &e);
	if (err == M2M_OK)
		err = m2m_ws_request_new(M2M_WS_ES7_HANDOVER_EUICC, call->function_call_id,
					 call->validity_period, out);
	if (err == M2M_OK && (err = m2m_eis_build(*out, NULL, &e, NULL, 0, NULL)) != M2M_OK) {
		m2m_ws_msg_free(*out);
		*out = NULL;
	}
	m2m_eis_clear(&e);
	return err;
}

static bool read_target(smsr *s, const m2m_ws_node *body, const char **target,
			const char **url, m2m_ws_exec_status *stt)
{
	if (m2m_ws_get_text(body, "Target-Smsr-id", target) != M2M_OK ||
	    strlen(*target) >= M2M_STORE_ID_SIZE || strcmp(*target, s->cfg->oid) == 0) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_SMSR, M2M_WS_REASON_INVALID,
				  *target, "Target-Smsr-id: another SM-SR expected");
		return false;
	}
	*url = m2m_smsr_smsr_peer_url(s->cfg, *target);
	if (*url == NULL) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_SMSR, M2M_WS_REASON_UNKNOWN,
				  *target, "unknown SM-SR (not in [smsr_peers])");
		return false;
	}
	return true;
}

/* The lock in the store, for every process on the database: refused when another
 * hand-over of the eUICC holds it (here or in another process). */
static bool lock_take(smsr *s, const es7_lock *l, m2m_ws_exec_status *stt)
{
	int64_t now = m2m_store_now_ms();
	m2m_store_es7_lock sl;
	m2m_err err;

	memset(&sl, 0, sizeof sl);
	snprintf(sl.eid, sizeof sl.eid, "%s", l->eid);
	snprintf(sl.target, sizeof sl.target, "%.*s", (int)sizeof sl.target - 1, l->target);
	snprintf(sl.caller, sizeof sl.caller, "%s", l->caller);
	snprintf(sl.owner, sizeof sl.owner, "%s", s->cfg->worker);
	sl.until_ms = now + ES7_LOCK_MS;
	err = m2m_store_es7_lock_take(s->st, &sl, now);
	if (err == M2M_ERR_STATE)
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_EID, M2M_WS_REASON_NOT_ALLOWED,
				  l->eid, "an SM-SR change of this eUICC is running");
	else if (err != M2M_OK)
		smsr_es3_store_failed(s, stt);
	return err == M2M_OK;
}

m2m_ws_reply es7_smsr_change(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp)
{
	const m2m_ws_node *body = m2m_ws_msg_body(call->msg);
	const char *target = NULL, *url = NULL;
	m2m_ws_exec_status stt;
	m2m_store_eis e;
	char eid[M2M_STORE_EID_SIZE] = "";
	handover_task *h = NULL;
	es7_lock *l = NULL;
	bool found, locked = false;

	memset(&e, 0, sizeof e);
	found = smsr_es3_read_eid(body, eid, &stt) && smsr_es3_find_eis(s, eid, &e, &stt);
	m2m_store_eis_clear(&e);
	if (!found || !may_change(s, call, eid, &stt) || !read_target(s, body, &target, &url, &stt))
		goto refused;
	h = calloc(1, sizeof *h);
	l = calloc(1, sizeof *l);
	if (h == NULL || l == NULL) {
		m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROVIDER,
				  M2M_WS_REASON_EXECUTION_ERROR, NULL, "out of memory");
		goto refused;
	}
	snprintf(l->eid, sizeof l->eid, "%s", eid);
	snprintf(l->target, sizeof l->target, "%s", target);
	snprintf(l->caller, sizeof l->caller, "%s", call->caller->id);
	if (!(locked = lock_take(s, l, &stt)))
		goto refused;
	if (handover_request(s, call, eid, &h->req) != M2M_OK) {
		m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_EIS,
				  M2M_WS_REASON_EXECUTION_ERROR, eid, "the EIS cannot be sent");
		goto refused;
	}
	if (es7_reply_begin(call, &l->reply) != M2M_OK) {
		m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_FUNCTION, M2M_WS_REASON_INVALID,
				  NULL, "ReplyTo none: no way to answer");
		goto refused;
	}
	snprintf(h->eid, sizeof h->eid, "%s", eid);
	snprintf(h->url, sizeof h->url, "%s", url);
	h->t.run = handover_run;
	h->t.done = handover_done;
	l->next = s->es7->locks;
	s->es7->locks = l;
	if (es7_spawn(s, &h->t) != M2M_OK) {
		m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROVIDER,
				  M2M_WS_REASON_EXECUTION_ERROR, NULL, "no worker thread");
		es7_reply_status(s, &l->reply, &stt);
		lock_remove(s, l);
		m2m_ws_msg_free(h->req);
		free(h);
		return M2M_WS_REPLY_NOW;
	}
	m2m_info(SMSR_LOG, "SMSRChange from %s: %s locked, HandoverEUICC to %s (%s)",
		 call->caller->id, eid, target, url);
	return es7_reply_kind(&l->reply);
refused:
	if (locked && m2m_store_es7_lock_release(s->st, eid, s->cfg->worker) != M2M_OK)
		m2m_warn(SMSR_LOG, "%s: SM-SR change lock not released (%s): void at its deadline",
			 eid, m2m_store_errmsg(s->st));
	if (h != NULL)
		m2m_ws_msg_free(h->req);
	free(h);
	free(l);
	refuse(s, call, resp, &stt, eid);
	return M2M_WS_REPLY_NOW;
}

/* ---- AuthenticateSMSR and CreateAdditionalKeySet: relayed to the card ---- */

/* The eUICC of the request, locked for a change to this caller. */
static bool relay_target(smsr *s, const m2m_ws_call *call, char eid[M2M_STORE_EID_SIZE],
			 m2m_ws_exec_status *stt)
{
	const m2m_ws_node *body = m2m_ws_msg_body(call->msg);
	const char *me = m2m_smsr_caller_oid(s->cfg, call->caller->id);
	m2m_store_es7_lock l;
	bool ok = call->fn->id == M2M_WS_ES7_AUTHENTICATE_SMSR
			  ? es7_eis_eid(body, eid, stt)
			  : smsr_es3_read_eid(body, eid, stt);

	if (!ok)
		return false;
	/* The lock may be another process's (two SM-SR1 processes on one database). */
	if (!es7_locked(s, eid, &l) || strcmp(l.target, me) != 0) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_REQUESTER,
				  M2M_WS_REASON_UNAUTHORISED, eid,
				  "no SM-SR change of this eUICC to '%s' is running", me);
		return false;
	}
	return true;
}

/* The job's data: the certificate, or the STORE DATA #2 data field. */
static bool relay_data(const m2m_ws_call *call, m2m_buf *d, m2m_ws_exec_status *stt)
{
	const m2m_ws_node *body = m2m_ws_msg_body(call->msg);

	if (call->fn->id == M2M_WS_ES7_CREATE_ADDITIONAL_KEY_SET)
		return es7_keys_sd2(body, d, stt) == M2M_OK && d->len <= ES7_DATA_MAX;
	if (m2m_ws_get_bytes(body, "SmsrCertificate", d) != M2M_OK || d->len == 0 ||
	    d->len > ES7_DATA_MAX) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_SMSR_CERT, M2M_WS_REASON_INVALID,
				  NULL, "SmsrCertificate: a 7F21 certificate expected");
		return false;
	}
	return true;
}

m2m_ws_reply es7_relay(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp)
{
	bool cert = call->fn->id == M2M_WS_ES7_AUTHENTICATE_SMSR;
	m2m_ws_exec_status stt;
	char eid[M2M_STORE_EID_SIZE] = "";
	es7_reply r;
	smsr_job j;
	m2m_buf d;
	int64_t id = 0;
	uint64_t vp = call->validity_period ? call->validity_period : s->cfg->validity_s;
	m2m_ws_reply reply = M2M_WS_REPLY_NOW;

	m2m_buf_init(&d);
	memset(&r, 0, sizeof r);
	smsr_job_init(&j); /* fn -1: answered by es7_relay_end */
	if (!relay_target(s, call, eid, &stt) || !relay_data(call, &d, &stt))
		goto refused;
	m2m_hex_encode(d.data, d.len, j.data);
	snprintf(j.caller, sizeof j.caller, "%s", call->caller->id);
	j.role = call->caller->role;
	if (es7_reply_begin(call, &r) != M2M_OK) {
		m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_FUNCTION, M2M_WS_REASON_INVALID,
				  NULL, "ReplyTo none: no way to answer");
		goto refused;
	}
	reply = es7_reply_kind(&r); /* a failure below is answered through r too */
	if (smsr_job_queue(s->st, eid, cert ? SMSR_ES7_KIND_CERT : SMSR_ES7_KIND_KEYS, &j,
			   m2m_store_now_ms() + (int64_t)vp * 1000, &id) != M2M_OK ||
	    es7_wait_add(s, id, &r, vp) != M2M_OK) {
		smsr_es3_store_failed(s, &stt);
		es7_reply_status(s, &r, &stt);
		goto out;
	}
	/* The 3A02 of an exchange whose 3A01 went: before the eUICC's other jobs. */
	if (!cert && smsr_chain_open(s, eid) && m2m_store_job_make_head(s->st, id) != M2M_OK)
		m2m_warn(SMSR_LOG, "job %lld: cannot run before the eUICC's other jobs", (long long)id);
	m2m_info(SMSR_LOG, "%s from %s: job %lld for %s", call->fn->name, call->caller->id,
		 (long long)id, eid);
	smsr_engine_kick(s);
	goto out;
refused:
	refuse(s, call, resp, &stt, eid);
out:
	m2m_buf_free(&d);
	return reply;
}

/* The card's answer as the relay needs it: the RC (es7_cert), or [85 L DR] 86 10 receipt
 * (es7_keys); false when it does not fit the record. */
static bool card_answer(const smsr_slot *sl, const m2m_es5_result *r,
			uint8_t a[M2M_STORE_JOB_ANSWER_MAX], size_t *n)
{
	const uint8_t *p = strcmp(sl->kind, SMSR_ES7_KIND_CERT) == 0 ? r->rc : r->data;
	size_t len = strcmp(sl->kind, SMSR_ES7_KIND_CERT) == 0 ? sizeof r->rc : r->data_len;

	if (len > M2M_STORE_JOB_ANSWER_MAX || (p == NULL && len > 0))
		return false;
	if (len > 0)
		memcpy(a, p, len);
	*n = len;
	return true;
}

/* The card's answer in the ES7 response: RC, or DR and receipt. */
static m2m_err relay_answer(const char *kind, const uint8_t *p, size_t n, m2m_ws_msg *m)
{
	const uint8_t *a = p;
	size_t dr_len = 0;

	if (strcmp(kind, SMSR_ES7_KIND_CERT) == 0)
		return n == M2M_KEYEST_RC_SIZE
			       ? m2m_ws_add_bytes(m, NULL, "RandomChallenge", p, n, NULL)
			       : M2M_ERR_FORMAT;
	/* [85 L DR] 86 10 receipt */
	if (n >= 2 && p[0] == 0x85 && p[1] <= M2M_KEYEST_DR_MAX && n >= 2u + p[1])
		dr_len = p[1];
	if (n != (dr_len ? 2 + dr_len : 0) + 2 + M2M_KEYEST_RECEIPT_SIZE)
		return M2M_ERR_FORMAT;
	p += dr_len ? 2 + dr_len : 0;
	if (p[0] != 0x86 || p[1] != M2M_KEYEST_RECEIPT_SIZE)
		return M2M_ERR_FORMAT;
	m2m_err err = m2m_ws_add_bytes(m, NULL, "DerivationRandom", a + 2, dr_len, NULL);
	if (err == M2M_OK)
		err = m2m_ws_add_bytes(m, NULL, "Receipt", p + 2, M2M_KEYEST_RECEIPT_SIZE, NULL);
	return err;
}

/* Answers w (taken) with stt and, on success, the card's answer a (NULL: none known). */
static void relay_send(smsr *s, es7_wait *w, const char *kind, const m2m_ws_exec_status *stt,
		       const uint8_t *a, size_t n)
{
	m2m_ws_exec_status bad;
	m2m_ws_msg *m = NULL;

	if (m2m_ws_response_new(w->reply.fn, stt, &m) != M2M_OK)
		m = NULL;
	if (m != NULL && stt->status == M2M_WS_EXECUTED_SUCCESS &&
	    (a == NULL || relay_answer(kind, a, n, m) != M2M_OK)) {
		m2m_ws_msg_free(m);
		m2m_ws_status_set(&bad, M2M_WS_FAILED, M2M_WS_SUBJ_EUICC,
				  M2M_WS_REASON_EXECUTION_ERROR, NULL,
				  a == NULL ? "the card's answer is not recorded"
					    : "the card's answer cannot be read");
		m = NULL;
		if (m2m_ws_response_new(w->reply.fn, &bad, &m) != M2M_OK)
			m = NULL;
	}
	es7_reply_send(s, &w->reply, m);
	/* Answered: the record has served (older ones nobody waits for go with it). */
	if (m2m_store_job_answer_delete(s->st, w->job_id,
					m2m_store_now_ms() - ES7_ANSWER_KEEP_MS) != M2M_OK)
		m2m_warn(SMSR_LOG, "job %lld: card answer not deleted: %s", (long long)w->job_id,
			 m2m_store_errmsg(s->st));
	es7_wait_free(w);
}

m2m_err es7_relay_record(smsr *s, const smsr_slot *sl, const m2m_es5_result *r)
{
	uint8_t a[M2M_STORE_JOB_ANSWER_MAX];
	size_t n = 0;

	if (!card_answer(sl, r, a, &n))
		return M2M_OK; /* the relay answers "cannot be read" either way */
	return m2m_store_job_answer_put(s->st, sl->id, a, n, m2m_store_now_ms());
}

void es7_relay_polled(smsr *s, es7_wait *w, const m2m_store_job *j,
		      const m2m_ws_exec_status *stt)
{
	uint8_t a[M2M_STORE_JOB_ANSWER_MAX];
	size_t n = 0;
	bool found = false;

	if (stt->status == M2M_WS_EXECUTED_SUCCESS) {
		m2m_err err = m2m_store_job_answer_get(s->st, j->id, a, &n);
		found = err == M2M_OK;
		if (!found)
			m2m_warn(SMSR_LOG, "job %lld: %s", (long long)j->id, m2m_store_errmsg(s->st));
	}
	relay_send(s, w, j->kind, stt, found ? a : NULL, n);
}

void es7_relay_end(smsr *s, const smsr_slot *sl, const m2m_es5_result *r,
		   const m2m_ws_exec_status *stt)
{
	es7_wait *w = es7_wait_take(s, sl->id);
	uint8_t a[M2M_STORE_JOB_ANSWER_MAX];
	size_t n = 0;
	bool ok = r != NULL && card_answer(sl, r, a, &n);

	if (w == NULL)
		return; /* waited for in another process, expired, or restarted: nobody here */
	relay_send(s, w, sl->kind, stt, ok ? a : NULL, n);
}
