/* TS 102 226 scripts on the card side: run the C-APDUs of one command script on one target
 * and build the response script in the same format (expanded or compact). */
#include <stdlib.h>
#include <string.h>

#include "card/script.h"
#include "core/tlv.h"
#include "euicc/ota.h"

#define MAX_COMMANDS 255 /* the executed count (80 01 n) is one byte */

/* TS 102 226: execution stops at the first error; warnings (62xx, 63xx) and the 61xx/91xx
 * informations are not errors. */
static bool sw_continues(const uint8_t *rapdu, size_t len)
{
	uint8_t sw1 = len >= 2 ? rapdu[len - 2] : 0x6F;

	return sw1 == 0x90 || sw1 == 0x91 || sw1 == 0x61 || sw1 == 0x62 || sw1 == 0x63;
}

/* The whole script is checked before anything runs: a bad format executes nothing. */
static m2m_script_bad_format expanded_check(const uint8_t *script, size_t n)
{
	m2m_script_reader r;
	m2m_script_item item;
	m2m_err err = m2m_script_open(&r, script, n);
	size_t count = 0;

	while (err == M2M_OK) {
		err = m2m_script_next(&r, &item);
		if (err == M2M_OK && item.type == M2M_SCRIPT_ITEM_CAPDU && ++count > MAX_COMMANDS)
			return M2M_BAD_FORMAT_LENGTH;
	}
	return err == M2M_END ? M2M_BAD_FORMAT_NONE : r.bad_format;
}

typedef struct {
	m2m_buf all;                  /* every R-APDU, back to back */
	size_t off[MAX_COMMANDS];
	size_t len[MAX_COMMANDS];
	size_t count;
} rapdus;

static m2m_err expanded_respond(const rapdus *ra, bool indefinite, m2m_script_bad_format bf,
				m2m_buf *resp)
{
	const uint8_t *ptr[MAX_COMMANDS];

	for (size_t i = 0; i < ra->count; i++)
		ptr[i] = ra->all.data + ra->off[i];
	return m2m_script_response_build(resp, indefinite, (uint8_t)ra->count, ptr, ra->len,
					 ra->count, bf);
}

static m2m_err run_expanded(m2m_euicc *e, const m2m_euicc_ota *ota, int target,
			    const uint8_t *script, size_t n, m2m_buf *resp,
			    m2m_euicc_events *ev, bool *more)
{
	m2m_script_reader r;
	m2m_script_item item;
	rapdus *ra = calloc(1, sizeof *ra);
	m2m_script_bad_format bf = expanded_check(script, n);
	m2m_err err = M2M_ERR_NOMEM;
	bool go = true;

	if (ra == NULL)
		goto out;
	m2m_buf_init(&ra->all);
	err = m2m_script_open(&r, script, n);
	*more = err == M2M_OK && (r.chain == M2M_CHAIN_FIRST_DELETE ||
				  r.chain == M2M_CHAIN_FIRST_KEEP || r.chain == M2M_CHAIN_NEXT);
	err = M2M_OK;
	while (bf == M2M_BAD_FORMAT_NONE && go && err == M2M_OK &&
	       m2m_script_next(&r, &item) == M2M_OK) {
		if (item.type != M2M_SCRIPT_ITEM_CAPDU)
			continue; /* immediate and error actions: not interpreted */
		ra->off[ra->count] = ra->all.len;
		err = m2m_euicc_ota_route_apdu(e, ota, target, item.data, item.len, &ra->all, ev);
		ra->len[ra->count] = ra->all.len - ra->off[ra->count];
		ra->count++;
		go = sw_continues(ra->all.data + ra->off[ra->count - 1], ra->len[ra->count - 1]);
	}
	/* A definite script gets a definite response; bare 22s too (n > 0 checked above). */
	if (err == M2M_OK)
		err = expanded_respond(ra, script[0] == M2M_SCRIPT_TAG_COMMAND_INDEF, bf, resp);
out:
	if (ra != NULL) {
		m2m_buf_free(&ra->all);
		free(ra);
	}
	return err;
}

static bool compact_check(const uint8_t *script, size_t n)
{
	m2m_script_compact_reader r;
	const uint8_t *apdu;
	size_t len, count = 0;
	m2m_err err = M2M_OK;

	m2m_script_compact_open(&r, script, n);
	while (err == M2M_OK && count <= MAX_COMMANDS) {
		err = m2m_script_compact_next(&r, &apdu, &len);
		count += err == M2M_OK;
	}
	return err == M2M_END && count <= MAX_COMMANDS;
}

/* Compact response: executed count, SW of the last command, its data. A malformed string
 * executes nothing and answers 00 6700. */
static m2m_err run_compact(m2m_euicc *e, const m2m_euicc_ota *ota, int target,
			   const uint8_t *script, size_t n, m2m_buf *resp, m2m_euicc_events *ev)
{
	m2m_script_compact_reader r;
	const uint8_t *apdu;
	size_t len;
	m2m_buf last;
	uint8_t executed = 0;
	m2m_err err = M2M_OK;
	bool go = compact_check(script, n);

	m2m_buf_init(&last);
	m2m_script_compact_open(&r, script, n);
	while (go && err == M2M_OK && m2m_script_compact_next(&r, &apdu, &len) == M2M_OK) {
		m2m_buf_reset(&last);
		err = m2m_euicc_ota_route_apdu(e, ota, target, apdu, len, &last, ev);
		executed++;
		go = sw_continues(last.data, last.len);
	}
	if (err == M2M_OK && executed == 0)
		err = m2m_script_compact_response_build(resp, 0, 0x6700, NULL, 0);
	else if (err == M2M_OK && last.len >= 2)
		err = m2m_script_compact_response_build(
			resp, executed, (uint16_t)(last.data[last.len - 2] << 8 | last.data[last.len - 1]),
			last.data, last.len - 2);
	m2m_buf_free(&last);
	return err;
}

m2m_err m2m_euicc_ota_run_script(m2m_euicc *e, const m2m_euicc_ota *ota, int target,
				 const uint8_t *script, size_t n, m2m_buf *resp,
				 m2m_euicc_events *ev, bool *more)
{
	m2m_err err;

	*more = false;
	if (n == 0)
		err = m2m_script_compact_response_build(resp, 0, 0x6700, NULL, 0);
	else if (script[0] == M2M_SCRIPT_TAG_COMMAND || script[0] == M2M_SCRIPT_TAG_COMMAND_INDEF ||
		 script[0] == M2M_SCRIPT_TAG_CAPDU)
		err = run_expanded(e, ota, target, script, n, resp, ev, more);
	else
		err = run_compact(e, ota, target, script, n, resp, ev);
	return err;
}

m2m_err m2m_euicc_ota_run_scp03t(m2m_euicc *e, const m2m_euicc_ota *ota, int idx,
				 const uint8_t *tlvs, size_t n, m2m_buf *resp,
				 m2m_euicc_events *ev)
{
	m2m_tlv_iter it;
	m2m_tlv t;
	m2m_err err = m2m_tlv_begin_indef(resp, M2M_SCRIPT_TAG_RESPONSE_INDEF);
	m2m_err step = M2M_OK;

	m2m_tlv_iter_init(&it, tlvs, n, M2M_TLV_BER);
	while (err == M2M_OK && ota->isdp_scp03t != NULL &&
	       (step = m2m_tlv_next(&it, &t)) == M2M_OK) {
		size_t before = resp->len;
		err = ota->isdp_scp03t(e, idx, t.value - t.hdr_len, t.size, resp, ev);
		/* An error TLV (9F44...) from the ISD-P ends the body as an error SW would. */
		if (err == M2M_OK && resp->len > before && resp->data[before] == 0x9F)
			break;
	}
	if (err == M2M_OK)
		err = m2m_tlv_end_indef(resp);
	return err;
}
