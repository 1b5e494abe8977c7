/*
 * End to end ES2 (operator -> SM-DP -> SM-SR -> eUICC): `m2mrsp pki init`, the farm with
 * HTTPS-capable eUICCs, `m2mrsp smsr` with [scp81] enabled, `m2mrsp smdp import` of a TS.48
 * batch and `m2mrsp smdp` as processes; this program is the operator (mno1's TLS identity)
 * calling the SM-DP's ES2. DownloadProfile with EnableProfile installs and enables a profile
 * on the card (checked through the farm's control API); retries, parallel downloads, the
 * three TS.48 packages, the relayed profile functions, notifications both ways, and that the
 * SM-SR never sees Ki, OPc or IMSI; the v4 AuditEIS, SetFallBackAttribute and
 * SetEmergencyProfileAttribute; the ISD-P key set `smdp keys` exports checked against the
 * card (keep and handover); the refusals: unknown profile type, exhausted inventory,
 * not enough memory on the eUICC, unknown EID, unknown SM-SR, a profile function on a
 * profile the SM-DP did not install or of another MNO.
 */
#define _GNU_SOURCE
#define NDEV 2

#include "e2e_harness.h"

#include "smdp_harness.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <sys/stat.h>

static int setup(void **state)
{
	(void)state;
	smdp_system_up("/tmp/m2m_e2edp_XXXXXX");
	import("ts48", MNO1, 0, 2, 0);
	import("solo", MNO1, 10, 1, 0);
	import("big", MNO1, 20, 1, 200000000);
	import("other", "1.3.6.1.4.1.99999.3", 30, 1, 0);
	import("pair", MNO1, 40, 2, 0);
	import_pkg("ts48v1", MNO1, 50, 1, 0, TS48_DIR "TS48v1_A.der");
	import_pkg("ts48v5", MNO1, 60, 1, 0, TS48_DIR "TS48v5_SAIP2.3_BERTLV_SUCI.der");
	start_smdp();
	return 0;
}

static int smdp_teardown(void **state)
{
	stop(&smdp_pid, SIGTERM);
	stop(&smdp2_pid, SIGTERM);
	SMDP_DB_TEARDOWN();
	dp_cb_stop();
	return teardown(state);
}

/* ---- tests ---- */

static void test_unknown_profile_type(void **state)
{
	outcome o;

	(void)state;
	dp_call(es2(M2M_WS_ES2_DOWNLOAD_PROFILE, 0, SMSR1, "ProfileType", "nope", "EnableProfile",
		    "true", NULL),
		false, &o, NULL, 0);
	expect(&o, M2M_WS_FAILED, "8.2.5", "3.9");
	/* Another MNO's type is as unknown to mno1. */
	dp_call(es2(M2M_WS_ES2_DOWNLOAD_PROFILE, 0, SMSR1, "ProfileType", "other",
		    "EnableProfile", "true", NULL),
		false, &o, NULL, 0);
	expect(&o, M2M_WS_FAILED, "8.2.5", "3.9");
	assert_int_equal(available("other"), 1);
}

/* The only profile of "solo" is taken (as by a download in progress): none left. */
static void test_exhausted_inventory(void **state)
{
	outcome o;
	m2m_store *st = smdp_store();
	char iccid[M2M_STORE_ICCID_SIZE];

	(void)state;
	assert_int_equal(m2m_store_smdp_allocate(st, "solo", NULL, F->eid[1], iccid), M2M_OK);
	m2m_store_close(st);
	dp_call(es2(M2M_WS_ES2_DOWNLOAD_PROFILE, 0, SMSR1, "ProfileType", "solo", "EnableProfile",
		    "false", NULL),
		true, &o, NULL, 0);
	assert_true(o.accepted);
	expect(&o, M2M_WS_FAILED, "8.2.5", "3.7");
}

/* "big" needs 200 MB: the eUICC's EIS says less; the profile goes back to the inventory. */
static void test_not_enough_memory(void **state)
{
	outcome o;

	(void)state;
	dp_call(es2(M2M_WS_ES2_DOWNLOAD_PROFILE, 0, SMSR1, "ProfileType", "big", "EnableProfile",
		    "true", NULL),
		false, &o, NULL, 0);
	expect(&o, M2M_WS_FAILED, "8.1", "4.8");
	assert_int_equal(available("big"), 1);
}

/* The SM-SR does not know the EID: its GetEIS refusal is the answer. */
static void test_unknown_eid(void **state)
{
	outcome o;

	(void)state;
	dp_call(es2(M2M_WS_ES2_DOWNLOAD_PROFILE, -1, SMSR1, "ProfileType", "ts48",
		    "EnableProfile", "true", NULL),
		false, &o, NULL, 0);
	expect(&o, M2M_WS_FAILED, "8.1.1", "3.9");
	assert_int_equal(available("ts48"), 2);
}

static void test_unknown_smsr(void **state)
{
	outcome o;

	(void)state;
	dp_call(es2(M2M_WS_ES2_DOWNLOAD_PROFILE, 0, "1.3.6.1.4.1.99999.77", "ProfileType", "ts48",
		    "EnableProfile", "true", NULL),
		false, &o, NULL, 0);
	expect(&o, M2M_WS_FAILED, "8.7", "3.9");
	/* Refusals made before any work are in the SM-DP's audit trail too. */
	m2m_store *st = smdp_store();
	m2m_store_audit *list = NULL;
	size_t n = 0;
	bool found = false;
	assert_int_equal(m2m_store_audit_list(st, NULL, 0, 1000, &list, &n), M2M_OK);
	for (size_t i = 0; i < n; i++)
		found |= strcmp(list[i].function, "ES2-DownloadProfile") == 0 &&
			 strstr(list[i].detail, "8.7/3.9") != NULL &&
			 strcmp(list[i].actor, "mno1") == 0 &&
			 strcmp(list[i].outcome, "FAILED") == 0;
	m2m_store_audit_list_free(list, n);
	m2m_store_close(st);
	assert_true(found);
}

/* GetEIS over the JSON binding (/json/es2), as mno1. */
static void json_get_eis(void)
{
	char ca[256], cert[256], key[256], url[128];
	m2m_ws_client *c = NULL;
	m2m_ws_result res;
	m2m_ws_exec_status st;
	m2m_ws_msg *m = es2(M2M_WS_ES2_GET_EIS, 0, SMSR1, NULL);

	snprintf(ca, sizeof ca, "%s/pki/tls-ca.crt", F->dir);
	snprintf(cert, sizeof cert, "%s/pki/mno1-tls.crt", F->dir);
	snprintf(key, sizeof key, "%s/pki/mno1-tls.key", F->dir);
	m2m_ws_client_opts co = {
		.http = {.ca_file = ca, .cert_file = cert, .key_file = key, .timeout_ms = 20000},
		.schema = F->schema,
		.binding = M2M_WS_JSON,
	};
	assert_int_equal(m2m_ws_client_new(&co, &c), M2M_OK);
	snprintf(url, sizeof url, "https://%s/json/es2", smdp_es);
	memset(&res, 0, sizeof res);
	assert_int_equal(m2m_ws_client_call(c, url, m, NULL, &res), M2M_OK);
	assert_non_null(res.response);
	assert_int_equal(m2m_ws_msg_status(res.response, &st), M2M_OK);
	assert_int_equal(st.status, M2M_WS_EXECUTED_SUCCESS);
	assert_non_null(m2m_ws_find(m2m_ws_msg_body(res.response), "Eis/EumSignedInfo/Eid"));
	m2m_ws_result_free(&res);
	m2m_ws_msg_free(m);
	m2m_ws_client_free(c);
}

/* GetEIS goes through (SOAP and JSON); the profile functions only for profiles this SM-DP
 * installed. */
static void test_relays(void **state)
{
	outcome o;

	(void)state;
	json_get_eis();
	dp_call(es2(M2M_WS_ES2_GET_EIS, 0, SMSR1, NULL), false, &o, NULL, 0);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_true(o.has_eis);
	dp_call(es2(M2M_WS_ES2_ENABLE_PROFILE, 0, SMSR1, "Iccid", F->iccid[0], NULL), false, &o,
		NULL, 0);
	expect(&o, M2M_WS_FAILED, "8.2.1", "3.9");
}

/* The whole download: allocated, eligible, ISD-P, ES8 over SendData, completed, enabled. */
static void test_download_and_enable(void **state)
{
	outcome o;
	char iccid[32] = "", want0[24], want1[24], st[32];
	m2m_store *sdb;
	m2m_smdp_profile p;

	(void)state;
	fcid_next = "download-1";
	dp_call(es2(M2M_WS_ES2_DOWNLOAD_PROFILE, 0, SMSR1, "ProfileType", "ts48", "EnableProfile",
		    "true", NULL),
		false, &o, iccid, sizeof iccid);
	fcid_next = NULL;
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	iccid_of(0, want0);
	iccid_of(1, want1);
	assert_true(strcmp(iccid, want0) == 0 || strcmp(iccid, want1) == 0);
	card_state(0, iccid, st, sizeof st);
	assert_string_equal(st, "enabled");
	card_state(0, F->iccid[0], st, sizeof st);
	assert_string_equal(st, "disabled");
	sdb = smdp_store();
	assert_int_equal(m2m_store_smdp_profile_get(sdb, iccid, &p), M2M_OK);
	assert_int_equal(p.state, M2M_SMDP_INSTALLED);
	assert_string_equal(p.eid, F->eid[0]);
	m2m_store_close(sdb);
	assert_int_equal(available("ts48"), 1);
}

/* The card's notification of the enable: eUICC -> SM-SR (ES3 HandleProfileEnabledNotification)
 * -> SM-DP -> the operator owning the profile (ES2, [peers]). */
static void test_enable_notification_reaches_operator(void **state)
{
	m2m_store *sdb = smdp_store();
	m2m_smdp_profile p;
	callback cb;
	char iccid[24] = "";

	(void)state;
	for (int k = 0; k < 2 && iccid[0] == '\0'; k++) {
		char want[24];
		iccid_of(k, want);
		assert_int_equal(m2m_store_smdp_profile_get(sdb, want, &p), M2M_OK);
		if (p.state == M2M_SMDP_INSTALLED)
			snprintf(iccid, sizeof iccid, "%s", want);
	}
	m2m_store_close(sdb);
	assert_true(iccid[0] != '\0');
	assert_true(wait_notification("ES2-HandleProfileEnabledNotification", iccid, &cb));
}

/* The operator retries the download (same FunctionCallIdentifier): the first answer again,
 * no second profile; the identifier with another request is refused. */
static void test_download_retry(void **state)
{
	outcome o;
	char first[32] = "", again[32] = "";
	m2m_store *sdb = smdp_store();
	m2m_smdp_profile p;

	(void)state;
	for (int k = 0; k < 2 && first[0] == '\0'; k++) {
		char want[24];
		iccid_of(k, want);
		assert_int_equal(m2m_store_smdp_profile_get(sdb, want, &p), M2M_OK);
		if (p.state == M2M_SMDP_INSTALLED)
			snprintf(first, sizeof first, "%s", want);
	}
	m2m_store_close(sdb);
	assert_true(first[0] != '\0');
	fcid_next = "download-1";
	dp_call(es2(M2M_WS_ES2_DOWNLOAD_PROFILE, 0, SMSR1, "ProfileType", "ts48", "EnableProfile",
		    "true", NULL),
		false, &o, again, sizeof again);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_string_equal(again, first);
	assert_int_equal(available("ts48"), 1);
	dp_call(es2(M2M_WS_ES2_DOWNLOAD_PROFILE, 1, SMSR1, "ProfileType", "ts48", "EnableProfile",
		    "true", NULL),
		false, &o, NULL, 0);
	fcid_next = NULL;
	expect(&o, M2M_WS_FAILED, "1.6", "2.1");
	assert_int_equal(available("ts48"), 1);
}

/* The SM-SR carried the profile without being able to read it: neither its database nor its
 * logs hold the downloaded profile's Ki, OPc or IMSI; the SM-DP's own database holds them
 * only sealed. */
static void test_smsr_cannot_read_the_profile(void **state)
{
	static const char *const files[] = {"smsr.sqlite", "smsr.sqlite-wal", "smsr.err",
					    "smsr.out",    "smdp.sqlite",     "smdp.sqlite-wal",
					    "smdp.err",    "smdp.out"};
	char file[256], ki[33], opc[33], imsi[16];
	uint8_t ef_imsi[9];
	m2m_store *sdb = smdp_store();
	m2m_smdp_profile p;
	char want[24];
	int i = 0;

	(void)state;
	for (int k = 0; k < 2; k++) {
		iccid_of(k, want);
		assert_int_equal(m2m_store_smdp_profile_get(sdb, want, &p), M2M_OK);
		if (p.state == M2M_SMDP_INSTALLED)
			i = k;
	}
	m2m_store_close(sdb);
	ki_of(i, ki);
	opc_of(i, opc);
	imsi_of(i, imsi);
	assert_int_equal(m2m_saip_imsi_encode(imsi, ef_imsi), M2M_OK);
	for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
		path(file, sizeof file, files[f]);
		assert_false(file_has_hex(file, ki));
		assert_false(file_has_hex(file, opc));
		assert_false(file_has(file, ef_imsi, sizeof ef_imsi));
		if (strncmp(files[f], "smsr", 4) == 0)
			assert_false(file_has(file, imsi, strlen(imsi)));
	}
	/* The check can fail: the batch file has them. */
	snprintf(file, sizeof file, "%s/ts48.csv", F->dir);
	assert_true(file_has_hex(file, ki));
}

/* A profile downloaded without enable, then the operator's profile functions through the
 * SM-DP: GetEIS shows it, another MNO is refused, enable, a card refusal passed on, delete. */
static void test_profile_functions(void **state)
{
	outcome o;
	char iccid[32] = "", st[32];
	m2m_store *sdb;
	m2m_smdp_profile p;

	(void)state;
	dp_call(es2(M2M_WS_ES2_DOWNLOAD_PROFILE, 1, SMSR1, "ProfileType", "ts48", "EnableProfile",
		    "false", NULL),
		true, &o, iccid, sizeof iccid);
	assert_true(o.accepted);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_true(iccid[0] != '\0');
	card_state(1, iccid, st, sizeof st);
	assert_string_equal(st, "disabled");
	dp_call(es2(M2M_WS_ES2_GET_EIS, 1, SMSR1, NULL), false, &o, NULL, 0);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_non_null(strstr(eis_iccids, iccid));
	assert_null(strstr(eis_iccids, F->iccid[1])); /* the bootstrap is not the SM-DP's */
	/* mno2 does not own it. */
	dp_call_as("mno2", es2(M2M_WS_ES2_ENABLE_PROFILE, 1, SMSR1, "Iccid", iccid, NULL), false,
		   &o, NULL, 0);
	expect(&o, M2M_WS_FAILED, "1.1", "1.1");
	dp_call(es2(M2M_WS_ES2_ENABLE_PROFILE, 1, SMSR1, "Iccid", iccid, NULL), false, &o, NULL, 0);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	card_state(1, iccid, st, sizeof st);
	assert_string_equal(st, "enabled");
	/* POL2 and the subscription address, passed on; another MNO's call refused. */
	m2m_ws_msg *m = es2(M2M_WS_ES2_UPDATE_POLICY_RULES, 1, SMSR1, "Iccid", iccid, NULL);
	m2m_ws_node *pol2 = NULL, *rule = NULL, *addr = NULL;
	assert_int_equal(m2m_ws_add(m, NULL, "pol2", NULL, &pol2), M2M_OK);
	assert_int_equal(m2m_ws_add(m, pol2, "Rule", NULL, &rule), M2M_OK);
	assert_int_equal(m2m_ws_add(m, rule, "Subject", "PROFILE", NULL), M2M_OK);
	assert_int_equal(m2m_ws_add(m, rule, "Action", "DELETE", NULL), M2M_OK);
	assert_int_equal(m2m_ws_add(m, rule, "Qualification", "Not-Allowed", NULL), M2M_OK);
	dp_call(m, false, &o, NULL, 0);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	m = es2(M2M_WS_ES2_UPDATE_SUBSCRIPTION_ADDRESS, 1, SMSR1, "Iccid", iccid, NULL);
	assert_int_equal(m2m_ws_add(m, NULL, "newSubscriptionAddress", NULL, &addr), M2M_OK);
	assert_int_equal(m2m_ws_add(m, addr, "Msisdn", "447700900123", NULL), M2M_OK);
	dp_call(m, false, &o, NULL, 0);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	sdb = store_open(); /* the SM-SR's view */
	m2m_store_profile sp;
	memset(&sp, 0, sizeof sp);
	assert_int_equal(m2m_store_profile_get_by_iccid(sdb, iccid, &sp), M2M_OK);
	assert_string_equal(sp.msisdn, "447700900123");
	assert_true((sp.pol2 & M2M_POL2_DELETE_NOT_ALLOWED) != 0);
	m2m_store_profile_clear(&sp);
	m2m_store_close(sdb);
	/* Now POL2 forbids the delete: lift it again for the end of this test. */
	m = es2(M2M_WS_ES2_UPDATE_POLICY_RULES, 1, SMSR1, "Iccid", iccid, NULL);
	assert_int_equal(m2m_ws_add(m, NULL, "pol2", NULL, NULL), M2M_OK);
	dp_call(m, false, &o, NULL, 0);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	/* Enabled already: the card's refusal comes back as the SM-SR gave it. */
	dp_call(es2(M2M_WS_ES2_ENABLE_PROFILE, 1, SMSR1, "Iccid", iccid, NULL), false, &o, NULL, 0);
	assert_int_equal(o.st.status, M2M_WS_FAILED);
	/* Disabled (the fall-back bootstrap comes back on), then deleted. */
	dp_call(es2(M2M_WS_ES2_DISABLE_PROFILE, 1, SMSR1, "Iccid", iccid, NULL), false, &o, NULL,
		0);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	dp_call(es2(M2M_WS_ES2_DELETE_PROFILE, 1, SMSR1, "Iccid", iccid, NULL), false, &o, NULL, 0);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	card_state(1, iccid, st, sizeof st);
	assert_string_equal(st, "");
	sdb = smdp_store();
	assert_int_equal(m2m_store_smdp_profile_get(sdb, iccid, &p), M2M_OK);
	assert_int_equal(p.state, M2M_SMDP_DELETED);
	m2m_store_close(sdb);
	/* Deleted: the SM-DP no longer acts on it. */
	dp_call(es2(M2M_WS_ES2_ENABLE_PROFILE, 1, SMSR1, "Iccid", iccid, NULL), false, &o, NULL, 0);
	expect(&o, M2M_WS_FAILED, "8.2.1", "3.9");
}

/* An SM-SR's ES3 notification straight to the SM-DP (smsr1's TLS identity): passed on to
 * the profile's operator as the ES2 one; one for a profile the SM-DP does not have is not. */
static void test_notification_passed_on(void **state)
{
	m2m_ws_client *c = client("smsr1");
	m2m_store *sdb = smdp_store();
	m2m_smdp_profile p;
	m2m_ws_result res;
	callback cb;
	char url[128], iccid[24] = "";

	(void)state;
	for (int k = 0; k < 2 && iccid[0] == '\0'; k++) {
		char want[24];
		iccid_of(k, want);
		assert_int_equal(m2m_store_smdp_profile_get(sdb, want, &p), M2M_OK);
		if (p.state == M2M_SMDP_INSTALLED && strcmp(p.eid, F->eid[0]) == 0)
			snprintf(iccid, sizeof iccid, "%s", want);
	}
	m2m_store_close(sdb);
	assert_true(iccid[0] != '\0');
	snprintf(url, sizeof url, "https://%s/soap/es3", smdp_es);
	for (int i = 0; i < 2; i++) {
		m2m_ws_msg *m = NULL;
		assert_int_equal(m2m_ws_request_new(M2M_WS_ES3_HANDLE_PROFILE_DISABLED_NOTIFICATION,
						     NULL, 0, &m),
				 M2M_OK);
		assert_int_equal(m2m_ws_add(m, NULL, "Eid", F->eid[0], NULL), M2M_OK);
		assert_int_equal(m2m_ws_add(m, NULL, "Iccid", i == 0 ? F->iccid[0] : iccid, NULL),
				 M2M_OK);
		assert_int_equal(m2m_ws_add(m, NULL, "Mno-id", MNO1, NULL), M2M_OK);
		assert_int_equal(m2m_ws_add_time(m, NULL, "CompletionTimestamp", time(NULL), NULL),
				 M2M_OK);
		memset(&res, 0, sizeof res);
		assert_int_equal(m2m_ws_client_call(c, url, m, NULL, &res), M2M_OK);
		assert_true(res.accepted);
		m2m_ws_result_free(&res);
		m2m_ws_msg_free(m);
	}
	m2m_ws_client_free(c);
	assert_true(wait_notification("ES2-HandleProfileDisabledNotification", iccid, &cb));
	/* The bootstrap profile (not the SM-DP's) was not passed on; its notification came
	 * first, so by now it would have. */
	pthread_mutex_lock(&F->lock);
	for (size_t k = 0; k < F->ncb; k++)
		assert_string_not_equal(F->cb[k].iccid, F->iccid[0]);
	pthread_mutex_unlock(&F->lock);
}

/* The SM-SR's CreateISDP and SendData jobs of eUICC dev: the card commands of downloads. */
static unsigned download_jobs(int dev)
{
	m2m_store *st = store_open();
	m2m_store_job *jobs = NULL;
	size_t n = 0;
	unsigned k = 0;

	assert_int_equal(m2m_store_job_list(st, F->eid[dev], &jobs, &n), M2M_OK);
	for (size_t i = 0; i < n; i++)
		k += strcmp(jobs[i].kind, "create_isdp") == 0 || strcmp(jobs[i].kind, "senddata") == 0;
	m2m_store_job_list_free(jobs, n);
	m2m_store_close(st);
	return k;
}

/* Two downloads at once (two workers), answered at ReplyTo: each eUICC gets its own
 * profile of the type, each in one SCP81 session (CreateISDP with MoreToDo: the SM-SR's
 * session lingers for the first SendData): the SM-SR's log shows a session that carried all
 * the download's card commands. */
static void test_parallel_downloads(void **state)
{
	m2m_ws_client *c = client("mno1");
	m2m_ws_msg *m[2];
	m2m_ws_result res;
	callback cb[2];
	char url[128], st[32];
	unsigned jobs[2];
	size_t whole[2];
	long from = smsr_log_end();

	(void)state;
	snprintf(url, sizeof url, "https://%s/soap/es2", smdp_es);
	for (int i = 0; i < 2; i++)
		jobs[i] = download_jobs(i);
	for (int i = 0; i < 2; i++) {
		m[i] = es2(M2M_WS_ES2_DOWNLOAD_PROFILE, i, SMSR1, "ProfileType", "pair",
			   "EnableProfile", "false", NULL);
		memset(&res, 0, sizeof res);
		assert_int_equal(m2m_ws_client_call(c, url, m[i], dp_cb.url, &res), M2M_OK);
		assert_true(res.accepted);
		m2m_ws_result_free(&res);
	}
	for (int i = 0; i < 2; i++) {
		memset(&cb[i], 0, sizeof cb[i]);
		assert_true(wait_callback(m2m_ws_msg_wsa(m[i])->message_id, &cb[i]));
		if (cb[i].st.status != M2M_WS_EXECUTED_SUCCESS)
			print_error("download %d: %s %s/%s %s\n", i,
				    m2m_ws_status_name(cb[i].st.status), cb[i].st.subject,
				    cb[i].st.reason, cb[i].st.message);
		assert_int_equal(cb[i].st.status, M2M_WS_EXECUTED_SUCCESS);
		card_state(i, cb[i].iccid, st, sizeof st);
		assert_string_equal(st, "disabled");
		m2m_ws_msg_free(m[i]);
	}
	for (int i = 0; i < 2; i++) {
		/* CreateISDP + the SendData: at least 2, in one session (not 1 + the rest). The
		 * session's end is logged right after the last answer: waited for. */
		jobs[i] = download_jobs(i) - jobs[i];
		assert_true(jobs[i] >= 2);
		for (int k = 0; k < 50 && (whole[i] = smsr_log_sessions(F->eid[i], jobs[i], from)) == 0;
		     k++)
			usleep(100000);
		assert_int_not_equal(whole[i], 0);
	}
	assert_string_not_equal(cb[0].iccid, cb[1].iccid);
	assert_int_equal(available("pair"), 0);
	m2m_ws_client_free(c);
}

/* The other two TS.48 packages (v1; v5 with BER-TLV files and SUCI) personalise and
 * download as well. */
static void test_other_ts48_packages(void **state)
{
	static const char *const types[] = {"ts48v1", "ts48v5"};
	outcome o;
	char iccid[32], st[32];

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		iccid[0] = '\0';
		dp_call(es2(M2M_WS_ES2_DOWNLOAD_PROFILE, 1, SMSR1, "ProfileType", types[i],
			    "EnableProfile", "false", NULL),
			false, &o, iccid, sizeof iccid);
		expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
		card_state(1, iccid, st, sizeof st);
		assert_string_equal(st, "disabled");
		assert_int_equal(available(types[i]), 0);
	}
}

/* ---- the v4 functions (AuditEIS, SetFallBackAttribute, SetEmergencyProfileAttribute) ---- */

/* A v4 ES2 request of fn for dev (< 0: unknown EID): SmSr-id, then the Iccids (NULL ends). */
static m2m_ws_msg *es2_v4(m2m_ws_fn fn, int dev, const char *smsr, ...)
{
	static int calls;
	const char *iccid;
	char fcid[32];
	m2m_ws_msg *m;
	va_list ap;

	snprintf(fcid, sizeof fcid, "mno1-v4-%d", ++calls);
	m = request(fn, fcid, dev, "SmSr-id", smsr, NULL);
	va_start(ap, smsr);
	while ((iccid = va_arg(ap, const char *)) != NULL)
		assert_int_equal(m2m_ws_add(m, NULL, "Iccid", iccid, NULL), M2M_OK);
	va_end(ap);
	return m;
}

/* m (taken over) to the SM-DP's ES2 as who, held: *o gets the status; the response is
 * returned (free it). */
static m2m_ws_msg *dp_exchange(const char *who, m2m_ws_msg *m, outcome *o)
{
	m2m_ws_client *c = client(who);
	m2m_ws_result res;
	m2m_ws_msg *resp;
	char url[128];

	memset(o, 0, sizeof *o);
	memset(&res, 0, sizeof res);
	snprintf(url, sizeof url, "https://%s/soap/es2", smdp_es);
	assert_int_equal(m2m_ws_client_call(c, url, m, NULL, &res), M2M_OK);
	assert_false(res.fault);
	assert_non_null(res.response);
	assert_int_equal(m2m_ws_msg_status(res.response, &o->st), M2M_OK);
	o->has_eis = m2m_ws_find(m2m_ws_msg_body(res.response), "Eis") != NULL;
	resp = res.response;
	res.response = NULL;
	m2m_ws_result_free(&res);
	m2m_ws_msg_free(m);
	m2m_ws_client_free(c);
	return resp;
}

/* The ProfileInfo of iccid in resp's Eis, NULL when none; *n: how many ProfileInfo. */
static const m2m_ws_node *profile_info(const m2m_ws_msg *resp, const char *iccid, size_t *n)
{
	const m2m_ws_node *eis = m2m_ws_find(m2m_ws_msg_body(resp), "Eis"), *found = NULL;
	const char *t = NULL;

	*n = eis != NULL ? m2m_ws_count(eis, "ProfileInfo") : 0;
	for (size_t k = 0; k < *n; k++) {
		const m2m_ws_node *pi = m2m_ws_find_nth(eis, "ProfileInfo", k);
		if (m2m_ws_get_text(pi, "Iccid", &t) == M2M_OK && strcmp(t, iccid) == 0)
			found = pi;
	}
	return found;
}

/* The profile of the batch (first, first+1) the SM-DP installed on dev ("" when none). */
static void installed_on(int dev, int first, char iccid[24])
{
	m2m_store *sdb = smdp_store();
	m2m_smdp_profile p;
	char want[24];

	iccid[0] = '\0';
	for (int k = first; k < first + 2; k++) {
		iccid_of(k, want);
		assert_int_equal(m2m_store_smdp_profile_get(sdb, want, &p), M2M_OK);
		if (p.state == M2M_SMDP_INSTALLED && strcmp(p.eid, F->eid[dev]) == 0)
			snprintf(iccid, 24, "%s", want);
	}
	m2m_store_close(sdb);
}

/* The card's attribute (fallback, emergency) of the ISD-P holding iccid. */
static bool card_flag(int dev, const char *iccid, const char *flag)
{
	m2m_buf b;
	char what[96], key[64];
	const char *at, *f;
	bool on;

	m2m_buf_init(&b);
	snprintf(what, sizeof what, "/devices/%s", F->eid[dev]);
	farm_get(what, &b);
	snprintf(key, sizeof key, "\"iccid\":\"%s\"", iccid);
	at = strstr((const char *)b.data, key);
	assert_non_null(at);
	snprintf(key, sizeof key, "\"%s\":", flag);
	f = strstr(at, key); /* the farm writes the attributes after the iccid */
	assert_non_null(f);
	on = strncmp(f + strlen(key), "true", 4) == 0;
	m2m_buf_free(&b);
	return on;
}

/* Whether the SM-DP's audit trail has fn by mno1 with outcome (and iccid when given). */
static bool audited(const char *fn, const char *outcome_name, const char *iccid)
{
	m2m_store *st = smdp_store();
	m2m_store_audit *list = NULL;
	size_t n = 0;
	bool found = false;

	assert_int_equal(m2m_store_audit_list(st, NULL, 0, 10000, &list, &n), M2M_OK);
	for (size_t i = 0; i < n; i++)
		found |= strcmp(list[i].function, fn) == 0 && strcmp(list[i].actor, "mno1") == 0 &&
			 strcmp(list[i].outcome, outcome_name) == 0 &&
			 (iccid == NULL || strcmp(list[i].iccid, iccid) == 0);
	m2m_store_audit_list_free(list, n);
	m2m_store_close(st);
	return found;
}

/* Before any download (no profile of this SM-DP on the eUICC yet): the SM-SR's refusal of
 * ES3.AuditEIS passed on as it came, the unknown EID and SM-SR as GetEIS gives them, the
 * attributes only on a profile this SM-DP installed. */
static void test_v4_refusals(void **state)
{
	outcome o;

	(void)state;
	m2m_ws_msg_free(dp_exchange("mno1", es2_v4(M2M_WS_ES2_AUDIT_EIS, 0, SMSR1, NULL), &o));
	expect(&o, M2M_WS_FAILED, "1.1", "1.1");
	m2m_ws_msg_free(dp_exchange("mno1", es2_v4(M2M_WS_ES2_AUDIT_EIS, -1, SMSR1, NULL), &o));
	expect(&o, M2M_WS_FAILED, "8.1.1", "3.9");
	m2m_ws_msg_free(dp_exchange(
		"mno1", es2_v4(M2M_WS_ES2_AUDIT_EIS, 0, "1.3.6.1.4.1.99999.77", NULL), &o));
	expect(&o, M2M_WS_FAILED, "8.7", "3.9");
	assert_false(o.has_eis);
	m2m_ws_msg_free(dp_exchange("mno1",
				    es2_v4(M2M_WS_ES2_SET_FALL_BACK_ATTRIBUTE, 0,
					   "1.3.6.1.4.1.99999.77", F->iccid[0], NULL),
				    &o));
	expect(&o, M2M_WS_FAILED, "8.7", "3.9");
	/* The bootstrap profile is not this SM-DP's. */
	m2m_ws_msg_free(dp_exchange(
		"mno1", es2_v4(M2M_WS_ES2_SET_FALL_BACK_ATTRIBUTE, 0, SMSR1, F->iccid[0], NULL),
		&o));
	expect(&o, M2M_WS_FAILED, "8.2.1", "3.9");
	m2m_ws_msg_free(dp_exchange("mno1",
				    es2_v4(M2M_WS_ES2_SET_EMERGENCY_PROFILE_ATTRIBUTE, 0, SMSR1,
					   F->iccid[0], NULL),
				    &o));
	expect(&o, M2M_WS_FAILED, "8.2.1", "3.9");
	assert_true(audited("ES2-AuditEIS", "FAILED", NULL));
	assert_true(audited("ES2-SetEmergencyProfileAttribute", "FAILED", F->iccid[0]));
}

/* AuditEIS after the downloads (eUICC 0 holds ts48, enabled, and pair, disabled): the card
 * audited, the Eis with the SM-DP's profiles of mno1 in the card's states, held and at
 * ReplyTo; an Iccid list narrows it; mno2 sees none of mno1's. */
static void test_v4_audit_eis(void **state)
{
	char ts48[24], pair[24], st[32];
	const m2m_ws_node *pi;
	const char *text = NULL;
	m2m_ws_msg *resp;
	outcome o;
	size_t n;

	(void)state;
	installed_on(0, 0, ts48);
	installed_on(0, 40, pair);
	assert_true(ts48[0] != '\0' && pair[0] != '\0');
	resp = dp_exchange("mno1", es2_v4(M2M_WS_ES2_AUDIT_EIS, 0, SMSR1, NULL), &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_true(o.has_eis);
	assert_non_null(m2m_ws_find(m2m_ws_msg_body(resp), "Eis/EumSignedInfo/Eid"));
	for (int k = 0; k < 2; k++) {
		const char *iccid = k == 0 ? ts48 : pair;
		pi = profile_info(resp, iccid, &n);
		assert_non_null(pi);
		assert_int_equal(m2m_ws_get_text(pi, "State", &text), M2M_OK);
		card_state(0, iccid, st, sizeof st);
		assert_string_equal(st, k == 0 ? "enabled" : "disabled");
		assert_int_equal(strcasecmp(text, st), 0);
		assert_int_equal(m2m_ws_get_text(pi, "Mno-id", &text), M2M_OK);
		assert_string_equal(text, MNO1);
	}
	assert_null(profile_info(resp, F->iccid[0], &n)); /* the bootstrap: not the SM-DP's */
	m2m_ws_msg_free(resp);
	/* Only the Iccid asked. */
	resp = dp_exchange("mno1", es2_v4(M2M_WS_ES2_AUDIT_EIS, 0, SMSR1, pair, NULL), &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_non_null(profile_info(resp, pair, &n));
	assert_int_equal(n, 1);
	m2m_ws_msg_free(resp);
	/* Another MNO: the audit runs, none of mno1's profiles come back (as GetEIS). */
	resp = dp_exchange("mno2", es2_v4(M2M_WS_ES2_AUDIT_EIS, 0, SMSR1, NULL), &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_null(profile_info(resp, ts48, &n));
	assert_int_equal(n, 0);
	m2m_ws_msg_free(resp);
	/* With ReplyTo: 202, the answer (with its Eis) at the operator's endpoint. */
	m2m_ws_client *c = client("mno1");
	m2m_ws_msg *m = es2_v4(M2M_WS_ES2_AUDIT_EIS, 0, SMSR1, NULL);
	m2m_ws_result res;
	callback cb;
	char url[128];
	memset(&res, 0, sizeof res);
	memset(&cb, 0, sizeof cb);
	snprintf(url, sizeof url, "https://%s/soap/es2", smdp_es);
	assert_int_equal(m2m_ws_client_call(c, url, m, dp_cb.url, &res), M2M_OK);
	assert_true(res.accepted);
	assert_true(wait_callback(m2m_ws_msg_wsa(m)->message_id, &cb));
	assert_int_equal(cb.st.status, M2M_WS_EXECUTED_SUCCESS);
	assert_true(cb.has_eis);
	m2m_ws_result_free(&res);
	m2m_ws_msg_free(m);
	m2m_ws_client_free(c);
	assert_true(audited("ES2-AuditEIS", "EXECUTED_SUCCESS", NULL));
}

/* SetFallBackAttribute on ts48 (enabled) and SetEmergencyProfileAttribute on pair
 * (disabled), both on eUICC 0: the card, the SM-SR's store and the Eis (GetEIS through the
 * SM-DP) agree; another MNO is refused; the SM-SR's refusal is passed on. */
static void test_v4_attributes(void **state)
{
	char ts48[24], pair[24];
	const m2m_ws_node *pi;
	const char *text = NULL;
	m2m_ws_msg *resp;
	m2m_store *sdb;
	m2m_store_profile sp;
	outcome o;
	size_t n;

	(void)state;
	installed_on(0, 0, ts48);
	installed_on(0, 40, pair);
	assert_true(ts48[0] != '\0' && pair[0] != '\0');
	m2m_ws_msg_free(dp_exchange(
		"mno2", es2_v4(M2M_WS_ES2_SET_FALL_BACK_ATTRIBUTE, 0, SMSR1, ts48, NULL), &o));
	expect(&o, M2M_WS_FAILED, "1.1", "1.1");
	m2m_ws_msg_free(dp_exchange(
		"mno1", es2_v4(M2M_WS_ES2_SET_FALL_BACK_ATTRIBUTE, 0, SMSR1, ts48, NULL), &o));
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_true(card_flag(0, ts48, "fallback"));
	assert_false(card_flag(0, F->iccid[0], "fallback")); /* moved off the bootstrap */
	resp = dp_exchange("mno1", es2(M2M_WS_ES2_GET_EIS, 0, SMSR1, NULL), &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	pi = profile_info(resp, ts48, &n);
	assert_non_null(pi);
	assert_int_equal(m2m_ws_get_text(pi, "FallbackAttribute", &text), M2M_OK);
	assert_string_equal(text, "true");
	pi = profile_info(resp, pair, &n);
	assert_non_null(pi);
	assert_int_equal(m2m_ws_get_text(pi, "FallbackAttribute", &text), M2M_OK);
	assert_string_equal(text, "false");
	m2m_ws_msg_free(resp);
	assert_true(audited("ES2-SetFallBackAttribute", "EXECUTED_SUCCESS", ts48));
	/* The emergency attribute: not on the fall-back profile (the SM-SR's refusal), then on
	 * the disabled one. */
	m2m_ws_msg_free(dp_exchange("mno1",
				    es2_v4(M2M_WS_ES2_SET_EMERGENCY_PROFILE_ATTRIBUTE, 0, SMSR1,
					   ts48, NULL),
				    &o));
	expect(&o, M2M_WS_FAILED, "8.2", "1.2"); /* the SM-SR's code, as it gave it */
	assert_non_null(strstr(o.st.message, "both"));
	assert_false(card_flag(0, ts48, "emergency"));
	m2m_ws_msg_free(dp_exchange("mno1",
				    es2_v4(M2M_WS_ES2_SET_EMERGENCY_PROFILE_ATTRIBUTE, 0, SMSR1,
					   pair, NULL),
				    &o));
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_true(card_flag(0, pair, "emergency"));
	sdb = store_open(); /* the SM-SR's view */
	memset(&sp, 0, sizeof sp);
	assert_int_equal(m2m_store_profile_get_by_iccid(sdb, pair, &sp), M2M_OK);
	assert_true(sp.emergency);
	assert_false(sp.fallback);
	m2m_store_profile_clear(&sp);
	assert_int_equal(m2m_store_profile_get_by_iccid(sdb, ts48, &sp), M2M_OK);
	assert_true(sp.fallback);
	assert_false(sp.emergency);
	m2m_store_profile_clear(&sp);
	m2m_store_close(sdb);
	assert_true(audited("ES2-SetEmergencyProfileAttribute", "EXECUTED_SUCCESS", pair));
}

/* `smdp inventory`: what became of every profile. */
static void test_inventory_cli(void **state)
{
	char cmd[512], line[256], all[2048] = "";
	FILE *p;

	(void)state;
	snprintf(cmd, sizeof cmd, "'%s' smdp inventory --config '%s/smdp.ini'", M2MRSP_BINARY,
		 F->dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof line, p) != NULL)
		strncat(all, line, sizeof all - strlen(all) - 1);
	assert_int_equal(pclose(p), 0);
	assert_non_null(strstr(all, "ts48 installed 1\n"));
	assert_non_null(strstr(all, "ts48 deleted 1\n"));
	assert_non_null(strstr(all, "big available 1\n"));
	assert_non_null(strstr(all, "solo allocated 1\n"));
	assert_non_null(strstr(all, "pair installed 2\n"));
	assert_null(strstr(all, "failed"));
}

/* A second SM-DP whose [eum] holds a certificate the CI never issued for eum1, and an SM-SR
 * that does not answer: the eUICC's chain is refused (8.5.2 / 6.1), the unreachable SM-SR
 * gives 8.7 / 3.7; the profile goes back to the inventory both times. */
static void test_bad_eum_certificate_and_dead_smsr(void **state)
{
	char file[256], out[256], err[256], es[64], saved[64];
	outcome o;
	FILE *f;
	const char *d = F->dir;

	(void)state;
	path(file, sizeof file, "smdp2.ini");
	f = fopen(file, "w");
	assert_non_null(f);
	fprintf(f,
		"[smdp]\nid = smdp1\noid = " SMDP1 "\ndb = sqlite:%s/smdp2.sqlite\n"
		"master_key = %s\n"
		"[es]\nlisten = 127.0.0.1:0\ncert = %s/pki/smdp1-tls.crt\n"
		"key = %s/pki/smdp1-tls.key\nca = %s/pki/tls-ca.crt\n"
		"[gp]\nci_cert = %s/pki/ci.crt\ndp_cert = %s/pki/smdp1-ecdsa.gpcert\n"
		"dp_key = %s/pki/smdp1-ecdsa.key\n"
		"[smsr.one]\noid = " SMSR1 "\nurl = https://%s/soap/es3\n"
		"[smsr.dead]\noid = 1.3.6.1.4.1.99999.98\nurl = https://127.0.0.1:%u/soap/es3\n"
		"[callers]\nmno1 = " MNO1 "\n"
		"[eum]\n" EUM1 " = %s/pki/mno1-tls.crt\n",
		d, MASTER, d, d, d, d, d, d, F->es, free_port(), d);
	fclose(f);
	smdp_ini = "smdp2.ini";
	import("second", MNO1, 70, 1, 0);
	smdp_ini = "smdp.ini";
	path(out, sizeof out, "smdp2.out");
	path(err, sizeof err, "smdp2.err");
	char *argv[] = {M2MRSP_BINARY, "smdp", "--config", file, NULL};
	smdp2_pid = spawn(argv, out, err);
	assert_true(smdp2_pid > 0);
	assert_true(wait_line(out, "es", es, sizeof es));
	snprintf(saved, sizeof saved, "%s", smdp_es);
	snprintf(smdp_es, sizeof smdp_es, "%s", es);
	dp_call(es2(M2M_WS_ES2_DOWNLOAD_PROFILE, 0, SMSR1, "ProfileType", "second",
		    "EnableProfile", "true", NULL),
		false, &o, NULL, 0);
	outcome dead, dead_audit;
	dp_call(es2(M2M_WS_ES2_DOWNLOAD_PROFILE, 0, "1.3.6.1.4.1.99999.98", "ProfileType",
		    "second", "EnableProfile", "true", NULL),
		false, &dead, NULL, 0);
	m2m_ws_msg_free(dp_exchange(
		"mno1", es2_v4(M2M_WS_ES2_AUDIT_EIS, 0, "1.3.6.1.4.1.99999.98", NULL), &dead_audit));
	snprintf(smdp_es, sizeof smdp_es, "%s", saved);
	stop(&smdp2_pid, SIGTERM);
	expect(&o, M2M_WS_FAILED, "8.5.2", "6.1");
	expect(&dead, M2M_WS_FAILED, "8.7", "3.7");
	assert_non_null(strstr(dead.st.message, "unreachable"));
	expect(&dead_audit, M2M_WS_FAILED, "8.7", "3.7"); /* as GetEIS: SM-SR unreachable */
	assert_int_equal(sh("'%s' smdp inventory --config '%s' | grep -qx 'second available 1'",
			    M2MRSP_BINARY, file),
			 0);
}

/* ---- the ISD-P key set handed to the operator (`smdp keys`, docs/smdp.md) ---- */

/* `m2mrsp smdp keys --config DIR/cfg ARGS`, stdout and stderr to the test directory's
 * keys.out and keys.err; the exit code. */
static int smdp_keys(const char *cfg, const char *args)
{
	int rc = sh("'%s' smdp keys --config '%s/%s' %s >'%s/keys.out' 2>'%s/keys.err'",
		    M2MRSP_BINARY, F->dir, cfg, args, F->dir, F->dir);

	assert_true(WIFEXITED(rc));
	return WEXITSTATUS(rc);
}

/* The test directory's file name into buf ("" when missing). */
static void slurp(const char *name, char *buf, size_t cap)
{
	char file[256];
	size_t n = 0;
	FILE *f;

	path(file, sizeof file, name);
	f = fopen(file, "r");
	if (f != NULL) {
		n = fread(buf, 1, cap - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
}

/* The GP key check value of the hex AES key: AES-ECB(key, 16 bytes of 01), the first 3
 * bytes, in upper-case hex; computed with OpenSSL's EVP, apart from the code under test. */
static void kcv_of(const char *hex, char out[7])
{
	uint8_t key[32], in[16], block[32];
	size_t len = strlen(hex) / 2;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0;

	assert_non_null(c);
	assert_true(len == 16 || len == 24 || len == 32);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(sscanf(hex + 2 * i, "%2hhx", &key[i]), 1);
	memset(in, 0x01, sizeof in);
	assert_int_equal(EVP_EncryptInit_ex(c,
					    len == 16   ? EVP_aes_128_ecb()
					    : len == 24 ? EVP_aes_192_ecb()
							: EVP_aes_256_ecb(),
					    NULL, key, NULL),
			 1);
	assert_int_equal(EVP_CIPHER_CTX_set_padding(c, 0), 1);
	assert_int_equal(EVP_EncryptUpdate(c, block, &n, in, sizeof in), 1);
	assert_int_equal(n, 16);
	snprintf(out, 7, "%02X%02X%02X", block[0], block[1], block[2]);
	EVP_CIPHER_CTX_free(c);
}

/* The installed profile of the batch first..first+n-1 the SM-DP put on dev. */
static void installed_iccid(int dev, int first, int n, char iccid[24])
{
	m2m_store *sdb = smdp_store();
	m2m_smdp_profile p;
	char want[24];

	iccid[0] = '\0';
	for (int k = first; k < first + n; k++) {
		iccid_of(k, want);
		assert_int_equal(m2m_store_smdp_profile_get(sdb, want, &p), M2M_OK);
		if (p.state == M2M_SMDP_INSTALLED && strcmp(p.eid, F->eid[dev]) == 0)
			snprintf(iccid, 24, "%s", want);
	}
	m2m_store_close(sdb);
	assert_true(iccid[0] != '\0');
}

/* o's string member key, which must be there. */
static const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	assert_non_null(s);
	return s;
}

/* The exported key set (one JSON line) is the one the card's ISD-P holding its ICCID has:
 * EID, ISD-P AID, KVN, and the key check value of ENC (id 01), MAC (02) and DEK (03) as the
 * farm's control API shows them. */
static void assert_card_has_keys(int dev, const char *line)
{
	static const char *const names[] = {"enc", "mac", "dek"};
	json_error_t jerr;
	json_t *ks = json_loads(line, 0, &jerr), *card, *isdp = NULL, *p, *k;
	const char *iccid;
	char what[96], kcv[7], other[7];
	m2m_buf b;
	size_t i, j;

	assert_non_null(ks);
	iccid = jstr(ks, "iccid");
	assert_int_equal(strcasecmp(jstr(ks, "eid"), F->eid[dev]), 0);
	m2m_buf_init(&b);
	snprintf(what, sizeof what, "/devices/%s", F->eid[dev]);
	farm_get(what, &b);
	card = json_loads((const char *)b.data, 0, &jerr);
	assert_non_null(card);
	json_array_foreach(json_object_get(card, "isdps"), i, p)
		if (json_string_value(json_object_get(p, "iccid")) != NULL &&
		    strcmp(json_string_value(json_object_get(p, "iccid")), iccid) == 0)
			isdp = p;
	assert_non_null(isdp);
	assert_int_equal(strcasecmp(jstr(ks, "isdp_aid"), jstr(isdp, "aid")), 0);
	p = json_object_get(isdp, "scp03");
	assert_non_null(p);
	assert_int_equal(json_integer_value(json_object_get(ks, "kvn")), 0x30);
	assert_int_equal(json_integer_value(json_object_get(p, "kvn")),
			 json_integer_value(json_object_get(ks, "kvn")));
	assert_int_equal(json_array_size(json_object_get(p, "keys")), 3);
	json_array_foreach(json_object_get(p, "keys"), j, k) {
		json_int_t id = json_integer_value(json_object_get(k, "id"));
		const char *hex;
		assert_true(id >= 1 && id <= 3);
		hex = jstr(ks, names[id - 1]);
		assert_int_equal(strlen(hex), 2 * json_integer_value(json_object_get(k, "length")));
		kcv_of(hex, kcv);
		assert_string_equal(kcv, jstr(k, "kcv"));
		/* The comparison can fail: another key of the set does not check. */
		kcv_of(jstr(ks, names[id % 3]), other);
		assert_string_not_equal(other, kcv);
	}
	json_decref(card);
	json_decref(ks);
	m2m_buf_free(&b);
}

/* `smdp keys` of eUICC 0's ts48 profile (keys = keep, the harness's): a new file of mode 0600
 * whose key set the card's ISD-P has; kept, so a second export gives it again. The
 * refusals: an unknown ICCID (1, and no file left), a deleted profile (1), --out naming an
 * existing file (3, the file untouched), no --iccid (2). */
static void test_keys_export(void **state)
{
	char iccid[24], deleted[24] = "", args[512], file[256], first[1024], again[1024];
	char msg[1024];
	m2m_store *sdb;
	m2m_smdp_profile p;
	struct stat sb;
	FILE *f;

	(void)state;
	installed_iccid(0, 0, 2, iccid);
	path(file, sizeof file, "keys-ts48.json");
	snprintf(args, sizeof args, "--iccid %s --out '%s'", iccid, file);
	assert_int_equal(smdp_keys("smdp.ini", args), 0);
	assert_int_equal(stat(file, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	slurp("keys-ts48.json", first, sizeof first);
	assert_non_null(strchr(first, '\n'));
	assert_ptr_equal(strchr(first, '\n'), first + strlen(first) - 1); /* one line */
	assert_card_has_keys(0, first);
	slurp("keys.out", again, sizeof again);
	assert_string_equal(again, ""); /* with --out nothing on stdout */
	/* keep: the SM-DP still holds it; to stdout the second time. */
	snprintf(args, sizeof args, "--iccid %s", iccid);
	assert_int_equal(smdp_keys("smdp.ini", args), 0);
	slurp("keys.out", again, sizeof again);
	assert_string_equal(again, first);
	/* An unknown ICCID: refused, and no key file left behind. */
	iccid_of(99, deleted);
	path(file, sizeof file, "keys-none.json");
	snprintf(args, sizeof args, "--iccid %s --out '%s'", deleted, file);
	assert_int_equal(smdp_keys("smdp.ini", args), 1);
	slurp("keys.err", msg, sizeof msg);
	assert_non_null(strstr(msg, "unknown ICCID"));
	assert_int_equal(access(file, F_OK), -1);
	/* The ts48 profile test_profile_functions deleted: not installed. */
	deleted[0] = '\0';
	sdb = smdp_store();
	for (int k = 0; k < 2; k++) {
		char want[24];
		iccid_of(k, want);
		assert_int_equal(m2m_store_smdp_profile_get(sdb, want, &p), M2M_OK);
		if (p.state == M2M_SMDP_DELETED)
			snprintf(deleted, sizeof deleted, "%s", want);
	}
	m2m_store_close(sdb);
	assert_true(deleted[0] != '\0');
	snprintf(args, sizeof args, "--iccid %s", deleted);
	assert_int_equal(smdp_keys("smdp.ini", args), 1);
	slurp("keys.err", msg, sizeof msg);
	assert_non_null(strstr(msg, "not installed"));
	slurp("keys.out", again, sizeof again);
	assert_string_equal(again, "");
	/* --out naming an existing file: I/O refusal, the file as it was. */
	path(file, sizeof file, "keys-existing.json");
	f = fopen(file, "w");
	assert_non_null(f);
	fputs("the operator's file\n", f);
	fclose(f);
	snprintf(args, sizeof args, "--iccid %s --out '%s'", iccid, file);
	assert_int_equal(smdp_keys("smdp.ini", args), 3);
	slurp("keys.err", msg, sizeof msg);
	assert_non_null(strstr(msg, "keys-existing.json"));
	slurp("keys-existing.json", again, sizeof again);
	assert_string_equal(again, "the operator's file\n");
	/* Usage: no --iccid. */
	assert_int_equal(smdp_keys("smdp.ini", ""), 2);
	slurp("keys.out", again, sizeof again);
	assert_string_equal(again, "");
}

/* keys = handover (the harness's configuration with that one key more, same database): the
 * ts48v1 profile on eUICC 1 is exported (the card has that key set), then the SM-DP no
 * longer holds it: a second export is refused, with either configuration, and the store has
 * no key set for it; eUICC 0's profile (not exported under handover) still has its own. */
static void test_keys_handover(void **state)
{
	char ini[4096], file[256], args[512], line[1024], msg[1024], iccid[24], kept[24];
	m2m_store *sdb;
	m2m_buf b;
	char *at;
	FILE *f;

	(void)state;
	slurp("smdp.ini", ini, sizeof ini);
	at = strstr(ini, "[download]\n");
	assert_non_null(at);
	path(file, sizeof file, "smdp-handover.ini");
	f = fopen(file, "w");
	assert_non_null(f);
	fprintf(f, "%.*s[download]\nkeys = handover\n%s", (int)(at - ini), ini,
		at + strlen("[download]\n"));
	fclose(f);
	installed_iccid(1, 50, 1, iccid);
	path(file, sizeof file, "keys-ts48v1.json");
	snprintf(args, sizeof args, "--iccid %s --out '%s'", iccid, file);
	assert_int_equal(smdp_keys("smdp-handover.ini", args), 0);
	slurp("keys.err", msg, sizeof msg);
	assert_non_null(strstr(msg, "handed over"));
	slurp("keys-ts48v1.json", line, sizeof line);
	assert_card_has_keys(1, line);
	for (int k = 0; k < 2; k++) {
		snprintf(args, sizeof args, "--iccid %s", iccid);
		assert_int_equal(smdp_keys(k == 0 ? "smdp-handover.ini" : "smdp.ini", args), 1);
		slurp("keys.err", msg, sizeof msg);
		assert_non_null(strstr(msg, "no key set kept"));
	}
	m2m_buf_init(&b);
	sdb = smdp_store();
	assert_int_equal(m2m_store_smdp_keys_get(sdb, iccid, &b), M2M_END);
	installed_iccid(0, 0, 2, kept);
	assert_int_equal(m2m_store_smdp_keys_get(sdb, kept, &b), M2M_OK);
	assert_true(b.len > 0);
	m2m_wipe(b.data, b.len);
	m2m_buf_free(&b);
	m2m_store_close(sdb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_profile_type),
		cmocka_unit_test(test_exhausted_inventory),
		cmocka_unit_test(test_not_enough_memory),
		cmocka_unit_test(test_unknown_eid),
		cmocka_unit_test(test_unknown_smsr),
		cmocka_unit_test(test_relays),
		cmocka_unit_test(test_v4_refusals),
		cmocka_unit_test(test_download_and_enable),
		cmocka_unit_test(test_enable_notification_reaches_operator),
		cmocka_unit_test(test_smsr_cannot_read_the_profile),
		cmocka_unit_test(test_download_retry),
		cmocka_unit_test(test_profile_functions),
		cmocka_unit_test(test_notification_passed_on),
		cmocka_unit_test(test_parallel_downloads),
		cmocka_unit_test(test_v4_audit_eis),
		cmocka_unit_test(test_v4_attributes),
		cmocka_unit_test(test_other_ts48_packages),
		cmocka_unit_test(test_keys_export),
		cmocka_unit_test(test_keys_handover),
		cmocka_unit_test(test_inventory_cli),
		cmocka_unit_test(test_bad_eum_certificate_and_dead_smsr),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, smdp_teardown);
}
