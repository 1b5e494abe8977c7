/* An SM-DP's world for the download tests: a CI and an EUM (X.509), a software eUICC whose
 * CERT.ECASD.ECKA the EUM signed, CERT.DP.ECDSA from the CI, the TS.48 package, and a
 * stand-in SM-SR that hands each ES3.SendData payload to the card's script entry points
 * (ISD-R C-APDU scripts; SCP03t bodies for the ISD-P), one card session per target. */
#ifndef SMDP_FIXTURE_H
#define SMDP_FIXTURE_H

#include "core/tlv.h"
#include "crypto/x509.h"
#include "euicc/es8_fixture.h"
#include "euicc/ota.h"
#include "smdp/eligibility.h"
#include "smdp/es8_session.h"

/* TS.48 ICCID 89000123456789012341 (sgp02-facts.md 6, pySim test_esim_saip.py): as the
 * header's iccid carries it, and in EF.ICCID with each byte's nibbles swapped (TS 102 221
 * 13.2). */
static const uint8_t TS48_ICCID[10] = {0x89, 0x00, 0x01, 0x23, 0x45, 0x67, 0x89, 0x01, 0x23,
				       0x41};
static const uint8_t TS48_EF_ICCID[10] = {0x98, 0x00, 0x10, 0x32, 0x54, 0x76, 0x98, 0x10, 0x32,
					  0x14};
/* The EUICCResponse "ok" the real card sent after the last segment (sgp02-facts-2.md 5b). */
static const uint8_t EUICC_OK[] = {0x30, 0x07, 0xA0, 0x05, 0x30, 0x03, 0x80, 0x01, 0x00};

typedef struct {
	card c;                 /* eUICC, CI, ECASD, SM-DP keys and certificates */
	m2m_eckey *eum;
	m2m_buf ci_pem, eum_pem;
	m2m_euicc_ota ota;
	m2m_buf pkg;
	int last_target;        /* card session per target, as separate SCP81 sessions */
	size_t payloads;
	m2m_buf sent[16];       /* the first payloads' Data, for layout checks */
	size_t sent_count;
} world;

static inline void w_x509(m2m_x509_kind kind, const char *cn, const char *ou, uint64_t serial,
			  int days, const m2m_eckey *subject, const m2m_buf *issuer_pem,
			  const m2m_eckey *issuer, m2m_buf *out)
{
	m2m_x509_spec sp;

	memset(&sp, 0, sizeof sp);
	sp.kind = kind;
	sp.cn = cn;
	sp.ou = ou;
	sp.serial = serial;
	sp.days = days;
	m2m_buf_init(out);
	assert_int_equal(m2m_x509_issue(&sp, subject, issuer_pem ? issuer_pem->data : NULL,
					issuer_pem ? issuer_pem->len : 0, issuer, out),
			 M2M_OK);
}

static inline world *w_new(void)
{
	world *w = calloc(1, sizeof *w);
	card *c = &w->c;
	m2m_euicc_config cfg;
	m2m_euicc_keyset ks[2];
	m2m_euicc_profile_cfg boot;
	uint8_t sk[32], pt[65], ecasd_pt[65];

	assert_non_null(w);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &c->ci), M2M_OK);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &w->eum), M2M_OK);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &c->ecasd), M2M_OK);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &c->dp), M2M_OK);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &c->sr), M2M_OK);
	assert_int_equal(m2m_ec_public_point(c->ecasd, ecasd_pt), M2M_OK);
	assert_int_equal(m2m_ec_from_public(M2M_CURVE_P256, ecasd_pt, 65, &c->ecasd_pub), M2M_OK);
	w_x509(M2M_X509_CA, "ci", "CI", 1, 3650, c->ci, NULL, c->ci, &w->ci_pem);
	w_x509(M2M_X509_CA, "eum1", "EUM", 2, 3650, w->eum, &w->ci_pem, c->ci, &w->eum_pem);
	fx_cert(w->eum, c->ecasd, 0, &c->cert_ecasd);
	fx_cert(c->ci, c->dp, M2M_GPCERT_TYPE_SMDP, &c->cert_dp);
	fx_cert(c->ci, c->sr, M2M_GPCERT_TYPE_SMSR, &c->cert_sr);
	fx_config(c, &cfg, ks, &boot, sk, pt);
	assert_int_equal(m2m_euicc_create(&cfg, &c->e), M2M_OK);
	m2m_wipe(sk, sizeof sk);
	m2m_euicc_ota_init(&w->ota, NULL);
	m2m_euicc_ota_enable_isdp(&w->ota);
	es8_read(&w->pkg);
	w->last_target = -2;
	return w;
}

static inline void w_free(world *w)
{
	for (size_t i = 0; i < w->sent_count; i++)
		m2m_buf_free(&w->sent[i]);
	m2m_euicc_ota_free(&w->ota);
	m2m_ec_free(w->eum);
	m2m_buf_free(&w->ci_pem);
	m2m_buf_free(&w->eum_pem);
	m2m_buf_free(&w->pkg);
	m2m_euicc_free(w->c.e);
	m2m_ec_free(w->c.ci);
	m2m_ec_free(w->c.ecasd);
	m2m_ec_free(w->c.ecasd_pub);
	m2m_ec_free(w->c.dp);
	m2m_ec_free(w->c.sr);
	m2m_buf_free(&w->c.cert_dp);
	m2m_buf_free(&w->c.cert_sr);
	m2m_buf_free(&w->c.cert_ecasd);
	free(w);
}

/* The SM-SR's part: one payload to the card, its answer in resp. */
static inline void w_deliver(world *w, const m2m_es8_payload *p, m2m_buf *resp)
{
	m2m_euicc *e = w->c.e;
	int target = M2M_EUICC_OTA_TARGET_ISDR;
	m2m_tlv t;
	bool more = false;

	m2m_buf_reset(resp);
	if (p->target == M2M_ES8_TO_ISDP)
		target = m2m_euicc_find_isdp(e, p->sd_aid, p->sd_aid_len);
	assert_true(target >= M2M_EUICC_OTA_TARGET_ISDR);
	if (target != w->last_target)
		m2m_euicc_session_end(e);
	w->last_target = target;
	if (w->sent_count < sizeof w->sent / sizeof w->sent[0]) {
		m2m_buf_init(&w->sent[w->sent_count]);
		assert_int_equal(m2m_buf_append(&w->sent[w->sent_count++], p->data, p->len),
				 M2M_OK);
	}
	w->payloads++;
	if (target == M2M_EUICC_OTA_TARGET_ISDR) {
		assert_int_equal(m2m_euicc_ota_run_script(e, &w->ota, target, p->data, p->len, resp,
							  &w->c.ev, &more),
				 M2M_OK);
	} else {
		/* SCP81 carries the body as is; the card takes the TLVs inside AE 80 .. 00 00. */
		assert_int_equal(m2m_tlv_decode_one(p->data, p->len, M2M_TLV_BER, &t, NULL),
				 M2M_OK);
		assert_int_equal(t.tag, 0xAE);
		assert_true(t.indefinite);
		assert_int_equal(m2m_euicc_ota_run_scp03t(e, &w->ota, target, t.value, t.len, resp,
							  &w->c.ev),
				 M2M_OK);
	}
	assert_int_equal(m2m_euicc_check(e), M2M_OK);
}

/* Changes a card answer before the SM-DP sees it (NULL: none). */
typedef void (*w_tamper_fn)(m2m_es8_step step, m2m_buf *resp, void *arg);

/* Runs a session to its end: M2M_OK when complete, else the session's error. */
static inline m2m_err w_run(world *w, m2m_es8_session *s, w_tamper_fn tamper, void *arg)
{
	m2m_es8_payload p;
	m2m_buf resp;
	m2m_err err;

	m2m_buf_init(&resp);
	while ((err = m2m_es8_next(s, &p)) == M2M_OK) {
		w_deliver(w, &p, &resp);
		if (tamper != NULL)
			tamper(p.step, &resp, arg);
		err = m2m_es8_response(s, resp.data, resp.len);
		if (err != M2M_OK)
			break;
	}
	m2m_buf_free(&resp);
	return err == M2M_END ? M2M_OK : err;
}

/* The EIS facts as the SM-SR would report them, read from the card itself: CERT.ECASD.ECKA
 * by GET DATA BF30, free memory by GET DATA FF21. */
static inline void w_eis(world *w, m2m_smdp_eis *eis, m2m_buf *cert)
{
	m2m_tlv t, c;
	uint8_t r[1024];
	size_t rn = 0;

	memset(eis, 0, sizeof *eis);
	assert_int_equal(m2m_hex_decode(fx_tx(&w->c, "80CABF3004 5C027F21 00"), r, sizeof r, &rn),
			 M2M_OK);
	assert_int_equal(m2m_tlv_decode_one(r, rn - 2, M2M_TLV_BER, &t, NULL), M2M_OK);
	assert_int_equal(t.tag, 0xBF30);
	m2m_buf_init(cert);
	assert_int_equal(m2m_buf_append(cert, t.value, t.len), M2M_OK);
	assert_int_equal(m2m_hex_decode(fx_tx(&w->c, "80CAFF2100"), r, sizeof r, &rn), M2M_OK);
	assert_int_equal(m2m_tlv_decode_one(r, rn - 2, M2M_TLV_BER, &t, NULL), M2M_OK);
	assert_int_equal(m2m_tlv_find(t.value, t.len, M2M_TLV_BER, 0x82, &c), M2M_OK);
	assert_int_equal(c.len, 4);
	eis->free_memory = (uint64_t)c.value[0] << 24 | c.value[1] << 16 | c.value[2] << 8 |
			   c.value[3];
	eis->ecasd_cert = cert->data;
	eis->ecasd_cert_len = cert->len;
	eis->eum_pem = w->eum_pem.data;
	eis->eum_pem_len = w->eum_pem.len;
	eis->caps.http = true;
	eis->caps.version[0] = 3;
	eis->caps.version[1] = 1;
}

static inline void w_req(world *w, m2m_smdp_req *req)
{
	memset(req, 0, sizeof *req);
	req->ci_pem = w->ci_pem.data;
	req->ci_pem_len = w->ci_pem.len;
	req->package_len = w->pkg.len;
}

/* CreateISDP as the SM-SR does it (ES5, INSTALL [for install]) with the memory asked for. */
static inline void w_create(world *w, const char *aid_hex, uint32_t mem)
{
	uint8_t aid[16];

	fx_aid(aid_hex, aid);
	assert_int_equal(m2m_euicc_create_isdp(w->c.e, aid, 16, true, mem, &w->c.ev), 0x9000);
}

/* A session configuration for ISD-P aid with the fixture's keys; pk is PK.ECASD.ECKA. */
static inline void w_config(world *w, m2m_es8_config *cfg, const uint8_t aid[16],
			    const m2m_eckey *pk)
{
	static uint8_t eid[16];

	assert_int_equal(m2m_hex_decode_exact(EID_HEX, eid, 16), M2M_OK);
	m2m_es8_config_init(cfg);
	cfg->eid = eid;
	cfg->isdp_aid = aid;
	cfg->isdp_aid_len = 16;
	cfg->cert_dp = w->c.cert_dp.data;
	cfg->cert_dp_len = w->c.cert_dp.len;
	cfg->sk_dp = w->c.dp;
	cfg->pk_ecasd = pk;
	cfg->curve = M2M_CURVE_P256;
	cfg->package = w->pkg.data;
	cfg->package_len = w->pkg.len;
}

#endif
