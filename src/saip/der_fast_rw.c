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
m2m_err m2m_saip_rw_grow(m2m_saip_rw *w, size_t n)
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

m2m_err m2m_saip_rw_byte(m2m_saip_rw *w, uint8_t b)
{
	m2m_err rc = w->pos == 0 ? m2m_saip_rw_grow(w, 1) : M2M_OK;
	if (rc == M2M_OK)
		w->base[--w->pos] = b;
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
