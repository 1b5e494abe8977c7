/*
 * Two SM-SR processes of one identity on one PostgreSQL database (a schema of its own,
 * pg_schema.h), each with its own worker name: A, the harness's smsr (smsr.ini, node-0), and
 * B (smsr1.ini, node-1). The fixture of test_smsr_pg.c and test_smsr_repeat_pg.c.
 */
#ifndef M2M_TESTS_E2E_PG_PAIR_HARNESS_H
#define M2M_TESTS_E2E_PG_PAIR_HARNESS_H

#include "e2e_harness.h"
#include "pg_schema.h"

/* What the harness's fixture (F) does not have: the database and B. */
static struct {
	char db_url[768];
	pid_t smsr; /* B */
	char es[64]; /* B's ES endpoint (HOST:PORT) */
} PAIR;

/* The fixture (directory from tmpl, an MNO endpoint "es4"), eUICCs with a second profile,
 * the farm, both processes' configurations (write_node_ini; tail: por_timeout, [engine],
 * [callers]...), the import, A, then B. B's SMSC is the farm's, or with b_no_smsc a port
 * nobody listens on: B then never binds, so never claims a job. */
static inline void pg_pair_setup(const char *tmpl, bool b_no_smsc, const char *tail)
{
	const char *farm_port;
	char port[16];

	pg_schema_create(PAIR.db_url, sizeof PAIR.db_url);
	fixture_new(tmpl, M2M_WS_ROLE_MNO, "es4");
	make_devices(true);
	start_farm(NULL);
	farm_port = strrchr(F->smpp, ':');
	assert_non_null(farm_port);
	write_node_ini("smsr", 0, PAIR.db_url, farm_port + 1, tail);
	if (b_no_smsc)
		snprintf(port, sizeof port, "%u", free_port());
	else
		snprintf(port, sizeof port, "%s", farm_port + 1);
	write_node_ini("smsr1", 1, PAIR.db_url, port, tail);
	import_and_start_smsr();
	PAIR.smsr = start_smsr_named("smsr1", PAIR.es, sizeof PAIR.es);
}

static inline int pg_pair_teardown(void **state)
{
	if (F == NULL)
		return 0;
	stop(&PAIR.smsr, SIGTERM);
	pg_schema_drop();
	return teardown(state);
}

/* The shared database, opened with MASTER. */
static inline m2m_store *pg_pair_store(void)
{
	m2m_store *st = NULL;
	char err[256];

	assert_int_equal(m2m_store_open(PAIR.db_url, MASTER, &st, err, sizeof err), M2M_OK);
	return st;
}

#endif
