/*
 * libFuzzer target for the card front (euicc/card_front.h), the APDU router a device or
 * PC/SC talks to. The first call builds a card with the TS.48 profile (shared/vectors/saip)
 * installed into ISD-P 13 and enabled, the bootstrap profile beside it, and keeps its saved
 * state; every input starts from that state, powered on. Input: C-APDUs, each prefixed by a
 * length byte; length bytes FF (switch the enabled profile), FE (reset) and FD (power off)
 * are events instead. Every answer ends with a status word (none only while powered off)
 * and the invariants hold.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "euicc/card_front.h"
#include "euicc/euicc.h"
#include "euicc/uicc.h"
#include "saip/saip.h"

#include "fuzz_ts48_card.h"

static void event(m2m_card_front *f, uint8_t what)
{
	if (what == 0xFF)
		switch_profile(f->e);
	else if (what == 0xFE)
		(void)m2m_card_front_reset(f, NULL);
	else
		m2m_card_front_power_off(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	m2m_euicc *e = NULL;
	m2m_card_front f;
	m2m_buf r;
	size_t pos = 0;
	m2m_err err;

	if (saved.data == NULL)
		prepare();
	if (m2m_euicc_load(saved.data, saved.len, &e) != M2M_OK)
		abort();
	m2m_card_front_init(&f, e);
	(void)m2m_card_front_reset(&f, NULL);
	m2m_buf_init(&r);
	while (pos < size) {
		size_t len = data[pos++];

		if (len >= 0xFD) {
			event(&f, (uint8_t)len);
			continue;
		}
		if (len > size - pos)
			len = size - pos;
		err = m2m_card_front_apdu(&f, len ? data + pos : NULL, len, &r);
		if (f.powered ? err != M2M_OK || r.len < 2 : err != M2M_ERR_STATE || r.len != 0)
			abort();
		m2m_buf_reset(&r);
		pos += len;
	}
	if (m2m_euicc_check(e) != M2M_OK)
		abort();
	m2m_buf_free(&r);
	m2m_euicc_free(e);
	return 0;
}
