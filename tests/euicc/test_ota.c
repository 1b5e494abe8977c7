/* The OTA front end over SMS-PP: SCP80 packets built by the SM-SR side of our card library,
 * fed as ENVELOPEs; PoRs and MO SMS opened again by the server side. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "test_ota_common.h"

#define ELF AID_PREFIX_HEX "00000D00"
#define EM AID_PREFIX_HEX "00000E00"
#define CREATE_13 "80E60C003F 10" ELF " 10" EM " 10" AID_13 " 0380C000 06C90481020370 00 00"
#define ENABLE(aid) "80E2880015 3A0312 4F10" aid
#define GET_FF21 "80CAFF2100"

/* DELIVER-REPORT path (SPI2 19): CreateISDP, then EnableProfile of the new empty ISD-P fails
 * 6985 and stops the script: GET DATA is never executed. 2 parts (141 octets). */
static void test_create_enable_deliver_report(void **state)
{
	rig *r = rig_new();
	m2m_scp80_hdr h = srv_hdr(0x16, 0x19, 0x000001, 6);
	m2m_buf data;
	m2m_script_response sr;
	const uint8_t *ra;
	size_t len;
	char hx[512];

	(void)state;
	m2m_buf_init(&data);
	srv_send(r, &h, "AA 6A 2245" CREATE_13 " 221A" ENABLE(AID_13) " 2205 80CA005A00");
	assert_int_equal(r->nparts, 2);
	assert_int_equal(r->out.sw, 0x9000);
	assert_int_equal(r->out.mo_count, 0);
	assert_true(r->out.por_sent);
	assert_true(r->out.ev.state_changed);
	assert_true(r->resp.len > 3);
	assert_memory_equal(r->resp.data, "\x02\x71\x00", 3);
	open_por(h.spi, r->resp.data + 3, r->resp.len - 3, 0x00, 6, &data);
	assert_int_equal(m2m_script_response_open(&sr, data.data, data.len), M2M_OK);
	assert_int_equal(sr.executed, 2);
	assert_int_equal(m2m_script_response_next(&sr, &ra, &len), M2M_OK);
	assert_string_equal(hexs(ra, len, hx), "009000");
	assert_int_equal(m2m_script_response_next(&sr, &ra, &len), M2M_OK);
	assert_string_equal(hexs(ra, len, hx), "6985");
	assert_int_equal(m2m_script_response_next(&sr, &ra, &len), M2M_END);
	assert_true(fx_idx(r->c, AID_13) >= 0);
	assert_int_equal(r->c->e->keysets[0].last_counter, 6);
	fx_roundtrip(r->c->e);
	m2m_buf_free(&data);
	rig_free(r);
}

/* Same kind of packet with SPI2 39: the PoR goes by SMS-SUBMIT to the command's originator
 * and the ENVELOPE response is a short PoR with status 0B. */
static void test_enable_por_by_submit(void **state)
{
	rig *r = rig_new();
	m2m_scp80_hdr h = srv_hdr(0x16, 0x39, 0x000001, 9);
	m2m_buf pkt, data;
	uint8_t iei = 0;
	char hx[512];

	(void)state;
	m2m_buf_init(&pkt);
	m2m_buf_init(&data);
	fx_profile(r->c, AID_14, 0);
	srv_send(r, &h, "AA 1C 221A" ENABLE(AID_14));
	assert_int_equal(r->nparts, 1);
	assert_true(r->out.ev.refresh);
	assert_true(r->out.ev.notification);
	mo_packet(r, "4479000099", &pkt, &iei);
	assert_int_equal(iei, M2M_SMS_IEI_RPI);
	open_por(h.spi, pkt.data, pkt.len, 0x00, 9, &data);
	assert_string_equal(hexs(data.data, data.len, hx), "ab07800101230290" "00");
	/* The short PoR: 0B, no data. */
	m2m_buf_reset(&data);
	assert_memory_equal(r->resp.data, "\x02\x71\x00", 3);
	open_por(h.spi, r->resp.data + 3, r->resp.len - 3, 0x0B, 9, &data);
	assert_int_equal(data.len, 0);
	assert_int_equal(r->c->e->isdp[fx_idx(r->c, AID_14)].lcs, M2M_EUICC_LCS_ENABLED);
	m2m_buf_free(&pkt);
	m2m_buf_free(&data);
	rig_free(r);
}

/* A 3-part packet, parts fed 3, 1, 2 (and a duplicate): the response (26 R-APDUs) does
 * not fit one SM, so it comes back as a concatenated MO SMS-SUBMIT. */
static void test_concatenated_out_of_order(void **state)
{
	rig *r = rig_new();
	m2m_scp80_hdr h = srv_hdr(0x16, 0x39, 0x000001, 7);
	m2m_buf script, pkt, data;
	m2m_script_response sr;
	const uint8_t *ra;
	size_t len, n = 0;
	uint8_t iei = 0;
	char hx[512];
	static const size_t order[] = {2, 0, 0, 1};

	(void)state;
	m2m_buf_init(&script);
	m2m_buf_init(&pkt);
	m2m_buf_init(&data);
	hexbuf("2245" CREATE_13, &script);
	for (int i = 0; i < 25; i++)
		hexbuf("2205" GET_FF21, &script);
	assert_int_equal(m2m_buf_insert(&script, 0, "\xAA\x81\xF6", 3), M2M_OK);
	assert_int_equal(script.len - 3, 0xF6);
	srv_packet(r, &h, &script);
	assert_int_equal(r->nparts, 3);
	for (size_t i = 0; i < 4; i++) {
		m2m_euicc_ota_out_reset(&r->out);
		feed_ud(r, r->parts[order[i]].data, r->parts[order[i]].len, 0x16);
		assert_int_equal(r->out.mo_count, i == 3 ? r->out.mo_count : 0);
		assert_int_equal(fx_idx(r->c, AID_13) >= 0, i == 3);
	}
	assert_true(r->out.mo_count >= 4);
	mo_packet(r, "4479000099", &pkt, &iei);
	assert_int_equal(iei, M2M_SMS_IEI_RPI);
	open_por(h.spi, pkt.data, pkt.len, 0x00, 7, &data);
	assert_int_equal(m2m_script_response_open(&sr, data.data, data.len), M2M_OK);
	assert_int_equal(sr.executed, 26);
	while (m2m_script_response_next(&sr, &ra, &len) == M2M_OK)
		n++;
	assert_int_equal(n, 26);
	assert_string_equal(hexs(ra, len, hx), "ff210d81010282040001117083023a929000");
	m2m_buf_free(&script);
	m2m_buf_free(&pkt);
	m2m_buf_free(&data);
	rig_free(r);
}

/* Save of the persistent state, to show a refused packet changed nothing. */
static void saved(rig *r, m2m_buf *b)
{
	m2m_buf_reset(b);
	assert_int_equal(m2m_euicc_save(r->c->e, b), M2M_OK);
}

/* Refusals: the PoR is unsecured (RHL 0A) and the state does not move. */
/* cntr: what the PoR can echo; 0 when the card refused before deciphering the counter. */
static void refused(rig *r, const m2m_scp80_hdr *h, const char *script, uint8_t status,
		    uint64_t cntr)
{
	m2m_buf before, after, data;
	uint8_t spi[2] = {h->spi[0], (uint8_t)(h->spi[1] & ~0x1C)};

	m2m_buf_init(&before);
	m2m_buf_init(&after);
	m2m_buf_init(&data);
	saved(r, &before);
	memset(&r->out.ev, 0, sizeof r->out.ev);
	srv_send(r, h, script);
	saved(r, &after);
	assert_int_equal(before.len, after.len);
	assert_memory_equal(before.data, after.data, before.len);
	assert_false(r->out.ev.state_changed);
	assert_int_equal(r->out.por_status, status);
	assert_true(r->resp.len > 3);
	assert_int_equal(r->resp.data[5], 0x0A); /* RHL: no CC */
	open_por(spi, r->resp.data + 3, r->resp.len - 3, status, cntr, &data);
	assert_int_equal(data.len, 0);
	m2m_buf_free(&before);
	m2m_buf_free(&after);
	m2m_buf_free(&data);
}

static void test_refusals(void **state)
{
	rig *r = rig_new();
	m2m_scp80_hdr h = srv_hdr(0x16, 0x19, 0x000001, 6);
	m2m_scp80_hdr low = srv_hdr(0x16, 0x19, 0x000001, 5);
	m2m_scp80_hdr tar = srv_hdr(0x16, 0x19, 0x000099, 7);
	m2m_scp80_hdr weak = srv_hdr(0x12, 0x19, 0x000001, 7);
	m2m_scp80_hdr nokey = srv_hdr(0x16, 0x19, 0x000001, 7);

	(void)state;
	srv_send(r, &h, "AA 47 2245" CREATE_13);
	assert_int_equal(r->out.por_status, 0x00);
	refused(r, &h, "AA 07 2205" GET_FF21, M2M_POR_CNTR_LOW, 6);   /* replay */
	refused(r, &low, "AA 07 2205" GET_FF21, M2M_POR_CNTR_LOW, 5); /* older */
	refused(r, &tar, "AA 07 2205" GET_FF21, M2M_POR_TAR_UNKNOWN, 0);
	refused(r, &weak, "AA 07 2205" GET_FF21, M2M_POR_INSUFFICIENT_SECURITY_LEVEL, 0);
	nokey.kic = nokey.kid = 0x32; /* key set 03 does not exist */
	refused(r, &nokey, "AA 07 2205" GET_FF21, M2M_POR_UNDEFINED_SECURITY_ERROR, 0);
	/* An ISD-P TAR is unknown while ISD-P routing is not linked in. */
	m2m_scp80_hdr isdp = srv_hdr(0x16, 0x19, 0x000011, 7);
	refused(r, &isdp, "AA 07 2205" GET_FF21, M2M_POR_TAR_UNKNOWN, 0);
	/* A PoR signed by DS cannot be built: refused up front. */
	m2m_scp80_hdr ds = srv_hdr(0x16, 0x0D, 0x000001, 7);
	refused(r, &ds, "AA 07 2205" GET_FF21, M2M_POR_UNDEFINED_SECURITY_ERROR, 0);
	assert_int_equal(r->c->e->keysets[0].last_counter, 6);
	rig_free(r);
}

/* A corrupted CC: status 01. The packet is corrupted after wrapping. */
static void test_bad_cc(void **state)
{
	rig *r = rig_new();
	m2m_scp80_hdr h = srv_hdr(0x16, 0x19, 0x000001, 6);
	m2m_buf data;
	uint8_t spi[2] = {0x16, 0x19 & ~0x1C};

	(void)state;
	m2m_buf_init(&data);
	hexbuf("AA 07 2205" GET_FF21, &data);
	srv_packet(r, &h, &data);
	m2m_buf_reset(&data);
	r->parts[0].data[r->parts[0].len - 1] ^= 0x01;
	feed_ud(r, r->parts[0].data, r->parts[0].len, 0xF6);
	assert_int_equal(r->out.por_status, M2M_POR_RC_CC_DS_FAILED);
	open_por(spi, r->resp.data + 3, r->resp.len - 3, 0x01, 6, &data);
	assert_int_equal(r->c->e->keysets[0].last_counter, 5);
	/* SPI2 "PoR on error" (1A): a good packet gets none. */
	h = srv_hdr(0x16, 0x1A, 0x000001, 6);
	srv_send(r, &h, "AA 07 2205" GET_FF21);
	assert_int_equal(r->out.por_status, 0x00);
	assert_false(r->out.por_sent);
	assert_int_equal(r->resp.len, 0);
	assert_int_equal(r->c->e->keysets[0].last_counter, 6);
	m2m_buf_free(&data);
	rig_free(r);
}

static bool has(const m2m_buf *b, const char *needle, size_t n)
{
	for (size_t i = 0; i + n <= b->len; i++)
		if (memcmp(b->data + i, needle, n) == 0)
			return true;
	return false;
}

/* Compact script and bare 22s; malformed ENVELOPE / TPDU / non-SCP80 SMS. */
static void test_formats(void **state)
{
	rig *r = rig_new();
	m2m_scp80_hdr h = srv_hdr(0x16, 0x19, 0x000001, 6);
	m2m_buf data;
	char hx[512];

	(void)state;
	m2m_buf_init(&data);
	srv_send(r, &h, GET_FF21 " 80CA005A00");
	open_por(h.spi, r->resp.data + 3, r->resp.len - 3, 0x00, 6, &data);
	assert_string_equal(hexs(data.data, data.len, hx), "029000" "5a10" EID_HEX);
	m2m_buf_reset(&data);
	h.counter = 7;
	srv_send(r, &h, "2205 80CA005A00");
	open_por(h.spi, r->resp.data + 3, r->resp.len - 3, 0x00, 7, &data);
	assert_string_equal(hexs(data.data, data.len, hx),
			    "ab19800101" "2314" "5a10" EID_HEX "9000");
	/* A bad expanded format executes nothing: 90 01 with executed 0. */
	m2m_buf_reset(&data);
	h.counter = 8;
	srv_send(r, &h, "AA 08 2205" GET_FF21 "99");
	open_por(h.spi, r->resp.data + 3, r->resp.len - 3, 0x00, 8, &data);
	assert_int_equal(data.data[0], 0xAB);
	assert_true(has(&data, "\x80\x01\x00", 3));
	assert_true(has(&data, "\x90\x01", 2));
	/* Junk ENVELOPE: 6A80. */
	m2m_buf_reset(&r->resp);
	assert_int_equal(m2m_euicc_ota_envelope(r->c->e, &r->ota, (const uint8_t *)"\xD1\x01", 2,
						&r->resp, &r->out),
			 M2M_OK);
	assert_int_equal(r->out.sw, 0x6A80);
	/* 8-bit without class 2: not a data download, no response. */
	feed_ud(r, (const uint8_t *)"\x02\x70\x00", 3, 0x04);
	assert_int_equal(r->out.sw, 0x9000);
	assert_int_equal(r->resp.len, 0);
	m2m_buf_free(&data);
	rig_free(r);
}

/* The notification of an EnableProfile: MO SMS to the configured SM-SR number, then (after
 * 3A07 gives an address) to that address; the server opens it with the card's keys and
 * finds the E1; a 3A08 confirmation by SMS removes it. */
static void test_notification(void **state)
{
	rig *r = rig_new();
	m2m_scp80_hdr h = srv_hdr(0x16, 0x19, 0x000001, 6);
	m2m_scp80_hdr cmd;
	m2m_scp80_keys k;
	m2m_buf pkt, data;
	uint8_t iei = 0, status = 0xFF;
	char hx[512], conf[128];
	uint16_t seq;

	(void)state;
	m2m_buf_init(&pkt);
	m2m_buf_init(&data);
	assert_int_equal(m2m_euicc_ota_notification(r->c->e, &r->ota, &r->out), M2M_ERR_STATE);
	fx_profile(r->c, AID_14, 0);
	srv_send(r, &h, "AA 1C 221A" ENABLE(AID_14));
	assert_int_equal(m2m_euicc_notif_count(r->c->e), 1);
	seq = r->c->e->notif[m2m_euicc_notif_oldest(r->c->e)].seq;
	assert_int_equal(m2m_euicc_ota_notification(r->c->e, &r->ota, &r->out), M2M_OK);
	assert_int_equal(r->out.mo_count, 1);
	mo_packet(r, "4479000001", &pkt, &iei);
	assert_int_equal(iei, M2M_SMS_IEI_CPI);
	/* 02 70 00 | CPL | 15 | 02 00 | 10 | 12 | 000001 | 00x5 | 00 | CC | E1 */
	assert_string_equal(hexs(pkt.data + 2, 13, hx), "15020010120000010000000000");
	srv_keys(0x01, &k);
	assert_int_equal(m2m_scp80_unwrap_command(pkt.data, pkt.len, &k, NULL, &cmd, &status, &data),
			 M2M_OK);
	assert_int_equal(status, 0);
	snprintf(conf, sizeof conf, "e1%02x4c10%s4d01024e02%04x4f10%s", 0x2B, EID_HEX, seq, AID_14);
	assert_string_equal(hexs(data.data, data.len, hx), conf);
	/* Tamper: the CC no longer matches. */
	pkt.data[pkt.len - 1] ^= 1;
	m2m_buf_reset(&data);
	assert_int_equal(m2m_scp80_unwrap_command(pkt.data, pkt.len, &k, NULL, &cmd, &status, &data),
			 M2M_ERR_VERIFY);
	/* SM-SR addressing parameters: the next MO goes there. */
	h.counter = 7;
	srv_send(r, &h, "AA 13 2211 80E288000C 3A0709 A307 8105 0685214365");
	assert_int_equal(m2m_euicc_ota_notification(r->c->e, &r->ota, &r->out), M2M_OK);
	m2m_buf_reset(&pkt);
	mo_packet(r, "123456", &pkt, &iei);
	/* Confirmation over SMS. */
	h.counter = 8;
	snprintf(conf, sizeof conf, "AA 0F 220D 80E2890007 3A0804 4E02%04x 00", seq);
	srv_send(r, &h, conf);
	assert_int_equal(m2m_euicc_notif_count(r->c->e), 0);
	assert_int_equal(m2m_euicc_ota_notification(r->c->e, &r->ota, &r->out), M2M_ERR_STATE);
	m2m_scp80_keys_wipe(&k);
	m2m_buf_free(&pkt);
	m2m_buf_free(&data);
	rig_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_enable_deliver_report),
		cmocka_unit_test(test_enable_por_by_submit),
		cmocka_unit_test(test_concatenated_out_of_order),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_bad_cc),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_notification),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
