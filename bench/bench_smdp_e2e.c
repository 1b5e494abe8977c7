/* m2mrsp bench smdp, end to end: a run directory with `pki init`, a farm of N eUICCs
 * (HTTPS-capable, ECASD certificates from the pki's EUM and CI, as the demo's), `devices run`
 * (SMSC and SCP81 client), `smsr import` (the registration: no ES1 here), `m2mrsp smsr` with its
 * SCP81 admin server, `smdp import` of N profiles and `m2mrsp smdp`, then one
 * ES2.DownloadProfile per eUICC from C client threads (bench_smdp_load.c). Prints the rate,
 * the latencies, the failures, the CPU time per download of each process and the SM-SR's job
 * table afterwards (ES3 commands that went to the card). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_smdp.h"
#include "cli/cli.h"
#include "cli/demo_int.h"
#include "core/log.h"
#include "net/http_client.h"
#include "store/store.h"

typedef struct {
	const bsd_opts *o;
	char dir[128];
	char smpp[64], control[64], smsr_es[64], smdp_es[64];
	unsigned scp81_port;
	pid_t farm, smsr, smdp;
	char (*eid)[40];
	size_t n;
	m2m_ws_schema *schema;
} run;

static bool read_eids(run *r)
{
	char file[256], *line = NULL;
	size_t cap = 0;
	FILE *f;

	snprintf(file, sizeof file, "%s/devices.json", r->dir);
	r->eid = calloc(r->o->downloads, sizeof *r->eid);
	f = fopen(file, "r");
	while (f != NULL && r->eid != NULL && r->n < r->o->downloads &&
	       getline(&line, &cap, f) > 0) {
		const char *p = strstr(line, "\"eid\":\"");
		if (p == NULL)
			break;
		p += 7;
		snprintf(r->eid[r->n++], sizeof r->eid[0], "%.*s", (int)strcspn(p, "\""), p);
	}
	free(line);
	if (f != NULL)
		fclose(f);
	return r->n == r->o->downloads;
}

static bool make_farm(run *r)
{
	double t0 = bsr_now();
	const char *s = bsr_self(), *d = r->dir;
	int rc = bsr_sh("'%s' pki init '%s/pki' >/dev/null && "
			"'%s' devices init --db '%s/farm.sqlite' --count %zu --bootstrap '%s' "
			"--eum-key '%s/pki/eum1.key' --ci-key '%s/pki/ci.crt' --seed " BSR_SEED
			" --jobs 2 >'%s/init.log' 2>&1 && "
			"'%s' devices list --db '%s/farm.sqlite' --json > '%s/devices.json'",
			s, d, s, d, r->o->downloads, r->o->package, d, d, d, s, d, d);

	if (rc != 0 || !read_eids(r)) {
		fprintf(stderr, "bench smdp: the farm was not made (see %s/init.log)\n", d);
		return false;
	}
	printf("set-up: pki and a farm of %zu eUICCs made in %.1f s\n", r->n, bsr_now() - t0);
	return true;
}

static bool start_farm(run *r)
{
	char db[256], out[256], err[256], cache[32], url[96], max[32];

	snprintf(db, sizeof db, "%s/farm.sqlite", r->dir);
	snprintf(out, sizeof out, "%s/farm.out", r->dir);
	snprintf(err, sizeof err, "%s/farm.err", r->dir);
	snprintf(cache, sizeof cache, "%zu", r->n + 16);
	snprintf(max, sizeof max, "%zu", r->o->scp81_max);
	/* The SM-SR's SCP81 admin server: the farm must know it before the SM-SR starts. */
	r->scp81_port = m2m_demo_free_port();
	snprintf(url, sizeof url, "https://127.0.0.1:%u/scp81", r->scp81_port);
	char *argv[] = {(char *)bsr_self(), "devices", "run", "--db", db, "--smpp",
			"127.0.0.1:0", "--control", "127.0.0.1:0", "--system-id", "smsr",
			"--password", "secret", "--cache", cache, "--scp81-url", url,
			"--scp81-max", max, "--notify", "https", "--notif-first-ms", "300",
			"--log-level", (char *)r->o->log, NULL};

	r->farm = bsr_spawn(argv, out, err);
	return r->farm > 0 && bsr_wait_line(out, "smpp", r->smpp, sizeof r->smpp, 60) &&
	       bsr_wait_line(out, "control", r->control, sizeof r->control, 10);
}

static bool write_smsr_ini(run *r)
{
	char file[256];
	const char *port = strrchr(r->smpp, ':'), *d = r->dir;
	FILE *f;

	snprintf(file, sizeof file, "%s/smsr.ini", d);
	f = fopen(file, "w");
	if (f == NULL || port == NULL) {
		if (f != NULL)
			fclose(f);
		return false;
	}
	fprintf(f,
		"[smsr]\nid = smsr1\noid = " BSD_SMSR1 "\ndb = sqlite:%s/smsr.sqlite\n"
		"master_key = " BSR_MASTER "\nlog_level = %s\n"
		"[es]\nlisten = 127.0.0.1:0\ncert = %s/pki/smsr1-tls.crt\n"
		"key = %s/pki/smsr1-tls.key\nca = %s/pki/tls-ca.crt\n"
		"[scp81]\nenabled = true\nlisten = 127.0.0.1:%u\n"
		"[smpp]\nhost = 127.0.0.1\nport = %s\nsystem_id = smsr\npassword = secret\n"
		"[engine]\nconcurrency = 512\nhold_max = 3600\npoll = %zu\n"
		"[callers]\nmno1 = " BSD_MNO1 "\nmno2 = " BSD_MNO2 "\nsmdp1 = " BSD_SMDP1 "\n",
		d, r->o->log, d, d, d, r->scp81_port, port + 1, r->o->smsr_poll);
	return fclose(f) == 0;
}

static bool start_smsr(run *r)
{
	char cfg[256], out[256], err[256];
	double t0 = bsr_now();

	if (!write_smsr_ini(r) ||
	    bsr_sh("'%s' smsr import --config '%s/smsr.ini' --devices '%s/devices.json' "
		   "--mno-id " BSD_MNO1 " --eum-key '%s/pki/eum1.key' >'%s/import.log' 2>&1",
		   bsr_self(), r->dir, r->dir, r->dir, r->dir) != 0) {
		fprintf(stderr, "bench smdp: smsr import failed (see %s/import.log)\n", r->dir);
		return false;
	}
	printf("set-up: registration by `smsr import` (not ES1) of %zu eUICCs in %.1f s\n", r->n,
	       bsr_now() - t0);
	snprintf(cfg, sizeof cfg, "%s/smsr.ini", r->dir);
	snprintf(out, sizeof out, "%s/smsr.out", r->dir);
	snprintf(err, sizeof err, "%s/smsr.err", r->dir);
	char *argv[] = {(char *)bsr_self(), "smsr", "--config", cfg, NULL};
	r->smsr = bsr_spawn(argv, out, err);
	if (r->smsr <= 0 || !bsr_wait_line(out, "es", r->smsr_es, sizeof r->smsr_es, 60)) {
		fprintf(stderr, "bench smdp: the SM-SR did not start (see %s)\n", err);
		return false;
	}
	return true;
}

/* digits followed by their Luhn check digit (ICCIDs). */
static void with_luhn(const char *digits, char *out, size_t cap)
{
	size_t n = strlen(digits);
	int sum = 0;

	for (size_t i = 0; i < n; i++) {
		int v = (digits[n - 1 - i] - '0') * (i % 2 == 0 ? 2 : 1);
		sum += v > 9 ? v - 9 : v;
	}
	snprintf(out, cap, "%s%d", digits, (10 - sum % 10) % 10);
}

/* The operator's batch: N profiles, test network 001-01, Ki/OPc from the index (a bench). */
static bool write_batch(run *r)
{
	char file[256], body[32], iccid[40];
	FILE *f;

	snprintf(file, sizeof file, "%s/batch.csv", r->dir);
	f = fopen(file, "w");
	if (f == NULL)
		return false;
	fprintf(f, "iccid,imsi,ki,opc\n");
	for (size_t i = 0; i < r->n; i++) {
		snprintf(body, sizeof body, "89882993%011zu", i);
		with_luhn(body, iccid, sizeof iccid);
		fprintf(f, "%s,00101%010zu,%016zx%016zx,%016zx%016zx\n", iccid, i, i, ~i, ~i, i);
	}
	return fclose(f) == 0;
}

static bool write_smdp_ini(run *r)
{
	char file[256];
	const char *d = r->dir;
	FILE *f;

	snprintf(file, sizeof file, "%s/smdp.ini", d);
	f = fopen(file, "w");
	if (f == NULL)
		return false;
	fprintf(f,
		"[smdp]\nid = smdp1\noid = " BSD_SMDP1 "\ndb = sqlite:%s/smdp.sqlite\n"
		"master_key = " BSR_MASTER "\nlog_level = %s\n"
		"[es]\nlisten = 127.0.0.1:0\ncert = %s/pki/smdp1-tls.crt\n"
		"key = %s/pki/smdp1-tls.key\nca = %s/pki/tls-ca.crt\n"
		"[gp]\nci_cert = %s/pki/ci.crt\ndp_cert = %s/pki/smdp1-ecdsa.gpcert\n"
		"dp_key = %s/pki/smdp1-ecdsa.key\n"
		"[download]\nworkers = %zu\nneed_http = true\n"
		"[smsr.smsr1]\noid = " BSD_SMSR1 "\nurl = https://%s/soap/es3\n"
		"[callers]\nmno2 = " BSD_MNO2 "\nsmsr1 = " BSD_SMSR1 "\n"
		"[eum]\n" BSD_EUM1 " = %s/pki/eum1.crt\n",
		d, r->o->log, d, d, d, d, d, d, r->o->concurrency, r->smsr_es, d);
	return fclose(f) == 0;
}

static bool start_smdp(run *r)
{
	char cfg[256], out[256], err[256];
	double t0 = bsr_now();

	if (!write_batch(r) || !write_smdp_ini(r) ||
	    bsr_sh("'%s' smdp import --config '%s/smdp.ini' --type " BSD_TYPE " --mno " BSD_MNO2
		   " --package '%s' --batch '%s/batch.csv' >'%s/smdp-import.log' 2>&1",
		   bsr_self(), r->dir, r->o->package, r->dir, r->dir) != 0) {
		fprintf(stderr, "bench smdp: smdp import failed (see %s/smdp-import.log)\n",
			r->dir);
		return false;
	}
	printf("set-up: smdp import of %zu profiles in %.1f s\n", r->n, bsr_now() - t0);
	snprintf(cfg, sizeof cfg, "%s/smdp.ini", r->dir);
	snprintf(out, sizeof out, "%s/smdp.out", r->dir);
	snprintf(err, sizeof err, "%s/smdp.err", r->dir);
	char *argv[] = {(char *)bsr_self(), "smdp", "--config", cfg, NULL};
	r->smdp = bsr_spawn(argv, out, err);
	if (r->smdp <= 0 || !bsr_wait_line(out, "es", r->smdp_es, sizeof r->smdp_es, 60)) {
		fprintf(stderr, "bench smdp: the SM-DP did not start (see %s)\n", err);
		return false;
	}
	return true;
}

static void print_cpu(const char *who, double cpu, double elapsed, size_t n)
{
	printf("  %-7s CPU %6.2f s (%4.0f%% of one core), %6.2f ms per download\n", who, cpu,
	       elapsed > 0 ? 100.0 * cpu / elapsed : 0, 1000.0 * cpu / (double)n);
}

/* The SM-SR's job table after the load: the card commands the downloads caused. */
static void print_jobs(run *r)
{
	static const m2m_store_job_state states[] = {
		M2M_STORE_JOB_QUEUED, M2M_STORE_JOB_SENT, M2M_STORE_JOB_ANSWERED,
		M2M_STORE_JOB_FAILED, M2M_STORE_JOB_EXPIRED};
	m2m_store *st = NULL;
	char db[256], err[256];
	int64_t all = 0;

	snprintf(db, sizeof db, "sqlite:%s/smsr.sqlite", r->dir);
	if (m2m_store_open(db, BSR_MASTER, &st, err, sizeof err) != M2M_OK) {
		printf("  smsr jobs: store not readable: %s\n", err);
		return;
	}
	printf("  smsr jobs (card commands):");
	for (size_t k = 0; k < sizeof states / sizeof states[0]; k++) {
		int64_t c = -1;
		m2m_store_job_count(st, states[k], &c);
		all += c > 0 ? c : 0;
		printf(" %s %lld", m2m_store_job_state_name(states[k]), (long long)c);
	}
	printf("; %.2f per download\n", (double)all / (double)r->n);
	m2m_store_close(st);
}

/* With the SM-SR's info (or debug) log: the SCP81 sessions of the run, the set-up's none
 * (docs/bench-smdp.md "One SCP81 session per download"), and the lingers that timed out. */
static void print_sessions(const run *r)
{
	char file[300], line[4096];
	size_t opened = 0, lingers = 0;
	FILE *f;

	if (strcmp(r->o->log, "info") != 0 && strcmp(r->o->log, "debug") != 0)
		return;
	snprintf(file, sizeof file, "%s/smsr.err", r->dir);
	f = fopen(file, "r");
	if (f == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL) {
		opened += strstr(line, ": session opened") != NULL;
		lingers += strstr(line, ": linger over") != NULL;
	}
	fclose(f);
	printf("  smsr SCP81 sessions (its log): %zu opened, %.2f per download; %zu lingers timed "
	       "out\n",
	       opened, (double)opened / (double)r->n, lingers);
}

static bool measure(run *r)
{
	char tag[32];
	bsr_usage b[3], a[3];
	bsr_machine_cpu mb, ma;
	pid_t who[3] = {r->smdp, r->smsr, r->farm};
	bsr_result res;
	bool ok;

	snprintf(tag, sizeof tag, "%ld-%ld", (long)getpid(), (long)time(NULL));
	bsd_load l = {.es = r->smdp_es, .dir = r->dir, .schema = r->schema, .eid = r->eid,
		      .n = r->n, .concurrency = r->o->concurrency, .enable = r->o->enable,
		      .tag = tag};
	for (int k = 0; k < 3; k++)
		bsr_usage_of(who[k], &b[k]);
	bsr_machine(&mb);
	ok = bsd_load_run(&l, &res);
	bsr_machine(&ma);
	for (int k = 0; k < 3; k++)
		bsr_usage_of(who[k], &a[k]);
	if (!ok) {
		fprintf(stderr, "bench smdp: no client thread started\n");
		bsr_result_free(&res);
		return false;
	}
	printf("ES2 DownloadProfile (EnableProfile %s), %zu eUICCs, %zu client threads, SM-DP "
	       "[download] workers %zu, held answers, mutual TLS; ES3 to the SM-SR, SCP81 to "
	       "the cards (farm --scp81-max %zu), SM-SR [engine] poll %zu ms:\n",
	       r->o->enable ? "true" : "false", r->n, r->o->concurrency, r->o->concurrency,
	       r->o->scp81_max, r->o->smsr_poll);
	bsr_result_print("  result", &res);
	double total = ma.total_s - mb.total_s, idle = ma.idle_s - mb.idle_s, sum = 0;
	static const char *const names[] = {"smdp", "smsr", "farm"};
	for (int k = 0; k < 3; k++) {
		print_cpu(names[k], a[k].cpu_s - b[k].cpu_s, res.elapsed_s, r->n);
		sum += a[k].cpu_s - b[k].cpu_s;
	}
	print_cpu("client", ma.self_s - mb.self_s, res.elapsed_s, r->n);
	sum += ma.self_s - mb.self_s;
	print_cpu("all 4", sum, res.elapsed_s, r->n);
	printf("  machine: %ld CPUs, %.0f%% busy during the load (all processes, other users "
	       "included: %.2f CPU s not ours)\n",
	       sysconf(_SC_NPROCESSORS_ONLN), total > 0 ? 100.0 * (total - idle) / total : 0,
	       total - idle - sum);
	printf("  peak RSS: smdp %.1f MB, smsr %.1f MB, farm %.1f MB\n", a[0].hwm_kb / 1024.0,
	       a[1].hwm_kb / 1024.0, a[2].hwm_kb / 1024.0);
	print_jobs(r);
	print_sessions(r);
	ok = res.failed == 0 && res.ok == r->n;
	bsr_result_free(&res);
	return ok;
}

static void cleanup(run *r)
{
	bsr_stop(&r->smdp);
	bsr_stop(&r->smsr);
	bsr_stop(&r->farm);
	if (r->o->keep)
		printf("run directory kept: %s\n", r->dir);
	else if (r->dir[0] != '\0')
		bsr_sh("rm -rf '%s'", r->dir);
	m2m_ws_schema_free(r->schema);
	free(r->eid);
}

int bsd_e2e(const bsd_opts *o)
{
	run r;
	int rc = M2M_EXIT_IO;

	memset(&r, 0, sizeof r);
	r.o = o;
	m2m_log_setup(M2M_LOG_ERROR, M2M_LOG_PLAIN, stderr);
	snprintf(r.dir, sizeof r.dir, "/tmp/m2m_bench_smdp_XXXXXX");
	if (mkdtemp(r.dir) == NULL) {
		r.dir[0] = '\0';
		fprintf(stderr, "bench smdp: no run directory\n");
		goto out;
	}
	if (m2m_ws_init() != M2M_OK || m2m_http_global_init() != M2M_OK ||
	    m2m_ws_schema_load(NULL, &r.schema) != M2M_OK) {
		fprintf(stderr, "bench smdp: the GSMA schema was not found\n");
		goto out;
	}
	if (!make_farm(&r) || !start_farm(&r) || !start_smsr(&r) || !start_smdp(&r))
		goto out;
	rc = measure(&r) ? M2M_EXIT_OK : M2M_EXIT_FAILED;
out:
	cleanup(&r);
	return rc;
}
