/* Streaming SAIP decode: any chunking gives the elements of the whole-package decode, memory
 * stays bounded by one element, and errors name the element (index, offset, type). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "saip/saip.h"

#define VEC M2MRSP_SOURCE_DIR "/../shared/vectors/saip/"

static const char *const packages[] = {
	VEC "TS48v1_A.der",
	VEC "TS48v2_SAIP2.3_NoBERTLV.der",
	VEC "TS48v5_SAIP2.3_BERTLV_SUCI.der",
};

static void load(const char *path, m2m_buf *b, m2m_saip_pkg *pkg)
{
	m2m_buf_init(b);
	m2m_saip_pkg_init(pkg);
	assert_int_equal(m2m_saip_read_file(path, b), M2M_OK);
	assert_int_equal(m2m_saip_decode(b->data, b->len, pkg, NULL), M2M_OK);
}

static void unload(m2m_buf *b, m2m_saip_pkg *pkg)
{
	m2m_buf_free(b);
	m2m_saip_pkg_free(pkg);
}

/* Feeds p in chunks, drains after each feed into got; returns the first error (M2M_OK if
 * none) and the largest number of bytes the stream held after draining. */
static m2m_err stream_all(const uint8_t *p, size_t n, size_t chunk, size_t max_element,
			  m2m_saip_pkg *got, m2m_saip_error *err, size_t *held)
{
	m2m_saip_stream s;
	m2m_err rc = M2M_OK;
	m2m_saip_stream_init(&s, max_element);
	*held = 0;
	for (size_t at = 0; at < n && rc == M2M_OK; at += chunk) {
		size_t k = n - at < chunk ? n - at : chunk;
		assert_int_equal(m2m_saip_stream_feed(&s, p + at, k), M2M_OK);
		m2m_saip_element el;
		while ((rc = m2m_saip_stream_next(&s, &el, err)) == M2M_OK)
			assert_int_equal(m2m_saip_pkg_append(got, el.pe, el.offset, el.len), M2M_OK);
		if (rc == M2M_END)
			rc = M2M_OK;
		if (s.pending.len - s.head > *held)
			*held = s.pending.len - s.head;
	}
	if (rc == M2M_OK)
		rc = m2m_saip_stream_finish(&s, err);
	if (rc == M2M_OK)
		assert_int_equal(s.index, got->count);
	m2m_saip_stream_free(&s);
	return rc;
}

static void same_elements(const m2m_saip_pkg *a, const m2m_saip_pkg *b, const m2m_buf *der)
{
	m2m_buf out;
	m2m_buf_init(&out);
	assert_int_equal(a->count, b->count);
	for (size_t i = 0; i < a->count; i++) {
		assert_string_equal(m2m_saip_pe_type(a->el[i].pe), m2m_saip_pe_type(b->el[i].pe));
		assert_int_equal(a->el[i].offset, b->el[i].offset);
		assert_int_equal(a->el[i].len, b->el[i].len);
		out.len = 0;
		assert_int_equal(m2m_saip_pe_encode(b->el[i].pe, &out), M2M_OK);
		assert_int_equal(out.len, b->el[i].len);
		assert_memory_equal(out.data, der->data + b->el[i].offset, out.len);
	}
	m2m_buf_free(&out);
}

static void test_chunk_sizes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof packages / sizeof packages[0]; i++) {
		m2m_buf der;
		m2m_saip_pkg whole;
		load(packages[i], &der, &whole);
		size_t largest = 0;
		for (size_t k = 0; k < whole.count; k++)
			largest = whole.el[k].len > largest ? whole.el[k].len : largest;
		const size_t chunks[] = {1, 7, 1000, der.len};
		for (size_t c = 0; c < 4; c++) {
			m2m_saip_pkg got;
			m2m_saip_error err;
			size_t held = 0;
			m2m_saip_pkg_init(&got);
			m2m_err rc = stream_all(der.data, der.len, chunks[c], 0, &got, &err, &held);
			if (rc != M2M_OK)
				fail_msg("%s chunk %zu: element %zu (%s) at %zu: %s", packages[i],
					 chunks[c], err.index, err.type, err.offset, err.msg);
			same_elements(&whole, &got, &der);
			/* Bounded by one element plus one chunk, not by the package. */
			if (chunks[c] < der.len)
				assert_true(held < largest + chunks[c]);
			m2m_saip_pkg_free(&got);
		}
		unload(&der, &whole);
	}
}

/* Cut anywhere inside element k: finish names element k; at its end, all is well. */
static void cut_stream(const m2m_buf *der, const m2m_saip_pkg *whole, size_t k, size_t chunk)
{
	const m2m_saip_element *e = &whole->el[k];
	for (size_t cut = e->offset + 1; cut <= e->offset + e->len; cut++) {
		m2m_saip_pkg got;
		m2m_saip_error err;
		size_t held;
		m2m_saip_pkg_init(&got);
		m2m_err rc = stream_all(der->data, cut, chunk, 0, &got, &err, &held);
		if (cut == e->offset + e->len) {
			assert_int_equal(rc, M2M_OK);
			assert_int_equal(got.count, k + 1);
		} else {
			assert_int_equal(rc, M2M_ERR_TLV_TRUNCATED);
			assert_int_equal(got.count, k);
			assert_int_equal(err.index, k);
			assert_int_equal(err.offset, e->offset);
			assert_string_equal(err.type, m2m_saip_pe_type(e->pe));
			assert_non_null(strstr(err.msg, "input ends"));
		}
		m2m_saip_pkg_free(&got);
	}
}

static void test_truncated(void **state)
{
	(void)state;
	m2m_buf der;
	m2m_saip_pkg whole;
	load(packages[1], &der, &whole);
	cut_stream(&der, &whole, 0, 7);
	cut_stream(&der, &whole, 1, 1000);
	cut_stream(&der, &whole, whole.count - 1, 1);
	unload(&der, &whole);
}

/* Over max_element: refused from its header alone, before the body is buffered. */
static void test_max_element(void **state)
{
	(void)state;
	m2m_buf der;
	m2m_saip_pkg whole;
	load(packages[1], &der, &whole);
	size_t big = 0;
	while (big < whole.count && whole.el[big].len <= 1000)
		big++;
	assert_true(big < whole.count);
	const m2m_saip_element *e = &whole.el[big];

	m2m_saip_stream s;
	m2m_saip_element el;
	m2m_saip_error err;
	m2m_saip_stream_init(&s, 1000);
	assert_int_equal(m2m_saip_stream_feed(&s, der.data, e->offset + 4), M2M_OK);
	for (size_t i = 0; i < big; i++) {
		assert_int_equal(m2m_saip_stream_next(&s, &el, &err), M2M_OK);
		m2m_saip_pe_free(el.pe);
	}
	assert_int_equal(m2m_saip_stream_next(&s, &el, &err), M2M_ERR_BOUNDS);
	assert_int_equal(err.index, big);
	assert_int_equal(err.offset, e->offset);
	assert_string_equal(err.type, m2m_saip_pe_type(e->pe));
	assert_non_null(strstr(err.msg, "1000-byte limit"));
	/* The stream stays on the failing element. */
	assert_int_equal(m2m_saip_stream_next(&s, &el, &err), M2M_ERR_BOUNDS);
	assert_int_equal(err.index, big);
	m2m_saip_stream_free(&s);

	/* The same with the whole package in one chunk. */
	m2m_saip_pkg got;
	size_t held;
	m2m_saip_pkg_init(&got);
	assert_int_equal(stream_all(der.data, der.len, der.len, 1000, &got, &err, &held),
			 M2M_ERR_BOUNDS);
	assert_int_equal(got.count, big);
	assert_int_equal(err.index, big);
	m2m_saip_pkg_free(&got);
	unload(&der, &whole);
}

/* An indefinite-length element has no declared size: what it holds so far counts. */
static void test_max_element_indefinite(void **state)
{
	(void)state;
	uint8_t p[64] = {0xA1, 0x80, 0x04, 0x3C};
	m2m_saip_stream s;
	m2m_saip_element el;
	m2m_saip_error err;
	m2m_saip_stream_init(&s, 32);
	assert_int_equal(m2m_saip_stream_feed(&s, p, 20), M2M_OK);
	assert_int_equal(m2m_saip_stream_next(&s, &el, &err), M2M_END);
	assert_int_equal(m2m_saip_stream_feed(&s, p + 20, 20), M2M_OK);
	assert_int_equal(m2m_saip_stream_next(&s, &el, &err), M2M_ERR_BOUNDS);
	assert_string_equal(err.type, "genericFileManagement");
	assert_non_null(strstr(err.msg, "at least 40"));
	m2m_saip_stream_free(&s);
}

static void test_bad_elements(void **state)
{
	(void)state;
	m2m_buf der;
	m2m_saip_pkg whole;
	load(packages[1], &der, &whole);
	size_t len = der.len;
	static const uint8_t garbage[] = {0x00, 0x00, 0x01};
	assert_int_equal(m2m_buf_append(&der, garbage, sizeof garbage), M2M_OK);
	const size_t chunks[] = {1, 7, 1000, der.len};
	for (size_t c = 0; c < 4; c++) {
		m2m_saip_pkg got;
		m2m_saip_error err;
		size_t held;
		m2m_saip_pkg_init(&got);
		/* Trailing garbage after the end element. */
		assert_int_equal(stream_all(der.data, der.len, chunks[c], 0, &got, &err, &held),
				 M2M_ERR_TLV_TAG);
		assert_int_equal(err.index, 30);
		assert_int_equal(err.offset, len);
		m2m_saip_pkg_free(&got);
		/* An unknown tag in place of element 3. */
		m2m_saip_pkg_init(&got);
		uint8_t keep = der.data[whole.el[3].offset];
		der.data[whole.el[3].offset] = 0x9F;
		assert_int_not_equal(stream_all(der.data, der.len, chunks[c], 0, &got, &err, &held),
				     M2M_OK);
		der.data[whole.el[3].offset] = keep;
		assert_int_equal(got.count, 3);
		assert_int_equal(err.index, 3);
		assert_int_equal(err.offset, whole.el[3].offset);
		m2m_saip_pkg_free(&got);
	}
	unload(&der, &whole);
}

static void test_ber_indefinite(void **state)
{
	(void)state;
	static const uint8_t ber[] = {0xAA, 0x80, 0xA0, 0x05, 0x80, 0x00,
				      0x81, 0x01, 0x1F, 0x00, 0x00};
	for (size_t chunk = 1; chunk <= sizeof ber; chunk++) {
		m2m_saip_pkg got;
		m2m_saip_error err;
		size_t held;
		m2m_saip_pkg_init(&got);
		assert_int_equal(stream_all(ber, sizeof ber, chunk, 0, &got, &err, &held), M2M_OK);
		assert_int_equal(got.count, 1);
		assert_string_equal(m2m_saip_pe_type(got.el[0].pe), "end");
		assert_int_equal(got.el[0].len, sizeof ber);
		m2m_saip_pkg_free(&got);
	}
}

static void test_finish_states(void **state)
{
	(void)state;
	static const uint8_t end[] = {0xAA, 0x07, 0xA0, 0x05, 0x80, 0x00, 0x81, 0x01, 0x1F};
	m2m_saip_stream s;
	m2m_saip_error err;
	m2m_saip_element el;
	m2m_saip_stream_init(&s, 0);
	assert_int_equal(s.max_element, M2M_SAIP_ELEMENT_MAX);
	assert_int_equal(m2m_saip_stream_finish(&s, &err), M2M_OK);
	assert_int_equal(m2m_saip_stream_next(&s, &el, &err), M2M_END);
	assert_int_equal(m2m_saip_stream_feed(&s, end, sizeof end), M2M_OK);
	/* A complete element not taken yet. */
	assert_int_equal(m2m_saip_stream_finish(&s, &err), M2M_ERR_STATE);
	assert_string_equal(err.type, "end");
	assert_int_equal(m2m_saip_stream_next(&s, &el, &err), M2M_OK);
	assert_int_equal(el.offset, 0);
	assert_int_equal(el.len, sizeof end);
	m2m_saip_pe_free(el.pe);
	assert_int_equal(m2m_saip_stream_finish(&s, &err), M2M_OK);
	assert_int_equal(m2m_saip_stream_feed(&s, NULL, 3), M2M_ERR_ARG);
	assert_int_equal(m2m_saip_stream_next(&s, NULL, &err), M2M_ERR_ARG);
	m2m_saip_stream_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chunk_sizes),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_max_element),
		cmocka_unit_test(test_max_element_indefinite),
		cmocka_unit_test(test_bad_elements),
		cmocka_unit_test(test_ber_indefinite),
		cmocka_unit_test(test_finish_states),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
