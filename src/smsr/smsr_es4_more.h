/* The ES4 / ES3 functions of docs/smsr-es4-more.md (internal to the SM-SR): dispatched from
 * the ES4 handler's default branch (ES3 functions the ES3 handler does not serve get there
 * too), the v4 PLMA / ONC functions, the store-backed PLMA check and the ONC filter of the
 * notification forwarding. */
#ifndef M2M_SMSR_SMSR_ES4_MORE_H
#define M2M_SMSR_SMSR_ES4_MORE_H

#include "smsr/smsr_int.h"
#include "smsr/smsr_plma.h"

/* smsr_es4_more.c: true for the functions smsr_es4_more_handle serves. */
bool smsr_es4_more_serves(m2m_ws_fn fn);
m2m_ws_reply smsr_es4_more_handle(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp);

/* The profile of the request's Eid and Iccid, owned by the caller (ES4: MNO or PLMA; ES3:
 * Smdp-id); false with stt set (8.1.1, 8.2.1, 1.1 / 1.1...). */
bool smsr_es4_more_profile(smsr *s, const m2m_ws_call *call, char eid[M2M_STORE_EID_SIZE],
			   m2m_store_profile *p, m2m_ws_exec_status *stt);
/* The end of a store-only function: audit (and the refusal on resp unless stt is success). */
m2m_ws_reply smsr_es4_more_done(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp,
				const m2m_ws_exec_status *stt, const char *eid,
				const m2m_store_profile *p);

/* The calling MNO's object identifier (the Mno-id its PLMAs and ONC are kept under): its
 * [callers] entry, or its certificate CN when that is an object identifier; false with stt
 * (1.1 / 1.2 not an MNO, 1.1 / 1.1 no object identifier). */
bool smsr_es4_more_mno(smsr *s, const m2m_ws_call *call, char mno[M2M_STORE_ID_SIZE],
		       m2m_ws_exec_status *stt);
/* stt for a failed list change or read: 1.2 / 4.8 full (M2M_ERR_BOUNDS), else 1.2 / 4.2. */
void smsr_es4_more_list_failed(smsr *s, m2m_err err, m2m_ws_exec_status *stt);
/* The end of a PLMA / ONC function: audit (no EID), and the refusal unless stt is success. */
m2m_ws_reply smsr_es4_more_end(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp,
			       const m2m_ws_exec_status *stt);

/* smsr_es4_plma_ws.c: ES4 SetPLMA / GetPLMA (the calling MNO's PLMAs). */
m2m_ws_reply smsr_es4_set_plma(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp);
m2m_ws_reply smsr_es4_get_plma(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp);
/* smsr_es4_onc_ws.c: ES4 SetONC / GetONC (the calling MNO's ONC). */
m2m_ws_reply smsr_es4_set_onc(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp);
m2m_ws_reply smsr_es4_get_onc(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp);

/* smsr_es4_address.c: ES4 / ES3 UpdateSubscriptionAddress. */
m2m_ws_reply smsr_es4_update_address(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp);
/* smsr_es4_es3pol2.c: ES3 UpdatePolicyRules. */
m2m_ws_reply smsr_es4_es3_update_pol2(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp);

/* smsr_es4_plma.c: m2m_smsr_authorised with the PLMA list of the store (an M2M SP). */
bool smsr_authorised(smsr *s, int role, const char *caller_id, const char *mno_id,
		     m2m_ws_exec_status *st);
/* smsr_es4_onc.c: may the ES4 notification fn about profile p go to its MNO (ONC)? */
bool smsr_onc_forward(smsr *s, const m2m_store_profile *p, m2m_ws_fn fn);

#endif
