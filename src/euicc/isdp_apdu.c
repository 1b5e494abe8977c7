/* SCP03 over APDUs to an ISD-P (ES8 over SMS, sgp02-facts-2.md 2b and 5c): INITIALIZE
 * UPDATE, EXTERNAL AUTHENTICATE, then secured STORE DATA 3A07 UpdateConnectivityParameters.
 * One session at a time on the card; it shares the ISD-P's sequence counter with SCP03t. */
#include <string.h>

#include "euicc/isdp.h"
#include "euicc/isdp_int.h"

enum {
	SW_REF_NOT_FOUND = 0x6A88,
};

static void sc_drop(euicc_sc *s)
{
	m2m_scp03_wipe(&s->sc);
	memset(s->aid, 0, sizeof s->aid);
	s->idx = -1;
}

static uint16_t iu(m2m_euicc *e, euicc_sc *s, int idx, const euicc_apdu *a, m2m_buf *r,
		   m2m_euicc_events *ev)
{
	m2m_euicc_isdp *p = &e->isdp[idx];
	uint32_t next = p->scp03t_seq + 1;
	m2m_scp03_iu_resp ir;
	m2m_scp03_keys k;
	uint16_t sw = SW_WRONG_P1P2;

	memset(&ir, 0, sizeof ir);
	memset(&k, 0, sizeof k);
	sc_drop(s);
	if (a->p2 != 0x00)
		goto out;
	sw = SW_WRONG_LENGTH;
	if (a->len != M2M_SCP03_CHALLENGE)
		goto out;
	sw = SW_REF_NOT_FOUND;
	if ((a->p1 != 0x00 && a->p1 != M2M_EUICC_KVN_SCP03) || euicc_isdp_scp03_keys(p, &k) != M2M_OK)
		goto out;
	sw = SW_CONDITIONS;
	if (p->scp03t_seq >= 0xFFFFFF)
		goto out;
	ir.kvn = M2M_EUICC_KVN_SCP03;
	ir.scp_id = 0x03;
	ir.i = M2M_SCP03T_I;
	ir.seq[0] = (uint8_t)(next >> 16);
	ir.seq[1] = (uint8_t)(next >> 8);
	ir.seq[2] = (uint8_t)next;
	ir.has_seq = true;
	sw = SW_INTERNAL;
	if (m2m_scp03_card_challenge(&k, ir.seq, p->aid, sizeof p->aid, ir.card_challenge) !=
		    M2M_OK ||
	    m2m_scp03_card_open(&s->sc, &k, a->data, &ir) != M2M_OK ||
	    m2m_scp03_iu_resp_build(&ir, r) != M2M_OK)
		goto out;
	s->idx = idx;
	memcpy(s->aid, p->aid, sizeof s->aid);
	p->scp03t_seq = next;
	if (ev != NULL)
		ev->state_changed = true;
	sw = SW_OK;
out:
	m2m_scp03_keys_wipe(&k);
	return sw;
}

static uint16_t ext_auth(euicc_sc *s, int idx, const uint8_t *capdu, size_t n)
{
	if (s->idx != idx || !s->sc.keys_ready || s->sc.open)
		return SW_CONDITIONS;
	if (m2m_scp03_card_ext_auth(&s->sc, capdu, n) != M2M_OK) {
		sc_drop(s);
		return SW_SECURITY;
	}
	return SW_OK;
}

/* 3A07 L { A0 L { 06 L address } }: the A0 value is kept. */
uint16_t euicc_conn_params(m2m_euicc_isdp *p, const euicc_apdu *a, m2m_euicc_events *ev)
{
	m2m_tlv a0, addr;

	if (a->len < 3 || a->data[0] != 0x3A || a->data[1] != 0x07)
		return SW_REF_NOT_FOUND;
	/* DGI length: one byte 00-FE here (the value is short). */
	if (a->data[2] == 0xFF || (size_t)a->data[2] + 3 != a->len)
		return SW_WRONG_DATA;
	/* Exactly one A0 holding exactly one address TLV (TON/NPI + up to 11 BCD bytes). */
	if (m2m_tlv_decode_one(a->data + 3, a->len - 3, M2M_TLV_DER, &a0, NULL) != M2M_OK ||
	    a0.tag != 0xA0 || a0.len == 0 || a0.len > M2M_EUICC_CONN_MAX ||
	    m2m_tlv_decode_one(a0.value, a0.len, M2M_TLV_DER, &addr, NULL) != M2M_OK ||
	    addr.tag != 0x06 || addr.len < 2 || addr.len > 12)
		return SW_WRONG_DATA;
	memcpy(p->conn, a0.value, a0.len);
	p->conn_len = a0.len;
	if (ev != NULL)
		ev->state_changed = true;
	return SW_OK;
}

/* The plain command once unwrapped. */
static uint16_t secured(m2m_euicc_isdp *p, const uint8_t *plain, size_t n,
			m2m_euicc_events *ev)
{
	euicc_apdu a;
	size_t le;

	if (!euicc_apdu_short(plain, n, &a, &le))
		return SW_WRONG_LENGTH;
	if (a.ins != 0xE2)
		return SW_INS;
	/* Last block (b8), DGI format (b5b4 = 01), no encryption flags; no chaining. */
	if ((a.p1 & 0xF8) != 0x88 || a.p2 != 0x00)
		return SW_WRONG_P1P2;
	return euicc_conn_params(p, &a, ev);
}

static m2m_err session_cmd(euicc_sc *s, m2m_euicc *e, int idx, const uint8_t *capdu,
			   size_t n, m2m_buf *rapdu, m2m_euicc_events *ev)
{
	m2m_buf plain;
	uint16_t sw = SW_SECURITY;
	m2m_err err = M2M_OK;

	m2m_buf_init(&plain);
	if (s->idx != idx || !s->sc.open || !(s->sc.level & M2M_SCP03_CMAC))
		goto out;
	if (m2m_scp03_unwrap_cmd(&s->sc, capdu, n, &plain) != M2M_OK) {
		sc_drop(s); /* Amendment D: a security error ends the session */
		goto out;
	}
	sw = secured(&e->isdp[idx], plain.data, plain.len, ev);
	err = m2m_scp03_wrap_resp(&s->sc, NULL, 0, sw, rapdu);
out:
	if (err == M2M_OK)
		err = euicc_sw(rapdu, sw);
	m2m_buf_free(&plain);
	return err;
}

m2m_err m2m_euicc_isdp_apdu(m2m_euicc *e, int idx, const uint8_t *capdu, size_t n,
			    m2m_buf *rapdu, m2m_euicc_events *ev)
{
	struct m2m_euicc_rt *rt;
	euicc_sc *s;
	euicc_apdu a;
	size_t le, start = rapdu != NULL ? rapdu->len : 0;
	uint16_t sw;
	m2m_err err = M2M_ERR_ARG;

	if (e == NULL || idx < 0 || idx >= M2M_EUICC_ISDP_MAX || !e->isdp[idx].used ||
	    rapdu == NULL || (capdu == NULL && n > 0))
		goto out;
	err = M2M_ERR_NOMEM;
	rt = euicc_rt(e);
	if (rt == NULL)
		goto out;
	s = &rt->sc;
	if (s->idx >= 0 && (!e->isdp[s->idx].used ||
			    memcmp(e->isdp[s->idx].aid, s->aid, sizeof s->aid) != 0))
		sc_drop(s);
	if (!euicc_apdu_short(capdu, n, &a, &le))
		sw = SW_WRONG_LENGTH;
	else if ((a.cla & 0xF0) != 0x80)
		sw = SW_CLA;
	else if (a.ins == 0x50)
		sw = iu(e, s, idx, &a, rapdu, ev);
	else if (a.ins == 0x82)
		sw = ext_auth(s, idx, capdu, n);
	else {
		err = session_cmd(s, e, idx, capdu, n, rapdu, ev);
		goto out;
	}
	if (sw != SW_OK)
		rapdu->len = start; /* an error status word carries no data */
	err = euicc_sw(rapdu, sw);
out:
	return err;
}
