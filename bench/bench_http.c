/* m2mrsp bench http: one ES call's transport, in process: m2m_http_client (libcurl, mutual TLS,
 * kept-alive connection) POSTs B bytes to an m2m_http_server (libevent, OpenSSL) on a thread of
 * its own, which answers B bytes. Prints round trips per second and the CPU microseconds of
 * each side per round trip (thread CPU clocks), so that a change in net/ can be weighed
 * without the end to end benches' noise. Certificates from `m2mrsp pki init` in a temporary
 * directory (the SM-SR's TLS certificate for the server, MNO mno1's for the client). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/thread.h>

#include "bench.h"
#include "bench_smsr.h"
#include "cli/cli.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "net/tls.h"

#define WHAT "bench http"

typedef struct {
	struct event_base *base;
	m2m_http_server *server;
	pthread_t th;
	bool running;
	uint8_t *answer;
	size_t len;
} srv;

static void on_post(void *arg, const m2m_http_request *req, m2m_http_response *resp)
{
	srv *s = arg;

	(void)req;
	(void)m2m_http_response_header(resp, "Content-Type", "application/soap+xml");
	(void)m2m_http_response_body(resp, s->answer, s->len);
}

static void *serve(void *arg)
{
	srv *s = arg;

	event_base_loop(s->base, 0);
	return NULL;
}

static double thread_cpu(pthread_t th)
{
	clockid_t id;
	struct timespec ts;

	if (pthread_getcpuclockid(th, &id) != 0 || clock_gettime(id, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static m2m_err start_server(srv *s, const char *pki)
{
	char cert[300], key[300], ca[300];
	SSL_CTX *ctx = NULL;
	m2m_err err;

	snprintf(cert, sizeof cert, "%s/smsr1-tls.crt", pki);
	snprintf(key, sizeof key, "%s/smsr1-tls.key", pki);
	snprintf(ca, sizeof ca, "%s/tls-ca.crt", pki);
	m2m_tls_cert_opts t = {.cert_file = cert, .key_file = key, .ca_file = ca};
	if ((err = m2m_tls_cert_server_ctx(&t, &ctx)) != M2M_OK)
		return err;
	s->base = m2m_http_base_new();
	m2m_http_server_opts o = {.tls = ctx, .handler = on_post, .arg = s};
	err = s->base ? m2m_http_server_new(s->base, &o, &s->server) : M2M_ERR_NOMEM;
	SSL_CTX_free(ctx);
	if (err == M2M_OK && pthread_create(&s->th, NULL, serve, s) != 0)
		err = M2M_ERR_STATE;
	s->running = err == M2M_OK;
	return err;
}

static int measure(srv *s, const char *pki, double seconds)
{
	char url[64], cert[300], key[300], ca[300], ctype[] = "Content-Type: application/soap+xml";
	const char *headers[] = {ctype};
	m2m_http_client *c = NULL;
	m2m_http_client_response r = {0};
	unsigned long n = 0;
	int rc = M2M_EXIT_FAILED;

	snprintf(url, sizeof url, "https://127.0.0.1:%u/soap/es4",
		 (unsigned)m2m_http_server_port(s->server));
	snprintf(cert, sizeof cert, "%s/mno1-tls.crt", pki);
	snprintf(key, sizeof key, "%s/mno1-tls.key", pki);
	snprintf(ca, sizeof ca, "%s/tls-ca.crt", pki);
	m2m_http_client_opts o = {.ca_file = ca, .cert_file = cert, .key_file = key};
	m2m_http_client_request q = {.method = "POST", .url = url, .headers = headers,
				     .n_headers = 1, .body = s->answer, .body_len = s->len};
	if (m2m_http_client_new(&o, &c) != M2M_OK ||
	    m2m_http_client_send(c, &q, &r) != M2M_OK || r.status != 200) {
		fprintf(stderr, "%s: the first POST failed: %s\n", WHAT, m2m_http_client_error(c));
		goto out;
	}
	double w0 = wall(), c0 = thread_cpu(pthread_self()), s0 = thread_cpu(s->th);
	while (wall() - w0 < seconds) {
		/* send clears r without freeing it */
		m2m_http_client_response_free(&r);
		if (m2m_http_client_send(c, &q, &r) != M2M_OK || r.status != 200 ||
		    r.body.len != s->len) {
			fprintf(stderr, "%s: POST %lu failed\n", WHAT, n);
			goto out;
		}
		n++;
	}
	double w = wall() - w0, cc = thread_cpu(pthread_self()) - c0, sc = thread_cpu(s->th) - s0;
	printf("# m2mrsp bench http: POST %zu bytes, answer %zu bytes, mutual TLS, kept alive\n",
	       s->len, s->len);
	printf("  %lu round trips in %.2f s: %.0f/s\n", n, w, (double)n / w);
	printf("  CPU us per round trip: client %.1f, server %.1f, both %.1f\n", 1e6 * cc / n,
	       1e6 * sc / n, 1e6 * (cc + sc) / n);
	rc = M2M_EXIT_OK;
out:
	m2m_http_client_response_free(&r);
	m2m_http_client_free(c);
	return rc;
}

int m2m_bench_http(int argc, char **argv)
{
	char dir[] = "/tmp/m2m_bench_http_XXXXXX";
	double seconds = 2;
	srv s = {.len = 1024};
	int rc = m2m_bench_seconds_bytes(WHAT, argc, argv, &seconds, &s.len, 512 * 1024);

	if (rc != M2M_EXIT_OK)
		return rc;
	rc = M2M_EXIT_IO;
	/* The loop is stopped from this thread at the end. */
	if (evthread_use_pthreads() != 0 || !mkdtemp(dir) || m2m_http_global_init() != M2M_OK ||
	    bsr_sh("'%s' pki init '%s/pki' >/dev/null 2>&1", bsr_self(), dir) != 0) {
		fprintf(stderr, "%s: no pki made in %s\n", WHAT, dir);
		goto out;
	}
	if (!(s.answer = malloc(s.len)))
		goto out;
	memset(s.answer, 'A', s.len);
	char pki[64];
	snprintf(pki, sizeof pki, "%s/pki", dir);
	if (start_server(&s, pki) != M2M_OK) {
		fprintf(stderr, "%s: the server did not start\n", WHAT);
		goto out;
	}
	rc = measure(&s, pki, seconds);
out:
	if (s.running) {
		event_base_loopbreak(s.base);
		pthread_join(s.th, NULL);
	}
	m2m_http_server_free(s.server);
	if (s.base)
		m2m_http_base_free(s.base);
	free(s.answer);
	bsr_sh("rm -rf '%s'", dir);
	return rc;
}
