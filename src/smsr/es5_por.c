/* The way back over SMS: the UDH of a TP-UD, and the PoR (SCP80 response packet) opened and
 * matched to the command packet it answers. */
#include <string.h>

#include "card/sms.h"
#include "smsr/es5_pack.h"

#define RHL_UNSECURED 0x0A /* RHL of a PoR without RC/CC/DS */
#define RSP_HDR_LEN 6      /* RPL(2) RHL(1) TAR(3) */

static m2m_err ud_concat(const m2m_sms_ie *e, m2m_es5_ud *out)
{
	out->ref16 = e->iei == M2M_SMS_IEI_CONCAT16;
	if (out->concat || e->len != (out->ref16 ? 4 : 3))
		return M2M_ERR_FORMAT;
	out->concat = true;
	out->ref = out->ref16 ? (uint16_t)(e->value[0] << 8 | e->value[1]) : e->value[0];
	out->total = e->value[e->len - 2];
	out->seq = e->value[e->len - 1];
	return out->total == 0 || out->seq == 0 || out->seq > out->total ? M2M_ERR_FORMAT : M2M_OK;
}

m2m_err m2m_es5_ud_parse(const uint8_t *ud, size_t n, m2m_es5_ud *out)
{
	m2m_sms_ie ies[16];
	size_t count = 0;
	m2m_err err = M2M_ERR_ARG;

	if (ud == NULL || out == NULL)
		return err;
	memset(out, 0, sizeof *out);
	out->total = out->seq = 1;
	if (n == 0 || n > M2M_SMS_UD_MAX)
		return M2M_ERR_FORMAT;
	err = m2m_sms_udh_parse(ud, n, ies, 16, &count, &out->payload, &out->payload_len);
	if (err != M2M_OK)
		return M2M_ERR_FORMAT;
	for (size_t i = 0; i < count && err == M2M_OK; i++) {
		if (ies[i].iei == M2M_SMS_IEI_CPI || ies[i].iei == M2M_SMS_IEI_RPI)
			err = out->iei != 0 || ies[i].len != 0 ? M2M_ERR_FORMAT : M2M_OK;
		if (ies[i].iei == M2M_SMS_IEI_CPI || ies[i].iei == M2M_SMS_IEI_RPI)
			out->iei = ies[i].iei;
		else if (ies[i].iei == M2M_SMS_IEI_CONCAT8 || ies[i].iei == M2M_SMS_IEI_CONCAT16)
			err = ud_concat(&ies[i], out);
	}
	return err;
}

/* RHL the PoR has when it carries the RC/CC SPI2 asks for. */
static m2m_err expected_rhl(const m2m_scp80_hdr *cmd, size_t *rhl)
{
	size_t chk = 0;
	m2m_err err = m2m_scp80_check_len((cmd->spi[1] >> M2M_SCP80_SPI2_CHK_SHIFT) & 3, cmd->kid,
					  &chk);

	*rhl = RHL_UNSECURED + chk;
	return err;
}

m2m_err m2m_es5_por_open(const m2m_scp80_hdr *cmd, const m2m_scp80_keys *keys,
			 const uint8_t *pkt, size_t n, m2m_es5_por *por, m2m_buf *data)
{
	uint8_t spi[2];
	m2m_scp80_rsp rsp;
	size_t rhl = 0, start;
	m2m_err err = M2M_ERR_ARG;

	if (cmd == NULL || keys == NULL || pkt == NULL || por == NULL || data == NULL)
		return err;
	memset(por, 0, sizeof *por);
	start = data->len;
	if (n < RSP_HDR_LEN)
		return M2M_ERR_BOUNDS;
	err = expected_rhl(cmd, &rhl);
	if (err != M2M_OK)
		return err;
	memcpy(spi, cmd->spi, 2);
	por->secured = pkt[2] == rhl;
	/* The card answers a refused packet without RC/CC and ciphering (docs/euicc.md). */
	if (!por->secured && pkt[2] == RHL_UNSECURED)
		spi[1] &= (uint8_t)~((3u << M2M_SCP80_SPI2_CHK_SHIFT) | M2M_SCP80_SPI2_CIPHER);
	else if (!por->secured)
		return M2M_ERR_FORMAT;
	err = m2m_scp80_unwrap_response(spi, cmd->kic, cmd->kid, keys, pkt, n, &rsp, data);
	/* Nothing unauthenticated may claim success or carry a response script. */
	if (err == M2M_OK && !por->secured && rhl != RHL_UNSECURED &&
	    (rsp.status == 0x00 || data->len != start))
		err = M2M_ERR_VERIFY;
	if (err != M2M_OK) {
		data->len = start;
		return err;
	}
	memcpy(por->tar, rsp.tar, 3);
	por->counter = rsp.counter;
	por->status = rsp.status;
	/* With no RC/CC asked for, nothing is authenticated: the caller relies on matching. */
	if (rhl == RHL_UNSECURED)
		por->secured = false;
	return M2M_OK;
}

bool m2m_es5_por_matches(const m2m_es5_por *por, const m2m_scp80_hdr *cmd)
{
	if (por == NULL || cmd == NULL || memcmp(por->tar, cmd->tar, 3) != 0)
		return false;
	if (por->counter == cmd->counter)
		return true;
	/* Refused before the counter was read: the card echoes 0. */
	return !por->secured && por->counter == 0 && por->status != 0x00;
}
