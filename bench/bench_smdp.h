/* m2mrsp bench smdp: the parts shared by its files (bench_smdp*.c). The processes are
 * started and read with the helpers of bench smsr (bench_smsr.h). */
#ifndef M2M_BENCH_SMDP_H
#define M2M_BENCH_SMDP_H

#include <stdbool.h>
#include <stddef.h>

#include "bench_smsr.h"
#include "ws/schema.h"

#define BSD_MNO1 "1.3.6.1.4.1.99999.1"   /* owns the bootstrap profiles */
#define BSD_MNO2 "1.3.6.1.4.1.99999.3"   /* owns the profiles downloaded */
#define BSD_SMSR1 "1.3.6.1.4.1.99999.2"
#define BSD_SMDP1 "1.3.6.1.4.1.99999.20"
#define BSD_EUM1 "1.3.6.1.4.1.99999.10" /* smsr import's default Eum-id */
#define BSD_TYPE "bench-ts48"

typedef struct {
	size_t downloads;    /* eUICCs, profiles and ES2 calls */
	size_t concurrency;  /* client threads; also the SM-DP's [download] workers */
	size_t scp81_max;    /* the farm's SCP81 sessions at once */
	size_t smsr_poll;    /* the SM-SR's [engine] poll, ms */
	bool enable;         /* EnableProfile true in the ES2 call */
	bool in_process;     /* the engine against the software eUICC, no processes */
	bool keep;           /* leave the run directory */
	double seconds;      /* per crypto figure of the ceiling */
	const char *package; /* the TS.48 package */
	const char *log;     /* log level of the daemons (default warn) */
} bsd_opts;

/* The ES2 load (bench_smdp_load.c): one DownloadProfile per EID from C client threads. */
typedef struct {
	const char *es;  /* HOST:PORT of the SM-DP */
	const char *dir; /* the run directory (pki/ inside) */
	const m2m_ws_schema *schema;
	char (*eid)[40];
	size_t n;
	size_t concurrency;
	bool enable;     /* EnableProfile true */
	const char *tag; /* in every FunctionCallIdentifier: unique per run */
} bsd_load;

bool bsd_load_run(const bsd_load *l, bsr_result *r);

/* The key establishment ceiling: P-256 rates on one and two threads, printed; the derived
 * downloads/s (both sides on this machine) in *one_core / *two_cores. */
bool bsd_ceiling(double seconds, double *one_core, double *two_cores);
/* The end to end run (bench_smdp_e2e.c). */
int bsd_e2e(const bsd_opts *o);
/* The in-process run (bench_smdp_inproc.c). */
int bsd_in_process(const bsd_opts *o);

#endif
