/*
 * The card's HTTP POST (GP Amendment B 3.3 as SGP.02 uses it): built by the card or an eUICC
 * simulator, parsed by the SM-SR. The first POST of a session has no body and no script
 * status; each later one carries the previous script's answer (AF 80 ... 00 00).
 */
#include "card/scp81_http.h"

#define EID_HEX (2 * M2M_SCP81_EID_LEN)

static const char *const status_names[] = {
	[M2M_SCP81_SS_OK] = "ok",
	[M2M_SCP81_SS_UNKNOWN_APPLICATION] = "unknown-application",
	[M2M_SCP81_SS_NOT_A_SECURITY_DOMAIN] = "not-a-security-domain",
	[M2M_SCP81_SS_SECURITY_ERROR] = "security-error",
	[M2M_SCP81_SS_UNAVAILABLE_SE] = "unavailable-se",
};
#define STATUS_COUNT (sizeof status_names / sizeof status_names[0])

const char *m2m_scp81_script_status_name(m2m_scp81_script_status s)
{
	return (size_t)s < STATUS_COUNT ? status_names[s] : NULL;
}

/* ---- build ---- */

static m2m_err put_from(m2m_buf *b, const m2m_scp81_request *rq)
{
	m2m_err err;
	if (!m2m_scp81_aid_ok(&rq->agent))
		return M2M_ERR_ARG;
	if ((err = m2m_scp81_put_text(b, "X-Admin-From: //se-id/eid/")) != M2M_OK ||
	    (err = m2m_scp81_put_hex(b, rq->eid, M2M_SCP81_EID_LEN)) != M2M_OK ||
	    (err = m2m_scp81_put_text(b, ";//aa-id/aid/")) != M2M_OK ||
	    (err = m2m_scp81_put_aid_path(b, &rq->agent)) != M2M_OK)
		return err;
	return m2m_scp81_put_text(b, "\r\n");
}

/* Content-Type, X-Admin-Script-Status, X-Admin-Resume and Transfer-Encoding as needed. */
static m2m_err put_script_fields(m2m_buf *b, const m2m_scp81_request *rq)
{
	m2m_err err;
	const char *status = m2m_scp81_script_status_name(rq->status);
	if (rq->status != M2M_SCP81_SS_NONE && status == NULL)
		return M2M_ERR_ARG;
	if (status != NULL &&
	    ((err = m2m_scp81_put_field(b, "Content-Type",
					m2m_scp81_str_c(M2M_SCP81_CT_RESPONSE))) != M2M_OK ||
	     (err = m2m_scp81_put_field(b, "X-Admin-Script-Status", m2m_scp81_str_c(status))) !=
		     M2M_OK))
		return err;
	if (rq->resume &&
	    (err = m2m_scp81_put_field(b, "X-Admin-Resume", m2m_scp81_str_c("true"))) != M2M_OK)
		return err;
	if (status != NULL &&
	    (err = m2m_scp81_put_field(b, "Transfer-Encoding", m2m_scp81_str_c("chunked"))) !=
		    M2M_OK)
		return err;
	return M2M_OK;
}

m2m_err m2m_scp81_request_build_head(const m2m_scp81_request *rq, m2m_buf *out)
{
	m2m_err err;
	if (rq == NULL || out == NULL || !m2m_scp81_visible(rq->uri))
		return M2M_ERR_ARG;
	size_t start = out->len;
	if ((err = m2m_scp81_put_text(out, "POST ")) != M2M_OK ||
	    (err = m2m_buf_append(out, rq->uri.p, rq->uri.len)) != M2M_OK ||
	    (err = m2m_scp81_put_text(out, " HTTP/1.1\r\n")) != M2M_OK ||
	    (err = m2m_scp81_put_field(out, "Host", rq->host)) != M2M_OK ||
	    (err = m2m_scp81_put_field(out, "X-Admin-Protocol",
				       m2m_scp81_str_c(M2M_SCP81_PROTOCOL))) != M2M_OK ||
	    (err = put_from(out, rq)) != M2M_OK || (err = put_script_fields(out, rq)) != M2M_OK ||
	    (err = m2m_scp81_put_text(out, "\r\n")) != M2M_OK)
		out->len = start;
	return err;
}

m2m_err m2m_scp81_request_build(const m2m_scp81_request *rq, const uint8_t *body, size_t len,
				m2m_buf *out)
{
	m2m_err err;
	if (rq == NULL || out == NULL || (body == NULL && len > 0) ||
	    (rq->status == M2M_SCP81_SS_NONE && len > 0))
		return M2M_ERR_ARG;
	size_t start = out->len;
	if ((err = m2m_scp81_request_build_head(rq, out)) != M2M_OK)
		return err;
	if (rq->status != M2M_SCP81_SS_NONE &&
	    (err = m2m_scp81_chunked_encode(body, len, 0, out)) != M2M_OK)
		out->len = start;
	return err;
}

/* ---- parse ---- */

static m2m_err parse_request_line(m2m_scp81_str line, m2m_scp81_request *out, const char **why)
{
	if (!m2m_scp81_eat(&line, "POST "))
		return m2m_scp81_fail(M2M_ERR_FORMAT, "HTTP: request method is not POST", why);
	size_t sp = 0;
	while (sp < line.len && line.p[sp] != ' ')
		sp++;
	m2m_scp81_str uri = {line.p, sp};
	m2m_scp81_str version = {line.p + sp, line.len - sp};
	if (sp == 0 || !m2m_scp81_visible(uri))
		return m2m_scp81_fail(M2M_ERR_FORMAT, "HTTP: malformed request target", why);
	if (!m2m_scp81_ieq(version, " HTTP/1.1"))
		return m2m_scp81_fail(M2M_ERR_UNSUPPORTED, "HTTP: request version is not HTTP/1.1",
				      why);
	out->uri = uri;
	return M2M_OK;
}

/* //se-id/eid/<EID>;//aa-id/aid/<RID>/<PIX>; also the "aaid" spelling whty's card uses. */
static m2m_err parse_from(m2m_scp81_str v, m2m_scp81_request *out, const char **why)
{
	static const char bad[] = "HTTP: X-Admin-From is not //se-id/eid/<EID>;//aa-id/aid/<RID>/<PIX>";
	if (!m2m_scp81_eat(&v, "//se-id/eid/") || v.len < EID_HEX + 1 || v.p[EID_HEX] != ';' ||
	    !m2m_scp81_hex_bytes(v.p, M2M_SCP81_EID_LEN, out->eid))
		return m2m_scp81_fail(M2M_ERR_FORMAT, bad, why);
	v.p += EID_HEX + 1;
	v.len -= EID_HEX + 1;
	if ((!m2m_scp81_eat(&v, "//aa-id/aid/") && !m2m_scp81_eat(&v, "//aaid/aid/")) ||
	    m2m_scp81_aid_path_parse(v, &out->agent) != M2M_OK)
		return m2m_scp81_fail(M2M_ERR_FORMAT, bad, why);
	return M2M_OK;
}

static m2m_err parse_status(m2m_scp81_str v, m2m_scp81_request *out, const char **why)
{
	for (size_t i = 1; i < STATUS_COUNT; i++) {
		if (m2m_scp81_ieq(v, status_names[i])) {
			out->status = (m2m_scp81_script_status)i;
			return M2M_OK;
		}
	}
	return m2m_scp81_fail(M2M_ERR_FORMAT, "HTTP: unknown X-Admin-Script-Status", why);
}

/* Looks up an optional header; *has tells whether it was there. */
static m2m_err optional(const m2m_scp81_head *h, const char *name, m2m_scp81_str *v, bool *has,
			const char **why)
{
	m2m_err err = m2m_scp81_head_get(h, name, v, why);
	*has = err == M2M_OK;
	return err == M2M_ERR_TLV_NOT_FOUND ? M2M_OK : err;
}

static m2m_err parse_admin_fields(const m2m_scp81_head *h, m2m_scp81_request *out,
				  const char **why)
{
	m2m_scp81_str v;
	bool has;
	m2m_err err;
	if ((err = m2m_scp81_head_protocol(h, &has, why)) != M2M_OK)
		return err;
	if (!has)
		return m2m_scp81_fail(M2M_ERR_FORMAT, "HTTP: no X-Admin-Protocol", why);
	if ((err = optional(h, "X-Admin-From", &v, &has, why)) != M2M_OK)
		return err;
	if (!has)
		return m2m_scp81_fail(M2M_ERR_FORMAT, "HTTP: no X-Admin-From", why);
	if ((err = parse_from(v, out, why)) != M2M_OK)
		return err;
	if ((err = optional(h, "X-Admin-Script-Status", &v, &has, why)) != M2M_OK ||
	    (has && (err = parse_status(v, out, why)) != M2M_OK))
		return err;
	if ((err = optional(h, "X-Admin-Resume", &v, &has, why)) != M2M_OK)
		return err;
	if (has && !m2m_scp81_ieq(v, "true") && !m2m_scp81_ieq(v, "false"))
		return m2m_scp81_fail(M2M_ERR_FORMAT, "HTTP: X-Admin-Resume is not true/false", why);
	out->resume = has && m2m_scp81_ieq(v, "true");
	return M2M_OK;
}

static m2m_err parse_http_fields(const m2m_scp81_head *h, m2m_scp81_request *out,
				 const char **why)
{
	m2m_scp81_str v;
	bool has;
	m2m_err err;
	if ((err = optional(h, "Host", &v, &has, why)) != M2M_OK)
		return err;
	if (!has || !m2m_scp81_visible(v))
		return m2m_scp81_fail(M2M_ERR_FORMAT, "HTTP: no valid Host (HTTP/1.1 needs one)", why);
	out->host = v;
	if ((err = optional(h, "Content-Type", &v, &has, why)) != M2M_OK)
		return err;
	if (has && !m2m_scp81_ieq(v, M2M_SCP81_CT_RESPONSE))
		return m2m_scp81_fail(M2M_ERR_FORMAT,
				      "HTTP: Content-Type is not the GP script response type", why);
	out->has_content_type = has;
	return m2m_scp81_head_framing(h, &out->framing, &out->content_length, why);
}

m2m_err m2m_scp81_request_parse(const uint8_t *p, size_t n, m2m_scp81_request *out,
				size_t *head_len, const char **why)
{
	m2m_scp81_head h;
	m2m_err err;
	if (out == NULL)
		return m2m_scp81_fail(M2M_ERR_ARG, "HTTP: no output", why);
	memset(out, 0, sizeof *out);
	if ((err = m2m_scp81_head_split(p, n, &h, why)) != M2M_OK ||
	    (err = parse_request_line(h.start, out, why)) != M2M_OK ||
	    (err = parse_http_fields(&h, out, why)) != M2M_OK ||
	    (err = parse_admin_fields(&h, out, why)) != M2M_OK)
		return err;
	if (head_len != NULL)
		*head_len = h.head_len;
	return M2M_OK;
}
