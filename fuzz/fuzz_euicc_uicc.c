/*
 * libFuzzer target for the UICC file system of the software eUICC (m2m_euicc_uicc_apdu_ev)
 * and the same commands by the profile's RFM applications (ES6, mno_rfm.c). The first call
 * builds a card with the TS.48 profile (shared/vectors/saip) installed into ISD-P 13 through
 * m2m_euicc_isdp_install_package and enabled, and keeps its saved state; every input starts
 * from that state. Input: C-APDUs, each prefixed by a length byte; a length byte FF instead
 * switches the enabled profile (bootstrap <-> TS.48), so the tree is dropped and rebuilt; FE
 * sends the next C-APDU to RFM application (next byte % 4) of the enabled profile instead of
 * the device; FD ends the RFM context (a packet boundary). Every response must end with a
 * status word, the invariants hold, and after an update the state (with the updates kept
 * over the package) must save, load and serve the file tree again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "euicc/euicc.h"
#include "euicc/isdp_int.h"
#include "euicc/uicc.h"
#include "saip/saip.h"

static const uint8_t SK[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
			       17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t CERT[] = {0x7F, 0x21, 0x03, 0x93, 0x01, 0x02};
static m2m_buf saved;

static m2m_euicc *fresh(void)
{
	m2m_euicc_config cfg;
	m2m_euicc_keyset ks;
	m2m_euicc_profile_cfg boot;
	m2m_eckey *ci = NULL;
	uint8_t pt[M2M_EC_POINT_SIZE];
	m2m_euicc *e = NULL;

	memset(&cfg, 0, sizeof cfg);
	memset(&ks, 0, sizeof ks);
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
	ks.kvn = 0x01;
	ks.nkeys = 1;
	ks.key[0].id = 1;
	ks.key[0].len = 16;
	cfg.keysets = &ks;
	cfg.nkeysets = 1;
	boot.tar[2] = 0x11;
	boot.mem = 1000;
	boot.enabled = boot.fallback = true;
	cfg.profiles = &boot;
	cfg.nprofiles = 1;
	cfg.mem_total = 100000;
	cfg.mem_volatile = 3000;
	cfg.isdp_default_mem = 30000;
	if (m2m_euicc_create(&cfg, &e) != M2M_OK)
		abort();
	return e;
}

/* The package next to the sources: <repo>/../shared/vectors/saip/ (via __FILE__). */
static void read_package(m2m_buf *pkg)
{
	char path[4096];
	const char *slash = strrchr(__FILE__, '/');
	int dir = slash != NULL ? (int)(slash - __FILE__) : 1;

	snprintf(path, sizeof path, "%.*s/../../shared/vectors/saip/TS48v2_SAIP2.3_NoBERTLV.der",
		 dir, slash != NULL ? __FILE__ : ".");
	m2m_buf_init(pkg);
	if (m2m_saip_read_file(path, pkg) != M2M_OK)
		abort();
}

static void prepare(void)
{
	static const uint8_t tar[3] = {0, 0, 0x13};
	uint8_t aid[16];
	m2m_euicc *e = fresh();
	m2m_buf pkg;

	read_package(&pkg);
	m2m_euicc_isdp_aid(tar, aid);
	if (m2m_euicc_create_isdp(e, aid, 16, false, 0, NULL) != 0x9000 ||
	    m2m_euicc_isdp_install_package(e, m2m_euicc_find_isdp(e, aid, 16), pkg.data,
					   pkg.len) != M2M_OK ||
	    m2m_euicc_enable_profile(e, aid, 16, NULL) != 0x9000)
		abort();
	m2m_buf_init(&saved);
	if (m2m_euicc_save(e, &saved) != M2M_OK)
		abort();
	m2m_buf_free(&pkg);
	m2m_euicc_free(e);
}

static void switch_profile(m2m_euicc *e)
{
	static const uint8_t boot[3] = {0, 0, 0x11}, ts48[3] = {0, 0, 0x13};
	uint8_t aid[16];
	int on = m2m_euicc_enabled_isdp(e);

	m2m_euicc_isdp_aid(on >= 0 && e->isdp[on].aid[14] == 0x13 ? boot : ts48, aid);
	(void)m2m_euicc_enable_profile(e, aid, 16, NULL);
}

/* Save, load, save: the same bytes, and the reloaded card serves its tree. */
static void roundtrip(const m2m_euicc *e)
{
	static const uint8_t sel[] = {0x00, 0xA4, 0x00, 0x0C, 0x02, 0x2F, 0xE2};
	m2m_buf a, b, r;
	m2m_euicc *l = NULL;

	m2m_buf_init(&a);
	m2m_buf_init(&b);
	m2m_buf_init(&r);
	if (m2m_euicc_save(e, &a) != M2M_OK || m2m_euicc_load(a.data, a.len, &l) != M2M_OK ||
	    m2m_euicc_save(l, &b) != M2M_OK || a.len != b.len || memcmp(a.data, b.data, a.len) ||
	    m2m_euicc_uicc_apdu(l, sel, sizeof sel, &r) != M2M_OK || r.len < 2)
		abort();
	m2m_euicc_free(l);
	m2m_buf_free(&a);
	m2m_buf_free(&b);
	m2m_buf_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	m2m_euicc *e = NULL;
	m2m_euicc_events ev = {0};
	m2m_buf r;
	size_t pos = 0;
	int rfm = -1;

	if (saved.data == NULL)
		prepare();
	if (m2m_euicc_load(saved.data, saved.len, &e) != M2M_OK)
		abort();
	m2m_buf_init(&r);
	while (pos < size) {
		size_t len = data[pos++];
		m2m_err err;

		if (len == 0xFF) {
			switch_profile(e);
			continue;
		}
		if (len == 0xFD) {
			m2m_euicc_session_end(e);
			continue;
		}
		if (len == 0xFE) {
			rfm = pos < size ? data[pos++] % 4 : 0;
			continue;
		}
		if (len > size - pos)
			len = size - pos;
		if (rfm >= 0 && euicc_uicc_tree(e) != NULL && e->rt->u.built &&
		    (size_t)rfm < e->rt->u.mno.nrfm)
			err = euicc_rfm_apdu(e, rfm, data + pos, len, &r, &ev);
		else
			err = m2m_euicc_uicc_apdu_ev(e, data + pos, len, &r, &ev);
		if (err != M2M_OK || r.len < 2)
			abort();
		rfm = -1;
		m2m_buf_reset(&r);
		pos += len;
	}
	if (m2m_euicc_check(e) != M2M_OK)
		abort();
	/* Something was updated (and kept): it must survive a save and a load. */
	if (ev.state_changed)
		roundtrip(e);
	m2m_buf_free(&r);
	m2m_euicc_free(e);
	return 0;
}
