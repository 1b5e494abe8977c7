/* Header fields: POL1 and the SGP.02 connectivity parameters. */
#include <string.h>

#include "core/tlv.h"
#include "saip/personalise_int.h"

#define POL1_MAX 16
#define SMSC_DIGITS_MAX 20

static m2m_err header_index(m2m_saip_pkg *pkg, size_t *h, m2m_saip_error *err)
{
	for (*h = 0; *h < pkg->count; (*h)++)
		if (pkg->el[*h].pe != NULL && pkg->el[*h].pe->present == ProfileElement_PR_header)
			return M2M_OK;
	return m2m_saip_perso_fail(err, M2M_ERR_STATE, pkg, M2M_SAIP_NO_INDEX,
				   "the package has no header element");
}

m2m_err m2m_saip_set_pol1(m2m_saip_pkg *pkg, const uint8_t *p, size_t n, m2m_saip_error *err)
{
	size_t h;
	m2m_err rc;

	/* The POL1 bit coding is not public (sgp02-facts-2 section 3): stored as given. */
	if (p == NULL || n == 0 || n > POL1_MAX)
		return m2m_saip_perso_fail(err, M2M_ERR_ARG, NULL, M2M_SAIP_NO_INDEX,
					   "POL1 must be 1 to %d bytes", POL1_MAX);
	rc = header_index(pkg, &h, err);
	if (rc != M2M_OK)
		return rc;
	rc = m2m_saip_perso_os_put(&pkg->el[h].pe->choice.header.pol, p, n);
	if (rc != M2M_OK)
		return m2m_saip_perso_fail(err, rc, pkg, h, "cannot set POL1: %s", m2m_strerror(rc));
	return M2M_OK;
}

/* True if p..n is a non-empty sequence of well-formed DER TLVs. */
static bool tlv_list_ok(const uint8_t *p, size_t n)
{
	m2m_tlv_iter it;
	m2m_tlv t;
	m2m_err rc;
	size_t count = 0;

	m2m_tlv_iter_init(&it, p, n, M2M_TLV_DER);
	while ((rc = m2m_tlv_next(&it, &t)) == M2M_OK)
		count++;
	return rc == M2M_END && count > 0;
}

m2m_err m2m_saip_set_connectivity(m2m_saip_pkg *pkg, const uint8_t *p, size_t n,
				  m2m_saip_error *err)
{
	size_t h;
	m2m_err rc;

	if (p == NULL || n == 0 || n > 0xffff || !tlv_list_ok(p, n))
		return m2m_saip_perso_fail(err, M2M_ERR_ARG, NULL, M2M_SAIP_NO_INDEX,
					   "connectivity parameters must be one or more DER TLVs "
					   "(A0 SMS parameters...)");
	rc = header_index(pkg, &h, err);
	if (rc != M2M_OK)
		return rc;
	rc = m2m_saip_perso_os_put(&pkg->el[h].pe->choice.header.connectivityParameters, p, n);
	if (rc != M2M_OK)
		return m2m_saip_perso_fail(err, rc, pkg, h, "cannot set the connectivity parameters: %s",
					   m2m_strerror(rc));
	return M2M_OK;
}

m2m_err m2m_saip_connectivity_sms(const char *smsc, m2m_buf *out)
{
	uint8_t addr[1 + SMSC_DIGITS_MAX / 2];
	const char *digits;
	size_t nd, alen;
	m2m_err rc;

	if (smsc == NULL)
		return M2M_ERR_ARG;
	digits = smsc[0] == '+' ? smsc + 1 : smsc;
	if (!m2m_saip_perso_digits(digits, 1, SMSC_DIGITS_MAX))
		return M2M_ERR_ARG;
	nd = strlen(digits);
	/* TS 102 223 8.1 Address: TON/NPI (91 international/ISDN, 81 unknown), swapped BCD. */
	addr[0] = smsc[0] == '+' ? 0x91 : 0x81;
	alen = 1 + (nd + 1) / 2;
	m2m_saip_perso_bcd(digits, true, addr + 1, alen - 1);
	rc = m2m_buf_append_u8(out, 0xa0);
	if (rc == M2M_OK)
		rc = m2m_buf_append_u8(out, (uint8_t)(2 + alen));
	if (rc == M2M_OK)
		rc = m2m_buf_append_u8(out, 0x06);
	if (rc == M2M_OK)
		rc = m2m_buf_append_u8(out, (uint8_t)alen);
	if (rc == M2M_OK)
		rc = m2m_buf_append(out, addr, alen);
	return rc;
}
