/* Recovery at start (docs/smdp.md "Recovery"): a download this instance ran when its process
 * died left its profile allocated. Each such profile gets the error sub-routine on a worker:
 * ES3.DeleteISDP through the SM-SR the download used, then the profile is burnt (failed), or
 * back in the inventory when the SM-SR says no ISD-P holds it and no AID was recorded
 * (nothing reached the card); the operator's FunctionCallIdentifier record gets a FAILED
 * answer, so a retry with the same identifier gets a definite one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "smdp/smdp_int.h"

static void queue_one(void *arg, const char *iccid)
{
	smdp *s = arg;
	smdp_task *t = calloc(1, sizeof *t);

	if (t == NULL) {
		m2m_error(SMDP_LOG, "%s: no memory for its recovery", iccid);
		return;
	}
	t->recover = true;
	t->fn = M2M_WS_ES2_DOWNLOAD_PROFILE;
	snprintf(t->iccid, sizeof t->iccid, "%s", iccid);
	m2m_info(SMDP_LOG, "%s: download interrupted by a restart, cleaning up", iccid);
	smdp_enqueue(s, t);
}

m2m_err smdp_recover_start(smdp *s)
{
	return m2m_store_smdp_stale(s->st, s->cfg->instance, queue_one, s);
}

/* ES3.DeleteISDP of t's ICCID on t's EID; true when the SM-SR deleted it. */
static bool delete_isdp(smdp_worker *w, const smdp_task *t, m2m_ws_exec_status *stt)
{
	m2m_ws_msg *req = NULL, *resp = NULL;
	bool ok = false;

	if (smdp_es3_request(w->s, M2M_WS_ES3_DELETE_ISDP, t->eid, &req) != M2M_OK ||
	    m2m_ws_add(req, NULL, "Iccid", t->iccid, NULL) != M2M_OK) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROVIDER,
				  M2M_WS_REASON_EXECUTION_ERROR, NULL, "ES3.DeleteISDP not built");
		goto out;
	}
	ok = smdp_es3_call(w, t, req, &resp, stt) == M2M_OK;
out:
	m2m_ws_msg_free(req);
	m2m_ws_msg_free(resp);
	return ok;
}

/* Where the profile goes: available only when no AID was recorded and the SM-SR knows no
 * profile with the ICCID on the eUICC (CreateISDP never ran there). */
static m2m_smdp_pstate clean(smdp_worker *w, const smdp_task *t, const m2m_smdp_profile *p,
			     char *what, size_t cap)
{
	m2m_ws_exec_status del;

	memset(&del, 0, sizeof del);
	if (t->smsr == NULL) {
		snprintf(what, cap, "SM-SR %.128s no longer configured: the ISD-P is left",
			 p->dl.smsr);
		return M2M_SMDP_FAILED;
	}
	if (delete_isdp(w, t, &del)) {
		snprintf(what, cap, "its ISD-P was deleted");
		return M2M_SMDP_FAILED;
	}
	if (p->isdp_aid[0] == '\0' && strcmp(del.subject, M2M_WS_SUBJ_ICCID) == 0 &&
	    strcmp(del.reason, M2M_WS_REASON_UNKNOWN) == 0) {
		snprintf(what, cap, "no ISD-P was created");
		return M2M_SMDP_AVAILABLE;
	}
	snprintf(what, cap, "its ISD-P was not deleted (%.8s/%.8s %.200s)", del.subject,
		 del.reason, del.message);
	return M2M_SMDP_FAILED;
}

void smdp_recover(smdp_worker *w, smdp_task *t)
{
	const char *me = w->s->cfg->instance;
	m2m_smdp_profile p;
	m2m_ws_exec_status ans;
	m2m_smdp_pstate to;
	char what[400];
	m2m_err err;

	if (m2m_store_smdp_profile_get(w->st, t->iccid, &p) != M2M_OK) {
		m2m_error(SMDP_LOG, "%s: not recovered: %s", t->iccid, m2m_store_errmsg(w->st));
		return;
	}
	if (p.state != M2M_SMDP_ALLOCATED || strcmp(p.dl.owner, me) != 0) {
		m2m_info(SMDP_LOG, "%s: no longer an interrupted download of %s", t->iccid, me);
		return;
	}
	snprintf(t->eid, sizeof t->eid, "%s", p.eid);
	snprintf(t->actor, sizeof t->actor, "%s", p.dl.caller);
	snprintf(t->call_id, sizeof t->call_id, "%s", p.dl.call_id);
	t->smsr = m2m_smdp_smsr_by_oid(w->s->cfg, p.dl.smsr);
	to = clean(w, t, &p, what, sizeof what);
	err = m2m_store_smdp_close(w->st, t->iccid, me, to, to == M2M_SMDP_AVAILABLE ? NULL : p.eid,
				   to == M2M_SMDP_AVAILABLE ? NULL : p.isdp_aid);
	if (err != M2M_OK) {
		/* M2M_END: closed meanwhile by another process of the same instance name */
		m2m_warn(SMDP_LOG, "%s: not closed: %s", t->iccid, m2m_store_errmsg(w->st));
		return;
	}
	m2m_ws_status_set(&ans, M2M_WS_FAILED, M2M_WS_SUBJ_PROVIDER, M2M_WS_REASON_EXECUTION_ERROR,
			  NULL, "the SM-DP restarted during the download; profile %s %s, %s",
			  t->iccid, m2m_smdp_pstate_name(to), what);
	m2m_info(SMDP_LOG, "%s on %s: %s", t->iccid, t->eid, ans.message);
	if (t->call_id[0] != '\0' && t->actor[0] != '\0')
		smdp_call_finish(w, t, &ans, t->iccid);
	smdp_audit(w, t, &ans);
}
