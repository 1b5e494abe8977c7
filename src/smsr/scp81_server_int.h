/*
 * Private to src/smsr/scp81_server*.c: the server, the per-eUICC slot (queue + session) and
 * the helpers the files share. A slot exists while an eUICC has queued work or an open
 * session; it is freed when both are gone and no callback of it is running (busy).
 */
#ifndef M2M_SMSR_SCP81_SERVER_INT_H
#define M2M_SMSR_SCP81_SERVER_INT_H

#include "net/http_server.h"
#include "smsr/scp81_server.h"

#define SCP81_LOG "scp81"
#define SCP81_URI_BASE_MAX 48
#define SCP81_REASON_MAX 160

typedef struct scp81_cmd {
	struct scp81_cmd *next;
	uint64_t id;
	bool has_target;
	m2m_scp81_aid target;
	m2m_buf script;
	m2m_scp81_server_done_fn done;
	void *arg;
} scp81_cmd;

typedef struct scp81_slot {
	struct scp81_slot *next;   /* hash chain */
	m2m_scp81_server *srv;
	uint8_t eid[M2M_SCP81_EID_LEN];
	scp81_cmd *head, *tail;    /* queued, not sent */
	size_t queued;
	scp81_cmd *inflight;       /* sent in the open session, no response yet */
	bool in_session;           /* first POST seen, no 204 yet */
	bool triggered;            /* need_trigger called, waiting for the first POST */
	uint64_t session;          /* token of the open session (in X-Admin-Next-URI) */
	uint32_t seq;              /* number of the script in flight, 1.. */
	unsigned triggers;         /* need_trigger calls since the card last answered */
	unsigned busy;             /* callbacks running: the slot must stay */
	struct event *timer;       /* trigger wait, the step time-out, or the linger */
	struct event *life;        /* session time-out */
	unsigned linger_ms;        /* m2m_scp81_server_linger: park the card's POST this long */
	m2m_http_deferred *parked; /* the card's last POST, unanswered: nothing was queued */
} scp81_slot;

struct m2m_scp81_server {
	struct event_base *base;
	m2m_http_server *http;
	m2m_scp81_server_psk_fn psk;
	m2m_scp81_server_trigger_fn need_trigger;
	void *arg;
	m2m_scp81_server_notif_fn notif;  /* optional */
	void *notif_arg;
	char uri_base[SCP81_URI_BASE_MAX];
	m2m_scp81_aid isdr;
	bool chunked;
	unsigned trigger_timeout_ms;
	unsigned trigger_retries;
	unsigned step_timeout_ms;
	unsigned session_timeout_ms;
	size_t max_queue;
	size_t max_euiccs;
	size_t max_body;
	bool closing;              /* in m2m_scp81_server_free: no new work */
	scp81_slot **buckets;
	size_t nbuckets;           /* a power of two */
	size_t nslots;
	uint64_t next_id;
	uint64_t next_session;     /* random start: a restarted server never reuses a token */
};

/* ---- slots and queue (scp81_server_queue.c) ---- */

m2m_err m2m_scp81_slots_init(m2m_scp81_server *s);
scp81_slot *m2m_scp81_slot_find(const m2m_scp81_server *s, const uint8_t eid[16]);
/* The slot of eid, created when missing (M2M_ERR_UNSUPPORTED: table full). */
m2m_err m2m_scp81_slot_get(m2m_scp81_server *s, const uint8_t eid[16], scp81_slot **out);
/* Frees the slot if it has no work, no session and no running callback. */
void m2m_scp81_slot_gc(scp81_slot *slot);
/* Completes every queued command with result and reason (the slot stays if busy). */
void m2m_scp81_slot_fail_queued(scp81_slot *slot, m2m_scp81_cmd_result result,
				const char *reason);
/* Queued work and no session: calls need_trigger (or fails the queue after the retries). */
void m2m_scp81_slot_trigger(scp81_slot *slot);
scp81_cmd *m2m_scp81_slot_pop(scp81_slot *slot);
/* Calls the command's callback and frees it. */
void m2m_scp81_cmd_complete(scp81_cmd *cmd, const uint8_t eid[16], m2m_scp81_cmd_result r,
			    m2m_scp81_script_status st, const uint8_t *resp, size_t len,
			    bool sent, const char *reason);
void m2m_scp81_cmd_free(scp81_cmd *cmd);
void m2m_scp81_timer_arm(struct event *ev, unsigned ms);
void m2m_scp81_slots_free(m2m_scp81_server *s);

/* ---- sessions (scp81_server_session.c) ---- */

/* The card's POST without X-Admin-Script-Status: opens (or restarts) the session. */
void m2m_scp81_session_first(m2m_scp81_server *s, const uint8_t eid[16],
			     const m2m_http_request *req, m2m_http_response *resp);
/* The card's POST with X-Admin-Script-Status: the response to the script in flight. */
void m2m_scp81_session_response(m2m_scp81_server *s, const uint8_t eid[16],
				const m2m_http_request *req, m2m_http_response *resp);
/* A command was queued while the card's POST is parked: it goes out on that exchange. */
void m2m_scp81_session_resume(m2m_scp81_server *s, scp81_slot *slot);
/* Answers a parked POST with 204 (the session is ending or was replaced). */
void m2m_scp81_session_release(scp81_slot *slot);
/* The in-flight command fails with reason; the session is forgotten. */
void m2m_scp81_session_fail(scp81_slot *slot, const char *reason);
/* The notification of a first POST (scp81_server_notif.c): e1 gets the E1 TLV from
 * `?msg=<hex>` or the body, or stays empty when there is none. M2M_ERR_FORMAT (with *why)
 * for a malformed one. */
m2m_err m2m_scp81_notif_of(const m2m_http_request *req, m2m_buf *e1, const char **why);
/* Timer callbacks (slot as arg). */
void m2m_scp81_session_on_timer(evutil_socket_t fd, short what, void *arg);
void m2m_scp81_session_on_life(evutil_socket_t fd, short what, void *arg);

/* ---- HTTP details (scp81_server_http.c) ---- */

/* Answers with an error status and a one-line text body. */
void m2m_scp81_http_error(m2m_http_response *resp, int code, const char *reason);
/* 200 with the script, Next-URI and Targeted-Application. */
m2m_err m2m_scp81_http_script(const m2m_scp81_server *s, const scp81_slot *slot,
			      const scp81_cmd *cmd, m2m_http_response *resp);
void m2m_scp81_http_end(m2m_http_response *resp);
/* X-Admin-Protocol, X-Admin-From (its EID, when it names one, must be eid), headers not
 * repeated. M2M_OK or an error with *why. */
m2m_err m2m_scp81_http_check(const m2m_http_request *req, const uint8_t eid[16],
			     const char **why);
/* X-Admin-Script-Status, present and known (else an error with *why). */
m2m_err m2m_scp81_http_status(const m2m_http_request *req, m2m_scp81_script_status *st,
			      const char **why);
/* The response's Content-Type, when given, is the script-response type. */
m2m_err m2m_scp81_http_response_type(const m2m_http_request *req, const char **why);
/* Writes the Next-URI of (session, seq) into out (M2M_SCP81_SERVER_URI_MAX bytes). */
void m2m_scp81_http_next_uri(const m2m_scp81_server *s, uint64_t session, uint32_t seq,
			     char *out);
/* Reads a Next-URI back; false when uri is not one of ours. */
bool m2m_scp81_http_parse_uri(const m2m_scp81_server *s, const char *uri, uint64_t *session,
			      uint32_t *seq);

#endif
