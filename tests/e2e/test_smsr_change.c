/*
 * End to end: the SM-SR change (docs/smsr-change.md) between two `m2mrsp smsr` processes,
 * smsr1 (the current SM-SR, the eUICCs imported) and smsr2 (the new one, [es7] with the
 * pki's smsr2 GP certificate and key), each with its own SQLite store and TLS identity, one
 * farm whose cards trust the pki's CI (devices init --ci-key), its SMPP account bound by both.
 * The test is the MNO (mno1 / mno2 certificates; its endpoint gets the notifications).
 *
 * Refusals first: unknown EID, an MNO that does not own the enabled profile (mno2), an
 * SMSRChange without PrepareSMSRChange on smsr2 (the hand-over refused, the eUICC stays with
 * smsr1 and still answers an AuditEIS). The lock: SMSRChange to an SM-SR that never answers
 * (its connection held by the test) makes the eUICC's other jobs fail until that peer hangs up
 * and SMSRChange fails at ReplyTo. Then PrepareSMSRChange on smsr2, SMSRChange on smsr1:
 * success; smsr1 no longer knows the EID (GetEIS 8.1.1/3.9) and the MNO got
 * ES4-HandleSMSRChangeNotification; the card holds only the new ISD-R key set (KVN 02, the
 * farm's control API); smsr2 puts its own SMS address ([smsr] sms_address) on the card
 * (UpdateSMSRAddressingParameters: the card's A3, its job and audit record in smsr2's store);
 * smsr2 enables the second profile (the card shows it, its notification reaches smsr2) and
 * disables it again; the old keys, imported into smsr1 again, no longer open the card.
 */
#define NDEV 2
#include <ctype.h>

#include "core/hex.h"
#include "e2e_harness.h"
#include "es7_harness.h"

#define SMSR1_OID "1.3.6.1.4.1.99999.2"
#define SMSR2_OID "1.3.6.1.4.1.99999.12"
#define MNO2 "1.3.6.1.4.1.99999.4"
#define MUTE_OID "1.3.6.1.4.1.99999.13" /* an SM-SR that accepts connections, never answers */
/* smsr2's SMS address and the A3 value it makes on the card, worked out by hand from the
 * whty layout (sgp02-facts-2 2c): 81 L {12 digits, TON/NPI 91, 88 92 09 00 00 21}. */
#define SMSR2_ADDRESS "+882990000012"
/* smsr2's submit_sm source: the farm's SMSC routes a PoR by its destination (the command's
 * source) to the bind whose address_range, the [smsr] sms_address, claims it (docs/smpp.md). */
#define SMSR2_SOURCE "882990000012"
#define SMSR2_A3 "81080C91889209000021" /* the farm writes upper-case hex */

static pid_t smsr2;
static unsigned smsr2_port;
static char es2[64];
static int mute = -1; /* its listening socket */
static unsigned mute_port;

/* ---- set-up ---- */

static const char *common =
	"por_timeout = 2000\n"
	"[engine]\nconcurrency = 8\nretries = 1\nbackoff = 300\nlease = 3000\npoll = 50\n";

static void write_smsr1(unsigned port2)
{
	FILE *f = config_begin();

	fprintf(f,
		"%s"
		"[callers]\nmno1 = " MNO1 "\nmno2 = " MNO2 "\nsmsr2 = " SMSR2_OID "\n"
		"[peers]\n" MNO1 " = %s\n"
		"[smsr_peers]\n" SMSR2_OID " = https://127.0.0.1:%u/soap/es7\n"
		MUTE_OID " = https://127.0.0.1:%u/soap/es7\n",
		common, F->cb_url, port2, mute_port);
	fclose(f);
}

static void start_smsr2(unsigned port2)
{
	char file[256], out[256], err[256];
	const char *port = strrchr(F->smpp, ':');
	FILE *f;

	path(file, sizeof file, "smsr2.ini");
	f = fopen(file, "w");
	assert_non_null(f);
	fprintf(f,
		"[smsr]\nid = smsr2\noid = " SMSR2_OID "\ndb = sqlite:%s/smsr2.sqlite\n"
		"master_key = %s\nlog_level = info\nsms_address = " SMSR2_ADDRESS "\n"
		"[es]\nlisten = 127.0.0.1:%u\ncert = %s/pki/smsr2-tls.crt\n"
		"key = %s/pki/smsr2-tls.key\nca = %s/pki/tls-ca.crt\n"
		"[smpp]\nhost = 127.0.0.1\nport = %s\nsystem_id = smsr\npassword = secret\n"
		"source = " SMSR2_SOURCE "\n"
		"%s"
		"[callers]\nmno1 = " MNO1 "\nsmsr1 = " SMSR1_OID "\n"
		"[smsr_peers]\n" SMSR1_OID " = https://%s/soap/es7\n"
		"[es7]\ngp_cert = %s/pki/smsr2-ecdsa.gpcert\ngp_key = %s/pki/smsr2-ecdsa.key\n"
		"[scp81]\nenabled = true\nlisten = 127.0.0.1:0\n",
		F->dir, MASTER, port2, F->dir, F->dir, F->dir, port + 1, common, F->es, F->dir,
		F->dir);
	fclose(f);
	path(out, sizeof out, "smsr2.out");
	path(err, sizeof err, "smsr2.err");
	char *argv[] = {M2MRSP_BINARY, "smsr", "--config", file, NULL};
	smsr2 = spawn(argv, out, err);
	assert_true(smsr2 > 0);
	assert_true(wait_line(out, "es", es2, sizeof es2));
}

/* A listener whose connections wait in its backlog: a peer that never answers. */
static void start_mute(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t n = sizeof a;

	mute = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(mute >= 0);
	assert_int_equal(bind(mute, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(mute, 8), 0);
	assert_int_equal(getsockname(mute, (struct sockaddr *)&a, &n), 0);
	mute_port = ntohs(a.sin_port);
}

static int setup(void **state)
{
	unsigned port2;

	(void)state;
	start_mute();
	fixture_new("/tmp/m2m_e2e_XXXXXX", M2M_WS_ROLE_MNO, "es4");
	make_devices_for_pki(true);
	start_farm(NULL);
	port2 = free_port();
	write_smsr1(port2);
	import_and_start_smsr();
	start_smsr2(port2);
	smsr2_port = port2;
	return 0;
}

static int teardown_both(void **state)
{
	if (mute >= 0)
		close(mute);
	stop(&smsr2, SIGTERM);
	return teardown(state);
}

/* ---- calls ---- */

/* PrepareSMSRChange of dev (from smsr1) on smsr2, valid vp seconds. */
static void prepare_vp(int dev, uint64_t vp, outcome *o, ...)
{
	va_list ap;

	va_start(ap, o);
	es7_call_vp(es2, "mno1", M2M_WS_ES4_PREPARE_SMSR_CHANGE, dev, vp, o, ap);
	va_end(ap);
}

/* smsr2 stops without any goodbye (kill -9) and starts again on its config and store. */
static void restart_smsr2(void)
{
	char out[256];

	stop(&smsr2, SIGKILL);
	path(out, sizeof out, "smsr2.out");
	unlink(out); /* never read the previous process's "es" line */
	start_smsr2(smsr2_port);
}

static void smsr_change(int dev, const char *who, outcome *o)
{
	es7_call(F->es, who, M2M_WS_ES4_SMSR_CHANGE, dev, o, "Target-Smsr-id", SMSR2_OID, NULL);
}

static void prepare(int dev, outcome *o)
{
	es7_call(es2, "mno1", M2M_WS_ES4_PREPARE_SMSR_CHANGE, dev, o, "CurrentSMSRid", SMSR1_OID,
		NULL);
}

/* The farm's view of a device (control API), NUL-terminated. */
static void farm_device(int dev, m2m_buf *body)
{
	char what[64];

	snprintf(what, sizeof what, "/devices/%s", F->eid[dev]);
	m2m_buf_init(body);
	farm_get(what, body);
}

/* The card's ISD-P with TAR tar is in state want (waits up to 30 s). */
static bool wait_card(int dev, const char *tar, const char *want)
{
	char key[64];

	snprintf(key, sizeof key, "\"tar\":\"%s\",\"state\":\"%s\"", tar, want);
	for (int i = 0; i < 600; i++) {
		m2m_buf b;
		bool ok;
		farm_device(dev, &b);
		ok = strstr((const char *)b.data, key) != NULL;
		m2m_buf_free(&b);
		if (ok)
			return true;
		usleep(50000);
	}
	return false;
}

/* smsr2's store, opened with MASTER. */
static m2m_store *store2_open(void)
{
	m2m_store *st = NULL;
	char url[300], err[256];

	snprintf(url, sizeof url, "sqlite:%s/smsr2.sqlite", F->dir);
	assert_int_equal(m2m_store_open(url, MASTER, &st, err, sizeof err), M2M_OK);
	return st;
}

/* smsr1's store. */
static m2m_store *store1_open(void)
{
	m2m_store *st = NULL;
	char url[300], err[256];

	snprintf(url, sizeof url, "sqlite:%s/smsr.sqlite", F->dir);
	assert_int_equal(m2m_store_open(url, MASTER, &st, err, sizeof err), M2M_OK);
	return st;
}

/* The card's SM-SR addressing parameters (A3 value) are want (waits up to 30 s). */
static bool wait_smsr_params(int dev, const char *want)
{
	char key[160];

	snprintf(key, sizeof key, "\"smsr_params\":\"%s\"", want);
	for (int i = 0; i < 600; i++) {
		m2m_buf b;
		bool ok;
		farm_device(dev, &b);
		ok = strstr((const char *)b.data, key) != NULL;
		if (ok || i == 599)
			print_error("%s\n", ok ? "" : (const char *)b.data);
		m2m_buf_free(&b);
		if (ok)
			return true;
		usleep(50000);
	}
	return false;
}

/* smsr2 ran one internal job of kind for the eUICC (smsr_address, es7_psk), answered (the
 * card took it: waits up to 10 s for the job's end), and its audit trail says so. */
static void assert_internal_job(int dev, const char *kind)
{
	size_t answered = 0, total = 0, audited = 0;

	for (int i = 0; i < 200 && answered == 0; i++) {
		m2m_store *st = store2_open();
		m2m_store_job *jobs = NULL;
		m2m_store_audit *a = NULL;
		size_t n = 0, na = 0;

		answered = total = audited = 0;
		assert_int_equal(m2m_store_job_list(st, F->eid[dev], &jobs, &n), M2M_OK);
		for (size_t k = 0; k < n; k++)
			if (strcmp(jobs[k].kind, kind) == 0) {
				total++;
				answered += jobs[k].state == M2M_STORE_JOB_ANSWERED;
			}
		m2m_store_job_list_free(jobs, n);
		assert_int_equal(m2m_store_audit_list(st, F->eid[dev], 0, 1000, &a, &na), M2M_OK);
		for (size_t k = 0; k < na; k++)
			audited += strcmp(a[k].function, kind) == 0 &&
				   strcmp(a[k].outcome,
					  m2m_ws_status_name(M2M_WS_EXECUTED_SUCCESS)) == 0;
		m2m_store_audit_list_free(a, na);
		m2m_store_close(st);
		if (answered == 0)
			usleep(50000);
	}
	assert_int_equal(total, 1);
	assert_int_equal(answered, 1);
	assert_int_equal(audited, 1);
}

/* smsr2's SCP81 key set of dev: KVN 40, one 16-byte PSK, its SGP.02 identity (EID, ISD-R,
 * key 01, KVN 40), a PSK other than the one smsr1 had (devices.json); the card holds a
 * KVN 40 set. */
static void assert_new_psk(int dev)
{
	m2m_store *st = store2_open();
	m2m_store_keyset ks;
	char hex[2 * M2M_STORE_PSK_ID_MAX + 1], psk[40], file[256];
	m2m_buf b;
	FILE *f;

	memset(&ks, 0, sizeof ks);
	assert_int_equal(m2m_store_keyset_get(st, F->eid[dev], 0x40, &ks), M2M_OK);
	assert_int_equal(ks.type, M2M_STORE_KS_SCP81);
	assert_int_equal(ks.nkeys, 1);
	assert_int_equal(ks.keys[0].index, 1);
	assert_int_equal(ks.keys[0].len, 16);
	m2m_hex_encode(ks.psk_id, ks.psk_id_len, hex);
	assert_non_null(strstr(hex, F->eid[dev]));
	assert_int_equal(strncmp(hex, "8001028110", 10), 0);
	assert_string_equal(hex + strlen(hex) - 12, "820101830140");
	m2m_hex_encode(ks.keys[0].value, 16, psk);
	for (char *c = psk; *c; c++)
		*c = (char)toupper((unsigned char)*c); /* devices.json writes upper case */
	m2m_store_keyset_clear(&ks);
	m2m_store_close(st);
	path(file, sizeof file, "devices.json");
	f = fopen(file, "r");
	assert_non_null(f);
	m2m_buf_init(&b);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		assert_int_equal(m2m_buf_append(&b, (const uint8_t *)chunk, n), M2M_OK);
	fclose(f);
	assert_int_equal(m2m_buf_append(&b, (const uint8_t *)"", 1), M2M_OK);
	assert_null(strstr((const char *)b.data, psk));
	m2m_buf_free(&b);
	farm_device(dev, &b);
	assert_non_null(strstr((const char *)b.data, "\"kvn\":64,"));
	m2m_buf_free(&b);
}

/* smsr2 holds a confirmed notification of type from the eUICC (waits up to 30 s). */
static bool wait_notification2(int dev, uint8_t type)
{
	for (int i = 0; i < 600; i++) {
		m2m_store *st = store2_open();
		bool found = false;
		for (uint16_t seq = 0; seq < 64 && !found; seq++) {
			m2m_store_notif nt;
			memset(&nt, 0, sizeof nt);
			found = m2m_store_notif_get(st, F->eid[dev], seq, &nt) == M2M_OK &&
				nt.type == type && nt.state == M2M_STORE_NOTIF_CONFIRMED;
			m2m_store_notif_clear(&nt);
		}
		m2m_store_close(st);
		if (found)
			return true;
		usleep(50000);
	}
	return false;
}

/* ---- the test ---- */

static void test_refusals(void **state)
{
	outcome o;

	(void)state;
	smsr_change(-1, "mno1", &o);
	expect(&o, M2M_WS_FAILED, "8.1.1", "3.9");
	smsr_change(0, "mno2", &o); /* the enabled profile is mno1's */
	expect(&o, M2M_WS_FAILED, "1.1", "1.1");
	/* No PrepareSMSRChange on smsr2: it refuses the hand-over, the eUICC stays. */
	smsr_change(1, "mno1", &o);
	expect(&o, M2M_WS_FAILED, "8.1.1", "1.2");
	es7_call(F->es, "mno1", M2M_WS_ES4_GET_EIS, 1, &o, NULL);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	es7_call(F->es, "mno1", M2M_WS_ES4_AUDIT_EIS, 1, &o, NULL);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_true(o.has_eis);
	/* PrepareSMSRChange by mno1 for an eUICC smsr2 already has is refused later (below);
	 * from the SM-SR itself as CurrentSMSRid: refused now. */
	es7_call(es2, "mno1", M2M_WS_ES4_PREPARE_SMSR_CHANGE, 1, &o, "CurrentSMSRid", SMSR2_OID,
		NULL);
	expect(&o, M2M_WS_FAILED, "8.7", "2.1");
}

static void test_change(void **state)
{
	outcome o;
	callback cb;
	m2m_buf b;

	(void)state;
	prepare(0, &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	/* The other eUICC's preparation lasts 1 s. */
	prepare_vp(1, 1, &o, "CurrentSMSRid", SMSR1_OID, NULL);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	int64_t prepared_ms = m2m_store_now_ms();
	/* The preparations are in smsr2's store: a restart keeps them. */
	restart_smsr2();
	smsr_change(0, "mno1", &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	/* Used up by the hand-over (deleted in its commit); the 1-s one is still recorded. */
	m2m_store *st2 = store2_open();
	m2m_store_es7_prep pr;
	assert_int_equal(m2m_store_es7_prep_get(st2, F->eid[0], m2m_store_now_ms(), &pr),
			 M2M_END);
	assert_int_equal(m2m_store_es7_prep_get(st2, F->eid[1], prepared_ms - 100, &pr), M2M_OK);
	assert_string_equal(pr.current_smsr, SMSR1_OID);
	assert_string_equal(pr.requester, MNO1);
	m2m_store_close(st2);
	/* The 1-s one expired: after the restart smsr2 refuses the hand-over. */
	while (m2m_store_now_ms() < prepared_ms + 1500)
		usleep(50000);
	smsr_change(1, "mno1", &o);
	expect(&o, M2M_WS_FAILED, "8.1.1", "1.2");

	/* smsr1 let it go. */
	es7_call(F->es, "mno1", M2M_WS_ES4_GET_EIS, 0, &o, NULL);
	expect(&o, M2M_WS_FAILED, "8.1.1", "3.9");
	assert_true(wait_notification("ES4-HandleSMSRChangeNotification", "", &cb));
	/* smsr2 has it now, with the mno1 profiles. */
	es7_call(es2, "mno1", M2M_WS_ES4_GET_EIS, 0, &o, NULL);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_true(o.has_eis);
	/* Again: smsr2 already manages it. */
	prepare(0, &o);
	expect(&o, M2M_WS_FAILED, "8.1.1", "3.3");

	/* The card keeps only the new ISD-R key set. */
	farm_device(0, &b);
	assert_non_null(strstr((const char *)b.data, "\"kvn\":2,"));
	assert_null(strstr((const char *)b.data, "\"kvn\":1,"));
	m2m_buf_free(&b);
	/* smsr2 put its SMS address there: the card's notifications go to it now. */
	assert_true(wait_smsr_params(0, SMSR2_A3));
	assert_internal_job(0, "smsr_address");
	/* smsr2 put a fresh PSK into the card's SCP81 key set (the old one went with the
	 * finalise): its store holds the set, and an AuditEIS goes over HTTPS with it. */
	assert_internal_job(0, "es7_psk");
	assert_new_psk(0);
	long scp81_ok = farm_stat("scp81_ok");
	es7_call(es2, "mno1", M2M_WS_ES4_AUDIT_EIS, 0, &o, NULL);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	/* The card counts its session once the server closed it, after the answer. */
	for (int i = 0; i < 200 && farm_stat("scp81_ok") == scp81_ok; i++)
		usleep(50000);
	assert_int_equal(farm_stat("scp81_ok"), scp81_ok + 1);
	assert_int_equal(farm_stat("scp81_failed"), 0);

	/* smsr2 drives the card over its own keys. */
	es7_call(es2, "mno1", M2M_WS_ES4_ENABLE_PROFILE, 0, &o, "Iccid", F->iccid2[0], NULL);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_true(wait_card(0, "000011", "enabled"));
	assert_true(wait_notification2(0, 0x02)); /* the card's "profile change" reached smsr2 */
	es7_call(es2, "mno1", M2M_WS_ES4_DISABLE_PROFILE, 0, &o, "Iccid", F->iccid2[0], NULL);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_true(wait_card(0, "000010", "enabled"));

	/* The other eUICC still works with smsr1. */
	es7_call(F->es, "mno1", M2M_WS_ES4_AUDIT_EIS, 1, &o, NULL);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");

	/* smsr1's old keys, imported again, no longer open the card. */
	assert_int_equal(sh("'%s' smsr import --config '%s/smsr.ini' --devices '%s/devices.json' "
			    "--mno-id " MNO1 " --eum-key '%s/pki/eum1.key' >/dev/null",
			    M2MRSP_BINARY, F->dir, F->dir, F->dir),
			 0);
	es7_call(F->es, "mno1", M2M_WS_ES4_AUDIT_EIS, 0, &o, NULL);
	expect(&o, M2M_WS_FAILED, "8.4", "6.1"); /* the card refused the packet's key set */
}

/* While SMSRChange waits for the target's HandoverEUICC the eUICC is locked: its other jobs
 * fail; when the target fails (its connections reset), the answer goes to ReplyTo and the
 * eUICC works again. */
static void test_lock(void **state)
{
	char ca[256], cert[256], key[256], url[128], mid[128];
	m2m_ws_client *c = NULL;
	m2m_ws_msg *m = NULL;
	m2m_ws_result res;
	callback cb;
	outcome o;

	(void)state;
	snprintf(ca, sizeof ca, "%s/pki/tls-ca.crt", F->dir);
	snprintf(cert, sizeof cert, "%s/pki/mno1-tls.crt", F->dir);
	snprintf(key, sizeof key, "%s/pki/mno1-tls.key", F->dir);
	m2m_ws_client_opts co = {
		.http = {.ca_file = ca, .cert_file = cert, .key_file = key, .timeout_ms = 20000},
		.schema = F->schema,
		.binding = M2M_WS_SOAP,
		.from = F->cb_url,
	};
	assert_int_equal(m2m_ws_client_new(&co, &c), M2M_OK);
	assert_int_equal(m2m_ws_request_new(M2M_WS_ES4_SMSR_CHANGE, "fc-lock", 600, &m), M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "Eid", F->eid[1], NULL), M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "Target-Smsr-id", MUTE_OID, NULL), M2M_OK);
	snprintf(url, sizeof url, "https://%s/soap/es4", F->es);
	memset(&res, 0, sizeof res);
	assert_int_equal(m2m_ws_client_call(c, url, m, F->cb_url, &res), M2M_OK);
	assert_true(res.accepted);
	snprintf(mid, sizeof mid, "%s", m2m_ws_msg_wsa(m)->message_id);
	m2m_ws_result_free(&res);
	m2m_ws_msg_free(m);
	m2m_ws_client_free(c);

	/* Locked: another function needing the card fails, a second change is refused. */
	es7_call(F->es, "mno1", M2M_WS_ES4_AUDIT_EIS, 1, &o, NULL);
	expect(&o, M2M_WS_FAILED, "8.1", "1.2");
	smsr_change(1, "mno1", &o);
	expect(&o, M2M_WS_FAILED, "8.1.1", "1.2");
	/* The lock is in smsr1's store (what another process on it sees), with its deadline. */
	m2m_store *st1 = store1_open();
	m2m_store_es7_lock lk;
	int64_t now = m2m_store_now_ms();
	assert_int_equal(m2m_store_es7_lock_get(st1, F->eid[1], now, &lk), M2M_OK);
	assert_string_equal(lk.target, MUTE_OID);
	assert_string_equal(lk.owner, "smsr1");
	assert_true(lk.until_ms > now + 300000 && lk.until_ms <= now + 360000);
	m2m_store_close(st1);
	/* The target fails (it hangs up): SMSRChange FAILED at ReplyTo, the eUICC free again. */
	int conn = accept(mute, NULL, NULL);
	assert_true(conn >= 0);
	close(conn);
	close(mute);
	mute = -1;
	assert_true(wait_callback(mid, &cb));
	assert_int_equal(cb.st.status, M2M_WS_FAILED);
	assert_string_equal(cb.st.subject, "8.7");
	assert_string_equal(cb.st.reason, "4.2");
	es7_call(F->es, "mno1", M2M_WS_ES4_AUDIT_EIS, 1, &o, NULL);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	es7_call(F->es, "mno1", M2M_WS_ES4_GET_EIS, 1, &o, NULL);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	st1 = store1_open(); /* released */
	assert_int_equal(m2m_store_es7_lock_get(st1, F->eid[1], m2m_store_now_ms(), &lk), M2M_END);
	m2m_store_close(st1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_lock),
		cmocka_unit_test(test_change),
	};

	return cmocka_run_group_tests(tests, setup, teardown_both);
}
