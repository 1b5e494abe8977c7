/* Packages and elements as JSON (docs/saip-json.md): the element and package framing around
 * the generic mapping of json_enc.c and json_dec.c. */
#include <stdlib.h>
#include <string.h>

#include "saip/json_int.h"

m2m_err m2m_saip_json_from_value(asn_TYPE_descriptor_t *td, const void *sptr, json_t **out,
				 m2m_saip_json_error *err)
{
	m2m_saip_json_ctx c;
	m2m_saip_json_ctx_init(&c, err);
	return m2m_saip_json_enc(&c, td, sptr, out);
}

m2m_err m2m_saip_json_to_value(asn_TYPE_descriptor_t *td, const json_t *v, void **sptr,
			       m2m_saip_json_error *err)
{
	m2m_saip_json_ctx c;
	m2m_saip_json_ctx_init(&c, err);
	*sptr = NULL;
	size_t size = m2m_saip_json_struct_size(td);
	void *p = size > 0 ? calloc(1, size) : NULL;
	if (p == NULL)
		return m2m_saip_json_fail(&c, size > 0 ? M2M_ERR_NOMEM : M2M_ERR_UNSUPPORTED,
					  "cannot allocate a %s", td->name);
	m2m_err rc = m2m_saip_json_dec(&c, td, NULL, v, p);
	if (rc == M2M_OK)
		rc = m2m_saip_json_check(&c, NULL, td, p);
	if (rc != M2M_OK) {
		ASN_STRUCT_FREE(*td, p);
		p = NULL;
	}
	*sptr = p;
	return rc;
}

/* ---- elements ---- */

m2m_err m2m_saip_json_pe_enc(m2m_saip_json_ctx *c, const ProfileElement_t *pe, json_t **out)
{
	asn_TYPE_descriptor_t *td = &asn_DEF_ProfileElement;
	json_t *alt = NULL, *obj = NULL;
	int present = m2m_saip_json_choice_get(td, pe);
	m2m_err rc = m2m_saip_json_enc(c, td, pe, &alt);
	if (rc != M2M_OK)
		goto out;
	const char *name = td->elements[present - 1].name;
	obj = json_pack("{s:s}", "type", name);
	if (obj == NULL || json_object_update(obj, alt) != 0) {
		rc = m2m_saip_json_fail(c, M2M_ERR_NOMEM, "out of memory");
		json_decref(obj);
		obj = NULL;
	}
out:
	json_decref(alt);
	*out = obj;
	return rc;
}

/* The alternative named by "type"; the object holds "type" and that one key. */
static m2m_err pe_alternative(m2m_saip_json_ctx *c, const json_t *obj, int *idx)
{
	asn_TYPE_descriptor_t *td = &asn_DEF_ProfileElement;
	const char *key;
	json_t *val;
	if (!json_is_object(obj))
		return m2m_saip_json_fail(c, M2M_ERR_FORMAT, "expected an element object");
	size_t mark = m2m_saip_json_push_key(c, "type");
	const json_t *type = json_object_get(obj, "type");
	m2m_err rc = M2M_OK;
	*idx = -1;
	for (int i = 0; json_is_string(type) && i < td->elements_count; i++) {
		if (strcmp(td->elements[i].name, json_string_value(type)) == 0)
			*idx = i;
	}
	if (type == NULL)
		rc = m2m_saip_json_fail(c, M2M_ERR_FORMAT, "missing element type");
	else if (*idx < 0)
		rc = m2m_saip_json_fail(c, M2M_ERR_FORMAT, "unknown element type%s%s",
					json_is_string(type) ? " " : "",
					json_is_string(type) ? json_string_value(type) : "");
	m2m_saip_json_pop(c, mark);
	json_object_foreach((json_t *)obj, key, val) {
		if (rc != M2M_OK)
			break;
		if (strcmp(key, "type") != 0 && strcmp(key, td->elements[*idx].name) != 0) {
			mark = m2m_saip_json_push_key(c, key);
			rc = m2m_saip_json_fail(c, M2M_ERR_FORMAT, "unexpected key in a %s element",
						td->elements[*idx].name);
			m2m_saip_json_pop(c, mark);
		}
	}
	if (rc == M2M_OK && json_object_get(obj, td->elements[*idx].name) == NULL) {
		mark = m2m_saip_json_push_key(c, td->elements[*idx].name);
		rc = m2m_saip_json_fail(c, M2M_ERR_FORMAT, "missing the element's value");
		m2m_saip_json_pop(c, mark);
	}
	return rc;
}

m2m_err m2m_saip_json_pe_dec(m2m_saip_json_ctx *c, const json_t *obj, ProfileElement_t **out)
{
	asn_TYPE_descriptor_t *td = &asn_DEF_ProfileElement;
	ProfileElement_t *pe = NULL;
	int idx = -1;
	m2m_err rc = pe_alternative(c, obj, &idx);
	if (rc != M2M_OK)
		goto out;
	pe = calloc(1, sizeof *pe);
	if (pe == NULL) {
		rc = m2m_saip_json_fail(c, M2M_ERR_NOMEM, "out of memory");
		goto out;
	}
	rc = m2m_saip_json_dec_choice_alt(c, td, idx, json_object_get(obj, td->elements[idx].name),
					  pe);
	/* What the per-value checks leave: SIZE of lists, constraints on whole structures. */
	if (rc == M2M_OK)
		rc = m2m_saip_json_check(c, NULL, td, pe);
out:
	if (rc != M2M_OK && pe != NULL) {
		ASN_STRUCT_FREE(*td, pe);
		pe = NULL;
	}
	*out = pe;
	return rc;
}

m2m_err m2m_saip_json_from_pe(const ProfileElement_t *pe, json_t **out, m2m_saip_json_error *err)
{
	m2m_saip_json_ctx c;
	m2m_saip_json_ctx_init(&c, err);
	return m2m_saip_json_pe_enc(&c, pe, out);
}

m2m_err m2m_saip_json_to_pe(const json_t *obj, ProfileElement_t **pe, m2m_saip_json_error *err)
{
	m2m_saip_json_ctx c;
	m2m_saip_json_ctx_init(&c, err);
	return m2m_saip_json_pe_dec(&c, obj, pe);
}
