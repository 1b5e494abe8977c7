/* m2mrsp fleet enable|disable|delete|audit|smsr-change: ES4 operations for a fleet of eUICCs
 * (docs/fleet.md). This file parses the options; fleet_run.c does the work. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/fleet.h"
#include "cli/fleet_ids.h"
#include "cli/opts.h"
#include "core/log.h"
#include "ws/status.h"

#define DEFAULT_CONCURRENCY 16
#define DEFAULT_TIMEOUT 300
#define TIMEOUT_MARGIN 60
#define TIMEOUT_MAX 86400
#define VALIDITY_MAX 31536000

enum {
	O_INPUT, O_SMSR, O_CERT, O_KEY, O_CA, O_CONC, O_OUTPUT, O_VALIDITY, O_TIMEOUT, O_SYNC,
	O_LISTEN, O_CB_URL, O_TARGET, O_TARGET_URL, O_CURRENT, O_BATCH, O_LIMIT, O_PROGRESS,
	O_WSDL, O_LOG, O__COUNT
};

static void help(FILE *out, m2m_fleet_op op)
{
	const char *name = m2m_fleet_op_name(op);
	fprintf(out,
		"usage: m2mrsp fleet %s --input FILE.csv --smsr URL --cert PEM --key PEM --ca PEM\n"
		"         [--concurrency N] [--output RESULT.csv] [--validity SECONDS]\n"
		"         [--timeout SECONDS] [--sync] [--callback-listen HOST:PORT]\n"
		"         [--callback-url URL] [--batch-id ID] [--limit N]\n"
		"         [--progress auto|tty|plain|off] [--wsdl-dir DIR] [--log-level LEVEL]\n",
		name);
	if (op == M2M_FLEET_SMSR_CHANGE)
		fprintf(out, "         --target-smsr ID [--target-url URL --current-smsr ID]\n");
	fprintf(out,
		"\n"
		"Runs ES4-%s for every row of FILE.csv (a header row; columns %s; other\n"
		"columns ignored) against the SM-SR at URL (https; /soap/es4 is added to a bare\n"
		"host), with mutual TLS (--cert/--key: the operator's certificate, --ca: the\n"
		"SM-SR's CA). At most N calls (default %d) are outstanding. Answers come to our\n"
		"own ES4 endpoint (ReplyTo; --callback-listen, default 127.0.0.1 on a free port;\n"
		"--callback-url when the SM-SR must use another address), or with --sync in the\n"
		"HTTP response. A call with no answer after --timeout seconds (default %d, or the\n"
		"validity + %d) is an ERROR row.\n"
		"\n"
		"RESULT.csv (default FILE.result.csv) gets one line per row as it completes:\n"
		"  eid,iccid,status,subject_code,reason_code,message,function_call_id,seconds\n"
		"Run the same command again after an interruption: rows finished with a final\n"
		"status are skipped, the others are sent again with the same\n"
		"FunctionCallIdentifier (derived from the batch, the operation, the EID and the\n"
		"ICCID). --limit N attempts at most N rows in this run.\n"
		"\n"
		"Exit 0 when every row succeeded, 1 when any failed (or is not done yet),\n"
		"2 usage, 3 when the SM-SR cannot be reached or a file cannot be read or\n"
		"written.\n",
		op == M2M_FLEET_ENABLE	    ? "EnableProfile"
		: op == M2M_FLEET_DISABLE   ? "DisableProfile"
		: op == M2M_FLEET_DELETE    ? "DeleteProfile"
		: op == M2M_FLEET_AUDIT     ? "AuditEIS"
					    : "SMSRChange",
		op == M2M_FLEET_AUDIT	      ? "eid and optionally iccid"
		: op == M2M_FLEET_SMSR_CHANGE ? "eid"
					      : "eid and iccid",
		DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT, TIMEOUT_MARGIN);
	if (op == M2M_FLEET_SMSR_CHANGE)
		fprintf(out,
			"\n"
			"smsr-change sends ES4-SMSRChange (Eid, Target-Smsr-id = --target-smsr)\n"
			"to the current SM-SR; with --target-url it first sends\n"
			"ES4-PrepareSMSRChange (Eid, CurrentSMSRid = --current-smsr) to the\n"
			"target SM-SR. SM-SR ids are object identifiers (1.3.6.1.4.1...), as\n"
			"the schema's ObjectIdentifierType says.\n");
}

static int number(const m2m_opt *o, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end = NULL;
	const char *v = o->value;
	errno = 0;
	unsigned long long x = v[0] >= '0' && v[0] <= '9' ? strtoull(v, &end, 10) : 0;
	if (end == NULL || *end != '\0' || errno != 0 || x < min || x > max)
		return m2m_cli_error(M2M_EXIT_USAGE, "fleet", "--%s must be a number in %llu..%llu",
				     o->name, (unsigned long long)min, (unsigned long long)max);
	*out = x;
	return 0;
}

/* HOST:PORT or [HOST]:PORT into a static copy of the host. */
static int listen_opt(const m2m_opt *o, m2m_fleet_cfg *cfg)
{
	static char host[256];
	const char *v = o->value, *colon = strrchr(v, ':');
	size_t hl;
	uint64_t port;
	if (colon == NULL || colon == v)
		return m2m_cli_error(M2M_EXIT_USAGE, "fleet", "--callback-listen wants HOST:PORT");
	hl = (size_t)(colon - v);
	if (v[0] == '[' && hl >= 2 && v[hl - 1] == ']') {
		v++;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof host)
		return m2m_cli_error(M2M_EXIT_USAGE, "fleet", "--callback-listen: bad host");
	memcpy(host, v, hl);
	host[hl] = '\0';
	m2m_opt p = {.name = "callback-listen port", .value = colon + 1};
	if (number(&p, 0, 65535, &port) != 0)
		return M2M_EXIT_USAGE;
	cfg->listen_host = host;
	cfg->listen_port = (uint16_t)port;
	if ((strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0) && cfg->callback_url == NULL)
		return m2m_cli_error(M2M_EXIT_USAGE, "fleet",
				     "--callback-listen on %s needs --callback-url", host);
	return 0;
}

static int https_opt(const m2m_opt *o)
{
	if (o->value != NULL && strncmp(o->value, "https://", 8) != 0)
		return m2m_cli_error(M2M_EXIT_USAGE, "fleet", "--%s must be an https:// URL",
				     o->name);
	return 0;
}

static int smsr_change_opts(const m2m_opt *opt, m2m_fleet_cfg *cfg)
{
	bool change = cfg->op == M2M_FLEET_SMSR_CHANGE;
	for (int i = O_TARGET; i <= O_CURRENT; i++) {
		if (!change && opt[i].value != NULL)
			return m2m_cli_error(M2M_EXIT_USAGE, "fleet",
					     "--%s is for smsr-change only", opt[i].name);
	}
	if (!change)
		return 0;
	if (opt[O_TARGET].value == NULL)
		return m2m_cli_error(M2M_EXIT_USAGE, "fleet", "smsr-change needs --target-smsr");
	if ((opt[O_TARGET_URL].value == NULL) != (opt[O_CURRENT].value == NULL))
		return m2m_cli_error(M2M_EXIT_USAGE, "fleet",
				     "--target-url and --current-smsr go together");
	for (int i = O_TARGET; i <= O_CURRENT; i += 2) {
		if (opt[i].value != NULL && !m2m_ws_code_valid(opt[i].value))
			return m2m_cli_error(M2M_EXIT_USAGE, "fleet",
					     "--%s must be an object identifier such as "
					     "1.3.6.1.4.1.99999.2", opt[i].name);
	}
	cfg->target_smsr = opt[O_TARGET].value;
	cfg->target_url = opt[O_TARGET_URL].value;
	cfg->current_smsr = opt[O_CURRENT].value;
	return https_opt(&opt[O_TARGET_URL]);
}

static int progress_opt(const m2m_opt *o, m2m_fleet_cfg *cfg)
{
	static const char *const names[] = {"auto", "tty", "plain", "off"};
	if (o->value == NULL)
		return 0;
	for (size_t i = 0; i < 4; i++) {
		if (strcmp(o->value, names[i]) == 0) {
			cfg->progress = (m2m_fleet_progress_mode)i;
			return 0;
		}
	}
	return m2m_cli_error(M2M_EXIT_USAGE, "fleet", "--progress: auto, tty, plain or off");
}

/* RESULT.csv: FILE.csv -> FILE.result.csv; never the input itself. */
static int output_opt(const m2m_opt *o, m2m_fleet_cfg *cfg)
{
	static char path[4096];
	struct stat a, b;
	const char *in = cfg->input;
	if (o->value != NULL) {
		snprintf(path, sizeof path, "%s", o->value);
	} else {
		size_t n = strlen(in);
		if (n > 4 && strcmp(in + n - 4, ".csv") == 0)
			n -= 4;
		if (snprintf(path, sizeof path, "%.*s.result.csv", (int)n, in) >= (int)sizeof path)
			return m2m_cli_error(M2M_EXIT_USAGE, "fleet", "--input path too long");
	}
	if (path[0] == '\0' || strcmp(path, in) == 0 ||
	    (stat(path, &a) == 0 && stat(in, &b) == 0 && a.st_dev == b.st_dev &&
	     a.st_ino == b.st_ino))
		return m2m_cli_error(M2M_EXIT_USAGE, "fleet",
				     "--output must not be the input file");
	cfg->output = path;
	return 0;
}

static int numbers(const m2m_opt *opt, m2m_fleet_cfg *cfg)
{
	uint64_t v;
	unsigned cmax = cfg->sync ? M2M_FLEET_SYNC_THREADS_MAX : M2M_FLEET_CONCURRENCY_MAX;
	cfg->concurrency = DEFAULT_CONCURRENCY;
	if (opt[O_CONC].value != NULL) {
		if (number(&opt[O_CONC], 1, cmax, &v) != 0)
			return M2M_EXIT_USAGE;
		cfg->concurrency = (unsigned)v;
	}
	if (opt[O_VALIDITY].value != NULL &&
	    number(&opt[O_VALIDITY], 1, VALIDITY_MAX, &cfg->validity) != 0)
		return M2M_EXIT_USAGE;
	cfg->timeout_s = cfg->validity > 0 ? (unsigned)cfg->validity + TIMEOUT_MARGIN
					   : DEFAULT_TIMEOUT;
	if (opt[O_TIMEOUT].value != NULL) {
		if (number(&opt[O_TIMEOUT], 1, TIMEOUT_MAX, &v) != 0)
			return M2M_EXIT_USAGE;
		cfg->timeout_s = (unsigned)v;
	}
	if (opt[O_LIMIT].value != NULL) {
		if (number(&opt[O_LIMIT], 1, SIZE_MAX, &v) != 0)
			return M2M_EXIT_USAGE;
		cfg->limit = (size_t)v;
	}
	return 0;
}

static int callback_opts(const m2m_opt *opt, m2m_fleet_cfg *cfg)
{
	if (cfg->sync && (opt[O_LISTEN].value != NULL || opt[O_CB_URL].value != NULL))
		return m2m_cli_error(M2M_EXIT_USAGE, "fleet",
				     "--callback-listen and --callback-url are not for --sync");
	cfg->callback_url = opt[O_CB_URL].value;
	int rc = https_opt(&opt[O_CB_URL]);
	if (rc == 0 && opt[O_LISTEN].value != NULL)
		rc = listen_opt(&opt[O_LISTEN], cfg);
	return rc;
}

static int parse(m2m_fleet_op op, int argc, char **argv, m2m_fleet_cfg *cfg)
{
	m2m_opt opt[O__COUNT] = {
		M2M_OPT_REQ("input"), M2M_OPT_REQ("smsr"), M2M_OPT_REQ("cert"), M2M_OPT_REQ("key"),
		M2M_OPT_REQ("ca"), M2M_OPT("concurrency"), M2M_OPT("output"), M2M_OPT("validity"),
		M2M_OPT("timeout"), M2M_FLAG("sync"), M2M_OPT("callback-listen"),
		M2M_OPT("callback-url"), M2M_OPT("target-smsr"), M2M_OPT("target-url"),
		M2M_OPT("current-smsr"), M2M_OPT("batch-id"), M2M_OPT("limit"), M2M_OPT("progress"),
		M2M_OPT("wsdl-dir"), M2M_OPT("log-level"),
	};
	m2m_log_level level = M2M_LOG_ERROR;
	int rc = m2m_opts_parse("fleet", argc, argv, opt, O__COUNT, NULL, false);
	if (rc != 0)
		return rc;
	memset(cfg, 0, sizeof *cfg);
	cfg->op = op;
	cfg->input = opt[O_INPUT].value;
	cfg->smsr_url = opt[O_SMSR].value;
	cfg->cert = opt[O_CERT].value;
	cfg->key = opt[O_KEY].value;
	cfg->ca = opt[O_CA].value;
	cfg->sync = opt[O_SYNC].value != NULL;
	cfg->batch_id = opt[O_BATCH].value;
	cfg->wsdl_dir = opt[O_WSDL].value;
	if ((rc = https_opt(&opt[O_SMSR])) != 0 || (rc = numbers(opt, cfg)) != 0 ||
	    (rc = callback_opts(opt, cfg)) != 0 || (rc = smsr_change_opts(opt, cfg)) != 0 ||
	    (rc = progress_opt(&opt[O_PROGRESS], cfg)) != 0 ||
	    (rc = output_opt(&opt[O_OUTPUT], cfg)) != 0)
		return rc;
	if (cfg->batch_id != NULL && !m2m_fleet_batch_valid(cfg->batch_id))
		return m2m_cli_error(M2M_EXIT_USAGE, "fleet", "--batch-id: 1 to %d of %s",
				     M2M_FLEET_BATCH_MAX, "A-Z a-z 0-9 . _ :");
	if (opt[O_LOG].value != NULL && m2m_log_level_parse(opt[O_LOG].value, &level) != M2M_OK)
		return m2m_cli_error(M2M_EXIT_USAGE, "fleet",
				     "--log-level: debug, info, warn, error or off");
	/* Library warnings would tear the progress line; each row's outcome says it all. */
	m2m_log_setup(level, M2M_LOG_PLAIN, stderr);
	return 0;
}

static int run(m2m_fleet_op op, int argc, char **argv)
{
	m2m_fleet_cfg cfg;
	int rc = parse(op, argc, argv, &cfg);
	return rc != 0 ? rc : m2m_fleet_run(&cfg);
}

#define FLEET_VERB(fn, op)                                         \
	static int fn##_run(int argc, char **argv)                 \
	{                                                          \
		return run(op, argc, argv);                        \
	}                                                          \
	static void fn##_help(FILE *out)                           \
	{                                                          \
		help(out, op);                                     \
	}

FLEET_VERB(enable, M2M_FLEET_ENABLE)
FLEET_VERB(disable, M2M_FLEET_DISABLE)
FLEET_VERB(delete, M2M_FLEET_DELETE)
FLEET_VERB(audit, M2M_FLEET_AUDIT)
FLEET_VERB(smsr_change, M2M_FLEET_SMSR_CHANGE)

static const m2m_verb fleet_verbs[] = {
	{"enable", "ES4-EnableProfile for every row (eid, iccid)", enable_run, enable_help, NULL},
	{"disable", "ES4-DisableProfile for every row (eid, iccid)", disable_run, disable_help,
	 NULL},
	{"delete", "ES4-DeleteProfile for every row (eid, iccid)", delete_run, delete_help, NULL},
	{"audit", "ES4-AuditEIS for every row (eid, optional iccid)", audit_run, audit_help, NULL},
	{"smsr-change", "move every eUICC (eid) to another SM-SR (ES4-SMSRChange)",
	 smsr_change_run, smsr_change_help, NULL},
	{NULL, NULL, NULL, NULL, NULL},
};

const m2m_verb m2m_verb_fleet = {"fleet", "ES4 operations for a fleet of eUICCs from a CSV file",
				 NULL, NULL, fleet_verbs};
