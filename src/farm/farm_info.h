/*
 * A device as JSON (jansson): what `devices list/show` print and the control API's
 * GET /devices/{eid} returns. With keys, everything an SM-SR needs to register the eUICC
 * (its EIS): ISD-R key sets with key values and counters, the SCP81 PSK identity and key,
 * CERT.ECASD.ECKA. docs/devices.md "Device JSON".
 */
#ifndef M2M_FARM_INFO_H
#define M2M_FARM_INFO_H

#include <jansson.h>
#include <stdbool.h>

#include "euicc/euicc.h"

/* NULL on allocation failure. */
json_t *m2m_farm_info(const m2m_euicc *e, const char *msisdn, bool with_keys);
/* "enabled", "disabled", "personalized", "selectable", "installed" or "unknown". */
const char *m2m_farm_lcs_name(uint8_t lcs);

#endif
