/* Building messages: the function element, children in schema order, typed values and the
 * FunctionExecutionStatus of responses. */
#include "ws/ws_int.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"

static m2m_err new_message(const m2m_ws_function *f, m2m_ws_dir dir, m2m_ws_msg **out)
{
	const char *name = dir == M2M_WS_DIR_IN ? f->request_element : f->response_element;
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr root = doc ? xmlNewDocNode(doc, NULL, BAD_CAST name, NULL) : NULL;
	xmlNsPtr ns = root ? xmlNewNs(root, BAD_CAST M2M_WS_NS_RPS, BAD_CAST "rps") : NULL;
	if (!ns) {
		xmlFreeNode(root);
		xmlFreeDoc(doc);
		return M2M_ERR_NOMEM;
	}
	xmlSetNs(root, ns);
	xmlDocSetRootElement(doc, root);
	return m2m_ws_msg_wrap(doc, root, f, dir, out);
}

/* The namespace for a child named "ds:X" or "X", declared on the body element if missing. */
static xmlNsPtr child_ns(m2m_ws_msg *m, xmlNodePtr parent, const char **name, m2m_ws_ns *which)
{
	const char *uri = M2M_WS_NS_RPS, *prefix = "rps";
	*which = M2M_WS_NS_GSMA;
	if (strncmp(*name, "ds:", 3) == 0) {
		*name += 3;
		uri = M2M_WS_NS_XMLDSIG;
		prefix = "ds";
		*which = M2M_WS_NS_DS;
	}
	xmlNsPtr ns = xmlSearchNsByHref(m->doc, parent, BAD_CAST uri);
	return ns ? ns : xmlNewNs(m->body, BAD_CAST uri, BAD_CAST prefix);
}

/* Inserts child under parent after the last element whose schema position is <= pos. */
static void insert_ordered(xmlNodePtr parent, xmlNodePtr child, const m2m_ws_xsd_type *t,
			   size_t pos)
{
	xmlNodePtr after = NULL, first = NULL;
	for (xmlNodePtr c = parent->children; c; c = c->next) {
		size_t cpos;
		m2m_ws_ns ns;
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (!first)
			first = c;
		if (!m2m_ws_node_ns(c, &ns) ||
		    !m2m_ws_xsd_child_find(t, ns, (const char *)c->name, &cpos) || cpos <= pos)
			after = c;
	}
	if (after)
		xmlAddNextSibling(after, child);
	else if (first)
		xmlAddPrevSibling(first, child);
	else
		xmlAddChild(parent, child);
}

m2m_err m2m_ws_add(m2m_ws_msg *m, m2m_ws_node *parent, const char *name, const char *text,
		   m2m_ws_node **child)
{
	m2m_ws_ns which;
	size_t pos = 0;
	if (!m || !name || !*name)
		return M2M_ERR_ARG;
	if (!parent)
		parent = m->body;
	if (parent->doc != m->doc)
		return M2M_ERR_ARG;
	xmlNsPtr ns = child_ns(m, parent, &name, &which);
	if (!ns)
		return M2M_ERR_NOMEM;
	const m2m_ws_xsd_type *t = m2m_ws_node_type(parent);
	bool known = t && m2m_ws_xsd_child_find(t, which, name, &pos);
	/* A name the schema does not allow here is a programming error: say so at once. */
	if (t && !known && !(t->flags & M2M_WS_XSD_OPEN))
		return M2M_ERR_ARG;
	xmlNodePtr c = xmlNewDocNode(m->doc, ns, BAD_CAST name, NULL);
	if (!c)
		return M2M_ERR_NOMEM;
	if (text) {
		xmlNodePtr tn = xmlNewDocText(m->doc, BAD_CAST text);
		if (!tn) {
			xmlFreeNode(c);
			return M2M_ERR_NOMEM;
		}
		xmlAddChild(c, tn);
	}
	if (known)
		insert_ordered(parent, c, t, pos);
	else
		xmlAddChild(parent, c);
	if (child)
		*child = c;
	return M2M_OK;
}

/* The kind the schema gives child `name` of parent. */
static m2m_ws_xsd_kind child_kind(m2m_ws_msg *m, m2m_ws_node *parent, const char *name)
{
	m2m_ws_ns ns = M2M_WS_NS_GSMA;
	if (strncmp(name, "ds:", 3) == 0) {
		ns = M2M_WS_NS_DS;
		name += 3;
	}
	const m2m_ws_xsd_type *t = m2m_ws_node_type(parent ? parent : m->body);
	return m2m_ws_value_kind(m2m_ws_xsd_type_of(m2m_ws_xsd_child_find(t, ns, name, NULL)));
}

m2m_err m2m_ws_add_bytes(m2m_ws_msg *m, m2m_ws_node *parent, const char *name,
			 const uint8_t *p, size_t n, m2m_ws_node **child)
{
	m2m_err err = M2M_ERR_ARG;
	char *text = NULL;
	if (!m || !name || (!p && n))
		goto out;
	switch (child_kind(m, parent, name)) {
	case M2M_WS_XSD_HEX:
		err = M2M_ERR_NOMEM;
		if (n > SIZE_MAX / 2 - 1 || !(text = malloc(2 * n + 1)))
			goto out;
		m2m_hex_encode(p ? p : (const uint8_t *)"", n, text);
		/* The canonical hexBinary form is upper case. */
		for (char *q = text; *q; q++)
			*q = (char)toupper((unsigned char)*q);
		break;
	case M2M_WS_XSD_BASE64:
		if ((err = m2m_ws_base64_encode(p ? p : (const uint8_t *)"", n, &text)) != M2M_OK)
			goto out;
		break;
	default:
		goto out;
	}
	err = m2m_ws_add(m, parent, name, text, child);
out:
	free(text);
	return err;
}

m2m_err m2m_ws_add_uint(m2m_ws_msg *m, m2m_ws_node *parent, const char *name, uint64_t v,
			m2m_ws_node **child)
{
	char text[24];
	snprintf(text, sizeof text, "%" PRIu64, v);
	return m2m_ws_add(m, parent, name, text, child);
}

m2m_err m2m_ws_add_bool(m2m_ws_msg *m, m2m_ws_node *parent, const char *name, bool v,
			m2m_ws_node **child)
{
	return m2m_ws_add(m, parent, name, v ? "true" : "false", child);
}

m2m_err m2m_ws_add_time(m2m_ws_msg *m, m2m_ws_node *parent, const char *name, time_t t,
			m2m_ws_node **child)
{
	char text[32];
	m2m_ws_format_time(t, text, sizeof text);
	return text[0] ? m2m_ws_add(m, parent, name, text, child) : M2M_ERR_ARG;
}

m2m_err m2m_ws_add_copy(m2m_ws_msg *m, m2m_ws_node *parent, const m2m_ws_node *src,
			m2m_ws_node **child)
{
	m2m_ws_ns which;
	size_t pos = 0;
	if (!m || !src || !m2m_ws_node_ns(src, &which))
		return M2M_ERR_ARG;
	if (!parent)
		parent = m->body;
	const m2m_ws_xsd_type *t = m2m_ws_node_type(parent);
	bool known = t && m2m_ws_xsd_child_find(t, which, (const char *)src->name, &pos);
	if (t && !known && !(t->flags & M2M_WS_XSD_OPEN))
		return M2M_ERR_ARG;
	xmlNodePtr c = xmlDocCopyNode((xmlNodePtr)src, m->doc, 1);
	if (!c)
		return M2M_ERR_NOMEM;
	if (known)
		insert_ordered(parent, c, t, pos);
	else
		xmlAddChild(parent, c);
	/* Namespace declarations copied along are folded into ours. */
	xmlReconciliateNs(m->doc, c);
	if (child)
		*child = c;
	return M2M_OK;
}

m2m_err m2m_ws_set_attr(m2m_ws_msg *m, m2m_ws_node *n, const char *name, const char *value)
{
	if (!m || !n || n->doc != m->doc || !name || !value)
		return M2M_ERR_ARG;
	return xmlSetProp(n, BAD_CAST name, BAD_CAST value) ? M2M_OK : M2M_ERR_NOMEM;
}

m2m_err m2m_ws_request_new(m2m_ws_fn fn, const char *function_call_id, uint64_t validity_s,
			   m2m_ws_msg **out)
{
	const m2m_ws_function *f = m2m_ws_function_get(fn);
	m2m_ws_msg *m = NULL;
	if (!f || !out)
		return M2M_ERR_ARG;
	bool request = f->kind == M2M_WS_KIND_REQUEST;
	if (request != (function_call_id != NULL) || (!request && validity_s))
		return M2M_ERR_ARG;
	m2m_err err = new_message(f, M2M_WS_DIR_IN, &m);
	if (err == M2M_OK && request)
		err = m2m_ws_add(m, NULL, "FunctionCallIdentifier", function_call_id, NULL);
	if (err == M2M_OK && validity_s)
		err = m2m_ws_add_uint(m, NULL, "ValidityPeriod", validity_s, NULL);
	if (err != M2M_OK) {
		m2m_ws_msg_free(m);
		return err;
	}
	*out = m;
	return M2M_OK;
}

/* FunctionExecutionStatus{Status, StatusCodeData{Subject, Reason, SubjectIdentifier?,
 * Message?}?} */
static m2m_err add_status(m2m_ws_msg *m, const m2m_ws_exec_status *st)
{
	xmlNodePtr fes, scd;
	m2m_err err = m2m_ws_add(m, NULL, "FunctionExecutionStatus", NULL, &fes);
	if (err == M2M_OK)
		err = m2m_ws_add(m, fes, "Status", m2m_ws_status_name(st->status), NULL);
	if (err != M2M_OK || !st->subject[0])
		return err;
	if (!m2m_ws_code_valid(st->subject) || !m2m_ws_code_valid(st->reason))
		return M2M_ERR_ARG;
	if ((err = m2m_ws_add(m, fes, "StatusCodeData", NULL, &scd)) != M2M_OK ||
	    (err = m2m_ws_add(m, scd, "Subject", st->subject, NULL)) != M2M_OK ||
	    (err = m2m_ws_add(m, scd, "Reason", st->reason, NULL)) != M2M_OK)
		return err;
	if (st->subject_id[0] &&
	    (err = m2m_ws_add(m, scd, "SubjectIdentifier", st->subject_id, NULL)) != M2M_OK)
		return err;
	if (st->message[0])
		err = m2m_ws_add(m, scd, "Message", st->message, NULL);
	return err;
}

m2m_err m2m_ws_response_new(m2m_ws_fn fn, const m2m_ws_exec_status *st, m2m_ws_msg **out)
{
	const m2m_ws_function *f = m2m_ws_function_get(fn);
	m2m_ws_exec_status ok = {.status = M2M_WS_EXECUTED_SUCCESS};
	m2m_ws_msg *m = NULL;
	if (!f || !out || !f->response_element)
		return M2M_ERR_ARG;
	m2m_err err = new_message(f, M2M_WS_DIR_OUT, &m);
	if (err == M2M_OK)
		err = add_status(m, st ? st : &ok);
	if (err != M2M_OK) {
		m2m_ws_msg_free(m);
		return err;
	}
	*out = m;
	return M2M_OK;
}

/* Removes the child `name` of the body element, if present. */
static void remove_child(m2m_ws_msg *m, const char *name)
{
	xmlNodePtr c = (xmlNodePtr)m2m_ws_find(m->body, name);
	if (c) {
		xmlUnlinkNode(c);
		xmlFreeNode(c);
	}
}

m2m_err m2m_ws_response_set_status(m2m_ws_msg *m, const m2m_ws_exec_status *st)
{
	if (!m || !st || m->dir != M2M_WS_DIR_OUT)
		return M2M_ERR_ARG;
	if (st->subject[0] && (!m2m_ws_code_valid(st->subject) || !m2m_ws_code_valid(st->reason)))
		return M2M_ERR_ARG;
	remove_child(m, "FunctionExecutionStatus");
	return add_status(m, st);
}

m2m_err m2m_ws_response_set_times(m2m_ws_msg *m, time_t start, time_t end)
{
	m2m_err err = M2M_OK;
	if (!m || m->dir != M2M_WS_DIR_OUT)
		return M2M_ERR_ARG;
	remove_child(m, "ProcessingStart");
	remove_child(m, "ProcessingEnd");
	if (start)
		err = m2m_ws_add_time(m, NULL, "ProcessingStart", start, NULL);
	if (err == M2M_OK && end)
		err = m2m_ws_add_time(m, NULL, "ProcessingEnd", end, NULL);
	return err;
}

m2m_err m2m_ws_response_set_acceptable_validity(m2m_ws_msg *m, uint64_t seconds)
{
	if (!m || m->dir != M2M_WS_DIR_OUT)
		return M2M_ERR_ARG;
	remove_child(m, "AcceptableValidityPeriod");
	return seconds ? m2m_ws_add_uint(m, NULL, "AcceptableValidityPeriod", seconds, NULL)
		       : M2M_OK;
}
