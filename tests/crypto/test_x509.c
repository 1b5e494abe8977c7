/* PEM key files and X.509 issuing (src/crypto/pem.c, x509.c). The PEM text is also checked
 * against fixed public data: the P-256 private key of RFC 6979 appendix A.2.5, whose public
 * point the RFC gives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/hex.h"
#include "crypto/pem.h"
#include "crypto/x509.h"

/* RFC 6979 A.2.5: x (private) and Ux, Uy. */
static const char rfc6979_x[] =
	"c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721";
static const char rfc6979_u[] =
	"0460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
	"7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299";

static m2m_eckey *rfc_key(void)
{
	uint8_t d[32];
	m2m_eckey *k = NULL;

	assert_int_equal(m2m_hex_decode_exact(rfc6979_x, d, sizeof d), M2M_OK);
	assert_int_equal(m2m_ec_from_private(M2M_CURVE_P256, d, sizeof d, &k), M2M_OK);
	return k;
}

static void test_pem_round_trip(void **state)
{
	(void)state;
	uint8_t want[M2M_EC_POINT_SIZE], got[M2M_EC_POINT_SIZE], d1[32], d2[32];
	m2m_eckey *k = rfc_key(), *back = NULL, *pub = NULL;
	m2m_buf pem, pubpem;

	m2m_buf_init(&pem);
	m2m_buf_init(&pubpem);
	assert_int_equal(m2m_hex_decode_exact(rfc6979_u, want, sizeof want), M2M_OK);
	assert_int_equal(m2m_ec_private_pem(k, &pem), M2M_OK);
	assert_true(pem.len > 27 && memcmp(pem.data, "-----BEGIN PRIVATE KEY-----", 27) == 0);
	assert_int_equal(m2m_ec_from_pem(pem.data, pem.len, true, &back), M2M_OK);
	assert_int_equal(m2m_ec_public_point(back, got), M2M_OK);
	assert_memory_equal(got, want, sizeof want);
	assert_int_equal(m2m_ec_private_bytes(k, d1), M2M_OK);
	assert_int_equal(m2m_ec_private_bytes(back, d2), M2M_OK);
	assert_memory_equal(d1, d2, sizeof d1);

	assert_int_equal(m2m_ec_public_pem(k, &pubpem), M2M_OK);
	assert_int_equal(m2m_ec_from_pem(pubpem.data, pubpem.len, false, &pub), M2M_OK);
	assert_false(m2m_ec_has_private(pub));
	assert_int_equal(m2m_ec_public_point(pub, got), M2M_OK);
	assert_memory_equal(got, want, sizeof want);
	m2m_ec_free(pub);
	pub = NULL;
	/* A public key is not a private one. */
	assert_int_equal(m2m_ec_from_pem(pubpem.data, pubpem.len, true, &pub), M2M_ERR_FORMAT);
	assert_null(pub);
	m2m_ec_free(k);
	m2m_ec_free(back);
	m2m_buf_free(&pem);
	m2m_buf_free(&pubpem);
}

static void test_pem_garbage(void **state)
{
	(void)state;
	static const char *bad[] = {
		"", "hello", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
		"-----BEGIN PRIVATE KEY-----\n", "-----BEGIN CERTIFICATE-----\n%%%%\n"};
	m2m_eckey *k = NULL;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_not_equal(m2m_ec_from_pem((const uint8_t *)bad[i], strlen(bad[i]), false,
						     &k),
				     M2M_OK);
		assert_null(k);
	}
	assert_int_equal(m2m_ec_load_pem("/nonexistent/key.pem", true, &k), M2M_ERR_IO);
}

static void test_x509_chain(void **state)
{
	(void)state;
	m2m_eckey *ca = NULL, *leaf = NULL, *other = NULL, *from_cert = NULL;
	m2m_x509_spec ca_spec = {.kind = M2M_X509_CA, .cn = "Test CA", .serial = 1, .days = 10};
	m2m_x509_spec leaf_spec = {.kind = M2M_X509_TLS_SERVER, .cn = "smsr1", .ou = "SM-SR",
				   .serial = 2, .days = 10, .ip = {"127.0.0.1", NULL}};
	uint8_t p1[M2M_EC_POINT_SIZE], p2[M2M_EC_POINT_SIZE];
	char cn[64], ou[64];
	m2m_buf ca_pem, leaf_pem, other_pem;

	m2m_buf_init(&ca_pem);
	m2m_buf_init(&leaf_pem);
	m2m_buf_init(&other_pem);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &ca), M2M_OK);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &leaf), M2M_OK);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_BRAINPOOLP256R1, &other), M2M_OK);
	assert_int_equal(m2m_x509_issue(&ca_spec, ca, NULL, 0, ca, &ca_pem), M2M_OK);
	assert_int_equal(m2m_x509_issue(&leaf_spec, leaf, ca_pem.data, ca_pem.len, ca, &leaf_pem),
			 M2M_OK);
	assert_int_equal(m2m_x509_verify(leaf_pem.data, leaf_pem.len, ca_pem.data, ca_pem.len),
			 M2M_OK);
	assert_int_equal(m2m_x509_subject(leaf_pem.data, leaf_pem.len, cn, sizeof cn, ou,
					  sizeof ou),
			 M2M_OK);
	assert_string_equal(cn, "smsr1");
	assert_string_equal(ou, "SM-SR");
	/* The certificate's key is the leaf key. */
	assert_int_equal(m2m_ec_from_pem(leaf_pem.data, leaf_pem.len, false, &from_cert), M2M_OK);
	assert_int_equal(m2m_ec_public_point(from_cert, p1), M2M_OK);
	assert_int_equal(m2m_ec_public_point(leaf, p2), M2M_OK);
	assert_memory_equal(p1, p2, sizeof p1);

	/* Self-signed by another key: the leaf does not verify against it. */
	ca_spec.cn = "Other CA";
	assert_int_equal(m2m_x509_issue(&ca_spec, other, NULL, 0, other, &other_pem), M2M_OK);
	assert_int_equal(m2m_x509_verify(leaf_pem.data, leaf_pem.len, other_pem.data,
					 other_pem.len),
			 M2M_ERR_VERIFY);
	/* A flipped byte in the signature. */
	leaf_pem.data[leaf_pem.len - 40] ^= 0x01;
	assert_int_not_equal(m2m_x509_verify(leaf_pem.data, leaf_pem.len, ca_pem.data,
					     ca_pem.len),
			     M2M_OK);
	assert_int_equal(m2m_x509_verify((const uint8_t *)"x", 1, ca_pem.data, ca_pem.len),
			 M2M_ERR_FORMAT);
	/* Bad specs. */
	leaf_spec.days = 0;
	assert_int_equal(m2m_x509_issue(&leaf_spec, leaf, ca_pem.data, ca_pem.len, ca, &leaf_pem),
			 M2M_ERR_ARG);
	m2m_ec_free(ca);
	m2m_ec_free(leaf);
	m2m_ec_free(other);
	m2m_ec_free(from_cert);
	m2m_buf_free(&ca_pem);
	m2m_buf_free(&leaf_pem);
	m2m_buf_free(&other_pem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pem_round_trip),
		cmocka_unit_test(test_pem_garbage),
		cmocka_unit_test(test_x509_chain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
