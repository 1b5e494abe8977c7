/* ES8: profile elements installed into the ISD-P as the SCP03t segments deliver them, and
 * the SAIP EUICCResponse that ends the download. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "EUICCResponse.h"
#include "euicc/isdp_int.h"
#include "saip/asn1_alloc/asn1_alloc.h"
#include "saip/validate_int.h"

static int append_cb(const void *p, size_t n, void *ctx)
{
	return m2m_buf_append(ctx, p, n) == M2M_OK ? 0 : -1;
}

static m2m_err response_fill(EUICCResponse_t *r, long status, long ident, bool has_ident,
			     size_t offset, const char *msg)
{
	PEStatus_t *st = calloc(1, sizeof *st);

	if (st == NULL || ASN_SEQUENCE_ADD(&r->peStatus.list, st) != 0) {
		free(st);
		return M2M_ERR_NOMEM;
	}
	st->status = status;
	if (status == PEStatus__status_ok)
		return M2M_OK;
	st->identification = has_ident ? calloc(1, sizeof *st->identification) : NULL;
	st->offset = calloc(1, sizeof *st->offset);
	r->profileInstallationAborted = calloc(1, sizeof *r->profileInstallationAborted);
	r->statusMessage = OCTET_STRING_new_fromBuf(&asn_DEF_UTF8String, msg, -1);
	if ((has_ident && st->identification == NULL) || st->offset == NULL ||
	    r->profileInstallationAborted == NULL || r->statusMessage == NULL)
		return M2M_ERR_NOMEM;
	if (has_ident)
		*st->identification = ident;
	*st->offset = offset > 0x7FFFFFFF ? 0x7FFFFFFF : (long)offset;
	return M2M_OK;
}

m2m_err euicc_euicc_response(long status, long ident, bool has_ident, size_t offset,
			     const char *msg, m2m_buf *out)
{
	EUICCResponse_t *r = calloc(1, sizeof *r);
	size_t before = out->len;
	m2m_err err = M2M_ERR_NOMEM;

	if (r == NULL)
		goto out;
	err = response_fill(r, status, ident, has_ident, offset, msg);
	if (err == M2M_OK && der_encode(&asn_DEF_EUICCResponse, r, append_cb, out).encoded < 0) {
		out->len = before;
		err = M2M_ERR_NOMEM;
	}
out:
	ASN_STRUCT_FREE(asn_DEF_EUICCResponse, r);
	return err;
}

/* The EUICCResponse naming element el (index i). */
static euicc_el_result refuse(const m2m_saip_element *el, size_t i, long status,
			      const char *why, m2m_buf *report)
{
	const PEHeader_t *h = m2m_saip_pe_header(el->pe);
	char msg[256];

	snprintf(msg, sizeof msg, "element %zu (%s): %s", i, m2m_saip_pe_type(el->pe), why);
	if (euicc_euicc_response(status, h != NULL ? h->identification : 0, h != NULL,
				 el->offset, msg, report) != M2M_OK)
		return EL_BROKEN;
	return EL_REFUSED;
}

static euicc_el_result header(euicc_dl *d, const m2m_saip_element *el, size_t i,
			      m2m_buf *report)
{
	const ProfileHeader_t *h = &el->pe->choice.header;

	if (h->iccid.size != M2M_EUICC_ICCID_SIZE)
		return refuse(el, i, PEStatus__status_bad_values, "ICCID is not 10 bytes", report);
	memcpy(d->iccid, h->iccid.buf, sizeof d->iccid);
	d->pol1 = h->pol != NULL && h->pol->size >= 1 ? h->pol->buf[0] : 0;
	d->header = true;
	return EL_MORE;
}

/* The end element must close the stream; the profile is then installed. */
static euicc_el_result end(m2m_euicc *e, euicc_dl *d, const m2m_saip_element *el, size_t i,
			   m2m_buf *report)
{
	m2m_saip_element more = {0};
	m2m_saip_error serr;
	m2m_euicc_pkg *k = euicc_pkg_of(e, d->idx);
	m2m_err err = m2m_saip_stream_next(&d->st, &more, &serr);

	m2m_saip_pe_free(more.pe);
	if (err != M2M_END || m2m_saip_stream_finish(&d->st, &serr) != M2M_OK || k == NULL)
		return EL_BROKEN; /* bytes after the end element */
	if (m2m_euicc_isdp_install_profile(e, d->aid, d->iccid, d->pol1, (uint32_t)k->len) !=
	    M2M_OK)
		return refuse(el, i, PEStatus__status_not_enough_memory,
			      "the ISD-P refused the profile", report);
	k->complete = true;
	if (euicc_euicc_response(PEStatus__status_ok, 0, false, 0, NULL, report) != M2M_OK)
		return EL_BROKEN;
	return EL_DONE;
}

static long build_status(m2m_err err)
{
	if (err == M2M_ERR_UNSUPPORTED)
		return PEStatus__status_template_not_supported;
	if (err == M2M_ERR_BOUNDS)
		return PEStatus__status_not_enough_memory;
	return PEStatus__status_bad_values;
}

static euicc_el_result element(m2m_euicc *e, euicc_dl *d, const m2m_saip_element *el,
			       m2m_buf *report)
{
	size_t i = d->st.index - 1;
	ProfileElement_PR t = el->pe->present;
	m2m_saip_error serr;
	m2m_err err;

	/* Order errors are stream errors: the header first, once; nothing after the end. */
	if ((t == ProfileElement_PR_header) == d->header)
		return EL_BROKEN;
	if (t == ProfileElement_PR_header)
		return header(d, el, i, report);
	if (t == ProfileElement_PR_end)
		return end(e, d, el, i, report);
	memset(&serr, 0, sizeof serr);
	err = m2m_saip_fs_build_element(&d->b, el, i, &serr);
	if (err == M2M_ERR_NOMEM)
		return EL_BROKEN;
	if (err != M2M_OK)
		return refuse(el, i, build_status(err), serr.msg, report);
	return EL_MORE;
}

/* One element's whole life, decoded tree and EUICCResponse included, is inside an arena
 * scope (asn1_alloc.h): its nodes are carved from the arena and wiped together at the end,
 * instead of thousands of malloc/free. Nothing of the tree outlives it (the file system
 * copies contents). M2M_END: no whole element buffered yet. */
static m2m_err next_element(m2m_euicc *e, euicc_dl *d, m2m_asn1_arena *arena, m2m_buf *report,
			    euicc_el_result *r)
{
	m2m_saip_element el;
	m2m_saip_error serr;
	m2m_err err;

	m2m_asn1_arena_begin(arena);
	memset(&el, 0, sizeof el);
	err = m2m_saip_stream_next(&d->st, &el, &serr);
	if (err != M2M_END)
		*r = err == M2M_OK && el.pe != NULL ? element(e, d, &el, report) : EL_BROKEN;
	m2m_saip_pe_free(el.pe);
	m2m_asn1_arena_end(arena);
	return err;
}

euicc_el_result euicc_dl_elements(m2m_euicc *e, euicc_dl *d, m2m_buf *report)
{
	euicc_el_result r = EL_MORE;
	m2m_asn1_arena arena;

	m2m_asn1_arena_init(&arena);
	while (r == EL_MORE && next_element(e, d, &arena, report, &r) != M2M_END)
		;
	m2m_asn1_arena_release(&arena);
	return r;
}
