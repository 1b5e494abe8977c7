/* Identifiers of a fleet run. The batch id names one batch (by default the first 8 bytes of
 * SHA-256 over the input file, in hex); the FunctionCallIdentifier of a row is derived from
 * the batch, the operation step, the row's EID and ICCID and the step's parameter, so a re-run
 * sends the same identifier and the SM-SR answers a retried call from its record:
 *   <batch>-<step>-<hex of the first 16 bytes of SHA-256(
 *       "m2mrsp-fleet" 00 step 00 EID 00 ICCID 00 parameter 00 batch)>
 * EID and ICCID upper case; parameter the Target-Smsr-id (smsr-change), the CurrentSMSRid
 * (prepare-smsr-change), else empty. */
#ifndef M2M_CLI_FLEET_IDS_H
#define M2M_CLI_FLEET_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define M2M_FLEET_BATCH_MAX 40
#define M2M_FLEET_FCI_MAX 128

/* [A-Za-z0-9._:]{1,40}: no '-', which separates the parts of an identifier. */
bool m2m_fleet_batch_valid(const char *batch);
/* 16 lower-case hex digits of SHA-256(bytes). out: at least 17 bytes. */
m2m_err m2m_fleet_batch_of(const uint8_t *p, size_t n, char *out, size_t cap);
m2m_err m2m_fleet_fci(const char *batch, const char *step, const char *eid, const char *iccid,
		      const char *param, char *out, size_t cap);
/* Splits an identifier of that form: batch and step; M2M_ERR_FORMAT when it is not one. */
m2m_err m2m_fleet_fci_parse(const char *fci, char *batch, size_t bcap, char *step,
			    size_t scap);

#endif
