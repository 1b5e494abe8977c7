/* PLMA in the store, seeded by the configuration's [plma] (docs/smsr-es4-more.md "PLMA"),
 * and the authorisation of an M2M SP against it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config_read.h"
#include "core/log.h"
#include "smsr/smsr_es4_list.h"
#include "smsr/smsr_es4_more.h"

/* The configuration's [plma] as a list. */
static m2m_err from_cfg(const m2m_smsr_cfg *cfg, m2m_smsr_entry **out, size_t *n)
{
	m2m_err err = M2M_OK;

	for (size_t i = 0; i < cfg->nplma && err == M2M_OK; i++)
		err = smsr_list_push(out, n, cfg->plma[i].sp, cfg->plma[i].mno, 0);
	return err;
}

m2m_err m2m_smsr_plma_list(m2m_store *st, const m2m_smsr_cfg *cfg, m2m_smsr_entry **out,
			   size_t *n, bool *from_store)
{
	m2m_err err = smsr_list_read(st, M2M_SMSR_PLMA_SETTING, out, n, from_store);

	if (err == M2M_OK && !*from_store)
		err = from_cfg(cfg, out, n);
	if (err != M2M_OK) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return err;
}

static bool find(const m2m_smsr_entry *e, size_t n, const char *a, const char *b, size_t *at)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(e[i].a, a) == 0 && strcmp(e[i].b, b) == 0) {
			if (at != NULL)
				*at = i;
			return true;
		}
	return false;
}

bool m2m_smsr_plma_allows(m2m_store *st, const m2m_smsr_cfg *cfg, const char *sp,
			  const char *mno)
{
	m2m_smsr_entry *e = NULL;
	size_t n = 0;
	bool from_store = false, ok = false;

	if (sp == NULL || mno == NULL || sp[0] == '\0' || mno[0] == '\0')
		return false;
	if (m2m_smsr_plma_list(st, cfg, &e, &n, &from_store) != M2M_OK)
		m2m_warn(SMSR_LOG, "PLMA not read: %s", m2m_store_errmsg(st));
	else
		ok = find(e, n, sp, mno, NULL);
	free(e);
	return ok;
}

static bool args_ok(const char *sp, const char *mno)
{
	return smsr_list_field_ok(sp, M2M_STORE_ID_SIZE, false) && m2m_cfg_oid_ok(mno) &&
	       strlen(mno) < M2M_STORE_TEXT_SIZE;
}

/* Reads the list, lets edit change it, writes it back: one transaction. */
static m2m_err update(m2m_store *st, const m2m_smsr_cfg *cfg, const char *sp, const char *mno,
		      bool add, bool *changed)
{
	m2m_smsr_entry *e = NULL;
	size_t n = 0, at = 0;
	bool from_store = false;
	m2m_err err;

	*changed = false;
	if ((err = m2m_store_begin(st)) != M2M_OK)
		return err;
	if ((err = m2m_smsr_plma_list(st, cfg, &e, &n, &from_store)) != M2M_OK)
		goto out;
	if (add && !find(e, n, sp, mno, NULL)) {
		err = smsr_list_push(&e, &n, sp, mno, 0);
		*changed = true;
	} else if (!add && find(e, n, sp, mno, &at)) {
		memmove(&e[at], &e[at + 1], (n - at - 1) * sizeof *e);
		n--;
		*changed = true;
	}
	/* The first change writes the seed into the store even when it changes nothing. */
	if (err == M2M_OK && (*changed || !from_store))
		err = smsr_list_write(st, M2M_SMSR_PLMA_SETTING, e, n, false);
out:
	if (err == M2M_OK)
		err = m2m_store_commit(st);
	else
		m2m_store_rollback(st);
	free(e);
	return err;
}

m2m_err m2m_smsr_plma_set(m2m_store *st, const m2m_smsr_cfg *cfg, const char *sp,
			  const char *mno, bool *added)
{
	bool changed = false;
	m2m_err err;

	if (!args_ok(sp, mno))
		return M2M_ERR_ARG;
	err = update(st, cfg, sp, mno, true, &changed);
	if (added != NULL)
		*added = changed;
	return err;
}

m2m_err m2m_smsr_plma_delete(m2m_store *st, const m2m_smsr_cfg *cfg, const char *sp,
			     const char *mno)
{
	bool changed = false;
	m2m_err err;

	if (!args_ok(sp, mno))
		return M2M_ERR_ARG;
	err = update(st, cfg, sp, mno, false, &changed);
	return err == M2M_OK && !changed ? M2M_END : err;
}

bool smsr_authorised(smsr *s, int role, const char *caller_id, const char *mno_id,
		     m2m_ws_exec_status *st)
{
	const char *sp;
	bool ok;

	if (role != M2M_WS_ROLE_M2MSP)
		return m2m_smsr_authorised(s->cfg, (m2m_ws_role)role, caller_id, mno_id, st);
	sp = caller_id != NULL ? m2m_smsr_caller_oid(s->cfg, caller_id) : NULL;
	ok = sp != NULL && m2m_smsr_plma_allows(s->st, s->cfg, sp, mno_id);
	if (!ok && st != NULL)
		m2m_ws_status_set(st, M2M_WS_FAILED, M2M_WS_SUBJ_REQUESTER,
				  M2M_WS_REASON_UNAUTHORISED, NULL,
				  "M2M-SP '%s' has no PLMA for profiles of '%s'", sp ? sp : "",
				  mno_id ? mno_id : "");
	return ok;
}
