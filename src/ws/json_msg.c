/* JSON messages: {"Header": {...}, "Body": {...}} or {"Header": {...}, "Fault": {...}}. */
#include "ws/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ws/ws_int.h"

#define MAX_JSON (4u * 1024u * 1024u)

static const char *const header_keys[] = {
	[M2M_WS_WSA_MESSAGE_ID] = "MessageID", [M2M_WS_WSA_RELATES_TO] = "RelatesTo",
	[M2M_WS_WSA_ACTION] = "Action",        [M2M_WS_WSA_TO] = "To",
	[M2M_WS_WSA_FROM] = "From",            [M2M_WS_WSA_REPLY_TO] = "ReplyTo",
};

static const char *wsa_get(const m2m_ws_addressing *a, m2m_ws_wsa_field f)
{
	const char *v[] = {a->message_id, a->relates_to, a->action, a->to, a->from, a->reply_to};
	return v[f];
}

/* Header members into a; unknown members and non-strings are refused. */
static m2m_err read_header(const json_t *h, m2m_ws_addressing *a, m2m_ws_error *why)
{
	const char *key;
	json_t *v;
	if (!h)
		return M2M_OK;
	if (!json_is_object(h)) {
		m2m_ws_error_fault(why, M2M_WS_FAULT_SENDER, NULL, NULL,
				   "Header must be a JSON object");
		return M2M_ERR_FORMAT;
	}
	char **slots[] = {&a->message_id, &a->relates_to, &a->action,
			  &a->to, &a->from, &a->reply_to};
	json_object_foreach((json_t *)h, key, v) {
		int f = M2M_WS_WSA_MESSAGE_ID;
		while (f <= M2M_WS_WSA_REPLY_TO && strcmp(key, header_keys[f]) != 0)
			f++;
		if (f > M2M_WS_WSA_REPLY_TO) {
			m2m_ws_error_fault(why, M2M_WS_FAULT_SENDER, "wsa:InvalidAddressingHeader",
					   NULL, "unknown Header member %s", key);
			return M2M_ERR_FORMAT;
		}
		/* As in SOAP: surrounding XML white space does not count. */
		const char *t = json_string_value(v);
		size_t len = json_is_string(v) ? json_string_length(v) : 0;
		while (len && strchr(" \t\r\n", *t)) {
			t++;
			len--;
		}
		while (len && strchr(" \t\r\n", t[len - 1]))
			len--;
		if (!len || !m2m_ws_xml_text_ok(t, len)) {
			m2m_ws_error_fault(why, M2M_WS_FAULT_SENDER, "wsa:InvalidAddressingHeader",
					   NULL, "Header.%s must be a non-empty string", key);
			snprintf(why->detail, sizeof why->detail, "wsa:%s", key);
			return M2M_ERR_FORMAT;
		}
		if (!(*slots[f] = strndup(t, len)))
			return M2M_ERR_NOMEM;
	}
	return M2M_OK;
}

static void free_wsa(m2m_ws_addressing *a)
{
	free(a->message_id);
	free(a->relates_to);
	free(a->action);
	free(a->to);
	free(a->from);
	free(a->reply_to);
	memset(a, 0, sizeof *a);
}

/* Action given: it must name the body's function and direction; absent: the canonical one. */
static m2m_err check_action(m2m_ws_msg *m, m2m_ws_error *why)
{
	m2m_ws_dir dir;
	if (!m->wsa.action) {
		const char *a = m->dir == M2M_WS_DIR_IN ? m->fn->request_action
							: m->fn->response_action;
		return (m->wsa.action = strdup(a)) ? M2M_OK : M2M_ERR_NOMEM;
	}
	const m2m_ws_function *f = m2m_ws_function_by_action(m->wsa.action, &dir);
	if (!f) {
		m2m_ws_error_fault(why, M2M_WS_FAULT_SENDER, "wsa:ActionNotSupported",
				   m->wsa.action, "the Action %s is not supported", m->wsa.action);
		return M2M_ERR_UNSUPPORTED;
	}
	if (f != m->fn || dir != m->dir) {
		m2m_ws_error_fault(why, M2M_WS_FAULT_SENDER,
				   "wsa:InvalidAddressingHeader wsa:ActionMismatch", "wsa:Action",
				   "the body element %s does not match the Action",
				   (const char *)m->body->name);
		return M2M_ERR_FORMAT;
	}
	return M2M_OK;
}

static m2m_err check_required(const m2m_ws_msg *m, m2m_ws_error *why)
{
	const char *missing = !m->wsa.message_id ? "MessageID"
			      : m->dir == M2M_WS_DIR_OUT && !m->wsa.relates_to ? "RelatesTo"
										 : NULL;
	if (!missing)
		return M2M_OK;
	m2m_ws_error_fault(why, M2M_WS_FAULT_SENDER, "wsa:MessageAddressingHeaderRequired", NULL,
			   "Header.%s is required in %s", missing, m->fn->name);
	snprintf(why->detail, sizeof why->detail, "wsa:%s", missing);
	return M2M_ERR_FORMAT;
}

static const char *member(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* A JSON FunctionExecutionStatus into XML under parent (unknown status values fail later). */
static void status_xml(xmlNodePtr parent, const json_t *fes)
{
	m2m_ws_exec_status st = {.status = M2M_WS_FAILED};
	const json_t *scd = json_object_get(fes, "StatusCodeData");
	m2m_ws_status_parse(member(fes, "Status"), &st.status);
	if (json_is_object(scd))
		m2m_ws_status_set(&st, st.status, member(scd, "Subject"), member(scd, "Reason"),
				  member(scd, "SubjectIdentifier"), "%s", member(scd, "Message"));
	m2m_ws_status_to_xml(parent, &st);
}

static bool text_member(const json_t *o, const char *key, bool required)
{
	const json_t *v = json_object_get(o, key);
	if (!v)
		return !required;
	return json_is_string(v) && m2m_ws_xml_text_ok(json_string_value(v), json_string_length(v));
}

/* Only the listed members, each present as required. */
static bool members_only(const json_t *o, const char *const *keys, size_t n)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)o, key, v) {
		size_t i = 0;
		while (i < n && strcmp(key, keys[i]) != 0)
			i++;
		if (i == n)
			return false;
	}
	return true;
}

/* A subject or reason code that fits m2m_ws_exec_status (a longer one would be cut). */
static bool code_ok(const char *code)
{
	return strlen(code) < M2M_WS_CODE_MAX && m2m_ws_code_valid(code);
}

static bool status_ok(const json_t *fes)
{
	static const char *const fk[] = {"Status", "StatusCodeData"};
	static const char *const sk[] = {"Subject", "Reason", "SubjectIdentifier", "Message"};
	m2m_ws_status st;
	const json_t *scd = json_object_get(fes, "StatusCodeData");
	if (!json_is_object(fes) || !members_only(fes, fk, 2) ||
	    m2m_ws_status_parse(member(fes, "Status"), &st) != M2M_OK)
		return false;
	if (!scd)
		return true;
	return json_is_object(scd) && members_only(scd, sk, 4) &&
	       code_ok(member(scd, "Subject")) && code_ok(member(scd, "Reason")) &&
	       text_member(scd, "SubjectIdentifier", false) && text_member(scd, "Message", false);
}

/* {"Code", "Subcode": [QName...], "Reason", "Detail", "FunctionExecutionStatus"}. */
static bool fault_ok(const json_t *f)
{
	static const char *const keys[] = {"Code", "Subcode", "Reason", "Detail",
					   "FunctionExecutionStatus"};
	m2m_ws_fault_code code;
	const json_t *sub = json_object_get(f, "Subcode");
	const json_t *fes = json_object_get(f, "FunctionExecutionStatus");
	if (!json_is_object(f) || !members_only(f, keys, 5) ||
	    m2m_ws_fault_code_parse(member(f, "Code"), &code) != M2M_OK ||
	    !text_member(f, "Reason", false) || !text_member(f, "Detail", false) ||
	    (sub && (!json_is_array(sub) || json_array_size(sub) > 2)) || (fes && !status_ok(fes)))
		return false;
	for (size_t i = 0; i < json_array_size(sub); i++) {
		const char *q = json_string_value(json_array_get(sub, i));
		if (!q || xmlValidateQName(BAD_CAST q, 0) != 0)
			return false;
	}
	return true;
}

/* A JSON fault becomes an env:Fault element, so m2m_ws_msg_fault reads both bindings. */
static m2m_err fault_msg(const json_t *f, m2m_ws_msg **out, m2m_ws_error *why)
{
	const json_t *code = json_object_get(f, "Code"), *sub = json_object_get(f, "Subcode");
	const json_t *reason = json_object_get(f, "Reason"), *detail = json_object_get(f, "Detail");
	if (!fault_ok(f)) {
		m2m_ws_error_fault(why, M2M_WS_FAULT_SENDER, NULL, NULL, "malformed Fault object");
		return M2M_ERR_FORMAT;
	}
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr fault = doc ? xmlNewDocNode(doc, NULL, BAD_CAST "Fault", NULL) : NULL;
	xmlNsPtr env = fault ? xmlNewNs(fault, BAD_CAST M2M_WS_NS_SOAP12, BAD_CAST "env") : NULL;
	xmlNsPtr wsa = fault ? xmlNewNs(fault, BAD_CAST M2M_WS_NS_WSA, BAD_CAST "wsa") : NULL;
	if (!env || !wsa) {
		xmlFreeNode(fault);
		xmlFreeDoc(doc);
		return M2M_ERR_NOMEM;
	}
	xmlSetNs(fault, env);
	xmlDocSetRootElement(doc, fault);
	char value[64];
	snprintf(value, sizeof value, "env:%s", json_string_value(code));
	xmlNodePtr c = xmlNewChild(fault, env, BAD_CAST "Code", NULL);
	xmlNewTextChild(c, env, BAD_CAST "Value", BAD_CAST value);
	for (size_t i = 0; i < json_array_size(sub); i++) {
		if (!json_is_string(json_array_get(sub, i)))
			continue;
		c = xmlNewChild(c, env, BAD_CAST "Subcode", NULL);
		xmlNewTextChild(c, env, BAD_CAST "Value",
				BAD_CAST json_string_value(json_array_get(sub, i)));
	}
	c = xmlNewChild(fault, env, BAD_CAST "Reason", NULL);
	xmlNewTextChild(c, env, BAD_CAST "Text",
			BAD_CAST(reason ? json_string_value(reason) : ""));
	const json_t *fes = json_object_get(f, "FunctionExecutionStatus");
	if (detail || fes) {
		c = xmlNewChild(fault, env, BAD_CAST "Detail", NULL);
		if (detail)
			xmlNewTextChild(c, wsa, BAD_CAST "ProblemHeaderQName",
					BAD_CAST json_string_value(detail));
		if (fes)
			status_xml(c, fes);
	}
	return m2m_ws_msg_wrap(doc, fault, NULL, M2M_WS_DIR_OUT, out);
}

static m2m_err body_msg(const json_t *body, m2m_ws_msg **out, m2m_ws_error *why)
{
	char msg[M2M_WS_MESSAGE_MAX];
	m2m_err err = m2m_ws_json_to_msg(body, out, msg, sizeof msg);
	if (err == M2M_ERR_UNSUPPORTED) {
		m2m_ws_error_fault(why, M2M_WS_FAULT_SENDER, "wsa:ActionNotSupported", NULL, "%s",
				   msg);
	} else if (err == M2M_ERR_FORMAT && !*out) {
		m2m_ws_error_fault(why, M2M_WS_FAULT_SENDER, NULL, NULL, "%s", msg);
	} else if (err == M2M_ERR_FORMAT) {
		/* The function is known: a FAILED status, subject from the element at fault. */
		char elem[64] = "";
		const char *sep = strstr(msg, ": ");
		if (sep) {
			const char *start = sep;
			while (start > msg && start[-1] != '/')
				start--;
			snprintf(elem, sizeof elem, "%.*s", (int)(sep - start), start);
		}
		const char *subject = m2m_ws_subject_for_element(elem);
		m2m_ws_error_failed(why, subject ? subject : M2M_WS_SUBJ_FUNCTION,
				    M2M_WS_REASON_INVALID, NULL, "JSON body does not map: %s", msg);
	}
	return err;
}

m2m_err m2m_ws_json_parse(const uint8_t *p, size_t n, m2m_ws_msg **out, m2m_ws_error *why)
{
	m2m_ws_error scratch;
	m2m_ws_addressing a = {0};
	json_error_t jerr;
	json_t *root = NULL;
	m2m_err err = M2M_ERR_FORMAT;
	if (!why)
		why = &scratch;
	if (!out)
		return M2M_ERR_ARG;
	*out = NULL;
	if (!p || !n || n > MAX_JSON) {
		m2m_ws_error_fault(why, M2M_WS_FAULT_SENDER, NULL, NULL,
				   n ? "message larger than %u bytes" : "empty message", MAX_JSON);
		goto out;
	}
	if (!(root = json_loadb((const char *)p, n, M2M_WS_JSON_LOAD_FLAGS, &jerr))) {
		m2m_ws_error_fault(why, M2M_WS_FAULT_SENDER, NULL, NULL,
				   "malformed JSON (line %d): %s", jerr.line, jerr.text);
		goto out;
	}
	const json_t *body = json_object_get(root, "Body"), *fault = json_object_get(root, "Fault");
	size_t expect = 1 + (json_object_get(root, "Header") != NULL);
	if (!json_is_object(root) || !!body == !!fault || json_object_size(root) != expect) {
		m2m_ws_error_fault(why, M2M_WS_FAULT_SENDER, NULL, NULL,
				   "a JSON message is an object with Header and Body (or Fault)");
		goto out;
	}
	if ((err = read_header(json_object_get(root, "Header"), &a, why)) != M2M_OK)
		goto out;
	err = fault ? fault_msg(fault, out, why) : body_msg(body, out, why);
	if (!*out)
		goto out;
	(*out)->wsa = a;
	memset(&a, 0, sizeof a);
	if (err != M2M_OK || fault)
		goto out;
	if ((err = check_action(*out, why)) != M2M_OK ||
	    (err = check_required(*out, why)) != M2M_OK) {
		m2m_ws_msg_free(*out);
		*out = NULL;
	}
out:
	free_wsa(&a);
	json_decref(root);
	return err;
}

static json_t *header_json(const m2m_ws_addressing *a)
{
	json_t *h = json_object();
	static const m2m_ws_wsa_field order[] = {M2M_WS_WSA_ACTION, M2M_WS_WSA_MESSAGE_ID,
						 M2M_WS_WSA_RELATES_TO, M2M_WS_WSA_TO,
						 M2M_WS_WSA_FROM, M2M_WS_WSA_REPLY_TO};
	for (size_t i = 0; h && i < sizeof order / sizeof order[0]; i++) {
		const char *v = wsa_get(a, order[i]);
		if (v && json_object_set_new(h, header_keys[order[i]], json_string(v)) != 0) {
			json_decref(h);
			return NULL;
		}
	}
	return h;
}

static m2m_err dump(json_t *root, m2m_buf *out)
{
	char *s = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (!s)
		return M2M_ERR_NOMEM;
	m2m_err err = m2m_buf_append(out, s, strlen(s));
	free(s);
	return err;
}

/* The JSON mapping of a FunctionExecutionStatus element. */
static json_t *status_json(const m2m_ws_exec_status *st)
{
	json_t *fes = json_object();
	json_object_set_new(fes, "Status", json_string(m2m_ws_status_name(st->status)));
	if (st->subject[0]) {
		json_t *scd = json_object();
		json_object_set_new(scd, "Subject", json_string(st->subject));
		json_object_set_new(scd, "Reason", json_string(st->reason));
		if (st->subject_id[0])
			json_object_set_new(scd, "SubjectIdentifier", json_string(st->subject_id));
		if (st->message[0])
			json_object_set_new(scd, "Message", json_string(st->message));
		json_object_set_new(fes, "StatusCodeData", scd);
	}
	return fes;
}

static json_t *fault_json(const m2m_ws_error *e)
{
	json_t *f = json_object(), *sub = json_array();
	if (!f || !sub) {
		json_decref(f);
		json_decref(sub);
		return NULL;
	}
	json_object_set_new(f, "Code", json_string(m2m_ws_fault_code_name(e->fault)));
	for (const char *s = e->subcode; *s;) {
		size_t len = strcspn(s, " ");
		json_array_append_new(sub, json_stringn(s, len));
		s += len;
		s += strspn(s, " ");
	}
	json_object_set_new(f, "Subcode", sub);
	json_object_set_new(f, "Reason", json_string(e->text));
	if (e->detail[0])
		json_object_set_new(f, "Detail", json_string(e->detail));
	if (e->fault_status)
		json_object_set_new(f, "FunctionExecutionStatus", status_json(&e->status));
	return f;
}

m2m_err m2m_ws_json_write(const m2m_ws_msg *m, m2m_buf *out)
{
	json_t *root = NULL, *v = NULL;
	m2m_ws_error e;
	char msg[M2M_WS_MESSAGE_MAX];
	if (!m || !out || !m->body)
		return M2M_ERR_ARG;
	if (!(root = json_object()))
		return M2M_ERR_NOMEM;
	json_object_set_new(root, "Header", header_json(&m->wsa));
	if (m2m_ws_msg_is_fault(m)) {
		if (m2m_ws_msg_fault(m, &e) != M2M_OK || !(v = fault_json(&e)))
			goto fail;
		json_object_set_new(root, "Fault", v);
	} else {
		if (m2m_ws_json_from_node(m->body, &v, msg, sizeof msg) != M2M_OK)
			goto fail;
		json_object_set_new(root, "Body", v);
	}
	return dump(root, out);
fail:
	json_decref(root);
	return M2M_ERR_FORMAT;
}

m2m_err m2m_ws_json_write_fault(const m2m_ws_error *e, const char *relates_to, m2m_buf *out)
{
	char id[M2M_WS_MESSAGE_ID_SIZE];
	if (!e || e->fault == M2M_WS_FAULT_NONE || !out)
		return M2M_ERR_ARG;
	m2m_err err = m2m_ws_new_message_id(id, sizeof id);
	if (err != M2M_OK)
		return err;
	bool wsa = strncmp(e->subcode, "wsa:", 4) == 0;
	m2m_ws_addressing a = {
		.action = wsa ? M2M_WS_WSA_FAULT_ACTION : M2M_WS_WSA_SOAP_FAULT_ACTION,
		.message_id = id,
		.relates_to = (char *)relates_to,
	};
	json_t *root = json_object(), *f = fault_json(e);
	if (!root || !f) {
		json_decref(root);
		json_decref(f);
		return M2M_ERR_NOMEM;
	}
	json_object_set_new(root, "Header", header_json(&a));
	json_object_set_new(root, "Fault", f);
	return dump(root, out);
}
