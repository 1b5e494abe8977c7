/*
 * The SM-SR daemon (`m2mrsp smsr --config FILE`, docs/smsr.md): configuration, the ES4
 * service over the ws endpoint, the durable ES5 job engine over the SMS bearer, eUICC
 * notifications, and the pure rules the service applies (authorisation, POL2).
 */
#ifndef M2M_SMSR_SMSR_H
#define M2M_SMSR_SMSR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/log.h"
#include "smsr/es1.h"
#include "store/store.h"
#include "ws/functions.h"
#include "ws/status.h"

#define M2M_SMSR_STR 256
#define M2M_SMSR_PEERS_MAX 32
#define M2M_SMSR_PLMA_MAX 64

typedef struct {
	char id[M2M_SMSR_STR];    /* the identity of the peer (its certificate CN) */
	char url[M2M_SMSR_STR];   /* where its ES4 notifications go */
} m2m_smsr_peer;

/* One Profile Lifecycle Management Authorisation: M2M SP `sp` may act on profiles of `mno`. */
typedef struct {
	char sp[M2M_SMSR_STR];
	char mno[M2M_SMSR_STR];
} m2m_smsr_plma;

/* A TLS identity (certificate CN) and the object identifier it has in ES messages. */
typedef struct {
	char cn[M2M_SMSR_STR];
	char oid[M2M_SMSR_STR];
} m2m_smsr_caller_map;

typedef struct {
	/* [smsr] */
	char id[M2M_SMSR_STR];
	char oid[M2M_SMSR_STR]; /* Smsr-id in the EIS (ObjectIdentifierType) */
	char db[M2M_SMSR_STR];
	char master_key[65];
	char worker[M2M_STORE_ID_SIZE];
	m2m_log_level log_level;
	m2m_log_format log_format;
	char wsdl_dir[M2M_SMSR_STR]; /* "" = the ws layer's search */
	/* the SMS address the cards send to, "+" then digits or digits ("" = none): put on a
	 * card taken over by an SM-SR change (UpdateSMSRAddressingParameters, smsr_address.h) */
	char sms_address[22];
	/* [es] */
	char es_host[M2M_SMSR_STR];
	uint16_t es_port;
	char es_cert[M2M_SMSR_STR];
	char es_key[M2M_SMSR_STR];
	char es_ca[M2M_SMSR_STR];
	char es_address[M2M_SMSR_STR]; /* "" = built from the bound port at start */
	bool allow_without_cert;
	/* [smpp] */
	char smpp_host[M2M_SMSR_STR];
	uint16_t smpp_port;
	char smpp_system_id[16];
	char smpp_password[9];
	char smpp_source[21];
	unsigned smpp_window;
	unsigned por_timeout_ms;
	bool smpp_bind_range; /* the bind claims [smsr] sms_address as its address_range */
	/* [scp81]: the HTTPS bearer (docs/smsr.md) */
	bool scp81_enabled;
	char scp81_listen_host[M2M_SMSR_STR];
	uint16_t scp81_port;
	char scp81_trigger_url[M2M_SMSR_STR];
	/* [engine] */
	unsigned concurrency;
	unsigned retries;
	unsigned backoff_ms;
	unsigned validity_s;
	unsigned hold_max_s; /* longest a request without ReplyTo is held open */
	unsigned lease_ms;
	unsigned poll_ms;
	unsigned retention_s; /* finished jobs and call records kept this long; 0: forever */
	/* [notify]: the outbox of Handle*Notification calls (docs/smsr.md "Notifications") */
	unsigned notify_retry_s;     /* a notification not accepted is retried this long */
	unsigned notify_backoff_ms;  /* first delay between attempts, doubled each time... */
	unsigned notify_backoff_max_ms; /* ... up to this */
	/* [peers], [plma] */
	size_t npeers;
	m2m_smsr_peer peers[M2M_SMSR_PEERS_MAX];
	size_t nplma;
	m2m_smsr_plma plma[M2M_SMSR_PLMA_MAX];
	/* [callers] CN = OID */
	size_t ncallers;
	m2m_smsr_caller_map callers[M2M_SMSR_PEERS_MAX];
	/* [es1], [eum.NAME] (docs/eis.md): whom ES1 RegisterEIS is accepted from; NULL when
	 * there is no [es1] section (RegisterEIS is then refused). Owned: m2m_smsr_cfg_clear. */
	m2m_es1_trust *es1;
	/* [smsr_peers] SMSR-OID = URL: the ES7 endpoints of the other SM-SRs (SM-SR change) */
	size_t nsmsr_peers;
	m2m_smsr_peer smsr_peers[M2M_SMSR_PEERS_MAX];
	/* [es7] gp_cert, gp_key: CERT.SR.ECDSA (7F21, binary) and SK.SR.ECDSA (PEM) that key
	 * establishment presents when this SM-SR takes an eUICC over; "" = it takes none */
	char es7_gp_cert[M2M_SMSR_STR];
	char es7_gp_key[M2M_SMSR_STR];
} m2m_smsr_cfg;

/* Loads and checks the configuration. On error, errbuf says which key and why. */
m2m_err m2m_smsr_cfg_load(const char *path, m2m_smsr_cfg *cfg, char *errbuf, size_t errlen);
m2m_err m2m_smsr_cfg_parse(const char *text, size_t len, m2m_smsr_cfg *cfg, char *errbuf,
			   size_t errlen);
/* Frees what the configuration owns (the ES1 trust). */
void m2m_smsr_cfg_clear(m2m_smsr_cfg *cfg);
/* The identifier a caller has in ES messages: [callers] maps its certificate CN, else the
 * CN itself. */
const char *m2m_smsr_caller_oid(const m2m_smsr_cfg *cfg, const char *cn);
/* The URL notifications for `id` go to; NULL when not configured. */
const char *m2m_smsr_peer_url(const m2m_smsr_cfg *cfg, const char *id);
/* The ES7 endpoint of the SM-SR `oid` ([smsr_peers]); NULL when not configured. */
const char *m2m_smsr_smsr_peer_url(const m2m_smsr_cfg *cfg, const char *oid);

/* ---- authorisation (smsr_auth.c) ---- */

/* May caller (role, id) act on a profile owned by mno_id? An MNO only on its own profiles,
 * an M2M SP only where a PLMA from that MNO names it; every other role is refused here
 * (ES4 is MNO / M2M SP only). On refusal st gets FAILED 1.1 / 1.1. */
bool m2m_smsr_authorised(const m2m_smsr_cfg *cfg, m2m_ws_role role, const char *caller_id,
			 const char *mno_id, m2m_ws_exec_status *st);

/* ---- POL2 (smsr_pol2.c) ---- */

typedef enum {
	M2M_SMSR_ACT_ENABLE,
	M2M_SMSR_ACT_DISABLE,
	M2M_SMSR_ACT_DELETE,
} m2m_smsr_action;

/* The stricter of POL1 and POL2: POL1 is on the card (it answers 6985), this checks POL2.
 * Enabling `target` also disables `enabled` (the profile enabled now, NULL if none), so the
 * latter's "DISABLE Not-Allowed" refuses it too. On refusal st gets FAILED 8.2.3 / 1.2. */
bool m2m_smsr_pol2_allows(m2m_smsr_action act, const m2m_store_profile *target,
			  const m2m_store_profile *enabled, m2m_ws_exec_status *st);
/* POL2 bits (M2M_POL2_*) from a POL2Type element's rules (Subject, Action, Qualification).
 * M2M_ERR_FORMAT with st (8.2.3 / 2.1) for a rule the store cannot hold. */
struct _xmlNode;
m2m_err m2m_smsr_pol2_parse(const struct _xmlNode *pol2, uint32_t *bits,
			    m2m_ws_exec_status *st);
/* Whether the profile disabled by an enable of another one must then be deleted. */
bool m2m_smsr_pol2_auto_delete(const m2m_store_profile *disabled);

/* ---- import and the daemon (smsr_import.c, smsr_service.c) ---- */

/* Registers the eUICCs of a `m2mrsp devices list --json` file into the store: EIS, profiles
 * (owned by mno_id), key sets. Existing EIDs are skipped (counted in *skipped). */
/* eum_key: PEM private key signing the EIS (NULL: a throw-away key). */
m2m_err m2m_smsr_import(const m2m_smsr_cfg *cfg, const char *devices_path, const char *mno_id,
			const char *eum_key, size_t *imported, size_t *skipped, char *errbuf,
			size_t errlen);

/* Runs the daemon until SIGINT/SIGTERM. Prints "es HOST:PORT" on stdout once it listens.
 * Returns the exit code (0 clean stop, 3 start-up I/O failure). */
int m2m_smsr_run(const m2m_smsr_cfg *cfg);

#endif
