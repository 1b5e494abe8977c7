/* The fast DER encoder's walk over constructed values (constr_SEQUENCE.c, constr_CHOICE.c,
 * constr_SEQUENCE_OF.c), written backwards: members last to first, then the value's tags.
 * Like asn1c 0.9.28's SEQUENCE_encode_der it writes DEFAULT members even when they hold the
 * default value (that encoder never omits them, and its output is the reference). */
#include "asn_SEQUENCE_OF.h"
#include "constr_CHOICE.h"
#include "constr_SEQUENCE.h"
#include "constr_SEQUENCE_OF.h"
#include "saip/der_fast_int.h"

static m2m_err enc_value(m2m_saip_rw *w, const asn_TYPE_descriptor_t *td, const void *sptr,
			 int tag_mode, ber_tlv_tag_t tag, unsigned depth);

/* The member's value, NULL when an ATF_POINTER member is absent. */
static const void *member(const asn_TYPE_member_t *elm, const void *sptr)
{
	const char *at = (const char *)sptr + elm->memb_offset;
	return (elm->flags & ATF_POINTER) ? *(const void *const *)at : at;
}

static m2m_err enc_sequence(m2m_saip_rw *w, const asn_TYPE_descriptor_t *td, const void *sptr,
			    int tag_mode, ber_tlv_tag_t tag, unsigned depth)
{
	m2m_err rc = M2M_OK;
	size_t start = m2m_saip_rw_used(w);
	for (int i = td->elements_count - 1; i >= 0 && rc == M2M_OK; i--) {
		const asn_TYPE_member_t *elm = &td->elements[i];
		const void *v = member(elm, sptr);
		if (v == NULL)
			rc = elm->optional ? M2M_OK : M2M_ERR_FORMAT;
		else
			rc = enc_value(w, elm->type, v, elm->tag_mode, elm->tag, depth + 1);
	}
	if (rc == M2M_OK)
		rc = m2m_saip_rw_tags(w, td, start, tag_mode, tag, 1);
	return rc;
}

/* Members are written with tag_mode 0 whatever the member's own tagging, as asn1c does. */
static m2m_err enc_list(m2m_saip_rw *w, const asn_TYPE_descriptor_t *td, const void *sptr,
			int tag_mode, ber_tlv_tag_t tag, unsigned depth)
{
	m2m_err rc = M2M_OK;
	const asn_anonymous_sequence_ *list = sptr;
	const asn_TYPE_member_t *elm = td->elements;
	size_t start = m2m_saip_rw_used(w);
	for (int i = list->count - 1; i >= 0 && rc == M2M_OK; i--) {
		if (list->array[i] != NULL)
			rc = enc_value(w, elm->type, list->array[i], 0, elm->tag, depth + 1);
	}
	if (rc == M2M_OK)
		rc = m2m_saip_rw_tags(w, td, start, tag_mode, tag, 1);
	return rc;
}

static int choice_present(const asn_CHOICE_specifics_t *specs, const void *sptr)
{
	const char *at = (const char *)sptr + specs->pres_offset;
	switch (specs->pres_size) {
	case sizeof(int):
		return *(const int *)at;
	case sizeof(short):
		return *(const short *)at;
	case sizeof(char):
		return *(const char *)at;
	default:
		return 0;
	}
}

/* The present alternative; only a tagged CHOICE (or one under an EXPLICIT tag) gets tags:
 * asn1c makes the tag of a member of untagged CHOICE type EXPLICIT at compile time. */
static m2m_err enc_choice(m2m_saip_rw *w, const asn_TYPE_descriptor_t *td, const void *sptr,
			  int tag_mode, ber_tlv_tag_t tag, unsigned depth)
{
	m2m_err rc = M2M_ERR_FORMAT;
	int present = choice_present(td->specifics, sptr);
	size_t start = m2m_saip_rw_used(w);
	if (present <= 0 || present > td->elements_count) {
		if (present == 0 && td->elements_count == 0)
			rc = M2M_OK; /* an empty CHOICE encodes to nothing */
		goto out;
	}
	const asn_TYPE_member_t *elm = &td->elements[present - 1];
	const void *v = member(elm, sptr);
	if (v == NULL) {
		rc = elm->optional ? M2M_OK : M2M_ERR_FORMAT; /* asn1c writes nothing, not even tags */
		goto out;
	}
	rc = enc_value(w, elm->type, v, elm->tag_mode, elm->tag, depth + 1);
	if (rc == M2M_OK && (tag_mode == 1 || td->tags_count > 0))
		rc = m2m_saip_rw_tags(w, td, start, tag_mode, tag, 1);
out:
	return rc;
}

static m2m_err enc_value(m2m_saip_rw *w, const asn_TYPE_descriptor_t *td, const void *sptr,
			 int tag_mode, ber_tlv_tag_t tag, unsigned depth)
{
	m2m_err rc = M2M_ERR_BOUNDS;
	der_type_encoder_f *enc = td->der_encoder;
	if (depth > M2M_SAIP_DER_FAST_DEPTH)
		goto out;
	if (enc == SEQUENCE_encode_der)
		rc = enc_sequence(w, td, sptr, tag_mode, tag, depth);
	else if (enc == SEQUENCE_OF_encode_der)
		rc = enc_list(w, td, sptr, tag_mode, tag, depth);
	else if (enc == CHOICE_encode_der)
		rc = enc_choice(w, td, sptr, tag_mode, tag, depth);
	else
		rc = m2m_saip_der_prim(w, td, sptr, tag_mode, tag);
	/* SET OF (needs DER sorting), or a derived type's wrapper before its first use (the
	 * call makes it copy its base's pointers, so the next value takes the fast path). */
	if (rc == M2M_END)
		rc = m2m_saip_der_fallback(w, td, sptr, tag_mode, tag);
out:
	return rc;
}

m2m_err m2m_saip_der_encode_fast(const asn_TYPE_descriptor_t *td, const void *sptr,
				 m2m_buf *out)
{
	m2m_err rc = M2M_ERR_ARG;
	uint8_t stack[4096];
	m2m_saip_rw w;
	m2m_saip_rw_init(&w, stack, sizeof stack);
	if (td == NULL || sptr == NULL || out == NULL)
		goto out;
	rc = enc_value(&w, td, sptr, 0, 0, 0);
	if (rc == M2M_OK)
		rc = m2m_buf_append(out, w.base + w.pos, m2m_saip_rw_used(&w));
out:
	m2m_saip_rw_free(&w);
	return rc;
}
