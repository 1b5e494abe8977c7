/*
 * INSTALL (80 E6): [for install and make selectable] P1 0C creates an ISD-P (ES5.CreateISDP),
 * [for personalization] P1 20 routes the following STORE DATA to an ISD-P or the ISD-R.
 *
 *   data = L ELF AID | L module AID | L application AID | L privileges | L parameters | L token
 *   parameters = C9 L { [81 02 03 i] ... } [EF L { [83 L reserved memory] ... }]
 */
#include <string.h>

#include "core/tlv.h"
#include "euicc/euicc_int.h"

typedef struct {
	const uint8_t *p;
	size_t len;
} lv;

/* Reads the six LV fields; the token may be absent in [for personalization] traffic. */
static bool read_lvs(const uint8_t *data, size_t n, lv f[6], size_t *count)
{
	m2m_rd r;
	uint8_t l = 0;

	m2m_rd_init(&r, data, n);
	*count = 0;
	while (m2m_rd_left(&r) > 0) {
		if (*count == 6 || m2m_rd_u8(&r, &l) != M2M_OK ||
		    m2m_rd_take(&r, l, &f[*count].p) != M2M_OK)
			return false;
		f[(*count)++].len = l;
	}
	return true;
}

static bool is_aid(const lv *f, const uint8_t aid[M2M_EUICC_AID_SIZE])
{
	return f->len == M2M_EUICC_AID_SIZE && memcmp(f->p, aid, M2M_EUICC_AID_SIZE) == 0;
}

/* C9 (mandatory, SCP03 if an 81 is given) then optional EF with the memory quota 83. */
static uint16_t install_params(const lv *f, bool *has_mem, uint32_t *mem)
{
	m2m_tlv_iter it;
	m2m_tlv c9, ef, t;

	*has_mem = false;
	m2m_tlv_iter_init(&it, f->p, f->len, M2M_TLV_DER);
	if (m2m_tlv_next(&it, &c9) != M2M_OK || c9.tag != 0xC9 ||
	    m2m_tlv_validate(c9.value, c9.len, M2M_TLV_DER, NULL) != M2M_OK)
		return SW_WRONG_DATA;
	if (m2m_tlv_find(c9.value, c9.len, M2M_TLV_DER, 0x81, &t) == M2M_OK &&
	    (t.len != 2 || t.value[0] != 0x03))
		return SW_WRONG_DATA;
	switch (m2m_tlv_next(&it, &ef)) {
	case M2M_END:
		return SW_OK;
	case M2M_OK:
		break;
	default:
		return SW_WRONG_DATA;
	}
	if (ef.tag != 0xEF || m2m_tlv_next(&it, &t) != M2M_END ||
	    m2m_tlv_validate(ef.value, ef.len, M2M_TLV_DER, NULL) != M2M_OK)
		return SW_WRONG_DATA;
	if (m2m_tlv_find(ef.value, ef.len, M2M_TLV_DER, 0x83, &t) != M2M_OK)
		return SW_OK;
	if (t.len < 1 || t.len > 4)
		return SW_WRONG_DATA;
	*mem = 0;
	for (size_t i = 0; i < t.len; i++)
		*mem = *mem << 8 | t.value[i];
	*has_mem = true;
	return SW_OK;
}

static int free_slot(const m2m_euicc *e)
{
	for (int i = 0; i < M2M_EUICC_ISDP_MAX; i++)
		if (!e->isdp[i].used)
			return i;
	return -1;
}

uint16_t m2m_euicc_create_isdp(m2m_euicc *e, const uint8_t *aid, size_t len, bool has_mem,
			       uint32_t mem, m2m_euicc_events *ev)
{
	int slot = free_slot(e);
	m2m_euicc_isdp *p;
	uint16_t sw = SW_WRONG_DATA;

	if (!m2m_euicc_aid_is_isdp(aid, len) || m2m_euicc_find_isdp(e, aid, len) >= 0)
		goto out;
	if (!has_mem)
		mem = e->isdp_default_mem;
	sw = SW_NO_MEMORY;
	if (slot < 0 || mem > m2m_euicc_mem_free(e))
		goto out;
	p = &e->isdp[slot];
	memset(p, 0, sizeof *p);
	p->used = true;
	memcpy(p->aid, aid, M2M_EUICC_AID_SIZE);
	p->lcs = M2M_EUICC_LCS_SELECTABLE;
	p->mem_reserved = mem;
	euicc_ev(ev, false, false);
	sw = SW_OK;
out:
	return sw;
}

/* Field checks of CreateISDP, in the order of the data; the AID is checked on creation. */
static uint16_t create_checks(const lv f[6], size_t count, bool *has_mem, uint32_t *mem)
{
	if (count != 6)
		return SW_WRONG_DATA;
	if (!is_aid(&f[0], m2m_euicc_elf_aid) || !is_aid(&f[1], m2m_euicc_em_aid))
		return SW_NOT_FOUND;
	if (f[3].len != 3 || !(f[3].p[0] & 0x80) || f[5].len != 0)
		return SW_WRONG_DATA;
	return install_params(&f[4], has_mem, mem);
}

/* ES5.CreateISDP: a SELECTABLE ISD-P with its memory reserved; answers 00. */
static uint16_t create_isdp(euicc_cmd *c)
{
	lv f[6];
	size_t count = 0;
	uint32_t mem = 0;
	bool has_mem = false;
	uint16_t sw = SW_WRONG_DATA;

	if (!read_lvs(c->a->data, c->a->len, f, &count))
		goto out;
	sw = create_checks(f, count, &has_mem, &mem);
	if (sw == SW_OK)
		sw = m2m_euicc_create_isdp(c->e, f[2].p, f[2].len, has_mem, mem, c->ev);
	if (sw == SW_OK)
		c->err = m2m_buf_append_u8(c->resp, 0x00);
out:
	return sw;
}

/* INSTALL [for personalization]: only the application AID matters. */
static uint16_t perso(euicc_cmd *c)
{
	lv f[6];
	size_t count = 0;
	int i;
	uint16_t sw = SW_WRONG_DATA;

	if (!read_lvs(c->a->data, c->a->len, f, &count) || count < 3)
		goto out;
	m2m_euicc_session_end(c->e);
	sw = SW_OK;
	if (is_aid(&f[2], m2m_euicc_isdr_aid))
		i = -1;
	else if ((i = m2m_euicc_find_isdp(c->e, f[2].p, f[2].len)) < 0)
		sw = SW_NOT_FOUND;
	else if (c->e->isdp[i].lcs != M2M_EUICC_LCS_SELECTABLE &&
		 c->e->isdp[i].lcs != M2M_EUICC_LCS_PERSONALIZED)
		sw = SW_CONDITIONS;
	if (sw != SW_OK)
		goto out;
	c->err = m2m_buf_append_u8(c->resp, 0x00);
	c->e->s.perso = i;
out:
	return sw;
}

uint16_t euicc_install(euicc_cmd *c)
{
	if (c->a->p2 != 0x00)
		return SW_WRONG_P1P2;
	if (c->a->p1 == 0x0C)
		return create_isdp(c);
	if (c->a->p1 == 0x20)
		return perso(c);
	return SW_WRONG_P1P2;
}
