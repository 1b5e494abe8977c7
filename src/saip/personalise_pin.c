/* PIN and PUK values in the pinCodes and pukCodes elements, by key reference. */
#include <string.h>

#include "core/hex.h"
#include "saip/personalise_int.h"

#define CODE_BYTES 8

static bool pin_ref_known(uint8_t r)
{
	uint8_t low = r & 0x7f;

	/* PINKeyReferenceValue: 01..08 and 0A..0E (PINs, ADM1..5), the same with b8 set (second
	 * application PINs, ADM6..10). */
	return (low >= 0x01 && low <= 0x08) || (low >= 0x0a && low <= 0x0e);
}

static bool pin_ref_adm(uint8_t r)
{
	return (r & 0x7f) >= 0x0a;
}

static bool puk_ref_known(uint8_t r)
{
	uint8_t low = r & 0x7f;

	return low >= 0x01 && low <= 0x08;
}

/* Digits as ASCII, FF padded (TS 102 221 9.5.1); ADM also as 16 hex digits (raw bytes). */
static m2m_err code_encode(const char *v, size_t min, bool raw_ok, uint8_t out[CODE_BYTES])
{
	memset(out, 0xff, CODE_BYTES);
	if (m2m_saip_perso_digits(v, min, CODE_BYTES)) {
		memcpy(out, v, strlen(v));
		return M2M_OK;
	}
	if (raw_ok && v != NULL && strlen(v) == 2 * CODE_BYTES &&
	    m2m_hex_decode_exact(v, out, CODE_BYTES) == M2M_OK)
		return M2M_OK;
	memset(out, 0xff, CODE_BYTES);
	return M2M_ERR_ARG;
}

/* Sets the value in pinCodes element pe; true if the reference was there. */
static m2m_err pin_put(ProfileElement_t *pe, uint8_t ref, const uint8_t *v, bool *found)
{
	PE_PINCodes_t *pc = &pe->choice.pinCodes;

	if (pc->pinCodes.present != PE_PINCodes__pinCodes_PR_pinconfig)
		return M2M_OK;
	for (int i = 0; i < pc->pinCodes.choice.pinconfig.list.count; i++) {
		struct PINConfiguration *c = pc->pinCodes.choice.pinconfig.list.array[i];

		if (c->keyReference != ref)
			continue;
		*found = true;
		return m2m_saip_perso_os_set(&c->pinValue, v, CODE_BYTES);
	}
	return M2M_OK;
}

static m2m_err puk_put(ProfileElement_t *pe, uint8_t ref, const uint8_t *v, bool *found)
{
	PE_PUKCodes_t *pc = &pe->choice.pukCodes;

	for (int i = 0; i < pc->pukCodes.list.count; i++) {
		struct PUKConfiguration *c = pc->pukCodes.list.array[i];

		if (c->keyReference != ref)
			continue;
		*found = true;
		return m2m_saip_perso_os_set(&c->pukValue, v, CODE_BYTES);
	}
	return M2M_OK;
}

typedef m2m_err (*code_put_fn)(ProfileElement_t *pe, uint8_t ref, const uint8_t *v, bool *found);

/* The reference may appear in several elements (PIN2 in every NAA): all get the value. */
static m2m_err put_all(m2m_saip_pkg *pkg, ProfileElement_PR t, code_put_fn put, uint8_t ref,
		       const uint8_t *v, const char *what, m2m_saip_error *err)
{
	bool found = false;

	for (size_t i = 0; i < pkg->count; i++) {
		m2m_err rc;

		if (pkg->el[i].pe == NULL || pkg->el[i].pe->present != t)
			continue;
		rc = put(pkg->el[i].pe, ref, v, &found);
		if (rc != M2M_OK)
			return m2m_saip_perso_fail(err, rc, pkg, i, "cannot set the %s: %s", what,
						   m2m_strerror(rc));
	}
	if (!found)
		return m2m_saip_perso_fail(err, M2M_ERR_STATE, pkg, M2M_SAIP_NO_INDEX,
					   "no %s element holds key reference %02X",
					   t == ProfileElement_PR_pinCodes ? "pinCodes" : "pukCodes",
					   ref);
	return M2M_OK;
}

m2m_err m2m_saip_set_pin(m2m_saip_pkg *pkg, uint8_t key_ref, const char *value,
			 m2m_saip_error *err)
{
	uint8_t v[CODE_BYTES];
	m2m_err rc;

	if (!pin_ref_known(key_ref)) {
		rc = m2m_saip_perso_fail(err, M2M_ERR_ARG, NULL, M2M_SAIP_NO_INDEX,
					 "unknown PIN key reference %02X", key_ref);
		goto out;
	}
	if (code_encode(value, 4, pin_ref_adm(key_ref), v) != M2M_OK) {
		rc = m2m_saip_perso_fail(err, M2M_ERR_ARG, NULL, M2M_SAIP_NO_INDEX,
					 pin_ref_adm(key_ref)
						 ? "ADM (key reference %02X) must be 4 to 8 decimal "
						   "digits or 16 hex digits"
						 : "PIN (key reference %02X) must be 4 to 8 decimal digits",
					 key_ref);
		goto out;
	}
	rc = put_all(pkg, ProfileElement_PR_pinCodes, pin_put, key_ref, v, "PIN", err);
out:
	m2m_wipe(v, sizeof(v));
	return rc;
}

m2m_err m2m_saip_set_puk(m2m_saip_pkg *pkg, uint8_t key_ref, const char *value,
			 m2m_saip_error *err)
{
	uint8_t v[CODE_BYTES];
	m2m_err rc;

	if (!puk_ref_known(key_ref)) {
		rc = m2m_saip_perso_fail(err, M2M_ERR_ARG, NULL, M2M_SAIP_NO_INDEX,
					 "unknown PUK key reference %02X", key_ref);
		goto out;
	}
	if (code_encode(value, CODE_BYTES, false, v) != M2M_OK) {
		rc = m2m_saip_perso_fail(err, M2M_ERR_ARG, NULL, M2M_SAIP_NO_INDEX,
					 "PUK (key reference %02X) must be 8 decimal digits", key_ref);
		goto out;
	}
	rc = put_all(pkg, ProfileElement_PR_pukCodes, puk_put, key_ref, v, "PUK", err);
out:
	m2m_wipe(v, sizeof(v));
	return rc;
}
