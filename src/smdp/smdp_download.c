/* ES2.DownloadProfile (worker thread; docs/smdp.md "DownloadProfile"): a profile of the type
 * allocated once, ES3.GetEIS, the package personalised, eligibility, ES3.CreateISDP, the ES8
 * session over ES3.SendData, ES3.ProfileDownloadCompleted, the key set kept or not, the
 * optional ES3.EnableProfile. Failures before the card return the profile to the inventory;
 * after, the error sub-routine (ES3.DeleteISDP) runs and the profile is burnt (failed). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/hex.h"
#include "core/log.h"
#include "smdp/smdp_int.h"

typedef struct {
	smdp_worker *w;
	smdp_task *t;
	m2m_ws_exec_status *stt;
	m2m_smdp_type ty;
	char iccid[M2M_STORE_ICCID_SIZE];
	char aid[M2M_STORE_AID_SIZE];
	bool on_card;            /* CreateISDP succeeded: something may be on the eUICC */
	bool recorded;           /* the call's record is ours to finish */
	smdp_eis_facts facts;
	m2m_buf pkg;             /* the personalised package (secret) */
	m2m_smdp_eligible ok;
} dl;

static void fail(dl *d, const char *subject, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void fail(dl *d, const char *subject, const char *reason, const char *fmt, ...)
{
	char msg[M2M_WS_MESSAGE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	m2m_ws_status_set(d->stt, M2M_WS_FAILED, subject, reason, NULL, "%s", msg);
}

static void store_failed(dl *d)
{
	fail(d, M2M_WS_SUBJ_PROVIDER, M2M_WS_REASON_EXECUTION_ERROR, "store: %s",
	     m2m_store_errmsg(d->w->st));
}

/* The type (the caller's) and one of its profiles, allocated to the EID. */
static bool allocate(dl *d)
{
	smdp_task *t = d->t;
	m2m_err err = m2m_store_smdp_type_get(d->w->st, t->type, &d->ty);

	if (err == M2M_END || (err == M2M_OK && strcmp(d->ty.mno_id, t->mno) != 0)) {
		fail(d, M2M_WS_SUBJ_PROFILE_TYPE, M2M_WS_REASON_UNKNOWN,
		     "no profile type '%s' for MNO %s", t->type, t->mno);
		return false;
	}
	if (err == M2M_OK) {
		m2m_smdp_download who;

		/* who runs it: the recovery of this instance finds it if the process dies */
		memset(&who, 0, sizeof who);
		snprintf(who.owner, sizeof who.owner, "%s", d->w->s->cfg->instance);
		snprintf(who.smsr, sizeof who.smsr, "%.128s", t->smsr->oid);
		snprintf(who.caller, sizeof who.caller, "%s", t->actor);
		snprintf(who.call_id, sizeof who.call_id, "%s", t->call_id);
		err = m2m_store_smdp_allocate_for(d->w->st, t->type, t->iccid[0] ? t->iccid : NULL,
						  t->eid, &who, d->iccid);
	}
	if (err == M2M_END && t->iccid[0] != '\0')
		fail(d, M2M_WS_SUBJ_ICCID, M2M_WS_REASON_UNAVAILABLE,
		     "ICCID %s is not an available profile of type '%s'", t->iccid, t->type);
	else if (err == M2M_END)
		fail(d, M2M_WS_SUBJ_PROFILE_TYPE, M2M_WS_REASON_UNAVAILABLE,
		     "no profile of type '%s' is left", t->type);
	else if (err != M2M_OK)
		store_failed(d);
	return err == M2M_OK;
}

/* ES3.GetEIS and the facts eligibility needs. */
static bool get_eis(dl *d)
{
	m2m_ws_msg *req = NULL, *resp = NULL;
	bool ok = false;

	if (smdp_es3_request(d->w->s, M2M_WS_ES3_GET_EIS, d->t->eid, &req) != M2M_OK) {
		fail(d, M2M_WS_SUBJ_PROVIDER, M2M_WS_REASON_EXECUTION_ERROR, "ES3.GetEIS not built");
		goto out;
	}
	if (smdp_es3_call(d->w, d->t, req, &resp, d->stt) != M2M_OK)
		goto out;
	ok = smdp_eis_read(d->w->s->cfg, m2m_ws_find(m2m_ws_msg_body(resp), "Eis"), &d->facts,
			   d->stt) == M2M_OK;
out:
	m2m_ws_msg_free(req);
	m2m_ws_msg_free(resp);
	return ok;
}

static bool personalise(dl *d)
{
	m2m_saip_perso p;
	m2m_buf values;
	char msg[256];
	bool ok = false;

	m2m_saip_perso_init(&p);
	m2m_buf_init(&values);
	if (m2m_store_smdp_perso(d->w->st, d->iccid, &values) != M2M_OK) {
		store_failed(d);
		goto out;
	}
	if (smdp_perso_decode(values.data, values.len, &p) != M2M_OK) {
		fail(d, M2M_WS_SUBJ_PROFILE, M2M_WS_REASON_EXECUTION_ERROR,
		     "the personalisation data of %s is unreadable", d->iccid);
		goto out;
	}
	if (smdp_personalise(d->ty.package, d->ty.package_len, &p, &d->pkg, msg, sizeof msg) !=
	    M2M_OK) {
		fail(d, M2M_WS_SUBJ_PROFILE, M2M_WS_REASON_EXECUTION_ERROR, "%s", msg);
		goto out;
	}
	ok = true;
out:
	m2m_wipe(values.data, values.len);
	m2m_buf_free(&values);
	m2m_saip_perso_free(&p);
	return ok;
}

static bool eligible(dl *d)
{
	m2m_smdp_refusal why;
	m2m_smdp_req req = {
		.trust = d->w->trust,
		.package_len = d->pkg.len,
		.overhead = d->ty.memory > d->pkg.len ? d->ty.memory - d->pkg.len : 0,
		.need_http = d->w->s->cfg->need_http,
	};

	memset(&why, 0, sizeof why);
	if (m2m_smdp_eligibility(&d->facts.eis, &req, &d->ok, &why) == M2M_OK)
		return true;
	fail(d, why.subject, why.reason, "%s", why.message);
	return false;
}

/* ES3.CreateISDP: the ISD-P's AID. MoreToDo true: the next call is always a SendData to the
 * same eUICC, so an SM-SR that reaches it over SCP81 keeps the session open for it (one
 * session per download instead of two, docs/smdp.md). */
static bool create_isdp(dl *d)
{
	m2m_ws_msg *req = NULL, *resp = NULL;
	const char *aid = NULL;
	bool ok = false;

	if (smdp_es3_request(d->w->s, M2M_WS_ES3_CREATE_ISDP, d->t->eid, &req) != M2M_OK ||
	    m2m_ws_add(req, NULL, "Iccid", d->iccid, NULL) != M2M_OK ||
	    m2m_ws_add(req, NULL, "Mno-id", d->ty.mno_id, NULL) != M2M_OK ||
	    m2m_ws_add_uint(req, NULL, "RequiredMemory", d->ok.required_memory, NULL) != M2M_OK ||
	    m2m_ws_add_bool(req, NULL, "MoreToDo", true, NULL) != M2M_OK) {
		fail(d, M2M_WS_SUBJ_PROVIDER, M2M_WS_REASON_EXECUTION_ERROR,
		     "ES3.CreateISDP not built");
		goto out;
	}
	if (smdp_es3_call(d->w, d->t, req, &resp, d->stt) != M2M_OK)
		goto out;
	if (m2m_ws_get_text(m2m_ws_msg_body(resp), "Isd-p-aid", &aid) != M2M_OK ||
	    strlen(aid) >= sizeof d->aid || strlen(aid) > 2 * M2M_ES8_AID_MAX) {
		fail(d, M2M_WS_SUBJ_SMSR, M2M_WS_REASON_EXECUTION_ERROR,
		     "ES3.CreateISDP answered without a usable Isd-p-aid");
		goto out;
	}
	snprintf(d->aid, sizeof d->aid, "%s", aid);
	d->on_card = true;
	if (m2m_store_smdp_set_state(d->w->st, d->iccid, M2M_SMDP_ALLOCATED, d->t->eid, d->aid) !=
	    M2M_OK)
		m2m_warn(SMDP_LOG, "%s: ISD-P %s not recorded: %s", d->iccid, d->aid,
			 m2m_store_errmsg(d->w->st));
	ok = true;
out:
	m2m_ws_msg_free(req);
	m2m_ws_msg_free(resp);
	return ok;
}

/* One ES3.SendData with the payload; the card's answer to the session. */
static bool send_one(dl *d, m2m_es8_session *es, const m2m_es8_payload *p)
{
	m2m_ws_msg *req = NULL, *resp = NULL;
	m2m_ws_exec_status stt;
	m2m_buf answer;
	bool ok = false;

	m2m_buf_init(&answer);
	if (smdp_es3_request(d->w->s, M2M_WS_ES3_SEND_DATA, d->t->eid, &req) != M2M_OK ||
	    m2m_ws_add_bytes(req, NULL, "Sd-aid", p->sd_aid, p->sd_aid_len, NULL) != M2M_OK ||
	    m2m_ws_add_bytes(req, NULL, "Data", p->data, p->len, NULL) != M2M_OK ||
	    m2m_ws_add_bool(req, NULL, "MoreToDo", p->more_to_do, NULL) != M2M_OK) {
		m2m_es8_abort(es, M2M_WS_SUBJ_PROVIDER, M2M_WS_REASON_EXECUTION_ERROR,
			      "ES3.SendData not built");
		goto out;
	}
	if (smdp_es3_call(d->w, d->t, req, &resp, &stt) != M2M_OK) {
		m2m_es8_abort(es, stt.subject[0] ? stt.subject : M2M_WS_SUBJ_SMSR,
			      stt.reason[0] ? stt.reason : M2M_WS_REASON_EXECUTION_ERROR,
			      stt.message);
		goto out;
	}
	if (m2m_ws_get_bytes(m2m_ws_msg_body(resp), "EuiccResponseData", &answer) != M2M_OK) {
		m2m_es8_abort(es, M2M_WS_SUBJ_SMSR, M2M_WS_REASON_EXECUTION_ERROR,
			      "ES3.SendData answered without EuiccResponseData");
		goto out;
	}
	ok = m2m_es8_response(es, answer.data, answer.len) == M2M_OK;
out:
	m2m_buf_free(&answer);
	m2m_ws_msg_free(req);
	m2m_ws_msg_free(resp);
	return ok;
}

/* The kept key set, sealed in the inventory: KVN, key length, ENC, MAC, DEK. */
static void keep_keys(dl *d, const m2m_es8_session *es)
{
	m2m_es8_keyset ks;
	uint8_t blob[2 + 3 * M2M_ES8_KEY_MAX];
	size_t n;

	if (d->w->s->cfg->keys == M2M_ES8_KEYS_DELETE || m2m_es8_keys(es, &ks) != M2M_OK)
		return;
	n = ks.key_len <= M2M_ES8_KEY_MAX ? ks.key_len : M2M_ES8_KEY_MAX;
	blob[0] = ks.kvn;
	blob[1] = (uint8_t)n;
	memcpy(blob + 2, ks.enc, n);
	memcpy(blob + 2 + n, ks.mac, n);
	memcpy(blob + 2 + 2 * n, ks.dek, n);
	if (m2m_store_smdp_keys_put(d->w->st, d->iccid, blob, 2 + 3 * n) != M2M_OK)
		m2m_warn(SMDP_LOG, "%s: key set not kept: %s", d->iccid, m2m_store_errmsg(d->w->st));
	m2m_wipe(blob, sizeof blob);
	m2m_es8_keyset_wipe(&ks);
}

/* Key establishment and the package over ES3.SendData. */
static bool es8(dl *d)
{
	const m2m_smdp_cfg *cfg = d->w->s->cfg;
	uint8_t eid[M2M_ES8_EID_SIZE], aid[M2M_ES8_AID_MAX];
	size_t aid_len = 0;
	m2m_es8_config c;
	m2m_es8_session *es = NULL;
	m2m_es8_payload p;
	m2m_err err;
	bool ok = false;

	if (m2m_hex_decode_exact(d->t->eid, eid, sizeof eid) != M2M_OK ||
	    m2m_hex_decode(d->aid, aid, sizeof aid, &aid_len) != M2M_OK) {
		fail(d, M2M_WS_SUBJ_SD_AID, M2M_WS_REASON_INVALID, "EID or ISD-P AID unusable");
		return false;
	}
	m2m_es8_config_init(&c);
	c.eid = eid;
	c.isdp_aid = aid;
	c.isdp_aid_len = aid_len;
	c.cert_dp = d->w->s->cert_dp.data;
	c.cert_dp_len = d->w->s->cert_dp.len;
	c.sk_dp = d->w->s->sk_dp;
	c.pk_ecasd = d->ok.pk_ecasd;
	c.curve = d->ok.curve;
	c.package = d->pkg.data;
	c.package_len = d->pkg.len;
	c.segment_size = cfg->segment_size;
	c.payload_max = cfg->payload_max;
	c.keys = cfg->keys;
	if (m2m_es8_session_new(&c, &es) != M2M_OK) {
		fail(d, M2M_WS_SUBJ_PROVIDER, M2M_WS_REASON_EXECUTION_ERROR,
		     "the download session cannot start");
		return false;
	}
	while ((err = m2m_es8_next(es, &p)) == M2M_OK && send_one(d, es, &p))
		;
	if (err == M2M_END && m2m_es8_done(es)) {
		keep_keys(d, es);
		ok = true;
	} else {
		const m2m_es8_failure *f = m2m_es8_failure_get(es);
		if (f != NULL)
			fail(d, f->subject, f->reason, "%s: %s", m2m_es8_step_name(f->step),
			     f->message);
		else
			fail(d, M2M_WS_SUBJ_PROVIDER, M2M_WS_REASON_EXECUTION_ERROR,
			     "the download session stopped");
	}
	m2m_es8_session_free(es);
	return ok;
}

/* ES3 call of fn with Eid and Iccid (and for ProfileDownloadCompleted the type, and the IMSI
 * when [download] send_imsi). */
static bool es3_simple(dl *d, m2m_ws_fn fn, m2m_ws_exec_status *stt)
{
	m2m_ws_msg *req = NULL, *resp = NULL;
	m2m_smdp_profile p;
	m2m_ws_node *addr = NULL;
	bool ok = false;
	m2m_err err;

	err = smdp_es3_request(d->w->s, fn, d->t->eid, &req);
	if (err == M2M_OK)
		err = m2m_ws_add(req, NULL, "Iccid", d->iccid, NULL);
	if (err == M2M_OK && fn == M2M_WS_ES3_PROFILE_DOWNLOAD_COMPLETED) {
		err = m2m_ws_add(req, NULL, "ProfileType", d->ty.name, NULL);
		if (err == M2M_OK && d->w->s->cfg->send_imsi &&
		    m2m_store_smdp_profile_get(d->w->st, d->iccid, &p) == M2M_OK &&
		    p.imsi[0] != '\0' &&
		    (err = m2m_ws_add(req, NULL, "SubscriptionAddress", NULL, &addr)) == M2M_OK)
			err = m2m_ws_add(req, addr, "Imsi", p.imsi, NULL);
	}
	if (err != M2M_OK) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROVIDER,
				  M2M_WS_REASON_EXECUTION_ERROR, NULL, "%s not built",
				  m2m_ws_function_get(fn)->name);
		goto out;
	}
	ok = smdp_es3_call(d->w, d->t, req, &resp, stt) == M2M_OK;
out:
	m2m_ws_msg_free(req);
	m2m_ws_msg_free(resp);
	return ok;
}

/* After a failure: the ISD-P deleted if one was made, the profile back or burnt. */
static void unwind(dl *d)
{
	m2m_ws_exec_status del;
	m2m_smdp_pstate to = d->on_card ? M2M_SMDP_FAILED : M2M_SMDP_AVAILABLE;

	if (d->on_card && !es3_simple(d, M2M_WS_ES3_DELETE_ISDP, &del))
		m2m_warn(SMDP_LOG, "%s on %s: the ISD-P %s was not deleted (%s/%s %s); an audit "
			 "will find it", d->iccid, d->t->eid, d->aid, del.subject, del.reason,
			 del.message);
	if (m2m_store_smdp_set_state(d->w->st, d->iccid, to, to == M2M_SMDP_AVAILABLE ? NULL :
				     d->t->eid, to == M2M_SMDP_AVAILABLE ? NULL : d->aid) != M2M_OK)
		m2m_error(SMDP_LOG, "%s: not marked %s: %s", d->iccid, m2m_smdp_pstate_name(to),
			  m2m_store_errmsg(d->w->st));
}

void smdp_download(smdp_worker *w, smdp_task *t, m2m_ws_exec_status *stt, char *iccid_out)
{
	dl d;
	m2m_ws_exec_status en;

	memset(&d, 0, sizeof d);
	d.w = w;
	d.t = t;
	d.stt = stt;
	m2m_buf_init(&d.pkg);
	m2m_buf_init(&d.facts.ecasd_cert);
	m2m_buf_init(&d.facts.eum_pem);
	if (!smdp_call_begin(w, t, stt, iccid_out, &d.recorded) || !allocate(&d))
		goto out;
	snprintf(iccid_out, M2M_STORE_ICCID_SIZE, "%s", d.iccid);
	if (!get_eis(&d) || !personalise(&d) || !eligible(&d) || !create_isdp(&d) || !es8(&d) ||
	    !es3_simple(&d, M2M_WS_ES3_PROFILE_DOWNLOAD_COMPLETED, stt)) {
		unwind(&d);
		goto out;
	}
	if (m2m_store_smdp_set_state(w->st, d.iccid, M2M_SMDP_INSTALLED, t->eid, d.aid) != M2M_OK)
		m2m_error(SMDP_LOG, "%s: not marked installed: %s", d.iccid,
			  m2m_store_errmsg(w->st));
	m2m_ws_status_set(stt, M2M_WS_EXECUTED_SUCCESS, NULL, NULL, NULL, "%s", "");
	if (t->enable && !es3_simple(&d, M2M_WS_ES3_ENABLE_PROFILE, &en))
		m2m_ws_status_set(stt, M2M_WS_EXECUTED_WITHWARNING, en.subject, en.reason, NULL,
				  "installed, not enabled: %s", en.message);
out:
	if (d.recorded)
		smdp_call_finish(w, t, stt, iccid_out);
	m2m_ec_free(d.ok.pk_ecasd);
	smdp_eis_facts_free(&d.facts);
	m2m_wipe(d.pkg.data, d.pkg.len);
	m2m_buf_free(&d.pkg);
	m2m_smdp_type_clear(&d.ty);
}
