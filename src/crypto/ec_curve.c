/* The three SGP.02 curves: names, GlobalPlatform references, and the OpenSSL groups. */
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/obj_mac.h>

#include "core/hex.h"
#include "crypto/ec_internal.h"

/* ANSI FRP256V1, JORF 2011-10-18 ("Avis relatif aux parametres de courbes elliptiques
 * definis par l'Etat francais"): short Weierstrass y^2 = x^3 + ax + b over F_p, h = 1. */
static const char frp_p[] = "f1fd178c0b3ad58f10126de8ce42435b3961adbcabc8ca6de8fcf353d86e9c03";
static const char frp_a[] = "f1fd178c0b3ad58f10126de8ce42435b3961adbcabc8ca6de8fcf353d86e9c00";
static const char frp_b[] = "ee353fca5428a9300d4aba754a44c00fdfec0c9ae4b1a1803075ed967b7bb73f";
static const char frp_gx[] = "b6b3d4c356c139eb31183d4749d423958c27d2dcaf98b70164c97a2dd98f5cff";
static const char frp_gy[] = "6142e0f7c8b204911f9271f0f3ecef8c2701c307e8e4c9e183115a1554062cfb";
static const char frp_n[] = "f1fd178c0b3ad58f10126de8ce42435b53dc67e140d2bf941ffdd459c6d655e1";

static m2m_ec_curve_info g_curves[3] = {
	{ .id = M2M_CURVE_P256, .name = "P-256", .ossl = "prime256v1" },
	{ .id = M2M_CURVE_BRAINPOOLP256R1, .name = "brainpoolP256r1", .ossl = "brainpoolP256r1" },
	{ .id = M2M_CURVE_FRP256V1, .name = "FRP256V1", .ossl = NULL },
};
static bool g_curves_ok[3];
static pthread_once_t g_curves_once = PTHREAD_ONCE_INIT;

static int curve_index(m2m_curve curve)
{
	for (int i = 0; i < 3; i++)
		if (g_curves[i].id == curve)
			return i;
	return -1;
}

m2m_err m2m_curve_from_ref(uint8_t ref, m2m_curve *curve)
{
	if (curve == NULL)
		return M2M_ERR_ARG;
	if (curve_index((m2m_curve)ref) < 0)
		return M2M_ERR_UNSUPPORTED;
	*curve = (m2m_curve)ref;
	return M2M_OK;
}

const char *m2m_curve_name(m2m_curve curve)
{
	int i = curve_index(curve);

	return i < 0 ? "unknown" : g_curves[i].name;
}

m2m_err m2m_curve_from_name(const char *name, m2m_curve *curve)
{
	static const struct {
		const char *name;
		m2m_curve curve;
	} aliases[] = {
		{ "P-256", M2M_CURVE_P256 },
		{ "prime256v1", M2M_CURVE_P256 },
		{ "secp256r1", M2M_CURVE_P256 },
		{ "brainpoolP256r1", M2M_CURVE_BRAINPOOLP256R1 },
		{ "bp256r1", M2M_CURVE_BRAINPOOLP256R1 },
		{ "FRP256V1", M2M_CURVE_FRP256V1 },
	};

	if (name == NULL || curve == NULL)
		return M2M_ERR_ARG;
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		if (strcasecmp(name, aliases[i].name) == 0) {
			*curve = aliases[i].curve;
			return M2M_OK;
		}
	}
	return M2M_ERR_UNSUPPORTED;
}

static BIGNUM *bn_hex(const char *hex)
{
	BIGNUM *bn = NULL;

	return BN_hex2bn(&bn, hex) == 0 ? NULL : bn;
}

/* FRP256V1 from its published parameters. */
static EC_GROUP *frp_group(m2m_ec_curve_info *ci)
{
	EC_GROUP *group = NULL;
	EC_POINT *g = NULL;
	bool ok = false;

	ci->p = bn_hex(frp_p);
	ci->a = bn_hex(frp_a);
	ci->b = bn_hex(frp_b);
	ci->n = bn_hex(frp_n);
	ci->h = BN_new();
	ci->g[0] = 0x04;
	if (ci->p == NULL || ci->a == NULL || ci->b == NULL || ci->n == NULL || ci->h == NULL ||
	    !BN_set_word(ci->h, 1) ||
	    m2m_hex_decode_exact(frp_gx, ci->g + 1, M2M_EC_FIELD_SIZE) != M2M_OK ||
	    m2m_hex_decode_exact(frp_gy, ci->g + 1 + M2M_EC_FIELD_SIZE, M2M_EC_FIELD_SIZE) != M2M_OK)
		goto out;
	group = EC_GROUP_new_curve_GFp(ci->p, ci->a, ci->b, NULL);
	if (group == NULL)
		goto out;
	g = EC_POINT_new(group);
	if (g == NULL || !EC_POINT_oct2point(group, g, ci->g, sizeof(ci->g), NULL) ||
	    !EC_GROUP_set_generator(group, g, ci->n, ci->h))
		goto out;
	ok = true;
out:
	EC_POINT_free(g);
	if (!ok) {
		EC_GROUP_free(group);
		group = NULL;
	}
	return group;
}

m2m_err m2m_ec_push_group(OSSL_PARAM_BLD *bld, const m2m_ec_curve_info *ci)
{
	int ok;

	if (ci->ossl != NULL)
		ok = OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, ci->ossl, 0);
	else
		ok = OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_EC_FIELD_TYPE,
						     SN_X9_62_prime_field, 0) &&
		     OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_EC_P, ci->p) &&
		     OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_EC_A, ci->a) &&
		     OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_EC_B, ci->b) &&
		     OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_EC_GENERATOR, ci->g,
						      sizeof(ci->g)) &&
		     OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_EC_ORDER, ci->n) &&
		     OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_EC_COFACTOR, ci->h);
	return ok ? M2M_OK : M2M_ERR_CRYPTO;
}

/* A parameters-only EVP_PKEY, the template for key generation. */
static EVP_PKEY *params_pkey(const m2m_ec_curve_info *ci)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;

	if (bld == NULL || m2m_ec_push_group(bld, ci) != M2M_OK)
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEY_PARAMETERS, params) != 1)
		pkey = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return pkey;
}

static void curves_init(void)
{
	for (int i = 0; i < 3; i++) {
		m2m_ec_curve_info *ci = &g_curves[i];

		if (ci->ossl != NULL) {
			ci->group = EC_GROUP_new_by_curve_name(OBJ_sn2nid(ci->ossl));
			if (ci->group != NULL &&
			    EC_POINT_point2oct(ci->group, EC_GROUP_get0_generator(ci->group),
					       POINT_CONVERSION_UNCOMPRESSED, ci->g, sizeof(ci->g),
					       NULL) != sizeof(ci->g))
				continue;
		} else {
			ci->group = frp_group(ci);
		}
		if (ci->group == NULL)
			continue;
		ci->params = params_pkey(ci);
		g_curves_ok[i] = ci->params != NULL;
	}
}

m2m_err m2m_ec_curve_get(m2m_curve curve, const m2m_ec_curve_info **ci)
{
	int i = curve_index(curve);

	*ci = NULL;
	if (i < 0)
		return M2M_ERR_UNSUPPORTED;
	if (pthread_once(&g_curves_once, curves_init) != 0 || !g_curves_ok[i])
		return M2M_ERR_CRYPTO;
	*ci = &g_curves[i];
	return M2M_OK;
}

m2m_err m2m_ec_curve_check(m2m_curve curve)
{
	const m2m_ec_curve_info *ci;
	m2m_err rc = m2m_ec_curve_get(curve, &ci);

	if (rc != M2M_OK)
		return rc;
	/* Discriminant, generator on the curve, order * G = infinity. */
	return EC_GROUP_check(ci->group, NULL) == 1 ? M2M_OK : M2M_ERR_VERIFY;
}
