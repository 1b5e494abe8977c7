/* A package as one JSON object: the header's fields at the top level (a copy, for readers),
 * then "elements", every element in package order. The elements are what gets encoded; the
 * top-level copy must agree with the header element when given. */
#include <string.h>

#include "saip/json_int.h"

static const char *pe_name(const ProfileElement_t *pe)
{
	int present = m2m_saip_json_choice_get(&asn_DEF_ProfileElement, pe);
	if (present < 1 || present > asn_DEF_ProfileElement.elements_count)
		return "";
	return asn_DEF_ProfileElement.elements[present - 1].name;
}

static m2m_err elements_enc(m2m_saip_json_ctx *c, const m2m_saip_pkg *pkg, json_t *arr,
			    const json_t **header)
{
	m2m_err rc = M2M_OK;
	for (size_t i = 0; rc == M2M_OK && i < pkg->count; i++) {
		json_t *v = NULL;
		size_t mark = m2m_saip_json_push_index(c, i);
		rc = m2m_saip_json_pe_enc(c, pkg->el[i].pe, &v);
		if (rc == M2M_OK && *header == NULL && strcmp(pe_name(pkg->el[i].pe), "header") == 0)
			*header = json_object_get(v, "header");
		if (rc == M2M_OK && json_array_append_new(arr, v) != 0)
			rc = m2m_saip_json_fail(c, M2M_ERR_NOMEM, "out of memory");
		m2m_saip_json_pop(c, mark);
	}
	return rc;
}

m2m_err m2m_saip_json_from_pkg(const m2m_saip_pkg *pkg, json_t **out, m2m_saip_json_error *err)
{
	m2m_saip_json_ctx c;
	m2m_saip_json_ctx_init(&c, err);
	const json_t *header = NULL;
	json_t *root = json_object(), *arr = json_array(), *copy = NULL;
	m2m_err rc = M2M_OK;
	if (root == NULL || arr == NULL) {
		rc = m2m_saip_json_fail(&c, M2M_ERR_NOMEM, "out of memory");
		goto out;
	}
	m2m_saip_json_push_key(&c, "elements");
	rc = elements_enc(&c, pkg, arr, &header);
	m2m_saip_json_pop(&c, 0);
	if (rc != M2M_OK)
		goto out;
	copy = header != NULL ? json_deep_copy(header) : json_object();
	if (copy == NULL || json_object_update(root, copy) != 0 ||
	    json_object_set(root, "elements", arr) != 0)
		rc = m2m_saip_json_fail(&c, M2M_ERR_NOMEM, "out of memory");
out:
	json_decref(copy);
	json_decref(arr);
	if (rc != M2M_OK) {
		json_decref(root);
		root = NULL;
	}
	*out = root;
	return rc;
}

/* Each element converted, sized (its DER length, for offsets) and appended. */
static m2m_err elements_dec(m2m_saip_json_ctx *c, const json_t *arr, m2m_saip_pkg *pkg)
{
	m2m_err rc = M2M_OK;
	size_t offset = 0;
	for (size_t i = 0; rc == M2M_OK && i < json_array_size(arr); i++) {
		ProfileElement_t *pe = NULL;
		size_t mark = m2m_saip_json_push_index(c, i);
		rc = m2m_saip_json_pe_dec(c, json_array_get(arr, i), &pe);
		asn_enc_rval_t er = {.encoded = -1};
		if (rc == M2M_OK)
			er = der_encode(&asn_DEF_ProfileElement, pe, NULL, NULL);
		if (rc == M2M_OK && er.encoded < 0) {
			rc = m2m_saip_json_fail(c, M2M_ERR_FORMAT, "cannot be DER-encoded (%s)",
						er.failed_type ? er.failed_type->name : "?");
			m2m_saip_pe_free(pe);
		} else if (rc == M2M_OK) {
			rc = m2m_saip_pkg_append(pkg, pe, offset, (size_t)er.encoded);
			offset += (size_t)er.encoded;
			if (rc != M2M_OK)
				m2m_saip_json_fail(c, rc, "out of memory");
		}
		m2m_saip_json_pop(c, mark);
	}
	return rc;
}

static const json_t *header_element(const json_t *arr)
{
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const json_t *type = json_object_get(json_array_get(arr, i), "type");
		if (json_is_string(type) && strcmp(json_string_value(type), "header") == 0)
			return json_object_get(json_array_get(arr, i), "header");
	}
	return NULL;
}

/* Top-level keys besides "elements" are the header copy: each must equal its original. */
static m2m_err header_agrees(m2m_saip_json_ctx *c, const json_t *root, const json_t *arr)
{
	const json_t *header = header_element(arr);
	const char *key;
	json_t *val;
	m2m_err rc = M2M_OK;
	json_object_foreach((json_t *)root, key, val) {
		if (strcmp(key, "elements") == 0)
			continue;
		const json_t *orig = json_object_get(header, key);
		if (orig != NULL && json_equal(orig, val))
			continue;
		size_t mark = m2m_saip_json_push_key(c, key);
		rc = m2m_saip_json_fail(c, M2M_ERR_FORMAT,
					orig != NULL ? "differs from the header element's"
						     : "not a field of the header element");
		m2m_saip_json_pop(c, mark);
		break;
	}
	return rc;
}

m2m_err m2m_saip_json_to_pkg(const json_t *root, m2m_saip_pkg *pkg, m2m_saip_json_error *err)
{
	m2m_saip_json_ctx c;
	m2m_saip_json_ctx_init(&c, err);
	const json_t *arr = json_object_get(root, "elements");
	if (!json_is_object(root))
		return m2m_saip_json_fail(&c, M2M_ERR_FORMAT, "expected a package object");
	if (!json_is_array(arr) || json_array_size(arr) == 0) {
		m2m_saip_json_push_key(&c, "elements");
		return m2m_saip_json_fail(&c, M2M_ERR_FORMAT, "expected a non-empty array");
	}
	m2m_saip_json_push_key(&c, "elements");
	m2m_err rc = elements_dec(&c, arr, pkg);
	m2m_saip_json_pop(&c, 0);
	if (rc == M2M_OK)
		rc = header_agrees(&c, root, arr);
	return rc;
}

m2m_err m2m_saip_json_parse_pkg(const char *text, size_t len, m2m_saip_pkg *pkg,
				m2m_saip_json_error *err)
{
	m2m_saip_json_ctx c;
	m2m_saip_json_ctx_init(&c, err);
	json_error_t je;
	json_t *root = json_loadb(text, len, M2M_SAIP_JSON_LOAD_FLAGS, &je);
	if (root == NULL)
		return m2m_saip_json_fail(&c, M2M_ERR_FORMAT, "JSON syntax: line %d column %d: %s",
					  je.line, je.column, je.text);
	m2m_err rc = m2m_saip_json_to_pkg(root, pkg, err);
	json_decref(root);
	return rc;
}
