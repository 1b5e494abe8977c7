/* Small named settings (the SM-SR's own identity and the like). */
#include <string.h>

#include "store/store_int.h"

/* Names the store keeps for itself (the master key's check value). */
static m2m_err reserved(m2m_store *st, const char *name)
{
	if (strcmp(name, "master_key_check") == 0)
		return m2m_store_fail(st, M2M_ERR_ARG, "setting '%s' is reserved", name);
	return M2M_OK;
}

m2m_err m2m_store_setting_get(m2m_store *st, const char *name, char *value, size_t cap)
{
	if (st == NULL || name == NULL || value == NULL || cap == 0)
		return M2M_ERR_ARG;
	m2m_sv args[] = {m2m_sv_text(name)};
	m2m_err rc = m2m_q_first(st, M2M_Q_SETTING_GET, args, 1);
	if (rc == M2M_END)
		return m2m_store_fail(st, M2M_END, "no setting '%.64s'", name);
	if (rc != M2M_OK)
		return rc;
	rc = m2m_q_text(st, 0, value, cap);
	m2m_q_done(st);
	return rc;
}

m2m_err m2m_store_setting_put(m2m_store *st, const char *name, const char *value)
{
	if (st == NULL || name == NULL || *name == '\0' || value == NULL)
		return M2M_ERR_ARG;
	if (reserved(st, name) != M2M_OK)
		return M2M_ERR_ARG;
	m2m_sv args[] = {m2m_sv_text(name), m2m_sv_text(value)};
	return m2m_q_exec(st, M2M_Q_SETTING_PUT, args, 2, NULL);
}

m2m_err m2m_store_setting_delete(m2m_store *st, const char *name)
{
	int64_t changes = 0;

	if (st == NULL || name == NULL)
		return M2M_ERR_ARG;
	if (reserved(st, name) != M2M_OK)
		return M2M_ERR_ARG;
	m2m_sv args[] = {m2m_sv_text(name)};
	m2m_err rc = m2m_q_exec(st, M2M_Q_SETTING_DELETE, args, 1, &changes);
	if (rc == M2M_OK && changes == 0)
		return m2m_store_fail(st, M2M_END, "no setting '%.64s'", name);
	return rc;
}
