/*
 * One ProfileElement: DER/BER in through the asn1c decoder, DER out through the one-pass
 * encoder of der_fast.h (der_encode stays as m2m_saip_pe_encode_ref, the reference).
 * The element's extent is found with core/tlv.h first, so asn1c never sees bytes past the
 * element and a truncated or overrunning element is reported as such, not as an ASN.1
 * mismatch. Elements are also checked against the module's constraints (docs/saip.md).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/tlv.h"
#include "saip/asn1_alloc/asn1_alloc.h"
#include "saip/der_fast.h"
#include "saip/saip.h"
#include "saip/tlv_quick.h"

/* asn1c checks its own recursion against this bound, so hostile nesting fails cleanly. */
#define STACK_BOUND (1024u * 1024) /* sanitizer builds use far larger frames */

void m2m_saip_error_set(m2m_saip_error *err, const char *type, const char *fmt, ...)
{
	va_list ap;
	if (err == NULL)
		return;
	snprintf(err->type, sizeof err->type, "%s", type != NULL ? type : "");
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
}

const char *m2m_saip_pe_type(const ProfileElement_t *pe)
{
	const asn_TYPE_descriptor_t *td = &asn_DEF_ProfileElement;
	if (pe == NULL || pe->present <= ProfileElement_PR_NOTHING ||
	    (int)pe->present > td->elements_count)
		return "unknown";
	return td->elements[pe->present - 1].name;
}

const char *m2m_saip_tag_type(const uint8_t *p, size_t n)
{
	const asn_CHOICE_specifics_t *spec = asn_DEF_ProfileElement.specifics;
	ber_tlv_tag_t tag = 0;
	if (p == NULL || ber_fetch_tag(p, n, &tag) <= 0)
		return NULL;
	for (int i = 0; i < spec->tag2el_count; i++) {
		if (spec->tag2el[i].el_tag == tag)
			return asn_DEF_ProfileElement.elements[spec->tag2el[i].el_no].name;
	}
	return NULL;
}

/* Runs asn1c on exactly the element's bytes; *pe is set even on failure (partial tree). */
static m2m_err asn1_decode(const uint8_t *p, size_t size, const char *type, ProfileElement_t **pe,
			   m2m_saip_error *err)
{
	asn_codec_ctx_t ctx = {.max_stack_size = STACK_BOUND};
	asn_dec_rval_t rv = ber_decode(&ctx, &asn_DEF_ProfileElement, (void **)pe, p, size);
	if (rv.code == RC_WMORE) {
		m2m_saip_error_set(err, type, "a value inside runs past the element's end (%zu bytes)",
				   size);
		return M2M_ERR_TLV_OVERRUN;
	}
	if (rv.code != RC_OK) {
		m2m_saip_error_set(err, type, "does not match the ASN.1 type, near byte %zu of %zu",
				   rv.consumed, size);
		return M2M_ERR_FORMAT;
	}
	if (rv.consumed != size || *pe == NULL || (*pe)->present == ProfileElement_PR_NOTHING) {
		m2m_saip_error_set(err, type, "decoded %zu of the element's %zu bytes", rv.consumed,
				   size);
		return M2M_ERR_FORMAT;
	}
	return M2M_OK;
}

static m2m_err check_constraints(const ProfileElement_t *pe, const char *type,
				 m2m_saip_error *err)
{
	char why[128] = "";
	size_t why_len = sizeof why;
	if (asn_check_constraints(&asn_DEF_ProfileElement, pe, why, &why_len) == 0)
		return M2M_OK;
	m2m_saip_error_set(err, type, "constraint not met: %s", why);
	return M2M_ERR_FORMAT;
}

m2m_err m2m_saip_pe_decode(const uint8_t *p, size_t n, ProfileElement_t **pe, size_t *consumed,
			   m2m_saip_error *err)
{
	m2m_err rc = M2M_ERR_ARG;
	ProfileElement_t *out = NULL;
	m2m_tlv t;
	size_t off = 0;
	const char *type = NULL;
	if (err != NULL)
		memset(err, 0, sizeof *err);
	if (pe == NULL || consumed == NULL || (p == NULL && n > 0))
		goto out;
	*pe = NULL;
	*consumed = 0;
	rc = m2m_tlv_decode(p, n, M2M_TLV_BER, &t, &off);
	type = m2m_saip_tag_type(p, n);
	if (rc != M2M_OK) {
		m2m_saip_error_set(err, type, "%s at byte %zu of %zu", m2m_strerror(rc), off, n);
		goto out;
	}
	if (type == NULL) {
		rc = M2M_ERR_FORMAT;
		m2m_saip_error_set(err, "", "unknown element tag %X", (unsigned)t.tag);
		goto out;
	}
	/* asn1c 0.9.28 loops for ever on a lone 00 where an indefinite CHOICE ends
	 * (constr_CHOICE.c): only well-formed BER-TLV trees reach it. The quick check accepts the
	 * common case; core/tlv.c judges (and locates the fault in) anything else. */
	if (!m2m_saip_tlv_quick(p, t.size))
		rc = m2m_tlv_validate(p, t.size, M2M_TLV_BER, &off);
	if (rc != M2M_OK) {
		m2m_saip_error_set(err, type, "%s at byte %zu of the element", m2m_strerror(rc), off);
		goto out;
	}
	rc = asn1_decode(p, t.size, type, &out, err);
	if (rc == M2M_OK)
		rc = check_constraints(out, type, err);
	if (rc == M2M_OK) {
		*pe = out;
		*consumed = t.size;
		out = NULL;
	}
out:
	m2m_saip_pe_free(out);
	return rc;
}

struct sink {
	m2m_buf *out;
	m2m_err err;
};

static int append_cb(const void *p, size_t n, void *key)
{
	struct sink *s = key;
	s->err = m2m_buf_append(s->out, p, n);
	return s->err == M2M_OK ? 0 : -1;
}

m2m_err m2m_saip_pe_encode_ref(const ProfileElement_t *pe, m2m_buf *out)
{
	m2m_err rc = M2M_ERR_ARG;
	if (pe == NULL || out == NULL)
		goto out;
	size_t before = out->len;
	struct sink s = {out, M2M_OK};
	/* der_encode takes a non-const pointer but does not write through it. */
	asn_enc_rval_t rv = der_encode(&asn_DEF_ProfileElement, (void *)pe, append_cb, &s);
	rc = M2M_OK;
	if (rv.encoded < 0) {
		/* A callback failure is the buffer's; anything else is a tree der_encode refuses. */
		out->len = before;
		rc = s.err != M2M_OK ? s.err : M2M_ERR_FORMAT;
	}
out:
	return rc;
}

/* The one-pass encoder (der_fast.h): the same bytes as der_encode, several times faster. */
m2m_err m2m_saip_pe_encode(const ProfileElement_t *pe, m2m_buf *out)
{
	m2m_err rc = M2M_ERR_ARG;
	if (pe != NULL && out != NULL)
		rc = m2m_saip_der_encode_fast(&asn_DEF_ProfileElement, pe, out);
	return rc;
}

void m2m_saip_pe_free(ProfileElement_t *pe)
{
	if (pe != NULL)
		ASN_STRUCT_FREE(asn_DEF_ProfileElement, pe);
}

/* Every node of a tree decoded in a scope is arena memory, so the root tells: the walk would
 * only call FREEMEM no-ops (8% of a package's round trip). */
void m2m_saip_pe_abandon(ProfileElement_t *pe)
{
	if (pe != NULL && !m2m_asn1_arena_owns(pe))
		m2m_saip_pe_free(pe);
}
