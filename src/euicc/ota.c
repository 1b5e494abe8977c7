/* The OTA front end's life cycle, key look-up, APDU routing and MO SMS building. */
#include <string.h>

#include "euicc/mno_int.h"
#include "euicc/ota.h"

void m2m_euicc_ota_init(m2m_euicc_ota *ota, const m2m_sms_addr *smsr_default)
{
	memset(ota, 0, sizeof *ota);
	m2m_sms_reasm_init(&ota->reasm);
	if (smsr_default != NULL)
		ota->smsr_default = *smsr_default;
	/* The card default seen in the whty logs when the trigger has no 8C. */
	strcpy(ota->scp81_default_uri, "/polling");
}

void m2m_euicc_ota_free(m2m_euicc_ota *ota)
{
	if (ota == NULL)
		return;
	m2m_sms_reasm_free(&ota->reasm);
	m2m_wipe(&ota->scp81, sizeof ota->scp81);
}

void m2m_euicc_ota_out_init(m2m_euicc_ota_out *out)
{
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < M2M_EUICC_OTA_MO_MAX; i++)
		m2m_buf_init(&out->mo[i]);
	out->sw = M2M_EUICC_OTA_SW_OK;
	out->por_status = 0xFF;
}

void m2m_euicc_ota_out_reset_mo(m2m_euicc_ota_out *out)
{
	for (size_t i = 0; i < M2M_EUICC_OTA_MO_MAX; i++)
		m2m_buf_reset(&out->mo[i]);
	out->mo_count = 0;
}

void m2m_euicc_ota_out_reset(m2m_euicc_ota_out *out)
{
	m2m_euicc_ota_out_reset_mo(out);
	out->sw = M2M_EUICC_OTA_SW_OK;
	out->por_sent = out->scp81_open = out->scp81_done = false;
	out->por_status = 0xFF;
}

void m2m_euicc_ota_out_free(m2m_euicc_ota_out *out)
{
	if (out == NULL)
		return;
	for (size_t i = 0; i < M2M_EUICC_OTA_MO_MAX; i++)
		m2m_buf_free(&out->mo[i]);
	out->mo_count = 0;
}

static const m2m_euicc_key *find_key(const m2m_euicc_keyset *ks, uint8_t id)
{
	for (size_t i = 0; i < ks->nkeys; i++)
		if (ks->key[i].id == id && ks->key[i].type == M2M_EUICC_KEYTYPE_AES)
			return &ks->key[i];
	return NULL;
}

bool m2m_euicc_ota_keys(m2m_euicc *e, uint8_t kvn, m2m_scp80_keys *keys)
{
	const m2m_euicc_keyset *ks;
	const m2m_euicc_key *kic, *kid;
	bool ok = false;

	memset(keys, 0, sizeof *keys);
	if (kvn < 0x01 || kvn > 0x0F || (ks = m2m_euicc_find_keyset(e, kvn)) == NULL)
		goto out;
	kic = find_key(ks, 0x01);
	kid = find_key(ks, 0x02);
	if (kid == NULL || m2m_scp80_key_set(&keys->kid, kid->value, kid->len) != M2M_OK)
		goto out;
	/* A set without KIc can still check a CC; a ciphered packet then fails to open. */
	if (kic != NULL && m2m_scp80_key_set(&keys->kic, kic->value, kic->len) != M2M_OK)
		goto out;
	ok = true;
out:
	if (!ok)
		m2m_scp80_keys_wipe(keys);
	return ok;
}

m2m_err m2m_euicc_ota_route_apdu(m2m_euicc *e, const m2m_euicc_ota *ota, int target,
				 const uint8_t *capdu, size_t n, m2m_buf *rapdu,
				 m2m_euicc_events *ev)
{
	if (target == M2M_EUICC_OTA_TARGET_ISDR)
		return m2m_euicc_isdr_apdu_ev(e, capdu, n, rapdu, ev);
	if (target <= M2M_EUICC_OTA_TARGET_MNO_SD)
		return euicc_mno_apdu(e, target, capdu, n, rapdu, ev);
	/* The target was checked when the packet or response was routed. */
	if (ota->isdp_apdu == NULL)
		return m2m_buf_append_u16be(rapdu, 0x6999);
	return ota->isdp_apdu(e, target, capdu, n, rapdu, ev);
}

m2m_err m2m_euicc_ota_mo(m2m_euicc_ota *ota, uint8_t iei, const m2m_sms_addr *da,
			 const uint8_t *pkt, size_t n, m2m_euicc_ota_out *out)
{
	m2m_buf parts[M2M_EUICC_OTA_MO_MAX];
	size_t count = 0;
	m2m_sms_tpdu t;
	m2m_err err;

	for (size_t i = 0; i < M2M_EUICC_OTA_MO_MAX; i++)
		m2m_buf_init(&parts[i]);
	err = m2m_sms_segment(iei, pkt, n, (uint8_t)ota->mo_ref, false, parts,
			      M2M_EUICC_OTA_MO_MAX - out->mo_count, &count);
	if (err != M2M_OK)
		goto out;
	if (count > 1)
		ota->mo_ref++;
	memset(&t, 0, sizeof t);
	t.addr = *da;
	t.pid = M2M_SMS_PID_SIM_DL;
	t.dcs = M2M_SMS_DCS_CLASS2_8BIT;
	t.udhi = true;
	for (size_t i = 0; i < count && err == M2M_OK; i++) {
		t.mr = ota->mr++;
		t.ud = parts[i].data;
		t.ud_len = parts[i].len;
		t.udl = (uint8_t)parts[i].len;
		m2m_buf_reset(&out->mo[out->mo_count]);
		err = m2m_sms_submit_encode(&t, &out->mo[out->mo_count]);
		if (err == M2M_OK)
			out->mo_count++;
	}
out:
	for (size_t i = 0; i < M2M_EUICC_OTA_MO_MAX; i++)
		m2m_buf_free(&parts[i]);
	return err;
}
