/*
 * HTTP/1.1 chunked transfer coding (RFC 9112 7.1), which GP Amendment B uses for every script
 * and script answer. Decoding is strict (sizes in hex of at most 8 digits, CRLF after every
 * chunk, bounded body and trailers); M2M_SCP81_CHUNKED_LENIENT_END accepts the missing final
 * CRLF of the whty peers (sgp02-bearers 3.4).
 */
#include "card/scp81_http.h"
#include "core/hex.h"

#include <stdio.h>

#define SIZE_DIGITS_MAX 8   /* 4 GiB: far above any bound, and no size_t overflow */
#define EXT_MAX 256         /* chunk extensions are skipped, up to this many bytes */
#define TRAILER_MAX 1024    /* all trailer lines together */

m2m_err m2m_scp81_chunked_encode(const uint8_t *body, size_t n, size_t max_chunk, m2m_buf *out)
{
	char size[2 * sizeof(size_t) + 3];
	m2m_err err = M2M_OK;
	if (out == NULL || (body == NULL && n > 0))
		return M2M_ERR_ARG;
	size_t start = out->len, pos = 0;
	while (err == M2M_OK && pos < n) {
		size_t k = n - pos;
		if (max_chunk > 0 && k > max_chunk)
			k = max_chunk;
		snprintf(size, sizeof size, "%zX\r\n", k);
		if ((err = m2m_scp81_put_text(out, size)) == M2M_OK &&
		    (err = m2m_buf_append(out, body + pos, k)) == M2M_OK)
			err = m2m_scp81_put_text(out, "\r\n");
		pos += k;
	}
	if (err == M2M_OK)
		err = m2m_scp81_put_text(out, "0\r\n\r\n");
	if (err != M2M_OK)
		out->len = start;
	return err;
}

typedef struct {
	const uint8_t *p;
	size_t n;
	size_t pos;
	const char **why;
} cursor;

static m2m_err truncated(cursor *c)
{
	return m2m_scp81_fail(M2M_ERR_BOUNDS, "chunked: body incomplete", c->why);
}

/* Consumes CRLF; reason names what it should have followed. */
static m2m_err expect_crlf(cursor *c, const char *reason)
{
	if (c->n - c->pos < 2)
		return (c->n - c->pos == 1 && c->p[c->pos] != '\r')
			       ? m2m_scp81_fail(M2M_ERR_FORMAT, reason, c->why)
			       : truncated(c);
	if (c->p[c->pos] != '\r' || c->p[c->pos + 1] != '\n')
		return m2m_scp81_fail(M2M_ERR_FORMAT, reason, c->why);
	c->pos += 2;
	return M2M_OK;
}

/* chunk-size [BWS ; ext] CRLF */
static m2m_err read_size_line(cursor *c, size_t *size)
{
	size_t digits = 0, v = 0;
	int d;
	while (c->pos < c->n && (d = m2m_hex_digit(c->p[c->pos])) >= 0) {
		if (++digits > SIZE_DIGITS_MAX)
			return m2m_scp81_fail(M2M_ERR_UNSUPPORTED, "chunked: chunk size overflows",
					      c->why);
		v = v << 4 | (size_t)d;
		c->pos++;
	}
	if (c->pos == c->n)
		return truncated(c);
	if (digits == 0)
		return m2m_scp81_fail(M2M_ERR_FORMAT, "chunked: chunk size is not hex", c->why);
	size_t ext_start = c->pos;
	while (c->pos < c->n && (c->p[c->pos] == ' ' || c->p[c->pos] == '\t'))
		c->pos++;
	if (c->pos < c->n && c->p[c->pos] != ';' && c->p[c->pos] != '\r')
		return m2m_scp81_fail(M2M_ERR_FORMAT, "chunked: chunk size is not hex", c->why);
	if (c->pos < c->n && c->p[c->pos] == ';') {
		while (c->pos < c->n && c->p[c->pos] >= 0x20 && c->p[c->pos] < 0x7F) {
			if (c->pos - ext_start > EXT_MAX)
				return m2m_scp81_fail(M2M_ERR_UNSUPPORTED,
						      "chunked: chunk extension too long", c->why);
			c->pos++;
		}
	}
	*size = v;
	return expect_crlf(c, "chunked: chunk size line not ended by CRLF");
}

/* One trailer field line; trailers are read for framing only and dropped. */
static m2m_err skip_trailer(cursor *c, size_t start)
{
	size_t eol = c->pos;
	while (eol < c->n && c->p[eol] != '\r' && c->p[eol] != '\n') {
		if (eol - start > TRAILER_MAX)
			return m2m_scp81_fail(M2M_ERR_UNSUPPORTED, "chunked: trailers too long", c->why);
		eol++;
	}
	if (eol == c->n)
		return truncated(c);
	m2m_scp81_str line = {(const char *)c->p + c->pos, eol - c->pos};
	size_t colon = 0;
	while (colon < line.len && line.p[colon] != ':' && line.p[colon] > 0x20 &&
	       line.p[colon] < 0x7F)
		colon++;
	if (colon == 0 || colon == line.len || line.p[colon] != ':')
		return m2m_scp81_fail(M2M_ERR_FORMAT, "chunked: malformed trailer line", c->why);
	c->pos = eol;
	return expect_crlf(c, "chunked: trailer line not ended by CRLF");
}

/* True if the bytes at the cursor start the next message ("POST ", "HTTP/"). */
static bool next_message(const cursor *c)
{
	m2m_scp81_str s = {(const char *)c->p + c->pos, c->n - c->pos};
	return m2m_scp81_eat(&s, "POST ") || m2m_scp81_eat(&s, "HTTP/");
}

/* After "0\r\n": trailer fields, then the final CRLF. */
static m2m_err read_trailers(cursor *c, unsigned flags)
{
	size_t start = c->pos;
	if ((flags & M2M_SCP81_CHUNKED_LENIENT_END) && (c->pos == c->n || next_message(c)))
		return M2M_OK;
	for (;;) {
		if (c->pos == c->n)
			return truncated(c);
		if (c->p[c->pos] == '\r' || c->p[c->pos] == '\n')
			return expect_crlf(c, "chunked: body not ended by CRLF");
		m2m_err err = skip_trailer(c, start);
		if (err != M2M_OK)
			return err;
	}
}

m2m_err m2m_scp81_chunked_decode(const uint8_t *p, size_t n, size_t max_body, unsigned flags,
				 m2m_buf *out, size_t *used, const char **why)
{
	cursor c = {p, n, 0, why};
	size_t start, size = 0;
	m2m_err err;
	if ((p == NULL && n > 0) || out == NULL)
		return m2m_scp81_fail(M2M_ERR_ARG, "chunked: no input", why);
	start = out->len;
	for (;;) {
		if ((err = read_size_line(&c, &size)) != M2M_OK)
			goto out;
		if (size == 0)
			break;
		if (size > max_body - (out->len - start)) {
			err = m2m_scp81_fail(M2M_ERR_UNSUPPORTED, "chunked: body larger than allowed",
					     why);
			goto out;
		}
		if (n - c.pos < size) {
			err = truncated(&c);
			goto out;
		}
		if ((err = m2m_buf_append(out, p + c.pos, size)) != M2M_OK)
			goto out;
		c.pos += size;
		if ((err = expect_crlf(&c, "chunked: chunk data not followed by CRLF")) != M2M_OK)
			goto out;
	}
	err = read_trailers(&c, flags);
out:
	if (err != M2M_OK)
		out->len = start;
	else if (used != NULL)
		*used = c.pos;
	return err;
}
