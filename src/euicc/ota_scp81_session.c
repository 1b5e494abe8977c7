/* One step of an SCP81 session: the server's response in, the next POST out. */
#include <string.h>

#include "card/script.h"
#include "core/tlv.h"
#include "euicc/ota.h"

/* The body of a parsed response, whatever its framing. M2M_ERR_BOUNDS: not all there yet. */
static m2m_err read_body(const m2m_scp81_response *rs, const uint8_t *p, size_t n,
			 m2m_buf *body)
{
	size_t used = 0;

	switch (rs->framing) {
	case M2M_SCP81_BODY_CHUNKED:
		return m2m_scp81_chunked_decode(p, n, M2M_SCP81_BODY_MAX,
						M2M_SCP81_CHUNKED_LENIENT_END, body, &used, NULL);
	case M2M_SCP81_BODY_LENGTH:
		if (n < rs->content_length)
			return M2M_ERR_BOUNDS;
		return m2m_buf_append(body, p, rs->content_length);
	case M2M_SCP81_BODY_UNTIL_CLOSE:
		return n > M2M_SCP81_BODY_MAX ? M2M_ERR_UNSUPPORTED : m2m_buf_append(body, p, n);
	default:
		return M2M_OK;
	}
}

/* X-Admin-Targeted-Application: the ISD-R (or no header), an existing ISD-P when ISD-P
 * routing is linked in, else unknown-application. */
static int target_of(m2m_euicc *e, const m2m_euicc_ota *ota, const m2m_scp81_response *rs)
{
	int idx;

	if (!rs->has_target || (rs->target.len == M2M_EUICC_AID_SIZE &&
				memcmp(rs->target.b, m2m_euicc_isdr_aid, M2M_EUICC_AID_SIZE) == 0))
		return M2M_EUICC_OTA_TARGET_ISDR;
	idx = m2m_euicc_find_isdp(e, rs->target.b, rs->target.len);
	return idx >= 0 && ota->isdp_apdu != NULL ? idx : M2M_EUICC_OTA_TARGET_UNKNOWN;
}

/* An ISD-P body of SCP03t TLVs straight in AE 80 (sgp02-bearers.md 3.2), not C-APDUs. */
static bool is_scp03t(const uint8_t *p, size_t n, const uint8_t **inner, size_t *inner_len)
{
	m2m_tlv t, c;
	m2m_tlv_iter it;

	if (m2m_tlv_decode_one(p, n, M2M_TLV_BER, &t, NULL) != M2M_OK ||
	    t.tag != M2M_SCRIPT_TAG_COMMAND_INDEF)
		return false;
	m2m_tlv_iter_children(&it, &t, M2M_TLV_BER);
	if (m2m_tlv_next(&it, &c) != M2M_OK)
		return false;
	*inner = t.value;
	*inner_len = t.len;
	return c.tag != M2M_SCRIPT_TAG_CAPDU && c.tag != M2M_SCRIPT_TAG_IMMEDIATE &&
	       c.tag != M2M_SCRIPT_TAG_ERROR_ACTION && c.tag != M2M_SCRIPT_TAG_CHAINING;
}

/* Runs the body on the target and appends the response script. */
static m2m_err run_body(m2m_euicc *e, m2m_euicc_ota *ota, int target, const m2m_buf *body,
			m2m_buf *resp, m2m_euicc_ota_out *out)
{
	const uint8_t *inner;
	size_t inner_len;
	bool more;
	uint8_t tag = body->len > 0 ? body->data[0] : 0;

	if (target >= 0 && is_scp03t(body->data, body->len, &inner, &inner_len))
		return m2m_euicc_ota_run_scp03t(e, ota, target, inner, inner_len, resp, &out->ev);
	/* Anything but an expanded script gets an AF with bad format 01 (unknown tag). */
	if (tag != M2M_SCRIPT_TAG_COMMAND && tag != M2M_SCRIPT_TAG_COMMAND_INDEF &&
	    tag != M2M_SCRIPT_TAG_CAPDU)
		return m2m_script_response_build(resp, true, 0, NULL, NULL, 0,
						 M2M_BAD_FORMAT_UNKNOWN_TAG);
	return m2m_euicc_ota_run_script(e, ota, target, body->data, body->len, resp, &out->ev,
					&more);
}

static void end_session(m2m_euicc *e, m2m_euicc_ota *ota, m2m_euicc_ota_out *out)
{
	m2m_euicc_ota_scp81_abort(e, ota);
	out->scp81_done = true;
}

/* A 200: next URI, target, body, then the POST with the response script. */
static m2m_err step(m2m_euicc *e, m2m_euicc_ota *ota, const m2m_scp81_response *rs,
		    const m2m_buf *body, m2m_buf *request, m2m_euicc_ota_out *out)
{
	m2m_scp81_script_status status = M2M_SCP81_SS_OK;
	m2m_buf resp;
	int target = target_of(e, ota, rs);
	m2m_err err = M2M_ERR_UNSUPPORTED;

	m2m_buf_init(&resp);
	if (rs->next_uri.p == NULL || rs->next_uri.len >= M2M_EUICC_OTA_TEXT_MAX)
		goto out;
	memcpy(ota->scp81.uri, rs->next_uri.p, rs->next_uri.len);
	ota->scp81.uri[rs->next_uri.len] = '\0';
	err = M2M_OK;
	e->s.sec_kvn = ota->scp81.kvn; /* PUT KEY: the DEK of the session's PSK set */
	if (target == M2M_EUICC_OTA_TARGET_UNKNOWN)
		status = M2M_SCP81_SS_UNKNOWN_APPLICATION; /* empty body, as whty does */
	else
		err = run_body(e, ota, target, body, &resp, out);
	if (err == M2M_OK)
		err = m2m_euicc_ota_scp81_post(e, ota, status, resp.data, resp.len, request);
	if (err == M2M_OK)
		ota->scp81.posts++;
out:
	m2m_buf_free(&resp);
	return err;
}

m2m_err m2m_euicc_ota_scp81_response(m2m_euicc *e, m2m_euicc_ota *ota, const uint8_t *http,
				     size_t n, m2m_buf *request, m2m_euicc_ota_out *out)
{
	m2m_scp81_response rs;
	m2m_buf body;
	size_t head_len = 0;
	m2m_err err = M2M_ERR_ARG;

	m2m_buf_init(&body);
	if (e == NULL || ota == NULL || request == NULL || out == NULL || (http == NULL && n > 0))
		goto out;
	m2m_euicc_ota_out_reset(out);
	err = M2M_ERR_STATE;
	if (ota->scp81.state != M2M_EUICC_OTA_SCP81_WAITING)
		goto out;
	err = m2m_scp81_response_parse(http, n, &rs, &head_len, NULL);
	if (err == M2M_OK && rs.status == 200)
		err = read_body(&rs, http + head_len, n - head_len, &body);
	if (err == M2M_ERR_BOUNDS)
		goto out; /* incomplete: the session waits for more bytes */
	/* 204 ends the session; so does any other status or a malformed response. */
	if (err != M2M_OK || rs.status != 200) {
		end_session(e, ota, out);
		goto out;
	}
	err = step(e, ota, &rs, &body, request, out);
	if (err != M2M_OK)
		end_session(e, ota, out);
out:
	m2m_buf_free(&body);
	return err;
}
