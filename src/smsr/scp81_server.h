/*
 * The SM-SR's SCP81 admin server: ES5 over HTTPS (GP Amendment B "RAM over HTTP" as SGP.02
 * profiles it). A TLS 1.2 PSK HTTPS endpoint (net/http_server) with a per-eUICC command queue:
 *
 *   enqueue(EID, target, script) -> need_trigger(EID) -> the SM-SR sends the trigger SMS
 *   (m2m_scp81_server_trigger_build, wrapped in SCP80 by the SMS bearer) -> the card opens
 *   TLS-PSK and POSTs (no body) -> 200 + next script -> POST with the response script
 *   (X-Admin-Script-Status) -> done(callback) -> next script ... -> 204 No Content.
 *
 * Scripts and responses are opaque bytes (AE 80 ... 00 00 / AF 80 ... 00 00, or SCP03t TLVs
 * for an ISD-P). Every function, and every callback, runs on the event loop's thread;
 * callbacks may enqueue, cancel or abort, but never free the server. docs/scp81-server.md.
 */
#ifndef M2M_SMSR_SCP81_SERVER_H
#define M2M_SMSR_SCP81_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "card/scp81.h"
#include "core/buf.h"
#include "core/err.h"

/* Defaults of m2m_scp81_server_opts (0 selects them). */
#define M2M_SCP81_SERVER_URI_BASE "/scp81"
#define M2M_SCP81_SERVER_TRIGGER_TIMEOUT_MS 120000u /* njiwa ram_retry_timeout */
#define M2M_SCP81_SERVER_TRIGGER_RETRIES 3u
#define M2M_SCP81_SERVER_STEP_TIMEOUT_MS 60000u
#define M2M_SCP81_SERVER_SESSION_TIMEOUT_MS 900000u
#define M2M_SCP81_SERVER_MAX_QUEUE 64u              /* commands per eUICC */
#define M2M_SCP81_SERVER_MAX_EUICCS 100000u         /* eUICCs with queued work */
#define M2M_SCP81_SERVER_URI_MAX 96                 /* the card keeps 127 characters */

typedef struct m2m_scp81_server m2m_scp81_server;

/* Resolves a TLS-PSK identity to its eUICC. identity is the NUL-terminated text the card sent;
 * id its SGP.02 form (80 01 02 | 81 EID | 4F ISD-R | 82 KID | 83 KVN) or NULL when it has
 * another format. Fills eid and, when key is not NULL, the PSK (at most cap bytes, length in
 * *key_len). Anything but M2M_OK refuses the identity: the handshake fails (unknown_psk_identity)
 * or the request gets 403. For an SGP.02 identity, eid must be the identity's EID. Called for
 * each handshake (key set) and each request (key NULL). */
typedef m2m_err (*m2m_scp81_server_psk_fn)(void *arg, const char *identity,
					   const m2m_scp81_psk_id *id,
					   uint8_t eid[M2M_SCP81_EID_LEN], uint8_t *key,
					   size_t cap, size_t *key_len);

/* Commands are queued and no session is open: send the trigger SMS. attempt counts from 1
 * and is reset when the card answers a command; after 1 + trigger_retries attempts without
 * a session the queued commands fail instead. */
typedef void (*m2m_scp81_server_trigger_fn)(void *arg, const uint8_t eid[M2M_SCP81_EID_LEN],
					    unsigned attempt);

typedef enum {
	M2M_SCP81_CMD_ANSWERED = 0, /* the card POSTed a response: status and response below */
	M2M_SCP81_CMD_FAILED,       /* no answer (time-out, session lost, protocol error) */
	M2M_SCP81_CMD_CANCELLED,    /* aborted by the caller or the server was freed */
} m2m_scp81_cmd_result;

typedef struct {
	uint64_t id;                       /* from m2m_scp81_server_enqueue */
	uint8_t eid[M2M_SCP81_EID_LEN];
	m2m_scp81_cmd_result result;
	m2m_scp81_script_status status;    /* ANSWERED: X-Admin-Script-Status */
	const uint8_t *response;           /* ANSWERED: the body (maybe empty); never NULL */
	size_t response_len;
	bool sent;                         /* the script reached the card: it may have run */
	const char *reason;                /* not ANSWERED: why, in English; else NULL */
} m2m_scp81_completion;

/* Called once per command; the completion (and its bytes) is valid during the call only. */
typedef void (*m2m_scp81_server_done_fn)(void *arg, const m2m_scp81_completion *c);

typedef struct {
	const char *address;         /* NULL = "127.0.0.1" */
	uint16_t port;               /* 0 = ephemeral (m2m_scp81_server_port) */
	const char *ciphers;         /* NULL = M2M_TLS_PSK_CIPHERS */
	m2m_scp81_server_psk_fn psk; /* required */
	m2m_scp81_server_trigger_fn need_trigger; /* required */
	void *arg;                   /* for psk and need_trigger */
	const char *uri_base;        /* X-Admin-Next-URI prefix; NULL = M2M_SCP81_SERVER_URI_BASE */
	const uint8_t *isdr_aid;     /* the ISD-R's AID for X-Admin-Targeted-Application; */
	size_t isdr_aid_len;         /*   NULL = the SGP.02 AID A0000005591010FFFFFFFF8900000100 */
	bool no_chunked;             /* answer with Content-Length instead of chunked bodies */
	unsigned trigger_timeout_ms; /* wait for the card's first POST after a trigger */
	int trigger_retries;         /* re-triggers before the queue fails; < 0 = none */
	unsigned step_timeout_ms;    /* wait for the response POST to a script */
	unsigned session_timeout_ms; /* whole session, first POST to 204 */
	size_t max_queue;            /* per eUICC, in flight included */
	size_t max_euiccs;           /* eUICCs with queued commands or a session */
	size_t max_body;             /* largest response script; 0 = M2M_SCP81_BODY_MAX */
} m2m_scp81_server_opts;

m2m_err m2m_scp81_server_new(struct event_base *base, const m2m_scp81_server_opts *o,
			     m2m_scp81_server **out);
uint16_t m2m_scp81_server_port(const m2m_scp81_server *s);
/* Closes the listener; queued and in-flight commands complete as CANCELLED first. */
void m2m_scp81_server_free(m2m_scp81_server *s);

/* Queues a script for an eUICC. target: the ISD-P the script is for (sent as
 * X-Admin-Targeted-Application), NULL = the ISD-R. The script is copied (1..max_body bytes).
 * *id (may be NULL) gets the command's id. need_trigger is called from here when the eUICC
 * has no session open and nothing was queued before. M2M_ERR_UNSUPPORTED: script too large,
 * queue or table full. */
m2m_err m2m_scp81_server_enqueue(m2m_scp81_server *s, const uint8_t eid[M2M_SCP81_EID_LEN],
				 const m2m_scp81_aid *target, const uint8_t *script, size_t len,
				 m2m_scp81_server_done_fn done, void *arg, uint64_t *id);
/* Removes a command not yet sent (its callback is not called). M2M_ERR_STATE: in flight;
 * M2M_ERR_TLV_NOT_FOUND: unknown (already completed). */
m2m_err m2m_scp81_server_cancel(m2m_scp81_server *s, const uint8_t eid[M2M_SCP81_EID_LEN],
				uint64_t id);
/* Completes every command of the eUICC as CANCELLED with reason (e.g. the trigger SMS could
 * not be delivered) and forgets its session; a later POST of that session gets 400. */
void m2m_scp81_server_abort(m2m_scp81_server *s, const uint8_t eid[M2M_SCP81_EID_LEN],
			    const char *reason);
/* Keeps the eUICC's session open between commands (ES3.SendData with MoreToDo: the card's
 * ES8 state lives as long as its SCP81 session). While ms > 0, a response POST that finds
 * nothing queued is not answered at once: the reply waits until a command is enqueued for
 * the eUICC (it goes out on that exchange) or ms have passed (204, the session ends). ms 0
 * stops lingering after the next response (a POST already parked still waits for its
 * command or its time). The setting is forgotten when the session ends. Keep ms below the
 * card's HTTP time-out. */
m2m_err m2m_scp81_server_linger(m2m_scp81_server *s, const uint8_t eid[M2M_SCP81_EID_LEN],
				unsigned ms);
/* Commands queued or in flight for the eUICC. */
size_t m2m_scp81_server_pending(const m2m_scp81_server *s,
				const uint8_t eid[M2M_SCP81_EID_LEN]);
/* A session (first POST seen, no 204 yet) is open for the eUICC. */
bool m2m_scp81_server_in_session(const m2m_scp81_server *s,
				 const uint8_t eid[M2M_SCP81_EID_LEN]);
/* Up to cap eUICCs whose session is open with nothing queued or in flight (lingering, or
 * between a response and the next command) into eids; returns how many. */
size_t m2m_scp81_server_idle_sessions(const m2m_scp81_server *s,
				      uint8_t (*eids)[M2M_SCP81_EID_LEN], size_t cap);

/* ---- notifications over HTTPS (scp81_server_notif.c) ----------------------------------- */

/* A notification the eUICC sent in a session it opened by itself: the first POST of the
 * session (no X-Admin-Script-Status) with the E1 TLV hex-encoded in the query,
 * `?msg=<hex>` (njiwa, sgp02-facts.md 2.3), or as the request body. eid comes from the PSK
 * identity; e1 is one complete E1 TLV (valid during the call only). The callback may
 * enqueue for the eUICC (the 3A08 confirmation): the session then goes on with what is
 * queued, without a trigger, else it ends with 204. */
typedef void (*m2m_scp81_server_notif_fn)(void *arg, const uint8_t eid[M2M_SCP81_EID_LEN],
					  const uint8_t *e1, size_t len);

/* Installs (fn NULL: removes) the notification callback. Without one, a first POST carrying a
 * notification gets 400, as any first POST with a body did before. */
void m2m_scp81_server_set_notification(m2m_scp81_server *s, m2m_scp81_server_notif_fn fn,
				       void *arg);

/* ---- the trigger (scp81_server_trigger.c) ---------------------------------------------- */

/* What goes into the administration session triggering parameters (sgp02-bearers.md 2.1).
 * Everything is optional; with nothing set the trigger is 81 00 (card defaults). */
typedef struct {
	/* 84: OPEN CHANNEL (TS 102 223) for TCP client mode to the admin server, as njiwa and
	 * whty send it: 35 01 03 | 39 02 buffer | [47 APN] | 3C 03 02 port | 3E 21 IPv4 or 57 IPv6.
	 * ip_len 0 = no 84. */
	uint8_t ip[16];
	size_t ip_len;               /* 4 or 16 */
	uint16_t port;
	uint16_t buffer_size;        /* 0 = 1280 (whty) */
	const char *apn;             /* dotted, sent as DNS labels; NULL = none */
	/* 85: the PSK-TLS key set (KVN 40..4F) and key the card must use; psk_id as in the
	 * trigger (pySim layout: Lpskid pskid 02 KVN KID), may be empty. */
	bool has_psk;
	uint8_t kvn;
	uint8_t kid;
	const uint8_t *psk_id;
	size_t psk_id_len;
	/* 86: retry policy: counter, TS 102 223 timer value (3 bytes as sent), 87 = report. */
	bool has_retry;
	uint16_t retry_counter;
	uint8_t retry_timer[3];
	bool retry_report;
	/* 89: 8A Host header, 8B agent id, 8C URI of the first POST; NULL = absent. */
	const char *host;
	const char *agent_id;
	const char *uri;
} m2m_scp81_server_trigger;

/* Appends the 81 TLV: the SCP80 secured data the SMS bearer sends to the ISD-R (TAR 000001),
 * as is, without an AA/22 script around it (njiwa; src/euicc/ota_packet.c looks for 81). */
m2m_err m2m_scp81_server_trigger_build(const m2m_scp81_server_trigger *t, m2m_buf *out);

#endif
