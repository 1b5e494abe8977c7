/*
 * The SQLite back end: "sqlite:PATH[?busy_timeout=MS&synchronous=normal|full]" or a plain
 * path. WAL journal (readers never wait for the writer), a busy timeout for writers of
 * other connections, foreign keys on, statements prepared once per connection. A connection
 * belongs to one thread at a time (SQLITE_OPEN_NOMUTEX).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store/store_int.h"

#define DEFAULT_BUSY_MS 5000

typedef struct {
	sqlite3 *db;
	sqlite3_stmt *stmts[M2M_Q__COUNT];
	sqlite3_stmt *cur;
	int busy_ms;
} sq_conn;

static bool sq_accepts(const char *url)
{
	if (strncmp(url, "sqlite:", 7) == 0)
		return true;
	return strstr(url, "://") == NULL;
}

static m2m_err sq_fail(m2m_store *st, int rc, const char *msg)
{
	sq_conn *c = st->conn;

	if (msg == NULL)
		msg = c != NULL && c->db != NULL ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc);
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
		return m2m_store_fail(st, M2M_ERR_STATE, "SQLite: %s", msg);
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return m2m_store_fail(st, M2M_ERR_IO,
				      "SQLite: %s (another connection held the write lock for"
				      " more than %d ms)", msg, c != NULL ? c->busy_ms : 0);
	case SQLITE_NOMEM:
		return m2m_store_fail(st, M2M_ERR_NOMEM, "SQLite: out of memory");
	default:
		return m2m_store_fail(st, M2M_ERR_IO, "SQLite: %s", msg);
	}
}

/* Options after '?' in the sqlite: form. */
static m2m_err parse_options(m2m_store *st, char *opts, const char **sync)
{
	sq_conn *c = st->conn;

	for (char *save = NULL, *kv = strtok_r(opts, "&", &save); kv != NULL;
	     kv = strtok_r(NULL, "&", &save)) {
		char *v = strchr(kv, '=');
		if (v == NULL)
			return m2m_store_fail(st, M2M_ERR_ARG,
					      "SQLite URL option '%.64s' has no value", kv);
		*v++ = '\0';
		if (strcmp(kv, "busy_timeout") == 0) {
			char *end;
			long ms = strtol(v, &end, 10);
			if (*v == '\0' || *end != '\0' || ms < 0 || ms > 600000)
				return m2m_store_fail(st, M2M_ERR_ARG,
						      "SQLite busy_timeout must be 0..600000 ms");
			c->busy_ms = (int)ms;
		} else if (strcmp(kv, "synchronous") == 0) {
			if (strcmp(v, "normal") != 0 && strcmp(v, "full") != 0)
				return m2m_store_fail(st, M2M_ERR_ARG,
						      "SQLite synchronous must be normal or full");
			*sync = strcmp(v, "full") == 0 ? "FULL" : "NORMAL";
		} else {
			return m2m_store_fail(st, M2M_ERR_ARG,
					      "unknown SQLite URL option '%.64s' (busy_timeout,"
					      " synchronous)", kv);
		}
	}
	return M2M_OK;
}

static m2m_err set_wal(m2m_store *st, const char *path)
{
	sq_conn *c = st->conn;
	sqlite3_stmt *s = NULL;
	m2m_err rc = M2M_OK;
	int r = sqlite3_prepare_v2(c->db, "PRAGMA journal_mode=WAL", -1, &s, NULL);

	if (r == SQLITE_OK)
		r = sqlite3_step(s);
	/* Switching a new database to WAL while another opener holds its lock can be refused at
	 * once (SQLite skips the busy handler where waiting could deadlock): retry within the
	 * busy time-out. */
	for (int waited = 0;
	     s != NULL && (r == SQLITE_BUSY || r == SQLITE_LOCKED) && waited < c->busy_ms;
	     waited += 10) {
		sqlite3_reset(s);
		sqlite3_sleep(10);
		r = sqlite3_step(s);
	}
	if (r != SQLITE_ROW) {
		rc = sq_fail(st, r, NULL);
		m2m_store_fail(st, rc, "cannot open SQLite database '%.200s': %.200s", path,
			       sqlite3_errmsg(c->db));
		goto out;
	}
	const char *mode = (const char *)sqlite3_column_text(s, 0);
	if (mode == NULL || (strcmp(mode, "wal") != 0 && strcmp(mode, "memory") != 0))
		rc = m2m_store_fail(st, M2M_ERR_IO, "SQLite database '%.200s' cannot use WAL mode"
				    " (journal mode stays '%s')", path, mode ? mode : "?");
out:
	sqlite3_finalize(s);
	return rc;
}

static m2m_err sq_script(m2m_store *st, const char *sql)
{
	sq_conn *c = st->conn;
	char *msg = NULL;
	int r = sqlite3_exec(c->db, sql, NULL, NULL, &msg);

	if (r == SQLITE_OK)
		return M2M_OK;
	m2m_err rc = sq_fail(st, r, msg);
	sqlite3_free(msg);
	return rc;
}

static m2m_err sq_open(m2m_store *st, const char *url)
{
	char *path = NULL, *q;
	const char *sync = "NORMAL";
	char pragmas[200];
	m2m_err rc = M2M_ERR_NOMEM;
	sq_conn *c = calloc(1, sizeof *c);

	if (c == NULL)
		return m2m_store_fail(st, M2M_ERR_NOMEM, "out of memory");
	st->conn = c;
	c->busy_ms = DEFAULT_BUSY_MS;
	bool prefixed = strncmp(url, "sqlite:", 7) == 0;
	if (prefixed) {
		url += 7;
		if (strncmp(url, "//", 2) == 0)
			url += 2;
	}
	path = strdup(url);
	if (path == NULL)
		goto fail;
	if (prefixed && (q = strchr(path, '?')) != NULL) {
		*q++ = '\0';
		rc = parse_options(st, q, &sync);
		if (rc != M2M_OK)
			goto fail;
	}
	if (*path == '\0') {
		rc = m2m_store_fail(st, M2M_ERR_ARG, "the SQLite URL has an empty path");
		goto fail;
	}
	int r = sqlite3_open_v2(path, &c->db,
				SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
				NULL);
	if (r != SQLITE_OK) {
		rc = m2m_store_fail(st, M2M_ERR_IO, "cannot open SQLite database '%.200s': %s", path,
				    c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(r));
		goto fail;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_timeout(c->db, c->busy_ms);
	rc = set_wal(st, path);
	if (rc != M2M_OK)
		goto fail;
	/* Checkpoints (two fsyncs each) every 10000 pages rather than 1000: on a busy disk they
	 * set the pace of small transactions. The WAL is cut back to 64 MiB after each. */
	snprintf(pragmas, sizeof pragmas,
		 "PRAGMA synchronous=%s; PRAGMA foreign_keys=ON; PRAGMA wal_autocheckpoint=10000;"
		 " PRAGMA journal_size_limit=67108864", sync);
	rc = sq_script(st, pragmas);
	if (rc != M2M_OK)
		goto fail;
	free(path);
	return M2M_OK;
fail:
	free(path);
	sqlite3_close_v2(c->db);
	free(c);
	st->conn = NULL;
	return rc;
}

static void sq_close(m2m_store *st)
{
	sq_conn *c = st->conn;

	if (c == NULL)
		return;
	for (size_t i = 0; i < M2M_Q__COUNT; i++)
		sqlite3_finalize(c->stmts[i]);
	sqlite3_close_v2(c->db);
	free(c);
	st->conn = NULL;
}

static m2m_err sq_begin(m2m_store *st)
{
	/* IMMEDIATE: take the write lock now, so a transaction that reads then writes never
	 * fails on a snapshot another writer made stale. */
	return sq_script(st, "BEGIN IMMEDIATE");
}

static m2m_err sq_commit(m2m_store *st)
{
	return sq_script(st, "COMMIT");
}

static m2m_err sq_rollback(m2m_store *st)
{
	sq_conn *c = st->conn;

	/* Some errors roll back by themselves; then there is nothing left to end. */
	if (sqlite3_get_autocommit(c->db))
		return M2M_OK;
	return sq_script(st, "ROLLBACK");
}

static m2m_err sq_lock_schema(m2m_store *st)
{
	(void)st; /* BEGIN IMMEDIATE already excludes other writers */
	return M2M_OK;
}

static m2m_err bind(m2m_store *st, sqlite3_stmt *s, int i, const m2m_sv *v)
{
	int r;

	switch (v->kind) {
	case M2M_SV_NULL:
		r = sqlite3_bind_null(s, i);
		break;
	case M2M_SV_INT:
		r = sqlite3_bind_int64(s, i, v->i);
		break;
	case M2M_SV_TEXT:
		r = sqlite3_bind_text(s, i, v->p, -1, SQLITE_TRANSIENT);
		break;
	case M2M_SV_BLOB:
		if (v->n > INT_MAX)
			return m2m_store_fail(st, M2M_ERR_ARG, "value too large");
		r = v->n == 0 ? sqlite3_bind_zeroblob(s, i, 0)
			      : sqlite3_bind_blob(s, i, v->p, (int)v->n, SQLITE_TRANSIENT);
		break;
	default:
		return m2m_store_fail(st, M2M_ERR_ARG, "bad value kind");
	}
	return r == SQLITE_OK ? M2M_OK : sq_fail(st, r, NULL);
}

static m2m_err sq_run(m2m_store *st, m2m_q id, const m2m_sv *args, size_t n)
{
	sq_conn *c = st->conn;
	sqlite3_stmt *s;

	c->cur = NULL;
	if ((unsigned)id >= M2M_Q__COUNT)
		return m2m_store_fail(st, M2M_ERR_ARG, "unknown statement %d", (int)id);
	s = c->stmts[id];
	if (s == NULL) {
		int r = sqlite3_prepare_v3(c->db, m2m_q_sql(id, 0), -1, SQLITE_PREPARE_PERSISTENT,
					   &s, NULL);
		if (r != SQLITE_OK)
			return sq_fail(st, r, NULL);
		c->stmts[id] = s;
	}
	if ((size_t)sqlite3_bind_parameter_count(s) != n)
		return m2m_store_fail(st, M2M_ERR_ARG, "statement %d takes %d parameters, not %zu",
				      (int)id, sqlite3_bind_parameter_count(s), n);
	for (size_t i = 0; i < n; i++) {
		m2m_err rc = bind(st, s, (int)i + 1, &args[i]);
		if (rc != M2M_OK) {
			sqlite3_clear_bindings(s);
			return rc;
		}
	}
	c->cur = s;
	return M2M_OK;
}

static m2m_err sq_next(m2m_store *st)
{
	sq_conn *c = st->conn;

	if (c->cur == NULL)
		return m2m_store_fail(st, M2M_ERR_STATE, "no statement running");
	int r = sqlite3_step(c->cur);
	if (r == SQLITE_ROW)
		return M2M_OK;
	if (r == SQLITE_DONE)
		return M2M_END;
	return sq_fail(st, r, NULL);
}

static void sq_done(m2m_store *st)
{
	sq_conn *c = st->conn;

	if (c->cur == NULL)
		return;
	sqlite3_reset(c->cur);
	sqlite3_clear_bindings(c->cur);
	c->cur = NULL;
}

static int64_t sq_changes(m2m_store *st)
{
	return sqlite3_changes64(((sq_conn *)st->conn)->db);
}

static bool sq_col_null(m2m_store *st, int col)
{
	return sqlite3_column_type(((sq_conn *)st->conn)->cur, col) == SQLITE_NULL;
}

static int64_t sq_col_int(m2m_store *st, int col)
{
	return sqlite3_column_int64(((sq_conn *)st->conn)->cur, col);
}

static const char *sq_col_text(m2m_store *st, int col)
{
	return (const char *)sqlite3_column_text(((sq_conn *)st->conn)->cur, col);
}

static const uint8_t *sq_col_blob(m2m_store *st, int col, size_t *n)
{
	sqlite3_stmt *s = ((sq_conn *)st->conn)->cur;
	const uint8_t *p = sqlite3_column_blob(s, col);

	*n = (size_t)sqlite3_column_bytes(s, col);
	/* A zero-length blob comes back as NULL: still a value, not SQL NULL. */
	return p != NULL ? p : (const uint8_t *)"";
}

const m2m_store_drv m2m_store_drv_sqlite = {
	.name = "sqlite",
	.accepts = sq_accepts,
	.open = sq_open,
	.close = sq_close,
	.script = sq_script,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.lock_schema = sq_lock_schema,
	.run = sq_run,
	.next = sq_next,
	.done = sq_done,
	.changes = sq_changes,
	.col_null = sq_col_null,
	.col_int = sq_col_int,
	.col_text = sq_col_text,
	.col_blob = sq_col_blob,
	.dialect = 0,
};
