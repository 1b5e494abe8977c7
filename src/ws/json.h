/* The JSON mirror of the SOAP binding (docs/ws.md, "JSON mirror"): the same function elements
 * as JSON objects, so one handler serves both. The mapping is fixed by the XSD:
 *
 *   element with text          "Name": "text"            (every value is a JSON string)
 *   element with children      "Name": { children... }   (keys in any order; XML gets schema order)
 *   maxOccurs > 1 in the XSD   "Name": [ ... ]           (always an array, even of one)
 *   attribute                  "@name": "value"
 *   text next to attributes    "#text": "value"
 *   XML-DSig element           "ds:Name": ...
 *
 * A message is {"Header": {"Action", "MessageID", "RelatesTo", "To", "From", "ReplyTo"},
 * "Body": {"<function element>": {...}}}; a fault is {"Header": {...}, "Fault": {"Code",
 * "Subcode": [...], "Reason", "Detail"}}. */
#ifndef M2M_WS_JSON_H
#define M2M_WS_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/err.h"
#include "ws/msg.h"
#include "ws/status.h"

/* Parses a JSON message. Header.Action may be left out (the body element names the function);
 * MessageID is required, RelatesTo too in responses. On a fault-worthy error (not JSON, no
 * Body, unknown function, Action mismatch) *out stays NULL and why->fault says which. When the
 * function is known but the body does not map to its schema (unknown member, wrong JSON type),
 * the result is M2M_ERR_FORMAT with why->fault NONE and a FAILED status, and *out is still set
 * (so the caller can answer with the function's response element); free it either way. */
m2m_err m2m_ws_json_parse(const uint8_t *p, size_t n, m2m_ws_msg **out, m2m_ws_error *why);

/* The JSON text of m (a function message or a fault), compact, keys in a fixed order. */
m2m_err m2m_ws_json_write(const m2m_ws_msg *m, m2m_buf *out);
/* A fault message for e (e->fault != NONE) with a fresh MessageID and RelatesTo. */
m2m_err m2m_ws_json_write_fault(const m2m_ws_error *e, const char *relates_to, m2m_buf *out);

/* The mapping alone: an element of a message as {"Name": value}, and the function element
 * built from such an object into a new message. msg (errors) gets a path and a reason. */
m2m_err m2m_ws_json_from_node(const m2m_ws_node *n, json_t **out, char *msg, size_t cap);
m2m_err m2m_ws_json_to_msg(const json_t *body, m2m_ws_msg **out, char *msg, size_t cap);

/* jansson flags for message parsing. */
#define M2M_WS_JSON_LOAD_FLAGS JSON_REJECT_DUPLICATES

#endif
