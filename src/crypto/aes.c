/* AES-128/192/256 in CBC and ECB mode, whole blocks only. */
#include "crypto/algs.h"
#include "crypto/sym.h"

static m2m_err aes_run(bool cbc, const uint8_t *key, size_t key_len, const uint8_t *iv,
		       const uint8_t *in, size_t len, uint8_t *out, int enc)
{
	const m2m_algs *algs = m2m_algs_get();
	int idx = m2m_aes_index(key_len);

	if (key == NULL || in == NULL || out == NULL || idx < 0)
		return M2M_ERR_ARG;
	if (len == 0 || len % M2M_AES_BLOCK != 0)
		return M2M_ERR_ARG;
	if (algs == NULL)
		return M2M_ERR_CRYPTO;
	return m2m_cipher_run(cbc ? algs->aes_cbc[idx] : algs->aes_ecb[idx], key, cbc ? iv : NULL,
			      in, len, out, enc);
}

m2m_err m2m_aes_cbc_encrypt(const uint8_t *key, size_t key_len, const uint8_t iv[16],
			    const uint8_t *in, size_t len, uint8_t *out)
{
	return aes_run(true, key, key_len, iv, in, len, out, 1);
}

m2m_err m2m_aes_cbc_decrypt(const uint8_t *key, size_t key_len, const uint8_t iv[16],
			    const uint8_t *in, size_t len, uint8_t *out)
{
	return aes_run(true, key, key_len, iv, in, len, out, 0);
}

m2m_err m2m_aes_ecb_encrypt(const uint8_t *key, size_t key_len, const uint8_t *in, size_t len,
			    uint8_t *out)
{
	return aes_run(false, key, key_len, NULL, in, len, out, 1);
}

m2m_err m2m_aes_ecb_decrypt(const uint8_t *key, size_t key_len, const uint8_t *in, size_t len,
			    uint8_t *out)
{
	return aes_run(false, key, key_len, NULL, in, len, out, 0);
}
