/* m2mrsp smsr: the SM-SR daemon, and `smsr import` to register a device farm's eUICCs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "smsr/eis_device.h"
#include "smsr/smsr.h"

static void help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp smsr --config FILE\n"
		"       m2mrsp smsr import --config FILE --devices FILE.jsonl [--mno-id ID]\n"
		"                   [--eum-key PEM]\n"
		"\n"
		"Runs the SM-SR (ES4 over SOAP/JSON, the ES5 job engine over SMPP); prints\n"
		"'es HOST:PORT' once it listens and stops on SIGINT/SIGTERM. `import` registers the\n"
		"eUICCs of `m2mrsp devices list --json` (profiles owned by --mno-id, default %s).\n"
		"Configuration keys: docs/smsr.md. Exit: 0 ok, 1 refused, 2 usage or bad\n"
		"configuration, 3 I/O.\n",
		M2M_EIS_DEFAULT_MNO_ID);
}

static int load(const char *what, const char *path, m2m_smsr_cfg *cfg)
{
	char err[512] = "";

	if (m2m_smsr_cfg_load(path, cfg, err, sizeof err) != M2M_OK)
		return m2m_cli_error(M2M_EXIT_USAGE, what, "%s: %s", path, err);
	return 0;
}

static int run_import(int argc, char **argv)
{
	m2m_opt o[] = {M2M_OPT_REQ("config"), M2M_OPT_REQ("devices"), M2M_OPT("mno-id"),
		       M2M_OPT("eum-key")};
	m2m_smsr_cfg *cfg = calloc(1, sizeof *cfg);
	char err[512] = "";
	size_t done = 0, skipped = 0;
	int rc;

	if (cfg == NULL)
		return M2M_EXIT_IO;
	rc = m2m_opts_parse("smsr import", argc, argv, o, 4, NULL, false);
	if (rc == 0)
		rc = load("smsr import", o[0].value, cfg);
	if (rc != 0)
		goto out;
	m2m_err e = m2m_smsr_import(cfg, o[1].value, o[2].value ? o[2].value : M2M_EIS_DEFAULT_MNO_ID,
				    o[3].value, &done, &skipped, err, sizeof err);
	if (e != M2M_OK) {
		rc = m2m_cli_error(e == M2M_ERR_IO ? M2M_EXIT_IO : M2M_EXIT_FAILED, "smsr import",
				   "%s", err);
		goto out;
	}
	printf("imported %zu, already registered %zu\n", done, skipped);
	rc = fflush(stdout) == 0 ? M2M_EXIT_OK : M2M_EXIT_IO;
out:
	m2m_smsr_cfg_clear(cfg);
	free(cfg);
	return rc;
}

static int run(int argc, char **argv)
{
	m2m_opt o[] = {M2M_OPT_REQ("config")};
	m2m_smsr_cfg *cfg;
	int rc;

	if (argc >= 2 && strcmp(argv[1], "import") == 0)
		return run_import(argc - 1, argv + 1);
	cfg = calloc(1, sizeof *cfg);
	if (cfg == NULL)
		return M2M_EXIT_IO;
	rc = m2m_opts_parse("smsr", argc, argv, o, 1, NULL, false);
	if (rc == 0)
		rc = load("smsr", o[0].value, cfg);
	if (rc == 0)
		rc = m2m_smsr_run(cfg);
	m2m_smsr_cfg_clear(cfg);
	free(cfg);
	return rc;
}

const m2m_verb m2m_verb_smsr = {
	.name = "smsr",
	.summary = "the SM-SR daemon (ES4, ES5 engine over SMPP); `smsr import` loads eUICCs",
	.run = run,
	.help = help,
};
