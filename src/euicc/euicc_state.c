/* The eUICC's persistent state: creation, invariants, look-ups, wiping. */
#include <stdlib.h>
#include <string.h>

#include "core/tlv.h"
#include "euicc/euicc_int.h"

/* SGP.02 Annex H AIDs (pySim pySim/euicc.py). */
const uint8_t m2m_euicc_isdr_aid[M2M_EUICC_AID_SIZE] = {
	0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
	0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00};
const uint8_t m2m_euicc_ecasd_aid[M2M_EUICC_AID_SIZE] = {
	0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
	0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x02, 0x00};
const uint8_t m2m_euicc_elf_aid[M2M_EUICC_AID_SIZE] = {
	0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
	0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x0D, 0x00};
const uint8_t m2m_euicc_em_aid[M2M_EUICC_AID_SIZE] = {
	0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
	0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x0E, 0x00};

#define AID_PREFIX 12

void m2m_euicc_isdp_aid(const uint8_t tar[3], uint8_t aid[M2M_EUICC_AID_SIZE])
{
	memcpy(aid, m2m_euicc_isdr_aid, AID_PREFIX);
	memcpy(aid + AID_PREFIX, tar, 3);
	aid[15] = 0x00;
}

bool m2m_euicc_aid_is_isdp(const uint8_t *aid, size_t len)
{
	uint32_t tar;

	if (aid == NULL || len != M2M_EUICC_AID_SIZE || memcmp(aid, m2m_euicc_isdr_aid, AID_PREFIX))
		return false;
	tar = (uint32_t)aid[12] << 16 | (uint32_t)aid[13] << 8 | aid[14];
	return aid[15] == 0x00 && tar >= 0x10 && tar <= 0xFFFF;
}

int m2m_euicc_find_isdp(const m2m_euicc *e, const uint8_t *aid, size_t len)
{
	if (e == NULL || aid == NULL || len != M2M_EUICC_AID_SIZE)
		return -1;
	for (int i = 0; i < M2M_EUICC_ISDP_MAX; i++)
		if (e->isdp[i].used && memcmp(e->isdp[i].aid, aid, len) == 0)
			return i;
	return -1;
}

int m2m_euicc_enabled_isdp(const m2m_euicc *e)
{
	for (int i = 0; e != NULL && i < M2M_EUICC_ISDP_MAX; i++)
		if (e->isdp[i].used && e->isdp[i].lcs == M2M_EUICC_LCS_ENABLED)
			return i;
	return -1;
}

int m2m_euicc_fallback_isdp(const m2m_euicc *e)
{
	for (int i = 0; e != NULL && i < M2M_EUICC_ISDP_MAX; i++)
		if (e->isdp[i].used && e->isdp[i].fallback)
			return i;
	return -1;
}

int m2m_euicc_emergency_isdp(const m2m_euicc *e)
{
	for (int i = 0; e != NULL && i < M2M_EUICC_ISDP_MAX; i++)
		if (e->isdp[i].used && e->isdp[i].emergency)
			return i;
	return -1;
}

m2m_euicc_keyset *m2m_euicc_find_keyset(m2m_euicc *e, uint8_t kvn)
{
	for (size_t i = 0; e != NULL && kvn != 0 && i < M2M_EUICC_KEYSET_MAX; i++)
		if (e->keysets[i].kvn == kvn)
			return &e->keysets[i];
	return NULL;
}

uint32_t m2m_euicc_mem_free(const m2m_euicc *e)
{
	uint64_t used = 0;

	for (int i = 0; i < M2M_EUICC_ISDP_MAX; i++)
		if (e->isdp[i].used)
			used += e->isdp[i].mem_reserved;
	return used >= e->mem_total ? 0 : (uint32_t)(e->mem_total - used);
}

size_t m2m_euicc_isdp_count(const m2m_euicc *e)
{
	size_t n = 0;

	for (int i = 0; i < M2M_EUICC_ISDP_MAX; i++)
		n += e->isdp[i].used;
	return n;
}

void euicc_keyset_wipe(m2m_euicc_keyset *k)
{
	m2m_wipe(k, sizeof *k);
}

static bool keyset_valid(const m2m_euicc_keyset *k)
{
	if (k->nkeys < 1 || k->nkeys > M2M_EUICC_KEYS_PER_SET)
		return false;
	for (size_t j = 0; j < k->nkeys; j++) {
		if (k->key[j].id == 0 || k->key[j].len == 0 || k->key[j].len > M2M_EUICC_KEY_MAX)
			return false;
		for (size_t m = 0; m < j; m++)
			if (k->key[m].id == k->key[j].id)
				return false;
	}
	return true;
}

static bool isdr_kvn_valid(uint8_t kvn)
{
	return (kvn >= 0x01 && kvn <= 0x0F) || (kvn >= 0x40 && kvn <= 0x4F);
}

static bool keysets_valid(const m2m_euicc *e)
{
	for (size_t i = 0; i < M2M_EUICC_KEYSET_MAX; i++) {
		const m2m_euicc_keyset *k = &e->keysets[i];
		if (k->kvn == 0)
			continue;
		if (!isdr_kvn_valid(k->kvn) || !keyset_valid(k))
			return false;
		for (size_t j = 0; j < i; j++)
			if (e->keysets[j].kvn == k->kvn)
				return false;
	}
	return true;
}

static bool lcs_valid(uint8_t lcs)
{
	return lcs == M2M_EUICC_LCS_INSTALLED || lcs == M2M_EUICC_LCS_SELECTABLE ||
	       lcs == M2M_EUICC_LCS_PERSONALIZED || lcs == M2M_EUICC_LCS_DISABLED ||
	       lcs == M2M_EUICC_LCS_ENABLED;
}

static bool isdp_valid(const m2m_euicc_isdp *p)
{
	if (!m2m_euicc_aid_is_isdp(p->aid, sizeof p->aid) || !lcs_valid(p->lcs) ||
	    p->mem_used > p->mem_reserved)
		return false;
	/* Only an ISD-P holding a profile may be enabled, disabled or carry an attribute. */
	if ((p->lcs == M2M_EUICC_LCS_ENABLED || p->lcs == M2M_EUICC_LCS_DISABLED ||
	     p->fallback || p->emergency) && !p->has_profile)
		return false;
	if (p->fallback && p->emergency)
		return false;
	if (p->scp03.kvn != 0 && (p->scp03.kvn != M2M_EUICC_KVN_SCP03 || !keyset_valid(&p->scp03)))
		return false;
	return p->token.kvn == 0 || (p->token.kvn == M2M_EUICC_KVN_TOKEN && keyset_valid(&p->token));
}

static bool isdps_valid(const m2m_euicc *e)
{
	int enabled = 0, fallback = 0, emergency = 0;
	uint64_t reserved = 0;

	for (int i = 0; i < M2M_EUICC_ISDP_MAX; i++) {
		const m2m_euicc_isdp *p = &e->isdp[i];
		if (!p->used)
			continue;
		if (!isdp_valid(p) || m2m_euicc_find_isdp(e, p->aid, sizeof p->aid) != i)
			return false;
		enabled += p->lcs == M2M_EUICC_LCS_ENABLED;
		fallback += p->fallback;
		emergency += p->emergency;
		reserved += p->mem_reserved;
	}
	return enabled <= 1 && fallback <= 1 && emergency <= 1 && reserved <= e->mem_total;
}

static bool notif_type_valid(uint8_t t)
{
	return t == M2M_EUICC_NOTIF_DECLARATION || t == M2M_EUICC_NOTIF_CHANGE_OK ||
	       t == M2M_EUICC_NOTIF_CHANGE_ROLLBACK || t == M2M_EUICC_NOTIF_CHANGE_FALLBACK;
}

static bool notifs_valid(const m2m_euicc *e)
{
	for (int i = 0; i < M2M_EUICC_NOTIF_MAX; i++) {
		const m2m_euicc_notif *n = &e->notif[i];
		if (!n->used)
			continue;
		if (!notif_type_valid(n->type) || !m2m_euicc_aid_is_isdp(n->aid, sizeof n->aid))
			return false;
		for (int j = 0; j < i; j++)
			if (e->notif[j].used && e->notif[j].seq == n->seq)
				return false;
	}
	return true;
}

m2m_err m2m_euicc_check(const m2m_euicc *e)
{
	m2m_tlv t;

	if (e == NULL)
		return M2M_ERR_ARG;
	if (e->sk_ecasd == NULL || !m2m_ec_has_private(e->sk_ecasd) || e->pk_ci == NULL ||
	    m2m_ec_curve(e->sk_ecasd) != e->curve)
		return M2M_ERR_FORMAT;
	if (e->cert_ecasd_len > M2M_EUICC_CERT_MAX ||
	    m2m_tlv_decode_one(e->cert_ecasd, e->cert_ecasd_len, M2M_TLV_DER, &t, NULL) != M2M_OK ||
	    t.tag != 0x7F21)
		return M2M_ERR_FORMAT;
	if (e->smsr_params_len > M2M_EUICC_SMSR_PARAMS_MAX ||
	    (e->has_previous && !m2m_euicc_aid_is_isdp(e->previous, sizeof e->previous)))
		return M2M_ERR_FORMAT;
	if (!keysets_valid(e) || !isdps_valid(e) || !notifs_valid(e) || !euicc_es8_valid(e))
		return M2M_ERR_FORMAT;
	/* An active fall-back means the fall-back profile is the enabled one. */
	if (e->fallback_active && (m2m_euicc_enabled_isdp(e) < 0 ||
				   !e->isdp[m2m_euicc_enabled_isdp(e)].fallback))
		return M2M_ERR_FORMAT;
	return M2M_OK;
}

static m2m_err add_profile(m2m_euicc *e, int i, const m2m_euicc_profile_cfg *pc)
{
	m2m_euicc_isdp *p = &e->isdp[i];

	p->used = true;
	m2m_euicc_isdp_aid(pc->tar, p->aid);
	p->lcs = pc->enabled ? M2M_EUICC_LCS_ENABLED : M2M_EUICC_LCS_DISABLED;
	p->fallback = pc->fallback;
	p->pol1 = pc->pol1;
	p->mem_reserved = p->mem_used = pc->mem;
	p->has_profile = true;
	memcpy(p->iccid, pc->iccid, sizeof p->iccid);
	return M2M_OK;
}

static m2m_err create_keys(m2m_euicc *e, const m2m_euicc_config *cfg)
{
	m2m_err err = M2M_ERR_ARG;

	if (cfg->sk_ecasd == NULL || cfg->pk_ci == NULL || cfg->cert_ecasd == NULL ||
	    cfg->cert_ecasd_len > M2M_EUICC_CERT_MAX)
		goto out;
	e->curve = cfg->curve;
	err = m2m_ec_from_private(cfg->curve, cfg->sk_ecasd, cfg->sk_ecasd_len, &e->sk_ecasd);
	if (err == M2M_OK)
		err = m2m_ec_from_public(cfg->ci_curve, cfg->pk_ci, cfg->pk_ci_len, &e->pk_ci);
	if (err == M2M_OK) {
		memcpy(e->cert_ecasd, cfg->cert_ecasd, cfg->cert_ecasd_len);
		e->cert_ecasd_len = cfg->cert_ecasd_len;
	}
out:
	return err;
}

m2m_err m2m_euicc_create(const m2m_euicc_config *cfg, m2m_euicc **out)
{
	m2m_euicc *e = NULL;
	m2m_err err = M2M_ERR_ARG;

	if (cfg == NULL || out == NULL || cfg->nkeysets > M2M_EUICC_KEYSET_MAX ||
	    cfg->nprofiles > M2M_EUICC_ISDP_MAX || (cfg->nkeysets > 0 && cfg->keysets == NULL) ||
	    (cfg->nprofiles > 0 && cfg->profiles == NULL))
		goto out;
	*out = NULL;
	err = M2M_ERR_NOMEM;
	e = calloc(1, sizeof *e);
	if (e == NULL)
		goto out;
	m2m_buf_init(&e->s.sd);
	e->s.perso = -1;
	memcpy(e->eid, cfg->eid, sizeof e->eid);
	e->mem_total = cfg->mem_total;
	e->mem_volatile = cfg->mem_volatile;
	e->isdp_default_mem = cfg->isdp_default_mem;
	err = create_keys(e, cfg);
	for (size_t i = 0; err == M2M_OK && i < cfg->nkeysets; i++)
		e->keysets[i] = cfg->keysets[i];
	for (size_t i = 0; err == M2M_OK && i < cfg->nprofiles; i++)
		err = add_profile(e, (int)i, &cfg->profiles[i]);
	if (err == M2M_OK)
		err = m2m_euicc_check(e);
	if (err == M2M_OK) {
		*out = e;
		e = NULL;
	}
out:
	m2m_euicc_free(e);
	return err;
}

void m2m_euicc_session_end(m2m_euicc *e)
{
	if (e == NULL)
		return;
	m2m_buf_reset(&e->s.sd);
	e->s.sd_chain = false;
	e->s.sd_block = 0;
	e->s.perso = -1;
	if (e->s.keyest_active)
		m2m_keyest_card_wipe(&e->s.keyest);
	e->s.keyest_active = false;
	e->s.st_more = false;
	e->s.sec_kvn = 0;
	euicc_rfm_end(e);
}

void m2m_euicc_free(m2m_euicc *e)
{
	if (e == NULL)
		return;
	m2m_euicc_session_end(e);
	m2m_buf_free(&e->s.sd);
	euicc_es8_free(e);
	m2m_ec_free(e->sk_ecasd);
	m2m_ec_free(e->pk_ci);
	m2m_wipe(e, sizeof *e);
	free(e);
}

m2m_err m2m_euicc_isdp_install_profile(m2m_euicc *e, const uint8_t aid[M2M_EUICC_AID_SIZE],
				       const uint8_t iccid[M2M_EUICC_ICCID_SIZE], uint8_t pol1,
				       uint32_t size)
{
	m2m_euicc_isdp *p;
	int i;
	m2m_err err = M2M_ERR_ARG;

	if (e == NULL || aid == NULL || iccid == NULL)
		goto out;
	err = M2M_ERR_TLV_NOT_FOUND;
	i = m2m_euicc_find_isdp(e, aid, M2M_EUICC_AID_SIZE);
	if (i < 0)
		goto out;
	p = &e->isdp[i];
	err = M2M_ERR_STATE;
	if (p->has_profile || (p->lcs != M2M_EUICC_LCS_SELECTABLE &&
			       p->lcs != M2M_EUICC_LCS_PERSONALIZED) || size > p->mem_reserved)
		goto out;
	memcpy(p->iccid, iccid, sizeof p->iccid);
	p->pol1 = pol1;
	p->mem_used = size;
	p->has_profile = true;
	p->lcs = M2M_EUICC_LCS_DISABLED;
	err = M2M_OK;
out:
	return err;
}

m2m_err m2m_euicc_isdp_set_token_key(m2m_euicc *e, const uint8_t aid[M2M_EUICC_AID_SIZE],
				     const uint8_t *key, size_t len)
{
	m2m_euicc_keyset *k;
	int i;
	m2m_err err = M2M_ERR_ARG;

	if (e == NULL || aid == NULL || key == NULL || (len != 16 && len != 24 && len != 32))
		goto out;
	err = M2M_ERR_TLV_NOT_FOUND;
	i = m2m_euicc_find_isdp(e, aid, M2M_EUICC_AID_SIZE);
	if (i < 0)
		goto out;
	k = &e->isdp[i].token;
	euicc_keyset_wipe(k);
	k->kvn = M2M_EUICC_KVN_TOKEN;
	k->nkeys = 1;
	k->key[0].id = 0x01;
	k->key[0].type = M2M_EUICC_KEYTYPE_AES;
	k->key[0].len = (uint8_t)len;
	memcpy(k->key[0].value, key, len);
	err = M2M_OK;
out:
	return err;
}
