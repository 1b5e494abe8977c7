/* The SM-SR change (SGP.02 3.8, docs/smsr-change.md) inside the SM-SR daemon: ES4
 * PrepareSMSRChange / SMSRChange and ES7 HandoverEUICC / AuthenticateSMSR /
 * CreateAdditionalKeySet, on both sides (the current SM-SR1 and the new SM-SR2). These are
 * the hooks the shared daemon files call; everything else is in smsr_es7_int.h. Loop thread
 * only. */
#ifndef M2M_SMSR_SMSR_ES7_H
#define M2M_SMSR_SMSR_ES7_H

#include <stdbool.h>

#include "smsr/smsr_int.h"

/* Job kinds of the change (the payload's `data` holds the command's input in hex). */
#define SMSR_ES7_KIND_CERT "es7_cert"         /* SM-SR1: relay of AuthenticateSMSR (3A01) */
#define SMSR_ES7_KIND_KEYS "es7_keys"         /* SM-SR1: relay of CreateAdditionalKeySet */
#define SMSR_ES7_KIND_FINALISE "es7_finalise" /* SM-SR2: FinaliseISDRhandover (DELETE keys) */
#define SMSR_ES7_KIND_PSK "es7_psk"           /* SM-SR2: PUT KEY of its SCP81 PSK set */

/* Reads [es7] (key and certificate) and sets up the worker plumbing; called once the
 * engine runs. M2M_ERR_CONFIG when [es7] files cannot be read. */
m2m_err smsr_es7_start(smsr *s);
/* Waits for the workers, answers what is still held, frees. */
void smsr_es7_stop(smsr *s);

/* ES4 PrepareSMSRChange / SMSRChange and the ES7 requests. */
m2m_ws_reply smsr_es7_handle(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp);

/* True for the kinds above. */
bool smsr_es7_kind(const char *kind);
/* The command set of an es7_* job (M2M_ERR_UNSUPPORTED for another kind). */
m2m_err smsr_es7_build(const smsr_slot *sl, m2m_es5_cmd *c);
/* In the transaction that records an es7_* job's success: what follows from it in the store
 * (es7_cert / es7_keys: the card's answer kept with the job; es7_finalise: the smsr_address
 * and es7_psk jobs; es7_psk: the SCP81 key set). */
m2m_err smsr_es7_apply(smsr *s, const smsr_slot *sl, const m2m_es5_result *r);
/* Engine, before a job starts: a job of another kind for an eUICC locked by an SM-SR change
 * ends FAILED here (true: the slot is done with). */
bool smsr_es7_locked_out(smsr *s, const smsr_slot *sl);
/* The end of an es7_* job (r NULL when it failed with stt): answers the ES7 exchange that
 * waits for it. Other kinds: nothing. */
void smsr_es7_job_end(smsr *s, const smsr_slot *sl, const m2m_es5_result *r,
		      const m2m_ws_exec_status *stt);

#endif
