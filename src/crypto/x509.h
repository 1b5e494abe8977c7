/*
 * X.509 certificates for a test or private deployment: the CI and EUM certificates SGP.02
 * builds on (SGP.14 profile, simplified) and the TLS certificates the servers and their
 * clients authenticate with (docs/pki.md). ECDSA with SHA-256 on named curves only.
 */
#ifndef M2M_CRYPTO_X509_H
#define M2M_CRYPTO_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "crypto/ec.h"

#define M2M_X509_SAN_MAX 4

typedef enum {
	M2M_X509_CA,          /* basicConstraints CA:TRUE, keyCertSign + cRLSign */
	M2M_X509_TLS_SERVER,  /* digitalSignature, serverAuth + clientAuth (servers call each other) */
	M2M_X509_TLS_CLIENT,  /* digitalSignature, clientAuth */
	M2M_X509_SIGNING,     /* digitalSignature only (e.g. an EIS signer) */
} m2m_x509_kind;

typedef struct {
	m2m_x509_kind kind;
	const char *cn;                         /* subject CN: the entity's identifier */
	const char *ou;                         /* subject OU: its role (MNO, SM-SR, ...), optional */
	const char *o;                          /* subject O, optional */
	uint64_t serial;
	int days;                               /* validity from now */
	const char *dns[M2M_X509_SAN_MAX];      /* subjectAltName DNS names, NULL-terminated */
	const char *ip[M2M_X509_SAN_MAX];       /* subjectAltName IP addresses, NULL-terminated */
} m2m_x509_spec;

/* Issues a certificate for subject_key (its public part) signed by issuer_key. issuer_pem is
 * the issuer's certificate, or NULL for a self-signed one (then issuer_key signs its own
 * public key: it must be subject_key). Appends the PEM text to out. */
m2m_err m2m_x509_issue(const m2m_x509_spec *spec, const m2m_eckey *subject_key,
		       const uint8_t *issuer_pem, size_t issuer_len, const m2m_eckey *issuer_key,
		       m2m_buf *out);

/* Verifies that cert was signed by the key of issuer (both PEM) and is within its validity.
 * M2M_ERR_VERIFY when not. */
m2m_err m2m_x509_verify(const uint8_t *cert_pem, size_t cert_len, const uint8_t *issuer_pem,
			size_t issuer_len);

/* Copies the subject's CN and OU (empty strings when absent). */
m2m_err m2m_x509_subject(const uint8_t *cert_pem, size_t n, char *cn, size_t cn_cap, char *ou,
			 size_t ou_cap);

#endif
