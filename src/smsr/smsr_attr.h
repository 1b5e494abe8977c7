/* ES4 / ES3 SetFallBackAttribute and SetEmergencyProfileAttribute (docs/smsr-attr.md):
 * internal to the SM-SR. */
#ifndef M2M_SMSR_SMSR_ATTR_H
#define M2M_SMSR_SMSR_ATTR_H

#include "smsr/smsr_int.h"

/* smsr_attr.c: the four functions (ES4 and ES3 forms): checks, then a `fallback` or
 * `emergency` job answered to ReplyTo or on the held exchange, or EXECUTED_SUCCESS at once
 * when the profile already holds the attribute. */
m2m_ws_reply smsr_attr_call(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp);
/* The job kind is an attribute move ("fallback", "emergency"). */
bool smsr_attr_kind(const char *kind);
/* A card's success into the EIS (inside the caller's transaction): the attribute of kind
 * goes to the ISD-P aid, off every other profile of eid. */
m2m_err smsr_attr_apply(smsr *s, const char *eid, const char *kind, const char *aid);

#endif
