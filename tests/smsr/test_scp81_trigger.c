/* The trigger the SM-SR sends: known bytes from the recorded whty triggers (sgp02-bearers
 * 2.2), pySim's 85 layout, the card layer's parser reading it back, and the eUICC's OTA front
 * end taking it from an SCP80 SMS in one part. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "euicc/test_ota_common.h"
#include "smsr/scp81_server.h"

/* whty SR log, 195 triggers (sgp02-bearers 2.2, the variant without 24 01 FF): 84 {35 01 03,
 * 39 02 0500, 3C 03 02 1F9A, 3E 05 21 0A08287D} and 89 {8A "10.8.40.125"}. */
#define WHTY_CONN "350103" "39020500" "3c03021f9a" "3e05210a08287d"
#define WHTY_HOST "8a0b" "31302e382e34302e313235"
#define WHTY "8126" "8324" "8413" WHTY_CONN "890d" WHTY_HOST

static void whty_params(m2m_scp81_server_trigger *t)
{
	memset(t, 0, sizeof *t);
	t->ip[0] = 10, t->ip[1] = 8, t->ip[2] = 40, t->ip[3] = 125;
	t->ip_len = 4;
	t->port = 8090;
	t->host = "10.8.40.125";
}

static void build_hex(const m2m_scp81_server_trigger *t, char *out)
{
	m2m_buf b;

	m2m_buf_init(&b);
	assert_int_equal(m2m_scp81_server_trigger_build(t, &b), M2M_OK);
	m2m_hex_encode(b.data, b.len, out);
	m2m_buf_free(&b);
}

static void test_whty(void **state)
{
	m2m_scp81_server_trigger t;
	char hx[512];

	(void)state;
	whty_params(&t);
	build_hex(&t, hx);
	assert_string_equal(hx, WHTY);
	/* Buffer size given (1280 is the default). */
	t.buffer_size = 1280;
	build_hex(&t, hx);
	assert_string_equal(hx, WHTY);
}

/* whty's 67 triggers with an APN: 39 02 058E, 47 15 08"internet"07"itelcel"03"com",
 * 3C 03 02 20FB; njiwa's order 35 39 47 3C 3E. IPv6: 3E 11 57 <16 bytes>. */
static void test_apn_ipv6(void **state)
{
	m2m_scp81_server_trigger t;
	char hx[512];

	(void)state;
	memset(&t, 0, sizeof t);
	memset(t.ip, 0, 16);
	t.ip[0] = 0x20, t.ip[1] = 0x01, t.ip[2] = 0x0d, t.ip[3] = 0xb8, t.ip[15] = 0x01;
	t.ip_len = 16;
	t.port = 0x20FB;
	t.buffer_size = 0x058E;
	t.apn = "internet.itelcel.com";
	build_hex(&t, hx);
	assert_string_equal(hx, "813a" "8338" "8436" "350103" "3902058e"
				"4715" "08696e7465726e6574" "076974656c63656c" "03636f6d"
				"3c030220fb" "3e1157" "20010db8000000000000000000000001");
}

/* 85 in pySim's layout (Lpskid pskid 02 KVN KID), 86 with the timer and the report flag, all
 * of 89; the card layer's parser gets every value back. */
static void test_security_retry_http(void **state)
{
	static const uint8_t pskid[4] = {0xDE, 0xAD, 0xBE, 0xEF};
	m2m_scp81_server_trigger t;
	m2m_scp81_trigger p;
	m2m_buf b;
	char hx[512];

	(void)state;
	memset(&t, 0, sizeof t);
	t.has_psk = true;
	t.kvn = 0x40;
	t.kid = 0x01;
	t.psk_id = pskid;
	t.psk_id_len = sizeof pskid;
	t.has_retry = true;
	t.retry_counter = 3;
	t.retry_timer[1] = 0x01;
	t.retry_report = true;
	t.host = "smsr.example";
	t.agent_id = "agent";
	t.uri = "/admin";
	build_hex(&t, hx);
	assert_string_equal(hx, "8136" "8334" "850804deadbeef024001" "86090003a5030001008700"
				"891d" "8a0c736d73722e6578616d706c65" "8b056167656e74"
				"8c062f61646d696e");
	m2m_buf_init(&b);
	assert_int_equal(m2m_scp81_server_trigger_build(&t, &b), M2M_OK);
	assert_int_equal(m2m_scp81_trigger_parse(b.data, b.len, &p, NULL), M2M_OK);
	assert_true(p.has_psk && p.kvn == 0x40 && p.kid == 0x01 && p.psk_id.len == 4);
	assert_true(p.has_retry && p.retry_counter == 3 && p.retry_report);
	assert_memory_equal(p.retry_timer, "\x00\x01\x00", 3);
	assert_true(p.has_http && p.admin_uri.len == 6 && p.conn.p == NULL);
	m2m_buf_free(&b);
	/* Nothing set: 81 00, the card's defaults. */
	memset(&t, 0, sizeof t);
	build_hex(&t, hx);
	assert_string_equal(hx, "8100");
	/* 85 with an empty PSK identifier. */
	t.has_psk = true;
	t.kvn = 0x41;
	t.kid = 0x01;
	build_hex(&t, hx);
	assert_string_equal(hx, "8108" "8306" "8504" "00024101");
}

static void test_refused(void **state)
{
	m2m_scp81_server_trigger t;
	m2m_buf b;
	const char *apns[] = {"", "a..b", "net.", ".net", "sp ace",
			      "x123456789012345678901234567890123456789012345678901234567890123"};

	(void)state;
	m2m_buf_init(&b);
	whty_params(&t);
	t.ip_len = 5;
	assert_int_equal(m2m_scp81_server_trigger_build(&t, &b), M2M_ERR_ARG);
	whty_params(&t);
	t.port = 0;
	assert_int_equal(m2m_scp81_server_trigger_build(&t, &b), M2M_ERR_ARG);
	whty_params(&t);
	t.host = "bad host";
	assert_int_equal(m2m_scp81_server_trigger_build(&t, &b), M2M_ERR_ARG);
	whty_params(&t);
	t.uri = "/a\r\nX-Injected: 1";
	assert_int_equal(m2m_scp81_server_trigger_build(&t, &b), M2M_ERR_ARG);
	whty_params(&t);
	t.has_psk = true;
	t.kvn = 0x30; /* not an SCP81 key set */
	assert_int_equal(m2m_scp81_server_trigger_build(&t, &b), M2M_ERR_ARG);
	t.kvn = 0x41;
	t.psk_id_len = 3; /* no bytes */
	assert_int_equal(m2m_scp81_server_trigger_build(&t, &b), M2M_ERR_ARG);
	for (size_t i = 0; i < sizeof apns / sizeof apns[0]; i++) {
		whty_params(&t);
		t.apn = apns[i];
		assert_int_equal(m2m_scp81_server_trigger_build(&t, &b), M2M_ERR_ARG);
	}
	assert_int_equal(m2m_scp81_server_trigger_build(NULL, &b), M2M_ERR_ARG);
	assert_int_equal(b.len, 0);
	m2m_buf_free(&b);
}

/* The eUICC takes it from one SCP80 SMS (SPI 16 19, TAR 000001): host, URI, key set, the 84
 * TLVs it hands to the device for OPEN CHANNEL, and the PSK identity it will use. */
static void test_card_takes_it(void **state)
{
	rig *r = rig_new();
	m2m_scp80_hdr h = srv_hdr(0x16, 0x19, M2M_SCP80_TAR_ISDR, 6);
	m2m_scp81_server_trigger t;
	m2m_buf trig, conn, id, psk;
	char hx[256];

	(void)state;
	m2m_buf_init(&trig);
	m2m_buf_init(&conn);
	m2m_buf_init(&id);
	m2m_buf_init(&psk);
	whty_params(&t);
	t.has_psk = true;
	t.kvn = 0x41;
	t.kid = 0x02;
	t.uri = "/scp81/admin";
	assert_int_equal(m2m_scp81_server_trigger_build(&t, &trig), M2M_OK);
	srv_packet(r, &h, &trig);
	assert_int_equal(r->nparts, 1); /* no concatenation, as in every whty trigger */
	feed_ud(r, r->parts[0].data, r->parts[0].len, M2M_SMS_DCS_CLASS2_8BIT);
	assert_true(r->out.scp81_open);
	assert_int_equal(r->out.por_status, 0);
	assert_string_equal(r->ota.scp81.host, "10.8.40.125");
	assert_string_equal(r->ota.scp81.uri, "/scp81/admin");
	assert_int_equal(r->ota.scp81.kvn, 0x41);
	assert_int_equal(r->ota.scp81.kid, 0x02);
	hexbuf(WHTY_CONN, &conn);
	assert_int_equal(r->ota.scp81.conn_len, conn.len);
	assert_memory_equal(r->ota.scp81.conn, conn.data, conn.len);
	assert_int_equal(m2m_euicc_ota_scp81_psk(r->c->e, &r->ota, &id, &psk), M2M_OK);
	assert_int_equal(id.len, 90);
	memcpy(hx, id.data, id.len);
	hx[id.len] = '\0';
	assert_string_equal(hx, "800102" "8110" EID_HEX "4F10A0000005591010FFFFFFFF8900000100"
				"820102" "830141");
	m2m_buf_free(&trig);
	m2m_buf_free(&conn);
	m2m_buf_free(&id);
	m2m_buf_free(&psk);
	rig_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whty),
		cmocka_unit_test(test_apn_ipv6),
		cmocka_unit_test(test_security_retry_http),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_card_takes_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
