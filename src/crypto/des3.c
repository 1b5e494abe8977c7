/* 2-key and 3-key 3DES in CBC mode, and the SCP80 CBC-MAC built on it. */
#include <string.h>

#include "core/buf.h"
#include "crypto/algs.h"
#include "crypto/sym.h"

static const EVP_CIPHER *des3_cipher(size_t key_len)
{
	const m2m_algs *algs = m2m_algs_get();

	if (algs == NULL)
		return NULL;
	return key_len == 16 ? algs->des_ede_cbc : algs->des_ede3_cbc;
}

static m2m_err des3_run(const uint8_t *key, size_t key_len, const uint8_t *iv, const uint8_t *in,
			size_t len, uint8_t *out, int enc)
{
	const EVP_CIPHER *cipher;

	if (key == NULL || in == NULL || out == NULL || (key_len != 16 && key_len != 24))
		return M2M_ERR_ARG;
	if (len == 0 || len % M2M_DES_BLOCK != 0)
		return M2M_ERR_ARG;
	cipher = des3_cipher(key_len);
	if (cipher == NULL)
		return M2M_ERR_CRYPTO;
	return m2m_cipher_run(cipher, key, iv, in, len, out, enc);
}

m2m_err m2m_des3_cbc_encrypt(const uint8_t *key, size_t key_len, const uint8_t iv[8],
			     const uint8_t *in, size_t len, uint8_t *out)
{
	return des3_run(key, key_len, iv, in, len, out, 1);
}

m2m_err m2m_des3_cbc_decrypt(const uint8_t *key, size_t key_len, const uint8_t iv[8],
			     const uint8_t *in, size_t len, uint8_t *out)
{
	return des3_run(key, key_len, iv, in, len, out, 0);
}

/* Encrypts n whole blocks (n <= sizeof scratch) and keeps the chaining state in ctx. */
static bool mac_feed(EVP_CIPHER_CTX *ctx, const uint8_t *in, int n, uint8_t *scratch,
		     uint8_t last[M2M_DES_BLOCK])
{
	int outl = 0;

	if (!EVP_EncryptUpdate(ctx, scratch, &outl, in, n) || outl != n)
		return false;
	memcpy(last, scratch + n - M2M_DES_BLOCK, M2M_DES_BLOCK);
	return true;
}

m2m_err m2m_des3_cbc_mac(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len,
			 uint8_t mac[8])
{
	static const uint8_t zero_iv[M2M_DES_BLOCK];
	uint8_t scratch[256], last[M2M_DES_BLOCK], tail[M2M_DES_BLOCK] = { 0 };
	size_t full = len - len % M2M_DES_BLOCK;
	const EVP_CIPHER *cipher;
	EVP_CIPHER_CTX *ctx = NULL;
	m2m_err rc = M2M_ERR_CRYPTO;

	if (key == NULL || data == NULL || mac == NULL || len == 0 ||
	    (key_len != 16 && key_len != 24))
		return M2M_ERR_ARG;
	cipher = des3_cipher(key_len);
	if (cipher == NULL)
		return M2M_ERR_CRYPTO;
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL)
		return M2M_ERR_NOMEM;
	if (!EVP_EncryptInit_ex2(ctx, cipher, key, zero_iv, NULL) ||
	    !EVP_CIPHER_CTX_set_padding(ctx, 0))
		goto out;
	/* CBC only needs the last cipher block: run through a small scratch buffer. */
	for (size_t off = 0; off < full; off += sizeof(scratch)) {
		size_t n = full - off < sizeof(scratch) ? full - off : sizeof(scratch);

		if (!mac_feed(ctx, data + off, (int)n, scratch, last))
			goto out;
	}
	if (full < len) {
		memcpy(tail, data + full, len - full); /* zero padding (TS 102 225) */
		if (!mac_feed(ctx, tail, M2M_DES_BLOCK, scratch, last))
			goto out;
	}
	memcpy(mac, last, M2M_DES_BLOCK);
	rc = M2M_OK;
out:
	EVP_CIPHER_CTX_free(ctx);
	m2m_wipe(scratch, sizeof(scratch));
	m2m_wipe(tail, sizeof(tail));
	m2m_wipe(last, sizeof(last));
	return rc;
}
