/* Notifications the SM-SR sends to operators and SM-DPs (smsr_notif.c) and the delivery
 * mark of a card's notification (smsr_out.c): docs/smsr.md "Notifications". */
#ifndef M2M_SMSR_SMSR_NOTIF_H
#define M2M_SMSR_SMSR_NOTIF_H

#include <stdint.h>

#include "smsr/smsr_int.h"

/* As smsr_out_notify; once the peer accepted it (HTTP 2xx, no fault) the card's
 * notification (eid, seq) becomes `forwarded` in the store. */
void smsr_out_notify_of(smsr_out *o, const char *url, m2m_ws_msg *msg, const char *eid,
			int64_t seq);

/* HandleProfileDeletedNotification for p (read before its row went, the delete committed):
 * ES4 to its MNO (ONC permitting), ES3 to the SM-DP that created it. */
void smsr_notify_deleted(smsr *s, const char *eid, const m2m_store_profile *p);

#endif
