/*
 * EC keys on disk: PKCS#8 PEM private keys and SubjectPublicKeyInfo PEM public keys, for the
 * PKI files the daemons and tools read (docs/pki.md). Named curves only (P-256,
 * brainpoolP256r1): FRP256V1 has no OID OpenSSL knows, so its keys stay in the binary forms.
 */
#ifndef M2M_CRYPTO_PEM_H
#define M2M_CRYPTO_PEM_H

#include "core/buf.h"
#include "core/err.h"
#include "crypto/ec.h"

/* Appends the PEM text of the private key (PKCS#8, unencrypted) or of the public key. */
m2m_err m2m_ec_private_pem(const m2m_eckey *key, m2m_buf *out);
m2m_err m2m_ec_public_pem(const m2m_eckey *key, m2m_buf *out);
/* Parses a PEM private key, or a public key (SubjectPublicKeyInfo) or an X.509 certificate's
 * key when private is not required. M2M_ERR_FORMAT for text that is no such PEM,
 * M2M_ERR_UNSUPPORTED for another key type or curve. */
m2m_err m2m_ec_from_pem(const uint8_t *pem, size_t n, bool need_private, m2m_eckey **key);
/* The same from a file (M2M_ERR_IO when unreadable). */
m2m_err m2m_ec_load_pem(const char *path, bool need_private, m2m_eckey **key);

#endif
