/* ICCID and IMSI: the header, EF.ICCID in the mf element, EF.IMSI and EF.ACC in the usim. */
#include <string.h>

#include "saip/personalise_int.h"

#define ICCID_BYTES 10
#define IMSI_BYTES 9

int m2m_saip_luhn(const char *digits, size_t n)
{
	unsigned sum = 0;

	/* Doubling starts at the rightmost digit of the payload. */
	for (size_t i = 0; i < n; i++) {
		char c = digits[n - 1 - i];
		unsigned d;

		if (c < '0' || c > '9')
			return -1;
		d = (unsigned)(c - '0');
		if (i % 2 == 0) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return '0' + (int)((10 - sum % 10) % 10);
}

/* The full ICCID (check digit included) into out[21], or an error message. */
static const char *iccid_full(const char *digits, bool add_check, char out[21])
{
	size_t n;

	if (add_check) {
		if (!m2m_saip_perso_digits(digits, 18, 19))
			return "must be 18 or 19 decimal digits (the check digit is added)";
		n = strlen(digits);
		memcpy(out, digits, n);
		out[n] = (char)m2m_saip_luhn(digits, n);
		out[n + 1] = '\0';
		return NULL;
	}
	if (!m2m_saip_perso_digits(digits, 19, 20))
		return "must be 19 or 20 decimal digits, the last one the Luhn check digit";
	n = strlen(digits);
	if (m2m_saip_luhn(digits, n - 1) != digits[n - 1])
		return "wrong Luhn check digit";
	memcpy(out, digits, n + 1);
	return NULL;
}

static bool file_creatable(const File_t *f)
{
	for (int i = 0; i < f->list.count; i++)
		if (f->list.array[i]->present == File__Member_PR_doNotCreate)
			return false;
	return true;
}

/* Index of the first element of type t, or pkg->count. */
static size_t find_first(const m2m_saip_pkg *pkg, ProfileElement_PR t)
{
	size_t i;

	for (i = 0; i < pkg->count; i++)
		if (pkg->el[i].pe != NULL && pkg->el[i].pe->present == t)
			break;
	return i;
}

/* Every element of type t must have a creatable file (picked by get); at least one such. */
static m2m_err check_files(m2m_saip_pkg *pkg, ProfileElement_PR t, File_t *(*get)(ProfileElement_t *),
			   const char *what, m2m_saip_error *err)
{
	size_t found = 0;

	for (size_t i = 0; i < pkg->count; i++) {
		ProfileElement_t *pe = pkg->el[i].pe;

		if (pe == NULL || pe->present != t)
			continue;
		if (!file_creatable(get(pe)))
			return m2m_saip_perso_fail(err, M2M_ERR_STATE, pkg, i,
						   "%s is marked doNotCreate", what);
		found++;
	}
	if (found == 0)
		return m2m_saip_perso_fail(err, M2M_ERR_STATE, pkg, M2M_SAIP_NO_INDEX,
					   "the package has no element holding %s", what);
	return M2M_OK;
}

static m2m_err set_files(m2m_saip_pkg *pkg, ProfileElement_PR t, File_t *(*get)(ProfileElement_t *),
			 const uint8_t *p, size_t n, m2m_saip_error *err)
{
	for (size_t i = 0; i < pkg->count; i++) {
		ProfileElement_t *pe = pkg->el[i].pe;
		m2m_err rc;

		if (pe == NULL || pe->present != t || !file_creatable(get(pe)))
			continue;
		rc = m2m_saip_perso_file_set(get(pe), p, n);
		if (rc != M2M_OK)
			return m2m_saip_perso_fail(err, rc, pkg, i, "cannot set the file content: %s",
						   m2m_strerror(rc));
	}
	return M2M_OK;
}

static File_t *mf_iccid(ProfileElement_t *pe)
{
	return &pe->choice.mf.ef_iccid;
}

static File_t *usim_imsi(ProfileElement_t *pe)
{
	return &pe->choice.usim.ef_imsi;
}

static File_t *usim_acc(ProfileElement_t *pe)
{
	return &pe->choice.usim.ef_acc;
}

m2m_err m2m_saip_set_iccid(m2m_saip_pkg *pkg, const char *digits, bool add_check,
			   m2m_saip_error *err)
{
	char full[21];
	uint8_t plain[ICCID_BYTES], swapped[ICCID_BYTES];
	const char *why;
	size_t h;
	m2m_err rc;

	why = iccid_full(digits != NULL ? digits : "", add_check, full);
	if (why != NULL)
		return m2m_saip_perso_fail(err, M2M_ERR_ARG, NULL, M2M_SAIP_NO_INDEX, "ICCID %s",
					   why);
	h = find_first(pkg, ProfileElement_PR_header);
	if (h == pkg->count)
		return m2m_saip_perso_fail(err, M2M_ERR_STATE, pkg, M2M_SAIP_NO_INDEX,
					   "the package has no header element");
	rc = check_files(pkg, ProfileElement_PR_mf, mf_iccid, "EF.ICCID", err);
	if (rc != M2M_OK)
		return rc;
	/* The header holds plain BCD, EF.ICCID swapped nibbles (TS 102 221 13.2); the TS.48
	 * packages show both: 89000123... in the header, 98001032... in the file. */
	m2m_saip_perso_bcd(full, false, plain, sizeof(plain));
	m2m_saip_perso_bcd(full, true, swapped, sizeof(swapped));
	rc = m2m_saip_perso_os_set(&pkg->el[h].pe->choice.header.iccid, plain, sizeof(plain));
	if (rc != M2M_OK)
		return m2m_saip_perso_fail(err, rc, pkg, h, "cannot set the ICCID: %s",
					   m2m_strerror(rc));
	return set_files(pkg, ProfileElement_PR_mf, mf_iccid, swapped, sizeof(swapped), err);
}

m2m_err m2m_saip_imsi_encode(const char *digits, uint8_t out[9])
{
	char s[17];
	size_t n;

	if (!m2m_saip_perso_digits(digits, 6, 15))
		return M2M_ERR_ARG;
	n = strlen(digits);
	/* Length byte, then the identity type 001 with the odd/even parity bit in the first
	 * nibble, then the digits, all nibble-swapped (TS 31.102 4.2.2, TS 24.008 10.5.1.4). */
	out[0] = (uint8_t)((n + 2) / 2);
	s[0] = (n % 2) ? '9' : '1';
	memcpy(s + 1, digits, n + 1);
	m2m_saip_perso_bcd(s, true, out + 1, IMSI_BYTES - 1);
	return M2M_OK;
}

m2m_err m2m_saip_set_imsi(m2m_saip_pkg *pkg, const char *digits, m2m_saip_error *err)
{
	uint8_t imsi[IMSI_BYTES], acc[2] = {0, 0};
	unsigned last;
	m2m_err rc;

	if (digits == NULL || m2m_saip_imsi_encode(digits, imsi) != M2M_OK)
		return m2m_saip_perso_fail(err, M2M_ERR_ARG, NULL, M2M_SAIP_NO_INDEX,
					   "IMSI must be 6 to 15 decimal digits");
	rc = check_files(pkg, ProfileElement_PR_usim, usim_imsi, "EF.IMSI", err);
	if (rc != M2M_OK)
		return rc;
	rc = set_files(pkg, ProfileElement_PR_usim, usim_imsi, imsi, sizeof(imsi), err);
	if (rc != M2M_OK)
		return rc;
	/* Access class 0..9 is the last IMSI digit (TS 22.011 4.2), as pySim sets it. */
	last = (unsigned)(digits[strlen(digits) - 1] - '0');
	acc[0] = (uint8_t)((1u << last) >> 8);
	acc[1] = (uint8_t)(1u << last);
	return set_files(pkg, ProfileElement_PR_usim, usim_acc, acc, sizeof(acc), err);
}
