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

/* A file selection on a tree: the device's basic channel, or an RFM application's context
 * limited to its scope (TS 102 226: the shared file system, or one ADF). */
typedef enum {
	EUICC_SCOPE_ALL,             /* the device */
	EUICC_SCOPE_SHARED,          /* UICC RFM: the MF and its DFs, no ADF */
	EUICC_SCOPE_ADF,             /* ADF RFM: sel.adf and below */
} euicc_scope;

typedef struct {
	m2m_saip_fs *fs;             /* the tree, NULL: none (no enabled profile with a package) */
	m2m_saip_fs_node *df;        /* current DF (MF, DF or ADF), NULL: none */
	m2m_saip_fs_node *ef;        /* current EF, NULL: none */
	size_t rec;                  /* current record, 0: none */
	euicc_scope scope;
	const m2m_saip_fs_node *adf; /* EUICC_SCOPE_ADF */
} euicc_sel;

/* ES6 data of the enabled profile's package (mno_info.c): the MNO-SD (first securityDomain
 * PE) with its SCP80 key sets and TARs, and the RFM applications (rfm PEs) tied to it. */
#define EUICC_MNO_TAR_MAX 4
#define EUICC_MNO_RFM_MAX 8

typedef struct {
	uint8_t tar[EUICC_MNO_TAR_MAX][3];
	size_t ntar;
	uint8_t msl;                 /* minimum SPI1 */
	uint8_t access;              /* access domain: FF no access, else full [M] */
	bool has_adf;
	uint8_t adf_aid[M2M_SAIP_FS_AID_MAX];
	size_t adf_aid_len;
} euicc_rfm_app;

typedef struct {
	bool valid;                  /* a securityDomain PE with an SCP80 key set was found */
	uint8_t tar[EUICC_MNO_TAR_MAX][3];
	size_t ntar;
	uint8_t msl;
	/* key set KVN k+1 in keys[k] (kvn 0: none); last_counter = the package's initial one */
	m2m_euicc_keyset keys[M2M_EUICC_MNO_KVN_MAX];
	euicc_rfm_app rfm[EUICC_MNO_RFM_MAX];
	size_t nrfm;
} euicc_mno;

/* The UICC file tree of the enabled profile, the device's selection and the ES6 data. */
typedef struct {
	bool built;
	int idx;                     /* the ISD-P it was built from */
	uint32_t pkg_id;             /* and that package's id */
	uint32_t gen;                /* runtime: changes at every build */
	m2m_saip_fs fs;
	euicc_sel sel;
	euicc_mno mno;
} euicc_uicc;

/* The RFM context of the command packet being run (reset per packet and per build). */
typedef struct {
	bool open;
	int app;
	uint32_t gen;
	euicc_sel sel;
} euicc_rfm;

struct m2m_euicc_rt {
	euicc_dl dl;
	euicc_sc sc;
	euicc_uicc u;
	euicc_rfm rfm;
	uint32_t gen;                /* the last euicc_uicc.gen given */
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

/* One UICC command (uicc_*.c) on selection u: resp gets response data (no SW); a memory
 * failure goes to err. Updates are kept in the package of ISD-P idx of e (uicc_keep.c) and
 * reported in ev. */
typedef struct {
	euicc_sel *u;
	const euicc_apdu *a;
	size_t le;
	m2m_buf *resp;
	m2m_err err;
	m2m_euicc *e;
	int idx;
	m2m_euicc_events *ev;
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
	SW_MEMORY = 0x6581,
};

uint16_t euicc_uicc_select(euicc_ucmd *c);
uint16_t euicc_uicc_status(euicc_ucmd *c);
/* The EF a READ/UPDATE addresses: by SFI in the current DF (made current), else the
 * current EF. NULL with *sw set when there is none. */
m2m_saip_fs_node *euicc_uicc_ef(euicc_sel *u, uint8_t sfi, uint16_t *sw);
/* SELECT, STATUS, READ/UPDATE BINARY and RECORD on c->u: the status word. */
uint16_t euicc_uicc_exec(euicc_ucmd *c);
/* Whether n lies in the selection's scope. */
bool euicc_sel_in_scope(const euicc_sel *u, const m2m_saip_fs_node *n);

/* Updated files kept over the package (uicc_keep.c, "fsx" in m2m_euicc_pkg). */
bool euicc_fsx_valid(const uint8_t *p, size_t n);
/* Whether recording ef (its target) keeps the list within M2M_EUICC_FSX_MAX. */
bool euicc_fsx_fits(const m2m_euicc_pkg *k, const m2m_saip_fs_node *ef);
/* Records the contents of ef's target, replacing an older record of the same file. */
m2m_err euicc_fsx_record(m2m_euicc_pkg *k, const m2m_saip_fs_node *ef);
/* Writes every record into fs (records that no longer match a file are skipped). */
void euicc_fsx_apply(const m2m_euicc_pkg *k, m2m_saip_fs *fs);
void euicc_fsx_free(m2m_euicc_pkg *k);

/* ES6 data (mno_info.c): extracted from the decoded package; wiped with the tree. */
void euicc_mno_extract(const m2m_saip_pkg *pkg, euicc_mno *m);
void euicc_mno_wipe(euicc_mno *m);
/* One C-APDU to the MNO-SD of the enabled profile (mno_sd.c), to its RFM application app
 * (mno_rfm.c): response data + SW appended. */
m2m_err euicc_mno_sd_apdu(m2m_euicc *e, const uint8_t *capdu, size_t n, m2m_buf *rapdu,
			  m2m_euicc_events *ev);
m2m_err euicc_rfm_apdu(m2m_euicc *e, int app, const uint8_t *capdu, size_t n, m2m_buf *rapdu,
		       m2m_euicc_events *ev);
/* STORE DATA 3A07 { A0 { 06 address } } (UpdateConnectivityParameters, by the SM-DP over
 * SCP03 or by the MNO-SD): the value of A0 goes to p->conn. 6A88 for another DGI. */
uint16_t euicc_conn_params(m2m_euicc_isdp *p, const euicc_apdu *a, m2m_euicc_events *ev);

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
