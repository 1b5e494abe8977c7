/* Primitive values for the fast DER encoder, content bytes exactly as asn1c 0.9.28's own
 * encoders produce them (INTEGER.c, NativeInteger.c, BOOLEAN.c, NULL.c, OCTET_STRING.c,
 * asn_codecs_prim.c). Values those encoders would mangle are handed to them (fallback). */
#include "BOOLEAN.h"
#include "INTEGER.h"
#include "NULL.h"
#include "NativeInteger.h"
#include "OCTET_STRING.h"
#include "BIT_STRING.h"
#include "asn_codecs_prim.h"
#include "saip/der_fast_int.h"

/* Content then tags: the common tail of every primitive. */
static m2m_err prim(m2m_saip_rw *w, const asn_TYPE_descriptor_t *td, const uint8_t *p, size_t n,
		    int tag_mode, ber_tlv_tag_t tag)
{
	size_t start = m2m_saip_rw_used(w);
	m2m_err rc = m2m_saip_rw_put(w, p, n);
	if (rc == M2M_OK)
		rc = m2m_saip_rw_tags(w, td, start, tag_mode, tag, 0);
	return rc;
}

/* INTEGER_encode_der drops redundant leading 0x00/0xFF octets (in place; we skip them). */
static size_t int_skip(const uint8_t *p, size_t n)
{
	size_t i = 0;
	for (; i + 1 < n; i++) {
		if (!(p[i] == 0x00 && (p[i + 1] & 0x80) == 0) &&
		    !(p[i] == 0xFF && (p[i + 1] & 0x80) != 0))
			break;
	}
	return i;
}

/* A size asn1c's encoders would write but not match with content: left to them. */
static int odd_size(const uint8_t *buf, int size)
{
	return size < 0 || (buf == NULL && size != 0);
}

static m2m_err enc_integer(m2m_saip_rw *w, const asn_TYPE_descriptor_t *td, const INTEGER_t *st,
			   int tag_mode, ber_tlv_tag_t tag)
{
	m2m_err rc = M2M_OK;
	if (odd_size(st->buf, st->size)) {
		rc = m2m_saip_der_fallback(w, td, st, tag_mode, tag);
	} else if (st->buf == NULL) {
		rc = prim(w, td, NULL, 0, tag_mode, tag);
	} else {
		size_t skip = int_skip(st->buf, (size_t)st->size);
		rc = prim(w, td, st->buf + skip, (size_t)st->size - skip, tag_mode, tag);
	}
	return rc;
}

/* NativeInteger_encode_der: the long's 8 big-endian octets, then INTEGER's trimming. */
static m2m_err enc_native(m2m_saip_rw *w, const asn_TYPE_descriptor_t *td, const long *v,
			  int tag_mode, ber_tlv_tag_t tag)
{
	uint8_t b[sizeof(long)];
	unsigned long u = (unsigned long)*v;
	for (size_t i = sizeof b; i > 0; i--, u >>= 8)
		b[i - 1] = (uint8_t)u;
	size_t skip = int_skip(b, sizeof b);
	return prim(w, td, b + skip, sizeof b - skip, tag_mode, tag);
}

/* BIT STRING: the unused-bit count first, and those bits cleared in the last octet. */
static m2m_err enc_bits(m2m_saip_rw *w, const asn_TYPE_descriptor_t *td, const BIT_STRING_t *st,
			int tag_mode, ber_tlv_tag_t tag)
{
	m2m_err rc = M2M_OK;
	size_t start = m2m_saip_rw_used(w), n = (size_t)st->size;
	int unused = st->bits_unused;
	if (unused > 0 && n > 0) {
		rc = m2m_saip_rw_byte(w, (uint8_t)(st->buf[n - 1] & (0xFF << unused)));
		n--;
	}
	if (rc == M2M_OK)
		rc = m2m_saip_rw_put(w, st->buf, n);
	if (rc == M2M_OK)
		rc = m2m_saip_rw_byte(w, (uint8_t)unused);
	if (rc == M2M_OK)
		rc = m2m_saip_rw_tags(w, td, start, tag_mode, tag, 0);
	return rc;
}

static m2m_err enc_octets(m2m_saip_rw *w, const asn_TYPE_descriptor_t *td,
			  const BIT_STRING_t *st, int tag_mode, ber_tlv_tag_t tag)
{
	const asn_OCTET_STRING_specifics_t *specs =
		td->specifics != NULL ? td->specifics : asn_DEF_OCTET_STRING.specifics;
	m2m_err rc = M2M_OK;
	/* ANY has its own tag rules; unused-bit counts over 7 asn1c mishandles. */
	if (specs->subvariant == ASN_OSUBV_ANY || odd_size(st->buf, st->size) ||
	    (specs->subvariant == ASN_OSUBV_BIT && (st->bits_unused < 0 || st->bits_unused > 7)))
		rc = m2m_saip_der_fallback(w, td, st, tag_mode, tag);
	else if (specs->subvariant == ASN_OSUBV_BIT)
		rc = enc_bits(w, td, st, tag_mode, tag);
	else
		rc = prim(w, td, st->buf, (size_t)st->size, tag_mode, tag);
	return rc;
}

/* DER wants 0xFF for TRUE, whatever non-zero value the int holds. */
static m2m_err enc_bool(m2m_saip_rw *w, const asn_TYPE_descriptor_t *td, const BOOLEAN_t *v,
			int tag_mode, ber_tlv_tag_t tag)
{
	uint8_t b = *v ? 0xFF : 0x00;
	return prim(w, td, &b, 1, tag_mode, tag);
}

static m2m_err enc_raw(m2m_saip_rw *w, const asn_TYPE_descriptor_t *td,
		       const ASN__PRIMITIVE_TYPE_t *st, int tag_mode, ber_tlv_tag_t tag)
{
	m2m_err rc = M2M_OK;
	if (odd_size(st->buf, st->size))
		rc = m2m_saip_der_fallback(w, td, st, tag_mode, tag);
	else
		rc = prim(w, td, st->buf, (size_t)st->size, tag_mode, tag);
	return rc;
}

m2m_err m2m_saip_der_prim(m2m_saip_rw *w, const asn_TYPE_descriptor_t *td, const void *sptr,
			  int tag_mode, ber_tlv_tag_t tag)
{
	m2m_err rc = M2M_END;
	der_type_encoder_f *enc = td->der_encoder;
	if (enc == NativeInteger_encode_der)
		rc = enc_native(w, td, sptr, tag_mode, tag);
	else if (enc == OCTET_STRING_encode_der)
		rc = enc_octets(w, td, sptr, tag_mode, tag);
	else if (enc == INTEGER_encode_der)
		rc = enc_integer(w, td, sptr, tag_mode, tag);
	else if (enc == BOOLEAN_encode_der)
		rc = enc_bool(w, td, sptr, tag_mode, tag);
	else if (enc == NULL_encode_der)
		rc = prim(w, td, NULL, 0, tag_mode, tag);
	else if (enc == der_encode_primitive)
		rc = enc_raw(w, td, sptr, tag_mode, tag);
	return rc;
}
