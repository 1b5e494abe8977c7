/* Notifications from eUICCs (SGP.02 ES5 HandleNotification, verified by the SMS bearer):
 * recorded once per (EID, sequence number), the EIS updated (the profile the card enabled
 * after a switch, fall-back or roll-back), confirmed with 3A08 through a job (so it is serial
 * with the eUICC's other commands and survives a restart), POL2 auto-delete of the disabled
 * profile, and forwarded to the operators and SM-DPs in [peers]: through the outbox, in the
 * same transaction, so a notification recorded is one forwarded, retried until taken. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "smsr/eis.h"
#include "smsr/smsr_int.h"
#include "smsr/smsr_es4_more.h"
#include "smsr/smsr_notif.h"

static bool find_enabled(smsr *s, const char *eid, m2m_store_profile *out)
{
	m2m_store_profile *list = NULL;
	size_t n = 0;
	bool found = false;

	if (m2m_store_profile_list(s->st, eid, &list, &n) != M2M_OK)
		return false;
	for (size_t i = 0; i < n && !found; i++)
		if (list[i].state == M2M_STORE_PROFILE_ENABLED) {
			*out = list[i];
			out->conn_params = NULL;
			out->conn_params_len = 0;
			found = true;
		}
	m2m_store_profile_list_free(list, n);
	return found;
}

/* The profile the card reports enabled is so in the EIS already: the engine applied the
 * PoR of the EnableProfile before the notification came. smsr_set_state gave the profile it
 * disabled the same update time: that one is the profile switched off (for the Disabled
 * notification and POL2). */
static bool find_switched_off(smsr *s, const char *eid, const m2m_store_profile *now,
			      m2m_store_profile *out)
{
	m2m_store_profile *list = NULL;
	size_t n = 0;
	bool found = false;

	if (m2m_store_profile_list(s->st, eid, &list, &n) != M2M_OK)
		return false;
	for (size_t i = 0; i < n && !found; i++)
		if (list[i].state == M2M_STORE_PROFILE_DISABLED &&
		    list[i].updated_ms == now->updated_ms &&
		    strcmp(list[i].isdp_aid, now->isdp_aid) != 0) {
			*out = list[i];
			out->conn_params = NULL;
			out->conn_params_len = 0;
			found = true;
		}
	m2m_store_profile_list_free(list, n);
	return found;
}

/* Queues fn to peer in the outbox, in the caller's transaction: the outbound worker sends it
 * (smsr_out.c) until the peer takes it. seq >= 0: the card's notification it forwards
 * (marked `forwarded` once an ES4 one is delivered; the SM-DP's copy does not count). */
static m2m_err send_to(smsr *s, const char *peer, m2m_ws_fn fn, const char *eid,
		       const m2m_store_profile *p, int64_t seq)
{
	m2m_store_outbox ob;

	if (peer[0] == '\0' || m2m_smsr_peer_url(s->cfg, peer) == NULL) {
		m2m_debug(SMSR_LOG, "%s: no peer for '%s'", eid, peer);
		return M2M_OK;
	}
	memset(&ob, 0, sizeof ob);
	snprintf(ob.eid, sizeof ob.eid, "%s", eid);
	ob.seq = seq;
	snprintf(ob.fn, sizeof ob.fn, "%s", m2m_ws_function_get(fn)->name);
	snprintf(ob.peer, sizeof ob.peer, "%s", peer);
	snprintf(ob.iccid, sizeof ob.iccid, "%s", p->iccid);
	snprintf(ob.mno_id, sizeof ob.mno_id, "%s", p->mno_id);
	ob.event_ms = m2m_store_now_ms();
	return m2m_store_outbox_add(s->st, &ob, ob.event_ms, NULL);
}

/* To the operator owning the profile (ES4) and to the SM-DP that downloaded it (ES3), each
 * when [peers] knows where it listens. */
static m2m_err forward(smsr *s, m2m_ws_fn es4, m2m_ws_fn es3, const char *eid,
		       const m2m_store_profile *p, int64_t seq)
{
	m2m_err err = M2M_OK;

	if (smsr_onc_forward(s, p, es4)) /* the MNO's ONC (smsr_es4_onc.c) */
		err = send_to(s, p->mno_id, es4, eid, p, seq);
	if (err == M2M_OK)
		err = send_to(s, p->smdp_id, es3, eid, p, seq);
	return err;
}

m2m_err smsr_notify_deleted(smsr *s, const char *eid, const m2m_store_profile *p)
{
	if (p->iccid[0] == '\0')
		return M2M_OK;
	return forward(s, M2M_WS_ES4_HANDLE_PROFILE_DELETED_NOTIFICATION,
		       M2M_WS_ES3_HANDLE_PROFILE_DELETED_NOTIFICATION, eid, p, -1);
}

m2m_err smsr_notif_pol1_deleted(smsr *s, const char *eid, const char *aid)
{
	m2m_store_profile gone;
	m2m_err err;

	memset(&gone, 0, sizeof gone);
	err = m2m_store_profile_get(s->st, eid, aid, &gone);
	if (err == M2M_OK)
		err = m2m_store_profile_delete(s->st, eid, aid);
	if (err == M2M_OK) {
		m2m_info(SMSR_LOG, "%s: POL1 deleted %s at the confirmation", eid, gone.iccid);
		err = smsr_notify_deleted(s, eid, &gone);
	}
	m2m_store_profile_clear(&gone);
	return err == M2M_END ? M2M_OK : err; /* gone already: notified then */
}

static m2m_err queue_confirm(smsr *s, const char *eid, uint16_t seq)
{
	smsr_job j;

	smsr_job_init(&j);
	j.seq = seq;
	return smsr_job_queue(s->st, eid, "confirm", &j, 0, NULL);
}

/* A profile change the card reports: 02 (switch done), 03 (roll-back), 05 (fall-back). */
static bool is_switch(uint8_t type)
{
	return type == 0x02 || type == 0x03 || type == 0x05;
}

typedef struct {
	bool changed;
	m2m_store_profile now, before;
	bool has_before;
} switch_info;

static m2m_err record(smsr *s, const m2m_es5_notif *n, const char *eid, const char *aid,
		      switch_info *sw)
{
	m2m_store_notif nt, old;
	bool is_new = false;
	m2m_err err;

	memset(&nt, 0, sizeof nt);
	memset(&old, 0, sizeof old);
	snprintf(nt.eid, sizeof nt.eid, "%s", eid);
	nt.seq = n->seq;
	nt.type = n->type;
	snprintf(nt.aid, sizeof nt.aid, "%s", aid);
	nt.state = M2M_STORE_NOTIF_RECEIVED;
	nt.received_ms = nt.updated_ms = m2m_store_now_ms();
	if (aid[0] != '\0' && m2m_store_profile_get(s->st, eid, aid, &sw->now) == M2M_OK)
		snprintf(nt.iccid, sizeof nt.iccid, "%s", sw->now.iccid);
	if ((err = m2m_store_notif_add(s->st, &nt, &is_new)) != M2M_OK)
		return err;
	if (!is_new) {
		/* A resend: its confirmation is queued (RECEIVED) or was lost (CONFIRMED). */
		err = m2m_store_notif_get(s->st, eid, n->seq, &old);
		if (err == M2M_OK && old.state != M2M_STORE_NOTIF_RECEIVED)
			err = queue_confirm(s, eid, n->seq);
		m2m_store_notif_clear(&old);
		return err;
	}
	if (n->type == 0x02 && nt.iccid[0] != '\0' &&
	    sw->now.state != M2M_STORE_PROFILE_ENABLED) {
		/* A 02 confirms a switch this SM-SR commanded. The EIS disagreeing means it is
		 * stale (a later switch was applied before it came) or the PoR was lost: the
		 * card's state is read again rather than guessed. */
		smsr_job j;
		smsr_job_init(&j);
		if ((err = smsr_job_queue(s->st, eid, "audit", &j, 0, NULL)) != M2M_OK)
			return err;
		m2m_info(SMSR_LOG, "%s: notification %u disagrees with the EIS: audit queued",
			 eid, n->seq);
	} else if (is_switch(n->type) && nt.iccid[0] != '\0') {
		if (sw->now.state == M2M_STORE_PROFILE_ENABLED)
			sw->has_before = find_switched_off(s, eid, &sw->now, &sw->before);
		else
			sw->has_before = find_enabled(s, eid, &sw->before) &&
					 strcmp(sw->before.isdp_aid, aid) != 0;
		if ((err = smsr_set_state(s, eid, aid, M2M_STORE_PROFILE_ENABLED)) != M2M_OK)
			return err;
		sw->changed = true;
	}
	if ((err = queue_confirm(s, eid, n->seq)) != M2M_OK)
		return err;
	if (sw->changed && sw->has_before && m2m_smsr_pol2_auto_delete(&sw->before)) {
		smsr_job j;
		smsr_job_init(&j);
		snprintf(j.aid, sizeof j.aid, "%s", sw->before.isdp_aid);
		snprintf(j.iccid, sizeof j.iccid, "%s", sw->before.iccid);
		err = smsr_job_queue(s->st, eid, "delete", &j, 0, NULL);
		m2m_info(SMSR_LOG, "%s: POL2 auto-delete of %s queued", eid, sw->before.iccid);
	}
	return err;
}

void smsr_on_notification(m2m_sms_bearer *b, const m2m_es5_notif *n, const char *from,
			  void *arg)
{
	smsr *s = arg;
	switch_info sw;
	m2m_ws_exec_status stt;
	char eid[M2M_STORE_EID_SIZE], aid[M2M_STORE_AID_SIZE] = "";
	m2m_err err;

	(void)b;
	memset(&sw, 0, sizeof sw);
	m2m_eis_hex(n->eid, M2M_ES5_EID_SIZE, eid);
	if (n->has_aid && n->aid_len <= M2M_ES5_AID_SIZE)
		m2m_eis_hex(n->aid, n->aid_len, aid);
	m2m_info(SMSR_LOG, "%s: notification %02X seq %u aid %s from %s", eid, n->type, n->seq,
		 aid, from);
	err = m2m_store_begin(s->st);
	if (err == M2M_OK)
		err = record(s, n, eid, aid, &sw);
	if (err == M2M_OK && sw.changed) {
		m2m_ws_status_set(&stt, M2M_WS_EXECUTED_SUCCESS, NULL, NULL, NULL,
				  "notification %02X seq %u: %s enabled", n->type, n->seq,
				  sw.now.iccid);
		smsr_audit(s, "eUICC", "ES5.HandleNotification", eid, sw.now.iccid, &stt);
	}
	if (err == M2M_OK && sw.changed)
		err = forward(s, M2M_WS_ES4_HANDLE_PROFILE_ENABLED_NOTIFICATION,
			      M2M_WS_ES3_HANDLE_PROFILE_ENABLED_NOTIFICATION, eid, &sw.now, n->seq);
	if (err == M2M_OK && sw.changed && sw.has_before)
		err = forward(s, M2M_WS_ES4_HANDLE_PROFILE_DISABLED_NOTIFICATION,
			      M2M_WS_ES3_HANDLE_PROFILE_DISABLED_NOTIFICATION, eid, &sw.before,
			      n->seq);
	if (err == M2M_OK)
		err = m2m_store_commit(s->st);
	if (err != M2M_OK) {
		m2m_store_rollback(s->st);
		m2m_error(SMSR_LOG, "%s: notification %u not recorded: %s", eid, n->seq,
			  m2m_store_errmsg(s->st));
		goto out;
	}
	smsr_out_kick(s->out);
	smsr_engine_kick(s);
out:
	m2m_store_profile_clear(&sw.now);
	m2m_store_profile_clear(&sw.before);
}
