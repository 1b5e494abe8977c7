/* Caller identity from the client certificate subject (RFC 2253 text from net/tls.c). */
#include "ws/server.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/hex.h"

/* One unescaped RDN value starting at *p; stops at an unescaped ',' or '+'. */
static m2m_err read_value(const char **p, char *out, size_t cap)
{
	size_t n = 0;
	const char *s = *p;
	while (*s && *s != ',' && *s != '+') {
		char c = *s++;
		if (c == '\\') {
			if (isxdigit((unsigned char)s[0]) && isxdigit((unsigned char)s[1])) {
				c = (char)(m2m_hex_digit(s[0]) << 4 | m2m_hex_digit(s[1]));
				s += 2;
			} else if (*s) {
				c = *s++;
			} else {
				return M2M_ERR_FORMAT;
			}
		}
		if (n + 1 >= cap)
			return M2M_ERR_BOUNDS;
		out[n++] = c;
	}
	out[n] = '\0';
	*p = s;
	return M2M_OK;
}

m2m_err m2m_ws_subject_attr(const char *subject, const char *attr, char *out, size_t cap)
{
	char value[512];
	if (!subject || !attr || !out || !cap)
		return M2M_ERR_ARG;
	out[0] = '\0';
	for (const char *p = subject; *p;) {
		const char *eq = strchr(p, '=');
		if (!eq)
			return M2M_ERR_FORMAT;
		size_t tlen = (size_t)(eq - p);
		p = eq + 1;
		m2m_err err = read_value(&p, value, sizeof value);
		if (err != M2M_OK)
			return err;
		if (tlen == strlen(attr) && strncasecmp(eq - tlen, attr, tlen) == 0) {
			if (strlen(value) >= cap)
				return M2M_ERR_BOUNDS;
			snprintf(out, cap, "%s", value);
			return M2M_OK;
		}
		if (*p)
			p++;
	}
	return M2M_END;
}

m2m_err m2m_ws_identify_by_subject(void *arg, const m2m_tls_peer *peer, m2m_ws_caller *caller)
{
	char ou[64];
	(void)arg;
	if (!peer || !caller)
		return M2M_ERR_ARG;
	if (!peer->has_cert)
		return M2M_ERR_VERIFY;
	m2m_err err = m2m_ws_subject_attr(peer->subject, "OU", ou, sizeof ou);
	if (err == M2M_OK)
		err = m2m_ws_role_parse(ou, &caller->role);
	if (err == M2M_OK)
		err = m2m_ws_subject_attr(peer->subject, "CN", caller->id, sizeof caller->id);
	if (err != M2M_OK)
		caller->role = M2M_WS_ROLE_NONE;
	return err;
}
