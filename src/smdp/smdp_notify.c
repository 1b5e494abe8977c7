/* ES3 Handle*Notification from an SM-SR (a card's profile change) passed on to the operator
 * owning the profile as ES2 Handle*Notification (worker thread; docs/smdp.md
 * "Notifications"). Best effort: a notification that cannot be delivered is logged. */
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "smdp/smdp_int.h"

/* The operator's URL for the profile: its type's MNO in [peers]; NULL when none. */
static const char *owner_url(smdp_worker *w, smdp_task *t)
{
	m2m_smdp_profile p;
	m2m_smdp_type ty;
	const char *url = NULL;

	memset(&ty, 0, sizeof ty);
	if (m2m_store_smdp_profile_get(w->st, t->iccid, &p) != M2M_OK ||
	    strcmp(p.eid, t->eid) != 0) {
		m2m_info(SMDP_LOG, "%s: notification for %s, not a profile of ours", t->eid,
			 t->iccid);
		return NULL;
	}
	if (m2m_store_smdp_type_get(w->st, p.type, &ty) != M2M_OK)
		return NULL;
	snprintf(t->mno, sizeof t->mno, "%s", ty.mno_id);
	m2m_smdp_type_clear(&ty);
	if (t->fn == M2M_WS_ES2_HANDLE_PROFILE_DELETED_NOTIFICATION &&
	    p.state != M2M_SMDP_INSTALLED) {
		/* The error sub-routine's own DeleteISDP of a download that failed (or is failing):
		 * the profile stays failed, and the operator already had the FAILED answer. */
		m2m_info(SMDP_LOG, "%s: ISD-P of a failed download deleted", t->iccid);
		return NULL;
	}
	if (t->fn == M2M_WS_ES2_HANDLE_PROFILE_DELETED_NOTIFICATION &&
	    m2m_store_smdp_set_state(w->st, t->iccid, M2M_SMDP_DELETED, t->eid, p.isdp_aid) !=
		    M2M_OK)
		m2m_warn(SMDP_LOG, "%s: not marked deleted: %s", t->iccid, m2m_store_errmsg(w->st));
	url = m2m_smdp_peer_url(w->s->cfg, t->mno);
	if (url == NULL)
		m2m_debug(SMDP_LOG, "no [peers] URL for %s", t->mno);
	return url;
}

void smdp_notify(smdp_worker *w, smdp_task *t)
{
	const char *url = owner_url(w, t);
	const char *ts = t->fn == M2M_WS_ES2_HANDLE_PROFILE_ENABLED_NOTIFICATION
				 ? "completionTimestamp" /* so spelt in the ES2 schema */
				 : "CompletionTimestamp";
	m2m_ws_msg *m = NULL;
	m2m_ws_result res;
	m2m_ws_exec_status stt;

	if (url == NULL)
		return;
	memset(&res, 0, sizeof res);
	if (m2m_ws_request_new(t->fn, NULL, 0, &m) != M2M_OK ||
	    m2m_ws_add(m, NULL, "Eid", t->eid, NULL) != M2M_OK ||
	    m2m_ws_add(m, NULL, "Iccid", t->iccid, NULL) != M2M_OK ||
	    m2m_ws_add_time(m, NULL, ts, t->when, NULL) != M2M_OK) {
		m2m_warn(SMDP_LOG, "%s: notification for %s not built", t->eid, t->iccid);
		goto out;
	}
	if (m2m_ws_client_call(w->client, url, m, NULL, &res) != M2M_OK || res.fault) {
		m2m_warn(SMDP_LOG, "%s to %s failed: %s %s", m2m_ws_function_get(t->fn)->name, url,
			 m2m_ws_client_error(w->client), res.error.text);
		m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_REQUESTER,
				  M2M_WS_REASON_UNAVAILABLE, NULL, "not delivered to %s", url);
	} else {
		m2m_ws_status_set(&stt, M2M_WS_EXECUTED_SUCCESS, NULL, NULL, NULL, "to %s", url);
	}
	smdp_audit(w, t, &stt);
out:
	m2m_ws_result_free(&res);
	m2m_ws_msg_free(m);
}
