/* The asn1c arena (asn1_alloc.h): bump allocation in chunks, FREEMEM a no-op inside the
 * arena, everything wiped and dropped when the scope ends. */
#include "asn1_alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

/* Under AddressSanitizer the arena keeps what malloc would catch: bytes not handed out,
 * block headers and freed blocks are poisoned, so overflows and uses after FREEMEM inside a
 * scope are still reported. */
#if defined(__SANITIZE_ADDRESS__)
#define M2M_ASN1_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define M2M_ASN1_ASAN 1
#endif
#endif
#ifdef M2M_ASN1_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define ALIGN 16u
#define ROUND(n) (((n) + (ALIGN - 1)) & ~(size_t)(ALIGN - 1))
/* A request over this gets a chunk of its own, so a standard chunk is never mostly empty. */
#define BIG (M2M_ASN1_CHUNK / 4)
/* Requests are refused far below the point where ROUND or the header could overflow. */
#define REQUEST_MAX (SIZE_MAX / 4)

/* Bytes above `used` are zero (chunks come from calloc and are wiped before reuse): calloc
 * from the arena needs no memset. */
struct m2m_asn1_chunk {
	m2m_asn1_chunk *next;
	size_t cap;  /* data bytes */
	size_t used; /* data bytes handed out, headers included */
};

/* Before each block: its capacity (for REALLOC in place) and the size asked (the bytes a
 * moving REALLOC copies). */
typedef struct {
	size_t cap;
	size_t len;
} block_hdr;

#define CHUNK_HDR ROUND(sizeof(m2m_asn1_chunk))
#define BLOCK_HDR ROUND(sizeof(block_hdr))

static _Thread_local m2m_asn1_arena *innermost;

static unsigned char *data_of(m2m_asn1_chunk *c)
{
	return (unsigned char *)c + CHUNK_HDR;
}

static block_hdr hdr_get(const unsigned char *p)
{
	block_hdr h;
	UNPOISON(p - BLOCK_HDR, BLOCK_HDR);
	memcpy(&h, p - BLOCK_HDR, sizeof h);
	POISON(p - BLOCK_HDR, BLOCK_HDR);
	return h;
}

static void hdr_set(unsigned char *p, size_t cap, size_t len)
{
	block_hdr h = {cap, len};
	UNPOISON(p - BLOCK_HDR, BLOCK_HDR);
	memcpy(p - BLOCK_HDR, &h, sizeof h);
	POISON(p - BLOCK_HDR, BLOCK_HDR);
}

/* The chunk of an active arena of this thread holding p, and that arena. A tree is freed
 * node after node, so the chunk of the previous hit is tried first. */
static m2m_asn1_chunk *chunk_of(const void *p, m2m_asn1_arena **owner)
{
	uintptr_t u = (uintptr_t)p;
	m2m_asn1_arena *a = innermost;
	m2m_asn1_chunk *c = a != NULL ? a->hint : NULL;
	if (c != NULL && u - (uintptr_t)data_of(c) < c->cap) {
		*owner = a;
		return c;
	}
	for (; a != NULL; a = a->outer)
		for (c = a->head; c != NULL; c = c->next)
			if (u - (uintptr_t)data_of(c) < c->cap) {
				*owner = a;
				if (a == innermost)
					a->hint = c;
				return c;
			}
	return NULL;
}

static m2m_asn1_chunk *chunk_new(size_t cap)
{
	m2m_asn1_chunk *c = calloc(1, CHUNK_HDR + cap);
	if (c != NULL) {
		c->cap = cap;
		POISON(data_of(c), cap);
	}
	return c;
}

/* A chunk with room for need bytes: a spare or new standard one becomes the head; a big
 * request gets its own chunk behind the head, which keeps being filled. */
static m2m_asn1_chunk *chunk_take(m2m_asn1_arena *a, size_t need)
{
	m2m_asn1_chunk *c;
	if (need > BIG) {
		c = chunk_new(need);
		if (c != NULL && a->head != NULL) {
			c->next = a->head->next;
			a->head->next = c;
		} else if (c != NULL) {
			a->head = c;
		}
		return c;
	}
	c = a->spare;
	if (c != NULL)
		a->spare = c->next;
	else if ((c = chunk_new(M2M_ASN1_CHUNK)) == NULL)
		return NULL;
	c->next = a->head;
	a->head = c;
	return c;
}

static void *arena_alloc(m2m_asn1_arena *a, size_t size)
{
	if (size > REQUEST_MAX)
		return NULL;
	size_t cap = ROUND(size > 0 ? size : 1), need = BLOCK_HDR + cap;
	m2m_asn1_chunk *c = a->head;
	if (c == NULL || c->cap - c->used < need)
		c = chunk_take(a, need);
	if (c == NULL)
		return NULL;
	unsigned char *p = data_of(c) + c->used + BLOCK_HDR;
	c->used += need;
	a->used += need;
	hdr_set(p, cap, size);
	UNPOISON(p, size);
	return p;
}

void m2m_asn1_arena_init(m2m_asn1_arena *a)
{
	memset(a, 0, sizeof *a);
}

void m2m_asn1_arena_begin(m2m_asn1_arena *a)
{
	if (a == NULL || a->active)
		return;
	a->outer = innermost;
	a->used = 0;
	a->active = true;
	innermost = a;
}

/* Wipes what the scope handed out; the chunk is then all zero again. */
static void chunk_wipe(m2m_asn1_chunk *c)
{
	UNPOISON(data_of(c), c->used);
	m2m_wipe(data_of(c), c->used);
	POISON(data_of(c), c->cap);
	c->used = 0;
}

static void unlink_scope(m2m_asn1_arena *a)
{
	m2m_asn1_arena **pp = &innermost;
	while (*pp != NULL && *pp != a)
		pp = &(*pp)->outer;
	if (*pp == a)
		*pp = a->outer;
	a->outer = NULL;
}

void m2m_asn1_arena_end(m2m_asn1_arena *a)
{
	if (a == NULL || !a->active)
		return;
	/* Ending out of order is a caller bug; unlinking it wherever it is keeps the chain
	 * valid. */
	unlink_scope(a);
	size_t kept = 0;
	for (m2m_asn1_chunk *s = a->spare; s != NULL; s = s->next)
		kept++;
	m2m_asn1_chunk *c = a->head, *next;
	for (; c != NULL; c = next) {
		next = c->next;
		chunk_wipe(c);
		if (c->cap == M2M_ASN1_CHUNK && kept < M2M_ASN1_KEEP) {
			c->next = a->spare;
			a->spare = c;
			kept++;
		} else {
			free(c);
		}
	}
	a->head = NULL;
	a->hint = NULL;
	if (a->used > a->peak)
		a->peak = a->used;
	a->used = 0;
	a->active = false;
}

void m2m_asn1_arena_release(m2m_asn1_arena *a)
{
	if (a == NULL)
		return;
	m2m_asn1_arena_end(a);
	m2m_asn1_chunk *c = a->spare, *next;
	for (; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->spare = NULL;
}

bool m2m_asn1_arena_owns(const void *p)
{
	m2m_asn1_arena *a;
	return p != NULL && chunk_of(p, &a) != NULL;
}

void *m2m_asn1_calloc(size_t nmemb, size_t size)
{
	size_t n;
	if (innermost == NULL)
		return calloc(nmemb, size);
	if (__builtin_mul_overflow(nmemb, size, &n))
		return NULL;
	return arena_alloc(innermost, n);
}

void *m2m_asn1_malloc(size_t size)
{
	return innermost == NULL ? malloc(size) : arena_alloc(innermost, size);
}

/* An arena block grows in place when it is the last of its chunk and the chunk has room;
 * otherwise it moves within the same arena (an outer scope's tree stays in its arena). */
static void *arena_realloc(m2m_asn1_arena *a, m2m_asn1_chunk *c, unsigned char *p, size_t size)
{
	if (size > REQUEST_MAX)
		return NULL;
	block_hdr h = hdr_get(p);
	size_t cap = ROUND(size > 0 ? size : 1);
	bool last = p + h.cap == data_of(c) + c->used;
	if (cap > h.cap && last && c->cap - c->used >= cap - h.cap) {
		c->used += cap - h.cap;
		a->used += cap - h.cap;
		h.cap = cap;
	}
	if (cap <= h.cap) {
		POISON(p, h.cap);
		UNPOISON(p, size);
		hdr_set(p, h.cap, size);
		return p;
	}
	unsigned char *q = arena_alloc(a, size);
	if (q != NULL) {
		memcpy(q, p, h.len < size ? h.len : size);
		POISON(p, h.cap);
	}
	return q;
}

void *m2m_asn1_realloc(void *p, size_t size)
{
	m2m_asn1_arena *a;
	m2m_asn1_chunk *c;
	if (innermost == NULL)
		return realloc(p, size);
	if (p == NULL)
		return arena_alloc(innermost, size);
	if ((c = chunk_of(p, &a)) == NULL)
		return realloc(p, size);
	return arena_realloc(a, c, p, size);
}

void m2m_asn1_free(void *p)
{
	m2m_asn1_arena *a;
	m2m_asn1_chunk *c;
	if (p == NULL)
		return;
	if (innermost == NULL || (c = chunk_of(p, &a)) == NULL) {
		free(p);
		return;
	}
	/* Nothing to give back before the scope ends; under ASan later uses are reported (the
	 * span is clamped to the chunk, should p not be a block's start). */
	size_t cap = hdr_get(p).cap, room = (size_t)(data_of(c) + c->used - (unsigned char *)p);
	POISON(p, cap < room ? cap : room);
}
