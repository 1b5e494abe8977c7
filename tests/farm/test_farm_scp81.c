/* SCP81 through the farm: a trigger SMS makes the device open TLS-PSK HTTPS to an admin
 * server (net/http_server with a PSK context, on the same loop), which sends a GET DATA EID
 * script and ends the session with 204. The device's SMS wait meanwhile. */
#define _GNU_SOURCE /* memmem */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "card/scp81.h"
#include "farm_harness.h"
#include "net/http_server.h"
#include "net/tls.h"

#define TRIGGER "8100" /* the secured data is the trigger itself: 81 00, card defaults */
#define GET_EID "AA07 2205 80CA005A00"
#define SPI2_SUBMIT 0x39

typedef struct {
	m2m_http_server *srv;
	bool wrong_key;
	int lookups, posts;
	char identity[128];
	char uri[2][64];
	bool second_has_eid;
	bool first_had_status;
	uint8_t psk[16];
	char expect_id[128];
} admin;

static m2m_err lookup(void *arg, const char *identity, uint8_t *key, size_t cap, size_t *len)
{
	admin *a = arg;

	a->lookups++;
	snprintf(a->identity, sizeof a->identity, "%s", identity);
	if (strcmp(identity, a->expect_id) != 0 || cap < 16)
		return M2M_ERR_TLV_NOT_FOUND;
	memcpy(key, a->psk, 16);
	if (a->wrong_key)
		key[0] ^= 0xFF;
	*len = 16;
	return M2M_OK;
}

static void handler(void *arg, const m2m_http_request *req, m2m_http_response *resp)
{
	static const uint8_t script[] = {0xAE, 0x80, 0x22, 0x05, 0x80, 0xCA, 0x00,
					 0x5A, 0x00, 0x00, 0x00};
	admin *a = arg;
	int n = a->posts++;

	if (n < 2)
		snprintf(a->uri[n], sizeof a->uri[n], "%s", req->uri);
	(void)m2m_http_response_header(resp, "X-Admin-Protocol", M2M_SCP81_PROTOCOL);
	if (n == 0) {
		a->first_had_status = m2m_http_request_header(req, "X-Admin-Script-Status") != NULL;
		(void)m2m_http_response_header(resp, "X-Admin-Next-URI", "/next/1");
		(void)m2m_http_response_header(resp, "X-Admin-Targeted-Application",
					       "//aid/A000000559/1010FFFFFFFF8900000100");
		(void)m2m_http_response_header(resp, "Content-Type", M2M_SCP81_CT_SCRIPT);
		(void)m2m_http_response_body(resp, script, sizeof script);
		m2m_http_response_chunked(resp, true);
		return;
	}
	/* AF80 { 23 L 5A10 EID 9000 } 0000 */
	a->second_has_eid = req->body_len > 20 && req->body[0] == 0xAF &&
			    memmem(req->body, req->body_len, "\x5A\x10\x89\x99", 4) != NULL &&
			    memmem(req->body, req->body_len, "\x90\x00", 2) != NULL;
	m2m_http_response_status(resp, 204, NULL);
}

static void admin_start(harness *h, admin *a)
{
	m2m_tls_psk_server_opts po = {lookup, a, NULL, NULL};
	m2m_http_server_opts so;
	m2m_scp81_psk_id id;
	m2m_buf b;
	SSL_CTX *ctx = NULL;
	m2m_scp80_keys k;
	uint8_t eid[16];

	h_keys(0, &k, a->psk);
	m2m_scp80_keys_wipe(&k);
	h_eid(0, eid);
	memset(&id, 0, sizeof id);
	memcpy(id.eid, eid, 16);
	assert_int_equal(m2m_hex_decode_exact("A0000005591010FFFFFFFF8900000100", id.isdr.b, 16),
			 M2M_OK);
	id.isdr.len = 16;
	id.key_id = 0x01;
	id.kvn = 0x40;
	m2m_buf_init(&b);
	assert_int_equal(m2m_scp81_psk_id_build_hex(&id, &b), M2M_OK);
	snprintf(a->expect_id, sizeof a->expect_id, "%.*s", (int)b.len, (const char *)b.data);
	m2m_buf_free(&b);
	assert_int_equal(m2m_tls_psk_server_ctx(&po, &ctx), M2M_OK);
	memset(&so, 0, sizeof so);
	so.tls = ctx;
	so.handler = handler;
	so.arg = a;
	assert_int_equal(m2m_http_server_new(h->base, &so, &a->srv), M2M_OK);
	SSL_CTX_free(ctx);
}

static bool sessions_done(harness *h, void *arg)
{
	m2m_farm_stats s;

	h_stats(h, &s);
	return s.scp81_ok + s.scp81_failed >= *(uint64_t *)arg;
}

static void run_session(bool wrong_key)
{
	harness *h = h_new();
	admin a;
	char url[64];
	m2m_scp80_hdr t = h_hdr(SPI2_SUBMIT, 1), g = h_hdr(SPI2_SUBMIT, 2);
	m2m_farm_stats st;
	m2m_buf data;
	uint64_t one = 1;
	json_t *dev;

	memset(&a, 0, sizeof a);
	a.wrong_key = wrong_key;
	m2m_buf_init(&data);
	h_make_db(h, 1, false);
	admin_start(h, &a);
	snprintf(url, sizeof url, "https://127.0.0.1:%u/polling", m2m_http_server_port(a.srv));
	h->cfg.scp81_url = url;
	h->cfg.scp81_timeout_ms = 20000;
	h_start(h);
	/* The trigger and, right behind it, a GET DATA: the second waits for the session. */
	h_send(h, 0, &t, TRIGGER);
	h_send(h, 0, &g, GET_EID);
	assert_int_equal(h_por(h, 0, &t, &data), M2M_POR_OK);
	h_until(h, sessions_done, &one, "the SCP81 session");
	assert_int_equal(h_por(h, 0, &g, &data), M2M_POR_OK);
	assert_true(h_contains(&data, "5A10"));
	h_stats(h, &st);
	assert_int_equal(st.mt_stored, 1);
	assert_int_equal(st.busy, 0);
	assert_true(a.lookups >= 1);
	assert_string_equal(a.identity, a.expect_id);
	if (wrong_key) {
		assert_int_equal(st.scp81_failed, 1);
		assert_int_equal(a.posts, 0);
	} else {
		assert_int_equal(st.scp81_ok, 1);
		assert_int_equal(a.posts, 2);
		assert_string_equal(a.uri[0], "/polling");
		assert_string_equal(a.uri[1], "/next/1");
		assert_false(a.first_had_status);
		assert_true(a.second_has_eid);
	}
	dev = h_device(h, 0);
	assert_false(json_boolean_value(json_object_get(json_object_get(dev, "runtime"), "busy")));
	json_decref(dev);
	h_stop_farm(h);
	m2m_http_server_free(a.srv);
	m2m_buf_free(&data);
	h_free(h);
}

static void test_scp81_session(void **state)
{
	(void)state;
	run_session(false);
}

static void test_scp81_wrong_psk(void **state)
{
	(void)state;
	run_session(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scp81_session),
		cmocka_unit_test(test_scp81_wrong_psk),
	};
	int rc;

	m2m_log_setup(M2M_LOG_WARN, M2M_LOG_PLAIN, stderr);
	assert_int_equal(m2m_http_global_init(), M2M_OK);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	m2m_http_global_cleanup();
	return rc;
}
