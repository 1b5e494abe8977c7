/* The SM-DP inventory on PostgreSQL: a schema of its own per test in the cluster of
 * M2MRSP_PG_URL (the CTest fixture's), or in one this program starts with
 * scripts/pg-cluster.sh when the variable is unset. No cluster is a failure. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "smdp_inventory_suite.h"

static char base_url[512];
static char own_cluster[64];
static int nschemas;

static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static bool admin(const char *sql)
{
	PGconn *c = PQconnectdb(base_url);
	bool ok = false;

	if (PQstatus(c) == CONNECTION_OK) {
		PQsetNoticeProcessor(c, quiet, NULL);
		PGresult *r = PQexec(c, sql);
		ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
		PQclear(r);
	}
	PQfinish(c);
	return ok;
}

static const char *inv_url(void)
{
	static char url[700];
	char sql[96];

	snprintf(sql, sizeof sql, "CREATE SCHEMA m2m_inv%ld_%d", (long)getpid(), nschemas);
	assert_true(admin(sql));
	snprintf(url, sizeof url, "%s&options=-csearch_path%%3Dm2m_inv%ld_%d", base_url,
		 (long)getpid(), nschemas++);
	return url;
}

static bool cluster(const char *cmd, char *out, size_t cap)
{
	char line[256];
	FILE *p;
	bool ok;

	snprintf(line, sizeof line, "bash '%s/scripts/pg-cluster.sh' %s '%s'", M2MRSP_SOURCE_DIR,
		 cmd, own_cluster);
	p = popen(line, "r");
	if (p == NULL)
		return false;
	if (out != NULL && fgets(out, (int)cap, p) != NULL)
		out[strcspn(out, "\n")] = '\0';
	ok = pclose(p) == 0;
	return ok;
}

static int setup(void **state)
{
	const char *env = getenv("M2MRSP_PG_URL");

	if (env != NULL && *env != '\0') {
		snprintf(base_url, sizeof base_url, "%s", env);
	} else {
		snprintf(own_cluster, sizeof own_cluster, "/tmp/m2m-pg-XXXXXX");
		if (mkdtemp(own_cluster) == NULL || !cluster("start", base_url, sizeof base_url))
			return -1;
	}
	if (strchr(base_url, '?') == NULL || !admin("SELECT 1"))
		return -1;
	return inv_setup(state);
}

static int teardown(void **state)
{
	char sql[96];
	int rc = inv_teardown(state);

	for (int i = 0; i < nschemas; i++) {
		snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS m2m_inv%ld_%d CASCADE",
			 (long)getpid(), i);
		admin(sql);
	}
	if (own_cluster[0] != '\0' && !cluster("stop", NULL, 0))
		rc = -1;
	return rc;
}

int main(void)
{
	const struct CMUnitTest tests[] = {INVENTORY_TESTS};

	return cmocka_run_group_tests(tests, setup, teardown);
}
