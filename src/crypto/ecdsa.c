/* ECDSA with SHA-256 over the three SGP.02 curves, plain r||s and DER signatures. */
#include <string.h>

#include "crypto/ec_internal.h"
#include "crypto/hash.h"

/* OpenSSL signs and verifies DER; the plain form is converted at the edges. */
static m2m_err sign_digest_der(const m2m_eckey *key, const uint8_t digest[32], uint8_t *der,
			       size_t *der_len)
{
	EVP_PKEY_CTX *ctx;
	m2m_err rc = M2M_ERR_CRYPTO;

	if (key == NULL || digest == NULL || !key->has_private)
		return M2M_ERR_ARG;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
	if (ctx == NULL)
		return M2M_ERR_NOMEM;
	if (EVP_PKEY_sign_init(ctx) == 1 &&
	    EVP_PKEY_sign(ctx, der, der_len, digest, M2M_SHA256_SIZE) == 1)
		rc = M2M_OK;
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

static m2m_err verify_digest_der(const m2m_eckey *key, const uint8_t digest[32],
				 const uint8_t *der, size_t der_len)
{
	EVP_PKEY_CTX *ctx;
	m2m_err rc = M2M_ERR_CRYPTO;
	int v;

	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
	if (ctx == NULL)
		return M2M_ERR_NOMEM;
	if (EVP_PKEY_verify_init(ctx) == 1) {
		v = EVP_PKEY_verify(ctx, der, der_len, digest, M2M_SHA256_SIZE);
		/* 0 is a wrong signature; OpenSSL also fails (< 0) on r or s out of range. */
		rc = v == 1 ? M2M_OK : M2M_ERR_VERIFY;
	}
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

m2m_err m2m_ecdsa_sign_digest(const m2m_eckey *key, const uint8_t digest[32],
			      uint8_t sig[M2M_EC_SIG_SIZE])
{
	uint8_t der[M2M_EC_DER_SIG_MAX];
	size_t der_len = sizeof(der);
	m2m_err rc;

	if (sig == NULL)
		return M2M_ERR_ARG;
	rc = sign_digest_der(key, digest, der, &der_len);
	if (rc == M2M_OK)
		rc = m2m_ecdsa_sig_from_der(der, der_len, sig);
	return rc;
}

m2m_err m2m_ecdsa_verify_digest(const m2m_eckey *key, const uint8_t digest[32],
				const uint8_t *sig, size_t sig_len)
{
	uint8_t der[M2M_EC_DER_SIG_MAX];
	size_t der_len = sizeof(der);
	m2m_err rc;

	if (key == NULL || digest == NULL || sig == NULL)
		return M2M_ERR_ARG;
	if (sig_len != M2M_EC_SIG_SIZE)
		return M2M_ERR_FORMAT;
	rc = m2m_ecdsa_sig_to_der(sig, der, &der_len);
	if (rc == M2M_OK)
		rc = verify_digest_der(key, digest, der, der_len);
	return rc;
}

m2m_err m2m_ecdsa_sign(const m2m_eckey *key, const uint8_t *msg, size_t len,
		       uint8_t sig[M2M_EC_SIG_SIZE])
{
	uint8_t digest[M2M_SHA256_SIZE];
	m2m_err rc = m2m_sha256(msg, len, digest);

	return rc != M2M_OK ? rc : m2m_ecdsa_sign_digest(key, digest, sig);
}

m2m_err m2m_ecdsa_verify(const m2m_eckey *key, const uint8_t *msg, size_t len,
			 const uint8_t *sig, size_t sig_len)
{
	uint8_t digest[M2M_SHA256_SIZE];
	m2m_err rc = m2m_sha256(msg, len, digest);

	return rc != M2M_OK ? rc : m2m_ecdsa_verify_digest(key, digest, sig, sig_len);
}

m2m_err m2m_ecdsa_sign_der(const m2m_eckey *key, const uint8_t *msg, size_t len, uint8_t *der,
			   size_t *der_len)
{
	uint8_t digest[M2M_SHA256_SIZE], buf[M2M_EC_DER_SIG_MAX];
	size_t n = sizeof(buf);
	m2m_err rc;

	if (der == NULL || der_len == NULL)
		return M2M_ERR_ARG;
	rc = m2m_sha256(msg, len, digest);
	if (rc == M2M_OK)
		rc = sign_digest_der(key, digest, buf, &n);
	if (rc == M2M_OK && n > *der_len)
		rc = M2M_ERR_BOUNDS;
	if (rc == M2M_OK) {
		memcpy(der, buf, n);
		*der_len = n;
	}
	return rc;
}

m2m_err m2m_ecdsa_verify_der(const m2m_eckey *key, const uint8_t *msg, size_t len,
			     const uint8_t *der, size_t der_len)
{
	uint8_t sig[M2M_EC_SIG_SIZE], digest[M2M_SHA256_SIZE];
	m2m_err rc;

	if (key == NULL || der == NULL)
		return M2M_ERR_ARG;
	/* Strict DER first: OpenSSL alone would accept some non-canonical encodings. */
	rc = m2m_ecdsa_sig_from_der(der, der_len, sig);
	if (rc == M2M_OK)
		rc = m2m_sha256(msg, len, digest);
	if (rc == M2M_OK)
		rc = verify_digest_der(key, digest, der, der_len);
	return rc;
}
