/* ES6 entry points for the OTA front end (mno_*.c): the MNO-SD and the RFM applications of
 * the enabled profile, reached by SCP80 with the profile's own keys (docs/euicc.md "ES6"). */
#ifndef M2M_EUICC_MNO_INT_H
#define M2M_EUICC_MNO_INT_H

#include "card/scp80.h"
#include "euicc/euicc.h"

/* The TAR look-up for the enabled profile: M2M_POR_OK with info (keys, counter, MSL),
 * *target (M2M_EUICC_OTA_TARGET_MNO_SD or _RFM(k)) and *kvn; or the refusal (09 unknown TAR,
 * 06 unknown key set or algorithm, 07 out of memory). */
m2m_scp80_por_status euicc_mno_lookup(m2m_euicc *e, const uint8_t tar[3], uint8_t kic,
				      uint8_t kid, uint8_t spi1, m2m_scp80_tar_info *info,
				      int *target, uint8_t *kvn);
/* The SCP80 keys of the enabled profile's key set kvn (for the PoR); wiped by the caller. */
bool euicc_mno_keys(m2m_euicc *e, uint8_t kvn, m2m_scp80_keys *keys);
/* Stores the last accepted counter of key set kvn in the enabled ISD-P. */
void euicc_mno_counter(m2m_euicc *e, uint8_t kvn, uint64_t counter);
/* One C-APDU to an ES6 target. */
m2m_err euicc_mno_apdu(m2m_euicc *e, int target, const uint8_t *capdu, size_t n,
		       m2m_buf *rapdu, m2m_euicc_events *ev);

#endif
