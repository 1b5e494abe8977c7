/* SMS-PP DOWNLOAD: the ENVELOPE, its SMS-DELIVER and the reassembly of concatenated parts,
 * up to one complete SCP80 command packet (ota_packet.c takes it from there). */
#include <string.h>

#include "card/envelope.h"
#include "euicc/ota.h"

/* TS 31.111 hands the card PID 7F class 2 messages; SCP80 needs 8-bit data. F6 (message
 * class form) and 16 (general form) both say 8-bit class 2. */
static bool dcs_ok(uint8_t dcs)
{
	if ((dcs & 0xF0) == 0xF0)
		return (dcs & 0x07) == 0x06;
	return (dcs & 0xC0) == 0x00 && (dcs & 0x1F) == 0x16;
}

/* Feeds one TP-UD to the reassembler. A part of another packet while one is pending means
 * the pending one will not complete (the SM-SR moved on): it is dropped. */
static m2m_err reassemble(m2m_euicc_ota *ota, const m2m_sms_tpdu *t, m2m_buf *pkt,
			  uint8_t *iei, bool *done)
{
	m2m_err err = m2m_sms_reasm_add(&ota->reasm, t->ud, t->ud_len, pkt, iei, done);

	if (err == M2M_ERR_STATE) {
		m2m_sms_reasm_free(&ota->reasm);
		err = m2m_sms_reasm_add(&ota->reasm, t->ud, t->ud_len, pkt, iei, done);
	}
	return err;
}

m2m_err m2m_euicc_ota_envelope(m2m_euicc *e, m2m_euicc_ota *ota, const uint8_t *envelope,
			       size_t n, m2m_buf *response, m2m_euicc_ota_out *out)
{
	m2m_envelope_sms_pp env;
	m2m_sms_tpdu t;
	m2m_buf pkt;
	uint8_t iei = 0;
	bool done = false;
	m2m_err err = M2M_ERR_ARG;

	m2m_buf_init(&pkt);
	if (e == NULL || ota == NULL || response == NULL || out == NULL ||
	    (envelope == NULL && n > 0))
		goto out;
	m2m_euicc_ota_out_reset(out);
	err = M2M_OK;
	if (m2m_envelope_sms_pp_decode(envelope, n, &env) != M2M_OK ||
	    m2m_sms_deliver_decode(env.tpdu, env.tpdu_len, &t) != M2M_OK) {
		out->sw = M2M_EUICC_OTA_SW_WRONG_DATA;
		goto out;
	}
	/* Not an SCP80 data download (no UDH, other PID or coding): nothing for the ISD-R. */
	if (t.pid != M2M_SMS_PID_SIM_DL || !dcs_ok(t.dcs) || !t.udhi)
		goto out;
	if (reassemble(ota, &t, &pkt, &iei, &done) != M2M_OK) {
		m2m_sms_reasm_free(&ota->reasm);
		goto out;
	}
	if (done && iei == M2M_SMS_IEI_CPI)
		err = m2m_euicc_ota_packet(e, ota, pkt.data, pkt.len, &t.addr, response, out);
out:
	m2m_buf_free(&pkt);
	return err;
}
