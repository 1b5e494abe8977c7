/* The SM-DP's inventory (store_smdp.h): profile types, profiles, allocation once, the
 * personalisation values and kept key sets sealed with the master key. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_gcm.h"
#include "store/store_int.h"
#include "store/store_smdp.h"

static const char *const state_names[] = {"available", "allocated", "installed", "failed",
					     "deleted"};

/* AAD: label, NUL, ICCID: a sealed value copied to another profile does not open. */
#define AAD_PERSO "m2mrsp smdp perso v1"
#define AAD_KEYS "m2mrsp smdp keys v1"
#define AAD_MAX (sizeof AAD_PERSO + M2M_STORE_ICCID_SIZE)

const char *m2m_smdp_pstate_name(m2m_smdp_pstate s)
{
	return (unsigned)s <= M2M_SMDP_DELETED ? state_names[s] : "?";
}

static m2m_err pstate_parse(const char *s, m2m_smdp_pstate *out)
{
	for (unsigned i = 0; i <= M2M_SMDP_DELETED; i++)
		if (strcmp(s, state_names[i]) == 0) {
			*out = (m2m_smdp_pstate)i;
			return M2M_OK;
		}
	return M2M_ERR_FORMAT;
}

static size_t build_aad(const char *label, const char *iccid, uint8_t *aad)
{
	size_t l = strlen(label) + 1, n = strlen(iccid);

	memcpy(aad, label, l);
	memcpy(aad + l, iccid, n);
	return l + n;
}

static m2m_err need_key(m2m_store *st)
{
	if (!st->has_key)
		return m2m_store_fail(st, M2M_ERR_STATE,
				      "no master key was given: the SM-DP's secrets cannot be sealed");
	return M2M_OK;
}

m2m_err m2m_store_smdp_type_put(m2m_store *st, const char *name, const char *mno_id,
				const uint8_t *pkg, size_t len, uint64_t memory)
{
	int64_t changes = 0;
	m2m_err rc;

	if (st == NULL || name == NULL || mno_id == NULL || pkg == NULL || len == 0 ||
	    memory > INT64_MAX)
		return M2M_ERR_ARG;
	if ((rc = m2m_store_check_text(st, "profile type", name, M2M_STORE_TEXT_SIZE, true)) ||
	    (rc = m2m_store_check_text(st, "MNO id", mno_id, M2M_STORE_ID_SIZE, true)))
		return rc;
	m2m_sv args[] = {m2m_sv_text(name), m2m_sv_text(mno_id), m2m_sv_blob(pkg, len),
			 m2m_sv_int((int64_t)memory), m2m_sv_int(m2m_store_now_ms())};
	rc = m2m_q_exec(st, M2M_Q_SMDP_TYPE_PUT, args, 5, &changes);
	if (rc == M2M_OK && changes == 0)
		return m2m_store_fail(st, M2M_ERR_STATE,
				      "profile type '%.100s' belongs to another MNO", name);
	return rc;
}

void m2m_smdp_type_clear(m2m_smdp_type *t)
{
	if (t == NULL)
		return;
	free(t->package);
	memset(t, 0, sizeof *t);
}

m2m_err m2m_store_smdp_type_get(m2m_store *st, const char *name, m2m_smdp_type *out)
{
	m2m_err rc;

	if (st == NULL || name == NULL || out == NULL)
		return M2M_ERR_ARG;
	memset(out, 0, sizeof *out);
	m2m_sv args[] = {m2m_sv_text(name)};
	rc = m2m_q_first(st, M2M_Q_SMDP_TYPE_GET, args, 1);
	if (rc == M2M_END)
		return m2m_store_fail(st, M2M_END, "unknown profile type '%.100s'", name);
	if (rc != M2M_OK)
		return rc;
	int64_t mem = m2m_q_int(st, M2M_SMDP_TYPE_C_MEMORY);
	if ((rc = m2m_q_text(st, M2M_SMDP_TYPE_C_NAME, out->name, sizeof out->name)) == M2M_OK &&
	    (rc = m2m_q_text(st, M2M_SMDP_TYPE_C_MNO_ID, out->mno_id, sizeof out->mno_id)) ==
		    M2M_OK)
		rc = m2m_q_blob_dup(st, M2M_SMDP_TYPE_C_PACKAGE, &out->package, &out->package_len);
	out->memory = mem > 0 ? (uint64_t)mem : 0;
	m2m_q_done(st);
	if (rc != M2M_OK)
		m2m_smdp_type_clear(out);
	return rc;
}

m2m_err m2m_store_smdp_profile_add(m2m_store *st, const char *iccid, const char *type,
				   const char *imsi, const uint8_t *perso, size_t perso_len)
{
	uint8_t aad[AAD_MAX];
	m2m_buf sealed;
	int64_t changes = 0;
	m2m_err rc;

	if (st == NULL || iccid == NULL || type == NULL || perso == NULL)
		return M2M_ERR_ARG;
	if ((rc = m2m_store_check_text(st, "ICCID", iccid, M2M_STORE_ICCID_SIZE, true)) ||
	    (rc = m2m_store_check_text(st, "profile type", type, M2M_STORE_TEXT_SIZE, true)) ||
	    (rc = m2m_store_check_text(st, "IMSI", imsi, M2M_STORE_MSISDN_SIZE, false)) ||
	    (rc = need_key(st)))
		return rc;
	m2m_buf_init(&sealed);
	rc = m2m_store_seal(st->key, aad, build_aad(AAD_PERSO, iccid, aad), perso, perso_len,
			    &sealed);
	if (rc != M2M_OK)
		goto out;
	m2m_sv args[] = {m2m_sv_text(iccid), m2m_sv_text(type), m2m_sv_opt_text(imsi),
			 m2m_sv_blob(sealed.data, sealed.len), m2m_sv_int(m2m_store_now_ms())};
	rc = m2m_q_exec(st, M2M_Q_SMDP_PROFILE_ADD, args, 5, &changes);
	if (rc == M2M_OK && changes == 0)
		rc = m2m_store_fail(st, M2M_ERR_STATE, "ICCID %s is already in the inventory",
				    iccid);
out:
	m2m_buf_free(&sealed);
	return rc;
}

m2m_err m2m_store_smdp_allocate(m2m_store *st, const char *type, const char *iccid,
				const char *eid, char iccid_out[M2M_STORE_ICCID_SIZE])
{
	return m2m_store_smdp_allocate_for(st, type, iccid, eid, NULL, iccid_out);
}

/* "" is stored as NULL: no owner. */
static m2m_sv opt(const m2m_smdp_download *dl, size_t off)
{
	return m2m_sv_opt_text(dl != NULL ? (const char *)dl + off : NULL);
}

m2m_err m2m_store_smdp_allocate_for(m2m_store *st, const char *type, const char *iccid,
				    const char *eid, const m2m_smdp_download *dl,
				    char iccid_out[M2M_STORE_ICCID_SIZE])
{
	m2m_err rc;

	if (st == NULL || type == NULL || eid == NULL || iccid_out == NULL)
		return M2M_ERR_ARG;
	if ((rc = m2m_store_check_text(st, "EID", eid, M2M_STORE_EID_SIZE, true)))
		return rc;
	m2m_sv args[] = {m2m_sv_text(type),
			 m2m_sv_text(eid),
			 m2m_sv_int(m2m_store_now_ms()),
			 opt(dl, offsetof(m2m_smdp_download, owner)),
			 opt(dl, offsetof(m2m_smdp_download, smsr)),
			 opt(dl, offsetof(m2m_smdp_download, caller)),
			 opt(dl, offsetof(m2m_smdp_download, call_id)),
			 m2m_sv_text(iccid != NULL ? iccid : "")};
	rc = m2m_q_first(st, iccid != NULL ? M2M_Q_SMDP_ALLOC_ICCID : M2M_Q_SMDP_ALLOC_ANY, args,
			 iccid != NULL ? 8 : 7);
	if (rc == M2M_END)
		return m2m_store_fail(st, M2M_END, "no available profile of type '%.100s'", type);
	if (rc != M2M_OK)
		return rc;
	rc = m2m_q_text(st, 0, iccid_out, M2M_STORE_ICCID_SIZE);
	m2m_q_done(st);
	return rc;
}

m2m_err m2m_store_smdp_profile_get(m2m_store *st, const char *iccid, m2m_smdp_profile *out)
{
	char state[16];
	m2m_err rc;

	if (st == NULL || iccid == NULL || out == NULL)
		return M2M_ERR_ARG;
	memset(out, 0, sizeof *out);
	m2m_sv args[] = {m2m_sv_text(iccid)};
	rc = m2m_q_first(st, M2M_Q_SMDP_PROFILE_GET, args, 1);
	if (rc == M2M_END)
		return m2m_store_fail(st, M2M_END, "unknown ICCID %.20s", iccid);
	if (rc != M2M_OK)
		return rc;
	if ((rc = m2m_q_text(st, M2M_SMDP_PROFILE_C_ICCID, out->iccid, sizeof out->iccid)) ||
	    (rc = m2m_q_text(st, M2M_SMDP_PROFILE_C_TYPE, out->type, sizeof out->type)) ||
	    (rc = m2m_q_text(st, M2M_SMDP_PROFILE_C_STATE, state, sizeof state)) ||
	    (rc = m2m_q_text(st, M2M_SMDP_PROFILE_C_EID, out->eid, sizeof out->eid)) ||
	    (rc = m2m_q_text(st, M2M_SMDP_PROFILE_C_IMSI, out->imsi, sizeof out->imsi)) ||
	    (rc = m2m_q_text(st, M2M_SMDP_PROFILE_C_ISDP_AID, out->isdp_aid,
			     sizeof out->isdp_aid)) ||
	    (rc = m2m_q_text(st, M2M_SMDP_PROFILE_C_DL_OWNER, out->dl.owner,
			     sizeof out->dl.owner)) ||
	    (rc = m2m_q_text(st, M2M_SMDP_PROFILE_C_DL_SMSR, out->dl.smsr, sizeof out->dl.smsr)) ||
	    (rc = m2m_q_text(st, M2M_SMDP_PROFILE_C_DL_CALLER, out->dl.caller,
			     sizeof out->dl.caller)) ||
	    (rc = m2m_q_text(st, M2M_SMDP_PROFILE_C_DL_CALL_ID, out->dl.call_id,
			     sizeof out->dl.call_id)))
		goto done;
	out->updated_ms = m2m_q_int(st, M2M_SMDP_PROFILE_C_UPDATED);
	rc = pstate_parse(state, &out->state);
done:
	m2m_q_done(st);
	return rc;
}

/* Unseals column col of iccid's row into out. */
static m2m_err unseal_col(m2m_store *st, const char *iccid, int col, const char *label,
			  m2m_buf *out)
{
	uint8_t aad[AAD_MAX];
	const uint8_t *p;
	size_t n = 0;
	m2m_err rc;

	if (st == NULL || iccid == NULL || out == NULL)
		return M2M_ERR_ARG;
	if ((rc = need_key(st)) != M2M_OK)
		return rc;
	m2m_sv args[] = {m2m_sv_text(iccid)};
	rc = m2m_q_first(st, M2M_Q_SMDP_PROFILE_GET, args, 1);
	if (rc == M2M_END)
		return m2m_store_fail(st, M2M_END, "unknown ICCID %.20s", iccid);
	if (rc != M2M_OK)
		return rc;
	p = m2m_q_blob(st, col, &n);
	if (p == NULL || n == 0)
		rc = m2m_store_fail(st, M2M_END, "nothing sealed for ICCID %.20s", iccid);
	else
		rc = m2m_store_unseal(st->key, aad, build_aad(label, iccid, aad), p, n, out);
	m2m_q_done(st);
	if (rc == M2M_ERR_VERIFY)
		return m2m_store_fail(st, rc,
				      "the sealed data of ICCID %.20s does not decrypt: wrong master "
				      "key, or altered or copied from another row",
				      iccid);
	return rc;
}

m2m_err m2m_store_smdp_perso(m2m_store *st, const char *iccid, m2m_buf *out)
{
	return unseal_col(st, iccid, M2M_SMDP_PROFILE_C_PERSO, AAD_PERSO, out);
}

m2m_err m2m_store_smdp_keys_get(m2m_store *st, const char *iccid, m2m_buf *out)
{
	return unseal_col(st, iccid, M2M_SMDP_PROFILE_C_KEYS, AAD_KEYS, out);
}

m2m_err m2m_store_smdp_set_state(m2m_store *st, const char *iccid, m2m_smdp_pstate state,
				 const char *eid, const char *isdp_aid)
{
	int64_t changes = 0;
	m2m_err rc;

	if (st == NULL || iccid == NULL || (unsigned)state > M2M_SMDP_DELETED)
		return M2M_ERR_ARG;
	if ((rc = m2m_store_check_text(st, "EID", eid, M2M_STORE_EID_SIZE, false)) ||
	    (rc = m2m_store_check_text(st, "ISD-P AID", isdp_aid, M2M_STORE_AID_SIZE, false)))
		return rc;
	m2m_sv args[] = {m2m_sv_text(iccid), m2m_sv_text(m2m_smdp_pstate_name(state)),
			 m2m_sv_opt_text(eid), m2m_sv_opt_text(isdp_aid),
			 m2m_sv_int(m2m_store_now_ms())};
	rc = m2m_q_exec(st, M2M_Q_SMDP_PROFILE_STATE, args, 5, &changes);
	if (rc == M2M_OK && changes == 0)
		return m2m_store_fail(st, M2M_END, "unknown ICCID %.20s", iccid);
	return rc;
}

m2m_err m2m_store_smdp_keys_put(m2m_store *st, const char *iccid, const uint8_t *keys,
				size_t n)
{
	uint8_t aad[AAD_MAX];
	m2m_buf sealed;
	int64_t changes = 0;
	m2m_err rc = M2M_OK;

	if (st == NULL || iccid == NULL || (keys == NULL && n > 0))
		return M2M_ERR_ARG;
	if ((rc = m2m_store_check_text(st, "ICCID", iccid, M2M_STORE_ICCID_SIZE, true)))
		return rc;
	m2m_buf_init(&sealed);
	if (n > 0 && ((rc = need_key(st)) != M2M_OK ||
		      (rc = m2m_store_seal(st->key, aad, build_aad(AAD_KEYS, iccid, aad), keys, n,
					   &sealed)) != M2M_OK))
		goto out;
	m2m_sv args[] = {m2m_sv_text(iccid), m2m_sv_opt_blob(sealed.data, sealed.len),
			 m2m_sv_int(m2m_store_now_ms())};
	rc = m2m_q_exec(st, M2M_Q_SMDP_PROFILE_KEYS, args, 3, &changes);
	if (rc == M2M_OK && changes == 0)
		rc = m2m_store_fail(st, M2M_END, "unknown ICCID %.20s", iccid);
out:
	m2m_buf_free(&sealed);
	return rc;
}

m2m_err m2m_store_smdp_count(m2m_store *st, const char *type, m2m_smdp_pstate state,
			     int64_t *n)
{
	m2m_err rc;

	if (st == NULL || type == NULL || n == NULL || (unsigned)state > M2M_SMDP_DELETED)
		return M2M_ERR_ARG;
	m2m_sv args[] = {m2m_sv_text(type), m2m_sv_text(m2m_smdp_pstate_name(state))};
	rc = m2m_q_first(st, M2M_Q_SMDP_COUNT, args, 2);
	if (rc != M2M_OK)
		return rc == M2M_END ? M2M_ERR_IO : rc;
	*n = m2m_q_int(st, 0);
	m2m_q_done(st);
	return M2M_OK;
}

m2m_err m2m_store_smdp_stats(m2m_store *st, m2m_smdp_stats_fn fn, void *arg)
{
	char type[M2M_STORE_TEXT_SIZE], state[16];
	m2m_smdp_pstate s;
	m2m_err rc;

	if (st == NULL || fn == NULL)
		return M2M_ERR_ARG;
	if ((rc = m2m_q_run(st, M2M_Q_SMDP_STATS, NULL, 0)) != M2M_OK)
		return rc;
	while ((rc = m2m_q_next(st)) == M2M_OK) {
		if ((rc = m2m_q_text(st, 0, type, sizeof type)) != M2M_OK ||
		    (rc = m2m_q_text(st, 1, state, sizeof state)) != M2M_OK ||
		    (rc = pstate_parse(state, &s)) != M2M_OK)
			break;
		fn(arg, type, s, m2m_q_int(st, 2));
	}
	m2m_q_done(st);
	return rc == M2M_END ? M2M_OK : rc;
}

m2m_err m2m_store_smdp_stale(m2m_store *st, const char *owner, m2m_smdp_iccid_fn fn,
			     void *arg)
{
	char iccid[M2M_STORE_ICCID_SIZE];
	m2m_err rc;

	if (st == NULL || owner == NULL || fn == NULL)
		return M2M_ERR_ARG;
	m2m_sv args[] = {m2m_sv_text(owner)};
	if ((rc = m2m_q_run(st, M2M_Q_SMDP_STALE, args, 1)) != M2M_OK)
		return rc;
	while ((rc = m2m_q_next(st)) == M2M_OK) {
		if ((rc = m2m_q_text(st, 0, iccid, sizeof iccid)) != M2M_OK)
			break;
		fn(arg, iccid);
	}
	m2m_q_done(st);
	return rc == M2M_END ? M2M_OK : rc;
}

m2m_err m2m_store_smdp_close(m2m_store *st, const char *iccid, const char *owner,
			     m2m_smdp_pstate state, const char *eid, const char *isdp_aid)
{
	int64_t changes = 0;
	m2m_err rc;

	if (st == NULL || iccid == NULL || owner == NULL || (unsigned)state > M2M_SMDP_DELETED)
		return M2M_ERR_ARG;
	if ((rc = m2m_store_check_text(st, "EID", eid, M2M_STORE_EID_SIZE, false)) ||
	    (rc = m2m_store_check_text(st, "ISD-P AID", isdp_aid, M2M_STORE_AID_SIZE, false)))
		return rc;
	m2m_sv args[] = {m2m_sv_text(iccid), m2m_sv_text(m2m_smdp_pstate_name(state)),
			 m2m_sv_opt_text(eid), m2m_sv_opt_text(isdp_aid),
			 m2m_sv_int(m2m_store_now_ms()), m2m_sv_text(owner)};
	rc = m2m_q_exec(st, M2M_Q_SMDP_CLOSE, args, 6, &changes);
	if (rc == M2M_OK && changes == 0)
		return m2m_store_fail(st, M2M_END, "ICCID %.20s is no longer allocated to %.64s",
				      iccid, owner);
	return rc;
}
