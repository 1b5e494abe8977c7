/* The card's answer of a relayed SM-SR change job (docs/smsr-change.md "The card's answer in
 * the store"): the RC of an es7_cert job, the [85 DR] 86 receipt of an es7_keys job, kept
 * with the job's end so that a waiting exchange in another process on the database answers
 * with it. Public key establishment data (no key material): kept in clear, as hex. */
#include <string.h>

#include "core/hex.h"
#include "store/store_int.h"

m2m_err m2m_store_job_answer_put(m2m_store *st, int64_t job_id, const uint8_t *a, size_t n,
				 int64_t now_ms)
{
	char hex[2 * M2M_STORE_JOB_ANSWER_MAX + 1];

	if (st == NULL || job_id <= 0 || (a == NULL && n > 0) || n > M2M_STORE_JOB_ANSWER_MAX)
		return M2M_ERR_ARG;
	m2m_hex_encode(a, n, hex);
	m2m_sv args[] = {m2m_sv_int(job_id), m2m_sv_text(hex), m2m_sv_int(now_ms)};
	return m2m_q_exec(st, M2M_Q_JOB_ANSWER_PUT, args, 3, NULL);
}

m2m_err m2m_store_job_answer_get(m2m_store *st, int64_t job_id,
				 uint8_t a[M2M_STORE_JOB_ANSWER_MAX], size_t *n)
{
	char hex[2 * M2M_STORE_JOB_ANSWER_MAX + 1];
	m2m_err rc;

	if (st == NULL || a == NULL || n == NULL || job_id <= 0)
		return M2M_ERR_ARG;
	*n = 0;
	m2m_sv args[] = {m2m_sv_int(job_id)};
	rc = m2m_q_first(st, M2M_Q_JOB_ANSWER_GET, args, 1);
	if (rc == M2M_END)
		return m2m_store_fail(st, M2M_END, "no card answer recorded for job %lld",
				      (long long)job_id);
	if (rc != M2M_OK)
		return rc;
	rc = m2m_q_text(st, 0, hex, sizeof hex);
	m2m_q_done(st);
	if (rc == M2M_OK && m2m_hex_decode(hex, a, M2M_STORE_JOB_ANSWER_MAX, n) != M2M_OK)
		rc = m2m_store_fail(st, M2M_ERR_FORMAT, "job %lld: card answer not hex",
				    (long long)job_id);
	return rc;
}

m2m_err m2m_store_job_answer_delete(m2m_store *st, int64_t job_id, int64_t before_ms)
{
	if (st == NULL)
		return M2M_ERR_ARG;
	m2m_sv args[] = {m2m_sv_int(job_id), m2m_sv_int(before_ms)};
	return m2m_q_exec(st, M2M_Q_JOB_ANSWER_DELETE, args, 2, NULL);
}
