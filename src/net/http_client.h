/* HTTP(S) client on libcurl's easy interface: plain, certificate (mutual) TLS or TLS 1.2 PSK.
 * One client object keeps its connection open between requests, as an SCP81 session needs. */
#ifndef M2M_NET_HTTP_CLIENT_H
#define M2M_NET_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "net/tls.h"

#define M2M_HTTP_CLIENT_MAX_RESPONSE_DEFAULT (1024u * 1024u)
#define M2M_HTTP_CLIENT_MAX_HEADERS 100

/* libcurl's process-wide set-up and tear-down; call once, before any thread uses a client. */
m2m_err m2m_http_global_init(void);
void m2m_http_global_cleanup(void);

typedef struct m2m_http_client m2m_http_client;

typedef struct {
	/* Certificate TLS: ca_file (trust anchors; server certificate and host are verified),
	 * optional cert_file + key_file for mutual TLS. Ignored when psk is set. */
	const char *ca_file;
	const char *cert_file;
	const char *key_file;
	/* TLS-PSK (https:// URLs only): the PSK authenticates the server, no certificate. */
	const m2m_tls_psk_client_opts *psk;
	long timeout_ms;         /* whole request; 0 = 30 s */
	long connect_timeout_ms; /* 0 = 10 s */
	size_t max_response;     /* body bytes; 0 = M2M_HTTP_CLIENT_MAX_RESPONSE_DEFAULT */
} m2m_http_client_opts;

typedef struct {
	const char *method;          /* "GET", "POST", ...; NULL = POST if body, else GET */
	const char *url;
	const char *const *headers;  /* "Name: value" lines */
	size_t n_headers;
	const uint8_t *body;
	size_t body_len;
	bool chunked;                /* send the body with Transfer-Encoding: chunked */
} m2m_http_client_request;

typedef struct {
	char *name;
	char *value;
} m2m_http_header;

typedef struct {
	long status;
	m2m_http_header *headers;  /* of the final response, in arrival order */
	size_t n_headers;
	m2m_buf body;
} m2m_http_client_response;

/* The client copies what it needs from o (the PSK included). */
m2m_err m2m_http_client_new(const m2m_http_client_opts *o, m2m_http_client **out);
/* M2M_ERR_IO for any transport or TLS failure (m2m_http_client_error says which); an HTTP error
 * status is not a failure. resp is reset first; free it with m2m_http_client_response_free. */
m2m_err m2m_http_client_send(m2m_http_client *c, const m2m_http_client_request *r,
			     m2m_http_client_response *resp);
/* The last failure in words (libcurl's message); "" after a success. */
const char *m2m_http_client_error(const m2m_http_client *c);
void m2m_http_client_free(m2m_http_client *c);

/* Case-insensitive; NULL when absent. */
const char *m2m_http_client_response_header(const m2m_http_client_response *resp,
					    const char *name);
void m2m_http_client_response_free(m2m_http_client_response *resp);

#endif
