/* A test card: PKI (CI, ECASD, SM-DP, SM-SR), the bootstrap profile (TAR 000011, enabled,
 * fall-back), SCP80 key set 01 and SCP81 PSK set 41; tx() sends one hex C-APDU, returns the
 * R-APDU in hex and checks that the saved state survives a save/load/save round trip. */
#ifndef EUICC_FIXTURE_H
#define EUICC_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card/gpcert.h"
#include "card/keyest.h"
#include "core/hex.h"
#include "euicc/euicc.h"

#define EID_HEX "89001012012341234012345678901224"
#define AID_PREFIX_HEX "a0000005591010ffffffff89"
#define AID_BOOT AID_PREFIX_HEX "00001100"
#define AID_13 AID_PREFIX_HEX "00001300"
#define AID_14 AID_PREFIX_HEX "00001400"
#define AID_ISDR AID_PREFIX_HEX "00000100"
#define MEM_TOTAL 100000u
#define MEM_DEFAULT 20000u
#define MEM_BOOT 10000u

typedef struct {
	m2m_euicc *e;
	m2m_eckey *ci, *ecasd, *ecasd_pub, *dp, *sr;
	m2m_buf cert_dp, cert_sr, cert_ecasd;
	m2m_euicc_events ev;
	char out[16384];
} card;

static inline void fx_cert(m2m_eckey *ci, const m2m_eckey *subject, int type, m2m_buf *out)
{
	m2m_gpcert c;

	memset(&c, 0, sizeof c);
	c.serial[0] = c.ca_id[0] = c.subject_id[0] = 0x02;
	c.serial_len = c.ca_id_len = c.subject_id_len = 1;
	c.key_usage[0] = M2M_GPCERT_USAGE_SIGN_VERIFY;
	c.key_usage_len = 1;
	memcpy(c.expiry, "\x21\x45\x01\x01", 4);
	c.has_type = type > 0;
	c.type = (uint8_t)type;
	assert_int_equal(m2m_gpcert_set_public_key(&c, subject), M2M_OK);
	m2m_buf_init(out);
	assert_int_equal(m2m_gpcert_sign(&c, ci, out), M2M_OK);
}

static inline void fx_keyset(m2m_euicc_keyset *k, uint8_t kvn, size_t nkeys, uint8_t type)
{
	memset(k, 0, sizeof *k);
	k->kvn = kvn;
	k->kic_alg = k->kid_alg = kvn < 0x10 ? 0x2 : 0;
	k->last_counter = 5;
	k->nkeys = nkeys;
	for (size_t i = 0; i < nkeys; i++) {
		k->key[i].id = (uint8_t)(i + 1);
		k->key[i].type = type;
		k->key[i].len = 16;
		memset(k->key[i].value, (int)(kvn + i), 16);
	}
}

static inline void fx_config(card *c, m2m_euicc_config *cfg, m2m_euicc_keyset ks[2],
			     m2m_euicc_profile_cfg *boot, uint8_t sk[32], uint8_t pt[65])
{
	memset(cfg, 0, sizeof *cfg);
	assert_int_equal(m2m_hex_decode_exact(EID_HEX, cfg->eid, 16), M2M_OK);
	assert_int_equal(m2m_ec_private_bytes(c->ecasd, sk), M2M_OK);
	assert_int_equal(m2m_ec_public_point(c->ci, pt), M2M_OK);
	cfg->curve = cfg->ci_curve = M2M_CURVE_P256;
	cfg->sk_ecasd = sk;
	cfg->sk_ecasd_len = 32;
	cfg->pk_ci = pt;
	cfg->pk_ci_len = 65;
	cfg->cert_ecasd = c->cert_ecasd.data;
	cfg->cert_ecasd_len = c->cert_ecasd.len;
	fx_keyset(&ks[0], 0x01, 3, M2M_EUICC_KEYTYPE_AES);
	fx_keyset(&ks[1], 0x41, 2, M2M_EUICC_KEYTYPE_PSK_TLS);
	cfg->keysets = ks;
	cfg->nkeysets = 2;
	memset(boot, 0, sizeof *boot);
	boot->tar[2] = 0x11;
	memcpy(boot->iccid, "\x98\x10\x14\x00\x00\x00\x00\x00\x00\xF1", 10);
	boot->mem = MEM_BOOT;
	boot->enabled = boot->fallback = true;
	cfg->profiles = boot;
	cfg->nprofiles = 1;
	cfg->mem_total = MEM_TOTAL;
	cfg->mem_volatile = 0x3A92;
	cfg->isdp_default_mem = MEM_DEFAULT;
}

static inline card *fx_new(void)
{
	card *c = calloc(1, sizeof *c);
	m2m_euicc_config cfg;
	m2m_euicc_keyset ks[2];
	m2m_euicc_profile_cfg boot;
	uint8_t sk[32], pt[65], ecasd_pt[65];

	assert_non_null(c);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &c->ci), M2M_OK);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &c->ecasd), M2M_OK);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &c->dp), M2M_OK);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &c->sr), M2M_OK);
	assert_int_equal(m2m_ec_public_point(c->ecasd, ecasd_pt), M2M_OK);
	assert_int_equal(m2m_ec_from_public(M2M_CURVE_P256, ecasd_pt, 65, &c->ecasd_pub), M2M_OK);
	fx_cert(c->ci, c->dp, M2M_GPCERT_TYPE_SMDP, &c->cert_dp);
	fx_cert(c->ci, c->sr, M2M_GPCERT_TYPE_SMSR, &c->cert_sr);
	fx_cert(c->ci, c->ecasd, 0, &c->cert_ecasd);
	fx_config(c, &cfg, ks, &boot, sk, pt);
	assert_int_equal(m2m_euicc_create(&cfg, &c->e), M2M_OK);
	return c;
}

static inline void fx_free(card *c)
{
	m2m_euicc_free(c->e);
	m2m_ec_free(c->ci);
	m2m_ec_free(c->ecasd);
	m2m_ec_free(c->ecasd_pub);
	m2m_ec_free(c->dp);
	m2m_ec_free(c->sr);
	m2m_buf_free(&c->cert_dp);
	m2m_buf_free(&c->cert_sr);
	m2m_buf_free(&c->cert_ecasd);
	free(c);
}

/* save -> load -> save gives the same bytes. */
static inline void fx_roundtrip(const m2m_euicc *e)
{
	m2m_buf a, b;
	m2m_euicc *l = NULL;

	m2m_buf_init(&a);
	m2m_buf_init(&b);
	assert_int_equal(m2m_euicc_save(e, &a), M2M_OK);
	assert_int_equal(m2m_euicc_load(a.data, a.len, &l), M2M_OK);
	assert_int_equal(m2m_euicc_save(l, &b), M2M_OK);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	m2m_euicc_free(l);
	m2m_buf_free(&a);
	m2m_buf_free(&b);
}

/* Sends raw bytes; returns the R-APDU as lower-case hex. */
static inline const char *fx_txb(card *c, const uint8_t *apdu, size_t n)
{
	m2m_buf r;

	m2m_buf_init(&r);
	assert_int_equal(m2m_euicc_isdr_apdu_ev(c->e, apdu, n, &r, &c->ev), M2M_OK);
	assert_true(r.len >= 2 && r.len * 2 < sizeof c->out);
	m2m_hex_encode(r.data, r.len, c->out);
	m2m_buf_free(&r);
	assert_int_equal(m2m_euicc_check(c->e), M2M_OK);
	fx_roundtrip(c->e);
	return c->out;
}

/* Hex may contain spaces for readability. */
static inline const char *fx_tx(card *c, const char *hex)
{
	char clean[8192];
	uint8_t apdu[4096];
	size_t j = 0, n = 0;

	for (size_t i = 0; hex[i] != '\0' && j + 1 < sizeof clean; i++)
		if (hex[i] != ' ')
			clean[j++] = hex[i];
	clean[j] = '\0';
	assert_int_equal(m2m_hex_decode(clean, apdu, sizeof apdu, &n), M2M_OK);
	return fx_txb(c, apdu, n);
}

static inline void fx_aid(const char *hex, uint8_t aid[16])
{
	assert_int_equal(m2m_hex_decode_exact(hex, aid, 16), M2M_OK);
}

static inline int fx_idx(card *c, const char *aid_hex)
{
	uint8_t aid[16];

	fx_aid(aid_hex, aid);
	return m2m_euicc_find_isdp(c->e, aid, 16);
}

/* CreateISDP (njiwa/whty layout) for TAR 0000tt, default memory. */
static inline const char *fx_create(card *c, const char *aid_hex)
{
	char cmd[256];

	snprintf(cmd, sizeof cmd,
		 "80E60C003F 10" AID_PREFIX_HEX "00000D00 10" AID_PREFIX_HEX "00000E00 10%s "
		 "0380C000 06C90481020370 00 00",
		 aid_hex);
	return fx_tx(c, cmd);
}

/* Create + a profile installed through the ES8 hook (DISABLED). */
static inline void fx_profile(card *c, const char *aid_hex, uint8_t pol1)
{
	uint8_t aid[16], iccid[10] = {0x98, 0x10, 0x14};

	assert_string_equal(fx_create(c, aid_hex), "009000");
	fx_aid(aid_hex, aid);
	iccid[9] = aid[14];
	assert_int_equal(m2m_euicc_isdp_install_profile(c->e, aid, iccid, pol1, 1000), M2M_OK);
}

static inline const char *fx_dgi_aid(card *c, const char *dgi, const char *aid_hex)
{
	char cmd[256];

	snprintf(cmd, sizeof cmd, "80E2880015 %s12 4F10%s", dgi, aid_hex);
	return fx_tx(c, cmd);
}

static inline int fx_enabled_count(const m2m_euicc *e)
{
	int n = 0;

	for (int i = 0; i < M2M_EUICC_ISDP_MAX; i++)
		n += e->isdp[i].used && e->isdp[i].lcs == M2M_EUICC_LCS_ENABLED;
	return n;
}

#endif
