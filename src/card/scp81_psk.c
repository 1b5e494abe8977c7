/* SCP81 TLS PSK identity, SGP.02 2.4.4.1 (njiwa RamHttp.makePskId agrees on the layout). */
#include "card/scp81.h"

#include "core/hex.h"
#include "core/tlv.h"

#define TAG_FORMAT 0x80
#define TAG_EID 0x81
#define TAG_AID 0x4F
#define TAG_KEY_ID 0x82
#define TAG_KVN 0x83

static m2m_err fail(m2m_err err, const char *reason, const char **why)
{
	if (why != NULL)
		*why = reason;
	return err;
}

static bool kvn_ok(uint8_t kvn)
{
	return kvn >= M2M_SCP81_KVN_MIN && kvn <= M2M_SCP81_KVN_MAX;
}

m2m_err m2m_scp81_psk_id_build(const m2m_scp81_psk_id *id, m2m_buf *out)
{
	const uint8_t fmt = M2M_SCP81_PSK_ID_FORMAT;
	m2m_err err;
	if (id == NULL || out == NULL || id->isdr.len < M2M_SCP81_AID_MIN ||
	    id->isdr.len > M2M_SCP81_AID_MAX || !kvn_ok(id->kvn))
		return M2M_ERR_ARG;
	size_t start = out->len;
	if ((err = m2m_tlv_put(out, TAG_FORMAT, &fmt, 1)) != M2M_OK ||
	    (err = m2m_tlv_put(out, TAG_EID, id->eid, M2M_SCP81_EID_LEN)) != M2M_OK ||
	    (err = m2m_tlv_put(out, TAG_AID, id->isdr.b, id->isdr.len)) != M2M_OK ||
	    (err = m2m_tlv_put_u8(out, TAG_KEY_ID, id->key_id)) != M2M_OK ||
	    (err = m2m_tlv_put_u8(out, TAG_KVN, id->kvn)) != M2M_OK)
		out->len = start;
	return err;
}

m2m_err m2m_scp81_psk_id_build_hex(const m2m_scp81_psk_id *id, m2m_buf *out)
{
	uint8_t mem[M2M_SCP81_PSK_ID_MAX];
	m2m_buf tlv;
	m2m_err err;
	if (out == NULL)
		return M2M_ERR_ARG;
	m2m_buf_init_fixed(&tlv, mem, sizeof mem);
	if ((err = m2m_scp81_psk_id_build(id, &tlv)) != M2M_OK)
		goto out;
	size_t start = out->len;
	if ((err = m2m_hex_append(out, tlv.data, tlv.len)) != M2M_OK)
		goto out;
	/* The identity is compared as a string by servers: SGP.02 and njiwa use upper case. */
	for (size_t i = start; i < out->len; i++)
		if (out->data[i] >= 'a' && out->data[i] <= 'f')
			out->data[i] = (uint8_t)(out->data[i] - 'a' + 'A');
out:
	m2m_buf_free(&tlv);
	return err;
}

/* Reads the next TLV, which must carry `tag` with a value of min..max bytes. */
static m2m_err next_field(m2m_tlv_iter *it, uint32_t tag, size_t min, size_t max, m2m_tlv *t,
			  const char *reason, const char **why)
{
	m2m_err err = m2m_tlv_next(it, t);
	if (err == M2M_END)
		return fail(M2M_ERR_TLV_NOT_FOUND, reason, why);
	if (err != M2M_OK)
		return fail(err, "PSK identity: malformed TLV", why);
	if (t->tag != tag || t->constructed || t->len < min || t->len > max)
		return fail(M2M_ERR_FORMAT, reason, why);
	return M2M_OK;
}

m2m_err m2m_scp81_psk_id_parse(const uint8_t *p, size_t n, m2m_scp81_psk_id *out,
			       const char **why)
{
	m2m_tlv_iter it;
	m2m_tlv t;
	m2m_err err;
	if ((p == NULL && n > 0) || out == NULL)
		return fail(M2M_ERR_ARG, "PSK identity: no input", why);
	memset(out, 0, sizeof *out);
	m2m_tlv_iter_init(&it, p, n, M2M_TLV_DER);
	if ((err = next_field(&it, TAG_FORMAT, 1, 1, &t, "PSK identity: no 80 01 format", why)))
		return err;
	if (t.value[0] != M2M_SCP81_PSK_ID_FORMAT)
		return fail(M2M_ERR_UNSUPPORTED, "PSK identity: format is not 02 (SGP.02)", why);
	if ((err = next_field(&it, TAG_EID, M2M_SCP81_EID_LEN, M2M_SCP81_EID_LEN, &t,
			      "PSK identity: no 81 10 EID", why)))
		return err;
	memcpy(out->eid, t.value, M2M_SCP81_EID_LEN);
	if ((err = next_field(&it, TAG_AID, M2M_SCP81_AID_MIN, M2M_SCP81_AID_MAX, &t,
			      "PSK identity: no 4F ISD-R AID of 5..16 bytes", why)))
		return err;
	memcpy(out->isdr.b, t.value, t.len);
	out->isdr.len = t.len;
	if ((err = next_field(&it, TAG_KEY_ID, 1, 1, &t, "PSK identity: no 82 01 key id", why)))
		return err;
	out->key_id = t.value[0];
	if ((err = next_field(&it, TAG_KVN, 1, 1, &t, "PSK identity: no 83 01 KVN", why)))
		return err;
	out->kvn = t.value[0];
	if (!kvn_ok(out->kvn))
		return fail(M2M_ERR_FORMAT, "PSK identity: KVN outside 40..4F", why);
	if (m2m_tlv_next(&it, &t) != M2M_END)
		return fail(M2M_ERR_TLV_TRAILING, "PSK identity: bytes after 83 KVN", why);
	return M2M_OK;
}

m2m_err m2m_scp81_psk_id_parse_hex(const char *s, size_t n, m2m_scp81_psk_id *out,
				   const char **why)
{
	char hex[M2M_SCP81_PSK_ID_HEX_MAX + 1];
	uint8_t bin[M2M_SCP81_PSK_ID_MAX];
	size_t len;
	if ((s == NULL && n > 0) || out == NULL)
		return fail(M2M_ERR_ARG, "PSK identity: no input", why);
	if (n > M2M_SCP81_PSK_ID_HEX_MAX)
		return fail(M2M_ERR_FORMAT, "PSK identity: longer than 90 hex characters", why);
	memcpy(hex, s, n);
	hex[n] = '\0';
	if (strlen(hex) != n || m2m_hex_decode(hex, bin, sizeof bin, &len) != M2M_OK)
		return fail(M2M_ERR_HEX, "PSK identity: not an even-length hex string", why);
	return m2m_scp81_psk_id_parse(bin, len, out, why);
}
