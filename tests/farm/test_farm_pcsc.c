/*
 * PC/SC through the real farm daemon: `m2mrsp devices run --vpcd 127.0.0.1:PORT --expose EID`
 * in its own process, a private pcscd with vsmartcard's vpcd driver on PORT (in a new mount
 * namespace, as tests/pcsc/test_pcsc.c does), opensc-tool as the PC/SC application, and this
 * test as the SM-SR's ESME over the farm's SMPP:
 *   1. opensc-tool reads EF.ICCID: the bootstrap profile's ICCID;
 *   2. SCP80 EnableProfile of ISD-P 000011 over SMPP: PoR 00; the farm reinserts the card;
 *      EF.ICCID is now the second profile's;
 *   3. SCP80 DisableProfile of it: the fall-back (bootstrap) profile again, and its ICCID.
 * Expected ICCIDs are the farm's numbering (m2m_farm_iccid_at) nibble-swapped here. Needs
 * root (or passwordless sudo), pcscd, vsmartcard-vpcd and opensc: anything missing fails the
 * test, it never skips.
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
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netinet/in.h>

#include "farm/farm_ids.h"
#include "farm_harness.h"

#define VPCD_DRIVER "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
#define READER "Virtual PCD 00 00"
#define WAIT_S 20
#define ENABLE_11 "AA1C 221A 80E2880015 3A0312 4F10" H_AID11
#define DISABLE_11 "AA1C 221A 80E2880015 3A0412 4F10" H_AID11
#define SPI2_SUBMIT 0x39

extern char **environ;

typedef struct {
	char dir[64];                /* pcscd.comm, pcscd.pid, conf/vpcd, pcscd.log, farm.log */
	char sock[128];
	char log[128];
	char farm_log[128];
	uint16_t port;
	pid_t pcscd;
	pid_t farm;
	harness *h;
} env;

static env E = {.pcscd = -1, .farm = -1};

/* ---------------------------------------------------------------- processes (as test_pcsc.c) */

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

/* Runs argv with stdout+stderr into out; the exit status, -1 if it did not exit normally. */
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

static bool need_sudo(void)
{
	char exe[512], out[512];
	char *argv[] = {"sudo", "-n", "true", NULL};

	if (geteuid() == 0)
		return false;
	if (find_exe("sudo", exe, sizeof exe) == NULL || run(argv, out, sizeof out) != 0)
		fail_msg("farm pcsc test: needs root or passwordless sudo to run a private pcscd "
			 "in its own mount namespace");
	return true;
}

/* Two consecutive free TCP ports (vpcd listens on PORT and PORT+1). */
static uint16_t free_port_pair(void)
{
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
	fail_msg("farm pcsc test: no free port pair");
	return 0;
}

static void dump(const char *path)
{
	char buf[8192];
	FILE *fp = fopen(path, "r");
	size_t n;

	if (fp == NULL)
		return;
	n = fread(buf, 1, sizeof buf - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	fprintf(stderr, "---- %s ----\n%s\n----\n", path, buf);
}

static void start_pcscd(bool sudo)
{
	char pcscd[512], unshare[512], conf[160], script[1024], path[192];
	char *argv[16];
	int i = 0, fd, st;
	posix_spawn_file_actions_t fa;
	FILE *fp;

	if (find_exe("pcscd", pcscd, sizeof pcscd) == NULL || access(VPCD_DRIVER, R_OK) != 0 ||
	    find_exe("opensc-tool", conf, sizeof conf) == NULL)
		fail_msg("farm pcsc test: pcscd, vsmartcard-vpcd (%s) or opensc-tool is missing: "
			 "run scripts/install-deps.sh", VPCD_DRIVER);
	if (find_exe("unshare", unshare, sizeof unshare) == NULL)
		fail_msg("farm pcsc test: unshare (util-linux) is missing");
	snprintf(conf, sizeof conf, "%s/conf", E.dir);
	assert_int_equal(mkdir(conf, 0755), 0);
	snprintf(path, sizeof path, "%s/conf/vpcd", E.dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "FRIENDLYNAME \"Virtual PCD\"\nDEVICENAME /dev/null:%u\nLIBPATH %s\n"
		    "CHANNELID %u\n", E.port, VPCD_DRIVER, E.port);
	fclose(fp);
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
			dump(E.log);
			fail_msg("farm pcsc test: pcscd exited at start (a mount namespace needs "
				 "root: CAP_SYS_ADMIN); its log is above");
		}
		sleep_ms(50);
	}
	if (access(E.sock, F_OK) != 0) {
		dump(E.log);
		fail_msg("farm pcsc test: pcscd did not create %s", E.sock);
	}
}

static void stop(pid_t *pid)
{
	int st;

	if (*pid <= 0)
		return;
	kill(*pid, SIGTERM);
	for (int t = 0; t < 100; t++) {
		if (waitpid(*pid, &st, WNOHANG) == *pid) {
			*pid = -1;
			return;
		}
		sleep_ms(50);
	}
	kill(*pid, SIGKILL);
	waitpid(*pid, &st, 0);
	*pid = -1;
}

/* `m2mrsp devices run` on the harness's database; returns its SMPP port (first stdout line
 * "smpp ADDR:PORT"). stderr goes to E.farm_log. */
static uint16_t start_farm(const char *eid_hex)
{
	char db[80], vpcd[32], line[128];
	char *argv[] = {M2MRSP_BINARY, "devices", "run", "--db", db, "--smpp", "127.0.0.1:0",
			"--system-id", "smsr", "--password", "secret",
			"--smsr-address", "+" H_SMSR, "--notif-first-ms", "3600000",
			"--vpcd", vpcd, "--expose", (char *)eid_hex, NULL};
	posix_spawn_file_actions_t fa;
	int p[2], fd;
	size_t n = 0;
	unsigned port = 0;

	snprintf(db, sizeof db, "%s", E.h->db);
	snprintf(vpcd, sizeof vpcd, "127.0.0.1:%u", E.port);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	fd = open(E.farm_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, fd, 2);
	assert_int_equal(posix_spawn(&E.farm, argv[0], &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	close(fd);
	while (n + 1 < sizeof line) {
		ssize_t k = read(p[0], line + n, 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0 || line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	close(p[0]);
	if (sscanf(line, "smpp 127.0.0.1:%u", &port) != 1 || port == 0 || port > 65535) {
		dump(E.farm_log);
		fail_msg("farm pcsc test: the farm did not start (\"%s\"); its log is above", line);
	}
	return (uint16_t)port;
}

static void esme(harness *h, uint16_t port)
{
	m2m_smpp_esme_cfg c;
	m2m_smpp_esme_cbs cbs = {h_on_bind, h_on_down, h_on_submit_resp, h_on_deliver,
				 h_on_receipt};
	struct timeval tv = {0, 20000};

	memset(&c, 0, sizeof c);
	c.host = "127.0.0.1";
	c.port = port;
	c.system_id = "smsr";
	c.password = "secret";
	c.source.ton = 1;
	c.source.npi = 1;
	strcpy(c.source.addr, H_SMSR);
	c.receipts = true;
	c.reconnect_min_ms = 50;
	c.reconnect_max_ms = 200;
	h->tick = event_new(h->base, -1, EV_PERSIST, h_tick, NULL);
	assert_int_equal(event_add(h->tick, &tv), 0);
	h->esme = m2m_smpp_esme_new(h->base, &c, &cbs, h);
	assert_non_null(h->esme);
	assert_int_equal(m2m_smpp_esme_start(h->esme), M2M_OK);
	h_until(h, h_is_bound, NULL, "bind to the farm process");
}

/* ---------------------------------------------------------------- opensc-tool */

/* The data of the last 9000 response in opensc-tool's output, lower-case hex. */
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

/* EF.ICCID through PC/SC, retried until the card is there; want: the expected contents. */
static void read_iccid(const char *want)
{
	char out[8192], hex[64] = "";
	char *argv[] = {"timeout", "30", "opensc-tool", "-r", READER, "-s", "00A40004022FE2",
			"-s", "00B000000A", NULL};
	int rc = -1;

	/* Until the card answers with this ICCID: a reinsert takes about a second. */
	for (int t = 0; t < WAIT_S * 4; t++) {
		rc = run(argv, out, sizeof out);
		if (rc == 0 && strstr(out, "Card not present") == NULL &&
		    strstr(out, "Failed") == NULL && last_ok_data(out, hex, sizeof hex) &&
		    strcmp(hex, want) == 0) {
			printf("opensc-tool (try %d):\n%s", t + 1, out);
			return;
		}
		sleep_ms(250);
	}
	fprintf(stderr, "%s\n", out);
	dump(E.log);
	dump(E.farm_log);
	fail_msg("farm pcsc test: EF.ICCID %s expected, last read \"%s\" (opensc-tool exit %d)",
		 want, hex, rc);
}

/* The contents of EF.ICCID for the farm's ICCID digits: BCD, nibbles swapped, F padding. */
static void ef_iccid(const char *digits, char out[21])
{
	char d[21];

	memset(d, 'f', 20);
	d[20] = '\0';
	memcpy(d, digits, strlen(digits) < 20 ? strlen(digits) : 20);
	for (int i = 0; i < 10; i++) {
		out[2 * i] = d[2 * i + 1];
		out[2 * i + 1] = d[2 * i];
	}
	out[20] = '\0';
}

/* ---------------------------------------------------------------- the test */

static int teardown(void **state)
{
	static const char *files[] = {"conf/vpcd", "pcscd.log", "pcscd.comm", "pcscd.pid",
				      "farm.log"};
	char path[192];

	(void)state;
	stop(&E.farm);
	stop(&E.pcscd);
	if (E.h != NULL)
		h_free(E.h);
	E.h = NULL;
	if (E.dir[0] == '\0')
		return 0;
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", E.dir, files[i]);
		unlink(path);
	}
	snprintf(path, sizeof path, "%s/conf", E.dir);
	rmdir(path);
	rmdir(E.dir);
	return 0;
}

static bool log_has(const char *needle)
{
	char buf[65536];
	FILE *fp = fopen(E.farm_log, "r");
	size_t n;

	if (fp == NULL)
		return false;
	n = fread(buf, 1, sizeof buf - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return strstr(buf, needle) != NULL;
}

static void test_farm_pcsc(void **state)
{
	char eid_hex[33], iccid[21], ef_boot[21], ef_second[21];
	uint8_t eid[16];
	m2m_scp80_hdr hd;
	m2m_buf data;
	bool sudo;
	int st = 0;

	(void)state;
	m2m_buf_init(&data);
	sudo = need_sudo();
	snprintf(E.dir, sizeof E.dir, "/tmp/m2mrsp-farm-pcsc-XXXXXX");
	assert_non_null(mkdtemp(E.dir));
	assert_int_equal(chmod(E.dir, 0755), 0);
	snprintf(E.sock, sizeof E.sock, "%s/pcscd.comm", E.dir);
	snprintf(E.log, sizeof E.log, "%s/pcscd.log", E.dir);
	snprintf(E.farm_log, sizeof E.farm_log, "%s/farm.log", E.dir);
	assert_int_equal(setenv("PCSCLITE_CSOCK_NAME", E.sock, 1), 0);
	E.port = free_port_pair();
	/* One device with the bootstrap profile (ISD-P 10, fall-back) and a second profile. */
	E.h = h_new();
	h_make_db(E.h, 1, true);
	h_eid(0, eid);
	m2m_hex_encode(eid, 16, eid_hex);
	assert_int_equal(m2m_farm_iccid_at(H_ICCID, 0, iccid), M2M_OK);
	ef_iccid(iccid, ef_boot);
	assert_int_equal(m2m_farm_iccid_at(H_ICCID2, 0, iccid), M2M_OK);
	ef_iccid(iccid, ef_second);
	assert_string_not_equal(ef_boot, ef_second);

	start_pcscd(sudo);
	esme(E.h, start_farm(eid_hex));
	read_iccid(ef_boot);

	/* EnableProfile of ISD-P 000011 over the farm's SMPP: the device reinserts the card. */
	hd = h_hdr(SPI2_SUBMIT, 1);
	h_send(E.h, 0, &hd, ENABLE_11);
	assert_int_equal(h_por(E.h, 0, &hd, &data), M2M_POR_OK);
	assert_true(h_contains(&data, "9000"));
	read_iccid(ef_second);

	/* DisableProfile: the fall-back profile is enabled again. */
	hd = h_hdr(SPI2_SUBMIT, 2);
	h_send(E.h, 0, &hd, DISABLE_11);
	assert_int_equal(h_por(E.h, 0, &hd, &data), M2M_POR_OK);
	read_iccid(ef_boot);
	assert_true(log_has("PC/SC card reinserted"));
	/* SIGTERM: the daemon saves, frees everything and exits 0 (with ASan: no leak). */
	assert_int_equal(kill(E.farm, SIGTERM), 0);
	assert_int_equal(waitpid(E.farm, &st, 0), E.farm);
	E.farm = -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		dump(E.farm_log);
		fail_msg("farm pcsc test: the farm exited with status %d", st);
	}
	m2m_buf_free(&data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_farm_pcsc, teardown),
	};
	int rc;

	m2m_log_setup(M2M_LOG_WARN, M2M_LOG_PLAIN, stderr);
	assert_int_equal(m2m_http_global_init(), M2M_OK);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	m2m_http_global_cleanup();
	return rc;
}
