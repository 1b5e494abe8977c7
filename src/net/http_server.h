/* HTTP/1.1 server on a libevent loop (evhttp): plain, certificate HTTPS or PSK HTTPS, chosen by
 * the SSL_CTX given (tls.h). Each request reaches one handler with its TLS peer identity. */
#ifndef M2M_NET_HTTP_SERVER_H
#define M2M_NET_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "core/err.h"
#include "net/tls.h"

#define M2M_HTTP_MAX_BODY_DEFAULT (1024u * 1024u)
#define M2M_HTTP_TIMEOUT_DEFAULT 30

typedef struct m2m_http_server m2m_http_server;
typedef struct m2m_http_response m2m_http_response;

typedef struct {
	const char *method;   /* "GET", "POST", ... */
	const char *uri;      /* as sent: path and query */
	const uint8_t *body;  /* never NULL; body_len may be 0 */
	size_t body_len;
	bool tls;             /* the connection is TLS; peer says who authenticated */
	m2m_tls_peer peer;
	const void *priv;     /* the server's; use the accessors below */
} m2m_http_request;

/* Case-insensitive header lookup; NULL when absent. */
const char *m2m_http_request_header(const m2m_http_request *req, const char *name);
/* The i-th header in arrival order; M2M_END after the last. */
m2m_err m2m_http_request_header_at(const m2m_http_request *req, size_t i, const char **name,
				   const char **value);

/* The handler fills resp; with nothing set the reply is "200 OK" with an empty body. It runs on
 * the loop thread and must not block. */
typedef void (*m2m_http_handler)(void *arg, const m2m_http_request *req,
				 m2m_http_response *resp);

/* reason NULL = the standard phrase. */
void m2m_http_response_status(m2m_http_response *resp, int code, const char *reason);
/* Name and value are visible ASCII; CR/LF are refused (no header injection). */
m2m_err m2m_http_response_header(m2m_http_response *resp, const char *name, const char *value);
m2m_err m2m_http_response_body(m2m_http_response *resp, const void *p, size_t n);
/* Send the body with Transfer-Encoding: chunked (SCP81 style) instead of Content-Length. Only
 * for HTTP/1.1 requests; ignored for HTTP/1.0. */
void m2m_http_response_chunked(m2m_http_response *resp, bool on);

/* A reply sent later (hold mode): inside the handler, m2m_http_response_defer() keeps the
 * exchange open; nothing is sent when the handler returns. Later, on the loop thread, fill
 * m2m_http_deferred_response() and call m2m_http_deferred_finish(). A connection closed
 * meanwhile (server freed, connection error) only makes the handle "gone": finish then sends
 * nothing and frees it. evhttp reads nothing while a reply is pending, so a client that
 * closed is noticed when the reply is written (then dropped). Every handle must be finished
 * exactly once. */
typedef struct m2m_http_deferred m2m_http_deferred;

/* Inside the handler only; NULL on allocation failure (the reply is then sent at once). The
 * idle time-out is suspended while the exchange is held. */
m2m_http_deferred *m2m_http_response_defer(m2m_http_response *resp);
/* The response to fill before finishing ("200 OK", empty, until set). */
m2m_http_response *m2m_http_deferred_response(m2m_http_deferred *d);
/* false once the connection was closed (see above). */
bool m2m_http_deferred_alive(const m2m_http_deferred *d);
/* Sends the response if the client is still there; frees d. Loop thread only. */
void m2m_http_deferred_finish(m2m_http_deferred *d);

typedef struct {
	const char *address;  /* e.g. "127.0.0.1"; NULL = "127.0.0.1" */
	uint16_t port;        /* 0 = ephemeral; see m2m_http_server_port */
	SSL_CTX *tls;         /* NULL = plain HTTP; the server takes its own reference */
	size_t max_body;      /* larger request bodies get 413; 0 = M2M_HTTP_MAX_BODY_DEFAULT */
	int timeout_s;        /* idle read/write time-out; 0 = M2M_HTTP_TIMEOUT_DEFAULT */
	m2m_http_handler handler;
	void *arg;
} m2m_http_server_opts;

/* Binds and listens; requests are served while base's loop runs. */
m2m_err m2m_http_server_new(struct event_base *base, const m2m_http_server_opts *o,
			    m2m_http_server **out);
/* The port actually bound (useful with port 0). */
uint16_t m2m_http_server_port(const m2m_http_server *s);
/* Replies handed to evhttp (by the handler or m2m_http_deferred_finish) and neither written
 * out completely nor dropped with their connection: before freeing the server, run the loop
 * until this is 0 so that requests already handled get their replies (bound the wait: a peer
 * may read slowly). Loop thread only. */
size_t m2m_http_server_unsent(const m2m_http_server *s);
/* Closes the listener and every connection. Call on the loop thread or with the loop stopped. */
void m2m_http_server_free(m2m_http_server *s);
/* A loop for HTTP(S) servers: libevent's epoll back end with its change list, so that the
 * read/write event changes evhttp makes around each request (disable read, enable write,
 * ...) go to the kernel as one epoll_ctl per descriptor and loop turn instead of one each:
 * half the epoll_ctl calls and about a quarter of a kept-alive TLS request's server CPU
 * (docs/http-tls.md). Not for loops watching descriptors made with dup(). NULL on failure;
 * free with m2m_http_base_free. */
struct event_base *m2m_http_base_new(void);
/* Frees a loop that served HTTP(S), with the loop stopped and its servers freed. It first runs,
 * once and without waiting, the callbacks libevent has queued: a connection closed just before
 * may have one holding a reference to its TLS bufferevent, and event_base_free would drop the
 * callback and leak the connection with it (seen under ASan once replies went out without
 * Nagle's delay). */
void m2m_http_base_free(struct event_base *base);

#endif
