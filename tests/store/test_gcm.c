/* AES-256-GCM known answers and the sealed-value format of the store. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "core/buf.h"
#include "core/hex.h"
#include "store/store_gcm.h"

static size_t hex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = 0;

	assert_int_equal(m2m_hex_decode(h, out, cap, &n), M2M_OK);
	return n;
}

static bool contains(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
	for (size_t i = 0; i + m <= n; i++)
		if (memcmp(hay + i, needle, m) == 0)
			return true;
	return false;
}

static void assert_hex(const uint8_t *got, size_t n, const char *want)
{
	char g[256];

	assert_true(2 * n < sizeof g);
	m2m_hex_encode(got, n, g);
	assert_string_equal(g, want);
}

/* McGrew and Viega, "The Galois/Counter Mode of Operation (GCM)", revised 2005, appendix B:
 * test cases 13, 14 (zero key, zero IV) and 16 (96-bit IV, 20-byte AAD, 60-byte text). */
static void test_known_answers(void **state)
{
	(void)state;
	uint8_t key[32], iv[12], aad[20], pt[64], ct[64], tag[16], back[64];
	size_t n;

	memset(key, 0, sizeof key);
	memset(iv, 0, sizeof iv);
	assert_int_equal(m2m_store_gcm_encrypt(key, iv, NULL, 0, NULL, 0, NULL, tag), M2M_OK);
	assert_hex(tag, 16, "530f8afbc74536b9a963b4f1c4cb738b");

	memset(pt, 0, 16);
	assert_int_equal(m2m_store_gcm_encrypt(key, iv, NULL, 0, pt, 16, ct, tag), M2M_OK);
	assert_hex(ct, 16, "cea7403d4d606b6e074ec5d3baf39d18");
	assert_hex(tag, 16, "d0d1c8a799996bf0265b98b5d48ab919");

	hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", key, 32);
	hex("cafebabefacedbaddecaf888", iv, 12);
	hex("feedfacedeadbeeffeedfacedeadbeefabaddad2", aad, 20);
	n = hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
		"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
		pt, sizeof pt);
	assert_int_equal(n, 60);
	assert_int_equal(m2m_store_gcm_encrypt(key, iv, aad, 20, pt, n, ct, tag), M2M_OK);
	assert_hex(ct, n, "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
			  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662");
	assert_hex(tag, 16, "76fc6ece0f4e1768cddf8853bb2d551b");

	assert_int_equal(m2m_store_gcm_decrypt(key, iv, aad, 20, ct, n, tag, back), M2M_OK);
	assert_memory_equal(back, pt, n);
	/* Any change in tag, AAD or ciphertext fails, and the output is wiped. */
	tag[15] ^= 1;
	assert_int_equal(m2m_store_gcm_decrypt(key, iv, aad, 20, ct, n, tag, back), M2M_ERR_VERIFY);
	tag[15] ^= 1;
	aad[0] ^= 1;
	assert_int_equal(m2m_store_gcm_decrypt(key, iv, aad, 20, ct, n, tag, back), M2M_ERR_VERIFY);
	aad[0] ^= 1;
	ct[30] ^= 0x80;
	assert_int_equal(m2m_store_gcm_decrypt(key, iv, aad, 20, ct, n, tag, back), M2M_ERR_VERIFY);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(back[i], 0);
}

static void test_seal_round_trip(void **state)
{
	(void)state;
	uint8_t key[32], other[32];
	const uint8_t secret[] = "0123456789abcdef";
	const uint8_t aad[] = "row A", aad_b[] = "row B";
	m2m_buf a, b, out;

	memset(key, 0x11, sizeof key);
	memset(other, 0x12, sizeof other);
	m2m_buf_init(&a);
	m2m_buf_init(&b);
	m2m_buf_init(&out);
	assert_int_equal(m2m_store_seal(key, aad, sizeof aad, secret, 16, &a), M2M_OK);
	assert_int_equal(m2m_store_seal(key, aad, sizeof aad, secret, 16, &b), M2M_OK);
	assert_int_equal(a.len, 16 + M2M_SEAL_OVERHEAD);
	assert_int_equal(a.data[0], M2M_SEAL_VERSION);
	/* Fresh nonces: the same plaintext never seals the same way twice. */
	assert_memory_not_equal(a.data + 1, b.data + 1, 12);
	assert_false(contains(a.data, a.len, secret, 16));

	assert_int_equal(m2m_store_unseal(key, aad, sizeof aad, a.data, a.len, &out), M2M_OK);
	assert_int_equal(out.len, 16);
	assert_memory_equal(out.data, secret, 16);
	m2m_buf_reset(&out);
	assert_int_equal(m2m_store_unseal(other, aad, sizeof aad, a.data, a.len, &out),
			 M2M_ERR_VERIFY);
	assert_int_equal(m2m_store_unseal(key, aad_b, sizeof aad_b, a.data, a.len, &out),
			 M2M_ERR_VERIFY);
	assert_int_equal(out.len, 0);
	/* Malformed: too short, unknown version. */
	assert_int_equal(m2m_store_unseal(key, aad, sizeof aad, a.data, M2M_SEAL_OVERHEAD - 1, &out),
			 M2M_ERR_FORMAT);
	a.data[0] = 2;
	assert_int_equal(m2m_store_unseal(key, aad, sizeof aad, a.data, a.len, &out),
			 M2M_ERR_FORMAT);
	/* Empty plaintext still authenticates. */
	m2m_buf_reset(&b);
	assert_int_equal(m2m_store_seal(key, NULL, 0, NULL, 0, &b), M2M_OK);
	assert_int_equal(b.len, M2M_SEAL_OVERHEAD);
	assert_int_equal(m2m_store_unseal(key, NULL, 0, b.data, b.len, &out), M2M_OK);
	assert_int_equal(out.len, 0);
	m2m_buf_free(&a);
	m2m_buf_free(&b);
	m2m_buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_seal_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
