/*
 * The eUICC Information Set (SGP.02 EIS, GSMA v3 schema EISType in
 * data/wsdl/xsd/euicc.common.types.xsd) as a C value: what the EUM signs (EumSignedInfo), the
 * signature, and what the SM-SR maintains (memory, profiles, the ISD-R with its key sets, the
 * audit trail). eis_xml.h reads and writes it as the Eis element, eis_store.h maps it to the
 * store's records, eis_dsig.h signs and verifies it, eis_keys.h protects the ISD-R keys.
 * docs/eis.md describes the mapping.
 *
 * Ownership: m2m_eis_clear() releases everything (profile, audit and property arrays, the
 * certificate values, the signature buffers) and wipes key values.
 */
#ifndef M2M_SMSR_EIS_H
#define M2M_SMSR_EIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/store.h"
#include "ws/status.h"

#define M2M_EIS_EID_SIZE 16       /* SGP.02: the EID is 16 bytes (EIDType allows 32) */
#define M2M_EIS_EID_HEX_SIZE 33   /* 32 upper-case hex digits and a NUL */
#define M2M_EIS_ID_SIZE M2M_STORE_ID_SIZE /* ObjectIdentifierType values */
#define M2M_EIS_TEXT_SIZE M2M_STORE_TEXT_SIZE /* String100 */
#define M2M_EIS_VERSION_SIZE M2M_STORE_VERSION_SIZE /* ThreeDigitVersion */
#define M2M_EIS_TIME_SIZE 64      /* xs:dateTime text */
#define M2M_EIS_AID_MAX 16        /* AIDType: 5 to 16 bytes */
#define M2M_EIS_AID_MIN 5
#define M2M_EIS_SDIN_MAX 16       /* hexBinary16 */
#define M2M_EIS_TARS_MAX 8
#define M2M_EIS_KEYSETS_MAX 16    /* per security domain (the schema allows 127) */
#define M2M_EIS_KEYS_MAX M2M_STORE_KEYS_MAX
#define M2M_EIS_CERTS_MAX 4
#define M2M_EIS_KEY_MAX M2M_STORE_KEY_MAX /* a clear key */
/* A key as sent: AES-ECB of the key and its PKCS#7 padding under the transport key. */
#define M2M_EIS_KEY_WIRE_MAX (M2M_EIS_KEY_MAX + 16)
#define M2M_EIS_KCV_MAX 16
#define M2M_EIS_CERT_MAX 1024     /* a GP certificate (7F21) */
#define M2M_EIS_IMEI_MAX 16

/* KeysetUsageType; NONE when the Type element is absent (usage from the version). */
typedef enum {
	M2M_EIS_KS_NONE,
	M2M_EIS_KS_SCP03,
	M2M_EIS_KS_SCP80,
	M2M_EIS_KS_SCP81,
	M2M_EIS_KS_TOKEN,   /* TokenGeneration */
	M2M_EIS_KS_RECEIPT, /* ReceiptVerification */
	M2M_EIS_KS_CA,
} m2m_eis_ks_usage;

/* GlobalPlatform key type coding (GP CS 11.1.8) of the key types the EIS carries. */
#define M2M_EIS_KEYTYPE_DES 0x80
#define M2M_EIS_KEYTYPE_3DES_CBC 0x82
#define M2M_EIS_KEYTYPE_DES_ECB 0x83
#define M2M_EIS_KEYTYPE_DES_CBC 0x84
#define M2M_EIS_KEYTYPE_PSK_TLS 0x85
#define M2M_EIS_KEYTYPE_AES 0x88

typedef struct {
	uint8_t index; /* Key/Index */
	uint8_t type;  /* KeyComponents/@type: M2M_EIS_KEYTYPE_* */
	uint8_t value[M2M_EIS_KEY_WIRE_MAX];
	size_t len;
	bool wrapped; /* value is still under the transport key (as received) */
	uint8_t kcv[M2M_EIS_KCV_MAX]; /* @kcv as received; computed again when built */
	size_t kcv_len;
} m2m_eis_key;

/* GPCertificateType: a certificate in a key set (CERT.ECASD.ECKA in the ECASD). */
typedef struct {
	uint8_t index;
	char ca_id[M2M_EIS_ID_SIZE];
	uint8_t *value; /* heap */
	size_t len;
} m2m_eis_cert;

typedef struct {
	uint8_t version; /* KVN, 1..127 */
	m2m_eis_ks_usage usage;
	bool has_cntr;
	uint64_t cntr; /* the counter of the key set (SCP80: the last one used) */
	size_t nkeys;
	m2m_eis_key keys[M2M_EIS_KEYS_MAX];
	size_t ncerts;
	m2m_eis_cert certs[M2M_EIS_CERTS_MAX];
} m2m_eis_keyset;

/* SecurityDomainType (the Role is implied by where it sits: Ecasd or Isd-r). */
typedef struct {
	uint8_t aid[M2M_EIS_AID_MAX];
	size_t aid_len;
	size_t ntars;
	uint8_t tars[M2M_EIS_TARS_MAX][3];
	uint8_t sin[M2M_EIS_SDIN_MAX];
	size_t sin_len;
	uint8_t sdin[M2M_EIS_SDIN_MAX];
	size_t sdin_len;
	size_t nkeysets;
	m2m_eis_keyset keysets[M2M_EIS_KEYSETS_MAX];
} m2m_eis_sd;

typedef struct {
	bool cattp;
	char cattp_version[M2M_EIS_VERSION_SIZE]; /* "" = absent */
	bool http;
	char http_version[M2M_EIS_VERSION_SIZE];  /* "" = absent */
	char secure_packet_version[M2M_EIS_VERSION_SIZE];
	char rsp_version[M2M_EIS_VERSION_SIZE];   /* RemoteProvisioningVersion */
} m2m_eis_caps;

/* ProfileInfo. State is CREATED, DISABLED or ENABLED (the schema has no "in creation"). */
typedef struct {
	char iccid[M2M_STORE_ICCID_SIZE];
	uint8_t isdp_aid[M2M_EIS_AID_MAX];
	size_t isdp_aid_len;
	char mno_id[M2M_EIS_ID_SIZE];
	bool fallback;
	char imsi[M2M_STORE_MSISDN_SIZE];   /* "" = absent */
	char msisdn[M2M_STORE_MSISDN_SIZE]; /* "" = absent */
	m2m_store_profile_state state;
	char smdp_id[M2M_EIS_ID_SIZE];        /* "" = absent */
	char profile_type[M2M_EIS_TEXT_SIZE]; /* "" = absent */
	uint64_t allocated_memory;
	bool has_free_memory;
	uint64_t free_memory;
	uint32_t pol2; /* M2M_POL2_* of store.h */
} m2m_eis_profile;

/* AuditTrailRecordType. */
typedef struct {
	char eid[2 * 32 + 1];
	char smsr_id[M2M_EIS_ID_SIZE];
	time_t date;
	uint8_t op_type[2];
	char requester_id[M2M_EIS_ID_SIZE]; /* "" = absent */
	bool has_status;
	m2m_ws_exec_status status;
	uint8_t isdp_aid[M2M_EIS_AID_MAX];
	size_t isdp_aid_len; /* 0 = absent */
	char iccid[M2M_STORE_ICCID_SIZE]; /* "" = absent */
	uint8_t imei[M2M_EIS_IMEI_MAX];
	size_t imei_len;
	bool has_imei;
	uint8_t meid[M2M_EIS_IMEI_MAX];
	size_t meid_len;
	bool has_meid;
} m2m_eis_audit;

typedef struct {
	char *key; /* heap */
	char *value;
} m2m_eis_property;

typedef struct {
	/* EumSignedInfo */
	char eid[M2M_EIS_EID_HEX_SIZE]; /* upper-case hex */
	char eum_id[M2M_EIS_ID_SIZE];
	char production_date[M2M_EIS_TIME_SIZE]; /* as received */
	char platform_type[M2M_EIS_TEXT_SIZE];
	char platform_version[M2M_EIS_VERSION_SIZE];
	uint8_t isdp_loadfile_aid[M2M_EIS_AID_MAX];
	size_t isdp_loadfile_aid_len;
	uint8_t isdp_module_aid[M2M_EIS_AID_MAX];
	size_t isdp_module_aid_len;
	m2m_eis_sd ecasd;
	m2m_eis_caps caps;
	/* The EumSignedInfo and EumSignature exactly as signed (exclusive XML canonical form):
	 * an EIS that is forwarded or stored keeps a signature that still verifies. When
	 * signed_info is empty the element is built from the fields above. */
	m2m_buf signed_info;
	m2m_buf signature;
	/* Maintained by the SM-SR */
	uint64_t remaining_memory;
	uint64_t available_memory; /* AvailableMemoryForProfiles */
	bool has_last_audit;
	time_t last_audit;
	char smsr_id[M2M_EIS_ID_SIZE];
	size_t nprofiles;
	m2m_eis_profile *profiles;
	m2m_eis_sd isdr;
	bool has_audit_trail;
	size_t naudit;
	m2m_eis_audit *audit;
	size_t nprops;
	m2m_eis_property *props;
} m2m_eis;

void m2m_eis_init(m2m_eis *e);
/* Releases and wipes; e is then as after m2m_eis_init. */
void m2m_eis_clear(m2m_eis *e);

/* Appends a zeroed entry and returns it (M2M_ERR_NOMEM, M2M_ERR_BOUNDS past the limits). */
m2m_err m2m_eis_add_profile(m2m_eis *e, m2m_eis_profile **p);
m2m_err m2m_eis_add_audit(m2m_eis *e, m2m_eis_audit **a);
m2m_err m2m_eis_add_property(m2m_eis *e, const char *key, const char *value);
m2m_err m2m_eis_cert_set(m2m_eis_cert *c, const uint8_t *p, size_t n);

/* The key set of sd with that version; NULL if none. */
m2m_eis_keyset *m2m_eis_keyset_find(m2m_eis_sd *sd, uint8_t version);
/* The usage of a key set: its Type, else deduced from the version as GlobalPlatform and
 * ETSI number them (01-0F SCP80, 30-3F SCP03, 40-4F SCP81); NONE when it cannot be told. */
m2m_eis_ks_usage m2m_eis_keyset_usage(const m2m_eis_keyset *ks);

/* Schema names: "SCP80", ...; "Created", "Disabled", "Enabled". */
const char *m2m_eis_ks_usage_name(m2m_eis_ks_usage u);
m2m_err m2m_eis_ks_usage_parse(const char *s, m2m_eis_ks_usage *u);
const char *m2m_eis_state_name(m2m_store_profile_state s);
m2m_err m2m_eis_state_parse(const char *s, m2m_store_profile_state *st);

/* Upper-case hex of p into out (2n+1 bytes). */
void m2m_eis_hex(const uint8_t *p, size_t n, char *out);

/* Fills st (optional) with a FAILED status with subject, reason and a printf-style message,
 * and returns err: how the EIS functions refuse. */
m2m_err m2m_eis_refuse(m2m_ws_exec_status *st, m2m_err err, const char *subject,
		       const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

#endif
