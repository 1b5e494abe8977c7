/* One SCP81 session per eUICC: the first POST opens it, each response POST completes the
 * script in flight, the next queued script goes out in the answer, 204 ends it. The step and
 * session timers end a session the card abandoned; a failed session re-triggers the rest. */
#include <stdio.h>
#include <string.h>

#include "core/hex.h"
#include "core/log.h"
#include "smsr/scp81_server_int.h"

static const char *eid_text(const uint8_t eid[16], char out[2 * M2M_SCP81_EID_LEN + 1])
{
	m2m_hex_encode(eid, M2M_SCP81_EID_LEN, out);
	return out;
}

void m2m_scp81_session_release(scp81_slot *slot)
{
	m2m_http_deferred *d = slot->parked;

	if (d == NULL)
		return;
	slot->parked = NULL;
	m2m_scp81_http_end(m2m_http_deferred_response(d));
	m2m_http_deferred_finish(d);
}

static void end_session(scp81_slot *slot)
{
	slot->in_session = false;
	evtimer_del(slot->timer);
	evtimer_del(slot->life);
	slot->linger_ms = 0;
	m2m_scp81_session_release(slot);
}

/* Completes the script in flight as FAILED and forgets the session. */
static void fail_inflight(scp81_slot *slot, const char *reason)
{
	scp81_cmd *c = slot->inflight;
	char eid[2 * M2M_SCP81_EID_LEN + 1];

	m2m_warn(SCP81_LOG, "%s: session ended: %s", eid_text(slot->eid, eid), reason);
	slot->inflight = NULL;
	end_session(slot);
	slot->busy++;
	if (c != NULL)
		m2m_scp81_cmd_complete(c, slot->eid, M2M_SCP81_CMD_FAILED, M2M_SCP81_SS_NONE, NULL,
				       0, true, reason);
	slot->busy--;
}

void m2m_scp81_session_fail(scp81_slot *slot, const char *reason)
{
	slot->busy++;
	fail_inflight(slot, reason);
	/* What is still queued needs a new session. */
	if (!slot->in_session && !slot->triggered)
		m2m_scp81_slot_trigger(slot);
	slot->busy--;
	m2m_scp81_slot_gc(slot);
}

/* Nothing queued and the eUICC lingers: the reply waits for the next command (inside the
 * request handler only). False when the exchange cannot be held. */
static bool park(scp81_slot *slot, m2m_http_response *resp)
{
	char eid[2 * M2M_SCP81_EID_LEN + 1];
	m2m_http_deferred *d;

	if (slot->linger_ms == 0 || slot->parked != NULL ||
	    (d = m2m_http_response_defer(resp)) == NULL)
		return false;
	slot->parked = d;
	m2m_scp81_timer_arm(slot->timer, slot->linger_ms);
	m2m_debug(SCP81_LOG, "%s: lingering up to %u ms for the next command",
		  eid_text(slot->eid, eid), slot->linger_ms);
	return true;
}

/* The answer to a POST of an open session: the next script, or 204 (or, for a response POST
 * (can_park) of a lingering eUICC, nothing yet). */
static void next_step(m2m_scp81_server *s, scp81_slot *slot, m2m_http_response *resp,
		      bool can_park)
{
	char eid[2 * M2M_SCP81_EID_LEN + 1];
	scp81_cmd *c = slot->in_session ? m2m_scp81_slot_pop(slot) : NULL;

	if (c != NULL) {
		slot->seq++;
		slot->inflight = c;
		if (m2m_scp81_http_script(s, slot, c, resp) == M2M_OK) {
			m2m_scp81_timer_arm(slot->timer, s->step_timeout_ms);
			m2m_debug(SCP81_LOG, "%s: script #%u (%zu bytes) sent",
				  eid_text(slot->eid, eid), slot->seq, c->script.len);
			return;
		}
		/* Not sent: back to the head of the queue, for a new session. */
		slot->inflight = NULL;
		slot->seq--;
		c->next = slot->head;
		slot->head = c;
		if (slot->tail == NULL)
			slot->tail = c;
		slot->queued++;
		m2m_scp81_http_error(resp, 500, "cannot build the answer");
		m2m_scp81_session_fail(slot, "out of memory building the HTTP answer");
		return;
	}
	if (slot->in_session && can_park && park(slot, resp))
		return;
	if (slot->in_session)
		m2m_info(SCP81_LOG, "%s: session done after %u script(s)",
			 eid_text(slot->eid, eid), slot->seq);
	end_session(slot);
	m2m_scp81_http_end(resp);
	m2m_scp81_slot_gc(slot);
}

/* Opens the slot's session: a script still in flight from a lost session fails first. */
static void open_session(m2m_scp81_server *s, scp81_slot *slot, const m2m_http_request *req)
{
	char reason[SCP81_REASON_MAX], hex[2 * M2M_SCP81_EID_LEN + 1];

	if (slot->inflight != NULL) {
		snprintf(reason, sizeof reason,
			 "the eUICC opened a new session before answering script #%u "
			 "(previous session lost; the script may have run)",
			 slot->seq);
		/* No trigger for what the callback queues: the card is here. */
		slot->triggered = true;
		fail_inflight(slot, reason);
	}
	/* A POST parked in the lost session gets its 204 (dropped if that connection is gone). */
	m2m_scp81_session_release(slot);
	evtimer_del(slot->timer);
	slot->triggered = false;
	slot->in_session = true;
	slot->session = s->next_session++;
	slot->seq = 0;
	m2m_scp81_timer_arm(slot->life, s->session_timeout_ms);
	m2m_info(SCP81_LOG, "%s: session opened (%s)%s", eid_text(slot->eid, hex), req->uri,
		 m2m_http_request_header(req, "X-Admin-Resume") != NULL ? ", resume asked" : "");
}

/* The session is open: the notification goes to the SM-SR, whose callback may queue the
 * confirmation for this very session. */
static void notify(m2m_scp81_server *s, scp81_slot *slot, const m2m_buf *e1)
{
	char hex[2 * M2M_SCP81_EID_LEN + 1];

	m2m_info(SCP81_LOG, "%s: notification over HTTPS (%zu bytes)", eid_text(slot->eid, hex),
		 e1->len);
	slot->busy++;
	s->notif(s->notif_arg, slot->eid, e1->data, e1->len);
	slot->busy--;
}

void m2m_scp81_session_first(m2m_scp81_server *s, const uint8_t eid[16],
			     const m2m_http_request *req, m2m_http_response *resp)
{
	scp81_slot *slot = m2m_scp81_slot_find(s, eid);
	const char *why = NULL;
	char hex[2 * M2M_SCP81_EID_LEN + 1];
	m2m_buf e1;

	m2m_buf_init(&e1);
	if (m2m_scp81_http_check(req, eid, &why) != M2M_OK) {
		m2m_scp81_http_error(resp, 400, why);
		goto out;
	}
	/* Without a notification callback a first POST carries nothing. */
	if (s->notif == NULL && req->body_len > 0) {
		m2m_scp81_http_error(resp, 400, "a POST without X-Admin-Script-Status has no body");
		goto out;
	}
	if (m2m_scp81_notif_of(req, &e1, &why) != M2M_OK || (e1.len > 0 && s->notif == NULL)) {
		m2m_scp81_http_error(resp, 400, why != NULL ? why :
				     "notifications over HTTPS are not served here");
		goto out;
	}
	if (slot == NULL && e1.len == 0) {
		m2m_info(SCP81_LOG, "%s: POST with nothing queued: 204", eid_text(eid, hex));
		m2m_scp81_http_end(resp);
		goto out;
	}
	if (slot == NULL && m2m_scp81_slot_get(s, eid, &slot) != M2M_OK) {
		m2m_scp81_http_error(resp, 503, "too many eUICCs with work in progress");
		goto out;
	}
	slot->busy++;
	open_session(s, slot, req);
	if (e1.len > 0)
		notify(s, slot, &e1);
	slot->busy--;
	next_step(s, slot, resp, false); /* a fetch is never parked */
out:
	m2m_buf_free(&e1);
}

/* The response POST's URI names the open session and the script in flight. */
static bool belongs(const m2m_scp81_server *s, const scp81_slot *slot, const char *uri,
		    uint32_t *seq)
{
	uint64_t session = 0;

	return m2m_scp81_http_parse_uri(s, uri, &session, seq) && slot != NULL &&
	       slot->in_session && slot->inflight != NULL && slot->session == session;
}

void m2m_scp81_session_response(m2m_scp81_server *s, const uint8_t eid[16],
				const m2m_http_request *req, m2m_http_response *resp)
{
	scp81_slot *slot = m2m_scp81_slot_find(s, eid);
	m2m_scp81_script_status st = M2M_SCP81_SS_NONE;
	scp81_cmd *c;
	uint32_t seq = 0;
	const char *why = NULL;
	char reason[SCP81_REASON_MAX];

	if (!belongs(s, slot, req->uri, &seq)) {
		m2m_scp81_http_error(resp, 400, "no open SCP81 session for this URI");
		return;
	}
	if (seq != slot->seq) {
		snprintf(reason, sizeof reason,
			 "response for the wrong command: POST for script #%u while #%u is in "
			 "flight",
			 seq, slot->seq);
		m2m_scp81_http_error(resp, 400, reason);
		m2m_scp81_session_fail(slot, reason);
		return;
	}
	if (m2m_scp81_http_check(req, eid, &why) != M2M_OK ||
	    m2m_scp81_http_status(req, &st, &why) != M2M_OK ||
	    m2m_scp81_http_response_type(req, &why) != M2M_OK) {
		snprintf(reason, sizeof reason, "malformed response to script #%u: %s", seq, why);
		m2m_scp81_http_error(resp, 400, reason);
		m2m_scp81_session_fail(slot, reason);
		return;
	}
	c = slot->inflight;
	slot->inflight = NULL;
	slot->triggers = 0;
	evtimer_del(slot->timer);
	slot->busy++;
	/* Before the next step: the callback may queue a script that depends on this answer. */
	m2m_scp81_cmd_complete(c, eid, M2M_SCP81_CMD_ANSWERED, st, req->body, req->body_len, true,
			       NULL);
	slot->busy--;
	next_step(s, slot, resp, true);
}

void m2m_scp81_session_resume(m2m_scp81_server *s, scp81_slot *slot)
{
	m2m_http_deferred *d = slot->parked;

	if (d == NULL)
		return;
	slot->parked = NULL;
	evtimer_del(slot->timer);
	if (!m2m_http_deferred_alive(d)) {
		m2m_http_deferred_finish(d);
		/* The card hung up while we waited: what is queued needs a new session. */
		m2m_scp81_session_fail(slot, "connection closed while lingering");
		return;
	}
	slot->busy++;
	next_step(s, slot, m2m_http_deferred_response(d), false);
	slot->busy--;
	m2m_http_deferred_finish(d);
}

void m2m_scp81_session_on_timer(evutil_socket_t fd, short what, void *arg)
{
	scp81_slot *slot = arg;
	char reason[SCP81_REASON_MAX];

	(void)fd, (void)what;
	if (slot->parked != NULL) {
		m2m_info(SCP81_LOG, "%s: linger over after script #%u: 204",
			 eid_text(slot->eid, reason), slot->seq);
		end_session(slot);
		m2m_scp81_slot_gc(slot);
		return;
	}
	if (slot->in_session && slot->inflight != NULL) {
		snprintf(reason, sizeof reason,
			 "no response to script #%u within %u ms: session lost (connection "
			 "dropped or card stalled)",
			 slot->seq, slot->srv->step_timeout_ms);
		m2m_scp81_session_fail(slot, reason);
		return;
	}
	/* The trigger wait is over: trigger again, or give up. */
	slot->triggered = false;
	slot->busy++;
	m2m_scp81_slot_trigger(slot);
	slot->busy--;
	m2m_scp81_slot_gc(slot);
}

void m2m_scp81_session_on_life(evutil_socket_t fd, short what, void *arg)
{
	scp81_slot *slot = arg;
	char reason[SCP81_REASON_MAX];

	(void)fd, (void)what;
	if (!slot->in_session)
		return;
	snprintf(reason, sizeof reason, "session time-out: still open after %u ms",
		 slot->srv->session_timeout_ms);
	m2m_scp81_session_fail(slot, reason);
}
