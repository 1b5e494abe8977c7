/*
 * DELETE (80 E4 00 P2):
 *   ES5.DeleteISDP       P2 40 (or 00): 4F L AID                       -> 00
 *   ES5 Master Delete    P2 40: 4F L AID [B6 L {42 45 5F20 93}] 9E 10 token -> 00
 *   delete keys          P2 00: (F2 03 KVN first last)+ (FinaliseISDRhandover) -> 00
 */
#include <string.h>

#include "core/tlv.h"
#include "crypto/hash.h"
#include "crypto/sym.h"
#include "euicc/euicc_int.h"

#define TOKEN_SIZE 16

/* 4F [B6] [9E]: exactly these, in this order. */
typedef struct {
	m2m_tlv aid, b6, token;
	bool has_b6, has_token;
	size_t signed_len; /* 4F and B6 as received: the token's input */
} delete_msg;

static uint16_t parse_delete(const uint8_t *p, size_t n, delete_msg *m)
{
	m2m_tlv_iter it;
	m2m_tlv t;
	m2m_err err;

	memset(m, 0, sizeof *m);
	m2m_tlv_iter_init(&it, p, n, M2M_TLV_DER);
	if (m2m_tlv_next(&it, &m->aid) != M2M_OK || m->aid.tag != 0x4F)
		return SW_WRONG_DATA;
	m->signed_len = m->aid.size;
	while ((err = m2m_tlv_next(&it, &t)) == M2M_OK) {
		if (t.tag == 0xB6 && !m->has_b6 && !m->has_token) {
			m->b6 = t;
			m->has_b6 = true;
			m->signed_len += t.size;
		} else if (t.tag == 0x9E && !m->has_token) {
			m->token = t;
			m->has_token = true;
		} else {
			return SW_WRONG_DATA;
		}
	}
	if (err != M2M_END || (m->has_b6 && !m->has_token))
		return SW_WRONG_DATA;
	return SW_OK;
}

/* token = AES-CMAC(token key, P1 || P2 || L || 4F-TLV [|| B6-TLV]) [S whty]. */
static uint16_t check_token(euicc_cmd *c, const m2m_euicc_keyset *k, const uint8_t *signed_part,
			    size_t len, const m2m_tlv *token)
{
	uint8_t in[3 + 255], mac[16];
	uint16_t sw = SW_WRONG_DATA;

	if (token->len != TOKEN_SIZE || len > 255)
		goto out;
	sw = SW_CONDITIONS;
	if (k->kvn != M2M_EUICC_KVN_TOKEN || k->nkeys < 1)
		goto out;
	in[0] = c->a->p1;
	in[1] = c->a->p2;
	in[2] = (uint8_t)len;
	memcpy(in + 3, signed_part, len);
	sw = SW_INTERNAL;
	if (m2m_aes_cmac(k->key[0].value, k->key[0].len, in, 3 + len, mac) != M2M_OK)
		goto out;
	sw = m2m_ct_equal(mac, token->value, TOKEN_SIZE) ? SW_OK : SW_SECURITY;
out:
	m2m_wipe(mac, sizeof mac);
	return sw;
}

/* Master Delete: the conditions of DeleteISDP but POL1, plus a valid token [M]. */
uint16_t euicc_master_delete(euicc_cmd *c, int i, const uint8_t *signed_part, size_t len,
			     const uint8_t *token, size_t token_len)
{
	m2m_tlv t = {.value = token, .len = token_len};
	uint16_t sw = check_token(c, &c->e->isdp[i].token, signed_part, len, &t);

	if (sw == SW_OK) {
		euicc_isdp_remove(c->e, i);
		euicc_ev(c->ev, false, false);
	}
	return sw;
}

static uint16_t delete_isdp(euicc_cmd *c)
{
	delete_msg m;
	int i = -1;
	uint16_t sw = parse_delete(c->a->data, c->a->len, &m);

	if (sw != SW_OK)
		goto out;
	if (!m.has_token) {
		sw = m2m_euicc_delete_isdp(c->e, m.aid.value, m.aid.len, c->ev);
		goto out;
	}
	sw = euicc_delete_conditions(c->e, m.aid.value, m.aid.len, &i);
	if (sw == SW_OK)
		sw = euicc_master_delete(c, i, c->a->data, m.signed_len, m.token.value, m.token.len);
out:
	if (sw == SW_OK)
		c->err = m2m_buf_append_u8(c->resp, 0x00);
	return sw;
}

/* Removes keys first..last of one key set in ks (a copy); SW_NOT_FOUND if any is missing. */
static uint16_t remove_keys(m2m_euicc_keyset *ks, const uint8_t *f2)
{
	m2m_euicc_keyset *k = NULL;
	size_t kept = 0;

	for (size_t i = 0; i < M2M_EUICC_KEYSET_MAX && k == NULL; i++)
		if (ks[i].kvn != 0 && ks[i].kvn == f2[0])
			k = &ks[i];
	if (k == NULL || f2[1] == 0 || f2[1] > f2[2])
		return SW_NOT_FOUND;
	for (unsigned id = f2[1]; id <= f2[2]; id++) {
		bool found = false;
		for (size_t j = 0; j < k->nkeys; j++)
			found |= k->key[j].id == id;
		if (!found)
			return SW_NOT_FOUND;
	}
	for (size_t j = 0; j < k->nkeys; j++)
		if (k->key[j].id < f2[1] || k->key[j].id > f2[2])
			k->key[kept++] = k->key[j];
	m2m_wipe(&k->key[kept], (k->nkeys - kept) * sizeof k->key[0]);
	k->nkeys = kept;
	if (kept == 0)
		euicc_keyset_wipe(k);
	return SW_OK;
}

static bool has_scp80(const m2m_euicc_keyset *ks)
{
	for (size_t i = 0; i < M2M_EUICC_KEYSET_MAX; i++)
		if (ks[i].kvn >= 0x01 && ks[i].kvn <= 0x0F)
			return true;
	return false;
}

/* All TLVs are applied to a copy first: a refused command changes nothing. The last SCP80
 * key set cannot go, or the SM-SR would lose the card [M]. */
static uint16_t delete_keys(euicc_cmd *c)
{
	m2m_euicc_keyset copy[M2M_EUICC_KEYSET_MAX];
	m2m_tlv_iter it;
	m2m_tlv t;
	size_t count = 0;
	m2m_err err = M2M_OK;
	uint16_t sw = SW_OK;

	memcpy(copy, c->e->keysets, sizeof copy);
	m2m_tlv_iter_init(&it, c->a->data, c->a->len, M2M_TLV_DER);
	while (sw == SW_OK && (err = m2m_tlv_next(&it, &t)) == M2M_OK) {
		sw = t.tag == 0xF2 && t.len == 3 ? remove_keys(copy, t.value) : SW_WRONG_DATA;
		count++;
	}
	if (sw == SW_OK && (err != M2M_END || count == 0))
		sw = SW_WRONG_DATA;
	if (sw == SW_OK && !has_scp80(copy))
		sw = SW_CONDITIONS;
	if (sw == SW_OK)
		c->err = m2m_buf_append_u8(c->resp, 0x00);
	if (sw == SW_OK && c->err == M2M_OK) {
		memcpy(c->e->keysets, copy, sizeof copy);
		euicc_ev(c->ev, false, false);
	}
	m2m_wipe(copy, sizeof copy);
	return sw;
}

uint16_t euicc_delete(euicc_cmd *c)
{
	if (c->a->p1 != 0x00 || (c->a->p2 != 0x00 && c->a->p2 != 0x40))
		return SW_WRONG_P1P2;
	if (c->a->len < 2)
		return SW_WRONG_DATA;
	if (c->a->data[0] == 0x4F)
		return delete_isdp(c);
	if (c->a->data[0] == 0xF2 && c->a->p2 == 0x00)
		return delete_keys(c);
	return SW_WRONG_DATA;
}
