/*
 * Inside the store: the back-end driver table (one per database, like lpac's drivers), the
 * handle, bound values and the statement runner shared by every table's code. The SQL lives
 * in store_sql.c and store_schema.c; the drivers in store_sqlite.c and store_pg.c.
 */
#ifndef M2M_STORE_STORE_INT_H
#define M2M_STORE_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "store/store_sql.h"

/* A value bound to a statement parameter ?N (N = its index + 1). */
typedef enum { M2M_SV_NULL, M2M_SV_INT, M2M_SV_TEXT, M2M_SV_BLOB } m2m_sv_kind;

typedef struct {
	m2m_sv_kind kind;
	int64_t i;
	const void *p; /* text: NUL-terminated; blob: n bytes */
	size_t n;
} m2m_sv;

#define M2M_SV_MAX_ARGS 24

static inline m2m_sv m2m_sv_null(void)
{
	return (m2m_sv){.kind = M2M_SV_NULL};
}
static inline m2m_sv m2m_sv_int(int64_t v)
{
	return (m2m_sv){.kind = M2M_SV_INT, .i = v};
}
static inline m2m_sv m2m_sv_text(const char *s)
{
	return (m2m_sv){.kind = M2M_SV_TEXT, .p = s};
}
/* "" and NULL become SQL NULL (optional columns, partial indexes). */
static inline m2m_sv m2m_sv_opt_text(const char *s)
{
	return s != NULL && *s ? m2m_sv_text(s) : m2m_sv_null();
}
static inline m2m_sv m2m_sv_blob(const void *p, size_t n)
{
	return (m2m_sv){.kind = M2M_SV_BLOB, .p = p, .n = n};
}
static inline m2m_sv m2m_sv_opt_blob(const void *p, size_t n)
{
	return n > 0 ? m2m_sv_blob(p, n) : m2m_sv_null();
}
/* 0 becomes NULL (optional times). */
static inline m2m_sv m2m_sv_opt_int(int64_t v)
{
	return v != 0 ? m2m_sv_int(v) : m2m_sv_null();
}

/* One database back end. A driver runs one statement at a time per connection:
 * run() binds and executes, next() gives rows (M2M_OK) until M2M_END, done() ends it;
 * the col_*() accessors read the current row (col: 0-based). */
typedef struct m2m_store_drv {
	const char *name;
	bool (*accepts)(const char *url);
	m2m_err (*open)(m2m_store *st, const char *url);
	void (*close)(m2m_store *st);
	/* Statements without parameters or rows, several separated by ';' (migrations). */
	m2m_err (*script)(m2m_store *st, const char *sql);
	m2m_err (*begin)(m2m_store *st);
	m2m_err (*commit)(m2m_store *st);
	m2m_err (*rollback)(m2m_store *st);
	/* Inside a transaction: waits until no other connection migrates the schema. */
	m2m_err (*lock_schema)(m2m_store *st);
	m2m_err (*run)(m2m_store *st, m2m_q id, const m2m_sv *args, size_t n);
	m2m_err (*next)(m2m_store *st);
	void (*done)(m2m_store *st);
	/* Rows written by the last statement (after next() returned M2M_END). */
	int64_t (*changes)(m2m_store *st);
	bool (*col_null)(m2m_store *st, int col);
	int64_t (*col_int)(m2m_store *st, int col);
	const char *(*col_text)(m2m_store *st, int col); /* NULL for SQL NULL */
	const uint8_t *(*col_blob)(m2m_store *st, int col, size_t *n);
	/* The per-back-end SQL: index 0 SQLite, 1 PostgreSQL (store_sql.c, store_schema.c). */
	int dialect;
} m2m_store_drv;

extern const m2m_store_drv m2m_store_drv_sqlite;
extern const m2m_store_drv m2m_store_drv_pg;

struct m2m_store {
	const m2m_store_drv *drv;
	void *conn;     /* the driver's connection state */
	bool in_txn;    /* a transaction is open (the caller's or an operation's own) */
	bool user_txn;  /* ... and it is the caller's (m2m_store_begin) */
	bool has_key;
	uint8_t key[M2M_STORE_MASTER_KEY_SIZE];
	char err[512];
};

/* Records a failure message on the handle and returns rc. */
m2m_err m2m_store_fail(m2m_store *st, m2m_err rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void m2m_store_clear_err(m2m_store *st);

/* Opens at a given schema version (0 = the latest): tests build older databases with it. */
m2m_err m2m_store_open_at(const char *url, const char *master_key_hex, int version,
			  m2m_store **out, char *errbuf, size_t errlen);
/* Applies migrations up to `target` (store_schema.c). */
m2m_err m2m_store_migrate(m2m_store *st, int target);
/* Checks or records the master key's check value (store_keyset.c). */
m2m_err m2m_store_key_check(m2m_store *st);

/* An operation's own transaction when the caller has none: *own tells whether it began one. */
m2m_err m2m_store_txn_enter(m2m_store *st, bool *own);
/* Commits an own transaction when rc is M2M_OK, else rolls it back; returns rc (or the
 * commit's failure). */
m2m_err m2m_store_txn_leave(m2m_store *st, bool own, m2m_err rc);

/* Statement runner (store_query.c). */
m2m_err m2m_q_run(m2m_store *st, m2m_q id, const m2m_sv *args, size_t n);
m2m_err m2m_q_next(m2m_store *st);
void m2m_q_done(m2m_store *st);
/* Runs a statement to its end; *changes (optional) gets the rows written. */
m2m_err m2m_q_exec(m2m_store *st, m2m_q id, const m2m_sv *args, size_t n, int64_t *changes);
/* Runs and fetches the first row: M2M_OK (the row is current: call m2m_q_done after
 * reading it), M2M_END (none; already done) or an error (already done). */
m2m_err m2m_q_first(m2m_store *st, m2m_q id, const m2m_sv *args, size_t n);
bool m2m_q_null(m2m_store *st, int col);
int64_t m2m_q_int(m2m_store *st, int col);
/* Copies a text column into dst (NULL gives ""); M2M_ERR_FORMAT if it does not fit. */
m2m_err m2m_q_text(m2m_store *st, int col, char *dst, size_t cap);
/* Heap copies (NULL column: *p NULL, *n 0). */
m2m_err m2m_q_text_dup(m2m_store *st, int col, char **p);
m2m_err m2m_q_blob_dup(m2m_store *st, int col, uint8_t **p, size_t *n);
const uint8_t *m2m_q_blob(m2m_store *st, int col, size_t *n);

/* Argument checks with a message on the handle. */
m2m_err m2m_store_check_text(m2m_store *st, const char *what, const char *s, size_t size,
			     bool required);
#define M2M_STORE_CHECK(st, what, field, required)                                          \
	m2m_store_check_text((st), (what), (field), sizeof(field), (required))

/* Growable arrays for list results. */
m2m_err m2m_store_grow(m2m_store *st, void **arr, size_t elem, size_t n, size_t *cap);

#endif
