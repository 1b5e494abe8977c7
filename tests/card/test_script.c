/* ETSI TS 102 226 remote command scripts, expanded and compact formats. Real-world inputs:
 * the SCP81 bodies quoted in shared/spec/sgp02-facts.md 3.2 (server body
 * ae80220580caff21000000, card reply af80800101230493059000 0000), the notification
 * confirmation seen in plain SMS from a deployed SM-SR (shared/spec/sgp02-bearers.md 1.5:
 * AA 0F 22 0D 80E28900 07 3A08 04 4E02 <seq> 00), and the compact PoR data of pySim's
 * test_ota.py (AES case: 1 command executed, SW 6132). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "card/script.h"
#include "core/hex.h"

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	assert_int_equal(m2m_hex_decode(hex, out, cap, &n), M2M_OK);
	return n;
}

static void assert_hex(const m2m_buf *b, const char *want)
{
	char got[512];
	assert_true(b->len * 2 < sizeof got);
	m2m_hex_encode(b->data, b->len, got);
	assert_string_equal(got, want);
}

static const uint8_t select_mf[] = {0x00, 0xA4, 0x00, 0x04, 0x02, 0x3F, 0x00};
static const uint8_t get_data[] = {0x80, 0xCA, 0xFF, 0x21, 0x00};

static void test_build_indefinite_matches_scp81_body(void **state)
{
	(void)state;
	m2m_buf out;
	m2m_script_builder sb;
	m2m_buf_init(&out);
	assert_int_equal(m2m_script_begin(&sb, &out, true, M2M_CHAIN_NONE), M2M_OK);
	assert_int_equal(m2m_script_add_capdu(&sb, get_data, sizeof get_data), M2M_OK);
	assert_int_equal(m2m_script_end(&sb), M2M_OK);
	assert_hex(&out, "ae80220580caff21000000");
	m2m_buf_free(&out);
}

static void test_build_definite_with_chaining(void **state)
{
	(void)state;
	m2m_buf out;
	m2m_script_builder sb;
	m2m_buf_init(&out);
	assert_int_equal(m2m_script_begin(&sb, &out, false, M2M_CHAIN_FIRST_KEEP), M2M_OK);
	assert_int_equal(m2m_script_add_capdu(&sb, get_data, sizeof get_data), M2M_OK);
	assert_int_equal(m2m_script_add_capdu(&sb, select_mf, sizeof select_mf), M2M_OK);
	assert_int_equal(m2m_script_add_immediate(&sb, (const uint8_t *)"\x01", 1), M2M_OK);
	assert_int_equal(m2m_script_end(&sb), M2M_OK);
	/* 83 01 11 | 22 05 ... | 22 07 ... | 81 01 01 = 3 + 7 + 9 + 3 = 22 = 0x16 */
	assert_hex(&out, "aa16830111220580caff21002207" "00a40004023f00" "810101");
	assert_int_equal(m2m_script_end(&sb), M2M_ERR_STATE);
	m2m_buf_free(&out);
}

static void test_build_rolls_back(void **state)
{
	(void)state;
	m2m_buf out;
	m2m_script_builder sb;
	m2m_buf_init(&out);
	assert_int_equal(m2m_buf_append(&out, "\x02\x70\x00", 3), M2M_OK);
	assert_int_equal(m2m_script_begin(&sb, &out, false, M2M_CHAIN_NONE), M2M_OK);
	assert_int_equal(m2m_script_add_capdu(&sb, get_data, sizeof get_data), M2M_OK);
	assert_int_equal(m2m_script_add_capdu(&sb, get_data, 3), M2M_ERR_ARG); /* not an APDU */
	assert_int_equal(out.len, 3); /* only what was there before */
	assert_int_equal(m2m_script_add_capdu(&sb, get_data, sizeof get_data), M2M_ERR_STATE);
	assert_int_equal(m2m_script_begin(&sb, &out, false, (m2m_script_chain)0x05), M2M_ERR_ARG);
	m2m_buf_free(&out);
}

static void test_read_notification_confirmation(void **state)
{
	(void)state;
	uint8_t b[64];
	size_t n = unhex("aa0f220d80e28900073a08044e02000100", b, sizeof b);
	m2m_script_reader r;
	m2m_script_item it;
	assert_int_equal(m2m_script_open(&r, b, n), M2M_OK);
	assert_false(r.indefinite);
	assert_int_equal(r.chain, M2M_CHAIN_NONE);
	assert_int_equal(m2m_script_next(&r, &it), M2M_OK);
	assert_int_equal(it.type, M2M_SCRIPT_ITEM_CAPDU);
	assert_int_equal(it.len, 13);
	assert_memory_equal(it.data, "\x80\xe2\x89\x00\x07\x3a\x08", 7);
	assert_int_equal(m2m_script_next(&r, &it), M2M_END);
	assert_int_equal(r.index, 1);
}

static void test_read_roundtrip_indefinite_chained(void **state)
{
	(void)state;
	m2m_buf out;
	m2m_script_builder sb;
	m2m_buf_init(&out);
	assert_int_equal(m2m_script_begin(&sb, &out, true, M2M_CHAIN_LAST), M2M_OK);
	assert_int_equal(m2m_script_add_capdu(&sb, select_mf, sizeof select_mf), M2M_OK);
	assert_int_equal(m2m_script_add_error_action(&sb, NULL, 0), M2M_OK);
	assert_int_equal(m2m_script_add_capdu(&sb, get_data, sizeof get_data), M2M_OK);
	assert_int_equal(m2m_script_end(&sb), M2M_OK);

	m2m_script_reader r;
	m2m_script_item it;
	assert_int_equal(m2m_script_open(&r, out.data, out.len), M2M_OK);
	assert_true(r.indefinite);
	assert_int_equal(r.chain, M2M_CHAIN_LAST);
	assert_int_equal(m2m_script_next(&r, &it), M2M_OK);
	assert_int_equal(it.type, M2M_SCRIPT_ITEM_CAPDU);
	assert_memory_equal(it.data, select_mf, sizeof select_mf);
	assert_int_equal(m2m_script_next(&r, &it), M2M_OK);
	assert_int_equal(it.type, M2M_SCRIPT_ITEM_ERROR_ACTION);
	assert_int_equal(it.len, 0);
	assert_int_equal(m2m_script_next(&r, &it), M2M_OK);
	assert_memory_equal(it.data, get_data, sizeof get_data);
	assert_int_equal(m2m_script_next(&r, &it), M2M_END);
	m2m_buf_free(&out);
}

static void test_read_bare_capdus(void **state)
{
	(void)state;
	uint8_t b[64];
	size_t n = unhex("220580caff2100220700a40004023f00", b, sizeof b);
	m2m_script_reader r;
	m2m_script_item it;
	assert_int_equal(m2m_script_open(&r, b, n), M2M_OK);
	assert_int_equal(m2m_script_next(&r, &it), M2M_OK);
	assert_int_equal(m2m_script_next(&r, &it), M2M_OK);
	assert_int_equal(it.len, 7);
	assert_int_equal(m2m_script_next(&r, &it), M2M_END);
}

static void test_read_bad_format(void **state)
{
	(void)state;
	static const struct {
		const char *hex;
		bool at_open;
		m2m_script_bad_format why;
	} cases[] = {
		{"aa03840100", false, M2M_BAD_FORMAT_UNKNOWN_TAG},
		{"ab03800101", true, M2M_BAD_FORMAT_UNKNOWN_TAG},   /* a response is no command */
		{"aa0a220580caff2100830101", false, M2M_BAD_FORMAT_CHAINING}, /* chaining not first */
		{"aa03830105", true, M2M_BAD_FORMAT_CHAINING},     /* chaining value */
		{"aa0483020101", true, M2M_BAD_FORMAT_CHAINING},   /* chaining length */
		{"aa0722058000", true, M2M_BAD_FORMAT_LENGTH},     /* template overruns */
		{"aa05220380ca00", false, M2M_BAD_FORMAT_LENGTH},  /* C-APDU of 3 bytes */
		{"aa0322018000", true, M2M_BAD_FORMAT_LENGTH},     /* trailing byte */
		{"ae80220580caff2100", true, M2M_BAD_FORMAT_LENGTH}, /* no 00 00 */
		{"aa028100", false, M2M_BAD_FORMAT_LENGTH},        /* empty immediate action */
		{"ae8000", true, M2M_BAD_FORMAT_LENGTH},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t b[64];
		size_t n = unhex(cases[i].hex, b, sizeof b);
		m2m_script_reader r;
		m2m_script_item it;
		m2m_err err = m2m_script_open(&r, b, n);
		if (!cases[i].at_open) {
			assert_int_equal(err, M2M_OK);
			while ((err = m2m_script_next(&r, &it)) == M2M_OK)
				;
		}
		if (err != M2M_ERR_FORMAT || r.bad_format != cases[i].why)
			fail_msg("case %zu (%s): err %d bad_format %d", i, cases[i].hex, err,
				 r.bad_format);
	}
	m2m_script_reader r;
	assert_int_equal(m2m_script_open(&r, NULL, 0), M2M_ERR_FORMAT);
}

static void test_response_scp81_reply(void **state)
{
	(void)state;
	uint8_t b[64];
	size_t n = unhex("af808001012304930590000000", b, sizeof b);
	m2m_script_response resp;
	const uint8_t *rapdu;
	size_t len;
	assert_int_equal(m2m_script_response_open(&resp, b, n), M2M_OK);
	assert_true(resp.indefinite);
	assert_int_equal(resp.executed, 1);
	assert_int_equal(resp.bad_format, M2M_BAD_FORMAT_NONE);
	assert_int_equal(m2m_script_response_next(&resp, &rapdu, &len), M2M_OK);
	assert_int_equal(len, 4);
	assert_memory_equal(rapdu, "\x93\x05\x90\x00", 4);
	assert_int_equal(m2m_script_response_next(&resp, &rapdu, &len), M2M_END);
}

static void test_response_roundtrip(void **state)
{
	(void)state;
	const uint8_t r1[] = {0x90, 0x00};
	const uint8_t r2[] = {0x01, 0x02, 0x03, 0x6A, 0x82};
	const uint8_t *rapdus[] = {r1, r2};
	const size_t lens[] = {sizeof r1, sizeof r2};
	m2m_buf out;
	m2m_buf_init(&out);
	assert_int_equal(m2m_script_response_build(&out, false, 2, rapdus, lens, 2,
						   M2M_BAD_FORMAT_NONE), M2M_OK);
	assert_hex(&out, "ab0e800102230290002305010203" "6a82");
	m2m_script_response resp;
	const uint8_t *rapdu;
	size_t len;
	assert_int_equal(m2m_script_response_open(&resp, out.data, out.len), M2M_OK);
	assert_int_equal(resp.executed, 2);
	assert_int_equal(m2m_script_response_next(&resp, &rapdu, &len), M2M_OK);
	assert_int_equal(m2m_script_response_next(&resp, &rapdu, &len), M2M_OK);
	assert_memory_equal(rapdu, r2, sizeof r2);
	assert_int_equal(m2m_script_response_next(&resp, &rapdu, &len), M2M_END);

	/* A bad-format answer: nothing executed. */
	m2m_buf_reset(&out);
	assert_int_equal(m2m_script_response_build(&out, true, 0, NULL, NULL, 0,
						   M2M_BAD_FORMAT_UNKNOWN_TAG), M2M_OK);
	assert_hex(&out, "af808001009001010000");
	assert_int_equal(m2m_script_response_open(&resp, out.data, out.len), M2M_OK);
	assert_int_equal(resp.bad_format, M2M_BAD_FORMAT_UNKNOWN_TAG);
	/* An R-APDU without a status word is refused and nothing is written. */
	const size_t short_len[] = {1};
	m2m_buf_reset(&out);
	assert_int_equal(m2m_script_response_build(&out, false, 1, rapdus, short_len, 1,
						   M2M_BAD_FORMAT_NONE), M2M_ERR_ARG);
	assert_int_equal(out.len, 0);
	m2m_buf_free(&out);
}

static void test_response_malformed(void **state)
{
	(void)state;
	static const char *const cases[] = {
		"ab0423029000",       /* no executed count */
		"ab06800101240190",   /* unknown tag */
		"ab0580010123",       /* truncated */
		"aa03800101",         /* a command template */
		"ab038001010000",     /* trailing bytes */
		"ab0780010123019000", /* R-APDU of one byte */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t b[64];
		size_t n = unhex(cases[i], b, sizeof b);
		m2m_script_response resp;
		if (m2m_script_response_open(&resp, b, n) != M2M_ERR_FORMAT)
			fail_msg("case %zu (%s) accepted", i, cases[i]);
	}
}

static void test_compact(void **state)
{
	(void)state;
	uint8_t b[64];
	/* SELECT MF (case 3), READ BINARY 16 bytes (case 2), VERIFY without data (P3 = 0). */
	size_t n = unhex("00a40004023f00" "00b0000010" "0020000100", b, sizeof b);
	m2m_script_compact_reader r;
	const uint8_t *apdu;
	size_t len;
	m2m_script_compact_open(&r, b, n);
	assert_int_equal(m2m_script_compact_next(&r, &apdu, &len), M2M_OK);
	assert_int_equal(len, 7);
	assert_memory_equal(apdu, select_mf, 7);
	assert_int_equal(m2m_script_compact_next(&r, &apdu, &len), M2M_OK);
	assert_int_equal(len, 5);
	assert_int_equal(apdu[1], 0xB0);
	assert_int_equal(m2m_script_compact_next(&r, &apdu, &len), M2M_OK);
	assert_int_equal(len, 5);
	assert_int_equal(m2m_script_compact_next(&r, &apdu, &len), M2M_END);

	n = unhex("00a40004023f", b, sizeof b); /* data cut */
	m2m_script_compact_open(&r, b, n);
	assert_int_equal(m2m_script_compact_next(&r, &apdu, &len), M2M_ERR_FORMAT);
	n = unhex("00a400", b, sizeof b); /* header cut */
	m2m_script_compact_open(&r, b, n);
	assert_int_equal(m2m_script_compact_next(&r, &apdu, &len), M2M_ERR_FORMAT);
}

static void test_compact_response_pysim(void **state)
{
	(void)state;
	uint8_t b[8];
	size_t n = unhex("016132", b, sizeof b);
	uint8_t executed;
	uint16_t sw;
	const uint8_t *data;
	size_t len;
	assert_int_equal(m2m_script_compact_response_parse(b, n, &executed, &sw, &data, &len),
			 M2M_OK);
	assert_int_equal(executed, 1);
	assert_int_equal(sw, 0x6132);
	assert_int_equal(len, 0);
	assert_int_equal(m2m_script_compact_response_parse(b, 2, &executed, &sw, &data, &len),
			 M2M_ERR_FORMAT);

	m2m_buf out;
	m2m_buf_init(&out);
	assert_int_equal(m2m_script_compact_response_build(&out, 1, 0x6132, NULL, 0), M2M_OK);
	assert_hex(&out, "016132");
	assert_int_equal(m2m_script_compact_response_build(&out, 2, 0x9000,
							   (const uint8_t *)"\xab", 1), M2M_OK);
	assert_hex(&out, "016132029000ab");
	m2m_buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_indefinite_matches_scp81_body),
		cmocka_unit_test(test_build_definite_with_chaining),
		cmocka_unit_test(test_build_rolls_back),
		cmocka_unit_test(test_read_notification_confirmation),
		cmocka_unit_test(test_read_roundtrip_indefinite_chained),
		cmocka_unit_test(test_read_bare_capdus),
		cmocka_unit_test(test_read_bad_format),
		cmocka_unit_test(test_response_scp81_reply),
		cmocka_unit_test(test_response_roundtrip),
		cmocka_unit_test(test_response_malformed),
		cmocka_unit_test(test_compact),
		cmocka_unit_test(test_compact_response_pysim),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
