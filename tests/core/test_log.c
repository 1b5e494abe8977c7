/* Logger: level filtering, plain lines and JSON lines with escaping. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/log.h"

static char *capture(m2m_log_format fmt, m2m_log_level level, char *out, size_t cap)
{
	FILE *f = tmpfile();
	assert_non_null(f);
	m2m_log_setup(level, fmt, f);
	m2m_debug("smsr", "hidden %d", 1);
	m2m_info("smsr", "job %d sent", 7);
	m2m_error("es4", "bad \"input\"\nline2\t\x01");
	m2m_log_setup(M2M_LOG_INFO, M2M_LOG_PLAIN, NULL);
	rewind(f);
	size_t n = fread(out, 1, cap - 1, f);
	out[n] = '\0';
	fclose(f);
	return out;
}

static void test_plain(void **state)
{
	(void)state;
	char out[1024];
	capture(M2M_LOG_PLAIN, M2M_LOG_INFO, out, sizeof out);
	assert_null(strstr(out, "hidden"));
	assert_non_null(strstr(out, "info  smsr: job 7 sent\n"));
	/* One record stays one line: control characters are replaced. */
	assert_non_null(strstr(out, "error es4: bad \"input\"?line2??\n"));
	assert_int_equal(out[4], '-'); /* ISO 8601 timestamp first */
	assert_int_equal(out[10], 'T');
}

static void test_json(void **state)
{
	(void)state;
	char out[1024];
	capture(M2M_LOG_JSON, M2M_LOG_DEBUG, out, sizeof out);
	assert_non_null(strstr(out, "\"level\":\"debug\",\"component\":\"smsr\",\"msg\":\"hidden 1\"}\n"));
	assert_non_null(strstr(out, "\"msg\":\"bad \\\"input\\\"\\nline2\\t\\u0001\"}\n"));
	assert_int_equal(strncmp(out, "{\"ts\":\"", 7), 0);
}

static void test_parse(void **state)
{
	(void)state;
	m2m_log_level l;
	m2m_log_format f;
	assert_int_equal(m2m_log_level_parse("WARN", &l), M2M_OK);
	assert_int_equal(l, M2M_LOG_WARN);
	assert_int_equal(m2m_log_level_parse("verbose", &l), M2M_ERR_ARG);
	assert_int_equal(m2m_log_format_parse("json", &f), M2M_OK);
	assert_int_equal(f, M2M_LOG_JSON);
	assert_int_equal(m2m_log_format_parse("xml", &f), M2M_ERR_ARG);
	assert_string_equal(m2m_log_level_name(M2M_LOG_ERROR), "error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
