/* The backwards writer of the fast DER encoder: bytes, tag-length headers exactly as asn1c's
 * der_write_tags lays them out, and the der_encode fallback for one subtree. */
#include <stdlib.h>
#include <string.h>

#include "saip/der_fast_int.h"

void m2m_saip_rw_init(m2m_saip_rw *w, uint8_t *mem, size_t cap)
{
	w->base = mem;
	w->cap = cap;
	w->pos = cap;
	w->heap = 0;
}

void m2m_saip_rw_free(m2m_saip_rw *w)
{
	m2m_wipe(w->base + w->pos, m2m_saip_rw_used(w));
	if (w->heap)
		free(w->base);
	w->base = NULL;
	w->cap = w->pos = 0;
	w->heap = 0;
}

/* Moves the bytes written so far to the end of a buffer with room for n more. */
static m2m_err grow(m2m_saip_rw *w, size_t n)
{
	m2m_err rc = M2M_ERR_BOUNDS;
	size_t used = m2m_saip_rw_used(w);
	size_t cap = w->cap > 0 ? w->cap : 256;
	while (cap - used < n) {
		if (cap > SIZE_MAX / 2)
			goto out;
		cap *= 2;
	}
	uint8_t *p = malloc(cap);
	rc = M2M_ERR_NOMEM;
	if (p == NULL)
		goto out;
	memcpy(p + cap - used, w->base + w->pos, used);
	m2m_saip_rw_free(w);
	w->base = p;
	w->cap = cap;
	w->pos = cap - used;
	w->heap = 1;
	rc = M2M_OK;
out:
	return rc;
}

m2m_err m2m_saip_rw_put(m2m_saip_rw *w, const void *p, size_t n)
{
	m2m_err rc = w->pos < n ? grow(w, n) : M2M_OK;
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

m2m_err m2m_saip_rw_byte(m2m_saip_rw *w, uint8_t b)
{
	m2m_err rc = w->pos == 0 ? grow(w, 1) : M2M_OK;
	if (rc == M2M_OK)
		w->base[--w->pos] = b;
	return rc;
}

/* One tag and length, as der_write_TL: minimal length form, high tag numbers base 128.
 * Written straight into the buffer (a header is at most TL_MAX bytes): tags are the
 * encoder's most frequent write, too short for a memcpy call to pay. */
#define TL_MAX 24
static m2m_err put_tl(m2m_saip_rw *w, ber_tlv_tag_t tag, size_t len, int constructed)
{
	m2m_err rc = w->pos < TL_MAX ? grow(w, TL_MAX) : M2M_OK;
	if (rc != M2M_OK)
		return rc;
	uint8_t *b = w->base;
	size_t n = w->pos, end = n;
	do {
		b[--n] = (uint8_t)len;
		len >>= 8;
	} while (len > 0);
	if (n < end - 1 || b[n] > 127) {
		b[n - 1] = (uint8_t)(0x80 | (end - n));
		n--;
	}
	ber_tlv_tag_t v = BER_TAG_VALUE(tag);
	uint8_t first = (uint8_t)((BER_TAG_CLASS(tag) << 6) | (constructed ? 0x20 : 0));
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

/* The i-th tag of der_write_tags' list: the outer tag replaces (IMPLICIT) or precedes
 * (EXPLICIT) the type's own; an IMPLICIT tag on an untagged type stands alone. */
m2m_err m2m_saip_rw_tags(m2m_saip_rw *w, const asn_TYPE_descriptor_t *td, size_t start,
			 int tag_mode, ber_tlv_tag_t tag, int last_constructed)
{
	m2m_err rc = M2M_OK;
	int own = td->tags_count, n = own, skip = 0;
	if (tag_mode != 0) {
		skip = (tag_mode == -1 && own > 0) ? 1 : 0;
		n = own + 1 - skip;
	}
	for (int i = n - 1; i >= 0 && rc == M2M_OK; i--) {
		ber_tlv_tag_t t = tag_mode != 0 ? (i == 0 ? tag : td->tags[i - 1 + skip]) : td->tags[i];
		rc = put_tl(w, t, m2m_saip_rw_used(w) - start, last_constructed || i < n - 1);
	}
	return rc;
}

struct sink {
	m2m_buf *b;
	m2m_err err;
};

static int sink_cb(const void *p, size_t n, void *key)
{
	struct sink *s = key;
	s->err = m2m_buf_append(s->b, p, n);
	return s->err == M2M_OK ? 0 : -1;
}

m2m_err m2m_saip_der_fallback(m2m_saip_rw *w, const asn_TYPE_descriptor_t *td, const void *sptr,
			      int tag_mode, ber_tlv_tag_t tag)
{
	m2m_buf tmp;
	m2m_buf_init(&tmp);
	struct sink s = {&tmp, M2M_OK};
	/* asn1c's encoders take non-const pointers; INTEGER's canonicalises in place. */
	asn_TYPE_descriptor_t *t = (asn_TYPE_descriptor_t *)td;
	asn_enc_rval_t rv = t->der_encoder(t, (void *)sptr, tag_mode, tag, sink_cb, &s);
	m2m_err rc = M2M_OK;
	if (rv.encoded < 0)
		rc = s.err != M2M_OK ? s.err : M2M_ERR_FORMAT;
	else
		rc = m2m_saip_rw_put(w, tmp.data, tmp.len);
	m2m_buf_free(&tmp);
	return rc;
}
