/*
 * test_smdp_faults.c with the SM-DP's inventory on PostgreSQL (smdp_pg.h): the recovery's
 * statements (the rows left allocated to the instance, the conditional close) and the
 * allocation that records the download, on the other back end. The SM-SR stays on SQLite.
 */
#define _GNU_SOURCE
#include "smdp_pg.h"
#include "test_smdp_faults.c"
