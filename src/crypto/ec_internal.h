/* Internal to the crypto layer: curve table and key representation behind crypto/ec.h. */
#ifndef M2M_CRYPTO_EC_INTERNAL_H
#define M2M_CRYPTO_EC_INTERNAL_H

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "crypto/ec.h"

struct m2m_eckey {
	m2m_curve curve;
	EVP_PKEY *pkey;
	bool has_private;
};

typedef struct {
	m2m_curve id;
	const char *name;   /* m2m_curve_name() */
	const char *ossl;   /* OpenSSL group name; NULL = explicit parameters */
	EC_GROUP *group;    /* for point checks and d*G */
	EVP_PKEY *params;   /* domain parameters only: keygen template */
	BIGNUM *p, *a, *b, *n, *h; /* explicit curves only */
	uint8_t g[M2M_EC_POINT_SIZE];
} m2m_ec_curve_info;

/* The curve's data, built once per process: M2M_ERR_UNSUPPORTED for an unknown curve,
 * M2M_ERR_CRYPTO if OpenSSL could not build it. */
m2m_err m2m_ec_curve_get(m2m_curve curve, const m2m_ec_curve_info **ci);
/* Adds the domain parameters (group name, or the explicit p a b G n h) to bld. */
m2m_err m2m_ec_push_group(OSSL_PARAM_BLD *bld, const m2m_ec_curve_info *ci);
/* Wraps pkey (ownership taken, also on failure) into a new m2m_eckey. */
m2m_err m2m_ec_wrap(m2m_curve curve, EVP_PKEY *pkey, bool has_private, m2m_eckey **key);

#endif
