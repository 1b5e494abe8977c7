/* What ES4 SetPLMA / SetONC and GetPLMA / GetONC (smsr_es4_plma_ws.c, smsr_es4_onc_ws.c)
 * build alike: the refusal of a flag or of a list change, and the list answer made of the
 * caller's entries. Internal to the SM-SR. */
#ifndef M2M_SMSR_SMSR_ES4_LIST_WS_H
#define M2M_SMSR_SMSR_ES4_LIST_WS_H

#include "smsr/smsr_es4_more.h"

/* The xs:boolean element name of body into *v (absent: false, refused when required);
 * false with stt FAILED function / invalid ("<name>: true or false expected"). */
bool smsr_es4_list_flag(const m2m_ws_node *body, const char *name, bool required, bool *v,
			m2m_ws_exec_status *stt);
/* A list change that did not go through, into stt: M2M_ERR_ARG, the entry refused (subject
 * / invalid, id, "<what> not accepted"); any other error but M2M_END,
 * smsr_es4_more_list_failed. False (stt untouched) for M2M_OK and M2M_END. */
bool smsr_es4_list_change_failed(smsr *s, m2m_err err, const char *subject, const char *id,
				 const char *what, m2m_ws_exec_status *stt);

/* Does entry e go into the answer (arg: the function's filter)? */
typedef bool (*smsr_es4_list_keep_fn)(const void *arg, const m2m_smsr_entry *e);
/* Adds entry e to the answer. */
typedef m2m_err (*smsr_es4_list_add_fn)(m2m_ws_msg *resp, const m2m_smsr_entry *e);
/* The list answer from the list read (err, its n entries e): each entry keep passes, added
 * with add; how many in *shown. False with stt (smsr_es4_more_list_failed) when the read
 * failed or the answer cannot be built. */
bool smsr_es4_list_answer(smsr *s, m2m_err err, const m2m_smsr_entry *e, size_t n,
			  smsr_es4_list_keep_fn keep, const void *arg, smsr_es4_list_add_fn add,
			  m2m_ws_msg *resp, size_t *shown, m2m_ws_exec_status *stt);
/* One entry element name {first: value, ...} in the answer; the rest goes into *node. */
m2m_err smsr_es4_list_element(m2m_ws_msg *resp, const char *name, const char *first,
			      const char *value, m2m_ws_node **node);

#endif
