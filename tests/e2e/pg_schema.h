/*
 * A PostgreSQL database for one e2e test: a schema of its own in the cluster of
 * M2MRSP_PG_URL (the CTest fixture gives every test_*_pg.c a throw-away cluster), reached
 * through a URL whose search_path names it, dropped at the end. Used by the SM-DP tests
 * (smdp_pg.h) and by the SM-SR tests that run several processes on one database.
 */
#ifndef M2M_TESTS_E2E_PG_SCHEMA_H
#define M2M_TESTS_E2E_PG_SCHEMA_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char pg_schema[64];

static void pg_quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* One statement on the cluster itself; false (and why on stderr) when it fails. */
static bool pg_admin(const char *sql)
{
	PGconn *c = PQconnectdb(getenv("M2MRSP_PG_URL"));
	bool ok = false;

	if (PQstatus(c) == CONNECTION_OK) {
		PQsetNoticeProcessor(c, pg_quiet, NULL);
		PGresult *r = PQexec(c, sql);
		ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		if (!ok)
			fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
		PQclear(r);
	} else {
		fprintf(stderr, "PostgreSQL: %s", PQerrorMessage(c));
	}
	PQfinish(c);
	return ok;
}

/* Creates the schema and writes the database URL into url; aborts without a cluster. */
static void pg_schema_create(char *url, size_t cap)
{
	const char *base = getenv("M2MRSP_PG_URL");
	char sql[128];

	if (base == NULL || *base == '\0') {
		fprintf(stderr, "M2MRSP_PG_URL is not set (run through ctest)\n");
		abort();
	}
	snprintf(pg_schema, sizeof pg_schema, "m2m_e2e_%ld", (long)getpid());
	snprintf(sql, sizeof sql, "CREATE SCHEMA %s", pg_schema);
	if (!pg_admin(sql))
		abort();
	snprintf(url, cap, "%s&options=-csearch_path%%3D%s", base, pg_schema);
}

static void pg_schema_drop(void)
{
	char sql[128];

	if (pg_schema[0] == '\0')
		return;
	snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE", pg_schema);
	pg_admin(sql);
}

#endif
