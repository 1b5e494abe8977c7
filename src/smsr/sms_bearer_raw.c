/* Raw secured data over the SMS bearer (m2m_sms_bearer_send_raw): one SCP80 command packet
 * whose secured data is the caller's bytes as they are, e.g. the SCP81 trigger 81 TLV for
 * the ISD-R, which the card reads without an AA/22 script around it (src/euicc/ota_packet.c,
 * njiwa). Same keys, counters and PoR matching as command sets; the PoR carries no response
 * script that matters: its status decides. */
#include <string.h>

#include "smsr/sms_bearer_int.h"

m2m_err sb_raw_start(m2m_es5_txn *t, const uint8_t tar[3], const uint8_t *data, size_t len,
		     const m2m_es5_pack_cfg *cfg, const m2m_scp80_keys *keys,
		     const uint8_t eid[M2M_ES5_EID_SIZE])
{
	m2m_es5_chunk *ch = &t->plan.chunk[0];
	m2m_err err = M2M_ERR_ARG;

	memset(t, 0, sizeof *t);
	m2m_es5_cmd_init(&t->cmd);
	m2m_es5_plan_init(&t->plan);
	m2m_es5_packet_init(&t->pkt);
	m2m_es5_result_init(&t->result, 0);
	if (tar == NULL || data == NULL || len == 0 || cfg == NULL || keys == NULL || eid == NULL)
		goto out;
	t->cfg = *cfg;
	m2m_es5_pack_defaults(&t->cfg);
	if ((err = m2m_es5_pack_check(&t->cfg)) != M2M_OK)
		goto out;
	err = M2M_ERR_BOUNDS;
	if (m2m_es5_packet_len(&t->cfg, len) > m2m_es5_packet_room(t->cfg.max_parts,
								   t->cfg.ref16))
		goto out;
	memcpy(t->cmd.tar, tar, sizeof t->cmd.tar);
	t->keys = *keys;
	memcpy(t->eid, eid, M2M_ES5_EID_SIZE);
	ch->chain = M2M_CHAIN_NONE;
	ch->first = 0;
	ch->count = 0;
	err = m2m_buf_append(&ch->script, data, len);
	if (err == M2M_OK)
		t->plan.count = 1;
out:
	if (err != M2M_OK)
		t->done = true;
	return err;
}

m2m_es5_por_verdict sb_raw_por(m2m_es5_txn *t, const uint8_t *pkt, size_t n)
{
	m2m_es5_por por;
	m2m_buf data;
	m2m_es5_por_verdict v = M2M_ES5_POR_NOT_OURS;

	m2m_buf_init(&data);
	if (t->done || !t->waiting)
		goto out;
	v = M2M_ES5_POR_BAD;
	if (m2m_es5_por_open(&t->pkt.hdr, &t->keys, pkt, n, &por, &data) != M2M_OK)
		goto out;
	v = M2M_ES5_POR_NOT_OURS;
	if (!m2m_es5_por_matches(&por, &t->pkt.hdr))
		goto out;
	v = M2M_ES5_POR_IGNORED;
	/* As for command sets: the short 0B PoR announces the full one; a resent copy's
	 * "counter low" says nothing of the first. */
	if (por.status == M2M_POR_RESPONSE_IN_SMS_SUBMIT ||
	    (t->resent && !por.secured && por.status == M2M_POR_CNTR_LOW))
		goto out;
	v = M2M_ES5_POR_TAKEN;
	t->result.por_status = por.status;
	if (por.status != M2M_POR_OK)
		m2m_es5_result_por(&t->result, por.status);
	else
		t->result.outcome = M2M_ES5_OK;
	t->done = true;
	t->waiting = false;
out:
	m2m_buf_free(&data);
	return v;
}
