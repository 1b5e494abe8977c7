#include "card/script.h"

#include <string.h>

bool m2m_script_chain_valid(uint8_t v)
{
	return v == M2M_CHAIN_FIRST_DELETE || v == M2M_CHAIN_FIRST_KEEP || v == M2M_CHAIN_NEXT ||
	       v == M2M_CHAIN_LAST;
}

/* ---- building ---- */

/* Any failure drops the whole template, so a half-built script never leaves. */
static m2m_err rollback(m2m_script_builder *sb, m2m_err err)
{
	if (err != M2M_OK) {
		sb->out->len = sb->start;
		sb->open = false;
	}
	return err;
}

m2m_err m2m_script_begin(m2m_script_builder *sb, m2m_buf *out, bool indefinite,
			 m2m_script_chain chain)
{
	if (sb == NULL || out == NULL || (chain != M2M_CHAIN_NONE && !m2m_script_chain_valid(chain)))
		return M2M_ERR_ARG;
	sb->out = out;
	sb->start = out->len;
	sb->indefinite = indefinite;
	sb->open = true;
	m2m_err err = indefinite ? m2m_tlv_begin_indef(out, M2M_SCRIPT_TAG_COMMAND_INDEF)
				 : m2m_tlv_begin(out, M2M_SCRIPT_TAG_COMMAND, &sb->mark);
	/* The chaining TLV comes first in the template (TS 102 226 5.1.3). */
	if (err == M2M_OK && chain != M2M_CHAIN_NONE)
		err = m2m_tlv_put_u8(out, M2M_SCRIPT_TAG_CHAINING, (uint8_t)chain);
	return rollback(sb, err);
}

static m2m_err add_item(m2m_script_builder *sb, uint32_t tag, const uint8_t *v, size_t len,
			size_t min_len)
{
	if (sb == NULL || !sb->open)
		return M2M_ERR_STATE;
	if (len < min_len || (v == NULL && len > 0))
		return rollback(sb, M2M_ERR_ARG);
	return rollback(sb, m2m_tlv_put(sb->out, tag, v, len));
}

m2m_err m2m_script_add_capdu(m2m_script_builder *sb, const uint8_t *apdu, size_t len)
{
	return add_item(sb, M2M_SCRIPT_TAG_CAPDU, apdu, len, 4);
}

m2m_err m2m_script_add_immediate(m2m_script_builder *sb, const uint8_t *action, size_t len)
{
	return add_item(sb, M2M_SCRIPT_TAG_IMMEDIATE, action, len, 1);
}

m2m_err m2m_script_add_error_action(m2m_script_builder *sb, const uint8_t *action, size_t len)
{
	return add_item(sb, M2M_SCRIPT_TAG_ERROR_ACTION, action, len, 0);
}

m2m_err m2m_script_end(m2m_script_builder *sb)
{
	if (sb == NULL || !sb->open)
		return M2M_ERR_STATE;
	m2m_err err = sb->indefinite ? m2m_tlv_end_indef(sb->out) : m2m_tlv_end(sb->out, sb->mark);
	sb->open = false;
	return rollback(sb, err);
}

/* ---- reading ---- */

static m2m_err bad(m2m_script_reader *r, m2m_script_bad_format why)
{
	r->bad_format = why;
	return M2M_ERR_FORMAT;
}

/* Consumes a leading chaining TLV, if any. */
static m2m_err read_chaining(m2m_script_reader *r)
{
	m2m_tlv_iter peek = r->it;
	m2m_tlv t;
	m2m_err err = m2m_tlv_next(&peek, &t);
	if (err == M2M_END)
		return M2M_OK;
	if (err != M2M_OK)
		return bad(r, M2M_BAD_FORMAT_LENGTH);
	if (t.tag != M2M_SCRIPT_TAG_CHAINING)
		return M2M_OK;
	if (t.len != 1 || !m2m_script_chain_valid(t.value[0]))
		return bad(r, M2M_BAD_FORMAT_CHAINING);
	r->chain = (m2m_script_chain)t.value[0];
	r->it = peek;
	return M2M_OK;
}

m2m_err m2m_script_open(m2m_script_reader *r, const uint8_t *data, size_t len)
{
	m2m_tlv t;
	memset(r, 0, sizeof *r);
	if (data == NULL || len == 0)
		return bad(r, M2M_BAD_FORMAT_LENGTH);
	if (m2m_tlv_decode(data, len, M2M_TLV_BER, &t, NULL) != M2M_OK)
		return bad(r, M2M_BAD_FORMAT_LENGTH);
	if (t.tag == M2M_SCRIPT_TAG_CAPDU) {
		/* No template: the C-APDU TLVs themselves. */
		m2m_tlv_iter_init(&r->it, data, len, M2M_TLV_BER);
		return M2M_OK;
	}
	if (t.tag != M2M_SCRIPT_TAG_COMMAND && t.tag != M2M_SCRIPT_TAG_COMMAND_INDEF)
		return bad(r, M2M_BAD_FORMAT_UNKNOWN_TAG);
	if (t.size != len || t.indefinite != (t.tag == M2M_SCRIPT_TAG_COMMAND_INDEF))
		return bad(r, M2M_BAD_FORMAT_LENGTH);
	r->indefinite = t.indefinite;
	m2m_tlv_iter_children(&r->it, &t, M2M_TLV_BER);
	return read_chaining(r);
}

m2m_err m2m_script_next(m2m_script_reader *r, m2m_script_item *item)
{
	m2m_tlv t;
	m2m_err err = m2m_tlv_next(&r->it, &t);
	if (err == M2M_END)
		return M2M_END;
	if (err != M2M_OK || t.indefinite)
		return bad(r, M2M_BAD_FORMAT_LENGTH);
	switch (t.tag) {
	case M2M_SCRIPT_TAG_CAPDU:
		if (t.len < 4)
			return bad(r, M2M_BAD_FORMAT_LENGTH);
		item->type = M2M_SCRIPT_ITEM_CAPDU;
		r->index++;
		break;
	case M2M_SCRIPT_TAG_IMMEDIATE:
		if (t.len < 1)
			return bad(r, M2M_BAD_FORMAT_LENGTH);
		item->type = M2M_SCRIPT_ITEM_IMMEDIATE;
		break;
	case M2M_SCRIPT_TAG_ERROR_ACTION:
		item->type = M2M_SCRIPT_ITEM_ERROR_ACTION;
		break;
	case M2M_SCRIPT_TAG_CHAINING:
		return bad(r, M2M_BAD_FORMAT_CHAINING); /* only allowed first */
	default:
		return bad(r, M2M_BAD_FORMAT_UNKNOWN_TAG);
	}
	item->data = t.value;
	item->len = t.len;
	return M2M_OK;
}

/* ---- expanded responses ---- */

m2m_err m2m_script_response_build(m2m_buf *out, bool indefinite, uint8_t executed,
				  const uint8_t *const *rapdus, const size_t *lens, size_t count,
				  m2m_script_bad_format bad_format)
{
	if (out == NULL || (count > 0 && (rapdus == NULL || lens == NULL)))
		return M2M_ERR_ARG;
	size_t start = out->len, mark = 0;
	m2m_err err = indefinite ? m2m_tlv_begin_indef(out, M2M_SCRIPT_TAG_RESPONSE_INDEF)
				 : m2m_tlv_begin(out, M2M_SCRIPT_TAG_RESPONSE, &mark);
	if (err == M2M_OK)
		err = m2m_tlv_put_u8(out, M2M_SCRIPT_TAG_EXECUTED, executed);
	for (size_t i = 0; err == M2M_OK && i < count; i++) {
		if (lens[i] < 2)
			err = M2M_ERR_ARG; /* an R-APDU has at least SW1 SW2 */
		else
			err = m2m_tlv_put(out, M2M_SCRIPT_TAG_RAPDU, rapdus[i], lens[i]);
	}
	if (err == M2M_OK && bad_format != M2M_BAD_FORMAT_NONE)
		err = m2m_tlv_put_u8(out, M2M_SCRIPT_TAG_BAD_FORMAT, (uint8_t)bad_format);
	if (err == M2M_OK)
		err = indefinite ? m2m_tlv_end_indef(out) : m2m_tlv_end(out, mark);
	if (err != M2M_OK)
		out->len = start;
	return err;
}

/* One pass over the template for the count and the bad-format code, and to refuse strangers. */
static m2m_err response_scan(m2m_script_response *resp)
{
	m2m_tlv_iter it = resp->it;
	m2m_tlv t;
	m2m_err err;
	bool have_count = false;
	while ((err = m2m_tlv_next(&it, &t)) == M2M_OK) {
		if (t.tag == M2M_SCRIPT_TAG_EXECUTED && t.len == 1 && !have_count) {
			resp->executed = t.value[0];
			have_count = true;
		} else if (t.tag == M2M_SCRIPT_TAG_BAD_FORMAT && t.len == 1) {
			resp->bad_format = (m2m_script_bad_format)t.value[0];
		} else if (t.tag != M2M_SCRIPT_TAG_RAPDU || t.len < 2 || t.indefinite) {
			return M2M_ERR_FORMAT;
		}
	}
	return err == M2M_END && have_count ? M2M_OK : M2M_ERR_FORMAT;
}

m2m_err m2m_script_response_open(m2m_script_response *resp, const uint8_t *data, size_t len)
{
	m2m_tlv t;
	memset(resp, 0, sizeof *resp);
	if (data == NULL || m2m_tlv_decode_one(data, len, M2M_TLV_BER, &t, NULL) != M2M_OK)
		return M2M_ERR_FORMAT;
	if (t.tag != M2M_SCRIPT_TAG_RESPONSE && t.tag != M2M_SCRIPT_TAG_RESPONSE_INDEF)
		return M2M_ERR_FORMAT;
	if (t.indefinite != (t.tag == M2M_SCRIPT_TAG_RESPONSE_INDEF))
		return M2M_ERR_FORMAT;
	resp->indefinite = t.indefinite;
	m2m_tlv_iter_children(&resp->it, &t, M2M_TLV_BER);
	return response_scan(resp);
}

m2m_err m2m_script_response_next(m2m_script_response *resp, const uint8_t **rapdu, size_t *len)
{
	m2m_tlv t;
	m2m_err err;
	while ((err = m2m_tlv_next(&resp->it, &t)) == M2M_OK) {
		if (t.tag == M2M_SCRIPT_TAG_RAPDU) {
			*rapdu = t.value;
			*len = t.len;
			return M2M_OK;
		}
	}
	return err;
}

/* ---- compact format ---- */

/* ISO 7816-4 case 2 commands: P3 is Le and no data follows. */
static bool is_case2(uint8_t ins)
{
	static const uint8_t ins_case2[] = {0xB0, 0xB2, 0xC0, 0xF2, 0xCA, 0x12};
	return memchr(ins_case2, ins, sizeof ins_case2) != NULL;
}

void m2m_script_compact_open(m2m_script_compact_reader *r, const uint8_t *data, size_t len)
{
	m2m_rd_init(&r->rd, data, len);
}

m2m_err m2m_script_compact_next(m2m_script_compact_reader *r, const uint8_t **apdu, size_t *len)
{
	if (m2m_rd_left(&r->rd) == 0)
		return M2M_END;
	const uint8_t *hdr;
	size_t start = r->rd.pos;
	if (m2m_rd_take(&r->rd, 5, &hdr) != M2M_OK)
		return M2M_ERR_FORMAT;
	size_t lc = is_case2(hdr[1]) ? 0 : hdr[4];
	const uint8_t *data;
	if (m2m_rd_take(&r->rd, lc, &data) != M2M_OK) {
		r->rd.pos = start;
		return M2M_ERR_FORMAT;
	}
	*apdu = hdr;
	*len = 5 + lc;
	return M2M_OK;
}

m2m_err m2m_script_compact_response_build(m2m_buf *out, uint8_t executed, uint16_t sw,
					  const uint8_t *data, size_t len)
{
	if (out == NULL || (data == NULL && len > 0))
		return M2M_ERR_ARG;
	size_t start = out->len;
	m2m_err err = m2m_buf_append_u8(out, executed);
	if (err == M2M_OK)
		err = m2m_buf_append_u16be(out, sw);
	if (err == M2M_OK)
		err = m2m_buf_append(out, data, len);
	if (err != M2M_OK)
		out->len = start;
	return err;
}

m2m_err m2m_script_compact_response_parse(const uint8_t *in, size_t len, uint8_t *executed,
					  uint16_t *sw, const uint8_t **data, size_t *data_len)
{
	if (in == NULL || len < 3)
		return M2M_ERR_FORMAT;
	*executed = in[0];
	*sw = (uint16_t)(in[1] << 8 | in[2]);
	*data = in + 3;
	*data_len = len - 3;
	return M2M_OK;
}
