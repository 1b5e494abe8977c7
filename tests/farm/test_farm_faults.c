/* Fault injection and device behaviour: dropped, duplicated and delayed MT SMS, a device
 * switched off (store and forward, expiry), an attach failure rolled back, network loss
 * falling back, and the control API over HTTP. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>

#include "farm_harness.h"

#define ENABLE11 "AA1C 221A 80E2880015 3A0312 4F10" H_AID11
#define GET_EID "AA07 2205 80CA005A00"
#define SPI2_SUBMIT 0x39

static bool sms_in(harness *h, void *arg)
{
	m2m_farm_stats s;

	h_stats(h, &s);
	return s.sms_in >= *(uint64_t *)arg && h->submit_ok >= *(uint64_t *)arg;
}

static bool receipts(harness *h, void *arg)
{
	return h->nrc >= *(size_t *)arg;
}

typedef struct {
	uint64_t rollback, fallback;
} counts;

static bool counted(harness *h, void *arg)
{
	counts *c = arg;
	m2m_farm_stats s;

	h_stats(h, &s);
	return s.rollback >= c->rollback && s.fallback >= c->fallback;
}

/* drop = 1: the submit_sm is accepted, the eUICC never sees it, no PoR, no receipt. */
static void test_drop(void **state)
{
	harness *h = h_new();
	m2m_scp80_hdr hd = h_hdr(SPI2_SUBMIT, 1);
	m2m_farm_stats st;
	uint64_t one = 1;
	json_t *dev;

	(void)state;
	h_make_db(h, 1, true);
	h->cfg.faults.drop = 1.0;
	h_start(h);
	h_send(h, 0, &hd, ENABLE11);
	h_until(h, sms_in, &one, "the submit_sm");
	h_stats(h, &st);
	assert_int_equal(st.mt_dropped, 1);
	assert_int_equal(st.mt_delivered, 0);
	assert_int_equal(st.por, 0);
	assert_int_equal(h->ndl, 0);
	/* Nothing reached the card: the counter and the profiles did not move. */
	dev = h_device(h, 0);
	assert_string_equal(h_isdp_state(dev, "000010"), "enabled");
	assert_int_equal(json_integer_value(json_object_get(
				 json_array_get(json_object_get(dev, "isdr_keysets"), 0), "counter")),
			 0);
	json_decref(dev);
	h_free(h);
}

/* drop = 0.5 with a seed: the same messages are lost in two runs. */
static uint64_t dropped_pattern(uint64_t seed)
{
	harness *h = h_new();
	m2m_farm_stats st;
	uint64_t eight = 8, pattern = 0, got = 0;
	m2m_buf data;

	m2m_buf_init(&data);
	h_make_db(h, 1, false);
	h->cfg.faults.drop = 0.5;
	h->cfg.faults.seed = seed;
	h_start(h);
	for (uint64_t c = 1; c <= 8; c++) {
		m2m_scp80_hdr hd = h_hdr(SPI2_SUBMIT, c);

		h_send(h, 0, &hd, GET_EID);
	}
	h_until(h, sms_in, &eight, "eight submit_sm");
	h_stats(h, &st);
	/* The PoRs of the messages that got through, by their counter. */
	while (got < 8 - st.mt_dropped) {
		m2m_buf pkt;
		m2m_scp80_keys k;
		m2m_scp80_rsp rsp;
		m2m_scp80_hdr hd = h_hdr(SPI2_SUBMIT, 1);

		m2m_buf_init(&pkt);
		h_packet(h, 0, M2M_SMS_IEI_RPI, &pkt);
		h_keys(0, &k, NULL);
		m2m_buf_reset(&data);
		assert_int_equal(m2m_scp80_unwrap_response(hd.spi, 0x12, 0x12, &k, pkt.data,
							   pkt.len, &rsp, &data),
				 M2M_OK);
		pattern |= 1u << rsp.counter;
		got++;
		m2m_scp80_keys_wipe(&k);
		m2m_buf_free(&pkt);
	}
	m2m_buf_free(&data);
	h_free(h);
	return pattern;
}

static void test_drop_seeded(void **state)
{
	uint64_t a = dropped_pattern(42), b = dropped_pattern(42);

	(void)state;
	assert_int_equal(a, b);
	assert_int_not_equal(a, 0x1FE); /* some were lost... */
	assert_int_not_equal(a, 0);     /* ...and some got through */
}

/* duplicate = 1: the copy is a replay the counter refuses (PoR 02), the command ran once. */
static void test_duplicate(void **state)
{
	harness *h = h_new();
	m2m_scp80_hdr hd = h_hdr(SPI2_SUBMIT, 1);
	m2m_farm_stats st;
	m2m_buf data;
	json_t *dev;

	(void)state;
	m2m_buf_init(&data);
	h_make_db(h, 1, true);
	h->cfg.faults.duplicate = 1.0;
	h->cfg.notif_first_ms = 600000;
	h_start(h);
	h_send(h, 0, &hd, ENABLE11);
	assert_int_equal(h_por(h, 0, &hd, &data), M2M_POR_OK);
	assert_int_equal(h_por(h, 0, &hd, &data), M2M_POR_CNTR_LOW);
	h_stats(h, &st);
	assert_int_equal(st.mt_duplicated, 1);
	assert_int_equal(st.mt_delivered, 2);
	assert_int_equal(st.refresh, 1);
	dev = h_device(h, 0);
	assert_string_equal(h_isdp_state(dev, "000011"), "enabled");
	assert_int_equal(json_array_size(json_object_get(dev, "notifications")), 1);
	json_decref(dev);
	m2m_buf_free(&data);
	h_free(h);
}

/* delay = 1: the PoR still comes, after the delay. */
static void test_delay(void **state)
{
	harness *h = h_new();
	m2m_scp80_hdr hd = h_hdr(SPI2_SUBMIT, 1);
	m2m_farm_stats st;
	m2m_buf data;

	(void)state;
	m2m_buf_init(&data);
	h_make_db(h, 1, false);
	h->cfg.faults.delay = 1.0;
	h->cfg.faults.delay_ms = 50;
	h_start(h);
	h_send(h, 0, &hd, GET_EID);
	assert_int_equal(h_por(h, 0, &hd, &data), M2M_POR_OK);
	h_stats(h, &st);
	assert_int_equal(st.mt_delayed, 1);
	m2m_buf_free(&data);
	h_free(h);
}

/* Switched off: the SMSC stores the MT SMS and delivers it when the device comes back. */
static void test_power_store_and_forward(void **state)
{
	harness *h = h_new();
	m2m_scp80_hdr hd = h_hdr(SPI2_SUBMIT, 1);
	m2m_farm_stats st;
	m2m_buf data;
	uint64_t one = 1;
	size_t n = 1;
	uint8_t eid[16];
	json_t *dev;

	(void)state;
	m2m_buf_init(&data);
	h_make_db(h, 1, false);
	h_start(h);
	h_eid(0, eid);
	assert_int_equal(m2m_farm_power(h->farm, eid, false, 0), M2M_OK);
	h_send(h, 0, &hd, GET_EID);
	h_until(h, sms_in, &one, "the submit_sm");
	/* The inbox hands it to the device on the next loop turn: it waits there. */
	event_base_loop(h->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	dev = h_device(h, 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(dev, "runtime"),
								"power")),
			    "off");
	json_decref(dev);
	h_stats(h, &st);
	assert_int_equal(st.mt_delivered, 0);
	assert_int_equal(h->ndl, 0);
	assert_int_equal(m2m_farm_power(h->farm, eid, true, 0), M2M_OK);
	assert_int_equal(h_por(h, 0, &hd, &data), M2M_POR_OK);
	h_until(h, receipts, &n, "the receipt");
	assert_string_equal(h->rc[0].stat, "DELIVRD");
	h_stats(h, &st);
	assert_int_equal(st.mt_stored, 1);
	m2m_buf_free(&data);
	h_free(h);
}

/* Off for longer than the validity: the stored SMS expires (receipt EXPIRED, never sent);
 * the device then comes on by itself after its off time. */
static void test_expiry(void **state)
{
	harness *h = h_new();
	m2m_scp80_hdr hd = h_hdr(SPI2_SUBMIT, 1);
	m2m_farm_stats st;
	size_t n = 1;
	char off[64];
	uint8_t eid[16];
	char hex[33];

	(void)state;
	h_make_db(h, 1, false);
	h_eid(0, eid);
	m2m_hex_encode(eid, 16, hex);
	snprintf(off, sizeof off, "%s:3", hex);
	h->cfg.faults.off = off;
	h->cfg.sms_expiry_s = 1;
	h_start(h);
	h_send(h, 0, &hd, GET_EID);
	h_until(h, receipts, &n, "the EXPIRED receipt");
	assert_string_equal(h->rc[0].stat, "EXPIRED");
	h_stats(h, &st);
	assert_int_equal(st.mt_expired, 1);
	assert_int_equal(st.mt_delivered, 0);
	h_free(h);
}

/* The new profile's ICCID cannot attach: after the REFRESH the eUICC rolls back, and both
 * notifications (02 for the change, 03 for the roll-back) reach the SM-SR. */
static void test_attach_fail_rollback(void **state)
{
	harness *h = h_new();
	m2m_scp80_hdr hd = h_hdr(SPI2_SUBMIT, 1);
	char iccid[21];
	counts want = {1, 0};
	m2m_buf data;
	uint8_t type;
	uint16_t seq;
	json_t *dev;

	(void)state;
	m2m_buf_init(&data);
	h_make_db(h, 1, true);
	assert_int_equal(m2m_farm_iccid_at(H_ICCID2, 0, iccid), M2M_OK);
	h->cfg.faults.attach_fail = iccid;
	h->cfg.notif_first_ms = 200;
	h_start(h);
	h_send(h, 0, &hd, ENABLE11);
	assert_int_equal(h_por(h, 0, &hd, &data), M2M_POR_OK);
	h_until(h, counted, &want, "the roll-back");
	dev = h_device(h, 0);
	assert_string_equal(h_isdp_state(dev, "000010"), "enabled");
	assert_string_equal(h_isdp_state(dev, "000011"), "disabled");
	assert_int_equal(json_array_size(json_object_get(dev, "notifications")), 2);
	json_decref(dev);
	h_notification(h, 0, &type, &seq, NULL);
	assert_int_equal(type, M2M_EUICC_NOTIF_CHANGE_OK); /* the oldest goes first */
	m2m_buf_free(&data);
	h_free(h);
}

/* The control API is served by the loop on this thread; the blocking client runs on its
 * own thread and the loop turns until it is done. */
#define CALLS 11

typedef struct {
	uint16_t port;
	char hex[33];
	long status[CALLS];
	char body[CALLS][2048];
	atomic_bool done;
} ctl;

static void call(m2m_http_client *c, ctl *x, int i, const char *method, const char *path,
		 const char *body)
{
	m2m_http_client_request rq = {0};
	m2m_http_client_response rs = {0};
	char url[160];

	snprintf(url, sizeof url, "http://127.0.0.1:%u%s", x->port, path);
	rq.method = method;
	rq.url = url;
	rq.body = (const uint8_t *)body;
	rq.body_len = body != NULL ? strlen(body) : 0;
	m2m_buf_init(&rs.body);
	x->status[i] = -1;
	if (m2m_http_client_send(c, &rq, &rs) == M2M_OK) {
		x->status[i] = rs.status;
		snprintf(x->body[i], sizeof x->body[i], "%.*s", (int)rs.body.len,
			 (const char *)rs.body.data);
	}
	m2m_http_client_response_free(&rs);
}

static void *client(void *arg)
{
	ctl *x = arg;
	m2m_http_client_opts o = {0};
	m2m_http_client *c = NULL;
	char p[96];

	if (m2m_http_client_new(&o, &c) == M2M_OK) {
		snprintf(p, sizeof p, "/devices/%s", x->hex);
		call(c, x, 0, "GET", p, NULL);
		snprintf(p, sizeof p, "/devices/%s/network-loss", x->hex);
		call(c, x, 1, "POST", p, NULL);
		call(c, x, 2, "POST", p, NULL);
		call(c, x, 3, "GET", p, NULL);
		snprintf(p, sizeof p, "/devices/%s/power", x->hex);
		call(c, x, 4, "POST", p, "{\"state\": \"sideways\"}");
		call(c, x, 5, "POST", p, "{\"state\": \"off\"}");
		snprintf(p, sizeof p, "/devices/%s", x->hex);
		call(c, x, 6, "GET", p, NULL);
		call(c, x, 7, "GET", "/devices/zz", NULL);
		call(c, x, 8, "GET", "/devices/89999000000000000000000000999999", NULL);
		call(c, x, 9, "GET", "/stats", NULL);
		call(c, x, 10, "DELETE", "/stats", NULL);
	}
	m2m_http_client_free(c);
	atomic_store(&x->done, true);
	return NULL;
}

static bool ctl_done(harness *h, void *arg)
{
	(void)h;
	return atomic_load(&((ctl *)arg)->done);
}

static void test_control_network_loss(void **state)
{
	harness *h = h_new();
	m2m_scp80_hdr hd = h_hdr(SPI2_SUBMIT, 1);
	ctl *x = calloc(1, sizeof *x);
	uint8_t eid[16], type = 0;
	uint16_t seq = 0;
	pthread_t th;
	m2m_buf data;

	(void)state;
	assert_non_null(x);
	m2m_buf_init(&data);
	h_make_db(h, 1, true);
	h->cfg.control = true;
	h->cfg.control_addr = "127.0.0.1";
	h_start(h);
	h_send(h, 0, &hd, ENABLE11);
	assert_int_equal(h_por(h, 0, &hd, &data), M2M_POR_OK);
	h_eid(0, eid);
	m2m_hex_encode(eid, 16, x->hex);
	x->port = m2m_farm_control_port(h->farm);
	atomic_init(&x->done, false);
	assert_int_equal(pthread_create(&th, NULL, client, x), 0);
	h_until(h, ctl_done, x, "the control API calls");
	pthread_join(th, NULL);
	assert_int_equal(x->status[0], 200);
	assert_non_null(strstr(x->body[0], "\"state\":\"enabled\""));
	assert_null(strstr(x->body[0], "\"value\"")); /* no key values over the API */
	assert_int_equal(x->status[1], 200);
	assert_int_equal(x->status[2], 409); /* the fall-back profile already runs */
	assert_int_equal(x->status[3], 405);
	assert_int_equal(x->status[4], 400);
	assert_int_equal(x->status[5], 200);
	assert_non_null(strstr(x->body[6], "\"power\":\"off\""));
	assert_int_equal(x->status[7], 400);
	assert_int_equal(x->status[8], 404);
	assert_int_equal(x->status[9], 200);
	assert_non_null(strstr(x->body[9], "\"fallback\":1"));
	assert_int_equal(x->status[10], 405);
	/* Back on: the notifications go out, the oldest (02) first, then 05 after its
	 * confirmation. */
	assert_int_equal(m2m_farm_power(h->farm, eid, true, 0), M2M_OK);
	h_notification(h, 0, &type, &seq, NULL);
	assert_int_equal(type, M2M_EUICC_NOTIF_CHANGE_OK);
	hd = h_hdr(SPI2_SUBMIT, 2);
	{
		char s[64];

		snprintf(s, sizeof s, "AA0F 220D 80E2890007 3A0804 4E02%04X 00", seq);
		h_send(h, 0, &hd, s);
	}
	assert_int_equal(h_por(h, 0, &hd, &data), M2M_POR_OK);
	for (int k = 0; k < 50 && type != M2M_EUICC_NOTIF_CHANGE_FALLBACK; k++)
		h_notification(h, 0, &type, &seq, NULL);
	assert_int_equal(type, M2M_EUICC_NOTIF_CHANGE_FALLBACK);
	m2m_buf_free(&data);
	free(x);
	h_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop),
		cmocka_unit_test(test_drop_seeded),
		cmocka_unit_test(test_duplicate),
		cmocka_unit_test(test_delay),
		cmocka_unit_test(test_power_store_and_forward),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_attach_fail_rollback),
		cmocka_unit_test(test_control_network_loss),
	};
	int rc;

	m2m_log_setup(M2M_LOG_WARN, M2M_LOG_PLAIN, stderr);
	assert_int_equal(m2m_http_global_init(), M2M_OK);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	m2m_http_global_cleanup();
	return rc;
}
