/* ES4 authorisation (docs/smsr.md "Authorisation"): an MNO acts on its own profiles, an M2M
 * SP where the profile's MNO gave it a PLMA ([plma] of the configuration). */
#include <string.h>

#include "smsr/smsr.h"

static bool plma_allows(const m2m_smsr_cfg *cfg, const char *sp, const char *mno)
{
	for (size_t i = 0; i < cfg->nplma; i++)
		if (strcmp(cfg->plma[i].sp, sp) == 0 && strcmp(cfg->plma[i].mno, mno) == 0)
			return true;
	return false;
}

bool m2m_smsr_authorised(const m2m_smsr_cfg *cfg, m2m_ws_role role, const char *caller_id,
			 const char *mno_id, m2m_ws_exec_status *st)
{
	bool ok = false;

	if (caller_id != NULL)
		caller_id = m2m_smsr_caller_oid(cfg, caller_id);
	if (caller_id != NULL && caller_id[0] != '\0' && mno_id != NULL && mno_id[0] != '\0') {
		if (role == M2M_WS_ROLE_MNO)
			ok = strcmp(caller_id, mno_id) == 0;
		else if (role == M2M_WS_ROLE_M2MSP)
			ok = plma_allows(cfg, caller_id, mno_id);
	}
	if (!ok && st != NULL)
		m2m_ws_status_set(st, M2M_WS_FAILED, M2M_WS_SUBJ_REQUESTER,
				  M2M_WS_REASON_UNAUTHORISED, NULL,
				  "%s '%s' may not act on profiles of '%s'",
				  m2m_ws_role_name(role) ? m2m_ws_role_name(role) : "caller",
				  caller_id ? caller_id : "", mno_id ? mno_id : "");
	return ok;
}
