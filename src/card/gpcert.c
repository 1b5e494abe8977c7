/* GP-format certificates (7F21) and the GP public key TLV (7F49). */
#include "card/gpcert.h"

#include <string.h>

#include "core/tlv.h"

#define TAG_SERIAL 0x93
#define TAG_CA_ID 0x42
#define TAG_SUBJECT 0x5F20
#define TAG_USAGE 0x95
#define TAG_EFFECTIVE 0x5F25
#define TAG_EXPIRY 0x5F24
#define TAG_DISCR 0x73
#define TAG_TYPE 0xC8
#define TAG_AKID 0xC9
#define TAG_SIG 0x5F37
#define TAG_POINT 0xB0
#define TAG_REF 0xF0

/* Body tags in the only order accepted; 5F25 is the one optional entry. */
static const uint32_t ORDER[] = {
	TAG_SERIAL, TAG_CA_ID, TAG_SUBJECT, TAG_USAGE, TAG_EFFECTIVE,
	TAG_EXPIRY, TAG_DISCR, M2M_GP_PUBKEY_TAG, TAG_SIG,
};
#define ORDER_N (sizeof ORDER / sizeof ORDER[0])

/* ---- 7F49 ---- */

m2m_err m2m_gp_pubkey_encode(const m2m_eckey *key, m2m_gp_pubkey_form form, m2m_buf *out)
{
	uint8_t point[M2M_EC_POINT_SIZE];
	size_t mark;
	m2m_err err;

	if (key == NULL || out == NULL)
		return M2M_ERR_ARG;
	err = m2m_ec_public_point(key, point);
	if (err != M2M_OK)
		return err;
	if (form == M2M_GP_PUBKEY_RAW)
		return m2m_tlv_put(out, M2M_GP_PUBKEY_TAG, point, sizeof point);
	if (form != M2M_GP_PUBKEY_WRAPPED)
		return M2M_ERR_ARG;
	err = m2m_tlv_begin(out, M2M_GP_PUBKEY_TAG, &mark);
	if (err == M2M_OK)
		err = m2m_tlv_put(out, TAG_POINT, point, sizeof point);
	if (err == M2M_OK)
		err = m2m_tlv_put_u8(out, TAG_REF, (uint8_t)m2m_ec_curve(key));
	if (err == M2M_OK)
		err = m2m_tlv_end(out, mark);
	return err;
}

/* Wrapped form: B0 first, then an optional F0, nothing else. */
static m2m_err pubkey_wrapped(const uint8_t *v, size_t n, const m2m_curve *expect,
			      m2m_eckey **key)
{
	m2m_tlv_iter it;
	m2m_tlv b0, f0;
	m2m_curve curve;
	m2m_err err;

	m2m_tlv_iter_init(&it, v, n, M2M_TLV_BER);
	err = m2m_tlv_next(&it, &b0);
	if (err != M2M_OK)
		return err == M2M_END ? M2M_ERR_FORMAT : err;
	if (b0.tag != TAG_POINT)
		return M2M_ERR_FORMAT;
	err = m2m_tlv_next(&it, &f0);
	if (err == M2M_END) {
		if (expect == NULL)
			return M2M_ERR_FORMAT; /* no way to know the curve */
		curve = *expect;
	} else if (err != M2M_OK) {
		return err;
	} else {
		if (f0.tag != TAG_REF || f0.len != 1)
			return M2M_ERR_FORMAT;
		err = m2m_curve_from_ref(f0.value[0], &curve);
		if (err != M2M_OK)
			return err;
		if (expect != NULL && *expect != curve)
			return M2M_ERR_FORMAT;
		err = m2m_tlv_next(&it, &f0);
		if (err != M2M_END)
			return err == M2M_OK ? M2M_ERR_FORMAT : err;
	}
	return m2m_ec_from_public(curve, b0.value, b0.len, key);
}

m2m_err m2m_gp_pubkey_decode(const uint8_t *value, size_t len, const m2m_curve *expect,
			     m2m_eckey **key, m2m_gp_pubkey_form *form)
{
	m2m_err err;

	if (key == NULL || (value == NULL && len > 0))
		return M2M_ERR_ARG;
	*key = NULL;
	if (len == 0)
		return M2M_ERR_FORMAT;
	/* 04 starts an uncompressed point; it can never be mistaken for the B0 tag. */
	if (value[0] == 0x04) {
		if (expect == NULL)
			return M2M_ERR_FORMAT;
		err = m2m_ec_from_public(*expect, value, len, key);
		if (err == M2M_OK && form != NULL)
			*form = M2M_GP_PUBKEY_RAW;
		return err;
	}
	err = pubkey_wrapped(value, len, expect, key);
	if (err == M2M_OK && form != NULL)
		*form = M2M_GP_PUBKEY_WRAPPED;
	return err;
}

m2m_err m2m_gpcert_set_public_key(m2m_gpcert *c, const m2m_eckey *key)
{
	if (c == NULL || key == NULL)
		return M2M_ERR_ARG;
	c->curve = m2m_ec_curve(key);
	return m2m_ec_public_point(key, c->point);
}

m2m_err m2m_gpcert_public_key(const m2m_gpcert *c, m2m_eckey **key)
{
	if (c == NULL || key == NULL)
		return M2M_ERR_ARG;
	return m2m_ec_from_public(c->curve, c->point, sizeof c->point, key);
}

/* ---- encoding ---- */

static bool bcd_ok(uint8_t b)
{
	return (b >> 4) <= 9 && (b & 0x0F) <= 9;
}

static unsigned bcd_val(uint8_t b)
{
	return (unsigned)(b >> 4) * 10 + (b & 0x0F);
}

/* YYYYMMDD in BCD with a plausible month and day. */
static bool date_ok(const uint8_t d[M2M_GPCERT_DATE_SIZE])
{
	for (size_t i = 0; i < M2M_GPCERT_DATE_SIZE; i++)
		if (!bcd_ok(d[i]))
			return false;
	unsigned mm = bcd_val(d[2]), dd = bcd_val(d[3]);
	return mm >= 1 && mm <= 12 && dd >= 1 && dd <= 31;
}

static bool id_ok(size_t len)
{
	return len >= 1 && len <= M2M_GPCERT_ID_MAX;
}

static bool fields_ok(const m2m_gpcert *c)
{
	return id_ok(c->serial_len) && id_ok(c->ca_id_len) && id_ok(c->subject_id_len) &&
	       c->key_usage_len >= 1 && c->key_usage_len <= M2M_GPCERT_USAGE_MAX &&
	       (!c->has_effective || date_ok(c->effective)) && date_ok(c->expiry) &&
	       c->auth_key_id_len <= M2M_GPCERT_ID_MAX;
}

static m2m_err put_discretionary(const m2m_gpcert *c, m2m_buf *b)
{
	size_t mark;
	m2m_err err = m2m_tlv_begin(b, TAG_DISCR, &mark);

	if (err == M2M_OK && c->has_type)
		err = m2m_tlv_put_u8(b, TAG_TYPE, c->type);
	if (err == M2M_OK && c->auth_key_id_len > 0)
		err = m2m_tlv_put(b, TAG_AKID, c->auth_key_id, c->auth_key_id_len);
	if (err == M2M_OK)
		err = m2m_tlv_end(b, mark);
	return err;
}

/* Every TLV before 5F37: the signed part. */
static m2m_err put_body(const m2m_gpcert *c, m2m_buf *b)
{
	m2m_eckey *key = NULL;
	m2m_err err;

	if (!fields_ok(c))
		return M2M_ERR_ARG;
	err = m2m_gpcert_public_key(c, &key);
	if (err != M2M_OK) {
		err = M2M_ERR_ARG;
		goto out;
	}
	err = m2m_tlv_put(b, TAG_SERIAL, c->serial, c->serial_len);
	if (err == M2M_OK)
		err = m2m_tlv_put(b, TAG_CA_ID, c->ca_id, c->ca_id_len);
	if (err == M2M_OK)
		err = m2m_tlv_put(b, TAG_SUBJECT, c->subject_id, c->subject_id_len);
	if (err == M2M_OK)
		err = m2m_tlv_put(b, TAG_USAGE, c->key_usage, c->key_usage_len);
	if (err == M2M_OK && c->has_effective)
		err = m2m_tlv_put(b, TAG_EFFECTIVE, c->effective, M2M_GPCERT_DATE_SIZE);
	if (err == M2M_OK)
		err = m2m_tlv_put(b, TAG_EXPIRY, c->expiry, M2M_GPCERT_DATE_SIZE);
	if (err == M2M_OK)
		err = put_discretionary(c, b);
	if (err == M2M_OK)
		err = m2m_gp_pubkey_encode(key, M2M_GP_PUBKEY_WRAPPED, b);
out:
	m2m_ec_free(key);
	return err;
}

static m2m_err put_cert(const m2m_buf *body, const uint8_t sig[M2M_EC_SIG_SIZE], m2m_buf *out)
{
	size_t mark;
	m2m_err err = m2m_tlv_begin(out, M2M_GPCERT_TAG, &mark);

	if (err == M2M_OK)
		err = m2m_buf_append(out, body->data, body->len);
	if (err == M2M_OK)
		err = m2m_tlv_put(out, TAG_SIG, sig, M2M_EC_SIG_SIZE);
	if (err == M2M_OK)
		err = m2m_tlv_end(out, mark);
	return err;
}

m2m_err m2m_gpcert_encode(const m2m_gpcert *c, m2m_buf *out)
{
	m2m_buf body;
	m2m_err err;

	if (c == NULL || out == NULL)
		return M2M_ERR_ARG;
	m2m_buf_init(&body);
	err = put_body(c, &body);
	if (err == M2M_OK)
		err = put_cert(&body, c->sig, out);
	m2m_buf_free(&body);
	return err;
}

m2m_err m2m_gpcert_sign(m2m_gpcert *c, const m2m_eckey *issuer, m2m_buf *out)
{
	m2m_buf body;
	m2m_err err;

	if (c == NULL || issuer == NULL || out == NULL || !m2m_ec_has_private(issuer))
		return M2M_ERR_ARG;
	m2m_buf_init(&body);
	err = put_body(c, &body);
	if (err == M2M_OK)
		err = m2m_ecdsa_sign(issuer, body.data, body.len, c->sig);
	if (err == M2M_OK)
		err = put_cert(&body, c->sig, out);
	m2m_buf_free(&body);
	return err;
}

/* ---- decoding ---- */

static m2m_err copy_id(const m2m_tlv *t, uint8_t *dst, size_t max, size_t *len)
{
	if (t->len < 1 || t->len > max)
		return M2M_ERR_FORMAT;
	memcpy(dst, t->value, t->len);
	*len = t->len;
	return M2M_OK;
}

static m2m_err copy_date(const m2m_tlv *t, uint8_t dst[M2M_GPCERT_DATE_SIZE])
{
	if (t->len != M2M_GPCERT_DATE_SIZE || !date_ok(t->value))
		return M2M_ERR_FORMAT;
	memcpy(dst, t->value, M2M_GPCERT_DATE_SIZE);
	return M2M_OK;
}

/* 73 { [C8 01 type], [C9 L akid] } in that order. */
static m2m_err decode_discretionary(const m2m_tlv *d, m2m_gpcert *c, const char **why)
{
	m2m_tlv_iter it;
	m2m_tlv t;
	m2m_err err;

	m2m_tlv_iter_children(&it, d, M2M_TLV_BER);
	err = m2m_tlv_next(&it, &t);
	if (err == M2M_OK && t.tag == TAG_TYPE) {
		if (t.len != 1) {
			*why = "certificate type C8 must be one byte";
			return M2M_ERR_FORMAT;
		}
		c->has_type = true;
		c->type = t.value[0];
		err = m2m_tlv_next(&it, &t);
	}
	if (err == M2M_OK && t.tag == TAG_AKID) {
		err = copy_id(&t, c->auth_key_id, sizeof c->auth_key_id, &c->auth_key_id_len);
		if (err != M2M_OK) {
			*why = "authority key id C9 empty or too long";
			return M2M_ERR_FORMAT;
		}
		err = m2m_tlv_next(&it, &t);
	}
	if (err == M2M_END)
		return M2M_OK;
	*why = "unexpected or malformed TLV in discretionary data 73";
	return err == M2M_OK ? M2M_ERR_FORMAT : err;
}

static m2m_err decode_pubkey(const m2m_tlv *t, m2m_gpcert *c, const char **why)
{
	m2m_gp_pubkey_form form;
	m2m_eckey *key = NULL;
	m2m_err err = m2m_gp_pubkey_decode(t->value, t->len, NULL, &key, &form);

	if (err == M2M_OK && form != M2M_GP_PUBKEY_WRAPPED)
		err = M2M_ERR_FORMAT;
	if (err == M2M_OK)
		err = m2m_gpcert_set_public_key(c, key);
	if (err != M2M_OK)
		*why = "public key 7F49 malformed, not {B0, F0}, unknown curve or point off curve";
	m2m_ec_free(key);
	return err;
}

static m2m_err decode_field(const m2m_tlv *t, m2m_gpcert *c, const char **why)
{
	switch (t->tag) {
	case TAG_SERIAL:
		*why = "serial number 93 empty or too long";
		return copy_id(t, c->serial, sizeof c->serial, &c->serial_len);
	case TAG_CA_ID:
		*why = "CA identifier 42 empty or too long";
		return copy_id(t, c->ca_id, sizeof c->ca_id, &c->ca_id_len);
	case TAG_SUBJECT:
		*why = "subject identifier 5F20 empty or too long";
		return copy_id(t, c->subject_id, sizeof c->subject_id, &c->subject_id_len);
	case TAG_USAGE:
		*why = "key usage 95 must be 1 or 2 bytes";
		return copy_id(t, c->key_usage, sizeof c->key_usage, &c->key_usage_len);
	case TAG_EFFECTIVE:
		*why = "effective date 5F25 is not a 4-byte BCD YYYYMMDD";
		c->has_effective = true;
		return copy_date(t, c->effective);
	case TAG_EXPIRY:
		*why = "expiry date 5F24 is not a 4-byte BCD YYYYMMDD";
		return copy_date(t, c->expiry);
	case TAG_DISCR:
		return decode_discretionary(t, c, why);
	case M2M_GP_PUBKEY_TAG:
		return decode_pubkey(t, c, why);
	case TAG_SIG:
		*why = "signature 5F37 is not 64 bytes r||s";
		if (t->len != M2M_EC_SIG_SIZE)
			return M2M_ERR_FORMAT;
		memcpy(c->sig, t->value, M2M_EC_SIG_SIZE);
		return M2M_OK;
	default:
		return M2M_ERR_FORMAT; /* in_order() lets no other tag through */
	}
}

/* Skips the optional 5F25 when absent; true when tag is the next one allowed. */
static bool in_order(size_t *idx, uint32_t tag)
{
	if (*idx < ORDER_N && ORDER[*idx] == TAG_EFFECTIVE && tag != TAG_EFFECTIVE)
		(*idx)++;
	return *idx < ORDER_N && ORDER[*idx] == tag;
}

/* Decodes into c; *tbs_len gets the length of the signed part, which starts at *tbs. */
static m2m_err decode(const uint8_t *p, size_t n, m2m_gpcert *c, const uint8_t **tbs,
		      size_t *tbs_len, const char **why)
{
	m2m_tlv top, t;
	m2m_tlv_iter it;
	size_t idx = 0;
	m2m_err err;

	*why = "not exactly one well-formed TLV";
	err = m2m_tlv_decode_one(p, n, M2M_TLV_BER, &top, NULL);
	if (err != M2M_OK)
		return err;
	*why = "not a 7F21 certificate with a definite length";
	if (top.tag != M2M_GPCERT_TAG || top.indefinite)
		return M2M_ERR_FORMAT;
	*tbs = top.value;
	m2m_tlv_iter_children(&it, &top, M2M_TLV_BER);
	while ((err = m2m_tlv_next(&it, &t)) == M2M_OK) {
		*why = "indefinite length inside the certificate";
		if (t.indefinite)
			return M2M_ERR_FORMAT;
		*why = "unexpected, repeated or misplaced tag in the certificate";
		if (!in_order(&idx, t.tag))
			return M2M_ERR_FORMAT;
		if (t.tag == TAG_SIG)
			*tbs_len = (size_t)(t.value - t.hdr_len - top.value);
		err = decode_field(&t, c, why);
		if (err != M2M_OK)
			return err;
		idx++;
	}
	if (err != M2M_END) {
		*why = "malformed TLV in the certificate body";
		return err;
	}
	*why = "certificate ends before the signature 5F37";
	return idx == ORDER_N ? M2M_OK : M2M_ERR_FORMAT;
}

m2m_err m2m_gpcert_decode(const uint8_t *p, size_t n, m2m_gpcert *c, const char **why)
{
	const char *reason = NULL;
	const uint8_t *tbs = NULL;
	size_t tbs_len = 0;
	m2m_gpcert tmp;
	m2m_err err = M2M_ERR_ARG;

	memset(&tmp, 0, sizeof tmp);
	if ((p == NULL && n > 0) || c == NULL)
		goto out;
	err = decode(p, n, &tmp, &tbs, &tbs_len, &reason);
	if (err == M2M_OK)
		*c = tmp;
out:
	if (why != NULL)
		*why = err == M2M_OK ? NULL : reason;
	return err;
}

m2m_err m2m_gpcert_verify(const uint8_t *p, size_t n, const m2m_eckey *issuer, m2m_gpcert *c,
			  const char **why)
{
	const char *reason = NULL;
	const uint8_t *tbs = NULL;
	size_t tbs_len = 0;
	m2m_gpcert tmp;
	m2m_err err = M2M_ERR_ARG;

	memset(&tmp, 0, sizeof tmp);
	if ((p == NULL && n > 0) || issuer == NULL)
		goto out;
	err = decode(p, n, &tmp, &tbs, &tbs_len, &reason);
	if (err != M2M_OK)
		goto out;
	reason = "certificate signature does not verify with the issuer key";
	err = m2m_ecdsa_verify(issuer, tbs, tbs_len, tmp.sig, sizeof tmp.sig);
	if (err == M2M_OK && c != NULL)
		*c = tmp;
out:
	if (why != NULL)
		*why = err == M2M_OK ? NULL : reason;
	return err;
}
