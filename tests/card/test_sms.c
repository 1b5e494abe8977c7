/*
 * SMS TPDUs, UDH and concatenation. Known answer: the SMS-DELIVER of osmocom/pysim
 * tests/unittests/test_ota.py @597f1e0398bb81d6832dc92ee4dfdcada59d3d82 (SmsOtaTestCase,
 * "encoded_tpdu"). That test passes tp_udl=3 by hand, so its TP-UDL byte (03) is wrong;
 * the correct UDL is the TP-UD length in octets (8-bit DCS).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "card/sms.h"
#include "core/hex.h"

#define PYSIM_PKT "00201506193535b00011ae733256918d050b87c94fbfe12e4dc402f262c41cf67f2f"
#define PYSIM_TPDU_HEAD "400881214365877ff62270520000000003"
#define FIXED_TPDU_HEAD "400881214365877ff62270520000000025"

static void hexbuf(const char *hex, m2m_buf *b)
{
	m2m_buf_init(b);
	assert_int_equal(m2m_hex_decode_buf(hex, b), M2M_OK);
}

static void assert_hex(const uint8_t *p, size_t n, const char *want)
{
	char *got = malloc(2 * n + 1);
	assert_non_null(got);
	m2m_hex_encode(p, n, got);
	assert_string_equal(got, want);
	free(got);
}

static void test_deliver_pysim_vector(void **state)
{
	(void)state;
	m2m_buf pkt, ud, out, pysim;
	m2m_sms_tpdu t;
	hexbuf(PYSIM_PKT, &pkt);
	hexbuf("027000", &ud);
	assert_int_equal(m2m_buf_append(&ud, pkt.data, pkt.len), M2M_OK);
	memset(&t, 0, sizeof t);
	t.first = 0x00; /* pySim: TP-MMS 0 */
	t.addr.ton_npi = 0x81;
	strcpy(t.addr.digits, "12345678");
	t.pid = M2M_SMS_PID_SIM_DL;
	t.dcs = M2M_SMS_DCS_CLASS2_8BIT;
	assert_int_equal(m2m_hex_decode_exact("22705200000000", t.scts, 7), M2M_OK);
	t.udhi = true;
	t.ud = ud.data;
	t.ud_len = ud.len;
	m2m_buf_init(&out);
	assert_int_equal(m2m_sms_deliver_encode(&t, &out), M2M_OK);
	assert_hex(out.data, out.len, FIXED_TPDU_HEAD "027000" PYSIM_PKT);

	/* Decoding gives the same fields back. */
	m2m_sms_tpdu d;
	m2m_sms_time when;
	assert_int_equal(m2m_sms_deliver_decode(out.data, out.len, &d), M2M_OK);
	assert_true(d.udhi);
	assert_int_equal(d.addr.ton_npi, 0x81);
	assert_string_equal(d.addr.digits, "12345678");
	assert_int_equal(d.pid, 0x7F);
	assert_int_equal(d.dcs, 0xF6);
	assert_int_equal(d.ud_len, ud.len);
	assert_memory_equal(d.ud, ud.data, ud.len);
	assert_int_equal(m2m_sms_scts_decode(d.scts, &when), M2M_OK);
	assert_int_equal(when.year, 22);
	assert_int_equal(when.month, 7);
	assert_int_equal(when.day, 25);
	assert_int_equal(when.tz, 0);

	/* pySim's bytes as published: UDL 3 does not match the 37 octets that follow. */
	hexbuf(PYSIM_TPDU_HEAD "027000" PYSIM_PKT, &pysim);
	assert_int_equal(m2m_sms_deliver_decode(pysim.data, pysim.len, &d), M2M_ERR_FORMAT);
	/* Not a DELIVER. */
	assert_int_equal(m2m_sms_submit_decode(out.data, out.len, &d), M2M_ERR_FORMAT);
	/* Every truncation fails cleanly. */
	for (size_t n = 0; n < out.len; n++)
		assert_int_not_equal(m2m_sms_deliver_decode(out.data, n, &d), M2M_OK);
	m2m_buf_free(&pkt);
	m2m_buf_free(&ud);
	m2m_buf_free(&out);
	m2m_buf_free(&pysim);
}

/* The PoR goes back in an SMS-SUBMIT (SPI2 b6), UDH 02 71 00. */
static void test_submit_roundtrip(void **state)
{
	(void)state;
	m2m_buf ud, out;
	m2m_sms_tpdu t, d;
	hexbuf("027100000e0ab0001100000000000000016132", &ud);
	memset(&t, 0, sizeof t);
	t.mr = 0x07;
	t.addr.ton_npi = 0x91;
	strcpy(t.addr.digits, "491234567");
	t.pid = 0x7F;
	t.dcs = 0xF6;
	t.udhi = true;
	t.ud = ud.data;
	t.ud_len = ud.len;
	m2m_buf_init(&out);
	assert_int_equal(m2m_sms_submit_encode(&t, &out), M2M_OK);
	assert_hex(out.data, out.len,
		   "4107099194214365f77ff613027100000e0ab0001100000000000000016132");
	assert_int_equal(m2m_sms_submit_decode(out.data, out.len, &d), M2M_OK);
	assert_int_equal(d.mr, 7);
	assert_string_equal(d.addr.digits, "491234567");
	assert_int_equal(d.ud_len, ud.len);
	/* With a relative validity period (VPF 10). */
	t.first = 0x10;
	t.vp[0] = 0xA7;
	m2m_buf_reset(&out);
	assert_int_equal(m2m_sms_submit_encode(&t, &out), M2M_OK);
	assert_int_equal(m2m_sms_submit_decode(out.data, out.len, &d), M2M_OK);
	assert_int_equal(d.vp[0], 0xA7);
	assert_int_equal(d.ud_len, ud.len);
	/* 7-bit user data is not what SCP80 sends. */
	t.dcs = 0x00;
	assert_int_equal(m2m_sms_submit_encode(&t, &out), M2M_ERR_UNSUPPORTED);
	m2m_buf_free(&ud);
	m2m_buf_free(&out);
}

static void test_address_and_time(void **state)
{
	(void)state;
	m2m_sms_addr a = {0x91, "123*#"}, b;
	m2m_buf out;
	m2m_rd r;
	m2m_buf_init(&out);
	assert_int_equal(m2m_sms_addr_encode(&a, &out), M2M_OK);
	assert_hex(out.data, out.len, "059121a3fb");
	m2m_rd_init(&r, out.data, out.len);
	assert_int_equal(m2m_sms_addr_decode(&r, &b), M2M_OK);
	assert_string_equal(b.digits, "123*#");
	assert_int_equal(b.ton_npi, 0x91);
	/* A filler before the last semi-octet is malformed. */
	static const uint8_t bad[] = {0x04, 0x91, 0xF1, 0x32};
	m2m_rd_init(&r, bad, sizeof bad);
	assert_int_equal(m2m_sms_addr_decode(&r, &b), M2M_ERR_FORMAT);
	/* More than 20 digits. */
	static const uint8_t many[] = {0x16, 0x91};
	m2m_rd_init(&r, many, sizeof many);
	assert_int_equal(m2m_sms_addr_decode(&r, &b), M2M_ERR_FORMAT);
	strcpy(a.digits, "12x");
	m2m_buf_reset(&out);
	assert_int_equal(m2m_sms_addr_encode(&a, &out), M2M_ERR_ARG);

	/* SCTS: semi-octet swapped, sign of the time zone in bit 3 of the last byte. */
	m2m_sms_time t = {24, 12, 31, 23, 59, 58, -8}, u;
	uint8_t scts[7];
	assert_int_equal(m2m_sms_scts_encode(&t, scts), M2M_OK);
	assert_hex(scts, 7, "42211332958588");
	assert_int_equal(m2m_sms_scts_decode(scts, &u), M2M_OK);
	assert_memory_equal(&t, &u, sizeof t);
	t.month = 13;
	assert_int_equal(m2m_sms_scts_encode(&t, scts), M2M_ERR_ARG);
	scts[0] = 0xA0;
	assert_int_equal(m2m_sms_scts_decode(scts, &u), M2M_ERR_FORMAT);
	m2m_buf_free(&out);
}

static void fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 31 + 7);
}

static void test_segment_sizes(void **state)
{
	(void)state;
	static m2m_buf parts[M2M_SMS_MAX_PARTS];
	uint8_t pkt[2000];
	size_t count;
	fill(pkt, sizeof pkt);
	for (size_t i = 0; i < M2M_SMS_MAX_PARTS; i++)
		m2m_buf_init(&parts[i]);
	/* 137 octets fit one SM with 02 70 00. */
	assert_int_equal(m2m_sms_segment(0x70, pkt, 137, 0x42, false, parts, 255, &count), M2M_OK);
	assert_int_equal(count, 1);
	assert_int_equal(parts[0].len, 140);
	assert_hex(parts[0].data, 3, "027000");
	/* 138: two parts, concatenation element first, CPI in part 1 only (TS 31.115). */
	assert_int_equal(m2m_sms_segment(0x70, pkt, 138, 0x42, false, parts, 255, &count), M2M_OK);
	assert_int_equal(count, 2);
	assert_int_equal(parts[0].len, 140);
	assert_hex(parts[0].data, 8, "0700034202017000");
	assert_memory_equal(parts[0].data + 8, pkt, 132);
	assert_hex(parts[1].data, 6, "050003420202");
	assert_int_equal(parts[1].len, 6 + 6);
	/* 16-bit reference: 131 then 133 octets per part. */
	assert_int_equal(m2m_sms_segment(0x71, pkt, 1000, 0xBEEF, true, parts, 255, &count),
			 M2M_OK);
	assert_int_equal(count, 8); /* 131 + 7 * 133 >= 1000 */
	assert_hex(parts[0].data, 9, "080804beef08017100");
	assert_hex(parts[7].data, 7, "060804beef0808");
	for (size_t i = 0; i < count; i++)
		assert_true(parts[i].len <= M2M_SMS_UD_MAX);
	/* Not enough room for the parts. */
	assert_int_equal(m2m_sms_segment(0x70, pkt, 1000, 1, false, parts, 3, &count),
			 M2M_ERR_BOUNDS);
	for (size_t i = 0; i < M2M_SMS_MAX_PARTS; i++)
		m2m_buf_free(&parts[i]);
}

/* Splits then feeds the parts in `order` (1-based, may repeat). */
static void reassemble(const uint8_t *pkt, size_t n, bool ref16, const size_t *order,
		       size_t norder)
{
	static m2m_buf parts[M2M_SMS_MAX_PARTS];
	static m2m_sms_reasm r;
	size_t count;
	m2m_buf out;
	uint8_t iei = 0;
	bool done = false;
	for (size_t i = 0; i < M2M_SMS_MAX_PARTS; i++)
		m2m_buf_init(&parts[i]);
	m2m_buf_init(&out);
	m2m_sms_reasm_init(&r);
	assert_int_equal(m2m_sms_segment(0x70, pkt, n, 9, ref16, parts, 255, &count), M2M_OK);
	for (size_t i = 0; i < norder; i++) {
		assert_false(done);
		assert_int_equal(m2m_sms_reasm_add(&r, parts[order[i] - 1].data,
						   parts[order[i] - 1].len, &out, &iei, &done),
				 M2M_OK);
	}
	assert_true(done);
	assert_int_equal(iei, 0x70);
	assert_int_equal(out.len, n);
	assert_memory_equal(out.data, pkt, n);
	m2m_sms_reasm_free(&r);
	for (size_t i = 0; i < M2M_SMS_MAX_PARTS; i++)
		m2m_buf_free(&parts[i]);
	m2m_buf_free(&out);
}

static void test_reassembly_orders(void **state)
{
	(void)state;
	uint8_t pkt[1000];
	fill(pkt, sizeof pkt);
	static const size_t single[] = {1};
	reassemble(pkt, 40, false, single, 1);
	static const size_t three[] = {3, 1, 1, 2}; /* out of order, with a duplicate */
	reassemble(pkt, 300, false, three, 4);
	reassemble(pkt, 300, true, three, 4);
	static const size_t eight[] = {8, 7, 6, 5, 4, 3, 2, 2, 1};
	reassemble(pkt, 1000, true, eight, 9);
}

static void test_reassembly_errors(void **state)
{
	(void)state;
	static m2m_sms_reasm r;
	m2m_buf out, p1, p2, p3, other;
	uint8_t iei, missing[4];
	bool done;
	m2m_buf_init(&out);
	m2m_sms_reasm_init(&r);
	/* njiwa's order (CPI before the concatenation element) is accepted too. */
	hexbuf("0770000003050301" "aaaa", &p1);
	hexbuf("0500030503" "02" "bbbb", &p2);
	hexbuf("0500030503" "03" "cc", &p3);
	assert_int_equal(m2m_sms_reasm_add(&r, p1.data, p1.len, &out, &iei, &done), M2M_OK);
	assert_int_equal(m2m_sms_reasm_add(&r, p3.data, p3.len, &out, &iei, &done), M2M_OK);
	assert_false(done);
	assert_int_equal(m2m_sms_reasm_add(&r, p3.data, p3.len, &out, &iei, &done), M2M_OK);
	assert_int_equal(r.duplicates, 1);
	/* The missing part is reported. */
	assert_int_equal(m2m_sms_reasm_missing(&r, missing, 4), 1);
	assert_int_equal(missing[0], 2);
	/* A part of another message while this one is pending. */
	hexbuf("0500030603" "02" "dd", &other);
	assert_int_equal(m2m_sms_reasm_add(&r, other.data, other.len, &out, &iei, &done),
			 M2M_ERR_STATE);
	assert_int_equal(m2m_sms_reasm_add(&r, p2.data, p2.len, &out, &iei, &done), M2M_OK);
	assert_true(done);
	assert_int_equal(iei, 0x70);
	assert_hex(out.data, out.len, "aaaabbbbcc");
	assert_int_equal(m2m_sms_reasm_missing(&r, missing, 4), 0);
	/* Malformed UDHs. */
	static const char *const bad[] = {
		"",                  /* no UDHL */
		"05000305",          /* UDHL past the end */
		"0300050102",        /* IE length past the UDH */
		"050003050300",      /* sequence 0 */
		"050003050304",      /* sequence above total */
		"0400020503",         /* concatenation element of the wrong length */
		"00aabb",            /* no packet identifier at all */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		m2m_buf b;
		hexbuf(bad[i], &b);
		m2m_sms_reasm_free(&r);
		assert_int_not_equal(m2m_sms_reasm_add(&r, b.data, b.len, &out, &iei, &done), M2M_OK);
		m2m_buf_free(&b);
	}
	m2m_sms_reasm_free(&r);
	m2m_buf_free(&out);
	m2m_buf_free(&p1);
	m2m_buf_free(&p2);
	m2m_buf_free(&p3);
	m2m_buf_free(&other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deliver_pysim_vector),
		cmocka_unit_test(test_submit_roundtrip),
		cmocka_unit_test(test_address_and_time),
		cmocka_unit_test(test_segment_sizes),
		cmocka_unit_test(test_reassembly_orders),
		cmocka_unit_test(test_reassembly_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
