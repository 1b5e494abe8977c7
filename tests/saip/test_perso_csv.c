/* Personalisation values from a CSV row: column names, quoting rules, errors with lines. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "saip/personalise.h"

static m2m_err parse(const char *text, unsigned long row, m2m_saip_perso *p, m2m_saip_error *err)
{
	m2m_saip_perso_init(p);
	return m2m_saip_perso_csv(text, strlen(text), row, p, err);
}

static void test_rows(void **state)
{
	static const char csv[] = "iccid,imsi,KI,pin1,adm1\r\n"
				  "89000123456789012341,001010000000001,000102030405060708090a0b0c0d0e0f,1111,\r\n"
				  "\"89000123456789012358\",001010000000002,,\"2222\",12345678\n";
	m2m_saip_perso p;
	m2m_saip_error err;

	(void)state;
	assert_int_equal(parse(csv, 1, &p, &err), M2M_OK);
	assert_string_equal(p.value[M2M_SAIP_F_ICCID], "89000123456789012341");
	assert_string_equal(p.value[M2M_SAIP_F_KI], "000102030405060708090a0b0c0d0e0f");
	assert_string_equal(p.value[M2M_SAIP_F_PIN1], "1111");
	assert_null(p.value[M2M_SAIP_F_ADM1]); /* empty cell: left as in the package */
	m2m_saip_perso_free(&p);
	assert_int_equal(parse(csv, 2, &p, &err), M2M_OK);
	assert_string_equal(p.value[M2M_SAIP_F_ICCID], "89000123456789012358");
	assert_string_equal(p.value[M2M_SAIP_F_IMSI], "001010000000002");
	assert_null(p.value[M2M_SAIP_F_KI]);
	assert_string_equal(p.value[M2M_SAIP_F_ADM1], "12345678");
	m2m_saip_perso_free(&p);
}

static void test_quotes(void **state)
{
	/* A doubled quote, a comma and a line break inside quotes; the last line unterminated. */
	static const char csv[] = "smsc,connectivity\n\"+33\"\"1\",\"a,b\nc\"\n\"+44\",\"\"";
	m2m_saip_perso p;
	m2m_saip_error err;

	(void)state;
	assert_int_equal(parse(csv, 1, &p, &err), M2M_OK);
	assert_string_equal(p.value[M2M_SAIP_F_SMSC], "+33\"1");
	assert_string_equal(p.value[M2M_SAIP_F_CONNECTIVITY], "a,b\nc");
	m2m_saip_perso_free(&p);
	assert_int_equal(parse(csv, 2, &p, &err), M2M_OK); /* line 4 */
	assert_string_equal(p.value[M2M_SAIP_F_SMSC], "+44");
	assert_null(p.value[M2M_SAIP_F_CONNECTIVITY]);
	m2m_saip_perso_free(&p);
}

static void expect_error(const char *csv, unsigned long row, const char *msg)
{
	m2m_saip_perso p;
	m2m_saip_error err;

	assert_int_not_equal(parse(csv, row, &p, &err), M2M_OK);
	if (strstr(err.msg, msg) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", err.msg, msg);
	m2m_saip_perso_free(&p);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("", 1, "CSV line 1: no header row");
	expect_error("iccid,colour\n1,2\n", 1, "CSV line 1: unknown column \"colour\"");
	expect_error("iccid,ICCID\n1,2\n", 1, "CSV line 1: column \"iccid\" appears twice");
	expect_error("iccid,imsi\n1,2\n3\n", 2, "CSV line 3: 1 cells, the header has 2");
	expect_error("iccid,imsi\n1,2\n\n3,4\n", 2, "CSV line 3: empty line");
	expect_error("iccid,imsi\n1,2\n", 2, "row 2 asked, the file has 1 data rows");
	expect_error("iccid,imsi\n1,2\n", 0, "start at 1");
	expect_error("iccid,imsi\n1,a\"b\n", 1, "CSV line 2: quote inside an unquoted field");
	expect_error("iccid,imsi\n1,\"ab\"c\n", 1, "CSV line 2: text after a closing quote");
	expect_error("iccid,imsi\n1,\"ab\n", 1, "unterminated quoted field");
	expect_error("iccid,imsi\n1,2\r3\n", 1, "CSV line 2: bare carriage return");
	/* Trailing empty lines are allowed. */
	{
		m2m_saip_perso p;
		m2m_saip_error err;

		assert_int_equal(parse("imsi\n001010000000001\n\n\n", 1, &p, &err), M2M_OK);
		m2m_saip_perso_free(&p);
	}
}

static void test_file(void **state)
{
	m2m_saip_perso p;
	m2m_saip_error err;

	(void)state;
	m2m_saip_perso_init(&p);
	assert_int_equal(m2m_saip_perso_csv_file("/nonexistent/x.csv", 1, &p, &err), M2M_ERR_IO);
	assert_non_null(strstr(err.msg, "cannot read"));
	m2m_saip_perso_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
