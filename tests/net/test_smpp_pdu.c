/* SMPP 3.4 PDU encode/decode against PDUs written by hand from the SMPP 3.4 specification
 * (Issue 1.2, section 4: bind_transceiver 4.1.5, submit_sm 4.4.1, deliver_sm 4.6.1, header
 * 3.2, optional parameters 5.3; receipt text Appendix B), and malformed input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "net/smpp_pdu.h"

/* bind_transceiver, seq 1: system_id "SMSR01", password "secret", system_type "",
 * interface_version 0x34, addr_ton 0, addr_npi 0, address_range "". */
static const uint8_t bind_pdu[] = {
	0x00, 0x00, 0x00, 0x23,                         /* command_length 35 */
	0x00, 0x00, 0x00, 0x09,                         /* bind_transceiver */
	0x00, 0x00, 0x00, 0x00,                         /* command_status */
	0x00, 0x00, 0x00, 0x01,                         /* sequence_number */
	'S', 'M', 'S', 'R', '0', '1', 0x00,             /* system_id */
	's', 'e', 'c', 'r', 'e', 't', 0x00,             /* password */
	0x00,                                           /* system_type */
	0x34, 0x00, 0x00,                               /* interface_version, ton, npi */
	0x00,                                           /* address_range */
};

/* submit_sm, seq 2: binary SMS-PP per sgp02-bearers.md 1.1. TP-UD = UDH 02 70 00 (CPI)
 * + an unsecured SCP80 command packet (SPI 0000, TAR 000001, CNTR 1) carrying 80CA00CF00. */
#define SCP80_UD                                                                \
	0x02, 0x70, 0x00,                       /* UDHL 2, IEI 70 (CPI), len 0 */ \
	0x00, 0x13, 0x0D, 0x00, 0x00, 0x00, 0x00, /* CPL 19, CHL 13, SPI, KIc, KID */ \
	0x00, 0x00, 0x01,                       /* TAR */                         \
	0x00, 0x00, 0x00, 0x00, 0x01, 0x00,     /* CNTR, PCNTR */                 \
	0x80, 0xCA, 0x00, 0xCF, 0x00            /* secured data */
static const uint8_t scp80_ud[] = {SCP80_UD};
static const uint8_t submit_pdu[] = {
	0x00, 0x00, 0x00, 0x4D,                         /* command_length 77 */
	0x00, 0x00, 0x00, 0x04,                         /* submit_sm */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
	0x00,                                           /* service_type "" */
	0x01, 0x01, '4', '9', '1', '2', '3', '4', '5', 0x00, /* source TON 1 NPI 1 */
	0x01, 0x01, '4', '9', '1', '7', '0', '1', '2', '3', '4', '5', '6', '7', '8', 0x00,
	0x40,                                           /* esm_class: UDHI */
	0x7F,                                           /* protocol_id: SIM data download */
	0x00,                                           /* priority_flag */
	0x00, 0x00,                                     /* schedule, validity "" */
	0x01,                                           /* registered_delivery */
	0x00,                                           /* replace_if_present */
	0xF6,                                           /* data_coding: 8-bit class 2 */
	0x00,                                           /* sm_default_msg_id */
	0x18,                                           /* sm_length 24 */
	SCP80_UD,
};

#define RECEIPT_TEXT                                                                      \
	"id:0000002A sub:001 dlvrd:001 submit date:2411231800 done date:2411231801 "      \
	"stat:DELIVRD err:000 text:"
/* deliver_sm, seq 3: delivery receipt for message 0000002A with its two TLVs. */
static const uint8_t receipt_pdu_head[] = {
	0x00, 0x00, 0x00, 0xAB,                         /* command_length 171 */
	0x00, 0x00, 0x00, 0x05,                         /* deliver_sm */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
	0x00,
	0x01, 0x01, '4', '9', '1', '7', '0', '1', '2', '3', '4', '5', '6', '7', '8', 0x00,
	0x01, 0x01, '4', '9', '1', '2', '3', '4', '5', 0x00,
	0x04,                                           /* esm_class: SMSC delivery receipt */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	100,                                            /* sm_length */
};
static const uint8_t receipt_pdu_tail[] = {
	0x00, 0x1E, 0x00, 0x09, '0', '0', '0', '0', '0', '0', '2', 'A', 0x00, /* receipted_message_id */
	0x04, 0x27, 0x00, 0x01, 0x02,                   /* message_state DELIVERED */
};

static size_t receipt_pdu(uint8_t *out)
{
	size_t n = 0;

	memcpy(out, receipt_pdu_head, sizeof receipt_pdu_head);
	n += sizeof receipt_pdu_head;
	memcpy(out + n, RECEIPT_TEXT, strlen(RECEIPT_TEXT));
	n += strlen(RECEIPT_TEXT);
	memcpy(out + n, receipt_pdu_tail, sizeof receipt_pdu_tail);
	return n + sizeof receipt_pdu_tail;
}

static void check_encodes_to(const m2m_smpp_pdu *p, const uint8_t *want, size_t n)
{
	m2m_buf b;

	m2m_buf_init(&b);
	assert_int_equal(m2m_smpp_pdu_encode(p, &b), M2M_OK);
	assert_int_equal(b.len, n);
	assert_memory_equal(b.data, want, n);
	m2m_buf_free(&b);
}

static m2m_smpp_pdu pdu; /* large: keep it off the cmocka stack */

static void test_bind_transceiver(void **state)
{
	(void)state;
	m2m_smpp_pdu_init(&pdu, M2M_SMPP_BIND_TRANSCEIVER, 1);
	strcpy(pdu.system_id, "SMSR01");
	strcpy(pdu.password, "secret");
	check_encodes_to(&pdu, bind_pdu, sizeof bind_pdu);

	assert_int_equal(m2m_smpp_pdu_decode(bind_pdu, sizeof bind_pdu, &pdu, NULL), M2M_OK);
	assert_int_equal(pdu.command_id, M2M_SMPP_BIND_TRANSCEIVER);
	assert_int_equal(pdu.sequence, 1);
	assert_string_equal(pdu.system_id, "SMSR01");
	assert_string_equal(pdu.password, "secret");
	assert_string_equal(pdu.system_type, "");
	assert_int_equal(pdu.interface_version, 0x34);
}

static void test_submit_sm_scp80(void **state)
{
	(void)state;
	m2m_smpp_pdu_init(&pdu, M2M_SMPP_SUBMIT_SM, 2);
	pdu.source = (m2m_smpp_addr){1, 1, "4912345"};
	pdu.dest = (m2m_smpp_addr){1, 1, "4917012345678"};
	pdu.esm_class = M2M_SMPP_ESM_UDHI;
	pdu.protocol_id = M2M_SMPP_PID_SIM_DATA_DOWNLOAD;
	pdu.registered_delivery = 1;
	pdu.data_coding = M2M_SMPP_DCS_8BIT_CLASS2;
	memcpy(pdu.msg, scp80_ud, sizeof scp80_ud);
	pdu.msg_len = sizeof scp80_ud;
	check_encodes_to(&pdu, submit_pdu, sizeof submit_pdu);

	assert_int_equal(m2m_smpp_pdu_decode(submit_pdu, sizeof submit_pdu, &pdu, NULL), M2M_OK);
	assert_int_equal(pdu.sequence, 2);
	assert_int_equal(pdu.source.ton, 1);
	assert_int_equal(pdu.source.npi, 1);
	assert_string_equal(pdu.source.addr, "4912345");
	assert_string_equal(pdu.dest.addr, "4917012345678");
	assert_int_equal(pdu.esm_class, 0x40);
	assert_int_equal(pdu.protocol_id, 0x7F);
	assert_int_equal(pdu.data_coding, 0xF6);
	assert_int_equal(pdu.registered_delivery, 1);
	assert_int_equal(pdu.msg_len, sizeof scp80_ud);
	assert_memory_equal(pdu.msg, scp80_ud, sizeof scp80_ud);
	assert_false(pdu.msg_in_payload);
}

static void test_deliver_sm_receipt(void **state)
{
	uint8_t want[256];
	size_t n = receipt_pdu(want);
	m2m_smpp_receipt r;

	(void)state;
	assert_int_equal(n, 171);
	memset(&r, 0, sizeof r);
	strcpy(r.id, "0000002A");
	r.sub = r.dlvrd = 1;
	strcpy(r.submit_date, "2411231800");
	strcpy(r.done_date, "2411231801");
	strcpy(r.stat, "DELIVRD");
	r.state = -1;
	m2m_smpp_pdu_init(&pdu, M2M_SMPP_DELIVER_SM, 3);
	pdu.source = (m2m_smpp_addr){1, 1, "4917012345678"};
	pdu.dest = (m2m_smpp_addr){1, 1, "4912345"};
	assert_int_equal(m2m_smpp_pdu_set_receipt(&pdu, &r), M2M_OK);
	check_encodes_to(&pdu, want, n);

	memset(&r, 0, sizeof r);
	assert_int_equal(m2m_smpp_pdu_decode(want, n, &pdu, NULL), M2M_OK);
	assert_int_equal(pdu.esm_class, M2M_SMPP_ESM_DLR);
	assert_string_equal(pdu.receipted_message_id, "0000002A");
	assert_int_equal(pdu.message_state, M2M_SMPP_STATE_DELIVERED);
	assert_int_equal(m2m_smpp_pdu_get_receipt(&pdu, &r), M2M_OK);
	assert_string_equal(r.id, "0000002A");
	assert_string_equal(r.stat, "DELIVRD");
	assert_string_equal(r.submit_date, "2411231800");
	assert_string_equal(r.done_date, "2411231801");
	assert_int_equal(r.sub, 1);
	assert_int_equal(r.dlvrd, 1);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.state, M2M_SMPP_STATE_DELIVERED);
}

static void test_receipt_text(void **state)
{
	/* Vendor variants: upper-case keys, seconds in dates, text with spaces. */
	static const char a[] = "id:7f3a sub:001 dlvrd:000 submit date:241123180059 "
				"done date:241123180102 stat:UNDELIV err:075 text:Hello world";
	static const char b[] = "ID:42 STAT:EXPIRED ERR:001";
	m2m_smpp_receipt r;

	(void)state;
	assert_int_equal(m2m_smpp_receipt_parse((const uint8_t *)a, strlen(a), &r), M2M_OK);
	assert_string_equal(r.id, "7f3a");
	assert_int_equal(r.err, 75);
	assert_string_equal(r.done_date, "241123180102");
	assert_string_equal(r.text, "Hello world");
	assert_int_equal(r.state, M2M_SMPP_STATE_UNDELIVERABLE);
	assert_int_equal(m2m_smpp_receipt_parse((const uint8_t *)b, strlen(b), &r), M2M_OK);
	assert_int_equal(r.state, M2M_SMPP_STATE_EXPIRED);

	static const char *bad[] = {
		"sub:001 stat:DELIVRD",                       /* no id */
		"id:1 sub:001",                               /* no stat */
		"id:1 stat:DELIVRD submit date:24112318",     /* short date */
		"id:1 stat:DELIVRD err:07x",                  /* non-digit */
		"id:1 id:2 stat:DELIVRD",                     /* repeated */
		"id:1 stat:DELIVERED_TOO_LONG",               /* stat longer than 7 */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_not_equal(m2m_smpp_receipt_parse((const uint8_t *)bad[i],
							    strlen(bad[i]), &r), M2M_OK);
}

static void test_header_only(void **state)
{
	static const uint8_t enquire[] = {0, 0, 0, 0x10, 0, 0, 0, 0x15, 0, 0, 0, 0, 0, 0, 0, 7};
	static const uint8_t submit_fail[] = {0, 0, 0, 0x10, 0x80, 0, 0, 0x04,
					      0, 0, 0, 0x45, 0, 0, 0, 9};

	(void)state;
	m2m_smpp_pdu_init(&pdu, M2M_SMPP_ENQUIRE_LINK, 7);
	check_encodes_to(&pdu, enquire, sizeof enquire);
	/* An error response has no body (SMPP 3.4 section 4.4.2). */
	m2m_smpp_pdu_init(&pdu, M2M_SMPP_SUBMIT_SM_RESP, 9);
	pdu.command_status = M2M_SMPP_RSUBMITFAIL;
	strcpy(pdu.message_id, "ignored");
	check_encodes_to(&pdu, submit_fail, sizeof submit_fail);
	assert_int_equal(m2m_smpp_pdu_decode(submit_fail, sizeof submit_fail, &pdu, NULL), M2M_OK);
	assert_int_equal(pdu.command_status, M2M_SMPP_RSUBMITFAIL);
	assert_string_equal(pdu.message_id, "");
}

static void test_submit_resp_roundtrip(void **state)
{
	static const uint8_t want[] = {0, 0, 0, 0x19, 0x80, 0, 0, 0x04, 0, 0, 0, 0, 0, 0, 0, 2,
				       '0', '0', '0', '0', '0', '0', '2', 'A', 0};
	(void)state;
	m2m_smpp_pdu_init(&pdu, M2M_SMPP_SUBMIT_SM_RESP, 2);
	strcpy(pdu.message_id, "0000002A");
	check_encodes_to(&pdu, want, sizeof want);
	assert_int_equal(m2m_smpp_pdu_decode(want, sizeof want, &pdu, NULL), M2M_OK);
	assert_string_equal(pdu.message_id, "0000002A");
}

static void test_message_payload(void **state)
{
	m2m_buf b;

	(void)state;
	m2m_buf_init(&b);
	m2m_smpp_pdu_init(&pdu, M2M_SMPP_SUBMIT_SM, 5);
	pdu.source = (m2m_smpp_addr){1, 1, "1"};
	pdu.dest = (m2m_smpp_addr){1, 1, "2"};
	for (size_t i = 0; i < 300; i++)
		pdu.msg[i] = (uint8_t)i;
	pdu.msg_len = 300;
	assert_int_equal(m2m_smpp_pdu_encode(&pdu, &b), M2M_OK);
	/* sm_length 0 then TLV 0424 len 300 */
	static const uint8_t tlv_head[] = {0x00, 0x04, 0x24, 0x01, 0x2C};
	assert_memory_equal(b.data + b.len - 300 - sizeof tlv_head, tlv_head, sizeof tlv_head);
	assert_int_equal(m2m_smpp_pdu_decode(b.data, b.len, &pdu, NULL), M2M_OK);
	assert_true(pdu.msg_in_payload);
	assert_int_equal(pdu.msg_len, 300);
	assert_int_equal(pdu.msg[299], (uint8_t)299);
	m2m_buf_free(&b);
}

/* Decoding must fail with an error (never crash) on each of these. */
static void expect_bad(const uint8_t *data, size_t len, m2m_err want)
{
	const char *why = NULL;

	assert_int_equal(m2m_smpp_pdu_decode(data, len, &pdu, &why), want);
	assert_non_null(why);
}

static void test_malformed(void **state)
{
	uint8_t b[256];
	size_t n;

	(void)state;
	/* shorter than a header, and command_length disagreeing with the size */
	expect_bad(bind_pdu, 10, M2M_ERR_FORMAT);
	expect_bad(bind_pdu, sizeof bind_pdu - 1, M2M_ERR_FORMAT);
	/* system_id without its NUL inside 16 octets */
	memcpy(b, bind_pdu, sizeof bind_pdu);
	memset(b + 16, 'A', 19);
	expect_bad(b, sizeof bind_pdu, M2M_ERR_FORMAT);
	/* trailing octet after address_range */
	memcpy(b, bind_pdu, sizeof bind_pdu);
	b[3]++;
	b[sizeof bind_pdu] = 0;
	expect_bad(b, sizeof bind_pdu + 1, M2M_ERR_FORMAT);
	/* sm_length past the end */
	memcpy(b, submit_pdu, sizeof submit_pdu);
	b[sizeof submit_pdu - sizeof scp80_ud - 1] = 0x30;
	expect_bad(b, sizeof submit_pdu, M2M_ERR_FORMAT);
	/* unknown command_id */
	memcpy(b, bind_pdu, 16);
	b[3] = 16;
	b[7] = 0x21; /* submit_multi: not ours */
	expect_bad(b, 16, M2M_ERR_UNSUPPORTED);
	/* header-only PDU with a body */
	static const uint8_t enq_body[] = {0, 0, 0, 0x11, 0, 0, 0, 0x15, 0, 0, 0, 0, 0, 0, 0, 1, 0};
	expect_bad(enq_body, sizeof enq_body, M2M_ERR_FORMAT);
	/* invalid TON (7) is refused by libsmpp34's range check */
	memcpy(b, submit_pdu, sizeof submit_pdu);
	b[17] = 7;
	expect_bad(b, sizeof submit_pdu, M2M_ERR_FORMAT);

	/* receipt TLVs: overrun, wrong size, repeated; unknown TLV skipped */
	n = receipt_pdu(b);
	b[n - 2] = 0x02; /* message_state length 2, runs past the end */
	expect_bad(b, n, M2M_ERR_FORMAT);
	n = receipt_pdu(b);
	memcpy(b + n, "\x04\x27\x00\x01\x03", 5); /* a second message_state */
	b[3] = (uint8_t)(n + 5);
	expect_bad(b, n + 5, M2M_ERR_FORMAT);
	n = receipt_pdu(b);
	memcpy(b + n, "\x14\x00\x00\x03xyz", 7);  /* vendor TLV 0x1400 */
	b[3] = (uint8_t)(n + 7);
	assert_int_equal(m2m_smpp_pdu_decode(b, n + 7, &pdu, NULL), M2M_OK);
	assert_int_equal(pdu.message_state, 2);
	memcpy(b + n, "\x14\x00\x00", 3);          /* truncated TLV header */
	b[3] = (uint8_t)(n + 3);
	expect_bad(b, n + 3, M2M_ERR_FORMAT);
}

static void test_encode_refuses(void **state)
{
	m2m_buf b;

	(void)state;
	m2m_buf_init(&b);
	m2m_smpp_pdu_init(&pdu, M2M_SMPP_SUBMIT_SM, 1);
	pdu.msg_len = M2M_SMPP_MAX_PAYLOAD + 1;
	assert_int_not_equal(m2m_smpp_pdu_encode(&pdu, &b), M2M_OK);
	m2m_smpp_pdu_init(&pdu, M2M_SMPP_BIND_TRANSCEIVER, 0); /* sequence 0 */
	assert_int_equal(m2m_smpp_pdu_encode(&pdu, &b), M2M_ERR_ARG);
	m2m_smpp_pdu_init(&pdu, M2M_SMPP_SUBMIT_SM, 1);
	memset(pdu.dest.addr, '9', sizeof pdu.dest.addr); /* no NUL */
	assert_int_equal(m2m_smpp_pdu_encode(&pdu, &b), M2M_ERR_ARG);
	assert_int_equal(b.len, 0);
	m2m_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bind_transceiver),
		cmocka_unit_test(test_submit_sm_scp80),
		cmocka_unit_test(test_deliver_sm_receipt),
		cmocka_unit_test(test_receipt_text),
		cmocka_unit_test(test_header_only),
		cmocka_unit_test(test_submit_resp_roundtrip),
		cmocka_unit_test(test_message_payload),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_encode_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
