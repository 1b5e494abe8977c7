/* HandleSMSRChangeNotification after a completed hand-over (docs/smsr-change.md): ES4 to
 * each MNO owning a profile on the eUICC, ES3 to each SM-DP that created one, when [peers]
 * names them. Each gets the EIS (Smsr-id now the new SM-SR, no key values) with only its own
 * profiles. Best effort, through the outbound worker. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "smsr/eis_xml.h"
#include "smsr/smsr_es7_int.h"
#include "smsr/smsr_plma.h"

/* Profiles of e owned by mno (or created by smdp) into e itself for the build; restored by
 * the caller from the saved array. */
static void keep(m2m_eis *e, m2m_eis_profile *all, size_t n, m2m_eis_profile *tmp,
		 const char *mno, const char *smdp)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if ((mno != NULL && strcmp(all[i].mno_id, mno) == 0) ||
		    (smdp != NULL && strcmp(all[i].smdp_id, smdp) == 0))
			tmp[k++] = all[i];
	e->profiles = tmp;
	e->nprofiles = k;
}

static void send_one(smsr *s, m2m_eis *e, bool es3, const char *who, const char *mno,
		     const char *url)
{
	m2m_ws_msg *m = NULL;
	m2m_ws_fn fn = es3 ? M2M_WS_ES3_HANDLE_SMSR_CHANGE_NOTIFICATION
			   : M2M_WS_ES4_HANDLE_SMSR_CHANGE_NOTIFICATION;
	m2m_err err = m2m_ws_request_new(fn, NULL, 0, &m);

	if (err == M2M_OK)
		err = m2m_eis_build(m, NULL, e, NULL, 0, NULL);
	if (err == M2M_OK && es3)
		err = m2m_ws_add(m, NULL, "Mno-id", mno, NULL);
	if (err == M2M_OK)
		err = m2m_ws_add_time(m, NULL, es3 ? "completionTimestamp" : "CompletionTimestamp",
				      time(NULL), NULL);
	if (err != M2M_OK) {
		m2m_warn(SMSR_LOG, "%s: HandleSMSRChangeNotification for %s not built: %s", e->eid,
			 who, m2m_strerror(err));
		m2m_ws_msg_free(m);
		return;
	}
	smsr_out_notify(s->out, url, m);
}

static bool seen(const m2m_eis_profile *all, size_t i, bool smdp)
{
	for (size_t j = 0; j < i; j++)
		if (strcmp(smdp ? all[j].smdp_id : all[j].mno_id,
			   smdp ? all[i].smdp_id : all[i].mno_id) == 0)
			return true;
	return false;
}

/* Does mno want HandleSMSRChangeNotification? The notification is about the eUICC, not one
 * profile: it goes when the ONC of any of mno's profiles on it asks for it (the entry of the
 * profile's type, else the MNO's "*" entry, else no entry: sent). */
static bool onc_wants(smsr *s, const m2m_eis *e, const m2m_eis_profile *all, size_t n,
		      const char *mno)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(all[i].mno_id, mno) == 0 &&
		    m2m_smsr_onc_wants(s->st, mno, all[i].profile_type, M2M_SMSR_ONC_SMSR_CHANGE))
			return true;
	m2m_info(SMSR_LOG, "%s: HandleSMSRChangeNotification not sent: the ONC of '%s' filters "
			   "it out", e->eid, mno);
	return false;
}

void es7_notify_change(smsr *s, m2m_eis *e, const char *target)
{
	m2m_eis_profile *all = e->profiles;
	size_t n = e->nprofiles;
	m2m_eis_profile *tmp = calloc(n ? n : 1, sizeof *tmp);

	if (tmp == NULL)
		return;
	snprintf(e->smsr_id, sizeof e->smsr_id, "%.*s", (int)sizeof e->smsr_id - 1, target);
	for (size_t i = 0; i < n; i++) {
		const char *url = m2m_smsr_peer_url(s->cfg, all[i].mno_id);
		if (url == NULL || seen(all, i, false) || !onc_wants(s, e, all, n, all[i].mno_id))
			continue; /* the MNO's ONC may filter it out */
		keep(e, all, n, tmp, all[i].mno_id, NULL);
		send_one(s, e, false, all[i].mno_id, NULL, url);
	}
	for (size_t i = 0; i < n; i++) {
		const char *url = all[i].smdp_id[0] ? m2m_smsr_peer_url(s->cfg, all[i].smdp_id)
						    : NULL;
		if (url == NULL || seen(all, i, true))
			continue;
		keep(e, all, n, tmp, NULL, all[i].smdp_id);
		send_one(s, e, true, all[i].smdp_id, all[i].mno_id, url);
	}
	e->profiles = all;
	e->nprofiles = n;
	free(tmp);
}
