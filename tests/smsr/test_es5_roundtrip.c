/* Every ES5 builder, packaged by the SM-SR side (script, SCP80, SMS) and run by the real
 * eUICC library (m2m_euicc_ota_envelope); the PoR opened and parsed back into a typed
 * result; the card's state checked. Both directions are under test, and the card is an
 * independent implementation of the command layouts (docs/euicc.md). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "card/keyest.h"
#include "test_es5_rig.h"

static void run_ok(rig *r, const m2m_es5_cmd *c, m2m_es5_result *res)
{
	m2m_es5_result_init(res, c->fn);
	assert_int_equal(rig_run(r, c, res), M2M_OK);
	if (res->outcome != M2M_ES5_OK)
		fail_msg("%s: outcome %s sw %04x por %02x", m2m_es5_fn_name(c->fn),
			 m2m_es5_outcome_name(res->outcome), res->sw, res->por_status);
}

/* A refused command: the card's state does not move and the result names the reason. */
static void run_refused(rig *r, const m2m_es5_cmd *c, uint16_t sw, const char *subject,
			const char *reason)
{
	m2m_es5_result res;
	m2m_buf before, after;

	m2m_buf_init(&before);
	m2m_buf_init(&after);
	m2m_es5_result_init(&res, c->fn);
	memset(&r->out.ev, 0, sizeof r->out.ev);
	assert_int_equal(m2m_euicc_save(r->c->e, &before), M2M_OK);
	assert_int_equal(rig_run(r, c, &res), M2M_OK);
	assert_int_equal(res.outcome, M2M_ES5_SW_ERROR);
	assert_int_equal(res.sw, sw);
	assert_string_equal(res.code.subject, subject);
	assert_string_equal(res.code.reason, reason);
	assert_int_equal(m2m_euicc_save(r->c->e, &after), M2M_OK);
	/* Only the counter of key set 01 moved (it is part of the saved state). */
	assert_int_equal(before.len, after.len);
	m2m_es5_result_free(&res);
	m2m_buf_free(&before);
	m2m_buf_free(&after);
}

static int lcs_of(rig *r, uint8_t tt)
{
	uint8_t aid[16];
	int i;

	rig_aid(tt, aid);
	i = m2m_euicc_find_isdp(r->c->e, aid, 16);
	return i < 0 ? -1 : r->c->e->isdp[i].lcs;
}

/* CreateISDP -> (ES8 hook: profile installed) -> Enable -> Disable -> DeleteISDP. */
static void test_profile_life_cycle(void **state)
{
	rig *r = rig_new();
	m2m_es5_cmd c;
	m2m_es5_result res;
	uint8_t aid[16], iccid[10] = {0x98, 0x10, 0x14, 0, 0, 0, 0, 0, 0, 0x13};

	(void)state;
	m2m_es5_cmd_init(&c);
	rig_aid(0x13, aid);
	assert_int_equal(m2m_es5_create_isdp(&c, (const uint8_t[3]){0, 0, 0x13}, 30000), M2M_OK);
	run_ok(r, &c, &res);
	assert_int_equal(r->packets, 1);
	assert_int_equal(r->last_parts, 1);
	assert_int_equal(r->ignored, 1); /* the short PoR 0B of the DELIVER-REPORT */
	assert_int_equal(lcs_of(r, 0x13), M2M_EUICC_LCS_SELECTABLE);
	assert_int_equal(r->c->e->isdp[fx_idx(r->c, AID_13)].mem_reserved, 30000);
	assert_int_equal(r->c->e->keysets[0].last_counter, 6);
	m2m_es5_result_free(&res);
	assert_int_equal(m2m_euicc_isdp_install_profile(r->c->e, aid, iccid, 0, 1000), M2M_OK);

	assert_int_equal(m2m_es5_enable_profile(&c, aid), M2M_OK);
	run_ok(r, &c, &res);
	assert_int_equal(res.sw, 0x9000);
	assert_int_equal(res.executed, 1);
	assert_int_equal(res.por_status, 0x00);
	assert_int_equal(lcs_of(r, 0x13), M2M_EUICC_LCS_ENABLED);
	assert_int_equal(lcs_of(r, 0x11), M2M_EUICC_LCS_DISABLED);
	m2m_es5_result_free(&res);

	assert_int_equal(m2m_es5_disable_profile(&c, aid), M2M_OK);
	run_ok(r, &c, &res);
	assert_int_equal(lcs_of(r, 0x13), M2M_EUICC_LCS_DISABLED);
	assert_int_equal(lcs_of(r, 0x11), M2M_EUICC_LCS_ENABLED); /* the fall-back profile */
	m2m_es5_result_free(&res);

	assert_int_equal(m2m_es5_delete_isdp(&c, aid), M2M_OK);
	run_ok(r, &c, &res);
	assert_int_equal(lcs_of(r, 0x13), -1);
	assert_int_equal(r->c->e->keysets[0].last_counter, 9);
	assert_int_equal(r->counter[1], 9);
	m2m_es5_result_free(&res);
	m2m_es5_cmd_free(&c);
	rig_free(r);
}

/* POL1 forbids disabling, unknown ISD-P, memory full, fall-back holder not deletable. */
static void test_refusals(void **state)
{
	rig *r = rig_new();
	m2m_es5_cmd c;
	m2m_es5_result res;
	uint8_t aid13[16], aid77[16], aid11[16];

	(void)state;
	m2m_es5_cmd_init(&c);
	rig_aid(0x13, aid13);
	rig_aid(0x77, aid77);
	rig_aid(0x11, aid11);
	fx_profile(r->c, AID_13, M2M_EUICC_POL1_NO_DISABLE);
	assert_int_equal(m2m_es5_enable_profile(&c, aid13), M2M_OK);
	run_ok(r, &c, &res);
	m2m_es5_result_free(&res);
	assert_int_equal(m2m_es5_disable_profile(&c, aid13), M2M_OK);
	run_refused(r, &c, 0x69E1, "8.2.2", "3.8");
	assert_int_equal(lcs_of(r, 0x13), M2M_EUICC_LCS_ENABLED);
	/* Enabling another profile would disable it: POL1 again. */
	assert_int_equal(m2m_es5_enable_profile(&c, aid11), M2M_OK);
	run_refused(r, &c, 0x69E1, "8.2.2", "3.8");
	assert_int_equal(m2m_es5_enable_profile(&c, aid77), M2M_OK);
	run_refused(r, &c, 0x6A88, "8.3.1", "3.9");
	assert_int_equal(m2m_es5_delete_isdp(&c, aid77), M2M_OK);
	run_refused(r, &c, 0x6A88, "8.3.1", "3.9");
	assert_int_equal(m2m_es5_delete_isdp(&c, aid13), M2M_OK); /* enabled */
	run_refused(r, &c, 0x6985, "8.2", "1.2");
	assert_int_equal(m2m_es5_create_isdp(&c, (const uint8_t[3]){0, 0, 0x20}, MEM_TOTAL),
			 M2M_OK);
	run_refused(r, &c, 0x6A84, "8.1", "4.8");
	assert_int_equal(lcs_of(r, 0x20), -1);
	assert_int_equal(m2m_es5_create_isdp(&c, (const uint8_t[3]){0, 0, 0x13}, 0), M2M_OK);
	run_refused(r, &c, 0x6A80, "8.3.1", "3.3"); /* exists */
	m2m_es5_cmd_free(&c);
	rig_free(r);
}

/* Attributes, then an audit that sees them; the audit is checked against the card's own
 * state and the fixture's certificate. */
static void test_attributes_and_audit(void **state)
{
	rig *r = rig_new();
	m2m_es5_cmd c;
	m2m_es5_result res;
	uint8_t aid13[16], aid14[16];

	(void)state;
	m2m_es5_cmd_init(&c);
	rig_aid(0x13, aid13);
	rig_aid(0x14, aid14);
	fx_profile(r->c, AID_13, 0);
	fx_profile(r->c, AID_14, 0);
	assert_int_equal(m2m_es5_set_fallback_attribute(&c, aid13), M2M_OK);
	run_ok(r, &c, &res);
	m2m_es5_result_free(&res);
	assert_true(r->c->e->isdp[fx_idx(r->c, AID_13)].fallback);
	assert_false(r->c->e->isdp[fx_idx(r->c, AID_BOOT)].fallback);
	assert_int_equal(m2m_es5_set_emergency_profile_attribute(&c, aid14), M2M_OK);
	run_ok(r, &c, &res);
	m2m_es5_result_free(&res);
	assert_true(r->c->e->isdp[fx_idx(r->c, AID_14)].emergency);
	/* The emergency holder cannot take the fall-back attribute. */
	assert_int_equal(m2m_es5_set_fallback_attribute(&c, aid14), M2M_OK);
	run_refused(r, &c, 0x6985, "8.2", "1.2");

	assert_int_equal(m2m_es5_audit(&c, 0x0F, NULL, 0), M2M_OK);
	run_ok(r, &c, &res);
	assert_int_equal(res.executed, 4);
	assert_true(res.audit.has_eid);
	assert_memory_equal(res.audit.eid, r->c->e->eid, 16);
	assert_int_equal(res.audit.isdp_count, 3);
	assert_int_equal(res.audit.free_nv, m2m_euicc_mem_free(r->c->e));
	assert_int_equal(res.audit.free_volatile, 0x3A92);
	assert_int_equal(res.audit.nisdp, 3);
	for (size_t i = 0; i < res.audit.nisdp; i++) {
		const m2m_es5_isdp_status *s = &res.audit.isdp[i];
		int k = m2m_euicc_find_isdp(r->c->e, s->aid, s->aid_len);
		assert_true(k >= 0);
		assert_int_equal(s->lcs, r->c->e->isdp[k].lcs);
		assert_int_equal(s->fallback, r->c->e->isdp[k].fallback);
		assert_int_equal(s->emergency, r->c->e->isdp[k].emergency);
		assert_true(s->has_mem);
		assert_int_equal(s->mem_reserved, r->c->e->isdp[k].mem_reserved);
		assert_int_equal(s->mem_free,
				 r->c->e->isdp[k].mem_reserved - r->c->e->isdp[k].mem_used);
	}
	assert_int_equal(res.audit.ecasd_cert_len, r->c->cert_ecasd.len);
	assert_memory_equal(res.audit.ecasd_cert, r->c->cert_ecasd.data, r->c->cert_ecasd.len);
	/* The certificate makes the PoR longer than one SMS: it came concatenated. */
	m2m_es5_result_free(&res);
	/* One ISD-P by AID; an unknown AID stops the script at its GET STATUS. */
	assert_int_equal(m2m_es5_audit(&c, M2M_ES5_AUDIT_ISDPS, &aid14, 1), M2M_OK);
	run_ok(r, &c, &res);
	assert_int_equal(res.audit.nisdp, 1);
	assert_true(res.audit.isdp[0].emergency);
	m2m_es5_result_free(&res);
	aid14[14] = 0x77;
	assert_int_equal(m2m_es5_audit(&c, M2M_ES5_AUDIT_EID | M2M_ES5_AUDIT_ISDPS, &aid14, 1),
			 M2M_OK);
	run_refused(r, &c, 0x6A88, "8.3.1", "3.9");
	m2m_es5_cmd_free(&c);
	rig_free(r);
}

/* 3A07 with the longest A3 the card keeps: the packet needs two SMS (IEI 00 + 70); with a
 * limit of one SMS the single C-APDU cannot be sent at all. */
static void test_long_smsr_addressing(void **state)
{
	rig *r = rig_new();
	m2m_es5_cmd c;
	m2m_es5_result res;
	m2m_es5_txn t;
	m2m_sms_addr a = {.ton_npi = 0x91, .digits = "447900000123"};
	m2m_buf a3;
	m2m_sms_addr back;

	(void)state;
	m2m_es5_cmd_init(&c);
	m2m_buf_init(&a3);
	assert_int_equal(m2m_es5_smsr_address_tlv(&a, &a3), M2M_OK);
	/* Pad with an opaque element up to 128 bytes. */
	assert_int_equal(m2m_buf_append_u8(&a3, 0x82), M2M_OK);
	assert_int_equal(m2m_buf_append_u8(&a3, (uint8_t)(128 - a3.len - 1)), M2M_OK);
	assert_int_equal(m2m_buf_append_fill(&a3, 0x5A, 128 - a3.len), M2M_OK);
	assert_int_equal(a3.len, 128);
	assert_int_equal(m2m_es5_update_smsr_addressing_parameters(&c, a3.data, a3.len), M2M_OK);
	run_ok(r, &c, &res);
	assert_int_equal(r->last_parts, 2);
	assert_int_equal(r->c->e->smsr_params_len, 128);
	assert_memory_equal(r->c->e->smsr_params, a3.data, 128);
	assert_true(m2m_euicc_ota_smsr_address(r->c->e, &back));
	assert_string_equal(back.digits, "447900000123");
	m2m_es5_result_free(&res);
	/* 16-bit references: IEI 08. */
	r->cfg.ref16 = true;
	run_ok(r, &c, &res);
	assert_int_equal(r->last_parts, 2);
	m2m_es5_result_free(&res);
	r->cfg.max_parts = 1;
	assert_int_equal(m2m_es5_txn_start(&t, &c, &r->cfg, &r->keys, r->c->e->eid),
			 M2M_ERR_BOUNDS);
	m2m_es5_txn_free(&t);
	m2m_buf_free(&a3);
	m2m_es5_cmd_free(&c);
	rig_free(r);
}

/* An audit of eight ISD-Ps by AID with one SMS per packet: four packets joined by script
 * chaining (83 01 01, 02, 02, 03), one counter each, one result. */
static void test_script_chaining(void **state)
{
	rig *r = rig_new();
	m2m_es5_cmd c;
	m2m_es5_result res;
	uint8_t aids[8][16];

	(void)state;
	m2m_es5_cmd_init(&c);
	for (uint8_t i = 0; i < 8; i++) {
		uint8_t iccid[10] = {0x98, 0x10, 0x14, 0, 0, 0, 0, 0, 0, i};
		rig_aid((uint8_t)(0x20 + i), aids[i]);
		assert_int_equal(m2m_euicc_create_isdp(r->c->e, aids[i], 16, true, 2000, NULL),
				 0x9000);
		assert_int_equal(m2m_euicc_isdp_install_profile(r->c->e, aids[i], iccid, 0, 1000),
				 M2M_OK);
	}
	r->cfg.max_parts = 1;
	assert_int_equal(m2m_es5_audit(&c, M2M_ES5_AUDIT_EID | M2M_ES5_AUDIT_ISDPS, aids, 8),
			 M2M_OK);
	run_ok(r, &c, &res);
	assert_int_equal(r->packets, 4);
	assert_int_equal(r->reserves, 4);
	assert_int_equal(r->c->e->keysets[0].last_counter, 9);
	assert_memory_equal(r->scripts[0].data + 2, "\x83\x01\x01", 3);
	assert_memory_equal(r->scripts[1].data + 2, "\x83\x01\x02", 3);
	assert_memory_equal(r->scripts[2].data + 2, "\x83\x01\x02", 3);
	assert_memory_equal(r->scripts[3].data + 2, "\x83\x01\x03", 3);
	assert_int_equal(res.executed, 9);
	assert_int_equal(res.audit.nisdp, 8);
	for (size_t i = 0; i < 8; i++)
		assert_memory_equal(res.audit.isdp[i].aid, aids[i], 16);
	m2m_es5_result_free(&res);
	/* An error in the third packet ends the chain there: the fourth never leaves. */
	aids[4][14] = 0x77;
	assert_int_equal(m2m_es5_audit(&c, M2M_ES5_AUDIT_EID | M2M_ES5_AUDIT_ISDPS, aids, 8),
			 M2M_OK);
	m2m_es5_result_init(&res, c.fn);
	assert_int_equal(rig_run(r, &c, &res), M2M_OK);
	assert_int_equal(res.outcome, M2M_ES5_SW_ERROR);
	assert_int_equal(res.sw, 0x6A88);
	assert_int_equal(r->packets, 3);
	assert_int_equal(res.executed, 6);
	m2m_es5_result_free(&res);
	m2m_es5_cmd_free(&c);
	rig_free(r);
}

/* Every ISD-P listed when they do not fit one GET STATUS answer: the card says 6310 and the
 * SM-SR asks for the next ones (P2 03) in the next packet of the chain the audit opened. */
static void test_audit_paging(void **state)
{
	rig *r = rig_new();
	m2m_es5_cmd c;
	m2m_es5_result res;
	uint8_t aid[16];

	(void)state;
	m2m_es5_cmd_init(&c);
	for (uint8_t i = 0; i < 8; i++) {
		uint8_t iccid[10] = {0x98, 0x10, 0x14, 0, 0, 0, 0, 0, 0, i};
		rig_aid((uint8_t)(0x20 + i), aid);
		assert_int_equal(m2m_euicc_create_isdp(r->c->e, aid, 16, true, 2000, NULL), 0x9000);
		assert_int_equal(m2m_euicc_isdp_install_profile(r->c->e, aid, iccid, 0, 1000),
				 M2M_OK);
	}
	assert_int_equal(m2m_es5_audit(&c, M2M_ES5_AUDIT_RESOURCES | M2M_ES5_AUDIT_ISDPS, NULL, 0),
			 M2M_OK);
	run_ok(r, &c, &res);
	assert_int_equal(r->packets, 2);
	assert_memory_equal(r->scripts[0].data + 2, "\x83\x01\x01", 3);
	assert_memory_equal(r->scripts[1].data + 2, "\x83\x01\x02\x22\x10\x80\xF2\x40\x03", 9);
	assert_int_equal(res.executed, 3);
	assert_int_equal(res.sw, 0x9000);
	assert_false(res.audit.more);
	assert_int_equal(res.audit.isdp_count, 9);
	assert_int_equal(res.audit.nisdp, 9);
	for (size_t i = 0; i < 9; i++)
		assert_int_equal(res.audit.isdp[i].aid[14], i == 0 ? 0x11 : 0x20 + i - 1);
	m2m_es5_result_free(&res);
	m2m_es5_cmd_free(&c);
	rig_free(r);
}

/* The same packet twice (same counter): the card refuses the copy with an unsecured PoR 02
 * and changes nothing. A PoR with a broken CC is dropped, the packet still awaited. */
static void test_replay_and_forged_por(void **state)
{
	rig *r = rig_new();
	m2m_es5_cmd c;
	m2m_es5_result res;
	m2m_es5_txn t;
	uint8_t aid13[16];
	m2m_buf pkt;
	uint8_t iei;

	(void)state;
	m2m_es5_cmd_init(&c);
	m2m_buf_init(&pkt);
	rig_aid(0x13, aid13);
	fx_profile(r->c, AID_13, 0);
	assert_int_equal(m2m_es5_enable_profile(&c, aid13), M2M_OK);
	r->fixed = true;
	r->counter[1] = 6;
	run_ok(r, &c, &res);
	m2m_es5_result_free(&res);
	assert_int_equal(m2m_es5_disable_profile(&c, aid13), M2M_OK);
	m2m_es5_result_init(&res, c.fn);
	assert_int_equal(rig_run(r, &c, &res), M2M_OK);
	assert_int_equal(res.outcome, M2M_ES5_POR_ERROR);
	assert_int_equal(res.por_status, M2M_POR_CNTR_LOW);
	assert_string_equal(res.code.subject, "8.4");
	assert_string_equal(res.code.reason, "4.2");
	assert_int_equal(lcs_of(r, 0x13), M2M_EUICC_LCS_ENABLED);
	assert_int_equal(r->c->e->keysets[0].last_counter, 6);
	m2m_es5_result_free(&res);

	/* A forged PoR: CC broken, then a TAR that is not ours, then the real one. */
	r->fixed = false;
	assert_int_equal(m2m_es5_txn_start(&t, &c, &r->cfg, &r->keys, r->c->e->eid), M2M_OK);
	assert_int_equal(m2m_es5_txn_packet(&t, rig_reserve, r, 1), M2M_OK);
	m2m_euicc_ota_out_reset(&r->out);
	rig_feed(r, t.pkt.part[0].data, t.pkt.part[0].len);
	rig_mo_packet(&r->out, &pkt, &iei);
	pkt.data[pkt.len - 1] ^= 0x01;
	assert_int_equal(m2m_es5_txn_por(&t, pkt.data, pkt.len), M2M_ES5_POR_BAD);
	pkt.data[pkt.len - 1] ^= 0x01;
	assert_int_equal(m2m_es5_txn_por(&t, pkt.data, 5), M2M_ES5_POR_BAD);
	assert_true(t.waiting);
	t.pkt.hdr.tar[2] = 0x02;
	assert_int_equal(m2m_es5_txn_por(&t, pkt.data, pkt.len), M2M_ES5_POR_NOT_OURS);
	t.pkt.hdr.tar[2] = 0x01;
	t.pkt.hdr.counter++;
	assert_int_equal(m2m_es5_txn_por(&t, pkt.data, pkt.len), M2M_ES5_POR_NOT_OURS);
	t.pkt.hdr.counter--;
	assert_int_equal(m2m_es5_txn_por(&t, pkt.data, pkt.len), M2M_ES5_POR_TAKEN);
	assert_true(t.done);
	assert_int_equal(t.result.outcome, M2M_ES5_OK);
	assert_int_equal(m2m_es5_txn_por(&t, pkt.data, pkt.len), M2M_ES5_POR_NOT_OURS);
	assert_int_equal(lcs_of(r, 0x13), M2M_EUICC_LCS_DISABLED);
	m2m_es5_txn_free(&t);
	m2m_buf_free(&pkt);
	m2m_es5_cmd_free(&c);
	rig_free(r);
}

/* The DELIVER-REPORT path (SPI2 19): the PoR is the ENVELOPE's response data. And an
 * unknown key set (KVN 03): the card refuses before deciphering, status 06, counter 0. */
static void test_deliver_report_and_unknown_keyset(void **state)
{
	rig *r = rig_new();
	m2m_es5_cmd c;
	m2m_es5_result res;

	(void)state;
	m2m_es5_cmd_init(&c);
	r->cfg.spi[1] = 0x19;
	assert_int_equal(m2m_es5_audit(&c, M2M_ES5_AUDIT_EID, NULL, 0), M2M_OK);
	run_ok(r, &c, &res);
	assert_int_equal(r->out.mo_count, 0);
	assert_int_equal(r->ignored, 0);
	m2m_es5_result_free(&res);
	r->cfg.kvn = 0x03;
	m2m_es5_result_init(&res, c.fn);
	assert_int_equal(rig_run(r, &c, &res), M2M_OK);
	assert_int_equal(res.outcome, M2M_ES5_POR_ERROR);
	assert_int_equal(res.por_status, M2M_POR_UNDEFINED_SECURITY_ERROR);
	assert_string_equal(res.code.reason, "6.1");
	m2m_es5_result_free(&res);
	/* A configuration without PoR or CC is refused by the packager. */
	r->cfg.kvn = 0x01;
	r->cfg.spi[1] = 0x00;
	m2m_es5_result_init(&res, c.fn);
	assert_int_equal(rig_run(r, &c, &res), M2M_ERR_ARG);
	r->cfg.spi[1] = 0x39;
	r->cfg.spi[0] = 0x12;
	assert_int_equal(rig_run(r, &c, &res), M2M_ERR_ARG);
	m2m_es5_result_free(&res);
	m2m_es5_cmd_free(&c);
	rig_free(r);
}

/* SM-SR change on one card: key establishment (3A01, chained, then 3A02) with the SM-SR
 * certificate gives a new SCP80 key set 02; the SM-SR works with it, then deletes set 01 and
 * the PSK set 41 (FinaliseISDRhandover); the old key set is then refused. */
static void test_smsr_change_keys(void **state)
{
	rig *r = rig_new();
	m2m_es5_cmd c;
	m2m_es5_result res;
	m2m_keyest_host h;
	m2m_keyest_params p;
	m2m_keyest_keys keys;
	m2m_es5_key_range ranges[2] = {{0x01, 0x01, 0x03}, {0x41, 0x01, 0x02}};
	const m2m_euicc_keyset *ks;

	(void)state;
	m2m_es5_cmd_init(&c);
	memset(&keys, 0, sizeof keys);
	assert_int_equal(m2m_es5_keyest_cert(&c, r->c->cert_sr.data, r->c->cert_sr.len), M2M_OK);
	assert_int_equal(c.apdus.count, 2);
	run_ok(r, &c, &res);
	assert_int_equal(r->last_parts, 2); /* 3A01 needs a concatenated SMS */
	assert_memory_equal(r->scripts[0].data + 3, "\x83\x01\x01", 3);
	m2m_keyest_params_smsr_change(&p, false);
	assert_int_equal(m2m_keyest_host_init(&h, &p), M2M_OK);
	assert_int_equal(m2m_keyest_host_rc(&h, res.data, res.data_len), M2M_OK);
	m2m_es5_result_free(&res);
	assert_int_equal(m2m_es5_keyest_keys_host(&c, &h, r->c->sr, r->c->ecasd_pub), M2M_OK);
	assert_int_equal(c.chain, M2M_CHAIN_LAST);
	run_ok(r, &c, &res);
	assert_true(r->scripts[0].data[2] == 0x83 || r->scripts[0].data[3] == 0x83);
	assert_int_equal(m2m_keyest_host_finish(&h, res.data, res.data_len, &keys), M2M_OK);
	m2m_es5_result_free(&res);
	m2m_keyest_host_wipe(&h);
	ks = m2m_euicc_find_keyset(r->c->e, 0x02);
	assert_non_null(ks);
	assert_int_equal(ks->nkeys, 3);
	assert_memory_equal(ks->key[0].value, keys.key[0], 16);
	/* Switch to the new key set: KIc key 01, KID key 02, counter from 1. */
	m2m_scp80_keys_wipe(&r->keys);
	assert_int_equal(m2m_scp80_key_set(&r->keys.kic, keys.key[0], 16), M2M_OK);
	assert_int_equal(m2m_scp80_key_set(&r->keys.kid, keys.key[1], 16), M2M_OK);
	m2m_keyest_keys_wipe(&keys);
	r->cfg.kvn = 0x02;
	assert_int_equal(m2m_es5_audit(&c, M2M_ES5_AUDIT_RESOURCES, NULL, 0), M2M_OK);
	run_ok(r, &c, &res);
	assert_int_equal(r->counter[2], 1);
	m2m_es5_result_free(&res);
	assert_int_equal(m2m_es5_delete_keys(&c, ranges, 2), M2M_OK);
	run_ok(r, &c, &res);
	m2m_es5_result_free(&res);
	assert_null(m2m_euicc_find_keyset(r->c->e, 0x01));
	assert_null(m2m_euicc_find_keyset(r->c->e, 0x41));
	/* The last SCP80 key set cannot go. */
	ranges[0].kvn = 0x02;
	assert_int_equal(m2m_es5_delete_keys(&c, ranges, 1), M2M_OK);
	run_refused(r, &c, 0x6985, "8.4", "1.2");
	/* The old key set is gone: refused before deciphering. */
	r->cfg.kvn = 0x01;
	rig_fixture_keys(0x01, &r->keys);
	assert_int_equal(m2m_es5_audit(&c, M2M_ES5_AUDIT_EID, NULL, 0), M2M_OK);
	m2m_es5_result_init(&res, c.fn);
	assert_int_equal(rig_run(r, &c, &res), M2M_OK);
	assert_int_equal(res.outcome, M2M_ES5_POR_ERROR);
	assert_int_equal(res.por_status, M2M_POR_UNDEFINED_SECURITY_ERROR);
	m2m_es5_result_free(&res);
	m2m_es5_cmd_free(&c);
	rig_free(r);
}

/* A certificate of the wrong type (SM-DP) is refused at step 1 and a step 2 without a
 * pending challenge is refused too. */
static void test_keyest_refusals(void **state)
{
	rig *r = rig_new();
	m2m_es5_cmd c;
	m2m_es5_result res;
	m2m_keyest_host h;
	m2m_keyest_params p;
	uint8_t rc[18] = {0x85, 0x10}; /* a challenge the card never gave */

	(void)state;
	m2m_es5_cmd_init(&c);
	assert_int_equal(m2m_es5_keyest_cert(&c, r->c->cert_dp.data, r->c->cert_dp.len), M2M_OK);
	run_refused(r, &c, 0x6985, "8.5.3", "2.1");
	m2m_keyest_params_smsr_change(&p, false);
	assert_int_equal(m2m_keyest_host_init(&h, &p), M2M_OK);
	assert_int_equal(m2m_keyest_host_rc(&h, rc, sizeof rc), M2M_OK);
	assert_int_equal(m2m_es5_keyest_keys_host(&c, &h, r->c->sr, r->c->ecasd_pub), M2M_OK);
	m2m_es5_result_init(&res, c.fn);
	assert_int_equal(rig_run(r, &c, &res), M2M_OK);
	/* Step 1 failed, so no STORE DATA chain is open: block 01 is out of sequence. */
	assert_int_equal(res.outcome, M2M_ES5_SW_ERROR);
	assert_int_equal(res.sw, 0x6A86);
	assert_string_equal(res.code.reason, "4.2");
	m2m_es5_result_free(&res);
	m2m_keyest_host_wipe(&h);
	assert_int_equal(m2m_es5_keyest_keys(&c, rc, sizeof rc), M2M_ERR_ARG);
	assert_int_equal(m2m_es5_keyest_cert(&c, rc, sizeof rc), M2M_ERR_ARG);
	m2m_es5_cmd_free(&c);
	rig_free(r);
}

/* The notification the card sends after an enable, opened and verified with its key set;
 * forged or foreign ones are refused; the confirmation (3A08) empties the queue. */
static void test_notification_and_confirm(void **state)
{
	rig *r = rig_new();
	m2m_es5_cmd c;
	m2m_es5_result res;
	m2m_es5_notif nt;
	m2m_scp80_keys other;
	uint8_t aid13[16], kvn = 0, iei = 0;
	m2m_buf pkt;

	(void)state;
	m2m_es5_cmd_init(&c);
	m2m_buf_init(&pkt);
	rig_aid(0x13, aid13);
	fx_profile(r->c, AID_13, 0);
	assert_int_equal(m2m_es5_enable_profile(&c, aid13), M2M_OK);
	run_ok(r, &c, &res);
	m2m_es5_result_free(&res);
	assert_int_equal(m2m_euicc_notif_count(r->c->e), 1);
	m2m_euicc_ota_out_reset(&r->out);
	assert_int_equal(m2m_euicc_ota_notification(r->c->e, &r->ota, &r->out), M2M_OK);
	rig_mo_packet(&r->out, &pkt, &iei);
	assert_int_equal(iei, M2M_SMS_IEI_CPI);
	assert_int_equal(m2m_es5_notif_kvn(pkt.data, pkt.len, &kvn), M2M_OK);
	assert_int_equal(kvn, 0x01);
	assert_int_equal(m2m_es5_notif_open(pkt.data, pkt.len, &r->keys, &nt), M2M_OK);
	assert_memory_equal(nt.eid, r->c->e->eid, 16);
	assert_int_equal(nt.type, M2M_EUICC_NOTIF_CHANGE_OK);
	assert_int_equal(nt.seq, 0);
	assert_true(nt.has_aid);
	assert_memory_equal(nt.aid, aid13, 16);
	assert_false(nt.has_imei);
	/* Forged: CC byte, data byte, other keys. */
	pkt.data[16] ^= 0x40;
	assert_int_equal(m2m_es5_notif_open(pkt.data, pkt.len, &r->keys, &nt), M2M_ERR_VERIFY);
	pkt.data[16] ^= 0x40;
	pkt.data[pkt.len - 1] ^= 0x01;
	assert_int_equal(m2m_es5_notif_open(pkt.data, pkt.len, &r->keys, &nt), M2M_ERR_VERIFY);
	pkt.data[pkt.len - 1] ^= 0x01;
	rig_fixture_keys(0x02, &other);
	assert_int_equal(m2m_es5_notif_open(pkt.data, pkt.len, &other, &nt), M2M_ERR_VERIFY);
	m2m_scp80_keys_wipe(&other);
	/* Not a notification: another TAR, no CC. */
	pkt.data[9] = 0x02;
	assert_int_equal(m2m_es5_notif_kvn(pkt.data, pkt.len, &kvn), M2M_ERR_UNSUPPORTED);
	pkt.data[9] = 0x01;
	pkt.data[3] = 0x00;
	assert_int_not_equal(m2m_es5_notif_open(pkt.data, pkt.len, &r->keys, &nt), M2M_OK);
	pkt.data[3] = 0x02;
	assert_int_equal(m2m_es5_notif_open(pkt.data, pkt.len - 1, &r->keys, &nt) == M2M_OK,
			 false);

	assert_int_equal(m2m_es5_notification_confirm(&c, 0), M2M_OK);
	run_ok(r, &c, &res);
	assert_int_equal(res.ndeleted, 0);
	assert_int_equal(m2m_euicc_notif_count(r->c->e), 0);
	m2m_es5_result_free(&res);
	run_refused(r, &c, 0x6A88, "8.4", "3.9"); /* confirmed already */
	m2m_buf_free(&pkt);
	m2m_es5_cmd_free(&c);
	rig_free(r);
}

/* POL1 "delete when disabled": the confirmation answer lists the ISD-P the card deleted. */
static void test_confirm_lists_deleted(void **state)
{
	rig *r = rig_new();
	m2m_es5_cmd c;
	m2m_es5_result res;
	uint8_t aid13[16];

	(void)state;
	m2m_es5_cmd_init(&c);
	rig_aid(0x13, aid13);
	fx_profile(r->c, AID_13, M2M_EUICC_POL1_DELETE_ON_DISABLE);
	assert_int_equal(m2m_es5_enable_profile(&c, aid13), M2M_OK);
	run_ok(r, &c, &res);
	m2m_es5_result_free(&res);
	assert_int_equal(m2m_es5_disable_profile(&c, aid13), M2M_OK);
	run_ok(r, &c, &res);
	m2m_es5_result_free(&res);
	assert_int_equal(m2m_es5_notification_confirm(&c, 1), M2M_OK);
	run_ok(r, &c, &res);
	assert_int_equal(res.ndeleted, 1);
	assert_memory_equal(res.deleted[0], aid13, 16);
	assert_int_equal(lcs_of(r, 0x13), -1);
	m2m_es5_result_free(&res);
	m2m_es5_cmd_free(&c);
	rig_free(r);
}

/* Master Delete with the token key of the ISD-P (whty layout): POL1 "no deletion" does not
 * stop it; a wrong token does (6982). */
static void test_master_delete(void **state)
{
	static const char b6hex[] = "b61d42054953445001" "4509495344505344494e01"
				    "5f200547534d4101" "930101";
	rig *r = rig_new();
	m2m_es5_cmd c;
	m2m_es5_result res;
	uint8_t aid13[16], key[16], token[16], b6[31];
	size_t n = 0;

	(void)state;
	m2m_es5_cmd_init(&c);
	rig_aid(0x13, aid13);
	memset(key, 0x70, sizeof key);
	assert_int_equal(m2m_hex_decode(b6hex, b6, sizeof b6, &n), M2M_OK);
	fx_profile(r->c, AID_13, M2M_EUICC_POL1_NO_DELETE);
	assert_int_equal(m2m_euicc_isdp_set_token_key(r->c->e, aid13, key, 16), M2M_OK);
	assert_int_equal(m2m_es5_delete_isdp(&c, aid13), M2M_OK);
	run_refused(r, &c, 0x69E1, "8.2.2", "3.8");
	key[0] ^= 1;
	assert_int_equal(m2m_es5_master_delete_token(key, 16, aid13, b6, n, token), M2M_OK);
	assert_int_equal(m2m_es5_master_delete(&c, aid13, b6, n, token), M2M_OK);
	run_refused(r, &c, 0x6982, "8.3.1", "6.1");
	key[0] ^= 1;
	assert_int_equal(m2m_es5_master_delete_token(key, 16, aid13, b6, n, token), M2M_OK);
	assert_int_equal(m2m_es5_master_delete(&c, aid13, b6, n, token), M2M_OK);
	run_ok(r, &c, &res);
	assert_int_equal(lcs_of(r, 0x13), -1);
	m2m_es5_result_free(&res);
	m2m_es5_cmd_free(&c);
	rig_free(r);
}

/* PUT KEY of a PSK (SCP81 key set 42, key 01) as the SM-SR builds it: the card deciphers the
 * PSK with the DEK (key 03) of key set 01, which secures the packet, answers the new KVN and
 * keeps the key; the PSK credentials of an SCP81 session on set 42 are then that key under the
 * SGP.02 identity (docs/scp81.md). Replacing it works the same (P1 = 42); a PUT KEY enciphered
 * with another DEK gives another key, so the SM-SR's PSK would not match (checked below), and
 * one for an SCP80 KVN is refused. tests/smsr/test_scp81_notify.c runs a TLS-PSK session with
 * such a key. */
static void put_key_check(rig *r, uint8_t kvn, const uint8_t psk[16])
{
	m2m_euicc_ota ota;
	m2m_buf id, key;
	m2m_scp81_psk_id pid;
	uint8_t trig[] = {0x81, 0x08, 0x83, 0x06, 0x85, 0x04, 0x00, 0x02, 0x00, 0x01};
	const m2m_euicc_keyset *ks = m2m_euicc_find_keyset(r->c->e, kvn);

	assert_non_null(ks);
	assert_int_equal(ks->nkeys, 1);
	assert_int_equal(ks->key[0].id, 0x01);
	assert_int_equal(ks->key[0].type, M2M_EUICC_KEYTYPE_PSK_TLS);
	assert_int_equal(ks->key[0].len, 16);
	assert_memory_equal(ks->key[0].value, psk, 16);
	/* The session's credentials: a trigger naming the set (pySim 85 layout). */
	m2m_euicc_ota_init(&ota, NULL);
	m2m_buf_init(&id);
	m2m_buf_init(&key);
	/* 85 {Lpskid 00, 02, KVN, KID}: pySim's layout (docs/scp81.md). */
	trig[8] = kvn;
	assert_true(m2m_euicc_ota_scp81_trigger(r->c->e, &ota, trig, sizeof trig));
	assert_int_equal(m2m_euicc_ota_scp81_psk(r->c->e, &ota, &id, &key), M2M_OK);
	assert_int_equal(m2m_scp81_psk_id_parse_hex((const char *)id.data, id.len, &pid, NULL),
			 M2M_OK);
	assert_int_equal(pid.kvn, kvn);
	assert_int_equal(pid.key_id, 0x01);
	assert_memory_equal(pid.eid, r->c->e->eid, 16);
	assert_int_equal(key.len, 16);
	assert_memory_equal(key.data, psk, 16);
	m2m_euicc_ota_scp81_abort(r->c->e, &ota);
	m2m_buf_free(&id);
	m2m_buf_free(&key);
	m2m_euicc_ota_free(&ota);
}

static void test_put_key_psk(void **state)
{
	rig *r = rig_new();
	m2m_es5_cmd c;
	m2m_es5_result res;
	uint8_t psk[16], dek[16];
	const m2m_euicc_keyset *ks;

	(void)state;
	memset(psk, 0xAB, sizeof psk);
	memset(dek, 0x03, sizeof dek); /* key 03 of the fixture's key set 01 */
	m2m_es5_cmd_init(&c);
	assert_null(m2m_euicc_find_keyset(r->c->e, 0x42));
	assert_int_equal(m2m_es5_put_key_psk(&c, 0x00, 0x42, 0x01, psk, 16, dek, 16), M2M_OK);
	run_ok(r, &c, &res);
	assert_int_equal(res.rapdus.count, 1);
	m2m_es5_result_free(&res);
	put_key_check(r, 0x42, psk);
	/* Adding set 42 again is refused; replacing it (P1 = 42) takes the new PSK. */
	run_refused(r, &c, 0x6A80, "8.4", "2.1");
	memset(psk, 0x5C, sizeof psk);
	assert_int_equal(m2m_es5_put_key_psk(&c, 0x42, 0x42, 0x01, psk, 16, dek, 16), M2M_OK);
	run_ok(r, &c, &res);
	m2m_es5_result_free(&res);
	put_key_check(r, 0x42, psk);
	/* Replacing a set that does not exist: 6A88. */
	assert_int_equal(m2m_es5_put_key_psk(&c, 0x43, 0x43, 0x01, psk, 16, dek, 16), M2M_OK);
	run_refused(r, &c, 0x6A88, "8.4", "3.9");
	/* Enciphered with a wrong DEK: the card stores what it deciphers, not the SM-SR's PSK. */
	dek[0] ^= 0x01;
	assert_int_equal(m2m_es5_put_key_psk(&c, 0x00, 0x44, 0x01, psk, 16, dek, 16), M2M_OK);
	run_ok(r, &c, &res);
	m2m_es5_result_free(&res);
	ks = m2m_euicc_find_keyset(r->c->e, 0x44);
	assert_non_null(ks);
	assert_memory_not_equal(ks->key[0].value, psk, 16);
	fx_roundtrip(r->c->e);
	m2m_es5_cmd_free(&c);
	rig_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profile_life_cycle),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_attributes_and_audit),
		cmocka_unit_test(test_long_smsr_addressing),
		cmocka_unit_test(test_script_chaining),
		cmocka_unit_test(test_audit_paging),
		cmocka_unit_test(test_replay_and_forged_por),
		cmocka_unit_test(test_deliver_report_and_unknown_keyset),
		cmocka_unit_test(test_smsr_change_keys),
		cmocka_unit_test(test_keyest_refusals),
		cmocka_unit_test(test_notification_and_confirm),
		cmocka_unit_test(test_confirm_lists_deleted),
		cmocka_unit_test(test_master_delete),
		cmocka_unit_test(test_put_key_psk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
