/*
 * An ISD-P's own channel (ES8): what the SM-DP sends through the SM-SR to one ISD-P, after
 * key establishment gave the ISD-P its SCP03 key set (KVN 30). Two forms reach it:
 *  - SCP03t command TLVs (84, 85, 86...) carrying the profile package, over SCP81 with
 *    X-Admin-Targeted-Application or in ES3.SendData (sgp02-facts-2.md section 5);
 *  - SCP03-wrapped APDUs (INITIALIZE UPDATE, EXTERNAL AUTHENTICATE, STORE DATA 3A07
 *    UpdateConnectivityParameters, PUT KEY), e.g. over SMS to the ISD-P's TAR.
 * The OTA front end (ota*.c) routes by TAR or targeted AID to these two entry points.
 */
#ifndef M2M_EUICC_ISDP_H
#define M2M_EUICC_ISDP_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "euicc/euicc.h"

/* One SCP03t command TLV for ISD-P number idx; appends the card's answer TLV (84 response,
 * 8500, 8600 or a 9F44/9F45/9F46 error) to resp. Profile elements are installed as they
 * complete; the end element finishes the installation (ISD-P becomes DISABLED). */
m2m_err m2m_euicc_isdp_scp03t(m2m_euicc *e, int idx, const uint8_t *tlv, size_t n,
			      m2m_buf *resp, m2m_euicc_events *ev);

/* One C-APDU for ISD-P number idx (SCP03 secured once the session is open); appends
 * response data + SW1 SW2. */
m2m_err m2m_euicc_isdp_apdu(m2m_euicc *e, int idx, const uint8_t *capdu, size_t n,
			    m2m_buf *rapdu, m2m_euicc_events *ev);

#endif
