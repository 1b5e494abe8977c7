/* Bounds-checked byte buffers: a growable writer (m2m_buf) and a read cursor (m2m_rd). */
#ifndef M2M_CORE_BUF_H
#define M2M_CORE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* A buffer either owns heap memory (grows) or wraps caller memory (fixed capacity). */
typedef struct {
	uint8_t *data;
	size_t len;
	size_t cap;
	bool fixed;
} m2m_buf;

void m2m_buf_init(m2m_buf *b);
void m2m_buf_init_fixed(m2m_buf *b, uint8_t *mem, size_t cap);
/* Wipes the contents (they may be keys) and releases owned memory. */
void m2m_buf_free(m2m_buf *b);
void m2m_buf_reset(m2m_buf *b);
m2m_err m2m_buf_reserve(m2m_buf *b, size_t extra);
m2m_err m2m_buf_append(m2m_buf *b, const void *p, size_t n);
m2m_err m2m_buf_append_u8(m2m_buf *b, uint8_t v);
m2m_err m2m_buf_append_u16be(m2m_buf *b, uint16_t v);
m2m_err m2m_buf_append_u32be(m2m_buf *b, uint32_t v);
m2m_err m2m_buf_append_fill(m2m_buf *b, uint8_t v, size_t n);
/* Opens a gap of n bytes at offset off, moving the tail; used to insert TLV headers. */
m2m_err m2m_buf_insert(m2m_buf *b, size_t off, const void *p, size_t n);

typedef struct {
	const uint8_t *p;
	size_t len;
	size_t pos;
} m2m_rd;

void m2m_rd_init(m2m_rd *r, const uint8_t *p, size_t len);
size_t m2m_rd_left(const m2m_rd *r);
m2m_err m2m_rd_u8(m2m_rd *r, uint8_t *v);
m2m_err m2m_rd_u16be(m2m_rd *r, uint16_t *v);
m2m_err m2m_rd_u32be(m2m_rd *r, uint32_t *v);
/* Returns a pointer into the reader's data, no copy. */
m2m_err m2m_rd_take(m2m_rd *r, size_t n, const uint8_t **p);
m2m_err m2m_rd_copy(m2m_rd *r, void *out, size_t n);

/* Overwrites memory in a way the compiler may not remove; use on key material. */
void m2m_wipe(void *p, size_t n);

#endif
