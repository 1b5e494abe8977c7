/* The quick element pre-check (saip/tlv_quick.h) against core/tlv.c's m2m_tlv_validate: it
 * accepts every element of the TS.48 packages, it says "not sure" on the forms it leaves to
 * m2m_tlv_validate, and it never accepts what m2m_tlv_validate refuses (every element of the
 * packages with each byte replaced by several values, cut short, and random bytes). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/tlv.h"
#include "saip/saip.h"
#include "saip/tlv_quick.h"

#define VEC M2MRSP_SOURCE_DIR "/../shared/vectors/saip/"

static const char *const packages[] = {
	VEC "TS48v1_A.der",
	VEC "TS48v2_SAIP2.3_NoBERTLV.der",
	VEC "TS48v5_SAIP2.3_BERTLV_SUCI.der",
};

static bool validates(const uint8_t *p, size_t n)
{
	size_t off = 0;
	return m2m_tlv_validate(p, n, M2M_TLV_BER, &off) == M2M_OK;
}

/* quick ⇒ validate; counts the inputs, those quick accepted and those validate accepted. */
struct tally {
	size_t all, quick, valid;
};

static void check(const uint8_t *p, size_t n, struct tally *t)
{
	bool q = m2m_saip_tlv_quick(p, n), v = validates(p, n);
	if (q && !v)
		fail_msg("quick accepts %zu bytes m2m_tlv_validate refuses (first %02x)", n,
			 n > 0 ? p[0] : 0);
	t->all++;
	t->quick += q;
	t->valid += v;
}

static void load(const char *path, m2m_buf *b)
{
	m2m_buf_init(b);
	assert_int_equal(m2m_saip_read_file(path, b), M2M_OK);
}

static void test_packages_accepted(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof packages / sizeof packages[0]; k++) {
		m2m_buf in;
		m2m_saip_pkg pkg;
		load(packages[k], &in);
		m2m_saip_pkg_init(&pkg);
		assert_int_equal(m2m_saip_decode(in.data, in.len, &pkg, NULL), M2M_OK);
		assert_true(m2m_saip_tlv_quick(in.data, in.len));
		for (size_t e = 0; e < pkg.count; e++)
			assert_true(m2m_saip_tlv_quick(in.data + pkg.el[e].offset, pkg.el[e].len));
		m2m_saip_pkg_free(&pkg);
		m2m_buf_free(&in);
	}
}

/* Each byte of every element replaced by values that hit tag, length and EOC rules, and
 * every element cut short at each point. */
static void test_mutations(void **state)
{
	(void)state;
	static const uint8_t values[] = {0x00, 0x01, 0x1F, 0x20, 0x22, 0x23, 0x30, 0x3F, 0x7F,
					 0x80, 0x81, 0x82, 0x84, 0x85, 0xA0, 0xBF, 0xFF};
	struct tally t = {0, 0, 0};
	for (size_t k = 0; k < sizeof packages / sizeof packages[0]; k++) {
		m2m_buf in;
		m2m_saip_pkg pkg;
		load(packages[k], &in);
		m2m_saip_pkg_init(&pkg);
		assert_int_equal(m2m_saip_decode(in.data, in.len, &pkg, NULL), M2M_OK);
		for (size_t e = 0; e < pkg.count; e++) {
			uint8_t *el = in.data + pkg.el[e].offset;
			size_t len = pkg.el[e].len;
			for (size_t i = 0; i < len; i++) {
				uint8_t keep = el[i];
				for (size_t v = 0; v < sizeof values; v++) {
					el[i] = values[v];
					check(el, len, &t);
				}
				el[i] = keep;
				check(el, i, &t);
			}
		}
		m2m_saip_pkg_free(&pkg);
		m2m_buf_free(&in);
	}
	/* The mutations were not all refused, nor all accepted. */
	assert_true(t.quick > 1000);
	assert_true(t.valid < t.all);
}

/* xorshift: the same bytes on every run. */
static uint32_t next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void test_random(void **state)
{
	(void)state;
	uint8_t b[64];
	uint32_t s = 0x2545F491;
	struct tally t = {0, 0, 0};
	for (int i = 0; i < 200000; i++) {
		size_t n = next_rand(&s) % sizeof b;
		for (size_t j = 0; j < n; j++) {
			/* Mostly small lengths and constructed tags, so that trees form. */
			uint32_t r = next_rand(&s);
			b[j] = (uint8_t)((r & 0x300) ? (r & 0x0F) | ((r & 0x400) ? 0x20 : 0x80)
						     : r);
		}
		check(b, n, &t);
	}
	assert_true(t.quick > 1000);
	assert_true(t.valid < t.all);
}

/* Forms left to m2m_tlv_validate (which accepts them) and forms both refuse. */
static void test_edges(void **state)
{
	(void)state;
	static const uint8_t indefinite[] = {0x30, 0x80, 0x04, 0x01, 0xAA, 0x00, 0x00};
	static const uint8_t long_len[] = {0x04, 0x84, 0x00, 0x00, 0x00, 0x01, 0xAA};
	static const uint8_t hi_tag[] = {0xBF, 0x81, 0x22, 0x03, 0x80, 0x01, 0x00};
	static const uint8_t opaque[] = {0x22, 0x02, 0xFF, 0xFF}; /* contents not walked */
	static const uint8_t empty_seq[] = {0x30, 0x00};
	static const uint8_t zero_tag[] = {0x00, 0x00};
	static const uint8_t four_tag[] = {0x1F, 0x81, 0x81, 0x01, 0x00};
	static const uint8_t tag80[] = {0x1F, 0x80, 0x01, 0x00};
	static const uint8_t five_len[] = {0x04, 0x85, 0, 0, 0, 0, 1, 0xAA};
	static const uint8_t overrun[] = {0x30, 0x03, 0x04, 0x02, 0xAA};
	static const uint8_t child_over[] = {0x30, 0x04, 0x04, 0x03, 0xAA, 0xBB};
	assert_true(validates(indefinite, sizeof indefinite));
	assert_false(m2m_saip_tlv_quick(indefinite, sizeof indefinite));
	assert_true(m2m_saip_tlv_quick(long_len, sizeof long_len));
	assert_true(m2m_saip_tlv_quick(hi_tag, sizeof hi_tag));
	assert_true(m2m_saip_tlv_quick(opaque, sizeof opaque));
	assert_true(validates(opaque, sizeof opaque));
	assert_true(m2m_saip_tlv_quick(empty_seq, sizeof empty_seq));
	assert_true(m2m_saip_tlv_quick(NULL, 0));
	const uint8_t *bad[] = {zero_tag, four_tag, tag80, five_len, overrun, child_over};
	const size_t bad_len[] = {sizeof zero_tag, sizeof four_tag, sizeof tag80,
				  sizeof five_len, sizeof overrun, sizeof child_over};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_false(validates(bad[i], bad_len[i]));
		assert_false(m2m_saip_tlv_quick(bad[i], bad_len[i]));
	}
}

/* Nesting: quick follows up to M2M_SAIP_TLV_QUICK_DEPTH open values and is not sure beyond;
 * never past m2m_tlv_validate's own limit. */
static void test_depth(void **state)
{
	(void)state;
	uint8_t b[2 * (M2M_TLV_MAX_DEPTH + 4)];
	for (unsigned levels = 1; levels <= M2M_TLV_MAX_DEPTH + 3; levels++) {
		for (unsigned i = 0; i < levels; i++) {
			b[2 * i] = 0x30;
			b[2 * i + 1] = (uint8_t)(2 * (levels - i - 1));
		}
		bool q = m2m_saip_tlv_quick(b, 2 * levels);
		if (q)
			assert_true(validates(b, 2 * levels));
		assert_int_equal(q, levels < M2M_SAIP_TLV_QUICK_DEPTH);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packages_accepted),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_depth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
