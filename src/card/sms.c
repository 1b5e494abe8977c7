/* SMS TPDUs, user data headers and concatenation (3GPP TS 23.040, TS 31.115). */
#include <string.h>

#include "card/sms.h"

static const char bcd_digits[] = "0123456789*#abc";

static int digit_value(char c)
{
	const char *p = c != '\0' ? strchr(bcd_digits, c) : NULL;
	if (p == NULL && c >= 'A' && c <= 'C')
		p = strchr(bcd_digits, c - 'A' + 'a');
	return p != NULL ? (int)(p - bcd_digits) : -1;
}

m2m_err m2m_sms_bcd_encode(const char *digits, m2m_buf *out)
{
	size_t n = strlen(digits);
	m2m_err err = M2M_OK;
	for (size_t i = 0; i < n && err == M2M_OK; i += 2) {
		int lo = digit_value(digits[i]);
		int hi = i + 1 < n ? digit_value(digits[i + 1]) : 0x0F;
		if (lo < 0 || hi < 0)
			return M2M_ERR_ARG;
		err = m2m_buf_append_u8(out, (uint8_t)(hi << 4 | lo));
	}
	return err;
}

m2m_err m2m_sms_bcd_decode(const uint8_t *p, size_t n, size_t max_digits, char *digits,
			   size_t cap)
{
	size_t k = 0;
	if (cap == 0)
		return M2M_ERR_BOUNDS;
	for (size_t i = 0; i < n * 2 && k < max_digits; i++) {
		unsigned v = i % 2 == 0 ? p[i / 2] & 0x0F : p[i / 2] >> 4;
		if (v == 0x0F) {
			if (i != n * 2 - 1)
				return M2M_ERR_FORMAT; /* a filler is only allowed at the very end */
			break;
		}
		if (k + 1 >= cap)
			return M2M_ERR_BOUNDS;
		digits[k++] = bcd_digits[v];
	}
	digits[k] = '\0';
	return M2M_OK;
}

m2m_err m2m_sms_addr_encode(const m2m_sms_addr *a, m2m_buf *out)
{
	size_t n = strnlen(a->digits, sizeof a->digits);
	m2m_err err;
	if (n > M2M_SMS_ADDR_MAX_DIGITS)
		return M2M_ERR_ARG;
	if ((err = m2m_buf_append_u8(out, (uint8_t)n)) != M2M_OK ||
	    (err = m2m_buf_append_u8(out, a->ton_npi)) != M2M_OK)
		return err;
	return m2m_sms_bcd_encode(a->digits, out);
}

m2m_err m2m_sms_addr_decode(m2m_rd *r, m2m_sms_addr *a)
{
	uint8_t n;
	const uint8_t *p;
	m2m_err err;
	memset(a, 0, sizeof *a);
	if ((err = m2m_rd_u8(r, &n)) != M2M_OK || (err = m2m_rd_u8(r, &a->ton_npi)) != M2M_OK)
		return err;
	if (n > M2M_SMS_ADDR_MAX_DIGITS)
		return M2M_ERR_FORMAT;
	if ((err = m2m_rd_take(r, (n + 1u) / 2, &p)) != M2M_OK)
		return err;
	return m2m_sms_bcd_decode(p, (n + 1u) / 2, n, a->digits, sizeof a->digits);
}

static uint8_t swap_bcd(unsigned v)
{
	return (uint8_t)((v % 10) << 4 | (v / 10) % 10);
}

static int unswap_bcd(uint8_t b)
{
	unsigned lo = b & 0x0F, hi = b >> 4;
	return lo > 9 || hi > 9 ? -1 : (int)(lo * 10 + hi);
}

m2m_err m2m_sms_scts_encode(const m2m_sms_time *t, uint8_t out[7])
{
	if (t->year > 99 || t->month < 1 || t->month > 12 || t->day < 1 || t->day > 31 ||
	    t->hour > 23 || t->minute > 59 || t->second > 59 || t->tz < -79 || t->tz > 79)
		return M2M_ERR_ARG;
	unsigned tz = (unsigned)(t->tz < 0 ? -t->tz : t->tz);
	out[0] = swap_bcd(t->year);
	out[1] = swap_bcd(t->month);
	out[2] = swap_bcd(t->day);
	out[3] = swap_bcd(t->hour);
	out[4] = swap_bcd(t->minute);
	out[5] = swap_bcd(t->second);
	out[6] = (uint8_t)(swap_bcd(tz) | (t->tz < 0 ? 0x08 : 0)); /* sign: bit 3 */
	return M2M_OK;
}

m2m_err m2m_sms_scts_decode(const uint8_t in[7], m2m_sms_time *t)
{
	int v[7];
	for (int i = 0; i < 6; i++)
		if ((v[i] = unswap_bcd(in[i])) < 0)
			return M2M_ERR_FORMAT;
	v[6] = unswap_bcd(in[6] & 0xF7);
	if (v[6] < 0)
		return M2M_ERR_FORMAT;
	t->year = (unsigned)v[0];
	t->month = (unsigned)v[1];
	t->day = (unsigned)v[2];
	t->hour = (unsigned)v[3];
	t->minute = (unsigned)v[4];
	t->second = (unsigned)v[5];
	t->tz = (in[6] & 0x08) ? -v[6] : v[6];
	return M2M_OK;
}

bool m2m_sms_dcs_is_7bit(uint8_t dcs)
{
	if ((dcs & 0xC0) == 0x00 || (dcs & 0xC0) == 0x40)
		return ((dcs >> 2) & 3) == 0; /* general data coding / automatic deletion */
	if ((dcs & 0xF0) == 0xF0)
		return (dcs & 0x04) == 0;
	return (dcs & 0xF0) == 0xC0 || (dcs & 0xF0) == 0xD0; /* message waiting, GSM 7-bit */
}

/* UDL and UD for 8-bit data; shared by both encoders. */
static m2m_err put_ud(const m2m_sms_tpdu *t, m2m_buf *out)
{
	m2m_err err;
	if (m2m_sms_dcs_is_7bit(t->dcs))
		return M2M_ERR_UNSUPPORTED;
	if (t->ud_len > M2M_SMS_UD_MAX || (t->ud == NULL && t->ud_len > 0))
		return M2M_ERR_ARG;
	if ((err = m2m_buf_append_u8(out, (uint8_t)t->ud_len)) != M2M_OK)
		return err;
	return m2m_buf_append(out, t->ud, t->ud_len);
}

/* Reads UDL and the UD, which must end the TPDU exactly. */
static m2m_err get_ud(m2m_rd *r, m2m_sms_tpdu *t)
{
	m2m_err err = m2m_rd_u8(r, &t->udl);
	if (err != M2M_OK)
		return err;
	size_t n = m2m_sms_dcs_is_7bit(t->dcs) ? (t->udl * 7u + 7) / 8 : t->udl;
	if (n > M2M_SMS_UD_MAX)
		return M2M_ERR_FORMAT;
	if ((err = m2m_rd_take(r, n, &t->ud)) != M2M_OK)
		return err;
	t->ud_len = n;
	return m2m_rd_left(r) == 0 ? M2M_OK : M2M_ERR_FORMAT;
}

m2m_err m2m_sms_deliver_encode(const m2m_sms_tpdu *t, m2m_buf *out)
{
	uint8_t first = (uint8_t)((t->first & ~0x43) | M2M_SMS_MTI_DELIVER |
				  (t->udhi ? M2M_SMS_UDHI : 0));
	size_t mark = out->len;
	m2m_err err;
	if ((err = m2m_buf_append_u8(out, first)) != M2M_OK ||
	    (err = m2m_sms_addr_encode(&t->addr, out)) != M2M_OK ||
	    (err = m2m_buf_append_u8(out, t->pid)) != M2M_OK ||
	    (err = m2m_buf_append_u8(out, t->dcs)) != M2M_OK ||
	    (err = m2m_buf_append(out, t->scts, 7)) != M2M_OK || (err = put_ud(t, out)) != M2M_OK)
		out->len = mark;
	return err;
}

m2m_err m2m_sms_deliver_decode(const uint8_t *p, size_t n, m2m_sms_tpdu *t)
{
	m2m_rd r;
	m2m_err err;
	memset(t, 0, sizeof *t);
	m2m_rd_init(&r, p, n);
	if ((err = m2m_rd_u8(&r, &t->first)) != M2M_OK)
		return err;
	if ((t->first & 0x03) != M2M_SMS_MTI_DELIVER)
		return M2M_ERR_FORMAT;
	t->udhi = (t->first & M2M_SMS_UDHI) != 0;
	if ((err = m2m_sms_addr_decode(&r, &t->addr)) != M2M_OK ||
	    (err = m2m_rd_u8(&r, &t->pid)) != M2M_OK || (err = m2m_rd_u8(&r, &t->dcs)) != M2M_OK ||
	    (err = m2m_rd_copy(&r, t->scts, 7)) != M2M_OK)
		return err;
	return get_ud(&r, t);
}

/* Length of TP-VP for the TP-VPF bits of a SUBMIT first octet. */
static size_t vp_len(uint8_t first)
{
	switch ((first >> 3) & 3) {
	case 2:
		return 1; /* relative */
	case 0:
		return 0;
	default:
		return 7; /* enhanced or absolute */
	}
}

m2m_err m2m_sms_submit_encode(const m2m_sms_tpdu *t, m2m_buf *out)
{
	uint8_t first = (uint8_t)((t->first & ~0x43) | M2M_SMS_MTI_SUBMIT |
				  (t->udhi ? M2M_SMS_UDHI : 0));
	size_t mark = out->len;
	m2m_err err;
	if ((err = m2m_buf_append_u8(out, first)) != M2M_OK ||
	    (err = m2m_buf_append_u8(out, t->mr)) != M2M_OK ||
	    (err = m2m_sms_addr_encode(&t->addr, out)) != M2M_OK ||
	    (err = m2m_buf_append_u8(out, t->pid)) != M2M_OK ||
	    (err = m2m_buf_append_u8(out, t->dcs)) != M2M_OK ||
	    (err = m2m_buf_append(out, t->vp, vp_len(first))) != M2M_OK ||
	    (err = put_ud(t, out)) != M2M_OK)
		out->len = mark;
	return err;
}

m2m_err m2m_sms_submit_decode(const uint8_t *p, size_t n, m2m_sms_tpdu *t)
{
	m2m_rd r;
	m2m_err err;
	memset(t, 0, sizeof *t);
	m2m_rd_init(&r, p, n);
	if ((err = m2m_rd_u8(&r, &t->first)) != M2M_OK)
		return err;
	if ((t->first & 0x03) != M2M_SMS_MTI_SUBMIT)
		return M2M_ERR_FORMAT;
	t->udhi = (t->first & M2M_SMS_UDHI) != 0;
	if ((err = m2m_rd_u8(&r, &t->mr)) != M2M_OK ||
	    (err = m2m_sms_addr_decode(&r, &t->addr)) != M2M_OK ||
	    (err = m2m_rd_u8(&r, &t->pid)) != M2M_OK || (err = m2m_rd_u8(&r, &t->dcs)) != M2M_OK ||
	    (err = m2m_rd_copy(&r, t->vp, vp_len(t->first))) != M2M_OK)
		return err;
	return get_ud(&r, t);
}

m2m_err m2m_sms_udh_parse(const uint8_t *ud, size_t n, m2m_sms_ie *ies, size_t cap,
			  size_t *count, const uint8_t **payload, size_t *payload_len)
{
	m2m_rd r, h;
	uint8_t udhl;
	const uint8_t *hp;
	m2m_err err;
	*count = 0;
	m2m_rd_init(&r, ud, n);
	if ((err = m2m_rd_u8(&r, &udhl)) != M2M_OK || (err = m2m_rd_take(&r, udhl, &hp)) != M2M_OK)
		return err;
	m2m_rd_init(&h, hp, udhl);
	while (m2m_rd_left(&h) > 0) {
		m2m_sms_ie ie;
		if ((err = m2m_rd_u8(&h, &ie.iei)) != M2M_OK ||
		    (err = m2m_rd_u8(&h, &ie.len)) != M2M_OK ||
		    (err = m2m_rd_take(&h, ie.len, &ie.value)) != M2M_OK)
			return M2M_ERR_FORMAT;
		if (*count >= cap)
			return M2M_ERR_BOUNDS;
		ies[(*count)++] = ie;
	}
	*payload_len = m2m_rd_left(&r);
	return m2m_rd_take(&r, *payload_len, payload);
}

/* UDH of part i (1-based) of `total`; the identifier goes in part 1 only. */
static m2m_err put_part_udh(m2m_buf *b, uint8_t iei, uint16_t ref, bool ref16, size_t total,
			    size_t i)
{
	uint8_t h[9];
	size_t k = 1;
	if (total > 1) {
		h[k++] = ref16 ? M2M_SMS_IEI_CONCAT16 : M2M_SMS_IEI_CONCAT8;
		h[k++] = ref16 ? 4 : 3;
		if (ref16)
			h[k++] = (uint8_t)(ref >> 8);
		h[k++] = (uint8_t)ref;
		h[k++] = (uint8_t)total;
		h[k++] = (uint8_t)i;
	}
	if (i == 1) {
		h[k++] = iei;
		h[k++] = 0;
	}
	h[0] = (uint8_t)(k - 1);
	return m2m_buf_append(b, h, k);
}

m2m_err m2m_sms_segment(uint8_t iei, const uint8_t *pkt, size_t n, uint16_t ref, bool ref16,
			m2m_buf *parts, size_t cap, size_t *count)
{
	size_t concat = ref16 ? 7 : 6; /* UDHL + concatenation element */
	size_t first_room = M2M_SMS_UD_MAX - concat - 2, room = M2M_SMS_UD_MAX - concat;
	size_t total = 1, off = 0;
	m2m_err err = M2M_OK;
	*count = 0;
	if (n + 3 > M2M_SMS_UD_MAX)
		total = 1 + (n - first_room + room - 1) / room;
	if (total > M2M_SMS_MAX_PARTS || total > cap)
		return M2M_ERR_BOUNDS;
	for (size_t i = 1; i <= total && err == M2M_OK; i++) {
		size_t take = total == 1 ? n : (i == 1 ? first_room : room);
		if (take > n - off)
			take = n - off;
		m2m_buf_reset(&parts[i - 1]);
		err = put_part_udh(&parts[i - 1], iei, ref, ref16, total, i);
		if (err == M2M_OK)
			err = m2m_buf_append(&parts[i - 1], pkt + off, take);
		off += take;
		*count = i;
	}
	return err;
}

void m2m_sms_reasm_init(m2m_sms_reasm *r)
{
	memset(r, 0, sizeof *r);
	for (size_t i = 0; i < M2M_SMS_MAX_PARTS; i++)
		m2m_buf_init(&r->part[i]);
}

void m2m_sms_reasm_free(m2m_sms_reasm *r)
{
	for (size_t i = 0; i < M2M_SMS_MAX_PARTS; i++)
		m2m_buf_free(&r->part[i]);
	m2m_sms_reasm_init(r);
}

/* What one part's UDH says: its concatenation position (1/1 when absent) and identifier. */
typedef struct {
	bool concat, ref16;
	uint16_t ref;
	uint8_t total, seq, iei;
	const uint8_t *payload;
	size_t payload_len;
} part_info;

static m2m_err read_part(const uint8_t *ud, size_t n, part_info *pi)
{
	m2m_sms_ie ies[16];
	size_t count;
	memset(pi, 0, sizeof *pi);
	pi->total = pi->seq = 1;
	m2m_err err = m2m_sms_udh_parse(ud, n, ies, 16, &count, &pi->payload, &pi->payload_len);
	for (size_t i = 0; i < count && err == M2M_OK; i++) {
		const m2m_sms_ie *e = &ies[i];
		if (e->iei == M2M_SMS_IEI_CPI || e->iei == M2M_SMS_IEI_RPI) {
			pi->iei = e->iei;
		} else if (e->iei == M2M_SMS_IEI_CONCAT8 || e->iei == M2M_SMS_IEI_CONCAT16) {
			pi->ref16 = e->iei == M2M_SMS_IEI_CONCAT16;
			if (e->len != (pi->ref16 ? 4 : 3))
				return M2M_ERR_FORMAT;
			pi->concat = true;
			pi->ref = pi->ref16 ? (uint16_t)(e->value[0] << 8 | e->value[1]) : e->value[0];
			pi->total = e->value[e->len - 2];
			pi->seq = e->value[e->len - 1];
		}
	}
	if (err == M2M_OK && (pi->total == 0 || pi->seq == 0 || pi->seq > pi->total))
		err = M2M_ERR_FORMAT;
	return err;
}

static m2m_err reasm_finish(m2m_sms_reasm *r, m2m_buf *out, uint8_t *iei, bool *done)
{
	m2m_err err = M2M_OK;
	if (r->iei == 0) {
		err = M2M_ERR_FORMAT; /* neither 70 nor 71: not a secured packet */
		goto out;
	}
	for (size_t i = 0; i < r->total && err == M2M_OK; i++)
		err = m2m_buf_append(out, r->part[i].data, r->part[i].len);
	if (err == M2M_OK) {
		*iei = r->iei;
		*done = true;
	}
out:
	m2m_sms_reasm_free(r);
	return err;
}

m2m_err m2m_sms_reasm_add(m2m_sms_reasm *r, const uint8_t *ud, size_t n, m2m_buf *out,
			  uint8_t *iei, bool *done)
{
	part_info pi;
	*done = false;
	*iei = 0;
	m2m_err err = n > M2M_SMS_UD_MAX ? M2M_ERR_FORMAT : read_part(ud, n, &pi);
	if (err != M2M_OK)
		return err;
	if (r->active && (pi.ref16 != r->ref16 || pi.ref != r->ref || pi.total != r->total))
		return M2M_ERR_STATE;
	if (!r->active) {
		r->active = true;
		r->ref16 = pi.ref16;
		r->ref = pi.ref;
		r->total = pi.total;
	}
	if (r->have[pi.seq - 1]) {
		r->duplicates++;
		return M2M_OK;
	}
	if (pi.iei != 0)
		r->iei = pi.iei;
	err = m2m_buf_append(&r->part[pi.seq - 1], pi.payload, pi.payload_len);
	if (err != M2M_OK)
		return err;
	r->have[pi.seq - 1] = true;
	if (++r->received == r->total)
		err = reasm_finish(r, out, iei, done);
	return err;
}

size_t m2m_sms_reasm_missing(const m2m_sms_reasm *r, uint8_t *missing, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; r->active && i < r->total; i++) {
		if (r->have[i])
			continue;
		if (k < cap)
			missing[k] = (uint8_t)(i + 1);
		k++;
	}
	return k;
}
