/*
 * libFuzzer target for the BER-TLV decoder. Besides "never crash", it checks two properties:
 * whatever decodes also walks, dumps and validates consistently, and DER input that
 * validates re-encodes to the very same bytes through the encoder.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/tlv.h"

static int reencode(const uint8_t *p, size_t n, m2m_buf *out, unsigned depth)
{
	m2m_tlv_iter it;
	m2m_tlv t;
	m2m_err err;
	if (depth > M2M_TLV_MAX_DEPTH)
		return -1;
	m2m_tlv_iter_init(&it, p, n, M2M_TLV_DER);
	while ((err = m2m_tlv_next(&it, &t)) == M2M_OK) {
		if (m2m_tlv_put_tag(out, t.tag) != M2M_OK || m2m_tlv_put_len(out, t.len) != M2M_OK)
			return -1;
		if (t.constructed && !m2m_tlv_is_opaque(t.tag)) {
			if (reencode(t.value, t.len, out, depth + 1) != 0)
				return -1;
		} else if (m2m_buf_append(out, t.value, t.len) != M2M_OK) {
			return -1;
		}
	}
	return err == M2M_END ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	m2m_tlv t;
	size_t off = 0;
	m2m_buf dump, again;
	m2m_buf_init(&dump);
	m2m_buf_init(&again);

	if (m2m_tlv_decode(data, size, M2M_TLV_BER, &t, &off) == M2M_OK) {
		if (t.size > size || t.value < data || t.value + t.len > data + size)
			abort();
	} else if (off > size) {
		abort();
	}

	m2m_err ber = m2m_tlv_validate(data, size, M2M_TLV_BER, &off);
	m2m_err dumped = m2m_tlv_dump(data, size, M2M_TLV_BER, &dump, NULL);
	if ((ber == M2M_OK) != (dumped == M2M_OK))
		abort();

	if (m2m_tlv_validate(data, size, M2M_TLV_DER, NULL) == M2M_OK) {
		if (ber != M2M_OK)
			abort(); /* DER is a subset of BER */
		if (reencode(data, size, &again, 0) != 0 || again.len != size ||
		    (size > 0 && memcmp(again.data, data, size) != 0))
			abort();
	}
	m2m_buf_free(&dump);
	m2m_buf_free(&again);
	return 0;
}
