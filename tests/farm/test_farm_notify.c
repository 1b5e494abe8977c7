/* Notifications over HTTPS through the farm (cfg.notify_https, `devices run --notify https`):
 * after an EnableProfile over SMPP the device opens TLS-PSK sessions of its own to the admin
 * server, `POST /polling?msg=<E1 hex>`. The server (net/http_server with a PSK context, on
 * the same loop) leaves the first one unconfirmed (204), so the farm repeats; the second gets
 * the 3A08 confirmation as a script in the same session. No notification goes by SMS. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "card/scp81.h"
#include "core/tlv.h"
#include "farm_harness.h"
#include "net/http_server.h"
#include "net/tls.h"

#define ENABLE_11 "AA1C 221A 80E2880015 3A0312 4F10" H_AID11
#define SPI2_SUBMIT 0x39

typedef struct {
	m2m_http_server *srv;
	uint8_t psk[16];
	int notifs;               /* notification POSTs */
	int answers;              /* script responses */
	bool bad;                 /* something unexpected arrived */
	uint8_t type;
	uint16_t seq;
	char eid_hex[33];
	char answer[128];         /* hex of the response to the 3A08 */
} admin;

static m2m_err lookup(void *arg, const char *identity, uint8_t *key, size_t cap, size_t *len)
{
	admin *a = arg;

	(void)identity;
	if (cap < 16)
		return M2M_ERR_BOUNDS;
	memcpy(key, a->psk, 16);
	*len = 16;
	return M2M_OK;
}

/* The E1 of "?msg=<hex>": type and sequence number. */
static bool read_notification(admin *a, const char *uri)
{
	const char *m = strstr(uri, "?msg=");
	uint8_t e1[128];
	size_t n = 0;
	m2m_tlv t, c;

	if (m == NULL || m2m_hex_decode(m + 5, e1, sizeof e1, &n) != M2M_OK ||
	    m2m_tlv_decode_one(e1, n, M2M_TLV_BER, &t, NULL) != M2M_OK || t.tag != 0xE1)
		return false;
	if (m2m_tlv_find(t.value, t.len, M2M_TLV_BER, 0x4C, &c) != M2M_OK || c.len != 16)
		return false;
	m2m_hex_encode(c.value, 16, a->eid_hex);
	if (m2m_tlv_find(t.value, t.len, M2M_TLV_BER, 0x4D, &c) != M2M_OK || c.len != 1)
		return false;
	a->type = c.value[0];
	if (m2m_tlv_find(t.value, t.len, M2M_TLV_BER, 0x4E, &c) != M2M_OK || c.len != 2)
		return false;
	a->seq = (uint16_t)(c.value[0] << 8 | c.value[1]);
	return true;
}

static void handler(void *arg, const m2m_http_request *req, m2m_http_response *resp)
{
	admin *a = arg;
	uint8_t script[] = {0xAE, 0x80, 0x22, 0x0D, 0x80, 0xE2, 0x89, 0x00, 0x07, 0x3A, 0x08,
			    0x04, 0x4E, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00};

	(void)m2m_http_response_header(resp, "X-Admin-Protocol", M2M_SCP81_PROTOCOL);
	if (m2m_http_request_header(req, "X-Admin-Script-Status") != NULL) {
		a->answers++;
		if (req->body_len * 2 < sizeof a->answer)
			m2m_hex_encode(req->body, req->body_len, a->answer);
		m2m_http_response_status(resp, 204, NULL);
		return;
	}
	if (!read_notification(a, req->uri) || req->body_len != 0) {
		a->bad = true;
		m2m_http_response_status(resp, 400, NULL);
		return;
	}
	/* The first is left unconfirmed: the device must send it again. */
	if (a->notifs++ == 0) {
		m2m_http_response_status(resp, 204, NULL);
		return;
	}
	script[14] = (uint8_t)(a->seq >> 8);
	script[15] = (uint8_t)a->seq;
	(void)m2m_http_response_header(resp, "X-Admin-Next-URI", "/next/1");
	(void)m2m_http_response_header(resp, "Content-Type", M2M_SCP81_CT_SCRIPT);
	(void)m2m_http_response_body(resp, script, sizeof script);
	m2m_http_response_chunked(resp, true);
}

static void admin_start(harness *h, admin *a)
{
	m2m_tls_psk_server_opts po = {lookup, a, NULL, NULL};
	m2m_http_server_opts so;
	SSL_CTX *ctx = NULL;
	m2m_scp80_keys k;

	h_keys(1, &k, a->psk);
	m2m_scp80_keys_wipe(&k);
	assert_int_equal(m2m_tls_psk_server_ctx(&po, &ctx), M2M_OK);
	memset(&so, 0, sizeof so);
	so.tls = ctx;
	so.handler = handler;
	so.arg = a;
	assert_int_equal(m2m_http_server_new(h->base, &so, &a->srv), M2M_OK);
	SSL_CTX_free(ctx);
}

static bool confirmed(harness *h, void *arg)
{
	m2m_farm_stats s;

	(void)arg;
	h_stats(h, &s);
	return s.notif_confirmed == 1 && s.pending_notif == 0 && s.busy == 0;
}

static void test_notify_https(void **state)
{
	harness *h = h_new();
	admin a;
	char url[64], eid_hex[33];
	uint8_t eid[16];
	m2m_scp80_hdr hd = h_hdr(SPI2_SUBMIT, 1);
	m2m_farm_stats st;
	m2m_buf data;

	(void)state;
	memset(&a, 0, sizeof a);
	m2m_buf_init(&data);
	h_make_db(h, 2, true);
	admin_start(h, &a);
	snprintf(url, sizeof url, "https://127.0.0.1:%u/polling", m2m_http_server_port(a.srv));
	h->cfg.scp81_url = url;
	h->cfg.scp81_timeout_ms = 20000;
	h->cfg.notify_https = true;
	h_start(h);
	h_send(h, 1, &hd, ENABLE_11);
	assert_int_equal(h_por(h, 1, &hd, &data), M2M_POR_OK);
	h_until(h, confirmed, NULL, "the notification confirmed over HTTPS");
	assert_false(a.bad);
	assert_int_equal(a.notifs, 2);
	assert_int_equal(a.answers, 1);
	assert_int_equal(a.type, M2M_EUICC_NOTIF_CHANGE_OK);
	h_eid(1, eid);
	m2m_hex_encode(eid, 16, eid_hex);
	assert_string_equal(a.eid_hex, eid_hex);
	/* AF80 {80 01 01, 23 04 {80 00 90 00}} 0000: confirmed, nothing deleted. */
	assert_string_equal(a.answer, "af80800101230480009000" "0000");
	h_stats(h, &st);
	assert_int_equal(st.notif_sent, 2);
	assert_int_equal(st.scp81_ok, 2);
	/* Nothing but the PoR went by SMS: no command packet (IEI 70) from the device. */
	for (size_t i = 0; i < h->ndl; i++)
		assert_int_not_equal(h_iei(h->dl[i].msg, h->dl[i].msg_len), M2M_SMS_IEI_CPI);
	h_stop_farm(h);
	m2m_http_server_free(a.srv);
	m2m_buf_free(&data);
	h_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notify_https),
	};
	int rc;

	m2m_log_setup(M2M_LOG_WARN, M2M_LOG_PLAIN, stderr);
	assert_int_equal(m2m_http_global_init(), M2M_OK);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	m2m_http_global_cleanup();
	return rc;
}
