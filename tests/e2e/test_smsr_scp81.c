/*
 * End to end over the HTTPS bearer: `m2mrsp devices run` with SCP81 (`--scp81-url`) and
 * notifications over HTTPS (`--notify https`), `m2mrsp smsr` with `[scp81] enabled = true`.
 * AuditEIS and EnableProfile go as AE 80 scripts in TLS-PSK sessions the card opens after a
 * trigger SMS (raw SCP80 secured data to the ISD-R); the card's notification of the enable
 * comes back over HTTPS and its 3A08 confirmation goes in the same kind of session. The
 * farm's counters prove the path: SCP81 sessions completed, PoRs only for the triggers.
 */
#define _POSIX_C_SOURCE 200809L
#define NDEV 3
#include "e2e_harness.h"
#include "scp81_harness.h"

/* ---- set-up ---- */

static int setup(void **state)
{
	(void)state;
	scp81_system_up("/tmp/m2m_e2e81_XXXXXX", 50);
	return 0;
}

/* ---- tests ---- */

/* AuditEIS of device 0 over HTTPS: one trigger SMS (its PoR), one SCP81 session, the EIS
 * from the card's answer. */
static void test_audit_over_scp81(void **state)
{
	outcome o;
	long ok0 = farm_stat("scp81_ok"), por0 = farm_stat("por");
	m2m_store *st;
	m2m_store_eis e;

	(void)state;
	call_mno1(M2M_WS_ES4_AUDIT_EIS, "audit-81", 0, NULL, &o);
	assert_true(o.accepted);
	expect_success(&o);
	assert_true(o.has_eis);
	assert_int_equal(farm_stat("scp81_ok"), ok0 + 1);
	assert_int_equal(farm_stat("scp81_failed"), 0);
	assert_int_equal(farm_stat("por"), por0 + 1); /* the trigger's only */
	st = store_open();
	memset(&e, 0, sizeof e);
	assert_int_equal(m2m_store_eis_get(st, F->eid[0], &e), M2M_OK);
	assert_true(e.last_audit_ms > 0);
	assert_true((e.caps & M2M_STORE_CAP_HTTPS) != 0);
	m2m_store_eis_clear(&e);
	m2m_store_close(st);
}

/* EnableProfile of the disabled second profile of device 1 over HTTPS; the card's
 * notification (02) comes over HTTPS too and is confirmed: nothing is left pending. */
static void test_enable_over_scp81(void **state)
{
	outcome o;
	long ok0 = farm_stat("scp81_ok"), por0 = farm_stat("por"), mo0 = farm_stat("mo");
	m2m_store *st;
	m2m_store_profile p;
	m2m_buf dev;
	char what[96];
	int i;

	(void)state;
	call_mno1(M2M_WS_ES4_ENABLE_PROFILE, "enable-81", 1, F->iccid2[1], &o);
	assert_true(o.accepted);
	expect_success(&o);
	assert_true(farm_stat("scp81_ok") >= ok0 + 1);
	assert_int_equal(farm_stat("por"), por0 + 1);
	/* The card's own HTTPS session brings the notification; the 3A08 goes back in it. */
	for (i = 0; i < 200 && (farm_stat("notif_sent") < 1 || farm_stat("pending_notif") > 0);
	     i++)
		usleep(100000);
	assert_true(farm_stat("notif_sent") >= 1);
	assert_int_equal(farm_stat("pending_notif"), 0);
	/* One MO: the trigger's PoR (SMS-SUBMIT); the notification went over HTTPS. */
	assert_int_equal(farm_stat("mo"), mo0 + 1);
	m2m_buf_init(&dev);
	snprintf(what, sizeof what, "/devices/%s", F->eid[1]);
	farm_get(what, &dev);
	assert_non_null(strstr((const char *)dev.data, F->iccid2[1]));
	m2m_buf_free(&dev);
	st = store_open();
	memset(&p, 0, sizeof p);
	assert_int_equal(m2m_store_profile_get_by_iccid(st, F->iccid2[1], &p), M2M_OK);
	assert_int_equal(p.state, M2M_STORE_PROFILE_ENABLED);
	m2m_store_profile_clear(&p);
	memset(&p, 0, sizeof p);
	assert_int_equal(m2m_store_profile_get_by_iccid(st, F->iccid[1], &p), M2M_OK);
	assert_int_equal(p.state, M2M_STORE_PROFILE_DISABLED);
	m2m_store_profile_clear(&p);
	m2m_store_close(st);
	assert_int_equal(farm_stat("scp81_failed"), 0);
}

/* A card refusal over HTTPS reads as over SMS: enable of the enabled profile, 6985. */
static void test_refusal_over_scp81(void **state)
{
	outcome o;

	(void)state;
	call_mno1(M2M_WS_ES4_ENABLE_PROFILE, "enable-81-again", 2, F->iccid[2], &o);
	assert_true(o.accepted);
	assert_int_equal(o.st.status, M2M_WS_FAILED);
	assert_string_equal(o.st.subject, "8.2");
	assert_string_equal(o.st.reason, "1.2");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_audit_over_scp81),
		cmocka_unit_test(test_enable_over_scp81),
		cmocka_unit_test(test_refusal_over_scp81),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
