/* The fleet tool's own ES4 endpoint (the MNO side of ES4_MNO.wsdl) on an event loop thread:
 * mutual TLS with the operator's certificate, answers sent to the ReplyTo of our requests
 * reach the given function; notifications are accepted and ignored. */
#ifndef M2M_CLI_FLEET_CALLBACK_H
#define M2M_CLI_FLEET_CALLBACK_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "ws/schema.h"
#include "ws/server.h"

/* Runs on the loop thread for every answer (call->dir == M2M_WS_DIR_OUT). */
typedef void (*m2m_fleet_answer_fn)(void *arg, const m2m_ws_call *call);

typedef struct {
	const char *host;  /* listen address */
	uint16_t port;     /* 0 = ephemeral */
	const char *url;   /* what ReplyTo says; NULL = https://HOST:PORT/soap/es4 */
	const char *cert, *key, *ca;
	const m2m_ws_schema *schema;
	m2m_fleet_answer_fn answer;
	void *arg;
} m2m_fleet_callback_opts;

typedef struct m2m_fleet_callback m2m_fleet_callback;

/* M2M_ERR_IO when it cannot listen, M2M_ERR_CRYPTO for certificate problems. */
m2m_err m2m_fleet_callback_start(const m2m_fleet_callback_opts *o, m2m_fleet_callback **out);
/* The ReplyTo address. */
const char *m2m_fleet_callback_url(const m2m_fleet_callback *cb);
void m2m_fleet_callback_stop(m2m_fleet_callback *cb);

#endif
