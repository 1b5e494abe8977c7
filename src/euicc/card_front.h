/*
 * The modem side of the whole card: what a device (or PC/SC through vpcd) talks to. Power
 * on / reset with the ATR, the basic channel and logical channels 1-3 (MANAGE CHANNEL), SELECT
 * by AID of the ISD-R or the ECASD, the read-only commands those two answer without a secure
 * channel, the UICC file system of the enabled profile for everything else, and the REFRESH
 * that follows a profile switch. Pure logic: bytes in, bytes out. Choices are in docs/pcsc.md
 * "The card front".
 */
#ifndef M2M_EUICC_CARD_FRONT_H
#define M2M_EUICC_CARD_FRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "euicc/euicc.h"

#define M2M_CARD_FRONT_CHANNELS 4 /* the basic channel and logical channels 1-3 */

/* What a channel has selected. */
typedef enum {
	M2M_CARD_FRONT_UICC,  /* the file system of the enabled profile (MF, ADFs) */
	M2M_CARD_FRONT_ISDR,
	M2M_CARD_FRONT_ECASD,
} m2m_card_front_app;

/* Read the fields, change them only through the functions below. */
typedef struct {
	m2m_euicc *e;                /* not owned */
	bool powered;
	bool open[M2M_CARD_FRONT_CHANNELS];
	m2m_card_front_app app[M2M_CARD_FRONT_CHANNELS];
	int shown;                   /* enabled ISD-P at the last reset, -1: none */
	bool refresh;                /* a REFRESH is due (m2m_card_front_refresh) */
	bool terminal_profile;       /* TERMINAL PROFILE seen since the reset */
	bool refresh_fetched;        /* the REFRESH proactive command went out */
	unsigned long resets;        /* power-ons and resets, for hosts and tests */
} m2m_card_front;

/* The card front of e, powered off. */
void m2m_card_front_init(m2m_card_front *f, m2m_euicc *e);

/* Power on or warm reset (the same for this card): the session ends (STORE DATA chaining,
 * INSTALL target), logical channels close, the basic channel gets the UICC with the MF
 * selected, a pending REFRESH is done: from now on the enabled profile is the one shown.
 * Returns the ATR (m2m_euicc_uicc_atr). */
const uint8_t *m2m_card_front_reset(m2m_card_front *f, size_t *atr_len);
void m2m_card_front_power_off(m2m_card_front *f);

/* One C-APDU; appends response data + SW1 SW2 to rapdu. Refusals are status words;
 * M2M_ERR_ARG for bad arguments, M2M_ERR_STATE when the card is not powered (no answer),
 * M2M_ERR_NOMEM. */
m2m_err m2m_card_front_apdu(m2m_card_front *f, const uint8_t *capdu, size_t n, m2m_buf *rapdu);
/* The same; ev (optional) accumulates what happened: state_changed when an UPDATE through
 * the file system changed a file (save the eUICC). The device-side ISD-R and ECASD commands
 * are read-only. */
m2m_err m2m_card_front_apdu_ev(m2m_card_front *f, const uint8_t *capdu, size_t n,
			       m2m_buf *rapdu, m2m_euicc_events *ev);

/* The host saw m2m_euicc_events.refresh: a REFRESH (UICC reset) is due even if the enabled
 * ISD-P is the same one again (e.g. a switch and a roll-back). */
void m2m_card_front_refresh(m2m_card_front *f);
/* True from a change of the enabled profile (or m2m_card_front_refresh) until the next
 * reset: the device must reset the card to see the new profile as a whole. */
bool m2m_card_front_refresh_pending(const m2m_card_front *f);

#endif
