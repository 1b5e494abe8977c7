/* The ES client: sends a request or notification (SOAP or JSON) over HTTPS with mutual TLS
 * (net/http_client.h, libcurl) and reads the answer: the function's response, "202 Accepted"
 * (the answer will come to ReplyTo) or a fault. Also posts deferred answers to a ReplyTo.
 * Blocking: run it on a worker thread, never on an event loop thread. */
#ifndef M2M_WS_CLIENT_H
#define M2M_WS_CLIENT_H

#include <stdbool.h>

#include "core/err.h"
#include "net/http_client.h"
#include "ws/msg.h"
#include "ws/schema.h"
#include "ws/server.h"
#include "ws/status.h"

typedef struct {
	m2m_http_client_opts http;   /* ca_file, cert_file + key_file (mutual TLS), time-outs */
	const m2m_ws_schema *schema; /* required: what we send and receive is validated */
	m2m_ws_binding binding;
	const char *from;            /* our endpoint, for wsa:From; NULL = anonymous */
} m2m_ws_client_opts;

typedef struct {
	long http_status;
	bool accepted;        /* 202: nothing more now (a deferred answer, or a notification) */
	m2m_ws_msg *response; /* the function's response (validated), when one came */
	bool fault;           /* the peer answered with a fault: error has it */
	m2m_ws_error error;   /* the fault, or why the answer was not accepted */
} m2m_ws_result;

typedef struct m2m_ws_client m2m_ws_client;

m2m_err m2m_ws_client_new(const m2m_ws_client_opts *o, m2m_ws_client **out);
void m2m_ws_client_free(m2m_ws_client *c);

/* Sends msg (a request or notification built with m2m_ws_request_new) to url. Sets wsa:To,
 * wsa:From, a fresh wsa:MessageID and the function's Action unless already set, and ReplyTo
 * when reply_to is given (ask for a deferred answer there). msg is validated before sending.
 * M2M_OK when an answer was understood: res->response, res->accepted or res->fault;
 * M2M_ERR_IO for transport failures; M2M_ERR_FORMAT when the answer is not acceptable
 * (malformed, invalid, RelatesTo or Action wrong): res->error says why. */
m2m_err m2m_ws_client_call(m2m_ws_client *c, const char *url, m2m_ws_msg *msg,
			   const char *reply_to, m2m_ws_result *res);

/* Posts a deferred answer: response (m2m_ws_response_new for d->fn) goes to d->reply_to with
 * the function's callback Action, RelatesTo d->relates_to, in d->binding. A 2xx is success. */
m2m_err m2m_ws_client_answer(m2m_ws_client *c, const m2m_ws_deferred *d, m2m_ws_msg *response,
			     m2m_ws_result *res);

/* The last transport error in words. */
const char *m2m_ws_client_error(const m2m_ws_client *c);

void m2m_ws_result_free(m2m_ws_result *res);

#endif
