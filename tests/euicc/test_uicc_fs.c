/* The UICC file system the device sees: the TS.48 profile installed into an ISD-P (as a
 * download would), enabled through the ISD-R, then SELECT / READ / UPDATE / STATUS with
 * their status words. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "es8_fixture.h"

typedef struct {
	card *c;
	m2m_buf pkg;
	m2m_saip_fs ref;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	f->c = fx_new();
	es8_read(&f->pkg);
	es8_ref(&f->pkg, &f->ref);
	assert_string_equal(fx_create(f->c, AID_13), "009000");
	assert_int_equal(m2m_euicc_isdp_install_package(f->c->e, fx_idx(f->c, AID_13),
							f->pkg.data, f->pkg.len), M2M_OK);
	assert_string_equal(fx_dgi_aid(f->c, "3A03", AID_13), "9000");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;

	fx_free(f->c);
	m2m_buf_free(&f->pkg);
	m2m_saip_fs_free(&f->ref);
	free(f);
	return 0;
}

static void want(const fx *f, const char *path, size_t len, const char *sw, char *out)
{
	es8_ref_hex(&f->ref, path, len, out);
	strcat(out, sw);
}

static void test_atr(void **state)
{
	size_t n = 0;
	const uint8_t *atr = m2m_euicc_uicc_atr(&n);
	uint8_t x = 0;

	(void)state;
	assert_true(n > 2);
	assert_int_equal(atr[0], 0x3B);
	for (size_t i = 1; i < n; i++)
		x ^= atr[i];
	assert_int_equal(x, 0); /* TCK */
	/* T0 = 9F: TA1 TD1, 15 historical bytes; TD1 80: TD2; TD2 1F: TA3. */
	assert_int_equal(n, 1 + 1 + 2 + 1 + 1 + 15 + 1);
}

static void test_select(void **state)
{
	fx *f = *state;
	card *c = f->c;

	/* The ISD-R by AID. */
	assert_string_equal(es8_uicc(c, "00A4040C10" AID_ISDR), "9000");
	/* MF with its FCP. */
	const char *r = es8_uicc(c, "00A40004023F00");
	assert_memory_equal(r, "62", 2);
	assert_string_equal(r + strlen(r) - 4, "9000");
	assert_string_equal(es8_uicc(c, "00A4000C00"), "9000");
	/* Missing files, bad lengths, bad P1/P2. */
	assert_string_equal(es8_uicc(c, "00A4000C026F99"), "6a82");
	assert_string_equal(es8_uicc(c, "00A4040C05A000000999"), "6a82");
	assert_string_equal(es8_uicc(c, "00A4080C047F106F99"), "6a82");
	assert_string_equal(es8_uicc(c, "00A4000C033F0000"), "6700");
	assert_string_equal(es8_uicc(c, "00A4020C023F00"), "6a86");
	assert_string_equal(es8_uicc(c, "00A40008023F00"), "6a86");
	/* By path from the MF, and the ADF by (partial) AID then a child. */
	assert_string_equal(es8_uicc(c, "00A4080C022FE2"), "9000");
	assert_string_equal(es8_uicc(c, "00A4040C07A0000000871002"), "9000");
	r = es8_uicc(c, "00A40004026F07");
	assert_memory_equal(r, "62", 2);
	/* STATUS: the current DF (the ADF) and its name. */
	r = es8_uicc(c, "80F2000000");
	assert_memory_equal(r, "62", 2);
	r = es8_uicc(c, "80F2000100");
	assert_memory_equal(r, "84", 2);
	/* Other classes and instructions. */
	assert_string_equal(es8_uicc(c, "01A4000C023F00"), "6881");
	assert_string_equal(es8_uicc(c, "A0A4000C023F00"), "6e00");
	assert_string_equal(es8_uicc(c, "0088000000"), "6d00");
	assert_string_equal(es8_uicc(c, "00A4"), "6700");
}

static void test_binary(void **state)
{
	fx *f = *state;
	card *c = f->c;
	char w[128];

	/* No current EF after selecting the MF. */
	assert_string_equal(es8_uicc(c, "00A4000C023F00"), "9000");
	assert_string_equal(es8_uicc(c, "00B000000A"), "6986");
	assert_string_equal(es8_uicc(c, "00A4000C022FE2"), "9000");
	want(f, "3F00/2FE2", 10, "9000", w);
	assert_string_equal(es8_uicc(c, "00B000000A"), w);
	assert_string_equal(es8_uicc(c, "00B0000000"), w); /* Le 00: what is there */
	/* Offsets: outside the file, and a read running past its end. */
	assert_string_equal(es8_uicc(c, "00B0000A01"), "6b00");
	assert_string_equal(es8_uicc(c, "00B0002001"), "6b00");
	want(f, "3F00/2FE2", 10, "6282", w);
	assert_string_equal(es8_uicc(c, "00B000000C"), w);
	/* Update then read back; writing past the end is refused. */
	assert_string_equal(es8_uicc(c, "00D6000203AABBCC"), "9000");
	assert_memory_equal(es8_uicc(c, "00B0000005") + 4, "aabbcc", 6);
	assert_string_equal(es8_uicc(c, "00D6000902AABB"), "6700");
	assert_string_equal(es8_uicc(c, "00D6000A01AA"), "6b00");
	/* Read by SFI is refused for a record file (EF.DIR, SFI 1e). */
	assert_string_equal(es8_uicc(c, "00B09E0000"), "6981");
}

static void test_records(void **state)
{
	fx *f = *state;
	card *c = f->c;
	const m2m_saip_fs_node *dir = m2m_saip_fs_find(&f->ref, "3F00/2F00");
	uint8_t rec[256];
	char w[600], w2[600], cmd[600];
	size_t len;

	assert_non_null(dir);
	len = dir->a.rec_len;
	assert_int_equal(m2m_saip_fs_read_record(dir, 1, rec, len), M2M_OK);
	m2m_hex_encode(rec, len, w);
	strcat(w, "9000");
	assert_int_equal(m2m_saip_fs_read_record(dir, 2, rec, len), M2M_OK);
	m2m_hex_encode(rec, len, w2);
	strcat(w2, "9000");
	assert_string_equal(es8_uicc(c, "00A4000C022F00"), "9000");
	/* Wrong structure for a binary read; absolute, next, previous. */
	assert_string_equal(es8_uicc(c, "00B0000001"), "6981");
	assert_string_equal(es8_uicc(c, "00B2010400"), w);
	assert_string_equal(es8_uicc(c, "00B2000200"), w2); /* next */
	assert_string_equal(es8_uicc(c, "00B2000400"), w2); /* current */
	assert_string_equal(es8_uicc(c, "00B2000300"), w);  /* previous */
	assert_string_equal(es8_uicc(c, "00B2000300"), "6a83");
	assert_string_equal(es8_uicc(c, "00B2630400"), "6a83");
	snprintf(cmd, sizeof cmd, "00B20104%02zx", len + 1);
	snprintf(w, sizeof w, "6c%02zx", len);
	assert_string_equal(es8_uicc(c, cmd), w);
	/* Update record 2 and read it back; a wrong length is refused. */
	snprintf(cmd, sizeof cmd, "00DC0204%02zx", len);
	for (size_t i = 0; i < len; i++)
		strcat(cmd, "5a");
	assert_string_equal(es8_uicc(c, cmd), "9000");
	snprintf(cmd, sizeof cmd, "00B20204%02zx", len);
	const char *r = es8_uicc(c, cmd);
	assert_memory_equal(r, "5a5a5a5a", 8);
	assert_string_equal(es8_uicc(c, "00DC020401AA"), "6700");
	/* Record commands on a transparent EF. */
	assert_string_equal(es8_uicc(c, "00A4000C022FE2"), "9000");
	assert_string_equal(es8_uicc(c, "00B2010400"), "6981");
}

/* The tree follows the enabled profile: none for the bootstrap profile (no package), the
 * TS.48 one again after a switch back (rebuilt from the stored package, with the update
 * kept over it). */
static void test_switch(void **state)
{
	fx *f = *state;
	card *c = f->c;
	m2m_euicc_events ev = {0};
	m2m_buf r;
	char w[128];

	assert_string_equal(es8_uicc(c, "00A4000C022FE2"), "9000");
	m2m_buf_init(&r);
	assert_int_equal(m2m_euicc_uicc_apdu_ev(c->e, (const uint8_t *)"\x00\xD6\x00\x00\x01\xAA",
						6, &r, &ev),
			 M2M_OK);
	assert_memory_equal(r.data, "\x90\x00", 2);
	assert_true(ev.state_changed);
	m2m_buf_free(&r);
	assert_string_equal(fx_dgi_aid(c, "3A03", AID_BOOT), "9000");
	assert_string_equal(es8_uicc(c, "00A4000C022FE2"), "6a82");
	assert_string_equal(es8_uicc(c, "00B0000001"), "6986");
	assert_string_equal(es8_uicc(c, "00A4040C10" AID_ISDR), "9000");
	assert_string_equal(fx_dgi_aid(c, "3A03", AID_13), "9000");
	assert_string_equal(es8_uicc(c, "00A4000C022FE2"), "9000");
	want(f, "3F00/2FE2", 10, "9000", w);
	w[0] = 'a';
	w[1] = 'a';
	assert_string_equal(es8_uicc(c, "00B000000A"), w);
	/* Deleting the ISD-P frees its package; the state stays valid. */
	assert_string_equal(fx_dgi_aid(c, "3A03", AID_BOOT), "9000");
	assert_string_equal(fx_tx(c, "80E40040124F10" AID_13 "00"), "009000");
	assert_string_equal(es8_uicc(c, "00A4000C022FE2"), "6a82");
}

/* Releasing the tree is a reset: the selection is gone, the update stays. */
static void test_release(void **state)
{
	fx *f = *state;
	card *c = f->c;

	m2m_euicc_uicc_release(c->e);
	assert_null(c->e->rt);
	assert_string_equal(es8_uicc(c, "00A4000C022FE2"), "9000");
	assert_string_equal(es8_uicc(c, "00D6000001AB"), "9000");
	m2m_euicc_uicc_release(c->e);
	assert_null(c->e->rt);
	assert_string_equal(es8_uicc(c, "00B0000001"), "6986");
	assert_string_equal(es8_uicc(c, "00A4000C022FE2"), "9000");
	assert_string_equal(es8_uicc(c, "00B0000001"), "ab9000");
	m2m_euicc_uicc_release(NULL);
}

static void test_install_refused(void **state)
{
	fx *f = *state;
	card *c = f->c;
	int idx = fx_idx(c, AID_13);

	/* Already holds a profile; a quota too small; not a package. */
	assert_int_equal(m2m_euicc_isdp_install_package(c->e, idx, f->pkg.data, f->pkg.len),
			 M2M_ERR_STATE);
	assert_string_equal(fx_create(c, AID_14), "009000");
	idx = fx_idx(c, AID_14);
	assert_int_equal(m2m_euicc_isdp_install_package(c->e, idx, f->pkg.data, 100),
			 M2M_ERR_FORMAT);
	c->e->isdp[idx].mem_reserved = 1000;
	assert_int_not_equal(m2m_euicc_isdp_install_package(c->e, idx, f->pkg.data, f->pkg.len),
			     M2M_OK);
	assert_false(c->e->isdp[idx].has_profile);
	assert_int_equal(c->e->isdp[idx].pkg, 0);
	assert_int_equal(m2m_euicc_check(c->e), M2M_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_atr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_select, setup, teardown),
		cmocka_unit_test_setup_teardown(test_binary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_switch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_install_refused, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
