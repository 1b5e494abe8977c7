/* Shared by the tests/crypto programs: hex helpers on top of cmocka. Include after cmocka.h. */
#ifndef M2M_TESTS_CRYPTO_TEST_H
#define M2M_TESTS_CRYPTO_TEST_H

#include <ctype.h>
#include <string.h>

#include "core/hex.h"

#define TV_MAX 512

/* Decodes a known-answer hex string into out (capacity cap); returns the byte count. */
static inline size_t tv_hex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;

	assert_int_equal(m2m_hex_decode(hex, out, cap, &n), M2M_OK);
	return n;
}

/* Asserts that got[0..n) equals the hex string want (any case); shows both on mismatch. */
static inline void tv_assert_hex(const uint8_t *got, size_t n, const char *want)
{
	char g[2 * TV_MAX + 1], w[2 * TV_MAX + 1];
	size_t wl = strlen(want);

	assert_true(n <= TV_MAX && wl <= 2 * TV_MAX);
	m2m_hex_encode(got, n, g);
	for (size_t i = 0; i <= wl; i++)
		w[i] = (char)tolower((unsigned char)want[i]);
	assert_string_equal(g, w);
}

#endif
