/* One factory-fresh eUICC of the farm (farm_provision.h). */
#include <stdio.h>
#include <string.h>

#include "card/gpcert.h"
#include "euicc/uicc.h"
#include "farm/farm_ids.h"
#include "farm/farm_provision.h"
#include "saip/personalise.h"

/* CERT.ECASD.ECKA: serial and subject = EID, CA = EUM id, key usage 0080 (key agreement
 * [M]: only the SM-DP/SM-SR value 88 is attested), no type (C8), C9 = EUM id. */
static m2m_err ecasd_cert(const m2m_farm_init_cfg *cfg, const uint8_t eid[16],
			  const m2m_eckey *key, m2m_buf *out)
{
	static const uint8_t expiry[4] = {0x20, 0x49, 0x12, 0x31};
	m2m_gpcert c;
	m2m_err err;

	memset(&c, 0, sizeof c);
	memcpy(c.serial, eid, 16);
	c.serial_len = 16;
	memcpy(c.ca_id, cfg->eum_id, cfg->eum_id_len);
	c.ca_id_len = cfg->eum_id_len;
	memcpy(c.subject_id, eid, 16);
	c.subject_id_len = 16;
	c.key_usage[0] = 0x00;
	c.key_usage[1] = 0x80;
	c.key_usage_len = 2;
	memcpy(c.expiry, expiry, sizeof expiry);
	memcpy(c.auth_key_id, cfg->eum_id, cfg->eum_id_len);
	c.auth_key_id_len = cfg->eum_id_len;
	err = m2m_gpcert_set_public_key(&c, key);
	if (err == M2M_OK)
		err = m2m_gpcert_sign(&c, cfg->eum, out);
	return err;
}

m2m_err m2m_farm_maker_init(m2m_farm_maker *m, const m2m_farm_init_cfg *cfg)
{
	m2m_saip_error serr;
	m2m_err err;

	memset(m, 0, sizeof *m);
	m2m_saip_pkg_init(&m->boot);
	err = m2m_saip_decode(cfg->bootstrap, cfg->bootstrap_len, &m->boot, &serr);
	if (err != M2M_OK)
		snprintf(m->why, sizeof m->why, "bootstrap package: element %zu (%s): %s",
			 serr.index, serr.type, serr.msg);
	return err;
}

void m2m_farm_maker_free(m2m_farm_maker *m)
{
	m2m_saip_pkg_free(&m->boot);
}

static m2m_err base_config(const m2m_farm_init_cfg *cfg, const uint8_t eid[16],
			   m2m_euicc_config *c, m2m_euicc_keyset *ks, uint8_t sk[32],
			   uint8_t ci[65], m2m_buf *cert, m2m_eckey **ecasd)
{
	size_t nks = 0;
	m2m_err err;

	memset(c, 0, sizeof *c);
	memcpy(c->eid, eid, 16);
	err = m2m_farm_keysets(cfg->seed, cfg->seed_len, eid, &cfg->keys, ks, &nks);
	if (err == M2M_OK)
		err = m2m_farm_ecasd_key(cfg->seed, cfg->seed_len, eid, cfg->curve, ecasd);
	if (err == M2M_OK)
		err = m2m_ec_private_bytes(*ecasd, sk);
	if (err == M2M_OK)
		err = m2m_ec_public_point(cfg->ci, ci);
	if (err == M2M_OK)
		err = ecasd_cert(cfg, eid, *ecasd, cert);
	c->curve = cfg->curve;
	c->sk_ecasd = sk;
	c->sk_ecasd_len = 32;
	c->cert_ecasd = cert->data;
	c->cert_ecasd_len = cert->len;
	c->ci_curve = m2m_ec_curve(cfg->ci);
	c->pk_ci = ci;
	c->pk_ci_len = 65;
	c->keysets = ks;
	c->nkeysets = nks;
	c->mem_total = cfg->mem_total;
	c->mem_volatile = cfg->mem_volatile;
	c->isdp_default_mem = cfg->isdp_default_mem;
	return err;
}

/* Clears the notification EnableProfile queued: a card leaves the factory with none. The
 * confirmation is the ISD-R's own STORE DATA 3A08 (docs/euicc.md). */
static m2m_err confirm_all(m2m_euicc *e)
{
	m2m_buf r;
	m2m_err err = M2M_OK;
	int i;

	m2m_buf_init(&r);
	while (err == M2M_OK && (i = m2m_euicc_notif_oldest(e)) >= 0) {
		uint16_t seq = e->notif[i].seq;
		uint8_t apdu[12] = {0x80, 0xE2, 0x89, 0x00, 0x07, 0x3A, 0x08, 0x04, 0x4E, 0x02,
				    (uint8_t)(seq >> 8), (uint8_t)seq};

		m2m_buf_reset(&r);
		err = m2m_euicc_isdr_apdu(e, apdu, sizeof apdu, &r);
		if (err == M2M_OK && (r.len < 2 || r.data[r.len - 2] != 0x90))
			err = M2M_ERR_STATE;
	}
	m2m_buf_free(&r);
	return err;
}

/* The bootstrap ISD-P: created, the personalised package installed, fall-back, enabled. */
static m2m_err bootstrap(m2m_farm_maker *m, const m2m_farm_init_cfg *cfg, uint64_t i,
			 m2m_euicc *e)
{
	uint8_t tar[3] = {0x00, 0x00, 0x10}, aid[M2M_EUICC_AID_SIZE];
	char iccid[21];
	m2m_euicc_events ev = {0};
	m2m_saip_error serr;
	m2m_buf der;
	uint16_t sw;
	int idx;
	m2m_err err;

	m2m_buf_init(&der);
	m2m_euicc_isdp_aid(tar, aid);
	err = m2m_farm_iccid_at(cfg->iccid_base, i, iccid);
	if (err == M2M_OK && (err = m2m_saip_set_iccid(&m->boot, iccid, false, &serr)) != M2M_OK)
		snprintf(m->why, sizeof m->why, "ICCID %s: %s", iccid, serr.msg);
	if (err == M2M_OK)
		err = m2m_saip_encode(&m->boot, &der);
	if (err != M2M_OK)
		goto out;
	err = M2M_ERR_STATE;
	sw = m2m_euicc_create_isdp(e, aid, sizeof aid, true, cfg->boot_mem, &ev);
	idx = m2m_euicc_find_isdp(e, aid, sizeof aid);
	if (sw != 0x9000 || idx < 0) {
		snprintf(m->why, sizeof m->why, "CreateISDP refused (%04X): memory?", sw);
		goto out;
	}
	err = m2m_euicc_isdp_install_package(e, idx, der.data, der.len);
	if (err != M2M_OK) {
		snprintf(m->why, sizeof m->why, "bootstrap package refused: %s",
			 m2m_strerror(err));
		goto out;
	}
	err = M2M_ERR_STATE;
	if (cfg->boot_fallback && m2m_euicc_set_fallback(e, aid, sizeof aid, &ev) != 0x9000)
		goto out;
	if (m2m_euicc_enable_profile(e, aid, sizeof aid, &ev) != 0x9000)
		goto out;
	err = confirm_all(e);
	m2m_euicc_session_end(e);
out:
	m2m_buf_free(&der);
	return err;
}

m2m_err m2m_farm_make_card(m2m_farm_maker *m, const m2m_farm_init_cfg *cfg, uint64_t i,
			   m2m_euicc **out, char msisdn[16])
{
	m2m_euicc_config c;
	m2m_euicc_keyset ks[M2M_EUICC_KEYSET_MAX];
	uint8_t eid[16], sk[32], ci[65];
	m2m_eckey *ecasd = NULL;
	m2m_euicc *e = NULL;
	m2m_buf cert;
	m2m_err err;

	*out = NULL;
	m2m_buf_init(&cert);
	memset(ks, 0, sizeof ks);
	err = m2m_farm_eid_at(cfg->first_eid, i, eid);
	if (err == M2M_OK)
		err = m2m_farm_digits_add(cfg->msisdn_base, i, msisdn, 16);
	if (err != M2M_OK)
		snprintf(m->why, sizeof m->why, "device %llu: EID or MSISDN out of range",
			 (unsigned long long)i);
	if (err == M2M_OK)
		err = base_config(cfg, eid, &c, ks, sk, ci, &cert, &ecasd);
	if (err == M2M_OK)
		err = m2m_euicc_create(&c, &e);
	if (err == M2M_OK)
		err = bootstrap(m, cfg, i, e);
	if (err == M2M_OK) {
		*out = e;
		e = NULL;
	}
	m2m_euicc_free(e);
	m2m_ec_free(ecasd);
	m2m_wipe(sk, sizeof sk);
	m2m_wipe(ks, sizeof ks);
	m2m_buf_free(&cert);
	return err;
}
