/* The ISD-R's command entry point: C-APDU parsing (short and extended) and dispatch by INS. */
#include <string.h>

#include "euicc/euicc_int.h"

/* CLA INS P1 P2 [Lc data] [Le]; false for a malformed length (6700). */
static bool parse_apdu(const uint8_t *p, size_t n, euicc_apdu *a)
{
	size_t lc;

	if (n < 4)
		return false;
	a->cla = p[0];
	a->ins = p[1];
	a->p1 = p[2];
	a->p2 = p[3];
	a->data = p + 4; /* no data: empty, never NULL (NULL + 0 is undefined) */
	a->len = 0;
	if (n == 4 || n == 5)
		return true;
	if (p[4] != 0) {
		lc = p[4];
		a->data = p + 5;
		a->len = lc;
		return n == 5 + lc || n == 6 + lc;
	}
	/* Extended: 00 Lc(2) data [Le(2)], or 00 Le(2) alone. */
	if (n < 7)
		return false;
	if (n == 7)
		return true;
	lc = (size_t)p[5] << 8 | p[6];
	a->data = p + 7;
	a->len = lc;
	return lc > 0 && (n == 7 + lc || n == 9 + lc);
}

/* GP proprietary class, any logical channel 0-3, secure messaging bit ignored (the front
 * end has already unwrapped SCP80/SCP81). */
static bool cla_ok(uint8_t cla)
{
	return (cla & 0xF0) == 0x80;
}

static uint16_t dispatch(euicc_cmd *c)
{
	/* Any other command ends a STORE DATA chain. */
	if (c->a->ins != 0xE2 && c->e->s.sd_chain) {
		m2m_buf_reset(&c->e->s.sd);
		c->e->s.sd_chain = false;
	}
	switch (c->a->ins) {
	case 0xE6:
		return euicc_install(c);
	case 0xE2:
		return euicc_store_data(c);
	case 0xE4:
		return euicc_delete(c);
	case 0xCA:
		return euicc_get_data(c);
	case 0xF2:
		return euicc_get_status(c);
	case 0xD8:
		return euicc_put_key(c);
	default:
		return SW_INS;
	}
}

m2m_err m2m_euicc_isdr_apdu_ev(m2m_euicc *e, const uint8_t *capdu, size_t n, m2m_buf *rapdu,
			       m2m_euicc_events *ev)
{
	euicc_apdu a;
	euicc_cmd c = {.e = e, .a = &a, .resp = rapdu, .ev = ev, .err = M2M_OK};
	size_t start;
	uint16_t sw;
	m2m_err err = M2M_ERR_ARG;

	if (e == NULL || rapdu == NULL || (capdu == NULL && n > 0))
		goto out;
	start = rapdu->len;
	if (!parse_apdu(capdu, n, &a))
		sw = SW_WRONG_LENGTH;
	else if (!cla_ok(a.cla))
		sw = SW_CLA;
	else
		sw = dispatch(&c);
	/* An error status word carries no data (6310, more GET STATUS data, is a warning). */
	if ((sw != SW_OK && sw != SW_MORE_DATA) || c.err != M2M_OK)
		rapdu->len = start;
	if (c.err != M2M_OK)
		sw = SW_INTERNAL;
	err = m2m_buf_append_u16be(rapdu, sw);
	if (err == M2M_OK)
		err = c.err;
out:
	return err;
}

m2m_err m2m_euicc_isdr_apdu(m2m_euicc *e, const uint8_t *capdu, size_t n, m2m_buf *rapdu)
{
	return m2m_euicc_isdr_apdu_ev(e, capdu, n, rapdu, NULL);
}
