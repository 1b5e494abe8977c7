/* EIS files (eis_file.h). Reading goes through the SOAP reader of the ws layer: the file's
 * element is placed in the body of an ES1-RegisterEISRequest envelope, so it is parsed with the
 * same safety rules as a message received from the network. */
#include "smsr/eis_file.h"

#include <stdio.h>
#include <string.h>

#include <libxml/tree.h>

#include "ws/functions.h"
#include "ws/ns.h"
#include "ws/soap.h"

static bool call_id_ok(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 64)
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= 'A' && *s <= 'Z') || strchr("-_.:", *s) != NULL))
			return false;
	return true;
}

static const char *find(const char *s, size_t len, const char *what)
{
	size_t w = strlen(what);

	for (size_t i = 0; i + w <= len; i++)
		if (memcmp(s + i, what, w) == 0)
			return s + i;
	return NULL;
}

/* Skips a UTF-8 byte order mark and the XML declaration (which must not name another
 * encoding: the envelope around the element is UTF-8). */
static m2m_err skip_prolog(const uint8_t **p, size_t *n, char *why, size_t cap)
{
	const char *s = (const char *)*p, *end;
	size_t len = *n;

	if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
		s += 3;
		len -= 3;
	}
	while (len > 0 && strchr(" \t\r\n", *s) != NULL) {
		s++;
		len--;
	}
	if (len >= 5 && memcmp(s, "<?xml", 5) == 0) {
		end = find(s, len, "?>");
		if (end == NULL) {
			snprintf(why, cap, "unterminated XML declaration");
			return M2M_ERR_FORMAT;
		}
		const char *enc = find(s, (size_t)(end - s), "encoding");
		if (enc != NULL && find(enc, (size_t)(end - enc), "UTF-8") == NULL &&
		    find(enc, (size_t)(end - enc), "utf-8") == NULL) {
			snprintf(why, cap, "the file is not in UTF-8");
			return M2M_ERR_FORMAT;
		}
		len -= (size_t)(end + 2 - s);
		s = end + 2;
	}
	*p = (const uint8_t *)s;
	*n = len;
	return M2M_OK;
}

static m2m_err envelope(const uint8_t *p, size_t n, const char *call_id, m2m_buf *env)
{
	const m2m_ws_function *f = m2m_ws_function_get(M2M_WS_ES1_REGISTER_EIS);
	char head[1024];
	int len = snprintf(head, sizeof head,
			   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
			   "<env:Envelope xmlns:env=\"%s\" xmlns:wsa=\"%s\"><env:Header>"
			   "<wsa:Action>%s</wsa:Action>"
			   "<wsa:MessageID>urn:uuid:00000000-0000-4000-8000-000000000000"
			   "</wsa:MessageID><wsa:To>urn:m2mrsp:eis-file</wsa:To>"
			   "<wsa:From><wsa:Address>urn:m2mrsp:eis-file</wsa:Address></wsa:From>"
			   "</env:Header><env:Body><rps:%s xmlns:rps=\"%s\">"
			   "<rps:FunctionCallIdentifier>%s</rps:FunctionCallIdentifier>",
			   M2M_WS_NS_SOAP12, M2M_WS_NS_WSA, f->request_action, f->request_element,
			   M2M_WS_NS_RPS, call_id);
	char tail[256];
	int tlen = snprintf(tail, sizeof tail, "</rps:%s></env:Body></env:Envelope>",
			    f->request_element);
	m2m_err err;

	if (len < 0 || (size_t)len >= sizeof head || tlen < 0 || (size_t)tlen >= sizeof tail)
		return M2M_ERR_BOUNDS;
	err = m2m_buf_append(env, head, (size_t)len);
	if (err == M2M_OK)
		err = m2m_buf_append(env, p, n);
	if (err == M2M_OK)
		err = m2m_buf_append(env, tail, (size_t)tlen);
	return err;
}

/* The body must hold FunctionCallIdentifier and exactly one more element: rps:Eis. */
static m2m_ws_node *only_eis(m2m_ws_msg *m)
{
	m2m_ws_node *body = m2m_ws_msg_body_mut(m);
	const m2m_ws_node *eis = m2m_ws_find(body, "Eis");
	size_t count = 0;

	for (const m2m_ws_node *c = m2m_ws_first_child(body); c != NULL; c = m2m_ws_next(c))
		count++;
	return count == 2 && eis != NULL ? (m2m_ws_node *)eis : NULL;
}

m2m_err m2m_eis_file_read(const uint8_t *p, size_t n, const char *call_id, m2m_ws_msg **out,
			  m2m_ws_node **eis, char *why, size_t cap)
{
	char dummy[8];
	m2m_ws_error e;
	m2m_buf env;
	m2m_err err;

	if (why == NULL || cap == 0) {
		why = dummy;
		cap = sizeof dummy;
	}
	why[0] = '\0';
	*out = NULL;
	if (p == NULL || !call_id_ok(call_id))
		return M2M_ERR_ARG;
	if (n > M2M_EIS_FILE_MAX) {
		snprintf(why, cap, "larger than %u bytes", M2M_EIS_FILE_MAX);
		return M2M_ERR_FORMAT;
	}
	if ((err = skip_prolog(&p, &n, why, cap)) != M2M_OK)
		return err;
	m2m_buf_init(&env);
	err = envelope(p, n, call_id, &env);
	if (err == M2M_OK && (err = m2m_ws_soap_parse(env.data, env.len, out, &e)) != M2M_OK)
		snprintf(why, cap, "%s", e.text);
	m2m_buf_free(&env);
	if (err != M2M_OK)
		return err;
	if ((*eis = only_eis(*out)) == NULL) {
		snprintf(why, cap, "the root element is not one Eis of namespace %s",
			 M2M_WS_NS_RPS);
		m2m_ws_msg_free(*out);
		*out = NULL;
		return M2M_ERR_FORMAT;
	}
	return M2M_OK;
}

m2m_err m2m_eis_file_write(const m2m_ws_node *eis, bool indent, m2m_buf *out)
{
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr root = doc != NULL ? xmlDocCopyNode((xmlNodePtr)eis, doc, 1) : NULL;
	xmlChar *mem = NULL;
	int size = 0;
	m2m_err err = M2M_ERR_NOMEM;

	if (root == NULL)
		goto out;
	xmlDocSetRootElement(doc, root);
	xmlReconciliateNs(doc, root);
	xmlDocDumpFormatMemoryEnc(doc, &mem, &size, "UTF-8", indent ? 1 : 0);
	if (mem != NULL && size > 0)
		err = m2m_buf_append(out, mem, (size_t)size);
out:
	xmlFree(mem);
	xmlFreeDoc(doc);
	return err;
}
