/* m2mrsp demo: the whole system on one machine (docs/demo.md). The state shared by the
 * demo's files: demo_proc.c (work directory, child processes), demo_config.c (configuration
 * and input files), demo_farm.c (the farm's control API and devices), demo_es2.c (the
 * operator's downloads), demo_steps.c (the numbered steps), demo_table.c (the final
 * comparison). */
#ifndef M2M_CLI_DEMO_INT_H
#define M2M_CLI_DEMO_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cli/fleet.h"
#include "ws/client.h"
#include "ws/schema.h"

#define M2M_DEMO_MNO1 "1.3.6.1.4.1.99999.1"   /* mno1: owns the bootstrap profiles */
#define M2M_DEMO_MNO2 "1.3.6.1.4.1.99999.3"   /* mno2: the operator downloading its own */
#define M2M_DEMO_SMSR1 "1.3.6.1.4.1.99999.2"
#define M2M_DEMO_SMSR2 "1.3.6.1.4.1.99999.12" /* step 8's new SM-SR (pki identity smsr2) */
#define M2M_DEMO_SMDP1 "1.3.6.1.4.1.99999.20"
#define M2M_DEMO_EUM1 "1.3.6.1.4.1.99999.10"
#define M2M_DEMO_PROFILE_TYPE "mno2-ts48"
#define M2M_DEMO_PACKAGE "TS48v2_SAIP2.3_NoBERTLV.der"
#define M2M_DEMO_PROCS 4
#define M2M_DEMO_MOVED 10 /* eUICCs handed over to SM-SR2 in step 8 */

/* A daemon the demo started: NAME.out holds its ready lines, NAME.log its log. */
typedef struct {
	const char *name; /* "farm", "smsr", "smsr2", "smdp" */
	pid_t pid;
} m2m_demo_proc;

typedef struct {
	char eid[40];
	char boot_iccid[48]; /* the bootstrap profile (mno1) */
	char op_iccid[48];   /* the operator's profile (mno2) once downloaded */
	bool back;           /* step 6: back to the bootstrap */
	bool downloaded;     /* step 5 succeeded */
	bool fell_back;      /* step 7 */
	bool moved;          /* step 8: handed over to SM-SR2, which holds its EIS now */
} m2m_demo_dev;

typedef struct {
	/* options */
	size_t euiccs;
	bool keep;
	const char *postgres;
	const char *package_opt;
	unsigned concurrency;
	m2m_fleet_progress_mode progress;

	char exe[PATH_MAX];
	char dir[PATH_MAX];
	char package[PATH_MAX];
	char master[65];
	char smsr_db[PATH_MAX + 32];
	char smsr2_db[PATH_MAX + 64];
	char smdp_db[PATH_MAX + 32];
	unsigned scp81_port;
	unsigned smsr2_port; /* SM-SR2's ES listener: SM-SR1's [smsr_peers] names it first */
	char smpp[64], control[64], smsr_es[64], smsr2_es[64], smdp_es[64];
	m2m_demo_proc procs[M2M_DEMO_PROCS];
	size_t nprocs;

	m2m_demo_dev *dev;
	size_t ndev;
	size_t fallback_dev; /* step 7's device (SIZE_MAX: none) */
	size_t moved; /* step 8: eUICCs SM-SR2 holds now */
	size_t matched, mismatched, not_compared;
} m2m_demo;

/* demo_proc.c */
/* The binary itself (/proc/self/exe) into d->exe; false when it cannot be read. */
bool m2m_demo_find_exe(m2m_demo *d);
/* Creates dir (or a new ./m2mrsp-demo-<timestamp>) and makes d->dir absolute. */
int m2m_demo_make_dir(m2m_demo *d, const char *dir);
/* "DIR/name" into out. */
void m2m_demo_path(const m2m_demo *d, const char *name, char *out, size_t cap);
/* Runs `m2mrsp ARGS...` (NULL-terminated) to its end: stdout to DIR/stdout_name (or the
 * terminal if NULL), stderr appended to DIR/log_name (or the terminal if NULL). Returns its
 * exit code (127: could not start, 128+N: killed by signal N). */
int m2m_demo_run(const m2m_demo *d, const char *stdout_name, const char *log_name,
		 const char *const *args);
/* The same without waiting: the child's pid (-1 on failure), then m2m_demo_wait. */
pid_t m2m_demo_start(const m2m_demo *d, const char *stdout_name, const char *log_name,
		     const char *const *args);
int m2m_demo_wait(pid_t pid);
/* Starts a daemon `m2mrsp ARGS...` in its own session (so --keep outlives us), stdout to
 * DIR/NAME.out, stderr to DIR/NAME.log. */
m2m_demo_proc *m2m_demo_spawn(m2m_demo *d, const char *name, const char *const *args);
/* Waits (up to timeout_s) for the line "key VALUE" in DIR/NAME.out; false if the daemon
 * ended or the time ran out. */
bool m2m_demo_wait_line(const m2m_demo *d, m2m_demo_proc *p, const char *key, char *value,
			size_t cap, double timeout_s);
/* SIGTERM to every daemon, waiting for each. */
void m2m_demo_stop_all(m2m_demo *d);
/* Writes DIR/daemons.pids. */
void m2m_demo_write_pids(const m2m_demo *d);
/* Kills the daemons when the demo is interrupted (SIGINT, SIGTERM). */
void m2m_demo_trap_signals(m2m_demo *d);
/* Prints the last lines of DIR/name to stderr (why a child failed). */
void m2m_demo_tail(const m2m_demo *d, const char *name, int lines);

/* demo_config.c */
/* The TS.48 bootstrap package: --package, else $M2MRSP_DEMO_PACKAGE, else searched next to
 * the source tree the binary was built in. */
bool m2m_demo_find_package(m2m_demo *d);
/* A free loopback port (for addresses one process must know before the other starts). */
unsigned m2m_demo_free_port(void);
/* smsr.ini: SM-SR1, which knows SM-SR2 as an ES7 peer ([smsr_peers], [callers]). */
int m2m_demo_write_smsr_ini(const m2m_demo *d, const char *transport_key);
/* smsr2.ini: SM-SR2 (pki identity smsr2, [es7] its GP certificate and key), SM-SR1 its peer;
 * needs d->smsr_es. */
int m2m_demo_write_smsr2_ini(const m2m_demo *d);
int m2m_demo_write_smdp_ini(const m2m_demo *d);
/* The operator's personalisation batch (ICCID, IMSI, Ki, OPc per profile). */
int m2m_demo_write_batch(m2m_demo *d, const char *name);
/* eid,iccid of the devices with back set (step 6's fleet input). */
int m2m_demo_write_back_csv(const m2m_demo *d, const char *name);
/* The random master key of the stores. */
int m2m_demo_new_master(m2m_demo *d);

/* demo_farm.c */
/* EIDs and bootstrap ICCIDs from DIR/devices.json. */
int m2m_demo_read_devices(m2m_demo *d);
/* GET http://CONTROL/path; the body NUL-terminated in *body (malloc); the HTTP status. */
long m2m_demo_control(const m2m_demo *d, const char *method, const char *path, char **body);
/* Integer counter of the farm's GET /stats; -1 on failure. */
long m2m_demo_farm_stat(const m2m_demo *d, const char *name);

/* demo_ws.c: a SOAP client with pki/WHO-tls.* (who: "mno1", "mno2"...), NULL on failure; one
 * held call (no ReplyTo): true on EXECUTED_SUCCESS with the answer in *res, else a one-line
 * reason in why. *res is always set: m2m_ws_result_free it. */
m2m_ws_client *m2m_demo_client(const m2m_demo *d, m2m_ws_schema *schema, const char *who,
			       long timeout_ms);
bool m2m_demo_call(m2m_ws_client *c, const char *url, m2m_ws_msg *m, m2m_ws_result *res,
		   char *why, size_t cap);

/* demo_es2.c: step 5, ES2.DownloadProfile with EnableProfile for every eUICC. */
int m2m_demo_downloads(m2m_demo *d, size_t *ok, size_t *failed, char *why, size_t cap);

/* demo_es7.c: step 8, the SM-SR change of the eUICCs with moved set. Each one: its enabled
 * profile's owner calls ES4 PrepareSMSRChange on SM-SR2, then ES4 SMSRChange on SM-SR1; a
 * line per eUICC. Clears moved of those that failed; the count that worked in *ok, the first
 * failure in why. Returns 0, 1 (a failure) or 3 (no schema). */
int m2m_demo_smsr_change(m2m_demo *d, size_t *ok, char *why, size_t cap);

/* demo_pg.c: SM-SR2's PostgreSQL database beside the one of --postgres (the same URL with
 * dbname=<its database>_smsr2 added), created when missing, into d->smsr2_db; it must hold
 * no eUICC. An exit code (2: not empty, 3: cannot be reached or created). */
int m2m_demo_pg_second(m2m_demo *d);

/* demo_steps.c: the numbered steps; each returns an exit code (0 ok). */
int m2m_demo_steps(m2m_demo *d);

/* demo_table.c: step 9. Returns 0 when every eUICC matched, 1 otherwise, 3 on I/O. */
int m2m_demo_compare(m2m_demo *d);
/* Waits until the SM-SRs have no job queued or sent and the farm no pending notification. */
bool m2m_demo_quiesce(const m2m_demo *d, double timeout_s);

#endif
