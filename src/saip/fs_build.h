/*
 * Builds the UICC file system a SAIP profile package installs: each file-system PE's template
 * defaults (templates.h), the package's own File overrides (doNotCreate, FCP, fillFileOffset,
 * fillFileContent) and genericFileManagement commands. docs/saip-fs.md explains the rules.
 */
#ifndef M2M_SAIP_FS_BUILD_H
#define M2M_SAIP_FS_BUILD_H

#include "saip/fs.h"
#include "saip/saip.h"

/* State carried from one element to the next, so a package can be built while streaming. */
typedef struct {
	m2m_saip_fs *fs;
	m2m_saip_fs_node *usim;     /* the ADFs the later PEs (opt-usim, df-5gs...) extend */
	m2m_saip_fs_node *isim;
	m2m_saip_fs_node *csim;
	m2m_saip_fs_node *last_adf;
} m2m_saip_fs_builder;

void m2m_saip_fs_builder_init(m2m_saip_fs_builder *b, m2m_saip_fs *fs);
/* Applies one element (others than file-system PEs and genericFileManagement are skipped).
 * On error err names the element and the file: M2M_ERR_UNSUPPORTED for an unknown template
 * OID, M2M_ERR_BOUNDS for content or records past a file's end, M2M_ERR_FORMAT otherwise. */
m2m_err m2m_saip_fs_build_element(m2m_saip_fs_builder *b, const m2m_saip_element *el,
				  size_t index, m2m_saip_error *err);
/* The whole package into fs (initialised by the caller, freed by the caller also on error). */
m2m_err m2m_saip_fs_build(const m2m_saip_pkg *pkg, m2m_saip_fs *fs, m2m_saip_error *err);

#endif
