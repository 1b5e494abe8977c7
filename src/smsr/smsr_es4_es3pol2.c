/* ES3 UpdatePolicyRules (docs/smsr-es4-more.md): ES4's UpdatePolicyRules for the SM-DP, on
 * the profiles it created. The schema makes pol2 optional here: without it the profile is
 * left with no POL2 rule (the new POL2 is empty). */
#include <string.h>

#include "smsr/smsr_es4_more.h"

m2m_ws_reply smsr_es4_es3_update_pol2(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp)
{
	const m2m_ws_node *pol2 = m2m_ws_find(m2m_ws_msg_body(call->msg), "pol2");
	m2m_ws_exec_status stt;
	m2m_store_profile p;
	char eid[M2M_STORE_EID_SIZE] = "";
	uint32_t bits = 0;
	m2m_ws_reply r;

	memset(&p, 0, sizeof p);
	if (!smsr_es4_more_profile(s, call, eid, &p, &stt) ||
	    (pol2 != NULL && m2m_smsr_pol2_parse(pol2, &bits, &stt) != M2M_OK))
		goto done;
	p.pol2 = bits;
	if (m2m_store_profile_put(s->st, &p) != M2M_OK) {
		smsr_es3_store_failed(s, &stt);
		goto done;
	}
	m2m_ws_status_set(&stt, M2M_WS_EXECUTED_SUCCESS, NULL, NULL, NULL, "POL2 %02X", bits);
done:
	r = smsr_es4_more_done(s, call, resp, &stt, eid, &p);
	m2m_store_profile_clear(&p);
	return r;
}
