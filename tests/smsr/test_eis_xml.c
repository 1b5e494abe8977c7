/* The Eis element <-> m2m_eis: schema-valid building, round trips, an EIS written by another
 * hand (tests/ws/data), and the refusals of the parser with their subject and reason codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "smsr/eis_keys.h"
#include "test_eis_fixture.h"
#include "ws/soap.h"

static fx F;

static int setup(void **state)
{
	(void)state;
	fx_init(&F);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fx_free(&F);
	return 0;
}

static void assert_valid(const m2m_ws_msg *m)
{
	m2m_ws_error why;
	m2m_err err = m2m_ws_schema_validate_msg(F.schema, m, &why);

	if (err != M2M_OK)
		fprintf(stderr, "schema: %s\n", why.status.message);
	assert_int_equal(err, M2M_OK);
}

static void assert_same_profiles(const m2m_eis *a, const m2m_eis *b)
{
	assert_int_equal(a->nprofiles, b->nprofiles);
	for (size_t i = 0; i < a->nprofiles; i++) {
		const m2m_eis_profile *p = &a->profiles[i], *q = &b->profiles[i];

		assert_string_equal(p->iccid, q->iccid);
		assert_int_equal(p->isdp_aid_len, q->isdp_aid_len);
		assert_memory_equal(p->isdp_aid, q->isdp_aid, p->isdp_aid_len);
		assert_string_equal(p->mno_id, q->mno_id);
		assert_int_equal(p->fallback, q->fallback);
		assert_string_equal(p->imsi, q->imsi);
		assert_string_equal(p->msisdn, q->msisdn);
		assert_int_equal(p->state, q->state);
		assert_string_equal(p->smdp_id, q->smdp_id);
		assert_string_equal(p->profile_type, q->profile_type);
		assert_int_equal(p->allocated_memory, q->allocated_memory);
		assert_int_equal(p->has_free_memory, q->has_free_memory);
		assert_int_equal(p->free_memory, q->free_memory);
		assert_int_equal(p->pol2, q->pol2);
	}
}

/* Builds the fixture's EIS, validates it against the GSMA XSD, parses it back. */
static void build_parse_round_trip(void **state)
{
	m2m_eis e, back, again;
	m2m_ws_exec_status st;
	m2m_ws_node *node, *node2;
	m2m_ws_msg *m, *m2;

	(void)state;
	fx_eis(&F, FX_EID, &e);
	m = fx_request(&F, &e, F.eum, &F.eum_pem, &node);
	assert_valid(m);
	m2m_eis_init(&back);
	assert_int_equal(m2m_eis_parse(node, &back, &st), M2M_OK);
	assert_string_equal(back.eid, FX_EID);
	assert_string_equal(back.eum_id, FX_EUM_ID);
	assert_string_equal(back.production_date, "2024-01-15T08:30:00Z");
	assert_string_equal(back.platform_version, "1.0.0");
	assert_true(back.caps.http);
	assert_false(back.caps.cattp);
	assert_string_equal(back.caps.http_version, "1.1.0");
	assert_string_equal(back.caps.cattp_version, "");
	assert_int_equal(back.ecasd.keysets[0].version, 0x73);
	assert_int_equal(back.ecasd.keysets[0].certs[0].len, e.ecasd.keysets[0].certs[0].len);
	assert_memory_equal(back.ecasd.keysets[0].certs[0].value,
			    e.ecasd.keysets[0].certs[0].value, back.ecasd.keysets[0].certs[0].len);
	assert_int_equal(back.remaining_memory, 400000);
	assert_false(back.has_last_audit);
	assert_same_profiles(&e, &back);
	assert_int_equal(back.isdr.ntars, 1);
	assert_int_equal(back.isdr.nkeysets, 2);
	assert_int_equal(back.isdr.keysets[0].cntr, 5);
	assert_true(back.isdr.keysets[0].has_cntr);
	assert_false(back.isdr.keysets[1].has_cntr);
	/* On the wire: wrapped (16 bytes + a padding block) with a 3-byte KCV. */
	assert_true(back.isdr.keysets[0].keys[0].wrapped);
	assert_int_equal(back.isdr.keysets[0].keys[0].len, 32);
	assert_int_equal(back.isdr.keysets[0].keys[0].kcv_len, 3);
	assert_int_equal(m2m_eis_keys_unwrap(&back, F.tk, sizeof F.tk, &st), M2M_OK);
	for (size_t i = 0; i < 2; i++)
		for (size_t j = 0; j < e.isdr.keysets[i].nkeys; j++) {
			assert_int_equal(back.isdr.keysets[i].keys[j].len, 16);
			assert_memory_equal(back.isdr.keysets[i].keys[j].value,
					    e.isdr.keysets[i].keys[j].value, 16);
			assert_int_equal(back.isdr.keysets[i].keys[j].type,
					 e.isdr.keysets[i].keys[j].type);
		}
	assert_int_equal(back.naudit, 1);
	assert_memory_equal(back.audit[0].op_type, "\x01\x00", 2);
	assert_int_equal(back.audit[0].date, 1714518000);
	assert_true(back.audit[0].has_status);
	assert_int_equal(back.nprops, 1);
	assert_string_equal(back.props[0].value, "m2mrsp test");
	assert_true(back.signed_info.len > 0);
	assert_true(back.signature.len > 0);

	/* The parsed value builds again (signed part as received) and still verifies. */
	assert_int_equal(m2m_ws_request_new(M2M_WS_ES1_REGISTER_EIS, "fc-2", 0, &m2), M2M_OK);
	assert_int_equal(m2m_eis_build(m2, NULL, &back, F.tk, sizeof F.tk, &node2), M2M_OK);
	assert_valid(m2);
	assert_int_equal(m2m_eis_verify(node2, F.eum_pem.data, F.eum_pem.len, F.ci_pem.data,
					F.ci_pem.len, &st),
			 M2M_OK);
	m2m_eis_init(&again);
	assert_int_equal(m2m_eis_parse(node2, &again, &st), M2M_OK);
	assert_same_profiles(&back, &again);
	assert_int_equal(again.signed_info.len, back.signed_info.len);
	assert_memory_equal(again.signed_info.data, back.signed_info.data, back.signed_info.len);
	m2m_eis_clear(&again);
	m2m_ws_msg_free(m2);
	m2m_eis_clear(&back);
	m2m_ws_msg_free(m);
	m2m_eis_clear(&e);
}

/* Without a transport key the key sets keep their versions and counters, not their keys:
 * still valid against the schema (GetEIS, hand-over). */
static void build_without_keys(void **state)
{
	m2m_eis e, back;
	m2m_ws_exec_status st;
	m2m_ws_node *node;
	m2m_ws_msg *m;

	(void)state;
	fx_eis(&F, FX_EID, &e);
	assert_int_equal(m2m_ws_request_new(M2M_WS_ES1_REGISTER_EIS, "fc-3", 0, &m), M2M_OK);
	assert_int_equal(m2m_eis_build(m, NULL, &e, NULL, 0, &node), M2M_OK);
	assert_int_equal(m2m_eis_sign(m, node, F.eum, NULL, 0, NULL), M2M_OK);
	assert_valid(m);
	assert_null(m2m_ws_find(node, "Isd-r/Keyset/Key"));
	m2m_eis_init(&back);
	assert_int_equal(m2m_eis_parse(node, &back, &st), M2M_OK);
	assert_int_equal(back.isdr.nkeysets, 2);
	assert_int_equal(back.isdr.keysets[0].nkeys, 0);
	assert_int_equal(back.isdr.keysets[0].cntr, 5);
	m2m_eis_clear(&back);
	m2m_ws_msg_free(m);
	m2m_eis_clear(&e);
}

/* tests/ws/data/es1_register_eis.xml, written for the ws layer from the XSD by hand. */
static void parse_ws_sample(void **state)
{
	char path[512];
	m2m_buf b;
	FILE *f;
	size_t n;
	uint8_t chunk[4096];
	m2m_ws_msg *m = NULL;
	m2m_ws_error why;
	m2m_ws_exec_status st;
	m2m_eis e;

	(void)state;
	snprintf(path, sizeof path, "%s/tests/ws/data/es1_register_eis.xml", M2MRSP_SOURCE_DIR);
	assert_non_null(f = fopen(path, "rb"));
	m2m_buf_init(&b);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		assert_int_equal(m2m_buf_append(&b, chunk, n), M2M_OK);
	fclose(f);
	assert_int_equal(m2m_ws_soap_parse(b.data, b.len, &m, &why), M2M_OK);
	m2m_eis_init(&e);
	assert_int_equal(m2m_eis_parse(m2m_ws_find(m2m_ws_msg_body(m), "Eis"), &e, &st), M2M_OK);
	assert_string_equal(e.eid, "89001012012341234012345678901224");
	assert_string_equal(e.eum_id, "1.3.6.1.4.1.99999.10");
	assert_int_equal(e.ecasd.keysets[0].usage, M2M_EIS_KS_CA);
	assert_int_equal(e.ecasd.keysets[0].certs[0].len, 4);
	assert_int_equal(e.nprofiles, 1);
	assert_string_equal(e.profiles[0].iccid, "8944500102198304826");
	assert_int_equal(e.profiles[0].pol2, M2M_POL2_DISABLE_NOT_ALLOWED);
	assert_int_equal(e.profiles[0].state, M2M_STORE_PROFILE_ENABLED);
	assert_true(e.has_last_audit);
	assert_int_equal(e.isdr.nkeysets, 2);
	assert_int_equal(e.isdr.keysets[0].usage, M2M_EIS_KS_SCP80);
	assert_int_equal(e.isdr.keysets[0].keys[1].index, 2);
	assert_int_equal(e.isdr.keysets[0].keys[1].len, 16);
	assert_memory_equal(e.isdr.keysets[0].keys[1].kcv, "\x4D\x5E\x6F", 3);
	assert_int_equal(e.isdr.keysets[1].nkeys, 0);
	assert_int_equal(m2m_eis_keyset_usage(&e.isdr.keysets[1]), M2M_EIS_KS_SCP81);
	assert_int_equal(e.naudit, 1);
	assert_memory_equal(e.audit[0].op_type, "\x01\x00", 2);
	assert_string_equal(e.props[0].key, "manufacturer");
	/* Its placeholder signature does not verify. */
	assert_int_equal(m2m_eis_verify(m2m_ws_find(m2m_ws_msg_body(m), "Eis"), F.eum_pem.data,
					F.eum_pem.len, F.ci_pem.data, F.ci_pem.len, &st),
			 M2M_ERR_FORMAT);
	assert_string_equal(st.subject, "8.6");
	m2m_eis_clear(&e);
	m2m_ws_msg_free(m);
	m2m_buf_free(&b);
}

typedef void (*mutate_fn)(m2m_eis *e, m2m_ws_msg *m, m2m_ws_node *eis);

/* Builds the fixture's EIS, applies mutate, and expects the parser's refusal. */
static void expect_refusal(mutate_fn mutate, m2m_err want, const char *subject,
			   const char *reason, const char *text)
{
	m2m_eis e, back;
	m2m_ws_exec_status st;
	m2m_ws_node *node;
	m2m_ws_msg *m;

	fx_eis(&F, FX_EID, &e);
	mutate(&e, NULL, NULL);
	m = fx_request(&F, &e, F.eum, NULL, &node);
	mutate(&e, m, node);
	m2m_eis_init(&back);
	memset(&st, 0, sizeof st);
	assert_int_equal(m2m_eis_parse(node, &back, &st), want);
	assert_int_equal(st.status, M2M_WS_FAILED);
	assert_string_equal(st.subject, subject);
	assert_string_equal(st.reason, reason);
	if (strstr(st.message, text) == NULL)
		fail_msg("'%s' does not say '%s'", st.message, text);
	assert_string_equal(back.eid, ""); /* cleared */
	m2m_ws_msg_free(m);
	m2m_eis_clear(&e);
}

static void no_eid(m2m_eis *e, m2m_ws_msg *m, m2m_ws_node *n)
{
	(void)e;
	(void)m;
	if (n != NULL)
		fx_remove(n, "EumSignedInfo/Eid");
}

static void short_eid(m2m_eis *e, m2m_ws_msg *m, m2m_ws_node *n)
{
	(void)m;
	(void)n;
	if (n == NULL)
		snprintf(e->eid, sizeof e->eid, "890010120123412340123456789012");
}

static void eum_name(m2m_eis *e, m2m_ws_msg *m, m2m_ws_node *n)
{
	(void)m;
	(void)n;
	if (n == NULL)
		snprintf(e->eum_id, sizeof e->eum_id, "eum1");
}

static void bad_iccid(m2m_eis *e, m2m_ws_msg *m, m2m_ws_node *n)
{
	(void)m;
	(void)n;
	if (n == NULL)
		snprintf(e->profiles[1].iccid, sizeof e->profiles[1].iccid, "1234567");
}

static void two_enabled(m2m_eis *e, m2m_ws_msg *m, m2m_ws_node *n)
{
	(void)m;
	(void)n;
	e->profiles[1].state = M2M_STORE_PROFILE_ENABLED;
}

static void same_aid(m2m_eis *e, m2m_ws_msg *m, m2m_ws_node *n)
{
	(void)m;
	(void)n;
	memcpy(e->profiles[1].isdp_aid, e->profiles[0].isdp_aid, 16);
}

static void same_kvn(m2m_eis *e, m2m_ws_msg *m, m2m_ws_node *n)
{
	(void)m;
	(void)n;
	e->isdr.keysets[1].version = 1;
}

static void isdr_role(m2m_eis *e, m2m_ws_msg *m, m2m_ws_node *n)
{
	(void)e;
	(void)m;
	if (n != NULL)
		fx_set_text(n, "Isd-r/Role", "ECASD");
}

static void ecasd_key(m2m_eis *e, m2m_ws_msg *m, m2m_ws_node *n)
{
	m2m_ws_node *ks, *key, *kc;

	(void)e;
	if (n == NULL)
		return;
	ks = (m2m_ws_node *)m2m_ws_find(n, "EumSignedInfo/Ecasd/Keyset");
	assert_int_equal(m2m_ws_add(m, ks, "Key", NULL, &key), M2M_OK);
	assert_int_equal(m2m_ws_set_attr(m, key, "kcv", "010203"), M2M_OK);
	assert_int_equal(m2m_ws_add(m, key, "Index", "1", NULL), M2M_OK);
	assert_int_equal(m2m_ws_add(m, key, "KeyComponents", NULL, &kc), M2M_OK);
	assert_int_equal(m2m_ws_set_attr(m, kc, "type", "88"), M2M_OK);
	assert_int_equal(m2m_ws_set_attr(m, kc, "value", "00112233"), M2M_OK);
}

static void two_components(m2m_eis *e, m2m_ws_msg *m, m2m_ws_node *n)
{
	m2m_ws_node *key, *kc;

	(void)e;
	if (n == NULL)
		return;
	key = (m2m_ws_node *)m2m_ws_find(n, "Isd-r/Keyset/Key");
	assert_int_equal(m2m_ws_add(m, key, "KeyComponents", NULL, &kc), M2M_OK);
	assert_int_equal(m2m_ws_set_attr(m, kc, "type", "88"), M2M_OK);
	assert_int_equal(m2m_ws_set_attr(m, kc, "value", "00"), M2M_OK);
}

static void no_signature(m2m_eis *e, m2m_ws_msg *m, m2m_ws_node *n)
{
	(void)e;
	(void)m;
	if (n != NULL)
		fx_remove(n, "EumSignature");
}

static void bad_rule(m2m_eis *e, m2m_ws_msg *m, m2m_ws_node *n)
{
	(void)e;
	(void)m;
	if (n != NULL)
		fx_set_text(n, "ProfileInfo/pol2/Rule/Qualification", "Maybe");
}

static void bad_kcv(m2m_eis *e, m2m_ws_msg *m, m2m_ws_node *n)
{
	(void)e;
	if (n != NULL)
		assert_int_equal(m2m_ws_set_attr(m, (m2m_ws_node *)m2m_ws_find(n, "Isd-r/Keyset/Key"),
						 "kcv", "XYZ"),
				 M2M_OK);
}

static void bad_msisdn(m2m_eis *e, m2m_ws_msg *m, m2m_ws_node *n)
{
	(void)m;
	(void)n;
	if (n == NULL)
		snprintf(e->profiles[0].msisdn, sizeof e->profiles[0].msisdn, "12");
}

static void bad_version(m2m_eis *e, m2m_ws_msg *m, m2m_ws_node *n)
{
	(void)e;
	(void)m;
	if (n != NULL)
		fx_set_text(n, "EumSignedInfo/EuiccCapabilities/SecurePacketVersion", "13.0");
}

static void refusals(void **state)
{
	(void)state;
	expect_refusal(no_eid, M2M_ERR_FORMAT, "8.1.1", "2.1", "EumSignedInfo/Eid is missing");
	expect_refusal(short_eid, M2M_ERR_FORMAT, "8.1.1", "2.1", "an EID is 16");
	expect_refusal(eum_name, M2M_ERR_FORMAT, "8.6", "2.1", "not an object identifier");
	expect_refusal(bad_iccid, M2M_ERR_FORMAT, "8.2.1", "2.1", "ProfileInfo[2]/Iccid");
	expect_refusal(two_enabled, M2M_ERR_FORMAT, "8.2", "2.1", "2 profiles are Enabled");
	expect_refusal(same_aid, M2M_ERR_FORMAT, "8.3.1", "2.1", "Isd-p-aid");
	expect_refusal(same_kvn, M2M_ERR_FORMAT, "8.4", "2.1", "version 1 appears twice");
	expect_refusal(isdr_role, M2M_ERR_FORMAT, "8.4", "2.1", "Isd-r/Role is 'ECASD'");
	expect_refusal(ecasd_key, M2M_ERR_FORMAT, "8.5.2", "2.1", "carries a key");
	expect_refusal(two_components, M2M_ERR_UNSUPPORTED, "8.4", "2.1", "several components");
	expect_refusal(no_signature, M2M_ERR_FORMAT, "8.6", "2.1", "EumSignature is missing");
	expect_refusal(bad_rule, M2M_ERR_FORMAT, "8.2.3", "2.1", "not a POL2 rule");
	expect_refusal(bad_kcv, M2M_ERR_FORMAT, "8.4", "2.1", "@kcv");
	expect_refusal(bad_msisdn, M2M_ERR_FORMAT, "8.2.6", "2.1", "Msisdn");
	expect_refusal(bad_version, M2M_ERR_FORMAT, "8.6", "2.1", "SecurePacketVersion");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(build_parse_round_trip),
		cmocka_unit_test(build_without_keys),
		cmocka_unit_test(parse_ws_sample),
		cmocka_unit_test(refusals),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
