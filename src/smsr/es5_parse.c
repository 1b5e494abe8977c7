/* Typed parsers of ES5 response data: FF21 resources, GET STATUS E3 entries and the ISD-Ps
 * listed by the notification confirmation. Strict on structure (one template, no trailing
 * bytes, no repeated element, exact lengths where the layout fixes them); unknown elements
 * inside a template are skipped, as GP lets cards add their own. */
#include <string.h>

#include "core/tlv.h"
#include "smsr/es5_result.h"

/* Big-endian unsigned of 1 to 4 bytes. */
static m2m_err be_u32(const m2m_tlv *t, uint32_t *v)
{
	if (t->len < 1 || t->len > 4)
		return M2M_ERR_FORMAT;
	*v = 0;
	for (size_t i = 0; i < t->len; i++)
		*v = *v << 8 | t->value[i];
	return M2M_OK;
}

/* Marks tag bit `bit` in *seen; a second one is an error. */
static m2m_err once(unsigned *seen, unsigned bit)
{
	if (*seen & bit)
		return M2M_ERR_FORMAT;
	*seen |= bit;
	return M2M_OK;
}

static m2m_err resources_item(const m2m_tlv *t, m2m_es5_audit_data *a, unsigned *seen)
{
	uint32_t v = 0;
	m2m_err err = M2M_OK;

	switch (t->tag) {
	case 0x81:
		err = once(seen, 1);
		if (err == M2M_OK)
			err = t->len == 1 ? M2M_OK : M2M_ERR_FORMAT;
		if (err == M2M_OK)
			a->isdp_count = t->value[0];
		break;
	case 0x82:
		err = once(seen, 2);
		if (err == M2M_OK)
			err = be_u32(t, &a->free_nv);
		break;
	case 0x83:
		err = once(seen, 4);
		if (err == M2M_OK)
			err = be_u32(t, &v);
		a->free_volatile = v;
		break;
	default:
		break;
	}
	return err;
}

m2m_err m2m_es5_parse_resources(const uint8_t *p, size_t n, m2m_es5_audit_data *a)
{
	m2m_tlv ff21, t;
	m2m_tlv_iter it;
	unsigned seen = 0;
	m2m_err err = m2m_tlv_decode_one(p, n, M2M_TLV_DER, &ff21, NULL);

	if (err == M2M_OK && ff21.tag != 0xFF21)
		err = M2M_ERR_FORMAT;
	if (err != M2M_OK)
		return err;
	m2m_tlv_iter_children(&it, &ff21, M2M_TLV_DER);
	while ((err = m2m_tlv_next(&it, &t)) == M2M_OK &&
	       (err = resources_item(&t, a, &seen)) == M2M_OK)
		;
	if (err == M2M_END)
		err = seen == 7 ? M2M_OK : M2M_ERR_FORMAT;
	if (err == M2M_OK)
		a->has_resources = true;
	return err;
}

static m2m_err status_item(const m2m_tlv *t, m2m_es5_isdp_status *s, unsigned *seen)
{
	m2m_err err = M2M_OK;

	switch (t->tag) {
	case 0x4F:
		err = once(seen, 1);
		if (err == M2M_OK && (t->len < 5 || t->len > M2M_ES5_AID_SIZE))
			err = M2M_ERR_FORMAT;
		if (err == M2M_OK) {
			memcpy(s->aid, t->value, t->len);
			s->aid_len = t->len;
		}
		break;
	case 0x9F70:
		err = once(seen, 2);
		if (err == M2M_OK && t->len != 1)
			err = M2M_ERR_FORMAT;
		if (err == M2M_OK) {
			s->lcs = t->value[0];
			s->has_lcs = true;
		}
		break;
	case 0x53:
		err = once(seen, 4);
		if (err == M2M_OK && t->len < 1)
			err = M2M_ERR_FORMAT;
		if (err == M2M_OK) {
			s->fallback = (t->value[0] & 0x01) != 0;
			s->emergency = (t->value[0] & 0x02) != 0;
			s->has_attr = true;
		}
		break;
	case 0x8F:
		err = once(seen, 8);
		if (err == M2M_OK)
			err = be_u32(t, &s->mem_reserved);
		break;
	case 0x91:
		err = once(seen, 16);
		if (err == M2M_OK)
			err = be_u32(t, &s->mem_free);
		break;
	default:
		break;
	}
	return err;
}

static m2m_err status_entry(const m2m_tlv *e3, m2m_es5_isdp_status *s)
{
	m2m_tlv_iter it;
	m2m_tlv t;
	unsigned seen = 0;
	m2m_err err;

	memset(s, 0, sizeof *s);
	m2m_tlv_iter_children(&it, e3, M2M_TLV_DER);
	while ((err = m2m_tlv_next(&it, &t)) == M2M_OK &&
	       (err = status_item(&t, s, &seen)) == M2M_OK)
		;
	if (err != M2M_END)
		return err;
	/* Memory needs both figures; the AID is what the entry is about. */
	s->has_mem = (seen & 24) == 24;
	return (seen & 1) && ((seen & 24) == 0 || s->has_mem) ? M2M_OK : M2M_ERR_FORMAT;
}

m2m_err m2m_es5_parse_status(const uint8_t *p, size_t n, m2m_es5_audit_data *a)
{
	m2m_es5_isdp_status s;
	m2m_tlv_iter it;
	m2m_tlv t;
	m2m_err err;

	m2m_tlv_iter_init(&it, p, n, M2M_TLV_DER);
	while ((err = m2m_tlv_next(&it, &t)) == M2M_OK) {
		if (t.tag != 0xE3)
			return M2M_ERR_FORMAT;
		err = status_entry(&t, &s);
		if (err != M2M_OK)
			return err;
		/* The ISD-R and the ECASD may be listed too: only ISD-Ps are kept. */
		if (s.aid_len != M2M_ES5_AID_SIZE || !m2m_es5_aid_tar(s.aid, NULL))
			continue;
		if (a->nisdp == M2M_ES5_ISDP_MAX)
			return M2M_ERR_BOUNDS;
		a->isdp[a->nisdp++] = s;
	}
	return err == M2M_END ? M2M_OK : err;
}

/* 80 L { 4F 10 AID ... } (njiwa), or no data at all from a card that reports nothing. */
m2m_err m2m_es5_parse_deleted(const uint8_t *p, size_t n, m2m_es5_result *r)
{
	m2m_tlv list, t;
	m2m_tlv_iter it;
	m2m_err err;

	r->ndeleted = 0;
	if (n == 0)
		return M2M_OK;
	err = m2m_tlv_decode_one(p, n, M2M_TLV_DER, &list, NULL);
	if (err == M2M_OK && list.tag != 0x80)
		err = M2M_ERR_FORMAT;
	if (err != M2M_OK)
		return err;
	m2m_tlv_iter_init(&it, list.value, list.len, M2M_TLV_DER);
	while ((err = m2m_tlv_next(&it, &t)) == M2M_OK) {
		if (t.tag != 0x4F || t.len != M2M_ES5_AID_SIZE)
			return M2M_ERR_FORMAT;
		if (r->ndeleted == M2M_ES5_ISDP_MAX)
			return M2M_ERR_BOUNDS;
		memcpy(r->deleted[r->ndeleted++], t.value, M2M_ES5_AID_SIZE);
	}
	return err == M2M_END ? M2M_OK : err;
}
