/*
 * The eUICC's OTA front end (ES5 bearers): SMS-PP DOWNLOAD envelopes carrying SCP80 command
 * packets, MO SMS for notifications and PoRs, and the SCP81 (RAM over HTTP) client session.
 * Pure logic: bytes in, bytes and events out; the device farm does the radio, TCP and TLS.
 * Routing, PoR rules and the choices made are in docs/euicc.md, section "OTA front end".
 */
#ifndef M2M_EUICC_OTA_H
#define M2M_EUICC_OTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "card/scp80.h"
#include "card/scp81.h"
#include "card/sms.h"
#include "core/buf.h"
#include "euicc/euicc.h"

#define M2M_EUICC_OTA_MO_MAX 16      /* MO SMS parts per call (PoR or notification) */
#define M2M_EUICC_OTA_TEXT_MAX 128   /* host / URI copies */
#define M2M_EUICC_OTA_TARGET_ISDR (-1)
/* Other targets of m2m_euicc_ota_route_apdu (>= 0: an ISD-P index): an unknown application
 * (SCP81), the MNO-SD of the enabled profile and its RFM applications (ES6, mno_*.c). */
#define M2M_EUICC_OTA_TARGET_UNKNOWN (-2)
#define M2M_EUICC_OTA_TARGET_MNO_SD (-3)
#define M2M_EUICC_OTA_TARGET_RFM(k) (-4 - (k))

/* The ENVELOPE's status words. */
#define M2M_EUICC_OTA_SW_OK 0x9000
#define M2M_EUICC_OTA_SW_WRONG_DATA 0x6A80

/* ISD-P entry points (isdp.h), installed by m2m_euicc_ota_enable_isdp (ota_isdp.c) so the
 * rest of the front end links without the ES8 code. NULL: ISD-P traffic is refused. */
typedef m2m_err (*m2m_euicc_ota_isdp_apdu_fn)(m2m_euicc *e, int idx, const uint8_t *capdu,
					      size_t n, m2m_buf *rapdu, m2m_euicc_events *ev);
typedef m2m_err (*m2m_euicc_ota_isdp_scp03t_fn)(m2m_euicc *e, int idx, const uint8_t *tlv,
						size_t n, m2m_buf *resp, m2m_euicc_events *ev);

typedef enum {
	M2M_EUICC_OTA_SCP81_IDLE = 0,
	M2M_EUICC_OTA_SCP81_TRIGGERED, /* the farm must connect and send the first POST */
	M2M_EUICC_OTA_SCP81_WAITING,   /* a POST is out: feed the server's response */
} m2m_euicc_ota_scp81_state;

/* One administration session (SCP81, card = HTTP client). Text is copied from the trigger. */
typedef struct {
	m2m_euicc_ota_scp81_state state;
	char host[M2M_EUICC_OTA_TEXT_MAX];     /* Host header (trigger 8A, else the default) */
	char uri[M2M_EUICC_OTA_TEXT_MAX];      /* URI of the next POST */
	uint8_t kvn;                           /* PSK key set (trigger 85, else the first 40-4F) */
	uint8_t kid;
	bool has_retry;                        /* trigger 86, for the farm */
	uint16_t retry_counter;
	uint8_t retry_timer[3];
	bool retry_report;
	uint8_t conn[M2M_EUICC_OTA_TEXT_MAX];  /* trigger 84 (OPEN CHANNEL TLVs), for the farm */
	size_t conn_len;
	uint32_t posts;                        /* POSTs built in this session */
	bool notify;                           /* opened by the card for a notification */
	uint16_t notif_seq;                    /* ... of this sequence number */
} m2m_euicc_ota_scp81;

/* Front-end state the caller keeps per card; never persisted (a reset loses it). */
typedef struct {
	m2m_sms_reasm reasm;                   /* concatenated MT parts */
	uint8_t mr;                            /* TP-MR of the next MO SMS */
	uint16_t mo_ref;                       /* concatenation reference of the next MO SMS */
	m2m_sms_addr smsr_default;             /* SM-SR address when A3 has none usable */
	char scp81_default_host[M2M_EUICC_OTA_TEXT_MAX];
	char scp81_default_uri[M2M_EUICC_OTA_TEXT_MAX]; /* "/polling" after init */
	m2m_euicc_ota_scp81 scp81;
	m2m_euicc_ota_isdp_apdu_fn isdp_apdu;
	m2m_euicc_ota_isdp_scp03t_fn isdp_scp03t;
} m2m_euicc_ota;

/* What one call produced, for the device farm. */
typedef struct {
	m2m_euicc_events ev;         /* refresh / notification / state_changed (save) */
	uint16_t sw;                 /* the ENVELOPE's status word */
	size_t mo_count;             /* SMS-SUBMIT TPDUs to send, in order */
	m2m_buf mo[M2M_EUICC_OTA_MO_MAX];
	bool por_sent;               /* a PoR went out (ENVELOPE data or MO) */
	uint8_t por_status;          /* its status, or of the refusal; 0xFF when none */
	bool scp81_open;             /* a trigger arrived: open TLS-PSK, then first POST */
	bool scp81_done;             /* the session ended (204, or an error) */
} m2m_euicc_ota_out;

/* ---- life cycle (ota.c) ---- */

/* smsr_default may be NULL (then notifications need A3 with an address). */
void m2m_euicc_ota_init(m2m_euicc_ota *ota, const m2m_sms_addr *smsr_default);
void m2m_euicc_ota_free(m2m_euicc_ota *ota);
void m2m_euicc_ota_out_init(m2m_euicc_ota_out *out);
/* Empties the MO list and the flags (not the events: they accumulate until the caller
 * resets ev itself). */
void m2m_euicc_ota_out_reset(m2m_euicc_ota_out *out);
void m2m_euicc_ota_out_free(m2m_euicc_ota_out *out);
/* Empties the MO list only. */
void m2m_euicc_ota_out_reset_mo(m2m_euicc_ota_out *out);

/* ---- SMS-PP (ota_envelope.c) ---- */

/* One ENVELOPE (SMS-PP DOWNLOAD) body, the D1 TLV without the APDU header. response gets
 * the ENVELOPE response data (the DELIVER-REPORT TP-UD: 02 71 00 PoR), out->sw the status
 * word, out->mo the MO SMS to send. Malformed input is never an error of the call: it is
 * 6A80 or a silent drop, as a card does. Errors are for bad arguments and memory. */
m2m_err m2m_euicc_ota_envelope(m2m_euicc *e, m2m_euicc_ota *ota, const uint8_t *envelope,
			       size_t n, m2m_buf *response, m2m_euicc_ota_out *out);

/* ---- notifications (ota_notif.c) ---- */

/* The MO SMS (one or more SMS-SUBMIT parts in out->mo) for the oldest pending notification;
 * M2M_ERR_STATE when none is pending or no SCP80 key set / SM-SR address exists. Send again
 * until the confirmation (3A08) removes it. */
m2m_err m2m_euicc_ota_notification(m2m_euicc *e, m2m_euicc_ota *ota, m2m_euicc_ota_out *out);
/* The SM-SR's address from the A3 addressing parameters (81: TS 23.040 address), if any. */
bool m2m_euicc_ota_smsr_address(const m2m_euicc *e, m2m_sms_addr *addr);

/* ---- SCP81 (ota_scp81*.c) ---- */

/* The TLS-PSK credentials of the session: identity (upper-case hex ASCII) and PSK bytes.
 * The PSK is the caller's to wipe (m2m_buf_free does). */
m2m_err m2m_euicc_ota_scp81_psk(const m2m_euicc *e, const m2m_euicc_ota *ota,
				m2m_buf *identity, m2m_buf *psk);
/* The first POST (head only, no body), once TLS is up. */
m2m_err m2m_euicc_ota_scp81_first(m2m_euicc *e, m2m_euicc_ota *ota, m2m_buf *request);
/* One complete server response (head and body). request gets the next POST, or nothing when
 * the session ends (out->scp81_done). M2M_ERR_BOUNDS: incomplete, read more and call again. */
m2m_err m2m_euicc_ota_scp81_response(m2m_euicc *e, m2m_euicc_ota *ota, const uint8_t *http,
				     size_t n, m2m_buf *request, m2m_euicc_ota_out *out);
/* Notifications over HTTPS (ota_scp81_notif.c, docs/euicc.md "Notifications over HTTPS"):
 * opens an SCP81 session of the card's own for the oldest pending notification, as if a
 * trigger with the card's defaults had arrived (host and URI from scp81_default_*, key 01 of
 * the lowest PSK set 40-4F). The farm connects as for a trigger; m2m_euicc_ota_scp81_first
 * then builds `POST <uri>?msg=<E1 in upper-case hex>` (njiwa RamHttp, sgp02-facts.md 2.3),
 * and the server's answers run as in any session (the 3A08 confirmation among them).
 * M2M_ERR_STATE: no notification pending, no PSK key set, or a session in progress. Repeat
 * until the confirmation removes the notification, as for m2m_euicc_ota_notification. */
m2m_err m2m_euicc_ota_scp81_notify(m2m_euicc *e, m2m_euicc_ota *ota);
/* Drops the session (connection lost, retries exhausted). */
void m2m_euicc_ota_scp81_abort(m2m_euicc *e, m2m_euicc_ota *ota);

/* ---- ISD-P routing (ota_isdp.c, links against isdp.h) ---- */

void m2m_euicc_ota_enable_isdp(m2m_euicc_ota *ota);

/* ---- internal to ota*.c ---- */

/* Runs one TS 102 226 script (expanded AA/AE, bare 22s or compact) on a target (ISD-R or
 * ISD-P index) and appends the response script. *more: script chaining says more follow.
 * The card session is the caller's to end (per SMS packet, or per SCP81 session). */
m2m_err m2m_euicc_ota_run_script(m2m_euicc *e, const m2m_euicc_ota *ota, int target,
				 const uint8_t *script, size_t n, m2m_buf *resp,
				 m2m_euicc_events *ev, bool *more);
/* One C-APDU to a target. */
m2m_err m2m_euicc_ota_route_apdu(m2m_euicc *e, const m2m_euicc_ota *ota, int target,
				 const uint8_t *capdu, size_t n, m2m_buf *rapdu,
				 m2m_euicc_events *ev);
/* A body of SCP03t TLVs for ISD-P idx: AF 80 {answers} 00 00 appended to resp. */
m2m_err m2m_euicc_ota_run_scp03t(m2m_euicc *e, const m2m_euicc_ota *ota, int idx,
				 const uint8_t *tlvs, size_t n, m2m_buf *resp,
				 m2m_euicc_events *ev);
/* SCP80 keys of ISD-R key set kvn (KIc key 01, KID key 02), wiped by the caller. */
bool m2m_euicc_ota_keys(m2m_euicc *e, uint8_t kvn, m2m_scp80_keys *keys);
/* Appends SMS-SUBMIT parts of packet pkt (UDH iei 70 or 71) to out->mo. */
m2m_err m2m_euicc_ota_mo(m2m_euicc_ota *ota, uint8_t iei, const m2m_sms_addr *da,
			 const uint8_t *pkt, size_t n, m2m_euicc_ota_out *out);
/* One complete SCP80 command packet from origin (TP-OA), after reassembly. */
m2m_err m2m_euicc_ota_packet(m2m_euicc *e, m2m_euicc_ota *ota, const uint8_t *pkt, size_t n,
			     const m2m_sms_addr *origin, m2m_buf *response,
			     m2m_euicc_ota_out *out);
/* Builds a POST to the session's current URI (first POST: status NONE, no body). */
m2m_err m2m_euicc_ota_scp81_post(const m2m_euicc *e, const m2m_euicc_ota *ota,
				 m2m_scp81_script_status status, const uint8_t *body,
				 size_t len, m2m_buf *request);
/* Key 01 of the lowest PSK-TLS key set (KVN 40-4F) into s->kvn/kid (kvn 0 when none). */
void m2m_euicc_ota_scp81_default_psk(const m2m_euicc *e, m2m_euicc_ota_scp81 *s);
/* The first POST of a notification session: POST <uri>?msg=<HEX E1>, no body. */
m2m_err m2m_euicc_ota_scp81_notif_post(m2m_euicc *e, m2m_euicc_ota *ota, m2m_buf *request);
/* Starts an SCP81 session from a trigger (81 TLV); false if it is not a valid trigger. */
bool m2m_euicc_ota_scp81_trigger(m2m_euicc *e, m2m_euicc_ota *ota, const uint8_t *p,
				 size_t n);

#endif
