/* SMPP session engine: see smpp_conn.h and docs/smpp.md. */
#include "net/smpp_conn.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "core/log.h"

#define LOG "smpp"

typedef struct pending {
	struct pending *next;
	m2m_smpp_conn *conn;
	uint32_t seq;
	uint32_t command_id;
	bool windowed;          /* counts against the window (not enquire_link/unbind) */
	m2m_smpp_resp_cb cb;
	void *arg;
	struct event *timer;
	m2m_buf pdu;            /* encoded, while queued */
} pending;

struct m2m_smpp_conn {
	struct bufferevent *bev;
	struct event_base *base;
	m2m_smpp_conn_cfg cfg;
	m2m_smpp_conn_cbs cbs;
	void *arg;
	uint32_t next_seq;
	pending *out;           /* sent, awaiting a response */
	size_t out_windowed;
	pending *q_head, *q_tail;
	size_t queued;
	struct event *keepalive;
	bool enquiring;
	struct event *close_ev;
	bool closing;
	bool flushing;          /* close once the output buffer is drained */
	m2m_err close_err;
};

static void conn_pump(m2m_smpp_conn *c);

static const char *conn_name(const m2m_smpp_conn *c)
{
	return c->cfg.name ? c->cfg.name : "session";
}

static uint32_t conn_next_seq(m2m_smpp_conn *c)
{
	uint32_t s = c->next_seq;

	c->next_seq = s >= 0x7FFFFFFFu ? 1 : s + 1;
	return s;
}

static void pending_free(pending *p)
{
	if (!p)
		return;
	if (p->timer)
		event_free(p->timer);
	m2m_buf_free(&p->pdu);
	free(p);
}

static m2m_err conn_write(m2m_smpp_conn *c, const m2m_smpp_pdu *pdu)
{
	m2m_buf b;
	m2m_err err;

	m2m_buf_init(&b);
	if (!c->bev) {
		err = M2M_ERR_STATE;
		goto out;
	}
	if ((err = m2m_smpp_pdu_encode(pdu, &b)) != M2M_OK)
		goto out;
	if (bufferevent_write(c->bev, b.data, b.len) != 0)
		err = M2M_ERR_IO;
	m2m_debug(LOG, "%s: sent %s seq %u status 0x%x", conn_name(c),
		  m2m_smpp_command_name(pdu->command_id), pdu->sequence, pdu->command_status);
out:
	m2m_buf_free(&b);
	return err;
}

/* ------------------------------------------------------------------ closing */

static void conn_fail_all(m2m_smpp_conn *c, m2m_err err)
{
	pending *lists[2] = {c->out, c->q_head};

	c->out = NULL;
	c->q_head = c->q_tail = NULL;
	c->out_windowed = c->queued = 0;
	for (int i = 0; i < 2; i++) {
		while (lists[i]) {
			pending *p = lists[i];
			lists[i] = p->next;
			if (p->cb)
				p->cb(c, err, NULL, p->arg);
			pending_free(p);
		}
	}
}

static void conn_close_cb(evutil_socket_t fd, short what, void *arg)
{
	m2m_smpp_conn *c = arg;

	(void)fd;
	(void)what;
	if (c->keepalive)
		event_del(c->keepalive);
	if (c->bev) {
		bufferevent_free(c->bev);
		c->bev = NULL;
	}
	conn_fail_all(c, c->close_err == M2M_OK ? M2M_ERR_STATE : c->close_err);
	if (c->cbs.on_close)
		c->cbs.on_close(c, c->close_err, c->arg); /* may free c */
}

void m2m_smpp_conn_close(m2m_smpp_conn *c, m2m_err err)
{
	if (!c || c->closing)
		return;
	c->closing = true;
	c->close_err = err;
	if (c->bev) {
		bufferevent_disable(c->bev, EV_READ);
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) > 0) {
			c->flushing = true; /* e.g. a bind refusal or unbind_resp still queued */
			return;
		}
	}
	event_active(c->close_ev, EV_TIMEOUT, 0);
}

static void conn_write_cb(struct bufferevent *bev, void *arg)
{
	m2m_smpp_conn *c = arg;

	(void)bev;
	if (c->flushing) {
		c->flushing = false;
		event_active(c->close_ev, EV_TIMEOUT, 0);
	}
}

static void conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	m2m_smpp_conn *c = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED)
		return;
	if (what & BEV_EVENT_EOF)
		m2m_info(LOG, "%s: peer closed the connection", conn_name(c));
	else
		m2m_warn(LOG, "%s: socket error (events 0x%x)", conn_name(c), (unsigned)what);
	c->flushing = false;
	if (!c->closing) {
		c->closing = true;
		c->close_err = M2M_ERR_IO;
	}
	event_active(c->close_ev, EV_TIMEOUT, 0);
}

/* ------------------------------------------------------------------ requests */

static pending *conn_take(m2m_smpp_conn *c, uint32_t seq)
{
	for (pending **pp = &c->out; *pp; pp = &(*pp)->next) {
		pending *p = *pp;
		if (p->seq == seq) {
			*pp = p->next;
			if (p->windowed)
				c->out_windowed--;
			return p;
		}
	}
	return NULL;
}

static void conn_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	pending *p = arg;
	m2m_smpp_conn *c = p->conn;

	(void)fd;
	(void)what;
	p = conn_take(c, p->seq);
	m2m_warn(LOG, "%s: no response to %s seq %u in %u ms", conn_name(c),
		 m2m_smpp_command_name(p->command_id), p->seq, c->cfg.resp_timeout_ms);
	if (p->cb)
		p->cb(c, M2M_ERR_IO, NULL, p->arg);
	pending_free(p);
	conn_pump(c);
}

static m2m_err conn_send_pending(m2m_smpp_conn *c, pending *p)
{
	struct timeval tv = {c->cfg.resp_timeout_ms / 1000, (c->cfg.resp_timeout_ms % 1000) * 1000};

	if (!c->bev || bufferevent_write(c->bev, p->pdu.data, p->pdu.len) != 0)
		return M2M_ERR_IO;
	m2m_buf_free(&p->pdu);
	p->timer = evtimer_new(c->base, conn_timeout_cb, p);
	if (!p->timer || evtimer_add(p->timer, &tv) != 0)
		return M2M_ERR_NOMEM;
	p->next = c->out;
	c->out = p;
	if (p->windowed)
		c->out_windowed++;
	m2m_debug(LOG, "%s: sent %s seq %u", conn_name(c), m2m_smpp_command_name(p->command_id),
		  p->seq);
	return M2M_OK;
}

/* Moves queued requests into the window while there is room. */
static void conn_pump(m2m_smpp_conn *c)
{
	while (!c->closing && c->q_head && c->out_windowed < c->cfg.window) {
		pending *p = c->q_head;
		c->q_head = p->next;
		if (!c->q_head)
			c->q_tail = NULL;
		c->queued--;
		p->next = NULL;
		if (conn_send_pending(c, p) != M2M_OK) {
			if (p->cb)
				p->cb(c, M2M_ERR_IO, NULL, p->arg);
			pending_free(p);
			m2m_smpp_conn_close(c, M2M_ERR_IO);
		}
	}
}

static m2m_err conn_request(m2m_smpp_conn *c, m2m_smpp_pdu *req, bool windowed,
			    m2m_smpp_resp_cb cb, void *arg, uint32_t *seq)
{
	pending *p = NULL;
	m2m_err err;

	if (c->closing || !c->bev)
		return M2M_ERR_STATE;
	if (windowed && c->queued >= c->cfg.queue_max)
		return M2M_ERR_BOUNDS;
	if (!(p = calloc(1, sizeof *p)))
		return M2M_ERR_NOMEM;
	m2m_buf_init(&p->pdu);
	p->conn = c;
	p->windowed = windowed;
	p->cb = cb;
	p->arg = arg;
	p->command_id = req->command_id;
	req->sequence = p->seq = conn_next_seq(c);
	if ((err = m2m_smpp_pdu_encode(req, &p->pdu)) != M2M_OK)
		goto out;
	if (seq)
		*seq = p->seq;
	if (windowed && (c->q_head || c->out_windowed >= c->cfg.window)) {
		if (c->q_tail)
			c->q_tail->next = p;
		else
			c->q_head = p;
		c->q_tail = p;
		c->queued++;
		p = NULL;
		goto out;
	}
	err = conn_send_pending(c, p);
	if (err == M2M_OK)
		p = NULL;
out:
	pending_free(p);
	return err;
}

m2m_err m2m_smpp_conn_request(m2m_smpp_conn *c, m2m_smpp_pdu *req, m2m_smpp_resp_cb cb,
			      void *arg, uint32_t *seq)
{
	if (!c || !req || m2m_smpp_is_response(req->command_id))
		return M2M_ERR_ARG;
	return conn_request(c, req, true, cb, arg, seq);
}

m2m_err m2m_smpp_conn_respond(m2m_smpp_conn *c, const m2m_smpp_pdu *resp)
{
	if (!c || !resp || !m2m_smpp_is_response(resp->command_id))
		return M2M_ERR_ARG;
	if (c->closing && !c->flushing)
		return M2M_ERR_STATE;
	return conn_write(c, resp);
}

m2m_err m2m_smpp_conn_nack(m2m_smpp_conn *c, uint32_t seq, uint32_t status)
{
	m2m_smpp_pdu *p = malloc(sizeof *p);
	m2m_err err;

	if (!p)
		return M2M_ERR_NOMEM;
	/* generic_nack may carry sequence 0 when the offending one is unreadable */
	m2m_smpp_pdu_init(p, M2M_SMPP_GENERIC_NACK, seq ? seq : 1);
	p->sequence = seq;
	p->command_status = status;
	err = conn_write(c, p);
	free(p);
	return err;
}

static void conn_unbind_resp(m2m_smpp_conn *c, m2m_err err, const m2m_smpp_pdu *resp, void *arg)
{
	(void)err;
	(void)resp;
	(void)arg;
	m2m_smpp_conn_close(c, M2M_OK);
}

m2m_err m2m_smpp_conn_unbind(m2m_smpp_conn *c)
{
	m2m_smpp_pdu p;

	if (!c)
		return M2M_ERR_ARG;
	m2m_smpp_pdu_init(&p, M2M_SMPP_UNBIND, 0);
	return conn_request(c, &p, false, conn_unbind_resp, NULL, NULL);
}

/* ------------------------------------------------------------------ keep-alive */

static void conn_enquire_resp(m2m_smpp_conn *c, m2m_err err, const m2m_smpp_pdu *resp, void *arg)
{
	(void)resp;
	(void)arg;
	c->enquiring = false;
	if (err != M2M_OK && !c->closing) {
		m2m_warn(LOG, "%s: enquire_link unanswered, dropping the session", conn_name(c));
		m2m_smpp_conn_close(c, M2M_ERR_IO);
	}
}

static void conn_keepalive_cb(evutil_socket_t fd, short what, void *arg)
{
	m2m_smpp_conn *c = arg;
	m2m_smpp_pdu p;

	(void)fd;
	(void)what;
	if (c->enquiring || c->closing)
		return;
	m2m_smpp_pdu_init(&p, M2M_SMPP_ENQUIRE_LINK, 0);
	if (conn_request(c, &p, false, conn_enquire_resp, NULL, NULL) == M2M_OK)
		c->enquiring = true;
}

void m2m_smpp_conn_keepalive(m2m_smpp_conn *c)
{
	struct timeval tv;

	if (!c || c->cfg.enquire_ms == 0 || c->keepalive)
		return;
	tv.tv_sec = c->cfg.enquire_ms / 1000;
	tv.tv_usec = (c->cfg.enquire_ms % 1000) * 1000;
	c->keepalive = event_new(c->base, -1, EV_PERSIST, conn_keepalive_cb, c);
	if (c->keepalive)
		event_add(c->keepalive, &tv);
}

/* ------------------------------------------------------------------ incoming */

static void conn_on_response(m2m_smpp_conn *c, m2m_err derr, const m2m_smpp_pdu *pdu,
			     uint32_t seq, const char *why)
{
	pending *p = conn_take(c, seq);

	if (!p) {
		m2m_warn(LOG, "%s: response seq %u matches no request, ignored", conn_name(c), seq);
		return;
	}
	if (derr != M2M_OK)
		m2m_warn(LOG, "%s: malformed response seq %u: %s", conn_name(c), seq,
			 why ? why : m2m_strerror(derr));
	if (p->cb)
		p->cb(c, derr, derr == M2M_OK ? pdu : NULL, p->arg);
	pending_free(p);
	conn_pump(c);
}

static void conn_on_request(m2m_smpp_conn *c, const m2m_smpp_pdu *pdu)
{
	m2m_smpp_pdu resp;

	switch (pdu->command_id) {
	case M2M_SMPP_ENQUIRE_LINK:
		m2m_smpp_pdu_init(&resp, M2M_SMPP_ENQUIRE_LINK_RESP, pdu->sequence);
		conn_write(c, &resp);
		break;
	case M2M_SMPP_UNBIND:
		m2m_info(LOG, "%s: peer unbinds", conn_name(c));
		m2m_smpp_pdu_init(&resp, M2M_SMPP_UNBIND_RESP, pdu->sequence);
		conn_write(c, &resp);
		m2m_smpp_conn_close(c, M2M_OK);
		break;
	default:
		if (c->cbs.on_request)
			c->cbs.on_request(c, pdu, c->arg);
		else
			m2m_smpp_conn_nack(c, pdu->sequence, M2M_SMPP_RINVCMDID);
		break;
	}
}

/* One complete PDU from the peer. */
static void conn_dispatch(m2m_smpp_conn *c, const uint8_t *data, size_t len)
{
	uint32_t cmd_len, id, status, seq;
	const char *why = NULL;
	m2m_smpp_pdu *pdu = malloc(sizeof *pdu);
	m2m_err err;

	if (!pdu) {
		m2m_smpp_conn_close(c, M2M_ERR_NOMEM);
		goto out;
	}
	m2m_smpp_header_peek(data, len, &cmd_len, &id, &status, &seq);
	err = m2m_smpp_pdu_decode(data, len, pdu, &why);
	m2m_debug(LOG, "%s: got %s seq %u status 0x%x", conn_name(c), m2m_smpp_command_name(id),
		  seq, status);
	if (m2m_smpp_is_response(id)) {
		conn_on_response(c, err, pdu, seq, why);
	} else if (err != M2M_OK) {
		m2m_warn(LOG, "%s: rejected %s (0x%08x) seq %u: %s", conn_name(c),
			 m2m_smpp_command_name(id), id, seq, why ? why : m2m_strerror(err));
		m2m_smpp_conn_nack(c, seq, err == M2M_ERR_UNSUPPORTED ? M2M_SMPP_RINVCMDID
								      : M2M_SMPP_RINVCMDLEN);
	} else {
		conn_on_request(c, pdu);
	}
out:
	free(pdu);
}

static void conn_read_cb(struct bufferevent *bev, void *arg)
{
	m2m_smpp_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t hdr[4];

	while (!c->closing && evbuffer_get_length(in) >= sizeof hdr) {
		evbuffer_copyout(in, hdr, sizeof hdr);
		uint32_t len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
			       (uint32_t)hdr[2] << 8 | hdr[3];
		if (len < M2M_SMPP_HEADER_LEN || len > c->cfg.max_pdu) {
			m2m_error(LOG, "%s: command_length %u outside 16..%zu, dropping the session",
				  conn_name(c), len, c->cfg.max_pdu);
			m2m_smpp_conn_close(c, M2M_ERR_FORMAT);
			return;
		}
		if (evbuffer_get_length(in) < len)
			return;
		const uint8_t *data = evbuffer_pullup(in, len);
		if (!data) {
			m2m_smpp_conn_close(c, M2M_ERR_NOMEM);
			return;
		}
		conn_dispatch(c, data, len);
		if (c->bev)
			evbuffer_drain(in, len);
	}
}

/* ------------------------------------------------------------------ life cycle */

static void conn_defaults(m2m_smpp_conn_cfg *cfg)
{
	if (cfg->window == 0)
		cfg->window = 10;
	if (cfg->queue_max == 0)
		cfg->queue_max = 1000;
	if (cfg->resp_timeout_ms == 0)
		cfg->resp_timeout_ms = 30000;
	if (cfg->max_pdu == 0 || cfg->max_pdu > M2M_SMPP_MAX_PDU)
		cfg->max_pdu = M2M_SMPP_MAX_PDU;
}

m2m_smpp_conn *m2m_smpp_conn_new(struct bufferevent *bev, const m2m_smpp_conn_cfg *cfg,
				 const m2m_smpp_conn_cbs *cbs, void *arg)
{
	m2m_smpp_conn *c = NULL;

	if (!bev || !cfg || !cbs || !(c = calloc(1, sizeof *c)))
		goto fail;
	c->bev = bev;
	c->base = bufferevent_get_base(bev);
	c->cfg = *cfg;
	conn_defaults(&c->cfg);
	c->cbs = *cbs;
	c->arg = arg;
	c->next_seq = 1;
	c->close_ev = event_new(c->base, -1, 0, conn_close_cb, c);
	if (!c->close_ev)
		goto fail;
	bufferevent_setcb(bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
	bufferevent_setwatermark(bev, EV_READ, 0, 0);
	if (bufferevent_enable(bev, EV_READ | EV_WRITE) != 0)
		goto fail;
	return c;
fail:
	if (c) {
		m2m_smpp_conn_free(c); /* frees bev too: ownership was taken */
	} else if (bev) {
		bufferevent_free(bev);
	}
	return NULL;
}

void m2m_smpp_conn_free(m2m_smpp_conn *c)
{
	pending *lists[2];

	if (!c)
		return;
	c->closing = true; /* so callbacks below cannot queue more */
	lists[0] = c->out;
	lists[1] = c->q_head;
	c->out = c->q_head = c->q_tail = NULL;
	for (int i = 0; i < 2; i++) {
		while (lists[i]) {
			pending *p = lists[i];
			lists[i] = p->next;
			if (p->cb)
				p->cb(c, M2M_ERR_STATE, NULL, p->arg);
			pending_free(p);
		}
	}
	if (c->keepalive)
		event_free(c->keepalive);
	if (c->close_ev)
		event_free(c->close_ev);
	if (c->bev)
		bufferevent_free(c->bev);
	free(c);
}

size_t m2m_smpp_conn_outstanding(const m2m_smpp_conn *c)
{
	return c ? c->out_windowed : 0;
}

size_t m2m_smpp_conn_queued(const m2m_smpp_conn *c)
{
	return c ? c->queued : 0;
}

void *m2m_smpp_conn_arg(const m2m_smpp_conn *c)
{
	return c ? c->arg : NULL;
}
