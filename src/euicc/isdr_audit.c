/*
 * Audit: GET DATA (80 CA) of the EID (5A), of the card resources (FF21) and of ECASD data
 * (BF30 { 5C tag list }), and GET STATUS (80 F2 P1 P2, GP 11.4):
 *   P1 80 (the ISD: the ISD-R) or 40 (applications and SDs: the ECASD, then the ISD-Ps);
 *   P2 02 first or all occurrences, 03 next ones (after 6310); data 4F L AID prefix (4F 00:
 *   all) [5C L tag list]. An ISD-P answers
 *   E3 { 4F AID, 9F70 01 LCS, 53 01 attributes (b1 fall-back, b2 emergency [M]),
 *        8F 04 reserved NV memory, 91 04 reserved memory not used by the profile [M] },
 *   the ISD-R and the ECASD E3 { 4F AID, 9F70 01 0F } [M]. Entries that do not fit in 256
 *   bytes wait for the next GET STATUS (6310).
 */
#include <string.h>

#include "core/tlv.h"
#include "euicc/euicc_int.h"

#define P1_ISD 0x80
#define P1_APPS 0x40
#define P2_FIRST 0x02
#define P2_NEXT 0x03
#define LCS_SECURED 0x0F  /* the ISD-R's and ECASD's life cycle byte [M] */
#define STATUS_MAX 256    /* response data of a short R-APDU */

static m2m_err put_u32(m2m_buf *b, uint32_t tag, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	return m2m_tlv_put(b, tag, x, sizeof x);
}

/* FF21 { 81 01 ISD-Ps, 82 04 free NV, 83 02 free volatile } as in the whty trace. */
static m2m_err resources(const m2m_euicc *e, m2m_buf *b)
{
	uint32_t vol = e->mem_volatile > 0xFFFF ? 0xFFFF : e->mem_volatile;
	uint8_t v[2] = {(uint8_t)(vol >> 8), (uint8_t)vol};
	size_t mark;
	m2m_err err = m2m_tlv_begin(b, 0xFF21, &mark);

	if (err == M2M_OK)
		err = m2m_tlv_put_u8(b, 0x81, (uint8_t)m2m_euicc_isdp_count(e));
	if (err == M2M_OK)
		err = put_u32(b, 0x82, m2m_euicc_mem_free(e));
	if (err == M2M_OK)
		err = m2m_tlv_put(b, 0x83, v, sizeof v);
	if (err == M2M_OK)
		err = m2m_tlv_end(b, mark);
	return err;
}

/* BF30 { 5C 02 7F21 } -> BF30 L { CERT.ECASD.ECKA }: the only ECASD object served. */
static uint16_t ecasd_data(euicc_cmd *c)
{
	m2m_tlv t;
	size_t mark;

	if (m2m_tlv_decode_one(c->a->data, c->a->len, M2M_TLV_DER, &t, NULL) != M2M_OK ||
	    t.tag != 0x5C || t.len == 0)
		return SW_WRONG_DATA;
	if (t.len != 2 || t.value[0] != 0x7F || t.value[1] != 0x21)
		return SW_NOT_FOUND;
	c->err = m2m_tlv_begin(c->resp, 0xBF30, &mark);
	if (c->err == M2M_OK)
		c->err = m2m_buf_append(c->resp, c->e->cert_ecasd, c->e->cert_ecasd_len);
	if (c->err == M2M_OK)
		c->err = m2m_tlv_end(c->resp, mark);
	return SW_OK;
}

uint16_t euicc_get_data(euicc_cmd *c)
{
	uint16_t tag = (uint16_t)(c->a->p1 << 8 | c->a->p2);

	if (tag == 0xBF30)
		return ecasd_data(c);
	if (c->a->len != 0)
		return SW_WRONG_DATA;
	if (tag == 0x005A)
		c->err = m2m_tlv_put(c->resp, 0x5A, c->e->eid, sizeof c->e->eid);
	else if (tag == 0xFF21)
		c->err = resources(c->e, c->resp);
	else
		return SW_NOT_FOUND;
	return SW_OK;
}

/* Whether tag is asked for: every tag when there is no 5C list. */
static bool wanted(const m2m_tlv *list, uint16_t tag)
{
	if (list == NULL)
		return true;
	for (size_t i = 0; i < list->len; i++) {
		uint16_t t = list->value[i];
		if ((t & 0x1F) == 0x1F && i + 1 < list->len)
			t = (uint16_t)(t << 8 | list->value[++i]);
		if (t == tag)
			return true;
	}
	return false;
}

/* One registry entry: an ISD-P, or the ISD-R / ECASD (p NULL, aid given). */
static m2m_err status_entry(const uint8_t *aid, const m2m_euicc_isdp *p, const m2m_tlv *list,
			    m2m_buf *b)
{
	size_t mark;
	m2m_err err = m2m_tlv_begin(b, 0xE3, &mark);

	if (err == M2M_OK && wanted(list, 0x4F))
		err = m2m_tlv_put(b, 0x4F, aid, M2M_EUICC_AID_SIZE);
	if (err == M2M_OK && wanted(list, 0x9F70))
		err = m2m_tlv_put_u8(b, 0x9F70, p != NULL ? p->lcs : LCS_SECURED);
	if (p == NULL)
		goto end;
	if (err == M2M_OK && wanted(list, 0x53))
		err = m2m_tlv_put_u8(b, 0x53, (uint8_t)((p->fallback ? 0x01 : 0) |
							(p->emergency ? 0x02 : 0)));
	if (err == M2M_OK && wanted(list, 0x8F))
		err = put_u32(b, 0x8F, p->mem_reserved);
	if (err == M2M_OK && wanted(list, 0x91))
		err = put_u32(b, 0x91, p->mem_reserved - p->mem_used);
end:
	if (err == M2M_OK)
		err = m2m_tlv_end(b, mark);
	return err;
}

/* 4F L AID (4F 00: every entry) [5C L tag list]. */
static uint16_t status_parse(const euicc_apdu *a, m2m_tlv *aid, m2m_tlv *list, bool *has_list)
{
	m2m_tlv_iter it;
	m2m_err err;

	*has_list = false;
	m2m_tlv_iter_init(&it, a->data, a->len, M2M_TLV_DER);
	if (m2m_tlv_next(&it, aid) != M2M_OK || aid->tag != 0x4F ||
	    aid->len > M2M_EUICC_AID_SIZE)
		return SW_WRONG_DATA;
	err = m2m_tlv_next(&it, list);
	if (err == M2M_OK && list->tag == 0x5C) {
		*has_list = true;
		err = m2m_tlv_next(&it, list + 1);
	}
	return err == M2M_END ? SW_OK : SW_WRONG_DATA;
}

/* Registry entry k for P1 (k from 0): its AID and ISD-P, false past the last one. */
static bool entry(const m2m_euicc *e, uint8_t p1, size_t k, const uint8_t **aid,
		  const m2m_euicc_isdp **p)
{
	*p = NULL;
	if (p1 == P1_ISD) {
		*aid = m2m_euicc_isdr_aid;
		return k == 0;
	}
	if (k == 0) {
		*aid = m2m_euicc_ecasd_aid;
		return true;
	}
	if (k > M2M_EUICC_ISDP_MAX)
		return false;
	*p = &e->isdp[k - 1];
	*aid = (*p)->aid;
	return true;
}

static bool matches(const m2m_tlv *aid, const uint8_t *entry_aid, const m2m_euicc_isdp *p)
{
	if (p != NULL && !p->used)
		return false;
	return aid->len == 0 || memcmp(aid->value, entry_aid, aid->len) == 0;
}

uint16_t euicc_get_status(euicc_cmd *c)
{
	m2m_euicc_session *s = &c->e->s;
	const m2m_euicc_isdp *p;
	const uint8_t *aid_of;
	m2m_tlv aid, list[2];
	bool has_list = false, any = false, next = c->a->p2 == P2_NEXT;
	size_t k = 0, start = c->resp->len, mark;
	uint16_t sw = SW_WRONG_P1P2;

	if ((c->a->p1 != P1_ISD && c->a->p1 != P1_APPS) || (c->a->p2 != P2_FIRST && !next))
		goto out;
	sw = status_parse(c->a, &aid, list, &has_list);
	if (sw != SW_OK)
		goto out;
	sw = SW_CONDITIONS;
	if (next && (!s->st_more || s->st_p1 != c->a->p1))
		goto out;
	if (next)
		k = s->st_next;
	s->st_more = false;
	sw = SW_OK;
	for (; c->err == M2M_OK && entry(c->e, c->a->p1, k, &aid_of, &p); k++) {
		if (!matches(&aid, aid_of, p))
			continue;
		mark = c->resp->len;
		c->err = status_entry(aid_of, p, has_list ? &list[0] : NULL, c->resp);
		if (c->err == M2M_OK && c->resp->len - start > STATUS_MAX && any) {
			c->resp->len = mark; /* the rest goes in the next response */
			s->st_more = true;
			s->st_p1 = c->a->p1;
			s->st_next = k;
			sw = SW_MORE_DATA;
			break;
		}
		any = true;
	}
	if (!any)
		sw = SW_NOT_FOUND;
out:
	return sw;
}
