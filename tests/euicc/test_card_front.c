/* The modem-side router of the whole card (euicc/card_front.h): power and ATR, the UICC file
 * system by default, SELECT of the ISD-R and ECASD with what they answer without a secure
 * channel, logical channels, the REFRESH after a profile switch. Two profiles: the TS.48
 * package (shared/vectors/saip, header ICCID 89000123456789012341) in ISD-P 13, enabled, and
 * the same package personalised to ICCID 89000123456789012358 in ISD-P 14. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "es8_fixture.h"
#include "euicc/card_front.h"
#include "saip/personalise.h"

/* EF.ICCID (TS 102 221 13.2): the ICCID digits nibble-swapped. */
#define EF_ICCID_13 "98001032547698103214"
#define EF_ICCID_14 "98001032547698103285"
#define AID_ECASD AID_PREFIX_HEX "00000200"
/* docs/euicc.md "UICC file system" */
#define ATR_HEX "3b9f96801fc78031e073fe211b633a204e8300900093"

typedef struct {
	card *c;
	m2m_card_front f;
	char out[8192];
} fx;

/* The TS.48 package with another ICCID, encoded again. */
static void personalised(const m2m_buf *pkg, const char *digits, m2m_buf *der)
{
	m2m_saip_pkg p;
	m2m_saip_error err;

	m2m_saip_pkg_init(&p);
	m2m_buf_init(der);
	assert_int_equal(m2m_saip_decode(pkg->data, pkg->len, &p, &err), M2M_OK);
	assert_int_equal(m2m_saip_set_iccid(&p, digits, true, &err), M2M_OK);
	assert_int_equal(m2m_saip_encode(&p, der), M2M_OK);
	m2m_saip_pkg_free(&p);
}

static void install(card *c, const char *aid_hex, const m2m_buf *pkg)
{
	assert_string_equal(fx_create(c, aid_hex), "009000");
	assert_int_equal(m2m_euicc_isdp_install_package(c->e, fx_idx(c, aid_hex), pkg->data,
							pkg->len), M2M_OK);
}

static uint16_t enable(card *c, const char *aid_hex)
{
	uint8_t aid[16];

	fx_aid(aid_hex, aid);
	return m2m_euicc_enable_profile(c->e, aid, sizeof aid, &c->ev);
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	m2m_buf pkg, pkg2;

	assert_non_null(f);
	f->c = fx_new();
	es8_read(&pkg);
	personalised(&pkg, "8900012345678901235", &pkg2);
	install(f->c, AID_13, &pkg);
	install(f->c, AID_14, &pkg2);
	assert_int_equal(enable(f->c, AID_13), 0x9000);
	m2m_buf_free(&pkg);
	m2m_buf_free(&pkg2);
	m2m_card_front_init(&f->f, f->c->e);
	(void)m2m_card_front_reset(&f->f, NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;

	fx_free(f->c);
	free(f);
	return 0;
}

/* One C-APDU (hex, spaces allowed) through the front; the R-APDU as lower-case hex. */
static const char *tx(fx *f, const char *hex)
{
	char clean[1024];
	uint8_t apdu[512];
	size_t j = 0, n = 0;
	m2m_buf r;

	for (size_t i = 0; hex[i] != '\0' && j + 1 < sizeof clean; i++)
		if (hex[i] != ' ')
			clean[j++] = hex[i];
	clean[j] = '\0';
	assert_int_equal(m2m_hex_decode(clean, apdu, sizeof apdu, &n), M2M_OK);
	m2m_buf_init(&r);
	assert_int_equal(m2m_card_front_apdu(&f->f, n ? apdu : NULL, n, &r), M2M_OK);
	assert_true(r.len >= 2 && r.len * 2 < sizeof f->out);
	m2m_hex_encode(r.data, r.len, f->out);
	m2m_buf_free(&r);
	assert_int_equal(m2m_euicc_check(f->c->e), M2M_OK);
	return f->out;
}

static void read_iccid(fx *f, const char *want_ef, const char *sw)
{
	char w[64];

	assert_string_equal(tx(f, "00A4000C022FE2"), "9000");
	snprintf(w, sizeof w, "%s%s", want_ef, sw);
	assert_string_equal(tx(f, "00B000000A"), w);
}

static void test_power(void **state)
{
	fx *f = *state;
	uint8_t apdu[] = {0x00, 0xB0, 0x00, 0x00, 0x01};
	const uint8_t *atr;
	size_t n = 0;
	char hex[128];
	m2m_buf r;

	m2m_buf_init(&r);
	atr = m2m_card_front_reset(&f->f, &n);
	m2m_hex_encode(atr, n, hex);
	assert_string_equal(hex, ATR_HEX);
	assert_int_equal(f->f.resets, 2);
	assert_true(f->f.powered);
	/* Powered off: no answer at all. */
	m2m_card_front_power_off(&f->f);
	assert_int_equal(m2m_card_front_apdu(&f->f, apdu, sizeof apdu, &r), M2M_ERR_STATE);
	assert_int_equal(r.len, 0);
	/* Bad arguments. */
	(void)m2m_card_front_reset(&f->f, NULL);
	assert_int_equal(m2m_card_front_apdu(NULL, apdu, sizeof apdu, &r), M2M_ERR_ARG);
	assert_int_equal(m2m_card_front_apdu(&f->f, NULL, 4, &r), M2M_ERR_ARG);
	assert_int_equal(m2m_card_front_apdu(&f->f, apdu, sizeof apdu, NULL), M2M_ERR_ARG);
	m2m_buf_free(&r);
}

/* After the ATR the basic channel is the UICC: EF.ICCID, STATUS of the MF. */
static void test_uicc_default(void **state)
{
	static const uint8_t upd[] = {0x00, 0xD6, 0x00, 0x09, 0x01, 0x15};
	fx *f = *state;
	m2m_euicc_events ev = {0};
	m2m_buf r;

	read_iccid(f, EF_ICCID_13, "9000");
	assert_memory_equal(tx(f, "80F2000000"), "62", 2);
	/* An update through the front is reported: the host saves the eUICC. */
	m2m_buf_init(&r);
	assert_int_equal(m2m_card_front_apdu_ev(&f->f, upd, sizeof upd, &r, &ev), M2M_OK);
	assert_int_equal(r.len, 2);
	assert_memory_equal(r.data, "\x90\x00", 2);
	assert_true(ev.state_changed);
	m2m_buf_free(&r);
	read_iccid(f, "98001032547698103215", "9000");
	/* A reset makes the MF current again: no current EF. */
	(void)m2m_card_front_reset(&f->f, NULL);
	assert_string_equal(tx(f, "00B000000A"), "6986");
}

static void test_isdr(void **state)
{
	fx *f = *state;
	const char *r;

	assert_string_equal(tx(f, "00A4040C10" AID_ISDR), "9000");
	assert_string_equal(tx(f, "00A4040010" AID_ISDR),
			    "6f188410" AID_ISDR "a5049f6501ff9000");
	assert_string_equal(tx(f, "80CA005A00"), "5a10" EID_HEX "9000");
	r = tx(f, "80CAFF2100");
	assert_memory_equal(r, "ff210d", 6);
	r = tx(f, "80CABF30045C027F2100");
	assert_memory_equal(r, "bf30", 4);
	/* GET STATUS of an ISD-P with the whty tag list: E3 { 4F AID, 9F70 LCS } (enabled). */
	assert_string_equal(tx(f, "80F2400217 4F10" AID_13 " 5C034F9F70 00"),
			    "e3164f10" AID_13 "9f70013f9000");
	/* 80 F2 is GET STATUS here, not the UICC's STATUS. */
	assert_string_equal(tx(f, "80F2000000"), "6a86");
	/* ES5 commands need SCP80/SCP81: refused, nothing changes. */
	assert_string_equal(tx(f, "80E2880015 3A0312 4F10" AID_14), "6982");
	assert_int_equal(m2m_euicc_enabled_isdp(f->c->e), fx_idx(f->c, AID_13));
	assert_string_equal(tx(f, "80E40040124F10" AID_14 "00"), "6982");
	assert_string_equal(tx(f, "80E6200016000010" AID_14 "00000000"), "6982");
	assert_int_equal(fx_idx(f->c, AID_14) >= 0, true);
	assert_string_equal(tx(f, "80D8000000"), "6982");
	/* Secure messaging, wrong class, unknown instruction, extended length. */
	assert_string_equal(tx(f, "84CA005A00"), "6882");
	assert_string_equal(tx(f, "00CA005A00"), "6e00");
	assert_string_equal(tx(f, "80AA000000"), "6d00");
	assert_string_equal(tx(f, "80CA005A000000"), "6700");
	assert_string_equal(tx(f, "80CA005A"), "5a10" EID_HEX "9000");
	/* Selecting a file goes back to the UICC. */
	assert_string_equal(tx(f, "00A4000C023F00"), "9000");
	assert_memory_equal(tx(f, "80F2000000"), "62", 2);
	/* SELECT of the ISD-R with another P2, a prefix of its AID: not the ISD-R. */
	assert_string_equal(tx(f, "00A4040210" AID_ISDR), "6a86");
	assert_string_equal(tx(f, "00A4040C0CA0000005591010FFFFFFFF89"), "6a82");
	assert_memory_equal(tx(f, "80F2000000"), "62", 2);
}

static void test_ecasd(void **state)
{
	fx *f = *state;
	char w[2048];

	assert_string_equal(tx(f, "00A4040010" AID_ECASD),
			    "6f188410" AID_ECASD "a5049f6501ff9000");
	assert_string_equal(tx(f, "80CA005A00"), "5a10" EID_HEX "9000");
	m2m_hex_encode(f->c->cert_ecasd.data, f->c->cert_ecasd.len, w);
	strcat(w, "9000");
	assert_string_equal(tx(f, "80CA7F2100"), w);
	assert_string_equal(tx(f, "80CA006600"), "6a88");
	assert_string_equal(tx(f, "80CAFF2100"), "6a88");
	assert_string_equal(tx(f, "80CA005A01AA00"), "6700");
	assert_string_equal(tx(f, "80E2880003010203"), "6d00");
	assert_string_equal(tx(f, "00CA005A00"), "6e00");
	assert_string_equal(tx(f, "88CA005A00"), "6882");
}

static void test_channels(void **state)
{
	fx *f = *state;

	assert_string_equal(tx(f, "0070000001"), "019000");
	assert_string_equal(tx(f, "01A4040C10" AID_ISDR), "9000");
	assert_string_equal(tx(f, "81CA005A00"), "5a10" EID_HEX "9000");
	/* The basic channel is untouched. */
	read_iccid(f, EF_ICCID_13, "9000");
	/* A channel opened from the basic one has the UICC, which has no logical channels. */
	assert_string_equal(tx(f, "0070000001"), "029000");
	assert_string_equal(tx(f, "02A4000C022FE2"), "6881");
	/* Opened from channel 1: the ISD-R again. */
	assert_string_equal(tx(f, "0170000001"), "039000");
	assert_string_equal(tx(f, "83CA005A00"), "5a10" EID_HEX "9000");
	assert_string_equal(tx(f, "0070000001"), "6a81");
	/* Close 1; it is gone; the basic channel never closes. */
	assert_string_equal(tx(f, "00708001"), "9000");
	assert_string_equal(tx(f, "81CA005A00"), "6881");
	assert_string_equal(tx(f, "00708001"), "6881");
	assert_string_equal(tx(f, "00708000"), "6a86");
	assert_string_equal(tx(f, "00708005"), "6a86");
	/* Open 1 by number; a number already open; close the channel it came on (P2 00). */
	assert_string_equal(tx(f, "00700001"), "9000");
	assert_string_equal(tx(f, "00700001"), "6a86");
	assert_string_equal(tx(f, "01708000"), "9000");
	assert_string_equal(tx(f, "81CA005A00"), "6881");
	/* Malformed MANAGE CHANNEL, further interindustry channels, CLA FF. */
	assert_string_equal(tx(f, "0070000001AA"), "6700");
	assert_string_equal(tx(f, "0070400000"), "6a86");
	assert_string_equal(tx(f, "8070000001"), "6e00");
	assert_string_equal(tx(f, "41B0000001"), "6881");
	assert_string_equal(tx(f, "FFB0000001"), "6e00");
	/* A reset closes every logical channel. */
	(void)m2m_card_front_reset(&f->f, NULL);
	assert_string_equal(tx(f, "83CA005A00"), "6881");
	assert_string_equal(tx(f, "02A4000C022FE2"), "6881");
}

/* The switch is seen as a whole after a reset; a terminal that sent its profile is told
 * by 91 0B and fetches REFRESH (UICC reset). */
static void test_refresh(void **state)
{
	fx *f = *state;

	assert_string_equal(tx(f, "8010000003FFFFFF"), "9000");
	assert_false(m2m_card_front_refresh_pending(&f->f));
	assert_string_equal(tx(f, "801200000B"), "6985"); /* nothing to fetch */
	assert_int_equal(enable(f->c, AID_14), 0x9000);
	assert_true(f->c->ev.refresh);
	assert_true(m2m_card_front_refresh_pending(&f->f));
	assert_string_equal(tx(f, "00A4000C023F00"), "910b");
	assert_string_equal(tx(f, "00A4000C02FFFF"), "6a82"); /* errors stay as they are */
	assert_string_equal(tx(f, "8012000005"), "6c0b");
	assert_string_equal(tx(f, "801200000B"), "d0098103010104820281829000");
	assert_string_equal(tx(f, "00A4000C023F00"), "9000");
	assert_string_equal(tx(f, "801200000B"), "6985");
	assert_string_equal(tx(f, "801400000C810301010402028281830100"), "9000");
	assert_string_equal(tx(f, "8014000000"), "6700");
	assert_true(m2m_card_front_refresh_pending(&f->f));
	/* The device resets: the new profile. */
	(void)m2m_card_front_reset(&f->f, NULL);
	assert_false(m2m_card_front_refresh_pending(&f->f));
	read_iccid(f, EF_ICCID_14, "9000");
	/* No TERMINAL PROFILE since the reset: no 91xx, the reset still shows the switch. */
	assert_int_equal(enable(f->c, AID_13), 0x9000);
	assert_true(m2m_card_front_refresh_pending(&f->f));
	assert_string_equal(tx(f, "00A4000C023F00"), "9000");
	assert_string_equal(tx(f, "801200000B"), "6985");
	(void)m2m_card_front_reset(&f->f, NULL);
	read_iccid(f, EF_ICCID_13, "9000");
	/* A REFRESH the host asks for (same profile again). */
	m2m_card_front_refresh(&f->f);
	assert_true(m2m_card_front_refresh_pending(&f->f));
	(void)m2m_card_front_reset(&f->f, NULL);
	assert_false(m2m_card_front_refresh_pending(&f->f));
}

/* A device read does not end an ES5 STORE DATA chain running over OTA; on the ISD-R's own
 * entry point it would (the control case). */
static void test_chain_kept(void **state)
{
	fx *f = *state;
	card *c = f->c;

	/* EnableProfile 3A03 { 4F10 AID_14 } in two blocks: 12 bytes, then 9 (last). */
	assert_string_equal(fx_tx(c, "80E208000C 3A03124F10A0000005591010"), "9000");
	assert_string_equal(tx(f, "00A4040C10" AID_ISDR), "9000");
	assert_string_equal(tx(f, "80CA005A00"), "5a10" EID_HEX "9000");
	assert_string_equal(fx_tx(c, "80E2880109 FFFFFFFF8900001400"), "9000");
	assert_int_equal(m2m_euicc_enabled_isdp(c->e), fx_idx(c, AID_14));
	assert_string_equal(fx_tx(c, "80E208000C 3A03124F10A0000005591010"), "9000");
	assert_string_equal(fx_tx(c, "80CA005A00"), "5a10" EID_HEX "9000");
	assert_string_equal(fx_tx(c, "80E2880109 FFFFFFFF8900001300"), "6a86");
	assert_int_equal(m2m_euicc_enabled_isdp(c->e), fx_idx(c, AID_14));
}

/* Short inputs, and a deterministic stream of random APDUs: every answer ends with a status
 * word and the state stays valid. */
static void test_garbage(void **state)
{
	fx *f = *state;
	uint32_t x = 0x12345678u;
	uint8_t apdu[64];
	m2m_buf r;

	assert_string_equal(tx(f, ""), "6700");
	assert_string_equal(tx(f, "00"), "6700");
	assert_string_equal(tx(f, "00A404"), "6700");
	assert_string_equal(tx(f, "00A4040C10A000"), "6700");
	m2m_buf_init(&r);
	for (int i = 0; i < 3000; i++) {
		size_t n;

		x = x * 1103515245u + 12345u;
		n = (x >> 16) % sizeof apdu;
		for (size_t k = 0; k < n; k++) {
			x = x * 1103515245u + 12345u;
			apdu[k] = (uint8_t)(x >> 16);
		}
		if (n > 1 && i % 3 == 0)
			apdu[0] = (uint8_t)(apdu[0] & 0x83); /* reach the routed classes */
		if (n > 1 && i % 5 == 0)
			apdu[1] = (const uint8_t[]){0xA4, 0x70, 0xCA, 0xF2, 0x12}[i % 25 / 5];
		m2m_buf_reset(&r);
		assert_int_equal(m2m_card_front_apdu(&f->f, n ? apdu : NULL, n, &r), M2M_OK);
		assert_true(r.len >= 2);
		if (i % 500 == 0)
			(void)m2m_card_front_reset(&f->f, NULL);
	}
	assert_int_equal(m2m_euicc_check(f->c->e), M2M_OK);
	m2m_buf_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_power, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uicc_default, setup, teardown),
		cmocka_unit_test_setup_teardown(test_isdr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ecasd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_channels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
