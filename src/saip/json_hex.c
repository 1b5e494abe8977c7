/* Byte strings as JSON strings: OCTET STRINGs as lower-case hex, the header's ICCID as its
 * digits. */
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "saip/asn1_alloc/asn1_alloc.h"
#include "saip/json_int.h"

json_t *m2m_saip_json_hex(const uint8_t *p, size_t n)
{
	char *s = malloc(2 * n + 1);
	if (s == NULL)
		return NULL;
	m2m_hex_encode(p, n, s);
	json_t *v = json_stringn(s, 2 * n);
	free(s);
	return v;
}

/* Replaces the contents of os (buf kept NUL-terminated, as asn1c does). The old buffer is
 * the tree's: released as FREEMEM does (asn1_alloc.h). */
static m2m_err set_bytes(OCTET_STRING_t *os, uint8_t *p, size_t n)
{
	m2m_asn1_free(os->buf);
	os->buf = p;
	os->size = (int)n;
	p[n] = 0;
	return M2M_OK;
}

m2m_err m2m_saip_json_unhex(m2m_saip_json_ctx *c, const json_t *v, OCTET_STRING_t *os)
{
	if (!json_is_string(v))
		return m2m_saip_json_fail(c, M2M_ERR_FORMAT, "expected a hex string");
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	if (len % 2 != 0 || len / 2 > M2M_SAIP_ELEMENT_MAX)
		return m2m_saip_json_fail(c, M2M_ERR_FORMAT, "bad hex: odd or too long (%zu digits)",
					  len);
	uint8_t *p = malloc(len / 2 + 1);
	if (p == NULL)
		return m2m_saip_json_fail(c, M2M_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < len / 2; i++) {
		int hi = m2m_hex_digit((unsigned char)s[2 * i]);
		int lo = m2m_hex_digit((unsigned char)s[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			free(p);
			return m2m_saip_json_fail(c, M2M_ERR_FORMAT, "bad hex: not a hex digit at %zu",
						  hi < 0 ? 2 * i : 2 * i + 1);
		}
		p[i] = (uint8_t)(hi << 4 | lo);
	}
	return set_bytes(os, p, len / 2);
}

/* The header holds the ICCID digits in reading order (unlike EF.ICCID, which swaps
 * nibbles), padded with F: hex with one trailing 'f' dropped. Any bytes map back exactly: an
 * odd-length string gets its 'f' again. */
m2m_err m2m_saip_json_iccid_enc(m2m_saip_json_ctx *c, const OCTET_STRING_t *os, json_t **out)
{
	size_t n = (size_t)os->size;
	char *s = malloc(2 * n + 1);
	if (s == NULL)
		return m2m_saip_json_fail(c, M2M_ERR_NOMEM, "out of memory");
	m2m_hex_encode(os->buf, n, s);
	size_t len = 2 * n;
	if (len > 0 && s[len - 1] == 'f')
		len--;
	*out = json_stringn(s, len);
	free(s);
	return *out != NULL ? M2M_OK : m2m_saip_json_fail(c, M2M_ERR_NOMEM, "out of memory");
}

m2m_err m2m_saip_json_iccid_dec(m2m_saip_json_ctx *c, const json_t *v, OCTET_STRING_t *os)
{
	if (!json_is_string(v))
		return m2m_saip_json_fail(c, M2M_ERR_FORMAT, "expected a string of ICCID digits");
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	if (len > 64)
		return m2m_saip_json_fail(c, M2M_ERR_FORMAT, "ICCID too long (%zu digits)", len);
	uint8_t *p = malloc(len / 2 + 2);
	if (p == NULL)
		return m2m_saip_json_fail(c, M2M_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < (len + 1) / 2; i++) {
		int hi = m2m_hex_digit((unsigned char)s[2 * i]);
		int lo = 2 * i + 1 < len ? m2m_hex_digit((unsigned char)s[2 * i + 1]) : 0x0f;
		if (hi < 0 || lo < 0) {
			free(p);
			return m2m_saip_json_fail(c, M2M_ERR_FORMAT,
						  "bad ICCID: not a digit at %zu", hi < 0 ? 2 * i : 2 * i + 1);
		}
		p[i] = (uint8_t)(hi << 4 | lo);
	}
	return set_bytes(os, p, (len + 1) / 2);
}

int m2m_saip_json_is_iccid(const asn_TYPE_descriptor_t *parent, const asn_TYPE_member_t *m)
{
	return parent == &asn_DEF_ProfileHeader && strcmp(m->name, "iccid") == 0;
}
