/* The ES web-service endpoint on top of net/http_server.h: routes POST /soap/es<N> (SOAP 1.2,
 * application/soap+xml) and /json/es<N> (application/json), N in 1, 2, 3, 4, 7; parses,
 * routes by wsa:Action, identifies the caller from its TLS client certificate, checks its
 * role, validates the body against the XSD and calls one handler with a uniform m2m_ws_call.
 * The handler answers at once (the response it filled in), or later: the endpoint replies
 * "202 Accepted" and the service posts the response to the caller's ReplyTo (client.h).
 * Notifications and answers arriving as callbacks get "202 Accepted". docs/ws.md. */
#ifndef M2M_WS_SERVER_H
#define M2M_WS_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "core/err.h"
#include "net/http_server.h"
#include "net/tls.h"
#include "ws/functions.h"
#include "ws/msg.h"
#include "ws/schema.h"

typedef enum {
	M2M_WS_SOAP,
	M2M_WS_JSON,
} m2m_ws_binding;

#define M2M_WS_ENTITY_ID_MAX 128

/* Who called: the verified certificate, and the role and identifier the service gives it. */
typedef struct {
	m2m_ws_role role; /* M2M_WS_ROLE_NONE: not identified */
	char id[M2M_WS_ENTITY_ID_MAX];
	bool has_cert;
	char subject[512]; /* RFC 2253 */
	uint8_t sha256[32];
} m2m_ws_caller;

/* Maps a TLS peer to a role and identifier. Anything but M2M_OK with a role set refuses the
 * caller (FAILED 1.1/1.1). Runs on the loop thread. */
typedef m2m_err (*m2m_ws_identify_fn)(void *arg, const m2m_tls_peer *peer,
				      m2m_ws_caller *caller);

/* The default identify: subject CN = identifier, OU = role ("EUM", "SM-SR", "SM-DP", "MNO",
 * "M2M-SP"), as `m2mrsp pki` issues certificates (crypto/x509.h). */
m2m_err m2m_ws_identify_by_subject(void *arg, const m2m_tls_peer *peer,
				   m2m_ws_caller *caller);
/* RFC 2253 attribute value (CN, OU, O...) of a subject string, unescaped. */
m2m_err m2m_ws_subject_attr(const char *subject, const char *attr, char *out, size_t cap);

typedef struct {
	const m2m_ws_function *fn;
	m2m_ws_dir dir;           /* IN: a request or notification; OUT: an answer (callback) */
	m2m_ws_binding binding;
	const m2m_ws_caller *caller;
	const m2m_ws_addressing *wsa;
	const char *function_call_id; /* requests only, else NULL */
	uint64_t validity_period;     /* seconds; 0 = not given */
	time_t received;
	const m2m_ws_msg *msg;        /* the body: m2m_ws_msg_body(call->msg), validated */
	void *priv;                   /* the endpoint's */
} m2m_ws_call;

typedef enum {
	M2M_WS_REPLY_NOW,   /* send *response (requests); 202 for notifications and callbacks */
	M2M_WS_REPLY_LATER, /* 202 now; m2m_ws_defer() was called and the answer follows */
	M2M_WS_REPLY_HOLD,  /* nothing now; m2m_ws_hold_begin() was called: the answer comes on this
			     * HTTP exchange through m2m_ws_server_complete() */
} m2m_ws_reply;

/* response: for requests, the function's response element with EXECUTED_SUCCESS, for the
 * handler to set the status and add outputs; NULL otherwise. Runs on the loop thread. */
typedef m2m_ws_reply (*m2m_ws_handler)(void *arg, const m2m_ws_call *call,
				       m2m_ws_msg *response);

/* Where and how a deferred answer goes (a plain struct: a service may store it). */
typedef struct {
	m2m_ws_fn fn;
	m2m_ws_binding binding;
	char *relates_to; /* the request's MessageID */
	char *reply_to;   /* the request's ReplyTo address */
} m2m_ws_deferred;

/* Inside the handler of a request: keeps what answering later needs. Needs a ReplyTo that is
 * neither anonymous nor none (M2M_ERR_STATE otherwise: answer now). */
m2m_err m2m_ws_defer(const m2m_ws_call *call, m2m_ws_deferred *out);
void m2m_ws_deferred_clear(m2m_ws_deferred *d);

/* Hold mode: a request without ReplyTo (or with the anonymous address) keeps its HTTP
 * exchange open until the service answers. */
typedef struct m2m_ws_hold m2m_ws_hold;

/* Inside the handler of a request: keeps the exchange open. Needs a ReplyTo that is absent or
 * anonymous (M2M_ERR_STATE otherwise: use m2m_ws_defer). The handle lives until
 * m2m_ws_server_complete() or m2m_ws_server_free(), whichever comes first. */
m2m_err m2m_ws_hold_begin(const m2m_ws_call *call, m2m_ws_hold **out);
/* Sends response (the function's response element; validated, then given the addressing
 * headers of an answer at once) on the held exchange, or drops it if the client has gone;
 * frees h. response stays the caller's. response NULL: a Receiver fault. Loop thread only. */
void m2m_ws_server_complete(m2m_ws_hold *h, m2m_ws_msg *response);
/* The function being held (for the service to build its response). */
m2m_ws_fn m2m_ws_hold_fn(const m2m_ws_hold *h);

typedef struct {
	m2m_ws_role role;             /* what this endpoint is: which functions it serves */
	const m2m_ws_schema *schema;  /* required */
	const char *address;          /* our endpoint URL, sent as wsa:From */
	m2m_ws_identify_fn identify;  /* NULL = m2m_ws_identify_by_subject */
	void *identify_arg;
	m2m_ws_handler handler;       /* required */
	void *arg;
	/* Requests without a TLS client certificate reach identify() instead of being refused
	 * (for plain-HTTP tests). */
	bool allow_without_cert;
} m2m_ws_server_opts;

typedef struct m2m_ws_server m2m_ws_server;

m2m_err m2m_ws_server_new(const m2m_ws_server_opts *o, m2m_ws_server **out);
/* Holds still open are answered with a Receiver fault (or dropped) and freed. */
void m2m_ws_server_free(m2m_ws_server *s);
/* The m2m_http_handler to give m2m_http_server_new, with the m2m_ws_server as its arg. */
void m2m_ws_server_http_handler(void *arg, const m2m_http_request *req,
				m2m_http_response *resp);

#endif
