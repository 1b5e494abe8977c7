/*
 * SAIP file-structure templates (TCA eUICC Profile Package, Annex A): for each template OID,
 * the files it defines, in the specification's order. Transcribed facts, see docs/saip-fs.md.
 */
#ifndef M2M_SAIP_TEMPLATES_H
#define M2M_SAIP_TEMPLATES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
	M2M_SAIP_TPL_MF,
	M2M_SAIP_TPL_DF,
	M2M_SAIP_TPL_ADF,
	M2M_SAIP_TPL_TR, /* transparent EF */
	M2M_SAIP_TPL_LF, /* linear fixed EF */
	M2M_SAIP_TPL_CY, /* cyclic EF */
	M2M_SAIP_TPL_BT, /* BER-TLV EF */
} m2m_saip_tpl_type;

/* Where a template's files go: the first DF/ADF of a template is created there; an "extends"
 * template (optional files) puts its files straight into that ADF. */
typedef enum {
	M2M_SAIP_TPL_AT_ROOT,      /* the template creates the MF itself */
	M2M_SAIP_TPL_AT_MF,        /* a DF or ADF under the MF */
	M2M_SAIP_TPL_AT_USIM,      /* a DF under ADF.USIM */
	M2M_SAIP_TPL_AT_LAST_ADF,  /* a DF under the last ADF created (DF.EAP) */
	M2M_SAIP_TPL_IN_USIM,      /* files added to ADF.USIM */
	M2M_SAIP_TPL_IN_ISIM,      /* files added to ADF.ISIM */
	M2M_SAIP_TPL_IN_CSIM,      /* files added to ADF.CSIM */
} m2m_saip_tpl_base;

typedef struct {
	const char *pe_name; /* the File's member name in the 3.3.1 PE ("ef-imsi") */
	const char *name;    /* "EF.IMSI" */
	uint16_t fid;        /* 0: given by the package (ADF temporary FID, DF.EAP) */
	uint16_t fid_last;   /* > fid for a range of instances (EF.ICON 4F80..4FBF) */
	uint8_t type;        /* m2m_saip_tpl_type */
	uint8_t sfi;         /* 0: none */
	uint8_t arr;         /* record number in the applicable EF.ARR */
	uint16_t nb_rec;     /* LF/CY record count; 0: given by the package */
	uint16_t size;       /* TR/BT size, LF/CY record length; 0: given by the package */
	/* Default content: hex; "AB...CD" repeats the byte before "..." to fill the length (per
	 * record for LF/CY); a leading '*' repeats the whole pattern. NULL: none. */
	const char *dflt;
} m2m_saip_tpl_file;

typedef struct {
	const char *oid;  /* dotted, "2.23.143.1.2.4" */
	const char *name; /* "ADF.USIM v1" */
	const char *pe;   /* the ProfileElement CHOICE name that uses it ("usim") */
	uint8_t base;     /* m2m_saip_tpl_base */
	bool by_default;  /* files absent from the PE are still created */
	bool complete;    /* false: sizes not transcribed, the package must give every FCP */
	const m2m_saip_tpl_file *files;
	size_t count;
} m2m_saip_tpl;

/* The template with this dotted OID, or NULL. */
const m2m_saip_tpl *m2m_saip_tpl_find(const char *oid);
/* All templates, for listings; *count gets their number. */
const m2m_saip_tpl *m2m_saip_tpl_all(size_t *count);
/* The entry whose pe_name is name (case-insensitive), or NULL. */
const m2m_saip_tpl_file *m2m_saip_tpl_file_by_pe(const m2m_saip_tpl *t, const char *name);

#endif
