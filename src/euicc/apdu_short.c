/* C-APDU parsing for the ISD-P and the UICC file system: short length only (the commands
 * served there never need more than 255 bytes). */
#include "euicc/isdp_int.h"

bool euicc_apdu_short(const uint8_t *p, size_t n, euicc_apdu *a, size_t *le)
{
	if (p == NULL || n < 4)
		return false;
	a->cla = p[0];
	a->ins = p[1];
	a->p1 = p[2];
	a->p2 = p[3];
	a->data = p + 4; /* no data: empty, never NULL (NULL + 0 is undefined) */
	a->len = 0;
	*le = 0; /* absent */
	if (n == 4)
		return true;
	if (n == 5) {
		*le = p[4] == 0 ? 256 : p[4];
		return true;
	}
	if (p[4] == 0)
		return false; /* extended length */
	a->data = p + 5;
	a->len = p[4];
	if (n == 6 + a->len)
		*le = p[5 + a->len] == 0 ? 256 : p[5 + a->len];
	return n == 5 + a->len || n == 6 + a->len;
}

m2m_err euicc_sw(m2m_buf *r, uint16_t sw)
{
	return m2m_buf_append_u16be(r, sw);
}
