/* Address ranges of SMPP binds (net/smpp_route): what the farm's SMSC routes MO SMS by.
 * SMPP 3.4 5.2.7: address_range is one address or a UNIX regular expression. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "net/smpp_route.h"

static void test_empty_routes_nothing(void **state)
{
	m2m_smpp_range r;

	(void)state;
	assert_int_equal(m2m_smpp_range_set(&r, ""), M2M_OK);
	assert_false(r.set);
	assert_int_equal(m2m_smpp_range_match(&r, "882990000012"), M2M_SMPP_RANGE_NONE);
	assert_int_equal(m2m_smpp_range_match(&r, ""), M2M_SMPP_RANGE_NONE);
	m2m_smpp_range_clear(&r);
	assert_int_equal(m2m_smpp_range_set(&r, "+"), M2M_OK);
	assert_false(r.set);
	assert_int_equal(m2m_smpp_range_set(&r, NULL), M2M_OK);
	assert_false(r.set);
}

static void test_literal(void **state)
{
	m2m_smpp_range r;

	(void)state;
	/* The SM-SR binds with its [smsr] sms_address, '+' or not. */
	assert_int_equal(m2m_smpp_range_set(&r, "+882990000012"), M2M_OK);
	assert_true(r.set);
	assert_true(r.literal);
	assert_string_equal(r.text, "882990000012");
	assert_int_equal(m2m_smpp_range_match(&r, "882990000012"), M2M_SMPP_RANGE_EXACT);
	assert_int_equal(m2m_smpp_range_match(&r, "+882990000012"), M2M_SMPP_RANGE_EXACT);
	/* Whole addresses only: neither a prefix nor a longer number. */
	assert_int_equal(m2m_smpp_range_match(&r, "88299000001"), M2M_SMPP_RANGE_NONE);
	assert_int_equal(m2m_smpp_range_match(&r, "8829900000123"), M2M_SMPP_RANGE_NONE);
	assert_int_equal(m2m_smpp_range_match(&r, "882990000011"), M2M_SMPP_RANGE_NONE);
	assert_int_equal(m2m_smpp_range_match(&r, ""), M2M_SMPP_RANGE_NONE);
	assert_int_equal(m2m_smpp_range_match(&r, NULL), M2M_SMPP_RANGE_NONE);
	m2m_smpp_range_clear(&r);
	assert_false(r.set);
}

static void test_pattern(void **state)
{
	m2m_smpp_range r;

	(void)state;
	assert_int_equal(m2m_smpp_range_set(&r, "88299[0-9]*"), M2M_OK);
	assert_true(r.set);
	assert_false(r.literal);
	assert_int_equal(m2m_smpp_range_match(&r, "882990000012"), M2M_SMPP_RANGE_PATTERN);
	assert_int_equal(m2m_smpp_range_match(&r, "+88299"), M2M_SMPP_RANGE_PATTERN);
	assert_int_equal(m2m_smpp_range_match(&r, "882980000012"), M2M_SMPP_RANGE_NONE);
	/* Anchored at both ends: the expression covers the whole address. */
	assert_int_equal(m2m_smpp_range_match(&r, "1882990000012"), M2M_SMPP_RANGE_NONE);
	m2m_smpp_range_clear(&r);

	/* An alternation is anchored as a whole, not only its first branch. */
	assert_int_equal(m2m_smpp_range_set(&r, "4477|88299"), M2M_OK);
	assert_int_equal(m2m_smpp_range_match(&r, "4477"), M2M_SMPP_RANGE_PATTERN);
	assert_int_equal(m2m_smpp_range_match(&r, "88299"), M2M_SMPP_RANGE_PATTERN);
	assert_int_equal(m2m_smpp_range_match(&r, "44771"), M2M_SMPP_RANGE_NONE);
	assert_int_equal(m2m_smpp_range_match(&r, "188299"), M2M_SMPP_RANGE_NONE);
	m2m_smpp_range_clear(&r);

	assert_int_equal(m2m_smpp_range_set(&r, "^8829.*$"), M2M_OK);
	assert_int_equal(m2m_smpp_range_match(&r, "882912"), M2M_SMPP_RANGE_PATTERN);
	m2m_smpp_range_clear(&r);
}

static void test_refused(void **state)
{
	m2m_smpp_range r;
	char long_range[42];

	(void)state;
	assert_int_equal(m2m_smpp_range_set(&r, "88299[0-9"), M2M_ERR_ARG);
	assert_false(r.set);
	assert_int_equal(m2m_smpp_range_set(&r, "(882"), M2M_ERR_ARG);
	assert_false(r.set);
	memset(long_range, '1', 41);
	long_range[41] = '\0';
	assert_int_equal(m2m_smpp_range_set(&r, long_range), M2M_ERR_ARG);
	long_range[40] = '\0'; /* 40 octets: SMPP 3.4's largest address_range */
	assert_int_equal(m2m_smpp_range_set(&r, long_range), M2M_OK);
	assert_int_equal(m2m_smpp_range_match(&r, long_range), M2M_SMPP_RANGE_EXACT);
	m2m_smpp_range_clear(&r);
	assert_int_equal(m2m_smpp_range_set(NULL, "1"), M2M_ERR_ARG);
	m2m_smpp_range_clear(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_routes_nothing),
		cmocka_unit_test(test_literal),
		cmocka_unit_test(test_pattern),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
