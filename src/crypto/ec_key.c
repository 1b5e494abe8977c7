/* EC key pairs and public keys on the three SGP.02 curves, as EVP_PKEYs. */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>

#include "core/buf.h"
#include "crypto/ec_internal.h"

m2m_err m2m_ec_wrap(m2m_curve curve, EVP_PKEY *pkey, bool has_private, m2m_eckey **key)
{
	m2m_eckey *k = calloc(1, sizeof(*k));

	if (k == NULL) {
		EVP_PKEY_free(pkey);
		return M2M_ERR_NOMEM;
	}
	k->curve = curve;
	k->pkey = pkey;
	k->has_private = has_private;
	*key = k;
	return M2M_OK;
}

m2m_err m2m_ec_generate(m2m_curve curve, m2m_eckey **key)
{
	const m2m_ec_curve_info *ci;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	m2m_err rc;

	if (key == NULL)
		return M2M_ERR_ARG;
	*key = NULL;
	rc = m2m_ec_curve_get(curve, &ci);
	if (rc != M2M_OK)
		return rc;
	/* The template carries the group, named or explicit alike. */
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, ci->params, NULL);
	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, &pkey) != 1) {
		EVP_PKEY_CTX_free(ctx);
		return M2M_ERR_CRYPTO;
	}
	EVP_PKEY_CTX_free(ctx);
	return m2m_ec_wrap(curve, pkey, true, key);
}

/* Builds an EVP_PKEY from the group plus the given private scalar and/or public point. */
static m2m_err ec_fromdata(const m2m_ec_curve_info *ci, const BIGNUM *d, const uint8_t *pub,
			   size_t pub_len, EVP_PKEY **out)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	m2m_err rc = M2M_ERR_CRYPTO;
	int selection = d != NULL ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;

	*out = NULL;
	if (bld == NULL)
		return M2M_ERR_NOMEM;
	if (m2m_ec_push_group(bld, ci) != M2M_OK ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, pub_len) ||
	    (d != NULL && !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d)))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, out, selection, params) != 1)
		goto out;
	rc = M2M_OK;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params); /* d sits in its secure block, cleared on free */
	OSSL_PARAM_BLD_free(bld);
	return rc;
}

/* Decodes 04||X||Y and checks it is a finite point on the curve (coordinates < p). */
static m2m_err ec_point_check(const m2m_ec_curve_info *ci, const uint8_t *point, size_t len)
{
	EC_POINT *q;
	m2m_err rc = M2M_ERR_FORMAT;

	if (len != M2M_EC_POINT_SIZE || point[0] != 0x04)
		return M2M_ERR_FORMAT;
	q = EC_POINT_new(ci->group);
	if (q == NULL)
		return M2M_ERR_NOMEM;
	/* oct2point rejects coordinates >= p and points off the curve. */
	if (EC_POINT_oct2point(ci->group, q, point, len, NULL) == 1 &&
	    EC_POINT_is_on_curve(ci->group, q, NULL) == 1 &&
	    !EC_POINT_is_at_infinity(ci->group, q))
		rc = M2M_OK;
	EC_POINT_free(q);
	return rc;
}

m2m_err m2m_ec_from_public(m2m_curve curve, const uint8_t *point, size_t len, m2m_eckey **key)
{
	const m2m_ec_curve_info *ci;
	EVP_PKEY *pkey = NULL;
	m2m_err rc;

	if (key == NULL || point == NULL)
		return M2M_ERR_ARG;
	*key = NULL;
	rc = m2m_ec_curve_get(curve, &ci);
	if (rc != M2M_OK)
		return rc;
	rc = ec_point_check(ci, point, len);
	if (rc == M2M_OK)
		rc = ec_fromdata(ci, NULL, point, len, &pkey);
	if (rc == M2M_OK)
		rc = m2m_ec_wrap(curve, pkey, false, key);
	return rc;
}

/* pub = d * G as 04||X||Y. */
static m2m_err ec_derive_public(const m2m_ec_curve_info *ci, const BIGNUM *d,
				uint8_t pub[M2M_EC_POINT_SIZE])
{
	EC_POINT *q = EC_POINT_new(ci->group);
	m2m_err rc = M2M_ERR_CRYPTO;

	if (q == NULL)
		return M2M_ERR_NOMEM;
	if (EC_POINT_mul(ci->group, q, d, NULL, NULL, NULL) == 1 &&
	    EC_POINT_point2oct(ci->group, q, POINT_CONVERSION_UNCOMPRESSED, pub,
			       M2M_EC_POINT_SIZE, NULL) == M2M_EC_POINT_SIZE)
		rc = M2M_OK;
	EC_POINT_free(q);
	return rc;
}

m2m_err m2m_ec_from_private(m2m_curve curve, const uint8_t *d, size_t d_len, m2m_eckey **key)
{
	const m2m_ec_curve_info *ci;
	uint8_t pub[M2M_EC_POINT_SIZE];
	EVP_PKEY *pkey = NULL;
	BIGNUM *bn = NULL;
	m2m_err rc;

	if (key == NULL || d == NULL || d_len == 0 || d_len > M2M_EC_FIELD_SIZE)
		return M2M_ERR_ARG;
	*key = NULL;
	rc = m2m_ec_curve_get(curve, &ci);
	if (rc != M2M_OK)
		return rc;
	bn = BN_secure_new();
	if (bn == NULL)
		return M2M_ERR_NOMEM;
	BN_set_flags(bn, BN_FLG_CONSTTIME);
	if (BN_bin2bn(d, (int)d_len, bn) == NULL) {
		rc = M2M_ERR_CRYPTO;
		goto out;
	}
	/* 1 <= d < n */
	if (BN_is_zero(bn) || BN_cmp(bn, EC_GROUP_get0_order(ci->group)) >= 0) {
		rc = M2M_ERR_ARG;
		goto out;
	}
	rc = ec_derive_public(ci, bn, pub);
	if (rc == M2M_OK)
		rc = ec_fromdata(ci, bn, pub, sizeof(pub), &pkey);
	if (rc == M2M_OK)
		rc = m2m_ec_wrap(curve, pkey, true, key);
out:
	BN_clear_free(bn);
	return rc;
}

void m2m_ec_free(m2m_eckey *key)
{
	if (key == NULL)
		return;
	EVP_PKEY_free(key->pkey); /* clears the private scalar */
	m2m_wipe(key, sizeof(*key));
	free(key);
}

m2m_curve m2m_ec_curve(const m2m_eckey *key)
{
	return key != NULL ? key->curve : M2M_CURVE_P256;
}

bool m2m_ec_has_private(const m2m_eckey *key)
{
	return key != NULL && key->has_private;
}

m2m_err m2m_ec_public_point(const m2m_eckey *key, uint8_t out[M2M_EC_POINT_SIZE])
{
	size_t n = 0;

	if (key == NULL || out == NULL)
		return M2M_ERR_ARG;
	if (EVP_PKEY_get_octet_string_param(key->pkey, OSSL_PKEY_PARAM_PUB_KEY, out,
					    M2M_EC_POINT_SIZE, &n) != 1 ||
	    n != M2M_EC_POINT_SIZE || out[0] != 0x04)
		return M2M_ERR_CRYPTO;
	return M2M_OK;
}

m2m_err m2m_ec_private_bytes(const m2m_eckey *key, uint8_t out[M2M_EC_FIELD_SIZE])
{
	BIGNUM *d = NULL;
	m2m_err rc = M2M_ERR_CRYPTO;

	if (key == NULL || out == NULL)
		return M2M_ERR_ARG;
	if (!key->has_private)
		return M2M_ERR_STATE;
	if (EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1 &&
	    BN_bn2binpad(d, out, M2M_EC_FIELD_SIZE) == M2M_EC_FIELD_SIZE)
		rc = M2M_OK;
	BN_clear_free(d);
	return rc;
}
