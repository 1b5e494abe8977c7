/* Profiles: one row per ISD-P, under its EIS (deleted with it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

#define PROFILE_ARGS 16

static const char *const state_names[] = {
	[M2M_STORE_PROFILE_IN_CREATION] = "in-creation",
	[M2M_STORE_PROFILE_CREATED] = "created",
	[M2M_STORE_PROFILE_DISABLED] = "disabled",
	[M2M_STORE_PROFILE_ENABLED] = "enabled",
};

const char *m2m_store_profile_state_name(m2m_store_profile_state s)
{
	return (unsigned)s <= M2M_STORE_PROFILE_ENABLED ? state_names[s] : "?";
}

static bool state_parse(const char *s, m2m_store_profile_state *out)
{
	for (unsigned i = 0; i <= M2M_STORE_PROFILE_ENABLED; i++) {
		if (strcmp(s, state_names[i]) == 0) {
			*out = (m2m_store_profile_state)i;
			return true;
		}
	}
	return false;
}

void m2m_store_profile_clear(m2m_store_profile *p)
{
	if (p == NULL)
		return;
	free(p->conn_params);
	memset(p, 0, sizeof *p);
}

void m2m_store_profile_list_free(m2m_store_profile *list, size_t n)
{
	for (size_t i = 0; list != NULL && i < n; i++)
		m2m_store_profile_clear(&list[i]);
	free(list);
}

static m2m_err check_profile(m2m_store *st, const m2m_store_profile *p)
{
	m2m_err rc;

	if ((rc = M2M_STORE_CHECK(st, "EID", p->eid, true)) != M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "ISD-P AID", p->isdp_aid, true)) != M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "ICCID", p->iccid, true)) != M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "MNO id", p->mno_id, true)) != M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "SM-DP id", p->smdp_id, false)) != M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "profile type", p->profile_type, false)) != M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "MSISDN", p->msisdn, false)) != M2M_OK ||
	    (rc = M2M_STORE_CHECK(st, "IMSI", p->imsi, false)) != M2M_OK)
		return rc;
	if ((unsigned)p->state > M2M_STORE_PROFILE_ENABLED)
		return m2m_store_fail(st, M2M_ERR_ARG, "unknown profile state %d", (int)p->state);
	if ((p->pol2 & ~M2M_POL2_ALL) != 0)
		return m2m_store_fail(st, M2M_ERR_ARG, "unknown POL2 bits %#x", p->pol2);
	if (p->allocated_memory < 0 || p->free_memory < 0)
		return m2m_store_fail(st, M2M_ERR_ARG, "negative memory size");
	if (p->conn_params_len > 0 && p->conn_params == NULL)
		return m2m_store_fail(st, M2M_ERR_ARG, "connectivity parameters without data");
	return M2M_OK;
}

static m2m_err profile_from_row(m2m_store *st, m2m_store_profile *p)
{
	char state[16];
	m2m_err rc;

	memset(p, 0, sizeof *p);
	if ((rc = m2m_q_text(st, M2M_PROFILE_C_EID, p->eid, sizeof p->eid)) != M2M_OK ||
	    (rc = m2m_q_text(st, M2M_PROFILE_C_ISDP_AID, p->isdp_aid, sizeof p->isdp_aid)) !=
		    M2M_OK ||
	    (rc = m2m_q_text(st, M2M_PROFILE_C_ICCID, p->iccid, sizeof p->iccid)) != M2M_OK ||
	    (rc = m2m_q_text(st, M2M_PROFILE_C_MNO_ID, p->mno_id, sizeof p->mno_id)) != M2M_OK ||
	    (rc = m2m_q_text(st, M2M_PROFILE_C_SMDP_ID, p->smdp_id, sizeof p->smdp_id)) != M2M_OK ||
	    (rc = m2m_q_text(st, M2M_PROFILE_C_TYPE, p->profile_type, sizeof p->profile_type)) !=
		    M2M_OK ||
	    (rc = m2m_q_text(st, M2M_PROFILE_C_STATE, state, sizeof state)) != M2M_OK ||
	    (rc = m2m_q_text(st, M2M_PROFILE_C_MSISDN, p->msisdn, sizeof p->msisdn)) != M2M_OK ||
	    (rc = m2m_q_text(st, M2M_PROFILE_C_IMSI, p->imsi, sizeof p->imsi)) != M2M_OK)
		return rc;
	if (!state_parse(state, &p->state))
		return m2m_store_fail(st, M2M_ERR_FORMAT, "profile %s has unknown state '%s'",
				      p->iccid, state);
	p->fallback = m2m_q_int(st, M2M_PROFILE_C_FALLBACK) != 0;
	p->emergency = m2m_q_int(st, M2M_PROFILE_C_EMERGENCY) != 0;
	p->pol2 = (uint32_t)m2m_q_int(st, M2M_PROFILE_C_POL2);
	p->allocated_memory = m2m_q_int(st, M2M_PROFILE_C_ALLOCATED);
	p->free_memory = m2m_q_int(st, M2M_PROFILE_C_FREE);
	p->updated_ms = m2m_q_int(st, M2M_PROFILE_C_UPDATED);
	return m2m_q_blob_dup(st, M2M_PROFILE_C_CONN_PARAMS, &p->conn_params, &p->conn_params_len);
}

m2m_err m2m_store_profile_put(m2m_store *st, const m2m_store_profile *p)
{
	if (st == NULL || p == NULL)
		return M2M_ERR_ARG;
	m2m_err rc = check_profile(st, p);
	if (rc != M2M_OK)
		return rc;
	m2m_sv a[PROFILE_ARGS] = {
		[M2M_PROFILE_C_EID] = m2m_sv_text(p->eid),
		[M2M_PROFILE_C_ISDP_AID] = m2m_sv_text(p->isdp_aid),
		[M2M_PROFILE_C_ICCID] = m2m_sv_text(p->iccid),
		[M2M_PROFILE_C_MNO_ID] = m2m_sv_text(p->mno_id),
		[M2M_PROFILE_C_SMDP_ID] = m2m_sv_opt_text(p->smdp_id),
		[M2M_PROFILE_C_TYPE] = m2m_sv_opt_text(p->profile_type),
		[M2M_PROFILE_C_STATE] = m2m_sv_text(state_names[p->state]),
		[M2M_PROFILE_C_FALLBACK] = m2m_sv_int(p->fallback),
		[M2M_PROFILE_C_EMERGENCY] = m2m_sv_int(p->emergency),
		[M2M_PROFILE_C_POL2] = m2m_sv_int(p->pol2),
		[M2M_PROFILE_C_MSISDN] = m2m_sv_opt_text(p->msisdn),
		[M2M_PROFILE_C_IMSI] = m2m_sv_opt_text(p->imsi),
		[M2M_PROFILE_C_ALLOCATED] = m2m_sv_int(p->allocated_memory),
		[M2M_PROFILE_C_FREE] = m2m_sv_int(p->free_memory),
		[M2M_PROFILE_C_UPDATED] = m2m_sv_int(p->updated_ms ? p->updated_ms
								  : m2m_store_now_ms()),
		[M2M_PROFILE_C_CONN_PARAMS] = m2m_sv_opt_blob(p->conn_params, p->conn_params_len),
	};
	rc = m2m_q_exec(st, M2M_Q_PROFILE_PUT, a, PROFILE_ARGS, NULL);
	if (rc == M2M_ERR_STATE) {
		char why[300];

		snprintf(why, sizeof why, "%.290s", st->err);
		m2m_store_fail(st, rc, "profile %s on %s: no such EIS, or the ICCID belongs to"
			       " another ISD-P (%s)", p->iccid, p->eid, why);
	}
	return rc;
}

static m2m_err get_one(m2m_store *st, m2m_q q, const m2m_sv *args, size_t n,
		       m2m_store_profile *out, const char *what)
{
	m2m_err rc = m2m_q_first(st, q, args, n);

	if (rc == M2M_END)
		return m2m_store_fail(st, M2M_END, "no profile %s", what);
	if (rc != M2M_OK)
		return rc;
	rc = profile_from_row(st, out);
	m2m_q_done(st);
	if (rc != M2M_OK)
		m2m_store_profile_clear(out);
	return rc;
}

m2m_err m2m_store_profile_get(m2m_store *st, const char *eid, const char *isdp_aid,
			      m2m_store_profile *out)
{
	if (st == NULL || eid == NULL || isdp_aid == NULL || out == NULL)
		return M2M_ERR_ARG;
	m2m_sv args[] = {m2m_sv_text(eid), m2m_sv_text(isdp_aid)};
	return get_one(st, M2M_Q_PROFILE_GET, args, 2, out, isdp_aid);
}

m2m_err m2m_store_profile_get_by_iccid(m2m_store *st, const char *iccid,
				       m2m_store_profile *out)
{
	if (st == NULL || iccid == NULL || out == NULL)
		return M2M_ERR_ARG;
	m2m_sv args[] = {m2m_sv_text(iccid)};
	return get_one(st, M2M_Q_PROFILE_BY_ICCID, args, 1, out, iccid);
}

m2m_err m2m_store_profile_list(m2m_store *st, const char *eid, m2m_store_profile **out,
			       size_t *n)
{
	m2m_store_profile *list = NULL;
	size_t cap = 0, count = 0;
	m2m_err rc;

	if (st == NULL || eid == NULL || out == NULL || n == NULL)
		return M2M_ERR_ARG;
	*out = NULL;
	*n = 0;
	m2m_sv args[] = {m2m_sv_text(eid)};
	rc = m2m_q_run(st, M2M_Q_PROFILE_LIST, args, 1);
	while (rc == M2M_OK && (rc = m2m_q_next(st)) == M2M_OK) {
		rc = m2m_store_grow(st, (void **)&list, sizeof *list, count, &cap);
		if (rc == M2M_OK)
			rc = profile_from_row(st, &list[count]);
		if (rc == M2M_OK)
			count++;
	}
	m2m_q_done(st);
	if (rc != M2M_END) {
		m2m_store_profile_list_free(list, count);
		return rc;
	}
	*out = list;
	*n = count;
	return M2M_OK;
}

m2m_err m2m_store_profile_set_state(m2m_store *st, const char *eid, const char *isdp_aid,
				    m2m_store_profile_state state, int64_t now_ms)
{
	int64_t changes = 0;

	if (st == NULL || eid == NULL || isdp_aid == NULL ||
	    (unsigned)state > M2M_STORE_PROFILE_ENABLED)
		return M2M_ERR_ARG;
	m2m_sv args[] = {m2m_sv_text(eid), m2m_sv_text(isdp_aid),
			 m2m_sv_text(state_names[state]), m2m_sv_int(now_ms)};
	m2m_err rc = m2m_q_exec(st, M2M_Q_PROFILE_STATE, args, 4, &changes);
	if (rc == M2M_OK && changes == 0)
		return m2m_store_fail(st, M2M_END, "no profile %s on %s", isdp_aid, eid);
	return rc;
}

m2m_err m2m_store_profile_delete(m2m_store *st, const char *eid, const char *isdp_aid)
{
	int64_t changes = 0;

	if (st == NULL || eid == NULL || isdp_aid == NULL)
		return M2M_ERR_ARG;
	m2m_sv args[] = {m2m_sv_text(eid), m2m_sv_text(isdp_aid)};
	m2m_err rc = m2m_q_exec(st, M2M_Q_PROFILE_DELETE, args, 2, &changes);
	if (rc == M2M_OK && changes == 0)
		return m2m_store_fail(st, M2M_END, "no profile %s on %s", isdp_aid, eid);
	return rc;
}
