/* The ISD-R's ES5 commands at APDU level, byte-exact against the njiwa/whty layouts of
 * sgp02-facts*.md. Every tx() also checks the invariants and a save/load round trip. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "crypto/sym.h"
#include "euicc_fixture.h"

static int setup(void **state)
{
	*state = fx_new();
	return 0;
}

static int teardown(void **state)
{
	fx_free(*state);
	return 0;
}

/* ---- APDU framing ---- */

static void test_framing(void **state)
{
	card *c = *state;

	assert_string_equal(fx_tx(c, "80CA"), "6700");
	assert_string_equal(fx_tx(c, "80CA005A0300"), "6700");        /* Lc 3, 1 byte */
	assert_string_equal(fx_tx(c, "00CA005A00"), "6e00");
	assert_string_equal(fx_tx(c, "80A4040000"), "6d00");
	assert_string_equal(fx_tx(c, "80CA005A"), "5a10" EID_HEX "9000");
	assert_string_equal(fx_tx(c, "80CA005A00"), "5a10" EID_HEX "9000");
	/* Extended length: 00 Lc Lc data Le Le. */
	assert_string_equal(fx_tx(c, "80F24002000012 4F10" AID_BOOT " 0000"),
			    "e3254f10" AID_BOOT "9f70013f530101" "8f04" "00002710" "9104" "00000000"
			    "9000");
	assert_int_equal(m2m_euicc_isdr_apdu(NULL, NULL, 0, NULL), M2M_ERR_ARG);
}

/* ---- CreateISDP ---- */

static void test_create_isdp_whty(void **state)
{
	card *c = *state;

	/* The whty trace bytes, with the trailing Le. */
	assert_string_equal(fx_tx(c, "80E60C003F10A0000005591010FFFFFFFF8900000D0010A0000005591010"
				     "FFFFFFFF8900000E0010A0000005591010FFFFFFFF89000013000380C000"
				     "06C904810203700000"),
			    "009000");
	assert_true(c->ev.state_changed);
	assert_string_equal(fx_tx(c, "80F24002174F10" AID_13 "5C034F9F7000"),
			    "e3164f10" AID_13 "9f700107" "9000");
	assert_int_equal(c->e->isdp[fx_idx(c, AID_13)].mem_reserved, MEM_DEFAULT);
	/* Same AID again. */
	assert_string_equal(fx_create(c, AID_13), "6a80");
}

static void test_create_isdp_memory(void **state)
{
	card *c = *state;

	/* EF { 83 02 mem } reserves the given amount. */
	assert_string_equal(fx_tx(c, "80E60C0045 10" AID_PREFIX_HEX "00000D00 10" AID_PREFIX_HEX
				     "00000E00 10" AID_13 " 0380C000 0CC90481020370EF0483021388 00 00"),
			    "009000");
	assert_int_equal(c->e->isdp[fx_idx(c, AID_13)].mem_reserved, 0x1388);
	assert_string_equal(fx_tx(c, "80CAFF2100"), "ff210d810102820400014c0883023a929000");
	/*More than is free: 6A84, nothing created. */
	assert_string_equal(fx_tx(c, "80E60C0047 10" AID_PREFIX_HEX "00000D00 10" AID_PREFIX_HEX
				     "00000E00 10" AID_14 " 0380C000 0EC90481020370EF06830400989681 00"),
			    "6a84");
	assert_int_equal(fx_idx(c, AID_14), -1);
	/* Fill the card with default-sized ISD-Ps: 85000 free / 20000 = 4 more. */
	char aid[40];
	int made = 0;
	for (int t = 0x20; t < 0x30; t++) {
		snprintf(aid, sizeof aid, AID_PREFIX_HEX "0000%02x00", t);
		const char *r = fx_create(c, aid);
		if (strcmp(r, "009000") == 0)
			made++;
		else
			assert_string_equal(r, "6a84");
	}
	assert_int_equal(made, 4);
	assert_string_equal(fx_tx(c, "80CAFF2100"), "ff210d81010682040000138883023a929000");
}

static void test_create_isdp_slots(void **state)
{
	card *c = *state;
	char aid[40];

	c->e->mem_total = 0xFFFFFFFF;
	for (int t = 0x20; t < 0x20 + M2M_EUICC_ISDP_MAX - 1; t++) {
		snprintf(aid, sizeof aid, AID_PREFIX_HEX "0000%02x00", t);
		assert_string_equal(fx_create(c, aid), "009000");
	}
	assert_string_equal(fx_create(c, AID_13), "6a84");
}

static void test_create_isdp_errors(void **state)
{
	card *c = *state;

	/* Unknown ELF. */
	assert_string_equal(fx_tx(c, "80E60C003F 10" AID_PREFIX_HEX "00000C00 10" AID_PREFIX_HEX
				     "00000E00 10" AID_13 " 0380C000 06C90481020370 00 00"),
			    "6a88");
	/* Not an ISD-P AID (TAR 000001 is the ISD-R's). */
	assert_string_equal(fx_create(c, AID_ISDR), "6a80");
	assert_string_equal(fx_create(c, AID_PREFIX_HEX "00000F00"), "6a80");
	/* SCP02 instead of SCP03. */
	assert_string_equal(fx_tx(c, "80E60C003F 10" AID_PREFIX_HEX "00000D00 10" AID_PREFIX_HEX
				     "00000E00 10" AID_13 " 0380C000 06C90481020270 00 00"),
			    "6a80");
	/* No C9. */
	assert_string_equal(fx_tx(c, "80E60C003F 10" AID_PREFIX_HEX "00000D00 10" AID_PREFIX_HEX
				     "00000E00 10" AID_13 " 0380C000 06EF0481020370 00 00"),
			    "6a80");
	/* Token length byte missing, token present, privileges without SD bit. */
	assert_string_equal(fx_tx(c, "80E60C003E 10" AID_PREFIX_HEX "00000D00 10" AID_PREFIX_HEX
				     "00000E00 10" AID_13 " 0380C000 06C90481020370"),
			    "6a80");
	assert_string_equal(fx_tx(c, "80E60C0040 10" AID_PREFIX_HEX "00000D00 10" AID_PREFIX_HEX
				     "00000E00 10" AID_13 " 0380C000 06C90481020370 0101"),
			    "6a80");
	assert_string_equal(fx_tx(c, "80E60C003F 10" AID_PREFIX_HEX "00000D00 10" AID_PREFIX_HEX
				     "00000E00 10" AID_13 " 0300C000 06C90481020370 00"),
			    "6a80");
	/* Truncated LV. */
	assert_string_equal(fx_tx(c, "80E60C000510A0000005"), "6a80");
	assert_string_equal(fx_tx(c, "80E60400003F"), "6700");
	assert_string_equal(fx_tx(c, "80E60400 01 00"), "6a86");
	assert_int_equal(m2m_euicc_isdp_count(c->e), 1);
}

/* ---- Enable / Disable ---- */

static void test_enable_disable(void **state)
{
	card *c = *state;

	assert_string_equal(fx_create(c, AID_13), "009000");
	/* SELECTABLE without a profile cannot be enabled. */
	assert_string_equal(fx_dgi_aid(c, "3A03", AID_13), "6985");
	fx_profile(c, AID_14, 0);
	memset(&c->ev, 0, sizeof c->ev);
	/* The whty bytes. */
	assert_string_equal(fx_tx(c, "80E28800153A03124F10A0000005591010FFFFFFFF8900001400"), "9000");
	assert_true(c->ev.refresh && c->ev.notification);
	assert_int_equal(c->e->isdp[fx_idx(c, AID_14)].lcs, M2M_EUICC_LCS_ENABLED);
	assert_int_equal(c->e->isdp[fx_idx(c, AID_BOOT)].lcs, M2M_EUICC_LCS_DISABLED);
	assert_int_equal(fx_enabled_count(c->e), 1);
	assert_string_equal(fx_dgi_aid(c, "3A03", AID_14), "6985");
	assert_string_equal(fx_dgi_aid(c, "3A03", AID_PREFIX_HEX "00009900"), "6a88");
	assert_string_equal(fx_tx(c, "80E2880005 3A0302 4F00"), "6a80");
	assert_string_equal(fx_tx(c, "80E2880005 3A0302 5A00"), "6a80");
	/* Disable: the fall-back profile comes back. */
	memset(&c->ev, 0, sizeof c->ev);
	assert_string_equal(fx_dgi_aid(c, "3A04", AID_14), "9000");
	assert_true(c->ev.refresh);
	assert_int_equal(c->e->isdp[fx_idx(c, AID_BOOT)].lcs, M2M_EUICC_LCS_ENABLED);
	assert_int_equal(c->e->isdp[fx_idx(c, AID_14)].lcs, M2M_EUICC_LCS_DISABLED);
	/* Not enabled; the fall-back profile itself. */
	assert_string_equal(fx_dgi_aid(c, "3A04", AID_14), "6985");
	assert_string_equal(fx_dgi_aid(c, "3A04", AID_BOOT), "6985");
	assert_int_equal(fx_enabled_count(c->e), 1);
	assert_int_equal(m2m_euicc_notif_count(c->e), 2);
}

static void test_exactly_one_enabled(void **state)
{
	card *c = *state;
	const char *aids[] = {AID_BOOT, AID_13, AID_14};
	unsigned x = 12345;

	fx_profile(c, AID_13, 0);
	fx_profile(c, AID_14, 0);
	for (int i = 0; i < 60; i++) {
		x = x * 1103515245u + 12345u;
		const char *dgi = (x >> 16) & 1 ? "3A03" : "3A04";
		const char *r = fx_dgi_aid(c, dgi, aids[(x >> 8) % 3]);
		assert_true(strcmp(r, "9000") == 0 || strcmp(r, "6985") == 0);
		assert_int_equal(fx_enabled_count(c->e), 1);
	}
}

/* ---- POL1 matrix ---- */

enum { ACT_ENABLE_OTHER, ACT_DISABLE, ACT_DELETE };

static const char *pol1_case(uint8_t pol1, int act)
{
	card *c = fx_new();
	static char sw[8];

	fx_profile(c, AID_13, pol1);
	fx_profile(c, AID_14, 0);
	if (act != ACT_DELETE)
		assert_string_equal(fx_dgi_aid(c, "3A03", AID_13), "9000");
	if (act == ACT_ENABLE_OTHER)
		snprintf(sw, sizeof sw, "%s", fx_dgi_aid(c, "3A03", AID_14));
	else if (act == ACT_DISABLE)
		snprintf(sw, sizeof sw, "%s", fx_dgi_aid(c, "3A04", AID_13));
	else
		snprintf(sw, sizeof sw, "%s", fx_tx(c, "80E40040124F10" AID_13 "00"));
	/* Delete-on-disable: the ISD-P goes at the next notification confirmation. */
	if (pol1 == M2M_EUICC_POL1_DELETE_ON_DISABLE && act != ACT_DELETE) {
		assert_true(c->e->isdp[fx_idx(c, AID_13)].delete_pending);
		assert_string_equal(fx_tx(c, "80E2890007 3A0804 4E020000"), "80124f10" AID_13 "9000");
		assert_string_equal(fx_tx(c, "80E2890007 3A0804 4E020001"), "80009000");
		assert_int_equal(fx_idx(c, AID_13), -1);
	}
	assert_int_equal(fx_enabled_count(c->e), 1);
	fx_free(c);
	return sw;
}

static void test_pol1_matrix(void **state)
{
	(void)state;
	/* rows: POL1 00, 01 no disable, 02 no delete, 04 delete on disable;
	 * columns: enable another (disables this), disable, delete (while disabled). */
	static const struct {
		uint8_t pol1;
		const char *sw[3];
	} m[] = {
		{0x00, {"9000", "9000", "009000"}},
		{M2M_EUICC_POL1_NO_DISABLE, {"69e1", "69e1", "009000"}},
		{M2M_EUICC_POL1_NO_DELETE, {"9000", "9000", "69e1"}},
		{M2M_EUICC_POL1_DELETE_ON_DISABLE, {"9000", "9000", "009000"}},
	};
	for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
		for (int a = 0; a < 3; a++)
			assert_string_equal(pol1_case(m[i].pol1, a), m[i].sw[a]);
}

/* ---- Fall-back and emergency attributes ---- */

static void test_fallback(void **state)
{
	card *c = *state;
	m2m_euicc_events ev = {0};

	fx_profile(c, AID_13, 0);
	assert_string_equal(fx_create(c, AID_14), "009000");
	/* The whty bytes. */
	assert_string_equal(fx_tx(c, "80E28800153A05124F10A0000005591010FFFFFFFF8900001300"), "9000");
	assert_true(c->e->isdp[fx_idx(c, AID_13)].fallback);
	assert_false(c->e->isdp[fx_idx(c, AID_BOOT)].fallback);
	assert_string_equal(fx_tx(c, "80F24002124F10" AID_13),
			    "e3254f10" AID_13 "9f70011f530101" "8f04" "00004e20" "9104" "00004a38"
			    "9000");
	assert_string_equal(fx_dgi_aid(c, "3A05", AID_14), "6985");      /* no profile */
	assert_string_equal(fx_dgi_aid(c, "3A05", AID_PREFIX_HEX "00009900"), "6a88");
	/* The fall-back profile cannot be deleted. */
	assert_string_equal(fx_tx(c, "80E40040124F10" AID_13 "00"), "6985");
	/* Network loss: the fall-back profile is enabled, notification 05. */
	assert_int_equal(m2m_euicc_fallback_activate(c->e, &ev), M2M_OK);
	assert_true(ev.refresh && ev.notification);
	assert_int_equal(c->e->isdp[fx_idx(c, AID_13)].lcs, M2M_EUICC_LCS_ENABLED);
	assert_int_equal(c->e->notif[m2m_euicc_notif_oldest(c->e)].type, 0x05);
	assert_int_equal(m2m_euicc_fallback_activate(c->e, &ev), M2M_ERR_STATE);
	/* While the fall-back is active: no roll-back, the attribute stays (test_flows.c has
	 * the rest); the SM-SR's EnableProfile ends it. */
	assert_true(c->e->fallback_active);
	assert_int_equal(m2m_euicc_rollback(c->e, &ev), M2M_ERR_STATE);
	assert_string_equal(fx_dgi_aid(c, "3A03", AID_BOOT), "9000");
	assert_false(c->e->fallback_active);
	assert_int_equal(c->e->isdp[fx_idx(c, AID_BOOT)].lcs, M2M_EUICC_LCS_ENABLED);
	assert_int_equal(fx_enabled_count(c->e), 1);
	fx_roundtrip(c->e);
}

static void test_emergency(void **state)
{
	card *c = *state;

	fx_profile(c, AID_13, 0);
	fx_profile(c, AID_14, 0);
	assert_string_equal(fx_dgi_aid(c, "3A09", AID_13), "9000");
	assert_true(c->e->isdp[fx_idx(c, AID_13)].emergency);
	assert_string_equal(fx_tx(c, "80F24002154F10" AID_13 "5C0153"), "e3035301029000");
	assert_string_equal(fx_dgi_aid(c, "3A09", AID_14), "9000");   /* moves */
	assert_false(c->e->isdp[fx_idx(c, AID_13)].emergency);
	assert_string_equal(fx_dgi_aid(c, "3A09", AID_BOOT), "6985"); /* holds fall-back */
	assert_string_equal(fx_dgi_aid(c, "3A05", AID_14), "6985");   /* holds emergency */
	assert_string_equal(fx_tx(c, "80E40040124F10" AID_14 "00"), "6985");
}

/* ---- DeleteISDP and Master Delete ---- */

static void test_delete_isdp(void **state)
{
	card *c = *state;

	fx_profile(c, AID_13, 0);
	assert_string_equal(fx_tx(c, "80CAFF2100"), "ff210d81010282040001117083023a929000");
	/* The whty trace bytes. */
	assert_string_equal(fx_tx(c, "80E40040124F10A0000005591010FFFFFFFF890000130000"), "009000");
	assert_int_equal(fx_idx(c, AID_13), -1);
	assert_string_equal(fx_tx(c, "80CAFF2100"), "ff210d810101820400015f9083023a929000");
	assert_string_equal(fx_tx(c, "80E40040124F10" AID_13 "00"), "6a88");
	assert_string_equal(fx_tx(c, "80E40040124F10" AID_BOOT "00"), "6985"); /* enabled */
	assert_string_equal(fx_tx(c, "80E40040124F10" AID_ISDR "00"), "6985");
	assert_string_equal(fx_tx(c, "80E40040035A0100"), "6a80");
	assert_string_equal(fx_tx(c, "80E40080124F10" AID_13 "00"), "6a86");
	assert_string_equal(fx_tx(c, "80E40040144F10" AID_13 "B600"), "6a80"); /* B6 w/o 9E */
}

static void master_delete_apdu(const uint8_t key[16], const char *aid_hex, bool bad, char *out)
{
	uint8_t body[128], in[160], mac[16];
	size_t n = 0;
	char hex[400];

	snprintf(hex, sizeof hex,
		 "4F10%s B61D 42054953445001 4509495344505344494E01 5F200547534D4101 930101",
		 aid_hex);
	char clean[400];
	size_t j = 0;
	for (size_t i = 0; hex[i]; i++)
		if (hex[i] != ' ')
			clean[j++] = hex[i];
	clean[j] = 0;
	assert_int_equal(m2m_hex_decode(clean, body, sizeof body, &n), M2M_OK);
	in[0] = 0x00;
	in[1] = 0x40;
	in[2] = (uint8_t)n;
	memcpy(in + 3, body, n);
	assert_int_equal(m2m_aes_cmac(key, 16, in, n + 3, mac), M2M_OK);
	mac[0] ^= bad;
	j = (size_t)sprintf(out, "80E40040%02x", (unsigned)(n + 18));
	m2m_hex_encode(body, n, out + j);
	j += 2 * n;
	j += (size_t)sprintf(out + j, "9E10");
	m2m_hex_encode(mac, 16, out + j);
	strcat(out, "00");
}

static void test_master_delete(void **state)
{
	card *c = *state;
	uint8_t key[16], aid[16];
	char apdu[512];

	memset(key, 0x70, sizeof key);
	fx_profile(c, AID_13, M2M_EUICC_POL1_NO_DELETE);
	fx_aid(AID_13, aid);
	master_delete_apdu(key, AID_13, false, apdu);
	/* No token key yet. */
	assert_string_equal(fx_tx(c, apdu), "6985");
	assert_int_equal(m2m_euicc_isdp_set_token_key(c->e, aid, key, 16), M2M_OK);
	/* A plain DeleteISDP is refused by POL1, the token overrides POL1. */
	assert_string_equal(fx_tx(c, "80E40040124F10" AID_13 "00"), "69e1");
	master_delete_apdu(key, AID_13, true, apdu);
	assert_string_equal(fx_tx(c, apdu), "6982");
	assert_string_equal(fx_dgi_aid(c, "3A03", AID_13), "9000");
	master_delete_apdu(key, AID_13, false, apdu);
	assert_string_equal(fx_tx(c, apdu), "6985"); /* enabled */
	assert_string_equal(fx_dgi_aid(c, "3A04", AID_13), "9000");
	assert_string_equal(fx_tx(c, apdu), "009000");
	assert_int_equal(fx_idx(c, AID_13), -1);
}

/* ---- SM-SR addressing parameters ---- */

static void test_smsr_params(void **state)
{
	card *c = *state;

	/* The whty trace bytes. */
	assert_string_equal(fx_tx(c, "80E288000C3A0709A30781050685214365"), "9000");
	assert_int_equal(c->e->smsr_params_len, 7);
	assert_memory_equal(c->e->smsr_params, "\x81\x05\x06\x85\x21\x43\x65", 7);
	assert_string_equal(fx_tx(c, "80E28800053A0702A300"), "6a80");
	assert_string_equal(fx_tx(c, "80E28800073A0704A1028100"), "6a80");
	assert_string_equal(fx_tx(c, "80E28800073A0704A3028105"), "6a80"); /* inner overrun */
	assert_string_equal(fx_tx(c, "80E28800053A0F020000"), "6a80");      /* unknown DGI */
}

/* ---- Notifications ---- */

static void test_notification_confirm(void **state)
{
	card *c = *state;
	m2m_buf n;

	fx_profile(c, AID_13, 0);
	assert_string_equal(fx_dgi_aid(c, "3A03", AID_13), "9000");
	assert_int_equal(m2m_euicc_notif_count(c->e), 1);
	m2m_buf_init(&n);
	assert_int_equal(m2m_euicc_notif_encode(c->e, m2m_euicc_notif_oldest(c->e), NULL, 0, &n),
			 M2M_OK);
	char hex[200];
	m2m_hex_encode(n.data, n.len, hex);
	assert_string_equal(hex, "e12b4c10" EID_HEX "4d0102" "4e020000" "4f10" AID_13);
	m2m_buf_free(&n);
	/* The whty confirmation bytes (P1 89, trailing Le). */
	assert_string_equal(fx_tx(c, "80E28900073A08044E02000000"), "80009000");
	assert_int_equal(m2m_euicc_notif_count(c->e), 0);
	assert_string_equal(fx_tx(c, "80E28900073A08044E02000000"), "6a88");
	assert_string_equal(fx_tx(c, "80E28900063A0803 4E0100"), "6a80");
}

/* ---- Audit ---- */

static void test_audit(void **state)
{
	card *c = *state;
	char want[4096];

	assert_string_equal(fx_tx(c, "80CA005A00"), "5a10" EID_HEX "9000");
	assert_string_equal(fx_tx(c, "80CAFF2100"), "ff210d810101820400015f9083023a929000");
	/* BF30 { 5C 02 7F21 } -> BF30 L { CERT.ECASD.ECKA }. */
	size_t len = c->cert_ecasd.len, j;
	j = (size_t)sprintf(want, len < 128 ? "bf30%02x" : len < 256 ? "bf3081%02x" : "bf3082%04x",
			    (unsigned)len);
	m2m_hex_encode(c->cert_ecasd.data, len, want + j);
	strcat(want, "9000");
	assert_string_equal(fx_tx(c, "80CABF30045C027F2100"), want);
	assert_string_equal(fx_tx(c, "80CABF3000"), "6a80");
	assert_string_equal(fx_tx(c, "80CABF30035C016600"), "6a88");
	assert_string_equal(fx_tx(c, "80CA00EE00"), "6a88");
	/* GET STATUS of every application (4F 00): the ECASD, then the ISD-Ps; errors. */
	fx_profile(c, AID_13, 0);
	assert_string_equal(fx_tx(c, "80F24002024F0000"),
			    "e3164f10" AID_PREFIX_HEX "00000200" "9f70010f"
			    "e3254f10" AID_BOOT "9f70013f530101" "8f0400002710" "910400000000"
			    "e3254f10" AID_13 "9f70011f530100" "8f0400004e20" "910400004a38" "9000");
	assert_string_equal(fx_tx(c, "80F24002124F10" AID_14), "6a88");
	assert_string_equal(fx_tx(c, "80F28002024F00"), "e3164f10" AID_ISDR "9f70010f9000");
	assert_string_equal(fx_tx(c, "80F22002024F00"), "6a86");
	assert_string_equal(fx_tx(c, "80F24000024F00"), "6a86");
	assert_string_equal(fx_tx(c, "80F24003024F00"), "6985"); /* no paging in progress */
	assert_string_equal(fx_tx(c, "80F2400202 5C00"), "6a80");
}

/* ---- Key establishment ---- */

static void send_keyest(card *c, m2m_keyest_host *h, const m2m_buf *cert,
			const m2m_eckey *signer, m2m_keyest_keys *hk)
{
	m2m_buf apdu;
	uint8_t r[256];
	size_t rn = 0;
	const char *resp;

	m2m_buf_init(&apdu);
	assert_int_equal(m2m_keyest_sd1_apdu(cert->data, cert->len, &apdu), M2M_OK);
	resp = fx_txb(c, apdu.data, apdu.len);
	assert_int_equal(strlen(resp), 2 * (2 + 16 + 2));
	assert_memory_equal(resp, "8510", 4);
	assert_string_equal(resp + 36, "9000");
	assert_int_equal(m2m_hex_decode(resp, r, sizeof r, &rn), M2M_OK);
	assert_int_equal(m2m_keyest_host_rc(h, r, rn - 2), M2M_OK);
	m2m_buf_reset(&apdu);
	assert_int_equal(m2m_keyest_host_sd2_apdu(h, signer, c->ecasd_pub, &apdu),
			 M2M_OK);
	resp = fx_txb(c, apdu.data, apdu.len);
	assert_memory_equal(resp, "8610", 4);
	assert_string_equal(resp + 36, "9000");
	assert_int_equal(m2m_hex_decode(resp, r, sizeof r, &rn), M2M_OK);
	assert_int_equal(m2m_keyest_host_finish(h, r, rn - 2, hk), M2M_OK);
	m2m_buf_free(&apdu);
}

static void assert_same_keys(const m2m_euicc_keyset *k, const m2m_keyest_keys *hk)
{
	assert_int_equal(k->kvn, hk->kvn);
	assert_int_equal(k->nkeys, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(k->key[i].id, i + 1);
		assert_int_equal(k->key[i].type, 0x88);
		assert_int_equal(k->key[i].len, 16);
		assert_memory_equal(k->key[i].value, hk->key[i], 16);
	}
}

static void test_keyest_isdp(void **state)
{
	card *c = *state;
	m2m_keyest_params p;
	m2m_keyest_host h;
	m2m_keyest_keys hk;

	assert_string_equal(fx_create(c, AID_13), "009000");
	/* The whty INSTALL [for personalization] bytes. */
	assert_string_equal(fx_tx(c, "80E6200016000010" AID_13 "00000000"), "009000");
	m2m_keyest_params_isdp(&p, false);
	assert_int_equal(m2m_keyest_host_init(&h, &p), M2M_OK);
	send_keyest(c, &h, &c->cert_dp, c->dp, &hk);
	const m2m_euicc_isdp *ip = &c->e->isdp[fx_idx(c, AID_13)];
	assert_int_equal(ip->lcs, M2M_EUICC_LCS_PERSONALIZED);
	assert_same_keys(&ip->scp03, &hk);
	m2m_keyest_keys_wipe(&hk);
	m2m_keyest_host_wipe(&h);
	/* The personalization ended with the last block: 3A03 goes to the ISD-R again. */
	assert_int_equal(c->e->s.perso, -1);
	/* Unknown ISD-P and an enabled one. */
	assert_string_equal(fx_tx(c, "80E6200016000010" AID_14 "00000000"), "6a88");
	assert_string_equal(fx_tx(c, "80E6200016000010" AID_BOOT "00000000"), "6985");
}

static void test_keyest_wrong_cert(void **state)
{
	card *c = *state;
	m2m_buf apdu;

	assert_string_equal(fx_create(c, AID_13), "009000");
	assert_string_equal(fx_tx(c, "80E6200016000010" AID_13 "00000000"), "009000");
	m2m_buf_init(&apdu);
	/* An SM-SR certificate for an ISD-P. */
	assert_int_equal(m2m_keyest_sd1_apdu(c->cert_sr.data, c->cert_sr.len, &apdu), M2M_OK);
	assert_string_equal(fx_txb(c, apdu.data, apdu.len), "6985");
	/* STORE DATA #2 without a challenge. */
	assert_string_equal(fx_tx(c, "80E289000B 3A0202A600 7F4900 5F3700"), "6985");
	/* A corrupted certificate signature. */
	m2m_buf_reset(&apdu);
	assert_int_equal(m2m_keyest_sd1_apdu(c->cert_dp.data, c->cert_dp.len, &apdu), M2M_OK);
	apdu.data[apdu.len - 5] ^= 1;
	assert_string_equal(fx_tx(c, "80E6200016000010" AID_13 "00000000"), "009000");
	assert_string_equal(fx_txb(c, apdu.data, apdu.len), "6982");
	m2m_buf_free(&apdu);
	assert_int_equal(c->e->isdp[fx_idx(c, AID_13)].lcs, M2M_EUICC_LCS_SELECTABLE);
}

/* STORE DATA #1 split over two blocks, #2 as block 2 of the same chain. */
static void test_keyest_chained(void **state)
{
	card *c = *state;
	m2m_keyest_params p;
	m2m_keyest_host h;
	m2m_keyest_keys hk;
	m2m_buf data, apdu;
	uint8_t r[64];
	size_t rn = 0, half;

	assert_string_equal(fx_create(c, AID_13), "009000");
	assert_string_equal(fx_tx(c, "80E6200016000010" AID_13 "00000000"), "009000");
	m2m_keyest_params_isdp(&p, true);
	assert_int_equal(m2m_keyest_host_init(&h, &p), M2M_OK);
	m2m_buf_init(&data);
	m2m_buf_init(&apdu);
	assert_int_equal(m2m_keyest_sd1_data(c->cert_dp.data, c->cert_dp.len, &data), M2M_OK);
	half = data.len / 2;
	uint8_t hdr1[5] = {0x80, 0xE2, 0x09, 0x00, (uint8_t)half};
	assert_int_equal(m2m_buf_append(&apdu, hdr1, 5), M2M_OK);
	assert_int_equal(m2m_buf_append(&apdu, data.data, half), M2M_OK);
	assert_string_equal(fx_txb(c, apdu.data, apdu.len), "9000");
	m2m_buf_reset(&apdu);
	uint8_t hdr2[5] = {0x80, 0xE2, 0x09, 0x01, (uint8_t)(data.len - half)};
	assert_int_equal(m2m_buf_append(&apdu, hdr2, 5), M2M_OK);
	assert_int_equal(m2m_buf_append(&apdu, data.data + half, data.len - half), M2M_OK);
	const char *resp = fx_txb(c, apdu.data, apdu.len);
	assert_memory_equal(resp, "8510", 4);
	assert_int_equal(m2m_hex_decode(resp, r, sizeof r, &rn), M2M_OK);
	assert_int_equal(m2m_keyest_host_rc(&h, r, rn - 2), M2M_OK);
	m2m_buf_reset(&data);
	assert_int_equal(m2m_keyest_host_sd2_data(&h, c->dp, c->ecasd_pub, &data), M2M_OK);
	m2m_buf_reset(&apdu);
	uint8_t hdr3[5] = {0x80, 0xE2, 0x89, 0x02, (uint8_t)data.len};
	assert_int_equal(m2m_buf_append(&apdu, hdr3, 5), M2M_OK);
	assert_int_equal(m2m_buf_append(&apdu, data.data, data.len), M2M_OK);
	resp = fx_txb(c, apdu.data, apdu.len);
	/* DR requested: 85 10 DR 86 10 receipt. */
	assert_int_equal(strlen(resp), 2 * (18 + 18 + 2));
	assert_memory_equal(resp, "8510", 4);
	assert_memory_equal(resp + 36, "8610", 4);
	assert_int_equal(m2m_hex_decode(resp, r, sizeof r, &rn), M2M_OK);
	assert_int_equal(m2m_keyest_host_finish(&h, r, rn - 2, &hk), M2M_OK);
	assert_same_keys(&c->e->isdp[fx_idx(c, AID_13)].scp03, &hk);
	m2m_keyest_keys_wipe(&hk);
	m2m_keyest_host_wipe(&h);
	m2m_buf_free(&data);
	m2m_buf_free(&apdu);
}

static void test_store_data_chaining(void **state)
{
	card *c = *state;

	fx_profile(c, AID_13, 0);
	/* 3A03 split inside its AID: nothing happens until the unit is complete. */
	assert_string_equal(fx_tx(c, "80E2080009 3A03124F10A0000005"), "9000");
	assert_int_equal(c->e->isdp[fx_idx(c, AID_13)].lcs, M2M_EUICC_LCS_DISABLED);
	assert_string_equal(fx_tx(c, "80E288010C 591010FFFFFFFF8900001300"), "9000");
	assert_int_equal(c->e->isdp[fx_idx(c, AID_13)].lcs, M2M_EUICC_LCS_ENABLED);
	/* Wrong block number, missing first block, incomplete at the last block. */
	assert_string_equal(fx_tx(c, "80E2080003 3A0312"), "9000");
	assert_string_equal(fx_tx(c, "80E2880203 4F1000"), "6a86");
	assert_string_equal(fx_tx(c, "80E2880103 4F1000"), "6a86"); /* chain was reset */
	assert_string_equal(fx_tx(c, "80E2880003 3A0312"), "6a80");
	/* An unrelated command breaks a chain. */
	assert_string_equal(fx_tx(c, "80E2080003 3A0312"), "9000");
	assert_string_equal(fx_tx(c, "80CA005A00"), "5a10" EID_HEX "9000");
	assert_string_equal(fx_tx(c, "80E2880113 4F10" AID_13 "00"), "6a86");
	/* Non-DGI format and encrypted data are refused. */
	assert_string_equal(fx_tx(c, "80E2900015 3A03124F10" AID_13), "6a86");
	assert_string_equal(fx_tx(c, "80E2E80015 3A03124F10" AID_13), "6a86");
	/* Two DGIs in one block. */
	assert_string_equal(fx_tx(c, "80E288002A 3A04124F10" AID_13 " 3A03124F10" AID_13), "9000");
	/* DGI with a three-byte length (FF 00 12). */
	assert_string_equal(fx_tx(c, "80E2880017 3A05FF0012 4F10" AID_13), "9000");
	assert_true(c->e->isdp[fx_idx(c, AID_13)].fallback);
}

/* SM-SR change: new SCP80 key set KVN 02 by key establishment, then the old sets deleted. */
static void test_smsr_change(void **state)
{
	card *c = *state;
	m2m_keyest_params p;
	m2m_keyest_host h;
	m2m_keyest_keys hk;

	assert_string_equal(fx_tx(c, "80E6200016000010" AID_ISDR "00000000"), "009000");
	m2m_keyest_params_smsr_change(&p, false);
	assert_int_equal(m2m_keyest_host_init(&h, &p), M2M_OK);
	send_keyest(c, &h, &c->cert_sr, c->sr, &hk);
	const m2m_euicc_keyset *k = m2m_euicc_find_keyset(c->e, 0x02);
	assert_non_null(k);
	assert_same_keys(k, &hk);
	assert_int_equal(k->kic_alg, 2);
	assert_int_equal(k->last_counter, 0);
	m2m_keyest_keys_wipe(&hk);
	m2m_keyest_host_wipe(&h);
	/* Unknown key set or key id: nothing deleted. */
	assert_string_equal(fx_tx(c, "80E400000A F20301 0103 F20309010100"), "6a88");
	assert_string_equal(fx_tx(c, "80E4000005 F203410104"), "6a88");
	assert_non_null(m2m_euicc_find_keyset(c->e, 0x01));
	/* The whty FinaliseISDRhandover bytes. */
	assert_string_equal(fx_tx(c, "80E400000AF20301 0103F2034101 0200"), "009000");
	assert_null(m2m_euicc_find_keyset(c->e, 0x01));
	assert_null(m2m_euicc_find_keyset(c->e, 0x41));
	/* The last SCP80 key set stays; a partial delete keeps the rest of a set. */
	assert_string_equal(fx_tx(c, "80E4000005F203020103"), "6985");
	assert_string_equal(fx_tx(c, "80E4000005F203020303"), "009000");
	assert_int_equal(m2m_euicc_find_keyset(c->e, 0x02)->nkeys, 2);
	assert_string_equal(fx_tx(c, "80E4000004F2020201"), "6a80");
}

/* An SM-DP certificate cannot change the ISD-R's keys, nor a KVN outside 01-0F. */
static void test_smsr_change_refused(void **state)
{
	card *c = *state;
	m2m_buf apdu;
	m2m_keyest_params p;
	m2m_keyest_host h;

	m2m_buf_init(&apdu);
	assert_int_equal(m2m_keyest_sd1_apdu(c->cert_dp.data, c->cert_dp.len, &apdu), M2M_OK);
	assert_string_equal(fx_txb(c, apdu.data, apdu.len), "6985");
	/* SM-SR certificate, but the CRT asks for KVN 30. */
	m2m_keyest_params_isdp(&p, false);
	assert_int_equal(m2m_keyest_host_init(&h, &p), M2M_OK);
	m2m_buf_reset(&apdu);
	assert_int_equal(m2m_keyest_sd1_apdu(c->cert_sr.data, c->cert_sr.len, &apdu), M2M_OK);
	const char *resp = fx_txb(c, apdu.data, apdu.len);
	uint8_t r[64];
	size_t rn = 0;
	assert_int_equal(m2m_hex_decode(resp, r, sizeof r, &rn), M2M_OK);
	assert_int_equal(m2m_keyest_host_rc(&h, r, rn - 2), M2M_OK);
	m2m_buf_reset(&apdu);
	assert_int_equal(m2m_keyest_host_sd2_apdu(&h, c->sr, c->ecasd_pub, &apdu), M2M_OK);
	assert_string_equal(fx_txb(c, apdu.data, apdu.len), "6a80");
	assert_null(m2m_euicc_find_keyset(c->e, 0x30));
	m2m_keyest_host_wipe(&h);
	m2m_buf_free(&apdu);
}

/* ---- PUT KEY (SCP81 PSK key sets) ---- */

/* FIPS-197 C.1: AES-128(000102..0f, 00112233..ff) = 69c4e0d8 6a7b0430 d8cdb780 70b4c55a, so
 * with DEK 000102..0f the PSK 00112233..ff travels as that block (CBC, zero IV, one block).
 * KCV = AES(PSK, 16 x 01)[0..2] = 3544e0 and AES(16 x 42, PSK) = 03cf2f2a... were computed
 * with Python's "cryptography" package, independently of our code. */
#define PSK_HEX "00112233445566778899aabbccddeeff"
#define PSK_ENC "69c4e0d86a7b0430d8cdb78070b4c55a"
#define PSK_KCV "3544e0"
#define PSK_ENC_41 "03cf2f2aff5f042cebe3313db515c894" /* DEK: key 02 of PSK set 41 */

static void test_put_key(void **state)
{
	card *c = *state;
	m2m_euicc_keyset *ks = m2m_euicc_find_keyset(c->e, 0x01);
	uint8_t psk[16];

	assert_non_null(ks);
	assert_int_equal(ks->key[2].id, 0x03);
	for (uint8_t i = 0; i < 16; i++)
		ks->key[2].value[i] = i;
	assert_int_equal(m2m_hex_decode_exact(PSK_HEX, psk, 16), M2M_OK);
	/* No secure channel known (a device, a script without a key set): 6982. */
	c->e->s.sec_kvn = 0;
	assert_string_equal(fx_tx(c, "80D8000118 42 8511 10" PSK_ENC "03" PSK_KCV "00"), "6982");
	c->e->s.sec_kvn = 0x01;
	/* No data at all (Lc absent): 6A80, nothing stored. fuzz_euicc_apdu found clang's UBSan
	 * stopping here on NULL + 0; that input is its seed putkey-no-data.bin. */
	assert_string_equal(fx_tx(c, "80D80001"), "6a80");
	assert_string_equal(fx_tx(c, "80D8000100"), "6a80");
	/* Key id 00, wrong KCV, wrong type, SCP80 KVN, truncated, trailing, two keys without
	 * the "multiple keys" bit: nothing stored. */
	assert_string_equal(fx_tx(c, "80D8000018 42 8511 10" PSK_ENC "03" PSK_KCV "00"), "6a86");
	assert_string_equal(fx_tx(c, "80D8000118 42 8511 10" PSK_ENC "03 3544e1 00"), "6a80");
	assert_string_equal(fx_tx(c, "80D8000118 42 8811 10" PSK_ENC "03" PSK_KCV "00"), "6a80");
	assert_string_equal(fx_tx(c, "80D8000118 02 8511 10" PSK_ENC "03" PSK_KCV "00"), "6a80");
	assert_string_equal(fx_tx(c, "80D8000117 42 8511 10" PSK_ENC "03 3544 00"), "6a80");
	assert_string_equal(fx_tx(c, "80D8000116 42 8511 10" PSK_ENC "00 AA 00"), "6a80");
	assert_string_equal(fx_tx(c, "80D8000114 42 8511 10" PSK_ENC "00"), "6a80");
	assert_string_equal(fx_tx(c, "80D8000115 42 8511 0f" PSK_ENC "00 00"), "6a80");
	assert_string_equal(fx_tx(c, "80D8000129 42 8511 10" PSK_ENC "00 8511 10" PSK_ENC "00 00"),
			    "6a80");
	assert_null(m2m_euicc_find_keyset(c->e, 0x42));
	/* New set 42: the KVN and the KCV come back. */
	assert_string_equal(fx_tx(c, "80D8000118 42 8511 10" PSK_ENC "03" PSK_KCV "00"),
			    "42" PSK_KCV "9000");
	ks = m2m_euicc_find_keyset(c->e, 0x42);
	assert_non_null(ks);
	assert_int_equal(ks->nkeys, 1);
	assert_int_equal(ks->key[0].type, M2M_EUICC_KEYTYPE_PSK_TLS);
	assert_memory_equal(ks->key[0].value, psk, 16);
	/* Adding it again: 6A80; replacing a set that does not exist: 6A88; replacing 42 by
	 * 43 (a new KVN) and adding key 02 with the multiple-keys bit. */
	assert_string_equal(fx_tx(c, "80D8000115 42 8511 10" PSK_ENC "00 00"), "6a80");
	assert_string_equal(fx_tx(c, "80D8440115 44 8511 10" PSK_ENC "00 00"), "6a88");
	assert_string_equal(fx_tx(c, "80D8418115 42 8511 10" PSK_ENC "00 00"), "6a80");
	assert_string_equal(fx_tx(c, "80D8428129 43 8511 10" PSK_ENC "00 8511 10" PSK_ENC "00 00"),
			    "439000");
	assert_null(m2m_euicc_find_keyset(c->e, 0x42));
	ks = m2m_euicc_find_keyset(c->e, 0x43);
	assert_non_null(ks);
	assert_int_equal(ks->nkeys, 2);
	assert_int_equal(ks->key[1].id, 0x02);
	assert_memory_equal(ks->key[1].value, psk, 16);
	/* Over SCP81 the DEK is key 02 of the session's PSK set (41: 16 x 42). */
	c->e->s.sec_kvn = 0x41;
	assert_string_equal(fx_tx(c, "80D8000115 45 8511 10" PSK_ENC_41 "00 00"), "459000");
	assert_memory_equal(m2m_euicc_find_keyset(c->e, 0x45)->key[0].value, psk, 16);
	/* 16 slots: 01, 41, 43 and 45 are taken, 12 more fit, the 13th is 6A84. */
	for (uint8_t kvn = 0x40, n = 0; kvn <= 0x4F; kvn++) {
		char apdu[96], want[8];
		if (m2m_euicc_find_keyset(c->e, kvn) != NULL)
			continue;
		snprintf(apdu, sizeof apdu, "80D8000115 %02X 8511 10" PSK_ENC_41 "00 00", kvn);
		snprintf(want, sizeof want, "%02x9000", kvn);
		assert_string_equal(fx_tx(c, apdu), ++n <= 12 ? want : "6a84");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_framing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_isdp_whty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_isdp_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_isdp_slots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_isdp_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enable_disable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exactly_one_enabled, setup, teardown),
		cmocka_unit_test(test_pol1_matrix),
		cmocka_unit_test_setup_teardown(test_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emergency, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_isdp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_master_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_smsr_params, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notification_confirm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keyest_isdp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keyest_wrong_cert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keyest_chained, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_data_chaining, setup, teardown),
		cmocka_unit_test_setup_teardown(test_smsr_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_smsr_change_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_key, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
