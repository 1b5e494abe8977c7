/*
 * libFuzzer target for the SM-DP's ES8 download session (src/smdp/es8_*.c): random card
 * answers fed to a session at every step. Input: a mode byte, then answers, each prefixed by
 * a 2-byte big-endian length.
 *   mode % 5 == 0  a new session (key establishment): the answers go to 3A01, 3A02, ...
 *   mode % 5 == 1  the same after a synthetic, well-formed 3A01 answer (RC)
 *   mode % 5 == 2  a resumed session (known key set): the answers start at INITIALIZE UPDATE
 *   mode % 5 == 3  resumed, INITIALIZE UPDATE answered by the library card (card/scp03t.h):
 *                  the answers go to the download payloads
 *   mode % 5 == 4  as 3, but each answer is the library card's real one with the input
 *                  XORed over it (from the first byte), so protected answers and the
 *                  EUICCResponse decoding are reached
 * Bit 0x80 of the mode byte asks for 2500-byte download payloads (several of them). The
 * session must never crash, and a refused answer must leave it failed for good.
 * The package is the TS.48 one next to the sources (<repo>/../shared/vectors/saip/).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card/gpcert.h"
#include "card/scp03t.h"
#include "core/tlv.h"
#include "saip/saip.h"
#include "smdp/es8_session.h"

static const uint8_t SK_DP[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
				  17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t SK_ECASD[32] = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
				     9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};
static const uint8_t AID[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
				0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x13, 0x00};
static const uint8_t EID[16] = {0x89};
static const uint8_t CHAL[8] = {1, 2, 3, 4, 5, 6, 7, 8};
/* 3A01 answer: INSTALL 00 9000, STORE DATA 85 10 RC 9000. */
static const uint8_t RC_ANSWER[] = {0xAB, 0x1E, 0x80, 0x01, 0x02, 0x23, 0x03, 0x00, 0x90,
				    0x00, 0x23, 0x14, 0x85, 0x10, 1, 2, 3, 4, 5, 6, 7, 8, 9,
				    10, 11, 12, 13, 14, 15, 16, 0x90, 0x00};

static m2m_eckey *dp, *ecasd;
static m2m_buf cert, pkg;
static m2m_es8_keyset keys;

static void init(void)
{
	char path[4096];
	const char *slash = strrchr(__FILE__, '/');
	int dir = slash != NULL ? (int)(slash - __FILE__) : 1;
	m2m_gpcert c;

	if (dp != NULL)
		return;
	snprintf(path, sizeof path, "%.*s/../../shared/vectors/saip/TS48v2_SAIP2.3_NoBERTLV.der",
		 dir, slash != NULL ? __FILE__ : ".");
	m2m_buf_init(&pkg);
	m2m_buf_init(&cert);
	memset(&c, 0, sizeof c);
	c.serial_len = c.ca_id_len = c.subject_id_len = c.key_usage_len = 1;
	c.key_usage[0] = M2M_GPCERT_USAGE_SIGN_VERIFY;
	memcpy(c.expiry, "\x21\x45\x01\x01", 4);
	c.has_type = true;
	c.type = M2M_GPCERT_TYPE_SMDP;
	if (m2m_saip_read_file(path, &pkg) != M2M_OK ||
	    m2m_ec_from_private(M2M_CURVE_P256, SK_DP, 32, &dp) != M2M_OK ||
	    m2m_ec_from_private(M2M_CURVE_P256, SK_ECASD, 32, &ecasd) != M2M_OK ||
	    m2m_gpcert_set_public_key(&c, dp) != M2M_OK || m2m_gpcert_sign(&c, dp, &cert) != M2M_OK)
		abort();
	keys.kvn = 0x30;
	keys.key_len = 16;
	memset(keys.enc, 0x11, 16);
	memset(keys.mac, 0x22, 16);
	memset(keys.dek, 0x33, 16);
}

static void config(m2m_es8_config *cfg, uint8_t mode)
{
	m2m_es8_config_init(cfg);
	cfg->eid = EID;
	cfg->isdp_aid = AID;
	cfg->isdp_aid_len = sizeof AID;
	cfg->cert_dp = cert.data;
	cfg->cert_dp_len = cert.len;
	cfg->sk_dp = dp;
	cfg->pk_ecasd = ecasd;
	cfg->package = pkg.data;
	cfg->package_len = pkg.len;
	cfg->host_challenge = CHAL;
	cfg->payload_max = (mode & 0x80) ? 2500 : 0;
}

/* The library card's answers to a payload of SCP03t TLVs (AF 80 .. 00 00). The library
 * card answers 86 00 to every segment; after the last one a real ISD-P owes the protected
 * EUICCResponse "ok", which replaces it. */
static void card_answers(m2m_scp03t_card *card, const m2m_es8_payload *p, m2m_buf *out)
{
	static const uint8_t ok[] = {0x30, 0x07, 0xA0, 0x05, 0x30, 0x03, 0x80, 0x01, 0x00};
	m2m_tlv t, c;
	m2m_tlv_iter it;
	m2m_buf plain;
	size_t last = 0;

	m2m_buf_init(&plain);
	m2m_buf_reset(out);
	if (m2m_tlv_decode_one(p->data, p->len, M2M_TLV_BER, &t, NULL) != M2M_OK ||
	    m2m_tlv_begin_indef(out, 0xAF) != M2M_OK)
		abort();
	m2m_tlv_iter_children(&it, &t, M2M_TLV_BER);
	while (m2m_tlv_next(&it, &c) == M2M_OK) {
		last = out->len;
		(void)m2m_scp03t_card_process(card, c.value - c.hdr_len, c.size, out, &plain);
	}
	if (!p->more_to_do && out->len == last + 2 && out->data[last] == 0x86) {
		out->len = last;
		(void)m2m_scp03t_card_response(card, ok, sizeof ok, out);
	}
	if (m2m_tlv_end_indef(out) != M2M_OK)
		abort();
	m2m_buf_free(&plain);
}

static void check_failed(m2m_es8_session *s, m2m_err err)
{
	m2m_es8_payload p;
	m2m_es8_keyset k;

	if (err == M2M_OK || err == M2M_ERR_ARG)
		return;
	if (m2m_es8_failure_get(s) == NULL || m2m_es8_next(s, &p) != M2M_ERR_STATE ||
	    m2m_es8_keys(s, &k) != M2M_ERR_STATE)
		abort();
}

/* Feeds the answers; in XOR mode they are masks over the library card's answers. */
static void feed(m2m_es8_session *s, m2m_scp03t_card *card, bool xor_mode, const uint8_t *in,
		 size_t n)
{
	m2m_es8_payload p;
	m2m_buf real;
	m2m_err err = M2M_OK;

	m2m_buf_init(&real);
	while (n >= 2 && err == M2M_OK && m2m_es8_next(s, &p) == M2M_OK) {
		size_t len = (size_t)in[0] << 8 | in[1];
		if (len > n - 2)
			len = n - 2;
		if (xor_mode) {
			card_answers(card, &p, &real);
			for (size_t i = 0; i < len && i < real.len; i++)
				real.data[i] ^= in[2 + i];
			err = m2m_es8_response(s, real.data, real.len);
		} else {
			err = m2m_es8_response(s, in + 2, len);
		}
		check_failed(s, err);
		in += 2 + len;
		n -= 2 + len;
	}
	m2m_buf_free(&real);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t seq[3] = {0, 0, 1};
	m2m_es8_config cfg;
	m2m_es8_session *s = NULL;
	m2m_es8_payload p;
	m2m_scp03t_card card;
	m2m_scp03_keys k;
	m2m_buf ans;
	uint8_t mode;
	m2m_err err = M2M_OK;

	if (size < 1)
		return 0;
	init();
	mode = data[0];
	config(&cfg, mode);
	m2m_buf_init(&ans);
	memset(&card, 0, sizeof card);
	if (m2m_scp03_keys_set(&k, keys.enc, keys.mac, 16, 0x30) != M2M_OK ||
	    m2m_scp03t_card_init(&card, &k, AID, sizeof AID, seq, NULL, false) != M2M_OK)
		abort();
	switch (mode % 5) {
	case 0:
	case 1:
		if (m2m_es8_session_new(&cfg, &s) != M2M_OK)
			abort();
		if (mode % 5 == 1 && (m2m_es8_next(s, &p) != M2M_OK ||
				      m2m_es8_response(s, RC_ANSWER, sizeof RC_ANSWER) != M2M_OK))
			abort();
		break;
	default:
		if (m2m_es8_session_resume(&cfg, &keys, &s) != M2M_OK)
			abort();
		if (mode % 5 >= 3) {
			if (m2m_es8_next(s, &p) != M2M_OK)
				abort();
			card_answers(&card, &p, &ans);
			err = m2m_es8_response(s, ans.data, ans.len);
			if (err != M2M_OK)
				abort();
		}
		break;
	}
	feed(s, &card, mode % 5 == 4, data + 1, size - 1);
	m2m_es8_session_free(s);
	m2m_scp03t_card_wipe(&card);
	m2m_scp03_keys_wipe(&k);
	m2m_buf_free(&ans);
	return 0;
}
