/*
 * SCP81 message layer. Known answers:
 *  - PSK identity: SGP.02 2.4.4.1 layout (fact sheet 3.2, njiwa RamHttp.makePskId), bytes
 *    written out by hand below for the whty test card's EID and the ISD-R AID.
 *  - trigger: osmocom/pysim pySim/global_platform/http.py @949c2a2 _test_de_encode vectors
 *    (85 "850804deadbeef020040", 8A "admin.host", 8C "https://admin.host/uri"), and the whty
 *    SR log trigger of sgp02-bearers 2.2 (84 + 89{8A "10.8.40.125"}, 43 bytes as logged).
 *  - HTTP: header sets of sgp02-bearers 3.1/3.3 (whty traces), bodies of fact sheet 3.2.
 *  - chunked: the MDN and Wikipedia "chunked transfer encoding" examples.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "card/scp81.h"
#include "core/hex.h"

#define EID "89001012012341234012345678901224"
#define ISDR "A0000005591010FFFFFFFF8900000100"
#define ISDP "A0000005591010FFFFFFFF8900001300"
#define SERVER_BODY "ae80220580caff21000000"
#define CARD_BODY "af808001012304930590000000"

static void unhex(const char *hex, uint8_t *out, size_t want)
{
	assert_int_equal(m2m_hex_decode_exact(hex, out, want), M2M_OK);
}

static void hexbuf(const char *hex, m2m_buf *b)
{
	m2m_buf_init(b);
	assert_int_equal(m2m_hex_decode_buf(hex, b), M2M_OK);
}

static void assert_hex(const m2m_buf *b, const char *want)
{
	char got[512];
	assert_true(b->len * 2 < sizeof got);
	m2m_hex_encode(b->data, b->len, got);
	assert_string_equal(got, want);
}

static void assert_text(const m2m_buf *b, const char *want)
{
	assert_int_equal(b->len, strlen(want));
	assert_memory_equal(b->data, want, b->len);
}

static void set_aid(m2m_scp81_aid *aid, const char *hex)
{
	aid->len = strlen(hex) / 2;
	unhex(hex, aid->b, aid->len);
}

static bool str_is(m2m_scp81_str s, const char *want)
{
	return s.p != NULL && s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

/* ---- PSK identity ---- */

static void make_psk_id(m2m_scp81_psk_id *id)
{
	memset(id, 0, sizeof *id);
	unhex(EID, id->eid, sizeof id->eid);
	set_aid(&id->isdr, ISDR);
	id->key_id = 0x01;
	id->kvn = 0x40;
}

/* 80 01 02 | 81 10 EID | 4F 10 AID | 82 01 01 | 83 01 40, by hand from the layout. */
#define PSK_ID_HEX                                                                            \
	"800102" "8110" EID "4F10" ISDR "820101" "830140"

static void test_psk_id_known_answer(void **state)
{
	(void)state;
	m2m_scp81_psk_id id;
	m2m_buf b;
	make_psk_id(&id);
	m2m_buf_init(&b);
	assert_int_equal(m2m_scp81_psk_id_build_hex(&id, &b), M2M_OK);
	assert_int_equal(b.len, 90);
	assert_text(&b, PSK_ID_HEX);
	m2m_buf_reset(&b);
	assert_int_equal(m2m_scp81_psk_id_build(&id, &b), M2M_OK);
	assert_int_equal(b.len, M2M_SCP81_PSK_ID_LEN);
	assert_int_equal(b.data[0], 0x80);
	assert_int_equal(b.data[44], 0x40);
	m2m_buf_free(&b);
}

static void test_psk_id_round_trip(void **state)
{
	(void)state;
	m2m_scp81_psk_id id, got;
	m2m_buf b;
	make_psk_id(&id);
	id.key_id = 0x03;
	id.kvn = 0x4F;
	m2m_buf_init(&b);
	assert_int_equal(m2m_scp81_psk_id_build_hex(&id, &b), M2M_OK);
	assert_int_equal(m2m_scp81_psk_id_parse_hex((const char *)b.data, b.len, &got, NULL),
			 M2M_OK);
	assert_memory_equal(got.eid, id.eid, 16);
	assert_int_equal(got.isdr.len, 16);
	assert_memory_equal(got.isdr.b, id.isdr.b, 16);
	assert_int_equal(got.key_id, 0x03);
	assert_int_equal(got.kvn, 0x4F);
	m2m_buf_free(&b);
}

static void test_psk_id_lower_case(void **state)
{
	(void)state;
	char lc[] = PSK_ID_HEX;
	m2m_scp81_psk_id got;
	for (char *c = lc; *c; c++)
		if (*c >= 'A' && *c <= 'F')
			*c = (char)(*c - 'A' + 'a');
	assert_int_equal(m2m_scp81_psk_id_parse_hex(lc, strlen(lc), &got, NULL), M2M_OK);
	assert_int_equal(got.kvn, 0x40);
	assert_int_equal(got.eid[0], 0x89);
}

static void expect_psk_err(const char *hex, m2m_err want)
{
	m2m_scp81_psk_id got;
	const char *why = NULL;
	assert_int_equal(m2m_scp81_psk_id_parse_hex(hex, strlen(hex), &got, &why), want);
	assert_non_null(why);
}

static void test_psk_id_malformed(void **state)
{
	(void)state;
	m2m_scp81_psk_id id;
	m2m_buf b;
	expect_psk_err("", M2M_ERR_TLV_NOT_FOUND);
	expect_psk_err("80010", M2M_ERR_HEX);                                    /* odd */
	expect_psk_err("8001XX", M2M_ERR_HEX);                                   /* not hex */
	expect_psk_err("800103" "8110" EID "4F10" ISDR "820101" "830140", M2M_ERR_UNSUPPORTED);
	expect_psk_err("800102" "810F" "890010120123412340123456789012" "4F10" ISDR "820101"
		       "830140", M2M_ERR_FORMAT);                                /* short EID */
	expect_psk_err("800102" "4F10" ISDR "8110" EID "820101" "830140", M2M_ERR_FORMAT);
	expect_psk_err("800102" "8110" EID "4F10" ISDR "820101" "830130", M2M_ERR_FORMAT);
	expect_psk_err("800102" "8110" EID "4F10" ISDR "820101", M2M_ERR_TLV_NOT_FOUND);
	expect_psk_err("800102" "8110" EID "4F10" ISDR "820101" "8301", M2M_ERR_TLV_OVERRUN);
	/* 92 characters: beyond any SGP.02 identity. */
	expect_psk_err(PSK_ID_HEX "00", M2M_ERR_FORMAT);
	/* Trailing TLV after the KVN, with a short AID to stay within 90 characters. */
	expect_psk_err("800102" "8110" EID "4F05A000000559" "820101" "830140" "0100",
		       M2M_ERR_TLV_TRAILING);
	/* Build refuses a KVN outside 40..4F. */
	make_psk_id(&id);
	id.kvn = 0x30;
	m2m_buf_init(&b);
	assert_int_equal(m2m_scp81_psk_id_build(&id, &b), M2M_ERR_ARG);
	assert_int_equal(b.len, 0);
	m2m_buf_free(&b);
}

/* ---- trigger ---- */

static void test_trigger_pysim_security(void **state)
{
	(void)state;
	static const uint8_t pskid[] = {0xde, 0xad, 0xbe, 0xef};
	m2m_scp81_trigger t, got;
	m2m_buf b;
	memset(&t, 0, sizeof t);
	t.has_psk = true;
	t.psk_id.p = pskid;
	t.psk_id.len = sizeof pskid;
	t.kvn = 0x00;
	t.kid = 0x40;
	m2m_buf_init(&b);
	assert_int_equal(m2m_scp81_trigger_build(&t, &b), M2M_OK);
	/* pySim: 850804deadbeef020040 = {psk_id deadbeef, kvn 0, kid 64, sha_type None}. */
	assert_hex(&b, "810c830a" "850804deadbeef020040");
	assert_int_equal(m2m_scp81_trigger_parse(b.data, b.len, &got, NULL), M2M_OK);
	assert_true(got.has_psk);
	assert_int_equal(got.psk_id.len, 4);
	assert_memory_equal(got.psk_id.p, pskid, 4);
	assert_int_equal(got.kvn, 0x00);
	assert_int_equal(got.kid, 0x40);
	assert_false(got.has_sha);
	assert_false(got.has_http);
	assert_null(got.conn.p);
	m2m_buf_free(&b);
}

static void test_trigger_pysim_http(void **state)
{
	(void)state;
	m2m_scp81_trigger t, got;
	m2m_buf b;
	memset(&t, 0, sizeof t);
	t.has_http = true;
	t.admin_host = m2m_scp81_str_c("admin.host");
	t.admin_uri = m2m_scp81_str_c("https://admin.host/uri");
	m2m_buf_init(&b);
	assert_int_equal(m2m_scp81_trigger_build(&t, &b), M2M_OK);
	assert_hex(&b, "8128" "8326" "8924" "8a0a61646d696e2e686f7374"
		       "8c1668747470733a2f2f61646d696e2e686f73742f757269");
	assert_int_equal(m2m_scp81_trigger_parse(b.data, b.len, &got, NULL), M2M_OK);
	assert_true(str_is(got.admin_host, "admin.host"));
	assert_true(str_is(got.admin_uri, "https://admin.host/uri"));
	assert_null(got.agent_id.p);
	m2m_buf_free(&b);
}

/* whty SR log (sgp02-bearers 2.2): 84 {35 01 03, 39 02 0500, 3C 03 02 1F9A, 24 01 FF,
 * 3E 05 21 0A08287D} and 89 {8A "10.8.40.125"}: 43 bytes, the logged trigger size. */
#define WHTY_CONN "3501033902050" "03C03021F9A2401FF3E05210A08287D"
#define WHTY_TRIGGER "8129" "8327" "8416" WHTY_CONN "890d8a0b31302e382e34302e313235"

static void test_trigger_whty(void **state)
{
	(void)state;
	m2m_scp81_trigger got;
	m2m_buf b;
	hexbuf(WHTY_TRIGGER, &b);
	assert_int_equal(b.len, 43);
	assert_int_equal(m2m_scp81_trigger_parse(b.data, b.len, &got, NULL), M2M_OK);
	assert_int_equal(got.conn.len, 22);
	assert_int_equal(got.conn.p[0], 0x35);
	assert_false(got.has_psk);
	assert_false(got.has_retry);
	assert_true(got.has_http);
	assert_true(str_is(got.admin_host, "10.8.40.125"));
	assert_null(got.admin_uri.p);
	/* Rebuilt from the parsed fields, the bytes come out the same. */
	m2m_buf out;
	m2m_buf_init(&out);
	assert_int_equal(m2m_scp81_trigger_build(&got, &out), M2M_OK);
	assert_int_equal(out.len, b.len);
	assert_memory_equal(out.data, b.data, b.len);
	m2m_buf_free(&out);
	m2m_buf_free(&b);
}

static void test_trigger_full_round_trip(void **state)
{
	(void)state;
	static const uint8_t conn[] = {0x35, 0x01, 0x03, 0x3C, 0x03, 0x02, 0x15, 0x43};
	static const uint8_t fqdn[] = {0x05, 's', 'm', '-', 's', 'r'};
	static const uint8_t pskid[] = PSK_ID_HEX;
	m2m_scp81_trigger t, got;
	m2m_buf b;
	memset(&t, 0, sizeof t);
	t.conn.p = conn;
	t.conn.len = sizeof conn;
	t.has_psk = true;
	t.psk_id.p = pskid;
	t.psk_id.len = 90;
	t.kvn = 0x40;
	t.kid = 0x01;
	t.has_sha = true;
	t.sha_type = 0x02;
	t.has_retry = true;
	t.retry_counter = 3;
	t.retry_timer[1] = 0x02; /* njiwa: h m s */
	t.retry_report = true;
	t.has_http = true;
	t.admin_host = m2m_scp81_str_c("smsr.example");
	t.agent_id = m2m_scp81_str_c("//se-id/eid/" EID);
	t.admin_uri = m2m_scp81_str_c("/polling/42");
	t.has_dns = true;
	t.dns_fqdn.p = fqdn;
	t.dns_fqdn.len = sizeof fqdn;
	m2m_buf_init(&b);
	assert_int_equal(m2m_scp81_trigger_build(&t, &b), M2M_OK);
	/* 83 is longer than 127 bytes: 81 81 xx 83 81 xx. */
	assert_int_equal(b.data[0], 0x81);
	assert_int_equal(b.data[1], 0x81);
	assert_int_equal(m2m_scp81_trigger_parse(b.data, b.len, &got, NULL), M2M_OK);
	assert_int_equal(got.conn.len, sizeof conn);
	assert_int_equal(got.psk_id.len, 90);
	assert_memory_equal(got.psk_id.p, pskid, 90);
	assert_true(got.has_sha);
	assert_int_equal(got.sha_type, 2);
	assert_int_equal(got.kvn, 0x40);
	assert_int_equal(got.kid, 0x01);
	assert_true(got.has_retry);
	assert_int_equal(got.retry_counter, 3);
	assert_int_equal(got.retry_timer[1], 2);
	assert_true(got.retry_report);
	assert_true(str_is(got.agent_id, "//se-id/eid/" EID));
	assert_true(str_is(got.admin_uri, "/polling/42"));
	assert_true(got.has_dns);
	assert_int_equal(got.dns_fqdn.len, sizeof fqdn);
	assert_null(got.dns_conn.p);
	m2m_buf_free(&b);
}

static void test_trigger_default(void **state)
{
	(void)state;
	m2m_scp81_trigger t, got;
	m2m_buf b;
	memset(&t, 0, sizeof t);
	assert_true(m2m_scp81_trigger_is_default(&t));
	m2m_buf_init(&b);
	assert_int_equal(m2m_scp81_trigger_build(&t, &b), M2M_OK);
	assert_hex(&b, "8100");
	assert_int_equal(m2m_scp81_trigger_parse(b.data, b.len, &got, NULL), M2M_OK);
	assert_true(m2m_scp81_trigger_is_default(&got));
	m2m_buf_free(&b);
}

/* njiwa's retry policy bytes: counter 3, A5 03 00 02 00 (2 minutes), 87 00. */
static void test_trigger_retry_njiwa(void **state)
{
	(void)state;
	m2m_scp81_trigger got;
	m2m_buf b;
	hexbuf("810d830b8609" "0003a503000200" "8700", &b);
	assert_int_equal(m2m_scp81_trigger_parse(b.data, b.len, &got, NULL), M2M_OK);
	assert_true(got.has_retry);
	assert_int_equal(got.retry_counter, 3);
	assert_int_equal(got.retry_timer[0], 0);
	assert_int_equal(got.retry_timer[1], 2);
	assert_true(got.retry_report);
	m2m_buf_free(&b);
}

static void expect_trigger_err(const char *hex, m2m_err want)
{
	m2m_scp81_trigger got;
	const char *why = NULL;
	m2m_buf b;
	hexbuf(hex, &b);
	assert_int_equal(m2m_scp81_trigger_parse(b.data, b.len, &got, &why), want);
	assert_non_null(why);
	m2m_buf_free(&b);
}

static void test_trigger_malformed(void **state)
{
	(void)state;
	expect_trigger_err("", M2M_ERR_TLV_TRUNCATED);
	expect_trigger_err("8200", M2M_ERR_FORMAT);                   /* not 81 */
	expect_trigger_err("810000", M2M_ERR_TLV_TRAILING);
	expect_trigger_err("8105830385", M2M_ERR_TLV_OVERRUN);
	expect_trigger_err("8180", M2M_ERR_TLV_INDEF);                /* 81 is primitive */
	/* 85 twice. */
	expect_trigger_err("8116" "8314" "850804deadbeef020040" "850804deadbeef020040",
			   M2M_ERR_FORMAT);
	/* 85 with njiwa's doubled length (03 02 KVN KID). */
	expect_trigger_err("810d830b" "850904deadbeef03024001", M2M_ERR_FORMAT);
	/* 85 psk id length runs past the value. */
	expect_trigger_err("810a8308" "850609deadbeef02", M2M_ERR_FORMAT);
	/* 85 with two bytes after KID. */
	expect_trigger_err("810e830c" "850a04deadbeef0200400102", M2M_ERR_FORMAT);
	/* 86 without the timer, and with junk after it. */
	expect_trigger_err("8106830486020003", M2M_ERR_FORMAT);
	expect_trigger_err("810d830b8609" "0003a503000200" "8800", M2M_ERR_FORMAT);
	/* 8A with CR LF: would inject an HTTP header. */
	expect_trigger_err("810a830889068a0461610d0a", M2M_ERR_FORMAT);
	/* 8C twice. */
	expect_trigger_err("810c830a89088c022f618c022f62", M2M_ERR_FORMAT);
}

static void test_trigger_unknown_tags_skipped(void **state)
{
	(void)state;
	m2m_scp81_trigger got;
	m2m_buf b;
	/* 81 { 83 { 99 01 00, 89 { 8D 00, 8C 01 "/" } }, C0 00 } */
	hexbuf("810e" "830a" "990100" "8905" "8d00" "8c012f" "c000", &b);
	assert_int_equal(m2m_scp81_trigger_parse(b.data, b.len, &got, NULL), M2M_OK);
	assert_true(str_is(got.admin_uri, "/"));
	m2m_buf_free(&b);
}

/* ---- HTTP request ---- */

static void make_request(m2m_scp81_request *rq)
{
	memset(rq, 0, sizeof *rq);
	rq->uri = m2m_scp81_str_c("/server/adminagent?cmd=2");
	rq->host = m2m_scp81_str_c("10.8.40.125");
	unhex(EID, rq->eid, sizeof rq->eid);
	set_aid(&rq->agent, ISDR);
	rq->status = M2M_SCP81_SS_OK;
}

#define REQUEST_HEAD                                                                          \
	"POST /server/adminagent?cmd=2 HTTP/1.1\r\n"                                          \
	"Host: 10.8.40.125\r\n"                                                               \
	"X-Admin-Protocol: globalplatform-remote-admin/1.0\r\n"                               \
	"X-Admin-From: //se-id/eid/" EID ";//aa-id/aid/A000000559/1010FFFFFFFF8900000100\r\n" \
	"Content-Type: application/vnd.globalplatform.card-content-mgt-response;version=1.0\r\n" \
	"X-Admin-Script-Status: ok\r\n"                                                       \
	"Transfer-Encoding: chunked\r\n"                                                      \
	"\r\n"

static void test_request_exact_head(void **state)
{
	(void)state;
	m2m_scp81_request rq;
	uint8_t body[13];
	m2m_buf b;
	make_request(&rq);
	m2m_buf_init(&b);
	assert_int_equal(m2m_scp81_request_build_head(&rq, &b), M2M_OK);
	assert_text(&b, REQUEST_HEAD);
	/* With the card's reply body of fact sheet 3.2 as one chunk of 0x0D bytes. */
	unhex(CARD_BODY, body, sizeof body);
	m2m_buf_reset(&b);
	assert_int_equal(m2m_scp81_request_build(&rq, body, sizeof body, &b), M2M_OK);
	size_t head = strlen(REQUEST_HEAD);
	assert_int_equal(b.len, head + 3 + 13 + 2 + 5);
	assert_memory_equal(b.data + head, "D\r\n", 3);
	assert_memory_equal(b.data + head + 3, body, 13);
	assert_memory_equal(b.data + head + 16, "\r\n0\r\n\r\n", 7);
	m2m_buf_free(&b);
}

static void test_request_first_post(void **state)
{
	(void)state;
	m2m_scp81_request rq, got;
	m2m_buf b;
	size_t head_len;
	make_request(&rq);
	rq.uri = m2m_scp81_str_c("/polling");
	rq.status = M2M_SCP81_SS_NONE;
	rq.resume = true;
	m2m_buf_init(&b);
	assert_int_equal(m2m_scp81_request_build(&rq, NULL, 0, &b), M2M_OK);
	assert_int_equal(m2m_scp81_request_parse(b.data, b.len, &got, &head_len, NULL), M2M_OK);
	assert_int_equal(head_len, b.len);
	assert_true(str_is(got.uri, "/polling"));
	assert_true(str_is(got.host, "10.8.40.125"));
	assert_int_equal(got.status, M2M_SCP81_SS_NONE);
	assert_true(got.resume);
	assert_false(got.has_content_type);
	assert_int_equal(got.framing, M2M_SCP81_BODY_NONE);
	/* A first POST carries no body. */
	assert_int_equal(m2m_scp81_request_build(&rq, (const uint8_t *)"x", 1, &b), M2M_ERR_ARG);
	m2m_buf_free(&b);
}

static void test_request_round_trip(void **state)
{
	(void)state;
	static const m2m_scp81_script_status all[] = {
		M2M_SCP81_SS_OK, M2M_SCP81_SS_UNKNOWN_APPLICATION,
		M2M_SCP81_SS_NOT_A_SECURITY_DOMAIN, M2M_SCP81_SS_SECURITY_ERROR,
		M2M_SCP81_SS_UNAVAILABLE_SE};
	uint8_t body[13];
	unhex(CARD_BODY, body, sizeof body);
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		m2m_scp81_request rq, got;
		m2m_buf b, dec;
		size_t head_len, used;
		make_request(&rq);
		rq.status = all[i];
		set_aid(&rq.agent, "A000000559");
		m2m_buf_init(&b);
		m2m_buf_init(&dec);
		assert_int_equal(m2m_scp81_request_build(&rq, body, sizeof body, &b), M2M_OK);
		assert_int_equal(m2m_scp81_request_parse(b.data, b.len, &got, &head_len, NULL),
				 M2M_OK);
		assert_int_equal(got.status, all[i]);
		assert_memory_equal(got.eid, rq.eid, 16);
		assert_int_equal(got.agent.len, 5);
		assert_true(got.has_content_type);
		assert_int_equal(got.framing, M2M_SCP81_BODY_CHUNKED);
		assert_int_equal(m2m_scp81_chunked_decode(b.data + head_len, b.len - head_len,
							  M2M_SCP81_BODY_MAX, 0, &dec, &used, NULL),
				 M2M_OK);
		assert_int_equal(used, b.len - head_len);
		assert_int_equal(dec.len, sizeof body);
		assert_memory_equal(dec.data, body, sizeof body);
		m2m_buf_free(&dec);
		m2m_buf_free(&b);
	}
}

/* The whty card tool's spelling: lower case, "aaid", no body (sgp02-bearers 3.1, 3.3). */
static void test_request_whty_spelling(void **state)
{
	(void)state;
	static const char req[] = "POST /polling HTTP/1.1\r\n"
				  "host: 10.8.40.125\r\n"
				  "x-admin-protocol: globalplatform-remote-admin/1.0\r\n"
				  "x-admin-from:   //se-id/eid/" EID ";//aaid/aid/a000000559/"
				  "1010ffffffff8900000100 \r\n"
				  "x-admin-script-status: ok\r\n"
				  "\r\n";
	m2m_scp81_request got;
	uint8_t aid[16];
	assert_int_equal(m2m_scp81_request_parse((const uint8_t *)req, strlen(req), &got, NULL,
						 NULL),
			 M2M_OK);
	unhex(ISDR, aid, sizeof aid);
	assert_int_equal(got.agent.len, 16);
	assert_memory_equal(got.agent.b, aid, 16);
	assert_int_equal(got.eid[15], 0x24);
	assert_int_equal(got.status, M2M_SCP81_SS_OK);
	assert_int_equal(got.framing, M2M_SCP81_BODY_NONE);
}

#define H_PROTO "X-Admin-Protocol: globalplatform-remote-admin/1.0\r\n"
#define H_FROM "X-Admin-From: //se-id/eid/" EID ";//aa-id/aid/A000000559/1010FFFFFFFF8900000100\r\n"
#define H_HOST "Host: h\r\n"

static void expect_request_err(const char *text, m2m_err want)
{
	m2m_scp81_request got;
	const char *why = NULL;
	assert_int_equal(m2m_scp81_request_parse((const uint8_t *)text, strlen(text), &got, NULL,
						 &why),
			 want);
	assert_non_null(why);
}

static void test_request_rejected(void **state)
{
	(void)state;
	/* The control case parses. */
	m2m_scp81_request got;
	static const char ok[] = "POST / HTTP/1.1\r\n" H_HOST H_PROTO H_FROM "\r\n";
	assert_int_equal(m2m_scp81_request_parse((const uint8_t *)ok, strlen(ok), &got, NULL,
						 NULL),
			 M2M_OK);
	expect_request_err("POST / HTTP/1.1\r\n" H_HOST H_FROM "\r\n", M2M_ERR_FORMAT);
	expect_request_err("POST / HTTP/1.1\r\n" H_HOST
			   "X-Admin-Protocol: globalplatform-remote-admin/2.0\r\n" H_FROM "\r\n",
			   M2M_ERR_UNSUPPORTED);
	expect_request_err("POST / HTTP/1.1\r\n" H_HOST H_PROTO "\r\n", M2M_ERR_FORMAT);
	/* Malformed X-Admin-From: short EID, no ';', bad hex, odd PIX, no RID slash, ICCID. */
	expect_request_err("POST / HTTP/1.1\r\n" H_HOST H_PROTO
			   "X-Admin-From: //se-id/eid/8900;//aa-id/aid/A000000559/10\r\n\r\n",
			   M2M_ERR_FORMAT);
	expect_request_err("POST / HTTP/1.1\r\n" H_HOST H_PROTO
			   "X-Admin-From: //se-id/eid/" EID "//aa-id/aid/A000000559/10\r\n\r\n",
			   M2M_ERR_FORMAT);
	expect_request_err("POST / HTTP/1.1\r\n" H_HOST H_PROTO "X-Admin-From: //se-id/eid/"
			   "8900101201234123401234567890122G;//aa-id/aid/A000000559/10\r\n\r\n",
			   M2M_ERR_FORMAT);
	expect_request_err("POST / HTTP/1.1\r\n" H_HOST H_PROTO "X-Admin-From: //se-id/eid/" EID
			   ";//aa-id/aid/A000000559/101\r\n\r\n",
			   M2M_ERR_FORMAT);
	expect_request_err("POST / HTTP/1.1\r\n" H_HOST H_PROTO "X-Admin-From: //se-id/eid/" EID
			   ";//aa-id/aid/A0000005591010\r\n\r\n",
			   M2M_ERR_FORMAT);
	expect_request_err("POST / HTTP/1.1\r\n" H_HOST H_PROTO
			   "X-Admin-From: 8952020012540153470F\r\n\r\n",
			   M2M_ERR_FORMAT);
	/* HTTP-level faults. */
	expect_request_err("GET / HTTP/1.1\r\n" H_HOST H_PROTO H_FROM "\r\n", M2M_ERR_FORMAT);
	expect_request_err("POST / HTTP/1.0\r\n" H_HOST H_PROTO H_FROM "\r\n",
			   M2M_ERR_UNSUPPORTED);
	expect_request_err("POST / HTTP/1.1\r\n" H_PROTO H_FROM "\r\n", M2M_ERR_FORMAT);
	expect_request_err("POST / HTTP/1.1\r\n" H_HOST H_PROTO H_PROTO H_FROM "\r\n",
			   M2M_ERR_FORMAT);
	expect_request_err("POST / HTTP/1.1\r\n" H_HOST H_PROTO H_FROM
			   "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
			   M2M_ERR_FORMAT);
	expect_request_err("POST / HTTP/1.1\r\n" H_HOST H_PROTO H_FROM
			   "Transfer-Encoding: gzip\r\n\r\n",
			   M2M_ERR_UNSUPPORTED);
	expect_request_err("POST / HTTP/1.1\r\n" H_HOST H_PROTO H_FROM
			   "Content-Length: 1x\r\n\r\n",
			   M2M_ERR_FORMAT);
	expect_request_err("POST / HTTP/1.1\r\n" H_HOST H_PROTO H_FROM
			   "X-Admin-Script-Status: fine\r\n\r\n",
			   M2M_ERR_FORMAT);
	expect_request_err("POST / HTTP/1.1\r\n" H_HOST H_PROTO H_FROM
			   "Content-Type: text/plain\r\n\r\n",
			   M2M_ERR_FORMAT);
	expect_request_err("POST / HTTP/1.1\r\n" H_HOST H_PROTO H_FROM " folded\r\n\r\n",
			   M2M_ERR_FORMAT);
	expect_request_err("POST / HTTP/1.1\r\n" H_HOST "X-Admin-Protocol : x\r\n\r\n",
			   M2M_ERR_FORMAT);
	expect_request_err("POST / HTTP/1.1\nHost: h\r\n\r\n", M2M_ERR_FORMAT);
	expect_request_err("POST / HTTP/1.1\r\n" H_HOST, M2M_ERR_BOUNDS);
}

/* ---- HTTP response ---- */

static void test_response_round_trip(void **state)
{
	(void)state;
	m2m_scp81_response rs, got;
	uint8_t body[11];
	m2m_buf b, dec;
	size_t head_len, used;
	unhex(SERVER_BODY, body, sizeof body);
	memset(&rs, 0, sizeof rs);
	rs.status = 200;
	rs.next_uri = m2m_scp81_str_c("/server/adminagent?cmd=3");
	rs.has_target = true;
	set_aid(&rs.target, ISDP);
	m2m_buf_init(&b);
	m2m_buf_init(&dec);
	assert_int_equal(m2m_scp81_response_build(&rs, body, sizeof body, &b), M2M_OK);
	assert_int_equal(m2m_scp81_response_parse(b.data, b.len, &got, &head_len, NULL), M2M_OK);
	assert_int_equal(got.status, 200);
	assert_true(str_is(got.next_uri, "/server/adminagent?cmd=3"));
	assert_true(got.has_target);
	assert_int_equal(got.target.len, 16);
	assert_memory_equal(got.target.b, rs.target.b, 16);
	assert_true(got.has_protocol);
	assert_int_equal(got.framing, M2M_SCP81_BODY_CHUNKED);
	/* The script travels as one chunk of 0x0B bytes. */
	assert_memory_equal(b.data + head_len, "B\r\n", 3);
	assert_int_equal(m2m_scp81_chunked_decode(b.data + head_len, b.len - head_len, 64, 0, &dec,
						  &used, NULL),
			 M2M_OK);
	assert_int_equal(dec.len, sizeof body);
	assert_memory_equal(dec.data, body, sizeof body);
	m2m_buf_free(&dec);

	m2m_buf_reset(&b);
	memset(&rs, 0, sizeof rs);
	rs.status = 204;
	assert_int_equal(m2m_scp81_response_build(&rs, NULL, 0, &b), M2M_OK);
	assert_text(&b, "HTTP/1.1 204 No Content\r\n"
			"X-Admin-Protocol: globalplatform-remote-admin/1.0\r\n\r\n");
	assert_int_equal(m2m_scp81_response_parse(b.data, b.len, &got, NULL, NULL), M2M_OK);
	assert_int_equal(got.status, 204);
	assert_int_equal(got.framing, M2M_SCP81_BODY_NONE);
	/* Bad build arguments: 200 without next URI, 204 with a body, other codes. */
	rs.status = 200;
	assert_int_equal(m2m_scp81_response_build(&rs, body, sizeof body, &b), M2M_ERR_ARG);
	rs.status = 204;
	assert_int_equal(m2m_scp81_response_build(&rs, body, 1, &b), M2M_ERR_ARG);
	rs.status = 500;
	assert_int_equal(m2m_scp81_response_build(&rs, NULL, 0, &b), M2M_ERR_ARG);
	rs.status = 200;
	rs.next_uri = m2m_scp81_str_c("/a\r\nX-Evil: 1");
	assert_int_equal(m2m_scp81_response_build(&rs, body, 1, &b), M2M_ERR_ARG);
	m2m_buf_free(&b);
}

/* whty server spelling (sgp02-bearers 3.1/3.3): no space after colons, trailing space on the
 * status line, lower-case transfer-encoding, body ending "0\r\n" with no final CRLF. */
static void test_response_whty_spelling(void **state)
{
	(void)state;
	static const char head[] =
		"HTTP/1.1 200 OK \r\n"
		"X-Admin-Protocol:globalplatform-remote-admin/1.0\r\n"
		"X-Admin-Next-URI:/server/adminagent?cmd=2\r\n"
		"Content-Type:application/vnd.globalplatform.card-content-mgt;version=1.0\r\n"
		"X-Admin-Targeted-Application://aid/A000000559/1010FFFFFFFF8900000100\r\n"
		"transfer-encoding: chunked\r\n"
		"\r\n";
	uint8_t msg[sizeof head + 32];
	uint8_t body[11];
	m2m_scp81_response got;
	m2m_buf dec;
	size_t head_len, used, n = strlen(head);
	unhex(SERVER_BODY, body, sizeof body);
	memcpy(msg, head, n);
	memcpy(msg + n, "B\r\n", 3);
	memcpy(msg + n + 3, body, sizeof body);
	memcpy(msg + n + 14, "\r\n0\r\n", 5);
	assert_int_equal(m2m_scp81_response_parse(msg, n + 19, &got, &head_len, NULL), M2M_OK);
	assert_int_equal(head_len, n);
	assert_true(str_is(got.next_uri, "/server/adminagent?cmd=2"));
	assert_int_equal(got.target.b[15], 0x00);
	assert_int_equal(got.target.b[14], 0x01);
	m2m_buf_init(&dec);
	/* Strict: wants the final CRLF; lenient: takes the end of input. */
	assert_int_equal(m2m_scp81_chunked_decode(msg + n, 19, 64, 0, &dec, &used, NULL),
			 M2M_ERR_BOUNDS);
	assert_int_equal(dec.len, 0);
	assert_int_equal(m2m_scp81_chunked_decode(msg + n, 19, 64, M2M_SCP81_CHUNKED_LENIENT_END,
						  &dec, &used, NULL),
			 M2M_OK);
	assert_int_equal(used, 19);
	assert_int_equal(dec.len, 11);
	assert_memory_equal(dec.data, body, 11);
	m2m_buf_free(&dec);
}

static void expect_response_err(const char *text, m2m_err want)
{
	m2m_scp81_response got;
	const char *why = NULL;
	assert_int_equal(m2m_scp81_response_parse((const uint8_t *)text, strlen(text), &got, NULL,
						  &why),
			 want);
	assert_non_null(why);
}

#define H_NEXT "X-Admin-Next-URI: /next\r\n"
#define H_CT "Content-Type: application/vnd.globalplatform.card-content-mgt;version=1.0\r\n"
#define H_TE "Transfer-Encoding: chunked\r\n"

static void test_response_rejected(void **state)
{
	(void)state;
	m2m_scp81_response got;
	static const char ok[] = "HTTP/1.1 200 OK\r\n" H_PROTO H_NEXT H_CT H_TE "\r\n";
	assert_int_equal(m2m_scp81_response_parse((const uint8_t *)ok, strlen(ok), &got, NULL,
						  NULL),
			 M2M_OK);
	expect_response_err("HTTP/1.1 200 OK\r\n" H_NEXT H_CT H_TE "\r\n", M2M_ERR_FORMAT);
	expect_response_err("HTTP/1.1 200 OK\r\nX-Admin-Protocol: globalplatform-remote-admin/1.1"
			    "\r\n" H_NEXT H_CT H_TE "\r\n",
			    M2M_ERR_UNSUPPORTED);
	expect_response_err("HTTP/1.1 200 OK\r\n" H_PROTO H_CT H_TE "\r\n", M2M_ERR_FORMAT);
	expect_response_err("HTTP/1.1 200 OK\r\n" H_PROTO H_NEXT H_TE "\r\n", M2M_ERR_FORMAT);
	expect_response_err("HTTP/1.1 200 OK\r\n" H_PROTO H_NEXT H_TE
			    "Content-Type: application/json\r\n\r\n",
			    M2M_ERR_FORMAT);
	expect_response_err("HTTP/1.1 200 OK\r\n" H_PROTO H_NEXT H_CT H_TE
			    "X-Admin-Targeted-Application: //aid/A0000005/59\r\n\r\n",
			    M2M_ERR_FORMAT);
	expect_response_err("HTTP/1.1 2x0 OK\r\n\r\n", M2M_ERR_FORMAT);
	expect_response_err("HTTP/1.1 2000\r\n\r\n", M2M_ERR_FORMAT);
	expect_response_err("HTTP/1.0 200 OK\r\n\r\n", M2M_ERR_UNSUPPORTED);
	expect_response_err("HTTP/1.1 204 No Content\r\nX-Admin-Protocol: x\r\n\r\n",
			    M2M_ERR_UNSUPPORTED);
	/* A 204 with no headers at all (njiwa) and an error status are returned as such. */
	static const char bare[] = "HTTP/1.1 204 \r\n\r\n";
	assert_int_equal(m2m_scp81_response_parse((const uint8_t *)bare, strlen(bare), &got, NULL,
						  NULL),
			 M2M_OK);
	assert_int_equal(got.status, 204);
	assert_false(got.has_protocol);
	static const char err500[] = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 2\r\n\r\n";
	assert_int_equal(m2m_scp81_response_parse((const uint8_t *)err500, strlen(err500), &got,
						  NULL, NULL),
			 M2M_OK);
	assert_int_equal(got.status, 500);
}

/* ---- chunked ---- */

static void expect_decode(const char *in, unsigned flags, const char *want, size_t want_used)
{
	m2m_buf out;
	size_t used = 0;
	m2m_buf_init(&out);
	assert_int_equal(m2m_scp81_chunked_decode((const uint8_t *)in, strlen(in), 1024, flags,
						  &out, &used, NULL),
			 M2M_OK);
	assert_int_equal(used, want_used);
	assert_text(&out, want);
	m2m_buf_free(&out);
}

static void test_chunked_known_answers(void **state)
{
	(void)state;
	/* MDN "Transfer-Encoding" example. */
	static const char mdn[] = "7\r\nMozilla\r\n11\r\nDeveloper Network\r\n0\r\n\r\n";
	expect_decode(mdn, 0, "MozillaDeveloper Network", strlen(mdn));
	/* Wikipedia "Chunked transfer encoding" example (CRLFs inside the data). */
	static const char wiki[] = "4\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n\r\n";
	expect_decode(wiki, 0, "Wikipedia in\r\n\r\nchunks.", strlen(wiki));
	/* Extensions skipped, lower-case size, trailers dropped, next message left alone. */
	static const char ext[] = "a;name=\"v\"\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\nPOST";
	expect_decode(ext, 0, "0123456789", strlen(ext) - 4);
	/* Lenient end before the next request. */
	expect_decode("3\r\nabc\r\n0\r\nPOST / HTTP/1.1", M2M_SCP81_CHUNKED_LENIENT_END, "abc", 11);

	m2m_buf b;
	m2m_buf_init(&b);
	assert_int_equal(m2m_scp81_chunked_encode((const uint8_t *)"Wikipedia", 9, 4, &b), M2M_OK);
	assert_text(&b, "4\r\nWiki\r\n4\r\npedi\r\n1\r\na\r\n0\r\n\r\n");
	m2m_buf_reset(&b);
	uint8_t big[300];
	memset(big, 'x', sizeof big);
	assert_int_equal(m2m_scp81_chunked_encode(big, sizeof big, 0, &b), M2M_OK);
	assert_memory_equal(b.data, "12C\r\nxx", 7);
	assert_int_equal(b.len, 5 + 300 + 2 + 5);
	m2m_buf_reset(&b);
	assert_int_equal(m2m_scp81_chunked_encode(NULL, 0, 0, &b), M2M_OK);
	assert_text(&b, "0\r\n\r\n");
	m2m_buf_free(&b);
}

static void expect_decode_err(const char *in, size_t max, unsigned flags, m2m_err want)
{
	m2m_buf out;
	const char *why = NULL;
	size_t used = 77;
	m2m_buf_init(&out);
	assert_int_equal(m2m_scp81_chunked_decode((const uint8_t *)in, strlen(in), max, flags,
						  &out, &used, &why),
			 want);
	assert_non_null(why);
	assert_int_equal(out.len, 0); /* nothing half-decoded is left behind */
	assert_int_equal(used, 77);
	m2m_buf_free(&out);
}

static void test_chunked_malformed(void **state)
{
	(void)state;
	/* Bad hex size. */
	expect_decode_err("G\r\nabc\r\n0\r\n\r\n", 64, 0, M2M_ERR_FORMAT);
	expect_decode_err("3x\r\nabc\r\n0\r\n\r\n", 64, 0, M2M_ERR_FORMAT);
	expect_decode_err("\r\n", 64, 0, M2M_ERR_FORMAT);
	expect_decode_err("-3\r\nabc\r\n0\r\n\r\n", 64, 0, M2M_ERR_FORMAT);
	/* Missing CRLF: after the size, after the data, at the end. */
	expect_decode_err("3\nabc\r\n0\r\n\r\n", 64, 0, M2M_ERR_FORMAT);
	expect_decode_err("3\r\nabcd\r\n0\r\n\r\n", 64, 0, M2M_ERR_FORMAT);
	expect_decode_err("3\r\nabc0\r\n\r\n", 64, 0, M2M_ERR_FORMAT);
	expect_decode_err("3\r\nabc\r\n0\r\nX\r\n", 64, 0, M2M_ERR_FORMAT);
	expect_decode_err("3\r\nabc\r\n0\r\n\n", 64, 0, M2M_ERR_FORMAT);
	/* Size overflow and bodies over the bound. */
	expect_decode_err("100000000\r\n", 64, 0, M2M_ERR_UNSUPPORTED);
	expect_decode_err("FFFFFFFFFFFFFFFFF\r\n", 64, 0, M2M_ERR_UNSUPPORTED);
	expect_decode_err("41\r\n", 64, 0, M2M_ERR_UNSUPPORTED);
	expect_decode_err("20\r\n" "0123456789abcdef0123456789abcdef\r\n"
			  "21\r\n", 64, 0, M2M_ERR_UNSUPPORTED);
	/* Truncated anywhere. */
	expect_decode_err("", 64, 0, M2M_ERR_BOUNDS);
	expect_decode_err("3", 64, 0, M2M_ERR_BOUNDS);
	expect_decode_err("3\r", 64, 0, M2M_ERR_BOUNDS);
	expect_decode_err("3\r\nab", 64, 0, M2M_ERR_BOUNDS);
	expect_decode_err("3\r\nabc\r", 64, 0, M2M_ERR_BOUNDS);
	expect_decode_err("3\r\nabc\r\n0\r\n", 64, 0, M2M_ERR_BOUNDS);
	expect_decode_err("3\r\nabc\r\n0\r\nX-T: 1", 64, 0, M2M_ERR_BOUNDS);
	/* Lenient mode still needs the last chunk. */
	expect_decode_err("3\r\nabc\r\n", 64, M2M_SCP81_CHUNKED_LENIENT_END, M2M_ERR_BOUNDS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_psk_id_known_answer),
		cmocka_unit_test(test_psk_id_round_trip),
		cmocka_unit_test(test_psk_id_lower_case),
		cmocka_unit_test(test_psk_id_malformed),
		cmocka_unit_test(test_trigger_pysim_security),
		cmocka_unit_test(test_trigger_pysim_http),
		cmocka_unit_test(test_trigger_whty),
		cmocka_unit_test(test_trigger_full_round_trip),
		cmocka_unit_test(test_trigger_default),
		cmocka_unit_test(test_trigger_retry_njiwa),
		cmocka_unit_test(test_trigger_malformed),
		cmocka_unit_test(test_trigger_unknown_tags_skipped),
		cmocka_unit_test(test_request_exact_head),
		cmocka_unit_test(test_request_first_post),
		cmocka_unit_test(test_request_round_trip),
		cmocka_unit_test(test_request_whty_spelling),
		cmocka_unit_test(test_request_rejected),
		cmocka_unit_test(test_response_round_trip),
		cmocka_unit_test(test_response_whty_spelling),
		cmocka_unit_test(test_response_rejected),
		cmocka_unit_test(test_chunked_known_answers),
		cmocka_unit_test(test_chunked_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
