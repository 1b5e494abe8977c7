/* The file tree the device sees: built from the enabled ISD-P's stored package (with the
 * updates kept over it, and the package's ES6 data) when it is first needed and again after
 * a profile switch; a whole package installed in one go. */
#include <stdlib.h>
#include <string.h>

#include "euicc/isdp_int.h"
#include "euicc/uicc.h"
#include "saip/asn1_alloc/asn1_alloc.h"

/* A UICC ATR (TS 102 221 / ISO 7816-3): direct convention; TA1 96 (Fi 512, Di 32); T=0,
 * then T=15 with TA C7 (classes A, B, C; clock stop allowed); 15 historical bytes as a
 * typical UICC sends them (80 compact-TLV, card service data, capabilities, status 9000);
 * TCK 93. docs/euicc.md "UICC file system". */
static const uint8_t ATR[] = {
	0x3B, 0x9F, 0x96, 0x80, 0x1F, 0xC7, 0x80, 0x31, 0xE0, 0x73, 0xFE, 0x21, 0x1B,
	0x63, 0x3A, 0x20, 0x4E, 0x83, 0x00, 0x90, 0x00, 0x93,
};

const uint8_t *m2m_euicc_uicc_atr(size_t *len)
{
	if (len != NULL)
		*len = sizeof ATR;
	return ATR;
}

void euicc_uicc_drop(euicc_uicc *u)
{
	m2m_saip_fs_free(&u->fs);
	euicc_mno_wipe(&u->mno);
	memset(u, 0, sizeof *u);
	u->idx = -1;
}

/* The decoded tree lives only inside these two functions: its nodes come from an arena
 * (saip/asn1_alloc), the file system's copies from the heap. */
static m2m_err build(const m2m_euicc_pkg *k, euicc_uicc *u)
{
	m2m_saip_pkg pkg;
	m2m_saip_error serr;
	m2m_asn1_arena a;
	m2m_err err;

	m2m_asn1_arena_init(&a);
	m2m_asn1_arena_begin(&a);
	m2m_saip_pkg_init(&pkg);
	m2m_saip_fs_init(&u->fs);
	err = m2m_saip_decode(k->data, k->len, &pkg, &serr);
	if (err == M2M_OK)
		err = m2m_saip_fs_build(&pkg, &u->fs, &serr);
	if (err == M2M_OK && u->fs.mf == NULL)
		err = M2M_ERR_FORMAT;
	if (err == M2M_OK) {
		euicc_fsx_apply(k, &u->fs);
		euicc_mno_extract(&pkg, &u->mno);
	}
	m2m_saip_pkg_free(&pkg);
	m2m_asn1_arena_end(&a);
	m2m_asn1_arena_release(&a);
	return err;
}

euicc_uicc *euicc_uicc_tree(m2m_euicc *e)
{
	struct m2m_euicc_rt *rt = euicc_rt(e);
	int idx = m2m_euicc_enabled_isdp(e);
	m2m_euicc_pkg *k = idx >= 0 ? euicc_pkg_of(e, idx) : NULL;
	euicc_uicc *u;

	if (rt == NULL)
		return NULL;
	u = &rt->u;
	if (k == NULL || !k->complete) {
		euicc_uicc_drop(u); /* no enabled profile, or one without a package */
		return u;
	}
	if (u->built && u->idx == idx && u->pkg_id == k->id)
		return u;
	euicc_uicc_drop(u);
	if (build(k, u) != M2M_OK) {
		euicc_uicc_drop(u);
		return u;
	}
	u->built = true;
	u->idx = idx;
	u->pkg_id = k->id;
	u->gen = ++rt->gen;
	u->sel.fs = &u->fs;
	u->sel.df = u->fs.mf;
	return u;
}

void m2m_euicc_uicc_release(m2m_euicc *e)
{
	struct m2m_euicc_rt *rt = e != NULL ? e->rt : NULL;

	if (rt == NULL)
		return;
	euicc_uicc_drop(&rt->u);
	euicc_rfm_end(e);
	if (rt->dl.idx >= 0 || rt->sc.idx >= 0)
		return;
	m2m_scp03_wipe(&rt->sc.sc);
	m2m_wipe(rt, sizeof *rt);
	free(rt);
	e->rt = NULL;
}

static m2m_err header_of(const m2m_saip_pkg *pkg, uint8_t iccid[M2M_EUICC_ICCID_SIZE],
			 uint8_t *pol1)
{
	const ProfileHeader_t *h;

	if (pkg->count < 2 || pkg->el[0].pe->present != ProfileElement_PR_header ||
	    pkg->el[pkg->count - 1].pe->present != ProfileElement_PR_end)
		return M2M_ERR_FORMAT;
	h = &pkg->el[0].pe->choice.header;
	if (h->iccid.size != M2M_EUICC_ICCID_SIZE)
		return M2M_ERR_FORMAT;
	memcpy(iccid, h->iccid.buf, M2M_EUICC_ICCID_SIZE);
	*pol1 = h->pol != NULL && h->pol->size >= 1 ? h->pol->buf[0] : 0;
	return M2M_OK;
}

static m2m_err check_package(const uint8_t *der, size_t n, uint8_t iccid[10], uint8_t *pol1)
{
	m2m_saip_pkg pkg;
	m2m_saip_fs fs;
	m2m_saip_error serr;
	m2m_asn1_arena a;
	m2m_err err;

	m2m_asn1_arena_init(&a);
	m2m_asn1_arena_begin(&a);
	m2m_saip_pkg_init(&pkg);
	m2m_saip_fs_init(&fs);
	err = m2m_saip_decode(der, n, &pkg, &serr);
	if (err == M2M_OK)
		err = header_of(&pkg, iccid, pol1);
	if (err == M2M_OK)
		err = m2m_saip_fs_build(&pkg, &fs, &serr);
	m2m_saip_fs_free(&fs);
	m2m_saip_pkg_free(&pkg);
	m2m_asn1_arena_end(&a);
	m2m_asn1_arena_release(&a);
	return err == M2M_OK || err == M2M_ERR_NOMEM ? err : M2M_ERR_FORMAT;
}

m2m_err m2m_euicc_isdp_install_package(m2m_euicc *e, int idx, const uint8_t *der, size_t n)
{
	uint8_t iccid[M2M_EUICC_ICCID_SIZE], pol1 = 0;
	m2m_euicc_isdp *p;
	m2m_err err = M2M_ERR_ARG;

	if (e == NULL || idx < 0 || idx >= M2M_EUICC_ISDP_MAX || !e->isdp[idx].used ||
	    der == NULL || n == 0)
		goto out;
	p = &e->isdp[idx];
	err = M2M_ERR_STATE;
	if (p->has_profile || (p->lcs != M2M_EUICC_LCS_SELECTABLE &&
			       p->lcs != M2M_EUICC_LCS_PERSONALIZED))
		goto out;
	err = check_package(der, n, iccid, &pol1);
	if (err != M2M_OK)
		goto out;
	euicc_pkg_drop(e, idx);
	err = euicc_pkg_append(e, idx, der, n);
	if (err == M2M_OK)
		err = m2m_euicc_isdp_install_profile(e, p->aid, iccid, pol1, (uint32_t)n);
	if (err == M2M_OK)
		euicc_pkg_of(e, idx)->complete = true;
	else
		euicc_pkg_drop(e, idx);
out:
	return err;
}
