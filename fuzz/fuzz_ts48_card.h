/*
 * The card the TS.48 fuzz targets start from (fuzz_card_front.c, fuzz_euicc_uicc.c): a
 * bootstrap profile in ISD-P 11 and the TS.48 package (shared/vectors/saip) installed into
 * ISD-P 13 and enabled. prepare() builds it once and keeps its saved state in `saved`;
 * switch_profile() toggles the enabled profile between the two.
 * fresh_card() is the bare card (bootstrap profile only) with given memory figures; the
 * eUICC APDU target (fuzz_euicc_apdu.c) starts from it with less memory.
 */
#ifndef M2M_FUZZ_TS48_CARD_H
#define M2M_FUZZ_TS48_CARD_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "euicc/euicc.h"
#include "euicc/uicc.h"
#include "saip/saip.h"

static const uint8_t SK[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
			       17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t CERT[] = {0x7F, 0x21, 0x03, 0x93, 0x01, 0x02};
static m2m_buf saved;

/* Room for the TS.48 package (about 20 kB) in an ISD-P of the default size. */
#define TS48_CARD_MEM_TOTAL 100000
#define TS48_CARD_ISDP_MEM 30000

/* The card with the bootstrap profile in ISD-P 11 only; mem_total and isdp_default_mem as
 * m2m_euicc_config says. */
static inline m2m_euicc *fresh_card(uint32_t mem_total, uint32_t isdp_default_mem)
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
	cfg.mem_total = mem_total;
	cfg.mem_volatile = 3000;
	cfg.isdp_default_mem = isdp_default_mem;
	if (m2m_euicc_create(&cfg, &e) != M2M_OK)
		abort();
	return e;
}

/* The package next to the sources: <repo>/../shared/vectors/saip/ (via __FILE__). */
static inline void read_package(m2m_buf *pkg)
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

static inline void prepare(void)
{
	static const uint8_t tar[3] = {0, 0, 0x13};
	uint8_t aid[16];
	m2m_euicc *e = fresh_card(TS48_CARD_MEM_TOTAL, TS48_CARD_ISDP_MEM);
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

static inline void switch_profile(m2m_euicc *e)
{
	static const uint8_t boot[3] = {0, 0, 0x11}, ts48[3] = {0, 0, 0x13};
	uint8_t aid[16];
	int on = m2m_euicc_enabled_isdp(e);

	m2m_euicc_isdp_aid(on >= 0 && e->isdp[on].aid[14] == 0x13 ? boot : ts48, aid);
	(void)m2m_euicc_enable_profile(e, aid, 16, NULL);
}

#endif
