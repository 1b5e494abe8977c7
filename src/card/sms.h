/*
 * The SMS layer under SCP80 (3GPP TS 23.040): SMS-DELIVER (network to card) and SMS-SUBMIT
 * (card to network) TPDUs, the user data header with the command / response packet
 * identifiers (IEI 70 / 71) of TS 31.115, and concatenation (IEI 00 with an 8-bit reference,
 * IEI 08 with a 16-bit one) for secured packets that do not fit 140 octets.
 */
#ifndef M2M_CARD_SMS_H
#define M2M_CARD_SMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

#define M2M_SMS_UD_MAX 140    /* octets of TP-UD in one SM */
#define M2M_SMS_PID_SIM_DL 0x7F /* TP-PID "(U)SIM data download" */
#define M2M_SMS_DCS_CLASS2_8BIT 0xF6
#define M2M_SMS_IEI_CONCAT8 0x00
#define M2M_SMS_IEI_CONCAT16 0x08
#define M2M_SMS_IEI_CPI 0x70 /* command packet identifier */
#define M2M_SMS_IEI_RPI 0x71 /* response packet identifier */
#define M2M_SMS_ADDR_MAX_DIGITS 20
#define M2M_SMS_MAX_PARTS 255

/* First-octet bits (TS 23.040 9.2.3). */
#define M2M_SMS_MTI_DELIVER 0x00
#define M2M_SMS_MTI_SUBMIT 0x01
#define M2M_SMS_MMS 0x04  /* DELIVER: no more messages waiting */
#define M2M_SMS_UDHI 0x40

/* An address (TP-OA, TP-DA, or the TS 102 223 address of the SMSC). Digits are "0"-"9" and
 * the BCD extras "*", "#", "a", "b", "c". */
typedef struct {
	uint8_t ton_npi; /* e.g. 0x91 international E.164, 0x81 unknown E.164 */
	char digits[M2M_SMS_ADDR_MAX_DIGITS + 1];
} m2m_sms_addr;

/* Semi-octet BCD (nibble-swapped, F-filled) of the digits: appends (len+1)/2 bytes. */
m2m_err m2m_sms_bcd_encode(const char *digits, m2m_buf *out);
/* Decodes n bytes of semi-octets into `digits` (cap bytes with the NUL), stopping at an F
 * filler in the last byte; max_digits limits the count (the address length field). */
m2m_err m2m_sms_bcd_decode(const uint8_t *p, size_t n, size_t max_digits, char *digits,
			   size_t cap);
/* TS 23.040 9.1.2.5 address: digit count, TON/NPI, semi-octets. */
m2m_err m2m_sms_addr_encode(const m2m_sms_addr *a, m2m_buf *out);
m2m_err m2m_sms_addr_decode(m2m_rd *r, m2m_sms_addr *a);

/* Service centre time stamp (TS 23.040 9.2.3.11). tz in quarters of an hour, signed. */
typedef struct {
	unsigned year; /* 0-99 */
	unsigned month, day, hour, minute, second;
	int tz;
} m2m_sms_time;

m2m_err m2m_sms_scts_encode(const m2m_sms_time *t, uint8_t out[7]);
m2m_err m2m_sms_scts_decode(const uint8_t in[7], m2m_sms_time *t);

/* One TPDU, DELIVER or SUBMIT. On decode, ud points into the caller's bytes. */
typedef struct {
	uint8_t first;     /* first octet; the encoders set the MTI and UDHI bits themselves */
	m2m_sms_addr addr; /* TP-OA (DELIVER) or TP-DA (SUBMIT) */
	uint8_t mr;        /* SUBMIT: TP-MR */
	uint8_t pid;
	uint8_t dcs;
	uint8_t scts[7];   /* DELIVER */
	uint8_t vp[7];     /* SUBMIT: validity period as TP-VPF (first bits 4-3) says */
	bool udhi;
	uint8_t udl;       /* TP-UDL as sent (septets for 7-bit DCS) */
	const uint8_t *ud; /* TP-UD including the UDH */
	size_t ud_len;     /* octets */
} m2m_sms_tpdu;

/* True if the DCS selects the GSM 7-bit alphabet (then UDL counts septets). */
bool m2m_sms_dcs_is_7bit(uint8_t dcs);

/* Encoders take 8-bit user data only (UDL = ud_len); 7-bit DCS is refused. */
m2m_err m2m_sms_deliver_encode(const m2m_sms_tpdu *t, m2m_buf *out);
m2m_err m2m_sms_deliver_decode(const uint8_t *p, size_t n, m2m_sms_tpdu *t);
m2m_err m2m_sms_submit_encode(const m2m_sms_tpdu *t, m2m_buf *out);
m2m_err m2m_sms_submit_decode(const uint8_t *p, size_t n, m2m_sms_tpdu *t);

/* SMS-DELIVER-REPORT (TS 23.040 9.2.2.1a), the card's answer inside RP-ACK or RP-ERROR; with
 * SPI2 b6 = 0 it carries the PoR (UDH 02 71 00). Optional fields are present as TP-PI says. */
#define M2M_SMS_PI_PID 0x01
#define M2M_SMS_PI_DCS 0x02
#define M2M_SMS_PI_UDL 0x04

typedef struct {
	bool error;        /* RP-ERROR variant: TP-FCS present */
	uint8_t fcs;       /* TP-FCS, e.g. D4 "SIM data download error" */
	uint8_t pi;        /* TP-PI: which of pid, dcs, ud follow */
	uint8_t pid;
	uint8_t dcs;
	bool udhi;
	const uint8_t *ud; /* TP-UD including the UDH; on decode, points into the input */
	size_t ud_len;
} m2m_sms_report;

/* 8-bit user data only; at most 140 octets of TP-UD (a longer PoR goes by SMS-SUBMIT). */
m2m_err m2m_sms_report_encode(const m2m_sms_report *r, m2m_buf *out);
/* error says which variant the caller received (RP-ERROR carries TP-FCS), as the TPDU itself
 * does not tell. */
m2m_err m2m_sms_report_decode(const uint8_t *p, size_t n, bool error, m2m_sms_report *r);

/* One information element of a UDH. */
typedef struct {
	uint8_t iei;
	uint8_t len;
	const uint8_t *value;
} m2m_sms_ie;

/* Splits a TP-UD that starts with a UDH into its elements (up to cap) and the payload after
 * it. *count gets the number found; more than cap is M2M_ERR_BOUNDS. */
m2m_err m2m_sms_udh_parse(const uint8_t *ud, size_t n, m2m_sms_ie *ies, size_t cap,
			  size_t *count, const uint8_t **payload, size_t *payload_len);

/* Splits a secured packet into TP-UDs of at most 140 octets. The packet identifier
 * (iei 70 command, 71 response) goes in the first part only, after the concatenation element
 * (TS 31.115 order); a packet that fits goes out with UDH 02 iei 00 alone. ref16 selects IEI 08.
 * parts[] must hold M2M_SMS_MAX_PARTS initialised buffers, or fewer if cap says so. */
m2m_err m2m_sms_segment(uint8_t iei, const uint8_t *pkt, size_t n, uint16_t ref, bool ref16,
			m2m_buf *parts, size_t cap, size_t *count);

/* Reassembles the TP-UDs of one secured packet, accepting parts in any order and the packet
 * identifier anywhere in a part's UDH. Duplicates (same sequence number) are ignored and
 * counted. */
typedef struct {
	bool active;
	bool ref16;
	uint16_t ref;
	uint8_t total;
	uint8_t received;
	uint8_t iei;          /* 70 / 71 once seen, else 0 */
	unsigned duplicates;
	m2m_buf part[M2M_SMS_MAX_PARTS];
	bool have[M2M_SMS_MAX_PARTS];
} m2m_sms_reasm;

void m2m_sms_reasm_init(m2m_sms_reasm *r);
void m2m_sms_reasm_free(m2m_sms_reasm *r);
/* Feeds one TP-UD. *done becomes true when the packet is complete: then out gets it
 * (appended), *iei its identifier, and the reassembler is reset. A part of another reference
 * while one is pending is M2M_ERR_STATE (call m2m_sms_reasm_free to drop the pending one). */
m2m_err m2m_sms_reasm_add(m2m_sms_reasm *r, const uint8_t *ud, size_t n, m2m_buf *out,
			  uint8_t *iei, bool *done);
/* Writes the missing sequence numbers (1-based) of the pending packet; returns how many
 * are missing (may exceed cap). */
size_t m2m_sms_reasm_missing(const m2m_sms_reasm *r, uint8_t *missing, size_t cap);

#endif
