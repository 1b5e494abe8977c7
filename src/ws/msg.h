/* One ES message: a function's body element (request, notification or response) with its
 * WS-Addressing header fields. Parsed messages (soap.h, json.h) and built ones share this type,
 * so one handler serves SOAP and JSON. Read children by local-name path; build children by name
 * (they are put in schema order). Element names are the XSD's; "ds:Name" names an XML-DSig
 * element (inside Eis/EumSignature). docs/ws.md has examples. */
#ifndef M2M_WS_MSG_H
#define M2M_WS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/buf.h"
#include "core/err.h"
#include "ws/functions.h"
#include "ws/status.h"

typedef struct m2m_ws_msg m2m_ws_msg;
/* An element of a message (libxml2's node, kept opaque). Valid while its message lives. */
typedef struct _xmlNode m2m_ws_node;

/* WS-Addressing 1.0 message addressing properties; NULL = absent. ReplyTo and From are the
 * Address of the endpoint reference. */
typedef struct {
	char *message_id;
	char *relates_to;
	char *action;
	char *to;
	char *from;
	char *reply_to;
} m2m_ws_addressing;

typedef enum {
	M2M_WS_WSA_MESSAGE_ID,
	M2M_WS_WSA_RELATES_TO,
	M2M_WS_WSA_ACTION,
	M2M_WS_WSA_TO,
	M2M_WS_WSA_FROM,
	M2M_WS_WSA_REPLY_TO,
} m2m_ws_wsa_field;

void m2m_ws_msg_free(m2m_ws_msg *m);

const m2m_ws_function *m2m_ws_msg_function(const m2m_ws_msg *m);
m2m_ws_dir m2m_ws_msg_dir(const m2m_ws_msg *m);
const m2m_ws_addressing *m2m_ws_msg_wsa(const m2m_ws_msg *m);
/* value NULL removes the field. */
m2m_err m2m_ws_msg_set_wsa(m2m_ws_msg *m, m2m_ws_wsa_field f, const char *value);
/* A fresh "urn:uuid:..." (random, RFC 4122 version 4) into out (at least 46 bytes). */
m2m_err m2m_ws_new_message_id(char *out, size_t cap);
#define M2M_WS_MESSAGE_ID_SIZE 46

/* True for a received fault (SOAP env:Fault or JSON "Fault"); m2m_ws_msg_fault decodes it:
 * code, subcodes ("wsa:ActionNotSupported ..."), reason text, detail. */
bool m2m_ws_msg_is_fault(const m2m_ws_msg *m);
m2m_err m2m_ws_msg_fault(const m2m_ws_msg *m, m2m_ws_error *fault);

/* The body element: the function's Request/Response/Notification element. */
const m2m_ws_node *m2m_ws_msg_body(const m2m_ws_msg *m);
m2m_ws_node *m2m_ws_msg_body_mut(m2m_ws_msg *m);

/* Common request fields (BaseRequestType); NULL / M2M_END when absent (notifications). */
const char *m2m_ws_msg_function_call_id(const m2m_ws_msg *m);
m2m_err m2m_ws_msg_validity_period(const m2m_ws_msg *m, uint64_t *seconds);
/* FunctionExecutionStatus of a response. */
m2m_err m2m_ws_msg_status(const m2m_ws_msg *m, m2m_ws_exec_status *st);

/* --- Reading: paths are local names separated by '/', e.g. "Eis/EumSignedInfo/Eid". ------ */

/* The first element matching path under n (n itself for "" ); NULL when absent. */
const m2m_ws_node *m2m_ws_find(const m2m_ws_node *n, const char *path);
/* The index-th match of path's last step (0-based); NULL past the end. */
const m2m_ws_node *m2m_ws_find_nth(const m2m_ws_node *n, const char *path, size_t index);
size_t m2m_ws_count(const m2m_ws_node *n, const char *path);
/* The next sibling element with the same name and namespace, for repeated elements. */
const m2m_ws_node *m2m_ws_next_same(const m2m_ws_node *n);
/* First child element / next sibling element, in document order. */
const m2m_ws_node *m2m_ws_first_child(const m2m_ws_node *n);
const m2m_ws_node *m2m_ws_next(const m2m_ws_node *n);
/* Local name; "ds:Name" form is not used here: see m2m_ws_node_is_ds. */
const char *m2m_ws_node_name(const m2m_ws_node *n);
bool m2m_ws_node_is_ds(const m2m_ws_node *n);
/* Text of a simple element ("" when empty); NULL when it has element children. */
const char *m2m_ws_node_text(const m2m_ws_node *n);
const char *m2m_ws_node_attr(const m2m_ws_node *n, const char *name);

/* Values. M2M_END: the element is absent; M2M_ERR_FORMAT: its text is not of the type.
 * Leading and trailing XML white space is ignored (XSD whiteSpace collapse). */
m2m_err m2m_ws_get_text(const m2m_ws_node *n, const char *path, const char **out);
/* hexBinary or base64Binary, decided by the schema type of the element (xsd_model.h); other
 * types are refused with M2M_ERR_FORMAT. Appends to out. */
m2m_err m2m_ws_get_bytes(const m2m_ws_node *n, const char *path, m2m_buf *out);
m2m_err m2m_ws_get_bool(const m2m_ws_node *n, const char *path, bool *out);
m2m_err m2m_ws_get_uint(const m2m_ws_node *n, const char *path, uint64_t *out);
m2m_err m2m_ws_get_int(const m2m_ws_node *n, const char *path, int64_t *out);
/* xs:dateTime with a time zone (Z or +hh:mm) to a UTC time_t. */
m2m_err m2m_ws_get_time(const m2m_ws_node *n, const char *path, time_t *out);

/* --- Building ---------------------------------------------------------------------------- */

/* A request (BaseRequestType: FunctionCallIdentifier, ValidityPeriod if validity_s > 0) or a
 * notification (function_call_id must be NULL) of fn, with an empty body otherwise. */
m2m_err m2m_ws_request_new(m2m_ws_fn fn, const char *function_call_id, uint64_t validity_s,
			   m2m_ws_msg **out);
/* The response element of fn with FunctionExecutionStatus st (NULL = EXECUTED_SUCCESS). */
m2m_err m2m_ws_response_new(m2m_ws_fn fn, const m2m_ws_exec_status *st, m2m_ws_msg **out);
/* Replaces the FunctionExecutionStatus of a response. */
m2m_err m2m_ws_response_set_status(m2m_ws_msg *m, const m2m_ws_exec_status *st);
/* ProcessingStart/End (0 = leave out) and AcceptableValidityPeriod (0 = leave out). */
m2m_err m2m_ws_response_set_times(m2m_ws_msg *m, time_t start, time_t end);
m2m_err m2m_ws_response_set_acceptable_validity(m2m_ws_msg *m, uint64_t seconds);

/* Adds a child element `name` under parent (NULL = the body element) at its place in schema
 * order (after existing siblings of the same name). text NULL = an element for children.
 * *child (optional) gets the new element. */
m2m_err m2m_ws_add(m2m_ws_msg *m, m2m_ws_node *parent, const char *name, const char *text,
		   m2m_ws_node **child);
/* Encoded as the schema type of the element says (hexBinary: upper case; base64Binary). */
m2m_err m2m_ws_add_bytes(m2m_ws_msg *m, m2m_ws_node *parent, const char *name,
			 const uint8_t *p, size_t n, m2m_ws_node **child);
m2m_err m2m_ws_add_uint(m2m_ws_msg *m, m2m_ws_node *parent, const char *name, uint64_t v,
			m2m_ws_node **child);
m2m_err m2m_ws_add_bool(m2m_ws_msg *m, m2m_ws_node *parent, const char *name, bool v,
			m2m_ws_node **child);
/* xs:dateTime in UTC: "2024-05-01T12:00:00Z". */
m2m_err m2m_ws_add_time(m2m_ws_msg *m, m2m_ws_node *parent, const char *name, time_t t,
			m2m_ws_node **child);
/* A deep copy of src (from any message) as a child of parent, e.g. an Eis received. */
m2m_err m2m_ws_add_copy(m2m_ws_msg *m, m2m_ws_node *parent, const m2m_ws_node *src,
			m2m_ws_node **child);
m2m_err m2m_ws_set_attr(m2m_ws_msg *m, m2m_ws_node *n, const char *name, const char *value);

/* xs:dateTime text of t in UTC into out (at least 21 bytes). */
void m2m_ws_format_time(time_t t, char *out, size_t cap);

#endif
