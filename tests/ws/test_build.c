/* Building messages: schema order, typed values, statuses, responses of every function, SOAP
 * envelopes and faults. Everything built is validated against the GSMA XSD, and every envelope
 * as a whole against soap-12.xsd + ws-addr.xsd + messages.xsd (tests/ws/data/envelope.xsd). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/log.h"
#include "ws/soap.h"
#include "ws/ws_test.h"
#include "ws/xsd_model.h"

static m2m_ws_schema *schema;

static void assert_valid(const m2m_ws_msg *m)
{
	m2m_ws_error e;
	if (m2m_ws_schema_validate_msg(schema, m, &e) != M2M_OK)
		fail_msg("%s does not validate: %s", m2m_ws_msg_function(m)->name,
			 e.status.message);
}

/* The names of the element children of n, joined by ','. */
static void child_names(const m2m_ws_node *n, char *out, size_t cap)
{
	out[0] = '\0';
	for (const m2m_ws_node *c = m2m_ws_first_child(n); c; c = m2m_ws_next(c)) {
		size_t len = strlen(out);
		snprintf(out + len, cap - len, "%s%s", len ? "," : "", m2m_ws_node_name(c));
	}
}

static void test_request_order(void **state)
{
	(void)state;
	m2m_ws_msg *m = NULL;
	m2m_ws_node *iccid = NULL;
	char names[256];
	static const uint8_t eid[16] = {0x89, 0x00, 0x10, 0x12, 0x01, 0x23, 0x41, 0x23,
					0x40, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x24};
	assert_int_equal(m2m_ws_request_new(M2M_WS_ES4_ENABLE_PROFILE, "fc-1", 600, &m), M2M_OK);
	/* Added out of order: the builder puts them in schema order. */
	assert_int_equal(m2m_ws_add(m, NULL, "Iccid", "8944500102198304826", &iccid), M2M_OK);
	assert_int_equal(m2m_ws_add_bytes(m, NULL, "Eid", eid, sizeof eid, NULL), M2M_OK);
	child_names(m2m_ws_msg_body(m), names, sizeof names);
	assert_string_equal(names, "FunctionCallIdentifier,ValidityPeriod,Eid,Iccid");
	/* hexBinary in its canonical upper case. */
	assert_string_equal(m2m_ws_node_text(m2m_ws_find(m2m_ws_msg_body(m), "Eid")),
			    "89001012012341234012345678901224");
	assert_valid(m);
	/* Names the schema does not allow here, and binary into a string element. */
	assert_int_equal(m2m_ws_add(m, NULL, "Colour", "red", NULL), M2M_ERR_ARG);
	assert_int_equal(m2m_ws_add(m, iccid, "Eid", "89", NULL), M2M_ERR_ARG);
	assert_int_equal(m2m_ws_add_bytes(m, NULL, "Iccid", eid, 2, NULL), M2M_ERR_ARG);
	assert_int_equal(m2m_ws_add(m, NULL, "", "x", NULL), M2M_ERR_ARG);
	m2m_ws_msg_free(m);
	/* A notification has no FunctionCallIdentifier; a request needs one. */
	assert_int_equal(m2m_ws_request_new(M2M_WS_ES4_ENABLE_PROFILE, NULL, 0, &m), M2M_ERR_ARG);
	assert_int_equal(m2m_ws_request_new(M2M_WS_ES3_HANDLE_PROFILE_ENABLED_NOTIFICATION, "x", 0,
					    &m),
			 M2M_ERR_ARG);
	assert_int_equal(m2m_ws_request_new(M2M_WS_FN__COUNT, "x", 0, &m), M2M_ERR_ARG);
}

static void test_nested_and_attributes(void **state)
{
	(void)state;
	m2m_ws_msg *m = NULL;
	m2m_ws_node *pol2, *rule, *addr;
	assert_int_equal(m2m_ws_request_new(M2M_WS_ES3_PROFILE_DOWNLOAD_COMPLETED, "fc-9", 0, &m),
			 M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "pol2", NULL, &pol2), M2M_OK);
	assert_int_equal(m2m_ws_add(m, pol2, "Rule", NULL, &rule), M2M_OK);
	assert_int_equal(m2m_ws_add(m, rule, "Qualification", "Auto-Delete", NULL), M2M_OK);
	assert_int_equal(m2m_ws_add(m, rule, "Action", "DISABLE", NULL), M2M_OK);
	assert_int_equal(m2m_ws_add(m, rule, "Subject", "PROFILE", NULL), M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "SubscriptionAddress", NULL, &addr), M2M_OK);
	assert_int_equal(m2m_ws_add(m, addr, "Msisdn", "447700900123", NULL), M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "Iccid", "8944500102198304826", NULL), M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "Eid", "89001012012341234012345678901224", NULL),
			 M2M_OK);
	char names[256];
	child_names(m2m_ws_msg_body(m), names, sizeof names);
	assert_string_equal(names, "FunctionCallIdentifier,Eid,Iccid,SubscriptionAddress,pol2");
	child_names(rule, names, sizeof names);
	assert_string_equal(names, "Subject,Action,Qualification");
	assert_valid(m);
	m2m_ws_msg_free(m);
}

static void test_statuses(void **state)
{
	(void)state;
	static const m2m_ws_status all[] = {M2M_WS_EXECUTED_SUCCESS, M2M_WS_EXECUTED_WITHWARNING,
					    M2M_WS_FAILED, M2M_WS_EXPIRED};
	static const char *const names[] = {"EXECUTED_SUCCESS", "EXECUTED_WITHWARNING", "FAILED",
					    "EXPIRED"};
	for (size_t i = 0; i < 4; i++) {
		m2m_ws_exec_status st, back;
		m2m_ws_msg *m = NULL;
		assert_string_equal(m2m_ws_status_name(all[i]), names[i]);
		m2m_ws_status_set(&st, all[i], i ? M2M_WS_SUBJ_EID : NULL,
				  i ? M2M_WS_REASON_UNKNOWN : NULL,
				  i > 1 ? "89001012012341234012345678901224" : NULL,
				  i > 2 ? "validity period of %d s elapsed" : NULL, 3600);
		assert_int_equal(m2m_ws_response_new(M2M_WS_ES4_DISABLE_PROFILE, &st, &m), M2M_OK);
		assert_int_equal(m2m_ws_response_set_times(m, 1714521600, 1714521609), M2M_OK);
		assert_int_equal(m2m_ws_response_set_acceptable_validity(m, 7200), M2M_OK);
		assert_int_equal(m2m_ws_add(m, NULL, "EuiccResponseData", "9000", NULL), M2M_OK);
		assert_valid(m);
		assert_int_equal(m2m_ws_msg_status(m, &back), M2M_OK);
		assert_int_equal(back.status, all[i]);
		assert_string_equal(back.subject, i ? "8.1.1" : "");
		assert_string_equal(back.reason, i ? "3.9" : "");
		if (i > 2)
			assert_string_equal(back.message, "validity period of 3600 s elapsed");
		char order[256];
		child_names(m2m_ws_msg_body(m), order, sizeof order);
		assert_string_equal(order, "ProcessingStart,ProcessingEnd,AcceptableValidityPeriod,"
					   "FunctionExecutionStatus,EuiccResponseData");
		assert_string_equal(m2m_ws_node_text(m2m_ws_find(m2m_ws_msg_body(m),
								  "ProcessingStart")),
				    "2024-05-01T00:00:00Z");
		/* Replacing the status keeps the order. */
		m2m_ws_status_set(&st, M2M_WS_FAILED, "8.4", "4.2", NULL, NULL);
		assert_int_equal(m2m_ws_response_set_status(m, &st), M2M_OK);
		assert_valid(m);
		m2m_ws_msg_free(m);
	}
	m2m_ws_exec_status bad;
	m2m_ws_msg *m = NULL;
	m2m_ws_status_set(&bad, M2M_WS_FAILED, "eid", "3.9", NULL, NULL);
	assert_int_equal(m2m_ws_response_new(M2M_WS_ES4_DISABLE_PROFILE, &bad, &m), M2M_ERR_ARG);
	m2m_ws_status_set(&bad, M2M_WS_FAILED, "8.1.", "3.9", NULL, NULL);
	assert_int_equal(m2m_ws_response_new(M2M_WS_ES4_DISABLE_PROFILE, &bad, &m), M2M_ERR_ARG);
	assert_int_equal(m2m_ws_response_new(M2M_WS_ES4_HANDLE_PROFILE_ENABLED_NOTIFICATION, NULL,
					     &m),
			 M2M_ERR_ARG);
	m2m_ws_status parsed;
	assert_int_equal(m2m_ws_status_parse("Executed-Success", &parsed), M2M_ERR_FORMAT);
}

/* Response types with a mandatory child beyond BaseResponseType (read off the model). */
static bool has_mandatory_output(const m2m_ws_function *f)
{
	const m2m_ws_xsd_type *t = m2m_ws_xsd_element(f->response_element);
	for (size_t i = 4; t && i < t->n_children; i++)
		if (!(m2m_ws_xsd_children[t->first_child + i].flags & M2M_WS_XSD_OPTIONAL))
			return true;
	return false;
}

/* Every function's response with a bare status validates, except where the XSD makes an
 * output mandatory (ES3-CreateISDPResponse: Isd-p-aid; ES7-AuthenticateSMSRResponse:
 * RandomChallenge; ES7-CreateAdditionalKeySetResponse: DerivationRandom, Receipt). */
static void test_every_response(void **state)
{
	(void)state;
	char mandatory[256] = "";
	for (int id = 0; id < M2M_WS_FN__COUNT; id++) {
		const m2m_ws_function *f = m2m_ws_function_get((m2m_ws_fn)id);
		m2m_ws_msg *m = NULL;
		m2m_ws_exec_status st;
		m2m_ws_error e;
		assert_non_null(f);
		assert_int_equal(f->id, id);
		assert_non_null(m2m_ws_xsd_element(f->request_element));
		if (f->kind == M2M_WS_KIND_NOTIFICATION) {
			assert_null(f->response_element);
			continue;
		}
		m2m_ws_status_set(&st, M2M_WS_FAILED, M2M_WS_SUBJ_FUNCTION, M2M_WS_REASON_INVALID,
				  NULL, "test");
		assert_int_equal(m2m_ws_response_new(f->id, &st, &m), M2M_OK);
		bool valid = m2m_ws_schema_validate_msg(schema, m, &e) == M2M_OK;
		assert_int_equal(valid, !has_mandatory_output(f));
		if (!valid) {
			size_t len = strlen(mandatory);
			snprintf(mandatory + len, sizeof mandatory - len, "%s ", f->name);
		}
		m2m_ws_msg_free(m);
	}
	assert_string_equal(mandatory, "ES3-CreateISDP ES7-AuthenticateSMSR "
				       "ES7-CreateAdditionalKeySet ");
}

/* A copy of the ES1 sample's Eis into an ES4-GetEISResponse (what an SM-SR returns). */
static void test_copy(void **state)
{
	(void)state;
	m2m_buf b;
	m2m_ws_msg *in = NULL, *out = NULL;
	ws_test_load("es1_register_eis.xml", &b);
	assert_int_equal(m2m_ws_soap_parse(b.data, b.len, &in, NULL), M2M_OK);
	m2m_buf_free(&b);
	assert_int_equal(m2m_ws_response_new(M2M_WS_ES4_GET_EIS, NULL, &out), M2M_OK);
	assert_int_equal(m2m_ws_add_copy(out, NULL, m2m_ws_find(m2m_ws_msg_body(in), "Eis"), NULL),
			 M2M_OK);
	m2m_ws_msg_free(in);
	assert_valid(out);
	assert_string_equal(m2m_ws_node_text(m2m_ws_find(m2m_ws_msg_body(out),
							  "Eis/EumSignature/ds:SignatureValue")),
			    "MEUCIQD0ZXN0c2lnbmF0dXJlAAAAAAAAAAAAAAAAAAAAAA==");
	/* A copy where the schema has no place for it. */
	const m2m_ws_node *fes = m2m_ws_find(m2m_ws_msg_body(out), "FunctionExecutionStatus");
	assert_int_equal(m2m_ws_add_copy(out, (m2m_ws_node *)fes, fes, NULL), M2M_ERR_ARG);
	m2m_ws_msg_free(out);
}

/* Built, written as SOAP, parsed back: same function, header and values; the envelope is
 * valid as a whole. */
static void test_soap_round_trip(void **state)
{
	(void)state;
	m2m_ws_msg *m = NULL, *back = NULL;
	m2m_buf xml;
	char ct[256];
	m2m_buf_init(&xml);
	assert_int_equal(m2m_ws_request_new(M2M_WS_ES3_SEND_DATA, "fc <&> \"1\"", 0, &m), M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "Eid", "89001012012341234012345678901224", NULL),
			 M2M_OK);
	assert_int_equal(m2m_ws_add_bytes(m, NULL, "Sd-aid",
					  (const uint8_t *)"\xA0\x00\x00\x05\x59\x10\x10\xFF\xFF"
							   "\xFF\xFF\x89\x00\x00\x10\x00",
					  16, NULL),
			 M2M_OK);
	assert_int_equal(m2m_ws_add_bytes(m, NULL, "Data", (const uint8_t *)"\x80\xE2", 2, NULL),
			 M2M_OK);
	assert_valid(m);
	/* Action and MessageID are needed to write. */
	assert_int_equal(m2m_ws_soap_write(m, &xml), M2M_ERR_ARG);
	m2m_ws_msg_set_wsa(m, M2M_WS_WSA_ACTION, m2m_ws_msg_function(m)->request_action);
	m2m_ws_msg_set_wsa(m, M2M_WS_WSA_MESSAGE_ID, "urn:uuid:1");
	m2m_ws_msg_set_wsa(m, M2M_WS_WSA_TO, "https://smsr.example/soap/es3");
	m2m_ws_msg_set_wsa(m, M2M_WS_WSA_FROM, "https://smdp.example/soap/es3?a=1&b=2");
	m2m_ws_msg_set_wsa(m, M2M_WS_WSA_REPLY_TO, "https://smdp.example/soap/es3");
	assert_int_equal(m2m_ws_soap_write(m, &xml), M2M_OK);
	assert_true(ws_test_envelope_valid(xml.data, xml.len));
	/* The envelope check itself can fail: a body without its mandatory children. */
	static const char bad[] = "<e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\">"
				  "<e:Body><r:ES4-EnableProfileRequest xmlns:r=\"http://namespaces."
				  "gsma.org/esim-messaging/3\"/></e:Body></e:Envelope>";
	fprintf(stderr, "(an invalid envelope is expected next)\n");
	assert_false(ws_test_envelope_valid((const uint8_t *)bad, strlen(bad)));
	assert_int_equal(m2m_buf_append_u8(&xml, 0), M2M_OK);
	xml.len--;
	assert_non_null(strstr((const char *)xml.data, "<wsa:Action env:mustUnderstand=\"true\">"));
	assert_int_equal(m2m_ws_soap_parse(xml.data, xml.len, &back, NULL), M2M_OK);
	assert_valid(back);
	assert_int_equal(m2m_ws_msg_function(back)->id, M2M_WS_ES3_SEND_DATA);
	assert_string_equal(m2m_ws_msg_function_call_id(back), "fc <&> \"1\"");
	assert_string_equal(m2m_ws_msg_wsa(back)->from, "https://smdp.example/soap/es3?a=1&b=2");
	assert_string_equal(m2m_ws_msg_wsa(back)->reply_to, "https://smdp.example/soap/es3");
	assert_string_equal(m2m_ws_node_text(m2m_ws_find(m2m_ws_msg_body(back), "Data")), "80E2");
	assert_int_equal(m2m_ws_soap_content_type(m2m_ws_msg_wsa(m)->action, ct, sizeof ct),
			 M2M_OK);
	assert_string_equal(ct, "application/soap+xml; charset=utf-8; action=\""
				"http://gsma.com/ES3/ProfileManagement/ES3-SendDataRequest\"");
	assert_int_equal(m2m_ws_soap_content_type("a\"b", ct, sizeof ct), M2M_ERR_ARG);
	m2m_ws_msg_free(back);
	m2m_ws_msg_free(m);
	m2m_buf_free(&xml);
}

static void fault_round_trip(const m2m_ws_error *e)
{
	m2m_buf xml;
	m2m_ws_msg *m = NULL;
	m2m_ws_error back;
	m2m_buf_init(&xml);
	assert_int_equal(m2m_ws_soap_write_fault(e, "urn:uuid:req", &xml), M2M_OK);
	assert_true(ws_test_envelope_valid(xml.data, xml.len));
	assert_int_equal(m2m_ws_soap_parse(xml.data, xml.len, &m, NULL), M2M_OK);
	assert_true(m2m_ws_msg_is_fault(m));
	assert_string_equal(m2m_ws_msg_wsa(m)->relates_to, "urn:uuid:req");
	assert_int_equal(m2m_ws_msg_fault(m, &back), M2M_OK);
	assert_int_equal(back.fault, e->fault);
	assert_string_equal(back.subcode, e->subcode);
	assert_string_equal(back.detail, e->detail);
	assert_string_equal(back.text, e->text);
	assert_int_equal(back.fault_status, e->fault_status);
	if (e->fault_status) {
		assert_int_equal(back.status.status, e->status.status);
		assert_string_equal(back.status.subject, e->status.subject);
		assert_string_equal(back.status.reason, e->status.reason);
		assert_string_equal(back.status.message, e->status.message);
	}
	m2m_ws_msg_free(m);
	m2m_buf_free(&xml);
}

static void test_faults(void **state)
{
	(void)state;
	m2m_ws_error e;
	m2m_ws_error_fault(&e, M2M_WS_FAULT_SENDER, "wsa:ActionNotSupported",
			   "http://gsma.com/ES4/X", "the Action %s is not supported",
			   "http://gsma.com/ES4/X");
	fault_round_trip(&e);
	assert_int_equal(m2m_ws_error_http_status(&e), 400);
	m2m_ws_error_fault(&e, M2M_WS_FAULT_SENDER,
			   "wsa:InvalidAddressingHeader wsa:InvalidCardinality", "wsa:MessageID",
			   "twice");
	fault_round_trip(&e);
	m2m_ws_error_fault(&e, M2M_WS_FAULT_VERSION_MISMATCH, NULL, NULL, "SOAP 1.1");
	fault_round_trip(&e);
	assert_int_equal(m2m_ws_error_http_status(&e), 500);
	m2m_ws_error_fault(&e, M2M_WS_FAULT_MUST_UNDERSTAND, NULL, NULL, "x");
	fault_round_trip(&e);
	m2m_ws_error_failed(&e, M2M_WS_SUBJ_SD_AID, M2M_WS_REASON_EXECUTION_ERROR, "A000",
			    "card said %s", "6A80");
	assert_int_equal(m2m_ws_error_http_status(&e), 200);
	m2m_ws_error_to_fault(&e);
	assert_true(e.fault_status);
	fault_round_trip(&e);
	m2m_buf b;
	m2m_buf_init(&b);
	m2m_ws_error_fault(&e, M2M_WS_FAULT_NONE, NULL, NULL, "x");
	assert_int_equal(m2m_ws_soap_write_fault(&e, NULL, &b), M2M_ERR_ARG);
}

static void test_function_table(void **state)
{
	(void)state;
	m2m_ws_dir d = M2M_WS_DIR_OUT;
	/* facts-2 8d: the official spelling, and the callback Actions of ES3_SMDP.wsdl. */
	const m2m_ws_function *f = m2m_ws_function_by_action(
		"http://gsma.com/ES3/ProfileManagementCallBack/ES3-CreateISDP", &d);
	assert_non_null(f);
	assert_int_equal(f->id, M2M_WS_ES3_CREATE_ISDP);
	assert_int_equal(d, M2M_WS_DIR_OUT);
	assert_string_equal(f->callback_action,
			    "http://gsma.com/ES3/ProfileManagementCallBack/ES3-CreateISDP");
	f = m2m_ws_function_by_action(
		"http://gsma.com/ES3/ProfileManagement/ES3-ProfileDownloadedCompletedRequest", &d);
	assert_non_null(f);
	assert_int_equal(f->id, M2M_WS_ES3_PROFILE_DOWNLOAD_COMPLETED);
	assert_int_equal(d, M2M_WS_DIR_IN);
	assert_null(m2m_ws_function_by_action(
		"http://gsma.com/ES3/ProfileManagent/ES3-CreateISDPRequest", &d));
	f = m2m_ws_function_by_name("ES4-UpdatePolicyRules");
	assert_non_null(f);
	assert_int_equal(f->callers, M2M_WS_ROLE_MNO);
	assert_int_equal(f->provider, M2M_WS_ROLE_SMSR);
	f = m2m_ws_function_by_element("ES2-HandleProfileEnabledNotification", &d);
	assert_non_null(f);
	assert_true(f->action_derived);
	assert_int_equal(f->kind, M2M_WS_KIND_NOTIFICATION);
	assert_true(f->provider & M2M_WS_ROLE_MNO);
	assert_int_equal(m2m_ws_iface_number("es7"), 7);
	assert_int_equal(m2m_ws_iface_number("ES5"), 0);
	m2m_ws_role r;
	assert_int_equal(m2m_ws_role_parse("sm-dp", &r), M2M_OK);
	assert_int_equal(r, M2M_WS_ROLE_SMDP);
	assert_int_equal(m2m_ws_role_parse("M2MSP", &r), M2M_OK);
	assert_int_equal(r, M2M_WS_ROLE_M2MSP);
	assert_int_equal(m2m_ws_role_parse("CI", &r), M2M_ERR_FORMAT);
	/* Request and response actions of every function route back to it. */
	for (int id = 0; id < M2M_WS_FN__COUNT; id++) {
		f = m2m_ws_function_get((m2m_ws_fn)id);
		assert_true(m2m_ws_action_matches(f, M2M_WS_DIR_IN, f->request_action));
		if (f->kind == M2M_WS_KIND_REQUEST) {
			assert_true(m2m_ws_action_matches(f, M2M_WS_DIR_OUT, f->response_action));
			assert_true(m2m_ws_action_matches(f, M2M_WS_DIR_OUT, f->callback_action));
		}
		assert_int_equal(strncmp(f->request_action, "http://gsma.com/", 16), 0);
		assert_null(strstr(f->request_action, "Managent"));
	}
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
		cmocka_unit_test(test_request_order),
		cmocka_unit_test(test_nested_and_attributes),
		cmocka_unit_test(test_statuses),
		cmocka_unit_test(test_every_response),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_soap_round_trip),
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_function_table),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
