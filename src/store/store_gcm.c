/* AES-256-GCM over OpenSSL EVP (no cipher code of our own) and the sealed-value format. */
#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "crypto/hash.h"
#include "store/store_gcm.h"

static m2m_err gcm_run(int enc, const uint8_t *key, const uint8_t *iv, const uint8_t *aad,
		       size_t aad_len, const uint8_t *in, size_t len, uint8_t *out,
		       uint8_t *tag)
{
	m2m_err rc = M2M_ERR_CRYPTO;
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t fin[16];
	int n = 0;

	if (key == NULL || iv == NULL || tag == NULL || (len > 0 && (in == NULL || out == NULL)) ||
	    (aad_len > 0 && aad == NULL) || len > INT_MAX || aad_len > INT_MAX)
		return M2M_ERR_ARG;
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL)
		return M2M_ERR_NOMEM;
	/* The default IV length of GCM in OpenSSL is 12 bytes: no IVLEN control needed. */
	if (!EVP_CipherInit_ex2(ctx, EVP_aes_256_gcm(), key, iv, enc, NULL))
		goto out;
	if (aad_len > 0 && !EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len))
		goto out;
	if (len > 0 && !EVP_CipherUpdate(ctx, out, &n, in, (int)len))
		goto out;
	if (!enc && !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, M2M_GCM_TAG_SIZE, tag))
		goto out;
	if (!EVP_CipherFinal_ex(ctx, fin, &n)) {
		rc = enc ? M2M_ERR_CRYPTO : M2M_ERR_VERIFY;
		goto out;
	}
	if (enc && !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, M2M_GCM_TAG_SIZE, tag))
		goto out;
	rc = M2M_OK;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

m2m_err m2m_store_gcm_encrypt(const uint8_t key[M2M_GCM_KEY_SIZE],
			      const uint8_t iv[M2M_GCM_IV_SIZE], const uint8_t *aad, size_t aad_len,
			      const uint8_t *pt, size_t len, uint8_t *ct,
			      uint8_t tag[M2M_GCM_TAG_SIZE])
{
	return gcm_run(1, key, iv, aad, aad_len, pt, len, ct, tag);
}

m2m_err m2m_store_gcm_decrypt(const uint8_t key[M2M_GCM_KEY_SIZE],
			      const uint8_t iv[M2M_GCM_IV_SIZE], const uint8_t *aad, size_t aad_len,
			      const uint8_t *ct, size_t len, const uint8_t tag[M2M_GCM_TAG_SIZE],
			      uint8_t *pt)
{
	uint8_t t[M2M_GCM_TAG_SIZE];
	m2m_err rc;

	if (tag == NULL)
		return M2M_ERR_ARG;
	memcpy(t, tag, sizeof t);
	rc = gcm_run(0, key, iv, aad, aad_len, ct, len, pt, t);
	if (rc != M2M_OK && pt != NULL && len > 0)
		OPENSSL_cleanse(pt, len);
	return rc;
}

m2m_err m2m_store_seal(const uint8_t key[M2M_GCM_KEY_SIZE], const uint8_t *aad,
		       size_t aad_len, const uint8_t *pt, size_t len, m2m_buf *out)
{
	size_t start = out->len;
	uint8_t *p;
	m2m_err rc = m2m_buf_reserve(out, M2M_SEAL_OVERHEAD + len);

	if (rc != M2M_OK)
		return rc;
	p = out->data + start;
	p[0] = M2M_SEAL_VERSION;
	rc = m2m_random(p + 1, M2M_GCM_IV_SIZE);
	if (rc == M2M_OK)
		rc = m2m_store_gcm_encrypt(key, p + 1, aad, aad_len, pt, len,
					   p + 1 + M2M_GCM_IV_SIZE, p + 1 + M2M_GCM_IV_SIZE + len);
	if (rc != M2M_OK)
		return rc;
	out->len = start + M2M_SEAL_OVERHEAD + len;
	return M2M_OK;
}

m2m_err m2m_store_unseal(const uint8_t key[M2M_GCM_KEY_SIZE], const uint8_t *aad,
			 size_t aad_len, const uint8_t *sealed, size_t len, m2m_buf *out)
{
	size_t start = out->len;
	m2m_err rc;

	if (sealed == NULL || len < M2M_SEAL_OVERHEAD || sealed[0] != M2M_SEAL_VERSION)
		return M2M_ERR_FORMAT;
	size_t n = len - M2M_SEAL_OVERHEAD;
	rc = m2m_buf_reserve(out, n + 1);
	if (rc != M2M_OK)
		return rc;
	rc = m2m_store_gcm_decrypt(key, sealed + 1, aad, aad_len, sealed + 1 + M2M_GCM_IV_SIZE,
				   n, sealed + 1 + M2M_GCM_IV_SIZE + n, out->data + start);
	if (rc != M2M_OK)
		return rc;
	out->len = start + n;
	return M2M_OK;
}
