/*
 * The SM-DP's side of the SGP.02 profile download (3.1): key establishment with the new
 * ISD-P (ECKA-EG scenario #3) and the personalised package over SCP03t, as ES8 traffic that
 * travels inside ES3.SendData. A pure state machine, bytes in and bytes out:
 *
 *   m2m_es8_next()      the next ES3.SendData payload (Sd-aid, Data, MoreToDo)
 *   m2m_es8_response()  the card's answer to it (the EuiccResponseData the SM-SR returns)
 *
 * Payloads, in order (docs/smdp-download.md):
 *   1 KEYEST_CERT  AE80 { 83 01 01, 22 INSTALL [for personalization] ISD-P,
 *                         22 STORE DATA 3A01 CERT.DP.ECDSA } 0000      for the ISD-R
 *   2 KEYEST_EPK   AE80 { 83 01 03, 22 STORE DATA 3A02 A6 ePK sig } 0000 for the ISD-R
 *   3 INIT_UPDATE  AE80 { 84 KVN 00 host challenge } 0000                for the ISD-P
 *   4 DOWNLOAD     AE80 { [85 EXTERNAL AUTHENTICATE] 86 segment... } 0000 for the ISD-P,
 *                  repeated while segments are left (payload_max)
 * Any failure ends the session with a typed m2m_es8_failure; the caller then runs the error
 * sub-routine (ES3.DeleteISDP). Key material is wiped when it is no longer needed.
 */
#ifndef M2M_SMDP_ES8_SESSION_H
#define M2M_SMDP_ES8_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "card/gpcert.h"
#include "core/err.h"
#include "crypto/ec.h"

#define M2M_ES8_SEGMENT_DEFAULT 1007         /* an 86 TLV of at most 1024 bytes */
#define M2M_ES8_PACKAGE_MAX (1024u * 1024)   /* largest package a session sends */
#define M2M_ES8_AID_MAX 16
#define M2M_ES8_EID_SIZE 16
#define M2M_ES8_ICCID_SIZE 10
#define M2M_ES8_KEY_MAX 32

/* What happens to the ISD-P's SCP03 key set after a successful download. */
typedef enum {
	M2M_ES8_KEYS_KEEP,     /* the SM-DP keeps it (ES8 UpdateConnectivityParameters later) */
	M2M_ES8_KEYS_HANDOVER, /* the caller passes it to the operator, then forgets it */
	M2M_ES8_KEYS_DELETE,   /* wiped at the end of the session: nobody can open the ISD-P */
} m2m_es8_keys_policy;

typedef struct {
	const uint8_t *eid;             /* 16 bytes */
	const uint8_t *isdp_aid;        /* from ES3.CreateISDP */
	size_t isdp_aid_len;
	const uint8_t *cert_dp;         /* CERT.DP.ECDSA: one 7F21 TLV (copied) */
	size_t cert_dp_len;
	const m2m_eckey *sk_dp;         /* SK.DP.ECDSA: borrowed for the session's lifetime */
	const m2m_eckey *pk_ecasd;      /* PK.ECASD.ECKA from the checked certificate: borrowed */
	m2m_curve curve;                /* the ECASD's curve (must be pk_ecasd's) */
	const uint8_t *package;         /* personalised package DER: borrowed */
	size_t package_len;
	size_t segment_size;            /* plaintext bytes per 86 (1..65000), 0: default */
	size_t payload_max;             /* bytes of one download Data, 0: no limit */
	bool dr;                        /* ask the card for a derivation random */
	m2m_gp_pubkey_form epk_form;    /* ePK.DP.ECKA in STORE DATA #2 */
	m2m_es8_keys_policy keys;
	const uint8_t *host_challenge;  /* SCP03t host challenge (8 bytes), NULL: random */
} m2m_es8_config;

/* The ISD-P's SCP03 key set from key establishment: ENC (id 01), MAC (02), DEK (03). */
typedef struct {
	uint8_t kvn;                    /* 30 */
	size_t key_len;                 /* 16 */
	uint8_t enc[M2M_ES8_KEY_MAX];
	uint8_t mac[M2M_ES8_KEY_MAX];
	uint8_t dek[M2M_ES8_KEY_MAX];
} m2m_es8_keyset;

void m2m_es8_keyset_wipe(m2m_es8_keyset *k);

typedef enum {
	M2M_ES8_STEP_KEYEST_CERT,  /* INSTALL [for personalization] + STORE DATA 3A01 */
	M2M_ES8_STEP_KEYEST_EPK,   /* STORE DATA 3A02 and the receipt */
	M2M_ES8_STEP_INIT_UPDATE,  /* SCP03t 84 */
	M2M_ES8_STEP_EXT_AUTH,     /* SCP03t 85 */
	M2M_ES8_STEP_SEGMENT,      /* SCP03t 86 */
	M2M_ES8_STEP_DONE,
} m2m_es8_step;

/* Where the SM-SR must deliver a payload's Data. */
typedef enum {
	M2M_ES8_TO_ISDR, /* an expanded C-APDU script for the ISD-R (TAR 000001) */
	M2M_ES8_TO_ISDP, /* SCP03t TLVs for the ISD-P (X-Admin-Targeted-Application) */
} m2m_es8_target;

/* One ES3.SendData. Pointers stay valid until the next call on the session. */
typedef struct {
	m2m_es8_step step;              /* first command's step */
	m2m_es8_target target;
	const uint8_t *sd_aid;          /* Sd-aid: the ISD-P the ES8 function is for */
	size_t sd_aid_len;
	const uint8_t *data;            /* Data */
	size_t len;
	size_t commands;                /* C-APDUs or SCP03t TLVs in Data */
	bool more_to_do;                /* MoreToDo: another payload follows */
} m2m_es8_payload;

/* Why a session failed: enough to report ES2.DownloadProfile's status and to run the error
 * sub-routine. */
typedef struct {
	m2m_es8_step step;
	m2m_err err;            /* VERIFY: receipt, cryptogram or R-MAC wrong; FORMAT: malformed
				 * answer; STATE: the card refused (sw, scp03t_code, pe_*) */
	uint16_t sw;            /* status word of the failing C-APDU, 0 if none */
	uint8_t scp03t_code;    /* code of a 9F44/9F45/9F46 answer, 0 if none */
	size_t segment;         /* SEGMENT: 0-based number of the failing 86 */
	size_t segment_offset;  /* SEGMENT: package offset of its first byte */
	bool has_pe;            /* the card's EUICCResponse refused an element */
	long pe_status;         /* PEStatus status (SAIP) */
	long pe_id;             /* the element's PEHeader identification, -1 when absent */
	long pe_offset;         /* the element's offset in the package, -1 when absent */
	char pe_type[32];       /* the element at pe_offset in our package ("usim"), or "" */
	const char *subject;    /* ES status code subject, e.g. "8.3" */
	const char *reason;     /* ES status code reason, e.g. "4.2" */
	char message[256];
} m2m_es8_failure;

typedef struct m2m_es8_session m2m_es8_session;

/* Defaults: segment 1007, no payload limit, no DR, raw ePK (as whty), keys kept. */
void m2m_es8_config_init(m2m_es8_config *c);

/* A session that starts with key establishment. The package must begin with its header
 * (the ICCID is read from it) and hold at most M2M_ES8_PACKAGE_MAX bytes. */
m2m_err m2m_es8_session_new(const m2m_es8_config *c, m2m_es8_session **out);
/* A session that reuses a key set established earlier (an SM-DP restarted mid-download):
 * it starts at INITIALIZE UPDATE; the card restarts the package from its first byte. */
m2m_err m2m_es8_session_resume(const m2m_es8_config *c, const m2m_es8_keyset *keys,
			       m2m_es8_session **out);
/* Wipes every key and frees; NULL is fine. */
void m2m_es8_session_free(m2m_es8_session *s);

/* M2M_OK with the next payload; M2M_END once the download is complete; M2M_ERR_STATE while
 * an answer is awaited or after a failure. */
m2m_err m2m_es8_next(m2m_es8_session *s, m2m_es8_payload *p);
/* The card's answer to the last payload: an expanded response script (AB/AF) for the
 * ISD-R's C-APDUs; the answer TLVs (in AF 80 .. 00 00, AB L .., or bare) for SCP03t.
 * M2M_OK: the session moved on (or is complete); otherwise it has failed, see failure(). */
m2m_err m2m_es8_response(m2m_es8_session *s, const uint8_t *resp, size_t n);
/* The transport failed (SendData failed or expired): the session fails with the caller's
 * status code; keys are wiped. */
void m2m_es8_abort(m2m_es8_session *s, const char *subject, const char *reason,
		   const char *message);

bool m2m_es8_done(const m2m_es8_session *s);
/* NULL unless the session failed. */
const m2m_es8_failure *m2m_es8_failure_get(const m2m_es8_session *s);
/* The step the next payload or answer belongs to. */
m2m_es8_step m2m_es8_step_get(const m2m_es8_session *s);
/* The profile's ICCID from the package header (10 bytes, BCD as in EF.ICCID). */
const uint8_t *m2m_es8_iccid(const m2m_es8_session *s);
/* The last segment's EUICCResponse (DER), once done. */
const uint8_t *m2m_es8_euicc_response(const m2m_es8_session *s, size_t *len);
/* The established key set, from the end of key establishment on: M2M_ERR_STATE before,
 * after a failure, and after completion with M2M_ES8_KEYS_DELETE. */
m2m_err m2m_es8_keys(const m2m_es8_session *s, m2m_es8_keyset *out);
/* Number of 86 segments the package is cut into. */
size_t m2m_es8_segments(const m2m_es8_session *s);

const char *m2m_es8_step_name(m2m_es8_step step);

#endif
