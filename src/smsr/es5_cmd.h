/*
 * ES5 commands of the SM-SR (SGP.02 section 4.1.1 as the public traces and our eUICC read it):
 * pure builders, one C-APDU list per function, addressed to the ISD-R. The exact bytes, the
 * status words the card answers and the choices made are in docs/es5.md.
 *
 *   CreateISDP             80 E6 0C 00 INSTALL [for install and make selectable]
 *   Enable/Disable/Fall-back/Emergency  80 E2 88 00 STORE DATA 3A03/3A04/3A05/3A09 {4F AID}
 *   UpdateSMSRAddressingParameters     80 E2 88 00 STORE DATA 3A07 {A3 {...}}
 *   Notification confirmation          80 E2 89 00 STORE DATA 3A08 {4E seq} 00
 *   DeleteISDP / Master Delete         80 E4 00 40 4F AID [B6 ...] [9E token] 00
 *   Audit                  GET DATA 5A / FF21 / BF30, GET STATUS 80 F2 40 02
 *   Key establishment (SM-SR change)   INSTALL [for personalization] ISD-R, STORE DATA
 *                                      3A01 (chained), then STORE DATA 3A02
 *   Delete keys (FinaliseISDRhandover) 80 E4 00 00 (F2 03 KVN first last)+ 00
 *   SCP81 PSK key set                  80 D8 PUT KEY
 */
#ifndef M2M_SMSR_ES5_CMD_H
#define M2M_SMSR_ES5_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "card/keyest.h"
#include "card/script.h"
#include "card/sms.h"
#include "core/buf.h"
#include "core/err.h"

#define M2M_ES5_APDU_MAX 32     /* C-APDUs (or R-APDUs) of one command set */
#define M2M_ES5_AID_SIZE 16     /* SGP.02 ISD-P AIDs */
#define M2M_ES5_EID_SIZE 16
#define M2M_ES5_ISDP_MAX 16     /* ISD-Ps one audit reports */
#define M2M_ES5_A3_MAX 128      /* SM-SR addressing parameters (value of A3) the card keeps */
#define M2M_ES5_TOKEN_SIZE 16   /* Master Delete token (AES-CMAC) */

typedef enum {
	M2M_ES5_CREATE_ISDP = 1,
	M2M_ES5_ENABLE_PROFILE,
	M2M_ES5_DISABLE_PROFILE,
	M2M_ES5_DELETE_ISDP,
	M2M_ES5_MASTER_DELETE,
	M2M_ES5_SET_FALLBACK,
	M2M_ES5_SET_EMERGENCY,
	M2M_ES5_UPDATE_SMSR_ADDRESSING,
	M2M_ES5_AUDIT,
	M2M_ES5_NOTIF_CONFIRM,
	M2M_ES5_KEYEST_CERT,    /* key establishment step 1: certificate, answered by RC */
	M2M_ES5_KEYEST_KEYS,    /* step 2: CRT, ePK, signature, answered by [DR] receipt */
	M2M_ES5_DELETE_KEYS,
	M2M_ES5_PUT_KEY_PSK,
	M2M_ES5_SEND_DATA,      /* ES3.SendData relayed: the SM-DP's C-APDUs, answers untyped */
} m2m_es5_fn;

/* "enable_profile"... for logs. */
const char *m2m_es5_fn_name(m2m_es5_fn fn);

/* APDUs back to back in one buffer (C-APDUs of a command, or R-APDUs of its answer). */
typedef struct {
	m2m_buf bytes;
	size_t off[M2M_ES5_APDU_MAX];
	size_t len[M2M_ES5_APDU_MAX];
	size_t count;
} m2m_es5_apdus;

void m2m_es5_apdus_init(m2m_es5_apdus *l);
void m2m_es5_apdus_reset(m2m_es5_apdus *l);
void m2m_es5_apdus_free(m2m_es5_apdus *l);
/* M2M_ERR_BOUNDS beyond M2M_ES5_APDU_MAX. */
m2m_err m2m_es5_apdus_add(m2m_es5_apdus *l, const uint8_t *p, size_t n);
/* NULL past the end. */
const uint8_t *m2m_es5_apdus_get(const m2m_es5_apdus *l, size_t i, size_t *len);

/* Audit parts (m2m_es5_audit's what). */
enum {
	M2M_ES5_AUDIT_EID = 0x01,        /* GET DATA 5A */
	M2M_ES5_AUDIT_RESOURCES = 0x02,  /* GET DATA FF21 */
	M2M_ES5_AUDIT_ISDPS = 0x04,      /* GET STATUS 4F 00 (every ISD-P) or 4F AID each */
	M2M_ES5_AUDIT_ECASD_CERT = 0x08, /* GET DATA BF30 {5C 7F21} */
};

/* One command set for the ISD-R (or another TAR) and what its answer parser needs. */
typedef struct {
	m2m_es5_fn fn;
	m2m_es5_apdus apdus;
	/* Script chaining this command takes part in: NONE on its own; FIRST_* when the next
	 * command must reach the card in the same card session (key establishment), LAST for
	 * that next command. The packager refines it when one command needs several packets. */
	m2m_script_chain chain;
	uint8_t tar[3];                  /* 000001 (ISD-R) unless changed by the caller */
	uint8_t aid[M2M_ES5_AID_SIZE];   /* the ISD-P the command is about */
	bool has_aid;
	uint16_t seq;                    /* notification confirmation */
	unsigned audit;                  /* M2M_ES5_AUDIT_* asked for */
	size_t audit_status_cmds;        /* GET STATUS commands in the set */
	uint8_t kvn;                     /* PUT KEY: the new key set */
} m2m_es5_cmd;

void m2m_es5_cmd_init(m2m_es5_cmd *c);
/* Empties the APDUs and the fields (keeps the buffer's memory). */
void m2m_es5_cmd_reset(m2m_es5_cmd *c);
void m2m_es5_cmd_free(m2m_es5_cmd *c);

/* The ISD-P AID of a TAR (A0000005591010FFFFFFFF89 || TAR || 00); true for a valid ISD-P
 * AID (TAR 000010-00FFFF), whose TAR goes to tar (optional). */
void m2m_es5_isdp_aid(const uint8_t tar[3], uint8_t aid[M2M_ES5_AID_SIZE]);
bool m2m_es5_aid_tar(const uint8_t aid[M2M_ES5_AID_SIZE], uint8_t tar[3]);

/* ---- builders (es5_cmd.c): each resets c and fills it; M2M_ERR_ARG for bad input ---- */

/* mem 0: no EF {83} (the card's default quota); else 2 bytes up to FFFF, 4 beyond. */
m2m_err m2m_es5_create_isdp(m2m_es5_cmd *c, const uint8_t tar[3], uint32_t mem);
m2m_err m2m_es5_enable_profile(m2m_es5_cmd *c, const uint8_t aid[M2M_ES5_AID_SIZE]);
m2m_err m2m_es5_disable_profile(m2m_es5_cmd *c, const uint8_t aid[M2M_ES5_AID_SIZE]);
m2m_err m2m_es5_set_fallback_attribute(m2m_es5_cmd *c, const uint8_t aid[M2M_ES5_AID_SIZE]);
/* DGI 3A09: the eUICC's choice, no public encoding exists (docs/euicc.md). */
m2m_err m2m_es5_set_emergency_profile_attribute(m2m_es5_cmd *c,
						 const uint8_t aid[M2M_ES5_AID_SIZE]);
m2m_err m2m_es5_delete_isdp(m2m_es5_cmd *c, const uint8_t aid[M2M_ES5_AID_SIZE]);
/* b6: the whole B6 TLV or NULL; token: computed by the holder of the token key. */
m2m_err m2m_es5_master_delete(m2m_es5_cmd *c, const uint8_t aid[M2M_ES5_AID_SIZE],
			      const uint8_t *b6, size_t b6_len,
			      const uint8_t token[M2M_ES5_TOKEN_SIZE]);
/* token = AES-CMAC(key, 00 40 L || 4F-TLV [|| B6-TLV]) [S whty], for the token key holder. */
m2m_err m2m_es5_master_delete_token(const uint8_t *key, size_t key_len,
				    const uint8_t aid[M2M_ES5_AID_SIZE], const uint8_t *b6,
				    size_t b6_len, uint8_t token[M2M_ES5_TOKEN_SIZE]);
/* a3: the value of A3 (1..128 bytes of TLVs, e.g. from m2m_es5_smsr_address_tlv). */
m2m_err m2m_es5_update_smsr_addressing_parameters(m2m_es5_cmd *c, const uint8_t *a3,
						  size_t len);
/* Appends 81 L <TS 23.040 address> (the SMS destination element of A3 [S whty, weak]). */
m2m_err m2m_es5_smsr_address_tlv(const m2m_sms_addr *addr, m2m_buf *out);
/* what: M2M_ES5_AUDIT_*; aids NULL or naids 0 with ISDPS: one GET STATUS for every ISD-P. */
m2m_err m2m_es5_audit(m2m_es5_cmd *c, unsigned what, const uint8_t (*aids)[M2M_ES5_AID_SIZE],
		      size_t naids);
m2m_err m2m_es5_notification_confirm(m2m_es5_cmd *c, uint16_t seq);

/* ---- key sets (es5_keys.c) ---- */

/* Key establishment with the ISD-R (SM-SR change), step 1: INSTALL [for personalization] of
 * the ISD-R, then STORE DATA 3A01 {cert} (block 0, more to come), chain FIRST_DELETE so the
 * card keeps the session for step 2. cert: the whole 7F21 TLV of CERT.SR.ECDSA. */
m2m_err m2m_es5_keyest_cert(m2m_es5_cmd *c, const uint8_t *cert, size_t n);
/* Step 2 from a STORE DATA #2 data field (3A02 {A6} 7F49 5F37) prepared elsewhere (ES7:
 * the new SM-SR builds it, the current one relays it). Chain LAST. */
m2m_err m2m_es5_keyest_keys(m2m_es5_cmd *c, const uint8_t *sd2, size_t n);
/* Step 2 built here by the off-card side h (RC already given to m2m_keyest_host_rc). */
m2m_err m2m_es5_keyest_keys_host(m2m_es5_cmd *c, m2m_keyest_host *h, const m2m_eckey *sk,
				 const m2m_eckey *pk_ecasd);

typedef struct {
	uint8_t kvn;
	uint8_t first;  /* key identifiers first..last */
	uint8_t last;
} m2m_es5_key_range;

/* FinaliseISDRhandover: 80 E4 00 00 Lc (F2 03 KVN first last)+ 00, 1..16 ranges. */
m2m_err m2m_es5_delete_keys(m2m_es5_cmd *c, const m2m_es5_key_range *r, size_t n);

/* PUT KEY of one PSK-TLS key (type 85) into key set new_kvn (40-4F), key identifier key_id:
 * 80 D8 old_kvn key_id Lc new_kvn 85 L+1 L AES-CBC(DEK, IV 0, psk) 00 00; old_kvn 00 adds
 * a key set. The PSK (16 or 32 bytes) is enciphered with the DEK (key 03) of the SCP80 key
 * set that secures the packet (TS 102 226 8.2.1.3.2 [M]). */
m2m_err m2m_es5_put_key_psk(m2m_es5_cmd *c, uint8_t old_kvn, uint8_t new_kvn, uint8_t key_id,
			    const uint8_t *psk, size_t psk_len, const uint8_t *dek,
			    size_t dek_len);

/* ---- internal helpers shared by the builders ---- */

/* Starts a command set: reset, function, ISD-R TAR. */
void m2m_es5_cmd_start(m2m_es5_cmd *c, m2m_es5_fn fn);
/* Appends CLA INS P1 P2 [Lc data] [Le 00] as one C-APDU (short; Lc up to 255). */
m2m_err m2m_es5_cmd_apdu(m2m_es5_cmd *c, uint8_t ins, uint8_t p1, uint8_t p2,
			 const uint8_t *data, size_t len, bool le);

#endif
