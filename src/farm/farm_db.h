/*
 * The farm's SQLite database (WAL): one row per device with its saved eUICC state in the
 * reference form of farm_pkgs.h, the shared package bases, and a few meta values (the
 * throw-away EUM and CI keys when init generated them). docs/devices.md "Database".
 * Not thread-safe: one thread uses a handle.
 */
#ifndef M2M_FARM_DB_H
#define M2M_FARM_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "farm/farm_pkgs.h"

#define M2M_FARM_DB_FORMAT "m2mrsp-farm 1"

typedef struct m2m_farm_db m2m_farm_db;

typedef struct {
	int64_t id;
	uint8_t eid[16];
	char msisdn[16];
	unsigned notif;  /* pending notifications when last saved */
	m2m_buf state;   /* reference form (farm_pkgs.h) */
} m2m_farm_row;

/* create: make the file and the schema (an existing farm database is opened as is);
 * otherwise the file must exist and hold a farm database (M2M_ERR_FORMAT if not). I/O or
 * SQLite failures are M2M_ERR_IO. bulk: faster, unsafe writes (synchronous OFF) for init. */
m2m_err m2m_farm_db_open(const char *path, bool create, bool bulk, m2m_farm_db **out);
void m2m_farm_db_close(m2m_farm_db *db);
/* SQLite's last message (for logs). */
const char *m2m_farm_db_error(const m2m_farm_db *db);

m2m_err m2m_farm_db_begin(m2m_farm_db *db);
m2m_err m2m_farm_db_commit(m2m_farm_db *db);
void m2m_farm_db_rollback(m2m_farm_db *db);

/* Meta values: M2M_ERR_TLV_NOT_FOUND when absent. */
m2m_err m2m_farm_db_meta_put(m2m_farm_db *db, const char *key, const void *v, size_t n);
m2m_err m2m_farm_db_meta_get(m2m_farm_db *db, const char *key, m2m_buf *out);

/* Package bases: stores the ones not yet stored; loads all of them into s. */
m2m_err m2m_farm_db_pkgs_flush(m2m_farm_db *db, m2m_farm_pkgs *s);
m2m_err m2m_farm_db_pkgs_load(m2m_farm_db *db, m2m_farm_pkgs *s);

m2m_err m2m_farm_db_count(m2m_farm_db *db, uint64_t *n);
m2m_err m2m_farm_db_insert(m2m_farm_db *db, int64_t id, const uint8_t eid[16],
			   const char *msisdn, const uint8_t *state, size_t n, unsigned notif);
m2m_err m2m_farm_db_update(m2m_farm_db *db, int64_t id, const uint8_t *state, size_t n,
			   unsigned notif);

void m2m_farm_row_init(m2m_farm_row *r);
void m2m_farm_row_free(m2m_farm_row *r);
/* Look-ups: M2M_ERR_TLV_NOT_FOUND when there is no such device. */
m2m_err m2m_farm_db_by_eid(m2m_farm_db *db, const uint8_t eid[16], m2m_farm_row *r);
m2m_err m2m_farm_db_by_msisdn(m2m_farm_db *db, const char *msisdn, m2m_farm_row *r);
m2m_err m2m_farm_db_by_id(m2m_farm_db *db, int64_t id, m2m_farm_row *r);
/* Every device in id order (fn may stop the walk by returning an error, which is returned),
 * or only those saved with pending notifications. */
m2m_err m2m_farm_db_each(m2m_farm_db *db, bool pending_only,
			 m2m_err (*fn)(void *arg, const m2m_farm_row *r), void *arg);

#endif
