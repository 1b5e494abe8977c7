/* The shapes SetPLMA / SetONC and GetPLMA / GetONC share (smsr_es4_list_ws.h). */
#include "smsr/smsr_es4_list_ws.h"

bool smsr_es4_list_flag(const m2m_ws_node *body, const char *name, bool required, bool *v,
			m2m_ws_exec_status *stt)
{
	m2m_err err;

	*v = false;
	err = m2m_ws_get_bool(body, name, v);
	if (err == M2M_OK || (err == M2M_END && !required))
		return true;
	m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_FUNCTION, M2M_WS_REASON_INVALID, NULL,
			  "%s: true or false expected", name);
	return false;
}

bool smsr_es4_list_change_failed(smsr *s, m2m_err err, const char *subject, const char *id,
				 const char *what, m2m_ws_exec_status *stt)
{
	if (err == M2M_OK || err == M2M_END)
		return false;
	if (err == M2M_ERR_ARG)
		m2m_ws_status_set(stt, M2M_WS_FAILED, subject, M2M_WS_REASON_INVALID, id,
				  "%s not accepted", what);
	else
		smsr_es4_more_list_failed(s, err, stt);
	return true;
}

bool smsr_es4_list_answer(smsr *s, m2m_err err, const m2m_smsr_entry *e, size_t n,
			  smsr_es4_list_keep_fn keep, const void *arg, smsr_es4_list_add_fn add,
			  m2m_ws_msg *resp, size_t *shown, m2m_ws_exec_status *stt)
{
	*shown = 0;
	for (size_t i = 0; i < n && err == M2M_OK; i++)
		if (keep(arg, &e[i]) && (err = add(resp, &e[i])) == M2M_OK)
			(*shown)++;
	if (err != M2M_OK)
		smsr_es4_more_list_failed(s, err, stt);
	return err == M2M_OK;
}

m2m_err smsr_es4_list_element(m2m_ws_msg *resp, const char *name, const char *first,
			      const char *value, m2m_ws_node **node)
{
	m2m_err err = m2m_ws_add(resp, NULL, name, NULL, node);

	return err == M2M_OK ? m2m_ws_add(resp, *node, first, value, NULL) : err;
}
