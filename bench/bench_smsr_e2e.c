/* m2mrsp bench smsr, end to end: a run directory with `pki init`, a farm of N eUICCs with a
 * second (disabled) profile, `devices run` (its SMSC), `smsr import` and `m2mrsp smsr` on
 * SQLite (WAL) or PostgreSQL, then one ES4 EnableProfile of the second profile per eUICC from
 * C client threads (bench_smsr_load.c). Prints the rate, the latencies, the failures, the CPU
 * time and peak RSS of the SM-SR and of the farm, the SM-SR's busiest threads, and the job
 * table afterwards (the enables and the notification confirmations they caused). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_smsr.h"
#include "cli/cli.h"
#include "core/log.h"
#include "net/http_client.h"
#include "store/store.h"

#define NTHREADS 64

typedef struct {
	const bsr_opts *o;
	char dir[128];
	char pkg[512];
	char pg_dir[128];  /* the throw-away cluster, "" = none */
	char pg_schema[48]; /* the schema made in a given database, "" = none */
	char db[1024];      /* the store URL of the SM-SR */
	char smpp[64], control[64], es[64];
	pid_t farm, smsr;
	char (*eid)[40];
	char (*iccid2)[24];
	size_t n;
	m2m_ws_schema *schema;
} run;

static const char *backend(const char *url)
{
	return strncmp(url, "postgres", 8) == 0 ? "PostgreSQL" : "SQLite (WAL)";
}

/* The n-th "key":"value" of line (n from 0) into out. */
static bool json_nth(const char *line, const char *key, int n, char *out, size_t cap)
{
	const char *p = line;
	size_t k = strlen(key);

	for (int i = 0; i <= n; i++) {
		p = strstr(p, key);
		if (p == NULL)
			return false;
		p += k;
	}
	return snprintf(out, cap, "%.*s", (int)strcspn(p, "\""), p) > 0;
}

static bool read_devices(run *r)
{
	char file[256], *line = NULL;
	size_t cap = 0;
	FILE *f;
	bool ok = true;

	snprintf(file, sizeof file, "%s/devices.json", r->dir);
	r->eid = calloc(r->o->euiccs, sizeof *r->eid);
	r->iccid2 = calloc(r->o->euiccs, sizeof *r->iccid2);
	f = fopen(file, "r");
	if (f == NULL || r->eid == NULL || r->iccid2 == NULL) {
		if (f != NULL)
			fclose(f);
		return false;
	}
	while (ok && r->n < r->o->euiccs && getline(&line, &cap, f) > 0) {
		ok = json_nth(line, "\"eid\":\"", 0, r->eid[r->n], sizeof r->eid[0]) &&
		     json_nth(line, "\"iccid\":\"", 1, r->iccid2[r->n], sizeof r->iccid2[0]);
		r->n++;
	}
	free(line);
	fclose(f);
	return ok && r->n == r->o->euiccs;
}

static bool make_farm(run *r)
{
	double t0 = bsr_now();
	int rc = bsr_sh("'%s' pki init '%s/pki' >/dev/null && "
			"'%s' devices init --db '%s/farm.sqlite' --count %zu --bootstrap '%s' "
			"--second-profile '%s' --seed " BSR_SEED " --jobs 2 >'%s/init.log' 2>&1 && "
			"'%s' devices list --db '%s/farm.sqlite' --json > '%s/devices.json'",
			bsr_self(), r->dir, bsr_self(), r->dir, r->o->euiccs, r->pkg, r->pkg,
			r->dir, bsr_self(), r->dir, r->dir);
	if (rc != 0 || !read_devices(r)) {
		fprintf(stderr, "bench smsr: the farm was not made (see %s/init.log)\n", r->dir);
		return false;
	}
	printf("set-up: farm of %zu eUICCs (2 profiles each) made in %.1f s\n", r->n,
	       bsr_now() - t0);
	return true;
}

static bool start_farm(run *r)
{
	char db[256], out[256], err[256], cache[32];
	snprintf(db, sizeof db, "%s/farm.sqlite", r->dir);
	snprintf(out, sizeof out, "%s/farm.out", r->dir);
	snprintf(err, sizeof err, "%s/farm.err", r->dir);
	snprintf(cache, sizeof cache, "%zu", r->n + 16);
	char *argv[] = {(char *)bsr_self(), "devices", "run", "--db", db, "--smpp",
			"127.0.0.1:0", "--control", "127.0.0.1:0", "--system-id", "smsr",
			"--password", "secret", "--cache", cache, "--log-level", "warn", NULL};

	r->farm = bsr_spawn(argv, out, err);
	return r->farm > 0 && bsr_wait_line(out, "smpp", r->smpp, sizeof r->smpp, 60) &&
	       bsr_wait_line(out, "control", r->control, sizeof r->control, 10);
}

/* A file next to the source tree of the binary (build trees one or two levels down). */
static bool source_file(const char *rel, char *out, size_t cap)
{
	char exe[512], *slash;

	snprintf(exe, sizeof exe, "%s", bsr_self());
	slash = strrchr(exe, '/');
	if (slash != NULL)
		*slash = '\0';
	if (snprintf(out, cap, "%s/../%s", exe, rel) < (int)cap && access(out, R_OK) == 0)
		return true;
	return snprintf(out, cap, "%s/../../%s", exe, rel) < (int)cap && access(out, R_OK) == 0;
}

/* First line of a command's standard output. */
static bool cmd_line(const char *cmd, char *out, size_t cap)
{
	FILE *p = popen(cmd, "r");
	bool ok = p != NULL && fgets(out, (int)cap, p) != NULL;

	if (p != NULL)
		ok = pclose(p) == 0 && ok;
	if (ok)
		out[strcspn(out, "\r\n")] = '\0';
	return ok;
}

/* The database: SQLite (WAL) in the run directory; a throw-away cluster (--pg); or a fresh
 * schema in the given PostgreSQL database (dropped afterwards), so a run never meets the
 * rows of another. */
static bool make_db(run *r)
{
	char script[512], cmd[1024], url[768];

	if (r->o->db == NULL && !r->o->pg) {
		snprintf(r->db, sizeof r->db, "sqlite:%s/smsr.sqlite", r->dir);
		return true;
	}
	if (r->o->pg) {
		if (!source_file("scripts/pg-cluster.sh", script, sizeof script)) {
			fprintf(stderr, "bench smsr: scripts/pg-cluster.sh not found\n");
			return false;
		}
		snprintf(r->pg_dir, sizeof r->pg_dir, "/tmp/m2m-bench-pg-%ld", (long)getpid());
		snprintf(cmd, sizeof cmd, "bash '%s' start '%s'", script, r->pg_dir);
		if (!cmd_line(cmd, r->db, sizeof r->db)) {
			fprintf(stderr, "bench smsr: no PostgreSQL cluster (%s)\n", cmd);
			r->pg_dir[0] = '\0';
			return false;
		}
		return true;
	}
	snprintf(url, sizeof url, "%s", r->o->db);
	snprintf(r->pg_schema, sizeof r->pg_schema, "m2m_bench_%ld", (long)getpid());
	if (bsr_sh("psql -q '%s' -c 'CREATE SCHEMA %s' >/dev/null", url, r->pg_schema) != 0) {
		fprintf(stderr, "bench smsr: psql could not create schema %s in %s\n",
			r->pg_schema, url);
		r->pg_schema[0] = '\0';
		return false;
	}
	snprintf(r->db, sizeof r->db, "%s%coptions=-csearch_path%%3D%s", url,
		 strchr(url, '?') != NULL ? '&' : '?', r->pg_schema);
	return true;
}

static void drop_db(run *r)
{
	char script[512];

	if (r->pg_schema[0] != '\0')
		bsr_sh("psql -q '%s' -c 'DROP SCHEMA %s CASCADE' >/dev/null 2>&1", r->o->db,
		       r->pg_schema);
	if (r->pg_dir[0] != '\0' && source_file("scripts/pg-cluster.sh", script, sizeof script))
		bsr_sh("bash '%s' stop '%s'", script, r->pg_dir);
}

static bool write_config(run *r)
{
	char file[256];
	const char *port = strrchr(r->smpp, ':');
	FILE *f;

	snprintf(file, sizeof file, "%s/smsr.ini", r->dir);
	f = fopen(file, "w");
	if (f == NULL || port == NULL) {
		if (f != NULL)
			fclose(f);
		return false;
	}
	fprintf(f,
		"[smsr]\nid = smsr1\ndb = %s\nmaster_key = " BSR_MASTER "\nlog_level = warn\n"
		"[es]\nlisten = 127.0.0.1:0\ncert = %s/pki/smsr1-tls.crt\n"
		"key = %s/pki/smsr1-tls.key\nca = %s/pki/tls-ca.crt\n"
		"[smpp]\nhost = 127.0.0.1\nport = %s\nsystem_id = smsr\npassword = secret\n"
		"window = %d\n"
		"[engine]\nconcurrency = %d\nhold_max = 3600\n"
		"[callers]\nmno1 = " BSR_MNO1 "\n",
		r->db, r->dir, r->dir, r->dir, port + 1, r->o->window, r->o->engine);
	return fclose(f) == 0;
}

static bool import_and_start(run *r)
{
	char cfg[256], out[256], err[256];
	double t0 = bsr_now();

	if (bsr_sh("'%s' smsr import --config '%s/smsr.ini' --devices '%s/devices.json' "
		   "--mno-id " BSR_MNO1 " --eum-key '%s/pki/eum1.key' >'%s/import.log' 2>&1",
		   bsr_self(), r->dir, r->dir, r->dir, r->dir) != 0) {
		fprintf(stderr, "bench smsr: smsr import failed (see %s/import.log)\n", r->dir);
		return false;
	}
	printf("set-up: smsr import of %zu eUICCs in %.1f s\n", r->n, bsr_now() - t0);
	snprintf(cfg, sizeof cfg, "%s/smsr.ini", r->dir);
	snprintf(out, sizeof out, "%s/smsr.out", r->dir);
	snprintf(err, sizeof err, "%s/smsr.err", r->dir);
	char *argv[] = {(char *)bsr_self(), "smsr", "--config", cfg, NULL};
	r->smsr = bsr_spawn(argv, out, err);
	if (r->smsr <= 0 || !bsr_wait_line(out, "es", r->es, sizeof r->es, 60)) {
		fprintf(stderr, "bench smsr: the SM-SR did not start (see %s)\n", err);
		return false;
	}
	return true;
}

static void print_usage(const char *who, const bsr_usage *before, const bsr_usage *after,
			double elapsed, size_t n)
{
	double cpu = after->cpu_s - before->cpu_s;
	printf("  %-6s CPU %.1f s during the load (%.0f%% of one core, %.2f ms per call), "
	       "RSS %.1f MB, peak %.1f MB\n",
	       who, cpu, elapsed > 0 ? 100.0 * cpu / elapsed : 0, 1000.0 * cpu / (double)n,
	       after->rss_kb / 1024.0, after->hwm_kb / 1024.0);
}

static void print_machine(const bsr_machine_cpu *b, const bsr_machine_cpu *a, double elapsed,
			  size_t n)
{
	double total = a->total_s - b->total_s, idle = a->idle_s - b->idle_s;
	double self = a->self_s - b->self_s;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	printf("  client CPU %.1f s during the load (%.0f%% of one core, %.2f ms per call)\n", self,
	       elapsed > 0 ? 100.0 * self / elapsed : 0, 1000.0 * self / (double)n);
	printf("  machine: %ld CPUs, %.0f%% busy during the load (all processes, other users "
	       "included)\n",
	       cpus, total > 0 ? 100.0 * (total - idle) / total : 0);
}

static int by_secs_desc(const void *a, const void *b)
{
	const double *x = a, *y = b;
	return (*y > *x) - (*y < *x);
}

/* The SM-SR's threads that used CPU during the load (after minus before). */
static void print_threads(char nb[][32], double *sb, size_t nbn, char na[][32], double *sa,
			  size_t nan, double elapsed)
{
	struct {
		double s;
		char name[32];
	} t[NTHREADS];
	size_t n = 0;

	for (size_t k = 0; k < nan && n < NTHREADS; k++) {
		double prev = 0;
		for (size_t j = 0; j < nbn; j++)
			if (strcmp(nb[j], na[k]) == 0)
				prev = sb[j];
		t[n].s = sa[k] - prev;
		snprintf(t[n].name, sizeof t[n].name, "%s", na[k]);
		n++;
	}
	qsort(t, n, sizeof t[0], by_secs_desc);
	printf("  smsr threads (CPU s during the load, %% of the load's wall time):");
	for (size_t k = 0; k < n && k < 6 && t[k].s > 0.05; k++)
		printf(" [%s %.1f s %.0f%%]", t[k].name, t[k].s, 100 * t[k].s / elapsed);
	printf("\n");
}

/* The job table after the load: enables plus the notification confirmations they caused. */
static void print_jobs(run *r)
{
	static const m2m_store_job_state states[] = {
		M2M_STORE_JOB_QUEUED, M2M_STORE_JOB_SENT, M2M_STORE_JOB_ANSWERED,
		M2M_STORE_JOB_FAILED, M2M_STORE_JOB_EXPIRED};
	m2m_store *st = NULL;
	char err[256];

	if (m2m_store_open(r->db, BSR_MASTER, &st, err, sizeof err) != M2M_OK) {
		printf("  jobs: store not readable: %s\n", err);
		return;
	}
	printf("  jobs in the store:");
	for (size_t k = 0; k < sizeof states / sizeof states[0]; k++) {
		int64_t c = -1;
		m2m_store_job_count(st, states[k], &c);
		printf(" %s %lld", m2m_store_job_state_name(states[k]), (long long)c);
	}
	printf("\n");
	m2m_store_close(st);
}

/* The throw-away cluster's server process (--pg), 0 otherwise. */
static pid_t postmaster(run *r)
{
	char file[256];
	long pid = 0;
	FILE *f;

	if (r->pg_dir[0] == '\0')
		return 0;
	snprintf(file, sizeof file, "%s/data/postmaster.pid", r->pg_dir);
	f = fopen(file, "r");
	if (f != NULL && fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	if (f != NULL)
		fclose(f);
	return (pid_t)pid;
}

/* PostgreSQL's own count of committed transactions and rows written/read in the database
 * of url (cumulative, pg_stat_database), or false. */
static bool pg_stats(const char *url, long long v[4])
{
	char cmd[1400], line[256];

	if (strncmp(url, "postgres", 8) != 0 ||
	    snprintf(cmd, sizeof cmd,
		     "psql -qAt -F ' ' '%s' -c 'SELECT pg_stat_force_next_flush()' -c "
		     "'SELECT xact_commit, tup_inserted + tup_updated + tup_deleted, tup_fetched, "
		     "tup_returned FROM pg_stat_database WHERE datname = current_database()' "
		     "2>/dev/null | tail -n 1",
		     url) >= (int)sizeof cmd ||
	    !cmd_line(cmd, line, sizeof line))
		return false;
	return sscanf(line, "%lld %lld %lld %lld", &v[0], &v[1], &v[2], &v[3]) == 4;
}

/* A machine shared with other work: the measured processes (SM-SR, farm, our client
 * threads, the PostgreSQL cluster of --pg) get nice value v during the load only. */
static void prioritise(run *r, pid_t pg, int v)
{
	bsr_renice(r->smsr, v, false);
	bsr_renice(r->farm, v, false);
	bsr_renice(getpid(), v, false);
	if (pg > 0)
		bsr_renice(pg, v, true);
}

static bool measure(run *r)
{
	char nb[NTHREADS][32], na[NTHREADS][32], tag[32];
	double sb[NTHREADS], sa[NTHREADS];
	bsr_usage sb_u, sa_u, fb_u, fa_u;
	bsr_machine_cpu mb, ma;
	pid_t pg = postmaster(r);
	double pgb = pg > 0 ? bsr_tree_cpu(pg) : 0, pga;
	bsr_result res;
	bool ok;

	snprintf(tag, sizeof tag, "%ld-%ld", (long)getpid(), (long)time(NULL));
	bsr_load l = {.es = r->es, .dir = r->dir, .schema = r->schema, .eid = r->eid,
		      .iccid = r->iccid2, .n = r->n, .concurrency = r->o->concurrency,
		      .tag = tag};
	long long pgs_b[4], pgs_a[4];
	bool pgs = pg_stats(r->db, pgs_b);
	if (r->o->nice != 0)
		prioritise(r, pg, r->o->nice);
	size_t nbn = bsr_threads(r->smsr, nb, sb, NTHREADS);
	bsr_usage_of(r->smsr, &sb_u);
	bsr_usage_of(r->farm, &fb_u);
	bsr_machine(&mb);
	ok = bsr_load_run(&l, &res);
	bsr_machine(&ma);
	pga = pg > 0 ? bsr_tree_cpu(pg) : 0;
	bsr_usage_of(r->smsr, &sa_u);
	bsr_usage_of(r->farm, &fa_u);
	size_t nan = bsr_threads(r->smsr, na, sa, NTHREADS);
	if (r->o->nice != 0)
		prioritise(r, pg, 0);
	pgs = pgs && pg_stats(r->db, pgs_a);
	if (!ok) {
		fprintf(stderr, "bench smsr: no client thread started\n");
		bsr_result_free(&res);
		return false;
	}
	printf("ES4 EnableProfile, %s, %zu eUICCs, %zu client threads, held answers, mutual "
	       "TLS, SMPP:\n",
	       backend(r->db), r->n, r->o->concurrency);
	bsr_result_print("  result", &res);
	print_usage("smsr", &sb_u, &sa_u, res.elapsed_s, r->n);
	print_usage("farm", &fb_u, &fa_u, res.elapsed_s, r->n);
	if (pg > 0)
		printf("  postgres CPU %.1f s during the load (%.0f%% of one core, %.2f ms per call), "
		       "server and backends\n",
		       pga - pgb, 100.0 * (pga - pgb) / res.elapsed_s,
		       1000.0 * (pga - pgb) / (double)r->n);
	if (pgs)
		printf("  postgres statistics per call: %.1f transactions, %.1f rows written, %.1f "
		       "rows fetched (pg_stat_database, whole database)\n",
		       (double)(pgs_a[0] - pgs_b[0]) / (double)r->n,
		       (double)(pgs_a[1] - pgs_b[1]) / (double)r->n,
		       (double)(pgs_a[2] - pgs_b[2]) / (double)r->n);
	print_machine(&mb, &ma, res.elapsed_s, r->n);
	print_threads(nb, sb, nbn, na, sa, nan, res.elapsed_s);
	print_jobs(r);
	ok = res.failed == 0 && res.ok == r->n;
	bsr_result_free(&res);
	return ok;
}

static void cleanup(run *r)
{
	bsr_stop(&r->smsr);
	bsr_stop(&r->farm);
	drop_db(r);
	if (r->o->keep)
		printf("run directory kept: %s\n", r->dir);
	else if (r->dir[0] != '\0')
		bsr_sh("rm -rf '%s'", r->dir);
	m2m_ws_schema_free(r->schema);
	free(r->eid);
	free(r->iccid2);
}

int bsr_e2e(const bsr_opts *o)
{
	run r;
	int rc = M2M_EXIT_IO;

	memset(&r, 0, sizeof r);
	r.o = o;
	m2m_log_setup(M2M_LOG_ERROR, M2M_LOG_PLAIN, stderr);
	snprintf(r.dir, sizeof r.dir, "/tmp/m2m_bench_smsr_XXXXXX");
	if (mkdtemp(r.dir) == NULL) {
		r.dir[0] = '\0';
		fprintf(stderr, "bench smsr: no run directory\n");
		goto out;
	}
	snprintf(r.pkg, sizeof r.pkg, "%s", o->package);
	if (m2m_ws_init() != M2M_OK || m2m_http_global_init() != M2M_OK ||
	    m2m_ws_schema_load(NULL, &r.schema) != M2M_OK) {
		fprintf(stderr, "bench smsr: the GSMA schema was not found\n");
		goto out;
	}
	if (!make_farm(&r) || !start_farm(&r) || !make_db(&r) || !write_config(&r) ||
	    !import_and_start(&r))
		goto out;
	printf("SM-SR: [smpp] window %d, [engine] concurrency %d, log_level warn, store %s%s\n",
	       o->window, o->engine, backend(r.db),
	       o->nice != 0 ? "; measured processes reniced during the load" : "");
	rc = measure(&r) ? M2M_EXIT_OK : M2M_EXIT_FAILED;
out:
	cleanup(&r);
	return rc;
}
