/* EIS <-> store records on SQLite: a round trip that keeps the signature verifiable, the
 * columns and rows, conflicts, and the rows overriding the document. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "smsr/eis_keys.h"
#include "smsr/eis_store.h"
#include "test_eis_fixture.h"

#define MASTER "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static fx F;
static char tmpdir[64];
static int dbs;

static int setup(void **state)
{
	(void)state;
	fx_init(&F);
	snprintf(tmpdir, sizeof tmpdir, "/tmp/m2m-eis-store-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	fx_free(&F);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static m2m_store *open_store(void)
{
	char url[160], err[200];
	m2m_store *st = NULL;

	snprintf(url, sizeof url, "sqlite:%s/s%d.db", tmpdir, dbs++);
	assert_int_equal(m2m_store_open(url, MASTER, &st, err, sizeof err), M2M_OK);
	return st;
}

/* The fixture's EIS as RegisterEIS sees it: received, parsed, keys unwrapped. */
static void received(m2m_eis *out, m2m_ws_msg **m, m2m_ws_node **node)
{
	m2m_ws_exec_status st;
	m2m_eis e;

	fx_eis(&F, FX_EID, &e);
	*m = fx_request(&F, &e, F.eum, NULL, node);
	m2m_eis_init(out);
	assert_int_equal(m2m_eis_parse(*node, out, &st), M2M_OK);
	assert_int_equal(m2m_eis_keys_unwrap(out, F.tk, sizeof F.tk, &st), M2M_OK);
	m2m_eis_clear(&e);
}

static void round_trip(void **state)
{
	m2m_store *st = open_store();
	m2m_ws_exec_status status;
	m2m_ws_node *node, *node2;
	m2m_ws_msg *m, *m2;
	m2m_store_eis row;
	m2m_store_profile p;
	m2m_store_keyset k;
	m2m_eis e, back, again;

	(void)state;
	received(&e, &m, &node);
	m2m_err err = m2m_eis_to_store(st, &e, &status);
	if (err != M2M_OK)
		fail_msg("%s/%s %s", status.subject, status.reason, status.message);

	/* The columns and rows. */
	memset(&row, 0, sizeof row);
	assert_int_equal(m2m_store_eis_get(st, FX_EID, &row), M2M_OK);
	assert_string_equal(row.eum_id, FX_EUM_ID);
	assert_string_equal(row.isdr_aid, "A0000005591010FFFFFFFF8900000100");
	assert_string_equal(row.isdp_loadfile_aid, "A0000005591010FFFFFFFF8900000D00");
	assert_string_equal(row.msisdn, "447700900123"); /* the Enabled profile's */
	assert_int_equal(row.caps, M2M_STORE_CAP_SMS | M2M_STORE_CAP_HTTPS);
	assert_int_equal(row.remaining_memory, 400000);
	assert_int_equal(row.ecasd_cert_len, e.ecasd.keysets[0].certs[0].len);
	assert_non_null(strstr(row.doc, "\"format\":\"m2mrsp-eis 1\""));
	assert_null(strstr(row.doc, "ProfileInfo"));
	assert_null(strstr(row.doc, "KeyComponents"));
	m2m_store_eis_clear(&row);
	memset(&p, 0, sizeof p);
	assert_int_equal(m2m_store_profile_get_by_iccid(st, "8944500102198304834", &p), M2M_OK);
	assert_string_equal(p.isdp_aid, "A0000005591010FFFFFFFF8900001100");
	assert_int_equal(p.state, M2M_STORE_PROFILE_DISABLED);
	assert_int_equal(p.free_memory, 0); /* FreeMemory not given */
	m2m_store_profile_clear(&p);
	memset(&k, 0, sizeof k);
	assert_int_equal(m2m_store_keyset_get(st, FX_EID, 1, &k), M2M_OK);
	assert_int_equal(k.type, M2M_STORE_KS_SCP80);
	assert_int_equal(k.kic_alg, 2);
	assert_int_equal(k.kid_alg, 2);
	assert_int_equal(k.counter, 5);
	assert_int_equal(k.nkeys, 3);
	assert_int_equal(k.keys[1].value[0], 0x22);
	m2m_store_keyset_clear(&k);
	assert_int_equal(m2m_store_keyset_get(st, FX_EID, 0x40, &k), M2M_OK);
	assert_int_equal(k.type, M2M_STORE_KS_SCP81);
	/* SGP.02 2.4.4.1: 80 01 02 | 81 10 EID | 4F 10 ISD-R AID | 82 01 KID | 83 01 KVN. */
	assert_int_equal(k.psk_id_len, 45);
	assert_memory_equal(k.psk_id, "\x80\x01\x02\x81\x10\x89\x00\x10\x12", 9);
	assert_memory_equal(k.psk_id + 39, "\x82\x01\x01\x83\x01\x40", 6);
	m2m_store_keyset_clear(&k);

	/* Back: the same EIS, keys in clear, signature still verifiable. */
	m2m_eis_init(&back);
	assert_int_equal(m2m_eis_from_store(st, FX_EID, &back), M2M_OK);
	assert_string_equal(back.eid, FX_EID);
	assert_string_equal(back.smsr_id, FX_SMSR_ID);
	assert_int_equal(back.nprofiles, 2);
	assert_int_equal(back.profiles[0].pol2, e.profiles[0].pol2);
	assert_false(back.profiles[1].has_free_memory);
	assert_int_equal(back.profiles[0].free_memory, 1024);
	assert_int_equal(back.isdr.nkeysets, 2);
	assert_false(back.isdr.keysets[0].keys[0].wrapped);
	assert_memory_equal(back.isdr.keysets[0].keys[2].value, e.isdr.keysets[0].keys[2].value,
			    16);
	assert_int_equal(back.naudit, 1);
	assert_int_equal(back.nprops, 1);
	assert_int_equal(back.signed_info.len, e.signed_info.len);
	assert_memory_equal(back.signed_info.data, e.signed_info.data, e.signed_info.len);
	assert_int_equal(m2m_ws_request_new(M2M_WS_ES1_REGISTER_EIS, "fc-2", 0, &m2), M2M_OK);
	assert_int_equal(m2m_eis_build(m2, NULL, &back, F.tk, sizeof F.tk, &node2), M2M_OK);
	m2m_ws_error why;
	assert_int_equal(m2m_ws_schema_validate_msg(F.schema, m2, &why), M2M_OK);
	assert_int_equal(m2m_eis_verify(node2, F.eum_pem.data, F.eum_pem.len, F.ci_pem.data,
					F.ci_pem.len, &status),
			 M2M_OK);
	m2m_eis_init(&again);
	assert_int_equal(m2m_eis_parse(node2, &again, &status), M2M_OK);
	assert_int_equal(m2m_eis_keys_unwrap(&again, F.tk, sizeof F.tk, &status), M2M_OK);
	assert_memory_equal(again.isdr.keysets[1].keys[0].value, e.isdr.keysets[1].keys[0].value,
			    16);
	m2m_eis_clear(&again);
	m2m_ws_msg_free(m2);

	/* Rows win over the document: a raised counter, a profile state, a deleted key set. */
	int64_t now;
	assert_int_equal(m2m_store_counter_raise(st, FX_EID, 1, 99, &now), M2M_OK);
	assert_int_equal(m2m_store_profile_set_state(st, FX_EID,
						     "A0000005591010FFFFFFFF8900001100",
						     M2M_STORE_PROFILE_ENABLED, 0),
			 M2M_OK);
	assert_int_equal(m2m_store_keyset_delete(st, FX_EID, 0x40), M2M_OK);
	assert_int_equal(m2m_eis_from_store(st, FX_EID, &back), M2M_OK);
	assert_int_equal(back.isdr.keysets[0].cntr, 99);
	assert_int_equal(back.isdr.nkeysets, 1);
	assert_int_equal(back.profiles[1].state, M2M_STORE_PROFILE_ENABLED);
	/* Unknown EID. */
	assert_int_equal(m2m_eis_from_store(st, "89001012012341234012345678901232", &back),
			 M2M_END);
	m2m_eis_clear(&back);
	m2m_ws_msg_free(m);
	m2m_eis_clear(&e);
	m2m_store_close(st);
}

static void conflicts(void **state)
{
	m2m_store *st = open_store();
	m2m_ws_exec_status status;
	m2m_ws_node *node;
	m2m_ws_msg *m;
	m2m_eis e;
	int64_t count = 0;

	(void)state;
	received(&e, &m, &node);
	assert_int_equal(m2m_eis_to_store(st, &e, &status), M2M_OK);
	/* The same EID again. */
	assert_int_equal(m2m_eis_to_store(st, &e, &status), M2M_ERR_STATE);
	assert_string_equal(status.subject, "8.1.1");
	assert_string_equal(status.reason, "3.3");
	/* Another EID with an ICCID of the first: nothing of it is kept. */
	snprintf(e.eid, sizeof e.eid, "89001012012341234012345678901232");
	assert_int_equal(m2m_eis_to_store(st, &e, &status), M2M_ERR_STATE);
	assert_string_equal(status.subject, "8.2.1");
	assert_string_equal(status.reason, "3.3");
	assert_int_equal(m2m_store_eis_count(st, &count), M2M_OK);
	assert_int_equal(count, 1);
	/* Keys still wrapped are refused. */
	e.isdr.keysets[0].keys[0].wrapped = true;
	snprintf(e.profiles[0].iccid, sizeof e.profiles[0].iccid, "8944500102198304842");
	snprintf(e.profiles[1].iccid, sizeof e.profiles[1].iccid, "8944500102198304859");
	assert_int_equal(m2m_eis_to_store(st, &e, &status), M2M_ERR_ARG);
	assert_int_equal(m2m_store_eis_count(st, &count), M2M_OK);
	assert_int_equal(count, 1);
	m2m_ws_msg_free(m);
	m2m_eis_clear(&e);
	m2m_store_close(st);
}

/* An EIS without key values (as ES7.HandoverEUICC brings it): key sets with their versions
 * and counters only. */
static void without_keys(void **state)
{
	m2m_store *st = open_store();
	m2m_ws_exec_status status;
	m2m_ws_node *node;
	m2m_ws_msg *m;
	m2m_eis e, got, back;

	(void)state;
	fx_eis(&F, FX_EID, &e);
	assert_int_equal(m2m_ws_request_new(M2M_WS_ES7_HANDOVER_EUICC, "fc-7", 0, &m), M2M_OK);
	assert_int_equal(m2m_eis_build(m, NULL, &e, NULL, 0, &node), M2M_OK);
	assert_int_equal(m2m_eis_sign(m, node, F.eum, NULL, 0, NULL), M2M_OK);
	m2m_eis_init(&got);
	assert_int_equal(m2m_eis_parse(node, &got, &status), M2M_OK);
	assert_int_equal(m2m_eis_to_store(st, &got, &status), M2M_OK);
	m2m_eis_init(&back);
	assert_int_equal(m2m_eis_from_store(st, FX_EID, &back), M2M_OK);
	assert_int_equal(back.isdr.nkeysets, 2);
	assert_int_equal(back.isdr.keysets[0].nkeys, 0);
	assert_int_equal(back.isdr.keysets[0].cntr, 5);
	m2m_eis_clear(&back);
	m2m_eis_clear(&got);
	m2m_ws_msg_free(m);
	m2m_eis_clear(&e);
	m2m_store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(conflicts),
		cmocka_unit_test(without_keys),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
