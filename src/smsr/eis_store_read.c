/* Store records -> EIS (eis_store.h): the document, then the authoritative rows. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "smsr/eis_store.h"
#include "smsr/eis_xml.h"
#include "ws/json.h"

/* The Eis of the document through the JSON mirror, then the exact signed part. */
static m2m_err read_doc(const char *doc, m2m_eis *out)
{
	json_error_t jerr;
	json_t *j = json_loads(doc, M2M_WS_JSON_LOAD_FLAGS, &jerr), *body = NULL, *req;
	const char *fmt = json_string_value(json_object_get(j, "format"));
	json_t *si = json_object_get(j, "EumSignedInfoC14N"), *sig = json_object_get(j,
										"EumSignatureC14N");
	m2m_ws_msg *m = NULL;
	char msg[160];
	m2m_err err = M2M_ERR_FORMAT;

	if (j == NULL || fmt == NULL || strcmp(fmt, M2M_EIS_DOC_FORMAT) != 0 ||
	    !json_is_object(json_object_get(j, "Eis")) || !json_is_string(si) ||
	    !json_is_string(sig))
		goto out;
	err = M2M_ERR_NOMEM;
	if ((body = json_object()) == NULL || (req = json_object()) == NULL ||
	    json_object_set_new(body, "ES1-RegisterEISRequest", req) != 0 ||
	    json_object_set_new(req, "FunctionCallIdentifier", json_string("store")) != 0 ||
	    json_object_set(req, "Eis", json_object_get(j, "Eis")) != 0)
		goto out;
	if ((err = m2m_ws_json_to_msg(body, &m, msg, sizeof msg)) != M2M_OK ||
	    (err = m2m_eis_parse(m2m_ws_find(m2m_ws_msg_body(m), "Eis"), out, NULL)) != M2M_OK)
		goto out;
	m2m_buf_reset(&out->signed_info);
	m2m_buf_reset(&out->signature);
	err = m2m_buf_append(&out->signed_info, json_string_value(si), json_string_length(si));
	if (err == M2M_OK)
		err = m2m_buf_append(&out->signature, json_string_value(sig),
				     json_string_length(sig));
out:
	m2m_ws_msg_free(m);
	json_decref(body);
	json_decref(j);
	return err;
}

static m2m_err read_profiles(m2m_store *st, m2m_eis *e)
{
	m2m_store_profile *list = NULL;
	size_t n = 0;
	m2m_err err = m2m_store_profile_list(st, e->eid, &list, &n);

	for (size_t i = 0; i < n && err == M2M_OK; i++) {
		const m2m_store_profile *r = &list[i];
		m2m_eis_profile *p;

		if (r->state == M2M_STORE_PROFILE_IN_CREATION)
			continue;
		if ((err = m2m_eis_add_profile(e, &p)) != M2M_OK)
			break;
		snprintf(p->iccid, sizeof p->iccid, "%s", r->iccid);
		if (m2m_hex_decode(r->isdp_aid, p->isdp_aid, sizeof p->isdp_aid,
				   &p->isdp_aid_len) != M2M_OK)
			err = M2M_ERR_FORMAT;
		snprintf(p->mno_id, sizeof p->mno_id, "%s", r->mno_id);
		snprintf(p->smdp_id, sizeof p->smdp_id, "%s", r->smdp_id);
		snprintf(p->profile_type, sizeof p->profile_type, "%s", r->profile_type);
		snprintf(p->msisdn, sizeof p->msisdn, "%s", r->msisdn);
		snprintf(p->imsi, sizeof p->imsi, "%s", r->imsi);
		p->state = r->state;
		p->fallback = r->fallback;
		p->pol2 = r->pol2 & M2M_POL2_ALL;
		p->allocated_memory = r->allocated_memory > 0 ? (uint64_t)r->allocated_memory : 0;
		p->has_free_memory = r->free_memory > 0;
		p->free_memory = p->has_free_memory ? (uint64_t)r->free_memory : 0;
	}
	m2m_store_profile_list_free(list, n);
	return err;
}

static m2m_eis_ks_usage usage_of(m2m_store_ks_type t)
{
	return t == M2M_STORE_KS_SCP80 ? M2M_EIS_KS_SCP80 :
	       t == M2M_STORE_KS_SCP81 ? M2M_EIS_KS_SCP81 : M2M_EIS_KS_SCP03;
}

/* Drops the document's key sets the store holds: the keyset rows replace them. */
static void drop_stored_usages(m2m_eis_sd *sd)
{
	size_t kept = 0;

	for (size_t i = 0; i < sd->nkeysets; i++) {
		m2m_eis_ks_usage u = m2m_eis_keyset_usage(&sd->keysets[i]);

		if (u == M2M_EIS_KS_SCP80 || u == M2M_EIS_KS_SCP81 || u == M2M_EIS_KS_SCP03) {
			for (size_t j = 0; j < sd->keysets[i].ncerts; j++)
				free(sd->keysets[i].certs[j].value);
			continue;
		}
		if (kept != i)
			sd->keysets[kept] = sd->keysets[i];
		kept++;
	}
	for (size_t i = kept; i < sd->nkeysets; i++)
		memset(&sd->keysets[i], 0, sizeof sd->keysets[i]);
	sd->nkeysets = kept;
}

static m2m_err read_keysets(m2m_store *st, m2m_eis *e)
{
	uint8_t kvns[127];
	size_t n = 0;
	m2m_store_keyset k;
	m2m_err err = m2m_store_keyset_list(st, e->eid, kvns, sizeof kvns, &n);

	drop_stored_usages(&e->isdr);
	for (size_t i = 0; i < n && err == M2M_OK; i++) {
		m2m_eis_keyset *ks;

		if (e->isdr.nkeysets == M2M_EIS_KEYSETS_MAX)
			return M2M_ERR_BOUNDS;
		if ((err = m2m_store_keyset_get(st, e->eid, kvns[i], &k)) != M2M_OK)
			break;
		ks = &e->isdr.keysets[e->isdr.nkeysets++];
		ks->version = k.kvn;
		ks->usage = usage_of(k.type);
		ks->has_cntr = k.type == M2M_STORE_KS_SCP80;
		ks->cntr = k.counter > 0 ? (uint64_t)k.counter : 0;
		ks->nkeys = k.nkeys;
		for (size_t j = 0; j < k.nkeys; j++) {
			ks->keys[j].index = k.keys[j].index;
			ks->keys[j].type = k.keys[j].type;
			ks->keys[j].len = k.keys[j].len;
			memcpy(ks->keys[j].value, k.keys[j].value, k.keys[j].len);
		}
		m2m_store_keyset_clear(&k);
	}
	return err;
}

m2m_err m2m_eis_from_store(m2m_store *st, const char *eid, m2m_eis *out)
{
	m2m_store_eis row;
	m2m_err err;

	memset(&row, 0, sizeof row);
	m2m_eis_clear(out);
	if ((err = m2m_store_eis_get(st, eid, &row)) != M2M_OK)
		goto out;
	err = row.doc != NULL ? read_doc(row.doc, out) : M2M_ERR_FORMAT;
	if (err != M2M_OK)
		goto out;
	out->remaining_memory = row.remaining_memory > 0 ? (uint64_t)row.remaining_memory : 0;
	out->available_memory = row.available_memory > 0 ? (uint64_t)row.available_memory : 0;
	out->has_last_audit = row.last_audit_ms > 0;
	out->last_audit = (time_t)(row.last_audit_ms / 1000);
	snprintf(out->smsr_id, sizeof out->smsr_id, "%s", row.smsr_id);
	out->nprofiles = 0;
	if ((err = read_profiles(st, out)) == M2M_OK)
		err = read_keysets(st, out);
out:
	m2m_store_eis_clear(&row);
	if (err != M2M_OK)
		m2m_eis_clear(out);
	return err;
}
