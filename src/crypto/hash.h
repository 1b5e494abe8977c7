/* SHA-256, the KDFs built on OpenSSL (SP 800-108 with AES-CMAC, ANSI X9.63 with SHA-256),
 * the CSPRNG and constant-time comparison. */
#ifndef M2M_CRYPTO_HASH_H
#define M2M_CRYPTO_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define M2M_SHA256_SIZE 32

m2m_err m2m_sha256(const uint8_t *data, size_t len, uint8_t out[M2M_SHA256_SIZE]);

/* Where the counter i sits in the PRF input of the SP 800-108 counter-mode KDF. */
typedef enum {
	M2M_KDF_CTR_BEFORE, /* i || fixed */
	M2M_KDF_CTR_MIDDLE, /* fixed[0..split) || i || fixed[split..) */
	M2M_KDF_CTR_AFTER,  /* fixed || i */
} m2m_kdf_ctr_pos;

/* NIST SP 800-108 KDF in counter mode, PRF = AES-CMAC with key ki (16/24/32 bytes).
 * ctr_bytes (1-4) is the width r/8 of the big-endian counter, starting at 1; `split` is only
 * used with M2M_KDF_CTR_MIDDLE. Writes out_len bytes. */
m2m_err m2m_kdf_sp800108_cmac(const uint8_t *ki, size_t ki_len, m2m_kdf_ctr_pos pos,
			      size_t ctr_bytes, const uint8_t *fixed, size_t fixed_len,
			      size_t split, uint8_t *out, size_t out_len);

/* The SP 800-108 KDF as GlobalPlatform SCP03 (Amendment D 4.1.5) profiles it:
 * 11 zero bytes || constant || 00 || L (2 bytes, in bits) || i (1 byte) || context,
 * with L = out_len * 8. */
m2m_err m2m_kdf_scp03(const uint8_t *key, size_t key_len, uint8_t constant,
		      const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len);

/* ANSI X9.63 KDF with SHA-256 (SP 800-135 5.6.3): SHA256(Z || counter32 || SharedInfo)... */
m2m_err m2m_kdf_x963_sha256(const uint8_t *z, size_t z_len, const uint8_t *shared_info,
			    size_t si_len, uint8_t *out, size_t out_len);

/* Cryptographically secure random bytes (OpenSSL's DRBG). */
m2m_err m2m_random(uint8_t *out, size_t len);

/* Constant-time equality of two n-byte strings. */
bool m2m_ct_equal(const uint8_t *a, const uint8_t *b, size_t n);

#endif
