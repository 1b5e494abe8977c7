/*
 * End to end, the SM-SR's retention of finished work (docs/smsr.md "Retention"): with
 * `[engine] retention = 1` (second), an EnableProfile's finished job and call record are
 * purged when the SM-SR starts again two seconds later, and the same FunctionCallIdentifier
 * is then a new call (a second job).
 */
#define _POSIX_C_SOURCE 200809L
#define NDEV 1
#include "e2e_harness.h"

static int setup(void **state)
{
	FILE *f;

	(void)state;
	fixture_new("/tmp/m2m_ret_XXXXXX", M2M_WS_ROLE_MNO, "es4");
	make_devices(true);
	start_farm(NULL);
	f = config_begin();
	fprintf(f, "por_timeout = 2000\n"
		   "[engine]\nconcurrency = 8\nretries = 5\nbackoff = 300\nlease = 3000\npoll = 50\n"
		   "retention = 1\n"
		   "[callers]\nmno1 = " MNO1 "\n");
	fclose(f);
	import_and_start_smsr();
	return 0;
}

/* Jobs of the eUICC with call_id (all its jobs in *all), and whether its call record is
 * there. */
static size_t jobs_of(const char *call_id, size_t *all, bool *recorded)
{
	m2m_store *st = store_open();
	m2m_store_call c;
	jobs_seen seen;
	size_t mine = jobs_for_call(st, F->eid[0], call_id, &seen);

	*all = seen.all;
	memset(&c, 0, sizeof c);
	*recorded = m2m_store_call_get(st, "mno1", call_id, &c) == M2M_OK;
	m2m_store_call_clear(&c);
	m2m_store_close(st);
	return mine;
}

/* The SM-SR's log (smsr.err) has a line with needle. */
static bool log_has(const char *needle)
{
	char file[256], line[1024];
	bool found = false;
	FILE *f;

	path(file, sizeof file, "smsr.err");
	f = fopen(file, "r");
	assert_non_null(f);
	while (!found && fgets(line, sizeof line, f) != NULL)
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

static void enable_second(const char *fcid, outcome *o)
{
	call("mno1", M2M_WS_ES4_ENABLE_PROFILE, NULL, 0, false, true,
	     request(M2M_WS_ES4_ENABLE_PROFILE, fcid, 0, "Iccid", F->iccid2[0], NULL), o);
}

static void test_retention(void **state)
{
	bool recorded = false;
	size_t all = 0;
	outcome o;

	(void)state;
	enable_second("ret-1", &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_int_equal(jobs_of("ret-1", &all, &recorded), 1);
	assert_true(recorded);
	/* Older than the retention by the time the SM-SR starts again: purged at its start. */
	struct timespec two = {2, 0};
	nanosleep(&two, NULL);
	stop(&F->smsr, SIGTERM);
	start_smsr(); /* it purges before it listens */
	assert_true(log_has(" finished jobs and 1 call records purged"));
	/* The enable's job and the confirmation of the card's notification: all finished. */
	assert_int_equal(jobs_of("ret-1", &all, &recorded), 0);
	assert_int_equal(all, 0);
	assert_false(recorded);
	/* The identifier is free again: a new call, a new job (the profile is enabled already,
	 * so the card refuses it: the point is that it ran). */
	enable_second("ret-1", &o);
	assert_int_equal(jobs_of("ret-1", &all, &recorded), 1);
	assert_true(recorded);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retention),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
