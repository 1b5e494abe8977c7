/* SGP.02 key establishment, ECKA-EG scenario #3: CRT, key derivation, both sides. */
#include "card/keyest.h"

#include <string.h>

#include "core/tlv.h"
#include "crypto/hash.h"
#include "crypto/sym.h"

#define TAG_SD1 0x3A01
#define TAG_SD2 0x3A02
#define TAG_CRT 0xA6
#define TAG_SCENARIO 0x90
#define TAG_USAGE 0x95
#define TAG_KEY_TYPE 0x80
#define TAG_KEY_LEN 0x81
#define TAG_KEY_ID 0x82
#define TAG_KVN 0x83
#define TAG_COUNTER 0x91
#define TAG_RC_DR 0x85
#define TAG_RECEIPT 0x86
#define TAG_SIG 0x5F37

#define SCENARIO_3 0x03
#define P_KNOWN (M2M_KEYEST_P_REPLACE | M2M_KEYEST_P_DR | M2M_KEYEST_P_CERT)

#define INS_STORE_DATA 0xE2
#define SD1_P1 0x09 /* last block, DGI-less "store data" of the ECASD */
#define SD2_P1 0x89
#define SD2_P2 0x01

#define SW_OK 0x9000
#define SW_WRONG_DATA 0x6A80
#define SW_SECURITY 0x6982
#define SW_CONDITIONS 0x6985
#define SW_UNKNOWN 0x6F00

void m2m_keyest_keys_wipe(m2m_keyest_keys *k)
{
	if (k != NULL)
		m2m_wipe(k, sizeof *k);
}

void m2m_keyest_params_isdp(m2m_keyest_params *p, bool dr)
{
	memset(p, 0, sizeof *p);
	p->crt.scenario_param = M2M_KEYEST_P_CERT | M2M_KEYEST_P_REPLACE;
	if (dr)
		p->crt.scenario_param |= M2M_KEYEST_P_DR;
	p->crt.key_usage = M2M_KEYEST_USAGE_3KEYS;
	p->crt.key_type = M2M_KEYEST_TYPE_AES;
	p->crt.key_len = 16;
	p->crt.key_id = 0x01;
	p->crt.kvn = M2M_KEYEST_KVN_ISDP;
	p->nkeys = 3;
	p->epk_form = M2M_GP_PUBKEY_RAW;
}

void m2m_keyest_params_smsr_change(m2m_keyest_params *p, bool dr)
{
	m2m_keyest_params_isdp(p, dr);
	p->crt.kvn = M2M_KEYEST_KVN_SMSR_CHANGE;
}

size_t m2m_keyest_dr_len(m2m_curve curve)
{
	(void)curve; /* every supported curve has a 256-bit field */
	size_t bits = 8 * M2M_EC_FIELD_SIZE;
	return bits <= 383 ? 16 : bits <= 511 ? 24 : 32;
}

/* ---- CRT ---- */

static bool key_len_ok(size_t n)
{
	return n == 16 || n == 24 || n == 32;
}

static bool crt_ok(const m2m_keyest_crt *crt)
{
	return (crt->scenario_param & ~P_KNOWN) == 0 &&
	       crt->key_type == M2M_KEYEST_TYPE_AES && key_len_ok(crt->key_len) &&
	       crt->counter_len <= M2M_KEYEST_CTR_MAX;
}

m2m_err m2m_keyest_crt_encode(const m2m_keyest_crt *crt, m2m_buf *out)
{
	const uint8_t scenario[2] = {SCENARIO_3, crt != NULL ? crt->scenario_param : 0};
	size_t mark;
	m2m_err err;

	if (crt == NULL || out == NULL || !crt_ok(crt))
		return M2M_ERR_ARG;
	err = m2m_tlv_begin(out, TAG_CRT, &mark);
	if (err == M2M_OK)
		err = m2m_tlv_put(out, TAG_SCENARIO, scenario, sizeof scenario);
	if (err == M2M_OK)
		err = m2m_tlv_put_u8(out, TAG_USAGE, crt->key_usage);
	if (err == M2M_OK)
		err = m2m_tlv_put_u8(out, TAG_KEY_TYPE, crt->key_type);
	if (err == M2M_OK)
		err = m2m_tlv_put_u8(out, TAG_KEY_LEN, crt->key_len);
	if (err == M2M_OK)
		err = m2m_tlv_put_u8(out, TAG_KEY_ID, crt->key_id);
	if (err == M2M_OK)
		err = m2m_tlv_put_u8(out, TAG_KVN, crt->kvn);
	if (err == M2M_OK)
		err = m2m_tlv_put(out, TAG_COUNTER, crt->counter, crt->counter_len);
	if (err == M2M_OK)
		err = m2m_tlv_end(out, mark);
	return err;
}

static m2m_err crt_scenario(const m2m_tlv *t, m2m_keyest_crt *crt)
{
	if (t->len != 2 || t->value[0] != SCENARIO_3)
		return M2M_ERR_FORMAT;
	crt->scenario_param = t->value[1];
	if (crt->scenario_param & M2M_KEYEST_P_HOSTID)
		return M2M_ERR_UNSUPPORTED;
	return (crt->scenario_param & ~P_KNOWN) ? M2M_ERR_FORMAT : M2M_OK;
}

/* One-byte CRT field into dst. */
static m2m_err crt_byte(const m2m_tlv *t, uint8_t *dst)
{
	if (t->len != 1)
		return M2M_ERR_FORMAT;
	*dst = t->value[0];
	return M2M_OK;
}

static m2m_err crt_field(const m2m_tlv *t, m2m_keyest_crt *crt)
{
	switch (t->tag) {
	case TAG_SCENARIO:
		return crt_scenario(t, crt);
	case TAG_USAGE:
		return crt_byte(t, &crt->key_usage);
	case TAG_KEY_TYPE:
		return crt_byte(t, &crt->key_type);
	case TAG_KEY_LEN:
		return crt_byte(t, &crt->key_len);
	case TAG_KEY_ID:
		return crt_byte(t, &crt->key_id);
	case TAG_KVN:
		return crt_byte(t, &crt->kvn);
	case TAG_COUNTER:
		if (t->len > M2M_KEYEST_CTR_MAX)
			return M2M_ERR_FORMAT;
		memcpy(crt->counter, t->value, t->len);
		crt->counter_len = t->len;
		crt->has_counter = true;
		return M2M_OK;
	default:
		return M2M_ERR_FORMAT;
	}
}

m2m_err m2m_keyest_crt_parse(const uint8_t *value, size_t len, m2m_keyest_crt *crt)
{
	static const uint32_t order[] = {TAG_SCENARIO, TAG_USAGE, TAG_KEY_TYPE, TAG_KEY_LEN,
					 TAG_KEY_ID, TAG_KVN, TAG_COUNTER};
	const size_t n_order = sizeof order / sizeof order[0];
	m2m_tlv_iter it;
	m2m_tlv t;
	size_t idx = 0;
	m2m_err err;

	if (crt == NULL || (value == NULL && len > 0))
		return M2M_ERR_ARG;
	memset(crt, 0, sizeof *crt);
	m2m_tlv_iter_init(&it, value, len, M2M_TLV_BER);
	while ((err = m2m_tlv_next(&it, &t)) == M2M_OK) {
		if (idx >= n_order || t.tag != order[idx] || t.indefinite)
			return M2M_ERR_FORMAT;
		err = crt_field(&t, crt);
		if (err != M2M_OK)
			return err;
		idx++;
	}
	if (err != M2M_END)
		return err;
	if (idx < n_order - 1) /* only 91 may be missing */
		return M2M_ERR_FORMAT;
	if (crt->key_type != M2M_KEYEST_TYPE_AES || !key_len_ok(crt->key_len))
		return M2M_ERR_UNSUPPORTED;
	return M2M_OK;
}

/* ---- shared: key derivation and receipt ---- */

/* X9.63 output = receipt key || keys; receipt = CMAC over the CRT [|| 85 L DR]. */
static m2m_err derive(const uint8_t shs[M2M_EC_FIELD_SIZE], const m2m_keyest_crt *crt,
		      size_t nkeys, const uint8_t *dr, size_t dr_len, const uint8_t *a6,
		      size_t a6_len, m2m_keyest_keys *k)
{
	uint8_t si[3 + M2M_KEYEST_DR_MAX];
	uint8_t kd[(1 + M2M_KEYEST_KEYS_MAX) * M2M_KEYEST_KEY_MAX];
	const uint8_t dr_hdr[2] = {TAG_RC_DR, (uint8_t)dr_len};
	size_t kl = crt->key_len;
	m2m_cmac *mac = NULL;
	m2m_err err = M2M_ERR_ARG;

	if (nkeys < 1 || nkeys > M2M_KEYEST_KEYS_MAX || dr_len > M2M_KEYEST_DR_MAX ||
	    !key_len_ok(kl))
		goto out;
	si[0] = crt->key_usage;
	si[1] = crt->key_type;
	si[2] = crt->key_len;
	if (dr_len > 0)
		memcpy(si + 3, dr, dr_len);
	err = m2m_kdf_x963_sha256(shs, M2M_EC_FIELD_SIZE, si, 3 + dr_len, kd, (1 + nkeys) * kl);
	if (err == M2M_OK)
		err = m2m_cmac_new(&mac, kd, kl);
	if (err == M2M_OK)
		err = m2m_cmac_update(mac, a6, a6_len);
	if (err == M2M_OK && dr_len > 0)
		err = m2m_cmac_update(mac, dr_hdr, sizeof dr_hdr);
	if (err == M2M_OK && dr_len > 0)
		err = m2m_cmac_update(mac, dr, dr_len);
	if (err == M2M_OK)
		err = m2m_cmac_final(mac, k->receipt);
	if (err != M2M_OK)
		goto out;
	for (size_t i = 0; i < nkeys; i++)
		memcpy(k->key[i], kd + kl * (i + 1), kl);
	k->nkeys = nkeys;
	k->key_len = kl;
	k->key_id = crt->key_id;
	k->kvn = crt->kvn;
	k->key_type = crt->key_type;
	k->key_usage = crt->key_usage;
	if (dr_len > 0)
		memcpy(k->dr, dr, dr_len);
	k->dr_len = dr_len;
out:
	m2m_cmac_free(mac);
	m2m_wipe(kd, sizeof kd);
	return err;
}

/* 00 85 L RC: the literal two-byte tag both njiwa and whty sign, accepted by a real card. */
static m2m_err signed_data(const uint8_t *part, size_t part_len, const uint8_t rc[16],
			   m2m_buf *out)
{
	const uint8_t hdr[3] = {0x00, TAG_RC_DR, M2M_KEYEST_RC_SIZE};
	m2m_err err = m2m_buf_append(out, part, part_len);

	if (err == M2M_OK)
		err = m2m_buf_append(out, hdr, sizeof hdr);
	if (err == M2M_OK)
		err = m2m_buf_append(out, rc, M2M_KEYEST_RC_SIZE);
	return err;
}

static m2m_err store_data_apdu(uint8_t p1, uint8_t p2, const uint8_t *data, size_t n,
			       m2m_buf *out)
{
	const uint8_t hdr[4] = {0x80, INS_STORE_DATA, p1, p2};
	m2m_err err;

	if (n == 0 || n > 0xFFFF)
		return M2M_ERR_ARG;
	err = m2m_buf_append(out, hdr, sizeof hdr);
	if (err == M2M_OK && n <= 0xFF) {
		err = m2m_buf_append_u8(out, (uint8_t)n);
	} else if (err == M2M_OK) {
		err = m2m_buf_append_u8(out, 0x00); /* extended Lc */
		if (err == M2M_OK)
			err = m2m_buf_append_u16be(out, (uint16_t)n);
	}
	if (err == M2M_OK)
		err = m2m_buf_append(out, data, n);
	return err;
}

/* STORE DATA in DGI format (P1 b4): 3A01/3A02 are DGIs, a 2-byte tag and a length of one
 * byte (00-FE) or FF + 2 bytes; whty's 3A01 A9 {7F21 81A5 ...} only parses this way. */
static m2m_err put_dgi(m2m_buf *out, uint16_t tag, const uint8_t *v, size_t len)
{
	m2m_err err;

	if (len > 0xFFFF)
		return M2M_ERR_ARG;
	err = m2m_buf_append_u16be(out, tag);
	if (err == M2M_OK && len < 0xFF) {
		err = m2m_buf_append_u8(out, (uint8_t)len);
	} else if (err == M2M_OK) {
		err = m2m_buf_append_u8(out, 0xFF);
		if (err == M2M_OK)
			err = m2m_buf_append_u16be(out, (uint16_t)len);
	}
	if (err == M2M_OK)
		err = m2m_buf_append(out, v, len);
	return err;
}

/* Reads one DGI; the 3-byte length form is accepted only for lengths over FE. */
static m2m_err read_dgi(m2m_rd *r, uint16_t *tag, const uint8_t **v, size_t *len)
{
	uint8_t l8 = 0;
	uint16_t l16 = 0;
	m2m_err err = m2m_rd_u16be(r, tag);

	if (err == M2M_OK)
		err = m2m_rd_u8(r, &l8);
	if (err == M2M_OK && l8 == 0xFF) {
		err = m2m_rd_u16be(r, &l16);
		if (err == M2M_OK && l16 < 0xFF)
			return M2M_ERR_FORMAT;
	} else {
		l16 = l8;
	}
	if (err == M2M_OK)
		err = m2m_rd_take(r, l16, v);
	*len = l16;
	return err == M2M_ERR_BOUNDS ? M2M_ERR_TLV_TRUNCATED : err;
}

/* ---- off-card entity ---- */

m2m_err m2m_keyest_host_init(m2m_keyest_host *h, const m2m_keyest_params *p)
{
	if (h == NULL || p == NULL)
		return M2M_ERR_ARG;
	memset(h, 0, sizeof *h);
	if (!crt_ok(&p->crt) || p->nkeys < 1 || p->nkeys > M2M_KEYEST_KEYS_MAX ||
	    (p->epk_form != M2M_GP_PUBKEY_RAW && p->epk_form != M2M_GP_PUBKEY_WRAPPED))
		return M2M_ERR_ARG;
	h->p = *p;
	h->state = M2M_KEYEST_HOST_START;
	return M2M_OK;
}

void m2m_keyest_host_wipe(m2m_keyest_host *h)
{
	if (h == NULL)
		return;
	m2m_ec_free(h->esk);
	m2m_wipe(h, sizeof *h);
}

m2m_err m2m_keyest_sd1_data(const uint8_t *cert, size_t n, m2m_buf *out)
{
	m2m_tlv t;

	if (cert == NULL || out == NULL)
		return M2M_ERR_ARG;
	if (m2m_tlv_decode_one(cert, n, M2M_TLV_BER, &t, NULL) != M2M_OK ||
	    t.tag != M2M_GPCERT_TAG)
		return M2M_ERR_ARG;
	return put_dgi(out, TAG_SD1, cert, n);
}

m2m_err m2m_keyest_sd1_apdu(const uint8_t *cert, size_t n, m2m_buf *out)
{
	m2m_buf data;
	m2m_err err;

	if (out == NULL)
		return M2M_ERR_ARG;
	m2m_buf_init(&data);
	err = m2m_keyest_sd1_data(cert, n, &data);
	if (err == M2M_OK)
		err = store_data_apdu(SD1_P1, 0x00, data.data, data.len, out);
	m2m_buf_free(&data);
	return err;
}

m2m_err m2m_keyest_host_rc(m2m_keyest_host *h, const uint8_t *resp, size_t n)
{
	m2m_tlv t;
	m2m_err err;

	if (h == NULL || (resp == NULL && n > 0))
		return M2M_ERR_ARG;
	if (h->state != M2M_KEYEST_HOST_START)
		return M2M_ERR_STATE;
	err = m2m_tlv_decode_one(resp, n, M2M_TLV_BER, &t, NULL);
	if (err == M2M_OK && (t.tag != TAG_RC_DR || t.len != M2M_KEYEST_RC_SIZE))
		err = M2M_ERR_FORMAT;
	if (err != M2M_OK) {
		h->state = M2M_KEYEST_HOST_FAILED;
		return err;
	}
	memcpy(h->rc, t.value, M2M_KEYEST_RC_SIZE);
	h->state = M2M_KEYEST_HOST_RC;
	return M2M_OK;
}

/* 3A02 { A6 } 7F49 ePK, and keeps the A6 bytes for the receipt. */
static m2m_err put_sd2_signed(m2m_keyest_host *h, m2m_buf *out)
{
	uint8_t a6mem[sizeof h->a6];
	m2m_buf a6;
	m2m_err err;

	m2m_buf_init_fixed(&a6, a6mem, sizeof a6mem);
	err = m2m_keyest_crt_encode(&h->p.crt, &a6);
	if (err == M2M_OK)
		err = put_dgi(out, TAG_SD2, a6.data, a6.len);
	if (err == M2M_OK)
		err = m2m_gp_pubkey_encode(h->esk, h->p.epk_form, out);
	if (err == M2M_OK) {
		memcpy(h->a6, a6.data, a6.len);
		h->a6_len = a6.len;
	}
	return err;
}

m2m_err m2m_keyest_host_sd2_data(m2m_keyest_host *h, const m2m_eckey *sk,
				 const m2m_eckey *pk_ecasd, m2m_buf *out)
{
	uint8_t sig[M2M_EC_SIG_SIZE];
	m2m_buf tbs;
	size_t start = out != NULL ? out->len : 0;
	m2m_err err;

	if (h == NULL || sk == NULL || pk_ecasd == NULL || out == NULL ||
	    !m2m_ec_has_private(sk))
		return M2M_ERR_ARG;
	if (h->state != M2M_KEYEST_HOST_RC)
		return M2M_ERR_STATE;
	m2m_buf_init(&tbs);
	err = m2m_ec_generate(m2m_ec_curve(pk_ecasd), &h->esk);
	if (err == M2M_OK)
		err = m2m_ecdh(h->esk, pk_ecasd, h->shs);
	if (err == M2M_OK)
		err = put_sd2_signed(h, out);
	if (err == M2M_OK)
		err = signed_data(out->data + start, out->len - start, h->rc, &tbs);
	if (err == M2M_OK)
		err = m2m_ecdsa_sign(sk, tbs.data, tbs.len, sig);
	if (err == M2M_OK)
		err = m2m_tlv_put(out, TAG_SIG, sig, sizeof sig);
	if (err != M2M_OK) {
		out->len = start;
		m2m_ec_free(h->esk);
		h->esk = NULL;
		m2m_wipe(h->shs, sizeof h->shs);
		h->state = M2M_KEYEST_HOST_FAILED;
		goto out;
	}
	h->state = M2M_KEYEST_HOST_SENT;
out:
	m2m_buf_free(&tbs);
	return err;
}

m2m_err m2m_keyest_host_sd2_apdu(m2m_keyest_host *h, const m2m_eckey *sk,
				 const m2m_eckey *pk_ecasd, m2m_buf *out)
{
	m2m_buf data;
	m2m_err err;

	if (out == NULL)
		return M2M_ERR_ARG;
	m2m_buf_init(&data);
	err = m2m_keyest_host_sd2_data(h, sk, pk_ecasd, &data);
	if (err == M2M_OK)
		err = store_data_apdu(SD2_P1, SD2_P2, data.data, data.len, out);
	m2m_buf_free(&data);
	return err;
}

/* [85 L DR] 86 10 receipt; DR present exactly when requested, of the curve's length. */
static m2m_err parse_receipt(const uint8_t *resp, size_t n, size_t dr_want, m2m_tlv *dr,
			     m2m_tlv *rcpt)
{
	m2m_tlv_iter it;
	m2m_tlv extra;
	m2m_err err;

	m2m_tlv_iter_init(&it, resp, n, M2M_TLV_BER);
	if (dr_want > 0) {
		err = m2m_tlv_next(&it, dr);
		if (err != M2M_OK)
			return err == M2M_END ? M2M_ERR_FORMAT : err;
		if (dr->tag != TAG_RC_DR || dr->len != dr_want)
			return M2M_ERR_FORMAT;
	}
	err = m2m_tlv_next(&it, rcpt);
	if (err != M2M_OK)
		return err == M2M_END ? M2M_ERR_FORMAT : err;
	if (rcpt->tag != TAG_RECEIPT || rcpt->len != M2M_KEYEST_RECEIPT_SIZE)
		return M2M_ERR_FORMAT;
	err = m2m_tlv_next(&it, &extra);
	return err == M2M_END ? M2M_OK : err == M2M_OK ? M2M_ERR_FORMAT : err;
}

m2m_err m2m_keyest_host_finish(m2m_keyest_host *h, const uint8_t *resp, size_t n,
			       m2m_keyest_keys *keys)
{
	m2m_keyest_keys k;
	m2m_tlv dr = {0}, rcpt;
	size_t dr_want;
	m2m_err err = M2M_ERR_ARG;

	memset(&k, 0, sizeof k);
	if (h == NULL || keys == NULL || (resp == NULL && n > 0))
		return M2M_ERR_ARG;
	if (h->state != M2M_KEYEST_HOST_SENT)
		return M2M_ERR_STATE;
	dr_want = (h->p.crt.scenario_param & M2M_KEYEST_P_DR) ?
		  m2m_keyest_dr_len(m2m_ec_curve(h->esk)) : 0;
	err = parse_receipt(resp, n, dr_want, &dr, &rcpt);
	if (err == M2M_OK)
		err = derive(h->shs, &h->p.crt, h->p.nkeys, dr.value, dr_want, h->a6, h->a6_len,
			     &k);
	if (err == M2M_OK && !m2m_ct_equal(k.receipt, rcpt.value, M2M_KEYEST_RECEIPT_SIZE))
		err = M2M_ERR_VERIFY;
	if (err == M2M_OK)
		*keys = k;
	m2m_keyest_keys_wipe(&k);
	m2m_ec_free(h->esk);
	h->esk = NULL;
	m2m_wipe(h->shs, sizeof h->shs);
	h->state = err == M2M_OK ? M2M_KEYEST_HOST_DONE : M2M_KEYEST_HOST_FAILED;
	return err;
}

/* ---- card ---- */

static uint16_t sw_for(m2m_err err)
{
	switch (err) {
	case M2M_OK:
		return SW_OK;
	case M2M_ERR_VERIFY:
		return SW_SECURITY;
	case M2M_ERR_STATE:
		return SW_CONDITIONS;
	case M2M_ERR_FORMAT:
	case M2M_ERR_UNSUPPORTED:
	case M2M_ERR_TLV_TRUNCATED:
	case M2M_ERR_TLV_TAG:
	case M2M_ERR_TLV_LENGTH:
	case M2M_ERR_TLV_OVERRUN:
	case M2M_ERR_TLV_INDEF:
	case M2M_ERR_TLV_TRAILING:
	case M2M_ERR_TLV_DEPTH:
	case M2M_ERR_TLV_NOT_FOUND:
		return SW_WRONG_DATA;
	default:
		return SW_UNKNOWN;
	}
}

m2m_err m2m_keyest_card_init(m2m_keyest_card *c, const m2m_eckey *pk_ci,
			     const m2m_eckey *sk_ecasd, uint8_t cert_type, size_t nkeys)
{
	if (c == NULL)
		return M2M_ERR_ARG;
	memset(c, 0, sizeof *c);
	if (pk_ci == NULL || sk_ecasd == NULL || !m2m_ec_has_private(sk_ecasd) || nkeys < 1 ||
	    nkeys > M2M_KEYEST_KEYS_MAX)
		return M2M_ERR_ARG;
	c->pk_ci = pk_ci;
	c->sk_ecasd = sk_ecasd;
	c->cert_type = cert_type;
	c->nkeys = nkeys;
	return M2M_OK;
}

/* Drops the pending challenge and the off-card key. */
static void card_reset(m2m_keyest_card *c)
{
	m2m_ec_free(c->pk_off);
	c->pk_off = NULL;
	m2m_wipe(c->rc, sizeof c->rc);
	c->rc_pending = false;
}

void m2m_keyest_card_wipe(m2m_keyest_card *c)
{
	if (c == NULL)
		return;
	card_reset(c);
	m2m_wipe(c, sizeof *c);
}

/* DGI 3A01 { 7F21 ... } with nothing else: *cert gets the 7F21 TLV. */
static m2m_err sd1_cert(const uint8_t *data, size_t n, const uint8_t **cert, size_t *cert_len)
{
	m2m_rd r;
	m2m_tlv t;
	uint16_t tag = 0;
	m2m_err err;

	m2m_rd_init(&r, data, n);
	err = read_dgi(&r, &tag, cert, cert_len);
	if (err != M2M_OK)
		return err;
	if (tag != TAG_SD1 || m2m_rd_left(&r) != 0)
		return M2M_ERR_FORMAT;
	err = m2m_tlv_decode_one(*cert, *cert_len, M2M_TLV_BER, &t, NULL);
	if (err == M2M_OK && (t.tag != M2M_GPCERT_TAG || t.indefinite))
		err = M2M_ERR_FORMAT;
	return err;
}

m2m_err m2m_keyest_card_sd1(m2m_keyest_card *c, const uint8_t *data, size_t n, m2m_buf *resp,
			    uint16_t *sw)
{
	const uint8_t *cert = NULL;
	size_t cert_len = 0;
	m2m_gpcert gc;
	m2m_err err = M2M_ERR_ARG;

	if (c == NULL || resp == NULL || (data == NULL && n > 0) || c->pk_ci == NULL)
		goto out;
	card_reset(c);
	err = sd1_cert(data, n, &cert, &cert_len);
	if (err == M2M_OK)
		err = m2m_gpcert_verify(cert, cert_len, c->pk_ci, &gc, NULL);
	/* The certificate must be one the receiving domain accepts (SM-DP vs SM-SR). */
	if (err == M2M_OK && (!gc.has_type || gc.type != c->cert_type))
		err = M2M_ERR_STATE;
	if (err == M2M_OK)
		err = m2m_gpcert_public_key(&gc, &c->pk_off);
	if (err == M2M_OK)
		err = m2m_random(c->rc, sizeof c->rc);
	if (err == M2M_OK)
		err = m2m_tlv_put(resp, TAG_RC_DR, c->rc, sizeof c->rc);
	if (err == M2M_OK)
		c->rc_pending = true;
	else
		card_reset(c);
out:
	if (sw != NULL)
		*sw = sw_for(err);
	return err;
}

/* DGI 3A02 holding exactly one A6 TLV. */
static m2m_err sd2_crt(m2m_rd *r, m2m_keyest_sd2_msg *m)
{
	const uint8_t *v = NULL;
	size_t len = 0;
	uint16_t tag = 0;
	m2m_tlv a6;
	m2m_err err = read_dgi(r, &tag, &v, &len);

	if (err != M2M_OK)
		return err;
	if (tag != TAG_SD2)
		return M2M_ERR_FORMAT;
	err = m2m_tlv_decode_one(v, len, M2M_TLV_BER, &a6, NULL);
	if (err != M2M_OK)
		return err;
	if (a6.tag != TAG_CRT || a6.indefinite)
		return M2M_ERR_FORMAT;
	m->a6 = v;
	m->a6_len = len;
	return m2m_keyest_crt_parse(a6.value, a6.len, &m->crt);
}

/* 7F49 then 5F37 (BER-TLVs after the DGI), nothing after. */
static m2m_err sd2_epk_sig(const uint8_t *data, size_t off, size_t n, m2m_keyest_sd2_msg *m)
{
	m2m_tlv_iter it;
	m2m_tlv t;
	m2m_err err;

	m2m_tlv_iter_init(&it, data + off, n - off, M2M_TLV_BER);
	err = m2m_tlv_next(&it, &t);
	if (err == M2M_OK && (t.tag != M2M_GP_PUBKEY_TAG || t.indefinite))
		err = M2M_ERR_FORMAT;
	if (err == M2M_OK) {
		m->epk = t.value;
		m->epk_len = t.len;
		m->signed_part = data;
		m->signed_len = (size_t)(t.value + t.len - data);
		err = m2m_tlv_next(&it, &t);
	}
	if (err == M2M_OK && (t.tag != TAG_SIG || t.len != M2M_EC_SIG_SIZE))
		err = M2M_ERR_FORMAT;
	if (err == M2M_OK) {
		m->sig = t.value;
		err = m2m_tlv_next(&it, &t);
		if (err == M2M_END)
			return M2M_OK;
		return err == M2M_OK ? M2M_ERR_FORMAT : err;
	}
	return err == M2M_END ? M2M_ERR_FORMAT : err; /* a part is missing */
}

m2m_err m2m_keyest_sd2_parse(const uint8_t *data, size_t n, m2m_keyest_sd2_msg *m)
{
	m2m_rd r;
	m2m_err err;

	if (m == NULL || (data == NULL && n > 0))
		return M2M_ERR_ARG;
	memset(m, 0, sizeof *m);
	m2m_rd_init(&r, data, n);
	err = sd2_crt(&r, m);
	if (err == M2M_OK)
		err = sd2_epk_sig(data, r.pos, n, m);
	if (err != M2M_OK)
		memset(m, 0, sizeof *m);
	return err;
}

/* Checks the off-card signature over 3A02 || 7F49 || 00 85 L RC. */
static m2m_err card_check_sig(const m2m_keyest_card *c, const m2m_keyest_sd2_msg *m)
{
	m2m_buf tbs;
	m2m_err err;

	m2m_buf_init(&tbs);
	err = signed_data(m->signed_part, m->signed_len, c->rc, &tbs);
	if (err == M2M_OK)
		err = m2m_ecdsa_verify(c->pk_off, tbs.data, tbs.len, m->sig, M2M_EC_SIG_SIZE);
	m2m_buf_free(&tbs);
	return err;
}

static m2m_err put_card_receipt(const m2m_keyest_keys *k, m2m_buf *resp)
{
	m2m_err err = M2M_OK;

	if (k->dr_len > 0)
		err = m2m_tlv_put(resp, TAG_RC_DR, k->dr, k->dr_len);
	if (err == M2M_OK)
		err = m2m_tlv_put(resp, TAG_RECEIPT, k->receipt, sizeof k->receipt);
	return err;
}

m2m_err m2m_keyest_card_sd2(m2m_keyest_card *c, const uint8_t *data, size_t n, m2m_buf *resp,
			    m2m_keyest_keys *keys, uint16_t *sw)
{
	m2m_keyest_sd2_msg m;
	m2m_keyest_keys k;
	m2m_eckey *epk = NULL;
	uint8_t shs[M2M_EC_FIELD_SIZE];
	uint8_t dr[M2M_KEYEST_DR_MAX];
	size_t dr_len = 0;
	m2m_curve curve;
	m2m_err err = M2M_ERR_ARG;

	memset(&k, 0, sizeof k);
	if (c == NULL || resp == NULL || keys == NULL || (data == NULL && n > 0) ||
	    c->sk_ecasd == NULL)
		goto out;
	err = M2M_ERR_STATE;
	if (!c->rc_pending || c->pk_off == NULL)
		goto out;
	curve = m2m_ec_curve(c->sk_ecasd);
	err = m2m_keyest_sd2_parse(data, n, &m);
	if (err == M2M_OK)
		err = card_check_sig(c, &m);
	/* The raw form carries no curve: it is the ECASD's; a wrapped one must agree. */
	if (err == M2M_OK)
		err = m2m_gp_pubkey_decode(m.epk, m.epk_len, &curve, &epk, NULL);
	if (err == M2M_OK)
		err = m2m_ecdh(c->sk_ecasd, epk, shs);
	if (err == M2M_OK && (m.crt.scenario_param & M2M_KEYEST_P_DR)) {
		dr_len = m2m_keyest_dr_len(curve);
		err = m2m_random(dr, dr_len);
	}
	if (err == M2M_OK)
		err = derive(shs, &m.crt, c->nkeys, dr, dr_len, m.a6, m.a6_len, &k);
	if (err == M2M_OK)
		err = put_card_receipt(&k, resp);
	if (err == M2M_OK)
		*keys = k;
out:
	if (c != NULL)
		card_reset(c);
	m2m_ec_free(epk);
	m2m_wipe(shs, sizeof shs);
	m2m_keyest_keys_wipe(&k);
	if (sw != NULL)
		*sw = sw_for(err);
	return err;
}
