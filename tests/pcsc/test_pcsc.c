/*
 * End to end through PC/SC: a private pcscd (its own mount namespace, so its socket, pid file
 * and vpcd port are this test's alone) with the vsmartcard vpcd driver, one software eUICC
 * behind the card front connected to vpcd by the vpcd client, and opensc-tool as the PC/SC
 * application. It reads the ATR, EF.ICCID of the enabled profile and the EID through the
 * ISD-R; then the other profile is enabled (m2m_euicc_enable_profile), the card is reinserted
 * (removed and inserted: pcscd powers it up again, the REFRESH's UICC reset) and EF.ICCID
 * shows the new profile.
 *
 * pcscd and opensc-tool are run by pcsc_harness.h (root or passwordless sudo, pcscd,
 * vsmartcard-vpcd and opensc needed; never skips). docs/pcsc.md "The end-to-end test".
 *
 * Threads: the event loop (vpcd client, card front, eUICC) runs in its own thread and alone
 * touches the card; the test thread runs opensc-tool and sends commands through a pipe.
 */
#define _GNU_SOURCE /* pipe2 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <pthread.h>
#include <time.h>

#include <event2/event.h>

#include "core/log.h"
#include "euicc/card_front.h"
#include "euicc/es8_fixture.h"
#include "net/vpcd.h"
#include "pcsc/pcsc_harness.h"
#include "saip/personalise.h"

/* EF.ICCID: the ICCID digits nibble-swapped (TS 102 221 13.2). TS.48's header ICCID is
 * 89000123456789012341 (shared/vectors/README.md); the second profile 89000123456789012358. */
#define EF_ICCID_13 "98001032547698103214"
#define EF_ICCID_14 "98001032547698103285"
#define ISDR_HEX "A0000005591010FFFFFFFF8900000100"
#define ATR_HEX "3b9f96801fc78031e073fe211b633a204e8300900093"

typedef struct {
	pc_pcscd d;
	card *c;
	m2m_card_front front;
	struct event_base *base;
	m2m_vpcd_client *cl;
	struct event *cmd_ev;
	int cmd[2];                  /* test thread -> loop thread */
	pthread_t loop;
	bool loop_started;
	pthread_mutex_t mu;          /* guards what follows */
	pthread_cond_t cv;
	int ups;
	unsigned long power_ups;     /* vpcd power on / reset */
	int switched;
	uint16_t switch_sw;
	bool refresh_due;
} env;

static env E = {.d = {.pid = -1}, .cmd = {-1, -1}, .mu = PTHREAD_MUTEX_INITIALIZER,
		.cv = PTHREAD_COND_INITIALIZER};

/* ------------------------------------------------------------------ the card (loop thread) */

static void cb_power(void *arg, m2m_vpcd_ctrl what)
{
	(void)arg;
	pthread_mutex_lock(&E.mu);
	if (what == M2M_VPCD_POWER_OFF) {
		m2m_card_front_power_off(&E.front);
	} else {
		(void)m2m_card_front_reset(&E.front, NULL);
		E.power_ups++;
	}
	pthread_mutex_unlock(&E.mu);
}

static m2m_err cb_atr(void *arg, m2m_buf *atr)
{
	size_t n = 0;
	const uint8_t *p = m2m_euicc_uicc_atr(&n);

	(void)arg;
	return m2m_buf_append(atr, p, n);
}

static m2m_err cb_apdu(void *arg, const uint8_t *capdu, size_t n, m2m_buf *rapdu)
{
	m2m_err err;

	(void)arg;
	pthread_mutex_lock(&E.mu);
	err = m2m_card_front_apdu(&E.front, capdu, n, rapdu);
	pthread_mutex_unlock(&E.mu);
	return err;
}

/* A new connection is a newly inserted card. */
static void cb_link(void *arg, bool up)
{
	(void)arg;
	pthread_mutex_lock(&E.mu);
	if (up) {
		(void)m2m_card_front_reset(&E.front, NULL);
		E.ups++;
	} else {
		m2m_card_front_power_off(&E.front);
	}
	pthread_cond_broadcast(&E.cv);
	pthread_mutex_unlock(&E.mu);
}

static const m2m_vpcd_callbacks CBS = {cb_power, cb_atr, cb_apdu, cb_link};

/* 'S': enable ISD-P 14 and reinsert the card; 'Q': stop the loop. */
static void on_cmd(evutil_socket_t fd, short what, void *arg)
{
	uint8_t aid[16];
	char c = 0;

	(void)what;
	(void)arg;
	if (read(fd, &c, 1) != 1 || c == 'Q') {
		event_base_loopbreak(E.base);
		return;
	}
	m2m_hex_decode_exact(AID_14, aid, sizeof aid);
	pthread_mutex_lock(&E.mu);
	E.switch_sw = m2m_euicc_enable_profile(E.c->e, aid, sizeof aid, NULL);
	E.refresh_due = m2m_card_front_refresh_pending(&E.front);
	E.switched = 1;
	pthread_cond_broadcast(&E.cv);
	pthread_mutex_unlock(&E.mu);
	m2m_vpcd_client_reinsert(E.cl);
}

static void *loop_main(void *arg)
{
	(void)arg;
	event_base_dispatch(E.base);
	return NULL;
}

/* ------------------------------------------------------------------ the card */

static void install(card *c, const char *aid_hex, const m2m_buf *pkg)
{
	assert_string_equal(fx_create(c, aid_hex), "009000");
	assert_int_equal(m2m_euicc_isdp_install_package(c->e, fx_idx(c, aid_hex), pkg->data,
							pkg->len), M2M_OK);
}

/* ISD-P 13: TS.48, enabled; ISD-P 14: TS.48 with ICCID 8900012345678901235 + Luhn. */
static void make_card(void)
{
	m2m_buf pkg, pkg2;
	m2m_saip_pkg p;
	m2m_saip_error err;
	uint8_t aid[16];

	E.c = fx_new();
	es8_read(&pkg);
	m2m_saip_pkg_init(&p);
	m2m_buf_init(&pkg2);
	assert_int_equal(m2m_saip_decode(pkg.data, pkg.len, &p, &err), M2M_OK);
	assert_int_equal(m2m_saip_set_iccid(&p, "8900012345678901235", true, &err), M2M_OK);
	assert_int_equal(m2m_saip_encode(&p, &pkg2), M2M_OK);
	m2m_saip_pkg_free(&p);
	install(E.c, AID_13, &pkg);
	install(E.c, AID_14, &pkg2);
	fx_aid(AID_13, aid);
	assert_int_equal(m2m_euicc_enable_profile(E.c->e, aid, sizeof aid, NULL), 0x9000);
	m2m_buf_free(&pkg);
	m2m_buf_free(&pkg2);
	m2m_card_front_init(&E.front, E.c->e);
}

static void start_loop(void)
{
	E.base = event_base_new();
	assert_non_null(E.base);
	assert_int_equal(pipe2(E.cmd, O_CLOEXEC), 0);
	E.cmd_ev = event_new(E.base, E.cmd[0], EV_READ | EV_PERSIST, on_cmd, NULL);
	assert_non_null(E.cmd_ev);
	event_add(E.cmd_ev, NULL);
	E.cl = m2m_vpcd_client_new(E.base, "127.0.0.1", E.d.port, &CBS, NULL);
	assert_non_null(E.cl);
	assert_int_equal(pthread_create(&E.loop, NULL, loop_main, NULL), 0);
	E.loop_started = true;
}

/* Brought up inside the test, so that the teardown (which cmocka runs after a failed test,
 * not after a failed setup) always stops what was started. */
static void bring_up(void)
{
	bool sudo = pc_need_sudo("pcsc test");

	pc_pcscd_init(&E.d, "pcsc test", "/tmp/m2mrsp-pcsc-XXXXXX");
	pc_pcscd_start(&E.d, sudo);
	make_card();
	start_loop();
}

static int teardown(void **state)
{
	(void)state;
	if (E.loop_started) {
		(void)!write(E.cmd[1], "Q", 1);
		pthread_join(E.loop, NULL);
	}
	m2m_vpcd_client_free(E.cl);
	if (E.cmd_ev != NULL)
		event_free(E.cmd_ev);
	if (E.base != NULL)
		event_base_free(E.base);
	for (int i = 0; i < 2; i++)
		if (E.cmd[i] >= 0)
			close(E.cmd[i]);
	if (E.c != NULL)
		fx_free(E.c);
	pc_pcscd_free(&E.d, NULL);
	return 0;
}

/* ------------------------------------------------------------------ opensc-tool */

/* opensc-tool with args (the card may not be powered yet); fails when it never succeeds. */
static void opensc(char *const args[], char *out, size_t cap)
{
	if (!pc_opensc(&E.d, args, NULL, out, cap))
		fail_msg("pcsc test: opensc-tool failed; pcscd log above");
}

static void read_iccid(char *hex, size_t cap)
{
	char out[8192];
	char *args[] = {"-s", "00A40004022FE2", "-s", "00B000000A", NULL};

	opensc(args, out, sizeof out);
	if (!pc_last_ok_data(out, hex, cap))
		fail_msg("pcsc test: no 9000 answer in:\n%s", out);
}

static bool wait_flag(const int *v, int target)
{
	struct timespec ts;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += WAIT_S;
	pthread_mutex_lock(&E.mu);
	while (*v < target && rc == 0)
		rc = pthread_cond_timedwait(&E.cv, &E.mu, &ts);
	rc = *v >= target;
	pthread_mutex_unlock(&E.mu);
	return rc;
}

/* The ATR line of "opensc-tool -a" ("3b:9f:...:93") as hex without colons. */
static bool atr_line(const char *out, char *hex, size_t cap)
{
	for (const char *line = out; line != NULL && *line != '\0';) {
		const char *end = strchr(line, '\n');
		size_t n = 0;
		bool ok = true;

		for (const char *p = line; p < (end ? end : line + strlen(line)) && ok; p++) {
			if (*p == ':')
				continue;
			ok = isxdigit((unsigned char)*p) && n + 1 < cap;
			if (ok)
				hex[n++] = (char)tolower((unsigned char)*p);
		}
		hex[n] = '\0';
		if (ok && n >= 4)
			return true;
		line = end ? end + 1 : NULL;
	}
	return false;
}

static void test_pcsc(void **state)
{
	char out[8192], hex[256];
	char *atr_args[] = {"-a", NULL};
	char *eid_args[] = {"-s", "00A4040C10" ISDR_HEX, "-s", "80CA005A00", NULL};
	unsigned long before, after;
	uint16_t sw;
	bool due, pending;

	(void)state;
	bring_up();
	assert_true(wait_flag(&E.ups, 1));
	/* The ATR as pcscd reports it. */
	opensc(atr_args, out, sizeof out);
	assert_true(atr_line(out, hex, sizeof hex));
	assert_string_equal(hex, ATR_HEX);
	/* EF.ICCID of the enabled profile; the EID from the ISD-R. */
	read_iccid(hex, sizeof hex);
	assert_string_equal(hex, EF_ICCID_13);
	opensc(eid_args, out, sizeof out);
	assert_true(pc_last_ok_data(out, hex, sizeof hex));
	assert_string_equal(hex, "5a10" EID_HEX);
	/* Switch, reinsert, read again. */
	pthread_mutex_lock(&E.mu);
	before = E.power_ups;
	pthread_mutex_unlock(&E.mu);
	assert_int_equal(write(E.cmd[1], "S", 1), 1);
	assert_true(wait_flag(&E.switched, 1));
	pthread_mutex_lock(&E.mu);
	sw = E.switch_sw;
	due = E.refresh_due;
	pthread_mutex_unlock(&E.mu);
	assert_int_equal(sw, 0x9000);
	assert_true(due);
	assert_true(wait_flag(&E.ups, 2));
	read_iccid(hex, sizeof hex);
	assert_string_equal(hex, EF_ICCID_14);
	pthread_mutex_lock(&E.mu);
	after = E.power_ups;
	pending = m2m_card_front_refresh_pending(&E.front);
	pthread_mutex_unlock(&E.mu);
	assert_true(after > before); /* pcscd powered the reinserted card up */
	assert_false(pending);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_pcsc, teardown),
	};

	m2m_log_setup(M2M_LOG_WARN, M2M_LOG_PLAIN, stderr);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
