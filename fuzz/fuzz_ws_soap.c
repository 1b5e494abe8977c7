/*
 * libFuzzer target for the SOAP 1.2 envelope parser (src/ws/soap_parse.c, xml_read.c): the
 * bytes are a message as an endpoint receives it. Besides "never crash, leak or hang": a
 * parsed message writes back as an envelope that parses again to the same function; a valid
 * body whose JSON mapping exists round-trips through JSON to the same JSON text; a fault
 * decodes. The schema comes from $M2MRSP_WSDL_DIR or the source tree above the binary
 * (data/wsdl); without it the validation steps are skipped.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "ws/json.h"
#include "ws/schema.h"
#include "ws/soap.h"

static m2m_ws_schema *schema;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	m2m_log_setup(M2M_LOG_OFF, M2M_LOG_PLAIN, NULL);
	if (m2m_ws_schema_load(NULL, &schema) != M2M_OK)
		schema = NULL;
	return 0;
}

static void json_again(const m2m_ws_msg *m)
{
	m2m_buf j1, j2;
	m2m_ws_msg *back = NULL;
	m2m_buf_init(&j1);
	m2m_buf_init(&j2);
	if (m2m_ws_json_write(m, &j1) == M2M_OK) {
		if (m2m_ws_json_parse(j1.data, j1.len, &back, NULL) != M2M_OK ||
		    m2m_ws_json_write(back, &j2) != M2M_OK || j1.len != j2.len ||
		    memcmp(j1.data, j2.data, j1.len) != 0)
			abort();
	}
	m2m_ws_msg_free(back);
	m2m_buf_free(&j1);
	m2m_buf_free(&j2);
}

static void soap_again(const m2m_ws_msg *m)
{
	m2m_buf x;
	m2m_ws_msg *back = NULL;
	m2m_buf_init(&x);
	if (m2m_ws_soap_write(m, &x) != M2M_OK ||
	    m2m_ws_soap_parse(x.data, x.len, &back, NULL) != M2M_OK ||
	    m2m_ws_msg_function(back) != m2m_ws_msg_function(m))
		abort();
	m2m_ws_msg_free(back);
	m2m_buf_free(&x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	m2m_ws_msg *m = NULL;
	m2m_ws_error e;
	if (m2m_ws_soap_parse(data, size, &m, &e) != M2M_OK)
		return 0;
	if (m2m_ws_msg_is_fault(m)) {
		if (m2m_ws_msg_fault(m, &e) != M2M_OK)
			abort();
	} else {
		m2m_ws_exec_status st;
		uint64_t vp;
		m2m_buf b;
		m2m_buf_init(&b);
		(void)m2m_ws_msg_function_call_id(m);
		(void)m2m_ws_msg_validity_period(m, &vp);
		(void)m2m_ws_msg_status(m, &st);
		(void)m2m_ws_get_bytes(m2m_ws_msg_body(m), "Eid", &b);
		m2m_buf_free(&b);
		soap_again(m);
		if (schema && m2m_ws_schema_validate_msg(schema, m, &e) == M2M_OK)
			json_again(m);
	}
	m2m_ws_msg_free(m);
	return 0;
}
