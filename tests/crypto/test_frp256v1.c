/* ANSSI FRP256V1 (JORF 2011-10-18), defined from its published parameters since OpenSSL has
 * no name for it. No public ECDH vector exists: the test checks the domain parameters
 * independently of the library (its own copy of p a b G n, checked with OpenSSL's EC_GROUP),
 * that the library's keys live on that group, ECDH both ways, ECDSA, and point validation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include <openssl/bn.h>
#include <openssl/ec.h>

#include "crypto/ec.h"
#include "crypto_test.h"

/* The published parameters (JORF 2011-10-18; also Botan pcurves_frp256v1.cpp). */
static const char P[] = "F1FD178C0B3AD58F10126DE8CE42435B3961ADBCABC8CA6DE8FCF353D86E9C03";
static const char A[] = "F1FD178C0B3AD58F10126DE8CE42435B3961ADBCABC8CA6DE8FCF353D86E9C00";
static const char B[] = "EE353FCA5428A9300D4ABA754A44C00FDFEC0C9AE4B1A1803075ED967B7BB73F";
static const char GX[] = "B6B3D4C356C139EB31183D4749D423958C27D2DCAF98B70164C97A2DD98F5CFF";
static const char GY[] = "6142E0F7C8B204911F9271F0F3ECEF8C2701C307E8E4C9E183115A1554062CFB";
static const char N[] = "F1FD178C0B3AD58F10126DE8CE42435B53DC67E140D2BF941FFDD459C6D655E1";

typedef struct {
	BIGNUM *p, *a, *b, *n, *gx, *gy;
	EC_GROUP *group;
	EC_POINT *g;
} ref_curve;

static int ref_setup(void **state)
{
	ref_curve *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	assert_true(BN_hex2bn(&c->p, P) && BN_hex2bn(&c->a, A) && BN_hex2bn(&c->b, B));
	assert_true(BN_hex2bn(&c->n, N) && BN_hex2bn(&c->gx, GX) && BN_hex2bn(&c->gy, GY));
	c->group = EC_GROUP_new_curve_GFp(c->p, c->a, c->b, NULL);
	assert_non_null(c->group);
	c->g = EC_POINT_new(c->group);
	assert_non_null(c->g);
	assert_int_equal(EC_POINT_set_affine_coordinates(c->group, c->g, c->gx, c->gy, NULL), 1);
	assert_int_equal(EC_GROUP_set_generator(c->group, c->g, c->n, BN_value_one()), 1);
	*state = c;
	return 0;
}

static int ref_teardown(void **state)
{
	ref_curve *c = *state;

	EC_POINT_free(c->g);
	EC_GROUP_free(c->group);
	BN_free(c->p);
	BN_free(c->a);
	BN_free(c->b);
	BN_free(c->n);
	BN_free(c->gx);
	BN_free(c->gy);
	free(c);
	return 0;
}

/* The published parameters form a valid group: a = p - 3, G on the curve, n prime,
 * n * G = infinity, and the library's own check agrees (for all three curves). */
static void frp256v1_group_is_valid(void **state)
{
	ref_curve *c = *state;
	BIGNUM *t = BN_new();
	EC_POINT *r = EC_POINT_new(c->group);

	assert_non_null(t);
	assert_non_null(r);
	assert_true(BN_sub(t, c->p, c->a) && BN_is_word(t, 3));
	assert_int_equal(EC_POINT_is_on_curve(c->group, c->g, NULL), 1);
	assert_int_equal(BN_check_prime(c->n, NULL, NULL), 1);
	assert_int_equal(BN_check_prime(c->p, NULL, NULL), 1);
	assert_int_equal(EC_POINT_mul(c->group, r, NULL, c->g, c->n, NULL), 1);
	assert_true(EC_POINT_is_at_infinity(c->group, r));
	assert_int_equal(EC_GROUP_check(c->group, NULL), 1);
	assert_int_equal(m2m_ec_curve_check(M2M_CURVE_FRP256V1), M2M_OK);
	assert_int_equal(m2m_ec_curve_check(M2M_CURVE_P256), M2M_OK);
	assert_int_equal(m2m_ec_curve_check(M2M_CURVE_BRAINPOOLP256R1), M2M_OK);
	assert_int_equal(m2m_ec_curve_check((m2m_curve)0x02), M2M_ERR_UNSUPPORTED);
	EC_POINT_free(r);
	BN_free(t);
}

/* d * G from the library equals d * G on the reference group, for d = 1, 2, n - 1 and a
 * random d; d = n is refused. */
static void frp256v1_library_points_match_reference(void **state)
{
	ref_curve *c = *state;
	uint8_t d[32], got[M2M_EC_POINT_SIZE], want[M2M_EC_POINT_SIZE];
	BIGNUM *k = BN_new();
	EC_POINT *q = EC_POINT_new(c->group);
	m2m_eckey *key = NULL;

	assert_non_null(k);
	assert_non_null(q);
	for (int i = 0; i < 4; i++) {
		if (i == 0)
			BN_one(k);
		else if (i == 1)
			BN_set_word(k, 2);
		else if (i == 2)
			BN_sub(k, c->n, BN_value_one());
		else
			BN_rand_range(k, c->n);
		if (BN_is_zero(k))
			BN_one(k);
		assert_int_equal(BN_bn2binpad(k, d, 32), 32);
		assert_int_equal(m2m_ec_from_private(M2M_CURVE_FRP256V1, d, 32, &key), M2M_OK);
		assert_int_equal(m2m_ec_public_point(key, got), M2M_OK);
		assert_int_equal(EC_POINT_mul(c->group, q, k, NULL, NULL, NULL), 1);
		assert_int_equal(EC_POINT_point2oct(c->group, q, POINT_CONVERSION_UNCOMPRESSED, want,
						    sizeof(want), NULL),
				 sizeof(want));
		assert_memory_equal(got, want, sizeof(want));
		m2m_ec_free(key);
		key = NULL;
	}
	/* d = n is out of range; d = 1 gives the published G. */
	assert_int_equal(BN_bn2binpad(c->n, d, 32), 32);
	assert_int_equal(m2m_ec_from_private(M2M_CURVE_FRP256V1, d, 32, &key), M2M_ERR_ARG);
	memset(d, 0, sizeof(d));
	d[31] = 1;
	assert_int_equal(m2m_ec_from_private(M2M_CURVE_FRP256V1, d, 32, &key), M2M_OK);
	assert_int_equal(m2m_ec_public_point(key, got), M2M_OK);
	tv_assert_hex(got + 1, 32, GX);
	tv_assert_hex(got + 33, 32, GY);
	m2m_ec_free(key);
	EC_POINT_free(q);
	BN_free(k);
}

/* Generated keys are on the reference curve, and ECDH agrees both ways. */
static void frp256v1_ecdh_both_ways(void **state)
{
	ref_curve *c = *state;
	uint8_t pa[M2M_EC_POINT_SIZE], pb[M2M_EC_POINT_SIZE], z1[32], z2[32];
	m2m_eckey *a = NULL, *b = NULL, *qa = NULL, *qb = NULL;
	EC_POINT *q = EC_POINT_new(c->group);

	assert_non_null(q);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_FRP256V1, &a), M2M_OK);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_FRP256V1, &b), M2M_OK);
	assert_int_equal(m2m_ec_public_point(a, pa), M2M_OK);
	assert_int_equal(m2m_ec_public_point(b, pb), M2M_OK);
	assert_int_equal(EC_POINT_oct2point(c->group, q, pa, sizeof(pa), NULL), 1);
	assert_int_equal(EC_POINT_is_on_curve(c->group, q, NULL), 1);
	assert_int_equal(m2m_ec_from_public(M2M_CURVE_FRP256V1, pa, sizeof(pa), &qa), M2M_OK);
	assert_int_equal(m2m_ec_from_public(M2M_CURVE_FRP256V1, pb, sizeof(pb), &qb), M2M_OK);
	assert_int_equal(m2m_ecdh(a, qb, z1), M2M_OK);
	assert_int_equal(m2m_ecdh(b, qa, z2), M2M_OK);
	assert_memory_equal(z1, z2, 32);
	/* Cross-check against the reference group: x(d_a * Q_b). */
	{
		uint8_t d[32], want[M2M_EC_POINT_SIZE];
		BIGNUM *k;
		EC_POINT *qbp = EC_POINT_new(c->group);

		assert_non_null(qbp);
		assert_int_equal(m2m_ec_private_bytes(a, d), M2M_OK);
		k = BN_bin2bn(d, 32, NULL);
		assert_non_null(k);
		assert_int_equal(EC_POINT_oct2point(c->group, qbp, pb, sizeof(pb), NULL), 1);
		assert_int_equal(EC_POINT_mul(c->group, q, NULL, qbp, k, NULL), 1);
		assert_int_equal(EC_POINT_point2oct(c->group, q, POINT_CONVERSION_UNCOMPRESSED,
						    want, sizeof(want), NULL),
				 sizeof(want));
		assert_memory_equal(z1, want + 1, 32);
		BN_clear_free(k);
		EC_POINT_free(qbp);
	}
	/* An FRP256V1 key does not agree with a key of another curve. */
	m2m_ec_free(qb);
	qb = NULL;
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &qb), M2M_OK);
	assert_int_equal(m2m_ecdh(a, qb, z1), M2M_ERR_ARG);
	m2m_ec_free(a);
	m2m_ec_free(b);
	m2m_ec_free(qa);
	m2m_ec_free(qb);
	EC_POINT_free(q);
}

static void frp256v1_sign_verify(void **state)
{
	static const uint8_t msg[] = "FRP256V1";
	uint8_t sig[64], der[M2M_EC_DER_SIG_MAX];
	size_t dl = sizeof(der);
	m2m_eckey *k = NULL;

	(void)state;
	assert_int_equal(m2m_ec_generate(M2M_CURVE_FRP256V1, &k), M2M_OK);
	assert_int_equal(m2m_ecdsa_sign(k, msg, sizeof(msg), sig), M2M_OK);
	assert_int_equal(m2m_ecdsa_verify(k, msg, sizeof(msg), sig, 64), M2M_OK);
	sig[0] ^= 0x80;
	assert_int_equal(m2m_ecdsa_verify(k, msg, sizeof(msg), sig, 64), M2M_ERR_VERIFY);
	assert_int_equal(m2m_ecdsa_sign_der(k, msg, sizeof(msg), der, &dl), M2M_OK);
	assert_int_equal(m2m_ecdsa_verify_der(k, msg, sizeof(msg), der, dl), M2M_OK);
	assert_int_equal(m2m_ecdsa_verify_der(k, msg, 2, der, dl), M2M_ERR_VERIFY);
	m2m_ec_free(k);
}

/* Off-curve points (G with y + 1, x = p) are refused. */
static void frp256v1_rejects_off_curve(void **state)
{
	uint8_t pt[M2M_EC_POINT_SIZE] = { 0x04 };
	m2m_eckey *k = NULL;

	(void)state;
	tv_hex(GX, pt + 1, 32);
	tv_hex(GY, pt + 33, 32);
	assert_int_equal(m2m_ec_from_public(M2M_CURVE_FRP256V1, pt, sizeof(pt), &k), M2M_OK);
	m2m_ec_free(k);
	k = NULL;
	pt[64] ^= 0x01;
	assert_int_equal(m2m_ec_from_public(M2M_CURVE_FRP256V1, pt, sizeof(pt), &k),
			 M2M_ERR_FORMAT);
	tv_hex(P, pt + 1, 32);
	assert_int_equal(m2m_ec_from_public(M2M_CURVE_FRP256V1, pt, sizeof(pt), &k),
			 M2M_ERR_FORMAT);
	assert_null(k);
	/* G of FRP256V1 is not a P-256 point. */
	tv_hex(GX, pt + 1, 32);
	tv_hex(GY, pt + 33, 32);
	assert_int_equal(m2m_ec_from_public(M2M_CURVE_P256, pt, sizeof(pt), &k), M2M_ERR_FORMAT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(frp256v1_group_is_valid),
		cmocka_unit_test(frp256v1_library_points_match_reference),
		cmocka_unit_test(frp256v1_ecdh_both_ways),
		cmocka_unit_test(frp256v1_sign_verify),
		cmocka_unit_test(frp256v1_rejects_off_curve),
	};

	return cmocka_run_group_tests(tests, ref_setup, ref_teardown);
}
