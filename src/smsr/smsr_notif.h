/* Notifications the SM-SR sends to operators and SM-DPs (smsr_notif.c), kept in the store's
 * outbox and sent by the outbound worker (smsr_out.c): docs/smsr.md "Notifications". */
#ifndef M2M_SMSR_SMSR_NOTIF_H
#define M2M_SMSR_SMSR_NOTIF_H

#include <stdint.h>

#include "smsr/smsr_int.h"

/* Tells the outbound worker the outbox has new rows (after their commit). */
void smsr_out_kick(smsr_out *o);

/* A call's outcome: true when the peer took it (HTTP 2xx, no fault), else why says how it
 * failed (for the log and the outbox row). */
bool smsr_out_taken(m2m_ws_client *client, m2m_err err, const m2m_ws_result *res, char *why,
		    size_t cap);

/* The worker's outbox pass (smsr_outbox.c): sends the rows due (stop(o) true: no more),
 * returns in how many ms to look again. st NULL: nothing (no store for the worker). */
int64_t smsr_outbox_pass(m2m_store *st, const m2m_smsr_cfg *cfg, m2m_ws_client *client,
			 bool (*stop)(smsr_out *), smsr_out *o);

/* HandleProfileDeletedNotification for p (read before its row went): ES4 to its MNO (ONC
 * permitting), ES3 to the SM-DP that created it, queued in the outbox inside the caller's
 * transaction (the one deleting the row); smsr_out_kick after its commit. */
m2m_err smsr_notify_deleted(smsr *s, const char *eid, const m2m_store_profile *p);

/* ISD-P aid of eid, deleted by the card's POL1 at a notification's confirmation: its row goes
 * and its Deleted notifications are queued, inside the caller's transaction. Nothing when the
 * EIS has no such ISD-P (a re-execution: done then). */
m2m_err smsr_notif_pol1_deleted(smsr *s, const char *eid, const char *aid);

#endif
