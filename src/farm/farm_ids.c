/* EID, MSISDN and ICCID numbering (docs/devices.md "Identifiers"). */
#include <string.h>

#include "core/hex.h"
#include "farm/farm_ids.h"
#include "saip/personalise.h"

bool m2m_farm_digits(const char *s, size_t min, size_t max)
{
	size_t n;

	if (s == NULL)
		return false;
	n = strlen(s);
	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

m2m_err m2m_farm_digits_add(const char *base, uint64_t add, char *out, size_t cap)
{
	size_t n = base != NULL ? strlen(base) : 0;
	unsigned carry = 0;

	if (n == 0 || !m2m_farm_digits(base, 1, n) || cap < n + 1)
		return M2M_ERR_ARG;
	memcpy(out, base, n + 1);
	for (size_t k = n; k-- > 0;) {
		unsigned d = (unsigned)(out[k] - '0') + (unsigned)(add % 10) + carry;
		add /= 10;
		carry = d / 10;
		out[k] = (char)('0' + d % 10);
	}
	return add != 0 || carry != 0 ? M2M_ERR_BOUNDS : M2M_OK;
}

/* The number in decimal digits, modulo 97 (digit by digit: no big integers). */
static unsigned mod97(const char *digits, size_t n)
{
	unsigned r = 0;

	for (size_t i = 0; i < n; i++)
		r = (r * 10 + (unsigned)(digits[i] - '0')) % 97;
	return r;
}

m2m_err m2m_farm_eid_check(const char *prefix30, char check[3])
{
	unsigned r, c;

	if (!m2m_farm_digits(prefix30, 30, 30))
		return M2M_ERR_ARG;
	r = (mod97(prefix30, 30) * 100) % 97;
	c = 98 - r;
	check[0] = (char)('0' + c / 10);
	check[1] = (char)('0' + c % 10);
	check[2] = '\0';
	return M2M_OK;
}

bool m2m_farm_eid_valid(const char *digits32)
{
	return m2m_farm_digits(digits32, 32, 32) && mod97(digits32, 32) == 1;
}

m2m_err m2m_farm_eid_at(const char *first, uint64_t i, uint8_t eid[16])
{
	char prefix[31], digits[33];
	m2m_err err = M2M_ERR_ARG;

	if (!m2m_farm_digits(first, 32, 32))
		goto out;
	memcpy(prefix, first, 30);
	prefix[30] = '\0';
	err = m2m_farm_digits_add(prefix, i, digits, sizeof digits);
	if (err == M2M_OK)
		err = m2m_farm_eid_check(digits, digits + 30);
	if (err == M2M_OK)
		err = m2m_hex_decode_exact(digits, eid, 16);
out:
	return err;
}

m2m_err m2m_farm_iccid_at(const char *base19, uint64_t i, char out[21])
{
	m2m_err err;
	int luhn;

	if (!m2m_farm_digits(base19, M2M_FARM_ICCID_BASE_DIGITS, M2M_FARM_ICCID_BASE_DIGITS))
		return M2M_ERR_ARG;
	err = m2m_farm_digits_add(base19, i, out, 21);
	if (err != M2M_OK)
		return err;
	luhn = m2m_saip_luhn(out, M2M_FARM_ICCID_BASE_DIGITS);
	if (luhn < 0)
		return M2M_ERR_ARG;
	out[19] = (char)luhn;
	out[20] = '\0';
	return M2M_OK;
}

void m2m_farm_iccid_digits(const uint8_t iccid[10], char out[21])
{
	size_t n;

	m2m_hex_encode(iccid, 10, out);
	n = strlen(out);
	while (n > 0 && (out[n - 1] == 'f' || out[n - 1] == 'F'))
		out[--n] = '\0';
}
