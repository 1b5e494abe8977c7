/*
 * The store suite on PostgreSQL. The cluster comes from M2MRSP_PG_URL (set by the CTest
 * fixture that runs scripts/pg-cluster.sh) or, when that is unset, the test starts its own
 * with the same script. No cluster is a failure, never a skip. Each test gets a schema of
 * its own (search_path in the URL's options: faster than a database per test), dropped at
 * the end.
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

#include "store_suite.h"

#define MAX_DBS 64

static char base_url[512];
static char host[256], port[16], user[64];
static char own_cluster[64]; /* the directory, when this program started the cluster */
static char *dbs[MAX_DBS]; /* schema names */
static int ndbs;

static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static bool admin_exec(const char *sql)
{
	PGconn *c = PQconnectdb(base_url);
	bool ok = false;

	if (PQstatus(c) == CONNECTION_OK) {
		PQsetNoticeProcessor(c, quiet, NULL);
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

static char *url_for(const char *scheme, const char *db, const char *schema)
{
	char *url = malloc(700);

	assert_non_null(url);
	snprintf(url, 700, "%s:///%s?host=%s&port=%s&user=%s", scheme, db, host, port, user);
	if (schema != NULL)
		snprintf(url + strlen(url), 700 - strlen(url), "&options=-csearch_path%%3D%s",
			 schema);
	return url;
}

static char *fresh_url(void)
{
	char sql[128];

	assert_true(ndbs < MAX_DBS);
	dbs[ndbs] = malloc(48);
	assert_non_null(dbs[ndbs]);
	snprintf(dbs[ndbs], 48, "m2m_t%ld_%d", (long)getpid(), ndbs);
	snprintf(sql, sizeof sql, "CREATE SCHEMA %s", dbs[ndbs]);
	assert_true(admin_exec(sql));
	return url_for("postgresql", "postgres", dbs[ndbs++]);
}

static void test_pg_urls(void **state)
{
	(void)state;
	char *url;

	open_fails("postgresql://[::1", NULL, M2M_ERR_ARG, "invalid PostgreSQL URL");
	open_fails("postgresql:///postgres?no_such_option=1", NULL, M2M_ERR_ARG,
		   "invalid PostgreSQL URL");
	url = url_for("postgresql", "m2m_no_such_database", NULL);
	open_fails(url, NULL, M2M_ERR_IO, "does not exist");
	free(url);
	open_fails("postgresql:///postgres?host=/nonexistent-m2m-dir&port=5432", NULL, M2M_ERR_IO,
		   "cannot connect to PostgreSQL");
	/* The short scheme name works too. */
	char *fresh = fresh_url();
	url = url_for("postgres", "postgres", dbs[ndbs - 1]);
	m2m_store *st = open_ok(url, KEY_A);
	assert_string_equal(m2m_store_backend(st), "postgresql");
	m2m_store_close(st);
	free(url);
	free(fresh);
}

/* Runs scripts/pg-cluster.sh; the URL it prints goes to out. */
static bool cluster(const char *cmd, const char *dir, char *out, size_t cap)
{
	char line[700];
	bool ok;

	snprintf(line, sizeof line, "bash '%s/scripts/pg-cluster.sh' %s '%s'", M2MRSP_SOURCE_DIR,
		 cmd, dir);
	FILE *p = popen(line, "r");
	if (p == NULL)
		return false;
	if (out != NULL) {
		out[0] = '\0';
		if (fgets(out, (int)cap, p) != NULL)
			out[strcspn(out, "\n")] = '\0';
	}
	ok = pclose(p) == 0;
	return ok && (out == NULL || out[0] != '\0');
}

static bool parse_base(void)
{
	char *err = NULL;
	PQconninfoOption *opts = PQconninfoParse(base_url, &err);

	if (opts == NULL) {
		print_message("bad M2MRSP_PG_URL: %s", err ? err : "?");
		PQfreemem(err);
		return false;
	}
	snprintf(port, sizeof port, "5432");
	snprintf(user, sizeof user, "postgres");
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL)
			continue;
		if (strcmp(o->keyword, "host") == 0)
			snprintf(host, sizeof host, "%s", o->val);
		else if (strcmp(o->keyword, "port") == 0)
			snprintf(port, sizeof port, "%s", o->val);
		else if (strcmp(o->keyword, "user") == 0)
			snprintf(user, sizeof user, "%s", o->val);
	}
	PQconninfoFree(opts);
	return host[0] != '\0';
}

static int setup(void **state)
{
	(void)state;
	const char *env = getenv("M2MRSP_PG_URL");

	suite_backend = "postgresql";
	if (env != NULL && *env != '\0') {
		snprintf(base_url, sizeof base_url, "%s", env);
	} else {
		snprintf(own_cluster, sizeof own_cluster, "/tmp/m2m-pg-XXXXXX");
		if (mkdtemp(own_cluster) == NULL ||
		    !cluster("start", own_cluster, base_url, sizeof base_url)) {
			print_message("scripts/pg-cluster.sh could not start PostgreSQL\n");
			return -1;
		}
	}
	if (!parse_base() || !admin_exec("SELECT 1")) {
		print_message("PostgreSQL at %s is not usable\n", base_url);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	char sql[MAX_DBS * 48 + 64];
	size_t len;

	(void)state;
	len = (size_t)snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS ");
	for (int i = 0; i < ndbs; i++) {
		len += (size_t)snprintf(sql + len, sizeof sql - len, "%s%s", i ? ", " : "", dbs[i]);
		free(dbs[i]);
	}
	snprintf(sql + len, sizeof sql - len, " CASCADE");
	if (ndbs > 0)
		admin_exec(sql);
	if (own_cluster[0] != '\0' && !cluster("stop", own_cluster, NULL, 0))
		return -1;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		STORE_SUITE_TESTS,
		cmocka_unit_test(test_pg_urls),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
