/*
 * Elliptic curves for SGP.02: NIST P-256, brainpoolP256r1 and ANSSI FRP256V1 (the latter
 * defined from its published parameters, OpenSSL has no name for it). Key generation, ECDH
 * (shared secret = x coordinate, BSI TR-03111 ECKA), ECDSA with SHA-256 in plain r||s and in
 * DER form, public keys as uncompressed points 04||X||Y.
 */
#ifndef M2M_CRYPTO_EC_H
#define M2M_CRYPTO_EC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Values are the GlobalPlatform key parameter references SGP.02 uses (tag F0 of 7F49). */
typedef enum {
	M2M_CURVE_P256 = 0x00,
	M2M_CURVE_BRAINPOOLP256R1 = 0x03,
	M2M_CURVE_FRP256V1 = 0x40,
} m2m_curve;

#define M2M_EC_FIELD_SIZE 32                      /* all supported curves are 256-bit */
#define M2M_EC_POINT_SIZE (1 + 2 * M2M_EC_FIELD_SIZE) /* 04 || X || Y */
#define M2M_EC_SIG_SIZE (2 * M2M_EC_FIELD_SIZE)       /* plain r || s */
#define M2M_EC_DER_SIG_MAX 72

/* Key parameter reference -> curve; M2M_ERR_UNSUPPORTED for other references. */
m2m_err m2m_curve_from_ref(uint8_t ref, m2m_curve *curve);
/* "P-256", "brainpoolP256r1", "FRP256V1"; "unknown" for other values. */
const char *m2m_curve_name(m2m_curve curve);
/* By those names (case-insensitive; also "prime256v1", "secp256r1", "bp256r1"). */
m2m_err m2m_curve_from_name(const char *name, m2m_curve *curve);

/* Validates the curve's domain parameters as built (discriminant, generator on the curve,
 * order * G = infinity): M2M_OK, M2M_ERR_VERIFY, or M2M_ERR_UNSUPPORTED. Meant for self-tests
 * of the explicitly defined FRP256V1. */
m2m_err m2m_ec_curve_check(m2m_curve curve);

/* Opaque key: a key pair, or a public key only. */
typedef struct m2m_eckey m2m_eckey;

m2m_err m2m_ec_generate(m2m_curve curve, m2m_eckey **key);
/* d: big-endian private scalar of 1..32 bytes, 1 <= d < n (else M2M_ERR_ARG); the public
 * point is computed. */
m2m_err m2m_ec_from_private(m2m_curve curve, const uint8_t *d, size_t d_len, m2m_eckey **key);
/* Uncompressed point 04||X||Y, checked to be on the curve (M2M_ERR_FORMAT otherwise). */
m2m_err m2m_ec_from_public(m2m_curve curve, const uint8_t *point, size_t len, m2m_eckey **key);
void m2m_ec_free(m2m_eckey *key); /* wipes the private part; NULL is fine */

m2m_curve m2m_ec_curve(const m2m_eckey *key);
bool m2m_ec_has_private(const m2m_eckey *key);
m2m_err m2m_ec_public_point(const m2m_eckey *key, uint8_t out[M2M_EC_POINT_SIZE]);
/* Private scalar, left-padded to 32 bytes. */
m2m_err m2m_ec_private_bytes(const m2m_eckey *key, uint8_t out[M2M_EC_FIELD_SIZE]);

/* ECDH: x coordinate of d_priv * Q_peer (32 bytes). Both keys on the same curve, else
 * M2M_ERR_ARG. */
m2m_err m2m_ecdh(const m2m_eckey *priv, const m2m_eckey *peer, uint8_t out[M2M_EC_FIELD_SIZE]);

/* ECDSA over SHA-256(msg). Plain form: r||s, each left-padded to 32 bytes. */
m2m_err m2m_ecdsa_sign(const m2m_eckey *key, const uint8_t *msg, size_t len,
		       uint8_t sig[M2M_EC_SIG_SIZE]);
/* M2M_OK if valid, M2M_ERR_VERIFY if not, another error on bad input (M2M_ERR_FORMAT for a
 * plain signature whose length is not 64, or malformed / non-strict DER). */
m2m_err m2m_ecdsa_verify(const m2m_eckey *key, const uint8_t *msg, size_t len,
			 const uint8_t *sig, size_t sig_len);
/* The same over a precomputed 32-byte digest (NIST CAVP SigVer gives messages; SCP tests
 * sometimes give digests). */
m2m_err m2m_ecdsa_sign_digest(const m2m_eckey *key, const uint8_t digest[32],
			      uint8_t sig[M2M_EC_SIG_SIZE]);
m2m_err m2m_ecdsa_verify_digest(const m2m_eckey *key, const uint8_t digest[32],
				const uint8_t *sig, size_t sig_len);
/* DER form (X9.62 ECDSA-Sig-Value SEQUENCE { r INTEGER, s INTEGER }). */
m2m_err m2m_ecdsa_sign_der(const m2m_eckey *key, const uint8_t *msg, size_t len, uint8_t *der,
			   size_t *der_len /* in: capacity, out: length */);
m2m_err m2m_ecdsa_verify_der(const m2m_eckey *key, const uint8_t *msg, size_t len,
			     const uint8_t *der, size_t der_len);
/* Conversions between the two forms (strict DER on input). */
m2m_err m2m_ecdsa_sig_to_der(const uint8_t sig[M2M_EC_SIG_SIZE], uint8_t *der, size_t *der_len);
m2m_err m2m_ecdsa_sig_from_der(const uint8_t *der, size_t der_len, uint8_t sig[M2M_EC_SIG_SIZE]);

#endif
