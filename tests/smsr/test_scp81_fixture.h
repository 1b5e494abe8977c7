/* The SCP81 admin server on a libevent loop driven step by step on the test's thread, and a
 * software eUICC (tests/euicc fixtures, the real OTA front end) in a second thread that speaks
 * TLS-PSK over a plain socket: the card's own request bytes go out as built, the server's
 * bytes come back into m2m_euicc_ota_scp81_response. The card thread records, the test thread
 * asserts (cmocka is not thread-safe). Included after cmocka.h. */
#ifndef TEST_SCP81_FIXTURE_H
#define TEST_SCP81_FIXTURE_H

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "net/http_server.h"
#include "core/hex.h"
#include "euicc/test_ota_common.h"
#include "net/tls.h"
#include "smsr/scp81_server.h"

#define MAX_DONE 16
#define MAX_ANSWERS 8
#define GUARD_S 30 /* only a hang guard: no assertion depends on time */

typedef struct {
	uint64_t id;
	m2m_scp81_cmd_result result;
	m2m_scp81_script_status status;
	char response[2048]; /* hex */
	bool sent;
	char reason[200];
} done_rec;

typedef enum { PSK_OK, PSK_WRONG_KEY, PSK_UNKNOWN } psk_mode;

typedef struct fixture fixture;
typedef void (*done_hook)(fixture *f, const m2m_scp81_completion *c);

struct fixture {
	struct event_base *base;
	m2m_scp81_server *srv;
	uint8_t eid[16];
	psk_mode psk;
	int lookups;          /* with a key: handshakes */
	int resolves;         /* without a key: requests */
	int triggers;
	unsigned last_attempt;
	size_t ndone;
	done_rec done[MAX_DONE];
	done_hook hook;       /* runs in the completion callback (ISD-P test) */
	void *hook_arg;
	void (*on_trigger)(fixture *f); /* runs in need_trigger */
	int note[2];          /* card thread -> loop: "I am finished" */
	struct event *note_ev;
	int cards_done;
	bool expired;
};

/* ---- server side ---- */

static inline m2m_err fx_psk(void *arg, const char *identity, const m2m_scp81_psk_id *id,
		      uint8_t eid[16], uint8_t *key, size_t cap, size_t *key_len)
{
	fixture *f = arg;

	(void)identity;
	if (key != NULL)
		f->lookups++;
	else
		f->resolves++;
	/* The store: the fixture card's EID with its PSK-TLS key set 41, key 01 (16 x 41). */
	if (f->psk == PSK_UNKNOWN || id == NULL || memcmp(id->eid, f->eid, 16) != 0 ||
	    id->kvn != 0x41 || id->key_id != 0x01)
		return M2M_ERR_TLV_NOT_FOUND;
	memcpy(eid, f->eid, 16);
	if (key != NULL) {
		if (cap < 16)
			return M2M_ERR_BOUNDS;
		memset(key, f->psk == PSK_WRONG_KEY ? 0x42 : 0x41, 16);
		*key_len = 16;
	}
	return M2M_OK;
}

static inline void fx_trigger(void *arg, const uint8_t eid[16], unsigned attempt)
{
	fixture *f = arg;

	(void)eid;
	f->triggers++;
	f->last_attempt = attempt;
	if (f->on_trigger != NULL)
		f->on_trigger(f);
}

static inline void fx_done(void *arg, const m2m_scp81_completion *c)
{
	fixture *f = arg;
	done_rec *d;

	if (f->ndone >= MAX_DONE)
		return;
	d = &f->done[f->ndone++];
	d->id = c->id;
	d->result = c->result;
	d->status = c->status;
	d->sent = c->sent;
	if (c->response_len * 2 < sizeof d->response)
		m2m_hex_encode(c->response, c->response_len, d->response);
	snprintf(d->reason, sizeof d->reason, "%s", c->reason != NULL ? c->reason : "");
	if (f->hook != NULL)
		f->hook(f, c);
}

static inline void on_note(evutil_socket_t fd, short what, void *arg)
{
	fixture *f = arg;
	char b;

	(void)what;
	if (read(fd, &b, 1) == 1)
		f->cards_done++;
}

static inline void on_guard(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	((fixture *)arg)->expired = true;
}

static inline fixture *fx_server(const m2m_scp81_server_opts *extra)
{
	fixture *f = calloc(1, sizeof *f);
	m2m_scp81_server_opts o;

	assert_non_null(f);
	assert_int_equal(m2m_hex_decode_exact(EID_HEX, f->eid, 16), M2M_OK);
	f->base = event_base_new();
	assert_non_null(f->base);
	if (extra != NULL)
		o = *extra;
	else
		memset(&o, 0, sizeof o);
	o.psk = fx_psk;
	o.need_trigger = fx_trigger;
	o.arg = f;
	assert_int_equal(m2m_scp81_server_new(f->base, &o, &f->srv), M2M_OK);
	assert_true(m2m_scp81_server_port(f->srv) > 0);
	assert_int_equal(pipe(f->note), 0);
	f->note_ev = event_new(f->base, f->note[0], EV_READ | EV_PERSIST, on_note, f);
	assert_non_null(f->note_ev);
	assert_int_equal(event_add(f->note_ev, NULL), 0);
	return f;
}

static inline void fx_server_free(fixture *f)
{
	m2m_scp81_server_free(f->srv);
	event_free(f->note_ev);
	close(f->note[0]);
	close(f->note[1]);
	m2m_http_base_free(f->base);
	free(f);
}

/* Runs the loop until the condition holds (or the hang guard fires). */
static inline bool run_until_f(fixture *f, bool (*cond)(const fixture *, const void *),
			       const void *a)
{
	struct event *guard = evtimer_new(f->base, on_guard, f);
	struct timeval tv = {GUARD_S, 0};

	f->expired = false;
	evtimer_add(guard, &tv);
	while (!cond(f, a) && !f->expired)
		event_base_loop(f->base, EVLOOP_ONCE);
	event_free(guard);
	return cond(f, a);
}

typedef struct {
	size_t ndone;
	int cards;
	int triggers;
} want;

static inline bool reached(const fixture *f, const void *a)
{
	const want *w = a;
	return f->ndone >= w->ndone && f->cards_done >= w->cards && f->triggers >= w->triggers;
}

/* Runs the loop until ndone completions, cards finished card threads and triggers calls. */
static inline void run_until(fixture *f, size_t ndone, int cards, int triggers)
{
	want w = {ndone, cards, triggers};
	assert_true(run_until_f(f, reached, &w));
}

/* ---- the trigger SMS to the card ---- */

/* Trigger for this server: 127.0.0.1:port, host, first URI, PSK set 41 key 01. */
static inline void fx_trigger_bytes(const fixture *f, m2m_buf *out)
{
	m2m_scp81_server_trigger t;

	memset(&t, 0, sizeof t);
	t.ip[0] = 127;
	t.ip[3] = 1;
	t.ip_len = 4;
	t.port = m2m_scp81_server_port(f->srv);
	t.has_psk = true;
	t.kvn = 0x41;
	t.kid = 0x01;
	t.host = "127.0.0.1";
	t.uri = "/admin";
	assert_int_equal(m2m_scp81_server_trigger_build(&t, out), M2M_OK);
}

/* Wraps the trigger in SCP80 for the ISD-R and feeds it to the card as SMS-PP. */
static inline void fx_send_trigger(const fixture *f, rig *r, uint64_t cntr)
{
	m2m_scp80_hdr h = srv_hdr(0x16, 0x19, M2M_SCP80_TAR_ISDR, cntr);
	m2m_buf trig;

	m2m_buf_init(&trig);
	fx_trigger_bytes(f, &trig);
	srv_packet(r, &h, &trig);
	for (size_t i = 0; i < r->nparts; i++)
		feed_ud(r, r->parts[i].data, r->parts[i].len, M2M_SMS_DCS_CLASS2_8BIT);
	assert_true(r->out.scp81_open);
	assert_int_equal(r->ota.scp81.state, M2M_EUICC_OTA_SCP81_TRIGGERED);
	assert_string_equal(r->ota.scp81.uri, "/admin");
	assert_string_equal(r->ota.scp81.host, "127.0.0.1");
	m2m_buf_free(&trig);
}

/* ---- the card thread ---- */

typedef enum {
	CARD_NORMAL,    /* run every script until 204 */
	CARD_DROP,      /* after receiving script #at, close without answering */
	CARD_RECONNECT, /* after receiving script #at, close and open a new session */
	CARD_STALL,     /* after receiving script #at, wait for release, then answer */
	CARD_WRONG_URI, /* answer script #at+1 on script #at's URI (at < 9) */
} card_mode;

typedef struct {
	fixture *f;
	rig *r;
	card_mode mode;
	unsigned at;
	m2m_buf trigger;        /* for CARD_RECONNECT */
	int release[2];         /* CARD_STALL */
	pthread_t th;
	/* results */
	bool handshake_failed;
	unsigned exchanges;     /* POSTs answered */
	unsigned connections;
	unsigned last_status;
	bool done;              /* the card saw the end of the session */
	size_t nanswers;
	m2m_buf answers[MAX_ANSWERS]; /* the server's raw answers */
	char error[160];
} card_run;

typedef struct {
	SSL_CTX *ctx;
	SSL *ssl;
	int fd;
} tls_conn;

static inline bool tls_open(uint16_t port, const char *identity, const uint8_t *key, size_t key_len,
		     tls_conn *t)
{
	m2m_tls_psk_client_opts o = {.identity = identity, .key = key, .key_len = key_len,
				     .max_fragment_512 = true};
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};

	memset(t, 0, sizeof *t);
	t->fd = -1;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (m2m_tls_psk_client_ctx(&o, &t->ctx) != M2M_OK)
		return false;
	t->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (t->fd < 0 || connect(t->fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		return false;
	t->ssl = SSL_new(t->ctx);
	if (t->ssl == NULL || SSL_set_fd(t->ssl, t->fd) != 1)
		return false;
	return SSL_connect(t->ssl) == 1;
}

static inline void tls_close(tls_conn *t)
{
	if (t->ssl != NULL) {
		(void)SSL_shutdown(t->ssl);
		SSL_free(t->ssl);
	}
	if (t->fd >= 0)
		close(t->fd);
	SSL_CTX_free(t->ctx);
	memset(t, 0, sizeof *t);
	t->fd = -1;
}

static inline bool tls_write_all(tls_conn *t, const uint8_t *p, size_t n)
{
	while (n > 0) {
		int w = SSL_write(t->ssl, p, n > 16384 ? 16384 : (int)n);
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* Sends the card's POST, reads the answer until the card has all of it, feeds it. */
static inline m2m_err card_exchange(card_run *c, tls_conn *t, m2m_buf *req)
{
	m2m_buf in;
	uint8_t tmp[4096];
	m2m_scp81_response rs;
	size_t hl = 0;
	m2m_err err = M2M_ERR_IO;

	m2m_buf_init(&in);
	if (!tls_write_all(t, req->data, req->len))
		goto out;
	for (;;) {
		int n = SSL_read(t->ssl, tmp, sizeof tmp);
		if (n <= 0) {
			err = M2M_ERR_IO;
			break;
		}
		(void)m2m_buf_append(&in, tmp, (size_t)n);
		m2m_buf_reset(req);
		err = m2m_euicc_ota_scp81_response(c->r->c->e, &c->r->ota, in.data, in.len, req,
						   &c->r->out);
		if (err != M2M_ERR_BOUNDS)
			break;
	}
	if (in.len > 0 && c->nanswers < MAX_ANSWERS)
		(void)m2m_buf_append(&c->answers[c->nanswers++], in.data, in.len);
	memset(&rs, 0, sizeof rs);
	(void)m2m_scp81_response_parse(in.data, in.len, &rs, &hl, NULL);
	c->last_status = rs.status;
out:
	if (err == M2M_ERR_IO)
		snprintf(c->error, sizeof c->error, "connection closed before an answer");
	m2m_buf_free(&in);
	return err;
}

/* CARD_WRONG_URI: ".../<at+1> HTTP/1.1" becomes ".../<at> HTTP/1.1" (single digits). */
static inline void rewrite_uri(m2m_buf *req, unsigned at)
{
	char pat[24];
	size_t n = (size_t)snprintf(pat, sizeof pat, "/%u HTTP/1.1", at + 1);

	for (size_t i = 0; i + n <= req->len; i++) {
		if (memcmp(req->data + i, pat, n) == 0) {
			req->data[i + 1] = (uint8_t)('0' + at);
			return;
		}
	}
}

static inline bool card_connect(card_run *c, const char *id, const m2m_buf *psk, tls_conn *t,
			 m2m_buf *req)
{
	c->connections++;
	if (!tls_open(m2m_scp81_server_port(c->f->srv), id, psk->data, psk->len, t)) {
		c->handshake_failed = true;
		return false;
	}
	m2m_buf_reset(req);
	return m2m_euicc_ota_scp81_first(c->r->c->e, &c->r->ota, req) == M2M_OK;
}

/* What the mode does after exchange number `exchanges`; false: stop. */
static inline bool card_after(card_run *c, const char *id, const m2m_buf *psk, tls_conn *t,
		       m2m_buf *req)
{
	char b;

	if (c->exchanges != c->at)
		return true;
	switch (c->mode) {
	case CARD_DROP:
		return false;
	case CARD_STALL:
		return read(c->release[0], &b, 1) == 1;
	case CARD_RECONNECT:
		tls_close(t);
		m2m_euicc_ota_scp81_abort(c->r->c->e, &c->r->ota);
		if (!m2m_euicc_ota_scp81_trigger(c->r->c->e, &c->r->ota, c->trigger.data,
						 c->trigger.len))
			return false;
		return card_connect(c, id, psk, t, req);
	default:
		return true;
	}
}

static inline void *card_main(void *arg)
{
	card_run *c = arg;
	m2m_buf id, psk, req;
	tls_conn t = {.fd = -1};

	m2m_buf_init(&id);
	m2m_buf_init(&psk);
	m2m_buf_init(&req);
	if (m2m_euicc_ota_scp81_psk(c->r->c->e, &c->r->ota, &id, &psk) != M2M_OK ||
	    m2m_buf_append_u8(&id, 0) != M2M_OK)
		goto out;
	if (!card_connect(c, (const char *)id.data, &psk, &t, &req))
		goto out;
	for (;;) {
		if (c->mode == CARD_WRONG_URI && c->exchanges == c->at + 1)
			rewrite_uri(&req, c->at);
		if (card_exchange(c, &t, &req) != M2M_OK)
			break;
		c->exchanges++;
		if (c->r->out.scp81_done) {
			c->done = true;
			break;
		}
		if (!card_after(c, (const char *)id.data, &psk, &t, &req))
			break;
	}
out:
	tls_close(&t);
	m2m_buf_free(&id);
	m2m_buf_free(&psk);
	m2m_buf_free(&req);
	if (write(c->f->note[1], "x", 1) != 1)
		snprintf(c->error, sizeof c->error, "cannot signal the loop");
	return NULL;
}

static inline card_run *card_start(fixture *f, rig *r, card_mode mode, unsigned at)
{
	card_run *c = calloc(1, sizeof *c);

	assert_non_null(c);
	c->f = f;
	c->r = r;
	c->mode = mode;
	c->at = at;
	m2m_buf_init(&c->trigger);
	fx_trigger_bytes(f, &c->trigger);
	for (size_t i = 0; i < MAX_ANSWERS; i++)
		m2m_buf_init(&c->answers[i]);
	assert_int_equal(pipe(c->release), 0);
	assert_int_equal(pthread_create(&c->th, NULL, card_main, c), 0);
	return c;
}

static inline void card_join(card_run *c)
{
	assert_int_equal(pthread_join(c->th, NULL), 0);
}

static inline void card_release(card_run *c)
{
	assert_int_equal(write(c->release[1], "go", 1), 1);
}

static inline void card_free(card_run *c)
{
	for (size_t i = 0; i < MAX_ANSWERS; i++)
		m2m_buf_free(&c->answers[i]);
	m2m_buf_free(&c->trigger);
	close(c->release[0]);
	close(c->release[1]);
	free(c);
}

/* The i-th raw answer parsed (its head must be complete). */
static inline void card_answer(const card_run *c, size_t i, m2m_scp81_response *rs)
{
	size_t hl = 0;

	assert_true(i < c->nanswers);
	assert_int_equal(m2m_scp81_response_parse(c->answers[i].data, c->answers[i].len, rs, &hl,
						  NULL),
			 M2M_OK);
}

static inline bool str_is(m2m_scp81_str s, const char *lit)
{
	return s.p != NULL && s.len == strlen(lit) && memcmp(s.p, lit, s.len) == 0;
}

/* Expanded script AE 80 {22 L apdu}... 00 00 from APDUs in hex. */
static inline void script_of(m2m_buf *out, const char *const *apdus, size_t n)
{
	m2m_script_builder sb;
	m2m_buf a;

	m2m_buf_init(&a);
	assert_int_equal(m2m_script_begin(&sb, out, true, M2M_CHAIN_NONE), M2M_OK);
	for (size_t i = 0; i < n; i++) {
		m2m_buf_reset(&a);
		hexbuf(apdus[i], &a);
		assert_int_equal(m2m_script_add_capdu(&sb, a.data, a.len), M2M_OK);
	}
	assert_int_equal(m2m_script_end(&sb), M2M_OK);
	m2m_buf_free(&a);
}

static inline uint64_t enqueue_hex(fixture *f, const m2m_scp81_aid *target,
				   const char *const *apdus, size_t n)
{
	m2m_buf s;
	uint64_t id = 0;

	m2m_buf_init(&s);
	script_of(&s, apdus, n);
	assert_int_equal(m2m_scp81_server_enqueue(f->srv, f->eid, target, s.data, s.len, fx_done,
						  f, &id),
			 M2M_OK);
	m2m_buf_free(&s);
	return id;
}

#endif
