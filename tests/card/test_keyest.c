/* Key establishment, ECKA-EG scenario #3: off-card entity against card, on the three curves.
 * Expected bytes come from the whty SM-SR log of a real card session (shenqinglan/
 * whatever_ty @ e02ef9e, logs/2016-11-10/euicc.0.txt; sgp02-facts-2.md section 4): the A6
 * CRT A615 900203 09 950110 800188 810110 820101 830130 9100, SharedInfo 10 88 10, output
 * split receipt key || key 01 || 02 || 03, receipt = AES-CMAC over the A6 as sent. The
 * logged receipt C54FD902... cannot be re-derived without that session's private keys, so
 * the keys and receipt are re-computed here from the ephemeral private key instead. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "card/gpcert.h"
#include "card/keyest.h"
#include "core/hex.h"
#include "crypto/hash.h"
#include "crypto/sym.h"

static const m2m_curve CURVES[] = {M2M_CURVE_P256, M2M_CURVE_BRAINPOOLP256R1,
				   M2M_CURVE_FRP256V1};

static const char *const A6_WHTY = "a615900203099501108001888101108201018301309100";
static const char *const A6_DR = "a6159002030b9501108001888101108201018301309100";
static const char *const A6_SMSR = "a615900203099501108001888101108201018301029100";
static const char *const A6_SMSR_DR = "a6159002030b9501108001888101108201018301029100";

/* The PKI of one test: CI, the off-card entity (SM-DP or SM-SR) and the ECASD. */
typedef struct {
	m2m_curve curve;
	m2m_eckey *ci, *off, *ecasd, *ecasd_pub;
	m2m_buf cert; /* 7F21 of the off-card entity, signed by the CI */
} pki;

static void pki_make(pki *k, m2m_curve curve, uint8_t type)
{
	m2m_gpcert c;
	uint8_t pt[M2M_EC_POINT_SIZE];

	memset(k, 0, sizeof *k);
	k->curve = curve;
	m2m_buf_init(&k->cert);
	assert_int_equal(m2m_ec_generate(curve, &k->ci), M2M_OK);
	assert_int_equal(m2m_ec_generate(curve, &k->off), M2M_OK);
	assert_int_equal(m2m_ec_generate(curve, &k->ecasd), M2M_OK);
	assert_int_equal(m2m_ec_public_point(k->ecasd, pt), M2M_OK);
	assert_int_equal(m2m_ec_from_public(curve, pt, sizeof pt, &k->ecasd_pub), M2M_OK);
	memset(&c, 0, sizeof c);
	c.serial[0] = c.ca_id[0] = c.subject_id[0] = 0x02;
	c.serial_len = c.ca_id_len = c.subject_id_len = 1;
	c.key_usage[0] = M2M_GPCERT_USAGE_SIGN_VERIFY;
	c.key_usage_len = 1;
	memcpy(c.expiry, "\x21\x45\x01\x01", 4);
	c.has_type = true;
	c.type = type;
	assert_int_equal(m2m_gpcert_set_public_key(&c, k->off), M2M_OK);
	assert_int_equal(m2m_gpcert_sign(&c, k->ci, &k->cert), M2M_OK);
}

static void pki_free(pki *k)
{
	m2m_ec_free(k->ci);
	m2m_ec_free(k->off);
	m2m_ec_free(k->ecasd);
	m2m_ec_free(k->ecasd_pub);
	m2m_buf_free(&k->cert);
}

/* Data field of an APDU with a short Lc. */
static const uint8_t *apdu_data(const m2m_buf *apdu, const char *hdr_hex, size_t *n)
{
	uint8_t hdr[4];
	assert_int_equal(m2m_hex_decode_exact(hdr_hex, hdr, 4), M2M_OK);
	assert_true(apdu->len > 5);
	assert_memory_equal(apdu->data, hdr, 4);
	assert_int_equal(apdu->data[4], apdu->len - 5);
	*n = apdu->len - 5;
	return apdu->data + 5;
}

/* STORE DATA #1 through the card; the host gets the RC. */
static void run_sd1(const pki *k, m2m_keyest_host *h, m2m_keyest_card *c, uint8_t rc[16])
{
	m2m_buf apdu, resp;
	uint16_t sw = 0;
	size_t n;
	m2m_buf_init(&apdu);
	m2m_buf_init(&resp);
	assert_int_equal(m2m_keyest_sd1_apdu(k->cert.data, k->cert.len, &apdu), M2M_OK);
	const uint8_t *data = apdu_data(&apdu, "80e20900", &n);
	assert_int_equal(data[0], 0x3A);
	assert_int_equal(data[1], 0x01);
	assert_int_equal(m2m_keyest_card_sd1(c, data, n, &resp, &sw), M2M_OK);
	assert_int_equal(sw, 0x9000);
	assert_int_equal(resp.len, 18);
	assert_int_equal(resp.data[0], 0x85);
	assert_int_equal(resp.data[1], 0x10);
	memcpy(rc, resp.data + 2, 16);
	assert_int_equal(m2m_keyest_host_rc(h, resp.data, resp.len), M2M_OK);
	m2m_buf_free(&apdu);
	m2m_buf_free(&resp);
}

/* Re-computes keys and receipt from the ephemeral private key, independently of keyest.c. */
static void recompute(const pki *k, const uint8_t d[32], const char *a6_hex, const uint8_t *dr,
		      size_t dr_len, uint8_t kd[64], uint8_t receipt[16])
{
	m2m_eckey *eph = NULL;
	uint8_t z[32], si[3 + 32] = {0x10, 0x88, 0x10}, msg[64];
	size_t a6_len;
	assert_int_equal(m2m_ec_from_private(k->curve, d, 32, &eph), M2M_OK);
	assert_int_equal(m2m_ecdh(eph, k->ecasd_pub, z), M2M_OK);
	memcpy(si + 3, dr, dr_len);
	assert_int_equal(m2m_kdf_x963_sha256(z, 32, si, 3 + dr_len, kd, 64), M2M_OK);
	assert_int_equal(m2m_hex_decode(a6_hex, msg, sizeof msg, &a6_len), M2M_OK);
	if (dr_len > 0) {
		msg[a6_len++] = 0x85;
		msg[a6_len++] = (uint8_t)dr_len;
		memcpy(msg + a6_len, dr, dr_len);
		a6_len += dr_len;
	}
	assert_int_equal(m2m_aes_cmac(kd, 16, msg, a6_len, receipt), M2M_OK);
	m2m_ec_free(eph);
}

/* Checks STORE DATA #2 bytes: 3A02 17 {A6}, then ePK in the chosen form, then 5F37 40 sig
 * over 3A02 || 7F49 || 00 85 10 RC with the off-card key. */
static void check_sd2_bytes(const pki *k, const uint8_t *data, size_t n, const char *a6_hex,
			    m2m_gp_pubkey_form form, const m2m_eckey *eph, const uint8_t rc[16])
{
	uint8_t a6[23], pt[M2M_EC_POINT_SIZE], tbs[256];
	size_t epk_len = form == M2M_GP_PUBKEY_RAW ? 3 + 65 : 3 + 70;
	assert_int_equal(m2m_hex_decode_exact(a6_hex, a6, sizeof a6), M2M_OK);
	assert_int_equal(n, 2 + 1 + 23 + epk_len + 3 + 64);
	assert_memory_equal(data, "\x3A\x02\x17", 3);
	assert_memory_equal(data + 3, a6, sizeof a6);
	const uint8_t *e = data + 3 + 23;
	assert_int_equal(m2m_ec_public_point(eph, pt), M2M_OK);
	if (form == M2M_GP_PUBKEY_RAW) {
		assert_memory_equal(e, "\x7F\x49\x41", 3);
		assert_memory_equal(e + 3, pt, sizeof pt);
	} else {
		assert_memory_equal(e, "\x7F\x49\x46\xB0\x41", 5);
		assert_memory_equal(e + 5, pt, sizeof pt);
		assert_int_equal(e[70], 0xF0);
		assert_int_equal(e[71], 0x01);
		assert_int_equal(e[72], (uint8_t)k->curve);
	}
	const uint8_t *s = e + epk_len;
	assert_memory_equal(s, "\x5F\x37\x40", 3);
	size_t signed_len = (size_t)(s - data);
	memcpy(tbs, data, signed_len);
	memcpy(tbs + signed_len, "\x00\x85\x10", 3);
	memcpy(tbs + signed_len + 3, rc, 16);
	assert_int_equal(m2m_ecdsa_verify(k->off, tbs, signed_len + 19, s + 3, 64), M2M_OK);
	tbs[signed_len] = 0x85; /* a one-byte tag would be another message */
	assert_int_equal(m2m_ecdsa_verify(k->off, tbs + 0, signed_len + 1, s + 3, 64),
			 M2M_ERR_VERIFY);
}

static void full_run(m2m_curve curve, bool dr, m2m_gp_pubkey_form form, bool smsr)
{
	pki k;
	m2m_keyest_params p;
	m2m_keyest_host h;
	m2m_keyest_card c;
	m2m_keyest_keys hk, ck;
	m2m_buf apdu, resp;
	uint8_t rc[16], d[32], kd[64], receipt[16];
	uint16_t sw = 0;
	size_t n;
	const char *a6 = smsr ? (dr ? A6_SMSR_DR : A6_SMSR) : dr ? A6_DR : A6_WHTY;

	pki_make(&k, curve, smsr ? M2M_GPCERT_TYPE_SMSR : M2M_GPCERT_TYPE_SMDP);
	m2m_buf_init(&apdu);
	m2m_buf_init(&resp);
	if (smsr)
		m2m_keyest_params_smsr_change(&p, dr);
	else
		m2m_keyest_params_isdp(&p, dr);
	p.epk_form = form;
	assert_int_equal(m2m_keyest_host_init(&h, &p), M2M_OK);
	assert_int_equal(m2m_keyest_card_init(&c, k.ci, k.ecasd,
					      smsr ? M2M_GPCERT_TYPE_SMSR : M2M_GPCERT_TYPE_SMDP,
					      3), M2M_OK);
	run_sd1(&k, &h, &c, rc);

	assert_int_equal(m2m_keyest_host_sd2_apdu(&h, k.off, k.ecasd_pub, &apdu), M2M_OK);
	const uint8_t *data = apdu_data(&apdu, "80e28901", &n);
	assert_int_equal(m2m_ec_private_bytes(h.esk, d), M2M_OK);
	check_sd2_bytes(&k, data, n, a6, form, h.esk, rc);

	assert_int_equal(m2m_keyest_card_sd2(&c, data, n, &resp, &ck, &sw), M2M_OK);
	assert_int_equal(sw, 0x9000);
	size_t dr_len = dr ? 16 : 0;
	assert_int_equal(resp.len, (dr ? 18 : 0) + 18);
	if (dr) {
		assert_memory_equal(resp.data, "\x85\x10", 2);
		assert_int_equal(ck.dr_len, 16);
		assert_memory_equal(ck.dr, resp.data + 2, 16);
	}
	assert_memory_equal(resp.data + resp.len - 18, "\x86\x10", 2);
	assert_int_equal(m2m_keyest_host_finish(&h, resp.data, resp.len, &hk), M2M_OK);
	assert_null(h.esk);

	recompute(&k, d, a6, resp.data + 2, dr_len, kd, receipt);
	assert_memory_equal(resp.data + resp.len - 16, receipt, 16);
	for (size_t i = 0; i < 3; i++) {
		assert_memory_equal(hk.key[i], kd + 16 * (i + 1), 16);
		assert_memory_equal(ck.key[i], kd + 16 * (i + 1), 16);
	}
	assert_int_equal(hk.nkeys, 3);
	assert_int_equal(ck.nkeys, 3);
	assert_int_equal(hk.key_len, 16);
	assert_int_equal(ck.kvn, smsr ? 0x02 : 0x30);
	assert_int_equal(hk.kvn, ck.kvn);
	assert_int_equal(ck.key_id, 0x01);
	assert_int_equal(ck.key_type, 0x88);
	assert_int_equal(ck.key_usage, 0x10);
	assert_memory_equal(hk.receipt, ck.receipt, 16);
	assert_int_equal(hk.dr_len, dr_len);

	/* the RC is spent: a replay of STORE DATA #2 is refused */
	m2m_buf_reset(&resp);
	assert_int_equal(m2m_keyest_card_sd2(&c, data, n, &resp, &ck, &sw), M2M_ERR_STATE);
	assert_int_equal(sw, 0x6985);
	assert_int_equal(resp.len, 0);

	m2m_keyest_keys_wipe(&hk);
	m2m_keyest_keys_wipe(&ck);
	m2m_keyest_host_wipe(&h);
	m2m_keyest_card_wipe(&c);
	m2m_buf_free(&apdu);
	m2m_buf_free(&resp);
	pki_free(&k);
}

static void test_full_all_curves(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof CURVES / sizeof CURVES[0]; i++)
		for (int dr = 0; dr < 2; dr++) {
			full_run(CURVES[i], dr, M2M_GP_PUBKEY_RAW, false);
			full_run(CURVES[i], dr, M2M_GP_PUBKEY_WRAPPED, false);
		}
}

static void test_full_smsr_change(void **state)
{
	(void)state;
	full_run(M2M_CURVE_P256, false, M2M_GP_PUBKEY_RAW, true);
	full_run(M2M_CURVE_BRAINPOOLP256R1, true, M2M_GP_PUBKEY_WRAPPED, true);
}

static void test_crt_whty(void **state)
{
	(void)state;
	m2m_keyest_params p;
	m2m_keyest_crt crt;
	uint8_t want[23];
	m2m_buf out;
	m2m_buf_init(&out);
	m2m_keyest_params_isdp(&p, false);
	assert_int_equal(p.epk_form, M2M_GP_PUBKEY_RAW);
	assert_int_equal(m2m_keyest_crt_encode(&p.crt, &out), M2M_OK);
	assert_int_equal(m2m_hex_decode_exact(A6_WHTY, want, sizeof want), M2M_OK);
	assert_int_equal(out.len, sizeof want);
	assert_memory_equal(out.data, want, sizeof want);
	assert_int_equal(m2m_keyest_crt_parse(want + 2, sizeof want - 2, &crt), M2M_OK);
	assert_int_equal(crt.scenario_param, 0x09);
	assert_int_equal(crt.key_usage, 0x10);
	assert_int_equal(crt.key_type, 0x88);
	assert_int_equal(crt.key_len, 16);
	assert_int_equal(crt.key_id, 1);
	assert_int_equal(crt.kvn, 0x30);
	assert_true(crt.has_counter);
	assert_int_equal(crt.counter_len, 0);
	/* 91 may be left out; any other deviation is refused */
	assert_int_equal(m2m_keyest_crt_parse(want + 2, sizeof want - 4, &crt), M2M_OK);
	assert_false(crt.has_counter);
	for (size_t n = 0; n < sizeof want - 4; n++)
		assert_int_not_equal(m2m_keyest_crt_parse(want + 2, n, &crt), M2M_OK);
	uint8_t bad[21];
	memcpy(bad, want + 2, sizeof bad);
	bad[2] = 0x02; /* scenario #2 */
	assert_int_equal(m2m_keyest_crt_parse(bad, sizeof bad, &crt), M2M_ERR_FORMAT);
	memcpy(bad, want + 2, sizeof bad);
	bad[3] = 0x0D; /* HostID */
	assert_int_equal(m2m_keyest_crt_parse(bad, sizeof bad, &crt), M2M_ERR_UNSUPPORTED);
	memcpy(bad, want + 2, sizeof bad);
	bad[9] = 0x80; /* key type 80 = 3DES */
	assert_int_equal(m2m_keyest_crt_parse(bad, sizeof bad, &crt), M2M_ERR_UNSUPPORTED);
	memcpy(bad, want + 2, sizeof bad);
	bad[4] = 0x83; /* 83 before 95 */
	assert_int_equal(m2m_keyest_crt_parse(bad, sizeof bad, &crt), M2M_ERR_FORMAT);
	m2m_buf_free(&out);
}

/* One session up to STORE DATA #2 built; the caller corrupts things. */
typedef struct {
	pki k;
	m2m_keyest_host h;
	m2m_keyest_card c;
	m2m_buf sd2, resp;
	uint8_t rc[16];
} session;

static void session_start(session *s, bool dr)
{
	m2m_keyest_params p;
	pki_make(&s->k, M2M_CURVE_P256, M2M_GPCERT_TYPE_SMDP);
	m2m_buf_init(&s->sd2);
	m2m_buf_init(&s->resp);
	m2m_keyest_params_isdp(&p, dr);
	assert_int_equal(m2m_keyest_host_init(&s->h, &p), M2M_OK);
	assert_int_equal(m2m_keyest_card_init(&s->c, s->k.ci, s->k.ecasd, 0x01, 3), M2M_OK);
	run_sd1(&s->k, &s->h, &s->c, s->rc);
	assert_int_equal(m2m_keyest_host_sd2_data(&s->h, s->k.off, s->k.ecasd_pub, &s->sd2),
			 M2M_OK);
}

static void session_end(session *s)
{
	m2m_keyest_host_wipe(&s->h);
	m2m_keyest_card_wipe(&s->c);
	m2m_buf_free(&s->sd2);
	m2m_buf_free(&s->resp);
	pki_free(&s->k);
}

/* The card's answer to a corrupted STORE DATA #2. */
static void expect_sd2(session *s, m2m_err want, uint16_t want_sw)
{
	m2m_keyest_keys keys;
	uint16_t sw = 0;
	assert_int_equal(m2m_keyest_card_sd2(&s->c, s->sd2.data, s->sd2.len, &s->resp, &keys, &sw),
			 want);
	assert_int_equal(sw, want_sw);
	if (want != M2M_OK)
		assert_int_equal(s->resp.len, 0);
}

static void test_sd1_negatives(void **state)
{
	(void)state;
	pki k, other;
	m2m_keyest_card c;
	m2m_buf data, resp;
	uint16_t sw = 0;
	pki_make(&k, M2M_CURVE_P256, M2M_GPCERT_TYPE_SMDP);
	pki_make(&other, M2M_CURVE_P256, M2M_GPCERT_TYPE_SMDP);
	m2m_buf_init(&data);
	m2m_buf_init(&resp);
	assert_int_equal(m2m_keyest_sd1_data(k.cert.data, k.cert.len, &data), M2M_OK);

	/* wrong CI key */
	assert_int_equal(m2m_keyest_card_init(&c, other.ci, k.ecasd, 0x01, 3), M2M_OK);
	assert_int_equal(m2m_keyest_card_sd1(&c, data.data, data.len, &resp, &sw), M2M_ERR_VERIFY);
	assert_int_equal(sw, 0x6982);
	assert_int_equal(resp.len, 0);
	assert_false(c.rc_pending);

	/* wrong certificate type: an SM-DP certificate offered to the ISD-R */
	assert_int_equal(m2m_keyest_card_init(&c, k.ci, k.ecasd, M2M_GPCERT_TYPE_SMSR, 3), M2M_OK);
	assert_int_equal(m2m_keyest_card_sd1(&c, data.data, data.len, &resp, &sw), M2M_ERR_STATE);
	assert_int_equal(sw, 0x6985);
	assert_int_equal(resp.len, 0);

	/* tampered certificate: the subject id byte (3A01 L 7F21 81 L 93.. 42.. 5F20 01 xx) */
	assert_int_equal(m2m_keyest_card_init(&c, k.ci, k.ecasd, 0x01, 3), M2M_OK);
	size_t at = 3 + 4 + 3 + 3 + 3;
	assert_int_equal(data.data[at], 0x02);
	data.data[at] ^= 0x01;
	assert_int_equal(m2m_keyest_card_sd1(&c, data.data, data.len, &resp, &sw), M2M_ERR_VERIFY);
	assert_int_equal(sw, 0x6982);
	data.data[at] ^= 0x01;

	/* truncated at every length */
	for (size_t n = 0; n < data.len; n++) {
		assert_int_not_equal(m2m_keyest_card_sd1(&c, data.data, n, &resp, &sw), M2M_OK);
		assert_int_equal(sw, 0x6A80);
	}
	assert_int_equal(resp.len, 0);
	/* a certificate not wrapped in 3A01 */
	assert_int_equal(m2m_keyest_card_sd1(&c, k.cert.data, k.cert.len, &resp, &sw),
			 M2M_ERR_FORMAT);
	assert_int_equal(sw, 0x6A80);
	/* the good one still works */
	assert_int_equal(m2m_keyest_card_sd1(&c, data.data, data.len, &resp, &sw), M2M_OK);
	assert_int_equal(sw, 0x9000);
	assert_true(c.rc_pending);

	m2m_keyest_card_wipe(&c);
	m2m_buf_free(&data);
	m2m_buf_free(&resp);
	pki_free(&k);
	pki_free(&other);
}

static void test_sd2_tampered(void **state)
{
	(void)state;
	session s;
	/* signature */
	session_start(&s, false);
	s.sd2.data[s.sd2.len - 1] ^= 0x01;
	expect_sd2(&s, M2M_ERR_VERIFY, 0x6982);
	session_end(&s);
	/* KVN inside the signed A6 */
	session_start(&s, false);
	assert_int_equal(s.sd2.data[3 + 20], 0x30);
	s.sd2.data[3 + 20] = 0x31;
	expect_sd2(&s, M2M_ERR_VERIFY, 0x6982);
	session_end(&s);
	/* ePK */
	session_start(&s, false);
	s.sd2.data[3 + 23 + 3 + 10] ^= 0x01;
	expect_sd2(&s, M2M_ERR_VERIFY, 0x6982);
	session_end(&s);
	/* STORE DATA #2 without STORE DATA #1 */
	session_start(&s, false);
	m2m_keyest_card_wipe(&s.c);
	assert_int_equal(m2m_keyest_card_init(&s.c, s.k.ci, s.k.ecasd, 0x01, 3), M2M_OK);
	expect_sd2(&s, M2M_ERR_STATE, 0x6985);
	session_end(&s);
	/* truncated: one card call, then the parser at every length */
	session_start(&s, false);
	s.sd2.len -= 1;
	expect_sd2(&s, M2M_ERR_TLV_OVERRUN, 0x6A80);
	s.sd2.len += 1;
	for (size_t n = 0; n < s.sd2.len; n++) {
		m2m_keyest_sd2_msg m;
		assert_int_not_equal(m2m_keyest_sd2_parse(s.sd2.data, n, &m), M2M_OK);
	}
	/* and trailing data */
	assert_int_equal(m2m_buf_append(&s.sd2, "\x90\x00", 2), M2M_OK);
	m2m_keyest_sd2_msg m;
	assert_int_equal(m2m_keyest_sd2_parse(s.sd2.data, s.sd2.len, &m), M2M_ERR_FORMAT);
	session_end(&s);
}

/* The host signs a challenge other than the card's. */
static void test_wrong_rc(void **state)
{
	(void)state;
	pki k;
	m2m_keyest_params p;
	m2m_keyest_host h;
	m2m_keyest_card c;
	m2m_keyest_keys keys;
	m2m_buf data, resp;
	uint16_t sw = 0;
	pki_make(&k, M2M_CURVE_FRP256V1, M2M_GPCERT_TYPE_SMDP);
	m2m_buf_init(&data);
	m2m_buf_init(&resp);
	m2m_keyest_params_isdp(&p, false);
	assert_int_equal(m2m_keyest_host_init(&h, &p), M2M_OK);
	assert_int_equal(m2m_keyest_card_init(&c, k.ci, k.ecasd, 0x01, 3), M2M_OK);
	assert_int_equal(m2m_keyest_sd1_data(k.cert.data, k.cert.len, &data), M2M_OK);
	assert_int_equal(m2m_keyest_card_sd1(&c, data.data, data.len, &resp, &sw), M2M_OK);
	resp.data[5] ^= 0x40;
	assert_int_equal(m2m_keyest_host_rc(&h, resp.data, resp.len), M2M_OK);
	m2m_buf_reset(&data);
	m2m_buf_reset(&resp);
	assert_int_equal(m2m_keyest_host_sd2_data(&h, k.off, k.ecasd_pub, &data), M2M_OK);
	assert_int_equal(m2m_keyest_card_sd2(&c, data.data, data.len, &resp, &keys, &sw),
			 M2M_ERR_VERIFY);
	assert_int_equal(sw, 0x6982);
	m2m_keyest_host_wipe(&h);
	m2m_keyest_card_wipe(&c);
	m2m_buf_free(&data);
	m2m_buf_free(&resp);
	pki_free(&k);
}

/* Malformed RC answers. */
static void test_rc_parse(void **state)
{
	(void)state;
	static const char *const bad[] = {"", "8510", "850f000102030405060708090a0b0c0d0e",
					  "8610000102030405060708090a0b0c0d0e0f",
					  "8510000102030405060708090a0b0c0d0e0f00"};
	m2m_keyest_params p;
	m2m_keyest_host h;
	m2m_keyest_params_isdp(&p, false);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint8_t b[32];
		size_t n;
		assert_int_equal(m2m_keyest_host_init(&h, &p), M2M_OK);
		assert_int_equal(m2m_hex_decode(bad[i], b, sizeof b, &n), M2M_OK);
		assert_int_not_equal(m2m_keyest_host_rc(&h, b, n), M2M_OK);
		assert_int_equal(h.state, M2M_KEYEST_HOST_FAILED);
	}
	/* out of order: STORE DATA #2 before the RC */
	m2m_buf out;
	m2m_eckey *key = NULL;
	m2m_buf_init(&out);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &key), M2M_OK);
	assert_int_equal(m2m_keyest_host_init(&h, &p), M2M_OK);
	assert_int_equal(m2m_keyest_host_sd2_data(&h, key, key, &out), M2M_ERR_STATE);
	assert_int_equal(out.len, 0);
	m2m_ec_free(key);
	m2m_buf_free(&out);
}

/* Tampered, truncated or incomplete receipts at the host. */
static void test_receipt_negatives(void **state)
{
	(void)state;
	for (int dr = 0; dr < 2; dr++) {
		for (int mode = 0; mode < 4; mode++) {
			session s;
			m2m_keyest_keys keys;
			session_start(&s, dr);
			expect_sd2(&s, M2M_OK, 0x9000);
			m2m_err want = M2M_ERR_VERIFY;
			if (mode == 0) {
				s.resp.data[s.resp.len - 1] ^= 0x01; /* receipt */
			} else if (mode == 1) {
				s.resp.len -= 1;                     /* truncated */
				want = M2M_ERR_TLV_OVERRUN;
			} else if (mode == 2 && dr) {
				s.resp.data[2] ^= 0x01;              /* DR: changes the keys */
			} else if (mode == 2) {
				assert_int_equal(m2m_buf_append(&s.resp, "\x00", 1), M2M_OK);
				want = M2M_ERR_TLV_TAG;              /* trailing 00 */
			} else if (dr) {
				memmove(s.resp.data, s.resp.data + 18, 18); /* DR left out */
				s.resp.len = 18;
				want = M2M_ERR_FORMAT;
			} else {
				s.resp.data[1] = 0x0F;               /* 86 0F */
				s.resp.len = 17;
				want = M2M_ERR_FORMAT;
			}
			m2m_err got = m2m_keyest_host_finish(&s.h, s.resp.data, s.resp.len, &keys);
			assert_int_equal(got, want);
			assert_int_equal(s.h.state, M2M_KEYEST_HOST_FAILED);
			assert_null(s.h.esk);
			session_end(&s);
		}
	}
}

static void test_apdu_lengths(void **state)
{
	(void)state;
	/* a certificate-sized TLV over 255 bytes gets an extended Lc */
	uint8_t cert[300];
	m2m_buf apdu;
	m2m_buf_init(&apdu);
	memset(cert, 0, sizeof cert);
	memcpy(cert, "\x7F\x21\x82\x01\x27", 5); /* 295 bytes of value */
	assert_int_equal(m2m_keyest_sd1_apdu(cert, sizeof cert, &apdu), M2M_OK);
	assert_memory_equal(apdu.data, "\x80\xE2\x09\x00\x00\x01\x31\x3A\x01\xFF\x01\x2C", 12);
	assert_int_equal(apdu.len, 7 + 305);
	/* not a certificate */
	m2m_buf_reset(&apdu);
	assert_int_equal(m2m_keyest_sd1_apdu(cert + 1, sizeof cert - 1, &apdu), M2M_ERR_ARG);
	m2m_buf_free(&apdu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crt_whty),
		cmocka_unit_test(test_full_all_curves),
		cmocka_unit_test(test_full_smsr_change),
		cmocka_unit_test(test_sd1_negatives),
		cmocka_unit_test(test_sd2_tampered),
		cmocka_unit_test(test_wrong_rc),
		cmocka_unit_test(test_rc_parse),
		cmocka_unit_test(test_receipt_negatives),
		cmocka_unit_test(test_apdu_lengths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
