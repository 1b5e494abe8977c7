/*
 * The MNO-SD of the enabled profile (ES6): STORE DATA in DGI format, one block (P1 88 or
 * 89, P2 00), after SCP80 opened the packet with the profile's keys:
 *   3A06 01 POL1            UpdatePOL1byMNO (simshell gsma.h names DGI 3A06 "POL1 policy
 *                           rules"; the one-byte value, bits as POL1, is [M])
 *   3A07 L { A0 { 06 .. } } UpdateConnectivityParametersByMNO, as the ISD-P's 3A07
 * Other DGIs 6A88, other instructions 6D00 (no RAM: INSTALL, DELETE, PUT KEY are not served).
 */
#include "euicc/isdp_int.h"

#define DGI_POL1 0x3A06

static uint16_t store_data(m2m_euicc *e, int idx, const euicc_apdu *a, m2m_euicc_events *ev)
{
	if ((a->p1 & 0xF8) != 0x88 || a->p2 != 0x00)
		return SW_WRONG_P1P2;
	if (a->len < 3)
		return SW_WRONG_DATA;
	if ((a->data[0] << 8 | a->data[1]) != DGI_POL1)
		return euicc_conn_params(&e->isdp[idx], a, ev);
	if (a->len != 4 || a->data[2] != 0x01)
		return SW_WRONG_DATA;
	return m2m_euicc_update_pol1(e, idx, a->data[3], ev);
}

m2m_err euicc_mno_sd_apdu(m2m_euicc *e, const uint8_t *capdu, size_t n, m2m_buf *rapdu,
			  m2m_euicc_events *ev)
{
	euicc_apdu a;
	size_t le, start = rapdu->len;
	int idx = m2m_euicc_enabled_isdp(e);
	uint16_t sw;

	if (idx < 0)
		sw = SW_CONDITIONS; /* cannot happen: the TAR was found in the enabled profile */
	else if (!euicc_apdu_short(capdu, n, &a, &le))
		sw = SW_WRONG_LENGTH;
	else if ((a.cla & 0xF0) != 0x80)
		sw = SW_CLA;
	else if (a.ins != 0xE2)
		sw = SW_INS;
	else
		sw = store_data(e, idx, &a, ev);
	rapdu->len = start;
	return euicc_sw(rapdu, sw);
}
