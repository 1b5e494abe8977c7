/* Internals of the fast DER encoder (der_fast*.c): the backwards writer and per-kind encoders. */
#ifndef M2M_SAIP_DER_FAST_INT_H
#define M2M_SAIP_DER_FAST_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "saip/der_fast.h"

/* Bytes are written downwards: the encoding so far is base[pos..cap). It starts in a caller
 * buffer (usually on the stack) and moves to the heap when that is too small. */
typedef struct {
	uint8_t *base;
	size_t cap;
	size_t pos;
	int heap; /* base is ours to free */
} m2m_saip_rw;

void m2m_saip_rw_init(m2m_saip_rw *w, uint8_t *mem, size_t cap);
/* Wipes what was written (it may hold keys) and frees heap memory. */
void m2m_saip_rw_free(m2m_saip_rw *w);
/* Bytes written so far: differences of it are lengths, unchanged by growing. */
static inline size_t m2m_saip_rw_used(const m2m_saip_rw *w)
{
	return w->cap - w->pos;
}
/* Makes room for n more bytes (moves to the heap): the slow path of the writers below. */
m2m_err m2m_saip_rw_grow(m2m_saip_rw *w, size_t n);
m2m_err m2m_saip_rw_byte(m2m_saip_rw *w, uint8_t b);
/* Encodes one value with asn1c's own encoder for td and prepends the bytes: the fallback. */
m2m_err m2m_saip_der_fallback(m2m_saip_rw *w, const asn_TYPE_descriptor_t *td, const void *sptr,
			      int tag_mode, ber_tlv_tag_t tag);
/* A primitive of td's kind, M2M_END if td is no primitive this encoder knows. */
m2m_err m2m_saip_der_prim(m2m_saip_rw *w, const asn_TYPE_descriptor_t *td, const void *sptr,
			  int tag_mode, ber_tlv_tag_t tag);

/* The writers called for every value: inline, they are most of the encoder's calls. */
static inline m2m_err m2m_saip_rw_put(m2m_saip_rw *w, const void *p, size_t n)
{
	m2m_err rc = w->pos < n ? m2m_saip_rw_grow(w, n) : M2M_OK;
	if (rc == M2M_OK && n > 0) {
		w->pos -= n;
		/* Most contents are a few bytes (integers, flags, FIDs): no memcpy call. */
		if (n <= 8)
			for (size_t i = 0; i < n; i++)
				w->base[w->pos + i] = ((const uint8_t *)p)[i];
		else
			memcpy(w->base + w->pos, p, n);
	}
	return rc;
}

/* One tag and length, as der_write_TL: minimal length form, high tag numbers base 128.
 * Written straight into the buffer (a header is at most M2M_SAIP_TL_MAX bytes): tags are the
 * encoder's most frequent write, too short for a memcpy call to pay. */
#define M2M_SAIP_TL_MAX 24
static inline m2m_err m2m_saip_rw_tl(m2m_saip_rw *w, ber_tlv_tag_t tag, size_t len,
				     int constructed)
{
	m2m_err rc = w->pos < M2M_SAIP_TL_MAX ? m2m_saip_rw_grow(w, M2M_SAIP_TL_MAX) : M2M_OK;
	if (rc != M2M_OK)
		return rc;
	uint8_t *b = w->base;
	size_t n = w->pos, end = n;
	uint8_t first = (uint8_t)((BER_TAG_CLASS(tag) << 6) | (constructed ? 0x20 : 0));
	ber_tlv_tag_t v = BER_TAG_VALUE(tag);
	/* Most headers are two bytes: a low tag number and a short length. */
	if (len < 0x80 && v <= 30) {
		b[n - 1] = (uint8_t)len;
		b[n - 2] = (uint8_t)(first | v);
		w->pos = n - 2;
		return M2M_OK;
	}
	do {
		b[--n] = (uint8_t)len;
		len >>= 8;
	} while (len > 0);
	if (n < end - 1 || b[n] > 127) {
		b[n - 1] = (uint8_t)(0x80 | (end - n));
		n--;
	}
	if (v <= 30) {
		b[--n] = (uint8_t)(first | v);
	} else {
		b[--n] = (uint8_t)(v & 0x7F);
		for (v >>= 7; v > 0; v >>= 7)
			b[--n] = (uint8_t)(0x80 | (v & 0x7F));
		b[--n] = (uint8_t)(first | 0x1F);
	}
	w->pos = n;
	return M2M_OK;
}

/* Writes the tags der_write_tags would for td (IMPLICIT/EXPLICIT tag_mode, outer tag), around
 * the content written since used == start; last_constructed is der_write_tags' last_tag_form.
 * The i-th tag of der_write_tags' list: the outer tag replaces (IMPLICIT) or precedes
 * (EXPLICIT) the type's own; an IMPLICIT tag on an untagged type stands alone. */
static inline m2m_err m2m_saip_rw_tags(m2m_saip_rw *w, const asn_TYPE_descriptor_t *td,
				       size_t start, int tag_mode, ber_tlv_tag_t tag,
				       int last_constructed)
{
	m2m_err rc = M2M_OK;
	int own = td->tags_count, n = own, skip = 0;
	if (tag_mode != 0) {
		skip = (tag_mode == -1 && own > 0) ? 1 : 0;
		n = own + 1 - skip;
	}
	for (int i = n - 1; i >= 0 && rc == M2M_OK; i--) {
		ber_tlv_tag_t t =
			tag_mode != 0 ? (i == 0 ? tag : td->tags[i - 1 + skip]) : td->tags[i];
		rc = m2m_saip_rw_tl(w, t, m2m_saip_rw_used(w) - start,
				    last_constructed || i < n - 1);
	}
	return rc;
}

#endif
