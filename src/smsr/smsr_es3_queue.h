/* What the ES3 card functions that queue a job (CreateISDP, SendData and
 * UpdateConnectivityParameters, EnableProfile, DisableProfile, DeleteISDP) do alike: read the
 * call (Eid, answer form), then one transaction with the FunctionCallIdentifier's record and
 * the function's own checks and job, then the reply (docs/smsr.md "ES3",
 * "FunctionCallIdentifier"). Internal to the SM-SR. */
#ifndef M2M_SMSR_SMSR_ES3_QUEUE_H
#define M2M_SMSR_SMSR_ES3_QUEUE_H

#include "smsr/smsr_int.h"

/* An ES3 card function's call on its way to a job. */
typedef struct {
	const m2m_ws_call *call;
	const char *eid;
	m2m_ws_deferred *d; /* the answer form: ReplyTo, or none when held */
	m2m_ws_hold *hold; /* NULL: not held */
	uint64_t vp; /* the validity period, seconds */
} smsr_es3_req;

/* The start of an ES3 card function: *rq for call (its validity period), the request's Eid
 * into eid, of an eUICC in the EIS (kept in *e, or not when e is NULL), and the answer form:
 * ReplyTo into d (cleared first), or the held exchange in rq->hold. False with stt set: the
 * call is refused. */
bool smsr_es3_req_read(smsr *s, const m2m_ws_call *call, char eid[M2M_STORE_EID_SIZE],
		       m2m_store_eis *e, m2m_ws_deferred *d, smsr_es3_req *rq,
		       m2m_ws_exec_status *stt);

/* The function's step inside the open transaction, after the call's record: its checks and
 * its job (*id). arg is the function's own. False with stt set: the transaction is rolled
 * back. */
typedef bool (*smsr_es3_queue_fn)(smsr *s, const smsr_es3_req *rq, void *arg, int64_t *id,
				  m2m_ws_exec_status *stt);

/* For a step: job j of kind for rq's eUICC, due within rq's validity period (*id); false
 * with the store's failure in stt. */
bool smsr_es3_queue_job(smsr *s, const smsr_es3_req *rq, const char *kind, const smsr_job *j,
			int64_t *id, m2m_ws_exec_status *stt);

typedef enum {
	SMSR_ES3_QUEUED, /* committed: job *id */
	SMSR_ES3_REPEAT, /* a repeat of a call seen before: *reply says how it is answered */
	SMSR_ES3_REFUSED, /* stt set (a store failure or the step's), nothing kept */
} smsr_es3_queued;

/* Begin; smsr_es3_dedup (a repeat: roll back); step (false: roll back); commit (failed:
 * the store's failure in stt, roll back). */
smsr_es3_queued smsr_es3_queue(smsr *s, const smsr_es3_req *rq, smsr_es3_queue_fn step,
			       void *arg, int64_t *id, m2m_ws_msg *resp, m2m_ws_reply *reply,
			       m2m_ws_exec_status *stt);
/* After SMSR_ES3_QUEUED (and what the function does then): the engine kicked, and the reply
 * to give: the hold kept until job id ends (smsr_es3_hold), or LATER for a ReplyTo. */
m2m_ws_reply smsr_es3_queued_reply(smsr *s, const smsr_es3_req *rq, int64_t id,
				   m2m_ws_msg *resp);

#endif
