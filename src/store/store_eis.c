/* The EIS table: one row per eUICC, indexed columns plus the whole EIS as a JSON document. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

#define EIS_ARGS 20
#define ALL_CAPS (M2M_STORE_CAP_SMS | M2M_STORE_CAP_HTTPS | M2M_STORE_CAP_CATTP)

void m2m_store_eis_clear(m2m_store_eis *e)
{
	if (e == NULL)
		return;
	free(e->ecasd_cert);
	free(e->doc);
	memset(e, 0, sizeof *e);
}

void m2m_store_eis_list_free(m2m_store_eis *list, size_t n)
{
	for (size_t i = 0; list != NULL && i < n; i++)
		m2m_store_eis_clear(&list[i]);
	free(list);
}

static m2m_err check_eis(m2m_store *st, const m2m_store_eis *e)
{
	m2m_err rc = M2M_OK;

	if ((rc = M2M_STORE_CHECK(st, "EID", e->eid, true)) != M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "EUM id", e->eum_id, true)) != M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "production date", e->production_date, false)) != M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "platform type", e->platform_type, false)) != M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "platform version", e->platform_version, false)) != M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "ISD-P load file AID", e->isdp_loadfile_aid, false)) !=
		    M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "ISD-P module AID", e->isdp_module_aid, false)) != M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "ISD-R AID", e->isdr_aid, false)) != M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "SM-SR id", e->smsr_id, false)) != M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "MSISDN", e->msisdn, false)) != M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "secure packet version", e->secure_packet_version, false)) !=
		    M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "remote provisioning version", e->rsp_version, false)) !=
		    M2M_OK)
		return rc;
	if ((e->caps & ~ALL_CAPS) != 0)
		return m2m_store_fail(st, M2M_ERR_ARG, "unknown capability bits %#x", e->caps);
	if (e->remaining_memory < 0 || e->available_memory < 0)
		return m2m_store_fail(st, M2M_ERR_ARG, "negative memory size");
	if (e->ecasd_cert_len > 0 && e->ecasd_cert == NULL)
		return m2m_store_fail(st, M2M_ERR_ARG, "ECASD certificate length without data");
	return M2M_OK;
}

static void eis_args(const m2m_store_eis *e, int64_t registered, int64_t updated, m2m_sv *a)
{
	a[M2M_EIS_C_EID] = m2m_sv_text(e->eid);
	a[M2M_EIS_C_EUM_ID] = m2m_sv_text(e->eum_id);
	a[M2M_EIS_C_PRODUCTION_DATE] = m2m_sv_opt_text(e->production_date);
	a[M2M_EIS_C_PLATFORM_TYPE] = m2m_sv_opt_text(e->platform_type);
	a[M2M_EIS_C_PLATFORM_VERSION] = m2m_sv_opt_text(e->platform_version);
	a[M2M_EIS_C_LOADFILE_AID] = m2m_sv_opt_text(e->isdp_loadfile_aid);
	a[M2M_EIS_C_MODULE_AID] = m2m_sv_opt_text(e->isdp_module_aid);
	a[M2M_EIS_C_ISDR_AID] = m2m_sv_opt_text(e->isdr_aid);
	a[M2M_EIS_C_SMSR_ID] = m2m_sv_opt_text(e->smsr_id);
	a[M2M_EIS_C_MSISDN] = m2m_sv_opt_text(e->msisdn);
	a[M2M_EIS_C_CAPS] = m2m_sv_int(e->caps);
	a[M2M_EIS_C_SPV] = m2m_sv_opt_text(e->secure_packet_version);
	a[M2M_EIS_C_RSP_VERSION] = m2m_sv_opt_text(e->rsp_version);
	a[M2M_EIS_C_REMAINING] = m2m_sv_int(e->remaining_memory);
	a[M2M_EIS_C_AVAILABLE] = m2m_sv_int(e->available_memory);
	a[M2M_EIS_C_REGISTERED] = m2m_sv_opt_int(registered); /* update: 0 keeps it */
	a[M2M_EIS_C_LAST_AUDIT] = m2m_sv_opt_int(e->last_audit_ms);
	a[M2M_EIS_C_UPDATED] = m2m_sv_int(updated);
	a[M2M_EIS_C_ECASD_CERT] = m2m_sv_opt_blob(e->ecasd_cert, e->ecasd_cert_len);
	a[M2M_EIS_C_DOC] = e->doc != NULL ? m2m_sv_text(e->doc) : m2m_sv_null();
}

static m2m_err eis_from_row(m2m_store *st, m2m_store_eis *e)
{
	static const struct {
		int col;
		size_t off, size;
	} texts[] = {
#define T(c, f) {c, offsetof(m2m_store_eis, f), sizeof(((m2m_store_eis *)0)->f)}
		T(M2M_EIS_C_EID, eid),
		T(M2M_EIS_C_EUM_ID, eum_id),
		T(M2M_EIS_C_PRODUCTION_DATE, production_date),
		T(M2M_EIS_C_PLATFORM_TYPE, platform_type),
		T(M2M_EIS_C_PLATFORM_VERSION, platform_version),
		T(M2M_EIS_C_LOADFILE_AID, isdp_loadfile_aid),
		T(M2M_EIS_C_MODULE_AID, isdp_module_aid),
		T(M2M_EIS_C_ISDR_AID, isdr_aid),
		T(M2M_EIS_C_SMSR_ID, smsr_id),
		T(M2M_EIS_C_MSISDN, msisdn),
		T(M2M_EIS_C_SPV, secure_packet_version),
		T(M2M_EIS_C_RSP_VERSION, rsp_version),
#undef T
	};
	m2m_err rc = M2M_OK;

	memset(e, 0, sizeof *e);
	for (size_t i = 0; rc == M2M_OK && i < sizeof texts / sizeof texts[0]; i++)
		rc = m2m_q_text(st, texts[i].col, (char *)e + texts[i].off, texts[i].size);
	e->caps = (uint32_t)m2m_q_int(st, M2M_EIS_C_CAPS);
	e->remaining_memory = m2m_q_int(st, M2M_EIS_C_REMAINING);
	e->available_memory = m2m_q_int(st, M2M_EIS_C_AVAILABLE);
	e->registered_ms = m2m_q_int(st, M2M_EIS_C_REGISTERED);
	e->last_audit_ms = m2m_q_int(st, M2M_EIS_C_LAST_AUDIT);
	e->updated_ms = m2m_q_int(st, M2M_EIS_C_UPDATED);
	e->rev = m2m_q_int(st, M2M_EIS_C_REV);
	if (rc == M2M_OK)
		rc = m2m_q_blob_dup(st, M2M_EIS_C_ECASD_CERT, &e->ecasd_cert, &e->ecasd_cert_len);
	if (rc == M2M_OK)
		rc = m2m_q_text_dup(st, M2M_EIS_C_DOC, &e->doc);
	if (rc != M2M_OK)
		m2m_store_eis_clear(e);
	return rc;
}

m2m_err m2m_store_eis_insert(m2m_store *st, const m2m_store_eis *e)
{
	m2m_sv a[EIS_ARGS];
	int64_t now = m2m_store_now_ms();

	if (st == NULL || e == NULL)
		return M2M_ERR_ARG;
	m2m_err rc = check_eis(st, e);
	if (rc != M2M_OK)
		return rc;
	eis_args(e, e->registered_ms ? e->registered_ms : now, e->updated_ms ? e->updated_ms : now,
		 a);
	rc = m2m_q_exec(st, M2M_Q_EIS_INSERT, a, EIS_ARGS, NULL);
	if (rc == M2M_ERR_STATE)
		m2m_store_fail(st, rc, "an EIS with EID %s already exists", e->eid);
	return rc;
}

/* After an update that matched no row: absent, or changed since the caller read it. */
static m2m_err update_missed(m2m_store *st, const char *eid, int64_t expect_rev)
{
	m2m_sv args[] = {m2m_sv_text(eid)};
	m2m_err rc = m2m_q_first(st, M2M_Q_EIS_REV, args, 1);

	if (rc == M2M_END)
		return m2m_store_fail(st, M2M_END, "no EIS with EID %s", eid);
	if (rc != M2M_OK)
		return rc;
	int64_t rev = m2m_q_int(st, 0);
	m2m_q_done(st);
	return m2m_store_fail(st, M2M_ERR_STATE,
			      "the EIS of %s changed meanwhile (revision %lld, expected %lld)", eid,
			      (long long)rev, (long long)expect_rev);
}

m2m_err m2m_store_eis_update(m2m_store *st, const m2m_store_eis *e, int64_t expect_rev,
			     int64_t *new_rev)
{
	m2m_sv a[EIS_ARGS + 1];

	if (st == NULL || e == NULL || expect_rev < 0)
		return M2M_ERR_ARG;
	m2m_err rc = check_eis(st, e);
	if (rc != M2M_OK)
		return rc;
	eis_args(e, e->registered_ms, m2m_store_now_ms(), a);
	a[EIS_ARGS] = expect_rev > 0 ? m2m_sv_int(expect_rev) : m2m_sv_null();
	rc = m2m_q_first(st, M2M_Q_EIS_UPDATE, a, EIS_ARGS + 1);
	if (rc == M2M_END)
		return update_missed(st, e->eid, expect_rev);
	if (rc != M2M_OK)
		return rc;
	if (new_rev != NULL)
		*new_rev = m2m_q_int(st, 0);
	m2m_q_done(st);
	return M2M_OK;
}

m2m_err m2m_store_eis_get(m2m_store *st, const char *eid, m2m_store_eis *out)
{
	if (st == NULL || eid == NULL || out == NULL)
		return M2M_ERR_ARG;
	m2m_sv args[] = {m2m_sv_text(eid)};
	m2m_err rc = m2m_q_first(st, M2M_Q_EIS_GET, args, 1);
	if (rc == M2M_END)
		return m2m_store_fail(st, M2M_END, "no EIS with EID %s", eid);
	if (rc != M2M_OK)
		return rc;
	rc = eis_from_row(st, out);
	m2m_q_done(st);
	return rc;
}

m2m_err m2m_store_eis_get_by_msisdn(m2m_store *st, const char *msisdn, m2m_store_eis *out)
{
	if (st == NULL || msisdn == NULL || *msisdn == '\0' || out == NULL)
		return M2M_ERR_ARG;
	m2m_sv args[] = {m2m_sv_text(msisdn)};
	m2m_err rc = m2m_q_first(st, M2M_Q_EIS_BY_MSISDN, args, 1);
	if (rc == M2M_END)
		return m2m_store_fail(st, M2M_END, "no EIS with MSISDN %s", msisdn);
	if (rc != M2M_OK)
		return rc;
	rc = eis_from_row(st, out);
	if (rc == M2M_OK && m2m_q_next(st) == M2M_OK) {
		m2m_store_eis_clear(out);
		rc = m2m_store_fail(st, M2M_ERR_STATE, "several eUICCs have MSISDN %s", msisdn);
	}
	m2m_q_done(st);
	return rc;
}

m2m_err m2m_store_eis_delete(m2m_store *st, const char *eid)
{
	int64_t changes = 0;

	if (st == NULL || eid == NULL)
		return M2M_ERR_ARG;
	/* Profiles and key sets go with it (ON DELETE CASCADE). */
	m2m_sv args[] = {m2m_sv_text(eid)};
	m2m_err rc = m2m_q_exec(st, M2M_Q_EIS_DELETE, args, 1, &changes);
	if (rc == M2M_OK && changes == 0)
		return m2m_store_fail(st, M2M_END, "no EIS with EID %s", eid);
	return rc;
}

m2m_err m2m_store_eis_list(m2m_store *st, const char *after, size_t limit,
			   m2m_store_eis **out, size_t *n)
{
	m2m_store_eis *list = NULL;
	size_t cap = 0, count = 0;
	m2m_err rc;

	if (st == NULL || out == NULL || n == NULL || limit > INT64_MAX)
		return M2M_ERR_ARG;
	*out = NULL;
	*n = 0;
	m2m_sv args[] = {m2m_sv_text(after != NULL ? after : ""), m2m_sv_int((int64_t)limit)};
	rc = m2m_q_run(st, M2M_Q_EIS_LIST, args, 2);
	while (rc == M2M_OK && (rc = m2m_q_next(st)) == M2M_OK) {
		rc = m2m_store_grow(st, (void **)&list, sizeof *list, count, &cap);
		if (rc == M2M_OK)
			rc = eis_from_row(st, &list[count]);
		if (rc == M2M_OK)
			count++;
	}
	m2m_q_done(st);
	if (rc != M2M_END) {
		m2m_store_eis_list_free(list, count);
		return rc;
	}
	*out = list;
	*n = count;
	return M2M_OK;
}

m2m_err m2m_store_eis_count(m2m_store *st, int64_t *count)
{
	if (st == NULL || count == NULL)
		return M2M_ERR_ARG;
	m2m_err rc = m2m_q_first(st, M2M_Q_EIS_COUNT, NULL, 0);
	if (rc != M2M_OK)
		return rc == M2M_END ? M2M_ERR_IO : rc;
	*count = m2m_q_int(st, 0);
	m2m_q_done(st);
	return M2M_OK;
}
