/*
 * The server's answer to a card POST (GP Amendment B 3.4): 200 with the next script and the
 * URI to POST its answer to, or 204 to end the session.
 */
#include "card/scp81_http.h"

/* ---- build ---- */

static m2m_err put_target(m2m_buf *b, const m2m_scp81_response *rs)
{
	m2m_err err;
	if (!rs->has_target)
		return M2M_OK;
	if ((err = m2m_scp81_put_text(b, "X-Admin-Targeted-Application: //aid/")) != M2M_OK ||
	    (err = m2m_scp81_put_aid_path(b, &rs->target)) != M2M_OK)
		return err;
	return m2m_scp81_put_text(b, "\r\n");
}

static m2m_err put_next_uri(m2m_buf *b, const m2m_scp81_response *rs)
{
	if (rs->next_uri.p == NULL)
		return M2M_OK;
	return m2m_scp81_put_field(b, "X-Admin-Next-URI", rs->next_uri);
}

static m2m_err build_200(const m2m_scp81_response *rs, const uint8_t *body, size_t len,
			 m2m_buf *out)
{
	m2m_err err;
	if (rs->next_uri.p == NULL)
		return M2M_ERR_ARG; /* the card would not know where to POST the answer */
	if ((err = m2m_scp81_put_text(out, "HTTP/1.1 200 OK\r\n")) != M2M_OK ||
	    (err = m2m_scp81_put_field(out, "X-Admin-Protocol",
				       m2m_scp81_str_c(M2M_SCP81_PROTOCOL))) != M2M_OK ||
	    (err = put_next_uri(out, rs)) != M2M_OK ||
	    (err = m2m_scp81_put_field(out, "Content-Type",
				       m2m_scp81_str_c(M2M_SCP81_CT_SCRIPT))) != M2M_OK ||
	    (err = put_target(out, rs)) != M2M_OK ||
	    (err = m2m_scp81_put_field(out, "Transfer-Encoding", m2m_scp81_str_c("chunked"))) !=
		    M2M_OK ||
	    (err = m2m_scp81_put_text(out, "\r\n")) != M2M_OK)
		return err;
	return m2m_scp81_chunked_encode(body, len, 0, out);
}

static m2m_err build_204(const m2m_scp81_response *rs, size_t len, m2m_buf *out)
{
	m2m_err err;
	if (len > 0 || rs->has_target)
		return M2M_ERR_ARG; /* 204 has no body, so nothing to target */
	if ((err = m2m_scp81_put_text(out, "HTTP/1.1 204 No Content\r\n")) != M2M_OK ||
	    (err = m2m_scp81_put_field(out, "X-Admin-Protocol",
				       m2m_scp81_str_c(M2M_SCP81_PROTOCOL))) != M2M_OK ||
	    (err = put_next_uri(out, rs)) != M2M_OK)
		return err;
	return m2m_scp81_put_text(out, "\r\n");
}

m2m_err m2m_scp81_response_build(const m2m_scp81_response *rs, const uint8_t *body,
				 size_t len, m2m_buf *out)
{
	m2m_err err;
	if (rs == NULL || out == NULL || (body == NULL && len > 0))
		return M2M_ERR_ARG;
	size_t start = out->len;
	if (rs->status == 200)
		err = build_200(rs, body, len, out);
	else if (rs->status == 204)
		err = build_204(rs, len, out);
	else
		err = M2M_ERR_ARG;
	if (err != M2M_OK)
		out->len = start;
	return err;
}

/* ---- parse ---- */

/* HTTP/1.1 <3 digits>[ <reason>]; the reason may be empty or absent (whty: "HTTP/1.1 200 "). */
static m2m_err parse_status_line(m2m_scp81_str line, m2m_scp81_response *out, const char **why)
{
	if (!m2m_scp81_eat(&line, "HTTP/1.1 "))
		return m2m_scp81_fail(M2M_ERR_UNSUPPORTED, "HTTP: status line is not HTTP/1.1", why);
	if (line.len < 3 || (line.len > 3 && line.p[3] != ' '))
		return m2m_scp81_fail(M2M_ERR_FORMAT, "HTTP: malformed status code", why);
	unsigned code = 0;
	for (size_t i = 0; i < 3; i++) {
		if (line.p[i] < '0' || line.p[i] > '9')
			return m2m_scp81_fail(M2M_ERR_FORMAT, "HTTP: malformed status code", why);
		code = code * 10 + (unsigned)(line.p[i] - '0');
	}
	if (code < 100)
		return m2m_scp81_fail(M2M_ERR_FORMAT, "HTTP: malformed status code", why);
	out->status = code;
	return M2M_OK;
}

static m2m_err parse_target(m2m_scp81_str v, m2m_scp81_response *out, const char **why)
{
	if (!m2m_scp81_eat(&v, "//aid/") || m2m_scp81_aid_path_parse(v, &out->target) != M2M_OK)
		return m2m_scp81_fail(M2M_ERR_FORMAT,
				      "HTTP: X-Admin-Targeted-Application is not //aid/<RID>/<PIX>",
				      why);
	out->has_target = true;
	return M2M_OK;
}

static m2m_err get_optional(const m2m_scp81_head *h, const char *name, m2m_scp81_str *v,
			    bool *has, const char **why)
{
	m2m_err err = m2m_scp81_head_get(h, name, v, why);
	*has = err == M2M_OK;
	return err == M2M_ERR_TLV_NOT_FOUND ? M2M_OK : err;
}

/* Fields checked with 200 and 204 alike: whatever is present must be right. */
static m2m_err parse_fields(const m2m_scp81_head *h, m2m_scp81_response *out, const char **why)
{
	m2m_scp81_str v;
	bool has;
	m2m_err err;
	if ((err = m2m_scp81_head_protocol(h, &out->has_protocol, why)) != M2M_OK)
		return err;
	if ((err = get_optional(h, "X-Admin-Next-URI", &v, &has, why)) != M2M_OK)
		return err;
	if (has && (v.len == 0 || !m2m_scp81_visible(v)))
		return m2m_scp81_fail(M2M_ERR_FORMAT, "HTTP: malformed X-Admin-Next-URI", why);
	out->next_uri = has ? v : (m2m_scp81_str){NULL, 0};
	if ((err = get_optional(h, "X-Admin-Targeted-Application", &v, &has, why)) != M2M_OK ||
	    (has && (err = parse_target(v, out, why)) != M2M_OK))
		return err;
	if ((err = get_optional(h, "Content-Type", &v, &has, why)) != M2M_OK)
		return err;
	if (has && !m2m_scp81_ieq(v, M2M_SCP81_CT_SCRIPT))
		return m2m_scp81_fail(M2M_ERR_FORMAT, "HTTP: Content-Type is not the GP script type",
				      why);
	out->has_content_type = has;
	return M2M_OK;
}

static m2m_err check_200(const m2m_scp81_response *out, const char **why)
{
	if (!out->has_protocol)
		return m2m_scp81_fail(M2M_ERR_FORMAT, "HTTP: 200 without X-Admin-Protocol", why);
	if (out->next_uri.p == NULL)
		return m2m_scp81_fail(M2M_ERR_FORMAT, "HTTP: 200 without X-Admin-Next-URI", why);
	bool body = out->framing != M2M_SCP81_BODY_LENGTH || out->content_length > 0;
	if (body && !out->has_content_type)
		return m2m_scp81_fail(M2M_ERR_FORMAT, "HTTP: 200 body without Content-Type", why);
	return M2M_OK;
}

m2m_err m2m_scp81_response_parse(const uint8_t *p, size_t n, m2m_scp81_response *out,
				 size_t *head_len, const char **why)
{
	m2m_scp81_head h;
	m2m_err err;
	if (out == NULL)
		return m2m_scp81_fail(M2M_ERR_ARG, "HTTP: no output", why);
	memset(out, 0, sizeof *out);
	if ((err = m2m_scp81_head_split(p, n, &h, why)) != M2M_OK ||
	    (err = parse_status_line(h.start, out, why)) != M2M_OK)
		return err;
	if (out->status == 200 || out->status == 204) {
		if ((err = parse_fields(&h, out, why)) != M2M_OK)
			return err;
		/* RFC 9110 15.3.5: a 204 never has a body, whatever its headers say. */
		if (out->status == 200 &&
		    ((err = m2m_scp81_head_framing(&h, &out->framing, &out->content_length,
						   why)) != M2M_OK))
			return err;
		if (out->status == 200 && out->framing == M2M_SCP81_BODY_NONE)
			out->framing = M2M_SCP81_BODY_UNTIL_CLOSE; /* RFC 9112 6.3 rule 8 */
		if (out->status == 200 && (err = check_200(out, why)) != M2M_OK)
			return err;
	}
	if (head_len != NULL)
		*head_len = h.head_len;
	return M2M_OK;
}
