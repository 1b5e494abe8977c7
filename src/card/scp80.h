/*
 * SCP80: the secured packets of ETSI TS 102 225 in the SMS dialect of 3GPP TS 31.115.
 *
 * Command packet (server -> card), as returned by m2m_scp80_wrap:
 *   CPL(2) CHL(1) SPI(2) KIc(1) KID(1) TAR(3) | CNTR(5) PCNTR(1) RC/CC(0/2/4/8) data pad
 *                                               \_______ enciphered if SPI1 b3 ________/
 * Response packet / PoR (card -> server), without its UDH 02 71 00:
 *   RPL(2) RHL(1) TAR(3) | CNTR(5) PCNTR(1) status(1) RC/CC data pad
 *                          \____ enciphered if SPI2 b5 ____/
 * The RC/CC of a command covers CPL..PCNTR and the data with its padding; the RC/CC of a
 * PoR also covers the UDH 02 71 00 in front (pySim test vectors). docs/scp80.md lists the
 * choices made where the sources are unclear.
 */
#ifndef M2M_CARD_SCP80_H
#define M2M_CARD_SCP80_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

/* SPI first byte. */
#define M2M_SCP80_SPI1_CHK_MASK 0x03 /* b2b1: which check the command carries */
#define M2M_SCP80_CHK_NONE 0x00
#define M2M_SCP80_CHK_RC 0x01
#define M2M_SCP80_CHK_CC 0x02
#define M2M_SCP80_CHK_DS 0x03
#define M2M_SCP80_SPI1_CIPHER 0x04  /* b3 */
#define M2M_SCP80_SPI1_CNTR_SHIFT 3 /* b5b4 */
#define M2M_SCP80_CNTR_NONE 0          /* no counter */
#define M2M_SCP80_CNTR_NO_CHECK 1      /* counter present, no replay check */
#define M2M_SCP80_CNTR_HIGHER 2        /* must be higher than the last one */
#define M2M_SCP80_CNTR_ONE_HIGHER 3    /* must be exactly one higher */
/* SPI second byte. */
#define M2M_SCP80_SPI2_POR_MASK 0x03 /* b2b1 */
#define M2M_SCP80_POR_NONE 0x00
#define M2M_SCP80_POR_ALWAYS 0x01
#define M2M_SCP80_POR_ON_ERROR 0x02
#define M2M_SCP80_SPI2_CHK_SHIFT 2     /* b4b3: PoR RC/CC/DS, coded as SPI1 b2b1 */
#define M2M_SCP80_SPI2_CIPHER 0x10     /* b5: PoR enciphered */
#define M2M_SCP80_SPI2_VIA_SUBMIT 0x20 /* b6: PoR in an SMS-SUBMIT, else SMS-DELIVER-REPORT */

/* SGP.02 defaults: CC + ciphering + counter higher; PoR always, CC'd, ciphered, by SUBMIT. */
#define M2M_SCP80_SGP02_SPI1 0x16
#define M2M_SCP80_SGP02_SPI2 0x39
#define M2M_SCP80_TAR_ISDR 0x000001u

/* KIc / KID low nibble (the high nibble is the key index). */
#define M2M_SCP80_ALG_IMPLICIT 0x0 /* refused: nothing here knows the agreed algorithm */
#define M2M_SCP80_ALG_DES 0x1      /* single DES (KIc/KID for CC) or CRC16 (KID for RC) */
#define M2M_SCP80_ALG_AES 0x2      /* AES-CBC (KIc) or AES-CMAC (KID for CC) */
#define M2M_SCP80_ALG_3DES2 0x5    /* 3DES 2 keys (KIc/KID for CC) or CRC32 (KID for RC) */
#define M2M_SCP80_ALG_3DES3 0x9    /* 3DES 3 keys */
#define M2M_SCP80_ALG_CRC16 0x1
#define M2M_SCP80_ALG_CRC32 0x5

#define M2M_SCP80_CNTR_MAX 0xFFFFFFFFFFull /* 5 bytes */
#define M2M_SCP80_CC_LEN 8
#define M2M_SCP80_MAX_KEY 32

/* Response status of a PoR (TS 102 225 table 5, TS 31.115 section 7). */
typedef enum {
	M2M_POR_OK = 0x00,
	M2M_POR_RC_CC_DS_FAILED = 0x01,
	M2M_POR_CNTR_LOW = 0x02,
	M2M_POR_CNTR_HIGH = 0x03,
	M2M_POR_CNTR_BLOCKED = 0x04,
	M2M_POR_CIPHERING_ERROR = 0x05,
	M2M_POR_UNDEFINED_SECURITY_ERROR = 0x06,
	M2M_POR_INSUFFICIENT_MEMORY = 0x07,
	M2M_POR_MORE_TIME = 0x08,
	M2M_POR_TAR_UNKNOWN = 0x09,
	M2M_POR_INSUFFICIENT_SECURITY_LEVEL = 0x0A,
	M2M_POR_RESPONSE_IN_SMS_SUBMIT = 0x0B,
	M2M_POR_RESPONSE_IN_USSD = 0x0C,
} m2m_scp80_por_status;

/* "por_ok", "cntr_low"... (pySim's names); "unknown" for other values. */
const char *m2m_scp80_por_status_name(unsigned status);

/* The header fields of a command packet. pcntr is an output of the parser; the builder
 * computes it. */
typedef struct {
	uint8_t spi[2];
	uint8_t kic;
	uint8_t kid;
	uint8_t tar[3];
	uint64_t counter; /* 40 bits */
	uint8_t pcntr;
} m2m_scp80_hdr;

/* The header fields of a response packet. */
typedef struct {
	uint8_t tar[3];
	uint64_t counter;
	uint8_t pcntr;
	uint8_t status;
} m2m_scp80_rsp;

/* One key; len 0 means "not given". Call m2m_scp80_key_wipe when done with it. */
typedef struct {
	uint8_t key[M2M_SCP80_MAX_KEY];
	size_t len;
} m2m_scp80_key;

/* The ciphering key (KIc) and the RC/CC key (KID) of one key set. */
typedef struct {
	m2m_scp80_key kic;
	m2m_scp80_key kid;
} m2m_scp80_keys;

m2m_err m2m_scp80_key_set(m2m_scp80_key *k, const uint8_t *key, size_t len);
void m2m_scp80_key_wipe(m2m_scp80_key *k);
void m2m_scp80_keys_wipe(m2m_scp80_keys *k);

/* Length of the RC/CC field for check mechanism chk (M2M_SCP80_CHK_*) and KID, or an
 * error for DS (M2M_ERR_UNSUPPORTED) and unknown algorithms. */
m2m_err m2m_scp80_check_len(unsigned chk, uint8_t kid, size_t *len);

/* Server side: builds the command packet (CPL first) into out (appended). The counter and
 * the algorithms come from hdr (KIc/KID low nibbles); keys are needed only as SPI asks. */
m2m_err m2m_scp80_wrap(const m2m_scp80_hdr *hdr, const m2m_scp80_keys *keys,
		       const uint8_t *data, size_t len, m2m_buf *out);

/* The card's replay rule for the counter mode in SPI1 b5b4: M2M_POR_OK or the PoR status
 * (02 too low, 03 too high, 04 blocked: the stored counter is at its maximum). */
m2m_scp80_por_status m2m_scp80_counter_check(const uint8_t spi[2], uint64_t last,
					     uint64_t received);

/* Card side: reads the clear header (SPI, KIc, KID, TAR) of a command packet, checking only
 * its lengths, so the card can find the key set before opening it. */
m2m_err m2m_scp80_command_header(const uint8_t *pkt, size_t n, m2m_scp80_hdr *hdr);

/* Card side: opens a command packet (CPL first). hdr gets the header as far as it could be
 * read (enough for a PoR once TAR is known), *status the PoR status to report, data (appended)
 * the secured data without padding. last_counter NULL skips the counter check; otherwise the
 * caller stores hdr->counter as the new last counter when this returns M2M_OK. Errors:
 * M2M_ERR_BOUNDS / M2M_ERR_FORMAT malformed, M2M_ERR_VERIFY bad RC/CC (status 01),
 * M2M_ERR_STATE counter refused (status 02-04), M2M_ERR_UNSUPPORTED DS or unknown algorithm. */
m2m_err m2m_scp80_unwrap_command(const uint8_t *pkt, size_t n, const m2m_scp80_keys *keys,
				 const uint64_t *last_counter, m2m_scp80_hdr *hdr,
				 uint8_t *status, m2m_buf *data);

/* Whether the card sends a PoR for this status under SPI2 b2b1. */
bool m2m_scp80_por_wanted(const uint8_t spi[2], uint8_t status);

/* Card side: builds the PoR for the command header cmd (its SPI2 rules, KIc/KID algorithms,
 * TAR and counter) into out (appended), without the UDH 02 71 00. */
m2m_err m2m_scp80_wrap_response(const m2m_scp80_hdr *cmd, const m2m_scp80_keys *keys,
				uint8_t status, const uint8_t *data, size_t len, m2m_buf *out);

/* Server side: opens a PoR (without its UDH) sent under the given SPI/KIc/KID. rsp gets the
 * header, data (appended) the additional response data without padding. M2M_ERR_VERIFY if
 * the RC/CC does not match. */
m2m_err m2m_scp80_unwrap_response(const uint8_t spi[2], uint8_t kic, uint8_t kid,
				  const m2m_scp80_keys *keys, const uint8_t *pkt, size_t n,
				  m2m_scp80_rsp *rsp, m2m_buf *data);

/* ---- the card's receiving end (scp80_card.c) ---- */

/* What the card holds for one TAR and the key indexes of a packet. */
typedef struct {
	m2m_scp80_keys keys;
	uint64_t last_counter;
	/* The least security the application accepts (TS 102 225 5.1.1): SPI1 bits for the
	 * check (b2b1: 01 RC, 10 CC), ciphering (b3) and the lowest counter mode (b5b4). */
	uint8_t min_spi1;
} m2m_scp80_tar_info;

/* Finds the key set of a TAR and the KIc/KID key indexes: M2M_POR_OK with info filled,
 * M2M_POR_TAR_UNKNOWN, or M2M_POR_UNDEFINED_SECURITY_ERROR for unknown key indexes. */
typedef m2m_scp80_por_status (*m2m_scp80_tar_lookup)(void *ctx, const uint8_t tar[3],
						     uint8_t kic, uint8_t kid,
						     m2m_scp80_tar_info *info);

/* The card's handling of a received command packet: header, key set lookup by TAR, the
 * application's minimum security level (status 0A), then m2m_scp80_unwrap_command with the
 * stored counter. On M2M_OK the caller stores hdr->counter as the TAR's new counter.
 * *status is the PoR status in every case; M2M_ERR_STATE for 09/0A/06 refusals. */
m2m_err m2m_scp80_card_receive(const uint8_t *pkt, size_t n, m2m_scp80_tar_lookup lookup,
			       void *ctx, m2m_scp80_hdr *hdr, uint8_t *status, m2m_buf *data);

#endif
