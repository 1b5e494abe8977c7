/*
 * The PostgreSQL back end (libpq): "postgresql://..." or "postgres://...", including the
 * Unix-socket form "postgresql:///DB?host=/dir&port=N". READ COMMITTED transactions,
 * statements prepared once per connection with parameter types taken from their first use,
 * results in binary form (no text parsing of numbers or bytea). After a lost connection the
 * next call outside a transaction reconnects.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "core/log.h"
#include "store/store_int.h"

/* Type OIDs from PostgreSQL's pg_type.dat (stable across versions). */
#define OID_BOOL 16
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_TEXT 25

#define MIN_SERVER 110000 /* hashtextextended(), EXECUTE FUNCTION in triggers */

typedef struct {
	PGconn *conn;
	bool prepared[M2M_Q__COUNT];
	PGresult *res;
	int row;
	int nrows;
	int64_t changes;
} pg_conn;

static bool pg_accepts(const char *url)
{
	return strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0;
}

/* libpq messages end in newlines and may span lines: one line for our error text. */
static void one_line(char *dst, size_t cap, const char *src)
{
	size_t n = 0;
	bool space = false;

	for (; src != NULL && *src != '\0' && n + 1 < cap; src++) {
		if (*src == '\n' || *src == '\t' || *src == '\r') {
			space = n > 0;
			continue;
		}
		if (space && n + 2 < cap)
			dst[n++] = ' ';
		space = false;
		dst[n++] = *src;
	}
	dst[n] = '\0';
}

static m2m_err conn_fail(m2m_store *st, const char *what)
{
	pg_conn *c = st->conn;
	char msg[400];

	one_line(msg, sizeof msg, c->conn != NULL ? PQerrorMessage(c->conn) : "out of memory");
	return m2m_store_fail(st, M2M_ERR_IO, "%s: %s", what, msg);
}

static m2m_err res_fail(m2m_store *st, PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	m2m_err rc = M2M_ERR_IO;
	char line[400];

	if (msg == NULL)
		return conn_fail(st, "PostgreSQL");
	/* Class 23: integrity constraints; P0001: RAISE EXCEPTION (append-only audit). */
	if (state != NULL && (strncmp(state, "23", 2) == 0 || strcmp(state, "P0001") == 0))
		rc = M2M_ERR_STATE;
	one_line(line, sizeof line, detail);
	return m2m_store_fail(st, rc, "PostgreSQL: %s%s%s%s [%s]", msg, *line ? " (" : "", line,
			      *line ? ")" : "", state != NULL ? state : "?");
}

static void notice(void *arg, const char *msg)
{
	char line[300];

	(void)arg;
	one_line(line, sizeof line, msg);
	m2m_debug("store", "PostgreSQL: %s", line);
}

static m2m_err pg_open(m2m_store *st, const char *url)
{
	char *perr = NULL;
	char msg[300];
	pg_conn *c = calloc(1, sizeof *c);

	if (c == NULL)
		return m2m_store_fail(st, M2M_ERR_NOMEM, "out of memory");
	st->conn = c;
	PQconninfoOption *opts = PQconninfoParse(url, &perr);
	if (opts == NULL) {
		one_line(msg, sizeof msg, perr != NULL ? perr : "out of memory");
		PQfreemem(perr);
		free(c);
		st->conn = NULL;
		return m2m_store_fail(st, M2M_ERR_ARG, "invalid PostgreSQL URL: %s", msg);
	}
	PQconninfoFree(opts);
	c->conn = PQconnectdb(url);
	if (c->conn == NULL || PQstatus(c->conn) != CONNECTION_OK)
		goto fail;
	if (PQserverVersion(c->conn) < MIN_SERVER) {
		m2m_store_fail(st, M2M_ERR_UNSUPPORTED,
			       "PostgreSQL %d is too old: 11 or newer needed",
			       PQserverVersion(c->conn) / 10000);
		PQfinish(c->conn);
		free(c);
		st->conn = NULL;
		return M2M_ERR_UNSUPPORTED;
	}
	PQsetNoticeProcessor(c->conn, notice, NULL);
	return M2M_OK;
fail:
	conn_fail(st, "cannot connect to PostgreSQL");
	PQfinish(c->conn);
	free(c);
	st->conn = NULL;
	return M2M_ERR_IO;
}

static void clear_result(pg_conn *c)
{
	PQclear(c->res);
	c->res = NULL;
	c->row = -1;
	c->nrows = 0;
}

static void pg_close(m2m_store *st)
{
	pg_conn *c = st->conn;

	if (c == NULL)
		return;
	clear_result(c);
	PQfinish(c->conn);
	free(c);
	st->conn = NULL;
}

/* Reconnects a lost connection, except inside a transaction (that one is gone for good). */
static m2m_err ensure_connected(m2m_store *st)
{
	pg_conn *c = st->conn;

	if (PQstatus(c->conn) == CONNECTION_OK)
		return M2M_OK;
	if (st->in_txn)
		return m2m_store_fail(st, M2M_ERR_IO,
				      "the connection to PostgreSQL was lost inside a transaction");
	PQreset(c->conn);
	if (PQstatus(c->conn) != CONNECTION_OK)
		return conn_fail(st, "PostgreSQL connection lost, reconnect failed");
	memset(c->prepared, 0, sizeof c->prepared);
	m2m_info("store", "reconnected to PostgreSQL");
	return M2M_OK;
}

static m2m_err exec_simple(m2m_store *st, const char *sql, PGresult **keep)
{
	pg_conn *c = st->conn;
	m2m_err rc = ensure_connected(st);

	if (rc != M2M_OK)
		return rc;
	clear_result(c);
	PGresult *res = PQexec(c->conn, sql);
	ExecStatusType s = PQresultStatus(res);
	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) {
		if (keep != NULL)
			*keep = res;
		else
			PQclear(res);
		return M2M_OK;
	}
	rc = res != NULL ? res_fail(st, res) : conn_fail(st, "PostgreSQL");
	PQclear(res);
	return rc;
}

static m2m_err pg_script(m2m_store *st, const char *sql)
{
	return exec_simple(st, sql, NULL);
}

static m2m_err pg_begin(m2m_store *st)
{
	return exec_simple(st, "BEGIN", NULL);
}

static m2m_err pg_commit(m2m_store *st)
{
	PGresult *res = NULL;
	m2m_err rc = exec_simple(st, "COMMIT", &res);

	/* COMMIT of a transaction that had failed "succeeds" by rolling back. */
	if (rc == M2M_OK && strcmp(PQcmdStatus(res), "ROLLBACK") == 0)
		rc = m2m_store_fail(st, M2M_ERR_IO,
				    "PostgreSQL rolled the transaction back after an earlier error");
	PQclear(res);
	return rc;
}

static m2m_err pg_rollback(m2m_store *st)
{
	pg_conn *c = st->conn;

	if (PQstatus(c->conn) != CONNECTION_OK)
		return M2M_OK; /* the server dropped the transaction with the connection */
	return exec_simple(st, "ROLLBACK", NULL);
}

static m2m_err pg_lock_schema(m2m_store *st)
{
	/* Two-key form: a space of its own, apart from the per-EID job locks. */
	return exec_simple(st, "SELECT pg_advisory_xact_lock(7156333, 1)", NULL);
}

/* ?N placeholders become $N, outside quoted literals. */
static char *translate(const char *sql)
{
	char *out = strdup(sql);
	bool quoted = false;

	for (char *p = out; p != NULL && *p != '\0'; p++) {
		if (*p == '\'')
			quoted = !quoted;
		else if (*p == '?' && !quoted)
			*p = '$';
	}
	return out;
}

static m2m_err prepare(m2m_store *st, m2m_q id, const char *name, const m2m_sv *args, size_t n)
{
	static const Oid oid_of[] = {
		[M2M_SV_NULL] = 0, [M2M_SV_INT] = OID_INT8, [M2M_SV_TEXT] = OID_TEXT,
		[M2M_SV_BLOB] = OID_BYTEA};
	pg_conn *c = st->conn;
	Oid types[M2M_SV_MAX_ARGS];
	char *sql = translate(m2m_q_sql(id, 1));
	m2m_err rc = M2M_OK;

	if (sql == NULL)
		return m2m_store_fail(st, M2M_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		types[i] = oid_of[args[i].kind];
	PGresult *res = PQprepare(c->conn, name, sql, (int)n, types);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = res != NULL ? res_fail(st, res) : conn_fail(st, "PostgreSQL");
	else
		c->prepared[id] = true;
	PQclear(res);
	free(sql);
	return rc;
}

static m2m_err pg_run(m2m_store *st, m2m_q id, const m2m_sv *args, size_t n)
{
	pg_conn *c = st->conn;
	const char *vals[M2M_SV_MAX_ARGS];
	int lens[M2M_SV_MAX_ARGS], fmts[M2M_SV_MAX_ARGS];
	char ints[M2M_SV_MAX_ARGS][24];
	char name[24];
	m2m_err rc;

	clear_result(c);
	if ((unsigned)id >= M2M_Q__COUNT)
		return m2m_store_fail(st, M2M_ERR_ARG, "unknown statement %d", (int)id);
	rc = ensure_connected(st);
	if (rc != M2M_OK)
		return rc;
	snprintf(name, sizeof name, "m2m_q%d", (int)id);
	if (!c->prepared[id] && (rc = prepare(st, id, name, args, n)) != M2M_OK)
		return rc;
	for (size_t i = 0; i < n; i++) {
		vals[i] = NULL;
		lens[i] = 0;
		fmts[i] = 0;
		switch (args[i].kind) {
		case M2M_SV_INT:
			snprintf(ints[i], sizeof ints[i], "%lld", (long long)args[i].i);
			vals[i] = ints[i];
			break;
		case M2M_SV_TEXT:
			vals[i] = args[i].p;
			break;
		case M2M_SV_BLOB:
			if (args[i].n > (size_t)INT32_MAX)
				return m2m_store_fail(st, M2M_ERR_ARG, "value too large");
			vals[i] = args[i].n > 0 ? args[i].p : "";
			lens[i] = (int)args[i].n;
			fmts[i] = 1;
			break;
		default:
			break;
		}
	}
	PGresult *res = PQexecPrepared(c->conn, name, (int)n, vals, lens, fmts, 1);
	ExecStatusType s = PQresultStatus(res);
	if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
		rc = res != NULL ? res_fail(st, res) : conn_fail(st, "PostgreSQL");
		PQclear(res);
		return rc;
	}
	c->res = res;
	c->row = -1;
	c->nrows = PQntuples(res);
	c->changes = strtoll(PQcmdTuples(res), NULL, 10);
	return M2M_OK;
}

static m2m_err pg_next(m2m_store *st)
{
	pg_conn *c = st->conn;

	if (c->res == NULL)
		return m2m_store_fail(st, M2M_ERR_STATE, "no statement running");
	if (c->row + 1 >= c->nrows)
		return M2M_END;
	c->row++;
	return M2M_OK;
}

static void pg_done(m2m_store *st)
{
	clear_result(st->conn);
}

static int64_t pg_changes(m2m_store *st)
{
	return ((pg_conn *)st->conn)->changes;
}

static bool pg_col_null(m2m_store *st, int col)
{
	pg_conn *c = st->conn;

	return PQgetisnull(c->res, c->row, col) != 0;
}

/* Binary integers: big-endian, two's complement, of the column type's width. */
static int64_t pg_col_int(m2m_store *st, int col)
{
	pg_conn *c = st->conn;
	const uint8_t *p = (const uint8_t *)PQgetvalue(c->res, c->row, col);
	int len = PQgetlength(c->res, c->row, col);
	Oid t = PQftype(c->res, col);
	uint64_t v = 0;

	if ((t != OID_INT8 && t != OID_INT4 && t != OID_INT2 && t != OID_BOOL) || len < 1 ||
	    len > 8)
		return 0;
	for (int i = 0; i < len; i++)
		v = v << 8 | p[i];
	if (len < 8 && (p[0] & 0x80) != 0 && t != OID_BOOL)
		v |= ~UINT64_C(0) << (8 * len);
	return (int64_t)v;
}

static const char *pg_col_text(m2m_store *st, int col)
{
	pg_conn *c = st->conn;

	/* libpq ends every value with a NUL, binary ones included. */
	return PQgetisnull(c->res, c->row, col) ? NULL : PQgetvalue(c->res, c->row, col);
}

static const uint8_t *pg_col_blob(m2m_store *st, int col, size_t *n)
{
	pg_conn *c = st->conn;

	*n = (size_t)PQgetlength(c->res, c->row, col);
	return (const uint8_t *)PQgetvalue(c->res, c->row, col);
}

const m2m_store_drv m2m_store_drv_pg = {
	.name = "postgresql",
	.accepts = pg_accepts,
	.open = pg_open,
	.close = pg_close,
	.script = pg_script,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.lock_schema = pg_lock_schema,
	.run = pg_run,
	.next = pg_next,
	.done = pg_done,
	.changes = pg_changes,
	.col_null = pg_col_null,
	.col_int = pg_col_int,
	.col_text = pg_col_text,
	.col_blob = pg_col_blob,
	.dialect = 1,
};
