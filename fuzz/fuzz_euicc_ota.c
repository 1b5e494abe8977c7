/*
 * libFuzzer target for the eUICC's OTA front end, on a fresh card (bootstrap profile, SCP80
 * key set 01, PSK set 41, the TS.48 profile installed in ISD-P 13, disabled; ISD-P routing
 * linked in). The input is a sequence of records: type byte, length byte, bytes.
 *   type % 4 == 0: a raw ENVELOPE (D1...) body
 *   type % 4 == 1: secured data, wrapped by the harness into a valid SCP80 packet to the
 *                  ISD-R (SPI 16 + type's high bits as SPI2, next counter), split into SMS
 *                  parts and fed as ENVELOPEs, so scripts and triggers are reached; with
 *                  type b8 set, to the TS.48 profile's MNO-SD or RFM TARs (type b6b5) with
 *                  the profile's keys (ES6), after enabling ISD-P 13 unless type b7 is set
 *   type % 4 == 2: an HTTP response to the SCP81 session (a default trigger opens one first)
 *   type % 4 == 3: build the notification MO SMS
 * After every step the card's invariants must hold.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card/envelope.h"
#include "euicc/ota.h"
#include "euicc/uicc.h"
#include "saip/saip.h"

static const uint8_t SK[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
			       17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t CERT[] = {0x7F, 0x21, 0x03, 0x93, 0x01, 0x02};
/* TS.48 securityDomain PE, key set 02 (AES): KIc, KID. */
static const uint8_t MNO_KIC[16] = {0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD,
				    0x11, 0x22, 0x33, 0x44, 0x55, 0xEE, 0xFF, 0x10};
static const uint8_t MNO_KID[16] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
				    0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x10};
static const uint32_t MNO_TARS[4] = {0xB20100, 0xB00120, 0xB00140, 0x000000};
static const uint8_t TAR_13[3] = {0x00, 0x00, 0x13};
static m2m_buf saved;

static void keyset(m2m_euicc_keyset *k, uint8_t kvn, uint8_t type, uint8_t alg)
{
	memset(k, 0, sizeof *k);
	k->kvn = kvn;
	k->kic_alg = k->kid_alg = alg;
	k->nkeys = 2;
	for (int i = 0; i < 2; i++) {
		k->key[i].id = (uint8_t)(i + 1);
		k->key[i].type = type;
		k->key[i].len = 16;
		memset(k->key[i].value, 0x11 * (i + 1), 16);
	}
}

static m2m_euicc *fresh(void)
{
	m2m_euicc_config cfg;
	m2m_euicc_keyset ks[2];
	m2m_euicc_profile_cfg boot;
	m2m_eckey *ci = NULL;
	uint8_t pt[M2M_EC_POINT_SIZE];
	m2m_euicc *e = NULL;

	memset(&cfg, 0, sizeof cfg);
	memset(&boot, 0, sizeof boot);
	if (m2m_ec_from_private(M2M_CURVE_P256, SK + 1, 31, &ci) != M2M_OK ||
	    m2m_ec_public_point(ci, pt) != M2M_OK)
		abort();
	m2m_ec_free(ci);
	cfg.eid[0] = 0x89;
	cfg.sk_ecasd = SK;
	cfg.sk_ecasd_len = sizeof SK;
	cfg.cert_ecasd = CERT;
	cfg.cert_ecasd_len = sizeof CERT;
	cfg.pk_ci = pt;
	cfg.pk_ci_len = sizeof pt;
	keyset(&ks[0], 0x01, M2M_EUICC_KEYTYPE_AES, 0x2);
	keyset(&ks[1], 0x41, M2M_EUICC_KEYTYPE_PSK_TLS, 0);
	cfg.keysets = ks;
	cfg.nkeysets = 2;
	boot.tar[2] = 0x11;
	boot.mem = 1000;
	boot.enabled = boot.fallback = true;
	cfg.profiles = &boot;
	cfg.nprofiles = 1;
	cfg.mem_total = 50000;
	cfg.mem_volatile = 3000;
	cfg.isdp_default_mem = 8000;
	if (m2m_euicc_create(&cfg, &e) != M2M_OK)
		abort();
	return e;
}

typedef struct {
	m2m_euicc *e;
	m2m_euicc_ota ota;
	m2m_euicc_ota_out out;
	m2m_buf resp;
	uint64_t counter;
	uint64_t mno_counter;
} rig;

static void envelope(rig *r, const uint8_t *p, size_t n)
{
	m2m_buf_reset(&r->resp);
	m2m_err err = m2m_euicc_ota_envelope(r->e, &r->ota, p, n, &r->resp, &r->out);
	if (err != M2M_OK) {
		fprintf(stderr, "err %d\n", err);
		abort();
	}
}

static void deliver(rig *r, const uint8_t *ud, size_t n)
{
	m2m_sms_tpdu t;
	m2m_envelope_sms_pp env;
	m2m_buf tpdu, eb;

	memset(&t, 0, sizeof t);
	memset(&env, 0, sizeof env);
	t.addr.ton_npi = 0x91;
	strcpy(t.addr.digits, "123");
	t.pid = M2M_SMS_PID_SIM_DL;
	t.dcs = M2M_SMS_DCS_CLASS2_8BIT;
	t.udhi = true;
	t.ud = ud;
	t.ud_len = n;
	t.udl = (uint8_t)n;
	m2m_buf_init(&tpdu);
	m2m_buf_init(&eb);
	env.src = M2M_ENV_DEV_NETWORK;
	env.dst = M2M_ENV_DEV_UICC;
	if (m2m_sms_deliver_encode(&t, &tpdu) == M2M_OK) {
		env.tpdu = tpdu.data;
		env.tpdu_len = tpdu.len;
		if (m2m_envelope_sms_pp_encode(&env, &eb) == M2M_OK)
			envelope(r, eb.data, eb.len);
	}
	m2m_buf_free(&tpdu);
	m2m_buf_free(&eb);
}

/* The package next to the sources: <repo>/../shared/vectors/saip/ (via __FILE__). */
static void prepare(void)
{
	char path[4096];
	const char *slash = strrchr(__FILE__, '/');
	int dir = slash != NULL ? (int)(slash - __FILE__) : 1;
	uint8_t aid[16];
	m2m_euicc *e = fresh();
	m2m_buf pkg;

	snprintf(path, sizeof path, "%.*s/../../shared/vectors/saip/TS48v2_SAIP2.3_NoBERTLV.der",
		 dir, slash != NULL ? __FILE__ : ".");
	m2m_buf_init(&pkg);
	m2m_euicc_isdp_aid(TAR_13, aid);
	if (m2m_saip_read_file(path, &pkg) != M2M_OK ||
	    m2m_euicc_create_isdp(e, aid, 16, true, 20000, NULL) != 0x9000 ||
	    m2m_euicc_isdp_install_package(e, m2m_euicc_find_isdp(e, aid, 16), pkg.data,
					   pkg.len) != M2M_OK)
		abort();
	m2m_buf_init(&saved);
	if (m2m_euicc_save(e, &saved) != M2M_OK)
		abort();
	m2m_buf_free(&pkg);
	m2m_euicc_free(e);
}

static void secured(rig *r, uint8_t type, const uint8_t *p, size_t n)
{
	static m2m_buf parts[M2M_SMS_MAX_PARTS];
	static int init;
	m2m_scp80_hdr h;
	m2m_scp80_keys k;
	m2m_buf pkt;
	size_t count = 0;

	if (!init) {
		for (size_t i = 0; i < M2M_SMS_MAX_PARTS; i++)
			m2m_buf_init(&parts[i]);
		init = 1;
	}
	memset(&h, 0, sizeof h);
	memset(&k, 0, sizeof k);
	h.spi[0] = 0x16;
	h.spi[1] = (uint8_t)(type >> 2);
	h.kic = h.kid = 0x12;
	h.tar[2] = 0x01;
	h.counter = ++r->counter;
	memset(k.kic.key, 0x11, 16);
	memset(k.kid.key, 0x22, 16);
	k.kic.len = k.kid.len = 16;
	if (type & 0x80) {
		uint8_t aid[16];
		uint32_t tar = MNO_TARS[(type >> 4) & 3];
		m2m_euicc_isdp_aid(TAR_13, aid);
		if (!(type & 0x40))
			(void)m2m_euicc_enable_profile(r->e, aid, 16, NULL);
		h.spi[1] = 0x39;
		h.kic = h.kid = 0x22;
		h.tar[0] = (uint8_t)(tar >> 16);
		h.tar[1] = (uint8_t)(tar >> 8);
		h.tar[2] = (uint8_t)tar;
		h.counter = ++r->mno_counter;
		memcpy(k.kic.key, MNO_KIC, 16);
		memcpy(k.kid.key, MNO_KID, 16);
	}
	m2m_buf_init(&pkt);
	if (m2m_scp80_wrap(&h, &k, p, n, &pkt) == M2M_OK &&
	    m2m_sms_segment(M2M_SMS_IEI_CPI, pkt.data, pkt.len, 1, false, parts,
			    M2M_SMS_MAX_PARTS, &count) == M2M_OK)
		for (size_t i = 0; i < count; i++)
			deliver(r, parts[i].data, parts[i].len);
	m2m_buf_free(&pkt);
}

static void http(rig *r, const uint8_t *p, size_t n)
{
	static const uint8_t trig[] = {0x81, 0x00};
	m2m_buf req;

	m2m_buf_init(&req);
	if (r->ota.scp81.state == M2M_EUICC_OTA_SCP81_IDLE &&
	    m2m_euicc_ota_scp81_trigger(r->e, &r->ota, trig, sizeof trig) &&
	    m2m_euicc_ota_scp81_first(r->e, &r->ota, &req) != M2M_OK)
		abort();
	m2m_buf_reset(&req);
	(void)m2m_euicc_ota_scp81_response(r->e, &r->ota, p, n, &req, &r->out);
	m2m_buf_free(&req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	m2m_sms_addr smsr = {.ton_npi = 0x91, .digits = "4479"};
	rig r;
	size_t pos = 0;

	memset(&r, 0, sizeof r);
	if (saved.data == NULL)
		prepare();
	if (m2m_euicc_load(saved.data, saved.len, &r.e) != M2M_OK)
		abort();
	r.counter = 0;
	m2m_euicc_ota_init(&r.ota, &smsr);
	m2m_euicc_ota_enable_isdp(&r.ota);
	strcpy(r.ota.scp81_default_host, "smsr");
	m2m_euicc_ota_out_init(&r.out);
	m2m_buf_init(&r.resp);
	while (pos + 2 <= size) {
		uint8_t type = data[pos];
		size_t len = data[pos + 1];
		pos += 2;
		if (len > size - pos)
			len = size - pos;
		switch (type & 3) {
		case 0:
			envelope(&r, data + pos, len);
			break;
		case 1:
			secured(&r, type, data + pos, len);
			break;
		case 2:
			http(&r, data + pos, len);
			break;
		default:
			(void)m2m_euicc_ota_notification(r.e, &r.ota, &r.out);
			break;
		}
		if (m2m_euicc_check(r.e) != M2M_OK)
			abort();
		pos += len;
	}
	m2m_buf_free(&r.resp);
	m2m_euicc_ota_out_free(&r.out);
	m2m_euicc_ota_free(&r.ota);
	m2m_euicc_free(r.e);
	return 0;
}
