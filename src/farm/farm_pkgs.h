/*
 * Profile packages shared between device states. m2m_euicc_save writes each ISD-P's whole
 * package (A4 { ..., A2 { 80 complete, 81 L DER } }); a million devices with the same
 * bootstrap package would store a million copies. The farm stores each distinct package once
 * (a "base", keyed by its SHA-256) and rewrites the saved state so the package is a reference
 * to a base plus the few bytes that differ (a personalised ICCID, IMSI or key):
 *
 *   81 L DER   becomes   E1 L { 80 20 SHA-256(base), [81 L patches, 82 20 SHA-256(DER)] }
 *   patches:  ( offset (4 bytes, big-endian) | n (1 byte, 1..255) | n bytes )*, ascending,
 *             not overlapping, only for a package of the base's length
 *
 * Everything else in the saved state is copied byte for byte. Expansion is strict: a bad
 * reference, an unknown base, a patch out of range or a result whose hash differs is
 * M2M_ERR_FORMAT. docs/devices.md "Package sharing".
 */
#ifndef M2M_FARM_PKGS_H
#define M2M_FARM_PKGS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

#define M2M_FARM_PKGS_MAX 1024       /* bases held in one store */
#define M2M_FARM_PATCH_MAX 1024      /* a package differing more becomes a base of its own */
#define M2M_FARM_TAG_PKGREF 0xE1

typedef struct {
	uint8_t hash[32];
	uint8_t *data;
	size_t len;
	bool stored;                 /* the owner has persisted it */
} m2m_farm_pkg;

/* The bases, in memory. Safe to share between threads: entries never move or change once
 * added (only their `stored` flag, under the lock). */
typedef struct {
	pthread_mutex_t lock;
	m2m_farm_pkg *pkg[M2M_FARM_PKGS_MAX];
	size_t count;
} m2m_farm_pkgs;

m2m_err m2m_farm_pkgs_init(m2m_farm_pkgs *s);
void m2m_farm_pkgs_free(m2m_farm_pkgs *s);
/* Adds a base (copied) unless its hash is there; stored tells whether it is persisted. */
m2m_err m2m_farm_pkgs_add(m2m_farm_pkgs *s, const uint8_t *data, size_t len, bool stored,
			  const m2m_farm_pkg **out);
const m2m_farm_pkg *m2m_farm_pkgs_find(m2m_farm_pkgs *s, const uint8_t hash[32]);
/* Calls fn for each base not yet persisted and marks it stored when fn returns M2M_OK. */
m2m_err m2m_farm_pkgs_flush(m2m_farm_pkgs *s,
			    m2m_err (*fn)(void *arg, const m2m_farm_pkg *p), void *arg);

/* Saved eUICC state -> farm form: every package becomes a reference; a package matching no
 * base closely enough becomes a new base (not yet stored: see m2m_farm_pkgs_flush). */
m2m_err m2m_farm_state_strip(m2m_farm_pkgs *s, const uint8_t *state, size_t n, m2m_buf *out);
/* Farm form -> saved eUICC state (what m2m_euicc_load takes). */
m2m_err m2m_farm_state_expand(m2m_farm_pkgs *s, const uint8_t *blob, size_t n, m2m_buf *out);

#endif
