/* Repeats (and held calls) whose job another SM-SR process on the same database runs: that
 * process answers the job's own ReplyTo only, so this one learns the end of the call from its
 * function-call record, polled every SMSR_POLL_MS while it has holds or waiters, one query for
 * all of them, and answers them from the record as a repeat of a finished call is answered
 * (docs/smsr.md "FunctionCallIdentifier"). Calls whose job is in flight here are not polled:
 * the job's end answers them at once (smsr_answer, smsr_es3_answer_repeats). Everything runs
 * on the loop thread, and an answered hold or waiter leaves its list, so none is answered
 * twice. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "smsr/smsr_int.h"

typedef struct {
	const char **callers;
	const char **ids;
	size_t n, cap;
} keys;

static bool in_flight_here(const smsr *s, const char *caller, const char *call_id)
{
	for (size_t i = 0; s->slots != NULL && i < smsr_engine_slots(s); i++)
		if (s->slots[i].used && strcmp(s->slots[i].job.caller, caller) == 0 &&
		    strcmp(s->slots[i].job.call_id, call_id) == 0)
			return true;
	return false;
}

/* Adds the key unless it is there already or its job runs here. */
static m2m_err key_add(const smsr *s, keys *k, const char *caller, const char *call_id)
{
	if (call_id[0] == '\0' || in_flight_here(s, caller, call_id))
		return M2M_OK;
	for (size_t i = 0; i < k->n; i++)
		if (strcmp(k->callers[i], caller) == 0 && strcmp(k->ids[i], call_id) == 0)
			return M2M_OK;
	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 16;
		const char **c = realloc(k->callers, cap * sizeof *c);
		if (c == NULL)
			return M2M_ERR_NOMEM;
		k->callers = c;
		const char **d = realloc(k->ids, cap * sizeof *d);
		if (d == NULL)
			return M2M_ERR_NOMEM;
		k->ids = d;
		k->cap = cap;
	}
	k->callers[k->n] = caller;
	k->ids[k->n++] = call_id;
	return M2M_OK;
}

static m2m_err collect(const smsr *s, keys *k)
{
	m2m_err err = M2M_OK;

	for (const smsr_held *h = s->held; h != NULL && err == M2M_OK; h = h->next)
		err = key_add(s, k, h->caller, h->call_id);
	for (const smsr_waiter *w = s->waiters; w != NULL && err == M2M_OK; w = w->next)
		err = key_add(s, k, w->caller, w->call_id);
	return err;
}

static void waiter_free(smsr_waiter *w)
{
	m2m_ws_deferred_clear(&w->d);
	free(w);
}

/* The waiters of rec's call get the recorded answer at their ReplyTo. */
static void answer_waiters(smsr *s, const m2m_store_call *rec)
{
	for (smsr_waiter **pw = &s->waiters; *pw != NULL;) {
		smsr_waiter *w = *pw;
		if (strcmp(w->caller, rec->caller) != 0 || strcmp(w->call_id, rec->call_id) != 0) {
			pw = &w->next;
			continue;
		}
		m2m_ws_msg *m = smsr_recorded_answer(s, w->fn, rec, w->eid, w->caller, w->role);
		m2m_info(SMSR_LOG, "call '%s' of %s: answered to %s from its record", w->call_id,
			 w->caller, w->d.reply_to != NULL ? w->d.reply_to : "");
		if (m != NULL)
			smsr_out_answer(s->out, &w->d, m);
		*pw = w->next;
		waiter_free(w);
	}
}

/* Waiters past their ValidityPeriod: EXPIRED 1.6 / 5.3 at their ReplyTo, as a hold whose
 * time runs out (the job goes on; a later repeat gets its recorded answer). */
static void expire_waiters(smsr *s, int64_t now)
{
	m2m_ws_exec_status stt;

	m2m_ws_status_set(&stt, M2M_WS_EXPIRED, M2M_WS_SUBJ_FUNCTION, M2M_WS_REASON_NO_RESPONSE,
			  NULL, "no answer from the eUICC within the validity period");
	for (smsr_waiter **pw = &s->waiters; *pw != NULL;) {
		smsr_waiter *w = *pw;
		m2m_ws_msg *m = NULL;
		if (w->deadline_ms > now) {
			pw = &w->next;
			continue;
		}
		m2m_info(SMSR_LOG, "call '%s' of %s: validity over while waiting", w->call_id,
			 w->caller);
		if (m2m_ws_response_new((m2m_ws_fn)w->fn, &stt, &m) == M2M_OK)
			smsr_out_answer(s->out, &w->d, m);
		*pw = w->next;
		waiter_free(w);
	}
}

static void poll_once(smsr *s)
{
	keys k = {0};
	m2m_store_call *recs = NULL;
	size_t n = 0;
	m2m_err err = collect(s, &k);

	if (err == M2M_OK && k.n > 0)
		err = m2m_store_call_done_among(s->st, k.callers, k.ids, k.n, &recs, &n);
	if (err != M2M_OK)
		m2m_warn(SMSR_LOG, "call records not polled: %s %s", m2m_strerror(err),
			 m2m_store_errmsg(s->st));
	free(k.callers); /* the keys point into the lists: dropped before they change */
	free(k.ids);
	for (size_t i = 0; i < n; i++) {
		smsr_held_answer_record(s, &recs[i]);
		answer_waiters(s, &recs[i]);
	}
	m2m_store_call_list_free(recs, n);
	expire_waiters(s, m2m_store_now_ms());
}

static bool anything_to_poll(const smsr *s)
{
	if (s->waiters != NULL)
		return true;
	for (const smsr_held *h = s->held; h != NULL; h = h->next)
		if (h->call_id[0] != '\0')
			return true;
	return false;
}

static void on_poll(evutil_socket_t fd, short what, void *arg)
{
	smsr *s = arg;

	(void)fd;
	(void)what;
	poll_once(s);
	if (anything_to_poll(s))
		smsr_poll_arm(s);
}

void smsr_poll_arm(smsr *s)
{
	struct timeval tv = {.tv_sec = SMSR_POLL_MS / 1000,
			     .tv_usec = (SMSR_POLL_MS % 1000) * 1000};

	if (s->stopping || s->base == NULL)
		return;
	if (s->poll == NULL && (s->poll = evtimer_new(s->base, on_poll, s)) == NULL) {
		m2m_warn(SMSR_LOG, "call record poll not started: out of memory");
		return;
	}
	if (!evtimer_pending(s->poll, NULL) && evtimer_add(s->poll, &tv) != 0)
		m2m_warn(SMSR_LOG, "call record poll not armed");
}

void smsr_poll_stop(smsr *s)
{
	if (s->poll != NULL)
		event_free(s->poll);
	s->poll = NULL;
}
