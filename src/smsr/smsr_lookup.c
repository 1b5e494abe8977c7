/* The profile a request names and whether its caller may touch it: the look-ups every ES3 /
 * ES4 profile function starts with (smsr_int.h). */
#include <string.h>

#include "smsr/smsr_int.h"

bool smsr_profile_of_call(smsr *s, const m2m_ws_node *body, const char *eid,
			  m2m_store_profile *p, m2m_ws_exec_status *stt)
{
	const char *iccid = NULL;
	m2m_err err;

	if (m2m_ws_get_text(body, "Iccid", &iccid) != M2M_OK) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_ICCID, M2M_WS_REASON_INVALID,
				  NULL, "Iccid missing");
		return false;
	}
	err = m2m_store_profile_get_by_iccid(s->st, iccid, p);
	if (err == M2M_OK && strcmp(p->eid, eid) != 0)
		err = M2M_END; /* a profile of another eUICC is unknown on this one */
	if (err == M2M_END)
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_ICCID, M2M_WS_REASON_UNKNOWN,
				  iccid, "unknown ICCID on this eUICC");
	else if (err != M2M_OK)
		smsr_es3_store_failed(s, stt);
	return err == M2M_OK;
}

bool smsr_made_by(const m2m_store_profile *p, const char *oid, const char *what,
		  m2m_ws_exec_status *stt)
{
	if (p->smdp_id[0] != '\0' && strcmp(p->smdp_id, oid) == 0)
		return true;
	m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_REQUESTER, M2M_WS_REASON_UNAUTHORISED,
			  what, "the profile was not created by '%s'", oid);
	return false;
}
