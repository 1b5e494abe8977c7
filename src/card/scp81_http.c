/*
 * HTTP/1.1 head splitting and the fields shared by SCP81 requests and responses. Tolerant
 * where real peers differ (header case, missing space after the colon, trailing spaces:
 * sgp02-bearers 3.3), strict on everything that could smuggle a second message (bare CR or
 * LF, control bytes, obs-fold, Content-Length with Transfer-Encoding).
 */
#include "card/scp81_http.h"

#include <ctype.h>

m2m_err m2m_scp81_fail(m2m_err err, const char *reason, const char **why)
{
	if (why != NULL)
		*why = reason;
	return err;
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

bool m2m_scp81_ieq(m2m_scp81_str s, const char *lit)
{
	size_t n = strlen(lit);
	if (s.p == NULL || s.len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(s.p[i]) != lower(lit[i]))
			return false;
	return true;
}

bool m2m_scp81_eat(m2m_scp81_str *s, const char *prefix)
{
	size_t n = strlen(prefix);
	if (s->len < n)
		return false;
	m2m_scp81_str head = {s->p, n};
	if (!m2m_scp81_ieq(head, prefix))
		return false;
	s->p += n;
	s->len -= n;
	return true;
}

bool m2m_scp81_visible(m2m_scp81_str s)
{
	if (s.p == NULL)
		return false;
	for (size_t i = 0; i < s.len; i++)
		if (s.p[i] < 0x21 || s.p[i] > 0x7E)
			return false;
	return true;
}

/* RFC 9110 tchar. */
static bool is_tchar(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static m2m_scp81_str trim(const char *p, size_t n)
{
	while (n > 0 && is_ows(p[0])) {
		p++;
		n--;
	}
	while (n > 0 && is_ows(p[n - 1]))
		n--;
	m2m_scp81_str s = {p, n};
	return s;
}

/* Offset of "\r\n\r\n" in p[0..n), or n. */
static size_t find_blank(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 4 <= n; i++)
		if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n')
			return i;
	return n;
}

/* Visible ASCII, SP and HTAB only: CR, LF, NUL and other controls never reach a field. */
static bool line_ok(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if ((c < 0x20 && c != '\t') || c >= 0x7F)
			return false;
	}
	return true;
}

static m2m_err split_field(const char *p, size_t n, m2m_scp81_field *f, const char **why)
{
	size_t colon = 0;
	while (colon < n && is_tchar(p[colon]))
		colon++;
	/* No space before the colon (RFC 9112 5.1), and no obs-fold continuation lines. */
	if (colon == 0 || colon == n || p[colon] != ':')
		return m2m_scp81_fail(M2M_ERR_FORMAT, "HTTP: malformed header line", why);
	f->name.p = p;
	f->name.len = colon;
	f->value = trim(p + colon + 1, n - colon - 1);
	return M2M_OK;
}

m2m_err m2m_scp81_head_split(const uint8_t *p, size_t n, m2m_scp81_head *h, const char **why)
{
	if ((p == NULL && n > 0) || h == NULL)
		return m2m_scp81_fail(M2M_ERR_ARG, "HTTP: no input", why);
	memset(h, 0, sizeof *h);
	size_t pos = 0;
	size_t lim = n < M2M_SCP81_HEAD_MAX ? n : M2M_SCP81_HEAD_MAX;
	/* RFC 9112 2.2: ignore empty lines before the start line (a peer's stray CRLF). */
	while (lim - pos >= 2 && p[pos] == '\r' && p[pos + 1] == '\n')
		pos += 2;
	size_t end = find_blank(p + pos, lim - pos) + pos;
	if (end == lim)
		return n >= M2M_SCP81_HEAD_MAX
			       ? m2m_scp81_fail(M2M_ERR_UNSUPPORTED, "HTTP: head too long", why)
			       : m2m_scp81_fail(M2M_ERR_BOUNDS, "HTTP: head incomplete", why);
	h->head_len = end + 4;
	const char *s = (const char *)p;
	size_t line_no = 0;
	while (pos < end + 2) {
		size_t eol = pos;
		while (!(s[eol] == '\r' && s[eol + 1] == '\n'))
			eol++;
		if (!line_ok(s + pos, eol - pos))
			return m2m_scp81_fail(M2M_ERR_FORMAT, "HTTP: control byte or bare CR/LF in head",
					      why);
		if (line_no == 0) {
			h->start = trim(s + pos, eol - pos);
			if (h->start.len == 0 || is_ows(s[pos]))
				return m2m_scp81_fail(M2M_ERR_FORMAT, "HTTP: malformed start line", why);
		} else {
			if (h->count == M2M_SCP81_HEADERS_MAX)
				return m2m_scp81_fail(M2M_ERR_UNSUPPORTED, "HTTP: too many headers", why);
			m2m_err err = split_field(s + pos, eol - pos, &h->f[h->count++], why);
			if (err != M2M_OK)
				return err;
		}
		line_no++;
		pos = eol + 2;
	}
	return M2M_OK;
}

m2m_err m2m_scp81_head_get(const m2m_scp81_head *h, const char *name, m2m_scp81_str *v,
			   const char **why)
{
	bool found = false;
	for (size_t i = 0; i < h->count; i++) {
		if (!m2m_scp81_ieq(h->f[i].name, name))
			continue;
		if (found)
			return m2m_scp81_fail(M2M_ERR_FORMAT, "HTTP: a header appears twice", why);
		*v = h->f[i].value;
		found = true;
	}
	return found ? M2M_OK : M2M_ERR_TLV_NOT_FOUND;
}

m2m_err m2m_scp81_head_protocol(const m2m_scp81_head *h, bool *has, const char **why)
{
	m2m_scp81_str v;
	m2m_err err = m2m_scp81_head_get(h, "X-Admin-Protocol", &v, why);
	*has = err == M2M_OK;
	if (err == M2M_ERR_TLV_NOT_FOUND)
		return M2M_OK;
	if (err != M2M_OK)
		return err;
	if (!m2m_scp81_ieq(v, M2M_SCP81_PROTOCOL))
		return m2m_scp81_fail(M2M_ERR_UNSUPPORTED,
				      "HTTP: X-Admin-Protocol is not globalplatform-remote-admin/1.0",
				      why);
	return M2M_OK;
}

static m2m_err parse_length(m2m_scp81_str v, size_t *len, const char **why)
{
	size_t n = 0;
	if (v.len == 0)
		return m2m_scp81_fail(M2M_ERR_FORMAT, "HTTP: empty Content-Length", why);
	for (size_t i = 0; i < v.len; i++) {
		if (!isdigit((unsigned char)v.p[i]))
			return m2m_scp81_fail(M2M_ERR_FORMAT, "HTTP: Content-Length is not a number",
					      why);
		n = n * 10 + (size_t)(v.p[i] - '0');
		if (n > M2M_SCP81_BODY_MAX)
			return m2m_scp81_fail(M2M_ERR_UNSUPPORTED, "HTTP: Content-Length too large",
					      why);
	}
	*len = n;
	return M2M_OK;
}

m2m_err m2m_scp81_head_framing(const m2m_scp81_head *h, m2m_scp81_framing *framing,
			       size_t *content_length, const char **why)
{
	m2m_scp81_str te, cl;
	m2m_err e_te = m2m_scp81_head_get(h, "Transfer-Encoding", &te, why);
	m2m_err e_cl = m2m_scp81_head_get(h, "Content-Length", &cl, why);
	*framing = M2M_SCP81_BODY_NONE;
	*content_length = 0;
	if (e_te != M2M_OK && e_te != M2M_ERR_TLV_NOT_FOUND)
		return e_te;
	if (e_cl != M2M_OK && e_cl != M2M_ERR_TLV_NOT_FOUND)
		return e_cl;
	if (e_te == M2M_OK && e_cl == M2M_OK)
		return m2m_scp81_fail(M2M_ERR_FORMAT,
				      "HTTP: both Transfer-Encoding and Content-Length", why);
	if (e_te == M2M_OK) {
		if (!m2m_scp81_ieq(te, "chunked"))
			return m2m_scp81_fail(M2M_ERR_UNSUPPORTED,
					      "HTTP: Transfer-Encoding other than chunked", why);
		*framing = M2M_SCP81_BODY_CHUNKED;
		return M2M_OK;
	}
	if (e_cl == M2M_OK) {
		*framing = M2M_SCP81_BODY_LENGTH;
		return parse_length(cl, content_length, why);
	}
	return M2M_OK;
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

bool m2m_scp81_hex_bytes(const char *p, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		int hi = nibble(p[2 * i]), lo = nibble(p[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

m2m_err m2m_scp81_aid_path_parse(m2m_scp81_str s, m2m_scp81_aid *aid)
{
	const size_t rid_hex = 2 * M2M_SCP81_RID_LEN;
	if (s.len < rid_hex + 1 || s.p[rid_hex] != '/')
		return M2M_ERR_FORMAT;
	size_t pix_hex = s.len - rid_hex - 1;
	if (pix_hex % 2 != 0 || pix_hex / 2 > M2M_SCP81_AID_MAX - M2M_SCP81_RID_LEN)
		return M2M_ERR_FORMAT;
	if (!m2m_scp81_hex_bytes(s.p, M2M_SCP81_RID_LEN, aid->b) ||
	    !m2m_scp81_hex_bytes(s.p + rid_hex + 1, pix_hex / 2, aid->b + M2M_SCP81_RID_LEN))
		return M2M_ERR_FORMAT;
	aid->len = M2M_SCP81_RID_LEN + pix_hex / 2;
	return M2M_OK;
}

bool m2m_scp81_aid_ok(const m2m_scp81_aid *aid)
{
	return aid->len >= M2M_SCP81_AID_MIN && aid->len <= M2M_SCP81_AID_MAX;
}

m2m_err m2m_scp81_put_text(m2m_buf *b, const char *text)
{
	return m2m_buf_append(b, text, strlen(text));
}

m2m_err m2m_scp81_put_field(m2m_buf *b, const char *name, m2m_scp81_str value)
{
	m2m_err err;
	if (!m2m_scp81_visible(value))
		return M2M_ERR_ARG;
	if ((err = m2m_scp81_put_text(b, name)) != M2M_OK ||
	    (err = m2m_scp81_put_text(b, ": ")) != M2M_OK ||
	    (err = m2m_buf_append(b, value.p, value.len)) != M2M_OK)
		return err;
	return m2m_scp81_put_text(b, "\r\n");
}

m2m_err m2m_scp81_put_hex(m2m_buf *b, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789ABCDEF";
	m2m_err err = m2m_buf_reserve(b, 2 * n);
	if (err != M2M_OK)
		return err;
	for (size_t i = 0; i < n; i++) {
		b->data[b->len++] = (uint8_t)digits[p[i] >> 4];
		b->data[b->len++] = (uint8_t)digits[p[i] & 0x0F];
	}
	return M2M_OK;
}

m2m_err m2m_scp81_put_aid_path(m2m_buf *b, const m2m_scp81_aid *aid)
{
	m2m_err err;
	if (!m2m_scp81_aid_ok(aid))
		return M2M_ERR_ARG;
	if ((err = m2m_scp81_put_hex(b, aid->b, M2M_SCP81_RID_LEN)) != M2M_OK ||
	    (err = m2m_scp81_put_text(b, "/")) != M2M_OK)
		return err;
	return m2m_scp81_put_hex(b, aid->b + M2M_SCP81_RID_LEN, aid->len - M2M_SCP81_RID_LEN);
}
