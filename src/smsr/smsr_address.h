/* ES5 UpdateSMSRAddressingParameters after an SM-SR change (docs/smsr-change.md "The SM-SR's
 * address on the card"): the new SM-SR puts its own SMS address (`[smsr] sms_address`) into
 * the ISD-R's SM-SR addressing parameters (STORE DATA 3A07 {A3 {81 address}}), so the eUICC's
 * notifications and MO traffic go to it. Loop thread only. */
#ifndef M2M_SMSR_SMSR_ADDRESS_H
#define M2M_SMSR_SMSR_ADDRESS_H

#include <stdbool.h>

#include "core/buf.h"
#include "smsr/es5_cmd.h"
#include "smsr/smsr_int.h"

/* The job kind; its payload's `data` holds the A3 value in hex. */
#define SMSR_KIND_ADDRESS "smsr_address"

/* The value of A3 for an address as `[smsr] sms_address` holds it ("+" then digits:
 * international, TON/NPI 91; digits alone: TON unknown, NPI E.164, 81 [M]): `81 L {digit
 * count, TON/NPI, swapped BCD}` (sgp02-facts-2 2c [S whty, weak]). M2M_ERR_ARG for anything
 * else (empty, other characters, more than 20 digits). */
m2m_err smsr_address_a3(const char *address, m2m_buf *out);
/* Queues the smsr_address job for eid (inside the caller's transaction) when an address is
 * configured; nothing otherwise. */
m2m_err smsr_address_queue(smsr *s, const char *eid);
bool smsr_address_kind(const char *kind);
/* The STORE DATA 3A07 of an smsr_address job. */
m2m_err smsr_address_build(const smsr_slot *sl, m2m_es5_cmd *c);

#endif
