/*
 * The SM-DP end-to-end set-up shared by test_smdp_es2.c (and _pg) and test_smdp_faults.c:
 * pki, farm of the pki's EUM, the SM-SR with SCP81 and [peers] to the SM-DP, the SM-DP's
 * configuration, batch import and start, the operator's ES2 calls and the checks on the
 * SM-DP's store and the farm's cards. Include after e2e_harness.h. A test may set the SM-SR's
 * engine (SMDP_SMSR_ENGINE, SMDP_SMSR_POR_TIMEOUT) and the SM-DP's [download] section
 * (SMDP_DOWNLOAD) before including.
 */
#ifndef M2M_TESTS_E2E_SMDP_HARNESS_H
#define M2M_TESTS_E2E_SMDP_HARNESS_H

#include <ctype.h>

#include "net/http_server.h"
#include "saip/personalise.h"
#include "store/store_smdp.h"

#ifndef SMDP_SMSR_ENGINE
#define SMDP_SMSR_ENGINE "concurrency = 8\nretries = 5\nbackoff = 300\nlease = 20000\npoll = 50"
#endif
#ifndef SMDP_SMSR_POR_TIMEOUT
#define SMDP_SMSR_POR_TIMEOUT "5000"
#endif
#ifndef SMDP_DOWNLOAD
#define SMDP_DOWNLOAD "workers = 2\ntimeout = 240"
#endif

#define SMDP1 "1.3.6.1.4.1.99999.20"
#define SMSR1 "1.3.6.1.4.1.99999.2"
#define EUM1 "1.3.6.1.4.1.99999.10"
#define TS48_DIR "/work/shared/vectors/saip/"

#define SMDP_UNUSED __attribute__((unused))
static pid_t smdp_pid SMDP_UNUSED, smdp2_pid SMDP_UNUSED;
static const char *smdp_ini SMDP_UNUSED = "smdp.ini"; /* the configuration import() uses */
static char smdp_es[64] SMDP_UNUSED;
/* the SM-DP's database URL (test_smdp_es2_pg.c: PostgreSQL) */
static char smdp_db[700] SMDP_UNUSED;

#ifndef SMDP_DB_SETUP
/* SQLite in the test directory; test_smdp_es2_pg.c defines a PostgreSQL schema instead. */
#define SMDP_DB_SETUP() snprintf(smdp_db, sizeof smdp_db, "sqlite:%s/smdp.sqlite", F->dir)
#define SMDP_DB_TEARDOWN() ((void)0)
#endif
/* the next request's FunctionCallIdentifier, NULL: fresh */
static const char *fcid_next SMDP_UNUSED;
/* the ProfileInfo Iccids of the last Eis received */
static char eis_iccids[512] SMDP_UNUSED;

/* The operator's ReplyTo endpoint for the SM-DP's answers: the harness's handler behind an
 * identify that takes the caller for the SM-DP (the harness's endpoint expects an SM-SR). */
static struct SMDP_UNUSED {
	struct event_base *base;
	m2m_http_server *http;
	m2m_ws_server *ws;
	pthread_t thread;
	char url[96];
} dp_cb;

static inline m2m_err dp_cb_identify(void *arg, const m2m_tls_peer *peer,
				     m2m_ws_caller *caller)
{
	(void)arg;
	(void)peer;
	caller->role = M2M_WS_ROLE_SMDP;
	snprintf(caller->id, sizeof caller->id, "smdp1");
	return M2M_OK;
}

static inline void dp_cb_start(void)
{
	m2m_ws_server_opts wo = {.role = M2M_WS_ROLE_MNO,
				 .schema = F->schema,
				 .identify = dp_cb_identify,
				 .handler = cb_handler,
				 .allow_without_cert = true};

	dp_cb.base = event_base_new();
	assert_non_null(dp_cb.base);
	assert_int_equal(m2m_ws_server_new(&wo, &dp_cb.ws), M2M_OK);
	m2m_http_server_opts ho = {.handler = m2m_ws_server_http_handler, .arg = dp_cb.ws};
	assert_int_equal(m2m_http_server_new(dp_cb.base, &ho, &dp_cb.http), M2M_OK);
	snprintf(dp_cb.url, sizeof dp_cb.url, "http://127.0.0.1:%u/soap/es2",
		 (unsigned)m2m_http_server_port(dp_cb.http));
	assert_int_equal(pthread_create(&dp_cb.thread, NULL, loop, dp_cb.base), 0);
}

static inline void dp_cb_stop(void)
{
	event_base_loopbreak(dp_cb.base);
	pthread_join(dp_cb.thread, NULL);
	m2m_http_server_free(dp_cb.http);
	m2m_ws_server_free(dp_cb.ws);
	m2m_http_base_free(dp_cb.base);
}

/* ---- set-up ---- */

/* The SM-SR sends the card's profile notifications to the SM-DP ([peers]): the SM-DP's port
 * is chosen before either starts. */
static inline void write_smsr_config(unsigned scp81_port, unsigned smdp_port)
{
	FILE *f = config_begin();

	fprintf(f,
		"por_timeout = " SMDP_SMSR_POR_TIMEOUT "\n"
		"[scp81]\nenabled = true\nlisten = 127.0.0.1:%u\n"
		"[engine]\n" SMDP_SMSR_ENGINE "\n"
		"[callers]\nmno1 = " MNO1 "\nsmdp1 = " SMDP1 "\n"
		"[peers]\n" SMDP1 " = https://127.0.0.1:%u/soap/es3\n",
		scp81_port, smdp_port);
	fclose(f);
}

static inline void write_smdp_config(unsigned port)
{
	char file[256];
	FILE *f;
	const char *d = F->dir;

	path(file, sizeof file, "smdp.ini");
	f = fopen(file, "w");
	assert_non_null(f);
	fprintf(f,
		"[smdp]\nid = smdp1\noid = " SMDP1 "\ndb = %s\nmaster_key = %s\n"
		"log_level = info\n"
		"[es]\nlisten = 127.0.0.1:%u\ncert = %s/pki/smdp1-tls.crt\nkey = %s/pki/smdp1-tls.key\n"
		"ca = %s/pki/tls-ca.crt\n"
		"[gp]\nci_cert = %s/pki/ci.crt\ndp_cert = %s/pki/smdp1-ecdsa.gpcert\n"
		"dp_key = %s/pki/smdp1-ecdsa.key\n"
		"[download]\n" SMDP_DOWNLOAD "\n"
		"[smsr.one]\noid = " SMSR1 "\nurl = https://%s/soap/es3\n"
		"[callers]\nmno1 = " MNO1 "\n"
		"[peers]\n" MNO1 " = %s\n"
		"[eum]\n" EUM1 " = %s/pki/eum1.crt\n",
		smdp_db, MASTER, port, d, d, d, d, d, d, F->es, dp_cb.url, d);
	fclose(f);
}

/* The i-th profile of the batches: 19 digits and the Luhn digit. */
static inline void iccid_of(int i, char out[24])
{
	snprintf(out, 24, "89000123456789200%02d", i);
	out[19] = (char)m2m_saip_luhn(out, 19);
	out[20] = '\0';
}

/* The secrets of profile i: distinctive, so that finding them anywhere means a leak. */
static inline void ki_of(int i, char out[33])
{
	snprintf(out, 33, "A5A5A5A5A5A5A5A5A5A5A5A5A5A5%04X", (unsigned)i & 0xFFFF);
}

static inline void opc_of(int i, char out[33])
{
	snprintf(out, 33, "5C5C5C5C5C5C5C5C5C5C5C5C5C5C%04X", (unsigned)i & 0xFFFF);
}

static inline void imsi_of(int i, char out[16])
{
	snprintf(out, 16, "00101987654%04u", (unsigned)i % 10000);
}

/* `smdp import` of type with profiles first..first+n-1 (memory: --memory, 0 none). */
static inline void import_pkg(const char *type, const char *mno, int first, int n,
			      unsigned long memory, const char *pkg)
{
	char csv[256], iccid[24], mem[48] = "", ki[33], opc[33], imsi[16];
	FILE *f;

	snprintf(csv, sizeof csv, "%s/%s.csv", F->dir, type);
	f = fopen(csv, "w");
	assert_non_null(f);
	fprintf(f, "iccid,imsi,ki,opc\n");
	for (int i = 0; i < n; i++) {
		iccid_of(first + i, iccid);
		ki_of(first + i, ki);
		opc_of(first + i, opc);
		imsi_of(first + i, imsi);
		fprintf(f, "%s,%s,%s,%s\n", iccid, imsi, ki, opc);
	}
	fclose(f);
	if (memory > 0)
		snprintf(mem, sizeof mem, "--memory %lu", memory);
	assert_int_equal(sh("'%s' smdp import --config '%s/%s' --type %s --mno %s "
			    "--package '%s' --batch '%s' %s >/dev/null",
			    M2MRSP_BINARY, F->dir, smdp_ini, type, mno, pkg, csv, mem),
			 0);
}

static inline void import(const char *type, const char *mno, int first, int n,
			  unsigned long memory)
{
	import_pkg(type, mno, first, n, memory, BOOTSTRAP);
}

static inline void start_smdp(void)
{
	char cfg[256], out[256], err[256];

	path(cfg, sizeof cfg, "smdp.ini");
	path(out, sizeof out, "smdp.out");
	path(err, sizeof err, "smdp.err");
	char *argv[] = {M2MRSP_BINARY, "smdp", "--config", cfg, NULL};
	smdp_pid = spawn(argv, out, err);
	assert_true(smdp_pid > 0);
	assert_true(wait_line(out, "es", smdp_es, sizeof smdp_es));
}

/* ---- the operator ---- */

/* An ES2 request of fn for dev (< 0: an unknown EID) with Smsr-id (its spelling differs per
 * function) and the given children (name, text...; NULL ends). */
static inline m2m_ws_msg *es2(m2m_ws_fn fn, int dev, const char *smsr, ...)
{
	static int calls;
	bool camel = fn == M2M_WS_ES2_DOWNLOAD_PROFILE || fn == M2M_WS_ES2_ENABLE_PROFILE;
	const char *name;
	char fcid[32];
	m2m_ws_msg *m;
	va_list ap;

	snprintf(fcid, sizeof fcid, "%s", fcid_next != NULL ? fcid_next : "");
	if (fcid_next == NULL)
		snprintf(fcid, sizeof fcid, "mno1-%d", ++calls);
	m = request(fn, fcid, dev, NULL);
	assert_int_equal(m2m_ws_add(m, NULL, camel ? "SmSr-id" : "Smsr-id", smsr, NULL), M2M_OK);
	va_start(ap, smsr);
	while ((name = va_arg(ap, const char *)) != NULL) {
		const char *text = va_arg(ap, const char *);
		assert_int_equal(m2m_ws_add(m, NULL, name, text, NULL), M2M_OK);
	}
	va_end(ap);
	return m;
}

/* m to the SM-DP's ES2 as mno1: held (no ReplyTo) or answered at our endpoint. The
 * function call identifier is fresh each time. */
static inline void dp_call_as(const char *who, m2m_ws_msg *m, bool with_reply, outcome *o,
			      char *iccid, size_t cap)
{
	m2m_ws_client *c = client(who);
	m2m_ws_result res;
	char url[128];
	const char *t = NULL;

	memset(o, 0, sizeof *o);
	memset(&res, 0, sizeof res);
	snprintf(url, sizeof url, "https://%s/soap/es2", smdp_es);
	assert_int_equal(m2m_ws_client_call(c, url, m, with_reply ? dp_cb.url : NULL, &res),
			 M2M_OK);
	snprintf(o->mid, sizeof o->mid, "%s", m2m_ws_msg_wsa(m)->message_id);
	if (res.accepted) {
		callback cb;
		memset(&cb, 0, sizeof cb);
		o->accepted = true;
		assert_true(wait_callback(o->mid, &cb));
		o->st = cb.st;
		if (iccid != NULL)
			snprintf(iccid, cap, "%s", cb.iccid);
	} else {
		assert_false(res.fault);
		assert_non_null(res.response);
		assert_int_equal(m2m_ws_msg_status(res.response, &o->st), M2M_OK);
		const m2m_ws_node *eis = m2m_ws_find(m2m_ws_msg_body(res.response), "Eis");
		o->has_eis = eis != NULL;
		eis_iccids[0] = '\0';
		for (size_t k = 0; eis != NULL && k < m2m_ws_count(eis, "ProfileInfo"); k++)
			if (m2m_ws_get_text(m2m_ws_find_nth(eis, "ProfileInfo", k), "Iccid", &t) ==
			    M2M_OK)
				snprintf(eis_iccids + strlen(eis_iccids),
					 sizeof eis_iccids - strlen(eis_iccids), "%s ", t);
		if (iccid != NULL && m2m_ws_get_text(m2m_ws_msg_body(res.response), "Iccid", &t) ==
					     M2M_OK)
			snprintf(iccid, cap, "%s", t);
	}
	m2m_ws_result_free(&res);
	m2m_ws_msg_free(m);
	m2m_ws_client_free(c);
}

/* Whether the file holds n bytes of needle (a missing file holds nothing). */
static inline bool file_has(const char *file, const void *needle, size_t n)
{
	m2m_buf b;
	FILE *f = fopen(file, "rb");
	uint8_t chunk[65536];
	size_t k;
	bool found;

	if (f == NULL)
		return false;
	m2m_buf_init(&b);
	while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
		assert_int_equal(m2m_buf_append(&b, chunk, k), M2M_OK);
	fclose(f);
	found = b.len >= n && memmem(b.data, b.len, needle, n) != NULL;
	m2m_buf_free(&b);
	return found;
}

/* The text in upper and lower case, and the bytes its hex stands for. */
static inline bool file_has_hex(const char *file, const char *hex)
{
	uint8_t bin[32];
	char lower[65];
	size_t n = strlen(hex) / 2;

	for (size_t i = 0; i <= strlen(hex); i++)
		lower[i] = (char)tolower((unsigned char)hex[i]);
	for (size_t i = 0; i < n; i++)
		sscanf(hex + 2 * i, "%2hhx", &bin[i]);
	return file_has(file, hex, strlen(hex)) || file_has(file, lower, strlen(lower)) ||
	       file_has(file, bin, n);
}

static inline void dp_call(m2m_ws_msg *m, bool with_reply, outcome *o, char *iccid,
			   size_t cap)
{
	dp_call_as("mno1", m, with_reply, o, iccid, cap);
}

static inline m2m_store *smdp_store(void)
{
	m2m_store *st = NULL;
	char err[256];

	assert_int_equal(m2m_store_open(smdp_db, MASTER, &st, err, sizeof err), M2M_OK);
	return st;
}

static inline int64_t available(const char *type)
{
	m2m_store *st = smdp_store();
	int64_t n = -1;

	assert_int_equal(m2m_store_smdp_count(st, type, M2M_SMDP_AVAILABLE, &n), M2M_OK);
	m2m_store_close(st);
	return n;
}

/* The state the farm's card gives the ISD-P holding iccid ("" when none holds it). */
static inline void card_state(int dev, const char *iccid, char *state, size_t cap)
{
	m2m_buf b;
	char what[96], key[64];
	const char *text, *at, *s = NULL;

	m2m_buf_init(&b);
	snprintf(what, sizeof what, "/devices/%s", F->eid[dev]);
	farm_get(what, &b);
	text = (const char *)b.data;
	snprintf(key, sizeof key, "\"iccid\":\"%s\"", iccid);
	at = strstr(text, key);
	state[0] = '\0';
	for (const char *p = text; at != NULL && (p = strstr(p, "\"state\":\"")) != NULL && p < at;
	     p++)
		s = p;
	if (s != NULL)
		snprintf(state, cap, "%.*s", (int)strcspn(s + 9, "\""), s + 9);
	m2m_buf_free(&b);
}

/* pki, the farm (eUICCs of eum1, HTTPS with notifications), the SM-SR with SCP81 and the
 * SM-DP's configuration, in a new directory from tmpl; the test imports and starts the
 * SM-DP. */
static inline void smdp_system_up(const char *tmpl)
{
	char url[96], sout[256];
	unsigned scp81_port, smdp_port;

	fixture_new(tmpl, M2M_WS_ROLE_MNO, "es2");
	dp_cb_start();
	scp81_port = free_port();
	smdp_port = free_port();
	make_devices_for_pki(false);
	snprintf(url, sizeof url, "https://127.0.0.1:%u/scp81", scp81_port);
	char *extra[] = {"--scp81-url", url, "--notify", "https", NULL};
	start_farm(extra);
	write_smsr_config(scp81_port, smdp_port);
	import_and_start_smsr();
	path(sout, sizeof sout, "smsr.out");
	assert_true(wait_line(sout, "scp81", F->scp81, sizeof F->scp81));
	SMDP_DB_SETUP();
	write_smdp_config(smdp_port);
}

#endif
