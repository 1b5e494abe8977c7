/*
 * GlobalPlatform SCP03 (Card Specification v2.3 Amendment D), S8 mode, both sides:
 * the host (off-card entity) opens the channel and wraps commands; the card checks and
 * unwraps them and wraps its responses. Session keys live in m2m_scp03 and are wiped by
 * m2m_scp03_wipe().
 */
#ifndef M2M_CARD_SCP03_H
#define M2M_CARD_SCP03_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

#define M2M_SCP03_KEY_MAX 32
#define M2M_SCP03_CHALLENGE 8  /* host and card challenge, S8 mode */
#define M2M_SCP03_CRYPTOGRAM 8
#define M2M_SCP03_MAC 8        /* C-MAC and R-MAC as sent (first half of the CMAC) */
#define M2M_SCP03_KEY_DIV 10
#define M2M_SCP03_SEQ 3
#define M2M_SCP03_AID_MAX 16

/* Security level bits of EXTERNAL AUTHENTICATE P1. */
enum {
	M2M_SCP03_CMAC = 0x01,
	M2M_SCP03_CDEC = 0x02,
	M2M_SCP03_RMAC = 0x10,
	M2M_SCP03_RENC = 0x20,
};

/* Derivation constants (Amendment D table 4-1). */
enum {
	M2M_SCP03_DC_CARD_CRYPTOGRAM = 0x00,
	M2M_SCP03_DC_HOST_CRYPTOGRAM = 0x01,
	M2M_SCP03_DC_CARD_CHALLENGE = 0x02,
	M2M_SCP03_DC_S_ENC = 0x04,
	M2M_SCP03_DC_S_MAC = 0x06,
	M2M_SCP03_DC_S_RMAC = 0x07,
};

/* A static key set: K-ENC and K-MAC of one length (16, 24 or 32). */
typedef struct {
	uint8_t enc[M2M_SCP03_KEY_MAX];
	uint8_t mac[M2M_SCP03_KEY_MAX];
	size_t key_len;
	uint8_t kvn;
} m2m_scp03_keys;

/* The INITIALIZE UPDATE response data field (Amendment D table 7-3). */
typedef struct {
	uint8_t key_div[M2M_SCP03_KEY_DIV];
	uint8_t kvn;
	uint8_t scp_id;                      /* 03 */
	uint8_t i;                           /* 70 in SGP.02 */
	uint8_t card_challenge[M2M_SCP03_CHALLENGE];
	uint8_t card_cryptogram[M2M_SCP03_CRYPTOGRAM];
	uint8_t seq[M2M_SCP03_SEQ];
	bool has_seq;                        /* present when i has b5 (pseudo-random challenge) */
} m2m_scp03_iu_resp;

/* One secure channel session, host or card side. */
typedef struct {
	uint8_t s_enc[M2M_SCP03_KEY_MAX];
	uint8_t s_mac[M2M_SCP03_KEY_MAX];
	uint8_t s_rmac[M2M_SCP03_KEY_MAX];
	size_t key_len;
	uint8_t host_challenge[M2M_SCP03_CHALLENGE];
	uint8_t card_challenge[M2M_SCP03_CHALLENGE];
	uint8_t mcv[16];       /* MAC chaining value: the full CMAC of the last command */
	uint32_t counter;      /* encryption counter of the last command, 0 before the first */
	uint8_t level;         /* security level set by EXTERNAL AUTHENTICATE */
	bool keys_ready;       /* session keys derived (after INITIALIZE UPDATE) */
	bool open;             /* EXTERNAL AUTHENTICATE done, no failure since */
} m2m_scp03;

/* Zeroes the whole session, keys included. */
void m2m_scp03_wipe(m2m_scp03 *s);
void m2m_scp03_keys_wipe(m2m_scp03_keys *k);
/* Fills a key set; key_len 16, 24 or 32. */
m2m_err m2m_scp03_keys_set(m2m_scp03_keys *k, const uint8_t *enc, const uint8_t *mac,
			   size_t key_len, uint8_t kvn);
/* True for the levels this implementation supports: 00 01 03 11 13 33. */
bool m2m_scp03_level_valid(uint8_t level);

/* Derives S-ENC, S-MAC, S-RMAC from the challenges; resets MCV and counter. */
m2m_err m2m_scp03_derive(m2m_scp03 *s, const m2m_scp03_keys *k, const uint8_t host_chal[8],
			 const uint8_t card_chal[8]);
/* Card (constant 00) or host (01) cryptogram of the session. */
m2m_err m2m_scp03_cryptogram(const m2m_scp03 *s, uint8_t constant, uint8_t out[8]);
/* Pseudo-random card challenge (i = 70): KDF(K-ENC, 02, seq || AID), 64 bits. */
m2m_err m2m_scp03_card_challenge(const m2m_scp03_keys *k, const uint8_t seq[3],
				 const uint8_t *aid, size_t aid_len, uint8_t out[8]);

/* INITIALIZE UPDATE response data field: parse (29 or 32 bytes) and build. */
m2m_err m2m_scp03_iu_resp_parse(const uint8_t *p, size_t n, m2m_scp03_iu_resp *r);
m2m_err m2m_scp03_iu_resp_build(const m2m_scp03_iu_resp *r, m2m_buf *out);

/* Low-level session operations, shared with SCP03t. */
/* C-MAC over MCV || a || b with S-MAC; updates the MCV, writes the 8 bytes sent. */
m2m_err m2m_scp03_cmac(m2m_scp03 *s, const uint8_t *a, size_t a_len, const uint8_t *b,
		       size_t b_len, uint8_t mac[8]);
/* Checks a received C-MAC; updates the MCV only on success. */
m2m_err m2m_scp03_cmac_verify(m2m_scp03 *s, const uint8_t *a, size_t a_len, const uint8_t *b,
			      size_t b_len, const uint8_t mac[8]);
/* R-MAC over MCV || a || b with S-RMAC (MCV unchanged). */
m2m_err m2m_scp03_rmac(const m2m_scp03 *s, const uint8_t *a, size_t a_len, const uint8_t *b,
		       size_t b_len, uint8_t mac[8]);
/* Next command counter value (counts commands without data too). */
m2m_err m2m_scp03_counter_next(m2m_scp03 *s);
/* Command encryption with the current counter: appends AES-CBC(S-ENC, ICV, pad80(in)). */
m2m_err m2m_scp03_cmd_encrypt(const m2m_scp03 *s, const uint8_t *in, size_t n, m2m_buf *out);
/* The reverse, removing the padding; M2M_ERR_VERIFY on bad length or padding. */
m2m_err m2m_scp03_cmd_decrypt(const m2m_scp03 *s, const uint8_t *in, size_t n, m2m_buf *out);
/* Response encryption with ICV = E(S-ENC, 80 || counter): same shapes as above. */
m2m_err m2m_scp03_resp_encrypt(const m2m_scp03 *s, const uint8_t *in, size_t n, m2m_buf *out);
m2m_err m2m_scp03_resp_decrypt(const m2m_scp03 *s, const uint8_t *in, size_t n, m2m_buf *out);

/* Host side. */
/* 80 50 KVN 00 08 host_chal 00 */
m2m_err m2m_scp03_iu_cmd(uint8_t kvn, const uint8_t host_chal[8], m2m_buf *out);
/* Derives the session keys and checks the card cryptogram (M2M_ERR_VERIFY if wrong). */
m2m_err m2m_scp03_host_open(m2m_scp03 *s, const m2m_scp03_keys *k, const uint8_t host_chal[8],
			    const m2m_scp03_iu_resp *r);
/* 84 82 level 00 10 host_cryptogram C-MAC; the channel is then open at `level`. */
/* Host side: host cryptogram and C-MAC over hdr || cryptogram, appended as hdr || cryptogram
 * || MAC; the session is then open at `level`. hdr is the APDU header (84 82 level 00 10) or,
 * for SCP03t, the 85 TLV header. */
m2m_err m2m_scp03_ext_auth_build(m2m_scp03 *s, const uint8_t *hdr, size_t hdr_len,
				  uint8_t level, m2m_buf *out);
m2m_err m2m_scp03_ext_auth_cmd(m2m_scp03 *s, uint8_t level, m2m_buf *out);
/* Wraps a plain command APDU (short or extended; CLA of the first interindustry range).
 * Le, when present, becomes 00 (0000 extended) since the MAC makes the response longer. */
m2m_err m2m_scp03_wrap_cmd(m2m_scp03 *s, const uint8_t *apdu, size_t n, m2m_buf *out);
/* Checks and strips R-MAC / R-ENC from a response data field (SW given apart). */
m2m_err m2m_scp03_unwrap_resp(m2m_scp03 *s, const uint8_t *data, size_t n, uint16_t sw,
			      m2m_buf *out);

/* Card side. */
/* Derives the session keys for the challenges; fills the response's cryptogram. */
m2m_err m2m_scp03_card_open(m2m_scp03 *s, const m2m_scp03_keys *k, const uint8_t host_chal[8],
			    m2m_scp03_iu_resp *r);
/* Checks an EXTERNAL AUTHENTICATE APDU (host cryptogram and C-MAC) and opens the channel. */
m2m_err m2m_scp03_card_ext_auth(m2m_scp03 *s, const uint8_t *apdu, size_t n);
/* Checks and unwraps a secured command APDU into the plain APDU. A failed check closes
 * the session (M2M_ERR_VERIFY), as Amendment D requires. */
m2m_err m2m_scp03_unwrap_cmd(m2m_scp03 *s, const uint8_t *apdu, size_t n, m2m_buf *out);
/* Protects a response data field (SW apart); error SWs get no protection. */
m2m_err m2m_scp03_wrap_resp(m2m_scp03 *s, const uint8_t *data, size_t n, uint16_t sw,
			    m2m_buf *out);

/* Padding of GP Card Specification B.2.3 (80 00..). */
m2m_err m2m_scp03_pad80(const uint8_t *in, size_t n, m2m_buf *out);
/* Length of the data without padding; M2M_ERR_VERIFY when the padding is wrong. */
m2m_err m2m_scp03_unpad80(const uint8_t *p, size_t n, size_t *len);

#endif
