/* SSL_CTX factories: TLS 1.2 PSK and mutual-TLS certificates (see tls.h). */
#include "net/tls.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/buf.h"
#include "core/log.h"

#define LOG "tls"

/* What a context needs in its PSK callback; hung on the SSL_CTX so that it lives and dies
 * with it (libcurl frees its contexts itself). */
typedef struct {
	m2m_tls_psk_lookup_fn lookup; /* server */
	void *arg;
	char identity[M2M_TLS_PSK_IDENTITY_MAX + 1]; /* client */
	uint8_t key[M2M_TLS_PSK_KEY_MAX];
	size_t key_len;
} psk_data;

static int psk_index = -1;
static pthread_once_t psk_index_once = PTHREAD_ONCE_INIT;

static void psk_data_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
			  void *argp)
{
	(void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
	if (ptr) {
		m2m_wipe(ptr, sizeof(psk_data));
		free(ptr);
	}
}

static void psk_index_init(void)
{
	psk_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, psk_data_free);
}

/* Attaches a fresh psk_data to ctx; the context frees (and wipes) it. */
static psk_data *psk_data_attach(SSL_CTX *ctx)
{
	pthread_once(&psk_index_once, psk_index_init);
	if (psk_index < 0)
		return NULL;
	psk_data *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	psk_data *old = SSL_CTX_get_ex_data(ctx, psk_index);
	if (SSL_CTX_set_ex_data(ctx, psk_index, d) != 1) {
		free(d);
		return NULL;
	}
	/* set_ex_data does not free a previous value: do it here. */
	psk_data_free(NULL, old, NULL, 0, 0, NULL);
	return d;
}

static psk_data *psk_data_of(SSL *ssl)
{
	if (psk_index < 0)
		return NULL;
	return SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), psk_index);
}

/* Logs and clears OpenSSL's error queue. */
static void log_ssl_errors(const char *what)
{
	unsigned long e;
	char msg[256];
	bool any = false;
	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, msg, sizeof msg);
		m2m_error(LOG, "%s: %s", what, msg);
		any = true;
	}
	if (!any)
		m2m_error(LOG, "%s failed", what);
}

static unsigned int psk_server_cb(SSL *ssl, const char *identity, unsigned char *psk,
				  unsigned int max_psk_len)
{
	psk_data *d = psk_data_of(ssl);
	size_t len = 0;
	unsigned int ret = 0;
	if (!d || !d->lookup || !identity)
		goto out;
	size_t cap = max_psk_len < M2M_TLS_PSK_KEY_MAX ? max_psk_len : M2M_TLS_PSK_KEY_MAX;
	m2m_err err = d->lookup(d->arg, identity, psk, cap, &len);
	if (err != M2M_OK || len == 0 || len > cap) {
		m2m_warn(LOG, "PSK identity refused (%zu chars): %s", strlen(identity),
			 err != M2M_OK ? m2m_strerror(err) : "bad key length");
		m2m_wipe(psk, cap);
		goto out;
	}
	ret = (unsigned int)len;
out:
	return ret;
}

static unsigned int psk_client_cb(SSL *ssl, const char *hint, char *identity,
				  unsigned int max_identity_len, unsigned char *psk,
				  unsigned int max_psk_len)
{
	(void)hint; /* the identity is configured, never derived from the server's hint */
	psk_data *d = psk_data_of(ssl);
	unsigned int ret = 0;
	if (!d || d->key_len == 0)
		goto out;
	size_t id_len = strlen(d->identity);
	/* max_identity_len counts the NUL (OpenSSL's own s_client reads it so). */
	if (id_len + 1 > max_identity_len || d->key_len > max_psk_len) {
		m2m_error(LOG, "PSK identity or key too long for this TLS library");
		goto out;
	}
	memcpy(identity, d->identity, id_len + 1);
	memcpy(psk, d->key, d->key_len);
	ret = (unsigned int)d->key_len;
out:
	return ret;
}

/* TLS 1.2 exactly: TLS 1.3 PSK is a different mechanism that cards do not speak. No session
 * resumption: SGP.02 forbids it for SCP81, and a fresh handshake proves the key each time. */
static m2m_err psk_common_setup(SSL_CTX *ctx, const char *ciphers)
{
	m2m_err err = M2M_ERR_CRYPTO;
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION) != 1)
		goto out;
	if (SSL_CTX_set_cipher_list(ctx, ciphers ? ciphers : M2M_TLS_PSK_CIPHERS) != 1)
		goto out;
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
	err = M2M_OK;
out:
	if (err != M2M_OK)
		log_ssl_errors("PSK context setup");
	return err;
}

m2m_err m2m_tls_psk_server_ctx(const m2m_tls_psk_server_opts *o, SSL_CTX **out)
{
	m2m_err err = M2M_ERR_ARG;
	SSL_CTX *ctx = NULL;
	if (!o || !o->lookup || !out)
		goto out;
	err = M2M_ERR_CRYPTO;
	ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx)
		goto out;
	err = psk_common_setup(ctx, o->ciphers);
	if (err != M2M_OK)
		goto out;
	err = M2M_ERR_NOMEM;
	psk_data *d = psk_data_attach(ctx);
	if (!d)
		goto out;
	d->lookup = o->lookup;
	d->arg = o->arg;
	err = M2M_ERR_CRYPTO;
	if (o->hint && SSL_CTX_use_psk_identity_hint(ctx, o->hint) != 1)
		goto out;
	SSL_CTX_set_psk_server_callback(ctx, psk_server_cb);
	*out = ctx;
	ctx = NULL;
	err = M2M_OK;
out:
	SSL_CTX_free(ctx);
	return err;
}

m2m_err m2m_tls_psk_client_setup(SSL_CTX *ctx, const m2m_tls_psk_client_opts *o)
{
	m2m_err err = M2M_ERR_ARG;
	if (!ctx || !o || !o->identity || !o->key || o->key_len == 0 ||
	    o->key_len > M2M_TLS_PSK_KEY_MAX || strlen(o->identity) > M2M_TLS_PSK_IDENTITY_MAX)
		goto out;
	err = psk_common_setup(ctx, o->ciphers);
	if (err != M2M_OK)
		goto out;
	err = M2M_ERR_CRYPTO;
	if (o->max_fragment_512 &&
	    SSL_CTX_set_tlsext_max_fragment_length(ctx, TLSEXT_max_fragment_length_512) != 1)
		goto out;
	err = M2M_ERR_NOMEM;
	psk_data *d = psk_data_attach(ctx);
	if (!d)
		goto out;
	strcpy(d->identity, o->identity);
	memcpy(d->key, o->key, o->key_len);
	d->key_len = o->key_len;
	SSL_CTX_set_psk_client_callback(ctx, psk_client_cb);
	err = M2M_OK;
out:
	return err;
}

m2m_err m2m_tls_psk_client_ctx(const m2m_tls_psk_client_opts *o, SSL_CTX **out)
{
	m2m_err err = M2M_ERR_ARG;
	SSL_CTX *ctx = NULL;
	if (!out)
		goto out;
	err = M2M_ERR_CRYPTO;
	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx)
		goto out;
	err = m2m_tls_psk_client_setup(ctx, o);
	if (err != M2M_OK)
		goto out;
	*out = ctx;
	ctx = NULL;
out:
	SSL_CTX_free(ctx);
	return err;
}

/* Shared by both certificate roles: TLS 1.2 or later, verified peer, our own trust anchors
 * only (never the system store: ES peers are enrolled, not found on the web). */
static m2m_err cert_common_setup(SSL_CTX *ctx, const m2m_tls_cert_opts *o, int verify)
{
	m2m_err err = M2M_ERR_CRYPTO;
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
		goto out;
	if (o->cert_file) {
		if (SSL_CTX_use_certificate_chain_file(ctx, o->cert_file) != 1 ||
		    SSL_CTX_use_PrivateKey_file(ctx, o->key_file, SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_check_private_key(ctx) != 1)
			goto out;
	}
	if (SSL_CTX_load_verify_file(ctx, o->ca_file) != 1)
		goto out;
	SSL_CTX_set_verify(ctx, verify, NULL);
	err = M2M_OK;
out:
	if (err != M2M_OK)
		log_ssl_errors("certificate context setup");
	return err;
}

m2m_err m2m_tls_cert_server_ctx(const m2m_tls_cert_opts *o, SSL_CTX **out)
{
	static const unsigned char sid_ctx[] = "m2mrsp";
	m2m_err err = M2M_ERR_ARG;
	SSL_CTX *ctx = NULL;
	if (!o || !o->cert_file || !o->key_file || !o->ca_file || !out)
		goto out;
	err = M2M_ERR_CRYPTO;
	ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx)
		goto out;
	err = cert_common_setup(ctx, o, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
	if (err != M2M_OK)
		goto out;
	err = M2M_ERR_CRYPTO;
	/* Tell clients which CAs we accept, so one holding several certificates picks right. */
	STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(o->ca_file);
	if (!names)
		goto out;
	SSL_CTX_set_client_CA_list(ctx, names);
	/* Resumed sessions would skip the client-certificate check's fresh evidence. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	if (SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof sid_ctx - 1) != 1)
		goto out;
	*out = ctx;
	ctx = NULL;
	err = M2M_OK;
out:
	if (err == M2M_ERR_CRYPTO)
		log_ssl_errors("certificate server context");
	SSL_CTX_free(ctx);
	return err;
}

m2m_err m2m_tls_cert_client_ctx(const m2m_tls_cert_opts *o, SSL_CTX **out)
{
	m2m_err err = M2M_ERR_ARG;
	SSL_CTX *ctx = NULL;
	if (!o || !o->ca_file || (o->cert_file && !o->key_file) || !out)
		goto out;
	err = M2M_ERR_CRYPTO;
	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx)
		goto out;
	err = cert_common_setup(ctx, o, SSL_VERIFY_PEER);
	if (err != M2M_OK)
		goto out;
	if (o->host) {
		X509_VERIFY_PARAM *vp = SSL_CTX_get0_param(ctx);
		err = M2M_ERR_CRYPTO;
		/* An IP literal must match an iPAddress SAN, a name a dNSName. */
		if (X509_VERIFY_PARAM_set1_ip_asc(vp, o->host) != 1) {
			ERR_clear_error();
			if (X509_VERIFY_PARAM_set1_host(vp, o->host, 0) != 1)
				goto out;
		}
	}
	*out = ctx;
	ctx = NULL;
	err = M2M_OK;
out:
	SSL_CTX_free(ctx);
	return err;
}

static m2m_err peer_cert(SSL *ssl, m2m_tls_peer *peer)
{
	m2m_err err = M2M_OK;
	BIO *bio = NULL;
	X509 *cert = SSL_get1_peer_certificate(ssl);
	/* Only a verified certificate identifies anyone. */
	if (!cert || SSL_get_verify_result(ssl) != X509_V_OK)
		goto out;
	err = M2M_ERR_CRYPTO;
	unsigned int n = 0;
	if (X509_digest(cert, EVP_sha256(), peer->sha256, &n) != 1 || n != sizeof peer->sha256)
		goto out;
	bio = BIO_new(BIO_s_mem());
	if (!bio || X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0,
				       XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0)
		goto out;
	int len = BIO_read(bio, peer->subject, (int)sizeof peer->subject - 1);
	peer->subject[len > 0 ? len : 0] = '\0';
	peer->has_cert = true;
	err = M2M_OK;
out:
	BIO_free(bio);
	X509_free(cert);
	return err;
}

static void peer_address(const SSL *ssl, char *out, size_t cap)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int fd = SSL_get_fd(ssl);
	snprintf(out, cap, "?");
	if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
		return;
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, out, (socklen_t)cap);
	else if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, out, (socklen_t)cap);
}

/* Fatal alerts are the only trace of a refused handshake (bad PSK, unknown CA, no client
 * certificate): the HTTP layer above just sees a closed connection. */
static void alert_cb(const SSL *ssl, int where, int ret)
{
	char addr[INET6_ADDRSTRLEN + 1];
	if (!(where & SSL_CB_ALERT) || strcmp(SSL_alert_type_string(ret), "F") != 0)
		return;
	peer_address(ssl, addr, sizeof addr);
	m2m_warn(LOG, "TLS with %s: %s fatal alert \"%s\"", addr,
		 (where & SSL_CB_WRITE) ? "sent" : "received", SSL_alert_desc_string_long(ret));
}

void m2m_tls_log_alerts(SSL *ssl)
{
	if (ssl)
		SSL_set_info_callback(ssl, alert_cb);
}

m2m_err m2m_tls_peer_get(SSL *ssl, m2m_tls_peer *peer)
{
	m2m_err err = M2M_ERR_ARG;
	if (!ssl || !peer)
		goto out;
	memset(peer, 0, sizeof *peer);
	const char *id = SSL_get_psk_identity(ssl);
	if (id && strlen(id) < sizeof peer->psk_identity) {
		strcpy(peer->psk_identity, id);
		peer->has_psk = true;
	}
	err = peer_cert(ssl, peer);
out:
	return err;
}
