/*
 * libFuzzer target for the SAIP element decoder and the stream. Besides "never crash or
 * leak", it checks: the stream (input fed in two chunks split at data[0]) returns the same
 * elements as the whole-package decoder, and whatever decodes re-encodes, and the
 * re-encoding decodes again to the same DER (asn1c may normalise BER, but only once). The
 * decode inside a tree arena gives the same verdict and elements, and the package dropped
 * there without the free walk (m2m_saip_pkg_abandon) leaves nothing behind (LSan). The quick
 * element pre-check (tlv_quick.h) never accepts what core/tlv.c's m2m_tlv_validate refuses.
 */
#include <stdlib.h>
#include <string.h>

#include "core/tlv.h"
#include "saip/asn1_alloc/asn1_alloc.h"
#include "saip/saip.h"
#include "saip/tlv_quick.h"

#define MAX_ELEMENT 4096

static void reencode_stable(const ProfileElement_t *pe)
{
	m2m_buf a, b;
	ProfileElement_t *again = NULL;
	size_t used = 0;
	m2m_buf_init(&a);
	m2m_buf_init(&b);
	if (m2m_saip_pe_encode(pe, &a) != M2M_OK)
		goto out; /* asn1c may refuse to encode what it decoded leniently */
	if (m2m_saip_pe_decode(a.data, a.len, &again, &used, NULL) != M2M_OK)
		goto out; /* e.g. a constraint only the re-encoding exposes */
	if (used != a.len || m2m_saip_pe_encode(again, &b) != M2M_OK || b.len != a.len ||
	    memcmp(a.data, b.data, a.len) != 0)
		abort();
out:
	m2m_saip_pe_free(again);
	m2m_buf_free(&a);
	m2m_buf_free(&b);
}

/* Streams data in two chunks; the elements must match pkg's, in order. */
static void stream_matches(const uint8_t *data, size_t size, const m2m_saip_pkg *pkg,
			   m2m_err whole)
{
	m2m_saip_stream s;
	m2m_saip_element el;
	m2m_saip_error err;
	size_t split = size > 0 ? data[0] % (size + 1) : 0, n = 0;
	m2m_err rc = M2M_OK;
	m2m_saip_stream_init(&s, MAX_ELEMENT);
	const size_t at[2][2] = {{0, split}, {split, size - split}};
	for (int c = 0; c < 2 && (rc == M2M_OK || rc == M2M_END); c++) {
		if (m2m_saip_stream_feed(&s, data + at[c][0], at[c][1]) != M2M_OK)
			abort();
		while ((rc = m2m_saip_stream_next(&s, &el, &err)) == M2M_OK) {
			if (n >= pkg->count || el.offset != pkg->el[n].offset ||
			    el.len != pkg->el[n].len || el.pe->present != pkg->el[n].pe->present)
				abort();
			m2m_saip_pe_free(el.pe);
			n++;
		}
	}
	if (rc == M2M_END)
		rc = m2m_saip_stream_finish(&s, &err);
	/* Same verdict as the whole decode (which refuses an empty package), but for elements
	 * over the stream's bound. */
	if ((rc == M2M_OK) != (whole == M2M_OK || size == 0) && rc != M2M_ERR_BOUNDS)
		abort();
	m2m_saip_stream_free(&s);
}

/* Kept across inputs: its spare chunks stay reachable. */
static m2m_asn1_arena arena;

static void arena_matches(const uint8_t *data, size_t size, const m2m_saip_pkg *pkg,
			  m2m_err whole)
{
	m2m_saip_pkg in;
	m2m_saip_pkg_init(&in);
	m2m_asn1_arena_begin(&arena);
	m2m_err rc = m2m_saip_decode(data, size, &in, NULL);
	if (rc != whole || in.count != pkg->count)
		abort();
	for (size_t i = 0; i < in.count; i++)
		if (in.el[i].len != pkg->el[i].len || !m2m_asn1_arena_owns(in.el[i].pe))
			abort();
	m2m_saip_pkg_abandon(&in);
	m2m_asn1_arena_end(&arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;
	if (m2m_saip_tlv_quick(data, size) &&
	    m2m_tlv_validate(data, size, M2M_TLV_BER, &off) != M2M_OK)
		abort();
	m2m_saip_pkg pkg;
	m2m_saip_error err;
	m2m_saip_pkg_init(&pkg);
	m2m_err rc = m2m_saip_decode(data, size, &pkg, &err);
	if (rc != M2M_OK && (err.index != pkg.count || err.offset > size))
		abort();
	for (size_t i = 0; i < pkg.count; i++)
		reencode_stable(pkg.el[i].pe);
	stream_matches(data, size, &pkg, rc);
	arena_matches(data, size, &pkg, rc);
	m2m_saip_pkg_free(&pkg);
	return 0;
}
