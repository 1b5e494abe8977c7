/* The JSON form of profile packages: DER -> JSON -> DER byte-identical on the TS.48 packages,
 * values seen in the JSON, and malformed JSON refused with the path of the bad value. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "BIT_STRING.h"
#include "BOOLEAN.h"
#include "OBJECT_IDENTIFIER.h"
#include "UInt31.h"
#include "UTF8String.h"
#include "saip/json.h"

#define VEC M2MRSP_SOURCE_DIR "/../shared/vectors/saip/"

static const char *const packages[] = {
	VEC "TS48v2_SAIP2.3_NoBERTLV.der",
	VEC "TS48v1_A.der",
	VEC "TS48v5_SAIP2.3_BERTLV_SUCI.der",
};

/* The package file's bytes and its JSON. */
static json_t *package_json(const char *path, m2m_buf *der)
{
	m2m_saip_pkg pkg;
	m2m_saip_error perr;
	m2m_saip_json_error jerr;
	json_t *root = NULL;
	m2m_saip_pkg_init(&pkg);
	assert_int_equal(m2m_saip_read_file(path, der), M2M_OK);
	assert_int_equal(m2m_saip_decode(der->data, der->len, &pkg, &perr), M2M_OK);
	assert_int_equal(m2m_saip_json_from_pkg(&pkg, &root, &jerr), M2M_OK);
	m2m_saip_pkg_free(&pkg);
	return root;
}

/* JSON text -> package -> DER. */
static void encode_text(const char *text, m2m_buf *out)
{
	m2m_saip_pkg pkg;
	m2m_saip_json_error jerr;
	m2m_saip_pkg_init(&pkg);
	m2m_err rc = m2m_saip_json_parse_pkg(text, strlen(text), &pkg, &jerr);
	if (rc != M2M_OK)
		fail_msg("%s: %s", jerr.path, jerr.msg);
	assert_int_equal(m2m_saip_encode(&pkg, out), M2M_OK);
	m2m_saip_pkg_free(&pkg);
}

static void round_trip(const char *path, size_t flags)
{
	m2m_buf der, again;
	m2m_buf_init(&der);
	m2m_buf_init(&again);
	json_t *root = package_json(path, &der);
	char *text = json_dumps(root, flags);
	assert_non_null(text);
	encode_text(text, &again);
	assert_int_equal(again.len, der.len);
	assert_memory_equal(again.data, der.data, der.len);
	free(text);
	json_decref(root);
	m2m_buf_free(&der);
	m2m_buf_free(&again);
}

static void test_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof packages / sizeof packages[0]; i++) {
		round_trip(packages[i], JSON_COMPACT);
		round_trip(packages[i], JSON_INDENT(2));
	}
}

static void test_values(void **state)
{
	(void)state;
	static const char *const order[] = {
		"header", "mf", "pukCodes", "pinCodes", "telecom", "pinCodes",
		"genericFileManagement", "usim", "opt-usim", "pinCodes", "akaParameter",
		"gsm-access", "df-5gs", "df-saip", "csim", "opt-csim", "pinCodes", "cdmaParameter",
		"isim", "opt-isim", "pinCodes", "akaParameter", "genericFileManagement",
		"genericFileManagement", "securityDomain", "rfm", "rfm", "rfm", "rfm", "end",
	};
	m2m_buf der;
	m2m_buf_init(&der);
	json_t *root = package_json(packages[0], &der);
	assert_string_equal(json_string_value(json_object_get(root, "iccid")),
			    "89000123456789012341");
	assert_string_equal(json_string_value(json_object_get(root, "profileType")),
			    "GSMA Generic eUICC Test Profile");
	assert_int_equal(json_integer_value(json_object_get(root, "major-version")), 2);
	json_t *els = json_object_get(root, "elements");
	assert_int_equal(json_array_size(els), sizeof order / sizeof order[0]);
	for (size_t i = 0; i < json_array_size(els); i++) {
		json_t *type = json_object_get(json_array_get(els, i), "type");
		assert_string_equal(json_string_value(type), order[i]);
	}
	json_t *hdr = json_object_get(json_array_get(els, 0), "header");
	assert_string_equal(json_string_value(json_object_get(hdr, "iccid")),
			    "89000123456789012341");
	json_t *mf = json_object_get(json_array_get(els, 1), "mf");
	assert_string_equal(json_string_value(json_object_get(mf, "templateID")),
			    "2.23.143.1.2.1");
	json_t *imsi = json_array_get(json_object_get(json_object_get(json_array_get(els, 7),
								      "usim"),
						      "ef-imsi"),
				      1);
	assert_string_equal(json_string_value(json_object_get(imsi, "fillFileContent")),
			    "080910101032540636");
	assert_true(json_is_null(json_object_get(json_object_get(hdr, "eUICC-Mandatory-services"),
						 "usim")));
	json_decref(root);
	m2m_buf_free(&der);
}

/* ---- negatives: each edit of the TS.48 JSON must be refused at `path` ---- */

static json_t *at(json_t *root, const char *path)
{
	json_t *v = root;
	char buf[256];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *tok = strtok(buf, "/"); tok != NULL && v != NULL; tok = strtok(NULL, "/"))
		v = json_is_array(v) ? json_array_get(v, strtoul(tok, NULL, 10))
				     : json_object_get(v, tok);
	assert_non_null(v);
	return v;
}

static void expect_error(json_t *root, const char *path, const char *msg_part)
{
	m2m_saip_pkg pkg;
	m2m_saip_json_error err;
	m2m_saip_pkg_init(&pkg);
	assert_int_not_equal(m2m_saip_json_to_pkg(root, &pkg, &err), M2M_OK);
	m2m_saip_pkg_free(&pkg);
	if (strcmp(err.path, path) != 0 || strstr(err.msg, msg_part) == NULL)
		fail_msg("got '%s: %s', expected '%s: ...%s...'", err.path, err.msg, path, msg_part);
}

typedef struct {
	const char *parent; /* '/'-separated keys and indexes from the root */
	const char *key;    /* member to set, or NULL to set array entry `index` */
	size_t index;
	const char *json;   /* new value; NULL deletes the member */
	const char *path;   /* expected error path */
	const char *msg;    /* part of the expected message */
} edit;

static const edit edits[] = {
	{"elements/7/usim/ef-imsi", NULL, 1, "{\"fillFileContent\": \"08zz\"}",
	 "elements[7].usim.ef-imsi[1].fillFileContent", "bad hex"},
	{"elements/7/usim/ef-imsi", NULL, 1, "{\"fillFileContent\": \"080\"}",
	 "elements[7].usim.ef-imsi[1].fillFileContent", "odd"},
	{"elements/7/usim/ef-imsi", NULL, 1, "{\"fillFileContent\": 8}",
	 "elements[7].usim.ef-imsi[1].fillFileContent", "hex string"},
	{"elements/7/usim/ef-imsi", NULL, 1, "{\"nope\": \"00\"}", "elements[7].usim.ef-imsi[1].nope",
	 "unknown alternative"},
	{"elements/7/usim/ef-imsi", NULL, 1, "{}", "elements[7].usim.ef-imsi[1]", "one alternative"},
	{"elements/7/usim", "ef-imsi", 0, "{}", "elements[7].usim.ef-imsi", "expected an array"},
	{"elements/0/header", "major-version", 0, "\"2\"", "elements[0].header.major-version",
	 "integer"},
	{"elements/0/header", "major-version", 0, "2.0", "elements[0].header.major-version",
	 "integer"},
	{"elements/0/header", "major-version", 0, "300", "elements[0].header.major-version",
	 "constraint"},
	{"elements/0/header", "iccid", 0, "\"89x00123456789012341\"", "elements[0].header.iccid",
	 "bad ICCID"},
	{"elements/0/header", "iccid", 0, "\"8900\"", "elements[0].header.iccid", "constraint"},
	{"elements/0/header", "profileType", 0, "\"\"", "elements[0].header.profileType",
	 "constraint"},
	{"elements/0/header/eUICC-Mandatory-services", "usim", 0, "1",
	 "elements[0].header.eUICC-Mandatory-services.usim", "expected null"},
	{"elements/1/mf", "bogus", 0, "1", "elements[1].mf.bogus", "unknown member"},
	{"elements/1/mf", "mf-header", 0, NULL, "elements[1].mf.mf-header", "missing mandatory"},
	{"elements/1/mf", "templateID", 0, "\"2.23.x\"", "elements[1].mf.templateID",
	 "OBJECT IDENTIFIER"},
	{"elements/1/mf", "templateID", 0, "\"2.023.1\"", "elements[1].mf.templateID",
	 "OBJECT IDENTIFIER"},
	{"elements/2", "type", 0, "\"nosuch\"", "elements[2].type", "unknown element type"},
	{"elements/2", "type", 0, NULL, "elements[2].type", "missing element type"},
	{"elements/2", "type", 0, "\"mf\"", "elements[2].pukCodes", "unexpected key"},
	{"elements/2", "extra", 0, "1", "elements[2].extra", "unexpected key"},
	{"elements", NULL, 3, "null", "elements[3]", "element object"},
	{"", "elements", 0, "{}", "elements", "non-empty array"},
	{"", "iccid", 0, "\"89000123456789012342\"", "iccid", "differs"},
	{"", "nonsense", 0, "1", "nonsense", "not a field of the header"},
};

static void apply(json_t *root, const edit *e)
{
	json_t *parent = e->parent[0] ? at(root, e->parent) : root;
	json_error_t je;
	json_t *v = e->json != NULL ? json_loads(e->json, JSON_DECODE_ANY, &je) : NULL;
	if (e->json != NULL)
		assert_non_null(v);
	if (e->key == NULL)
		assert_int_equal(json_array_set_new(parent, e->index, v), 0);
	else if (v != NULL)
		assert_int_equal(json_object_set_new(parent, e->key, v), 0);
	else
		assert_int_equal(json_object_del(parent, e->key), 0);
}

static void test_errors(void **state)
{
	(void)state;
	m2m_buf der;
	m2m_buf_init(&der);
	json_t *orig = package_json(packages[0], &der);
	for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
		json_t *root = json_deep_copy(orig);
		apply(root, &edits[i]);
		expect_error(root, edits[i].path, edits[i].msg);
		json_decref(root);
	}
	json_decref(orig);
	m2m_buf_free(&der);
}

static void test_syntax(void **state)
{
	(void)state;
	static const char *const bad[] = {"", "{\"elements\": [", "[]", "{\"elements\": 1}",
					  "{\"a\": 1, \"a\": 2}"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		m2m_saip_pkg pkg;
		m2m_saip_json_error err;
		m2m_saip_pkg_init(&pkg);
		assert_int_not_equal(m2m_saip_json_parse_pkg(bad[i], strlen(bad[i]), &pkg, &err),
				     M2M_OK);
		assert_true(err.msg[0] != '\0');
		m2m_saip_pkg_free(&pkg);
	}
}

/* A 19-digit ICCID is padded with F in the header and comes back without it. */
static void test_iccid_odd(void **state)
{
	(void)state;
	m2m_buf der;
	m2m_saip_pkg pkg;
	m2m_saip_json_error err;
	json_t *back = NULL;
	m2m_buf_init(&der);
	m2m_saip_pkg_init(&pkg);
	json_t *root = package_json(packages[0], &der);
	json_object_del(root, "iccid");
	json_object_set_new(at(root, "elements/0/header"), "iccid", json_string("8944123456789012345"));
	assert_int_equal(m2m_saip_json_to_pkg(root, &pkg, &err), M2M_OK);
	const OCTET_STRING_t *os = &pkg.el[0].pe->choice.header.iccid;
	static const uint8_t want[] = {0x89, 0x44, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x5f};
	assert_int_equal(os->size, sizeof want);
	assert_memory_equal(os->buf, want, sizeof want);
	assert_int_equal(m2m_saip_json_from_pkg(&pkg, &back, &err), M2M_OK);
	assert_string_equal(json_string_value(json_object_get(back, "iccid")),
			    "8944123456789012345");
	json_decref(back);
	json_decref(root);
	m2m_saip_pkg_free(&pkg);
	m2m_buf_free(&der);
}

/* Primitives the TS.48 packages do not use, through the generic value mapping. */
static void value_round_trip(asn_TYPE_descriptor_t *td, const char *text)
{
	json_error_t je;
	m2m_saip_json_error err;
	json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je), *back = NULL;
	void *s = NULL;
	assert_non_null(v);
	if (m2m_saip_json_to_value(td, v, &s, &err) != M2M_OK)
		fail_msg("%s: '%s: %s'", text, err.path, err.msg);
	assert_int_equal(m2m_saip_json_from_value(td, s, &back, &err), M2M_OK);
	assert_true(json_equal(v, back));
	ASN_STRUCT_FREE(*td, s);
	json_decref(v);
	json_decref(back);
}

static void value_refused(asn_TYPE_descriptor_t *td, const char *text, const char *msg_part)
{
	json_error_t je;
	m2m_saip_json_error err;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &je);
	void *s = NULL;
	assert_non_null(v);
	assert_int_not_equal(m2m_saip_json_to_value(td, v, &s, &err), M2M_OK);
	assert_null(s);
	if (strstr(err.msg, msg_part) == NULL)
		fail_msg("got '%s', expected '%s'", err.msg, msg_part);
	json_decref(v);
}

static void test_primitives(void **state)
{
	(void)state;
	value_round_trip(&asn_DEF_BIT_STRING, "{\"hex\": \"a0\", \"unused\": 5}");
	value_round_trip(&asn_DEF_BIT_STRING, "{\"hex\": \"\", \"unused\": 0}");
	value_refused(&asn_DEF_BIT_STRING, "{\"hex\": \"ff\", \"unused\": 8}", "unused");
	value_refused(&asn_DEF_BIT_STRING, "{\"hex\": \"ff\"}", "expected");
	value_round_trip(&asn_DEF_BOOLEAN, "true");
	value_round_trip(&asn_DEF_BOOLEAN, "false");
	value_refused(&asn_DEF_BOOLEAN, "1", "true or false");
	value_round_trip(&asn_DEF_UTF8String, "\"caf\\u00e9 \\u0000 x\"");
	value_round_trip(&asn_DEF_OBJECT_IDENTIFIER, "\"1.2.840.10045.3.1.7\"");
	value_refused(&asn_DEF_OBJECT_IDENTIFIER, "\"1\"", "OBJECT IDENTIFIER");
	value_round_trip(&asn_DEF_UInt31, "2147483647");
	value_refused(&asn_DEF_UInt31, "2147483648", "constraint");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip), cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),	   cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_iccid_odd),  cmocka_unit_test(test_primitives),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
