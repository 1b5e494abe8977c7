/* Certificate HTTPS with mutual TLS (ES interfaces): throw-away CAs made by the `openssl`
 * command, our evhttp server, our curl client and a bare OpenSSL client on tls.c's context. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "core/log.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "net/tls.h"

/* Two CAs; "other" plays a CA the server does not trust. Certificates are P-256 (fast). */
static const char gen_script[] =
	"set -e; cd '%s'\n"
	"k='-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes'\n"
	"for ca in ca other; do\n"
	"  openssl req -x509 $k -keyout $ca.key -out $ca.pem -days 2 -subj \"/CN=Test $ca\"\n"
	"done\n"
	"printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nextendedKeyUsage=serverAuth\\n' >srv.ext\n"
	"printf 'extendedKeyUsage=clientAuth\\n' >cli.ext\n"
	"mk() { openssl req -new $k -keyout $1.key -out $1.csr -subj \"$2\";\n"
	"  openssl x509 -req -in $1.csr -CA $3.pem -CAkey $3.key -CAcreateserial -days 2 \\\n"
	"    -extfile $4 -out $1.pem; }\n"
	"mk server /CN=localhost ca srv.ext\n"
	"mk client '/O=m2mrsp test/CN=mno1.example' ca cli.ext\n"
	"mk rogue '/O=m2mrsp test/CN=mno1.example' other cli.ext\n"
	"openssl x509 -in client.pem -noout -fingerprint -sha256 >client.fp\n";

typedef struct {
	char dir[64];
	struct event_base *base;
	m2m_http_server *srv;
	pthread_t thread;
	int requests;
	bool tls;
	bool has_cert;
	char subject[512];
	uint8_t sha256[32];
} fixture;

static void path(const fixture *f, const char *name, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", f->dir, name);
}

static void handler(void *arg, const m2m_http_request *req, m2m_http_response *resp)
{
	fixture *f = arg;
	f->requests++;
	f->tls = req->tls;
	f->has_cert = req->peer.has_cert;
	snprintf(f->subject, sizeof f->subject, "%s", req->peer.subject);
	memcpy(f->sha256, req->peer.sha256, sizeof f->sha256);
	m2m_http_response_header(resp, "Content-Type", "text/plain");
	m2m_http_response_body(resp, "hello ", 6);
	m2m_http_response_body(resp, req->peer.subject, strlen(req->peer.subject));
}

static void *loop(void *arg)
{
	fixture *f = arg;
	event_base_loop(f->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

static void start(fixture *f, SSL_CTX *ctx)
{
	f->base = event_base_new();
	assert_non_null(f->base);
	m2m_http_server_opts so = {.tls = ctx, .timeout_s = 5, .handler = handler, .arg = f};
	assert_int_equal(m2m_http_server_new(f->base, &so, &f->srv), M2M_OK);
	assert_int_equal(pthread_create(&f->thread, NULL, loop, f), 0);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	char cmd[2048], ca[128], cert[128], key[128];
	SSL_CTX *ctx = NULL;
	assert_non_null(f);
	snprintf(f->dir, sizeof f->dir, "/tmp/m2m_mtls_XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(cmd, sizeof cmd, gen_script, f->dir);
	FILE *sh = popen("sh >/dev/null 2>&1", "w");
	assert_non_null(sh);
	fputs(cmd, sh);
	assert_int_equal(pclose(sh), 0);
	path(f, "ca.pem", ca, sizeof ca);
	path(f, "server.pem", cert, sizeof cert);
	path(f, "server.key", key, sizeof key);
	m2m_tls_cert_opts o = {.cert_file = cert, .key_file = key, .ca_file = ca};
	assert_int_equal(m2m_tls_cert_server_ctx(&o, &ctx), M2M_OK);
	start(f, ctx);
	SSL_CTX_free(ctx);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	char cmd[128];
	event_base_loopbreak(f->base);
	pthread_join(f->thread, NULL);
	m2m_http_server_free(f->srv);
	m2m_http_base_free(f->base);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* POSTs with the given CA and client certificate ("client", "rogue" or NULL). */
static m2m_err post(fixture *f, const char *ca_name, const char *who,
		    m2m_http_client_response *resp, char *why, size_t why_cap)
{
	char url[64], ca[128], cert[128], key[128], name[32];
	m2m_http_client_opts o = {.timeout_ms = 5000};
	m2m_http_client *c = NULL;
	path(f, ca_name, ca, sizeof ca);
	o.ca_file = ca;
	if (who) {
		snprintf(name, sizeof name, "%s.pem", who);
		path(f, name, cert, sizeof cert);
		snprintf(name, sizeof name, "%s.key", who);
		path(f, name, key, sizeof key);
		o.cert_file = cert;
		o.key_file = key;
	}
	assert_int_equal(m2m_http_client_new(&o, &c), M2M_OK);
	snprintf(url, sizeof url, "https://127.0.0.1:%u/es2", (unsigned)m2m_http_server_port(f->srv));
	m2m_http_client_request r = {.url = url, .body = (const uint8_t *)"<soap/>", .body_len = 7};
	m2m_err err = m2m_http_client_send(c, &r, resp);
	snprintf(why, why_cap, "%s", m2m_http_client_error(c));
	m2m_http_client_free(c);
	return err;
}

/* "sha256 Fingerprint=AB:CD:..." as written by `openssl x509 -fingerprint`, to bytes. */
static void read_fingerprint(const fixture *f, uint8_t out[32])
{
	char p[128], line[256];
	path(f, "client.fp", p, sizeof p);
	FILE *fp = fopen(p, "r");
	assert_non_null(fp);
	assert_non_null(fgets(line, sizeof line, fp));
	fclose(fp);
	const char *s = strchr(line, '=');
	assert_non_null(s);
	for (size_t i = 0; i < 32; i++) {
		unsigned v;
		assert_int_equal(sscanf(s + 1 + 3 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void test_mutual_ok(void **state)
{
	fixture *f = *state;
	m2m_http_client_response resp;
	char why[512];
	uint8_t fp[32];
	assert_int_equal(post(f, "ca.pem", "client", &resp, why, sizeof why), M2M_OK);
	assert_int_equal(resp.status, 200);
	assert_true(f->tls);
	assert_true(f->has_cert);
	assert_string_equal(f->subject, "CN=mno1.example,O=m2mrsp test");
	read_fingerprint(f, fp);
	assert_memory_equal(f->sha256, fp, sizeof fp);
	assert_int_equal(resp.body.len, 6 + strlen(f->subject));
	assert_memory_equal(resp.body.data, "hello CN=mno1.example", 21);
	m2m_http_client_response_free(&resp);
}

static void expect_refused(fixture *f, const char *ca, const char *who)
{
	m2m_http_client_response resp;
	char why[512];
	assert_int_equal(post(f, ca, who, &resp, why, sizeof why), M2M_ERR_IO);
	assert_true(strlen(why) > 0);
	assert_int_equal(f->requests, 0);
}

static void test_no_client_cert(void **state)
{
	expect_refused(*state, "ca.pem", NULL);
}

static void test_client_cert_other_ca(void **state)
{
	expect_refused(*state, "ca.pem", "rogue");
}

/* The client refuses a server whose certificate its CA file does not anchor. */
static void test_server_not_trusted(void **state)
{
	expect_refused(*state, "other.pem", "client");
}

/* tls.c's own client context over a bare socket; host checked against the SAN. */
static int raw_get(fixture *f, const char *host, char *out, size_t cap)
{
	char ca[128], cert[128], key[128];
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	int ok = -1, fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(m2m_http_server_port(f->srv))};
	out[0] = '\0';
	path(f, "ca.pem", ca, sizeof ca);
	path(f, "client.pem", cert, sizeof cert);
	path(f, "client.key", key, sizeof key);
	m2m_tls_cert_opts o = {.cert_file = cert, .key_file = key, .ca_file = ca, .host = host};
	assert_int_equal(m2m_tls_cert_client_ctx(&o, &ctx), M2M_OK);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	if (SSL_connect(ssl) == 1) {
		static const char req[] = "GET /raw HTTP/1.0\r\n\r\n";
		SSL_write(ssl, req, (int)sizeof req - 1);
		size_t len = 0;
		int n;
		while (len < cap - 1 && (n = SSL_read(ssl, out + len, (int)(cap - 1 - len))) > 0)
			len += (size_t)n;
		out[len] = '\0';
		ok = 0;
	}
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	return ok;
}

static void test_raw_client_ctx(void **state)
{
	fixture *f = *state;
	char out[2048];
	assert_int_equal(raw_get(f, "127.0.0.1", out, sizeof out), 0);
	assert_non_null(strstr(out, " 200 OK"));
	assert_non_null(strstr(out, "hello CN=mno1.example,O=m2mrsp test"));
	assert_int_equal(raw_get(f, "localhost", out, sizeof out), 0);
	/* A name the server certificate does not carry. */
	assert_int_equal(raw_get(f, "sm-sr.example", out, sizeof out), -1);
	assert_int_equal(f->requests, 2);
}

/* Plain HTTP on the same server code: no TLS, no peer. */
static void test_plain_http(void **state)
{
	(void)state;
	fixture f = {0};
	char url[64];
	m2m_http_client *c = NULL;
	m2m_http_client_response resp;
	m2m_http_client_opts o = {.timeout_ms = 5000, .max_response = 8};
	start(&f, NULL);
	snprintf(url, sizeof url, "http://127.0.0.1:%u/x", (unsigned)m2m_http_server_port(f.srv));
	assert_int_equal(m2m_http_client_new(&o, &c), M2M_OK);
	m2m_http_client_request r = {.url = url, .method = "PUT", .body = (const uint8_t *)"a",
				     .body_len = 1};
	assert_int_equal(m2m_http_client_send(c, &r, &resp), M2M_OK);
	assert_int_equal(resp.status, 200);
	assert_false(f.tls);
	assert_int_equal(resp.body.len, 6);
	m2m_http_client_response_free(&resp);
	/* The body limit of the client: "hello " + subject would not fit in 4 bytes. */
	m2m_http_client_free(c);
	o.max_response = 4;
	assert_int_equal(m2m_http_client_new(&o, &c), M2M_OK);
	assert_int_equal(m2m_http_client_send(c, &r, &resp), M2M_ERR_IO);
	assert_non_null(strstr(m2m_http_client_error(c), "larger than 4"));
	/* Header lines with CR/LF are refused before anything is sent. */
	const char *bad[] = {"X-A: 1\r\nX-B: 2"};
	r.headers = bad;
	r.n_headers = 1;
	assert_int_equal(m2m_http_client_send(c, &r, &resp), M2M_ERR_ARG);
	m2m_http_client_free(c);
	event_base_loopbreak(f.base);
	pthread_join(f.thread, NULL);
	m2m_http_server_free(f.srv);
	m2m_http_base_free(f.base);
	assert_int_equal(f.requests, 2);
}

static void test_bad_files(void **state)
{
	(void)state;
	SSL_CTX *ctx = NULL;
	m2m_tls_cert_opts o = {.cert_file = "/nonexistent.pem", .key_file = "/nonexistent.key",
			       .ca_file = "/nonexistent-ca.pem"};
	assert_int_equal(m2m_tls_cert_server_ctx(&o, &ctx), M2M_ERR_CRYPTO);
	assert_null(ctx);
	o.key_file = NULL;
	assert_int_equal(m2m_tls_cert_server_ctx(&o, &ctx), M2M_ERR_ARG);
	assert_int_equal(m2m_tls_cert_client_ctx(&o, &ctx), M2M_ERR_ARG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_plain_http),
		cmocka_unit_test_setup_teardown(test_mutual_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_client_cert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_cert_other_ca, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_not_trusted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_client_ctx, setup, teardown),
	};
	signal(SIGPIPE, SIG_IGN);
	m2m_log_setup(M2M_LOG_WARN, M2M_LOG_PLAIN, NULL);
	evthread_use_pthreads();
	if (m2m_http_global_init() != M2M_OK)
		return 1;
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	m2m_http_global_cleanup();
	libevent_global_shutdown();
	return rc;
}
