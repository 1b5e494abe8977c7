/* SOAP 1.2 envelopes with WS-Addressing 1.0 (2005/08) headers: reading a received message
 * (request, notification, response or fault) and writing ours. Schema validation of the body is
 * a separate step (schema.h): a message that cannot be parsed or routed gets a SOAP fault, a
 * routed message that does not validate gets a FAILED status (docs/ws.md, "Errors"). */
#ifndef M2M_WS_SOAP_H
#define M2M_WS_SOAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "ws/msg.h"
#include "ws/status.h"

/* Parses an envelope. On success *out is either a function message (m2m_ws_msg_function is
 * set, routed by wsa:Action and checked against the body element) or a fault
 * (m2m_ws_msg_is_fault). Otherwise why says which fault to answer with: VersionMismatch (not
 * a SOAP 1.2 envelope), MustUnderstand (an unknown mandatory header), Sender with the
 * WS-Addressing subcodes MessageAddressingHeaderRequired, InvalidAddressingHeader
 * (InvalidCardinality, MissingAddressInEPR, ActionMismatch) and ActionNotSupported.
 * Required headers (the WSDL binding): Action, MessageID, To, From; RelatesTo in responses. */
m2m_err m2m_ws_soap_parse(const uint8_t *p, size_t n, m2m_ws_msg **out, m2m_ws_error *why);

/* The envelope of m: wsa:Action and wsa:MessageID must be set; To, From, ReplyTo and
 * RelatesTo are written when set. Action and To carry mustUnderstand="true". */
m2m_err m2m_ws_soap_write(const m2m_ws_msg *m, m2m_buf *out);
/* A fault envelope for e (e->fault != NONE) with a fresh MessageID, RelatesTo = relates_to
 * when given, and the WS-Addressing fault Action. */
m2m_err m2m_ws_soap_write_fault(const m2m_ws_error *e, const char *relates_to, m2m_buf *out);

/* The Content-Type header value for m: application/soap+xml with its action parameter. */
m2m_err m2m_ws_soap_content_type(const char *action, char *out, size_t cap);

#endif
