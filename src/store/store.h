/*
 * The SM-SR's storage: one interface over SQLite and PostgreSQL (docs/store.md).
 *
 * Open with a URL: "sqlite:PATH" (or a plain path) or "postgresql://..." / "postgres://...",
 * Unix-socket form "postgresql:///DB?host=/dir&port=N". Opening applies the schema
 * migrations this program knows and is idempotent.
 *
 * A handle is one database connection: use it from one thread at a time; open one handle per
 * thread (SQLite coordinates them through its WAL and a busy timeout, PostgreSQL through row
 * locks).
 *
 * Results: M2M_OK; M2M_END when the row asked for does not exist (get, update and delete of
 * one row); M2M_ERR_STATE for a conflict (a row that already exists, a missing parent EIS, a
 * lost job lease, a changed revision); M2M_ERR_VERIFY when key material does not decrypt
 * (wrong master key or a ciphertext moved between rows); M2M_ERR_ARG for bad arguments;
 * M2M_ERR_IO for a database failure. m2m_store_errmsg() then says what happened.
 *
 * Ownership: structs passed to put/insert/add are only read (their pointers are borrowed).
 * Structs filled by get/list/claim own their heap fields: release them with the matching
 * m2m_store_*_clear() or *_list_free(). Times are milliseconds since the Unix epoch.
 */
#ifndef M2M_STORE_STORE_H
#define M2M_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Text sizes, NUL included (bounds from the GSMA v3 schema, euicc.common.types.xsd). */
#define M2M_STORE_EID_SIZE 65     /* EIDType: hexBinary, up to 32 bytes */
#define M2M_STORE_ICCID_SIZE 21   /* ICCIDType: 89 + up to 18 digits/F */
#define M2M_STORE_AID_SIZE 33     /* AIDType: 5 to 16 bytes as hex */
#define M2M_STORE_ID_SIZE 129     /* object identifiers, caller identities, worker names */
#define M2M_STORE_TEXT_SIZE 101   /* String100 */
#define M2M_STORE_VERSION_SIZE 33 /* ThreeDigitVersion */
#define M2M_STORE_MSISDN_SIZE 16  /* MSISDNType, IMSIType: up to 15 digits */

#define M2M_STORE_MASTER_KEY_SIZE 32 /* AES-256 */

typedef struct m2m_store m2m_store;

/* ---- Opening ----------------------------------------------------------------------------- */

/* master_key_hex: 64 hex digits (AES-256), or NULL when the caller never touches key sets.
 * The first open with a key records a check value; a later open with another key fails.
 * On error *out is NULL and errbuf holds the reason. */
m2m_err m2m_store_open(const char *url, const char *master_key_hex, m2m_store **out,
		       char *errbuf, size_t errlen);
void m2m_store_close(m2m_store *st);
/* The message of the last failure on this handle ("" if none). */
const char *m2m_store_errmsg(const m2m_store *st);
/* "sqlite" or "postgresql". */
const char *m2m_store_backend(const m2m_store *st);
/* The schema version of the open database. */
m2m_err m2m_store_schema_version(m2m_store *st, int *version);
/* The newest schema version this program knows. */
int m2m_store_schema_latest(void);
int64_t m2m_store_now_ms(void);

/* ---- Transactions ------------------------------------------------------------------------ */

/* A write transaction that groups the calls made until commit or rollback (no nesting).
 * After a failed call inside it, roll back. Calls outside a transaction commit on their own. */
m2m_err m2m_store_begin(m2m_store *st);
m2m_err m2m_store_commit(m2m_store *st);
m2m_err m2m_store_rollback(m2m_store *st);
bool m2m_store_in_transaction(const m2m_store *st);

/* ---- Settings (small key/value pairs: the SM-SR's own id...) ----------------------------- */

/* value: caller buffer of cap bytes. */
m2m_err m2m_store_setting_get(m2m_store *st, const char *name, char *value, size_t cap);
m2m_err m2m_store_setting_put(m2m_store *st, const char *name, const char *value);
m2m_err m2m_store_setting_delete(m2m_store *st, const char *name);

/* ---- EIS --------------------------------------------------------------------------------- */

/* eUICC capabilities (EuiccCapabilities; SMS is the mandatory SCP80 bearer). */
#define M2M_STORE_CAP_SMS 0x01u
#define M2M_STORE_CAP_HTTPS 0x02u /* HttpSupport: SCP81 */
#define M2M_STORE_CAP_CATTP 0x04u

typedef struct {
	char eid[M2M_STORE_EID_SIZE];
	char eum_id[M2M_STORE_ID_SIZE];
	char production_date[M2M_STORE_TEXT_SIZE]; /* xs:dateTime as received */
	char platform_type[M2M_STORE_TEXT_SIZE];
	char platform_version[M2M_STORE_VERSION_SIZE];
	char isdp_loadfile_aid[M2M_STORE_AID_SIZE];
	char isdp_module_aid[M2M_STORE_AID_SIZE];
	char isdr_aid[M2M_STORE_AID_SIZE];
	char smsr_id[M2M_STORE_ID_SIZE];
	char msisdn[M2M_STORE_MSISDN_SIZE]; /* where SMS go (indexed); "" = none */
	uint32_t caps;                      /* M2M_STORE_CAP_* */
	char secure_packet_version[M2M_STORE_VERSION_SIZE];
	char rsp_version[M2M_STORE_VERSION_SIZE]; /* RemoteProvisioningVersion */
	int64_t remaining_memory;
	int64_t available_memory; /* AvailableMemoryForProfiles */
	int64_t registered_ms;
	int64_t last_audit_ms; /* 0 = never audited */
	int64_t updated_ms;
	int64_t rev; /* bumped by every update; 1 after insert */
	uint8_t *ecasd_cert; /* CERT.ECASD.ECKA as received; heap when filled by the store */
	size_t ecasd_cert_len;
	char *doc; /* the whole EIS as a JSON document; heap when filled by the store */
} m2m_store_eis;

void m2m_store_eis_clear(m2m_store_eis *e);
/* A new EIS: M2M_ERR_STATE if the EID exists. Sets registered/updated to now if 0. */
m2m_err m2m_store_eis_insert(m2m_store *st, const m2m_store_eis *e);
/* Replaces every field of an existing EIS (M2M_END if absent); registered_ms 0 keeps the
 * stored value, updated_ms becomes now. expect_rev > 0: only if the row's rev still equals it
 * (else M2M_ERR_STATE); *new_rev (optional) gets the new rev. */
m2m_err m2m_store_eis_update(m2m_store *st, const m2m_store_eis *e, int64_t expect_rev,
			     int64_t *new_rev);
m2m_err m2m_store_eis_get(m2m_store *st, const char *eid, m2m_store_eis *out);
/* M2M_ERR_STATE if several eUICCs carry this MSISDN. */
m2m_err m2m_store_eis_get_by_msisdn(m2m_store *st, const char *msisdn, m2m_store_eis *out);
/* Deletes the EIS with its profiles and key sets (jobs, audit and notifications stay). */
m2m_err m2m_store_eis_delete(m2m_store *st, const char *eid);
/* Up to `limit` EIS with EID > after ("" = from the start), in EID order. */
m2m_err m2m_store_eis_list(m2m_store *st, const char *after, size_t limit,
			   m2m_store_eis **out, size_t *n);
void m2m_store_eis_list_free(m2m_store_eis *list, size_t n);
m2m_err m2m_store_eis_count(m2m_store *st, int64_t *count);

/* ---- Profiles (one per ISD-P) ------------------------------------------------------------ */

typedef enum {
	M2M_STORE_PROFILE_IN_CREATION, /* CreateISDP sent, not confirmed yet */
	M2M_STORE_PROFILE_CREATED,
	M2M_STORE_PROFILE_DISABLED,
	M2M_STORE_PROFILE_ENABLED,
} m2m_store_profile_state;

/* POL2 (subject PROFILE), one bit per (action, qualification) rule. */
#define M2M_POL2_ENABLE_NOT_ALLOWED 0x01u
#define M2M_POL2_DISABLE_NOT_ALLOWED 0x02u
#define M2M_POL2_DELETE_NOT_ALLOWED 0x04u
#define M2M_POL2_ENABLE_AUTO_DELETE 0x08u
#define M2M_POL2_DISABLE_AUTO_DELETE 0x10u
#define M2M_POL2_DELETE_AUTO_DELETE 0x20u
#define M2M_POL2_ALL 0x3fu

typedef struct {
	char eid[M2M_STORE_EID_SIZE];
	char isdp_aid[M2M_STORE_AID_SIZE];
	char iccid[M2M_STORE_ICCID_SIZE]; /* unique across the store */
	char mno_id[M2M_STORE_ID_SIZE];
	char smdp_id[M2M_STORE_ID_SIZE];
	char profile_type[M2M_STORE_TEXT_SIZE];
	m2m_store_profile_state state;
	bool fallback;
	bool emergency;
	uint32_t pol2; /* M2M_POL2_* */
	char msisdn[M2M_STORE_MSISDN_SIZE]; /* SubscriptionAddress */
	char imsi[M2M_STORE_MSISDN_SIZE];
	int64_t allocated_memory;
	int64_t free_memory;
	int64_t updated_ms;
	uint8_t *conn_params; /* connectivity parameters (hex in the schema); heap when filled */
	size_t conn_params_len;
} m2m_store_profile;

const char *m2m_store_profile_state_name(m2m_store_profile_state s);
void m2m_store_profile_clear(m2m_store_profile *p);
/* Inserts or replaces the profile (eid, isdp_aid); the EIS must exist (else M2M_ERR_STATE),
 * and the ICCID must not belong to another ISD-P (M2M_ERR_STATE). */
m2m_err m2m_store_profile_put(m2m_store *st, const m2m_store_profile *p);
m2m_err m2m_store_profile_get(m2m_store *st, const char *eid, const char *isdp_aid,
			      m2m_store_profile *out);
m2m_err m2m_store_profile_get_by_iccid(m2m_store *st, const char *iccid,
				       m2m_store_profile *out);
/* All profiles of an eUICC, in ISD-P AID order (*out NULL when none). */
m2m_err m2m_store_profile_list(m2m_store *st, const char *eid, m2m_store_profile **out,
			       size_t *n);
void m2m_store_profile_list_free(m2m_store_profile *list, size_t n);
m2m_err m2m_store_profile_set_state(m2m_store *st, const char *eid, const char *isdp_aid,
				    m2m_store_profile_state state, int64_t now_ms);
m2m_err m2m_store_profile_delete(m2m_store *st, const char *eid, const char *isdp_aid);

/* ---- Key sets (ISD-R) -------------------------------------------------------------------- */

typedef enum {
	M2M_STORE_KS_SCP80,
	M2M_STORE_KS_SCP81,
	M2M_STORE_KS_SCP03,
} m2m_store_ks_type;

#define M2M_STORE_KEY_MAX 32  /* bytes in one key */
#define M2M_STORE_KEYS_MAX 4  /* keys in one key set */
#define M2M_STORE_PSK_ID_MAX 64
/* SCP80 counters are 5 bytes (TS 102 225 5.1.1). */
#define M2M_STORE_COUNTER_MAX INT64_C(0xffffffffff)

typedef struct {
	uint8_t index; /* key index in the set (GP) */
	uint8_t type;  /* GP key type coding, e.g. 0x88 AES, 0x80 DES */
	uint8_t len;
	uint8_t value[M2M_STORE_KEY_MAX];
} m2m_store_key;

/* Holds keys in clear: wipe with m2m_store_keyset_clear(). */
typedef struct {
	char eid[M2M_STORE_EID_SIZE];
	uint8_t kvn; /* 1..127 */
	m2m_store_ks_type type;
	uint8_t kic_alg; /* SCP80: algorithm nibble of KIc (TS 102 225 5.1.2) */
	uint8_t kid_alg; /* SCP80: algorithm nibble of KID */
	uint8_t psk_id[M2M_STORE_PSK_ID_MAX]; /* SCP81: PSK identity TLV (SGP.02 2.4.4.1) */
	size_t psk_id_len;
	int64_t counter; /* SCP80: the last counter reserved (0 = none yet) */
	int64_t updated_ms;
	size_t nkeys;
	m2m_store_key keys[M2M_STORE_KEYS_MAX]; /* SCP80: KIc, KID; SCP81: the PSK; SCP03... */
} m2m_store_keyset;

const char *m2m_store_ks_type_name(m2m_store_ks_type t);
void m2m_store_keyset_clear(m2m_store_keyset *k);
/* Inserts or replaces (eid, kvn), keys encrypted under the master key. A replace never
 * lowers the stored counter. The EIS must exist. */
m2m_err m2m_store_keyset_put(m2m_store *st, const m2m_store_keyset *k);
m2m_err m2m_store_keyset_get(m2m_store *st, const char *eid, uint8_t kvn,
			     m2m_store_keyset *out);
/* The key set whose SCP81 PSK identity is id (what a TLS-PSK server receives). */
m2m_err m2m_store_keyset_get_by_psk_id(m2m_store *st, const uint8_t *id, size_t len,
				       m2m_store_keyset *out);
/* Key set versions of an eUICC in KVN order (no keys decrypted); M2M_ERR_BOUNDS when there
 * are more than cap. */
m2m_err m2m_store_keyset_list(m2m_store *st, const char *eid, uint8_t *kvns, size_t cap,
			      size_t *n);
m2m_err m2m_store_keyset_delete(m2m_store *st, const char *eid, uint8_t kvn);
/* Reserves `count` consecutive SCP80 counters and commits them (unless inside the caller's
 * transaction) before returning the first: call it before a packet leaves, so a restart
 * never reuses one. M2M_ERR_STATE when the 5-byte counter would overflow. */
m2m_err m2m_store_counter_reserve(m2m_store *st, const char *eid, uint8_t kvn, int64_t count,
				  int64_t *first);
/* Raises the counter to at least `value` (after the card reported a higher one). */
m2m_err m2m_store_counter_raise(m2m_store *st, const char *eid, uint8_t kvn, int64_t value,
				int64_t *now_counter);
/* Re-encrypts every key set under a new master key, in one transaction. */
m2m_err m2m_store_rekey(m2m_store *st, const char *new_master_key_hex);

/* ---- Jobs (durable ES5 operations) ------------------------------------------------------- */

typedef enum {
	M2M_STORE_JOB_QUEUED,
	M2M_STORE_JOB_SENT,
	M2M_STORE_JOB_ANSWERED,
	M2M_STORE_JOB_FAILED,
	M2M_STORE_JOB_EXPIRED,
} m2m_store_job_state;

typedef struct {
	int64_t id; /* set by job_add; increasing per eUICC in commit order */
	char eid[M2M_STORE_EID_SIZE];
	char kind[M2M_STORE_ID_SIZE]; /* what the engine runs, e.g. "enable" */
	char call_id[M2M_STORE_ID_SIZE]; /* the originating function call ("" = none) */
	m2m_store_job_state state;
	int32_t attempts; /* times sent */
	int64_t next_attempt_ms;
	int64_t deadline_ms; /* validity period end; 0 = none */
	char lease_owner[M2M_STORE_ID_SIZE];
	int64_t lease_until_ms; /* 0 = not leased */
	int64_t created_ms;
	int64_t updated_ms;
	uint8_t *payload; /* heap when filled by the store */
	size_t payload_len;
	uint8_t *result; /* response data; heap when filled by the store */
	size_t result_len;
	char *detail; /* last error or remark; heap when filled by the store */
} m2m_store_job;

const char *m2m_store_job_state_name(m2m_store_job_state s);
void m2m_store_job_clear(m2m_store_job *j);
void m2m_store_job_list_free(m2m_store_job *list, size_t n);
/* Queues a job (state queued, next attempt at j->next_attempt_ms); *id gets its id. */
m2m_err m2m_store_job_add(m2m_store *st, const m2m_store_job *j, int64_t now_ms, int64_t *id);
m2m_err m2m_store_job_get(m2m_store *st, int64_t id, m2m_store_job *out);
/* Leases up to `max` due jobs to `worker` until now+lease_ms. A job is claimable when it is
 * queued or sent, due (next_attempt <= now), not under a live lease, and the oldest
 * unfinished job of its eUICC. Jobs come back when their lease runs out. Atomic across
 * connections: no job is leased twice. *out (NULL when none) in id order. */
m2m_err m2m_store_job_claim(m2m_store *st, const char *worker, int64_t now_ms,
			    int64_t lease_ms, size_t max, m2m_store_job **out, size_t *n);
/* The same restricted to the eUICCs eids[0..neids) (EIDs in hex): their heads, when
 * claimable, one job each at most, in the order of eids; *out as above. For the eUICCs whose
 * jobs need no SMS now (an open SCP81 session). */
m2m_err m2m_store_job_claim_eids(m2m_store *st, const char *worker, int64_t now_ms,
				 int64_t lease_ms, const char *const *eids, size_t neids,
				 m2m_store_job **out, size_t *n);
/* The transitions below need the caller's lease (M2M_ERR_STATE when it was lost: another
 * worker took the job after the lease ran out, or the job is finished). */
m2m_err m2m_store_job_renew(m2m_store *st, int64_t id, const char *worker,
			    int64_t lease_until_ms);
/* Sent: attempts + 1, lease extended to lease_until_ms. */
m2m_err m2m_store_job_sent(m2m_store *st, int64_t id, const char *worker, int64_t now_ms,
			   int64_t lease_until_ms);
/* Back to queued for another attempt at next_attempt_ms; lease released. */
m2m_err m2m_store_job_retry(m2m_store *st, int64_t id, const char *worker, int64_t now_ms,
			    int64_t next_attempt_ms, const char *detail);
/* Final state (answered, failed or expired) with its result; lease released. */
m2m_err m2m_store_job_finish(m2m_store *st, int64_t id, const char *worker, int64_t now_ms,
			     m2m_store_job_state state, const uint8_t *result, size_t result_len,
			     const char *detail);
/* Gives the lease back without a state change (orderly shutdown). */
m2m_err m2m_store_job_release(m2m_store *st, int64_t id, const char *worker);
/* The jobs of an eUICC in id order (finished ones included). */
m2m_err m2m_store_job_list(m2m_store *st, const char *eid, m2m_store_job **out, size_t *n);
m2m_err m2m_store_job_count(m2m_store *st, m2m_store_job_state state, int64_t *count);
/* Deletes finished jobs last updated before `before_ms`. */
m2m_err m2m_store_job_purge(m2m_store *st, int64_t before_ms, int64_t *deleted);
/* Replaces a job's payload (e.g. to drop data that must not outlive the job); M2M_END: no
 * such job. */
m2m_err m2m_store_job_set_payload(m2m_store *st, int64_t id, const uint8_t *payload,
				  size_t len);
/* Makes a queued job claimable beside its eUICC's head: the owner then keeps the eUICC's
 * other jobs from running meanwhile (an SM-SR continuing an ES8 exchange). M2M_END: not a
 * queued job. */
m2m_err m2m_store_job_make_head(m2m_store *st, int64_t id);

/* ---- Function-call records (FunctionCallIdentifier de-duplication) ----------------------- */

#define M2M_STORE_HASH_SIZE 32

typedef enum {
	M2M_STORE_CALL_NEW,      /* recorded now: execute it, then call_finish */
	M2M_STORE_CALL_REPLAY,   /* seen with the same request: answer `response` if done */
	M2M_STORE_CALL_CONFLICT, /* seen with a different request */
} m2m_store_call_outcome;

typedef struct {
	char caller[M2M_STORE_ID_SIZE];
	char call_id[M2M_STORE_ID_SIZE];
	uint8_t req_hash[M2M_STORE_HASH_SIZE];
	bool done;
	int64_t created_ms;
	int64_t done_ms;
	uint8_t *response; /* heap when filled by the store */
	size_t response_len;
} m2m_store_call;

void m2m_store_call_clear(m2m_store_call *c);
/* Records (caller, call_id) atomically if new; otherwise fills *existing (optional). */
m2m_err m2m_store_call_begin(m2m_store *st, const char *caller, const char *call_id,
			     const uint8_t req_hash[M2M_STORE_HASH_SIZE], int64_t now_ms,
			     m2m_store_call_outcome *outcome, m2m_store_call *existing);
/* Stores the answer of a call begun with NEW (M2M_ERR_STATE if already finished). */
m2m_err m2m_store_call_finish(m2m_store *st, const char *caller, const char *call_id,
			      const uint8_t *response, size_t len, int64_t now_ms);
m2m_err m2m_store_call_get(m2m_store *st, const char *caller, const char *call_id,
			   m2m_store_call *out);
/* Deletes the records of calls finished before before_ms (a running call's record stays). */
m2m_err m2m_store_call_purge(m2m_store *st, int64_t before_ms, int64_t *deleted);
/* The finished calls among n keys (callers[i], call_ids[i]): *out (m2m_store_call_list_free)
 * holds those whose answer is recorded, in no order. One query per M2M_STORE_CALL_BATCH keys:
 * a process polls the calls it waits for that another process runs. */
#define M2M_STORE_CALL_BATCH 8
m2m_err m2m_store_call_done_among(m2m_store *st, const char *const *callers,
				  const char *const *call_ids, size_t n, m2m_store_call **out,
				  size_t *nout);
void m2m_store_call_list_free(m2m_store_call *list, size_t n);

/* ---- Audit trail (append-only: the database refuses updates and deletes) ----------------- */

typedef struct {
	int64_t id; /* set by the store, increasing */
	int64_t time_ms;
	char actor[M2M_STORE_ID_SIZE];    /* the requester's identity */
	char function[M2M_STORE_ID_SIZE]; /* e.g. "ES4.EnableProfile" */
	char eid[M2M_STORE_EID_SIZE];
	char iccid[M2M_STORE_ICCID_SIZE];
	char outcome[M2M_STORE_ID_SIZE]; /* e.g. "Executed-Success" */
	char *detail; /* heap when filled by the store */
} m2m_store_audit;

void m2m_store_audit_list_free(m2m_store_audit *list, size_t n);
m2m_err m2m_store_audit_add(m2m_store *st, const m2m_store_audit *a, int64_t *id);
/* Up to `limit` records with id > after_id, for one eUICC (eid non-empty) or all. */
m2m_err m2m_store_audit_list(m2m_store *st, const char *eid, int64_t after_id, size_t limit,
			     m2m_store_audit **out, size_t *n);

/* ---- Notifications received from eUICCs -------------------------------------------------- */

typedef enum {
	M2M_STORE_NOTIF_RECEIVED,
	M2M_STORE_NOTIF_CONFIRMED, /* 3A08 sent to the eUICC */
	M2M_STORE_NOTIF_FORWARDED, /* handed to the operator / SM-DP */
} m2m_store_notif_state;

typedef struct {
	char eid[M2M_STORE_EID_SIZE];
	int64_t seq; /* the eUICC's notification sequence number */
	uint8_t type;
	char aid[M2M_STORE_AID_SIZE];
	char iccid[M2M_STORE_ICCID_SIZE];
	m2m_store_notif_state state;
	int64_t received_ms;
	int64_t updated_ms;
	uint8_t *data; /* the notification as received; heap when filled by the store */
	size_t data_len;
} m2m_store_notif;

const char *m2m_store_notif_state_name(m2m_store_notif_state s);
void m2m_store_notif_clear(m2m_store_notif *n);
void m2m_store_notif_list_free(m2m_store_notif *list, size_t n);
/* Records a notification; *is_new false when (eid, seq) was already there (a resend). */
m2m_err m2m_store_notif_add(m2m_store *st, const m2m_store_notif *nt, bool *is_new);
m2m_err m2m_store_notif_get(m2m_store *st, const char *eid, int64_t seq,
			    m2m_store_notif *out);
m2m_err m2m_store_notif_set_state(m2m_store *st, const char *eid, int64_t seq,
				  m2m_store_notif_state state, int64_t now_ms);
/* Up to `limit` notifications in a state, oldest first. */
m2m_err m2m_store_notif_list(m2m_store *st, m2m_store_notif_state state, size_t limit,
			     m2m_store_notif **out, size_t *n);

/* A notification's state moves only forward (received, confirmed, forwarded): to `state`
 * when it is below it, M2M_END when it is not (or there is no such notification). One
 * conditional UPDATE, so a confirmation and the worker's delivery mark never overwrite each
 * other, whichever commits first. */
m2m_err m2m_store_notif_advance(m2m_store *st, const char *eid, int64_t seq,
				m2m_store_notif_state state, int64_t now_ms);

/* ---- The SM-SR's outbox: notifications to operators and SM-DPs (store_outbox.c) --------- */

typedef enum {
	M2M_STORE_OUTBOX_PENDING,
	M2M_STORE_OUTBOX_DELIVERED,
	M2M_STORE_OUTBOX_ABANDONED, /* given up: refused or unreachable for too long */
} m2m_store_outbox_state;

#define M2M_STORE_OUTBOX_FN_SIZE 64
#define M2M_STORE_OUTBOX_DETAIL_SIZE 256

typedef struct {
	int64_t id; /* set by the store */
	char eid[M2M_STORE_EID_SIZE];
	int64_t seq; /* the card's notification it forwards; -1 for none */
	char fn[M2M_STORE_OUTBOX_FN_SIZE]; /* "ES4-HandleProfileEnabledNotification" */
	char peer[M2M_STORE_ID_SIZE];      /* the [peers] identifier it goes to */
	char iccid[M2M_STORE_ICCID_SIZE];
	char mno_id[M2M_STORE_ID_SIZE]; /* the profile's operator (the ES3 form names it) */
	int64_t event_ms;               /* its CompletionTimestamp */
	m2m_store_outbox_state state;
	int64_t attempts;
	int64_t next_attempt_ms;
	int64_t created_ms;
	int64_t updated_ms;
	char detail[M2M_STORE_OUTBOX_DETAIL_SIZE]; /* why the last attempt failed */
} m2m_store_outbox;

const char *m2m_store_outbox_state_name(m2m_store_outbox_state s);
/* Queues ob (pending, due at now_ms); *id (optional) gets its id. */
m2m_err m2m_store_outbox_add(m2m_store *st, const m2m_store_outbox *ob, int64_t now_ms,
			     int64_t *id);
/* Up to `limit` pending rows due at now_ms, by id, each the oldest pending one of its
 * (eid, peer): later ones wait for it. *out is one heap array (free()). */
m2m_err m2m_store_outbox_due(m2m_store *st, int64_t now_ms, size_t limit,
			     m2m_store_outbox **out, size_t *n);
/* When the next of those rows falls due; M2M_END when nothing is pending. */
m2m_err m2m_store_outbox_next(m2m_store *st, int64_t *next_ms);
/* Takes a due row for one attempt (attempts + 1, not due again before until_ms); M2M_END
 * when it is not due any more (another worker took it, or it is done). */
m2m_err m2m_store_outbox_claim(m2m_store *st, int64_t id, int64_t now_ms, int64_t until_ms);
/* The attempt failed: due again at next_ms. M2M_END when the row is not pending. */
m2m_err m2m_store_outbox_retry(m2m_store *st, int64_t id, int64_t next_ms, int64_t now_ms,
			       const char *detail);
/* Delivered or abandoned (detail NULL: the last failure's stays). M2M_END when the row is
 * not pending. */
m2m_err m2m_store_outbox_finish(m2m_store *st, int64_t id, m2m_store_outbox_state state,
				int64_t now_ms, const char *detail);
/* Up to `limit` rows of one eUICC with id > after_id, by id (any state). */
m2m_err m2m_store_outbox_list(m2m_store *st, const char *eid, int64_t after_id, size_t limit,
			      m2m_store_outbox **out, size_t *n);
/* Deletes delivered and abandoned rows last updated before before_ms. */
m2m_err m2m_store_outbox_purge(m2m_store *st, int64_t before_ms, int64_t *deleted);

/* ---- SM-SR change (ES7): state shared by the processes of one database (store_es7.c) ----- */

/* SM-SR2: a PrepareSMSRChange, valid until until_ms; "busy" while one process runs its
 * HandoverEUICC (busy_owner, at most until busy_until_ms: a dead process's mark lapses). */
typedef struct {
	char eid[M2M_STORE_EID_SIZE];
	char current_smsr[M2M_STORE_ID_SIZE]; /* CurrentSMSRid */
	char requester[M2M_STORE_ID_SIZE];    /* who asked (the MNO's or M2M SP's OID) */
	int64_t until_ms;
	char busy_owner[M2M_STORE_ID_SIZE]; /* "" = not busy */
	int64_t busy_until_ms;
	int64_t created_ms;
} m2m_store_es7_prep;

/* Records or replaces the preparation of p->eid (created now); M2M_ERR_STATE while a
 * HandoverEUICC holds it. */
m2m_err m2m_store_es7_prep_put(m2m_store *st, const m2m_store_es7_prep *p, int64_t now_ms);
/* The preparation of eid unless expired (a busy one is returned until busy_until_ms);
 * M2M_END when none. */
m2m_err m2m_store_es7_prep_get(m2m_store *st, const char *eid, int64_t now_ms,
			       m2m_store_es7_prep *out);
/* Marks the preparation busy for owner until busy_until_ms when it is valid at now_ms,
 * names current as CurrentSMSRid and is not busy; M2M_END otherwise. Atomic across
 * connections: one HandoverEUICC per preparation at a time. */
m2m_err m2m_store_es7_prep_take(m2m_store *st, const char *eid, const char *current,
				const char *owner, int64_t now_ms, int64_t busy_until_ms);
/* Clears the busy marks of owner (a restart: its hand-overs died with it); *n (optional)
 * gets how many. */
m2m_err m2m_store_es7_prep_free(m2m_store *st, const char *owner, int64_t *n);
/* Used up: M2M_END if there was none. */
m2m_err m2m_store_es7_prep_delete(m2m_store *st, const char *eid);
/* Deletes the preparations expired at now_ms that are not busy. */
m2m_err m2m_store_es7_prep_purge(m2m_store *st, int64_t now_ms, int64_t *deleted);

/* SM-SR1: the lock of an eUICC being handed over; void after until_ms. */
typedef struct {
	char eid[M2M_STORE_EID_SIZE];
	char target[M2M_STORE_ID_SIZE]; /* Target-Smsr-id */
	char caller[M2M_STORE_ID_SIZE]; /* who asked SMSRChange */
	char owner[M2M_STORE_ID_SIZE];  /* the process (worker name) running the hand-over */
	int64_t until_ms;
	int64_t created_ms;
} m2m_store_es7_lock;

/* Takes the lock (created now) when eid has none or an expired one; M2M_ERR_STATE when a live
 * lock exists. Atomic across connections. */
m2m_err m2m_store_es7_lock_take(m2m_store *st, const m2m_store_es7_lock *l, int64_t now_ms);
/* The live lock of eid; M2M_END when none or expired. */
m2m_err m2m_store_es7_lock_get(m2m_store *st, const char *eid, int64_t now_ms,
			       m2m_store_es7_lock *out);
/* Releases the lock of eid held by owner; M2M_END when owner holds none. */
m2m_err m2m_store_es7_lock_release(m2m_store *st, const char *eid, const char *owner);

/* ---- SM-SR change (ES7): the card's answer of a relayed job (store_job_answer.c) ---------- */

/* The RC of es7_cert, the [85 L DR] 86 10 receipt of es7_keys. */
#define M2M_STORE_JOB_ANSWER_MAX 64

/* Records (or replaces) the card's answer a of job_id (n <= M2M_STORE_JOB_ANSWER_MAX). */
m2m_err m2m_store_job_answer_put(m2m_store *st, int64_t job_id, const uint8_t *a, size_t n,
				 int64_t now_ms);
/* The answer of job_id; M2M_END when none is recorded. */
m2m_err m2m_store_job_answer_get(m2m_store *st, int64_t job_id,
				 uint8_t a[M2M_STORE_JOB_ANSWER_MAX], size_t *n);
/* Deletes the answer of job_id and every answer recorded before before_ms. */
m2m_err m2m_store_job_answer_delete(m2m_store *st, int64_t job_id, int64_t before_ms);

#endif
