/* The RC checksums of TS 102 225 section 5.1.2 against the CRC catalogue check values. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "card/crc.h"

static const uint8_t check_input[] = "123456789";

/* CRC-16/IBM-SDLC (ISO/IEC 13239 FCS-16, alias X-25): check 906E. */
static void test_crc16_check_value(void **state)
{
	(void)state;
	assert_int_equal(m2m_crc16(check_input, 9), 0x906E);
	assert_int_equal(m2m_crc16(NULL, 0), 0x0000); /* FFFF complemented */
	/* A distinct variant (CCITT-FALSE 29B1, KERMIT 2189) would fail here. */
	assert_int_not_equal(m2m_crc16(check_input, 9), 0x29B1);
}

/* CRC-32/ISO-HDLC (zlib): check CBF43926; "The quick brown fox..." = 414FA339. */
static void test_crc32_check_value(void **state)
{
	(void)state;
	static const char fox[] = "The quick brown fox jumps over the lazy dog";
	assert_int_equal(m2m_crc32(check_input, 9), 0xCBF43926u);
	assert_int_equal(m2m_crc32((const uint8_t *)fox, strlen(fox)), 0x414FA339u);
	assert_int_equal(m2m_crc32(NULL, 0), 0);
}

static void test_crc_detects_change(void **state)
{
	(void)state;
	uint8_t buf[9];
	memcpy(buf, check_input, 9);
	buf[4] ^= 0x01;
	assert_int_not_equal(m2m_crc16(buf, 9), 0x906E);
	assert_int_not_equal(m2m_crc32(buf, 9), 0xCBF43926u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc16_check_value),
		cmocka_unit_test(test_crc32_check_value),
		cmocka_unit_test(test_crc_detects_change),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
