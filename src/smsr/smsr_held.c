/* Requests held open (no ReplyTo) until their job ends: kept in a list on the loop thread,
 * answered by the job's end or EXPIRED when the hold time runs out; the job goes on and its
 * answer is recorded for a repeat of the call (smsr_int.h, docs/smsr.md "ReplyTo or hold"). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "smsr/smsr_int.h"

static void held_free(smsr_held *h)
{
	if (h->timer != NULL)
		event_free(h->timer);
	free(h);
}

static void held_unlink(smsr *s, smsr_held *h)
{
	for (smsr_held **p = &s->held; *p != NULL; p = &(*p)->next)
		if (*p == h) {
			*p = h->next;
			return;
		}
}

static void held_expire(evutil_socket_t fd, short what, void *arg)
{
	smsr_held *h = arg;
	smsr *s = h->s;
	m2m_ws_exec_status stt;
	m2m_ws_msg *m = NULL;

	(void)fd;
	(void)what;
	m2m_ws_status_set(&stt, M2M_WS_EXPIRED, M2M_WS_SUBJ_FUNCTION, M2M_WS_REASON_NO_RESPONSE,
			  NULL, "no answer from the eUICC within the hold time");
	if (m2m_ws_response_new(m2m_ws_hold_fn(h->hold), &stt, &m) != M2M_OK)
		m = NULL;
	m2m_info(SMSR_LOG, "held job %lld (call '%s') of %s: hold time over",
		 (long long)h->job_id, h->call_id, h->caller);
	m2m_ws_server_complete(h->hold, m);
	m2m_ws_msg_free(m);
	held_unlink(s, h);
	held_free(h);
}

/* The request's Eid in upper case ("" when absent: the callers checked it already). */
static void held_eid(const m2m_ws_call *call, char eid[M2M_STORE_EID_SIZE])
{
	const char *t = NULL;
	size_t i = 0;

	if (m2m_ws_get_text(m2m_ws_msg_body(call->msg), "Eid", &t) == M2M_OK)
		for (; t[i] != '\0' && i + 1 < M2M_STORE_EID_SIZE; i++)
			eid[i] = (char)toupper((unsigned char)t[i]);
	eid[i] = '\0';
}

m2m_err smsr_held_add(smsr *s, m2m_ws_hold *hold, int64_t job_id, const m2m_ws_call *call,
		      uint64_t vp)
{
	smsr_held *h = calloc(1, sizeof *h);
	uint64_t secs = vp < s->cfg->hold_max_s ? vp : s->cfg->hold_max_s;
	struct timeval tv = {.tv_sec = (time_t)secs};

	if (h == NULL)
		return M2M_ERR_NOMEM;
	h->s = s;
	h->job_id = job_id;
	h->hold = hold;
	snprintf(h->caller, sizeof h->caller, "%s", call->caller->id);
	if (call->function_call_id != NULL)
		snprintf(h->call_id, sizeof h->call_id, "%s", call->function_call_id);
	h->role = call->caller->role;
	held_eid(call, h->eid);
	h->timer = evtimer_new(s->base, held_expire, h);
	if (h->timer == NULL || evtimer_add(h->timer, &tv) != 0) {
		held_free(h);
		return M2M_ERR_NOMEM;
	}
	h->next = s->held;
	s->held = h;
	if (h->call_id[0] != '\0')
		smsr_poll_arm(s); /* its job may run in another process */
	return M2M_OK;
}

void smsr_held_drop_all(smsr *s)
{
	smsr_poll_stop(s);
	while (s->held != NULL) {
		smsr_held *h = s->held;
		s->held = h->next;
		held_free(h); /* the ws server answers (or drops) the hold itself */
	}
}

/* A hold of the job, or (job_id 0: a repeat) of the same call. */
static bool held_matches(const smsr_held *h, int64_t job_id, const smsr_job *j)
{
	if (h->job_id != 0)
		return h->job_id == job_id;
	return j->call_id[0] != '\0' && strcmp(h->caller, j->caller) == 0 &&
	       strcmp(h->call_id, j->call_id) == 0;
}

bool smsr_held_any(const smsr *s, int64_t job_id, const smsr_job *j)
{
	for (const smsr_held *h = s->held; h != NULL; h = h->next)
		if (held_matches(h, job_id, j))
			return true;
	return false;
}

void smsr_held_complete(smsr *s, int64_t job_id, const smsr_job *j, const m2m_ws_msg *m)
{
	for (smsr_held **ph = &s->held; *ph != NULL;) {
		smsr_held *h = *ph;
		if (!held_matches(h, job_id, j)) {
			ph = &h->next;
			continue;
		}
		m2m_ws_server_complete(h->hold, (m2m_ws_msg *)m);
		*ph = h->next;
		held_free(h);
	}
}

void smsr_held_answer_record(smsr *s, const m2m_store_call *rec)
{
	m2m_ws_msg *m = NULL;
	bool built = false;

	for (smsr_held **ph = &s->held; *ph != NULL;) {
		smsr_held *h = *ph;
		if (strcmp(h->caller, rec->caller) != 0 || strcmp(h->call_id, rec->call_id) != 0) {
			ph = &h->next;
			continue;
		}
		if (!built) { /* one call: the same function, Eid and caller in all its holds */
			m = smsr_recorded_answer(s, m2m_ws_hold_fn(h->hold), rec, h->eid, h->caller,
						 h->role);
			built = true;
		}
		m2m_info(SMSR_LOG, "held call '%s' of %s: answered from its record", h->call_id,
			 h->caller);
		m2m_ws_server_complete(h->hold, m); /* NULL: a Receiver fault */
		*ph = h->next;
		held_free(h);
	}
	m2m_ws_msg_free(m);
}
