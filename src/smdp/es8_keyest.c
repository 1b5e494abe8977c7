/* Key establishment with the new ISD-P (SGP.02 3.1.2, scenario #3) as two C-APDU scripts for
 * the ISD-R, which forwards the STORE DATA to the ISD-P named by INSTALL [for
 * personalization] (whty's session, sgp02-bearers.md 3.1; sgp02-facts-2.md 4a). */
#include <stdio.h>
#include <string.h>

#include "card/script.h"
#include "smdp/es8_int.h"

#define SW_OK 0x9000
#define KEYEST_CMDS_CERT 2 /* INSTALL [for personalization], STORE DATA #1 */
#define KEYEST_CMDS_EPK 1  /* STORE DATA #2 */

/* 80 E6 20 00 Lc 00 00 L AID 00 00 00: INSTALL [for personalization], case 3 as in whty's
 * SCP81 trace (22 1B: no Le; GP 11.5). */
static m2m_err install_perso(const uint8_t *aid, size_t aid_len, m2m_buf *out)
{
	static const uint8_t hdr[] = {0x80, 0xE6, 0x20, 0x00};
	static const uint8_t tail[] = {0x00, 0x00, 0x00};
	m2m_err err = m2m_buf_append(out, hdr, sizeof hdr);

	if (err == M2M_OK)
		err = m2m_buf_append_u8(out, (uint8_t)(aid_len + 6));
	if (err == M2M_OK)
		err = m2m_buf_append_fill(out, 0x00, 2);
	if (err == M2M_OK)
		err = m2m_buf_append_u8(out, (uint8_t)aid_len);
	if (err == M2M_OK)
		err = m2m_buf_append(out, aid, aid_len);
	if (err == M2M_OK)
		err = m2m_buf_append(out, tail, sizeof tail);
	return err;
}

/* Builds a script of the given C-APDUs (back to back in apdus, lengths in lens). */
static m2m_err script(m2m_es8_session *s, m2m_script_chain chain, const m2m_buf *apdus,
		      const size_t *lens, size_t count)
{
	m2m_script_builder sb;
	size_t off = 0;
	m2m_err err;

	m2m_buf_reset(&s->out);
	s->ncmds = 0;
	err = m2m_script_begin(&sb, &s->out, true, chain);
	for (size_t i = 0; err == M2M_OK && i < count; i++) {
		err = m2m_script_add_capdu(&sb, apdus->data + off, lens[i]);
		off += lens[i];
		if (err == M2M_OK)
			err = m2m_es8_cmd_add(s, M2M_SCRIPT_TAG_CAPDU, 0);
	}
	if (err == M2M_OK)
		err = m2m_script_end(&sb);
	return err;
}

m2m_err m2m_es8_keyest_cert(m2m_es8_session *s)
{
	m2m_buf apdus;
	size_t lens[KEYEST_CMDS_CERT];
	m2m_err err;

	m2m_buf_init(&apdus);
	err = install_perso(s->aid, s->aid_len, &apdus);
	lens[0] = apdus.len;
	if (err == M2M_OK)
		err = m2m_keyest_sd1_apdu(s->cert_dp.data, s->cert_dp.len, &apdus);
	lens[1] = apdus.len - lens[0];
	/* The STORE DATA chain spans both scripts: chaining says the second one follows. */
	if (err == M2M_OK)
		err = script(s, M2M_CHAIN_FIRST_DELETE, &apdus, lens, KEYEST_CMDS_CERT);
	m2m_buf_free(&apdus);
	return err;
}

m2m_err m2m_es8_keyest_epk(m2m_es8_session *s)
{
	m2m_buf apdu;
	size_t len;
	m2m_err err;

	m2m_buf_init(&apdu);
	err = m2m_keyest_host_sd2_apdu(&s->ke, s->sk_dp, s->pk_ecasd, &apdu);
	len = apdu.len;
	if (err == M2M_OK)
		err = script(s, M2M_CHAIN_LAST, &apdu, &len, KEYEST_CMDS_EPK);
	m2m_buf_free(&apdu);
	return err;
}

/* The card refused or answered nonsense: njiwa's and whty's "8.4 / 4.2 execution error". */
static m2m_err card_error(m2m_es8_session *s, m2m_es8_step step, m2m_err err, uint16_t sw,
			  const char *what)
{
	s->fail.sw = sw;
	return m2m_es8_fail(s, step, err, M2M_ES8_SUBJ_ISDR, M2M_ES8_REASON_EXECUTION, "%s: %s",
			    m2m_es8_step_name(step), what);
}

/* Reads the response script of `want` C-APDUs, all of which must end 9000; data[i] / len[i]
 * get each R-APDU's data (SW apart). */
static m2m_err answers(m2m_es8_session *s, m2m_es8_step step, const uint8_t *resp, size_t n,
		       size_t want, const uint8_t **data, size_t *len)
{
	m2m_script_response r;
	const uint8_t *ra;
	size_t ra_len, got = 0;
	m2m_err err;
	char what[64];

	if (m2m_script_response_open(&r, resp, n) != M2M_OK)
		return card_error(s, step, M2M_ERR_FORMAT, 0, "not a response script");
	if (r.bad_format != M2M_BAD_FORMAT_NONE) {
		snprintf(what, sizeof what, "script refused, bad format %02X", r.bad_format);
		return card_error(s, step, M2M_ERR_STATE, 0, what);
	}
	while ((err = m2m_script_response_next(&r, &ra, &ra_len)) == M2M_OK) {
		if (got == want || ra_len < 2)
			return card_error(s, step, M2M_ERR_FORMAT, 0, "unexpected R-APDU");
		uint16_t sw = (uint16_t)(ra[ra_len - 2] << 8 | ra[ra_len - 1]);
		if (sw != SW_OK) {
			snprintf(what, sizeof what, "command %zu answered %04X", got + 1, sw);
			return card_error(s, step, M2M_ERR_STATE, sw, what);
		}
		data[got] = ra;
		len[got++] = ra_len - 2;
	}
	if (err != M2M_END || got != want || r.executed != want)
		return card_error(s, step, M2M_ERR_FORMAT, 0, "response script incomplete");
	return M2M_OK;
}

m2m_err m2m_es8_keyest_cert_answer(m2m_es8_session *s, const uint8_t *resp, size_t n)
{
	const uint8_t *data[KEYEST_CMDS_CERT] = {NULL};
	size_t len[KEYEST_CMDS_CERT] = {0};
	m2m_err err = answers(s, M2M_ES8_STEP_KEYEST_CERT, resp, n, KEYEST_CMDS_CERT, data, len);

	if (err != M2M_OK)
		return err;
	if (m2m_keyest_host_rc(&s->ke, data[1], len[1]) != M2M_OK)
		return card_error(s, M2M_ES8_STEP_KEYEST_CERT, M2M_ERR_FORMAT, SW_OK,
				  "no random challenge (85 10)");
	s->step = M2M_ES8_STEP_KEYEST_EPK;
	return M2M_OK;
}

static void take_keys(m2m_es8_session *s, const m2m_keyest_keys *k)
{
	s->keys.kvn = k->kvn;
	s->keys.key_len = k->key_len;
	memcpy(s->keys.enc, k->key[0], k->key_len);
	memcpy(s->keys.mac, k->key[1], k->key_len);
	memcpy(s->keys.dek, k->key[2], k->key_len);
	s->have_keys = true;
}

m2m_err m2m_es8_keyest_epk_answer(m2m_es8_session *s, const uint8_t *resp, size_t n)
{
	const uint8_t *data[KEYEST_CMDS_EPK] = {NULL};
	size_t len[KEYEST_CMDS_EPK] = {0};
	m2m_keyest_keys k;
	m2m_err err = answers(s, M2M_ES8_STEP_KEYEST_EPK, resp, n, KEYEST_CMDS_EPK, data, len);

	if (err != M2M_OK)
		return err;
	memset(&k, 0, sizeof k);
	err = m2m_keyest_host_finish(&s->ke, data[0], len[0], &k);
	m2m_keyest_host_wipe(&s->ke);
	if (err == M2M_OK && (k.nkeys != 3 || k.key_len > M2M_ES8_KEY_MAX))
		err = M2M_ERR_STATE;
	if (err == M2M_OK) {
		take_keys(s, &k);
		err = m2m_es8_scp03t_open(s);
	}
	m2m_keyest_keys_wipe(&k);
	if (err == M2M_ERR_VERIFY)
		return m2m_es8_fail(s, M2M_ES8_STEP_KEYEST_EPK, err, M2M_ES8_SUBJ_ISDP,
				    M2M_ES8_REASON_VERIFY, "%s: the receipt does not verify",
				    m2m_es8_step_name(M2M_ES8_STEP_KEYEST_EPK));
	if (err != M2M_OK)
		return card_error(s, M2M_ES8_STEP_KEYEST_EPK, err, SW_OK, m2m_strerror(err));
	s->step = M2M_ES8_STEP_INIT_UPDATE;
	return M2M_OK;
}
