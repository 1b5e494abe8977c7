/* Internals shared by the ws sources: the message structure and libxml2 helpers. */
#ifndef M2M_WS_WS_INT_H
#define M2M_WS_WS_INT_H

#include <stdbool.h>

#include <libxml/tree.h>

#include "ws/msg.h"
#include "ws/ns.h"
#include "ws/status.h"
#include "ws/xsd_model.h"

/* Deepest element nesting accepted in a message (an EIS with its signature is about 12). */
#define M2M_WS_MAX_DEPTH 40
/* Most elements accepted in one message (bounds the work on a 1 MiB body). */
#define M2M_WS_MAX_NODES 100000

struct m2m_ws_msg {
	xmlDocPtr doc;
	xmlNodePtr body; /* the function element, inside doc */
	const m2m_ws_function *fn;
	m2m_ws_dir dir;
	m2m_ws_addressing wsa;
};

/* Wraps doc (taken over, freed on failure too) and its function element. */
m2m_err m2m_ws_msg_wrap(xmlDocPtr doc, xmlNodePtr body, const m2m_ws_function *fn,
			m2m_ws_dir dir, m2m_ws_msg **out);

bool m2m_ws_xml_is(const xmlNode *n, const char *ns, const char *local);
/* The namespace URI of a model namespace. */
const char *m2m_ws_ns_uri(m2m_ws_ns ns);
/* The model namespace of an element; false if it is in neither GSMA nor XML-DSig. */
bool m2m_ws_node_ns(const xmlNode *n, m2m_ws_ns *ns);
/* The schema type of an element of a message body (walks up to the function element). */
const m2m_ws_xsd_type *m2m_ws_node_type(const xmlNode *n);
/* Text of a simple element with white space trimmed into a heap string (free()). */
char *m2m_ws_text_trimmed(const xmlNode *n);

/* Parses XML text with the safety rules of docs/ws.md (no DTD, no network, no PIs, depth and
 * node limits); comments are removed and adjacent text merged. */
m2m_err m2m_ws_xml_read(const uint8_t *p, size_t n, xmlDocPtr *out, m2m_ws_error *why);

/* n bytes of UTF-8 are all XML 1.0 characters (no NUL, no C0 controls but tab/CR/LF, no
 * U+FFFE/U+FFFF); the JSON side may carry anything. */
bool m2m_ws_xml_text_ok(const char *s, size_t n);

/* The simple kind of an element's value (text kind for simple-content complex types). */
m2m_ws_xsd_kind m2m_ws_value_kind(const m2m_ws_xsd_type *t);

/* FunctionExecutionStatus under parent (a fault's env:Detail), and back. */
m2m_err m2m_ws_status_to_xml(xmlNodePtr parent, const m2m_ws_exec_status *st);
bool m2m_ws_status_from_xml(const xmlNode *fes, m2m_ws_exec_status *st);

/* base64 with OpenSSL's EVP coder; decoding ignores white space. */
m2m_err m2m_ws_base64_encode(const uint8_t *p, size_t n, char **out);
m2m_err m2m_ws_base64_decode(const char *s, m2m_buf *out);

#endif
