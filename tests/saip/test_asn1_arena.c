/* The asn1c tree arena (saip/asn1_alloc/asn1_alloc.h): allocation, REALLOC growth in place and
 * by moving, FREEMEM inside and outside a scope, pointers of enclosing scopes and of libc,
 * the wipe at the end of a scope, and whole TS.48 packages decoded, personalised, converted
 * to JSON and re-encoded inside scopes giving the very bytes they give on libc's heap, and
 * packages dropped without the free walk (m2m_saip_pkg_abandon). Run under ASan/LSan (the
 * sanitizer build) a wrong free or a leak fails the test. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "ProfileElement.h"
#include "saip/asn1_alloc/asn1_alloc.h"
#include "saip/json.h"
#include "saip/personalise.h"
#include "saip/saip.h"

#define VEC M2MRSP_SOURCE_DIR "/../shared/vectors/saip/"

static const char *const packages[] = {
	VEC "TS48v1_A.der",
	VEC "TS48v2_SAIP2.3_NoBERTLV.der",
	VEC "TS48v5_SAIP2.3_BERTLV_SUCI.der",
};

static void fill(void *p, uint8_t b, size_t n)
{
	memset(p, b, n);
}

static void assert_filled(const void *p, uint8_t b, size_t n)
{
	const uint8_t *q = p;
	for (size_t i = 0; i < n; i++)
		if (q[i] != b)
			fail_msg("byte %zu is %02x, not %02x", i, q[i], b);
}

/* Outside a scope the functions are libc's: nothing is the arena's. */
static void test_outside_scope(void **state)
{
	(void)state;
	uint8_t *p = m2m_asn1_calloc(3, 10);
	assert_non_null(p);
	assert_filled(p, 0, 30);
	assert_false(m2m_asn1_arena_owns(p));
	p = m2m_asn1_realloc(p, 4000);
	assert_non_null(p);
	assert_false(m2m_asn1_arena_owns(p));
	m2m_asn1_free(p); /* libc's free: under LSan a no-op here would leak */
	m2m_asn1_free(NULL);
	void *q = m2m_asn1_malloc(1);
	assert_non_null(q);
	m2m_asn1_free(q);
}

/* Blocks are 16-byte aligned, zeroed, disjoint, owned; the arena counts them. */
static void test_alloc(void **state)
{
	(void)state;
	static const size_t sizes[] = {1, 7, 16, 17, 100, 1792, 4000, 9000, 20000, 70000};
	uint8_t *p[sizeof sizes / sizeof sizes[0]];
	m2m_asn1_arena a;
	m2m_asn1_arena_init(&a);
	m2m_asn1_arena_begin(&a);
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		p[i] = i % 2 ? m2m_asn1_malloc(sizes[i]) : m2m_asn1_calloc(1, sizes[i]);
		assert_non_null(p[i]);
		assert_int_equal((uintptr_t)p[i] % 16, 0);
		assert_true(m2m_asn1_arena_owns(p[i]));
		assert_true(m2m_asn1_arena_owns(p[i] + sizes[i] - 1));
		assert_filled(p[i], 0, sizes[i]); /* fresh arena memory is zero */
		fill(p[i], (uint8_t)(i + 1), sizes[i]);
	}
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		assert_filled(p[i], (uint8_t)(i + 1), sizes[i]);
	/* Zero-size blocks are distinct and owned, as libc's unique pointers. */
	void *z1 = m2m_asn1_malloc(0), *z2 = m2m_asn1_calloc(0, 8);
	assert_non_null(z1);
	assert_non_null(z2);
	assert_ptr_not_equal(z1, z2);
	assert_true(m2m_asn1_arena_owns(z1));
	/* Overflowing requests fail instead of wrapping. */
	assert_null(m2m_asn1_calloc(SIZE_MAX / 2, 4));
	assert_null(m2m_asn1_malloc(SIZE_MAX - 8));
	size_t total = 0;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		total += sizes[i];
	assert_true(a.used >= total);
	m2m_asn1_arena_end(&a);
	assert_false(m2m_asn1_arena_owns(p[0]));
	assert_true(a.peak >= total);
	assert_int_equal(a.used, 0);
	m2m_asn1_arena_release(&a);
}

/* REALLOC keeps the contents: in place for the last block, by moving otherwise, into a
 * chunk of its own past a quarter chunk; shrinking keeps the pointer. */
static void test_grow(void **state)
{
	(void)state;
	m2m_asn1_arena a;
	m2m_asn1_arena_init(&a);
	m2m_asn1_arena_begin(&a);
	uint8_t *p = m2m_asn1_realloc(NULL, 10);
	assert_true(m2m_asn1_arena_owns(p));
	fill(p, 0x11, 10);
	uint8_t *q = m2m_asn1_realloc(p, 40);
	assert_ptr_equal(q, p); /* the last block grows in place */
	assert_filled(q, 0x11, 10);
	assert_filled(q + 10, 0, 30);
	fill(q, 0x22, 40);
	uint8_t *other = m2m_asn1_malloc(8);
	fill(other, 0x33, 8);
	uint8_t *r = m2m_asn1_realloc(q, 1000);
	assert_ptr_not_equal(r, q); /* no longer last: moved */
	assert_true(m2m_asn1_arena_owns(r));
	assert_filled(r, 0x22, 40);
	assert_filled(other, 0x33, 8);
	fill(r, 0x44, 1000);
	uint8_t *s = m2m_asn1_realloc(r, 100);
	assert_ptr_equal(s, r); /* shrinking never moves */
	assert_filled(s, 0x44, 100);
	uint8_t *big = m2m_asn1_realloc(s, 3 * M2M_ASN1_CHUNK);
	assert_non_null(big);
	assert_true(m2m_asn1_arena_owns(big));
	assert_true(m2m_asn1_arena_owns(big + 3 * M2M_ASN1_CHUNK - 1));
	assert_filled(big, 0x44, 100);
	fill(big, 0x55, 3 * M2M_ASN1_CHUNK);
	/* The standard chunk goes on being filled after a big block. */
	uint8_t *after = m2m_asn1_calloc(1, 64);
	assert_true(m2m_asn1_arena_owns(after));
	assert_filled(after, 0, 64);
	m2m_asn1_free(big);
	m2m_asn1_free(after);
	m2m_asn1_arena_end(&a);
	m2m_asn1_arena_release(&a);
}

/* FREEMEM of arena memory is a no-op; of libc memory (made before the scope) it is free();
 * REALLOC of libc memory in a scope stays libc memory. LSan checks the libc blocks go. */
static void test_free_rules(void **state)
{
	(void)state;
	m2m_asn1_arena a;
	uint8_t *libc1 = malloc(32), *libc2 = malloc(64);
	assert_non_null(libc1);
	assert_non_null(libc2);
	m2m_asn1_arena_init(&a);
	m2m_asn1_arena_begin(&a);
	assert_false(m2m_asn1_arena_owns(libc1));
	uint8_t *mine = m2m_asn1_malloc(32);
	m2m_asn1_free(mine);              /* no-op: still the arena's until the end */
	assert_true(m2m_asn1_arena_owns(mine));
	m2m_asn1_free(libc1);             /* free(): a no-op would leak */
	libc2 = m2m_asn1_realloc(libc2, 5000);
	assert_non_null(libc2);
	assert_false(m2m_asn1_arena_owns(libc2));
	m2m_asn1_arena_end(&a);
	m2m_asn1_free(libc2);
	m2m_asn1_arena_release(&a);
}

/* An inner scope allocates from its own arena; pointers of the outer one are left alone
 * and a REALLOC of one stays in the outer arena, so it outlives the inner scope. */
static void test_nested(void **state)
{
	(void)state;
	m2m_asn1_arena outer, inner;
	m2m_asn1_arena_init(&outer);
	m2m_asn1_arena_init(&inner);
	m2m_asn1_arena_begin(&outer);
	uint8_t *o = m2m_asn1_malloc(24);
	uint8_t *o2 = m2m_asn1_malloc(24); /* o is no longer last: a REALLOC moves it */
	fill(o, 0x66, 24);
	m2m_asn1_arena_begin(&inner);
	uint8_t *i = m2m_asn1_malloc(24);
	assert_true(m2m_asn1_arena_owns(o));
	assert_true(m2m_asn1_arena_owns(i));
	m2m_asn1_free(o2); /* outer memory: a no-op */
	uint8_t *o3 = m2m_asn1_realloc(o, 3000);
	assert_non_null(o3);
	assert_ptr_not_equal(o3, o);
	assert_int_equal(inner.used, 16 + 32); /* only i: the move went to the outer arena */
	m2m_asn1_arena_end(&inner);
	assert_false(m2m_asn1_arena_owns(i));
	assert_true(m2m_asn1_arena_owns(o3));
	assert_filled(o3, 0x66, 24);
	/* Back in the outer scope allocations come from it again. */
	uint8_t *o4 = m2m_asn1_malloc(8);
	assert_true(m2m_asn1_arena_owns(o4));
	m2m_asn1_arena_end(&outer);
	assert_false(m2m_asn1_arena_owns(o3));
	m2m_asn1_arena_release(&inner);
	m2m_asn1_arena_release(&outer);
}

/* Ending a scope that is not the innermost (a caller bug) unlinks it and keeps the inner
 * one working; ending twice or releasing an open scope is harmless. */
static void test_end_out_of_order(void **state)
{
	(void)state;
	m2m_asn1_arena a, b;
	m2m_asn1_arena_init(&a);
	m2m_asn1_arena_init(&b);
	m2m_asn1_arena_begin(&a);
	m2m_asn1_arena_begin(&b);
	m2m_asn1_arena_end(&a);
	void *p = m2m_asn1_malloc(10);
	assert_true(m2m_asn1_arena_owns(p));
	assert_int_equal(a.used, 0);
	assert_true(b.used > 0);
	m2m_asn1_arena_end(&b);
	m2m_asn1_arena_end(&b);
	assert_false(m2m_asn1_arena_owns(p));
	void *q = m2m_asn1_malloc(10); /* no scope left: libc */
	assert_false(m2m_asn1_arena_owns(q));
	free(q);
	m2m_asn1_arena_begin(&a);
	m2m_asn1_arena_release(&a); /* ends the scope, frees the chunks */
	assert_false(a.active);
	m2m_asn1_arena_release(&b);
}

/* The end wipes what was handed out: the next scope gets the same (kept) chunk back, and the
 * bytes that held a "key" read as zero without any memset on allocation. */
static void test_wipe(void **state)
{
	(void)state;
	m2m_asn1_arena a;
	m2m_asn1_arena_init(&a);
	m2m_asn1_arena_begin(&a);
	uint8_t *key = m2m_asn1_malloc(48);
	fill(key, 0xA5, 48);
	m2m_asn1_arena_end(&a);
	m2m_asn1_arena_begin(&a);
	uint8_t *again = m2m_asn1_malloc(48);
	assert_ptr_equal(again, key); /* the kept chunk, from its start */
	assert_filled(again, 0, 48);
	m2m_asn1_arena_end(&a);
	m2m_asn1_arena_release(&a);
}

static void load(const char *path, m2m_buf *b)
{
	m2m_buf_init(b);
	assert_int_equal(m2m_saip_read_file(path, b), M2M_OK);
}

/* Decode (and optionally personalise and JSON round trip) then encode. */
static void process(const m2m_buf *in, bool perso, m2m_buf *out)
{
	m2m_saip_pkg pkg;
	m2m_saip_error err;
	m2m_saip_pkg_init(&pkg);
	out->len = 0;
	assert_int_equal(m2m_saip_decode(in->data, in->len, &pkg, &err), M2M_OK);
	if (perso) {
		uint8_t ki[16], opc[16], kid[16];
		memset(ki, 0x11, sizeof ki);
		memset(opc, 0x22, sizeof opc);
		memset(kid, 0x33, sizeof kid);
		/* usim-test-algorithm: the header's milenage flag (a decoded node) is freed, the
		 * new flag is libc's calloc, the key buffers are replaced. */
		m2m_saip_aka aka = {.algorithm_id = 3, .key = ki, .key_len = 16, .opc = opc,
				    .opc_len = 16};
		m2m_saip_sd_key sd = {.kvn = 0x05, .id = 2, .data = kid, .len = 16};
		assert_int_equal(m2m_saip_set_iccid(&pkg, "89441234567890123454", false, &err),
				 M2M_OK);
		assert_int_equal(m2m_saip_set_imsi(&pkg, "001011234567890", &err), M2M_OK);
		assert_int_equal(m2m_saip_set_aka(&pkg, &aka, &err), M2M_OK);
		assert_int_equal(m2m_saip_set_sd_key(&pkg, &sd, &err), M2M_OK);
		/* JSON and back: a tree of libc nodes whose buffers the runtime may give. */
		json_t *j = NULL;
		m2m_saip_json_error jerr;
		m2m_saip_pkg back;
		m2m_saip_pkg_init(&back);
		assert_int_equal(m2m_saip_json_from_pkg(&pkg, &j, &jerr), M2M_OK);
		assert_int_equal(m2m_saip_json_to_pkg(j, &back, &jerr), M2M_OK);
		json_decref(j);
		m2m_saip_pkg_free(&pkg);
		pkg = back;
	}
	assert_int_equal(m2m_saip_encode(&pkg, out), M2M_OK);
	m2m_saip_pkg_free(&pkg);
}

/* Each package, decoded in scopes over and over, re-encodes byte for byte; with
 * personalisation (mixed arena and libc nodes) it gives what libc's heap gives. */
static void test_packages(void **state)
{
	(void)state;
	m2m_asn1_arena a;
	m2m_asn1_arena_init(&a);
	for (size_t k = 0; k < sizeof packages / sizeof packages[0]; k++) {
		m2m_buf in, out, ref;
		load(packages[k], &in);
		m2m_buf_init(&out);
		m2m_buf_init(&ref);
		for (int i = 0; i < 20; i++) {
			m2m_asn1_arena_begin(&a);
			process(&in, false, &out);
			m2m_asn1_arena_end(&a);
			assert_int_equal(out.len, in.len);
			assert_memory_equal(out.data, in.data, in.len);
		}
		assert_true(a.peak > 50000); /* the trees were in the arena */
		process(&in, true, &ref);
		for (int i = 0; i < 3; i++) {
			m2m_asn1_arena_begin(&a);
			process(&in, true, &out);
			m2m_asn1_arena_end(&a);
			assert_int_equal(out.len, ref.len);
			assert_memory_equal(out.data, ref.data, ref.len);
		}
		m2m_buf_free(&in);
		m2m_buf_free(&out);
		m2m_buf_free(&ref);
	}
	m2m_asn1_arena_release(&a);
}

/* A tree decoded on libc's heap is freed inside a scope: every node goes to free(). A tree
 * decoded in a scope holds the arena's memory. */
static void test_foreign_tree(void **state)
{
	(void)state;
	m2m_buf in;
	m2m_saip_pkg pkg;
	m2m_asn1_arena a;
	load(packages[1], &in);
	m2m_saip_pkg_init(&pkg);
	m2m_asn1_arena_init(&a);
	assert_int_equal(m2m_saip_decode(in.data, in.len, &pkg, NULL), M2M_OK);
	m2m_asn1_arena_begin(&a);
	assert_false(m2m_asn1_arena_owns(pkg.el[0].pe));
	m2m_saip_pkg_free(&pkg); /* LSan: nothing left behind */
	assert_int_equal(m2m_saip_decode(in.data, in.len, &pkg, NULL), M2M_OK);
	assert_true(m2m_asn1_arena_owns(pkg.el[0].pe));
	assert_true(m2m_asn1_arena_owns(pkg.el[0].pe->choice.header.iccid.buf));
	m2m_saip_pkg_free(&pkg);
	m2m_asn1_arena_end(&a);
	m2m_asn1_arena_release(&a);
	m2m_buf_free(&in);
}

/* glibc's heap bytes in use (0 under ASan, whose LSan then judges instead), and less than
 * any of the three packages' decoded trees holds (about 280 KB). */
#define TREE_MIN 100000u
static size_t heap_used(void)
{
	return mallinfo2().uordblks;
}

/* m2m_saip_pkg_abandon: a package decoded in a scope is dropped without the free walk (its
 * trees are the arena's; under LSan a libc block left in them would be reported) and still
 * round-trips on the next scope; outside a scope, or for a tree decoded outside the scope,
 * it frees like m2m_saip_pkg_free (the heap goes back to where it was). */
static void test_abandon(void **state)
{
	(void)state;
	m2m_asn1_arena a;
	m2m_saip_pkg pkg;
	m2m_buf in, out;
	m2m_asn1_arena_init(&a);
	m2m_saip_pkg_init(&pkg);
	m2m_buf_init(&out);
	for (size_t k = 0; k < sizeof packages / sizeof packages[0]; k++) {
		load(packages[k], &in);
		for (int i = 0; i < 3; i++) {
			m2m_asn1_arena_begin(&a);
			assert_int_equal(m2m_saip_decode(in.data, in.len, &pkg, NULL), M2M_OK);
			for (size_t e = 0; e < pkg.count; e++)
				assert_true(m2m_asn1_arena_owns(pkg.el[e].pe));
			out.len = 0;
			assert_int_equal(m2m_saip_encode(&pkg, &out), M2M_OK);
			m2m_saip_pkg_abandon(&pkg);
			assert_null(pkg.el);
			assert_int_equal(pkg.count, 0);
			m2m_asn1_arena_end(&a);
			assert_int_equal(out.len, in.len);
			assert_memory_equal(out.data, in.data, in.len);
		}
		/* Outside a scope, and a libc tree inside one: freed. 50 times over, the heap
		 * grows by less than one tree (a leak would be 50 trees; glibc's per-thread
		 * caches make a single reading noisy by a few hundred bytes). */
		size_t before = heap_used();
		assert_int_equal(m2m_saip_decode(in.data, in.len, &pkg, NULL), M2M_OK);
		assert_true(heap_used() > before + TREE_MIN || before == 0);
		m2m_saip_pkg_abandon(&pkg);
		for (int i = 0; i < 50; i++) {
			assert_int_equal(m2m_saip_decode(in.data, in.len, &pkg, NULL), M2M_OK);
			m2m_saip_pkg_abandon(&pkg);
			assert_int_equal(m2m_saip_decode(in.data, in.len, &pkg, NULL), M2M_OK);
			m2m_asn1_arena_begin(&a);
			assert_false(m2m_asn1_arena_owns(pkg.el[0].pe));
			m2m_saip_pkg_abandon(&pkg);
			m2m_asn1_arena_end(&a);
		}
		assert_true(heap_used() < before + TREE_MIN);
		m2m_saip_pe_abandon(NULL);
		m2m_saip_pkg_abandon(NULL);
		m2m_buf_free(&in);
	}
	m2m_buf_free(&out);
	m2m_asn1_arena_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outside_scope),
		cmocka_unit_test(test_alloc),
		cmocka_unit_test(test_grow),
		cmocka_unit_test(test_free_rules),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_end_out_of_order),
		cmocka_unit_test(test_wipe),
		cmocka_unit_test(test_packages),
		cmocka_unit_test(test_foreign_tree),
		cmocka_unit_test(test_abandon),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
