/* SAIP element and package codec on the GSMA TS.48 test profiles (shared/vectors/saip/):
 * byte-identical round trips, element order, header fields, and errors that name the
 * element (index, offset, type) for truncated, mistagged and trailing input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/hex.h"
#include "saip/saip.h"

#define VEC M2MRSP_SOURCE_DIR "/../shared/vectors/saip/"
#define V1 VEC "TS48v1_A.der"
#define V2 VEC "TS48v2_SAIP2.3_NoBERTLV.der"
#define V5 VEC "TS48v5_SAIP2.3_BERTLV_SUCI.der"

static void load(const char *path, m2m_buf *b)
{
	m2m_buf_init(b);
	assert_int_equal(m2m_saip_read_file(path, b), M2M_OK);
	assert_true(b->len > 1000);
}

static void decode_ok(const m2m_buf *b, m2m_saip_pkg *pkg)
{
	m2m_saip_error err;
	m2m_saip_pkg_init(pkg);
	m2m_err rc = m2m_saip_decode(b->data, b->len, pkg, &err);
	if (rc != M2M_OK)
		fail_msg("element %zu (%s) at %zu: %s", err.index, err.type, err.offset, err.msg);
}

/* Decodes a package that must fail; returns the error code and fills err. */
static m2m_err decode_bad(const uint8_t *p, size_t n, m2m_saip_error *err)
{
	m2m_saip_pkg pkg;
	m2m_saip_pkg_init(&pkg);
	m2m_err rc = m2m_saip_decode(p, n, &pkg, err);
	m2m_saip_pkg_free(&pkg);
	assert_int_not_equal(rc, M2M_OK);
	return rc;
}

struct expect {
	const char *path;
	size_t count;
	long major, minor;
};

/* Every package re-encodes to the very same bytes; each declares SAIP 2.x. */
static void test_round_trip(void **state)
{
	(void)state;
	static const struct expect ex[] = {
		{V1, 28, 2, 1},
		{V2, 30, 2, 3},
		{V5, 30, 2, 3},
	};
	for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
		m2m_buf in, out;
		m2m_saip_pkg pkg;
		load(ex[i].path, &in);
		m2m_buf_init(&out);
		decode_ok(&in, &pkg);
		assert_int_equal(pkg.count, ex[i].count);
		const ProfileHeader_t *h = &pkg.el[0].pe->choice.header;
		assert_int_equal(pkg.el[0].pe->present, ProfileElement_PR_header);
		assert_int_equal(h->major_version, ex[i].major);
		assert_int_equal(h->minor_version, ex[i].minor);
		/* Elements tile the package. */
		size_t at = 0;
		for (size_t k = 0; k < pkg.count; k++) {
			assert_int_equal(pkg.el[k].offset, at);
			at += pkg.el[k].len;
		}
		assert_int_equal(at, in.len);
		assert_int_equal(m2m_saip_encode(&pkg, &out), M2M_OK);
		assert_int_equal(out.len, in.len);
		assert_memory_equal(out.data, in.data, in.len);
		m2m_saip_pkg_free(&pkg);
		m2m_buf_free(&in);
		m2m_buf_free(&out);
	}
}

static void test_types_in_order(void **state)
{
	(void)state;
	static const char *const want[] = {
		"header", "mf", "pukCodes", "pinCodes", "telecom", "pinCodes",
		"genericFileManagement", "usim", "opt-usim", "pinCodes", "akaParameter",
		"gsm-access", "df-5gs", "df-saip", "csim", "opt-csim", "pinCodes", "cdmaParameter",
		"isim", "opt-isim", "pinCodes", "akaParameter", "genericFileManagement",
		"genericFileManagement", "securityDomain", "rfm", "rfm", "rfm", "rfm", "end",
	};
	m2m_buf in;
	m2m_saip_pkg pkg;
	load(V2, &in);
	decode_ok(&in, &pkg);
	assert_int_equal(pkg.count, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < pkg.count; i++)
		assert_string_equal(m2m_saip_pe_type(pkg.el[i].pe), want[i]);
	assert_string_equal(m2m_saip_pe_type(NULL), "unknown");
	m2m_saip_pkg_free(&pkg);
	m2m_buf_free(&in);
}

static void test_header_iccid(void **state)
{
	(void)state;
	static const uint8_t iccid[10] = {0x89, 0x00, 0x01, 0x23, 0x45,
					  0x67, 0x89, 0x01, 0x23, 0x41};
	static const char type[] = "GSMA Generic eUICC Test Profile";
	const char *paths[] = {V1, V2, V5};
	for (size_t i = 0; i < 3; i++) {
		m2m_buf in;
		m2m_saip_pkg pkg;
		load(paths[i], &in);
		decode_ok(&in, &pkg);
		const ProfileHeader_t *h = &pkg.el[0].pe->choice.header;
		assert_int_equal(h->iccid.size, 10);
		assert_memory_equal(h->iccid.buf, iccid, 10);
		assert_non_null(h->profileType);
		assert_int_equal(h->profileType->size, strlen(type));
		assert_memory_equal(h->profileType->buf, type, strlen(type));
		m2m_saip_pkg_free(&pkg);
		m2m_buf_free(&in);
	}
}

/* Every cut inside element k fails naming element k; a cut between elements decodes. */
static void cut_each_byte(const m2m_buf *in, const m2m_saip_pkg *full, size_t k)
{
	const m2m_saip_element *e = &full->el[k];
	const char *type = m2m_saip_pe_type(e->pe);
	for (size_t cut = e->offset + 1; cut < e->offset + e->len; cut++) {
		m2m_saip_error err;
		m2m_err rc = decode_bad(in->data, cut, &err);
		/* Cut inside the header: truncated; after it: the length overruns. */
		assert_true(rc == M2M_ERR_TLV_TRUNCATED || rc == M2M_ERR_TLV_OVERRUN);
		assert_int_equal(err.index, k);
		assert_int_equal(err.offset, e->offset);
		assert_string_equal(err.type, type);
		assert_true(err.msg[0] != '\0');
	}
	m2m_saip_pkg pkg;
	m2m_saip_pkg_init(&pkg);
	assert_int_equal(m2m_saip_decode(in->data, e->offset + e->len, &pkg, NULL), M2M_OK);
	assert_int_equal(pkg.count, k + 1);
	m2m_saip_pkg_free(&pkg);
}

static void test_truncated(void **state)
{
	(void)state;
	m2m_buf in;
	m2m_saip_pkg pkg;
	load(V2, &in);
	decode_ok(&in, &pkg);
	cut_each_byte(&in, &pkg, 0);
	cut_each_byte(&in, &pkg, 1);
	cut_each_byte(&in, &pkg, 2);
	cut_each_byte(&in, &pkg, pkg.count - 1);
	m2m_saip_error err;
	/* A length that promises more than the whole package. */
	uint8_t hdr[] = {0xA0, 0x84, 0x7F, 0xFF, 0xFF, 0xFF, 0x80, 0x01, 0x02};
	assert_int_equal(decode_bad(hdr, sizeof hdr, &err), M2M_ERR_TLV_OVERRUN);
	assert_string_equal(err.type, "header");
	assert_int_equal(decode_bad(in.data, 0, &err), M2M_ERR_FORMAT);
	m2m_saip_pkg_free(&pkg);
	m2m_buf_free(&in);
}

static void test_wrong_outer_tag(void **state)
{
	(void)state;
	m2m_buf in;
	m2m_saip_pkg pkg;
	m2m_saip_error err;
	load(V2, &in);
	decode_ok(&in, &pkg);
	/* A universal SEQUENCE where the header's [0] should be. */
	in.data[0] = 0x30;
	assert_int_equal(decode_bad(in.data, in.len, &err), M2M_ERR_FORMAT);
	assert_int_equal(err.index, 0);
	assert_int_equal(err.offset, 0);
	assert_string_equal(err.type, "");
	assert_non_null(strstr(err.msg, "unknown element tag 30"));
	in.data[0] = 0xA0;
	/* pukCodes (element 2) retagged as pinCodes [2]: its contents do not fit. */
	size_t off = pkg.el[2].offset;
	assert_int_equal(in.data[off], 0xA3);
	in.data[off] = 0xA2;
	assert_int_equal(decode_bad(in.data, in.len, &err), M2M_ERR_FORMAT);
	assert_int_equal(err.index, 2);
	assert_int_equal(err.offset, off);
	assert_string_equal(err.type, "pinCodes");
	/* The same tag in primitive form. */
	in.data[off] = 0x83;
	decode_bad(in.data, in.len, &err);
	assert_int_equal(err.index, 2);
	assert_string_equal(err.type, "pukCodes");
	m2m_saip_pkg_free(&pkg);
	m2m_buf_free(&in);
}

static void test_unknown_tag(void **state)
{
	(void)state;
	m2m_buf in, bad;
	m2m_saip_pkg pkg;
	m2m_saip_error err;
	/* [63] is past the last alternative (opt-iot [33]); the CHOICE is extensible, which
	 * asn1c would skip silently: the codec refuses it. */
	static const uint8_t unknown[] = {0xBF, 0x3F, 0x03, 0x80, 0x01, 0x00};
	load(V2, &in);
	decode_ok(&in, &pkg);
	m2m_buf_init(&bad);
	size_t at = pkg.el[1].offset;
	assert_int_equal(m2m_buf_append(&bad, in.data, at), M2M_OK);
	assert_int_equal(m2m_buf_append(&bad, unknown, sizeof unknown), M2M_OK);
	assert_int_equal(m2m_buf_append(&bad, in.data + at, in.len - at), M2M_OK);
	assert_int_equal(decode_bad(bad.data, bad.len, &err), M2M_ERR_FORMAT);
	assert_int_equal(err.index, 1);
	assert_int_equal(err.offset, at);
	assert_non_null(strstr(err.msg, "unknown element tag BF3F"));
	m2m_saip_pkg_free(&pkg);
	m2m_buf_free(&in);
	m2m_buf_free(&bad);
}

static void test_trailing_garbage(void **state)
{
	(void)state;
	static const struct {
		uint8_t tail[4];
		size_t n;
		m2m_err rc;
	} cases[] = {
		{{0x00, 0x00}, 2, M2M_ERR_TLV_TAG},
		{{0x01, 0x01, 0xFF}, 3, M2M_ERR_FORMAT}, /* a BOOLEAN, not an element */
		{{0xAA}, 1, M2M_ERR_TLV_TRUNCATED},     /* a lone tag */
		{{0xAA, 0x05, 0x00}, 3, M2M_ERR_TLV_OVERRUN},
	};
	m2m_buf in;
	load(V2, &in);
	size_t len = in.len;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		m2m_saip_error err;
		in.len = len;
		assert_int_equal(m2m_buf_append(&in, cases[i].tail, cases[i].n), M2M_OK);
		assert_int_equal(decode_bad(in.data, in.len, &err), cases[i].rc);
		assert_int_equal(err.index, 30);
		assert_int_equal(err.offset, len);
	}
	m2m_buf_free(&in);
}

/* Decoding checks the module's constraints: an ICCID of 9 bytes (SIZE (10)) is refused. */
static void test_constraints(void **state)
{
	(void)state;
	m2m_buf in, out;
	m2m_saip_pkg pkg;
	m2m_saip_error err;
	load(V2, &in);
	m2m_buf_init(&out);
	decode_ok(&in, &pkg);
	pkg.el[0].pe->choice.header.iccid.size = 9;
	assert_int_equal(m2m_saip_pe_encode(pkg.el[0].pe, &out), M2M_OK);
	ProfileElement_t *pe = NULL;
	size_t used = 99;
	assert_int_equal(m2m_saip_pe_decode(out.data, out.len, &pe, &used, &err), M2M_ERR_FORMAT);
	assert_null(pe);
	assert_int_equal(used, 0);
	assert_string_equal(err.type, "header");
	assert_non_null(strstr(err.msg, "constraint"));
	m2m_saip_pkg_free(&pkg);
	m2m_buf_free(&in);
	m2m_buf_free(&out);
}

/* BER is accepted: an indefinite-length end element decodes and re-encodes as DER. */
static void test_ber_indefinite(void **state)
{
	(void)state;
	static const uint8_t ber[] = {0xAA, 0x80, 0xA0, 0x05, 0x80, 0x00,
				      0x81, 0x01, 0x1F, 0x00, 0x00};
	static const uint8_t der[] = {0xAA, 0x07, 0xA0, 0x05, 0x80, 0x00, 0x81, 0x01, 0x1F};
	ProfileElement_t *pe = NULL;
	size_t used = 0;
	m2m_saip_error err;
	m2m_buf out;
	m2m_buf_init(&out);
	assert_int_equal(m2m_saip_pe_decode(ber, sizeof ber, &pe, &used, &err), M2M_OK);
	assert_int_equal(used, sizeof ber);
	assert_string_equal(m2m_saip_pe_type(pe), "end");
	assert_int_equal(m2m_saip_pe_encode(pe, &out), M2M_OK);
	assert_int_equal(out.len, sizeof der);
	assert_memory_equal(out.data, der, sizeof der);
	m2m_saip_pe_free(pe);
	m2m_buf_free(&out);
}

/* An unknown extension inside the header decodes (the types are extensible) but is dropped
 * on re-encoding: the package is then no longer byte-identical. */
static void test_extension_dropped(void **state)
{
	(void)state;
	m2m_buf in, out;
	m2m_saip_pkg pkg;
	load(V2, &in);
	m2m_buf_init(&out);
	/* eUICC-Mandatory-services: a5 0e 81 00 ... 97 00; the last member's tag [23] at 68
	 * becomes [30], which ServicesList (25 members and "...") does not define. */
	assert_int_equal(in.data[54], 0xA5);
	assert_int_equal(in.data[68], 0x97);
	in.data[68] = 0x9E;
	decode_ok(&in, &pkg);
	assert_int_equal(m2m_saip_encode(&pkg, &out), M2M_OK);
	assert_int_equal(out.len, in.len - 2);
	m2m_saip_pkg_free(&pkg);
	m2m_buf_free(&in);
	m2m_buf_free(&out);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	m2m_buf out;
	m2m_buf_init(&out);
	ProfileElement_t *pe = NULL;
	size_t used = 0;
	assert_int_equal(m2m_saip_pe_decode(NULL, 4, &pe, &used, NULL), M2M_ERR_ARG);
	assert_int_equal(m2m_saip_pe_decode(NULL, 0, &pe, &used, NULL), M2M_ERR_TLV_TRUNCATED);
	assert_int_equal(m2m_saip_pe_encode(NULL, &out), M2M_ERR_ARG);
	ProfileElement_t empty;
	memset(&empty, 0, sizeof empty);
	assert_int_equal(m2m_saip_pe_encode(&empty, &out), M2M_ERR_FORMAT);
	assert_int_equal(out.len, 0);
	assert_int_equal(m2m_saip_read_file(VEC "no-such-file.der", &out), M2M_ERR_IO);
	m2m_saip_pkg pkg;
	m2m_saip_pkg_init(&pkg);
	assert_int_equal(m2m_saip_pkg_append(&pkg, NULL, 0, 0), M2M_ERR_ARG);
	m2m_saip_pkg_free(&pkg);
	m2m_buf_free(&out);
}

/* Found by fuzzing: a tagged CHOICE with an indefinite length whose end-of-contents is a lone
 * 00 made asn1c 0.9.28's CHOICE decoder loop for ever. It must fail, and quickly. */
static void test_choice_eoc_no_hang(void **state)
{
	(void)state;
	static const char hex[] =
		"a21fa005800081010aa1808181083939ffffffff220000ffffffffffffffffffffffffffff"
		"ffffffffffffffffffffffffffffffffffffffffffffff001002f310ffff0089";
	uint8_t b[sizeof hex / 2];
	size_t n = 0;
	m2m_saip_error err;
	assert_int_equal(m2m_hex_decode(hex, b, sizeof b, &n), M2M_OK);
	assert_int_not_equal(decode_bad(b, n, &err), M2M_OK);
	assert_string_equal(err.type, "pinCodes");
	assert_non_null(strstr(err.msg, "indefinite"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_types_in_order),
		cmocka_unit_test(test_header_iccid),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_wrong_outer_tag),
		cmocka_unit_test(test_unknown_tag),
		cmocka_unit_test(test_trailing_garbage),
		cmocka_unit_test(test_constraints),
		cmocka_unit_test(test_ber_indefinite),
		cmocka_unit_test(test_extension_dropped),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_choice_eoc_no_hang),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
