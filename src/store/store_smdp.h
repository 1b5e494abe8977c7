/*
 * The SM-DP's inventory in the store (docs/smdp.md "Inventory"): profile types (an MNO's SAIP
 * package) and the profiles of imported batches, each with its personalisation data sealed
 * with the master key (AES-256-GCM, bound to its ICCID) and handed out once. Same handle,
 * results and ownership rules as store.h.
 */
#ifndef M2M_STORE_STORE_SMDP_H
#define M2M_STORE_STORE_SMDP_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/store.h"

typedef enum {
	M2M_SMDP_AVAILABLE, /* imported, never handed out */
	M2M_SMDP_ALLOCATED, /* taken by a download in progress */
	M2M_SMDP_INSTALLED, /* downloaded to an eUICC (eid) */
	M2M_SMDP_FAILED,    /* a download reached the card and failed: never reused */
	M2M_SMDP_DELETED,   /* installed, then deleted from the eUICC: never reused */
} m2m_smdp_pstate;

typedef struct {
	char name[M2M_STORE_TEXT_SIZE];
	char mno_id[M2M_STORE_ID_SIZE];
	uint8_t *package; /* the unpersonalised SAIP package (DER), heap */
	size_t package_len;
	uint64_t memory;  /* memory the profile needs on the card; 0: the package's length */
} m2m_smdp_type;

/* The download an allocation is for (docs/smdp.md "Recovery"): the SM-DP instance running it,
 * the SM-SR (its Smsr-id) and the operator's call (caller, FunctionCallIdentifier). */
typedef struct {
	char owner[M2M_STORE_ID_SIZE];
	char smsr[M2M_STORE_ID_SIZE];
	char caller[M2M_STORE_ID_SIZE];
	char call_id[M2M_STORE_ID_SIZE];
} m2m_smdp_download;

typedef struct {
	char iccid[M2M_STORE_ICCID_SIZE];
	char type[M2M_STORE_TEXT_SIZE];
	m2m_smdp_pstate state;
	char eid[M2M_STORE_EID_SIZE];       /* "" unless allocated or later */
	char imsi[M2M_STORE_MSISDN_SIZE];   /* "" when the batch has none */
	char isdp_aid[M2M_STORE_AID_SIZE];  /* "" until CreateISDP answered */
	int64_t updated_ms;
	m2m_smdp_download dl;               /* who allocated it ("" fields: unknown) */
} m2m_smdp_profile;

const char *m2m_smdp_pstate_name(m2m_smdp_pstate s);

/* Adds a type or replaces its package; M2M_ERR_STATE when the name belongs to another MNO. */
m2m_err m2m_store_smdp_type_put(m2m_store *st, const char *name, const char *mno_id,
				const uint8_t *pkg, size_t len, uint64_t memory);
/* M2M_END when unknown. Release with m2m_smdp_type_clear. */
m2m_err m2m_store_smdp_type_get(m2m_store *st, const char *name, m2m_smdp_type *out);
void m2m_smdp_type_clear(m2m_smdp_type *t);

/* A new available profile of type; perso (the personalisation values, secret) is sealed.
 * M2M_ERR_STATE when the ICCID exists; needs the master key. */
m2m_err m2m_store_smdp_profile_add(m2m_store *st, const char *iccid, const char *type,
				   const char *imsi, const uint8_t *perso, size_t perso_len);
/* Hands one available profile of type to eid (iccid NULL: any, else that one), atomically:
 * M2M_OK with its ICCID in iccid_out, M2M_END when none is available. */
m2m_err m2m_store_smdp_allocate(m2m_store *st, const char *type, const char *iccid,
				const char *eid, char iccid_out[M2M_STORE_ICCID_SIZE]);
/* The same, recording the download it is for (dl NULL: none, as m2m_store_smdp_allocate). */
m2m_err m2m_store_smdp_allocate_for(m2m_store *st, const char *type, const char *iccid,
				    const char *eid, const m2m_smdp_download *dl,
				    char iccid_out[M2M_STORE_ICCID_SIZE]);
/* The ICCIDs of the profiles left allocated to owner, in ICCID order: fn once each (fn must
 * not use the store). */
typedef void (*m2m_smdp_iccid_fn)(void *arg, const char *iccid);
m2m_err m2m_store_smdp_stale(m2m_store *st, const char *owner, m2m_smdp_iccid_fn fn,
			     void *arg);
/* Ends an interrupted download: new state, EID and ISD-P AID, only if iccid is still allocated
 * to owner; M2M_END when it is not (someone else closed it). */
m2m_err m2m_store_smdp_close(m2m_store *st, const char *iccid, const char *owner,
			     m2m_smdp_pstate state, const char *eid, const char *isdp_aid);
m2m_err m2m_store_smdp_profile_get(m2m_store *st, const char *iccid, m2m_smdp_profile *out);
/* Appends the unsealed personalisation values (wipe them after use). */
m2m_err m2m_store_smdp_perso(m2m_store *st, const char *iccid, m2m_buf *out);
/* New state, EID and ISD-P AID ("" or NULL clear them). M2M_END for an unknown ICCID. */
m2m_err m2m_store_smdp_set_state(m2m_store *st, const char *iccid, m2m_smdp_pstate state,
				 const char *eid, const char *isdp_aid);
/* The ISD-P's SCP03 key set kept after the download (sealed); NULL/0 forgets it. */
m2m_err m2m_store_smdp_keys_put(m2m_store *st, const char *iccid, const uint8_t *keys,
				size_t n);
/* Appends the unsealed key set; M2M_END when none is kept. */
m2m_err m2m_store_smdp_keys_get(m2m_store *st, const char *iccid, m2m_buf *out);
m2m_err m2m_store_smdp_count(m2m_store *st, const char *type, m2m_smdp_pstate state,
			     int64_t *n);
/* Profiles per type and state, in type order: fn once per (type, state) that has any. fn must
 * not use the store. */
typedef void (*m2m_smdp_stats_fn)(void *arg, const char *type, m2m_smdp_pstate state,
				  int64_t n);
m2m_err m2m_store_smdp_stats(m2m_store *st, m2m_smdp_stats_fn fn, void *arg);

#endif
