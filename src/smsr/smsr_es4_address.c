/* ES4 and ES3 UpdateSubscriptionAddress (docs/smsr-es4-more.md): the profile's IMSI and
 * MSISDN in the store. The eUICC's own SMS address (the EIS) is not changed. */
#include <stdio.h>
#include <string.h>

#include "smsr/smsr_es4_more.h"

/* Decimal digits only (0-9: the schema's \d also lets other scripts' digits through), shorter
 * than cap. NULL (an empty element) is "". */
static bool digits(const char *t, size_t cap)
{
	size_t n = t != NULL ? strlen(t) : 0;

	return n < cap && (n == 0 || strspn(t, "0123456789") == n);
}

/* newSubscriptionAddress: the Imsi and Msisdn it carries replace the stored ones; one it
 * leaves out stays. At least one is needed. */
static bool read_new(const m2m_ws_node *body, m2m_store_profile *p, m2m_ws_exec_status *stt)
{
	const m2m_ws_node *a = m2m_ws_find(body, "newSubscriptionAddress");
	const m2m_ws_node *imsi = a != NULL ? m2m_ws_find(a, "Imsi") : NULL;
	const m2m_ws_node *msisdn = a != NULL ? m2m_ws_find(a, "Msisdn") : NULL;
	const char *ti = imsi != NULL ? m2m_ws_node_text(imsi) : NULL;
	const char *tm = msisdn != NULL ? m2m_ws_node_text(msisdn) : NULL;

	if (imsi == NULL && msisdn == NULL) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_SUBSCRIPTION_ADDRESS,
				  M2M_WS_REASON_INVALID, NULL,
				  "newSubscriptionAddress: Imsi or Msisdn expected");
		return false;
	}
	if ((imsi != NULL && !digits(ti, sizeof p->imsi)) ||
	    (msisdn != NULL && !digits(tm, sizeof p->msisdn))) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_SUBSCRIPTION_ADDRESS,
				  M2M_WS_REASON_INVALID, NULL,
				  "newSubscriptionAddress: up to 15 digits 0-9 expected");
		return false;
	}
	if (imsi != NULL)
		snprintf(p->imsi, sizeof p->imsi, "%s", ti != NULL ? ti : "");
	if (msisdn != NULL)
		snprintf(p->msisdn, sizeof p->msisdn, "%s", tm != NULL ? tm : "");
	return true;
}

m2m_ws_reply smsr_es4_update_address(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp)
{
	m2m_ws_exec_status stt;
	m2m_store_profile p;
	char eid[M2M_STORE_EID_SIZE] = "";
	m2m_ws_reply r;

	memset(&p, 0, sizeof p);
	if (!smsr_es4_more_profile(s, call, eid, &p, &stt) ||
	    !read_new(m2m_ws_msg_body(call->msg), &p, &stt))
		goto done;
	if (m2m_store_profile_put(s->st, &p) != M2M_OK) {
		smsr_es3_store_failed(s, &stt);
		goto done;
	}
	m2m_ws_status_set(&stt, M2M_WS_EXECUTED_SUCCESS, NULL, NULL, NULL,
			  "SubscriptionAddress Imsi '%s' Msisdn '%s'", p.imsi, p.msisdn);
done:
	r = smsr_es4_more_done(s, call, resp, &stt, eid, &p);
	m2m_store_profile_clear(&p);
	return r;
}
