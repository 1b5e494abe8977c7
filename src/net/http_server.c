/* evhttp server: one generic callback turns each request into an m2m_http_request, runs the
 * handler and sends its m2m_http_response. TLS comes from OpenSSL bufferevents (evhttp_set_bevcb),
 * so PSK and certificate HTTPS share one path. */
#include "net/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "core/buf.h"
#include "core/log.h"

#define LOG "http"
#define MAX_HEADERS_SIZE 16384

struct m2m_http_server {
	struct evhttp *http;
	SSL_CTX *tls;
	uint16_t port;
	int timeout_s;
	m2m_http_handler handler;
	void *arg;
	size_t unsent; /* replies handed to evhttp, not yet written out (loop thread) */
};

struct m2m_http_response {
	int code;
	char reason[64];
	bool chunked;
	struct evkeyvalq *headers;
	struct evbuffer *body;
	struct evhttp_request *er;
	m2m_http_deferred *deferred; /* set by m2m_http_response_defer */
	int timeout_s;
	m2m_http_server *server;
};

struct m2m_http_deferred {
	/* NULL once libevent freed it with its connection; a request detached from a closed
	 * connection (evcon NULL) stays ours to free. */
	struct evhttp_request *er;
	bool gone;
	int timeout_s;
	m2m_http_response resp;
	struct evkeyvalq headers;
};

static const char *method_name(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	case EVHTTP_REQ_PATCH: return "PATCH";
	default: return "UNKNOWN";
	}
}

const char *m2m_http_request_header(const m2m_http_request *req, const char *name)
{
	if (!req || !req->priv || !name)
		return NULL;
	/* evhttp_find_header compares case-insensitively. */
	return evhttp_find_header(evhttp_request_get_input_headers((void *)req->priv), name);
}

m2m_err m2m_http_request_header_at(const m2m_http_request *req, size_t i, const char **name,
				   const char **value)
{
	if (!req || !req->priv || !name || !value)
		return M2M_ERR_ARG;
	struct evkeyvalq *h = evhttp_request_get_input_headers((void *)req->priv);
	for (struct evkeyval *kv = h->tqh_first; kv; kv = kv->next.tqe_next) {
		if (i-- == 0) {
			*name = kv->key;
			*value = kv->value;
			return M2M_OK;
		}
	}
	return M2M_END;
}

void m2m_http_response_status(m2m_http_response *resp, int code, const char *reason)
{
	if (!resp || code < 100 || code > 999)
		return;
	resp->code = code;
	resp->reason[0] = '\0';
	if (reason)
		snprintf(resp->reason, sizeof resp->reason, "%s", reason);
}

static bool header_text_ok(const char *s, bool name)
{
	if (!s || (name && !*s))
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f || (name && (c == ' ' || c == ':')))
			return false;
	}
	return true;
}

m2m_err m2m_http_response_header(m2m_http_response *resp, const char *name, const char *value)
{
	if (!resp || !header_text_ok(name, true) || !header_text_ok(value, false))
		return M2M_ERR_ARG;
	return evhttp_add_header(resp->headers, name, value) == 0 ? M2M_OK : M2M_ERR_NOMEM;
}

m2m_err m2m_http_response_body(m2m_http_response *resp, const void *p, size_t n)
{
	if (!resp || (!p && n))
		return M2M_ERR_ARG;
	return evbuffer_add(resp->body, p, n) == 0 ? M2M_OK : M2M_ERR_NOMEM;
}

void m2m_http_response_chunked(m2m_http_response *resp, bool on)
{
	if (resp)
		resp->chunked = on;
}

/* The peer's identity is read once per connection and kept with its SSL (hashing and printing
 * the certificate for every request of a kept-alive connection cost the server about a tenth
 * of a request's CPU, docs/http-tls.md). Renegotiation is refused on our connections
 * (tls_bev), so the identity cannot change while the connection lives. */
static int peer_index = -1;
static pthread_once_t peer_once = PTHREAD_ONCE_INIT;

static void peer_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
		      void *argp)
{
	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	if (ptr)
		m2m_wipe(ptr, sizeof(m2m_tls_peer));
	free(ptr);
}

static void peer_index_new(void)
{
	peer_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, peer_free);
}

/* Keeps a copy of peer with ssl; without one the next request reads it again. */
static void peer_keep(SSL *ssl, const m2m_tls_peer *peer)
{
	m2m_tls_peer *kept = peer_index >= 0 ? malloc(sizeof *kept) : NULL;

	if (!kept)
		return;
	*kept = *peer;
	if (SSL_set_ex_data(ssl, peer_index, kept) != 1)
		peer_free(NULL, kept, NULL, 0, 0, NULL);
}

/* The TLS identity of the connection carrying req, if it is TLS. */
static void request_peer(struct evhttp_request *er, m2m_http_request *req)
{
	struct evhttp_connection *con = evhttp_request_get_connection(er);
	struct bufferevent *bev = con ? evhttp_connection_get_bufferevent(con) : NULL;
	SSL *ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;
	const m2m_tls_peer *kept;

	if (!ssl)
		return;
	req->tls = true;
	kept = peer_index >= 0 ? SSL_get_ex_data(ssl, peer_index) : NULL;
	if (kept)
		req->peer = *kept;
	else if (m2m_tls_peer_get(ssl, &req->peer) != M2M_OK)
		m2m_warn(LOG, "could not read the TLS peer identity");
	else
		peer_keep(ssl, &req->peer);
}

/* One TLS record for a reply's head and the start of its body. evhttp writes the head and the
 * body as separate buffer chains and the OpenSSL bufferevent makes one SSL_write, so one
 * record and one write(2), of each chain: joining them (up to a record's 16 KiB) saves a
 * system call and a record on both sides per reply (docs/http-tls.md). The bytes are still
 * queued here: the bufferevent writes them from the loop, later. */
static void coalesce(struct bufferevent *bev)
{
	struct evbuffer *out = bev && bufferevent_openssl_get_ssl(bev) ? bufferevent_get_output(bev)
									 : NULL;
	size_t len = out ? evbuffer_get_length(out) : 0;

	if (len > 0)
		(void)evbuffer_pullup(out, (ev_ssize_t)(len < 16384 ? len : 16384));
}

/* The connection went before the reply was written out (m2m_http_server_unsent). */
static void on_lost(struct evhttp_connection *con, void *arg)
{
	m2m_http_server *s = arg;
	(void)con;
	s->unsent--;
}

/* evhttp has written the whole reply. */
static void on_sent(struct evhttp_request *er, void *arg)
{
	m2m_http_server *s = arg;
	struct evhttp_connection *con = evhttp_request_get_connection(er);
	if (con)
		evhttp_connection_set_closecb(con, NULL, NULL);
	s->unsent--;
}

/* Counts the reply until it is written or its connection is gone; one reply at a time per
 * connection, so the connection's close callback is free for this. */
static void count_unsent(struct evhttp_request *er, m2m_http_server *s)
{
	struct evhttp_connection *con = evhttp_request_get_connection(er);
	if (!con || !s)
		return; /* evhttp drops a reply without a connection */
	s->unsent++;
	evhttp_request_set_on_complete_cb(er, on_sent, s);
	evhttp_connection_set_closecb(con, on_lost, s);
}

static void send_response(struct evhttp_request *er, m2m_http_response *resp)
{
	count_unsent(er, resp->server);
	const char *reason = resp->reason[0] ? resp->reason : NULL;
	if (!resp->chunked) {
		/* Read before sending: without a connection evhttp frees er in the call. */
		struct evhttp_connection *con = evhttp_request_get_connection(er);
		struct bufferevent *bev = con ? evhttp_connection_get_bufferevent(con) : NULL;
		evhttp_send_reply(er, resp->code, reason, resp->body);
		coalesce(bev);
		return;
	}
	/* Without Content-Length evhttp chunks for HTTP/1.1 and streams-then-closes for 1.0. */
	evhttp_remove_header(resp->headers, "Content-Length");
	evhttp_send_reply_start(er, resp->code, reason);
	evhttp_send_reply_chunk(er, resp->body);
	evhttp_send_reply_end(er);
}

static void on_request(struct evhttp_request *er, void *arg)
{
	m2m_http_server *s = arg;
	m2m_http_request req = {0};
	m2m_http_response resp = {.code = 200, .er = er, .server = s};
	struct evbuffer *in = evhttp_request_get_input_buffer(er);
	static const uint8_t empty[1];

	resp.timeout_s = s->timeout_s;
	resp.headers = evhttp_request_get_output_headers(er);
	resp.body = evbuffer_new();
	if (!resp.body) {
		evhttp_send_error(er, 500, NULL);
		goto out;
	}
	req.method = method_name(evhttp_request_get_command(er));
	req.uri = evhttp_request_get_uri(er);
	req.body_len = evbuffer_get_length(in);
	req.body = req.body_len ? evbuffer_pullup(in, -1) : empty;
	req.priv = er;
	if (!req.body) {
		evhttp_send_error(er, 500, NULL);
		goto out;
	}
	request_peer(er, &req);
	s->handler(s->arg, &req, &resp);
	if (!resp.deferred)
		send_response(er, &resp);
out:
	if (resp.body)
		evbuffer_free(resp.body);
	m2m_wipe(&req.peer, sizeof req.peer);
}

/* --- deferred replies --------------------------------------------------------------------- */

/* The connection goes away (client closed, time-out, server freed). A request still queued on
 * it is freed by libevent right after this; one already detached (EOF) stays ours. */
static void on_deferred_close(struct evhttp_connection *con, void *arg)
{
	m2m_http_deferred *d = arg;
	(void)con;
	d->gone = true;
	if (d->er && evhttp_request_get_connection(d->er) != NULL)
		d->er = NULL;
}

m2m_http_deferred *m2m_http_response_defer(m2m_http_response *resp)
{
	if (!resp || !resp->er)
		return NULL;
	if (resp->deferred)
		return resp->deferred;
	struct evhttp_connection *con = evhttp_request_get_connection(resp->er);
	m2m_http_deferred *d = calloc(1, sizeof *d);
	if (!d || !con)
		goto fail;
	d->resp.body = evbuffer_new();
	if (!d->resp.body)
		goto fail;
	d->headers.tqh_first = NULL; /* TAILQ_INIT: sys/queue.h is not exported by libevent */
	d->headers.tqh_last = &d->headers.tqh_first;
	d->resp.headers = &d->headers;
	d->resp.code = 200;
	d->er = resp->er;
	d->timeout_s = resp->timeout_s;
	d->resp.server = resp->server;
	evhttp_connection_set_closecb(con, on_deferred_close, d);
	/* The hold is bounded by its owner, not by the idle time-out. */
	bufferevent_set_timeouts(evhttp_connection_get_bufferevent(con), NULL, NULL);
	resp->deferred = d;
	return d;
fail:
	free(d);
	return NULL;
}

m2m_http_response *m2m_http_deferred_response(m2m_http_deferred *d)
{
	return d ? &d->resp : NULL;
}

bool m2m_http_deferred_alive(const m2m_http_deferred *d)
{
	return d && !d->gone && d->er && evhttp_request_get_connection(d->er) != NULL;
}

static void deferred_send(m2m_http_deferred *d)
{
	struct evhttp_connection *con = evhttp_request_get_connection(d->er);
	struct evkeyvalq *out = evhttp_request_get_output_headers(d->er);
	evhttp_connection_set_closecb(con, NULL, NULL);
	evhttp_connection_set_timeout(con, d->timeout_s);
	for (struct evkeyval *kv = d->headers.tqh_first; kv; kv = kv->next.tqe_next)
		evhttp_add_header(out, kv->key, kv->value);
	d->resp.headers = out;
	send_response(d->er, &d->resp);
}

void m2m_http_deferred_finish(m2m_http_deferred *d)
{
	if (!d)
		return;
	if (m2m_http_deferred_alive(d))
		deferred_send(d);
	else if (d->er)
		evhttp_request_free(d->er); /* detached from its closed connection */
	evhttp_clear_headers(&d->headers);
	if (d->resp.body)
		evbuffer_free(d->resp.body);
	free(d);
}

static struct bufferevent *tls_bev(struct event_base *base, void *arg)
{
	m2m_http_server *s = arg;
	struct bufferevent *bev = NULL;
	SSL *ssl = SSL_new(s->tls);
	if (!ssl)
		goto out;
	/* The identity read at the first request stays the connection's (request_peer). */
	SSL_set_options(ssl, SSL_OP_NO_RENEGOTIATION);
	m2m_tls_log_alerts(ssl);
	/* On failure libevent frees ssl itself (BEV_OPT_CLOSE_ON_FREE). */
	bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
					     BEV_OPT_CLOSE_ON_FREE);
	if (!bev)
		goto out;
	/* Cards and curl often drop TCP without close_notify; that is not an error for us. */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
out:
	if (!bev)
		m2m_error(LOG, "cannot set up a TLS connection");
	return bev;
}

static m2m_err bind_listener(m2m_http_server *s, const char *address, uint16_t port)
{
	m2m_err err = M2M_ERR_IO;
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	struct evhttp_bound_socket *h = evhttp_bind_socket_with_handle(s->http, address, port);
	if (!h) {
		m2m_error(LOG, "cannot listen on %s:%u", address, (unsigned)port);
		goto out;
	}
	evutil_socket_t fd = evhttp_bound_socket_get_fd(h);
	/* Replies go out at once: without TCP_NODELAY a small reply waits for the client's
	 * delayed ACK of the request's last segment, 40 ms on Linux (docs/bench-smsr.md). Linux
	 * accepted sockets inherit it from the listener, so no set-up per connection or request
	 * (net/test_http_nodelay checks the accepted socket). */
	int one = 1;
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
		m2m_warn(LOG, "TCP_NODELAY not set on the listener");
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		goto out;
	if (ss.ss_family == AF_INET)
		s->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else if (ss.ss_family == AF_INET6)
		s->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	else
		goto out;
	err = M2M_OK;
out:
	return err;
}

static m2m_err configure(m2m_http_server *s, const m2m_http_server_opts *o)
{
	size_t max_body = o->max_body ? o->max_body : M2M_HTTP_MAX_BODY_DEFAULT;
	int timeout = o->timeout_s > 0 ? o->timeout_s : M2M_HTTP_TIMEOUT_DEFAULT;
	evhttp_set_max_body_size(s->http, (ev_ssize_t)max_body);
	evhttp_set_max_headers_size(s->http, MAX_HEADERS_SIZE);
	evhttp_set_timeout(s->http, timeout);
	s->timeout_s = timeout;
	/* Read (and drop) an oversized body before closing, so the client sees the 413. */
	if (evhttp_set_flags(s->http, EVHTTP_SERVER_LINGERING_CLOSE) != 0)
		return M2M_ERR_STATE;
	evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
				   EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
				   EVHTTP_REQ_PATCH);
	evhttp_set_gencb(s->http, on_request, s);
	if (s->tls)
		evhttp_set_bevcb(s->http, tls_bev, s);
	return M2M_OK;
}

m2m_err m2m_http_server_new(struct event_base *base, const m2m_http_server_opts *o,
			    m2m_http_server **out)
{
	m2m_err err = M2M_ERR_ARG;
	m2m_http_server *s = NULL;
	if (!base || !o || !o->handler || !out)
		goto out;
	err = M2M_ERR_NOMEM;
	s = calloc(1, sizeof *s);
	if (!s)
		goto out;
	s->handler = o->handler;
	s->arg = o->arg;
	if (o->tls) {
		if (pthread_once(&peer_once, peer_index_new) != 0)
			goto out;
		if (SSL_CTX_up_ref(o->tls) != 1)
			goto out;
		s->tls = o->tls;
	}
	s->http = evhttp_new(base);
	if (!s->http)
		goto out;
	err = configure(s, o);
	if (err != M2M_OK)
		goto out;
	err = bind_listener(s, o->address ? o->address : "127.0.0.1", o->port);
	if (err != M2M_OK)
		goto out;
	m2m_info(LOG, "listening on %s:%u (%s)", o->address ? o->address : "127.0.0.1",
		 (unsigned)s->port, s->tls ? "https" : "http");
	*out = s;
	s = NULL;
out:
	m2m_http_server_free(s);
	return err;
}

uint16_t m2m_http_server_port(const m2m_http_server *s)
{
	return s ? s->port : 0;
}

size_t m2m_http_server_unsent(const m2m_http_server *s)
{
	return s ? s->unsent : 0;
}

void m2m_http_server_free(m2m_http_server *s)
{
	if (!s)
		return;
	if (s->http)
		evhttp_free(s->http);
	SSL_CTX_free(s->tls);
	free(s);
}

struct event_base *m2m_http_base_new(void)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base = NULL;

	if (cfg && event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST) == 0)
		base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return base;
}

void m2m_http_base_free(struct event_base *base)
{
	if (base == NULL)
		return;
	event_base_loop(base, EVLOOP_NONBLOCK);
	event_base_free(base);
}
