/* Internals of the SAIP JSON mapping (json*.c): type kinds, the JSON path, conversions. */
#ifndef M2M_SAIP_JSON_INT_H
#define M2M_SAIP_JSON_INT_H

#include <stddef.h>

#include "saip/json.h"

/* What an asn1c descriptor stands for, once derived types are resolved to their base. */
typedef enum {
	M2M_SAIP_JSON_K_UNKNOWN,
	M2M_SAIP_JSON_K_SEQUENCE,
	M2M_SAIP_JSON_K_CHOICE,
	M2M_SAIP_JSON_K_LIST, /* SEQUENCE OF and SET OF: same structure, same JSON */
	M2M_SAIP_JSON_K_NATIVE_INT,
	M2M_SAIP_JSON_K_NATIVE_ENUM,
	M2M_SAIP_JSON_K_INTEGER,
	M2M_SAIP_JSON_K_BOOLEAN,
	M2M_SAIP_JSON_K_NULL,
	M2M_SAIP_JSON_K_OCTETS,
	M2M_SAIP_JSON_K_UTF8,
	M2M_SAIP_JSON_K_BITS,
	M2M_SAIP_JSON_K_OID,
} m2m_saip_json_kind;

m2m_saip_json_kind m2m_saip_json_kind_of(asn_TYPE_descriptor_t *td);
/* Bytes of the C structure for td (0 for an unknown kind). */
size_t m2m_saip_json_struct_size(asn_TYPE_descriptor_t *td);
/* The CHOICE's present index (1-based, 0 nothing) and setting it. */
int m2m_saip_json_choice_get(const asn_TYPE_descriptor_t *td, const void *sptr);
void m2m_saip_json_choice_set(const asn_TYPE_descriptor_t *td, void *sptr, int present);
/* The member's value: follows the pointer of ATF_POINTER members. */
const void *m2m_saip_json_member_ptr(const asn_TYPE_member_t *m, const void *sptr);

/* Conversion state: the JSON path being worked on and where errors go. */
typedef struct {
	char path[sizeof(((m2m_saip_json_error *)0)->path)];
	size_t len;
	m2m_saip_json_error *err;
} m2m_saip_json_ctx;

void m2m_saip_json_ctx_init(m2m_saip_json_ctx *c, m2m_saip_json_error *err);
/* Appends ".name" (or "name" at the root) / "[i]"; returns the length to pop back to. */
size_t m2m_saip_json_push_key(m2m_saip_json_ctx *c, const char *name);
size_t m2m_saip_json_push_index(m2m_saip_json_ctx *c, size_t i);
void m2m_saip_json_pop(m2m_saip_json_ctx *c, size_t len);
/* Records the error at the current path (the first one recorded wins) and returns code. */
m2m_err m2m_saip_json_fail(m2m_saip_json_ctx *c, m2m_err code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The constraint check, as generated, of member m (NULL at the top) of type td
 * (json_constr.c). */
asn_constr_check_f *m2m_saip_json_constraint_of(const asn_TYPE_member_t *m,
						const asn_TYPE_descriptor_t *td);
/* Checks sptr, of type td, against the constraints of member (the enclosing SEQUENCE or
 * CHOICE member or list entry; NULL at the top) or else of td; a violation becomes an error
 * at the current path. */
m2m_err m2m_saip_json_check(m2m_saip_json_ctx *c, const asn_TYPE_member_t *member,
			    asn_TYPE_descriptor_t *td, const void *sptr);

/* Structure -> JSON and JSON -> structure (sptr: zeroed storage of td's size). member is the
 * enclosing member (for its constraints), NULL at the top. */
m2m_err m2m_saip_json_enc(m2m_saip_json_ctx *c, asn_TYPE_descriptor_t *td, const void *sptr,
			  json_t **out);
m2m_err m2m_saip_json_dec(m2m_saip_json_ctx *c, asn_TYPE_descriptor_t *td,
			  const asn_TYPE_member_t *member, const json_t *v, void *sptr);
/* Fills alternative idx (0-based) of the CHOICE at sptr from v. */
m2m_err m2m_saip_json_dec_choice_alt(m2m_saip_json_ctx *c, asn_TYPE_descriptor_t *td, int idx,
				     const json_t *v, void *sptr);

/* One element, {"type": name, name: value}, both ways. */
m2m_err m2m_saip_json_pe_enc(m2m_saip_json_ctx *c, const ProfileElement_t *pe, json_t **out);
m2m_err m2m_saip_json_pe_dec(m2m_saip_json_ctx *c, const json_t *obj, ProfileElement_t **out);

/* Primitive kinds, both ways. */
m2m_err m2m_saip_json_enc_prim(m2m_saip_json_ctx *c, m2m_saip_json_kind k,
			       asn_TYPE_descriptor_t *td, const void *sptr, json_t **out);
m2m_err m2m_saip_json_dec_prim(m2m_saip_json_ctx *c, m2m_saip_json_kind k,
			       asn_TYPE_descriptor_t *td, const json_t *v, void *sptr);

/* Lower-case hex, and strict hex (even length, either case) into an OCTET STRING. */
json_t *m2m_saip_json_hex(const uint8_t *p, size_t n);
m2m_err m2m_saip_json_unhex(m2m_saip_json_ctx *c, const json_t *v, OCTET_STRING_t *os);

/* The header's ICCID: its BCD digits in order (the bytes as hex), one trailing F dropped. */
m2m_err m2m_saip_json_iccid_enc(m2m_saip_json_ctx *c, const OCTET_STRING_t *os, json_t **out);
m2m_err m2m_saip_json_iccid_dec(m2m_saip_json_ctx *c, const json_t *v, OCTET_STRING_t *os);
/* True for the members held as ICCID digit strings. */
int m2m_saip_json_is_iccid(const asn_TYPE_descriptor_t *parent, const asn_TYPE_member_t *m);

#endif
