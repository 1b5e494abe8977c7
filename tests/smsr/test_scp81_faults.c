/* SCP81 admin server under faults, on 127.0.0.1 with real TLS-PSK: wrong PSK, unknown
 * identity, bad HTTP, header spellings of real cards, a session dropped mid-way, a card that
 * reconnects, step and session time-outs, a response for the wrong command, a malformed
 * response. Time-outs are a few hundred ms; the tests wait for events, never for time. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <strings.h>

#include "core/log.h"
#include "net/http_client.h"
#include "test_scp81_fixture.h"

#define GET_EID "80CA005A00"
#define EID_RESPONSE "af80800101" "2314" "5a10" EID_HEX "9000" "0000"
#define PROTO "X-Admin-Protocol: globalplatform-remote-admin/1.0\r\n"
#define FROM                                                                              \
	"X-Admin-From: //se-id/eid/" EID_HEX ";//aa-id/aid/A000000559/1010FFFFFFFF8900000100\r\n"
#define MAX_STEPS 16

static const char *const get_eid[] = {GET_EID};

/* ---- a raw HTTPS client thread: requests as written, answers as received ---- */

typedef struct {
	const char *req; /* "$NEXT" stands for the last answer's X-Admin-Next-URI */
	bool same_conn;  /* reuse the previous step's connection */
	size_t len;      /* 0: strlen(req); else the bytes, NULs included */
} raw_step;

typedef struct {
	fixture *f;
	char identity[M2M_SCP81_PSK_ID_HEX_MAX + 1];
	uint8_t key[16];
	const raw_step *steps;
	size_t n;
	unsigned status[MAX_STEPS];
	char text[MAX_STEPS][512]; /* head and body, truncated */
	char next[128];
	bool handshake_failed;
	pthread_t th;
} raw_run;

/* Where needle starts in p[0..n), case-insensitively; NULL if nowhere. */
static const char *ci_find(const char *p, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; i + k <= n; i++)
		if (strncasecmp(p + i, needle, k) == 0)
			return p + i;
	return NULL;
}

/* The answer is complete: by Content-Length, by the chunked end, or a 204. */
static bool answer_complete(const m2m_buf *in)
{
	char head[4096];
	const char *end, *cl;
	size_t h;

	end = ci_find((const char *)in->data, in->len, "\r\n\r\n");
	if (end == NULL)
		return false;
	h = (size_t)(end - (const char *)in->data) + 4;
	if (h >= sizeof head)
		return true;
	for (size_t i = 0; i < h; i++)
		head[i] = (char)tolower(in->data[i]);
	head[h] = '\0';
	if (strncmp(head + 8, " 204", 4) == 0)
		return true;
	if ((cl = strstr(head, "content-length:")) != NULL)
		return in->len >= h + strtoul(cl + 15, NULL, 10);
	if (strstr(head, "transfer-encoding: chunked") != NULL)
		return in->len >= h + 5 && memcmp(in->data + in->len - 5, "0\r\n\r\n", 5) == 0;
	return false; /* until the server closes */
}

static void raw_record(raw_run *w, size_t i, const m2m_buf *in)
{
	size_t n = in->len < sizeof w->text[i] - 1 ? in->len : sizeof w->text[i] - 1;
	const char *p;

	memcpy(w->text[i], in->data, n);
	w->text[i][n] = '\0';
	if (sscanf(w->text[i], "HTTP/1.1 %u", &w->status[i]) != 1)
		w->status[i] = 0;
	p = ci_find(w->text[i], n, "X-Admin-Next-URI:");
	if (p != NULL && sscanf(p + 17, " %127[^\r]", w->next) != 1)
		w->next[0] = '\0';
}

/* The request with $NEXT replaced. */
static void raw_request(const raw_run *w, const raw_step *st, m2m_buf *out)
{
	size_t n = st->len != 0 ? st->len : strlen(st->req);
	const char *p = ci_find(st->req, n, "$NEXT");

	m2m_buf_reset(out);
	if (p == NULL) {
		(void)m2m_buf_append(out, st->req, n);
		return;
	}
	(void)m2m_buf_append(out, st->req, (size_t)(p - st->req));
	(void)m2m_buf_append(out, w->next, strlen(w->next));
	(void)m2m_buf_append(out, p + 5, n - (size_t)(p - st->req) - 5);
}

static void *raw_main(void *arg)
{
	raw_run *w = arg;
	tls_conn t = {.fd = -1};
	m2m_buf req, in;
	uint8_t tmp[4096];

	m2m_buf_init(&req);
	m2m_buf_init(&in);
	for (size_t i = 0; i < w->n; i++) {
		if (!w->steps[i].same_conn || t.ssl == NULL) {
			tls_close(&t);
			if (!tls_open(m2m_scp81_server_port(w->f->srv), w->identity, w->key,
				      sizeof w->key, &t)) {
				w->handshake_failed = true;
				break;
			}
		}
		raw_request(w, &w->steps[i], &req);
		m2m_buf_reset(&in);
		if (!tls_write_all(&t, req.data, req.len))
			continue;
		while (!answer_complete(&in)) {
			int n = SSL_read(t.ssl, tmp, sizeof tmp);
			if (n <= 0)
				break;
			(void)m2m_buf_append(&in, tmp, (size_t)n);
		}
		raw_record(w, i, &in);
	}
	tls_close(&t);
	m2m_buf_free(&req);
	m2m_buf_free(&in);
	if (write(w->f->note[1], "x", 1) != 1)
		w->handshake_failed = true;
	return NULL;
}

/* Runs the steps with the fixture card's identity (PSK set 41 key 01) to completion. */
static raw_run *raw_go(fixture *f, const raw_step *steps, size_t n)
{
	raw_run *w = calloc(1, sizeof *w);
	m2m_scp81_psk_id id;
	m2m_buf b;

	assert_non_null(w);
	assert_true(n <= MAX_STEPS);
	memset(&id, 0, sizeof id);
	memcpy(id.eid, f->eid, 16);
	assert_int_equal(m2m_hex_decode_exact(AID_ISDR, id.isdr.b, 16), M2M_OK);
	id.isdr.len = 16;
	id.key_id = 0x01;
	id.kvn = 0x41;
	m2m_buf_init(&b);
	assert_int_equal(m2m_scp81_psk_id_build_hex(&id, &b), M2M_OK);
	memcpy(w->identity, b.data, b.len);
	memset(w->key, 0x41, sizeof w->key);
	w->f = f;
	w->steps = steps;
	w->n = n;
	assert_int_equal(pthread_create(&w->th, NULL, raw_main, w), 0);
	run_until(f, 0, f->cards_done + 1, 0);
	assert_int_equal(pthread_join(w->th, NULL), 0);
	m2m_buf_free(&b);
	return w;
}

static void check_step(const raw_run *w, size_t i, unsigned status, const char *text)
{
	if (w->status[i] != status || (text != NULL && strstr(w->text[i], text) == NULL))
		print_message("step %zu: %s\n", i, w->text[i]);
	assert_int_equal(w->status[i], status);
	if (text != NULL)
		assert_non_null(strstr(w->text[i], text));
}

/* ---- TLS refusals ---- */

static void test_wrong_psk(void **state)
{
	fixture *f = fx_server(NULL);
	rig *r = rig_new();
	card_run *c;

	(void)state;
	f->psk = PSK_WRONG_KEY;
	enqueue_hex(f, NULL, get_eid, 1);
	fx_send_trigger(f, r, 6);
	c = card_start(f, r, CARD_NORMAL, 0);
	run_until(f, 0, 1, 0);
	card_join(c);
	assert_true(c->handshake_failed);
	assert_int_equal(c->exchanges, 0);
	assert_int_equal(f->lookups, 1);
	assert_int_equal(f->resolves, 0); /* no request reached the handler */
	assert_int_equal(f->ndone, 0);
	assert_int_equal(m2m_scp81_server_pending(f->srv, f->eid), 1);
	/* The SM-SR gives up on this eUICC (e.g. over SMS instead). */
	m2m_scp81_server_abort(f->srv, f->eid, "moved to the SMS bearer");
	assert_int_equal(f->ndone, 1);
	assert_int_equal(f->done[0].result, M2M_SCP81_CMD_CANCELLED);
	assert_false(f->done[0].sent);
	assert_string_equal(f->done[0].reason, "moved to the SMS bearer");
	assert_int_equal(m2m_scp81_server_pending(f->srv, f->eid), 0);
	card_free(c);
	rig_free(r);
	fx_server_free(f);
}

typedef struct {
	fixture *f;
	m2m_err err;
	char msg[256];
} curl_run;

/* net/http_client as the peer: an identity the store does not know. */
static void *curl_main(void *arg)
{
	curl_run *u = arg;
	static const uint8_t key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	m2m_tls_psk_client_opts psk = {.identity = "DEADBEEF", .key = key, .key_len = sizeof key};
	m2m_http_client_opts o = {.psk = &psk, .timeout_ms = 10000};
	m2m_http_client *cl = NULL;
	m2m_http_client_response resp;
	char url[64];

	snprintf(url, sizeof url, "https://127.0.0.1:%u/admin",
		 (unsigned)m2m_scp81_server_port(u->f->srv));
	m2m_http_client_request rq = {.method = "POST", .url = url};
	memset(&resp, 0, sizeof resp);
	u->err = m2m_http_client_new(&o, &cl);
	if (u->err == M2M_OK) {
		u->err = m2m_http_client_send(cl, &rq, &resp);
		snprintf(u->msg, sizeof u->msg, "%s", m2m_http_client_error(cl));
		m2m_http_client_response_free(&resp);
	}
	m2m_http_client_free(cl);
	if (write(u->f->note[1], "x", 1) != 1)
		u->err = M2M_ERR_STATE;
	return NULL;
}

static void test_unknown_identity(void **state)
{
	fixture *f = fx_server(NULL);
	rig *r = rig_new();
	curl_run u = {.f = f, .err = M2M_OK};
	pthread_t th;
	card_run *c;

	(void)state;
	/* The card's SGP.02 identity, unknown to the store. */
	f->psk = PSK_UNKNOWN;
	enqueue_hex(f, NULL, get_eid, 1);
	fx_send_trigger(f, r, 6);
	c = card_start(f, r, CARD_NORMAL, 0);
	run_until(f, 0, 1, 0);
	card_join(c);
	assert_true(c->handshake_failed);
	assert_int_equal(f->lookups, 1);
	/* An identity in no known format, through libcurl. */
	assert_int_equal(pthread_create(&th, NULL, curl_main, &u), 0);
	run_until(f, 0, 2, 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(u.err, M2M_ERR_IO);
	assert_true(strlen(u.msg) > 0);
	assert_int_equal(f->lookups, 2);
	assert_int_equal(f->resolves, 0);
	assert_int_equal(f->ndone, 0);
	card_free(c);
	rig_free(r);
	fx_server_free(f); /* the queued command completes as CANCELLED */
}

/* ---- bad HTTP: 4xx, the server goes on ---- */

static void test_bad_requests(void **state)
{
	m2m_scp81_server_opts o = {.max_body = 1024};
	static char big[2400];
	const raw_step steps[] = {
		{"GARBAGE\r\n\r\n", false, 0},
		{"GET /admin HTTP/1.1\r\nHost: a\r\n" PROTO "\r\n", false, 0},
		{"POST /admin HTTP/1.1\r\nHost: a\r\n" FROM "\r\n", false, 0},
		{"POST /admin HTTP/1.1\r\nHost: a\r\nX-Admin-Protocol: "
		 "globalplatform-remote-admin/2.0\r\n\r\n", true, 0},
		{"POST /admin HTTP/1.1\r\nHost: a\r\n" PROTO PROTO "\r\n", true, 0},
		{"POST /admin HTTP/1.1\r\nHost: a\r\n" PROTO "X-Admin-From: //se-id/eid/"
		 "89049032000000000000000000000001;//aa-id/aid/A000000559/1010FFFFFFFF8900000100"
		 "\r\n\r\n", true, 0},
		{"POST /admin HTTP/1.1\r\nHost: a\r\n" PROTO
		 "X-Admin-From: //se-id/eid/XYZ\r\n\r\n",
		 true, 0},
		{"POST /admin HTTP/1.1\r\nHost: a\r\n" PROTO FROM "Content-Length: 3\r\n\r\nabc",
		 true, 0},
		{"POST /scp81/0000000000000000/1 HTTP/1.1\r\nHost: a\r\n" PROTO FROM
		 "X-Admin-Script-Status: ok\r\nContent-Length: 0\r\n\r\n", true, 0},
		{"POST /elsewhere HTTP/1.1\r\nHost: a\r\n" PROTO FROM
		 "X-Admin-Script-Status: ok\r\nContent-Length: 0\r\n\r\n", true, 0},
		{big, true, 0},
	};
	fixture *f;
	rig *r = rig_new();
	raw_run *w;
	card_run *c;
	int n;

	(void)state;
	n = snprintf(big, sizeof big, "POST /admin HTTP/1.1\r\nHost: a\r\n" PROTO FROM
		     "Content-Length: 2000\r\n\r\n");
	assert_true(n > 0 && (size_t)n + 2001 <= sizeof big);
	memset(big + n, 'A', 2000);
	big[n + 2000] = '\0';
	f = fx_server(&o);
	w = raw_go(f, steps, sizeof steps / sizeof steps[0]);
	assert_false(w->handshake_failed);
	check_step(w, 0, 400, NULL); /* evhttp's own parser */
	check_step(w, 1, 405, "only POSTs");
	check_step(w, 2, 400, "no X-Admin-Protocol");
	check_step(w, 3, 400, "is not globalplatform-remote-admin/1.0");
	check_step(w, 4, 400, "X-Admin-Protocol given twice");
	check_step(w, 5, 400, "another eUICC");
	check_step(w, 6, 400, "not 32 hex digits");
	check_step(w, 7, 400, "has no body");
	check_step(w, 8, 400, "no open SCP81 session");
	check_step(w, 9, 400, "no open SCP81 session");
	check_step(w, 10, 413, NULL);
	assert_int_equal(f->triggers, 0);
	free(w);
	/* Still serving: a whole session afterwards. */
	enqueue_hex(f, NULL, get_eid, 1);
	fx_send_trigger(f, r, 6);
	c = card_start(f, r, CARD_NORMAL, 0);
	run_until(f, 1, f->cards_done + 1, 0);
	card_join(c);
	assert_true(c->done);
	assert_string_equal(f->done[0].response, EID_RESPONSE);
	card_free(c);
	rig_free(r);
	fx_server_free(f);
}

/* The whty card tool's spelling (sgp02-bearers 3.1, 3.3): lower case, no space after the
 * colon, trailing spaces, "aaid", a bare-ICCID X-Admin-From, and unknown-application with
 * neither Content-Type nor body. */
#define WHTY_OK                                                                           \
	"POST $NEXT HTTP/1.1\r\nhost: 10.8.40.125\r\n"                                    \
	"content-type: application/vnd.globalplatform.card-content-mgt-response; "         \
	"version=1.0\r\ntransfer-encoding: chunked\r\n"                                    \
	"x-admin-protocol: globalplatform-remote-admin/1.0\r\n"                             \
	"x-admin-from: 8952020012540153470F\r\nx-admin-script-status: ok\r\n\r\n"         \
	"B\r\n\xAF\x80\x80\x01\x01\x23\x02\x90\x00\x00\x00\r\n0\r\n\r\n"

static void test_whty_spelling(void **state)
{
	const raw_step steps[] = {
		{"POST /polling HTTP/1.1\r\nhost: 10.8.40.125\r\n"
		 "x-admin-protocol:globalplatform-remote-admin/1.0 \r\n"
		 "x-admin-from: //se-id/eid/" EID_HEX
		 ";//aaid/aid/A000000559/1010FFFFFFFF8900000100\r\n\r\n", false, 0},
		{WHTY_OK, true, sizeof WHTY_OK - 1},
		{"POST $NEXT HTTP/1.1\r\nhost: 10.8.40.125\r\n"
		 "x-admin-protocol: globalplatform-remote-admin/1.0\r\n"
		 "x-admin-from: //se-id/eid/" EID_HEX "\r\n"
		 "x-admin-script-status: unknown-application\r\n"
		 "transfer-encoding: chunked\r\n\r\n0\r\n\r\n", true, 0},
	};
	fixture *f = fx_server(NULL);
	const char *apdus[] = {GET_EID};
	raw_run *w;

	(void)state;
	enqueue_hex(f, NULL, apdus, 1);
	enqueue_hex(f, NULL, apdus, 1);
	w = raw_go(f, steps, 3);
	check_step(w, 0, 200, "X-Admin-Next-URI: /scp81/");
	check_step(w, 1, 200, "/2");
	check_step(w, 2, 204, "X-Admin-Protocol: globalplatform-remote-admin/1.0");
	assert_int_equal(f->ndone, 2);
	assert_int_equal(f->done[0].result, M2M_SCP81_CMD_ANSWERED);
	assert_string_equal(f->done[0].response, "af80800101230290000000");
	assert_int_equal(f->done[1].result, M2M_SCP81_CMD_ANSWERED);
	assert_int_equal(f->done[1].status, M2M_SCP81_SS_UNKNOWN_APPLICATION);
	assert_string_equal(f->done[1].response, "");
	free(w);
	fx_server_free(f);
}

/* A response whose headers are wrong fails the script in flight; the rest is re-triggered. */
static void test_malformed_response(void **state)
{
	const raw_step steps[] = {
		{"POST /admin HTTP/1.1\r\nHost: a\r\n" PROTO FROM "\r\n", false, 0},
		{"POST $NEXT HTTP/1.1\r\nHost: a\r\n" PROTO FROM
		 "X-Admin-Script-Status: maybe\r\nContent-Length: 0\r\n\r\n", true, 0},
		{"POST /admin HTTP/1.1\r\nHost: a\r\n" PROTO FROM "\r\n", true, 0},
		{"POST $NEXT HTTP/1.1\r\nHost: a\r\n" PROTO FROM
		 "X-Admin-Script-Status: ok\r\nContent-Type: text/plain\r\n"
		 "Content-Length: 0\r\n\r\n", true, 0},
	};
	fixture *f = fx_server(NULL);
	raw_run *w;

	(void)state;
	enqueue_hex(f, NULL, get_eid, 1);
	enqueue_hex(f, NULL, get_eid, 1);
	w = raw_go(f, steps, 4);
	check_step(w, 0, 200, NULL);
	check_step(w, 1, 400, "unknown X-Admin-Script-Status value");
	check_step(w, 2, 200, NULL);
	check_step(w, 3, 400, "card-content-mgt-response");
	assert_int_equal(f->ndone, 2);
	assert_int_equal(f->done[0].result, M2M_SCP81_CMD_FAILED);
	assert_true(f->done[0].sent);
	assert_non_null(strstr(f->done[0].reason, "malformed response to script #1"));
	assert_non_null(strstr(f->done[1].reason, "Content-Type"));
	assert_int_equal(f->triggers, 2); /* the second script needed a new session */
	free(w);
	fx_server_free(f);
}

/* ---- sessions that break ---- */

/* The card takes script #1 and disappears: the step time-out fails #1 (sent: it may have
 * run), #2 is re-triggered and runs in the next session. Nothing has to finish within the
 * time-out, so load cannot change the outcome. */
static void test_dropped_midway(void **state)
{
	m2m_scp81_server_opts o = {.step_timeout_ms = 300};
	fixture *f = fx_server(&o);
	rig *r = rig_new();
	card_run *c;

	(void)state;
	enqueue_hex(f, NULL, get_eid, 1);
	enqueue_hex(f, NULL, get_eid, 1);
	fx_send_trigger(f, r, 6);
	c = card_start(f, r, CARD_DROP, 1);
	run_until(f, 1, 1, 2);
	card_join(c);
	assert_false(c->done);
	assert_int_equal(c->exchanges, 1);
	assert_int_equal(f->done[0].result, M2M_SCP81_CMD_FAILED);
	assert_true(f->done[0].sent);
	assert_non_null(strstr(f->done[0].reason, "no response to script #1 within 300 ms"));
	assert_non_null(strstr(f->done[0].reason, "session lost"));
	assert_int_equal(f->triggers, 2);
	assert_int_equal(f->last_attempt, 2); /* no answer yet: the count goes on */
	assert_int_equal(m2m_scp81_server_pending(f->srv, f->eid), 1);
	assert_false(m2m_scp81_server_in_session(f->srv, f->eid));
	card_free(c);
	/* The new trigger: #2 runs, 204. */
	fx_send_trigger(f, r, 7);
	c = card_start(f, r, CARD_NORMAL, 0);
	run_until(f, 2, 2, 0);
	card_join(c);
	assert_true(c->done);
	assert_int_equal(f->done[1].result, M2M_SCP81_CMD_ANSWERED);
	assert_string_equal(f->done[1].response, EID_RESPONSE);
	assert_int_equal(m2m_scp81_server_pending(f->srv, f->eid), 0);
	card_free(c);
	rig_free(r);
	fx_server_free(f);
}

/* The card loses script #1's connection and opens a new session at once: #1 fails (it may
 * have run), #2 goes out in the new session; no re-trigger. */
static void test_reconnect(void **state)
{
	fixture *f = fx_server(NULL);
	rig *r = rig_new();
	card_run *c;

	(void)state;
	enqueue_hex(f, NULL, get_eid, 1);
	enqueue_hex(f, NULL, get_eid, 1);
	fx_send_trigger(f, r, 6);
	c = card_start(f, r, CARD_RECONNECT, 1);
	run_until(f, 2, 1, 0);
	card_join(c);
	assert_true(c->done);
	assert_int_equal(c->connections, 2);
	assert_int_equal(f->done[0].result, M2M_SCP81_CMD_FAILED);
	assert_true(f->done[0].sent);
	assert_non_null(strstr(f->done[0].reason, "new session before answering script #1"));
	assert_int_equal(f->done[1].result, M2M_SCP81_CMD_ANSWERED);
	assert_int_equal(f->triggers, 1);
	card_free(c);
	rig_free(r);
	fx_server_free(f);
}

/* The card sits on script #1: the time-out fails it; the late answer gets 400. */
static void stalled(const m2m_scp81_server_opts *o, const char *reason)
{
	fixture *f = fx_server(o);
	rig *r = rig_new();
	card_run *c;

	enqueue_hex(f, NULL, get_eid, 1);
	fx_send_trigger(f, r, 6);
	c = card_start(f, r, CARD_STALL, 1);
	run_until(f, 1, 0, 0);
	assert_int_equal(f->done[0].result, M2M_SCP81_CMD_FAILED);
	assert_non_null(strstr(f->done[0].reason, reason));
	assert_false(m2m_scp81_server_in_session(f->srv, f->eid));
	card_release(c);
	run_until(f, 1, 1, 0);
	card_join(c);
	assert_true(c->done);
	assert_int_equal(c->last_status, 400);
	assert_int_equal(f->ndone, 1);
	assert_int_equal(f->triggers, 1); /* nothing left: no new trigger */
	card_free(c);
	rig_free(r);
	fx_server_free(f);
}

static void test_step_timeout(void **state)
{
	m2m_scp81_server_opts o = {.step_timeout_ms = 250};

	(void)state;
	stalled(&o, "no response to script #1 within 250 ms");
}

static void test_session_timeout(void **state)
{
	m2m_scp81_server_opts o = {.session_timeout_ms = 250};

	(void)state;
	stalled(&o, "session time-out: still open after 250 ms");
}

/* The answer to script #2 comes on script #1's URI: #2 fails, #3 is re-triggered, and the
 * attempt count starts again because the card did answer #1. */
static void test_wrong_command(void **state)
{
	fixture *f = fx_server(NULL);
	rig *r = rig_new();
	card_run *c;

	(void)state;
	for (int i = 0; i < 3; i++)
		enqueue_hex(f, NULL, get_eid, 1);
	fx_send_trigger(f, r, 6);
	c = card_start(f, r, CARD_WRONG_URI, 1);
	run_until(f, 2, 1, 0);
	card_join(c);
	assert_int_equal(f->done[0].result, M2M_SCP81_CMD_ANSWERED);
	assert_int_equal(f->done[1].result, M2M_SCP81_CMD_FAILED);
	assert_string_equal(f->done[1].reason,
			    "response for the wrong command: POST for script #1 while #2 is in "
			    "flight");
	assert_true(c->done);
	assert_int_equal(c->last_status, 400);
	assert_int_equal(f->triggers, 2);
	assert_int_equal(f->last_attempt, 1);
	assert_int_equal(m2m_scp81_server_pending(f->srv, f->eid), 1);
	card_free(c);
	rig_free(r);
	fx_server_free(f); /* #3 completes as CANCELLED */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrong_psk),
		cmocka_unit_test(test_unknown_identity),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_whty_spelling),
		cmocka_unit_test(test_malformed_response),
		cmocka_unit_test(test_dropped_midway),
		cmocka_unit_test(test_reconnect),
		cmocka_unit_test(test_step_timeout),
		cmocka_unit_test(test_session_timeout),
		cmocka_unit_test(test_wrong_command),
	};
	int rc;

	m2m_log_setup(M2M_LOG_OFF, M2M_LOG_PLAIN, stderr);
	if (m2m_http_global_init() != M2M_OK)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	m2m_http_global_cleanup();
	return rc;
}
