/*
 * End to end, the functions of docs/smsr-es4-more.md: `m2mrsp pki init`, `m2mrsp devices
 * init --second-profile` (two eUICCs, the TS.48 bootstrap enabled in ISD-P 000010 and a
 * second profile disabled in 000011), `m2mrsp devices run`, `m2mrsp smsr import` and
 * `m2mrsp smsr` as processes. This program is the operators: ES4 clients with the mno1, mno2
 * and m2msp1 certificates, ES3 with smdp1's, `m2mrsp smsr plma|onc` as the SM-SR's operator,
 * and the MNO's endpoint (plain HTTP) in [peers] that records the Handle*Notification calls.
 *
 * UpdateSubscriptionAddress over ES4 (the owner, another MNO, bad digits) and ES3 (the SM-DP
 * that created the profile), ES3 UpdatePolicyRules, an M2M SP allowed by `plma set` and
 * refused again after `plma delete`, and the ONC filtering of the notifications of a switch.
 */
#define _POSIX_C_SOURCE 200809L
#define NDEV 2
#include "e2e_harness.h"

#define SMDP1 "1.3.6.1.4.1.99999.20"
#define M2MSP1 "1.3.6.1.4.1.99999.30"
#define M2MSP_SEED "1.3.6.1.4.1.99999.31" /* the [plma] entry of the configuration */
#define AID_2 "A0000005591010FFFFFFFF8900001100"

/* ---- set-up ---- */

static int setup(void **state)
{
	FILE *f;

	(void)state;
	fixture_new("/tmp/m2m_es4more_XXXXXX", M2M_WS_ROLE_MNO, "es4");
	make_devices(true);
	start_farm(NULL);
	f = config_begin();
	fprintf(f,
		"por_timeout = 2000\n"
		"[engine]\nconcurrency = 8\nretries = 5\nbackoff = 300\nlease = 3000\npoll = 50\n"
		"[callers]\nmno1 = " MNO1 "\nsmdp1 = " SMDP1 "\nm2msp1 = " M2MSP1 "\n"
		"[plma]\n" M2MSP_SEED " = " MNO1 "\n"
		"[peers]\n" MNO1 " = %s\n",
		F->cb_url);
	fclose(f);
	import_and_start_smsr();
	return 0;
}

/* ---- helpers ---- */

/* A new FunctionCallIdentifier (the schema requires one; each call here is a new one). */
static const char *fcid(void)
{
	static char ids[4][32];
	static unsigned n;
	char *id = ids[n % 4];

	snprintf(id, sizeof ids[0], "es4more-%u", n++);
	return id;
}

/* UpdateSubscriptionAddress (ES4 or ES3) of dev's profile iccid by who; imsi / msisdn NULL:
 * left out of newSubscriptionAddress. */
static void update_address(const char *who, m2m_ws_fn fn, int dev, const char *iccid,
			   const char *imsi, const char *msisdn, outcome *o)
{
	m2m_ws_msg *m = request(fn, fcid(), dev, "Iccid", iccid, NULL);
	m2m_ws_node *a = NULL;

	assert_int_equal(m2m_ws_add(m, NULL, "newSubscriptionAddress", NULL, &a), M2M_OK);
	if (imsi != NULL)
		assert_int_equal(m2m_ws_add(m, a, "Imsi", imsi, NULL), M2M_OK);
	if (msisdn != NULL)
		assert_int_equal(m2m_ws_add(m, a, "Msisdn", msisdn, NULL), M2M_OK);
	call(who, fn, NULL, dev, false, false, m, o);
}

static void profile_of(const char *iccid, m2m_store_profile *p)
{
	m2m_store *st = store_open();

	memset(p, 0, sizeof *p);
	assert_int_equal(m2m_store_profile_get_by_iccid(st, iccid, p), M2M_OK);
	m2m_store_close(st);
}

/* Changes the stored profile iccid as the set-up of a case (the SM-SR reads it per call). */
static void profile_edit(const char *iccid, const char *smdp, const char *type)
{
	m2m_store *st = store_open();
	m2m_store_profile p;

	memset(&p, 0, sizeof p);
	assert_int_equal(m2m_store_profile_get_by_iccid(st, iccid, &p), M2M_OK);
	if (smdp != NULL)
		snprintf(p.smdp_id, sizeof p.smdp_id, "%s", smdp);
	if (type != NULL)
		snprintf(p.profile_type, sizeof p.profile_type, "%s", type);
	assert_int_equal(m2m_store_profile_put(st, &p), M2M_OK);
	m2m_store_profile_clear(&p);
	m2m_store_close(st);
}

/* How many audit records of eUICC dev (dev < 0: all) name function fn (by its name) with
 * outcome prefix. */
static size_t audits(int dev, const char *fn, const char *outcome_prefix)
{
	m2m_store *st = store_open();
	m2m_store_audit *list = NULL;
	size_t n = 0, count = 0;

	assert_int_equal(m2m_store_audit_list(st, dev < 0 ? "" : F->eid[dev], 0, 10000, &list,
					      &n),
			 M2M_OK);
	for (size_t i = 0; i < n; i++)
		count += strcmp(list[i].function, fn) == 0 &&
			 strncmp(list[i].outcome, outcome_prefix, strlen(outcome_prefix)) == 0;
	m2m_store_audit_list_free(list, n);
	m2m_store_close(st);
	return count;
}

/* `m2mrsp smsr ARGS --config smsr.ini` (stdout into out, if given); its exit code. */
static int smsr_cli(const char *args, const char *out)
{
	int rc = sh("'%s' smsr %s --config '%s/smsr.ini' >'%s' 2>/dev/null", M2MRSP_BINARY, args,
		    F->dir, out != NULL ? out : "/dev/null");

	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static bool file_has(const char *file, const char *text)
{
	char buf[4096];
	FILE *f = fopen(file, "r");
	size_t n = f != NULL ? fread(buf, 1, sizeof buf - 1, f) : 0;

	if (f != NULL)
		fclose(f);
	buf[n] = '\0';
	return strstr(buf, text) != NULL;
}

/* Notifications fn about iccid received so far. */
static size_t received(const char *fn, const char *iccid)
{
	size_t count = 0;

	pthread_mutex_lock(&F->lock);
	for (size_t k = 0; k < F->ncb; k++)
		count += strcmp(F->cb[k].fn, fn) == 0 && strcmp(F->cb[k].iccid, iccid) == 0;
	pthread_mutex_unlock(&F->lock);
	return count;
}

/* ---- UpdateSubscriptionAddress ---- */

static void test_update_address_es4(void **state)
{
	m2m_store_profile p;
	outcome o;

	(void)state;
	update_address("mno1", M2M_WS_ES4_UPDATE_SUBSCRIPTION_ADDRESS, 0, F->iccid[0],
		       "234150000000001", "447700900001", &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	profile_of(F->iccid[0], &p);
	assert_string_equal(p.imsi, "234150000000001");
	assert_string_equal(p.msisdn, "447700900001");
	m2m_store_profile_clear(&p);
	/* Only a new MSISDN: the IMSI stays. */
	update_address("mno1", M2M_WS_ES4_UPDATE_SUBSCRIPTION_ADDRESS, 0, F->iccid[0], NULL,
		       "447700900002", &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	profile_of(F->iccid[0], &p);
	assert_string_equal(p.imsi, "234150000000001");
	assert_string_equal(p.msisdn, "447700900002");
	m2m_store_profile_clear(&p);
	assert_int_equal(audits(0, "ES4-UpdateSubscriptionAddress", "EXECUTED_SUCCESS"), 2);
}

static void test_update_address_es4_refused(void **state)
{
	m2m_store_profile p;
	outcome o;

	(void)state;
	/* Another MNO. */
	update_address("mno2", M2M_WS_ES4_UPDATE_SUBSCRIPTION_ADDRESS, 0, F->iccid[0], NULL,
		       "447700900009", &o);
	expect(&o, M2M_WS_FAILED, "1.1", "1.1");
	/* Digits the schema's \d lets through (Arabic-Indic), but no MSISDN has. */
	update_address("mno1", M2M_WS_ES4_UPDATE_SUBSCRIPTION_ADDRESS, 0, F->iccid[0], NULL,
		       "\xd9\xa4\xd9\xa4\xd9\xa7\xd9\xa7", &o);
	expect(&o, M2M_WS_FAILED, "8.2.6", "2.1");
	/* Nothing to update. */
	update_address("mno1", M2M_WS_ES4_UPDATE_SUBSCRIPTION_ADDRESS, 0, F->iccid[0], NULL, NULL,
		       &o);
	expect(&o, M2M_WS_FAILED, "8.2.6", "2.1");
	/* The ICCID of another eUICC, and an unknown EID. */
	update_address("mno1", M2M_WS_ES4_UPDATE_SUBSCRIPTION_ADDRESS, 0, F->iccid[1], NULL,
		       "447700900009", &o);
	expect(&o, M2M_WS_FAILED, "8.2.1", "3.9");
	update_address("mno1", M2M_WS_ES4_UPDATE_SUBSCRIPTION_ADDRESS, -1, F->iccid[0], NULL,
		       "447700900009", &o);
	expect(&o, M2M_WS_FAILED, "8.1.1", "3.9");
	/* None of them changed anything; each is in the audit trail. */
	profile_of(F->iccid[0], &p);
	assert_string_equal(p.msisdn, "447700900002");
	m2m_store_profile_clear(&p);
	assert_int_equal(audits(0, "ES4-UpdateSubscriptionAddress", "FAILED 1.1/1.1"), 1);
	assert_int_equal(audits(0, "ES4-UpdateSubscriptionAddress", "FAILED 8.2.6/2.1"), 2);
	assert_int_equal(audits(0, "ES4-UpdateSubscriptionAddress", "FAILED 8.2.1/3.9"), 1);
}

/* ES3: the SM-DP that created the profile only. */
static void test_es3_address_and_pol2(void **state)
{
	m2m_store_profile p;
	m2m_ws_msg *m;
	m2m_ws_node *pol2 = NULL, *rule = NULL;
	outcome o;

	(void)state;
	/* The bootstrap, loaded at issuance: created by no SM-DP. */
	update_address("smdp1", M2M_WS_ES3_UPDATE_SUBSCRIPTION_ADDRESS, 1, F->iccid[1],
		       "234150000000002", NULL, &o);
	expect(&o, M2M_WS_FAILED, "1.1", "1.1");
	/* The second profile of eUICC 1, as if smdp1 had downloaded it. */
	profile_edit(F->iccid2[1], SMDP1, NULL);
	update_address("smdp1", M2M_WS_ES3_UPDATE_SUBSCRIPTION_ADDRESS, 1, F->iccid2[1],
		       "234150000000002", "447700900003", &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	/* Digits the schema lets through and the SM-SR does not (as for ES4). */
	update_address("smdp1", M2M_WS_ES3_UPDATE_SUBSCRIPTION_ADDRESS, 1, F->iccid2[1],
		       "\xd9\xa2\xd9\xa3", NULL, &o);
	expect(&o, M2M_WS_FAILED, "8.2.6", "2.1");
	/* An MNO certificate cannot call ES3 at all (the ws layer's role check). */
	update_address("mno1", M2M_WS_ES3_UPDATE_SUBSCRIPTION_ADDRESS, 1, F->iccid2[1],
		       "234150000000009", NULL, &o);
	expect(&o, M2M_WS_FAILED, "1.1", "1.2");
	profile_of(F->iccid2[1], &p);
	assert_string_equal(p.imsi, "234150000000002");
	assert_string_equal(p.msisdn, "447700900003");
	m2m_store_profile_clear(&p);
	/* ES3 UpdatePolicyRules on it, then without pol2 (no rule left). */
	m = request(M2M_WS_ES3_UPDATE_POLICY_RULES, fcid(), 1, "Iccid", F->iccid2[1], NULL);
	assert_int_equal(m2m_ws_add(m, NULL, "pol2", NULL, &pol2), M2M_OK);
	assert_int_equal(m2m_ws_add(m, pol2, "Rule", NULL, &rule), M2M_OK);
	m2m_ws_add(m, rule, "Subject", "PROFILE", NULL);
	m2m_ws_add(m, rule, "Action", "DELETE", NULL);
	m2m_ws_add(m, rule, "Qualification", "Not-Allowed", NULL);
	call("smdp1", M2M_WS_ES3_UPDATE_POLICY_RULES, NULL, 1, false, false, m, &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	profile_of(F->iccid2[1], &p);
	assert_int_equal(p.pol2, M2M_POL2_DELETE_NOT_ALLOWED);
	m2m_store_profile_clear(&p);
	call("smdp1", M2M_WS_ES3_UPDATE_POLICY_RULES, NULL, 1, false, false,
	     request(M2M_WS_ES3_UPDATE_POLICY_RULES, fcid(), 1, "Iccid", F->iccid2[1], NULL), &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	profile_of(F->iccid2[1], &p);
	assert_int_equal(p.pol2, 0);
	m2m_store_profile_clear(&p);
	/* Not on the bootstrap. */
	call("smdp1", M2M_WS_ES3_UPDATE_POLICY_RULES, NULL, 1, false, false,
	     request(M2M_WS_ES3_UPDATE_POLICY_RULES, fcid(), 1, "Iccid", F->iccid[1], NULL), &o);
	expect(&o, M2M_WS_FAILED, "1.1", "1.1");
	assert_int_equal(audits(1, "ES3-UpdatePolicyRules", "EXECUTED_SUCCESS"), 2);
}

/* ---- PLMA ---- */

static void test_plma(void **state)
{
	char out[256];
	outcome o;

	(void)state;
	snprintf(out, sizeof out, "%s/plma.txt", F->dir);
	/* The configuration's [plma] is the list while none is stored. */
	assert_int_equal(smsr_cli("plma list", out), 0);
	assert_true(file_has(out, M2MSP_SEED " " MNO1));
	/* m2msp1 has no PLMA from MNO1: it sees no profile. */
	call("m2msp1", M2M_WS_ES4_GET_EIS, fcid(), 0, false, false, NULL, &o);
	expect(&o, M2M_WS_FAILED, "1.1", "1.1");
	update_address("m2msp1", M2M_WS_ES4_UPDATE_SUBSCRIPTION_ADDRESS, 0, F->iccid[0], NULL,
		       "447700900004", &o);
	expect(&o, M2M_WS_FAILED, "1.1", "1.1");
	/* The operator gives it one: the running SM-SR applies it at the next call. */
	assert_int_equal(smsr_cli("plma set --sp " M2MSP1 " --mno " MNO1, NULL), 0);
	call("m2msp1", M2M_WS_ES4_GET_EIS, fcid(), 0, false, false, NULL, &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_true(o.has_eis);
	update_address("m2msp1", M2M_WS_ES4_UPDATE_SUBSCRIPTION_ADDRESS, 0, F->iccid[0], NULL,
		       "447700900004", &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_int_equal(smsr_cli("plma list", out), 0);
	assert_true(file_has(out, M2MSP_SEED " " MNO1));
	assert_true(file_has(out, M2MSP1 " " MNO1));
	/* Taken back: refused again. */
	assert_int_equal(smsr_cli("plma delete --sp " M2MSP1 " --mno " MNO1, NULL), 0);
	update_address("m2msp1", M2M_WS_ES4_UPDATE_SUBSCRIPTION_ADDRESS, 0, F->iccid[0], NULL,
		       "447700900005", &o);
	expect(&o, M2M_WS_FAILED, "1.1", "1.1");
	call("m2msp1", M2M_WS_ES4_GET_EIS, fcid(), 0, false, false, NULL, &o);
	expect(&o, M2M_WS_FAILED, "1.1", "1.1");
	/* CLI refusals: no such PLMA (1), not an object identifier (2). */
	assert_int_equal(smsr_cli("plma delete --sp " M2MSP1 " --mno " MNO1, NULL), 1);
	assert_int_equal(smsr_cli("plma set --sp " M2MSP1 " --mno mno1", NULL), 2);
	assert_int_equal(smsr_cli("plma set --sp " M2MSP1, NULL), 2);
	/* The operator's changes are in the audit trail. */
	assert_int_equal(audits(-1, "SM-SR.SetPLMA", "EXECUTED_SUCCESS"), 1);
	assert_int_equal(audits(-1, "SM-SR.DeletePLMA", "EXECUTED_SUCCESS"), 1);
}

/* ---- ONC ---- */

/* The notifications of a switch go through the outbound worker's queue in order: Enabled,
 * then Disabled. When a later one has arrived, a filtered earlier one would have too. */
static void test_onc(void **state)
{
	char out[256];
	callback cb;
	outcome o;

	(void)state;
	snprintf(out, sizeof out, "%s/onc.txt", F->dir);
	profile_edit(F->iccid2[0], NULL, "meter");
	/* MNO1 wants only Disabled notifications for its "meter" profiles. */
	assert_int_equal(smsr_cli("onc set --mno " MNO1 " --type meter --notifications disabled",
				  NULL),
			 0);
	assert_int_equal(smsr_cli("onc list", out), 0);
	assert_true(file_has(out, MNO1 "\tmeter\tdisabled"));
	/* Enable the meter profile: the bootstrap's Disabled comes, the meter's Enabled not. */
	call("mno1", M2M_WS_ES4_ENABLE_PROFILE, NULL, 0, false, true,
	     request(M2M_WS_ES4_ENABLE_PROFILE, fcid(), 0, "Iccid", F->iccid2[0], NULL), &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_true(wait_notification("ES4-HandleProfileDisabledNotification", F->iccid[0], &cb));
	assert_int_equal(received("ES4-HandleProfileEnabledNotification", F->iccid2[0]), 0);
	/* Back to the bootstrap: its Enabled and the meter's Disabled both come. */
	call("mno1", M2M_WS_ES4_ENABLE_PROFILE, NULL, 0, false, true,
	     request(M2M_WS_ES4_ENABLE_PROFILE, fcid(), 0, "Iccid", F->iccid[0], NULL), &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_true(wait_notification("ES4-HandleProfileEnabledNotification", F->iccid[0], &cb));
	assert_true(wait_notification("ES4-HandleProfileDisabledNotification", F->iccid2[0], &cb));
	assert_int_equal(received("ES4-HandleProfileEnabledNotification", F->iccid2[0]), 0);
	/* The entry removed: the meter's Enabled goes again. */
	assert_int_equal(smsr_cli("onc delete --mno " MNO1 " --type meter", NULL), 0);
	assert_int_equal(smsr_cli("onc delete --mno " MNO1 " --type meter", NULL), 1);
	call("mno1", M2M_WS_ES4_ENABLE_PROFILE, NULL, 0, false, true,
	     request(M2M_WS_ES4_ENABLE_PROFILE, fcid(), 0, "Iccid", F->iccid2[0], NULL), &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_true(wait_notification("ES4-HandleProfileEnabledNotification", F->iccid2[0], &cb));
	assert_int_equal(smsr_cli("onc set --mno " MNO1 " --notifications sometimes", NULL), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_update_address_es4),
		cmocka_unit_test(test_update_address_es4_refused),
		cmocka_unit_test(test_es3_address_and_pol2),
		cmocka_unit_test(test_plma),
		cmocka_unit_test(test_onc),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
