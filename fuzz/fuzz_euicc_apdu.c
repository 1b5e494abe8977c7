/*
 * libFuzzer target for the software eUICC.
 * First byte even: the rest is a sequence of C-APDUs, each prefixed by a length byte, sent
 * to a fresh card (with a bootstrap profile). A "C-APDU" starting with FF instead drives a
 * device-side hook (install a profile into an ISD-P, fall-back, roll-back, notifications)
 * so that enable/disable/delete paths are reachable. After every step the invariants must
 * hold and the saved state must survive save/load/save unchanged.
 * First byte odd: the rest is loaded as a saved state; if accepted it must pass the same
 * round trip.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "euicc/euicc.h"
#include "fuzz_ts48_card.h"

static void roundtrip(const m2m_euicc *e)
{
	m2m_buf a, b;
	m2m_euicc *l = NULL;

	m2m_buf_init(&a);
	m2m_buf_init(&b);
	if (m2m_euicc_check(e) != M2M_OK || m2m_euicc_save(e, &a) != M2M_OK ||
	    m2m_euicc_load(a.data, a.len, &l) != M2M_OK || m2m_euicc_save(l, &b) != M2M_OK ||
	    a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
		abort();
	m2m_euicc_free(l);
	m2m_buf_free(&a);
	m2m_buf_free(&b);
}

/* A smaller card than the TS.48 targets': a few creations exhaust its memory. */
static m2m_euicc *fresh(void)
{
	return fresh_card(50000, 8000);
}

/* FF op tar [pol1]: device-side hooks. */
static void hook(m2m_euicc *e, const uint8_t *p, size_t n)
{
	uint8_t tar[3] = {0, 0, n > 2 ? p[2] : 0x13}, aid[16], iccid[10] = {0x98};
	m2m_buf out;
	m2m_euicc_events ev = {0};

	m2m_euicc_isdp_aid(tar, aid);
	m2m_buf_init(&out);
	switch (n > 1 ? p[1] % 5 : 0) {
	case 0:
		(void)m2m_euicc_isdp_install_profile(e, aid, iccid, n > 3 ? p[3] : 0, 100);
		break;
	case 1:
		(void)m2m_euicc_fallback_activate(e, &ev);
		break;
	case 2:
		(void)m2m_euicc_rollback(e, &ev);
		break;
	case 3:
		(void)m2m_euicc_notif_encode(e, m2m_euicc_notif_oldest(e), p, n, &out);
		break;
	default:
		(void)m2m_euicc_isdp_set_token_key(e, aid, SK, 16);
		break;
	}
	m2m_buf_free(&out);
}

static void run_apdus(const uint8_t *p, size_t n)
{
	m2m_euicc *e = fresh();
	m2m_buf r;
	size_t pos = 0;

	m2m_buf_init(&r);
	while (pos < n) {
		size_t len = p[pos++];
		m2m_euicc_events ev = {0};
		if (len > n - pos)
			len = n - pos;
		if (len > 0 && p[pos] == 0xFF) {
			hook(e, p + pos, len);
			ev.state_changed = true;
		} else if (m2m_euicc_isdr_apdu_ev(e, p + pos, len, &r, &ev) != M2M_OK || r.len < 2) {
			abort();
		}
		m2m_buf_reset(&r);
		pos += len;
		/* The full round trip costs two EC key imports: only after a change. */
		if (ev.state_changed)
			roundtrip(e);
		else if (m2m_euicc_check(e) != M2M_OK)
			abort();
	}
	m2m_buf_free(&r);
	m2m_euicc_free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	m2m_euicc *e = NULL;

	if (size == 0)
		return 0;
	if ((data[0] & 1) == 0) {
		run_apdus(data + 1, size - 1);
		return 0;
	}
	if (m2m_euicc_load(data + 1, size - 1, &e) == M2M_OK) {
		roundtrip(e);
		m2m_euicc_free(e);
	}
	return 0;
}
