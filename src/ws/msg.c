/* The message object: ownership, WS-Addressing fields, common request and response fields. */
#include "ws/ws_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/hash.h"

m2m_err m2m_ws_msg_wrap(xmlDocPtr doc, xmlNodePtr body, const m2m_ws_function *fn,
			m2m_ws_dir dir, m2m_ws_msg **out)
{
	m2m_ws_msg *m = calloc(1, sizeof *m);
	if (!m) {
		xmlFreeDoc(doc);
		return M2M_ERR_NOMEM;
	}
	m->doc = doc;
	m->body = body;
	m->fn = fn;
	m->dir = dir;
	*out = m;
	return M2M_OK;
}

static char **wsa_slot(m2m_ws_addressing *a, m2m_ws_wsa_field f)
{
	switch (f) {
	case M2M_WS_WSA_MESSAGE_ID: return &a->message_id;
	case M2M_WS_WSA_RELATES_TO: return &a->relates_to;
	case M2M_WS_WSA_ACTION: return &a->action;
	case M2M_WS_WSA_TO: return &a->to;
	case M2M_WS_WSA_FROM: return &a->from;
	case M2M_WS_WSA_REPLY_TO: return &a->reply_to;
	}
	return NULL;
}

void m2m_ws_msg_free(m2m_ws_msg *m)
{
	if (!m)
		return;
	for (int f = M2M_WS_WSA_MESSAGE_ID; f <= M2M_WS_WSA_REPLY_TO; f++)
		free(*wsa_slot(&m->wsa, (m2m_ws_wsa_field)f));
	xmlFreeDoc(m->doc);
	free(m);
}

const m2m_ws_function *m2m_ws_msg_function(const m2m_ws_msg *m)
{
	return m ? m->fn : NULL;
}

m2m_ws_dir m2m_ws_msg_dir(const m2m_ws_msg *m)
{
	return m ? m->dir : M2M_WS_DIR_IN;
}

const m2m_ws_addressing *m2m_ws_msg_wsa(const m2m_ws_msg *m)
{
	return m ? &m->wsa : NULL;
}

m2m_err m2m_ws_msg_set_wsa(m2m_ws_msg *m, m2m_ws_wsa_field f, const char *value)
{
	char **slot = m ? wsa_slot(&m->wsa, f) : NULL;
	char *copy = NULL;
	if (!slot)
		return M2M_ERR_ARG;
	if (value && !(copy = strdup(value)))
		return M2M_ERR_NOMEM;
	free(*slot);
	*slot = copy;
	return M2M_OK;
}

m2m_err m2m_ws_new_message_id(char *out, size_t cap)
{
	uint8_t r[16];
	if (!out || cap < M2M_WS_MESSAGE_ID_SIZE)
		return M2M_ERR_ARG;
	m2m_err err = m2m_random(r, sizeof r);
	if (err != M2M_OK)
		return err;
	r[6] = (uint8_t)((r[6] & 0x0f) | 0x40); /* version 4 */
	r[8] = (uint8_t)((r[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, cap,
		 "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12],
		 r[13], r[14], r[15]);
	return M2M_OK;
}

const m2m_ws_node *m2m_ws_msg_body(const m2m_ws_msg *m)
{
	return m ? m->body : NULL;
}

m2m_ws_node *m2m_ws_msg_body_mut(m2m_ws_msg *m)
{
	return m ? m->body : NULL;
}

const char *m2m_ws_msg_function_call_id(const m2m_ws_msg *m)
{
	if (!m || m->dir != M2M_WS_DIR_IN || !m->fn || m->fn->kind != M2M_WS_KIND_REQUEST)
		return NULL;
	return m2m_ws_node_text(m2m_ws_find(m->body, "FunctionCallIdentifier"));
}

m2m_err m2m_ws_msg_validity_period(const m2m_ws_msg *m, uint64_t *seconds)
{
	if (!m || !seconds)
		return M2M_ERR_ARG;
	if (m->dir != M2M_WS_DIR_IN || !m->fn || m->fn->kind != M2M_WS_KIND_REQUEST)
		return M2M_END;
	return m2m_ws_get_uint(m->body, "ValidityPeriod", seconds);
}

m2m_err m2m_ws_msg_status(const m2m_ws_msg *m, m2m_ws_exec_status *st)
{
	if (!m || !st)
		return M2M_ERR_ARG;
	memset(st, 0, sizeof *st);
	const m2m_ws_node *fes = m2m_ws_find(m->body, "FunctionExecutionStatus");
	if (!fes)
		return M2M_END;
	return m2m_ws_status_from_xml(fes, st) ? M2M_OK : M2M_ERR_FORMAT;
}
