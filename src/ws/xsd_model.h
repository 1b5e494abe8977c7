/* A flattened model of the message schema (data/wsdl/xsd/messages.xsd with XML-DSig), generated
 * by gen_tables.py into xsd_model_gen.c: per element type, its children in schema order, which
 * may repeat and which simple kind (hexBinary, base64Binary, ...) a value has. The JSON mirror,
 * the typed getters and the builder's child ordering read it; libxml2 still does validation. */
#ifndef M2M_WS_XSD_MODEL_H
#define M2M_WS_XSD_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
	M2M_WS_NS_GSMA, /* M2M_WS_NS_RPS */
	M2M_WS_NS_DS,   /* M2M_WS_NS_XMLDSIG */
} m2m_ws_ns;

typedef enum {
	M2M_WS_XSD_STRING,
	M2M_WS_XSD_HEX,
	M2M_WS_XSD_BASE64,
	M2M_WS_XSD_BOOL,
	M2M_WS_XSD_INT,
	M2M_WS_XSD_DATETIME,
	M2M_WS_XSD_COMPLEX,
} m2m_ws_xsd_kind;

/* Child flags. */
#define M2M_WS_XSD_MANY 1u     /* maxOccurs > 1 on the element or an enclosing group */
#define M2M_WS_XSD_OPTIONAL 2u /* minOccurs = 0, in a choice or an optional group */
/* Type flags. */
#define M2M_WS_XSD_OPEN 1u  /* has an xs:any wildcard */
#define M2M_WS_XSD_MIXED 2u /* mixed="true" */
#define M2M_WS_XSD_TEXT 4u  /* complex type with simple content (text plus attributes) */

typedef struct {
	const char *name;
	uint8_t ns;    /* m2m_ws_ns */
	uint16_t type; /* index in m2m_ws_xsd_types */
	uint8_t flags;
} m2m_ws_xsd_child;

typedef struct {
	const char *name;
	uint8_t kind; /* m2m_ws_xsd_kind */
	bool required;
} m2m_ws_xsd_attr;

typedef struct {
	const char *name;  /* type name, or the element path of an anonymous type */
	uint8_t kind;      /* m2m_ws_xsd_kind; COMPLEX has children and/or attributes */
	uint8_t text_kind; /* kind of the text of a complex type with M2M_WS_XSD_TEXT */
	uint8_t flags;
	uint16_t first_child, n_children;
	uint16_t first_attr, n_attrs;
} m2m_ws_xsd_type;

typedef struct {
	const char *name;
	uint16_t type;
} m2m_ws_xsd_elem;

extern const m2m_ws_xsd_child m2m_ws_xsd_children[];
extern const m2m_ws_xsd_attr m2m_ws_xsd_attrs[];
extern const m2m_ws_xsd_type m2m_ws_xsd_types[];
extern const size_t m2m_ws_xsd_n_types;
extern const m2m_ws_xsd_elem m2m_ws_xsd_elements[];
extern const size_t m2m_ws_xsd_n_elements;

/* The type of a global element of the GSMA namespace; NULL when the schema has none. */
const m2m_ws_xsd_type *m2m_ws_xsd_element(const char *name);
/* A child declaration of t by namespace and local name; *pos (optional) gets its position in
 * schema order. NULL when t declares no such child. */
const m2m_ws_xsd_child *m2m_ws_xsd_child_find(const m2m_ws_xsd_type *t, m2m_ws_ns ns,
					      const char *name, size_t *pos);
const m2m_ws_xsd_type *m2m_ws_xsd_type_of(const m2m_ws_xsd_child *c);
const m2m_ws_xsd_attr *m2m_ws_xsd_attr_find(const m2m_ws_xsd_type *t, const char *name);

#endif
