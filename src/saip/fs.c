/* In-memory UICC file tree: creation, lookup, bounds-checked content access, FCP. */
#include "saip/fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"

void m2m_saip_fs_init(m2m_saip_fs *fs)
{
	fs->mf = NULL;
}

void m2m_saip_fs_free(m2m_saip_fs *fs)
{
	m2m_saip_fs_node *n = fs ? fs->mf : NULL;

	/* Iterative post-order: deep trees from hostile packages cannot exhaust the stack. */
	while (n) {
		if (n->child) {
			n = n->child;
			continue;
		}
		m2m_saip_fs_node *up = n->parent, *nx = n->next;
		free(n->data);
		free(n);
		if (nx) {
			n = nx;
		} else {
			if (up)
				up->child = NULL;
			n = up;
		}
	}
	if (fs)
		fs->mf = NULL;
}

void m2m_saip_fs_attr_init(m2m_saip_fs_attr *a, m2m_saip_fs_kind kind, uint16_t fid)
{
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->fid = fid;
	a->fill = 0xff;
	a->lcsi = 0x05;
	a->structure = kind == M2M_SAIP_FS_EF ? M2M_SAIP_FS_TRANSPARENT : M2M_SAIP_FS_NONE;
}

static int is_dir(const m2m_saip_fs_node *n)
{
	return n && n->a.kind != M2M_SAIP_FS_EF;
}

static m2m_err check_attr(const m2m_saip_fs *fs, const m2m_saip_fs_node *parent,
			  const m2m_saip_fs_attr *a)
{
	if (a->kind == M2M_SAIP_FS_MF)
		return parent || fs->mf ? M2M_ERR_STATE : M2M_OK;
	if (!is_dir(parent) || a->aid_len > M2M_SAIP_FS_AID_MAX || a->sfi > 30 ||
	    a->arr_len > 3 || a->pin_do_len > M2M_SAIP_FS_PIN_DO_MAX)
		return M2M_ERR_ARG;
	if (a->kind == M2M_SAIP_FS_ADF && (parent->a.kind != M2M_SAIP_FS_MF || !a->aid_len))
		return M2M_ERR_ARG;
	if (a->kind != M2M_SAIP_FS_EF)
		return a->size ? M2M_ERR_ARG : M2M_OK;
	if (a->structure == M2M_SAIP_FS_LINEAR || a->structure == M2M_SAIP_FS_CYCLIC) {
		if (!a->rec_len || a->rec_len > 255 || a->rec_count > 254 ||
		    a->rec_len * a->rec_count != a->size)
			return M2M_ERR_ARG;
	}
	return a->size > 0xffff ? M2M_ERR_ARG : M2M_OK;
}

static int clashes(const m2m_saip_fs_node *parent, const m2m_saip_fs_attr *a)
{
	for (const m2m_saip_fs_node *c = parent->child; c; c = c->next) {
		if (c->a.fid == a->fid)
			return 1;
		if (a->kind == M2M_SAIP_FS_ADF && c->a.kind == M2M_SAIP_FS_ADF &&
		    c->a.aid_len == a->aid_len && memcmp(c->a.aid, a->aid, a->aid_len) == 0)
			return 1;
	}
	return 0;
}

m2m_err m2m_saip_fs_add(m2m_saip_fs *fs, m2m_saip_fs_node *parent, const m2m_saip_fs_attr *a,
			m2m_saip_fs_node **out)
{
	m2m_saip_fs_node *n = NULL;
	m2m_err rc = M2M_ERR_ARG;

	if (!fs || !a)
		goto out;
	rc = check_attr(fs, parent, a);
	if (rc != M2M_OK)
		goto out;
	rc = M2M_ERR_STATE;
	if (parent && clashes(parent, a))
		goto out;
	rc = M2M_ERR_NOMEM;
	n = calloc(1, sizeof(*n));
	if (!n)
		goto out;
	n->a = *a;
	if (a->kind == M2M_SAIP_FS_EF && a->size) {
		n->data = malloc(a->size);
		if (!n->data)
			goto out;
		memset(n->data, a->fill, a->size);
	}
	n->parent = parent;
	if (!parent) {
		fs->mf = n;
	} else {
		m2m_saip_fs_node **p = &parent->child;
		while (*p)
			p = &(*p)->next;
		*p = n;
	}
	if (out)
		*out = n;
	n = NULL;
	rc = M2M_OK;
out:
	free(n ? n->data : NULL);
	free(n);
	return rc;
}

m2m_saip_fs_node *m2m_saip_fs_child(const m2m_saip_fs_node *dir, uint16_t fid)
{
	if (!is_dir(dir))
		return NULL;
	for (m2m_saip_fs_node *c = dir->child; c; c = c->next)
		if (c->a.fid == fid)
			return c;
	return NULL;
}

m2m_saip_fs_node *m2m_saip_fs_find_adf(const m2m_saip_fs *fs, const uint8_t *aid, size_t n)
{
	if (!fs || !fs->mf || !aid || !n)
		return NULL;
	for (m2m_saip_fs_node *c = fs->mf->child; c; c = c->next)
		if (c->a.kind == M2M_SAIP_FS_ADF && n <= c->a.aid_len &&
		    memcmp(c->a.aid, aid, n) == 0)
			return c;
	return NULL;
}

m2m_saip_fs_node *m2m_saip_fs_find_fids(const m2m_saip_fs *fs, const uint16_t *fids, size_t n)
{
	m2m_saip_fs_node *cur = fs ? fs->mf : NULL;
	size_t i = 0;

	if (cur && n && fids[0] == 0x3f00)
		i = 1;
	for (; cur && i < n; i++)
		cur = m2m_saip_fs_child(cur, fids[i]);
	return cur;
}

/* One path element: a FID, or an AID selecting an ADF from the MF. */
static m2m_saip_fs_node *path_step(const m2m_saip_fs *fs, m2m_saip_fs_node *cur,
				   const char *s, size_t len, int first)
{
	char hex[2 * M2M_SAIP_FS_AID_MAX + 1];
	uint8_t b[M2M_SAIP_FS_AID_MAX];
	size_t n = 0;

	if (len < 4 || len > 2 * M2M_SAIP_FS_AID_MAX || len % 2)
		return NULL;
	memcpy(hex, s, len);
	hex[len] = '\0';
	if (m2m_hex_decode(hex, b, sizeof(b), &n) != M2M_OK)
		return NULL;
	if (n > 2)
		return cur == fs->mf ? m2m_saip_fs_find_adf(fs, b, n) : NULL;
	uint16_t fid = (uint16_t)(b[0] << 8 | b[1]);
	if (first && fid == 0x3f00)
		return cur;
	return m2m_saip_fs_child(cur, fid);
}

m2m_saip_fs_node *m2m_saip_fs_find(const m2m_saip_fs *fs, const char *path)
{
	m2m_saip_fs_node *cur = fs ? fs->mf : NULL;
	const char *s = path;
	int first = 1;

	if (!cur || !path)
		return NULL;
	while (cur && *s) {
		size_t len = strcspn(s, "/");
		if (len) {
			cur = path_step(fs, cur, s, len, first);
			first = 0;
		}
		s += len;
		if (*s == '/')
			s++;
	}
	return cur;
}

const m2m_saip_fs_node *m2m_saip_fs_target(const m2m_saip_fs_node *n)
{
	return n && n->link ? n->link : n;
}

m2m_err m2m_saip_fs_path(const m2m_saip_fs_node *n, char *out, size_t cap)
{
	const m2m_saip_fs_node *chain[64];
	size_t depth = 0, pos = 0;

	if (!n || !out || !cap)
		return M2M_ERR_ARG;
	for (; n && depth < 64; n = n->parent)
		chain[depth++] = n;
	if (n)
		return M2M_ERR_BOUNDS;
	out[0] = '\0';
	while (depth--) {
		int w = snprintf(out + pos, cap - pos, "%s%04X", pos ? "/" : "",
				 (unsigned)chain[depth]->a.fid);
		if (w < 0 || (size_t)w >= cap - pos)
			return M2M_ERR_BOUNDS;
		pos += (size_t)w;
	}
	return M2M_OK;
}

static m2m_saip_fs_node *data_node(m2m_saip_fs_node *n)
{
	return n && n->link ? n->link : n;
}

m2m_err m2m_saip_fs_write(m2m_saip_fs_node *n, size_t off, const uint8_t *p, size_t len)
{
	n = data_node(n);
	if (!n || n->a.kind != M2M_SAIP_FS_EF || (len && !p))
		return M2M_ERR_ARG;
	if (off > n->a.size || len > n->a.size - off)
		return M2M_ERR_BOUNDS;
	if (len)
		memcpy(n->data + off, p, len);
	return M2M_OK;
}

static int has_structure(const m2m_saip_fs_node *n, m2m_saip_fs_struct s)
{
	return n && n->a.kind == M2M_SAIP_FS_EF && n->a.structure == s;
}

m2m_err m2m_saip_fs_read_binary(const m2m_saip_fs_node *n, size_t off, uint8_t *out, size_t len)
{
	n = m2m_saip_fs_target(n);
	if (!has_structure(n, M2M_SAIP_FS_TRANSPARENT))
		return M2M_ERR_STATE;
	if ((len && !out) || off > n->a.size || len > n->a.size - off)
		return M2M_ERR_BOUNDS;
	if (len)
		memcpy(out, n->data + off, len);
	return M2M_OK;
}

m2m_err m2m_saip_fs_update_binary(m2m_saip_fs_node *n, size_t off, const uint8_t *p, size_t len)
{
	if (!has_structure(data_node(n), M2M_SAIP_FS_TRANSPARENT))
		return M2M_ERR_STATE;
	return m2m_saip_fs_write(n, off, p, len);
}

static int is_record_ef(const m2m_saip_fs_node *n)
{
	return has_structure(n, M2M_SAIP_FS_LINEAR) || has_structure(n, M2M_SAIP_FS_CYCLIC);
}

m2m_err m2m_saip_fs_read_record(const m2m_saip_fs_node *n, size_t rec, uint8_t *out, size_t len)
{
	n = m2m_saip_fs_target(n);
	if (!is_record_ef(n))
		return M2M_ERR_STATE;
	if (rec < 1 || rec > n->a.rec_count || len > n->a.rec_len || (len && !out))
		return M2M_ERR_BOUNDS;
	if (len)
		memcpy(out, n->data + (rec - 1) * n->a.rec_len, len);
	return M2M_OK;
}

m2m_err m2m_saip_fs_update_record(m2m_saip_fs_node *n, size_t rec, const uint8_t *p, size_t len)
{
	m2m_saip_fs_node *t = data_node(n);

	if (!is_record_ef(t))
		return M2M_ERR_STATE;
	if (rec < 1 || rec > t->a.rec_count || len != t->a.rec_len)
		return M2M_ERR_BOUNDS;
	return m2m_saip_fs_write(t, (rec - 1) * t->a.rec_len, p, len);
}

m2m_err m2m_saip_fs_cyclic_push(m2m_saip_fs_node *n, const uint8_t *p, size_t len)
{
	m2m_saip_fs_node *t = data_node(n);

	if (!has_structure(t, M2M_SAIP_FS_CYCLIC))
		return M2M_ERR_STATE;
	if (len != t->a.rec_len || !p || !t->a.rec_count)
		return M2M_ERR_BOUNDS;
	memmove(t->data + len, t->data, t->a.size - len);
	memcpy(t->data, p, len);
	return M2M_OK;
}

/* File descriptor byte, TS 102 221 11.1.1.4.3. */
static uint8_t fd_byte(const m2m_saip_fs_node *n)
{
	uint8_t sh = n->a.shareable ? 0x40 : 0;

	if (n->a.kind != M2M_SAIP_FS_EF)
		return sh | 0x38;
	switch (n->a.structure) {
	case M2M_SAIP_FS_LINEAR: return sh | 0x02;
	case M2M_SAIP_FS_CYCLIC: return sh | 0x06;
	case M2M_SAIP_FS_BERTLV: return sh | 0x39;
	default: return sh | 0x01;
	}
}

static m2m_err tlv(m2m_buf *b, uint8_t tag, const uint8_t *p, size_t n)
{
	m2m_err rc = m2m_buf_append_u8(b, tag);

	if (rc == M2M_OK)
		rc = m2m_buf_append_u8(b, (uint8_t)n);
	if (rc == M2M_OK && n)
		rc = m2m_buf_append(b, p, n);
	return rc;
}

static m2m_err fcp_body(const m2m_saip_fs_node *n, m2m_buf *b)
{
	const m2m_saip_fs_node *t = m2m_saip_fs_target(n);
	uint8_t fd[5] = {fd_byte(t), 0x21, (uint8_t)(t->a.rec_len >> 8), (uint8_t)t->a.rec_len,
			 (uint8_t)t->a.rec_count};
	uint8_t fid[2] = {(uint8_t)(n->a.fid >> 8), (uint8_t)n->a.fid};
	uint8_t sz[2] = {(uint8_t)(t->a.size >> 8), (uint8_t)t->a.size};
	uint8_t sfi = (uint8_t)(n->a.sfi << 3);
	m2m_err rc = tlv(b, 0x82, fd, is_record_ef(t) ? 5 : 2);

	if (rc == M2M_OK && n->a.kind != M2M_SAIP_FS_ADF)
		rc = tlv(b, 0x83, fid, 2);
	if (rc == M2M_OK && n->a.kind == M2M_SAIP_FS_ADF)
		rc = tlv(b, 0x84, n->a.aid, n->a.aid_len);
	if (rc == M2M_OK)
		rc = tlv(b, 0x8a, &n->a.lcsi, 1);
	if (rc == M2M_OK && n->a.arr_len)
		rc = tlv(b, 0x8b, n->a.arr, n->a.arr_len);
	if (rc == M2M_OK && n->a.kind == M2M_SAIP_FS_EF)
		rc = tlv(b, 0x80, sz, 2);
	if (rc == M2M_OK && n->a.kind == M2M_SAIP_FS_EF && n->a.sfi)
		rc = tlv(b, 0x88, &sfi, 1);
	if (rc == M2M_OK && n->a.kind != M2M_SAIP_FS_EF && n->a.pin_do_len)
		rc = tlv(b, 0xc6, n->a.pin_do, n->a.pin_do_len);
	return rc;
}

m2m_err m2m_saip_fs_fcp(const m2m_saip_fs_node *n, m2m_buf *out)
{
	m2m_buf body;
	m2m_err rc = M2M_ERR_ARG;

	m2m_buf_init(&body);
	if (!n || !out)
		goto out;
	rc = fcp_body(n, &body);
	if (rc != M2M_OK)
		goto out;
	rc = M2M_ERR_BOUNDS;
	if (body.len > 0x7f) /* short form only: every field above is small */
		goto out;
	rc = tlv(out, 0x62, body.data, body.len);
out:
	m2m_buf_free(&body);
	return rc;
}

const char *m2m_saip_fs_type_name(const m2m_saip_fs_node *n)
{
	static const char *const dirs[] = {"MF", "DF", "ADF"};
	static const char *const efs[] = {"?", "transparent", "linear-fixed", "cyclic", "ber-tlv"};

	if (!n)
		return "?";
	if (n->a.kind != M2M_SAIP_FS_EF)
		return dirs[n->a.kind];
	return n->a.structure <= M2M_SAIP_FS_BERTLV ? efs[n->a.structure] : "?";
}

int m2m_saip_fs_walk(const m2m_saip_fs *fs, m2m_saip_fs_visit fn, void *ctx)
{
	const m2m_saip_fs_node *n = fs ? fs->mf : NULL;
	unsigned depth = 0;
	int r = 0;

	while (n && r == 0) {
		r = fn(n, depth, ctx);
		if (n->child) {
			n = n->child;
			depth++;
			continue;
		}
		while (n && !n->next) {
			n = n->parent;
			depth--;
		}
		if (n)
			n = n->next;
	}
	return r;
}
