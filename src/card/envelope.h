/*
 * ENVELOPE (SMS-PP DOWNLOAD) of ETSI TS 102 223 / 3GPP TS 31.111: how the terminal hands an
 * SMS-DELIVER with PID 7F and class 2 to the card.
 *   D1 L { 82 02 <source> <destination>   device identities (83 network -> 81 UICC)
 *          06 L <TON/NPI> <BCD>            address of the service centre (optional)
 *          8B L <SMS-DELIVER TPDU> }        SMS TPDU
 * Output uses 82, 06, 8B as pySim-smpp2sim does; on input the comprehension-required bit is
 * ignored (02/82, 06/86, 0B/8B).
 */
#ifndef M2M_CARD_ENVELOPE_H
#define M2M_CARD_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "card/sms.h"
#include "core/buf.h"
#include "core/err.h"

#define M2M_ENV_TAG_SMS_PP 0xD1
#define M2M_ENV_DEV_NETWORK 0x83
#define M2M_ENV_DEV_UICC 0x81

typedef struct {
	uint8_t src; /* device identity of the source, 83 network */
	uint8_t dst; /* 81 UICC */
	bool has_smsc;
	m2m_sms_addr smsc;   /* TON/NPI and digits; no digit count in this TLV */
	const uint8_t *tpdu; /* on decode: points into the caller's bytes */
	size_t tpdu_len;
} m2m_envelope_sms_pp;

/* The BER-TLV D1 (appended to out). */
m2m_err m2m_envelope_sms_pp_encode(const m2m_envelope_sms_pp *e, m2m_buf *out);
/* p must hold exactly one D1 TLV; device identities and TPDU are required. */
m2m_err m2m_envelope_sms_pp_decode(const uint8_t *p, size_t n, m2m_envelope_sms_pp *e);
/* The whole command APDU: 80 C2 00 00 Lc D1... (Lc up to 255). */
m2m_err m2m_envelope_apdu(const m2m_envelope_sms_pp *e, m2m_buf *out);

#endif
