/* The pre-check of every element before asn1c sees it (codec.c): m2m_tlv_validate walks the
 * TLV tree through its iterator and a full m2m_tlv per TLV, 8% of a package's round trip.
 * This loop accepts the common case (definite lengths, tags of up to 3 bytes, lengths of up to
 * 4 length bytes: all TS.48 packages) with the same rules, and answers "not sure" on anything
 * else, so that core/tlv.c stays the one place that judges and reports bad input. */
#include "saip/tlv_quick.h"

#include "core/tlv.h"

_Static_assert(M2M_SAIP_TLV_QUICK_DEPTH <= M2M_TLV_MAX_DEPTH,
	       "the quick check must not accept deeper nesting than m2m_tlv_validate");

/* Tag bytes as read_tag (core/tlv.c) accepts them: not 00, at most 3 bytes, the second not
 * 80. Returns the header bytes used, 0 if not sure. */
static size_t quick_tag(const uint8_t *t, size_t left, uint32_t *tag)
{
	*tag = t[0];
	if (t[0] == 0x00)
		return 0;
	if ((t[0] & 0x1F) != 0x1F)
		return 1;
	if (left < 2 || t[1] == 0x80)
		return 0;
	*tag = *tag << 8 | t[1];
	if ((t[1] & 0x80) == 0)
		return 2;
	if (left < 3 || (t[2] & 0x80) != 0)
		return 0;
	*tag = *tag << 8 | t[2];
	return 3;
}

/* A definite length at t[i] (read_len's rules without the indefinite form) whose value fits
 * in left bytes. Returns the header size, 0 if not sure. */
static size_t quick_len(const uint8_t *t, size_t i, size_t left, size_t *len)
{
	if (i >= left)
		return 0;
	size_t first = t[i++], k = first & 0x7F;
	*len = first;
	if (first >= 0x80) {
		if (k == 0 || k > 4 || left - i < k)
			return 0;
		*len = 0;
		for (size_t j = 0; j < k; j++)
			*len = *len << 8 | t[i++];
	}
	return *len <= left - i ? i : 0;
}

bool m2m_saip_tlv_quick(const uint8_t *p, size_t n)
{
	size_t end[M2M_SAIP_TLV_QUICK_DEPTH]; /* where each open constructed value ends */
	unsigned d = 0;
	size_t pos = 0;
	end[0] = n;
	for (;;) {
		if (pos == end[d]) {
			if (d == 0)
				return true;
			d--;
			continue;
		}
		uint32_t tag;
		size_t len, left = end[d] - pos;
		size_t hdr = quick_tag(p + pos, left, &tag);
		if (hdr == 0 || (hdr = quick_len(p + pos, hdr, left, &len)) == 0)
			return false;
		pos += hdr;
		/* Children as m2m_tlv_validate's walk: constructed, not an opaque tag. */
		if ((p[pos - hdr] & 0x20) != 0 && !m2m_tlv_is_opaque(tag)) {
			if (d + 1 >= M2M_SAIP_TLV_QUICK_DEPTH)
				return false;
			end[++d] = pos + len;
		} else {
			pos += len;
		}
	}
}
