/*
 * The SM-SR's queues on PostgreSQL (the outbox with the notification's forward-only state,
 * and m2m_store_job_claim_eids): the cluster of the CTest fixture (M2MRSP_PG_URL,
 * scripts/pg-cluster.sh); without it the test fails. Each test gets a schema of its own
 * (search_path in the URL's options), dropped at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "claim_eids_suite.h"
#include "outbox_suite.h"

#define MAX_SCHEMAS 16

static const char *base_url;
static char schemas[MAX_SCHEMAS][32];
static int nschemas;

static bool admin(const char *sql)
{
	PGconn *c = PQconnectdb(base_url);
	bool ok = false;

	if (PQstatus(c) == CONNECTION_OK) {
		PGresult *r = PQexec(c, sql);
		ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
		if (!ok)
			print_message("%s: %s", sql, PQerrorMessage(c));
		PQclear(r);
	} else {
		print_message("connect %s: %s", base_url, PQerrorMessage(c));
	}
	PQfinish(c);
	return ok;
}

/* The fixture's URL (postgresql:///postgres?host=...) with the new schema as search_path. */
static char *fresh_url(void)
{
	char sql[96], *url = malloc(1024);

	assert_non_null(url);
	assert_true(nschemas < MAX_SCHEMAS);
	snprintf(schemas[nschemas], sizeof schemas[0], "m2m_ob%ld_%d", (long)getpid(), nschemas);
	snprintf(sql, sizeof sql, "CREATE SCHEMA %.31s", schemas[nschemas]);
	assert_true(admin(sql));
	snprintf(url, 1024, "%s%coptions=-csearch_path%%3D%s", base_url,
		 strchr(base_url, '?') != NULL ? '&' : '?', schemas[nschemas++]);
	return url;
}

static int setup(void **state)
{
	(void)state;
	base_url = getenv("M2MRSP_PG_URL");
	if (base_url == NULL || *base_url == '\0' || !admin("SELECT 1")) {
		print_message("no PostgreSQL: M2MRSP_PG_URL (run through ctest)\n");
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	char sql[96];

	(void)state;
	for (int i = 0; i < nschemas; i++) {
		snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %.31s CASCADE", schemas[i]);
		admin(sql);
	}
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {OUTBOX_SUITE_TESTS, CLAIM_EIDS_SUITE_TESTS};

	return cmocka_run_group_tests(tests, setup, teardown);
}
