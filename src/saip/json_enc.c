/* asn1c structure -> JSON: SEQUENCE as an object keyed by member names (absent OPTIONALs
 * left out), CHOICE as {"<alternative>": value}, SEQUENCE OF / SET OF as an array. */
#include <string.h>

#include "constr_SET_OF.h"
#include "saip/json_int.h"

static m2m_err enc_member(m2m_saip_json_ctx *c, asn_TYPE_descriptor_t *parent,
			  const asn_TYPE_member_t *m, const void *vptr, json_t *obj)
{
	json_t *v = NULL;
	m2m_err rc;
	if (m2m_saip_json_is_iccid(parent, m) &&
	    m2m_saip_json_kind_of(m->type) == M2M_SAIP_JSON_K_OCTETS)
		rc = m2m_saip_json_iccid_enc(c, vptr, &v);
	else
		rc = m2m_saip_json_enc(c, m->type, vptr, &v);
	if (rc == M2M_OK && json_object_set_new(obj, m->name, v) != 0)
		rc = m2m_saip_json_fail(c, M2M_ERR_NOMEM, "out of memory");
	else if (rc != M2M_OK)
		json_decref(v);
	return rc;
}

static m2m_err enc_sequence(m2m_saip_json_ctx *c, asn_TYPE_descriptor_t *td, const void *sptr,
			    json_t **out)
{
	json_t *obj = json_object();
	m2m_err rc = obj != NULL ? M2M_OK : m2m_saip_json_fail(c, M2M_ERR_NOMEM, "out of memory");
	for (int i = 0; rc == M2M_OK && i < td->elements_count; i++) {
		const asn_TYPE_member_t *m = &td->elements[i];
		const void *vptr = m2m_saip_json_member_ptr(m, sptr);
		size_t mark = m2m_saip_json_push_key(c, m->name);
		if (vptr == NULL && m->optional == 0)
			rc = m2m_saip_json_fail(c, M2M_ERR_FORMAT, "mandatory member absent");
		else if (vptr != NULL)
			rc = enc_member(c, td, m, vptr, obj);
		m2m_saip_json_pop(c, mark);
	}
	if (rc != M2M_OK) {
		json_decref(obj);
		obj = NULL;
	}
	*out = obj;
	return rc;
}

static m2m_err enc_choice(m2m_saip_json_ctx *c, asn_TYPE_descriptor_t *td, const void *sptr,
			  json_t **out)
{
	int present = m2m_saip_json_choice_get(td, sptr);
	if (present < 1 || present > td->elements_count)
		return m2m_saip_json_fail(c, M2M_ERR_FORMAT, "%s: no alternative present", td->name);
	const asn_TYPE_member_t *m = &td->elements[present - 1];
	const void *vptr = m2m_saip_json_member_ptr(m, sptr);
	json_t *obj = json_object();
	size_t mark = m2m_saip_json_push_key(c, m->name);
	m2m_err rc = M2M_OK;
	if (obj == NULL)
		rc = m2m_saip_json_fail(c, M2M_ERR_NOMEM, "out of memory");
	else if (vptr == NULL)
		rc = m2m_saip_json_fail(c, M2M_ERR_FORMAT, "alternative present without a value");
	else
		rc = enc_member(c, td, m, vptr, obj);
	m2m_saip_json_pop(c, mark);
	if (rc != M2M_OK) {
		json_decref(obj);
		obj = NULL;
	}
	*out = obj;
	return rc;
}

static m2m_err enc_list(m2m_saip_json_ctx *c, asn_TYPE_descriptor_t *td, const void *sptr,
			json_t **out)
{
	const asn_anonymous_set_ *list = _A_CSET_FROM_VOID(sptr);
	asn_TYPE_descriptor_t *et = td->elements[0].type;
	json_t *arr = json_array();
	m2m_err rc = arr != NULL ? M2M_OK : m2m_saip_json_fail(c, M2M_ERR_NOMEM, "out of memory");
	for (int i = 0; rc == M2M_OK && i < list->count; i++) {
		json_t *v = NULL;
		size_t mark = m2m_saip_json_push_index(c, (size_t)i);
		if (list->array[i] == NULL)
			rc = m2m_saip_json_fail(c, M2M_ERR_FORMAT, "empty list entry");
		else
			rc = m2m_saip_json_enc(c, et, list->array[i], &v);
		if (rc == M2M_OK && json_array_append_new(arr, v) != 0)
			rc = m2m_saip_json_fail(c, M2M_ERR_NOMEM, "out of memory");
		else if (rc != M2M_OK)
			json_decref(v);
		m2m_saip_json_pop(c, mark);
	}
	if (rc != M2M_OK) {
		json_decref(arr);
		arr = NULL;
	}
	*out = arr;
	return rc;
}

m2m_err m2m_saip_json_enc(m2m_saip_json_ctx *c, asn_TYPE_descriptor_t *td, const void *sptr,
			  json_t **out)
{
	*out = NULL;
	m2m_saip_json_kind k = m2m_saip_json_kind_of(td);
	switch (k) {
	case M2M_SAIP_JSON_K_SEQUENCE:
		return enc_sequence(c, td, sptr, out);
	case M2M_SAIP_JSON_K_CHOICE:
		return enc_choice(c, td, sptr, out);
	case M2M_SAIP_JSON_K_LIST:
		return enc_list(c, td, sptr, out);
	default:
		return m2m_saip_json_enc_prim(c, k, td, sptr, out);
	}
}
