/* The SCP81 admin server: options, the TLS-PSK context whose identity look-up goes through the
 * caller's callback, and the HTTP handler that sends each POST to its session. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "crypto/hash.h"
#include "net/tls.h"
#include "smsr/scp81_server_int.h"

/* SGP.02: the ISD-R's AID. */
static const uint8_t isdr_sgp02[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
				       0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00};

/* The caller's look-up, with the identity parsed when it is an SGP.02 one and its EID held
 * against the answer. key NULL: only the EID is wanted. */
static m2m_err resolve(const m2m_scp81_server *s, const char *identity, uint8_t eid[16],
		       uint8_t *key, size_t cap, size_t *key_len)
{
	m2m_scp81_psk_id id;
	bool sgp02 = m2m_scp81_psk_id_parse_hex(identity, strlen(identity), &id, NULL) == M2M_OK;
	size_t n = 0;
	m2m_err err = s->psk(s->arg, identity, sgp02 ? &id : NULL, eid, key, cap, &n);

	if (err == M2M_OK && sgp02 && memcmp(eid, id.eid, M2M_SCP81_EID_LEN) != 0) {
		m2m_warn(SCP81_LOG, "PSK identity: the look-up names another EID");
		err = M2M_ERR_VERIFY;
	}
	if (err == M2M_OK && key != NULL && (n == 0 || n > cap))
		err = M2M_ERR_VERIFY;
	if (err != M2M_OK && key != NULL)
		m2m_wipe(key, cap);
	if (key_len != NULL)
		*key_len = err == M2M_OK ? n : 0;
	m2m_wipe(&id, sizeof id);
	return err;
}

static m2m_err tls_lookup(void *arg, const char *identity, uint8_t *key, size_t cap,
			  size_t *key_len)
{
	uint8_t eid[M2M_SCP81_EID_LEN];

	return resolve(arg, identity, eid, key, cap, key_len);
}

static void on_request(void *arg, const m2m_http_request *req, m2m_http_response *resp)
{
	m2m_scp81_server *s = arg;
	uint8_t eid[M2M_SCP81_EID_LEN];

	if (strcmp(req->method, "POST") != 0) {
		m2m_scp81_http_error(resp, 405, "the admin agent only POSTs");
		(void)m2m_http_response_header(resp, "Allow", "POST");
		return;
	}
	if (!req->tls || !req->peer.has_psk ||
	    resolve(s, req->peer.psk_identity, eid, NULL, 0, NULL) != M2M_OK) {
		m2m_scp81_http_error(resp, 403, "unknown PSK identity");
		return;
	}
	/* njiwa's rule: a POST with a script status answers a script; any other opens. */
	if (m2m_http_request_header(req, "X-Admin-Script-Status") != NULL)
		m2m_scp81_session_response(s, eid, req, resp);
	else
		m2m_scp81_session_first(s, eid, req, resp);
}

/* A path the card copies into its request line: visible ASCII, no query or fragment. */
static bool uri_ok(const char *u)
{
	for (; *u != '\0'; u++)
		if (*u < 0x21 || *u > 0x7E || *u == '?' || *u == '#')
			return false;
	return true;
}

static m2m_err configure(m2m_scp81_server *s, struct event_base *base,
			 const m2m_scp81_server_opts *o)
{
	const char *base_uri = o->uri_base != NULL ? o->uri_base : M2M_SCP81_SERVER_URI_BASE;
	size_t n = strlen(base_uri);

	/* The Next-URI must fit the card's buffer: base + 16 hex + a number. */
	if (n == 0 || n >= SCP81_URI_BASE_MAX || base_uri[0] != '/' || base_uri[n - 1] == '/' ||
	    !uri_ok(base_uri))
		return M2M_ERR_ARG;
	memcpy(s->uri_base, base_uri, n + 1);
	if (o->isdr_aid != NULL && (o->isdr_aid_len < M2M_SCP81_AID_MIN ||
				    o->isdr_aid_len > M2M_SCP81_AID_MAX))
		return M2M_ERR_ARG;
	memcpy(s->isdr.b, o->isdr_aid != NULL ? o->isdr_aid : isdr_sgp02,
	       o->isdr_aid != NULL ? o->isdr_aid_len : sizeof isdr_sgp02);
	s->isdr.len = o->isdr_aid != NULL ? o->isdr_aid_len : sizeof isdr_sgp02;
	s->base = base;
	s->psk = o->psk;
	s->need_trigger = o->need_trigger;
	s->arg = o->arg;
	s->chunked = !o->no_chunked;
	s->trigger_timeout_ms = o->trigger_timeout_ms ? o->trigger_timeout_ms
						      : M2M_SCP81_SERVER_TRIGGER_TIMEOUT_MS;
	s->trigger_retries = o->trigger_retries < 0	   ? 0
			     : o->trigger_retries == 0 ? M2M_SCP81_SERVER_TRIGGER_RETRIES
						       : (unsigned)o->trigger_retries;
	s->step_timeout_ms = o->step_timeout_ms ? o->step_timeout_ms
						: M2M_SCP81_SERVER_STEP_TIMEOUT_MS;
	s->session_timeout_ms = o->session_timeout_ms ? o->session_timeout_ms
						      : M2M_SCP81_SERVER_SESSION_TIMEOUT_MS;
	s->max_queue = o->max_queue ? o->max_queue : M2M_SCP81_SERVER_MAX_QUEUE;
	s->max_euiccs = o->max_euiccs ? o->max_euiccs : M2M_SCP81_SERVER_MAX_EUICCS;
	s->max_body = o->max_body ? o->max_body : M2M_SCP81_BODY_MAX;
	return m2m_random((uint8_t *)&s->next_session, sizeof s->next_session);
}

static m2m_err listen_tls(m2m_scp81_server *s, const m2m_scp81_server_opts *o)
{
	m2m_tls_psk_server_opts po = {.lookup = tls_lookup, .arg = s, .ciphers = o->ciphers};
	m2m_http_server_opts ho;
	SSL_CTX *ctx = NULL;
	m2m_err err = m2m_tls_psk_server_ctx(&po, &ctx);

	if (err != M2M_OK)
		return err;
	memset(&ho, 0, sizeof ho);
	ho.address = o->address;
	ho.port = o->port;
	ho.tls = ctx;
	ho.max_body = s->max_body;
	/* The connection stays open while the card runs a script: idle longer than a step. */
	ho.timeout_s = (int)(s->step_timeout_ms / 1000u) + 10;
	ho.handler = on_request;
	ho.arg = s;
	err = m2m_http_server_new(s->base, &ho, &s->http);
	SSL_CTX_free(ctx); /* the HTTP server holds its own reference */
	return err;
}

m2m_err m2m_scp81_server_new(struct event_base *base, const m2m_scp81_server_opts *o,
			     m2m_scp81_server **out)
{
	m2m_scp81_server *s = NULL;
	m2m_err err = M2M_ERR_ARG;

	if (base == NULL || o == NULL || o->psk == NULL || o->need_trigger == NULL || out == NULL)
		goto out;
	err = M2M_ERR_NOMEM;
	s = calloc(1, sizeof *s);
	if (s == NULL)
		goto out;
	if ((err = configure(s, base, o)) != M2M_OK || (err = m2m_scp81_slots_init(s)) != M2M_OK ||
	    (err = listen_tls(s, o)) != M2M_OK)
		goto out;
	m2m_info(SCP81_LOG, "admin server on port %u, Next-URI %s/...",
		 (unsigned)m2m_http_server_port(s->http), s->uri_base);
	*out = s;
	s = NULL;
out:
	m2m_scp81_server_free(s);
	return err;
}

uint16_t m2m_scp81_server_port(const m2m_scp81_server *s)
{
	return s != NULL ? m2m_http_server_port(s->http) : 0;
}

void m2m_scp81_server_free(m2m_scp81_server *s)
{
	if (s == NULL)
		return;
	s->closing = true;
	m2m_http_server_free(s->http); /* no request can reach a slot from here on */
	m2m_scp81_slots_free(s);
	free(s);
}
