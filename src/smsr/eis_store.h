/*
 * An EIS in the store (store/store.h): the eis row (indexed columns, CERT.ECASD.ECKA and the
 * whole EIS as a JSON document), one profile row per ProfileInfo and one keyset row per
 * ISD-R key set of usage SCP80, SCP81 or SCP03 (keys encrypted at rest by the store).
 * docs/eis.md "Store mapping".
 *
 * The document (eis.doc) is {"format": "m2mrsp-eis 1", "Eis": <the Eis element in the JSON
 * mirror of ws/json.h, without ProfileInfo and without key values>, "EumSignedInfoC14N": ...,
 * "EumSignatureC14N": ...}: everything the columns do not hold, and the signed part exactly as
 * signed, so an EIS read back still carries a verifiable EumSignature. The profile and keyset
 * rows are authoritative over the document.
 */
#ifndef M2M_SMSR_EIS_STORE_H
#define M2M_SMSR_EIS_STORE_H

#include "core/err.h"
#include "smsr/eis.h"
#include "store/store.h"
#include "ws/status.h"

#define M2M_EIS_DOC_FORMAT "m2mrsp-eis 1"

/* Inserts e (a new EIS: keys in clear, see eis_keys.h) with its profiles and key sets, in one
 * transaction (or in the caller's open one). M2M_ERR_STATE on a conflict, with st (optional):
 * 8.1.1/3.3 the EID is registered, 8.2.1/3.3 an ICCID belongs to another eUICC, 8.4/3.3 an
 * SCP81 PSK identity is in use; M2M_ERR_IO and 1.2/4.2 for a store failure; M2M_ERR_ARG for
 * an EIS with keys still wrapped. Nothing is written unless everything is. */
m2m_err m2m_eis_to_store(m2m_store *st, const m2m_eis *e, m2m_ws_exec_status *status);

/* Reads the EIS of eid (32 hex digits) into out (initialised by the caller): the document,
 * then the row's columns (memory, last audit, SM-SR id), the profile rows (those still in
 * creation left out) and the key set rows with their keys in clear (not wrapped).
 * M2M_END when the EID is unknown; M2M_ERR_FORMAT when the document cannot be read. */
m2m_err m2m_eis_from_store(m2m_store *st, const char *eid, m2m_eis *out);

/* The store's view of one part (used by the above; exposed for services that update). */
m2m_err m2m_eis_row(const m2m_eis *e, m2m_store_eis *row);
void m2m_eis_profile_row(const m2m_eis *e, const m2m_eis_profile *p, m2m_store_profile *row);
/* M2M_END when the key set is not of a usage the store holds (it then stays in the doc). */
m2m_err m2m_eis_keyset_row(const m2m_eis *e, const m2m_eis_keyset *ks, m2m_store_keyset *row);

#endif
