/* SCP03t (SGP.02 4.1.3.3): SM-DP and ISD-P sides of the 84/85/86 TLV channel. */
#include "card/scp03t.h"

#include <string.h>

#include "core/tlv.h"
#include "crypto/hash.h"

#define IU_CMD_LEN 10  /* KVN, KeyID, host challenge */
#define EA_CMD_LEN 17  /* level, host cryptogram, C-MAC */
#define TLV_HDR_MAX 8

/* ---- SM-DP side ---- */

m2m_err m2m_scp03t_host_init(m2m_scp03t_host *h, const m2m_scp03_keys *k, uint8_t key_id,
			     const uint8_t host_chal[8])
{
	if (h == NULL || k == NULL || host_chal == NULL)
		return M2M_ERR_ARG;
	m2m_wipe(h, sizeof *h);
	m2m_err err = m2m_scp03_keys_set(&h->keys, k->enc, k->mac, k->key_len, k->kvn);
	if (err != M2M_OK)
		return err;
	h->key_id = key_id;
	memcpy(h->host_challenge, host_chal, M2M_SCP03_CHALLENGE);
	return M2M_OK;
}

void m2m_scp03t_host_wipe(m2m_scp03t_host *h)
{
	if (h != NULL)
		m2m_wipe(h, sizeof *h);
}

m2m_err m2m_scp03t_host_iu(const m2m_scp03t_host *h, m2m_buf *out)
{
	if (h == NULL || out == NULL)
		return M2M_ERR_ARG;
	uint8_t v[IU_CMD_LEN];
	v[0] = h->keys.kvn;
	v[1] = h->key_id;
	memcpy(v + 2, h->host_challenge, M2M_SCP03_CHALLENGE);
	return m2m_tlv_put(out, M2M_SCP03T_TAG_IU, v, sizeof v);
}

m2m_err m2m_scp03t_host_auth(m2m_scp03t_host *h, const uint8_t *iu_value, size_t n,
			     m2m_buf *out)
{
	if (h == NULL || out == NULL || (iu_value == NULL && n > 0))
		return M2M_ERR_ARG;
	if (h->authenticated)
		return M2M_ERR_STATE;
	m2m_scp03_iu_resp r;
	uint8_t hdr[3] = {M2M_SCP03T_TAG_EA, EA_CMD_LEN, M2M_SCP03T_LEVEL};
	m2m_err err = m2m_scp03_iu_resp_parse(iu_value, n, &r);
	if (err == M2M_OK && r.kvn != h->keys.kvn)
		err = M2M_ERR_VERIFY; /* the card used another key set */
	if (err == M2M_OK)
		err = m2m_scp03_host_open(&h->sc, &h->keys, h->host_challenge, &r);
	/* The MCV starts at zero and this C-MAC chains into the first 86 (docs/scp03t.md). */
	if (err == M2M_OK)
		err = m2m_scp03_ext_auth_build(&h->sc, hdr, sizeof hdr, M2M_SCP03T_LEVEL, out);
	if (err == M2M_OK) {
		h->authenticated = true;
	} else {
		m2m_scp03_wipe(&h->sc);
	}
	return err;
}

/* Tag and minimal length bytes of a TLV whose value is len bytes. */
static m2m_err tlv_header(uint32_t tag, size_t len, uint8_t hdr[TLV_HDR_MAX], size_t *hdr_len)
{
	m2m_buf b;
	m2m_buf_init_fixed(&b, hdr, TLV_HDR_MAX);
	m2m_err err = m2m_tlv_put_tag(&b, tag);
	if (err == M2M_OK)
		err = m2m_tlv_put_len(&b, len);
	*hdr_len = b.len;
	return err;
}

m2m_err m2m_scp03t_host_segment(m2m_scp03t_host *h, const uint8_t *chunk, size_t n,
				m2m_buf *out)
{
	if (h == NULL || out == NULL || (chunk == NULL && n > 0))
		return M2M_ERR_ARG;
	if (!h->authenticated)
		return M2M_ERR_STATE;
	if (n > M2M_SCP03T_SEGMENT_MAX)
		return M2M_ERR_BOUNDS;
	m2m_buf ct;
	m2m_buf_init(&ct);
	uint8_t hdr[TLV_HDR_MAX], mac[8];
	size_t hdr_len = 0;
	m2m_err err = m2m_scp03_counter_next(&h->sc);
	if (err == M2M_OK)
		err = m2m_scp03_cmd_encrypt(&h->sc, chunk, n, &ct);
	if (err == M2M_OK)
		err = tlv_header(M2M_SCP03T_TAG_DATA, ct.len + M2M_SCP03_MAC, hdr, &hdr_len);
	/* The C-MAC covers the TLV header as sent, with the MAC counted in the length. */
	if (err == M2M_OK)
		err = m2m_scp03_cmac(&h->sc, hdr, hdr_len, ct.data, ct.len, mac);
	if (err == M2M_OK)
		err = m2m_buf_append(out, hdr, hdr_len);
	if (err == M2M_OK)
		err = m2m_buf_append(out, ct.data, ct.len);
	if (err == M2M_OK)
		err = m2m_buf_append(out, mac, sizeof mac);
	m2m_buf_free(&ct);
	return err;
}

m2m_err m2m_scp03t_host_response(m2m_scp03t_host *h, const uint8_t *tlv, size_t n,
				 m2m_buf *plain)
{
	if (h == NULL || plain == NULL || tlv == NULL)
		return M2M_ERR_ARG;
	m2m_tlv t;
	uint8_t mac[8];
	m2m_err err = m2m_tlv_decode_one(tlv, n, M2M_TLV_DER, &t, NULL);
	if (err != M2M_OK)
		return err;
	switch (t.tag) {
	case M2M_SCP03T_TAG_ERR_IU:
	case M2M_SCP03T_TAG_ERR_EA:
	case M2M_SCP03T_TAG_ERR_DATA:
		return M2M_ERR_VERIFY;
	case M2M_SCP03T_TAG_EA:
	case M2M_SCP03T_TAG_DATA:
		break;
	default:
		return M2M_ERR_FORMAT;
	}
	if (t.len == 0)
		return M2M_OK;
	if (t.tag != M2M_SCP03T_TAG_DATA || t.len < M2M_SCP03_MAC + 16 || !h->authenticated)
		return M2M_ERR_FORMAT;
	size_t ct_len = t.len - M2M_SCP03_MAC;
	err = m2m_scp03_rmac(&h->sc, tlv, t.hdr_len, t.value, ct_len, mac);
	if (err == M2M_OK && !m2m_ct_equal(mac, t.value + ct_len, M2M_SCP03_MAC))
		err = M2M_ERR_VERIFY;
	if (err == M2M_OK)
		err = m2m_scp03_resp_decrypt(&h->sc, t.value, ct_len, plain);
	return err;
}

/* ---- card side ---- */

m2m_err m2m_scp03t_card_init(m2m_scp03t_card *c, const m2m_scp03_keys *k, const uint8_t *aid,
			     size_t aid_len, const uint8_t seq[3], const uint8_t *key_div,
			     bool any_kvn)
{
	if (c == NULL || k == NULL || seq == NULL || aid_len > M2M_SCP03_AID_MAX ||
	    (aid == NULL && aid_len > 0))
		return M2M_ERR_ARG;
	m2m_wipe(c, sizeof *c);
	m2m_err err = m2m_scp03_keys_set(&c->keys, k->enc, k->mac, k->key_len, k->kvn);
	if (err != M2M_OK)
		return err;
	if (aid_len > 0)
		memcpy(c->aid, aid, aid_len);
	c->aid_len = aid_len;
	if (key_div != NULL)
		memcpy(c->key_div, key_div, M2M_SCP03_KEY_DIV);
	c->seq = (uint32_t)seq[0] << 16 | (uint32_t)seq[1] << 8 | seq[2];
	c->any_kvn = any_kvn;
	c->state = M2M_SCP03T_IDLE;
	return M2M_OK;
}

void m2m_scp03t_card_wipe(m2m_scp03t_card *c)
{
	if (c != NULL)
		m2m_wipe(c, sizeof *c);
}

static void card_close(m2m_scp03t_card *c)
{
	m2m_scp03_wipe(&c->sc);
	c->state = M2M_SCP03T_IDLE;
	c->segments = 0;
}

static uint8_t error_code(m2m_err err)
{
	switch (err) {
	case M2M_ERR_VERIFY:
		return M2M_SCP03T_CODE_VERIFY;
	case M2M_ERR_UNSUPPORTED:
		return M2M_SCP03T_CODE_NO_KEY;
	default:
		return M2M_SCP03T_CODE_FORMAT;
	}
}

/* 84: KVN KeyID host_challenge -> 84 20 key_div KVN 03 70 challenge cryptogram seq. */
static m2m_err card_iu(m2m_scp03t_card *c, const m2m_tlv *t, m2m_buf *resp)
{
	if (t->len != IU_CMD_LEN)
		return M2M_ERR_FORMAT;
	uint8_t kvn = t->value[0], key_id = t->value[1];
	/* KVN 00 means "any key set" (GP 11.5.2); KeyID 00 or the first key's ID 01. */
	if ((!c->any_kvn && kvn != 0x00 && kvn != c->keys.kvn) || key_id > 0x01)
		return M2M_ERR_UNSUPPORTED;
	if (c->seq > 0xFFFFFF)
		return M2M_ERR_STATE; /* counter exhausted: the key set is unusable */
	m2m_scp03_iu_resp r;
	memset(&r, 0, sizeof r);
	memcpy(r.key_div, c->key_div, sizeof r.key_div);
	r.kvn = (c->any_kvn && kvn != 0x00) ? kvn : c->keys.kvn;
	r.scp_id = 0x03;
	r.i = M2M_SCP03T_I;
	r.seq[0] = (uint8_t)(c->seq >> 16);
	r.seq[1] = (uint8_t)(c->seq >> 8);
	r.seq[2] = (uint8_t)c->seq;
	r.has_seq = true;
	size_t mark = 0;
	m2m_err err = m2m_scp03_card_challenge(&c->keys, r.seq, c->aid, c->aid_len,
					       r.card_challenge);
	if (err == M2M_OK)
		err = m2m_scp03_card_open(&c->sc, &c->keys, t->value + 2, &r);
	if (err == M2M_OK)
		err = m2m_tlv_begin(resp, M2M_SCP03T_TAG_IU, &mark);
	if (err == M2M_OK)
		err = m2m_scp03_iu_resp_build(&r, resp);
	if (err == M2M_OK)
		err = m2m_tlv_end(resp, mark);
	if (err == M2M_OK) {
		c->seq++; /* the card counts every INITIALIZE UPDATE */
		c->state = M2M_SCP03T_CHALLENGED;
	}
	return err;
}

/* 85: 33 host_cryptogram C-MAC over (zero MCV || 85 11 33 host_cryptogram). */
static m2m_err card_ea(m2m_scp03t_card *c, const uint8_t *cmd, const m2m_tlv *t,
		       m2m_buf *resp)
{
	if (c->state != M2M_SCP03T_CHALLENGED)
		return M2M_ERR_STATE;
	if (t->len != EA_CMD_LEN || t->value[0] != M2M_SCP03T_LEVEL)
		return M2M_ERR_FORMAT;
	uint8_t crypto[8];
	m2m_err err = m2m_scp03_cryptogram(&c->sc, M2M_SCP03_DC_HOST_CRYPTOGRAM, crypto);
	if (err == M2M_OK && !m2m_ct_equal(crypto, t->value + 1, 8))
		err = M2M_ERR_VERIFY;
	if (err == M2M_OK)
		err = m2m_scp03_cmac_verify(&c->sc, cmd, t->hdr_len + 9, NULL, 0, t->value + 9);
	if (err == M2M_OK)
		err = m2m_tlv_put(resp, M2M_SCP03T_TAG_EA, NULL, 0);
	if (err == M2M_OK) {
		c->sc.level = M2M_SCP03T_LEVEL;
		c->sc.open = true;
		c->state = M2M_SCP03T_OPEN;
	}
	return err;
}

/* 86: ciphertext C-MAC; MAC over (MCV || 86 len ciphertext), then decryption. */
static m2m_err card_data(m2m_scp03t_card *c, const uint8_t *cmd, const m2m_tlv *t,
			 m2m_buf *resp, m2m_buf *plain)
{
	if (c->state != M2M_SCP03T_OPEN)
		return M2M_ERR_STATE;
	if (t->len < M2M_SCP03_MAC + 16 || (t->len - M2M_SCP03_MAC) % 16 != 0)
		return M2M_ERR_VERIFY;
	size_t ct_len = t->len - M2M_SCP03_MAC, start = plain->len;
	m2m_err err = m2m_scp03_cmac_verify(&c->sc, cmd, t->hdr_len, t->value, ct_len,
					    t->value + ct_len);
	if (err == M2M_OK)
		err = m2m_scp03_counter_next(&c->sc);
	if (err == M2M_OK)
		err = m2m_scp03_cmd_decrypt(&c->sc, t->value, ct_len, plain);
	if (err == M2M_OK)
		err = m2m_tlv_put(resp, M2M_SCP03T_TAG_DATA, NULL, 0);
	if (err == M2M_OK)
		c->segments++;
	else
		plain->len = start;
	return err;
}

static uint32_t error_tag(uint8_t cmd_tag)
{
	return 0x9F00u | (uint32_t)(cmd_tag - 0x40); /* 84 -> 9F44, 85 -> 9F45, 86 -> 9F46 */
}

m2m_err m2m_scp03t_card_process(m2m_scp03t_card *c, const uint8_t *cmd, size_t n,
				m2m_buf *resp, m2m_buf *plain)
{
	if (c == NULL || resp == NULL || plain == NULL || (cmd == NULL && n > 0))
		return M2M_ERR_ARG;
	m2m_tlv t;
	size_t resp_start = resp->len;
	uint8_t tag = n > 0 ? cmd[0] : 0;
	m2m_err err = M2M_ERR_FORMAT;
	if (tag < M2M_SCP03T_TAG_IU || tag > M2M_SCP03T_TAG_DATA)
		goto out; /* not a command of this channel: nothing to answer */
	err = m2m_tlv_decode_one(cmd, n, M2M_TLV_BER, &t, NULL);
	if (err == M2M_OK && (t.tag != tag || t.indefinite))
		err = M2M_ERR_FORMAT;
	if (err == M2M_OK && tag == M2M_SCP03T_TAG_IU)
		err = card_iu(c, &t, resp);
	else if (err == M2M_OK && tag == M2M_SCP03T_TAG_EA)
		err = card_ea(c, cmd, &t, resp);
	else if (err == M2M_OK)
		err = card_data(c, cmd, &t, resp, plain);
	if (err != M2M_OK) {
		resp->len = resp_start;
		if (m2m_tlv_put_u8(resp, error_tag(tag), error_code(err)) != M2M_OK)
			resp->len = resp_start;
	}
out:
	if (err != M2M_OK)
		card_close(c); /* any failed check ends the session */
	return err;
}

m2m_err m2m_scp03t_card_response(m2m_scp03t_card *c, const uint8_t *data, size_t n,
				 m2m_buf *resp)
{
	if (c == NULL || resp == NULL || (data == NULL && n > 0))
		return M2M_ERR_ARG;
	if (c->state != M2M_SCP03T_OPEN || c->segments == 0)
		return M2M_ERR_STATE;
	m2m_buf ct;
	m2m_buf_init(&ct);
	uint8_t hdr[TLV_HDR_MAX], mac[8];
	size_t hdr_len = 0;
	m2m_err err = m2m_scp03_resp_encrypt(&c->sc, data, n, &ct);
	if (err == M2M_OK)
		err = tlv_header(M2M_SCP03T_TAG_DATA, ct.len + M2M_SCP03_MAC, hdr, &hdr_len);
	/* R-MAC over MCV of the last command || 86 len || ciphertext (recorded session). */
	if (err == M2M_OK)
		err = m2m_scp03_rmac(&c->sc, hdr, hdr_len, ct.data, ct.len, mac);
	if (err == M2M_OK)
		err = m2m_buf_append(resp, hdr, hdr_len);
	if (err == M2M_OK)
		err = m2m_buf_append(resp, ct.data, ct.len);
	if (err == M2M_OK)
		err = m2m_buf_append(resp, mac, sizeof mac);
	m2m_buf_free(&ct);
	return err;
}
