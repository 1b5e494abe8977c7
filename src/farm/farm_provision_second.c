/* The optional second profile of a farm device (farm_provision.h): the package personalised
 * with the device's second ICCID, in ISD-P TAR 000011, installed and disabled. No
 * notification is queued: creating and installing an ISD-P reports nothing to the SM-SR. */
#include <stdio.h>
#include <string.h>

#include "euicc/uicc.h"
#include "farm/farm_ids.h"
#include "farm/farm_provision.h"
#include "saip/personalise.h"

m2m_err m2m_farm_second_init(m2m_farm_maker *m, const m2m_farm_init_cfg *cfg)
{
	m2m_saip_error serr;
	m2m_err err;

	m2m_saip_pkg_init(&m->second);
	m->has_second = true; /* so that free releases what a failed decode kept */
	if (cfg->second == NULL)
		return M2M_OK;
	err = m2m_saip_decode(cfg->second, cfg->second_len, &m->second, &serr);
	if (err != M2M_OK)
		snprintf(m->why, sizeof m->why, "second package: element %zu (%s): %s",
			 serr.index, serr.type, serr.msg);
	return err;
}

void m2m_farm_second_free(m2m_farm_maker *m)
{
	if (m->has_second)
		m2m_saip_pkg_free(&m->second);
	m->has_second = false;
}

m2m_err m2m_farm_second_install(m2m_farm_maker *m, const m2m_farm_init_cfg *cfg, uint64_t i,
				m2m_euicc *e)
{
	uint8_t tar[3] = {0x00, 0x00, 0x11}, aid[M2M_EUICC_AID_SIZE];
	m2m_euicc_events ev = {0};
	m2m_saip_error serr;
	char iccid[21];
	m2m_buf der;
	uint16_t sw;
	int idx;
	m2m_err err;

	if (cfg->second == NULL)
		return M2M_OK;
	m2m_buf_init(&der);
	m2m_euicc_isdp_aid(tar, aid);
	err = m2m_farm_iccid_at(cfg->second_iccid_base, i, iccid);
	if (err == M2M_OK &&
	    (err = m2m_saip_set_iccid(&m->second, iccid, false, &serr)) != M2M_OK)
		snprintf(m->why, sizeof m->why, "second ICCID %s: %s", iccid, serr.msg);
	if (err == M2M_OK)
		err = m2m_saip_encode(&m->second, &der);
	if (err != M2M_OK)
		goto out;
	err = M2M_ERR_STATE;
	sw = m2m_euicc_create_isdp(e, aid, sizeof aid, false, 0, &ev);
	idx = m2m_euicc_find_isdp(e, aid, sizeof aid);
	if (sw != 0x9000 || idx < 0) {
		snprintf(m->why, sizeof m->why, "second CreateISDP refused (%04X): memory?", sw);
		goto out;
	}
	err = m2m_euicc_isdp_install_package(e, idx, der.data, der.len);
	if (err != M2M_OK)
		snprintf(m->why, sizeof m->why, "second package refused: %s", m2m_strerror(err));
	m2m_euicc_session_end(e);
out:
	m2m_buf_free(&der);
	return err;
}
