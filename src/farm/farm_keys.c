/* Key derivation of the farm's devices (farm_keys.h, docs/devices.md "Key derivation"). */
#include <string.h>

#include "crypto/hash.h"
#include "farm/farm_keys.h"

#define LABEL_MAX 16

m2m_err m2m_farm_kdf(const uint8_t *seed, size_t seed_len, const char *label,
		     const uint8_t eid[16], uint8_t kvn, uint8_t key_id, uint8_t *out,
		     size_t out_len)
{
	uint8_t fixed[LABEL_MAX + 1 + 16 + 2 + 2];
	size_t n, ll = label != NULL ? strlen(label) : 0;
	m2m_err err;

	if (seed == NULL || (seed_len != 16 && seed_len != 24 && seed_len != 32) || ll == 0 ||
	    ll > LABEL_MAX || eid == NULL || out == NULL || out_len == 0 || out_len > 64)
		return M2M_ERR_ARG;
	memcpy(fixed, label, ll);
	n = ll;
	fixed[n++] = 0x00;
	memcpy(fixed + n, eid, 16);
	n += 16;
	fixed[n++] = kvn;
	fixed[n++] = key_id;
	fixed[n++] = (uint8_t)((out_len * 8) >> 8);
	fixed[n++] = (uint8_t)(out_len * 8);
	err = m2m_kdf_sp800108_cmac(seed, seed_len, M2M_KDF_CTR_BEFORE, 1, fixed, n, 0, out,
				    out_len);
	m2m_wipe(fixed, sizeof fixed);
	return err;
}

static m2m_err derive_set(const uint8_t *seed, size_t seed_len, const uint8_t eid[16],
			  const char *label, uint8_t kvn, size_t nkeys, uint8_t type,
			  size_t len, m2m_euicc_keyset *k)
{
	m2m_err err = M2M_OK;

	memset(k, 0, sizeof *k);
	k->kvn = kvn;
	k->nkeys = nkeys;
	for (size_t i = 0; err == M2M_OK && i < nkeys; i++) {
		k->key[i].id = (uint8_t)(i + 1);
		k->key[i].type = type;
		k->key[i].len = (uint8_t)len;
		err = m2m_farm_kdf(seed, seed_len, label, eid, kvn, (uint8_t)(i + 1),
				   k->key[i].value, len);
	}
	return err;
}

m2m_err m2m_farm_keysets(const uint8_t *seed, size_t seed_len, const uint8_t eid[16],
			 const m2m_farm_keyspec *spec, m2m_euicc_keyset *ks, size_t *n)
{
	m2m_err err = M2M_ERR_ARG;

	*n = 0;
	if (spec == NULL || spec->scp80_sets < 1 || spec->scp80_sets > 15 ||
	    (spec->key_len != 16 && spec->key_len != 24 && spec->key_len != 32) ||
	    (spec->psk_len != 0 && spec->psk_len != 16 && spec->psk_len != 32))
		return err;
	err = M2M_OK;
	for (unsigned s = 1; err == M2M_OK && s <= spec->scp80_sets; s++) {
		/* KIc 01, KID 02, DEK 03; AES for both KIc and KID (low nibble 2). */
		err = derive_set(seed, seed_len, eid, M2M_FARM_LABEL_SCP80, (uint8_t)s, 3,
				 M2M_EUICC_KEYTYPE_AES, spec->key_len, &ks[*n]);
		ks[*n].kic_alg = ks[*n].kid_alg = 0x2;
		(*n)++;
	}
	if (err == M2M_OK && spec->psk_len != 0) {
		err = derive_set(seed, seed_len, eid, M2M_FARM_LABEL_SCP81, M2M_FARM_PSK_KVN, 1,
				 M2M_EUICC_KEYTYPE_PSK_TLS, spec->psk_len, &ks[*n]);
		(*n)++;
	}
	return err;
}

m2m_err m2m_farm_ecasd_key(const uint8_t *seed, size_t seed_len, const uint8_t eid[16],
			   m2m_curve curve, m2m_eckey **key)
{
	uint8_t d[M2M_EC_FIELD_SIZE];
	m2m_err err = M2M_ERR_ARG;

	/* Rejection sampling: a value that is 0 or not below the order takes the next id. */
	for (unsigned attempt = 0; attempt < 8; attempt++) {
		err = m2m_farm_kdf(seed, seed_len, M2M_FARM_LABEL_ECASD, eid, 0x00,
				   (uint8_t)attempt, d, sizeof d);
		if (err == M2M_OK)
			err = m2m_ec_from_private(curve, d, sizeof d, key);
		if (err != M2M_ERR_ARG)
			break;
	}
	m2m_wipe(d, sizeof d);
	return err;
}
