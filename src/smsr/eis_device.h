/*
 * An EIS from a device of the device farm, as `m2mrsp devices list --json` prints it (one
 * JSON object per line, docs/devices.md "Device JSON"): what the EUM knows of the eUICCs it
 * made, for `m2mrsp eis make`. docs/eis.md "eis make" lists the mapping and the fixed values.
 */
#ifndef M2M_SMSR_EIS_DEVICE_H
#define M2M_SMSR_EIS_DEVICE_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#include "core/err.h"
#include "smsr/eis.h"

/* Test identifiers (the private-enterprise arc 1.3.6.1.4.1.99999 of the ws test data). */
#define M2M_EIS_DEFAULT_EUM_ID "1.3.6.1.4.1.99999.10"
#define M2M_EIS_DEFAULT_SMSR_ID "1.3.6.1.4.1.99999.2"
#define M2M_EIS_DEFAULT_MNO_ID "1.3.6.1.4.1.99999.1"
/* The key set version of CERT.ECASD.ECKA in the ECASD [M]. */
#define M2M_EIS_ECASD_KVN 0x73

typedef struct {
	const char *eum_id;       /* Eum-id, and CaId of CERT.ECASD.ECKA */
	const char *smsr_id;
	const char *mno_id;       /* Mno-id of the profiles the eUICCs ship with */
	const char *profile_type; /* NULL = left out */
	time_t production;        /* ProductionDate */
} m2m_eis_device_opts;

/* Fills e (initialised by the caller) from one device object. Keys stay in clear (wrapped
 * false): m2m_eis_build wraps them under the transport key. M2M_ERR_FORMAT with why when a
 * field is missing or wrong (for instance key values absent: `devices list --json` prints
 * them, `devices show` too). */
m2m_err m2m_eis_from_device(const json_t *dev, const m2m_eis_device_opts *o, m2m_eis *e,
			    char *why, size_t cap);

#endif
