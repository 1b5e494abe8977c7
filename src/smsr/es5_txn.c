/* One ES5 command set in flight over SMS: packets one at a time, PoRs matched and gathered. */
#include <string.h>

#include "smsr/es5_txn.h"

m2m_err m2m_es5_cmd_copy(m2m_es5_cmd *dst, const m2m_es5_cmd *src)
{
	m2m_es5_apdus keep = dst->apdus;
	m2m_err err;

	m2m_es5_apdus_reset(&keep);
	*dst = *src;
	dst->apdus = keep;
	err = m2m_buf_append(&dst->apdus.bytes, src->apdus.bytes.data, src->apdus.bytes.len);
	if (err == M2M_OK) {
		memcpy(dst->apdus.off, src->apdus.off, sizeof dst->apdus.off);
		memcpy(dst->apdus.len, src->apdus.len, sizeof dst->apdus.len);
		dst->apdus.count = src->apdus.count;
	}
	return err;
}

m2m_err m2m_es5_txn_start(m2m_es5_txn *t, const m2m_es5_cmd *cmd, const m2m_es5_pack_cfg *cfg,
			  const m2m_scp80_keys *keys, const uint8_t eid[M2M_ES5_EID_SIZE])
{
	m2m_err err = M2M_ERR_ARG;

	memset(t, 0, sizeof *t);
	m2m_es5_cmd_init(&t->cmd);
	m2m_es5_plan_init(&t->plan);
	m2m_es5_packet_init(&t->pkt);
	m2m_es5_result_init(&t->result, cmd != NULL ? cmd->fn : 0);
	if (cmd == NULL || cfg == NULL || keys == NULL || eid == NULL)
		goto out;
	t->cfg = *cfg;
	m2m_es5_pack_defaults(&t->cfg);
	err = m2m_es5_pack_check(&t->cfg);
	if (err == M2M_OK)
		err = m2m_es5_cmd_copy(&t->cmd, cmd);
	if (err != M2M_OK)
		goto out;
	t->keys = *keys;
	memcpy(t->eid, eid, M2M_ES5_EID_SIZE);
	err = m2m_es5_plan_build(&t->cmd, &t->cfg, &t->plan);
out:
	if (err != M2M_OK)
		t->done = true;
	return err;
}

void m2m_es5_txn_free(m2m_es5_txn *t)
{
	m2m_es5_cmd_free(&t->cmd);
	m2m_es5_plan_free(&t->plan);
	m2m_es5_packet_free(&t->pkt);
	m2m_es5_result_free(&t->result);
	m2m_scp80_keys_wipe(&t->keys);
	t->done = true;
	t->waiting = false;
}

bool m2m_es5_txn_due(const m2m_es5_txn *t)
{
	return !t->done && !t->waiting && t->next < t->plan.count;
}

m2m_err m2m_es5_txn_packet(m2m_es5_txn *t, m2m_es5_reserve_counter_fn reserve, void *arg,
			   uint16_t ref)
{
	m2m_err err;

	if (!m2m_es5_txn_due(t))
		return M2M_ERR_STATE;
	err = m2m_es5_packet_build(&t->cfg, &t->keys, t->eid, reserve, arg, t->cmd.tar,
				   &t->plan.chunk[t->next], ref, &t->pkt);
	if (err != M2M_OK) {
		m2m_es5_txn_fail(t, M2M_ES5_TRANSPORT);
		return err;
	}
	t->next++;
	t->waiting = true;
	t->resent = false;
	return M2M_OK;
}

/* GET STATUS answered 6310 (more entries) at the end of a packet that kept the card
 * session (chain first/next): GET STATUS P2 03 goes in one more packet of the chain. */
static bool next_page(m2m_es5_txn *t, uint16_t last_sw)
{
	const m2m_es5_chunk *ch = &t->plan.chunk[t->next - 1];
	m2m_es5_chunk *nc = &t->plan.chunk[t->plan.count];
	m2m_script_builder sb;
	uint8_t apdu[5 + 255 + 1];
	size_t len, n = t->cmd.apdus.count;
	const uint8_t *last = m2m_es5_apdus_get(&t->cmd.apdus, n - 1, &len);
	m2m_err err;

	if (last_sw != 0x6310 || t->next != t->plan.count || t->result.rapdus.count != n ||
	    n == M2M_ES5_APDU_MAX || last[1] != 0xF2 || len > sizeof apdu ||
	    (ch->chain != M2M_CHAIN_FIRST_DELETE && ch->chain != M2M_CHAIN_FIRST_KEEP &&
	     ch->chain != M2M_CHAIN_NEXT))
		return false;
	memcpy(apdu, last, len);
	apdu[3] = 0x03; /* next occurrences */
	err = m2m_es5_apdus_add(&t->cmd.apdus, apdu, len);
	m2m_buf_reset(&nc->script);
	if (err == M2M_OK)
		err = m2m_script_begin(&sb, &nc->script, false, M2M_CHAIN_NEXT);
	if (err == M2M_OK)
		err = m2m_script_add_capdu(&sb, apdu, len);
	if (err == M2M_OK)
		err = m2m_script_end(&sb);
	if (err != M2M_OK) {
		t->cmd.apdus.count = n;
		return false;
	}
	nc->chain = M2M_CHAIN_NEXT;
	nc->first = n;
	nc->count = 1;
	t->plan.count++;
	return true;
}

static void finish(m2m_es5_txn *t)
{
	m2m_es5_result_finish(&t->cmd, &t->result);
	t->done = true;
	t->waiting = false;
}

/* The response script of the awaited packet: gather, then go on or stop. */
static void take_script(m2m_es5_txn *t, const m2m_buf *script)
{
	const m2m_es5_chunk *ch = &t->plan.chunk[t->next - 1];
	size_t before = t->result.rapdus.count;
	uint16_t last_sw = 0;

	t->waiting = false;
	if (m2m_es5_result_add_script(&t->result, script->data, script->len, &last_sw) != M2M_OK) {
		m2m_es5_txn_fail(t, M2M_ES5_BAD_RESPONSE);
		return;
	}
	/* An error stops the card's script; all good but short, or too long, is broken. */
	if (t->result.rapdus.count - before == ch->count && m2m_es5_sw_ok(last_sw) &&
	    (t->next < t->plan.count || next_page(t, last_sw)))
		return;
	finish(t);
}

m2m_es5_por_verdict m2m_es5_txn_por(m2m_es5_txn *t, const uint8_t *pkt, size_t n)
{
	m2m_es5_por por;
	m2m_buf script;
	m2m_es5_por_verdict v = M2M_ES5_POR_NOT_OURS;

	m2m_buf_init(&script);
	if (t->done || !t->waiting)
		goto out;
	v = M2M_ES5_POR_BAD;
	if (m2m_es5_por_open(&t->pkt.hdr, &t->keys, pkt, n, &por, &script) != M2M_OK)
		goto out;
	v = M2M_ES5_POR_NOT_OURS;
	if (!m2m_es5_por_matches(&por, &t->pkt.hdr))
		goto out;
	v = M2M_ES5_POR_IGNORED;
	/* 0B: the short PoR of the DELIVER-REPORT, the full one follows by SMS-SUBMIT. A
	 * packet sent twice gets "counter low" for its copy, not for what the card did. */
	if (por.status == M2M_POR_RESPONSE_IN_SMS_SUBMIT ||
	    (t->resent && !por.secured && por.status == M2M_POR_CNTR_LOW))
		goto out;
	v = M2M_ES5_POR_TAKEN;
	t->result.por_status = por.status;
	if (por.status != M2M_POR_OK) {
		m2m_es5_result_por(&t->result, por.status);
		t->done = true;
		t->waiting = false;
	} else {
		take_script(t, &script);
	}
out:
	m2m_buf_free(&script);
	return v;
}

void m2m_es5_txn_fail(m2m_es5_txn *t, m2m_es5_outcome o)
{
	m2m_es5_result_fail(&t->result, o);
	t->done = true;
	t->waiting = false;
}
