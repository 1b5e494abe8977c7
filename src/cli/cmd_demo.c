/* m2mrsp demo: the README's main command. PKI, device farm, SM-SR, SM-DP and an operator on
 * one machine, each verb a child process of this binary, and a final comparison of every
 * eUICC's EIS with the card (docs/demo.md). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/demo_int.h"
#include "cli/opts.h"
#include "core/buf.h"
#include "net/http_client.h"
#include "store/store.h"
#include "ws/schema.h"

#define EUICCS_DEFAULT 1000
#define EUICCS_MAX 1000000
#define CONCURRENCY_DEFAULT 32

static void help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp demo [--euiccs N] [--dir DIR] [--keep] [--postgres URL]\n"
		"                   [--package FILE.der] [--concurrency N]\n"
		"                   [--progress auto|tty|plain|off]\n"
		"\n"
		"The whole system on this machine, loopback only: a test PKI, a device farm of N\n"
		"eUICCs (default %d) shipped with the TS.48 bootstrap profile, an SM-SR that\n"
		"registers them by ES1, an SM-DP with the operator's profiles, the operator\n"
		"downloading and enabling its profile on every eUICC (ES2) with a progress line,\n"
		"10%% of them back to the bootstrap (ES4), one device losing the network and\n"
		"falling back, ten eUICCs handed over to a second SM-SR (ES4 SMSRChange, ES7),\n"
		"then a table of every eUICC's EIS, in the SM-SR that holds it, against the\n"
		"card's own state.\n"
		"\n"
		"  --euiccs N        eUICCs in the farm, 1..%d\n"
		"  --dir DIR         work directory (logs, databases, configuration);\n"
		"                    default a new ./m2mrsp-demo-YYYYMMDD-HHMMSS\n"
		"  --keep            leave the daemons running at the end, say how to reach them\n"
		"  --postgres URL    the SM-SRs' and SM-DP's stores in PostgreSQL, not SQLite\n"
		"                    (SM-SR2 in the database <URL's database>_smsr2)\n"
		"  --package FILE    the bootstrap package (default: %s,\n"
		"                    from $M2MRSP_DEMO_PACKAGE or found in the source tree's\n"
		"                    data/saip)\n"
		"  --concurrency N   ES2 downloads outstanding at once (default %d, at most 256)\n"
		"  --progress MODE   the progress lines (default auto: live on a terminal)\n"
		"\n"
		"Exit: 0 every eUICC matched, 1 a step failed or a mismatch, 2 usage, 3 I/O (a\n"
		"daemon did not start). docs/demo.md has the story step by step.\n",
		EUICCS_DEFAULT, EUICCS_MAX, M2M_DEMO_PACKAGE, CONCURRENCY_DEFAULT);
}

static int parse_uint(const char *what, const char *text, size_t lo, size_t hi, size_t *out)
{
	char *end;
	unsigned long long v;

	if (text == NULL)
		return 0;
	v = strtoull(text, &end, 10);
	if (text[0] < '0' || text[0] > '9' || *end != '\0' || v < lo || v > hi)
		return m2m_cli_error(M2M_EXIT_USAGE, "demo", "--%s: a number from %zu to %zu", what,
				     lo, hi);
	*out = (size_t)v;
	return 0;
}

static int parse_progress(const char *text, m2m_fleet_progress_mode *out)
{
	static const char *const names[] = {"auto", "tty", "plain", "off"};

	if (text == NULL)
		return 0;
	for (size_t i = 0; i < 4; i++)
		if (strcmp(text, names[i]) == 0) {
			*out = (m2m_fleet_progress_mode)i;
			return 0;
		}
	return m2m_cli_error(M2M_EXIT_USAGE, "demo", "--progress: auto, tty, plain or off");
}

static int options(int argc, char **argv, m2m_demo *d, const char **dir)
{
	m2m_opt o[] = {M2M_OPT("euiccs"), M2M_OPT("dir"), M2M_FLAG("keep"), M2M_OPT("postgres"),
		       M2M_OPT("package"), M2M_OPT("concurrency"), M2M_OPT("progress")};
	size_t conc = CONCURRENCY_DEFAULT;
	int rc = m2m_opts_parse("demo", argc, argv, o, sizeof o / sizeof o[0], NULL, false);

	d->euiccs = EUICCS_DEFAULT;
	if (rc == 0)
		rc = parse_uint("euiccs", o[0].value, 1, EUICCS_MAX, &d->euiccs);
	if (rc == 0)
		rc = parse_uint("concurrency", o[5].value, 1, 256, &conc);
	if (rc == 0)
		rc = parse_progress(o[6].value, &d->progress);
	if (rc == 0 && o[3].value != NULL && strncmp(o[3].value, "postgres", 8) != 0)
		rc = m2m_cli_error(M2M_EXIT_USAGE, "demo", "--postgres: a postgresql:// URL");
	d->concurrency = (unsigned)conc;
	d->keep = o[2].value != NULL;
	d->postgres = o[3].value;
	d->package_opt = o[4].value;
	*dir = o[1].value;
	return rc;
}

/* Where everything is, and how to reach the daemons when they are kept. */
static void epilogue(const m2m_demo *d)
{
	printf("\nwork directory: %s\n", d->dir);
	printf("  logs: farm.log, smsr.log, smsr2.log, smdp.log (daemons); *.log of each step; "
	       "table.txt\n");
	if (d->postgres != NULL)
		printf("  databases: farm.sqlite; SM-SR1 and SM-DP in %s; SM-SR2 in %s\n",
		       d->postgres, d->smsr2_db);
	else
		printf("  databases: farm.sqlite, smsr.sqlite, smsr2.sqlite, smdp.sqlite (keys "
		       "sealed with master.key)\n");
	if (!d->keep)
		return;
	printf("\nthe daemons are still running (--keep):\n");
	printf("  SM-SR1 ES1-ES4 https://%s/soap/es4   (smsr.ini)\n", d->smsr_es);
	if (d->smsr2_es[0] != '\0')
		printf("  SM-SR2 ES4/ES7 https://%s/soap/es4   (smsr2.ini)\n", d->smsr2_es);
	if (d->smdp_es[0] != '\0')
		printf("  SM-DP ES2      https://%s/soap/es2   (smdp.ini)\n", d->smdp_es);
	printf("  farm control   http://%s/devices/EID , /stats   SMSC %s\n", d->control, d->smpp);
	printf("  for example:   %s fleet audit --input %s/back.csv \\\n"
	       "                   --output %s/audit.result.csv --smsr https://%s \\\n"
	       "                   --cert %s/pki/mno1-tls.crt --key %s/pki/mno1-tls.key "
	       "--ca %s/pki/tls-ca.crt\n",
	       d->exe, d->dir, d->dir, d->smsr_es, d->dir, d->dir, d->dir);
	printf("  stop them:     kill $(cat %s/daemons.pids)\n", d->dir);
}

static int write_master(const m2m_demo *d)
{
	char path[PATH_MAX];
	FILE *f;

	m2m_demo_path(d, "master.key", path, sizeof path);
	f = fopen(path, "w");
	if (f == NULL || fprintf(f, "%s\n", d->master) < 0 || fclose(f) != 0)
		return m2m_cli_error(M2M_EXIT_IO, "demo", "cannot write %s", path);
	return 0;
}

/* A database given with --postgres must hold no eUICC yet: the demo registers its own, with
 * a new master key. */
static int check_empty(const char *url)
{
	char err[256];
	m2m_store *st = NULL;
	int64_t n = 0;
	int rc = 0;

	if (m2m_store_open(url, NULL, &st, err, sizeof err) != M2M_OK)
		return m2m_cli_error(M2M_EXIT_IO, "demo", "--postgres: %s", err);
	if (m2m_store_eis_count(st, &n) != M2M_OK)
		rc = m2m_cli_error(M2M_EXIT_IO, "demo", "--postgres: %s", m2m_store_errmsg(st));
	else if (n > 0)
		rc = m2m_cli_error(M2M_EXIT_USAGE, "demo", "--postgres: the database already holds "
				   "%lld eUICCs (an earlier demo?): give an empty database",
				   (long long)n);
	m2m_store_close(st);
	return rc;
}

static int prepare(m2m_demo *d, const char *dir)
{
	char wsdl[PATH_MAX], farm[PATH_MAX];
	int rc;

	if (!m2m_demo_find_exe(d))
		return m2m_cli_error(M2M_EXIT_IO, "demo", "cannot read /proc/self/exe");
	if (!m2m_demo_find_package(d))
		return m2m_cli_error(M2M_EXIT_IO, "demo",
				     "the bootstrap package %s was not found (%s): give --package "
				     "FILE.der or set M2MRSP_DEMO_PACKAGE",
				     M2M_DEMO_PACKAGE, d->package[0] ? d->package : "searched "
				     "beside the source tree");
	if (m2m_ws_find_dir(NULL, wsdl, sizeof wsdl) != M2M_OK)
		return m2m_cli_error(M2M_EXIT_IO, "demo", "the GSMA schema directory (data/wsdl) "
				     "was not found: set M2MRSP_WSDL_DIR");
	if (d->postgres != NULL && ((rc = check_empty(d->postgres)) != 0 ||
				    (rc = m2m_demo_pg_second(d)) != 0))
		return rc;
	if ((rc = m2m_demo_make_dir(d, dir)) != 0)
		return rc;
	m2m_demo_path(d, "farm.sqlite", farm, sizeof farm);
	if (access(farm, F_OK) == 0)
		return m2m_cli_error(M2M_EXIT_USAGE, "demo",
				     "%s already holds a demo: give another --dir", d->dir);
	if ((rc = m2m_demo_new_master(d)) != 0 || (rc = write_master(d)) != 0)
		return rc;
	if (d->postgres != NULL) {
		snprintf(d->smsr_db, sizeof d->smsr_db, "%s", d->postgres);
		snprintf(d->smdp_db, sizeof d->smdp_db, "%s", d->postgres);
	} else {
		snprintf(d->smsr_db, sizeof d->smsr_db, "sqlite:%s/smsr.sqlite", d->dir);
		snprintf(d->smsr2_db, sizeof d->smsr2_db, "sqlite:%s/smsr2.sqlite", d->dir);
		snprintf(d->smdp_db, sizeof d->smdp_db, "sqlite:%s/smdp.sqlite", d->dir);
	}
	if (m2m_ws_init() != M2M_OK || m2m_http_global_init() != M2M_OK)
		return m2m_cli_error(M2M_EXIT_IO, "demo", "cannot initialise libxml2/libcurl");
	return 0;
}

static int run(int argc, char **argv)
{
	m2m_demo *d = calloc(1, sizeof *d);
	const char *dir = NULL;
	int rc;

	if (d == NULL)
		return M2M_EXIT_IO;
	d->fallback_dev = SIZE_MAX;
	rc = options(argc, argv, d, &dir);
	if (rc == 0)
		rc = prepare(d, dir);
	if (rc != 0)
		goto out;
	printf("m2mrsp demo: %zu eUICCs in %s (%s)\n", d->euiccs, d->dir,
	       d->postgres ? "PostgreSQL" : "SQLite");
	m2m_demo_trap_signals(d);
	rc = m2m_demo_steps(d);
	if (!d->keep)
		m2m_demo_stop_all(d);
	printf("\nresult: %s", rc == 0 ? "everything matched" : "NOT everything matched or worked");
	if (d->matched + d->mismatched > 0)
		printf(" (%zu of %zu eUICCs matched)\n", d->matched, d->ndev);
	else
		printf(" (no comparison was made)\n");
	epilogue(d);
out:
	free(d->dev);
	m2m_wipe(d->master, sizeof d->master);
	free(d);
	return rc;
}

const m2m_verb m2m_verb_demo = {
	.name = "demo",
	.summary = "run the whole system on this machine (PKI, farm, SM-SR, SM-DP, operator)",
	.run = run,
	.help = help,
};
