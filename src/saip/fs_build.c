/*
 * SAIP package -> UICC file tree. File-system PEs are walked through the asn1c type
 * descriptors, matching each File member's ASN.1 name to the template entry (pe_name), so
 * one code path serves every template.
 */
#include "saip/fs_build.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "File.h"
#include "OBJECT_IDENTIFIER.h"
#include "PE-GenericFileManagement.h"
#include "core/hex.h"
#include "saip/templates.h"

#define PATTERN_MAX 200

/* A default content: pre, then pre's last byte up to the end minus suf, then suf; or pre
 * repeated whole. Applied per record for record EFs. */
typedef struct {
	uint8_t pre[PATTERN_MAX];
	size_t pre_len;
	uint8_t suf[PATTERN_MAX];
	size_t suf_len;
	int stretch; /* "..." or an FCP fillPattern */
	int repeat;
} pattern;

/* What an FCP says beyond the node's attributes. */
typedef struct {
	pattern pat;
	int has_pat;
	const OCTET_STRING_t *link;
} fcp_extra;

typedef struct {
	m2m_saip_fs_builder *b;
	m2m_saip_error *err;
	const char *pe;
} ctx;

static m2m_err fail(ctx *c, m2m_err rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static m2m_err fail(ctx *c, m2m_err rc, const char *fmt, ...)
{
	va_list ap;

	if (c->err) {
		va_start(ap, fmt);
		vsnprintf(c->err->msg, sizeof(c->err->msg), fmt, ap);
		va_end(ap);
	}
	return rc;
}

static size_t be_value(const OCTET_STRING_t *o, int *ok)
{
	size_t v = 0;

	*ok = o->size >= 1 && o->size <= 3;
	for (size_t i = 0; *ok && i < (size_t)o->size; i++)
		v = v << 8 | o->buf[i];
	return v;
}

/* ---- default content ---- */

static int pattern_from_template(const char *s, pattern *p)
{
	char tmp[2 * PATTERN_MAX + 1];
	const char *dots;
	size_t n;

	memset(p, 0, sizeof(*p));
	if (*s == '*') {
		p->repeat = 1;
		s++;
	}
	dots = strstr(s, "...");
	n = dots ? (size_t)(dots - s) : strlen(s);
	if (n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (m2m_hex_decode(tmp, p->pre, sizeof(p->pre), &p->pre_len) != M2M_OK)
		return -1;
	if (!dots)
		return 0;
	p->stretch = 1;
	return m2m_hex_decode(dots + 3, p->suf, sizeof(p->suf), &p->suf_len) == M2M_OK ? 0 : -1;
}

static void expand(const pattern *p, uint8_t *out, size_t unit)
{
	size_t i;

	if (!p->pre_len)
		return;
	if (p->repeat) {
		for (i = 0; i < unit; i++)
			out[i] = p->pre[i % p->pre_len];
		return;
	}
	for (i = 0; i < unit && i < p->pre_len; i++)
		out[i] = p->pre[i];
	if (!p->stretch)
		return;
	for (; i < unit; i++)
		out[i] = p->pre[p->pre_len - 1];
	if (p->suf_len <= unit)
		memcpy(out + unit - p->suf_len, p->suf, p->suf_len);
}

static void apply_pattern(m2m_saip_fs_node *n, const pattern *p)
{
	size_t unit = n->a.rec_len ? n->a.rec_len : n->a.size;

	if (n->a.structure == M2M_SAIP_FS_BERTLV || !unit || !n->data)
		return;
	for (size_t off = 0; off + unit <= n->a.size; off += unit)
		expand(p, n->data + off, unit);
}

/* ---- attributes from a template entry and from an FCP ---- */

static void tpl_attr(const m2m_saip_tpl_file *tf, m2m_saip_fs_attr *a)
{
	static const m2m_saip_fs_kind kinds[] = {M2M_SAIP_FS_MF, M2M_SAIP_FS_DF, M2M_SAIP_FS_ADF};
	static const m2m_saip_fs_struct st[] = {M2M_SAIP_FS_TRANSPARENT, M2M_SAIP_FS_LINEAR,
						M2M_SAIP_FS_CYCLIC, M2M_SAIP_FS_BERTLV};

	if (tf->type <= M2M_SAIP_TPL_ADF) {
		m2m_saip_fs_attr_init(a, kinds[tf->type], tf->fid);
	} else {
		m2m_saip_fs_attr_init(a, M2M_SAIP_FS_EF, tf->fid);
		a->structure = st[tf->type - M2M_SAIP_TPL_TR];
		a->sfi = tf->sfi;
		if (a->structure == M2M_SAIP_FS_LINEAR || a->structure == M2M_SAIP_FS_CYCLIC) {
			a->rec_len = tf->size;
			a->rec_count = tf->nb_rec;
			a->size = a->rec_len * a->rec_count;
		} else if (a->structure == M2M_SAIP_FS_TRANSPARENT) {
			a->size = tf->size;
		}
	}
	snprintf(a->name, sizeof(a->name), "%s", tf->name);
	if (tf->arr) {
		a->arr[0] = tf->arr;
		a->arr_len = 1;
	}
}

static m2m_err fcp_descriptor(ctx *c, const OCTET_STRING_t *o, m2m_saip_fs_attr *a)
{
	uint8_t fd;

	if (o->size < 2 || o->size > 4)
		return fail(c, M2M_ERR_FORMAT, "%s: file descriptor of %d bytes", a->name,
			    (int)o->size);
	fd = o->buf[0];
	a->shareable = (fd & 0x40) != 0;
	if ((fd & 0x38) == 0x38 && (fd & 0x07) != 0x01) {
		if (a->kind == M2M_SAIP_FS_EF)
			a->kind = M2M_SAIP_FS_DF;
		a->structure = M2M_SAIP_FS_NONE;
		return M2M_OK;
	}
	a->kind = M2M_SAIP_FS_EF;
	switch (fd & 0x3f) {
	case 0x01: a->structure = M2M_SAIP_FS_TRANSPARENT; break;
	case 0x02: a->structure = M2M_SAIP_FS_LINEAR; break;
	case 0x06: a->structure = M2M_SAIP_FS_CYCLIC; break;
	case 0x39: a->structure = M2M_SAIP_FS_BERTLV; break;
	default:
		return fail(c, M2M_ERR_FORMAT, "%s: unknown file descriptor byte %02X", a->name, fd);
	}
	if (a->structure == M2M_SAIP_FS_LINEAR || a->structure == M2M_SAIP_FS_CYCLIC) {
		if (o->size < 4)
			return fail(c, M2M_ERR_FORMAT, "%s: record EF without a record length",
				    a->name);
		a->rec_len = (size_t)o->buf[2] << 8 | o->buf[3];
	}
	return M2M_OK;
}

static m2m_err fcp_size(ctx *c, const OCTET_STRING_t *o, m2m_saip_fs_attr *a)
{
	int ok;
	size_t v = be_value(o, &ok);

	if (!ok || v > 0xffff)
		return fail(c, M2M_ERR_FORMAT, "%s: file size of %d bytes not supported", a->name,
			    (int)o->size);
	a->size = v;
	return M2M_OK;
}

static m2m_err fcp_proprietary(ctx *c, const ProprietaryInfo_t *pi, m2m_saip_fs_attr *a,
			       fcp_extra *x)
{
	const OCTET_STRING_t *pat = pi->fillPattern ? pi->fillPattern : pi->repeatPattern;

	if (pat && pat->size > 0 && (size_t)pat->size <= PATTERN_MAX) {
		memset(&x->pat, 0, sizeof(x->pat));
		memcpy(x->pat.pre, pat->buf, (size_t)pat->size);
		x->pat.pre_len = (size_t)pat->size;
		x->pat.stretch = pi->fillPattern != NULL;
		x->pat.repeat = pi->fillPattern == NULL;
		x->has_pat = 1;
	}
	if (pi->maximumFileSize && a->structure == M2M_SAIP_FS_BERTLV)
		return fcp_size(c, pi->maximumFileSize, a);
	return M2M_OK;
}

static void copy_small(uint8_t *dst, uint8_t *len, size_t cap, const OCTET_STRING_t *o)
{
	*len = (uint8_t)((size_t)o->size < cap ? (size_t)o->size : cap);
	memcpy(dst, o->buf, *len);
}

/* gfm: a file created by genericFileManagement takes its SFI from its FID when none is given. */
static m2m_err apply_fcp(ctx *c, const Fcp_t *f, m2m_saip_fs_attr *a, fcp_extra *x, int gfm)
{
	m2m_err rc = M2M_OK;

	if (f->fileDescriptor)
		rc = fcp_descriptor(c, f->fileDescriptor, a);
	if (rc == M2M_OK && f->fileID) {
		if (f->fileID->size != 2)
			return fail(c, M2M_ERR_FORMAT, "%s: file ID of %d bytes", a->name,
				    (int)f->fileID->size);
		a->fid = (uint16_t)(f->fileID->buf[0] << 8 | f->fileID->buf[1]);
	}
	if (rc == M2M_OK && f->dfName) {
		if (f->dfName->size < 1 || f->dfName->size > M2M_SAIP_FS_AID_MAX)
			return fail(c, M2M_ERR_FORMAT, "%s: AID of %d bytes", a->name,
				    (int)f->dfName->size);
		copy_small(a->aid, &a->aid_len, sizeof(a->aid), f->dfName);
		a->kind = M2M_SAIP_FS_ADF;
	}
	if (rc == M2M_OK && f->lcsi && f->lcsi->size == 1)
		a->lcsi = f->lcsi->buf[0];
	if (rc == M2M_OK && f->securityAttributesReferenced)
		copy_small(a->arr, &a->arr_len, sizeof(a->arr), f->securityAttributesReferenced);
	if (rc == M2M_OK && f->efFileSize)
		rc = fcp_size(c, f->efFileSize, a);
	if (rc == M2M_OK && f->pinStatusTemplateDO)
		copy_small(a->pin_do, &a->pin_do_len, sizeof(a->pin_do), f->pinStatusTemplateDO);
	if (rc == M2M_OK && f->shortEFID)
		a->sfi = f->shortEFID->size == 1 ? (uint8_t)(f->shortEFID->buf[0] >> 3) : 0;
	else if (rc == M2M_OK && gfm && a->kind == M2M_SAIP_FS_EF)
		a->sfi = (uint8_t)(a->fid & 0x1f);
	if (rc == M2M_OK && f->proprietaryEFInfo)
		rc = fcp_proprietary(c, f->proprietaryEFInfo, a, x);
	if (rc == M2M_OK && f->linkPath && f->linkPath->size > 0)
		x->link = f->linkPath;
	return rc;
}

/* Record count from the size, and the EF.ARR FID a bare record number refers to. */
static m2m_err finish_attr(ctx *c, const m2m_saip_fs_node *parent, m2m_saip_fs_attr *a)
{
	if (a->arr_len == 1) {
		int top = !parent || a->kind != M2M_SAIP_FS_EF || parent->a.kind == M2M_SAIP_FS_MF;
		uint16_t arr = top ? 0x2f06 : 0x6f06;
		a->arr[2] = a->arr[0];
		a->arr[0] = (uint8_t)(arr >> 8);
		a->arr[1] = (uint8_t)arr;
		a->arr_len = 3;
	}
	if (a->kind != M2M_SAIP_FS_EF)
		return M2M_OK;
	if (a->structure != M2M_SAIP_FS_LINEAR && a->structure != M2M_SAIP_FS_CYCLIC)
		return M2M_OK;
	if (!a->rec_len || a->size % a->rec_len || a->size / a->rec_len > 254)
		return fail(c, M2M_ERR_FORMAT, "%s %04X: size %zu is not a whole number (at most "
			    "254) of %zu-byte records", a->name, (unsigned)a->fid, a->size,
			    a->rec_len);
	a->rec_count = a->size / a->rec_len;
	return M2M_OK;
}

/* ---- contents ---- */

static m2m_err fill_content(ctx *c, m2m_saip_fs_node *n, size_t *cursor, const OCTET_STRING_t *o)
{
	const m2m_saip_fs_node *t = m2m_saip_fs_target(n);
	size_t len = (size_t)o->size;

	if (*cursor > t->a.size || len > t->a.size - *cursor)
		return fail(c, M2M_ERR_BOUNDS, "%s %04X: content larger than the file: %zu bytes "
			    "at offset %zu, file size %zu", n->a.name, (unsigned)n->a.fid, len,
			    *cursor, t->a.size);
	*cursor += len;
	return m2m_saip_fs_write(n, *cursor - len, o->buf, len);
}

static m2m_err fill_offset(ctx *c, m2m_saip_fs_node *n, size_t *cursor, long v)
{
	if (v < 0 || (size_t)v > m2m_saip_fs_target(n)->a.size - *cursor)
		return fail(c, M2M_ERR_BOUNDS, "%s %04X: fill offset %ld past the end of the file",
			    n->a.name, (unsigned)n->a.fid, v);
	*cursor += (size_t)v;
	return M2M_OK;
}

static m2m_err fill_file(ctx *c, m2m_saip_fs_node *n, const File_t *f)
{
	size_t cursor = 0;
	m2m_err rc = M2M_OK;

	for (int i = 0; f && rc == M2M_OK && i < f->list.count; i++) {
		const struct File__Member *m = f->list.array[i];
		if (m->present == File__Member_PR_fillFileOffset)
			rc = fill_offset(c, n, &cursor, m->choice.fillFileOffset);
		else if (m->present == File__Member_PR_fillFileContent)
			rc = fill_content(c, n, &cursor, &m->choice.fillFileContent);
	}
	return rc;
}

/* How far a File's fill commands reach: the size of a file nobody else sizes. */
static size_t fill_extent(const File_t *f)
{
	size_t end = 0;

	for (int i = 0; f && i < f->list.count; i++) {
		const struct File__Member *m = f->list.array[i];
		if (m->present == File__Member_PR_fillFileOffset && m->choice.fillFileOffset > 0)
			end += (size_t)m->choice.fillFileOffset;
		else if (m->present == File__Member_PR_fillFileContent)
			end += (size_t)m->choice.fillFileContent.size;
	}
	return end;
}

/* ---- nodes ---- */

static m2m_saip_fs_node *resolve_path(const m2m_saip_fs *fs, const OCTET_STRING_t *o)
{
	uint16_t fids[4];
	size_t n = (size_t)o->size / 2;

	if (o->size % 2 || n > 4)
		return NULL;
	for (size_t i = 0; i < n; i++)
		fids[i] = (uint16_t)(o->buf[2 * i] << 8 | o->buf[2 * i + 1]);
	return m2m_saip_fs_find_fids(fs, fids, n);
}

static m2m_err add_link(ctx *c, m2m_saip_fs_node *parent, m2m_saip_fs_attr *a,
			const OCTET_STRING_t *path, m2m_saip_fs_node **out)
{
	m2m_saip_fs_node *t = resolve_path(c->b->fs, path);
	m2m_err rc;

	if (!t || t->a.kind != M2M_SAIP_FS_EF)
		return fail(c, M2M_ERR_FORMAT, "%s %04X: link target not found", a->name,
			    (unsigned)a->fid);
	a->kind = M2M_SAIP_FS_EF;
	a->structure = M2M_SAIP_FS_TRANSPARENT;
	a->size = a->rec_len = a->rec_count = 0;
	rc = m2m_saip_fs_add(c->b->fs, parent, a, out);
	if (rc == M2M_OK)
		(*out)->link = m2m_saip_fs_target(t) == t ? t : t->link;
	return rc;
}

static const char *where(const m2m_saip_fs_node *parent)
{
	return !parent ? "the card" : parent->a.name[0] ? parent->a.name : "its DF";
}

/* Creates the file (or reuses an existing DF), with its default content. */
static m2m_err create_node(ctx *c, m2m_saip_fs_node *parent, m2m_saip_fs_attr *a,
			   const fcp_extra *x, const char *dflt, m2m_saip_fs_node **out)
{
	m2m_saip_fs_node *n = NULL;
	pattern p;
	m2m_err rc;

	*out = NULL;
	rc = finish_attr(c, parent, a);
	if (rc != M2M_OK)
		return rc;
	if (a->kind == M2M_SAIP_FS_MF && c->b->fs->mf) {
		*out = c->b->fs->mf;
		return M2M_OK;
	}
	if (a->kind == M2M_SAIP_FS_ADF && (!a->aid_len || !a->fid))
		return fail(c, M2M_ERR_FORMAT, "%s: the package gives no AID or temporary FID",
			    a->name);
	n = parent ? m2m_saip_fs_child(parent, a->fid) : NULL;
	if (n && a->kind != M2M_SAIP_FS_EF && n->a.kind == a->kind) {
		*out = n;
		return M2M_OK;
	}
	if (a->kind != M2M_SAIP_FS_MF && !parent)
		return fail(c, M2M_ERR_FORMAT, "%s %04X: no MF to create it in", a->name,
			    (unsigned)a->fid);
	if (x->link)
		return add_link(c, parent, a, x->link, out);
	rc = m2m_saip_fs_add(c->b->fs, parent, a, &n);
	if (rc == M2M_ERR_STATE)
		return fail(c, M2M_ERR_FORMAT, "%s %04X already exists in %s", a->name, (unsigned)a->fid,
			    where(parent));
	if (rc != M2M_OK)
		return fail(c, rc == M2M_ERR_NOMEM ? rc : M2M_ERR_FORMAT,
			    "%s %04X: inconsistent description (%s, size %zu, records %zu x %zu)",
			    a->name, (unsigned)a->fid, m2m_strerror(rc), a->size, a->rec_count,
			    a->rec_len);
	if (x->has_pat)
		apply_pattern(n, &x->pat);
	else if (dflt && pattern_from_template(dflt, &p) == 0)
		apply_pattern(n, &p);
	*out = n;
	return M2M_OK;
}

static const Fcp_t *file_fcp(const File_t *f, int *dnc)
{
	const Fcp_t *fcp = NULL;

	*dnc = 0;
	for (int i = 0; f && i < f->list.count; i++) {
		const struct File__Member *m = f->list.array[i];
		if (m->present == File__Member_PR_doNotCreate)
			*dnc = 1;
		else if (m->present == File__Member_PR_fileDescriptor && !fcp)
			fcp = &m->choice.fileDescriptor;
	}
	return fcp;
}

/* A template file, from its entry (or none) and the package's File (or none). */
static m2m_err make_file(ctx *c, const m2m_saip_tpl_file *tf, const File_t *f,
			 m2m_saip_fs_node *parent, const char *name, int lenient,
			 m2m_saip_fs_node **out)
{
	fcp_extra x = {0};
	m2m_saip_fs_attr a;
	int dnc;
	const Fcp_t *fcp = file_fcp(f, &dnc);
	m2m_err rc = M2M_OK;

	*out = NULL;
	if (dnc)
		return M2M_OK;
	if (tf)
		tpl_attr(tf, &a);
	else
		m2m_saip_fs_attr_init(&a, M2M_SAIP_FS_EF, 0);
	if (!tf)
		snprintf(a.name, sizeof(a.name), "%s", name);
	if (fcp)
		rc = apply_fcp(c, fcp, &a, &x, 0);
	if (rc != M2M_OK)
		return rc;
	if (a.kind == M2M_SAIP_FS_EF && !a.size && !x.link) {
		size_t ext = fill_extent(f);
		if (a.rec_len)
			ext = (ext + a.rec_len - 1) / a.rec_len * a.rec_len;
		a.size = ext;
		a.unsized = !ext && lenient;
		if (!ext && !lenient)
			return fail(c, M2M_ERR_FORMAT, "%s: size unknown (not in the template "
				    "and not given by the package)", a.name);
	}
	rc = create_node(c, parent, &a, &x, tf ? tf->dflt : NULL, out);
	if (rc == M2M_OK && *out && (*out)->a.kind == M2M_SAIP_FS_EF)
		rc = fill_file(c, *out, f);
	return rc;
}

/* ---- template PEs ---- */

typedef struct {
	const asn_TYPE_descriptor_t *td;
	const char *sptr;
	char *used; /* per member: matched a template entry */
	const m2m_saip_tpl *tpl;
	m2m_saip_fs_node *anchor; /* the template's own DF/ADF, or the ADF it extends */
	m2m_saip_fs_node *cur;    /* where EFs go */
} tpl_walk;

static const File_t *member_file(const tpl_walk *w, int i)
{
	const asn_TYPE_member_t *m = &w->td->elements[i];
	const void *p = w->sptr + m->memb_offset;

	if (m->type != &asn_DEF_File)
		return NULL;
	return (m->flags & ATF_POINTER) ? *(const File_t *const *)p : (const File_t *)p;
}

static const File_t *file_by_name(tpl_walk *w, const char *name)
{
	for (int i = 0; i < w->td->elements_count; i++) {
		if (strcasecmp(w->td->elements[i].name, name) != 0)
			continue;
		w->used[i] = 1;
		return member_file(w, i);
	}
	return NULL;
}

static m2m_err oid_string(const OBJECT_IDENTIFIER_t *oid, char *out, size_t cap)
{
	unsigned long arcs[16];
	int n = OBJECT_IDENTIFIER_get_arcs(oid, arcs, sizeof(arcs[0]), 16);
	size_t pos = 0;

	if (n < 1 || n > 16)
		return M2M_ERR_FORMAT;
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		int w = snprintf(out + pos, cap - pos, "%s%lu", i ? "." : "", arcs[i]);
		if (w < 0 || (size_t)w >= cap - pos)
			return M2M_ERR_FORMAT;
		pos += (size_t)w;
	}
	return M2M_OK;
}

static void note_adf(ctx *c, m2m_saip_fs_node *n)
{
	if (!n || n->a.kind != M2M_SAIP_FS_ADF)
		return;
	if (strcmp(c->pe, "usim") == 0 || strcmp(c->pe, "iot") == 0)
		c->b->usim = n;
	else if (strcmp(c->pe, "isim") == 0)
		c->b->isim = n;
	else if (strcmp(c->pe, "csim") == 0)
		c->b->csim = n;
	c->b->last_adf = n;
}

/* Where the template's first DF goes (or, for an extending template, the ADF it fills). */
static m2m_err tpl_base(ctx *c, tpl_walk *w, m2m_saip_fs_node **parent)
{
	m2m_saip_fs_builder *b = c->b;
	m2m_saip_fs_node *bases[] = {NULL, b->fs->mf, b->usim, b->last_adf, b->usim, b->isim,
				     b->csim};
	static const char *const names[] = {"", "the MF", "ADF.USIM", "an ADF", "ADF.USIM",
					    "ADF.ISIM", "ADF.CSIM"};
	uint8_t base = w->tpl->base;

	if (base > M2M_SAIP_TPL_IN_CSIM)
		return fail(c, M2M_ERR_FORMAT, "template %s: bad base", w->tpl->name);
	*parent = bases[base];
	if (base != M2M_SAIP_TPL_AT_ROOT && !*parent)
		return fail(c, M2M_ERR_FORMAT, "template %s needs %s, created by an earlier "
			    "element", w->tpl->name, names[base]);
	if (base >= M2M_SAIP_TPL_IN_USIM)
		w->anchor = w->cur = *parent;
	return M2M_OK;
}

static int is_dir_entry(const m2m_saip_tpl_file *tf)
{
	return tf->type <= M2M_SAIP_TPL_ADF;
}

static m2m_err tpl_entry(ctx *c, tpl_walk *w, size_t i, m2m_saip_fs_node *base)
{
	const m2m_saip_tpl_file *tf = &w->tpl->files[i];
	const File_t *f = file_by_name(w, tf->pe_name);
	int first = i == 0 && !w->anchor;
	int by_default = w->tpl->by_default && w->tpl->complete && !tf->fid_last &&
			 (is_dir_entry(tf) || tf->size);
	m2m_saip_fs_node *parent = is_dir_entry(tf) ? (first ? base : w->anchor) : w->cur;
	m2m_saip_fs_node *n = NULL;
	m2m_err rc;

	if (!f && !by_default) {
		if (is_dir_entry(tf) && !first)
			w->cur = NULL; /* its EFs are not created either */
		return M2M_OK;
	}
	if (!parent && !first)
		return f ? fail(c, M2M_ERR_FORMAT, "%s: its DF was not created", tf->name)
			 : M2M_OK;
	rc = make_file(c, tf, f, parent, tf->name, !w->tpl->complete, &n);
	if (rc != M2M_OK || !is_dir_entry(tf))
		return rc;
	if (first)
		w->anchor = n;
	w->cur = n;
	note_adf(c, n);
	return M2M_OK;
}

/* Files the template does not know: created if the package describes them fully. */
static m2m_err tpl_leftovers(ctx *c, tpl_walk *w)
{
	for (int i = 0; i < w->td->elements_count; i++) {
		const File_t *f = member_file(w, i);
		char name[M2M_SAIP_FS_NAME_MAX];
		const Fcp_t *fcp;
		m2m_saip_fs_node *n;
		int dnc;
		if (w->used[i] || !f)
			continue;
		snprintf(name, sizeof(name), "%s", w->td->elements[i].name);
		for (char *p = name; *p; p++)
			*p = *p == '-' && p == name + 2 ? '.' : (char)toupper((unsigned char)*p);
		fcp = file_fcp(f, &dnc);
		if (dnc)
			continue;
		if (!fcp || !fcp->fileID || !w->anchor)
			return fail(c, M2M_ERR_FORMAT, "%s: not in template %s and not described "
				    "by the package", name, w->tpl->name);
		m2m_err rc = make_file(c, NULL, f, w->anchor, name, 0, &n);
		if (rc != M2M_OK)
			return rc;
	}
	return M2M_OK;
}

static m2m_err tpl_element(ctx *c, const asn_TYPE_descriptor_t *td, const void *sptr,
			   const OBJECT_IDENTIFIER_t *oid)
{
	tpl_walk w = {td, sptr, NULL, NULL, NULL, NULL};
	m2m_saip_fs_node *base = NULL;
	char s[96];
	m2m_err rc = oid_string(oid, s, sizeof(s));

	if (rc != M2M_OK) {
		rc = fail(c, rc, "malformed templateID");
		goto out;
	}
	w.tpl = m2m_saip_tpl_find(s);
	rc = M2M_ERR_UNSUPPORTED;
	if (!w.tpl) {
		rc = fail(c, rc, "unknown template OID %s", s);
		goto out;
	}
	rc = M2M_ERR_FORMAT;
	if (strcmp(w.tpl->pe, c->pe) != 0) {
		rc = fail(c, rc, "template %s (%s) is for %s elements", s, w.tpl->name, w.tpl->pe);
		goto out;
	}
	rc = M2M_ERR_NOMEM;
	w.used = calloc((size_t)td->elements_count + 1, 1);
	if (!w.used)
		goto out;
	rc = tpl_base(c, &w, &base);
	for (size_t i = 0; rc == M2M_OK && i < w.tpl->count; i++)
		rc = tpl_entry(c, &w, i, base);
	if (rc == M2M_OK)
		rc = tpl_leftovers(c, &w);
out:
	free(w.used);
	return rc;
}

/* ---- genericFileManagement ---- */

typedef struct {
	m2m_saip_fs_node *dir;
	m2m_saip_fs_node *file; /* target of fills */
	size_t cursor;
} gfm_state;

static m2m_err gfm_path(ctx *c, gfm_state *s, const OCTET_STRING_t *o)
{
	m2m_saip_fs_node *n = resolve_path(c->b->fs, o);
	char hex[2 * 8 + 1] = "";

	if (!n) {
		if (o->size <= 8)
			m2m_hex_encode(o->buf, (size_t)o->size, hex);
		return fail(c, M2M_ERR_FORMAT, "filePath '%s' does not exist", hex);
	}
	s->dir = n->a.kind == M2M_SAIP_FS_EF ? n->parent : n;
	s->file = n->a.kind == M2M_SAIP_FS_EF ? n : NULL;
	s->cursor = 0;
	return M2M_OK;
}

static m2m_err gfm_create(ctx *c, gfm_state *s, const Fcp_t *f)
{
	fcp_extra x = {0};
	m2m_saip_fs_attr a;
	m2m_saip_fs_node *n;
	m2m_err rc;

	m2m_saip_fs_attr_init(&a, M2M_SAIP_FS_EF, 0);
	snprintf(a.name, sizeof(a.name), "file"); /* for messages; the tree shows no name */
	rc = apply_fcp(c, f, &a, &x, 1);
	if (rc != M2M_OK)
		return rc;
	if (!f->fileID)
		return fail(c, M2M_ERR_FORMAT, "createFCP without a file ID");
	rc = create_node(c, s->dir, &a, &x, NULL, &n);
	if (rc != M2M_OK)
		return rc;
	if (strcmp(n->a.name, "file") == 0) /* a new node, not a reused DF */
		n->a.name[0] = '\0';
	/* As after CREATE FILE (TS 102 222): a new DF becomes the current DF. */
	if (n->a.kind != M2M_SAIP_FS_EF)
		s->dir = n;
	s->file = n->a.kind == M2M_SAIP_FS_EF ? n : NULL;
	s->cursor = 0;
	note_adf(c, n);
	return M2M_OK;
}

static m2m_err gfm_command(ctx *c, const FileManagement_t *cmd)
{
	gfm_state s = {c->b->fs->mf, NULL, 0};
	m2m_err rc = M2M_OK;

	for (int i = 0; rc == M2M_OK && i < cmd->list.count; i++) {
		const struct FileManagement__Member *m = cmd->list.array[i];
		switch (m->present) {
		case FileManagement__Member_PR_filePath:
			rc = gfm_path(c, &s, &m->choice.filePath);
			break;
		case FileManagement__Member_PR_createFCP:
			rc = gfm_create(c, &s, &m->choice.createFCP);
			break;
		case FileManagement__Member_PR_fillFileOffset:
		case FileManagement__Member_PR_fillFileContent:
			if (!s.file) {
				rc = fail(c, M2M_ERR_FORMAT, "fill command without a selected EF");
			} else if (m->present == FileManagement__Member_PR_fillFileOffset) {
				rc = fill_offset(c, s.file, &s.cursor, m->choice.fillFileOffset);
			} else {
				rc = fill_content(c, s.file, &s.cursor, &m->choice.fillFileContent);
			}
			break;
		default:
			break;
		}
	}
	return rc;
}

static m2m_err gfm_element(ctx *c, const PE_GenericFileManagement_t *g)
{
	m2m_err rc = M2M_OK;

	if (!c->b->fs->mf)
		return fail(c, M2M_ERR_FORMAT, "genericFileManagement before the MF");
	for (int i = 0; rc == M2M_OK && i < g->fileManagementCMD.list.count; i++)
		rc = gfm_command(c, g->fileManagementCMD.list.array[i]);
	return rc;
}

/* ---- elements ---- */

static const OBJECT_IDENTIFIER_t *template_id(const asn_TYPE_descriptor_t *td, const char *sptr)
{
	for (int i = 0; i < td->elements_count; i++)
		if (td->elements[i].type == &asn_DEF_OBJECT_IDENTIFIER &&
		    strcmp(td->elements[i].name, "templateID") == 0 &&
		    !(td->elements[i].flags & ATF_POINTER))
			return (const OBJECT_IDENTIFIER_t *)(sptr + td->elements[i].memb_offset);
	return NULL;
}

void m2m_saip_fs_builder_init(m2m_saip_fs_builder *b, m2m_saip_fs *fs)
{
	memset(b, 0, sizeof(*b));
	b->fs = fs;
}

m2m_err m2m_saip_fs_build_element(m2m_saip_fs_builder *b, const m2m_saip_element *el,
				  size_t index, m2m_saip_error *err)
{
	ctx c = {b, err, "unknown"};
	const ProfileElement_t *pe = el ? el->pe : NULL;
	const asn_TYPE_member_t *m;
	const char *sptr;
	const OBJECT_IDENTIFIER_t *oid;

	if (err) {
		memset(err, 0, sizeof(*err));
		err->index = index;
		err->offset = el ? el->offset : 0;
	}
	if (!b || !b->fs || !pe)
		return fail(&c, M2M_ERR_ARG, "no element");
	if ((int)pe->present < 1 || (int)pe->present > asn_DEF_ProfileElement.elements_count)
		return M2M_OK; /* an extension this module does not know: not a file PE */
	m = &asn_DEF_ProfileElement.elements[pe->present - 1];
	c.pe = m->name;
	if (err)
		snprintf(err->type, sizeof(err->type), "%s", m->name);
	sptr = (const char *)pe + m->memb_offset;
	if (m->type == &asn_DEF_PE_GenericFileManagement)
		return gfm_element(&c, (const PE_GenericFileManagement_t *)sptr);
	oid = template_id(m->type, sptr);
	return oid ? tpl_element(&c, m->type, sptr, oid) : M2M_OK;
}

m2m_err m2m_saip_fs_build(const m2m_saip_pkg *pkg, m2m_saip_fs *fs, m2m_saip_error *err)
{
	m2m_saip_fs_builder b;
	m2m_err rc = M2M_OK;

	if (!pkg || !fs)
		return M2M_ERR_ARG;
	m2m_saip_fs_builder_init(&b, fs);
	for (size_t i = 0; rc == M2M_OK && i < pkg->count; i++)
		rc = m2m_saip_fs_build_element(&b, &pkg->el[i], i, err);
	if (rc == M2M_OK && !fs->mf) {
		if (err)
			snprintf(err->msg, sizeof(err->msg), "the package creates no MF");
		rc = M2M_ERR_FORMAT;
	}
	return rc;
}
