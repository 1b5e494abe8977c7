/* The ES client over net/http_client (libcurl, mutual TLS). */
#include "ws/client.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "ws/json.h"
#include "ws/soap.h"
#include "ws/ws_int.h"

#define LOG "ws"

struct m2m_ws_client {
	m2m_http_client *http;
	const m2m_ws_schema *schema;
	m2m_ws_binding binding;
	char *from;
};

m2m_err m2m_ws_client_new(const m2m_ws_client_opts *o, m2m_ws_client **out)
{
	m2m_err err = M2M_ERR_ARG;
	m2m_ws_client *c = NULL;
	if (!o || !out || !o->schema)
		goto out;
	err = M2M_ERR_NOMEM;
	if (!(c = calloc(1, sizeof *c)) ||
	    !(c->from = strdup(o->from ? o->from : M2M_WS_WSA_ANONYMOUS)))
		goto out;
	c->schema = o->schema;
	c->binding = o->binding;
	if ((err = m2m_http_client_new(&o->http, &c->http)) != M2M_OK)
		goto out;
	*out = c;
	c = NULL;
out:
	m2m_ws_client_free(c);
	return err;
}

void m2m_ws_client_free(m2m_ws_client *c)
{
	if (!c)
		return;
	m2m_http_client_free(c->http);
	free(c->from);
	free(c);
}

const char *m2m_ws_client_error(const m2m_ws_client *c)
{
	return c ? m2m_http_client_error(c->http) : "no client";
}

void m2m_ws_result_free(m2m_ws_result *res)
{
	if (!res)
		return;
	m2m_ws_msg_free(res->response);
	memset(res, 0, sizeof *res);
}

static bool is_json(const m2m_http_client_response *r)
{
	const char *ct = m2m_http_client_response_header(r, "Content-Type");
	return ct && strncasecmp(ct, M2M_WS_CT_JSON, strlen(M2M_WS_CT_JSON)) == 0;
}

static m2m_err refuse(m2m_ws_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static m2m_err refuse(m2m_ws_result *res, const char *fmt, ...)
{
	char text[M2M_WS_MESSAGE_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	m2m_ws_error_fault(&res->error, M2M_WS_FAULT_RECEIVER, NULL, NULL, "%s", text);
	m2m_warn(LOG, "answer refused: %s", res->error.text);
	return M2M_ERR_FORMAT;
}

/* The answer to msg: a fault, or fn's response related to our MessageID, valid. */
static m2m_err read_answer(m2m_ws_client *c, const m2m_ws_msg *msg,
			   const m2m_http_client_response *r, m2m_ws_result *res)
{
	m2m_ws_msg *a = NULL;
	m2m_ws_error why;
	m2m_err err = is_json(r) ? m2m_ws_json_parse(r->body.data, r->body.len, &a, &why)
				 : m2m_ws_soap_parse(r->body.data, r->body.len, &a, &why);
	if (err != M2M_OK) {
		m2m_ws_msg_free(a);
		res->error = why;
		return M2M_ERR_FORMAT;
	}
	if (m2m_ws_msg_is_fault(a)) {
		res->fault = true;
		m2m_ws_msg_fault(a, &res->error);
		m2m_ws_msg_free(a);
		return M2M_OK;
	}
	res->response = a;
	if (a->fn != msg->fn || a->dir != M2M_WS_DIR_OUT)
		return refuse(res, "the answer is not a response of %s", msg->fn->name);
	if (!a->wsa.relates_to || strcmp(a->wsa.relates_to, msg->wsa.message_id) != 0)
		return refuse(res, "the answer relates to %s, not our message",
			      a->wsa.relates_to ? a->wsa.relates_to : "nothing");
	if (m2m_ws_schema_validate_msg(c->schema, a, &res->error) != M2M_OK)
		return refuse(res, "the answer does not validate: %s", res->error.status.message);
	return M2M_OK;
}

/* POSTs msg in the client's or the given binding; fills res from the HTTP answer. */
static m2m_err post(m2m_ws_client *c, m2m_ws_binding binding, const char *url,
		    const m2m_ws_msg *msg, bool expect_answer, m2m_ws_result *res)
{
	m2m_buf body;
	m2m_http_client_response r = {0};
	char ctype[600], hdr[640];
	m2m_buf_init(&body);
	m2m_err err = binding == M2M_WS_JSON ? m2m_ws_json_write(msg, &body)
					     : m2m_ws_soap_write(msg, &body);
	if (err == M2M_OK && binding == M2M_WS_SOAP)
		err = m2m_ws_soap_content_type(msg->wsa.action, ctype, sizeof ctype);
	else
		snprintf(ctype, sizeof ctype, "%s", M2M_WS_CT_JSON);
	if (err != M2M_OK)
		goto out;
	snprintf(hdr, sizeof hdr, "Content-Type: %s", ctype);
	const char *headers[] = {hdr, "Accept: application/soap+xml, application/json"};
	m2m_http_client_request req = {.method = "POST", .url = url, .headers = headers,
				       .n_headers = 2, .body = body.data, .body_len = body.len};
	if ((err = m2m_http_client_send(c->http, &req, &r)) != M2M_OK) {
		m2m_ws_error_fault(&res->error, M2M_WS_FAULT_RECEIVER, NULL, NULL, "%s",
				   m2m_http_client_error(c->http));
		goto out;
	}
	res->http_status = r.status;
	if (r.status == 202 || (r.status == 200 && r.body.len == 0 && !expect_answer)) {
		res->accepted = true;
	} else if (r.status / 100 == 2 && !expect_answer) {
		res->accepted = true;
	} else if (r.body.len && (r.status == 200 || r.status >= 400)) {
		err = read_answer(c, msg, &r, res);
		if (err == M2M_OK && r.status >= 400 && !res->fault)
			err = refuse(res, "HTTP status %ld with a body that is not a fault",
				     r.status);
	} else {
		err = refuse(res, "unexpected HTTP status %ld", r.status);
	}
out:
	m2m_http_client_response_free(&r);
	m2m_buf_free(&body);
	return err;
}

static m2m_err set_if_absent(m2m_ws_msg *m, m2m_ws_wsa_field f, const char *have,
			     const char *value)
{
	return have ? M2M_OK : m2m_ws_msg_set_wsa(m, f, value);
}

m2m_err m2m_ws_client_call(m2m_ws_client *c, const char *url, m2m_ws_msg *msg,
			   const char *reply_to, m2m_ws_result *res)
{
	char id[M2M_WS_MESSAGE_ID_SIZE];
	if (res)
		memset(res, 0, sizeof *res);
	if (!c || !url || !msg || !res || !msg->fn || msg->dir != M2M_WS_DIR_IN)
		return M2M_ERR_ARG;
	m2m_err err = m2m_ws_new_message_id(id, sizeof id);
	if (err == M2M_OK)
		err = set_if_absent(msg, M2M_WS_WSA_MESSAGE_ID, msg->wsa.message_id, id);
	if (err == M2M_OK)
		err = set_if_absent(msg, M2M_WS_WSA_ACTION, msg->wsa.action,
				    msg->fn->request_action);
	if (err == M2M_OK)
		err = m2m_ws_msg_set_wsa(msg, M2M_WS_WSA_TO, url);
	if (err == M2M_OK)
		err = set_if_absent(msg, M2M_WS_WSA_FROM, msg->wsa.from, c->from);
	if (err == M2M_OK && reply_to)
		err = m2m_ws_msg_set_wsa(msg, M2M_WS_WSA_REPLY_TO, reply_to);
	if (err != M2M_OK)
		return err;
	if (m2m_ws_schema_validate_msg(c->schema, msg, &res->error) != M2M_OK) {
		m2m_error(LOG, "%s: our request does not validate: %s", msg->fn->name,
			  res->error.status.message);
		return M2M_ERR_FORMAT;
	}
	bool answer = msg->fn->kind == M2M_WS_KIND_REQUEST;
	return post(c, c->binding, url, msg, answer, res);
}

m2m_err m2m_ws_client_answer(m2m_ws_client *c, const m2m_ws_deferred *d, m2m_ws_msg *response,
			     m2m_ws_result *res)
{
	char id[M2M_WS_MESSAGE_ID_SIZE];
	if (res)
		memset(res, 0, sizeof *res);
	if (!c || !d || !response || !res || !d->reply_to || !d->relates_to ||
	    response->dir != M2M_WS_DIR_OUT || !response->fn || response->fn->id != d->fn)
		return M2M_ERR_ARG;
	m2m_err err = m2m_ws_new_message_id(id, sizeof id);
	if (err == M2M_OK)
		err = m2m_ws_msg_set_wsa(response, M2M_WS_WSA_MESSAGE_ID, id);
	if (err == M2M_OK)
		err = m2m_ws_msg_set_wsa(response, M2M_WS_WSA_ACTION,
					 response->fn->callback_action);
	if (err == M2M_OK)
		err = m2m_ws_msg_set_wsa(response, M2M_WS_WSA_RELATES_TO, d->relates_to);
	if (err == M2M_OK)
		err = m2m_ws_msg_set_wsa(response, M2M_WS_WSA_TO, d->reply_to);
	if (err == M2M_OK)
		err = m2m_ws_msg_set_wsa(response, M2M_WS_WSA_FROM, c->from);
	if (err != M2M_OK)
		return err;
	if (m2m_ws_schema_validate_msg(c->schema, response, &res->error) != M2M_OK) {
		m2m_error(LOG, "%s: our answer does not validate: %s", response->fn->name,
			  res->error.status.message);
		return M2M_ERR_FORMAT;
	}
	err = post(c, d->binding, d->reply_to, response, false, res);
	if (err == M2M_OK && !res->accepted && !res->fault)
		err = refuse(res, "the answer to %s was not accepted", d->reply_to);
	return err;
}
