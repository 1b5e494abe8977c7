/* The modem-side APDU router of the whole card (card_front.h); choices in docs/pcsc.md. */
#include "euicc/card_front.h"

#include <string.h>

#include "core/tlv.h"
#include "euicc/euicc_int.h"
#include "euicc/uicc.h"

/* Status words of this file only (euicc_int.h has the common ones). */
enum {
	CF_DONE = 0x0000,            /* the R-APDU is complete (the file system answered) */
	CF_PROACTIVE = 0x9100,       /* 91xx: a proactive command of xx bytes is pending */
	CF_NO_CHANNEL = 0x6881,
	CF_SM_UNSUPPORTED = 0x6882,
	CF_NO_FUNCTION = 0x6A81,
	CF_LE = 0x6C00,              /* 6Cxx: wrong Le, xx is the right one */
};

#define INS_MANAGE_CHANNEL 0x70
#define INS_SELECT 0xA4
#define INS_TERMINAL_PROFILE 0x10
#define INS_FETCH 0x12
#define INS_TERMINAL_RESPONSE 0x14
#define INS_ENVELOPE 0xC2

/* TS 102 223 6.6.13 REFRESH, qualifier 04 "UICC reset" (8.6), from the UICC (81) to the
 * terminal (82): D0 { 81 03 cmd number 01, type 01, qualifier 04; 82 02 81 82 }. */
static const uint8_t REFRESH_CMD[] = {0xD0, 0x09, 0x81, 0x03, 0x01, 0x01,
				      0x04, 0x82, 0x02, 0x81, 0x82};

typedef struct {
	m2m_card_front *f;
	const uint8_t *raw;
	size_t n;
	euicc_apdu a;
	size_t le;                   /* 0 absent, 256 for Le 00 */
	bool parsed;                 /* short-length form well formed */
	int ch;
	m2m_buf *r;
	m2m_euicc_events *ev;
	m2m_err err;
} fcmd;

void m2m_card_front_init(m2m_card_front *f, m2m_euicc *e)
{
	memset(f, 0, sizeof *f);
	f->e = e;
	f->shown = -1;
}

const uint8_t *m2m_card_front_reset(m2m_card_front *f, size_t *atr_len)
{
	static const uint8_t mf[] = {0x00, INS_SELECT, 0x00, 0x0C, 0x02, 0x3F, 0x00};
	uint8_t tmp[2];
	m2m_buf r;

	m2m_euicc_session_end(f->e);
	for (int i = 0; i < M2M_CARD_FRONT_CHANNELS; i++) {
		f->open[i] = i == 0;
		f->app[i] = M2M_CARD_FRONT_UICC;
	}
	f->shown = m2m_euicc_enabled_isdp(f->e);
	f->refresh = f->terminal_profile = f->refresh_fetched = false;
	f->powered = true;
	f->resets++;
	/* The MF is current after an ATR; this also builds the tree of a new profile. */
	m2m_buf_init_fixed(&r, tmp, sizeof tmp);
	(void)m2m_euicc_uicc_apdu(f->e, mf, sizeof mf, &r);
	return m2m_euicc_uicc_atr(atr_len);
}

void m2m_card_front_power_off(m2m_card_front *f)
{
	m2m_euicc_session_end(f->e);
	memset(f->open, 0, sizeof f->open);
	f->powered = false;
}

void m2m_card_front_refresh(m2m_card_front *f)
{
	f->refresh = true;
}

bool m2m_card_front_refresh_pending(const m2m_card_front *f)
{
	return f->refresh || m2m_euicc_enabled_isdp(f->e) != f->shown;
}

/* CLA INS P1 P2 [Lc data] [Le], short lengths only (what a device sends here); *le 0 when
 * absent, 256 for Le 00. False for anything else (6700). */
static bool parse_short(const uint8_t *p, size_t n, euicc_apdu *a, size_t *le)
{
	size_t lc;

	memset(a, 0, sizeof *a);
	*le = 0;
	if (n < 4)
		return false;
	a->cla = p[0];
	a->ins = p[1];
	a->p1 = p[2];
	a->p2 = p[3];
	a->data = p + 4; /* no data: empty, never NULL (NULL + 0 is undefined) */
	if (n == 5)
		*le = p[4] == 0 ? 256 : p[4];
	if (n <= 5)
		return true;
	lc = p[4];
	if (lc == 0 || (n != 5 + lc && n != 6 + lc))
		return false; /* extended length, or Lc does not match */
	a->data = p + 5;
	a->len = lc;
	if (n == 6 + lc)
		*le = p[5 + lc] == 0 ? 256 : p[5 + lc];
	return true;
}

/* ISO 7816-4 5.4.1, also how GP and TS 102 221 code their 8x classes: b7 clear, channel in
 * b2-b1 (secure messaging b4-b3); b7 set, further interindustry, channel 4 + b4-b1. */
static int cla_channel(uint8_t cla)
{
	if (cla == 0xFF)
		return -1;
	return cla & 0x40 ? 4 + (cla & 0x0F) : cla & 0x03;
}

static bool cla_sm(uint8_t cla)
{
	return (cla & 0x40) == 0 && (cla & 0x0C) != 0;
}

/* ---------------------------------------------------------------- applications */

static m2m_card_front_app app_of_aid(const uint8_t *aid, size_t len, bool *found)
{
	*found = len == M2M_EUICC_AID_SIZE;
	if (*found && memcmp(aid, m2m_euicc_isdr_aid, len) == 0)
		return M2M_CARD_FRONT_ISDR;
	if (*found && memcmp(aid, m2m_euicc_ecasd_aid, len) == 0)
		return M2M_CARD_FRONT_ECASD;
	*found = false;
	return M2M_CARD_FRONT_UICC;
}

/* GP 11.9.3.1 FCI, minimal: 6F { 84 AID, A5 { 9F65 01 FF (255-byte command data) } }. */
static m2m_err fci(m2m_buf *r, const uint8_t *aid)
{
	static const uint8_t prop[] = {0x9F, 0x65, 0x01, 0xFF};
	size_t mark;
	m2m_err err = m2m_tlv_begin(r, 0x6F, &mark);

	if (err == M2M_OK)
		err = m2m_tlv_put(r, 0x84, aid, M2M_EUICC_AID_SIZE);
	if (err == M2M_OK)
		err = m2m_tlv_put(r, 0xA5, prop, sizeof prop);
	if (err == M2M_OK)
		err = m2m_tlv_end(r, mark);
	return err;
}

/* SELECT by AID of the ISD-R or the ECASD: P2 00/04 answer the FCI, 0C nothing. */
static uint16_t select_app(fcmd *c, m2m_card_front_app app)
{
	uint8_t p2 = c->a.p2;

	if (p2 != 0x00 && p2 != 0x04 && p2 != 0x0C)
		return SW_WRONG_P1P2;
	c->f->app[c->ch] = app;
	if (p2 != 0x0C)
		c->err = fci(c->r, c->a.data);
	return SW_OK;
}

/* Everything else goes to the file system (it refuses logical channels with 6881). A good
 * SELECT on the basic channel leaves the ISD-R or ECASD for the UICC. */
static uint16_t uicc(fcmd *c)
{
	size_t start = c->r->len;

	c->err = m2m_euicc_uicc_apdu_ev(c->f->e, c->raw, c->n, c->r, c->ev);
	if (c->err == M2M_OK && c->a.ins == INS_SELECT && c->r->len >= start + 2 &&
	    c->r->data[c->r->len - 2] == 0x90 && c->r->data[c->r->len - 1] == 0x00)
		c->f->app[c->ch] = M2M_CARD_FRONT_UICC;
	return CF_DONE;
}

/* GP commands to the ISD-R or ECASD: proprietary class 8x, no secure messaging (the device
 * interface has no secure channel), short lengths. SW_OK to go on. */
static uint16_t gp_checks(const fcmd *c)
{
	if (cla_sm(c->a.cla))
		return CF_SM_UNSUPPORTED;
	if ((c->a.cla & 0xF0) != 0x80)
		return SW_CLA;
	return c->parsed ? SW_OK : SW_WRONG_LENGTH;
}

/* The ISD-R without a secure channel: only its read-only audit commands, handled directly
 * so a device read never ends an ES5 STORE DATA chain running over OTA. */
static uint16_t isdr(fcmd *c)
{
	euicc_apdu a = c->a;
	euicc_cmd cmd = {.e = c->f->e, .a = &a, .resp = c->r, .ev = NULL, .err = M2M_OK};
	uint16_t sw = gp_checks(c);

	if (sw != SW_OK)
		return sw;
	a.cla &= 0xFC;
	switch (a.ins) {
	case 0xCA:
		sw = euicc_get_data(&cmd);
		break;
	case 0xF2:
		sw = euicc_get_status(&cmd);
		break;
	case 0xE2: /* STORE DATA */
	case 0xE4: /* DELETE */
	case 0xE6: /* INSTALL */
	case 0xD8: /* PUT KEY */
	case 0xF0: /* SET STATUS */
	case 0x50: /* INITIALIZE UPDATE */
	case 0x82: /* EXTERNAL AUTHENTICATE */
		return SW_SECURITY; /* ES5 only, over SCP80/SCP81 */
	default:
		return SW_INS;
	}
	c->err = cmd.err;
	return sw;
}

/* The ECASD: GET DATA of the EID (5A) and of CERT.ECASD.ECKA (7F21), both public. */
static uint16_t ecasd(fcmd *c)
{
	const m2m_euicc *e = c->f->e;
	uint16_t tag = (uint16_t)(c->a.p1 << 8 | c->a.p2);
	uint16_t sw = gp_checks(c);

	if (sw != SW_OK)
		return sw;
	if (c->a.ins != 0xCA)
		return SW_INS;
	if (c->a.len != 0)
		return SW_WRONG_LENGTH;
	if (tag == 0x005A)
		c->err = m2m_tlv_put(c->r, 0x5A, e->eid, sizeof e->eid);
	else if (tag == 0x7F21)
		c->err = m2m_buf_append(c->r, e->cert_ecasd, e->cert_ecasd_len);
	else
		return SW_NOT_FOUND;
	return SW_OK;
}

/* ---------------------------------------------------------------- channels, CAT */

static uint16_t channel_open(fcmd *c)
{
	m2m_card_front *f = c->f;
	int ch = c->a.p2;

	if (ch == 0) {
		for (ch = 1; ch < M2M_CARD_FRONT_CHANNELS && f->open[ch]; ch++)
			;
		if (ch == M2M_CARD_FRONT_CHANNELS)
			return CF_NO_FUNCTION; /* no channel left */
		c->err = m2m_buf_append_u8(c->r, (uint8_t)ch);
	} else if (ch >= M2M_CARD_FRONT_CHANNELS || f->open[ch]) {
		return SW_WRONG_P1P2;
	}
	/* ISO 7816-4 11.1.2: from the basic channel the default (the UICC, MF), from another
	 * channel what that channel has selected. */
	f->app[ch] = c->ch == 0 ? M2M_CARD_FRONT_UICC : f->app[c->ch];
	f->open[ch] = true;
	return SW_OK;
}

/* MANAGE CHANNEL (ISO 7816-4 11.1.2): 0x 70 00 00 01 open any, 00 0n open n, 80 0n close n
 * (80 00: the channel it came on). The basic channel never closes. */
static uint16_t manage_channel(fcmd *c)
{
	int target;

	if ((c->a.cla & 0xFC) != 0x00)
		return SW_CLA;
	if (!c->parsed || c->a.len != 0)
		return SW_WRONG_LENGTH;
	if (c->a.p1 == 0x00)
		return channel_open(c);
	if (c->a.p1 != 0x80)
		return SW_WRONG_P1P2;
	target = c->a.p2 == 0 ? c->ch : c->a.p2;
	if (target == 0 || target >= M2M_CARD_FRONT_CHANNELS)
		return SW_WRONG_P1P2;
	if (!c->f->open[target])
		return CF_NO_CHANNEL;
	c->f->open[target] = false;
	c->f->app[target] = M2M_CARD_FRONT_UICC;
	return SW_OK;
}

/* Card Application Toolkit on the basic channel (TS 102 221 10.1.2): the terminal's
 * profile, the pending REFRESH, its response. ENVELOPE is the OTA front end's (ota.h). */
static uint16_t cat(fcmd *c)
{
	m2m_card_front *f = c->f;

	if (!c->parsed)
		return SW_WRONG_LENGTH;
	switch (c->a.ins) {
	case INS_TERMINAL_PROFILE:
		if (c->a.len == 0)
			return SW_WRONG_LENGTH;
		f->terminal_profile = true;
		return SW_OK;
	case INS_FETCH:
		if (!m2m_card_front_refresh_pending(f) || !f->terminal_profile ||
		    f->refresh_fetched)
			return SW_CONDITIONS;
		if (c->a.len != 0 || (c->le != sizeof REFRESH_CMD && c->le != 256))
			return (uint16_t)(CF_LE | sizeof REFRESH_CMD);
		f->refresh_fetched = true;
		c->err = m2m_buf_append(c->r, REFRESH_CMD, sizeof REFRESH_CMD);
		return SW_OK;
	case INS_TERMINAL_RESPONSE:
		return c->a.len == 0 ? SW_WRONG_LENGTH : SW_OK;
	default:
		return SW_INS;
	}
}

static bool is_cat(const fcmd *c)
{
	uint8_t ins = c->a.ins;

	return c->a.cla == 0x80 && (ins == INS_TERMINAL_PROFILE || ins == INS_FETCH ||
				    ins == INS_TERMINAL_RESPONSE || ins == INS_ENVELOPE);
}

/* ---------------------------------------------------------------- routing */

static uint16_t route(fcmd *c)
{
	m2m_card_front_app app;
	bool found = false;

	if (c->n < 4)
		return SW_WRONG_LENGTH;
	c->ch = cla_channel(c->raw[0]);
	if (c->ch < 0)
		return SW_CLA;
	if (c->ch >= M2M_CARD_FRONT_CHANNELS || !c->f->open[c->ch])
		return CF_NO_CHANNEL;
	c->parsed = parse_short(c->raw, c->n, &c->a, &c->le);
	if (!c->parsed) {
		memset(&c->a, 0, sizeof c->a);
		c->a.cla = c->raw[0];
		c->a.ins = c->raw[1];
	}
	if (c->a.ins == INS_MANAGE_CHANNEL)
		return manage_channel(c);
	if (is_cat(c))
		return cat(c);
	if (c->a.ins == INS_SELECT && c->parsed && (c->a.cla & 0xFC) == 0x00 &&
	    c->a.p1 == 0x04) {
		app = app_of_aid(c->a.data, c->a.len, &found);
		if (found)
			return select_app(c, app);
	}
	if (c->a.ins == INS_SELECT)
		return uicc(c);
	switch (c->f->app[c->ch]) {
	case M2M_CARD_FRONT_ISDR:
		return isdr(c);
	case M2M_CARD_FRONT_ECASD:
		return ecasd(c);
	default:
		return uicc(c);
	}
}

/* TS 102 221 7.4.2.2: once the terminal sent its profile, a normal ending 9000 becomes
 * 91xx while the REFRESH waits to be fetched. */
static void proactive(const m2m_card_front *f, m2m_buf *r, size_t start)
{
	uint8_t *sw;

	if (!f->terminal_profile || f->refresh_fetched || !m2m_card_front_refresh_pending(f) ||
	    r->len < start + 2)
		return;
	sw = r->data + r->len - 2;
	if (sw[0] == 0x90 && sw[1] == 0x00) {
		sw[0] = (uint8_t)(CF_PROACTIVE >> 8);
		sw[1] = (uint8_t)sizeof REFRESH_CMD;
	}
}

m2m_err m2m_card_front_apdu_ev(m2m_card_front *f, const uint8_t *capdu, size_t n,
			       m2m_buf *rapdu, m2m_euicc_events *ev)
{
	fcmd c = {.f = f, .raw = capdu, .n = n, .r = rapdu, .ev = ev, .err = M2M_OK};
	size_t start;
	uint16_t sw;
	m2m_err err;

	if (f == NULL || f->e == NULL || rapdu == NULL || (capdu == NULL && n > 0))
		return M2M_ERR_ARG;
	if (!f->powered)
		return M2M_ERR_STATE;
	start = rapdu->len;
	sw = route(&c);
	if (sw != CF_DONE) {
		if (sw != SW_OK || c.err != M2M_OK)
			rapdu->len = start; /* an error status word carries no data */
		if (c.err != M2M_OK)
			sw = SW_INTERNAL;
		err = m2m_buf_append_u16be(rapdu, sw);
		if (c.err == M2M_OK)
			c.err = err;
	}
	if (c.err == M2M_OK)
		proactive(f, rapdu, start);
	return c.err;
}

m2m_err m2m_card_front_apdu(m2m_card_front *f, const uint8_t *capdu, size_t n, m2m_buf *rapdu)
{
	return m2m_card_front_apdu_ev(f, capdu, n, rapdu, NULL);
}
