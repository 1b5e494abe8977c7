/* Hex encoding and strict decoding; error codes have messages. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/hex.h"

static void test_roundtrip(void **state)
{
	(void)state;
	uint8_t all[256], back[256];
	char hex[513];
	size_t n;
	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	m2m_hex_encode(all, sizeof all, hex);
	assert_int_equal(strlen(hex), 512);
	assert_memory_equal(hex, "000102", 6);
	assert_string_equal(hex + 506, "fdfeff");
	assert_int_equal(m2m_hex_decode(hex, back, sizeof back, &n), M2M_OK);
	assert_int_equal(n, 256);
	assert_memory_equal(all, back, 256);
}

static void test_upper_case_accepted(void **state)
{
	(void)state;
	uint8_t out[4];
	assert_int_equal(m2m_hex_decode_exact("A0B1c2D3", out, 4), M2M_OK);
	const uint8_t want[] = {0xA0, 0xB1, 0xC2, 0xD3};
	assert_memory_equal(out, want, 4);
}

static void test_rejects(void **state)
{
	(void)state;
	uint8_t out[4];
	size_t n;
	assert_int_equal(m2m_hex_decode("abc", out, sizeof out, &n), M2M_ERR_HEX);
	assert_int_equal(m2m_hex_decode("zz", out, sizeof out, &n), M2M_ERR_HEX);
	assert_int_equal(m2m_hex_decode("00 11", out, sizeof out, &n), M2M_ERR_HEX);
	assert_int_equal(m2m_hex_decode("0011223344", out, sizeof out, &n), M2M_ERR_BOUNDS);
	assert_int_equal(m2m_hex_decode(NULL, out, sizeof out, &n), M2M_ERR_ARG);
	assert_int_equal(m2m_hex_decode_exact("0011", out, 3), M2M_ERR_HEX);
	assert_int_equal(m2m_hex_decode("", out, sizeof out, &n), M2M_OK);
	assert_int_equal(n, 0);
}

static void test_buf_variants(void **state)
{
	(void)state;
	m2m_buf b;
	m2m_buf_init(&b);
	assert_int_equal(m2m_hex_decode_buf("0a0B", &b), M2M_OK);
	assert_int_equal(m2m_hex_decode_buf("0g", &b), M2M_ERR_HEX);
	assert_int_equal(b.len, 2);
	assert_int_equal(m2m_hex_append(&b, (const uint8_t *)"\x01\xfe", 2), M2M_OK);
	assert_memory_equal(b.data + 2, "01fe", 4);
	m2m_buf_free(&b);
}

static void test_strerror(void **state)
{
	(void)state;
	for (int e = 0; e < M2M_ERR__COUNT; e++) {
		assert_non_null(m2m_strerror((m2m_err)e));
		assert_string_not_equal(m2m_strerror((m2m_err)e), "unknown error");
	}
	assert_string_equal(m2m_strerror((m2m_err)9999), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_upper_case_accepted),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_buf_variants),
		cmocka_unit_test(test_strerror),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
