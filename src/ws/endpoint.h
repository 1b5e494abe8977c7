/*
 * A daemon's ES endpoint: the HTTPS listener (mutual TLS from our certificate, key and the
 * CA of our clients, or plain HTTP for tests) and the ws server behind it, with our address
 * (wsa:From) naming the port actually bound. What the SM-SR and the SM-DP start the same way.
 */
#ifndef M2M_WS_ENDPOINT_H
#define M2M_WS_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "net/http_server.h"
#include "ws/server.h"

typedef struct {
	const char *host;             /* listen address */
	uint16_t port;                /* 0 = ephemeral */
	const char *cert, *key, *ca;  /* "" or NULL cert: plain HTTP */
	const char *address;          /* configured URL; "" or NULL: built from the bound port */
	const char *path;             /* of the built URL, e.g. "/soap/es4" */
	const char *log;              /* log name for errors */
	m2m_ws_server_opts ws;        /* address is set here; the rest is the caller's */
} m2m_ws_endpoint_opts;

/* Listens and makes the ws server. *ws must stay where it is (the listener's requests read
 * it); address gets our URL. On failure nothing is left open. */
m2m_err m2m_ws_endpoint_open(struct event_base *base, const m2m_ws_endpoint_opts *o,
			     m2m_http_server **http, m2m_ws_server **ws, char *address,
			     size_t cap);

#endif
