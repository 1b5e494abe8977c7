/* The HTTP side of the admin protocol on top of net/http_server: the headers the card sends
 * (checked leniently where real cards differ, sgp02-bearers.md 3.3), the answers (200 with a
 * script, 204, errors) and the X-Admin-Next-URI that names a session and a script. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/hex.h"
#include "smsr/scp81_server_int.h"

#define FROM_EID_PREFIX "//se-id/eid/"

/* The value of a header that may appear once; NULL when absent. */
static m2m_err single(const m2m_http_request *req, const char *name, const char **value,
		      const char **why, const char *repeated)
{
	const char *n, *v;

	*value = NULL;
	for (size_t i = 0; m2m_http_request_header_at(req, i, &n, &v) == M2M_OK; i++) {
		if (strcasecmp(n, name) != 0)
			continue;
		if (*value != NULL) {
			*why = repeated;
			return M2M_ERR_FORMAT;
		}
		*value = v;
	}
	return M2M_OK;
}

/* Case-insensitive comparison that skips spaces and tabs on both sides ("a; b" = "a;b"). */
static bool same_token_list(const char *a, const char *b)
{
	for (;;) {
		while (*a == ' ' || *a == '\t')
			a++;
		while (*b == ' ' || *b == '\t')
			b++;
		if (*a == '\0' || *b == '\0')
			return *a == *b;
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
		a++, b++;
	}
}

/* X-Admin-From: "//se-id/eid/<EID>;//aa-id/aid/..." must name the authenticated eUICC. Other
 * forms (whty's bare ICCID, a lone agent id) say nothing about the EID and are let through:
 * the PSK identity decides who this is. */
static m2m_err check_from(const char *from, const uint8_t eid[16], const char **why)
{
	uint8_t named[M2M_SCP81_EID_LEN];
	size_t n = strlen(FROM_EID_PREFIX);

	if (from == NULL || strncasecmp(from, FROM_EID_PREFIX, n) != 0)
		return M2M_OK;
	from += n;
	if (strlen(from) < 2 * M2M_SCP81_EID_LEN ||
	    (from[2 * M2M_SCP81_EID_LEN] != '\0' && from[2 * M2M_SCP81_EID_LEN] != ';')) {
		*why = "X-Admin-From: the EID is not 32 hex digits";
		return M2M_ERR_FORMAT;
	}
	for (size_t i = 0; i < M2M_SCP81_EID_LEN; i++) {
		int hi = m2m_hex_digit(from[2 * i]), lo = m2m_hex_digit(from[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			*why = "X-Admin-From: the EID is not 32 hex digits";
			return M2M_ERR_FORMAT;
		}
		named[i] = (uint8_t)(hi << 4 | lo);
	}
	if (memcmp(named, eid, M2M_SCP81_EID_LEN) != 0) {
		*why = "X-Admin-From names another eUICC than the PSK identity";
		return M2M_ERR_VERIFY;
	}
	return M2M_OK;
}

m2m_err m2m_scp81_http_check(const m2m_http_request *req, const uint8_t eid[16],
			     const char **why)
{
	const char *proto, *from;
	m2m_err err;

	if ((err = single(req, "X-Admin-Protocol", &proto, why,
			  "X-Admin-Protocol given twice")) != M2M_OK ||
	    (err = single(req, "X-Admin-From", &from, why, "X-Admin-From given twice")) != M2M_OK)
		return err;
	if (proto == NULL) {
		*why = "no X-Admin-Protocol";
		return M2M_ERR_FORMAT;
	}
	if (strcasecmp(proto, M2M_SCP81_PROTOCOL) != 0) {
		*why = "X-Admin-Protocol is not globalplatform-remote-admin/1.0";
		return M2M_ERR_UNSUPPORTED;
	}
	return check_from(from, eid, why);
}

m2m_err m2m_scp81_http_status(const m2m_http_request *req, m2m_scp81_script_status *st,
			      const char **why)
{
	static const m2m_scp81_script_status all[] = {
		M2M_SCP81_SS_OK, M2M_SCP81_SS_UNKNOWN_APPLICATION,
		M2M_SCP81_SS_NOT_A_SECURITY_DOMAIN, M2M_SCP81_SS_SECURITY_ERROR,
		M2M_SCP81_SS_UNAVAILABLE_SE,
	};
	const char *v;
	m2m_err err = single(req, "X-Admin-Script-Status", &v, why,
			     "X-Admin-Script-Status given twice");

	*st = M2M_SCP81_SS_NONE;
	if (err != M2M_OK)
		return err;
	for (size_t i = 0; v != NULL && i < sizeof all / sizeof all[0]; i++) {
		if (strcasecmp(v, m2m_scp81_script_status_name(all[i])) == 0) {
			*st = all[i];
			return M2M_OK;
		}
	}
	*why = v == NULL ? "no X-Admin-Script-Status" : "unknown X-Admin-Script-Status value";
	return M2M_ERR_FORMAT;
}

m2m_err m2m_scp81_http_response_type(const m2m_http_request *req, const char **why)
{
	const char *ct;
	m2m_err err = single(req, "Content-Type", &ct, why, "Content-Type given twice");

	/* Absent is accepted: whty's card sends unknown-application with neither type nor body. */
	if (err != M2M_OK || ct == NULL || same_token_list(ct, M2M_SCP81_CT_RESPONSE))
		return err;
	*why = "Content-Type is not the card-content-mgt-response type";
	return M2M_ERR_FORMAT;
}

void m2m_scp81_http_next_uri(const m2m_scp81_server *s, uint64_t session, uint32_t seq,
			     char *out)
{
	snprintf(out, M2M_SCP81_SERVER_URI_MAX, "%s/%016" PRIX64 "/%" PRIu32, s->uri_base,
		 session, seq);
}

bool m2m_scp81_http_parse_uri(const m2m_scp81_server *s, const char *uri, uint64_t *session,
			      uint32_t *seq)
{
	size_t n = strlen(s->uri_base);
	uint64_t v = 0;
	uint32_t q = 0;
	size_t i;

	if (uri == NULL || strncmp(uri, s->uri_base, n) != 0 || uri[n] != '/')
		return false;
	uri += n + 1;
	for (i = 0; i < 16; i++) {
		int d = m2m_hex_digit(uri[i]);
		if (d < 0)
			return false;
		v = v << 4 | (uint64_t)d;
	}
	if (uri[i++] != '/' || uri[i] < '1' || uri[i] > '9')
		return false;
	for (; uri[i] >= '0' && uri[i] <= '9'; i++) {
		if (q > (UINT32_MAX - 9) / 10)
			return false;
		q = q * 10 + (uint32_t)(uri[i] - '0');
	}
	if (uri[i] != '\0')
		return false;
	*session = v;
	*seq = q;
	return true;
}

void m2m_scp81_http_error(m2m_http_response *resp, int code, const char *reason)
{
	char line[SCP81_REASON_MAX + 16];
	int n = snprintf(line, sizeof line, "scp81: %s\n", reason);

	m2m_http_response_status(resp, code, NULL);
	m2m_http_response_chunked(resp, false);
	(void)m2m_http_response_header(resp, "Content-Type", "text/plain");
	(void)m2m_http_response_body(resp, line, n > 0 ? (size_t)n : 0);
}

void m2m_scp81_http_end(m2m_http_response *resp)
{
	m2m_http_response_status(resp, 204, NULL);
	m2m_http_response_chunked(resp, false);
	(void)m2m_http_response_header(resp, "X-Admin-Protocol", M2M_SCP81_PROTOCOL);
}

/* "//aid/<RID>/<PIX>", upper-case hex (the form every trace shows). */
static void aid_path(const m2m_scp81_aid *aid, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	char *p = out + strlen(strcpy(out, "//aid/"));

	for (size_t i = 0; i < aid->len; i++) {
		if (i == M2M_SCP81_RID_LEN)
			*p++ = '/';
		*p++ = hex[aid->b[i] >> 4];
		*p++ = hex[aid->b[i] & 0x0F];
	}
	if (aid->len == M2M_SCP81_RID_LEN)
		*p++ = '/';
	*p = '\0';
}

m2m_err m2m_scp81_http_script(const m2m_scp81_server *s, const scp81_slot *slot,
			      const scp81_cmd *cmd, m2m_http_response *resp)
{
	char next[M2M_SCP81_SERVER_URI_MAX];
	char target[8 + 2 * M2M_SCP81_AID_MAX + 2];
	m2m_err err;

	m2m_scp81_http_next_uri(s, slot->session, slot->seq, next);
	/* Every answer names its target, the ISD-R too (sgp02-bearers.md 3.2, rule 6). */
	aid_path(cmd->has_target ? &cmd->target : &s->isdr, target);
	m2m_http_response_status(resp, 200, NULL);
	m2m_http_response_chunked(resp, s->chunked);
	if ((err = m2m_http_response_header(resp, "X-Admin-Protocol", M2M_SCP81_PROTOCOL)) !=
		    M2M_OK ||
	    (err = m2m_http_response_header(resp, "X-Admin-Next-URI", next)) != M2M_OK ||
	    (err = m2m_http_response_header(resp, "Content-Type", M2M_SCP81_CT_SCRIPT)) !=
		    M2M_OK ||
	    (err = m2m_http_response_header(resp, "X-Admin-Targeted-Application", target)) !=
		    M2M_OK)
		return err;
	return m2m_http_response_body(resp, cmd->script.data, cmd->script.len);
}
