/* libcurl easy-interface client (see http_client.h). libcurl has no PSK option: with its OpenSSL
 * back end, CURLOPT_SSL_CTX_FUNCTION lets tls.c turn curl's SSL_CTX into a PSK client one. */
#include "net/http_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "core/log.h"

#define LOG "http"
#define DEFAULT_TIMEOUT_MS 30000L
#define DEFAULT_CONNECT_TIMEOUT_MS 10000L

struct m2m_http_client {
	CURL *curl;
	char *ca_file;
	char *cert_file;
	char *key_file;
	bool psk;
	m2m_tls_psk_client_opts psk_opts; /* points into the copies below */
	char *psk_identity;
	char *psk_ciphers;
	uint8_t psk_key[M2M_TLS_PSK_KEY_MAX];
	long timeout_ms;
	long connect_timeout_ms;
	size_t max_response;
	char curl_err[CURL_ERROR_SIZE];
	char error[CURL_ERROR_SIZE + 128];
};

/* State of one request while curl runs it. */
typedef struct {
	m2m_http_client *c;
	m2m_http_client_response *resp;
	const uint8_t *upload;
	size_t upload_left;
	bool too_large;
	bool nomem;
} xfer;

m2m_err m2m_http_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? M2M_OK : M2M_ERR_IO;
}

void m2m_http_global_cleanup(void)
{
	curl_global_cleanup();
}

static void headers_clear(m2m_http_client_response *resp)
{
	for (size_t i = 0; i < resp->n_headers; i++) {
		free(resp->headers[i].name);
		free(resp->headers[i].value);
	}
	free(resp->headers);
	resp->headers = NULL;
	resp->n_headers = 0;
}

void m2m_http_client_response_free(m2m_http_client_response *resp)
{
	if (!resp)
		return;
	headers_clear(resp);
	m2m_buf_free(&resp->body);
	resp->status = 0;
}

const char *m2m_http_client_response_header(const m2m_http_client_response *resp,
					    const char *name)
{
	if (!resp || !name)
		return NULL;
	for (size_t i = 0; i < resp->n_headers; i++)
		if (strcasecmp(resp->headers[i].name, name) == 0)
			return resp->headers[i].value;
	return NULL;
}

static char *dup_trimmed(const char *p, size_t n)
{
	while (n && (p[0] == ' ' || p[0] == '\t'))
		p++, n--;
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' || p[n - 1] == '\n'))
		n--;
	char *s = malloc(n + 1);
	if (s) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

/* One "Name: value" line; anything else (status line, blank, folded line) is not a header. */
static bool header_add(m2m_http_client_response *resp, const char *line, size_t n)
{
	const char *colon = memchr(line, ':', n);
	if (!colon || colon == line || line[0] == ' ' || line[0] == '\t')
		return true;
	if (resp->n_headers >= M2M_HTTP_CLIENT_MAX_HEADERS)
		return true; /* bounded: later headers are dropped */
	m2m_http_header *h = realloc(resp->headers, (resp->n_headers + 1) * sizeof *h);
	if (!h)
		return false;
	resp->headers = h;
	h = &resp->headers[resp->n_headers];
	h->name = dup_trimmed(line, (size_t)(colon - line));
	h->value = dup_trimmed(colon + 1, n - (size_t)(colon - line) - 1);
	if (!h->name || !h->value) {
		free(h->name);
		free(h->value);
		return false;
	}
	resp->n_headers++;
	return true;
}

static size_t on_header(char *p, size_t size, size_t nitems, void *arg)
{
	xfer *x = arg;
	size_t n = size * nitems;
	/* A new status line starts a new response (after "100 Continue"): keep only the last. */
	if (n >= 5 && memcmp(p, "HTTP/", 5) == 0)
		headers_clear(x->resp);
	else if (!header_add(x->resp, p, n)) {
		x->nomem = true;
		return 0;
	}
	return n;
}

static size_t on_body(char *p, size_t size, size_t nitems, void *arg)
{
	xfer *x = arg;
	size_t n = size * nitems;
	if (x->resp->body.len + n > x->c->max_response) {
		x->too_large = true;
		return 0;
	}
	if (m2m_buf_append(&x->resp->body, p, n) != M2M_OK) {
		x->nomem = true;
		return 0;
	}
	return n;
}

static size_t on_upload(char *p, size_t size, size_t nitems, void *arg)
{
	xfer *x = arg;
	size_t n = size * nitems;
	if (n > x->upload_left)
		n = x->upload_left;
	if (n)
		memcpy(p, x->upload, n);
	x->upload += n;
	x->upload_left -= n;
	return n;
}

static CURLcode on_ssl_ctx(CURL *curl, void *ssl_ctx, void *arg)
{
	(void)curl;
	m2m_http_client *c = arg;
	return m2m_tls_psk_client_setup(ssl_ctx, &c->psk_opts) == M2M_OK ? CURLE_OK
									 : CURLE_SSL_CIPHER;
}

/* Copies a string option; NULL stays NULL. */
static bool dup_opt(const char *s, char **out)
{
	*out = NULL;
	if (!s)
		return true;
	*out = strdup(s);
	return *out != NULL;
}

static m2m_err copy_psk(m2m_http_client *c, const m2m_tls_psk_client_opts *p)
{
	if (!p->identity || !p->key || p->key_len == 0 || p->key_len > M2M_TLS_PSK_KEY_MAX ||
	    strlen(p->identity) > M2M_TLS_PSK_IDENTITY_MAX)
		return M2M_ERR_ARG;
	if (!dup_opt(p->identity, &c->psk_identity) || !dup_opt(p->ciphers, &c->psk_ciphers))
		return M2M_ERR_NOMEM;
	memcpy(c->psk_key, p->key, p->key_len);
	c->psk = true;
	c->psk_opts = (m2m_tls_psk_client_opts){
		.identity = c->psk_identity,
		.key = c->psk_key,
		.key_len = p->key_len,
		.ciphers = c->psk_ciphers,
		.max_fragment_512 = p->max_fragment_512,
	};
	return M2M_OK;
}

m2m_err m2m_http_client_new(const m2m_http_client_opts *o, m2m_http_client **out)
{
	m2m_err err = M2M_ERR_ARG;
	m2m_http_client *c = NULL;
	if (!o || !out || (o->cert_file && !o->key_file))
		goto out;
	err = M2M_ERR_NOMEM;
	c = calloc(1, sizeof *c);
	if (!c)
		goto out;
	c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
	c->connect_timeout_ms =
		o->connect_timeout_ms > 0 ? o->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS;
	c->max_response = o->max_response ? o->max_response : M2M_HTTP_CLIENT_MAX_RESPONSE_DEFAULT;
	if (!dup_opt(o->ca_file, &c->ca_file) || !dup_opt(o->cert_file, &c->cert_file) ||
	    !dup_opt(o->key_file, &c->key_file))
		goto out;
	if (o->psk && (err = copy_psk(c, o->psk)) != M2M_OK)
		goto out;
	err = M2M_ERR_IO;
	c->curl = curl_easy_init();
	if (!c->curl)
		goto out;
	*out = c;
	c = NULL;
	err = M2M_OK;
out:
	m2m_http_client_free(c);
	return err;
}

void m2m_http_client_free(m2m_http_client *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	free(c->ca_file);
	free(c->cert_file);
	free(c->key_file);
	free(c->psk_identity);
	free(c->psk_ciphers);
	m2m_wipe(c, sizeof *c);
	free(c);
}

const char *m2m_http_client_error(const m2m_http_client *c)
{
	return c ? c->error : "no client";
}

/* TLS options: PSK (the key is the server's authentication, so no certificate checks) or
 * certificates against our own CA file only. */
static void set_tls(m2m_http_client *c)
{
	CURL *h = c->curl;
	if (c->psk) {
		curl_easy_setopt(h, CURLOPT_SSLVERSION,
				 (long)(CURL_SSLVERSION_TLSv1_2 | CURL_SSLVERSION_MAX_TLSv1_2));
		curl_easy_setopt(h, CURLOPT_SSL_CIPHER_LIST,
				 c->psk_ciphers ? c->psk_ciphers : M2M_TLS_PSK_CIPHERS);
		curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
		curl_easy_setopt(h, CURLOPT_SSL_CTX_DATA, c);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_SESSIONID_CACHE, 0L);
		return;
	}
	curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_file) {
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
		curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
	}
	if (c->cert_file) {
		curl_easy_setopt(h, CURLOPT_SSLCERT, c->cert_file);
		curl_easy_setopt(h, CURLOPT_SSLKEY, c->key_file);
	}
}

static void set_method(CURL *h, const m2m_http_client_request *r, xfer *x)
{
	const char *m = r->method ? r->method : (r->body_len || r->chunked ? "POST" : "GET");
	if (strcmp(m, "GET") == 0) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
		return;
	}
	if (strcmp(m, "HEAD") == 0) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
		return;
	}
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	if (strcmp(m, "POST") != 0)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m);
	if (r->chunked) {
		/* No size given + "Transfer-Encoding: chunked" = curl chunks the read callback. */
		x->upload = r->body;
		x->upload_left = r->body ? r->body_len : 0;
		curl_easy_setopt(h, CURLOPT_READFUNCTION, on_upload);
		curl_easy_setopt(h, CURLOPT_READDATA, x);
		return;
	}
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->body ? (const char *)r->body : "");
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(r->body ? r->body_len : 0));
}

static m2m_err build_headers(const m2m_http_client_request *r, struct curl_slist **out)
{
	m2m_err err = M2M_ERR_ARG;
	struct curl_slist *list = NULL, *t;
	for (size_t i = 0; i < r->n_headers; i++) {
		const char *hd = r->headers ? r->headers[i] : NULL;
		if (!hd || strpbrk(hd, "\r\n") || !strchr(hd, ':'))
			goto out;
	}
	err = M2M_ERR_NOMEM;
	/* No "Expect: 100-continue" round trip: cards and simple servers never send one. */
	if (!(list = curl_slist_append(NULL, "Expect:")))
		goto out;
	if (r->chunked) {
		if (!(t = curl_slist_append(list, "Transfer-Encoding: chunked")))
			goto out;
		list = t;
	}
	for (size_t i = 0; i < r->n_headers; i++) {
		if (!(t = curl_slist_append(list, r->headers[i])))
			goto out;
		list = t;
	}
	*out = list;
	list = NULL;
	err = M2M_OK;
out:
	curl_slist_free_all(list);
	return err;
}

static void set_common(m2m_http_client *c, const m2m_http_client_request *r, xfer *x)
{
	CURL *h = c->curl;
	curl_easy_setopt(h, CURLOPT_URL, r->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->curl_err);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
}

static m2m_err finish(m2m_http_client *c, CURLcode rc, const xfer *x)
{
	if (rc == CURLE_OK) {
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &x->resp->status);
		return M2M_OK;
	}
	if (x->nomem)
		return M2M_ERR_NOMEM;
	if (x->too_large)
		snprintf(c->error, sizeof c->error, "response body larger than %zu bytes",
			 c->max_response);
	else
		snprintf(c->error, sizeof c->error, "%s%s%s", curl_easy_strerror(rc),
			 c->curl_err[0] ? ": " : "", c->curl_err);
	m2m_warn(LOG, "request failed: %s", c->error);
	return M2M_ERR_IO;
}

m2m_err m2m_http_client_send(m2m_http_client *c, const m2m_http_client_request *r,
			     m2m_http_client_response *resp)
{
	m2m_err err = M2M_ERR_ARG;
	struct curl_slist *headers = NULL;
	xfer x = {.c = c, .resp = resp};
	if (resp) {
		memset(resp, 0, sizeof *resp);
		m2m_buf_init(&resp->body);
	}
	if (!c || !r || !r->url || !resp || (!r->body && r->body_len))
		goto out;
	c->error[0] = c->curl_err[0] = '\0';
	err = build_headers(r, &headers);
	if (err != M2M_OK) {
		snprintf(c->error, sizeof c->error, "request header not \"Name: value\" on one line");
		goto out;
	}
	/* reset keeps the open connection, so a session's requests share one TLS handshake. */
	curl_easy_reset(c->curl);
	set_common(c, r, &x);
	set_tls(c);
	set_method(c->curl, r, &x);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers);
	err = finish(c, curl_easy_perform(c->curl), &x);
	/* curl keeps pointers to our options: none may outlive this call. */
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, NULL);
out:
	curl_slist_free_all(headers);
	if (err != M2M_OK)
		m2m_http_client_response_free(resp);
	return err;
}
