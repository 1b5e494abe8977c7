/*
 * End to end ES3 (SM-DP -> SM-SR): `m2mrsp pki init`, `m2mrsp devices init/run` (one eUICC
 * with the TS.48 bootstrap), `m2mrsp smsr import` and `m2mrsp smsr` as processes; this program
 * is the SM-DP (ws client with the smdp1 certificate) and its ReplyTo endpoint. GetEIS,
 * CreateISDP, ProfileDownloadCompleted, EnableProfile and DeleteISDP (docs/smsr.md "ES3"),
 * and their FunctionCallIdentifier: a repeat of a finished call, of a running one (the card
 * switched off meanwhile), the identifier re-used for another request. Jobs and profile rows
 * are counted in the SM-SR's store.
 */
#define _POSIX_C_SOURCE 200809L
#define NDEV 1
#include "e2e_harness.h"

#define SMDP1 "1.3.6.1.4.1.99999.20"

/* ---- set-up ---- */

static void write_config(void)
{
	FILE *f = config_begin();

	fprintf(f,
		/* por_timeout over the card's 3 s switched off in test_create_isdp_running: the
		 * command waits for it, sent once */
		"por_timeout = 8000\n"
		"[engine]\nconcurrency = 8\nretries = 5\nbackoff = 300\nlease = 40000\npoll = 50\n"
		"[callers]\nmno1 = " MNO1 "\nsmdp1 = " SMDP1 "\n");
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	fixture_new("/tmp/m2m_e2e_XXXXXX", M2M_WS_ROLE_SMDP, "es3");
	make_devices(false);
	start_farm(NULL);
	write_config();
	import_and_start_smsr();
	return 0;
}

/* ---- FunctionCallIdentifier: answers and the store ---- */

/* One ES3 call by smdp1 (m taken over); reply_to NULL: held. */
static void es3_send(m2m_ws_msg *m, const char *reply_to, answer *a)
{
	send_as(F->es, "smdp1", 20000, m, reply_to, a);
}

static m2m_ws_msg *create_req(const char *fcid, const char *iccid, const char *mem)
{
	return request(M2M_WS_ES3_CREATE_ISDP, fcid, 0, "Iccid", iccid, "Mno-id", MNO1,
		       "RequiredMemory", mem, NULL);
}

/* Profile rows of the eUICC with the ICCID; the AID of the last into aid. */
static size_t rows_of(const char *iccid, char aid[40])
{
	m2m_store *st = store_open();
	m2m_store_profile *list = NULL;
	size_t n = 0, found = 0;

	aid[0] = '\0';
	assert_int_equal(m2m_store_profile_list(st, F->eid[0], &list, &n), M2M_OK);
	for (size_t k = 0; k < n; k++)
		if (strcmp(list[k].iccid, iccid) == 0) {
			found++;
			snprintf(aid, 40, "%s", list[k].isdp_aid);
		}
	m2m_store_profile_list_free(list, n);
	m2m_store_close(st);
	return found;
}

/* ---- the SM-DP ---- */

/* GetEIS for an SM-DP: the eUICC's data, none of the MNO's (imported) profiles. */
static void test_get_eis(void **state)
{
	outcome o;

	(void)state;
	call("smdp1", M2M_WS_ES3_GET_EIS, NULL, 0, false, false,
	     request(M2M_WS_ES3_GET_EIS, "auto-1", 0, NULL), &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_true(o.has_eis);
	call("smdp1", M2M_WS_ES3_GET_EIS, NULL, -1, false, false,
	     request(M2M_WS_ES3_GET_EIS, "auto-2", -1, NULL), &o);
	expect(&o, M2M_WS_FAILED, "8.1.1", "3.9");
}

/* The eUICC's Eis as the SM-DP sees it has no ProfileInfo for the bootstrap profile. */
static void test_get_eis_hides_mno_profiles(void **state)
{
	m2m_ws_client *c = client("smdp1");
	m2m_ws_msg *m = request(M2M_WS_ES3_GET_EIS, "auto-3", 0, NULL);
	m2m_ws_result res;
	char url[128];
	const m2m_ws_node *eis;

	(void)state;
	memset(&res, 0, sizeof res);
	snprintf(url, sizeof url, "https://%s/soap/es3", F->es);
	assert_int_equal(m2m_ws_client_call(c, url, m, NULL, &res), M2M_OK);
	assert_non_null(res.response);
	eis = m2m_ws_find(m2m_ws_msg_body(res.response), "Eis");
	assert_non_null(eis);
	assert_null(m2m_ws_find(eis, "ProfileInfo"));
	assert_non_null(m2m_ws_find(eis, "EumSignedInfo/Eid"));
	m2m_ws_result_free(&res);
	m2m_ws_msg_free(m);
	m2m_ws_client_free(c);
}

static void test_create_isdp_refusals(void **state)
{
	outcome o;

	(void)state;
	/* The bootstrap profile's ICCID is taken. */
	call("smdp1", M2M_WS_ES3_CREATE_ISDP, "c-1", 0, false, true,
	     request(M2M_WS_ES3_CREATE_ISDP, "c-1", 0, "Iccid", F->iccid[0], "Mno-id", MNO1,
		     "RequiredMemory", "30000", NULL),
	     &o);
	expect(&o, M2M_WS_FAILED, "8.2.1", "3.3");
	assert_false(o.accepted);
	call("smdp1", M2M_WS_ES3_CREATE_ISDP, "c-2", -1, false, true,
	     request(M2M_WS_ES3_CREATE_ISDP, "c-2", -1, "Iccid", "8988299000000009991",
		     "Mno-id", MNO1, "RequiredMemory", "30000", NULL),
	     &o);
	expect(&o, M2M_WS_FAILED, "8.1.1", "3.9");
	/* ReplyTo none: no way to send the answer with its Isd-p-aid (without ReplyTo the
	 * exchange is held: test_smsr_senddata). */
	call_reply_to("smdp1", M2M_WS_ES3_CREATE_ISDP, M2M_WS_WSA_NONE,
		      request(M2M_WS_ES3_CREATE_ISDP, "c-3", 0, "Iccid", "8988299000000009991",
			      "Mno-id", MNO1, "RequiredMemory", "30000", NULL),
		      &o);
	expect(&o, M2M_WS_FAILED, "1.6", "2.1");
	/* An MNO may not call ES3 at all (the ws layer's role check). */
	call("mno1", M2M_WS_ES3_GET_EIS, NULL, 0, false, false,
	     request(M2M_WS_ES3_GET_EIS, "auto-4", 0, NULL), &o);
	assert_int_equal(o.st.status, M2M_WS_FAILED);
}

/* CreateISDP c-ok (first answer o) repeated after it ended, with ReplyTo and held: the
 * recorded answer at once, Isd-p-aid included; still one job and at most one row (none when
 * the creation failed). The identifier with another RequiredMemory: FAILED 1.6 / 3.3. */
static void test_create_isdp_repeat(const outcome *o, const char *aid)
{
	answer first, a;
	char row_aid[40];
	jobs_seen seen;

	memset(&first, 0, sizeof first);
	first.st = o->st;
	snprintf(first.aid, sizeof first.aid, "%s", aid);
	es3_send(create_req("c-ok", "8988299000000009992", "30000"), F->cb_url, &a);
	assert_false(a.accepted);
	same_answer(&a, &first);
	es3_send(create_req("c-ok", "8988299000000009992", "30000"), NULL, &a);
	same_answer(&a, &first);
	assert_int_equal(jobs_for_call(NULL, F->eid[0], "c-ok", &seen), 1);
	assert_int_equal(seen.open, 0);
	assert_int_equal(rows_of("8988299000000009992", row_aid),
			 o->st.status == M2M_WS_EXECUTED_SUCCESS ? 1 : 0);
	es3_send(create_req("c-ok", "8988299000000009992", "40000"), F->cb_url, &a);
	assert_false(a.accepted);
	assert_int_equal(a.st.status, M2M_WS_FAILED);
	assert_string_equal(a.st.subject, "1.6");
	assert_string_equal(a.st.reason, "3.3");
	assert_int_equal(jobs_for_call(NULL, F->eid[0], "c-ok", NULL), 1);
}

/* CreateISDP c-run while the card is switched off (3 s: the job cannot end before), then
 * two repeats: one with ReplyTo (202, answered there when the job ends), one held (answered
 * on its exchange when the job ends). All three answers alike, with the same Isd-p-aid; one
 * job; the row, if the card created it, has that AID. */
static void test_create_isdp_running(void **state)
{
	answer a, b, c;
	char row_aid[40];
	jobs_seen seen;

	(void)state;
	farm_switch_off(0, 3);
	es3_send(create_req("c-run", "8988299000000009995", "30000"), F->cb_url, &a);
	assert_true(a.accepted);
	es3_send(create_req("c-run", "8988299000000009995", "30000"), F->cb_url, &b);
	assert_true(b.accepted);
	/* Still running (the card is off): the held repeat below waits for the job. */
	assert_int_equal(jobs_for_call(NULL, F->eid[0], "c-run", &seen), 1);
	assert_int_equal(seen.open, 1);
	es3_send(create_req("c-run", "8988299000000009995", "30000"), NULL, &c);
	assert_false(c.accepted);
	assert_true(c.aid[0] != '\0');
	await_answer(&a);
	await_answer(&b);
	same_answer(&a, &c);
	same_answer(&b, &c);
	assert_int_equal(jobs_for_call(NULL, F->eid[0], "c-run", &seen), 1);
	assert_int_equal(seen.open, 0);
	if (c.st.status == M2M_WS_EXECUTED_SUCCESS) {
		assert_int_equal(rows_of("8988299000000009995", row_aid), 1);
		assert_string_equal(row_aid, c.aid);
	} else {
		print_message("CreateISDP c-run ended %s %s/%s: %s\n",
			      m2m_ws_status_name(c.st.status), c.st.subject, c.st.reason,
			      c.st.message);
		assert_int_equal(rows_of("8988299000000009995", row_aid), 0);
	}
}

/* CreateISDP accepted: the answer goes to ReplyTo with the allocated ISD-P AID (TAR 000011,
 * the bootstrap ISD-P has 000010); the store holds the row CREATED exactly when the card
 * created it, and nothing when the creation failed. */
static void test_create_isdp(void **state)
{
	static const char aid[] = "A0000005591010FFFFFFFF8900001100";
	m2m_store *st;
	m2m_store_profile p;
	outcome o;
	m2m_err err;

	(void)state;
	call("smdp1", M2M_WS_ES3_CREATE_ISDP, "c-ok", 0, false, true,
	     request(M2M_WS_ES3_CREATE_ISDP, "c-ok", 0, "Iccid", "8988299000000009992",
		     "Mno-id", MNO1, "RequiredMemory", "30000", NULL),
	     &o);
	assert_true(o.accepted);
	pthread_mutex_lock(&F->lock);
	for (size_t k = 0; k < F->ncb; k++)
		if (strcmp(F->cb[k].relates_to, o.mid) == 0)
			assert_string_equal(F->cb[k].aid, aid);
	pthread_mutex_unlock(&F->lock);
	st = store_open();
	memset(&p, 0, sizeof p);
	err = m2m_store_profile_get_by_iccid(st, "8988299000000009992", &p);
	if (o.st.status == M2M_WS_EXECUTED_SUCCESS) {
		assert_int_equal(err, M2M_OK);
		assert_string_equal(p.isdp_aid, aid);
		assert_int_equal(p.state, M2M_STORE_PROFILE_CREATED);
		assert_string_equal(p.smdp_id, SMDP1);
		assert_string_equal(p.mno_id, MNO1);
	} else {
		print_message("CreateISDP ended %s %s/%s: %s\n", m2m_ws_status_name(o.st.status),
			      o.st.subject, o.st.reason, o.st.message);
		assert_int_equal(err, M2M_END);
	}
	m2m_store_profile_clear(&p);
	m2m_store_close(st);
	test_create_isdp_repeat(&o, aid);
}

/* A profile as CreateISDP leaves it (written here: the ISD-P need not exist on the card for
 * the store-only ProfileDownloadCompleted). */
static void put_created(const char *iccid, const char *aid, const char *smdp)
{
	m2m_store *st = store_open();
	m2m_store_profile p;

	memset(&p, 0, sizeof p);
	snprintf(p.eid, sizeof p.eid, "%s", F->eid[0]);
	snprintf(p.isdp_aid, sizeof p.isdp_aid, "%s", aid);
	snprintf(p.iccid, sizeof p.iccid, "%s", iccid);
	snprintf(p.mno_id, sizeof p.mno_id, "%s", MNO1);
	snprintf(p.smdp_id, sizeof p.smdp_id, "%s", smdp);
	p.state = M2M_STORE_PROFILE_CREATED;
	assert_int_equal(m2m_store_profile_put(st, &p), M2M_OK);
	m2m_store_close(st);
}

static m2m_ws_msg *completed(const char *fcid, const char *iccid, bool extras)
{
	m2m_ws_msg *m = request(M2M_WS_ES3_PROFILE_DOWNLOAD_COMPLETED, fcid, 0, "Iccid", iccid,
				NULL);
	m2m_ws_node *sa = NULL, *pol2 = NULL, *rule = NULL;

	if (!extras)
		return m;
	assert_int_equal(m2m_ws_add(m, NULL, "ProfileType", "ts48-test", NULL), M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "SubscriptionAddress", NULL, &sa), M2M_OK);
	assert_int_equal(m2m_ws_add(m, sa, "Msisdn", "882990000000777", NULL), M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "pol2", NULL, &pol2), M2M_OK);
	assert_int_equal(m2m_ws_add(m, pol2, "Rule", NULL, &rule), M2M_OK);
	assert_int_equal(m2m_ws_add(m, rule, "Subject", "PROFILE", NULL), M2M_OK);
	assert_int_equal(m2m_ws_add(m, rule, "Action", "DISABLE", NULL), M2M_OK);
	assert_int_equal(m2m_ws_add(m, rule, "Qualification", "Not-Allowed", NULL), M2M_OK);
	return m;
}

static void test_download_completed(void **state)
{
	static const char aid[] = "A0000005591010FFFFFFFF8900002000";
	m2m_store *st;
	m2m_store_profile p;
	outcome o;

	(void)state;
	put_created("8988299000000009993", aid, SMDP1);
	put_created("8988299000000009994", "A0000005591010FFFFFFFF8900002100",
		    "1.3.6.1.4.1.99999.21");
	call("smdp1", M2M_WS_ES3_PROFILE_DOWNLOAD_COMPLETED, NULL, 0, false, false,
	     completed("auto-6", "8988299000000009990", false), &o);
	expect(&o, M2M_WS_FAILED, "8.2.1", "3.9");
	/* Created by another SM-DP; the bootstrap profile (ENABLED, no SM-DP) likewise. */
	call("smdp1", M2M_WS_ES3_PROFILE_DOWNLOAD_COMPLETED, NULL, 0, false, false,
	     completed("auto-7", "8988299000000009994", false), &o);
	expect(&o, M2M_WS_FAILED, "1.1", "1.1");
	call("smdp1", M2M_WS_ES3_PROFILE_DOWNLOAD_COMPLETED, NULL, 0, false, false,
	     completed("auto-8", F->iccid[0], false), &o);
	expect(&o, M2M_WS_FAILED, "1.1", "1.1");
	call("smdp1", M2M_WS_ES3_PROFILE_DOWNLOAD_COMPLETED, NULL, 0, false, false,
	     completed("auto-9", "8988299000000009993", true), &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	st = store_open();
	memset(&p, 0, sizeof p);
	assert_int_equal(m2m_store_profile_get_by_iccid(st, "8988299000000009993", &p), M2M_OK);
	assert_int_equal(p.state, M2M_STORE_PROFILE_DISABLED);
	assert_int_equal(p.pol2, M2M_POL2_DISABLE_NOT_ALLOWED);
	assert_string_equal(p.msisdn, "882990000000777");
	assert_string_equal(p.profile_type, "ts48-test");
	m2m_store_profile_clear(&p);
	/* DISABLED (completed, or seen installed by an audit): a repeat is accepted. */
	call("smdp1", M2M_WS_ES3_PROFILE_DOWNLOAD_COMPLETED, NULL, 0, false, false,
	     completed("auto-10", "8988299000000009993", true), &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	/* ENABLED: no longer a download to complete. */
	assert_int_equal(m2m_store_profile_set_state(st, F->eid[0], aid,
						     M2M_STORE_PROFILE_ENABLED, 0),
			 M2M_OK);
	call("smdp1", M2M_WS_ES3_PROFILE_DOWNLOAD_COMPLETED, NULL, 0, false, false,
	     completed("auto-11", "8988299000000009993", false), &o);
	expect(&o, M2M_WS_FAILED, "8.2", "1.2");
	assert_int_equal(m2m_store_profile_set_state(st, F->eid[0], aid,
						     M2M_STORE_PROFILE_DISABLED, 0),
			 M2M_OK);
	m2m_store_close(st);
	/* Now the SM-DP sees its profile in GetEIS. */
	call("smdp1", M2M_WS_ES3_GET_EIS, NULL, 0, false, false,
	     request(M2M_WS_ES3_GET_EIS, "auto-5", 0, NULL), &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
}

/* EnableProfile / DeleteISDP from the SM-DP: only on its profiles, ReplyTo needed, POL2; the
 * profile of test_download_completed exists in the store only, so the card refuses the
 * command for an unknown ISD-P (6A88 -> 8.3.1 / 3.9, docs/es5.md): the job went to the card
 * and back. */
static void test_profile_calls(void **state)
{
	outcome o;

	(void)state;
	call("smdp1", M2M_WS_ES3_ENABLE_PROFILE, NULL, 0, false, true,
	     request(M2M_WS_ES3_ENABLE_PROFILE, "e-1", 0, "Iccid", F->iccid[0], NULL), &o);
	expect(&o, M2M_WS_FAILED, "1.1", "1.1");
	call_reply_to("smdp1", M2M_WS_ES3_ENABLE_PROFILE, M2M_WS_WSA_NONE,
		      request(M2M_WS_ES3_ENABLE_PROFILE, "e-2", 0, "Iccid",
			      "8988299000000009993", NULL),
		      &o);
	expect(&o, M2M_WS_FAILED, "1.6", "2.1");
	/* POL2 of ProfileDownloadCompleted: DISABLE Not-Allowed; the profile is DISABLED, so
	 * enabling is allowed and goes to the card. */
	call("smdp1", M2M_WS_ES3_ENABLE_PROFILE, NULL, 0, false, true,
	     request(M2M_WS_ES3_ENABLE_PROFILE, "e-3", 0, "Iccid", "8988299000000009993", NULL),
	     &o);
	assert_true(o.accepted);
	expect(&o, M2M_WS_FAILED, "8.3.1", "3.9");
	/* Its repeat: the recorded answer at once (not 202), no second card job. */
	call("smdp1", M2M_WS_ES3_ENABLE_PROFILE, NULL, 0, false, true,
	     request(M2M_WS_ES3_ENABLE_PROFILE, "e-3", 0, "Iccid", "8988299000000009993", NULL),
	     &o);
	assert_false(o.accepted);
	expect(&o, M2M_WS_FAILED, "8.3.1", "3.9");
	assert_int_equal(jobs_for_call(NULL, F->eid[0], "e-3", NULL), 1);
	/* e-3 for DisableProfile: another request. */
	call("smdp1", M2M_WS_ES3_DISABLE_PROFILE, NULL, 0, false, true,
	     request(M2M_WS_ES3_DISABLE_PROFILE, "e-3", 0, "Iccid", "8988299000000009993", NULL),
	     &o);
	assert_false(o.accepted);
	expect(&o, M2M_WS_FAILED, "1.6", "3.3");
	assert_int_equal(jobs_for_call(NULL, F->eid[0], "e-3", NULL), 1);
	call("smdp1", M2M_WS_ES3_DELETE_ISDP, NULL, 0, false, true,
	     request(M2M_WS_ES3_DELETE_ISDP, "d-1", 0, "Iccid", "8988299000000009994", NULL), &o);
	expect(&o, M2M_WS_FAILED, "1.1", "1.1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_eis),
		cmocka_unit_test(test_get_eis_hides_mno_profiles),
		cmocka_unit_test(test_create_isdp_refusals),
		cmocka_unit_test(test_create_isdp),
		cmocka_unit_test(test_create_isdp_running),
		cmocka_unit_test(test_download_completed),
		cmocka_unit_test(test_profile_calls),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
