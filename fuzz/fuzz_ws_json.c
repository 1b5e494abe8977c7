/*
 * libFuzzer target for the JSON mirror (src/ws/json_msg.c, json_map.c): the bytes are a JSON
 * message as the /json/ endpoints receive it. Besides "never crash, leak or hang": what parses
 * writes back as JSON that parses to the same JSON text (canonical after one pass), and writes
 * as a SOAP envelope that parses again to the same function. The schema is found as in
 * fuzz_ws_soap.c.
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

static void check(m2m_ws_msg *m)
{
	m2m_buf j1, j2, x;
	m2m_ws_msg *back = NULL, *soap = NULL;
	m2m_buf_init(&j1);
	m2m_buf_init(&j2);
	m2m_buf_init(&x);
	if (m2m_ws_json_write(m, &j1) != M2M_OK ||
	    m2m_ws_json_parse(j1.data, j1.len, &back, NULL) != M2M_OK ||
	    m2m_ws_json_write(back, &j2) != M2M_OK)
		abort();
	/* Only JSON that came from our own output is already canonical. */
	m2m_ws_msg *again = NULL;
	m2m_buf j3;
	m2m_buf_init(&j3);
	if (m2m_ws_json_parse(j2.data, j2.len, &again, NULL) != M2M_OK ||
	    m2m_ws_json_write(again, &j3) != M2M_OK || j2.len != j3.len ||
	    memcmp(j2.data, j3.data, j2.len) != 0)
		abort();
	/* SOAP requires To and From (the WSDL binding), JSON does not. */
	const m2m_ws_addressing *a = m2m_ws_msg_wsa(m);
	if (!a->to)
		m2m_ws_msg_set_wsa(m, M2M_WS_WSA_TO, "https://to.example/");
	if (!a->from)
		m2m_ws_msg_set_wsa(m, M2M_WS_WSA_FROM, "https://from.example/");
	if (!m2m_ws_msg_is_fault(m) &&
	    (m2m_ws_soap_write(m, &x) != M2M_OK ||
	     m2m_ws_soap_parse(x.data, x.len, &soap, NULL) != M2M_OK ||
	     m2m_ws_msg_function(soap) != m2m_ws_msg_function(m)))
		abort();
	m2m_ws_msg_free(again);
	m2m_ws_msg_free(back);
	m2m_ws_msg_free(soap);
	m2m_buf_free(&j1);
	m2m_buf_free(&j2);
	m2m_buf_free(&j3);
	m2m_buf_free(&x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	m2m_ws_msg *m = NULL;
	m2m_ws_error e;
	m2m_err err = m2m_ws_json_parse(data, size, &m, &e);
	if (err == M2M_OK) {
		if (schema && !m2m_ws_msg_is_fault(m))
			(void)m2m_ws_schema_validate_msg(schema, m, &e);
		check(m);
	}
	m2m_ws_msg_free(m);
	return 0;
}
