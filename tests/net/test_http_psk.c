/* TLS 1.2 PSK HTTPS (SCP81 transport): our evhttp server against our curl client, and each of
 * them against OpenSSL's s_client / s_server as an outside peer. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "core/log.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "net/tls.h"

/* SGP.02 identity (docs/scp81.md): 80 01 02 | 81 10 EID | 4F 10 ISD-R AID | 82 01 KID |
 * 83 01 KVN, as upper-case hex. EID and AID are the ones in the whty logs (bearers.md 3.1). */
#define ID_SGP02                                                                          \
	"800102811089001012012341234012345678901224"                                       \
	"4F10A0000005591010FFFFFFFF8900000100820101830140"
#define ID_SHORT "dev1"
#define KEY_SHORT_HEX "00112233445566778899aabbccddeeff"

static const uint8_t key_short[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
				      0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
static const uint8_t key_sgp02[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
				      12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
				      23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

/* What the server saw; written on the loop thread, read after the client's reply came. */
typedef struct {
	struct event_base *base;
	m2m_http_server *srv;
	pthread_t thread;
	int lookups;
	int requests;
	char last_lookup[300];
	char identity[300];
	char method[16];
	char uri[128];
	char te[64];
	size_t body_len;
	uint8_t body[8192];
	size_t reply_len; /* body bytes to send back; 0 = echo */
	bool injection_refused;
} fixture;

static m2m_err lookup(void *arg, const char *identity, uint8_t *key, size_t cap, size_t *len)
{
	fixture *f = arg;
	f->lookups++;
	snprintf(f->last_lookup, sizeof f->last_lookup, "%s", identity);
	const uint8_t *k = NULL;
	size_t n = 0;
	if (strcmp(identity, ID_SHORT) == 0)
		k = key_short, n = sizeof key_short;
	else if (strcmp(identity, ID_SGP02) == 0)
		k = key_sgp02, n = sizeof key_sgp02;
	if (!k || n > cap)
		return M2M_ERR_VERIFY;
	memcpy(key, k, n);
	*len = n;
	return M2M_OK;
}

static void handler(void *arg, const m2m_http_request *req, m2m_http_response *resp)
{
	fixture *f = arg;
	const char *te = m2m_http_request_header(req, "transfer-encoding");
	f->requests++;
	snprintf(f->identity, sizeof f->identity, "%s", req->peer.has_psk ? req->peer.psk_identity : "");
	snprintf(f->method, sizeof f->method, "%s", req->method);
	snprintf(f->uri, sizeof f->uri, "%s", req->uri);
	snprintf(f->te, sizeof f->te, "%s", te ? te : "");
	f->body_len = req->body_len < sizeof f->body ? req->body_len : sizeof f->body;
	memcpy(f->body, req->body, f->body_len);
	m2m_http_response_header(resp, "X-Admin-Protocol", "globalplatform-remote-admin/1.0");
	/* No asserts on the loop thread: record, check in the test. */
	f->injection_refused =
		m2m_http_response_header(resp, "X-Bad", "a\r\nInjected: 1") == M2M_ERR_ARG;
	m2m_http_response_chunked(resp, true);
	if (f->reply_len) {
		for (size_t i = 0; i < f->reply_len; i++)
			m2m_http_response_body(resp, "A", 1);
		return;
	}
	m2m_http_response_body(resp, "echo:", 5);
	m2m_http_response_body(resp, req->body, req->body_len);
}

static void *loop(void *arg)
{
	fixture *f = arg;
	event_base_loop(f->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	SSL_CTX *ctx = NULL;
	m2m_tls_psk_server_opts po = {.lookup = lookup, .arg = f};
	assert_non_null(f);
	assert_int_equal(m2m_tls_psk_server_ctx(&po, &ctx), M2M_OK);
	f->base = event_base_new();
	assert_non_null(f->base);
	m2m_http_server_opts so = {.tls = ctx, .max_body = 1024, .timeout_s = 5,
				   .handler = handler, .arg = f};
	assert_int_equal(m2m_http_server_new(f->base, &so, &f->srv), M2M_OK);
	SSL_CTX_free(ctx); /* the server holds its own reference */
	assert_true(m2m_http_server_port(f->srv) > 0);
	assert_int_equal(pthread_create(&f->thread, NULL, loop, f), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	event_base_loopbreak(f->base);
	pthread_join(f->thread, NULL);
	m2m_http_server_free(f->srv);
	m2m_http_base_free(f->base);
	free(f);
	return 0;
}

static void url_of(const fixture *f, const char *path, char *out, size_t cap)
{
	snprintf(out, cap, "https://127.0.0.1:%u%s", (unsigned)m2m_http_server_port(f->srv), path);
}

static m2m_http_client *psk_client(const char *id, const uint8_t *key, size_t key_len,
				   bool mfl)
{
	m2m_tls_psk_client_opts psk = {.identity = id, .key = key, .key_len = key_len,
				       .max_fragment_512 = mfl};
	m2m_http_client_opts o = {.psk = &psk, .timeout_ms = 5000};
	m2m_http_client *c = NULL;
	assert_int_equal(m2m_http_client_new(&o, &c), M2M_OK);
	return c;
}

/* Two SCP81-style POSTs on one TLS session: identity seen, chunked both ways, one handshake. */
static void test_psk_post(void **state)
{
	fixture *f = *state;
	char url[128];
	static const uint8_t script[] = {0xAF, 0x80, 0x23, 0x03, 0x00, 0x90, 0x00, 0x00, 0x00};
	const char *hdrs[] = {"X-Admin-Protocol: globalplatform-remote-admin/1.0",
			      "Content-Type: application/vnd.globalplatform.card-content-mgt-response;version=1.0"};
	m2m_http_client *c = psk_client(ID_SGP02, key_sgp02, sizeof key_sgp02, false);
	m2m_http_client_response resp;

	url_of(f, "/polling", url, sizeof url);
	m2m_http_client_request r = {.url = url, .headers = hdrs, .n_headers = 2};
	assert_int_equal(m2m_http_client_send(c, &r, &resp), M2M_OK);
	assert_int_equal(resp.status, 200);
	assert_string_equal(f->identity, ID_SGP02);
	assert_string_equal(f->method, "GET");
	m2m_http_client_response_free(&resp);

	url_of(f, "/server/adminagent?cmd=2", url, sizeof url);
	r = (m2m_http_client_request){.url = url, .headers = hdrs, .n_headers = 2,
				      .body = script, .body_len = sizeof script, .chunked = true};
	assert_int_equal(m2m_http_client_send(c, &r, &resp), M2M_OK);
	assert_int_equal(resp.status, 200);
	assert_string_equal(f->method, "POST");
	assert_string_equal(f->uri, "/server/adminagent?cmd=2");
	assert_string_equal(f->te, "chunked");
	assert_int_equal(f->body_len, sizeof script);
	assert_memory_equal(f->body, script, sizeof script);
	assert_int_equal(resp.body.len, 5 + sizeof script);
	assert_memory_equal(resp.body.data, "echo:", 5);
	assert_memory_equal(resp.body.data + 5, script, sizeof script);
	assert_string_equal(m2m_http_client_response_header(&resp, "x-admin-protocol"),
			    "globalplatform-remote-admin/1.0");
	assert_string_equal(m2m_http_client_response_header(&resp, "Transfer-Encoding"), "chunked");
	assert_null(m2m_http_client_response_header(&resp, "X-Bad"));
	assert_true(f->injection_refused);
	assert_int_equal(f->requests, 2);
	assert_int_equal(f->lookups, 1); /* the connection was kept: one handshake */
	m2m_http_client_response_free(&resp);
	m2m_http_client_free(c);
}

/* A card asks for 512-byte records; an answer far larger than that must still arrive. */
static void test_psk_max_fragment_512(void **state)
{
	fixture *f = *state;
	char url[128];
	uint8_t body[1000];
	memset(body, 0x5a, sizeof body);
	m2m_http_client *c = psk_client(ID_SHORT, key_short, sizeof key_short, true);
	m2m_http_client_response resp;
	url_of(f, "/big", url, sizeof url);
	f->reply_len = 4000;
	m2m_http_client_request r = {.url = url, .body = body, .body_len = sizeof body,
				     .chunked = true};
	assert_int_equal(m2m_http_client_send(c, &r, &resp), M2M_OK);
	assert_int_equal(resp.status, 200);
	assert_int_equal(resp.body.len, 4000);
	assert_int_equal(f->body_len, sizeof body);
	assert_string_equal(f->identity, ID_SHORT);
	m2m_http_client_response_free(&resp);
	m2m_http_client_free(c);
}

static void expect_handshake_failure(fixture *f, const char *id, const uint8_t *key, size_t n)
{
	char url[128];
	m2m_http_client *c = psk_client(id, key, n, false);
	m2m_http_client_response resp;
	url_of(f, "/polling", url, sizeof url);
	m2m_http_client_request r = {.url = url, .method = "POST"};
	assert_int_equal(m2m_http_client_send(c, &r, &resp), M2M_ERR_IO);
	assert_true(strlen(m2m_http_client_error(c)) > 0);
	assert_int_equal(resp.body.len, 0);
	assert_int_equal(f->requests, 0);
	m2m_http_client_free(c);
}

static void test_psk_wrong_key(void **state)
{
	fixture *f = *state;
	uint8_t bad[16];
	memcpy(bad, key_short, sizeof bad);
	bad[15] ^= 1;
	expect_handshake_failure(f, ID_SHORT, bad, sizeof bad);
	assert_int_equal(f->lookups, 1);
}

static void test_psk_unknown_identity(void **state)
{
	fixture *f = *state;
	expect_handshake_failure(f, "nobody", key_short, sizeof key_short);
	assert_string_equal(f->last_lookup, "nobody");
}

/* Server limit 1024 bytes: 413 for a Content-Length body and for a chunked one. */
static void test_body_limit(void **state)
{
	fixture *f = *state;
	char url[128];
	static uint8_t big[4096];
	url_of(f, "/polling", url, sizeof url);
	for (int chunked = 0; chunked < 2; chunked++) {
		m2m_http_client *c = psk_client(ID_SHORT, key_short, sizeof key_short, false);
		m2m_http_client_response resp;
		m2m_http_client_request r = {.url = url, .body = big, .body_len = sizeof big,
					     .chunked = chunked};
		assert_int_equal(m2m_http_client_send(c, &r, &resp), M2M_OK);
		assert_int_equal(resp.status, 413);
		m2m_http_client_response_free(&resp);
		/* Just under the limit is served. */
		r.body_len = 1000;
		assert_int_equal(m2m_http_client_send(c, &r, &resp), M2M_OK);
		assert_int_equal(resp.status, 200);
		m2m_http_client_response_free(&resp);
		m2m_http_client_free(c);
	}
	assert_int_equal(f->requests, 2);
}

/* Runs s_client with req on stdin; returns its stdout+stderr (bounded by `timeout`). */
static void run_s_client(const fixture *f, const char *cipher, const char *req, char *out,
			 size_t cap)
{
	char dir[] = "/tmp/m2m_psk_XXXXXX";
	char path[64], cmd[512];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/req", dir);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(req, fp);
	fclose(fp);
	snprintf(cmd, sizeof cmd,
		 "timeout 10 openssl s_client -connect 127.0.0.1:%u -psk %s -psk_identity %s "
		 "-cipher '%s' -tls1_2 -maxfraglen 512 -ign_eof < %s 2>&1",
		 (unsigned)m2m_http_server_port(f->srv), KEY_SHORT_HEX, ID_SHORT, cipher, path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(out, 1, cap - 1, p);
	out[n] = '\0';
	pclose(p);
	unlink(path);
	rmdir(dir);
}

static void test_interop_s_client(void **state)
{
	fixture *f = *state;
	static char out[65536];
	run_s_client(f, "PSK-AES128-CBC-SHA256",
		     "POST /polling HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
		     "Content-Length: 5\r\n\r\nhello",
		     out, sizeof out);
	assert_non_null(strstr(out, "Cipher is PSK-AES128-CBC-SHA256"));
	assert_non_null(strstr(out, "Protocol  : TLSv1.2"));
	assert_non_null(strstr(out, "HTTP/1.1 200 OK"));
	assert_non_null(strstr(out, "X-Admin-Protocol: globalplatform-remote-admin/1.0"));
	assert_non_null(strstr(out, "echo:hello"));
	assert_string_equal(f->identity, ID_SHORT);
	assert_string_equal(f->uri, "/polling");

	/* Suites we do not offer (NULL encryption, as one SR used for tests) are refused. */
	run_s_client(f, "PSK-NULL-SHA256:@SECLEVEL=0", "GET / HTTP/1.0\r\n\r\n", out, sizeof out);
	assert_null(strstr(out, "HTTP/1."));
	assert_int_equal(f->requests, 1);
}

/* Starts `openssl s_server` on an ephemeral port; returns its pid and fills *port. */
static pid_t start_s_server(unsigned *port)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		int devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, STDIN_FILENO);
			dup2(devnull, STDERR_FILENO);
		}
		execlp("timeout", "timeout", "30", "openssl", "s_server", "-accept", "127.0.0.1:0",
		       "-psk", KEY_SHORT_HEX, "-psk_hint", ID_SHORT, "-psk_identity", ID_SHORT,
		       "-nocert", "-cipher", "PSK-AES128-CBC-SHA256", "-tls1_2", "-www",
		       (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	/* Wait (10 s at most) for "ACCEPT 127.0.0.1:PORT". */
	char buf[1024] = {0};
	size_t len = 0;
	*port = 0;
	struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
	while (*port == 0 && len < sizeof buf - 1 && poll(&pfd, 1, 10000) > 0) {
		ssize_t n = read(fds[0], buf + len, sizeof buf - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		char *a = strstr(buf, "ACCEPT 127.0.0.1:");
		if (a && strchr(a, '\n'))
			*port = (unsigned)strtoul(a + 17, NULL, 10);
	}
	close(fds[0]);
	return pid;
}

static void test_interop_s_server(void **state)
{
	(void)state;
	unsigned port;
	char url[128];
	pid_t pid = start_s_server(&port);
	assert_true(port > 0);
	snprintf(url, sizeof url, "https://127.0.0.1:%u/", port);

	m2m_http_client *c = psk_client(ID_SHORT, key_short, sizeof key_short, true);
	m2m_http_client_response resp;
	m2m_http_client_request r = {.url = url};
	m2m_err err = m2m_http_client_send(c, &r, &resp);
	if (err != M2M_OK)
		fprintf(stderr, "client: %s\n", m2m_http_client_error(c));
	assert_int_equal(err, M2M_OK);
	assert_int_equal(resp.status, 200);
	assert_int_equal(m2m_buf_append_u8(&resp.body, 0), M2M_OK);
	assert_non_null(strstr((const char *)resp.body.data, "PSK-AES128-CBC-SHA256"));
	m2m_http_client_response_free(&resp);
	m2m_http_client_free(c);

	/* The same peer with a wrong key: the handshake fails. */
	uint8_t bad[16];
	memcpy(bad, key_short, sizeof bad);
	bad[0] ^= 0x80;
	c = psk_client(ID_SHORT, bad, sizeof bad, false);
	assert_int_equal(m2m_http_client_send(c, &r, &resp), M2M_ERR_IO);
	m2m_http_client_free(c);

	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

static void test_bad_args(void **state)
{
	(void)state;
	SSL_CTX *ctx = NULL;
	m2m_tls_psk_server_opts po = {0};
	assert_int_equal(m2m_tls_psk_server_ctx(&po, &ctx), M2M_ERR_ARG);
	m2m_tls_psk_client_opts pc = {.identity = "x", .key = key_short, .key_len = 0};
	assert_int_equal(m2m_tls_psk_client_ctx(&pc, &ctx), M2M_ERR_ARG);
	pc.key_len = M2M_TLS_PSK_KEY_MAX + 1;
	assert_int_equal(m2m_tls_psk_client_ctx(&pc, &ctx), M2M_ERR_ARG);
	pc.key_len = 16;
	pc.ciphers = "NO-SUCH-CIPHER";
	assert_int_equal(m2m_tls_psk_client_ctx(&pc, &ctx), M2M_ERR_CRYPTO);
	pc.ciphers = NULL;
	assert_int_equal(m2m_tls_psk_client_ctx(&pc, &ctx), M2M_OK);
	SSL_CTX_free(ctx);
	m2m_http_client_opts o = {.psk = &(m2m_tls_psk_client_opts){.identity = "x"}};
	m2m_http_client *c = NULL;
	assert_int_equal(m2m_http_client_new(&o, &c), M2M_ERR_ARG);
	assert_null(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test_setup_teardown(test_psk_post, setup, teardown),
		cmocka_unit_test_setup_teardown(test_psk_max_fragment_512, setup, teardown),
		cmocka_unit_test_setup_teardown(test_psk_wrong_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_psk_unknown_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interop_s_client, setup, teardown),
		cmocka_unit_test(test_interop_s_server),
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
