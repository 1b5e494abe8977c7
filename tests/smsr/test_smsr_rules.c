/* The SM-SR's pure rules: ES4 authorisation (MNO, M2M SP with PLMA, [callers] mapping), POL2
 * (the target's and the enabled profile's rules), POL2 rule parsing, the job payload. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "smsr/smsr.h"
#include "smsr/smsr_int.h"
#include "ws/msg.h"
#include "ws/schema.h"

static m2m_smsr_cfg *cfg_new(void)
{
	m2m_smsr_cfg *c = calloc(1, sizeof *c);

	assert_non_null(c);
	c->nplma = 1;
	strcpy(c->plma[0].sp, "1.9");
	strcpy(c->plma[0].mno, "1.1");
	c->ncallers = 2;
	strcpy(c->callers[0].cn, "mno1");
	strcpy(c->callers[0].oid, "1.1");
	strcpy(c->callers[1].cn, "sp1");
	strcpy(c->callers[1].oid, "1.9");
	return c;
}

static void test_authorisation(void **state)
{
	m2m_smsr_cfg *c = cfg_new();
	m2m_ws_exec_status st;

	(void)state;
	assert_true(m2m_smsr_authorised(c, M2M_WS_ROLE_MNO, "mno1", "1.1", NULL));
	assert_true(m2m_smsr_authorised(c, M2M_WS_ROLE_MNO, "1.1", "1.1", NULL));
	assert_false(m2m_smsr_authorised(c, M2M_WS_ROLE_MNO, "mno1", "1.2", &st));
	assert_int_equal(st.status, M2M_WS_FAILED);
	assert_string_equal(st.subject, "1.1");
	assert_string_equal(st.reason, "1.1");
	/* An M2M SP acts only where a PLMA from that MNO names it. */
	assert_true(m2m_smsr_authorised(c, M2M_WS_ROLE_M2MSP, "sp1", "1.1", NULL));
	assert_false(m2m_smsr_authorised(c, M2M_WS_ROLE_M2MSP, "sp1", "1.2", NULL));
	assert_false(m2m_smsr_authorised(c, M2M_WS_ROLE_M2MSP, "sp2", "1.1", NULL));
	/* Other roles, empty identities. */
	assert_false(m2m_smsr_authorised(c, M2M_WS_ROLE_SMDP, "1.1", "1.1", NULL));
	assert_false(m2m_smsr_authorised(c, M2M_WS_ROLE_MNO, "", "", NULL));
	assert_false(m2m_smsr_authorised(c, M2M_WS_ROLE_MNO, NULL, "1.1", NULL));
	free(c);
}

static void profile(m2m_store_profile *p, const char *aid, uint32_t pol2)
{
	memset(p, 0, sizeof *p);
	strcpy(p->isdp_aid, aid);
	strcpy(p->iccid, "8900000000000000001");
	p->pol2 = pol2;
}

static void test_pol2(void **state)
{
	m2m_store_profile t, en;
	m2m_ws_exec_status st;

	(void)state;
	profile(&t, "A1", 0);
	profile(&en, "A2", 0);
	assert_true(m2m_smsr_pol2_allows(M2M_SMSR_ACT_ENABLE, &t, &en, NULL));
	t.pol2 = M2M_POL2_ENABLE_NOT_ALLOWED;
	assert_false(m2m_smsr_pol2_allows(M2M_SMSR_ACT_ENABLE, &t, &en, &st));
	assert_string_equal(st.subject, "8.2.3");
	assert_string_equal(st.reason, "1.2");
	assert_true(m2m_smsr_pol2_allows(M2M_SMSR_ACT_DISABLE, &t, NULL, NULL));
	/* Enabling another profile disables the enabled one: its rule counts. */
	t.pol2 = 0;
	en.pol2 = M2M_POL2_DISABLE_NOT_ALLOWED;
	assert_false(m2m_smsr_pol2_allows(M2M_SMSR_ACT_ENABLE, &t, &en, NULL));
	assert_true(m2m_smsr_pol2_allows(M2M_SMSR_ACT_ENABLE, &en, &en, NULL));
	t.pol2 = M2M_POL2_DELETE_NOT_ALLOWED;
	assert_false(m2m_smsr_pol2_allows(M2M_SMSR_ACT_DELETE, &t, NULL, NULL));
	assert_false(m2m_smsr_pol2_auto_delete(&t));
	t.pol2 = M2M_POL2_DISABLE_AUTO_DELETE;
	assert_true(m2m_smsr_pol2_auto_delete(&t));
	assert_false(m2m_smsr_pol2_auto_delete(NULL));
}

static m2m_ws_msg *pol2_msg(const char *const (*rules)[3], size_t n, m2m_ws_node **pol2)
{
	m2m_ws_msg *m = NULL;

	assert_int_equal(m2m_ws_request_new(M2M_WS_ES4_UPDATE_POLICY_RULES, "f", 0, &m), M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "pol2", NULL, pol2), M2M_OK);
	for (size_t i = 0; i < n; i++) {
		m2m_ws_node *r = NULL;
		assert_int_equal(m2m_ws_add(m, *pol2, "Rule", NULL, &r), M2M_OK);
		if (rules[i][0] != NULL)
			assert_int_equal(m2m_ws_add(m, r, "Subject", rules[i][0], NULL), M2M_OK);
		assert_int_equal(m2m_ws_add(m, r, "Action", rules[i][1], NULL), M2M_OK);
		assert_int_equal(m2m_ws_add(m, r, "Qualification", rules[i][2], NULL), M2M_OK);
	}
	return m;
}

static void test_pol2_parse(void **state)
{
	static const char *const good[][3] = {{"PROFILE", "DISABLE", "Not-Allowed"},
					      {"PROFILE", "DISABLE", "Auto-Delete"},
					      {"PROFILE", "DELETE", "Not-Allowed"}};
	static const char *const bad[][3] = {{NULL, "DISABLE", "Not-Allowed"}};
	m2m_ws_node *pol2 = NULL;
	m2m_ws_exec_status st;
	uint32_t bits = 0xFFFF;
	m2m_ws_msg *m;

	(void)state;
	assert_int_equal(m2m_ws_init(), M2M_OK);
	m = pol2_msg(good, 3, &pol2);
	assert_int_equal(m2m_smsr_pol2_parse(pol2, &bits, NULL), M2M_OK);
	assert_int_equal(bits, M2M_POL2_DISABLE_NOT_ALLOWED | M2M_POL2_DISABLE_AUTO_DELETE |
				       M2M_POL2_DELETE_NOT_ALLOWED);
	m2m_ws_msg_free(m);
	m = pol2_msg(good, 0, &pol2);
	assert_int_equal(m2m_smsr_pol2_parse(pol2, &bits, NULL), M2M_OK);
	assert_int_equal(bits, 0);
	m2m_ws_msg_free(m);
	m = pol2_msg(bad, 1, &pol2);
	assert_int_equal(m2m_smsr_pol2_parse(pol2, &bits, &st), M2M_ERR_FORMAT);
	assert_string_equal(st.subject, "8.2.3");
	assert_string_equal(st.reason, "2.1");
	m2m_ws_msg_free(m);
}

static void test_job_payload(void **state)
{
	smsr_job j, k;
	m2m_buf b;

	(void)state;
	smsr_job_init(&j);
	strcpy(j.aid, "A0000005591010FFFFFFFF8900001000");
	strcpy(j.iccid, "8988299000000000001");
	j.seq = 65535;
	j.fn = M2M_WS_ES4_ENABLE_PROFILE;
	strcpy(j.caller, "mno1");
	j.role = M2M_WS_ROLE_MNO;
	strcpy(j.call_id, "fc=1");
	j.binding = M2M_WS_JSON;
	strcpy(j.reply_to, "https://mno/cb?x=1");
	strcpy(j.relates_to, "urn:uuid:1");
	m2m_buf_init(&b);
	assert_int_equal(smsr_job_encode(&j, &b), M2M_OK);
	assert_int_equal(smsr_job_decode(b.data, b.len, &k), M2M_OK);
	assert_memory_equal(&j, &k, sizeof j);
	m2m_buf_free(&b);
	/* Line breaks in a value, malformed or unknown lines. */
	strcpy(j.caller, "a\nb");
	m2m_buf_init(&b);
	assert_int_equal(smsr_job_encode(&j, &b), M2M_ERR_ARG);
	m2m_buf_free(&b);
	assert_int_equal(smsr_job_decode((const uint8_t *)"aid=1", 5, &k), M2M_ERR_FORMAT);
	assert_int_equal(smsr_job_decode((const uint8_t *)"noequals\n", 9, &k), M2M_ERR_FORMAT);
	assert_int_equal(smsr_job_decode((const uint8_t *)"what=1\n", 7, &k), M2M_ERR_FORMAT);
	assert_int_equal(smsr_job_decode((const uint8_t *)"seq=70000\n", 10, &k), M2M_ERR_FORMAT);
	assert_int_equal(smsr_job_decode((const uint8_t *)"fn=x\n", 5, &k), M2M_ERR_FORMAT);
	assert_int_equal(smsr_job_decode((const uint8_t *)"", 0, &k), M2M_OK);
	assert_int_equal(k.fn, -1);
}

static void test_status_pack(void **state)
{
	m2m_ws_exec_status a, b;
	char packed[512];

	(void)state;
	m2m_ws_status_set(&a, M2M_WS_FAILED, "8.2", "1.2", "8900", "card | said %s", "no");
	smsr_status_pack(&a, packed, sizeof packed);
	smsr_status_unpack(packed, strlen(packed), &b);
	assert_int_equal(b.status, M2M_WS_FAILED);
	assert_string_equal(b.subject, "8.2");
	assert_string_equal(b.reason, "1.2");
	assert_string_equal(b.subject_id, "8900");
	assert_string_equal(b.message, "card | said no");
	smsr_status_unpack("9|x", 3, &b);
	assert_int_equal(b.status, M2M_WS_FAILED);
	smsr_status_unpack("", 0, &b);
	assert_int_equal(b.status, M2M_WS_EXECUTED_SUCCESS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_authorisation),
		cmocka_unit_test(test_pol2),
		cmocka_unit_test(test_pol2_parse),
		cmocka_unit_test(test_job_payload),
		cmocka_unit_test(test_status_pack),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
