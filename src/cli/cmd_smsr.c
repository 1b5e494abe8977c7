/* m2mrsp smsr: the SM-SR daemon, and `smsr import` to register a device farm's eUICCs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "smsr/eis_device.h"
#include "smsr/smsr.h"
#include "smsr/smsr_plma.h"
#include "ws/status.h"

static void help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp smsr --config FILE\n"
		"       m2mrsp smsr import --config FILE --devices FILE.jsonl [--mno-id ID]\n"
		"                   [--eum-key PEM]\n"
		"       m2mrsp smsr plma set|delete --config FILE --sp ID --mno OID\n"
		"       m2mrsp smsr plma list --config FILE\n"
		"       m2mrsp smsr onc set --config FILE --mno OID [--type TYPE]\n"
		"                   --notifications enabled,disabled,deleted,smsr-change|all|none\n"
		"       m2mrsp smsr onc delete --config FILE --mno OID [--type TYPE]\n"
		"       m2mrsp smsr onc list --config FILE\n"
		"\n"
		"Runs the SM-SR (ES4 over SOAP/JSON, the ES5 job engine over SMPP); prints\n"
		"'es HOST:PORT' once it listens and stops on SIGINT/SIGTERM. `import` registers the\n"
		"eUICCs of `m2mrsp devices list --json` (profiles owned by --mno-id, default %s).\n"
		"`plma` and `onc` edit in the store the PLMAs (M2M SP --sp may act on the\n"
		"profiles of MNO --mno; [plma] of the configuration is the seed) and the MNOs'\n"
		"notification choices per profile type (--type omitted: any type); a running\n"
		"SM-SR applies them at the next call (docs/smsr-es4-more.md).\n"
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

/* ---- plma / onc: the lists in the store (docs/smsr-es4-more.md) ---- */

static void audit(m2m_store *st, const char *function, const char *detail)
{
	m2m_store_audit a;
	char text[512];

	memset(&a, 0, sizeof a);
	a.time_ms = m2m_store_now_ms();
	snprintf(a.actor, sizeof a.actor, "%s", "operator (cli)");
	snprintf(a.function, sizeof a.function, "%s", function);
	snprintf(a.outcome, sizeof a.outcome, "%s", m2m_ws_status_name(M2M_WS_EXECUTED_SUCCESS));
	snprintf(text, sizeof text, "%s", detail);
	a.detail = text;
	if (m2m_store_audit_add(st, &a, NULL) != M2M_OK)
		fprintf(stderr, "m2mrsp smsr: audit trail: %s\n", m2m_store_errmsg(st));
}

static int list_error(const char *what, m2m_store *st, m2m_err e)
{
	if (e == M2M_ERR_ARG)
		return m2m_cli_error(M2M_EXIT_USAGE, what,
				     "--mno: an object identifier; --sp / --type: not empty, no "
				     "tab or control character (--sp: no space)");
	if (e == M2M_END)
		return m2m_cli_error(M2M_EXIT_FAILED, what, "no such entry");
	if (e == M2M_ERR_BOUNDS)
		return m2m_cli_error(M2M_EXIT_FAILED, what, "the list is full (%d bytes)",
				     M2M_SMSR_LIST_MAX);
	return m2m_cli_error(M2M_EXIT_IO, what, "store: %s", m2m_store_errmsg(st));
}

static int plma(const char *op, const m2m_opt *o, const m2m_smsr_cfg *cfg, m2m_store *st)
{
	m2m_smsr_entry *e = NULL;
	size_t n = 0;
	bool from_store = false, added = false;
	char detail[300];
	m2m_err err;

	if (strcmp(op, "list") == 0) {
		if ((err = m2m_smsr_plma_list(st, cfg, &e, &n, &from_store)) != M2M_OK)
			return list_error("smsr plma", st, err);
		for (size_t i = 0; i < n; i++)
			printf("%s %s\n", e[i].a, e[i].b);
		if (!from_store)
			fprintf(stderr, "(from the configuration's [plma]: none stored yet)\n");
		free(e);
		return fflush(stdout) == 0 ? M2M_EXIT_OK : M2M_EXIT_IO;
	}
	if (o[1].value == NULL || o[2].value == NULL)
		return m2m_cli_error(M2M_EXIT_USAGE, "smsr plma", "%s needs --sp and --mno", op);
	if (strcmp(op, "set") == 0)
		err = m2m_smsr_plma_set(st, cfg, o[1].value, o[2].value, &added);
	else
		err = m2m_smsr_plma_delete(st, cfg, o[1].value, o[2].value);
	if (err != M2M_OK)
		return list_error("smsr plma", st, err);
	snprintf(detail, sizeof detail, "PLMA %s: M2M SP %s on profiles of %s", op, o[1].value,
		 o[2].value);
	audit(st, strcmp(op, "set") == 0 ? "SM-SR.SetPLMA" : "SM-SR.DeletePLMA", detail);
	printf("%s\n", strcmp(op, "set") != 0 ? "deleted" : added ? "set" : "already set");
	return fflush(stdout) == 0 ? M2M_EXIT_OK : M2M_EXIT_IO;
}

static int onc(const char *op, const m2m_opt *o, m2m_store *st)
{
	const char *type = o[3].value != NULL ? o[3].value : "*";
	m2m_smsr_entry *e = NULL;
	size_t n = 0;
	unsigned bits = 0;
	char names[96], detail[400];
	m2m_err err;

	if (strcmp(op, "list") == 0) {
		if ((err = m2m_smsr_onc_list(st, &e, &n)) != M2M_OK)
			return list_error("smsr onc", st, err);
		for (size_t i = 0; i < n; i++) {
			m2m_smsr_onc_format(e[i].bits, names, sizeof names);
			printf("%s\t%s\t%s\n", e[i].a, e[i].b, names);
		}
		free(e);
		return fflush(stdout) == 0 ? M2M_EXIT_OK : M2M_EXIT_IO;
	}
	if (o[2].value == NULL)
		return m2m_cli_error(M2M_EXIT_USAGE, "smsr onc", "%s needs --mno", op);
	if (strcmp(op, "set") == 0) {
		if (o[4].value == NULL || m2m_smsr_onc_parse(o[4].value, &bits) != M2M_OK)
			return m2m_cli_error(M2M_EXIT_USAGE, "smsr onc",
					     "--notifications: enabled, disabled, deleted, "
					     "smsr-change (comma separated), all or none");
		err = m2m_smsr_onc_set(st, o[2].value, type, bits);
	} else {
		err = m2m_smsr_onc_delete(st, o[2].value, type);
	}
	if (err != M2M_OK)
		return list_error("smsr onc", st, err);
	m2m_smsr_onc_format(bits, names, sizeof names);
	snprintf(detail, sizeof detail, "ONC %s: MNO %s, profile type '%s'%s%s", op, o[2].value,
		 type, strcmp(op, "set") == 0 ? ": " : "", strcmp(op, "set") == 0 ? names : "");
	audit(st, strcmp(op, "set") == 0 ? "SM-SR.SetONC" : "SM-SR.DeleteONC", detail);
	printf("%s\n", strcmp(op, "set") == 0 ? "set" : "deleted");
	return fflush(stdout) == 0 ? M2M_EXIT_OK : M2M_EXIT_IO;
}

/* argv[0] is the operation (set, delete, list); which is "plma" or "onc". */
static int run_lists(const char *which, int argc, char **argv)
{
	m2m_opt o[] = {M2M_OPT_REQ("config"), M2M_OPT("sp"), M2M_OPT("mno"), M2M_OPT("type"),
		       M2M_OPT("notifications")};
	const char *what = strcmp(which, "plma") == 0 ? "smsr plma" : "smsr onc";
	m2m_smsr_cfg *cfg = calloc(1, sizeof *cfg);
	m2m_store *st = NULL;
	char err[512] = "";
	int rc;

	if (cfg == NULL)
		return M2M_EXIT_IO;
	if (argc < 1 || (strcmp(argv[0], "set") != 0 && strcmp(argv[0], "delete") != 0 &&
			 strcmp(argv[0], "list") != 0)) {
		rc = m2m_cli_error(M2M_EXIT_USAGE, what, "set, delete or list expected");
		goto out;
	}
	rc = m2m_opts_parse(what, argc, argv, o, 5, NULL, false);
	if (rc == 0)
		rc = load(what, o[0].value, cfg);
	if (rc != 0)
		goto out;
	if (m2m_store_open(cfg->db, cfg->master_key, &st, err, sizeof err) != M2M_OK) {
		rc = m2m_cli_error(M2M_EXIT_IO, what, "%s", err);
		goto out;
	}
	rc = strcmp(which, "plma") == 0 ? plma(argv[0], o, cfg, st) : onc(argv[0], o, st);
out:
	m2m_store_close(st);
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
	if (argc >= 2 && (strcmp(argv[1], "plma") == 0 || strcmp(argv[1], "onc") == 0))
		return run_lists(argv[1], argc - 2, argv + 2);
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
