/* SELECT and STATUS on the enabled profile's file tree (TS 102 221 11.1.1, 11.1.2). */
#include <string.h>

#include "euicc/isdp_int.h"

static bool is_dir(const m2m_saip_fs_node *n)
{
	return n != NULL && n->a.kind != M2M_SAIP_FS_EF;
}

/* The ADF holding n, or NULL. */
static m2m_saip_fs_node *adf_of(const m2m_saip_fs_node *n)
{
	while (n != NULL && n->a.kind != M2M_SAIP_FS_ADF)
		n = n->parent;
	return (m2m_saip_fs_node *)n;
}

bool euicc_sel_in_scope(const euicc_sel *u, const m2m_saip_fs_node *n)
{
	switch (u->scope) {
	case EUICC_SCOPE_SHARED:
		return adf_of(n) == NULL;
	case EUICC_SCOPE_ADF:
		return adf_of(n) == u->adf;
	default:
		return true;
	}
}

/* By FID (TS 102 221 8.4.1): the MF, the current ADF (7FFF), the current DF itself, its
 * children, its parent, and the parent's children (siblings). */
static m2m_saip_fs_node *by_fid(euicc_sel *u, uint16_t fid)
{
	m2m_saip_fs_node *df = u->df, *n = NULL;

	if (fid == 0x3F00)
		return u->fs->mf;
	if (fid == 0x7FFF)
		return adf_of(df);
	if (df == NULL)
		return NULL;
	if (df->a.fid == fid)
		return df;
	n = m2m_saip_fs_child(df, fid);
	if (n == NULL && df->parent != NULL)
		n = df->parent->a.fid == fid ? df->parent : m2m_saip_fs_child(df->parent, fid);
	return n;
}

/* A path of FIDs from the MF (P1 08) or from the current DF (P1 09). */
static m2m_saip_fs_node *by_path(euicc_sel *u, const uint8_t *p, size_t len, bool from_mf)
{
	m2m_saip_fs_node *n = from_mf ? u->fs->mf : u->df;

	for (size_t i = 0; n != NULL && i < len; i += 2) {
		uint16_t fid = (uint16_t)(p[i] << 8 | p[i + 1]);

		if (i == 0 && from_mf && fid == 0x3F00)
			continue;
		n = is_dir(n) ? m2m_saip_fs_child(n, fid) : NULL;
	}
	return n;
}

static m2m_saip_fs_node *target(euicc_sel *u, const euicc_apdu *a, uint16_t *sw)
{
	bool path = a->p1 == 0x08 || a->p1 == 0x09;

	*sw = SW_WRONG_P1P2;
	if (a->p1 != 0x00 && a->p1 != 0x04 && !path)
		return NULL;
	*sw = SW_WRONG_LENGTH;
	if ((a->p1 == 0x00 && a->len != 0 && a->len != 2) ||
	    (a->p1 == 0x04 && (a->len == 0 || a->len > M2M_SAIP_FS_AID_MAX)) ||
	    (path && (a->len == 0 || a->len % 2 != 0)))
		return NULL;
	*sw = SW_FILE_NOT_FOUND;
	if (a->p1 == 0x00)
		return a->len == 0 ? u->fs->mf
				   : by_fid(u, (uint16_t)(a->data[0] << 8 | a->data[1]));
	if (a->p1 == 0x04)
		return m2m_saip_fs_find_adf(u->fs, a->data, a->len);
	return by_path(u, a->data, a->len, a->p1 == 0x08);
}

static bool select_isdr(const euicc_apdu *a)
{
	return a->p1 == 0x04 && a->len == M2M_EUICC_AID_SIZE &&
	       memcmp(a->data, m2m_euicc_isdr_aid, M2M_EUICC_AID_SIZE) == 0;
}

uint16_t euicc_uicc_select(euicc_ucmd *c)
{
	euicc_sel *u = c->u;
	const euicc_apdu *a = c->a;
	m2m_saip_fs_node *n;
	uint16_t sw;

	/* P2: b4b3 = 01 FCP, 11 no data (00, FCI, answered with the FCP too); first
	 * occurrence only. */
	if ((a->p2 & 0xF3) != 0 || (a->p2 & 0x0C) == 0x08)
		return SW_WRONG_P1P2;
	if (u->scope == EUICC_SCOPE_ALL && select_isdr(a))
		return SW_OK; /* the ISD-R is selectable through the UICC interface */
	if (u->fs == NULL)
		return SW_FILE_NOT_FOUND; /* no enabled profile with a file system */
	n = target(u, a, &sw);
	if (n == NULL)
		return sw;
	/* An RFM application sees nothing outside its scope. */
	if (!euicc_sel_in_scope(u, n))
		return SW_FILE_NOT_FOUND;
	if (is_dir(n)) {
		u->df = n;
		u->ef = NULL;
	} else {
		u->df = n->parent;
		u->ef = n;
	}
	u->rec = 0;
	if ((a->p2 & 0x0C) != 0x0C && (c->err = m2m_saip_fs_fcp(n, c->resp)) != M2M_OK)
		return SW_INTERNAL;
	return SW_OK;
}

/* STATUS: P2 00 FCP of the current DF, 01 its DF name (ADF AID), 0C nothing. */
uint16_t euicc_uicc_status(euicc_ucmd *c)
{
	euicc_sel *u = c->u;
	m2m_saip_fs_node *adf;

	if (u->fs == NULL || u->df == NULL)
		return SW_CONDITIONS;
	switch (c->a->p2) {
	case 0x00:
		c->err = m2m_saip_fs_fcp(u->df, c->resp);
		return c->err == M2M_OK ? SW_OK : SW_INTERNAL;
	case 0x01:
		adf = adf_of(u->df);
		if (adf == NULL)
			return SW_OK;
		c->err = m2m_tlv_put(c->resp, 0x84, adf->a.aid, adf->a.aid_len);
		return c->err == M2M_OK ? SW_OK : SW_INTERNAL;
	case 0x0C:
		return SW_OK;
	default:
		return SW_WRONG_P1P2;
	}
}

m2m_saip_fs_node *euicc_uicc_ef(euicc_sel *u, uint8_t sfi, uint16_t *sw)
{
	m2m_saip_fs_node *n;

	if (sfi == 0) {
		*sw = SW_NO_EF;
		return u->ef;
	}
	*sw = SW_FILE_NOT_FOUND;
	for (n = u->df != NULL ? u->df->child : NULL; n != NULL; n = n->next)
		if (n->a.kind == M2M_SAIP_FS_EF && n->a.sfi == sfi) {
			if (n != u->ef)
				u->rec = 0;
			u->ef = n;
			return n;
		}
	return NULL;
}
