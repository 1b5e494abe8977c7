#include "core/tlv.h"

#include <stdio.h>
#include <string.h>

#include "core/hex.h"

static m2m_err decode_at(const uint8_t *p, size_t n, unsigned flags, unsigned depth,
			 m2m_tlv *out, size_t *err_off);

static m2m_err fail(m2m_err err, size_t off, size_t *err_off)
{
	if (err_off != NULL)
		*err_off = off;
	return err;
}

static m2m_err read_tag(const uint8_t *p, size_t n, m2m_tlv *t, size_t *err_off)
{
	if (n == 0)
		return fail(M2M_ERR_TLV_TRUNCATED, 0, err_off);
	if (p[0] == 0x00)
		return fail(M2M_ERR_TLV_TAG, 0, err_off); /* reserved for end-of-contents */
	uint32_t tag = p[0];
	size_t i = 1;
	if ((p[0] & 0x1F) == 0x1F) {
		do {
			if (i >= 3)
				return fail(M2M_ERR_TLV_TAG, i, err_off);
			if (i >= n)
				return fail(M2M_ERR_TLV_TRUNCATED, i, err_off);
			/* X.690 8.1.2.4.2: the first subsequent byte may not be 80. */
			if (i == 1 && p[1] == 0x80)
				return fail(M2M_ERR_TLV_TAG, 1, err_off);
			tag = tag << 8 | p[i];
			i++;
		} while (p[i - 1] & 0x80);
	}
	t->tag = tag;
	t->tag_len = (uint8_t)i;
	t->constructed = (p[0] & 0x20) != 0;
	return M2M_OK;
}

/* Reads the length bytes at p[pos]; sets t->len (definite) or t->indefinite, and hdr_len. */
static m2m_err read_len(const uint8_t *p, size_t n, size_t pos, unsigned flags, m2m_tlv *t,
			size_t *err_off)
{
	if (pos >= n)
		return fail(M2M_ERR_TLV_TRUNCATED, pos, err_off);
	uint8_t first = p[pos];
	t->indefinite = false;
	if (first < 0x80) {
		t->len = first;
		t->hdr_len = pos + 1;
		return M2M_OK;
	}
	if (first == 0x80) {
		if ((flags & M2M_TLV_DER) || !t->constructed)
			return fail(M2M_ERR_TLV_INDEF, pos, err_off);
		t->indefinite = true;
		t->len = 0;
		t->hdr_len = pos + 1;
		return M2M_OK;
	}
	size_t k = first & 0x7F;
	if (k > 4)
		return fail(M2M_ERR_TLV_LENGTH, pos, err_off);
	if (n - pos - 1 < k)
		return fail(M2M_ERR_TLV_TRUNCATED, n, err_off);
	size_t len = 0;
	for (size_t i = 0; i < k; i++)
		len = len << 8 | p[pos + 1 + i];
	/* DER: the shortest form only (no 81 xx below 80, no leading zero bytes). */
	if ((flags & M2M_TLV_DER) && (len < 0x80 || p[pos + 1] == 0))
		return fail(M2M_ERR_TLV_LENGTH, pos, err_off);
	t->len = len;
	t->hdr_len = pos + 1 + k;
	return M2M_OK;
}

/* Finds the end-of-contents of an indefinite TLV whose contents start at p[start]. */
static m2m_err scan_indefinite(const uint8_t *p, size_t n, size_t start, unsigned flags,
			       unsigned depth, m2m_tlv *t, size_t *err_off)
{
	size_t cur = start;
	for (;;) {
		if (cur >= n)
			return fail(M2M_ERR_TLV_INDEF, n, err_off);
		if (p[cur] == 0x00) {
			if (n - cur < 2 || p[cur + 1] != 0x00)
				return fail(M2M_ERR_TLV_INDEF, cur, err_off);
			break;
		}
		m2m_tlv child;
		size_t off = 0;
		m2m_err err = decode_at(p + cur, n - cur, flags, depth + 1, &child, &off);
		if (err != M2M_OK)
			return fail(err, cur + off, err_off);
		cur += child.size;
	}
	t->value = p + start;
	t->len = cur - start;
	t->size = cur + 2;
	return M2M_OK;
}

static m2m_err decode_at(const uint8_t *p, size_t n, unsigned flags, unsigned depth,
			 m2m_tlv *out, size_t *err_off)
{
	if (depth > M2M_TLV_MAX_DEPTH)
		return fail(M2M_ERR_TLV_DEPTH, 0, err_off);
	m2m_tlv t;
	memset(&t, 0, sizeof t);
	m2m_err err = read_tag(p, n, &t, err_off);
	if (err == M2M_OK)
		err = read_len(p, n, t.tag_len, flags, &t, err_off);
	if (err != M2M_OK)
		return err;
	if (t.indefinite) {
		err = scan_indefinite(p, n, t.hdr_len, flags, depth, &t, err_off);
		if (err != M2M_OK)
			return err;
	} else {
		if (t.len > n - t.hdr_len)
			return fail(M2M_ERR_TLV_OVERRUN, t.tag_len, err_off);
		t.value = p + t.hdr_len;
		t.size = t.hdr_len + t.len;
	}
	*out = t;
	return M2M_OK;
}

m2m_err m2m_tlv_decode(const uint8_t *p, size_t n, unsigned flags, m2m_tlv *out, size_t *err_off)
{
	if (p == NULL && n > 0)
		return M2M_ERR_ARG;
	return decode_at(p, n, flags, 0, out, err_off);
}

m2m_err m2m_tlv_decode_one(const uint8_t *p, size_t n, unsigned flags, m2m_tlv *out,
			   size_t *err_off)
{
	m2m_err err = m2m_tlv_decode(p, n, flags, out, err_off);
	if (err == M2M_OK && out->size != n)
		return fail(M2M_ERR_TLV_TRAILING, out->size, err_off);
	return err;
}

void m2m_tlv_iter_init(m2m_tlv_iter *it, const uint8_t *p, size_t n, unsigned flags)
{
	it->p = p;
	it->len = p != NULL ? n : 0;
	it->pos = 0;
	it->flags = flags;
	it->err_off = 0;
}

void m2m_tlv_iter_children(m2m_tlv_iter *it, const m2m_tlv *parent, unsigned flags)
{
	m2m_tlv_iter_init(it, parent->value, parent->len, flags);
}

m2m_err m2m_tlv_next(m2m_tlv_iter *it, m2m_tlv *out)
{
	if (it->pos >= it->len)
		return M2M_END;
	size_t off = 0;
	m2m_err err = decode_at(it->p + it->pos, it->len - it->pos, it->flags, 0, out, &off);
	if (err != M2M_OK) {
		it->err_off = it->pos + off;
		return err;
	}
	it->pos += out->size;
	return M2M_OK;
}

m2m_err m2m_tlv_find(const uint8_t *p, size_t n, unsigned flags, uint32_t tag, m2m_tlv *out)
{
	m2m_tlv_iter it;
	m2m_tlv_iter_init(&it, p, n, flags);
	m2m_err err;
	while ((err = m2m_tlv_next(&it, out)) == M2M_OK) {
		if (out->tag == tag)
			return M2M_OK;
	}
	return err == M2M_END ? M2M_ERR_TLV_NOT_FOUND : err;
}

bool m2m_tlv_is_opaque(uint32_t tag)
{
	return tag == 0x22 || tag == 0x23;
}

/* Pre-order walk of a TLV sequence; visit (optional) sees each TLV with its depth. */
typedef m2m_err (*visit_fn)(void *ctx, const m2m_tlv *t, unsigned depth);

static m2m_err walk(const uint8_t *p, size_t n, unsigned flags, unsigned depth, visit_fn visit,
		    void *ctx, size_t *err_off)
{
	if (depth > M2M_TLV_MAX_DEPTH)
		return fail(M2M_ERR_TLV_DEPTH, 0, err_off);
	m2m_tlv_iter it;
	m2m_tlv t;
	m2m_err err;
	m2m_tlv_iter_init(&it, p, n, flags);
	while ((err = m2m_tlv_next(&it, &t)) == M2M_OK) {
		size_t start = it.pos - t.size;
		if (visit != NULL && (err = visit(ctx, &t, depth)) != M2M_OK)
			return fail(err, start, err_off);
		if (t.constructed && !m2m_tlv_is_opaque(t.tag)) {
			size_t off = 0;
			err = walk(t.value, t.len, flags, depth + 1, visit, ctx, &off);
			if (err != M2M_OK)
				return fail(err, start + t.hdr_len + off, err_off);
		}
	}
	if (err != M2M_END)
		return fail(err, it.err_off, err_off);
	return M2M_OK;
}

m2m_err m2m_tlv_validate(const uint8_t *p, size_t n, unsigned flags, size_t *err_off)
{
	return walk(p, n, flags, 0, NULL, NULL, err_off);
}

static m2m_err dump_visit(void *ctx, const m2m_tlv *t, unsigned depth)
{
	m2m_buf *out = ctx;
	char line[2 * M2M_TLV_MAX_DEPTH + 96]; /* indentation + tag + length */
	int k;
	if (t->indefinite)
		k = snprintf(line, sizeof line, "%*s%0*X (indefinite)", (int)(2 * depth), "",
			     2 * t->tag_len, (unsigned)t->tag);
	else
		k = snprintf(line, sizeof line, "%*s%0*X (%zu)", (int)(2 * depth), "",
			     2 * t->tag_len, (unsigned)t->tag, t->len);
	if (k < 0 || (size_t)k >= sizeof line)
		return M2M_ERR_BOUNDS;
	m2m_err err = m2m_buf_append(out, line, (size_t)k);
	bool leaf = !t->constructed || m2m_tlv_is_opaque(t->tag);
	if (err == M2M_OK && leaf && t->len > 0)
		err = m2m_buf_append(out, ": ", 2);
	if (err == M2M_OK && leaf)
		err = m2m_hex_append(out, t->value, t->len);
	if (err == M2M_OK)
		err = m2m_buf_append_u8(out, '\n');
	return err;
}

m2m_err m2m_tlv_dump(const uint8_t *p, size_t n, unsigned flags, m2m_buf *out, size_t *err_off)
{
	size_t start = out->len;
	m2m_err err = walk(p, n, flags, 0, dump_visit, out, err_off);
	if (err == M2M_OK)
		err = m2m_buf_append_u8(out, '\0');
	if (err == M2M_OK)
		out->len--; /* keep the NUL out of the length */
	else
		out->len = start;
	return err;
}

size_t m2m_tlv_tag_size(uint32_t tag)
{
	if (tag == 0)
		return 0;
	if (tag <= 0xFF)
		return (tag & 0x1F) != 0x1F ? 1 : 0;
	if (tag <= 0xFFFF) {
		uint8_t b0 = (uint8_t)(tag >> 8), b1 = (uint8_t)tag;
		return ((b0 & 0x1F) == 0x1F && !(b1 & 0x80)) ? 2 : 0;
	}
	if (tag <= 0xFFFFFF) {
		uint8_t b0 = (uint8_t)(tag >> 16), b1 = (uint8_t)(tag >> 8), b2 = (uint8_t)tag;
		return ((b0 & 0x1F) == 0x1F && (b1 & 0x80) && b1 != 0x80 && !(b2 & 0x80)) ? 3 : 0;
	}
	return 0;
}

m2m_err m2m_tlv_put_tag(m2m_buf *b, uint32_t tag)
{
	size_t k = m2m_tlv_tag_size(tag);
	if (k == 0)
		return M2M_ERR_TLV_TAG;
	uint8_t t[3];
	for (size_t i = 0; i < k; i++)
		t[i] = (uint8_t)(tag >> (8 * (k - 1 - i)));
	return m2m_buf_append(b, t, k);
}

static size_t encode_len(size_t len, uint8_t out[5])
{
	if (len < 0x80) {
		out[0] = (uint8_t)len;
		return 1;
	}
	size_t k = len <= 0xFF ? 1 : len <= 0xFFFF ? 2 : len <= 0xFFFFFF ? 3 : 4;
	out[0] = (uint8_t)(0x80 | k);
	for (size_t i = 0; i < k; i++)
		out[1 + i] = (uint8_t)(len >> (8 * (k - 1 - i)));
	return k + 1;
}

m2m_err m2m_tlv_put_len(m2m_buf *b, size_t len)
{
	if (len > 0xFFFFFFFFu)
		return M2M_ERR_TLV_LENGTH;
	uint8_t t[5];
	return m2m_buf_append(b, t, encode_len(len, t));
}

m2m_err m2m_tlv_put(m2m_buf *b, uint32_t tag, const void *value, size_t len)
{
	size_t mark = b->len;
	m2m_err err = m2m_tlv_put_tag(b, tag);
	if (err == M2M_OK)
		err = m2m_tlv_put_len(b, len);
	if (err == M2M_OK)
		err = m2m_buf_append(b, value, len);
	if (err != M2M_OK)
		b->len = mark;
	return err;
}

m2m_err m2m_tlv_put_u8(m2m_buf *b, uint32_t tag, uint8_t v)
{
	return m2m_tlv_put(b, tag, &v, 1);
}

m2m_err m2m_tlv_begin(m2m_buf *b, uint32_t tag, size_t *mark)
{
	m2m_err err = m2m_tlv_put_tag(b, tag);
	if (err == M2M_OK)
		*mark = b->len;
	return err;
}

m2m_err m2m_tlv_end(m2m_buf *b, size_t mark)
{
	if (mark > b->len)
		return M2M_ERR_ARG;
	size_t len = b->len - mark;
	if (len > 0xFFFFFFFFu)
		return M2M_ERR_TLV_LENGTH;
	uint8_t t[5];
	return m2m_buf_insert(b, mark, t, encode_len(len, t));
}

m2m_err m2m_tlv_begin_indef(m2m_buf *b, uint32_t tag)
{
	size_t k = m2m_tlv_tag_size(tag);
	/* only constructed tags may use the indefinite form */
	if (k == 0 || !((tag >> (8 * (k - 1))) & 0x20))
		return M2M_ERR_TLV_TAG;
	m2m_err err = m2m_tlv_put_tag(b, tag);
	if (err == M2M_OK)
		err = m2m_buf_append_u8(b, 0x80);
	return err;
}

m2m_err m2m_tlv_end_indef(m2m_buf *b)
{
	return m2m_buf_append_u16be(b, 0x0000);
}
