/* Field readers of the EIS parser: typed values of child elements with precise refusals. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/hex.h"
#include "smsr/eis_int.h"

void m2m_eis_rd_sub(const m2m_eis_rd *r, m2m_eis_rd *sub, const char *subj, const char *name,
		    int index)
{
	char tail[64];
	size_t a = strnlen(r->where, sizeof sub->where - 1), b;

	sub->st = r->st;
	sub->subj = subj != NULL ? subj : r->subj;
	if (index >= 0)
		snprintf(tail, sizeof tail, "/%s[%d]", name, index + 1);
	else
		snprintf(tail, sizeof tail, "/%s", name);
	b = strlen(tail);
	if (a + b >= sizeof sub->where)
		b = sizeof sub->where - 1 - a;
	memcpy(sub->where, r->where, a);
	memcpy(sub->where + a, tail, b);
	sub->where[a + b] = '\0';
}

m2m_err m2m_eis_rd_fail(const m2m_eis_rd *r, const char *name, const char *fmt, ...)
{
	const char *subj = m2m_ws_subject_for_element(name);
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return m2m_eis_refuse(r->st, M2M_ERR_FORMAT, subj != NULL ? subj : r->subj,
			      M2M_WS_REASON_INVALID, "%s/%s %s", r->where, name, what);
}

static bool xml_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* *t without the XML white space around it: *len characters from the new *t. */
static void trim(const char **t, size_t *len)
{
	while (xml_space((unsigned char)**t))
		(*t)++;
	*len = strlen(*t);
	while (*len > 0 && xml_space((unsigned char)(*t)[*len - 1]))
		(*len)--;
}

/* The element's text without surrounding white space; M2M_END when absent. */
static m2m_err trimmed(const m2m_eis_rd *r, const m2m_ws_node *n, const char *name,
		       bool required, const char **p, size_t *len)
{
	const char *t = NULL;
	m2m_err err = m2m_ws_get_text(n, name, &t);

	if (err == M2M_END)
		return required ? m2m_eis_rd_fail(r, name, "is missing") : M2M_END;
	if (err != M2M_OK)
		return m2m_eis_rd_fail(r, name, "is not a simple value");
	trim(&t, len);
	*p = t;
	return M2M_OK;
}

m2m_err m2m_eis_rd_text(const m2m_eis_rd *r, const m2m_ws_node *n, const char *name,
			bool required, char *out, size_t cap)
{
	const char *t = NULL;
	size_t len = 0;
	m2m_err err = trimmed(r, n, name, required, &t, &len);

	out[0] = '\0';
	if (err == M2M_END)
		return M2M_OK;
	if (err != M2M_OK)
		return err;
	if (len >= cap)
		return m2m_eis_rd_fail(r, name, "is longer than %zu characters", cap - 1);
	memcpy(out, t, len);
	out[len] = '\0';
	return M2M_OK;
}

m2m_err m2m_eis_rd_oid(const m2m_eis_rd *r, const m2m_ws_node *n, const char *name,
		       bool required, char *out, size_t cap)
{
	m2m_err err = m2m_eis_rd_text(r, n, name, required, out, cap);

	if (err == M2M_OK && out[0] != '\0' && !m2m_ws_code_valid(out))
		return m2m_eis_rd_fail(r, name, "'%.40s' is not an object identifier", out);
	if (err == M2M_OK && required && out[0] == '\0')
		return m2m_eis_rd_fail(r, name, "is empty");
	return err;
}

bool m2m_eis_version_ok(const char *s)
{
	for (int part = 0; part < 3; part++) {
		if (!isdigit((unsigned char)*s))
			return false;
		while (isdigit((unsigned char)*s))
			s++;
		if (part < 2 && *s++ != '.')
			return false;
	}
	return *s == '\0';
}

bool m2m_eis_iccid_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 6 || n > 20 || s[0] != '8' || s[1] != '9')
		return false;
	for (size_t i = 2; i < n; i++)
		if (!isdigit((unsigned char)s[i]) && s[i] != 'f' && s[i] != 'F')
			return false;
	return true;
}

bool m2m_eis_digits_ok(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);

	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

m2m_err m2m_eis_rd_version(const m2m_eis_rd *r, const m2m_ws_node *n, const char *name,
			   bool required, char *out, size_t cap)
{
	m2m_err err = m2m_eis_rd_text(r, n, name, required, out, cap);

	if (err == M2M_OK && (out[0] != '\0' || required) && !m2m_eis_version_ok(out))
		return m2m_eis_rd_fail(r, name, "'%.40s' is not a version d.d.d", out);
	return err;
}

/* hexBinary text of tlen characters (either case) of min..max bytes into out. */
static m2m_err decode_hex(const m2m_eis_rd *r, const char *name, const char *t, size_t tlen,
			  size_t min, size_t max, uint8_t *out, size_t *len)
{
	if (tlen % 2 != 0 || tlen / 2 < min || tlen / 2 > max)
		return m2m_eis_rd_fail(r, name, "must be %zu to %zu bytes of hex", min, max);
	for (size_t i = 0; i < tlen; i += 2) {
		int hi = m2m_hex_digit((unsigned char)t[i]);
		int lo = m2m_hex_digit((unsigned char)t[i + 1]);

		if (hi < 0 || lo < 0)
			return m2m_eis_rd_fail(r, name, "is not hexBinary");
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	*len = tlen / 2;
	return M2M_OK;
}

m2m_err m2m_eis_rd_hex_of(const m2m_eis_rd *r, const m2m_ws_node *e, const char *name,
			  size_t min, size_t max, uint8_t *out, size_t *len)
{
	const char *t = m2m_ws_node_text(e);
	size_t tlen;

	if (t == NULL)
		return m2m_eis_rd_fail(r, name, "is not a simple value");
	trim(&t, &tlen);
	return decode_hex(r, name, t, tlen, min, max, out, len);
}

m2m_err m2m_eis_rd_hex(const m2m_eis_rd *r, const m2m_ws_node *n, const char *name,
		       bool required, size_t min, size_t max, uint8_t *out, size_t *len,
		       bool *present)
{
	const char *t = NULL;
	size_t tlen = 0;
	m2m_err err = trimmed(r, n, name, required, &t, &tlen);

	if (present != NULL)
		*present = err == M2M_OK;
	*len = 0;
	if (err == M2M_END)
		return M2M_OK;
	if (err != M2M_OK)
		return err;
	return decode_hex(r, name, t, tlen, min, max, out, len);
}

m2m_err m2m_eis_rd_uint(const m2m_eis_rd *r, const m2m_ws_node *n, const char *name,
			bool required, uint64_t max, uint64_t *out, bool *present)
{
	m2m_err err = m2m_ws_get_uint(n, name, out);

	if (present != NULL)
		*present = err == M2M_OK;
	if (err == M2M_END) {
		*out = 0;
		return required ? m2m_eis_rd_fail(r, name, "is missing") : M2M_OK;
	}
	if (err != M2M_OK)
		return m2m_eis_rd_fail(r, name, "is not a non-negative integer");
	if (*out > max)
		return m2m_eis_rd_fail(r, name, "is above %llu", (unsigned long long)max);
	return M2M_OK;
}

m2m_err m2m_eis_rd_bool(const m2m_eis_rd *r, const m2m_ws_node *n, const char *name,
			bool *out)
{
	m2m_err err = m2m_ws_get_bool(n, name, out);

	if (err == M2M_END)
		return m2m_eis_rd_fail(r, name, "is missing");
	if (err != M2M_OK)
		return m2m_eis_rd_fail(r, name, "is not a boolean");
	return M2M_OK;
}

m2m_err m2m_eis_rd_time(const m2m_eis_rd *r, const m2m_ws_node *n, const char *name,
			bool required, time_t *out, bool *present)
{
	m2m_err err = m2m_ws_get_time(n, name, out);

	if (present != NULL)
		*present = err == M2M_OK;
	if (err == M2M_END)
		return required ? m2m_eis_rd_fail(r, name, "is missing") : M2M_OK;
	if (err != M2M_OK)
		return m2m_eis_rd_fail(r, name, "is not a dateTime with a time zone");
	return M2M_OK;
}

m2m_err m2m_eis_rd_attr_hex(const m2m_eis_rd *r, const m2m_ws_node *n, const char *attr,
			    size_t max, uint8_t *out, size_t *len)
{
	const char *t = m2m_ws_node_attr(n, attr);
	char name[40];
	size_t tlen;

	snprintf(name, sizeof name, "@%s", attr);
	if (t == NULL)
		return m2m_eis_rd_fail(r, name, "is missing");
	trim(&t, &tlen);
	return decode_hex(r, name, t, tlen, 0, max, out, len);
}
