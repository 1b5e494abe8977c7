/* The SM-SR side of the OTA tests, built from the card library: SCP80 command packets to
 * the fixture card (ISD-R key set 01: KIc 01..01, KID 02..02, AES), SMS-DELIVER + ENVELOPE,
 * and the opening of PoRs and MO SMS. Included by tests/euicc/test_ota*.c after cmocka. */
#ifndef TEST_OTA_COMMON_H
#define TEST_OTA_COMMON_H

#include "card/envelope.h"
#include "card/script.h"
#include "euicc/ota.h"
#include "euicc_fixture.h"

typedef struct {
	card *c;
	m2m_euicc_ota ota;
	m2m_euicc_ota_out out;
	m2m_buf resp;   /* ENVELOPE response data */
	m2m_buf parts[M2M_SMS_MAX_PARTS]; /* MT TP-UDs of the last packet */
	size_t nparts;
} rig;

static inline rig *rig_new(void)
{
	rig *r = calloc(1, sizeof *r);
	m2m_sms_addr smsr = {.ton_npi = 0x91, .digits = "4479000001"};

	assert_non_null(r);
	r->c = fx_new();
	m2m_euicc_ota_init(&r->ota, &smsr);
	strcpy(r->ota.scp81_default_host, "smsr.example");
	m2m_euicc_ota_out_init(&r->out);
	m2m_buf_init(&r->resp);
	for (size_t i = 0; i < M2M_SMS_MAX_PARTS; i++)
		m2m_buf_init(&r->parts[i]);
	return r;
}

static inline void rig_free(rig *r)
{
	for (size_t i = 0; i < M2M_SMS_MAX_PARTS; i++)
		m2m_buf_free(&r->parts[i]);
	m2m_buf_free(&r->resp);
	m2m_euicc_ota_out_free(&r->out);
	m2m_euicc_ota_free(&r->ota);
	fx_free(r->c);
	free(r);
}

/* The SM-SR's copy of the card's key set kvn. */
static inline void srv_keys(uint8_t kvn, m2m_scp80_keys *k)
{
	uint8_t v[16];

	memset(k, 0, sizeof *k);
	memset(v, kvn, sizeof v);
	assert_int_equal(m2m_scp80_key_set(&k->kic, v, 16), M2M_OK);
	memset(v, kvn + 1, sizeof v);
	assert_int_equal(m2m_scp80_key_set(&k->kid, v, 16), M2M_OK);
}

static inline m2m_scp80_hdr srv_hdr(uint8_t spi1, uint8_t spi2, uint32_t tar, uint64_t cntr)
{
	m2m_scp80_hdr h;

	memset(&h, 0, sizeof h);
	h.spi[0] = spi1;
	h.spi[1] = spi2;
	h.kic = h.kid = 0x12;
	h.tar[0] = (uint8_t)(tar >> 16);
	h.tar[1] = (uint8_t)(tar >> 8);
	h.tar[2] = (uint8_t)tar;
	h.counter = cntr;
	return h;
}

static inline void hexbuf(const char *hex, m2m_buf *b)
{
	char clean[8192];
	size_t j = 0;

	for (size_t i = 0; hex[i] != '\0' && j + 1 < sizeof clean; i++)
		if (hex[i] != ' ')
			clean[j++] = hex[i];
	clean[j] = '\0';
	assert_int_equal(m2m_hex_decode_buf(clean, b), M2M_OK);
}

/* Wraps secured data, splits it into TP-UDs (r->parts). */
static inline void srv_packet(rig *r, const m2m_scp80_hdr *h, const m2m_buf *data)
{
	m2m_scp80_keys k;
	m2m_buf pkt;

	srv_keys(0x01, &k);
	m2m_buf_init(&pkt);
	assert_int_equal(m2m_scp80_wrap(h, &k, data->data, data->len, &pkt), M2M_OK);
	assert_int_equal(m2m_sms_segment(M2M_SMS_IEI_CPI, pkt.data, pkt.len, 0x42, false,
					 r->parts, M2M_SMS_MAX_PARTS, &r->nparts),
			 M2M_OK);
	m2m_scp80_keys_wipe(&k);
	m2m_buf_free(&pkt);
}

/* One TP-UD as SMS-DELIVER in an ENVELOPE, fed to the card. */
static inline void feed_ud(rig *r, const uint8_t *ud, size_t n, uint8_t dcs)
{
	m2m_sms_tpdu t;
	m2m_envelope_sms_pp env;
	m2m_buf tpdu, ebuf;

	memset(&t, 0, sizeof t);
	t.addr.ton_npi = 0x91;
	strcpy(t.addr.digits, "4479000099");
	t.pid = M2M_SMS_PID_SIM_DL;
	t.dcs = dcs;
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
	assert_int_equal(m2m_euicc_check(r->c->e), M2M_OK);
	m2m_buf_free(&tpdu);
	m2m_buf_free(&ebuf);
}

/* Wraps, sends every part in order. */
static inline void srv_send(rig *r, const m2m_scp80_hdr *h, const char *script_hex)
{
	m2m_buf data;

	m2m_buf_init(&data);
	hexbuf(script_hex, &data);
	srv_packet(r, h, &data);
	for (size_t i = 0; i < r->nparts; i++)
		feed_ud(r, r->parts[i].data, r->parts[i].len, M2M_SMS_DCS_CLASS2_8BIT);
	m2m_buf_free(&data);
}

/* Reassembles the MO SMS-SUBMIT parts (TP-DA must be da) into one packet; *iei gets the
 * packet identifier (70 command, 71 response). */
static inline void mo_packet(rig *r, const char *da, m2m_buf *pkt, uint8_t *iei)
{
	m2m_sms_reasm re;
	bool done = false;

	m2m_sms_reasm_init(&re);
	assert_true(r->out.mo_count > 0);
	for (size_t i = 0; i < r->out.mo_count; i++) {
		m2m_sms_tpdu t;
		assert_int_equal(m2m_sms_submit_decode(r->out.mo[i].data, r->out.mo[i].len, &t),
				 M2M_OK);
		assert_int_equal(t.pid, 0x7F);
		assert_int_equal(t.dcs, 0xF6);
		assert_true(t.udhi);
		assert_string_equal(t.addr.digits, da);
		assert_false(done);
		assert_int_equal(m2m_sms_reasm_add(&re, t.ud, t.ud_len, pkt, iei, &done), M2M_OK);
	}
	assert_true(done);
	m2m_sms_reasm_free(&re);
}

/* Opens a PoR (without UDH) sent under spi; checks status; data gets the response script. */
static inline void open_por(const uint8_t spi[2], const uint8_t *p, size_t n, uint8_t status,
			    uint64_t cntr, m2m_buf *data)
{
	m2m_scp80_keys k;
	m2m_scp80_rsp rsp;

	srv_keys(0x01, &k);
	assert_int_equal(m2m_scp80_unwrap_response(spi, 0x12, 0x12, &k, p, n, &rsp, data),
			 M2M_OK);
	assert_int_equal(rsp.status, status);
	assert_int_equal(rsp.counter, cntr);
	m2m_scp80_keys_wipe(&k);
}

static inline const char *hexs(const uint8_t *p, size_t n, char *out)
{
	m2m_hex_encode(p, n, out);
	return out;
}

#endif
