/* ES5 builders byte for byte against the public traces (sgp02-facts*.md, which quote the
 * whty SR logs and njiwa's builders), the response parsers on good and broken input, and the
 * status word -> subject/reason table of docs/es5.md. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "card/script.h"
#include "core/hex.h"
#include "smsr/es5_cmd.h"
#include "smsr/es5_result.h"

#define AID13 "a0000005591010ffffffff8900001300"

static char hexout[4096];

static const char *apdu_hex(const m2m_es5_cmd *c, size_t i)
{
	size_t len = 0;
	const uint8_t *p = m2m_es5_apdus_get(&c->apdus, i, &len);

	assert_non_null(p);
	m2m_hex_encode(p, len, hexout);
	return hexout;
}

static void aid13(uint8_t aid[16])
{
	assert_int_equal(m2m_hex_decode_exact(AID13, aid, 16), M2M_OK);
}

/* whty SR log (sgp02-facts-2.md 4a): CreateISDP without a memory quota, TAR 000013. */
static void test_create_isdp(void **state)
{
	m2m_es5_cmd c;
	uint8_t tar[3] = {0x00, 0x00, 0x13};

	(void)state;
	m2m_es5_cmd_init(&c);
	assert_int_equal(m2m_es5_create_isdp(&c, tar, 0), M2M_OK);
	assert_int_equal(c.apdus.count, 1);
	assert_string_equal(apdu_hex(&c, 0),
			    "80e60c003f"
			    "10a0000005591010ffffffff8900000d00"
			    "10a0000005591010ffffffff8900000e00"
			    "10" AID13 "0380c000"
			    "06c90481020370"
			    "00"
			    "00");
	assert_true(c.has_aid);
	assert_memory_equal(c.aid, "\xa0\x00\x00\x05\x59\x10\x10\xff\xff\xff\xff\x89\x00\x00\x13",
			    15);
	/* A quota: EF {83 02 ...} in the same parameters LV; 4 bytes past FFFF. */
	assert_int_equal(m2m_es5_create_isdp(&c, tar, 0x4E20), M2M_OK);
	assert_string_equal(apdu_hex(&c, 0) + 120, "0cc90481020370ef0483024e200000");
	assert_int_equal(m2m_es5_create_isdp(&c, tar, 0x12345), M2M_OK);
	assert_string_equal(apdu_hex(&c, 0) + 120, "0ec90481020370ef06830400012345" "0000");
	/* TARs outside 000010-00FFFF are not ISD-Ps. */
	assert_int_equal(m2m_es5_create_isdp(&c, (const uint8_t[3]){0, 0, 0x0F}, 0), M2M_ERR_ARG);
	assert_int_equal(m2m_es5_create_isdp(&c, (const uint8_t[3]){1, 0, 0}, 0), M2M_ERR_ARG);
	m2m_es5_cmd_free(&c);
}

/* whty: Enable 80E2880015 3A0312 4F10 AID; 3A05 seen 40 times in the SR log; DeleteISDP
 * 80E40040 12 4F10 AID 00 (logs/2017-01-05). */
static void test_store_data_and_delete(void **state)
{
	m2m_es5_cmd c;
	uint8_t aid[16];

	(void)state;
	aid13(aid);
	m2m_es5_cmd_init(&c);
	assert_int_equal(m2m_es5_enable_profile(&c, aid), M2M_OK);
	assert_string_equal(apdu_hex(&c, 0), "80e28800153a0312" "4f10" AID13);
	assert_int_equal(c.fn, M2M_ES5_ENABLE_PROFILE);
	assert_int_equal(m2m_es5_disable_profile(&c, aid), M2M_OK);
	assert_string_equal(apdu_hex(&c, 0), "80e28800153a0412" "4f10" AID13);
	assert_int_equal(m2m_es5_set_fallback_attribute(&c, aid), M2M_OK);
	assert_string_equal(apdu_hex(&c, 0), "80e28800153a0512" "4f10" AID13);
	assert_int_equal(m2m_es5_set_emergency_profile_attribute(&c, aid), M2M_OK);
	assert_string_equal(apdu_hex(&c, 0), "80e28800153a0912" "4f10" AID13);
	assert_int_equal(m2m_es5_delete_isdp(&c, aid), M2M_OK);
	assert_string_equal(apdu_hex(&c, 0), "80e4004012" "4f10" AID13 "00");
	assert_int_equal(c.apdus.count, 1);
	assert_int_equal(m2m_es5_enable_profile(&c, NULL), M2M_ERR_ARG);
	assert_int_equal(m2m_es5_enable_profile(NULL, aid), M2M_ERR_ARG);
	m2m_es5_cmd_free(&c);
}

/* sgp02-facts-2.md 7b / sgp02-bearers.md 1.5: 80E28900 07 3A08 04 4E02 <seq> 00; the whty
 * SMS carries it as AA 0F 22 0D ... */
static void test_notification_confirm(void **state)
{
	m2m_es5_cmd c;

	(void)state;
	m2m_es5_cmd_init(&c);
	assert_int_equal(m2m_es5_notification_confirm(&c, 0x0000), M2M_OK);
	assert_string_equal(apdu_hex(&c, 0), "80e28900073a08044e02000000");
	assert_int_equal(m2m_es5_notification_confirm(&c, 0x1234), M2M_OK);
	assert_string_equal(apdu_hex(&c, 0), "80e28900073a08044e02123400");
	assert_int_equal(c.seq, 0x1234);
	m2m_es5_cmd_free(&c);
}

/* whty (sgp02-facts-2.md 2c): 3A07 09 A3 07 81 05 06 85 214365. */
static void test_smsr_addressing(void **state)
{
	m2m_es5_cmd c;
	m2m_buf a3;
	m2m_sms_addr addr = {.ton_npi = 0x85, .digits = "123456"};
	uint8_t big[129];

	(void)state;
	m2m_es5_cmd_init(&c);
	m2m_buf_init(&a3);
	assert_int_equal(m2m_es5_smsr_address_tlv(&addr, &a3), M2M_OK);
	assert_int_equal(m2m_es5_update_smsr_addressing_parameters(&c, a3.data, a3.len), M2M_OK);
	assert_string_equal(apdu_hex(&c, 0), "80e288000c3a0709a30781050685214365");
	/* Too long for the card, not TLVs, empty. */
	memset(big, 0, sizeof big);
	big[0] = 0x81;
	big[1] = 0x7F;
	assert_int_equal(m2m_es5_update_smsr_addressing_parameters(&c, big, 129), M2M_ERR_ARG);
	assert_int_equal(m2m_es5_update_smsr_addressing_parameters(&c, big, 128), M2M_ERR_ARG);
	big[1] = 0x7E;
	assert_int_equal(m2m_es5_update_smsr_addressing_parameters(&c, big, 128), M2M_OK);
	assert_int_equal(c.apdus.len[0], 5 + 3 + 3 + 128);
	assert_memory_equal(apdu_hex(&c, 0) + 8, "863a0783a38180817e", 18);
	assert_int_equal(m2m_es5_update_smsr_addressing_parameters(&c, big, 0), M2M_ERR_ARG);
	assert_int_equal(m2m_es5_update_smsr_addressing_parameters(&c, (const uint8_t *)"\x81\x05",
								   2),
			 M2M_ERR_ARG);
	addr.digits[0] = '\0';
	assert_int_equal(m2m_es5_smsr_address_tlv(&addr, &a3), M2M_ERR_ARG);
	m2m_buf_free(&a3);
	m2m_es5_cmd_free(&c);
}

/* sgp02-facts*.md 2.2 / 6: GET DATA 5A, FF21 (80CAFF2100), BF30 {5C 02 7F21} (njiwa), GET
 * STATUS 80F24002 {4F L AID, 5C tags} 00. */
static void test_audit(void **state)
{
	m2m_es5_cmd c;
	uint8_t aids[2][16];

	(void)state;
	aid13(aids[0]);
	aid13(aids[1]);
	aids[1][14] = 0x14;
	m2m_es5_cmd_init(&c);
	assert_int_equal(m2m_es5_audit(&c, 0x0F, NULL, 0), M2M_OK);
	assert_int_equal(c.apdus.count, 4);
	assert_string_equal(apdu_hex(&c, 0), "80ca005a00");
	assert_string_equal(apdu_hex(&c, 1), "80caff2100");
	assert_string_equal(apdu_hex(&c, 2), "80cabf30045c027f2100");
	assert_string_equal(apdu_hex(&c, 3), "80f24002" "0a" "4f00" "5c064f9f70538f91" "00");
	assert_int_equal(c.chain, M2M_CHAIN_FIRST_DELETE);
	assert_int_equal(m2m_es5_audit(&c, M2M_ES5_AUDIT_ISDPS, aids, 2), M2M_OK);
	assert_int_equal(c.apdus.count, 2);
	assert_int_equal(c.audit_status_cmds, 2);
	assert_int_equal(c.chain, M2M_CHAIN_NONE);
	assert_string_equal(apdu_hex(&c, 1), "80f24002" "1a" "4f10a0000005591010ffffffff8900001400"
					      "5c064f9f70538f91" "00");
	assert_int_equal(m2m_es5_audit(&c, 0, NULL, 0), M2M_ERR_ARG);
	assert_int_equal(m2m_es5_audit(&c, 0x10, NULL, 0), M2M_ERR_ARG);
	assert_int_equal(m2m_es5_audit(&c, M2M_ES5_AUDIT_ISDPS, NULL, 1), M2M_ERR_ARG);
	m2m_es5_cmd_free(&c);
}

/* whty FinaliseISDRhandover (sgp02-facts-2.md 4d): 80 E4 00 00 Lc F2 03 01 01 03 F2 03 41 01
 * 02 00. */
static void test_delete_keys(void **state)
{
	m2m_es5_cmd c;
	m2m_es5_key_range r[2] = {{0x01, 0x01, 0x03}, {0x41, 0x01, 0x02}};

	(void)state;
	m2m_es5_cmd_init(&c);
	assert_int_equal(m2m_es5_delete_keys(&c, r, 2), M2M_OK);
	assert_string_equal(apdu_hex(&c, 0), "80e400000a" "f203010103" "f203410102" "00");
	r[1].first = 3;
	assert_int_equal(m2m_es5_delete_keys(&c, r, 2), M2M_ERR_ARG);
	assert_int_equal(m2m_es5_delete_keys(&c, r, 0), M2M_ERR_ARG);
	m2m_es5_cmd_free(&c);
}

/* PUT KEY layout of the whty token key (sgp02-facts-2.md 1b: 80 D8 00 01 18 70 88 11 10 <enc>
 * 03 <KCV>), with key type 85 and no KCV. The enciphered PSK is FIPS-197 appendix C.1:
 * AES-128(000102..0f, 00112233..ff) = 69c4e0d8 6a7b0430 d8cdb780 70b4c55a (CBC, zero IV,
 * one block). */
static void test_put_key_psk(void **state)
{
	m2m_es5_cmd c;
	uint8_t dek[16], psk[16];

	(void)state;
	assert_int_equal(m2m_hex_decode_exact("000102030405060708090a0b0c0d0e0f", dek, 16), M2M_OK);
	assert_int_equal(m2m_hex_decode_exact("00112233445566778899aabbccddeeff", psk, 16), M2M_OK);
	m2m_es5_cmd_init(&c);
	assert_int_equal(m2m_es5_put_key_psk(&c, 0x00, 0x42, 0x01, psk, 16, dek, 16), M2M_OK);
	assert_string_equal(apdu_hex(&c, 0), "80d8000115" "42" "85" "11" "10"
					      "69c4e0d86a7b0430d8cdb78070b4c55a" "00" "00");
	assert_int_equal(m2m_es5_put_key_psk(&c, 0x00, 0x02, 0x01, psk, 16, dek, 16), M2M_ERR_ARG);
	assert_int_equal(m2m_es5_put_key_psk(&c, 0x00, 0x42, 0x01, psk, 15, dek, 16), M2M_ERR_ARG);
	assert_int_equal(m2m_es5_put_key_psk(&c, 0x41, 0x42, 0x01, psk, 16, dek, 16), M2M_ERR_ARG);
	assert_int_equal(m2m_es5_put_key_psk(&c, 0x00, 0x42, 0x01, psk, 16, dek, 15), M2M_ERR_ARG);
	m2m_es5_cmd_free(&c);
}

/* whty Master Delete (sgp02-facts-2.md 1b): 4F + B6 {42 45 5F20 93} + 9E 10 token. */
static void test_master_delete(void **state)
{
	static const char b6hex[] = "b61d" "42054953445001" "4509495344505344494e01"
				    "5f200547534d4101" "930101";
	m2m_es5_cmd c;
	uint8_t aid[16], b6[31], key[16], token[16];
	size_t n = 0;

	(void)state;
	aid13(aid);
	assert_int_equal(m2m_hex_decode(b6hex, b6, sizeof b6, &n), M2M_OK);
	assert_int_equal(n, 31);
	memset(key, 0x70, sizeof key);
	m2m_es5_cmd_init(&c);
	assert_int_equal(m2m_es5_master_delete_token(key, 16, aid, b6, n, token), M2M_OK);
	assert_int_equal(m2m_es5_master_delete(&c, aid, b6, n, token), M2M_OK);
	assert_int_equal(c.apdus.len[0], 5 + 18 + 31 + 18 + 1);
	assert_memory_equal(apdu_hex(&c, 0) + 10 + 36 + 62, "9e10", 4);
	assert_int_equal(m2m_es5_master_delete(&c, aid, (const uint8_t *)"\xb5\x00", 2, token),
			 M2M_ERR_ARG);
	assert_int_equal(m2m_es5_master_delete(&c, aid, NULL, 0, token), M2M_OK);
	assert_memory_equal(apdu_hex(&c, 0) + 10 + 36, "9e10", 4);
	m2m_es5_cmd_free(&c);
}

/* ---- response scripts and typed answers ---- */

static void script(m2m_es5_result *r, const char *hex, bool ok)
{
	uint8_t b[1024];
	size_t n = 0;

	assert_int_equal(m2m_hex_decode(hex, b, sizeof b, &n), M2M_OK);
	assert_int_equal(m2m_es5_result_add_script(r, b, n, NULL) == M2M_OK, ok);
}

static void test_response_scripts(void **state)
{
	m2m_es5_result r;
	uint16_t sw = 1;

	(void)state;
	m2m_es5_result_init(&r, M2M_ES5_ENABLE_PROFILE);
	/* whty trace shape: AB 07 80 01 01 23 02 90 00. */
	script(&r, "ab0780010123029000", true);
	assert_int_equal(r.rapdus.count, 1);
	assert_int_equal(m2m_es5_result_add_script(&r, (const uint8_t *)"\xaf\x80\x80\x01\x01"
									"\x23\x02\x69\x85\x00\x00",
						   11, &sw),
			 M2M_OK);
	assert_int_equal(sw, 0x6985);
	assert_int_equal(r.rapdus.count, 2);
	/* Broken scripts add nothing. */
	script(&r, "ab07800101230290000000", false);   /* trailing bytes */
	script(&r, "ab0780010223029000", false);       /* count 2, one R-APDU */
	script(&r, "ab0a800101230290009001020000", false); /* trailing after a longer one */
	script(&r, "ab0a80010123029000900102", false); /* bad-format indication */
	script(&r, "ac0780010123029000", false);       /* not a response */
	script(&r, "ab06800101230190", false);         /* R-APDU without SW */
	script(&r, "ab078001012302", false);           /* truncated */
	script(&r, "ab0480010123", false);             /* R-APDU truncated */
	script(&r, "", false);
	assert_int_equal(r.rapdus.count, 2);
	m2m_es5_result_free(&r);
}

static void finish_with(m2m_es5_cmd *c, m2m_es5_result *r, const char *const *rapdus, size_t n)
{
	m2m_es5_result_free(r);
	m2m_es5_result_init(r, c->fn);
	for (size_t i = 0; i < n; i++) {
		uint8_t b[1024];
		size_t len = 0;
		assert_int_equal(m2m_hex_decode(rapdus[i], b, sizeof b, &len), M2M_OK);
		assert_int_equal(m2m_es5_apdus_add(&r->rapdus, b, len), M2M_OK);
	}
	assert_int_equal(m2m_es5_result_finish(c, r), M2M_OK);
}

static void test_result_outcomes(void **state)
{
	m2m_es5_cmd c;
	m2m_es5_result r;
	uint8_t aid[16];
	const char *ok[] = {"9000"}, *refused[] = {"69e1"}, *data[] = {"019000"},
		   *none[] = {"90"};

	(void)state;
	aid13(aid);
	m2m_es5_cmd_init(&c);
	m2m_es5_result_init(&r, 0);
	assert_int_equal(m2m_es5_disable_profile(&c, aid), M2M_OK);
	finish_with(&c, &r, ok, 1);
	assert_int_equal(r.outcome, M2M_ES5_OK);
	assert_null(r.code.subject);
	finish_with(&c, &r, refused, 1);
	assert_int_equal(r.outcome, M2M_ES5_SW_ERROR);
	assert_int_equal(r.sw, 0x69E1);
	assert_string_equal(r.code.subject, "8.2.2");
	assert_string_equal(r.code.reason, "3.8");
	finish_with(&c, &r, data, 1); /* STORE DATA answers no data */
	assert_int_equal(r.outcome, M2M_ES5_BAD_RESPONSE);
	assert_string_equal(r.code.subject, "8.4");
	assert_string_equal(r.code.reason, "4.2");
	finish_with(&c, &r, none, 1);
	assert_int_equal(r.outcome, M2M_ES5_BAD_RESPONSE);
	finish_with(&c, &r, NULL, 0);
	assert_int_equal(r.outcome, M2M_ES5_BAD_RESPONSE);
	/* Two answers to one command. */
	const char *two[] = {"9000", "9000"};
	finish_with(&c, &r, two, 2);
	assert_int_equal(r.outcome, M2M_ES5_BAD_RESPONSE);
	/* An error before the end of the answers cannot happen on a real card. */
	assert_int_equal(m2m_es5_audit(&c, 0x03, NULL, 0), M2M_OK);
	const char *err_first[] = {"6a88", "ff210d81010282040001177083023a929000"};
	finish_with(&c, &r, err_first, 2);
	assert_int_equal(r.outcome, M2M_ES5_BAD_RESPONSE);
	/* Missing answers without an error. */
	const char *short_ok[] = {"5a1089001012012341234012345678901224" "9000"};
	finish_with(&c, &r, short_ok, 1);
	assert_int_equal(r.outcome, M2M_ES5_BAD_RESPONSE);
	m2m_es5_result_por(&r, 0x02);
	assert_int_equal(r.outcome, M2M_ES5_POR_ERROR);
	assert_string_equal(r.code.reason, "4.2");
	m2m_es5_result_fail(&r, M2M_ES5_TIMEOUT);
	assert_string_equal(r.code.subject, "1.6");
	assert_string_equal(r.code.reason, "5.3");
	m2m_es5_result_free(&r);
	m2m_es5_cmd_free(&c);
}

/* Audit answers in the layouts of the whty trace and njiwa's parser (sgp02-facts-2.md 6). */
static void test_audit_answers(void **state)
{
	m2m_es5_cmd c;
	m2m_es5_result r;
	const char *good[] = {
		"5a1089001012012341234012345678901224" "9000",
		"ff210d810101820400077e3083023a92" "9000",
		"bf3009" "7f2106" "9301025f3700" "9000",
		/* the ECASD's entry (our card lists it first) is not an ISD-P: skipped */
		"e316" "4f10a0000005591010ffffffff8900000200" "9f70010f"
		"e316" "4f10" AID13 "9f70011f"
		"e325" "4f10a0000005591010ffffffff8900001100" "9f70013f" "530101"
		"8f0400002710" "91040000" "1b58" "9000",
	};

	(void)state;
	m2m_es5_cmd_init(&c);
	m2m_es5_result_init(&r, 0);
	assert_int_equal(m2m_es5_audit(&c, 0x0F, NULL, 0), M2M_OK);
	finish_with(&c, &r, good, 4);
	assert_int_equal(r.outcome, M2M_ES5_OK);
	assert_true(r.audit.has_eid);
	assert_int_equal(r.audit.eid[0], 0x89);
	assert_true(r.audit.has_resources);
	assert_int_equal(r.audit.isdp_count, 1);
	assert_int_equal(r.audit.free_nv, 0x00077E30);
	assert_int_equal(r.audit.free_volatile, 0x3A92);
	assert_int_equal(r.audit.nisdp, 2);
	assert_int_equal(r.audit.isdp[0].lcs, 0x1F);
	assert_false(r.audit.isdp[0].has_attr);
	assert_false(r.audit.isdp[0].has_mem);
	assert_int_equal(r.audit.isdp[1].lcs, 0x3F);
	assert_true(r.audit.isdp[1].fallback);
	assert_false(r.audit.isdp[1].emergency);
	assert_int_equal(r.audit.isdp[1].mem_reserved, 10000);
	assert_int_equal(r.audit.isdp[1].mem_free, 7000);
	assert_int_equal(r.audit.ecasd_cert_len, 9);
	assert_int_equal(r.audit.ecasd_cert[0], 0x7F);
	/* Broken answers: each is a bad response. */
	static const char *const bad_eid[] = {"5a0f890010120123412340123456789012" "9000",
					      "5b1089001012012341234012345678901224" "9000",
					      "5a108900101201234123401234567890122400" "9000"};
	static const char *const bad_ff21[] = {"ff2109810101820400077e30" "9000", /* no 83 */
					       "ff2110810101810101820400077e3083023a92" "9000",
					       "ff210e810201018204000 77e3083023a92" "9000",
					       "ff20 0d810101820400077e3083023a92" "9000"};
	static const char *const bad_e3[] = {"e3049f70011f" "9000",            /* no AID */
					     "e3174f10" AID13 "9f70021f1f" "9000", /* LCS 2 bytes */
					     "e3" "0c" "4f10" AID13 "9000",        /* overrun */
					     "e2024f00" "9000",                    /* wrong tag */
					     /* 8F alone */
					     "e3" "0d" "4f05a000000559" "8f0400002710" "9000"};
	for (size_t i = 0; i < 3; i++) {
		const char *a[] = {bad_eid[i], good[1], good[2], good[3]};
		finish_with(&c, &r, a, 4);
		assert_int_equal(r.outcome, M2M_ES5_BAD_RESPONSE);
	}
	for (size_t i = 0; i < 4; i++) {
		char clean[256];
		size_t k = 0;
		for (const char *s = bad_ff21[i]; *s; s++)
			if (*s != ' ')
				clean[k++] = *s;
		clean[k] = '\0';
		const char *a[] = {good[0], clean, good[2], good[3]};
		finish_with(&c, &r, a, 4);
		assert_int_equal(r.outcome, M2M_ES5_BAD_RESPONSE);
	}
	for (size_t i = 0; i < 5; i++) {
		const char *a[] = {good[0], good[1], good[2], bad_e3[i]};
		finish_with(&c, &r, a, 4);
		assert_int_equal(r.outcome, M2M_ES5_BAD_RESPONSE);
	}
	const char *bad_bf30[] = {good[0], good[1], "bf30039301029000", good[3]};
	finish_with(&c, &r, bad_bf30, 4);
	assert_int_equal(r.outcome, M2M_ES5_BAD_RESPONSE);
	/* 6310 (more entries) is a warning: the answer is good but incomplete. */
	const char *paged[] = {good[0], good[1], good[2], "e316" "4f10" AID13 "9f70011f" "6310"};
	finish_with(&c, &r, paged, 4);
	assert_int_equal(r.outcome, M2M_ES5_OK);
	assert_int_equal(r.sw, 0x6310);
	assert_true(r.audit.more);
	assert_int_equal(r.audit.nisdp, 1);
	m2m_es5_result_free(&r);
	m2m_es5_cmd_free(&c);
}

/* njiwa: 3A08 answers 80 L {4F 10 AID}*. */
static void test_confirm_answers(void **state)
{
	m2m_es5_cmd c;
	m2m_es5_result r;
	const char *one[] = {"8012" "4f10" AID13 "9000"}, *none[] = {"8000" "9000"},
		   *empty[] = {"9000"}, *wrong[] = {"8112" "4f10" AID13 "9000"},
		   *short_aid[] = {"8011" "4f0f" "a0000005591010ffffffff89000013" "9000"},
		   *trail[] = {"8000" "00" "9000"};

	(void)state;
	m2m_es5_cmd_init(&c);
	m2m_es5_result_init(&r, 0);
	assert_int_equal(m2m_es5_notification_confirm(&c, 7), M2M_OK);
	finish_with(&c, &r, one, 1);
	assert_int_equal(r.outcome, M2M_ES5_OK);
	assert_int_equal(r.ndeleted, 1);
	assert_int_equal(r.deleted[0][14], 0x13);
	finish_with(&c, &r, none, 1);
	assert_int_equal(r.outcome, M2M_ES5_OK);
	assert_int_equal(r.ndeleted, 0);
	finish_with(&c, &r, empty, 1);
	assert_int_equal(r.outcome, M2M_ES5_OK);
	finish_with(&c, &r, wrong, 1);
	assert_int_equal(r.outcome, M2M_ES5_BAD_RESPONSE);
	finish_with(&c, &r, short_aid, 1);
	assert_int_equal(r.outcome, M2M_ES5_BAD_RESPONSE);
	finish_with(&c, &r, trail, 1);
	assert_int_equal(r.outcome, M2M_ES5_BAD_RESPONSE);
	m2m_es5_result_free(&r);
	m2m_es5_cmd_free(&c);
}

/* The table of docs/es5.md, row by row. */
static void test_code_table(void **state)
{
	static const struct {
		m2m_es5_fn fn;
		uint16_t sw;
		const char *subject, *reason;
	} rows[] = {
		{M2M_ES5_ENABLE_PROFILE, 0x6A88, "8.3.1", "3.9"},
		{M2M_ES5_ENABLE_PROFILE, 0x6985, "8.2", "1.2"},
		{M2M_ES5_ENABLE_PROFILE, 0x69E1, "8.2.2", "3.8"},
		{M2M_ES5_DISABLE_PROFILE, 0x69E1, "8.2.2", "3.8"},
		{M2M_ES5_DELETE_ISDP, 0x6985, "8.2", "1.2"},
		{M2M_ES5_DELETE_ISDP, 0x6A82, "8.3.1", "3.9"},
		{M2M_ES5_MASTER_DELETE, 0x6982, "8.3.1", "6.1"},
		{M2M_ES5_SET_FALLBACK, 0x6A80, "8.3.1", "2.1"},
		{M2M_ES5_CREATE_ISDP, 0x6A84, "8.1", "4.8"},
		{M2M_ES5_CREATE_ISDP, 0x6A80, "8.3.1", "3.3"},
		{M2M_ES5_CREATE_ISDP, 0x6A88, "8.1", "3.9"},
		{M2M_ES5_UPDATE_SMSR_ADDRESSING, 0x6A80, "8.4", "2.1"},
		{M2M_ES5_NOTIF_CONFIRM, 0x6A88, "8.4", "3.9"},
		{M2M_ES5_AUDIT, 0x6A88, "8.3.1", "3.9"},
		{M2M_ES5_KEYEST_CERT, 0x6982, "8.5.3", "6.1"},
		{M2M_ES5_KEYEST_CERT, 0x6985, "8.5.3", "2.1"},
		{M2M_ES5_KEYEST_KEYS, 0x6985, "8.4", "1.2"},
		{M2M_ES5_KEYEST_KEYS, 0x6A84, "8.4", "4.8"},
		{M2M_ES5_DELETE_KEYS, 0x6985, "8.4", "1.2"},
		{M2M_ES5_PUT_KEY_PSK, 0x6D00, "8.4", "4.2"},
		{M2M_ES5_ENABLE_PROFILE, 0x6581, "8.1", "4.2"},
		{M2M_ES5_ENABLE_PROFILE, 0x6F00, "8.4", "4.2"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		m2m_es5_code c = m2m_es5_sw_code(rows[i].fn, rows[i].sw);
		assert_non_null(c.subject);
		assert_string_equal(c.subject, rows[i].subject);
		assert_string_equal(c.reason, rows[i].reason);
	}
	assert_null(m2m_es5_sw_code(M2M_ES5_AUDIT, 0x9000).subject);
	assert_null(m2m_es5_sw_code(M2M_ES5_AUDIT, 0x6310).subject);
	assert_string_equal(m2m_es5_por_code(0x01).reason, "6.1");
	assert_string_equal(m2m_es5_por_code(0x02).reason, "4.2");
	assert_string_equal(m2m_es5_por_code(0x07).reason, "4.8");
	assert_string_equal(m2m_es5_por_code(0x09).reason, "3.9");
	assert_string_equal(m2m_es5_outcome_code(M2M_ES5_UNDELIVERED).reason, "3.7");
	assert_string_equal(m2m_es5_fn_name(M2M_ES5_AUDIT), "audit");
	assert_string_equal(m2m_es5_fn_name(99), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_isdp),
		cmocka_unit_test(test_store_data_and_delete),
		cmocka_unit_test(test_notification_confirm),
		cmocka_unit_test(test_smsr_addressing),
		cmocka_unit_test(test_audit),
		cmocka_unit_test(test_delete_keys),
		cmocka_unit_test(test_put_key_psk),
		cmocka_unit_test(test_master_delete),
		cmocka_unit_test(test_response_scripts),
		cmocka_unit_test(test_result_outcomes),
		cmocka_unit_test(test_audit_answers),
		cmocka_unit_test(test_confirm_answers),
		cmocka_unit_test(test_code_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
