/* The package over SCP03t (SGP.02 4.1.3.3, docs/scp03t.md): 84 alone, then 85 and the 86
 * segments, in AE 80 .. 00 00 bodies for the ISD-P as whty's SM-SR sent them
 * (sgp02-bearers.md 3.2). Every 86 is built before the answers come back, so each command
 * keeps the host's MAC chaining value and counter: a protected answer to any of them can be
 * checked. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "card/script.h"
#include "crypto/hash.h"
#include "smdp/es8_int.h"

#define SCP03T_KEY_ID 0x00   /* the KeyID whty sent in 84 (sgp02-facts-2.md 5a) */
#define ERR_TAG_HIGH 0x9F00  /* 9F44 / 9F45 / 9F46 */

m2m_err m2m_es8_scp03t_open(m2m_es8_session *s)
{
	m2m_scp03_keys k;
	m2m_err err = m2m_scp03_keys_set(&k, s->keys.enc, s->keys.mac, s->keys.key_len,
					 s->keys.kvn);

	if (err == M2M_OK)
		err = m2m_scp03t_host_init(&s->host, &k, SCP03T_KEY_ID, s->host_chal);
	m2m_scp03_keys_wipe(&k);
	return err;
}

static m2m_err body_begin(m2m_es8_session *s)
{
	m2m_buf_reset(&s->out);
	s->ncmds = 0;
	return m2m_tlv_begin_indef(&s->out, M2M_SCRIPT_TAG_COMMAND_INDEF);
}

m2m_err m2m_es8_iu(m2m_es8_session *s)
{
	m2m_err err = body_begin(s);

	if (err == M2M_OK)
		err = m2m_scp03t_host_iu(&s->host, &s->out);
	if (err == M2M_OK)
		err = m2m_es8_cmd_add(s, M2M_SCP03T_TAG_IU, 0);
	if (err == M2M_OK)
		err = m2m_tlv_end_indef(&s->out);
	return err;
}

/* Size of the 86 TLV for n plaintext bytes: pad80 to blocks, C-MAC, minimal BER length. */
static size_t segment_tlv_size(size_t n)
{
	size_t v = (n / 16 + 1) * 16 + M2M_SCP03_MAC;

	return 1 + (v < 0x80 ? 1 : v < 0x100 ? 2 : v < 0x10000 ? 3 : 4) + v;
}

size_t m2m_es8_payload_min(size_t seg_size)
{
	/* AE 80 .. 00 00, the 85 TLV (19 bytes), one segment. */
	return 4 + 19 + segment_tlv_size(seg_size);
}

static size_t segment_len(const m2m_es8_session *s, size_t seg)
{
	size_t off = seg * s->seg_size;

	return s->pkg_len - off < s->seg_size ? s->pkg_len - off : s->seg_size;
}

m2m_err m2m_es8_data(m2m_es8_session *s)
{
	size_t budget = s->payload_max > 0 ? s->payload_max : SIZE_MAX;
	size_t segs = 0;
	m2m_err err = body_begin(s);

	if (err == M2M_OK && s->ea.len > 0) {
		err = m2m_buf_append(&s->out, s->ea.data, s->ea.len);
		if (err == M2M_OK)
			err = m2m_es8_cmd_add(s, M2M_SCP03T_TAG_EA, 0);
		m2m_buf_reset(&s->ea);
	}
	while (err == M2M_OK && s->next_seg < s->nseg) {
		size_t n = segment_len(s, s->next_seg);

		/* Two bytes of end-of-contents still follow. */
		if (segs > 0 && s->out.len + segment_tlv_size(n) + 2 > budget)
			break;
		err = m2m_scp03t_host_segment(&s->host, s->pkg + s->next_seg * s->seg_size, n,
					      &s->out);
		if (err == M2M_OK)
			err = m2m_es8_cmd_add(s, M2M_SCP03T_TAG_DATA, s->next_seg);
		s->next_seg++;
		segs++;
	}
	if (err == M2M_OK)
		err = m2m_tlv_end_indef(&s->out);
	return err;
}

static m2m_es8_step cmd_step(const m2m_es8_cmd *c)
{
	return c->tag == M2M_SCP03T_TAG_IU ? M2M_ES8_STEP_INIT_UPDATE :
	       c->tag == M2M_SCP03T_TAG_EA ? M2M_ES8_STEP_EXT_AUTH : M2M_ES8_STEP_SEGMENT;
}

static m2m_err fail_at(m2m_es8_session *s, const m2m_es8_cmd *c, m2m_err err,
		       const char *subject, const char *reason, const char *what)
{
	m2m_es8_step step = cmd_step(c);

	if (step == M2M_ES8_STEP_SEGMENT) {
		s->fail.segment = c->seg;
		s->fail.segment_offset = c->seg * s->seg_size;
		return m2m_es8_fail(s, step, err, subject, reason, "segment %zu of %zu: %s",
				    c->seg, s->nseg, what);
	}
	return m2m_es8_fail(s, step, err, subject, reason, "%s: %s", m2m_es8_step_name(step),
			    what);
}

/* 9F44 / 9F45 / 9F46 01 code: the ISD-P refused the command. */
static m2m_err error_tlv(m2m_es8_session *s, const m2m_es8_cmd *c, const m2m_tlv *t)
{
	char what[64];

	if (t->len != 1)
		return fail_at(s, c, M2M_ERR_FORMAT, M2M_ES8_SUBJ_ISDP, M2M_ES8_REASON_EXECUTION,
			       "malformed error answer");
	s->fail.scp03t_code = t->value[0];
	snprintf(what, sizeof what, "the card answered %04X %02X", (unsigned)t->tag,
		 t->value[0]);
	return fail_at(s, c, M2M_ERR_STATE, M2M_ES8_SUBJ_ISDP, M2M_ES8_REASON_EXECUTION, what);
}

static bool is_error_tag(uint32_t tag)
{
	return tag == M2M_SCP03T_TAG_ERR_IU || tag == M2M_SCP03T_TAG_ERR_EA ||
	       tag == M2M_SCP03T_TAG_ERR_DATA || (tag & 0xFF00) == ERR_TAG_HIGH;
}

m2m_err m2m_es8_iu_answer(m2m_es8_session *s, const uint8_t *resp, size_t n)
{
	const m2m_es8_cmd *c = &s->cmds[0];
	m2m_tlv_iter it;
	m2m_tlv t, extra;
	m2m_err err = m2m_es8_answers_open(resp, n, &it);

	if (err == M2M_OK)
		err = m2m_tlv_next(&it, &t);
	if (err == M2M_OK && is_error_tag(t.tag))
		return error_tlv(s, c, &t);
	if (err == M2M_OK && (t.tag != M2M_SCP03T_TAG_IU || m2m_tlv_next(&it, &extra) != M2M_END))
		err = M2M_ERR_FORMAT;
	if (err == M2M_OK) {
		m2m_buf_reset(&s->ea);
		err = m2m_scp03t_host_auth(&s->host, t.value, t.len, &s->ea);
	}
	if (err == M2M_ERR_VERIFY)
		return fail_at(s, c, err, M2M_ES8_SUBJ_ISDP, M2M_ES8_REASON_VERIFY,
			       "wrong card cryptogram or key set");
	if (err != M2M_OK)
		return fail_at(s, c, M2M_ERR_FORMAT, M2M_ES8_SUBJ_ISDP, M2M_ES8_REASON_EXECUTION,
			       "malformed answer");
	s->step = M2M_ES8_STEP_EXT_AUTH;
	return M2M_OK;
}

/* A protected 86 answer, checked with the chaining state of the command it answers. */
static m2m_err protected_answer(m2m_es8_session *s, const m2m_es8_cmd *c, const m2m_tlv *t)
{
	uint8_t mcv[sizeof s->host.sc.mcv];
	uint32_t counter = s->host.sc.counter;
	bool last = c->seg + 1 == s->nseg;
	m2m_buf plain;
	m2m_err err;

	m2m_buf_init(&plain);
	memcpy(mcv, s->host.sc.mcv, sizeof mcv);
	memcpy(s->host.sc.mcv, c->mcv, sizeof mcv);
	s->host.sc.counter = c->counter;
	err = m2m_scp03t_host_response(&s->host, t->value - t->hdr_len, t->size, &plain);
	memcpy(s->host.sc.mcv, mcv, sizeof mcv);
	s->host.sc.counter = counter;
	if (err == M2M_ERR_VERIFY)
		err = fail_at(s, c, err, M2M_ES8_SUBJ_ISDP, M2M_ES8_REASON_VERIFY,
			      "the answer's R-MAC does not verify");
	else if (err != M2M_OK)
		err = fail_at(s, c, M2M_ERR_FORMAT, M2M_ES8_SUBJ_ISDP, M2M_ES8_REASON_EXECUTION,
			      "malformed protected answer");
	else
		err = m2m_es8_euicc_response_check(s, c->seg, plain.data, plain.len, last);
	if (err == M2M_OK && last)
		s->done = true;
	m2m_buf_free(&plain);
	return err;
}

/* The answer to one command of a download payload. */
static m2m_err one_answer(m2m_es8_session *s, const m2m_es8_cmd *c, const m2m_tlv *t)
{
	if (is_error_tag(t->tag))
		return error_tlv(s, c, t);
	if (t->tag != c->tag || t->constructed || t->indefinite)
		return fail_at(s, c, M2M_ERR_FORMAT, M2M_ES8_SUBJ_ISDP, M2M_ES8_REASON_EXECUTION,
			       "answer of the wrong kind");
	if (c->tag == M2M_SCP03T_TAG_EA)
		return t->len == 0 ? M2M_OK :
				     fail_at(s, c, M2M_ERR_FORMAT, M2M_ES8_SUBJ_ISDP,
					     M2M_ES8_REASON_EXECUTION, "85 answer not empty");
	if (t->len > 0)
		return protected_answer(s, c, t);
	/* 86 00: accepted. After the last segment the card owes an EUICCResponse. */
	if (c->seg + 1 == s->nseg)
		return fail_at(s, c, M2M_ERR_STATE, M2M_ES8_SUBJ_PROFILE, M2M_ES8_REASON_EXECUTION,
			       "no EUICCResponse after the last segment");
	return M2M_OK;
}

m2m_err m2m_es8_data_answer(m2m_es8_session *s, const uint8_t *resp, size_t n)
{
	m2m_tlv_iter it;
	m2m_tlv t;
	size_t i = 0;
	m2m_err err = m2m_es8_answers_open(resp, n, &it);

	while (err == M2M_OK && !s->done && (err = m2m_tlv_next(&it, &t)) == M2M_OK) {
		if (i == s->ncmds)
			return fail_at(s, &s->cmds[s->ncmds - 1], M2M_ERR_FORMAT, M2M_ES8_SUBJ_ISDP,
				       M2M_ES8_REASON_EXECUTION, "more answers than commands");
		err = one_answer(s, &s->cmds[i++], &t);
	}
	if (s->failed)
		return s->fail.err;
	if (err == M2M_END && i < s->ncmds)
		return fail_at(s, &s->cmds[i], M2M_ERR_FORMAT, M2M_ES8_SUBJ_ISDP,
			       M2M_ES8_REASON_EXECUTION, "no answer");
	if (err != M2M_OK && err != M2M_END)
		return fail_at(s, &s->cmds[i < s->ncmds ? i : s->ncmds - 1], M2M_ERR_FORMAT,
			       M2M_ES8_SUBJ_ISDP, M2M_ES8_REASON_EXECUTION, "malformed answers");
	/* After the final EUICCResponse nothing else may follow. */
	if (s->done && (i != s->ncmds || m2m_tlv_next(&it, &t) != M2M_END)) {
		s->done = false;
		return fail_at(s, &s->cmds[s->ncmds - 1], M2M_ERR_FORMAT, M2M_ES8_SUBJ_ISDP,
			       M2M_ES8_REASON_EXECUTION, "answers after the last one");
	}
	s->step = s->done ? M2M_ES8_STEP_DONE : M2M_ES8_STEP_SEGMENT;
	return M2M_OK;
}
