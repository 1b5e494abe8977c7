/* SMPP ESME: see smpp_esme.h and docs/smpp.md. */
#include "net/smpp_esme.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/util.h>

#include "core/log.h"

#define LOG "smpp-esme"

typedef enum { ESME_IDLE, ESME_BINDING, ESME_BOUND } esme_state;

struct m2m_smpp_esme {
	struct event_base *base;
	m2m_smpp_esme_cfg cfg;
	char host[64];
	char system_id[16];
	char password[9];
	char system_type[13];
	m2m_smpp_esme_cbs cbs;
	void *arg;
	m2m_smpp_conn *conn;
	esme_state state;
	bool stopped;
	bool freeing;
	unsigned backoff_ms;
	struct event *reconnect;
};

typedef struct {
	m2m_smpp_esme *e;
	void *ref;
} submit_ctx;

static void esme_schedule_reconnect(m2m_smpp_esme *e);

static m2m_err esme_copy(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src ? src : "", cap);

	if (n >= cap)
		return M2M_ERR_ARG;
	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
	return M2M_OK;
}

/* ------------------------------------------------------------------ session callbacks */

static void esme_bind_resp(m2m_smpp_conn *c, m2m_err err, const m2m_smpp_pdu *resp, void *arg)
{
	m2m_smpp_esme *e = arg;
	uint32_t status = resp ? resp->command_status : M2M_SMPP_RSYSERR;

	if (resp && resp->command_id != M2M_SMPP_BIND_TRANSCEIVER_RESP)
		status = status ? status : M2M_SMPP_RBINDFAIL; /* a generic_nack */
	if (err != M2M_OK) {
		/* no answer: connect failure or time-out, reported through on_down */
		m2m_smpp_conn_close(c, err);
		return;
	}
	if (status != M2M_SMPP_ROK) {
		m2m_warn(LOG, "bind as '%s' refused: status 0x%x", e->system_id, status);
		if (e->cbs.on_bind && !e->freeing)
			e->cbs.on_bind(e, status, e->arg);
		m2m_smpp_conn_close(c, M2M_ERR_VERIFY);
		return;
	}
	m2m_info(LOG, "bound to SMSC '%s' as '%s'", resp->system_id, e->system_id);
	e->state = ESME_BOUND;
	e->backoff_ms = e->cfg.reconnect_min_ms;
	m2m_smpp_conn_keepalive(c);
	if (e->cbs.on_bind)
		e->cbs.on_bind(e, M2M_SMPP_ROK, e->arg);
}

static void esme_on_deliver(m2m_smpp_esme *e, m2m_smpp_conn *c, const m2m_smpp_pdu *req)
{
	m2m_smpp_pdu resp;
	m2m_smpp_receipt r;
	uint32_t status = M2M_SMPP_ROK;

	if ((req->esm_class & M2M_SMPP_ESM_TYPE_MASK) == M2M_SMPP_ESM_DLR) {
		if (m2m_smpp_pdu_get_receipt(req, &r) == M2M_OK) {
			if (e->cbs.on_receipt)
				e->cbs.on_receipt(e, &r, req, e->arg);
		} else {
			/* Acknowledged anyway: a refusal would only make the SMSC resend it. */
			m2m_warn(LOG, "unreadable delivery receipt from %s ignored", req->source.addr);
		}
	} else if (e->cbs.on_deliver) {
		status = e->cbs.on_deliver(e, req, e->arg);
	}
	m2m_smpp_pdu_init(&resp, M2M_SMPP_DELIVER_SM_RESP, req->sequence);
	resp.command_status = status;
	m2m_smpp_conn_respond(c, &resp);
}

static void esme_on_request(m2m_smpp_conn *c, const m2m_smpp_pdu *req, void *arg)
{
	m2m_smpp_esme *e = arg;

	if (req->command_id == M2M_SMPP_DELIVER_SM && e->state == ESME_BOUND)
		esme_on_deliver(e, c, req);
	else if (req->command_id == M2M_SMPP_DELIVER_SM)
		m2m_smpp_conn_nack(c, req->sequence, M2M_SMPP_RINVBNDSTS);
	else
		m2m_smpp_conn_nack(c, req->sequence, M2M_SMPP_RINVCMDID);
}

static void esme_on_close(m2m_smpp_conn *c, m2m_err why, void *arg)
{
	m2m_smpp_esme *e = arg;

	m2m_smpp_conn_free(c);
	e->conn = NULL;
	e->state = ESME_IDLE;
	m2m_info(LOG, "session closed: %s", m2m_strerror(why));
	if (e->cbs.on_down)
		e->cbs.on_down(e, why, e->arg);
	if (!e->stopped)
		esme_schedule_reconnect(e);
}

/* ------------------------------------------------------------------ connect, bind */

static m2m_err esme_bind(m2m_smpp_esme *e)
{
	m2m_smpp_pdu *p = malloc(sizeof *p);
	m2m_err err;

	if (!p)
		return M2M_ERR_NOMEM;
	m2m_smpp_pdu_init(p, M2M_SMPP_BIND_TRANSCEIVER, 0);
	memcpy(p->system_id, e->system_id, sizeof p->system_id);
	memcpy(p->password, e->password, sizeof p->password);
	memcpy(p->system_type, e->system_type, sizeof p->system_type);
	p->address_range = e->cfg.address_range;
	e->state = ESME_BINDING;
	err = m2m_smpp_conn_request(e->conn, p, esme_bind_resp, e, NULL);
	free(p);
	return err;
}

static m2m_err esme_connect(m2m_smpp_esme *e)
{
	static const m2m_smpp_conn_cbs cbs = {esme_on_request, esme_on_close};
	struct sockaddr_storage ss;
	int sslen = sizeof ss;
	char hostport[80];
	struct bufferevent *bev;
	m2m_err err;

	snprintf(hostport, sizeof hostport, strchr(e->host, ':') ? "[%s]:%u" : "%s:%u", e->host,
		 e->cfg.port);
	if (evutil_parse_sockaddr_port(hostport, (struct sockaddr *)&ss, &sslen) != 0)
		return M2M_ERR_ARG;
	bev = bufferevent_socket_new(e->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (!bev || !(e->conn = m2m_smpp_conn_new(bev, &e->cfg.session, &cbs, e)))
		return M2M_ERR_NOMEM;
	if (bufferevent_socket_connect(bev, (struct sockaddr *)&ss, sslen) != 0) {
		m2m_smpp_conn_close(e->conn, M2M_ERR_IO); /* on_close schedules the retry */
		return M2M_OK;
	}
	if ((err = esme_bind(e)) != M2M_OK)
		m2m_smpp_conn_close(e->conn, err);
	return M2M_OK;
}

static void esme_reconnect_cb(evutil_socket_t fd, short what, void *arg)
{
	m2m_smpp_esme *e = arg;

	(void)fd;
	(void)what;
	if (!e->stopped && !e->conn && esme_connect(e) != M2M_OK)
		esme_schedule_reconnect(e);
}

/* Exponential back-off so that a down SMSC is not hammered (reset once bound). */
static void esme_schedule_reconnect(m2m_smpp_esme *e)
{
	struct timeval tv = {e->backoff_ms / 1000, (e->backoff_ms % 1000) * 1000};

	m2m_info(LOG, "reconnecting in %u ms", e->backoff_ms);
	evtimer_add(e->reconnect, &tv);
	e->backoff_ms = e->backoff_ms >= e->cfg.reconnect_max_ms / 2 ? e->cfg.reconnect_max_ms
								      : e->backoff_ms * 2;
}

/* ------------------------------------------------------------------ submit */

static void esme_submit_resp(m2m_smpp_conn *c, m2m_err err, const m2m_smpp_pdu *resp, void *arg)
{
	submit_ctx *ctx = arg;
	m2m_smpp_esme *e = ctx->e;

	(void)c;
	if (e->cbs.on_submit_resp && !e->freeing)
		e->cbs.on_submit_resp(e, ctx->ref, err, resp ? resp->command_status : 0,
				      resp ? resp->message_id : "", e->arg);
	free(ctx);
}

m2m_err m2m_smpp_esme_submit_pdu(m2m_smpp_esme *e, m2m_smpp_pdu *sm, void *ref, uint32_t *seq)
{
	submit_ctx *ctx = NULL;
	m2m_err err;

	if (!e || !sm || sm->command_id != M2M_SMPP_SUBMIT_SM)
		return M2M_ERR_ARG;
	if (e->state != ESME_BOUND)
		return M2M_ERR_STATE;
	if (!sm->source.addr[0])
		sm->source = e->cfg.source;
	if (!(ctx = malloc(sizeof *ctx)))
		return M2M_ERR_NOMEM;
	ctx->e = e;
	ctx->ref = ref;
	err = m2m_smpp_conn_request(e->conn, sm, esme_submit_resp, ctx, seq);
	if (err != M2M_OK)
		free(ctx);
	return err;
}

m2m_err m2m_smpp_esme_submit(m2m_smpp_esme *e, const m2m_smpp_addr *dest, const uint8_t *ud,
			     size_t len, bool udhi, void *ref, uint32_t *seq)
{
	m2m_smpp_pdu *p = NULL;
	m2m_err err;

	if (!e || !dest || (!ud && len) || len > M2M_SMPP_MAX_PAYLOAD)
		return M2M_ERR_ARG;
	if (!(p = malloc(sizeof *p)))
		return M2M_ERR_NOMEM;
	m2m_smpp_pdu_init(p, M2M_SMPP_SUBMIT_SM, 0);
	p->source = e->cfg.source;
	p->dest = *dest;
	/* sgp02-bearers.md 1.1: UDHI in default mode, TP-PID (U)SIM data download. */
	p->esm_class = udhi ? M2M_SMPP_ESM_UDHI : 0;
	p->protocol_id = M2M_SMPP_PID_SIM_DATA_DOWNLOAD;
	p->data_coding = e->cfg.data_coding;
	p->registered_delivery = e->cfg.receipts ? 1 : 0;
	if (len)
		memcpy(p->msg, ud, len);
	p->msg_len = len;
	err = m2m_smpp_esme_submit_pdu(e, p, ref, seq);
	free(p);
	return err;
}

/* ------------------------------------------------------------------ life cycle */

static m2m_err esme_setup(m2m_smpp_esme *e, const m2m_smpp_esme_cfg *cfg)
{
	m2m_err err;

	e->cfg = *cfg;
	if ((err = esme_copy(e->host, sizeof e->host, cfg->host)) != M2M_OK ||
	    (err = esme_copy(e->system_id, sizeof e->system_id, cfg->system_id)) != M2M_OK ||
	    (err = esme_copy(e->password, sizeof e->password, cfg->password)) != M2M_OK ||
	    (err = esme_copy(e->system_type, sizeof e->system_type, cfg->system_type)) != M2M_OK)
		return err;
	e->cfg.host = e->cfg.system_id = e->cfg.password = e->cfg.system_type = NULL;
	if (e->cfg.data_coding == 0)
		e->cfg.data_coding = M2M_SMPP_DCS_8BIT_CLASS2;
	if (e->cfg.reconnect_min_ms == 0)
		e->cfg.reconnect_min_ms = 1000;
	if (e->cfg.reconnect_max_ms < e->cfg.reconnect_min_ms)
		e->cfg.reconnect_max_ms = e->cfg.reconnect_min_ms > 60000 ? e->cfg.reconnect_min_ms
									 : 60000;
	if (!e->cfg.session.name)
		e->cfg.session.name = "esme";
	if (e->cfg.session.enquire_ms == 0)
		e->cfg.session.enquire_ms = 30000; /* Kannel's interval, sgp02-bearers.md 1.6 */
	e->backoff_ms = e->cfg.reconnect_min_ms;
	return M2M_OK;
}

m2m_smpp_esme *m2m_smpp_esme_new(struct event_base *base, const m2m_smpp_esme_cfg *cfg,
				 const m2m_smpp_esme_cbs *cbs, void *arg)
{
	m2m_smpp_esme *e = NULL;

	if (!base || !cfg || !cbs || !(e = calloc(1, sizeof *e)))
		return NULL;
	e->base = base;
	e->cbs = *cbs;
	e->arg = arg;
	if (esme_setup(e, cfg) != M2M_OK ||
	    !(e->reconnect = evtimer_new(base, esme_reconnect_cb, e))) {
		m2m_smpp_esme_free(e);
		return NULL;
	}
	return e;
}

m2m_err m2m_smpp_esme_start(m2m_smpp_esme *e)
{
	if (!e)
		return M2M_ERR_ARG;
	if (e->conn)
		return M2M_ERR_STATE;
	e->stopped = false;
	return esme_connect(e);
}

void m2m_smpp_esme_stop(m2m_smpp_esme *e)
{
	if (!e)
		return;
	e->stopped = true;
	evtimer_del(e->reconnect);
	if (!e->conn)
		return;
	if (e->state != ESME_BOUND || m2m_smpp_conn_unbind(e->conn) != M2M_OK)
		m2m_smpp_conn_close(e->conn, M2M_OK);
}

void m2m_smpp_esme_free(m2m_smpp_esme *e)
{
	if (!e)
		return;
	e->freeing = true;
	m2m_smpp_conn_free(e->conn);
	if (e->reconnect)
		event_free(e->reconnect);
	free(e);
}

bool m2m_smpp_esme_bound(const m2m_smpp_esme *e)
{
	return e && e->state == ESME_BOUND;
}

m2m_smpp_conn *m2m_smpp_esme_conn(const m2m_smpp_esme *e)
{
	return e ? e->conn : NULL;
}
