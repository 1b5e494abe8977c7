/* The frame of an ES3 card function that queues a job (smsr_es3_queue.h). The
 * FunctionCallIdentifier's record (smsr_es3_repeat.c) and the function's job commit
 * together, so no process on the database ever sees the one without the other. */
#include <string.h>

#include "smsr/smsr_es3_queue.h"
#include "smsr/smsr_es3_repeat.h"

bool smsr_es3_req_read(smsr *s, const m2m_ws_call *call, char eid[M2M_STORE_EID_SIZE],
		       m2m_store_eis *e, m2m_ws_deferred *d, smsr_es3_req *rq,
		       m2m_ws_exec_status *stt)
{
	m2m_store_eis own;
	bool ok;

	memset(d, 0, sizeof *d);
	memset(&own, 0, sizeof own);
	rq->call = call;
	rq->eid = eid;
	rq->d = d;
	rq->hold = NULL;
	rq->vp = call->validity_period ? call->validity_period : s->cfg->validity_s;
	ok = smsr_es3_read_eid(m2m_ws_msg_body(call->msg), eid, stt) &&
	     smsr_es3_find_eis(s, eid, e != NULL ? e : &own, stt);
	m2m_store_eis_clear(&own);
	/* The answer form before the transaction: a repeat is answered on it (a hold begun
	 * must be answered: the ws server does it on a NOW reply). */
	return ok && smsr_es3_answer_mode(call, d, &rq->hold, stt);
}

bool smsr_es3_queue_job(smsr *s, const smsr_es3_req *rq, const char *kind, const smsr_job *j,
			int64_t *id, m2m_ws_exec_status *stt)
{
	if (smsr_job_queue(s->st, rq->eid, kind, j, m2m_store_now_ms() + (int64_t)rq->vp * 1000,
			   id) == M2M_OK)
		return true;
	smsr_es3_store_failed(s, stt);
	return false;
}

smsr_es3_queued smsr_es3_queue(smsr *s, const smsr_es3_req *rq, smsr_es3_queue_fn step,
			       void *arg, int64_t *id, m2m_ws_msg *resp, m2m_ws_reply *reply,
			       m2m_ws_exec_status *stt)
{
	if (m2m_store_begin(s->st) != M2M_OK) {
		smsr_es3_store_failed(s, stt);
		return SMSR_ES3_REFUSED;
	}
	if (!smsr_es3_dedup(s, rq->call, rq->eid, rq->d, rq->hold, rq->vp, resp, reply)) {
		m2m_store_rollback(s->st);
		return SMSR_ES3_REPEAT;
	}
	if (!step(s, rq, arg, id, stt)) {
		m2m_store_rollback(s->st);
		return SMSR_ES3_REFUSED;
	}
	if (m2m_store_commit(s->st) != M2M_OK) {
		smsr_es3_store_failed(s, stt); /* before the rollback: its message */
		m2m_store_rollback(s->st);
		return SMSR_ES3_REFUSED;
	}
	return SMSR_ES3_QUEUED;
}

m2m_ws_reply smsr_es3_queued_reply(smsr *s, const smsr_es3_req *rq, int64_t id,
				   m2m_ws_msg *resp)
{
	smsr_engine_kick(s);
	return rq->hold != NULL ? smsr_es3_hold(s, rq->hold, id, rq->call, rq->vp, resp)
				: M2M_WS_REPLY_LATER;
}
