/* The ES5 SMS bearer: commands in flight, the submit window, receipts, time-outs. The way
 * back (PoRs and MO notifications) is in sms_bearer_in.c. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "smsr/sms_bearer_int.h"

_Static_assert(sizeof(uintptr_t) >= sizeof(uint64_t), "submit references carry 64 bits");

#define DEFAULT_POR_TIMEOUT_MS 120000u
#define DEFAULT_WINDOW 10u
#define DEFAULT_THROTTLE_MS 5000u
#define DEFAULT_RESUBMIT_MAX 3u
#define DEFAULT_REASM_TIMEOUT_MS 60000u
#define DEFAULT_REASM_MAX 1024u

void sb_digits(const char *addr, char out[21])
{
	size_t k = 0;

	for (size_t i = 0; addr != NULL && addr[i] != '\0' && k < 20; i++)
		if (addr[i] >= '0' && addr[i] <= '9')
			out[k++] = addr[i];
	out[k] = '\0';
}

static void set_timer(struct event *ev, unsigned ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	evtimer_add(ev, &tv);
}

sb_cmd *sb_cmd_find(const m2m_sms_bearer *b, uint64_t id)
{
	return sb_map_get(&b->by_id, &id, sizeof id);
}

/* ---- submit queue ---- */

static m2m_err enqueue(m2m_sms_bearer *b, uint64_t token, bool front)
{
	sb_qent *q = calloc(1, sizeof *q);

	if (q == NULL)
		return M2M_ERR_NOMEM;
	q->token = token;
	if (front) {
		q->next = b->qhead;
		b->qhead = q;
		if (b->qtail == NULL)
			b->qtail = q;
	} else {
		if (b->qtail != NULL)
			b->qtail->next = q;
		else
			b->qhead = q;
		b->qtail = q;
	}
	return M2M_OK;
}

static void dequeue(m2m_sms_bearer *b)
{
	sb_qent *q = b->qhead;

	b->qhead = q->next;
	if (b->qhead == NULL)
		b->qtail = NULL;
	free(q);
}

/* The command and part a token names, if the part is still waiting to be sent. */
static sb_cmd *token_cmd(const m2m_sms_bearer *b, uint64_t token, size_t *part)
{
	sb_cmd *c = sb_cmd_find(b, token >> 16);

	*part = token & 0xFF;
	if (c == NULL || c->gen != ((token >> 8) & 0xFF) || c->txn.done ||
	    *part >= c->txn.pkt.nparts)
		return NULL;
	return c;
}

static void fail(sb_cmd *c, m2m_es5_outcome o)
{
	m2m_es5_txn_fail(&c->txn, o);
	sb_cmd_complete(c);
}

void sb_pump(m2m_sms_bearer *b)
{
	while (!b->paused && !b->held && b->qhead != NULL && b->inflight < b->cfg.window &&
	       m2m_smpp_esme_bound(b->esme)) {
		uint64_t token = b->qhead->token;
		size_t part;
		sb_cmd *c = token_cmd(b, token, &part);
		const m2m_buf *ud;
		m2m_err err;

		if (c == NULL || c->part_state[part] != PART_QUEUED) {
			dequeue(b); /* stale: its command ended or moved on */
			continue;
		}
		ud = &c->txn.pkt.part[part];
		err = m2m_smpp_esme_submit(b->esme, &c->dest, ud->data, ud->len, true,
					   (void *)(uintptr_t)token, NULL);
		if (err == M2M_ERR_STATE || err == M2M_ERR_BOUNDS)
			break; /* the session is closing or its queue is full: wait */
		dequeue(b);
		if (err != M2M_OK) {
			m2m_warn(SB_LOG, "submit to %s: %s", c->msisdn, m2m_strerror(err));
			fail(c, M2M_ES5_TRANSPORT);
			continue;
		}
		c->part_state[part] = PART_SUBMITTED;
		c->part_sends[part]++;
		b->inflight++;
		b->st.submits++;
		if (b->inflight > b->st.window_peak)
			b->st.window_peak = b->inflight;
	}
}

static void resume_cb(evutil_socket_t fd, short what, void *arg)
{
	m2m_sms_bearer *b = arg;

	(void)fd;
	(void)what;
	b->paused = false;
	sb_pump(b);
}

/* ---- commands ---- */

static void forget_msgids(sb_cmd *c)
{
	for (size_t i = 0; c->msgid != NULL && i < c->txn.pkt.nparts; i++) {
		size_t len = strlen(c->msgid[i]);
		uintptr_t t = (uintptr_t)sb_map_get(&c->b->by_msgid, c->msgid[i], len);
		if (len > 0 && t == sb_token(c, i))
			sb_map_del(&c->b->by_msgid, c->msgid[i], len);
		c->msgid[i][0] = '\0';
	}
}

static void cmd_unlink(sb_cmd *c)
{
	m2m_sms_bearer *b = c->b;

	forget_msgids(c);
	if (sb_map_get(&b->by_eid, c->eid, sizeof c->eid) == c)
		sb_map_del(&b->by_eid, c->eid, sizeof c->eid);
	if (sb_map_get(&b->by_msisdn, c->msisdn, strlen(c->msisdn)) == c)
		sb_map_del(&b->by_msisdn, c->msisdn, strlen(c->msisdn));
	sb_map_del(&b->by_id, &c->id, sizeof c->id);
}

static void cmd_free(sb_cmd *c)
{
	if (c->timer != NULL)
		event_free(c->timer);
	m2m_es5_txn_free(&c->txn);
	free(c->part_state);
	free(c->part_sends);
	free(c->msgid);
	free(c);
}

void sb_cmd_complete(sb_cmd *c)
{
	m2m_sms_bearer *b = c->b;

	cmd_unlink(c);
	evtimer_del(c->timer);
	b->st.results++;
	b->st.in_flight--;
	if (c->txn.result.outcome == M2M_ES5_UNDELIVERED)
		b->st.undelivered++;
	if (c->txn.result.outcome == M2M_ES5_TIMEOUT)
		b->st.timeouts++;
	m2m_debug(SB_LOG, "%s to %s: %s", m2m_es5_fn_name(c->txn.cmd.fn), c->msisdn,
		  m2m_es5_outcome_name(c->txn.result.outcome));
	if (b->cbs.on_result != NULL)
		b->cbs.on_result(b, c->ref, c->eid, &c->txn.result, b->arg);
	cmd_free(c);
}

/* Builds the next packet (a counter is reserved) and queues its parts. */
static m2m_err cmd_packet(sb_cmd *c)
{
	m2m_sms_bearer *b = c->b;
	m2m_err err;

	forget_msgids(c);
	c->gen++;
	err = m2m_es5_txn_packet(&c->txn, b->lk.reserve_counter, b->lk_arg, b->next_ref++);
	if (err != M2M_OK)
		return err;
	b->st.packets++;
	c->accepted = 0;
	for (size_t i = 0; i < c->txn.pkt.nparts && err == M2M_OK; i++) {
		c->part_state[i] = PART_QUEUED;
		c->part_sends[i] = 0;
		c->msgid[i][0] = '\0';
		err = enqueue(b, sb_token(c, i), false);
	}
	/* Bounds a packet stuck behind throttling or a dead link too. */
	set_timer(c->timer, b->cfg.por_timeout_ms);
	return err;
}

void sb_cmd_next_packet(sb_cmd *c)
{
	m2m_err err = cmd_packet(c);

	if (err != M2M_OK) {
		m2m_warn(SB_LOG, "packet for %s: %s", c->msisdn, m2m_strerror(err));
		fail(c, M2M_ES5_TRANSPORT);
		return;
	}
	sb_pump(c->b);
}

static void timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	sb_cmd *c = arg;

	(void)fd;
	(void)what;
	m2m_info(SB_LOG, "%s to %s: no PoR in time", m2m_es5_fn_name(c->txn.cmd.fn), c->msisdn);
	fail(c, M2M_ES5_TIMEOUT);
}

static m2m_err cmd_alloc(m2m_sms_bearer *b, const uint8_t *eid, sb_cmd **out)
{
	sb_cmd *c = calloc(1, sizeof *c);

	*out = c;
	if (c == NULL)
		return M2M_ERR_NOMEM;
	c->b = b;
	c->id = ++b->next_id;
	memcpy(c->eid, eid, sizeof c->eid);
	m2m_es5_cmd_init(&c->txn.cmd);
	m2m_es5_plan_init(&c->txn.plan);
	m2m_es5_packet_init(&c->txn.pkt);
	m2m_es5_result_init(&c->txn.result, 0);
	c->timer = evtimer_new(b->base, timeout_cb, c);
	return c->timer != NULL ? M2M_OK : M2M_ERR_NOMEM;
}

/* What one command sends: a command set, or raw secured data for a TAR. */
typedef struct {
	const m2m_es5_cmd *cmd;
	const uint8_t *tar;
	const uint8_t *data;
	size_t len;
} sb_what;

static m2m_err cmd_setup(sb_cmd *c, const sb_what *w, m2m_sms_bearer_euicc *info)
{
	m2m_sms_bearer *b = c->b;
	size_t cap;
	m2m_err err;

	sb_digits(info->msisdn.addr, c->msisdn);
	c->dest = info->msisdn;
	if (c->msisdn[0] == '\0')
		return M2M_ERR_ARG;
	if (sb_map_get(&b->by_msisdn, c->msisdn, strlen(c->msisdn)) != NULL)
		return M2M_ERR_STATE; /* another eUICC answers on this MSISDN right now */
	c->raw = w->cmd == NULL;
	if (c->raw)
		err = sb_raw_start(&c->txn, w->tar, w->data, w->len, &info->pack, &info->keys,
				   c->eid);
	else
		err = m2m_es5_txn_start(&c->txn, w->cmd, &info->pack, &info->keys, c->eid);
	if (err != M2M_OK)
		return err;
	cap = c->txn.cfg.max_parts;
	c->part_state = calloc(cap, sizeof *c->part_state);
	c->part_sends = calloc(cap, sizeof *c->part_sends);
	c->msgid = calloc(cap, sizeof *c->msgid);
	if (c->part_state == NULL || c->part_sends == NULL || c->msgid == NULL)
		return M2M_ERR_NOMEM;
	err = sb_map_put(&b->by_id, &c->id, sizeof c->id, c);
	if (err == M2M_OK)
		err = sb_map_put(&b->by_eid, c->eid, sizeof c->eid, c);
	if (err == M2M_OK)
		err = sb_map_put(&b->by_msisdn, c->msisdn, strlen(c->msisdn), c);
	return err;
}

static m2m_err send_what(m2m_sms_bearer *b, const uint8_t eid[M2M_ES5_EID_SIZE],
			 const sb_what *w, void *ref)
{
	m2m_sms_bearer_euicc info;
	sb_cmd *c = NULL;
	m2m_err err = M2M_ERR_ARG;

	memset(&info, 0, sizeof info);
	if (b == NULL || eid == NULL)
		return err;
	if (m2m_sms_bearer_busy(b, eid))
		return M2M_ERR_STATE;
	err = b->lk.by_eid(b->lk_arg, eid, &info);
	if (err == M2M_OK)
		err = cmd_alloc(b, eid, &c);
	if (err == M2M_OK) {
		c->ref = ref;
		err = cmd_setup(c, w, &info);
	}
	if (err == M2M_OK)
		err = cmd_packet(c);
	m2m_scp80_keys_wipe(&info.keys);
	if (err != M2M_OK) {
		if (c != NULL) {
			cmd_unlink(c);
			cmd_free(c);
		}
		return err;
	}
	b->st.commands++;
	b->st.in_flight++;
	sb_pump(b);
	return M2M_OK;
}

m2m_err m2m_sms_bearer_send(m2m_sms_bearer *b, const uint8_t eid[M2M_ES5_EID_SIZE],
			    const m2m_es5_cmd *cmd, void *ref)
{
	sb_what w = {.cmd = cmd};

	return cmd == NULL ? M2M_ERR_ARG : send_what(b, eid, &w, ref);
}

m2m_err m2m_sms_bearer_send_raw(m2m_sms_bearer *b, const uint8_t eid[M2M_ES5_EID_SIZE],
				const uint8_t tar[3], const uint8_t *data, size_t len, void *ref)
{
	sb_what w = {.tar = tar, .data = data, .len = len};

	if (tar == NULL || data == NULL || len == 0)
		return M2M_ERR_ARG;
	return send_what(b, eid, &w, ref);
}

bool m2m_sms_bearer_busy(const m2m_sms_bearer *b, const uint8_t eid[M2M_ES5_EID_SIZE])
{
	return b != NULL && eid != NULL && sb_map_get(&b->by_eid, eid, M2M_ES5_EID_SIZE) != NULL;
}

void m2m_sms_bearer_hold(m2m_sms_bearer *b, bool held)
{
	if (b == NULL)
		return;
	b->held = held;
	if (!held)
		sb_pump(b);
}

void m2m_sms_bearer_cancel(m2m_sms_bearer *b, const uint8_t eid[M2M_ES5_EID_SIZE])
{
	sb_cmd *c = b != NULL && eid != NULL ? sb_map_get(&b->by_eid, eid, M2M_ES5_EID_SIZE)
					     : NULL;

	if (c != NULL)
		fail(c, M2M_ES5_TRANSPORT);
}

/* ---- ESME callbacks ---- */

static void on_bind(m2m_smpp_esme *e, uint32_t status, void *arg)
{
	m2m_sms_bearer *b = arg;

	(void)e;
	if (status != M2M_SMPP_ROK) {
		m2m_warn(SB_LOG, "bind refused: status 0x%x", (unsigned)status);
		return;
	}
	if (b->cbs.on_link != NULL)
		b->cbs.on_link(b, true, b->arg);
	sb_pump(b);
}

static void on_down(m2m_smpp_esme *e, m2m_err why, void *arg)
{
	m2m_sms_bearer *b = arg;

	(void)e;
	m2m_info(SB_LOG, "SMSC session down: %s", m2m_strerror(why));
	if (b->cbs.on_link != NULL)
		b->cbs.on_link(b, false, b->arg);
}

/* Session lost or response time-out: the part may or may not have reached the SMSC. A copy
 * the card already ran is refused by its counter (and that refusal is ignored). */
static void submit_lost(sb_cmd *c, size_t part, uint64_t token)
{
	m2m_sms_bearer *b = c->b;

	if (c->part_sends[part] >= b->cfg.resubmit_max) {
		fail(c, M2M_ES5_TRANSPORT);
		return;
	}
	c->part_state[part] = PART_QUEUED;
	c->txn.resent = true;
	b->st.resubmits++;
	if (enqueue(b, token, true) != M2M_OK)
		fail(c, M2M_ES5_TRANSPORT);
}

static void submit_accepted(sb_cmd *c, size_t part, uint64_t token, const char *message_id)
{
	m2m_sms_bearer *b = c->b;
	size_t len = strlen(message_id);

	c->part_state[part] = PART_ACCEPTED;
	if (len > 0 && len < sizeof c->msgid[part]) {
		memcpy(c->msgid[part], message_id, len + 1);
		if (sb_map_put(&b->by_msgid, message_id, len, (void *)(uintptr_t)token) != M2M_OK)
			c->msgid[part][0] = '\0';
	}
	/* The PoR clock starts when the whole packet is with the SMSC. */
	if (++c->accepted == c->txn.pkt.nparts)
		set_timer(c->timer, b->cfg.por_timeout_ms);
}

static void on_submit_resp(m2m_smpp_esme *e, void *ref, m2m_err err, uint32_t status,
			   const char *message_id, void *arg)
{
	m2m_sms_bearer *b = arg;
	uint64_t token = (uintptr_t)ref;
	size_t part;
	sb_cmd *c;

	(void)e;
	b->inflight--;
	c = token_cmd(b, token, &part);
	if (c == NULL || c->part_state[part] != PART_SUBMITTED) {
		sb_pump(b); /* its command ended (PoR first, time-out) */
		return;
	}
	if (err != M2M_OK) {
		submit_lost(c, part, token);
	} else if (status == M2M_SMPP_RTHROTTLED || status == M2M_SMPP_RMSGQFUL) {
		c->part_state[part] = PART_QUEUED;
		c->part_sends[part]--;
		b->st.throttled++;
		if (enqueue(b, token, true) != M2M_OK) {
			fail(c, M2M_ES5_TRANSPORT);
		} else if (!b->paused) {
			b->paused = true;
			set_timer(b->resume, b->cfg.throttle_ms);
		}
	} else if (status != M2M_SMPP_ROK) {
		m2m_info(SB_LOG, "SMSC refused a part for %s: status 0x%x", c->msisdn,
			 (unsigned)status);
		fail(c, M2M_ES5_UNDELIVERED);
	} else {
		submit_accepted(c, part, token, message_id != NULL ? message_id : "");
	}
	sb_pump(b);
}

static void on_receipt(m2m_smpp_esme *e, const m2m_smpp_receipt *r, const m2m_smpp_pdu *dlv,
		       void *arg)
{
	m2m_sms_bearer *b = arg;
	uintptr_t token;
	size_t part;
	sb_cmd *c;

	(void)e;
	(void)dlv;
	b->st.receipts++;
	token = (uintptr_t)sb_map_get(&b->by_msgid, r->id, strlen(r->id));
	c = token != 0 ? token_cmd(b, token, &part) : NULL;
	if (c == NULL)
		return; /* late: its command is over */
	switch (r->state) {
	case M2M_SMPP_STATE_DELIVERED:
		c->txn.result.delivered = true;
		break;
	case M2M_SMPP_STATE_EXPIRED:
	case M2M_SMPP_STATE_DELETED:
	case M2M_SMPP_STATE_UNDELIVERABLE:
	case M2M_SMPP_STATE_REJECTED:
		m2m_info(SB_LOG, "%s to %s: receipt %s", m2m_es5_fn_name(c->txn.cmd.fn),
			 c->msisdn, r->stat);
		fail(c, M2M_ES5_UNDELIVERED);
		break;
	default:
		break;
	}
}

static uint32_t on_deliver(m2m_smpp_esme *e, const m2m_smpp_pdu *dlv, void *arg)
{
	(void)e;
	return sb_deliver(arg, dlv);
}

/* ---- life cycle ---- */

static m2m_err copy_str(char *dst, size_t cap, const char **src)
{
	size_t n = *src != NULL ? strlen(*src) : 0;

	if (n >= cap)
		return M2M_ERR_ARG;
	if (n > 0)
		memcpy(dst, *src, n);
	dst[n] = '\0';
	*src = dst;
	return M2M_OK;
}

static m2m_err config(m2m_sms_bearer *b, const m2m_sms_bearer_cfg *cfg)
{
	m2m_smpp_esme_cfg *ec = &b->cfg.esme;
	m2m_err err;

	b->cfg = *cfg;
	if ((err = copy_str(b->host, sizeof b->host, &ec->host)) != M2M_OK ||
	    (err = copy_str(b->system_id, sizeof b->system_id, &ec->system_id)) != M2M_OK ||
	    (err = copy_str(b->password, sizeof b->password, &ec->password)) != M2M_OK ||
	    (err = copy_str(b->system_type, sizeof b->system_type, &ec->system_type)) != M2M_OK)
		return err;
	if (b->cfg.por_timeout_ms == 0)
		b->cfg.por_timeout_ms = DEFAULT_POR_TIMEOUT_MS;
	if (b->cfg.window == 0)
		b->cfg.window = ec->session.window != 0 ? ec->session.window : DEFAULT_WINDOW;
	if (b->cfg.throttle_ms == 0)
		b->cfg.throttle_ms = DEFAULT_THROTTLE_MS;
	if (b->cfg.resubmit_max == 0)
		b->cfg.resubmit_max = DEFAULT_RESUBMIT_MAX;
	if (b->cfg.reasm_timeout_ms == 0)
		b->cfg.reasm_timeout_ms = DEFAULT_REASM_TIMEOUT_MS;
	if (b->cfg.reasm_max == 0)
		b->cfg.reasm_max = DEFAULT_REASM_MAX;
	return M2M_OK;
}

m2m_sms_bearer *m2m_sms_bearer_new(struct event_base *base, const m2m_sms_bearer_cfg *cfg,
				   const m2m_sms_bearer_lookup *lookup, void *lookup_arg,
				   const m2m_sms_bearer_cbs *cbs, void *arg)
{
	static const m2m_smpp_esme_cbs ecbs = {on_bind, on_down, on_submit_resp, on_deliver,
					       on_receipt};
	m2m_sms_bearer *b;

	if (base == NULL || cfg == NULL || lookup == NULL || lookup->by_eid == NULL ||
	    lookup->reserve_counter == NULL || cbs == NULL || (b = calloc(1, sizeof *b)) == NULL)
		return NULL;
	b->base = base;
	b->lk = *lookup;
	b->lk_arg = lookup_arg;
	b->cbs = *cbs;
	b->arg = arg;
	if (config(b, cfg) != M2M_OK || sb_map_init(&b->by_eid) != M2M_OK ||
	    sb_map_init(&b->by_msisdn) != M2M_OK || sb_map_init(&b->by_id) != M2M_OK ||
	    sb_map_init(&b->by_msgid) != M2M_OK || sb_map_init(&b->reasm) != M2M_OK ||
	    (b->resume = evtimer_new(base, resume_cb, b)) == NULL ||
	    (b->esme = m2m_smpp_esme_new(base, &b->cfg.esme, &ecbs, b)) == NULL) {
		m2m_sms_bearer_free(b);
		return NULL;
	}
	return b;
}

m2m_err m2m_sms_bearer_start(m2m_sms_bearer *b)
{
	return b != NULL ? m2m_smpp_esme_start(b->esme) : M2M_ERR_ARG;
}

void m2m_sms_bearer_stop(m2m_sms_bearer *b)
{
	if (b != NULL)
		m2m_smpp_esme_stop(b->esme);
}

void m2m_sms_bearer_free(m2m_sms_bearer *b)
{
	if (b == NULL)
		return;
	/* The ESME goes first: it calls nothing back while it is being freed. */
	m2m_smpp_esme_free(b->esme);
	for (size_t i = 0; b->by_id.bucket != NULL && i < b->by_id.nbucket; i++)
		for (sb_node *n = b->by_id.bucket[i]; n != NULL; n = n->next)
			cmd_free(n->val);
	while (b->qhead != NULL)
		dequeue(b);
	sb_reasm_free_all(b);
	sb_map_free(&b->by_eid);
	sb_map_free(&b->by_msisdn);
	sb_map_free(&b->by_id);
	sb_map_free(&b->by_msgid);
	sb_map_free(&b->reasm);
	if (b->resume != NULL)
		event_free(b->resume);
	free(b);
}

bool m2m_sms_bearer_bound(const m2m_sms_bearer *b)
{
	return b != NULL && m2m_smpp_esme_bound(b->esme);
}

void m2m_sms_bearer_stats_get(const m2m_sms_bearer *b, m2m_sms_bearer_stats *s)
{
	if (b == NULL || s == NULL)
		return;
	*s = b->st;
	s->window_used = b->inflight;
}

m2m_smpp_esme *m2m_sms_bearer_esme(const m2m_sms_bearer *b)
{
	return b != NULL ? b->esme : NULL;
}
