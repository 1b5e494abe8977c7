/* GlobalPlatform SCP03 (Amendment D): key derivation, cryptograms, C-MAC/C-DEC/R-MAC/R-ENC
 * and the APDU wrapping of both sides. */
#include "card/scp03.h"

#include <string.h>

#include "crypto/hash.h"
#include "crypto/sym.h"

#define CLA_SM 0x04
#define INS_EXT_AUTH 0x82

void m2m_scp03_wipe(m2m_scp03 *s)
{
	m2m_wipe(s, sizeof *s);
}

void m2m_scp03_keys_wipe(m2m_scp03_keys *k)
{
	m2m_wipe(k, sizeof *k);
}

static bool key_len_ok(size_t n)
{
	return n == 16 || n == 24 || n == 32;
}

m2m_err m2m_scp03_keys_set(m2m_scp03_keys *k, const uint8_t *enc, const uint8_t *mac,
			   size_t key_len, uint8_t kvn)
{
	if (k == NULL || enc == NULL || mac == NULL || !key_len_ok(key_len))
		return M2M_ERR_ARG;
	m2m_scp03_keys_wipe(k);
	memcpy(k->enc, enc, key_len);
	memcpy(k->mac, mac, key_len);
	k->key_len = key_len;
	k->kvn = kvn;
	return M2M_OK;
}

bool m2m_scp03_level_valid(uint8_t level)
{
	switch (level) {
	case 0x00: case 0x01: case 0x03: case 0x11: case 0x13: case 0x33:
		return true;
	default:
		return false;
	}
}

m2m_err m2m_scp03_derive(m2m_scp03 *s, const m2m_scp03_keys *k, const uint8_t host_chal[8],
			 const uint8_t card_chal[8])
{
	if (s == NULL || k == NULL || !key_len_ok(k->key_len))
		return M2M_ERR_ARG;
	m2m_scp03_wipe(s);
	uint8_t ctx[2 * M2M_SCP03_CHALLENGE];
	memcpy(ctx, host_chal, 8);
	memcpy(ctx + 8, card_chal, 8);
	m2m_err err = m2m_kdf_scp03(k->enc, k->key_len, M2M_SCP03_DC_S_ENC, ctx, sizeof ctx,
				    s->s_enc, k->key_len);
	if (err == M2M_OK)
		err = m2m_kdf_scp03(k->mac, k->key_len, M2M_SCP03_DC_S_MAC, ctx, sizeof ctx,
				    s->s_mac, k->key_len);
	if (err == M2M_OK)
		err = m2m_kdf_scp03(k->mac, k->key_len, M2M_SCP03_DC_S_RMAC, ctx, sizeof ctx,
				    s->s_rmac, k->key_len);
	if (err != M2M_OK) {
		m2m_scp03_wipe(s);
		return err;
	}
	s->key_len = k->key_len;
	memcpy(s->host_challenge, host_chal, 8);
	memcpy(s->card_challenge, card_chal, 8);
	s->keys_ready = true;
	return M2M_OK;
}

m2m_err m2m_scp03_cryptogram(const m2m_scp03 *s, uint8_t constant, uint8_t out[8])
{
	if (s == NULL || !s->keys_ready)
		return M2M_ERR_STATE;
	uint8_t ctx[16];
	memcpy(ctx, s->host_challenge, 8);
	memcpy(ctx + 8, s->card_challenge, 8);
	return m2m_kdf_scp03(s->s_mac, s->key_len, constant, ctx, sizeof ctx, out, 8);
}

m2m_err m2m_scp03_card_challenge(const m2m_scp03_keys *k, const uint8_t seq[3],
				 const uint8_t *aid, size_t aid_len, uint8_t out[8])
{
	if (k == NULL || !key_len_ok(k->key_len) || aid_len > M2M_SCP03_AID_MAX ||
	    (aid == NULL && aid_len > 0))
		return M2M_ERR_ARG;
	uint8_t ctx[M2M_SCP03_SEQ + M2M_SCP03_AID_MAX];
	memcpy(ctx, seq, M2M_SCP03_SEQ);
	if (aid_len > 0)
		memcpy(ctx + M2M_SCP03_SEQ, aid, aid_len);
	return m2m_kdf_scp03(k->enc, k->key_len, M2M_SCP03_DC_CARD_CHALLENGE, ctx,
			     M2M_SCP03_SEQ + aid_len, out, 8);
}

m2m_err m2m_scp03_iu_resp_parse(const uint8_t *p, size_t n, m2m_scp03_iu_resp *r)
{
	if (p == NULL || r == NULL)
		return M2M_ERR_ARG;
	if (n != 29 && n != 32)
		return M2M_ERR_FORMAT;
	memset(r, 0, sizeof *r);
	m2m_rd rd;
	m2m_rd_init(&rd, p, n);
	m2m_err err = m2m_rd_copy(&rd, r->key_div, sizeof r->key_div);
	if (err == M2M_OK)
		err = m2m_rd_u8(&rd, &r->kvn);
	if (err == M2M_OK)
		err = m2m_rd_u8(&rd, &r->scp_id);
	if (err == M2M_OK)
		err = m2m_rd_u8(&rd, &r->i);
	if (err == M2M_OK)
		err = m2m_rd_copy(&rd, r->card_challenge, 8);
	if (err == M2M_OK)
		err = m2m_rd_copy(&rd, r->card_cryptogram, 8);
	if (err == M2M_OK && m2m_rd_left(&rd) == M2M_SCP03_SEQ) {
		err = m2m_rd_copy(&rd, r->seq, M2M_SCP03_SEQ);
		r->has_seq = true;
	}
	if (err == M2M_OK && r->scp_id != 0x03)
		err = M2M_ERR_FORMAT;
	return err;
}

m2m_err m2m_scp03_iu_resp_build(const m2m_scp03_iu_resp *r, m2m_buf *out)
{
	if (r == NULL || out == NULL)
		return M2M_ERR_ARG;
	m2m_err err = m2m_buf_append(out, r->key_div, sizeof r->key_div);
	if (err == M2M_OK)
		err = m2m_buf_append_u8(out, r->kvn);
	if (err == M2M_OK)
		err = m2m_buf_append_u8(out, r->scp_id);
	if (err == M2M_OK)
		err = m2m_buf_append_u8(out, r->i);
	if (err == M2M_OK)
		err = m2m_buf_append(out, r->card_challenge, 8);
	if (err == M2M_OK)
		err = m2m_buf_append(out, r->card_cryptogram, 8);
	if (err == M2M_OK && r->has_seq)
		err = m2m_buf_append(out, r->seq, M2M_SCP03_SEQ);
	return err;
}

/* CMAC(key, mcv || a || b), full 16 bytes. */
static m2m_err chained_cmac(const uint8_t *key, size_t key_len, const uint8_t mcv[16],
			    const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
			    uint8_t mac[16])
{
	m2m_cmac *ctx = NULL;
	m2m_err err = m2m_cmac_new(&ctx, key, key_len);
	if (err != M2M_OK)
		goto out;
	err = m2m_cmac_update(ctx, mcv, 16);
	if (err == M2M_OK && a_len > 0)
		err = m2m_cmac_update(ctx, a, a_len);
	if (err == M2M_OK && b_len > 0)
		err = m2m_cmac_update(ctx, b, b_len);
	if (err == M2M_OK)
		err = m2m_cmac_final(ctx, mac);
out:
	m2m_cmac_free(ctx);
	return err;
}

m2m_err m2m_scp03_cmac(m2m_scp03 *s, const uint8_t *a, size_t a_len, const uint8_t *b,
		       size_t b_len, uint8_t mac[8])
{
	if (s == NULL || !s->keys_ready)
		return M2M_ERR_STATE;
	uint8_t full[16];
	m2m_err err = chained_cmac(s->s_mac, s->key_len, s->mcv, a, a_len, b, b_len, full);
	if (err == M2M_OK) {
		memcpy(s->mcv, full, 16);
		memcpy(mac, full, M2M_SCP03_MAC);
	}
	m2m_wipe(full, sizeof full);
	return err;
}

m2m_err m2m_scp03_cmac_verify(m2m_scp03 *s, const uint8_t *a, size_t a_len, const uint8_t *b,
			      size_t b_len, const uint8_t mac[8])
{
	if (s == NULL || !s->keys_ready)
		return M2M_ERR_STATE;
	uint8_t full[16];
	m2m_err err = chained_cmac(s->s_mac, s->key_len, s->mcv, a, a_len, b, b_len, full);
	if (err == M2M_OK && !m2m_ct_equal(full, mac, M2M_SCP03_MAC))
		err = M2M_ERR_VERIFY;
	if (err == M2M_OK)
		memcpy(s->mcv, full, 16);
	m2m_wipe(full, sizeof full);
	return err;
}

m2m_err m2m_scp03_rmac(const m2m_scp03 *s, const uint8_t *a, size_t a_len, const uint8_t *b,
		       size_t b_len, uint8_t mac[8])
{
	if (s == NULL || !s->keys_ready)
		return M2M_ERR_STATE;
	uint8_t full[16];
	m2m_err err = chained_cmac(s->s_rmac, s->key_len, s->mcv, a, a_len, b, b_len, full);
	if (err == M2M_OK)
		memcpy(mac, full, M2M_SCP03_MAC);
	m2m_wipe(full, sizeof full);
	return err;
}

m2m_err m2m_scp03_counter_next(m2m_scp03 *s)
{
	if (s == NULL || !s->keys_ready)
		return M2M_ERR_STATE;
	if (s->counter == UINT32_MAX)
		return M2M_ERR_STATE; /* never reuse an ICV */
	s->counter++;
	return M2M_OK;
}

/* ICV = AES(S-ENC, counter as a 16-byte block), first byte 80 for responses. */
static m2m_err make_icv(const m2m_scp03 *s, bool response, uint8_t icv[16])
{
	uint8_t block[16] = {0};
	block[12] = (uint8_t)(s->counter >> 24);
	block[13] = (uint8_t)(s->counter >> 16);
	block[14] = (uint8_t)(s->counter >> 8);
	block[15] = (uint8_t)s->counter;
	if (response)
		block[0] = 0x80;
	return m2m_aes_ecb_encrypt(s->s_enc, s->key_len, block, 16, icv);
}

m2m_err m2m_scp03_pad80(const uint8_t *in, size_t n, m2m_buf *out)
{
	size_t pad = M2M_AES_BLOCK - n % M2M_AES_BLOCK;
	m2m_err err = m2m_buf_append(out, in, n);
	if (err == M2M_OK)
		err = m2m_buf_append_u8(out, 0x80);
	if (err == M2M_OK)
		err = m2m_buf_append_fill(out, 0x00, pad - 1);
	return err;
}

m2m_err m2m_scp03_unpad80(const uint8_t *p, size_t n, size_t *len)
{
	/* Scan the whole last block so the time does not depend on where 80 sits. */
	if (n == 0 || n % M2M_AES_BLOCK != 0)
		return M2M_ERR_VERIFY;
	size_t i = n;
	while (i > n - M2M_AES_BLOCK && p[i - 1] == 0x00)
		i--;
	if (i == n - M2M_AES_BLOCK || p[i - 1] != 0x80)
		return M2M_ERR_VERIFY;
	*len = i - 1;
	return M2M_OK;
}

static m2m_err encrypt(const m2m_scp03 *s, bool response, const uint8_t *in, size_t n,
		       m2m_buf *out)
{
	if (s == NULL || out == NULL || (in == NULL && n > 0))
		return M2M_ERR_ARG;
	if (!s->keys_ready)
		return M2M_ERR_STATE;
	uint8_t icv[16];
	size_t start = out->len;
	m2m_err err = make_icv(s, response, icv);
	if (err == M2M_OK)
		err = m2m_scp03_pad80(in, n, out);
	if (err == M2M_OK)
		err = m2m_aes_cbc_encrypt(s->s_enc, s->key_len, icv, out->data + start,
					  out->len - start, out->data + start);
	if (err != M2M_OK && out->len > start) {
		m2m_wipe(out->data + start, out->len - start);
		out->len = start;
	}
	return err;
}

static m2m_err decrypt(const m2m_scp03 *s, bool response, const uint8_t *in, size_t n,
		       m2m_buf *out)
{
	if (s == NULL || out == NULL || (in == NULL && n > 0))
		return M2M_ERR_ARG;
	if (!s->keys_ready)
		return M2M_ERR_STATE;
	if (n == 0 || n % M2M_AES_BLOCK != 0)
		return M2M_ERR_VERIFY;
	uint8_t icv[16];
	size_t start = out->len, plain = 0;
	m2m_err err = make_icv(s, response, icv);
	if (err == M2M_OK)
		err = m2m_buf_append(out, in, n);
	if (err == M2M_OK)
		err = m2m_aes_cbc_decrypt(s->s_enc, s->key_len, icv, out->data + start, n,
					  out->data + start);
	if (err == M2M_OK)
		err = m2m_scp03_unpad80(out->data + start, n, &plain);
	if (err != M2M_OK) {
		if (out->len > start)
			m2m_wipe(out->data + start, out->len - start);
		out->len = start;
		return err;
	}
	m2m_wipe(out->data + start + plain, n - plain);
	out->len = start + plain;
	return M2M_OK;
}

m2m_err m2m_scp03_cmd_encrypt(const m2m_scp03 *s, const uint8_t *in, size_t n, m2m_buf *out)
{
	return encrypt(s, false, in, n, out);
}

m2m_err m2m_scp03_cmd_decrypt(const m2m_scp03 *s, const uint8_t *in, size_t n, m2m_buf *out)
{
	return decrypt(s, false, in, n, out);
}

m2m_err m2m_scp03_resp_encrypt(const m2m_scp03 *s, const uint8_t *in, size_t n, m2m_buf *out)
{
	return encrypt(s, true, in, n, out);
}

m2m_err m2m_scp03_resp_decrypt(const m2m_scp03 *s, const uint8_t *in, size_t n, m2m_buf *out)
{
	return decrypt(s, true, in, n, out);
}

/* ---- INITIALIZE UPDATE / EXTERNAL AUTHENTICATE ---- */

m2m_err m2m_scp03_iu_cmd(uint8_t kvn, const uint8_t host_chal[8], m2m_buf *out)
{
	static const uint8_t hdr[] = {0x80, 0x50};
	if (host_chal == NULL || out == NULL)
		return M2M_ERR_ARG;
	m2m_err err = m2m_buf_append(out, hdr, sizeof hdr);
	if (err == M2M_OK)
		err = m2m_buf_append_u8(out, kvn);
	if (err == M2M_OK)
		err = m2m_buf_append_u16be(out, 0x0008);
	if (err == M2M_OK)
		err = m2m_buf_append(out, host_chal, 8);
	if (err == M2M_OK)
		err = m2m_buf_append_u8(out, 0x00);
	return err;
}

m2m_err m2m_scp03_host_open(m2m_scp03 *s, const m2m_scp03_keys *k, const uint8_t host_chal[8],
			    const m2m_scp03_iu_resp *r)
{
	if (s == NULL || k == NULL || host_chal == NULL || r == NULL)
		return M2M_ERR_ARG;
	uint8_t crypto[8];
	m2m_err err = m2m_scp03_derive(s, k, host_chal, r->card_challenge);
	if (err == M2M_OK)
		err = m2m_scp03_cryptogram(s, M2M_SCP03_DC_CARD_CRYPTOGRAM, crypto);
	if (err == M2M_OK && !m2m_ct_equal(crypto, r->card_cryptogram, 8))
		err = M2M_ERR_VERIFY;
	if (err != M2M_OK)
		m2m_scp03_wipe(s);
	return err;
}

/* Header of EXTERNAL AUTHENTICATE as MACed and sent: 84 82 level 00 10. */
static void ext_auth_hdr(uint8_t level, uint8_t hdr[5])
{
	hdr[0] = 0x80 | CLA_SM;
	hdr[1] = INS_EXT_AUTH;
	hdr[2] = level;
	hdr[3] = 0x00;
	hdr[4] = M2M_SCP03_CRYPTOGRAM + M2M_SCP03_MAC;
}

m2m_err m2m_scp03_ext_auth_build(m2m_scp03 *s, const uint8_t *hdr, size_t hdr_len,
				  uint8_t level, m2m_buf *out)
{
	if (s == NULL || hdr == NULL || out == NULL || !m2m_scp03_level_valid(level))
		return M2M_ERR_ARG;
	if (!s->keys_ready || s->open)
		return M2M_ERR_STATE;
	uint8_t crypto[8], mac[8];
	m2m_err err = m2m_scp03_cryptogram(s, M2M_SCP03_DC_HOST_CRYPTOGRAM, crypto);
	if (err == M2M_OK)
		err = m2m_scp03_cmac(s, hdr, hdr_len, crypto, sizeof crypto, mac);
	if (err == M2M_OK)
		err = m2m_buf_append(out, hdr, hdr_len);
	if (err == M2M_OK)
		err = m2m_buf_append(out, crypto, sizeof crypto);
	if (err == M2M_OK)
		err = m2m_buf_append(out, mac, sizeof mac);
	if (err == M2M_OK) {
		s->level = level;
		s->open = true;
	}
	return err;
}

m2m_err m2m_scp03_ext_auth_cmd(m2m_scp03 *s, uint8_t level, m2m_buf *out)
{
	uint8_t hdr[5];
	ext_auth_hdr(level, hdr);
	return m2m_scp03_ext_auth_build(s, hdr, sizeof hdr, level, out);
}

m2m_err m2m_scp03_card_open(m2m_scp03 *s, const m2m_scp03_keys *k, const uint8_t host_chal[8],
			    m2m_scp03_iu_resp *r)
{
	if (s == NULL || k == NULL || host_chal == NULL || r == NULL)
		return M2M_ERR_ARG;
	m2m_err err = m2m_scp03_derive(s, k, host_chal, r->card_challenge);
	if (err == M2M_OK)
		err = m2m_scp03_cryptogram(s, M2M_SCP03_DC_CARD_CRYPTOGRAM, r->card_cryptogram);
	if (err != M2M_OK)
		m2m_scp03_wipe(s);
	return err;
}

m2m_err m2m_scp03_card_ext_auth(m2m_scp03 *s, const uint8_t *apdu, size_t n)
{
	if (s == NULL || (apdu == NULL && n > 0))
		return M2M_ERR_ARG;
	if (!s->keys_ready || s->open)
		return M2M_ERR_STATE;
	uint8_t hdr[5], crypto[8];
	m2m_err err = M2M_OK;
	/* 84 82 level 00 10 cryptogram(8) C-MAC(8), optionally Le. */
	if ((n != 21 && n != 22) || (apdu[0] & 0xF0) != 0x80 || apdu[1] != INS_EXT_AUTH ||
	    apdu[3] != 0x00 || apdu[4] != 0x10 || !m2m_scp03_level_valid(apdu[2])) {
		err = M2M_ERR_FORMAT;
		goto out;
	}
	ext_auth_hdr(apdu[2], hdr);
	err = m2m_scp03_cryptogram(s, M2M_SCP03_DC_HOST_CRYPTOGRAM, crypto);
	if (err == M2M_OK && !m2m_ct_equal(crypto, apdu + 5, 8))
		err = M2M_ERR_VERIFY;
	if (err == M2M_OK)
		err = m2m_scp03_cmac_verify(s, hdr, sizeof hdr, apdu + 5, 8, apdu + 13);
	if (err == M2M_OK) {
		s->level = apdu[2];
		s->open = true;
	}
out:
	if (err != M2M_OK)
		m2m_scp03_wipe(s); /* a failed authentication ends the session */
	return err;
}

/* ---- APDU layout (ISO 7816-3 cases 1-4, short and extended) ---- */

typedef struct {
	uint8_t hdr[4];
	const uint8_t *data;
	size_t lc;
	bool has_le;
	size_t le;
	bool ext;
} apdu_parts;

static m2m_err apdu_parse(const uint8_t *p, size_t n, apdu_parts *a)
{
	memset(a, 0, sizeof *a);
	if (p == NULL || n < 4)
		return M2M_ERR_FORMAT;
	memcpy(a->hdr, p, 4);
	if (n == 4)
		return M2M_OK;
	if (n == 5) {
		a->has_le = true;
		a->le = p[4];
		return M2M_OK;
	}
	if (p[4] != 0x00) { /* short Lc */
		a->lc = p[4];
		a->data = p + 5;
		if (n == 5 + a->lc)
			return M2M_OK;
		if (n == 6 + a->lc) {
			a->has_le = true;
			a->le = p[5 + a->lc];
			return M2M_OK;
		}
		return M2M_ERR_FORMAT;
	}
	if (n < 7)
		return M2M_ERR_FORMAT;
	a->ext = true;
	size_t w = (size_t)p[5] << 8 | p[6];
	if (n == 7) {
		a->has_le = true;
		a->le = w;
		return M2M_OK;
	}
	if (w == 0)
		return M2M_ERR_FORMAT;
	a->lc = w;
	a->data = p + 7;
	if (n == 7 + a->lc)
		return M2M_OK;
	if (n == 9 + a->lc) {
		a->has_le = true;
		a->le = (size_t)p[7 + a->lc] << 8 | p[8 + a->lc];
		return M2M_OK;
	}
	return M2M_ERR_FORMAT;
}

/* The Lc field as sent: nothing, 1 byte, or 00 hi lo. */
static size_t lc_field(size_t lc, bool ext, uint8_t f[3])
{
	if (lc == 0)
		return 0;
	if (!ext) {
		f[0] = (uint8_t)lc;
		return 1;
	}
	f[0] = 0x00;
	f[1] = (uint8_t)(lc >> 8);
	f[2] = (uint8_t)lc;
	return 3;
}

static m2m_err apdu_append(m2m_buf *out, const uint8_t hdr[4], const uint8_t *data,
			   size_t lc, const uint8_t *mac, bool has_le, size_t le, bool ext)
{
	uint8_t f[3];
	size_t total = lc + (mac != NULL ? M2M_SCP03_MAC : 0);
	size_t fl = lc_field(total, ext, f);
	m2m_err err = m2m_buf_append(out, hdr, 4);
	if (err == M2M_OK)
		err = m2m_buf_append(out, f, fl);
	if (err == M2M_OK && lc > 0)
		err = m2m_buf_append(out, data, lc);
	if (err == M2M_OK && mac != NULL)
		err = m2m_buf_append(out, mac, M2M_SCP03_MAC);
	if (err == M2M_OK && has_le && !ext)
		err = m2m_buf_append_u8(out, (uint8_t)le);
	if (err == M2M_OK && has_le && ext && total == 0)
		err = m2m_buf_append_u8(out, 0x00);
	if (err == M2M_OK && has_le && ext)
		err = m2m_buf_append_u16be(out, (uint16_t)le);
	return err;
}

/* CLA as MACed: logical channel 0, b4 = 0, b3 = 1 (Amendment D 6.2.4). */
static uint8_t mac_cla(uint8_t cla)
{
	return (uint8_t)((cla & 0xF0) | CLA_SM);
}

static m2m_err mac_header(const uint8_t hdr[4], size_t lc, bool ext, uint8_t out[7],
			  size_t *len)
{
	uint8_t f[3];
	size_t fl = lc_field(lc, ext, f);
	out[0] = mac_cla(hdr[0]);
	memcpy(out + 1, hdr + 1, 3);
	memcpy(out + 4, f, fl);
	*len = 4 + fl;
	return M2M_OK;
}

/* Only the first interindustry CLA range (b7 = 0, channel in b1-b2) is supported. */
static bool cla_supported(uint8_t cla)
{
	return (cla & 0x40) == 0 && cla != 0xFF;
}

/* ---- host: wrap commands, unwrap responses ---- */

m2m_err m2m_scp03_wrap_cmd(m2m_scp03 *s, const uint8_t *apdu, size_t n, m2m_buf *out)
{
	if (s == NULL || out == NULL)
		return M2M_ERR_ARG;
	if (!s->open)
		return M2M_ERR_STATE;
	apdu_parts a;
	m2m_buf body;
	m2m_buf_init(&body);
	uint8_t mh[7], mac[8], hdr[4];
	size_t mh_len = 0;
	m2m_err err = apdu_parse(apdu, n, &a);
	if (err != M2M_OK)
		goto out;
	if (!cla_supported(a.hdr[0]) || (a.hdr[0] & CLA_SM) != 0) {
		err = M2M_ERR_UNSUPPORTED;
		goto out;
	}
	if (!(s->level & M2M_SCP03_CMAC)) {
		err = m2m_buf_append(out, apdu, n);
		goto out;
	}
	if (s->level & M2M_SCP03_CDEC) {
		err = m2m_scp03_counter_next(s);
		if (err == M2M_OK && a.lc > 0)
			err = m2m_scp03_cmd_encrypt(s, a.data, a.lc, &body);
	} else {
		err = m2m_buf_append(&body, a.data, a.lc);
	}
	if (err != M2M_OK)
		goto out;
	if (body.len + M2M_SCP03_MAC > 0xFFFF) {
		err = M2M_ERR_BOUNDS;
		goto out;
	}
	bool ext = a.ext || body.len + M2M_SCP03_MAC > 0xFF;
	mac_header(a.hdr, body.len + M2M_SCP03_MAC, ext, mh, &mh_len);
	err = m2m_scp03_cmac(s, mh, mh_len, body.data, body.len, mac);
	if (err != M2M_OK)
		goto out;
	memcpy(hdr, a.hdr, 4);
	hdr[0] |= CLA_SM;
	err = apdu_append(out, hdr, body.data, body.len, mac, a.has_le, 0, ext);
out:
	m2m_buf_free(&body);
	return err;
}

static bool sw_is_error(uint16_t sw)
{
	return sw != 0x9000 && (sw >> 8) != 0x62 && (sw >> 8) != 0x63;
}

m2m_err m2m_scp03_unwrap_resp(m2m_scp03 *s, const uint8_t *data, size_t n, uint16_t sw,
			      m2m_buf *out)
{
	if (s == NULL || out == NULL || (data == NULL && n > 0))
		return M2M_ERR_ARG;
	if (!s->open)
		return M2M_ERR_STATE;
	if (!(s->level & M2M_SCP03_RMAC) || sw_is_error(sw))
		return m2m_buf_append(out, data, n);
	if (n < M2M_SCP03_MAC)
		return M2M_ERR_VERIFY;
	size_t body = n - M2M_SCP03_MAC;
	uint8_t swb[2] = {(uint8_t)(sw >> 8), (uint8_t)sw}, mac[8];
	m2m_err err = m2m_scp03_rmac(s, data, body, swb, 2, mac);
	if (err == M2M_OK && !m2m_ct_equal(mac, data + body, M2M_SCP03_MAC))
		err = M2M_ERR_VERIFY;
	if (err != M2M_OK)
		return err;
	if ((s->level & M2M_SCP03_RENC) && body > 0)
		return m2m_scp03_resp_decrypt(s, data, body, out);
	return m2m_buf_append(out, data, body);
}

/* ---- card: unwrap commands, wrap responses ---- */

static m2m_err unwrap_body(m2m_scp03 *s, const apdu_parts *a, m2m_buf *plain)
{
	if (a->lc < M2M_SCP03_MAC)
		return M2M_ERR_VERIFY;
	size_t body = a->lc - M2M_SCP03_MAC, mh_len = 0;
	uint8_t mh[7];
	mac_header(a->hdr, a->lc, a->ext, mh, &mh_len);
	m2m_err err = m2m_scp03_cmac_verify(s, mh, mh_len, a->data, body, a->data + body);
	if (err != M2M_OK)
		return err;
	if (!(s->level & M2M_SCP03_CDEC))
		return m2m_buf_append(plain, a->data, body);
	err = m2m_scp03_counter_next(s);
	if (err == M2M_OK && body > 0)
		err = m2m_scp03_cmd_decrypt(s, a->data, body, plain);
	return err;
}

m2m_err m2m_scp03_unwrap_cmd(m2m_scp03 *s, const uint8_t *apdu, size_t n, m2m_buf *out)
{
	if (s == NULL || out == NULL)
		return M2M_ERR_ARG;
	if (!s->open)
		return M2M_ERR_STATE;
	apdu_parts a;
	m2m_buf plain;
	m2m_buf_init(&plain);
	m2m_err err = apdu_parse(apdu, n, &a);
	if (err != M2M_OK)
		goto out;
	if (!(s->level & M2M_SCP03_CMAC)) {
		err = m2m_buf_append(out, apdu, n);
		goto out;
	}
	if (!cla_supported(a.hdr[0]) || !(a.hdr[0] & CLA_SM)) {
		err = M2M_ERR_VERIFY; /* an unsecured command inside a secured session */
		goto out;
	}
	err = unwrap_body(s, &a, &plain);
	if (err != M2M_OK)
		goto out;
	if (plain.len > 0xFFFF) {
		err = M2M_ERR_BOUNDS;
		goto out;
	}
	uint8_t hdr[4];
	memcpy(hdr, a.hdr, 4);
	hdr[0] &= (uint8_t)~CLA_SM;
	err = apdu_append(out, hdr, plain.data, plain.len, NULL, a.has_le, a.le,
			  a.ext || plain.len > 0xFF);
out:
	/* Amendment D: a security error ends the session. */
	if (err == M2M_ERR_VERIFY)
		m2m_scp03_wipe(s);
	m2m_buf_free(&plain);
	return err;
}

m2m_err m2m_scp03_wrap_resp(m2m_scp03 *s, const uint8_t *data, size_t n, uint16_t sw,
			    m2m_buf *out)
{
	if (s == NULL || out == NULL || (data == NULL && n > 0))
		return M2M_ERR_ARG;
	if (!s->open)
		return M2M_ERR_STATE;
	if (sw_is_error(sw))
		return M2M_OK; /* only the SW goes back, unprotected */
	if (!(s->level & M2M_SCP03_RMAC))
		return m2m_buf_append(out, data, n);
	size_t start = out->len;
	uint8_t swb[2] = {(uint8_t)(sw >> 8), (uint8_t)sw}, mac[8];
	m2m_err err;
	if ((s->level & M2M_SCP03_RENC) && n > 0)
		err = m2m_scp03_resp_encrypt(s, data, n, out);
	else
		err = m2m_buf_append(out, data, n);
	if (err == M2M_OK)
		err = m2m_scp03_rmac(s, out->len > start ? out->data + start : NULL,
				     out->len - start, swb, 2, mac);
	if (err == M2M_OK)
		err = m2m_buf_append(out, mac, sizeof mac);
	if (err != M2M_OK)
		out->len = start;
	return err;
}
