/*
 * Checks a decoded SAIP package against the rules of docs/saip-personalise.md ("Validation"):
 * element order, unique identification numbers, mandatory services and AIDs, the ICCID, key
 * lengths and file sizes. Each finding names the element, its type and the rule.
 */
#ifndef M2M_SAIP_VALIDATE_H
#define M2M_SAIP_VALIDATE_H

#include <stddef.h>

#include "saip/saip.h"

#define M2M_SAIP_PACKAGE ((size_t)-1) /* a finding about the whole package */

typedef struct {
	size_t index;     /* 0-based element, or M2M_SAIP_PACKAGE */
	char type[32];    /* the element's CHOICE name, "" for the package */
	const char *rule; /* "order", "identification", "services", "aid", "iccid", "key-length",
			     "file-size" */
	char msg[200];
} m2m_saip_finding;

typedef void (*m2m_saip_report_fn)(void *ctx, const m2m_saip_finding *f);

/* Runs every rule; report (may be NULL) gets each finding in package order per rule.
 * Returns the number of findings: 0 means the package is valid. */
size_t m2m_saip_validate(const m2m_saip_pkg *pkg, m2m_saip_report_fn report, void *ctx);

#endif
