/*
 * End to end: `m2mrsp pki init`, `m2mrsp devices init/run` (three eUICCs with the TS.48
 * bootstrap, an SMSC on 127.0.0.1), `m2mrsp smsr import` and `m2mrsp smsr` as real processes;
 * this program is the operator: an ES4 client with the mno1 / mno2 certificates, and a
 * callback endpoint (plain HTTP on 127.0.0.1) for the deferred answers.
 */
#define _POSIX_C_SOURCE 200809L
#define NDEV 3
#include "e2e_harness.h"

#define EUM1 "1.3.6.1.4.1.99999.10" /* the Eum-id `eis make` writes (docs/eis.md) */
#define TK "00112233445566778899AABBCCDDEEFF" /* the EIS transport key */

static size_t callbacks_for(const char *mid)
{
	size_t n = 0;

	pthread_mutex_lock(&F->lock);
	for (size_t k = 0; k < F->ncb; k++)
		n += strcmp(F->cb[k].relates_to, mid) == 0;
	pthread_mutex_unlock(&F->lock);
	return n;
}

/* ---- set-up ---- */

static void write_config(void)
{
	FILE *f = config_begin();

	fprintf(f,
		"por_timeout = 2000\n"
		"[engine]\nconcurrency = 8\nretries = 5\nbackoff = 300\nlease = 3000\npoll = 50\n"
		"[callers]\nmno1 = " MNO1 "\nmno2 = 1.3.6.1.4.1.99999.3\n"
		"[peers]\n" MNO1 " = %s\n"
		"[es1]\nci_cert = %s/pki/ci.crt\nsmsr_id = 1.3.6.1.4.1.99999.2\n"
		"[eum.eum1]\neum_id = " EUM1 "\ncaller_id = eum1\ncert = %s/pki/eum1.crt\n"
		"transport_key = " TK "\n",
		F->cb_url, F->dir, F->dir);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	fixture_new("/tmp/m2m_e2e_XXXXXX", M2M_WS_ROLE_MNO, "es4");
	make_devices(false);
	start_farm(NULL);
	write_config();
	import_and_start_smsr();
	return 0;
}

/* ---- the operator ---- */

/* The farm's view of a device (control API). */
static void farm_device(int dev, m2m_buf *body)
{
	char what[64];

	snprintf(what, sizeof what, "/devices/%s", F->eid[dev]);
	farm_get(what, body);
}

/* ---- tests ---- */

static void test_get_eis(void **state)
{
	outcome o;

	(void)state;
	call("mno1", M2M_WS_ES4_GET_EIS, "get-1", 0, false, false, NULL, &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_true(o.has_eis);
	call("mno1", M2M_WS_ES4_GET_EIS, "get-2", -1, false, false, NULL, &o);
	expect(&o, M2M_WS_FAILED, "8.1.1", "3.9");
	/* mno2 owns no profile there; nor may it touch mno1's. */
	call("mno2", M2M_WS_ES4_GET_EIS, "get-3", 0, false, false, NULL, &o);
	expect(&o, M2M_WS_FAILED, "1.1", "1.1");
	call("mno2", M2M_WS_ES4_ENABLE_PROFILE, "en-mno2", 0, true, true, NULL, &o);
	expect(&o, M2M_WS_FAILED, "1.1", "1.1");
	assert_false(o.accepted);
	/* No ReplyTo: the exchange is held until the card answered (hold mode). */
	call("mno1", M2M_WS_ES4_AUDIT_EIS, "audit-noreply", 0, false, false, NULL, &o);
	assert_false(o.accepted);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_true(o.has_eis);
	/* EnableProfile of the enabled profile, held: the card's refusal on the exchange. */
	call("mno1", M2M_WS_ES4_ENABLE_PROFILE, "en-noreply", 0, true, false, NULL, &o);
	assert_false(o.accepted);
	expect(&o, M2M_WS_FAILED, "8.2", "1.2");
}

/* ES1: a second farm made with the EUM of the pki, `eis make` from its `devices list --json`,
 * `eis register` to the SM-SR with the eum1 TLS certificate; then GetEIS works for it. */
static void test_register_eis(void **state)
{
	char eid[40] = "", line[4096];
	const char *p;
	m2m_ws_msg *m = NULL;
	outcome o;
	FILE *f;

	(void)state;
	assert_int_equal(sh("cd '%s' && '%s' devices init --db farm2.sqlite --count 1 "
			    "--bootstrap '%s' --first-eid 89999000000000000000000000000500 "
			    "--iccid-base 8988299000000000500 --msisdn-base 882990000000500 "
			    "--seed 101112131415161718191a1b1c1d1e1f --eum-key pki/eum1.key "
			    "--ci-key pki/ci.key >/dev/null 2>&1 && "
			    "'%s' devices list --db farm2.sqlite --json > devices2.json && "
			    "'%s' eis make --devices devices2.json --pki pki --out eis "
			    "--transport-key " TK " >/dev/null",
			    F->dir, M2MRSP_BINARY, BOOTSTRAP, M2MRSP_BINARY, M2MRSP_BINARY),
			 0);
	snprintf(line, sizeof line, "%s/devices2.json", F->dir);
	f = fopen(line, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof line, f));
	fclose(f);
	p = strstr(line, "\"eid\":\"");
	assert_non_null(p);
	snprintf(eid, sizeof eid, "%.32s", p + 7);
	/* Not known before the registration. */
	assert_int_equal(m2m_ws_request_new(M2M_WS_ES4_GET_EIS, "get-es1-0", 0, &m), M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "Eid", eid, NULL), M2M_OK);
	call("mno1", M2M_WS_ES4_GET_EIS, NULL, 0, false, false, m, &o);
	expect(&o, M2M_WS_FAILED, "8.1.1", "3.9");
	/* eis register prints "EID: STATUS"; exit 0 when registered. */
	assert_int_equal(sh("cd '%s' && '%s' eis register --url https://%s/soap/es1 "
			    "--cert pki/eum1-tls.crt --key pki/eum1-tls.key --ca pki/tls-ca.crt "
			    "eis/%s.xml > register.out 2>&1",
			    F->dir, M2MRSP_BINARY, F->es, eid),
			 0);
	assert_int_equal(sh("grep -q '%s: EXECUTED_SUCCESS' '%s/register.out'", eid, F->dir), 0);
	m = NULL;
	assert_int_equal(m2m_ws_request_new(M2M_WS_ES4_GET_EIS, "get-es1-1", 0, &m), M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "Eid", eid, NULL), M2M_OK);
	call("mno1", M2M_WS_ES4_GET_EIS, NULL, 0, false, false, m, &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_true(o.has_eis);
	/* Again: already registered (8.1.1 / 3.3), exit 1. */
	assert_int_equal(sh("cd '%s' && '%s' eis register --url https://%s/soap/es1 "
			    "--cert pki/eum1-tls.crt --key pki/eum1-tls.key --ca pki/tls-ca.crt "
			    "eis/%s.xml > register2.out 2>&1",
			    F->dir, M2MRSP_BINARY, F->es, eid) >> 8,
			 1);
	assert_int_equal(sh("grep -q '8.1.1/3.3' '%s/register2.out'", F->dir), 0);
	/* An MNO may not register an EIS (the ws layer refuses its role). */
	assert_int_equal(sh("cd '%s' && '%s' eis register --url https://%s/soap/es1 "
			    "--cert pki/mno1-tls.crt --key pki/mno1-tls.key --ca pki/tls-ca.crt "
			    "eis/%s.xml > register3.out 2>&1",
			    F->dir, M2MRSP_BINARY, F->es, eid) == 0,
			 false);
}

static void test_audit_matches_card(void **state)
{
	outcome o;
	m2m_buf farm;

	(void)state;
	call("mno1", M2M_WS_ES4_AUDIT_EIS, "audit-1", 1, false, true, NULL, &o);
	assert_true(o.accepted);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_true(o.has_eis);
	/* The card says the bootstrap is enabled, fall-back; so must the EIS. */
	m2m_buf_init(&farm);
	farm_device(1, &farm);
	assert_non_null(strstr((char *)farm.data, F->iccid[1]));
	assert_non_null(strstr((char *)farm.data, "\"state\":\"enabled\""));
	m2m_buf_free(&farm);
	m2m_store *st = store_open();
	m2m_store_profile p;
	memset(&p, 0, sizeof p);
	assert_int_equal(m2m_store_profile_get_by_iccid(st, F->iccid[1], &p), M2M_OK);
	assert_int_equal(p.state, M2M_STORE_PROFILE_ENABLED);
	assert_true(p.fallback);
	m2m_store_profile_clear(&p);
	m2m_store_eis e;
	memset(&e, 0, sizeof e);
	assert_int_equal(m2m_store_eis_get(st, F->eid[1], &e), M2M_OK);
	assert_true(e.last_audit_ms > 0);
	m2m_store_eis_clear(&e);
	m2m_store_close(st);
}

static void test_card_and_pol2_refusals(void **state)
{
	outcome o;
	m2m_ws_msg *m = NULL;
	m2m_ws_node *pol2 = NULL, *rule = NULL;

	(void)state;
	/* Enable of the profile already enabled: the card refuses (6985). */
	call("mno1", M2M_WS_ES4_ENABLE_PROFILE, "en-1", 0, true, true, NULL, &o);
	assert_true(o.accepted);
	expect(&o, M2M_WS_FAILED, "8.2", "1.2");
	/* Unknown ICCID on a known eUICC. */
	assert_int_equal(m2m_ws_request_new(M2M_WS_ES4_DISABLE_PROFILE, "dis-x", 0, &m), M2M_OK);
	m2m_ws_add(m, NULL, "Eid", F->eid[0], NULL);
	m2m_ws_add(m, NULL, "Iccid", F->iccid[1], NULL); /* another eUICC's */
	call("mno1", M2M_WS_ES4_DISABLE_PROFILE, NULL, 0, false, true, m, &o);
	expect(&o, M2M_WS_FAILED, "8.2.1", "3.9");
	/* POL2: DISABLE Not-Allowed, then DisableProfile refused before any SMS. */
	assert_int_equal(m2m_ws_request_new(M2M_WS_ES4_UPDATE_POLICY_RULES, "pol-1", 0, &m),
			 M2M_OK);
	m2m_ws_add(m, NULL, "Eid", F->eid[2], NULL);
	m2m_ws_add(m, NULL, "Iccid", F->iccid[2], NULL);
	assert_int_equal(m2m_ws_add(m, NULL, "pol2", NULL, &pol2), M2M_OK);
	assert_int_equal(m2m_ws_add(m, pol2, "Rule", NULL, &rule), M2M_OK);
	m2m_ws_add(m, rule, "Subject", "PROFILE", NULL);
	m2m_ws_add(m, rule, "Action", "DISABLE", NULL);
	m2m_ws_add(m, rule, "Qualification", "Not-Allowed", NULL);
	call("mno1", M2M_WS_ES4_UPDATE_POLICY_RULES, NULL, 2, false, false, m, &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	call("mno1", M2M_WS_ES4_DISABLE_PROFILE, "dis-2", 2, true, true, NULL, &o);
	assert_false(o.accepted);
	expect(&o, M2M_WS_FAILED, "8.2.3", "1.2");
}

static void test_dedup(void **state)
{
	outcome a, b;

	(void)state;
	call("mno1", M2M_WS_ES4_AUDIT_EIS, "audit-dup", 2, false, true, NULL, &a);
	expect(&a, M2M_WS_EXECUTED_SUCCESS, "", "");
	/* The same identifier again: the recorded answer at once, no second job. */
	call("mno1", M2M_WS_ES4_AUDIT_EIS, "audit-dup", 2, false, true, NULL, &b);
	assert_false(b.accepted);
	expect(&b, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_true(b.has_eis);
	/* The same identifier for another request. */
	call("mno1", M2M_WS_ES4_AUDIT_EIS, "audit-dup", 1, false, true, NULL, &b);
	expect(&b, M2M_WS_FAILED, "1.6", "3.3");
}

/* kill -9 while a job is on its way (the eUICC switched off holds the SMS), restart: each
 * call ends exactly once, with one job each. */
static void test_restart(void **state)
{
	m2m_ws_client *c;
	m2m_ws_result res;
	char url[128], mids[NDEV][128], fcid[32];
	m2m_store *st;

	(void)state;
	farm_switch_off(0, 3);
	c = client("mno1");
	snprintf(url, sizeof url, "https://%s/soap/es4", F->es);
	for (int i = 0; i < NDEV; i++) {
		m2m_ws_msg *m = NULL;
		snprintf(fcid, sizeof fcid, "batch-%d", i);
		assert_int_equal(m2m_ws_request_new(M2M_WS_ES4_AUDIT_EIS, fcid, 60, &m), M2M_OK);
		m2m_ws_add(m, NULL, "Eid", F->eid[i], NULL);
		memset(&res, 0, sizeof res);
		assert_int_equal(m2m_ws_client_call(c, url, m, F->cb_url, &res), M2M_OK);
		assert_true(res.accepted);
		snprintf(mids[i], sizeof mids[i], "%s", m2m_ws_msg_wsa(m)->message_id);
		m2m_ws_result_free(&res);
		m2m_ws_msg_free(m);
	}
	m2m_ws_client_free(c);
	usleep(300000);
	stop(&F->smsr, SIGKILL);
	start_smsr();
	/* Every call is answered: by its callback, or (lost with the process) by the answer
	 * recorded for its FunctionCallIdentifier when the operator asks again. */
	for (int i = 0; i < NDEV; i++) {
		callback cb;
		outcome o;
		memset(&cb, 0, sizeof cb);
		if (callbacks_for(mids[i]) > 0) {
			assert_true(wait_callback(mids[i], &cb));
			assert_int_equal(cb.st.status, M2M_WS_EXECUTED_SUCCESS);
			continue;
		}
		snprintf(fcid, sizeof fcid, "batch-%d", i);
		call("mno1", M2M_WS_ES4_AUDIT_EIS, fcid, i, false, true, NULL, &o);
		expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	}
	st = store_open();
	for (int i = 0; i < NDEV; i++) {
		snprintf(fcid, sizeof fcid, "batch-%d", i);
		assert_one_answered_job(st, F->eid[i], fcid);
	}
	m2m_store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_eis),
		cmocka_unit_test(test_register_eis),
		cmocka_unit_test(test_audit_matches_card),
		cmocka_unit_test(test_card_and_pol2_refusals),
		cmocka_unit_test(test_dedup),
		cmocka_unit_test(test_restart),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
