/* The ES endpoint of a daemon: listener first, then the ws server (ws/endpoint.h). */
#include "ws/endpoint.h"

#include <stdio.h>

#include <openssl/ssl.h>

#include "core/log.h"
#include "net/tls.h"

/* The ws server is made after the listener: requests find it through its slot. */
static void on_http(void *arg, const m2m_http_request *req, m2m_http_response *resp)
{
	m2m_ws_server *const *ws = arg;

	m2m_ws_server_http_handler(*ws, req, resp);
}

static m2m_err server_ctx(const m2m_ws_endpoint_opts *o, SSL_CTX **ctx)
{
	m2m_err err = M2M_OK;

	*ctx = NULL;
	if (o->cert != NULL && o->cert[0] != '\0') {
		m2m_tls_cert_opts to = {.cert_file = o->cert, .key_file = o->key,
					.ca_file = o->ca};
		if ((err = m2m_tls_cert_server_ctx(&to, ctx)) != M2M_OK)
			m2m_error(o->log, "TLS: %s", m2m_strerror(err));
	}
	return err;
}

m2m_err m2m_ws_endpoint_open(struct event_base *base, const m2m_ws_endpoint_opts *o,
			     m2m_http_server **http, m2m_ws_server **ws, char *address,
			     size_t cap)
{
	SSL_CTX *ctx = NULL;
	m2m_ws_server_opts wo = o->ws;
	m2m_err err = server_ctx(o, &ctx);

	*ws = NULL;
	if (err != M2M_OK)
		return err;
	/* Listen first: the address names the port actually bound. The ws server is made
	 * before the loop runs, so no request sees it half set up. */
	m2m_http_server_opts ho = {.address = o->host, .port = o->port, .tls = ctx,
				   .handler = on_http, .arg = ws};
	err = m2m_http_server_new(base, &ho, http);
	if (err != M2M_OK)
		goto out;
	if (o->address != NULL && o->address[0] != '\0')
		snprintf(address, cap, "%s", o->address);
	else
		snprintf(address, cap, "%s://%s:%u%s", ctx != NULL ? "https" : "http", o->host,
			 (unsigned)m2m_http_server_port(*http), o->path);
	wo.address = address;
	err = m2m_ws_server_new(&wo, ws);
	if (err != M2M_OK) {
		m2m_http_server_free(*http);
		*http = NULL;
	}
out:
	SSL_CTX_free(ctx);
	return err;
}
