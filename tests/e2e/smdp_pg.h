/*
 * The SM-DP's database on PostgreSQL for the SM-DP e2e tests (test_smdp_es2_pg.c,
 * test_smdp_faults_pg.c): a schema of its own (pg_schema.h). Include before the test.
 */
#ifndef M2M_TESTS_E2E_SMDP_PG_H
#define M2M_TESTS_E2E_SMDP_PG_H

#include "pg_schema.h"

#define SMDP_DB_SETUP() pg_schema_create(smdp_db, sizeof smdp_db)
#define SMDP_DB_TEARDOWN() pg_schema_drop()

#endif
