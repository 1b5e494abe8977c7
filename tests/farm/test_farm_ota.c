/* The farm end to end over SMPP: an ESME plays the SM-SR and drives the eUICCs with SCP80
 * command packets (ISD-R commands of docs/euicc.md, TAR 000001), checks PoRs, receipts,
 * notifications repeated until confirmed, persistence across a restart, and lazy loading
 * with a cache smaller than the farm. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "farm_harness.h"

#define ENABLE(aid) "221A 80E2880015 3A0312 4F10" aid
#define DISABLE(aid) "221A 80E2880015 3A0412 4F10" aid
#define GET_STATUS "2208 80F24002 024F00 00"
#define GET_EID "2205 80CA005A00"
#define SPI2_SUBMIT 0x39 /* PoR always, CC, ciphered, by SMS-SUBMIT (SGP.02 default) */
#define SPI2_REPORT 0x19 /* the same in the SMS-DELIVER-REPORT (ENVELOPE response) */

/* "AA L {22 L apdu}" for one or two C-APDU TLVs given in hex. */
static void script(char *out, size_t cap, const char *tlvs)
{
	size_t n = 0;

	for (size_t i = 0; tlvs[i] != '\0'; i++)
		n += tlvs[i] != ' ';
	snprintf(out, cap, "AA %02zX %s", n / 2, tlvs);
}

static void confirm(harness *h, uint64_t i, uint64_t cntr, uint16_t seq)
{
	char cmd[128], s[160];
	m2m_scp80_hdr hd = h_hdr(SPI2_SUBMIT, cntr);
	m2m_buf data;

	m2m_buf_init(&data);
	snprintf(cmd, sizeof cmd, "220D 80E2890007 3A0804 4E02%04X 00", seq);
	script(s, sizeof s, cmd);
	h_send(h, i, &hd, s);
	assert_int_equal(h_por(h, i, &hd, &data), M2M_POR_OK);
	/* AB { 80 01 01, 23 L { 80 L {deleted AIDs} 9000 } } */
	assert_true(h_contains(&data, "9000"));
	m2m_buf_free(&data);
}

static bool no_pending(harness *h, void *arg)
{
	m2m_farm_stats s;

	(void)arg;
	h_stats(h, &s);
	return s.pending_notif == 0;
}

static bool receipts(harness *h, void *arg)
{
	return h->nrc >= *(size_t *)arg;
}

/* EnableProfile, notification repeated until 3A08, audit, DisableProfile, restart. */
static void test_enable_disable_audit(void **state)
{
	harness *h = h_new();
	m2m_buf data, aid;
	m2m_scp80_hdr hd;
	m2m_farm_stats st;
	uint8_t type = 0;
	uint16_t seq = 0, seq2 = 0;
	size_t want = 1;
	char s[256];
	json_t *dev;

	(void)state;
	m2m_buf_init(&data);
	m2m_buf_init(&aid);
	h_make_db(h, 2, true);
	h_start(h);

	/* EnableProfile of ISD-P 000011 on device 1, PoR by SMS-SUBMIT. */
	hd = h_hdr(SPI2_SUBMIT, 1);
	script(s, sizeof s, ENABLE(H_AID11));
	h_send(h, 1, &hd, s);
	assert_int_equal(h_por(h, 1, &hd, &data), M2M_POR_OK);
	assert_true(h_contains(&data, "AB0780010123029000"));
	h_until(h, receipts, &want, "the delivery receipt");
	assert_string_equal(h->rc[0].stat, "DELIVRD");

	/* The notification (type 02, the new profile) comes, and comes again. */
	h_notification(h, 1, &type, &seq, &aid);
	assert_int_equal(type, M2M_EUICC_NOTIF_CHANGE_OK);
	assert_true(h_contains(&aid, H_AID11));
	h_notification(h, 1, &type, &seq2, NULL);
	assert_int_equal(seq2, seq);
	confirm(h, 1, 2, seq);
	h_until(h, no_pending, NULL, "the notification timer to stop");
	h_stats(h, &st);
	assert_true(st.notif_sent >= 2);
	assert_int_equal(st.notif_confirmed, 1);
	assert_int_equal(st.refresh, 1);

	/* Audit: GET STATUS of every ISD-P, PoR in the ENVELOPE response this time. */
	hd = h_hdr(SPI2_REPORT, 3);
	script(s, sizeof s, GET_STATUS);
	h_send(h, 1, &hd, s);
	assert_int_equal(h_por(h, 1, &hd, &data), M2M_POR_OK);
	assert_true(h_contains(&data, "4F10" H_AID11 "9F70013F")); /* enabled */
	assert_true(h_contains(&data, "4F10" H_AID10 "9F70011F")); /* disabled */

	/* DisableProfile: the fall-back profile (000010) comes back. */
	hd = h_hdr(SPI2_SUBMIT, 4);
	script(s, sizeof s, DISABLE(H_AID11));
	h_send(h, 1, &hd, s);
	assert_int_equal(h_por(h, 1, &hd, &data), M2M_POR_OK);
	h_notification(h, 1, &type, &seq, &aid);
	assert_true(h_contains(&aid, H_AID10));
	confirm(h, 1, 5, seq);
	h_until(h, no_pending, NULL, "the notification timer to stop");

	/* Device 0 was never touched. */
	dev = h_device(h, 0);
	assert_string_equal(h_isdp_state(dev, "000010"), "enabled");
	assert_string_equal(h_isdp_state(dev, "000011"), "disabled");
	json_decref(dev);

	/* Restart: the state and the counter survive; the old counter is a replay. */
	h_stop_farm(h);
	h_start(h);
	dev = h_device(h, 1);
	assert_string_equal(h_isdp_state(dev, "000010"), "enabled");
	assert_int_equal(json_array_size(json_object_get(dev, "notifications")), 0);
	assert_int_equal(json_integer_value(json_object_get(
				 json_array_get(json_object_get(dev, "isdr_keysets"), 0), "counter")),
			 5);
	json_decref(dev);
	hd = h_hdr(SPI2_SUBMIT, 5);
	script(s, sizeof s, GET_EID);
	h_send(h, 1, &hd, s);
	assert_int_equal(h_por(h, 1, &hd, &data), M2M_POR_CNTR_LOW);
	hd = h_hdr(SPI2_SUBMIT, 6);
	h_send(h, 1, &hd, s);
	assert_int_equal(h_por(h, 1, &hd, &data), M2M_POR_OK);
	assert_true(h_contains(&data, "5A10"));

	m2m_buf_free(&data);
	m2m_buf_free(&aid);
	h_free(h);
}

/* A notification pending when the farm stops is sent again after the restart. */
static void test_notification_survives_restart(void **state)
{
	harness *h = h_new();
	m2m_buf data;
	m2m_scp80_hdr hd;
	uint8_t type;
	uint16_t seq;
	char s[128];

	(void)state;
	m2m_buf_init(&data);
	h_make_db(h, 1, true);
	h->cfg.notif_first_ms = 60000; /* not before the restart */
	h_start(h);
	hd = h_hdr(SPI2_SUBMIT, 1);
	script(s, sizeof s, ENABLE(H_AID11));
	h_send(h, 0, &hd, s);
	assert_int_equal(h_por(h, 0, &hd, &data), M2M_POR_OK);
	h_stop_farm(h);
	h->cfg.notif_first_ms = 20;
	h_start(h);
	h_notification(h, 0, &type, &seq, NULL);
	assert_int_equal(type, M2M_EUICC_NOTIF_CHANGE_OK);
	confirm(h, 0, 2, seq);
	h_until(h, no_pending, NULL, "the notification timer to stop");
	m2m_buf_free(&data);
	h_free(h);
}

/* Five devices, room for two: each answers, idle ones are evicted and reloaded. */
static void test_lazy_loading(void **state)
{
	harness *h = h_new();
	m2m_buf data;
	m2m_farm_stats st;
	char s[128];

	(void)state;
	m2m_buf_init(&data);
	h_make_db(h, 5, false);
	h->cfg.cache_max = 2;
	h_start(h);
	script(s, sizeof s, GET_EID);
	for (int round = 0; round < 2; round++) {
		for (uint64_t i = 0; i < 5; i++) {
			m2m_scp80_hdr hd = h_hdr(SPI2_SUBMIT, (uint64_t)round + 1);
			uint8_t eid[16];
			char hex[33], up[40];

			h_send(h, i, &hd, s);
			assert_int_equal(h_por(h, i, &hd, &data), M2M_POR_OK);
			h_eid(i, eid);
			m2m_hex_encode(eid, 16, hex);
			for (int k = 0; hex[k] != '\0'; k++)
				if (hex[k] >= 'a')
					hex[k] = (char)(hex[k] - 'a' + 'A');
			snprintf(up, sizeof up, "5A10%s", hex);
			assert_true(h_contains(&data, up));
			h_stats(h, &st);
			assert_true(st.cached <= 2);
		}
	}
	h_stats(h, &st);
	assert_true(st.evictions >= 8);
	assert_true(st.loads >= 10);
	/* The counter (state_changed) was saved before each eviction: round 2 got in. */
	assert_int_equal(st.mt_delivered, 10);
	m2m_buf_free(&data);
	h_free(h);
}

static bool refused(harness *h, void *arg)
{
	return h->submit_err >= *(unsigned *)arg;
}

/* A script longer than one SMS goes as two concatenated submit_sm; its PoR comes back as
 * concatenated MO SMS (sgp02-bearers 1.3). */
static void test_concatenated(void **state)
{
	harness *h = h_new();
	m2m_scp80_hdr hd = h_hdr(SPI2_SUBMIT, 1);
	m2m_farm_stats st;
	m2m_buf data;
	char tlvs[512] = "", s[600];

	(void)state;
	m2m_buf_init(&data);
	h_make_db(h, 1, false);
	h_start(h);
	for (int i = 0; i < 17; i++)
		strcat(tlvs, GET_EID);
	script(s, sizeof s, tlvs);
	h_send(h, 0, &hd, s);
	assert_int_equal(h_por(h, 0, &hd, &data), M2M_POR_OK);
	assert_true(h_contains(&data, "800111")); /* 17 commands executed */
	h_stats(h, &st);
	assert_int_equal(st.sms_in, 2);
	assert_true(st.mo >= 3);
	m2m_buf_free(&data);
	h_free(h);
}

/* A submit_sm to a number with no device is refused; so is a TP-UD over 140 octets. */
static void test_unknown_msisdn(void **state)
{
	harness *h = h_new();
	m2m_smpp_addr to = {1, 1, "882990000000999"};
	uint8_t ud[141] = {0x02, 0x70, 0x00};
	m2m_farm_stats st;
	unsigned want = 2;

	(void)state;
	h_make_db(h, 1, false);
	h_start(h);
	assert_int_equal(m2m_smpp_esme_submit(h->esme, &to, ud, 20, true, NULL, NULL), M2M_OK);
	h_msisdn(0, to.addr);
	assert_int_equal(m2m_smpp_esme_submit(h->esme, &to, ud, sizeof ud, true, NULL, NULL),
			 M2M_OK);
	h_until(h, refused, &want, "two refusals");
	h_stats(h, &st);
	assert_int_equal(st.sms_refused, 2);
	assert_int_equal(st.mt_delivered, 0);
	h_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enable_disable_audit),
		cmocka_unit_test(test_notification_survives_restart),
		cmocka_unit_test(test_lazy_loading),
		cmocka_unit_test(test_concatenated),
		cmocka_unit_test(test_unknown_msisdn),
	};
	int rc;

	m2m_log_setup(M2M_LOG_WARN, M2M_LOG_PLAIN, stderr);
	assert_int_equal(m2m_http_global_init(), M2M_OK);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	m2m_http_global_cleanup();
	return rc;
}
