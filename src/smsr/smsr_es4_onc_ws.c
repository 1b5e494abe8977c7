/* ES4 SetONC and GetONC (v4, euicc.request.v4.xsd): the calling MNO sets, removes and lists
 * its Operator Notification Configuration, in the store list the CLI also edits and the
 * notification forwarding reads (docs/smsr-es4-more.md "ONC"). Answered at once, audited. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "smsr/smsr_es4_list.h"
#include "smsr/smsr_es4_list_ws.h"

/* ONCNotificationType of the schema, in the order an answer lists them. */
static const struct {
	const char *name;
	unsigned bit;
} kinds[] = {
	{"ProfileEnabled", M2M_SMSR_ONC_ENABLED},
	{"ProfileDisabled", M2M_SMSR_ONC_DISABLED},
	{"ProfileDeleted", M2M_SMSR_ONC_DELETED},
	{"SMSRChange", M2M_SMSR_ONC_SMSR_CHANGE},
};

#define NKINDS (sizeof kinds / sizeof kinds[0])

/* A profile type as the list keeps it ("*": any type): printable (no tab or newline, which
 * would break the list's lines), no space at either end (xs:string keeps it, and the type
 * would then match no profile). */
static bool read_type(const m2m_ws_node *body, const char *path, bool required,
		      char type[M2M_STORE_TEXT_SIZE], m2m_ws_exec_status *stt)
{
	const char *t = NULL;
	m2m_err err = m2m_ws_get_text(body, path, &t);

	type[0] = '\0';
	if (err == M2M_END && !required)
		return true;
	if (err == M2M_OK && smsr_list_field_ok(t, M2M_STORE_TEXT_SIZE, true) && t[0] != ' ' &&
	    t[strlen(t) - 1] != ' ') {
		snprintf(type, M2M_STORE_TEXT_SIZE, "%s", t);
		return true;
	}
	m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROFILE_TYPE, M2M_WS_REASON_INVALID,
			  NULL, "ProfileType: 1 to 100 printable characters, no space at "
			  "either end");
	return false;
}

/* The Notification elements of Onc as bits (none: 0). A name given twice counts once. */
static bool read_bits(const m2m_ws_node *body, unsigned *bits, m2m_ws_exec_status *stt)
{
	size_t count = m2m_ws_count(body, "Onc/Notification"), k;

	*bits = 0;
	for (size_t i = 0; i < count; i++) {
		const char *t = m2m_ws_node_text(m2m_ws_find_nth(body, "Onc/Notification", i));
		for (k = 0; k < NKINDS && (t == NULL || strcmp(t, kinds[k].name) != 0); k++)
			;
		if (k == NKINDS) {
			m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_FUNCTION,
					  M2M_WS_REASON_INVALID, t, "Notification: unknown name");
			return false;
		}
		*bits |= kinds[k].bit;
	}
	return true;
}

static void done(m2m_ws_exec_status *stt, const char *mno, const char *type, const char *what,
		 unsigned bits)
{
	char names[96];

	m2m_smsr_onc_format(bits, names, sizeof names);
	m2m_ws_status_set(stt, M2M_WS_EXECUTED_SUCCESS, NULL, NULL, NULL,
			  "ONC of '%s' for type '%s' %s%s%s", mno, type, what, bits ? ": " : "",
			  bits ? names : "");
}

m2m_ws_reply smsr_es4_set_onc(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp)
{
	const m2m_ws_node *body = m2m_ws_msg_body(call->msg);
	m2m_ws_exec_status stt;
	char mno[M2M_STORE_ID_SIZE], type[M2M_STORE_TEXT_SIZE];
	unsigned bits = 0;
	bool remove = false;
	m2m_err err;

	if (!smsr_es4_more_mno(s, call, mno, &stt) ||
	    !read_type(body, "Onc/ProfileType", true, type, &stt) || !read_bits(body, &bits, &stt))
		goto out;
	if (!smsr_es4_list_flag(body, "Remove", false, &remove, &stt))
		goto out;
	/* Remove wins over the Notification list; removing no entry leaves what was asked. */
	err = remove ? m2m_smsr_onc_delete(s->st, mno, type)
		     : m2m_smsr_onc_set(s->st, mno, type, bits);
	if (smsr_es4_list_change_failed(s, err, M2M_WS_SUBJ_PROFILE_TYPE, NULL, "ProfileType",
					&stt))
		goto out;
	if (remove)
		done(&stt, mno, type, err == M2M_OK ? "removed" : "did not exist", 0);
	else
		done(&stt, mno, type, bits ? "set" : "set to none", bits);
out:
	return smsr_es4_more_end(s, call, resp, &stt);
}

/* One Onc {ProfileType, Notification*} in the answer. */
static m2m_err add_onc(m2m_ws_msg *resp, const m2m_smsr_entry *e)
{
	m2m_ws_node *o = NULL;
	m2m_err err = smsr_es4_list_element(resp, "Onc", "ProfileType", e->b, &o);

	for (size_t k = 0; k < NKINDS && err == M2M_OK; k++)
		if (e->bits & kinds[k].bit)
			err = m2m_ws_add(resp, o, "Notification", kinds[k].name, NULL);
	return err;
}

/* GetONC's filter: the caller's own entries, of one ProfileType when it gave one. */
typedef struct {
	const char *mno, *type;
} onc_filter;

static bool onc_keep(const void *arg, const m2m_smsr_entry *e)
{
	const onc_filter *f = arg;

	return strcmp(e->a, f->mno) == 0 && (f->type[0] == '\0' || strcmp(e->b, f->type) == 0);
}

m2m_ws_reply smsr_es4_get_onc(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp)
{
	const m2m_ws_node *body = m2m_ws_msg_body(call->msg);
	m2m_ws_exec_status stt;
	m2m_smsr_entry *e = NULL;
	char mno[M2M_STORE_ID_SIZE], type[M2M_STORE_TEXT_SIZE];
	onc_filter f = {.mno = mno, .type = type};
	size_t n = 0, shown = 0;
	m2m_err err;

	if (!smsr_es4_more_mno(s, call, mno, &stt) ||
	    !read_type(body, "ProfileType", false, type, &stt))
		goto out;
	err = m2m_smsr_onc_list(s->st, &e, &n);
	if (smsr_es4_list_answer(s, err, e, n, onc_keep, &f, add_onc, resp, &shown, &stt))
		m2m_ws_status_set(&stt, M2M_WS_EXECUTED_SUCCESS, NULL, NULL, NULL,
				  "%zu ONC entr%s of '%s'", shown, shown == 1 ? "y" : "ies", mno);
out:
	free(e);
	return smsr_es4_more_end(s, call, resp, &stt);
}
