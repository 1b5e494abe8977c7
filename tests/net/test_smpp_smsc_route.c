/* The SMSC's routing of MO SMS by destination address (docs/smpp.md "Routing MO SMS by
 * destination address"): our ESMEs bind with address ranges on one account over real
 * sockets on 127.0.0.1; m2m_smpp_smsc_route picks the bind, and a deliver_sm sent there
 * reaches that ESME only. Every wait is bounded by a loop time-out. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "core/log.h"
#include "net/smpp_esme.h"
#include "net/smpp_smsc.h"

#define WAIT_MS 5000
#define NESME 4

static const m2m_smpp_account accounts[] = {{"SMSR01", "secret"}};
/* An unsecured PoR as an MO SMS-SUBMIT would carry it (UDH 02 71 00, sgp02-bearers.md 1.4). */
static const uint8_t por_ud[] = {0x02, 0x71, 0x00, 0x00, 0x0E, 0x0A, 0x00, 0x00, 0x01,
				 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x90, 0x00};

typedef struct fixture fixture;

typedef struct {
	fixture *fx;
	m2m_smpp_esme *esme;
	int binds, delivers;
	uint32_t bind_status;
	m2m_smpp_pdu last;
} esme;

struct fixture {
	struct event_base *base;
	m2m_smpp_smsc *smsc;
	int smsc_binds, binds, delivers;
	char bind_id[NESME][16]; /* the SMSC's session ids, in bind order */
	esme e[NESME];
};

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

static void smsc_bind(m2m_smpp_smsc_session *s, const char *id, void *arg)
{
	fixture *fx = arg;

	(void)id;
	if (fx->smsc_binds < NESME)
		snprintf(fx->bind_id[fx->smsc_binds], sizeof fx->bind_id[0], "%s",
			 m2m_smpp_smsc_session_id(s));
	fx->smsc_binds++;
}

static const m2m_smpp_smsc_cbs smsc_cbs = {smsc_bind, NULL, NULL, NULL};

static void esme_bind(m2m_smpp_esme *e, uint32_t status, void *arg)
{
	esme *me = arg;

	(void)e;
	me->bind_status = status;
	me->binds++;
	me->fx->binds++;
}

static uint32_t esme_deliver(m2m_smpp_esme *e, const m2m_smpp_pdu *dlv, void *arg)
{
	esme *me = arg;

	(void)e;
	me->last = *dlv;
	me->delivers++;
	me->fx->delivers++;
	return M2M_SMPP_ROK;
}

static const m2m_smpp_esme_cbs esme_cbs = {esme_bind, NULL, NULL, esme_deliver, NULL};

/* ESME i binds (all on one account, as SM-SR processes may) claiming range. */
static void start_esme(fixture *fx, int i, uint8_t ton, const char *range)
{
	m2m_smpp_esme_cfg cfg = {
		.host = "127.0.0.1",
		.port = m2m_smpp_smsc_port(fx->smsc),
		.system_id = "SMSR01",
		.password = "secret",
		.source = {1, 1, "4912345"},
		.address_range = {ton, 1, ""},
		.session = {.resp_timeout_ms = 2000},
		.reconnect_min_ms = 60000, /* a refused bind is not retried during the test */
	};

	snprintf(cfg.address_range.addr, sizeof cfg.address_range.addr, "%s", range);
	fx->e[i].fx = fx;
	fx->e[i].esme = m2m_smpp_esme_new(fx->base, &cfg, &esme_cbs, &fx->e[i]);
	assert_non_null(fx->e[i].esme);
	assert_int_equal(m2m_smpp_esme_start(fx->e[i].esme), M2M_OK);
	assert_true(wait_for(fx, &fx->e[i].binds, 1, WAIT_MS));
}

static int setup(void **state)
{
	fixture *fx = calloc(1, sizeof *fx);
	m2m_smpp_smsc_cfg cfg = {
		.bind_addr = "127.0.0.1",
		.accounts = accounts,
		.n_accounts = 1,
		.session = {.resp_timeout_ms = 2000},
	};

	assert_non_null(fx);
	m2m_log_setup(M2M_LOG_ERROR, M2M_LOG_PLAIN, stderr);
	fx->base = event_base_new();
	assert_non_null(fx->base);
	fx->smsc = m2m_smpp_smsc_new(fx->base, &cfg, &smsc_cbs, fx);
	assert_non_null(fx->smsc);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;

	for (int i = 0; i < NESME; i++)
		m2m_smpp_esme_free(fx->e[i].esme);
	m2m_smpp_smsc_free(fx->smsc);
	event_base_free(fx->base);
	free(fx);
	return 0;
}

/* A deliver_sm (an MO packet from the device 4915550001) to dest, sent where the SMSC
 * routes it (among equals prefer, may be NULL); the index of the ESME that got it, -1 if
 * none was routed. */
static int deliver_via(fixture *fx, const char *dest, const char *prefer)
{
	m2m_smpp_smsc_session *s = m2m_smpp_smsc_route(fx->smsc, dest, prefer);
	int before[NESME], who = -1, never = 0;
	m2m_smpp_pdu p;
	uint32_t seq;

	if (s == NULL)
		return -1;
	m2m_smpp_pdu_init(&p, M2M_SMPP_DELIVER_SM, 1);
	p.source = (m2m_smpp_addr){1, 1, "4915550001"};
	p.dest = (m2m_smpp_addr){1, 1, ""};
	snprintf(p.dest.addr, sizeof p.dest.addr, "%s", dest);
	p.esm_class = M2M_SMPP_ESM_UDHI;
	p.protocol_id = M2M_SMPP_PID_SIM_DATA_DOWNLOAD;
	p.data_coding = M2M_SMPP_DCS_8BIT;
	memcpy(p.msg, por_ud, sizeof por_ud);
	p.msg_len = sizeof por_ud;
	for (int i = 0; i < NESME; i++)
		before[i] = fx->e[i].delivers;
	assert_int_equal(m2m_smpp_smsc_deliver(s, &p, &seq), M2M_OK);
	assert_true(wait_for(fx, &fx->delivers, fx->delivers + 1, WAIT_MS));
	(void)wait_for(fx, &never, 1, 100); /* a copy to another bind would show now */
	for (int i = 0; i < NESME; i++) {
		if (fx->e[i].delivers == before[i])
			continue;
		assert_int_equal(who, -1); /* one ESME only */
		assert_int_equal(fx->e[i].delivers, before[i] + 1);
		assert_string_equal(fx->e[i].last.dest.addr, dest);
		who = i;
	}
	return who;
}

static int deliver_routed(fixture *fx, const char *dest)
{
	return deliver_via(fx, dest, NULL);
}

static void test_route_by_range(void **state)
{
	fixture *fx = *state;

	start_esme(fx, 0, 1, "882990000001");     /* an SM-SR's own address */
	start_esme(fx, 1, 0, "88299000001[0-9]"); /* a block of addresses */
	start_esme(fx, 2, 0, "");                 /* no range: never chosen by address */
	start_esme(fx, 3, 1, "882990000012");     /* one of the block, bound later */
	for (int i = 0; i < NESME; i++)
		assert_int_equal(fx->e[i].bind_status, M2M_SMPP_ROK);
	assert_true(wait_for(fx, &fx->smsc_binds, NESME, WAIT_MS));

	assert_int_equal(deliver_routed(fx, "882990000001"), 0);
	assert_int_equal(deliver_routed(fx, "+882990000001"), 0);
	/* An address equal to a literal range beats a pattern of an older bind. */
	assert_int_equal(deliver_routed(fx, "882990000012"), 3);
	assert_int_equal(deliver_routed(fx, "882990000015"), 1);
	/* Nobody's: the caller's default route (the farm: the last writer, else the account). */
	assert_int_equal(deliver_routed(fx, "882990000002"), -1);
	assert_int_equal(deliver_routed(fx, "4477"), -1);
	assert_int_equal(deliver_routed(fx, ""), -1);
	assert_string_equal(m2m_smpp_smsc_session_range(m2m_smpp_smsc_route(fx->smsc,
									  "882990000015", NULL)),
			    "88299000001[0-9]");
	/* A preferred bind wins among equals only: never over an exact match, never without a
	 * match. */
	assert_int_equal(deliver_via(fx, "882990000012", fx->bind_id[1]), 3);
	assert_int_equal(deliver_via(fx, "882990000015", fx->bind_id[1]), 1);
	assert_int_equal(deliver_via(fx, "882990000015", fx->bind_id[2]), 1);
	assert_int_equal(deliver_via(fx, "4477", fx->bind_id[2]), -1);

	/* The literal's ESME leaves: its address falls back to the block's pattern. */
	m2m_smpp_esme_stop(fx->e[3].esme);
	for (int i = 0; i < 50 && m2m_smpp_smsc_bound_count(fx->smsc) > 3; i++)
		event_base_loop(fx->base, EVLOOP_ONCE);
	assert_int_equal(m2m_smpp_smsc_bound_count(fx->smsc), 3);
	assert_int_equal(deliver_routed(fx, "882990000012"), 1);
}

/* A range that is no regular expression would route nothing it means: the bind is refused
 * (ESME_RBINDFAIL) rather than accepted deaf. */
static void test_bad_range_refused(void **state)
{
	fixture *fx = *state;

	start_esme(fx, 0, 0, "88299[0-9");
	assert_int_equal(fx->e[0].bind_status, M2M_SMPP_RBINDFAIL);
	assert_int_equal(fx->smsc_binds, 0);
	assert_null(m2m_smpp_smsc_route(fx->smsc, "882990", NULL));
	start_esme(fx, 1, 0, "88299[0-9]");
	assert_int_equal(fx->e[1].bind_status, M2M_SMPP_ROK);
	assert_int_equal(deliver_routed(fx, "882990"), 1);
}

/* Several processes of one SM-SR bind with the same range: the oldest bind by default,
 * the preferred one (the farm: the bind that last wrote to the device) when named. */
static void test_shared_range(void **state)
{
	fixture *fx = *state;

	start_esme(fx, 0, 1, "882990000001");
	start_esme(fx, 1, 1, "+882990000001");
	start_esme(fx, 2, 0, "8829900000[0-9]+");
	assert_true(wait_for(fx, &fx->smsc_binds, 3, WAIT_MS));
	assert_int_equal(deliver_routed(fx, "882990000001"), 0);
	assert_int_equal(deliver_via(fx, "882990000001", fx->bind_id[1]), 1);
	assert_int_equal(deliver_via(fx, "882990000001", fx->bind_id[0]), 0);
	assert_int_equal(deliver_via(fx, "882990000001", "#999"), 0);
	assert_int_equal(deliver_via(fx, "882990000002", fx->bind_id[1]), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_route_by_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_range_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_range, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
