/* The new SM-SR (SM-SR2) of an SM-SR change (docs/smsr-change.md): ES4 PrepareSMSRChange
 * announces an eUICC; ES7 HandoverEUICC from the SM-SR named there brings its EIS (no keys).
 * A worker thread then runs the key establishment through the current SM-SR (ES7
 * AuthenticateSMSR -> RC, CreateAdditionalKeySet -> DR and receipt); the receipt checked is
 * the commit point: the EIS and the new ISD-R SCP80 key set are stored and an es7_finalise
 * job (FinaliseISDRhandover: DELETE of the old key sets, under the new keys, over our own
 * bearer) answers HandoverEUICC when it ends. Its success also queues, in the same
 * transaction, our SMS address for the card (smsr_address.c), which nobody waits for. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card/gpcert.h"
#include "core/hex.h"
#include "core/log.h"
#include "smsr/eis_store.h"
#include "smsr/eis_xml.h"
#include "smsr/smsr_es7_int.h"

/* ---- PrepareSMSRChange ---- */

static bool eid_unknown(smsr *s, const char *eid, m2m_ws_exec_status *stt)
{
	m2m_store_eis e;
	m2m_err err;

	memset(&e, 0, sizeof e);
	err = m2m_store_eis_get(s->st, eid, &e);
	m2m_store_eis_clear(&e);
	if (err == M2M_OK)
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_EID, M2M_WS_REASON_IN_USE, eid,
				  "the eUICC is already managed by this SM-SR");
	else if (err != M2M_END)
		smsr_es3_store_failed(s, stt);
	return err == M2M_END;
}

/* The preparation in the store, for every process on the database (replacing an earlier
 * one of the EID unless a HandoverEUICC runs it); expired ones are dropped on the way. */
static bool prep_record(smsr *s, const m2m_ws_call *call, const char *eid, const char *current,
			uint64_t vp, m2m_ws_exec_status *stt)
{
	int64_t now = m2m_store_now_ms();
	m2m_store_es7_prep p;
	m2m_err err;

	memset(&p, 0, sizeof p);
	snprintf(p.eid, sizeof p.eid, "%s", eid);
	snprintf(p.current_smsr, sizeof p.current_smsr, "%s", current);
	snprintf(p.requester, sizeof p.requester, "%.*s", (int)sizeof p.requester - 1,
		 m2m_smsr_caller_oid(s->cfg, call->caller->id));
	p.until_ms = now + (int64_t)vp * 1000;
	if (m2m_store_es7_prep_purge(s->st, now, NULL) != M2M_OK)
		m2m_warn(SMSR_LOG, "expired preparations not purged: %s", m2m_store_errmsg(s->st));
	err = m2m_store_es7_prep_put(s->st, &p, now);
	if (err == M2M_ERR_STATE)
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_EID, M2M_WS_REASON_NOT_ALLOWED,
				  eid, "a hand-over of this eUICC is running");
	else if (err != M2M_OK)
		smsr_es3_store_failed(s, stt);
	return err == M2M_OK;
}

m2m_ws_reply es7_prepare(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp)
{
	const m2m_ws_node *body = m2m_ws_msg_body(call->msg);
	const char *current = NULL;
	uint64_t vp = call->validity_period ? call->validity_period : s->cfg->validity_s;
	m2m_ws_exec_status stt;
	char eid[M2M_STORE_EID_SIZE] = "";

	if (!smsr_es3_read_eid(body, eid, &stt) || !eid_unknown(s, eid, &stt))
		goto refused;
	if (m2m_ws_get_text(body, "CurrentSMSRid", &current) != M2M_OK ||
	    strlen(current) >= M2M_STORE_ID_SIZE || strcmp(current, s->cfg->oid) == 0) {
		m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_SMSR, M2M_WS_REASON_INVALID,
				  current, "CurrentSMSRid: another SM-SR expected");
		goto refused;
	}
	if (!prep_record(s, call, eid, current, vp, &stt))
		goto refused;
	m2m_ws_status_set(&stt, M2M_WS_EXECUTED_SUCCESS, NULL, NULL, NULL, "%s", "");
	smsr_audit(s, call->caller->id, call->fn->name, eid, "", &stt);
	m2m_info(SMSR_LOG, "PrepareSMSRChange from %s: %s may come from %s for %llu s",
		 call->caller->id, eid, current, (unsigned long long)vp);
	return M2M_WS_REPLY_NOW;
refused:
	smsr_es3_refuse(s, call, resp, &stt, eid, "");
	return M2M_WS_REPLY_NOW;
}

/* ---- HandoverEUICC: the key establishment on a worker ---- */

typedef struct {
	es7_task t;
	char eid[M2M_STORE_EID_SIZE];
	char url[M2M_SMSR_STR]; /* the current SM-SR's ES7 endpoint */
	uint64_t vp;
	m2m_eis eis;
	m2m_ws_msg *auth; /* AuthenticateSMSR, ready */
	m2m_eckey *pk_ecasd;
	const m2m_eckey *sk; /* ours, read-only */
	es7_reply reply;     /* of HandoverEUICC */
	m2m_ws_exec_status stt;
	m2m_keyest_keys keys; /* valid when stt is success */
} handover_task;

static void task_free(handover_task *h)
{
	m2m_ws_msg_free(h->auth);
	m2m_ec_free(h->pk_ecasd);
	m2m_eis_clear(&h->eis);
	m2m_keyest_keys_wipe(&h->keys);
	m2m_ws_deferred_clear(&h->reply.d);
	free(h);
}

/* One ES7 call; false with h->stt on anything but success. */
static bool call_peer(handover_task *h, m2m_ws_client *c, m2m_ws_msg *m, m2m_ws_result *res)
{
	m2m_err err = m2m_ws_client_call(c, h->url, m, NULL, res);

	es7_result_status(res, err, c, M2M_WS_SUBJ_SMSR, &h->stt);
	return h->stt.status == M2M_WS_EXECUTED_SUCCESS;
}

static bool fail(handover_task *h, const char *subject, const char *reason, const char *what)
{
	m2m_ws_status_set(&h->stt, M2M_WS_FAILED, subject, reason, h->eid, "%s", what);
	return false;
}

/* AuthenticateSMSR: the card's RC into the host. */
static bool authenticate(handover_task *h, m2m_ws_client *c, m2m_keyest_host *host)
{
	m2m_ws_result res;
	m2m_buf rc;
	uint8_t resp[2 + M2M_KEYEST_RC_SIZE] = {0x85, M2M_KEYEST_RC_SIZE};
	bool ok;

	memset(&res, 0, sizeof res);
	m2m_buf_init(&rc);
	ok = call_peer(h, c, h->auth, &res);
	if (ok && (m2m_ws_get_bytes(m2m_ws_msg_body(res.response), "RandomChallenge", &rc) !=
			   M2M_OK ||
		   rc.len != M2M_KEYEST_RC_SIZE))
		ok = fail(h, M2M_WS_SUBJ_SMSR, M2M_WS_REASON_INVALID,
			  "AuthenticateSMSR: no 16-byte RandomChallenge");
	if (ok) {
		memcpy(resp + 2, rc.data, rc.len);
		if (m2m_keyest_host_rc(host, resp, sizeof resp) != M2M_OK)
			ok = fail(h, M2M_WS_SUBJ_SMSR, M2M_WS_REASON_INVALID,
				  "AuthenticateSMSR: RandomChallenge refused");
	}
	m2m_buf_free(&rc);
	m2m_ws_result_free(&res);
	return ok;
}

/* CreateAdditionalKeySet: STORE DATA #2 out, DR and receipt back, receipt checked. */
static bool create_keys(handover_task *h, m2m_ws_client *c, m2m_keyest_host *host)
{
	m2m_ws_msg *m = NULL;
	m2m_ws_result res;
	m2m_buf sd2, dr, receipt, answer;
	bool ok = false;

	memset(&res, 0, sizeof res);
	m2m_buf_init(&sd2);
	m2m_buf_init(&dr);
	m2m_buf_init(&receipt);
	m2m_buf_init(&answer);
	if (m2m_keyest_host_sd2_data(host, h->sk, h->pk_ecasd, &sd2) != M2M_OK ||
	    m2m_ws_request_new(M2M_WS_ES7_CREATE_ADDITIONAL_KEY_SET, h->eid, h->vp, &m) !=
		    M2M_OK ||
	    es7_keys_request(m, h->eid, sd2.data, sd2.len) != M2M_OK) {
		fail(h, M2M_WS_SUBJ_PROVIDER, M2M_WS_REASON_EXECUTION_ERROR,
		     "STORE DATA #2 not built");
		goto out;
	}
	if (!call_peer(h, c, m, &res))
		goto out;
	if (m2m_ws_get_bytes(m2m_ws_msg_body(res.response), "DerivationRandom", &dr) != M2M_OK ||
	    m2m_ws_get_bytes(m2m_ws_msg_body(res.response), "Receipt", &receipt) != M2M_OK ||
	    dr.len > M2M_KEYEST_DR_MAX || receipt.len != M2M_KEYEST_RECEIPT_SIZE) {
		fail(h, M2M_WS_SUBJ_SMSR, M2M_WS_REASON_INVALID,
		     "CreateAdditionalKeySet: bad DerivationRandom or Receipt");
		goto out;
	}
	if (dr.len > 0 && (m2m_buf_append_u8(&answer, 0x85) != M2M_OK ||
			   m2m_buf_append_u8(&answer, (uint8_t)dr.len) != M2M_OK ||
			   m2m_buf_append(&answer, dr.data, dr.len) != M2M_OK))
		goto out;
	if (m2m_buf_append_u8(&answer, 0x86) != M2M_OK ||
	    m2m_buf_append_u8(&answer, M2M_KEYEST_RECEIPT_SIZE) != M2M_OK ||
	    m2m_buf_append(&answer, receipt.data, receipt.len) != M2M_OK)
		goto out;
	/* The commit point: the card holds the new key set when the receipt verifies. */
	if (m2m_keyest_host_finish(host, answer.data, answer.len, &h->keys) != M2M_OK) {
		fail(h, M2M_WS_SUBJ_SMSR, M2M_WS_REASON_VERIFICATION_FAILED,
		     "the card's receipt does not verify");
		goto out;
	}
	ok = true;
out:
	m2m_ws_msg_free(m);
	m2m_ws_result_free(&res);
	m2m_buf_free(&sd2);
	m2m_buf_free(&dr);
	m2m_buf_free(&receipt);
	m2m_buf_free(&answer);
	return ok;
}

static void handover_run(es7_task *t)
{
	handover_task *h = (handover_task *)t;
	m2m_keyest_params p;
	m2m_keyest_host host;
	m2m_ws_client *c = NULL;

	memset(&host, 0, sizeof host);
	m2m_keyest_params_smsr_change(&p, true);
	if (es7_client(t, ES7_CALL_TIMEOUT_MS, &c) != M2M_OK ||
	    m2m_keyest_host_init(&host, &p) != M2M_OK) {
		fail(h, M2M_WS_SUBJ_PROVIDER, M2M_WS_REASON_EXECUTION_ERROR, "no ES7 client");
		goto out;
	}
	if (authenticate(h, c, &host) && create_keys(h, c, &host))
		m2m_ws_status_set(&h->stt, M2M_WS_EXECUTED_SUCCESS, NULL, NULL, NULL, "%s", "");
out:
	m2m_keyest_host_wipe(&host);
	m2m_ws_client_free(c);
}

/* ---- after the commit point (loop thread) ---- */

/* The ISD-R key sets of the EIS become the new one alone (the old ones' keys stay with
 * SM-SR1); *ranges gets the FinaliseISDRhandover ranges of the old ones: SCP80 keys 01-03,
 * SCP81 key 01 [M]. */
static size_t swap_keysets(m2m_eis *e, const m2m_keyest_keys *k, uint8_t *ranges, size_t cap)
{
	m2m_eis_keyset *ks = &e->isdr.keysets[0];
	size_t n = 0;

	for (size_t i = 0; i < e->isdr.nkeysets; i++) {
		const m2m_eis_keyset *old = &e->isdr.keysets[i];
		m2m_eis_ks_usage u = m2m_eis_keyset_usage(old);
		if (old->version == k->kvn || (u != M2M_EIS_KS_SCP80 && u != M2M_EIS_KS_SCP81) ||
		    n + 3 > cap)
			continue;
		ranges[n++] = old->version;
		ranges[n++] = 0x01;
		ranges[n++] = u == M2M_EIS_KS_SCP80 ? 0x03 : 0x01;
	}
	for (size_t i = 0; i < e->isdr.nkeysets; i++)
		for (size_t c = 0; c < e->isdr.keysets[i].ncerts; c++)
			free(e->isdr.keysets[i].certs[c].value);
	m2m_wipe(e->isdr.keysets, sizeof e->isdr.keysets);
	e->isdr.nkeysets = 1;
	ks->version = k->kvn;
	ks->usage = M2M_EIS_KS_SCP80;
	ks->has_cntr = true; /* the card starts the new set at 0 */
	ks->nkeys = k->nkeys < M2M_EIS_KEYS_MAX ? k->nkeys : M2M_EIS_KEYS_MAX;
	for (size_t i = 0; i < ks->nkeys; i++) {
		ks->keys[i].index = (uint8_t)(k->key_id + i);
		ks->keys[i].type = k->key_type;
		ks->keys[i].len = k->key_len;
		memcpy(ks->keys[i].value, k->key[i], k->key_len);
	}
	return n;
}

/* EIS, key set and the finalise job in one transaction. */
static m2m_err commit(smsr *s, handover_task *h, int64_t *job)
{
	m2m_ws_exec_status stt;
	uint8_t ranges[3 * 16];
	size_t n = swap_keysets(&h->eis, &h->keys, ranges, sizeof ranges);
	smsr_job j;
	m2m_err err;

	snprintf(h->eis.smsr_id, sizeof h->eis.smsr_id, "%.*s", (int)sizeof h->eis.smsr_id - 1,
		 s->cfg->oid);
	smsr_job_init(&j);
	m2m_hex_encode(ranges, n, j.data);
	err = n == 0 ? M2M_ERR_STATE : m2m_store_begin(s->st);
	if (err == M2M_OK)
		err = m2m_eis_to_store(s->st, &h->eis, &stt);
	if (err == M2M_OK)
		err = smsr_job_queue(s->st, h->eid, SMSR_ES7_KIND_FINALISE, &j,
				     m2m_store_now_ms() + (int64_t)h->vp * 1000, job);
	if (err == M2M_OK && (err = m2m_store_es7_prep_delete(s->st, h->eid)) == M2M_END)
		err = M2M_OK; /* a dead busy mark lapsed and someone replaced it: ours anyway */
	if (err == M2M_OK)
		err = m2m_store_commit(s->st);
	else if (n > 0)
		m2m_store_rollback(s->st);
	return err;
}

static void prep_used(smsr *s, const char *eid)
{
	m2m_err err = m2m_store_es7_prep_delete(s->st, eid);

	if (err != M2M_OK && err != M2M_END)
		m2m_warn(SMSR_LOG, "%s: used preparation not deleted: %s", eid,
			 m2m_store_errmsg(s->st));
}

static void handover_done(void *arg, es7_task *t)
{
	smsr *s = arg;
	handover_task *h = (handover_task *)t;
	int64_t job = 0;

	if (h->stt.status == M2M_WS_EXECUTED_SUCCESS && commit(s, h, &job) != M2M_OK)
		m2m_ws_status_set(&h->stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROVIDER,
				  M2M_WS_REASON_EXECUTION_ERROR, h->eid,
				  "keys established, but not stored: %s", m2m_store_errmsg(s->st));
	if (job == 0) /* one hand-over per preparation (the commit deleted it) */
		prep_used(s, h->eid);
	m2m_info(SMSR_LOG, "HandoverEUICC %s: key establishment %s %s/%s %s%s", h->eid,
		 m2m_ws_status_name(h->stt.status), h->stt.subject, h->stt.reason,
		 h->stt.message, job ? ", FinaliseISDRhandover queued" : "");
	smsr_audit(s, "", "ES7-HandoverEUICC", h->eid, "", &h->stt);
	if (job != 0 && es7_wait_add(s, job, &h->reply, s->cfg->hold_max_s) == M2M_OK)
		smsr_engine_kick(s);
	else
		es7_reply_status(s, &h->reply, &h->stt);
	task_free(h);
}

void es7_finalise_end(smsr *s, const smsr_slot *sl, const m2m_ws_exec_status *stt)
{
	es7_wait *w = es7_wait_take(s, sl->id);

	m2m_info(SMSR_LOG, "FinaliseISDRhandover %s: %s %s/%s %s", sl->eid,
		 m2m_ws_status_name(stt->status), stt->subject, stt->reason, stt->message);
	if (w == NULL)
		return;
	es7_reply_status(s, &w->reply, stt);
	es7_wait_free(w);
}

/* ---- HandoverEUICC: the checks, on the loop ---- */

/* PK.ECASD.ECKA from the EIS's ECASD certificate. */
static bool ecasd_key(const m2m_eis *e, m2m_eckey **key, m2m_ws_exec_status *stt)
{
	m2m_gpcert gc;
	const char *why = NULL;

	for (size_t i = 0; i < e->ecasd.nkeysets; i++)
		for (size_t k = 0; k < e->ecasd.keysets[i].ncerts; k++) {
			const m2m_eis_cert *c = &e->ecasd.keysets[i].certs[k];
			if (m2m_gpcert_decode(c->value, c->len, &gc, &why) == M2M_OK &&
			    m2m_gpcert_public_key(&gc, key) == M2M_OK)
				return true;
		}
	m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_ECASD_CERT, M2M_WS_REASON_INVALID,
			  e->eid, "no usable CERT.ECASD.ECKA in the EIS");
	return false;
}

/* The checks that change nothing: our [es7] identity, the caller in [smsr_peers]. */
static bool may_take_over(smsr *s, const char *from, m2m_ws_exec_status *stt)
{
	if (s->es7->sk == NULL) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_SMSR_CERT,
				  M2M_WS_REASON_NOT_ALLOWED, NULL,
				  "this SM-SR has no [es7] certificate: it takes no eUICC over");
		return false;
	}
	if (m2m_smsr_smsr_peer_url(s->cfg, from) == NULL) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_SMSR, M2M_WS_REASON_UNKNOWN,
				  from, "the current SM-SR is not in [smsr_peers]");
		return false;
	}
	return true;
}

/* The PrepareSMSRChange of eid naming from, valid and not in use (recorded by any process
 * on the database), is taken for this hand-over: busy, owned by our worker. */
static bool prepared(smsr *s, const char *from, const char *eid, m2m_ws_exec_status *stt)
{
	int64_t now = m2m_store_now_ms();
	m2m_err err = m2m_store_es7_prep_take(s->st, eid, from, s->cfg->worker, now,
					      now + ES7_BUSY_MS);

	if (err == M2M_END)
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_EID, M2M_WS_REASON_NOT_ALLOWED,
				  eid, "no PrepareSMSRChange of this eUICC from '%s'", from);
	else if (err != M2M_OK)
		smsr_es3_store_failed(s, stt);
	return err == M2M_OK;
}

/* AuthenticateSMSR with the EIS as received and our certificate. */
static m2m_err auth_request(smsr *s, const m2m_ws_call *call, handover_task *h)
{
	m2m_err err = m2m_ws_request_new(M2M_WS_ES7_AUTHENTICATE_SMSR, h->eid, h->vp, &h->auth);

	if (err == M2M_OK)
		err = m2m_ws_add_copy(h->auth, NULL,
				      m2m_ws_find(m2m_ws_msg_body(call->msg), "Eis"), NULL);
	if (err == M2M_OK)
		err = m2m_ws_add_bytes(h->auth, NULL, "SmsrCertificate", s->es7->cert.data,
				       s->es7->cert.len, NULL);
	return err;
}

m2m_ws_reply es7_handover(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp)
{
	const m2m_ws_node *body = m2m_ws_msg_body(call->msg);
	const char *from = m2m_smsr_caller_oid(s->cfg, call->caller->id);
	handover_task *h = calloc(1, sizeof *h);
	m2m_ws_exec_status stt;
	char eid[M2M_STORE_EID_SIZE] = "";

	if (h == NULL) {
		m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROVIDER,
				  M2M_WS_REASON_EXECUTION_ERROR, NULL, "out of memory");
		goto refused;
	}
	m2m_eis_init(&h->eis);
	if (m2m_eis_parse(m2m_ws_find(body, "Eis"), &h->eis, &stt) != M2M_OK)
		goto refused;
	snprintf(eid, sizeof eid, "%s", h->eis.eid);
	if (!may_take_over(s, from, &stt) || !eid_unknown(s, eid, &stt) ||
	    !ecasd_key(&h->eis, &h->pk_ecasd, &stt))
		goto refused;
	snprintf(h->eid, sizeof h->eid, "%s", eid);
	snprintf(h->url, sizeof h->url, "%s", m2m_smsr_smsr_peer_url(s->cfg, from));
	h->vp = call->validity_period ? call->validity_period : s->cfg->validity_s;
	h->sk = s->es7->sk;
	if (auth_request(s, call, h) != M2M_OK) {
		m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_EIS,
				  M2M_WS_REASON_EXECUTION_ERROR, eid,
				  "AuthenticateSMSR cannot be built");
		goto refused;
	}
	/* Last check: from here on the preparation is this hand-over's. */
	if (!prepared(s, from, eid, &stt))
		goto refused;
	if (es7_reply_begin(call, &h->reply) != M2M_OK) {
		m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_FUNCTION, M2M_WS_REASON_INVALID,
				  NULL, "ReplyTo none: no way to answer");
		prep_used(s, eid);
		goto refused;
	}
	h->t.run = handover_run;
	h->t.done = handover_done;
	m2m_ws_reply kind = es7_reply_kind(&h->reply);
	if (es7_spawn(s, &h->t) != M2M_OK) {
		m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROVIDER,
				  M2M_WS_REASON_EXECUTION_ERROR, NULL, "no worker thread");
		es7_reply_status(s, &h->reply, &stt);
		prep_used(s, eid);
		task_free(h);
		return kind;
	}
	m2m_info(SMSR_LOG, "HandoverEUICC from %s: %s, key establishment started",
		 call->caller->id, eid);
	return kind;
refused:
	if (h != NULL)
		task_free(h);
	smsr_es3_refuse(s, call, resp, &stt, eid, "");
	return M2M_WS_REPLY_NOW;
}
