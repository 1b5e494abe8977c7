/* SSL_CTX factories for the HTTPS legs: TLS 1.2 PSK (SCP81) and mutual-TLS certificates
 * (ES interfaces between servers), plus the peer identity a server authorises on.
 * docs/http-tls.md explains the choices. */
#ifndef M2M_NET_TLS_H
#define M2M_NET_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "core/err.h"

/* TLS_PSK_WITH_AES_128_CBC_SHA256 (00AE), _AES_128_GCM_SHA256 (00A8), _AES_128_CBC_SHA (008C):
 * what SGP.02 names plus the CBC-SHA1 suite real cards offer. No NULL or 3DES suites. */
#define M2M_TLS_PSK_CIPHERS "PSK-AES128-CBC-SHA256:PSK-AES128-GCM-SHA256:PSK-AES128-CBC-SHA"

/* Longest identity we send: OpenSSL's client callback buffer (PSK_MAX_IDENTITY_LEN) holds
 * 256 bytes with the NUL. SGP.02 identities are 90 characters. */
#define M2M_TLS_PSK_IDENTITY_MAX 255
/* Ours, not OpenSSL's (512): SCP81 keys are 16 or 32 bytes. */
#define M2M_TLS_PSK_KEY_MAX 64

/* Finds the PSK of an identity (a NUL-terminated string as the client sent it). Writes at most
 * cap bytes to key and their count to *key_len. Any return other than M2M_OK refuses the
 * identity (the client gets an unknown_psk_identity alert). Called on the server's loop thread. */
typedef m2m_err (*m2m_tls_psk_lookup_fn)(void *arg, const char *identity, uint8_t *key,
					 size_t cap, size_t *key_len);

typedef struct {
	m2m_tls_psk_lookup_fn lookup;
	void *arg;
	const char *ciphers; /* NULL = M2M_TLS_PSK_CIPHERS */
	const char *hint;    /* identity hint to send; NULL = none (SGP.02 servers send none) */
} m2m_tls_psk_server_opts;

typedef struct {
	const char *identity; /* sent as is; SGP.02: upper-case hex of the identity TLV */
	const uint8_t *key;
	size_t key_len;       /* 1..M2M_TLS_PSK_KEY_MAX */
	const char *ciphers;  /* NULL = M2M_TLS_PSK_CIPHERS */
	bool max_fragment_512; /* ask for 512-byte records, as an eUICC does */
} m2m_tls_psk_client_opts;

typedef struct {
	const char *cert_file; /* PEM, may hold the chain; required for a server */
	const char *key_file;  /* PEM private key; required when cert_file is set */
	const char *ca_file;   /* PEM trust anchors for the peer; required */
	const char *host;      /* client only: name or IP the server certificate must match */
} m2m_tls_cert_opts;

/* Who is at the other end of an established TLS connection. */
typedef struct {
	bool has_psk;
	char psk_identity[PSK_MAX_IDENTITY_LEN + 1];
	bool has_cert;
	char subject[512];        /* RFC 2253, e.g. "CN=sm-dp.example,O=Test" */
	uint8_t sha256[32];       /* SHA-256 of the certificate's DER */
} m2m_tls_peer;

/* Server contexts. The caller owns the result (SSL_CTX_free). */
m2m_err m2m_tls_psk_server_ctx(const m2m_tls_psk_server_opts *o, SSL_CTX **out);
m2m_err m2m_tls_cert_server_ctx(const m2m_tls_cert_opts *o, SSL_CTX **out);

/* Client contexts. The PSK is copied into the context and wiped when it is freed. */
m2m_err m2m_tls_psk_client_ctx(const m2m_tls_psk_client_opts *o, SSL_CTX **out);
m2m_err m2m_tls_cert_client_ctx(const m2m_tls_cert_opts *o, SSL_CTX **out);
/* Turns an existing client context into a PSK one (libcurl's CURLOPT_SSL_CTX_FUNCTION). */
m2m_err m2m_tls_psk_client_setup(SSL_CTX *ctx, const m2m_tls_psk_client_opts *o);

/* Logs fatal TLS alerts sent or received on ssl, with the peer's address. */
void m2m_tls_log_alerts(SSL *ssl);

/* Fills *peer from an SSL object after the handshake; fields not present stay empty. */
m2m_err m2m_tls_peer_get(SSL *ssl, m2m_tls_peer *peer);

#endif
