/*
 * Shared by the PC/SC end-to-end tests (tests/pcsc/test_pcsc.c, tests/farm/test_farm_pcsc.c):
 * a private pcscd with vsmartcard's vpcd driver in a new mount namespace (where the test's
 * directory is /run/pcscd, so its socket, pid file and vpcd port are the test's alone), and
 * opensc-tool as the PC/SC application on the virtual reader.
 *
 * Needs root (or passwordless sudo) for the mount namespace, and pcscd, vsmartcard-vpcd and
 * opensc (scripts/install-deps.sh): anything missing fails with a message naming it, never
 * skips. The vpcd port pair is a free one picked at start (M2MRSP_VPCD_PORT forces one, e.g.
 * 35963: then two runs must not overlap). The includer defines _GNU_SOURCE (pipe2) and
 * includes cmocka.h first.
 */
#ifndef M2M_TESTS_PCSC_HARNESS_H
#define M2M_TESTS_PCSC_HARNESS_H

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>

#define VPCD_DRIVER "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
#define READER "Virtual PCD 00 00"
#define WAIT_S 20

extern char **environ;

typedef struct {
	const char *name; /* the test, in failure messages */
	char dir[64];     /* pcscd.comm, pcscd.pid, conf/vpcd, pcscd.log; the test's own files */
	char sock[128];
	char log[128];
	uint16_t port;    /* vpcd listens on port and port + 1 */
	pid_t pid;        /* pcscd (through sudo and unshare); -1 when not running */
} pc_pcscd;

/* Path of an executable found in PATH or the sbin directories, or NULL. */
static inline const char *pc_find_exe(const char *name, char *out, size_t cap)
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
static inline int pc_run(char *const argv[], char *out, size_t cap)
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

static inline void pc_sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* The file on stderr, between marks (a log after a failure). */
static inline void pc_dump(const char *path)
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

/* SIGTERM, then SIGKILL after 5 s; *pid becomes -1. */
static inline void pc_stop(pid_t *pid)
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
		pc_sleep_ms(50);
	}
	kill(*pid, SIGKILL);
	waitpid(*pid, &st, 0);
	*pid = -1;
}

/* "sudo -n" when not root and sudo works without a password; fails otherwise. */
static inline bool pc_need_sudo(const char *name)
{
	char exe[512], out[512];
	char *argv[] = {"sudo", "-n", "true", NULL};

	if (geteuid() == 0)
		return false;
	if (pc_find_exe("sudo", exe, sizeof exe) == NULL || pc_run(argv, out, sizeof out) != 0)
		fail_msg("%s: needs root or passwordless sudo to run a private pcscd in its own "
			 "mount namespace", name);
	return true;
}

/* Two consecutive free TCP ports (vpcd listens on PORT and PORT+1, any address). */
static inline uint16_t pc_free_port_pair(const char *name)
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
	fail_msg("%s: no free port pair", name);
	return 0;
}

/* A new directory from tmpl (mkdtemp) for pcscd, its port pair, and libpcsclite's variable
 * set so that clients (opensc-tool) find this pcscd. */
static inline void pc_pcscd_init(pc_pcscd *d, const char *name, const char *tmpl)
{
	d->name = name;
	d->pid = -1;
	snprintf(d->dir, sizeof d->dir, "%s", tmpl);
	assert_non_null(mkdtemp(d->dir));
	assert_int_equal(chmod(d->dir, 0755), 0);
	snprintf(d->sock, sizeof d->sock, "%s/pcscd.comm", d->dir);
	snprintf(d->log, sizeof d->log, "%s/pcscd.log", d->dir);
	assert_int_equal(setenv("PCSCLITE_CSOCK_NAME", d->sock, 1), 0);
	d->port = pc_free_port_pair(name);
}

/* conf/vpcd: as /etc/reader.conf.d/vpcd, with this test's port (DEVICENAME /dev/null:PORT). */
static inline void pc_write_conf(const pc_pcscd *d)
{
	char path[160];
	FILE *fp;

	snprintf(path, sizeof path, "%s/conf", d->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/conf/vpcd", d->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "FRIENDLYNAME \"Virtual PCD\"\nDEVICENAME /dev/null:%u\nLIBPATH %s\n"
		    "CHANNELID %u\n", d->port, VPCD_DRIVER, d->port);
	fclose(fp);
}

/* Waits for pcscd's socket; fails with its log if it exits or never makes one. */
static inline void pc_wait_socket(pc_pcscd *d)
{
	int st;

	for (int t = 0; t < WAIT_S * 20 && access(d->sock, F_OK) != 0; t++) {
		if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
			d->pid = -1;
			pc_dump(d->log);
			fail_msg("%s: pcscd exited at start (a mount namespace needs root: "
				 "CAP_SYS_ADMIN); its log is above", d->name);
		}
		pc_sleep_ms(50);
	}
	if (access(d->sock, F_OK) != 0) {
		pc_dump(d->log);
		fail_msg("%s: pcscd did not create %s", d->name, d->sock);
	}
}

/* pcscd -f in a new mount namespace where d->dir is /run/pcscd: its socket is d->sock. */
static inline void pc_pcscd_start(pc_pcscd *d, bool sudo)
{
	char pcscd[512], unshare[512], conf[160], script[1024];
	char *argv[16];
	int i = 0, fd;
	posix_spawn_file_actions_t fa;

	if (pc_find_exe("pcscd", pcscd, sizeof pcscd) == NULL || access(VPCD_DRIVER, R_OK) != 0 ||
	    pc_find_exe("opensc-tool", conf, sizeof conf) == NULL)
		fail_msg("%s: pcscd, vsmartcard-vpcd (%s) or opensc-tool is missing: run "
			 "scripts/install-deps.sh", d->name, VPCD_DRIVER);
	if (pc_find_exe("unshare", unshare, sizeof unshare) == NULL)
		fail_msg("%s: unshare (util-linux) is missing", d->name);
	pc_write_conf(d);
	snprintf(conf, sizeof conf, "%s/conf", d->dir);
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
	argv[i++] = d->dir;
	argv[i++] = conf;
	argv[i] = NULL;
	fd = open(d->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, 1);
	posix_spawn_file_actions_adddup2(&fa, fd, 2);
	assert_int_equal(posix_spawnp(&d->pid, argv[0], &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	close(fd);
	pc_wait_socket(d);
}

/* Stops pcscd and removes the directory with pcscd's files and the test's (extra: names in
 * it, NULL-terminated; may be NULL). */
static inline void pc_pcscd_free(pc_pcscd *d, const char *const extra[])
{
	static const char *files[] = {"conf/vpcd", "pcscd.log", "pcscd.comm", "pcscd.pid"};
	char path[192];

	pc_stop(&d->pid);
	if (d->dir[0] == '\0')
		return;
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", d->dir, files[i]);
		unlink(path);
	}
	for (size_t i = 0; extra != NULL && extra[i] != NULL; i++) {
		snprintf(path, sizeof path, "%s/%s", d->dir, extra[i]);
		unlink(path);
	}
	snprintf(path, sizeof path, "%s/conf", d->dir);
	rmdir(path);
	rmdir(d->dir);
	d->dir[0] = '\0';
}

/* The data of the last response with SW 9000 in opensc-tool's output, as lower-case hex
 * without spaces (its hex dump: "XX XX ... ascii", 16 bytes a line). */
static inline bool pc_last_ok_data(const char *out, char *hex, size_t cap)
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

/* Runs `opensc-tool -r READER args...` until it succeeds (the card may not be powered yet, a
 * reinsert takes about a second) and, with want, until the data of its last 9000 response is
 * want. out: its last output. false after WAIT_S seconds of tries, with the last output and
 * pcscd's log on stderr. */
static inline bool pc_opensc(const pc_pcscd *d, char *const args[], const char *want, char *out,
			     size_t cap)
{
	char *argv[16] = {"timeout", "30", "opensc-tool", "-r", READER};
	char hex[256] = "";
	int i = 5, rc = -1;

	for (int k = 0; args[k] != NULL && i < 15; k++)
		argv[i++] = args[k];
	argv[i] = NULL;
	for (int t = 0; t < WAIT_S * 4; t++) {
		rc = pc_run(argv, out, cap);
		if (rc == 0 && strstr(out, "Card not present") == NULL &&
		    strstr(out, "Failed") == NULL &&
		    (want == NULL ||
		     (pc_last_ok_data(out, hex, sizeof hex) && strcmp(hex, want) == 0))) {
			printf("opensc-tool %s (try %d):\n%s", args[0], t + 1, out);
			return true;
		}
		pc_sleep_ms(250);
	}
	fprintf(stderr, "%s\nopensc-tool exit %d, last data \"%s\", vpcd port %u\n", out, rc, hex,
		(unsigned)d->port);
	pc_dump(d->log);
	return false;
}

#endif
