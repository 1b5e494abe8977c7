/* Primitive ASN.1 values <-> JSON: numbers, names of ENUMERATED values, booleans, null,
 * strings, {"hex","unused"} BIT STRINGs and dotted OIDs (docs/saip-json.md). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "BIT_STRING.h"
#include "BOOLEAN.h"
#include "INTEGER.h"
#include "NativeEnumerated.h"
#include "OBJECT_IDENTIFIER.h"
#include "saip/asn1_alloc/asn1_alloc.h"
#include "saip/json_int.h"

#define OID_ARCS_MAX 128 /* more arcs than any OID in use; longer ones are refused */

static json_t *enc_enum(asn_TYPE_descriptor_t *td, long v)
{
	const asn_INTEGER_enum_map_t *e = NULL;
	if (td->specifics != NULL)
		e = INTEGER_map_value2enum((asn_INTEGER_specifics_t *)td->specifics, v);
	return e != NULL ? json_stringn(e->enum_name, e->enum_len) : json_integer(v);
}

/* Fits in a long: a number; else (or when empty) "0x" and the two's complement content. */
static json_t *enc_integer(const INTEGER_t *i)
{
	long v;
	if (i->size > 0 && asn_INTEGER2long(i, &v) == 0)
		return json_integer(v);
	json_t *hex = m2m_saip_json_hex(i->buf, (size_t)i->size);
	json_t *s = hex != NULL ? json_sprintf("0x%s", json_string_value(hex)) : NULL;
	json_decref(hex);
	return s;
}

static json_t *enc_bits(const BIT_STRING_t *b)
{
	return json_pack("{s:o,s:i}", "hex", m2m_saip_json_hex(b->buf, (size_t)b->size), "unused",
			 b->bits_unused);
}

/* Only canonical OIDs: the dotted form must encode back to the same bytes. */
static m2m_err enc_oid(m2m_saip_json_ctx *c, const OBJECT_IDENTIFIER_t *oid, json_t **out)
{
	unsigned long arcs[OID_ARCS_MAX];
	OBJECT_IDENTIFIER_t again = {0};
	m2m_err rc = M2M_OK;
	int n = OBJECT_IDENTIFIER_get_arcs(oid, arcs, sizeof arcs[0], OID_ARCS_MAX);
	if (n < 2 || n > OID_ARCS_MAX || OBJECT_IDENTIFIER_set_arcs(&again, arcs, sizeof arcs[0],
								 (unsigned)n) != 0 ||
	    again.size != oid->size || memcmp(again.buf, oid->buf, (size_t)oid->size) != 0) {
		rc = m2m_saip_json_fail(c, M2M_ERR_FORMAT, "OBJECT IDENTIFIER not in canonical form");
		goto out;
	}
	char s[OID_ARCS_MAX * 21];
	size_t len = 0;
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(s + len, sizeof s - len, i ? ".%lu" : "%lu", arcs[i]);
	*out = json_stringn(s, len);
out:
	m2m_asn1_free(again.buf); /* from OBJECT_IDENTIFIER_set_arcs: the runtime's MALLOC */
	return rc;
}

m2m_err m2m_saip_json_enc_prim(m2m_saip_json_ctx *c, m2m_saip_json_kind k,
			       asn_TYPE_descriptor_t *td, const void *sptr, json_t **out)
{
	const OCTET_STRING_t *os = sptr;
	*out = NULL;
	switch (k) {
	case M2M_SAIP_JSON_K_NATIVE_INT:
		*out = json_integer(*(const long *)sptr);
		break;
	case M2M_SAIP_JSON_K_NATIVE_ENUM:
		*out = enc_enum(td, *(const long *)sptr);
		break;
	case M2M_SAIP_JSON_K_INTEGER:
		*out = enc_integer(sptr);
		break;
	case M2M_SAIP_JSON_K_BOOLEAN:
		*out = json_boolean(*(const BOOLEAN_t *)sptr != 0);
		break;
	case M2M_SAIP_JSON_K_NULL:
		*out = json_null();
		break;
	case M2M_SAIP_JSON_K_OCTETS:
		*out = m2m_saip_json_hex(os->buf, (size_t)os->size);
		break;
	case M2M_SAIP_JSON_K_UTF8:
		*out = json_stringn((const char *)os->buf, (size_t)os->size);
		if (*out == NULL)
			return m2m_saip_json_fail(c, M2M_ERR_FORMAT, "UTF8String is not valid UTF-8");
		break;
	case M2M_SAIP_JSON_K_BITS:
		*out = enc_bits(sptr);
		break;
	case M2M_SAIP_JSON_K_OID:
		return enc_oid(c, sptr, out);
	default:
		return m2m_saip_json_fail(c, M2M_ERR_UNSUPPORTED, "type %s not supported", td->name);
	}
	return *out != NULL ? M2M_OK : m2m_saip_json_fail(c, M2M_ERR_NOMEM, "out of memory");
}

/* ---- JSON -> structure ---- */

static m2m_err dec_long(m2m_saip_json_ctx *c, const json_t *v, long *out)
{
	if (!json_is_integer(v))
		return m2m_saip_json_fail(c, M2M_ERR_FORMAT, "expected an integer");
	json_int_t i = json_integer_value(v);
	if (i < LONG_MIN || i > LONG_MAX)
		return m2m_saip_json_fail(c, M2M_ERR_FORMAT, "integer out of range");
	*out = (long)i;
	return M2M_OK;
}

static m2m_err dec_enum(m2m_saip_json_ctx *c, asn_TYPE_descriptor_t *td, const json_t *v,
			long *out)
{
	const asn_INTEGER_specifics_t *s = td->specifics;
	if (!json_is_string(v))
		return dec_long(c, v, out);
	for (int i = 0; s != NULL && i < s->map_count; i++) {
		if (strcmp(s->value2enum[i].enum_name, json_string_value(v)) == 0) {
			*out = s->value2enum[i].nat_value;
			return M2M_OK;
		}
	}
	return m2m_saip_json_fail(c, M2M_ERR_FORMAT, "unknown value name '%s' of %s",
				  json_string_value(v), td->name);
}

static m2m_err dec_integer(m2m_saip_json_ctx *c, const json_t *v, INTEGER_t *i)
{
	if (json_is_string(v) && strncmp(json_string_value(v), "0x", 2) == 0) {
		json_t *hex = json_string(json_string_value(v) + 2);
		m2m_err rc = hex != NULL ? m2m_saip_json_unhex(c, hex, (OCTET_STRING_t *)i)
					 : m2m_saip_json_fail(c, M2M_ERR_NOMEM, "out of memory");
		json_decref(hex);
		return rc;
	}
	long l = 0;
	m2m_err rc = dec_long(c, v, &l);
	if (rc == M2M_OK && asn_long2INTEGER(i, l) != 0)
		rc = m2m_saip_json_fail(c, M2M_ERR_NOMEM, "out of memory");
	return rc;
}

static m2m_err dec_bits(m2m_saip_json_ctx *c, const json_t *v, BIT_STRING_t *b)
{
	json_t *hex = NULL;
	json_int_t unused = 0;
	json_error_t je;
	if (json_unpack_ex((json_t *)v, &je, JSON_STRICT, "{s:o,s:I}", "hex", &hex, "unused",
			   &unused) != 0)
		return m2m_saip_json_fail(c, M2M_ERR_FORMAT,
					  "expected {\"hex\": string, \"unused\": 0..7}: %s", je.text);
	m2m_err rc = m2m_saip_json_unhex(c, hex, (OCTET_STRING_t *)b);
	if (rc == M2M_OK && (unused < 0 || unused > 7 || (b->size == 0 && unused != 0)))
		rc = m2m_saip_json_fail(c, M2M_ERR_FORMAT, "\"unused\" must be 0..7 (0 when empty)");
	b->bits_unused = (int)unused;
	return rc;
}

/* Dotted decimal, at least two arcs, no leading zeros, so the text is the canonical one. */
static m2m_err dec_oid(m2m_saip_json_ctx *c, const json_t *v, OBJECT_IDENTIFIER_t *oid)
{
	unsigned long arcs[OID_ARCS_MAX];
	unsigned n = 0;
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;
	while (s != NULL && n < OID_ARCS_MAX) {
		char *end = NULL;
		errno = 0;
		if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9'))
			break;
		arcs[n++] = strtoul(s, &end, 10);
		if (errno != 0 || (*end != '.' && *end != '\0'))
			break;
		s = *end == '.' ? end + 1 : NULL;
	}
	if (s != NULL || n < 2 || !json_is_string(v))
		return m2m_saip_json_fail(c, M2M_ERR_FORMAT,
					  "expected an OBJECT IDENTIFIER as a dotted string");
	if (OBJECT_IDENTIFIER_set_arcs(oid, arcs, sizeof arcs[0], n) != 0)
		return m2m_saip_json_fail(c, M2M_ERR_FORMAT, "invalid OBJECT IDENTIFIER arcs");
	return M2M_OK;
}

m2m_err m2m_saip_json_dec_prim(m2m_saip_json_ctx *c, m2m_saip_json_kind k,
			       asn_TYPE_descriptor_t *td, const json_t *v, void *sptr)
{
	switch (k) {
	case M2M_SAIP_JSON_K_NATIVE_INT:
		return dec_long(c, v, sptr);
	case M2M_SAIP_JSON_K_NATIVE_ENUM:
		return dec_enum(c, td, v, sptr);
	case M2M_SAIP_JSON_K_INTEGER:
		return dec_integer(c, v, sptr);
	case M2M_SAIP_JSON_K_BOOLEAN:
		if (!json_is_boolean(v))
			return m2m_saip_json_fail(c, M2M_ERR_FORMAT, "expected true or false");
		*(BOOLEAN_t *)sptr = json_is_true(v);
		return M2M_OK;
	case M2M_SAIP_JSON_K_NULL:
		return json_is_null(v) ? M2M_OK
				       : m2m_saip_json_fail(c, M2M_ERR_FORMAT, "expected null");
	case M2M_SAIP_JSON_K_OCTETS:
		return m2m_saip_json_unhex(c, v, sptr);
	case M2M_SAIP_JSON_K_UTF8:
		if (!json_is_string(v))
			return m2m_saip_json_fail(c, M2M_ERR_FORMAT, "expected a string");
		if (OCTET_STRING_fromBuf(sptr, json_string_value(v), (int)json_string_length(v)) != 0)
			return m2m_saip_json_fail(c, M2M_ERR_NOMEM, "out of memory");
		return M2M_OK;
	case M2M_SAIP_JSON_K_BITS:
		return dec_bits(c, v, sptr);
	case M2M_SAIP_JSON_K_OID:
		return dec_oid(c, v, sptr);
	default:
		return m2m_saip_json_fail(c, M2M_ERR_UNSUPPORTED, "type %s not supported", td->name);
	}
}
