/*
 * test_smdp_es2.c with the SM-DP's inventory on PostgreSQL (a schema of its own in the
 * cluster of M2MRSP_PG_URL, which the CTest fixture gives every test_*_pg.c): the daemon's
 * workers each on their own connection, allocation with SKIP LOCKED under parallel
 * downloads. The SM-SR stays on SQLite.
 */
#define _GNU_SOURCE
#include "smdp_pg.h"
#include "test_smdp_es2.c"
