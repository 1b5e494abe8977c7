/* Internals of the fast DER encoder (der_fast*.c): the backwards writer and per-kind encoders. */
#ifndef M2M_SAIP_DER_FAST_INT_H
#define M2M_SAIP_DER_FAST_INT_H

#include <stddef.h>
#include <stdint.h>

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
m2m_err m2m_saip_rw_put(m2m_saip_rw *w, const void *p, size_t n);
m2m_err m2m_saip_rw_byte(m2m_saip_rw *w, uint8_t b);
/* Writes the tags der_write_tags would for td (IMPLICIT/EXPLICIT tag_mode, outer tag), around
 * the content written since used == start; last_constructed is der_write_tags' last_tag_form. */
m2m_err m2m_saip_rw_tags(m2m_saip_rw *w, const asn_TYPE_descriptor_t *td, size_t start,
			 int tag_mode, ber_tlv_tag_t tag, int last_constructed);

/* Encodes one value with asn1c's own encoder for td and prepends the bytes: the fallback. */
m2m_err m2m_saip_der_fallback(m2m_saip_rw *w, const asn_TYPE_descriptor_t *td, const void *sptr,
			      int tag_mode, ber_tlv_tag_t tag);
/* A primitive of td's kind, M2M_END if td is no primitive this encoder knows. */
m2m_err m2m_saip_der_prim(m2m_saip_rw *w, const asn_TYPE_descriptor_t *td, const void *sptr,
			  int tag_mode, ber_tlv_tag_t tag);

#endif
