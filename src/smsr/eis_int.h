/* Internals shared by the EIS sources: field readers with refusals, schema simple types. */
#ifndef M2M_SMSR_EIS_INT_H
#define M2M_SMSR_EIS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "smsr/eis.h"
#include "ws/msg.h"
#include "ws/status.h"

/* A reader: where refusals go, the subject of the part being read, and its path for
 * messages ("Isd-r/Keyset[2]"). */
typedef struct {
	m2m_ws_exec_status *st;
	const char *subj;
	char where[128];
} m2m_eis_rd;

/* A child reader for a part of r (path r->where/name[index], index < 0: no index). */
void m2m_eis_rd_sub(const m2m_eis_rd *r, m2m_eis_rd *sub, const char *subj, const char *name,
		    int index);

/* Refuses with reason 2.1 and the subject of element `name` (m2m_ws_subject_for_element,
 * else r->subj); the message is "<where>/<name> <what>". */
m2m_err m2m_eis_rd_fail(const m2m_eis_rd *r, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Readers of a child element `name` of n. Absent: M2M_OK with *present false (or out ""
 * for text) unless required (refused as missing). present may be NULL. */
m2m_err m2m_eis_rd_text(const m2m_eis_rd *r, const m2m_ws_node *n, const char *name,
			bool required, char *out, size_t cap);
/* ObjectIdentifierType. */
m2m_err m2m_eis_rd_oid(const m2m_eis_rd *r, const m2m_ws_node *n, const char *name,
		       bool required, char *out, size_t cap);
/* ThreeDigitVersion. */
m2m_err m2m_eis_rd_version(const m2m_eis_rd *r, const m2m_ws_node *n, const char *name,
			   bool required, char *out, size_t cap);
/* hexBinary of min..max bytes. */
m2m_err m2m_eis_rd_hex(const m2m_eis_rd *r, const m2m_ws_node *n, const char *name,
		       bool required, size_t min, size_t max, uint8_t *out, size_t *len,
		       bool *present);
/* The same from the element e itself (repeated elements). */
m2m_err m2m_eis_rd_hex_of(const m2m_eis_rd *r, const m2m_ws_node *e, const char *name,
			  size_t min, size_t max, uint8_t *out, size_t *len);
m2m_err m2m_eis_rd_uint(const m2m_eis_rd *r, const m2m_ws_node *n, const char *name,
			bool required, uint64_t max, uint64_t *out, bool *present);
m2m_err m2m_eis_rd_bool(const m2m_eis_rd *r, const m2m_ws_node *n, const char *name,
			bool *out);
m2m_err m2m_eis_rd_time(const m2m_eis_rd *r, const m2m_ws_node *n, const char *name,
			bool required, time_t *out, bool *present);
/* A required hexBinary attribute of n of at most max bytes. */
m2m_err m2m_eis_rd_attr_hex(const m2m_eis_rd *r, const m2m_ws_node *n, const char *attr,
			    size_t max, uint8_t *out, size_t *len);

/* Schema simple types. */
bool m2m_eis_version_ok(const char *s);        /* ThreeDigitVersion */
bool m2m_eis_iccid_ok(const char *s);          /* ICCIDType: 89[0-9fF]{4,18} */
bool m2m_eis_digits_ok(const char *s, size_t min, size_t max);

/* Parts of the parser. */
m2m_err m2m_eis_parse_sd(const m2m_eis_rd *r, const m2m_ws_node *n, const char *role,
			 m2m_eis_sd *sd);
m2m_err m2m_eis_parse_profile(const m2m_eis_rd *r, const m2m_ws_node *n, m2m_eis_profile *p);
m2m_err m2m_eis_parse_audit(const m2m_eis_rd *r, const m2m_ws_node *n, m2m_eis *e);
m2m_err m2m_eis_parse_props(const m2m_eis_rd *r, const m2m_ws_node *n, m2m_eis *e);

/* Parts of the builder. */
m2m_err m2m_eis_add_hex(m2m_ws_msg *m, m2m_ws_node *parent, const char *name,
			const uint8_t *p, size_t n);
/* Adds name with text unless text is "" (optional elements). */
m2m_err m2m_eis_add_opt(m2m_ws_msg *m, m2m_ws_node *parent, const char *name,
			const char *text);
m2m_err m2m_eis_build_sd(m2m_ws_msg *m, m2m_ws_node *parent, const char *name,
			 const char *role, const m2m_eis_sd *sd, const uint8_t *tk, size_t tk_len);
m2m_err m2m_eis_build_audit(m2m_ws_msg *m, m2m_ws_node *eis, const m2m_eis *e);

#endif
