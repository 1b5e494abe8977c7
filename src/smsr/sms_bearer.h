/*
 * The ES5 SMS bearer of the SM-SR: ES5 command sets to eUICCs over an SMPP 3.4 ESME
 * (net/smpp_esme.h), their PoRs and the eUICCs' MO notifications back.
 *
 *   send(eid, cmd) -> per packet: counter reserved, SCP80 wrap, TP-UDs submitted
 *                     (submit_sm: UDH 70, PID 7F, DCS F6, esm_class UDHI) to the MSISDN;
 *                     one packet in flight per eUICC, the next after the PoR of the last;
 *                  <- deliver_sm with UDH 71 (PoR, concatenated or not) matched by MSISDN,
 *                     TAR and counter; failed or expired delivery receipts end the command
 *                     early; no PoR in time ends it with a time-out;
 *                  -> on_result(eid, typed result)
 *   deliver_sm with UDH 70 from an eUICC (TAR 000001, CC) -> verified -> on_notification
 *   send_raw(eid, tar, data) -> the same for one packet of raw secured data (SCP81 trigger)
 *
 * The window bounds the submit_sm awaiting their response across every eUICC; ESME_RTHROTTLED
 * and ESME_RMSGQFUL pause the bearer and the part is sent again; a part whose session was
 * lost is resubmitted after the ESME's reconnect. Behaviour and time-outs: docs/es5.md.
 * Per-eUICC data (MSISDN, keys, counters) comes through m2m_sms_bearer_lookup: no store here.
 */
#ifndef M2M_SMSR_SMS_BEARER_H
#define M2M_SMSR_SMS_BEARER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "card/scp80.h"
#include "core/err.h"
#include "net/smpp_esme.h"
#include "smsr/es5_cmd.h"
#include "smsr/es5_pack.h"
#include "smsr/es5_result.h"

typedef struct m2m_sms_bearer m2m_sms_bearer;

/* What the bearer needs of one eUICC. The lookup fills it; the bearer wipes the keys. */
typedef struct {
	m2m_smpp_addr msisdn;     /* destination: TON/NPI (1/1) and international digits */
	m2m_es5_pack_cfg pack;    /* SPI, ISD-R key set and algorithms, SMS per packet */
	m2m_scp80_keys keys;      /* KIc / KID of key set pack.kvn */
} m2m_sms_bearer_euicc;

typedef struct {
	/* The eUICC's data: M2M_OK, or any error (unknown eUICC, store failure). */
	m2m_err (*by_eid)(void *arg, const uint8_t eid[M2M_ES5_EID_SIZE],
			  m2m_sms_bearer_euicc *out);
	/* Keys of ISD-R key set kvn (MO notifications may use another set than by_eid's).
	 * NULL: only by_eid's key set verifies notifications. */
	m2m_err (*keyset)(void *arg, const uint8_t eid[M2M_ES5_EID_SIZE], uint8_t kvn,
			  m2m_scp80_keys *out);
	/* The next counter of key set kvn, stored durably before it returns. */
	m2m_es5_reserve_counter_fn reserve_counter;
} m2m_sms_bearer_lookup;

typedef struct {
	/* The outcome of one m2m_sms_bearer_send. r belongs to the bearer and lives during the
	 * call (m2m_es5_result_move takes it). The eUICC is free for the next command. */
	void (*on_result)(m2m_sms_bearer *b, void *ref, const uint8_t eid[M2M_ES5_EID_SIZE],
			  m2m_es5_result *r, void *arg);
	/* A notification whose CC verified with the keys of the EID it names; from: the
	 * MSISDN it came from (the enabled profile's, which may be new to the EIS). */
	void (*on_notification)(m2m_sms_bearer *b, const m2m_es5_notif *n, const char *from,
				void *arg);
	/* Bound (true) or session lost (false); optional. */
	void (*on_link)(m2m_sms_bearer *b, bool up, void *arg);
} m2m_sms_bearer_cbs;

typedef struct {
	m2m_smpp_esme_cfg esme;     /* SMSC, account, source address, receipts, session */
	unsigned por_timeout_ms;    /* per packet, after its last part was accepted (0 = 120000) */
	unsigned window;            /* submit_sm awaiting a response (0 = session window or 10) */
	unsigned throttle_ms;       /* pause after ESME_RTHROTTLED / RMSGQFUL (0 = 5000) */
	unsigned resubmit_max;      /* sends of a part whose session was lost (0 = 3) */
	unsigned reasm_timeout_ms;  /* incomplete concatenated PoR / MO dropped after (0 = 60000) */
	size_t reasm_max;           /* concatenations pending at once (0 = 1024) */
} m2m_sms_bearer_cfg;

typedef struct {
	uint64_t commands;          /* accepted by m2m_sms_bearer_send */
	uint64_t results;           /* on_result calls */
	uint64_t packets;           /* command packets built */
	uint64_t submits;           /* submit_sm sent (resubmissions included) */
	uint64_t resubmits;
	uint64_t throttled;
	uint64_t pors;              /* PoRs taken */
	uint64_t pors_dropped;      /* unmatched, unverified or malformed */
	uint64_t receipts;
	uint64_t undelivered;       /* commands ended by a failed receipt or a refused submit */
	uint64_t timeouts;
	uint64_t notifications;     /* verified and handed over */
	uint64_t notifications_dropped;
	size_t in_flight;           /* commands now */
	size_t window_used;         /* submit_sm awaiting their response now */
	size_t window_peak;
} m2m_sms_bearer_stats;

/* Copies cfg (strings included). NULL on bad arguments or memory. */
m2m_sms_bearer *m2m_sms_bearer_new(struct event_base *base, const m2m_sms_bearer_cfg *cfg,
				   const m2m_sms_bearer_lookup *lookup, void *lookup_arg,
				   const m2m_sms_bearer_cbs *cbs, void *arg);
/* Connects and binds; the ESME reconnects by itself after any loss. */
m2m_err m2m_sms_bearer_start(m2m_sms_bearer *b);
/* Unbinds; commands in flight stay until they time out or m2m_sms_bearer_free. */
void m2m_sms_bearer_stop(m2m_sms_bearer *b);
/* Drops every command in flight without callbacks and wipes their keys. Not from a
 * callback. */
void m2m_sms_bearer_free(m2m_sms_bearer *b);

/* Queues one command set for the eUICC; on_result follows (never from inside this call).
 * M2M_ERR_STATE: a command is in flight for that eUICC; M2M_ERR_BOUNDS: a C-APDU does not
 * fit the eUICC's SMS-per-packet limit; M2M_ERR_ARG: a bad command or packaging
 * configuration; any error of the lookup. */
m2m_err m2m_sms_bearer_send(m2m_sms_bearer *b, const uint8_t eid[M2M_ES5_EID_SIZE],
			    const m2m_es5_cmd *cmd, void *ref);
/* Queues one SCP80 command packet whose secured data is data as is (1 byte or more, one
 * packet of the eUICC's SMS-per-packet limit), for tar: e.g. the SCP81 trigger 81 TLV to the
 * ISD-R (TAR 000001), which goes without an AA/22 script. Same keys, counter reservation,
 * receipts and PoR handling as m2m_sms_bearer_send; on_result gets a result with fn 0,
 * outcome OK when the PoR says 00, POR_ERROR otherwise (or the bearer's failure), no
 * R-APDUs. Errors as m2m_sms_bearer_send (M2M_ERR_BOUNDS: data does not fit one packet). */
m2m_err m2m_sms_bearer_send_raw(m2m_sms_bearer *b, const uint8_t eid[M2M_ES5_EID_SIZE],
				const uint8_t tar[3], const uint8_t *data, size_t len, void *ref);
bool m2m_sms_bearer_busy(const m2m_sms_bearer *b, const uint8_t eid[M2M_ES5_EID_SIZE]);
/* While held, queued parts are not submitted: a caller that reserves counters inside its own
 * store transaction holds the bearer until the commit, so no packet leaves before its counter
 * is stored. Releasing submits what waits. */
void m2m_sms_bearer_hold(m2m_sms_bearer *b, bool held);
/* Ends the eUICC's command in flight, if any, as a transport failure (on_result from inside
 * this call): e.g. when the transaction holding its counter did not commit. */
void m2m_sms_bearer_cancel(m2m_sms_bearer *b, const uint8_t eid[M2M_ES5_EID_SIZE]);
bool m2m_sms_bearer_bound(const m2m_sms_bearer *b);
void m2m_sms_bearer_stats_get(const m2m_sms_bearer *b, m2m_sms_bearer_stats *s);
m2m_smpp_esme *m2m_sms_bearer_esme(const m2m_sms_bearer *b);

#endif
