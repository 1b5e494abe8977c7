/* SCP80 command and response packets (TS 102 225, SMS dialect of TS 31.115). */
#include <string.h>

#include "card/crc.h"
#include "card/scp80.h"
#include "crypto/hash.h"
#include "crypto/sym.h"

#define CMD_HDR_LEN 10 /* CPL CHL SPI KIc KID TAR */
#define RSP_HDR_LEN 6  /* RPL RHL TAR */
#define CNTR_LEN 5

/* The PoR RC/CC covers the SMS user data header in front of the packet (pySim vectors). */
static const uint8_t por_udh[3] = {0x02, 0x71, 0x00};

static const char *const por_names[] = {
	"por_ok", "rc_cc_ds_failed", "cntr_low", "cntr_high", "cntr_blocked",
	"ciphering_error", "undefined_security_error", "insufficient_memory",
	"more_time_needed", "tar_unknown", "insufficient_security_level",
	"actual_response_sms_submit", "actual_response_ussd",
};

const char *m2m_scp80_por_status_name(unsigned status)
{
	if (status < sizeof por_names / sizeof por_names[0])
		return por_names[status];
	return "unknown";
}

m2m_err m2m_scp80_key_set(m2m_scp80_key *k, const uint8_t *key, size_t len)
{
	if (len > sizeof k->key)
		return M2M_ERR_ARG;
	m2m_wipe(k->key, sizeof k->key);
	if (len > 0)
		memcpy(k->key, key, len);
	k->len = len;
	return M2M_OK;
}

void m2m_scp80_key_wipe(m2m_scp80_key *k)
{
	m2m_wipe(k->key, sizeof k->key);
	k->len = 0;
}

void m2m_scp80_keys_wipe(m2m_scp80_keys *k)
{
	m2m_scp80_key_wipe(&k->kic);
	m2m_scp80_key_wipe(&k->kid);
}

m2m_err m2m_scp80_check_len(unsigned chk, uint8_t kid, size_t *len)
{
	unsigned alg = kid & 0x0F;
	switch (chk) {
	case M2M_SCP80_CHK_NONE:
		*len = 0;
		return M2M_OK;
	case M2M_SCP80_CHK_RC:
		if (alg != M2M_SCP80_ALG_CRC16 && alg != M2M_SCP80_ALG_CRC32)
			return M2M_ERR_UNSUPPORTED;
		*len = alg == M2M_SCP80_ALG_CRC16 ? 2 : 4;
		return M2M_OK;
	case M2M_SCP80_CHK_CC:
		if (alg != M2M_SCP80_ALG_AES && alg != M2M_SCP80_ALG_3DES2 &&
		    alg != M2M_SCP80_ALG_3DES3)
			return M2M_ERR_UNSUPPORTED;
		*len = M2M_SCP80_CC_LEN;
		return M2M_OK;
	default:
		return M2M_ERR_UNSUPPORTED; /* DS: no public-key signatures over SMS here */
	}
}

/* Checks that the block-cipher algorithm nibble and the key length agree; *block gets the
 * cipher block size. Single DES and "implicit" are refused. */
static m2m_err block_alg(uint8_t nibble, const m2m_scp80_key *k, size_t *block)
{
	switch (nibble & 0x0F) {
	case M2M_SCP80_ALG_AES:
		*block = M2M_AES_BLOCK;
		return (k->len == 16 || k->len == 24 || k->len == 32) ? M2M_OK : M2M_ERR_ARG;
	case M2M_SCP80_ALG_3DES2:
		*block = M2M_DES_BLOCK;
		return k->len == 16 ? M2M_OK : M2M_ERR_ARG;
	case M2M_SCP80_ALG_3DES3:
		*block = M2M_DES_BLOCK;
		return k->len == 24 ? M2M_OK : M2M_ERR_ARG;
	default:
		return M2M_ERR_UNSUPPORTED;
	}
}

/* CBC with a zero IV over whole blocks, in place. */
static m2m_err cipher(uint8_t kic, const m2m_scp80_key *k, bool enc, uint8_t *p, size_t n)
{
	size_t block;
	m2m_err err = block_alg(kic, k, &block);
	if (err != M2M_OK)
		return err;
	if (n % block != 0)
		return M2M_ERR_FORMAT;
	if (block == M2M_AES_BLOCK)
		return enc ? m2m_aes_cbc_encrypt(k->key, k->len, NULL, p, n, p)
			   : m2m_aes_cbc_decrypt(k->key, k->len, NULL, p, n, p);
	return enc ? m2m_des3_cbc_encrypt(k->key, k->len, NULL, p, n, p)
		   : m2m_des3_cbc_decrypt(k->key, k->len, NULL, p, n, p);
}

static void put_be(uint8_t *p, uint64_t v, size_t n)
{
	for (size_t i = n; i > 0; i--, v >>= 8)
		p[i - 1] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

/* RC or CC of `in` for mechanism chk and KID; out gets `len` bytes. */
static m2m_err check_value(unsigned chk, uint8_t kid, const m2m_scp80_key *k, const uint8_t *in,
			   size_t n, uint8_t *out, size_t len)
{
	uint8_t mac[M2M_CMAC_SIZE];
	size_t block;
	m2m_err err = M2M_OK;
	if (chk == M2M_SCP80_CHK_RC) {
		if (len == 2)
			put_be(out, m2m_crc16(in, n), 2);
		else
			put_be(out, m2m_crc32(in, n), 4);
		goto out;
	}
	err = block_alg(kid, k, &block);
	if (err != M2M_OK)
		goto out;
	if (block == M2M_AES_BLOCK)
		err = m2m_aes_cmac(k->key, k->len, in, n, mac); /* truncated: leftmost 8 bytes */
	else
		err = m2m_des3_cbc_mac(k->key, k->len, in, n, mac);
	if (err == M2M_OK)
		memcpy(out, mac, len);
out:
	m2m_wipe(mac, sizeof mac);
	return err;
}

/* Computes the check over prefix || p[0..chk_off) || p[chk_off+len..n) and either writes it
 * at p + chk_off (verify false) or compares it with what is there (M2M_ERR_VERIFY). */
static m2m_err check_apply(unsigned chk, uint8_t kid, const m2m_scp80_key *k,
			   const uint8_t *prefix, size_t prefix_len, uint8_t *p, size_t n,
			   size_t chk_off, size_t len, bool verify)
{
	uint8_t val[M2M_SCP80_CC_LEN];
	/* Most packets fit one SMS: gather the check input on the stack, the heap beyond. */
	uint8_t small[256];
	m2m_buf in;
	if (prefix_len + n - len <= sizeof small)
		m2m_buf_init_fixed(&in, small, sizeof small);
	else
		m2m_buf_init(&in);
	m2m_err err = M2M_OK;
	if (len == 0)
		goto out;
	if ((err = m2m_buf_append(&in, prefix, prefix_len)) != M2M_OK ||
	    (err = m2m_buf_append(&in, p, chk_off)) != M2M_OK ||
	    (err = m2m_buf_append(&in, p + chk_off + len, n - chk_off - len)) != M2M_OK)
		goto out;
	err = check_value(chk, kid, k, in.data, in.len, val, len);
	if (err != M2M_OK)
		goto out;
	if (!verify)
		memcpy(p + chk_off, val, len);
	else if (!m2m_ct_equal(val, p + chk_off, len))
		err = M2M_ERR_VERIFY;
out:
	m2m_wipe(val, sizeof val);
	m2m_buf_free(&in);
	return err;
}

/* Padding that brings `used` bytes to a whole number of cipher blocks (0 unciphered). */
static m2m_err padding(bool ciphered, uint8_t kic, const m2m_scp80_key *k, size_t used,
		       size_t *pad)
{
	size_t block;
	*pad = 0;
	if (!ciphered)
		return M2M_OK;
	m2m_err err = block_alg(kic, k, &block);
	if (err == M2M_OK)
		*pad = (block - used % block) % block;
	return err;
}

m2m_err m2m_scp80_wrap(const m2m_scp80_hdr *hdr, const m2m_scp80_keys *keys,
		       const uint8_t *data, size_t len, m2m_buf *out)
{
	unsigned chk = hdr->spi[0] & M2M_SCP80_SPI1_CHK_MASK;
	bool ciphered = (hdr->spi[0] & M2M_SCP80_SPI1_CIPHER) != 0;
	size_t chk_len = 0, pad = 0;
	uint8_t head[CMD_HDR_LEN + CNTR_LEN + 1];
	size_t start = out->len;
	m2m_err err = m2m_scp80_check_len(chk, hdr->kid, &chk_len);
	if (err == M2M_OK)
		err = padding(ciphered, hdr->kic, &keys->kic, CNTR_LEN + 1 + chk_len + len, &pad);
	if (err != M2M_OK)
		goto out;
	size_t cpl = 1 + 7 + CNTR_LEN + 1 + chk_len + len + pad;
	if (hdr->counter > M2M_SCP80_CNTR_MAX || cpl > 0xFFFF || (data == NULL && len > 0)) {
		err = M2M_ERR_ARG;
		goto out;
	}
	put_be(head, cpl, 2);
	head[2] = (uint8_t)(13 + chk_len); /* CHL: SPI to the end of RC/CC */
	memcpy(head + 3, hdr->spi, 2);
	head[5] = hdr->kic;
	head[6] = hdr->kid;
	memcpy(head + 7, hdr->tar, 3);
	put_be(head + CMD_HDR_LEN, hdr->counter, CNTR_LEN);
	head[CMD_HDR_LEN + CNTR_LEN] = (uint8_t)pad;
	/* Built in place at the end of out; removed again on any failure. */
	if ((err = m2m_buf_append(out, head, sizeof head)) != M2M_OK ||
	    (err = m2m_buf_append_fill(out, 0, chk_len)) != M2M_OK ||
	    (err = m2m_buf_append(out, data, len)) != M2M_OK ||
	    (err = m2m_buf_append_fill(out, 0, pad)) != M2M_OK)
		goto out;
	uint8_t *pkt = out->data + start;
	size_t pkt_len = out->len - start;
	err = check_apply(chk, hdr->kid, &keys->kid, NULL, 0, pkt, pkt_len, sizeof head, chk_len,
			  false);
	if (err == M2M_OK && ciphered)
		err = cipher(hdr->kic, &keys->kic, true, pkt + CMD_HDR_LEN, pkt_len - CMD_HDR_LEN);
out:
	if (err != M2M_OK && out->len > start) {
		m2m_wipe(out->data + start, out->len - start);
		out->len = start;
	}
	return err;
}

m2m_scp80_por_status m2m_scp80_counter_check(const uint8_t spi[2], uint64_t last,
					     uint64_t received)
{
	unsigned mode = (spi[0] >> M2M_SCP80_SPI1_CNTR_SHIFT) & 3;
	if (mode == M2M_SCP80_CNTR_NONE || mode == M2M_SCP80_CNTR_NO_CHECK)
		return M2M_POR_OK;
	if (last >= M2M_SCP80_CNTR_MAX)
		return M2M_POR_CNTR_BLOCKED;
	if (received <= last)
		return M2M_POR_CNTR_LOW;
	if (mode == M2M_SCP80_CNTR_ONE_HIGHER && received != last + 1)
		return M2M_POR_CNTR_HIGH;
	return M2M_POR_OK;
}

/* Reads CPL CHL SPI KIc KID TAR into hdr and checks CPL and CHL. */
static m2m_err read_cmd_header(m2m_rd *r, m2m_scp80_hdr *hdr, size_t *chk_len)
{
	uint16_t cpl;
	uint8_t chl;
	m2m_err err;
	if ((err = m2m_rd_u16be(r, &cpl)) != M2M_OK || (err = m2m_rd_u8(r, &chl)) != M2M_OK ||
	    (err = m2m_rd_copy(r, hdr->spi, 2)) != M2M_OK ||
	    (err = m2m_rd_u8(r, &hdr->kic)) != M2M_OK ||
	    (err = m2m_rd_u8(r, &hdr->kid)) != M2M_OK ||
	    (err = m2m_rd_copy(r, hdr->tar, 3)) != M2M_OK)
		return err;
	if ((size_t)cpl + 2 > r->len)
		return M2M_ERR_BOUNDS; /* truncated */
	if ((size_t)cpl + 2 < r->len)
		return M2M_ERR_FORMAT; /* trailing bytes */
	err = m2m_scp80_check_len(hdr->spi[0] & M2M_SCP80_SPI1_CHK_MASK, hdr->kid, chk_len);
	if (err == M2M_OK && chl != 13 + *chk_len)
		err = M2M_ERR_FORMAT;
	return err;
}

m2m_err m2m_scp80_command_header(const uint8_t *pkt, size_t n, m2m_scp80_hdr *hdr)
{
	m2m_rd r;
	size_t chk_len;
	memset(hdr, 0, sizeof *hdr);
	m2m_rd_init(&r, pkt, n);
	return read_cmd_header(&r, hdr, &chk_len);
}

/* Copies the part after the clear header and deciphers it if SPI asks. */
static m2m_err open_body(bool ciphered, uint8_t kic, const m2m_scp80_key *k, m2m_rd *r,
			 m2m_buf *plain)
{
	size_t n = m2m_rd_left(r);
	const uint8_t *p;
	m2m_err err = m2m_rd_take(r, n, &p);
	if (err == M2M_OK)
		err = m2m_buf_append(plain, p, n);
	if (err == M2M_OK && ciphered)
		err = n == 0 ? M2M_ERR_FORMAT : cipher(kic, k, false, plain->data, n);
	return err;
}

m2m_err m2m_scp80_unwrap_command(const uint8_t *pkt, size_t n, const m2m_scp80_keys *keys,
				 const uint64_t *last_counter, m2m_scp80_hdr *hdr,
				 uint8_t *status, m2m_buf *data)
{
	m2m_rd r;
	m2m_buf plain;
	size_t chk_len = 0;
	m2m_buf_init(&plain);
	m2m_rd_init(&r, pkt, n);
	memset(hdr, 0, sizeof *hdr);
	*status = M2M_POR_UNDEFINED_SECURITY_ERROR;
	bool ciphered;
	m2m_err err = read_cmd_header(&r, hdr, &chk_len);
	if (err != M2M_OK)
		goto out;
	ciphered = (hdr->spi[0] & M2M_SCP80_SPI1_CIPHER) != 0;
	err = open_body(ciphered, hdr->kic, &keys->kic, &r, &plain);
	if (err != M2M_OK) {
		if (err == M2M_ERR_FORMAT)
			*status = M2M_POR_CIPHERING_ERROR;
		goto out;
	}
	if (plain.len < CNTR_LEN + 1 + chk_len) {
		err = M2M_ERR_BOUNDS;
		goto out;
	}
	hdr->counter = get_be(plain.data, CNTR_LEN);
	hdr->pcntr = plain.data[CNTR_LEN];
	err = check_apply(hdr->spi[0] & M2M_SCP80_SPI1_CHK_MASK, hdr->kid, &keys->kid, pkt,
			  CMD_HDR_LEN, plain.data, plain.len, CNTR_LEN + 1, chk_len, true);
	if (err != M2M_OK) {
		if (err == M2M_ERR_VERIFY)
			*status = M2M_POR_RC_CC_DS_FAILED;
		goto out;
	}
	size_t body = plain.len - CNTR_LEN - 1 - chk_len;
	if (hdr->pcntr > body) {
		*status = ciphered ? M2M_POR_CIPHERING_ERROR : M2M_POR_UNDEFINED_SECURITY_ERROR;
		err = M2M_ERR_FORMAT;
		goto out;
	}
	if (last_counter != NULL) {
		*status = m2m_scp80_counter_check(hdr->spi, *last_counter, hdr->counter);
		if (*status != M2M_POR_OK) {
			err = M2M_ERR_STATE;
			goto out;
		}
	}
	err = m2m_buf_append(data, plain.data + CNTR_LEN + 1 + chk_len, body - hdr->pcntr);
	if (err == M2M_OK)
		*status = M2M_POR_OK;
out:
	m2m_buf_free(&plain);
	return err;
}

bool m2m_scp80_por_wanted(const uint8_t spi[2], uint8_t status)
{
	switch (spi[1] & M2M_SCP80_SPI2_POR_MASK) {
	case M2M_SCP80_POR_ALWAYS:
		return true;
	case M2M_SCP80_POR_ON_ERROR:
		return status != M2M_POR_OK;
	default:
		return false;
	}
}

m2m_err m2m_scp80_wrap_response(const m2m_scp80_hdr *cmd, const m2m_scp80_keys *keys,
				uint8_t status, const uint8_t *data, size_t len, m2m_buf *out)
{
	unsigned chk = (cmd->spi[1] >> M2M_SCP80_SPI2_CHK_SHIFT) & 3;
	bool ciphered = (cmd->spi[1] & M2M_SCP80_SPI2_CIPHER) != 0;
	size_t chk_len = 0, pad = 0;
	uint8_t head[RSP_HDR_LEN + CNTR_LEN + 2];
	m2m_buf pkt;
	m2m_buf_init(&pkt);
	m2m_err err = m2m_scp80_check_len(chk, cmd->kid, &chk_len);
	if (err == M2M_OK)
		err = padding(ciphered, cmd->kic, &keys->kic, CNTR_LEN + 2 + chk_len + len, &pad);
	if (err != M2M_OK)
		goto out;
	size_t rpl = 1 + 3 + CNTR_LEN + 2 + chk_len + len + pad;
	if (cmd->counter > M2M_SCP80_CNTR_MAX || rpl > 0xFFFF || (data == NULL && len > 0)) {
		err = M2M_ERR_ARG;
		goto out;
	}
	put_be(head, rpl, 2);
	head[2] = (uint8_t)(10 + chk_len); /* RHL */
	memcpy(head + 3, cmd->tar, 3);
	put_be(head + RSP_HDR_LEN, cmd->counter, CNTR_LEN);
	head[RSP_HDR_LEN + CNTR_LEN] = (uint8_t)pad;
	head[RSP_HDR_LEN + CNTR_LEN + 1] = status;
	if ((err = m2m_buf_append(&pkt, head, sizeof head)) != M2M_OK ||
	    (err = m2m_buf_append_fill(&pkt, 0, chk_len)) != M2M_OK ||
	    (err = m2m_buf_append(&pkt, data, len)) != M2M_OK ||
	    (err = m2m_buf_append_fill(&pkt, 0, pad)) != M2M_OK)
		goto out;
	err = check_apply(chk, cmd->kid, &keys->kid, por_udh, sizeof por_udh, pkt.data, pkt.len,
			  sizeof head, chk_len, false);
	if (err == M2M_OK && ciphered)
		err = cipher(cmd->kic, &keys->kic, true, pkt.data + RSP_HDR_LEN,
			     pkt.len - RSP_HDR_LEN);
	if (err == M2M_OK)
		err = m2m_buf_append(out, pkt.data, pkt.len);
out:
	m2m_buf_free(&pkt);
	return err;
}

/* Reads RPL RHL TAR and checks RPL and RHL against the SPI2 check mechanism. */
static m2m_err read_rsp_header(m2m_rd *r, unsigned chk, uint8_t kid, m2m_scp80_rsp *rsp,
			       size_t *chk_len)
{
	uint16_t rpl;
	uint8_t rhl;
	m2m_err err;
	if ((err = m2m_rd_u16be(r, &rpl)) != M2M_OK || (err = m2m_rd_u8(r, &rhl)) != M2M_OK ||
	    (err = m2m_rd_copy(r, rsp->tar, 3)) != M2M_OK)
		return err;
	if ((size_t)rpl + 2 > r->len)
		return M2M_ERR_BOUNDS;
	if ((size_t)rpl + 2 < r->len)
		return M2M_ERR_FORMAT;
	err = m2m_scp80_check_len(chk, kid, chk_len);
	if (err == M2M_OK && rhl != 10 + *chk_len)
		err = M2M_ERR_FORMAT;
	return err;
}

m2m_err m2m_scp80_unwrap_response(const uint8_t spi[2], uint8_t kic, uint8_t kid,
				  const m2m_scp80_keys *keys, const uint8_t *pkt, size_t n,
				  m2m_scp80_rsp *rsp, m2m_buf *data)
{
	unsigned chk = (spi[1] >> M2M_SCP80_SPI2_CHK_SHIFT) & 3;
	bool ciphered = (spi[1] & M2M_SCP80_SPI2_CIPHER) != 0;
	size_t chk_len = 0;
	m2m_rd r;
	m2m_buf plain;
	m2m_buf_init(&plain);
	m2m_rd_init(&r, pkt, n);
	memset(rsp, 0, sizeof *rsp);
	m2m_err err = read_rsp_header(&r, chk, kid, rsp, &chk_len);
	if (err == M2M_OK)
		err = open_body(ciphered, kic, &keys->kic, &r, &plain);
	if (err != M2M_OK)
		goto out;
	if (plain.len < CNTR_LEN + 2 + chk_len) {
		err = M2M_ERR_BOUNDS;
		goto out;
	}
	rsp->counter = get_be(plain.data, CNTR_LEN);
	rsp->pcntr = plain.data[CNTR_LEN];
	rsp->status = plain.data[CNTR_LEN + 1];
	/* The check input is UDH || RPL RHL TAR || CNTR PCNTR status || data: build it with the
	 * clear header as part of the prefix. */
	uint8_t prefix[sizeof por_udh + RSP_HDR_LEN];
	memcpy(prefix, por_udh, sizeof por_udh);
	memcpy(prefix + sizeof por_udh, pkt, RSP_HDR_LEN);
	err = check_apply(chk, kid, &keys->kid, prefix, sizeof prefix, plain.data, plain.len,
			  CNTR_LEN + 2, chk_len, true);
	if (err != M2M_OK)
		goto out;
	size_t body = plain.len - CNTR_LEN - 2 - chk_len;
	if (rsp->pcntr > body) {
		err = M2M_ERR_FORMAT;
		goto out;
	}
	err = m2m_buf_append(data, plain.data + CNTR_LEN + 2 + chk_len, body - rsp->pcntr);
out:
	m2m_buf_free(&plain);
	return err;
}
