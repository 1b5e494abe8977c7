/* ES5 UpdateSMSRAddressingParameters after an SM-SR change (src/smsr/smsr_address.c): the
 * A3 value built from `[smsr] sms_address`, the STORE DATA 3A07 of the smsr_address job, and
 * the job queued (or not) in the store.
 *
 * Known bytes: sgp02-facts-2.md 2c, whty UpdateSrAddressParaApduHandler.java's trace
 * `3A07 09 A3 07 81 05 06 85 214365` (6 digits "123456", TON/NPI 85, swapped BCD). Our
 * addresses use TON/NPI 91 ("+") or 81 [M]; everything else is that layout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/hex.h"
#include "smsr/smsr_address.h"

#define MASTER "000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f"
#define EID "89001012012341234012345678901224"

static char hexout[600];

static const char *a3_hex(const char *address)
{
	m2m_buf b;
	m2m_err err;

	m2m_buf_init(&b);
	err = smsr_address_a3(address, &b);
	if (err == M2M_OK)
		m2m_hex_encode(b.data, b.len, hexout);
	else
		snprintf(hexout, sizeof hexout, "error %d", (int)err);
	m2m_buf_free(&b);
	return hexout;
}

static void test_a3(void **state)
{
	(void)state;
	/* The whty value with our TON/NPI byte: 81 05 06 xx 21 43 65. */
	assert_string_equal(a3_hex("+123456"), "81050691214365");
	assert_string_equal(a3_hex("123456"), "81050681214365");
	/* An odd count: the last semi-octet F-filled. */
	assert_string_equal(a3_hex("+4912345"), "81060791942143f5");
	assert_string_equal(a3_hex("+882999999999999"), "810a0f91" "88929999999999f9");
	assert_string_equal(a3_hex("+12345678901234567890"),
			    "810c1491" "21436587092143658709");
}

static void test_a3_refused(void **state)
{
	static const char *const bad[] = {"", "+", "++1", "12a4", " 123", "123 ", "+-1",
					  "123456789012345678901", "1+2", NULL};
	m2m_buf b;

	(void)state;
	m2m_buf_init(&b);
	for (size_t i = 0; bad[i] != NULL; i++) {
		if (smsr_address_a3(bad[i], &b) != M2M_ERR_ARG)
			print_error("'%s' accepted\n", bad[i]);
		assert_int_equal(smsr_address_a3(bad[i], &b), M2M_ERR_ARG);
	}
	assert_int_equal(b.len, 0);
	assert_int_equal(smsr_address_a3(NULL, &b), M2M_ERR_ARG);
	m2m_buf_free(&b);
}

/* The job's command: STORE DATA 3A07 {A3 {81 ...}} to the ISD-R, P1 88 (last block). */
static void test_build(void **state)
{
	smsr_slot sl;
	m2m_es5_cmd c;
	size_t len = 0;
	const uint8_t *p;

	(void)state;
	memset(&sl, 0, sizeof sl);
	smsr_job_init(&sl.job);
	snprintf(sl.kind, sizeof sl.kind, "%s", SMSR_KIND_ADDRESS);
	assert_true(smsr_address_kind(sl.kind));
	assert_false(smsr_address_kind("es7_finalise"));
	snprintf(sl.job.data, sizeof sl.job.data, "%s", "81050691214365");
	m2m_es5_cmd_init(&c);
	assert_int_equal(smsr_address_build(&sl, &c), M2M_OK);
	assert_int_equal(c.fn, M2M_ES5_UPDATE_SMSR_ADDRESSING);
	p = m2m_es5_apdus_get(&c.apdus, 0, &len);
	assert_non_null(p);
	m2m_hex_encode(p, len, hexout);
	assert_string_equal(hexout, "80e288000c3a0709a307810506" "91" "214365");
	/* Not hex, or not TLVs: no command. */
	snprintf(sl.job.data, sizeof sl.job.data, "%s", "81zz");
	assert_int_equal(smsr_address_build(&sl, &c), M2M_ERR_FORMAT);
	snprintf(sl.job.data, sizeof sl.job.data, "%s", "8105");
	assert_int_equal(smsr_address_build(&sl, &c), M2M_ERR_ARG);
	m2m_es5_cmd_free(&c);
	smsr_job_clear(&sl.job);
}

static size_t address_jobs(m2m_store *st, char *data, size_t cap)
{
	m2m_store_job *jobs = NULL;
	size_t n = 0, found = 0;

	assert_int_equal(m2m_store_job_list(st, EID, &jobs, &n), M2M_OK);
	for (size_t i = 0; i < n; i++) {
		smsr_job j;
		if (strcmp(jobs[i].kind, SMSR_KIND_ADDRESS) != 0)
			continue;
		found++;
		smsr_job_init(&j);
		assert_int_equal(smsr_job_decode(jobs[i].payload, jobs[i].payload_len, &j), M2M_OK);
		snprintf(data, cap, "%s", j.data);
		assert_true(jobs[i].deadline_ms > m2m_store_now_ms());
		smsr_job_clear(&j);
	}
	m2m_store_job_list_free(jobs, n);
	return found;
}

/* Queued with the configured address; nothing without one. */
static void test_queue(void **state)
{
	char dir[] = "/tmp/m2m_addr_XXXXXX", url[128], err[256], data[1024] = "", cmd[160];
	m2m_smsr_cfg *cfg = calloc(1, sizeof *cfg);
	smsr s;

	(void)state;
	assert_non_null(cfg);
	assert_non_null(mkdtemp(dir));
	snprintf(url, sizeof url, "sqlite:%s/s.db", dir);
	memset(&s, 0, sizeof s);
	s.cfg = cfg;
	cfg->validity_s = 60;
	assert_int_equal(m2m_store_open(url, MASTER, &s.st, err, sizeof err), M2M_OK);

	assert_int_equal(smsr_address_queue(&s, EID), M2M_OK); /* no address: no job */
	assert_int_equal(address_jobs(s.st, data, sizeof data), 0);

	snprintf(cfg->sms_address, sizeof cfg->sms_address, "%s", "+4912345");
	assert_int_equal(m2m_store_begin(s.st), M2M_OK);
	assert_int_equal(smsr_address_queue(&s, EID), M2M_OK);
	assert_int_equal(m2m_store_commit(s.st), M2M_OK);
	assert_int_equal(address_jobs(s.st, data, sizeof data), 1);
	assert_string_equal(data, "81060791942143f5");

	m2m_store_close(s.st);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a3),
		cmocka_unit_test(test_a3_refused),
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_queue),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
