/*
 * AES-256-GCM (NIST SP 800-38D) through OpenSSL's EVP interface, for key material at rest,
 * and the sealed-value format the store writes:
 *   01 || nonce (12 random bytes) || ciphertext || tag (16 bytes)
 * The additional authenticated data names the row a value belongs to, so a sealed value
 * copied to another row does not open.
 */
#ifndef M2M_STORE_STORE_GCM_H
#define M2M_STORE_STORE_GCM_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

#define M2M_GCM_KEY_SIZE 32
#define M2M_GCM_IV_SIZE 12
#define M2M_GCM_TAG_SIZE 16
#define M2M_SEAL_VERSION 0x01
#define M2M_SEAL_OVERHEAD (1 + M2M_GCM_IV_SIZE + M2M_GCM_TAG_SIZE)

/* ct gets len bytes (in place allowed). aad may be NULL when aad_len is 0. */
m2m_err m2m_store_gcm_encrypt(const uint8_t key[M2M_GCM_KEY_SIZE],
			      const uint8_t iv[M2M_GCM_IV_SIZE], const uint8_t *aad, size_t aad_len,
			      const uint8_t *pt, size_t len, uint8_t *ct,
			      uint8_t tag[M2M_GCM_TAG_SIZE]);
/* M2M_ERR_VERIFY when the tag does not match (nothing useful is left in pt then: wiped). */
m2m_err m2m_store_gcm_decrypt(const uint8_t key[M2M_GCM_KEY_SIZE],
			      const uint8_t iv[M2M_GCM_IV_SIZE], const uint8_t *aad, size_t aad_len,
			      const uint8_t *ct, size_t len, const uint8_t tag[M2M_GCM_TAG_SIZE],
			      uint8_t *pt);

/* Appends the sealed form of pt to out, with a fresh random nonce. */
m2m_err m2m_store_seal(const uint8_t key[M2M_GCM_KEY_SIZE], const uint8_t *aad,
		       size_t aad_len, const uint8_t *pt, size_t len, m2m_buf *out);
/* Appends the plaintext to out; M2M_ERR_FORMAT for a malformed value, M2M_ERR_VERIFY when
 * it does not authenticate (wrong key, wrong row, altered). */
m2m_err m2m_store_unseal(const uint8_t key[M2M_GCM_KEY_SIZE], const uint8_t *aad,
			 size_t aad_len, const uint8_t *sealed, size_t len, m2m_buf *out);

#endif
