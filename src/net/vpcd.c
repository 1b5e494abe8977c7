/* vpcd client: see vpcd.h and docs/pcsc.md. */
#include "net/vpcd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "core/log.h"

#define LOG "vpcd"
#define FRAME_MAX 0xFFFFu
#define OUT_MAX (256u * 1024) /* answers not yet sent: stop reading beyond this */

struct m2m_vpcd_client {
	struct event_base *base;
	char host[256];
	char port[8];
	m2m_vpcd_callbacks cb;
	void *arg;
	struct bufferevent *bev;
	struct event *timer;         /* the next attempt, or the reinsert's close */
	unsigned retry_ms;
	bool connected;
	bool drop;                   /* reinsert: close at the timer, then retry */
	bool paused;                 /* reading stopped until the output drains */
	m2m_vpcd_stats st;
	m2m_buf out;                 /* ATR or R-APDU being built */
};

static void schedule(m2m_vpcd_client *c, unsigned ms)
{
	struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};

	evtimer_add(c->timer, &tv);
}

static void drop_link(m2m_vpcd_client *c)
{
	bool was = c->connected;

	if (c->bev != NULL)
		bufferevent_free(c->bev);
	c->bev = NULL;
	c->connected = c->paused = false;
	if (was) {
		m2m_info(LOG, "%s:%s: card removed (connection closed)", c->host, c->port);
		if (c->cb.link != NULL)
			c->cb.link(c->arg, false);
	}
}

/* ------------------------------------------------------------------ frames */

static void send_frame(m2m_vpcd_client *c, const uint8_t *p, size_t n)
{
	uint8_t hdr[2] = {(uint8_t)(n >> 8), (uint8_t)n};
	struct evbuffer *o = bufferevent_get_output(c->bev);

	if (evbuffer_add(o, hdr, sizeof hdr) != 0 || (n > 0 && evbuffer_add(o, p, n) != 0))
		m2m_warn(LOG, "%s:%s: cannot queue an answer", c->host, c->port);
}

static void on_control(m2m_vpcd_client *c, uint8_t code)
{
	m2m_err err;

	switch (code) {
	case M2M_VPCD_POWER_OFF:
	case M2M_VPCD_POWER_ON:
	case M2M_VPCD_RESET:
		c->st.controls++;
		if (c->cb.power != NULL)
			c->cb.power(c->arg, (m2m_vpcd_ctrl)code);
		return;
	case M2M_VPCD_GET_ATR:
		c->st.controls++;
		m2m_buf_reset(&c->out);
		err = c->cb.atr != NULL ? c->cb.atr(c->arg, &c->out) : M2M_ERR_STATE;
		if (err != M2M_OK || c->out.len > FRAME_MAX)
			c->out.len = 0; /* an empty ATR: no card */
		send_frame(c, c->out.data, c->out.len);
		return;
	default:
		c->st.ignored++;
		m2m_debug(LOG, "%s:%s: unknown control code %u ignored", c->host, c->port, code);
	}
}

static void on_apdu(m2m_vpcd_client *c, const uint8_t *p, size_t n)
{
	static const uint8_t sw6f00[] = {0x6F, 0x00};
	m2m_err err;

	c->st.apdus++;
	m2m_buf_reset(&c->out);
	err = c->cb.apdu != NULL ? c->cb.apdu(c->arg, p, n, &c->out) : M2M_ERR_STATE;
	if (err != M2M_OK || c->out.len < 2 || c->out.len > FRAME_MAX) {
		m2m_warn(LOG, "%s:%s: no usable answer (%s, %zu bytes): 6F00", c->host, c->port,
			 m2m_strerror(err), c->out.len);
		send_frame(c, sw6f00, sizeof sw6f00);
		return;
	}
	send_frame(c, c->out.data, c->out.len);
}

/* Every complete frame in the input, until a callback asks for a reinsert or too many
 * answers wait to be sent. */
static void process(m2m_vpcd_client *c)
{
	struct evbuffer *in;
	uint8_t hdr[2];
	size_t len;
	uint8_t *p;

	while (c->bev != NULL && !c->drop && !c->paused) {
		in = bufferevent_get_input(c->bev);
		if (evbuffer_copyout(in, hdr, sizeof hdr) != (ev_ssize_t)sizeof hdr)
			return;
		len = (size_t)hdr[0] << 8 | hdr[1];
		if (evbuffer_get_length(in) < sizeof hdr + len)
			return;
		evbuffer_drain(in, sizeof hdr);
		if (len == 0) {
			c->st.ignored++; /* vsmartcard's own card ignores these too */
			continue;
		}
		p = evbuffer_pullup(in, (ev_ssize_t)len);
		if (p == NULL) {
			m2m_error(LOG, "%s:%s: out of memory", c->host, c->port);
			drop_link(c);
			schedule(c, c->retry_ms);
			return;
		}
		if (len == 1)
			on_control(c, p[0]);
		else
			on_apdu(c, p, len);
		evbuffer_drain(in, len);
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) > OUT_MAX) {
			bufferevent_disable(c->bev, EV_READ);
			c->paused = true;
		}
	}
}

/* ------------------------------------------------------------------ connection */

static void read_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	process(arg);
}

static void write_cb(struct bufferevent *bev, void *arg)
{
	m2m_vpcd_client *c = arg;

	if (c->paused && evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
		c->paused = false;
		bufferevent_enable(bev, EV_READ);
		process(c);
	}
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	m2m_vpcd_client *c = arg;
	int one = 1;

	if (what & BEV_EVENT_CONNECTED) {
		/* Small request/response frames: do not wait for Nagle. */
		(void)setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY, &one,
				 sizeof one);
		c->connected = true;
		c->st.connects++;
		m2m_info(LOG, "%s:%s: card inserted (connected to vpcd)", c->host, c->port);
		if (c->cb.link != NULL)
			c->cb.link(c->arg, true);
		return;
	}
	if (!c->connected)
		m2m_debug(LOG, "%s:%s: vpcd not reachable, retrying", c->host, c->port);
	drop_link(c);
	schedule(c, c->retry_ms);
}

static void connect_now(m2m_vpcd_client *c)
{
	struct addrinfo hints, *ai = NULL, *a;
	int rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(c->host, c->port, &hints, &ai);
	if (rc != 0 || ai == NULL) {
		m2m_warn(LOG, "%s:%s: cannot resolve: %s", c->host, c->port, gai_strerror(rc));
		goto retry;
	}
	/* vpcd listens on IPv4 only (INADDR_ANY): "localhost" must not end up on ::1. */
	for (a = ai; a != NULL && a->ai_family != AF_INET; a = a->ai_next)
		;
	if (a == NULL)
		a = ai;
	c->bev = bufferevent_socket_new(c->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		goto retry;
	bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect(c->bev, a->ai_addr, (int)a->ai_addrlen) == 0) {
		/* A spawned program must not hold the card in the reader. */
		(void)evutil_make_socket_closeonexec(bufferevent_getfd(c->bev));
		goto out;
	}
retry:
	drop_link(c);
	schedule(c, c->retry_ms);
out:
	if (ai != NULL)
		freeaddrinfo(ai);
}

/* Best effort before a reinsert: answers already queued (small) still reach the reader. */
static void flush_now(m2m_vpcd_client *c)
{
	struct evbuffer *o;

	if (c->bev == NULL || !c->connected)
		return;
	o = bufferevent_get_output(c->bev);
	while (evbuffer_get_length(o) > 0 && evbuffer_write(o, bufferevent_getfd(c->bev)) > 0)
		;
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	m2m_vpcd_client *c = arg;

	(void)fd;
	(void)what;
	if (c->drop) {
		c->drop = false;
		flush_now(c);
		drop_link(c);
		schedule(c, c->retry_ms);
		return;
	}
	if (c->bev == NULL)
		connect_now(c);
}

m2m_vpcd_client *m2m_vpcd_client_new(struct event_base *base, const char *host, uint16_t port,
				     const m2m_vpcd_callbacks *cb, void *arg)
{
	m2m_vpcd_client *c;

	if (base == NULL || host == NULL || host[0] == '\0' || strlen(host) >= sizeof c->host ||
	    port == 0 || cb == NULL || cb->atr == NULL || cb->apdu == NULL)
		return NULL;
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	c->base = base;
	memcpy(c->host, host, strlen(host) + 1);
	snprintf(c->port, sizeof c->port, "%u", (unsigned)port);
	c->cb = *cb;
	c->arg = arg;
	c->retry_ms = M2M_VPCD_RETRY_MS;
	m2m_buf_init(&c->out);
	c->timer = evtimer_new(base, timer_cb, c);
	if (c->timer == NULL) {
		free(c);
		return NULL;
	}
	schedule(c, 0); /* callbacks only ever run from the loop */
	return c;
}

void m2m_vpcd_client_free(m2m_vpcd_client *c)
{
	if (c == NULL)
		return;
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	event_free(c->timer);
	m2m_buf_free(&c->out);
	free(c);
}

void m2m_vpcd_client_set_retry(m2m_vpcd_client *c, unsigned ms)
{
	c->retry_ms = ms;
}

bool m2m_vpcd_client_connected(const m2m_vpcd_client *c)
{
	return c->connected;
}

void m2m_vpcd_client_reinsert(m2m_vpcd_client *c)
{
	c->drop = true;
	schedule(c, 0);
}

void m2m_vpcd_client_stats(const m2m_vpcd_client *c, m2m_vpcd_stats *out)
{
	*out = c->st;
}

static bool parse_port(const char *s, uint16_t *port)
{
	unsigned long v = 0;

	if (*s == '\0' || strlen(s) > 5)
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v == 0 || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

m2m_err m2m_vpcd_parse_addr(const char *s, char *host, size_t host_size, uint16_t *port)
{
	const char *h, *colon;
	size_t hl;

	if (s == NULL || host == NULL || host_size == 0 || port == NULL)
		return M2M_ERR_ARG;
	if (s[0] == '[') {
		h = s + 1;
		colon = strchr(h, ']');
		if (colon == NULL || colon[1] != ':')
			return M2M_ERR_ARG;
		hl = (size_t)(colon - h);
		colon++;
	} else {
		h = s;
		colon = strchr(s, ':');
		if (colon == NULL || strchr(colon + 1, ':') != NULL)
			return M2M_ERR_ARG; /* an IPv6 address needs brackets */
		hl = (size_t)(colon - h);
	}
	if (hl == 0 || hl >= host_size || !parse_port(colon + 1, port))
		return M2M_ERR_ARG;
	memcpy(host, h, hl);
	host[hl] = '\0';
	return M2M_OK;
}
