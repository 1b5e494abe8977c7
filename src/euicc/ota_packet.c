/* One SCP80 command packet on the card: key set by TAR, counter, the script or trigger it
 * carries, and the PoR (ENVELOPE response data or MO SMS-SUBMIT) as SPI2 asks. */
#include <string.h>

#include "euicc/mno_int.h"
#include "euicc/ota.h"

/* SGP.02 2.4.3: the ISD-R takes CC + ciphering + counter "higher" at least (SPI1 16). */
#define ISDR_MIN_SPI1 0x16

typedef struct {
	m2m_euicc *e;
	const m2m_euicc_ota *ota;
	uint8_t spi1;
	int target;             /* set by the look-up */
	uint8_t kvn;            /* key set whose counter moves */
	bool mno;               /* kvn is the enabled profile's MNO-SD key set (ES6) */
} lookup_ctx;

static bool tar_is(const uint8_t tar[3], uint32_t v)
{
	return ((uint32_t)tar[0] << 16 | (uint32_t)tar[1] << 8 | tar[2]) == v;
}

/* ISD-R TAR 000001, or the TAR of an existing ISD-P when ISD-P routing is linked in: ES8 over
 * SMS is SCP80-wrapped by the SM-SR with the ISD-R's key sets (whty: TAR 000013, SCP03 APDUs
 * inside), so these TARs share the ISD-R's keys and counters. Any other TAR may belong to
 * the enabled profile's MNO-SD or RFM applications, with the profile's keys (ES6). */
static m2m_scp80_por_status lookup(void *ctx, const uint8_t tar[3], uint8_t kic, uint8_t kid,
				   m2m_scp80_tar_info *info)
{
	lookup_ctx *c = ctx;
	uint8_t aid[M2M_EUICC_AID_SIZE];
	const m2m_euicc_keyset *ks;
	uint8_t kvn = kid >> 4;

	if (tar_is(tar, M2M_SCP80_TAR_ISDR)) {
		c->target = M2M_EUICC_OTA_TARGET_ISDR;
	} else {
		m2m_euicc_isdp_aid(tar, aid);
		c->target = m2m_euicc_aid_is_isdp(aid, sizeof aid)
				    ? m2m_euicc_find_isdp(c->e, aid, sizeof aid)
				    : -1;
		if (c->target < 0 || c->ota->isdp_apdu == NULL) {
			c->mno = true;
			return euicc_mno_lookup(c->e, tar, kic, kid, c->spi1, info, &c->target,
						&c->kvn);
		}
	}
	ks = kvn >= 0x01 && kvn <= 0x0F ? m2m_euicc_find_keyset(c->e, kvn) : NULL;
	if (ks == NULL || (kid & 0x0F) != ks->kid_alg)
		return M2M_POR_UNDEFINED_SECURITY_ERROR;
	if ((c->spi1 & M2M_SCP80_SPI1_CIPHER) && (kic >> 4 != kvn || (kic & 0x0F) != ks->kic_alg))
		return M2M_POR_UNDEFINED_SECURITY_ERROR;
	if (!m2m_euicc_ota_keys(c->e, kvn, &info->keys))
		return M2M_POR_UNDEFINED_SECURITY_ERROR;
	info->last_counter = ks->last_counter;
	info->min_spi1 = ISDR_MIN_SPI1;
	c->kvn = kvn;
	return M2M_POR_OK;
}

/* The secured data: a trigger for the ISD-R (81 TLV) or a script for the target. */
static m2m_err execute(m2m_euicc *e, m2m_euicc_ota *ota, int target, const m2m_buf *data,
		       m2m_buf *script_resp, m2m_euicc_ota_out *out)
{
	bool more = false;
	m2m_err err;

	if (target == M2M_EUICC_OTA_TARGET_ISDR && data->len > 0 && data->data[0] == 0x81) {
		out->scp81_open = m2m_euicc_ota_scp81_trigger(e, ota, data->data, data->len);
		return M2M_OK;
	}
	err = m2m_euicc_ota_run_script(e, ota, target, data->data, data->len, script_resp,
				       &out->ev, &more);
	/* Over SMS a command packet is a card session (STORE DATA chaining, perso target)
	 * unless script chaining says the next packet continues it. */
	if (!more)
		m2m_euicc_session_end(e);
	return err;
}

/* Delivers a built PoR: as DELIVER-REPORT data (02 71 00 || PoR) when SPI2 b6 = 0 and it
 * fits one SM, else as MO SMS-SUBMIT to the command's originator with a short PoR 0B in
 * the ENVELOPE response (onomondo, sgp02-bearers.md 1.4). */
static m2m_err deliver(m2m_euicc_ota *ota, const m2m_scp80_hdr *hdr, const m2m_scp80_keys *keys,
		       const m2m_buf *por, const m2m_sms_addr *origin, m2m_buf *response,
		       m2m_euicc_ota_out *out)
{
	static const uint8_t udh[3] = {0x02, M2M_SMS_IEI_RPI, 0x00};
	bool submit = (hdr->spi[1] & M2M_SCP80_SPI2_VIA_SUBMIT) != 0;
	m2m_err err;

	if (!submit && por->len + sizeof udh <= M2M_SMS_UD_MAX) {
		err = m2m_buf_append(response, udh, sizeof udh);
		return err == M2M_OK ? m2m_buf_append(response, por->data, por->len) : err;
	}
	err = m2m_euicc_ota_mo(ota, M2M_SMS_IEI_RPI, origin, por->data, por->len, out);
	if (err == M2M_OK)
		err = m2m_buf_append(response, udh, sizeof udh);
	if (err == M2M_OK)
		err = m2m_scp80_wrap_response(hdr, keys, M2M_POR_RESPONSE_IN_SMS_SUBMIT, NULL, 0,
					      response);
	return err;
}

/* A refused packet's PoR carries no RC/CC and no ciphering: the card cannot trust the
 * request's key indexes, and for an unknown TAR it has no keys at all. */
static void unsecure(m2m_scp80_hdr *hdr)
{
	hdr->spi[1] &= (uint8_t)~((3u << M2M_SCP80_SPI2_CHK_SHIFT) | M2M_SCP80_SPI2_CIPHER);
}

static m2m_err por(m2m_euicc_ota *ota, m2m_scp80_hdr *hdr, const m2m_scp80_keys *keys,
		   uint8_t status, const m2m_buf *data, const m2m_sms_addr *origin,
		   m2m_buf *response, m2m_euicc_ota_out *out)
{
	m2m_buf p;
	size_t start = response->len;
	m2m_err err = M2M_OK;

	m2m_buf_init(&p);
	out->por_status = status;
	if (!m2m_scp80_por_wanted(hdr->spi, status))
		goto out;
	if (status != M2M_POR_OK)
		unsecure(hdr);
	err = m2m_scp80_wrap_response(hdr, keys, status, data->data, data->len, &p);
	if (err == M2M_OK)
		err = deliver(ota, hdr, keys, &p, origin, response, out);
	/* More than M2M_EUICC_OTA_MO_MAX SMS: the response data is dropped and the PoR says
	 * 07 (insufficient memory); the commands did run. */
	if (err == M2M_ERR_BOUNDS) {
		m2m_euicc_ota_out_reset_mo(out);
		m2m_buf_reset(&p);
		out->por_status = M2M_POR_INSUFFICIENT_MEMORY;
		err = m2m_scp80_wrap_response(hdr, keys, M2M_POR_INSUFFICIENT_MEMORY, NULL, 0, &p);
		if (err == M2M_OK)
			err = deliver(ota, hdr, keys, &p, origin, response, out);
	}
	/* Only memory failures are errors of the call; a PoR that cannot be built is not sent. */
	if (err != M2M_OK && err != M2M_ERR_NOMEM) {
		response->len = start;
		m2m_euicc_ota_out_reset_mo(out);
		err = M2M_OK;
	} else {
		out->por_sent = err == M2M_OK;
	}
out:
	m2m_buf_free(&p);
	return err;
}

static bool por_buildable(const m2m_scp80_hdr *hdr)
{
	size_t len;

	return m2m_scp80_check_len((hdr->spi[1] >> M2M_SCP80_SPI2_CHK_SHIFT) & 3, hdr->kid,
				   &len) == M2M_OK;
}

static void store_counter(m2m_euicc *e, const m2m_scp80_hdr *hdr, const lookup_ctx *c,
			  m2m_euicc_ota_out *out)
{
	m2m_euicc_keyset *ks = c->mno ? NULL : m2m_euicc_find_keyset(e, c->kvn);

	if (((hdr->spi[0] >> M2M_SCP80_SPI1_CNTR_SHIFT) & 3) == M2M_SCP80_CNTR_NONE ||
	    (!c->mno && ks == NULL))
		return;
	if (c->mno)
		euicc_mno_counter(e, c->kvn, hdr->counter);
	else
		ks->last_counter = hdr->counter;
	out->ev.state_changed = true;
}

/* The keys of the PoR: those of the command's key set. */
static bool por_keys(m2m_euicc *e, const lookup_ctx *c, m2m_scp80_keys *keys)
{
	return c->mno ? euicc_mno_keys(e, c->kvn, keys) : m2m_euicc_ota_keys(e, c->kvn, keys);
}

m2m_err m2m_euicc_ota_packet(m2m_euicc *e, m2m_euicc_ota *ota, const uint8_t *pkt, size_t n,
			     const m2m_sms_addr *origin, m2m_buf *response,
			     m2m_euicc_ota_out *out)
{
	lookup_ctx c = {.e = e, .ota = ota, .target = M2M_EUICC_OTA_TARGET_ISDR};
	m2m_scp80_hdr hdr;
	m2m_scp80_keys keys;
	m2m_buf data, resp;
	uint8_t status = M2M_POR_UNDEFINED_SECURITY_ERROR;
	m2m_err err = M2M_OK;

	memset(&keys, 0, sizeof keys);
	m2m_buf_init(&data);
	m2m_buf_init(&resp);
	/* Without a readable header there is no TAR to answer from: dropped silently. */
	if (m2m_scp80_command_header(pkt, n, &hdr) != M2M_OK)
		goto out;
	c.spi1 = hdr.spi[0];
	/* A PoR this card cannot build (DS, unknown algorithm) is refused up front: 06. */
	if (!por_buildable(&hdr) ||
	    m2m_scp80_card_receive(pkt, n, lookup, &c, &hdr, &status, &data) != M2M_OK) {
		if (!por_buildable(&hdr))
			status = M2M_POR_UNDEFINED_SECURITY_ERROR;
		err = por(ota, &hdr, &keys, status, &resp, origin, response, out);
		goto out;
	}
	store_counter(e, &hdr, &c, out);
	/* PUT KEY deciphers with this set's DEK; an MNO-SD key set is never the ISD-R's. */
	e->s.sec_kvn = c.mno ? 0 : c.kvn;
	err = execute(e, ota, c.target, &data, &resp, out);
	if (err == M2M_OK && por_keys(e, &c, &keys))
		err = por(ota, &hdr, &keys, M2M_POR_OK, &resp, origin, response, out);
out:
	m2m_scp80_keys_wipe(&keys);
	m2m_buf_free(&data);
	m2m_buf_free(&resp);
	return err;
}
