/* The SM-SR's queues on SQLite (temporary files): the outbox with the notification's
 * forward-only state, and m2m_store_job_claim_eids. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "claim_eids_suite.h"
#include "outbox_suite.h"

static char tmpdir[64];
static int db_count;

static char *fresh_url(void)
{
	char *url = malloc(160);

	assert_non_null(url);
	snprintf(url, 160, "sqlite:%s/o%d.db", tmpdir, db_count++);
	return url;
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/m2m_storeq_XXXXXX");
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
	const struct CMUnitTest tests[] = {OUTBOX_SUITE_TESTS, CLAIM_EIDS_SUITE_TESTS};

	return cmocka_run_group_tests(tests, setup, teardown);
}
