/* Deferred replies of net/http_server.h (the hold mode of the ES endpoint): the reply sent
 * after the handler returned, a client that goes away while held, and a server freed while a
 * reply is held. Client: a plain socket; everything runs on this thread. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/log.h"
#include "net/http_server.h"

#define LOOP_MAX 5000 /* iterations of 1 ms: a bound, not a timing assertion */

typedef struct {
	struct event_base *base;
	m2m_http_server *srv;
	int requests;
	bool defer;
	m2m_http_deferred *held;
} fixture;

static void handler(void *arg, const m2m_http_request *req, m2m_http_response *resp)
{
	fixture *f = arg;
	(void)req;
	f->requests++;
	if (f->defer) {
		f->held = m2m_http_response_defer(resp);
		assert_non_null(f->held);
		/* Whatever the handler set on resp is not what a deferred reply sends. */
		m2m_http_response_status(resp, 500, NULL);
		return;
	}
	m2m_http_response_body(resp, "now", 3);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	m2m_http_server_opts o = {.handler = handler, .arg = f};
	m2m_log_setup(M2M_LOG_OFF, M2M_LOG_PLAIN, stderr);
	f->base = event_base_new();
	assert_non_null(f->base);
	assert_int_equal(m2m_http_server_new(f->base, &o, &f->srv), M2M_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	m2m_http_deferred_finish(f->held);
	m2m_http_server_free(f->srv);
	m2m_http_base_free(f->base);
	free(f);
	return 0;
}

static int connect_to(fixture *f)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(m2m_http_server_port(f->srv))};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	return fd;
}

static void send_request(int fd)
{
	static const char rq[] = "POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi";
	assert_int_equal(write(fd, rq, sizeof rq - 1), (ssize_t)(sizeof rq - 1));
}

/* Runs the loop until the handler has seen n requests. */
static void run_until_requests(fixture *f, int n)
{
	for (int i = 0; i < LOOP_MAX && f->requests < n; i++) {
		event_base_loop(f->base, EVLOOP_NONBLOCK);
		poll(NULL, 0, 1);
	}
	assert_int_equal(f->requests, n);
}

static bool readable(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, ms) == 1;
}

/* Reads one whole response (headers + Content-Length body) while running the loop. */
static void read_response(fixture *f, int fd, char *out, size_t cap)
{
	size_t len = 0;
	out[0] = '\0';
	for (int i = 0; i < LOOP_MAX; i++) {
		event_base_loop(f->base, EVLOOP_NONBLOCK);
		if (readable(fd, 1)) {
			ssize_t r = read(fd, out + len, cap - 1 - len);
			assert_true(r > 0);
			len += (size_t)r;
			out[len] = '\0';
		}
		const char *end = strstr(out, "\r\n\r\n"), *cl = strstr(out, "Content-Length: ");
		if (end && cl && len >= (size_t)(end + 4 - out) + (size_t)atoi(cl + 16))
			return;
	}
	fail_msg("no complete response: %s", out);
}

static void test_deferred_reply(void **state)
{
	fixture *f = *state;
	char buf[2048];
	int fd = connect_to(f);
	f->defer = true;
	send_request(fd);
	run_until_requests(f, 1);
	assert_non_null(f->held);
	assert_true(m2m_http_deferred_alive(f->held));
	/* Held: nothing was sent. */
	for (int i = 0; i < 20; i++)
		event_base_loop(f->base, EVLOOP_NONBLOCK);
	assert_false(readable(fd, 0));

	m2m_http_response *r = m2m_http_deferred_response(f->held);
	m2m_http_response_status(r, 201, NULL);
	assert_int_equal(m2m_http_response_header(r, "X-Held", "yes"), M2M_OK);
	assert_int_equal(m2m_http_response_header(r, "X-Bad", "a\r\nb"), M2M_ERR_ARG);
	assert_int_equal(m2m_http_response_body(r, "later", 5), M2M_OK);
	m2m_http_deferred_finish(f->held);
	f->held = NULL;
	read_response(f, fd, buf, sizeof buf);
	assert_true(strncmp(buf, "HTTP/1.1 201 ", 13) == 0);
	assert_non_null(strstr(buf, "X-Held: yes\r\n"));
	assert_non_null(strstr(buf, "\r\n\r\nlater"));

	/* The connection carries on (keep-alive) with an answer at once. */
	f->defer = false;
	send_request(fd);
	run_until_requests(f, 2);
	read_response(f, fd, buf, sizeof buf);
	assert_true(strncmp(buf, "HTTP/1.1 200 ", 13) == 0);
	assert_non_null(strstr(buf, "\r\n\r\nnow"));
	close(fd);
}

static void test_client_gone(void **state)
{
	fixture *f = *state;
	char buf[2048];
	int fd = connect_to(f);
	f->defer = true;
	send_request(fd);
	run_until_requests(f, 1);
	assert_true(m2m_http_deferred_alive(f->held));
	close(fd);
	/* evhttp reads nothing while a reply is pending, so the close shows when we write. */
	for (int i = 0; i < 20; i++)
		event_base_loop(f->base, EVLOOP_NONBLOCK);
	m2m_http_response_body(m2m_http_deferred_response(f->held), "late", 4);
	m2m_http_deferred_finish(f->held); /* written into a closed socket: no use after free */
	f->held = NULL;
	for (int i = 0; i < 50; i++) {
		event_base_loop(f->base, EVLOOP_NONBLOCK);
		poll(NULL, 0, 1);
	}

	/* The server still serves. */
	f->defer = false;
	fd = connect_to(f);
	send_request(fd);
	run_until_requests(f, 2);
	read_response(f, fd, buf, sizeof buf);
	assert_true(strncmp(buf, "HTTP/1.1 200 ", 13) == 0);
	close(fd);
}

static void test_server_freed(void **state)
{
	fixture *f = *state;
	int fd = connect_to(f);
	f->defer = true;
	send_request(fd);
	run_until_requests(f, 1);
	assert_true(m2m_http_deferred_alive(f->held));
	m2m_http_server_free(f->srv);
	f->srv = NULL;
	assert_false(m2m_http_deferred_alive(f->held));
	m2m_http_deferred_finish(f->held);
	f->held = NULL;
	close(fd);
}

static void test_defer_args(void **state)
{
	(void)state;
	assert_null(m2m_http_response_defer(NULL));
	assert_null(m2m_http_deferred_response(NULL));
	assert_false(m2m_http_deferred_alive(NULL));
	m2m_http_deferred_finish(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_deferred_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_freed, setup, teardown),
		cmocka_unit_test(test_defer_args),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
