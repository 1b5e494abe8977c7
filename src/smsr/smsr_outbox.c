/* The outbox pass of the outbound worker (docs/smsr.md "Notifications"): each due row is
 * taken for one attempt (the store's claim, so two processes of one database never send it
 * both), built from what it records, posted to the peer's current [peers] URL, then marked
 * delivered (with its card notification `forwarded`, for an ES4 one) or given another
 * attempt later, doubling the delay, until [notify] retry_for after it was queued. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "smsr/smsr_int.h"
#include "smsr/smsr_notif.h"

#define OUTBOX_BATCH 32
#define OUTBOX_IDLE_MS 5000 /* looks again for rows of other processes, or a missed kick */
#define OUTBOX_MIN_WAIT_MS 20
/* An attempt's hold on its row: longer than one call (connect 3 s, answer 10 s), so a
 * process dying mid-send leaves the row due again after it. */
#define OUTBOX_LEASE_MS 60000

static m2m_err build(const m2m_store_outbox *ob, const m2m_ws_function *fn, m2m_ws_msg **out)
{
	/* The ES3 form names the profile's operator for the SM-DP (GSMA v3 XSD). */
	bool es3 = strcmp(fn->iface, "ES3") == 0;
	m2m_ws_msg *m = NULL;
	m2m_err err = m2m_ws_request_new(fn->id, NULL, 0, &m);

	if (err == M2M_OK)
		err = m2m_ws_add(m, NULL, "Eid", ob->eid, NULL);
	if (err == M2M_OK)
		err = m2m_ws_add(m, NULL, "Iccid", ob->iccid, NULL);
	if (err == M2M_OK && es3)
		err = m2m_ws_add(m, NULL, "Mno-id", ob->mno_id, NULL);
	if (err == M2M_OK)
		err = m2m_ws_add_time(m, NULL, "CompletionTimestamp",
				      (time_t)(ob->event_ms / 1000), NULL);
	if (err != M2M_OK) {
		m2m_ws_msg_free(m);
		m = NULL;
	}
	*out = m;
	return err;
}

bool smsr_out_taken(m2m_ws_client *client, m2m_err err, const m2m_ws_result *res, char *why,
		    size_t cap)
{
	const char *e = m2m_ws_client_error(client);
	bool ok = err == M2M_OK && !res->fault && res->http_status / 100 == 2;

	if (err != M2M_OK && res->http_status != 0) /* refused: a status without a SOAP answer */
		snprintf(why, cap, "HTTP %ld (%.160s)", res->http_status,
			 e != NULL && *e ? e : m2m_strerror(err));
	else if (err != M2M_OK)
		snprintf(why, cap, "%.200s", e != NULL && *e ? e : m2m_strerror(err));
	else if (!ok)
		snprintf(why, cap, "HTTP %ld%s%.200s", res->http_status,
			 res->fault ? ", fault: " : "", res->fault ? res->error.text : "");
	return ok;
}

static bool post(m2m_ws_client *client, const char *url, m2m_ws_msg *m, char *why, size_t cap)
{
	m2m_ws_result res;
	bool ok;

	memset(&res, 0, sizeof res);
	m2m_err err = m2m_ws_client_call(client, url, m, NULL, &res);
	ok = smsr_out_taken(client, err, &res, why, cap);
	m2m_ws_result_free(&res);
	return ok;
}

/* Delivered; an ES4 one forwarding a card's notification makes it `forwarded` (the SM-DP's
 * copy does not count), in the same transaction. */
static void delivered(m2m_store *st, const m2m_store_outbox *ob, const m2m_ws_function *fn)
{
	int64_t now = m2m_store_now_ms();
	m2m_err err = m2m_store_begin(st);

	if (err == M2M_OK)
		err = m2m_store_outbox_finish(st, ob->id, M2M_STORE_OUTBOX_DELIVERED, now, NULL);
	if (err == M2M_OK && ob->seq >= 0 && strcmp(fn->iface, "ES4") == 0) {
		err = m2m_store_notif_advance(st, ob->eid, ob->seq, M2M_STORE_NOTIF_FORWARDED,
					      now);
		if (err == M2M_END)
			err = M2M_OK; /* forwarded already by another copy */
	}
	if (err == M2M_OK)
		err = m2m_store_commit(st);
	if (err != M2M_OK) {
		m2m_store_rollback(st);
		m2m_warn(SMSR_LOG, "%s: %s %lld delivered, not marked: %s", ob->eid, ob->fn,
			 (long long)ob->id, m2m_store_errmsg(st));
		return;
	}
	m2m_info(SMSR_LOG, "%s: %s for %s delivered to %s (attempt %lld)", ob->eid, ob->fn,
		 ob->iccid, ob->peer, (long long)ob->attempts + 1);
}

/* Refused or unreachable: again after backoff * 2^(attempts so far), at most backoff_max,
 * the last attempt at retry_for after it was queued; then it is given up. */
static void failed(m2m_store *st, const m2m_smsr_cfg *cfg, const m2m_store_outbox *ob,
		   const char *why)
{
	int64_t now = m2m_store_now_ms();
	int64_t give_up = ob->created_ms + (int64_t)cfg->notify_retry_s * 1000;
	unsigned shift = ob->attempts < 20 ? (unsigned)ob->attempts : 20;
	int64_t delay = (int64_t)cfg->notify_backoff_ms << shift;
	m2m_err err;

	if (delay > (int64_t)cfg->notify_backoff_max_ms)
		delay = cfg->notify_backoff_max_ms;
	if (now >= give_up) {
		err = m2m_store_outbox_finish(st, ob->id, M2M_STORE_OUTBOX_ABANDONED, now, why);
		m2m_warn(SMSR_LOG, "%s: %s for %s to %s given up after %lld attempts: %s",
			 ob->eid, ob->fn, ob->iccid, ob->peer, (long long)ob->attempts + 1, why);
	} else {
		int64_t next = now + delay < give_up ? now + delay : give_up;
		err = m2m_store_outbox_retry(st, ob->id, next, now, why);
		m2m_warn(SMSR_LOG, "%s: %s for %s to %s failed (%s): again in %lld ms", ob->eid,
			 ob->fn, ob->iccid, ob->peer, why, (long long)(next - now));
	}
	if (err != M2M_OK)
		m2m_warn(SMSR_LOG, "%s: outbox row %lld not updated: %s", ob->eid,
			 (long long)ob->id, m2m_store_errmsg(st));
}

static void attempt(m2m_store *st, const m2m_smsr_cfg *cfg, m2m_ws_client *client,
		    const m2m_store_outbox *ob)
{
	int64_t now = m2m_store_now_ms();
	const m2m_ws_function *fn = m2m_ws_function_by_name(ob->fn);
	const char *url = m2m_smsr_peer_url(cfg, ob->peer);
	m2m_ws_msg *m = NULL;
	char why[256] = "";

	if (m2m_store_outbox_claim(st, ob->id, now, now + OUTBOX_LEASE_MS) != M2M_OK)
		return; /* another worker has it, or it is done */
	if (fn == NULL || url == NULL || build(ob, fn, &m) != M2M_OK) {
		/* The configuration changed since it was queued: nobody to send it to. */
		snprintf(why, sizeof why, "%s", url == NULL ? "peer no longer in [peers]"
							    : "not built");
		m2m_warn(SMSR_LOG, "%s: %s for %s to %s abandoned: %s", ob->eid, ob->fn,
			 ob->iccid, ob->peer, why);
		m2m_store_outbox_finish(st, ob->id, M2M_STORE_OUTBOX_ABANDONED, now, why);
		return;
	}
	if (post(client, url, m, why, sizeof why))
		delivered(st, ob, fn);
	else
		failed(st, cfg, ob, why);
	m2m_ws_msg_free(m);
}

/* How long until a row falls due (bounded: rows of other processes are seen too). */
static int64_t until_next(m2m_store *st)
{
	int64_t next = 0, wait = OUTBOX_IDLE_MS;
	m2m_err err = m2m_store_outbox_next(st, &next);

	if (err == M2M_OK)
		wait = next - m2m_store_now_ms();
	else if (err != M2M_END)
		m2m_warn(SMSR_LOG, "outbox: %s", m2m_store_errmsg(st));
	if (wait > OUTBOX_IDLE_MS)
		wait = OUTBOX_IDLE_MS;
	return wait < OUTBOX_MIN_WAIT_MS ? OUTBOX_MIN_WAIT_MS : wait;
}

int64_t smsr_outbox_pass(m2m_store *st, const m2m_smsr_cfg *cfg, m2m_ws_client *client,
			 bool (*stop)(smsr_out *), smsr_out *o)
{
	m2m_store_outbox *due = NULL;
	size_t n = 0;

	if (st == NULL)
		return OUTBOX_IDLE_MS;
	if (m2m_store_outbox_due(st, m2m_store_now_ms(), OUTBOX_BATCH, &due, &n) != M2M_OK) {
		m2m_warn(SMSR_LOG, "outbox: %s", m2m_store_errmsg(st));
		return OUTBOX_IDLE_MS;
	}
	for (size_t i = 0; i < n && !stop(o); i++)
		attempt(st, cfg, client, &due[i]);
	free(due);
	return n == OUTBOX_BATCH ? OUTBOX_MIN_WAIT_MS : until_next(st);
}
