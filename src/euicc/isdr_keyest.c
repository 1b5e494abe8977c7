/*
 * Key establishment (STORE DATA 3A01 / 3A02) for the domain chosen by INSTALL [for
 * personalization]: an ISD-P gets its SCP03 key set (KVN 30, SM-DP certificate), the ISD-R a
 * new SCP80 key set (KVN 01-0F, SM-SR certificate: the SM-SR change). The cryptography and
 * its status words are card/keyest.h's.
 */
#include <string.h>

#include "euicc/euicc_int.h"

#define KEYEST_NKEYS 3 /* ENC/MAC/DEK or KIc/KID/DEK */

static void keyest_end(m2m_euicc *e)
{
	if (e->s.keyest_active)
		m2m_keyest_card_wipe(&e->s.keyest);
	e->s.keyest_active = false;
}

static bool isdp_can_take_keys(const m2m_euicc_isdp *p)
{
	return p->lcs == M2M_EUICC_LCS_SELECTABLE || p->lcs == M2M_EUICC_LCS_PERSONALIZED;
}

uint16_t euicc_keyest_sd1(euicc_cmd *c, const uint8_t *unit, size_t n)
{
	m2m_euicc *e = c->e;
	int target = e->s.perso;
	uint8_t type = target >= 0 ? M2M_GPCERT_TYPE_SMDP : M2M_GPCERT_TYPE_SMSR;
	uint16_t sw = SW_CONDITIONS;

	keyest_end(e);
	if (target >= 0 && !isdp_can_take_keys(&e->isdp[target]))
		goto out;
	sw = SW_INTERNAL;
	if (m2m_keyest_card_init(&e->s.keyest, e->pk_ci, e->sk_ecasd, type, KEYEST_NKEYS) != M2M_OK)
		goto out;
	e->s.keyest_active = true;
	if (m2m_keyest_card_sd1(&e->s.keyest, unit, n, c->resp, &sw) == M2M_ERR_NOMEM)
		c->err = M2M_ERR_NOMEM;
	if (sw != SW_OK)
		keyest_end(e);
out:
	return sw;
}

/* Where the keys go: the ISD-P's SCP03 set, or an ISD-R slot (same KVN, else a free one). */
static m2m_euicc_keyset *keys_slot(m2m_euicc *e, const m2m_keyest_crt *crt, uint16_t *sw)
{
	m2m_euicc_keyset *k = NULL;

	*sw = SW_WRONG_DATA;
	if (crt->key_type != M2M_KEYEST_TYPE_AES)
		return NULL;
	if (e->s.perso >= 0) {
		if (crt->kvn != M2M_EUICC_KVN_SCP03)
			return NULL;
		*sw = SW_OK;
		return &e->isdp[e->s.perso].scp03;
	}
	if (crt->kvn < 0x01 || crt->kvn > 0x0F)
		return NULL;
	k = m2m_euicc_find_keyset(e, crt->kvn);
	for (size_t i = 0; k == NULL && i < M2M_EUICC_KEYSET_MAX; i++)
		if (e->keysets[i].kvn == 0)
			k = &e->keysets[i];
	*sw = k != NULL ? SW_OK : SW_NO_MEMORY;
	return k;
}

static void install_keys(m2m_euicc *e, m2m_euicc_keyset *k, const m2m_keyest_keys *keys)
{
	euicc_keyset_wipe(k);
	k->kvn = keys->kvn;
	/* SCP80 algorithm nibbles: AES for KIc (CBC) and KID (CMAC). */
	if (e->s.perso < 0)
		k->kic_alg = k->kid_alg = 0x2;
	k->nkeys = keys->nkeys;
	for (size_t i = 0; i < keys->nkeys; i++) {
		k->key[i].id = (uint8_t)(keys->key_id + i);
		k->key[i].type = keys->key_type;
		k->key[i].len = (uint8_t)keys->key_len;
		memcpy(k->key[i].value, keys->key[i], keys->key_len);
	}
	if (e->s.perso >= 0 && e->isdp[e->s.perso].lcs == M2M_EUICC_LCS_SELECTABLE)
		e->isdp[e->s.perso].lcs = M2M_EUICC_LCS_PERSONALIZED;
}

uint16_t euicc_keyest_sd2(euicc_cmd *c, const uint8_t *unit, size_t n)
{
	m2m_euicc *e = c->e;
	m2m_keyest_sd2_msg m;
	m2m_keyest_keys keys;
	m2m_euicc_keyset *slot = NULL;
	uint16_t sw = SW_CONDITIONS;

	memset(&keys, 0, sizeof keys);
	if (!e->s.keyest_active)
		goto out;
	sw = SW_WRONG_DATA;
	if (m2m_keyest_sd2_parse(unit, n, &m) != M2M_OK)
		goto out;
	slot = keys_slot(e, &m.crt, &sw);
	if (slot == NULL)
		goto out;
	if (m2m_keyest_card_sd2(&e->s.keyest, unit, n, c->resp, &keys, &sw) == M2M_ERR_NOMEM)
		c->err = M2M_ERR_NOMEM;
	if (sw != SW_OK || keys.nkeys != KEYEST_NKEYS || keys.key_len > M2M_EUICC_KEY_MAX) {
		sw = sw == SW_OK ? SW_INTERNAL : sw;
		goto out;
	}
	install_keys(e, slot, &keys);
	euicc_ev(c->ev, false, false);
out:
	/* The random challenge serves once, whatever the outcome. */
	keyest_end(e);
	m2m_keyest_keys_wipe(&keys);
	return sw;
}
