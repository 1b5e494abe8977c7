/* The only file of the OTA front end that links against the ES8 code (isdp.h): leave it out
 * and ISD-P TARs / targeted applications are refused as unknown. */
#include "euicc/isdp.h"
#include "euicc/ota.h"

void m2m_euicc_ota_enable_isdp(m2m_euicc_ota *ota)
{
	ota->isdp_apdu = m2m_euicc_isdp_apdu;
	ota->isdp_scp03t = m2m_euicc_isdp_scp03t;
}
