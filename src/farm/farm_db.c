/* The farm's SQLite database (farm_db.h). */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "farm/farm_db.h"

static const char SCHEMA[] =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);"
	"CREATE TABLE IF NOT EXISTS packages(hash BLOB PRIMARY KEY, data BLOB NOT NULL);"
	"CREATE TABLE IF NOT EXISTS devices(id INTEGER PRIMARY KEY, eid BLOB NOT NULL UNIQUE,"
	" msisdn TEXT NOT NULL UNIQUE, notif INTEGER NOT NULL DEFAULT 0, state BLOB NOT NULL);"
	"CREATE INDEX IF NOT EXISTS devices_notif ON devices(notif) WHERE notif > 0;";

enum {
	S_INSERT, S_UPDATE, S_BY_EID, S_BY_MSISDN, S_BY_ID, S_META_GET, S_META_PUT, S_PKG_PUT,
	S__COUNT
};

static const char *const SQL[S__COUNT] = {
	"INSERT INTO devices(id, eid, msisdn, notif, state) VALUES(?1, ?2, ?3, ?4, ?5)",
	"UPDATE devices SET state = ?2, notif = ?3 WHERE id = ?1",
	"SELECT id, eid, msisdn, notif, state FROM devices WHERE eid = ?1",
	"SELECT id, eid, msisdn, notif, state FROM devices WHERE msisdn = ?1",
	"SELECT id, eid, msisdn, notif, state FROM devices WHERE id = ?1",
	"SELECT value FROM meta WHERE key = ?1",
	"INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)",
	"INSERT OR IGNORE INTO packages(hash, data) VALUES(?1, ?2)",
};

struct m2m_farm_db {
	sqlite3 *h;
	sqlite3_stmt *st[S__COUNT];
};

const char *m2m_farm_db_error(const m2m_farm_db *db)
{
	return db != NULL && db->h != NULL ? sqlite3_errmsg(db->h) : "no database";
}

static m2m_err fail(m2m_farm_db *db, const char *what)
{
	m2m_warn("farm", "database: %s: %s", what, m2m_farm_db_error(db));
	return M2M_ERR_IO;
}

static m2m_err exec(m2m_farm_db *db, const char *sql)
{
	return sqlite3_exec(db->h, sql, NULL, NULL, NULL) == SQLITE_OK ? M2M_OK : fail(db, sql);
}

/* An existing database must carry our format string. */
static m2m_err check_format(m2m_farm_db *db, bool create)
{
	m2m_buf v;
	m2m_err err;

	m2m_buf_init(&v);
	err = m2m_farm_db_meta_get(db, "format", &v);
	if (err == M2M_ERR_TLV_NOT_FOUND && create)
		err = m2m_farm_db_meta_put(db, "format", M2M_FARM_DB_FORMAT,
					   strlen(M2M_FARM_DB_FORMAT));
	else if (err == M2M_ERR_TLV_NOT_FOUND ||
		 (err == M2M_OK && (v.len != strlen(M2M_FARM_DB_FORMAT) ||
				    memcmp(v.data, M2M_FARM_DB_FORMAT, v.len) != 0)))
		err = M2M_ERR_FORMAT;
	m2m_buf_free(&v);
	return err;
}

m2m_err m2m_farm_db_open(const char *path, bool create, bool bulk, m2m_farm_db **out)
{
	m2m_farm_db *db = calloc(1, sizeof *db);
	int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
	m2m_err err = M2M_ERR_NOMEM;

	*out = NULL;
	if (db == NULL)
		goto out;
	err = M2M_ERR_IO;
	if (sqlite3_open_v2(path, &db->h, flags, NULL) != SQLITE_OK) {
		m2m_warn("farm", "cannot open %s: %s", path, m2m_farm_db_error(db));
		goto out;
	}
	sqlite3_busy_timeout(db->h, 5000);
	/* The schema is only created on init: run/list on a foreign file must not change it. */
	err = exec(db, "PRAGMA journal_mode=WAL");
	if (err == M2M_OK)
		err = exec(db, bulk ? "PRAGMA synchronous=OFF" : "PRAGMA synchronous=NORMAL");
	if (err == M2M_OK && create)
		err = exec(db, SCHEMA);
	for (int i = 0; err == M2M_OK && i < S__COUNT; i++)
		if (sqlite3_prepare_v2(db->h, SQL[i], -1, &db->st[i], NULL) != SQLITE_OK)
			err = create ? fail(db, SQL[i]) : M2M_ERR_FORMAT;
	if (err == M2M_OK)
		err = check_format(db, create);
	if (err == M2M_OK) {
		*out = db;
		db = NULL;
	}
out:
	m2m_farm_db_close(db);
	return err;
}

void m2m_farm_db_close(m2m_farm_db *db)
{
	if (db == NULL)
		return;
	for (int i = 0; i < S__COUNT; i++)
		sqlite3_finalize(db->st[i]);
	sqlite3_close(db->h);
	free(db);
}

m2m_err m2m_farm_db_begin(m2m_farm_db *db)
{
	return exec(db, "BEGIN");
}

m2m_err m2m_farm_db_commit(m2m_farm_db *db)
{
	return exec(db, "COMMIT");
}

void m2m_farm_db_rollback(m2m_farm_db *db)
{
	sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

/* Runs a prepared write statement to completion and resets it. */
static m2m_err step_done(m2m_farm_db *db, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);
	m2m_err err = rc == SQLITE_DONE ? M2M_OK : fail(db, what);

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return err;
}

m2m_err m2m_farm_db_meta_put(m2m_farm_db *db, const char *key, const void *v, size_t n)
{
	sqlite3_stmt *s = db->st[S_META_PUT];

	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, n > 0 ? v : "", (int)n, SQLITE_STATIC);
	return step_done(db, s, "meta");
}

m2m_err m2m_farm_db_meta_get(m2m_farm_db *db, const char *key, m2m_buf *out)
{
	sqlite3_stmt *s = db->st[S_META_GET];
	int rc;
	m2m_err err;

	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		err = m2m_buf_append(out, sqlite3_column_blob(s, 0),
				     (size_t)sqlite3_column_bytes(s, 0));
	else
		err = rc == SQLITE_DONE ? M2M_ERR_TLV_NOT_FOUND : fail(db, "meta");
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return err;
}

static m2m_err pkg_put(void *arg, const m2m_farm_pkg *p)
{
	m2m_farm_db *db = arg;
	sqlite3_stmt *s = db->st[S_PKG_PUT];

	sqlite3_bind_blob(s, 1, p->hash, 32, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, p->data, (int)p->len, SQLITE_STATIC);
	return step_done(db, s, "package");
}

m2m_err m2m_farm_db_pkgs_flush(m2m_farm_db *db, m2m_farm_pkgs *s)
{
	return m2m_farm_pkgs_flush(s, pkg_put, db);
}

m2m_err m2m_farm_db_pkgs_load(m2m_farm_db *db, m2m_farm_pkgs *s)
{
	sqlite3_stmt *st = NULL;
	const m2m_farm_pkg *p;
	m2m_err err = M2M_ERR_IO;
	int rc;

	if (sqlite3_prepare_v2(db->h, "SELECT data FROM packages", -1, &st, NULL) != SQLITE_OK)
		return fail(db, "packages");
	err = M2M_OK;
	while (err == M2M_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		err = m2m_farm_pkgs_add(s, sqlite3_column_blob(st, 0),
					(size_t)sqlite3_column_bytes(st, 0), true, &p);
	if (err == M2M_OK && rc != SQLITE_DONE)
		err = fail(db, "packages");
	sqlite3_finalize(st);
	return err;
}

m2m_err m2m_farm_db_count(m2m_farm_db *db, uint64_t *n)
{
	sqlite3_stmt *st = NULL;
	m2m_err err;

	if (sqlite3_prepare_v2(db->h, "SELECT count(*) FROM devices", -1, &st, NULL) != SQLITE_OK)
		return fail(db, "count");
	err = sqlite3_step(st) == SQLITE_ROW ? M2M_OK : fail(db, "count");
	if (err == M2M_OK)
		*n = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return err;
}

m2m_err m2m_farm_db_insert(m2m_farm_db *db, int64_t id, const uint8_t eid[16],
			   const char *msisdn, const uint8_t *state, size_t n, unsigned notif)
{
	sqlite3_stmt *s = db->st[S_INSERT];

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_blob(s, 2, eid, 16, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, msisdn, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, (int)notif);
	sqlite3_bind_blob(s, 5, state, (int)n, SQLITE_STATIC);
	return step_done(db, s, "insert");
}

m2m_err m2m_farm_db_update(m2m_farm_db *db, int64_t id, const uint8_t *state, size_t n,
			   unsigned notif)
{
	sqlite3_stmt *s = db->st[S_UPDATE];
	m2m_err err;

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_blob(s, 2, state, (int)n, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, (int)notif);
	err = step_done(db, s, "update");
	if (err == M2M_OK && sqlite3_changes(db->h) != 1)
		err = M2M_ERR_TLV_NOT_FOUND;
	return err;
}

void m2m_farm_row_init(m2m_farm_row *r)
{
	memset(r, 0, sizeof *r);
	m2m_buf_init(&r->state);
}

void m2m_farm_row_free(m2m_farm_row *r)
{
	m2m_buf_free(&r->state); /* wipes: the state holds keys */
}

/* Columns id, eid, msisdn, notif, state of the current row. */
static m2m_err read_row(sqlite3_stmt *s, m2m_farm_row *r)
{
	const unsigned char *msisdn = sqlite3_column_text(s, 2);

	if (sqlite3_column_bytes(s, 1) != 16 || msisdn == NULL ||
	    strlen((const char *)msisdn) >= sizeof r->msisdn)
		return M2M_ERR_FORMAT;
	r->id = sqlite3_column_int64(s, 0);
	memcpy(r->eid, sqlite3_column_blob(s, 1), 16);
	strcpy(r->msisdn, (const char *)msisdn);
	r->notif = (unsigned)sqlite3_column_int(s, 3);
	m2m_buf_reset(&r->state);
	return m2m_buf_append(&r->state, sqlite3_column_blob(s, 4),
			      (size_t)sqlite3_column_bytes(s, 4));
}

static m2m_err one_row(m2m_farm_db *db, sqlite3_stmt *s, m2m_farm_row *r)
{
	int rc = sqlite3_step(s);
	m2m_err err;

	if (rc == SQLITE_ROW)
		err = read_row(s, r);
	else
		err = rc == SQLITE_DONE ? M2M_ERR_TLV_NOT_FOUND : fail(db, "select");
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return err;
}

m2m_err m2m_farm_db_by_eid(m2m_farm_db *db, const uint8_t eid[16], m2m_farm_row *r)
{
	sqlite3_bind_blob(db->st[S_BY_EID], 1, eid, 16, SQLITE_STATIC);
	return one_row(db, db->st[S_BY_EID], r);
}

m2m_err m2m_farm_db_by_msisdn(m2m_farm_db *db, const char *msisdn, m2m_farm_row *r)
{
	sqlite3_bind_text(db->st[S_BY_MSISDN], 1, msisdn, -1, SQLITE_STATIC);
	return one_row(db, db->st[S_BY_MSISDN], r);
}

m2m_err m2m_farm_db_by_id(m2m_farm_db *db, int64_t id, m2m_farm_row *r)
{
	sqlite3_bind_int64(db->st[S_BY_ID], 1, id);
	return one_row(db, db->st[S_BY_ID], r);
}

m2m_err m2m_farm_db_each(m2m_farm_db *db, bool pending_only,
			 m2m_err (*fn)(void *arg, const m2m_farm_row *r), void *arg)
{
	static const char all[] = "SELECT id, eid, msisdn, notif, state FROM devices ORDER BY id";
	static const char pend[] = "SELECT id, eid, msisdn, notif, state FROM devices "
				   "WHERE notif > 0 ORDER BY id";
	sqlite3_stmt *st = NULL;
	m2m_farm_row r;
	m2m_err err = M2M_OK;
	int rc = SQLITE_DONE;

	if (sqlite3_prepare_v2(db->h, pending_only ? pend : all, -1, &st, NULL) != SQLITE_OK)
		return fail(db, "select");
	m2m_farm_row_init(&r);
	while (err == M2M_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		err = read_row(st, &r);
		if (err == M2M_OK)
			err = fn(arg, &r);
	}
	if (err == M2M_OK && rc != SQLITE_DONE)
		err = fail(db, "select");
	m2m_farm_row_free(&r);
	sqlite3_finalize(st);
	return err;
}
