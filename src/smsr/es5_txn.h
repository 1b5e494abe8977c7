/*
 * One ES5 command set in flight to one eUICC over SMS, without any I/O: its plan of
 * packets, the packet waiting for its PoR, the R-APDUs gathered so far and the result.
 * The SMS bearer drives it; tests drive it straight into the eUICC library.
 *
 *   start -> packet (reserve counter, wrap, split) -> [send the TP-UDs] -> por -> ...
 *         -> done (result)
 *
 * Packets go one at a time: the next one is built only when the PoR of the previous one
 * said every command ran, so a refused or failed packet stops the set and its later
 * counters are never taken.
 */
#ifndef M2M_SMSR_ES5_TXN_H
#define M2M_SMSR_ES5_TXN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smsr/es5_cmd.h"
#include "smsr/es5_pack.h"
#include "smsr/es5_result.h"

typedef struct {
	m2m_es5_cmd cmd;          /* a copy: the caller's may go away */
	m2m_es5_pack_cfg cfg;
	m2m_scp80_keys keys;      /* copy of the key set, wiped by m2m_es5_txn_free */
	uint8_t eid[M2M_ES5_EID_SIZE];
	m2m_es5_plan plan;
	size_t next;              /* chunk to send next */
	m2m_es5_packet pkt;       /* the packet in flight */
	bool waiting;             /* pkt is out, its PoR is awaited */
	bool resent;              /* pkt went out more than once (SMPP resubmission) */
	bool done;
	m2m_es5_result result;
} m2m_es5_txn;

/* Copies cmd and keys, checks cfg and plans the packets (M2M_ERR_BOUNDS: a C-APDU does not
 * fit max_parts SMS). The txn must be freed whatever this returns. */
m2m_err m2m_es5_txn_start(m2m_es5_txn *t, const m2m_es5_cmd *cmd, const m2m_es5_pack_cfg *cfg,
			  const m2m_scp80_keys *keys, const uint8_t eid[M2M_ES5_EID_SIZE]);
void m2m_es5_txn_free(m2m_es5_txn *t);
/* Whether a packet is due (not done, nothing awaited). */
bool m2m_es5_txn_due(const m2m_es5_txn *t);
/* Builds the next packet into t->pkt (counter from reserve; ref: concatenation reference)
 * and marks it awaited. On failure the txn is done with a BAD_RESPONSE-free outcome
 * (TRANSPORT) and the error is returned. */
m2m_err m2m_es5_txn_packet(m2m_es5_txn *t, m2m_es5_reserve_counter_fn reserve, void *arg,
			   uint16_t ref);

typedef enum {
	M2M_ES5_POR_TAKEN,        /* it answered the awaited packet (check t->done) */
	M2M_ES5_POR_IGNORED,      /* it answered it but changes nothing (status 0B, replay echo) */
	M2M_ES5_POR_NOT_OURS,     /* another packet's PoR (TAR/counter differ), or none awaited */
	M2M_ES5_POR_BAD,          /* malformed or failed verification: dropped, keep waiting */
} m2m_es5_por_verdict;

/* A complete response packet (without UDH) from this eUICC. */
m2m_es5_por_verdict m2m_es5_txn_por(m2m_es5_txn *t, const uint8_t *pkt, size_t n);
/* Ends the txn with a bearer outcome (time-out, undelivered, transport). */
void m2m_es5_txn_fail(m2m_es5_txn *t, m2m_es5_outcome o);

/* Deep copy of a command set (dst initialised). */
m2m_err m2m_es5_cmd_copy(m2m_es5_cmd *dst, const m2m_es5_cmd *src);

#endif
