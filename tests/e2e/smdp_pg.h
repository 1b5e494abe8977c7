/*
 * The SM-DP's database on PostgreSQL for the SM-DP e2e tests (test_smdp_es2_pg.c,
 * test_smdp_faults_pg.c): a schema of its own in the cluster of M2MRSP_PG_URL, which the
 * CTest fixture gives every test_*_pg.c, dropped at the end. Include before the test.
 */
#ifndef M2M_TESTS_E2E_SMDP_PG_H
#define M2M_TESTS_E2E_SMDP_PG_H

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

static bool pg_admin(const char *base, const char *sql)
{
	PGconn *c = PQconnectdb(base);
	bool ok = false;

	if (PQstatus(c) == CONNECTION_OK) {
		PQsetNoticeProcessor(c, pg_quiet, NULL);
		PGresult *r = PQexec(c, sql);
		ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		PQclear(r);
	}
	PQfinish(c);
	return ok;
}

static void pg_setup(char *url, size_t cap)
{
	const char *base = getenv("M2MRSP_PG_URL");
	char sql[128];

	if (base == NULL || *base == '\0') {
		fprintf(stderr, "M2MRSP_PG_URL is not set (run through ctest)\n");
		abort();
	}
	snprintf(pg_schema, sizeof pg_schema, "m2m_smdp_e2e_%ld", (long)getpid());
	snprintf(sql, sizeof sql, "CREATE SCHEMA %s", pg_schema);
	if (!pg_admin(base, sql)) {
		fprintf(stderr, "PostgreSQL at %s: %s failed\n", base, sql);
		abort();
	}
	snprintf(url, cap, "%s&options=-csearch_path%%3D%s", base, pg_schema);
}

static void pg_teardown(void)
{
	char sql[128];

	snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE", pg_schema);
	pg_admin(getenv("M2MRSP_PG_URL"), sql);
}

#define SMDP_DB_SETUP() pg_setup(smdp_db, sizeof smdp_db)
#define SMDP_DB_TEARDOWN() pg_teardown()

#endif
