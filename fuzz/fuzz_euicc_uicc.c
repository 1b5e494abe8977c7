/*
 * libFuzzer target for the UICC file system of the software eUICC (m2m_euicc_uicc_apdu_ev)
 * and the same commands by the profile's RFM applications (ES6, mno_rfm.c). The first call
 * builds a card with the TS.48 profile (shared/vectors/saip) installed into ISD-P 13 through
 * m2m_euicc_isdp_install_package and enabled, and keeps its saved state; every input starts
 * from that state. Input: C-APDUs, each prefixed by a length byte; a length byte FF instead
 * switches the enabled profile (bootstrap <-> TS.48), so the tree is dropped and rebuilt; FE
 * sends the next C-APDU to RFM application (next byte % 4) of the enabled profile instead of
 * the device; FD ends the RFM context (a packet boundary). Every response must end with a
 * status word, the invariants hold, and after an update the state (with the updates kept
 * over the package) must save, load and serve the file tree again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "euicc/euicc.h"
#include "euicc/isdp_int.h"
#include "euicc/uicc.h"
#include "saip/saip.h"

#include "fuzz_ts48_card.h"

/* Save, load, save: the same bytes, and the reloaded card serves its tree. */
static void roundtrip(const m2m_euicc *e)
{
	static const uint8_t sel[] = {0x00, 0xA4, 0x00, 0x0C, 0x02, 0x2F, 0xE2};
	m2m_buf a, b, r;
	m2m_euicc *l = NULL;

	m2m_buf_init(&a);
	m2m_buf_init(&b);
	m2m_buf_init(&r);
	if (m2m_euicc_save(e, &a) != M2M_OK || m2m_euicc_load(a.data, a.len, &l) != M2M_OK ||
	    m2m_euicc_save(l, &b) != M2M_OK || a.len != b.len || memcmp(a.data, b.data, a.len) ||
	    m2m_euicc_uicc_apdu(l, sel, sizeof sel, &r) != M2M_OK || r.len < 2)
		abort();
	m2m_euicc_free(l);
	m2m_buf_free(&a);
	m2m_buf_free(&b);
	m2m_buf_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	m2m_euicc *e = NULL;
	m2m_euicc_events ev = {0};
	m2m_buf r;
	size_t pos = 0;
	int rfm = -1;

	if (saved.data == NULL)
		prepare();
	if (m2m_euicc_load(saved.data, saved.len, &e) != M2M_OK)
		abort();
	m2m_buf_init(&r);
	while (pos < size) {
		size_t len = data[pos++];
		m2m_err err;

		if (len == 0xFF) {
			switch_profile(e);
			continue;
		}
		if (len == 0xFD) {
			m2m_euicc_session_end(e);
			continue;
		}
		if (len == 0xFE) {
			rfm = pos < size ? data[pos++] % 4 : 0;
			continue;
		}
		if (len > size - pos)
			len = size - pos;
		if (rfm >= 0 && euicc_uicc_tree(e) != NULL && e->rt->u.built &&
		    (size_t)rfm < e->rt->u.mno.nrfm)
			err = euicc_rfm_apdu(e, rfm, data + pos, len, &r, &ev);
		else
			err = m2m_euicc_uicc_apdu_ev(e, data + pos, len, &r, &ev);
		if (err != M2M_OK || r.len < 2)
			abort();
		rfm = -1;
		m2m_buf_reset(&r);
		pos += len;
	}
	if (m2m_euicc_check(e) != M2M_OK)
		abort();
	/* Something was updated (and kept): it must survive a save and a load. */
	if (ev.state_changed)
		roundtrip(e);
	m2m_buf_free(&r);
	m2m_euicc_free(e);
	return 0;
}
