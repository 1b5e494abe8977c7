/* BER-TLV decoder, walker and encoder. Real-world inputs: the ETSI TS 102 226 expanded
 * script of a GlobalPlatform Amendment B (SCP81) exchange as quoted in
 * shared/spec/sgp02-facts.md 3.2, GP certificate shapes (SGP.02 2.3.2), and the GSMA TS.48
 * test profile package shared/vectors/saip/TS48v2_SAIP2.3_NoBERTLV.der. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/tlv.h"

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	assert_int_equal(m2m_hex_decode(hex, out, cap, &n), M2M_OK);
	return n;
}

static void test_short_and_long_lengths(void **state)
{
	(void)state;
	uint8_t b[300];
	m2m_tlv t;
	size_t n = unhex("840401020304", b, sizeof b);
	assert_int_equal(m2m_tlv_decode_one(b, n, M2M_TLV_DER, &t, NULL), M2M_OK);
	assert_int_equal(t.tag, 0x84);
	assert_int_equal(t.tag_len, 1);
	assert_false(t.constructed);
	assert_int_equal(t.len, 4);
	assert_int_equal(t.hdr_len, 2);
	assert_int_equal(t.value[3], 0x04);

	/* 82 0100: a 256-byte value with a two-byte length. */
	b[0] = 0x04, b[1] = 0x82, b[2] = 0x01, b[3] = 0x00;
	memset(b + 4, 0x5A, 256);
	assert_int_equal(m2m_tlv_decode_one(b, 260, M2M_TLV_DER, &t, NULL), M2M_OK);
	assert_int_equal(t.len, 256);
	assert_int_equal(t.hdr_len, 4);
	assert_int_equal(t.size, 260);

	/* 81 05 is legal BER, not DER. */
	n = unhex("84810501020304ff", b, sizeof b);
	assert_int_equal(m2m_tlv_decode_one(b, n, M2M_TLV_BER, &t, NULL), M2M_OK);
	assert_int_equal(t.len, 5);
	size_t off = 99;
	assert_int_equal(m2m_tlv_decode_one(b, n, M2M_TLV_DER, &t, &off), M2M_ERR_TLV_LENGTH);
	assert_int_equal(off, 1);
	/* 4-byte length field (84 xx xx xx xx) is the longest accepted. */
	n = unhex("048400000001aa", b, sizeof b);
	assert_int_equal(m2m_tlv_decode_one(b, n, M2M_TLV_BER, &t, NULL), M2M_OK);
	assert_int_equal(t.len, 1);
}

static void test_multibyte_tags(void **state)
{
	(void)state;
	uint8_t b[64];
	m2m_tlv t;
	size_t n = unhex("5f370201029f810101ffbf3000", b, sizeof b);
	m2m_tlv_iter it;
	m2m_tlv_iter_init(&it, b, n, M2M_TLV_DER);
	assert_int_equal(m2m_tlv_next(&it, &t), M2M_OK);
	assert_int_equal(t.tag, 0x5F37);
	assert_int_equal(t.tag_len, 2);
	assert_int_equal(m2m_tlv_next(&it, &t), M2M_OK);
	assert_int_equal(t.tag, 0x9F8101);
	assert_int_equal(t.tag_len, 3);
	assert_int_equal(t.value[0], 0xFF);
	assert_int_equal(m2m_tlv_next(&it, &t), M2M_OK);
	assert_int_equal(t.tag, 0xBF30);
	assert_true(t.constructed);
	assert_int_equal(t.len, 0);
	assert_int_equal(m2m_tlv_next(&it, &t), M2M_END);
}

/* SCP81 server body from the GP Amendment B fixture: AE 80 { 22 05 80CAFF2100 } 00 00. */
static void test_indefinite_script(void **state)
{
	(void)state;
	uint8_t b[64];
	m2m_tlv t, c;
	size_t n = unhex("ae80220580caff21000000", b, sizeof b);
	assert_int_equal(m2m_tlv_decode_one(b, n, M2M_TLV_BER, &t, NULL), M2M_OK);
	assert_int_equal(t.tag, 0xAE);
	assert_true(t.indefinite);
	assert_int_equal(t.hdr_len, 2);
	assert_int_equal(t.len, 7);
	assert_int_equal(t.size, n);
	m2m_tlv_iter it;
	m2m_tlv_iter_children(&it, &t, M2M_TLV_BER);
	assert_int_equal(m2m_tlv_next(&it, &c), M2M_OK);
	assert_int_equal(c.tag, 0x22);
	assert_int_equal(c.len, 5);
	assert_memory_equal(c.value, "\x80\xca\xff\x21\x00", 5);
	assert_int_equal(m2m_tlv_next(&it, &c), M2M_END);

	/* Card reply AF 80 { 80 01 01, 23 04 93059000 } 00 00, nested indefinite inside too. */
	n = unhex("af80800101230493059000ae8022010000000000", b, sizeof b);
	assert_int_equal(m2m_tlv_decode_one(b, n, M2M_TLV_BER, &t, NULL), M2M_OK);
	assert_int_equal(m2m_tlv_validate(b, n, M2M_TLV_BER, NULL), M2M_OK);
	assert_int_equal(m2m_tlv_find(t.value, t.len, M2M_TLV_BER, 0x23, &c), M2M_OK);
	assert_int_equal(c.len, 4);
	assert_int_equal(m2m_tlv_find(t.value, t.len, M2M_TLV_BER, 0x24, &c), M2M_ERR_TLV_NOT_FOUND);
	assert_int_equal(m2m_tlv_decode_one(b, n, M2M_TLV_DER, &t, NULL), M2M_ERR_TLV_INDEF);
}

struct bad_case {
	const char *hex;
	m2m_err err;
	size_t off;
};

static void test_malformed(void **state)
{
	(void)state;
	static const struct bad_case cases[] = {
		{"", M2M_ERR_TLV_TRUNCATED, 0},
		{"5f", M2M_ERR_TLV_TRUNCATED, 1},         /* tag cut */
		{"84", M2M_ERR_TLV_TRUNCATED, 1},         /* no length */
		{"840501020304", M2M_ERR_TLV_OVERRUN, 1}, /* value shorter than length */
		{"848201", M2M_ERR_TLV_TRUNCATED, 3},     /* length bytes cut */
		{"84850000000001aa", M2M_ERR_TLV_LENGTH, 1}, /* 5 length bytes */
		{"84ff", M2M_ERR_TLV_LENGTH, 1},
		{"9f81818101", M2M_ERR_TLV_TAG, 3},       /* 4-byte tag */
		{"9f800100", M2M_ERR_TLV_TAG, 1},         /* leading 80 in a tag */
		{"0000", M2M_ERR_TLV_TAG, 0},             /* end-of-contents outside indefinite */
		{"848000", M2M_ERR_TLV_INDEF, 1},         /* indefinite on a primitive tag */
		{"ae8022010000", M2M_ERR_TLV_INDEF, 5},   /* one 00 where 00 00 is due */
		{"ae80220100", M2M_ERR_TLV_INDEF, 5},
		{"ae802205010203", M2M_ERR_TLV_OVERRUN, 3},
		{"84010000", M2M_ERR_TLV_TRAILING, 3},    /* trailing bytes */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t b[64];
		m2m_tlv t;
		size_t off = 999;
		size_t n = unhex(cases[i].hex, b, sizeof b);
		m2m_err err = m2m_tlv_decode_one(b, n, M2M_TLV_BER, &t, &off);
		if (err != cases[i].err || off != cases[i].off)
			fail_msg("case %zu (%s): got %d at %zu, want %d at %zu", i, cases[i].hex, err,
				 off, cases[i].err, cases[i].off);
	}
}

static void test_depth_limit(void **state)
{
	(void)state;
	/* 40 nested indefinite constructed TLVs: rejected, without deep recursion. */
	uint8_t b[200];
	size_t n = 0;
	for (int i = 0; i < 40; i++)
		b[n++] = 0xAE, b[n++] = 0x80;
	for (int i = 0; i < 40; i++)
		b[n++] = 0x00, b[n++] = 0x00;
	m2m_tlv t;
	assert_int_equal(m2m_tlv_decode(b, n, M2M_TLV_BER, &t, NULL), M2M_ERR_TLV_DEPTH);
	/* 10 levels are fine. */
	n = 0;
	for (int i = 0; i < 10; i++)
		b[n++] = 0xAE, b[n++] = 0x80;
	for (int i = 0; i < 10; i++)
		b[n++] = 0x00, b[n++] = 0x00;
	assert_int_equal(m2m_tlv_decode_one(b, n, M2M_TLV_BER, &t, NULL), M2M_OK);
	assert_int_equal(t.len, 36);
}

static void test_validate_nested(void **state)
{
	(void)state;
	uint8_t b[64];
	size_t off = 0;
	/* E1 03 { 4F 05 ... } : the child runs past its parent. */
	size_t n = unhex("e1034f0501", b, sizeof b);
	assert_int_equal(m2m_tlv_validate(b, n, M2M_TLV_BER, &off), M2M_ERR_TLV_OVERRUN);
	assert_int_equal(off, 3);
	/* Opaque C-APDU content is not parsed as TLVs. */
	n = unhex("aa07220580caff2100", b, sizeof b);
	assert_int_equal(m2m_tlv_validate(b, n, M2M_TLV_BER, &off), M2M_OK);
	/* A sequence with a half TLV at the end. */
	n = unhex("8001018002", b, sizeof b);
	assert_int_equal(m2m_tlv_validate(b, n, M2M_TLV_BER, &off), M2M_ERR_TLV_OVERRUN);
	assert_int_equal(off, 4);
}

static void test_encoder_lengths(void **state)
{
	(void)state;
	static const struct {
		size_t len;
		const char *hex;
	} cases[] = {
		{0, "00"}, {127, "7f"}, {128, "8180"}, {255, "81ff"}, {256, "820100"},
		{65535, "82ffff"}, {65536, "83010000"}, {0x1000000, "8401000000"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		m2m_buf b;
		char hex[16];
		m2m_buf_init(&b);
		assert_int_equal(m2m_tlv_put_len(&b, cases[i].len), M2M_OK);
		m2m_hex_encode(b.data, b.len, hex);
		assert_string_equal(hex, cases[i].hex);
		m2m_buf_free(&b);
	}
}

static void test_encoder_tags(void **state)
{
	(void)state;
	assert_int_equal(m2m_tlv_tag_size(0x84), 1);
	assert_int_equal(m2m_tlv_tag_size(0x5F37), 2);
	assert_int_equal(m2m_tlv_tag_size(0x7F21), 2);
	assert_int_equal(m2m_tlv_tag_size(0xBF30), 2);
	assert_int_equal(m2m_tlv_tag_size(0x9F8101), 3);
	assert_int_equal(m2m_tlv_tag_size(0x1F), 0);     /* needs following bytes */
	assert_int_equal(m2m_tlv_tag_size(0x5F81), 0);   /* unfinished */
	assert_int_equal(m2m_tlv_tag_size(0x4F37), 0);   /* 4F is a one-byte tag */
	assert_int_equal(m2m_tlv_tag_size(0x9F8001), 0); /* leading 80 */
	assert_int_equal(m2m_tlv_tag_size(0x9F818181), 0);
	assert_int_equal(m2m_tlv_tag_size(0), 0);
	m2m_buf b;
	m2m_buf_init(&b);
	assert_int_equal(m2m_tlv_put(&b, 0x1F, "x", 1), M2M_ERR_TLV_TAG);
	assert_int_equal(b.len, 0);
	m2m_buf_free(&b);
}

/* A GP-certificate-shaped structure (7F21 { 93, 5F37 }) built with begin/end and read back. */
static void test_encoder_nested(void **state)
{
	(void)state;
	m2m_buf b;
	size_t mark;
	uint8_t sig[200];
	memset(sig, 0xC3, sizeof sig);
	m2m_buf_init(&b);
	assert_int_equal(m2m_tlv_begin(&b, 0x7F21, &mark), M2M_OK);
	assert_int_equal(m2m_tlv_put_u8(&b, 0x93, 0x01), M2M_OK);
	assert_int_equal(m2m_tlv_put(&b, 0x5F37, sig, sizeof sig), M2M_OK);
	assert_int_equal(m2m_tlv_end(&b, mark), M2M_OK);
	/* 93 01 01 (3) + 5F37 81C8 (4) + 200 = 207 = 81 CF */
	assert_memory_equal(b.data, "\x7f\x21\x81\xcf\x93\x01\x01\x5f\x37\x81\xc8", 11);
	assert_int_equal(b.len, 4 + 207);

	m2m_tlv t, c;
	assert_int_equal(m2m_tlv_decode_one(b.data, b.len, M2M_TLV_DER, &t, NULL), M2M_OK);
	assert_int_equal(t.tag, 0x7F21);
	assert_int_equal(m2m_tlv_find(t.value, t.len, M2M_TLV_DER, 0x5F37, &c), M2M_OK);
	assert_int_equal(c.len, 200);
	assert_memory_equal(c.value, sig, 200);
	m2m_buf_free(&b);

	/* Indefinite form. */
	m2m_buf_init(&b);
	assert_int_equal(m2m_tlv_begin_indef(&b, 0xAE), M2M_OK);
	assert_int_equal(m2m_tlv_put(&b, 0x22, "\x80\xca\xff\x21\x00", 5), M2M_OK);
	assert_int_equal(m2m_tlv_end_indef(&b), M2M_OK);
	char hex[64];
	m2m_hex_encode(b.data, b.len, hex);
	assert_string_equal(hex, "ae80220580caff21000000");
	assert_int_equal(m2m_tlv_begin_indef(&b, 0x84), M2M_ERR_TLV_TAG);
	m2m_buf_free(&b);
}

static void test_dump(void **state)
{
	(void)state;
	uint8_t b[64];
	size_t n = unhex("ae80220580caff210000007f2103930101", b, sizeof b);
	m2m_buf out;
	m2m_buf_init(&out);
	assert_int_equal(m2m_tlv_dump(b, n, M2M_TLV_BER, &out, NULL), M2M_OK);
	assert_string_equal((char *)out.data, "AE (indefinite)\n"
					      "  22 (5): 80caff2100\n"
					      "7F21 (3)\n"
					      "  93 (1): 01\n");
	m2m_buf_reset(&out);
	size_t off = 0;
	n = unhex("7f2103930201", b, sizeof b);
	assert_int_equal(m2m_tlv_dump(b, n, M2M_TLV_BER, &out, &off), M2M_ERR_TLV_OVERRUN);
	assert_int_equal(off, 4);
	assert_int_equal(out.len, 0);
	m2m_buf_free(&out);
}

/* The 30 profile elements of the TS.48 package decode as definite DER TLVs, header (A0)
 * first and end (AA) last, and the whole tree validates. */
static void test_ts48_package(void **state)
{
	(void)state;
	const char *path = M2MRSP_SOURCE_DIR "/../shared/vectors/saip/TS48v2_SAIP2.3_NoBERTLV.der";
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	static uint8_t pkg[64 * 1024];
	size_t n = fread(pkg, 1, sizeof pkg, f);
	fclose(f);
	assert_true(n > 10000);
	m2m_tlv_iter it;
	m2m_tlv t;
	size_t count = 0;
	uint32_t first = 0, last = 0;
	m2m_err err;
	m2m_tlv_iter_init(&it, pkg, n, M2M_TLV_DER);
	while ((err = m2m_tlv_next(&it, &t)) == M2M_OK) {
		if (count++ == 0)
			first = t.tag;
		last = t.tag;
	}
	assert_int_equal(err, M2M_END);
	assert_int_equal(count, 30);
	assert_int_equal(first, 0xA0);
	assert_int_equal(last, 0xAA);
	assert_int_equal(m2m_tlv_validate(pkg, n, M2M_TLV_DER, NULL), M2M_OK);
	/* Cutting the last byte is caught. */
	assert_int_not_equal(m2m_tlv_validate(pkg, n - 1, M2M_TLV_DER, NULL), M2M_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_and_long_lengths),
		cmocka_unit_test(test_multibyte_tags),
		cmocka_unit_test(test_indefinite_script),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_validate_nested),
		cmocka_unit_test(test_encoder_lengths),
		cmocka_unit_test(test_encoder_tags),
		cmocka_unit_test(test_encoder_nested),
		cmocka_unit_test(test_dump),
		cmocka_unit_test(test_ts48_package),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
