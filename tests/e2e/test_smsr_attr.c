/*
 * End to end, ES4 / ES3 SetFallBackAttribute and SetEmergencyProfileAttribute
 * (docs/smsr-attr.md): `m2mrsp pki init`, `m2mrsp devices init --second-profile` (three
 * eUICCs: the TS.48 bootstrap enabled in ISD-P 000010 with the fall-back attribute, a second
 * profile disabled in 000011), `m2mrsp devices run` (SMS only), `m2mrsp smsr import` and
 * `m2mrsp smsr` as processes. This program is the operators (mno1, mno2, m2msp1 over ES4,
 * smdp1 over ES3) and reads the card's state from the farm's control API.
 */
#define _POSIX_C_SOURCE 200809L
#define NDEV 3
#include "e2e_harness.h"

#define SMDP1 "1.3.6.1.4.1.99999.20"
#define SMDP2 "1.3.6.1.4.1.99999.21"
#define M2MSP1 "1.3.6.1.4.1.99999.30"
#define AID_CREATED "A0000005591010FFFFFFFF8900001200"
#define ICCID_CREATED "8999000000000000099"

static int setup(void **state)
{
	FILE *f;

	(void)state;
	fixture_new("/tmp/m2m_attr_XXXXXX", M2M_WS_ROLE_MNO, "es4");
	make_devices(true);
	start_farm(NULL);
	f = config_begin();
	fprintf(f, "por_timeout = 2000\n"
		   "[engine]\nconcurrency = 8\nretries = 5\nbackoff = 300\nlease = 3000\npoll = 50\n"
		   "[callers]\nmno1 = " MNO1 "\nsmdp1 = " SMDP1 "\nm2msp1 = " M2MSP1 "\n");
	fclose(f);
	import_and_start_smsr();
	return 0;
}

/* ---- helpers ---- */

/* fn by who on dev's profile iccid; with_reply: ReplyTo our endpoint, else held. */
static void attr(const char *who, m2m_ws_fn fn, const char *fcid, int dev, const char *iccid,
		 bool with_reply, outcome *o)
{
	call(who, fn, NULL, dev, false, with_reply, request(fn, fcid, dev, "Iccid", iccid, NULL),
	     o);
}

static void store_flags(const char *iccid, bool *fallback, bool *emergency)
{
	m2m_store *st = store_open();
	m2m_store_profile p;

	memset(&p, 0, sizeof p);
	assert_int_equal(m2m_store_profile_get_by_iccid(st, iccid, &p), M2M_OK);
	*fallback = p.fallback;
	*emergency = p.emergency;
	m2m_store_profile_clear(&p);
	m2m_store_close(st);
}

/* The card's flag ("fallback" or "emergency") of its profile iccid (farm control API). */
static bool card_flag(int dev, const char *iccid, const char *flag)
{
	char what[64], key[48], needle[40];
	m2m_buf b;
	const char *p, *v;
	bool on;

	snprintf(what, sizeof what, "/devices/%s", F->eid[dev]);
	snprintf(needle, sizeof needle, "\"iccid\":\"%s\"", iccid);
	snprintf(key, sizeof key, "\"%s\":", flag);
	m2m_buf_init(&b);
	farm_get(what, &b);
	p = strstr((const char *)b.data, needle);
	assert_non_null(p);
	v = strstr(p, key); /* the ISD-P object: aid, tar, state, iccid, fallback, emergency */
	assert_non_null(v);
	on = strncmp(v + strlen(key), "true", 4) == 0;
	m2m_buf_free(&b);
	return on;
}

/* FallbackAttribute of iccid's ProfileInfo in mno1's GetEIS (-1: not in the Eis). */
static int eis_fallback(int dev, const char *iccid)
{
	m2m_ws_client *c = client("mno1");
	m2m_ws_msg *m = request(M2M_WS_ES4_GET_EIS, "attr-geteis", dev, NULL);
	m2m_ws_result res;
	const m2m_ws_node *pi;
	char url[128];
	int found = -1;

	memset(&res, 0, sizeof res);
	snprintf(url, sizeof url, "https://%s/soap/es4", F->es);
	assert_int_equal(m2m_ws_client_call(c, url, m, NULL, &res), M2M_OK);
	assert_non_null(res.response);
	pi = m2m_ws_find(m2m_ws_msg_body(res.response), "Eis/ProfileInfo");
	for (; pi != NULL && found < 0; pi = m2m_ws_next_same(pi)) {
		const char *t = NULL;
		bool fb = false;
		if (m2m_ws_get_text(pi, "Iccid", &t) == M2M_OK && strcmp(t, iccid) == 0) {
			assert_int_equal(m2m_ws_get_bool(pi, "FallbackAttribute", &fb), M2M_OK);
			found = fb;
		}
	}
	m2m_ws_result_free(&res);
	m2m_ws_msg_free(m);
	m2m_ws_client_free(c);
	return found;
}

/* Jobs of kind on dev. */
static size_t jobs(int dev, const char *kind)
{
	m2m_store *st = store_open();
	m2m_store_job *list = NULL;
	size_t n = 0, count = 0;

	assert_int_equal(m2m_store_job_list(st, F->eid[dev], &list, &n), M2M_OK);
	for (size_t k = 0; k < n; k++)
		count += strcmp(list[k].kind, kind) == 0;
	m2m_store_job_list_free(list, n);
	m2m_store_close(st);
	return count;
}

static size_t audits(int dev, const char *fn, const char *outcome_prefix)
{
	m2m_store *st = store_open();
	m2m_store_audit *list = NULL;
	size_t n = 0, count = 0;

	assert_int_equal(m2m_store_audit_list(st, F->eid[dev], 0, 10000, &list, &n), M2M_OK);
	for (size_t i = 0; i < n; i++)
		count += strcmp(list[i].function, fn) == 0 &&
			 strncmp(list[i].outcome, outcome_prefix, strlen(outcome_prefix)) == 0;
	m2m_store_audit_list_free(list, n);
	m2m_store_close(st);
	return count;
}

static void profile_edit(const char *iccid, const char *smdp)
{
	m2m_store *st = store_open();
	m2m_store_profile p;

	memset(&p, 0, sizeof p);
	assert_int_equal(m2m_store_profile_get_by_iccid(st, iccid, &p), M2M_OK);
	snprintf(p.smdp_id, sizeof p.smdp_id, "%s", smdp);
	assert_int_equal(m2m_store_profile_put(st, &p), M2M_OK);
	m2m_store_profile_clear(&p);
	m2m_store_close(st);
}

static int smsr_cli(const char *args)
{
	int rc = sh("'%s' smsr %s --config '%s/smsr.ini' >/dev/null 2>&1", M2MRSP_BINARY, args,
		    F->dir);

	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* ---- tests ---- */

/* The fall-back attribute moves to the second profile of eUICC 0 over SMS: card, store,
 * EIS; then the same call again, the same identifier for another request, and a call on
 * the profile that holds it already. */
static void test_fallback_es4(void **state)
{
	bool fb, em;
	outcome o;

	(void)state;
	assert_true(card_flag(0, F->iccid[0], "fallback"));
	assert_int_equal(eis_fallback(0, F->iccid[0]), 1);
	attr("mno1", M2M_WS_ES4_SET_FALL_BACK_ATTRIBUTE, "fb-1", 0, F->iccid2[0], true, &o);
	assert_true(o.accepted);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_true(card_flag(0, F->iccid2[0], "fallback"));
	assert_false(card_flag(0, F->iccid[0], "fallback"));
	store_flags(F->iccid2[0], &fb, &em);
	assert_true(fb);
	assert_false(em);
	store_flags(F->iccid[0], &fb, &em);
	assert_false(fb);
	assert_int_equal(eis_fallback(0, F->iccid2[0]), 1);
	assert_int_equal(eis_fallback(0, F->iccid[0]), 0);
	m2m_store *st = store_open();
	assert_one_answered_job(st, F->eid[0], "fb-1");
	m2m_store_close(st);
	/* The same call again: the recorded answer, no second card job. */
	attr("mno1", M2M_WS_ES4_SET_FALL_BACK_ATTRIBUTE, "fb-1", 0, F->iccid2[0], true, &o);
	assert_false(o.accepted);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	/* The identifier for another request (the bootstrap). */
	attr("mno1", M2M_WS_ES4_SET_FALL_BACK_ATTRIBUTE, "fb-1", 0, F->iccid[0], true, &o);
	expect(&o, M2M_WS_FAILED, "1.6", "3.3");
	/* The holder again (held, no ReplyTo): success at once, no card job. */
	attr("mno1", M2M_WS_ES4_SET_FALL_BACK_ATTRIBUTE, "fb-2", 0, F->iccid2[0], false, &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	/* ... and its repeat gets that recorded answer. */
	attr("mno1", M2M_WS_ES4_SET_FALL_BACK_ATTRIBUTE, "fb-2", 0, F->iccid2[0], false, &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_int_equal(jobs(0, "fallback"), 1);
	assert_int_equal(audits(0, "ES4-SetFallBackAttribute", "EXECUTED_SUCCESS"), 2);
}

/* The emergency attribute on the second profile of eUICC 1 (held call); then neither
 * attribute may join the other on one profile. */
static void test_emergency_es4(void **state)
{
	bool fb, em;
	outcome o;

	(void)state;
	assert_false(card_flag(1, F->iccid2[1], "emergency"));
	attr("mno1", M2M_WS_ES4_SET_EMERGENCY_PROFILE_ATTRIBUTE, "em-1", 1, F->iccid2[1], false,
	     &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_true(card_flag(1, F->iccid2[1], "emergency"));
	store_flags(F->iccid2[1], &fb, &em);
	assert_true(em);
	assert_false(fb);
	/* Fall-back on the emergency profile, emergency on the fall-back one: refused. */
	attr("mno1", M2M_WS_ES4_SET_FALL_BACK_ATTRIBUTE, "em-2", 1, F->iccid2[1], true, &o);
	expect(&o, M2M_WS_FAILED, "8.2", "1.2");
	attr("mno1", M2M_WS_ES4_SET_EMERGENCY_PROFILE_ATTRIBUTE, "em-3", 1, F->iccid[1], true, &o);
	expect(&o, M2M_WS_FAILED, "8.2", "1.2");
	assert_int_equal(jobs(1, "fallback"), 0);
	assert_int_equal(jobs(1, "emergency"), 1);
	store_flags(F->iccid[1], &fb, &em);
	assert_true(fb);
	assert_false(em);
	assert_true(card_flag(1, F->iccid[1], "fallback"));
	assert_int_equal(audits(1, "ES4-SetEmergencyProfileAttribute", "FAILED 8.2/1.2"), 1);
}

/* The card refuses the emergency attribute on its enabled profile (6985 -> 8.2 / 1.2). */
static void test_card_refusal(void **state)
{
	bool fb, em;
	outcome o;

	(void)state;
	attr("mno1", M2M_WS_ES4_SET_EMERGENCY_PROFILE_ATTRIBUTE, "em-card", 0, F->iccid[0], true,
	     &o);
	assert_true(o.accepted);
	expect(&o, M2M_WS_FAILED, "8.2", "1.2");
	assert_int_equal(jobs(0, "emergency"), 1);
	/* Its repeat: the recorded refusal at once, no second card job (no de-duplication
	 * would queue one: nothing in the store stops it). */
	attr("mno1", M2M_WS_ES4_SET_EMERGENCY_PROFILE_ATTRIBUTE, "em-card", 0, F->iccid[0], true,
	     &o);
	assert_false(o.accepted);
	expect(&o, M2M_WS_FAILED, "8.2", "1.2");
	assert_int_equal(jobs(0, "emergency"), 1);
	store_flags(F->iccid[0], &fb, &em);
	assert_false(em);
	assert_false(card_flag(0, F->iccid[0], "emergency"));
}

static void test_refusals(void **state)
{
	m2m_store *st;
	m2m_store_profile p;
	outcome o;

	(void)state;
	attr("mno1", M2M_WS_ES4_SET_FALL_BACK_ATTRIBUTE, "r-1", -1, F->iccid[0], true, &o);
	expect(&o, M2M_WS_FAILED, "8.1.1", "3.9");
	attr("mno1", M2M_WS_ES4_SET_FALL_BACK_ATTRIBUTE, "r-2", 0, F->iccid[1], true, &o);
	expect(&o, M2M_WS_FAILED, "8.2.1", "3.9");
	attr("mno2", M2M_WS_ES4_SET_FALL_BACK_ATTRIBUTE, "r-3", 2, F->iccid2[2], true, &o);
	expect(&o, M2M_WS_FAILED, "1.1", "1.1");
	attr("m2msp1", M2M_WS_ES4_SET_EMERGENCY_PROFILE_ATTRIBUTE, "r-4", 2, F->iccid2[2], true,
	     &o);
	expect(&o, M2M_WS_FAILED, "1.1", "1.1");
	/* With a PLMA the M2M SP passes the owner check (the bootstrap holds it: no job). */
	assert_int_equal(smsr_cli("plma set --sp " M2MSP1 " --mno " MNO1), 0);
	attr("m2msp1", M2M_WS_ES4_SET_FALL_BACK_ATTRIBUTE, "r-5", 2, F->iccid[2], true, &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_int_equal(smsr_cli("plma delete --sp " M2MSP1 " --mno " MNO1), 0);
	attr("m2msp1", M2M_WS_ES4_SET_FALL_BACK_ATTRIBUTE, "r-6", 2, F->iccid[2], true, &o);
	expect(&o, M2M_WS_FAILED, "1.1", "1.1");
	/* A profile not installed yet (CreateISDP done, no download). */
	st = store_open();
	memset(&p, 0, sizeof p);
	snprintf(p.eid, sizeof p.eid, "%s", F->eid[2]);
	snprintf(p.isdp_aid, sizeof p.isdp_aid, AID_CREATED);
	snprintf(p.iccid, sizeof p.iccid, ICCID_CREATED);
	snprintf(p.mno_id, sizeof p.mno_id, MNO1);
	p.state = M2M_STORE_PROFILE_CREATED;
	assert_int_equal(m2m_store_profile_put(st, &p), M2M_OK);
	m2m_store_close(st);
	attr("mno1", M2M_WS_ES4_SET_FALL_BACK_ATTRIBUTE, "r-7", 2, ICCID_CREATED, true, &o);
	expect(&o, M2M_WS_FAILED, "8.2", "1.2");
	attr("mno1", M2M_WS_ES4_SET_EMERGENCY_PROFILE_ATTRIBUTE, "r-8", 2, ICCID_CREATED, true,
	     &o);
	expect(&o, M2M_WS_FAILED, "8.2", "1.2");
	assert_int_equal(jobs(2, "fallback") + jobs(2, "emergency"), 0);
	assert_int_equal(audits(2, "ES4-SetFallBackAttribute", "FAILED 1.1/1.1"), 2);
	assert_int_equal(audits(2, "ES4-SetFallBackAttribute", "FAILED 8.2/1.2"), 1);
}

/* ES3: the SM-DP that created the profile (Smdp-id) only. */
static void test_es3(void **state)
{
	bool fb, em;
	outcome o;

	(void)state;
	profile_edit(F->iccid2[2], SMDP1);
	profile_edit(F->iccid[2], SMDP2);
	attr("smdp1", M2M_WS_ES3_SET_FALL_BACK_ATTRIBUTE, "es3-1", 2, F->iccid[2], false, &o);
	expect(&o, M2M_WS_FAILED, "1.1", "1.1");
	attr("mno1", M2M_WS_ES3_SET_FALL_BACK_ATTRIBUTE, "es3-2", 2, F->iccid2[2], false, &o);
	expect(&o, M2M_WS_FAILED, "1.1", "1.2"); /* not an SM-DP: the ws layer */
	attr("smdp1", M2M_WS_ES3_SET_FALL_BACK_ATTRIBUTE, "es3-3", 2, F->iccid2[2], false, &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_true(card_flag(2, F->iccid2[2], "fallback"));
	assert_false(card_flag(2, F->iccid[2], "fallback"));
	store_flags(F->iccid2[2], &fb, &em);
	assert_true(fb);
	store_flags(F->iccid[2], &fb, &em);
	assert_false(fb);
	/* The same call again: recorded, no second job. */
	attr("smdp1", M2M_WS_ES3_SET_FALL_BACK_ATTRIBUTE, "es3-3", 2, F->iccid2[2], false, &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_int_equal(jobs(2, "fallback"), 1);
	/* Emergency on the fall-back profile. */
	attr("smdp1", M2M_WS_ES3_SET_EMERGENCY_PROFILE_ATTRIBUTE, "es3-4", 2, F->iccid2[2], false,
	     &o);
	expect(&o, M2M_WS_FAILED, "8.2", "1.2");
	assert_int_equal(audits(2, "ES3-SetFallBackAttribute", "EXECUTED_SUCCESS"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fallback_es4),  cmocka_unit_test(test_emergency_es4),
		cmocka_unit_test(test_card_refusal), cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_es3),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
