/* The farm's SMSC routes the eUICC's notifications by destination address (docs/devices.md
 * "SMS", docs/smpp.md "Routing MO SMS by destination address"). Two ESMEs on the farm's
 * account: the harness's (no address_range, source H_SMSR) sends an EnableProfile; "owner"
 * binds with a range covering both the farm's notification address and H_SMSR. The PoR
 * (SMS-SUBMIT to the command's TP-OA, H_SMSR) goes back to the bind that sent the command
 * all the same; the notification goes to the owner, not to the ESME that last wrote to the
 * card. When the owner unbinds, the repeated notification falls back to the default route,
 * the last writer. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "farm_harness.h"

#define OWNER "882990000012"
#define ENABLE_11 "AA1C 221A 80E2880015 3A0312 4F10" H_AID11
#define SPI2_SUBMIT 0x39 /* PoR always, CC, ciphered, by SMS-SUBMIT (SGP.02 default) */

typedef struct {
	m2m_smpp_esme *esme;
	bool bound;
	m2m_smpp_pdu dl[16];
	size_t ndl;
} owner;

static void o_bind(m2m_smpp_esme *e, uint32_t status, void *arg)
{
	(void)e;
	((owner *)arg)->bound = status == 0;
}

static uint32_t o_deliver(m2m_smpp_esme *e, const m2m_smpp_pdu *dlv, void *arg)
{
	owner *o = arg;

	(void)e;
	if (o->ndl < sizeof o->dl / sizeof o->dl[0])
		o->dl[o->ndl++] = *dlv;
	return 0; /* accepted, never confirmed: the card repeats its notification */
}

static bool o_is_bound(harness *h, void *arg)
{
	(void)h;
	return ((owner *)arg)->bound;
}

static bool o_got_any(harness *h, void *arg)
{
	(void)h;
	return ((owner *)arg)->ndl > 0;
}

static void owner_start(harness *h, owner *o)
{
	m2m_smpp_esme_cfg c;
	m2m_smpp_esme_cbs cbs = {o_bind, NULL, NULL, o_deliver, NULL};

	memset(&c, 0, sizeof c);
	c.host = "127.0.0.1";
	c.port = m2m_farm_smpp_port(h->farm);
	c.system_id = "smsr"; /* the same account: only the bind's range tells them apart */
	c.password = "secret";
	c.source = (m2m_smpp_addr){1, 1, OWNER};
	/* OWNER (882990000012) and H_SMSR (882999999999999) */
	c.address_range = (m2m_smpp_addr){1, 1, "88299[09][0-9]*"};
	c.reconnect_min_ms = 50;
	o->esme = m2m_smpp_esme_new(h->base, &c, &cbs, o);
	assert_non_null(o->esme);
	assert_int_equal(m2m_smpp_esme_start(o->esme), M2M_OK);
	h_until(h, o_is_bound, o, "the owner's bind");
}

/* As h_start, with the card's default SM-SR address OWNER instead of H_SMSR. */
static void start_farm(harness *h)
{
	struct timeval tv = {0, 20000};

	h->cfg.db_path = h->db;
	h->cfg.system_id = "smsr";
	h->cfg.password = "secret";
	h->cfg.smsr_address = "+" OWNER;
	h->cfg.notif_first_ms = 20;
	h->cfg.notif_retry_ms = 40;
	h->cfg.notif_retry_max_ms = 160;
	h->cfg.attach_ms = 20;
	assert_int_equal(m2m_farm_new(h->base, &h->cfg, &h->farm), M2M_OK);
	h->tick = event_new(h->base, -1, EV_PERSIST, h_tick, NULL);
	assert_int_equal(event_add(h->tick, &tv), 0);
	h_esme(h);
}

/* MO command packets (70: notifications) from device i the harness's ESME received. */
static size_t harness_notifications(const harness *h, uint64_t i)
{
	char msisdn[16];
	size_t n = 0;

	h_msisdn(i, msisdn);
	for (size_t k = 0; k < h->ndl; k++)
		n += strcmp(h->dl[k].source.addr, msisdn) == 0 &&
		     h_iei(h->dl[k].msg, h->dl[k].msg_len) == M2M_SMS_IEI_CPI;
	return n;
}

static bool harness_notified(harness *h, void *arg)
{
	(void)arg;
	return harness_notifications(h, 1) > 0;
}

static void test_notification_to_owner_por_to_sender(void **state)
{
	harness *h = h_new();
	owner o;
	char msisdn[16];
	m2m_scp80_hdr hd = h_hdr(SPI2_SUBMIT, 1);
	m2m_buf data;

	(void)state;
	memset(&o, 0, sizeof o);
	m2m_buf_init(&data);
	h_msisdn(1, msisdn);
	h_make_db(h, 2, true);
	start_farm(h);
	owner_start(h, &o);

	/* The harness's ESME writes to device 1 and gets its PoR back, although the PoR's
	 * destination is in the owner's range. */
	h_send(h, 1, &hd, ENABLE_11);
	assert_int_equal(h_por(h, 1, &hd, &data), M2M_POR_OK);
	assert_string_equal(h->dl[0].dest.addr, H_SMSR);

	/* The notification goes to the owner of its destination address. */
	h_until(h, o_got_any, &o, "the notification at the owner");
	assert_string_equal(o.dl[0].source.addr, msisdn);
	assert_string_equal(o.dl[0].dest.addr, OWNER);
	assert_int_equal(o.dl[0].dest.ton, 1);
	assert_int_equal(h_iei(o.dl[0].msg, o.dl[0].msg_len), M2M_SMS_IEI_CPI);
	for (size_t k = 0; k < o.ndl; k++)
		assert_int_not_equal(h_iei(o.dl[k].msg, o.dl[k].msg_len), M2M_SMS_IEI_RPI);
	assert_int_equal(harness_notifications(h, 1), 0);

	/* The owner leaves: the repeats take the default route, the last writer. */
	m2m_smpp_esme_stop(o.esme);
	h_until(h, harness_notified, NULL, "the repeated notification at the last writer");

	m2m_smpp_esme_free(o.esme);
	m2m_buf_free(&data);
	h_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notification_to_owner_por_to_sender),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
