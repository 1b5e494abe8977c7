/* Conversions between plain r||s ECDSA signatures and X9.62 DER ECDSA-Sig-Value. */
#include <string.h>

#include <openssl/ec.h>

#include "crypto/ec.h"

m2m_err m2m_ecdsa_sig_to_der(const uint8_t sig[M2M_EC_SIG_SIZE], uint8_t *der, size_t *der_len)
{
	ECDSA_SIG *es = NULL;
	BIGNUM *r = NULL, *s = NULL;
	unsigned char *p = NULL;
	m2m_err rc = M2M_ERR_CRYPTO;
	int n;

	if (sig == NULL || der == NULL || der_len == NULL)
		return M2M_ERR_ARG;
	es = ECDSA_SIG_new();
	r = BN_bin2bn(sig, M2M_EC_FIELD_SIZE, NULL);
	s = BN_bin2bn(sig + M2M_EC_FIELD_SIZE, M2M_EC_FIELD_SIZE, NULL);
	if (es == NULL || r == NULL || s == NULL || !ECDSA_SIG_set0(es, r, s))
		goto out;
	r = s = NULL; /* owned by es now */
	n = i2d_ECDSA_SIG(es, NULL);
	if (n <= 0)
		goto out;
	if ((size_t)n > *der_len) {
		rc = M2M_ERR_BOUNDS;
		goto out;
	}
	p = der;
	if (i2d_ECDSA_SIG(es, &p) != n)
		goto out;
	*der_len = (size_t)n;
	rc = M2M_OK;
out:
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return rc;
}

m2m_err m2m_ecdsa_sig_from_der(const uint8_t *der, size_t der_len, uint8_t sig[M2M_EC_SIG_SIZE])
{
	uint8_t canon[M2M_EC_DER_SIG_MAX];
	const unsigned char *p = der;
	unsigned char *q = canon;
	const BIGNUM *r, *s;
	ECDSA_SIG *es = NULL;
	m2m_err rc = M2M_ERR_FORMAT;

	if (der == NULL || sig == NULL)
		return M2M_ERR_ARG;
	if (der_len == 0 || der_len > M2M_EC_DER_SIG_MAX)
		return M2M_ERR_FORMAT;
	es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	if (es == NULL || p != der + der_len)
		goto out;
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_is_negative(r) || BN_is_negative(s) || BN_num_bytes(r) > M2M_EC_FIELD_SIZE ||
	    BN_num_bytes(s) > M2M_EC_FIELD_SIZE)
		goto out;
	/* Strict DER: the input must be the canonical encoding of (r, s). */
	if (i2d_ECDSA_SIG(es, NULL) != (int)der_len || i2d_ECDSA_SIG(es, &q) != (int)der_len ||
	    memcmp(canon, der, der_len) != 0)
		goto out;
	if (BN_bn2binpad(r, sig, M2M_EC_FIELD_SIZE) != M2M_EC_FIELD_SIZE ||
	    BN_bn2binpad(s, sig + M2M_EC_FIELD_SIZE, M2M_EC_FIELD_SIZE) != M2M_EC_FIELD_SIZE) {
		rc = M2M_ERR_CRYPTO;
		goto out;
	}
	rc = M2M_OK;
out:
	ECDSA_SIG_free(es);
	return rc;
}
