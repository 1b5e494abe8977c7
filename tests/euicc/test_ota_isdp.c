/* ES8 through the OTA front end, with ISD-P routing linked in (m2m_euicc_ota_enable_isdp):
 * key establishment over SMS to the ISD-R (chained scripts), SCP03 APDUs over SMS to the
 * ISD-P's TAR (000013, sgp02-bearers.md 5: the ISD-R's SCP80 keys and counters), the whole
 * TS.48 profile download over SCP81 with X-Admin-Targeted-Application = the ISD-P; replay
 * refusals; notification retry until the 3A08 confirmation. The SM-SR and SM-DP sides are
 * our card library (scp80, script, scp81, keyest, scp03, scp03t). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "es8_fixture.h"
#include "scp81_fixture.h"

#define CREATE_13 "80E60C003F 10" AID_PREFIX_HEX "00000D00 10" AID_PREFIX_HEX "00000E00 10" \
	AID_13 " 0380C000 06C90481020370 00 00"
static const uint8_t OK_RESPONSE[] = {0x30, 0x07, 0xA0, 0x05, 0x30, 0x03, 0x80, 0x01, 0x00};

static int setup(void **state)
{
	rig *r = rig_new();

	m2m_euicc_ota_enable_isdp(&r->ota);
	*state = r;
	return 0;
}

static int teardown(void **state)
{
	rig_free(*state);
	return 0;
}

/* Sends a script of binary C-APDUs (chain: the 83 TLV) to tar with the ISD-R's key set 01;
 * ra gets the R-APDUs of the PoR (by SMS-SUBMIT). */
static void sms_script(rig *r, uint32_t tar, uint64_t cntr, m2m_script_chain chain,
		       const m2m_buf *apdus, size_t n, m2m_buf *ra)
{
	m2m_scp80_hdr h = srv_hdr(0x16, 0x39, tar, cntr);
	m2m_script_builder sb;
	m2m_script_response sr;
	m2m_buf data, pkt, por;
	const uint8_t *p;
	size_t len;
	uint8_t iei = 0;

	m2m_buf_init(&data);
	m2m_buf_init(&pkt);
	m2m_buf_init(&por);
	assert_int_equal(m2m_script_begin(&sb, &data, false, chain), M2M_OK);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(m2m_script_add_capdu(&sb, apdus[i].data, apdus[i].len), M2M_OK);
	assert_int_equal(m2m_script_end(&sb), M2M_OK);
	m2m_euicc_ota_out_reset(&r->out);
	srv_packet(r, &h, &data);
	for (size_t i = 0; i < r->nparts; i++)
		feed_ud(r, r->parts[i].data, r->parts[i].len, M2M_SMS_DCS_CLASS2_8BIT);
	assert_int_equal(r->out.por_status, 0x00);
	mo_packet(r, "4479000099", &pkt, &iei);
	open_por(h.spi, pkt.data, pkt.len, 0x00, cntr, &por);
	assert_int_equal(m2m_script_response_open(&sr, por.data, por.len), M2M_OK);
	assert_int_equal(sr.executed, n);
	for (size_t i = 0; i < n; i++) {
		m2m_buf_reset(&ra[i]);
		assert_int_equal(m2m_script_response_next(&sr, &p, &len), M2M_OK);
		assert_int_equal(m2m_buf_append(&ra[i], p, len), M2M_OK);
	}
	m2m_buf_free(&data);
	m2m_buf_free(&pkt);
	m2m_buf_free(&por);
}

static uint16_t sw_of(m2m_buf *ra)
{
	assert_true(ra->len >= 2);
	ra->len -= 2;
	return (uint16_t)(ra->data[ra->len] << 8 | ra->data[ra->len + 1]);
}

/* Key establishment for ISD-P 13 over SMS: INSTALL [for personalization] and 3A01 in a
 * first script that says more follow (83 01 01), 3A02 in the last one (83 01 03). */
static void keyest_by_sms(rig *r, m2m_scp03_keys *k)
{
	m2m_keyest_params p;
	m2m_keyest_host h;
	m2m_keyest_keys hk;
	m2m_buf a[2], ra[2];

	for (int i = 0; i < 2; i++) {
		m2m_buf_init(&a[i]);
		m2m_buf_init(&ra[i]);
	}
	m2m_keyest_params_isdp(&p, false);
	assert_int_equal(m2m_keyest_host_init(&h, &p), M2M_OK);
	hexbuf("80E6200016000010" AID_13 "00000000", &a[0]);
	assert_int_equal(m2m_keyest_sd1_apdu(r->c->cert_dp.data, r->c->cert_dp.len, &a[1]),
			 M2M_OK);
	sms_script(r, 0x000001, 10, M2M_CHAIN_FIRST_DELETE, a, 2, ra);
	assert_int_equal(sw_of(&ra[0]), 0x9000);
	assert_int_equal(sw_of(&ra[1]), 0x9000);
	assert_int_equal(m2m_keyest_host_rc(&h, ra[1].data, ra[1].len), M2M_OK);
	m2m_buf_reset(&a[0]);
	assert_int_equal(m2m_keyest_host_sd2_apdu(&h, r->c->dp, r->c->ecasd_pub, &a[0]), M2M_OK);
	sms_script(r, 0x000001, 11, M2M_CHAIN_LAST, a, 1, ra);
	assert_int_equal(sw_of(&ra[0]), 0x9000);
	assert_int_equal(m2m_keyest_host_finish(&h, ra[0].data, ra[0].len, &hk), M2M_OK);
	assert_int_equal(hk.kvn, 0x30);
	assert_int_equal(m2m_scp03_keys_set(k, hk.key[0], hk.key[1], hk.key_len, hk.kvn), M2M_OK);
	assert_int_equal(r->c->e->isdp[fx_idx(r->c, AID_13)].lcs, M2M_EUICC_LCS_PERSONALIZED);
	m2m_keyest_keys_wipe(&hk);
	m2m_keyest_host_wipe(&h);
	for (int i = 0; i < 2; i++) {
		m2m_buf_free(&a[i]);
		m2m_buf_free(&ra[i]);
	}
}

/* SCP03 over SMS to TAR 000013: INITIALIZE UPDATE, then EXTERNAL AUTHENTICATE and a
 * secured STORE DATA 3A07 (the whty log's value) in the next packet. */
static void test_scp03_by_sms(void **state)
{
	rig *r = *state;
	static const uint8_t chal[8] = {8, 7, 6, 5, 4, 3, 2, 1};
	static const uint8_t sd[] = {0x80, 0xE2, 0x88, 0x00, 0x0F, 0x3A, 0x07, 0x0C, 0xA0, 0x0A,
				     0x06, 0x08, 0x91, 0x68, 0x31, 0x10, 0x10, 0x21, 0x05, 0xF0};
	m2m_scp03_keys k;
	m2m_scp03 hs;
	m2m_scp03_iu_resp ir;
	m2m_buf a[2], ra[2], plain;
	int idx;

	for (int i = 0; i < 2; i++) {
		m2m_buf_init(&a[i]);
		m2m_buf_init(&ra[i]);
	}
	m2m_buf_init(&plain);
	memset(&hs, 0, sizeof hs);
	hexbuf(CREATE_13, &a[0]);
	sms_script(r, 0x000001, 6, M2M_CHAIN_NONE, a, 1, ra);
	assert_int_equal(sw_of(&ra[0]), 0x9000);
	keyest_by_sms(r, &k);
	idx = fx_idx(r->c, AID_13);
	m2m_buf_reset(&a[0]);
	assert_int_equal(m2m_scp03_iu_cmd(0x30, chal, &a[0]), M2M_OK);
	sms_script(r, 0x000013, 12, M2M_CHAIN_NONE, a, 1, ra);
	assert_int_equal(sw_of(&ra[0]), 0x9000);
	assert_int_equal(m2m_scp03_iu_resp_parse(ra[0].data, ra[0].len, &ir), M2M_OK);
	assert_int_equal(m2m_scp03_host_open(&hs, &k, chal, &ir), M2M_OK);
	m2m_buf_reset(&a[0]);
	assert_int_equal(m2m_scp03_ext_auth_cmd(&hs, 0x33, &a[0]), M2M_OK);
	m2m_buf_reset(&a[1]);
	assert_int_equal(m2m_scp03_wrap_cmd(&hs, sd, sizeof sd, &a[1]), M2M_OK);
	sms_script(r, 0x000013, 13, M2M_CHAIN_NONE, a, 2, ra);
	assert_int_equal(sw_of(&ra[0]), 0x9000);
	assert_int_equal(sw_of(&ra[1]), 0x9000);
	assert_int_equal(m2m_scp03_unwrap_resp(&hs, ra[1].data, ra[1].len, 0x9000, &plain), M2M_OK);
	assert_int_equal(r->c->e->isdp[idx].conn_len, 10);
	assert_memory_equal(r->c->e->isdp[idx].conn, sd + 10, 10);
	/* The ISD-P's TAR shares the ISD-R's counter: 13 again is a replay, 12 older. */
	assert_int_equal(r->c->e->keysets[0].last_counter, 13);
	m2m_scp80_hdr h = srv_hdr(0x16, 0x39, 0x000013, 13);
	srv_send(r, &h, "AA 07 2205 80CA005A00");
	assert_int_equal(r->out.por_status, M2M_POR_CNTR_LOW);
	h.counter = 12;
	srv_send(r, &h, "AA 07 2205 80CA005A00");
	assert_int_equal(r->out.por_status, M2M_POR_CNTR_LOW);
	/* A TAR of no ISD-P. */
	h = srv_hdr(0x16, 0x39, 0x000014, 14);
	srv_send(r, &h, "AA 07 2205 80CA005A00");
	assert_int_equal(r->out.por_status, M2M_POR_TAR_UNKNOWN);
	m2m_scp03_wipe(&hs);
	m2m_scp03_keys_wipe(&k);
	for (int i = 0; i < 2; i++) {
		m2m_buf_free(&a[i]);
		m2m_buf_free(&ra[i]);
	}
	m2m_buf_free(&plain);
}

/* The card's POST body (AF 80 ... 00 00) as bytes. */
static void post_body(const m2m_buf *req, const char *uri, m2m_buf *body)
{
	static char hx[65536];

	read_post(req, uri, M2M_SCP81_SS_OK, hx);
	m2m_buf_reset(body);
	assert_int_equal(m2m_hex_decode_buf(hx, body), M2M_OK);
	assert_true(body->len >= 4);
	assert_memory_equal(body->data, "\xAF\x80", 2);
	assert_memory_equal(body->data + body->len - 2, "\x00\x00", 2);
}

/* The whole download over SCP81: each body is AE 80 { SCP03t TLVs } 00 00 for the ISD-P. */
static void test_download_by_scp81(void **state)
{
	rig *r = *state;
	static const uint8_t chal[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	m2m_scp03_keys k;
	m2m_scp03t_host h;
	m2m_buf req, body, cmd, pkg, plain, a[1], ra[1];
	char uri[32];
	int n = 2;

	m2m_buf_init(&req);
	m2m_buf_init(&body);
	m2m_buf_init(&cmd);
	m2m_buf_init(&plain);
	m2m_buf_init(&a[0]);
	m2m_buf_init(&ra[0]);
	es8_read(&pkg);
	hexbuf(CREATE_13, &a[0]);
	sms_script(r, 0x000001, 6, M2M_CHAIN_NONE, a, 1, ra);
	keyest_by_sms(r, &k);
	trigger(r, true, 12);
	assert_int_equal(m2m_euicc_ota_scp81_first(r->c->e, &r->ota, &req), M2M_OK);
	/* 84 (INITIALIZE UPDATE), answered in the next POST. */
	assert_int_equal(m2m_scp03t_host_init(&h, &k, 0x00, chal), M2M_OK);
	assert_int_equal(m2m_buf_append(&body, "\xAE\x80", 2), M2M_OK);
	assert_int_equal(m2m_scp03t_host_iu(&h, &body), M2M_OK);
	assert_int_equal(m2m_buf_append(&body, "\x00\x00", 2), M2M_OK);
	assert_int_equal(serve_bin(r, "/n2", AID_13, &body, &req), M2M_OK);
	post_body(&req, "/n2", &body);
	assert_int_equal(body.data[2], 0x84);
	assert_int_equal(m2m_scp03t_host_auth(&h, body.data + 4, body.data[3], &cmd), M2M_OK);
	/* 85, then the segments, a few per POST; the last answer is the protected 86. */
	for (size_t off = 0, i = 0; off < pkg.len; n++) {
		m2m_buf_reset(&body);
		assert_int_equal(m2m_buf_append(&body, "\xAE\x80", 2), M2M_OK);
		if (n == 2)
			assert_int_equal(m2m_buf_append(&body, cmd.data, cmd.len), M2M_OK);
		for (i = 0; i < 4 && off < pkg.len; i++, off += SEG) {
			size_t len = pkg.len - off < SEG ? pkg.len - off : SEG;
			assert_int_equal(m2m_scp03t_host_segment(&h, pkg.data + off, len, &body),
					 M2M_OK);
		}
		assert_int_equal(m2m_buf_append(&body, "\x00\x00", 2), M2M_OK);
		snprintf(uri, sizeof uri, "/n%d", n + 1);
		assert_int_equal(serve_bin(r, uri, AID_13, &body, &req), M2M_OK);
		post_body(&req, uri, &body);
		assert_int_equal(body.data[2], n == 2 ? 0x85 : 0x86);
	}
	/* The last TLV of the last body: 86 L R-ENC(EUICCResponse) R-MAC. */
	{
		m2m_tlv_iter it;
		m2m_tlv t, last = {0};
		m2m_tlv_iter_init(&it, body.data + 2, body.len - 4, M2M_TLV_BER);
		while (m2m_tlv_next(&it, &t) == M2M_OK)
			last = t;
		assert_int_equal(last.tag, 0x86);
		assert_int_equal(m2m_scp03t_host_response(&h, last.value - last.hdr_len, last.size,
							  &plain),
				 M2M_OK);
		assert_int_equal(plain.len, sizeof OK_RESPONSE);
		assert_memory_equal(plain.data, OK_RESPONSE, sizeof OK_RESPONSE);
	}
	assert_int_equal(r->c->e->isdp[fx_idx(r->c, AID_13)].lcs, M2M_EUICC_LCS_DISABLED);
	/* EnableProfile in the same session (ISD-R), then the device reads the ICCID. */
	snprintf(uri, sizeof uri, "/n%d", n + 1);
	assert_int_equal(serve(r, uri, NULL, "AE80 221A 80E2880015 3A0312 4F10" AID_13 " 0000",
			       &req),
			 M2M_OK);
	post_body(&req, uri, &body);
	assert_memory_equal(body.data, "\xAF\x80\x80\x01\x01\x23\x02\x90\x00", 9);
	assert_true(r->out.ev.refresh);
	assert_memory_equal(es8_uicc(r->c, "00A4000C022FE2"), "9000", 5);
	assert_string_equal(es8_uicc(r->c, "00B000000A"), "980010325476981032149000");
	m2m_scp03t_host_wipe(&h);
	m2m_scp03_keys_wipe(&k);
	m2m_buf_free(&req);
	m2m_buf_free(&body);
	m2m_buf_free(&cmd);
	m2m_buf_free(&pkg);
	m2m_buf_free(&plain);
	m2m_buf_free(&a[0]);
	m2m_buf_free(&ra[0]);
}

/* The MO notification of pending notification seq, opened by the SM-SR. */
static uint16_t notified_seq(rig *r)
{
	m2m_scp80_keys k;
	m2m_scp80_hdr cmd;
	m2m_buf pkt, data;
	uint8_t iei = 0, status = 0xFF;
	uint16_t seq;

	m2m_buf_init(&pkt);
	m2m_buf_init(&data);
	m2m_euicc_ota_out_reset(&r->out);
	assert_int_equal(m2m_euicc_ota_notification(r->c->e, &r->ota, &r->out), M2M_OK);
	mo_packet(r, "4479000001", &pkt, &iei);
	srv_keys(0x01, &k);
	assert_int_equal(
		m2m_scp80_unwrap_command(pkt.data, pkt.len, &k, NULL, &cmd, &status, &data), M2M_OK);
	/* E1 2B 4C10 EID 4D01 type 4E02 seq 4F10 AID */
	assert_int_equal(data.len, 0x2D);
	assert_int_equal(data.data[23], 0x4E);
	seq = (uint16_t)(data.data[25] << 8 | data.data[26]);
	m2m_scp80_keys_wipe(&k);
	m2m_buf_free(&pkt);
	m2m_buf_free(&data);
	return seq;
}

/* Retry until confirmed: the same sequence number every time, across a restart, oldest
 * first; a confirmation of an unknown number changes nothing. */
static void test_notification_retry(void **state)
{
	rig *r = *state;
	m2m_scp80_hdr h = srv_hdr(0x16, 0x19, 0x000001, 6);
	m2m_buf b;
	m2m_euicc *l = NULL;
	char conf[128];
	uint16_t s0, s1;
	uint8_t mr;

	fx_profile(r->c, AID_14, 0);
	srv_send(r, &h, "AA 1C 221A 80E2880015 3A0312 4F10" AID_14);
	s0 = r->c->e->notif[m2m_euicc_notif_oldest(r->c->e)].seq;
	mr = r->ota.mr;
	for (int i = 0; i < 3; i++)
		assert_int_equal(notified_seq(r), s0);
	assert_int_equal(r->ota.mr, (uint8_t)(mr + 3)); /* new TP-MR for each retry */
	/* A restart: the queue is saved. */
	m2m_buf_init(&b);
	assert_int_equal(m2m_euicc_save(r->c->e, &b), M2M_OK);
	assert_int_equal(m2m_euicc_load(b.data, b.len, &l), M2M_OK);
	m2m_euicc_free(r->c->e);
	r->c->e = l;
	m2m_buf_free(&b);
	assert_int_equal(notified_seq(r), s0);
	/* The fall-back queues a second one; the first still goes first. */
	assert_int_equal(m2m_euicc_fallback_activate(r->c->e, NULL), M2M_OK);
	s1 = (uint16_t)(s0 + 1);
	assert_int_equal(notified_seq(r), s0);
	h.counter = 7;
	snprintf(conf, sizeof conf, "AA 0F 220D 80E2890007 3A0804 4E02%04x 00", (unsigned)s1 + 5);
	srv_send(r, &h, conf);
	assert_int_equal(m2m_euicc_notif_count(r->c->e), 2);
	h.counter = 8;
	snprintf(conf, sizeof conf, "AA 0F 220D 80E2890007 3A0804 4E02%04x 00", s0);
	srv_send(r, &h, conf);
	assert_int_equal(notified_seq(r), s1);
	assert_int_equal(notified_seq(r), s1);
	h.counter = 9;
	snprintf(conf, sizeof conf, "AA 0F 220D 80E2890007 3A0804 4E02%04x 00", s1);
	srv_send(r, &h, conf);
	assert_int_equal(m2m_euicc_ota_notification(r->c->e, &r->ota, &r->out), M2M_ERR_STATE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_scp03_by_sms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_download_by_scp81, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notification_retry, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
