/* FunctionCallIdentifier of the ES3 card functions (CreateISDP, SendData, EnableProfile,
 * DisableProfile, DeleteISDP): repeats answered from the call record, or when the running
 * job ends (docs/smsr.md "ES3", "FunctionCallIdentifier"). Internal to the SM-SR. */
#ifndef M2M_SMSR_SMSR_ES3_REPEAT_H
#define M2M_SMSR_SMSR_ES3_REPEAT_H

#include "smsr/smsr_int.h"

/* smsr_es3_repeat.c */
/* smsr_es4_dedup for ES3 (inside the caller's open transaction; true: queue the job). A
 * repeat of a finished call also gets what the record keeps besides the status: Isd-p-aid
 * (CreateISDP), EuiccResponseData (SendData). A call without FunctionCallIdentifier is new. */
bool smsr_es3_dedup(smsr *s, const m2m_ws_call *call, const char *eid, m2m_ws_deferred *d,
		    m2m_ws_hold *hold, uint64_t vp, m2m_ws_msg *resp, m2m_ws_reply *reply);
/* Records the answer of the slot's call (inside close_job's transaction): the packed status,
 * then for create_isdp the ISD-P AID and for senddata the card's response (r->raw) sealed. */
m2m_err smsr_call_record(smsr *s, const smsr_slot *sl, const m2m_es5_result *r,
			 const char *packed, int64_t now_ms);
/* Builds one answer of a finished job (NULL: a Receiver fault on a hold, nothing to a
 * ReplyTo). */
typedef m2m_ws_msg *(*smsr_es3_build_fn)(const void *arg);
/* The repeats of the slot's call that wait for its job (fn -1 jobs: CreateISDP, SendData;
 * smsr_answer serves the others): each waiter (a repeat with ReplyTo) gets a built answer,
 * and, when the call itself has a ReplyTo, the held repeats too (with a held call,
 * smsr_es3_complete answers them with it). */
void smsr_es3_answer_repeats(smsr *s, const smsr_slot *sl, smsr_es3_build_fn build,
			     const void *arg);

/* smsr_es3_senddata.c: the card's response sealed for the call record, and back. */
m2m_err smsr_senddata_seal_response(const smsr *s, const uint8_t *rsp, size_t n,
				    m2m_buf *sealed);
m2m_err smsr_senddata_unseal_response(const smsr *s, const uint8_t *sealed, size_t n,
				      m2m_buf *rsp);

#endif
