/* POL2, the SM-SR's policy rules per profile (SGP.02 2.4.4, POL2Type of the v3 schema). POL1
 * lives on the card and refuses by itself; the SM-SR refuses what POL2 forbids before any
 * packet leaves, so the stricter of the two always wins. */
#include <string.h>

#include "smsr/smsr.h"
#include "ws/msg.h"

static uint32_t not_allowed_bit(m2m_smsr_action act)
{
	switch (act) {
	case M2M_SMSR_ACT_ENABLE:
		return M2M_POL2_ENABLE_NOT_ALLOWED;
	case M2M_SMSR_ACT_DISABLE:
		return M2M_POL2_DISABLE_NOT_ALLOWED;
	case M2M_SMSR_ACT_DELETE:
		return M2M_POL2_DELETE_NOT_ALLOWED;
	}
	return 0;
}

static const char *act_name(m2m_smsr_action act)
{
	return act == M2M_SMSR_ACT_ENABLE ? "ENABLE" : act == M2M_SMSR_ACT_DISABLE ? "DISABLE"
										   : "DELETE";
}

bool m2m_smsr_pol2_allows(m2m_smsr_action act, const m2m_store_profile *target,
			  const m2m_store_profile *enabled, m2m_ws_exec_status *st)
{
	if (target != NULL && (target->pol2 & not_allowed_bit(act)) != 0) {
		if (st != NULL)
			m2m_ws_status_set(st, M2M_WS_FAILED, M2M_WS_SUBJ_POL2,
					  M2M_WS_REASON_NOT_ALLOWED, target->iccid,
					  "POL2 of %s: %s Not-Allowed", target->iccid,
					  act_name(act));
		return false;
	}
	/* Enabling a profile disables the one enabled now: its own rule counts too. */
	if (act == M2M_SMSR_ACT_ENABLE && enabled != NULL && target != NULL &&
	    strcmp(enabled->isdp_aid, target->isdp_aid) != 0 &&
	    (enabled->pol2 & M2M_POL2_DISABLE_NOT_ALLOWED) != 0) {
		if (st != NULL)
			m2m_ws_status_set(st, M2M_WS_FAILED, M2M_WS_SUBJ_POL2,
					  M2M_WS_REASON_NOT_ALLOWED, enabled->iccid,
					  "POL2 of the enabled profile %s: DISABLE Not-Allowed",
					  enabled->iccid);
		return false;
	}
	return true;
}

bool m2m_smsr_pol2_auto_delete(const m2m_store_profile *disabled)
{
	return disabled != NULL && (disabled->pol2 & M2M_POL2_DISABLE_AUTO_DELETE) != 0;
}

static uint32_t rule_bit(const char *action, const char *qual)
{
	static const struct {
		const char *action, *qual;
		uint32_t bit;
	} map[] = {
		{"ENABLE", "Not-Allowed", M2M_POL2_ENABLE_NOT_ALLOWED},
		{"DISABLE", "Not-Allowed", M2M_POL2_DISABLE_NOT_ALLOWED},
		{"DELETE", "Not-Allowed", M2M_POL2_DELETE_NOT_ALLOWED},
		{"ENABLE", "Auto-Delete", M2M_POL2_ENABLE_AUTO_DELETE},
		{"DISABLE", "Auto-Delete", M2M_POL2_DISABLE_AUTO_DELETE},
		{"DELETE", "Auto-Delete", M2M_POL2_DELETE_AUTO_DELETE},
	};

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(map[i].action, action) == 0 && strcmp(map[i].qual, qual) == 0)
			return map[i].bit;
	return 0;
}

m2m_err m2m_smsr_pol2_parse(const struct _xmlNode *pol2, uint32_t *bits, m2m_ws_exec_status *st)
{
	const char *subj, *action, *qual;
	uint32_t out = 0, b;

	for (const m2m_ws_node *r = m2m_ws_find(pol2, "Rule"); r != NULL; r = m2m_ws_next_same(r)) {
		if (m2m_ws_get_text(r, "Subject", &subj) != M2M_OK ||
		    m2m_ws_get_text(r, "Action", &action) != M2M_OK ||
		    m2m_ws_get_text(r, "Qualification", &qual) != M2M_OK)
			goto bad;
		b = rule_bit(action, qual);
		if (strcmp(subj, "PROFILE") != 0 || b == 0)
			goto bad;
		out |= b;
	}
	*bits = out;
	return M2M_OK;
bad:
	if (st != NULL)
		m2m_ws_status_set(st, M2M_WS_FAILED, M2M_WS_SUBJ_POL2, M2M_WS_REASON_INVALID, NULL,
				  "a POL2 rule is incomplete or not one of PROFILE "
				  "ENABLE/DISABLE/DELETE Not-Allowed/Auto-Delete");
	return M2M_ERR_FORMAT;
}
