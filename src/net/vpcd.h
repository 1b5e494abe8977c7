/*
 * A virtual smart card for vsmartcard's vpcd (the pcscd reader driver): a TCP client of the
 * reader on HOST:PORT that keeps reconnecting while the reader is not there. Each message is
 * a 2-byte big-endian length and a payload; a 1-byte payload from the reader is a control
 * code (0 power off, 1 power on, 2 reset, 4 get ATR), a longer one a C-APDU answered with an
 * R-APDU. docs/pcsc.md "PC/SC (vpcd)".
 */
#ifndef M2M_NET_VPCD_H
#define M2M_NET_VPCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "core/buf.h"
#include "core/err.h"

#define M2M_VPCD_PORT 35963      /* vpcd's default: reader "Virtual PCD 00 00" */
#define M2M_VPCD_RETRY_MS 1000   /* default reconnect delay */

typedef enum {
	M2M_VPCD_POWER_OFF = 0,
	M2M_VPCD_POWER_ON = 1,
	M2M_VPCD_RESET = 2,
	M2M_VPCD_GET_ATR = 4,
} m2m_vpcd_ctrl;

typedef struct m2m_vpcd_client m2m_vpcd_client;

/* Called from the event loop. A callback must not free the client. */
typedef struct {
	/* POWER_OFF, POWER_ON or RESET. */
	void (*power)(void *arg, m2m_vpcd_ctrl what);
	/* Append the ATR; an error or an empty ATR tells the reader there is no card. */
	m2m_err (*atr)(void *arg, m2m_buf *atr);
	/* Append the R-APDU (data + SW1 SW2). An error, or fewer than 2 bytes, or more than
	 * 65535, is answered 6F00. */
	m2m_err (*apdu)(void *arg, const uint8_t *capdu, size_t n, m2m_buf *rapdu);
	/* Optional: the connection to the reader came up (true) or went down (false). A new
	 * connection is a newly inserted card. */
	void (*link)(void *arg, bool up);
} m2m_vpcd_callbacks;

typedef struct {
	unsigned long connects;      /* connections made */
	unsigned long apdus;         /* C-APDUs answered */
	unsigned long controls;      /* control codes handled (0, 1, 2, 4) */
	unsigned long ignored;       /* empty frames and unknown control codes */
} m2m_vpcd_stats;

/* Starts connecting to host:port (a name or a numeric address, resolved at every attempt
 * with the blocking resolver) from the loop; NULL on bad arguments or memory exhaustion. */
m2m_vpcd_client *m2m_vpcd_client_new(struct event_base *base, const char *host, uint16_t port,
				     const m2m_vpcd_callbacks *cb, void *arg);
/* Closes the connection; no callback runs after it. Not from inside a callback. */
void m2m_vpcd_client_free(m2m_vpcd_client *c);

/* The delay before each new attempt (default M2M_VPCD_RETRY_MS); more than the reader's
 * presence poll (pcscd: 400 ms) so that a reinsert is seen as a removal. */
void m2m_vpcd_client_set_retry(m2m_vpcd_client *c, unsigned ms);
bool m2m_vpcd_client_connected(const m2m_vpcd_client *c);
/* Removes the card and inserts it again: the connection closes now (from the loop, so this
 * may be called from a callback) and is made again after the retry delay. pcscd then powers
 * the card up afresh. */
void m2m_vpcd_client_reinsert(m2m_vpcd_client *c);
void m2m_vpcd_client_stats(const m2m_vpcd_client *c, m2m_vpcd_stats *out);

/* "HOST:PORT" or "[IPv6]:PORT" (PORT 1-65535); host gets at most host_size - 1 chars.
 * M2M_ERR_ARG when malformed. */
m2m_err m2m_vpcd_parse_addr(const char *s, char *host, size_t host_size, uint16_t *port);

#endif
