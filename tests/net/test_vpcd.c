/* The vpcd client against a fake vpcd in the test: a listener on 127.0.0.1 (ephemeral port)
 * that speaks the reader's side of the protocol (vsmartcard's vpcd.c: 2-byte big-endian
 * length + payload; 1-byte payloads 0 off, 1 on, 2 reset, 4 ATR). Framing, split and
 * batched frames, garbage, oversize answers, reconnection and reinsertion. Every wait is
 * bounded. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "core/log.h"
#include "net/vpcd.h"

#define WAIT_MS 5000

enum { MODE_ECHO, MODE_ERROR, MODE_SHORT, MODE_BIG, MODE_REINSERT };

static const uint8_t ATR[] = {0x3B, 0x02, 0x14, 0x50};

typedef struct {
	struct event_base *base;
	struct evconnlistener *lis;
	uint16_t port;
	struct bufferevent *srv;     /* the reader's end of the accepted connection */
	int accepts;
	bool srv_eof;
	m2m_vpcd_client *cl;
	int power[3];
	int ups, downs;
	int mode;
	bool atr_fails;
	size_t last_apdu_len;
} fx;

/* ------------------------------------------------------------------ the card side */

static void cb_power(void *arg, m2m_vpcd_ctrl what)
{
	fx *f = arg;

	assert_true(what <= M2M_VPCD_RESET);
	f->power[what]++;
}

static m2m_err cb_atr(void *arg, m2m_buf *atr)
{
	fx *f = arg;

	return f->atr_fails ? M2M_ERR_STATE : m2m_buf_append(atr, ATR, sizeof ATR);
}

/* Echo: the C-APDU back with 9000. */
static m2m_err cb_apdu(void *arg, const uint8_t *capdu, size_t n, m2m_buf *r)
{
	fx *f = arg;
	m2m_err err = M2M_OK;

	f->last_apdu_len = n;
	switch (f->mode) {
	case MODE_ERROR:
		return M2M_ERR_FORMAT;
	case MODE_SHORT:
		return m2m_buf_append_u8(r, 0x90);
	case MODE_BIG:
		return m2m_buf_append_fill(r, 0xAB, 70000);
	case MODE_REINSERT:
		m2m_vpcd_client_reinsert(f->cl);
		break;
	default:
		break;
	}
	err = m2m_buf_append(r, capdu, n);
	return err == M2M_OK ? m2m_buf_append_u16be(r, 0x9000) : err;
}

static void cb_link(void *arg, bool up)
{
	fx *f = arg;

	if (up)
		f->ups++;
	else
		f->downs++;
}

static const m2m_vpcd_callbacks CBS = {cb_power, cb_atr, cb_apdu, cb_link};

/* ------------------------------------------------------------------ the fake vpcd */

static void srv_event(struct bufferevent *bev, short what, void *arg)
{
	fx *f = arg;

	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		f->srv_eof = true;
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
		      int len, void *arg)
{
	fx *f = arg;

	(void)l;
	(void)sa;
	(void)len;
	if (f->srv != NULL)
		bufferevent_free(f->srv);
	f->srv = bufferevent_socket_new(f->base, fd, BEV_OPT_CLOSE_ON_FREE);
	assert_non_null(f->srv);
	bufferevent_setcb(f->srv, NULL, NULL, srv_event, f);
	bufferevent_enable(f->srv, EV_READ | EV_WRITE);
	f->srv_eof = false;
	f->accepts++;
}

static void listen_on(fx *f, uint16_t port)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->lis = evconnlistener_new_bind(f->base, on_accept, f,
					 LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 8,
					 (struct sockaddr *)&sin, sizeof sin);
	assert_non_null(f->lis);
	assert_int_equal(getsockname(evconnlistener_get_fd(f->lis), (struct sockaddr *)&sin, &sl),
			 0);
	f->port = ntohs(sin.sin_port);
}

static void expired_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(bool *)arg = true;
}

/* Runs the loop until done(f) or ms pass; returns done(f). */
static bool wait_until(fx *f, bool (*done)(fx *), unsigned ms)
{
	bool expired = false;
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	struct event *t = evtimer_new(f->base, expired_cb, &expired);

	evtimer_add(t, &tv);
	while (!done(f) && !expired)
		event_base_loop(f->base, EVLOOP_ONCE);
	event_free(t);
	return done(f);
}

static bool never(fx *f)
{
	(void)f;
	return false;
}

static bool connected(fx *f)
{
	return f->srv != NULL && m2m_vpcd_client_connected(f->cl);
}

static bool frame_ready(fx *f)
{
	struct evbuffer *in = bufferevent_get_input(f->srv);
	uint8_t h[2];

	if (evbuffer_copyout(in, h, 2) != 2)
		return false;
	return evbuffer_get_length(in) >= 2u + (size_t)(h[0] << 8 | h[1]);
}

static void srv_raw(fx *f, const void *p, size_t n)
{
	assert_int_equal(bufferevent_write(f->srv, p, n), 0);
}

static void srv_frame(fx *f, const uint8_t *p, size_t n)
{
	uint8_t h[2] = {(uint8_t)(n >> 8), (uint8_t)n};

	srv_raw(f, h, 2);
	srv_raw(f, p, n);
}

static void srv_ctrl(fx *f, uint8_t code)
{
	srv_frame(f, &code, 1);
}

/* The next answer's payload into out (at most cap bytes); returns its length. */
static size_t srv_answer(fx *f, uint8_t *out, size_t cap)
{
	struct evbuffer *in;
	uint8_t h[2];
	size_t n;

	assert_true(wait_until(f, frame_ready, WAIT_MS));
	in = bufferevent_get_input(f->srv);
	assert_int_equal(evbuffer_remove(in, h, 2), 2);
	n = (size_t)(h[0] << 8 | h[1]);
	assert_true(n <= cap);
	assert_int_equal(evbuffer_remove(in, out, n), (int)n);
	return n;
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	f->base = event_base_new();
	assert_non_null(f->base);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;

	m2m_vpcd_client_free(f->cl);
	if (f->srv != NULL)
		bufferevent_free(f->srv);
	if (f->lis != NULL)
		evconnlistener_free(f->lis);
	event_base_free(f->base);
	free(f);
	return 0;
}

static void start(fx *f)
{
	listen_on(f, 0);
	f->cl = m2m_vpcd_client_new(f->base, "127.0.0.1", f->port, &CBS, f);
	assert_non_null(f->cl);
	m2m_vpcd_client_set_retry(f->cl, 20);
	assert_true(wait_until(f, connected, WAIT_MS));
}

/* ------------------------------------------------------------------ tests */

static void test_framing(void **state)
{
	fx *f = *state;
	static const uint8_t apdu[] = {0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00};
	uint8_t r[64];
	m2m_vpcd_stats st;

	start(f);
	assert_int_equal(f->ups, 1);
	srv_ctrl(f, M2M_VPCD_GET_ATR);
	assert_int_equal(srv_answer(f, r, sizeof r), sizeof ATR);
	assert_memory_equal(r, ATR, sizeof ATR);
	srv_ctrl(f, M2M_VPCD_POWER_ON);
	srv_ctrl(f, M2M_VPCD_RESET);
	srv_ctrl(f, M2M_VPCD_POWER_OFF);
	srv_frame(f, apdu, sizeof apdu);
	assert_int_equal(srv_answer(f, r, sizeof r), sizeof apdu + 2);
	assert_memory_equal(r, apdu, sizeof apdu);
	assert_memory_equal(r + sizeof apdu, "\x90\x00", 2);
	assert_int_equal(f->power[M2M_VPCD_POWER_ON], 1);
	assert_int_equal(f->power[M2M_VPCD_RESET], 1);
	assert_int_equal(f->power[M2M_VPCD_POWER_OFF], 1);
	m2m_vpcd_client_stats(f->cl, &st);
	assert_int_equal(st.connects, 1);
	assert_int_equal(st.controls, 4);
	assert_int_equal(st.apdus, 1);
	assert_int_equal(st.ignored, 0);
}

/* One frame a byte at a time; three frames in one write, answered in order. */
static void test_split_and_batch(void **state)
{
	fx *f = *state;
	static const uint8_t frame[] = {0x00, 0x05, 0x00, 0xB0, 0x00, 0x00, 0x0A};
	static const uint8_t batch[] = {0x00, 0x04, 0x80, 0xF2, 0x00, 0x00, 0x00, 0x01, 0x04,
					0x00, 0x02, 0x12, 0x34};
	uint8_t r[64];

	start(f);
	for (size_t i = 0; i < sizeof frame; i++) {
		srv_raw(f, frame + i, 1);
		wait_until(f, never, 5);
		if (i + 1 < sizeof frame)
			assert_int_equal(f->last_apdu_len, 0);
	}
	assert_int_equal(srv_answer(f, r, sizeof r), 7);
	assert_memory_equal(r, frame + 2, 5);
	srv_raw(f, batch, sizeof batch);
	assert_int_equal(srv_answer(f, r, sizeof r), 6);
	assert_memory_equal(r, "\x80\xF2\x00\x00\x90\x00", 6);
	assert_int_equal(srv_answer(f, r, sizeof r), sizeof ATR);
	assert_int_equal(srv_answer(f, r, sizeof r), 4);
	assert_memory_equal(r, "\x12\x34\x90\x00", 4);
}

/* Empty frames and unknown control codes are ignored; a card that cannot answer gets 6F00,
 * and an ATR that cannot be had an empty frame; a 65535-byte C-APDU is taken whole. */
static void test_garbage(void **state)
{
	fx *f = *state;
	static const uint8_t empty[] = {0x00, 0x00};
	static const uint8_t apdu[] = {0x00, 0xB0, 0x00, 0x00};
	uint8_t *big = malloc(0xFFFF);
	uint8_t r[64];
	m2m_vpcd_stats st;

	assert_non_null(big);
	start(f);
	srv_raw(f, empty, sizeof empty);
	srv_ctrl(f, 3);
	srv_ctrl(f, 0xFF);
	srv_ctrl(f, M2M_VPCD_GET_ATR);
	assert_int_equal(srv_answer(f, r, sizeof r), sizeof ATR); /* nothing came before it */
	m2m_vpcd_client_stats(f->cl, &st);
	assert_int_equal(st.ignored, 3);
	/* Callback failures. */
	f->mode = MODE_ERROR;
	srv_frame(f, apdu, sizeof apdu);
	assert_int_equal(srv_answer(f, r, sizeof r), 2);
	assert_memory_equal(r, "\x6F\x00", 2);
	f->mode = MODE_SHORT;
	srv_frame(f, apdu, sizeof apdu);
	assert_int_equal(srv_answer(f, r, sizeof r), 2);
	assert_memory_equal(r, "\x6F\x00", 2);
	f->mode = MODE_BIG;
	srv_frame(f, apdu, sizeof apdu);
	assert_int_equal(srv_answer(f, r, sizeof r), 2);
	assert_memory_equal(r, "\x6F\x00", 2);
	f->atr_fails = true;
	srv_ctrl(f, M2M_VPCD_GET_ATR);
	assert_int_equal(srv_answer(f, r, sizeof r), 0);
	f->atr_fails = false;
	/* The largest frame: its echo would not fit a frame, so 6F00. */
	f->mode = MODE_ECHO;
	memset(big, 0x5A, 0xFFFF);
	srv_frame(f, big, 0xFFFF);
	assert_int_equal(srv_answer(f, r, sizeof r), 2);
	assert_memory_equal(r, "\x6F\x00", 2);
	assert_int_equal(f->last_apdu_len, 0xFFFF);
	/* Still the same connection. */
	m2m_vpcd_client_stats(f->cl, &st);
	assert_int_equal(st.connects, 1);
	assert_int_equal(f->downs, 0);
	/* A frame cut short by the reader going away: dropped, then a new connection. */
	srv_raw(f, "\xFF\xFF\x00\xA4", 4);
	wait_until(f, never, 20);
	bufferevent_free(f->srv);
	f->srv = NULL;
	assert_true(wait_until(f, connected, WAIT_MS));
	assert_int_equal(f->accepts, 2);
	assert_int_equal(f->downs, 1);
	srv_ctrl(f, M2M_VPCD_GET_ATR);
	assert_int_equal(srv_answer(f, r, sizeof r), sizeof ATR);
	free(big);
}

static bool two_accepts(fx *f)
{
	return f->accepts >= 2 && m2m_vpcd_client_connected(f->cl);
}

/* vpcd not up yet, then up; then it goes away and comes back. */
static void test_reconnect(void **state)
{
	fx *f = *state;
	uint16_t port;
	m2m_vpcd_stats st;
	uint8_t r[8];

	listen_on(f, 0);
	port = f->port;
	evconnlistener_free(f->lis); /* the port is closed now */
	f->lis = NULL;
	f->cl = m2m_vpcd_client_new(f->base, "127.0.0.1", port, &CBS, f);
	assert_non_null(f->cl);
	m2m_vpcd_client_set_retry(f->cl, 20);
	wait_until(f, never, 150);
	assert_false(m2m_vpcd_client_connected(f->cl));
	assert_int_equal(f->ups, 0);
	listen_on(f, port);
	assert_true(wait_until(f, connected, WAIT_MS));
	assert_int_equal(f->ups, 1);
	/* The reader closes: the card is removed, then inserted again. */
	bufferevent_free(f->srv);
	f->srv = NULL;
	assert_true(wait_until(f, connected, WAIT_MS));
	assert_int_equal(f->downs, 1);
	assert_int_equal(f->ups, 2);
	m2m_vpcd_client_stats(f->cl, &st);
	assert_int_equal(st.connects, 2);
	srv_ctrl(f, M2M_VPCD_GET_ATR);
	assert_int_equal(srv_answer(f, r, sizeof r), sizeof ATR);
}

static bool srv_closed(fx *f)
{
	return f->srv_eof;
}

static bool two_downs(fx *f)
{
	return f->downs >= 2;
}

/* A reinsert asked from inside the APDU callback: the answer still goes out, the reader
 * sees the connection close, and a new one follows. */
static void test_reinsert(void **state)
{
	fx *f = *state;
	static const uint8_t apdu[] = {0x00, 0xB0, 0x00, 0x00};
	uint8_t r[16];

	start(f);
	f->mode = MODE_REINSERT;
	srv_frame(f, apdu, sizeof apdu);
	assert_int_equal(srv_answer(f, r, sizeof r), sizeof apdu + 2);
	assert_true(wait_until(f, srv_closed, WAIT_MS));
	f->mode = MODE_ECHO;
	assert_true(wait_until(f, two_accepts, WAIT_MS));
	assert_int_equal(f->downs, 1);
	assert_int_equal(f->ups, 2);
	/* And from outside a callback. */
	m2m_vpcd_client_reinsert(f->cl);
	assert_true(wait_until(f, two_downs, WAIT_MS));
	assert_true(wait_until(f, connected, WAIT_MS));
	assert_int_equal(f->ups, 3);
	assert_int_equal(f->accepts, 3);
}

/* vpcd listens on IPv4 only: a name that also resolves to ::1 must reach 127.0.0.1. */
static void test_localhost(void **state)
{
	fx *f = *state;
	uint8_t r[8];

	listen_on(f, 0);
	f->cl = m2m_vpcd_client_new(f->base, "localhost", f->port, &CBS, f);
	assert_non_null(f->cl);
	m2m_vpcd_client_set_retry(f->cl, 20);
	assert_true(wait_until(f, connected, WAIT_MS));
	srv_ctrl(f, M2M_VPCD_GET_ATR);
	assert_int_equal(srv_answer(f, r, sizeof r), sizeof ATR);
}

static void test_args(void **state)
{
	fx *f = *state;
	static const m2m_vpcd_callbacks no_apdu = {NULL, cb_atr, NULL, NULL};
	char host[300];

	assert_null(m2m_vpcd_client_new(NULL, "127.0.0.1", 1, &CBS, f));
	assert_null(m2m_vpcd_client_new(f->base, NULL, 1, &CBS, f));
	assert_null(m2m_vpcd_client_new(f->base, "", 1, &CBS, f));
	assert_null(m2m_vpcd_client_new(f->base, "127.0.0.1", 0, &CBS, f));
	assert_null(m2m_vpcd_client_new(f->base, "127.0.0.1", 1, NULL, f));
	assert_null(m2m_vpcd_client_new(f->base, "127.0.0.1", 1, &no_apdu, f));
	memset(host, 'a', sizeof host - 1);
	host[sizeof host - 1] = '\0';
	assert_null(m2m_vpcd_client_new(f->base, host, 1, &CBS, f));
	m2m_vpcd_client_free(NULL);
}

static void test_parse_addr(void **state)
{
	char host[16];
	uint16_t port = 0;

	(void)state;
	assert_int_equal(m2m_vpcd_parse_addr("127.0.0.1:35963", host, sizeof host, &port), M2M_OK);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 35963);
	assert_int_equal(m2m_vpcd_parse_addr("[::1]:1", host, sizeof host, &port), M2M_OK);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 1);
	assert_int_equal(m2m_vpcd_parse_addr("localhost:65535", host, sizeof host, &port),
			 M2M_OK);
	const char *bad[] = {"localhost:0", ":1", "h:", "h:65536", "::1:5", "[::1]5", "[::1:5",
			     "h:12a", "h", "h:-1", "h:123456", "[]:5", "averyveryverylonghost:1"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(m2m_vpcd_parse_addr(bad[i], host, sizeof host, &port),
				 M2M_ERR_ARG);
	assert_int_equal(m2m_vpcd_parse_addr(NULL, host, sizeof host, &port), M2M_ERR_ARG);
	assert_int_equal(m2m_vpcd_parse_addr("h:1", NULL, 0, &port), M2M_ERR_ARG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_framing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_and_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconnect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reinsert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_localhost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_addr, setup, teardown),
	};
	m2m_log_setup(M2M_LOG_ERROR, M2M_LOG_PLAIN, stderr);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
