/*
 * Internal to the crypto layer: OpenSSL algorithm objects fetched once per process.
 * Fetching is a locked lookup in the provider store; doing it per call costs more than
 * encrypting a 64-byte message, so every primitive takes its objects from here.
 */
#ifndef M2M_CRYPTO_ALGS_H
#define M2M_CRYPTO_ALGS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "core/err.h"

typedef struct {
	EVP_CIPHER *aes_cbc[3]; /* indexed by m2m_aes_index(): 128, 192, 256 */
	EVP_CIPHER *aes_ecb[3];
	EVP_CIPHER *des_ede_cbc;  /* 2-key 3DES */
	EVP_CIPHER *des_ede3_cbc; /* 3-key 3DES */
	EVP_MAC *cmac;
	/* CMAC contexts already bound to AES-128/192/256 (with a dummy key): duplicating one
	 * and setting the real key avoids the cipher fetch CMAC does when given a name. */
	EVP_MAC_CTX *cmac_tmpl[3];
	EVP_KDF *x963;
	EVP_MD *sha256;
} m2m_algs;

/* The shared objects, or NULL if the default provider lacks one (reported as
 * M2M_ERR_CRYPTO by the callers). Thread-safe; the objects live until exit. */
const m2m_algs *m2m_algs_get(void);

/* 16/24/32 -> 0/1/2; -1 for any other AES key length. */
int m2m_aes_index(size_t key_len);

/* Runs a block cipher without padding over len bytes (a non-zero multiple of the block size,
 * checked by the caller); enc 1 encrypts, 0 decrypts; iv NULL means all zero. */
m2m_err m2m_cipher_run(const EVP_CIPHER *cipher, const uint8_t *key, const uint8_t *iv,
		       const uint8_t *in, size_t len, uint8_t *out, int enc);

#endif
