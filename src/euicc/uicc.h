/*
 * The UICC side of the software eUICC: what the device (its modem) sees. The file system of
 * the enabled profile, built from the package the ISD-P stored at download (ES8), served
 * through SELECT, READ/UPDATE BINARY, READ/UPDATE RECORD and STATUS (ETSI TS 102 221, ISO
 * 7816-4). Updates are kept in the saved state. Choices and limits (no PINs, no logical
 * channels) are in docs/euicc.md "UICC file system".
 */
#ifndef M2M_EUICC_UICC_H
#define M2M_EUICC_UICC_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "euicc/euicc.h"

/* One C-APDU on the basic channel; appends response data + SW1 SW2. Refusals are status
 * words; the return value is an error only for bad arguments or memory exhaustion. */
m2m_err m2m_euicc_uicc_apdu(m2m_euicc *e, const uint8_t *capdu, size_t n, m2m_buf *rapdu);
/* The same; ev (optional) gets state_changed when an UPDATE changed a file: the update is
 * kept in the saved state (docs/euicc.md "UICC file system"), so save it. */
m2m_err m2m_euicc_uicc_apdu_ev(m2m_euicc *e, const uint8_t *capdu, size_t n, m2m_buf *rapdu,
			      m2m_euicc_events *ev);

/* Frees the file tree (and the ES6 data read from the package) until the next command needs
 * it, as a card reset would: the device's selection goes back to the MF. Updates are kept.
 * The whole runtime part goes when no ES8 session is open. For a host of many idle cards. */
void m2m_euicc_uicc_release(m2m_euicc *e);

/* The card's ATR (a constant, docs/euicc.md). */
const uint8_t *m2m_euicc_uicc_atr(size_t *len);

/* Installs a whole package into ISD-P idx (SELECTABLE or PERSONALIZED, no profile) as an ES8
 * download would: every element is checked and built, the package is stored, the ISD-P
 * becomes DISABLED. For factory profiles, tests and fuzzing. M2M_ERR_STATE / M2M_ERR_FORMAT
 * / M2M_ERR_BOUNDS (quota) when refused. */
m2m_err m2m_euicc_isdp_install_package(m2m_euicc *e, int idx, const uint8_t *der, size_t n);

#endif
