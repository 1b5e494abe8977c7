/* SMPP SMSC: see smpp_smsc.h and docs/smpp.md. */
#include "net/smpp_smsc.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "core/log.h"
#include "net/smpp_route.h"

#define LOG "smpp-smsc"

typedef struct {
	char system_id[16];
	char password[9];
} account;

struct m2m_smpp_smsc_session {
	m2m_smpp_smsc_session *next;
	m2m_smpp_smsc *smsc;
	m2m_smpp_conn *conn;
	bool bound;
	char system_id[16];
	char bind_id[16];            /* "#N": this bind, when an account binds more than once */
	unsigned bind_no;            /* N: the order of the binds, for routing */
	m2m_smpp_range range;        /* the bind's address_range: MO SMS routed to it */
};

struct m2m_smpp_smsc {
	struct event_base *base;
	struct evconnlistener *listener;
	m2m_smpp_smsc_cfg cfg;
	char system_id[16];
	account *accounts;
	m2m_smpp_smsc_cbs cbs;
	void *arg;
	m2m_smpp_smsc_session *sessions;
	uint32_t next_msg_id;
	unsigned binds;              /* numbers the binds for bind_id */
	bool freeing;
};

/* ------------------------------------------------------------------ bind */

static uint32_t smsc_check_account(const m2m_smpp_smsc *smsc, const m2m_smpp_pdu *bind)
{
	for (size_t i = 0; i < smsc->cfg.n_accounts; i++) {
		if (strcmp(smsc->accounts[i].system_id, bind->system_id) != 0)
			continue;
		return strcmp(smsc->accounts[i].password, bind->password) == 0 ? M2M_SMPP_ROK
										: M2M_SMPP_RINVPASWD;
	}
	return M2M_SMPP_RINVSYSID;
}

static void smsc_on_bind(m2m_smpp_smsc_session *s, const m2m_smpp_pdu *req)
{
	m2m_smpp_smsc *smsc = s->smsc;
	m2m_smpp_pdu resp;
	uint32_t status = s->bound ? M2M_SMPP_RALYBND : smsc_check_account(smsc, req);

	/* An address_range that is not a valid expression would route nothing it means to. */
	if (status == M2M_SMPP_ROK &&
	    m2m_smpp_range_set(&s->range, req->address_range.addr) != M2M_OK)
		status = M2M_SMPP_RBINDFAIL;

	m2m_smpp_pdu_init(&resp, M2M_SMPP_BIND_TRANSCEIVER_RESP, req->sequence);
	resp.command_status = status;
	memcpy(resp.system_id, smsc->system_id, sizeof resp.system_id);
	m2m_smpp_conn_respond(s->conn, &resp);
	if (status == M2M_SMPP_RALYBND)
		return;
	if (status != M2M_SMPP_ROK) {
		m2m_warn(LOG, "bind as '%s' (address_range '%s') refused (status 0x%x)",
			 req->system_id, req->address_range.addr, status);
		m2m_smpp_conn_close(s->conn, M2M_ERR_VERIFY);
		return;
	}
	s->bound = true;
	memcpy(s->system_id, req->system_id, sizeof s->system_id);
	s->bind_no = ++smsc->binds;
	snprintf(s->bind_id, sizeof s->bind_id, "#%u", s->bind_no);
	m2m_info(LOG, "ESME '%s' bound (transceiver) as %s, address_range '%s'", s->system_id,
		 s->bind_id, s->range.text);
	m2m_smpp_conn_keepalive(s->conn);
	if (smsc->cbs.on_bind)
		smsc->cbs.on_bind(s, s->system_id, smsc->arg);
}

/* ------------------------------------------------------------------ submit */

m2m_err m2m_smpp_smsc_respond(m2m_smpp_smsc_session *s, uint32_t seq, uint32_t status,
			      const char *message_id)
{
	m2m_smpp_smsc *smsc;
	m2m_smpp_pdu *resp;
	m2m_err err;

	if (!s || !(resp = malloc(sizeof *resp)))
		return s ? M2M_ERR_NOMEM : M2M_ERR_ARG;
	smsc = s->smsc;
	m2m_smpp_pdu_init(resp, M2M_SMPP_SUBMIT_SM_RESP, seq);
	resp->command_status = status;
	if (status == M2M_SMPP_ROK && message_id && message_id[0])
		snprintf(resp->message_id, sizeof resp->message_id, "%s", message_id);
	else if (status == M2M_SMPP_ROK)
		snprintf(resp->message_id, sizeof resp->message_id, "%08X", smsc->next_msg_id++);
	err = m2m_smpp_conn_respond(s->conn, resp);
	free(resp);
	return err;
}

static void smsc_on_submit(m2m_smpp_smsc_session *s, const m2m_smpp_pdu *req)
{
	m2m_smpp_smsc *smsc = s->smsc;
	char message_id[65] = "";
	uint32_t status = M2M_SMPP_ROK;

	if (smsc->cbs.on_submit)
		status = smsc->cbs.on_submit(s, req, message_id, smsc->arg);
	if (status == M2M_SMPP_DEFER)
		return;
	message_id[sizeof message_id - 1] = '\0';
	m2m_smpp_smsc_respond(s, req->sequence, status, message_id);
}

static void smsc_on_request(m2m_smpp_conn *c, const m2m_smpp_pdu *req, void *arg)
{
	m2m_smpp_smsc_session *s = arg;

	if (req->command_id == M2M_SMPP_BIND_TRANSCEIVER)
		smsc_on_bind(s, req);
	else if (req->command_id == M2M_SMPP_SUBMIT_SM && s->bound)
		smsc_on_submit(s, req);
	else if (req->command_id == M2M_SMPP_SUBMIT_SM)
		m2m_smpp_smsc_respond(s, req->sequence, M2M_SMPP_RINVBNDSTS, NULL);
	else
		m2m_smpp_conn_nack(c, req->sequence, M2M_SMPP_RINVCMDID);
}

/* ------------------------------------------------------------------ deliver */

static void smsc_deliver_resp(m2m_smpp_conn *c, m2m_err err, const m2m_smpp_pdu *resp,
			      void *arg)
{
	m2m_smpp_smsc_session *s = arg;
	m2m_smpp_smsc *smsc = s->smsc;

	(void)c;
	if (smsc->cbs.on_deliver_resp && !smsc->freeing)
		smsc->cbs.on_deliver_resp(s, resp ? resp->sequence : 0, err,
					  resp ? resp->command_status : 0, smsc->arg);
}

m2m_err m2m_smpp_smsc_deliver(m2m_smpp_smsc_session *s, m2m_smpp_pdu *dlv, uint32_t *seq)
{
	if (!s || !dlv || dlv->command_id != M2M_SMPP_DELIVER_SM)
		return M2M_ERR_ARG;
	if (!s->bound)
		return M2M_ERR_STATE;
	return m2m_smpp_conn_request(s->conn, dlv, smsc_deliver_resp, s, seq);
}

static void smsc_now(char out[13])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	/* YYMMDDhhmm: the receipt format has a two-digit year */
	snprintf(out, 13, "%02u%02u%02u%02u%02u", (unsigned)tm.tm_year % 100u,
		 (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u,
		 (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u);
}

m2m_err m2m_smpp_smsc_receipt(m2m_smpp_smsc_session *s, const m2m_smpp_pdu *sm,
			      const char *message_id, const char *stat, unsigned err,
			      uint32_t *seq)
{
	m2m_smpp_receipt r;
	m2m_smpp_pdu *p = NULL;
	m2m_err rc;

	if (!s || !sm || !message_id || !stat)
		return M2M_ERR_ARG;
	if (!(p = malloc(sizeof *p)))
		return M2M_ERR_NOMEM;
	memset(&r, 0, sizeof r);
	snprintf(r.id, sizeof r.id, "%s", message_id);
	snprintf(r.stat, sizeof r.stat, "%s", stat);
	r.sub = r.dlvrd = 1;
	if (strcmp(stat, "DELIVRD") != 0)
		r.dlvrd = 0;
	r.err = err;
	r.state = m2m_smpp_receipt_state(stat);
	smsc_now(r.submit_date);
	smsc_now(r.done_date);
	/* text: quotes the message start; binary OTA packets are left out. */
	m2m_smpp_pdu_init(p, M2M_SMPP_DELIVER_SM, 0);
	p->source = sm->dest;
	p->dest = sm->source;
	if ((rc = m2m_smpp_pdu_set_receipt(p, &r)) == M2M_OK)
		rc = m2m_smpp_smsc_deliver(s, p, seq);
	free(p);
	return rc;
}

/* ------------------------------------------------------------------ sessions */

static void smsc_unlink(m2m_smpp_smsc *smsc, m2m_smpp_smsc_session *s)
{
	for (m2m_smpp_smsc_session **pp = &smsc->sessions; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			return;
		}
	}
}

static void smsc_on_close(m2m_smpp_conn *c, m2m_err why, void *arg)
{
	m2m_smpp_smsc_session *s = arg;
	m2m_smpp_smsc *smsc = s->smsc;

	m2m_info(LOG, "session '%s' closed: %s", s->system_id, m2m_strerror(why));
	if (smsc->cbs.on_close)
		smsc->cbs.on_close(s, smsc->arg);
	smsc_unlink(smsc, s);
	m2m_smpp_conn_free(c);
	m2m_smpp_range_clear(&s->range);
	free(s);
}

static void smsc_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
			int salen, void *arg)
{
	static const m2m_smpp_conn_cbs cbs = {smsc_on_request, smsc_on_close};
	m2m_smpp_smsc *smsc = arg;
	m2m_smpp_smsc_session *s = calloc(1, sizeof *s);
	struct bufferevent *bev = NULL;

	(void)l;
	(void)sa;
	(void)salen;
	if (!s || !(bev = bufferevent_socket_new(smsc->base, fd, BEV_OPT_CLOSE_ON_FREE))) {
		m2m_error(LOG, "out of memory accepting a connection");
		evutil_closesocket(fd);
		free(s);
		return;
	}
	s->smsc = smsc;
	if (!(s->conn = m2m_smpp_conn_new(bev, &smsc->cfg.session, &cbs, s))) {
		free(s);
		return;
	}
	s->next = smsc->sessions;
	smsc->sessions = s;
}

/* ------------------------------------------------------------------ life cycle */

static m2m_err smsc_copy_accounts(m2m_smpp_smsc *smsc, const m2m_smpp_smsc_cfg *cfg)
{
	if (cfg->n_accounts && !(smsc->accounts = calloc(cfg->n_accounts, sizeof(account))))
		return M2M_ERR_NOMEM;
	for (size_t i = 0; i < cfg->n_accounts; i++) {
		const m2m_smpp_account *a = &cfg->accounts[i];
		if (!a->system_id || !a->password ||
		    strlen(a->system_id) >= sizeof smsc->accounts[i].system_id ||
		    strlen(a->password) >= sizeof smsc->accounts[i].password)
			return M2M_ERR_ARG;
		strcpy(smsc->accounts[i].system_id, a->system_id);
		strcpy(smsc->accounts[i].password, a->password);
	}
	return M2M_OK;
}

/* Numeric address only; evutil_parse_sockaddr_port refuses port 0, which tests need. */
static m2m_err smsc_sockaddr(const char *host, uint16_t port, struct sockaddr_storage *ss,
			     int *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof *ss);
	if (evutil_inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len = sizeof *sin;
		return M2M_OK;
	}
	if (evutil_inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*len = sizeof *sin6;
		return M2M_OK;
	}
	return M2M_ERR_ARG;
}

static m2m_err smsc_listen(m2m_smpp_smsc *smsc)
{
	struct sockaddr_storage ss;
	int sslen = 0;
	const char *host = smsc->cfg.bind_addr ? smsc->cfg.bind_addr : "127.0.0.1";

	if (smsc_sockaddr(host, smsc->cfg.port, &ss, &sslen) != M2M_OK) {
		m2m_error(LOG, "bind address '%s' is not a numeric IP address", host);
		return M2M_ERR_ARG;
	}
	smsc->listener = evconnlistener_new_bind(smsc->base, smsc_accept, smsc,
						 LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1,
						 (struct sockaddr *)&ss, sslen);
	if (!smsc->listener) {
		m2m_error(LOG, "cannot listen on %s port %u", host, smsc->cfg.port);
		return M2M_ERR_IO;
	}
	return M2M_OK;
}

m2m_smpp_smsc *m2m_smpp_smsc_new(struct event_base *base, const m2m_smpp_smsc_cfg *cfg,
				 const m2m_smpp_smsc_cbs *cbs, void *arg)
{
	m2m_smpp_smsc *smsc = NULL;

	if (!base || !cfg || !cbs || !(smsc = calloc(1, sizeof *smsc)))
		return NULL;
	smsc->base = base;
	smsc->cfg = *cfg;
	smsc->cfg.accounts = NULL;
	smsc->cbs = *cbs;
	smsc->arg = arg;
	smsc->next_msg_id = 1;
	if (!smsc->cfg.session.name)
		smsc->cfg.session.name = "smsc";
	snprintf(smsc->system_id, sizeof smsc->system_id, "%s",
		 cfg->system_id ? cfg->system_id : "m2mrsp");
	if (smsc_copy_accounts(smsc, cfg) != M2M_OK || smsc_listen(smsc) != M2M_OK) {
		m2m_smpp_smsc_free(smsc);
		return NULL;
	}
	return smsc;
}

void m2m_smpp_smsc_free(m2m_smpp_smsc *smsc)
{
	if (!smsc)
		return;
	smsc->freeing = true;
	if (smsc->listener)
		evconnlistener_free(smsc->listener);
	while (smsc->sessions) {
		m2m_smpp_smsc_session *s = smsc->sessions;
		smsc->sessions = s->next;
		m2m_smpp_conn_free(s->conn);
		m2m_smpp_range_clear(&s->range);
		free(s);
	}
	free(smsc->accounts);
	free(smsc);
}

uint16_t m2m_smpp_smsc_port(const m2m_smpp_smsc *smsc)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (!smsc || !smsc->listener ||
	    getsockname(evconnlistener_get_fd(smsc->listener), (struct sockaddr *)&ss, &len) != 0)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

size_t m2m_smpp_smsc_bound_count(const m2m_smpp_smsc *smsc)
{
	size_t n = 0;

	for (const m2m_smpp_smsc_session *s = smsc ? smsc->sessions : NULL; s; s = s->next)
		n += s->bound;
	return n;
}

m2m_smpp_smsc_session *m2m_smpp_smsc_find(const m2m_smpp_smsc *smsc, const char *system_id)
{
	for (m2m_smpp_smsc_session *s = smsc ? smsc->sessions : NULL; s; s = s->next)
		if (s->bound && system_id && (strcmp(s->system_id, system_id) == 0 ||
					      strcmp(s->bind_id, system_id) == 0))
			return s;
	return NULL;
}

/* Whether s is a better route than best (of kind best_kind) with match kind k. */
static bool smsc_better(const m2m_smpp_smsc_session *s, m2m_smpp_range_match_kind k,
			const m2m_smpp_smsc_session *best, m2m_smpp_range_match_kind best_kind,
			const char *prefer)
{
	bool preferred = prefer != NULL && strcmp(s->bind_id, prefer) == 0;

	if (k == M2M_SMPP_RANGE_NONE || k < best_kind)
		return false;
	if (k > best_kind || preferred)
		return true;
	return !(prefer != NULL && strcmp(best->bind_id, prefer) == 0) &&
	       s->bind_no < best->bind_no;
}

/* A literal range equal to the address wins over a pattern; among equals, the preferred
 * bind, else the oldest (a stable choice while binds come and go). */
m2m_smpp_smsc_session *m2m_smpp_smsc_route(const m2m_smpp_smsc *smsc, const char *addr,
					   const char *prefer)
{
	m2m_smpp_smsc_session *best = NULL;
	m2m_smpp_range_match_kind best_kind = M2M_SMPP_RANGE_NONE;

	for (m2m_smpp_smsc_session *s = smsc ? smsc->sessions : NULL; s; s = s->next) {
		m2m_smpp_range_match_kind k =
			s->bound ? m2m_smpp_range_match(&s->range, addr) : M2M_SMPP_RANGE_NONE;

		if (smsc_better(s, k, best, best_kind, prefer)) {
			best = s;
			best_kind = k;
		}
	}
	return best;
}

const char *m2m_smpp_smsc_session_range(const m2m_smpp_smsc_session *s)
{
	return s ? s->range.text : "";
}

const char *m2m_smpp_smsc_session_id(const m2m_smpp_smsc_session *s)
{
	return s ? s->bind_id : "";
}

m2m_smpp_conn *m2m_smpp_smsc_session_conn(const m2m_smpp_smsc_session *s)
{
	return s ? s->conn : NULL;
}
