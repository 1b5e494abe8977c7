/* The one-pass DER encoder (src/saip/der_fast*.c) against asn1c's der_encode: byte-identical
 * on every element of the three TS.48 packages, on those elements with each optional member
 * dropped and each list emptied, on generated values of every ProfileElement alternative
 * (nested CHOICEs rotated through their alternatives), and on primitives asn1c treats
 * specially (non-minimal and large INTEGERs, BIT STRING unused bits, BOOLEAN). A value
 * der_encode refuses must be refused too. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "BIT_STRING.h"
#include "BOOLEAN.h"
#include "INTEGER.h"
#include "NULL.h"
#include "NativeInteger.h"
#include "OBJECT_IDENTIFIER.h"
#include "UICCCapability.h"
#include "constr_CHOICE.h"
#include "constr_SEQUENCE.h"
#include "constr_SEQUENCE_OF.h"
#include "saip/der_fast.h"
#include "saip/json_int.h"
#include "saip/saip.h"

#define VEC M2MRSP_SOURCE_DIR "/../shared/vectors/saip/"

static const char *const packages[] = {
	VEC "TS48v1_A.der",
	VEC "TS48v2_SAIP2.3_NoBERTLV.der",
	VEC "TS48v5_SAIP2.3_BERTLV_SUCI.der",
};

static int sink(const void *p, size_t n, void *key)
{
	return m2m_buf_append(key, p, n) == M2M_OK ? 0 : -1;
}

static int ref_encode(const asn_TYPE_descriptor_t *td, const void *sptr, m2m_buf *out)
{
	asn_TYPE_descriptor_t *t = (asn_TYPE_descriptor_t *)td;
	return der_encode(t, (void *)sptr, sink, out).encoded >= 0;
}

/* Fast first: asn1c's INTEGER encoder canonicalises its value in place. Returns whether
 * both encoders accepted the value. */
static int same(const asn_TYPE_descriptor_t *td, const void *sptr)
{
	m2m_buf a, b;
	m2m_buf_init(&a);
	m2m_buf_init(&b);
	m2m_err rc = m2m_saip_der_encode_fast(td, sptr, &a);
	int ok = ref_encode(td, sptr, &b);
	if ((rc == M2M_OK) != ok)
		fail_msg("%s: fast %s, der_encode %s", td->name, m2m_strerror(rc),
			 ok ? "ok" : "failed");
	if (ok && (a.len != b.len || memcmp(a.data, b.data, a.len) != 0))
		fail_msg("%s: %zu bytes from the fast encoder, %zu from der_encode", td->name,
			 a.len, b.len);
	if (!ok)
		assert_int_equal(a.len, 0);
	m2m_buf_free(&a);
	m2m_buf_free(&b);
	return ok;
}

/* Before anything is decoded, derived types (UInt8...) still have asn1c's wrapper functions:
 * the encoder must fall back for them and still match. */
static void test_unresolved_types(void **state)
{
	(void)state;
	ProfileElement_t *pe = calloc(1, sizeof *pe);
	assert_non_null(pe);
	pe->present = ProfileElement_PR_header;
	ProfileHeader_t *h = &pe->choice.header;
	h->major_version = 2;
	h->minor_version = 300;
	assert_int_equal(OCTET_STRING_fromBuf(&h->iccid, "\x89\x01\x02", 3), 0);
	assert_true(same(&asn_DEF_ProfileElement, pe));
	m2m_saip_pe_free(pe);
}

/* Every element, through the codec and directly, equals der_encode and the package bytes. */
static void test_packages(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof packages / sizeof packages[0]; i++) {
		m2m_buf in, fast, ref;
		m2m_saip_pkg pkg;
		m2m_buf_init(&in);
		m2m_saip_pkg_init(&pkg);
		assert_int_equal(m2m_saip_read_file(packages[i], &in), M2M_OK);
		assert_int_equal(m2m_saip_decode(in.data, in.len, &pkg, NULL), M2M_OK);
		for (size_t k = 0; k < pkg.count; k++) {
			const m2m_saip_element *el = &pkg.el[k];
			m2m_buf_init(&fast);
			m2m_buf_init(&ref);
			assert_int_equal(m2m_saip_pe_encode(el->pe, &fast), M2M_OK);
			assert_int_equal(m2m_saip_pe_encode_ref(el->pe, &ref), M2M_OK);
			assert_int_equal(fast.len, el->len);
			assert_int_equal(ref.len, el->len);
			assert_memory_equal(fast.data, in.data + el->offset, el->len);
			assert_memory_equal(ref.data, in.data + el->offset, el->len);
			assert_true(same(&asn_DEF_ProfileElement, el->pe));
			m2m_buf_free(&fast);
			m2m_buf_free(&ref);
		}
		m2m_saip_pkg_free(&pkg);
		m2m_buf_free(&in);
	}
}

struct mutate {
	const ProfileElement_t *pe;
	size_t checked;
};

/* Walks the tree under sptr; at every optional member present and every non-empty list,
 * removes it for a moment and compares the whole element's encodings. */
static void mutate_walk(struct mutate *m, asn_TYPE_descriptor_t *td, void *sptr, int depth)
{
	assert_true(depth < 32);
	m2m_saip_json_kind k = m2m_saip_json_kind_of(td);
	if (k == M2M_SAIP_JSON_K_LIST) {
		asn_anonymous_sequence_ *list = sptr;
		int count = list->count;
		list->count = 0;
		same(&asn_DEF_ProfileElement, m->pe);
		list->count = count;
		m->checked++;
		for (int i = 0; i < count; i++)
			mutate_walk(m, td->elements[0].type, list->array[i], depth + 1);
	} else if (k == M2M_SAIP_JSON_K_CHOICE) {
		int present = m2m_saip_json_choice_get(td, sptr);
		const asn_TYPE_member_t *elm = &td->elements[present - 1];
		void *v = (void *)m2m_saip_json_member_ptr(elm, sptr);
		if (v != NULL)
			mutate_walk(m, elm->type, v, depth + 1);
	} else if (k == M2M_SAIP_JSON_K_SEQUENCE) {
		for (int i = 0; i < td->elements_count; i++) {
			const asn_TYPE_member_t *elm = &td->elements[i];
			void *v = (void *)m2m_saip_json_member_ptr(elm, sptr);
			if (v == NULL)
				continue;
			if ((elm->flags & ATF_POINTER) && elm->optional) {
				void **at = (void **)((char *)sptr + elm->memb_offset);
				*at = NULL;
				same(&asn_DEF_ProfileElement, m->pe);
				*at = v;
				m->checked++;
			}
			mutate_walk(m, elm->type, v, depth + 1);
		}
	}
}

static void test_absent_optionals_and_empty_lists(void **state)
{
	(void)state;
	m2m_buf in;
	m2m_saip_pkg pkg;
	m2m_buf_init(&in);
	m2m_saip_pkg_init(&pkg);
	assert_int_equal(m2m_saip_read_file(packages[1], &in), M2M_OK);
	assert_int_equal(m2m_saip_decode(in.data, in.len, &pkg, NULL), M2M_OK);
	size_t total = 0;
	for (size_t k = 0; k < pkg.count; k++) {
		struct mutate m = {pkg.el[k].pe, 0};
		mutate_walk(&m, &asn_DEF_ProfileElement, pkg.el[k].pe, 0);
		total += m.checked;
	}
	assert_true(total > 100);
	m2m_saip_pkg_free(&pkg);
	m2m_buf_free(&in);
}

/* Generated values: all members (or only the mandatory ones), two entries per list, and
 * nested CHOICEs cycling through their alternatives with *turn. */
struct gen {
	unsigned turn;
	int optionals;
};

static void gen_value(struct gen *g, asn_TYPE_descriptor_t *td, void *sptr, int depth);

static void gen_member(struct gen *g, const asn_TYPE_member_t *elm, void *sptr, int depth)
{
	void *at = (char *)sptr + elm->memb_offset;
	if (!(elm->flags & ATF_POINTER)) {
		gen_value(g, elm->type, at, depth + 1);
		return;
	}
	if (elm->optional && !g->optionals)
		return;
	void *v = calloc(1, m2m_saip_json_struct_size(elm->type));
	assert_non_null(v);
	*(void **)at = v;
	gen_value(g, elm->type, v, depth + 1);
}

static void gen_octets(m2m_saip_json_kind k, void *sptr, unsigned turn)
{
	static const uint8_t oid[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D};
	BIT_STRING_t *s = sptr;
	size_t n = k == M2M_SAIP_JSON_K_OID ? sizeof oid : turn % 3 * 70;
	s->buf = calloc(1, n + 1);
	assert_non_null(s->buf);
	s->size = (int)n;
	for (size_t i = 0; i < n; i++)
		s->buf[i] = k == M2M_SAIP_JSON_K_OID ? oid[i] : (uint8_t)(0xA5 + i);
	if (k == M2M_SAIP_JSON_K_BITS)
		s->bits_unused = n > 0 ? (int)(turn % 8) : 0;
}

static void gen_value(struct gen *g, asn_TYPE_descriptor_t *td, void *sptr, int depth)
{
	static const long ints[] = {0, 1, 127, 128, 255, 256, -1, -128, -129, 65535, 0x7FFFFFFF};
	assert_true(depth < 32);
	m2m_saip_json_kind k = m2m_saip_json_kind_of(td);
	g->turn++;
	if (k == M2M_SAIP_JSON_K_SEQUENCE) {
		for (int i = 0; i < td->elements_count; i++)
			gen_member(g, &td->elements[i], sptr, depth);
	} else if (k == M2M_SAIP_JSON_K_CHOICE) {
		int alt = (int)(g->turn % (unsigned)td->elements_count);
		m2m_saip_json_choice_set(td, sptr, alt + 1);
		gen_member(g, &td->elements[alt], sptr, depth);
	} else if (k == M2M_SAIP_JSON_K_LIST) {
		for (int i = 0; i < 2; i++) {
			void *v = calloc(1, m2m_saip_json_struct_size(td->elements[0].type));
			assert_non_null(v);
			assert_int_equal(ASN_SEQUENCE_ADD(sptr, v), 0);
			gen_value(g, td->elements[0].type, v, depth + 1);
		}
	} else if (k == M2M_SAIP_JSON_K_NATIVE_INT || k == M2M_SAIP_JSON_K_NATIVE_ENUM) {
		*(long *)sptr = ints[g->turn % (sizeof ints / sizeof ints[0])];
	} else if (k == M2M_SAIP_JSON_K_BOOLEAN) {
		*(BOOLEAN_t *)sptr = (int)(g->turn % 2);
	} else if (k == M2M_SAIP_JSON_K_OCTETS || k == M2M_SAIP_JSON_K_UTF8 ||
		   k == M2M_SAIP_JSON_K_BITS || k == M2M_SAIP_JSON_K_OID) {
		gen_octets(k, sptr, g->turn);
	}
}

/* Every alternative of ProfileElement, generated with and without optionals, several turns
 * of the nested CHOICEs; also the all-zero value, which der_encode mostly refuses. */
static void test_generated_elements(void **state)
{
	(void)state;
	const asn_TYPE_descriptor_t *td = &asn_DEF_ProfileElement;
	size_t accepted = 0;
	for (int alt = 1; alt <= td->elements_count; alt++) {
		for (unsigned t = 0; t < 12; t++) {
			struct gen g = {t, (int)(t % 2)};
			ProfileElement_t *pe = calloc(1, sizeof *pe);
			assert_non_null(pe);
			pe->present = (ProfileElement_PR)alt;
			if (t > 0)
				gen_member(&g, &td->elements[alt - 1], pe, 0);
			accepted += (size_t)same(td, pe);
			m2m_saip_pe_free(pe);
		}
	}
	assert_true(accepted > (size_t)td->elements_count * 10);
	ProfileElement_t none = {0};
	assert_false(same(td, &none));
	none.present = (ProfileElement_PR)(td->elements_count + 1);
	assert_false(same(td, &none));
}

static void test_integers(void **state)
{
	(void)state;
	static const struct {
		uint8_t b[24];
		int n;
	} v[] = {
		{{0}, 0},
		{{0x00}, 1},
		{{0x00, 0x00, 0x7F}, 3},
		{{0x00, 0x00, 0x80}, 3},
		{{0xFF, 0xFF, 0x80}, 3},
		{{0xFF, 0xFF, 0x7F}, 3},
		{{0xFF}, 1},
		{{0xFF, 0xFF}, 2},
		{{0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 20},
		{{0x7F, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}, 21},
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		uint8_t b[24];
		memcpy(b, v[i].b, sizeof b);
		INTEGER_t x = {b, v[i].n};
		assert_true(same(&asn_DEF_INTEGER, &x));
	}
	INTEGER_t empty = {NULL, 0};
	assert_true(same(&asn_DEF_INTEGER, &empty));
	static const long natives[] = {0, 1, -1, 127, 128, -128, -129, 255, 256, 32767, -32768,
				       0x7FFFFFFFFFFFFFFFL, -0x7FFFFFFFFFFFFFFFL - 1, 0x800000L};
	for (size_t i = 0; i < sizeof natives / sizeof natives[0]; i++)
		assert_true(same(&asn_DEF_NativeInteger, &natives[i]));
}

static void test_other_primitives(void **state)
{
	(void)state;
	BOOLEAN_t t = 1, f = 0, odd = 42;
	NULL_t null = 0;
	assert_true(same(&asn_DEF_BOOLEAN, &t));
	assert_true(same(&asn_DEF_BOOLEAN, &f));
	assert_true(same(&asn_DEF_BOOLEAN, &odd));
	assert_true(same(&asn_DEF_NULL, &null));
	uint8_t bits[3] = {0xFF, 0xFF, 0xFF};
	/* 8 and 9 unused bits are not DER: those take the fallback. */
	for (int unused = 0; unused <= 9; unused++) {
		for (int n = 0; n <= 3; n++) {
			BIT_STRING_t b = {n > 0 ? bits : NULL, n, unused, {0}};
			assert_true(same(&asn_DEF_BIT_STRING, &b));
			assert_true(same(&asn_DEF_UICCCapability, &b));
		}
	}
	uint8_t big[300];
	memset(big, 0x5A, sizeof big);
	for (size_t n = 0; n <= sizeof big; n += 25) {
		OCTET_STRING_t os = {big, (int)n, {0}};
		assert_true(same(&asn_DEF_OCTET_STRING, &os));
		OBJECT_IDENTIFIER_t oid = {big, (int)n};
		assert_true(same(&asn_DEF_OBJECT_IDENTIFIER, &oid));
	}
}

/* A hand-built header: absent optionals, an empty and a filled SEQUENCE OF, NULL flags. */
static void test_header_by_hand(void **state)
{
	(void)state;
	ProfileElement_t *pe = calloc(1, sizeof *pe);
	assert_non_null(pe);
	pe->present = ProfileElement_PR_header;
	ProfileHeader_t *h = &pe->choice.header;
	assert_int_equal(OCTET_STRING_fromBuf(&h->iccid, "\x89\x10\x10\x12\x34\x56\x78\x90\x12\xF3",
					      10), 0);
	assert_true(same(&asn_DEF_ProfileElement, pe));
	h->eUICC_Mandatory_services.usim = calloc(1, sizeof(NULL_t));
	h->eUICC_Mandatory_services.ber_tlv = calloc(1, sizeof(NULL_t));
	h->eUICC_Mandatory_AIDs = calloc(1, sizeof *h->eUICC_Mandatory_AIDs);
	assert_true(same(&asn_DEF_ProfileElement, pe)); /* empty list present */
	OBJECT_IDENTIFIER_t *oid = calloc(1, sizeof *oid);
	assert_non_null(oid);
	static const uint32_t arcs[] = {2, 23, 143, 1, 2, 1};
	assert_int_equal(OBJECT_IDENTIFIER_set_arcs(oid, arcs, sizeof arcs[0], 6), 0);
	assert_int_equal(ASN_SEQUENCE_ADD(&h->eUICC_Mandatory_GFSTEList.list, oid), 0);
	h->profileType = OCTET_STRING_new_fromBuf(&asn_DEF_UTF8String, "x", 1);
	assert_true(same(&asn_DEF_ProfileElement, pe));
	m2m_saip_pe_free(pe);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unresolved_types), /* must run first */
		cmocka_unit_test(test_packages),
		cmocka_unit_test(test_absent_optionals_and_empty_lists),
		cmocka_unit_test(test_generated_elements),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_other_primitives),
		cmocka_unit_test(test_header_by_hand),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
