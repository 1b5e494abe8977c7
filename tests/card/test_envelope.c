/*
 * ENVELOPE (SMS-PP DOWNLOAD). The TPDU inside is the SMS-DELIVER of osmocom/pysim
 * tests/unittests/test_ota.py @597f1e0 (3DES-SJA5-CIPHERED-CC), with its UDL corrected to 25;
 * the D1 layout is the one pySim-smpp2sim sends to a card: D1 { 82 02 83 81, 06 addr, 8B tpdu }.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "card/envelope.h"
#include "core/hex.h"

#define TPDU "400881214365877ff62270520000000025027000" \
	     "00201506193535b00011ae733256918d050b87c94fbfe12e4dc402f262c41cf67f2f"

static void hexbuf(const char *hex, m2m_buf *b)
{
	m2m_buf_init(b);
	assert_int_equal(m2m_hex_decode_buf(hex, b), M2M_OK);
}

static void assert_hex(const m2m_buf *b, const char *want)
{
	char *got = malloc(2 * b->len + 1);
	assert_non_null(got);
	m2m_hex_encode(b->data, b->len, got);
	assert_string_equal(got, want);
	free(got);
}

static void test_envelope_known_answer(void **state)
{
	(void)state;
	m2m_buf tpdu, out;
	m2m_envelope_sms_pp e, d;
	hexbuf(TPDU, &tpdu);
	assert_int_equal(tpdu.len, 0x36);
	memset(&e, 0, sizeof e);
	e.src = M2M_ENV_DEV_NETWORK;
	e.dst = M2M_ENV_DEV_UICC;
	e.tpdu = tpdu.data;
	e.tpdu_len = tpdu.len;
	m2m_buf_init(&out);
	assert_int_equal(m2m_envelope_sms_pp_encode(&e, &out), M2M_OK);
	assert_hex(&out, "d13c820283818b36" TPDU);
	/* With the service centre address: TON/NPI and BCD, no digit count. */
	e.has_smsc = true;
	e.smsc.ton_npi = 0x91;
	strcpy(e.smsc.digits, "12345");
	m2m_buf_reset(&out);
	assert_int_equal(m2m_envelope_sms_pp_encode(&e, &out), M2M_OK);
	assert_hex(&out, "d14282028381" "0604912143f5" "8b36" TPDU);
	assert_int_equal(m2m_envelope_sms_pp_decode(out.data, out.len, &d), M2M_OK);
	assert_int_equal(d.src, 0x83);
	assert_int_equal(d.dst, 0x81);
	assert_true(d.has_smsc);
	assert_string_equal(d.smsc.digits, "12345");
	assert_int_equal(d.tpdu_len, tpdu.len);
	assert_memory_equal(d.tpdu, tpdu.data, tpdu.len);
	/* The command APDU. */
	m2m_buf_reset(&out);
	assert_int_equal(m2m_envelope_apdu(&e, &out), M2M_OK);
	assert_int_equal(out.len, 5 + 0x44);
	assert_memory_equal(out.data, "\x80\xC2\x00\x00\x44\xD1\x42", 7);
	m2m_buf_free(&tpdu);
	m2m_buf_free(&out);
}

static void test_envelope_long_and_lenient(void **state)
{
	(void)state;
	uint8_t big[170];
	m2m_envelope_sms_pp e, d;
	m2m_buf out, b;
	memset(big, 0x5A, sizeof big);
	memset(&e, 0, sizeof e);
	e.src = 0x83;
	e.dst = 0x81;
	e.tpdu = big;
	e.tpdu_len = sizeof big;
	m2m_buf_init(&out);
	assert_int_equal(m2m_envelope_sms_pp_encode(&e, &out), M2M_OK);
	assert_memory_equal(out.data, "\xD1\x81\xB1\x82\x02\x83\x81\x8B\x81\xAA", 10);
	assert_int_equal(m2m_envelope_sms_pp_decode(out.data, out.len, &d), M2M_OK);
	assert_int_equal(d.tpdu_len, sizeof big);
	/* Without comprehension-required bits, and with an unknown object in between. */
	hexbuf("d10d020283811f0100" "0b0401020304", &b);
	b.data[6] = 0x2B; /* an unknown one-byte tag instead of 1f */
	b.data[7] = 0x01;
	b.data[8] = 0x00;
	assert_int_equal(m2m_envelope_sms_pp_decode(b.data, b.len, &d), M2M_OK);
	assert_int_equal(d.tpdu_len, 4);
	assert_false(d.has_smsc);
	m2m_buf_free(&b);
	/* Malformed: missing TPDU, missing device identities, wrong tag, trailing, truncated. */
	static const char *const bad[] = {
		"d10482028381", "d1048b020000", "d006820283818b00", "d10482028381ff",
		"d1088202838181", "", "d1038202838b",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		hexbuf(bad[i], &b);
		assert_int_not_equal(m2m_envelope_sms_pp_decode(b.data, b.len, &d), M2M_OK);
		m2m_buf_free(&b);
	}
	for (size_t n = 0; n < out.len; n++)
		assert_int_not_equal(m2m_envelope_sms_pp_decode(out.data, n, &d), M2M_OK);
	/* An APDU cannot carry more than 255 bytes. */
	uint8_t huge[300] = {0};
	e.tpdu = huge;
	e.tpdu_len = sizeof huge;
	m2m_buf_reset(&out);
	assert_int_equal(m2m_envelope_apdu(&e, &out), M2M_ERR_BOUNDS);
	e.tpdu_len = 0;
	assert_int_equal(m2m_envelope_sms_pp_encode(&e, &out), M2M_ERR_ARG);
	m2m_buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_envelope_known_answer),
		cmocka_unit_test(test_envelope_long_and_lenient),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
