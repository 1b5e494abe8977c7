/* SMPP sessions over real sockets on 127.0.0.1: our ESME against our SMSC, plus a raw
 * client for the framing and error paths. Every wait is bounded by a loop time-out. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

#include "core/log.h"
#include "net/smpp_esme.h"
#include "net/smpp_smsc.h"

#define WAIT_MS 3000

static const m2m_smpp_account accounts[] = {{"SMSR01", "secret"}, {"SMSR02", "other"}};
static const uint8_t scp80_ud[] = {0x02, 0x70, 0x00, 0x00, 0x13, 0x0D, 0x00, 0x00, 0x00, 0x00,
				   0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x80,
				   0xCA, 0x00, 0xCF, 0x00};
/* An unsecured PoR as an MO SMS-SUBMIT would carry it (UDH 02 71 00, sgp02-bearers.md 1.4). */
static const uint8_t por_ud[] = {0x02, 0x71, 0x00, 0x00, 0x0E, 0x0A, 0x00, 0x00, 0x01,
				 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x90, 0x00};

typedef struct {
	struct event_base *base;
	m2m_smpp_smsc *smsc;
	m2m_smpp_esme *esme;
	/* SMSC side */
	int smsc_binds, smsc_closes, submits, deliver_resps;
	uint32_t submit_status;     /* what on_submit returns */
	m2m_smpp_pdu last_submit;
	uint32_t deferred[16];
	int n_deferred;
	m2m_smpp_smsc_session *sess;
	/* ESME side */
	int binds, downs, submit_resps, delivers, receipts;
	uint32_t bind_status, resp_status;
	m2m_err resp_err, down_err;
	char resp_id[65];
	m2m_smpp_pdu last_deliver;
	m2m_smpp_receipt last_receipt;
	/* raw client */
	struct bufferevent *raw;
	struct evbuffer *raw_in;
	bool raw_eof;
} fixture;

static void loop_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(bool *)arg = true;
}

/* Runs the loop until *counter >= target or ms pass; returns whether the target was met. */
static bool wait_for(fixture *fx, const int *counter, int target, unsigned ms)
{
	bool expired = false;
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	struct event *t = evtimer_new(fx->base, loop_timeout, &expired);

	evtimer_add(t, &tv);
	while (*counter < target && !expired)
		event_base_loop(fx->base, EVLOOP_ONCE);
	event_free(t);
	return *counter >= target;
}

static void run_for(fixture *fx, unsigned ms)
{
	int never = 0;

	wait_for(fx, &never, 1, ms);
}

/* ------------------------------------------------------------------ SMSC callbacks */

static void smsc_bind(m2m_smpp_smsc_session *s, const char *id, void *arg)
{
	fixture *fx = arg;

	(void)id;
	fx->sess = s;
	fx->smsc_binds++;
}

static uint32_t smsc_submit(m2m_smpp_smsc_session *s, const m2m_smpp_pdu *sm, char id[65],
			    void *arg)
{
	fixture *fx = arg;

	(void)s;
	fx->submits++;
	fx->last_submit = *sm;
	if (fx->submit_status == M2M_SMPP_DEFER && fx->n_deferred < 16)
		fx->deferred[fx->n_deferred++] = sm->sequence;
	snprintf(id, 65, "MSG%d", fx->submits);
	return fx->submit_status;
}

static void smsc_deliver_resp(m2m_smpp_smsc_session *s, uint32_t seq, m2m_err err,
			      uint32_t status, void *arg)
{
	fixture *fx = arg;

	(void)s;
	(void)seq;
	if (err == M2M_OK && status == 0)
		fx->deliver_resps++;
}

static void smsc_close(m2m_smpp_smsc_session *s, void *arg)
{
	fixture *fx = arg;

	if (fx->sess == s)
		fx->sess = NULL;
	fx->smsc_closes++;
}

static const m2m_smpp_smsc_cbs smsc_cbs = {smsc_bind, smsc_submit, smsc_deliver_resp,
					   smsc_close};

/* ------------------------------------------------------------------ ESME callbacks */

static void esme_bind(m2m_smpp_esme *e, uint32_t status, void *arg)
{
	fixture *fx = arg;

	(void)e;
	fx->bind_status = status;
	fx->binds++;
}

static void esme_down(m2m_smpp_esme *e, m2m_err why, void *arg)
{
	fixture *fx = arg;

	(void)e;
	fx->down_err = why;
	fx->downs++;
}

static void esme_submit_resp(m2m_smpp_esme *e, void *ref, m2m_err err, uint32_t status,
			     const char *id, void *arg)
{
	fixture *fx = arg;

	(void)e;
	(void)ref;
	fx->resp_err = err;
	fx->resp_status = status;
	snprintf(fx->resp_id, sizeof fx->resp_id, "%s", id);
	fx->submit_resps++;
}

static uint32_t esme_deliver(m2m_smpp_esme *e, const m2m_smpp_pdu *dlv, void *arg)
{
	fixture *fx = arg;

	(void)e;
	fx->last_deliver = *dlv;
	fx->delivers++;
	return M2M_SMPP_ROK;
}

static void esme_receipt(m2m_smpp_esme *e, const m2m_smpp_receipt *r, const m2m_smpp_pdu *dlv,
			 void *arg)
{
	fixture *fx = arg;

	(void)e;
	(void)dlv;
	fx->last_receipt = *r;
	fx->receipts++;
}

static const m2m_smpp_esme_cbs esme_cbs = {esme_bind, esme_down, esme_submit_resp, esme_deliver,
					   esme_receipt};

/* ------------------------------------------------------------------ set-up */

static void start_smsc(fixture *fx, uint16_t port)
{
	m2m_smpp_smsc_cfg cfg = {
		.bind_addr = "127.0.0.1",
		.port = port,
		.accounts = accounts,
		.n_accounts = 2,
		.session = {.resp_timeout_ms = 1000},
	};

	fx->smsc = m2m_smpp_smsc_new(fx->base, &cfg, &smsc_cbs, fx);
	assert_non_null(fx->smsc);
}

static void start_esme(fixture *fx, const char *password, unsigned window, unsigned enquire_ms)
{
	m2m_smpp_esme_cfg cfg = {
		.host = "127.0.0.1",
		.port = m2m_smpp_smsc_port(fx->smsc),
		.system_id = "SMSR01",
		.password = password,
		.source = {1, 1, "4912345"},
		.receipts = true,
		.session = {.window = window, .resp_timeout_ms = 500, .enquire_ms = enquire_ms},
		.reconnect_min_ms = 50,
		.reconnect_max_ms = 200,
	};

	fx->esme = m2m_smpp_esme_new(fx->base, &cfg, &esme_cbs, fx);
	assert_non_null(fx->esme);
	assert_int_equal(m2m_smpp_esme_start(fx->esme), M2M_OK);
}

static int setup(void **state)
{
	fixture *fx = calloc(1, sizeof *fx);

	m2m_log_setup(M2M_LOG_WARN, M2M_LOG_PLAIN, stderr);
	fx->base = event_base_new();
	start_smsc(fx, 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;

	m2m_smpp_esme_free(fx->esme);
	m2m_smpp_smsc_free(fx->smsc);
	if (fx->raw)
		bufferevent_free(fx->raw);
	if (fx->raw_in)
		evbuffer_free(fx->raw_in);
	event_base_free(fx->base);
	free(fx);
	return 0;
}

static void bind_esme(fixture *fx, unsigned window)
{
	start_esme(fx, "secret", window, 0);
	assert_true(wait_for(fx, &fx->binds, 1, WAIT_MS));
	assert_int_equal(fx->bind_status, M2M_SMPP_ROK);
	assert_true(wait_for(fx, &fx->smsc_binds, 1, WAIT_MS));
	assert_true(m2m_smpp_esme_bound(fx->esme));
}

/* ------------------------------------------------------------------ tests */

static void test_submit_deliver_receipt_unbind(void **state)
{
	fixture *fx = *state;
	const m2m_smpp_addr dest = {1, 1, "4917012345678"};
	m2m_smpp_pdu *mo = calloc(1, sizeof *mo);
	m2m_smpp_pdu sm;

	bind_esme(fx, 10);
	assert_int_equal(m2m_smpp_smsc_bound_count(fx->smsc), 1);
	assert_ptr_equal(m2m_smpp_smsc_find(fx->smsc, "SMSR01"), fx->sess);

	/* MT: submit_sm reaches the SMSC with every SIM OTA field */
	assert_int_equal(m2m_smpp_esme_submit(fx->esme, &dest, scp80_ud, sizeof scp80_ud, true,
					      NULL, NULL), M2M_OK);
	assert_true(wait_for(fx, &fx->submit_resps, 1, WAIT_MS));
	assert_int_equal(fx->resp_err, M2M_OK);
	assert_int_equal(fx->resp_status, 0);
	assert_string_equal(fx->resp_id, "MSG1");
	sm = fx->last_submit;
	assert_int_equal(sm.esm_class, 0x40);
	assert_int_equal(sm.protocol_id, 0x7F);
	assert_int_equal(sm.data_coding, 0xF6);
	assert_int_equal(sm.registered_delivery, 1);
	assert_int_equal(sm.source.ton, 1);
	assert_string_equal(sm.source.addr, "4912345");
	assert_int_equal(sm.dest.npi, 1);
	assert_string_equal(sm.dest.addr, "4917012345678");
	assert_int_equal(sm.msg_len, sizeof scp80_ud);
	assert_memory_equal(sm.msg, scp80_ud, sizeof scp80_ud);

	/* MO: a PoR comes back as deliver_sm */
	m2m_smpp_pdu_init(mo, M2M_SMPP_DELIVER_SM, 0);
	mo->source = sm.dest;
	mo->dest = sm.source;
	mo->esm_class = M2M_SMPP_ESM_UDHI;
	mo->protocol_id = 0x7F;
	mo->data_coding = M2M_SMPP_DCS_8BIT;
	memcpy(mo->msg, por_ud, sizeof por_ud);
	mo->msg_len = sizeof por_ud;
	assert_int_equal(m2m_smpp_smsc_deliver(fx->sess, mo, NULL), M2M_OK);
	assert_true(wait_for(fx, &fx->delivers, 1, WAIT_MS));
	assert_int_equal(fx->last_deliver.esm_class, 0x40);
	assert_int_equal(fx->last_deliver.msg_len, sizeof por_ud);
	assert_memory_equal(fx->last_deliver.msg, por_ud, sizeof por_ud);
	assert_string_equal(fx->last_deliver.source.addr, "4917012345678");
	assert_true(wait_for(fx, &fx->deliver_resps, 1, WAIT_MS));

	/* delivery receipt for MSG1 */
	assert_int_equal(m2m_smpp_smsc_receipt(fx->sess, &sm, "MSG1", "DELIVRD", 0, NULL), M2M_OK);
	assert_true(wait_for(fx, &fx->receipts, 1, WAIT_MS));
	assert_int_equal(fx->delivers, 1); /* a receipt is not an MO */
	assert_string_equal(fx->last_receipt.id, "MSG1");
	assert_string_equal(fx->last_receipt.stat, "DELIVRD");
	assert_int_equal(fx->last_receipt.state, M2M_SMPP_STATE_DELIVERED);
	assert_int_equal(strlen(fx->last_receipt.done_date), 10);
	assert_true(wait_for(fx, &fx->deliver_resps, 2, WAIT_MS));

	/* unbind: both sides close, no reconnect */
	m2m_smpp_esme_stop(fx->esme);
	assert_true(wait_for(fx, &fx->downs, 1, WAIT_MS));
	assert_int_equal(fx->down_err, M2M_OK);
	assert_true(wait_for(fx, &fx->smsc_closes, 1, WAIT_MS));
	run_for(fx, 150);
	assert_int_equal(fx->binds, 1);
	assert_int_equal(m2m_smpp_smsc_bound_count(fx->smsc), 0);
	free(mo);
}

static void test_wrong_password(void **state)
{
	fixture *fx = *state;
	const m2m_smpp_addr dest = {1, 1, "1"};

	start_esme(fx, "wrong", 1, 0);
	assert_true(wait_for(fx, &fx->binds, 1, WAIT_MS));
	assert_int_equal(fx->bind_status, M2M_SMPP_RINVPASWD);
	assert_false(m2m_smpp_esme_bound(fx->esme));
	assert_int_equal(m2m_smpp_esme_submit(fx->esme, &dest, scp80_ud, 3, true, NULL, NULL),
			 M2M_ERR_STATE);
	assert_true(wait_for(fx, &fx->downs, 1, WAIT_MS));
	/* it retries with back-off and is refused again */
	assert_true(wait_for(fx, &fx->binds, 2, WAIT_MS));
	assert_int_equal(fx->bind_status, M2M_SMPP_RINVPASWD);
	assert_int_equal(fx->smsc_binds, 0);
	assert_int_equal(m2m_smpp_smsc_bound_count(fx->smsc), 0);
	m2m_smpp_esme_stop(fx->esme);
}

static void test_submit_refused_and_timeout(void **state)
{
	fixture *fx = *state;
	const m2m_smpp_addr dest = {1, 1, "4917012345678"};

	bind_esme(fx, 10);
	fx->submit_status = M2M_SMPP_RSUBMITFAIL; /* e.g. SIM toolkit busy */
	assert_int_equal(m2m_smpp_esme_submit(fx->esme, &dest, scp80_ud, sizeof scp80_ud, true,
					      NULL, NULL), M2M_OK);
	assert_true(wait_for(fx, &fx->submit_resps, 1, WAIT_MS));
	assert_int_equal(fx->resp_err, M2M_OK);
	assert_int_equal(fx->resp_status, M2M_SMPP_RSUBMITFAIL);
	/* never answered: the 500 ms response time-out fires */
	fx->submit_status = M2M_SMPP_DEFER;
	assert_int_equal(m2m_smpp_esme_submit(fx->esme, &dest, scp80_ud, sizeof scp80_ud, true,
					      NULL, NULL), M2M_OK);
	assert_true(wait_for(fx, &fx->submit_resps, 2, WAIT_MS));
	assert_int_equal(fx->resp_err, M2M_ERR_IO);
	assert_int_equal(m2m_smpp_conn_outstanding(m2m_smpp_esme_conn(fx->esme)), 0);
}

static void test_window(void **state)
{
	fixture *fx = *state;
	const m2m_smpp_addr dest = {1, 1, "4917012345678"};
	m2m_smpp_conn *c;

	bind_esme(fx, 2);
	fx->submit_status = M2M_SMPP_DEFER;
	for (int i = 0; i < 5; i++)
		assert_int_equal(m2m_smpp_esme_submit(fx->esme, &dest, scp80_ud, sizeof scp80_ud,
						      true, NULL, NULL), M2M_OK);
	c = m2m_smpp_esme_conn(fx->esme);
	assert_int_equal(m2m_smpp_conn_outstanding(c), 2);
	assert_int_equal(m2m_smpp_conn_queued(c), 3);
	assert_true(wait_for(fx, &fx->submits, 2, WAIT_MS));
	run_for(fx, 150);
	assert_int_equal(fx->submits, 2); /* the window holds */
	/* each answer lets exactly one more through */
	assert_int_equal(m2m_smpp_smsc_respond(fx->sess, fx->deferred[0], 0, "A"), M2M_OK);
	assert_true(wait_for(fx, &fx->submits, 3, WAIT_MS));
	run_for(fx, 100);
	assert_int_equal(fx->submits, 3);
	assert_int_equal(fx->submit_resps, 1);
	for (int i = 1; i < 5; i++) {
		assert_int_equal(m2m_smpp_smsc_respond(fx->sess, fx->deferred[i], 0, "B"), M2M_OK);
		if (i + 3 <= 5)
			assert_true(wait_for(fx, &fx->submits, i + 3, WAIT_MS));
	}
	assert_true(wait_for(fx, &fx->submit_resps, 5, WAIT_MS));
	assert_int_equal(fx->n_deferred, 5);
	assert_int_equal(m2m_smpp_conn_queued(c), 0);
}

static void test_enquire_link_keepalive(void **state)
{
	fixture *fx = *state;

	/* the ESME pings every 50 ms; the SMSC must answer or the ESME drops the session */
	start_esme(fx, "secret", 1, 50);
	assert_true(wait_for(fx, &fx->binds, 1, WAIT_MS));
	run_for(fx, 700);
	assert_true(m2m_smpp_esme_bound(fx->esme));
	assert_int_equal(fx->downs, 0);
}

/* ------------------------------------------------------------------ raw client */

static void raw_read(struct bufferevent *bev, void *arg)
{
	fixture *fx = arg;

	evbuffer_add_buffer(fx->raw_in, bufferevent_get_input(bev));
}

static void raw_event(struct bufferevent *bev, short what, void *arg)
{
	fixture *fx = arg;

	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		fx->raw_eof = true;
}

static void raw_connect(fixture *fx)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(m2m_smpp_smsc_port(fx->smsc));
	sin.sin_addr.s_addr = htonl(0x7F000001);
	fx->raw_in = evbuffer_new();
	fx->raw = bufferevent_socket_new(fx->base, -1, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(fx->raw, raw_read, NULL, raw_event, fx);
	bufferevent_enable(fx->raw, EV_READ | EV_WRITE);
	assert_int_equal(bufferevent_socket_connect(fx->raw, (struct sockaddr *)&sin, sizeof sin), 0);
}

/* Waits for one 16-octet header from the server and checks it. */
static void raw_expect(fixture *fx, uint32_t id, uint32_t status, uint32_t seq)
{
	uint8_t h[16];
	uint32_t len, rid, rstatus, rseq;
	int have = 0;

	for (int i = 0; i < 50 && have < 16; i++) {
		run_for(fx, 20);
		have = (int)evbuffer_get_length(fx->raw_in);
	}
	assert_true(have >= 16);
	evbuffer_copyout(fx->raw_in, h, sizeof h);
	assert_int_equal(m2m_smpp_header_peek(h, 16, &len, &rid, &rstatus, &rseq), M2M_OK);
	assert_int_equal(rid, id);
	assert_int_equal(rstatus, status);
	assert_int_equal(rseq, seq);
	assert_true(len >= 16 && evbuffer_get_length(fx->raw_in) >= len);
	evbuffer_drain(fx->raw_in, len);
}

static void test_raw_enquire_and_malformed(void **state)
{
	fixture *fx = *state;
	static const uint8_t enquire[] = {0, 0, 0, 0x10, 0, 0, 0, 0x15, 0, 0, 0, 0, 0, 0, 0, 5};
	/* bind_transceiver whose system_id has no NUL within 16 octets */
	static const uint8_t bad_bind[] = {0, 0, 0, 0x23, 0, 0, 0, 0x09, 0, 0, 0, 0, 0, 0, 0, 6,
					   'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A',
					   'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 0};
	static const uint8_t query_sm[] = {0, 0, 0, 0x10, 0, 0, 0, 0x03, 0, 0, 0, 0, 0, 0, 0, 7};
	static const uint8_t submit_unbound[] = {0, 0, 0, 0x23, 0, 0, 0, 0x04, 0, 0, 0, 0, 0, 0, 0, 8,
						 0, 1, 1, '1', 0, 1, 1, '2', 0, 0x40, 0x7F, 0,
						 0, 0, 0, 0, 0xF6, 0, 0};

	raw_connect(fx);
	bufferevent_write(fx->raw, enquire, sizeof enquire);
	raw_expect(fx, M2M_SMPP_ENQUIRE_LINK_RESP, 0, 5);
	bufferevent_write(fx->raw, bad_bind, sizeof bad_bind);
	raw_expect(fx, M2M_SMPP_GENERIC_NACK, M2M_SMPP_RINVCMDLEN, 6);
	bufferevent_write(fx->raw, query_sm, sizeof query_sm);
	raw_expect(fx, M2M_SMPP_GENERIC_NACK, M2M_SMPP_RINVCMDID, 7);
	bufferevent_write(fx->raw, submit_unbound, sizeof submit_unbound);
	raw_expect(fx, M2M_SMPP_SUBMIT_SM_RESP, M2M_SMPP_RINVBNDSTS, 8);
	assert_false(fx->raw_eof); /* errors above keep the session */
}

static void test_raw_oversize_dropped(void **state)
{
	fixture *fx = *state;
	/* command_length 1 MiB: beyond the 64 KiB bound, the server must hang up */
	static const uint8_t huge[] = {0, 0x10, 0, 0, 0, 0, 0, 0x04, 0, 0, 0, 0, 0, 0, 0, 1};
	int eof = 0;

	raw_connect(fx);
	bufferevent_write(fx->raw, huge, sizeof huge);
	for (int i = 0; i < 100 && !fx->raw_eof; i++)
		run_for(fx, 20);
	eof = fx->raw_eof;
	assert_true(eof);
	assert_true(wait_for(fx, &fx->smsc_closes, 1, WAIT_MS));
}

static void test_reconnect_after_smsc_restart(void **state)
{
	fixture *fx = *state;
	uint16_t port;

	bind_esme(fx, 1);
	port = m2m_smpp_smsc_port(fx->smsc);
	m2m_smpp_smsc_free(fx->smsc);
	fx->smsc = NULL;
	assert_true(wait_for(fx, &fx->downs, 1, WAIT_MS));
	assert_int_equal(fx->down_err, M2M_ERR_IO);
	run_for(fx, 120); /* a refused attempt or two while the SMSC is down */
	start_smsc(fx, port);
	assert_true(wait_for(fx, &fx->binds, 2, WAIT_MS));
	assert_int_equal(fx->bind_status, 0);
	assert_true(m2m_smpp_esme_bound(fx->esme));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_submit_deliver_receipt_unbind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_password, setup, teardown),
		cmocka_unit_test_setup_teardown(test_submit_refused_and_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enquire_link_keepalive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_enquire_and_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_oversize_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconnect_after_smsc_restart, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
