/* The SMS bearer over real SMPP on 127.0.0.1: our ESME (inside the bearer) bound to our SMSC
 * (net/smpp_smsc), whose submit handler is a minimal relay to software eUICCs: each submit_sm
 * becomes an SMS-DELIVER in an ENVELOPE for m2m_euicc_ota_envelope, and what the card answers
 * (the DELIVER-REPORT data, its MO SMS-SUBMITs) goes back as deliver_sm, as pySim-smpp2sim
 * does; delivery receipts follow. Every wait is bounded; no assertion depends on timing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "card/envelope.h"
#include "core/log.h"
#include "euicc/euicc_fixture.h"
#include "euicc/ota.h"
#include "net/smpp_smsc.h"
#include "smsr/scp81_server.h"
#include "smsr/sms_bearer.h"

#define WAIT_MS 5000
#define NDEV 6
#define SMSR_NUMBER "4479000001"

static const m2m_smpp_account accounts[] = {{"SMSR01", "secret"}};

enum { DEV_NORMAL, DEV_SILENT, DEV_UNDELIVERABLE };

typedef struct {
	card *c;
	m2m_euicc_ota ota;
	m2m_euicc_ota_out out;
	char msisdn[21];
	uint64_t counter;
	int mode;
	int envelopes;
} device;

typedef struct {
	struct event_base *base;
	m2m_smpp_smsc *smsc;
	m2m_smpp_smsc_session *sess;
	m2m_sms_bearer *b;
	device dev[NDEV];
	/* SMSC side */
	int submits, outstanding, max_outstanding, msgno, deliver_resps;
	int throttle_next;         /* refuse this many submits with ESME_RTHROTTLED */
	int drop_session_next;     /* close the session instead of answering this many */
	m2m_smpp_pdu last_submit;
	/* bearer side */
	int results, notifications, links_up;
	m2m_es5_result res[8];
	void *res_ref[8];
	m2m_es5_notif notif;
	char notif_from[21];
} fixture;

typedef struct {
	fixture *fx;
	m2m_smpp_smsc_session *s;
	m2m_smpp_pdu sm;
	char id[65];
} job;

/* ------------------------------------------------------------------ loop */

static void loop_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(bool *)arg = true;
}

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

/* ------------------------------------------------------------------ relay (device side) */

static device *dev_by_msisdn(fixture *fx, const char *addr)
{
	for (int i = 0; i < NDEV; i++)
		if (strcmp(fx->dev[i].msisdn, addr) == 0)
			return &fx->dev[i];
	return NULL;
}

static void deliver_ud(fixture *fx, m2m_smpp_smsc_session *s, const device *d,
		       const uint8_t *ud, size_t n)
{
	m2m_smpp_pdu p;

	m2m_smpp_pdu_init(&p, M2M_SMPP_DELIVER_SM, 0);
	p.source = (m2m_smpp_addr){1, 1, ""};
	strcpy(p.source.addr, d->msisdn);
	p.dest = (m2m_smpp_addr){1, 1, SMSR_NUMBER};
	p.esm_class = M2M_SMPP_ESM_UDHI;
	p.protocol_id = 0x7F;
	p.data_coding = 0x04; /* as pySim-smpp2sim forwards MO */
	memcpy(p.msg, ud, n);
	p.msg_len = n;
	assert_int_equal(m2m_smpp_smsc_deliver(s, &p, NULL), M2M_OK);
	(void)fx;
}

/* The card's MO SMS-SUBMITs as deliver_sm (their TP-UD). */
static void deliver_mo(fixture *fx, m2m_smpp_smsc_session *s, device *d)
{
	for (size_t i = 0; i < d->out.mo_count; i++) {
		m2m_sms_tpdu t;
		assert_int_equal(m2m_sms_submit_decode(d->out.mo[i].data, d->out.mo[i].len, &t),
				 M2M_OK);
		assert_string_equal(t.addr.digits, SMSR_NUMBER);
		deliver_ud(fx, s, d, t.ud, t.ud_len);
	}
}

static void envelope(device *d, const m2m_smpp_pdu *sm, m2m_buf *resp)
{
	m2m_sms_tpdu t;
	m2m_envelope_sms_pp env;
	m2m_buf tpdu, ebuf;

	memset(&t, 0, sizeof t);
	t.addr.ton_npi = 0x91;
	strcpy(t.addr.digits, sm->source.addr);
	t.pid = sm->protocol_id;
	t.dcs = sm->data_coding;
	t.udhi = (sm->esm_class & M2M_SMPP_ESM_UDHI) != 0;
	t.ud = sm->msg;
	t.ud_len = sm->msg_len;
	t.udl = (uint8_t)sm->msg_len;
	m2m_buf_init(&tpdu);
	m2m_buf_init(&ebuf);
	assert_int_equal(m2m_sms_deliver_encode(&t, &tpdu), M2M_OK);
	memset(&env, 0, sizeof env);
	env.src = M2M_ENV_DEV_NETWORK;
	env.dst = M2M_ENV_DEV_UICC;
	env.tpdu = tpdu.data;
	env.tpdu_len = tpdu.len;
	assert_int_equal(m2m_envelope_sms_pp_encode(&env, &ebuf), M2M_OK);
	m2m_euicc_ota_out_reset(&d->out);
	assert_int_equal(m2m_euicc_ota_envelope(d->c->e, &d->ota, ebuf.data, ebuf.len, resp,
						&d->out),
			 M2M_OK);
	assert_int_equal(m2m_euicc_check(d->c->e), M2M_OK);
	d->envelopes++;
	m2m_buf_free(&tpdu);
	m2m_buf_free(&ebuf);
}

/* After the submit_sm: answer it, hand the SMS to the card, relay what comes back. */
static void job_cb(evutil_socket_t fd, short what, void *arg)
{
	job *j = arg;
	fixture *fx = j->fx;
	device *d = dev_by_msisdn(fx, j->sm.dest.addr);
	m2m_buf resp;

	(void)fd;
	(void)what;
	fx->outstanding--;
	if (fx->drop_session_next > 0) {
		fx->drop_session_next--;
		m2m_smpp_conn_close(m2m_smpp_smsc_session_conn(j->s), M2M_OK);
		free(j);
		return;
	}
	assert_int_equal(m2m_smpp_smsc_respond(j->s, j->sm.sequence, M2M_SMPP_ROK, j->id), M2M_OK);
	m2m_buf_init(&resp);
	if (d != NULL && d->mode == DEV_NORMAL) {
		envelope(d, &j->sm, &resp);
		if (resp.len > 0) /* the DELIVER-REPORT's TP-UD, as pySim-smpp2sim passes it on */
			deliver_ud(fx, j->s, d, resp.data, resp.len);
		deliver_mo(fx, j->s, d);
	}
	if (j->sm.registered_delivery & 1)
		assert_int_equal(m2m_smpp_smsc_receipt(j->s, &j->sm, j->id,
						       d != NULL && d->mode == DEV_UNDELIVERABLE
							       ? "UNDELIV"
							       : "DELIVRD",
						       0, NULL),
				 M2M_OK);
	m2m_buf_free(&resp);
	free(j);
}

static void smsc_bind(m2m_smpp_smsc_session *s, const char *id, void *arg)
{
	fixture *fx = arg;

	(void)id;
	fx->sess = s;
}

static uint32_t smsc_submit(m2m_smpp_smsc_session *s, const m2m_smpp_pdu *sm, char id[65],
			    void *arg)
{
	fixture *fx = arg;
	job *j;
	struct timeval tv0 = {0, 0};

	fx->submits++;
	fx->last_submit = *sm;
	if (fx->throttle_next > 0) {
		fx->throttle_next--;
		return M2M_SMPP_RTHROTTLED;
	}
	j = calloc(1, sizeof *j);
	assert_non_null(j);
	j->fx = fx;
	j->s = s;
	j->sm = *sm;
	snprintf(j->id, sizeof j->id, "M%d", ++fx->msgno);
	(void)id;
	if (++fx->outstanding > fx->max_outstanding)
		fx->max_outstanding = fx->outstanding;
	assert_int_equal(event_base_once(fx->base, -1, EV_TIMEOUT, job_cb, j, &tv0), 0);
	return M2M_SMPP_DEFER;
}

static void smsc_deliver_resp(m2m_smpp_smsc_session *s, uint32_t seq, m2m_err err,
			      uint32_t status, void *arg)
{
	fixture *fx = arg;

	(void)s;
	(void)seq;
	(void)status;
	fx->deliver_resps += err == M2M_OK;
}

static void smsc_close(m2m_smpp_smsc_session *s, void *arg)
{
	fixture *fx = arg;

	if (fx->sess == s)
		fx->sess = NULL;
}

static const m2m_smpp_smsc_cbs smsc_cbs = {smsc_bind, smsc_submit, smsc_deliver_resp,
					   smsc_close};

/* ------------------------------------------------------------------ bearer side */

static device *dev_by_eid(fixture *fx, const uint8_t *eid)
{
	for (int i = 0; i < NDEV; i++)
		if (memcmp(fx->dev[i].c->e->eid, eid, 16) == 0)
			return &fx->dev[i];
	return NULL;
}

static void fixture_keys(uint8_t kvn, m2m_scp80_keys *k)
{
	uint8_t v[16];

	memset(k, 0, sizeof *k);
	memset(v, kvn, sizeof v);
	assert_int_equal(m2m_scp80_key_set(&k->kic, v, 16), M2M_OK);
	memset(v, kvn + 1, sizeof v);
	assert_int_equal(m2m_scp80_key_set(&k->kid, v, 16), M2M_OK);
}

static m2m_err lk_by_eid(void *arg, const uint8_t eid[16], m2m_sms_bearer_euicc *out)
{
	device *d = dev_by_eid(arg, eid);

	if (d == NULL)
		return M2M_ERR_TLV_NOT_FOUND;
	out->msisdn = (m2m_smpp_addr){1, 1, ""};
	strcpy(out->msisdn.addr, d->msisdn);
	memset(&out->pack, 0, sizeof out->pack);
	fixture_keys(0x01, &out->keys);
	return M2M_OK;
}

static m2m_err lk_reserve(void *arg, const uint8_t eid[16], uint8_t kvn, uint64_t *counter)
{
	device *d = dev_by_eid(arg, eid);

	if (d == NULL || kvn != 0x01)
		return M2M_ERR_STATE;
	*counter = ++d->counter;
	return M2M_OK;
}

static void on_result(m2m_sms_bearer *b, void *ref, const uint8_t eid[16], m2m_es5_result *r,
		      void *arg)
{
	fixture *fx = arg;

	assert_false(m2m_sms_bearer_busy(b, eid));
	assert_true(fx->results < 8);
	fx->res_ref[fx->results] = ref;
	m2m_es5_result_move(&fx->res[fx->results], r);
	fx->results++;
}

static void on_notification(m2m_sms_bearer *b, const m2m_es5_notif *n, const char *from,
			    void *arg)
{
	fixture *fx = arg;

	(void)b;
	fx->notif = *n;
	snprintf(fx->notif_from, sizeof fx->notif_from, "%s", from);
	fx->notifications++;
}

static void on_link(m2m_sms_bearer *b, bool up, void *arg)
{
	fixture *fx = arg;

	(void)b;
	fx->links_up += up;
}

static const m2m_sms_bearer_cbs bearer_cbs = {on_result, on_notification, on_link};

static void start_bearer(fixture *fx, unsigned window, unsigned por_timeout_ms)
{
	m2m_sms_bearer_lookup lk = {lk_by_eid, NULL, lk_reserve};
	m2m_sms_bearer_cfg cfg = {
		.esme = {.host = "127.0.0.1",
			 .port = m2m_smpp_smsc_port(fx->smsc),
			 .system_id = "SMSR01",
			 .password = "secret",
			 .source = {1, 1, SMSR_NUMBER},
			 .receipts = true,
			 .session = {.window = 10, .resp_timeout_ms = 2000},
			 .reconnect_min_ms = 50,
			 .reconnect_max_ms = 200},
		.window = window,
		.por_timeout_ms = por_timeout_ms,
		.throttle_ms = 50,
	};

	fx->b = m2m_sms_bearer_new(fx->base, &cfg, &lk, fx, &bearer_cbs, fx);
	assert_non_null(fx->b);
	assert_int_equal(m2m_sms_bearer_start(fx->b), M2M_OK);
	assert_true(wait_for(fx, &fx->links_up, 1, WAIT_MS));
	assert_true(m2m_sms_bearer_bound(fx->b));
}

static int setup(void **state)
{
	fixture *fx = calloc(1, sizeof *fx);
	m2m_smpp_smsc_cfg cfg = {.bind_addr = "127.0.0.1", .accounts = accounts, .n_accounts = 1,
				 .session = {.resp_timeout_ms = 2000}};
	m2m_sms_addr smsr = {.ton_npi = 0x91, .digits = SMSR_NUMBER};

	assert_non_null(fx);
	m2m_log_setup(M2M_LOG_ERROR, M2M_LOG_PLAIN, stderr);
	fx->base = event_base_new();
	assert_non_null(fx->base);
	for (int i = 0; i < NDEV; i++) {
		device *d = &fx->dev[i];
		d->c = fx_new();
		d->c->e->eid[15] = (uint8_t)(0x30 + i); /* one EID each */
		snprintf(d->msisdn, sizeof d->msisdn, "4477009000%02d", i);
		d->counter = 5; /* the fixture card's last counter */
		m2m_euicc_ota_init(&d->ota, &smsr);
		m2m_euicc_ota_out_init(&d->out);
	}
	fx->smsc = m2m_smpp_smsc_new(fx->base, &cfg, &smsc_cbs, fx);
	assert_non_null(fx->smsc);
	for (int i = 0; i < 8; i++)
		m2m_es5_result_init(&fx->res[i], 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;

	m2m_sms_bearer_free(fx->b);
	m2m_smpp_smsc_free(fx->smsc);
	/* Jobs still scheduled are freed with the base (event_base_once owns none of ours:
	 * every test waits for its jobs). */
	event_base_free(fx->base);
	for (int i = 0; i < NDEV; i++) {
		m2m_euicc_ota_out_free(&fx->dev[i].out);
		m2m_euicc_ota_free(&fx->dev[i].ota);
		fx_free(fx->dev[i].c);
	}
	for (int i = 0; i < 8; i++)
		m2m_es5_result_free(&fx->res[i]);
	free(fx);
	return 0;
}

static void dev_aid(uint8_t tt, uint8_t aid[16])
{
	m2m_es5_isdp_aid((const uint8_t[3]){0, 0, tt}, aid);
}

static int lcs(device *d, uint8_t tt)
{
	uint8_t aid[16];
	int i;

	dev_aid(tt, aid);
	i = m2m_euicc_find_isdp(d->c->e, aid, 16);
	return i < 0 ? -1 : d->c->e->isdp[i].lcs;
}

/* ------------------------------------------------------------------ tests */

/* EnableProfile end to end; the submit_sm carries the fields of sgp02-bearers.md 1.1. */
static void test_enable(void **state)
{
	fixture *fx = *state;
	device *d = &fx->dev[0];
	m2m_es5_cmd c;
	uint8_t aid[16];
	int ref = 7;
	m2m_sms_bearer_stats st;

	start_bearer(fx, 0, 10000);
	fx_profile(d->c, AID_13, 0);
	dev_aid(0x13, aid);
	m2m_es5_cmd_init(&c);
	assert_int_equal(m2m_es5_enable_profile(&c, aid), M2M_OK);
	assert_int_equal(m2m_sms_bearer_send(fx->b, d->c->e->eid, &c, &ref), M2M_OK);
	assert_true(m2m_sms_bearer_busy(fx->b, d->c->e->eid));
	assert_int_equal(m2m_sms_bearer_send(fx->b, d->c->e->eid, &c, NULL), M2M_ERR_STATE);
	assert_true(wait_for(fx, &fx->results, 1, WAIT_MS));
	assert_ptr_equal(fx->res_ref[0], &ref);
	assert_int_equal(fx->res[0].outcome, M2M_ES5_OK);
	assert_int_equal(fx->res[0].sw, 0x9000);
	assert_int_equal(lcs(d, 0x13), M2M_EUICC_LCS_ENABLED);
	assert_int_equal(d->c->e->keysets[0].last_counter, 6);
	/* submit_sm as the SMSC saw it */
	assert_int_equal(fx->last_submit.esm_class, 0x40);
	assert_int_equal(fx->last_submit.protocol_id, 0x7F);
	assert_int_equal(fx->last_submit.data_coding, 0xF6);
	assert_int_equal(fx->last_submit.registered_delivery, 1);
	assert_int_equal(fx->last_submit.dest.ton, 1);
	assert_int_equal(fx->last_submit.dest.npi, 1);
	assert_string_equal(fx->last_submit.dest.addr, d->msisdn);
	assert_string_equal(fx->last_submit.source.addr, SMSR_NUMBER);
	assert_memory_equal(fx->last_submit.msg, "\x02\x70\x00", 3);
	/* The receipt arrives after the PoR: late, ignored. The unknown eUICC is refused. */
	assert_int_equal(m2m_sms_bearer_send(fx->b, (const uint8_t *)"0123456789abcdef", &c, NULL),
			 M2M_ERR_TLV_NOT_FOUND);
	m2m_sms_bearer_stats_get(fx->b, &st);
	assert_int_equal(st.commands, 1);
	assert_int_equal(st.results, 1);
	assert_int_equal(st.pors, 1);
	assert_int_equal(st.in_flight, 0);
	m2m_es5_cmd_free(&c);
}

/* m2m_sms_bearer_hold: nothing is submitted while held (the engine holds the bearer until
 * the counters' commit), everything queued goes on release; m2m_sms_bearer_cancel ends a held
 * command as a transport failure at once, and its packet never leaves. */
static void test_hold_and_cancel(void **state)
{
	fixture *fx = *state;
	device *d0 = &fx->dev[0], *d1 = &fx->dev[1];
	m2m_es5_cmd c;
	uint8_t aid[16];
	int stay = 0;

	start_bearer(fx, 0, 10000);
	fx_profile(d0->c, AID_13, 0);
	dev_aid(0x13, aid);
	m2m_es5_cmd_init(&c);
	assert_int_equal(m2m_es5_enable_profile(&c, aid), M2M_OK);
	m2m_sms_bearer_hold(fx->b, true);
	assert_int_equal(m2m_sms_bearer_send(fx->b, d0->c->e->eid, &c, d0), M2M_OK);
	assert_int_equal(m2m_sms_bearer_send(fx->b, d1->c->e->eid, &c, d1), M2M_OK);
	assert_false(wait_for(fx, &stay, 1, 300)); /* the loop runs: still nothing submitted */
	assert_int_equal(fx->submits, 0);
	m2m_sms_bearer_cancel(fx->b, d1->c->e->eid);
	assert_int_equal(fx->results, 1);
	assert_ptr_equal(fx->res_ref[0], d1);
	assert_int_equal(fx->res[0].outcome, M2M_ES5_TRANSPORT);
	assert_false(m2m_sms_bearer_busy(fx->b, d1->c->e->eid));
	m2m_sms_bearer_cancel(fx->b, d1->c->e->eid); /* none in flight: nothing happens */
	assert_int_equal(fx->results, 1);
	m2m_sms_bearer_hold(fx->b, false);
	assert_true(wait_for(fx, &fx->results, 2, WAIT_MS));
	assert_ptr_equal(fx->res_ref[1], d0);
	assert_int_equal(fx->res[1].outcome, M2M_ES5_OK);
	assert_int_equal(lcs(d0, 0x13), M2M_EUICC_LCS_ENABLED);
	assert_int_equal(d1->envelopes, 0); /* the cancelled packet never reached its card */
	m2m_es5_cmd_free(&c);
}

/* An audit with the ECASD certificate: a PoR in several deliver_sm (IEI 00 + 71); and a
 * 3A07 that needs a concatenated submit (two submit_sm, CPI in the first). */
static void test_concatenation_both_ways(void **state)
{
	fixture *fx = *state;
	device *d = &fx->dev[1];
	m2m_es5_cmd c;
	m2m_buf a3;
	m2m_sms_addr a = {.ton_npi = 0x91, .digits = "447900000123"};

	start_bearer(fx, 0, 10000);
	m2m_es5_cmd_init(&c);
	m2m_buf_init(&a3);
	assert_int_equal(m2m_es5_audit(&c, 0x0F, NULL, 0), M2M_OK);
	assert_int_equal(m2m_sms_bearer_send(fx->b, d->c->e->eid, &c, NULL), M2M_OK);
	assert_true(wait_for(fx, &fx->results, 1, WAIT_MS));
	assert_int_equal(fx->res[0].outcome, M2M_ES5_OK);
	assert_memory_equal(fx->res[0].audit.eid, d->c->e->eid, 16);
	assert_int_equal(fx->res[0].audit.ecasd_cert_len, d->c->cert_ecasd.len);
	assert_true(d->out.mo_count >= 2);
	assert_int_equal(fx->submits, 1);

	assert_int_equal(m2m_es5_smsr_address_tlv(&a, &a3), M2M_OK);
	assert_int_equal(m2m_buf_append_u8(&a3, 0x82), M2M_OK);
	assert_int_equal(m2m_buf_append_u8(&a3, (uint8_t)(128 - a3.len - 1)), M2M_OK);
	assert_int_equal(m2m_buf_append_fill(&a3, 0x5A, 128 - a3.len), M2M_OK);
	assert_int_equal(m2m_es5_update_smsr_addressing_parameters(&c, a3.data, a3.len), M2M_OK);
	assert_int_equal(m2m_sms_bearer_send(fx->b, d->c->e->eid, &c, NULL), M2M_OK);
	assert_true(wait_for(fx, &fx->results, 2, WAIT_MS));
	assert_int_equal(fx->res[1].outcome, M2M_ES5_OK);
	assert_int_equal(fx->submits, 3);
	assert_memory_equal(fx->last_submit.msg, "\x05\x00\x03", 3); /* part 2 of 2 */
	assert_int_equal(fx->last_submit.msg[5], 2);
	assert_int_equal(d->c->e->smsr_params_len, 128);
	m2m_buf_free(&a3);
	m2m_es5_cmd_free(&c);
}

/* The card's notification after an enable, verified and handed over; confirmed by 3A08;
 * a forged copy (CC changed) is dropped. */
static void test_notification(void **state)
{
	fixture *fx = *state;
	device *d = &fx->dev[2];
	m2m_es5_cmd c;
	uint8_t aid[16];
	m2m_sms_bearer_stats st;

	start_bearer(fx, 0, 10000);
	fx_profile(d->c, AID_13, 0);
	dev_aid(0x13, aid);
	m2m_es5_cmd_init(&c);
	assert_int_equal(m2m_es5_enable_profile(&c, aid), M2M_OK);
	assert_int_equal(m2m_sms_bearer_send(fx->b, d->c->e->eid, &c, NULL), M2M_OK);
	assert_true(wait_for(fx, &fx->results, 1, WAIT_MS));
	assert_int_equal(m2m_euicc_ota_notification(d->c->e, &d->ota, &d->out), M2M_OK);
	assert_non_null(fx->sess);
	/* forged first: one byte of the CC */
	{
		m2m_sms_tpdu t;
		uint8_t ud[140];
		assert_int_equal(d->out.mo_count, 1);
		assert_int_equal(m2m_sms_submit_decode(d->out.mo[0].data, d->out.mo[0].len, &t),
				 M2M_OK);
		memcpy(ud, t.ud, t.ud_len);
		ud[3 + 16] ^= 0x01;
		deliver_ud(fx, fx->sess, d, ud, t.ud_len);
	}
	deliver_mo(fx, fx->sess, d);
	assert_true(wait_for(fx, &fx->notifications, 1, WAIT_MS));
	assert_memory_equal(fx->notif.eid, d->c->e->eid, 16);
	assert_int_equal(fx->notif.type, M2M_EUICC_NOTIF_CHANGE_OK);
	assert_memory_equal(fx->notif.aid, aid, 16);
	assert_string_equal(fx->notif_from, d->msisdn);
	m2m_sms_bearer_stats_get(fx->b, &st);
	assert_int_equal(st.notifications, 1);
	assert_int_equal(st.notifications_dropped, 1);
	assert_int_equal(m2m_es5_notification_confirm(&c, fx->notif.seq), M2M_OK);
	assert_int_equal(m2m_sms_bearer_send(fx->b, d->c->e->eid, &c, NULL), M2M_OK);
	assert_true(wait_for(fx, &fx->results, 2, WAIT_MS));
	assert_int_equal(fx->res[1].outcome, M2M_ES5_OK);
	assert_int_equal(m2m_euicc_notif_count(d->c->e), 0);
	assert_int_equal(fx->notifications, 1);
	m2m_es5_cmd_free(&c);
}

/* No PoR: time-out. A failed delivery receipt: undelivered, before any time-out. */
static void test_timeout_and_failed_receipt(void **state)
{
	fixture *fx = *state;
	m2m_es5_cmd c;
	m2m_sms_bearer_stats st;

	fx->dev[3].mode = DEV_SILENT;
	fx->dev[4].mode = DEV_UNDELIVERABLE;
	start_bearer(fx, 0, 300);
	m2m_es5_cmd_init(&c);
	assert_int_equal(m2m_es5_audit(&c, M2M_ES5_AUDIT_EID, NULL, 0), M2M_OK);
	assert_int_equal(m2m_sms_bearer_send(fx->b, fx->dev[3].c->e->eid, &c, NULL), M2M_OK);
	assert_true(wait_for(fx, &fx->results, 1, WAIT_MS));
	assert_int_equal(fx->res[0].outcome, M2M_ES5_TIMEOUT);
	assert_true(fx->res[0].delivered); /* DELIVRD came, the PoR did not */
	assert_string_equal(fx->res[0].code.subject, "1.6");
	assert_string_equal(fx->res[0].code.reason, "5.3");
	assert_int_equal(fx->dev[3].envelopes, 0);
	m2m_sms_bearer_free(fx->b);
	fx->b = NULL;
	fx->links_up = 0;
	start_bearer(fx, 0, 60000); /* a time-out would fail the wait below */
	assert_int_equal(m2m_sms_bearer_send(fx->b, fx->dev[4].c->e->eid, &c, NULL), M2M_OK);
	assert_true(wait_for(fx, &fx->results, 2, WAIT_MS));
	assert_int_equal(fx->res[1].outcome, M2M_ES5_UNDELIVERED);
	assert_string_equal(fx->res[1].code.reason, "3.7");
	m2m_sms_bearer_stats_get(fx->b, &st);
	assert_int_equal(st.undelivered, 1);
	m2m_es5_cmd_free(&c);
}

/* Six eUICCs at once through a window of one: never more than one submit_sm unanswered at
 * the SMSC, every command done. */
static void test_window(void **state)
{
	fixture *fx = *state;
	m2m_es5_cmd c;
	m2m_sms_bearer_stats st;

	start_bearer(fx, 1, 10000);
	m2m_es5_cmd_init(&c);
	assert_int_equal(m2m_es5_audit(&c, M2M_ES5_AUDIT_EID | M2M_ES5_AUDIT_RESOURCES, NULL, 0),
			 M2M_OK);
	for (int i = 0; i < NDEV; i++)
		assert_int_equal(m2m_sms_bearer_send(fx->b, fx->dev[i].c->e->eid, &c,
						     &fx->dev[i]),
				 M2M_OK);
	assert_true(wait_for(fx, &fx->results, NDEV, WAIT_MS));
	for (int i = 0; i < NDEV; i++) {
		device *d = fx->res_ref[i];
		assert_int_equal(fx->res[i].outcome, M2M_ES5_OK);
		assert_memory_equal(fx->res[i].audit.eid, d->c->e->eid, 16);
	}
	assert_int_equal(fx->max_outstanding, 1);
	m2m_sms_bearer_stats_get(fx->b, &st);
	assert_int_equal(st.window_peak, 1);
	assert_int_equal(st.submits, NDEV);
	m2m_es5_cmd_free(&c);
}

/* ESME_RTHROTTLED pauses the bearer and the part goes again; a session lost with a part
 * unanswered: the ESME reconnects, the part is resubmitted, the command completes once. */
static void test_throttle_and_reconnect(void **state)
{
	fixture *fx = *state;
	device *d = &fx->dev[5];
	m2m_es5_cmd c;
	uint8_t aid[16];
	m2m_sms_bearer_stats st;

	start_bearer(fx, 0, 10000);
	fx_profile(d->c, AID_13, 0);
	dev_aid(0x13, aid);
	m2m_es5_cmd_init(&c);
	fx->throttle_next = 1;
	assert_int_equal(m2m_es5_enable_profile(&c, aid), M2M_OK);
	assert_int_equal(m2m_sms_bearer_send(fx->b, d->c->e->eid, &c, NULL), M2M_OK);
	assert_true(wait_for(fx, &fx->results, 1, WAIT_MS));
	assert_int_equal(fx->res[0].outcome, M2M_ES5_OK);
	assert_int_equal(fx->submits, 2);
	m2m_sms_bearer_stats_get(fx->b, &st);
	assert_int_equal(st.throttled, 1);

	fx->drop_session_next = 1;
	assert_int_equal(m2m_es5_disable_profile(&c, aid), M2M_OK);
	assert_int_equal(m2m_sms_bearer_send(fx->b, d->c->e->eid, &c, NULL), M2M_OK);
	assert_true(wait_for(fx, &fx->results, 2, WAIT_MS));
	assert_int_equal(fx->res[1].outcome, M2M_ES5_OK);
	assert_int_equal(lcs(d, 0x13), M2M_EUICC_LCS_DISABLED);
	assert_int_equal(d->envelopes, 2); /* the lost copy never reached the card */
	assert_true(fx->links_up >= 2);
	m2m_sms_bearer_stats_get(fx->b, &st);
	assert_int_equal(st.resubmits, 1);
	m2m_es5_cmd_free(&c);
}

/* What an SMSC may push that is not ours: text, a UDH without a packet, a PoR from a number
 * with no command, a truncated concatenation: ignored, nothing breaks. */
static void test_stray_deliveries(void **state)
{
	fixture *fx = *state;
	device *d = &fx->dev[0];
	m2m_sms_bearer_stats st;
	m2m_smpp_pdu p;

	start_bearer(fx, 0, 10000);
	assert_non_null(fx->sess);
	m2m_smpp_pdu_init(&p, M2M_SMPP_DELIVER_SM, 0);
	strcpy(p.source.addr, d->msisdn);
	memcpy(p.msg, "hello", 5);
	p.msg_len = 5;
	assert_int_equal(m2m_smpp_smsc_deliver(fx->sess, &p, NULL), M2M_OK);
	deliver_ud(fx, fx->sess, d, (const uint8_t *)"\x02\x70\x00", 3);
	deliver_ud(fx, fx->sess, d, (const uint8_t *)"\x02\x71\x00\x00\x01\x0a", 6);
	deliver_ud(fx, fx->sess, d, (const uint8_t *)"\x07\x00\x03\x01\x02\x01\x71\x00\x00", 9);
	deliver_ud(fx, fx->sess, d, (const uint8_t *)"\x09\x00\x03", 3);
	/* Every deliver_sm answered: the bearer has handled them all. */
	assert_true(wait_for(fx, &fx->deliver_resps, 5, WAIT_MS));
	m2m_sms_bearer_stats_get(fx->b, &st);
	assert_int_equal(st.pors_dropped, 1);
	assert_int_equal(st.notifications_dropped, 1);
	assert_int_equal(st.pors, 0);
	assert_int_equal(fx->results, 0);
}

/* Raw secured data: the SCP81 trigger (81 TLV, scp81_server_trigger_build) in one SCP80
 * packet to the ISD-R without a script around it; the card opens its session (scp81_open),
 * the PoR (00) ends it. A TAR the card does not know: PoR 09 (TS 102 225 table 5). Bad
 * arguments and oversize data are refused before any counter is taken. */
static void test_send_raw(void **state)
{
	fixture *fx = *state;
	device *d = &fx->dev[2];
	static const uint8_t isdr[3] = {0x00, 0x00, 0x01}, unknown[3] = {0xB2, 0x00, 0x00};
	m2m_scp81_server_trigger t = {.host = "127.0.0.1:4443", .uri = "/scp81/x"};
	m2m_buf trig;
	uint8_t big[600]; /* more than 4 SMS carry */
	int ref = 3;
	m2m_sms_bearer_stats st;

	start_bearer(fx, 0, 10000);
	m2m_buf_init(&trig);
	assert_int_equal(m2m_scp81_server_trigger_build(&t, &trig), M2M_OK);
	assert_int_equal(trig.data[0], 0x81);
	assert_int_equal(m2m_sms_bearer_send_raw(fx->b, d->c->e->eid, isdr, NULL, 4, NULL),
			 M2M_ERR_ARG);
	assert_int_equal(m2m_sms_bearer_send_raw(fx->b, d->c->e->eid, NULL, trig.data, trig.len,
						 NULL),
			 M2M_ERR_ARG);
	assert_int_equal(m2m_sms_bearer_send_raw(fx->b, d->c->e->eid, isdr, trig.data, 0, NULL),
			 M2M_ERR_ARG);
	memset(big, 0x81, sizeof big);
	assert_int_equal(m2m_sms_bearer_send_raw(fx->b, d->c->e->eid, isdr, big, sizeof big, NULL),
			 M2M_ERR_BOUNDS);
	assert_int_equal(d->counter, 5); /* nothing reserved */
	assert_int_equal(m2m_sms_bearer_send_raw(fx->b, d->c->e->eid, isdr, trig.data, trig.len,
						 &ref),
			 M2M_OK);
	assert_true(m2m_sms_bearer_busy(fx->b, d->c->e->eid));
	assert_int_equal(m2m_sms_bearer_send_raw(fx->b, d->c->e->eid, isdr, trig.data, trig.len,
						 NULL),
			 M2M_ERR_STATE);
	assert_true(wait_for(fx, &fx->results, 1, WAIT_MS));
	assert_ptr_equal(fx->res_ref[0], &ref);
	assert_int_equal(fx->res[0].outcome, M2M_ES5_OK);
	assert_int_equal(fx->res[0].por_status, 0x00);
	assert_int_equal(fx->res[0].rapdus.count, 0);
	assert_true(d->out.scp81_open);
	assert_int_equal(d->ota.scp81.state, M2M_EUICC_OTA_SCP81_TRIGGERED);
	assert_string_equal(d->ota.scp81.uri, "/scp81/x");
	assert_int_equal(d->c->e->keysets[0].last_counter, 6);
	assert_memory_equal(fx->last_submit.msg, "\x02\x70\x00", 3);
	/* Another TAR: refused by the card, POR_ERROR with its status. */
	assert_int_equal(m2m_sms_bearer_send_raw(fx->b, d->c->e->eid, unknown, trig.data,
						 trig.len, NULL),
			 M2M_OK);
	assert_true(wait_for(fx, &fx->results, 2, WAIT_MS));
	assert_int_equal(fx->res[1].outcome, M2M_ES5_POR_ERROR);
	assert_int_equal(fx->res[1].por_status, M2M_POR_TAR_UNKNOWN);
	m2m_sms_bearer_stats_get(fx->b, &st);
	assert_int_equal(st.commands, 2);
	assert_int_equal(st.pors, 2);
	assert_int_equal(st.in_flight, 0);
	m2m_buf_free(&trig);
}

/* The HTTPS bearer's script: AE 80 {22 L C-APDU} 00 00 (GP Amd B expanded format, indefinite
 * length); an empty set is refused and leaves out as it was. */
static void test_https_script(void **state)
{
	m2m_es5_cmd c;
	m2m_buf out;
	uint8_t aid[16];
	size_t len;
	const uint8_t *apdu;

	(void)state;
	m2m_es5_cmd_init(&c);
	m2m_buf_init(&out);
	assert_int_equal(m2m_es5_https_script(&c, &out), M2M_ERR_ARG);
	assert_int_equal(out.len, 0);
	dev_aid(0x13, aid);
	assert_int_equal(m2m_es5_enable_profile(&c, aid), M2M_OK);
	apdu = m2m_es5_apdus_get(&c.apdus, 0, &len);
	assert_true(len < 128);
	assert_int_equal(m2m_buf_append_u8(&out, 0x55), M2M_OK); /* kept */
	assert_int_equal(m2m_es5_https_script(&c, &out), M2M_OK);
	assert_int_equal(out.len, 1 + 2 + 2 + len + 2);
	assert_memory_equal(out.data, "\x55\xAE\x80\x22", 4);
	assert_int_equal(out.data[4], len);
	assert_memory_equal(out.data + 5, apdu, len);
	assert_memory_equal(out.data + 5 + len, "\x00\x00", 2);
	assert_int_equal(m2m_es5_https_script(NULL, &out), M2M_ERR_ARG);
	m2m_buf_free(&out);
	m2m_es5_cmd_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_enable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hold_and_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concatenation_both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notification, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_and_failed_receipt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_throttle_and_reconnect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stray_deliveries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_raw, setup, teardown),
		cmocka_unit_test(test_https_script),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
