/* SMS-DELIVER-REPORT (3GPP TS 23.040 9.2.2.1a), the PoR path with SPI2 b6 = 0. The PoR carried
 * is pySim's 3DES "PoR unciphered, CC" vector (osmocom/pysim tests/unittests/test_ota.py at
 * 597f1e0, quoted in shared/spec/sgp02-facts.md 3.1); the TPDU layout around it is the
 * TS 23.040 one: first octet (MTI 00, UDHI), [TP-FCS], TP-PI, TP-PID, TP-DCS, TP-UDL, TP-UD. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "card/sms.h"
#include "core/hex.h"

#define POR_UD "027100001612b0001100000000000000b5bcd6353a421fae016132"

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	assert_int_equal(m2m_hex_decode(hex, out, cap, &n), M2M_OK);
	return n;
}

static void assert_hex(const m2m_buf *b, const char *want)
{
	char got[400];
	assert_true(2 * b->len < sizeof got);
	m2m_hex_encode(b->data, b->len, got);
	assert_string_equal(got, want);
}

static void test_rp_ack_with_por(void **state)
{
	(void)state;
	uint8_t ud[64];
	size_t n = unhex(POR_UD, ud, sizeof ud);
	m2m_sms_report r = {
		.pi = M2M_SMS_PI_PID | M2M_SMS_PI_DCS | M2M_SMS_PI_UDL,
		.pid = M2M_SMS_PID_SIM_DL,
		.dcs = M2M_SMS_DCS_CLASS2_8BIT,
		.udhi = true,
		.ud = ud,
		.ud_len = n,
	};
	m2m_buf out;
	m2m_buf_init(&out);
	assert_int_equal(m2m_sms_report_encode(&r, &out), M2M_OK);
	assert_hex(&out, "40077ff61b" POR_UD);

	m2m_sms_report d;
	assert_int_equal(m2m_sms_report_decode(out.data, out.len, false, &d), M2M_OK);
	assert_false(d.error);
	assert_true(d.udhi);
	assert_int_equal(d.pid, 0x7F);
	assert_int_equal(d.dcs, 0xF6);
	assert_int_equal(d.ud_len, n);
	assert_memory_equal(d.ud, ud, n);
	m2m_buf_free(&out);
}

static void test_rp_error_variant(void **state)
{
	(void)state;
	uint8_t ud[64];
	size_t n = unhex(POR_UD, ud, sizeof ud);
	m2m_sms_report r = {
		.error = true,
		.fcs = 0xD4, /* SIM data download error */
		.pi = M2M_SMS_PI_PID | M2M_SMS_PI_DCS | M2M_SMS_PI_UDL,
		.pid = 0x7F,
		.dcs = 0xF6,
		.udhi = true,
		.ud = ud,
		.ud_len = n,
	};
	m2m_buf out;
	m2m_buf_init(&out);
	assert_int_equal(m2m_sms_report_encode(&r, &out), M2M_OK);
	assert_hex(&out, "40d4077ff61b" POR_UD);
	m2m_sms_report d;
	assert_int_equal(m2m_sms_report_decode(out.data, out.len, true, &d), M2M_OK);
	assert_int_equal(d.fcs, 0xD4);
	assert_int_equal(d.ud_len, n);
	/* Read as an RP-ACK report, the same bytes do not parse to the end. */
	assert_int_not_equal(m2m_sms_report_decode(out.data, out.len, false, &d), M2M_OK);
	m2m_buf_free(&out);
}

static void test_minimal_and_extension(void **state)
{
	(void)state;
	uint8_t b[16];
	m2m_sms_report d;
	size_t n = unhex("0000", b, sizeof b);
	assert_int_equal(m2m_sms_report_decode(b, n, false, &d), M2M_OK);
	assert_int_equal(d.pi, 0);
	assert_int_equal(d.ud_len, 0);
	/* An extension TP-PI octet is skipped. */
	n = unhex("00810040", b, sizeof b);
	assert_int_equal(m2m_sms_report_decode(b, n, false, &d), M2M_OK);
	assert_int_equal(d.pi, M2M_SMS_PI_PID);
	assert_int_equal(d.pid, 0x40);
	/* No TP-DCS: the default alphabet, so UDL counts septets (8 septets = 7 octets). */
	n = unhex("0004" "08" "c8329bfd06dd01", b, sizeof b);
	assert_int_equal(m2m_sms_report_decode(b, n, false, &d), M2M_OK);
	assert_int_equal(d.ud_len, 7);
}

static void test_malformed(void **state)
{
	(void)state;
	static const char *const cases[] = {
		"",                 /* empty */
		"01",               /* an SMS-SUBMIT first octet */
		"40",               /* no TP-PI */
		"40077f",           /* TP-DCS missing */
		"40077ff605027100", /* UD shorter than UDL */
		"40077ff6020271ff", /* trailing byte */
		"4004ff",           /* UDL 255 septets is over 140 octets */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t b[16];
		m2m_sms_report d;
		size_t n = unhex(cases[i], b, sizeof b);
		if (m2m_sms_report_decode(b, n, false, &d) == M2M_OK)
			fail_msg("case %zu (%s) accepted", i, cases[i]);
	}
	m2m_buf out;
	m2m_buf_init(&out);
	m2m_sms_report r = {.pi = M2M_SMS_PI_UDL, .ud_len = 0};
	assert_int_equal(m2m_sms_report_encode(&r, &out), M2M_ERR_UNSUPPORTED); /* 7-bit */
	uint8_t big[141] = {0};
	m2m_sms_report r2 = {.pi = M2M_SMS_PI_DCS | M2M_SMS_PI_UDL, .dcs = 0xF6, .ud = big,
			     .ud_len = sizeof big};
	assert_int_equal(m2m_sms_report_encode(&r2, &out), M2M_ERR_ARG);
	m2m_sms_report r3 = {.pi = 0x08};
	assert_int_equal(m2m_sms_report_encode(&r3, &out), M2M_ERR_ARG);
	assert_int_equal(out.len, 0);
	m2m_buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rp_ack_with_por),
		cmocka_unit_test(test_rp_error_variant),
		cmocka_unit_test(test_minimal_and_extension),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
