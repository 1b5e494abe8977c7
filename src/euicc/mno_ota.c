/*
 * ES6 over SCP80: the TARs of the enabled profile's MNO-SD and RFM applications, their key
 * sets and counters. Only the enabled profile answers: a packet to the MNO-SD of a disabled
 * profile finds no TAR (PoR 09). KID's high nibble names the MNO-SD key set (KVN 01-0F), its
 * low nibble must be that set's algorithm (AES 2; DES 1, 3DES 5/9 by key length), likewise
 * KIc with ciphering; KIc is key 01, KID key 02. Counters are per key set, kept in the ISD-P
 * (m2m_euicc_isdp.mno_cntr), starting at the package's keyCounterValue or 0.
 */
#include <string.h>

#include "euicc/isdp_int.h"
#include "euicc/mno_int.h"
#include "euicc/ota.h"

/* The enabled profile's tree with ES6 data, or NULL (none; *nomem on memory exhaustion). */
static euicc_uicc *mno_tree(m2m_euicc *e, bool *nomem)
{
	euicc_uicc *u = euicc_uicc_tree(e);

	*nomem = u == NULL;
	return u != NULL && u->built && u->mno.valid ? u : NULL;
}

static bool has_tar(const uint8_t tars[][3], size_t n, const uint8_t tar[3])
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(tars[i], tar, 3) == 0)
			return true;
	return false;
}

static const m2m_euicc_key *key_of(const m2m_euicc_keyset *ks, uint8_t id)
{
	for (size_t i = 0; i < ks->nkeys; i++)
		if (ks->key[i].id == id)
			return &ks->key[i];
	return NULL;
}

static bool keys_of(const m2m_euicc_keyset *ks, m2m_scp80_keys *keys)
{
	const m2m_euicc_key *kic = key_of(ks, 0x01), *kid = key_of(ks, 0x02);
	bool ok = kid != NULL && m2m_scp80_key_set(&keys->kid, kid->value, kid->len) == M2M_OK &&
		  (kic == NULL || m2m_scp80_key_set(&keys->kic, kic->value, kic->len) == M2M_OK);

	if (!ok)
		m2m_scp80_keys_wipe(keys);
	return ok;
}

bool euicc_mno_keys(m2m_euicc *e, uint8_t kvn, m2m_scp80_keys *keys)
{
	bool nomem;
	euicc_uicc *u = mno_tree(e, &nomem);

	memset(keys, 0, sizeof *keys);
	if (u == NULL || kvn < 1 || kvn > M2M_EUICC_MNO_KVN_MAX || u->mno.keys[kvn - 1].kvn == 0)
		return false;
	return keys_of(&u->mno.keys[kvn - 1], keys);
}

/* The target a TAR names, or 0 when none does. */
static int target_of(const euicc_mno *m, const uint8_t tar[3], uint8_t *msl)
{
	if (has_tar(m->tar, m->ntar, tar)) {
		*msl = m->msl;
		return M2M_EUICC_OTA_TARGET_MNO_SD;
	}
	for (size_t k = 0; k < m->nrfm; k++)
		if (has_tar(m->rfm[k].tar, m->rfm[k].ntar, tar)) {
			*msl = m->rfm[k].msl;
			return M2M_EUICC_OTA_TARGET_RFM((int)k);
		}
	return 0;
}

m2m_scp80_por_status euicc_mno_lookup(m2m_euicc *e, const uint8_t tar[3], uint8_t kic,
				      uint8_t kid, uint8_t spi1, m2m_scp80_tar_info *info,
				      int *target, uint8_t *kvn)
{
	const m2m_euicc_keyset *ks;
	const m2m_euicc_isdp *p;
	bool nomem;
	euicc_uicc *u = mno_tree(e, &nomem);
	uint8_t msl = 0, set = kid >> 4;

	if (u == NULL)
		return nomem ? M2M_POR_INSUFFICIENT_MEMORY : M2M_POR_TAR_UNKNOWN;
	*target = target_of(&u->mno, tar, &msl);
	if (*target == 0)
		return M2M_POR_TAR_UNKNOWN;
	ks = set >= 1 && set <= M2M_EUICC_MNO_KVN_MAX ? &u->mno.keys[set - 1] : NULL;
	if (ks == NULL || ks->kvn == 0 || ks->kid_alg == 0 || (kid & 0x0F) != ks->kid_alg)
		return M2M_POR_UNDEFINED_SECURITY_ERROR;
	if ((spi1 & M2M_SCP80_SPI1_CIPHER) &&
	    (ks->kic_alg == 0 || kic >> 4 != set || (kic & 0x0F) != ks->kic_alg))
		return M2M_POR_UNDEFINED_SECURITY_ERROR;
	if (!keys_of(ks, &info->keys))
		return M2M_POR_UNDEFINED_SECURITY_ERROR;
	p = &e->isdp[u->idx];
	info->last_counter = p->mno_cntr_set & 1u << (set - 1) ? p->mno_cntr[set - 1]
							       : ks->last_counter;
	info->min_spi1 = msl;
	*kvn = set;
	return M2M_POR_OK;
}

void euicc_mno_counter(m2m_euicc *e, uint8_t kvn, uint64_t counter)
{
	int i = m2m_euicc_enabled_isdp(e);

	if (i < 0 || kvn < 1 || kvn > M2M_EUICC_MNO_KVN_MAX || counter > M2M_SCP80_CNTR_MAX)
		return;
	e->isdp[i].mno_cntr[kvn - 1] = counter;
	e->isdp[i].mno_cntr_set |= (uint16_t)(1u << (kvn - 1));
}

m2m_err euicc_mno_apdu(m2m_euicc *e, int target, const uint8_t *capdu, size_t n,
		       m2m_buf *rapdu, m2m_euicc_events *ev)
{
	if (target == M2M_EUICC_OTA_TARGET_MNO_SD)
		return euicc_mno_sd_apdu(e, capdu, n, rapdu, ev);
	return euicc_rfm_apdu(e, M2M_EUICC_OTA_TARGET_RFM(0) - target, capdu, n, rapdu, ev);
}
