/* libxml2 set-up and XML Schema validation of message bodies against the GSMA XSD
 * (data/wsdl/xsd/messages.xsd: the ES1-ES4 and ES7 function elements of the v3 namespace).
 *
 * Threads: call m2m_ws_init() once before any thread uses the ws layer. A loaded schema is
 * read-only: any number of threads may validate with one m2m_ws_schema at the same time (each
 * validation has its own libxml2 validation context). Free it when no thread uses it. */
#ifndef M2M_WS_SCHEMA_H
#define M2M_WS_SCHEMA_H

#include <stddef.h>

#include "core/err.h"
#include "ws/msg.h"
#include "ws/status.h"

/* The schema entry point below the data directory. */
#define M2M_WS_SCHEMA_FILE "xsd/messages.xsd"
/* Environment variable naming the data directory (the copy of the WSDL/XSD set). */
#define M2M_WS_DIR_ENV "M2MRSP_WSDL_DIR"

typedef struct m2m_ws_schema m2m_ws_schema;

/* Initialises libxml2 and refuses every external entity that is not a local file (no network
 * fetch ever). Idempotent and thread-safe; m2m_ws_cleanup() at process exit is optional. */
m2m_err m2m_ws_init(void);
void m2m_ws_cleanup(void);

/* Finds the data directory: dir if given, else $M2MRSP_WSDL_DIR, else M2MRSP_WSDL_DIR set at
 * compile time, else relative to the executable (../share/m2mrsp/wsdl, then data/wsdl one to
 * three directories up: build trees), else /usr/local/share/m2mrsp/wsdl and
 * /usr/share/m2mrsp/wsdl. The first holding M2M_WS_SCHEMA_FILE wins. */
m2m_err m2m_ws_find_dir(const char *dir, char *out, size_t cap);

/* Loads and compiles the schema (about 30 ms). dir as for m2m_ws_find_dir. */
m2m_err m2m_ws_schema_load(const char *dir, m2m_ws_schema **out);
void m2m_ws_schema_free(m2m_ws_schema *s);
/* The directory it was loaded from. */
const char *m2m_ws_schema_dir(const m2m_ws_schema *s);

/* Validates a function element (and everything in it). M2M_ERR_FORMAT when invalid; why gets
 * a FAILED status: reason 2.1 (invalid), the subject of the offending element (Eid 8.1.1,
 * Iccid 8.2.1, ..., else 1.6) and libxml2's first message. */
m2m_err m2m_ws_schema_validate(const m2m_ws_schema *s, const m2m_ws_node *element,
			       m2m_ws_error *why);
/* The body element of a message. */
m2m_err m2m_ws_schema_validate_msg(const m2m_ws_schema *s, const m2m_ws_msg *m,
				   m2m_ws_error *why);

#endif
