/*
 * TCA (formerly SIMalliance) eUICC Profile Packages, the "SAIP" format SGP.02 downloads: a
 * sequence of DER ProfileElements (PE_Definitions 3.3.1, asn1c output in src/saip/asn1/).
 * Elements are decoded one at a time, so a package can be streamed (SCP03t segments) with
 * memory bounded by its largest element; errors name the element that failed.
 */
#ifndef M2M_SAIP_SAIP_H
#define M2M_SAIP_SAIP_H

#include <stddef.h>
#include <stdint.h>

#include "ProfileElement.h"
#include "core/buf.h"
#include "core/err.h"

#define M2M_SAIP_FILE_MAX (4u * 1024 * 1024)    /* largest package file read */
#define M2M_SAIP_ELEMENT_MAX (1024u * 1024)     /* default bound on one element */

/* Where and why decoding or checking failed. */
typedef struct {
	size_t index;   /* 0-based element number */
	size_t offset;  /* byte offset of that element in the package */
	char type[32];  /* the element's CHOICE name when known, else "" */
	char msg[160];
} m2m_saip_error;

/* One decoded element and where it sat in the package. */
typedef struct {
	ProfileElement_t *pe;
	size_t offset;
	size_t len; /* its DER length */
} m2m_saip_element;

/* A whole package, elements in order. */
typedef struct {
	m2m_saip_element *el;
	size_t count;
	size_t cap;
} m2m_saip_pkg;

/* The element's name in the ProfileElement CHOICE: "header", "mf", "pinCodes"...;
 * "unknown" for an empty or unrecognised one. */
const char *m2m_saip_pe_type(const ProfileElement_t *pe);

/* The CHOICE name an element's outer tag at p selects, NULL if none (or no complete tag). */
const char *m2m_saip_tag_type(const uint8_t *p, size_t n);
/* Fills err->type and err->msg (printf format); index and offset are left to the caller. */
void m2m_saip_error_set(m2m_saip_error *err, const char *type, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Decodes the one element at the start of p (DER, BER accepted). *consumed gets its length. */
m2m_err m2m_saip_pe_decode(const uint8_t *p, size_t n, ProfileElement_t **pe, size_t *consumed,
			   m2m_saip_error *err);
/* Appends the DER encoding of pe. */
m2m_err m2m_saip_pe_encode(const ProfileElement_t *pe, m2m_buf *out);
void m2m_saip_pe_free(ProfileElement_t *pe);
/* Drops a tree without asn1c's free walk when it lies in an active tree arena of the thread
 * (asn1_alloc.h): its memory goes when the scope ends. Only for a tree decoded inside the
 * scope and since then only read or encoded: memory calloc()'d by libc and handed to it
 * (JSON, personalisation) would leak. A tree outside any arena is freed (m2m_saip_pe_free). */
void m2m_saip_pe_abandon(ProfileElement_t *pe);

void m2m_saip_pkg_init(m2m_saip_pkg *pkg);
void m2m_saip_pkg_free(m2m_saip_pkg *pkg);
/* m2m_saip_pkg_free with m2m_saip_pe_abandon for each element (same rules). */
void m2m_saip_pkg_abandon(m2m_saip_pkg *pkg);
/* Takes ownership of pe. */
m2m_err m2m_saip_pkg_append(m2m_saip_pkg *pkg, ProfileElement_t *pe, size_t offset, size_t len);
/* A whole package: every byte must belong to an element. */
m2m_err m2m_saip_decode(const uint8_t *der, size_t len, m2m_saip_pkg *pkg, m2m_saip_error *err);
m2m_err m2m_saip_encode(const m2m_saip_pkg *pkg, m2m_buf *out);
/* Reads a package file (at most M2M_SAIP_FILE_MAX bytes): M2M_ERR_IO if it cannot. */
m2m_err m2m_saip_read_file(const char *path, m2m_buf *out);

/* Streaming: bytes in as they arrive, whole elements out. Memory holds the element being
 * received plus the bytes fed since the last element was taken: feed segments and drain
 * with next() after each feed. An element whose header declares more than max_element bytes
 * (or an indefinite one that grows past it) is refused as soon as that is known. After an
 * error the stream stays on the failing element: next() reports it again. */
typedef struct {
	m2m_buf pending;    /* bytes received and not yet returned start at pending.data + head */
	size_t head;        /* bytes at the front of pending already returned (dropped on feed) */
	size_t index;       /* elements returned so far */
	size_t offset;      /* package offset of pending.data[head] */
	size_t max_element; /* larger elements are refused */
} m2m_saip_stream;

/* max_element 0 means M2M_SAIP_ELEMENT_MAX. */
void m2m_saip_stream_init(m2m_saip_stream *s, size_t max_element);
m2m_err m2m_saip_stream_feed(m2m_saip_stream *s, const uint8_t *p, size_t n);
/* M2M_OK with the next element (the caller frees el->pe), M2M_END when more bytes are needed,
 * or an error with err filled. */
m2m_err m2m_saip_stream_next(m2m_saip_stream *s, m2m_saip_element *el, m2m_saip_error *err);
/* At the end of the input: M2M_OK if no partial element is left, else an error. */
m2m_err m2m_saip_stream_finish(const m2m_saip_stream *s, m2m_saip_error *err);
void m2m_saip_stream_free(m2m_saip_stream *s);

#endif
