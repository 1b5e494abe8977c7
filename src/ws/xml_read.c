/* Safe XML parsing for messages from the network: libxml2 with no network access, no DTD at
 * all (a DOCTYPE stops the parser: SOAP 1.2 forbids it and it is where entity bombs live), no
 * entity substitution beyond the predefined ones, and limits on size, depth and element count.
 * Processing instructions are refused (SOAP 1.2 part 1, 5); comments are dropped so that a
 * simple element has at most one text child. */
#include "ws/ws_int.h"

#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

/* Hard cap whatever the transport allows: a message is at most a few hundred kB. */
#define MAX_MESSAGE (4u * 1024u * 1024u)

static const char dtd_marker[] = "dtd";

static void refuse_dtd(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
	(void)name;
	(void)ext;
	(void)sys;
	xmlParserCtxtPtr ctxt = ctx;
	ctxt->_private = (void *)dtd_marker;
	xmlStopParser(ctxt);
}

typedef struct {
	size_t nodes;
	m2m_ws_error *why;
} walk_state;

static bool is_text(const xmlNode *n)
{
	return n && (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE);
}

/* Drops a comment, merging the text around it. Returns the node to continue with. */
static xmlNodePtr drop_comment(xmlNodePtr c)
{
	xmlNodePtr prev = c->prev, next = c->next;
	xmlUnlinkNode(c);
	xmlFreeNode(c);
	if (is_text(prev) && is_text(next)) {
		xmlNodeAddContent(prev, next->content);
		xmlNodePtr after = next->next;
		xmlUnlinkNode(next);
		xmlFreeNode(next);
		return after;
	}
	return next;
}

static bool walk(xmlNodePtr n, unsigned depth, walk_state *st)
{
	if (depth > M2M_WS_MAX_DEPTH) {
		m2m_ws_error_fault(st->why, M2M_WS_FAULT_SENDER, NULL, NULL,
				   "XML nesting deeper than %u elements", M2M_WS_MAX_DEPTH);
		return false;
	}
	if (++st->nodes > M2M_WS_MAX_NODES) {
		m2m_ws_error_fault(st->why, M2M_WS_FAULT_SENDER, NULL, NULL,
				   "more than %u XML elements", M2M_WS_MAX_NODES);
		return false;
	}
	for (xmlNodePtr c = n->children; c;) {
		switch (c->type) {
		case XML_COMMENT_NODE:
			c = drop_comment(c);
			continue;
		case XML_PI_NODE:
			m2m_ws_error_fault(st->why, M2M_WS_FAULT_SENDER, NULL, NULL,
					   "processing instructions are not allowed in SOAP");
			return false;
		case XML_ENTITY_REF_NODE:
		case XML_ENTITY_NODE:
		case XML_DTD_NODE:
			m2m_ws_error_fault(st->why, M2M_WS_FAULT_SENDER, NULL, NULL,
					   "entity references are not allowed");
			return false;
		case XML_ELEMENT_NODE:
			if (!walk(c, depth + 1, st))
				return false;
			break;
		default:
			break;
		}
		c = c->next;
	}
	return true;
}

static void parse_error(xmlParserCtxtPtr ctxt, m2m_ws_error *why)
{
	if (ctxt && ctxt->_private == dtd_marker) {
		m2m_ws_error_fault(why, M2M_WS_FAULT_SENDER, NULL, NULL,
				   "a document type declaration (DTD) is not allowed");
		return;
	}
	const xmlError *e = ctxt ? xmlCtxtGetLastError(ctxt) : NULL;
	char msg[200] = "not well-formed";
	if (e && e->message) {
		snprintf(msg, sizeof msg, "%s", e->message);
		msg[strcspn(msg, "\n")] = '\0';
	}
	m2m_ws_error_fault(why, M2M_WS_FAULT_SENDER, NULL, NULL, "malformed XML (line %d): %s",
			   e ? e->line : 0, msg);
}

m2m_err m2m_ws_xml_read(const uint8_t *p, size_t n, xmlDocPtr *out, m2m_ws_error *why)
{
	m2m_err err = M2M_ERR_FORMAT;
	xmlDocPtr doc = NULL;
	xmlParserCtxtPtr ctxt = NULL;
	*out = NULL;
	if (!p || n == 0) {
		m2m_ws_error_fault(why, M2M_WS_FAULT_SENDER, NULL, NULL, "empty message");
		goto out;
	}
	if (n > MAX_MESSAGE) {
		m2m_ws_error_fault(why, M2M_WS_FAULT_SENDER, NULL, NULL,
				   "message larger than %u bytes", MAX_MESSAGE);
		goto out;
	}
	ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		err = M2M_ERR_NOMEM;
		m2m_ws_error_fault(why, M2M_WS_FAULT_RECEIVER, NULL, NULL, "out of memory");
		goto out;
	}
	ctxt->sax->internalSubset = refuse_dtd;
	/* No XML_PARSE_NOENT, DTDLOAD, DTDATTR, XINCLUDE or HUGE: nothing fetched or expanded. */
	doc = xmlCtxtReadMemory(ctxt, (const char *)p, (int)n, NULL, NULL,
				XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOERROR |
					XML_PARSE_NOWARNING | XML_PARSE_NOXINCNODE);
	if (!doc || !ctxt->wellFormed || ctxt->_private == dtd_marker || doc->intSubset ||
	    doc->extSubset) {
		parse_error(ctxt, why);
		goto out;
	}
	walk_state st = {.why = why};
	xmlNodePtr root = xmlDocGetRootElement(doc);
	if (!root) {
		m2m_ws_error_fault(why, M2M_WS_FAULT_SENDER, NULL, NULL, "no root element");
		goto out;
	}
	/* Top-level PIs (other than the XML declaration, which is not a node) are refused too. */
	for (xmlNodePtr c = doc->children; c; c = c->next) {
		if (c->type == XML_PI_NODE) {
			m2m_ws_error_fault(why, M2M_WS_FAULT_SENDER, NULL, NULL,
					   "processing instructions are not allowed in SOAP");
			goto out;
		}
	}
	if (!walk(root, 1, &st))
		goto out;
	*out = doc;
	doc = NULL;
	err = M2M_OK;
out:
	xmlFreeDoc(doc);
	if (ctxt)
		xmlFreeParserCtxt(ctxt);
	return err;
}
