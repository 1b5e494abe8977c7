/* Notifications by SMS (sgp02-facts.md 2.3, sgp02-bearers.md 1.5): an SCP80 command packet
 * from the ISD-R to the SM-SR, CC only (SPI 02 00), counter 0, the E1 TLV as secured data,
 * in SMS-SUBMIT parts with the command packet identifier (UDH 02 70 00). */
#include <string.h>

#include "core/tlv.h"
#include "euicc/ota.h"

/* A3 value: 81 = the SMS destination address, read as a TS 23.040 address (the only trace,
 * whty's `81 05 06 85 214365`, has that shape). */
bool m2m_euicc_ota_smsr_address(const m2m_euicc *e, m2m_sms_addr *addr)
{
	m2m_tlv t;
	m2m_rd r;

	if (e->smsr_params_len == 0 ||
	    m2m_tlv_find(e->smsr_params, e->smsr_params_len, M2M_TLV_BER, 0x81, &t) != M2M_OK)
		return false;
	m2m_rd_init(&r, t.value, t.len);
	return m2m_sms_addr_decode(&r, addr) == M2M_OK && m2m_rd_left(&r) == 0 &&
	       addr->digits[0] != '\0';
}

/* The lowest SCP80 key set that can compute a CC. */
static const m2m_euicc_keyset *notif_keyset(m2m_euicc *e)
{
	for (uint8_t kvn = 0x01; kvn <= 0x0F; kvn++) {
		const m2m_euicc_keyset *ks = m2m_euicc_find_keyset(e, kvn);
		m2m_scp80_keys k;
		bool ok = ks != NULL && m2m_euicc_ota_keys(e, kvn, &k);

		if (ok)
			m2m_scp80_keys_wipe(&k);
		if (ok)
			return ks;
	}
	return NULL;
}

m2m_err m2m_euicc_ota_notification(m2m_euicc *e, m2m_euicc_ota *ota, m2m_euicc_ota_out *out)
{
	const m2m_euicc_keyset *ks;
	m2m_scp80_hdr hdr;
	m2m_scp80_keys keys;
	m2m_sms_addr da;
	m2m_buf e1, pkt;
	int i;
	m2m_err err = M2M_ERR_ARG;

	memset(&keys, 0, sizeof keys);
	m2m_buf_init(&e1);
	m2m_buf_init(&pkt);
	if (e == NULL || ota == NULL || out == NULL)
		goto out;
	m2m_euicc_ota_out_reset(out);
	err = M2M_ERR_STATE;
	i = m2m_euicc_notif_oldest(e);
	if (!m2m_euicc_ota_smsr_address(e, &da))
		da = ota->smsr_default;
	if (i < 0 || da.digits[0] == '\0' || (ks = notif_keyset(e)) == NULL ||
	    !m2m_euicc_ota_keys(e, ks->kvn, &keys))
		goto out;
	memset(&hdr, 0, sizeof hdr);
	hdr.spi[0] = M2M_SCP80_CHK_CC; /* CC, no ciphering, no counter */
	hdr.kic = (uint8_t)(ks->kvn << 4);
	hdr.kid = (uint8_t)(ks->kvn << 4 | ks->kid_alg);
	hdr.tar[2] = 0x01;
	if ((err = m2m_euicc_notif_encode(e, i, NULL, 0, &e1)) != M2M_OK ||
	    (err = m2m_scp80_wrap(&hdr, &keys, e1.data, e1.len, &pkt)) != M2M_OK)
		goto out;
	err = m2m_euicc_ota_mo(ota, M2M_SMS_IEI_CPI, &da, pkt.data, pkt.len, out);
out:
	m2m_scp80_keys_wipe(&keys);
	m2m_buf_free(&e1);
	m2m_buf_free(&pkt);
	return err;
}
