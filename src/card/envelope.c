/* ENVELOPE SMS-PP DOWNLOAD (TS 102 223 7.1, TS 31.111 7.1.1). */
#include <string.h>

#include "card/envelope.h"
#include "core/tlv.h"

m2m_err m2m_envelope_sms_pp_encode(const m2m_envelope_sms_pp *e, m2m_buf *out)
{
	size_t mark, start = out->len;
	uint8_t dev[2] = {e->src, e->dst};
	m2m_buf addr;
	m2m_buf_init(&addr);
	m2m_err err = M2M_OK;
	if (e->tpdu == NULL || e->tpdu_len == 0) {
		err = M2M_ERR_ARG;
		goto out;
	}
	if (e->has_smsc && ((err = m2m_buf_append_u8(&addr, e->smsc.ton_npi)) != M2M_OK ||
			    (err = m2m_sms_bcd_encode(e->smsc.digits, &addr)) != M2M_OK))
		goto out;
	if ((err = m2m_tlv_begin(out, M2M_ENV_TAG_SMS_PP, &mark)) != M2M_OK ||
	    (err = m2m_tlv_put(out, 0x82, dev, 2)) != M2M_OK ||
	    (e->has_smsc && (err = m2m_tlv_put(out, 0x06, addr.data, addr.len)) != M2M_OK) ||
	    (err = m2m_tlv_put(out, 0x8B, e->tpdu, e->tpdu_len)) != M2M_OK)
		goto out;
	err = m2m_tlv_end(out, mark);
out:
	if (err != M2M_OK && out->len > start)
		out->len = start;
	m2m_buf_free(&addr);
	return err;
}

/* One simple TLV of the envelope; the comprehension-required bit is ignored. */
static m2m_err take_simple(m2m_envelope_sms_pp *e, const m2m_tlv *t, bool *have_dev)
{
	switch (t->tag & 0x7F) {
	case 0x02:
		if (t->len != 2)
			return M2M_ERR_FORMAT;
		e->src = t->value[0];
		e->dst = t->value[1];
		*have_dev = true;
		return M2M_OK;
	case 0x06:
		if (t->len < 1)
			return M2M_ERR_FORMAT;
		e->has_smsc = true;
		e->smsc.ton_npi = t->value[0];
		return m2m_sms_bcd_decode(t->value + 1, t->len - 1, M2M_SMS_ADDR_MAX_DIGITS,
					  e->smsc.digits, sizeof e->smsc.digits);
	case 0x0B:
		e->tpdu = t->value;
		e->tpdu_len = t->len;
		return M2M_OK;
	default:
		return M2M_OK; /* other objects are not ours to judge */
	}
}

m2m_err m2m_envelope_sms_pp_decode(const uint8_t *p, size_t n, m2m_envelope_sms_pp *e)
{
	m2m_tlv top, t;
	m2m_tlv_iter it;
	bool have_dev = false;
	memset(e, 0, sizeof *e);
	m2m_err err = m2m_tlv_decode_one(p, n, M2M_TLV_BER, &top, NULL);
	if (err != M2M_OK)
		return err;
	if (top.tag != M2M_ENV_TAG_SMS_PP || top.indefinite)
		return M2M_ERR_FORMAT;
	m2m_tlv_iter_init(&it, top.value, top.len, M2M_TLV_BER);
	while ((err = m2m_tlv_next(&it, &t)) == M2M_OK) {
		if (t.tag_len != 1 || t.indefinite)
			return M2M_ERR_FORMAT;
		if ((err = take_simple(e, &t, &have_dev)) != M2M_OK)
			return err;
	}
	if (err != M2M_END)
		return err;
	return have_dev && e->tpdu != NULL && e->tpdu_len > 0 ? M2M_OK : M2M_ERR_FORMAT;
}

m2m_err m2m_envelope_apdu(const m2m_envelope_sms_pp *e, m2m_buf *out)
{
	static const uint8_t head[4] = {0x80, 0xC2, 0x00, 0x00};
	m2m_buf body;
	m2m_buf_init(&body);
	m2m_err err = m2m_envelope_sms_pp_encode(e, &body);
	if (err == M2M_OK && body.len > 255)
		err = M2M_ERR_BOUNDS;
	if (err == M2M_OK && (err = m2m_buf_append(out, head, 4)) == M2M_OK &&
	    (err = m2m_buf_append_u8(out, (uint8_t)body.len)) == M2M_OK)
		err = m2m_buf_append(out, body.data, body.len);
	m2m_buf_free(&body);
	return err;
}
