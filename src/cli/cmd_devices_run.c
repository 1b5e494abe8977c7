/*
 * m2mrsp devices run: the farm daemon (docs/devices.md). Serves until SIGINT or SIGTERM;
 * prints the bound addresses ("smpp ADDR:PORT", "control ADDR:PORT") once listening, so a
 * script can start it with port 0.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_devices.h"
#include "cli/opts.h"
#include "core/log.h"
#include "farm/farm.h"
#include "net/http_client.h"
#include "net/http_server.h"

#define WHAT "devices run"

void m2m_devices_cmd_run_help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp devices run --db FILE --smpp ADDR:PORT\n"
		"         [--system-id ID --password PW]\n"
		"         [--control ADDR:PORT] [--cache N] [--smsr-address [+]DIGITS]\n"
		"         [--scp81-url URL] [--scp81-connect ADDR:PORT] [--scp81-max N]\n"
		"         [--notif-first-ms MS] [--notif-retry-ms MS] [--notif-retry-max-ms MS]\n"
		"         [--attach-ms MS] [--sms-expiry S] [--drop P] [--duplicate P] [--delay P]\n"
		"         [--delay-ms MS] [--fault-seed N] [--attach-fail ICCID,...]\n"
		"         [--off EID:SECONDS,...] [--notify sms|https]\n"
		"         [--vpcd HOST:PORT --expose EID] [--log-level debug|info|warn|error]\n"
		"\n"
		"Runs the farm of FILE behind an SMPP 3.4 SMSC on ADDR:PORT (port 0: any free\n"
		"port) accepting bind_transceiver from ID/PW (default smsr/password):\n"
		"  submit_sm to a device MSISDN -> ENVELOPE (SMS-PP DOWNLOAD) to its eUICC;\n"
		"  PoRs, notifications (MO SMS to --smsr-address unless the eUICC has A3, repeated\n"
		"  after --notif-first-ms, then every --notif-retry-ms doubling up to\n"
		"  --notif-retry-max-ms until confirmed) and receipts come back as deliver_sm.\n"
		"  SCP81 triggers open TLS-PSK sessions to the trigger's host, or --scp81-url\n"
		"  (default https://127.0.0.1:8443/polling); --scp81-connect forces the address.\n"
		"  --cache: devices kept in memory (default 10000). --sms-expiry:\n"
		"  store-and-forward validity for switched-off devices (default 86400 s).\n"
		"Faults: --drop/--duplicate/--delay probabilities 0..1 per MT SMS (seeded by\n"
		"  --fault-seed), --delay-ms, --attach-fail ICCIDs roll back after --attach-ms,\n"
		"  --off devices start switched off for SECONDS.\n"
		"--notify https: notifications go in an SCP81 session the eUICC opens itself\n"
		"  (POST <--scp81-url>?msg=<E1 hex>), repeated the same way until a 3A08 arrives.\n"
		"--vpcd HOST:PORT --expose EID: the eUICC EID is shown to vsmartcard's vpcd (pcscd\n"
		"  reader) as a card; it is reinserted after each change of its enabled profile.\n"
		"--control: the JSON control API (GET /devices/EID, POST /devices/EID/power,\n"
		"  POST /devices/EID/network-loss, GET /stats).\n"
		"Prints \"smpp ADDR:PORT\" (and \"control ADDR:PORT\") when ready; stops on\n"
		"SIGINT/SIGTERM. Exit 0 after a stop, 1 refused configuration, 2 usage, 3 I/O.\n");
}

enum {
	O_DB, O_SMPP, O_SYSID, O_PW, O_CONTROL, O_CACHE, O_SMSR, O_URL, O_CONNECT, O_SMAX,
	O_NFIRST, O_NRETRY, O_NMAX, O_ATTACH, O_EXPIRY, O_DROP, O_DUP, O_DELAY, O_DELAYMS,
	O_FSEED, O_AFAIL, O_OFF, O_LOG, O_NOTIFY, O_VPCD, O_EXPOSE, O__COUNT
};

typedef struct {
	m2m_farm_cfg cfg;
	char smpp_addr[64], control_addr[64];
	m2m_log_level level;
} run_ctx;

/* "ADDR:PORT" with a numeric address; port 0..65535. */
static int addr_port(const char *name, const char *v, char *addr, size_t cap, uint16_t *port)
{
	const char *colon = v != NULL ? strrchr(v, ':') : NULL;
	uint64_t p = 0;

	if (colon == NULL || colon == v || (size_t)(colon - v) >= cap)
		return m2m_cli_error(M2M_EXIT_USAGE, WHAT, "--%s needs ADDR:PORT", name);
	memcpy(addr, v, (size_t)(colon - v));
	addr[colon - v] = '\0';
	if (m2m_devices_opt_u64(WHAT, name, colon + 1, 0, 65535, &p) != 0)
		return M2M_EXIT_USAGE;
	*port = (uint16_t)p;
	return 0;
}

static int prob(const m2m_opt *o, double *out)
{
	char *end = NULL;

	if (o->value == NULL)
		return 0;
	*out = strtod(o->value, &end);
	if (end == o->value || *end != '\0' || !(*out >= 0.0 && *out <= 1.0))
		return m2m_cli_error(M2M_EXIT_USAGE, WHAT, "--%s is a probability 0..1", o->name);
	return 0;
}

static int numbers(const m2m_opt *o, run_ctx *c)
{
	static const struct {
		int opt;
		uint64_t max;
	} t[] = {{O_CACHE, 10000000}, {O_SMAX, 1024},      {O_NFIRST, 86400000},
		 {O_NRETRY, 86400000}, {O_NMAX, 86400000}, {O_ATTACH, 86400000},
		 {O_EXPIRY, 31536000}, {O_DELAYMS, 86400000}, {O_FSEED, UINT64_MAX}};
	uint64_t v[sizeof t / sizeof t[0]] = {0};
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < sizeof t / sizeof t[0]; i++)
		if (o[t[i].opt].value != NULL)
			rc = m2m_devices_opt_u64(WHAT, o[t[i].opt].name, o[t[i].opt].value,
						 t[i].opt == O_FSEED ? 0 : 1, t[i].max, &v[i]);
	if (rc != 0)
		return rc;
	c->cfg.cache_max = v[0];
	c->cfg.scp81_max = (unsigned)v[1];
	c->cfg.notif_first_ms = (unsigned)v[2];
	c->cfg.notif_retry_ms = (unsigned)v[3];
	c->cfg.notif_retry_max_ms = (unsigned)v[4];
	c->cfg.attach_ms = (unsigned)v[5];
	c->cfg.sms_expiry_s = (unsigned)v[6];
	c->cfg.faults.delay_ms = (unsigned)v[7];
	c->cfg.faults.seed = v[8];
	if ((rc = prob(&o[O_DROP], &c->cfg.faults.drop)) == 0 &&
	    (rc = prob(&o[O_DUP], &c->cfg.faults.duplicate)) == 0)
		rc = prob(&o[O_DELAY], &c->cfg.faults.delay);
	return rc;
}

static int parse(int argc, char **argv, run_ctx *c)
{
	m2m_opt o[O__COUNT] = {
		M2M_OPT_REQ("db"), M2M_OPT_REQ("smpp"), M2M_OPT("system-id"), M2M_OPT("password"),
		M2M_OPT("control"), M2M_OPT("cache"), M2M_OPT("smsr-address"), M2M_OPT("scp81-url"),
		M2M_OPT("scp81-connect"), M2M_OPT("scp81-max"), M2M_OPT("notif-first-ms"),
		M2M_OPT("notif-retry-ms"), M2M_OPT("notif-retry-max-ms"), M2M_OPT("attach-ms"),
		M2M_OPT("sms-expiry"), M2M_OPT("drop"), M2M_OPT("duplicate"), M2M_OPT("delay"),
		M2M_OPT("delay-ms"), M2M_OPT("fault-seed"), M2M_OPT("attach-fail"), M2M_OPT("off"),
		M2M_OPT("log-level"), M2M_OPT("notify"), M2M_OPT("vpcd"), M2M_OPT("expose"),
	};
	int rc = m2m_opts_parse(WHAT, argc, argv, o, O__COUNT, NULL, false);

	if (rc == 0)
		rc = numbers(o, c);
	if (rc == 0)
		rc = addr_port("smpp", o[O_SMPP].value, c->smpp_addr, sizeof c->smpp_addr,
			       &c->cfg.smpp_port);
	if (rc == 0 && o[O_CONTROL].value != NULL) {
		c->cfg.control = true;
		rc = addr_port("control", o[O_CONTROL].value, c->control_addr,
			       sizeof c->control_addr, &c->cfg.control_port);
	}
	if (rc != 0)
		return rc;
	c->level = M2M_LOG_INFO;
	if (o[O_LOG].value != NULL && m2m_log_level_parse(o[O_LOG].value, &c->level) != M2M_OK)
		return m2m_cli_error(M2M_EXIT_USAGE, WHAT, "--log-level: debug, info, warn, error");
	c->cfg.db_path = o[O_DB].value;
	c->cfg.smpp_addr = c->smpp_addr;
	c->cfg.control_addr = c->control_addr;
	c->cfg.system_id = o[O_SYSID].value;
	c->cfg.password = o[O_PW].value;
	c->cfg.smsr_address = o[O_SMSR].value;
	c->cfg.scp81_url = o[O_URL].value;
	c->cfg.scp81_connect = o[O_CONNECT].value;
	c->cfg.faults.attach_fail = o[O_AFAIL].value;
	c->cfg.faults.off = o[O_OFF].value;
	c->cfg.vpcd = o[O_VPCD].value;
	c->cfg.expose = o[O_EXPOSE].value;
	if ((c->cfg.vpcd == NULL) != (c->cfg.expose == NULL))
		return m2m_cli_error(M2M_EXIT_USAGE, WHAT, "--vpcd and --expose go together");
	if (o[O_NOTIFY].value != NULL && strcmp(o[O_NOTIFY].value, "https") != 0 &&
	    strcmp(o[O_NOTIFY].value, "sms") != 0)
		return m2m_cli_error(M2M_EXIT_USAGE, WHAT, "--notify: sms or https");
	c->cfg.notify_https = o[O_NOTIFY].value != NULL && strcmp(o[O_NOTIFY].value, "https") == 0;
	if ((c->cfg.system_id != NULL && strlen(c->cfg.system_id) > 15) ||
	    (c->cfg.password != NULL && strlen(c->cfg.password) > 8))
		return m2m_cli_error(M2M_EXIT_USAGE, WHAT,
				     "SMPP system_id is at most 15 characters, password 8");
	return 0;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	m2m_info("farm", "signal %d: stopping", (int)sig);
	event_base_loopbreak(arg);
}

static int serve(struct event_base *base, m2m_farm *f, const run_ctx *c)
{
	struct event *sint = evsignal_new(base, SIGINT, on_signal, base);
	struct event *sterm = evsignal_new(base, SIGTERM, on_signal, base);
	int rc = M2M_EXIT_OK;

	if (sint == NULL || sterm == NULL || event_add(sint, NULL) != 0 ||
	    event_add(sterm, NULL) != 0)
		rc = m2m_cli_error(M2M_EXIT_FAILED, WHAT, "cannot install signal handlers");
	if (rc == M2M_EXIT_OK) {
		printf("smpp %s:%u\n", c->smpp_addr, m2m_farm_smpp_port(f));
		if (c->cfg.control)
			printf("control %s:%u\n", c->control_addr, m2m_farm_control_port(f));
		if (fflush(stdout) != 0)
			rc = M2M_EXIT_IO;
	}
	if (rc == M2M_EXIT_OK && event_base_dispatch(base) < 0)
		rc = m2m_cli_error(M2M_EXIT_FAILED, WHAT, "event loop failed");
	if (sint != NULL)
		event_free(sint);
	if (sterm != NULL)
		event_free(sterm);
	return rc;
}

int m2m_devices_cmd_run(int argc, char **argv)
{
	run_ctx c;
	struct event_base *base = NULL;
	m2m_farm *f = NULL;
	m2m_err err;
	int rc;

	memset(&c, 0, sizeof c);
	rc = parse(argc, argv, &c);
	if (rc != 0)
		return rc;
	m2m_log_setup(c.level, M2M_LOG_PLAIN, stderr);
	signal(SIGPIPE, SIG_IGN);
	if (m2m_http_global_init() != M2M_OK || (base = event_base_new()) == NULL)
		return m2m_cli_error(M2M_EXIT_FAILED, WHAT, "initialisation failed");
	err = m2m_farm_new(base, &c.cfg, &f);
	if (err != M2M_OK)
		rc = m2m_cli_error(err == M2M_ERR_IO ? M2M_EXIT_IO : M2M_EXIT_FAILED, WHAT,
				   "%s: %s", c.cfg.db_path, err == M2M_ERR_ARG ?
				   "bad configuration (addresses, URL, fault lists, --vpcd/--expose)" :
				   err == M2M_ERR_TLV_NOT_FOUND ? "--expose: no such eUICC" :
				   err == M2M_ERR_FORMAT ? "not a farm database" :
				   err == M2M_ERR_IO ? "cannot open the database or bind a port" :
				   m2m_strerror(err));
	else
		rc = serve(base, f, &c);
	m2m_farm_free(f);
	m2m_http_base_free(base);
	m2m_http_global_cleanup();
	return rc;
}
