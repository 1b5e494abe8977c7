/* FunctionCallIdentifier of the ES3 card functions (docs/smsr.md "ES3", "FunctionCallIdentifier").
 * The record and the repeat paths are ES4's (smsr_es4_dedup); an ES3 answer carries more
 * than a status, so the record keeps it after the packed status: "status NUL name=value NUL"
 * with aid=<Isd-p-aid> (CreateISDP) or rsp=<hex of the card's response, sealed> (SendData,
 * UpdateConnectivityParameters: a senddata job).
 * A repeat of a finished call gets it back without a second card job. The jobs of CreateISDP
 * and SendData answer outside smsr_answer (fn -1), so their waiting repeats are answered
 * here when the job ends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/log.h"
#include "smsr/smsr_es3_repeat.h"

#define EXTRA_AID "aid="
#define EXTRA_RSP "rsp="

/* ---- the record ---- */

static m2m_err add_extra(m2m_buf *rec, const char *name, const char *value)
{
	m2m_err err = m2m_buf_append_u8(rec, 0);

	if (err == M2M_OK)
		err = m2m_buf_append(rec, name, strlen(name));
	if (err == M2M_OK)
		err = m2m_buf_append(rec, value, strlen(value) + 1);
	return err;
}

/* rsp=: the hex of the sealed response (never the response in clear). */
static m2m_err add_response(const smsr *s, m2m_buf *rec, const m2m_buf *rsp)
{
	m2m_buf sealed;
	char *hex = NULL;
	m2m_err err;

	m2m_buf_init(&sealed);
	err = smsr_senddata_seal_response(s, rsp->data, rsp->len, &sealed);
	if (err == M2M_OK && (hex = malloc(2 * sealed.len + 1)) == NULL)
		err = M2M_ERR_NOMEM;
	if (err == M2M_OK) {
		m2m_hex_encode(sealed.data, sealed.len, hex);
		err = add_extra(rec, EXTRA_RSP, hex);
	}
	free(hex);
	m2m_buf_free(&sealed);
	return err;
}

m2m_err smsr_call_record(smsr *s, const smsr_slot *sl, const m2m_es5_result *r,
			 const char *packed, int64_t now_ms)
{
	m2m_buf rec;
	m2m_err err;

	m2m_buf_init(&rec);
	err = m2m_buf_append(&rec, packed, strlen(packed));
	if (err == M2M_OK && strcmp(sl->kind, "create_isdp") == 0)
		err = add_extra(&rec, EXTRA_AID, sl->job.aid);
	else if (err == M2M_OK && strcmp(sl->kind, "senddata") == 0 && r != NULL &&
		 r->raw.len > 0)
		err = add_response(s, &rec, &r->raw);
	if (err == M2M_OK)
		err = m2m_store_call_finish(s->st, sl->job.caller, sl->job.call_id, rec.data,
					    rec.len, now_ms);
	m2m_buf_free(&rec);
	return err;
}

/* The value of the record's extra name=, NULL when it has none. */
static const char *record_extra(const m2m_store_call *c, const char *name)
{
	const char *p = c->response != NULL ? memchr(c->response, 0, c->response_len) : NULL;
	const char *end = (const char *)c->response + c->response_len;

	if (p == NULL || ++p >= end || memchr(p, 0, (size_t)(end - p)) == NULL ||
	    strncmp(p, name, strlen(name)) != 0)
		return NULL;
	return p + strlen(name);
}

/* EuiccResponseData from the sealed hex; a record that does not open: FAILED (the answer
 * would lie without the card's response). */
static void replay_response(smsr *s, m2m_ws_msg *resp, const char *sealed_hex)
{
	m2m_ws_exec_status stt;
	m2m_buf sealed, rsp;
	char *hex = NULL;
	m2m_err err;

	m2m_buf_init(&sealed);
	m2m_buf_init(&rsp);
	err = m2m_hex_decode_buf(sealed_hex, &sealed);
	if (err == M2M_OK)
		err = smsr_senddata_unseal_response(s, sealed.data, sealed.len, &rsp);
	if (err == M2M_OK && (hex = malloc(2 * rsp.len + 1)) == NULL)
		err = M2M_ERR_NOMEM;
	if (err == M2M_OK) {
		m2m_hex_encode(rsp.data, rsp.len, hex);
		err = m2m_ws_add(resp, NULL, "EuiccResponseData", hex, NULL);
	}
	if (err != M2M_OK) {
		m2m_warn(SMSR_LOG, "recorded SendData response not replayed: %s",
			 m2m_strerror(err));
		m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROVIDER,
				  M2M_WS_REASON_EXECUTION_ERROR, NULL,
				  "the recorded response cannot be read");
		m2m_ws_response_set_status(resp, &stt);
	}
	if (hex != NULL)
		m2m_wipe(hex, 2 * rsp.len + 1);
	free(hex);
	if (rsp.data != NULL)
		m2m_wipe(rsp.data, rsp.len);
	m2m_buf_free(&rsp);
	m2m_buf_free(&sealed);
}

/* What the record keeps besides the status, into an answer of fn. */
static void add_extras(smsr *s, int fn, const m2m_store_call *c, m2m_ws_msg *resp)
{
	const char *v;

	if (fn == M2M_WS_ES3_CREATE_ISDP && (v = record_extra(c, EXTRA_AID)) != NULL &&
	    m2m_ws_add(resp, NULL, "Isd-p-aid", v, NULL) != M2M_OK)
		m2m_warn(SMSR_LOG, "recorded Isd-p-aid not replayed");
	if ((fn == M2M_WS_ES3_SEND_DATA || fn == M2M_WS_ES3_UPDATE_CONNECTIVITY_PARAMETERS) &&
	    (v = record_extra(c, EXTRA_RSP)) != NULL)
		replay_response(s, resp, v);
}

/* A finished repeat's answer (status already set by smsr_es4_dedup) gets the extras of the
 * record, if the record is this request's (not a conflict, whose answer is the refusal). */
static void replay_extras(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp)
{
	m2m_store_call c;
	uint8_t h[M2M_STORE_HASH_SIZE];

	memset(&c, 0, sizeof c);
	smsr_request_hash(call, h);
	if (m2m_store_call_get(s->st, call->caller->id, call->function_call_id, &c) == M2M_OK &&
	    c.done && memcmp(c.req_hash, h, sizeof h) == 0)
		add_extras(s, call->fn->id, &c, resp);
	m2m_store_call_clear(&c);
}

m2m_ws_msg *smsr_recorded_answer(smsr *s, int fn, const m2m_store_call *rec, const char *eid,
				 const char *caller, int role)
{
	m2m_ws_exec_status stt;
	m2m_ws_msg *m;

	smsr_status_unpack(rec->response != NULL ? (const char *)rec->response : "",
			   rec->response_len, &stt);
	m = smsr_response(s, fn, &stt, eid, caller, role);
	if (m != NULL)
		add_extras(s, fn, rec, m);
	return m;
}

bool smsr_es3_dedup(smsr *s, const m2m_ws_call *call, const char *eid, m2m_ws_deferred *d,
		    m2m_ws_hold *hold, uint64_t vp, m2m_ws_msg *resp, m2m_ws_reply *reply)
{
	if (call->function_call_id == NULL || call->function_call_id[0] == '\0' ||
	    smsr_es4_dedup(s, call, eid, d, hold, vp, resp, reply))
		return true;
	if (*reply == M2M_WS_REPLY_NOW)
		replay_extras(s, call, resp);
	m2m_info(SMSR_LOG, "%s from %s: call '%s' seen before, %s", call->fn->name,
		 call->caller->id, call->function_call_id,
		 *reply == M2M_WS_REPLY_NOW ? "answered now" : "answered when its job ends");
	return false;
}

/* ---- repeats of a running CreateISDP or SendData ---- */

void smsr_es3_answer_repeats(smsr *s, const smsr_slot *sl, smsr_es3_build_fn build,
			     const void *arg)
{
	const smsr_job *j = &sl->job;

	if (j->call_id[0] == '\0')
		return;
	if (j->reply_to[0] != '\0' && smsr_held_any(s, sl->id, j)) {
		m2m_ws_msg *m = build(arg);
		smsr_held_complete(s, sl->id, j, m);
		m2m_ws_msg_free(m);
	}
	for (smsr_waiter **pw = &s->waiters; *pw != NULL;) {
		smsr_waiter *w = *pw;
		if (strcmp(w->caller, j->caller) != 0 || strcmp(w->call_id, j->call_id) != 0) {
			pw = &w->next;
			continue;
		}
		m2m_ws_msg *m = build(arg);
		if (m != NULL)
			smsr_out_answer(s->out, &w->d, m);
		*pw = w->next;
		m2m_ws_deferred_clear(&w->d);
		free(w);
	}
}
