/* ES5 command set -> TS 102 226 scripts -> SCP80 command packets -> SMS TP-UDs. */
#include <stdlib.h>
#include <string.h>

#include "card/sms.h"
#include "smsr/es5_pack.h"

#define HDR_LEN 10        /* CPL(2) CHL(1) SPI(2) KIc KID TAR(3) */
#define CNTR_PCNTR_LEN 6  /* CNTR(5) PCNTR(1) */
#define CHAIN_TLV_LEN 3   /* 83 01 xx */

void m2m_es5_pack_defaults(m2m_es5_pack_cfg *cfg)
{
	if (cfg->spi[0] == 0 && cfg->spi[1] == 0) {
		cfg->spi[0] = M2M_SCP80_SGP02_SPI1;
		cfg->spi[1] = M2M_SCP80_SGP02_SPI2;
	}
	if (cfg->kvn == 0)
		cfg->kvn = 0x01;
	if (cfg->kic_alg == 0)
		cfg->kic_alg = M2M_SCP80_ALG_AES;
	if (cfg->kid_alg == 0)
		cfg->kid_alg = M2M_SCP80_ALG_AES;
	if (cfg->max_parts == 0)
		cfg->max_parts = M2M_ES5_PARTS_DEFAULT;
}

static bool block_alg(uint8_t alg)
{
	return alg == M2M_SCP80_ALG_AES || alg == M2M_SCP80_ALG_3DES2 ||
	       alg == M2M_SCP80_ALG_3DES3;
}

/* SGP.02's floor for the ISD-R (CC, ciphering, counter higher) and a PoR always sent, which
 * the engine needs to know what the card did. */
m2m_err m2m_es5_pack_check(const m2m_es5_pack_cfg *cfg)
{
	unsigned cntr, por_chk;

	if (cfg == NULL || cfg->kvn < 0x01 || cfg->kvn > 0x0F || cfg->max_parts == 0 ||
	    cfg->max_parts > M2M_SMS_MAX_PARTS || !block_alg(cfg->kic_alg) ||
	    !block_alg(cfg->kid_alg))
		return M2M_ERR_ARG;
	cntr = (cfg->spi[0] >> M2M_SCP80_SPI1_CNTR_SHIFT) & 3;
	por_chk = (cfg->spi[1] >> M2M_SCP80_SPI2_CHK_SHIFT) & 3;
	if ((cfg->spi[0] & M2M_SCP80_SPI1_CHK_MASK) != M2M_SCP80_CHK_CC ||
	    !(cfg->spi[0] & M2M_SCP80_SPI1_CIPHER) ||
	    (cntr != M2M_SCP80_CNTR_HIGHER && cntr != M2M_SCP80_CNTR_ONE_HIGHER))
		return M2M_ERR_ARG;
	if ((cfg->spi[1] & M2M_SCP80_SPI2_POR_MASK) != M2M_SCP80_POR_ALWAYS ||
	    (por_chk != M2M_SCP80_CHK_NONE && por_chk != M2M_SCP80_CHK_CC))
		return M2M_ERR_ARG;
	return M2M_OK;
}

static size_t ber_len_size(size_t len)
{
	return len < 0x80 ? 1 : len < 0x100 ? 2 : len < 0x10000 ? 3 : 4;
}

size_t m2m_es5_packet_len(const m2m_es5_pack_cfg *cfg, size_t script_len)
{
	size_t chk = 0, secured;

	if (m2m_scp80_check_len(cfg->spi[0] & M2M_SCP80_SPI1_CHK_MASK, cfg->kid_alg, &chk) !=
	    M2M_OK)
		chk = M2M_SCP80_CC_LEN;
	secured = CNTR_PCNTR_LEN + chk + script_len;
	if (cfg->spi[0] & M2M_SCP80_SPI1_CIPHER) {
		size_t block = cfg->kic_alg == M2M_SCP80_ALG_AES ? 16 : 8;
		secured = (secured + block - 1) / block * block;
	}
	return HDR_LEN + secured;
}

size_t m2m_es5_packet_room(size_t max_parts, bool ref16)
{
	size_t concat = ref16 ? 7 : 6; /* UDHL + concatenation element */

	if (max_parts <= 1)
		return M2M_SMS_UD_MAX - 3;
	return (M2M_SMS_UD_MAX - concat - 2) + (max_parts - 1) * (M2M_SMS_UD_MAX - concat);
}

/* AA L { [83 01 xx] 22 L apdu ... } for C-APDUs first..first+count-1. */
static size_t script_len(const m2m_es5_cmd *cmd, size_t first, size_t count, bool chain)
{
	size_t content = chain ? CHAIN_TLV_LEN : 0;

	for (size_t i = first; i < first + count; i++)
		content += 1 + ber_len_size(cmd->apdus.len[i]) + cmd->apdus.len[i];
	return 1 + ber_len_size(content) + content;
}

void m2m_es5_plan_init(m2m_es5_plan *p)
{
	memset(p, 0, sizeof *p);
	for (size_t i = 0; i < M2M_ES5_APDU_MAX; i++)
		m2m_buf_init(&p->chunk[i].script);
}

void m2m_es5_plan_free(m2m_es5_plan *p)
{
	for (size_t i = 0; i < M2M_ES5_APDU_MAX; i++)
		m2m_buf_free(&p->chunk[i].script);
	m2m_es5_plan_init(p);
}

/* Chaining value of chunk i of k for a command in chain c. */
static m2m_script_chain chunk_chain(m2m_script_chain c, size_t i, size_t k)
{
	bool starts = c == M2M_CHAIN_NONE || c == M2M_CHAIN_FIRST_DELETE ||
		      c == M2M_CHAIN_FIRST_KEEP;
	bool ends = c == M2M_CHAIN_NONE || c == M2M_CHAIN_LAST;

	if (k == 1)
		return c;
	if (i == 0 && starts)
		return c == M2M_CHAIN_NONE ? M2M_CHAIN_FIRST_DELETE : c;
	if (i == k - 1 && ends)
		return M2M_CHAIN_LAST;
	return M2M_CHAIN_NEXT;
}

/* Greedy cut: whole C-APDUs into each script while its packet fits the room. */
static m2m_err plan_cut(const m2m_es5_cmd *cmd, const m2m_es5_pack_cfg *cfg, size_t room,
			m2m_es5_plan *plan)
{
	size_t i = 0;
	bool chain = true;

	/* One packet if the whole script fits with the command's own chaining. */
	if (m2m_es5_packet_len(cfg, script_len(cmd, 0, cmd->apdus.count,
					       cmd->chain != M2M_CHAIN_NONE)) <= room) {
		plan->chunk[0].first = 0;
		plan->chunk[0].count = cmd->apdus.count;
		plan->count = 1;
		return M2M_OK;
	}
	while (i < cmd->apdus.count) {
		m2m_es5_chunk *ch = &plan->chunk[plan->count];
		ch->first = i;
		ch->count = 0;
		while (i < cmd->apdus.count &&
		       m2m_es5_packet_len(cfg, script_len(cmd, ch->first, ch->count + 1, chain)) <=
			       room) {
			ch->count++;
			i++;
		}
		if (ch->count == 0)
			return M2M_ERR_BOUNDS; /* this C-APDU does not fit alone */
		plan->count++;
	}
	return M2M_OK;
}

m2m_err m2m_es5_plan_build(const m2m_es5_cmd *cmd, const m2m_es5_pack_cfg *cfg,
			   m2m_es5_plan *plan)
{
	m2m_script_builder sb;
	m2m_err err = M2M_ERR_ARG;

	if (cmd == NULL || cfg == NULL || plan == NULL || cmd->apdus.count == 0 ||
	    (cmd->chain != M2M_CHAIN_NONE && !m2m_script_chain_valid(cmd->chain)))
		return err;
	m2m_es5_plan_free(plan);
	err = plan_cut(cmd, cfg, m2m_es5_packet_room(cfg->max_parts, cfg->ref16), plan);
	for (size_t k = 0; err == M2M_OK && k < plan->count; k++) {
		m2m_es5_chunk *ch = &plan->chunk[k];
		ch->chain = chunk_chain(cmd->chain, k, plan->count);
		err = m2m_script_begin(&sb, &ch->script, false, ch->chain);
		for (size_t i = ch->first; err == M2M_OK && i < ch->first + ch->count; i++) {
			size_t len;
			const uint8_t *a = m2m_es5_apdus_get(&cmd->apdus, i, &len);
			err = m2m_script_add_capdu(&sb, a, len);
		}
		if (err == M2M_OK)
			err = m2m_script_end(&sb);
	}
	if (err != M2M_OK)
		m2m_es5_plan_free(plan);
	return err;
}

/* ---- packets ---- */

void m2m_es5_packet_init(m2m_es5_packet *p)
{
	memset(p, 0, sizeof *p);
}

void m2m_es5_packet_free(m2m_es5_packet *p)
{
	for (size_t i = 0; p->part != NULL && i < p->cap; i++)
		m2m_buf_free(&p->part[i]);
	free(p->part);
	m2m_es5_packet_init(p);
}

static m2m_err parts_alloc(m2m_es5_packet *p, size_t cap)
{
	m2m_es5_packet_free(p);
	p->part = calloc(cap, sizeof *p->part);
	if (p->part == NULL)
		return M2M_ERR_NOMEM;
	p->cap = cap;
	for (size_t i = 0; i < cap; i++)
		m2m_buf_init(&p->part[i]);
	return M2M_OK;
}

m2m_err m2m_es5_packet_build(const m2m_es5_pack_cfg *cfg, const m2m_scp80_keys *keys,
			     const uint8_t eid[M2M_ES5_EID_SIZE],
			     m2m_es5_reserve_counter_fn reserve, void *arg, const uint8_t tar[3],
			     const m2m_es5_chunk *chunk, uint16_t ref, m2m_es5_packet *out)
{
	m2m_buf pkt;
	uint64_t counter = 0;
	m2m_err err = M2M_ERR_ARG;

	m2m_buf_init(&pkt);
	if (cfg == NULL || keys == NULL || eid == NULL || reserve == NULL || tar == NULL ||
	    chunk == NULL || out == NULL || m2m_es5_pack_check(cfg) != M2M_OK)
		goto out;
	err = parts_alloc(out, cfg->max_parts);
	if (err != M2M_OK)
		goto out;
	/* The counter is stored by the caller before the packet exists, so it never leaves
	 * twice even if we crash right after. */
	err = reserve(arg, eid, cfg->kvn, &counter);
	if (err == M2M_OK && (counter == 0 || counter > M2M_SCP80_CNTR_MAX))
		err = M2M_ERR_STATE;
	if (err != M2M_OK)
		goto out;
	memcpy(out->hdr.spi, cfg->spi, 2);
	out->hdr.kic = (uint8_t)(cfg->kvn << 4 | cfg->kic_alg);
	out->hdr.kid = (uint8_t)(cfg->kvn << 4 | cfg->kid_alg);
	memcpy(out->hdr.tar, tar, 3);
	out->hdr.counter = counter;
	err = m2m_scp80_wrap(&out->hdr, keys, chunk->script.data, chunk->script.len, &pkt);
	if (err == M2M_OK)
		err = m2m_sms_segment(M2M_SMS_IEI_CPI, pkt.data, pkt.len, ref, cfg->ref16,
				      out->part, out->cap, &out->nparts);
out:
	m2m_buf_free(&pkt);
	return err;
}
