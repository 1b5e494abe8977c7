/* m2mrsp bench smdp: the SM-DP's figures of issue 7 (docs/bench-smdp.md).
 *  ceiling: P-256 key establishment crypto on one and two threads, in the same run;
 *  end to end: N ES2.DownloadProfile of the TS.48 package through the SM-DP, the SM-SR
 *  (ES3, SCP81) and the device farm, from C client threads (bench_smdp_e2e.c);
 *  --in-process: the download engine against the software eUICC (bench_smdp_inproc.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "bench_smdp.h"
#include "cli/cli.h"
#include "cli/opts.h"

static int count(const char *what, const char *v, size_t lo, size_t hi, size_t *out)
{
	char *end = NULL;
	unsigned long long n;

	if (v == NULL)
		return 0;
	n = strtoull(v, &end, 10);
	if (end == v || *end != '\0' || n < lo || n > hi)
		return m2m_cli_error(M2M_EXIT_USAGE, "bench smdp", "--%s: a number %zu..%zu", what,
				     lo, hi);
	*out = (size_t)n;
	return 0;
}

static int options(int argc, char **argv, bsd_opts *o)
{
	m2m_opt opt[] = {M2M_OPT("downloads"), M2M_OPT("concurrency"), M2M_OPT("package"),
			 M2M_FLAG("in-process"), M2M_FLAG("enable"), M2M_OPT("scp81-max"),
			 M2M_FLAG("keep"), M2M_OPT("seconds"), M2M_OPT("log-level"),
			 M2M_OPT("smsr-poll")};
	int rc = m2m_opts_parse("bench smdp", argc, argv, opt, sizeof opt / sizeof opt[0], NULL,
				false);

	if (rc == 0)
		rc = count("downloads", opt[0].value, 1, 1000000, &o->downloads);
	if (rc == 0)
		rc = count("concurrency", opt[1].value, 1, 256, &o->concurrency);
	if (rc == 0)
		rc = count("scp81-max", opt[5].value, 1, 4096, &o->scp81_max);
	if (rc == 0)
		rc = count("smsr-poll", opt[9].value, 5, 60000, &o->smsr_poll);
	if (rc == 0 && opt[7].value != NULL) {
		char *end = NULL;
		o->seconds = strtod(opt[7].value, &end);
		if (end == opt[7].value || *end != '\0' || !(o->seconds > 0) || o->seconds > 60)
			rc = m2m_cli_error(M2M_EXIT_USAGE, "bench smdp", "--seconds: 0 < S <= 60");
	}
	if (rc != 0)
		return rc;
	o->in_process = opt[3].value != NULL;
	o->enable = opt[4].value != NULL;
	o->keep = opt[6].value != NULL;
	o->log = opt[8].value != NULL ? opt[8].value : "warn";
	o->package = bsr_package(opt[2].value);
	if (o->package == NULL || access(o->package, R_OK) != 0)
		return m2m_cli_error(M2M_EXIT_USAGE, "bench smdp",
				     "no profile package: give --package FILE (the TS.48 "
				     "bootstrap)");
	return 0;
}

int m2m_bench_smdp(int argc, char **argv)
{
	bsd_opts o = {.downloads = 1000, .concurrency = 64, .scp81_max = 64, .smsr_poll = 100,
		      .seconds = 1.0};
	double one = 0, two = 0;
	int rc = options(argc, argv, &o);

	if (rc != 0)
		return rc;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# m2mrsp bench smdp: %ld CPUs online, package %s\n",
	       sysconf(_SC_NPROCESSORS_ONLN), o.package);
	if (!bsd_ceiling(o.seconds, &one, &two))
		return M2M_EXIT_FAILED;
	rc = o.in_process ? bsd_in_process(&o) : bsd_e2e(&o);
	printf("Aim: 300 downloads/s; key establishment crypto ceiling on this machine %.0f/s "
	       "(one core), %.0f/s (two)\n",
	       one, two);
	return rc;
}
