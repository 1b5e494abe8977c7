/*
 * File updates kept over a profile package, so that what the device or the operator (RFM)
 * wrote survives a reload and a profile switch, as on a real card. The package itself stays
 * as downloaded; each updated EF is recorded whole, by its FID path from the MF (ADFs by their
 * temporary FID), and written back whenever the tree is built:
 *   A0 { 80 L path (2 bytes per level, 1..8 levels), 81 L contents }*
 * A record replaces an older one of the same file. The list is bounded by M2M_EUICC_FSX_MAX.
 */
#include <stdlib.h>
#include <string.h>

#include "core/tlv.h"
#include "euicc/isdp_int.h"

#define PATH_MAX_LEVELS 8
#define T_REC 0xA0
#define T_PATH 0x80
#define T_DATA 0x81

typedef struct {
	uint8_t b[2 * PATH_MAX_LEVELS];
	size_t len;
} fid_path;

/* The FIDs from below the MF down to n. False for the MF or a tree deeper than allowed. */
static bool path_of(const m2m_saip_fs_node *n, fid_path *p)
{
	const m2m_saip_fs_node *x;
	size_t levels = 0;

	for (x = n; x != NULL && x->parent != NULL; x = x->parent)
		levels++;
	if (levels == 0 || levels > PATH_MAX_LEVELS)
		return false;
	p->len = 2 * levels;
	for (x = n; x->parent != NULL; x = x->parent) {
		levels--;
		p->b[2 * levels] = (uint8_t)(x->a.fid >> 8);
		p->b[2 * levels + 1] = (uint8_t)x->a.fid;
	}
	return true;
}

/* One record at the iterator, checked. */
static m2m_err next_rec(m2m_tlv_iter *it, m2m_tlv *path, m2m_tlv *data, size_t *size)
{
	m2m_tlv rec, extra;
	m2m_tlv_iter in;
	m2m_err err = m2m_tlv_next(it, &rec);

	if (err != M2M_OK)
		return err;
	if (rec.tag != T_REC || !rec.constructed)
		return M2M_ERR_FORMAT;
	*size = rec.size;
	m2m_tlv_iter_children(&in, &rec, M2M_TLV_DER);
	if (m2m_tlv_next(&in, path) != M2M_OK || path->tag != T_PATH || path->len == 0 ||
	    path->len % 2 != 0 || path->len > 2 * PATH_MAX_LEVELS ||
	    m2m_tlv_next(&in, data) != M2M_OK || data->tag != T_DATA || data->len == 0 ||
	    m2m_tlv_next(&in, &extra) != M2M_END)
		return M2M_ERR_FORMAT;
	return M2M_OK;
}

bool euicc_fsx_valid(const uint8_t *p, size_t n)
{
	m2m_tlv_iter it;
	m2m_tlv path, data;
	size_t size;
	m2m_err err;

	if (n > M2M_EUICC_FSX_MAX)
		return false;
	m2m_tlv_iter_init(&it, p, n, M2M_TLV_DER);
	while ((err = next_rec(&it, &path, &data, &size)) == M2M_OK)
		;
	return err == M2M_END;
}

/* Bytes of a DER TLV with a one-byte tag. */
static size_t tlv_size(size_t len)
{
	return 1 + (len < 0x80 ? 1 : len < 0x100 ? 2 : len < 0x10000 ? 3 : 4) + len;
}

static size_t rec_size(size_t path_len, size_t data_len)
{
	return tlv_size(tlv_size(path_len) + tlv_size(data_len));
}

/* Bytes of the list without the record of path (the list was checked when stored). */
static size_t others_size(const m2m_euicc_pkg *k, const fid_path *fp)
{
	m2m_tlv_iter it;
	m2m_tlv path, data;
	size_t size, total = 0;

	m2m_tlv_iter_init(&it, k->fsx, k->fsx_len, M2M_TLV_DER);
	while (next_rec(&it, &path, &data, &size) == M2M_OK)
		if (path.len != fp->len || memcmp(path.value, fp->b, fp->len) != 0)
			total += size;
	return total;
}

bool euicc_fsx_fits(const m2m_euicc_pkg *k, const m2m_saip_fs_node *ef)
{
	const m2m_saip_fs_node *t = m2m_saip_fs_target(ef);
	fid_path fp;

	return path_of(t, &fp) &&
	       others_size(k, &fp) + rec_size(fp.len, t->a.size) <= M2M_EUICC_FSX_MAX;
}

static m2m_err put_rec(m2m_buf *b, const uint8_t *path, size_t path_len, const uint8_t *data,
		       size_t len)
{
	size_t mark;
	m2m_err err = m2m_tlv_begin(b, T_REC, &mark);

	if (err == M2M_OK)
		err = m2m_tlv_put(b, T_PATH, path, path_len);
	if (err == M2M_OK)
		err = m2m_tlv_put(b, T_DATA, data, len);
	if (err == M2M_OK)
		err = m2m_tlv_end(b, mark);
	return err;
}

m2m_err euicc_fsx_record(m2m_euicc_pkg *k, const m2m_saip_fs_node *ef)
{
	const m2m_saip_fs_node *t = m2m_saip_fs_target(ef);
	m2m_tlv_iter it;
	m2m_tlv path, data;
	m2m_buf b;
	fid_path fp;
	size_t size;
	m2m_err err = M2M_ERR_ARG;

	m2m_buf_init(&b);
	if (t->data == NULL || t->a.size == 0 || !path_of(t, &fp))
		goto out;
	err = M2M_OK;
	m2m_tlv_iter_init(&it, k->fsx, k->fsx_len, M2M_TLV_DER);
	while (err == M2M_OK && next_rec(&it, &path, &data, &size) == M2M_OK)
		if (path.len != fp.len || memcmp(path.value, fp.b, fp.len) != 0)
			err = put_rec(&b, path.value, path.len, data.value, data.len);
	if (err == M2M_OK)
		err = put_rec(&b, fp.b, fp.len, t->data, t->a.size);
	if (err == M2M_OK && b.len > M2M_EUICC_FSX_MAX)
		err = M2M_ERR_BOUNDS;
	if (err != M2M_OK)
		goto out;
	euicc_fsx_free(k);
	/* The list's bytes move to the package (m2m_buf_free would wipe and free them). */
	k->fsx = b.data;
	k->fsx_len = b.len;
	m2m_buf_init(&b);
out:
	m2m_buf_free(&b);
	return err;
}

void euicc_fsx_apply(const m2m_euicc_pkg *k, m2m_saip_fs *fs)
{
	m2m_tlv_iter it;
	m2m_tlv path, data;
	uint16_t fids[PATH_MAX_LEVELS];
	size_t size;

	m2m_tlv_iter_init(&it, k->fsx, k->fsx_len, M2M_TLV_DER);
	while (next_rec(&it, &path, &data, &size) == M2M_OK) {
		m2m_saip_fs_node *n;
		for (size_t i = 0; i < path.len / 2; i++)
			fids[i] = (uint16_t)(path.value[2 * i] << 8 | path.value[2 * i + 1]);
		n = m2m_saip_fs_find_fids(fs, fids, path.len / 2);
		if (n != NULL && n->a.kind == M2M_SAIP_FS_EF && n->link == NULL &&
		    n->a.size == data.len)
			(void)m2m_saip_fs_write(n, 0, data.value, data.len);
	}
}

void euicc_fsx_free(m2m_euicc_pkg *k)
{
	if (k->fsx != NULL)
		m2m_wipe(k->fsx, k->fsx_len);
	free(k->fsx);
	k->fsx = NULL;
	k->fsx_len = 0;
}
