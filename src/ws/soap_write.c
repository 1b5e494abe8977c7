/* Writing SOAP 1.2 envelopes: WS-Addressing headers around a function element, and faults. */
#include "ws/soap.h"

#include <stdio.h>
#include <string.h>

#include "ws/ws_int.h"

typedef struct {
	xmlDocPtr doc;
	xmlNodePtr env, header, body;
	xmlNsPtr ns_env, ns_wsa;
} envelope;

static m2m_err envelope_new(envelope *e)
{
	memset(e, 0, sizeof *e);
	if (!(e->doc = xmlNewDoc(BAD_CAST "1.0")) ||
	    !(e->env = xmlNewDocNode(e->doc, NULL, BAD_CAST "Envelope", NULL)))
		return M2M_ERR_NOMEM;
	xmlDocSetRootElement(e->doc, e->env);
	if (!(e->ns_env = xmlNewNs(e->env, BAD_CAST M2M_WS_NS_SOAP12, BAD_CAST "env")) ||
	    !(e->ns_wsa = xmlNewNs(e->env, BAD_CAST M2M_WS_NS_WSA, BAD_CAST "wsa")))
		return M2M_ERR_NOMEM;
	xmlSetNs(e->env, e->ns_env);
	if (!(e->header = xmlNewChild(e->env, e->ns_env, BAD_CAST "Header", NULL)) ||
	    !(e->body = xmlNewChild(e->env, e->ns_env, BAD_CAST "Body", NULL)))
		return M2M_ERR_NOMEM;
	return M2M_OK;
}

/* <wsa:name>value</wsa:name>, or an endpoint reference <wsa:name><wsa:Address>. */
static m2m_err header(envelope *e, const char *name, const char *value, bool epr, bool mu)
{
	if (!value)
		return M2M_OK;
	xmlNodePtr h = xmlNewTextChild(e->header, e->ns_wsa, BAD_CAST name,
				       epr ? NULL : BAD_CAST value);
	if (!h || (epr && !xmlNewTextChild(h, e->ns_wsa, BAD_CAST "Address", BAD_CAST value)))
		return M2M_ERR_NOMEM;
	if (mu && !xmlSetNsProp(h, e->ns_env, BAD_CAST "mustUnderstand", BAD_CAST "true"))
		return M2M_ERR_NOMEM;
	return M2M_OK;
}

static m2m_err headers(envelope *e, const m2m_ws_addressing *a)
{
	m2m_err err;
	if ((err = header(e, "Action", a->action, false, true)) != M2M_OK ||
	    (err = header(e, "MessageID", a->message_id, false, false)) != M2M_OK ||
	    (err = header(e, "RelatesTo", a->relates_to, false, false)) != M2M_OK ||
	    (err = header(e, "To", a->to, false, true)) != M2M_OK ||
	    (err = header(e, "From", a->from, true, false)) != M2M_OK)
		return err;
	return header(e, "ReplyTo", a->reply_to, true, false);
}

static m2m_err dump(envelope *e, m2m_buf *out)
{
	xmlChar *mem = NULL;
	int len = 0;
	xmlDocDumpFormatMemoryEnc(e->doc, &mem, &len, "UTF-8", 0);
	if (!mem || len <= 0) {
		xmlFree(mem);
		return M2M_ERR_NOMEM;
	}
	m2m_err err = m2m_buf_append(out, mem, (size_t)len);
	xmlFree(mem);
	return err;
}

m2m_err m2m_ws_soap_write(const m2m_ws_msg *m, m2m_buf *out)
{
	envelope e = {0};
	if (!m || !m->fn || !m->body || !out || !m->wsa.action || !m->wsa.message_id)
		return M2M_ERR_ARG;
	m2m_err err = envelope_new(&e);
	if (err == M2M_OK)
		err = headers(&e, &m->wsa);
	if (err == M2M_OK) {
		xmlNodePtr copy = xmlDocCopyNode(m->body, e.doc, 1);
		if (!copy || !xmlAddChild(e.body, copy)) {
			xmlFreeNode(copy);
			err = M2M_ERR_NOMEM;
		} else {
			xmlReconciliateNs(e.doc, copy);
		}
	}
	if (err == M2M_OK)
		err = dump(&e, out);
	xmlFreeDoc(e.doc);
	return err;
}

/* env:Code with env:Value and up to two levels of env:Subcode from "a:B c:D". */
static m2m_err fault_code(envelope *e, xmlNodePtr fault, const m2m_ws_error *er)
{
	char value[64];
	xmlNodePtr code = xmlNewChild(fault, e->ns_env, BAD_CAST "Code", NULL);
	snprintf(value, sizeof value, "env:%s", m2m_ws_fault_code_name(er->fault));
	if (!code || !xmlNewTextChild(code, e->ns_env, BAD_CAST "Value", BAD_CAST value))
		return M2M_ERR_NOMEM;
	xmlNodePtr parent = code;
	for (const char *s = er->subcode; *s;) {
		size_t len = strcspn(s, " ");
		snprintf(value, sizeof value, "%.*s", (int)len, s);
		xmlNodePtr sub = xmlNewChild(parent, e->ns_env, BAD_CAST "Subcode", NULL);
		if (!sub || !xmlNewTextChild(sub, e->ns_env, BAD_CAST "Value", BAD_CAST value))
			return M2M_ERR_NOMEM;
		parent = sub;
		s += len;
		s += strspn(s, " ");
	}
	return M2M_OK;
}

/* WS-A faults carry the problem header's QName or the unsupported Action (SOAP binding 6.4). */
static m2m_err fault_detail(envelope *e, xmlNodePtr fault, const m2m_ws_error *er)
{
	if (!er->detail[0] && !er->fault_status)
		return M2M_OK;
	xmlNodePtr d = xmlNewChild(fault, e->ns_env, BAD_CAST "Detail", NULL);
	if (!d)
		return M2M_ERR_NOMEM;
	if (er->fault_status) {
		m2m_err err = m2m_ws_status_to_xml(d, &er->status);
		if (err != M2M_OK || !er->detail[0])
			return err;
	}
	if (strncmp(er->subcode, "wsa:ActionNotSupported", 22) == 0) {
		xmlNodePtr pa = xmlNewChild(d, e->ns_wsa, BAD_CAST "ProblemAction", NULL);
		if (!pa || !xmlNewTextChild(pa, e->ns_wsa, BAD_CAST "Action", BAD_CAST er->detail))
			return M2M_ERR_NOMEM;
		return M2M_OK;
	}
	return xmlNewTextChild(d, e->ns_wsa, BAD_CAST "ProblemHeaderQName", BAD_CAST er->detail)
		       ? M2M_OK
		       : M2M_ERR_NOMEM;
}

m2m_err m2m_ws_soap_write_fault(const m2m_ws_error *er, const char *relates_to, m2m_buf *out)
{
	envelope e = {0};
	char id[M2M_WS_MESSAGE_ID_SIZE];
	if (!er || er->fault == M2M_WS_FAULT_NONE || !out)
		return M2M_ERR_ARG;
	bool wsa = strncmp(er->subcode, "wsa:", 4) == 0;
	m2m_ws_addressing a = {
		.action = wsa ? M2M_WS_WSA_FAULT_ACTION : M2M_WS_WSA_SOAP_FAULT_ACTION,
		.message_id = id,
		.relates_to = (char *)relates_to,
	};
	m2m_err err = m2m_ws_new_message_id(id, sizeof id);
	if (err == M2M_OK)
		err = envelope_new(&e);
	if (err == M2M_OK)
		err = headers(&e, &a);
	xmlNodePtr fault = err == M2M_OK ? xmlNewChild(e.body, e.ns_env, BAD_CAST "Fault", NULL)
					 : NULL;
	if (err == M2M_OK && !fault)
		err = M2M_ERR_NOMEM;
	if (err == M2M_OK)
		err = fault_code(&e, fault, er);
	if (err == M2M_OK) {
		xmlNodePtr reason = xmlNewChild(fault, e.ns_env, BAD_CAST "Reason", NULL);
		xmlNodePtr text = reason ? xmlNewTextChild(reason, e.ns_env, BAD_CAST "Text",
							   BAD_CAST(er->text[0] ? er->text
										 : "fault"))
					 : NULL;
		if (!text)
			err = M2M_ERR_NOMEM;
		else
			xmlNodeSetLang(text, BAD_CAST "en");
	}
	if (err == M2M_OK)
		err = fault_detail(&e, fault, er);
	if (err == M2M_OK)
		err = dump(&e, out);
	xmlFreeDoc(e.doc);
	return err;
}

m2m_err m2m_ws_soap_content_type(const char *action, char *out, size_t cap)
{
	if (!out || !cap)
		return M2M_ERR_ARG;
	/* The action parameter is a quoted-string: refuse what would need escaping. */
	if (action && strpbrk(action, "\"\\\r\n"))
		return M2M_ERR_ARG;
	int n = action ? snprintf(out, cap, "%s; charset=utf-8; action=\"%s\"", M2M_WS_CT_SOAP,
				  action)
		       : snprintf(out, cap, "%s; charset=utf-8", M2M_WS_CT_SOAP);
	return n > 0 && (size_t)n < cap ? M2M_OK : M2M_ERR_BOUNDS;
}
