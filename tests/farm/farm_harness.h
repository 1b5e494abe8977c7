/* The SM-SR side of the farm tests: a small farm database (the TS.48 bootstrap profile in
 * ISD-P 000010, optionally a second profile in ISD-P 000011), the farm in-process on one
 * event loop, and an ESME (net/smpp_esme) that sends SCP80 command packets built with the
 * card library and collects what comes back. Included by tests/farm/test_*.c after cmocka. */
#ifndef FARM_HARNESS_H
#define FARM_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/http_server.h"
#include "card/scp80.h"
#include "card/sms.h"
#include "core/hex.h"
#include "core/log.h"
#include "crypto/ec.h"
#include "euicc/uicc.h"
#include "farm/farm.h"
#include "farm/farm_ids.h"
#include "farm/farm_keys.h"
#include "farm/farm_provision.h"
#include "net/http_client.h"
#include "net/smpp_esme.h"
#include "saip/personalise.h"

#define TS48 M2MRSP_SOURCE_DIR "/../shared/vectors/saip/TS48v2_SAIP2.3_NoBERTLV.der"
#define H_FIRST_EID "89999000000000000000000000000000"
#define H_MSISDN "882990000000000"
#define H_ICCID "8988299000000000000"
#define H_ICCID2 "8988299100000000000"  /* second profile, ISD-P 000011 */
#define H_SMSR "882999999999999"
#define H_AID10 "A0000005591010FFFFFFFF8900001000"
#define H_AID11 "A0000005591010FFFFFFFF8900001100"
#define H_DL_MAX 256
#define H_DEADLINE_S 60 /* a failure guard, not a timing assertion */

static const uint8_t h_seed[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

typedef struct {
	struct event_base *base;
	m2m_farm *farm;
	m2m_farm_cfg cfg;
	m2m_smpp_esme *esme;
	bool bound;
	char db[64];
	/* deliver_sm received (not receipts) and receipts */
	m2m_smpp_pdu *dl;
	bool *used;
	size_t ndl;
	m2m_smpp_receipt rc[H_DL_MAX];
	size_t nrc;
	unsigned submit_ok, submit_err;
	struct event *tick;
} harness;

/* ---- the database ---- */

static inline void h_init_cfg(m2m_farm_init_cfg *c, m2m_eckey *eum, m2m_eckey *ci,
			      m2m_buf *boot, uint64_t count)
{
	static const uint8_t eum_id[4] = {0xE0, 0x01, 0x02, 0x03};

	memset(c, 0, sizeof *c);
	c->count = count;
	c->first_eid = H_FIRST_EID;
	c->msisdn_base = H_MSISDN;
	c->iccid_base = H_ICCID;
	c->seed = h_seed;
	c->seed_len = sizeof h_seed;
	c->bootstrap = boot->data;
	c->bootstrap_len = boot->len;
	c->eum = eum;
	c->ci = ci;
	c->eum_id = eum_id;
	c->eum_id_len = sizeof eum_id;
	c->keys.scp80_sets = 1;
	c->keys.key_len = 16;
	c->keys.psk_len = 16;
	c->curve = M2M_CURVE_P256;
	c->mem_total = 1u << 20;
	c->mem_volatile = 65536;
	c->isdp_default_mem = 131072;
	c->boot_mem = 131072;
	c->boot_fallback = true;
	c->jobs = 2;
	c->batch = 3;
}

/* A second profile (ICCID H_ICCID2 + i) in ISD-P 000011, disabled, as an SM-DP download
 * would leave it. */
static inline void h_add_profile(m2m_farm_pkgs *pkgs, m2m_farm_db *db, const m2m_buf *boot,
				 uint64_t i)
{
	uint8_t tar[3] = {0, 0, 0x11}, aid[16];
	char iccid[21];
	m2m_farm_row r;
	m2m_buf st, der;
	m2m_euicc *e = NULL;
	m2m_saip_pkg pkg;
	m2m_saip_error serr;
	m2m_euicc_events ev = {0};

	m2m_farm_row_init(&r);
	m2m_buf_init(&st);
	m2m_buf_init(&der);
	m2m_saip_pkg_init(&pkg);
	assert_int_equal(m2m_farm_db_by_id(db, (int64_t)i + 1, &r), M2M_OK);
	assert_int_equal(m2m_farm_state_expand(pkgs, r.state.data, r.state.len, &st), M2M_OK);
	assert_int_equal(m2m_euicc_load(st.data, st.len, &e), M2M_OK);
	assert_int_equal(m2m_saip_decode(boot->data, boot->len, &pkg, &serr), M2M_OK);
	assert_int_equal(m2m_farm_iccid_at(H_ICCID2, i, iccid), M2M_OK);
	assert_int_equal(m2m_saip_set_iccid(&pkg, iccid, false, &serr), M2M_OK);
	assert_int_equal(m2m_saip_encode(&pkg, &der), M2M_OK);
	m2m_euicc_isdp_aid(tar, aid);
	assert_int_equal(m2m_euicc_create_isdp(e, aid, 16, false, 0, &ev), 0x9000);
	assert_int_equal(m2m_euicc_isdp_install_package(e, m2m_euicc_find_isdp(e, aid, 16),
							der.data, der.len),
			 M2M_OK);
	m2m_buf_reset(&st);
	m2m_buf_reset(&der);
	assert_int_equal(m2m_euicc_save(e, &st), M2M_OK);
	assert_int_equal(m2m_farm_state_strip(pkgs, st.data, st.len, &der), M2M_OK);
	assert_int_equal(m2m_farm_db_pkgs_flush(db, pkgs), M2M_OK);
	assert_int_equal(m2m_farm_db_update(db, (int64_t)i + 1, der.data, der.len, 0), M2M_OK);
	m2m_euicc_free(e);
	m2m_saip_pkg_free(&pkg);
	m2m_farm_row_free(&r);
	m2m_buf_free(&st);
	m2m_buf_free(&der);
}

/* A new database of count devices in a temporary file. */
static inline void h_make_db(harness *h, uint64_t count, bool second_profile)
{
	m2m_farm_init_cfg c;
	m2m_eckey *eum = NULL, *ci = NULL;
	m2m_farm_db *db = NULL;
	m2m_farm_pkgs pkgs;
	m2m_buf boot;
	char why[256];
	int fd;

	snprintf(h->db, sizeof h->db, "/tmp/farm_test_XXXXXX");
	fd = mkstemp(h->db);
	assert_true(fd >= 0);
	close(fd);
	unlink(h->db);
	m2m_buf_init(&boot);
	assert_int_equal(m2m_saip_read_file(TS48, &boot), M2M_OK);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &eum), M2M_OK);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &ci), M2M_OK);
	assert_int_equal(m2m_farm_pkgs_init(&pkgs), M2M_OK);
	h_init_cfg(&c, eum, ci, &boot, count);
	assert_int_equal(m2m_farm_db_open(h->db, true, true, &db), M2M_OK);
	if (m2m_farm_provision(db, &pkgs, &c, why, sizeof why) != M2M_OK)
		fail_msg("provision: %s", why);
	for (uint64_t i = 0; second_profile && i < count; i++)
		h_add_profile(&pkgs, db, &boot, i);
	m2m_farm_db_close(db);
	m2m_farm_pkgs_free(&pkgs);
	m2m_ec_free(eum);
	m2m_ec_free(ci);
	m2m_buf_free(&boot);
}

static inline void h_remove_db(harness *h)
{
	char p[80];

	unlink(h->db);
	snprintf(p, sizeof p, "%s-wal", h->db);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", h->db);
	unlink(p);
}

static inline void h_eid(uint64_t i, uint8_t eid[16])
{
	assert_int_equal(m2m_farm_eid_at(H_FIRST_EID, i, eid), M2M_OK);
}

static inline void h_msisdn(uint64_t i, char out[16])
{
	assert_int_equal(m2m_farm_digits_add(H_MSISDN, i, out, 16), M2M_OK);
}

/* The SM-SR's copy of the keys of device i: SCP80 key set 01 and the PSK. */
static inline void h_keys(uint64_t i, m2m_scp80_keys *k, uint8_t psk[16])
{
	m2m_farm_keyspec spec = {1, 16, 16};
	m2m_euicc_keyset ks[M2M_EUICC_KEYSET_MAX];
	uint8_t eid[16];
	size_t n;

	h_eid(i, eid);
	assert_int_equal(m2m_farm_keysets(h_seed, sizeof h_seed, eid, &spec, ks, &n), M2M_OK);
	assert_int_equal(n, 2);
	memset(k, 0, sizeof *k);
	assert_int_equal(m2m_scp80_key_set(&k->kic, ks[0].key[0].value, 16), M2M_OK);
	assert_int_equal(m2m_scp80_key_set(&k->kid, ks[0].key[1].value, 16), M2M_OK);
	if (psk != NULL)
		memcpy(psk, ks[1].key[0].value, 16);
	m2m_wipe(ks, sizeof ks);
}

/* ---- the loop ---- */

static inline void h_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

/* Runs the loop until cond(h, arg) holds; fails after H_DEADLINE_S. */
static inline void h_until(harness *h, bool (*cond)(harness *, void *), void *arg,
			   const char *what)
{
	time_t end = time(NULL) + H_DEADLINE_S;

	while (!cond(h, arg)) {
		if (time(NULL) > end)
			fail_msg("timed out waiting for %s", what);
		event_base_loop(h->base, EVLOOP_ONCE);
	}
}

/* ---- the ESME ---- */

static inline void h_on_bind(m2m_smpp_esme *e, uint32_t status, void *arg)
{
	harness *h = arg;

	(void)e;
	h->bound = status == 0;
}

static inline void h_on_down(m2m_smpp_esme *e, m2m_err why, void *arg)
{
	(void)e;
	(void)why;
	((harness *)arg)->bound = false;
}

static inline void h_on_submit_resp(m2m_smpp_esme *e, void *ref, m2m_err err, uint32_t status,
				    const char *id, void *arg)
{
	harness *h = arg;

	(void)e;
	(void)ref;
	(void)id;
	if (err == M2M_OK && status == 0)
		h->submit_ok++;
	else
		h->submit_err++;
}

static inline uint32_t h_on_deliver(m2m_smpp_esme *e, const m2m_smpp_pdu *dlv, void *arg)
{
	harness *h = arg;

	(void)e;
	assert_true(h->ndl < H_DL_MAX);
	h->dl[h->ndl] = *dlv;
	h->used[h->ndl++] = false;
	return 0;
}

static inline void h_on_receipt(m2m_smpp_esme *e, const m2m_smpp_receipt *r,
				const m2m_smpp_pdu *dlv, void *arg)
{
	harness *h = arg;

	(void)e;
	(void)dlv;
	assert_true(h->nrc < H_DL_MAX);
	h->rc[h->nrc++] = *r;
}

static inline bool h_is_bound(harness *h, void *arg)
{
	(void)arg;
	return h->bound;
}

static inline void h_esme(harness *h)
{
	m2m_smpp_esme_cfg c;
	m2m_smpp_esme_cbs cbs = {h_on_bind, h_on_down, h_on_submit_resp, h_on_deliver,
				 h_on_receipt};

	memset(&c, 0, sizeof c);
	c.host = "127.0.0.1";
	c.port = m2m_farm_smpp_port(h->farm);
	c.system_id = "smsr";
	c.password = "secret";
	c.source.ton = 1;
	c.source.npi = 1;
	strcpy(c.source.addr, H_SMSR);
	c.receipts = true;
	c.reconnect_min_ms = 50;
	c.reconnect_max_ms = 200;
	h->bound = false;
	h->esme = m2m_smpp_esme_new(h->base, &c, &cbs, h);
	assert_non_null(h->esme);
	assert_int_equal(m2m_smpp_esme_start(h->esme), M2M_OK);
	h_until(h, h_is_bound, NULL, "bind");
}

/* Starts the farm on h->db with h->cfg (defaults for tests filled in) and an ESME. */
static inline void h_start(harness *h)
{
	struct timeval tv = {0, 20000};

	h->cfg.db_path = h->db;
	h->cfg.system_id = "smsr";
	h->cfg.password = "secret";
	h->cfg.smsr_address = "+" H_SMSR;
	if (h->cfg.notif_first_ms == 0)
		h->cfg.notif_first_ms = 20;
	if (h->cfg.notif_retry_ms == 0)
		h->cfg.notif_retry_ms = 40;
	if (h->cfg.notif_retry_max_ms == 0)
		h->cfg.notif_retry_max_ms = 160;
	if (h->cfg.attach_ms == 0)
		h->cfg.attach_ms = 20;
	assert_int_equal(m2m_farm_new(h->base, &h->cfg, &h->farm), M2M_OK);
	if (h->tick == NULL) {
		/* EVLOOP_ONCE must come back now and then, even when nothing happens. */
		h->tick = event_new(h->base, -1, EV_PERSIST, h_tick, NULL);
		assert_int_equal(event_add(h->tick, &tv), 0);
	}
	h_esme(h);
}

static inline void h_stop_farm(harness *h)
{
	if (h->esme != NULL) {
		m2m_smpp_esme_stop(h->esme);
		m2m_smpp_esme_free(h->esme);
		h->esme = NULL;
	}
	m2m_farm_free(h->farm);
	h->farm = NULL;
}

static inline harness *h_new(void)
{
	harness *h = calloc(1, sizeof *h);

	assert_non_null(h);
	h->dl = calloc(H_DL_MAX, sizeof *h->dl);
	h->used = calloc(H_DL_MAX, sizeof *h->used);
	assert_non_null(h->dl);
	assert_non_null(h->used);
	h->base = event_base_new();
	assert_non_null(h->base);
	return h;
}

static inline void h_free(harness *h)
{
	h_stop_farm(h);
	if (h->tick != NULL)
		event_free(h->tick);
	m2m_http_base_free(h->base);
	h_remove_db(h);
	free(h->dl);
	free(h->used);
	free(h);
}

/* ---- SM-SR side of SCP80 ---- */

static inline m2m_scp80_hdr h_hdr(uint8_t spi2, uint64_t cntr)
{
	m2m_scp80_hdr hd;

	memset(&hd, 0, sizeof hd);
	hd.spi[0] = M2M_SCP80_SGP02_SPI1;
	hd.spi[1] = spi2;
	hd.kic = hd.kid = 0x12; /* key set 01, AES */
	hd.tar[2] = 0x01;       /* ISD-R */
	hd.counter = cntr;
	return hd;
}

static inline void h_hex(const char *hex, m2m_buf *b)
{
	char clean[4096];
	size_t j = 0;

	for (size_t i = 0; hex[i] != '\0' && j + 1 < sizeof clean; i++)
		if (hex[i] != ' ')
			clean[j++] = hex[i];
	clean[j] = '\0';
	assert_int_equal(m2m_hex_decode_buf(clean, b), M2M_OK);
}

/* Wraps the secured data (hex) for device i and submits it, segmented if needed. */
static inline void h_send(harness *h, uint64_t i, const m2m_scp80_hdr *hd, const char *data_hex)
{
	m2m_buf data, pkt, parts[8];
	m2m_scp80_keys k;
	m2m_smpp_addr to;
	size_t n = 0;

	m2m_buf_init(&data);
	m2m_buf_init(&pkt);
	for (size_t p = 0; p < 8; p++)
		m2m_buf_init(&parts[p]);
	h_hex(data_hex, &data);
	h_keys(i, &k, NULL);
	assert_int_equal(m2m_scp80_wrap(hd, &k, data.data, data.len, &pkt), M2M_OK);
	assert_int_equal(m2m_sms_segment(M2M_SMS_IEI_CPI, pkt.data, pkt.len, 0x21, false, parts, 8,
					 &n),
			 M2M_OK);
	memset(&to, 0, sizeof to);
	to.ton = to.npi = 1;
	h_msisdn(i, to.addr);
	for (size_t p = 0; p < n; p++)
		assert_int_equal(m2m_smpp_esme_submit(h->esme, &to, parts[p].data, parts[p].len,
						      true, NULL, NULL),
				 M2M_OK);
	m2m_scp80_keys_wipe(&k);
	for (size_t p = 0; p < 8; p++)
		m2m_buf_free(&parts[p]);
	m2m_buf_free(&data);
	m2m_buf_free(&pkt);
}

/* The identifier (70/71) in the UDH of a TP-UD, 0 if none. */
static inline uint8_t h_iei(const uint8_t *ud, size_t n)
{
	m2m_sms_ie ies[8];
	size_t count = 0, pl = 0;
	const uint8_t *payload;

	if (m2m_sms_udh_parse(ud, n, ies, 8, &count, &payload, &pl) != M2M_OK)
		return 0;
	for (size_t i = 0; i < count; i++)
		if (ies[i].iei == M2M_SMS_IEI_CPI || ies[i].iei == M2M_SMS_IEI_RPI)
			return ies[i].iei;
	return 0;
}

typedef struct {
	const char *msisdn;
	uint8_t iei;
	m2m_buf *pkt;
	bool found;
} h_want;

/* Consumes the parts of the first packet with this identifier from msisdn. */
static inline bool h_take(harness *h, void *arg)
{
	h_want *w = arg;

	for (size_t i = 0; i < h->ndl && !w->found; i++) {
		m2m_sms_reasm re;
		uint8_t iei = 0;
		bool done = false;

		if (h->used[i] || strcmp(h->dl[i].source.addr, w->msisdn) != 0 ||
		    h_iei(h->dl[i].msg, h->dl[i].msg_len) != w->iei)
			continue;
		m2m_sms_reasm_init(&re);
		for (size_t j = i; j < h->ndl && !done; j++) {
			if (h->used[j] || strcmp(h->dl[j].source.addr, w->msisdn) != 0)
				continue;
			m2m_buf_reset(w->pkt);
			if (m2m_sms_reasm_add(&re, h->dl[j].msg, h->dl[j].msg_len, w->pkt, &iei,
					      &done) != M2M_OK)
				break;
			if (done) {
				for (size_t k = i; k <= j; k++)
					if (strcmp(h->dl[k].source.addr, w->msisdn) == 0)
						h->used[k] = true;
				w->found = iei == w->iei;
			}
		}
		m2m_sms_reasm_free(&re);
	}
	return w->found;
}

/* Waits for the next packet (PoR 71 or command 70) from device i. */
static inline void h_packet(harness *h, uint64_t i, uint8_t iei, m2m_buf *pkt)
{
	char msisdn[16];
	h_want w = {msisdn, iei, pkt, false};

	h_msisdn(i, msisdn);
	h_until(h, h_take, &w, iei == M2M_SMS_IEI_RPI ? "a PoR" : "an MO command packet");
}

/* Waits for the PoR of device i to hd and opens it: status, data (the response script). */
static inline uint8_t h_por(harness *h, uint64_t i, const m2m_scp80_hdr *hd, m2m_buf *data)
{
	m2m_buf pkt;
	m2m_scp80_keys k;
	m2m_scp80_rsp rsp;
	uint8_t spi[2] = {hd->spi[0], hd->spi[1]};

	m2m_buf_init(&pkt);
	h_packet(h, i, M2M_SMS_IEI_RPI, &pkt);
	h_keys(i, &k, NULL);
	if (pkt.len > 2 && pkt.data[2] == 0x0A)
		spi[1] = (uint8_t)(spi[1] & ~0x1C); /* RHL 0A: a refusal, sent unsecured */
	m2m_buf_reset(data);
	assert_int_equal(m2m_scp80_unwrap_response(spi, hd->kic, hd->kid, &k, pkt.data, pkt.len,
						   &rsp, data),
			 M2M_OK);
	assert_int_equal(rsp.tar[2], 0x01);
	m2m_scp80_keys_wipe(&k);
	m2m_buf_free(&pkt);
	return rsp.status;
}

static inline bool h_contains(const m2m_buf *b, const char *hex)
{
	char s[8192];

	if (b->len * 2 + 1 > sizeof s)
		return false;
	m2m_hex_encode(b->data, b->len, s);
	for (size_t i = 0; s[i] != '\0'; i++)
		if (s[i] >= 'a' && s[i] <= 'f')
			s[i] = (char)(s[i] - 'a' + 'A');
	return strstr(s, hex) != NULL;
}

/* Waits for a notification from device i, checks its CC and returns type and sequence. */
static inline void h_notification(harness *h, uint64_t i, uint8_t *type, uint16_t *seq,
				  m2m_buf *aid)
{
	m2m_buf pkt, data;
	m2m_scp80_keys k;
	m2m_scp80_hdr hd;
	uint8_t status = 0xFF;
	size_t p;

	m2m_buf_init(&pkt);
	m2m_buf_init(&data);
	h_packet(h, i, M2M_SMS_IEI_CPI, &pkt);
	h_keys(i, &k, NULL);
	assert_int_equal(m2m_scp80_unwrap_command(pkt.data, pkt.len, &k, NULL, &hd, &status,
						  &data),
			 M2M_OK);
	assert_int_equal(hd.spi[0], 0x02); /* CC, no ciphering, no counter (docs/euicc.md) */
	/* E1 { 4C 10 EID, 4D 01 type, 4E 02 seq, 4F 10 AID } */
	assert_true(data.len >= 2 + 18 + 3 + 4 + 18);
	assert_int_equal(data.data[0], 0xE1);
	p = 2 + 18;
	assert_int_equal(data.data[p], 0x4D);
	*type = data.data[p + 2];
	p += 3;
	assert_int_equal(data.data[p], 0x4E);
	*seq = (uint16_t)(data.data[p + 2] << 8 | data.data[p + 3]);
	p += 4;
	assert_int_equal(data.data[p], 0x4F);
	if (aid != NULL) {
		m2m_buf_reset(aid);
		assert_int_equal(m2m_buf_append(aid, data.data + p + 2, 16), M2M_OK);
	}
	m2m_scp80_keys_wipe(&k);
	m2m_buf_free(&pkt);
	m2m_buf_free(&data);
}

static inline void h_stats(harness *h, m2m_farm_stats *s)
{
	m2m_farm_stats_get(h->farm, s);
}

/* The device's JSON from the farm (control API view). */
static inline json_t *h_device(harness *h, uint64_t i)
{
	uint8_t eid[16];
	json_t *j = NULL;

	h_eid(i, eid);
	assert_int_equal(m2m_farm_device_json(h->farm, eid, &j), M2M_OK);
	return j;
}

/* The state of the ISD-P with this TAR ("000010"), from the device JSON. */
static inline const char *h_isdp_state(json_t *dev, const char *tar)
{
	json_t *ps = json_object_get(dev, "isdps"), *p;
	size_t i;

	json_array_foreach(ps, i, p)
		if (strcmp(json_string_value(json_object_get(p, "tar")), tar) == 0)
			return json_string_value(json_object_get(p, "state"));
	return "none";
}

#endif
