/* SMS-DELIVER-REPORT TPDUs (3GPP TS 23.040 9.2.2.1a): the PoR path when SPI2 b6 is 0. */
#include <string.h>

#include "card/sms.h"

#define MTI_MASK 0x03
#define PI_KNOWN (M2M_SMS_PI_PID | M2M_SMS_PI_DCS | M2M_SMS_PI_UDL)

static bool ud_is_7bit(const m2m_sms_report *r)
{
	/* An absent TP-DCS means the default alphabet (TS 23.040 9.2.3.27). */
	return !(r->pi & M2M_SMS_PI_DCS) || m2m_sms_dcs_is_7bit(r->dcs);
}

m2m_err m2m_sms_report_encode(const m2m_sms_report *r, m2m_buf *out)
{
	if (r == NULL || out == NULL || (r->pi & ~PI_KNOWN) != 0)
		return M2M_ERR_ARG;
	bool has_ud = (r->pi & M2M_SMS_PI_UDL) != 0;
	if (has_ud && ud_is_7bit(r))
		return M2M_ERR_UNSUPPORTED;
	if (has_ud && (r->ud_len > M2M_SMS_UD_MAX || (r->ud == NULL && r->ud_len > 0)))
		return M2M_ERR_ARG;
	size_t mark = out->len;
	uint8_t first = (uint8_t)(M2M_SMS_MTI_DELIVER | (r->udhi ? M2M_SMS_UDHI : 0));
	m2m_err err = m2m_buf_append_u8(out, first);
	if (err == M2M_OK && r->error)
		err = m2m_buf_append_u8(out, r->fcs);
	if (err == M2M_OK)
		err = m2m_buf_append_u8(out, r->pi);
	if (err == M2M_OK && (r->pi & M2M_SMS_PI_PID))
		err = m2m_buf_append_u8(out, r->pid);
	if (err == M2M_OK && (r->pi & M2M_SMS_PI_DCS))
		err = m2m_buf_append_u8(out, r->dcs);
	if (err == M2M_OK && has_ud)
		err = m2m_buf_append_u8(out, (uint8_t)r->ud_len);
	if (err == M2M_OK && has_ud)
		err = m2m_buf_append(out, r->ud, r->ud_len);
	if (err != M2M_OK)
		out->len = mark;
	return err;
}

/* TP-PI may be followed by extension octets (b8 set); their bits are reserved: skip them. */
static m2m_err read_pi(m2m_rd *rd, uint8_t *pi)
{
	uint8_t ext = 0;
	m2m_err err = m2m_rd_u8(rd, pi);
	for (uint8_t b = *pi; err == M2M_OK && (b & 0x80); b = ext)
		err = m2m_rd_u8(rd, &ext);
	*pi &= PI_KNOWN;
	return err;
}

m2m_err m2m_sms_report_decode(const uint8_t *p, size_t n, bool error, m2m_sms_report *r)
{
	m2m_rd rd;
	uint8_t first, udl = 0;
	memset(r, 0, sizeof *r);
	m2m_rd_init(&rd, p, n);
	m2m_err err = m2m_rd_u8(&rd, &first);
	if (err == M2M_OK && (first & MTI_MASK) != M2M_SMS_MTI_DELIVER)
		err = M2M_ERR_FORMAT;
	r->error = error;
	r->udhi = (first & M2M_SMS_UDHI) != 0;
	if (err == M2M_OK && error)
		err = m2m_rd_u8(&rd, &r->fcs);
	if (err == M2M_OK)
		err = read_pi(&rd, &r->pi);
	if (err == M2M_OK && (r->pi & M2M_SMS_PI_PID))
		err = m2m_rd_u8(&rd, &r->pid);
	if (err == M2M_OK && (r->pi & M2M_SMS_PI_DCS))
		err = m2m_rd_u8(&rd, &r->dcs);
	if (err == M2M_OK && (r->pi & M2M_SMS_PI_UDL))
		err = m2m_rd_u8(&rd, &udl);
	if (err != M2M_OK)
		return err == M2M_ERR_BOUNDS ? M2M_ERR_FORMAT : err;
	r->ud_len = (r->pi & M2M_SMS_PI_UDL) && ud_is_7bit(r) ? (udl * 7u + 7) / 8 : udl;
	if (r->ud_len > M2M_SMS_UD_MAX || m2m_rd_take(&rd, r->ud_len, &r->ud) != M2M_OK ||
	    m2m_rd_left(&rd) != 0)
		return M2M_ERR_FORMAT;
	return M2M_OK;
}
