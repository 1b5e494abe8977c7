/* The notification queue: what the eUICC tells the SM-SR until the SM-SR confirms it. */
#include <string.h>

#include "core/tlv.h"
#include "euicc/euicc_int.h"

size_t m2m_euicc_notif_count(const m2m_euicc *e)
{
	size_t n = 0;

	for (int i = 0; e != NULL && i < M2M_EUICC_NOTIF_MAX; i++)
		n += e->notif[i].used;
	return n;
}

/* Oldest = lowest sequence number counted back from the next one (wraps at 16 bits). */
int m2m_euicc_notif_oldest(const m2m_euicc *e)
{
	int best = -1;
	uint16_t best_age = 0;

	for (int i = 0; e != NULL && i < M2M_EUICC_NOTIF_MAX; i++) {
		uint16_t age;
		if (!e->notif[i].used)
			continue;
		age = (uint16_t)(e->next_seq - e->notif[i].seq);
		if (best < 0 || age > best_age) {
			best = i;
			best_age = age;
		}
	}
	return best;
}

m2m_err m2m_euicc_notif_add(m2m_euicc *e, uint8_t type, const uint8_t aid[M2M_EUICC_AID_SIZE],
			    uint16_t *seq)
{
	int slot = -1;
	m2m_err err = M2M_ERR_ARG;

	if (e == NULL || aid == NULL)
		goto out;
	for (int i = 0; i < M2M_EUICC_NOTIF_MAX && slot < 0; i++)
		if (!e->notif[i].used)
			slot = i;
	/* A full queue loses its oldest entry: the newest state matters most to the SM-SR. */
	if (slot < 0)
		slot = m2m_euicc_notif_oldest(e);
	e->notif[slot].used = true;
	e->notif[slot].type = type;
	e->notif[slot].seq = e->next_seq;
	memcpy(e->notif[slot].aid, aid, M2M_EUICC_AID_SIZE);
	if (seq != NULL)
		*seq = e->next_seq;
	e->next_seq++;
	err = M2M_OK;
out:
	return err;
}

m2m_err m2m_euicc_notif_encode(const m2m_euicc *e, int i, const uint8_t *imei, size_t imei_len,
			       m2m_buf *out)
{
	const m2m_euicc_notif *n;
	uint8_t seq[2];
	size_t mark;
	m2m_err err = M2M_ERR_ARG;

	if (e == NULL || out == NULL || i < 0 || i >= M2M_EUICC_NOTIF_MAX || !e->notif[i].used ||
	    (imei == NULL && imei_len > 0))
		goto out;
	n = &e->notif[i];
	seq[0] = (uint8_t)(n->seq >> 8);
	seq[1] = (uint8_t)n->seq;
	err = m2m_tlv_begin(out, 0xE1, &mark);
	if (err == M2M_OK)
		err = m2m_tlv_put(out, 0x4C, e->eid, sizeof e->eid);
	if (err == M2M_OK)
		err = m2m_tlv_put_u8(out, 0x4D, n->type);
	if (err == M2M_OK)
		err = m2m_tlv_put(out, 0x4E, seq, sizeof seq);
	if (err == M2M_OK)
		err = m2m_tlv_put(out, 0x4F, n->aid, sizeof n->aid);
	if (err == M2M_OK && imei_len > 0)
		err = m2m_tlv_put(out, 0x14, imei, imei_len);
	if (err == M2M_OK)
		err = m2m_tlv_end(out, mark);
out:
	return err;
}

/* Deletes the ISD-Ps that POL1 "delete when disabled" marked, listing their AIDs. */
static m2m_err delete_pending(euicc_cmd *c, m2m_buf *list)
{
	m2m_err err = M2M_OK;

	for (int i = 0; err == M2M_OK && i < M2M_EUICC_ISDP_MAX; i++) {
		m2m_euicc_isdp *p = &c->e->isdp[i];
		if (!p->used || !p->delete_pending || p->lcs == M2M_EUICC_LCS_ENABLED)
			continue;
		err = m2m_tlv_put(list, 0x4F, p->aid, sizeof p->aid);
		if (err == M2M_OK)
			euicc_isdp_remove(c->e, i);
	}
	return err;
}

/* 3A08 { 4E 02 seq }: drops the notification, answers 80 L { 4F AID }* (AIDs deleted now). */
uint16_t euicc_notif_confirm(euicc_cmd *c, const uint8_t *value, size_t len)
{
	m2m_buf list;
	m2m_tlv t;
	uint16_t sw = SW_WRONG_DATA, seq;
	int slot = -1;

	m2m_buf_init(&list);
	if (m2m_tlv_decode_one(value, len, M2M_TLV_DER, &t, NULL) != M2M_OK || t.tag != 0x4E ||
	    t.len != 2)
		goto out;
	seq = (uint16_t)(t.value[0] << 8 | t.value[1]);
	for (int i = 0; i < M2M_EUICC_NOTIF_MAX && slot < 0; i++)
		if (c->e->notif[i].used && c->e->notif[i].seq == seq)
			slot = i;
	sw = SW_NOT_FOUND;
	if (slot < 0)
		goto out;
	sw = SW_INTERNAL;
	c->err = delete_pending(c, &list);
	if (c->err == M2M_OK)
		c->err = m2m_tlv_put(c->resp, 0x80, list.data, list.len);
	if (c->err != M2M_OK)
		goto out;
	memset(&c->e->notif[slot], 0, sizeof c->e->notif[slot]);
	euicc_ev(c->ev, false, false);
	sw = SW_OK;
out:
	m2m_buf_free(&list);
	return sw;
}
