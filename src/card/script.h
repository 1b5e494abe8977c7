/*
 * ETSI TS 102 226 remote command scripts, the secured data of SCP80 packets and the bodies of
 * SCP81 exchanges:
 *   expanded command script   AA L {...} or AE 80 {...} 00 00 holding C-APDUs (22), immediate
 *                             actions (81), error actions (82) and script chaining (83 01 xx)
 *   expanded response         AB L {...} or AF 80 {...} 00 00 holding the number of executed
 *                             commands (80), R-APDUs (23) and a bad-format indication (90)
 *   compact command           C-APDUs back to back
 *   compact response          executed count, SW1 SW2 of the last command, its data
 */
#ifndef M2M_CARD_SCRIPT_H
#define M2M_CARD_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/tlv.h"

enum {
	M2M_SCRIPT_TAG_COMMAND = 0xAA,       /* definite command scripting template */
	M2M_SCRIPT_TAG_COMMAND_INDEF = 0xAE, /* indefinite command scripting template */
	M2M_SCRIPT_TAG_RESPONSE = 0xAB,
	M2M_SCRIPT_TAG_RESPONSE_INDEF = 0xAF,
	M2M_SCRIPT_TAG_CAPDU = 0x22,
	M2M_SCRIPT_TAG_RAPDU = 0x23,
	M2M_SCRIPT_TAG_EXECUTED = 0x80,
	M2M_SCRIPT_TAG_IMMEDIATE = 0x81,
	M2M_SCRIPT_TAG_ERROR_ACTION = 0x82,
	M2M_SCRIPT_TAG_CHAINING = 0x83,
	M2M_SCRIPT_TAG_BAD_FORMAT = 0x90,
};

/* Script chaining (83 01 xx): how this script relates to the ones in other packets. */
typedef enum {
	M2M_CHAIN_NONE = 0x00,         /* no chaining TLV: a script on its own */
	M2M_CHAIN_FIRST_DELETE = 0x01, /* first of a chain; drop the chain on reset */
	M2M_CHAIN_FIRST_KEEP = 0x11,   /* first of a chain; keep it across a reset */
	M2M_CHAIN_NEXT = 0x02,         /* more to follow */
	M2M_CHAIN_LAST = 0x03,         /* last of the chain */
} m2m_script_chain;

bool m2m_script_chain_valid(uint8_t v);

/* ---- expanded command scripts: building (server side) ---- */

typedef struct {
	m2m_buf *out;
	size_t mark;     /* definite form: where the value starts */
	size_t start;    /* where the template starts, to roll back on error */
	bool indefinite;
	bool open;
} m2m_script_builder;

m2m_err m2m_script_begin(m2m_script_builder *sb, m2m_buf *out, bool indefinite,
			 m2m_script_chain chain);
m2m_err m2m_script_add_capdu(m2m_script_builder *sb, const uint8_t *apdu, size_t len);
/* Immediate action (81): one byte, or the referenced-action form. */
m2m_err m2m_script_add_immediate(m2m_script_builder *sb, const uint8_t *action, size_t len);
m2m_err m2m_script_add_error_action(m2m_script_builder *sb, const uint8_t *action, size_t len);
m2m_err m2m_script_end(m2m_script_builder *sb);

/* ---- expanded command scripts: reading (card side) ---- */

typedef enum {
	M2M_SCRIPT_ITEM_CAPDU,
	M2M_SCRIPT_ITEM_IMMEDIATE,
	M2M_SCRIPT_ITEM_ERROR_ACTION,
} m2m_script_item_type;

typedef struct {
	m2m_script_item_type type;
	const uint8_t *data;
	size_t len;
} m2m_script_item;

/* Why a script was refused: the value of the bad-format TLV (90) of the response. */
typedef enum {
	M2M_BAD_FORMAT_NONE = 0x00,
	M2M_BAD_FORMAT_UNKNOWN_TAG = 0x01,
	M2M_BAD_FORMAT_LENGTH = 0x02, /* length of a TLV or of the template wrong */
	M2M_BAD_FORMAT_CHAINING = 0x03, /* chaining TLV misplaced or with a bad value */
} m2m_script_bad_format;

typedef struct {
	m2m_tlv_iter it;
	bool indefinite;
	m2m_script_chain chain;
	m2m_script_bad_format bad_format; /* set when an error is returned */
	size_t index;                     /* commands read so far */
} m2m_script_reader;

/* Accepts exactly one AA or AE template. Tolerates, as cards do, a bare sequence of 22
 * TLVs without a template (seen from deployed SM-SRs). */
m2m_err m2m_script_open(m2m_script_reader *r, const uint8_t *data, size_t len);
/* M2M_OK with the next item, M2M_END after the last, M2M_ERR_FORMAT with r->bad_format set. */
m2m_err m2m_script_next(m2m_script_reader *r, m2m_script_item *item);

/* ---- expanded responses ---- */

/* Builds AB/AF { 80 01 executed, 23 R-APDU..., [90 01 bad_format] }. rapdus holds the
 * R-APDUs (data || SW1 SW2), each as one element of lens. */
m2m_err m2m_script_response_build(m2m_buf *out, bool indefinite, uint8_t executed,
				  const uint8_t *const *rapdus, const size_t *lens, size_t count,
				  m2m_script_bad_format bad_format);

typedef struct {
	uint8_t executed;
	m2m_script_bad_format bad_format;
	bool indefinite;
	m2m_tlv_iter it; /* walks the R-APDUs */
} m2m_script_response;

/* Parses an AB or AF response; the executed count (80) must be present. */
m2m_err m2m_script_response_open(m2m_script_response *resp, const uint8_t *data, size_t len);
/* Next R-APDU (data || SW): M2M_OK, M2M_END or an error. */
m2m_err m2m_script_response_next(m2m_script_response *resp, const uint8_t **rapdu, size_t *len);

/* ---- compact format ---- */

/* Splits a compact command string into C-APDUs: CLA INS P1 P2 P3 [P3 bytes of data], except
 * for the ISO case 2 commands (READ BINARY, READ RECORD, GET RESPONSE, STATUS, GET DATA,
 * FETCH) whose P3 is Le and which carry no data. */
typedef struct {
	m2m_rd rd;
} m2m_script_compact_reader;

void m2m_script_compact_open(m2m_script_compact_reader *r, const uint8_t *data, size_t len);
m2m_err m2m_script_compact_next(m2m_script_compact_reader *r, const uint8_t **apdu, size_t *len);

/* Compact response: executed count, SW1 SW2 of the last executed command, its data. */
m2m_err m2m_script_compact_response_build(m2m_buf *out, uint8_t executed, uint16_t sw,
					  const uint8_t *data, size_t len);
m2m_err m2m_script_compact_response_parse(const uint8_t *in, size_t len, uint8_t *executed,
					  uint16_t *sw, const uint8_t **data, size_t *data_len);

#endif
