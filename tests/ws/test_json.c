/* The JSON mirror: the documented mapping (docs/ws.md) on a known message, XML <-> JSON round
 * trips of every sample, schema-driven arrays, attributes and XML-DSig names, and negative
 * JSON messages with the fault or FAILED status each must give. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include <libxml/tree.h>

#include "core/log.h"
#include "ws/json.h"
#include "ws/soap.h"
#include "ws/ws_test.h"

static m2m_ws_schema *schema;

static char *json_text(const m2m_ws_msg *m)
{
	m2m_buf b;
	m2m_buf_init(&b);
	assert_int_equal(m2m_ws_json_write(m, &b), M2M_OK);
	assert_int_equal(m2m_buf_append_u8(&b, 0), M2M_OK);
	return (char *)b.data;
}

static m2m_ws_msg *soap_file(const char *name)
{
	m2m_buf b;
	m2m_ws_msg *m = NULL;
	ws_test_load(name, &b);
	assert_int_equal(m2m_ws_soap_parse(b.data, b.len, &m, NULL), M2M_OK);
	m2m_buf_free(&b);
	return m;
}

static m2m_ws_msg *json_parse_ok(const char *text)
{
	m2m_ws_msg *m = NULL;
	m2m_ws_error e;
	if (m2m_ws_json_parse((const uint8_t *)text, strlen(text), &m, &e) != M2M_OK)
		fail_msg("JSON refused: %s / %s", e.text, e.status.message);
	if (m2m_ws_schema_validate_msg(schema, m, &e) != M2M_OK)
		fail_msg("JSON body invalid: %s", e.status.message);
	return m;
}

/* Element trees equal up to prefixes and white space between elements. */
static bool xml_equal(const xmlNode *a, const xmlNode *b)
{
	if (strcmp((const char *)a->name, (const char *)b->name) != 0 ||
	    strcmp((const char *)a->ns->href, (const char *)b->ns->href) != 0)
		return false;
	const char *ta = m2m_ws_node_text(a), *tb = m2m_ws_node_text(b);
	if ((ta == NULL) != (tb == NULL) || (ta && strcmp(ta, tb) != 0))
		return false;
	for (const xmlAttr *x = a->properties; x; x = x->next) {
		const char *vb = m2m_ws_node_attr(b, (const char *)x->name);
		if (!vb || strcmp(vb, m2m_ws_node_attr(a, (const char *)x->name)) != 0)
			return false;
	}
	const xmlNode *ca = m2m_ws_first_child(a), *cb = m2m_ws_first_child(b);
	for (; ca && cb; ca = m2m_ws_next(ca), cb = m2m_ws_next(cb))
		if (!xml_equal(ca, cb))
			return false;
	return !ca && !cb;
}

/* The mapping as docs/ws.md states it, on the ES4 sample. */
static void test_documented_example(void **state)
{
	(void)state;
	m2m_ws_msg *m = soap_file("es4_enable_profile.xml");
	char *j = json_text(m);
	static const char want[] =
		"{\"Header\":{\"Action\":\"http://gsma.com/ES4/PlatformManagement/ES4-EnableProfile"
		"\",\"MessageID\":\"//1.3.6.1.4.1.99999.1/urn:uuid:8c0f4c2e-55a1-4e0b-9d9b-6f3c1f0a"
		"7b11?TransactionId=urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427&MessageDate=2024-"
		"05-01T12:00:00Z\",\"To\":\"https://smsr.example:8443/soap/es4?EntityId=1.3.6.1.4.1"
		".99999.2\",\"From\":\"https://mno1.example:8443/soap/es4?EntityId=1.3.6.1.4.1.9999"
		"9.1&EntityName=MNO\",\"ReplyTo\":\"https://mno1.example:8443/soap/es4\"},\"Body\":{"
		"\"ES4-EnableProfileRequest\":{\"FunctionCallIdentifier\":\"fc-es4-0001\","
		"\"ValidityPeriod\":\"3600\",\"Eid\":\"89001012012341234012345678901224\",\"Iccid\":"
		"\"8944500102198304826\"}}}";
	assert_string_equal(j, want);
	free(j);
	m2m_ws_msg_free(m);
}

/* XML -> JSON -> XML -> JSON for every sample: the same JSON text and the same elements. */
static void test_round_trips(void **state)
{
	(void)state;
	static const char *const files[] = {
		"es1_register_eis.xml", "es2_download_profile.xml", "es3_create_isdp.xml",
		"es3_create_isdp_callback.xml", "es3_send_data.xml", "es4_enable_profile.xml",
		"es4_notification.xml", "es7_create_additional_key_set.xml",
	};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		m2m_ws_msg *m1 = soap_file(files[i]);
		char *j1 = json_text(m1);
		m2m_ws_msg *m2 = json_parse_ok(j1);
		char *j2 = json_text(m2);
		assert_string_equal(j1, j2);
		assert_true(xml_equal(m2m_ws_msg_body(m1), m2m_ws_msg_body(m2)));
		assert_int_equal(m2m_ws_msg_function(m2)->id, m2m_ws_msg_function(m1)->id);
		assert_int_equal(m2m_ws_msg_dir(m2), m2m_ws_msg_dir(m1));
		/* And back through SOAP. */
		m2m_buf x;
		m2m_buf_init(&x);
		assert_int_equal(m2m_ws_soap_write(m2, &x), M2M_OK);
		assert_true(ws_test_envelope_valid(x.data, x.len));
		m2m_ws_msg *m3 = NULL;
		assert_int_equal(m2m_ws_soap_parse(x.data, x.len, &m3, NULL), M2M_OK);
		char *j3 = json_text(m3);
		assert_string_equal(j1, j3);
		free(j1);
		free(j2);
		free(j3);
		m2m_buf_free(&x);
		m2m_ws_msg_free(m1);
		m2m_ws_msg_free(m2);
		m2m_ws_msg_free(m3);
	}
}

static json_t *body_of(const char *file)
{
	m2m_ws_msg *m = soap_file(file);
	json_t *j = NULL;
	char err[256];
	assert_int_equal(m2m_ws_json_from_node(m2m_ws_msg_body(m), &j, err, sizeof err), M2M_OK);
	m2m_ws_msg_free(m);
	return j;
}

/* Arrays where the XSD says maxOccurs > 1 (even for one item), attributes, ds: names. */
static void test_arrays_and_attributes(void **state)
{
	(void)state;
	json_t *j = body_of("es1_register_eis.xml");
	json_t *eis = json_object_get(json_object_get(j, "ES1-RegisterEISRequest"), "Eis");
	assert_non_null(eis);
	assert_true(json_is_array(json_object_get(eis, "ProfileInfo")));
	assert_int_equal(json_array_size(json_object_get(eis, "ProfileInfo")), 1);
	json_t *isdr = json_object_get(eis, "Isd-r");
	assert_true(json_is_object(isdr));
	assert_true(json_is_array(json_object_get(isdr, "Tar")));
	assert_string_equal(json_string_value(json_array_get(json_object_get(isdr, "Tar"), 0)),
			    "000001");
	json_t *keysets = json_object_get(isdr, "Keyset");
	assert_int_equal(json_array_size(keysets), 2);
	json_t *key = json_array_get(json_object_get(json_array_get(keysets, 0), "Key"), 1);
	assert_string_equal(json_string_value(json_object_get(key, "@kcv")), "4D5E6F");
	json_t *kc = json_array_get(json_object_get(key, "KeyComponents"), 0);
	assert_string_equal(json_string_value(json_object_get(kc, "@type")), "88");
	/* POL2 rules repeat; the Rule itself is an object of strings. */
	json_t *rule = json_array_get(
		json_object_get(json_object_get(json_array_get(json_object_get(eis, "ProfileInfo"),
							       0),
						"pol2"),
				"Rule"),
		0);
	assert_string_equal(json_string_value(json_object_get(rule, "Qualification")),
			    "Not-Allowed");
	json_t *sig = json_object_get(eis, "EumSignature");
	json_t *si = json_object_get(sig, "ds:SignedInfo");
	json_t *c14n = json_object_get(si, "ds:CanonicalizationMethod");
	assert_string_equal(json_string_value(json_object_get(c14n, "@Algorithm")),
			    "http://www.w3.org/2001/10/xml-exc-c14n#");
	assert_true(json_is_array(json_object_get(si, "ds:Reference")));
	assert_true(json_is_string(json_object_get(sig, "ds:SignatureValue")));
	/* Booleans and numbers stay strings. */
	json_t *caps = json_object_get(json_object_get(eis, "EumSignedInfo"), "EuiccCapabilities");
	assert_string_equal(json_string_value(json_object_get(caps, "HttpSupport")), "true");
	json_decref(j);
	/* ES3-AuditEISRequest: Iccid repeats there (not in EnableProfile). */
	m2m_ws_msg *m = json_parse_ok(
		"{\"Header\":{\"MessageID\":\"urn:uuid:1\"},\"Body\":{\"ES3-AuditEISRequest\":{"
		"\"Iccid\":[\"8944500102198304826\",\"8944500102198304834\"],\"Eid\":"
		"\"89001012012341234012345678901224\",\"FunctionCallIdentifier\":\"a\"}}}");
	assert_int_equal(m2m_ws_count(m2m_ws_msg_body(m), "Iccid"), 2);
	/* Keys in any order, XML in schema order; the Action is filled in. */
	assert_string_equal(m2m_ws_node_name(m2m_ws_first_child(m2m_ws_msg_body(m))),
			    "FunctionCallIdentifier");
	assert_string_equal(m2m_ws_msg_wsa(m)->action,
			    "http://gsma.com/ES3/ProfileManagement/ES3-AuditEISRequest");
	m2m_ws_msg_free(m);
}

static void expect_json_fault(const char *text, const char *subcode, const char *part)
{
	m2m_ws_msg *m = NULL;
	m2m_ws_error e;
	assert_int_not_equal(m2m_ws_json_parse((const uint8_t *)text, strlen(text), &m, &e),
			     M2M_OK);
	assert_null(m);
	assert_int_equal(e.fault, M2M_WS_FAULT_SENDER);
	assert_string_equal(e.subcode, subcode);
	if (!strstr(e.text, part))
		fail_msg("fault text \"%s\" lacks \"%s\"", e.text, part);
}

#define HDR "{\"Header\":{\"MessageID\":\"urn:uuid:1\"},\"Body\":"
#define ENABLE_OK "{\"ES4-EnableProfileRequest\":{\"FunctionCallIdentifier\":\"f\",\"Eid\":" \
		  "\"89001012012341234012345678901224\",\"Iccid\":\"8944500102198304826\"}}"

static void test_json_faults(void **state)
{
	(void)state;
	expect_json_fault("{\"Header\":", "", "malformed JSON");
	expect_json_fault("[]", "", "Header and Body");
	expect_json_fault("{\"Header\":{}}", "", "Header and Body");
	expect_json_fault(HDR ENABLE_OK ",\"Extra\":1}", "", "Header and Body");
	/* Duplicate keys are refused by the parser. */
	expect_json_fault("{\"Header\":{},\"Header\":{},\"Body\":{}}", "", "malformed JSON");
	expect_json_fault(HDR "{}}", "", "exactly one function element");
	/* NUL characters: refused by the JSON parser (no JSON_ALLOW_NUL). */
	expect_json_fault(HDR "{\"ES4-EnableProfileRequest\":{\"Eid\":\"89\\u000000\"}}}", "",
			  "malformed JSON");
	expect_json_fault(HDR "{\"ES4-EnableProfileRequest\":{},\"ES4-GetEISRequest\":{}}}", "",
			  "exactly one function element");
	expect_json_fault(HDR "{\"ES4-FlyToTheMoonRequest\":{}}}", "wsa:ActionNotSupported",
			  "not a function element");
	expect_json_fault("{\"Header\":{\"MessageID\":\"urn:uuid:1\",\"Action\":\"http://gsma.com/"
			  "ES4/PlatformManagement/ES4-DisableProfile\"},\"Body\":" ENABLE_OK "}",
			  "wsa:InvalidAddressingHeader wsa:ActionMismatch", "does not match");
	expect_json_fault("{\"Header\":{\"MessageID\":\"urn:uuid:1\",\"Action\":\"urn:x\"},"
			  "\"Body\":" ENABLE_OK "}",
			  "wsa:ActionNotSupported", "not supported");
	expect_json_fault("{\"Body\":" ENABLE_OK "}", "wsa:MessageAddressingHeaderRequired",
			  "MessageID");
	expect_json_fault("{\"Header\":{\"MessageID\":1},\"Body\":" ENABLE_OK "}",
			  "wsa:InvalidAddressingHeader", "non-empty string");
	/* White space around a header value does not count (as in SOAP). */
	expect_json_fault("{\"Header\":{\"MessageID\":\" \\n\"},\"Body\":" ENABLE_OK "}",
			  "wsa:InvalidAddressingHeader", "non-empty string");
	expect_json_fault("{\"Header\":{\"MessageID\":\"a\",\"Colour\":\"red\"},\"Body\":"
			  ENABLE_OK "}",
			  "wsa:InvalidAddressingHeader", "unknown Header member");
	/* A response needs RelatesTo. */
	expect_json_fault(HDR "{\"ES4-EnableProfileResponse\":{\"FunctionExecutionStatus\":{"
			  "\"Status\":\"EXECUTED_SUCCESS\"}}}}",
			  "wsa:MessageAddressingHeaderRequired", "RelatesTo");
}

/* The function is known but its body does not map: FAILED, subject of the element. */
static void expect_json_failed(const char *body, const char *subject, const char *part)
{
	char text[1024];
	m2m_ws_msg *m = NULL;
	m2m_ws_error e;
	snprintf(text, sizeof text, HDR "%s}", body);
	assert_int_equal(m2m_ws_json_parse((const uint8_t *)text, strlen(text), &m, &e),
			 M2M_ERR_FORMAT);
	assert_non_null(m);
	assert_int_equal(m2m_ws_msg_function(m)->id, M2M_WS_ES4_ENABLE_PROFILE);
	assert_int_equal(e.fault, M2M_WS_FAULT_NONE);
	assert_int_equal(e.status.status, M2M_WS_FAILED);
	assert_string_equal(e.status.subject, subject);
	assert_string_equal(e.status.reason, M2M_WS_REASON_INVALID);
	if (!strstr(e.status.message, part))
		fail_msg("message \"%s\" lacks \"%s\"", e.status.message, part);
	m2m_ws_msg_free(m);
}

static void test_json_failed(void **state)
{
	(void)state;
	expect_json_failed("{\"ES4-EnableProfileRequest\":{\"Colour\":\"red\"}}",
			   M2M_WS_SUBJ_FUNCTION, "element Colour is not allowed here");
	expect_json_failed("{\"ES4-EnableProfileRequest\":{\"Iccid\":89445}}", M2M_WS_SUBJ_ICCID,
			   "ES4-EnableProfileRequest/Iccid: a JSON string was expected");
	expect_json_failed("{\"ES4-EnableProfileRequest\":{\"Iccid\":[\"8944500102198304826\"]}}",
			   M2M_WS_SUBJ_ICCID, "only once, not an array");
	expect_json_failed("{\"ES4-EnableProfileRequest\":{\"Eid\":{\"x\":\"1\"}}}",
			   M2M_WS_SUBJ_EID, "a JSON string was expected");
	expect_json_failed("{\"ES4-EnableProfileRequest\":[]}", M2M_WS_SUBJ_FUNCTION,
			   "a JSON object was expected");
	/* Valid JSON mapping, invalid content: the schema catches it afterwards. */
	m2m_ws_msg *m = NULL;
	m2m_ws_error e;
	const char *t = HDR "{\"ES4-EnableProfileRequest\":{\"FunctionCallIdentifier\":\"f\","
			    "\"Eid\":\"89001012012341234012345678901224\"}}}";
	assert_int_equal(m2m_ws_json_parse((const uint8_t *)t, strlen(t), &m, &e), M2M_OK);
	assert_int_equal(m2m_ws_schema_validate_msg(schema, m, &e), M2M_ERR_FORMAT);
	assert_string_equal(e.status.subject, M2M_WS_SUBJ_ICCID);
	m2m_ws_msg_free(m);
	/* An array where the XSD repeats, empty arrays and deep nesting. */
	t = HDR "{\"ES3-AuditEISRequest\":{\"Iccid\":\"8944500102198304826\"}}}";
	assert_int_equal(m2m_ws_json_parse((const uint8_t *)t, strlen(t), &m, &e), M2M_ERR_FORMAT);
	assert_non_null(strstr(e.status.message, "an array was expected"));
	m2m_ws_msg_free(m);
	t = HDR "{\"ES3-AuditEISRequest\":{\"Iccid\":[]}}}";
	assert_int_equal(m2m_ws_json_parse((const uint8_t *)t, strlen(t), &m, &e), M2M_ERR_FORMAT);
	m2m_ws_msg_free(m);
	char deep[2048];
	size_t len = (size_t)snprintf(deep, sizeof deep,
				      HDR "{\"ES1-RegisterEISRequest\":{\"Eis\":{\"EumSignature\":{"
					  "\"ds:Object\":[");
	for (int i = 0; i < 60; i++)
		len += (size_t)snprintf(deep + len, sizeof deep - len, "{\"x\":");
	len += (size_t)snprintf(deep + len, sizeof deep - len, "\"v\"");
	for (int i = 0; i < 60; i++)
		len += (size_t)snprintf(deep + len, sizeof deep - len, "}");
	snprintf(deep + len, sizeof deep - len, "]}}}}}");
	assert_int_equal(m2m_ws_json_parse((const uint8_t *)deep, strlen(deep), &m, &e),
			 M2M_ERR_FORMAT);
	assert_non_null(strstr(e.status.message, "nesting deeper"));
	m2m_ws_msg_free(m);
}

static void test_json_fault_messages(void **state)
{
	(void)state;
	m2m_ws_error e, back;
	m2m_buf b;
	m2m_ws_msg *m = NULL;
	m2m_buf_init(&b);
	m2m_ws_error_failed(&e, M2M_WS_SUBJ_REQUESTER, M2M_WS_REASON_NOT_ALLOWED, "mno2",
			    "an MNO may not call %s", "ES3-CreateISDP");
	m2m_ws_error_to_fault(&e);
	snprintf(e.subcode, sizeof e.subcode, "wsa:InvalidAddressingHeader wsa:ActionMismatch");
	snprintf(e.detail, sizeof e.detail, "wsa:Action");
	assert_int_equal(m2m_ws_json_write_fault(&e, "urn:uuid:r", &b), M2M_OK);
	assert_int_equal(m2m_ws_json_parse(b.data, b.len, &m, NULL), M2M_OK);
	assert_true(m2m_ws_msg_is_fault(m));
	assert_string_equal(m2m_ws_msg_wsa(m)->relates_to, "urn:uuid:r");
	assert_string_equal(m2m_ws_msg_wsa(m)->action,
			    "http://www.w3.org/2005/08/addressing/fault");
	assert_int_equal(m2m_ws_msg_fault(m, &back), M2M_OK);
	assert_int_equal(back.fault, M2M_WS_FAULT_SENDER);
	assert_string_equal(back.subcode, "wsa:InvalidAddressingHeader wsa:ActionMismatch");
	assert_string_equal(back.detail, "wsa:Action");
	assert_string_equal(back.text, "an MNO may not call ES3-CreateISDP");
	assert_true(back.fault_status);
	assert_string_equal(back.status.subject, "1.1");
	assert_string_equal(back.status.reason, "1.2");
	assert_string_equal(back.status.subject_id, "mno2");
	/* The fault in JSON, written again, is the same text (minus the fresh header). */
	m2m_buf again;
	m2m_buf_init(&again);
	assert_int_equal(m2m_ws_json_write(m, &again), M2M_OK);
	assert_int_equal(m2m_buf_append_u8(&again, 0), M2M_OK);
	assert_non_null(strstr((const char *)again.data,
			       "\"Fault\":{\"Code\":\"Sender\",\"Subcode\":["
			       "\"wsa:InvalidAddressingHeader\",\"wsa:ActionMismatch\"]"));
	m2m_buf_free(&again);
	m2m_ws_msg_free(m);
	m2m_buf_free(&b);
}

/* A status code longer than a code field holds is refused, not cut (cut, "5555...5." would
 * no longer be a code and the message would not read back; found by fuzz_ws_json, the input
 * is in fuzz/corpus/ws_json/long-subject-code.json). */
static void test_json_long_code(void **state)
{
	static const char fmt[] =
		"{\"Header\":{\"Action\":\"http://www.w3.org/2005/08/addressing/fault\","
		"\"MessageID\":\"urn:uuid:f\",\"RelatesTo\":\"urn:uuid:0\"},"
		"\"Fault\":{\"Code\":\"Sender\",\"Reason\":\"no\","
		"\"FunctionExecutionStatus\":{\"Status\":\"FAILED\",\"StatusCodeData\":"
		"{\"Subject\":\"%s\",\"Reason\":\"1.2\"}}}}";
	char json[1024];
	m2m_ws_msg *m = NULL;
	m2m_buf b;

	(void)state;
	/* 31 characters: the longest code that fits. */
	snprintf(json, sizeof json, fmt, "5555555555555555555555555555.55");
	assert_int_equal(m2m_ws_json_parse((const uint8_t *)json, strlen(json), &m, NULL), M2M_OK);
	m2m_buf_init(&b);
	assert_int_equal(m2m_ws_json_write(m, &b), M2M_OK);
	m2m_ws_msg_free(m);
	m = NULL;
	assert_int_equal(m2m_ws_json_parse(b.data, b.len, &m, NULL), M2M_OK);
	m2m_ws_msg_free(m);
	m = NULL;
	m2m_buf_free(&b);
	/* 35: refused at parse. */
	snprintf(json, sizeof json, fmt, "555555555555555555555555555555.5551");
	assert_int_not_equal(m2m_ws_json_parse((const uint8_t *)json, strlen(json), &m, NULL),
			     M2M_OK);
	assert_null(m);
}

static int group_setup(void **state)
{
	(void)state;
	m2m_log_setup(M2M_LOG_OFF, M2M_LOG_PLAIN, NULL);
	schema = ws_test_schema();
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	m2m_ws_schema_free(schema);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_documented_example),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_arrays_and_attributes),
		cmocka_unit_test(test_json_faults),
		cmocka_unit_test(test_json_failed),
		cmocka_unit_test(test_json_fault_messages),
		cmocka_unit_test(test_json_long_code),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
