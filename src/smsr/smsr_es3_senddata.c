/* ES3.SendData (docs/smsr.md "ES3.SendData"): the SM-SR relays the SM-DP's ES8 bytes to the
 * card as an armoured courier. The request names the eUICC, an ISD-P this SM-DP created and
 * the Data; a durable `senddata` job carries them. Data goes to the ISD-R (key
 * establishment), or to the ISD-P (other C-APDU scripts; SCP03t TLVs over HTTPS only), over
 * the eUICC's bearer; the answer carries the card's response untouched (EuiccResponseData).
 * MoreToDo keeps the SCP81 session open (m2m_scp81_server_linger) so the card's ES8 state
 * lives on between two SendData. Data and responses are never logged, and the job payload
 * holds Data only sealed under a key derived from the master key, until the job ends. The
 * FunctionCallIdentifier's record keeps the card's response sealed likewise: a repeat of the
 * call gets it again without a second card job (smsr_es3_repeat.c).
 * UpdateConnectivityParameters (docs/smsr.md "ES3.UpdateConnectivityParameters") is the same
 * courier work: its ConnectivityParameters are the SM-DP's commands for the ISD-P of the
 * profile Iccid (STORE DATA 3A07 under the ISD-P's SCP03 keys, which the SM-SR never holds),
 * relayed as a SendData to that ISD-P; the job says which answer it owes (smsr_job.ucp). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card/script.h"
#include "core/hex.h"
#include "core/log.h"
#include "core/tlv.h"
#include "crypto/hash.h"
#include "smsr/smsr_es8_route.h"
#include "smsr/smsr_es3_queue.h"
#include "smsr/smsr_es3_repeat.h"
#include "store/store_gcm.h"

#define DATA_MAX (64u * 1024u)
/* How long a lingering SCP81 session waits for the SM-DP's next SendData: below the card's
 * HTTP time-out (the farm's 30 s), well above an SM-DP's turn-around. */
#define LINGER_MS 20000u

/* ---- Data at rest: sealed in the job payload ---- */

/* The store's sealed-value format (AES-256-GCM, store/store_gcm.h) under SHA-256(label ||
 * master key): a key of its own, so ES8 bytes and the store's key material never share
 * one. The job payload is dropped when the job ends (smsr_apply.c). */
static const char SEAL_AAD[] = "m2mrsp senddata v1";
/* The card's response in the call record: the same key, its own AAD. */
static const char RSP_AAD[] = "m2mrsp senddata response v1";

static m2m_err seal_key(const smsr *s, uint8_t key[M2M_GCM_KEY_SIZE])
{
	static const char label[] = "m2mrsp senddata key";
	uint8_t in[sizeof label - 1 + 32];
	m2m_err err = m2m_hex_decode_exact(s->cfg->master_key, in + sizeof label - 1, 32);

	memcpy(in, label, sizeof label - 1);
	if (err == M2M_OK)
		err = m2m_sha256(in, sizeof in, key);
	m2m_wipe(in, sizeof in);
	return err;
}

/* Appends pt sealed under the SendData key with aad to out. */
static m2m_err seal_bytes(const smsr *s, const char *aad, const uint8_t *pt, size_t n,
			  m2m_buf *out)
{
	uint8_t key[M2M_GCM_KEY_SIZE];
	m2m_err err = seal_key(s, key);

	if (err == M2M_OK)
		err = m2m_store_seal(key, (const uint8_t *)aad, strlen(aad), pt, n, out);
	m2m_wipe(key, sizeof key);
	return err;
}

/* The inverse of seal_bytes into out; M2M_ERR_VERIFY for a value that is not ours. */
static m2m_err unseal_bytes(const smsr *s, const char *aad, const uint8_t *sealed, size_t n,
			    m2m_buf *out)
{
	uint8_t key[M2M_GCM_KEY_SIZE];
	m2m_err err = seal_key(s, key);

	if (err == M2M_OK)
		err = m2m_store_unseal(key, (const uint8_t *)aad, strlen(aad), sealed, n, out);
	m2m_wipe(key, sizeof key);
	return err;
}

/* Data sealed in place. */
static m2m_err seal(const smsr *s, m2m_buf *d)
{
	m2m_buf out;
	m2m_err err;

	m2m_buf_init(&out);
	err = seal_bytes(s, SEAL_AAD, d->data, d->len, &out);
	if (err == M2M_OK) {
		m2m_wipe(d->data, d->len);
		m2m_buf_free(d);
		*d = out;
		m2m_buf_init(&out);
	}
	m2m_buf_free(&out);
	return err;
}

static m2m_err unseal(const smsr *s, const m2m_buf *d, m2m_buf *out)
{
	return unseal_bytes(s, SEAL_AAD, d->data, d->len, out);
}

m2m_err smsr_senddata_seal_response(const smsr *s, const uint8_t *rsp, size_t n,
				    m2m_buf *sealed)
{
	return seal_bytes(s, RSP_AAD, rsp, n, sealed);
}

m2m_err smsr_senddata_unseal_response(const smsr *s, const uint8_t *sealed, size_t n,
				      m2m_buf *rsp)
{
	return unseal_bytes(s, RSP_AAD, sealed, n, rsp);
}

/* ---- the request ---- */

static bool fail(m2m_ws_exec_status *stt, const char *subject, const char *reason,
		 const char *id, const char *msg)
{
	m2m_ws_status_set(stt, M2M_WS_FAILED, subject, reason, id, "%s", msg);
	return false;
}

/* Sd-aid: an ISD-P of this eUICC whose profile this SM-DP created. */
static bool check_isdp(smsr *s, const m2m_ws_call *call, const char *eid, char *aid,
		       m2m_store_profile *p, m2m_ws_exec_status *stt)
{
	const char *oid = m2m_smsr_caller_oid(s->cfg, call->caller->id);
	const char *t = NULL;
	size_t n;
	m2m_err err;

	if (m2m_ws_get_text(m2m_ws_msg_body(call->msg), "Sd-aid", &t) != M2M_OK ||
	    (n = strlen(t)) < 10 || n > 32 || n % 2 != 0 ||
	    strspn(t, "0123456789abcdefABCDEF") != n)
		return fail(stt, M2M_WS_SUBJ_SD_AID, M2M_WS_REASON_INVALID, t,
			    "Sd-aid: 5 to 16 bytes of hex expected");
	for (size_t i = 0; i <= n; i++)
		aid[i] = (char)(t[i] >= 'a' && t[i] <= 'f' ? t[i] - 'a' + 'A' : t[i]);
	err = m2m_store_profile_get(s->st, eid, aid, p);
	if (err == M2M_END)
		return fail(stt, M2M_WS_SUBJ_SD_AID, M2M_WS_REASON_UNKNOWN, aid,
			    "no such ISD-P on this eUICC");
	if (err != M2M_OK) {
		smsr_es3_store_failed(s, stt);
		return false;
	}
	return smsr_made_by(p, oid, aid, stt);
}

/* UpdateConnectivityParameters' Iccid: a profile of this eUICC this SM-DP created; its ISD-P
 * is the target. */
static bool check_profile(smsr *s, const m2m_ws_call *call, const char *eid, char *aid,
			  m2m_store_profile *p, m2m_ws_exec_status *stt)
{
	const char *oid = m2m_smsr_caller_oid(s->cfg, call->caller->id);

	if (!smsr_profile_of_call(s, m2m_ws_msg_body(call->msg), eid, p, stt) ||
	    !smsr_made_by(p, oid, p->iccid, stt))
		return false;
	snprintf(aid, M2M_STORE_AID_SIZE, "%s", p->isdp_aid);
	return true;
}

/* Data, or ConnectivityParameters when j->ucp (hex, 1 byte to DATA_MAX), into j->es8, its
 * route and MoreToDo (SendData only). */
static bool read_data(smsr *s, const m2m_ws_node *body, const char *eid, smsr_job *j,
		      m2m_ws_exec_status *stt)
{
	const char *name = j->ucp ? "ConnectivityParameters" : "Data";
	const char *t = NULL, *more = NULL;
	m2m_script_chain chain;
	const char *why;
	size_t n;

	if (m2m_ws_get_text(body, name, &t) != M2M_OK || (n = strlen(t)) == 0 || n % 2 != 0 ||
	    n > 2 * DATA_MAX || m2m_hex_decode_buf(t, &j->es8) != M2M_OK) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_FUNCTION, M2M_WS_REASON_INVALID,
				  NULL, "%s: 1 to 65536 bytes of hex expected", name);
		return false;
	}
	why = smsr_es8_classify(j->es8.data, j->es8.len, &j->route, &chain);
	if (why != NULL)
		return fail(stt, M2M_WS_SUBJ_FUNCTION, M2M_WS_REASON_INVALID, NULL, why);
	/* [M] The ISD-P's commands only: key establishment is the download's (SendData). */
	if (j->ucp && j->route == SMSR_ROUTE_ISDR)
		return fail(stt, M2M_WS_SUBJ_FUNCTION, M2M_WS_REASON_INVALID, NULL,
			    "ConnectivityParameters: commands for the ISD-P expected, not key "
			    "establishment");
	if (j->route == SMSR_ROUTE_SCP03T && !smsr_https_for(s, eid))
		return fail(stt, M2M_WS_SUBJ_EUICC, M2M_WS_REASON_REFUSED, eid,
			    "SCP03t data needs the HTTPS bearer; this eUICC has SMS only");
	if (!j->ucp && m2m_ws_get_text(body, "MoreToDo", &more) == M2M_OK)
		j->more = strcmp(more, "true") == 0 || strcmp(more, "1") == 0;
	return true;
}

static void fill_job(smsr_job *j, const m2m_ws_call *call, const char *aid,
		     const m2m_ws_deferred *d, const m2m_ws_hold *hold)
{
	/* fn -1: smsr_answer leaves the answer to smsr_senddata_answer. */
	snprintf(j->aid, sizeof j->aid, "%s", aid);
	smsr_job_for_call(j, call, false, d, hold);
}

static const char *route_name(int route)
{
	return route == SMSR_ROUTE_ISDR ? "ISD-R" : route == SMSR_ROUTE_ISDP ? "ISD-P" : "ISD-P SCP03t";
}

/* The queue step's own: the job it fills, and Data's length (for the log). */
typedef struct {
	smsr_job *j;
	size_t len;
} senddata_step;

/* smsr_es3_queue's step: the checks, Data sealed into the job, the job. */
static bool queue(smsr *s, const smsr_es3_req *rq, void *arg, int64_t *id,
		  m2m_ws_exec_status *stt)
{
	senddata_step *ss = arg;
	smsr_job *j = ss->j;
	const m2m_ws_call *call = rq->call;
	m2m_store_profile p;
	char aid[M2M_STORE_AID_SIZE] = "";
	bool ok = false;

	memset(&p, 0, sizeof p);
	j->ucp = call->fn->id == M2M_WS_ES3_UPDATE_CONNECTIVITY_PARAMETERS;
	if (!(j->ucp ? check_profile(s, call, rq->eid, aid, &p, stt)
		     : check_isdp(s, call, rq->eid, aid, &p, stt)))
		goto out;
	snprintf(j->iccid, sizeof j->iccid, "%s", p.iccid); /* for the audit of a refusal too */
	if (!read_data(s, m2m_ws_msg_body(call->msg), rq->eid, j, stt))
		goto out;
	ss->len = j->es8.len;
	if (seal(s, &j->es8) != M2M_OK) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROVIDER,
				  M2M_WS_REASON_EXECUTION_ERROR, NULL, "Data cannot be sealed");
		goto out;
	}
	fill_job(j, call, aid, rq->d, rq->hold);
	ok = smsr_es3_queue_job(s, rq, "senddata", j, id, stt);
out:
	m2m_store_profile_clear(&p);
	return ok;
}

m2m_ws_reply smsr_es3_send_data(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp)
{
	m2m_ws_exec_status stt;
	m2m_ws_deferred d;
	smsr_job j;
	senddata_step ss = {.j = &j};
	char eid[M2M_STORE_EID_SIZE] = "";
	smsr_es3_req rq;
	int64_t id = 0;
	m2m_ws_reply reply = M2M_WS_REPLY_NOW;
	smsr_es3_queued q;

	smsr_job_init(&j);
	if (!smsr_es3_req_read(s, call, eid, NULL, &d, &rq, &stt))
		goto refused;
	q = smsr_es3_queue(s, &rq, queue, &ss, &id, resp, &reply, &stt);
	if (q == SMSR_ES3_REFUSED)
		goto refused;
	if (q == SMSR_ES3_REPEAT)
		goto out;
	/* The exchange goes on: this SendData runs before the eUICC's other jobs. */
	if (smsr_chain_open(s, eid) && m2m_store_job_make_head(s->st, id) != M2M_OK)
		m2m_warn(SMSR_LOG, "job %lld: cannot run before the eUICC's other jobs", (long long)id);
	m2m_info(SMSR_LOG, "%s from %s: job %lld for %s ISD-P %s, %zu bytes for the %s%s%s",
		 call->fn->name, call->caller->id, (long long)id, eid, j.aid, ss.len,
		 route_name(j.route), j.more ? ", more to do" : "",
		 rq.hold != NULL ? " (held)" : "");
	reply = smsr_es3_queued_reply(s, &rq, id, resp);
	goto out;
refused:
	smsr_es3_refuse(s, call, resp, &stt, eid, j.iccid);
	reply = M2M_WS_REPLY_NOW;
out:
	smsr_job_clear(&j);
	m2m_ws_deferred_clear(&d);
	return reply;
}

/* ---- the answer ---- */

/* The function whose answer the job owes. */
static m2m_ws_fn answer_fn(const smsr_job *j)
{
	return j->ucp ? M2M_WS_ES3_UPDATE_CONNECTIVITY_PARAMETERS : M2M_WS_ES3_SEND_DATA;
}

static m2m_ws_msg *senddata_response(m2m_ws_fn fn, const m2m_ws_exec_status *stt,
				     const uint8_t *resp, size_t n)
{
	m2m_ws_msg *m = NULL;
	char *hex = NULL;
	m2m_err err = m2m_ws_response_new(fn, stt, &m);

	if (err == M2M_OK && n > 0) {
		hex = malloc(2 * n + 1);
		err = hex != NULL ? M2M_OK : M2M_ERR_NOMEM;
		if (err == M2M_OK) {
			m2m_hex_encode(resp, n, hex);
			err = m2m_ws_add(m, NULL, "EuiccResponseData", hex, NULL);
			m2m_wipe(hex, 2 * n + 1);
		}
	}
	if (err != M2M_OK) {
		m2m_ws_msg_free(m);
		m = NULL;
	}
	free(hex);
	return m;
}

typedef struct {
	m2m_ws_fn fn;
	const m2m_ws_exec_status *stt;
	const uint8_t *resp;
	size_t n;
} senddata_answer_arg;

static m2m_ws_msg *build_answer(const void *arg)
{
	const senddata_answer_arg *a = arg;

	return senddata_response(a->fn, a->stt, a->resp, a->n);
}

void smsr_senddata_answer(smsr *s, const smsr_slot *sl, const m2m_ws_exec_status *stt,
			  const uint8_t *resp, size_t n)
{
	m2m_ws_fn fn = answer_fn(&sl->job);
	senddata_answer_arg a = {.fn = fn, .stt = stt, .resp = resp, .n = n};
	m2m_ws_msg *m = senddata_response(fn, stt, resp, n);

	if (m == NULL)
		m2m_warn(SMSR_LOG, "job %lld: %s answer not built", (long long)sl->id,
			 sl->job.ucp ? "UpdateConnectivityParameters" : "SendData");
	smsr_es3_answer_repeats(s, sl, build_answer, &a);
	smsr_es3_complete(s, sl->id, &sl->job, fn, m);
}

static void fail_status(m2m_ws_exec_status *stt, const char *subject, const char *reason,
			const char *msg)
{
	m2m_ws_status_set(stt, M2M_WS_FAILED, subject, reason, NULL, "%s", msg);
}

/* The card answered: the job ends answered (the response recorded, sealed, for a repeat of
 * the call: it travels to close_job as the result's raw bytes), the SM-DP gets the response
 * as it came. */
static void answered(smsr *s, smsr_slot *sl, const uint8_t *resp, size_t n)
{
	m2m_ws_exec_status stt;
	m2m_es5_result r;
	m2m_err err;

	m2m_es5_result_init(&r, M2M_ES5_SEND_DATA);
	if (m2m_buf_append(&r.raw, resp, n) != M2M_OK)
		m2m_warn(SMSR_LOG, "job %lld: the response is not recorded (no memory)",
			 (long long)sl->id);
	err = smsr_apply_success(s, sl, &r);
	if (r.raw.data != NULL)
		m2m_wipe(r.raw.data, r.raw.len);
	m2m_es5_result_free(&r);
	if (err != M2M_OK)
		return; /* lease lost: the worker holding the job answers */
	smsr_chain_set(s, sl->eid, sl->job.more); /* the next SendData may follow */
	m2m_ws_status_set(&stt, M2M_WS_EXECUTED_SUCCESS, NULL, NULL, NULL, "%s", "");
	smsr_senddata_answer(s, sl, &stt, resp, n);
}

/* ---- HTTPS ---- */

typedef struct {
	smsr *s;
	smsr_slot *sl;
} https_ctx;

static void on_https_done(void *arg, const m2m_scp81_completion *c)
{
	https_ctx *h = arg;
	smsr *s = h->s;
	smsr_slot *sl = h->sl;
	m2m_ws_exec_status stt;
	m2m_es5_result r;

	free(h);
	if (s->stopping)
		return; /* the engine gives the leases back */
	if (c->result == M2M_SCP81_CMD_ANSWERED && c->status == M2M_SCP81_SS_OK) {
		answered(s, sl, c->response, c->response_len);
	} else if (c->result == M2M_SCP81_CMD_ANSWERED) {
		/* The card's admin agent refused the body: unknown target, not an SD... */
		m2m_info(SMSR_LOG, "job %lld over HTTPS: script status %s", (long long)sl->id,
			 m2m_scp81_script_status_name(c->status));
		fail_status(&stt, M2M_WS_SUBJ_SD_AID,
			    c->status == M2M_SCP81_SS_UNKNOWN_APPLICATION ? M2M_WS_REASON_UNKNOWN
									 : M2M_WS_REASON_EXECUTION_ERROR,
			    m2m_scp81_script_status_name(c->status));
		smsr_finish(s, sl, M2M_STORE_JOB_FAILED, &stt);
	} else {
		m2m_info(SMSR_LOG, "job %lld over HTTPS: %s", (long long)sl->id,
			 c->reason != NULL ? c->reason : "no answer");
		m2m_es5_result_init(&r, M2M_ES5_SEND_DATA);
		m2m_es5_result_fail(&r, c->result == M2M_SCP81_CMD_FAILED ? M2M_ES5_TIMEOUT
									  : M2M_ES5_TRANSPORT);
		/* Data that may have reached the card is not sent again: its ES8 state went
		 * with the session; the SM-DP decides (error sub-routine or a new download). */
		if (!c->sent)
			smsr_engine_bearer_failed(s, sl, &r);
		else {
			fail_status(&stt, r.code.subject ? r.code.subject : M2M_WS_SUBJ_EUICC,
				    r.code.reason ? r.code.reason : M2M_WS_REASON_NO_RESPONSE,
				    c->reason != NULL ? c->reason : "no answer");
			smsr_finish(s, sl, M2M_STORE_JOB_FAILED, &stt);
		}
		m2m_es5_result_free(&r);
	}
	smsr_engine_done(s, sl);
}

/* The body of an SCP81 exchange: AE 80 {inner} 00 00 (the card takes SCP03t only so). */
static m2m_err https_body(const m2m_buf *data, m2m_buf *out)
{
	const uint8_t *in = NULL;
	size_t in_len = 0;
	m2m_err err;

	if (smsr_es8_unwrap(data->data, data->len, &in, &in_len) != NULL)
		return M2M_ERR_FORMAT;
	if ((err = m2m_tlv_begin_indef(out, M2M_SCRIPT_TAG_COMMAND_INDEF)) != M2M_OK ||
	    (err = m2m_buf_append(out, in, in_len)) != M2M_OK)
		return err;
	return m2m_tlv_end_indef(out);
}

static m2m_err send_https(smsr *s, smsr_slot *sl, const m2m_buf *data)
{
	https_ctx *h = calloc(1, sizeof *h);
	m2m_scp81_aid target;
	m2m_buf body;
	size_t n = 0;
	m2m_err err = M2M_ERR_NOMEM;

	m2m_buf_init(&body);
	if (h == NULL)
		goto out;
	h->s = s;
	h->sl = sl;
	memset(&target, 0, sizeof target);
	err = m2m_hex_decode(sl->job.aid, target.b, sizeof target.b, &n);
	target.len = n;
	if (err == M2M_OK)
		err = https_body(data, &body);
	if (err == M2M_OK)
		err = m2m_scp81_server_enqueue(s->scp81, sl->eid_bin,
					       sl->job.route == SMSR_ROUTE_ISDR ? NULL : &target,
					       body.data, body.len, on_https_done, h, NULL);
	if (err == M2M_OK)
		h = NULL; /* the server owns it until on_https_done */
	/* The card's ES8 state lives as long as the session: keep it open for the next
	 * SendData. Set after the enqueue (its answer comes later): no setting is left behind
	 * for a command that was not queued, and the queued one is the server's now whatever
	 * happens here. */
	if (err == M2M_OK &&
	    m2m_scp81_server_linger(s->scp81, sl->eid_bin, sl->job.more ? LINGER_MS : 0) != M2M_OK)
		m2m_warn(SMSR_LOG, "job %lld: the SCP81 session will not linger", (long long)sl->id);
out:
	free(h);
	if (body.data != NULL)
		m2m_wipe(body.data, body.len);
	m2m_buf_free(&body);
	return err;
}

/* ---- SMS ---- */

/* The C-APDUs of Data as a command set for the ISD-R's or the ISD-P's TAR, wrapped by the
 * SMS bearer with the ISD-R's SCP80 keys and counter (docs/euicc.md "Routing by TAR"). */
static m2m_err sms_cmd(const smsr_slot *sl, const m2m_buf *data, m2m_es5_cmd *c)
{
	uint8_t aid[M2M_ES5_AID_SIZE], tar[3];
	const uint8_t *in = NULL;
	size_t in_len = 0;
	int route = 0;
	m2m_script_chain chain;
	m2m_tlv_iter iter;
	m2m_tlv t;
	m2m_err err;

	if (smsr_es8_classify(data->data, data->len, &route, &chain) != NULL ||
	    route == SMSR_ROUTE_SCP03T)
		return M2M_ERR_UNSUPPORTED;
	m2m_es5_cmd_start(c, M2M_ES5_SEND_DATA);
	c->chain = chain;
	if (route == SMSR_ROUTE_ISDP) {
		if (m2m_hex_decode_exact(sl->job.aid, aid, sizeof aid) != M2M_OK ||
		    !m2m_es5_aid_tar(aid, tar))
			return M2M_ERR_FORMAT;
		memcpy(c->tar, tar, 3);
	}
	(void)smsr_es8_unwrap(data->data, data->len, &in, &in_len);
	/* Only the C-APDUs travel: the bearer writes its own template and chaining. */
	m2m_tlv_iter_init(&iter, in, in_len, M2M_TLV_BER);
	while ((err = m2m_tlv_next(&iter, &t)) == M2M_OK)
		if (t.tag == M2M_SCRIPT_TAG_CAPDU &&
		    (err = m2m_es5_apdus_add(&c->apdus, t.value, t.len)) != M2M_OK)
			return err;
	return err == M2M_END ? M2M_OK : err;
}

m2m_err smsr_senddata_send(smsr *s, smsr_slot *sl)
{
	m2m_es5_cmd c;
	m2m_buf data;
	m2m_err err;

	m2m_es5_cmd_init(&c);
	m2m_buf_init(&data);
	err = unseal(s, &sl->job.es8, &data);
	if (err != M2M_OK)
		m2m_warn(SMSR_LOG, "job %lld: Data does not unseal (master key changed?)",
			 (long long)sl->id);
	else if (smsr_https_for(s, sl->eid))
		err = send_https(s, sl, &data);
	else if ((err = sms_cmd(sl, &data, &c)) == M2M_OK)
		err = m2m_sms_bearer_send(s->sms, sl->eid_bin, &c, sl);
	m2m_es5_cmd_free(&c);
	if (data.data != NULL)
		m2m_wipe(data.data, data.len);
	m2m_buf_free(&data);
	return err;
}

/* The card's response script as it came in its PoR; from several packets, their R-APDUs
 * as one expanded response AB { 80 n, 23 ... } (the SM-DP reads one script). */
static m2m_err sms_response(const m2m_es5_result *r, m2m_buf *out)
{
	const uint8_t *ra[M2M_ES5_APDU_MAX];
	size_t lens[M2M_ES5_APDU_MAX];

	if (r->nscripts == 1)
		return m2m_buf_append(out, r->raw.data, r->raw.len);
	if (r->nscripts == 0)
		return M2M_ERR_STATE;
	for (size_t i = 0; i < r->rapdus.count; i++)
		ra[i] = m2m_es5_apdus_get(&r->rapdus, i, &lens[i]);
	return m2m_script_response_build(out, false, (uint8_t)r->rapdus.count, ra, lens,
					 r->rapdus.count, M2M_BAD_FORMAT_NONE);
}

void smsr_senddata_result(smsr *s, smsr_slot *sl, const m2m_es5_result *r)
{
	m2m_ws_exec_status stt;
	m2m_buf b;
	char msg[96];

	m2m_buf_init(&b);
	switch (r->outcome) {
	case M2M_ES5_OK:
	case M2M_ES5_SW_ERROR: /* the card answered: the SM-DP reads its status words */
	case M2M_ES5_BAD_RESPONSE: /* ... or its bad-format indication */
		if (sms_response(r, &b) == M2M_OK) {
			answered(s, sl, b.data, b.len);
			break;
		}
		fail_status(&stt, M2M_WS_SUBJ_PROVIDER, M2M_WS_REASON_EXECUTION_ERROR,
			    "the card's response cannot be relayed");
		smsr_finish(s, sl, M2M_STORE_JOB_FAILED, &stt);
		break;
	case M2M_ES5_UNDELIVERED: /* never reached the card: sent again */
		smsr_engine_bearer_failed(s, sl, r);
		break;
	default: /* refused packet, unreadable PoR, or no PoR (it may have run): not again */
		snprintf(msg, sizeof msg, "%s, PoR %02X", m2m_es5_outcome_name(r->outcome),
			 r->por_status);
		fail_status(&stt, r->code.subject ? r->code.subject : M2M_WS_SUBJ_EUICC,
			    r->code.reason ? r->code.reason : M2M_WS_REASON_EXECUTION_ERROR, msg);
		smsr_finish(s, sl, M2M_STORE_JOB_FAILED, &stt);
		break;
	}
	if (b.data != NULL)
		m2m_wipe(b.data, b.len);
	m2m_buf_free(&b);
}
