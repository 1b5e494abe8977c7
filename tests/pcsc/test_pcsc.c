/*
 * End to end through PC/SC: a private pcscd (its own mount namespace, so its socket, pid file
 * and vpcd port are this test's alone) with the vsmartcard vpcd driver, one software eUICC
 * behind the card front connected to vpcd by the vpcd client, and opensc-tool as the PC/SC
 * application. It reads the ATR, EF.ICCID of the enabled profile and the EID through the
 * ISD-R; then the other profile is enabled (m2m_euicc_enable_profile), the card is reinserted
 * (removed and inserted: pcscd powers it up again, the REFRESH's UICC reset) and EF.ICCID
 * shows the new profile.
 *
 * Needs root (or passwordless sudo) for the mount namespace, and pcscd, vsmartcard-vpcd and
 * opensc (scripts/install-deps.sh); fails with a message naming what is missing, never skips.
 * The vpcd port pair is free ones picked at start (M2MRSP_VPCD_PORT forces one, e.g. 35963:
 * then two runs must not overlap). docs/pcsc.md "The end-to-end test".
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
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>

#include <event2/event.h>

#include "core/log.h"
#include "euicc/card_front.h"
#include "euicc/es8_fixture.h"
#include "net/vpcd.h"
#include "saip/personalise.h"

extern char **environ;

#define VPCD_DRIVER "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
#define READER "Virtual PCD 00 00"
#define WAIT_S 20
/* EF.ICCID: the ICCID digits nibble-swapped (TS 102 221 13.2). TS.48's header ICCID is
 * 89000123456789012341 (shared/vectors/README.md); the second profile 89000123456789012358. */
#define EF_ICCID_13 "98001032547698103214"
#define EF_ICCID_14 "98001032547698103285"
#define ISDR_HEX "A0000005591010FFFFFFFF8900000100"
#define ATR_HEX "3b9f96801fc78031e073fe211b633a204e8300900093"

typedef struct {
	char dir[64];                /* pcscd.comm, pcscd.pid, conf/vpcd, pcscd.log */
	char sock[128];
	char log[128];
	uint16_t port;
	pid_t pcscd;
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

static env E = {.pcscd = -1, .cmd = {-1, -1}, .mu = PTHREAD_MUTEX_INITIALIZER,
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

/* ------------------------------------------------------------------ processes */

/* Path of an executable found in PATH or the sbin directories, or NULL. */
static const char *find_exe(const char *name, char *out, size_t cap)
{
	const char *path = getenv("PATH");
	char dirs[4096];

	snprintf(dirs, sizeof dirs, "%s:/usr/sbin:/sbin:/usr/bin:/bin", path ? path : "");
	for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(out, cap, "%s/%s", d, name);
		if (access(out, X_OK) == 0)
			return out;
	}
	return NULL;
}

/* Runs argv with stdout+stderr into out (NUL-terminated); returns the exit status, -1 if
 * it did not exit normally. */
static int run(char *const argv[], char *out, size_t cap)
{
	posix_spawn_file_actions_t fa;
	int p[2], st = 0;
	size_t len = 0;
	ssize_t k;
	pid_t pid;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	assert_int_equal(posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	while ((k = read(p[0], out + len, cap - 1 - len)) > 0 || (k < 0 && errno == EINTR))
		len += k > 0 ? (size_t)k : 0;
	out[len] = '\0';
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* "sudo -n" when not root and sudo works without a password; fails otherwise. */
static bool need_sudo(void)
{
	char exe[512], out[512];
	char *argv[] = {"sudo", "-n", "true", NULL};

	if (geteuid() == 0)
		return false;
	if (find_exe("sudo", exe, sizeof exe) == NULL || run(argv, out, sizeof out) != 0)
		fail_msg("pcsc test: needs root or passwordless sudo to run a private pcscd in its "
			 "own mount namespace");
	return true;
}

/* Two consecutive free TCP ports (vpcd listens on PORT and PORT+1, any address). */
static uint16_t free_port_pair(void)
{
	const char *forced = getenv("M2MRSP_VPCD_PORT");

	if (forced != NULL && *forced != '\0')
		return (uint16_t)atoi(forced);
	for (int tries = 0; tries < 50; tries++) {
		struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = INADDR_ANY};
		socklen_t sl = sizeof sin;
		int a = socket(AF_INET, SOCK_STREAM, 0), b = socket(AF_INET, SOCK_STREAM, 0);
		uint16_t port = 0;

		assert_true(a >= 0 && b >= 0);
		if (bind(a, (struct sockaddr *)&sin, sizeof sin) == 0 &&
		    getsockname(a, (struct sockaddr *)&sin, &sl) == 0 &&
		    ntohs(sin.sin_port) < 65535) {
			sin.sin_port = htons((uint16_t)(ntohs(sin.sin_port) + 1));
			if (bind(b, (struct sockaddr *)&sin, sizeof sin) == 0)
				port = (uint16_t)(ntohs(sin.sin_port) - 1);
		}
		close(a);
		close(b);
		if (port != 0)
			return port;
	}
	fail_msg("pcsc test: no free port pair");
	return 0;
}

static void write_conf(void)
{
	char path[160];
	FILE *fp;

	snprintf(path, sizeof path, "%s/conf", E.dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/conf/vpcd", E.dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	/* As /etc/reader.conf.d/vpcd, with this test's port (DEVICENAME /dev/null:PORT). */
	fprintf(fp, "FRIENDLYNAME \"Virtual PCD\"\nDEVICENAME /dev/null:%u\nLIBPATH %s\n"
		    "CHANNELID %u\n", E.port, VPCD_DRIVER, E.port);
	fclose(fp);
}

static void dump_log(void)
{
	char buf[4096];
	FILE *fp = fopen(E.log, "r");
	size_t n;

	if (fp == NULL)
		return;
	n = fread(buf, 1, sizeof buf - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	fprintf(stderr, "---- %s ----\n%s\n----\n", E.log, buf);
}

/* pcscd -f in a new mount namespace where E.dir is /run/pcscd: its socket is E.sock. */
static void start_pcscd(bool sudo)
{
	char pcscd[512], unshare[512], conf[160], script[1024];
	char *argv[16];
	int i = 0, fd, st;
	posix_spawn_file_actions_t fa;

	if (find_exe("pcscd", pcscd, sizeof pcscd) == NULL || access(VPCD_DRIVER, R_OK) != 0 ||
	    find_exe("opensc-tool", conf, sizeof conf) == NULL)
		fail_msg("pcsc test: pcscd, vsmartcard-vpcd (%s) or opensc-tool is missing: run "
			 "scripts/install-deps.sh", VPCD_DRIVER);
	if (find_exe("unshare", unshare, sizeof unshare) == NULL)
		fail_msg("pcsc test: unshare (util-linux) is missing");
	snprintf(conf, sizeof conf, "%s/conf", E.dir);
	snprintf(script, sizeof script,
		 "mkdir -p /run/pcscd && mount --bind \"$0\" /run/pcscd && exec %s -f -c \"$1\"",
		 pcscd);
	if (sudo) {
		argv[i++] = "sudo";
		argv[i++] = "-n";
	}
	argv[i++] = unshare;
	argv[i++] = "-m";
	argv[i++] = "--propagation";
	argv[i++] = "private";
	argv[i++] = "sh";
	argv[i++] = "-c";
	argv[i++] = script;
	argv[i++] = E.dir;
	argv[i++] = conf;
	argv[i] = NULL;
	fd = open(E.log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, 1);
	posix_spawn_file_actions_adddup2(&fa, fd, 2);
	assert_int_equal(posix_spawnp(&E.pcscd, argv[0], &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	close(fd);
	for (int t = 0; t < WAIT_S * 20 && access(E.sock, F_OK) != 0; t++) {
		if (waitpid(E.pcscd, &st, WNOHANG) == E.pcscd) {
			E.pcscd = -1;
			dump_log();
			fail_msg("pcsc test: pcscd exited at start (a mount namespace needs root: "
				 "CAP_SYS_ADMIN); its log is above");
		}
		sleep_ms(50);
	}
	if (access(E.sock, F_OK) != 0) {
		dump_log();
		fail_msg("pcsc test: pcscd did not create %s", E.sock);
	}
}

static void stop_pcscd(void)
{
	int st;

	if (E.pcscd <= 0)
		return;
	kill(E.pcscd, SIGTERM);
	for (int t = 0; t < 100; t++) {
		if (waitpid(E.pcscd, &st, WNOHANG) == E.pcscd) {
			E.pcscd = -1;
			return;
		}
		sleep_ms(50);
	}
	kill(E.pcscd, SIGKILL);
	waitpid(E.pcscd, &st, 0);
	E.pcscd = -1;
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
	E.cl = m2m_vpcd_client_new(E.base, "127.0.0.1", E.port, &CBS, NULL);
	assert_non_null(E.cl);
	assert_int_equal(pthread_create(&E.loop, NULL, loop_main, NULL), 0);
	E.loop_started = true;
}

/* Brought up inside the test, so that the teardown (which cmocka runs after a failed test,
 * not after a failed setup) always stops what was started. */
static void bring_up(void)
{
	bool sudo = need_sudo();

	snprintf(E.dir, sizeof E.dir, "/tmp/m2mrsp-pcsc-XXXXXX");
	assert_non_null(mkdtemp(E.dir));
	assert_int_equal(chmod(E.dir, 0755), 0);
	snprintf(E.sock, sizeof E.sock, "%s/pcscd.comm", E.dir);
	snprintf(E.log, sizeof E.log, "%s/pcscd.log", E.dir);
	E.port = free_port_pair();
	write_conf();
	start_pcscd(sudo);
	/* Clients (opensc-tool) find this pcscd through libpcsclite's variable. */
	setenv("PCSCLITE_CSOCK_NAME", E.sock, 1);
	make_card();
	start_loop();
}

static void rm_dir(void)
{
	static const char *files[] = {"conf/vpcd", "pcscd.log", "pcscd.comm", "pcscd.pid"};
	char path[192];

	if (E.dir[0] == '\0')
		return;
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", E.dir, files[i]);
		unlink(path);
	}
	snprintf(path, sizeof path, "%s/conf", E.dir);
	rmdir(path);
	rmdir(E.dir);
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
	stop_pcscd();
	rm_dir();
	return 0;
}

/* ------------------------------------------------------------------ opensc-tool */

/* The data of the last response with SW 9000 in opensc-tool's output, as lower-case hex
 * without spaces (its hex dump: "XX XX ... ascii", 16 bytes a line). */
static bool last_ok_data(const char *out, char *hex, size_t cap)
{
	const char *mark = "Received (SW1=0x90, SW2=0x00)", *p = NULL, *q;
	size_t n = 0;

	for (q = strstr(out, mark); q != NULL; q = strstr(q + 1, mark))
		p = q;
	if (p == NULL || (p = strchr(p, '\n')) == NULL)
		return false;
	p++;
	while (*p != '\0' && strncmp(p, "Sending", 7) != 0) {
		int k = 0;

		/* One dump line: pairs of hex digits separated by one space. */
		while (k < 16 && isxdigit((unsigned char)p[0]) && isxdigit((unsigned char)p[1]) &&
		       (p[2] == ' ' || p[2] == '\n' || p[2] == '\0') && n + 3 < cap) {
			hex[n++] = (char)tolower((unsigned char)p[0]);
			hex[n++] = (char)tolower((unsigned char)p[1]);
			p += p[2] == '\0' ? 2 : 3;
			k++;
		}
		if (k == 0 || (q = strchr(p, '\n')) == NULL)
			break;
		p = q + 1;
	}
	hex[n] = '\0';
	return true;
}

/* Runs opensc-tool on the virtual reader until it succeeds (the card may not be powered
 * yet); returns its output. */
static void opensc(char *const args[], char *out, size_t cap)
{
	char *argv[16] = {"timeout", "30", "opensc-tool", "-r", READER};
	int i = 5, rc = -1;

	for (int k = 0; args[k] != NULL && i < 15; k++)
		argv[i++] = args[k];
	argv[i] = NULL;
	for (int t = 0; t < WAIT_S * 4; t++) {
		rc = run(argv, out, cap);
		if (rc == 0 && strstr(out, "Card not present") == NULL &&
		    strstr(out, "Failed") == NULL) {
			printf("opensc-tool%s (try %d):\n%s", args[0][1] == 'a' ? " -a" : "",
			       t + 1, out);
			return;
		}
		sleep_ms(250);
	}
	fprintf(stderr, "%s\n", out);
	dump_log();
	fail_msg("pcsc test: opensc-tool failed (exit %d); vpcd port %u, pcscd log above", rc,
		 (unsigned)E.port);
}

static void read_iccid(char *hex, size_t cap)
{
	char out[8192];
	char *args[] = {"-s", "00A40004022FE2", "-s", "00B000000A", NULL};

	opensc(args, out, sizeof out);
	if (!last_ok_data(out, hex, cap))
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
	assert_true(last_ok_data(out, hex, sizeof hex));
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
