/*
 * Profile state changes of ES5: enable, disable, fall-back and emergency attributes, ISD-P
 * deletion; ES6's POL1 update. The device-side changes are in euicc_device.c. Checks come
 * first, state changes after, so a refused command leaves the card untouched. Order of
 * checks: the target's own conditions (6A88, 6985), then POL1 (69E1).
 */
#include <string.h>

#include "core/tlv.h"
#include "euicc/euicc_int.h"

void euicc_ev(m2m_euicc_events *ev, bool refresh, bool notification)
{
	if (ev == NULL)
		return;
	ev->state_changed = true;
	ev->refresh |= refresh;
	ev->notification |= notification;
}

uint16_t euicc_4f(const uint8_t *value, size_t len, const uint8_t **aid, size_t *aid_len)
{
	m2m_tlv t;

	if (m2m_tlv_decode_one(value, len, M2M_TLV_DER, &t, NULL) != M2M_OK || t.tag != 0x4F ||
	    t.len < 5 || t.len > M2M_EUICC_AID_SIZE)
		return SW_WRONG_DATA;
	*aid = t.value;
	*aid_len = t.len;
	return SW_OK;
}

/* from (or -1) becomes DISABLED, to becomes ENABLED: exactly one enabled profile. POL1
 * "delete when disabled" marks from only for an operator's change (auto_delete), never for
 * the fall-back profile [S euicc.tech]; any change ends an active fall-back. */
void euicc_set_enabled(m2m_euicc *e, int from, int to, bool auto_delete, m2m_euicc_events *ev)
{
	if (from >= 0) {
		m2m_euicc_isdp *f = &e->isdp[from];
		f->lcs = M2M_EUICC_LCS_DISABLED;
		f->delete_pending = auto_delete && !f->fallback &&
				    (f->pol1 & M2M_EUICC_POL1_DELETE_ON_DISABLE) != 0;
		memcpy(e->previous, f->aid, sizeof e->previous);
		e->has_previous = true;
	}
	e->isdp[to].lcs = M2M_EUICC_LCS_ENABLED;
	e->isdp[to].delete_pending = false;
	e->fallback_active = false;
	euicc_ev(ev, true, false);
}

void euicc_isdp_remove(m2m_euicc *e, int i)
{
	if (e->has_previous && memcmp(e->previous, e->isdp[i].aid, sizeof e->previous) == 0)
		e->has_previous = false;
	if (e->s.perso == i) {
		e->s.perso = -1;
		if (e->s.keyest_active)
			m2m_keyest_card_wipe(&e->s.keyest);
		e->s.keyest_active = false;
	}
	m2m_wipe(&e->isdp[i], sizeof e->isdp[i]);
}

uint16_t euicc_notify(m2m_euicc *e, uint8_t type, int i, m2m_euicc_events *ev)
{
	if (m2m_euicc_notif_add(e, type, e->isdp[i].aid, NULL) != M2M_OK)
		return SW_INTERNAL;
	euicc_ev(ev, false, true);
	return SW_OK;
}

bool euicc_enableable(const m2m_euicc_isdp *p)
{
	return p->lcs == M2M_EUICC_LCS_DISABLED ||
	       (p->lcs == M2M_EUICC_LCS_PERSONALIZED && p->has_profile);
}

uint16_t m2m_euicc_enable_profile(m2m_euicc *e, const uint8_t *aid, size_t len,
				  m2m_euicc_events *ev)
{
	int i = m2m_euicc_find_isdp(e, aid, len), cur;
	uint16_t sw = SW_NOT_FOUND;

	if (i < 0)
		goto out;
	sw = SW_CONDITIONS;
	if (!euicc_enableable(&e->isdp[i]))
		goto out;
	/* The emergency profile is enabled by the device only, and nothing else while it is
	 * [M]. */
	if (e->isdp[i].emergency || m2m_euicc_emergency_active(e))
		goto out;
	cur = m2m_euicc_enabled_isdp(e);
	sw = SW_POL1;
	if (cur >= 0 && (e->isdp[cur].pol1 & M2M_EUICC_POL1_NO_DISABLE))
		goto out;
	euicc_set_enabled(e, cur, i, true, ev);
	sw = euicc_notify(e, M2M_EUICC_NOTIF_CHANGE_OK, i, ev);
out:
	return sw;
}

/* Disabling enables the fall-back profile, so the fall-back profile itself cannot be
 * disabled, and nothing can be disabled while no fall-back profile exists [M]. */
uint16_t m2m_euicc_disable_profile(m2m_euicc *e, const uint8_t *aid, size_t len,
				   m2m_euicc_events *ev)
{
	int i = m2m_euicc_find_isdp(e, aid, len), fb;
	uint16_t sw = SW_NOT_FOUND;

	if (i < 0)
		goto out;
	fb = m2m_euicc_fallback_isdp(e);
	sw = SW_CONDITIONS;
	if (e->isdp[i].lcs != M2M_EUICC_LCS_ENABLED || fb < 0 || fb == i ||
	    m2m_euicc_emergency_active(e))
		goto out;
	sw = SW_POL1;
	if (e->isdp[i].pol1 & M2M_EUICC_POL1_NO_DISABLE)
		goto out;
	euicc_set_enabled(e, i, fb, true, ev);
	sw = euicc_notify(e, M2M_EUICC_NOTIF_CHANGE_OK, fb, ev);
out:
	return sw;
}

/* Moves a one-holder attribute (fall-back or emergency) to ISD-P i. */
static uint16_t move_attr(m2m_euicc *e, const uint8_t *aid, size_t len, bool emergency,
			  m2m_euicc_events *ev)
{
	int i = m2m_euicc_find_isdp(e, aid, len), old;
	m2m_euicc_isdp *p;
	uint16_t sw = SW_NOT_FOUND;

	if (i < 0)
		goto out;
	p = &e->isdp[i];
	sw = SW_CONDITIONS;
	/* An attribute needs a profile, and one profile cannot hold both [M]. */
	if (!p->has_profile || (emergency ? p->fallback : p->emergency))
		goto out;
	old = emergency ? m2m_euicc_emergency_isdp(e) : m2m_euicc_fallback_isdp(e);
	/* The fall-back attribute stays while the fall-back mechanism is active; the emergency
	 * attribute neither leaves an enabled emergency profile nor lands on the enabled one,
	 * which would make it active without the device asking [M]. */
	if (emergency && (p->lcs == M2M_EUICC_LCS_ENABLED || m2m_euicc_emergency_active(e)))
		goto out;
	if (!emergency && e->fallback_active)
		goto out;
	if (old >= 0 && emergency)
		e->isdp[old].emergency = false;
	else if (old >= 0)
		e->isdp[old].fallback = false;
	if (emergency)
		p->emergency = true;
	else
		p->fallback = true;
	euicc_ev(ev, false, false);
	sw = SW_OK;
out:
	return sw;
}

uint16_t m2m_euicc_set_fallback(m2m_euicc *e, const uint8_t *aid, size_t len,
				m2m_euicc_events *ev)
{
	return move_attr(e, aid, len, false, ev);
}

uint16_t m2m_euicc_set_emergency(m2m_euicc *e, const uint8_t *aid, size_t len,
				 m2m_euicc_events *ev)
{
	return move_attr(e, aid, len, true, ev);
}

/* Deletion conditions shared with Master Delete (which skips POL1). */
uint16_t euicc_delete_conditions(const m2m_euicc *e, const uint8_t *aid, size_t len, int *idx)
{
	const m2m_euicc_isdp *p;

	*idx = -1;
	if (len == M2M_EUICC_AID_SIZE && (memcmp(aid, m2m_euicc_isdr_aid, len) == 0 ||
					  memcmp(aid, m2m_euicc_ecasd_aid, len) == 0))
		return SW_CONDITIONS;
	*idx = m2m_euicc_find_isdp(e, aid, len);
	if (*idx < 0)
		return SW_NOT_FOUND;
	p = &e->isdp[*idx];
	if (p->lcs == M2M_EUICC_LCS_ENABLED || p->fallback || p->emergency)
		return SW_CONDITIONS;
	return SW_OK;
}

uint16_t m2m_euicc_delete_isdp(m2m_euicc *e, const uint8_t *aid, size_t len,
			       m2m_euicc_events *ev)
{
	int i;
	uint16_t sw = euicc_delete_conditions(e, aid, len, &i);

	if (sw != SW_OK)
		goto out;
	sw = SW_POL1;
	if (e->isdp[i].pol1 & M2M_EUICC_POL1_NO_DELETE)
		goto out;
	euicc_isdp_remove(e, i);
	euicc_ev(ev, false, false);
	sw = SW_OK;
out:
	return sw;
}

/* ES6: the MNO-SD replaces the POL1 of its own profile; bits other than the three rules are
 * RFU [M]. The new rules apply from the next state change. */
uint16_t m2m_euicc_update_pol1(m2m_euicc *e, int idx, uint8_t pol1, m2m_euicc_events *ev)
{
	if (e == NULL || idx < 0 || idx >= M2M_EUICC_ISDP_MAX || !e->isdp[idx].used ||
	    !e->isdp[idx].has_profile)
		return SW_NOT_FOUND;
	if (pol1 & ~(M2M_EUICC_POL1_NO_DISABLE | M2M_EUICC_POL1_NO_DELETE |
		     M2M_EUICC_POL1_DELETE_ON_DISABLE))
		return SW_WRONG_DATA;
	if (e->isdp[idx].pol1 != pol1) {
		e->isdp[idx].pol1 = pol1;
		euicc_ev(ev, false, false);
	}
	return SW_OK;
}
