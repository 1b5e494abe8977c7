/*
 * The software eUICC of SGP.02: its persistent state (ECASD, ISD-R, ISD-Ps, memory,
 * notification queue) and the ISD-R's ES5 command handler. Pure card logic: bytes in, bytes
 * out, no I/O. The state model, the command table and every choice made where the sources
 * are silent are in docs/euicc.md.
 *
 * The structs below are readable by callers (tests, the device front end); change them only
 * through the m2m_euicc_* functions, which keep the invariants (one enabled profile at most,
 * one fall-back and one emergency attribute at most, memory accounting).
 */
#ifndef M2M_EUICC_EUICC_H
#define M2M_EUICC_EUICC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "card/keyest.h"
#include "core/buf.h"
#include "core/err.h"
#include "crypto/ec.h"

#define M2M_EUICC_EID_SIZE 16
#define M2M_EUICC_AID_SIZE 16
#define M2M_EUICC_ICCID_SIZE 10
#define M2M_EUICC_ISDP_MAX 16
#define M2M_EUICC_KEYSET_MAX 16      /* ISD-R key sets: SCP80 01-0F and SCP81 40-4F */
#define M2M_EUICC_KEYS_PER_SET 4
#define M2M_EUICC_KEY_MAX 32
#define M2M_EUICC_NOTIF_MAX 16
#define M2M_EUICC_CERT_MAX 1024      /* CERT.ECASD.ECKA, a GP 7F21 TLV */
#define M2M_EUICC_SMSR_PARAMS_MAX 128 /* value of A3 */
#define M2M_EUICC_STATE_VERSION 1
#define M2M_EUICC_PKG_MAX (256u * 1024) /* largest profile package an ISD-P stores (ES8) */
#define M2M_EUICC_CONN_MAX 64        /* value of A0 in an ISD-P's 3A07 */
#define M2M_EUICC_MNO_KVN_MAX 15     /* SCP80 key sets 01-0F of a profile's MNO-SD (ES6) */
#define M2M_EUICC_FSX_MAX (32u * 1024) /* file updates kept per profile (docs/euicc.md) */

/* GP life-cycle bytes of an ISD-P (njiwa ProfileInfo.State). */
enum {
	M2M_EUICC_LCS_INSTALLED = 0x03,
	M2M_EUICC_LCS_SELECTABLE = 0x07,
	M2M_EUICC_LCS_PERSONALIZED = 0x0F,
	M2M_EUICC_LCS_DISABLED = 0x1F,
	M2M_EUICC_LCS_ENABLED = 0x3F,
};

/* POL1 rule bits [M] (sgp02-facts-2.md 3: the consumer-side order of the same rules). */
enum {
	M2M_EUICC_POL1_NO_DISABLE = 0x01,
	M2M_EUICC_POL1_NO_DELETE = 0x02,
	M2M_EUICC_POL1_DELETE_ON_DISABLE = 0x04,
};

/* Notification types (sgp02-facts.md 2.3). */
enum {
	M2M_EUICC_NOTIF_DECLARATION = 0x01,
	M2M_EUICC_NOTIF_CHANGE_OK = 0x02,
	M2M_EUICC_NOTIF_CHANGE_ROLLBACK = 0x03,
	M2M_EUICC_NOTIF_CHANGE_FALLBACK = 0x05,
};

/* Key types (GP): 88 AES, 85 PSK-TLS (SCP81). */
enum {
	M2M_EUICC_KEYTYPE_AES = 0x88,
	M2M_EUICC_KEYTYPE_PSK_TLS = 0x85,
};

#define M2M_EUICC_KVN_SCP03 0x30
#define M2M_EUICC_KVN_TOKEN 0x70 /* Master Delete token key of an ISD-P [S whty] */

typedef struct {
	uint8_t id;                  /* key identifier, 01.. */
	uint8_t type;                /* M2M_EUICC_KEYTYPE_* */
	uint8_t len;
	uint8_t value[M2M_EUICC_KEY_MAX];
} m2m_euicc_key;

/* One key set: SCP80 (KVN 01-0F: KIc id 01, KID id 02, DEK id 03), SCP81 PSK (40-4F),
 * SCP03 (30: ENC 01, MAC 02, DEK 03) or the token key (70). */
typedef struct {
	uint8_t kvn;                 /* 00: unused slot */
	uint8_t kic_alg;             /* SCP80 only: low nibble of KIc/KID for this set */
	uint8_t kid_alg;
	uint64_t last_counter;       /* SCP80 only: last accepted counter */
	size_t nkeys;
	m2m_euicc_key key[M2M_EUICC_KEYS_PER_SET];
} m2m_euicc_keyset;

typedef struct {
	bool used;
	uint8_t aid[M2M_EUICC_AID_SIZE];
	uint8_t lcs;                 /* M2M_EUICC_LCS_* */
	bool fallback;
	bool emergency;
	bool delete_pending;         /* POL1 delete-on-disable: deleted at the next confirmation */
	uint8_t pol1;
	uint32_t mem_reserved;       /* non-volatile bytes set aside at creation */
	uint32_t mem_used;           /* by the installed profile, <= mem_reserved */
	bool has_profile;
	uint8_t iccid[M2M_EUICC_ICCID_SIZE];
	m2m_euicc_keyset scp03;      /* kvn 00 until key establishment */
	m2m_euicc_keyset token;      /* kvn 00 unless a token key was installed */
	/* ES8 (isdp*.c, docs/euicc.md "ES8 profile download") */
	uint8_t pkg;                 /* 1 + slot in m2m_euicc.pkg of its package, 0: none */
	uint32_t scp03t_seq;         /* SCP03 counter of the last INITIALIZE UPDATE, 0: none */
	uint8_t conn[M2M_EUICC_CONN_MAX]; /* UpdateConnectivityParameters: value of A0 */
	size_t conn_len;
	/* ES6: last accepted SCP80 counter of the MNO-SD's key set KVN k+1, valid when bit k
	 * of mno_cntr_set is set (else the package's initial value, or 0). */
	uint64_t mno_cntr[M2M_EUICC_MNO_KVN_MAX];
	uint16_t mno_cntr_set;
} m2m_euicc_isdp;

/* A profile package as received over ES8 (DER), referenced by m2m_euicc_isdp.pkg. A slot
 * no used ISD-P references is garbage (its ISD-P was deleted) and is never saved. */
typedef struct {
	uint8_t *data;               /* heap, NULL when free */
	size_t len;
	bool complete;               /* false: a download in progress or interrupted */
	uint32_t id;                 /* runtime only: tells the file-tree cache it changed */
	/* Files updated since the installation (device or RFM), applied over the package
	 * whenever its tree is built: A0 { 80 FID path, 81 contents }* (heap, NULL: none). */
	uint8_t *fsx;
	size_t fsx_len;
} m2m_euicc_pkg;

struct m2m_euicc_rt;

typedef struct {
	bool used;
	uint8_t type;                /* M2M_EUICC_NOTIF_* */
	uint16_t seq;
	uint8_t aid[M2M_EUICC_AID_SIZE];
} m2m_euicc_notif;

/* What happened during one or more commands (accumulated by the caller). */
typedef struct {
	bool refresh;                /* the enabled profile changed: the device must REFRESH */
	bool notification;           /* a notification was queued */
	bool state_changed;          /* the persistent state changed: save it */
} m2m_euicc_events;

/* Per-session state, never saved: a card reset or the end of a script clears it. */
typedef struct {
	m2m_buf sd;                  /* STORE DATA bytes not yet processed (chaining) */
	bool sd_chain;               /* inside a chain: the next block number is sd_block */
	uint8_t sd_block;
	int perso;                   /* INSTALL [for personalization] target: -1 ISD-R, else ISD-P index */
	bool keyest_active;
	m2m_keyest_card keyest;
	/* GET STATUS paging (P2 b1 = 1: next occurrences): the entry to continue from and the
	 * P1 it belongs to; st_more false when no answer was cut. */
	bool st_more;
	uint8_t st_p1;
	size_t st_next;
	/* The ISD-R key set that secures the script now running (set by the OTA front end for
	 * each SCP80 packet or SCP81 session): its DEK deciphers PUT KEY. 0: none. */
	uint8_t sec_kvn;
} m2m_euicc_session;

typedef struct {
	uint8_t eid[M2M_EUICC_EID_SIZE];
	/* ECASD */
	m2m_curve curve;
	m2m_eckey *sk_ecasd;         /* SK.ECASD.ECKA */
	uint8_t cert_ecasd[M2M_EUICC_CERT_MAX];
	size_t cert_ecasd_len;
	m2m_eckey *pk_ci;            /* PK.CI.ECDSA */
	/* ISD-R */
	m2m_euicc_keyset keysets[M2M_EUICC_KEYSET_MAX];
	uint8_t smsr_params[M2M_EUICC_SMSR_PARAMS_MAX]; /* value of the last A3 received */
	size_t smsr_params_len;
	/* ISD-Ps */
	m2m_euicc_isdp isdp[M2M_EUICC_ISDP_MAX];
	bool has_previous;           /* the profile enabled before the last change (roll-back) */
	uint8_t previous[M2M_EUICC_AID_SIZE];
	bool fallback_active;        /* the fall-back mechanism enabled the enabled profile */
	/* memory (bytes) */
	uint32_t mem_total;          /* non-volatile memory for ISD-Ps */
	uint32_t mem_volatile;
	uint32_t isdp_default_mem;   /* reserved when CreateISDP has no EF 83 */
	/* notifications */
	uint16_t next_seq;
	m2m_euicc_notif notif[M2M_EUICC_NOTIF_MAX];
	m2m_euicc_session s;
	/* ES8 packages (saved with their ISD-P) and the runtime part, never saved: SCP03(t)
	 * sessions and the UICC file tree of the enabled profile. */
	m2m_euicc_pkg pkg[M2M_EUICC_ISDP_MAX];
	uint32_t pkg_next_id;
	struct m2m_euicc_rt *rt;
} m2m_euicc;

/* A profile already on the card when it leaves the factory (the bootstrap profile). */
typedef struct {
	uint8_t tar[3];              /* ISD-P AID = A0000005591010FFFFFFFF89 || tar || 00 */
	uint8_t iccid[M2M_EUICC_ICCID_SIZE];
	uint8_t pol1;
	uint32_t mem;
	bool enabled;
	bool fallback;
} m2m_euicc_profile_cfg;

typedef struct {
	uint8_t eid[M2M_EUICC_EID_SIZE];
	m2m_curve curve;                 /* of SK.ECASD.ECKA */
	const uint8_t *sk_ecasd;         /* private scalar */
	size_t sk_ecasd_len;
	const uint8_t *cert_ecasd;       /* one 7F21 TLV */
	size_t cert_ecasd_len;
	m2m_curve ci_curve;
	const uint8_t *pk_ci;            /* 04||X||Y */
	size_t pk_ci_len;
	const m2m_euicc_keyset *keysets; /* ISD-R SCP80/SCP81 key sets */
	size_t nkeysets;
	const m2m_euicc_profile_cfg *profiles;
	size_t nprofiles;
	uint32_t mem_total;
	uint32_t mem_volatile;
	uint32_t isdp_default_mem;
} m2m_euicc_config;

extern const uint8_t m2m_euicc_isdr_aid[M2M_EUICC_AID_SIZE];
extern const uint8_t m2m_euicc_ecasd_aid[M2M_EUICC_AID_SIZE];
extern const uint8_t m2m_euicc_elf_aid[M2M_EUICC_AID_SIZE];
extern const uint8_t m2m_euicc_em_aid[M2M_EUICC_AID_SIZE];

/* ---- state (euicc_state.c) ---- */

/* M2M_ERR_ARG / M2M_ERR_FORMAT for a config that breaks an invariant. */
m2m_err m2m_euicc_create(const m2m_euicc_config *cfg, m2m_euicc **out);
/* Wipes every key; NULL is fine. */
void m2m_euicc_free(m2m_euicc *e);
/* Checks every invariant of the persistent state: M2M_OK or M2M_ERR_FORMAT. */
m2m_err m2m_euicc_check(const m2m_euicc *e);
/* Clears the session: STORE DATA chaining, personalization target, key establishment. */
void m2m_euicc_session_end(m2m_euicc *e);

/* The ISD-P AID for a TAR; true if aid is an ISD-P AID (prefix, TAR 000010-00FFFF, 00). */
void m2m_euicc_isdp_aid(const uint8_t tar[3], uint8_t aid[M2M_EUICC_AID_SIZE]);
bool m2m_euicc_aid_is_isdp(const uint8_t *aid, size_t len);
/* Index of the ISD-P, or -1. */
int m2m_euicc_find_isdp(const m2m_euicc *e, const uint8_t *aid, size_t len);
/* Index of the enabled ISD-P, of the fall-back one, of the emergency one, or -1. */
int m2m_euicc_enabled_isdp(const m2m_euicc *e);
int m2m_euicc_fallback_isdp(const m2m_euicc *e);
int m2m_euicc_emergency_isdp(const m2m_euicc *e);
/* The ISD-R key set of that KVN, or NULL. */
m2m_euicc_keyset *m2m_euicc_find_keyset(m2m_euicc *e, uint8_t kvn);
uint32_t m2m_euicc_mem_free(const m2m_euicc *e);
size_t m2m_euicc_isdp_count(const m2m_euicc *e);

/* Hooks for later layers (ES8 download, SCP03 PUT KEY): a profile installed into an ISD-P
 * in SELECTABLE or PERSONALIZED state (it becomes DISABLED), and the token key of an ISD-P
 * for Master Delete. M2M_ERR_STATE / M2M_ERR_ARG / M2M_ERR_TLV_NOT_FOUND when refused. */
m2m_err m2m_euicc_isdp_install_profile(m2m_euicc *e, const uint8_t aid[M2M_EUICC_AID_SIZE],
				       const uint8_t iccid[M2M_EUICC_ICCID_SIZE], uint8_t pol1,
				       uint32_t size);
m2m_err m2m_euicc_isdp_set_token_key(m2m_euicc *e, const uint8_t aid[M2M_EUICC_AID_SIZE],
				     const uint8_t *key, size_t len);

/* ---- persistence (euicc_persist.c) ---- */

/* Appends the versioned TLV form of the persistent state (keys in clear: the caller
 * encrypts at rest). The session is not saved. */
m2m_err m2m_euicc_save(const m2m_euicc *e, m2m_buf *out);
/* Strict: any truncation, unknown tag, bad length or broken invariant is refused
 * (M2M_ERR_FORMAT, a TLV error, or M2M_ERR_UNSUPPORTED for another version). */
m2m_err m2m_euicc_load(const uint8_t *p, size_t n, m2m_euicc **out);

/* ---- notifications (euicc_notif.c) ---- */

/* Queues a notification (the oldest is dropped when the queue is full); *seq gets its
 * sequence number. */
m2m_err m2m_euicc_notif_add(m2m_euicc *e, uint8_t type, const uint8_t aid[M2M_EUICC_AID_SIZE],
			    uint16_t *seq);
/* Index of the oldest pending notification, or -1. */
int m2m_euicc_notif_oldest(const m2m_euicc *e);
size_t m2m_euicc_notif_count(const m2m_euicc *e);
/* Appends E1 { 4C EID, 4D type, 4E seq, 4F AID [, 14 IMEI] } for pending notification i. */
m2m_err m2m_euicc_notif_encode(const m2m_euicc *e, int i, const uint8_t *imei, size_t imei_len,
			       m2m_buf *out);

/* Device-side events (the later device brick calls them): the network was lost with the
 * enabled profile, so the fall-back profile is enabled (notification 05); or the new profile
 * could not attach, so the previous one is enabled again (notification 03).
 * M2M_ERR_STATE when there is nothing to fall back or roll back to. */
m2m_err m2m_euicc_fallback_activate(m2m_euicc *e, m2m_euicc_events *ev);
m2m_err m2m_euicc_rollback(m2m_euicc *e, m2m_euicc_events *ev);

/* The device's local emergency-profile commands (SGP.02 v4 LocalEnableEmergencyProfile /
 * LocalDisableEmergencyProfile, docs/euicc.md "Emergency profile"): enable the profile
 * holding the emergency attribute, or leave it for the profile enabled before (else the
 * fall-back profile). Notification 02 and REFRESH as for any change. M2M_ERR_STATE when
 * there is no such profile, it is already (not) enabled, or nothing to go back to. */
m2m_err m2m_euicc_emergency_enable(m2m_euicc *e, m2m_euicc_events *ev);
m2m_err m2m_euicc_emergency_disable(m2m_euicc *e, m2m_euicc_events *ev);
/* True while the emergency profile is enabled (ES5 profile changes are then refused). */
bool m2m_euicc_emergency_active(const m2m_euicc *e);

/* ---- the ISD-R (isdr*.c) ---- */

/* Processes one C-APDU (CLA INS P1 P2 [Lc data] [Le], short or extended) addressed to the
 * ISD-R and appends response data + SW1 SW2 to rapdu. Card-level refusals are status words;
 * the return value is an error only for bad arguments or memory exhaustion. */
m2m_err m2m_euicc_isdr_apdu(m2m_euicc *e, const uint8_t *capdu, size_t n, m2m_buf *rapdu);
/* The same; ev (optional) accumulates what happened. */
m2m_err m2m_euicc_isdr_apdu_ev(m2m_euicc *e, const uint8_t *capdu, size_t n, m2m_buf *rapdu,
			       m2m_euicc_events *ev);

/* The ES5 operations behind the commands, usable directly: each returns the status word.
 * create_isdp reserves mem bytes, or the configured default when has_mem is false. */
uint16_t m2m_euicc_create_isdp(m2m_euicc *e, const uint8_t *aid, size_t len, bool has_mem,
			       uint32_t mem, m2m_euicc_events *ev);
uint16_t m2m_euicc_enable_profile(m2m_euicc *e, const uint8_t *aid, size_t len,
				  m2m_euicc_events *ev);
uint16_t m2m_euicc_disable_profile(m2m_euicc *e, const uint8_t *aid, size_t len,
				   m2m_euicc_events *ev);
uint16_t m2m_euicc_set_fallback(m2m_euicc *e, const uint8_t *aid, size_t len,
				m2m_euicc_events *ev);
uint16_t m2m_euicc_set_emergency(m2m_euicc *e, const uint8_t *aid, size_t len,
				 m2m_euicc_events *ev);
uint16_t m2m_euicc_delete_isdp(m2m_euicc *e, const uint8_t *aid, size_t len,
			       m2m_euicc_events *ev);

/* ES6 UpdatePOL1byMNO (STORE DATA 3A06 to the MNO-SD of the enabled profile, isdp index idx):
 * the status word (6A80 for RFU bits). */
uint16_t m2m_euicc_update_pol1(m2m_euicc *e, int idx, uint8_t pol1, m2m_euicc_events *ev);

#endif
