/* m2mrsp bench smsr: the parts shared by its files (bench_smsr*.c). Processes are started
 * and read as the e2e tests do (tests/e2e/e2e_harness.h), without cmocka. */
#ifndef M2M_BENCH_SMSR_H
#define M2M_BENCH_SMSR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ws/schema.h"

#define BSR_MASTER "000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f"
#define BSR_MNO1 "1.3.6.1.4.1.99999.1"
#define BSR_SEED "000102030405060708090a0b0c0d0e0f"

typedef struct {
	size_t euiccs;
	size_t concurrency;
	const char *db;      /* NULL: SQLite in the run directory; else a postgresql:// URL */
	bool pg;             /* a throw-away cluster made with scripts/pg-cluster.sh */
	size_t memory_eis;   /* 0: no memory part */
	bool e2e;            /* the end to end part */
	bool keep;           /* leave the run directory */
	int window;          /* [smpp] window of the SM-SR */
	int engine;          /* [engine] concurrency of the SM-SR */
	const char *package; /* the profile package of the farm */
	int nice;            /* during the load, the measured processes' nice value (0: as is) */
} bsr_opts;

/* ---- processes (bench_smsr_proc.c) ---- */

double bsr_now(void);
/* The m2mrsp binary that runs us (/proc/self/exe). */
const char *bsr_self(void);
int bsr_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Starts argv (NULL-terminated) with stdout to out_file and stderr to err_file. */
pid_t bsr_spawn(char *const argv[], const char *out_file, const char *err_file);
/* Waits up to timeout_s for a line "key VALUE" in file, copies VALUE. */
bool bsr_wait_line(const char *file, const char *key, char *out, size_t cap, double timeout_s);
void bsr_stop(pid_t *pid);
typedef struct {
	double cpu_s;   /* user + system, all threads */
	long rss_kb;    /* VmRSS */
	long hwm_kb;    /* VmHWM */
} bsr_usage;
bool bsr_usage_of(pid_t pid, bsr_usage *u);
/* CPU seconds of each thread of pid ("tid N" in names), up to cap threads. */
size_t bsr_threads(pid_t pid, char names[][32], double *secs, size_t cap);
typedef struct {
	double total_s, idle_s; /* all CPUs, from /proc/stat */
	double self_s;          /* this process (the clients), getrusage */
} bsr_machine_cpu;
bool bsr_machine(bsr_machine_cpu *m);
/* CPU seconds of root and its children (a PostgreSQL server and its backends). */
double bsr_tree_cpu(pid_t root);
/* Sets the nice value of every thread of pid (and of its children's threads). */
void bsr_renice(pid_t pid, int nice_value, bool children);
/* given, or the TS.48 package beside the source tree of the binary; NULL if not found. */
const char *bsr_package(const char *given);
/* A file's size in bytes (0 if absent). */
long long bsr_file_size(const char *path);

/* ---- the ES4 load (bench_smsr_load.c) ---- */

typedef struct {
	const char *es;        /* HOST:PORT of the SM-SR */
	const char *dir;       /* the run directory (pki/ inside) */
	const m2m_ws_schema *schema;
	char (*eid)[40];
	char (*iccid)[24];     /* the ICCID to enable, per eUICC */
	size_t n;
	size_t concurrency;
	const char *tag;       /* in every FunctionCallIdentifier: unique per run */
	bool get_eis;          /* GetEIS (Eid only) instead of EnableProfile */
	/* Another load than ES4 (bench smdp): the caller's TLS identity (pki/<who>-tls.*),
	 * the endpoint's path and the request of eUICC i; NULL: mno1, /soap/es4, the above. */
	const char *who;
	const char *path;
	m2m_err (*request)(const void *arg, size_t i, m2m_ws_msg **out);
	const void *arg;
} bsr_load;

typedef struct {
	double elapsed_s;
	size_t ok, failed;
	double *lat_ms; /* ok and failed calls, in completion order */
	size_t nlat;
	char first_failure[8][256];
	size_t nfirst;
} bsr_result;

bool bsr_load_run(const bsr_load *l, bsr_result *r);
void bsr_result_print(const char *what, const bsr_result *r);
void bsr_result_free(bsr_result *r);

/* ---- the parts ---- */

int bsr_e2e(const bsr_opts *o);
int bsr_memory(const bsr_opts *o);

#endif
