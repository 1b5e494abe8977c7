/* The ES5 job engine (docs/smsr.md "Engine"): leases due jobs from the store (serial per
 * eUICC by the store's claim rule, parallel across eUICCs up to [engine] concurrency, plus a
 * reserve for eUICCs in an SCP81 session: smsr_engine_claim), sends each command set through
 * the SMS bearer, or the HTTPS one for eUICCs that have it (smsr_bearer_https.c), and ends
 * the job from the card's answer: success into the EIS, refusals as FAILED, bearer failures
 * retried with back-off until the retries or the validity period run out. Runs on the loop
 * thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/log.h"
#include "smsr/smsr_int.h"
#include "smsr/smsr_address.h"
#include "smsr/smsr_es7.h"

/* ---- the bearer's view of the store ---- */

static void eid_hex(const uint8_t eid[M2M_ES5_EID_SIZE], char out[M2M_STORE_EID_SIZE])
{
	static const char digits[] = "0123456789ABCDEF";

	for (size_t i = 0; i < M2M_ES5_EID_SIZE; i++) {
		out[2 * i] = digits[eid[i] >> 4];
		out[2 * i + 1] = digits[eid[i] & 15];
	}
	out[2 * M2M_ES5_EID_SIZE] = '\0';
}

static m2m_err keys_of(const m2m_store_keyset *ks, m2m_scp80_keys *out)
{
	const m2m_store_key *kic = NULL, *kid = NULL;

	for (size_t i = 0; i < ks->nkeys; i++) {
		if (ks->keys[i].index == 1)
			kic = &ks->keys[i];
		else if (ks->keys[i].index == 2)
			kid = &ks->keys[i];
	}
	if (kic == NULL || kid == NULL)
		return M2M_ERR_STATE;
	memset(out, 0, sizeof *out);
	if (m2m_scp80_key_set(&out->kic, kic->value, kic->len) != M2M_OK ||
	    m2m_scp80_key_set(&out->kid, kid->value, kid->len) != M2M_OK) {
		m2m_scp80_keys_wipe(out);
		return M2M_ERR_STATE;
	}
	return M2M_OK;
}

/* The ISD-R's first SCP80 key set. */
static m2m_err scp80_keyset(smsr *s, const char *eid, m2m_store_keyset *ks)
{
	uint8_t kvns[16];
	size_t n = 0;

	if (m2m_store_keyset_list(s->st, eid, kvns, sizeof kvns, &n) != M2M_OK)
		return M2M_ERR_IO;
	for (size_t i = 0; i < n; i++) {
		if (kvns[i] < 0x01 || kvns[i] > 0x0F)
			continue;
		if (m2m_store_keyset_get(s->st, eid, kvns[i], ks) == M2M_OK &&
		    ks->type == M2M_STORE_KS_SCP80)
			return M2M_OK;
		m2m_store_keyset_clear(ks);
	}
	return M2M_ERR_STATE;
}

m2m_err smsr_lookup_by_eid(void *arg, const uint8_t eid[M2M_ES5_EID_SIZE],
			   m2m_sms_bearer_euicc *out)
{
	smsr *s = arg;
	char hex[M2M_STORE_EID_SIZE];
	m2m_store_eis e;
	m2m_store_keyset ks;
	m2m_err err;

	eid_hex(eid, hex);
	memset(&e, 0, sizeof e);
	memset(&ks, 0, sizeof ks);
	if ((err = m2m_store_eis_get(s->st, hex, &e)) != M2M_OK)
		goto out;
	if (e.msisdn[0] == '\0' || (err = scp80_keyset(s, hex, &ks)) != M2M_OK) {
		err = M2M_ERR_STATE;
		goto out;
	}
	memset(out, 0, sizeof *out);
	out->msisdn.ton = 1;
	out->msisdn.npi = 1;
	snprintf(out->msisdn.addr, sizeof out->msisdn.addr, "%s", e.msisdn);
	m2m_es5_pack_defaults(&out->pack);
	out->pack.kvn = ks.kvn;
	out->pack.kic_alg = ks.kic_alg;
	out->pack.kid_alg = ks.kid_alg;
	err = keys_of(&ks, &out->keys);
out:
	m2m_store_keyset_clear(&ks);
	m2m_store_eis_clear(&e);
	return err;
}

m2m_err smsr_lookup_keyset(void *arg, const uint8_t eid[M2M_ES5_EID_SIZE], uint8_t kvn,
			   m2m_scp80_keys *out)
{
	smsr *s = arg;
	char hex[M2M_STORE_EID_SIZE];
	m2m_store_keyset ks;
	m2m_err err;

	eid_hex(eid, hex);
	memset(&ks, 0, sizeof ks);
	err = m2m_store_keyset_get(s->st, hex, kvn, &ks);
	if (err == M2M_OK)
		err = ks.type == M2M_STORE_KS_SCP80 ? keys_of(&ks, out) : M2M_ERR_STATE;
	m2m_store_keyset_clear(&ks);
	return err;
}

m2m_err smsr_reserve_counter(void *arg, const uint8_t eid[M2M_ES5_EID_SIZE], uint8_t kvn,
			     uint64_t *counter)
{
	smsr *s = arg;
	char hex[M2M_STORE_EID_SIZE];
	int64_t first = 0;
	m2m_err err;

	eid_hex(eid, hex);
	err = m2m_store_counter_reserve(s->st, hex, kvn, 1, &first);
	if (err == M2M_OK)
		*counter = (uint64_t)first;
	else
		m2m_error(SMSR_LOG, "%s: counter of key set %02X not reserved: %s", hex, kvn,
			  m2m_store_errmsg(s->st));
	return err;
}

/* ---- command sets ---- */

static m2m_err aid_of(const smsr_slot *sl, uint8_t aid[M2M_ES5_AID_SIZE])
{
	return m2m_hex_decode_exact(sl->job.aid, aid, M2M_ES5_AID_SIZE);
}

static m2m_err build(const smsr_slot *sl, m2m_es5_cmd *c)
{
	uint8_t aid[M2M_ES5_AID_SIZE];

	if (sl->verifying) {
		if (aid_of(sl, aid) != M2M_OK)
			return M2M_ERR_FORMAT;
		return m2m_es5_audit(c, M2M_ES5_AUDIT_ISDPS,
				     (const uint8_t(*)[M2M_ES5_AID_SIZE])aid, 1);
	}
	if (strcmp(sl->kind, "audit") == 0)
		return m2m_es5_audit(c, M2M_ES5_AUDIT_EID | M2M_ES5_AUDIT_RESOURCES |
					     M2M_ES5_AUDIT_ISDPS,
				     NULL, 0);
	if (strcmp(sl->kind, "confirm") == 0)
		return m2m_es5_notification_confirm(c, (uint16_t)sl->job.seq);
	if (strcmp(sl->kind, "create_isdp") == 0)
		return smsr_es3_build(sl, c);
	if (smsr_es7_kind(sl->kind))
		return smsr_es7_build(sl, c);
	if (smsr_address_kind(sl->kind))
		return smsr_address_build(sl, c);
	if (aid_of(sl, aid) != M2M_OK)
		return M2M_ERR_FORMAT;
	if (strcmp(sl->kind, "enable") == 0)
		return m2m_es5_enable_profile(c, aid);
	if (strcmp(sl->kind, "disable") == 0)
		return m2m_es5_disable_profile(c, aid);
	if (strcmp(sl->kind, "delete") == 0)
		return m2m_es5_delete_isdp(c, aid);
	if (strcmp(sl->kind, "fallback") == 0)
		return m2m_es5_set_fallback_attribute(c, aid);
	if (strcmp(sl->kind, "emergency") == 0)
		return m2m_es5_set_emergency_profile_attribute(c, aid);
	return M2M_ERR_UNSUPPORTED;
}

static void slot_free(smsr *s, smsr_slot *sl)
{
	if (sl->used && s->inflight > 0)
		s->inflight--;
	smsr_job_clear(&sl->job);
	memset(sl, 0, sizeof *sl);
}

static void fail_status(m2m_ws_exec_status *stt, const char *subject, const char *reason,
			const char *msg)
{
	m2m_ws_status_set(stt, M2M_WS_FAILED, subject, reason, NULL, "%s", msg);
}

/* Hands the slot's command (or its verification) to its bearer. */
static m2m_err send_cmd(smsr *s, smsr_slot *sl, bool https)
{
	m2m_es5_cmd c;
	m2m_err err;

	if (strcmp(sl->kind, "senddata") == 0)
		return smsr_senddata_send(s, sl); /* the SM-DP's opaque Data, not a command set */
	m2m_es5_cmd_init(&c);
	err = build(sl, &c);
	if (err == M2M_OK)
		err = https ? smsr_https_send(s, sl, &c)
			    : m2m_sms_bearer_send(s->sms, sl->eid_bin, &c, sl);
	m2m_es5_cmd_free(&c);
	return err;
}

static void not_sent(smsr *s, smsr_slot *sl, m2m_err err)
{
	m2m_ws_exec_status stt;

	m2m_warn(SMSR_LOG, "job %lld (%s %s): not sent: %s", (long long)sl->id, sl->kind, sl->eid,
		 m2m_strerror(err));
	fail_status(&stt, M2M_WS_SUBJ_EUICC, M2M_WS_REASON_EXECUTION_ERROR,
		    "the command cannot be sent to this eUICC");
	smsr_finish(s, sl, M2M_STORE_JOB_FAILED, &stt);
	slot_free(s, sl);
}

/* Sends the slot's command (or its verification). */
static void send_slot(smsr *s, smsr_slot *sl)
{
	m2m_err err = send_cmd(s, sl, smsr_https_for(s, sl->eid));

	if (err != M2M_OK)
		not_sent(s, sl, err);
}

static bool mark_sent(smsr *s, smsr_slot *sl, int64_t now)
{
	if (m2m_store_job_sent(s->st, sl->id, s->cfg->worker, now, now + s->cfg->lease_ms) !=
	    M2M_OK)
		return false; /* lease lost: another worker has it */
	m2m_debug(SMSR_LOG, "job %lld: %s %s %s (attempt %d)", (long long)sl->id, sl->kind,
		  sl->eid, sl->job.aid, sl->attempts + 1);
	return true;
}

/* A job that does not go by SMS (SendData runs its own transaction, HTTPS has no counter). */
static void send_other(smsr *s, smsr_slot *sl, bool https, int64_t now)
{
	m2m_err err;

	if (!mark_sent(s, sl, now)) {
		slot_free(s, sl);
		return;
	}
	if ((err = send_cmd(s, sl, https)) != M2M_OK)
		not_sent(s, sl, err);
}

#define SEND_BATCH 64

/* Marks SMS jobs sent and sends them, in one store transaction: the sent marks, the
 * bearer's look-ups (EIS, key sets) and the packets' counter reservations (one commit
 * instead of two per job, the reads without a lock each). The bearer is held until the
 * commit, so every counter is stored before its packet leaves and a restart never reuses
 * one. in_txn: the caller's transaction (the claim's, bearer held), committed here. Without
 * a transaction (begin failed) each call commits on its own, as before. */
static bool send_sms(smsr *s, smsr_slot **v, size_t n, int64_t now, bool in_txn)
{
	m2m_err err[SEND_BATCH];
	bool txn = in_txn || m2m_store_begin(s->st) == M2M_OK, ok;

	if (txn)
		m2m_sms_bearer_hold(s->sms, true);
	for (size_t i = 0; i < n; i++) {
		if (!mark_sent(s, v[i], now)) {
			slot_free(s, v[i]);
			v[i] = NULL;
			continue;
		}
		err[i] = send_cmd(s, v[i], false);
	}
	ok = !txn || m2m_store_commit(s->st) == M2M_OK;
	if (!ok) {
		m2m_error(SMSR_LOG, "sent marks and counters of %zu job(s) not stored: %s", n,
			  m2m_store_errmsg(s->st));
		m2m_store_rollback(s->st);
		/* Their counters are not stored: the held packets must not leave. The bearer's
		 * failure frees each slot (the claim, rolled back too with in_txn, or the lease
		 * runs the job again). */
		for (size_t i = 0; i < n; i++)
			if (v[i] != NULL && err[i] == M2M_OK)
				m2m_sms_bearer_cancel(s->sms, v[i]->eid_bin);
	}
	if (txn)
		m2m_sms_bearer_hold(s->sms, false); /* may end commands already (on_result) */
	for (size_t i = 0; i < n; i++) {
		if (v[i] == NULL || err[i] == M2M_OK)
			continue;
		if (ok) {
			not_sent(s, v[i], err[i]);
			continue;
		}
		/* Its failure may be the rolled-back transaction's (PostgreSQL fails every
		 * statement after an error): not a reason to fail the job. It runs again: the
		 * claim is undone (in_txn), or its lease is given back. */
		if (!in_txn)
			m2m_store_job_release(s->st, v[i]->id, s->cfg->worker);
		slot_free(s, v[i]);
	}
	return ok;
}

/* A job going into the eUICC's open SCP81 session (one that lingers for an exchange)
 * needs no trigger: it does not wait for the SMS bearer, whose trigger PoR may stay out as
 * long as the session. Any other waits while the bearer awaits a PoR for its eUICC (an
 * SCP81 trigger's, or a stale command's), or its trigger could not be sent. */
static bool bearer_busy(smsr *s, const smsr_slot *sl)
{
	return !(s->scp81 != NULL && m2m_scp81_server_in_session(s->scp81, sl->eid_bin)) &&
	       m2m_sms_bearer_busy(s->sms, sl->eid_bin);
}

/* The validity period is over. A job sent before (a lost PoR, a crash after the send) may
 * have run on the card: its EXPIRED says the outcome is unknown, for the caller to audit. */
static void expired(smsr *s, smsr_slot *sl)
{
	m2m_ws_exec_status stt;

	if (sl->attempts == 0) {
		m2m_ws_status_set(&stt, M2M_WS_EXPIRED, M2M_WS_SUBJ_FUNCTION,
				  M2M_WS_REASON_NO_RESPONSE, NULL,
				  "the validity period ended before the command could run");
	} else {
		m2m_warn(SMSR_LOG, "job %lld (%s %s): expired after %d send(s), outcome unknown",
			 (long long)sl->id, sl->kind, sl->eid, sl->attempts);
		m2m_ws_status_set(&stt, M2M_WS_EXPIRED, M2M_WS_SUBJ_FUNCTION,
				  M2M_WS_REASON_NO_RESPONSE, NULL,
				  "the validity period ended; the command was sent %d time(s) without"
				  " an answer and may have run on the eUICC: outcome unknown",
				  sl->attempts);
	}
	smsr_finish(s, sl, M2M_STORE_JOB_EXPIRED, &stt);
}

/* Takes a claimed job into a free slot; returns the slot when it is to go by SMS (sent with
 * the claim's others by send_sms), NULL when it was dealt with here. Inside the claim's
 * transaction (in_txn) a job that would end any other way (each of those runs its own
 * transaction) is left for after the commit: *later is set and nothing is done. */
static smsr_slot *start(smsr *s, const m2m_store_job *job, int64_t now, bool in_txn,
			bool *later)
{
	smsr_slot *sl = NULL;
	m2m_ws_exec_status stt;
	bool https;

	for (size_t i = 0; i < smsr_engine_slots(s); i++)
		if (s->slots[i].used && s->slots[i].waits_bearer && s->slots[i].id == job->id)
			return NULL; /* waits for the bearer, its lease ran out: renewed, as is */
	for (size_t i = 0; i < smsr_engine_slots(s) && sl == NULL; i++)
		if (!s->slots[i].used)
			sl = &s->slots[i];
	if (sl == NULL) {
		m2m_store_job_release(s->st, job->id, s->cfg->worker);
		return NULL;
	}
	memset(sl, 0, sizeof *sl);
	sl->used = true;
	s->inflight++;
	sl->id = job->id;
	sl->attempts = job->attempts;
	sl->deadline_ms = job->deadline_ms;
	snprintf(sl->kind, sizeof sl->kind, "%s", job->kind);
	snprintf(sl->eid, sizeof sl->eid, "%s", job->eid);
	if (smsr_job_decode(job->payload, job->payload_len, &sl->job) != M2M_OK ||
	    m2m_hex_decode_exact(job->eid, sl->eid_bin, M2M_ES5_EID_SIZE) != M2M_OK) {
		if (in_txn)
			goto later;
		fail_status(&stt, M2M_WS_SUBJ_PROVIDER, M2M_WS_REASON_EXECUTION_ERROR,
			    "unreadable job");
		smsr_finish(s, sl, M2M_STORE_JOB_FAILED, &stt);
		slot_free(s, sl);
		return NULL;
	}
	if (in_txn && s->es7 != NULL && !smsr_es7_kind(sl->kind))
		goto later; /* it may be locked out (which fails it) */
	if (smsr_es7_locked_out(s, sl)) { /* an SM-SR change holds the eUICC */
		slot_free(s, sl);
		return NULL;
	}
	if (smsr_chain_blocks(s, sl->eid, sl->kind)) {
		if (in_txn)
			goto later;
		/* An exchange holds the eUICC (smsr_chain.c): later, not now. */
		m2m_store_job_retry(s->st, job->id, s->cfg->worker, now, now + s->cfg->poll_ms,
				    "waits for an ES8 exchange");
		slot_free(s, sl);
		return NULL;
	}
	if (job->deadline_ms > 0 && now > job->deadline_ms) {
		if (in_txn)
			goto later;
		expired(s, sl);
		slot_free(s, sl);
		return NULL;
	}
	if (bearer_busy(s, sl)) {
		if (in_txn)
			goto later;
		/* Its slot and lease are kept (the lease outlasts a PoR's time-out): the bearer's
		 * end of that command sends it (bearer_free), not a later poll. */
		sl->waits_bearer = true;
		return NULL;
	}
	https = strcmp(sl->kind, "senddata") != 0 && smsr_https_for(s, sl->eid);
	if (!https && strcmp(sl->kind, "senddata") != 0)
		return sl;
	if (in_txn)
		goto later;
	send_other(s, sl, https, now);
	return NULL;
later:
	*later = true;
	slot_free(s, sl);
	return NULL;
}

/* Starts jobs[i] for every i with later[i] == want; the SMS ones are sent in batches. In the
 * claim's transaction (in_txn) one batch, committed even when empty; the jobs beyond it are
 * left for later. false: that commit failed (the claim is undone too). */
static bool start_all(smsr *s, m2m_store_job *jobs, bool *later, size_t n, bool want,
		      int64_t now, bool in_txn)
{
	smsr_slot *sms[SEND_BATCH];
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (later[i] != want)
			continue;
		later[i] = in_txn && k == SEND_BATCH;
		if (later[i])
			continue;
		if ((sms[k] = start(s, &jobs[i], now, in_txn, &later[i])) != NULL)
			k++;
		if (!in_txn && k == SEND_BATCH) {
			send_sms(s, sms, k, now, false);
			k = 0;
		}
	}
	return k > 0 || in_txn ? send_sms(s, sms, k, now, in_txn) : true;
}

/* The session reserve: slots beyond [engine] concurrency that only jobs of eUICCs with an
 * open SCP81 session may take (claim_sessions). The second step of a download or of an SM-SR
 * change must reach the card in the session of the first, which lingers 20 s at most: it
 * must not wait for a slot held by jobs waiting for cards that do not answer. Such a job is
 * one HTTPS round trip, so a few slots carry many. */
#define SESSION_RESERVE_DIV 4

static size_t reserve_of(const smsr *s)
{
	return s->cfg->concurrency / SESSION_RESERVE_DIV + 1;
}

size_t smsr_engine_slots(const smsr *s)
{
	return s->cfg->concurrency + reserve_of(s);
}

/* Up to max idle SCP81 sessions (at most SESSION_CLAIM_MAX a turn) whose eUICCs' jobs need no
 * SMS now: their bearer is HTTPS, so the job goes into the open session. eids_hex gets the
 * EIDs, ptrs points at them. Without the SMSC each is checked (an eUICC that lost its HTTPS
 * capability would go by SMS and fail); with it the SMS bearer can take any. */
#define SESSION_CLAIM_MAX 64

static size_t session_eids(smsr *s, size_t max, bool sms_up,
			   char eids_hex[][M2M_STORE_EID_SIZE], const char *ptrs[])
{
	uint8_t bin[SESSION_CLAIM_MAX][M2M_SCP81_EID_LEN];
	size_t n, k = 0;

	n = m2m_scp81_server_idle_sessions(s->scp81, bin, max < SESSION_CLAIM_MAX ? max
									   : SESSION_CLAIM_MAX);
	for (size_t i = 0; i < n; i++) {
		eid_hex(bin[i], eids_hex[k]);
		if (!sms_up && !smsr_https_for(s, eids_hex[k]))
			continue;
		ptrs[k] = eids_hex[k];
		k++;
	}
	return k;
}

/* Leases up to room due jobs: any eUICC's (eids NULL), or the heads of eids only. */
static m2m_err claim_jobs(smsr *s, const char *const *eids, size_t neids, size_t room,
			  int64_t now, m2m_store_job **jobs, size_t *n)
{
	if (eids == NULL)
		return m2m_store_job_claim(s->st, s->cfg->worker, now, s->cfg->lease_ms, room, jobs,
					   n);
	return m2m_store_job_claim_eids(s->st, s->cfg->worker, now, s->cfg->lease_ms, eids,
					neids, jobs, n);
}

/* The claim and the SMS sends it allows share one transaction (send_sms); jobs that end
 * otherwise start after its commit, each in its own. Without a transaction (begin failed),
 * every call commits on its own. */
static void claim_run(smsr *s, const char *const *eids, size_t neids, size_t room)
{
	m2m_store_job *jobs = NULL;
	bool *later = NULL, txn, undone = false;
	size_t n = 0;
	int64_t now = m2m_store_now_ms();

	txn = m2m_store_begin(s->st) == M2M_OK;
	if (claim_jobs(s, eids, neids, room, now, &jobs, &n) != M2M_OK) {
		m2m_error(SMSR_LOG, "claim: %s", m2m_store_errmsg(s->st));
		if (txn)
			m2m_store_rollback(s->st);
		return;
	}
	later = calloc(n > 0 ? n : 1, sizeof *later);
	if (later == NULL) {
		if (txn)
			m2m_store_rollback(s->st); /* the jobs stay claimable */
		m2m_store_job_list_free(jobs, n);
		return;
	}
	now = m2m_store_now_ms();
	if (txn) {
		m2m_sms_bearer_hold(s->sms, true);
		undone = !start_all(s, jobs, later, n, false, now, true); /* commits */
	} else {
		memset(later, 1, n * sizeof *later);
	}
	if (!undone) /* else the claim was rolled back: the jobs are not ours */
		start_all(s, jobs, later, n, true, now, false);
	free(later);
	m2m_store_job_list_free(jobs, n);
}

/* The heads of eUICCs in an idle SCP81 session, into any free slot, the reserve included:
 * they need neither a trigger nor the SMSC. */
static void claim_sessions(smsr *s, bool sms_up)
{
	char hex[SESSION_CLAIM_MAX][M2M_STORE_EID_SIZE];
	const char *eids[SESSION_CLAIM_MAX];
	size_t room = smsr_engine_slots(s) - s->inflight, n;

	n = session_eids(s, room, sms_up, hex, eids);
	if (n > 0)
		claim_run(s, eids, n, room);
}

/* Any due job while the SMSC link is up and [engine] concurrency is not reached; then, when
 * those slots are full or the link is down, the jobs that go into an open SCP81 session. */
void smsr_engine_claim(smsr *s)
{
	bool sms_up;

	if (s->stopping)
		return;
	sms_up = m2m_sms_bearer_bound(s->sms);
	if (sms_up && s->inflight < s->cfg->concurrency)
		claim_run(s, NULL, 0, s->cfg->concurrency - s->inflight);
	if (s->scp81 != NULL && !s->stopping && s->inflight < smsr_engine_slots(s) &&
	    (!sms_up || s->inflight >= s->cfg->concurrency))
		claim_sessions(s, sms_up);
}

/* The slot's job waited for the bearer (start): it goes now, or waits on while the bearer
 * is still busy for its eUICC. */
static void resume_waiting(smsr *s, smsr_slot *sl)
{
	int64_t now = m2m_store_now_ms();
	bool https;

	if (bearer_busy(s, sl))
		return;
	sl->waits_bearer = false;
	https = strcmp(sl->kind, "senddata") != 0 && smsr_https_for(s, sl->eid);
	if (https || strcmp(sl->kind, "senddata") == 0)
		send_other(s, sl, https, now);
	else
		send_sms(s, &sl, 1, now, false);
}

/* The SMS bearer ended a command for eid (answer, time-out, trigger PoR): jobs of that
 * eUICC waiting for it go now (eid NULL: every waiting job whose bearer is free). */
static void bearer_free(smsr *s, const uint8_t *eid)
{
	for (size_t i = 0; s->slots != NULL && i < smsr_engine_slots(s) && !s->stopping; i++) {
		smsr_slot *sl = &s->slots[i];
		if (sl->used && sl->waits_bearer &&
		    (eid == NULL || memcmp(sl->eid_bin, eid, M2M_ES5_EID_SIZE) == 0))
			resume_waiting(s, sl);
	}
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	bearer_free(arg, NULL); /* a safety net: every bearer end already did this */
	smsr_engine_claim(arg);
}

/* ---- answers ---- */

static bool state_reached(const smsr_slot *sl, const m2m_es5_result *r)
{
	uint8_t want = strcmp(sl->kind, "enable") == 0 ? 0x3F : 0x1F;

	if (strcmp(sl->kind, "delete") == 0)
		return r->outcome == M2M_ES5_SW_ERROR && (r->sw == 0x6A88 || r->sw == 0x6A82);
	return r->outcome == M2M_ES5_OK && r->audit.nisdp == 1 && r->audit.isdp[0].has_lcs &&
	       r->audit.isdp[0].lcs == want;
}

static bool needs_verification(const smsr_slot *sl, const m2m_es5_result *r)
{
	bool state_change = strcmp(sl->kind, "enable") == 0 || strcmp(sl->kind, "disable") == 0 ||
			    strcmp(sl->kind, "delete") == 0;

	return !sl->verifying && sl->attempts > 0 && state_change &&
	       r->outcome == M2M_ES5_SW_ERROR &&
	       (r->sw == 0x6985 || r->sw == 0x6A88 || r->sw == 0x6A82);
}

/* A 3A08 re-executed (after a crash or a lost PoR) that the card answers 6A88: the first
 * send confirmed the notification, the card dropped it then. */
static bool confirmed_before(const smsr_slot *sl, const m2m_es5_result *r)
{
	return sl->attempts > 0 && strcmp(sl->kind, "confirm") == 0 &&
	       r->outcome == M2M_ES5_SW_ERROR && r->sw == 0x6A88;
}

static void card_refused(smsr *s, smsr_slot *sl, const m2m_es5_result *r)
{
	m2m_ws_exec_status stt;
	char msg[96];

	snprintf(msg, sizeof msg, "%s: %s, SW %04X, PoR %02X", m2m_es5_fn_name(r->fn),
		 m2m_es5_outcome_name(r->outcome), r->sw, r->por_status);
	fail_status(&stt, r->code.subject ? r->code.subject : M2M_WS_SUBJ_EUICC,
		    r->code.reason ? r->code.reason : M2M_WS_REASON_EXECUTION_ERROR, msg);
	smsr_finish(s, sl, M2M_STORE_JOB_FAILED, &stt);
}

void smsr_engine_bearer_failed(smsr *s, smsr_slot *sl, const m2m_es5_result *r)
{
	int64_t now = m2m_store_now_ms(), next;
	unsigned shift = sl->attempts < 10 ? (unsigned)sl->attempts : 10;

	next = now + (int64_t)s->cfg->backoff_ms * (INT64_C(1) << shift);
	if ((unsigned)sl->attempts < s->cfg->retries &&
	    (sl->deadline_ms == 0 || next < sl->deadline_ms)) {
		m2m_info(SMSR_LOG, "job %lld: %s, again in %lld ms", (long long)sl->id,
			 m2m_es5_outcome_name(r->outcome), (long long)(next - now));
		if (m2m_store_job_retry(s->st, sl->id, s->cfg->worker, now, next,
					m2m_es5_outcome_name(r->outcome)) != M2M_OK)
			m2m_warn(SMSR_LOG, "job %lld: lease lost", (long long)sl->id);
		return;
	}
	card_refused(s, sl, r);
}

void smsr_on_result(m2m_sms_bearer *b, void *ref, const uint8_t eid[M2M_ES5_EID_SIZE],
		    m2m_es5_result *r, void *arg)
{
	smsr *s = arg;
	smsr_slot *sl = ref;
	m2m_ws_exec_status stt;
	uint8_t who[M2M_ES5_EID_SIZE]; /* eid may be the slot's, cleared by slot_free */

	(void)b;
	memcpy(who, eid, sizeof who);
	if (smsr_https_trigger_result(s, ref, eid, r)) {
		bearer_free(s, who);
		return;
	}
	if (sl == NULL || !sl->used)
		goto free;
	if (strcmp(sl->kind, "senddata") == 0) {
		smsr_senddata_result(s, sl, r);
		goto done;
	}
	if (sl->verifying) {
		if (state_reached(sl, r))
			goto success;
		m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROFILE,
				  M2M_WS_REASON_NOT_ALLOWED, NULL,
				  "re-executed %s refused and the ISD-P is not in the state asked",
				  sl->kind);
		smsr_finish(s, sl, M2M_STORE_JOB_FAILED, &stt);
		goto done;
	}
	if (confirmed_before(sl, r))
		goto success;
	if (needs_verification(sl, r)) {
		/* The first send may have done it before the crash or the lost PoR. */
		if (strcmp(sl->kind, "delete") == 0)
			goto success;
		m2m_info(SMSR_LOG, "job %lld: re-executed %s answered %04X: checking the ISD-P",
			 (long long)sl->id, sl->kind, r->sw);
		sl->verifying = true;
		m2m_store_job_renew(s->st, sl->id, s->cfg->worker,
				    m2m_store_now_ms() + s->cfg->lease_ms);
		send_slot(s, sl);
		return;
	}
	switch (r->outcome) {
	case M2M_ES5_OK:
		goto success;
	case M2M_ES5_UNDELIVERED:
	case M2M_ES5_TIMEOUT:
	case M2M_ES5_TRANSPORT:
		smsr_engine_bearer_failed(s, sl, r);
		break;
	default:
		card_refused(s, sl, r);
		break;
	}
	goto done;
success:
	if (smsr_apply_success(s, sl, r) == M2M_OK) {
		m2m_ws_status_set(&stt, M2M_WS_EXECUTED_SUCCESS, NULL, NULL, NULL, "%s", "");
		smsr_answer(s, sl->id, &sl->job, sl->eid, &stt);
	}
done:
	slot_free(s, sl);
	smsr_engine_kick(s);
free:
	bearer_free(s, who);
}

void smsr_engine_done(smsr *s, smsr_slot *sl)
{
	slot_free(s, sl);
	smsr_engine_kick(s);
}

/* ---- life cycle ---- */

void smsr_engine_kick(smsr *s)
{
	if (s->tick != NULL && !s->stopping)
		event_active(s->tick, EV_TIMEOUT, 0);
}

m2m_err smsr_engine_start(smsr *s)
{
	struct timeval tv = {.tv_sec = s->cfg->poll_ms / 1000,
			     .tv_usec = (s->cfg->poll_ms % 1000) * 1000};

	s->slots = calloc(smsr_engine_slots(s), sizeof *s->slots);
	s->tick = event_new(s->base, -1, EV_PERSIST, on_tick, s);
	if (s->slots == NULL || s->tick == NULL || event_add(s->tick, &tv) != 0)
		return M2M_ERR_NOMEM;
	return smsr_https_start(s);
}

/* Gives the leases of the jobs in flight back: they run again at once after a restart. */
void smsr_engine_stop(smsr *s)
{
	s->stopping = true;
	smsr_https_stop(s);
	if (s->tick != NULL)
		event_free(s->tick);
	s->tick = NULL;
	for (size_t i = 0; s->slots != NULL && i < smsr_engine_slots(s); i++)
		if (s->slots[i].used) {
			m2m_store_job_release(s->st, s->slots[i].id, s->cfg->worker);
			smsr_job_clear(&s->slots[i].job);
		}
	free(s->slots);
	s->slots = NULL;
}
