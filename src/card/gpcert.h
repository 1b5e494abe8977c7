/*
 * GlobalPlatform-format certificates as SGP.02 uses them for CERT.DP.ECDSA and
 * CERT.SR.ECDSA (SGP.02 2.3.2, GP Amendment E), and the GP public key TLV 7F49.
 *
 *   7F21 L { 93 serial, 42 CA id, 5F20 subject id, 95 key usage, [5F25 effective date],
 *            5F24 expiry date, 73 { [C8 01 type], [C9 L authority key id] },
 *            7F49 { B0 L 04||X||Y, F0 01 key parameter reference }, 5F37 L r||s }
 *
 * The signature is plain r||s (ECDSA with SHA-256) over every TLV of the body before 5F37,
 * exactly as encoded. Dates are YYYYMMDD in BCD.
 */
#ifndef M2M_CARD_GPCERT_H
#define M2M_CARD_GPCERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "crypto/ec.h"

#define M2M_GPCERT_TAG 0x7F21
#define M2M_GP_PUBKEY_TAG 0x7F49
#define M2M_GPCERT_ID_MAX 32    /* serial, CA id, subject id, authority key id */
#define M2M_GPCERT_USAGE_MAX 2
#define M2M_GPCERT_DATE_SIZE 4

/* Certificate type in the discretionary data (tag C8). */
enum {
	M2M_GPCERT_TYPE_SMDP = 0x01,
	M2M_GPCERT_TYPE_SMSR = 0x02,
};

/* Key usage written in SM-DP and SM-SR certificates by njiwa and whty ("signature
 * verification"; a real card accepted it). */
#define M2M_GPCERT_USAGE_SIGN_VERIFY 0x88

typedef struct {
	uint8_t serial[M2M_GPCERT_ID_MAX];
	size_t serial_len;
	uint8_t ca_id[M2M_GPCERT_ID_MAX];
	size_t ca_id_len;
	uint8_t subject_id[M2M_GPCERT_ID_MAX];
	size_t subject_id_len;
	uint8_t key_usage[M2M_GPCERT_USAGE_MAX];
	size_t key_usage_len;
	bool has_effective;
	uint8_t effective[M2M_GPCERT_DATE_SIZE];
	uint8_t expiry[M2M_GPCERT_DATE_SIZE];
	bool has_type;
	uint8_t type;                        /* C8 */
	uint8_t auth_key_id[M2M_GPCERT_ID_MAX];
	size_t auth_key_id_len;              /* 0: no C9 */
	m2m_curve curve;                     /* F0 key parameter reference */
	uint8_t point[M2M_EC_POINT_SIZE];    /* B0: 04||X||Y */
	uint8_t sig[M2M_EC_SIG_SIZE];        /* 5F37 */
} m2m_gpcert;

/* Forms of 7F49 seen in SGP.02 traffic. The certificate always uses the wrapped form. */
typedef enum {
	M2M_GP_PUBKEY_WRAPPED, /* 7F49 { B0 L 04XY, F0 01 ref } (GP Amd E, njiwa) */
	M2M_GP_PUBKEY_RAW,     /* 7F49 41 04XY (whty, accepted by a real card) */
} m2m_gp_pubkey_form;

/* Appends 7F49 for key in the chosen form. */
m2m_err m2m_gp_pubkey_encode(const m2m_eckey *key, m2m_gp_pubkey_form form, m2m_buf *out);
/* Decodes the value of a 7F49 TLV in either form. expect (optional) is the curve the
 * context dictates: needed for the raw form, and it must match F0 when both are present
 * (M2M_ERR_FORMAT). form (optional) gets the form found. The point is checked to be on the
 * curve (M2M_ERR_FORMAT); an unknown reference gives M2M_ERR_UNSUPPORTED. */
m2m_err m2m_gp_pubkey_decode(const uint8_t *value, size_t len, const m2m_curve *expect,
			     m2m_eckey **key, m2m_gp_pubkey_form *form);

/* Copies key's curve and point into the certificate. */
m2m_err m2m_gpcert_set_public_key(m2m_gpcert *c, const m2m_eckey *key);
/* The certificate's public key as an m2m_eckey (free with m2m_ec_free). */
m2m_err m2m_gpcert_public_key(const m2m_gpcert *c, m2m_eckey **key);

/* Appends the whole 7F21 TLV with c->sig as it is (M2M_ERR_ARG for out-of-range fields). */
m2m_err m2m_gpcert_encode(const m2m_gpcert *c, m2m_buf *out);
/* Signs the body with the issuer's private key, stores the signature in c->sig and appends
 * the 7F21 TLV. */
m2m_err m2m_gpcert_sign(m2m_gpcert *c, const m2m_eckey *issuer, m2m_buf *out);

/* Strict decoding of exactly one 7F21 TLV: definite lengths, tags in the order above,
 * nothing unknown or trailing. M2M_ERR_FORMAT (or a TLV error) on malformed input;
 * *why (optional) then names the problem. */
m2m_err m2m_gpcert_decode(const uint8_t *p, size_t n, m2m_gpcert *c, const char **why);
/* Decodes as above and checks the signature with the issuer's public key over the bytes as
 * received: M2M_ERR_VERIFY when it does not verify. c (optional) gets the fields. */
m2m_err m2m_gpcert_verify(const uint8_t *p, size_t n, const m2m_eckey *issuer, m2m_gpcert *c,
			  const char **why);

#endif
