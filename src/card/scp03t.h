/*
 * SCP03t: the TLV form of SCP03 that SGP.02 (4.1.3.3) uses to download a profile package
 * into an ISD-P over ES8. Command TLVs: 84 INITIALIZE UPDATE, 85 EXTERNAL AUTHENTICATE,
 * 86 protected data segment; error answers 9F44 / 9F45 / 9F46 with a 1-byte code.
 * Layout and chaining follow docs/scp03t.md (checked against a recorded real session).
 */
#ifndef M2M_CARD_SCP03T_H
#define M2M_CARD_SCP03T_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "card/scp03.h"
#include "core/buf.h"
#include "core/err.h"

enum {
	M2M_SCP03T_TAG_IU = 0x84,
	M2M_SCP03T_TAG_EA = 0x85,
	M2M_SCP03T_TAG_DATA = 0x86,
	M2M_SCP03T_TAG_ERR_IU = 0x9F44,
	M2M_SCP03T_TAG_ERR_EA = 0x9F45,
	M2M_SCP03T_TAG_ERR_DATA = 0x9F46,
};

/* Codes in the error TLVs. Only 02 (authentication / MAC failed) and 03 (keys missing) were
 * seen in real traffic; 01 for malformed or out-of-sequence commands is our choice. */
enum {
	M2M_SCP03T_CODE_FORMAT = 0x01,
	M2M_SCP03T_CODE_VERIFY = 0x02,
	M2M_SCP03T_CODE_NO_KEY = 0x03,
};

#define M2M_SCP03T_LEVEL 0x33         /* C-MAC, C-DEC, R-MAC, R-ENC */
#define M2M_SCP03T_I 0x70             /* pseudo-random card challenge, R-MAC/R-ENC */
#define M2M_SCP03T_SEGMENT_DEFAULT 1024
#define M2M_SCP03T_SEGMENT_MAX 65000  /* keeps the 86 TLV value under 64 KiB */

/* SM-DP side. */
typedef struct {
	m2m_scp03 sc;
	m2m_scp03_keys keys;
	uint8_t host_challenge[M2M_SCP03_CHALLENGE];
	uint8_t key_id;
	bool authenticated;
} m2m_scp03t_host;

m2m_err m2m_scp03t_host_init(m2m_scp03t_host *h, const m2m_scp03_keys *k, uint8_t key_id,
			     const uint8_t host_chal[8]);
void m2m_scp03t_host_wipe(m2m_scp03t_host *h);
/* Appends the 84 command TLV: 84 0A KVN KeyID host_challenge. */
m2m_err m2m_scp03t_host_iu(const m2m_scp03t_host *h, m2m_buf *out);
/* Checks the card's 84 response value (KVN, card cryptogram: M2M_ERR_VERIFY if wrong) and
 * appends the 85 command TLV: 85 11 33 host_cryptogram C-MAC. */
m2m_err m2m_scp03t_host_auth(m2m_scp03t_host *h, const uint8_t *iu_value, size_t n,
			     m2m_buf *out);
/* Appends one 86 TLV protecting n plaintext bytes (C-DEC with the next counter, C-MAC). */
m2m_err m2m_scp03t_host_segment(m2m_scp03t_host *h, const uint8_t *chunk, size_t n,
				m2m_buf *out);
/* Checks a card answer to 85 or 86: 85 00 / 86 00 give nothing; 86 L carries R-ENC data and
 * an R-MAC (appended to plain once verified); 9F44/45/46 give M2M_ERR_VERIFY. */
m2m_err m2m_scp03t_host_response(m2m_scp03t_host *h, const uint8_t *tlv, size_t n,
				 m2m_buf *plain);

/* Card (ISD-P) side. */
typedef struct {
	m2m_scp03 sc;
	m2m_scp03_keys keys;
	uint8_t aid[M2M_SCP03_AID_MAX];
	size_t aid_len;
	uint8_t key_div[M2M_SCP03_KEY_DIV];
	uint32_t seq;          /* sequence counter the next INITIALIZE UPDATE uses */
	bool any_kvn;          /* answer any KVN with this one key set (CLI without --kvn) */
	enum { M2M_SCP03T_IDLE, M2M_SCP03T_CHALLENGED, M2M_SCP03T_OPEN } state;
	size_t segments;       /* 86 commands accepted in this session */
} m2m_scp03t_card;

/* key_div NULL means 10 zero bytes; seq is the counter of the first INITIALIZE UPDATE. */
m2m_err m2m_scp03t_card_init(m2m_scp03t_card *c, const m2m_scp03_keys *k, const uint8_t *aid,
			     size_t aid_len, const uint8_t seq[3], const uint8_t *key_div,
			     bool any_kvn);
void m2m_scp03t_card_wipe(m2m_scp03t_card *c);
/* Processes one command TLV (exactly n bytes). Appends the answer TLV to resp (84 response,
 * 85 00, 86 00, or an error TLV) and, for 86, the recovered plaintext to plain. Any failed
 * check returns an error and closes the session; a new 84 opens another one. */
m2m_err m2m_scp03t_card_process(m2m_scp03t_card *c, const uint8_t *cmd, size_t n,
				m2m_buf *resp, m2m_buf *plain);
/* Appends a protected 86 answer (R-ENC + R-MAC) carrying data, e.g. the EUICCResponse
 * after the last segment. */
m2m_err m2m_scp03t_card_response(m2m_scp03t_card *c, const uint8_t *data, size_t n,
				 m2m_buf *resp);

#endif
