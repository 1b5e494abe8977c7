/* FunctionExecutionStatus as XML outside a response element: in a fault's env:Detail. */
#include "ws/ws_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

m2m_err m2m_ws_status_to_xml(xmlNodePtr parent, const m2m_ws_exec_status *st)
{
	xmlNsPtr ns = xmlSearchNsByHref(parent->doc, parent, BAD_CAST M2M_WS_NS_RPS);
	if (!ns && !(ns = xmlNewNs(parent, BAD_CAST M2M_WS_NS_RPS, BAD_CAST "rps")))
		return M2M_ERR_NOMEM;
	xmlNodePtr fes = xmlNewChild(parent, ns, BAD_CAST "FunctionExecutionStatus", NULL);
	if (!fes || !xmlNewTextChild(fes, ns, BAD_CAST "Status",
				     BAD_CAST m2m_ws_status_name(st->status)))
		return M2M_ERR_NOMEM;
	if (!st->subject[0])
		return M2M_OK;
	xmlNodePtr scd = xmlNewChild(fes, ns, BAD_CAST "StatusCodeData", NULL);
	if (!scd || !xmlNewTextChild(scd, ns, BAD_CAST "Subject", BAD_CAST st->subject) ||
	    !xmlNewTextChild(scd, ns, BAD_CAST "Reason", BAD_CAST st->reason))
		return M2M_ERR_NOMEM;
	if (st->subject_id[0] &&
	    !xmlNewTextChild(scd, ns, BAD_CAST "SubjectIdentifier", BAD_CAST st->subject_id))
		return M2M_ERR_NOMEM;
	if (st->message[0] && !xmlNewTextChild(scd, ns, BAD_CAST "Message", BAD_CAST st->message))
		return M2M_ERR_NOMEM;
	return M2M_OK;
}

static void text_of(const xmlNode *parent, const char *name, char *out, size_t cap)
{
	char *t = m2m_ws_text_trimmed(m2m_ws_find(parent, name));
	snprintf(out, cap, "%s", t ? t : "");
	free(t);
}

bool m2m_ws_status_from_xml(const xmlNode *fes, m2m_ws_exec_status *st)
{
	char status[32];
	memset(st, 0, sizeof *st);
	text_of(fes, "Status", status, sizeof status);
	if (m2m_ws_status_parse(status, &st->status) != M2M_OK)
		return false;
	const xmlNode *scd = m2m_ws_find(fes, "StatusCodeData");
	if (scd) {
		text_of(scd, "Subject", st->subject, sizeof st->subject);
		text_of(scd, "Reason", st->reason, sizeof st->reason);
		text_of(scd, "SubjectIdentifier", st->subject_id, sizeof st->subject_id);
		text_of(scd, "Message", st->message, sizeof st->message);
	}
	return true;
}
