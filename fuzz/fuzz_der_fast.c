/*
 * Differential libFuzzer target for the one-pass DER encoder (src/saip/der_fast*.c): the
 * input is decoded as one ProfileElement with asn1c; whatever decodes (constraints or not)
 * must encode to the very same bytes, or fail alike, with the fast encoder and der_encode.
 * Only inputs that are a DER-shaped TLV tree are decoded: asn1c 0.9.28's CHOICE decoder
 * loops forever on an indefinite-length tagged CHOICE ended by 00 xx (constr_CHOICE.c, the
 * "UNREACHABLE" end-of-content loop), which is the decoder's problem, not the encoder's.
 */
#include <stdlib.h>
#include <string.h>

#include "core/tlv.h"
#include "saip/der_fast.h"
#include "saip/saip.h"

static int sink(const void *p, size_t n, void *key)
{
	return m2m_buf_append(key, p, n) == M2M_OK ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ProfileElement_t *pe = NULL;
	asn_codec_ctx_t ctx = {.max_stack_size = 1024 * 1024};
	m2m_buf fast, ref;
	m2m_buf_init(&fast);
	m2m_buf_init(&ref);
	size_t off = 0;
	if (m2m_tlv_validate(data, size, M2M_TLV_DER, &off) != M2M_OK)
		goto out;
	asn_dec_rval_t rv = ber_decode(&ctx, &asn_DEF_ProfileElement, (void **)&pe, data, size);
	if (rv.code != RC_OK || pe == NULL)
		goto out;
	/* Fast first: der_encode canonicalises INTEGER values in place. */
	m2m_err rc = m2m_saip_der_encode_fast(&asn_DEF_ProfileElement, pe, &fast);
	int ok = der_encode(&asn_DEF_ProfileElement, pe, sink, &ref).encoded >= 0;
	if ((rc == M2M_OK) != ok || (!ok && fast.len != 0))
		abort();
	if (ok && (fast.len != ref.len || memcmp(fast.data, ref.data, ref.len) != 0))
		abort();
out:
	if (pe != NULL)
		ASN_STRUCT_FREE(asn_DEF_ProfileElement, pe);
	m2m_buf_free(&fast);
	m2m_buf_free(&ref);
	return 0;
}
