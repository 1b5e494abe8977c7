/* The per-eUICC slots (hash table by EID), their command queues, the trigger wait with its
 * retries, and the queue half of the public API (enqueue, cancel, abort). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/log.h"
#include "smsr/scp81_server_int.h"

#define BUCKETS_MIN 64

static size_t hash_eid(const uint8_t eid[16])
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (size_t i = 0; i < M2M_SCP81_EID_LEN; i++)
		h = (h ^ eid[i]) * 1099511628211ull;
	return (size_t)(h ^ (h >> 32));
}

m2m_err m2m_scp81_slots_init(m2m_scp81_server *s)
{
	s->nbuckets = BUCKETS_MIN;
	s->buckets = calloc(s->nbuckets, sizeof *s->buckets);
	return s->buckets != NULL ? M2M_OK : M2M_ERR_NOMEM;
}

scp81_slot *m2m_scp81_slot_find(const m2m_scp81_server *s, const uint8_t eid[16])
{
	scp81_slot *p = s->buckets[hash_eid(eid) & (s->nbuckets - 1)];
	while (p != NULL && memcmp(p->eid, eid, M2M_SCP81_EID_LEN) != 0)
		p = p->next;
	return p;
}

/* Doubles the table when it holds more slots than buckets (a failed grow is harmless). */
static void grow(m2m_scp81_server *s)
{
	size_t n = s->nbuckets * 2;
	scp81_slot **b;

	if (s->nslots <= s->nbuckets || n < s->nbuckets)
		return;
	b = calloc(n, sizeof *b);
	if (b == NULL)
		return;
	for (size_t i = 0; i < s->nbuckets; i++) {
		scp81_slot *p = s->buckets[i], *next;
		for (; p != NULL; p = next) {
			size_t k = hash_eid(p->eid) & (n - 1);
			next = p->next;
			p->next = b[k];
			b[k] = p;
		}
	}
	free(s->buckets);
	s->buckets = b;
	s->nbuckets = n;
}

static void slot_free(scp81_slot *slot)
{
	if (slot->timer != NULL)
		event_free(slot->timer);
	if (slot->life != NULL)
		event_free(slot->life);
	free(slot);
}

static m2m_err slot_new(m2m_scp81_server *s, const uint8_t eid[16], scp81_slot **out)
{
	scp81_slot *slot;
	size_t k;

	if (s->nslots >= s->max_euiccs)
		return M2M_ERR_UNSUPPORTED;
	slot = calloc(1, sizeof *slot);
	if (slot == NULL)
		return M2M_ERR_NOMEM;
	slot->srv = s;
	memcpy(slot->eid, eid, M2M_SCP81_EID_LEN);
	slot->timer = evtimer_new(s->base, m2m_scp81_session_on_timer, slot);
	slot->life = evtimer_new(s->base, m2m_scp81_session_on_life, slot);
	if (slot->timer == NULL || slot->life == NULL) {
		slot_free(slot);
		return M2M_ERR_NOMEM;
	}
	k = hash_eid(eid) & (s->nbuckets - 1);
	slot->next = s->buckets[k];
	s->buckets[k] = slot;
	s->nslots++;
	grow(s);
	*out = slot;
	return M2M_OK;
}

m2m_err m2m_scp81_slot_get(m2m_scp81_server *s, const uint8_t eid[16], scp81_slot **out)
{
	*out = m2m_scp81_slot_find(s, eid);
	return *out != NULL ? M2M_OK : slot_new(s, eid, out);
}

void m2m_scp81_slot_gc(scp81_slot *slot)
{
	m2m_scp81_server *s = slot->srv;
	scp81_slot **pp;

	if (slot->busy > 0 || slot->queued > 0 || slot->inflight != NULL || slot->in_session)
		return;
	pp = &s->buckets[hash_eid(slot->eid) & (s->nbuckets - 1)];
	while (*pp != NULL && *pp != slot)
		pp = &(*pp)->next;
	if (*pp == slot) {
		*pp = slot->next;
		s->nslots--;
	}
	slot_free(slot);
}

void m2m_scp81_cmd_free(scp81_cmd *cmd)
{
	if (cmd == NULL)
		return;
	m2m_buf_free(&cmd->script);
	free(cmd);
}

void m2m_scp81_cmd_complete(scp81_cmd *cmd, const uint8_t eid[16], m2m_scp81_cmd_result r,
			    m2m_scp81_script_status st, const uint8_t *resp, size_t len,
			    bool sent, const char *reason)
{
	static const uint8_t empty[1];
	m2m_scp81_completion c;

	memset(&c, 0, sizeof c);
	c.id = cmd->id;
	memcpy(c.eid, eid, M2M_SCP81_EID_LEN);
	c.result = r;
	c.status = st;
	c.response = resp != NULL ? resp : empty;
	c.response_len = resp != NULL ? len : 0;
	c.sent = sent;
	c.reason = r == M2M_SCP81_CMD_ANSWERED ? NULL : reason;
	if (cmd->done != NULL)
		cmd->done(cmd->arg, &c);
	m2m_scp81_cmd_free(cmd);
}

void m2m_scp81_timer_arm(struct event *ev, unsigned ms)
{
	struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
	evtimer_add(ev, &tv);
}

scp81_cmd *m2m_scp81_slot_pop(scp81_slot *slot)
{
	scp81_cmd *c = slot->head;

	if (c == NULL)
		return NULL;
	slot->head = c->next;
	if (slot->head == NULL)
		slot->tail = NULL;
	c->next = NULL;
	slot->queued--;
	return c;
}

void m2m_scp81_slot_fail_queued(scp81_slot *slot, m2m_scp81_cmd_result result,
				const char *reason)
{
	scp81_cmd *list = slot->head, *next;

	/* Detached first: the callbacks may enqueue for this eUICC again. */
	slot->head = slot->tail = NULL;
	slot->queued = 0;
	if (!slot->in_session) {
		slot->triggered = false;
		evtimer_del(slot->timer);
	}
	slot->busy++;
	for (; list != NULL; list = next) {
		next = list->next;
		m2m_scp81_cmd_complete(list, slot->eid, result, M2M_SCP81_SS_NONE, NULL, 0, false,
				       reason);
	}
	slot->busy--;
}

void m2m_scp81_slot_trigger(scp81_slot *slot)
{
	m2m_scp81_server *s = slot->srv;
	char eid[2 * M2M_SCP81_EID_LEN + 1];
	char reason[SCP81_REASON_MAX];

	if (slot->queued == 0 || slot->in_session || s->closing)
		return;
	m2m_hex_encode(slot->eid, M2M_SCP81_EID_LEN, eid);
	if (slot->triggers > s->trigger_retries) {
		snprintf(reason, sizeof reason,
			 "no SCP81 session: the eUICC did not connect after %u trigger(s) "
			 "(%u ms each)",
			 slot->triggers, s->trigger_timeout_ms);
		m2m_warn(SCP81_LOG, "%s: %s", eid, reason);
		m2m_scp81_slot_fail_queued(slot, M2M_SCP81_CMD_FAILED, reason);
		return;
	}
	slot->triggers++;
	slot->triggered = true;
	m2m_scp81_timer_arm(slot->timer, s->trigger_timeout_ms);
	m2m_info(SCP81_LOG, "%s: trigger %u (%zu command(s) queued)", eid, slot->triggers,
		 slot->queued);
	slot->busy++;
	s->need_trigger(s->arg, slot->eid, slot->triggers);
	slot->busy--;
}

static m2m_err enqueue_args(const m2m_scp81_server *s, const uint8_t *eid,
			    const m2m_scp81_aid *target, const uint8_t *script, size_t len)
{
	if (s == NULL || eid == NULL || script == NULL || len == 0)
		return M2M_ERR_ARG;
	if (target != NULL && (target->len < M2M_SCP81_AID_MIN || target->len > M2M_SCP81_AID_MAX))
		return M2M_ERR_ARG;
	if (s->closing)
		return M2M_ERR_STATE;
	return len > s->max_body ? M2M_ERR_UNSUPPORTED : M2M_OK;
}

static m2m_err cmd_new(m2m_scp81_server *s, const m2m_scp81_aid *target, const uint8_t *script,
		       size_t len, m2m_scp81_server_done_fn done, void *arg, scp81_cmd **out)
{
	scp81_cmd *c = calloc(1, sizeof *c);

	if (c == NULL)
		return M2M_ERR_NOMEM;
	m2m_buf_init(&c->script);
	if (m2m_buf_append(&c->script, script, len) != M2M_OK) {
		m2m_scp81_cmd_free(c);
		return M2M_ERR_NOMEM;
	}
	c->id = ++s->next_id;
	if (target != NULL) {
		c->has_target = true;
		c->target = *target;
	}
	c->done = done;
	c->arg = arg;
	*out = c;
	return M2M_OK;
}

m2m_err m2m_scp81_server_enqueue(m2m_scp81_server *s, const uint8_t eid[M2M_SCP81_EID_LEN],
				 const m2m_scp81_aid *target, const uint8_t *script, size_t len,
				 m2m_scp81_server_done_fn done, void *arg, uint64_t *id)
{
	scp81_slot *slot;
	scp81_cmd *c = NULL;
	m2m_err err = enqueue_args(s, eid, target, script, len);

	if (err != M2M_OK)
		return err;
	slot = m2m_scp81_slot_find(s, eid);
	if (slot == NULL && (err = slot_new(s, eid, &slot)) != M2M_OK)
		return err;
	if (slot->queued + (slot->inflight != NULL) >= s->max_queue)
		err = M2M_ERR_UNSUPPORTED;
	else
		err = cmd_new(s, target, script, len, done, arg, &c);
	if (err != M2M_OK) {
		m2m_scp81_slot_gc(slot);
		return err;
	}
	if (slot->tail != NULL)
		slot->tail->next = c;
	else
		slot->head = c;
	slot->tail = c;
	slot->queued++;
	if (id != NULL)
		*id = c->id;
	/* A parked POST takes it now; in a session the card fetches it with its next POST;
	 * after a trigger, it will. */
	slot->busy++;
	if (slot->parked != NULL)
		m2m_scp81_session_resume(s, slot);
	else if (!slot->in_session && !slot->triggered)
		m2m_scp81_slot_trigger(slot);
	slot->busy--;
	m2m_scp81_slot_gc(slot);
	return M2M_OK;
}

m2m_err m2m_scp81_server_linger(m2m_scp81_server *s, const uint8_t eid[M2M_SCP81_EID_LEN],
				unsigned ms)
{
	scp81_slot *slot;
	m2m_err err;

	if (s == NULL || eid == NULL)
		return M2M_ERR_ARG;
	slot = m2m_scp81_slot_find(s, eid);
	if (slot == NULL && ms == 0)
		return M2M_OK;
	if (slot == NULL && (err = slot_new(s, eid, &slot)) != M2M_OK)
		return err;
	slot->linger_ms = ms;
	/* A slot made for the setting alone stays until the command that follows is queued. */
	return M2M_OK;
}

m2m_err m2m_scp81_server_cancel(m2m_scp81_server *s, const uint8_t eid[M2M_SCP81_EID_LEN],
				uint64_t id)
{
	scp81_slot *slot = s != NULL && eid != NULL ? m2m_scp81_slot_find(s, eid) : NULL;
	scp81_cmd **pp, *prev = NULL;

	if (slot == NULL)
		return s == NULL || eid == NULL ? M2M_ERR_ARG : M2M_ERR_TLV_NOT_FOUND;
	if (slot->inflight != NULL && slot->inflight->id == id)
		return M2M_ERR_STATE;
	for (pp = &slot->head; *pp != NULL && (*pp)->id != id; pp = &(*pp)->next)
		prev = *pp;
	if (*pp == NULL)
		return M2M_ERR_TLV_NOT_FOUND;
	scp81_cmd *c = *pp;
	*pp = c->next;
	if (slot->tail == c)
		slot->tail = prev;
	slot->queued--;
	m2m_scp81_cmd_free(c);
	if (slot->queued == 0 && !slot->in_session) {
		slot->triggered = false; /* nothing left to fetch: stop waiting */
		evtimer_del(slot->timer);
	}
	m2m_scp81_slot_gc(slot);
	return M2M_OK;
}

void m2m_scp81_server_abort(m2m_scp81_server *s, const uint8_t eid[M2M_SCP81_EID_LEN],
			    const char *reason)
{
	scp81_slot *slot = s != NULL && eid != NULL ? m2m_scp81_slot_find(s, eid) : NULL;
	scp81_cmd *c;

	if (slot == NULL)
		return;
	if (reason == NULL)
		reason = "aborted by the SM-SR";
	c = slot->inflight;
	slot->inflight = NULL;
	slot->in_session = false;
	slot->triggered = false;
	slot->linger_ms = 0;
	m2m_scp81_session_release(slot);
	evtimer_del(slot->timer);
	evtimer_del(slot->life);
	slot->busy++;
	if (c != NULL)
		m2m_scp81_cmd_complete(c, slot->eid, M2M_SCP81_CMD_CANCELLED, M2M_SCP81_SS_NONE,
				       NULL, 0, true, reason);
	m2m_scp81_slot_fail_queued(slot, M2M_SCP81_CMD_CANCELLED, reason);
	slot->busy--;
	m2m_scp81_slot_gc(slot);
}

size_t m2m_scp81_server_pending(const m2m_scp81_server *s,
				const uint8_t eid[M2M_SCP81_EID_LEN])
{
	const scp81_slot *slot = s != NULL && eid != NULL ? m2m_scp81_slot_find(s, eid) : NULL;
	return slot != NULL ? slot->queued + (slot->inflight != NULL) : 0;
}

bool m2m_scp81_server_in_session(const m2m_scp81_server *s,
				 const uint8_t eid[M2M_SCP81_EID_LEN])
{
	const scp81_slot *slot = s != NULL && eid != NULL ? m2m_scp81_slot_find(s, eid) : NULL;
	return slot != NULL && slot->in_session;
}

size_t m2m_scp81_server_idle_sessions(const m2m_scp81_server *s,
				      uint8_t (*eids)[M2M_SCP81_EID_LEN], size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; s != NULL && s->buckets != NULL && i < s->nbuckets && n < cap; i++)
		for (const scp81_slot *p = s->buckets[i]; p != NULL && n < cap; p = p->next)
			if (p->in_session && p->inflight == NULL && p->queued == 0)
				memcpy(eids[n++], p->eid, M2M_SCP81_EID_LEN);
	return n;
}

void m2m_scp81_slots_free(m2m_scp81_server *s)
{
	if (s->buckets == NULL)
		return;
	for (size_t i = 0; i < s->nbuckets; i++) {
		while (s->buckets[i] != NULL) {
			scp81_slot *slot = s->buckets[i];
			/* Held while its callbacks run, then unlinked here (nothing is added). */
			slot->busy++;
			m2m_scp81_server_abort(s, slot->eid, "SCP81 server stopped");
			s->buckets[i] = slot->next;
			s->nslots--;
			slot_free(slot);
		}
	}
	free(s->buckets);
	s->buckets = NULL;
}
