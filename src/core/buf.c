#include "core/buf.h"

#include <stdlib.h>
#include <string.h>

void m2m_wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		explicit_bzero(p, n);
}

void m2m_buf_init(m2m_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->fixed = false;
}

void m2m_buf_init_fixed(m2m_buf *b, uint8_t *mem, size_t cap)
{
	b->data = mem;
	b->len = 0;
	b->cap = cap;
	b->fixed = true;
}

void m2m_buf_free(m2m_buf *b)
{
	m2m_wipe(b->data, b->cap);
	if (!b->fixed)
		free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void m2m_buf_reset(m2m_buf *b)
{
	m2m_wipe(b->data, b->len);
	b->len = 0;
}

m2m_err m2m_buf_reserve(m2m_buf *b, size_t extra)
{
	if (extra > SIZE_MAX - b->len)
		return M2M_ERR_BOUNDS;
	size_t need = b->len + extra;
	if (need <= b->cap)
		return M2M_OK;
	if (b->fixed)
		return M2M_ERR_BOUNDS;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	/* realloc could leave a stale copy of secrets behind; copy and wipe instead. */
	uint8_t *p = malloc(cap);
	if (p == NULL)
		return M2M_ERR_NOMEM;
	if (b->len > 0)
		memcpy(p, b->data, b->len);
	m2m_wipe(b->data, b->cap);
	free(b->data);
	b->data = p;
	b->cap = cap;
	return M2M_OK;
}

m2m_err m2m_buf_append(m2m_buf *b, const void *p, size_t n)
{
	m2m_err err = m2m_buf_reserve(b, n);
	if (err != M2M_OK)
		return err;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return M2M_OK;
}

m2m_err m2m_buf_append_u8(m2m_buf *b, uint8_t v)
{
	return m2m_buf_append(b, &v, 1);
}

m2m_err m2m_buf_append_u16be(m2m_buf *b, uint16_t v)
{
	uint8_t t[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	return m2m_buf_append(b, t, sizeof t);
}

m2m_err m2m_buf_append_u32be(m2m_buf *b, uint32_t v)
{
	uint8_t t[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	return m2m_buf_append(b, t, sizeof t);
}

m2m_err m2m_buf_append_fill(m2m_buf *b, uint8_t v, size_t n)
{
	m2m_err err = m2m_buf_reserve(b, n);
	if (err != M2M_OK)
		return err;
	memset(b->data + b->len, v, n);
	b->len += n;
	return M2M_OK;
}

m2m_err m2m_buf_insert(m2m_buf *b, size_t off, const void *p, size_t n)
{
	if (off > b->len)
		return M2M_ERR_BOUNDS;
	m2m_err err = m2m_buf_reserve(b, n);
	if (err != M2M_OK)
		return err;
	memmove(b->data + off + n, b->data + off, b->len - off);
	memcpy(b->data + off, p, n);
	b->len += n;
	return M2M_OK;
}

void m2m_rd_init(m2m_rd *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = p != NULL ? len : 0;
	r->pos = 0;
}

size_t m2m_rd_left(const m2m_rd *r)
{
	return r->len - r->pos;
}

m2m_err m2m_rd_take(m2m_rd *r, size_t n, const uint8_t **p)
{
	if (n > m2m_rd_left(r))
		return M2M_ERR_BOUNDS;
	*p = r->p + r->pos;
	r->pos += n;
	return M2M_OK;
}

m2m_err m2m_rd_copy(m2m_rd *r, void *out, size_t n)
{
	const uint8_t *p;
	m2m_err err = m2m_rd_take(r, n, &p);
	if (err == M2M_OK && n > 0)
		memcpy(out, p, n);
	return err;
}

m2m_err m2m_rd_u8(m2m_rd *r, uint8_t *v)
{
	return m2m_rd_copy(r, v, 1);
}

m2m_err m2m_rd_u16be(m2m_rd *r, uint16_t *v)
{
	const uint8_t *p;
	m2m_err err = m2m_rd_take(r, 2, &p);
	if (err == M2M_OK)
		*v = (uint16_t)((p[0] << 8) | p[1]);
	return err;
}

m2m_err m2m_rd_u32be(m2m_rd *r, uint32_t *v)
{
	const uint8_t *p;
	m2m_err err = m2m_rd_take(r, 4, &p);
	if (err == M2M_OK)
		*v = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
	return err;
}
