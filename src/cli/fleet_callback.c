/* The fleet tool's callback endpoint (fleet_callback.h). */
#include "cli/fleet_callback.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "core/log.h"
#include "net/http_server.h"
#include "net/tls.h"

#define LOG "fleet"
/* How long the stop waits for the replies to answers already handled, and how often it looks. */
#define DRAIN_MAX_S 2
#define DRAIN_TICK_US 2000

struct m2m_fleet_callback {
	struct event_base *base;
	m2m_http_server *http;
	m2m_ws_server *ws;
	pthread_t thread;
	bool running;
	struct timeval drain_end; /* loop thread */
	m2m_fleet_answer_fn answer;
	void *arg;
	char url[1024];
};

static m2m_ws_reply handler(void *arg, const m2m_ws_call *call, m2m_ws_msg *response)
{
	m2m_fleet_callback *cb = arg;
	(void)response;
	if (call->dir == M2M_WS_DIR_OUT)
		cb->answer(cb->arg, call);
	else
		m2m_info(LOG, "%s from %s ignored", call->fn->name, call->caller->id);
	return M2M_WS_REPLY_NOW;
}

static void *loop(void *arg)
{
	event_base_loop(arg, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

static m2m_err set_url(m2m_fleet_callback *cb, const m2m_fleet_callback_opts *o)
{
	int n;
	uint16_t port = m2m_http_server_port(cb->http);
	if (o->url != NULL)
		n = snprintf(cb->url, sizeof cb->url, "%s", o->url);
	else if (strchr(o->host, ':') != NULL)
		n = snprintf(cb->url, sizeof cb->url, "https://[%s]:%u/soap/es4", o->host,
			     (unsigned)port);
	else
		n = snprintf(cb->url, sizeof cb->url, "https://%s:%u/soap/es4", o->host,
			     (unsigned)port);
	return n > 0 && (size_t)n < sizeof cb->url ? M2M_OK : M2M_ERR_ARG;
}

static m2m_err endpoint(m2m_fleet_callback *cb, const m2m_fleet_callback_opts *o)
{
	SSL_CTX *ctx = NULL;
	m2m_tls_cert_opts to = {.cert_file = o->cert, .key_file = o->key, .ca_file = o->ca};
	m2m_err err = m2m_tls_cert_server_ctx(&to, &ctx);
	if (err != M2M_OK)
		return err;
	/* An operator or an M2M SP: the answers of ES4 calls are what either receives. */
	m2m_ws_server_opts wo = {.role = M2M_WS_ROLE_MNO | M2M_WS_ROLE_M2MSP,
				 .schema = o->schema, .handler = handler, .arg = cb};
	err = m2m_ws_server_new(&wo, &cb->ws);
	m2m_http_server_opts ho = {.address = o->host, .port = o->port, .tls = ctx,
				   .max_body = 4 * 1024 * 1024,
				   .handler = m2m_ws_server_http_handler, .arg = cb->ws};
	if (err == M2M_OK)
		err = m2m_http_server_new(cb->base, &ho, &cb->http);
	SSL_CTX_free(ctx);
	return err;
}

m2m_err m2m_fleet_callback_start(const m2m_fleet_callback_opts *o, m2m_fleet_callback **out)
{
	m2m_err err = M2M_ERR_NOMEM;
	m2m_fleet_callback *cb = calloc(1, sizeof *cb);
	if (cb == NULL)
		goto out;
	cb->answer = o->answer;
	cb->arg = o->arg;
	if (evthread_use_pthreads() != 0 || (cb->base = event_base_new()) == NULL)
		goto out;
	if ((err = endpoint(cb, o)) != M2M_OK || (err = set_url(cb, o)) != M2M_OK)
		goto out;
	err = M2M_ERR_NOMEM;
	if (pthread_create(&cb->thread, NULL, loop, cb->base) != 0)
		goto out;
	cb->running = true;
	*out = cb;
	cb = NULL;
	err = M2M_OK;
out:
	m2m_fleet_callback_stop(cb);
	return err;
}

const char *m2m_fleet_callback_url(const m2m_fleet_callback *cb)
{
	return cb->url;
}

/* On the loop thread: ends the loop once every answer handled has had its reply written
 * or lost with its connection (DRAIN_MAX_S at most: a peer may be slow to read). */
static void drain(evutil_socket_t fd, short what, void *arg)
{
	m2m_fleet_callback *cb = arg;
	struct timeval now, tick = {0, DRAIN_TICK_US};
	(void)fd;
	(void)what;
	gettimeofday(&now, NULL);
	if (cb->drain_end.tv_sec == 0) {
		cb->drain_end = now;
		cb->drain_end.tv_sec += DRAIN_MAX_S;
	}
	if (m2m_http_server_unsent(cb->http) == 0 || !timercmp(&now, &cb->drain_end, <) ||
	    event_base_once(cb->base, -1, EV_TIMEOUT, drain, cb, &tick) != 0)
		event_base_loopbreak(cb->base);
}

void m2m_fleet_callback_stop(m2m_fleet_callback *cb)
{
	if (cb == NULL)
		return;
	/* The answer that completes the run reaches the engine inside the handler, before its
	 * HTTP reply is written: the main thread then comes here while that reply is still in
	 * the loop's output buffer. Ending the loop at once (loopexit) and freeing the server
	 * dropped it, and the SM-SR saw its answer as not delivered (its client's retry on a
	 * fresh connection then found no listener: "couldn't connect"). So the loop runs on
	 * until the replies are written. An event, not a break: a break asked for before the
	 * loop thread has entered event_base_loop would be forgotten. */
	if (cb->running) {
		if (event_base_once(cb->base, -1, EV_TIMEOUT, drain, cb, NULL) != 0)
			event_base_loopexit(cb->base, NULL);
		pthread_join(cb->thread, NULL);
	}
	m2m_http_server_free(cb->http);
	m2m_ws_server_free(cb->ws);
	if (cb->base != NULL)
		m2m_http_base_free(cb->base);
	free(cb);
}
