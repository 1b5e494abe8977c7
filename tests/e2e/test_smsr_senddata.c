/*
 * End to end ES3.SendData: the whole SGP.02 profile download through the SM-SR as a courier.
 * `m2mrsp pki init`, `m2mrsp devices init/run` (two eUICCs whose ECASD certificates the pki's
 * EUM signed, SCP81 with `--scp81-url`) and `m2mrsp smsr` with `[scp81] enabled`. This
 * program is the SM-DP (TLS identity smdp1) and uses only held answers (no ReplyTo): GetEIS,
 * eligibility (src/smdp/eligibility.h), CreateISDP, the real ES8 engine (src/smdp/
 * es8_session.h: key establishment then SCP03t) with every payload sent as one SendData,
 * ProfileDownloadCompleted and EnableProfile. Then the card (the farm's control API) and the
 * SM-SR's GetEIS show the new ICCID enabled, and neither the SM-SR's database nor its log
 * holds the package's Ki, OPc or IMSI. Refusals: unknown EID, another owner's ISD-P,
 * malformed Data, SCP03t for an eUICC without HTTPS. UpdateConnectivityParameters: the
 * SM-DP's commands relayed to the downloaded profile's ISD-P (held and ReplyTo), its repeat,
 * and its refusals.
 */
#define _POSIX_C_SOURCE 200809L
#define NDEV 2
#include "e2e_harness.h"

#include "core/hex.h"
#include "crypto/pem.h"
#include "saip/personalise.h"
#include "smdp/eligibility.h"
#include "smdp/es8_session.h"

#define SMDP1 "1.3.6.1.4.1.99999.20"
/* The package's secrets, chosen so that a stray copy is easy to find. */
#define KI "5A1B2C3D4E5F60718293A4B5C6D7E8F9"
#define OPC "F1E2D3C4B5A6978877665544332211A0"
#define IMSI "001019876543210"
#define ICCID19 "8988299000005432101" /* + the Luhn digit */

/* INSTALL [for personalization] of ISD-P 0011 (key establishment's first command). */
static const char install[] = "AE80221B80E6200016000010A0000005591010FFFFFFFF8900001100"
			      "000000"
			      "0000";

static char iccid[24];
static char isdp_aid[40];
static unsigned fcid_n;

/* A new FunctionCallIdentifier. */
static const char *fcid(void)
{
	static char b[32];

	snprintf(b, sizeof b, "sd-%u", ++fcid_n);
	return b;
}

/* ---- set-up ---- */

static void write_config(unsigned scp81_port)
{
	FILE *f = config_begin();

	fprintf(f,
		"por_timeout = 5000\n"
		"[scp81]\nenabled = true\nlisten = 127.0.0.1:%u\n"
		"[engine]\nconcurrency = 8\nretries = 3\nbackoff = 300\nlease = 20000\npoll = 50\n"
		"[callers]\nmno1 = " MNO1 "\nsmdp1 = " SMDP1 "\n"
		"[peers]\n" SMDP1 " = %s\n",
		scp81_port, F->cb_url);
	fclose(f);
}

/* The TS.48 package with a fresh ICCID, IMSI, Ki and OPc. */
static void personalise(void)
{
	int luhn = m2m_saip_luhn(ICCID19, strlen(ICCID19));

	assert_true(luhn >= '0');
	snprintf(iccid, sizeof iccid, "%s%c", ICCID19, (char)luhn);
	assert_int_equal(sh("'%s' saip personalise '%s' -o '%s/pkg.der' --iccid %s --imsi %s "
			    "--ki %s --opc %s >/dev/null",
			    M2MRSP_BINARY, BOOTSTRAP, F->dir, iccid, IMSI, KI, OPC),
			 0);
}

/* eUICC 1 has no HttpSupport in the EIS: it is SMS only for the SM-SR. */
static void make_sms_only(int dev)
{
	m2m_store *st = store_open();
	m2m_store_eis e;

	memset(&e, 0, sizeof e);
	assert_int_equal(m2m_store_eis_get(st, F->eid[dev], &e), M2M_OK);
	e.caps &= ~(uint32_t)M2M_STORE_CAP_HTTPS;
	assert_int_equal(m2m_store_eis_update(st, &e, 0, NULL), M2M_OK);
	m2m_store_eis_clear(&e);
	m2m_store_close(st);
}

static int setup(void **state)
{
	char url[96], sout[256];
	unsigned scp81_port;

	(void)state;
	fixture_new("/tmp/m2m_e2esd_XXXXXX", M2M_WS_ROLE_SMDP, "es3");
	scp81_port = free_port();
	assert_int_equal(sh("'%s' pki init '%s/pki' >/dev/null", M2MRSP_BINARY, F->dir), 0);
	/* The pki's EUM signs the ECASD certificates, the pki's CI is the cards' CI. */
	assert_int_equal(sh("'%s' devices init --db '%s/farm.sqlite' --count %d --bootstrap '%s' "
			    "--seed 000102030405060708090a0b0c0d0e0f --eum-key '%s/pki/eum1.key' "
			    "--ci-key '%s/pki/ci.key' >/dev/null 2>&1",
			    M2MRSP_BINARY, F->dir, NDEV, BOOTSTRAP, F->dir, F->dir),
			 0);
	assert_int_equal(sh("'%s' devices list --db '%s/farm.sqlite' --json > '%s/devices.json'",
			    M2MRSP_BINARY, F->dir, F->dir),
			 0);
	read_devices(false);
	snprintf(url, sizeof url, "https://127.0.0.1:%u/scp81", scp81_port);
	char *extra[] = {"--scp81-url", url, "--notify", "https", NULL};
	start_farm(extra);
	write_config(scp81_port);
	import_and_start_smsr();
	path(sout, sizeof sout, "smsr.out");
	assert_true(wait_line(sout, "scp81", F->scp81, sizeof F->scp81));
	make_sms_only(1);
	personalise();
	return 0;
}

/* ---- the SM-DP's calls (held: no ReplyTo) ---- */

/* One held ES3 call; the response element (NULL for a fault, whose status goes to st). */
static m2m_ws_msg *es3(m2m_ws_client *c, m2m_ws_msg *m, m2m_ws_exec_status *st)
{
	m2m_ws_result res;
	m2m_ws_msg *out = NULL;
	char url[128];

	memset(&res, 0, sizeof res);
	snprintf(url, sizeof url, "https://%s/soap/es3", F->es);
	assert_int_equal(m2m_ws_client_call(c, url, m, NULL, &res), M2M_OK);
	assert_false(res.accepted);
	if (res.fault) {
		*st = res.error.status;
	} else {
		assert_non_null(res.response);
		assert_int_equal(m2m_ws_msg_status(res.response, st), M2M_OK);
		out = res.response;
		res.response = NULL;
	}
	m2m_ws_result_free(&res);
	m2m_ws_msg_free(m);
	return out;
}

static void expect_st(const m2m_ws_exec_status *st, m2m_ws_status want, const char *subject,
		      const char *reason)
{
	outcome o;

	memset(&o, 0, sizeof o);
	o.st = *st;
	expect(&o, want, subject, reason);
}

/* SendData with FunctionCallIdentifier id of data (hex) for sd_aid on dev; the response data
 * (hex) into out if given. */
static void send_data_id(m2m_ws_client *c, int dev, const char *id, const char *sd_aid,
			 const char *data_hex, bool more, m2m_ws_exec_status *st, m2m_buf *out)
{
	m2m_ws_msg *m = request(M2M_WS_ES3_SEND_DATA, id, dev, "Sd-aid", sd_aid, "Data",
				data_hex, "MoreToDo", more ? "true" : "false", NULL);
	m2m_ws_msg *r = es3(c, m, st);
	const char *hex = NULL;

	if (out != NULL) {
		m2m_buf_reset(out);
		if (r != NULL &&
		    m2m_ws_get_text(m2m_ws_msg_body(r), "EuiccResponseData", &hex) == M2M_OK)
			assert_int_equal(m2m_hex_decode_buf(hex, out), M2M_OK);
	}
	m2m_ws_msg_free(r);
}

/* The same with a new FunctionCallIdentifier. */
static void send_data(m2m_ws_client *c, int dev, const char *sd_aid, const char *data_hex,
		      bool more, m2m_ws_exec_status *st, m2m_buf *out)
{
	send_data_id(c, dev, fcid(), sd_aid, data_hex, more, st, out);
}

static void same_bytes(const m2m_buf *a, const m2m_buf *b)
{
	assert_int_equal(a->len, b->len);
	assert_memory_equal(a->data, b->data, a->len);
}

static void read_file(const char *name, m2m_buf *b)
{
	char p[256];
	FILE *f;
	uint8_t chunk[65536];
	size_t n;

	path(p, sizeof p, name);
	m2m_buf_init(b);
	f = fopen(p, "rb");
	if (f == NULL)
		return; /* e.g. no -wal file */
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		assert_int_equal(m2m_buf_append(b, chunk, n), M2M_OK);
	fclose(f);
}

/* ---- the download ---- */

/* ES3.GetEIS and the SM-DP's eligibility check: PK.ECASD.ECKA and RequiredMemory. */
static m2m_eckey *eligible(m2m_ws_client *c, const m2m_buf *pkg, uint64_t *mem)
{
	m2m_ws_exec_status st;
	m2m_ws_msg *r = es3(c, request(M2M_WS_ES3_GET_EIS, fcid(), 0, NULL), &st);
	const m2m_ws_node *eis;
	const char *cert_hex = NULL, *free_mem = NULL;
	m2m_buf cert, eum, ci;
	m2m_smdp_eis e;
	m2m_smdp_req req;
	m2m_smdp_eligible ok;
	m2m_smdp_refusal why;

	assert_non_null(r);
	expect_st(&st, M2M_WS_EXECUTED_SUCCESS, "", "");
	eis = m2m_ws_find(m2m_ws_msg_body(r), "Eis");
	assert_non_null(eis);
	assert_int_equal(m2m_ws_get_text(m2m_ws_find(eis, "EumSignedInfo/Ecasd/Keyset/Certificate"),
					 "Value", &cert_hex),
			 M2M_OK);
	m2m_buf_init(&cert);
	assert_int_equal(m2m_hex_decode_buf(cert_hex, &cert), M2M_OK);
	read_file("pki/eum1.crt", &eum);
	read_file("pki/ci.crt", &ci);
	memset(&e, 0, sizeof e);
	e.ecasd_cert = cert.data;
	e.ecasd_cert_len = cert.len;
	e.eum_pem = eum.data;
	e.eum_pem_len = eum.len;
	e.caps.http = true;
	if (m2m_ws_get_text(eis, "RemainingMemory", &free_mem) == M2M_OK)
		e.free_memory = strtoull(free_mem, NULL, 10);
	else
		e.free_memory = 1024 * 1024;
	memset(&req, 0, sizeof req);
	req.ci_pem = ci.data;
	req.ci_pem_len = ci.len;
	req.package_len = pkg->len;
	req.need_http = true;
	if (m2m_smdp_eligibility(&e, &req, &ok, &why) != M2M_OK)
		print_error("not eligible: %s %s/%s\n", why.message, why.subject, why.reason);
	assert_int_equal(why.kind, M2M_SMDP_ELIGIBLE);
	*mem = ok.required_memory;
	m2m_buf_free(&cert);
	m2m_buf_free(&eum);
	m2m_buf_free(&ci);
	m2m_ws_msg_free(r);
	return ok.pk_ecasd;
}

/* CreateISDP, held, with MoreToDo as the SM-DP sends it (SendData follows): the answer
 * names the ISD-P. */
static void create_isdp(m2m_ws_client *c, uint64_t mem)
{
	char m[24];
	m2m_ws_exec_status st;
	m2m_ws_msg *r;
	const char *aid = NULL;

	snprintf(m, sizeof m, "%llu", (unsigned long long)mem);
	r = es3(c,
		request(M2M_WS_ES3_CREATE_ISDP, fcid(), 0, "Iccid", iccid, "Mno-id", MNO1,
			"RequiredMemory", m, "MoreToDo", "true", NULL),
		&st);
	assert_non_null(r);
	expect_st(&st, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_int_equal(m2m_ws_get_text(m2m_ws_msg_body(r), "Isd-p-aid", &aid), M2M_OK);
	snprintf(isdp_aid, sizeof isdp_aid, "%s", aid);
	m2m_ws_msg_free(r);
}

/* The ES8 engine's payloads, each one SendData; the card's answers back into it. */
/* The operator asks for an audit of the eUICC (ES4, answer to ReplyTo, not awaited): its
 * job is queued while the SM-DP's exchange is open. */
static void audit_in_between(void)
{
	m2m_ws_client *c = client("mno1");
	m2m_ws_msg *m = request(M2M_WS_ES4_AUDIT_EIS, "between-1", 0, NULL);
	m2m_ws_result res;
	char url[128];

	memset(&res, 0, sizeof res);
	snprintf(url, sizeof url, "https://%s/soap/es4", F->es);
	assert_int_equal(m2m_ws_client_call(c, url, m, F->cb_url, &res), M2M_OK);
	assert_true(res.accepted);
	m2m_ws_result_free(&res);
	m2m_ws_msg_free(m);
	m2m_ws_client_free(c);
}

/* That audit ran, after the exchange (the download went through untouched). */
static void assert_audit_ran(void)
{
	m2m_store *st = store_open();
	m2m_store_job *jobs = NULL;
	size_t n = 0, found = 0;

	for (int i = 0; i < 100 && found == 0; i++) {
		assert_int_equal(m2m_store_job_list(st, F->eid[0], &jobs, &n), M2M_OK);
		for (size_t k = 0; k < n; k++)
			found += strcmp(jobs[k].call_id, "between-1") == 0 &&
				 jobs[k].state == M2M_STORE_JOB_ANSWERED;
		m2m_store_job_list_free(jobs, n);
		if (found == 0)
			usleep(100000);
	}
	m2m_store_close(st);
	assert_int_equal(found, 1);
}

/* sessions: the eUICC's SCP81 sessions the SM-SR's log showed before CreateISDP. */
static size_t run_es8(m2m_ws_client *c, m2m_es8_session *s, size_t sessions)
{
	m2m_es8_payload p;
	m2m_ws_exec_status st;
	m2m_buf resp;
	char aid[2 * M2M_ES8_AID_MAX + 1], id[32];
	m2m_buf again;
	size_t n = 0;
	m2m_err err;

	m2m_buf_init(&resp);
	m2m_buf_init(&again);
	while ((err = m2m_es8_next(s, &p)) == M2M_OK) {
		char *hex = malloc(2 * p.len + 1);
		assert_non_null(hex);
		m2m_hex_encode(p.data, p.len, hex);
		m2m_hex_encode(p.sd_aid, p.sd_aid_len, aid);
		snprintf(id, sizeof id, "%s", fcid());
		send_data_id(c, 0, id, aid, hex, p.more_to_do, &st, &resp);
		expect_st(&st, M2M_WS_EXECUTED_SUCCESS, "", "");
		/* The SM-DP repeats the first one (its answer lost): the recorded response,
		 * and no second card job, which would break key establishment half done. */
		if (n == 0) {
			send_data_id(c, 0, id, aid, hex, p.more_to_do, &st, &again);
			expect_st(&st, M2M_WS_EXECUTED_SUCCESS, "", "");
			same_bytes(&again, &resp);
			assert_int_equal(jobs_for_call(NULL, F->eid[0], id, NULL), 1);
			/* CreateISDP's session lingered (MoreToDo) and carried this SendData: one
			 * session, not a second trigger and handshake. */
			assert_int_equal(smsr_log_count(F->eid[0], ": session opened") - sessions, 1);
		}
		free(hex);
		/* Another job for the eUICC arrives while key establishment is half done: it
		 * must wait (smsr_chain.c), or the card loses the exchange's state. */
		if (n++ == 0)
			audit_in_between();
		err = m2m_es8_response(s, resp.data, resp.len);
		if (err != M2M_OK) {
			const m2m_es8_failure *f = m2m_es8_failure_get(s);
			print_error("step %s: %s\n", m2m_es8_step_name(p.step),
				    f != NULL ? f->message : "?");
		}
		assert_int_equal(err, M2M_OK);
	}
	assert_int_equal(err, M2M_END);
	assert_true(m2m_es8_done(s));
	m2m_buf_free(&resp);
	m2m_buf_free(&again);
	return n;
}

/* "state" of the ISD-P object of the farm's JSON that holds "iccid":"<iccid>". */
static void farm_state(const char *eid, const char *want_iccid, char *out, size_t cap)
{
	m2m_buf b;
	char what[96];
	const char *p, *s = NULL, *q;

	m2m_buf_init(&b);
	snprintf(what, sizeof what, "/devices/%s", eid);
	farm_get(what, &b);
	p = strstr((const char *)b.data, want_iccid);
	assert_non_null(p);
	for (q = (const char *)b.data; (q = strstr(q, "\"state\"")) != NULL && q < p; q++)
		s = q;
	assert_non_null(s);
	s = strchr(s + 7, '"');
	assert_non_null(s);
	snprintf(out, cap, "%.*s", (int)strcspn(s + 1, "\""), s + 1);
	m2m_buf_free(&b);
}

static bool contains(const m2m_buf *hay, const uint8_t *needle, size_t n)
{
	for (size_t i = 0; n > 0 && i + n <= hay->len; i++)
		if (memcmp(hay->data + i, needle, n) == 0)
			return true;
	return false;
}

/* Binary, upper- and lower-case hex of bytes: none in b. */
static void assert_absent(const m2m_buf *b, const uint8_t *bytes, size_t n, const char *what,
			  const char *file)
{
	char hex[80];

	assert_true(2 * n < sizeof hex);
	m2m_hex_encode(bytes, n, hex);
	if (contains(b, bytes, n) || contains(b, (const uint8_t *)hex, 2 * n))
		print_error("%s found in %s\n", what, file);
	assert_false(contains(b, bytes, n));
	assert_false(contains(b, (const uint8_t *)hex, 2 * n));
	for (size_t i = 0; hex[i] != '\0'; i++)
		if (hex[i] >= 'A' && hex[i] <= 'F')
			hex[i] = (char)(hex[i] - 'A' + 'a');
	assert_false(contains(b, (const uint8_t *)hex, 2 * n));
}

/* The SM-SR's files never held the package's secrets (the SCP03t ciphering keeps them from
 * the courier; Data and responses are not logged), nor any ES8 byte in clear: CERT.DP, which
 * the first SendData carried, is not there either (the job payload holds Data sealed). */
static void assert_no_secrets(const m2m_buf *cert_dp)
{
	static const char *files[] = {"smsr.sqlite", "smsr.sqlite-wal", "smsr.err", "smsr.out"};
	uint8_t ki[16], opc[16], imsi[9];

	assert_int_equal(m2m_hex_decode_exact(KI, ki, sizeof ki), M2M_OK);
	assert_int_equal(m2m_hex_decode_exact(OPC, opc, sizeof opc), M2M_OK);
	assert_int_equal(m2m_saip_imsi_encode(IMSI, imsi), M2M_OK);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		m2m_buf b;
		read_file(files[i], &b);
		assert_absent(&b, ki, sizeof ki, "Ki", files[i]);
		assert_absent(&b, opc, sizeof opc, "OPc", files[i]);
		assert_absent(&b, imsi, sizeof imsi, "EF.IMSI", files[i]);
		assert_absent(&b, cert_dp->data + cert_dp->len - 24, 24, "CERT.DP", files[i]);
		m2m_buf_free(&b);
	}
}

/* Every finished senddata job of the eUICC has lost its Data (es8=) from its payload. */
static void assert_jobs_dropped_data(int dev)
{
	m2m_store *st = store_open();
	m2m_store_job *jobs = NULL;
	size_t n = 0, seen = 0;

	assert_int_equal(m2m_store_job_list(st, F->eid[dev], &jobs, &n), M2M_OK);
	for (size_t k = 0; k < n; k++) {
		if (strcmp(jobs[k].kind, "senddata") != 0)
			continue;
		seen++;
		assert_int_equal(jobs[k].state, M2M_STORE_JOB_ANSWERED);
		m2m_buf pl = {.data = jobs[k].payload, .len = jobs[k].payload_len};
		assert_false(contains(&pl, (const uint8_t *)"es8=", 4));
	}
	m2m_store_job_list_free(jobs, n);
	m2m_store_close(st);
	assert_true(seen >= 5);
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void test_download(void **state)
{
	m2m_ws_client *c = client("smdp1");
	m2m_eckey *pk, *sk = NULL;
	m2m_buf pkg, cert_dp;
	m2m_es8_config cfg;
	m2m_es8_session *s = NULL;
	m2m_ws_exec_status st;
	uint8_t eid[16], aid[16];
	uint64_t mem = 0;
	char p[256], got[32], done[64];
	double t0, t1;
	size_t payloads, sessions;

	(void)state;
	read_file("pkg.der", &pkg);
	read_file("pki/smdp1-ecdsa.gpcert", &cert_dp);
	assert_true(pkg.len > 0 && cert_dp.len > 0);
	path(p, sizeof p, "pki/smdp1-ecdsa.key");
	assert_int_equal(m2m_ec_load_pem(p, true, &sk), M2M_OK);
	pk = eligible(c, &pkg, &mem);
	sessions = smsr_log_count(F->eid[0], ": session opened");
	create_isdp(c, mem);
	assert_int_equal(m2m_hex_decode_exact(F->eid[0], eid, 16), M2M_OK);
	assert_int_equal(m2m_hex_decode_exact(isdp_aid, aid, 16), M2M_OK);
	m2m_es8_config_init(&cfg);
	cfg.eid = eid;
	cfg.isdp_aid = aid;
	cfg.isdp_aid_len = 16;
	cfg.cert_dp = cert_dp.data;
	cfg.cert_dp_len = cert_dp.len;
	cfg.sk_dp = sk;
	cfg.pk_ecasd = pk;
	cfg.curve = M2M_CURVE_P256;
	cfg.package = pkg.data;
	cfg.package_len = pkg.len;
	cfg.payload_max = 8192; /* several download SendData, the session lingering between */
	assert_int_equal(m2m_es8_session_new(&cfg, &s), M2M_OK);
	t0 = now_s();
	payloads = run_es8(c, s, sessions);
	t1 = now_s();
	print_message("download of %zu bytes: %zu SendData over SCP81 in %.3f s\n", pkg.len,
		      payloads, t1 - t0);
	/* The whole download in that one session: CreateISDP and every SendData. */
	snprintf(done, sizeof done, ": session done after %zu script(s)", payloads + 1);
	for (int i = 0; i < 100 && smsr_log_count(F->eid[0], done) == 0; i++)
		usleep(100000);
	assert_int_equal(smsr_log_count(F->eid[0], done), 1);
	assert_audit_ran();
	assert_true(payloads >= 5);
	m2m_es8_session_free(s);
	/* The profile is there: ProfileDownloadCompleted, then enabled (held). */
	m2m_ws_msg_free(es3(c,
			    request(M2M_WS_ES3_PROFILE_DOWNLOAD_COMPLETED, fcid(), 0, "Iccid",
				    iccid, NULL),
			    &st));
	expect_st(&st, M2M_WS_EXECUTED_SUCCESS, "", "");
	m2m_ws_msg_free(es3(c, request(M2M_WS_ES3_ENABLE_PROFILE, fcid(), 0, "Iccid", iccid, NULL),
			    &st));
	expect_st(&st, M2M_WS_EXECUTED_SUCCESS, "", "");
	/* The card agrees, and the SM-SR's EIS. */
	farm_state(F->eid[0], iccid, got, sizeof got);
	assert_string_equal(got, "enabled");
	/* The card's notification of the switch reaches the SM-DP that made the profile. */
	{
		callback cb;
		assert_true(wait_notification("ES3-HandleProfileEnabledNotification", iccid, &cb));
	}
	{
		m2m_ws_msg *r = es3(c, request(M2M_WS_ES3_GET_EIS, fcid(), 0, NULL), &st);
		const m2m_ws_node *pi;
		const char *t = NULL;
		assert_non_null(r);
		pi = m2m_ws_find(m2m_ws_msg_body(r), "Eis/ProfileInfo");
		assert_non_null(pi);
		assert_int_equal(m2m_ws_get_text(pi, "Iccid", &t), M2M_OK);
		assert_string_equal(t, iccid);
		assert_int_equal(m2m_ws_get_text(pi, "State", &t), M2M_OK);
		assert_string_equal(t, "Enabled");
		m2m_ws_msg_free(r);
	}
	/* ES3 AuditEIS (held): the card is read, the Eis holds this SM-DP's profile only (one
	 * ProfileInfo: not the bootstrap), as the card has it. */
	{
		m2m_ws_msg *r = es3(c, request(M2M_WS_ES3_AUDIT_EIS, fcid(), 0, NULL), &st);
		const m2m_ws_node *pi;
		const char *t = NULL;
		expect_st(&st, M2M_WS_EXECUTED_SUCCESS, "", "");
		assert_non_null(r);
		pi = m2m_ws_find(m2m_ws_msg_body(r), "Eis/ProfileInfo");
		assert_non_null(pi);
		assert_int_equal(m2m_ws_get_text(pi, "Iccid", &t), M2M_OK);
		assert_string_equal(t, iccid);
		assert_int_equal(m2m_ws_get_text(pi, "State", &t), M2M_OK);
		assert_string_equal(t, "Enabled");
		assert_int_equal(m2m_ws_count(m2m_ws_find(m2m_ws_msg_body(r), "Eis"),
					      "ProfileInfo"),
				 1);
		m2m_ws_msg_free(r);
	}
	/* A C-APDU script for the ISD-P (not key establishment): targeted at the ISD-P over
	 * HTTPS; outside an SCP03 session the ISD-P refuses it, and that answer is relayed. */
	{
		m2m_buf resp;
		m2m_buf_init(&resp);
		send_data(c, 0, isdp_aid, "AE80" "2205" "80CA006600" "0000", false, &st, &resp);
		expect_st(&st, M2M_WS_EXECUTED_SUCCESS, "", "");
		assert_true(resp.len >= 8);
		assert_memory_equal(resp.data, "\xAF\x80", 2);
		assert_memory_equal(resp.data + resp.len - 2, "\x00\x00", 2);
		m2m_buf_free(&resp);
	}
	assert_no_secrets(&cert_dp);
	assert_jobs_dropped_data(0);
	m2m_ec_free(pk);
	m2m_ec_free(sk);
	m2m_buf_free(&pkg);
	m2m_buf_free(&cert_dp);
	m2m_ws_client_free(c);
}

/* ---- refusals ---- */

static void put_created(int dev, const char *iccid_, const char *aid, const char *smdp)
{
	m2m_store *st = store_open();
	m2m_store_profile p;

	memset(&p, 0, sizeof p);
	snprintf(p.eid, sizeof p.eid, "%s", F->eid[dev]);
	snprintf(p.iccid, sizeof p.iccid, "%s", iccid_);
	snprintf(p.isdp_aid, sizeof p.isdp_aid, "%s", aid);
	snprintf(p.mno_id, sizeof p.mno_id, "%s", MNO1);
	snprintf(p.smdp_id, sizeof p.smdp_id, "%s", smdp);
	p.state = M2M_STORE_PROFILE_CREATED;
	p.updated_ms = m2m_store_now_ms();
	assert_int_equal(m2m_store_profile_put(st, &p), M2M_OK);
	m2m_store_close(st);
}

static void test_refusals(void **state)
{
	static const char mine[] = "A0000005591010FFFFFFFF8900001100";
	m2m_ws_client *c = client("smdp1");
	m2m_ws_exec_status st;
	m2m_buf resp;

	(void)state;
	m2m_buf_init(&resp);
	put_created(1, "8988299000000077771", mine, SMDP1);
	/* Unknown EID. */
	send_data(c, -1, mine, "AE80220580500000080000", false, &st, NULL);
	expect_st(&st, M2M_WS_FAILED, "8.1.1", "3.9");
	/* The bootstrap ISD-P: a profile of issuance, not this SM-DP's. */
	send_data(c, 0, "A0000005591010FFFFFFFF8900001000", "AE80220580500000080000", false,
		  &st, NULL);
	expect_st(&st, M2M_WS_FAILED, "1.1", "1.1");
	/* An ISD-P the eUICC does not have. */
	send_data(c, 1, "A0000005591010FFFFFFFF8900004400", "AE80220580500000080000", false,
		  &st, NULL);
	expect_st(&st, M2M_WS_FAILED, "8.3.1", "3.9");
	/* Malformed Data: not a TLV, a truncated script, a foreign tag. */
	send_data(c, 1, mine, "01", false, &st, NULL);
	expect_st(&st, M2M_WS_FAILED, "1.6", "2.1");
	assert_non_null(strstr(st.message, "Data"));
	send_data(c, 1, mine, "AE8022108050", false, &st, NULL);
	expect_st(&st, M2M_WS_FAILED, "1.6", "2.1");
	send_data(c, 1, mine, "AE80A0020101" "0000", false, &st, NULL);
	expect_st(&st, M2M_WS_FAILED, "1.6", "2.1");
	/* SCP03t TLVs for an eUICC the SM-SR reaches by SMS only. */
	send_data(c, 1, mine, "AE80840A30000102030405060708" "0000", true, &st, NULL);
	expect_st(&st, M2M_WS_FAILED, "8.1", "3.8");
	m2m_buf_free(&resp);
	m2m_ws_client_free(c);
}

/* A C-APDU script over SMS (eUICC 1 has no HTTPS): key establishment's INSTALL [for
 * personalization] goes to the ISD-R by SCP80; the card refuses it (that ISD-P is in the
 * store only) and its answer comes back as the response script: EXECUTED_SUCCESS, the
 * SM-DP reads the status word. Held, then with a ReplyTo. */
static void test_sms_relay(void **state)
{
	m2m_ws_client *c = client("smdp1");
	m2m_ws_exec_status st;
	m2m_buf resp;
	size_t n;

	(void)state;
	m2m_buf_init(&resp);
	send_data(c, 1, "A0000005591010FFFFFFFF8900001100", install, false, &st, &resp);
	expect_st(&st, M2M_WS_EXECUTED_SUCCESS, "", "");
	/* AB L { 80 01 01, 23 02 SW1 SW2 }: one R-APDU, an error status word. */
	n = resp.len;
	assert_true(n >= 9);
	assert_int_equal(resp.data[0], 0xAB);
	assert_int_equal(resp.data[n - 4], 0x23);
	assert_int_equal(resp.data[n - 3], 0x02);
	assert_true(resp.data[n - 2] != 0x90);
	m2m_buf_free(&resp);
	m2m_ws_client_free(c);
	/* The same with a ReplyTo: 202, then ES3-SendData at our endpoint. */
	{
		outcome o;
		call("smdp1", M2M_WS_ES3_SEND_DATA, NULL, 1, false, true,
		     request(M2M_WS_ES3_SEND_DATA, fcid(), 1, "Sd-aid",
			     "A0000005591010FFFFFFFF8900001100", "Data", install, NULL),
		     &o);
		assert_true(o.accepted);
		expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	}
}

/* SendData's FunctionCallIdentifier on eUICC 1 (SMS; the card refuses the INSTALL and that
 * answer is relayed). A repeat after the call ended: the same EuiccResponseData, one job.
 * The identifier with other Data: FAILED 1.6 / 3.3. A repeat while the job runs (the card
 * switched off for 3 s, the first call answered to ReplyTo): held until the job ends, the
 * card's response then, one job. */
static void test_repeat(void **state)
{
	static const char sd[] = "A0000005591010FFFFFFFF8900001100";
	m2m_ws_client *c = client("smdp1");
	m2m_ws_exec_status st;
	m2m_ws_result res;
	m2m_ws_msg *m;
	m2m_buf first, again;
	callback cb;
	char url[128], mid[128];
	jobs_seen seen;

	(void)state;
	m2m_buf_init(&first);
	m2m_buf_init(&again);
	send_data_id(c, 1, "rep-1", sd, install, false, &st, &first);
	expect_st(&st, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_true(first.len > 0);
	send_data_id(c, 1, "rep-1", sd, install, false, &st, &again);
	expect_st(&st, M2M_WS_EXECUTED_SUCCESS, "", "");
	same_bytes(&again, &first);
	assert_int_equal(jobs_for_call(NULL, F->eid[1], "rep-1", NULL), 1);
	send_data_id(c, 1, "rep-1", sd, "AE80220580500000080000", false, &st, NULL);
	expect_st(&st, M2M_WS_FAILED, "1.6", "3.3");
	assert_int_equal(jobs_for_call(NULL, F->eid[1], "rep-1", NULL), 1);
	/* Running: the first call with a ReplyTo (202), its repeat held. */
	farm_switch_off(1, 3);
	m = request(M2M_WS_ES3_SEND_DATA, "rep-2", 1, "Sd-aid", sd, "Data", install, "MoreToDo",
		    "false", NULL); /* as send_data_id's: the same request */
	memset(&res, 0, sizeof res);
	snprintf(url, sizeof url, "https://%s/soap/es3", F->es);
	assert_int_equal(m2m_ws_client_call(c, url, m, F->cb_url, &res), M2M_OK);
	assert_true(res.accepted);
	snprintf(mid, sizeof mid, "%s", m2m_ws_msg_wsa(m)->message_id);
	m2m_ws_result_free(&res);
	m2m_ws_msg_free(m);
	assert_int_equal(jobs_for_call(NULL, F->eid[1], "rep-2", &seen), 1);
	assert_int_equal(seen.open, 1); /* the card is off: the repeat below waits for the job */
	send_data_id(c, 1, "rep-2", sd, install, false, &st, &again);
	expect_st(&st, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_true(again.len > 0);
	assert_true(wait_callback(mid, &cb));
	assert_int_equal(cb.st.status, M2M_WS_EXECUTED_SUCCESS);
	assert_int_equal(jobs_for_call(NULL, F->eid[1], "rep-2", &seen), 1);
	assert_int_equal(seen.open, 0);
	/* And once more, ended: the response the held repeat got. */
	send_data_id(c, 1, "rep-2", sd, install, false, &st, &first);
	expect_st(&st, M2M_WS_EXECUTED_SUCCESS, "", "");
	same_bytes(&first, &again);
	m2m_buf_free(&first);
	m2m_buf_free(&again);
	m2m_ws_client_free(c);
}

/* ---- UpdateConnectivityParameters ---- */

/* INITIALIZE UPDATE (any key version, host challenge 1122334455667788): the ISD-P answers it
 * with its SCP03 keys, outside a session, as the first command of the SM-DP's real 3A07. */
static const char init_update[] = "AE80" "220E" "8050000008" "1122334455667788" "00" "0000";

/* UpdateConnectivityParameters with FunctionCallIdentifier id of params (hex) for the
 * profile iccid_ on dev, held; EuiccResponseData (hex) into out if given. The answer is
 * ES3-UpdateConnectivityParametersResponse. */
static void ucp_id(m2m_ws_client *c, int dev, const char *id, const char *iccid_,
		   const char *params, m2m_ws_exec_status *st, m2m_buf *out)
{
	m2m_ws_msg *m = request(M2M_WS_ES3_UPDATE_CONNECTIVITY_PARAMETERS, id, dev, "Iccid",
				iccid_, "ConnectivityParameters", params, NULL);
	m2m_ws_msg *r = es3(c, m, st);
	const char *hex = NULL;

	if (r != NULL)
		assert_int_equal(m2m_ws_msg_function(r)->id,
				 M2M_WS_ES3_UPDATE_CONNECTIVITY_PARAMETERS);
	if (out != NULL) {
		m2m_buf_reset(out);
		if (r != NULL &&
		    m2m_ws_get_text(m2m_ws_msg_body(r), "EuiccResponseData", &hex) == M2M_OK)
			assert_int_equal(m2m_hex_decode_buf(hex, out), M2M_OK);
	}
	m2m_ws_msg_free(r);
}

/* eUICC 0 after test_download: INITIALIZE UPDATE to the new profile's ISD-P over HTTPS, its
 * answer relayed as the response script AF 80 { 80 01 01, 23 L <data> 90 00 } 00 00. A
 * repeat: the same EuiccResponseData, one job. With a ReplyTo: 202, then the answer at our
 * endpoint. Refused: an unknown ICCID, the issuance profile, another SM-DP's profile, key
 * establishment, malformed parameters. */
static void test_ucp(void **state)
{
	m2m_ws_client *c = client("smdp1");
	m2m_ws_exec_status st;
	m2m_buf first, again;
	size_t n;

	(void)state;
	assert_true(iccid[0] != '\0'); /* test_download ran */
	m2m_buf_init(&first);
	m2m_buf_init(&again);
	ucp_id(c, 0, "ucp-1", iccid, init_update, &st, &first);
	expect_st(&st, M2M_WS_EXECUTED_SUCCESS, "", "");
	n = first.len;
	assert_true(n >= 2 + 3 + 2 + 29 + 2 + 2);
	assert_memory_equal(first.data, "\xAF\x80\x80\x01\x01\x23", 6);
	assert_int_equal(first.data[6], n - 9); /* one R-APDU: 23 L {data, SW} */
	assert_memory_equal(first.data + n - 4, "\x90\x00\x00\x00", 4);
	ucp_id(c, 0, "ucp-1", iccid, init_update, &st, &again);
	expect_st(&st, M2M_WS_EXECUTED_SUCCESS, "", "");
	same_bytes(&again, &first);
	assert_int_equal(jobs_for_call(NULL, F->eid[0], "ucp-1", NULL), 1);
	/* The identifier with other parameters: a conflict. */
	ucp_id(c, 0, "ucp-1", iccid, "AE80" "2205" "80CA006600" "0000", &st, NULL);
	expect_st(&st, M2M_WS_FAILED, "1.6", "3.3");
	assert_int_equal(jobs_for_call(NULL, F->eid[0], "ucp-1", NULL), 1);
	/* ReplyTo: the answer comes to our endpoint. */
	{
		m2m_ws_msg *m = request(M2M_WS_ES3_UPDATE_CONNECTIVITY_PARAMETERS, fcid(), 0,
					"Iccid", iccid, "ConnectivityParameters", init_update,
					NULL);
		m2m_ws_result res;
		callback cb;
		char url[128], mid[128];

		memset(&res, 0, sizeof res);
		memset(&cb, 0, sizeof cb);
		snprintf(url, sizeof url, "https://%s/soap/es3", F->es);
		assert_int_equal(m2m_ws_client_call(c, url, m, F->cb_url, &res), M2M_OK);
		assert_true(res.accepted);
		snprintf(mid, sizeof mid, "%s", m2m_ws_msg_wsa(m)->message_id);
		m2m_ws_result_free(&res);
		m2m_ws_msg_free(m);
		assert_true(wait_callback(mid, &cb));
		assert_int_equal(cb.st.status, M2M_WS_EXECUTED_SUCCESS);
		assert_string_equal(cb.fn, "ES3-UpdateConnectivityParameters");
	}
	/* Refusals. */
	ucp_id(c, 0, fcid(), "8988299000000099990", init_update, &st, NULL);
	expect_st(&st, M2M_WS_FAILED, "8.2.1", "3.9");
	ucp_id(c, 1, fcid(), iccid, init_update, &st, NULL); /* eUICC 0's profile */
	expect_st(&st, M2M_WS_FAILED, "8.2.1", "3.9");
	ucp_id(c, 0, fcid(), F->iccid[0], init_update, &st, NULL);
	expect_st(&st, M2M_WS_FAILED, "1.1", "1.1");
	put_created(1, "8988299000000066661", "A0000005591010FFFFFFFF8900001300",
		    "1.3.6.1.4.1.99999.21");
	ucp_id(c, 1, fcid(), "8988299000000066661", init_update, &st, NULL);
	expect_st(&st, M2M_WS_FAILED, "1.1", "1.1");
	ucp_id(c, 0, fcid(), iccid, install, &st, NULL);
	expect_st(&st, M2M_WS_FAILED, "1.6", "2.1");
	ucp_id(c, 0, fcid(), iccid, "01", &st, NULL);
	expect_st(&st, M2M_WS_FAILED, "1.6", "2.1");
	m2m_buf_free(&first);
	m2m_buf_free(&again);
	m2m_ws_client_free(c);
}

/* A held SendData whose card does not answer within the ValidityPeriod (eUICC 1 switched
 * off, the SMS waits in the farm): EXPIRED 1.6 / 5.3 on the exchange, the job goes on. */
static void test_hold_expired(void **state)
{
	m2m_ws_client *c = client("smdp1");
	m2m_ws_msg *m = NULL;
	m2m_ws_exec_status st;

	(void)state;
	farm_switch_off(1, 3);
	assert_int_equal(m2m_ws_request_new(M2M_WS_ES3_SEND_DATA, fcid(), 1, &m), M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "Eid", F->eid[1], NULL), M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "Sd-aid", "A0000005591010FFFFFFFF8900001100", NULL),
			 M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "Data", install, NULL), M2M_OK);
	m2m_ws_msg_free(es3(c, m, &st));
	expect_st(&st, M2M_WS_EXPIRED, "1.6", "5.3");
	m2m_ws_client_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_sms_relay),
		cmocka_unit_test(test_repeat),
		cmocka_unit_test(test_download),
		cmocka_unit_test(test_ucp),
		cmocka_unit_test(test_hold_expired),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
