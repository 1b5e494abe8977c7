/* PEM import and export of EC keys through OpenSSL's encoder/decoder and PEM routines. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "crypto/ec_internal.h"
#include "crypto/pem.h"

static m2m_err bio_drain(BIO *bio, m2m_buf *out)
{
	char *p = NULL;
	long n = BIO_get_mem_data(bio, &p);

	if (n <= 0)
		return M2M_ERR_CRYPTO;
	return m2m_buf_append(out, p, (size_t)n);
}

m2m_err m2m_ec_private_pem(const m2m_eckey *key, m2m_buf *out)
{
	BIO *bio;
	m2m_err rc = M2M_ERR_CRYPTO;

	if (key == NULL || out == NULL || !key->has_private)
		return M2M_ERR_ARG;
	bio = BIO_new(BIO_s_mem());
	if (bio == NULL)
		return M2M_ERR_NOMEM;
	if (PEM_write_bio_PrivateKey(bio, key->pkey, NULL, NULL, 0, NULL, NULL) == 1)
		rc = bio_drain(bio, out);
	/* The memory BIO held the private key in clear. */
	BIO_free_all(bio);
	return rc;
}

m2m_err m2m_ec_public_pem(const m2m_eckey *key, m2m_buf *out)
{
	BIO *bio;
	m2m_err rc = M2M_ERR_CRYPTO;

	if (key == NULL || out == NULL)
		return M2M_ERR_ARG;
	bio = BIO_new(BIO_s_mem());
	if (bio == NULL)
		return M2M_ERR_NOMEM;
	if (PEM_write_bio_PUBKEY(bio, key->pkey) == 1)
		rc = bio_drain(bio, out);
	BIO_free_all(bio);
	return rc;
}

static m2m_err curve_of(EVP_PKEY *pkey, m2m_curve *curve)
{
	char group[64];

	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC)
		return M2M_ERR_UNSUPPORTED;
	if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
					   NULL) != 1)
		return M2M_ERR_UNSUPPORTED;
	return m2m_curve_from_name(group, curve) == M2M_OK ? M2M_OK : M2M_ERR_UNSUPPORTED;
}

/* Rebuilds the key through our own constructors, which check it and use the curve table. */
static m2m_err rewrap(EVP_PKEY *pkey, bool priv, m2m_eckey **key)
{
	uint8_t buf[M2M_EC_POINT_SIZE];
	BIGNUM *d = NULL;
	m2m_curve curve;
	size_t len = 0;
	m2m_err rc = curve_of(pkey, &curve);

	if (rc != M2M_OK)
		return rc;
	if (priv) {
		if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1 ||
		    BN_bn2binpad(d, buf, M2M_EC_FIELD_SIZE) != M2M_EC_FIELD_SIZE) {
			rc = M2M_ERR_FORMAT;
			goto out;
		}
		rc = m2m_ec_from_private(curve, buf, M2M_EC_FIELD_SIZE, key);
	} else {
		if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, buf, sizeof buf,
						    &len) != 1) {
			rc = M2M_ERR_FORMAT;
			goto out;
		}
		rc = m2m_ec_from_public(curve, buf, len, key);
	}
out:
	BN_clear_free(d);
	m2m_wipe(buf, sizeof buf);
	return rc;
}

m2m_err m2m_ec_from_pem(const uint8_t *pem, size_t n, bool need_private, m2m_eckey **key)
{
	EVP_PKEY *pkey = NULL;
	X509 *cert = NULL;
	BIO *bio;
	bool priv = true;
	m2m_err rc = M2M_ERR_FORMAT;

	if (pem == NULL || key == NULL || n > INT32_MAX)
		return M2M_ERR_ARG;
	*key = NULL;
	bio = BIO_new_mem_buf(pem, (int)n);
	if (bio == NULL)
		return M2M_ERR_NOMEM;
	pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	if (pkey == NULL && !need_private) {
		priv = false;
		(void)BIO_reset(bio);
		pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
		if (pkey == NULL) {
			(void)BIO_reset(bio);
			cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
			if (cert != NULL && (pkey = X509_get_pubkey(cert)) == NULL)
				rc = M2M_ERR_CRYPTO;
		}
	}
	if (pkey != NULL)
		rc = rewrap(pkey, priv, key);
	EVP_PKEY_free(pkey);
	X509_free(cert);
	BIO_free(bio);
	ERR_clear_error();
	return rc;
}

m2m_err m2m_ec_load_pem(const char *path, bool need_private, m2m_eckey **key)
{
	uint8_t text[16384];
	FILE *f;
	size_t n;
	m2m_err rc;

	if (path == NULL || key == NULL)
		return M2M_ERR_ARG;
	*key = NULL;
	f = fopen(path, "rb");
	if (f == NULL)
		return M2M_ERR_IO;
	n = fread(text, 1, sizeof text, f);
	rc = ferror(f) || !feof(f) ? M2M_ERR_IO : m2m_ec_from_pem(text, n, need_private, key);
	fclose(f);
	m2m_wipe(text, sizeof text);
	return rc;
}
