/*
 * PC/SC through the real farm daemon: `m2mrsp devices run --vpcd 127.0.0.1:PORT --expose EID`
 * in its own process, a private pcscd with vsmartcard's vpcd driver on PORT (in a new mount
 * namespace, as tests/pcsc/test_pcsc.c does), opensc-tool as the PC/SC application, and this
 * test as the SM-SR's ESME over the farm's SMPP:
 *   1. opensc-tool reads EF.ICCID: the bootstrap profile's ICCID;
 *   2. SCP80 EnableProfile of ISD-P 000011 over SMPP: PoR 00; the farm reinserts the card;
 *      EF.ICCID is now the second profile's;
 *   3. SCP80 DisableProfile of it: the fall-back (bootstrap) profile again, and its ICCID.
 * Expected ICCIDs are the farm's numbering (m2m_farm_iccid_at) nibble-swapped here. pcscd
 * and opensc-tool are run by tests/pcsc/pcsc_harness.h (root or passwordless sudo, pcscd,
 * vsmartcard-vpcd and opensc needed: anything missing fails the test, it never skips).
 */
#define _GNU_SOURCE /* pipe2 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "farm/farm_ids.h"
#include "farm_harness.h"
#include "pcsc/pcsc_harness.h"

#define NAME "farm pcsc test"
#define ENABLE_11 "AA1C 221A 80E2880015 3A0312 4F10" H_AID11
#define DISABLE_11 "AA1C 221A 80E2880015 3A0412 4F10" H_AID11
#define SPI2_SUBMIT 0x39

typedef struct {
	pc_pcscd d; /* its directory holds farm.log too */
	char farm_log[128];
	pid_t farm;
	harness *h;
} env;

static env E = {.d = {.pid = -1}, .farm = -1};

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
	snprintf(vpcd, sizeof vpcd, "127.0.0.1:%u", E.d.port);
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
		pc_dump(E.farm_log);
		fail_msg(NAME ": the farm did not start (\"%s\"); its log is above", line);
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

/* EF.ICCID through PC/SC, retried until the card is there; want: the expected contents. */
static void read_iccid(const char *want)
{
	char out[8192];
	char *args[] = {"-s", "00A40004022FE2", "-s", "00B000000A", NULL};

	if (!pc_opensc(&E.d, args, want, out, sizeof out)) {
		pc_dump(E.farm_log);
		fail_msg(NAME ": EF.ICCID %s expected (logs above)", want);
	}
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
	static const char *const files[] = {"farm.log", NULL};

	(void)state;
	pc_stop(&E.farm);
	if (E.h != NULL)
		h_free(E.h);
	E.h = NULL;
	pc_pcscd_free(&E.d, files);
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
	sudo = pc_need_sudo(NAME);
	pc_pcscd_init(&E.d, NAME, "/tmp/m2mrsp-farm-pcsc-XXXXXX");
	snprintf(E.farm_log, sizeof E.farm_log, "%s/farm.log", E.d.dir);
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

	pc_pcscd_start(&E.d, sudo);
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
		pc_dump(E.farm_log);
		fail_msg(NAME ": the farm exited with status %d", st);
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
