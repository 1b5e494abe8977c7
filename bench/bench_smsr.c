/* m2mrsp bench smsr: the SM-SR's figures of issue 6 (docs/bench-smsr.md).
 *  end to end: ES4 EnableProfile for N eUICCs of the device farm over SMPP, from C client
 *  threads with held answers over mutual TLS, on SQLite (WAL) or PostgreSQL: ops/s,
 *  latencies, failures, CPU and peak RSS of the SM-SR and the farm (bench_smsr_e2e.c);
 *  memory: the SM-SR's resident memory with N EIS records (bench_smsr_mem.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "bench_smsr.h"
#include "cli/cli.h"
#include "cli/opts.h"

#define PKG "shared/vectors/saip/TS48v2_SAIP2.3_NoBERTLV.der"

static int count(const char *what, const char *v, size_t lo, size_t hi, size_t *out)
{
	char *end = NULL;
	unsigned long long n;

	if (v == NULL)
		return 0;
	n = strtoull(v, &end, 10);
	if (end == v || *end != '\0' || n < lo || n > hi)
		return m2m_cli_error(M2M_EXIT_USAGE, "bench smsr", "--%s: a number %zu..%zu", what,
				     lo, hi);
	*out = (size_t)n;
	return 0;
}

/* The TS.48 package next to the source tree of the binary (build trees one or two levels
 * down, /work/shared beside /work/main). */
const char *bsr_package(const char *given)
{
	static char p[600];
	char exe[512], *slash;
	static const char *const rel[] = {"/../../", "/../", "/../../../"};

	if (given != NULL)
		return given;
	snprintf(exe, sizeof exe, "%s", bsr_self());
	slash = strrchr(exe, '/');
	if (slash != NULL)
		*slash = '\0';
	for (size_t k = 0; k < sizeof rel / sizeof rel[0]; k++) {
		snprintf(p, sizeof p, "%s%s%s", exe, rel[k], PKG);
		if (access(p, R_OK) == 0)
			return p;
	}
	return NULL;
}

int m2m_bench_smsr(int argc, char **argv)
{
	m2m_opt opt[] = {M2M_OPT("euiccs"), M2M_OPT("concurrency"), M2M_OPT("db"),
			 M2M_FLAG("pg"), M2M_OPT("memory-eis"), M2M_FLAG("memory"),
			 M2M_OPT("window"), M2M_OPT("engine"), M2M_OPT("package"),
			 M2M_FLAG("keep"), M2M_OPT("nice")};
	bsr_opts o = {.euiccs = 10000, .concurrency = 256, .e2e = true, .window = 100,
		      .engine = 512};
	size_t w = 100, e = 512;
	int rc = m2m_opts_parse("bench smsr", argc, argv, opt, sizeof opt / sizeof opt[0], NULL,
				false);

	if (rc == 0)
		rc = count("euiccs", opt[0].value, 1, 1000000, &o.euiccs);
	if (rc == 0)
		rc = count("concurrency", opt[1].value, 1, 4096, &o.concurrency);
	if (rc == 0 && opt[5].value != NULL)
		o.memory_eis = 1000000;
	if (rc == 0)
		rc = count("memory-eis", opt[4].value, 1, 100000000, &o.memory_eis);
	if (rc == 0)
		rc = count("window", opt[6].value, 1, 1000, &w);
	if (rc == 0)
		rc = count("engine", opt[7].value, 1, 4096, &e);
	if (rc == 0 && opt[10].value != NULL) {
		char *end = NULL;
		long v = strtol(opt[10].value, &end, 10);
		if (end == opt[10].value || *end != '\0' || v < -20 || v > 19)
			rc = m2m_cli_error(M2M_EXIT_USAGE, "bench smsr", "--nice: -20..19");
		o.nice = (int)v;
	}
	if (rc != 0)
		return rc;
	o.window = (int)w;
	o.engine = (int)e;
	o.pg = opt[3].value != NULL;
	o.keep = opt[9].value != NULL;
	o.e2e = o.memory_eis == 0;
	if (opt[2].value != NULL && strcmp(opt[2].value, "sqlite") != 0) {
		if (strncmp(opt[2].value, "postgres", 8) != 0 || o.pg)
			return m2m_cli_error(M2M_EXIT_USAGE, "bench smsr",
					     "--db: sqlite or a postgresql:// URL (not with --pg)");
		o.db = opt[2].value;
	}
	o.package = bsr_package(opt[8].value);
	if (o.package == NULL || access(o.package, R_OK) != 0)
		return m2m_cli_error(M2M_EXIT_USAGE, "bench smsr",
				     "no profile package: give --package FILE (the TS.48 "
				     "bootstrap, " PKG ")");
	setvbuf(stdout, NULL, _IOLBF, 0);
	return o.e2e ? bsr_e2e(&o) : bsr_memory(&o);
}
