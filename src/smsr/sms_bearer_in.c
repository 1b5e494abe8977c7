/* The SMS bearer's way back: deliver_sm carrying a PoR (UDH 71) or an eUICC-originated
 * command packet (UDH 70: a notification), single or concatenated (sgp02-bearers.md 1.4,
 * 1.5). Receipts are demultiplexed before this, by the ESME (esm_class 0x04). */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "smsr/sms_bearer_int.h"

static void por(m2m_sms_bearer *b, const char *from, const uint8_t *pkt, size_t n)
{
	sb_cmd *c = sb_map_get(&b->by_msisdn, from, strlen(from));
	m2m_es5_por_verdict v;

	if (c == NULL) {
		b->st.pors_dropped++;
		m2m_info(SB_LOG, "PoR from %s: no command in flight", from);
		return;
	}
	v = c->raw ? sb_raw_por(&c->txn, pkt, n) : m2m_es5_txn_por(&c->txn, pkt, n);
	switch (v) {
	case M2M_ES5_POR_TAKEN:
		b->st.pors++;
		if (c->txn.done)
			sb_cmd_complete(c);
		else if (m2m_es5_txn_due(&c->txn))
			sb_cmd_next_packet(c);
		break;
	case M2M_ES5_POR_IGNORED:
		break;
	default:
		b->st.pors_dropped++;
		m2m_warn(SB_LOG, "PoR from %s dropped: %s", from,
			 v == M2M_ES5_POR_BAD ? "malformed or not verified"
					      : "not the awaited one");
		break;
	}
}

/* The keys that verify a notification naming key set kvn. */
static m2m_err notif_keys(m2m_sms_bearer *b, const uint8_t *eid, uint8_t kvn,
			  m2m_sms_bearer_euicc *info, m2m_scp80_keys *keys)
{
	if (kvn == info->pack.kvn) {
		*keys = info->keys;
		return M2M_OK;
	}
	if (b->lk.keyset == NULL)
		return M2M_ERR_STATE;
	return b->lk.keyset(b->lk_arg, eid, kvn, keys);
}

/* The EID inside is only a hint until the CC verifies with that eUICC's key set. */
static void notification(m2m_sms_bearer *b, const char *from, const uint8_t *pkt, size_t n)
{
	m2m_es5_notif hint, nt;
	m2m_sms_bearer_euicc info;
	m2m_scp80_keys keys;
	uint8_t kvn = 0;
	m2m_err err;

	memset(&info, 0, sizeof info);
	memset(&keys, 0, sizeof keys);
	err = m2m_es5_notif_kvn(pkt, n, &kvn);
	if (err == M2M_OK)
		err = m2m_es5_notif_peek(pkt, n, &hint);
	if (err == M2M_OK)
		err = b->lk.by_eid(b->lk_arg, hint.eid, &info);
	if (err == M2M_OK) {
		m2m_es5_pack_defaults(&info.pack);
		err = notif_keys(b, hint.eid, kvn, &info, &keys);
	}
	if (err == M2M_OK)
		err = m2m_es5_notif_open(pkt, n, &keys, &nt);
	m2m_scp80_keys_wipe(&keys);
	m2m_scp80_keys_wipe(&info.keys);
	if (err != M2M_OK) {
		b->st.notifications_dropped++;
		m2m_warn(SB_LOG, "MO packet from %s dropped: %s", from, m2m_strerror(err));
		return;
	}
	b->st.notifications++;
	if (b->cbs.on_notification != NULL)
		b->cbs.on_notification(b, &nt, from, b->arg);
}

static void packet(m2m_sms_bearer *b, const char *from, uint8_t iei, const uint8_t *pkt,
		   size_t n)
{
	if (iei == M2M_SMS_IEI_RPI)
		por(b, from, pkt, n);
	else if (iei == M2M_SMS_IEI_CPI)
		notification(b, from, pkt, n);
}

/* ---- concatenated messages ---- */

static void reasm_drop(sb_reasm *ra)
{
	sb_map_del(&ra->b->reasm, ra->from, strlen(ra->from));
	event_free(ra->timer);
	m2m_sms_reasm_free(&ra->r);
	free(ra);
}

static void reasm_timeout(evutil_socket_t fd, short what, void *arg)
{
	sb_reasm *ra = arg;

	(void)fd;
	(void)what;
	m2m_info(SB_LOG, "incomplete concatenated message from %s dropped", ra->from);
	reasm_drop(ra);
}

void sb_reasm_free_all(m2m_sms_bearer *b)
{
	for (size_t i = 0; b->reasm.bucket != NULL && i < b->reasm.nbucket; i++) {
		sb_node *n = b->reasm.bucket[i];
		while (n != NULL) {
			sb_reasm *ra = n->val;
			n = n->next;
			reasm_drop(ra);
		}
	}
}

static sb_reasm *reasm_get(m2m_sms_bearer *b, const char *from)
{
	sb_reasm *ra = sb_map_get(&b->reasm, from, strlen(from));

	if (ra != NULL || b->reasm.count >= b->cfg.reasm_max)
		return ra;
	ra = calloc(1, sizeof *ra);
	if (ra == NULL)
		return NULL;
	ra->b = b;
	memcpy(ra->from, from, strlen(from) + 1);
	m2m_sms_reasm_init(&ra->r);
	ra->timer = evtimer_new(b->base, reasm_timeout, ra);
	if (ra->timer == NULL || sb_map_put(&b->reasm, from, strlen(from), ra) != M2M_OK) {
		if (ra->timer != NULL)
			event_free(ra->timer);
		free(ra);
		return NULL;
	}
	return ra;
}

/* One part; the packet goes on when complete. A part of another message from the same
 * eUICC replaces the one pending (the card sends one message at a time). */
static uint32_t concat(m2m_sms_bearer *b, const char *from, const uint8_t *ud, size_t n)
{
	sb_reasm *ra = reasm_get(b, from);
	struct timeval tv;
	m2m_buf pkt;
	uint8_t iei = 0;
	bool done = false;
	m2m_err err;

	if (ra == NULL)
		return M2M_SMPP_RMSGQFUL; /* the SMSC delivers it again later */
	m2m_buf_init(&pkt);
	err = m2m_sms_reasm_add(&ra->r, ud, n, &pkt, &iei, &done);
	if (err == M2M_ERR_STATE) {
		m2m_sms_reasm_free(&ra->r);
		err = m2m_sms_reasm_add(&ra->r, ud, n, &pkt, &iei, &done);
	}
	if (err != M2M_OK || done) {
		reasm_drop(ra);
		if (err == M2M_OK)
			packet(b, from, iei, pkt.data, pkt.len);
		else
			m2m_warn(SB_LOG, "concatenated part from %s: %s", from, m2m_strerror(err));
	} else {
		tv.tv_sec = b->cfg.reasm_timeout_ms / 1000;
		tv.tv_usec = (b->cfg.reasm_timeout_ms % 1000) * 1000;
		evtimer_add(ra->timer, &tv);
	}
	m2m_buf_free(&pkt);
	return M2M_SMPP_ROK;
}

uint32_t sb_deliver(m2m_sms_bearer *b, const m2m_smpp_pdu *dlv)
{
	char from[21];
	m2m_es5_ud ud;

	sb_digits(dlv->source.addr, from);
	/* Only binary messages with a UDH can carry a secured packet. */
	if (!(dlv->esm_class & M2M_SMPP_ESM_UDHI) ||
	    m2m_es5_ud_parse(dlv->msg, dlv->msg_len, &ud) != M2M_OK) {
		m2m_info(SB_LOG, "deliver_sm from %s: not a secured packet, ignored", from);
		return M2M_SMPP_ROK;
	}
	if (ud.concat)
		return concat(b, from, dlv->msg, dlv->msg_len);
	packet(b, from, ud.iei, ud.payload, ud.payload_len);
	return M2M_SMPP_ROK;
}
