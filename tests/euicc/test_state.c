/* The persistent state: creation from a config, invariants, save/load round trip, strict
 * refusal of truncated or corrupted saved states, the notification queue. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "euicc_fixture.h"

static void test_create(void **state)
{
	card *c = fx_new();
	uint8_t eid[16];

	(void)state;
	assert_int_equal(m2m_hex_decode_exact(EID_HEX, eid, 16), M2M_OK);
	assert_memory_equal(c->e->eid, eid, 16);
	assert_int_equal(m2m_euicc_isdp_count(c->e), 1);
	assert_int_equal(m2m_euicc_enabled_isdp(c->e), m2m_euicc_fallback_isdp(c->e));
	assert_int_equal(m2m_euicc_mem_free(c->e), MEM_TOTAL - MEM_BOOT);
	assert_non_null(m2m_euicc_find_keyset(c->e, 0x01));
	assert_non_null(m2m_euicc_find_keyset(c->e, 0x41));
	assert_null(m2m_euicc_find_keyset(c->e, 0x02));
	assert_int_equal(m2m_euicc_check(c->e), M2M_OK);
	m2m_euicc_free(NULL);
	fx_free(c);
}

/* A config that breaks an invariant is refused. */
static void test_create_invalid(void **state)
{
	card *c = fx_new();
	m2m_euicc_config cfg;
	m2m_euicc_keyset ks[2];
	m2m_euicc_profile_cfg p[2];
	uint8_t sk[32], pt[65];
	m2m_euicc *e = NULL;

	(void)state;
	fx_config(c, &cfg, ks, &p[0], sk, pt);
	p[1] = p[0];
	p[1].tar[2] = 0x12;
	cfg.profiles = p;
	cfg.nprofiles = 2;
	assert_int_equal(m2m_euicc_create(&cfg, &e), M2M_ERR_FORMAT); /* two enabled */
	p[1].enabled = false;
	assert_int_equal(m2m_euicc_create(&cfg, &e), M2M_ERR_FORMAT); /* two fall-back */
	p[1].fallback = false;
	p[1].tar[2] = 0x11;
	assert_int_equal(m2m_euicc_create(&cfg, &e), M2M_ERR_FORMAT); /* same AID */
	p[1].tar[2] = 0x05;
	assert_int_equal(m2m_euicc_create(&cfg, &e), M2M_ERR_FORMAT); /* TAR below 000010 */
	p[1].tar[2] = 0x12;
	p[1].mem = MEM_TOTAL;
	assert_int_equal(m2m_euicc_create(&cfg, &e), M2M_ERR_FORMAT); /* memory */
	p[1].mem = 1;
	ks[1].kvn = 0x30;
	assert_int_equal(m2m_euicc_create(&cfg, &e), M2M_ERR_FORMAT); /* KVN 30 in the ISD-R */
	ks[1].kvn = 0x01;
	assert_int_equal(m2m_euicc_create(&cfg, &e), M2M_ERR_FORMAT); /* duplicate KVN */
	ks[1].kvn = 0x41;
	cfg.cert_ecasd_len--;
	assert_int_equal(m2m_euicc_create(&cfg, &e), M2M_ERR_FORMAT); /* truncated certificate */
	cfg.cert_ecasd_len++;
	assert_int_equal(m2m_euicc_create(&cfg, &e), M2M_OK);
	assert_int_equal(m2m_euicc_isdp_count(e), 2);
	assert_int_equal(m2m_euicc_create(NULL, &e), M2M_ERR_ARG);
	m2m_euicc_free(e);
	fx_free(c);
}

/* A card with every kind of content: ISD-Ps in several states, keys, notifications. */
static card *full_card(void)
{
	card *c = fx_new();
	uint8_t aid[16], key[16] = {1, 2, 3};

	fx_profile(c, AID_13, M2M_EUICC_POL1_DELETE_ON_DISABLE);
	assert_string_equal(fx_create(c, AID_14), "009000");
	assert_string_equal(fx_dgi_aid(c, "3A03", AID_13), "9000");
	assert_string_equal(fx_dgi_aid(c, "3A09", AID_BOOT), "6985");
	assert_string_equal(fx_tx(c, "80E288000C3A0709A30781050685214365"), "9000");
	fx_aid(AID_13, aid);
	assert_int_equal(m2m_euicc_isdp_set_token_key(c->e, aid, key, 16), M2M_OK);
	assert_string_equal(fx_dgi_aid(c, "3A04", AID_13), "9000"); /* delete pending */
	c->e->keysets[0].last_counter = 0x0102030405ull;
	return c;
}

static void test_roundtrip(void **state)
{
	card *c = full_card();
	m2m_buf a;
	m2m_euicc *l = NULL;

	(void)state;
	m2m_buf_init(&a);
	assert_int_equal(m2m_euicc_save(c->e, &a), M2M_OK);
	assert_int_equal(a.data[0], 0xE0);
	assert_int_equal(m2m_euicc_load(a.data, a.len, &l), M2M_OK);
	/* Field by field, the session apart. */
	assert_memory_equal(l->eid, c->e->eid, 16);
	assert_memory_equal(l->isdp, c->e->isdp, sizeof l->isdp);
	assert_memory_equal(l->keysets, c->e->keysets, sizeof l->keysets);
	assert_memory_equal(l->notif, c->e->notif, sizeof l->notif);
	assert_int_equal(l->next_seq, 2);
	assert_int_equal(l->smsr_params_len, 7);
	assert_true(l->has_previous);
	assert_int_equal(l->cert_ecasd_len, c->e->cert_ecasd_len);
	assert_true(l->isdp[fx_idx(c, AID_13)].delete_pending);
	/* The loaded card works: the confirmation deletes the pending ISD-P. */
	m2m_euicc_free(c->e);
	c->e = l;
	assert_string_equal(fx_tx(c, "80E28900073A08044E0200"
				     "00"), "80124f10" AID_13 "9000");
	m2m_buf_free(&a);
	fx_free(c);
}

/* Every truncation and every single-byte change of a saved state: refused or loaded into a
 * state that passes the invariant check, never a crash (the ASan build watches). */
static void test_corrupted(void **state)
{
	card *c = full_card();
	m2m_buf a;
	m2m_euicc *l = NULL;
	size_t refused = 0;

	(void)state;
	m2m_buf_init(&a);
	assert_int_equal(m2m_euicc_save(c->e, &a), M2M_OK);
	for (size_t n = 0; n < a.len; n++) {
		assert_int_not_equal(m2m_euicc_load(a.data, n, &l), M2M_OK);
		assert_null(l);
	}
	for (size_t i = 0; i < a.len; i++) {
		uint8_t save = a.data[i];
		a.data[i] ^= 0x41;
		if (m2m_euicc_load(a.data, a.len, &l) == M2M_OK) {
			assert_int_equal(m2m_euicc_check(l), M2M_OK);
			m2m_euicc_free(l);
			l = NULL;
		} else {
			refused++;
		}
		a.data[i] = save;
	}
	/* Key, certificate, ICCID and counter bytes may change undetected (a MAC at rest is the
	 * storage layer's job); the structure may not: the header and version are checked. */
	for (size_t i = 0; i < 7; i++) {
		a.data[i] ^= 0x41;
		assert_int_not_equal(m2m_euicc_load(a.data, a.len, &l), M2M_OK);
		a.data[i] ^= 0x41;
	}
	assert_true(refused > a.len / 3);
	m2m_buf_free(&a);
	fx_free(c);
}

static void test_corrupted_specific(void **state)
{
	card *c = fx_new();
	m2m_buf a, b;
	m2m_euicc *l = NULL;

	(void)state;
	m2m_buf_init(&a);
	m2m_buf_init(&b);
	assert_int_equal(m2m_euicc_save(c->e, &a), M2M_OK);
	/* Another version. */
	size_t hdr = a.data[1] == 0x82 ? 4 : a.data[1] == 0x81 ? 3 : 2, ver = hdr + 2;
	assert_int_equal(a.data[hdr], 0x80);
	assert_int_equal(a.data[ver], 1);
	a.data[ver] = 2;
	assert_int_equal(m2m_euicc_load(a.data, a.len, &l), M2M_ERR_UNSUPPORTED);
	a.data[ver] = 1;
	/* Trailing byte after the state; an unknown TLV at its end. */
	assert_int_equal(m2m_buf_append(&b, a.data, a.len), M2M_OK);
	assert_int_equal(m2m_buf_append_u8(&b, 0x00), M2M_OK);
	assert_int_not_equal(m2m_euicc_load(b.data, b.len, &l), M2M_OK);
	assert_int_not_equal(m2m_euicc_load(NULL, 0, &l), M2M_OK);
	assert_int_equal(m2m_euicc_load(a.data, a.len, NULL), M2M_ERR_ARG);
	/* Two enabled profiles, written by hand through the struct, are refused on save. */
	c->e->isdp[1] = c->e->isdp[0];
	c->e->isdp[1].aid[14] = 0x22;
	c->e->isdp[1].fallback = false;
	assert_int_equal(m2m_euicc_save(c->e, &b), M2M_ERR_FORMAT);
	m2m_buf_free(&a);
	m2m_buf_free(&b);
	fx_free(c);
}

static void test_notif_queue(void **state)
{
	card *c = fx_new();
	uint8_t aid[16], imei[8] = {0x3A, 0x45, 0x99, 0x00, 0x57, 0x91, 0x85, 0x03};
	uint16_t seq = 0;
	m2m_buf n;
	char hex[256];

	(void)state;
	fx_aid(AID_BOOT, aid);
	m2m_buf_init(&n);
	/* The whty MO-SMS notification layout: E1 35 4C 4D 4E 4F 14. */
	assert_int_equal(m2m_euicc_notif_add(c->e, 0x02, aid, &seq), M2M_OK);
	assert_int_equal(seq, 0);
	assert_int_equal(m2m_euicc_notif_encode(c->e, m2m_euicc_notif_oldest(c->e), imei, 8, &n),
			 M2M_OK);
	m2m_hex_encode(n.data, n.len, hex);
	assert_string_equal(hex, "e1354c10" EID_HEX "4d01024e0200004f10" AID_BOOT
				 "14083a45990057918503");
	/* A full queue drops the oldest. */
	for (int i = 0; i < M2M_EUICC_NOTIF_MAX; i++)
		assert_int_equal(m2m_euicc_notif_add(c->e, 0x01, aid, &seq), M2M_OK);
	assert_int_equal(m2m_euicc_notif_count(c->e), M2M_EUICC_NOTIF_MAX);
	assert_int_equal(c->e->notif[m2m_euicc_notif_oldest(c->e)].seq, 1);
	assert_int_equal(seq, M2M_EUICC_NOTIF_MAX);
	fx_roundtrip(c->e);
	assert_int_equal(m2m_euicc_notif_encode(c->e, -1, NULL, 0, &n), M2M_ERR_ARG);
	m2m_buf_free(&n);
	fx_free(c);
}

static void test_hooks(void **state)
{
	card *c = fx_new();
	uint8_t aid[16], iccid[10] = {0};

	(void)state;
	fx_aid(AID_13, aid);
	assert_int_equal(m2m_euicc_isdp_install_profile(c->e, aid, iccid, 0, 1), M2M_ERR_TLV_NOT_FOUND);
	assert_string_equal(fx_create(c, AID_13), "009000");
	assert_int_equal(m2m_euicc_isdp_install_profile(c->e, aid, iccid, 0, MEM_DEFAULT + 1),
			 M2M_ERR_STATE);
	assert_int_equal(m2m_euicc_isdp_install_profile(c->e, aid, iccid, 0, 1), M2M_OK);
	assert_int_equal(m2m_euicc_isdp_install_profile(c->e, aid, iccid, 0, 1), M2M_ERR_STATE);
	assert_int_equal(m2m_euicc_isdp_set_token_key(c->e, aid, iccid, 5), M2M_ERR_ARG);
	assert_int_equal(m2m_euicc_rollback(c->e, NULL), M2M_ERR_STATE);
	fx_roundtrip(c->e);
	fx_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_create_invalid),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_corrupted),
		cmocka_unit_test(test_corrupted_specific),
		cmocka_unit_test(test_notif_queue),
		cmocka_unit_test(test_hooks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
