/*
 * The Eis element (EISType of the GSMA v3 schema) <-> m2m_eis. The element must sit in a
 * message (ws/msg.h): the typed getters and the builder take the element types from the
 * function element around it. docs/eis.md has the mapping and the refusals.
 */
#ifndef M2M_SMSR_EIS_XML_H
#define M2M_SMSR_EIS_XML_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "smsr/eis.h"
#include "ws/msg.h"
#include "ws/status.h"

/* Parses an Eis element into e (initialised by the caller; cleared on failure). Checks what
 * the schema cannot: EID of 16 bytes, key set versions unique per security domain, one key
 * component per key, unique ISD-P AIDs and ICCIDs, at most one Enabled and one fall-back
 * profile, no secret key in the ECASD. Key values are kept as on the wire (wrapped: see
 * eis_keys.h). The exclusive canonical forms of EumSignedInfo and EumSignature are kept in
 * e->signed_info and e->signature (the signature is not verified here: eis_dsig.h).
 * On a refusal: M2M_ERR_FORMAT (M2M_ERR_UNSUPPORTED for a valid but unsupported EIS) and
 * st (optional) gets FAILED with the subject of the element (Eid 8.1.1, Iccid 8.2.1,
 * Isd-p-aid 8.3.1, Isd-r 8.4, Ecasd 8.5.2, else EIS 8.6), reason 2.1 and a message naming the
 * element. */
m2m_err m2m_eis_parse(const m2m_ws_node *eis, m2m_eis *e, m2m_ws_exec_status *st);

/* Adds an Eis element for e under parent (NULL = the message's body element); *out
 * (optional) gets it. Key values: a wrapped key is written as it is; a clear key is wrapped
 * under transport_key (AES, 16/24/32 bytes) with its KCV, or left out when transport_key is
 * NULL (GetEIS, hand-over: the key sets stay with their versions and counters). The
 * EumSignedInfo and EumSignature come from e->signed_info / e->signature when present, else
 * EumSignedInfo is built from the fields and EumSignature is left out (the element is then
 * not valid until m2m_eis_sign adds it). */
m2m_err m2m_eis_build(m2m_ws_msg *m, m2m_ws_node *parent, const m2m_eis *e,
		      const uint8_t *transport_key, size_t transport_key_len, m2m_ws_node **out);

/* Only the EumSignedInfo element from the fields of e (for signing). */
m2m_err m2m_eis_build_signed_info(m2m_ws_msg *m, m2m_ws_node *eis, const m2m_eis *e,
				  m2m_ws_node **out);

#endif
