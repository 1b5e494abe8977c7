/*
 * The engine's wake-up (docs/smsr.md "Engine"): with `[engine] poll = 60000` the poll timer
 * first fires a minute after the start, so every job here must be claimed because new work,
 * a finished job or a card's session woke the engine, not by the poll: each answer is
 * awaited up to 30 s (wait_callback), half the first tick, so a missed wake-up fails the
 * test instead of passing late. Over the HTTPS bearer: a call (trigger SMS, SCP81 session),
 * an enable whose notification's 3A08 confirmation is queued from inside the card's session,
 * and calls for the same eUICC one after the other (each queued as the previous one ends,
 * while the trigger's PoR may still be out).
 */
#define _POSIX_C_SOURCE 200809L
#define NDEV 3
#include "e2e_harness.h"
#include "scp81_harness.h"

/* ---- set-up ---- */

static int setup(void **state)
{
	(void)state;
	scp81_system_up("/tmp/m2m_e2ewk_XXXXXX", 60000);
	return 0;
}

/* ---- tests ---- */

/* Three AuditEIS of device 0 in a row: each is claimed on its own wake-up. */
static void test_calls_in_a_row(void **state)
{
	outcome o;
	char fcid[32];

	(void)state;
	for (int i = 0; i < 3; i++) {
		snprintf(fcid, sizeof fcid, "wake-audit-%d", i);
		call_mno1(M2M_WS_ES4_AUDIT_EIS, fcid, 0, NULL, &o);
		assert_true(o.accepted);
		expect_success(&o);
		assert_true(o.has_eis);
	}
	assert_int_equal(farm_stat("scp81_failed"), 0);
}

/* EnableProfile of device 1: its notification's 3A08 confirmation goes out without a poll,
 * and an AuditEIS of the same eUICC right after it is claimed too. */
static void test_enable_then_audit(void **state)
{
	outcome o;
	int i;

	(void)state;
	call_mno1(M2M_WS_ES4_ENABLE_PROFILE, "wake-enable", 1, F->iccid2[1], &o);
	assert_true(o.accepted);
	expect_success(&o);
	call_mno1(M2M_WS_ES4_AUDIT_EIS, "wake-audit-enabled", 1, NULL, &o);
	if (!o.accepted)
		print_error("not accepted: %s %s/%s (%s)\n", m2m_ws_status_name(o.st.status),
			    o.st.subject, o.st.reason, o.st.message);
	assert_true(o.accepted);
	expect_success(&o);
	for (i = 0; i < 300 && (farm_stat("notif_sent") < 1 || farm_stat("pending_notif") > 0);
	     i++)
		usleep(100000);
	assert_true(farm_stat("notif_sent") >= 1);
	assert_int_equal(farm_stat("pending_notif"), 0);
	assert_int_equal(farm_stat("scp81_failed"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calls_in_a_row),
		cmocka_unit_test(test_enable_then_audit),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
