/*
 * Symmetric primitives over OpenSSL 3: AES (128/192/256) CBC and ECB, 2-key and 3-key
 * 3DES CBC, AES-CMAC and the 3DES CBC-MAC of SCP80. No padding is added here: lengths must
 * be whole blocks (and not zero); callers apply the padding their protocol defines. Wrong key
 * or data lengths and NULL pointers give M2M_ERR_ARG.
 */
#ifndef M2M_CRYPTO_SYM_H
#define M2M_CRYPTO_SYM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define M2M_AES_BLOCK 16
#define M2M_DES_BLOCK 8
#define M2M_CMAC_SIZE 16

/* key_len 16, 24 or 32; len a multiple of 16; in and out may be the same buffer.
 * iv may be NULL for an all-zero IV. */
m2m_err m2m_aes_cbc_encrypt(const uint8_t *key, size_t key_len, const uint8_t iv[16],
			    const uint8_t *in, size_t len, uint8_t *out);
m2m_err m2m_aes_cbc_decrypt(const uint8_t *key, size_t key_len, const uint8_t iv[16],
			    const uint8_t *in, size_t len, uint8_t *out);
m2m_err m2m_aes_ecb_encrypt(const uint8_t *key, size_t key_len, const uint8_t *in, size_t len,
			    uint8_t *out);
m2m_err m2m_aes_ecb_decrypt(const uint8_t *key, size_t key_len, const uint8_t *in, size_t len,
			    uint8_t *out);

/* key_len 16 (2-key, K1 K2 K1) or 24 (3-key); len a multiple of 8; iv NULL = zero IV. */
m2m_err m2m_des3_cbc_encrypt(const uint8_t *key, size_t key_len, const uint8_t iv[8],
			     const uint8_t *in, size_t len, uint8_t *out);
m2m_err m2m_des3_cbc_decrypt(const uint8_t *key, size_t key_len, const uint8_t iv[8],
			     const uint8_t *in, size_t len, uint8_t *out);
/* SCP80 (TS 102 225) CC with 3DES: data zero-padded to a multiple of 8, 3DES-CBC with a zero
 * IV, the last cipher block is the 8-byte MAC. */
m2m_err m2m_des3_cbc_mac(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len,
			 uint8_t mac[8]);

/* AES-CMAC (NIST SP 800-38B, RFC 4493); key_len 16, 24 or 32; full 16-byte tag. Any data
 * length, 0 included (data may then be NULL). */
m2m_err m2m_aes_cmac(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len,
		     uint8_t mac[M2M_CMAC_SIZE]);

/* Incremental AES-CMAC, for MACs over data held in several pieces (SCP03 chaining value). */
typedef struct m2m_cmac m2m_cmac;
m2m_err m2m_cmac_new(m2m_cmac **ctx, const uint8_t *key, size_t key_len);
m2m_err m2m_cmac_update(m2m_cmac *ctx, const uint8_t *data, size_t len);
/* Writes the tag and leaves the context ready for a new message with the same key. */
m2m_err m2m_cmac_final(m2m_cmac *ctx, uint8_t mac[M2M_CMAC_SIZE]);
void m2m_cmac_free(m2m_cmac *ctx);

#endif
