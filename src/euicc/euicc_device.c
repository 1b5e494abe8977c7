/*
 * Profile changes the device side starts (docs/euicc.md "Device-side flows"): the fall-back
 * mechanism when the enabled profile loses the network (notification 05), the roll-back when
 * a new profile cannot attach (03), and the local enable/disable of the emergency profile
 * (02). None applies POL1 [M]: they are automatic or emergencies, not operator requests. Each
 * goes through euicc_set_enabled, which raises REFRESH and ends an active fall-back.
 */
#include <string.h>

#include "euicc/euicc_int.h"

/* from -> to, then the notification with to's AID. */
static m2m_err change(m2m_euicc *e, int from, int to, uint8_t type, m2m_euicc_events *ev)
{
	euicc_set_enabled(e, from, to, false, ev);
	return euicc_notify(e, type, to, ev) == SW_OK ? M2M_OK : M2M_ERR_ARG;
}

bool m2m_euicc_emergency_active(const m2m_euicc *e)
{
	int em = m2m_euicc_emergency_isdp(e);

	return em >= 0 && e->isdp[em].lcs == M2M_EUICC_LCS_ENABLED;
}

/* Not while the emergency profile is enabled (sgp02-facts.md 1.3). */
m2m_err m2m_euicc_fallback_activate(m2m_euicc *e, m2m_euicc_events *ev)
{
	int cur, fb;
	m2m_err err = M2M_ERR_ARG;

	if (e == NULL)
		goto out;
	cur = m2m_euicc_enabled_isdp(e);
	fb = m2m_euicc_fallback_isdp(e);
	err = M2M_ERR_STATE;
	if (fb < 0 || fb == cur || m2m_euicc_emergency_active(e))
		goto out;
	err = change(e, cur, fb, M2M_EUICC_NOTIF_CHANGE_FALLBACK, ev);
	e->fallback_active = true;
out:
	return err;
}

/* Once: a roll-back is not rolled back. Not after a fall-back (its previous profile lost the
 * network) nor while the emergency profile is enabled [M]. */
m2m_err m2m_euicc_rollback(m2m_euicc *e, m2m_euicc_events *ev)
{
	int cur, prev;
	m2m_err err = M2M_ERR_ARG;

	if (e == NULL)
		goto out;
	err = M2M_ERR_STATE;
	if (!e->has_previous || e->fallback_active || m2m_euicc_emergency_active(e))
		goto out;
	cur = m2m_euicc_enabled_isdp(e);
	prev = m2m_euicc_find_isdp(e, e->previous, sizeof e->previous);
	if (prev < 0 || prev == cur || e->isdp[prev].lcs != M2M_EUICC_LCS_DISABLED)
		goto out;
	err = change(e, cur, prev, M2M_EUICC_NOTIF_CHANGE_ROLLBACK, ev);
	e->has_previous = false;
out:
	return err;
}

m2m_err m2m_euicc_emergency_enable(m2m_euicc *e, m2m_euicc_events *ev)
{
	int em, cur;
	m2m_err err = M2M_ERR_ARG;

	if (e == NULL)
		goto out;
	em = m2m_euicc_emergency_isdp(e);
	cur = m2m_euicc_enabled_isdp(e);
	err = M2M_ERR_STATE;
	if (em < 0 || em == cur || !euicc_enableable(&e->isdp[em]))
		goto out;
	err = change(e, cur, em, M2M_EUICC_NOTIF_CHANGE_OK, ev);
out:
	return err;
}

/* Back to the profile enabled before (euicc_set_enabled kept it in e->previous), else the
 * fall-back profile [M]. */
m2m_err m2m_euicc_emergency_disable(m2m_euicc *e, m2m_euicc_events *ev)
{
	int em, to = -1;
	m2m_err err = M2M_ERR_ARG;

	if (e == NULL)
		goto out;
	em = m2m_euicc_emergency_isdp(e);
	err = M2M_ERR_STATE;
	if (em < 0 || e->isdp[em].lcs != M2M_EUICC_LCS_ENABLED)
		goto out;
	if (e->has_previous)
		to = m2m_euicc_find_isdp(e, e->previous, sizeof e->previous);
	if (to < 0 || to == em || !euicc_enableable(&e->isdp[to]))
		to = m2m_euicc_fallback_isdp(e);
	if (to < 0 || to == em)
		goto out;
	err = change(e, em, to, M2M_EUICC_NOTIF_CHANGE_OK, ev);
	e->has_previous = false; /* no roll-back into the emergency profile */
out:
	return err;
}
