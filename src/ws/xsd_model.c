/* Look-ups in the generated schema model (xsd_model_gen.c). */
#include "ws/xsd_model.h"

#include <stdlib.h>
#include <string.h>

static int elem_cmp(const void *key, const void *e)
{
	return strcmp(key, ((const m2m_ws_xsd_elem *)e)->name);
}

const m2m_ws_xsd_type *m2m_ws_xsd_element(const char *name)
{
	if (!name)
		return NULL;
	const m2m_ws_xsd_elem *e = bsearch(name, m2m_ws_xsd_elements, m2m_ws_xsd_n_elements,
					   sizeof *e, elem_cmp);
	return e ? &m2m_ws_xsd_types[e->type] : NULL;
}

const m2m_ws_xsd_child *m2m_ws_xsd_child_find(const m2m_ws_xsd_type *t, m2m_ws_ns ns,
					      const char *name, size_t *pos)
{
	if (!t || !name)
		return NULL;
	for (size_t i = 0; i < t->n_children; i++) {
		const m2m_ws_xsd_child *c = &m2m_ws_xsd_children[t->first_child + i];
		if (c->ns == ns && strcmp(c->name, name) == 0) {
			if (pos)
				*pos = i;
			return c;
		}
	}
	return NULL;
}

const m2m_ws_xsd_type *m2m_ws_xsd_type_of(const m2m_ws_xsd_child *c)
{
	return c && c->type < m2m_ws_xsd_n_types ? &m2m_ws_xsd_types[c->type] : NULL;
}

const m2m_ws_xsd_attr *m2m_ws_xsd_attr_find(const m2m_ws_xsd_type *t, const char *name)
{
	if (!t || !name)
		return NULL;
	for (size_t i = 0; i < t->n_attrs; i++)
		if (strcmp(m2m_ws_xsd_attrs[t->first_attr + i].name, name) == 0)
			return &m2m_ws_xsd_attrs[t->first_attr + i];
	return NULL;
}
