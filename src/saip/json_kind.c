/* Telling the kind of an asn1c descriptor. asn1c 0.9.28 gives derived types (UInt8 ::=
 * INTEGER (0..255)) wrapper functions that copy the base type's function pointers into the
 * descriptor on first use; the kind is known from the base's pointers once that happened. */
#include <string.h>

#include "BIT_STRING.h"
#include "BOOLEAN.h"
#include "INTEGER.h"
#include "NULL.h"
#include "NativeEnumerated.h"
#include "NativeInteger.h"
#include "OBJECT_IDENTIFIER.h"
#include "OCTET_STRING.h"
#include "UTF8String.h"
#include "constr_CHOICE.h"
#include "constr_SEQUENCE.h"
#include "constr_SET_OF.h"
#include "saip/json_int.h"

/* Lets every wrapper in a chain of derived types inherit: freeing NULL is harmless in every
 * base type and is the one call each wrapper makes before it copies the base's pointers. */
static void resolve(asn_TYPE_descriptor_t *td)
{
	for (int i = 0; i < 8; i++) {
		asn_struct_free_f *before = td->free_struct;
		td->free_struct(td, NULL, 1);
		if (td->free_struct == before)
			break;
	}
}

static int same_as(const asn_TYPE_descriptor_t *td, const asn_TYPE_descriptor_t *base)
{
	return td->free_struct == base->free_struct && td->print_struct == base->print_struct &&
	       td->der_encoder == base->der_encoder && td->xer_encoder == base->xer_encoder;
}

static const struct {
	asn_TYPE_descriptor_t *base;
	m2m_saip_json_kind kind;
} primitives[] = {
	{&asn_DEF_NativeInteger, M2M_SAIP_JSON_K_NATIVE_INT},
	{&asn_DEF_NativeEnumerated, M2M_SAIP_JSON_K_NATIVE_ENUM},
	{&asn_DEF_INTEGER, M2M_SAIP_JSON_K_INTEGER},
	{&asn_DEF_BOOLEAN, M2M_SAIP_JSON_K_BOOLEAN},
	{&asn_DEF_NULL, M2M_SAIP_JSON_K_NULL},
	{&asn_DEF_OCTET_STRING, M2M_SAIP_JSON_K_OCTETS},
	{&asn_DEF_UTF8String, M2M_SAIP_JSON_K_UTF8},
	{&asn_DEF_BIT_STRING, M2M_SAIP_JSON_K_BITS},
	{&asn_DEF_OBJECT_IDENTIFIER, M2M_SAIP_JSON_K_OID},
};

m2m_saip_json_kind m2m_saip_json_kind_of(asn_TYPE_descriptor_t *td)
{
	resolve(td);
	if (td->free_struct == SEQUENCE_free)
		return M2M_SAIP_JSON_K_SEQUENCE;
	if (td->free_struct == CHOICE_free)
		return M2M_SAIP_JSON_K_CHOICE;
	if (td->free_struct == SET_OF_free) /* SEQUENCE_OF_free is the same function */
		return M2M_SAIP_JSON_K_LIST;
	for (size_t i = 0; i < sizeof primitives / sizeof primitives[0]; i++) {
		if (same_as(td, primitives[i].base))
			return primitives[i].kind;
	}
	return M2M_SAIP_JSON_K_UNKNOWN;
}

size_t m2m_saip_json_struct_size(asn_TYPE_descriptor_t *td)
{
	switch (m2m_saip_json_kind_of(td)) {
	case M2M_SAIP_JSON_K_SEQUENCE:
		return (size_t)((const asn_SEQUENCE_specifics_t *)td->specifics)->struct_size;
	case M2M_SAIP_JSON_K_CHOICE:
		return (size_t)((const asn_CHOICE_specifics_t *)td->specifics)->struct_size;
	case M2M_SAIP_JSON_K_LIST:
		return (size_t)((const asn_SET_OF_specifics_t *)td->specifics)->struct_size;
	case M2M_SAIP_JSON_K_NATIVE_INT:
	case M2M_SAIP_JSON_K_NATIVE_ENUM:
		return sizeof(long);
	case M2M_SAIP_JSON_K_INTEGER:
		return sizeof(INTEGER_t);
	case M2M_SAIP_JSON_K_BOOLEAN:
		return sizeof(BOOLEAN_t);
	case M2M_SAIP_JSON_K_NULL:
		return sizeof(NULL_t);
	case M2M_SAIP_JSON_K_OCTETS:
	case M2M_SAIP_JSON_K_UTF8:
		return sizeof(OCTET_STRING_t);
	case M2M_SAIP_JSON_K_BITS:
		return sizeof(BIT_STRING_t);
	case M2M_SAIP_JSON_K_OID:
		return sizeof(OBJECT_IDENTIFIER_t);
	default:
		return 0;
	}
}

/* The present index is an int, short or char depending on the enum's size (as in
 * constr_CHOICE.c). */
int m2m_saip_json_choice_get(const asn_TYPE_descriptor_t *td, const void *sptr)
{
	const asn_CHOICE_specifics_t *s = td->specifics;
	const char *p = (const char *)sptr + s->pres_offset;
	switch (s->pres_size) {
	case sizeof(int): {
		int v;
		memcpy(&v, p, sizeof v);
		return v;
	}
	case sizeof(short): {
		short v;
		memcpy(&v, p, sizeof v);
		return v;
	}
	case sizeof(char):
		return *(const signed char *)p;
	default:
		return 0;
	}
}

void m2m_saip_json_choice_set(const asn_TYPE_descriptor_t *td, void *sptr, int present)
{
	const asn_CHOICE_specifics_t *s = td->specifics;
	char *p = (char *)sptr + s->pres_offset;
	if (s->pres_size == sizeof(int)) {
		memcpy(p, &present, sizeof present);
	} else if (s->pres_size == sizeof(short)) {
		short v = (short)present;
		memcpy(p, &v, sizeof v);
	} else if (s->pres_size == sizeof(char)) {
		*(signed char *)p = (signed char)present;
	}
}

const void *m2m_saip_json_member_ptr(const asn_TYPE_member_t *m, const void *sptr)
{
	const char *p = (const char *)sptr + m->memb_offset;
	if (m->flags & ATF_POINTER)
		return *(const void *const *)p;
	return p;
}
