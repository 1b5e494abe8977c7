/* EIS -> store records, and their insertion in one transaction (eis_store.h). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card/scp80.h"
#include "card/scp81.h"
#include "core/hex.h"
#include "smsr/eis_store.h"
#include "smsr/eis_xml.h"
#include "ws/json.h"

/* The document keeps the signed part (read back by m2m_eis_from_store, which needs it): an
 * EIS never signed cannot be stored. Checked first, so that is the error, not the
 * json_stringn(NULL, 0) = NULL of an empty buffer read as out of memory. */
static bool has_signed_form(const m2m_eis *e)
{
	return e->signed_info.data != NULL && e->signed_info.len > 0 &&
	       e->signature.data != NULL && e->signature.len > 0;
}

/* The document: the Eis as built without profiles and key values, plus the signed part. */
static m2m_err make_doc(const m2m_eis *e, char **doc)
{
	m2m_eis *copy = malloc(sizeof *copy);
	m2m_ws_msg *m = NULL;
	m2m_ws_node *eis;
	json_t *j = NULL;
	char msg[160];
	m2m_err err = M2M_ERR_NOMEM;

	*doc = NULL;
	if (!has_signed_form(e)) {
		err = M2M_ERR_ARG;
		goto out;
	}
	if (copy == NULL)
		goto out;
	/* A shallow copy: it only lends e's pointers to the builder, never frees them. */
	*copy = *e;
	copy->nprofiles = 0;
	if ((err = m2m_ws_request_new(M2M_WS_ES1_REGISTER_EIS, "store", 0, &m)) != M2M_OK ||
	    (err = m2m_eis_build(m, NULL, copy, NULL, 0, &eis)) != M2M_OK ||
	    (err = m2m_ws_json_from_node(eis, &j, msg, sizeof msg)) != M2M_OK)
		goto out;
	err = M2M_ERR_NOMEM;
	if (json_object_set_new(j, "format", json_string(M2M_EIS_DOC_FORMAT)) != 0 ||
	    json_object_set_new(j, "EumSignedInfoC14N",
				json_stringn((const char *)e->signed_info.data,
					     e->signed_info.len)) != 0 ||
	    json_object_set_new(j, "EumSignatureC14N",
				json_stringn((const char *)e->signature.data,
					     e->signature.len)) != 0)
		goto out;
	if ((*doc = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS)) != NULL)
		err = M2M_OK;
out:
	json_decref(j);
	m2m_ws_msg_free(m);
	free(copy);
	return err;
}

/* The MSISDN SMS go to: the enabled profile's, else the first profile's that has one. */
static const char *eis_msisdn(const m2m_eis *e)
{
	for (size_t i = 0; i < e->nprofiles; i++)
		if (e->profiles[i].state == M2M_STORE_PROFILE_ENABLED && e->profiles[i].msisdn[0])
			return e->profiles[i].msisdn;
	for (size_t i = 0; i < e->nprofiles; i++)
		if (e->profiles[i].msisdn[0] != '\0')
			return e->profiles[i].msisdn;
	return "";
}

/* CERT.ECASD.ECKA: the first certificate of the ECASD. */
static const m2m_eis_cert *ecasd_cert(const m2m_eis *e)
{
	for (size_t i = 0; i < e->ecasd.nkeysets; i++)
		if (e->ecasd.keysets[i].ncerts > 0)
			return &e->ecasd.keysets[i].certs[0];
	return NULL;
}

m2m_err m2m_eis_row(const m2m_eis *e, m2m_store_eis *row)
{
	const m2m_eis_cert *c = ecasd_cert(e);

	memset(row, 0, sizeof *row);
	snprintf(row->eid, sizeof row->eid, "%s", e->eid);
	snprintf(row->eum_id, sizeof row->eum_id, "%s", e->eum_id);
	snprintf(row->production_date, sizeof row->production_date, "%s", e->production_date);
	snprintf(row->platform_type, sizeof row->platform_type, "%s", e->platform_type);
	snprintf(row->platform_version, sizeof row->platform_version, "%s", e->platform_version);
	m2m_eis_hex(e->isdp_loadfile_aid, e->isdp_loadfile_aid_len, row->isdp_loadfile_aid);
	m2m_eis_hex(e->isdp_module_aid, e->isdp_module_aid_len, row->isdp_module_aid);
	m2m_eis_hex(e->isdr.aid, e->isdr.aid_len, row->isdr_aid);
	snprintf(row->smsr_id, sizeof row->smsr_id, "%s", e->smsr_id);
	snprintf(row->msisdn, sizeof row->msisdn, "%s", eis_msisdn(e));
	row->caps = M2M_STORE_CAP_SMS | (e->caps.http ? M2M_STORE_CAP_HTTPS : 0) |
		    (e->caps.cattp ? M2M_STORE_CAP_CATTP : 0);
	snprintf(row->secure_packet_version, sizeof row->secure_packet_version, "%s",
		 e->caps.secure_packet_version);
	snprintf(row->rsp_version, sizeof row->rsp_version, "%s", e->caps.rsp_version);
	row->remaining_memory = (int64_t)e->remaining_memory;
	row->available_memory = (int64_t)e->available_memory;
	row->last_audit_ms = e->has_last_audit ? (int64_t)e->last_audit * 1000 : 0;
	if (c != NULL) {
		if ((row->ecasd_cert = malloc(c->len > 0 ? c->len : 1)) == NULL)
			return M2M_ERR_NOMEM;
		memcpy(row->ecasd_cert, c->value, c->len);
		row->ecasd_cert_len = c->len;
	}
	return make_doc(e, &row->doc);
}

void m2m_eis_profile_row(const m2m_eis *e, const m2m_eis_profile *p, m2m_store_profile *row)
{
	memset(row, 0, sizeof *row);
	snprintf(row->eid, sizeof row->eid, "%s", e->eid);
	m2m_eis_hex(p->isdp_aid, p->isdp_aid_len, row->isdp_aid);
	snprintf(row->iccid, sizeof row->iccid, "%s", p->iccid);
	snprintf(row->mno_id, sizeof row->mno_id, "%s", p->mno_id);
	snprintf(row->smdp_id, sizeof row->smdp_id, "%s", p->smdp_id);
	snprintf(row->profile_type, sizeof row->profile_type, "%s", p->profile_type);
	row->state = p->state;
	row->fallback = p->fallback;
	row->pol2 = p->pol2;
	snprintf(row->msisdn, sizeof row->msisdn, "%s", p->msisdn);
	snprintf(row->imsi, sizeof row->imsi, "%s", p->imsi);
	row->allocated_memory = (int64_t)p->allocated_memory;
	/* FreeMemory is optional (quota management only): absent is kept as 0 and 0 reads back
	 * as absent (docs/eis.md). */
	row->free_memory = p->has_free_memory ? (int64_t)p->free_memory : 0;
}

/* SCP80 algorithm nibble of a KIc or KID key (TS 102 225 5.1.2). */
static uint8_t scp80_alg(const m2m_eis_key *k)
{
	if (k == NULL)
		return M2M_SCP80_ALG_IMPLICIT;
	if (k->type == M2M_EIS_KEYTYPE_AES)
		return M2M_SCP80_ALG_AES;
	switch (k->len) {
	case 8:
		return M2M_SCP80_ALG_DES;
	case 16:
		return M2M_SCP80_ALG_3DES2;
	case 24:
		return M2M_SCP80_ALG_3DES3;
	default:
		return M2M_SCP80_ALG_IMPLICIT;
	}
}

static const m2m_eis_key *key_index(const m2m_eis_keyset *ks, uint8_t index)
{
	for (size_t i = 0; i < ks->nkeys; i++)
		if (ks->keys[i].index == index)
			return &ks->keys[i];
	return NULL;
}

/* The SGP.02 2.4.4.1 PSK identity TLV of the PSK of an SCP81 key set. */
static m2m_err psk_identity(const m2m_eis *e, const m2m_eis_keyset *ks, m2m_store_keyset *row)
{
	m2m_scp81_psk_id id;
	m2m_buf b;
	m2m_err err;

	for (size_t i = 0; i < ks->nkeys; i++) {
		if (ks->keys[i].type != M2M_EIS_KEYTYPE_PSK_TLS)
			continue;
		memset(&id, 0, sizeof id);
		if (m2m_hex_decode_exact(e->eid, id.eid, sizeof id.eid) != M2M_OK ||
		    e->isdr.aid_len < M2M_SCP81_AID_MIN)
			return M2M_ERR_ARG;
		memcpy(id.isdr.b, e->isdr.aid, e->isdr.aid_len);
		id.isdr.len = e->isdr.aid_len;
		id.key_id = ks->keys[i].index;
		id.kvn = ks->version;
		m2m_buf_init_fixed(&b, row->psk_id, sizeof row->psk_id);
		err = m2m_scp81_psk_id_build(&id, &b);
		row->psk_id_len = b.len;
		return err;
	}
	return M2M_OK;
}

m2m_err m2m_eis_keyset_row(const m2m_eis *e, const m2m_eis_keyset *ks, m2m_store_keyset *row)
{
	memset(row, 0, sizeof *row);
	snprintf(row->eid, sizeof row->eid, "%s", e->eid);
	row->kvn = ks->version;
	switch (m2m_eis_keyset_usage(ks)) {
	case M2M_EIS_KS_SCP80:
		row->type = M2M_STORE_KS_SCP80;
		row->kic_alg = scp80_alg(key_index(ks, 1));
		row->kid_alg = scp80_alg(key_index(ks, 2));
		break;
	case M2M_EIS_KS_SCP81:
		row->type = M2M_STORE_KS_SCP81;
		break;
	case M2M_EIS_KS_SCP03:
		row->type = M2M_STORE_KS_SCP03;
		break;
	default:
		return M2M_END;
	}
	row->counter = ks->has_cntr ? (int64_t)ks->cntr : 0;
	for (size_t i = 0; i < ks->nkeys; i++) {
		const m2m_eis_key *k = &ks->keys[i];

		if (k->wrapped || k->len > M2M_STORE_KEY_MAX)
			return M2M_ERR_ARG;
		row->keys[i].index = k->index;
		row->keys[i].type = k->type;
		row->keys[i].len = (uint8_t)k->len;
		memcpy(row->keys[i].value, k->value, k->len);
	}
	row->nkeys = ks->nkeys;
	return row->type == M2M_STORE_KS_SCP81 ? psk_identity(e, ks, row) : M2M_OK;
}

static m2m_err store_fail(m2m_store *st, m2m_err err, m2m_ws_exec_status *status,
			  const char *subject, const char *what)
{
	if (err == M2M_ERR_STATE)
		return m2m_eis_refuse(status, err, subject, M2M_WS_REASON_IN_USE, "%s", what);
	return m2m_eis_refuse(status, err == M2M_ERR_ARG ? err : M2M_ERR_IO,
			      M2M_WS_SUBJ_PROVIDER, M2M_WS_REASON_EXECUTION_ERROR, "store: %s",
			      m2m_store_errmsg(st));
}

static m2m_err insert_all(m2m_store *st, const m2m_eis *e, m2m_ws_exec_status *status)
{
	m2m_store_eis row;
	m2m_store_profile p;
	m2m_store_keyset k;
	char what[160];
	m2m_err err = m2m_eis_row(e, &row);

	if (err == M2M_OK && (err = m2m_store_eis_insert(st, &row)) != M2M_OK) {
		snprintf(what, sizeof what, "the EID %s is already registered", e->eid);
		err = store_fail(st, err, status, M2M_WS_SUBJ_EID, what);
	}
	m2m_store_eis_clear(&row);
	for (size_t i = 0; i < e->nprofiles && err == M2M_OK; i++) {
		m2m_eis_profile_row(e, &e->profiles[i], &p);
		if ((err = m2m_store_profile_put(st, &p)) != M2M_OK) {
			snprintf(what, sizeof what, "the ICCID %s belongs to another eUICC",
				 e->profiles[i].iccid);
			err = store_fail(st, err, status, M2M_WS_SUBJ_ICCID, what);
		}
	}
	for (size_t i = 0; i < e->isdr.nkeysets && err == M2M_OK; i++) {
		err = m2m_eis_keyset_row(e, &e->isdr.keysets[i], &k);
		if (err == M2M_END) {
			err = M2M_OK; /* kept in the document only */
			continue;
		}
		if (err == M2M_OK && (err = m2m_store_keyset_put(st, &k)) != M2M_OK) {
			snprintf(what, sizeof what, "the PSK identity of key set %u is in use",
				 e->isdr.keysets[i].version);
			err = store_fail(st, err, status, M2M_WS_SUBJ_ISDR, what);
		}
		m2m_store_keyset_clear(&k);
	}
	return err;
}

m2m_err m2m_eis_to_store(m2m_store *st, const m2m_eis *e, m2m_ws_exec_status *status)
{
	bool own = !m2m_store_in_transaction(st);
	m2m_err err;

	if (!has_signed_form(e))
		return m2m_eis_refuse(status, M2M_ERR_ARG, M2M_WS_SUBJ_EIS, M2M_WS_REASON_INVALID,
				      "the EIS has no signed form (EumSignedInfo, EumSignature): "
				      "sign it (m2m_eis_sign) or store a parsed signed EIS");
	if (own && (err = m2m_store_begin(st)) != M2M_OK)
		return store_fail(st, err, status, M2M_WS_SUBJ_PROVIDER, "");
	err = insert_all(st, e, status);
	if (own && err == M2M_OK && (err = m2m_store_commit(st)) != M2M_OK)
		err = store_fail(st, err, status, M2M_WS_SUBJ_EID, "the EID was registered meanwhile");
	if (own && err != M2M_OK)
		m2m_store_rollback(st);
	return err;
}
