/* ES4 SetPLMA and GetPLMA (v4, euicc.request.v4.xsd): the calling MNO grants, withdraws and
 * lists the PLMAs of M2M SPs on its profiles, in the store list the CLI also edits
 * (docs/smsr-es4-more.md "PLMA"). Answered at once, audited. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config_read.h"
#include "core/log.h"
#include "smsr/smsr_es4_list_ws.h"

/* M2MSPIdType of the schema: [A-Za-z0-9._-]{1,64}. An entry the CLI or [plma] stored in
 * another form cannot be listed in a valid answer. */
static bool fits_schema(const char *sp)
{
	size_t n = strlen(sp);

	return n >= 1 && n <= 64 &&
	       strspn(sp, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* The request's M2MSP-id as the authorisation compares it: a [callers] name becomes its
 * object identifier. A value of digits and dots only must be an object identifier. */
static bool read_sp(smsr *s, const m2m_ws_node *body, bool required,
		    char sp[M2M_STORE_ID_SIZE], m2m_ws_exec_status *stt)
{
	const char *t = NULL;
	m2m_err err = m2m_ws_get_text(body, "M2MSP-id", &t);
	size_t n;

	sp[0] = '\0';
	if (err == M2M_END && !required)
		return true;
	if (err == M2M_OK) {
		t = m2m_smsr_caller_oid(s->cfg, t);
		n = strlen(t);
		if (fits_schema(t) && n < M2M_STORE_ID_SIZE &&
		    (strspn(t, "0123456789.") != n || m2m_cfg_oid_ok(t))) {
			snprintf(sp, M2M_STORE_ID_SIZE, "%s", t);
			return true;
		}
	}
	m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_FUNCTION, M2M_WS_REASON_INVALID, t,
			  "M2MSP-id: an object identifier or a certificate name expected");
	return false;
}

m2m_ws_reply smsr_es4_set_plma(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp)
{
	const m2m_ws_node *body = m2m_ws_msg_body(call->msg);
	m2m_ws_exec_status stt;
	char mno[M2M_STORE_ID_SIZE], sp[M2M_STORE_ID_SIZE];
	bool grant = false, added = false;
	m2m_err err;

	if (!smsr_es4_more_mno(s, call, mno, &stt) || !read_sp(s, body, true, sp, &stt))
		goto out;
	if (!smsr_es4_list_flag(body, "Authorised", true, &grant, &stt))
		goto out;
	err = grant ? m2m_smsr_plma_set(s->st, s->cfg, sp, mno, &added)
		    : m2m_smsr_plma_delete(s->st, s->cfg, sp, mno);
	if (!smsr_es4_list_change_failed(s, err, M2M_WS_SUBJ_FUNCTION, sp, "M2MSP-id", &stt))
		/* Withdrawing a PLMA that does not exist leaves what was asked: success. */
		m2m_ws_status_set(&stt, M2M_WS_EXECUTED_SUCCESS, NULL, NULL, NULL,
				  "PLMA of '%s' on profiles of '%s' %s", sp, mno,
				  grant ? (added ? "granted" : "already granted")
					: (err == M2M_OK ? "withdrawn" : "did not exist"));
out:
	return smsr_es4_more_end(s, call, resp, &stt);
}

/* One Plma {Mno-id, M2MSP-id} in the answer. */
static m2m_err add_plma(m2m_ws_msg *resp, const m2m_smsr_entry *e)
{
	m2m_ws_node *p = NULL;
	m2m_err err = smsr_es4_list_element(resp, "Plma", "Mno-id", e->b, &p);

	return err == M2M_OK ? m2m_ws_add(resp, p, "M2MSP-id", e->a, NULL) : err;
}

/* GetPLMA's filter: the caller's own PLMAs (another MNO's are not its business), of one
 * M2M SP when it named one, and only those the schema can carry. */
typedef struct {
	const char *mno, *sp;
} plma_filter;

static bool plma_keep(const void *arg, const m2m_smsr_entry *e)
{
	const plma_filter *f = arg;

	if (strcmp(e->b, f->mno) != 0 || (f->sp[0] != '\0' && strcmp(e->a, f->sp) != 0))
		return false;
	if (!fits_schema(e->a)) {
		m2m_warn(SMSR_LOG, "GetPLMA: '%s' is not an M2MSP-id the schema allows: left out",
			 e->a);
		return false;
	}
	return true;
}

m2m_ws_reply smsr_es4_get_plma(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp)
{
	const m2m_ws_node *body = m2m_ws_msg_body(call->msg);
	m2m_ws_exec_status stt;
	m2m_smsr_entry *e = NULL;
	char mno[M2M_STORE_ID_SIZE], sp[M2M_STORE_ID_SIZE];
	plma_filter f = {.mno = mno, .sp = sp};
	size_t n = 0, shown = 0;
	bool from_store = false;
	m2m_err err;

	if (!smsr_es4_more_mno(s, call, mno, &stt) || !read_sp(s, body, false, sp, &stt))
		goto out;
	err = m2m_smsr_plma_list(s->st, s->cfg, &e, &n, &from_store);
	if (smsr_es4_list_answer(s, err, e, n, plma_keep, &f, add_plma, resp, &shown, &stt))
		m2m_ws_status_set(&stt, M2M_WS_EXECUTED_SUCCESS, NULL, NULL, NULL,
				  "%zu PLMA(s) of '%s'%s%s", shown, mno, sp[0] ? " for " : "", sp);
out:
	free(e);
	return smsr_es4_more_end(s, call, resp, &stt);
}
