/* net/http_server.c sets TCP_NODELAY once, on the listening socket, and relies on Linux
 * accepted sockets inheriting it (without it a small reply waits up to 40 ms for the client's
 * delayed ACK, docs/bench-smsr.md). This checks the accepted connection's socket itself, from
 * the handler, and that the reply still arrives. Client: a plain socket; one thread. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "core/log.h"
#include "net/http_server.h"

#define LOOP_MAX 5000 /* iterations of 1 ms: a bound, not a timing assertion */

typedef struct {
	struct event_base *base;
	m2m_http_server *srv;
	int requests;
	int nodelay; /* of the accepted socket, read in the handler; -1 unread */
} fixture;

static void handler(void *arg, const m2m_http_request *req, m2m_http_response *resp)
{
	fixture *f = arg;
	struct evhttp_request *er = (struct evhttp_request *)req->priv;
	struct evhttp_connection *con = evhttp_request_get_connection(er);
	struct bufferevent *bev = con ? evhttp_connection_get_bufferevent(con) : NULL;
	evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;
	int v = -1;
	socklen_t len = sizeof v;

	if (fd >= 0 && getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len) != 0)
		v = -1;
	f->nodelay = v;
	f->requests++;
	m2m_http_response_body(resp, "ok", 2);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	m2m_http_server_opts o = {.handler = handler, .arg = f};
	m2m_log_setup(M2M_LOG_OFF, M2M_LOG_PLAIN, stderr);
	f->nodelay = -1;
	f->base = event_base_new();
	assert_non_null(f->base);
	assert_int_equal(m2m_http_server_new(f->base, &o, &f->srv), M2M_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	m2m_http_server_free(f->srv);
	m2m_http_base_free(f->base);
	free(f);
	return 0;
}

static void test_accepted_socket_has_nodelay(void **state)
{
	static const char rq[] = "POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi";
	fixture *f = *state;
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(m2m_http_server_port(f->srv))};
	char buf[512] = "";
	size_t got = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(write(fd, rq, sizeof rq - 1), (ssize_t)(sizeof rq - 1));
	for (int i = 0; i < LOOP_MAX && !strstr(buf, "\r\n\r\nok"); i++) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		event_base_loop(f->base, EVLOOP_NONBLOCK);
		if (poll(&p, 1, 1) == 1) {
			ssize_t r = read(fd, buf + got, sizeof buf - 1 - got);
			assert_true(r > 0);
			got += (size_t)r;
			buf[got] = '\0';
		}
	}
	close(fd);
	assert_int_equal(f->requests, 1);
	assert_int_equal(f->nodelay, 1);
	assert_non_null(strstr(buf, "HTTP/1.1 200"));
	assert_non_null(strstr(buf, "\r\n\r\nok"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_accepted_socket_has_nodelay, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
