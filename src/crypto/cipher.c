/* The one EVP_CIPHER call sequence behind AES and 3DES, CBC and ECB. */
#include <limits.h>

#include "crypto/algs.h"

m2m_err m2m_cipher_run(const EVP_CIPHER *cipher, const uint8_t *key, const uint8_t *iv,
		       const uint8_t *in, size_t len, uint8_t *out, int enc)
{
	static const uint8_t zero_iv[16];
	m2m_err rc = M2M_ERR_CRYPTO;
	EVP_CIPHER_CTX *ctx = NULL;
	int n = 0, fin = 0;

	if (len > INT_MAX)
		return M2M_ERR_ARG;
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL)
		return M2M_ERR_NOMEM;
	if (iv == NULL && EVP_CIPHER_get_iv_length(cipher) > 0)
		iv = zero_iv;
	if (!EVP_CipherInit_ex2(ctx, cipher, key, iv, enc, NULL) ||
	    !EVP_CIPHER_CTX_set_padding(ctx, 0))
		goto out;
	if (!EVP_CipherUpdate(ctx, out, &n, in, (int)len))
		goto out;
	/* With padding off, Final only fails on a partial block and writes nothing. */
	if (!EVP_CipherFinal_ex(ctx, out + n, &fin) || (size_t)n + (size_t)fin != len)
		goto out;
	rc = M2M_OK;
out:
	EVP_CIPHER_CTX_free(ctx); /* also cleanses the key schedule */
	return rc;
}
