/* From the response scripts of an ES5 command set to its typed result. */
#include <string.h>

#include "card/script.h"
#include "core/tlv.h"
#include "smsr/es5_result.h"

void m2m_es5_result_init(m2m_es5_result *r, m2m_es5_fn fn)
{
	memset(r, 0, sizeof *r);
	m2m_es5_apdus_init(&r->rapdus);
	m2m_buf_init(&r->raw);
	r->fn = fn;
	r->por_status = 0xFF;
}

void m2m_es5_result_free(m2m_es5_result *r)
{
	m2m_es5_apdus_free(&r->rapdus);
	if (r->raw.data != NULL)
		m2m_wipe(r->raw.data, r->raw.len);
	m2m_buf_free(&r->raw);
	m2m_wipe(r->rc, sizeof r->rc);
	m2m_es5_result_init(r, r->fn);
}

void m2m_es5_result_move(m2m_es5_result *dst, m2m_es5_result *src)
{
	if (dst == src)
		return;
	m2m_es5_result_free(dst);
	*dst = *src;
	m2m_es5_result_init(src, dst->fn);
}

m2m_err m2m_es5_result_add_script(m2m_es5_result *r, const uint8_t *script, size_t n,
				  uint16_t *last_sw)
{
	m2m_script_response sr;
	const uint8_t *ra;
	size_t len, count = 0, start = r->rapdus.count, start_len = r->rapdus.bytes.len;
	m2m_err err = M2M_ERR_ARG;

	if (last_sw != NULL)
		*last_sw = 0;
	if (script == NULL)
		goto out;
	if ((err = m2m_buf_append(&r->raw, script, n)) != M2M_OK)
		goto out;
	r->nscripts++;
	err = m2m_script_response_open(&sr, script, n);
	if (err == M2M_OK && sr.bad_format != M2M_BAD_FORMAT_NONE)
		err = M2M_ERR_FORMAT;
	while (err == M2M_OK && (err = m2m_script_response_next(&sr, &ra, &len)) == M2M_OK) {
		err = len < 2 ? M2M_ERR_FORMAT : m2m_es5_apdus_add(&r->rapdus, ra, len);
		count++;
		if (err == M2M_OK && last_sw != NULL)
			*last_sw = (uint16_t)(ra[len - 2] << 8 | ra[len - 1]);
	}
	if (err == M2M_END)
		err = count == sr.executed ? M2M_OK : M2M_ERR_FORMAT;
out:
	/* All or nothing: a broken script adds no R-APDU. */
	if (err != M2M_OK && script != NULL) {
		r->rapdus.count = start;
		r->rapdus.bytes.len = start_len;
	}
	return err;
}

static uint16_t sw_of(const m2m_es5_result *r, size_t i)
{
	size_t len;
	const uint8_t *p = m2m_es5_apdus_get(&r->rapdus, i, &len);

	return (uint16_t)(p[len - 2] << 8 | p[len - 1]);
}

/* Response data of R-APDU i (SW removed). */
static const uint8_t *data_of(const m2m_es5_result *r, size_t i, size_t *len)
{
	const uint8_t *p = m2m_es5_apdus_get(&r->rapdus, i, len);

	*len -= 2;
	return p;
}

/* 00 (or nothing): the INSTALL and DELETE answers. */
static m2m_err expect_00(const uint8_t *p, size_t n)
{
	return n == 0 || (n == 1 && p[0] == 0x00) ? M2M_OK : M2M_ERR_FORMAT;
}

static m2m_err parse_eid(const uint8_t *p, size_t n, m2m_es5_audit_data *a)
{
	m2m_tlv t;
	m2m_err err = m2m_tlv_decode_one(p, n, M2M_TLV_DER, &t, NULL);

	if (err == M2M_OK && (t.tag != 0x5A || t.len != M2M_ES5_EID_SIZE))
		err = M2M_ERR_FORMAT;
	if (err == M2M_OK) {
		memcpy(a->eid, t.value, M2M_ES5_EID_SIZE);
		a->has_eid = true;
	}
	return err;
}

/* BF30 { 7F21 ... }: the certificate stays in the result's bytes. */
static m2m_err parse_ecasd(const uint8_t *p, size_t n, m2m_es5_audit_data *a)
{
	m2m_tlv t, c;
	m2m_err err = m2m_tlv_decode_one(p, n, M2M_TLV_BER, &t, NULL);

	if (err == M2M_OK && t.tag != 0xBF30)
		err = M2M_ERR_FORMAT;
	if (err == M2M_OK)
		err = m2m_tlv_decode_one(t.value, t.len, M2M_TLV_BER, &c, NULL);
	if (err == M2M_OK && c.tag != 0x7F21)
		err = M2M_ERR_FORMAT;
	if (err == M2M_OK) {
		a->ecasd_cert = t.value;
		a->ecasd_cert_len = t.len;
	}
	return err;
}

/* Which audit answer R-APDU i is, from its C-APDU. */
static m2m_err parse_audit_one(const m2m_es5_cmd *cmd, m2m_es5_result *r, size_t i)
{
	size_t clen, n;
	const uint8_t *c = m2m_es5_apdus_get(&cmd->apdus, i, &clen);
	const uint8_t *p = data_of(r, i, &n);
	uint16_t p1p2 = (uint16_t)(c[2] << 8 | c[3]);

	if (c[1] == 0xF2)
		return m2m_es5_parse_status(p, n, &r->audit);
	if (c[1] == 0xCA && p1p2 == 0x005A)
		return parse_eid(p, n, &r->audit);
	if (c[1] == 0xCA && p1p2 == 0xFF21)
		return m2m_es5_parse_resources(p, n, &r->audit);
	if (c[1] == 0xCA && p1p2 == 0xBF30)
		return parse_ecasd(p, n, &r->audit);
	return M2M_ERR_FORMAT;
}

static m2m_err parse_rc(const uint8_t *p, size_t n, m2m_es5_result *r)
{
	if (n != 2 + M2M_KEYEST_RC_SIZE || p[0] != 0x85 || p[1] != M2M_KEYEST_RC_SIZE)
		return M2M_ERR_FORMAT;
	memcpy(r->rc, p + 2, M2M_KEYEST_RC_SIZE);
	return M2M_OK;
}

/* The typed answer of the function, once every command answered without error. */
static m2m_err parse_typed(const m2m_es5_cmd *cmd, m2m_es5_result *r)
{
	size_t last = r->rapdus.count - 1, n;
	const uint8_t *p = data_of(r, last, &n);
	m2m_err err = M2M_OK;

	r->data = p;
	r->data_len = n;
	switch (cmd->fn) {
	case M2M_ES5_CREATE_ISDP:
	case M2M_ES5_DELETE_ISDP:
	case M2M_ES5_MASTER_DELETE:
	case M2M_ES5_DELETE_KEYS:
		return expect_00(p, n);
	case M2M_ES5_AUDIT:
		for (size_t i = 0; i < r->rapdus.count && err == M2M_OK; i++)
			err = parse_audit_one(cmd, r, i);
		r->audit.more = r->sw == 0x6310;
		return err;
	case M2M_ES5_NOTIF_CONFIRM:
		return m2m_es5_parse_deleted(p, n, r);
	case M2M_ES5_KEYEST_CERT:
		return parse_rc(p, n, r);
	case M2M_ES5_KEYEST_KEYS: /* checked by m2m_keyest_host_finish, which has the keys */
		return n >= 2 + M2M_KEYEST_RECEIPT_SIZE ? M2M_OK : M2M_ERR_FORMAT;
	case M2M_ES5_PUT_KEY_PSK: /* KVN, then KCVs (none for a PSK) */
		return n >= 1 && p[0] == cmd->kvn ? M2M_OK : M2M_ERR_FORMAT;
	default: /* STORE DATA: no response data */
		return n == 0 ? M2M_OK : M2M_ERR_FORMAT;
	}
}

static void set_outcome(m2m_es5_result *r, m2m_es5_outcome o, m2m_es5_code c)
{
	r->outcome = o;
	r->code = c;
}

m2m_err m2m_es5_result_finish(const m2m_es5_cmd *cmd, m2m_es5_result *r)
{
	size_t n;

	if (cmd == NULL || r == NULL || cmd->apdus.count == 0)
		return M2M_ERR_ARG;
	r->fn = cmd->fn;
	n = r->rapdus.count;
	r->executed = n;
	r->sw = n > 0 && r->rapdus.len[n - 1] >= 2 ? sw_of(r, n - 1) : 0;
	r->data = NULL;
	r->data_len = 0;
	memset(&r->audit, 0, sizeof r->audit);
	r->ndeleted = 0;
	if (n == 0 || n > cmd->apdus.count)
		goto bad;
	for (size_t i = 0; i < n; i++)
		if (r->rapdus.len[i] < 2)
			goto bad;
	/* The card stops at the first error: only the last R-APDU may carry one. */
	for (size_t i = 0; i + 1 < n; i++)
		if (!m2m_es5_sw_ok(sw_of(r, i)))
			goto bad;
	if (!m2m_es5_sw_ok(r->sw)) {
		set_outcome(r, M2M_ES5_SW_ERROR, m2m_es5_sw_code(cmd->fn, r->sw));
		return M2M_OK;
	}
	if (n != cmd->apdus.count || parse_typed(cmd, r) != M2M_OK)
		goto bad;
	set_outcome(r, M2M_ES5_OK, m2m_es5_sw_code(cmd->fn, r->sw));
	return M2M_OK;
bad:
	r->data = NULL;
	r->data_len = 0;
	set_outcome(r, M2M_ES5_BAD_RESPONSE, m2m_es5_outcome_code(M2M_ES5_BAD_RESPONSE));
	return M2M_OK;
}

void m2m_es5_result_por(m2m_es5_result *r, uint8_t status)
{
	r->por_status = status;
	r->executed = r->rapdus.count;
	set_outcome(r, M2M_ES5_POR_ERROR, m2m_es5_por_code(status));
}

void m2m_es5_result_fail(m2m_es5_result *r, m2m_es5_outcome outcome)
{
	r->executed = r->rapdus.count;
	set_outcome(r, outcome, m2m_es5_outcome_code(outcome));
}
