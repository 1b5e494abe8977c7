/* The card's receiving end of SCP80: which key set, which security level, then open. */
#include <string.h>

#include "card/scp80.h"

/* True when spi1 offers at least what min_spi1 demands (TS 102 225 5.1.1: a PoR with status
 * 0A "insufficient security level" otherwise). A CC or DS satisfies an RC requirement. */
static bool security_sufficient(uint8_t spi1, uint8_t min_spi1)
{
	unsigned chk = spi1 & M2M_SCP80_SPI1_CHK_MASK;
	unsigned min_chk = min_spi1 & M2M_SCP80_SPI1_CHK_MASK;
	unsigned cntr = (spi1 >> M2M_SCP80_SPI1_CNTR_SHIFT) & 3;
	unsigned min_cntr = (min_spi1 >> M2M_SCP80_SPI1_CNTR_SHIFT) & 3;
	if (chk < min_chk)
		return false;
	if ((min_spi1 & M2M_SCP80_SPI1_CIPHER) && !(spi1 & M2M_SCP80_SPI1_CIPHER))
		return false;
	return cntr >= min_cntr;
}

m2m_err m2m_scp80_card_receive(const uint8_t *pkt, size_t n, m2m_scp80_tar_lookup lookup,
			       void *ctx, m2m_scp80_hdr *hdr, uint8_t *status, m2m_buf *data)
{
	m2m_scp80_tar_info info;
	memset(&info, 0, sizeof info);
	*status = M2M_POR_UNDEFINED_SECURITY_ERROR;
	if (lookup == NULL)
		return M2M_ERR_ARG;
	m2m_err err = m2m_scp80_command_header(pkt, n, hdr);
	if (err != M2M_OK)
		goto out;
	*status = lookup(ctx, hdr->tar, hdr->kic, hdr->kid, &info);
	if (*status != M2M_POR_OK) {
		err = M2M_ERR_STATE;
		goto out;
	}
	if (!security_sufficient(hdr->spi[0], info.min_spi1)) {
		*status = M2M_POR_INSUFFICIENT_SECURITY_LEVEL;
		err = M2M_ERR_STATE;
		goto out;
	}
	err = m2m_scp80_unwrap_command(pkt, n, &info.keys, &info.last_counter, hdr, status, data);
out:
	m2m_scp80_keys_wipe(&info.keys);
	return err;
}
