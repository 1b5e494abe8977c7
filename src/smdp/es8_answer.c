/* What the card says about an SCP03t payload: the list of answer TLVs, and the SAIP
 * EUICCResponse a protected 86 answer carries. */
#include <stdio.h>
#include <string.h>

#include "EUICCResponse.h"
#include "card/script.h"
#include "saip/saip.h"
#include "smdp/es8_int.h"

#define ASN1_STACK_BOUND 30000 /* asn1c's recursion guard, as the SAIP decoder uses */

m2m_err m2m_es8_answers_open(const uint8_t *resp, size_t n, m2m_tlv_iter *it)
{
	m2m_tlv t;
	m2m_err err;

	if (resp == NULL || n == 0)
		return M2M_ERR_FORMAT;
	/* The card's own form (AF 80 .. 00 00); AB L .. from an SM-SR that re-encodes; the bare
	 * TLVs from one that strips the template. All three are unambiguous. */
	if (resp[0] == M2M_SCRIPT_TAG_RESPONSE_INDEF || resp[0] == M2M_SCRIPT_TAG_RESPONSE) {
		err = m2m_tlv_decode_one(resp, n, M2M_TLV_BER, &t, NULL);
		if (err != M2M_OK)
			return err;
		if (t.indefinite != (t.tag == M2M_SCRIPT_TAG_RESPONSE_INDEF))
			return M2M_ERR_FORMAT;
		m2m_tlv_iter_children(it, &t, M2M_TLV_BER);
		return M2M_OK;
	}
	m2m_tlv_iter_init(it, resp, n, M2M_TLV_BER);
	return M2M_OK;
}

static bool pe_ok(const EUICCResponse_t *r, const PEStatus_t **bad)
{
	*bad = NULL;
	for (int i = 0; i < r->peStatus.list.count; i++) {
		const PEStatus_t *p = r->peStatus.list.array[i];
		if (p != NULL && p->status != PEStatus__status_ok) {
			*bad = p;
			break;
		}
	}
	return *bad == NULL && r->profileInstallationAborted == NULL;
}

/* The element the card named, with its type read from our own package at that offset. */
static m2m_err refused(m2m_es8_session *s, size_t seg, const PEStatus_t *p,
		       const EUICCResponse_t *r)
{
	bool memory = p != NULL && (p->status == PEStatus__status_not_enough_memory ||
				    p->status == PEStatus__status_memory_failure);
	long id = p != NULL && p->identification != NULL ? *p->identification : -1;
	long off = p != NULL && p->offset != NULL ? *p->offset : -1;
	const char *type = NULL;
	int msg_len = 0;

	if (off >= 0 && (size_t)off < s->pkg_len)
		type = m2m_saip_tag_type(s->pkg + off, s->pkg_len - (size_t)off);
	if (r->statusMessage != NULL && r->statusMessage->size <= 160)
		msg_len = (int)r->statusMessage->size;
	s->fail.segment = seg;
	s->fail.segment_offset = seg * s->seg_size;
	m2m_es8_fail(s, M2M_ES8_STEP_SEGMENT, M2M_ERR_STATE,
		     memory ? M2M_ES8_SUBJ_EUICC : M2M_ES8_SUBJ_PROFILE,
		     memory ? M2M_ES8_REASON_MEMORY : M2M_ES8_REASON_EXECUTION,
		     "segment %zu: the card refused element %ld (%s) at offset %ld, status %ld"
		     "%s%.*s",
		     seg, id, type != NULL ? type : "?", off, p != NULL ? p->status : -1L,
		     msg_len > 0 ? ": " : "", msg_len,
		     msg_len > 0 ? (const char *)r->statusMessage->buf : "");
	s->fail.has_pe = true;
	s->fail.pe_status = p != NULL ? p->status : -1;
	s->fail.pe_id = id;
	s->fail.pe_offset = off;
	snprintf(s->fail.pe_type, sizeof s->fail.pe_type, "%s", type != NULL ? type : "");
	return s->fail.err;
}

m2m_err m2m_es8_euicc_response_check(m2m_es8_session *s, size_t seg, const uint8_t *der,
				     size_t n, bool last)
{
	asn_codec_ctx_t ctx = {.max_stack_size = ASN1_STACK_BOUND};
	EUICCResponse_t *r = NULL;
	const PEStatus_t *bad;
	asn_dec_rval_t rv = ber_decode(&ctx, &asn_DEF_EUICCResponse, (void **)&r, der, n);
	m2m_err err = M2M_OK;

	if (rv.code != RC_OK || rv.consumed != n) {
		s->fail.segment = seg;
		s->fail.segment_offset = seg * s->seg_size;
		err = m2m_es8_fail(s, M2M_ES8_STEP_SEGMENT, M2M_ERR_FORMAT, M2M_ES8_SUBJ_ISDP,
				   M2M_ES8_REASON_EXECUTION,
				   "segment %zu: the card's answer is no EUICCResponse", seg);
	} else if (!pe_ok(r, &bad)) {
		err = refused(s, seg, bad, r);
	} else if (last) {
		m2m_buf_reset(&s->final);
		err = m2m_buf_append(&s->final, der, n);
	}
	ASN_STRUCT_FREE(asn_DEF_EUICCResponse, r);
	return err;
}
