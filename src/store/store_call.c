/* Function-call records: (caller, FunctionCallIdentifier) -> request hash and response, so
 * a retried call gets the recorded answer instead of running twice. */
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

void m2m_store_call_clear(m2m_store_call *c)
{
	if (c == NULL)
		return;
	free(c->response);
	memset(c, 0, sizeof *c);
}

static m2m_err call_from_row(m2m_store *st, m2m_store_call *c)
{
	size_t len = 0;
	m2m_err rc;

	memset(c, 0, sizeof *c);
	if ((rc = m2m_q_text(st, M2M_CALL_C_CALLER, c->caller, sizeof c->caller)) != M2M_OK ||
	    (rc = m2m_q_text(st, M2M_CALL_C_CALL_ID, c->call_id, sizeof c->call_id)) != M2M_OK)
		return rc;
	const uint8_t *h = m2m_q_blob(st, M2M_CALL_C_HASH, &len);
	if (h == NULL || len != M2M_STORE_HASH_SIZE)
		return m2m_store_fail(st, M2M_ERR_FORMAT, "stored request hash has %zu bytes", len);
	memcpy(c->req_hash, h, len);
	c->created_ms = m2m_q_int(st, M2M_CALL_C_CREATED);
	c->done = !m2m_q_null(st, M2M_CALL_C_DONE);
	c->done_ms = m2m_q_int(st, M2M_CALL_C_DONE);
	return m2m_q_blob_dup(st, M2M_CALL_C_RESPONSE, &c->response, &c->response_len);
}

static m2m_err check_ids(m2m_store *st, const char *caller, const char *call_id)
{
	m2m_err rc = m2m_store_check_text(st, "caller", caller, M2M_STORE_ID_SIZE, true);

	if (rc == M2M_OK)
		rc = m2m_store_check_text(st, "function call id", call_id, M2M_STORE_ID_SIZE, true);
	return rc;
}

m2m_err m2m_store_call_get(m2m_store *st, const char *caller, const char *call_id,
			   m2m_store_call *out)
{
	if (st == NULL || out == NULL)
		return M2M_ERR_ARG;
	m2m_err rc = check_ids(st, caller, call_id);
	if (rc != M2M_OK)
		return rc;
	m2m_sv args[] = {m2m_sv_text(caller), m2m_sv_text(call_id)};
	rc = m2m_q_first(st, M2M_Q_CALL_GET, args, 2);
	if (rc == M2M_END)
		return m2m_store_fail(st, M2M_END, "no call %.64s from %.64s", call_id, caller);
	if (rc != M2M_OK)
		return rc;
	rc = call_from_row(st, out);
	m2m_q_done(st);
	if (rc != M2M_OK)
		m2m_store_call_clear(out);
	return rc;
}

m2m_err m2m_store_call_begin(m2m_store *st, const char *caller, const char *call_id,
			     const uint8_t req_hash[M2M_STORE_HASH_SIZE], int64_t now_ms,
			     m2m_store_call_outcome *outcome, m2m_store_call *existing)
{
	m2m_store_call seen;
	int64_t changes = 0;

	if (st == NULL || req_hash == NULL || outcome == NULL)
		return M2M_ERR_ARG;
	m2m_err rc = check_ids(st, caller, call_id);
	if (rc != M2M_OK)
		return rc;
	/* Insert-if-absent is the atomic step: of two identical calls racing, one wins. */
	m2m_sv args[] = {m2m_sv_text(caller), m2m_sv_text(call_id),
			 m2m_sv_blob(req_hash, M2M_STORE_HASH_SIZE), m2m_sv_int(now_ms)};
	rc = m2m_q_exec(st, M2M_Q_CALL_INSERT, args, 4, &changes);
	if (rc != M2M_OK)
		return rc;
	if (changes == 1) {
		*outcome = M2M_STORE_CALL_NEW;
		return M2M_OK;
	}
	rc = m2m_store_call_get(st, caller, call_id, &seen);
	if (rc != M2M_OK)
		return rc;
	*outcome = memcmp(seen.req_hash, req_hash, M2M_STORE_HASH_SIZE) == 0
			   ? M2M_STORE_CALL_REPLAY
			   : M2M_STORE_CALL_CONFLICT;
	if (existing != NULL)
		*existing = seen;
	else
		m2m_store_call_clear(&seen);
	return M2M_OK;
}

m2m_err m2m_store_call_finish(m2m_store *st, const char *caller, const char *call_id,
			      const uint8_t *response, size_t len, int64_t now_ms)
{
	int64_t changes = 0;

	if (st == NULL || (len > 0 && response == NULL))
		return M2M_ERR_ARG;
	m2m_err rc = check_ids(st, caller, call_id);
	if (rc != M2M_OK)
		return rc;
	/* An empty response is still a response: bind a zero-length value, not NULL. */
	m2m_sv args[] = {m2m_sv_text(caller), m2m_sv_text(call_id),
			 m2m_sv_blob(response != NULL ? response : (const uint8_t *)"", len),
			 m2m_sv_int(now_ms)};
	rc = m2m_q_exec(st, M2M_Q_CALL_FINISH, args, 4, &changes);
	if (rc == M2M_OK && changes == 0)
		return m2m_store_fail(st, M2M_ERR_STATE,
				      "call %.64s from %.64s is unknown or already finished",
				      call_id, caller);
	return rc;
}

m2m_err m2m_store_call_purge(m2m_store *st, int64_t before_ms, int64_t *deleted)
{
	if (st == NULL)
		return M2M_ERR_ARG;
	m2m_sv args[] = {m2m_sv_int(before_ms)};
	return m2m_q_exec(st, M2M_Q_CALL_PURGE, args, 1, deleted);
}

void m2m_store_call_list_free(m2m_store_call *list, size_t n)
{
	for (size_t i = 0; list != NULL && i < n; i++)
		m2m_store_call_clear(&list[i]);
	free(list);
}

/* One batch (1..M2M_STORE_CALL_BATCH keys; unused slots repeat the first) appended to *list. */
static m2m_err done_batch(m2m_store *st, const char *const *callers, const char *const *ids,
			  size_t n, m2m_store_call **list, size_t *count, size_t *cap)
{
	m2m_sv args[2 * M2M_STORE_CALL_BATCH];
	m2m_err rc;

	for (size_t i = 0; i < M2M_STORE_CALL_BATCH; i++) {
		size_t k = i < n ? i : 0;
		args[2 * i] = m2m_sv_text(callers[k]);
		args[2 * i + 1] = m2m_sv_text(ids[k]);
	}
	rc = m2m_q_run(st, M2M_Q_CALL_DONE_AMONG, args, 2 * M2M_STORE_CALL_BATCH);
	while (rc == M2M_OK && (rc = m2m_q_next(st)) == M2M_OK) {
		rc = m2m_store_grow(st, (void **)list, sizeof **list, *count, cap);
		if (rc == M2M_OK)
			rc = call_from_row(st, &(*list)[*count]);
		if (rc == M2M_OK)
			(*count)++;
	}
	m2m_q_done(st);
	return rc == M2M_END ? M2M_OK : rc;
}

m2m_err m2m_store_call_done_among(m2m_store *st, const char *const *callers,
				  const char *const *call_ids, size_t n, m2m_store_call **out,
				  size_t *nout)
{
	m2m_store_call *list = NULL;
	size_t count = 0, cap = 0;
	m2m_err rc = M2M_OK;

	if (st == NULL || out == NULL || nout == NULL || (n > 0 && (callers == NULL ||
							       call_ids == NULL)))
		return M2M_ERR_ARG;
	for (size_t i = 0; rc == M2M_OK && i < n; i++)
		rc = check_ids(st, callers[i], call_ids[i]);
	for (size_t i = 0; rc == M2M_OK && i < n; i += M2M_STORE_CALL_BATCH) {
		size_t k = n - i < M2M_STORE_CALL_BATCH ? n - i : M2M_STORE_CALL_BATCH;
		rc = done_batch(st, callers + i, call_ids + i, k, &list, &count, &cap);
	}
	if (rc != M2M_OK) {
		m2m_store_call_list_free(list, count);
		return rc;
	}
	*out = list;
	*nout = count;
	return M2M_OK;
}
