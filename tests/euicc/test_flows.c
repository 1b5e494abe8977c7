/* Card behaviour at APDU level: the full POL1 matrix with the status words of
 * sgp02-facts-2.md 1a (69E1, 6985), REFRESH on every change of the enabled profile,
 * roll-back and fall-back with their notifications (03, 05) and the restrictions while a
 * fall-back is active, the emergency profile, GET STATUS of the ISD-R and ECASD and its
 * paging (GP 11.4, 6310). Every fx_tx also checks the invariants and a save/load round trip. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "crypto/sym.h"
#include "euicc_fixture.h"

#define DELETE(aid) "80E40040124F10" aid "00"
#define CONFIRM "80E2890007 3A0804 4E02"

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

/* The newest notification's type and AID (the queue's oldest is m2m_euicc_notif_oldest). */
static const m2m_euicc_notif *newest(const m2m_euicc *e)
{
	const m2m_euicc_notif *n = NULL;

	for (int i = 0; i < M2M_EUICC_NOTIF_MAX; i++)
		if (e->notif[i].used &&
		    (n == NULL || (uint16_t)(e->notif[i].seq - n->seq) < 0x8000))
			n = &e->notif[i];
	return n;
}

static void assert_newest(const card *c, uint8_t type, const char *aid_hex)
{
	const m2m_euicc_notif *n = newest(c->e);
	uint8_t aid[16];

	assert_non_null(n);
	fx_aid(aid_hex, aid);
	assert_int_equal(n->type, type);
	assert_memory_equal(n->aid, aid, 16);
}

static uint8_t lcs(card *c, const char *aid)
{
	return c->e->isdp[fx_idx(c, aid)].lcs;
}

/* ---- POL1: every rule combination x every action ---- */

/* Master Delete of aid with token key 70..70 (whty layout, sgp02-facts-2.md 1b). */
static const char *master_delete(card *c, const char *aid_hex)
{
	uint8_t key[16], aid[16], body[64], in[80], mac[16];
	char hex[400];
	size_t n = 0, j;

	memset(key, 0x70, sizeof key);
	fx_aid(aid_hex, aid);
	assert_int_equal(m2m_euicc_isdp_set_token_key(c->e, aid, key, 16), M2M_OK);
	snprintf(hex, sizeof hex, "4F10%s", aid_hex);
	assert_int_equal(m2m_hex_decode(hex, body, sizeof body, &n), M2M_OK);
	in[0] = 0x00;
	in[1] = 0x40;
	in[2] = (uint8_t)n;
	memcpy(in + 3, body, n);
	assert_int_equal(m2m_aes_cmac(key, 16, in, n + 3, mac), M2M_OK);
	j = (size_t)sprintf(hex, "80E40040%02x", (unsigned)(n + 18));
	m2m_hex_encode(body, n, hex + j);
	j += 2 * n;
	j += (size_t)sprintf(hex + j, "9E10");
	m2m_hex_encode(mac, 16, hex + j);
	strcat(hex, "00");
	return fx_tx(c, hex);
}

enum { ACT_ENABLE_OTHER, ACT_DISABLE, ACT_DELETE, ACT_MASTER_DELETE, ACT_FALLBACK, ACT_N };

/* One cell: ISD-P 13 with pol1, enabled unless the action needs it disabled; 14 a plain
 * profile. The status word of the action, and whether 13 is gone after the next
 * notification confirmation. */
static void pol1_cell(uint8_t pol1, int act, char sw[8], bool *deleted_later)
{
	card *c = fx_new();
	char conf[64];

	fx_profile(c, AID_13, pol1);
	fx_profile(c, AID_14, 0);
	if (act == ACT_ENABLE_OTHER || act == ACT_DISABLE || act == ACT_FALLBACK)
		assert_string_equal(fx_dgi_aid(c, "3A03", AID_13), "9000");
	/* The bootstrap profile keeps the fall-back attribute. */
	if (act == ACT_ENABLE_OTHER)
		snprintf(sw, 8, "%s", fx_dgi_aid(c, "3A03", AID_14));
	else if (act == ACT_DISABLE)
		snprintf(sw, 8, "%s", fx_dgi_aid(c, "3A04", AID_13));
	else if (act == ACT_DELETE)
		snprintf(sw, 8, "%s", fx_tx(c, DELETE(AID_13)));
	else if (act == ACT_MASTER_DELETE)
		snprintf(sw, 8, "%s", master_delete(c, AID_13));
	else
		snprintf(sw, 8, "%s",
			 m2m_euicc_fallback_activate(c->e, NULL) == M2M_OK ? "ok" : "refused");
	/* Confirm every queued notification: a marked ISD-P goes with the first. */
	*deleted_later = false;
	while (m2m_euicc_notif_count(c->e) > 0) {
		bool there = fx_idx(c, AID_13) >= 0;
		snprintf(conf, sizeof conf, CONFIRM "%04x",
			 c->e->notif[m2m_euicc_notif_oldest(c->e)].seq);
		const char *r = fx_tx(c, conf);
		if (there && fx_idx(c, AID_13) < 0) {
			assert_string_equal(r, "80124f10" AID_13 "9000");
			*deleted_later = true;
		} else {
			assert_string_equal(r, "80009000");
		}
	}
	assert_int_equal(fx_enabled_count(c->e), 1);
	fx_free(c);
}

static void test_pol1_matrix(void **state)
{
	(void)state;
	for (uint8_t pol1 = 0; pol1 < 8; pol1++) {
		bool no_disable = pol1 & M2M_EUICC_POL1_NO_DISABLE;
		bool no_delete = pol1 & M2M_EUICC_POL1_NO_DELETE;
		bool auto_delete = pol1 & M2M_EUICC_POL1_DELETE_ON_DISABLE;
		const char *want[ACT_N] = {
			no_disable ? "69e1" : "9000", no_disable ? "69e1" : "9000",
			no_delete ? "69e1" : "009000", "009000", "ok",
		};
		/* Deleted at the confirmation: only after an operator's disable. */
		const bool later[ACT_N] = {auto_delete && !no_disable, auto_delete && !no_disable,
					   false, false, false};

		for (int a = 0; a < ACT_N; a++) {
			char sw[8];
			bool deleted = false;
			pol1_cell(pol1, a, sw, &deleted);
			if (strcmp(sw, want[a]) != 0 || deleted != later[a])
				fail_msg("POL1 %02x action %d: %s (deleted %d), want %s (%d)", pol1,
					 a, sw, deleted, want[a], later[a]);
		}
	}
}

/* Enabling a profile is never refused by its own POL1; the check order is the target's
 * conditions (6A88, 6985) before POL1 (69E1); the fall-back profile is not auto-deleted. */
static void test_pol1_details(void **state)
{
	card *c = *state;

	fx_profile(c, AID_13, M2M_EUICC_POL1_NO_DISABLE | M2M_EUICC_POL1_NO_DELETE);
	fx_profile(c, AID_14, M2M_EUICC_POL1_DELETE_ON_DISABLE);
	assert_string_equal(fx_dgi_aid(c, "3A03", AID_13), "9000");
	assert_string_equal(fx_dgi_aid(c, "3A03", AID_PREFIX_HEX "00009900"), "6a88");
	assert_string_equal(fx_dgi_aid(c, "3A03", AID_13), "6985"); /* already enabled */
	assert_string_equal(fx_tx(c, DELETE(AID_13)), "6985");       /* enabled beats POL1 */
	assert_string_equal(fx_dgi_aid(c, "3A03", AID_14), "69e1");
	/* 14 with "delete when disabled" and the fall-back attribute: kept when disabled. */
	assert_int_equal(m2m_euicc_fallback_activate(c->e, NULL), M2M_OK);
	assert_string_equal(fx_dgi_aid(c, "3A05", AID_14), "6985"); /* fall-back active */
	assert_string_equal(fx_dgi_aid(c, "3A03", AID_14), "9000");
	assert_string_equal(fx_dgi_aid(c, "3A05", AID_14), "9000");
	assert_string_equal(fx_dgi_aid(c, "3A03", AID_BOOT), "9000");
	assert_false(c->e->isdp[fx_idx(c, AID_14)].delete_pending);
	assert_string_equal(fx_tx(c, CONFIRM "0000"), "80009000");
	assert_true(fx_idx(c, AID_14) >= 0);
}

/* ---- REFRESH on every change of the enabled profile, and only then ---- */

static void test_refresh_every_path(void **state)
{
	card *c = *state;
	m2m_euicc_events ev;

	fx_profile(c, AID_13, 0);
	fx_profile(c, AID_14, 0);
	memset(&c->ev, 0, sizeof c->ev);
	assert_string_equal(fx_dgi_aid(c, "3A05", AID_13), "9000");
	assert_string_equal(fx_dgi_aid(c, "3A09", AID_14), "9000");
	assert_string_equal(fx_dgi_aid(c, "3A03", AID_PREFIX_HEX "00009900"), "6a88");
	assert_string_equal(fx_tx(c, "80CAFF2100"), "ff210d81010382040000c35083023a929000");
	assert_false(c->ev.refresh);
	/* ES5 enable and disable. */
	assert_string_equal(fx_dgi_aid(c, "3A03", AID_BOOT), "6985");
	assert_false(c->ev.refresh);
	assert_string_equal(fx_dgi_aid(c, "3A05", AID_BOOT), "9000");
	assert_string_equal(fx_dgi_aid(c, "3A03", AID_13), "9000");
	assert_true(c->ev.refresh);
	memset(&c->ev, 0, sizeof c->ev);
	assert_string_equal(fx_dgi_aid(c, "3A04", AID_13), "9000");
	assert_true(c->ev.refresh);
	/* Device side: roll-back, fall-back, emergency on and off. */
	memset(&ev, 0, sizeof ev);
	assert_int_equal(m2m_euicc_rollback(c->e, &ev), M2M_OK);
	assert_true(ev.refresh && ev.notification && ev.state_changed);
	memset(&ev, 0, sizeof ev);
	assert_int_equal(m2m_euicc_fallback_activate(c->e, &ev), M2M_OK);
	assert_true(ev.refresh && ev.notification);
	memset(&ev, 0, sizeof ev);
	assert_int_equal(m2m_euicc_emergency_enable(c->e, &ev), M2M_OK);
	assert_true(ev.refresh && ev.notification);
	memset(&ev, 0, sizeof ev);
	assert_int_equal(m2m_euicc_emergency_disable(c->e, &ev), M2M_OK);
	assert_true(ev.refresh && ev.notification);
	/* Refused device calls raise nothing. */
	memset(&ev, 0, sizeof ev);
	assert_int_equal(m2m_euicc_emergency_disable(c->e, &ev), M2M_ERR_STATE);
	assert_int_equal(m2m_euicc_rollback(c->e, &ev), M2M_ERR_STATE);
	assert_false(ev.refresh || ev.notification || ev.state_changed);
	assert_int_equal(fx_enabled_count(c->e), 1);
}

/* ---- Roll-back, then fall-back (sgp02-facts.md 1.3: "rolls back ... if that also
 * fails, it applies the Fall-back mechanism") ---- */

static void test_rollback_then_fallback(void **state)
{
	card *c = *state;
	m2m_buf e1;
	char hex[256];

	fx_profile(c, AID_13, 0);
	fx_profile(c, AID_14, M2M_EUICC_POL1_DELETE_ON_DISABLE);
	assert_string_equal(fx_dgi_aid(c, "3A05", AID_13), "9000");
	/* The SM-SR enables 14; it cannot attach: back to the bootstrap profile (03). */
	assert_string_equal(fx_dgi_aid(c, "3A03", AID_14), "9000");
	assert_newest(c, M2M_EUICC_NOTIF_CHANGE_OK, AID_14);
	assert_int_equal(m2m_euicc_rollback(c->e, NULL), M2M_OK);
	assert_int_equal(lcs(c, AID_BOOT), M2M_EUICC_LCS_ENABLED);
	assert_int_equal(lcs(c, AID_14), M2M_EUICC_LCS_DISABLED);
	assert_newest(c, M2M_EUICC_NOTIF_CHANGE_ROLLBACK, AID_BOOT);
	/* 14's "delete when disabled" is not applied by a roll-back [M]. */
	assert_false(c->e->isdp[fx_idx(c, AID_14)].delete_pending);
	/* Once only. */
	assert_int_equal(m2m_euicc_rollback(c->e, NULL), M2M_ERR_STATE);
	/* The bootstrap profile loses the network too: fall-back to 13 (05). */
	assert_int_equal(m2m_euicc_fallback_activate(c->e, NULL), M2M_OK);
	assert_int_equal(lcs(c, AID_13), M2M_EUICC_LCS_ENABLED);
	assert_newest(c, M2M_EUICC_NOTIF_CHANGE_FALLBACK, AID_13);
	/* The E1 of the roll-back notification: type 03, the AID of the profile enabled. */
	m2m_buf_init(&e1);
	for (int i = 0; i < M2M_EUICC_NOTIF_MAX; i++)
		if (c->e->notif[i].used && c->e->notif[i].type == 0x03)
			assert_int_equal(m2m_euicc_notif_encode(c->e, i, NULL, 0, &e1), M2M_OK);
	m2m_hex_encode(e1.data, e1.len, hex);
	assert_string_equal(hex, "e12b4c10" EID_HEX "4d0103" "4e020001" "4f10" AID_BOOT);
	m2m_buf_free(&e1);
	assert_int_equal(m2m_euicc_notif_count(c->e), 3);
	fx_roundtrip(c->e);
}

/* While a fall-back is active: no roll-back, no second fall-back, the attribute stays, the
 * fall-back profile cannot be disabled; the state survives a reload; the SM-SR's
 * EnableProfile ends it. */
static void test_fallback_active(void **state)
{
	card *c = *state;
	m2m_buf b;
	m2m_euicc *l = NULL;

	fx_profile(c, AID_13, 0);
	fx_profile(c, AID_14, 0);
	assert_string_equal(fx_dgi_aid(c, "3A03", AID_13), "9000");
	assert_int_equal(m2m_euicc_fallback_activate(c->e, NULL), M2M_OK);
	assert_true(c->e->fallback_active);
	assert_int_equal(lcs(c, AID_BOOT), M2M_EUICC_LCS_ENABLED);
	assert_int_equal(m2m_euicc_rollback(c->e, NULL), M2M_ERR_STATE);
	assert_int_equal(m2m_euicc_fallback_activate(c->e, NULL), M2M_ERR_STATE);
	assert_string_equal(fx_dgi_aid(c, "3A05", AID_14), "6985");
	assert_string_equal(fx_dgi_aid(c, "3A04", AID_BOOT), "6985");
	/* Saved and loaded. */
	m2m_buf_init(&b);
	assert_int_equal(m2m_euicc_save(c->e, &b), M2M_OK);
	assert_int_equal(m2m_euicc_load(b.data, b.len, &l), M2M_OK);
	assert_true(l->fallback_active);
	assert_int_equal(m2m_euicc_rollback(l, NULL), M2M_ERR_STATE);
	m2m_euicc_free(l);
	l = NULL;
	/* 88 01 01 before the first A4: any other value is refused. */
	int found = 0;
	for (size_t i = 0; i + 4 <= b.len; i++)
		if (memcmp(b.data + i, "\x88\x01\x01\xA4", 4) == 0) {
			b.data[i + 2] = 0x02;
			assert_int_equal(m2m_euicc_load(b.data, b.len, &l), M2M_ERR_FORMAT);
			b.data[i + 2] = 0x01;
			found++;
		}
	assert_int_equal(found, 1);
	assert_null(l);
	/* A flag without the fall-back profile enabled is refused at load. */
	c->e->isdp[fx_idx(c, AID_BOOT)].fallback = false;
	c->e->isdp[fx_idx(c, AID_14)].fallback = true;
	assert_int_equal(m2m_euicc_check(c->e), M2M_ERR_FORMAT);
	c->e->isdp[fx_idx(c, AID_14)].fallback = false;
	c->e->isdp[fx_idx(c, AID_BOOT)].fallback = true;
	m2m_buf_free(&b);
	/* The SM-SR takes over again. */
	assert_string_equal(fx_dgi_aid(c, "3A03", AID_14), "9000");
	assert_false(c->e->fallback_active);
	assert_string_equal(fx_dgi_aid(c, "3A05", AID_13), "9000");
	assert_int_equal(m2m_euicc_rollback(c->e, NULL), M2M_OK);
	assert_int_equal(lcs(c, AID_BOOT), M2M_EUICC_LCS_ENABLED);
}

/* ---- Emergency profile ---- */

static void test_emergency_flow(void **state)
{
	card *c = *state;

	fx_profile(c, AID_13, M2M_EUICC_POL1_NO_DISABLE);
	fx_profile(c, AID_14, 0);
	assert_int_equal(m2m_euicc_emergency_enable(c->e, NULL), M2M_ERR_STATE); /* none */
	assert_string_equal(fx_dgi_aid(c, "3A09", AID_BOOT), "6985"); /* fall-back holder */
	assert_string_equal(fx_dgi_aid(c, "3A09", AID_14), "9000");
	assert_false(m2m_euicc_emergency_active(c->e));
	/* Only the device enables it [M]. */
	assert_string_equal(fx_dgi_aid(c, "3A03", AID_14), "6985");
	assert_string_equal(fx_dgi_aid(c, "3A03", AID_13), "9000");
	/* 13 forbids disabling: the emergency overrides it [M]. */
	assert_int_equal(m2m_euicc_emergency_enable(c->e, NULL), M2M_OK);
	assert_true(m2m_euicc_emergency_active(c->e));
	assert_int_equal(lcs(c, AID_14), M2M_EUICC_LCS_ENABLED);
	assert_newest(c, M2M_EUICC_NOTIF_CHANGE_OK, AID_14);
	assert_int_equal(m2m_euicc_emergency_enable(c->e, NULL), M2M_ERR_STATE);
	/* Nothing else moves meanwhile. */
	assert_string_equal(fx_dgi_aid(c, "3A03", AID_BOOT), "6985");
	assert_string_equal(fx_dgi_aid(c, "3A04", AID_14), "6985");
	assert_string_equal(fx_dgi_aid(c, "3A09", AID_13), "6985");
	assert_string_equal(fx_tx(c, DELETE(AID_14)), "6985");
	assert_int_equal(m2m_euicc_fallback_activate(c->e, NULL), M2M_ERR_STATE);
	assert_int_equal(m2m_euicc_rollback(c->e, NULL), M2M_ERR_STATE);
	assert_string_equal(fx_tx(c, "80F24002154F10" AID_14 "5C0153"), "e3035301029000");
	/* Local disable: back to 13; no roll-back into the emergency profile. */
	assert_int_equal(m2m_euicc_emergency_disable(c->e, NULL), M2M_OK);
	assert_int_equal(lcs(c, AID_13), M2M_EUICC_LCS_ENABLED);
	assert_newest(c, M2M_EUICC_NOTIF_CHANGE_OK, AID_13);
	assert_int_equal(m2m_euicc_rollback(c->e, NULL), M2M_ERR_STATE);
	assert_int_equal(m2m_euicc_emergency_disable(c->e, NULL), M2M_ERR_STATE);
	/* The attribute may not land on the enabled profile. */
	assert_string_equal(fx_dgi_aid(c, "3A09", AID_13), "6985");
	/* The profile enabled before is gone: back to the fall-back profile. */
	assert_int_equal(m2m_euicc_emergency_enable(c->e, NULL), M2M_OK);
	c->e->isdp[fx_idx(c, AID_13)].pol1 = 0;
	assert_string_equal(fx_tx(c, DELETE(AID_13)), "009000");
	assert_int_equal(m2m_euicc_emergency_disable(c->e, NULL), M2M_OK);
	assert_int_equal(lcs(c, AID_BOOT), M2M_EUICC_LCS_ENABLED);
	assert_int_equal(fx_enabled_count(c->e), 1);
	fx_roundtrip(c->e);
}

/* ---- GET STATUS: ISD-R, ECASD, paging ---- */

/* Parses E3 entries of hex r (SW included); appends their AIDs' TAR bytes to seen. */
static size_t entries(const char *r, char *seen)
{
	uint8_t b[600];
	size_t n = 0, count = 0;

	assert_int_equal(m2m_hex_decode(r, b, sizeof b, &n), M2M_OK);
	assert_true(n >= 2 && n - 2 <= 256);
	for (size_t i = 0; i + 2 < n;) {
		size_t len = b[i + 1];
		assert_int_equal(b[i], 0xE3);
		assert_int_equal(b[i + 2], 0x4F);
		seen[strlen(seen)] = (char)('A' + b[i + 2 + 2 + 14]);
		i += 2 + len;
		count++;
	}
	return count;
}

static void test_get_status_paging(void **state)
{
	card *c = *state;
	char cmd[256], seen[64] = "", r[16384];
	size_t total = 0;

	/* 15 more ISD-Ps (16 in all) of 1000 bytes each. */
	for (int t = 0x20; t < 0x2F; t++) {
		snprintf(cmd, sizeof cmd,
			 "80E60C0045 10" AID_PREFIX_HEX "00000D00 10" AID_PREFIX_HEX "00000E00 "
			 "10" AID_PREFIX_HEX "0000%02x00 0380C000 0CC90481020370EF04830203E8"
			 " 00 00",
			 t);
		assert_string_equal(fx_tx(c, cmd), "009000");
	}
	/* ECASD + 16 ISD-Ps (24 + 16 x 39 bytes): three responses of at most 256 bytes. */
	snprintf(r, sizeof r, "%s", fx_tx(c, "80F24002024F0000"));
	assert_string_equal(r + strlen(r) - 4, "6310");
	total += entries(r, seen);
	snprintf(r, sizeof r, "%s", fx_tx(c, "80F24003024F0000"));
	assert_string_equal(r + strlen(r) - 4, "6310");
	total += entries(r, seen);
	snprintf(r, sizeof r, "%s", fx_tx(c, "80F24003024F0000"));
	assert_string_equal(r + strlen(r) - 4, "9000");
	total += entries(r, seen);
	assert_int_equal(total, 17);
	/* Each once, in registry order: ECASD (TAR 000002) first. */
	assert_int_equal(seen[0], 'A' + 0x02);
	assert_int_equal(strlen(seen), 17);
	for (size_t i = 0; i < 17; i++)
		for (size_t j = i + 1; j < 17; j++)
			assert_int_not_equal(seen[i], seen[j]);
	/* Paging is over. */
	assert_string_equal(fx_tx(c, "80F24003024F0000"), "6985");
	/* A tag list (4F only, 20 bytes per entry): two pages; the session end drops the
	 * second. */
	snprintf(r, sizeof r, "%s", fx_tx(c, "80F24002054F005C014F00"));
	assert_string_equal(r + strlen(r) - 4, "6310");
	assert_int_equal(strlen(r), 2 * (12 * 20 + 2));
	m2m_euicc_session_end(c->e);
	assert_string_equal(fx_tx(c, "80F24003054F005C014F00"), "6985");
	/* P1 80: the ISD-R only; an AID prefix selects several. */
	assert_string_equal(fx_tx(c, "80F28002024F0000"), "e3164f10" AID_ISDR "9f70010f9000");
	assert_string_equal(fx_tx(c, "80F24002154F10" AID_PREFIX_HEX "000002005C014F"),
			    "e3124f10" AID_PREFIX_HEX "000002009000");
	assert_string_equal(fx_tx(c, "80F24002144F0F" AID_PREFIX_HEX "00002C5C014F"),
			    "e3124f10" AID_PREFIX_HEX "00002c009000");
	assert_string_equal(fx_tx(c, "80F24002134F11" AID_ISDR "00"), "6a80");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pol1_matrix),
		cmocka_unit_test_setup_teardown(test_pol1_details, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refresh_every_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_then_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fallback_active, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emergency_flow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_status_paging, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
