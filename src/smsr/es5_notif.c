/* eUICC notifications by MO SMS (sgp02-facts.md 2.3, sgp02-facts-2.md 7a, sgp02-bearers.md
 * 1.5): an SCP80 command packet from the ISD-R (TAR 000001), CC with an ISD-R SCP80 key set,
 * no counter, secured data E1 { 4C EID, 4D type, 4E seq, 4F AID [, 14 IMEI] }. */
#include <string.h>

#include "core/tlv.h"
#include "smsr/es5_pack.h"

static const uint8_t tar_isdr[3] = {0x00, 0x00, 0x01};

/* What this side accepts before any crypto: TAR 000001 and a CC. */
static m2m_err notif_header(const uint8_t *pkt, size_t n, m2m_scp80_hdr *hdr)
{
	m2m_err err = m2m_scp80_command_header(pkt, n, hdr);

	if (err != M2M_OK)
		return err;
	if (memcmp(hdr->tar, tar_isdr, 3) != 0 ||
	    (hdr->spi[0] & M2M_SCP80_SPI1_CHK_MASK) != M2M_SCP80_CHK_CC)
		return M2M_ERR_UNSUPPORTED;
	if ((hdr->kid >> 4) < 0x01 || (hdr->kid >> 4) > 0x0F)
		return M2M_ERR_UNSUPPORTED;
	return M2M_OK;
}

m2m_err m2m_es5_notif_kvn(const uint8_t *pkt, size_t n, uint8_t *kvn)
{
	m2m_scp80_hdr hdr;
	m2m_err err;

	if (pkt == NULL || kvn == NULL)
		return M2M_ERR_ARG;
	err = notif_header(pkt, n, &hdr);
	if (err == M2M_OK)
		*kvn = hdr.kid >> 4;
	return err;
}

static m2m_err put_once(bool *seen, const m2m_tlv *t, size_t min, size_t max, uint8_t *dst,
			size_t *len)
{
	if (*seen || t->len < min || t->len > max)
		return M2M_ERR_FORMAT;
	*seen = true;
	memcpy(dst, t->value, t->len);
	if (len != NULL)
		*len = t->len;
	return M2M_OK;
}

static m2m_err notif_item(const m2m_tlv *t, m2m_es5_notif *nt, bool seen[3])
{
	uint8_t v[2];

	switch (t->tag) {
	case 0x4C:
		return put_once(&seen[0], t, M2M_ES5_EID_SIZE, M2M_ES5_EID_SIZE, nt->eid, NULL);
	case 0x4D:
		return put_once(&seen[1], t, 1, 1, &nt->type, NULL);
	case 0x4E:
		if (put_once(&seen[2], t, 2, 2, v, NULL) != M2M_OK)
			return M2M_ERR_FORMAT;
		nt->seq = (uint16_t)(v[0] << 8 | v[1]);
		return M2M_OK;
	case 0x4F: /* a real card; njiwa's 2F/AF (CR bit) accepted too */
	case 0x2F:
	case 0xAF:
		return put_once(&nt->has_aid, t, 5, M2M_ES5_AID_SIZE, nt->aid, &nt->aid_len);
	case 0x14:
	case 0x94:
		return put_once(&nt->has_imei, t, 1, sizeof nt->imei, nt->imei, &nt->imei_len);
	case 0x6D:
	case 0xED:
		return put_once(&nt->has_meid, t, 1, sizeof nt->meid, nt->meid, &nt->meid_len);
	default:
		return M2M_OK; /* a later version's element: skipped */
	}
}

m2m_err m2m_es5_notif_decode(const uint8_t *p, size_t n, m2m_es5_notif *nt)
{
	m2m_tlv e1, t;
	m2m_tlv_iter it;
	bool seen[3] = {false, false, false};
	m2m_err err;

	if (p == NULL || nt == NULL)
		return M2M_ERR_ARG;
	memset(nt, 0, sizeof *nt);
	err = m2m_tlv_decode_one(p, n, M2M_TLV_DER, &e1, NULL);
	if (err == M2M_OK && e1.tag != 0xE1)
		err = M2M_ERR_FORMAT;
	if (err != M2M_OK)
		return err;
	m2m_tlv_iter_children(&it, &e1, M2M_TLV_DER);
	while ((err = m2m_tlv_next(&it, &t)) == M2M_OK &&
	       (err = notif_item(&t, nt, seen)) == M2M_OK)
		;
	if (err == M2M_END)
		err = seen[0] && seen[1] && seen[2] ? M2M_OK : M2M_ERR_FORMAT;
	return err;
}

m2m_err m2m_es5_notif_peek(const uint8_t *pkt, size_t n, m2m_es5_notif *nt)
{
	m2m_scp80_hdr hdr;
	size_t chl, off;
	m2m_err err;

	if (pkt == NULL || nt == NULL)
		return M2M_ERR_ARG;
	err = notif_header(pkt, n, &hdr);
	if (err == M2M_OK && (hdr.spi[0] & M2M_SCP80_SPI1_CIPHER))
		err = M2M_ERR_UNSUPPORTED;
	if (err != M2M_OK)
		return err;
	/* CPL(2) CHL(1) | CHL bytes (SPI KIc KID TAR CNTR PCNTR CC) | data, padding */
	chl = pkt[2];
	off = 3 + chl;
	if (off > n || pkt[15] > n - off)
		return M2M_ERR_BOUNDS;
	return m2m_es5_notif_decode(pkt + off, n - off - pkt[15], nt);
}

m2m_err m2m_es5_notif_open(const uint8_t *pkt, size_t n, const m2m_scp80_keys *keys,
			   m2m_es5_notif *nt)
{
	m2m_scp80_hdr hdr;
	m2m_buf data;
	uint8_t status = 0;
	m2m_err err = M2M_ERR_ARG;

	m2m_buf_init(&data);
	if (pkt == NULL || keys == NULL || nt == NULL)
		goto out;
	err = notif_header(pkt, n, &hdr);
	/* No counter: SGP.02 sends CNTR 0 and "no counter"; duplicates are the caller's to
	 * filter by EID and sequence number. */
	if (err == M2M_OK)
		err = m2m_scp80_unwrap_command(pkt, n, keys, NULL, &hdr, &status, &data);
	if (err == M2M_OK)
		err = m2m_es5_notif_decode(data.data, data.len, nt);
	if (err == M2M_OK)
		nt->kvn = hdr.kid >> 4;
out:
	m2m_buf_free(&data);
	return err;
}
