/* The validation rules, one function per concern (validate_*.c). */
#ifndef M2M_SAIP_VALIDATE_INT_H
#define M2M_SAIP_VALIDATE_INT_H

#include "PEHeader.h"
#include "saip/validate.h"

typedef struct {
	const m2m_saip_pkg *pkg;
	m2m_saip_report_fn report;
	void *ctx;
	size_t count;
} m2m_saip_vctx;

void m2m_saip_vreport(m2m_saip_vctx *v, size_t index, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The PEHeader of an element, NULL for the header element and types without one. */
const PEHeader_t *m2m_saip_pe_header(const ProfileElement_t *pe);

void m2m_saip_vrule_order(m2m_saip_vctx *v);
void m2m_saip_vrule_identification(m2m_saip_vctx *v);
void m2m_saip_vrule_services(m2m_saip_vctx *v);
void m2m_saip_vrule_aids(m2m_saip_vctx *v);
void m2m_saip_vrule_iccid(m2m_saip_vctx *v);
void m2m_saip_vrule_keys(m2m_saip_vctx *v);
void m2m_saip_vrule_file_sizes(m2m_saip_vctx *v);

#endif
