/*
 * m2mrsp bench euicc: the software eUICC's figures (issue 5).
 *  (a) EnableProfile + DisableProfile cycles per second on one card, each command an SCP80
 *      packet (SPI 16 19, AES) wrapped by the server side, delivered as SMS-PP ENVELOPE and
 *      its PoR opened and checked; with and without saving the state after each packet;
 *  (b) profile installations per second: CreateISDP + the TS.48 package installed in one go
 *      + DeleteISDP; and end to end over ES8 (key establishment, SCP03t download of the
 *      package, both the card and the SM-DP side);
 *  (c) memory per idle card: the saved state, and the heap a loaded card holds (mallinfo2
 *      over many loads), before and after its file tree is built, against the 64 KiB aim.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "card/envelope.h"
#include "card/gpcert.h"
#include "card/keyest.h"
#include "card/scp03t.h"
#include "cli/cli.h"
#include "crypto/hash.h"
#include "euicc/isdp.h"
#include "euicc/ota.h"
#include "euicc/uicc.h"
#include "saip/saip.h"

#define AIM (64.0 * 1024)
#define LOADS 200
#define SEG 1007
#define MEM_TOTAL 1000000u
#define MEM_ISDP 60000u

static const uint8_t TAR_12[3] = {0x00, 0x00, 0x12}; /* (a) */
static const uint8_t TAR_13[3] = {0x00, 0x00, 0x13}; /* (b), (c) */
static const uint8_t TAR_BOOT[3] = {0x00, 0x00, 0x11};

typedef struct {
	m2m_eckey *ci, *ecasd, *dp;
	m2m_buf cert_dp, cert_ecasd, pkg;
	uint8_t kic[16], kid[16];
	m2m_euicc *e;
	/* (a) */
	m2m_euicc_ota ota;
	m2m_euicc_ota_out out;
	m2m_scp80_hdr hdr;
	m2m_scp80_keys keys;
	m2m_buf script[2], pkt, env, resp, por, saved;
	bool save;
} bench;

/* ---- the card ---- */

static m2m_err cert(const m2m_eckey *ci, const m2m_eckey *subject, int type, m2m_buf *out)
{
	m2m_gpcert c;
	m2m_err err;

	memset(&c, 0, sizeof c);
	c.serial[0] = c.ca_id[0] = c.subject_id[0] = 0x02;
	c.serial_len = c.ca_id_len = c.subject_id_len = 1;
	c.key_usage[0] = M2M_GPCERT_USAGE_SIGN_VERIFY;
	c.key_usage_len = 1;
	memcpy(c.expiry, "\x21\x45\x01\x01", 4);
	c.has_type = type > 0;
	c.type = (uint8_t)type;
	err = m2m_gpcert_set_public_key(&c, subject);
	return err == M2M_OK ? m2m_gpcert_sign(&c, (m2m_eckey *)ci, out) : err;
}

/* A card with SCP80 key set 01 (AES) and the bootstrap profile (TAR 11, enabled, fall-back). */
static m2m_err card_new(bench *b)
{
	m2m_euicc_config cfg;
	m2m_euicc_keyset ks;
	m2m_euicc_profile_cfg boot;
	uint8_t sk[M2M_EC_FIELD_SIZE], pt[M2M_EC_POINT_SIZE];
	m2m_err err;

	memset(&cfg, 0, sizeof cfg);
	memset(&ks, 0, sizeof ks);
	memset(&boot, 0, sizeof boot);
	err = m2m_ec_private_bytes(b->ecasd, sk);
	if (err == M2M_OK)
		err = m2m_ec_public_point(b->ci, pt);
	if (err != M2M_OK)
		goto out;
	memcpy(cfg.eid, "\x89\x00\x10\x12\x01\x23\x41\x23\x40\x12\x34\x56\x78\x90\x12\x24", 16);
	cfg.curve = cfg.ci_curve = M2M_CURVE_P256;
	cfg.sk_ecasd = sk;
	cfg.sk_ecasd_len = sizeof sk;
	cfg.pk_ci = pt;
	cfg.pk_ci_len = sizeof pt;
	cfg.cert_ecasd = b->cert_ecasd.data;
	cfg.cert_ecasd_len = b->cert_ecasd.len;
	ks.kvn = 0x01;
	ks.kic_alg = ks.kid_alg = M2M_SCP80_ALG_AES;
	ks.nkeys = 2;
	ks.key[0] = (m2m_euicc_key){.id = 1, .type = M2M_EUICC_KEYTYPE_AES, .len = 16};
	ks.key[1] = (m2m_euicc_key){.id = 2, .type = M2M_EUICC_KEYTYPE_AES, .len = 16};
	memcpy(ks.key[0].value, b->kic, 16);
	memcpy(ks.key[1].value, b->kid, 16);
	cfg.keysets = &ks;
	cfg.nkeysets = 1;
	memcpy(boot.tar, TAR_BOOT, 3);
	memcpy(boot.iccid, "\x98\x10\x14\x00\x00\x00\x00\x00\x00\xF1", 10);
	boot.mem = 10000;
	boot.enabled = boot.fallback = true;
	cfg.profiles = &boot;
	cfg.nprofiles = 1;
	cfg.mem_total = MEM_TOTAL;
	cfg.mem_volatile = 16384;
	cfg.isdp_default_mem = MEM_ISDP;
	err = m2m_euicc_create(&cfg, &b->e);
out:
	m2m_wipe(sk, sizeof sk);
	m2m_wipe(&ks, sizeof ks);
	return err;
}

static m2m_err setup(bench *b, const char *package)
{
	m2m_err err;

	memset(b, 0, sizeof *b);
	m2m_buf_init(&b->cert_dp);
	m2m_buf_init(&b->cert_ecasd);
	m2m_buf_init(&b->pkg);
	err = m2m_ec_generate(M2M_CURVE_P256, &b->ci);
	if (err == M2M_OK)
		err = m2m_ec_generate(M2M_CURVE_P256, &b->ecasd);
	if (err == M2M_OK)
		err = m2m_ec_generate(M2M_CURVE_P256, &b->dp);
	if (err == M2M_OK)
		err = cert(b->ci, b->dp, M2M_GPCERT_TYPE_SMDP, &b->cert_dp);
	if (err == M2M_OK)
		err = cert(b->ci, b->ecasd, 0, &b->cert_ecasd);
	if (err == M2M_OK)
		err = m2m_random(b->kic, sizeof b->kic);
	if (err == M2M_OK)
		err = m2m_random(b->kid, sizeof b->kid);
	if (err == M2M_OK)
		err = m2m_saip_read_file(package, &b->pkg);
	return err;
}

static void teardown(bench *b)
{
	m2m_euicc_free(b->e);
	m2m_ec_free(b->ci);
	m2m_ec_free(b->ecasd);
	m2m_ec_free(b->dp);
	m2m_buf_free(&b->cert_dp);
	m2m_buf_free(&b->cert_ecasd);
	m2m_buf_free(&b->pkg);
	m2m_wipe(b->kic, sizeof b->kic);
	m2m_wipe(b->kid, sizeof b->kid);
}

/* One C-APDU to the ISD-R; true when the R-APDU is exactly want (hex-free bytes). */
static bool isdr(m2m_euicc *e, const uint8_t *apdu, size_t n, const uint8_t *want, size_t wn,
		 m2m_buf *r)
{
	m2m_buf_reset(r);
	return m2m_euicc_isdr_apdu(e, apdu, n, r) == M2M_OK && r->len == wn &&
	       memcmp(r->data, want, wn) == 0;
}

/* ---- (a) SCP80-wrapped enable/disable cycles ---- */

/* AA 1C 22 1A 80E2880015 3A0x 12 4F10 AID */
static m2m_err dgi_script(uint8_t dgi, const uint8_t tar[3], m2m_buf *out)
{
	uint8_t s[30] = {0xAA, 0x1C, 0x22, 0x1A, 0x80, 0xE2, 0x88, 0x00, 0x15, 0x3A, dgi, 0x12,
			 0x4F, 0x10};

	m2m_euicc_isdp_aid(tar, s + 14);
	return m2m_buf_append(out, s, sizeof s);
}

/* The server wraps, the card runs it from an ENVELOPE, the server checks the PoR. */
static bool packet(bench *b, const m2m_buf *script)
{
	static const uint8_t ok[] = {0xAB, 0x07, 0x80, 0x01, 0x01, 0x23, 0x02, 0x90, 0x00};
	m2m_envelope_sms_pp env = {.src = M2M_ENV_DEV_NETWORK, .dst = M2M_ENV_DEV_UICC};
	m2m_sms_tpdu t = {.pid = M2M_SMS_PID_SIM_DL, .dcs = M2M_SMS_DCS_CLASS2_8BIT, .udhi = true};
	m2m_scp80_rsp rsp;
	uint8_t ud[M2M_SMS_UD_MAX];

	b->hdr.counter++;
	m2m_buf_reset(&b->pkt);
	m2m_buf_reset(&b->env);
	m2m_buf_reset(&b->resp);
	m2m_buf_reset(&b->por);
	if (m2m_scp80_wrap(&b->hdr, &b->keys, script->data, script->len, &b->pkt) != M2M_OK ||
	    b->pkt.len + 3 > sizeof ud)
		return false;
	memcpy(ud, "\x02\x70\x00", 3);
	memcpy(ud + 3, b->pkt.data, b->pkt.len);
	t.addr = (m2m_sms_addr){.ton_npi = 0x91, .digits = "4479000001"};
	t.ud = ud;
	t.ud_len = t.udl = b->pkt.len + 3;
	m2m_buf_reset(&b->pkt);
	if (m2m_sms_deliver_encode(&t, &b->pkt) != M2M_OK)
		return false;
	env.tpdu = b->pkt.data;
	env.tpdu_len = b->pkt.len;
	if (m2m_envelope_sms_pp_encode(&env, &b->env) != M2M_OK ||
	    m2m_euicc_ota_envelope(b->e, &b->ota, b->env.data, b->env.len, &b->resp, &b->out) !=
		    M2M_OK ||
	    b->resp.len < 3 || m2m_scp80_unwrap_response(b->hdr.spi, b->hdr.kic, b->hdr.kid,
							 &b->keys, b->resp.data + 3,
							 b->resp.len - 3, &rsp, &b->por) != M2M_OK)
		return false;
	if (rsp.status != 0 || b->por.len != sizeof ok || memcmp(b->por.data, ok, sizeof ok))
		return false;
	if (b->save) {
		m2m_buf_reset(&b->saved);
		if (m2m_euicc_save(b->e, &b->saved) != M2M_OK)
			return false;
	}
	return true;
}

static bool op_cycle(void *p)
{
	bench *b = p;

	return packet(b, &b->script[0]) && packet(b, &b->script[1]);
}

static m2m_err cycles_setup(bench *b)
{
	uint8_t aid[M2M_EUICC_AID_SIZE], iccid[M2M_EUICC_ICCID_SIZE] = {0x98, 0x10, 0x14};
	m2m_sms_addr smsr = {.ton_npi = 0x91, .digits = "4479000001"};
	m2m_err err = card_new(b);

	m2m_euicc_ota_init(&b->ota, &smsr);
	m2m_euicc_ota_out_init(&b->out);
	for (int i = 0; i < 2; i++)
		m2m_buf_init(&b->script[i]);
	m2m_buf_init(&b->pkt);
	m2m_buf_init(&b->env);
	m2m_buf_init(&b->resp);
	m2m_buf_init(&b->por);
	m2m_buf_init(&b->saved);
	if (err != M2M_OK)
		return err;
	m2m_euicc_isdp_aid(TAR_12, aid);
	if (m2m_euicc_create_isdp(b->e, aid, sizeof aid, false, 0, NULL) != 0x9000)
		return M2M_ERR_STATE;
	err = m2m_euicc_isdp_install_profile(b->e, aid, iccid, 0, 1000);
	if (err == M2M_OK)
		err = dgi_script(0x03, TAR_12, &b->script[0]);
	if (err == M2M_OK)
		err = dgi_script(0x04, TAR_12, &b->script[1]);
	b->hdr.spi[0] = M2M_SCP80_SGP02_SPI1;
	b->hdr.spi[1] = 0x19; /* PoR in the ENVELOPE response, CC, ciphered */
	b->hdr.kic = b->hdr.kid = 0x12;
	b->hdr.tar[2] = 0x01;
	if (err == M2M_OK)
		err = m2m_scp80_key_set(&b->keys.kic, b->kic, 16);
	if (err == M2M_OK)
		err = m2m_scp80_key_set(&b->keys.kid, b->kid, 16);
	return err;
}

static void cycles_teardown(bench *b)
{
	m2m_euicc_ota_out_free(&b->out);
	m2m_euicc_ota_free(&b->ota);
	for (int i = 0; i < 2; i++)
		m2m_buf_free(&b->script[i]);
	m2m_buf_free(&b->pkt);
	m2m_buf_free(&b->env);
	m2m_buf_free(&b->resp);
	m2m_buf_free(&b->por);
	m2m_buf_free(&b->saved);
	m2m_scp80_keys_wipe(&b->keys);
}

/* ---- (b) installations ---- */

static const uint8_t CREATE_13[] = {
	0x80, 0xE6, 0x0C, 0x00, 0x3F, 0x10, 0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF,
	0xFF, 0xFF, 0x89, 0x00, 0x00, 0x0D, 0x00, 0x10, 0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10,
	0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x0E, 0x00, 0x10, 0xA0, 0x00, 0x00, 0x05, 0x59,
	0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x13, 0x00, 0x03, 0x80, 0xC0, 0x00,
	0x06, 0xC9, 0x04, 0x81, 0x02, 0x03, 0x70, 0x00, 0x00};
static const uint8_t DELETE_13[] = {0x80, 0xE4, 0x00, 0x40, 0x12, 0x4F, 0x10, 0xA0, 0x00, 0x00,
				    0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00,
				    0x00, 0x13, 0x00, 0x00};
static const uint8_t PERSO_13[] = {0x80, 0xE6, 0x20, 0x00, 0x16, 0x00, 0x00, 0x10, 0xA0, 0x00,
				   0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89,
				   0x00, 0x00, 0x13, 0x00, 0x00, 0x00, 0x00};
static const uint8_t R_00_9000[] = {0x00, 0x90, 0x00};

static bool op_install(void *p)
{
	bench *b = p;
	uint8_t aid[M2M_EUICC_AID_SIZE];
	m2m_buf r;
	bool ok;

	m2m_buf_init(&r);
	m2m_euicc_isdp_aid(TAR_13, aid);
	ok = isdr(b->e, CREATE_13, sizeof CREATE_13, R_00_9000, 3, &r) &&
	     m2m_euicc_isdp_install_package(b->e, m2m_euicc_find_isdp(b->e, aid, sizeof aid),
					    b->pkg.data, b->pkg.len) == M2M_OK &&
	     isdr(b->e, DELETE_13, sizeof DELETE_13, R_00_9000, 3, &r);
	m2m_buf_free(&r);
	return ok;
}

/* Key establishment through the ISD-R (SM-DP certificate, scenario #3): the SCP03 keys. */
static bool keyest(bench *b, m2m_scp03_keys *k)
{
	m2m_keyest_params prm;
	m2m_keyest_host h;
	m2m_keyest_keys hk;
	m2m_buf apdu, r;
	bool ok = false;

	m2m_buf_init(&apdu);
	m2m_buf_init(&r);
	memset(&hk, 0, sizeof hk);
	m2m_keyest_params_isdp(&prm, false);
	if (m2m_keyest_host_init(&h, &prm) != M2M_OK)
		goto out;
	if (!isdr(b->e, PERSO_13, sizeof PERSO_13, R_00_9000, 3, &r))
		goto wipe;
	m2m_buf_reset(&r);
	if (m2m_keyest_sd1_apdu(b->cert_dp.data, b->cert_dp.len, &apdu) != M2M_OK ||
	    m2m_euicc_isdr_apdu(b->e, apdu.data, apdu.len, &r) != M2M_OK || r.len < 2 ||
	    m2m_keyest_host_rc(&h, r.data, r.len - 2) != M2M_OK)
		goto wipe;
	m2m_buf_reset(&apdu);
	m2m_buf_reset(&r);
	if (m2m_keyest_host_sd2_apdu(&h, b->dp, b->ecasd, &apdu) != M2M_OK ||
	    m2m_euicc_isdr_apdu(b->e, apdu.data, apdu.len, &r) != M2M_OK || r.len < 2 ||
	    m2m_keyest_host_finish(&h, r.data, r.len - 2, &hk) != M2M_OK)
		goto wipe;
	ok = m2m_scp03_keys_set(k, hk.key[0], hk.key[1], hk.key_len, hk.kvn) == M2M_OK;
wipe:
	m2m_keyest_keys_wipe(&hk);
	m2m_keyest_host_wipe(&h);
out:
	m2m_buf_free(&apdu);
	m2m_buf_free(&r);
	return ok;
}

/* 84, 85, then the package in 86 segments; the last answer must be the EUICCResponse ok. */
static bool download(bench *b, int idx, const m2m_scp03_keys *k)
{
	static const uint8_t chal[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	static const uint8_t ok[] = {0x30, 0x07, 0xA0, 0x05, 0x30, 0x03, 0x80, 0x01, 0x00};
	m2m_scp03t_host h;
	m2m_buf cmd, ans;
	bool good = false;

	memset(&h, 0, sizeof h);
	m2m_buf_init(&cmd);
	m2m_buf_init(&ans);
	if (m2m_scp03t_host_init(&h, k, 0x00, chal) != M2M_OK ||
	    m2m_scp03t_host_iu(&h, &cmd) != M2M_OK ||
	    m2m_euicc_isdp_scp03t(b->e, idx, cmd.data, cmd.len, &ans, NULL) != M2M_OK ||
	    ans.len < 2)
		goto out;
	m2m_buf_reset(&cmd);
	if (m2m_scp03t_host_auth(&h, ans.data + 2, ans.len - 2, &cmd) != M2M_OK)
		goto out;
	m2m_buf_reset(&ans);
	if (m2m_euicc_isdp_scp03t(b->e, idx, cmd.data, cmd.len, &ans, NULL) != M2M_OK)
		goto out;
	for (size_t off = 0; off < b->pkg.len; off += SEG) {
		size_t n = b->pkg.len - off < SEG ? b->pkg.len - off : SEG;
		m2m_buf_reset(&cmd);
		m2m_buf_reset(&ans);
		if (m2m_scp03t_host_segment(&h, b->pkg.data + off, n, &cmd) != M2M_OK ||
		    m2m_euicc_isdp_scp03t(b->e, idx, cmd.data, cmd.len, &ans, NULL) != M2M_OK)
			goto out;
	}
	m2m_buf_reset(&cmd);
	good = m2m_scp03t_host_response(&h, ans.data, ans.len, &cmd) == M2M_OK &&
	       cmd.len == sizeof ok && memcmp(cmd.data, ok, sizeof ok) == 0;
out:
	m2m_scp03t_host_wipe(&h);
	m2m_buf_free(&cmd);
	m2m_buf_free(&ans);
	return good;
}

static bool op_es8(void *p)
{
	bench *b = p;
	uint8_t aid[M2M_EUICC_AID_SIZE];
	m2m_scp03_keys k;
	m2m_buf r;
	bool ok;

	memset(&k, 0, sizeof k);
	m2m_buf_init(&r);
	m2m_euicc_isdp_aid(TAR_13, aid);
	ok = isdr(b->e, CREATE_13, sizeof CREATE_13, R_00_9000, 3, &r) && keyest(b, &k) &&
	     download(b, m2m_euicc_find_isdp(b->e, aid, sizeof aid), &k) &&
	     isdr(b->e, DELETE_13, sizeof DELETE_13, R_00_9000, 3, &r);
	m2m_scp03_keys_wipe(&k);
	m2m_buf_free(&r);
	return ok;
}

/* ---- (c) memory, on a fresh card ---- */

/* Heap bytes per card for LOADS loads of saved; tree: one device command (the file tree is
 * built), release: then m2m_euicc_uicc_release. */
static double heap_per_card(const m2m_buf *saved, bool tree, bool release)
{
	static const uint8_t sel[] = {0x00, 0xA4, 0x00, 0x0C, 0x02, 0x2F, 0xE2};
	m2m_euicc *cards[LOADS] = {NULL};
	m2m_buf r;
	size_t before, after;
	bool ok = true;

	m2m_buf_init(&r);
	before = mallinfo2().uordblks;
	for (int i = 0; i < LOADS && ok; i++) {
		ok = m2m_euicc_load(saved->data, saved->len, &cards[i]) == M2M_OK;
		if (ok && tree) {
			m2m_buf_reset(&r);
			ok = m2m_euicc_uicc_apdu(cards[i], sel, sizeof sel, &r) == M2M_OK;
		}
		if (ok && release)
			m2m_euicc_uicc_release(cards[i]);
	}
	m2m_buf_free(&r);
	after = mallinfo2().uordblks;
	for (int i = 0; i < LOADS; i++)
		m2m_euicc_free(cards[i]);
	return ok ? (double)(after - before) / LOADS : -1;
}

static int memory(bench *b)
{
	uint8_t aid[M2M_EUICC_AID_SIZE];
	m2m_buf idle, full;
	double h_idle, h_full, h_tree, h_rel;
	int rc = M2M_EXIT_FAILED;

	m2m_buf_init(&idle);
	m2m_buf_init(&full);
	m2m_euicc_isdp_aid(TAR_13, aid);
	m2m_euicc_free(b->e);
	b->e = NULL;
	if (card_new(b) != M2M_OK || m2m_euicc_save(b->e, &idle) != M2M_OK ||
	    m2m_euicc_create_isdp(b->e, aid, sizeof aid, false, 0, NULL) != 0x9000 ||
	    m2m_euicc_isdp_install_package(b->e, m2m_euicc_find_isdp(b->e, aid, sizeof aid),
					   b->pkg.data, b->pkg.len) != M2M_OK ||
	    m2m_euicc_enable_profile(b->e, aid, sizeof aid, NULL) != 0x9000 ||
	    m2m_euicc_save(b->e, &full) != M2M_OK)
		goto out;
	h_idle = heap_per_card(&idle, false, false);
	h_full = heap_per_card(&full, false, false);
	h_tree = heap_per_card(&full, true, false);
	h_rel = heap_per_card(&full, true, true);
	if (h_idle < 0 || h_full < 0 || h_tree < 0 || h_rel < 0)
		goto out;
	printf("%-52s %8zu bytes\n", "saved state, bootstrap profile only", idle.len);
	printf("%-52s %8zu bytes\n", "saved state, + TS.48 profile (12 KB package)", full.len);
	printf("%-52s %8zu bytes\n", "sizeof(m2m_euicc)", sizeof(m2m_euicc));
	printf("%-52s %8.0f bytes  %5.1f%% of 64 KiB\n", "resident, idle, bootstrap only", h_idle,
	       100 * h_idle / AIM);
	printf("%-52s %8.0f bytes  %5.1f%% of 64 KiB\n", "resident, idle, + TS.48 profile", h_full,
	       100 * h_full / AIM);
	printf("%-52s %8.0f bytes  %5.1f%% of 64 KiB\n",
	       "resident, file tree built (device in use)", h_tree, 100 * h_tree / AIM);
	printf("%-52s %8.0f bytes  %5.1f%% of 64 KiB\n", "resident, after m2m_euicc_uicc_release",
	       h_rel, 100 * h_rel / AIM);
	printf("%-52s %8zu bytes\n", "m2m_euicc_ota (per card with OTA traffic)",
	       sizeof(m2m_euicc_ota));
	rc = M2M_EXIT_OK;
out:
	m2m_buf_free(&idle);
	m2m_buf_free(&full);
	return rc;
}

/* ---- the verb ---- */

static int options(int argc, char **argv, double *seconds, const char **package)
{
	char *args[3] = {argv[0], NULL, NULL};
	int n = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--package") == 0 && i + 1 < argc)
			*package = argv[++i];
		else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc && n == 1) {
			args[n++] = argv[i];
			args[n++] = argv[++i];
		} else
			return m2m_cli_error(M2M_EXIT_USAGE, "bench euicc",
					     "usage: m2mrsp bench euicc [--seconds S] "
					     "[--package FILE]");
	}
	return m2m_bench_seconds("bench euicc", n, args, seconds);
}

static int rates(bench *b, double seconds)
{
	double plain, saved, install, es8;

	b->save = false;
	plain = m2m_bench_rate(op_cycle, b, seconds);
	b->save = true;
	saved = m2m_bench_rate(op_cycle, b, seconds);
	install = m2m_bench_rate(op_install, b, seconds);
	es8 = m2m_bench_rate(op_es8, b, seconds);
	if (plain < 0 || saved < 0 || install < 0 || es8 < 0)
		return m2m_cli_error(M2M_EXIT_FAILED, "bench euicc", "an operation failed");
	printf("%-52s %8.0f cycles/s\n", "(a) enable+disable, SCP80 SMS-PP, PoR checked", plain);
	printf("%-52s %8.0f cycles/s\n", "(a) the same, state saved after each packet", saved);
	printf("%-52s %8.0f installs/s\n", "(b) CreateISDP + TS.48 package + DeleteISDP", install);
	printf("%-52s %8.0f installs/s\n", "(b) the same over ES8: key est. + SCP03t (both sides)",
	       es8);
	return M2M_EXIT_OK;
}

int m2m_bench_euicc(int argc, char **argv)
{
	const char *package = "../shared/vectors/saip/TS48v2_SAIP2.3_NoBERTLV.der";
	double seconds = 1.0;
	bench b;
	int rc = options(argc, argv, &seconds, &package);

	if (rc != M2M_EXIT_OK)
		return rc;
	if (setup(&b, package) != M2M_OK || cycles_setup(&b) != M2M_OK) {
		rc = m2m_cli_error(M2M_EXIT_FAILED, "bench euicc", "set-up failed (package %s)",
				   package);
		goto out;
	}
	printf("# m2mrsp bench euicc: one card, one thread, package %s (%zu bytes)\n", package,
	       b.pkg.len);
	rc = rates(&b, seconds);
	if (rc == M2M_EXIT_OK)
		rc = memory(&b);
out:
	cycles_teardown(&b);
	teardown(&b);
	return rc;
}
