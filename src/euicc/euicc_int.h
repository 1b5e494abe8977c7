/* Internals shared by the euicc files: status words, the parsed C-APDU, command handlers. */
#ifndef M2M_EUICC_INT_H
#define M2M_EUICC_INT_H

#include "core/tlv.h"
#include "euicc/euicc.h"

enum {
	SW_OK = 0x9000,
	SW_MORE_DATA = 0x6310,
	SW_WRONG_LENGTH = 0x6700,
	SW_SECURITY = 0x6982,
	SW_CONDITIONS = 0x6985,
	SW_POL1 = 0x69E1,
	SW_WRONG_DATA = 0x6A80,
	SW_NO_MEMORY = 0x6A84,
	SW_WRONG_P1P2 = 0x6A86,
	SW_NOT_FOUND = 0x6A88,
	SW_INS = 0x6D00,
	SW_CLA = 0x6E00,
	SW_INTERNAL = 0x6F00,
};

/* A C-APDU split into its fields; data points into the caller's bytes. */
typedef struct {
	uint8_t cla, ins, p1, p2;
	const uint8_t *data;
	size_t len;
} euicc_apdu;

/* Command handlers: resp gets the response data (no SW); the status word is returned,
 * except that a memory failure is reported through *err. */
typedef struct {
	m2m_euicc *e;
	const euicc_apdu *a;
	m2m_buf *resp;
	m2m_euicc_events *ev;
	m2m_err err;
} euicc_cmd;

uint16_t euicc_install(euicc_cmd *c);
uint16_t euicc_store_data(euicc_cmd *c);
uint16_t euicc_delete(euicc_cmd *c);
uint16_t euicc_get_data(euicc_cmd *c);
uint16_t euicc_get_status(euicc_cmd *c);
uint16_t euicc_put_key(euicc_cmd *c);
/* One complete STORE DATA unit (a DGI, or 3A02 with its 7F49 and 5F37). */
uint16_t euicc_dgi(euicc_cmd *c, uint16_t dgi, const uint8_t *unit, size_t unit_len,
		   const uint8_t *value, size_t len);
uint16_t euicc_keyest_sd1(euicc_cmd *c, const uint8_t *unit, size_t n);
uint16_t euicc_keyest_sd2(euicc_cmd *c, const uint8_t *unit, size_t n);
uint16_t euicc_notif_confirm(euicc_cmd *c, const uint8_t *value, size_t len);
/* signed_part: the 4F and B6 TLVs as received, the input of the token. */
uint16_t euicc_master_delete(euicc_cmd *c, int i, const uint8_t *signed_part, size_t len,
			     const uint8_t *token, size_t token_len);
/* value must be exactly one 4F TLV: *aid points at its value. SW_OK or SW_WRONG_DATA. */
uint16_t euicc_4f(const uint8_t *value, size_t len, const uint8_t **aid, size_t *aid_len);

/* Shared transitions (euicc_profile.c). */
void euicc_set_enabled(m2m_euicc *e, int from, int to, bool auto_delete, m2m_euicc_events *ev);
void euicc_isdp_remove(m2m_euicc *e, int i);
/* Queues notification type for ISD-P i: SW_OK or SW_INTERNAL. */
uint16_t euicc_notify(m2m_euicc *e, uint8_t type, int i, m2m_euicc_events *ev);
/* DISABLED, or PERSONALIZED holding a profile. */
bool euicc_enableable(const m2m_euicc_isdp *p);
/* DELETE of an ISD-P short of POL1: SW_OK with *idx, or the refusal. */
uint16_t euicc_delete_conditions(const m2m_euicc *e, const uint8_t *aid, size_t len, int *idx);
void euicc_keyset_wipe(m2m_euicc_keyset *k);
void euicc_ev(m2m_euicc_events *ev, bool refresh, bool notification);

/* Closes the RFM context of the packet that ended (mno_rfm.c). */
void euicc_rfm_end(m2m_euicc *e);

/* ES8 state (isdp_store.c): packages, connectivity parameters, the SCP03 counter. */
void euicc_es8_free(m2m_euicc *e);
bool euicc_es8_valid(const m2m_euicc *e);
m2m_err euicc_es8_save(const m2m_euicc *e, int i, m2m_buf *b);
/* it: the A4 children after the token key set; the ISD-P is e->isdp[i]. */
m2m_err euicc_es8_load(m2m_euicc *e, int i, m2m_tlv_iter *it);

#endif
