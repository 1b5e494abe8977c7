#include "core/hex.h"

#include <string.h>

static const char digits[] = "0123456789abcdef";

int m2m_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void m2m_hex_encode(const uint8_t *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

m2m_err m2m_hex_append(m2m_buf *b, const uint8_t *in, size_t n)
{
	m2m_err err = m2m_buf_reserve(b, 2 * n);
	if (err != M2M_OK)
		return err;
	for (size_t i = 0; i < n; i++) {
		b->data[b->len++] = (uint8_t)digits[in[i] >> 4];
		b->data[b->len++] = (uint8_t)digits[in[i] & 0x0f];
	}
	return M2M_OK;
}

m2m_err m2m_hex_decode(const char *hex, uint8_t *out, size_t cap, size_t *n)
{
	if (hex == NULL)
		return M2M_ERR_ARG;
	size_t len = strlen(hex);
	if (len % 2 != 0)
		return M2M_ERR_HEX;
	if (len / 2 > cap)
		return M2M_ERR_BOUNDS;
	for (size_t i = 0; i < len / 2; i++) {
		int hi = m2m_hex_digit((unsigned char)hex[2 * i]);
		int lo = m2m_hex_digit((unsigned char)hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return M2M_ERR_HEX;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*n = len / 2;
	return M2M_OK;
}

m2m_err m2m_hex_decode_exact(const char *hex, uint8_t *out, size_t want)
{
	if (hex == NULL)
		return M2M_ERR_ARG;
	if (strlen(hex) != 2 * want)
		return M2M_ERR_HEX;
	size_t n;
	return m2m_hex_decode(hex, out, want, &n);
}

m2m_err m2m_hex_decode_buf(const char *hex, m2m_buf *b)
{
	if (hex == NULL)
		return M2M_ERR_ARG;
	size_t len = strlen(hex);
	if (len % 2 != 0)
		return M2M_ERR_HEX;
	m2m_err err = m2m_buf_reserve(b, len / 2);
	if (err != M2M_OK)
		return err;
	size_t n;
	err = m2m_hex_decode(hex, b->data + b->len, len / 2, &n);
	if (err == M2M_OK)
		b->len += n;
	return err;
}
