/*
 * Remote file management (ETSI TS 102 226 clause 6) by the RFM applications of the enabled
 * profile (its rfm PEs): SELECT, READ/UPDATE BINARY, READ/UPDATE RECORD and STATUS on the
 * profile's file tree, as the device sees it, in a selection of the application's own. A UICC
 * RFM application (no adfRFMAccess) sees the MF and its DFs but no ADF; an ADF RFM one sees
 * its ADF only. Each command packet starts at the MF or the ADF. Updates are kept like the
 * device's (uicc_keep.c). Access domain FF refuses everything (6982); any other value gives
 * full access, as the device has (the ARR rules are not evaluated) [M].
 */
#include <string.h>

#include "euicc/isdp_int.h"

static uint16_t open_ctx(euicc_rfm *r, euicc_uicc *u, int app)
{
	const euicc_rfm_app *a = &u->mno.rfm[app];

	memset(r, 0, sizeof *r);
	r->app = app;
	r->gen = u->gen;
	r->sel.fs = &u->fs;
	r->sel.scope = a->has_adf ? EUICC_SCOPE_ADF : EUICC_SCOPE_SHARED;
	r->sel.df = u->fs.mf;
	if (a->has_adf) {
		r->sel.adf = r->sel.df = m2m_saip_fs_find_adf(&u->fs, a->adf_aid, a->adf_aid_len);
		if (r->sel.df == NULL)
			return SW_FILE_NOT_FOUND; /* the package has no such ADF */
	}
	r->open = true;
	return SW_OK;
}

m2m_err euicc_rfm_apdu(m2m_euicc *e, int app, const uint8_t *capdu, size_t n, m2m_buf *rapdu,
		       m2m_euicc_events *ev)
{
	struct m2m_euicc_rt *rt = euicc_rt(e);
	euicc_uicc *u = rt != NULL ? euicc_uicc_tree(e) : NULL;
	euicc_apdu a;
	euicc_ucmd c = {.a = &a, .resp = rapdu, .e = e, .ev = ev};
	size_t start = rapdu->len;
	uint16_t sw = SW_CONDITIONS;

	if (u == NULL)
		return M2M_ERR_NOMEM;
	if (!u->built || app < 0 || (size_t)app >= u->mno.nrfm)
		goto out; /* cannot happen: the TAR was found in the enabled profile */
	if (!rt->rfm.open || rt->rfm.app != app || rt->rfm.gen != u->gen)
		sw = open_ctx(&rt->rfm, u, app);
	else
		sw = SW_OK;
	if (sw != SW_OK)
		goto out;
	sw = SW_SECURITY;
	if (u->mno.rfm[app].access == 0xFF)
		goto out;
	c.u = &rt->rfm.sel;
	c.idx = u->idx;
	sw = euicc_apdu_short(capdu, n, &a, &c.le) ? euicc_uicc_exec(&c) : SW_WRONG_LENGTH;
out:
	if (sw != SW_OK && sw != SW_EOF)
		rapdu->len = start;
	return c.err != M2M_OK ? c.err : euicc_sw(rapdu, sw);
}

void euicc_rfm_end(m2m_euicc *e)
{
	if (e->rt != NULL)
		memset(&e->rt->rfm, 0, sizeof e->rt->rfm);
}
