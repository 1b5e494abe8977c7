/*
 * An arena behind the asn1c runtime's CALLOC/MALLOC/REALLOC/FREEMEM (asn_internal.h calls the
 * m2m_asn1_* functions below; scripts/gen-asn1.sh hooks them in). docs/saip.md, "Allocation".
 *
 * Outside a scope every function is its libc counterpart. Between m2m_asn1_arena_begin(&a)
 * and m2m_asn1_arena_end(&a) on a thread, the asn1 library's allocations on that thread are
 * carved from a's chunks and FREEMEM of a pointer inside an active arena does nothing; the
 * end wipes every byte handed out (trees hold keys) and drops them all at once.
 *
 * Rules for code using a scope:
 * - a tree (or any asn1 allocation) made inside a scope is freed (ASN_STRUCT_FREE) or
 *   abandoned before the scope ends, and never used after it: never open a scope around an
 *   API that returns a tree to its caller;
 * - memory a tree owns is released with m2m_asn1_free / m2m_asn1_realloc (or FREEMEM /
 *   REALLOC), never with free() / realloc(); memory calloc()'d by libc and handed to a tree is
 *   fine inside or outside a scope (it is not in an arena, so FREEMEM gives it to free()).
 * Scopes nest: an inner scope allocates from its own arena, and FREEMEM of a pointer of any
 * enclosing active arena is a no-op. Scopes end in reverse order of their begin.
 */
#ifndef M2M_ASN1_ALLOC_H
#define M2M_ASN1_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

typedef struct m2m_asn1_chunk m2m_asn1_chunk;

typedef struct m2m_asn1_arena {
	m2m_asn1_chunk *head;          /* chunks in use, the one being filled first */
	m2m_asn1_chunk *spare;         /* wiped standard chunks kept for the next scope */
	m2m_asn1_chunk *hint;          /* the chunk of the last pointer looked up */
	struct m2m_asn1_arena *outer;  /* the scope this one is nested in */
	size_t used;                   /* bytes handed out in this scope, headers included */
	size_t peak;                   /* largest `used` at the end of a scope */
	bool active;
} m2m_asn1_arena;

/* Chunk size: most elements of a TS.48 package fit in one; a larger request gets a chunk
 * of its own. */
#define M2M_ASN1_CHUNK (64u * 1024u)
/* Standard chunks an ended arena keeps for reuse (the rest are freed). */
#define M2M_ASN1_KEEP 16u

void m2m_asn1_arena_init(m2m_asn1_arena *a);
/* Opens a scope on the calling thread. A scope already open on a is a caller bug: ignored. */
void m2m_asn1_arena_begin(m2m_asn1_arena *a);
/* Closes the scope: every chunk is wiped; standard chunks are kept for the next begin (up to
 * M2M_ASN1_KEEP), others freed. a must be the innermost open scope of the thread. */
void m2m_asn1_arena_end(m2m_asn1_arena *a);
/* Frees the chunks an ended arena keeps (ends the scope first if it is open). */
void m2m_asn1_arena_release(m2m_asn1_arena *a);

/* Whether p lies in an active arena of the calling thread (FREEMEM would ignore it). */
bool m2m_asn1_arena_owns(const void *p);

void *m2m_asn1_calloc(size_t nmemb, size_t size);
void *m2m_asn1_malloc(size_t size);
void *m2m_asn1_realloc(void *p, size_t size);
void m2m_asn1_free(void *p);

#endif
