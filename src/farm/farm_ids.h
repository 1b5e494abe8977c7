/*
 * Identifiers of the farm's devices, numbered from a first value: EIDs (32 decimal digits
 * whose last two are the ISO 7064 MOD 97-10 check digits of GSMA SGP.29), MSISDNs and
 * ICCIDs (19 digits plus the Luhn check digit). docs/devices.md "Identifiers".
 */
#ifndef M2M_FARM_IDS_H
#define M2M_FARM_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define M2M_FARM_EID_DIGITS 32
#define M2M_FARM_MSISDN_MAX 15   /* E.164 */
#define M2M_FARM_ICCID_BASE_DIGITS 19

/* True if s is 1..max decimal digits. */
bool m2m_farm_digits(const char *s, size_t min, size_t max);
/* out = base + add in decimal with the same number of digits (cap >= strlen(base)+1);
 * M2M_ERR_BOUNDS when the sum needs more digits, M2M_ERR_ARG when base is not digits. */
m2m_err m2m_farm_digits_add(const char *base, uint64_t add, char *out, size_t cap);
/* The two check digits of a 30-digit EID prefix (98 - prefix*100 mod 97, SGP.29). */
m2m_err m2m_farm_eid_check(const char *prefix30, char check[3]);
/* True if the 32 digits satisfy the check (the whole number mod 97 is 1). */
bool m2m_farm_eid_valid(const char *digits32);
/* EID number i: the first 30 digits of first plus i, then fresh check digits; first's own
 * check digits are ignored. eid gets the 16 bytes (two digits per byte, as GET DATA 5A). */
m2m_err m2m_farm_eid_at(const char *first, uint64_t i, uint8_t eid[16]);
/* ICCID number i: base (19 digits) plus i and its Luhn digit (20 digits + NUL in out). */
m2m_err m2m_farm_iccid_at(const char *base19, uint64_t i, char out[21]);
/* The ICCID digits of a 10-byte ICCID as the eUICC stores it (plain BCD, F padding). */
void m2m_farm_iccid_digits(const uint8_t iccid[10], char out[21]);

#endif
