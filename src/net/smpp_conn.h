/* One SMPP 3.4 session over a libevent bufferevent, shared by the ESME and the SMSC sides:
 * framing by command_length, sequence numbers, a window of outstanding requests with
 * time-outs, enquire_link keep-alive and unbind. */
#ifndef M2M_NET_SMPP_CONN_H
#define M2M_NET_SMPP_CONN_H

#include <stddef.h>
#include <stdint.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

#include "core/err.h"
#include "net/smpp_pdu.h"

typedef struct m2m_smpp_conn m2m_smpp_conn;

typedef struct {
	unsigned window;          /* outstanding requests; more are queued (0 = 10) */
	unsigned queue_max;       /* queued requests beyond the window (0 = 1000) */
	unsigned resp_timeout_ms; /* per request (0 = 30000) */
	unsigned enquire_ms;      /* keep-alive interval, 0 = never send enquire_link */
	size_t max_pdu;           /* framing bound (0 = M2M_SMPP_MAX_PDU) */
	const char *name;         /* for log lines */
} m2m_smpp_conn_cfg;

/* Called once per request: resp is NULL when err is not M2M_OK (time-out, connection lost).
 * A generic_nack answering the request is passed as resp. */
typedef void (*m2m_smpp_resp_cb)(m2m_smpp_conn *c, m2m_err err, const m2m_smpp_pdu *resp,
				 void *arg);

typedef struct {
	/* A request from the peer other than enquire_link and unbind (answered here). The
	 * handler answers with m2m_smpp_conn_respond, now or later. */
	void (*on_request)(m2m_smpp_conn *c, const m2m_smpp_pdu *req, void *arg);
	/* The session is over (peer closed, unbind done, protocol error); err tells why. Runs
	 * from its own event, so the owner may free the connection here. */
	void (*on_close)(m2m_smpp_conn *c, m2m_err err, void *arg);
} m2m_smpp_conn_cbs;

/* Takes ownership of bev (connected or connecting). */
m2m_smpp_conn *m2m_smpp_conn_new(struct bufferevent *bev, const m2m_smpp_conn_cfg *cfg,
				 const m2m_smpp_conn_cbs *cbs, void *arg);
/* Closes the socket; outstanding requests are called back with M2M_ERR_STATE. */
void m2m_smpp_conn_free(m2m_smpp_conn *c);

/* Sends req (its sequence is assigned here and returned in *seq) or queues it when the
 * window is full; cb gets the response. M2M_ERR_STATE when closing, M2M_ERR_BOUNDS when the
 * queue is full. */
m2m_err m2m_smpp_conn_request(m2m_smpp_conn *c, m2m_smpp_pdu *req, m2m_smpp_resp_cb cb,
			      void *arg, uint32_t *seq);
m2m_err m2m_smpp_conn_respond(m2m_smpp_conn *c, const m2m_smpp_pdu *resp);
/* Sends generic_nack with status for seq. */
m2m_err m2m_smpp_conn_nack(m2m_smpp_conn *c, uint32_t seq, uint32_t status);
/* Sends unbind; the session closes on unbind_resp or after the response time-out. */
m2m_err m2m_smpp_conn_unbind(m2m_smpp_conn *c);
/* Closes now (after flushing what is written); on_close follows with err. */
void m2m_smpp_conn_close(m2m_smpp_conn *c, m2m_err err);
/* Starts the keep-alive timer (call once bound). */
void m2m_smpp_conn_keepalive(m2m_smpp_conn *c);

size_t m2m_smpp_conn_outstanding(const m2m_smpp_conn *c);
size_t m2m_smpp_conn_queued(const m2m_smpp_conn *c);
void *m2m_smpp_conn_arg(const m2m_smpp_conn *c);

#endif
