/*
 * STORE DATA (80 E2) in DGI format: block chaining and the split into units.
 *
 * P1 b8 = last block, b5b4 = 01 (DGI), b7b6 = 00 (no encryption); P2 = block number, 00 for
 * the first block of a chain. Bytes accumulate across blocks; each complete unit is handled
 * as soon as it is there, because key establishment needs the answer to 3A01 (block 0, not
 * last) before the host can build 3A02 (block 1, last). A unit is one DGI, except 3A02 which
 * carries its 7F49 and 5F37 TLVs after the DGI. A unit left incomplete at the last block is
 * an error (6A80).
 */
#include <string.h>

#include "core/tlv.h"
#include "euicc/euicc_int.h"

#define SD_MAX 4096 /* bytes buffered across a chain */
#define DGI_KEYEST_SD1 0x3A01
#define DGI_KEYEST_SD2 0x3A02
#define DGI_ENABLE 0x3A03
#define DGI_DISABLE 0x3A04
#define DGI_FALLBACK 0x3A05
#define DGI_SMSR_PARAMS 0x3A07
#define DGI_NOTIF_CONFIRM 0x3A08
#define DGI_EMERGENCY 0x3A09 /* [M]: no public encoding, next free 3A0x */

/* DGI header: tag(2) then length 00-FE or FF xx xx. M2M_ERR_TLV_TRUNCATED: need more bytes. */
static m2m_err dgi_header(const uint8_t *p, size_t n, uint16_t *dgi, size_t *hdr, size_t *len)
{
	if (n < 3)
		return M2M_ERR_TLV_TRUNCATED;
	*dgi = (uint16_t)(p[0] << 8 | p[1]);
	if (p[2] != 0xFF) {
		*hdr = 3;
		*len = p[2];
		return M2M_OK;
	}
	if (n < 5)
		return M2M_ERR_TLV_TRUNCATED;
	*hdr = 5;
	*len = (size_t)p[3] << 8 | p[4];
	return M2M_OK;
}

/* One BER-TLV with the given tag at p: its size, or TRUNCATED while incomplete. */
static m2m_err tlv_after(const uint8_t *p, size_t n, uint32_t tag, size_t *size)
{
	m2m_tlv t;
	m2m_err err;

	if (n == 0)
		return M2M_ERR_TLV_TRUNCATED;
	err = m2m_tlv_decode(p, n, M2M_TLV_DER, &t, NULL);
	if (err == M2M_ERR_TLV_OVERRUN)
		err = M2M_ERR_TLV_TRUNCATED;
	if (err == M2M_OK && t.tag != tag)
		err = M2M_ERR_FORMAT;
	if (err == M2M_OK)
		*size = t.size;
	return err;
}

static m2m_err unit_size(const uint8_t *p, size_t n, uint16_t *dgi, size_t *hdr, size_t *len,
			 size_t *size)
{
	size_t pk = 0, sig = 0;
	m2m_err err = dgi_header(p, n, dgi, hdr, len);

	if (err != M2M_OK)
		return err;
	*size = *hdr + *len;
	if (*size > n)
		return M2M_ERR_TLV_TRUNCATED;
	if (*dgi != DGI_KEYEST_SD2)
		return M2M_OK;
	err = tlv_after(p + *size, n - *size, 0x7F49, &pk);
	if (err == M2M_OK)
		err = tlv_after(p + *size + pk, n - *size - pk, 0x5F37, &sig);
	if (err == M2M_OK)
		*size += pk + sig;
	return err;
}

static uint16_t smsr_params(euicc_cmd *c, const uint8_t *value, size_t len)
{
	m2m_tlv t;

	if (m2m_tlv_decode_one(value, len, M2M_TLV_DER, &t, NULL) != M2M_OK || t.tag != 0xA3 ||
	    t.len == 0 || t.len > M2M_EUICC_SMSR_PARAMS_MAX ||
	    m2m_tlv_validate(t.value, t.len, M2M_TLV_DER, NULL) != M2M_OK)
		return SW_WRONG_DATA;
	memcpy(c->e->smsr_params, t.value, t.len);
	c->e->smsr_params_len = t.len;
	euicc_ev(c->ev, false, false);
	return SW_OK;
}

typedef uint16_t (*aid_op)(m2m_euicc *, const uint8_t *, size_t, m2m_euicc_events *);

static uint16_t with_aid(euicc_cmd *c, aid_op op, const uint8_t *value, size_t len)
{
	const uint8_t *aid = NULL;
	size_t aid_len = 0;
	uint16_t sw = euicc_4f(value, len, &aid, &aid_len);

	return sw == SW_OK ? op(c->e, aid, aid_len, c->ev) : sw;
}

uint16_t euicc_dgi(euicc_cmd *c, uint16_t dgi, const uint8_t *unit, size_t unit_len,
		   const uint8_t *value, size_t len)
{
	if (dgi == DGI_KEYEST_SD1)
		return euicc_keyest_sd1(c, unit, unit_len);
	if (dgi == DGI_KEYEST_SD2)
		return euicc_keyest_sd2(c, unit, unit_len);
	/* After INSTALL [for personalization] of an ISD-P only key establishment goes there. */
	if (c->e->s.perso >= 0)
		return SW_WRONG_DATA;
	switch (dgi) {
	case DGI_ENABLE:
		return with_aid(c, m2m_euicc_enable_profile, value, len);
	case DGI_DISABLE:
		return with_aid(c, m2m_euicc_disable_profile, value, len);
	case DGI_FALLBACK:
		return with_aid(c, m2m_euicc_set_fallback, value, len);
	case DGI_EMERGENCY:
		return with_aid(c, m2m_euicc_set_emergency, value, len);
	case DGI_SMSR_PARAMS:
		return smsr_params(c, value, len);
	case DGI_NOTIF_CONFIRM:
		return euicc_notif_confirm(c, value, len);
	default:
		return SW_WRONG_DATA;
	}
}

/* Handles every complete unit at the front of the buffer and drops its bytes. */
static uint16_t process_units(euicc_cmd *c, bool last)
{
	m2m_buf *sd = &c->e->s.sd;
	size_t off = 0, hdr = 0, len = 0, size = 0;
	uint16_t dgi = 0, sw = SW_OK;
	m2m_err err = M2M_OK;

	while (sw == SW_OK && off < sd->len) {
		err = unit_size(sd->data + off, sd->len - off, &dgi, &hdr, &len, &size);
		if (err != M2M_OK)
			break;
		sw = euicc_dgi(c, dgi, sd->data + off, size, sd->data + off + hdr, len);
		off += size;
	}
	if (sw == SW_OK && err != M2M_OK && (last || err != M2M_ERR_TLV_TRUNCATED))
		sw = SW_WRONG_DATA;
	/* unit_size never reports a unit past the end, so off <= sd->len. */
	if (off > 0) {
		memmove(sd->data, sd->data + off, sd->len - off);
		sd->len -= off;
	}
	return sw;
}

static void chain_end(m2m_euicc *e)
{
	m2m_wipe(e->s.sd.data, e->s.sd.len);
	m2m_buf_reset(&e->s.sd);
	e->s.sd_chain = false;
	e->s.sd_block = 0;
	/* The last block also ends the personalization of INSTALL [for personalization]. */
	e->s.perso = -1;
}

uint16_t euicc_store_data(euicc_cmd *c)
{
	m2m_euicc_session *s = &c->e->s;
	bool last = (c->a->p1 & 0x80) != 0;
	uint16_t sw = SW_WRONG_P1P2;

	if ((c->a->p1 & 0x78) != 0x08 || c->a->p2 != (s->sd_chain ? s->sd_block : 0) ||
	    (!last && c->a->p2 == 0xFF))
		goto out;
	sw = SW_WRONG_DATA;
	if (c->a->len == 0 || s->sd.len + c->a->len > SD_MAX)
		goto out;
	c->err = m2m_buf_append(&s->sd, c->a->data, c->a->len);
	if (c->err != M2M_OK)
		goto out;
	sw = process_units(c, last);
	if (sw == SW_OK && !last) {
		s->sd_chain = true;
		s->sd_block++;
	}
out:
	if (sw != SW_OK || last)
		chain_end(c->e);
	return sw;
}
