/*
 * The JSON form of SAIP profile packages (docs/saip-json.md): a generic mapping between asn1c
 * structures and jansson values, driven by the asn1c type descriptors, that round-trips
 * exactly (DER -> JSON -> DER gives the same bytes).
 *
 * A package is {<header fields>..., "elements": [{"type": "<CHOICE name>", "<CHOICE name>":
 * <value>}, ...]}; the header's fields appear both at the top level and in the header
 * element. Errors name the offending value with a JSON path: `elements[7].usim.ef-imsi[1]`.
 */
#ifndef M2M_SAIP_JSON_H
#define M2M_SAIP_JSON_H

#include <stddef.h>

#include <jansson.h>

#include "saip/saip.h"

/* Where and why a conversion failed. */
typedef struct {
	char path[256]; /* JSON path of the offending value; "" for the document itself */
	char msg[192];
} m2m_saip_json_error;

/* Any asn1c value of type td (sptr points to its structure) as JSON. */
m2m_err m2m_saip_json_from_value(asn_TYPE_descriptor_t *td, const void *sptr, json_t **out,
				 m2m_saip_json_error *err);
/* The structure of type td for v, allocated into *sptr (free with ASN_STRUCT_FREE). Checks
 * the module's constraints. */
m2m_err m2m_saip_json_to_value(asn_TYPE_descriptor_t *td, const json_t *v, void **sptr,
			       m2m_saip_json_error *err);

/* One element as {"type": name, name: value}, and back. */
m2m_err m2m_saip_json_from_pe(const ProfileElement_t *pe, json_t **out, m2m_saip_json_error *err);
m2m_err m2m_saip_json_to_pe(const json_t *obj, ProfileElement_t **pe, m2m_saip_json_error *err);

/* A whole package, and back. On failure pkg keeps the elements converted so far: the caller
 * frees it (m2m_saip_pkg_free) either way. */
m2m_err m2m_saip_json_from_pkg(const m2m_saip_pkg *pkg, json_t **out, m2m_saip_json_error *err);
m2m_err m2m_saip_json_to_pkg(const json_t *root, m2m_saip_pkg *pkg, m2m_saip_json_error *err);

/* Parses JSON text (duplicate keys refused) and converts it with m2m_saip_json_to_pkg. */
m2m_err m2m_saip_json_parse_pkg(const char *text, size_t len, m2m_saip_pkg *pkg,
				m2m_saip_json_error *err);
/* The jansson flags used to parse package JSON. */
#define M2M_SAIP_JSON_LOAD_FLAGS (JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL)

#endif
