/* ONC in the store (docs/smsr-es4-more.md "ONC"): which ES4 notifications an MNO wants for
 * profiles of a type, and the filter the notification forwarding applies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "core/config_read.h"
#include "core/log.h"
#include "smsr/smsr_es4_list.h"
#include "smsr/smsr_es4_more.h"

static const struct {
	const char *name;
	unsigned bit;
} names[] = {
	{"enabled", M2M_SMSR_ONC_ENABLED},
	{"disabled", M2M_SMSR_ONC_DISABLED},
	{"deleted", M2M_SMSR_ONC_DELETED},
	{"smsr-change", M2M_SMSR_ONC_SMSR_CHANGE},
};

#define NNAMES (sizeof names / sizeof names[0])

m2m_err m2m_smsr_onc_parse(const char *list, unsigned *bits)
{
	unsigned out = 0;
	size_t k;

	if (list == NULL || list[0] == '\0')
		return M2M_ERR_FORMAT;
	if (strcmp(list, "none") == 0 || strcmp(list, "all") == 0) {
		*bits = list[0] == 'a' ? M2M_SMSR_ONC_ALL : 0;
		return M2M_OK;
	}
	for (const char *p = list; *p != '\0'; p += *p == ',') {
		size_t n = strcspn(p, ",");
		for (k = 0; k < NNAMES; k++)
			if (strlen(names[k].name) == n && strncmp(names[k].name, p, n) == 0)
				break;
		if (k == NNAMES)
			return M2M_ERR_FORMAT;
		out |= names[k].bit;
		p += n;
	}
	*bits = out;
	return M2M_OK;
}

void m2m_smsr_onc_format(unsigned bits, char *out, size_t cap)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t k = 0; k < NNAMES; k++)
		if (bits & names[k].bit) {
			int w = snprintf(out + used, cap - used, "%s%s", used ? "," : "",
					 names[k].name);
			if (w < 0 || (size_t)w >= cap - used)
				break;
			used += (size_t)w;
		}
	if (used == 0)
		snprintf(out, cap, "none");
}

m2m_err m2m_smsr_onc_list(m2m_store *st, m2m_smsr_entry **out, size_t *n)
{
	bool found = false;

	return smsr_list_read(st, M2M_SMSR_ONC_SETTING, out, n, &found);
}

static bool args_ok(const char *mno, const char *type)
{
	return m2m_cfg_oid_ok(mno) && strlen(mno) < M2M_STORE_ID_SIZE &&
	       smsr_list_field_ok(type, M2M_STORE_TEXT_SIZE, true);
}

static ssize_t find(const m2m_smsr_entry *e, size_t n, const char *mno, const char *type)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(e[i].a, mno) == 0 && strcmp(e[i].b, type) == 0)
			return (ssize_t)i;
	return -1;
}

/* Sets (bits >= 0) or removes (bits < 0) the entry (mno, type) in one transaction. */
static m2m_err update(m2m_store *st, const char *mno, const char *type, long bits)
{
	m2m_smsr_entry *e = NULL;
	size_t n = 0;
	bool found = false;
	ssize_t at;
	m2m_err err;

	if ((err = m2m_store_begin(st)) != M2M_OK)
		return err;
	if ((err = smsr_list_read(st, M2M_SMSR_ONC_SETTING, &e, &n, &found)) != M2M_OK)
		goto out;
	at = find(e, n, mno, type);
	if (bits >= 0 && at >= 0)
		e[at].bits = (unsigned)bits;
	else if (bits >= 0)
		err = smsr_list_push(&e, &n, mno, type, (unsigned)bits);
	else if (at >= 0)
		memmove(&e[at], &e[at + 1], (n - (size_t)at - 1) * sizeof *e), n--;
	else
		err = M2M_END;
	if (err == M2M_OK)
		err = smsr_list_write(st, M2M_SMSR_ONC_SETTING, e, n, true);
out:
	if (err == M2M_OK)
		err = m2m_store_commit(st);
	else
		m2m_store_rollback(st);
	free(e);
	return err;
}

m2m_err m2m_smsr_onc_set(m2m_store *st, const char *mno, const char *type, unsigned bits)
{
	if (!args_ok(mno, type) || (bits & ~M2M_SMSR_ONC_ALL) != 0)
		return M2M_ERR_ARG;
	return update(st, mno, type, (long)bits);
}

m2m_err m2m_smsr_onc_delete(m2m_store *st, const char *mno, const char *type)
{
	if (!args_ok(mno, type))
		return M2M_ERR_ARG;
	return update(st, mno, type, -1);
}

bool m2m_smsr_onc_wants(m2m_store *st, const char *mno, const char *type, unsigned bit)
{
	m2m_smsr_entry *e = NULL;
	size_t n = 0;
	ssize_t at;
	bool wants = true;

	if (m2m_smsr_onc_list(st, &e, &n) != M2M_OK) {
		m2m_warn(SMSR_LOG, "ONC not read (notification sent): %s", m2m_store_errmsg(st));
		goto out;
	}
	/* The profile's own type first, then the MNO's entry for any type. */
	at = find(e, n, mno, type != NULL && type[0] != '\0' ? type : "*");
	if (at < 0)
		at = find(e, n, mno, "*");
	if (at >= 0)
		wants = (e[at].bits & bit) != 0;
out:
	free(e);
	return wants;
}

bool smsr_onc_forward(smsr *s, const m2m_store_profile *p, m2m_ws_fn fn)
{
	unsigned bit;

	switch (fn) {
	case M2M_WS_ES4_HANDLE_PROFILE_ENABLED_NOTIFICATION:
		bit = M2M_SMSR_ONC_ENABLED;
		break;
	case M2M_WS_ES4_HANDLE_PROFILE_DISABLED_NOTIFICATION:
		bit = M2M_SMSR_ONC_DISABLED;
		break;
	case M2M_WS_ES4_HANDLE_PROFILE_DELETED_NOTIFICATION:
		bit = M2M_SMSR_ONC_DELETED;
		break;
	case M2M_WS_ES4_HANDLE_SMSR_CHANGE_NOTIFICATION:
		bit = M2M_SMSR_ONC_SMSR_CHANGE;
		break;
	default:
		return true; /* ONC is the operator's: other notifications are not filtered */
	}
	if (m2m_smsr_onc_wants(s->st, p->mno_id, p->profile_type, bit))
		return true;
	m2m_info(SMSR_LOG, "%s for %s not sent: the ONC of '%s' filters it out",
		 m2m_ws_function_get(fn)->name, p->iccid, p->mno_id);
	return false;
}
