/* The SM-SR's ESME (SMPP client): one bind_transceiver session to an SMSC, binary SMS-PP
 * submits for SCP80 command packets, MO / PoR / delivery receipts back, reconnect with
 * back-off. Parameters and their sources: docs/smpp.md. */
#ifndef M2M_NET_SMPP_ESME_H
#define M2M_NET_SMPP_ESME_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>

#include "core/err.h"
#include "net/smpp_conn.h"
#include "net/smpp_pdu.h"

typedef struct m2m_smpp_esme m2m_smpp_esme;

typedef struct {
	const char *host;             /* numeric IPv4/IPv6 address */
	uint16_t port;
	const char *system_id;
	const char *password;
	const char *system_type;      /* usually empty */
	m2m_smpp_addr source;         /* our address in submit_sm (operator-specific) */
	m2m_smpp_addr address_range;  /* in bind_transceiver: the MO SMS addresses we serve */
	uint8_t data_coding;          /* 0 = 0xF6 (8-bit, class 2) */
	bool receipts;                /* registered_delivery 0x01 */
	m2m_smpp_conn_cfg session;    /* window, time-outs, enquire_link (0 = 30 s) */
	unsigned reconnect_min_ms;    /* 0 = 1000 */
	unsigned reconnect_max_ms;    /* 0 = 60000 */
} m2m_smpp_esme_cfg;

typedef struct {
	/* bind_transceiver_resp: status 0 = bound. */
	void (*on_bind)(m2m_smpp_esme *e, uint32_t status, void *arg);
	/* The session ended; a reconnect follows unless stopped. */
	void (*on_down)(m2m_smpp_esme *e, m2m_err why, void *arg);
	/* submit_sm outcome: err != M2M_OK for time-out or a lost session, else status and
	 * (status 0) the SMSC's message_id. ref is the caller's. */
	void (*on_submit_resp)(m2m_smpp_esme *e, void *ref, m2m_err err, uint32_t status,
			       const char *message_id, void *arg);
	/* MO SMS / PoR (not a receipt); returns the deliver_sm_resp status (0 = accepted). */
	uint32_t (*on_deliver)(m2m_smpp_esme *e, const m2m_smpp_pdu *dlv, void *arg);
	/* A delivery receipt (esm_class 0x04), parsed. */
	void (*on_receipt)(m2m_smpp_esme *e, const m2m_smpp_receipt *r, const m2m_smpp_pdu *dlv,
			   void *arg);
} m2m_smpp_esme_cbs;

m2m_smpp_esme *m2m_smpp_esme_new(struct event_base *base, const m2m_smpp_esme_cfg *cfg,
				 const m2m_smpp_esme_cbs *cbs, void *arg);
/* Connects and binds (asynchronously). */
m2m_err m2m_smpp_esme_start(m2m_smpp_esme *e);
/* Binary SMS-PP: ud is the whole TP-UD (UDH + secured packet when udhi). Sets esm_class
 * 0x40 when udhi, protocol_id 0x7F and the configured data_coding. M2M_ERR_STATE when not
 * bound. *seq (optional) gets the sequence number. */
m2m_err m2m_smpp_esme_submit(m2m_smpp_esme *e, const m2m_smpp_addr *dest, const uint8_t *ud,
			     size_t len, bool udhi, void *ref, uint32_t *seq);
/* Any submit_sm prepared by the caller (source defaults to the configured one if empty). */
m2m_err m2m_smpp_esme_submit_pdu(m2m_smpp_esme *e, m2m_smpp_pdu *sm, void *ref, uint32_t *seq);
/* Unbinds (or closes) and stops reconnecting. */
void m2m_smpp_esme_stop(m2m_smpp_esme *e);
void m2m_smpp_esme_free(m2m_smpp_esme *e);

bool m2m_smpp_esme_bound(const m2m_smpp_esme *e);
m2m_smpp_conn *m2m_smpp_esme_conn(const m2m_smpp_esme *e);

#endif
