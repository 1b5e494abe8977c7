/* m2mrsp bench smsr --memory-eis N: the SM-SR's resident memory with N EIS records.
 * The records are made from one farm device (`devices init --count 1`, `devices list --json`),
 * its EIS signed once with the pki's EUM key, then written N times with a new EID, ICCID and
 * MSISDN each (its profile and its ISD-R key sets, keys encrypted at rest: m2m_eis_to_store)
 * in transactions of 10,000 into a fresh SQLite store. The signed part of every copy is the
 * template's (only the size matters here). Then `m2mrsp smsr` starts on it (with the
 * one-device farm as its SMSC), a few GetEIS on random EIDs are timed, and its VmRSS/VmHWM
 * and the database size are printed. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_smsr.h"
#include "cli/cli.h"
#include "core/log.h"
#include "crypto/ec.h"
#include "crypto/pem.h"
#include "net/http_client.h"
#include "saip/personalise.h"
#include "smsr/eis.h"
#include "smsr/eis_device.h"
#include "smsr/eis_dsig.h"
#include "smsr/eis_store.h"
#include "smsr/eis_xml.h"
#include "store/store.h"
#include "ws/msg.h"

#define BATCH 10000
#define PROBES 20

typedef struct {
	const bsr_opts *o;
	char dir[128];
	char pkg[512];
	char db[300];
	char smpp[64], es[64];
	pid_t farm, smsr;
	m2m_ws_schema *schema;
	m2m_eis tmpl;
	char *eid_at; /* the Eid text inside tmpl.signed_info */
} mem;

/* The 32 characters after "Eid>" in the signed EumSignedInfo text. */
static char *eid_in(m2m_buf *b)
{
	static const char key[] = "Eid>";

	for (size_t i = 0; b->data != NULL && i + sizeof key - 1 + 32 <= b->len; i++)
		if (memcmp(b->data + i, key, sizeof key - 1) == 0)
			return (char *)b->data + i + sizeof key - 1;
	return NULL;
}

static bool template_device(mem *m)
{
	char file[256], *line = NULL;
	size_t cap = 0;
	json_error_t jerr;
	json_t *dev = NULL;
	m2m_eckey *key = NULL;
	m2m_ws_msg *msg = NULL;
	m2m_ws_node *eis = NULL;
	char why[256] = "";
	FILE *f;
	bool ok = false;
	m2m_eis_device_opts opts = {.eum_id = M2M_EIS_DEFAULT_EUM_ID,
				    .smsr_id = M2M_EIS_DEFAULT_SMSR_ID,
				    .mno_id = BSR_MNO1,
				    .production = time(NULL)};

	if (bsr_sh("'%s' pki init '%s/pki' >/dev/null && "
		   "'%s' devices init --db '%s/farm.sqlite' --count 1 --bootstrap '%s' "
		   "--seed " BSR_SEED " >'%s/init.log' 2>&1 && "
		   "'%s' devices list --db '%s/farm.sqlite' --json > '%s/devices.json'",
		   bsr_self(), m->dir, bsr_self(), m->dir, m->pkg, m->dir, bsr_self(), m->dir,
		   m->dir) != 0)
		return false;
	snprintf(file, sizeof file, "%s/devices.json", m->dir);
	f = fopen(file, "r");
	if (f == NULL || getline(&line, &cap, f) <= 0)
		goto out;
	dev = json_loads(line, 0, &jerr);
	snprintf(file, sizeof file, "%s/pki/eum1.key", m->dir);
	if (dev == NULL || m2m_eis_from_device(dev, &opts, &m->tmpl, why, sizeof why) != M2M_OK ||
	    m2m_ec_load_pem(file, true, &key) != M2M_OK)
		goto out;
	/* signed once, as `smsr import` signs each EIS */
	ok = m2m_ws_request_new(M2M_WS_ES1_REGISTER_EIS, "bench", 0, &msg) == M2M_OK &&
	     m2m_eis_build(msg, NULL, &m->tmpl, NULL, 0, &eis) == M2M_OK &&
	     m2m_eis_sign(msg, eis, key, NULL, 0, &m->tmpl) == M2M_OK;
	/* Each copy gets its own EID in the signed text (its signature then no longer
	 * verifies: signing a million EIS would measure ECDSA, not the SM-SR's memory). */
	if (ok)
		m->eid_at = eid_in(&m->tmpl.signed_info);
	ok = ok && m->eid_at != NULL;
out:
	if (!ok)
		fprintf(stderr, "bench smsr: no template EIS %s\n", why);
	m2m_ws_msg_free(msg);
	m2m_ec_free(key);
	json_decref(dev);
	free(line);
	if (f != NULL)
		fclose(f);
	return ok;
}

/* Row i: EID 89999 0000000001 + i (32 digits), ICCID 8988297 + i + Luhn, MSISDN 88297 + i.
 * False when i does not fit. */
static bool identity(mem *m, size_t i)
{
	char digits[24];
	bool ok = snprintf(m->tmpl.eid, sizeof m->tmpl.eid, "8999900000000001%016zu", i) == 32 &&
		  snprintf(digits, sizeof digits, "8988297%012zu", i) == 19;

	/* The store reads the EID back from the signed part: it must be this row's. */
	if (ok && m->eid_at != NULL)
		memcpy(m->eid_at, m->tmpl.eid, 32);

	for (size_t k = 0; ok && k < m->tmpl.nprofiles; k++) {
		digits[6] = (char)('7' - k); /* another ICCID range per profile */
		ok = snprintf(m->tmpl.profiles[k].iccid, sizeof m->tmpl.profiles[k].iccid,
			      "%.19s%c", digits, m2m_saip_luhn(digits, 19)) == 20 &&
		     snprintf(m->tmpl.profiles[k].msisdn, sizeof m->tmpl.profiles[k].msisdn,
			      "88297%010zu", i) == 15;
	}
	return ok;
}

static bool fill(mem *m, size_t n)
{
	m2m_store *st = NULL;
	m2m_ws_exec_status why;
	char err[256];
	double t0 = bsr_now(), tb = t0;
	m2m_err e = M2M_OK;

	if (m2m_store_open(m->db, BSR_MASTER, &st, err, sizeof err) != M2M_OK) {
		fprintf(stderr, "bench smsr: store: %s\n", err);
		return false;
	}
	for (size_t i = 0; i < n && e == M2M_OK; i++) {
		if (i % BATCH == 0)
			e = m2m_store_begin(st);
		if (e == M2M_OK && !identity(m, i))
			e = M2M_ERR_BOUNDS;
		if (e == M2M_OK)
			e = m2m_eis_to_store(st, &m->tmpl, &why);
		if (e == M2M_OK && (i % BATCH == BATCH - 1 || i == n - 1))
			e = m2m_store_commit(st);
		if (e == M2M_OK && (i + 1) % 100000 == 0) {
			printf("  %zu EIS written, %.0f/s over the last 100,000\n", i + 1,
			       100000 / (bsr_now() - tb));
			fflush(stdout);
			tb = bsr_now();
		}
	}
	if (e != M2M_OK)
		fprintf(stderr, "bench smsr: EIS not written: %s (%s %s/%s)\n",
			m2m_store_errmsg(st), m2m_strerror(e), why.subject, why.reason);
	else
		printf("set-up: %zu EIS (1 profile, %zu key sets each) written in %.1f s "
		       "(%.0f/s)\n",
		       n, m->tmpl.isdr.nkeysets, bsr_now() - t0, (double)n / (bsr_now() - t0));
	m2m_store_close(st);
	return e == M2M_OK;
}

static bool start(mem *m)
{
	char db[256], out[256], err[256], cfg[256];
	const char *port;
	FILE *f;
	snprintf(db, sizeof db, "%s/farm.sqlite", m->dir);
	snprintf(out, sizeof out, "%s/farm.out", m->dir);
	snprintf(err, sizeof err, "%s/farm.err", m->dir);
	char *fargv[] = {(char *)bsr_self(), "devices", "run", "--db", db, "--smpp",
			 "127.0.0.1:0", "--system-id", "smsr", "--password", "secret", NULL};

	m->farm = bsr_spawn(fargv, out, err);
	if (m->farm <= 0 || !bsr_wait_line(out, "smpp", m->smpp, sizeof m->smpp, 60) ||
	    (port = strrchr(m->smpp, ':')) == NULL)
		return false;
	snprintf(cfg, sizeof cfg, "%s/smsr.ini", m->dir);
	f = fopen(cfg, "w");
	if (f == NULL)
		return false;
	fprintf(f,
		"[smsr]\nid = smsr1\ndb = %s\nmaster_key = " BSR_MASTER "\nlog_level = warn\n"
		"[es]\nlisten = 127.0.0.1:0\ncert = %s/pki/smsr1-tls.crt\n"
		"key = %s/pki/smsr1-tls.key\nca = %s/pki/tls-ca.crt\n"
		"[smpp]\nhost = 127.0.0.1\nport = %s\nsystem_id = smsr\npassword = secret\n"
		"[callers]\nmno1 = " BSR_MNO1 "\n",
		m->db, m->dir, m->dir, m->dir, port + 1);
	if (fclose(f) != 0)
		return false;
	snprintf(out, sizeof out, "%s/smsr.out", m->dir);
	snprintf(err, sizeof err, "%s/smsr.err", m->dir);
	char *sargv[] = {(char *)bsr_self(), "smsr", "--config", cfg, NULL};
	double t0 = bsr_now();
	m->smsr = bsr_spawn(sargv, out, err);
	if (m->smsr <= 0 || !bsr_wait_line(out, "es", m->es, sizeof m->es, 600)) {
		fprintf(stderr, "bench smsr: the SM-SR did not start (see %s)\n", err);
		return false;
	}
	printf("SM-SR up (listening) %.2f s after its start\n", bsr_now() - t0);
	return true;
}

static void print_mem(const char *when, pid_t pid)
{
	bsr_usage u;
	bsr_usage_of(pid, &u);
	printf("  SM-SR %s: VmRSS %.1f MB, VmHWM %.1f MB, CPU %.2f s\n", when, u.rss_kb / 1024.0,
	       u.hwm_kb / 1024.0, u.cpu_s);
}

static bool probe(mem *m, size_t n)
{
	char(*eid)[40] = calloc(PROBES, sizeof *eid);
	bsr_result res;
	bool ok;

	if (eid == NULL)
		return false;
	srand((unsigned)time(NULL));
	for (size_t k = 0; k < PROBES; k++) {
		size_t i = ((size_t)rand() * (size_t)RAND_MAX + (size_t)rand()) % n;
		if (snprintf(eid[k], sizeof eid[k], "8999900000000001%016zu", i) != 32)
			eid[k][0] = '\0';
	}
	bsr_load l = {.es = m->es, .dir = m->dir, .schema = m->schema, .eid = eid, .n = PROBES,
		      .concurrency = 1, .tag = "mem", .get_eis = true};
	ok = bsr_load_run(&l, &res);
	if (ok)
		bsr_result_print("  GetEIS on random EIDs (one client, sequential)", &res);
	ok = ok && res.failed == 0;
	bsr_result_free(&res);
	free(eid);
	return ok;
}

int bsr_memory(const bsr_opts *o)
{
	mem m;
	int rc = M2M_EXIT_IO;
	long long size = 0;
	char file[300];

	memset(&m, 0, sizeof m);
	m.o = o;
	m2m_eis_init(&m.tmpl);
	m2m_log_setup(M2M_LOG_ERROR, M2M_LOG_PLAIN, stderr);
	snprintf(m.dir, sizeof m.dir, "/tmp/m2m_bench_smsr_mem_XXXXXX");
	snprintf(m.pkg, sizeof m.pkg, "%s", o->package);
	if (mkdtemp(m.dir) == NULL) {
		m.dir[0] = '\0';
		goto out;
	}
	snprintf(m.db, sizeof m.db, "sqlite:%s/smsr.sqlite", m.dir);
	if (m2m_ws_init() != M2M_OK || m2m_http_global_init() != M2M_OK ||
	    m2m_ws_schema_load(NULL, &m.schema) != M2M_OK || !template_device(&m))
		goto out;
	printf("SM-SR memory with %zu EIS records (SQLite WAL):\n", o->memory_eis);
	if (!fill(&m, o->memory_eis) || !start(&m))
		goto out;
	print_mem("after start", m.smsr);
	sleep(2);
	print_mem("2 s later", m.smsr);
	rc = probe(&m, o->memory_eis) ? M2M_EXIT_OK : M2M_EXIT_FAILED;
	print_mem("after the GetEIS calls", m.smsr);
	for (const char *sfx = ""; sfx != NULL; sfx = *sfx == '\0' ? "-wal" : NULL) {
		snprintf(file, sizeof file, "%s/smsr.sqlite%s", m.dir, sfx);
		size += bsr_file_size(file);
	}
	printf("  database: %.1f MB (smsr.sqlite and its WAL), %.0f bytes per EIS\n",
	       size / 1048576.0, (double)size / (double)o->memory_eis);
out:
	bsr_stop(&m.smsr);
	bsr_stop(&m.farm);
	if (o->keep)
		printf("run directory kept: %s\n", m.dir);
	else if (m.dir[0] != '\0')
		bsr_sh("rm -rf '%s'", m.dir);
	m2m_eis_clear(&m.tmpl);
	m2m_ws_schema_free(m.schema);
	return rc;
}
