/*
 * SGP.02 key establishment, ECKA-EG scenario #3 (mutual authentication, GP Amendments A/E),
 * both sides: the off-card entity (SM-DP for an ISD-P key set, SM-SR for an SM-SR change)
 * and the card (ECASD plus the receiving ISD-P or ISD-R). Byte layouts and choices:
 * docs/key-establishment.md.
 *
 *   STORE DATA #1  80 E2 09 00  3A01 L { 7F21 cert }            ->  85 10 RC
 *   STORE DATA #2  80 E2 89 01  3A02 L { A6 CRT } 7F49 ePK 5F37 sig
 *                                                              ->  [85 L DR] 86 10 receipt
 *
 * 3A01 and 3A02 are DGIs (2-byte tag, length 00-FE or FF xx xx: STORE DATA in DGI format),
 * the rest BER-TLV.
 * sig  = ECDSA(SK.off-card, 3A02 TLV || 7F49 TLV || 00 85 L RC), plain r||s
 * ShS  = x of ECDH(eSK, PK.ECASD.ECKA)
 * KDF  = X9.63 SHA-256(ShS, SharedInfo = usage || type || length [|| DR])
 *        = receipt key || key id n || key id n+1 || ...
 * receipt = AES-CMAC(receipt key, A6 CRT as sent [|| 85 L DR])
 *
 * Card-side functions give, beside the m2m_err, the status word to answer with:
 *   9000 success; 6A80 malformed or unsupported data (M2M_ERR_FORMAT, TLV errors,
 *   M2M_ERR_UNSUPPORTED); 6982 a signature that does not verify (M2M_ERR_VERIFY);
 *   6985 wrong certificate type or STORE DATA #2 without a pending RC (M2M_ERR_STATE);
 *   6F00 internal failure.
 */
#ifndef M2M_CARD_KEYEST_H
#define M2M_CARD_KEYEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "card/gpcert.h"
#include "core/buf.h"
#include "core/err.h"
#include "crypto/ec.h"

#define M2M_KEYEST_RC_SIZE 16      /* the card's random challenge (tag 85) */
#define M2M_KEYEST_RECEIPT_SIZE 16 /* full AES-CMAC (tag 86) */
#define M2M_KEYEST_KEYS_MAX 4      /* keys after the receipt key */
#define M2M_KEYEST_KEY_MAX 32
#define M2M_KEYEST_DR_MAX 32
#define M2M_KEYEST_CTR_MAX 8       /* initial counter (tag 91) */

/* Scenario parameter bits (tag 90, second byte). */
enum {
	M2M_KEYEST_P_REPLACE = 0x01, /* unnamed in both sources; whty sets it [M] */
	M2M_KEYEST_P_DR = 0x02,      /* the card returns a derivation random DR */
	M2M_KEYEST_P_HOSTID = 0x04,  /* HostID/SDIN/SIN in the CRT: not supported */
	M2M_KEYEST_P_CERT = 0x08,    /* certificate verification precedes */
};

enum {
	M2M_KEYEST_USAGE_3KEYS = 0x10, /* a 3-key set (SCP03 ENC/MAC/DEK, SCP80 KIc/KID/DEK) */
	M2M_KEYEST_TYPE_AES = 0x88,
	M2M_KEYEST_KVN_ISDP = 0x30,     /* ISD-P SCP03 key set */
	M2M_KEYEST_KVN_SMSR_CHANGE = 0x02, /* new SCP80 key set of the ISD-R */
};

/* The A6 control reference template. */
typedef struct {
	uint8_t scenario_param; /* 90 02 03 xx */
	uint8_t key_usage;      /* 95 */
	uint8_t key_type;       /* 80: only 88 (AES) */
	uint8_t key_len;        /* 81: 16, 24 or 32 */
	uint8_t key_id;         /* 82: first key id */
	uint8_t kvn;            /* 83 */
	uint8_t counter[M2M_KEYEST_CTR_MAX];
	size_t counter_len;     /* 91: sent even when empty (91 00) */
	bool has_counter;       /* card side: 91 was present */
} m2m_keyest_crt;

/* Off-card choices: the CRT, how many keys to derive and the ePK form to send. */
typedef struct {
	m2m_keyest_crt crt;
	size_t nkeys;
	m2m_gp_pubkey_form epk_form;
} m2m_keyest_params;

/* Keys established, identical on both sides. */
typedef struct {
	uint8_t key[M2M_KEYEST_KEYS_MAX][M2M_KEYEST_KEY_MAX];
	size_t nkeys;
	size_t key_len;
	uint8_t key_id;         /* id of key[0]; key[i] has key_id + i */
	uint8_t kvn;
	uint8_t key_type;
	uint8_t key_usage;
	uint8_t dr[M2M_KEYEST_DR_MAX];
	size_t dr_len;          /* 0: no DR */
	uint8_t receipt[M2M_KEYEST_RECEIPT_SIZE];
} m2m_keyest_keys;

void m2m_keyest_keys_wipe(m2m_keyest_keys *k);

/* The ISD-P SCP03 key set of the real whty session (A6 15 90020309 950110 800188 810110
 * 820101 830130 9100), with bit 02 added when dr is set; ePK sent raw. */
void m2m_keyest_params_isdp(m2m_keyest_params *p, bool dr);
/* SM-SR change: the same with KVN 02 (SCP80 KIc/KID/DEK of the ISD-R). */
void m2m_keyest_params_smsr_change(m2m_keyest_params *p, bool dr);

/* DR length for a curve: 16/24/32 bytes for fields up to 383/511/more bits (GP Amd A
 * Table 3-27 per njiwa): 16 for all supported curves. */
size_t m2m_keyest_dr_len(m2m_curve curve);

/* Appends the A6 TLV; M2M_ERR_ARG for values this implementation does not support. */
m2m_err m2m_keyest_crt_encode(const m2m_keyest_crt *crt, m2m_buf *out);
/* Strict parse of an A6 TLV's value: 90 95 80 81 82 83 [91] in this order. */
m2m_err m2m_keyest_crt_parse(const uint8_t *value, size_t len, m2m_keyest_crt *crt);

/* ---- off-card entity ---- */

typedef enum {
	M2M_KEYEST_HOST_START,
	M2M_KEYEST_HOST_RC,      /* RC received */
	M2M_KEYEST_HOST_SENT,    /* STORE DATA #2 built, waiting for the receipt */
	M2M_KEYEST_HOST_DONE,
	M2M_KEYEST_HOST_FAILED,
} m2m_keyest_host_state;

typedef struct {
	m2m_keyest_params p;
	m2m_keyest_host_state state;
	uint8_t rc[M2M_KEYEST_RC_SIZE];
	m2m_eckey *esk;               /* ephemeral key pair, freed once the receipt is checked */
	uint8_t shs[M2M_EC_FIELD_SIZE];
	uint8_t a6[64];               /* the CRT as sent: input of the receipt */
	size_t a6_len;
} m2m_keyest_host;

m2m_err m2m_keyest_host_init(m2m_keyest_host *h, const m2m_keyest_params *p);
/* Frees the ephemeral key and wipes everything. */
void m2m_keyest_host_wipe(m2m_keyest_host *h);

/* STORE DATA #1: data field DGI 3A01 { cert } and the APDU 80 E2 09 00 (extended length when
 * over 255 bytes). cert is the whole 7F21 TLV. */
m2m_err m2m_keyest_sd1_data(const uint8_t *cert, size_t n, m2m_buf *out);
m2m_err m2m_keyest_sd1_apdu(const uint8_t *cert, size_t n, m2m_buf *out);
/* The card's answer to STORE DATA #1 (data field, SW apart): exactly 85 10 RC. */
m2m_err m2m_keyest_host_rc(m2m_keyest_host *h, const uint8_t *resp, size_t n);
/* Generates the ephemeral key on PK.ECASD.ECKA's curve, computes ShS and appends the
 * STORE DATA #2 data field (3A02 { A6 } 7F49 ePK 5F37 sig), signed with sk (SK.DP.ECDSA or
 * SK.SR.ECDSA). The _apdu variant prefixes 80 E2 89 01 Lc. */
m2m_err m2m_keyest_host_sd2_data(m2m_keyest_host *h, const m2m_eckey *sk,
				 const m2m_eckey *pk_ecasd, m2m_buf *out);
m2m_err m2m_keyest_host_sd2_apdu(m2m_keyest_host *h, const m2m_eckey *sk,
				 const m2m_eckey *pk_ecasd, m2m_buf *out);
/* The card's answer to STORE DATA #2 ([85 L DR] 86 10 receipt): derives the keys and checks
 * the receipt (M2M_ERR_VERIFY). The ephemeral key and ShS are wiped either way; keys are
 * filled only on success. */
m2m_err m2m_keyest_host_finish(m2m_keyest_host *h, const uint8_t *resp, size_t n,
			       m2m_keyest_keys *keys);

/* ---- card ---- */

typedef struct {
	const m2m_eckey *pk_ci;       /* PK.CI.ECDSA: verifies the certificate */
	const m2m_eckey *sk_ecasd;    /* SK.ECASD.ECKA */
	uint8_t cert_type;            /* C8 the receiving domain expects: 01 ISD-P, 02 ISD-R */
	size_t nkeys;                 /* keys the domain installs */
	m2m_eckey *pk_off;            /* from the certificate accepted by STORE DATA #1 */
	uint8_t rc[M2M_KEYEST_RC_SIZE];
	bool rc_pending;
} m2m_keyest_card;

m2m_err m2m_keyest_card_init(m2m_keyest_card *c, const m2m_eckey *pk_ci,
			     const m2m_eckey *sk_ecasd, uint8_t cert_type, size_t nkeys);
void m2m_keyest_card_wipe(m2m_keyest_card *c);

/* STORE DATA #1 data field: verifies the certificate, appends 85 10 RC to resp. */
m2m_err m2m_keyest_card_sd1(m2m_keyest_card *c, const uint8_t *data, size_t n, m2m_buf *resp,
			    uint16_t *sw);

/* STORE DATA #2, split without any crypto; pointers go into the caller's data. */
typedef struct {
	m2m_keyest_crt crt;
	const uint8_t *a6;            /* the A6 TLV as received */
	size_t a6_len;
	const uint8_t *signed_part;   /* 3A02 TLV || 7F49 TLV */
	size_t signed_len;
	const uint8_t *epk;           /* value of 7F49 (either form) */
	size_t epk_len;
	const uint8_t *sig;           /* M2M_EC_SIG_SIZE bytes */
} m2m_keyest_sd2_msg;

m2m_err m2m_keyest_sd2_parse(const uint8_t *data, size_t n, m2m_keyest_sd2_msg *m);
/* STORE DATA #2 data field: checks the signature with the certificate's key and RC,
 * derives the keys, appends [85 L DR] 86 10 receipt to resp. The RC is used once: any
 * outcome ends the session and needs a new STORE DATA #1. */
m2m_err m2m_keyest_card_sd2(m2m_keyest_card *c, const uint8_t *data, size_t n, m2m_buf *resp,
			    m2m_keyest_keys *keys, uint16_t *sw);

#endif
