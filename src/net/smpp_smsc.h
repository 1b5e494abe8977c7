/* A small SMSC (SMPP server) for the device farm and for tests: accepts bind_transceiver
 * from several ESMEs, hands their submit_sm to a callback, sends deliver_sm (MO SMS, PoR,
 * delivery receipts) back. See docs/smpp.md. */
#ifndef M2M_NET_SMPP_SMSC_H
#define M2M_NET_SMPP_SMSC_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "core/err.h"
#include "net/smpp_conn.h"
#include "net/smpp_pdu.h"

typedef struct m2m_smpp_smsc m2m_smpp_smsc;
typedef struct m2m_smpp_smsc_session m2m_smpp_smsc_session;

typedef struct {
	const char *system_id;
	const char *password;
} m2m_smpp_account;

typedef struct {
	const char *bind_addr;             /* numeric, e.g. "127.0.0.1" */
	uint16_t port;                     /* 0 = any free port, see m2m_smpp_smsc_port */
	const char *system_id;             /* ours, in bind_transceiver_resp (default m2mrsp) */
	const m2m_smpp_account *accounts;  /* copied */
	size_t n_accounts;
	m2m_smpp_conn_cfg session;
} m2m_smpp_smsc_cfg;

/* Returned by on_submit when the application answers later (m2m_smpp_smsc_respond). */
#define M2M_SMPP_DEFER 0xFFFFFFFFu

typedef struct {
	void (*on_bind)(m2m_smpp_smsc_session *s, const char *system_id, void *arg);
	/* Returns the command_status for submit_sm_resp, or M2M_SMPP_DEFER. message_id may be
	 * filled (empty: the SMSC numbers it). */
	uint32_t (*on_submit)(m2m_smpp_smsc_session *s, const m2m_smpp_pdu *sm,
			      char message_id[65], void *arg);
	/* Outcome of a deliver_sm we sent. */
	void (*on_deliver_resp)(m2m_smpp_smsc_session *s, uint32_t seq, m2m_err err,
				uint32_t status, void *arg);
	void (*on_close)(m2m_smpp_smsc_session *s, void *arg);
} m2m_smpp_smsc_cbs;

m2m_smpp_smsc *m2m_smpp_smsc_new(struct event_base *base, const m2m_smpp_smsc_cfg *cfg,
				 const m2m_smpp_smsc_cbs *cbs, void *arg);
void m2m_smpp_smsc_free(m2m_smpp_smsc *smsc);
uint16_t m2m_smpp_smsc_port(const m2m_smpp_smsc *smsc);
size_t m2m_smpp_smsc_bound_count(const m2m_smpp_smsc *smsc);
/* The bound session whose id (m2m_smpp_smsc_session_id) is id, else the first bound session
 * of account id, or NULL. */
m2m_smpp_smsc_session *m2m_smpp_smsc_find(const m2m_smpp_smsc *smsc, const char *system_id);

/* The bound session whose bind address_range covers addr (digits, a leading '+' ignored),
 * or NULL: a range equal to addr first, then a pattern that matches; among equals the bind
 * whose session id is prefer (may be NULL), else the oldest. Binds without an
 * address_range are never chosen. docs/smpp.md "Routing". */
m2m_smpp_smsc_session *m2m_smpp_smsc_route(const m2m_smpp_smsc *smsc, const char *addr,
					   const char *prefer);

/* Answers a deferred submit_sm. */
m2m_err m2m_smpp_smsc_respond(m2m_smpp_smsc_session *s, uint32_t seq, uint32_t status,
			      const char *message_id);
/* Sends a deliver_sm (MO SMS / PoR) to a bound ESME. */
m2m_err m2m_smpp_smsc_deliver(m2m_smpp_smsc_session *s, m2m_smpp_pdu *dlv, uint32_t *seq);
/* Sends a delivery receipt for a submit_sm accepted as message_id: addresses swapped,
 * stat "DELIVRD", "UNDELIV"..., err the network error. */
m2m_err m2m_smpp_smsc_receipt(m2m_smpp_smsc_session *s, const m2m_smpp_pdu *sm,
			      const char *message_id, const char *stat, unsigned err,
			      uint32_t *seq);

/* "#N", unique per bind of this SMSC: answers go back to the bind a command came from even
 * when several ESMEs (SM-SR processes) share one account. */
const char *m2m_smpp_smsc_session_id(const m2m_smpp_smsc_session *s);
/* The session's address_range as bound (without a leading '+'; "" for none). */
const char *m2m_smpp_smsc_session_range(const m2m_smpp_smsc_session *s);
m2m_smpp_conn *m2m_smpp_smsc_session_conn(const m2m_smpp_smsc_session *s);

#endif
