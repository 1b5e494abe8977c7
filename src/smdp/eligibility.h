/*
 * The SM-DP's eligibility check before a profile download (SGP.02 3.1.1, after ES3.GetEIS):
 * the certificate chain CI -> EUM (X.509) -> CERT.ECASD.ECKA (GlobalPlatform 7F21, signed by
 * the EUM's key), the memory the profile needs against the eUICC's free memory, and the
 * eUICC's capabilities. Pure: EIS facts in, a verdict out. A refusal carries the ES status
 * code (subject, reason) to report in ES2.DownloadProfile; the mapping is in
 * docs/smdp-download.md.
 */
#ifndef M2M_SMDP_ELIGIBILITY_H
#define M2M_SMDP_ELIGIBILITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/err.h"
#include "crypto/ec.h"

/* EuiccCapabilities of the EIS, as far as the download cares. */
typedef struct {
	bool http;               /* HttpSupport: SCP81 (the download's bearer of choice) */
	bool cattp;              /* CattpSupport */
	uint8_t version[3];      /* RemoteProvisioningVersion d.d.d; 0.0.0 when unknown */
} m2m_smdp_caps;

/* What ES3.GetEIS told about the eUICC. */
typedef struct {
	const uint8_t *ecasd_cert;   /* CERT.ECASD.ECKA: one 7F21 TLV */
	size_t ecasd_cert_len;
	const uint8_t *eum_pem;      /* the EUM's X.509 certificate (PEM) */
	size_t eum_pem_len;
	uint64_t free_memory;        /* RemainingMemory (bytes of non-volatile memory) */
	m2m_smdp_caps caps;
} m2m_smdp_eis;

/* The CI an SM-DP trusts, with the EUM certificates already checked against it: the X.509
 * work (PEM decoding, the CI's signature) is done once per EUM instead of once per download.
 * Not thread-safe: one per thread, or a lock around m2m_smdp_eligibility. */
typedef struct m2m_smdp_trust m2m_smdp_trust;

#define M2M_SMDP_TRUST_EUM_MAX 32 /* EUM certificates remembered (least recently used out) */

/* M2M_ERR_FORMAT when ci_pem is no certificate. */
m2m_err m2m_smdp_trust_new(const uint8_t *ci_pem, size_t len, m2m_smdp_trust **out);
void m2m_smdp_trust_free(m2m_smdp_trust *t);
/* EUM certificates remembered (for tests and statistics). */
size_t m2m_smdp_trust_cached(const m2m_smdp_trust *t);

/* What the SM-DP requires for this profile. */
typedef struct {
	m2m_smdp_trust *trust;       /* the CI and the EUMs already checked; or, when NULL: */
	const uint8_t *ci_pem;       /* the CI certificate the SM-DP trusts (PEM) */
	size_t ci_pem_len;
	size_t package_len;          /* the personalised package's DER length */
	uint64_t overhead;           /* memory the card needs beyond the package bytes */
	bool need_http;              /* refuse eUICCs without HTTPS (SCP81) */
	uint8_t min_version[3];      /* lowest RemoteProvisioningVersion, 0.0.0: any */
	time_t now;                  /* validity dates are checked at this time; 0: now */
} m2m_smdp_req;

/* Why an eUICC is not eligible, with the ES status code (subject / reason) it maps to. */
typedef enum {
	M2M_SMDP_ELIGIBLE = 0,
	M2M_SMDP_REFUSE_EIS_INVALID,     /* a certificate does not decode        8.6 / 2.1 */
	M2M_SMDP_REFUSE_EUM_CHAIN,       /* the EUM certificate is not the CI's  8.5.2 / 6.1 */
	M2M_SMDP_REFUSE_EUM_EXPIRED,     /* CI or EUM outside its validity       8.5.2 / 6.3 */
	M2M_SMDP_REFUSE_ECASD_SIGNATURE, /* CERT.ECASD.ECKA not the EUM's        8.5.2 / 6.1 */
	M2M_SMDP_REFUSE_ECASD_EXPIRED,   /* CERT.ECASD.ECKA outside its dates    8.5.2 / 6.3 */
	M2M_SMDP_REFUSE_ECASD_TYPE,      /* an SM-DP / SM-SR certificate instead 8.5.2 / 2.1 */
	M2M_SMDP_REFUSE_MEMORY,          /* the profile does not fit             8.1 / 4.8 */
	M2M_SMDP_REFUSE_CAPABILITY,      /* HTTPS or the version missing         8.1 / 3.8 */
	M2M_SMDP_REFUSE_INTERNAL,        /* bad arguments, memory, the CI        1.2 / 4.2 */
} m2m_smdp_refusal_kind;

typedef struct {
	m2m_smdp_refusal_kind kind;
	const char *subject;         /* ES status code: subject and reason (static strings) */
	const char *reason;
	char message[192];
} m2m_smdp_refusal;

typedef struct {
	m2m_eckey *pk_ecasd;         /* PK.ECASD.ECKA from the checked certificate: m2m_ec_free */
	m2m_curve curve;
	uint64_t required_memory;    /* ES3.CreateISDP RequiredMemory */
} m2m_smdp_eligible;

/* M2M_OK: eligible, ok filled (the caller frees ok->pk_ecasd). Anything else: not eligible,
 * why filled (also for argument and internal errors): M2M_ERR_VERIFY for the chain and the
 * dates, M2M_ERR_FORMAT for undecodable certificates, M2M_ERR_STATE for memory and
 * capabilities. */
m2m_err m2m_smdp_eligibility(const m2m_smdp_eis *eis, const m2m_smdp_req *req,
			     m2m_smdp_eligible *ok, m2m_smdp_refusal *why);

const char *m2m_smdp_refusal_name(m2m_smdp_refusal_kind kind);

/* ---- internal to eligibility*.c ---- */

/* The certificate chain; fills why on refusal. */
m2m_err m2m_smdp_check_chain(const m2m_smdp_eis *eis, const m2m_smdp_req *req, time_t now,
			     m2m_eckey **pk_ecasd, m2m_smdp_refusal *why);
/* notBefore / notAfter of a PEM certificate (M2M_ERR_FORMAT when it does not parse). */
m2m_err m2m_smdp_x509_times(const uint8_t *pem, size_t n, time_t *not_before,
			    time_t *not_after);
/* The EUM certificate checked against the CI at `now` (validity of both, the CI's
 * signature); *key gets the EUM's public key, owned by the trust cache. */
m2m_err m2m_smdp_trust_eum(m2m_smdp_trust *t, const uint8_t *pem, size_t n, time_t now,
			   const m2m_eckey **key, m2m_smdp_refusal *why);
/* The same without a cache; *key is the caller's to free. */
m2m_err m2m_smdp_check_eum(const uint8_t *ci_pem, size_t ci_len, const uint8_t *pem, size_t n,
			   time_t now, m2m_eckey **key, m2m_smdp_refusal *why);
/* Fills why (kind, its status code, a printf message) and returns the error. */
m2m_err m2m_smdp_refuse(m2m_smdp_refusal *why, m2m_smdp_refusal_kind kind, m2m_err err,
			const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
