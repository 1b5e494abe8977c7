/* The card's answer of a relayed SM-SR change job (store_job_answer.c, docs/smsr-change.md):
 * recorded, read by a second connection (another process on the database), replaced, deleted
 * with the answers older than a bound; bad arguments. SQLite, temporary files. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"

#define KEY "000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f"

static char dir[64] = "/tmp/m2m_jobans_XXXXXX";

static m2m_store *open_db(void)
{
	char url[128], err[256];
	m2m_store *st = NULL;

	snprintf(url, sizeof url, "sqlite:%s/t.db", dir);
	assert_int_equal(m2m_store_open(url, KEY, &st, err, sizeof err), M2M_OK);
	return st;
}

static void test_answer(void **state)
{
	m2m_store *a = open_db(), *b = open_db();
	/* An RC and a [85 L DR] 86 10 receipt as the card sends them (made-up values). */
	uint8_t rc[16], keys[52], got[M2M_STORE_JOB_ANSWER_MAX], big[M2M_STORE_JOB_ANSWER_MAX + 1];
	size_t n = 99;

	(void)state;
	for (size_t i = 0; i < sizeof rc; i++)
		rc[i] = (uint8_t)(0xA0 + i);
	memset(keys, 0x5A, sizeof keys);
	keys[0] = 0x85, keys[1] = 32, keys[34] = 0x86, keys[35] = 16;
	assert_int_equal(m2m_store_job_answer_get(b, 7, got, &n), M2M_END);
	assert_int_equal(n, 0);
	assert_int_equal(m2m_store_job_answer_put(a, 7, rc, sizeof rc, 1000), M2M_OK);
	assert_int_equal(m2m_store_job_answer_put(a, 8, keys, sizeof keys, 5000), M2M_OK);
	/* The other connection reads them. */
	assert_int_equal(m2m_store_job_answer_get(b, 7, got, &n), M2M_OK);
	assert_int_equal(n, sizeof rc);
	assert_memory_equal(got, rc, sizeof rc);
	assert_int_equal(m2m_store_job_answer_get(b, 8, got, &n), M2M_OK);
	assert_int_equal(n, sizeof keys);
	assert_memory_equal(got, keys, sizeof keys);
	/* Replaced (a retried job), empty allowed. */
	assert_int_equal(m2m_store_job_answer_put(a, 7, NULL, 0, 1000), M2M_OK);
	assert_int_equal(m2m_store_job_answer_get(b, 7, got, &n), M2M_OK);
	assert_int_equal(n, 0);
	/* Delete 8 with those before 2000: 7 (1000) goes too; 9 (3000) stays. */
	assert_int_equal(m2m_store_job_answer_put(a, 9, rc, 4, 3000), M2M_OK);
	assert_int_equal(m2m_store_job_answer_delete(b, 8, 2000), M2M_OK);
	assert_int_equal(m2m_store_job_answer_get(a, 7, got, &n), M2M_END);
	assert_int_equal(m2m_store_job_answer_get(a, 8, got, &n), M2M_END);
	assert_int_equal(m2m_store_job_answer_get(a, 9, got, &n), M2M_OK);
	assert_int_equal(n, 4);
	/* Bad arguments. */
	memset(big, 0, sizeof big);
	assert_int_equal(m2m_store_job_answer_put(a, 10, big, sizeof big, 0), M2M_ERR_ARG);
	assert_int_equal(m2m_store_job_answer_put(a, 0, rc, 4, 0), M2M_ERR_ARG);
	assert_int_equal(m2m_store_job_answer_put(a, 10, NULL, 4, 0), M2M_ERR_ARG);
	assert_int_equal(m2m_store_job_answer_put(NULL, 10, rc, 4, 0), M2M_ERR_ARG);
	assert_int_equal(m2m_store_job_answer_get(a, 0, got, &n), M2M_ERR_ARG);
	assert_int_equal(m2m_store_job_answer_get(a, 9, NULL, &n), M2M_ERR_ARG);
	assert_int_equal(m2m_store_job_answer_delete(NULL, 9, 0), M2M_ERR_ARG);
	m2m_store_close(a);
	m2m_store_close(b);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
