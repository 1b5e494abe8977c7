/* The SM-DP inventory on SQLite: one database file per test (smdp_inventory_suite.h). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "smdp_inventory_suite.h"

static const char *inv_url(void)
{
	static char url[128];
	static int n;

	snprintf(url, sizeof url, "sqlite:%s/inv%d.sqlite", tmpdir, n++);
	return url;
}

int main(void)
{
	const struct CMUnitTest tests[] = {INVENTORY_TESTS};

	return cmocka_run_group_tests(tests, inv_setup, inv_teardown);
}
