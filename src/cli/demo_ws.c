/* The demo's operator side of ES2 and ES4: a SOAP client with a party's TLS identity from the
 * demo's pki/, and one held call whose outcome is reduced to success or a one-line reason.
 * Steps 5 (demo_es2.c) and 8 (demo_es7.c) share it. */
#include <stdio.h>
#include <string.h>

#include "cli/demo_int.h"

m2m_ws_client *m2m_demo_client(const m2m_demo *d, m2m_ws_schema *schema, const char *who,
			       long timeout_ms)
{
	char ca[PATH_MAX], cert[PATH_MAX], key[PATH_MAX], name[64];
	m2m_ws_client *c = NULL;

	m2m_demo_path(d, "pki/tls-ca.crt", ca, sizeof ca);
	snprintf(name, sizeof name, "pki/%s-tls.crt", who);
	m2m_demo_path(d, name, cert, sizeof cert);
	snprintf(name, sizeof name, "pki/%s-tls.key", who);
	m2m_demo_path(d, name, key, sizeof key);
	m2m_ws_client_opts o = {
		.http = {.ca_file = ca, .cert_file = cert, .key_file = key,
			 .timeout_ms = timeout_ms},
		.schema = schema,
		.binding = M2M_WS_SOAP,
	};
	if (m2m_ws_client_new(&o, &c) != M2M_OK)
		return NULL;
	return c;
}

bool m2m_demo_call(m2m_ws_client *c, const char *url, m2m_ws_msg *m, m2m_ws_result *res,
		   char *why, size_t cap)
{
	m2m_ws_exec_status st;

	memset(res, 0, sizeof *res);
	if (m2m_ws_client_call(c, url, m, NULL, res) != M2M_OK) {
		snprintf(why, cap, "%.150s",
			 res->error.text[0] ? res->error.text : m2m_ws_client_error(c));
		return false;
	}
	if (res->fault || res->response == NULL) {
		snprintf(why, cap, "%.150s", res->fault ? res->error.text : "202 without a ReplyTo");
		return false;
	}
	if (m2m_ws_msg_status(res->response, &st) != M2M_OK) {
		snprintf(why, cap, "no FunctionExecutionStatus");
		return false;
	}
	if (st.status != M2M_WS_EXECUTED_SUCCESS) {
		snprintf(why, cap, "%s %s/%s %.120s", m2m_ws_status_name(st.status), st.subject,
			 st.reason, st.message);
		return false;
	}
	return true;
}
