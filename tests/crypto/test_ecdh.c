/* ECDH against NIST CAVP KAS ECC CDH primitive (ecccdhtestvectors.zip,
 * KAS_ECC_CDH_PrimitiveTest.txt [P-256] COUNT = 0..3) and RFC 7027 Appendix A.1
 * (brainpoolP256r1), plus point validation and misuse. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "crypto/ec.h"
#include "crypto_test.h"

static m2m_eckey *pub_key(m2m_curve curve, const char *x, const char *y)
{
	uint8_t pt[M2M_EC_POINT_SIZE] = { 0x04 };
	m2m_eckey *k = NULL;

	tv_hex(x, pt + 1, 32);
	tv_hex(y, pt + 33, 32);
	assert_int_equal(m2m_ec_from_public(curve, pt, sizeof(pt), &k), M2M_OK);
	return k;
}

static m2m_eckey *priv_key(m2m_curve curve, const char *d_hex)
{
	uint8_t d[32];
	m2m_eckey *k = NULL;

	tv_hex(d_hex, d, sizeof(d));
	assert_int_equal(m2m_ec_from_private(curve, d, sizeof(d), &k), M2M_OK);
	return k;
}

static void assert_public(const m2m_eckey *k, const char *x, const char *y)
{
	uint8_t pt[M2M_EC_POINT_SIZE];

	assert_int_equal(m2m_ec_public_point(k, pt), M2M_OK);
	assert_int_equal(pt[0], 0x04);
	tv_assert_hex(pt + 1, 32, x);
	tv_assert_hex(pt + 33, 32, y);
}

/* QCAVSx, QCAVSy, dIUT, QIUTx, QIUTy, ZIUT */
static const char *const cdh_p256[4][6] = {
	{ "700c48f77f56584c5cc632ca65640db91b6bacce3a4df6b42ce7cc838833d287",
	  "db71e509e3fd9b060ddb20ba5c51dcc5948d46fbf640dfe0441782cab85fa4ac",
	  "7d7dc5f71eb29ddaf80d6214632eeae03d9058af1fb6d22ed80badb62bc1a534",
	  "ead218590119e8876b29146ff89ca61770c4edbbf97d38ce385ed281d8a6b230",
	  "28af61281fd35e2fa7002523acc85a429cb06ee6648325389f59edfce1405141",
	  "46fc62106420ff012e54a434fbdd2d25ccc5852060561e68040dd7778997bd7b" },
	{ "809f04289c64348c01515eb03d5ce7ac1a8cb9498f5caa50197e58d43a86a7ae",
	  "b29d84e811197f25eba8f5194092cb6ff440e26d4421011372461f579271cda3",
	  "38f65d6dce47676044d58ce5139582d568f64bb16098d179dbab07741dd5caf5",
	  "119f2f047902782ab0c9e27a54aff5eb9b964829ca99c06b02ddba95b0a3f6d0",
	  "8f52b726664cac366fc98ac7a012b2682cbd962e5acb544671d41b9445704d1d",
	  "057d636096cb80b67a8c038c890e887d1adfa4195e9b3ce241c8a778c59cda67" },
	{ "a2339c12d4a03c33546de533268b4ad667debf458b464d77443636440ee7fec3",
	  "ef48a3ab26e20220bcda2c1851076839dae88eae962869a497bf73cb66faf536",
	  "1accfaf1b97712b85a6f54b148985a1bdc4c9bec0bd258cad4b3d603f49f32c8",
	  "d9f2b79c172845bfdb560bbb01447ca5ecc0470a09513b6126902c6b4f8d1051",
	  "f815ef5ec32128d3487834764678702e64e164ff7315185e23aff5facd96d7bc",
	  "2d457b78b4614132477618a5b077965ec90730a8c81a1c75d6d4ec68005d67ec" },
	{ "df3989b9fa55495719b3cf46dccd28b5153f7808191dd518eff0c3cff2b705ed",
	  "422294ff46003429d739a33206c8752552c8ba54a270defc06e221e0feaf6ac4",
	  "207c43a79bfee03db6f4b944f53d2fb76cc49ef1c9c4d34d51b6c65c4db6932d",
	  "24277c33f450462dcb3d4801d57b9ced05188f16c28eda873258048cd1607e0d",
	  "c4789753e2b1f63b32ff014ec42cd6a69fac81dfe6d0d6fd4af372ae27c46f88",
	  "96441259534b80f6aee3d287a6bb17b5094dd4277d9e294f8fe73e48bf2a0024" },
};

/* KAS_ECC_CDH_PrimitiveTest.txt [P-256] COUNT = 0, 1, 2, 3: QIUT = dIUT * G and
 * ZIUT = x(dIUT * QCAVS). */
static void cavp_kas_ecc_cdh_p256_count0_3(void **state)
{
	(void)state;
	for (size_t i = 0; i < 4; i++) {
		const char *const *v = cdh_p256[i];
		m2m_eckey *peer = pub_key(M2M_CURVE_P256, v[0], v[1]);
		m2m_eckey *iut = priv_key(M2M_CURVE_P256, v[2]);
		uint8_t z[32];

		assert_public(iut, v[3], v[4]);
		assert_int_equal(m2m_ecdh(iut, peer, z), M2M_OK);
		tv_assert_hex(z, 32, v[5]);
		m2m_ec_free(peer);
		m2m_ec_free(iut);
	}
}

/* RFC 7027 Appendix A.1 (brainpoolP256r1): both public keys from dA/dB, and the shared x_Z
 * computed from both sides. */
static void rfc7027_a1_brainpoolp256r1_both_sides(void **state)
{
	static const char qax[] = "44106E913F92BC02A1705D9953A8414DB95E1AAA49E81D9E85F929A8E3100BE5";
	static const char qay[] = "8AB4846F11CACCB73CE49CBDD120F5A900A69FD32C272223F789EF10EB089BDC";
	static const char qbx[] = "8D2D688C6CF93E1160AD04CC4429117DC2C41825E1E9FCA0ADDD34E6F1B39F7B";
	static const char qby[] = "990C57520812BE512641E47034832106BC7D3E8DD0E4C7F1136D7006547CEC6A";
	static const char xz[] = "89AFC39D41D3B327814B80940B042590F96556EC91E6AE7939BCE31F3A18BF2B";
	m2m_eckey *a, *b, *qa, *qb;
	uint8_t z[32];

	(void)state;
	a = priv_key(M2M_CURVE_BRAINPOOLP256R1,
		     "81DB1EE100150FF2EA338D708271BE38300CB54241D79950F77B063039804F1D");
	b = priv_key(M2M_CURVE_BRAINPOOLP256R1,
		     "55E40BC41E37E3E2AD25C3C6654511FFA8474A91A0032087593852D3E7D76BD3");
	assert_public(a, qax, qay);
	assert_public(b, qbx, qby);
	qa = pub_key(M2M_CURVE_BRAINPOOLP256R1, qax, qay);
	qb = pub_key(M2M_CURVE_BRAINPOOLP256R1, qbx, qby);
	assert_int_equal(m2m_ecdh(a, qb, z), M2M_OK);
	tv_assert_hex(z, 32, xz);
	assert_int_equal(m2m_ecdh(b, qa, z), M2M_OK);
	tv_assert_hex(z, 32, xz);
	m2m_ec_free(a);
	m2m_ec_free(b);
	m2m_ec_free(qa);
	m2m_ec_free(qb);
}

/* Generated keys agree on every curve. */
static void ecdh_generated_agree_all_curves(void **state)
{
	static const m2m_curve curves[] = { M2M_CURVE_P256, M2M_CURVE_BRAINPOOLP256R1,
					    M2M_CURVE_FRP256V1 };

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		m2m_eckey *a = NULL, *b = NULL, *bp = NULL;
		uint8_t pt[M2M_EC_POINT_SIZE], z1[32], z2[32];

		assert_int_equal(m2m_ec_generate(curves[i], &a), M2M_OK);
		assert_int_equal(m2m_ec_generate(curves[i], &b), M2M_OK);
		assert_int_equal(m2m_ec_curve(a), curves[i]);
		assert_true(m2m_ec_has_private(a));
		assert_int_equal(m2m_ec_public_point(b, pt), M2M_OK);
		assert_int_equal(m2m_ec_from_public(curves[i], pt, sizeof(pt), &bp), M2M_OK);
		assert_false(m2m_ec_has_private(bp));
		assert_int_equal(m2m_ecdh(a, bp, z1), M2M_OK);
		assert_int_equal(m2m_ec_public_point(a, pt), M2M_OK);
		m2m_ec_free(bp);
		assert_int_equal(m2m_ec_from_public(curves[i], pt, sizeof(pt), &bp), M2M_OK);
		assert_int_equal(m2m_ecdh(b, bp, z2), M2M_OK);
		assert_memory_equal(z1, z2, 32);
		m2m_ec_free(a);
		m2m_ec_free(b);
		m2m_ec_free(bp);
	}
}

/* Points that must be refused: off the curve, wrong prefix or length, coordinate >= p,
 * infinity, and a point of another curve. */
static void ecdh_invalid_points(void **state)
{
	uint8_t pt[M2M_EC_POINT_SIZE] = { 0x04 }, bad[M2M_EC_POINT_SIZE];
	m2m_eckey *k = (m2m_eckey *)&k;

	(void)state;
	tv_hex(cdh_p256[0][0], pt + 1, 32);
	tv_hex(cdh_p256[0][1], pt + 33, 32);
	memcpy(bad, pt, sizeof(bad));
	bad[64] ^= 0x01; /* y changed: off the curve */
	assert_int_equal(m2m_ec_from_public(M2M_CURVE_P256, bad, sizeof(bad), &k), M2M_ERR_FORMAT);
	assert_null(k);
	memcpy(bad, pt, sizeof(bad));
	bad[0] = 0x02; /* compressed prefix on a 65-byte string */
	assert_int_equal(m2m_ec_from_public(M2M_CURVE_P256, bad, sizeof(bad), &k), M2M_ERR_FORMAT);
	assert_int_equal(m2m_ec_from_public(M2M_CURVE_P256, pt, 64, &k), M2M_ERR_FORMAT);
	assert_int_equal(m2m_ec_from_public(M2M_CURVE_P256, pt, 33, &k), M2M_ERR_FORMAT);
	assert_int_equal(m2m_ec_from_public(M2M_CURVE_P256, pt, 0, &k), M2M_ERR_FORMAT);
	memset(bad, 0xff, sizeof(bad)); /* x, y = 2^256 - 1 >= p */
	bad[0] = 0x04;
	assert_int_equal(m2m_ec_from_public(M2M_CURVE_P256, bad, sizeof(bad), &k), M2M_ERR_FORMAT);
	memset(bad, 0, sizeof(bad)); /* (0, 0) is not on P-256 (b != 0) */
	bad[0] = 0x04;
	assert_int_equal(m2m_ec_from_public(M2M_CURVE_P256, bad, sizeof(bad), &k), M2M_ERR_FORMAT);
	assert_int_equal(m2m_ec_from_public(M2M_CURVE_P256, bad, 1, &k), M2M_ERR_FORMAT);
	/* A valid P-256 point is not on the other two curves. */
	assert_int_equal(m2m_ec_from_public(M2M_CURVE_BRAINPOOLP256R1, pt, sizeof(pt), &k),
			 M2M_ERR_FORMAT);
	assert_int_equal(m2m_ec_from_public(M2M_CURVE_FRP256V1, pt, sizeof(pt), &k),
			 M2M_ERR_FORMAT);
	assert_int_equal(m2m_ec_from_public((m2m_curve)0x07, pt, sizeof(pt), &k),
			 M2M_ERR_UNSUPPORTED);
	assert_int_equal(m2m_ec_from_public(M2M_CURVE_P256, NULL, sizeof(pt), &k), M2M_ERR_ARG);
	assert_int_equal(m2m_ec_from_public(M2M_CURVE_P256, pt, sizeof(pt), NULL), M2M_ERR_ARG);
}

static void ecdh_misuse(void **state)
{
	m2m_eckey *p256 = NULL, *bp = NULL, *pub = NULL;
	uint8_t pt[M2M_EC_POINT_SIZE], z[32], d[33] = { 0 };

	(void)state;
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &p256), M2M_OK);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_BRAINPOOLP256R1, &bp), M2M_OK);
	/* Keys on different curves. */
	assert_int_equal(m2m_ecdh(p256, bp, z), M2M_ERR_ARG);
	assert_int_equal(m2m_ecdh(bp, p256, z), M2M_ERR_ARG);
	/* No private part. */
	assert_int_equal(m2m_ec_public_point(p256, pt), M2M_OK);
	assert_int_equal(m2m_ec_from_public(M2M_CURVE_P256, pt, sizeof(pt), &pub), M2M_OK);
	assert_int_equal(m2m_ecdh(pub, p256, z), M2M_ERR_ARG);
	assert_int_equal(m2m_ec_private_bytes(pub, z), M2M_ERR_STATE);
	assert_int_equal(m2m_ecdh(NULL, p256, z), M2M_ERR_ARG);
	assert_int_equal(m2m_ecdh(p256, NULL, z), M2M_ERR_ARG);
	assert_int_equal(m2m_ecdh(p256, pub, NULL), M2M_ERR_ARG);
	m2m_ec_free(pub);
	pub = NULL;
	/* Private scalars out of range: 0, n, too long. */
	assert_int_equal(m2m_ec_from_private(M2M_CURVE_P256, d, 32, &pub), M2M_ERR_ARG);
	tv_hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", d, 32);
	assert_int_equal(m2m_ec_from_private(M2M_CURVE_P256, d, 32, &pub), M2M_ERR_ARG);
	assert_int_equal(m2m_ec_from_private(M2M_CURVE_P256, d, 33, &pub), M2M_ERR_ARG);
	assert_int_equal(m2m_ec_from_private(M2M_CURVE_P256, d, 0, &pub), M2M_ERR_ARG);
	assert_null(pub);
	/* Private bytes round trip, left-padded. */
	d[0] = 0x01;
	assert_int_equal(m2m_ec_from_private(M2M_CURVE_P256, d, 1, &pub), M2M_OK);
	assert_int_equal(m2m_ec_private_bytes(pub, z), M2M_OK);
	tv_assert_hex(z, 32, "0000000000000000000000000000000000000000000000000000000000000001");
	m2m_ec_free(pub);
	m2m_ec_free(p256);
	m2m_ec_free(bp);
	m2m_ec_free(NULL);
	assert_int_equal(m2m_ec_generate((m2m_curve)0x05, &pub), M2M_ERR_UNSUPPORTED);
}

static void curve_names_and_refs(void **state)
{
	m2m_curve c;

	(void)state;
	assert_int_equal(m2m_curve_from_ref(0x00, &c), M2M_OK);
	assert_int_equal(c, M2M_CURVE_P256);
	assert_int_equal(m2m_curve_from_ref(0x03, &c), M2M_OK);
	assert_int_equal(c, M2M_CURVE_BRAINPOOLP256R1);
	assert_int_equal(m2m_curve_from_ref(0x40, &c), M2M_OK);
	assert_int_equal(c, M2M_CURVE_FRP256V1);
	assert_int_equal(m2m_curve_from_ref(0x01, &c), M2M_ERR_UNSUPPORTED);
	assert_int_equal(m2m_curve_from_ref(0x00, NULL), M2M_ERR_ARG);
	assert_string_equal(m2m_curve_name(M2M_CURVE_P256), "P-256");
	assert_string_equal(m2m_curve_name(M2M_CURVE_BRAINPOOLP256R1), "brainpoolP256r1");
	assert_string_equal(m2m_curve_name(M2M_CURVE_FRP256V1), "FRP256V1");
	assert_string_equal(m2m_curve_name((m2m_curve)0x99), "unknown");
	assert_int_equal(m2m_curve_from_name("secp256r1", &c), M2M_OK);
	assert_int_equal(c, M2M_CURVE_P256);
	assert_int_equal(m2m_curve_from_name("PRIME256V1", &c), M2M_OK);
	assert_int_equal(c, M2M_CURVE_P256);
	assert_int_equal(m2m_curve_from_name("bp256r1", &c), M2M_OK);
	assert_int_equal(c, M2M_CURVE_BRAINPOOLP256R1);
	assert_int_equal(m2m_curve_from_name("frp256v1", &c), M2M_OK);
	assert_int_equal(c, M2M_CURVE_FRP256V1);
	assert_int_equal(m2m_curve_from_name("P-384", &c), M2M_ERR_UNSUPPORTED);
	assert_int_equal(m2m_curve_from_name(NULL, &c), M2M_ERR_ARG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cavp_kas_ecc_cdh_p256_count0_3),
		cmocka_unit_test(rfc7027_a1_brainpoolp256r1_both_sides),
		cmocka_unit_test(ecdh_generated_agree_all_curves),
		cmocka_unit_test(ecdh_invalid_points),
		cmocka_unit_test(ecdh_misuse),
		cmocka_unit_test(curve_names_and_refs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
