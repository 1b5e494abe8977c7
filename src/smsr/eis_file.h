/*
 * EIS files: an Eis element as the root of a standalone UTF-8 XML document (what
 * `m2mrsp eis make` writes, one per eUICC), read into an ES1-RegisterEISRequest message so the
 * element has its schema context (eis_xml.h) and can be validated and sent as it is.
 */
#ifndef M2M_SMSR_EIS_FILE_H
#define M2M_SMSR_EIS_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "ws/msg.h"

#define M2M_EIS_FILE_MAX (1024u * 1024u)

/* Parses the file's bytes (with the safety rules of the SOAP reader: no DTD, no entity, no
 * processing instruction, depth and size limits) into a new ES1-RegisterEISRequest with
 * FunctionCallIdentifier call_id (letters, digits, '-', '_', '.', ':'). *eis gets the Eis
 * element inside it. M2M_ERR_FORMAT when the file is not one Eis element of the GSMA
 * namespace; why (optional) then says why. */
m2m_err m2m_eis_file_read(const uint8_t *p, size_t n, const char *call_id, m2m_ws_msg **out,
			  m2m_ws_node **eis, char *why, size_t cap);

/* The Eis element as a document: XML declaration, namespace declarations on the root,
 * indented when `indent` (only for an unsigned element: indentation changes what is
 * signed). Appends to out. */
m2m_err m2m_eis_file_write(const m2m_ws_node *eis, bool indent, m2m_buf *out);

#endif
