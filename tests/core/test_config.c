/* INI configuration parsing: values, types, and errors that name the line. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"

static m2m_config *parse(const char *text, m2m_err want, char *err, size_t errlen)
{
	m2m_config *cfg = NULL;
	assert_int_equal(m2m_config_parse(text, strlen(text), "t.ini", &cfg, err, errlen), want);
	return cfg;
}

static void test_values(void **state)
{
	(void)state;
	char err[256] = "";
	m2m_config *cfg = parse("# SM-SR\n"
				"log_level = debug\n"
				"\n"
				"[smpp]\r\n"
				"  host = 127.0.0.1  \n"
				"port=2775\n"
				"; comment\n"
				"enabled = yes\n"
				"[es]\n"
				"banner = \"a \\\"quoted\\\" = value\\\\\"\n"
				"empty =\n",
				M2M_OK, err, sizeof err);
	assert_non_null(cfg);
	assert_string_equal(m2m_config_get(cfg, "", "log_level"), "debug");
	assert_string_equal(m2m_config_get(cfg, "smpp", "host"), "127.0.0.1");
	assert_string_equal(m2m_config_get(cfg, "es", "banner"), "a \"quoted\" = value\\");
	assert_string_equal(m2m_config_get(cfg, "es", "empty"), "");
	assert_null(m2m_config_get(cfg, "smpp", "banner"));
	assert_string_equal(m2m_config_get_str(cfg, "smpp", "system_id", "m2mrsp"), "m2mrsp");

	long long port;
	assert_int_equal(m2m_config_get_int(cfg, "smpp", "port", 0, 1, 65535, &port), M2M_OK);
	assert_int_equal(port, 2775);
	assert_int_equal(m2m_config_get_int(cfg, "smpp", "missing", 42, 1, 65535, &port), M2M_OK);
	assert_int_equal(port, 42);
	assert_int_equal(m2m_config_get_int(cfg, "smpp", "port", 0, 1, 1000, &port), M2M_ERR_CONFIG);
	assert_non_null(strstr(m2m_config_error(cfg), "t.ini:6"));
	assert_int_equal(m2m_config_get_int(cfg, "smpp", "host", 0, 0, 10, &port), M2M_ERR_CONFIG);

	bool on;
	assert_int_equal(m2m_config_get_bool(cfg, "smpp", "enabled", false, &on), M2M_OK);
	assert_true(on);
	assert_int_equal(m2m_config_get_bool(cfg, "smpp", "nothing", true, &on), M2M_OK);
	assert_true(on);
	assert_int_equal(m2m_config_get_bool(cfg, "smpp", "host", true, &on), M2M_ERR_CONFIG);

	size_t pos = 0, count = 0;
	const char *s, *k, *v;
	while (m2m_config_next(cfg, &pos, &s, &k, &v))
		count++;
	assert_int_equal(count, 6);
	m2m_config_free(cfg);
}

static void test_errors_name_the_line(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		const char *where;
	} cases[] = {
		{"a = 1\nb\n", "t.ini:2:"},
		{"[smpp\nx=1\n", "t.ini:1:"},
		{"[]\n", "t.ini:1:"},
		{"[s]\nport = 1\nport = 2\n", "t.ini:3: 'port' already set in [s] at line 2"},
		{"k = \"open\n", "t.ini:1:"},
		{"k = \"a\"b\"\n", "t.ini:1:"},
		{"bad key = 1\n", "t.ini:1: invalid key"},
		{"= 1\n", "t.ini:1: invalid key"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char err[256] = "";
		m2m_config *cfg = parse(cases[i].text, M2M_ERR_CONFIG, err, sizeof err);
		assert_null(cfg);
		if (strstr(err, cases[i].where) == NULL)
			fail_msg("case %zu: '%s' does not contain '%s'", i, err, cases[i].where);
	}
	char err[64];
	m2m_config *cfg = NULL;
	assert_int_equal(m2m_config_parse("a\0b", 3, "bin", &cfg, err, sizeof err), M2M_ERR_CONFIG);
}

static void test_load_file(void **state)
{
	(void)state;
	char path[] = "/tmp/m2mrsp-config-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char text[] = "[db]\nurl = sqlite:///tmp/x.db\n";
	assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
	close(fd);
	char err[256];
	m2m_config *cfg = NULL;
	assert_int_equal(m2m_config_load(path, &cfg, err, sizeof err), M2M_OK);
	assert_string_equal(m2m_config_get(cfg, "db", "url"), "sqlite:///tmp/x.db");
	m2m_config_free(cfg);
	unlink(path);
	assert_int_equal(m2m_config_load(path, &cfg, err, sizeof err), M2M_ERR_IO);
	assert_null(cfg);
	assert_non_null(strstr(err, "No such file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors_name_the_line),
		cmocka_unit_test(test_load_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
