/*
 * The SM-DP's failure paths end to end (issue 7), with the set-up of test_smdp_es2.c
 * (smdp_harness.h): pki, farm, SM-SR with SCP81, the SM-DP as a process.
 *
 * - Connection lost: the eUICC is switched off (farm control API) once CreateISDP has
 *   answered (the ISD-P's AID recorded in the SM-DP's store); the next ES3.SendData fails
 *   with the SM-SR's bearer code, DownloadProfile ends FAILED with it, the error sub-routine
 *   deletes the half-installed ISD-P once the card is back (switched on when the SM-DP logs
 *   the SendData failure), the profile is burnt (failed), the card and the EIS agree.
 * - SM-DP kill -9 mid-download (after CreateISDP), restart: the recovery deletes the ISD-P,
 *   the profile leaves `allocated` for `failed`, the operator's retry with the same
 *   FunctionCallIdentifier gets FAILED with the Iccid, and a new DownloadProfile for that
 *   eUICC succeeds.
 * - Recovery of a download that never reached CreateISDP: the profile is available again.
 * - A card refusal after CreateISDP (an SM-DP certificate from another CI): the error
 *   sub-routine deletes the ISD-P, the profile is burnt.
 */
#define _GNU_SOURCE
#define NDEV 2

#include "e2e_harness.h"

/* Few, short PoR waits: a command to a switched-off card fails within seconds. */
#define SMDP_SMSR_POR_TIMEOUT "1500"
#define SMDP_SMSR_ENGINE                                                                    \
	"concurrency = 8\nretries = 3\nbackoff = 300\nlease = 20000\npoll = 50"
/* One 128-byte segment per SendData (about 100 instead of 4): the tests act between
 * CreateISDP's answer and the download's end, which in one SCP81 session (CreateISDP's
 * lingers for the SendData) would otherwise be a few milliseconds. */
#define SMDP_DOWNLOAD "workers = 2\ntimeout = 240\nsegment_size = 128\npayload_max = 250"
#include "smdp_harness.h"

#define NPROF 6

static int setup(void **state)
{
	(void)state;
	smdp_system_up("/tmp/m2m_e2edpf_XXXXXX");
	import("ts48", MNO1, 0, NPROF, 0);
	start_smdp();
	return 0;
}

static int faults_teardown(void **state)
{
	stop(&smdp_pid, SIGTERM);
	stop(&smdp2_pid, SIGTERM);
	SMDP_DB_TEARDOWN();
	dp_cb_stop();
	return teardown(state);
}

/* ---- helpers ---- */

/* A DownloadProfile of type ts48 for dev run on a thread (held, no ReplyTo), so that the
 * test can act on the card or the SM-DP meanwhile. */
typedef struct {
	pthread_t thread;
	int dev;
	const char *type;
	char fcid[32];
	bool answered;   /* the SM-DP answered (false: the exchange broke) */
	m2m_ws_exec_status st;
	char iccid[24];
} download;

static m2m_ws_msg *download_request(int dev, const char *type, const char *fcid)
{
	fcid_next = fcid;
	m2m_ws_msg *m = es2(M2M_WS_ES2_DOWNLOAD_PROFILE, dev, SMSR1, "ProfileType", type,
			    "EnableProfile", "false", NULL);
	fcid_next = NULL;
	return m;
}

static void *download_main(void *arg)
{
	download *d = arg;
	/* longer than the harness's 20 s: the SM-SR's delete may wait for an SCP81 session's
	 * linger (20 s) to end */
	m2m_ws_client *c = client_timeout("mno1", 300000);
	m2m_ws_msg *m = download_request(d->dev, d->type, d->fcid);
	m2m_ws_result res;
	char url[128];
	const char *t = NULL;

	memset(&res, 0, sizeof res);
	snprintf(url, sizeof url, "https://%s/soap/es2", smdp_es);
	if (m2m_ws_client_call(c, url, m, NULL, &res) == M2M_OK && !res.fault &&
	    res.response != NULL && m2m_ws_msg_status(res.response, &d->st) == M2M_OK) {
		d->answered = true;
		if (m2m_ws_get_text(m2m_ws_msg_body(res.response), "Iccid", &t) == M2M_OK)
			snprintf(d->iccid, sizeof d->iccid, "%s", t);
	}
	m2m_ws_result_free(&res);
	m2m_ws_msg_free(m);
	m2m_ws_client_free(c);
	return NULL;
}

static void download_start(download *d, int dev, const char *type, const char *fcid)
{
	memset(d, 0, sizeof *d);
	d->dev = dev;
	d->type = type;
	snprintf(d->fcid, sizeof d->fcid, "%s", fcid);
	assert_int_equal(pthread_create(&d->thread, NULL, download_main, d), 0);
}

/* Waits (up to 60 s) until a ts48 profile allocated to dev has its ISD-P AID recorded
 * (CreateISDP answered); its ICCID in iccid. */
static void wait_isdp_created(int dev, char iccid[24])
{
	m2m_store *st = smdp_store();
	m2m_smdp_profile p;

	for (int n = 0; n < 30000; n++) {
		for (int i = 0; i < NPROF; i++) {
			iccid_of(i, iccid);
			if (m2m_store_smdp_profile_get(st, iccid, &p) == M2M_OK &&
			    p.state == M2M_SMDP_ALLOCATED && strcmp(p.eid, F->eid[dev]) == 0 &&
			    p.isdp_aid[0] != '\0') {
				m2m_store_close(st);
				return;
			}
		}
		usleep(2000);
	}
	m2m_store_close(st);
	fail_msg("no ISD-P was created for %s", F->eid[dev]);
}

/* Waits (up to 90 s) until iccid is no longer allocated; its profile row in p. */
static void wait_not_allocated(const char *iccid, m2m_smdp_profile *p)
{
	m2m_store *st = smdp_store();

	for (int n = 0; n < 900; n++) {
		assert_int_equal(m2m_store_smdp_profile_get(st, iccid, p), M2M_OK);
		if (p->state != M2M_SMDP_ALLOCATED)
			break;
		usleep(100000);
	}
	m2m_store_close(st);
	assert_int_not_equal(p->state, M2M_SMDP_ALLOCATED);
}

/* Waits (up to 90 s) until the card holds no ISD-P with iccid. */
static void wait_card_without(int dev, const char *iccid)
{
	char state[32] = "?";

	for (int n = 0; n < 900 && state[0] != '\0'; n++) {
		card_state(dev, iccid, state, sizeof state);
		if (state[0] != '\0')
			usleep(100000);
	}
	assert_string_equal(state, "");
}

/* Whether the SM-SR's EIS of dev (GetEIS through the SM-DP) lists iccid. */
static bool eis_lists(int dev, const char *iccid)
{
	outcome o;

	dp_call(es2(M2M_WS_ES2_GET_EIS, dev, SMSR1, NULL), false, &o, NULL, 0);
	assert_int_equal(o.st.status, M2M_WS_EXECUTED_SUCCESS);
	assert_true(o.has_eis);
	return strstr(eis_iccids, iccid) != NULL;
}

/* Waits (up to 200 s) for text in the SM-DP's log. */
static bool smdp_log_has(const char *text)
{
	char file[256];

	path(file, sizeof file, "smdp.err");
	/* Up to 200 s: a SendData into a session whose card went off fails only when the SM-SR
	 * gives up on the card (about 50 s here, more under load), within the 240 s timeout. */
	for (int n = 0; n < 2000; n++) {
		if (file_has(file, text, strlen(text)))
			return true;
		usleep(100000);
	}
	return false;
}

static void farm_power_on(int dev)
{
	farm_power(dev, "{\"state\":\"on\"}");
}

/* A download for dev with a fresh identifier that must succeed; its ICCID in iccid. */
static void download_ok(int dev, char *iccid, size_t cap)
{
	outcome o;

	dp_call(es2(M2M_WS_ES2_DOWNLOAD_PROFILE, dev, SMSR1, "ProfileType", "ts48",
		    "EnableProfile", "false", NULL),
		false, &o, iccid, cap);
	assert_int_equal(o.st.status, M2M_WS_EXECUTED_SUCCESS);
	assert_true(iccid[0] != '\0');
}

/* ---- tests ---- */

/* The card goes off after CreateISDP: SendData fails with the bearer's code, the error
 * sub-routine removes the ISD-P when the card is back, the profile is burnt. */
static void test_connection_lost(void **state)
{
	download d;
	m2m_smdp_profile p;
	char iccid[24], state_on_card[32], again[24] = "";

	(void)state;
	download_start(&d, 1, "ts48", "lost-1");
	wait_isdp_created(1, iccid);
	farm_switch_off(1, 600);
	/* the SendData failed (its bearer's code logged): the card comes back for the delete */
	assert_true(smdp_log_has("SendData for"));
	farm_power_on(1);
	pthread_join(d.thread, NULL);
	assert_true(d.answered);
	assert_int_equal(d.st.status, M2M_WS_FAILED);
	assert_string_equal(d.iccid, iccid);
	/* the SM-SR's bearer code (no answer from the card), not the SM-DP's own 1.2 / 4.2 */
	assert_string_equal(d.st.subject, M2M_WS_SUBJ_FUNCTION);
	assert_string_equal(d.st.reason, M2M_WS_REASON_NO_RESPONSE);
	wait_not_allocated(iccid, &p);
	assert_int_equal(p.state, M2M_SMDP_FAILED);
	assert_string_equal(p.eid, F->eid[1]);
	wait_card_without(1, iccid);
	assert_false(eis_lists(1, iccid));
	/* the eUICC serves the next download */
	download_ok(1, again, sizeof again);
	assert_string_not_equal(again, iccid);
	card_state(1, again, state_on_card, sizeof state_on_card);
	assert_string_equal(state_on_card, "disabled");
	assert_true(eis_lists(1, again));
}

/* kill -9 of the SM-DP after CreateISDP, restart: the recovery runs the error sub-routine,
 * the operator's retry gets a definite answer, the eUICC gets a profile next time. */
static void test_smdp_killed_mid_download(void **state)
{
	download d;
	m2m_smdp_profile p;
	outcome o;
	char iccid[24], got[24] = "", again[24] = "", st[32];
	int tries = 0;

	(void)state;
	download_start(&d, 0, "ts48", "killed-1");
	wait_isdp_created(0, iccid);
	stop(&smdp_pid, SIGKILL);
	pthread_join(d.thread, NULL);
	assert_false(d.answered);
	start_smdp();
	wait_not_allocated(iccid, &p);
	assert_int_equal(p.state, M2M_SMDP_FAILED);
	wait_card_without(0, iccid);
	assert_false(eis_lists(0, iccid));
	/* the retry: FAILED with the Iccid, no second profile (the record was closed just
	 * after the row: a "still running" answer may come first) */
	do {
		dp_call(download_request(0, "ts48", "killed-1"), false, &o, got, sizeof got);
		if (strcmp(o.st.reason, M2M_WS_REASON_IN_USE) == 0)
			usleep(100000);
	} while (strcmp(o.st.reason, M2M_WS_REASON_IN_USE) == 0 && ++tries < 100);
	assert_int_equal(o.st.status, M2M_WS_FAILED);
	assert_string_equal(o.st.subject, M2M_WS_SUBJ_PROVIDER);
	assert_string_equal(got, iccid);
	assert_non_null(strstr(o.st.message, "restarted"));
	/* a new download for that eUICC succeeds with another profile */
	download_ok(0, again, sizeof again);
	assert_string_not_equal(again, iccid);
	card_state(0, again, st, sizeof st);
	assert_string_equal(st, "disabled");
}

/* A download that died before CreateISDP (a row allocated to this instance with no ISD-P):
 * the SM-SR knows no profile with the ICCID, so the recovery puts it back in the inventory
 * and closes the interrupted call FAILED. The row is made by allocating through the store
 * as the dead process would have, with the SM-DP stopped. */
static void test_recovery_before_create_isdp(void **state)
{
	m2m_store *st;
	m2m_smdp_download who;
	m2m_store_call_outcome oc;
	m2m_store_call prev;
	m2m_smdp_profile p;
	uint8_t hash[M2M_STORE_HASH_SIZE];
	char iccid[24] = "";
	int64_t before;

	(void)state;
	stop(&smdp_pid, SIGTERM);
	before = available("ts48");
	memset(&who, 0, sizeof who);
	snprintf(who.owner, sizeof who.owner, "smdp1");
	snprintf(who.smsr, sizeof who.smsr, SMSR1);
	snprintf(who.caller, sizeof who.caller, "mno1");
	snprintf(who.call_id, sizeof who.call_id, "early-1");
	memset(hash, 7, sizeof hash);
	memset(&prev, 0, sizeof prev);
	st = smdp_store();
	assert_int_equal(m2m_store_call_begin(st, "mno1", "early-1", hash, m2m_store_now_ms(), &oc,
					      &prev),
			 M2M_OK);
	assert_int_equal(oc, M2M_STORE_CALL_NEW);
	m2m_store_call_clear(&prev);
	assert_int_equal(m2m_store_smdp_allocate_for(st, "ts48", NULL, F->eid[1], &who, iccid),
			 M2M_OK);
	m2m_store_close(st);
	assert_int_equal(available("ts48"), before - 1);
	start_smdp();
	wait_not_allocated(iccid, &p);
	assert_int_equal(p.state, M2M_SMDP_AVAILABLE);
	assert_string_equal(p.eid, "");
	assert_int_equal(available("ts48"), before);
	st = smdp_store();
	for (int n = 0; n < 100; n++) {
		m2m_store_call_clear(&prev);
		assert_int_equal(m2m_store_call_get(st, "mno1", "early-1", &prev), M2M_OK);
		if (prev.done)
			break;
		usleep(100000);
	}
	assert_true(prev.done);
	assert_non_null(memmem(prev.response, prev.response_len, "restarted", 9));
	m2m_store_call_clear(&prev);
	m2m_store_close(st);
}

/* A card refusal after CreateISDP: a second SM-DP (same TLS identity and Smdp-id) whose
 * CERT.DP.ECDSA comes from another CI (a second `pki init`). Eligibility passes (it checks
 * the eUICC's chain, against the right CI), CreateISDP succeeds, the card refuses the
 * certificate at key establishment: the error sub-routine deletes the ISD-P and burns the
 * profile. */
static void test_card_refuses_certificate(void **state)
{
	char file[256], out[256], err[256], es[64], saved[64], db[300], st[32];
	m2m_store *sdb = NULL;
	m2m_smdp_profile p;
	download dl;
	FILE *f;
	const char *d = F->dir;

	(void)state;
	assert_int_equal(sh("'%s' pki init '%s/pki2' >/dev/null", M2MRSP_BINARY, d), 0);
	snprintf(db, sizeof db, "sqlite:%s/smdp2.sqlite", d);
	path(file, sizeof file, "smdp2.ini");
	f = fopen(file, "w");
	assert_non_null(f);
	fprintf(f,
		"[smdp]\nid = smdp1\noid = " SMDP1 "\ndb = %s\nmaster_key = %s\n"
		"[es]\nlisten = 127.0.0.1:0\ncert = %s/pki/smdp1-tls.crt\n"
		"key = %s/pki/smdp1-tls.key\nca = %s/pki/tls-ca.crt\n"
		"[gp]\nci_cert = %s/pki/ci.crt\ndp_cert = %s/pki2/smdp1-ecdsa.gpcert\n"
		"dp_key = %s/pki2/smdp1-ecdsa.key\n"
		"[download]\ntimeout = 240\n"
		"[smsr.one]\noid = " SMSR1 "\nurl = https://%s/soap/es3\n"
		"[callers]\nmno1 = " MNO1 "\n"
		"[eum]\n" EUM1 " = %s/pki/eum1.crt\n",
		db, MASTER, d, d, d, d, d, d, F->es, d);
	fclose(f);
	smdp_ini = "smdp2.ini";
	import("foreign", MNO1, 80, 1, 0);
	smdp_ini = "smdp.ini";
	path(out, sizeof out, "smdp2.out");
	path(err, sizeof err, "smdp2.err");
	char *argv[] = {M2MRSP_BINARY, "smdp", "--config", file, NULL};
	smdp2_pid = spawn(argv, out, err);
	assert_true(smdp2_pid > 0);
	assert_true(wait_line(out, "es", es, sizeof es));
	snprintf(saved, sizeof saved, "%s", smdp_es);
	snprintf(smdp_es, sizeof smdp_es, "%s", es);
	download_start(&dl, 0, "foreign", "foreign-1");
	pthread_join(dl.thread, NULL);
	snprintf(smdp_es, sizeof smdp_es, "%s", saved);
	stop(&smdp2_pid, SIGTERM);
	assert_true(dl.answered);
	assert_int_equal(dl.st.status, M2M_WS_FAILED);
	assert_true(dl.iccid[0] != '\0');
	/* the card's refusal (the ES8 failure table: 8.4 / 4.2 with its status word), not a
	 * refusal before the card */
	assert_string_equal(dl.st.subject, "8.4");
	assert_non_null(strstr(dl.st.message, "key establishment"));
	assert_int_equal(m2m_store_open(db, MASTER, &sdb, err, sizeof err), M2M_OK);
	assert_int_equal(m2m_store_smdp_profile_get(sdb, dl.iccid, &p), M2M_OK);
	m2m_store_close(sdb);
	assert_int_equal(p.state, M2M_SMDP_FAILED);
	assert_true(p.isdp_aid[0] != '\0');
	card_state(0, dl.iccid, st, sizeof st);
	assert_string_equal(st, "");
	assert_false(eis_lists(0, dl.iccid));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connection_lost),
		cmocka_unit_test(test_smdp_killed_mid_download),
		cmocka_unit_test(test_recovery_before_create_isdp),
		cmocka_unit_test(test_card_refuses_certificate),
	};
	return cmocka_run_group_tests(tests, setup, faults_teardown);
}
