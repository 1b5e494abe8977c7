/*
 * End to end ES2 (operator -> SM-DP -> SM-SR -> eUICC): `m2mrsp pki init`, the farm with
 * HTTPS-capable eUICCs, `m2mrsp smsr` with [scp81] enabled, `m2mrsp smdp import` of a TS.48
 * batch and `m2mrsp smdp` as processes; this program is the operator (mno1's TLS identity)
 * calling the SM-DP's ES2. DownloadProfile with EnableProfile installs and enables a profile
 * on the card (checked through the farm's control API); retries, parallel downloads, the
 * three TS.48 packages, the relayed profile functions, notifications both ways, and that the
 * SM-SR never sees Ki, OPc or IMSI; the refusals: unknown profile type, exhausted inventory,
 * not enough memory on the eUICC, unknown EID, unknown SM-SR, a profile function on a
 * profile the SM-DP did not install or of another MNO.
 */
#define _GNU_SOURCE
#define NDEV 2

#include "e2e_harness.h"

#include "smdp_harness.h"

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

/* Two downloads at once (two workers), answered at ReplyTo: each eUICC gets its own
 * profile of the type. */
static void test_parallel_downloads(void **state)
{
	m2m_ws_client *c = client("mno1");
	m2m_ws_msg *m[2];
	m2m_ws_result res;
	callback cb[2];
	char url[128], st[32];

	(void)state;
	snprintf(url, sizeof url, "https://%s/soap/es2", smdp_es);
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
	outcome dead;
	dp_call(es2(M2M_WS_ES2_DOWNLOAD_PROFILE, 0, "1.3.6.1.4.1.99999.98", "ProfileType",
		    "second", "EnableProfile", "true", NULL),
		false, &dead, NULL, 0);
	snprintf(smdp_es, sizeof smdp_es, "%s", saved);
	stop(&smdp2_pid, SIGTERM);
	expect(&o, M2M_WS_FAILED, "8.5.2", "6.1");
	expect(&dead, M2M_WS_FAILED, "8.7", "3.7");
	assert_non_null(strstr(dead.st.message, "unreachable"));
	assert_int_equal(sh("'%s' smdp inventory --config '%s' | grep -qx 'second available 1'",
			    M2MRSP_BINARY, file),
			 0);
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
		cmocka_unit_test(test_download_and_enable),
		cmocka_unit_test(test_enable_notification_reaches_operator),
		cmocka_unit_test(test_smsr_cannot_read_the_profile),
		cmocka_unit_test(test_download_retry),
		cmocka_unit_test(test_profile_functions),
		cmocka_unit_test(test_notification_passed_on),
		cmocka_unit_test(test_parallel_downloads),
		cmocka_unit_test(test_other_ts48_packages),
		cmocka_unit_test(test_inventory_cli),
		cmocka_unit_test(test_bad_eum_certificate_and_dead_smsr),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, smdp_teardown);
}
