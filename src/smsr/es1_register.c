/* ES1.RegisterEIS (es1.h): authorisation, signature, ECASD certificate, ISD-R keys, then
 * the EIS with its profiles and key sets in one store transaction with its audit record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "crypto/pem.h"
#include "smsr/eis_dsig.h"
#include "smsr/eis_keys.h"
#include "smsr/eis_store.h"
#include "smsr/eis_xml.h"
#include "smsr/es1.h"

#define FUNCTION "ES1.RegisterEIS"

static const m2m_es1_eum *find_eum(const m2m_es1_trust *t, const char *eum_id)
{
	for (size_t i = 0; i < t->neums; i++)
		if (t->eums[i].eum_id != NULL && strcmp(t->eums[i].eum_id, eum_id) == 0)
			return &t->eums[i];
	return NULL;
}

static m2m_err check_caller(const m2m_ws_caller *caller, m2m_ws_exec_status *status)
{
	if (caller == NULL || caller->role != M2M_WS_ROLE_EUM) {
		m2m_eis_refuse(status, M2M_ERR_STATE, M2M_WS_SUBJ_REQUESTER,
			       M2M_WS_REASON_NOT_ALLOWED, "an %s may not call ES1-RegisterEIS",
			       caller != NULL && caller->role != M2M_WS_ROLE_NONE ?
				       m2m_ws_role_name(caller->role) : "unidentified caller");
		if (caller != NULL)
			snprintf(status->subject_id, sizeof status->subject_id, "%s", caller->id);
		return M2M_ERR_STATE;
	}
	return M2M_OK;
}

/* The EUM named by the EIS must be accepted here and be the caller. */
static m2m_err check_eum(const m2m_es1_trust *t, const m2m_ws_caller *caller, const m2m_eis *e,
			 const m2m_es1_eum **eum, m2m_ws_exec_status *status)
{
	const char *expect;

	if ((*eum = find_eum(t, e->eum_id)) == NULL)
		return m2m_eis_refuse(status, M2M_ERR_STATE, M2M_WS_SUBJ_EIS,
				      M2M_WS_REASON_UNAUTHORISED,
				      "the EUM %s is not one this SM-SR accepts EIS from",
				      e->eum_id);
	expect = (*eum)->caller_id != NULL ? (*eum)->caller_id : (*eum)->eum_id;
	if (strcmp(caller->id, expect) != 0)
		return m2m_eis_refuse(status, M2M_ERR_STATE, M2M_WS_SUBJ_EIS,
				      M2M_WS_REASON_NOT_ALLOWED,
				      "the EIS is the EUM %s's, not the caller %s's", e->eum_id,
				      caller->id);
	if (t->smsr_id != NULL && strcmp(t->smsr_id, e->smsr_id) != 0)
		return m2m_eis_refuse(status, M2M_ERR_STATE, M2M_WS_SUBJ_SMSR,
				      M2M_WS_REASON_INVALID_DEST,
				      "the EIS is for the SM-SR %s, this is %s", e->smsr_id,
				      t->smsr_id);
	return M2M_OK;
}

static bool has_key(const m2m_eis_keyset *ks, uint8_t index)
{
	for (size_t i = 0; i < ks->nkeys; i++)
		if (ks->keys[i].index == index)
			return true;
	return false;
}

/* The ISD-R key sets must be ones the SM-SR can hold and use. */
static m2m_err check_isdr(const m2m_eis *e, m2m_ws_exec_status *status)
{
	size_t scp80 = 0;

	for (size_t i = 0; i < e->isdr.nkeysets; i++) {
		const m2m_eis_keyset *ks = &e->isdr.keysets[i];
		m2m_eis_ks_usage u = m2m_eis_keyset_usage(ks);

		if (ks->nkeys > 0 && u != M2M_EIS_KS_SCP80 && u != M2M_EIS_KS_SCP81 &&
		    u != M2M_EIS_KS_SCP03)
			return m2m_eis_refuse(status, M2M_ERR_UNSUPPORTED, M2M_WS_SUBJ_ISDR,
					      M2M_WS_REASON_INVALID,
					      "ISD-R key set %u: keys of usage '%s' are not supported",
					      ks->version, m2m_eis_ks_usage_name(u));
		if (u == M2M_EIS_KS_SCP80) {
			if (!has_key(ks, 1) || !has_key(ks, 2))
				return m2m_eis_refuse(status, M2M_ERR_FORMAT, M2M_WS_SUBJ_ISDR,
						      M2M_WS_REASON_INVALID,
						      "ISD-R key set %u: SCP80 needs KIc (index 1) "
						      "and KID (index 2)", ks->version);
			if (ks->cntr > (uint64_t)M2M_STORE_COUNTER_MAX)
				return m2m_eis_refuse(status, M2M_ERR_FORMAT, M2M_WS_SUBJ_ISDR,
						      M2M_WS_REASON_INVALID,
						      "ISD-R key set %u: the counter exceeds 5 bytes",
						      ks->version);
			scp80++;
		}
	}
	if (scp80 == 0)
		return m2m_eis_refuse(status, M2M_ERR_FORMAT, M2M_WS_SUBJ_ISDR,
				      M2M_WS_REASON_INVALID,
				      "the ISD-R has no SCP80 key set: the SM-SR could not reach it");
	return M2M_OK;
}

/* Everything but the store. */
static m2m_err admit(const m2m_es1_trust *trust, const m2m_ws_caller *caller,
		     const m2m_ws_node *node, m2m_eis *e, m2m_ws_exec_status *status)
{
	const m2m_es1_eum *eum = NULL;
	m2m_err err;

	if (node == NULL)
		return m2m_eis_refuse(status, M2M_ERR_FORMAT, M2M_WS_SUBJ_EIS,
				      M2M_WS_REASON_INVALID, "the request carries no Eis");
	if ((err = m2m_eis_parse(node, e, status)) != M2M_OK ||
	    (err = check_eum(trust, caller, e, &eum, status)) != M2M_OK ||
	    (err = m2m_eis_verify(node, eum->cert_pem, eum->cert_len, trust->ci_pem,
				  trust->ci_len, status)) != M2M_OK ||
	    (err = m2m_eis_check_ecasd(e, eum->cert_pem, eum->cert_len, status)) !=
		    M2M_OK || (err = check_isdr(e, status)) != M2M_OK)
		return err;
	return m2m_eis_keys_unwrap(e, eum->transport_key, eum->transport_key_len, status);
}

static m2m_err audit(m2m_store *st, const m2m_ws_caller *caller, const char *eid,
		     const m2m_ws_exec_status *status)
{
	m2m_store_audit a;
	char detail[M2M_WS_MESSAGE_MAX + 64];

	memset(&a, 0, sizeof a);
	snprintf(a.actor, sizeof a.actor, "%s", caller != NULL ? caller->id : "");
	snprintf(a.function, sizeof a.function, "%s", FUNCTION);
	snprintf(a.eid, sizeof a.eid, "%s", eid);
	snprintf(a.outcome, sizeof a.outcome, "%s", m2m_ws_status_name(status->status));
	if (status->subject[0] != '\0')
		snprintf(detail, sizeof detail, "%s/%s %s", status->subject, status->reason,
			 status->message);
	else
		snprintf(detail, sizeof detail, "registered");
	a.detail = detail;
	a.time_ms = m2m_store_now_ms();
	return m2m_store_audit_add(st, &a, NULL);
}

/* EIS, profiles, key sets and the audit record, all or nothing. */
static m2m_err register_all(m2m_store *st, const m2m_ws_caller *caller, const m2m_eis *e,
			    m2m_ws_exec_status *status)
{
	m2m_err err = m2m_store_begin(st);

	if (err != M2M_OK)
		return m2m_eis_refuse(status, M2M_ERR_IO, M2M_WS_SUBJ_PROVIDER,
				      M2M_WS_REASON_EXECUTION_ERROR, "store: %s",
				      m2m_store_errmsg(st));
	m2m_ws_status_set(status, M2M_WS_EXECUTED_SUCCESS, NULL, NULL, NULL, "%s", "");
	err = m2m_eis_to_store(st, e, status);
	if (err == M2M_OK && (err = audit(st, caller, e->eid, status)) != M2M_OK)
		m2m_eis_refuse(status, M2M_ERR_IO, M2M_WS_SUBJ_PROVIDER,
			       M2M_WS_REASON_EXECUTION_ERROR, "store: %s", m2m_store_errmsg(st));
	if (err == M2M_OK && (err = m2m_store_commit(st)) != M2M_OK)
		m2m_eis_refuse(status, err == M2M_ERR_STATE ? err : M2M_ERR_IO,
			       err == M2M_ERR_STATE ? M2M_WS_SUBJ_EID : M2M_WS_SUBJ_PROVIDER,
			       err == M2M_ERR_STATE ? M2M_WS_REASON_IN_USE :
						      M2M_WS_REASON_EXECUTION_ERROR,
			       "store: %s", m2m_store_errmsg(st));
	if (err != M2M_OK)
		m2m_store_rollback(st);
	return err;
}

m2m_err m2m_es1_register_eis(m2m_store *st, const m2m_es1_trust *trust,
			     const m2m_ws_caller *caller, const m2m_ws_msg *req,
			     m2m_ws_exec_status *status)
{
	m2m_eis *e;
	m2m_err err;

	if (status == NULL)
		return M2M_ERR_ARG;
	if ((e = malloc(sizeof *e)) == NULL)
		return m2m_eis_refuse(status, M2M_ERR_NOMEM, M2M_WS_SUBJ_PROVIDER,
				      M2M_WS_REASON_EXECUTION_ERROR, "out of memory");
	m2m_eis_init(e);
	if (st == NULL || trust == NULL || req == NULL) {
		err = m2m_eis_refuse(status, M2M_ERR_ARG, M2M_WS_SUBJ_PROVIDER,
				     M2M_WS_REASON_EXECUTION_ERROR, "RegisterEIS is not set up");
		goto out;
	}
	if ((err = check_caller(caller, status)) == M2M_OK &&
	    (err = admit(trust, caller, m2m_ws_find(m2m_ws_msg_body(req), "Eis"), e, status)) ==
		    M2M_OK)
		err = register_all(st, caller, e, status);
	/* A refusal is in the audit trail too (its own write: nothing else was kept). */
	if (err != M2M_OK)
		(void)audit(st, caller, e->eid, status);
out:
	m2m_eis_clear(e);
	free(e);
	return err;
}
