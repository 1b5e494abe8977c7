/* The store suite on SQLite (temporary files), plus URL handling. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "store_suite.h"

static char tmpdir[64];
static int db_count;

static char *fresh_url(void)
{
	char *url = malloc(160);

	assert_non_null(url);
	snprintf(url, 160, "sqlite:%s/t%d.db", tmpdir, db_count++);
	return url;
}

static void test_url_forms(void **state)
{
	(void)state;
	char url[240], plain[120], slashes[140];
	m2m_store *st;
	int64_t count = 0;

	snprintf(plain, sizeof plain, "%s/forms.db", tmpdir);
	snprintf(url, sizeof url, "sqlite:%s?busy_timeout=250&synchronous=full", plain);
	snprintf(slashes, sizeof slashes, "sqlite://%s", plain);
	st = open_ok(url, NULL);
	add_eis(st, EID1, NULL);
	m2m_store_close(st);
	/* A plain path and the sqlite:// spelling reach the same file. */
	st = open_ok(plain, NULL);
	OK(m2m_store_eis_count(st, &count));
	assert_int_equal(count, 1);
	m2m_store_close(st);
	st = open_ok(slashes, NULL);
	OK(m2m_store_eis_count(st, &count));
	assert_int_equal(count, 1);
	m2m_store_close(st);
}

static void test_bad_urls(void **state)
{
	(void)state;
	char url[200];
	m2m_store *st = (m2m_store *)1;

	open_fails("", NULL, M2M_ERR_ARG, "empty database URL");
	open_fails("mysql://db.example/x", NULL, M2M_ERR_ARG,
		   "unsupported database URL scheme 'mysql'");
	open_fails("sqlite:", NULL, M2M_ERR_ARG, "empty path");
	open_fails("sqlite:///", NULL, M2M_ERR_IO, "cannot open SQLite database");
	open_fails("sqlite:/nonexistent-dir/x.db", NULL, M2M_ERR_IO,
		   "cannot open SQLite database '/nonexistent-dir/x.db'");
	snprintf(url, sizeof url, "sqlite:%s/o.db?bogus=1", tmpdir);
	open_fails(url, NULL, M2M_ERR_ARG, "unknown SQLite URL option 'bogus'");
	snprintf(url, sizeof url, "sqlite:%s/o.db?busy_timeout=soon", tmpdir);
	open_fails(url, NULL, M2M_ERR_ARG, "busy_timeout");
	snprintf(url, sizeof url, "sqlite:%s/o.db?synchronous=off", tmpdir);
	open_fails(url, NULL, M2M_ERR_ARG, "synchronous");
	snprintf(url, sizeof url, "sqlite:%s/o.db?busy_timeout", tmpdir);
	open_fails(url, NULL, M2M_ERR_ARG, "has no value");
	/* A file that is not a database is refused, not overwritten. */
	snprintf(url, sizeof url, "%s/text.db", tmpdir);
	FILE *f = fopen(url, "w");
	assert_non_null(f);
	fputs("this is not an SQLite database, it is a text file of some length............\n"
	      "padding padding padding padding padding padding padding padding padding padding\n",
	      f);
	fclose(f);
	open_fails(url, NULL, M2M_ERR_IO, "not a database");
	assert_int_equal(m2m_store_open(NULL, NULL, &st, NULL, 0), M2M_ERR_ARG);
	assert_null(st);
	assert_int_equal(m2m_store_open("x.db", NULL, NULL, NULL, 0), M2M_ERR_ARG);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/m2m-store-XXXXXX");
	suite_backend = "sqlite";
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		STORE_SUITE_TESTS,
		cmocka_unit_test(test_url_forms),
		cmocka_unit_test(test_bad_urls),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
