/*
 * An in-memory UICC file system: MF, DFs, ADFs and EFs with their contents, as a SAIP profile
 * package installs it (fs_build.h) and as the software eUICC serves it (SELECT, READ/UPDATE
 * BINARY and RECORD). ADFs hang under the MF, addressed there by their temporary FID (the
 * one the package uses in paths) and by AID. Nodes are read-only to callers except through
 * the helpers below; contents live in node->data (size bytes, records back to back).
 */
#ifndef M2M_SAIP_FS_H
#define M2M_SAIP_FS_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

typedef enum {
	M2M_SAIP_FS_MF,
	M2M_SAIP_FS_DF,
	M2M_SAIP_FS_ADF,
	M2M_SAIP_FS_EF,
} m2m_saip_fs_kind;

typedef enum {
	M2M_SAIP_FS_NONE,        /* MF, DF, ADF */
	M2M_SAIP_FS_TRANSPARENT,
	M2M_SAIP_FS_LINEAR,      /* linear fixed */
	M2M_SAIP_FS_CYCLIC,
	M2M_SAIP_FS_BERTLV,
} m2m_saip_fs_struct;

#define M2M_SAIP_FS_AID_MAX 16
#define M2M_SAIP_FS_PIN_DO_MAX 32
#define M2M_SAIP_FS_NAME_MAX 32

/* What a file is, before it exists: filled by the caller of m2m_saip_fs_add. */
typedef struct {
	m2m_saip_fs_kind kind;
	m2m_saip_fs_struct structure;
	uint16_t fid;
	uint8_t sfi;                 /* 1..30, 0: none */
	uint8_t aid[M2M_SAIP_FS_AID_MAX];
	uint8_t aid_len;             /* ADF only */
	char name[M2M_SAIP_FS_NAME_MAX]; /* "EF.IMSI", "" when unknown */
	size_t size;                 /* EF bytes (records: rec_len * rec_count) */
	size_t rec_len;              /* linear fixed and cyclic */
	size_t rec_count;
	uint8_t fill;                /* initial content byte */
	uint8_t lcsi;                /* life cycle status, 05 = operational activated */
	uint8_t shareable;           /* 1: file descriptor byte has b7 set */
	uint8_t arr[3];              /* security attributes referenced: EF.ARR FID + record */
	uint8_t arr_len;
	uint8_t pin_do[M2M_SAIP_FS_PIN_DO_MAX]; /* PIN status template DO value (DF, ADF) */
	uint8_t pin_do_len;
	uint8_t unsized;             /* 1: size known neither from the template table nor from
				      * the package (CSIM and IoT tables are incomplete): 0 */
} m2m_saip_fs_attr;

typedef struct m2m_saip_fs_node m2m_saip_fs_node;
struct m2m_saip_fs_node {
	m2m_saip_fs_attr a;
	uint8_t *data;            /* a.size bytes (EF) */
	m2m_saip_fs_node *link;   /* a link EF shares this file's contents, else NULL */
	m2m_saip_fs_node *parent;
	m2m_saip_fs_node *child;  /* first child, in creation order */
	m2m_saip_fs_node *next;   /* next sibling */
};

typedef struct {
	m2m_saip_fs_node *mf; /* NULL until the MF is added */
} m2m_saip_fs;

void m2m_saip_fs_init(m2m_saip_fs *fs);
void m2m_saip_fs_free(m2m_saip_fs *fs);

/* An attr with defaults: no SFI, LCSI 05, fill FF. */
void m2m_saip_fs_attr_init(m2m_saip_fs_attr *a, m2m_saip_fs_kind kind, uint16_t fid);

/* Creates a file under parent (NULL for the MF, which must come first). EF contents are
 * a->size bytes of a->fill. M2M_ERR_STATE if the FID (or, for ADFs, the AID) is already
 * used there, M2M_ERR_ARG on an inconsistent attr (records not dividing the size, an EF or
 * ADF outside a DF...). */
m2m_err m2m_saip_fs_add(m2m_saip_fs *fs, m2m_saip_fs_node *parent, const m2m_saip_fs_attr *a,
			m2m_saip_fs_node **out);

/* The child of dir with this FID, or NULL. */
m2m_saip_fs_node *m2m_saip_fs_child(const m2m_saip_fs_node *dir, uint16_t fid);
/* The ADF whose AID starts with aid (SELECT by DF name, partial), or NULL. */
m2m_saip_fs_node *m2m_saip_fs_find_adf(const m2m_saip_fs *fs, const uint8_t *aid, size_t n);
/* A path of FIDs from the MF (a leading 3F00 is optional), ADFs by temporary FID. */
m2m_saip_fs_node *m2m_saip_fs_find_fids(const m2m_saip_fs *fs, const uint16_t *fids, size_t n);
/* Text form: "3F00/7FD0/6F07", "7F10/5F3A", "" or "3F00" for the MF; an element longer than
 * 4 hex digits is an AID (prefix) naming an ADF: "A0000000871002/6F07". */
m2m_saip_fs_node *m2m_saip_fs_find(const m2m_saip_fs *fs, const char *path);
/* The node whose contents a (link) file uses. */
const m2m_saip_fs_node *m2m_saip_fs_target(const m2m_saip_fs_node *n);
/* The path of n as FIDs from the MF, "3F00/7FD0/6F07", into out (cap >= 5 per level). */
m2m_err m2m_saip_fs_path(const m2m_saip_fs_node *n, char *out, size_t cap);

/* Raw content access, whatever the structure (used to install contents): bounds-checked. */
m2m_err m2m_saip_fs_write(m2m_saip_fs_node *n, size_t off, const uint8_t *p, size_t len);

/* Card commands. M2M_ERR_STATE if n is not an EF of the right structure, M2M_ERR_BOUNDS
 * past its end. Transparent EFs: */
m2m_err m2m_saip_fs_read_binary(const m2m_saip_fs_node *n, size_t off, uint8_t *out, size_t len);
m2m_err m2m_saip_fs_update_binary(m2m_saip_fs_node *n, size_t off, const uint8_t *p, size_t len);
/* Linear fixed and cyclic EFs, records numbered from 1: read len <= rec_len bytes; an
 * update writes the whole record (len == rec_len). */
m2m_err m2m_saip_fs_read_record(const m2m_saip_fs_node *n, size_t rec, uint8_t *out, size_t len);
m2m_err m2m_saip_fs_update_record(m2m_saip_fs_node *n, size_t rec, const uint8_t *p, size_t len);
/* Cyclic EFs: UPDATE RECORD PREVIOUS, the oldest record becomes record 1 with p. */
m2m_err m2m_saip_fs_cyclic_push(m2m_saip_fs_node *n, const uint8_t *p, size_t len);

/* The ETSI TS 102 221 FCP template (tag 62) a SELECT returns for n, appended to out. */
m2m_err m2m_saip_fs_fcp(const m2m_saip_fs_node *n, m2m_buf *out);

/* "transparent", "linear-fixed", "cyclic", "ber-tlv", "MF", "DF", "ADF". */
const char *m2m_saip_fs_type_name(const m2m_saip_fs_node *n);

/* Depth-first walk in creation order; depth 0 is the MF. A non-zero return stops it. */
typedef int (*m2m_saip_fs_visit)(const m2m_saip_fs_node *n, unsigned depth, void *ctx);
int m2m_saip_fs_walk(const m2m_saip_fs *fs, m2m_saip_fs_visit fn, void *ctx);

#endif
