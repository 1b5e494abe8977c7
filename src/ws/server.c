/* The ES endpoint: HTTP request -> parse -> route -> identify -> validate -> handler -> answer. */
#include "ws/server.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "ws/json.h"
#include "ws/soap.h"
#include "ws/ws_int.h"

#define LOG "ws"

struct m2m_ws_server {
	m2m_ws_server_opts o;
	char *address;
	m2m_ws_hold *holds; /* open holds, freed with the server */
};

struct m2m_ws_hold {
	m2m_ws_hold *next;
	m2m_ws_server *s;
	m2m_http_deferred *hd;
	m2m_ws_binding binding;
	m2m_ws_fn fn;
	char *relates_to;
	char *uri;
};

/* One HTTP exchange. */
typedef struct {
	m2m_ws_server *s;
	const m2m_http_request *req;
	m2m_http_response *resp;
	m2m_ws_binding binding;
	int iface;
	m2m_ws_msg *msg;
	m2m_ws_caller caller;
	bool deferred;
	m2m_ws_hold *hold;      /* m2m_ws_hold_begin() was called */
	const char *relates_to; /* a held exchange answered later: no req, no msg */
	const char *uri;
} exchange;

static const char *x_uri(const exchange *x)
{
	return x->req ? x->req->uri : x->uri;
}

static const char *x_relates_to(const exchange *x)
{
	return x->msg ? x->msg->wsa.message_id : x->relates_to;
}

m2m_err m2m_ws_server_new(const m2m_ws_server_opts *o, m2m_ws_server **out)
{
	if (!o || !out || !o->schema || !o->handler || o->role == M2M_WS_ROLE_NONE)
		return M2M_ERR_ARG;
	m2m_ws_server *s = calloc(1, sizeof *s);
	if (!s)
		return M2M_ERR_NOMEM;
	s->o = *o;
	s->address = strdup(o->address ? o->address : M2M_WS_WSA_ANONYMOUS);
	if (!s->address) {
		free(s);
		return M2M_ERR_NOMEM;
	}
	s->o.address = s->address;
	if (!s->o.identify)
		s->o.identify = m2m_ws_identify_by_subject;
	*out = s;
	return M2M_OK;
}

void m2m_ws_server_free(m2m_ws_server *s)
{
	if (!s)
		return;
	while (s->holds)
		m2m_ws_server_complete(s->holds, NULL);
	free(s->address);
	free(s);
}

/* --- answers ------------------------------------------------------------------------------ */

static void send_body(exchange *x, int code, const char *ctype, const m2m_buf *b)
{
	m2m_http_response_status(x->resp, code, NULL);
	m2m_http_response_header(x->resp, "Content-Type", ctype);
	m2m_http_response_body(x->resp, b->data, b->len);
}

static void send_plain(exchange *x, int code, const char *text)
{
	m2m_http_response_status(x->resp, code, NULL);
	m2m_http_response_header(x->resp, "Content-Type", "text/plain; charset=utf-8");
	m2m_http_response_body(x->resp, text, strlen(text));
	m2m_http_response_body(x->resp, "\n", 1);
}

static void send_fault(exchange *x, const m2m_ws_error *e)
{
	m2m_buf b;
	char ctype[128];
	const char *relates = x_relates_to(x);
	bool wsa = strncmp(e->subcode, "wsa:", 4) == 0;
	m2m_buf_init(&b);
	m2m_err err = x->binding == M2M_WS_JSON ? m2m_ws_json_write_fault(e, relates, &b)
						: m2m_ws_soap_write_fault(e, relates, &b);
	if (err != M2M_OK) {
		send_plain(x, 500, "cannot build the fault");
		goto out;
	}
	if (x->binding == M2M_WS_JSON)
		snprintf(ctype, sizeof ctype, "%s", M2M_WS_CT_JSON);
	else
		m2m_ws_soap_content_type(wsa ? M2M_WS_WSA_FAULT_ACTION
					     : M2M_WS_WSA_SOAP_FAULT_ACTION,
					 ctype, sizeof ctype);
	send_body(x, m2m_ws_error_http_status(e), ctype, &b);
	m2m_info(LOG, "%s fault %s%s%s: %s", x_uri(x), m2m_ws_fault_code_name(e->fault),
		 e->subcode[0] ? " " : "", e->subcode, e->text);
out:
	m2m_buf_free(&b);
}

static void send_accepted(exchange *x)
{
	m2m_http_response_status(x->resp, 202, NULL);
}

/* The reply's addressing: RelatesTo the request, To its ReplyTo (anonymous if none). */
static m2m_err reply_wsa(exchange *x, m2m_ws_msg *r)
{
	char id[M2M_WS_MESSAGE_ID_SIZE];
	const char *to = x->msg && x->msg->wsa.reply_to ? x->msg->wsa.reply_to
							 : M2M_WS_WSA_ANONYMOUS;
	m2m_err err = m2m_ws_new_message_id(id, sizeof id);
	if (err == M2M_OK)
		err = m2m_ws_msg_set_wsa(r, M2M_WS_WSA_MESSAGE_ID, id);
	if (err == M2M_OK)
		err = m2m_ws_msg_set_wsa(r, M2M_WS_WSA_ACTION, r->fn->response_action);
	if (err == M2M_OK)
		err = m2m_ws_msg_set_wsa(r, M2M_WS_WSA_RELATES_TO, x_relates_to(x));
	if (err == M2M_OK)
		err = m2m_ws_msg_set_wsa(r, M2M_WS_WSA_TO, to);
	if (err == M2M_OK)
		err = m2m_ws_msg_set_wsa(r, M2M_WS_WSA_FROM, x->s->address);
	return err;
}

/* A response element: validated first. One that cannot be valid with a failure status (the
 * XSD makes some outputs mandatory) goes out as a fault carrying the status instead. */
static void send_response(exchange *x, m2m_ws_msg *r)
{
	m2m_ws_error e;
	m2m_ws_exec_status st;
	m2m_buf b;
	char ctype[256];
	m2m_buf_init(&b);
	if (m2m_ws_schema_validate_msg(x->s->o.schema, r, &e) != M2M_OK) {
		if (m2m_ws_msg_status(r, &st) == M2M_OK && st.status != M2M_WS_EXECUTED_SUCCESS &&
		    st.status != M2M_WS_EXECUTED_WITHWARNING) {
			const char *reason = st.reason[0] ? st.reason
							  : M2M_WS_REASON_EXECUTION_ERROR;
			m2m_ws_error_failed(&e, st.subject[0] ? st.subject : M2M_WS_SUBJ_FUNCTION,
					    reason,
					    st.subject_id[0] ? st.subject_id : NULL, "%s",
					    st.message);
			e.status.status = st.status;
			m2m_ws_error_to_fault(&e);
		} else {
			m2m_error(LOG, "%s: our response does not validate: %s", r->fn->name,
				  e.status.message);
			m2m_ws_error_fault(&e, M2M_WS_FAULT_RECEIVER, NULL, NULL,
					   "internal error: the response does not validate");
		}
		send_fault(x, &e);
		goto out;
	}
	m2m_err err = reply_wsa(x, r);
	if (err == M2M_OK)
		err = x->binding == M2M_WS_JSON ? m2m_ws_json_write(r, &b)
						: m2m_ws_soap_write(r, &b);
	if (err == M2M_OK && x->binding == M2M_WS_SOAP)
		err = m2m_ws_soap_content_type(r->wsa.action, ctype, sizeof ctype);
	if (err != M2M_OK) {
		m2m_ws_error_fault(&e, M2M_WS_FAULT_RECEIVER, NULL, NULL,
				   "cannot build the response: %s", m2m_strerror(err));
		send_fault(x, &e);
		goto out;
	}
	send_body(x, 200, x->binding == M2M_WS_JSON ? M2M_WS_CT_JSON : ctype, &b);
out:
	m2m_buf_free(&b);
}

/* A request's error as its FAILED response; other messages get a fault with the status. */
static void send_failed(exchange *x, m2m_ws_error *e)
{
	const m2m_ws_function *fn = x->msg ? x->msg->fn : NULL;
	m2m_ws_msg *r = NULL;
	m2m_info(LOG, "%s %s: %s %s/%s %s", x->req->uri, fn ? fn->name : "?",
		 m2m_ws_status_name(e->status.status), e->status.subject, e->status.reason,
		 e->status.message);
	if (!fn || x->msg->dir != M2M_WS_DIR_IN || fn->kind != M2M_WS_KIND_REQUEST ||
	    m2m_ws_response_new(fn->id, &e->status, &r) != M2M_OK) {
		m2m_ws_error_to_fault(e);
		send_fault(x, e);
		return;
	}
	send_response(x, r);
	m2m_ws_msg_free(r);
}

/* --- request checks ----------------------------------------------------------------------- */

/* "/soap/es4" or "/json/es4" (query ignored). */
static bool route_path(const char *uri, m2m_ws_binding *binding, int *iface)
{
	char path[64], name[8];
	size_t len = strcspn(uri, "?#");
	if (len >= sizeof path)
		return false;
	memcpy(path, uri, len);
	path[len] = '\0';
	if (strncmp(path, "/soap/", 6) == 0)
		*binding = M2M_WS_SOAP;
	else if (strncmp(path, "/json/", 6) == 0)
		*binding = M2M_WS_JSON;
	else
		return false;
	if (strlen(path + 6) >= sizeof name)
		return false;
	snprintf(name, sizeof name, "%s", path + 6);
	*iface = m2m_ws_iface_number(name);
	return *iface != 0;
}

/* The media type of a Content-Type value, compared case-insensitively. */
static bool media_type_is(const char *ctype, const char *want)
{
	if (!ctype)
		return false;
	while (*ctype == ' ')
		ctype++;
	size_t len = strcspn(ctype, "; \t");
	return len == strlen(want) && strncasecmp(ctype, want, len) == 0;
}

/* The action parameter of application/soap+xml (RFC 3902), if any, into out. */
static bool ctype_action(const char *ctype, char *out, size_t cap)
{
	for (const char *p = ctype ? strchr(ctype, ';') : NULL; p; p = strchr(p + 1, ';')) {
		const char *q = p + 1;
		while (*q == ' ' || *q == '\t')
			q++;
		if (strncasecmp(q, "action=", 7) != 0)
			continue;
		q += 7;
		size_t len;
		if (*q == '"') {
			q++;
			len = strcspn(q, "\"");
		} else {
			len = strcspn(q, "; \t");
		}
		if (len >= cap)
			return false;
		memcpy(out, q, len);
		out[len] = '\0';
		return true;
	}
	return false;
}

static bool check_content_type(exchange *x, m2m_ws_error *e)
{
	const char *ct = m2m_http_request_header(x->req, "Content-Type");
	const char *want = x->binding == M2M_WS_JSON ? M2M_WS_CT_JSON : M2M_WS_CT_SOAP;
	if (media_type_is(ct, want))
		return true;
	m2m_ws_error_fault(e, M2M_WS_FAULT_SENDER, NULL, NULL, "Content-Type must be %s, not %s",
			   want, ct ? ct : "absent");
	return false;
}

/* Path, Content-Type action and our role must all agree with the routed function. */
static bool check_route(exchange *x, m2m_ws_error *e)
{
	const m2m_ws_function *fn = x->msg->fn;
	char action[512];
	unsigned role = x->s->o.role;
	if (x->binding == M2M_WS_SOAP &&
	    ctype_action(m2m_http_request_header(x->req, "Content-Type"), action, sizeof action) &&
	    strcmp(action, x->msg->wsa.action) != 0) {
		m2m_ws_error_fault(e, M2M_WS_FAULT_SENDER,
				   "wsa:InvalidAddressingHeader wsa:ActionMismatch", "wsa:Action",
				   "the Content-Type action parameter differs from wsa:Action");
		return false;
	}
	if (m2m_ws_iface_number(fn->iface) != x->iface) {
		m2m_ws_error_fault(e, M2M_WS_FAULT_SENDER, "wsa:ActionNotSupported",
				   x->msg->wsa.action, "%s is not served at %s", fn->name,
				   x->req->uri);
		return false;
	}
	bool served = x->msg->dir == M2M_WS_DIR_IN
			      ? (fn->provider & role) != 0
			      : fn->kind == M2M_WS_KIND_REQUEST && (fn->callers & role) != 0;
	if (!served) {
		m2m_ws_error_fault(e, M2M_WS_FAULT_SENDER, "wsa:ActionNotSupported",
				   x->msg->wsa.action, "an %s does not take %s%s",
				   m2m_ws_role_name((m2m_ws_role)role), fn->name,
				   x->msg->dir == M2M_WS_DIR_OUT ? " answers" : "");
		return false;
	}
	return true;
}

/* The caller's role must be one the function allows (for answers: its provider). */
static bool check_caller(exchange *x, m2m_ws_error *e)
{
	const m2m_ws_function *fn = x->msg->fn;
	const m2m_tls_peer *peer = &x->req->peer;
	m2m_ws_caller *c = &x->caller;
	memset(c, 0, sizeof *c);
	c->has_cert = x->req->tls && peer->has_cert;
	if (c->has_cert) {
		snprintf(c->subject, sizeof c->subject, "%s", peer->subject);
		memcpy(c->sha256, peer->sha256, sizeof c->sha256);
	}
	if ((!c->has_cert && !x->s->o.allow_without_cert) ||
	    x->s->o.identify(x->s->o.identify_arg, peer, c) != M2M_OK ||
	    c->role == M2M_WS_ROLE_NONE) {
		m2m_ws_error_failed(e, M2M_WS_SUBJ_REQUESTER, M2M_WS_REASON_UNAUTHORISED, NULL,
				    "caller not identified (client certificate %s)",
				    c->has_cert ? c->subject : "absent");
		return false;
	}
	unsigned allowed = x->msg->dir == M2M_WS_DIR_IN ? fn->callers : fn->provider;
	if (!(allowed & c->role)) {
		m2m_ws_error_failed(e, M2M_WS_SUBJ_REQUESTER, M2M_WS_REASON_NOT_ALLOWED, c->id,
				    "an %s may not call %s", m2m_ws_role_name(c->role), fn->name);
		return false;
	}
	return true;
}

static m2m_err parse(exchange *x, m2m_ws_error *e)
{
	const m2m_http_request *r = x->req;
	if (x->binding == M2M_WS_JSON)
		return m2m_ws_json_parse(r->body, r->body_len, &x->msg, e);
	return m2m_ws_soap_parse(r->body, r->body_len, &x->msg, e);
}

/* --- dispatch ----------------------------------------------------------------------------- */

static void run_handler(exchange *x)
{
	m2m_ws_msg *response = NULL;
	const m2m_ws_function *fn = x->msg->fn;
	m2m_ws_error e;
	bool request = x->msg->dir == M2M_WS_DIR_IN && fn->kind == M2M_WS_KIND_REQUEST;
	m2m_ws_call call = {
		.fn = fn,
		.dir = x->msg->dir,
		.binding = x->binding,
		.caller = &x->caller,
		.wsa = &x->msg->wsa,
		.function_call_id = m2m_ws_msg_function_call_id(x->msg),
		.received = time(NULL),
		.msg = x->msg,
		.priv = x,
	};
	if (m2m_ws_msg_validity_period(x->msg, &call.validity_period) != M2M_OK)
		call.validity_period = 0;
	if (request && m2m_ws_response_new(fn->id, NULL, &response) != M2M_OK) {
		m2m_ws_error_fault(&e, M2M_WS_FAULT_RECEIVER, NULL, NULL, "out of memory");
		send_fault(x, &e);
		return;
	}
	m2m_ws_reply reply = x->s->o.handler(x->s->o.arg, &call, response);
	if (request && x->hold && reply == M2M_WS_REPLY_HOLD) {
		x->hold = NULL; /* the service's now */
	} else if (request && x->hold) {
		/* Held, then answered at once after all: the answer goes through the hold. */
		m2m_ws_server_complete(x->hold, reply == M2M_WS_REPLY_NOW ? response : NULL);
		x->hold = NULL;
	} else if (!request)
		send_accepted(x);
	else if (reply == M2M_WS_REPLY_LATER && x->deferred)
		send_accepted(x);
	else if (reply != M2M_WS_REPLY_NOW) {
		m2m_error(LOG, "%s: handler deferred without m2m_ws_defer/hold", fn->name);
		m2m_ws_error_fault(&e, M2M_WS_FAULT_RECEIVER, NULL, NULL,
				   "internal error: no answer");
		send_fault(x, &e);
	} else {
		send_response(x, response);
	}
	m2m_ws_msg_free(response);
}

static void dispatch(exchange *x)
{
	m2m_ws_error e;
	memset(&e, 0, sizeof e);
	if (!check_content_type(x, &e)) {
		send_fault(x, &e);
		return;
	}
	m2m_err err = parse(x, &e);
	if (err != M2M_OK && (e.fault != M2M_WS_FAULT_NONE || !x->msg)) {
		send_fault(x, &e);
		return;
	}
	if (err != M2M_OK) {
		/* A JSON body that does not map: routed and authorised first, then FAILED. */
		m2m_ws_error first = e;
		if (!check_route(x, &e))
			send_fault(x, &e);
		else if (!check_caller(x, &e))
			send_failed(x, &e);
		else
			send_failed(x, &first);
		return;
	}
	if (m2m_ws_msg_is_fault(x->msg)) {
		m2m_ws_error_fault(&e, M2M_WS_FAULT_SENDER, NULL, NULL,
				   "a fault is not a request: faults answer requests");
		send_fault(x, &e);
		return;
	}
	if (!check_route(x, &e)) {
		send_fault(x, &e);
		return;
	}
	if (!check_caller(x, &e) ||
	    m2m_ws_schema_validate_msg(x->s->o.schema, x->msg, &e) != M2M_OK) {
		send_failed(x, &e);
		return;
	}
	run_handler(x);
}

void m2m_ws_server_http_handler(void *arg, const m2m_http_request *req, m2m_http_response *resp)
{
	exchange x = {.s = arg, .req = req, .resp = resp};
	if (!route_path(req->uri, &x.binding, &x.iface)) {
		send_plain(&x, 404, "no ES endpoint here: use /soap/es<N> or /json/es<N>");
		return;
	}
	if (strcmp(req->method, "POST") != 0) {
		m2m_http_response_header(resp, "Allow", "POST");
		send_plain(&x, 405, "only POST");
		return;
	}
	dispatch(&x);
	m2m_ws_msg_free(x.msg);
}

m2m_err m2m_ws_defer(const m2m_ws_call *call, m2m_ws_deferred *out)
{
	if (!call || !out || !call->priv || call->dir != M2M_WS_DIR_IN ||
	    call->fn->kind != M2M_WS_KIND_REQUEST)
		return M2M_ERR_ARG;
	exchange *x = call->priv;
	const char *reply_to = x->msg->wsa.reply_to;
	memset(out, 0, sizeof *out);
	if (x->hold || !reply_to || strcmp(reply_to, M2M_WS_WSA_ANONYMOUS) == 0 ||
	    strcmp(reply_to, M2M_WS_WSA_NONE) == 0)
		return M2M_ERR_STATE;
	out->fn = call->fn->id;
	out->binding = x->binding;
	out->relates_to = strdup(x->msg->wsa.message_id);
	out->reply_to = strdup(reply_to);
	if (!out->relates_to || !out->reply_to) {
		m2m_ws_deferred_clear(out);
		return M2M_ERR_NOMEM;
	}
	x->deferred = true;
	return M2M_OK;
}

void m2m_ws_deferred_clear(m2m_ws_deferred *d)
{
	if (!d)
		return;
	free(d->relates_to);
	free(d->reply_to);
	d->relates_to = d->reply_to = NULL;
}

/* --- hold mode ---------------------------------------------------------------------------- */

m2m_err m2m_ws_hold_begin(const m2m_ws_call *call, m2m_ws_hold **out)
{
	if (!call || !out || !call->priv || call->dir != M2M_WS_DIR_IN ||
	    call->fn->kind != M2M_WS_KIND_REQUEST)
		return M2M_ERR_ARG;
	exchange *x = call->priv;
	const char *reply_to = x->msg->wsa.reply_to;
	*out = NULL;
	if (x->hold) {
		*out = x->hold;
		return M2M_OK;
	}
	if (x->deferred || (reply_to && strcmp(reply_to, M2M_WS_WSA_ANONYMOUS) != 0))
		return M2M_ERR_STATE;
	m2m_ws_hold *h = calloc(1, sizeof *h);
	if (!h)
		return M2M_ERR_NOMEM;
	h->s = x->s;
	h->binding = x->binding;
	h->fn = call->fn->id;
	h->relates_to = x->msg->wsa.message_id ? strdup(x->msg->wsa.message_id) : NULL;
	h->uri = strdup(x->req->uri);
	if ((x->msg->wsa.message_id && !h->relates_to) || !h->uri)
		goto fail;
	h->hd = m2m_http_response_defer(x->resp);
	if (!h->hd)
		goto fail;
	h->next = x->s->holds;
	x->s->holds = h;
	x->hold = h;
	*out = h;
	return M2M_OK;
fail:
	free(h->relates_to);
	free(h->uri);
	free(h);
	return M2M_ERR_NOMEM;
}

m2m_ws_fn m2m_ws_hold_fn(const m2m_ws_hold *h)
{
	return h ? h->fn : (m2m_ws_fn)0;
}

void m2m_ws_server_complete(m2m_ws_hold *h, m2m_ws_msg *response)
{
	if (!h)
		return;
	for (m2m_ws_hold **p = &h->s->holds; *p; p = &(*p)->next)
		if (*p == h) {
			*p = h->next;
			break;
		}
	if (m2m_http_deferred_alive(h->hd)) {
		exchange x = {.s = h->s, .resp = m2m_http_deferred_response(h->hd),
			      .binding = h->binding, .relates_to = h->relates_to, .uri = h->uri};
		m2m_ws_error e;
		if (response) {
			send_response(&x, response);
		} else {
			m2m_ws_error_fault(&e, M2M_WS_FAULT_RECEIVER, NULL, NULL,
					   "the service stopped before the answer");
			send_fault(&x, &e);
		}
	} else {
		m2m_info(LOG, "%s: the caller left before the held answer", h->uri);
	}
	m2m_http_deferred_finish(h->hd);
	free(h->relates_to);
	free(h->uri);
	free(h);
}
