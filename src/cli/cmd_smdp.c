/* m2mrsp smdp: the SM-DP daemon, and `smdp import` to load a profile type and a batch. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "smdp/smdp.h"
#include "store/store_smdp.h"

static void help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp smdp --config FILE\n"
		"       m2mrsp smdp import --config FILE --type NAME --mno OID --package FILE.der\n"
		"                   --batch FILE.csv [--memory BYTES]\n"
		"       m2mrsp smdp inventory --config FILE\n"
		"       m2mrsp smdp keys --config FILE --iccid ICCID [--out FILE]\n"
		"\n"
		"Runs the SM-DP (ES2 over SOAP/JSON; ES3 to the SM-SRs of [smsr.NAME]); prints\n"
		"'es HOST:PORT' once it listens and stops on SIGINT/SIGTERM. `import` stores the\n"
		"SAIP package as profile type NAME of MNO OID and the CSV batch's profiles (header\n"
		"row; iccid, ki, opc required; imsi, pin1, puk1, adm1, kic, kid, kik... optional);\n"
		"--memory is what the profile needs on the card (default: the package's size).\n"
		"`inventory` prints, per profile type and state, the number of profiles.\n"
		"`keys` writes the ISD-P key set of an installed profile (JSON; --out: a new file,\n"
		"mode 0600) for its operator; with [download] keys = handover the SM-DP then\n"
		"forgets it.\n"
		"Configuration keys and the CSV format: docs/smdp.md. Exit: 0 ok, 1 refused,\n"
		"2 usage or bad configuration, 3 I/O.\n");
}

static int load(const char *what, const char *path, m2m_smdp_cfg *cfg)
{
	char err[512] = "";

	if (m2m_smdp_cfg_load(path, cfg, err, sizeof err) != M2M_OK)
		return m2m_cli_error(M2M_EXIT_USAGE, what, "%s: %s", path, err);
	return 0;
}

static int run_import(int argc, char **argv)
{
	m2m_opt o[] = {M2M_OPT_REQ("config"), M2M_OPT_REQ("type"),  M2M_OPT_REQ("mno"),
		       M2M_OPT_REQ("package"), M2M_OPT_REQ("batch"), M2M_OPT("memory")};
	m2m_smdp_cfg *cfg = calloc(1, sizeof *cfg);
	char err[512] = "";
	unsigned long long memory = 0;
	size_t added = 0;
	int rc;

	if (cfg == NULL)
		return M2M_EXIT_IO;
	rc = m2m_opts_parse("smdp import", argc, argv, o, 6, NULL, false);
	if (rc == 0 && o[5].value != NULL) {
		char *end;
		memory = strtoull(o[5].value, &end, 10);
		if (*o[5].value == '\0' || *end != '\0')
			rc = m2m_cli_error(M2M_EXIT_USAGE, "smdp import", "--memory: bytes expected");
	}
	if (rc == 0)
		rc = load("smdp import", o[0].value, cfg);
	if (rc != 0)
		goto out;
	m2m_err e = m2m_smdp_import(cfg, o[1].value, o[2].value, o[3].value, o[4].value, memory,
				    &added, err, sizeof err);
	if (e != M2M_OK) {
		rc = m2m_cli_error(e == M2M_ERR_IO ? M2M_EXIT_IO : M2M_EXIT_FAILED, "smdp import",
				   "%s", err);
		goto out;
	}
	printf("imported %zu profiles of type %s\n", added, o[1].value);
	rc = fflush(stdout) == 0 ? M2M_EXIT_OK : M2M_EXIT_IO;
out:
	free(cfg);
	return rc;
}

static void print_stat(void *arg, const char *type, m2m_smdp_pstate state, int64_t n)
{
	(void)arg;
	printf("%s %s %lld\n", type, m2m_smdp_pstate_name(state), (long long)n);
}

static int run_inventory(int argc, char **argv)
{
	m2m_opt o[] = {M2M_OPT_REQ("config")};
	m2m_smdp_cfg *cfg = calloc(1, sizeof *cfg);
	m2m_store *st = NULL;
	char err[512] = "";
	int rc;

	if (cfg == NULL)
		return M2M_EXIT_IO;
	rc = m2m_opts_parse("smdp inventory", argc, argv, o, 1, NULL, false);
	if (rc == 0)
		rc = load("smdp inventory", o[0].value, cfg);
	if (rc != 0)
		goto out;
	if (m2m_store_open(cfg->db, cfg->master_key, &st, err, sizeof err) != M2M_OK) {
		rc = m2m_cli_error(M2M_EXIT_IO, "smdp inventory", "%s", err);
		goto out;
	}
	if (m2m_store_smdp_stats(st, print_stat, NULL) != M2M_OK)
		rc = m2m_cli_error(M2M_EXIT_IO, "smdp inventory", "%s", m2m_store_errmsg(st));
	else
		rc = fflush(stdout) == 0 ? M2M_EXIT_OK : M2M_EXIT_IO;
out:
	m2m_store_close(st);
	free(cfg);
	return rc;
}

/* --out: a new file only the caller can read (key material); stdout without it. */
static FILE *open_keys_out(const char *path)
{
	int fd;
	FILE *f;

	if (path == NULL)
		return stdout;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w");
	if (f == NULL)
		close(fd);
	return f;
}

static int run_keys(int argc, char **argv)
{
	m2m_opt o[] = {M2M_OPT_REQ("config"), M2M_OPT_REQ("iccid"), M2M_OPT("out")};
	m2m_smdp_cfg *cfg = calloc(1, sizeof *cfg);
	char err[512] = "";
	FILE *out = NULL;
	bool forgot = false;
	m2m_err e;
	int rc;

	if (cfg == NULL)
		return M2M_EXIT_IO;
	rc = m2m_opts_parse("smdp keys", argc, argv, o, 3, NULL, false);
	if (rc == 0)
		rc = load("smdp keys", o[0].value, cfg);
	if (rc != 0)
		goto out;
	out = open_keys_out(o[2].value);
	if (out == NULL) {
		rc = m2m_cli_error(M2M_EXIT_IO, "smdp keys", "%s: %s", o[2].value,
				   strerror(errno));
		goto out;
	}
	e = m2m_smdp_keys_export(cfg, o[1].value, out, &forgot, err, sizeof err);
	if (e == M2M_END || e == M2M_ERR_STATE)
		rc = m2m_cli_error(M2M_EXIT_FAILED, "smdp keys", "%s", err);
	else if (e != M2M_OK)
		rc = m2m_cli_error(M2M_EXIT_IO, "smdp keys", "%s", err);
	else if (forgot)
		fprintf(stderr, "smdp keys: %s handed over: the SM-DP no longer holds it\n",
			o[1].value);
out:
	if (out != NULL && out != stdout && fclose(out) != 0 && rc == 0)
		rc = m2m_cli_error(M2M_EXIT_IO, "smdp keys", "%s: %s", o[2].value,
				   strerror(errno));
	if (rc != 0 && !forgot && out != NULL && out != stdout)
		unlink(o[2].value); /* no half-written key file (a forgotten set's stays) */
	free(cfg);
	return rc;
}

static int run(int argc, char **argv)
{
	m2m_opt o[] = {M2M_OPT_REQ("config")};
	m2m_smdp_cfg *cfg;
	int rc;

	if (argc >= 2 && strcmp(argv[1], "import") == 0)
		return run_import(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "inventory") == 0)
		return run_inventory(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "keys") == 0)
		return run_keys(argc - 1, argv + 1);
	cfg = calloc(1, sizeof *cfg);
	if (cfg == NULL)
		return M2M_EXIT_IO;
	rc = m2m_opts_parse("smdp", argc, argv, o, 1, NULL, false);
	if (rc == 0)
		rc = load("smdp", o[0].value, cfg);
	if (rc == 0)
		rc = m2m_smdp_run(cfg);
	free(cfg);
	return rc;
}

const m2m_verb m2m_verb_smdp = {
	.name = "smdp",
	.summary = "the SM-DP daemon (ES2, downloads over ES3); `smdp import` loads profiles",
	.run = run,
	.help = help,
};
