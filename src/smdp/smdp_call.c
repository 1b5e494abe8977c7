/* The function-call records of ES2.DownloadProfile (worker thread; docs/smdp.md
 * "Retries"): by (caller, FunctionCallIdentifier) and a hash of the request, in the store's
 * fcall table, so that a retried download gets the first one's answer, not a second profile. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "crypto/hash.h"
#include "smdp/smdp_int.h"

/* The answer as the call's record keeps it: status, subject, reason, ICCID, message. */
static void pack(const m2m_ws_exec_status *stt, const char *iccid, char *out, size_t cap)
{
	snprintf(out, cap, "%d\x1f%s\x1f%s\x1f%s\x1f%s", (int)stt->status, stt->subject,
		 stt->reason, iccid, stt->message);
}

static void unpack(const uint8_t *p, size_t n, m2m_ws_exec_status *stt, char *iccid)
{
	char text[M2M_WS_MESSAGE_MAX + 128], *f[5] = {NULL};
	char *s = text;

	snprintf(text, sizeof text, "%.*s", (int)(n < sizeof text ? n : sizeof text - 1),
		 (const char *)p);
	for (int i = 0; i < 5; i++) {
		f[i] = s;
		s = i < 4 ? strchr(s, '\x1f') : NULL;
		if (s == NULL && i < 4) {
			m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROVIDER,
					  M2M_WS_REASON_EXECUTION_ERROR, NULL, "unreadable record");
			return;
		}
		if (s != NULL)
			*s++ = '\0';
	}
	int status = atoi(f[0]);

	if (status < M2M_WS_EXECUTED_SUCCESS || status > M2M_WS_EXPIRED)
		status = M2M_WS_FAILED;
	m2m_ws_status_set(stt, (m2m_ws_status)status, f[1][0] ? f[1] : NULL,
			  f[2][0] ? f[2] : NULL, NULL, "%s", f[4]);
	snprintf(iccid, M2M_STORE_ICCID_SIZE, "%s", f[3]);
}

/* FunctionCallIdentifier: a retry of the same request gets the first one's answer instead
 * of a second profile; true when this call is new and runs. */
bool smdp_call_begin(smdp_worker *w, const smdp_task *t, m2m_ws_exec_status *stt,
		     char *iccid_out, bool *recorded)
{
	m2m_store_call_outcome outcome;
	m2m_store_call prev;
	uint8_t hash[M2M_SHA256_SIZE];
	char req[512];
	bool run = false;

	memset(&prev, 0, sizeof prev);
	snprintf(req, sizeof req, "DownloadProfile|%s|%s|%s|%s|%d", t->eid, t->smsr->oid, t->type,
		 t->iccid, (int)t->enable);
	if (m2m_sha256((const uint8_t *)req, strlen(req), hash) != M2M_OK ||
	    m2m_store_call_begin(w->st, t->actor, t->call_id, hash, m2m_store_now_ms(),
				 &outcome, &prev) != M2M_OK) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROVIDER,
				  M2M_WS_REASON_EXECUTION_ERROR, NULL, "store: %s",
				  m2m_store_errmsg(w->st));
		goto out;
	}
	if (outcome == M2M_STORE_CALL_NEW)
		run = *recorded = true;
	else if (outcome == M2M_STORE_CALL_CONFLICT)
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_FUNCTION, M2M_WS_REASON_INVALID,
				  NULL, "FunctionCallIdentifier %s was used for another request",
				  t->call_id);
	else if (!prev.done)
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_FUNCTION, M2M_WS_REASON_IN_USE,
				  NULL, "FunctionCallIdentifier %s: that download is still running",
				  t->call_id);
	else
		unpack(prev.response, prev.response_len, stt, iccid_out);
out:
	m2m_store_call_clear(&prev);
	return run;
}

void smdp_call_finish(smdp_worker *w, const smdp_task *t, const m2m_ws_exec_status *stt,
		      const char *iccid)
{
	char rec[M2M_WS_MESSAGE_MAX + 128];

	pack(stt, iccid, rec, sizeof rec);
	if (m2m_store_call_finish(w->st, t->actor, t->call_id, (const uint8_t *)rec, strlen(rec),
				  m2m_store_now_ms()) != M2M_OK)
		m2m_warn(SMDP_LOG, "call %s: answer not recorded: %s", t->call_id,
			 m2m_store_errmsg(w->st));
}
