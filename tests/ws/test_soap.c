/* SOAP 1.2 + WS-Addressing parsing and XSD validation: the samples in tests/ws/data (each names
 * its XSD element; every one also passes `xmllint --schema data/wsdl/xsd/messages.xsd`), then
 * negative cases, each with the precise fault or FAILED status it must give. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <string.h>

#include "core/hex.h"
#include "core/log.h"
#include "ws/soap.h"
#include "ws/ws_test.h"

static m2m_ws_schema *schema;

static m2m_ws_msg *parse_file(const char *name)
{
	m2m_buf b;
	m2m_ws_msg *m = NULL;
	m2m_ws_error e;
	ws_test_load(name, &b);
	assert_int_equal(m2m_ws_soap_parse(b.data, b.len, &m, &e), M2M_OK);
	m2m_buf_free(&b);
	assert_non_null(m);
	assert_int_equal(m2m_ws_schema_validate_msg(schema, m, &e), M2M_OK);
	return m;
}

static void expect_bytes(const m2m_ws_node *n, const char *path, const char *hex)
{
	m2m_buf b, want;
	m2m_buf_init(&b);
	m2m_buf_init(&want);
	assert_int_equal(m2m_ws_get_bytes(n, path, &b), M2M_OK);
	assert_int_equal(m2m_hex_decode_buf(hex, &want), M2M_OK);
	assert_int_equal(b.len, want.len);
	assert_memory_equal(b.data, want.data, b.len);
	m2m_buf_free(&b);
	m2m_buf_free(&want);
}

static void test_es4_enable_profile(void **state)
{
	(void)state;
	m2m_ws_msg *m = parse_file("es4_enable_profile.xml");
	const m2m_ws_addressing *a = m2m_ws_msg_wsa(m);
	const m2m_ws_node *body = m2m_ws_msg_body(m);
	uint64_t vp = 0;
	const char *t;
	assert_int_equal(m2m_ws_msg_function(m)->id, M2M_WS_ES4_ENABLE_PROFILE);
	assert_int_equal(m2m_ws_msg_dir(m), M2M_WS_DIR_IN);
	assert_string_equal(a->action, "http://gsma.com/ES4/PlatformManagement/ES4-EnableProfile");
	/* &amp; in the XML is '&' in the value; the ZTE-style MessageID is kept verbatim. */
	assert_string_equal(a->from, "https://mno1.example:8443/soap/es4?EntityId=1.3.6.1.4.1."
				     "99999.1&EntityName=MNO");
	assert_non_null(strstr(a->message_id, "?TransactionId=urn:uuid:1b4e28ba"));
	assert_string_equal(a->reply_to, "https://mno1.example:8443/soap/es4");
	assert_null(a->relates_to);
	assert_string_equal(m2m_ws_msg_function_call_id(m), "fc-es4-0001");
	assert_int_equal(m2m_ws_msg_validity_period(m, &vp), M2M_OK);
	assert_int_equal(vp, 3600);
	expect_bytes(body, "Eid", "89001012012341234012345678901224");
	assert_int_equal(m2m_ws_get_text(body, "Iccid", &t), M2M_OK);
	assert_string_equal(t, "8944500102198304826");
	/* Iccid is an xs:string pattern, not binary: get_bytes refuses it. */
	m2m_buf b;
	m2m_buf_init(&b);
	assert_int_equal(m2m_ws_get_bytes(body, "Iccid", &b), M2M_ERR_FORMAT);
	assert_int_equal(m2m_ws_get_text(body, "Isd-p-aid", &t), M2M_END);
	m2m_ws_msg_free(m);
}

static void test_es3_create_isdp(void **state)
{
	(void)state;
	m2m_ws_msg *m = parse_file("es3_create_isdp.xml");
	const m2m_ws_node *body = m2m_ws_msg_body(m);
	uint64_t mem = 0;
	bool more = false;
	assert_int_equal(m2m_ws_msg_function(m)->id, M2M_WS_ES3_CREATE_ISDP);
	assert_int_equal(m2m_ws_get_uint(body, "RequiredMemory", &mem), M2M_OK);
	assert_int_equal(mem, 65536);
	assert_int_equal(m2m_ws_get_bool(body, "MoreToDo", &more), M2M_OK);
	assert_true(more);
	assert_string_equal(m2m_ws_node_text(m2m_ws_find(body, "Mno-id")), "1.3.6.1.4.1.99999.1");
	m2m_ws_msg_free(m);
}

static void test_es3_send_data(void **state)
{
	(void)state;
	m2m_ws_msg *m = parse_file("es3_send_data.xml");
	const m2m_ws_node *body = m2m_ws_msg_body(m);
	bool more = true;
	/* hexBinary in lower case inside white space (XSD whiteSpace collapse). */
	expect_bytes(body, "Data", "80E2910006BF3603800101");
	expect_bytes(body, "Sd-aid", "A0000005591010FFFFFFFF8900001000");
	assert_int_equal(m2m_ws_get_bool(body, "MoreToDo", &more), M2M_OK);
	assert_false(more);
	assert_int_equal(m2m_ws_msg_validity_period(m, &(uint64_t){0}), M2M_END);
	m2m_ws_msg_free(m);
}

static void test_es2_es7(void **state)
{
	(void)state;
	m2m_ws_msg *m = parse_file("es2_download_profile.xml");
	bool en = false;
	assert_int_equal(m2m_ws_msg_function(m)->id, M2M_WS_ES2_DOWNLOAD_PROFILE);
	assert_int_equal(m2m_ws_get_bool(m2m_ws_msg_body(m), "EnableProfile", &en), M2M_OK);
	assert_true(en);
	assert_string_equal(m2m_ws_node_text(m2m_ws_find(m2m_ws_msg_body(m), "SmSr-id")),
			    "1.3.6.1.4.1.99999.2");
	m2m_ws_msg_free(m);
	m = parse_file("es7_create_additional_key_set.xml");
	int64_t sp = 0;
	assert_int_equal(m2m_ws_msg_function(m)->id, M2M_WS_ES7_CREATE_ADDITIONAL_KEY_SET);
	assert_int_equal(m2m_ws_get_int(m2m_ws_msg_body(m), "ScenarioParameter", &sp), M2M_OK);
	assert_int_equal(sp, 3);
	expect_bytes(m2m_ws_msg_body(m), "HostId", "534D2D535232");
	m2m_ws_msg_free(m);
}

static void test_es1_register_eis(void **state)
{
	(void)state;
	m2m_ws_msg *m = parse_file("es1_register_eis.xml");
	const m2m_ws_node *body = m2m_ws_msg_body(m), *eis = m2m_ws_find(body, "Eis");
	time_t t = 0;
	assert_int_equal(m2m_ws_msg_function(m)->id, M2M_WS_ES1_REGISTER_EIS);
	assert_non_null(eis);
	expect_bytes(eis, "EumSignedInfo/Eid", "89001012012341234012345678901224");
	expect_bytes(eis, "EumSignedInfo/Ecasd/Keyset/Certificate/Value", "7F2181E8");
	assert_int_equal(m2m_ws_count(eis, "Isd-r/Keyset"), 2);
	const m2m_ws_node *ks = m2m_ws_find_nth(eis, "Isd-r/Keyset", 1);
	assert_string_equal(m2m_ws_node_text(m2m_ws_find(ks, "Type")), "SCP81");
	const m2m_ws_node *key = m2m_ws_find_nth(eis, "Isd-r/Keyset/Key", 1);
	assert_string_equal(m2m_ws_node_attr(key, "kcv"), "4D5E6F");
	assert_string_equal(m2m_ws_node_attr(m2m_ws_find(key, "KeyComponents"), "value"),
			    "FFEEDDCCBBAA99887766554433221100");
	assert_non_null(m2m_ws_next_same(m2m_ws_find(eis, "Isd-r/Keyset/Key")));
	assert_null(m2m_ws_find_nth(eis, "Isd-r/Keyset/Key", 2));
	assert_string_equal(m2m_ws_node_text(m2m_ws_find(eis, "ProfileInfo/pol2/Rule/Action")),
			    "DISABLE");
	/* XML-DSig: base64Binary as the schema types it (RFC 4648: "3q2+7w==" = DEADBEEF). */
	expect_bytes(eis, "EumSignature/ds:SignedInfo/ds:Reference/ds:DigestValue", "DEADBEEF");
	assert_true(m2m_ws_node_is_ds(m2m_ws_find(eis, "EumSignature/ds:SignatureValue")));
	assert_null(m2m_ws_find(eis, "EumSignature/SignatureValue"));
	/* 2024-04-30T23:00:00Z = 1714518000 (date -ud 2024-04-30T23:00:00Z +%s). */
	assert_int_equal(m2m_ws_get_time(eis, "LastAuditDate", &t), M2M_OK);
	assert_int_equal((long long)t, 1714518000LL);
	m2m_ws_msg_free(m);
}

static void test_callback_and_notification(void **state)
{
	(void)state;
	m2m_ws_msg *m = parse_file("es3_create_isdp_callback.xml");
	m2m_ws_exec_status st;
	time_t t = 0;
	assert_int_equal(m2m_ws_msg_function(m)->id, M2M_WS_ES3_CREATE_ISDP);
	assert_int_equal(m2m_ws_msg_dir(m), M2M_WS_DIR_OUT);
	assert_string_equal(m2m_ws_msg_wsa(m)->relates_to,
			    "urn:uuid:6f5b0c1e-3a52-4d0b-a2b4-2b1e3b0c9a01");
	assert_null(m2m_ws_msg_function_call_id(m));
	assert_int_equal(m2m_ws_msg_status(m, &st), M2M_OK);
	assert_int_equal(st.status, M2M_WS_EXECUTED_SUCCESS);
	assert_string_equal(st.subject, "");
	/* 12:00:09+02:00 = 10:00:09Z = 1714557609. */
	assert_int_equal(m2m_ws_get_time(m2m_ws_msg_body(m), "ProcessingEnd", &t), M2M_OK);
	assert_int_equal((long long)t, 1714557609LL);
	m2m_ws_msg_free(m);
	m = parse_file("es4_notification.xml");
	assert_int_equal(m2m_ws_msg_function(m)->id,
			 M2M_WS_ES4_HANDLE_PROFILE_ENABLED_NOTIFICATION);
	assert_null(m2m_ws_msg_function_call_id(m));
	assert_int_equal(m2m_ws_msg_status(m, &st), M2M_END);
	m2m_ws_msg_free(m);
}

/* v4 functions of data/wsdl/xsd/euicc.request.v4.xsd (docs/ws-v4.md): routed by the derived
 * Action (ES4, "...Request" alias) or the plain one (ES2), validated, read. */
static void test_v4_functions(void **state)
{
	(void)state;
	m2m_ws_msg *m = parse_file("es4_set_onc.xml");
	const m2m_ws_node *body = m2m_ws_msg_body(m);
	bool remove = true;
	assert_int_equal(m2m_ws_msg_function(m)->id, M2M_WS_ES4_SET_ONC);
	assert_int_equal(m2m_ws_msg_dir(m), M2M_WS_DIR_IN);
	assert_string_equal(m2m_ws_node_text(m2m_ws_find(body, "Onc/ProfileType")), "meter");
	assert_string_equal(m2m_ws_node_text(m2m_ws_find(body, "Onc/Notification")),
			    "ProfileEnabled");
	assert_int_equal(m2m_ws_get_bool(body, "Remove", &remove), M2M_OK);
	assert_false(remove);
	m2m_ws_msg_free(m);
	m = parse_file("es2_set_fallback.xml");
	assert_int_equal(m2m_ws_msg_function(m)->id, M2M_WS_ES2_SET_FALL_BACK_ATTRIBUTE);
	assert_string_equal(m2m_ws_node_text(m2m_ws_find(m2m_ws_msg_body(m), "SmSr-id")),
			    "1.3.6.1.4.1.99999.2");
	m2m_ws_msg_free(m);
}

/* A v4 message outside its schema: an ONC notification name the enumeration lacks. */
static void test_v4_invalid(void **state)
{
	(void)state;
	m2m_buf b;
	m2m_ws_msg *m = NULL;
	m2m_ws_error e;
	char *x, *p;
	ws_test_load("es4_set_onc.xml", &b);
	x = strndup((const char *)b.data, b.len);
	m2m_buf_free(&b);
	assert_non_null(x);
	p = strstr(x, ">SMSRChange<");
	assert_non_null(p);
	memcpy(p + 1, "Forwarded!", 10); /* same length: ">Forwarded!<" */
	assert_int_equal(m2m_ws_soap_parse((const uint8_t *)x, strlen(x), &m, &e), M2M_OK);
	assert_int_equal(m2m_ws_schema_validate_msg(schema, m, &e), M2M_ERR_FORMAT);
	assert_int_equal(e.status.status, M2M_WS_FAILED);
	assert_string_equal(e.status.reason, M2M_WS_REASON_INVALID);
	if (!strstr(e.status.message, "Notification"))
		fail_msg("message \"%s\" lacks \"Notification\"", e.status.message);
	m2m_ws_msg_free(m);
	free(x);
}

/* --- negative ---------------------------------------------------------------------------- */

static void expect_fault(const char *xml, m2m_ws_fault_code code, const char *subcode,
			 const char *detail, const char *text_part)
{
	m2m_ws_msg *m = NULL;
	m2m_ws_error e;
	m2m_err err = m2m_ws_soap_parse((const uint8_t *)xml, strlen(xml), &m, &e);
	assert_int_not_equal(err, M2M_OK);
	assert_null(m);
	assert_int_equal(e.fault, code);
	assert_string_equal(e.subcode, subcode);
	if (detail)
		assert_string_equal(e.detail, detail);
	if (text_part && !strstr(e.text, text_part))
		fail_msg("fault text \"%s\" lacks \"%s\"", e.text, text_part);
}

/* The ES4 sample with one substitution. */
static char *variant(const char *from, const char *to)
{
	m2m_buf b;
	ws_test_load("es4_enable_profile.xml", &b);
	char *r = ws_test_replace((const char *)b.data, from, to);
	m2m_buf_free(&b);
	return r;
}

static void test_malformed(void **state)
{
	(void)state;
	m2m_buf b;
	ws_test_load("es4_enable_profile.xml", &b);
	/* Truncated in the middle of the body. */
	b.data[b.len / 2] = '\0';
	expect_fault((const char *)b.data, M2M_WS_FAULT_SENDER, "", NULL, "malformed XML");
	m2m_buf_free(&b);
	expect_fault("hello", M2M_WS_FAULT_SENDER, "", NULL, "malformed XML");
	expect_fault("", M2M_WS_FAULT_SENDER, "", NULL, "empty");
	expect_fault("<a><b></a>", M2M_WS_FAULT_SENDER, "", NULL, "malformed XML");
	/* Bytes after the root element. */
	char *x = variant("</env:Envelope>", "</env:Envelope><x/>");
	expect_fault(x, M2M_WS_FAULT_SENDER, "", NULL, "malformed XML");
	free(x);
}

static void test_envelope(void **state)
{
	(void)state;
	expect_fault("<Envelope xmlns=\"http://schemas.xmlsoap.org/soap/envelope/\"><Body/>"
		     "</Envelope>",
		     M2M_WS_FAULT_VERSION_MISMATCH, "", NULL, "SOAP 1.1");
	expect_fault("<foo/>", M2M_WS_FAULT_VERSION_MISMATCH, "", NULL, "not a SOAP 1.2");
	expect_fault("<e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\"/>",
		     M2M_WS_FAULT_SENDER, "", NULL, "one env:Body");
	expect_fault("<e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\"><e:Body/>"
		     "<e:Header/></e:Envelope>",
		     M2M_WS_FAULT_SENDER, "", NULL, "one env:Body");
	char *x = variant("<env:Body>", "<env:Body><rps:Extra/>");
	expect_fault(x, M2M_WS_FAULT_SENDER, "", NULL, "exactly one element (it holds 2)");
	free(x);
	/* An unknown header block that must be understood. */
	x = variant("<env:Header>", "<env:Header><s:Session xmlns:s=\"urn:x\" "
				    "env:mustUnderstand=\"true\">1</s:Session>");
	expect_fault(x, M2M_WS_FAULT_MUST_UNDERSTAND, "", NULL, "Session");
	free(x);
	/* ... which is fine when optional or for the role "none". */
	x = variant("<env:Header>", "<env:Header><s:Session xmlns:s=\"urn:x\">1</s:Session>"
				    "<s:T xmlns:s=\"urn:x\" env:mustUnderstand=\"1\" env:role=\""
				    "http://www.w3.org/2003/05/soap-envelope/role/none\"/>");
	m2m_ws_msg *m = NULL;
	assert_int_equal(m2m_ws_soap_parse((const uint8_t *)x, strlen(x), &m, NULL), M2M_OK);
	m2m_ws_msg_free(m);
	free(x);
}

static void test_addressing(void **state)
{
	(void)state;
	char *x = variant("<wsa:Action env:mustUnderstand=\"true\">"
			  "http://gsma.com/ES4/PlatformManagement/ES4-EnableProfile</wsa:Action>",
			  "");
	expect_fault(x, M2M_WS_FAULT_SENDER, "wsa:MessageAddressingHeaderRequired", "wsa:Action",
		     "Action is required");
	free(x);
	x = variant("<wsa:MessageID>", "<wsa:Other>");
	char *y = ws_test_replace(x, "</wsa:MessageID>", "</wsa:Other>");
	expect_fault(y, M2M_WS_FAULT_SENDER, "wsa:MessageAddressingHeaderRequired",
		     "wsa:MessageID", "MessageID is required");
	free(x);
	free(y);
	x = variant("<wsa:To ", "<wsa:MessageID>urn:uuid:dup</wsa:MessageID><wsa:To ");
	expect_fault(x, M2M_WS_FAULT_SENDER, "wsa:InvalidAddressingHeader wsa:InvalidCardinality",
		     "wsa:MessageID", "twice");
	free(x);
	x = variant("<wsa:From><wsa:Address>", "<wsa:From><wsa:Addr>");
	y = ws_test_replace(x, "</wsa:Address></wsa:From>", "</wsa:Addr></wsa:From>");
	expect_fault(y, M2M_WS_FAULT_SENDER, "wsa:InvalidAddressingHeader wsa:MissingAddressInEPR",
		     "wsa:From", "no wsa:Address");
	free(x);
	free(y);
	x = variant("ES4-EnableProfile</wsa:Action>", "ES4-FlyToTheMoon</wsa:Action>");
	expect_fault(x, M2M_WS_FAULT_SENDER, "wsa:ActionNotSupported",
		     "http://gsma.com/ES4/PlatformManagement/ES4-FlyToTheMoon", "not supported");
	free(x);
	/* njiwa's spelling "ProfileManagent" is not an official Action (facts-2 8d). */
	x = variant("PlatformManagement/ES4-EnableProfile",
		    "ProfileManagent/ES4-GetEISRequest");
	expect_fault(x, M2M_WS_FAULT_SENDER, "wsa:ActionNotSupported", NULL, NULL);
	free(x);
	/* A real Action of another function. */
	x = variant("PlatformManagement/ES4-EnableProfile",
		    "PlatformManagement/ES4-DisableProfile");
	expect_fault(x, M2M_WS_FAULT_SENDER, "wsa:InvalidAddressingHeader wsa:ActionMismatch",
		     "wsa:Action", "does not match");
	free(x);
	/* The WSDL's alternative spelling with the Request suffix is accepted. */
	x = variant("PlatformManagement/ES4-EnableProfile",
		    "PlatformManagement/ES4-EnableProfileRequest");
	m2m_ws_msg *m = NULL;
	assert_int_equal(m2m_ws_soap_parse((const uint8_t *)x, strlen(x), &m, NULL), M2M_OK);
	assert_int_equal(m2m_ws_msg_function(m)->id, M2M_WS_ES4_ENABLE_PROFILE);
	m2m_ws_msg_free(m);
	free(x);
}

static void test_wrong_namespace(void **state)
{
	(void)state;
	/* njiwa's /1 namespace instead of the v3 one. */
	char *x = variant("xmlns:rps=\"http://namespaces.gsma.org/esim-messaging/3\"",
			  "xmlns:rps=\"http://namespaces.gsma.org/esim-messaging/1\"");
	expect_fault(x, M2M_WS_FAULT_SENDER, "", NULL,
		     "in namespace 'http://namespaces.gsma.org/esim-messaging/1'");
	free(x);
}

static void test_xml_attacks(void **state)
{
	(void)state;
	/* Billion laughs: refused at the DOCTYPE, nothing is expanded. */
	static const char bomb[] =
		"<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n"
		"<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
		"<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
		"<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n]>\n"
		"<env:Envelope xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\"><env:Body>"
		"<x>&lol3;</x></env:Body></env:Envelope>";
	expect_fault(bomb, M2M_WS_FAULT_SENDER, "", NULL, "DTD");
	/* External entity (XXE). */
	static const char xxe[] =
		"<?xml version=\"1.0\"?><!DOCTYPE e [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
		"<e>&x;</e>";
	expect_fault(xxe, M2M_WS_FAULT_SENDER, "", NULL, "DTD");
	/* External DTD over the network. */
	expect_fault("<!DOCTYPE e SYSTEM \"http://127.0.0.1:1/x.dtd\"><e/>", M2M_WS_FAULT_SENDER,
		     "", NULL, "DTD");
	/* An undeclared entity is not well-formed. */
	expect_fault("<e>&undeclared;</e>", M2M_WS_FAULT_SENDER, "", NULL, "malformed XML");
	/* Processing instructions. */
	char *x = variant("<env:Body>", "<env:Body><?php echo 1; ?>");
	expect_fault(x, M2M_WS_FAULT_SENDER, "", NULL, "processing instructions");
	free(x);
	/* Nesting deeper than the limit. */
	m2m_buf deep;
	m2m_buf_init(&deep);
	for (int i = 0; i < 60; i++)
		m2m_buf_append(&deep, "<a>", 3);
	for (int i = 0; i < 60; i++)
		m2m_buf_append(&deep, "</a>", 4);
	m2m_buf_append(&deep, "<rps:Iccid>", 11);
	m2m_buf_append_u8(&deep, 0);
	x = variant("<rps:Iccid>", (const char *)deep.data);
	expect_fault(x, M2M_WS_FAULT_SENDER, "", NULL, "nesting deeper");
	free(x);
	m2m_buf_free(&deep);
	/* More than the 4 MiB cap. */
	size_t big = 4u * 1024u * 1024u + 16u;
	char *huge = malloc(big + 1);
	assert_non_null(huge);
	memset(huge, ' ', big);
	memcpy(huge, "<a>", 3);
	huge[big] = '\0';
	expect_fault(huge, M2M_WS_FAULT_SENDER, "", NULL, "larger than");
	free(huge);
}

/* Comments are dropped and the text around them joined. */
static void test_comments(void **state)
{
	(void)state;
	char *x = variant("<rps:Iccid>8944500102198304826</rps:Iccid>",
			  "<rps:Iccid>89445001<!-- split -->02198304826</rps:Iccid>");
	m2m_ws_msg *m = NULL;
	m2m_ws_error e;
	assert_int_equal(m2m_ws_soap_parse((const uint8_t *)x, strlen(x), &m, &e), M2M_OK);
	assert_int_equal(m2m_ws_schema_validate_msg(schema, m, &e), M2M_OK);
	assert_string_equal(m2m_ws_node_text(m2m_ws_find(m2m_ws_msg_body(m), "Iccid")),
			    "8944500102198304826");
	m2m_ws_msg_free(m);
	free(x);
}

/* Parses fine, fails validation with the given subject (reason 2.1) and message part. */
static void expect_invalid(const char *from, const char *to, const char *subject,
			   const char *part)
{
	char *x = variant(from, to);
	m2m_ws_msg *m = NULL;
	m2m_ws_error e;
	assert_int_equal(m2m_ws_soap_parse((const uint8_t *)x, strlen(x), &m, &e), M2M_OK);
	assert_int_equal(m2m_ws_schema_validate_msg(schema, m, &e), M2M_ERR_FORMAT);
	assert_int_equal(e.fault, M2M_WS_FAULT_NONE);
	assert_int_equal(e.status.status, M2M_WS_FAILED);
	assert_string_equal(e.status.subject, subject);
	assert_string_equal(e.status.reason, M2M_WS_REASON_INVALID);
	if (!strstr(e.status.message, part))
		fail_msg("message \"%s\" lacks \"%s\"", e.status.message, part);
	m2m_ws_msg_free(m);
	free(x);
}

static void test_schema_invalid(void **state)
{
	(void)state;
	/* Missing mandatory Iccid: libxml2 names the expected element. */
	expect_invalid("<rps:Iccid>8944500102198304826</rps:Iccid>", "", M2M_WS_SUBJ_ICCID,
		       "Iccid");
	/* ICCID pattern 89[0-9fF]{4,18}. */
	expect_invalid("8944500102198304826</rps:Iccid>", "1234</rps:Iccid>", M2M_WS_SUBJ_ICCID,
		       "pattern");
	/* EID hexBinary with an odd digit count. */
	expect_invalid("89001012012341234012345678901224</rps:Eid>", "890</rps:Eid>",
		       M2M_WS_SUBJ_EID, "Eid");
	/* Missing FunctionCallIdentifier: no element subject, the function itself. */
	expect_invalid("<rps:FunctionCallIdentifier>fc-es4-0001</rps:FunctionCallIdentifier>", "",
		       M2M_WS_SUBJ_FUNCTION, "FunctionCallIdentifier");
	/* ValidityPeriod is a positiveInteger. */
	expect_invalid("<rps:ValidityPeriod>3600", "<rps:ValidityPeriod>-5", M2M_WS_SUBJ_FUNCTION,
		       "ValidityPeriod");
	/* An element the XSD does not know. */
	expect_invalid("<rps:Iccid>", "<rps:Colour>red</rps:Colour><rps:Iccid>",
		       M2M_WS_SUBJ_FUNCTION, "Colour");
}

static void test_fault_message(void **state)
{
	(void)state;
	static const char fault[] =
		"<e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\" "
		"xmlns:a=\"http://www.w3.org/2005/08/addressing\"><e:Header>"
		"<a:Action>http://www.w3.org/2005/08/addressing/fault</a:Action>"
		"<a:RelatesTo>urn:uuid:1</a:RelatesTo></e:Header><e:Body><e:Fault>"
		"<e:Code><e:Value>e:Sender</e:Value><e:Subcode><e:Value>a:InvalidAddressingHeader"
		"</e:Value><e:Subcode><e:Value>a:InvalidCardinality</e:Value></e:Subcode>"
		"</e:Subcode></e:Code><e:Reason><e:Text xml:lang=\"en\">twice</e:Text></e:Reason>"
		"<e:Detail><a:ProblemHeaderQName>a:MessageID</a:ProblemHeaderQName></e:Detail>"
		"</e:Fault></e:Body></e:Envelope>";
	m2m_ws_msg *m = NULL;
	m2m_ws_error e;
	assert_int_equal(m2m_ws_soap_parse((const uint8_t *)fault, strlen(fault), &m, &e),
			 M2M_OK);
	assert_true(m2m_ws_msg_is_fault(m));
	assert_null(m2m_ws_msg_function(m));
	assert_int_equal(m2m_ws_msg_fault(m, &e), M2M_OK);
	assert_int_equal(e.fault, M2M_WS_FAULT_SENDER);
	assert_string_equal(e.subcode, "wsa:InvalidAddressingHeader wsa:InvalidCardinality");
	assert_string_equal(e.text, "twice");
	assert_string_equal(e.detail, "a:MessageID");
	m2m_ws_msg_free(m);
}

/* One schema, several threads validating at once (the documented way to share it). */
static void *validate_many(void *arg)
{
	const m2m_buf *b = arg;
	intptr_t bad = 0;
	for (int i = 0; i < 40; i++) {
		m2m_ws_msg *m = NULL;
		m2m_ws_error e;
		if (m2m_ws_soap_parse(b->data, b->len, &m, &e) != M2M_OK ||
		    m2m_ws_schema_validate_msg(schema, m, &e) != M2M_OK)
			bad++;
		m2m_ws_msg_free(m);
	}
	return (void *)bad;
}

static void test_threads(void **state)
{
	(void)state;
	m2m_buf b;
	pthread_t t[4];
	ws_test_load("es1_register_eis.xml", &b);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, validate_many, &b), 0);
	for (int i = 0; i < 4; i++) {
		void *bad = NULL;
		pthread_join(t[i], &bad);
		assert_null(bad);
	}
	m2m_buf_free(&b);
}

static void test_find_dir(void **state)
{
	(void)state;
	char dir[4096];
	m2m_ws_schema *s = NULL;
	assert_int_equal(m2m_ws_find_dir(WS_WSDL_DIR, dir, sizeof dir), M2M_OK);
	assert_string_equal(dir, WS_WSDL_DIR);
	assert_int_equal(m2m_ws_find_dir("/nonexistent", dir, sizeof dir), M2M_ERR_IO);
	assert_int_equal(m2m_ws_schema_load("/nonexistent", &s), M2M_ERR_IO);
	assert_null(s);
	setenv(M2M_WS_DIR_ENV, WS_WSDL_DIR, 1);
	assert_int_equal(m2m_ws_find_dir(NULL, dir, sizeof dir), M2M_OK);
	assert_string_equal(dir, WS_WSDL_DIR);
	unsetenv(M2M_WS_DIR_ENV);
	/* A directory without the schema is skipped. */
	setenv(M2M_WS_DIR_ENV, "/tmp", 1);
	m2m_err err = m2m_ws_find_dir(NULL, dir, sizeof dir);
	/* Found next to the test binary in the build tree, or nowhere: never /tmp. */
	assert_true(err == M2M_ERR_IO || (err == M2M_OK && strcmp(dir, "/tmp") != 0));
	unsetenv(M2M_WS_DIR_ENV);
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
	m2m_ws_cleanup();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_es4_enable_profile),
		cmocka_unit_test(test_v4_functions),
		cmocka_unit_test(test_v4_invalid),
		cmocka_unit_test(test_es3_create_isdp),
		cmocka_unit_test(test_es3_send_data),
		cmocka_unit_test(test_es2_es7),
		cmocka_unit_test(test_es1_register_eis),
		cmocka_unit_test(test_callback_and_notification),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_envelope),
		cmocka_unit_test(test_addressing),
		cmocka_unit_test(test_wrong_namespace),
		cmocka_unit_test(test_xml_attacks),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_schema_invalid),
		cmocka_unit_test(test_fault_message),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_find_dir),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
