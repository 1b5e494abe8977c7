/* ES3 CreateISDP (docs/smsr.md "ES3"): checks (EID, ICCID free, memory), allocates the next
 * free ISD-P TAR, writes the profile row CREATED (owner MNO and SM-DP) and queues the
 * `create_isdp` job (INSTALL [for install and make selectable] to the ISD-R) in one
 * transaction with the FunctionCallIdentifier's record (a repeat gets the recorded answer,
 * smsr_es3_repeat.c). The answer, with Isd-p-aid, goes to ReplyTo, or on the held exchange
 * when there is none, when the job ends (smsr_es3_create_answer); a failed creation removes
 * the row again. MoreToDo (the SM-DP's SendData follows) keeps an SCP81 session open after
 * the answer, as SendData's MoreToDo does: the download's first SendData goes into it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/log.h"
#include "smsr/eis.h"
#include "smsr/smsr_es3_queue.h"
#include "smsr/smsr_es3_repeat.h"

/* As SendData's linger (smsr_es3_senddata.c): below the card's HTTP time-out, far above an
 * SM-DP's turn-around between CreateISDP's answer and its first SendData. */
#define LINGER_MS 20000u

#define TAR_FIRST 0x000010u
#define TAR_LAST 0x00FFFFu

/* The smallest ISD-P TAR no profile of the eUICC uses. */
static m2m_err next_tar(smsr *s, const char *eid, uint8_t tar[3])
{
	m2m_store_profile *list = NULL;
	size_t n = 0;
	uint32_t t;
	m2m_err err = m2m_store_profile_list(s->st, eid, &list, &n);

	for (t = TAR_FIRST; err == M2M_OK && t <= TAR_LAST; t++) {
		bool used = false;
		for (size_t i = 0; i < n && !used; i++) {
			uint8_t aid[M2M_ES5_AID_SIZE], ut[3];
			used = m2m_hex_decode_exact(list[i].isdp_aid, aid, sizeof aid) == M2M_OK &&
			       m2m_es5_aid_tar(aid, ut) &&
			       (((uint32_t)ut[0] << 16) | ((uint32_t)ut[1] << 8) | ut[2]) == t;
		}
		if (!used)
			break;
	}
	m2m_store_profile_list_free(list, n);
	if (err != M2M_OK)
		return err;
	if (t > TAR_LAST)
		return M2M_ERR_BOUNDS;
	tar[0] = (uint8_t)(t >> 16);
	tar[1] = (uint8_t)(t >> 8);
	tar[2] = (uint8_t)t;
	return M2M_OK;
}

/* Iccid (free in the whole store), Mno-id and RequiredMemory (within the eUICC's free
 * memory when the EIS knows it). */
static bool check_request(smsr *s, const m2m_ws_node *body, const m2m_store_eis *e,
			  m2m_store_profile *p, uint32_t *mem, m2m_ws_exec_status *stt)
{
	const char *iccid = NULL, *mno = NULL, *req = NULL;
	m2m_store_profile old;
	char *end = NULL;
	unsigned long long m;
	m2m_err err;

	if (m2m_ws_get_text(body, "Iccid", &iccid) != M2M_OK ||
	    strlen(iccid) >= sizeof p->iccid || m2m_ws_get_text(body, "Mno-id", &mno) != M2M_OK ||
	    strlen(mno) >= sizeof p->mno_id ||
	    m2m_ws_get_text(body, "RequiredMemory", &req) != M2M_OK) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_FUNCTION, M2M_WS_REASON_INVALID,
				  NULL, "Iccid, Mno-id or RequiredMemory missing or too long");
		return false;
	}
	m = strtoull(req, &end, 10);
	if (req[0] == '-' || end == req || *end != '\0' || m > UINT32_MAX) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_FUNCTION, M2M_WS_REASON_INVALID,
				  req, "RequiredMemory: 0 to 4294967295 expected");
		return false;
	}
	if (e->remaining_memory > 0 && (long long)m > e->remaining_memory) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_EUICC,
				  M2M_WS_REASON_INSUFFICIENT_MEMORY, e->eid,
				  "RequiredMemory %llu over the eUICC's free %lld", m,
				  (long long)e->remaining_memory);
		return false;
	}
	memset(&old, 0, sizeof old);
	err = m2m_store_profile_get_by_iccid(s->st, iccid, &old);
	m2m_store_profile_clear(&old);
	if (err == M2M_OK) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_ICCID, M2M_WS_REASON_IN_USE,
				  iccid, "ICCID already in use");
		return false;
	}
	if (err != M2M_END) {
		smsr_es3_store_failed(s, stt);
		return false;
	}
	*mem = (uint32_t)m;
	snprintf(p->iccid, sizeof p->iccid, "%s", iccid);
	snprintf(p->mno_id, sizeof p->mno_id, "%s", mno);
	return true;
}

static void fill_job(smsr_job *j, const m2m_ws_call *call, const m2m_store_profile *p,
		     const m2m_ws_deferred *d, const m2m_ws_hold *hold, uint32_t mem)
{
	const char *more = NULL;

	smsr_job_init(j); /* fn -1: smsr_answer leaves the answer to smsr_es3_create_answer */
	snprintf(j->aid, sizeof j->aid, "%s", p->isdp_aid);
	snprintf(j->iccid, sizeof j->iccid, "%s", p->iccid);
	j->mem = mem;
	if (m2m_ws_get_text(m2m_ws_msg_body(call->msg), "MoreToDo", &more) == M2M_OK)
		j->more = strcmp(more, "true") == 0 || strcmp(more, "1") == 0;
	smsr_job_for_call(j, call, false, d, hold);
}

/* The ISD-P AID and the profile row CREATED; false (stt set) when no TAR is free. */
static bool allocate(smsr *s, const m2m_ws_call *call, m2m_store_profile *p, uint32_t mem,
		     m2m_ws_exec_status *stt)
{
	uint8_t tar[3], aid[M2M_ES5_AID_SIZE];

	if (next_tar(s, p->eid, tar) != M2M_OK) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_EUICC,
				  M2M_WS_REASON_INSUFFICIENT_MEMORY, p->eid, "no free ISD-P TAR");
		return false;
	}
	m2m_es5_isdp_aid(tar, aid);
	m2m_eis_hex(aid, sizeof aid, p->isdp_aid);
	snprintf(p->smdp_id, sizeof p->smdp_id, "%s",
		 m2m_smsr_caller_oid(s->cfg, call->caller->id));
	p->state = M2M_STORE_PROFILE_CREATED;
	p->allocated_memory = mem;
	p->updated_ms = m2m_store_now_ms();
	return true;
}

/* The queue step's own: the eUICC's EIS (read before) and the profile row it fills. */
typedef struct {
	const m2m_store_eis *e;
	m2m_store_profile *p;
} create_step;

/* smsr_es3_queue's step: the checks (an ICCID taken by the call's own row is a repeat's,
 * answered before), the row and the job. */
static bool queue(smsr *s, const smsr_es3_req *rq, void *arg, int64_t *id,
		  m2m_ws_exec_status *stt)
{
	const create_step *cs = arg;
	const m2m_ws_node *body = m2m_ws_msg_body(rq->call->msg);
	smsr_job j;
	uint32_t mem = 0;

	if (!check_request(s, body, cs->e, cs->p, &mem, stt) ||
	    !allocate(s, rq->call, cs->p, mem, stt))
		return false;
	fill_job(&j, rq->call, cs->p, rq->d, rq->hold, mem);
	if (m2m_store_profile_put(s->st, cs->p) != M2M_OK) {
		smsr_es3_store_failed(s, stt);
		return false;
	}
	return smsr_es3_queue_job(s, rq, "create_isdp", &j, id, stt);
}

m2m_ws_reply smsr_es3_create_isdp(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp)
{
	m2m_ws_exec_status stt;
	m2m_store_eis e;
	m2m_store_profile p;
	m2m_ws_deferred d;
	create_step cs = {.e = &e, .p = &p};
	smsr_es3_req rq;
	int64_t id = 0;
	m2m_ws_reply reply = M2M_WS_REPLY_NOW;
	smsr_es3_queued q;

	memset(&e, 0, sizeof e);
	memset(&p, 0, sizeof p);
	if (!smsr_es3_req_read(s, call, p.eid, &e, &d, &rq, &stt))
		goto refused;
	q = smsr_es3_queue(s, &rq, queue, &cs, &id, resp, &reply, &stt);
	if (q == SMSR_ES3_REFUSED)
		goto refused;
	if (q == SMSR_ES3_REPEAT)
		goto out;
	m2m_info(SMSR_LOG, "%s from %s: job %lld for %s %s, ISD-P %s%s", call->fn->name,
		 call->caller->id, (long long)id, p.eid, p.iccid, p.isdp_aid,
		 rq.hold != NULL ? " (held)" : "");
	reply = smsr_es3_queued_reply(s, &rq, id, resp);
	goto out;
refused:
	smsr_es3_refuse(s, call, resp, &stt, p.eid, p.iccid);
	reply = M2M_WS_REPLY_NOW;
out:
	m2m_ws_deferred_clear(&d);
	m2m_store_eis_clear(&e);
	m2m_store_profile_clear(&p);
	return reply;
}

m2m_err smsr_es3_build(const smsr_slot *sl, m2m_es5_cmd *c)
{
	uint8_t aid[M2M_ES5_AID_SIZE], tar[3];

	if (strcmp(sl->kind, "create_isdp") != 0)
		return M2M_ERR_UNSUPPORTED;
	if (m2m_hex_decode_exact(sl->job.aid, aid, sizeof aid) != M2M_OK ||
	    !m2m_es5_aid_tar(aid, tar))
		return M2M_ERR_FORMAT;
	return m2m_es5_create_isdp(c, tar, sl->job.mem);
}

static m2m_ws_msg *create_response(const m2m_ws_exec_status *stt, const char *aid)
{
	m2m_ws_msg *m = NULL;

	if (m2m_ws_response_new(M2M_WS_ES3_CREATE_ISDP, stt, &m) != M2M_OK ||
	    m2m_ws_add(m, NULL, "Isd-p-aid", aid, NULL) != M2M_OK) {
		m2m_ws_msg_free(m);
		return NULL; /* a held exchange then gets a Receiver fault */
	}
	return m;
}

typedef struct {
	const m2m_ws_exec_status *stt;
	const char *aid;
} create_answer_arg;

static m2m_ws_msg *build_answer(const void *arg)
{
	const create_answer_arg *a = arg;

	return create_response(a->stt, a->aid);
}

/* A created ISD-P with MoreToDo, answered in an SCP81 session (the answer is read before the
 * server's next step): the session lingers for the SM-DP's SendData, and the exchange guard
 * (smsr_chain.c) makes that SendData the eUICC's next job, so it goes into this session.
 * Over SMS there is no session: nothing changes. */
static void keep_session(smsr *s, const smsr_slot *sl, const m2m_ws_exec_status *stt)
{
	if (!sl->job.more || stt->status != M2M_WS_EXECUTED_SUCCESS || s->scp81 == NULL ||
	    !m2m_scp81_server_in_session(s->scp81, sl->eid_bin))
		return;
	if (m2m_scp81_server_linger(s->scp81, sl->eid_bin, LINGER_MS) != M2M_OK) {
		m2m_warn(SMSR_LOG, "job %lld: the SCP81 session will not linger", (long long)sl->id);
		return;
	}
	smsr_chain_set(s, sl->eid, true);
}

void smsr_es3_create_answer(smsr *s, const smsr_slot *sl, const m2m_ws_exec_status *stt)
{
	create_answer_arg a = {.stt = stt, .aid = sl->job.aid};
	m2m_ws_msg *m = create_response(stt, sl->job.aid);

	keep_session(s, sl, stt);
	if (m == NULL)
		m2m_warn(SMSR_LOG, "job %lld: CreateISDP answer not built", (long long)sl->id);
	smsr_es3_answer_repeats(s, sl, build_answer, &a);
	smsr_es3_complete(s, sl->id, &sl->job, M2M_WS_ES3_CREATE_ISDP, m);
}
