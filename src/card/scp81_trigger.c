/*
 * Administration session triggering parameters (GP Amendment B table 3-3), the SCP80 secured
 * data that makes the card open the SCP81 session. Tags and the 85/86 layouts follow pySim
 * pySim/global_platform/http.py; njiwa RamHttp.makeRAMHttpPushCommand agrees except for a
 * doubled length in 85 (docs/scp81.md). 81, 83 and 89 are primitive tags by their bits but
 * hold TLVs, so their values are walked explicitly.
 */
#include "card/scp81.h"

#include "core/tlv.h"

#define TAG_TRIGGER 0x81
#define TAG_ADMIN 0x83
#define TAG_CONN 0x84
#define TAG_SECURITY 0x85
#define TAG_EXT_SECURITY 0xA5
#define TAG_RETRY 0x86
#define TAG_TIMER 0xA5      /* TS 102 223 timer value, CR bit set */
#define TAG_TIMER_NCR 0x25  /* the same without the CR bit */
#define TAG_REPORT 0x87
#define TAG_HTTP 0x89
#define TAG_HOST 0x8A
#define TAG_AGENT 0x8B
#define TAG_URI 0x8C
#define TAG_DNS 0xB3
#define TAG_FQDN 0xD6
#define TAG_DNS_CONN 0xFA
#define KVN_KID_LEN 2       /* the fixed length byte in front of KVN KID in 85 */

/* Sets *why and returns err; keeps the parse functions to one line per check. */
static m2m_err fail(m2m_err err, const char *reason, const char **why)
{
	if (why != NULL)
		*why = reason;
	return err;
}

/* Text that becomes an HTTP request line or header: visible ASCII only (no CR/LF, no SP). */
static bool visible(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x21 || p[i] > 0x7E)
			return false;
	return true;
}

bool m2m_scp81_trigger_is_default(const m2m_scp81_trigger *t)
{
	return t->conn.p == NULL && !t->has_psk && t->ext_sec.p == NULL && !t->has_retry &&
	       !t->has_http && !t->has_dns;
}

/* ---- build ---- */

static m2m_err put_bytes(m2m_buf *b, uint32_t tag, m2m_scp81_bytes v)
{
	return v.p == NULL ? M2M_OK : m2m_tlv_put(b, tag, v.p, v.len);
}

static m2m_err put_text(m2m_buf *b, uint32_t tag, m2m_scp81_str v)
{
	if (v.p == NULL)
		return M2M_OK;
	if (!visible(v.p, v.len))
		return M2M_ERR_ARG;
	return m2m_tlv_put(b, tag, v.p, v.len);
}

static m2m_err put_security(m2m_buf *b, const m2m_scp81_trigger *t)
{
	size_t mark;
	m2m_err err;
	if (!t->has_psk)
		return M2M_OK;
	if (t->psk_id.len > 0xFF || (t->psk_id.p == NULL && t->psk_id.len > 0))
		return M2M_ERR_ARG;
	if ((err = m2m_tlv_begin(b, TAG_SECURITY, &mark)) != M2M_OK ||
	    (err = m2m_buf_append_u8(b, (uint8_t)t->psk_id.len)) != M2M_OK ||
	    (err = m2m_buf_append(b, t->psk_id.p, t->psk_id.len)) != M2M_OK ||
	    (err = m2m_buf_append_u8(b, KVN_KID_LEN)) != M2M_OK ||
	    (err = m2m_buf_append_u8(b, t->kvn)) != M2M_OK ||
	    (err = m2m_buf_append_u8(b, t->kid)) != M2M_OK)
		return err;
	if (t->has_sha && (err = m2m_buf_append_u8(b, t->sha_type)) != M2M_OK)
		return err;
	return m2m_tlv_end(b, mark);
}

static m2m_err put_retry(m2m_buf *b, const m2m_scp81_trigger *t)
{
	size_t mark;
	m2m_err err;
	if (!t->has_retry)
		return M2M_OK;
	if ((err = m2m_tlv_begin(b, TAG_RETRY, &mark)) != M2M_OK ||
	    (err = m2m_buf_append_u16be(b, t->retry_counter)) != M2M_OK ||
	    (err = m2m_tlv_put(b, TAG_TIMER, t->retry_timer, sizeof t->retry_timer)) != M2M_OK)
		return err;
	if (t->retry_report && (err = m2m_tlv_put(b, TAG_REPORT, NULL, 0)) != M2M_OK)
		return err;
	return m2m_tlv_end(b, mark);
}

static m2m_err put_http(m2m_buf *b, const m2m_scp81_trigger *t)
{
	size_t mark;
	m2m_err err;
	if (!t->has_http)
		return M2M_OK;
	if ((err = m2m_tlv_begin(b, TAG_HTTP, &mark)) != M2M_OK ||
	    (err = put_text(b, TAG_HOST, t->admin_host)) != M2M_OK ||
	    (err = put_text(b, TAG_AGENT, t->agent_id)) != M2M_OK ||
	    (err = put_text(b, TAG_URI, t->admin_uri)) != M2M_OK)
		return err;
	return m2m_tlv_end(b, mark);
}

static m2m_err put_admin(m2m_buf *b, const m2m_scp81_trigger *t)
{
	size_t mark;
	m2m_err err;
	if (t->conn.p == NULL && !t->has_psk && t->ext_sec.p == NULL && !t->has_retry &&
	    !t->has_http)
		return M2M_OK;
	/* pySim's order: 84, 85, A5, 86, 89. */
	if ((err = m2m_tlv_begin(b, TAG_ADMIN, &mark)) != M2M_OK ||
	    (err = put_bytes(b, TAG_CONN, t->conn)) != M2M_OK ||
	    (err = put_security(b, t)) != M2M_OK ||
	    (err = put_bytes(b, TAG_EXT_SECURITY, t->ext_sec)) != M2M_OK ||
	    (err = put_retry(b, t)) != M2M_OK || (err = put_http(b, t)) != M2M_OK)
		return err;
	return m2m_tlv_end(b, mark);
}

static m2m_err put_dns(m2m_buf *b, const m2m_scp81_trigger *t)
{
	size_t mark;
	m2m_err err;
	if (!t->has_dns)
		return M2M_OK;
	if ((err = m2m_tlv_begin(b, TAG_DNS, &mark)) != M2M_OK ||
	    (err = put_bytes(b, TAG_FQDN, t->dns_fqdn)) != M2M_OK ||
	    (err = put_bytes(b, TAG_DNS_CONN, t->dns_conn)) != M2M_OK)
		return err;
	return m2m_tlv_end(b, mark);
}

m2m_err m2m_scp81_trigger_build(const m2m_scp81_trigger *t, m2m_buf *out)
{
	size_t mark;
	m2m_err err;
	if (t == NULL || out == NULL)
		return M2M_ERR_ARG;
	size_t start = out->len;
	if ((err = m2m_tlv_begin(out, TAG_TRIGGER, &mark)) != M2M_OK ||
	    (err = put_admin(out, t)) != M2M_OK || (err = put_dns(out, t)) != M2M_OK ||
	    (err = m2m_tlv_end(out, mark)) != M2M_OK)
		out->len = start;
	return err;
}

/* ---- parse ---- */

/* Walks the children of a TLV; `seen` catches a known tag given twice. */
typedef struct {
	m2m_tlv_iter it;
	uint32_t seen;
} walker;

static void walk_init(walker *w, const m2m_tlv *parent)
{
	m2m_tlv_iter_init(&w->it, parent->value, parent->len, M2M_TLV_DER);
	w->seen = 0;
}

/* M2M_OK with the next child, M2M_END, or an error. bit (0 = unknown tag) marks known tags. */
static m2m_err walk_next(walker *w, m2m_tlv *t, uint32_t (*bit_of)(uint32_t), const char **why)
{
	m2m_err err = m2m_tlv_next(&w->it, t);
	if (err == M2M_END)
		return err;
	if (err != M2M_OK)
		return fail(err, "trigger: malformed TLV", why);
	uint32_t bit = bit_of(t->tag);
	if (bit & w->seen)
		return fail(M2M_ERR_FORMAT, "trigger: a parameter tag appears twice", why);
	w->seen |= bit;
	return M2M_OK;
}

static m2m_err parse_security(const m2m_tlv *t, m2m_scp81_trigger *out, const char **why)
{
	const uint8_t *v = t->value;
	size_t n = t->len;
	/* Lpskid pskid 02 KVN KID [sha] */
	if (n < 1 || n - 1 < v[0] || n - 1 - v[0] < 1 + KVN_KID_LEN)
		return fail(M2M_ERR_FORMAT, "trigger 85: truncated security parameters", why);
	size_t k = 1u + v[0];
	if (v[k] != KVN_KID_LEN)
		return fail(M2M_ERR_FORMAT, "trigger 85: key version/id length is not 02", why);
	size_t rest = n - k - 1 - KVN_KID_LEN;
	if (rest > 1)
		return fail(M2M_ERR_FORMAT, "trigger 85: bytes after the SHA type", why);
	out->has_psk = true;
	out->psk_id.p = v + 1;
	out->psk_id.len = v[0];
	out->kvn = v[k + 1];
	out->kid = v[k + 2];
	out->has_sha = rest == 1;
	out->sha_type = out->has_sha ? v[k + 3] : 0;
	return M2M_OK;
}

static m2m_err parse_retry(const m2m_tlv *t, m2m_scp81_trigger *out, const char **why)
{
	m2m_tlv timer, report;
	if (t->len < 2)
		return fail(M2M_ERR_FORMAT, "trigger 86: no retry counter", why);
	out->retry_counter = (uint16_t)(t->value[0] << 8 | t->value[1]);
	const uint8_t *p = t->value + 2;
	size_t n = t->len - 2;
	if (m2m_tlv_decode(p, n, M2M_TLV_DER, &timer, NULL) != M2M_OK ||
	    (timer.tag != TAG_TIMER && timer.tag != TAG_TIMER_NCR) || timer.len != 3)
		return fail(M2M_ERR_FORMAT, "trigger 86: no A5 03 retry waiting delay", why);
	memcpy(out->retry_timer, timer.value, 3);
	p += timer.size;
	n -= timer.size;
	if (n > 0 && (m2m_tlv_decode_one(p, n, M2M_TLV_DER, &report, NULL) != M2M_OK ||
		      report.tag != TAG_REPORT))
		return fail(M2M_ERR_FORMAT, "trigger 86: bytes after the delay are not one 87", why);
	out->has_retry = true;
	out->retry_report = n > 0;
	return M2M_OK;
}

static m2m_err take_text(const m2m_tlv *t, m2m_scp81_str *s, const char *reason,
			 const char **why)
{
	if (!visible((const char *)t->value, t->len))
		return fail(M2M_ERR_FORMAT, reason, why);
	s->p = (const char *)t->value;
	s->len = t->len;
	return M2M_OK;
}

static uint32_t http_bit(uint32_t tag)
{
	return tag == TAG_HOST ? 1u : tag == TAG_AGENT ? 2u : tag == TAG_URI ? 4u : 0u;
}

static m2m_err parse_http(const m2m_tlv *parent, m2m_scp81_trigger *out, const char **why)
{
	walker w;
	m2m_tlv t;
	m2m_err err;
	walk_init(&w, parent);
	while ((err = walk_next(&w, &t, http_bit, why)) == M2M_OK) {
		if (t.tag == TAG_HOST)
			err = take_text(&t, &out->admin_host, "trigger 8A: host not visible ASCII", why);
		else if (t.tag == TAG_AGENT)
			err = take_text(&t, &out->agent_id, "trigger 8B: agent id not visible ASCII", why);
		else if (t.tag == TAG_URI)
			err = take_text(&t, &out->admin_uri, "trigger 8C: URI not visible ASCII", why);
		if (err != M2M_OK)
			return err;
	}
	out->has_http = true;
	return err == M2M_END ? M2M_OK : err;
}

static uint32_t admin_bit(uint32_t tag)
{
	switch (tag) {
	case TAG_CONN: return 1u;
	case TAG_SECURITY: return 2u;
	case TAG_EXT_SECURITY: return 4u;
	case TAG_RETRY: return 8u;
	case TAG_HTTP: return 16u;
	default: return 0u;
	}
}

static m2m_err parse_admin_child(const m2m_tlv *t, m2m_scp81_trigger *out, const char **why)
{
	switch (t->tag) {
	case TAG_CONN:
		out->conn.p = t->value;
		out->conn.len = t->len;
		return M2M_OK;
	case TAG_SECURITY:
		return parse_security(t, out, why);
	case TAG_EXT_SECURITY:
		out->ext_sec.p = t->value;
		out->ext_sec.len = t->len;
		return M2M_OK;
	case TAG_RETRY:
		return parse_retry(t, out, why);
	case TAG_HTTP:
		return parse_http(t, out, why);
	default:
		return M2M_OK; /* later amendments may add parameters */
	}
}

static m2m_err parse_admin(const m2m_tlv *parent, m2m_scp81_trigger *out, const char **why)
{
	walker w;
	m2m_tlv t;
	m2m_err err;
	walk_init(&w, parent);
	while ((err = walk_next(&w, &t, admin_bit, why)) == M2M_OK)
		if ((err = parse_admin_child(&t, out, why)) != M2M_OK)
			return err;
	return err == M2M_END ? M2M_OK : err;
}

static uint32_t dns_bit(uint32_t tag)
{
	return tag == TAG_FQDN ? 1u : tag == TAG_DNS_CONN ? 2u : 0u;
}

static m2m_err parse_dns(const m2m_tlv *parent, m2m_scp81_trigger *out, const char **why)
{
	walker w;
	m2m_tlv t;
	m2m_err err;
	walk_init(&w, parent);
	while ((err = walk_next(&w, &t, dns_bit, why)) == M2M_OK) {
		if (t.tag == TAG_FQDN) {
			out->dns_fqdn.p = t.value;
			out->dns_fqdn.len = t.len;
		} else if (t.tag == TAG_DNS_CONN) {
			out->dns_conn.p = t.value;
			out->dns_conn.len = t.len;
		}
	}
	out->has_dns = true;
	return err == M2M_END ? M2M_OK : err;
}

static uint32_t top_bit(uint32_t tag)
{
	return tag == TAG_ADMIN ? 1u : tag == TAG_DNS ? 2u : 0u;
}

m2m_err m2m_scp81_trigger_parse(const uint8_t *p, size_t n, m2m_scp81_trigger *out,
				const char **why)
{
	m2m_tlv top, t;
	walker w;
	m2m_err err;
	if ((p == NULL && n > 0) || out == NULL)
		return fail(M2M_ERR_ARG, "trigger: no input", why);
	memset(out, 0, sizeof *out);
	if ((err = m2m_tlv_decode_one(p, n, M2M_TLV_DER, &top, NULL)) != M2M_OK)
		return fail(err, "trigger: not exactly one definite-length TLV", why);
	if (top.tag != TAG_TRIGGER)
		return fail(M2M_ERR_FORMAT, "trigger: outer tag is not 81", why);
	walk_init(&w, &top);
	while ((err = walk_next(&w, &t, top_bit, why)) == M2M_OK) {
		if (t.tag == TAG_ADMIN)
			err = parse_admin(&t, out, why);
		else if (t.tag == TAG_DNS)
			err = parse_dns(&t, out, why);
		if (err != M2M_OK)
			return err;
	}
	return err == M2M_END ? M2M_OK : err;
}
