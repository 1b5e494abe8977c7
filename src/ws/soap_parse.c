/* Reading SOAP 1.2 envelopes: structure, WS-Addressing headers, routing by Action. */
#include "ws/soap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ws/ws_int.h"

static const char *const wsa_names[] = {
	[M2M_WS_WSA_MESSAGE_ID] = "MessageID", [M2M_WS_WSA_RELATES_TO] = "RelatesTo",
	[M2M_WS_WSA_ACTION] = "Action",        [M2M_WS_WSA_TO] = "To",
	[M2M_WS_WSA_FROM] = "From",            [M2M_WS_WSA_REPLY_TO] = "ReplyTo",
};

#define CARDINALITY "wsa:InvalidAddressingHeader wsa:InvalidCardinality"

static bool is_env(const xmlNode *n, const char *local)
{
	return m2m_ws_xml_is(n, M2M_WS_NS_SOAP12, local);
}

/* The non-blank content of a container must be elements only. */
static bool only_elements(const xmlNode *n)
{
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type == XML_ELEMENT_NODE)
			continue;
		if (c->type == XML_TEXT_NODE && c->content &&
		    strspn((const char *)c->content, " \t\r\n") != strlen((const char *)c->content))
			return false;
	}
	return true;
}

static const char *env_attr(const xmlNode *n, const char *name)
{
	for (const xmlAttr *a = n->properties; a; a = a->next)
		if (a->ns && strcmp((const char *)a->ns->href, M2M_WS_NS_SOAP12) == 0 &&
		    strcmp((const char *)a->name, name) == 0 && a->children)
			return (const char *)a->children->content;
	return NULL;
}

/* A header block we do not process but which says mustUnderstand (and is meant for us). */
static bool must_understand(const xmlNode *h)
{
	const char *mu = env_attr(h, "mustUnderstand");
	const char *role = env_attr(h, "role");
	if (!mu || (strcmp(mu, "true") != 0 && strcmp(mu, "1") != 0))
		return false;
	return !role || strcmp(role, M2M_WS_SOAP_ROLE_NONE) != 0;
}

/* The value of one WS-A header: text, or the Address of an endpoint reference. */
static m2m_err wsa_value(const xmlNode *h, m2m_ws_wsa_field f, char **out, m2m_ws_error *why)
{
	const xmlNode *src = h;
	if (f == M2M_WS_WSA_FROM || f == M2M_WS_WSA_REPLY_TO) {
		src = NULL;
		for (const xmlNode *c = h->children; c; c = c->next)
			if (m2m_ws_xml_is(c, M2M_WS_NS_WSA, "Address"))
				src = c;
		if (!src) {
			m2m_ws_error_fault(why, M2M_WS_FAULT_SENDER,
					   "wsa:InvalidAddressingHeader wsa:MissingAddressInEPR",
					   NULL, "wsa:%s has no wsa:Address", wsa_names[f]);
			snprintf(why->detail, sizeof why->detail, "wsa:%s", wsa_names[f]);
			return M2M_ERR_FORMAT;
		}
	}
	char *t = m2m_ws_text_trimmed(src);
	if (!t || !*t) {
		free(t);
		m2m_ws_error_fault(why, M2M_WS_FAULT_SENDER, "wsa:InvalidAddressingHeader", NULL,
				   "wsa:%s is empty or not text", wsa_names[f]);
		snprintf(why->detail, sizeof why->detail, "wsa:%s", wsa_names[f]);
		return M2M_ERR_FORMAT;
	}
	*out = t;
	return M2M_OK;
}

static char **slot(m2m_ws_addressing *a, m2m_ws_wsa_field f)
{
	char **slots[] = {&a->message_id, &a->relates_to, &a->action,
			  &a->to, &a->from, &a->reply_to};
	return slots[f];
}

static m2m_err read_header_block(const xmlNode *h, m2m_ws_addressing *a, m2m_ws_error *why)
{
	if (h->ns && strcmp((const char *)h->ns->href, M2M_WS_NS_WSA) == 0) {
		for (int f = M2M_WS_WSA_MESSAGE_ID; f <= M2M_WS_WSA_REPLY_TO; f++) {
			if (strcmp((const char *)h->name, wsa_names[f]) != 0)
				continue;
			char **s = slot(a, (m2m_ws_wsa_field)f);
			if (*s) {
				m2m_ws_error_fault(why, M2M_WS_FAULT_SENDER, CARDINALITY, NULL,
						   "wsa:%s appears twice", wsa_names[f]);
				snprintf(why->detail, sizeof why->detail, "wsa:%s", wsa_names[f]);
				return M2M_ERR_FORMAT;
			}
			return wsa_value(h, (m2m_ws_wsa_field)f, s, why);
		}
		/* FaultTo and the other WS-A headers: understood, not used. */
		return M2M_OK;
	}
	if (must_understand(h)) {
		m2m_ws_error_fault(why, M2M_WS_FAULT_MUST_UNDERSTAND, NULL, NULL,
				   "header %s {%s} is mandatory and not understood",
				   (const char *)h->name, h->ns ? (const char *)h->ns->href : "");
		return M2M_ERR_UNSUPPORTED;
	}
	return M2M_OK;
}

static void free_wsa(m2m_ws_addressing *a)
{
	for (int f = M2M_WS_WSA_MESSAGE_ID; f <= M2M_WS_WSA_REPLY_TO; f++) {
		free(*slot(a, (m2m_ws_wsa_field)f));
		*slot(a, (m2m_ws_wsa_field)f) = NULL;
	}
}

static m2m_err read_header(const xmlNode *hdr, m2m_ws_addressing *a, m2m_ws_error *why)
{
	if (!only_elements(hdr)) {
		m2m_ws_error_fault(why, M2M_WS_FAULT_SENDER, NULL, NULL,
				   "env:Header holds text outside header blocks");
		return M2M_ERR_FORMAT;
	}
	for (const xmlNode *h = hdr->children; h; h = h->next) {
		if (h->type != XML_ELEMENT_NODE)
			continue;
		m2m_err err = read_header_block(h, a, why);
		if (err != M2M_OK)
			return err;
	}
	return M2M_OK;
}

/* Envelope = Header? Body, nothing else. */
static m2m_err split_envelope(const xmlNode *env, const xmlNode **hdr, const xmlNode **body,
			      m2m_ws_error *why)
{
	*hdr = *body = NULL;
	if (!only_elements(env))
		goto bad;
	for (const xmlNode *c = env->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is_env(c, "Header") && !*hdr && !*body)
			*hdr = c;
		else if (is_env(c, "Body") && !*body)
			*body = c;
		else
			goto bad;
	}
	if (*body)
		return M2M_OK;
bad:
	m2m_ws_error_fault(why, M2M_WS_FAULT_SENDER, NULL, NULL,
			   "env:Envelope must hold an optional env:Header and one env:Body");
	return M2M_ERR_FORMAT;
}

/* The single element in env:Body. */
static const xmlNode *body_element(const xmlNode *body, m2m_ws_error *why)
{
	const xmlNode *el = NULL;
	size_t n = 0;
	for (const xmlNode *c = body->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && n++ == 0)
			el = c;
	if (n == 1 && only_elements(body))
		return el;
	m2m_ws_error_fault(why, M2M_WS_FAULT_SENDER, NULL, NULL,
			   "env:Body must hold exactly one element (it holds %zu)", n);
	return NULL;
}

static m2m_err required(const m2m_ws_addressing *a, const m2m_ws_function *fn, m2m_ws_dir dir,
			m2m_ws_error *why)
{
	const char *missing = NULL;
	if (!a->message_id)
		missing = "MessageID";
	else if (!a->to)
		missing = "To";
	else if (!a->from)
		missing = "From";
	else if (dir == M2M_WS_DIR_OUT && !a->relates_to)
		missing = "RelatesTo";
	if (!missing)
		return M2M_OK;
	m2m_ws_error_fault(why, M2M_WS_FAULT_SENDER, "wsa:MessageAddressingHeaderRequired", NULL,
			   "wsa:%s is required in %s", missing, fn->name);
	snprintf(why->detail, sizeof why->detail, "wsa:%s", missing);
	return M2M_ERR_FORMAT;
}

/* Action -> function, and the body element must be the one the Action names. */
static m2m_err route(const m2m_ws_addressing *a, const xmlNode *el, const m2m_ws_function **fn,
		     m2m_ws_dir *dir, m2m_ws_error *why)
{
	if (!a->action) {
		m2m_ws_error_fault(why, M2M_WS_FAULT_SENDER, "wsa:MessageAddressingHeaderRequired",
				   "wsa:Action", "wsa:Action is required");
		return M2M_ERR_FORMAT;
	}
	*fn = m2m_ws_function_by_action(a->action, dir);
	if (!*fn) {
		m2m_ws_error_fault(why, M2M_WS_FAULT_SENDER, "wsa:ActionNotSupported", a->action,
				   "the Action %s is not supported", a->action);
		return M2M_ERR_UNSUPPORTED;
	}
	const char *want = *dir == M2M_WS_DIR_IN ? (*fn)->request_element
						 : (*fn)->response_element;
	if (!m2m_ws_xml_is(el, M2M_WS_NS_RPS, want)) {
		const char *ns = el->ns ? (const char *)el->ns->href : "";
		if (strcmp((const char *)el->name, want) == 0)
			m2m_ws_error_fault(why, M2M_WS_FAULT_SENDER, NULL, NULL,
					   "the body element %s is in namespace '%s', not %s",
					   want, ns, M2M_WS_NS_RPS);
		else
			m2m_ws_error_fault(why, M2M_WS_FAULT_SENDER,
					   "wsa:InvalidAddressingHeader wsa:ActionMismatch",
					   "wsa:Action",
					   "the body element {%s}%s does not match the Action (%s)",
					   ns, (const char *)el->name, want);
		return M2M_ERR_FORMAT;
	}
	return required(a, *fn, *dir, why);
}

static m2m_err check_root(const xmlNode *root, m2m_ws_error *why)
{
	if (is_env(root, "Envelope"))
		return M2M_OK;
	bool soap11 = m2m_ws_xml_is(root, M2M_WS_NS_SOAP11, "Envelope");
	m2m_ws_error_fault(why, M2M_WS_FAULT_VERSION_MISMATCH, NULL, NULL,
			   soap11 ? "SOAP 1.1 is not supported: use SOAP 1.2 (%s)"
				  : "the root element is not a SOAP 1.2 Envelope (%s)",
			   M2M_WS_NS_SOAP12);
	return M2M_ERR_UNSUPPORTED;
}

m2m_err m2m_ws_soap_parse(const uint8_t *p, size_t n, m2m_ws_msg **out, m2m_ws_error *why)
{
	m2m_ws_error scratch;
	m2m_ws_addressing a = {0};
	const xmlNode *hdr, *body, *el;
	const m2m_ws_function *fn = NULL;
	m2m_ws_dir dir = M2M_WS_DIR_IN;
	xmlDocPtr doc = NULL;
	if (!why)
		why = &scratch;
	if (!out)
		return M2M_ERR_ARG;
	*out = NULL;
	m2m_err err = m2m_ws_xml_read(p, n, &doc, why);
	if (err != M2M_OK)
		goto out;
	if ((err = check_root(xmlDocGetRootElement(doc), why)) != M2M_OK ||
	    (err = split_envelope(xmlDocGetRootElement(doc), &hdr, &body, why)) != M2M_OK)
		goto out;
	if (hdr && (err = read_header(hdr, &a, why)) != M2M_OK)
		goto out;
	err = M2M_ERR_FORMAT;
	if (!(el = body_element(body, why)))
		goto out;
	if (!is_env(el, "Fault") && (err = route(&a, el, &fn, &dir, why)) != M2M_OK)
		goto out;
	if ((err = m2m_ws_msg_wrap(doc, (xmlNodePtr)el, fn, dir, out)) != M2M_OK) {
		doc = NULL;
		goto out;
	}
	doc = NULL;
	(*out)->wsa = a;
	memset(&a, 0, sizeof a);
	err = M2M_OK;
out:
	free_wsa(&a);
	xmlFreeDoc(doc);
	return err;
}

bool m2m_ws_msg_is_fault(const m2m_ws_msg *m)
{
	return m && !m->fn && is_env(m->body, "Fault");
}

/* A QName's text to "wsa:Local" when its prefix maps to WS-A, else its local part. */
static void qname_text(const xmlNode *n, char *out, size_t cap)
{
	char *t = m2m_ws_text_trimmed(n);
	out[0] = '\0';
	if (!t)
		return;
	const char *colon = strchr(t, ':');
	const char *local = colon ? colon + 1 : t;
	xmlNsPtr ns = NULL;
	if (colon) {
		char prefix[64];
		snprintf(prefix, sizeof prefix, "%.*s", (int)(colon - t), t);
		ns = xmlSearchNs(n->doc, (xmlNodePtr)n, BAD_CAST prefix);
	}
	if (ns && strcmp((const char *)ns->href, M2M_WS_NS_WSA) == 0)
		snprintf(out, cap, "wsa:%s", local);
	else
		snprintf(out, cap, "%s", local);
	free(t);
}

m2m_err m2m_ws_msg_fault(const m2m_ws_msg *m, m2m_ws_error *e)
{
	char code[64], sub[64];
	if (!m2m_ws_msg_is_fault(m) || !e)
		return M2M_ERR_ARG;
	memset(e, 0, sizeof *e);
	const xmlNode *f = m->body, *c = NULL;
	for (const xmlNode *x = f->children; x; x = x->next)
		if (is_env(x, "Code"))
			c = x;
	e->status.status = M2M_WS_FAILED;
	e->fault = M2M_WS_FAULT_RECEIVER;
	for (const xmlNode *v = c ? c->children : NULL; v; v = v->next)
		if (is_env(v, "Value")) {
			qname_text(v, code, sizeof code);
			m2m_ws_fault_code_parse(code, &e->fault);
		}
	/* Subcodes nest: Code/Subcode/Value, Code/Subcode/Subcode/Value. */
	for (const xmlNode *s = c; s;) {
		const xmlNode *next = NULL;
		for (const xmlNode *x = s->children; x; x = x->next) {
			if (is_env(x, "Subcode"))
				next = x;
			if (s != c && is_env(x, "Value")) {
				qname_text(x, sub, sizeof sub);
				size_t used = strlen(e->subcode);
				snprintf(e->subcode + used, sizeof e->subcode - used, "%s%s",
					 used ? " " : "", sub);
			}
		}
		s = next;
	}
	for (const xmlNode *x = f->children; x; x = x->next) {
		if (is_env(x, "Reason")) {
			for (const xmlNode *t = x->children; t; t = t->next)
				if (is_env(t, "Text") && !e->text[0]) {
					char *s = m2m_ws_text_trimmed(t);
					snprintf(e->text, sizeof e->text, "%s", s ? s : "");
					free(s);
				}
		}
		if (is_env(x, "Detail")) {
			for (const xmlNode *d = x->children; d; d = d->next) {
				const xmlNode *v = d;
				if (m2m_ws_xml_is(d, M2M_WS_NS_RPS, "FunctionExecutionStatus")) {
					e->fault_status = m2m_ws_status_from_xml(d, &e->status);
					continue;
				}
				if (m2m_ws_xml_is(d, M2M_WS_NS_WSA, "ProblemAction"))
					for (v = d->children; v && !m2m_ws_xml_is(v, M2M_WS_NS_WSA,
										   "Action");)
						v = v->next;
				if (v && v->type == XML_ELEMENT_NODE && !e->detail[0]) {
					char *s = m2m_ws_text_trimmed(v);
					snprintf(e->detail, sizeof e->detail, "%s", s ? s : "");
					free(s);
				}
			}
		}
	}
	return M2M_OK;
}
