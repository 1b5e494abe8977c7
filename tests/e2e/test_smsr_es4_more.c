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
 * refused again after `plma delete`, and the ONC filtering of the notifications of a switch;
 * the same through the v4 functions ES4 SetPLMA / GetPLMA / SetONC / GetONC (SOAP and JSON).
 */
#define _POSIX_C_SOURCE 200809L
#define NDEV 2
#include "e2e_harness.h"

#define SMDP1 "1.3.6.1.4.1.99999.20"
#define M2MSP1 "1.3.6.1.4.1.99999.30"
#define M2MSP_SEED "1.3.6.1.4.1.99999.31" /* the [plma] entry of the configuration */
#define MNO2 "1.3.6.1.4.1.99999.2"
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
		"[callers]\nmno1 = " MNO1 "\nmno2 = " MNO2 "\nsmdp1 = " SMDP1
		"\nm2msp1 = " M2MSP1 "\n"
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

/* ---- the v4 functions: SetPLMA, GetPLMA, SetONC, GetONC ---- */

/* One call of the PLMA / ONC functions (no Eid) by who, in SOAP or JSON; the answer's status
 * in o and, if list is given, its Plma ("MNO SP;" each) or Onc ("TYPE:N,N;" each) items. */
static void v4_call(const char *who, m2m_ws_binding b, m2m_ws_msg *m, outcome *o, char *list,
		    size_t cap)
{
	char ca[256], cert[256], key[256], url[128];
	m2m_ws_client *c = NULL;
	m2m_ws_result res;
	const m2m_ws_node *body, *item;

	snprintf(ca, sizeof ca, "%s/pki/tls-ca.crt", F->dir);
	snprintf(cert, sizeof cert, "%s/pki/%s-tls.crt", F->dir, who);
	snprintf(key, sizeof key, "%s/pki/%s-tls.key", F->dir, who);
	m2m_ws_client_opts co = {
		.http = {.ca_file = ca, .cert_file = cert, .key_file = key, .timeout_ms = 20000},
		.schema = F->schema,
		.binding = b,
		.from = F->cb_url,
	};
	assert_int_equal(m2m_ws_client_new(&co, &c), M2M_OK);
	memset(o, 0, sizeof *o);
	memset(&res, 0, sizeof res);
	snprintf(url, sizeof url, "https://%s/%s/es4", F->es, b == M2M_WS_JSON ? "json" : "soap");
	assert_int_equal(m2m_ws_client_call(c, url, m, NULL, &res), M2M_OK);
	assert_false(res.accepted);
	if (res.fault) {
		o->st = res.error.status;
	} else {
		assert_non_null(res.response);
		assert_int_equal(m2m_ws_msg_status(res.response, &o->st), M2M_OK);
	}
	if (list != NULL) {
		list[0] = '\0';
		body = res.response != NULL ? m2m_ws_msg_body(res.response) : NULL;
		for (item = body ? m2m_ws_first_child(body) : NULL; item != NULL;
		     item = m2m_ws_next(item)) {
			const char *name = m2m_ws_node_name(item);
			size_t used = strlen(list);
			if (strcmp(name, "Plma") == 0) {
				snprintf(list + used, cap - used, "%s %s;",
					 m2m_ws_node_text(m2m_ws_find(item, "Mno-id")),
					 m2m_ws_node_text(m2m_ws_find(item, "M2MSP-id")));
			} else if (strcmp(name, "Onc") == 0) {
				snprintf(list + used, cap - used, "%s:",
					 m2m_ws_node_text(m2m_ws_find(item, "ProfileType")));
				for (size_t k = 0; k < m2m_ws_count(item, "Notification"); k++) {
					used = strlen(list);
					snprintf(list + used, cap - used, "%s%s", k ? "," : "",
						 m2m_ws_node_text(
							 m2m_ws_find_nth(item, "Notification", k)));
				}
				used = strlen(list);
				snprintf(list + used, cap - used, ";");
			}
		}
	}
	m2m_ws_result_free(&res);
	m2m_ws_msg_free(m);
	m2m_ws_client_free(c);
}

static void set_plma(const char *who, const char *sp, bool authorised, outcome *o)
{
	m2m_ws_msg *m = NULL;

	assert_int_equal(m2m_ws_request_new(M2M_WS_ES4_SET_PLMA, fcid(), 0, &m), M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "M2MSP-id", sp, NULL), M2M_OK);
	assert_int_equal(m2m_ws_add_bool(m, NULL, "Authorised", authorised, NULL), M2M_OK);
	v4_call(who, M2M_WS_SOAP, m, o, NULL, 0);
}

/* GetPLMA (sp NULL: all); the items into list. */
static void get_plma(const char *who, m2m_ws_binding b, const char *sp, char *list, size_t cap)
{
	m2m_ws_msg *m = NULL;
	outcome o;

	assert_int_equal(m2m_ws_request_new(M2M_WS_ES4_GET_PLMA, fcid(), 0, &m), M2M_OK);
	if (sp != NULL)
		assert_int_equal(m2m_ws_add(m, NULL, "M2MSP-id", sp, NULL), M2M_OK);
	v4_call(who, b, m, &o, list, cap);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
}

/* SetONC of type with the notifications (NULL-terminated; NULL: none); remove < 0: no
 * Remove element, else Remove = remove. */
static void set_onc(const char *who, const char *type, const char *const *names, int remove,
		    outcome *o)
{
	m2m_ws_msg *m = NULL;
	m2m_ws_node *onc = NULL;

	assert_int_equal(m2m_ws_request_new(M2M_WS_ES4_SET_ONC, fcid(), 0, &m), M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "Onc", NULL, &onc), M2M_OK);
	assert_int_equal(m2m_ws_add(m, onc, "ProfileType", type, NULL), M2M_OK);
	for (size_t k = 0; names != NULL && names[k] != NULL; k++)
		assert_int_equal(m2m_ws_add(m, onc, "Notification", names[k], NULL), M2M_OK);
	if (remove >= 0)
		assert_int_equal(m2m_ws_add_bool(m, NULL, "Remove", remove != 0, NULL), M2M_OK);
	v4_call(who, M2M_WS_SOAP, m, o, NULL, 0);
}

/* GetONC (type NULL: all); the items into list. */
static void get_onc(const char *who, const char *type, char *list, size_t cap)
{
	m2m_ws_msg *m = NULL;
	outcome o;

	assert_int_equal(m2m_ws_request_new(M2M_WS_ES4_GET_ONC, fcid(), 0, &m), M2M_OK);
	if (type != NULL)
		assert_int_equal(m2m_ws_add(m, NULL, "ProfileType", type, NULL), M2M_OK);
	v4_call(who, M2M_WS_SOAP, m, &o, list, cap);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
}

static void test_plma_ws(void **state)
{
	char list[2048], out[256];
	outcome o;

	(void)state;
	snprintf(out, sizeof out, "%s/plma-ws.txt", F->dir);
	/* After test_plma, m2msp1 has no PLMA from MNO1. */
	call("m2msp1", M2M_WS_ES4_GET_EIS, fcid(), 0, false, false, NULL, &o);
	expect(&o, M2M_WS_FAILED, "1.1", "1.1");
	/* MNO1 grants one over ES4: the running SM-SR applies it at the next call. */
	set_plma("mno1", M2MSP1, true, &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	call("m2msp1", M2M_WS_ES4_GET_EIS, fcid(), 0, false, false, NULL, &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_true(o.has_eis);
	set_plma("mno1", M2MSP1, true, &o); /* again: nothing changes */
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	/* MNO2 grants another SP (a certificate name); each MNO sees its own PLMAs only. */
	set_plma("mno2", "m2msp9", true, &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	get_plma("mno1", M2M_WS_SOAP, NULL, list, sizeof list);
	assert_string_equal(list, MNO1 " " M2MSP_SEED ";" MNO1 " " M2MSP1 ";");
	get_plma("mno1", M2M_WS_SOAP, M2MSP1, list, sizeof list);
	assert_string_equal(list, MNO1 " " M2MSP1 ";");
	get_plma("mno1", M2M_WS_SOAP, "m2msp9", list, sizeof list);
	assert_string_equal(list, "");
	get_plma("mno2", M2M_WS_SOAP, NULL, list, sizeof list);
	assert_string_equal(list, MNO2 " m2msp9;");
	/* The JSON mirror gives the same answer. */
	get_plma("mno1", M2M_WS_JSON, NULL, list, sizeof list);
	assert_string_equal(list, MNO1 " " M2MSP_SEED ";" MNO1 " " M2MSP1 ";");
	get_plma("mno2", M2M_WS_JSON, NULL, list, sizeof list);
	assert_string_equal(list, MNO2 " m2msp9;");
	/* The CLI sees the same list. */
	assert_int_equal(smsr_cli("plma list", out), 0);
	assert_true(file_has(out, M2MSP1 " " MNO1));
	assert_true(file_has(out, "m2msp9 " MNO2));
	/* Withdrawn, named by its [callers] name: m2msp1 is refused again. */
	set_plma("mno1", "m2msp1", false, &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	call("m2msp1", M2M_WS_ES4_GET_EIS, fcid(), 0, false, false, NULL, &o);
	expect(&o, M2M_WS_FAILED, "1.1", "1.1");
	update_address("m2msp1", M2M_WS_ES4_UPDATE_SUBSCRIPTION_ADDRESS, 0, F->iccid[0], NULL,
		       "447700900006", &o);
	expect(&o, M2M_WS_FAILED, "1.1", "1.1");
	get_plma("mno1", M2M_WS_SOAP, NULL, list, sizeof list);
	assert_string_equal(list, MNO1 " " M2MSP_SEED ";");
	/* Withdrawing what is not there leaves what was asked. MNO2 cannot withdraw MNO1's. */
	set_plma("mno1", M2MSP1, false, &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	set_plma("mno2", M2MSP_SEED, false, &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	get_plma("mno1", M2M_WS_SOAP, NULL, list, sizeof list);
	assert_string_equal(list, MNO1 " " M2MSP_SEED ";");
	/* Only an MNO may call it (the ws layer's role check). */
	set_plma("m2msp1", M2MSP1, true, &o);
	expect(&o, M2M_WS_FAILED, "1.1", "1.2");
	/* Digits and dots that are not an object identifier. */
	set_plma("mno1", "1.3..6", true, &o);
	expect(&o, M2M_WS_FAILED, "1.6", "2.1");
	set_plma("mno1", "1.3.6.", true, &o);
	expect(&o, M2M_WS_FAILED, "1.6", "2.1");
	get_plma("mno1", M2M_WS_SOAP, NULL, list, sizeof list);
	assert_string_equal(list, MNO1 " " M2MSP_SEED ";");
	/* Every call is in the audit trail. */
	assert_int_equal(audits(-1, "ES4-SetPLMA", "EXECUTED_SUCCESS"), 6);
	assert_int_equal(audits(-1, "ES4-SetPLMA", "FAILED 1.6/2.1"), 2);
	assert_int_equal(audits(-1, "ES4-GetPLMA", "EXECUTED_SUCCESS"), 9);
}

/* Notifications fn about iccid: wait until there are want of them (30 s). */
static bool wait_count(const char *fn, const char *iccid, size_t want)
{
	for (int i = 0; i < 600; i++) {
		if (received(fn, iccid) >= want)
			return true;
		usleep(50000);
	}
	return false;
}

/* Enables iccid on eUICC 0 (the other profile is disabled by the switch). */
static void enable(const char *iccid)
{
	outcome o;

	call("mno1", M2M_WS_ES4_ENABLE_PROFILE, NULL, 0, false, true,
	     request(M2M_WS_ES4_ENABLE_PROFILE, fcid(), 0, "Iccid", iccid, NULL), &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
}

/* As test_onc, with the ONC set over ES4. The meter profile (iccid2[0]) is enabled. */
static void test_onc_ws(void **state)
{
	static const char *const disabled[] = {"ProfileDisabled", NULL};
	static const char *const two[] = {"ProfileDeleted", "ProfileEnabled", "ProfileEnabled",
					  NULL};
	const char *en = "ES4-HandleProfileEnabledNotification",
		   *dis = "ES4-HandleProfileDisabledNotification";
	char list[2048];
	size_t meter_en, boot_en, boot_dis, meter_dis;
	outcome o;

	(void)state;
	/* MNO1 wants only Disabled notifications for its "meter" profiles. */
	set_onc("mno1", "meter", disabled, -1, &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	get_onc("mno1", NULL, list, sizeof list);
	assert_string_equal(list, "meter:ProfileDisabled;");
	get_onc("mno1", "meter", list, sizeof list);
	assert_string_equal(list, "meter:ProfileDisabled;");
	get_onc("mno1", "other", list, sizeof list);
	assert_string_equal(list, "");
	get_onc("mno2", NULL, list, sizeof list);
	assert_string_equal(list, "");
	meter_en = received(en, F->iccid2[0]);
	boot_en = received(en, F->iccid[0]);
	boot_dis = received(dis, F->iccid[0]);
	meter_dis = received(dis, F->iccid2[0]);
	/* To the bootstrap: its Enabled and the meter's Disabled come. */
	enable(F->iccid[0]);
	assert_true(wait_count(en, F->iccid[0], boot_en + 1));
	assert_true(wait_count(dis, F->iccid2[0], meter_dis + 1));
	/* To the meter: the bootstrap's Disabled comes after the meter's Enabled would have. */
	enable(F->iccid2[0]);
	assert_true(wait_count(dis, F->iccid[0], boot_dis + 1));
	assert_int_equal(received(en, F->iccid2[0]), meter_en);
	/* No Notification: none. Names in the schema's order, a repeat counted once. */
	set_onc("mno1", "meter", NULL, -1, &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	get_onc("mno1", NULL, list, sizeof list);
	assert_string_equal(list, "meter:;");
	set_onc("mno1", "*", two, 0, &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	get_onc("mno1", NULL, list, sizeof list);
	assert_string_equal(list, "meter:;*:ProfileEnabled,ProfileDeleted;");
	get_onc("mno1", "*", list, sizeof list);
	assert_string_equal(list, "*:ProfileEnabled,ProfileDeleted;");
	/* Remove restores every notification for the meter. */
	set_onc("mno1", "meter", NULL, 1, &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	set_onc("mno1", "*", disabled, 1, &o); /* Remove wins over the list */
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	set_onc("mno1", "*", NULL, 1, &o); /* nothing left to remove: done all the same */
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	get_onc("mno1", NULL, list, sizeof list);
	assert_string_equal(list, "");
	enable(F->iccid[0]);
	enable(F->iccid2[0]);
	assert_true(wait_count(en, F->iccid2[0], meter_en + 1));
	/* Refused: a type with a tab (valid for xs:string), only spaces, a trailing space; an
	 * M2M SP. */
	set_onc("mno1", "me\tter", disabled, -1, &o);
	expect(&o, M2M_WS_FAILED, "8.2.5", "2.1");
	set_onc("mno1", "   ", disabled, -1, &o);
	expect(&o, M2M_WS_FAILED, "8.2.5", "2.1");
	set_onc("mno1", "meter ", disabled, -1, &o);
	expect(&o, M2M_WS_FAILED, "8.2.5", "2.1");
	set_onc("m2msp1", "meter", disabled, -1, &o);
	expect(&o, M2M_WS_FAILED, "1.1", "1.2");
	get_onc("mno1", NULL, list, sizeof list);
	assert_string_equal(list, "");
	assert_int_equal(audits(-1, "ES4-SetONC", "EXECUTED_SUCCESS"), 6);
	assert_int_equal(audits(-1, "ES4-SetONC", "FAILED 8.2.5/2.1"), 3);
	assert_int_equal(audits(-1, "ES4-GetONC", "EXECUTED_SUCCESS"), 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_update_address_es4),
		cmocka_unit_test(test_update_address_es4_refused),
		cmocka_unit_test(test_es3_address_and_pol2),
		cmocka_unit_test(test_plma),
		cmocka_unit_test(test_onc),
		cmocka_unit_test(test_plma_ws),
		cmocka_unit_test(test_onc_ws),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
