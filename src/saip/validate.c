/* m2m_saip_validate: runs the rules; element order and identification numbers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "saip/validate_int.h"

void m2m_saip_vreport(m2m_saip_vctx *v, size_t index, const char *rule, const char *fmt, ...)
{
	m2m_saip_finding f;
	va_list ap;

	memset(&f, 0, sizeof(f));
	f.index = index;
	f.rule = rule;
	if (index < v->pkg->count)
		snprintf(f.type, sizeof(f.type), "%s", m2m_saip_pe_type(v->pkg->el[index].pe));
	va_start(ap, fmt);
	vsnprintf(f.msg, sizeof(f.msg), fmt, ap);
	va_end(ap);
	v->count++;
	if (v->report != NULL)
		v->report(v->ctx, &f);
}

const PEHeader_t *m2m_saip_pe_header(const ProfileElement_t *pe)
{
	const asn_TYPE_member_t *m;
	const asn_TYPE_descriptor_t *td;

	if (pe == NULL || pe->present <= ProfileElement_PR_NOTHING ||
	    (int)pe->present > (int)asn_DEF_ProfileElement.elements_count)
		return NULL;
	/* Every PE type but the header starts with its PEHeader; found through the asn1c
	 * descriptors so that no type is forgotten. */
	m = &asn_DEF_ProfileElement.elements[pe->present - 1];
	td = m->type;
	if (m->flags & ATF_POINTER || td->elements_count == 0 ||
	    td->elements[0].type != &asn_DEF_PEHeader || td->elements[0].flags & ATF_POINTER)
		return NULL;
	return (const PEHeader_t *)(const void *)((const char *)pe + m->memb_offset +
						  td->elements[0].memb_offset);
}

static size_t count_type(const m2m_saip_pkg *pkg, ProfileElement_PR t)
{
	size_t n = 0;

	for (size_t i = 0; i < pkg->count; i++)
		n += pkg->el[i].pe != NULL && pkg->el[i].pe->present == t;
	return n;
}

void m2m_saip_vrule_order(m2m_saip_vctx *v)
{
	const m2m_saip_pkg *pkg = v->pkg;

	if (pkg->count == 0) {
		m2m_saip_vreport(v, M2M_SAIP_PACKAGE, "order", "the package has no element");
		return;
	}
	if (pkg->el[0].pe->present != ProfileElement_PR_header)
		m2m_saip_vreport(v, 0, "order", "the first element must be the header");
	if (count_type(pkg, ProfileElement_PR_header) > 1)
		m2m_saip_vreport(v, M2M_SAIP_PACKAGE, "order", "more than one header element");
	if (pkg->el[pkg->count - 1].pe->present != ProfileElement_PR_end)
		m2m_saip_vreport(v, pkg->count - 1, "order", "the last element must be the end");
	if (count_type(pkg, ProfileElement_PR_end) > 1)
		m2m_saip_vreport(v, M2M_SAIP_PACKAGE, "order", "more than one end element");
}

void m2m_saip_vrule_identification(m2m_saip_vctx *v)
{
	const m2m_saip_pkg *pkg = v->pkg;

	/* Quadratic, but packages hold tens of elements. */
	for (size_t i = 0; i < pkg->count; i++) {
		const PEHeader_t *hi = m2m_saip_pe_header(pkg->el[i].pe);

		if (hi == NULL)
			continue;
		for (size_t j = 0; j < i; j++) {
			const PEHeader_t *hj = m2m_saip_pe_header(pkg->el[j].pe);

			if (hj != NULL && hj->identification == hi->identification) {
				m2m_saip_vreport(v, i, "identification",
						 "identification %ld is already used by element %zu",
						 hi->identification, j);
				break;
			}
		}
	}
}

size_t m2m_saip_validate(const m2m_saip_pkg *pkg, m2m_saip_report_fn report, void *ctx)
{
	m2m_saip_vctx v = {.pkg = pkg, .report = report, .ctx = ctx, .count = 0};

	for (size_t i = 0; i < pkg->count; i++)
		if (pkg->el[i].pe == NULL) {
			m2m_saip_vreport(&v, i, "order", "element not decoded");
			return v.count;
		}
	m2m_saip_vrule_order(&v);
	m2m_saip_vrule_identification(&v);
	m2m_saip_vrule_iccid(&v);
	m2m_saip_vrule_services(&v);
	m2m_saip_vrule_aids(&v);
	m2m_saip_vrule_keys(&v);
	m2m_saip_vrule_file_sizes(&v);
	return v.count;
}
