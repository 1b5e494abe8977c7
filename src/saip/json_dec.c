/* JSON -> asn1c structure, the inverse of json_enc.c. Every allocation is linked into the
 * structure before it is filled, so freeing the top structure releases everything, also
 * after an error half-way. */
#include <stdlib.h>
#include <string.h>

#include "constr_SET_OF.h"
#include "saip/json_int.h"

/* Storage for a member's value: inline in the parent, or allocated and linked. */
static m2m_err member_storage(m2m_saip_json_ctx *c, const asn_TYPE_member_t *m, void *sptr,
			      void **vptr)
{
	char *p = (char *)sptr + m->memb_offset;
	if (!(m->flags & ATF_POINTER)) {
		*vptr = p;
		return M2M_OK;
	}
	size_t size = m2m_saip_json_struct_size(m->type);
	if (size == 0)
		return m2m_saip_json_fail(c, M2M_ERR_UNSUPPORTED, "type %s not supported",
					  m->type->name);
	*vptr = calloc(1, size);
	if (*vptr == NULL)
		return m2m_saip_json_fail(c, M2M_ERR_NOMEM, "out of memory");
	memcpy(p, vptr, sizeof *vptr);
	return M2M_OK;
}

static m2m_err dec_member(m2m_saip_json_ctx *c, asn_TYPE_descriptor_t *parent,
			  const asn_TYPE_member_t *m, const json_t *v, void *sptr)
{
	void *vptr = NULL;
	m2m_err rc = member_storage(c, m, sptr, &vptr);
	if (rc != M2M_OK)
		return rc;
	if (m2m_saip_json_is_iccid(parent, m) &&
	    m2m_saip_json_kind_of(m->type) == M2M_SAIP_JSON_K_OCTETS) {
		rc = m2m_saip_json_iccid_dec(c, v, vptr);
		if (rc == M2M_OK)
			rc = m2m_saip_json_check(c, m, m->type, vptr);
		return rc;
	}
	return m2m_saip_json_dec(c, m->type, m, v, vptr);
}

static int member_index(const asn_TYPE_descriptor_t *td, const char *name)
{
	for (int i = 0; i < td->elements_count; i++) {
		if (strcmp(td->elements[i].name, name) == 0)
			return i;
	}
	return -1;
}

/* Every key must name a member: a misspelt OPTIONAL would otherwise vanish silently. */
static m2m_err check_keys(m2m_saip_json_ctx *c, const asn_TYPE_descriptor_t *td, const json_t *v)
{
	const char *key;
	json_t *val;
	m2m_err rc = M2M_OK;
	json_object_foreach((json_t *)v, key, val) {
		if (member_index(td, key) < 0) {
			size_t mark = m2m_saip_json_push_key(c, key);
			rc = m2m_saip_json_fail(c, M2M_ERR_FORMAT, "unknown member of %s", td->name);
			m2m_saip_json_pop(c, mark);
			break;
		}
	}
	return rc;
}

static m2m_err dec_sequence(m2m_saip_json_ctx *c, asn_TYPE_descriptor_t *td, const json_t *v,
			    void *sptr)
{
	if (!json_is_object(v))
		return m2m_saip_json_fail(c, M2M_ERR_FORMAT, "expected an object (%s)", td->name);
	m2m_err rc = check_keys(c, td, v);
	for (int i = 0; rc == M2M_OK && i < td->elements_count; i++) {
		const asn_TYPE_member_t *m = &td->elements[i];
		const json_t *mv = json_object_get(v, m->name);
		size_t mark = m2m_saip_json_push_key(c, m->name);
		if (mv == NULL && m->optional == 0)
			rc = m2m_saip_json_fail(c, M2M_ERR_FORMAT, "missing mandatory member of %s",
						td->name);
		else if (mv != NULL)
			rc = dec_member(c, td, m, mv, sptr);
		m2m_saip_json_pop(c, mark);
	}
	return rc;
}

m2m_err m2m_saip_json_dec_choice_alt(m2m_saip_json_ctx *c, asn_TYPE_descriptor_t *td, int idx,
				     const json_t *v, void *sptr)
{
	const asn_TYPE_member_t *m = &td->elements[idx];
	size_t mark = m2m_saip_json_push_key(c, m->name);
	m2m_saip_json_choice_set(td, sptr, idx + 1);
	m2m_err rc = dec_member(c, td, m, v, sptr);
	m2m_saip_json_pop(c, mark);
	return rc;
}

static m2m_err dec_choice(m2m_saip_json_ctx *c, asn_TYPE_descriptor_t *td, const json_t *v,
			  void *sptr)
{
	if (!json_is_object(v) || json_object_size(v) != 1)
		return m2m_saip_json_fail(c, M2M_ERR_FORMAT,
					  "expected an object with one alternative of %s", td->name);
	const char *key = json_object_iter_key(json_object_iter((json_t *)v));
	int idx = member_index(td, key);
	if (idx < 0) {
		size_t mark = m2m_saip_json_push_key(c, key);
		m2m_err rc = m2m_saip_json_fail(c, M2M_ERR_FORMAT, "unknown alternative of %s",
						td->name);
		m2m_saip_json_pop(c, mark);
		return rc;
	}
	return m2m_saip_json_dec_choice_alt(c, td, idx, json_object_get(v, key), sptr);
}

/* One list entry: allocated, added to the list, then filled. */
static m2m_err dec_entry(m2m_saip_json_ctx *c, const asn_TYPE_member_t *em, const json_t *v,
			 void *sptr)
{
	size_t size = m2m_saip_json_struct_size(em->type);
	void *e = size > 0 ? calloc(1, size) : NULL;
	if (size == 0)
		return m2m_saip_json_fail(c, M2M_ERR_UNSUPPORTED, "type %s not supported",
					  em->type->name);
	if (e == NULL)
		return m2m_saip_json_fail(c, M2M_ERR_NOMEM, "out of memory");
	if (asn_set_add(sptr, e) != 0) {
		free(e);
		return m2m_saip_json_fail(c, M2M_ERR_NOMEM, "out of memory");
	}
	return m2m_saip_json_dec(c, em->type, em, v, e);
}

static m2m_err dec_list(m2m_saip_json_ctx *c, asn_TYPE_descriptor_t *td, const json_t *v,
			void *sptr)
{
	if (!json_is_array(v))
		return m2m_saip_json_fail(c, M2M_ERR_FORMAT, "expected an array (%s)", td->name);
	if (!(td->elements[0].flags & ATF_POINTER))
		return m2m_saip_json_fail(c, M2M_ERR_UNSUPPORTED, "list %s not supported", td->name);
	m2m_err rc = M2M_OK;
	for (size_t i = 0; rc == M2M_OK && i < json_array_size(v); i++) {
		size_t mark = m2m_saip_json_push_index(c, i);
		rc = dec_entry(c, &td->elements[0], json_array_get(v, i), sptr);
		m2m_saip_json_pop(c, mark);
	}
	return rc;
}

m2m_err m2m_saip_json_dec(m2m_saip_json_ctx *c, asn_TYPE_descriptor_t *td,
			  const asn_TYPE_member_t *member, const json_t *v, void *sptr)
{
	m2m_saip_json_kind k = m2m_saip_json_kind_of(td);
	switch (k) {
	case M2M_SAIP_JSON_K_SEQUENCE:
		return dec_sequence(c, td, v, sptr);
	case M2M_SAIP_JSON_K_CHOICE:
		return dec_choice(c, td, v, sptr);
	case M2M_SAIP_JSON_K_LIST:
		return dec_list(c, td, v, sptr);
	default:
		break;
	}
	/* Primitives are checked here, where the path is exact; SIZE constraints on lists are
	 * left to the whole-element check. */
	m2m_err rc = m2m_saip_json_dec_prim(c, k, td, v, sptr);
	if (rc == M2M_OK)
		rc = m2m_saip_json_check(c, member, td, sptr);
	return rc;
}
