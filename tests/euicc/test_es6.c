/* ES6: the operator's own OTA to the MNO-SD and RFM applications of the enabled profile,
 * over SMS-PP with SCP80 and the profile's keys. The profile is the GSMA TS.48 test profile
 * (TS48v2_SAIP2.3_NoBERTLV.der, osmocom/pysim smdpp-data/upp at 597f1e03); its
 * securityDomain PE carries the keys below (KVN 01: DES type 80, KVN 02: AES, ids 01 KIc,
 * 02 KID, 03 DEK), TARs B20100 and 000000 (toolkit parameters) and MSL 06 (CC + ciphering);
 * its rfm PEs TAR B00120 (UICC shared file system), B00140 (ADF.USIM). The operator's side
 * is our card library (card/scp80.h, card/script.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "es8_fixture.h"
#include "euicc/uicc.h"
#include "test_ota_common.h"

/* From the TS.48 package's securityDomain PE keyList. */
#define KIC "66778899aabbccdd1122334455eeff10"
#define KID "112233445566778899aabbccddeeff10"
#define TAR_SD 0xB20100u
#define TAR_ISD 0x000000u
#define TAR_RFM_UICC 0xB00120u
#define TAR_RFM_USIM 0xB00140u

typedef struct {
	rig *r;
	m2m_buf pkg;
	m2m_saip_fs ref;
	uint64_t cntr;
} es6;

static int setup(void **state)
{
	es6 *x = calloc(1, sizeof *x);

	assert_non_null(x);
	x->r = rig_new();
	es8_read(&x->pkg);
	es8_ref(&x->pkg, &x->ref);
	assert_string_equal(fx_create(x->r->c, AID_13), "009000");
	assert_int_equal(m2m_euicc_isdp_install_package(x->r->c->e, fx_idx(x->r->c, AID_13),
							x->pkg.data, x->pkg.len),
			 M2M_OK);
	assert_string_equal(fx_dgi_aid(x->r->c, "3A03", AID_13), "9000");
	x->cntr = 1;
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	es6 *x = *state;

	rig_free(x->r);
	m2m_buf_free(&x->pkg);
	m2m_saip_fs_free(&x->ref);
	free(x);
	return 0;
}

static void mno_keys(m2m_scp80_keys *k)
{
	uint8_t v[16];

	memset(k, 0, sizeof *k);
	assert_int_equal(m2m_hex_decode_exact(KIC, v, 16), M2M_OK);
	assert_int_equal(m2m_scp80_key_set(&k->kic, v, 16), M2M_OK);
	assert_int_equal(m2m_hex_decode_exact(KID, v, 16), M2M_OK);
	assert_int_equal(m2m_scp80_key_set(&k->kid, v, 16), M2M_OK);
}

/* SPI 16 39 (CC, ciphering, counter higher; PoR always by SMS-SUBMIT, CC'd, ciphered), AES
 * key set 02, unless the caller changes the header. */
static m2m_scp80_hdr mno_hdr(uint32_t tar, uint64_t cntr)
{
	m2m_scp80_hdr h = srv_hdr(0x16, 0x39, tar, cntr);

	h.kic = h.kid = 0x22;
	return h;
}

/* An expanded script of the given hex C-APDUs (NULL-terminated). */
static void script(m2m_buf *out, const char *const *apdus)
{
	m2m_script_builder sb;

	assert_int_equal(m2m_script_begin(&sb, out, false, M2M_CHAIN_NONE), M2M_OK);
	for (size_t i = 0; apdus[i] != NULL; i++) {
		m2m_buf a;
		m2m_buf_init(&a);
		hexbuf(apdus[i], &a);
		assert_int_equal(m2m_script_add_capdu(&sb, a.data, a.len), M2M_OK);
		m2m_buf_free(&a);
	}
	assert_int_equal(m2m_script_end(&sb), M2M_OK);
}

/* Wraps with keys, sends all parts; returns the PoR status (0xFF: none). */
static uint8_t send_with(es6 *x, const m2m_scp80_hdr *h, const m2m_scp80_keys *k,
			 const m2m_buf *data)
{
	m2m_buf pkt;

	m2m_buf_init(&pkt);
	assert_int_equal(m2m_scp80_wrap(h, k, data->data, data->len, &pkt), M2M_OK);
	assert_int_equal(m2m_sms_segment(M2M_SMS_IEI_CPI, pkt.data, pkt.len, 0x43, false,
					 x->r->parts, M2M_SMS_MAX_PARTS, &x->r->nparts),
			 M2M_OK);
	m2m_euicc_ota_out_reset(&x->r->out);
	for (size_t i = 0; i < x->r->nparts; i++)
		feed_ud(x->r, x->r->parts[i].data, x->r->parts[i].len, M2M_SMS_DCS_CLASS2_8BIT);
	m2m_buf_free(&pkt);
	return x->r->out.por_status;
}

/* Runs a script on tar; rapdus gets the R-APDUs (hex, one per string). */
static void run(es6 *x, uint32_t tar, const char *const *apdus, char rapdus[][600], size_t *n)
{
	m2m_scp80_hdr h = mno_hdr(tar, x->cntr++);
	m2m_scp80_keys k;
	m2m_scp80_rsp rsp;
	m2m_script_response sr;
	m2m_buf data, pkt, por;
	const uint8_t *ra;
	size_t len;
	uint8_t iei = 0;

	m2m_buf_init(&data);
	m2m_buf_init(&pkt);
	m2m_buf_init(&por);
	mno_keys(&k);
	script(&data, apdus);
	assert_int_equal(send_with(x, &h, &k, &data), 0x00);
	mo_packet(x->r, "4479000099", &pkt, &iei);
	assert_int_equal(iei, M2M_SMS_IEI_RPI);
	/* The PoR opens with the profile's keys, not the ISD-R's. */
	assert_int_equal(m2m_scp80_unwrap_response(h.spi, h.kic, h.kid, &k, pkt.data, pkt.len, &rsp,
						   &por),
			 M2M_OK);
	assert_int_equal(rsp.status, 0x00);
	assert_int_equal(rsp.counter, h.counter);
	assert_int_equal(rsp.tar[0] << 16 | rsp.tar[1] << 8 | rsp.tar[2], tar);
	assert_int_equal(m2m_script_response_open(&sr, por.data, por.len), M2M_OK);
	*n = 0;
	while (m2m_script_response_next(&sr, &ra, &len) == M2M_OK)
		hexs(ra, len, rapdus[(*n)++]);
	assert_int_equal(*n, sr.executed);
	m2m_scp80_keys_wipe(&k);
	m2m_buf_free(&data);
	m2m_buf_free(&pkt);
	m2m_buf_free(&por);
}

/* The device reads a transparent EF by path (SELECT by path from the MF). */
static const char *device_read(card *c, const char *path_hex, size_t len)
{
	char cmd[64];

	snprintf(cmd, sizeof cmd, "00A4080C%02x%s", (unsigned)(strlen(path_hex) / 2), path_hex);
	assert_string_equal(es8_uicc(c, cmd), "9000");
	snprintf(cmd, sizeof cmd, "00B00000%02x", (unsigned)len);
	return es8_uicc(c, cmd);
}

static m2m_euicc *reload(const m2m_euicc *e)
{
	m2m_buf b;
	m2m_euicc *l = NULL;

	m2m_buf_init(&b);
	assert_int_equal(m2m_euicc_save(e, &b), M2M_OK);
	assert_int_equal(m2m_euicc_load(b.data, b.len, &l), M2M_OK);
	m2m_buf_free(&b);
	return l;
}

/* Replaces the rig's card by its saved-and-loaded copy (a restart). */
static void restart(es6 *x)
{
	m2m_euicc *l = reload(x->r->c->e);

	m2m_euicc_free(x->r->c->e);
	x->r->c->e = l;
}

/* ---- RFM of the shared file system ---- */

static void test_rfm_uicc(void **state)
{
	es6 *x = *state;
	char ra[8][600], want[64];
	size_t n = 0;
	const char *const read_iccid[] = {"00A40004022FE2", "00B000000A", NULL};
	const char *const update_iccid[] = {"00A4000C022FE2", "00D600000A98103254769810325476",
					    "00B000000A", NULL};

	run(x, TAR_RFM_UICC, read_iccid, ra, &n);
	assert_int_equal(n, 2);
	assert_string_equal(ra[0] + strlen(ra[0]) - 4, "9000");
	assert_memory_equal(ra[0], "62", 2); /* FCP */
	es8_ref_hex(&x->ref, "3F00/2FE2", 10, want);
	strcat(want, "9000");
	assert_string_equal(ra[1], want);
	/* UPDATE BINARY: the new ICCID, then kept. */
	memset(&x->r->out.ev, 0, sizeof x->r->out.ev);
	run(x, TAR_RFM_UICC, update_iccid, ra, &n);
	assert_int_equal(n, 3);
	assert_string_equal(ra[0], "9000");
	assert_string_equal(ra[1], "9000");
	assert_string_equal(ra[2], "981032547698103254769000");
	assert_true(x->r->out.ev.state_changed);
	/* The device sees it; after a restart; after a switch away and back. */
	assert_string_equal(device_read(x->r->c, "2FE2", 10), "981032547698103254769000");
	restart(x);
	assert_string_equal(device_read(x->r->c, "2FE2", 10), "981032547698103254769000");
	assert_string_equal(fx_dgi_aid(x->r->c, "3A03", AID_BOOT), "9000");
	assert_string_equal(fx_dgi_aid(x->r->c, "3A03", AID_13), "9000");
	assert_string_equal(device_read(x->r->c, "2FE2", 10), "981032547698103254769000");
}

/* Scope: a UICC RFM application sees no ADF; errors stop the script (TS 102 226). */
static void test_rfm_uicc_scope(void **state)
{
	es6 *x = *state;
	char ra[8][600], want[64];
	size_t n = 0;
	const char *const adf[] = {"00A4040C0CA0000000871002FF49FF0589", "00B0000001", NULL};
	const char *const by_path[] = {"00A4080C047FD06F07", NULL};
	const char *const df[] = {"00A4000C027F10", "00A4000C025F3A", "00A4000C024F22",
				  "00B0000004", "00A4000C023F00", "00A4000C027FD0", NULL};

	run(x, TAR_RFM_UICC, adf, ra, &n);
	assert_int_equal(n, 1);
	assert_string_equal(ra[0], "6a82");
	run(x, TAR_RFM_UICC, by_path, ra, &n);
	assert_string_equal(ra[0], "6a82");
	run(x, TAR_RFM_UICC, df, ra, &n);
	assert_int_equal(n, 6);
	es8_ref_hex(&x->ref, "3F00/7F10/5F3A/4F22", 4, want);
	strcat(want, "9000");
	assert_string_equal(ra[3], want);
	assert_string_equal(ra[4], "9000");
	assert_string_equal(ra[5], "6a82");
}

/* ADF RFM: starts in ADF.USIM; EF.IMSI and a record EF; nothing outside the ADF. */
static void test_rfm_adf(void **state)
{
	es6 *x = *state;
	char ra[8][600], want[64], rec[200];
	size_t n = 0;
	const char *const imsi[] = {"00A4000C026F07", "00B0000009",
				    "00D6000009089910100000000010", "00B0000009", NULL};
	const char *const smsp[] = {"00A4000C026F42",
				    "00DC01042A" "41424344FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
				    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
				    "00B201042A", NULL};
	const char *const out_of_scope[] = {"00A4000C023F00", "00A4000C022FE2", NULL};

	run(x, TAR_RFM_USIM, imsi, ra, &n);
	assert_int_equal(n, 4);
	es8_ref_hex(&x->ref, "A0000000871002/6F07", 9, want);
	strcat(want, "9000");
	assert_string_equal(ra[1], want);
	assert_string_equal(ra[2], "9000");
	assert_string_equal(ra[3], "0899101000000000109000");
	run(x, TAR_RFM_USIM, smsp, ra, &n);
	assert_int_equal(n, 3);
	assert_string_equal(ra[1], "9000");
	snprintf(rec, sizeof rec, "41424344%0*d9000", 2 * (42 - 4), 0);
	for (size_t i = 8; i < 8 + 2 * (42 - 4); i++)
		rec[i] = 'f';
	assert_string_equal(ra[2], rec);
	run(x, TAR_RFM_USIM, out_of_scope, ra, &n);
	assert_int_equal(n, 1);
	assert_string_equal(ra[0], "6a82");
	/* The device: EF.IMSI, and the record through the DF.TELECOM link (3F00/7F10/6F42). */
	restart(x);
	assert_memory_equal(es8_uicc(x->r->c, "00A4040C07A0000000871002"), "9000", 5);
	assert_string_equal(es8_uicc(x->r->c, "00A4000C026F07"), "9000");
	assert_string_equal(es8_uicc(x->r->c, "00B0000009"), "0899101000000000109000");
	assert_string_equal(es8_uicc(x->r->c, "00A4080C047F106F42"), "9000");
	assert_string_equal(es8_uicc(x->r->c, "00B201042A"), rec);
}

/* ---- MNO-SD: POL1 update and connectivity parameters ---- */

static void test_pol1_update(void **state)
{
	es6 *x = *state;
	card *c = x->r->c;
	char ra[8][600];
	size_t n = 0;
	const char *const set_no_disable[] = {"80E28800043A060101", NULL};
	const char *const clear[] = {"80E28800043A060100", NULL};
	const char *const bad[] = {"80E28800043A060108", "80E28800053A06020100",
				   "80E28800043A0F0100", "80CA005A00",
				   "00E28800043A060100", "80E28000043A060100", NULL};
	const char *const conn[] = {"80E288000F3A070CA00A0608916831101021 05F0", NULL};

	run(x, TAR_SD, set_no_disable, ra, &n);
	assert_string_equal(ra[0], "9000");
	assert_int_equal(c->e->isdp[fx_idx(c, AID_13)].pol1, M2M_EUICC_POL1_NO_DISABLE);
	/* The SM-SR's switch is now refused by the new rule; and after a restart. */
	assert_string_equal(fx_dgi_aid(c, "3A03", AID_BOOT), "69e1");
	restart(x);
	assert_string_equal(fx_dgi_aid(x->r->c, "3A03", AID_BOOT), "69e1");
	c = x->r->c;
	/* The MNO-SD at its other TAR (000000) clears it. */
	run(x, TAR_ISD, clear, ra, &n);
	assert_string_equal(ra[0], "9000");
	assert_string_equal(fx_dgi_aid(c, "3A03", AID_BOOT), "9000");
	assert_string_equal(fx_dgi_aid(c, "3A03", AID_13), "9000");
	/* Each refusal stops its script: one at a time. */
	static const char *const sws[] = {"6a80", "6a80", "6a88", "6d00", "6e00", "6a86"};
	for (size_t i = 0; bad[i] != NULL; i++) {
		const char *one[] = {bad[i], NULL};
		run(x, TAR_SD, one, ra, &n);
		assert_int_equal(n, 1);
		assert_string_equal(ra[0], sws[i]);
	}
	assert_int_equal(c->e->isdp[fx_idx(c, AID_13)].pol1, 0);
	/* UpdateConnectivityParametersByMNO: the whty 3A07 (+86 13010112500). */
	run(x, TAR_SD, conn, ra, &n);
	assert_string_equal(ra[0], "9000");
	assert_int_equal(c->e->isdp[fx_idx(c, AID_13)].conn_len, 10);
}

/* ---- Refusals: disabled profile, keys, security level, replay ---- */

static uint8_t send_status(es6 *x, const m2m_scp80_hdr *h, const m2m_scp80_keys *k)
{
	m2m_buf data;
	uint8_t st;

	m2m_buf_init(&data);
	hexbuf("AA 07 2205 00A4000C022FE2", &data);
	st = send_with(x, h, k, &data);
	m2m_buf_free(&data);
	return st;
}

static void test_refusals(void **state)
{
	es6 *x = *state;
	m2m_scp80_keys k, isdr;
	m2m_scp80_hdr h;
	m2m_buf before, after;

	mno_keys(&k);
	srv_keys(0x01, &isdr);
	m2m_buf_init(&before);
	m2m_buf_init(&after);
	h = mno_hdr(TAR_SD, 5);
	assert_int_equal(send_status(x, &h, &k), 0x00);
	assert_int_equal(x->r->c->e->isdp[fx_idx(x->r->c, AID_13)].mno_cntr[1], 5);
	assert_int_equal(m2m_euicc_save(x->r->c->e, &before), M2M_OK);
	/* Replay: the same counter, a lower one (also after a restart). */
	assert_int_equal(send_status(x, &h, &k), M2M_POR_CNTR_LOW);
	h.counter = 4;
	assert_int_equal(send_status(x, &h, &k), M2M_POR_CNTR_LOW);
	restart(x);
	h.counter = 5;
	assert_int_equal(send_status(x, &h, &k), M2M_POR_CNTR_LOW);
	/* Another key set number, the wrong algorithm, the ISD-R's keys. */
	h = mno_hdr(TAR_SD, 9);
	h.kic = h.kid = 0x32;
	assert_int_equal(send_status(x, &h, &k), M2M_POR_UNDEFINED_SECURITY_ERROR);
	h.kic = h.kid = 0x25;
	assert_int_equal(send_status(x, &h, &k), M2M_POR_UNDEFINED_SECURITY_ERROR);
	h = mno_hdr(TAR_RFM_UICC, 9);
	assert_int_equal(send_status(x, &h, &isdr), M2M_POR_RC_CC_DS_FAILED);
	/* MSL 06: ciphering required. */
	h = mno_hdr(TAR_RFM_UICC, 9);
	h.spi[0] = 0x12;
	assert_int_equal(send_status(x, &h, &k), M2M_POR_INSUFFICIENT_SECURITY_LEVEL);
	/* An RFM TAR of no profile; the ISD-R's TAR with the profile's keys. */
	h = mno_hdr(0xB00199, 9);
	assert_int_equal(send_status(x, &h, &k), M2M_POR_TAR_UNKNOWN);
	h = mno_hdr(0x000001, 9);
	assert_int_equal(send_status(x, &h, &k), M2M_POR_UNDEFINED_SECURITY_ERROR);
	assert_int_equal(m2m_euicc_save(x->r->c->e, &after), M2M_OK);
	assert_int_equal(before.len, after.len);
	assert_memory_equal(before.data, after.data, before.len);
	/* A disabled profile's MNO-SD and RFM applications do not answer. */
	assert_string_equal(fx_dgi_aid(x->r->c, "3A03", AID_BOOT), "9000");
	h = mno_hdr(TAR_SD, 10);
	assert_int_equal(send_status(x, &h, &k), M2M_POR_TAR_UNKNOWN);
	h = mno_hdr(TAR_RFM_UICC, 10);
	assert_int_equal(send_status(x, &h, &k), M2M_POR_TAR_UNKNOWN);
	assert_string_equal(fx_dgi_aid(x->r->c, "3A03", AID_13), "9000");
	assert_int_equal(send_status(x, &h, &k), 0x00);
	m2m_scp80_keys_wipe(&k);
	m2m_scp80_keys_wipe(&isdr);
	m2m_buf_free(&before);
	m2m_buf_free(&after);
}

/* The DES key set (KVN 01, key type 80, 16 bytes: 3DES 2 keys, KIc/KID 15). */
static void test_3des_keyset(void **state)
{
	es6 *x = *state;
	m2m_scp80_keys k;
	m2m_scp80_hdr h = mno_hdr(TAR_RFM_UICC, 3);

	mno_keys(&k);
	h.kic = h.kid = 0x15;
	assert_int_equal(send_status(x, &h, &k), 0x00);
	/* AES algorithm nibble on the DES set. */
	h.counter = 4;
	h.kic = h.kid = 0x12;
	assert_int_equal(send_status(x, &h, &k), M2M_POR_UNDEFINED_SECURITY_ERROR);
	m2m_scp80_keys_wipe(&k);
}

/* Offset of needle in b, which must be there exactly once. */
static size_t find_once(const m2m_buf *b, const void *needle, size_t n)
{
	size_t at = SIZE_MAX;

	for (size_t i = 0; i + n <= b->len; i++)
		if (memcmp(b->data + i, needle, n) == 0) {
			assert_int_equal(at, SIZE_MAX);
			at = i;
		}
	if (at == SIZE_MAX) {
		char hx[200];
		m2m_hex_encode(needle, n, hx);
		fail_msg("not found: %s", hx);
	}
	return at;
}

static void assert_refused(const m2m_buf *saved, size_t at, uint8_t v)
{
	m2m_buf b;
	m2m_euicc *l = NULL;

	m2m_buf_init(&b);
	assert_int_equal(m2m_buf_append(&b, saved->data, saved->len), M2M_OK);
	b.data[at] = v;
	assert_int_not_equal(m2m_euicc_load(b.data, b.len, &l), M2M_OK);
	assert_null(l);
	m2m_buf_free(&b);
}

/* The saved file updates (A2 82) and MNO-SD counters (A3) load strictly. */
static void test_saved_state_strict(void **state)
{
	es6 *x = *state;
	char ra[8][600];
	size_t n = 0, at;
	m2m_buf b;
	const char *const update[] = {"00A4000C022FE2", "00D6000001AA", NULL};

	run(x, TAR_RFM_UICC, update, ra, &n);
	m2m_buf_init(&b);
	assert_int_equal(m2m_euicc_save(x->r->c->e, &b), M2M_OK);
	/* A3 0C { A0 0A { 80 01 02, 81 05 counter 1 } } */
	at = find_once(&b, "\xA3\x0C\xA0\x0A\x80\x01\x02\x81\x05\x00\x00\x00\x00\x01", 14);
	assert_refused(&b, at + 6, 0x00);  /* KVN 00 */
	assert_refused(&b, at + 6, 0x10);  /* KVN past 0F */
	assert_refused(&b, at + 8, 0x04);  /* counter length */
	assert_refused(&b, at + 2, 0x80);  /* not A0 */
	/* A0 { 80 02 2FE2, 81 0A contents } */
	at = find_once(&b, "\x80\x02\x2F\xE2\x81\x0A\xAA", 7);
	assert_refused(&b, at, 0x83);      /* unknown tag */
	assert_refused(&b, at + 4, 0x82);  /* unknown tag */
	assert_refused(&b, at - 2, 0x30);  /* not A0 */
	/* The file updates need a complete package: mark it partial. */
	at = find_once(&b, "\x80\x01\x01\x81\x82", 5);
	assert_refused(&b, at + 2, 0x00);
	m2m_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rfm_uicc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rfm_uicc_scope, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rfm_adf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pol1_update, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_3des_keyset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_saved_state_strict, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
