/* Internals of the ES8 bricks (isdp_*.c, uicc_*.c): the runtime state m2m_euicc.rt, never
 * saved, and the package store. */
#ifndef M2M_EUICC_ISDP_INT_H
#define M2M_EUICC_ISDP_INT_H

#include "card/scp03.h"
#include "card/scp03t.h"
#include "euicc/euicc_int.h"
#include "saip/fs_build.h"
#include "saip/saip.h"

/* One ES8 download (SCP03t) in progress: one at a time on the card. */
typedef struct {
	int idx;                     /* ISD-P, -1: none */
	uint8_t aid[M2M_EUICC_AID_SIZE];
	m2m_scp03t_card card;
	m2m_saip_stream st;
	m2m_saip_fs fs;              /* built element by element: checks each as it comes */
	m2m_saip_fs_builder b;
	bool header;                 /* the header element was installed */
	uint8_t iccid[M2M_EUICC_ICCID_SIZE];
	uint8_t pol1;
} euicc_dl;

/* SCP03 over APDUs to one ISD-P. */
typedef struct {
	int idx;                     /* -1: none */
	uint8_t aid[M2M_EUICC_AID_SIZE];
	m2m_scp03 sc;
} euicc_sc;

/* The UICC file tree of the enabled profile and the current selection. */
typedef struct {
	bool built;
	int idx;                     /* the ISD-P it was built from */
	uint32_t pkg_id;             /* and that package's id */
	m2m_saip_fs fs;
	m2m_saip_fs_node *df;        /* current DF (MF, DF or ADF), NULL: none */
	m2m_saip_fs_node *ef;        /* current EF, NULL: none */
	size_t rec;                  /* current record, 0: none */
} euicc_uicc;

struct m2m_euicc_rt {
	euicc_dl dl;
	euicc_sc sc;
	euicc_uicc u;
};

/* The runtime part, created on first use: NULL only on memory exhaustion. */
struct m2m_euicc_rt *euicc_rt(m2m_euicc *e);
void euicc_dl_end(euicc_dl *d);
void euicc_uicc_drop(euicc_uicc *u);
/* The tree of the enabled profile, (re)built when needed; u->built false when there is none.
 * NULL on memory exhaustion. */
euicc_uicc *euicc_uicc_tree(m2m_euicc *e);

/* The ISD-P's SCP03 key set (KVN 30, ENC id 01, MAC id 02): M2M_ERR_TLV_NOT_FOUND without. */
m2m_err euicc_isdp_scp03_keys(const m2m_euicc_isdp *p, m2m_scp03_keys *k);

/* One UICC command (uicc_*.c): resp gets response data (no SW); a memory failure goes to
 * err. */
typedef struct {
	euicc_uicc *u;
	const euicc_apdu *a;
	size_t le;
	m2m_buf *resp;
	m2m_err err;
} euicc_ucmd;

enum {
	SW_EOF = 0x6282,
	SW_NO_CHANNEL = 0x6881,
	SW_STRUCTURE = 0x6981,
	SW_NO_EF = 0x6986,
	SW_FILE_NOT_FOUND = 0x6A82,
	SW_RECORD_NOT_FOUND = 0x6A83,
	SW_WRONG_OFFSET = 0x6B00,
	SW_LE = 0x6C00,
};

uint16_t euicc_uicc_select(euicc_ucmd *c);
uint16_t euicc_uicc_status(euicc_ucmd *c);
/* The EF a READ/UPDATE addresses: by SFI in the current DF (made current), else the
 * current EF. NULL with *sw set when there is none. */
m2m_saip_fs_node *euicc_uicc_ef(euicc_uicc *u, uint8_t sfi, uint16_t *sw);

/* CLA INS P1 P2 [Lc data] [Le], short lengths (apdu_short.c); *le 0 when absent, Le 00
 * counts 256. False for a malformed or extended length (6700). */
bool euicc_apdu_short(const uint8_t *p, size_t n, euicc_apdu *a, size_t *le);
m2m_err euicc_sw(m2m_buf *r, uint16_t sw);

/* Package store (isdp_store.c). The package of ISD-P i, NULL if none. */
m2m_euicc_pkg *euicc_pkg_of(m2m_euicc *e, int i);
/* Frees the package of ISD-P i (and every slot no ISD-P references). */
void euicc_pkg_drop(m2m_euicc *e, int i);
/* Appends bytes to ISD-P i's partial package, creating it: M2M_ERR_BOUNDS past the quota
 * or M2M_EUICC_PKG_MAX, M2M_ERR_NOMEM. */
m2m_err euicc_pkg_append(m2m_euicc *e, int i, const uint8_t *p, size_t n);

/* Download elements (isdp_install.c). */
typedef enum { EL_MORE, EL_DONE, EL_REFUSED, EL_BROKEN } euicc_el_result;
/* Installs the elements complete in the stream. EL_REFUSED: the element could not be
 * installed, *report holds the EUICCResponse naming it; EL_BROKEN: decoding or order
 * failed (or memory): the session ends with the SCP03t error TLV. EL_DONE: the end element
 * installed the profile, *report holds the EUICCResponse ok. */
euicc_el_result euicc_dl_elements(m2m_euicc *e, euicc_dl *d, m2m_buf *report);
/* SAIP EUICCResponse: ok when status is 0, else the failing element. */
m2m_err euicc_euicc_response(long status, long ident, bool has_ident, size_t offset,
			     const char *msg, m2m_buf *out);

#endif
