/* The SCP81 server's queue without a card: trigger and re-trigger, giving up after the
 * retries, cancel, abort, limits, re-entrant callbacks, shutdown, bad options. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "net/http_server.h"
#include "core/log.h"
#include "test_scp81_fixture.h"

static const uint8_t script[] = {0xAE, 0x80, 0x22, 0x05, 0x80, 0xCA, 0x00, 0x5A, 0x00, 0x00, 0x00};

static uint64_t put(fixture *f, const uint8_t eid[16])
{
	uint64_t id = 0;

	assert_int_equal(m2m_scp81_server_enqueue(f->srv, eid, NULL, script, sizeof script,
						  fx_done, f, &id),
			 M2M_OK);
	return id;
}

/* No card ever connects: trigger, re-trigger once, then the command fails. */
static void test_trigger_retries(void **state)
{
	m2m_scp81_server_opts o = {.trigger_timeout_ms = 100, .trigger_retries = 1};
	fixture *f = fx_server(&o);
	uint64_t id;

	(void)state;
	id = put(f, f->eid);
	assert_int_equal(f->triggers, 1);
	assert_int_equal(f->last_attempt, 1);
	run_until(f, 0, 0, 2);
	assert_int_equal(f->last_attempt, 2);
	assert_int_equal(f->ndone, 0);
	run_until(f, 1, 0, 0);
	assert_int_equal(f->triggers, 2);
	assert_int_equal(f->done[0].id, id);
	assert_int_equal(f->done[0].result, M2M_SCP81_CMD_FAILED);
	assert_false(f->done[0].sent);
	assert_string_equal(f->done[0].reason,
			    "no SCP81 session: the eUICC did not connect after 2 trigger(s) "
			    "(100 ms each)");
	assert_int_equal(m2m_scp81_server_pending(f->srv, f->eid), 0);
	/* A new command starts again at attempt 1. */
	put(f, f->eid);
	assert_int_equal(f->triggers, 3);
	assert_int_equal(f->last_attempt, 1);
	fx_server_free(f);
	/* Negative retries: one trigger only. */
	o.trigger_retries = -1;
	f = fx_server(&o);
	put(f, f->eid);
	run_until(f, 1, 0, 0);
	assert_int_equal(f->triggers, 1);
	assert_int_equal(f->done[0].result, M2M_SCP81_CMD_FAILED);
	fx_server_free(f);
}

/* Cancel the queued ones; the emptied eUICC is forgotten and never re-triggered. */
static void test_cancel(void **state)
{
	m2m_scp81_server_opts o = {.trigger_timeout_ms = 50, .trigger_retries = -1};
	fixture *f = fx_server(&o);
	uint8_t other[16];
	uint64_t a, b, c;

	(void)state;
	memset(other, 0x11, sizeof other);
	a = put(f, f->eid);
	b = put(f, f->eid);
	c = put(f, f->eid);
	assert_true(a != b && b != c);
	assert_int_equal(m2m_scp81_server_cancel(f->srv, f->eid, b), M2M_OK);
	assert_int_equal(m2m_scp81_server_cancel(f->srv, f->eid, b), M2M_ERR_TLV_NOT_FOUND);
	assert_int_equal(m2m_scp81_server_cancel(f->srv, other, a), M2M_ERR_TLV_NOT_FOUND);
	assert_int_equal(m2m_scp81_server_pending(f->srv, f->eid), 2);
	assert_int_equal(m2m_scp81_server_cancel(f->srv, f->eid, c), M2M_OK);
	assert_int_equal(m2m_scp81_server_cancel(f->srv, f->eid, a), M2M_OK);
	assert_int_equal(m2m_scp81_server_pending(f->srv, f->eid), 0);
	/* Another eUICC's command expires after its trigger wait; ours triggered once only. */
	put(f, other);
	assert_int_equal(f->triggers, 2);
	run_until(f, 1, 0, 0);
	assert_int_equal(f->triggers, 2);
	assert_int_equal(f->ndone, 1);
	assert_int_equal(m2m_scp81_server_cancel(NULL, f->eid, a), M2M_ERR_ARG);
	fx_server_free(f);
}

static void test_abort(void **state)
{
	fixture *f = fx_server(NULL);

	(void)state;
	put(f, f->eid);
	put(f, f->eid);
	m2m_scp81_server_abort(f->srv, f->eid, NULL);
	assert_int_equal(f->ndone, 2);
	assert_int_equal(f->done[0].result, M2M_SCP81_CMD_CANCELLED);
	assert_int_equal(f->done[1].result, M2M_SCP81_CMD_CANCELLED);
	assert_string_equal(f->done[1].reason, "aborted by the SM-SR");
	assert_int_equal(m2m_scp81_server_pending(f->srv, f->eid), 0);
	m2m_scp81_server_abort(f->srv, f->eid, "again"); /* nothing left: no effect */
	assert_int_equal(f->ndone, 2);
	fx_server_free(f);
}

static void test_limits(void **state)
{
	m2m_scp81_server_opts o = {.max_queue = 2, .max_euiccs = 1, .max_body = sizeof script};
	fixture *f = fx_server(&o);
	uint8_t other[16], big[sizeof script + 1] = {0};
	m2m_scp81_aid bad = {.len = 3};

	(void)state;
	memset(other, 0x22, sizeof other);
	put(f, f->eid);
	put(f, f->eid);
	assert_int_equal(m2m_scp81_server_enqueue(f->srv, f->eid, NULL, script, sizeof script,
						  fx_done, f, NULL),
			 M2M_ERR_UNSUPPORTED); /* queue full */
	assert_int_equal(m2m_scp81_server_enqueue(f->srv, other, NULL, script, sizeof script,
						  fx_done, f, NULL),
			 M2M_ERR_UNSUPPORTED); /* table full */
	assert_int_equal(m2m_scp81_server_pending(f->srv, other), 0);
	m2m_scp81_server_abort(f->srv, f->eid, "x");
	assert_int_equal(m2m_scp81_server_enqueue(f->srv, other, NULL, big, sizeof big, fx_done,
						  f, NULL),
			 M2M_ERR_UNSUPPORTED); /* script too large */
	assert_int_equal(m2m_scp81_server_enqueue(f->srv, other, NULL, script, 0, fx_done, f,
						  NULL),
			 M2M_ERR_ARG);
	assert_int_equal(m2m_scp81_server_enqueue(f->srv, NULL, NULL, script, sizeof script,
						  fx_done, f, NULL),
			 M2M_ERR_ARG);
	assert_int_equal(m2m_scp81_server_enqueue(f->srv, other, &bad, script, sizeof script,
						  fx_done, f, NULL),
			 M2M_ERR_ARG);
	assert_int_equal(m2m_scp81_server_pending(f->srv, other), 0);
	assert_false(m2m_scp81_server_in_session(f->srv, other));
	/* The slot freed by abort is reusable for another eUICC. */
	put(f, other);
	assert_int_equal(m2m_scp81_server_pending(f->srv, other), 1);
	fx_server_free(f);
}

/* need_trigger queues more for the same eUICC: no second trigger. */
static void more_on_trigger(fixture *f)
{
	if (f->triggers == 1)
		put(f, f->eid);
}

static void test_reentrant_trigger(void **state)
{
	fixture *f = fx_server(NULL);

	(void)state;
	f->on_trigger = more_on_trigger;
	put(f, f->eid);
	assert_int_equal(f->triggers, 1);
	assert_int_equal(m2m_scp81_server_pending(f->srv, f->eid), 2);
	fx_server_free(f);
}

/* Shutdown completes everything as CANCELLED; nothing can be queued meanwhile. */
static m2m_err during_free = M2M_OK;

static void enqueue_in_free(fixture *f, const m2m_scp81_completion *c)
{
	(void)c;
	during_free = m2m_scp81_server_enqueue(f->srv, f->eid, NULL, script, sizeof script,
					       fx_done, f, NULL);
}

static void test_free_cancels(void **state)
{
	fixture *f = fx_server(NULL);
	m2m_scp81_server *srv = f->srv;

	(void)state;
	put(f, f->eid);
	put(f, f->eid);
	f->hook = enqueue_in_free;
	m2m_scp81_server_free(srv);
	assert_int_equal(f->ndone, 2);
	assert_int_equal(f->done[0].result, M2M_SCP81_CMD_CANCELLED);
	assert_string_equal(f->done[0].reason, "SCP81 server stopped");
	assert_int_equal(during_free, M2M_ERR_STATE);
	f->srv = NULL;
	fx_server_free(f);
}

static m2m_err no_psk(void *arg, const char *identity, const m2m_scp81_psk_id *id,
		      uint8_t eid[16], uint8_t *key, size_t cap, size_t *key_len)
{
	(void)arg, (void)identity, (void)id, (void)eid, (void)key, (void)cap, (void)key_len;
	return M2M_ERR_TLV_NOT_FOUND;
}

static void no_trigger(void *arg, const uint8_t eid[16], unsigned attempt)
{
	(void)arg, (void)eid, (void)attempt;
}

static void test_bad_options(void **state)
{
	struct event_base *base = event_base_new();
	static const uint8_t aid3[3] = {1, 2, 3};
	const char *bad_uris[] = {"", "noslash", "/trailing/", "/with space", "/q?x", "/#f",
				  "/a-very-long-uri-base-that-does-not-fit-the-card-buffer-x"};
	m2m_scp81_server_opts o;
	m2m_scp81_server *s = NULL;

	(void)state;
	assert_non_null(base);
	memset(&o, 0, sizeof o);
	assert_int_equal(m2m_scp81_server_new(base, &o, &s), M2M_ERR_ARG); /* no callbacks */
	o.psk = no_psk;
	assert_int_equal(m2m_scp81_server_new(base, &o, &s), M2M_ERR_ARG);
	o.need_trigger = no_trigger;
	assert_int_equal(m2m_scp81_server_new(NULL, &o, &s), M2M_ERR_ARG);
	for (size_t i = 0; i < sizeof bad_uris / sizeof bad_uris[0]; i++) {
		o.uri_base = bad_uris[i];
		assert_int_equal(m2m_scp81_server_new(base, &o, &s), M2M_ERR_ARG);
	}
	o.uri_base = NULL;
	o.isdr_aid = aid3;
	o.isdr_aid_len = sizeof aid3;
	assert_int_equal(m2m_scp81_server_new(base, &o, &s), M2M_ERR_ARG);
	o.isdr_aid = NULL;
	assert_int_equal(m2m_scp81_server_new(base, &o, &s), M2M_OK);
	assert_true(m2m_scp81_server_port(s) > 0);
	m2m_scp81_server_free(s);
	assert_int_equal(m2m_scp81_server_port(NULL), 0);
	m2m_scp81_server_free(NULL);
	m2m_http_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trigger_retries),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_abort),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_reentrant_trigger),
		cmocka_unit_test(test_free_cancels),
		cmocka_unit_test(test_bad_options),
	};
	m2m_log_setup(M2M_LOG_OFF, M2M_LOG_PLAIN, stderr);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
