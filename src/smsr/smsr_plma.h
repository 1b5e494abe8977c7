/*
 * PLMA and ONC kept in the store (docs/smsr-es4-more.md): the MNOs edit theirs with the v4
 * functions ES4 SetPLMA / SetONC (smsr_es4_plma_ws.c, smsr_es4_onc_ws.c), the SM-SR's operator
 * any of them with `m2mrsp smsr plma|onc`. The daemon reads them at every check, so a change
 * applies to the next call without a restart.
 *
 * PLMA (Profile Lifecycle Management Authorisation): the M2M SP `sp` may act on the profiles
 * of the MNO `mno`. While the store holds no PLMA list, the configuration's [plma] is the list
 * (the seed); the first change copies it into the store, which is the list from then on.
 *
 * ONC (Operator Notification Configuration): for the MNO `mno` and profiles of type `type`
 * ("*": any type), the ES4 notifications it wants (M2M_SMSR_ONC_*). Without an entry for the
 * profile's type nor "*", the MNO gets every notification.
 */
#ifndef M2M_SMSR_SMSR_PLMA_H
#define M2M_SMSR_SMSR_PLMA_H

#include <stdbool.h>
#include <stddef.h>

#include "smsr/smsr.h"
#include "store/store.h"

#define M2M_SMSR_PLMA_SETTING "smsr.plma"
#define M2M_SMSR_ONC_SETTING "smsr.onc"
/* The longest list a setting holds (bytes): both lists are read whole at every check. */
#define M2M_SMSR_LIST_MAX 32768

/* ONC notification bits. */
#define M2M_SMSR_ONC_ENABLED 0x01u     /* HandleProfileEnabledNotification */
#define M2M_SMSR_ONC_DISABLED 0x02u    /* HandleProfileDisabledNotification */
#define M2M_SMSR_ONC_DELETED 0x04u     /* HandleProfileDeletedNotification */
#define M2M_SMSR_ONC_SMSR_CHANGE 0x08u /* HandleSMSRChangeNotification */
#define M2M_SMSR_ONC_ALL 0x0fu

/* One list entry: a PLMA (a = SP, b = MNO) or an ONC (a = MNO, b = profile type, bits). */
typedef struct {
	char a[M2M_STORE_ID_SIZE];
	char b[M2M_STORE_TEXT_SIZE];
	unsigned bits;
} m2m_smsr_entry;

/* ---- PLMA ---- */

/* The PLMA list (*from_store false: the configuration's). *out heap (free()), NULL if none. */
m2m_err m2m_smsr_plma_list(m2m_store *st, const m2m_smsr_cfg *cfg, m2m_smsr_entry **out,
			   size_t *n, bool *from_store);
/* May the M2M SP sp (its ES identifier) act on profiles of mno? False on a store failure. */
bool m2m_smsr_plma_allows(m2m_store *st, const m2m_smsr_cfg *cfg, const char *sp,
			  const char *mno);
/* Adds (sp, mno) in one transaction; *added false when it was there already. M2M_ERR_ARG for
 * an identifier that is not an object identifier (sp may also be a certificate CN). */
m2m_err m2m_smsr_plma_set(m2m_store *st, const m2m_smsr_cfg *cfg, const char *sp,
			  const char *mno, bool *added);
/* Removes (sp, mno); M2M_END when there is no such PLMA. */
m2m_err m2m_smsr_plma_delete(m2m_store *st, const m2m_smsr_cfg *cfg, const char *sp,
			     const char *mno);

/* ---- ONC ---- */

/* "enabled,disabled,deleted,smsr-change" (any subset), "all" or "none" -> bits. */
m2m_err m2m_smsr_onc_parse(const char *list, unsigned *bits);
/* bits -> the form above ("none" for 0). */
void m2m_smsr_onc_format(unsigned bits, char *out, size_t cap);
m2m_err m2m_smsr_onc_list(m2m_store *st, m2m_smsr_entry **out, size_t *n);
/* Sets the notifications of (mno, type), replacing an entry there. */
m2m_err m2m_smsr_onc_set(m2m_store *st, const char *mno, const char *type, unsigned bits);
/* Removes (mno, type); M2M_END when there is no such entry. */
m2m_err m2m_smsr_onc_delete(m2m_store *st, const char *mno, const char *type);
/* Does mno want the notification `bit` (one M2M_SMSR_ONC_*) about a profile of type? True
 * when no entry applies, and on a store failure (a notification is not lost for it). */
bool m2m_smsr_onc_wants(m2m_store *st, const char *mno, const char *type, unsigned bit);

#endif
