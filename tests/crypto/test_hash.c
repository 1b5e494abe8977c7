/* SHA-256 against FIPS 180-2 Appendix B, constant-time comparison and the CSPRNG. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "crypto/hash.h"
#include "crypto_test.h"

/* FIPS 180-2 Appendix B.1 ("abc") and B.2 (the 448-bit message); SHA-256 of the empty
 * string (NIST CAVP SHA256ShortMsg.rsp Len = 0). */
static void fips180_2_b1_b2_sha256(void **state)
{
	static const char m2[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	uint8_t d[32];

	(void)state;
	assert_int_equal(m2m_sha256((const uint8_t *)"abc", 3, d), M2M_OK);
	tv_assert_hex(d, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(m2m_sha256((const uint8_t *)m2, strlen(m2), d), M2M_OK);
	tv_assert_hex(d, 32, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	assert_int_equal(m2m_sha256(NULL, 0, d), M2M_OK);
	tv_assert_hex(d, 32, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_int_equal(m2m_sha256(NULL, 1, d), M2M_ERR_ARG);
	assert_int_equal(m2m_sha256((const uint8_t *)"abc", 3, NULL), M2M_ERR_ARG);
}

static void ct_equal(void **state)
{
	uint8_t a[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, b[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	(void)state;
	assert_true(m2m_ct_equal(a, b, 8));
	b[7] ^= 1;
	assert_false(m2m_ct_equal(a, b, 8));
	assert_true(m2m_ct_equal(a, b, 7));
	assert_true(m2m_ct_equal(NULL, NULL, 0));
	assert_false(m2m_ct_equal(NULL, b, 8));
}

static void random_bytes(void **state)
{
	uint8_t a[32] = { 0 }, b[32] = { 0 };

	(void)state;
	assert_int_equal(m2m_random(a, sizeof(a)), M2M_OK);
	assert_int_equal(m2m_random(b, sizeof(b)), M2M_OK);
	assert_memory_not_equal(a, b, sizeof(a));
	assert_int_equal(m2m_random(NULL, 0), M2M_OK);
	assert_int_equal(m2m_random(NULL, 4), M2M_ERR_ARG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fips180_2_b1_b2_sha256),
		cmocka_unit_test(ct_equal),
		cmocka_unit_test(random_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
