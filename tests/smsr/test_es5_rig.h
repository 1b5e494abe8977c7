/* The SM-SR's ES5 over SMS against the real eUICC library, without SMPP: our packager's
 * TP-UDs go in SMS-DELIVERs and ENVELOPEs to m2m_euicc_ota_envelope, the card's PoRs (ENVELOPE
 * response data or MO SMS-SUBMIT) come back to m2m_es5_txn_por. Included after cmocka. */
#ifndef TEST_ES5_RIG_H
#define TEST_ES5_RIG_H

#include "card/envelope.h"
#include "euicc/euicc_fixture.h"
#include "euicc/ota.h"
#include "smsr/es5_txn.h"

typedef struct {
	card *c;
	m2m_euicc_ota ota;
	m2m_euicc_ota_out out;
	m2m_buf resp;              /* ENVELOPE response data of the last part */
	m2m_es5_pack_cfg cfg;
	m2m_scp80_keys keys;       /* the SM-SR's copy of the key set cfg.kvn */
	uint64_t counter[16];      /* the SM-SR's counter store, per KVN */
	bool fixed;                /* reserve hands out counter[kvn] again (replay tests) */
	int reserves;
	uint16_t ref;
	size_t last_parts;         /* TP-UDs of the last packet */
	size_t packets;            /* packets sent by the last rig_run */
	m2m_buf scripts[8];        /* secured data of the last packets (clear, for checks) */
	int ignored, bad;          /* PoR verdicts seen */
} rig;

/* The fixture's ISD-R key set kvn: KIc = 16 x kvn, KID = 16 x (kvn + 1). */
static inline void rig_fixture_keys(uint8_t kvn, m2m_scp80_keys *k)
{
	uint8_t v[16];

	memset(k, 0, sizeof *k);
	memset(v, kvn, sizeof v);
	assert_int_equal(m2m_scp80_key_set(&k->kic, v, 16), M2M_OK);
	memset(v, kvn + 1, sizeof v);
	assert_int_equal(m2m_scp80_key_set(&k->kid, v, 16), M2M_OK);
}

static inline rig *rig_new(void)
{
	rig *r = calloc(1, sizeof *r);
	m2m_sms_addr smsr = {.ton_npi = 0x91, .digits = "4479000001"};

	assert_non_null(r);
	r->c = fx_new();
	m2m_euicc_ota_init(&r->ota, &smsr);
	m2m_euicc_ota_out_init(&r->out);
	m2m_buf_init(&r->resp);
	for (size_t i = 0; i < 8; i++)
		m2m_buf_init(&r->scripts[i]);
	m2m_es5_pack_defaults(&r->cfg);
	rig_fixture_keys(0x01, &r->keys);
	r->counter[1] = 5; /* the fixture card's last counter */
	r->ref = 0x30;
	return r;
}

static inline void rig_free(rig *r)
{
	for (size_t i = 0; i < 8; i++)
		m2m_buf_free(&r->scripts[i]);
	m2m_scp80_keys_wipe(&r->keys);
	m2m_buf_free(&r->resp);
	m2m_euicc_ota_out_free(&r->out);
	m2m_euicc_ota_free(&r->ota);
	fx_free(r->c);
	free(r);
}

/* The caller's durable counter store: the next value of key set kvn. */
static inline m2m_err rig_reserve(void *arg, const uint8_t eid[16], uint8_t kvn, uint64_t *c)
{
	rig *r = arg;

	assert_memory_equal(eid, r->c->e->eid, 16);
	assert_true(kvn >= 1 && kvn <= 15);
	r->reserves++;
	if (!r->fixed)
		r->counter[kvn]++;
	*c = r->counter[kvn];
	return M2M_OK;
}

/* One TP-UD as an SMS-DELIVER (TP-OA: the SM-SR) in an ENVELOPE to the card. */
static inline void rig_feed(rig *r, const uint8_t *ud, size_t n)
{
	m2m_sms_tpdu t;
	m2m_envelope_sms_pp env;
	m2m_buf tpdu, ebuf;

	memset(&t, 0, sizeof t);
	t.addr.ton_npi = 0x91;
	strcpy(t.addr.digits, "4479000001");
	t.pid = M2M_SMS_PID_SIM_DL;
	t.dcs = M2M_SMS_DCS_CLASS2_8BIT;
	t.udhi = true;
	t.ud = ud;
	t.ud_len = n;
	t.udl = (uint8_t)n;
	m2m_buf_init(&tpdu);
	m2m_buf_init(&ebuf);
	assert_int_equal(m2m_sms_deliver_encode(&t, &tpdu), M2M_OK);
	memset(&env, 0, sizeof env);
	env.src = M2M_ENV_DEV_NETWORK;
	env.dst = M2M_ENV_DEV_UICC;
	env.tpdu = tpdu.data;
	env.tpdu_len = tpdu.len;
	assert_int_equal(m2m_envelope_sms_pp_encode(&env, &ebuf), M2M_OK);
	m2m_buf_reset(&r->resp);
	assert_int_equal(m2m_euicc_ota_envelope(r->c->e, &r->ota, ebuf.data, ebuf.len, &r->resp,
						&r->out),
			 M2M_OK);
	assert_int_equal(r->out.sw, 0x9000);
	assert_int_equal(m2m_euicc_check(r->c->e), M2M_OK);
	m2m_buf_free(&tpdu);
	m2m_buf_free(&ebuf);
}

/* The MO SMS-SUBMITs of out as one packet; *iei its identifier. */
static inline void rig_mo_packet(const m2m_euicc_ota_out *out, m2m_buf *pkt, uint8_t *iei)
{
	m2m_sms_reasm re;
	bool done = false;

	m2m_sms_reasm_init(&re);
	for (size_t i = 0; i < out->mo_count; i++) {
		m2m_sms_tpdu t;
		m2m_es5_ud ud;
		assert_int_equal(m2m_sms_submit_decode(out->mo[i].data, out->mo[i].len, &t),
				 M2M_OK);
		assert_int_equal(t.pid, 0x7F);
		assert_true(t.udhi);
		assert_int_equal(m2m_es5_ud_parse(t.ud, t.ud_len, &ud), M2M_OK);
		assert_int_equal(ud.total, out->mo_count);
		assert_false(done);
		assert_int_equal(m2m_sms_reasm_add(&re, t.ud, t.ud_len, pkt, iei, &done), M2M_OK);
	}
	assert_true(done);
	m2m_sms_reasm_free(&re);
}

/* What came back for one packet, given to the txn: the DELIVER-REPORT data first (a short
 * PoR 0B when the full one goes by SMS-SUBMIT), then the MO SMS. */
static inline void rig_answer(rig *r, m2m_es5_txn *t)
{
	m2m_es5_por_verdict v;

	if (r->resp.len > 0) {
		m2m_es5_ud ud;
		assert_int_equal(m2m_es5_ud_parse(r->resp.data, r->resp.len, &ud), M2M_OK);
		assert_int_equal(ud.iei, M2M_SMS_IEI_RPI);
		v = m2m_es5_txn_por(t, ud.payload, ud.payload_len);
		r->ignored += v == M2M_ES5_POR_IGNORED;
		r->bad += v == M2M_ES5_POR_BAD;
	}
	if (r->out.mo_count > 0) {
		m2m_buf pkt;
		uint8_t iei = 0;
		m2m_buf_init(&pkt);
		rig_mo_packet(&r->out, &pkt, &iei);
		assert_int_equal(iei, M2M_SMS_IEI_RPI);
		v = m2m_es5_txn_por(t, pkt.data, pkt.len);
		assert_int_equal(v, M2M_ES5_POR_TAKEN);
		m2m_buf_free(&pkt);
	}
}

/* Checks the TP-UDs of a packet (CPI in part 1 only, in order, 140 octets at most) and
 * keeps its clear script (opened with the card's side of SCP80) for the caller's checks. */
static inline void rig_keep_script(rig *r, const m2m_es5_packet *p)
{
	m2m_scp80_hdr hdr;
	m2m_buf whole, data;
	uint8_t status;

	m2m_buf_init(&whole);
	m2m_buf_init(&data);
	for (size_t i = 0; i < p->nparts; i++) {
		m2m_es5_ud ud;
		assert_int_equal(m2m_es5_ud_parse(p->part[i].data, p->part[i].len, &ud), M2M_OK);
		assert_int_equal(ud.iei, i == 0 ? M2M_SMS_IEI_CPI : 0);
		assert_int_equal(ud.seq, i + 1);
		assert_true(p->part[i].len <= 140);
		assert_int_equal(m2m_buf_append(&whole, ud.payload, ud.payload_len), M2M_OK);
	}
	assert_int_equal(m2m_scp80_unwrap_command(whole.data, whole.len, &r->keys, NULL, &hdr,
						  &status, &data),
			 M2M_OK);
	if (r->packets < 8) {
		m2m_buf_reset(&r->scripts[r->packets]);
		assert_int_equal(m2m_buf_append(&r->scripts[r->packets], data.data, data.len),
				 M2M_OK);
	}
	m2m_buf_free(&data);
	m2m_buf_free(&whole);
}

/* Sends a whole command set; res gets the result (initialised by the caller). */
static inline m2m_err rig_run(rig *r, const m2m_es5_cmd *cmd, m2m_es5_result *res)
{
	m2m_es5_txn t;
	m2m_err err = m2m_es5_txn_start(&t, cmd, &r->cfg, &r->keys, r->c->e->eid);

	r->packets = 0;
	r->ignored = r->bad = 0;
	while (err == M2M_OK && m2m_es5_txn_due(&t)) {
		err = m2m_es5_txn_packet(&t, rig_reserve, r, r->ref++);
		if (err != M2M_OK)
			break;
		r->last_parts = t.pkt.nparts;
		rig_keep_script(r, &t.pkt);
		r->packets++;
		m2m_euicc_ota_out_reset(&r->out);
		for (size_t i = 0; i < t.pkt.nparts; i++)
			rig_feed(r, t.pkt.part[i].data, t.pkt.part[i].len);
		rig_answer(r, &t);
		assert_true(t.done || !t.waiting);
	}
	assert_true(err != M2M_OK || t.done);
	if (err == M2M_OK) {
		m2m_es5_result_move(res, &t.result);
	}
	m2m_es5_txn_free(&t);
	return err;
}

/* Hex of an ISD-P AID with TAR 0000tt. */
static inline void rig_aid(uint8_t tt, uint8_t aid[16])
{
	m2m_es5_isdp_aid((const uint8_t[3]){0x00, 0x00, tt}, aid);
}

#endif
