/* The SCP81 admin server and the software eUICC end to end over TLS-PSK (test_scp81_fixture.h):
 *   - notifications over HTTPS: the card opens a session by itself (no trigger) and sends
 *     the E1 notification as `POST <uri>?msg=<hex>`; the SM-SR's callback queues the 3A08
 *     confirmation, which runs in the same session; without a confirmation the session ends
 *     with 204, the notification stays and a later session confirms it;
 *   - a PSK key set created by PUT KEY (the SM-SR's builder, over SCP80) is then used for a
 *     TLS-PSK session, and the wrong PSK fails the handshake;
 *   - the server's notification parser (msg= and body forms, negative cases). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "smsr/es5_cmd.h"
#include "smsr/scp81_server_int.h"
#include "test_scp81_fixture.h"

#define CONFIRM_0 "80E28900073A08044E02000000" /* 3A08 {4E 02 0000}, whty/njiwa layout */

typedef struct {
	int calls;
	uint8_t eid[16];
	char e1[256];          /* hex */
	bool confirm;          /* queue the 3A08 from the callback */
	fixture *f;
} notif_rec;

static void on_notif(void *arg, const uint8_t eid[16], const uint8_t *e1, size_t len)
{
	notif_rec *n = arg;
	const char *confirm[] = {CONFIRM_0};

	n->calls++;
	memcpy(n->eid, eid, 16);
	if (len * 2 < sizeof n->e1)
		m2m_hex_encode(e1, len, n->e1);
	if (n->confirm)
		(void)enqueue_hex(n->f, NULL, confirm, 1);
}

/* The card: profile 14 enabled by the device-side function, so notification 02 (seq 0000,
 * AID 14) is pending. */
static rig *notif_card(void)
{
	rig *r = rig_new();
	uint8_t aid[16];

	fx_profile(r->c, AID_14, 0);
	assert_int_equal(m2m_hex_decode_exact(AID_14, aid, 16), M2M_OK);
	assert_int_equal(m2m_euicc_enable_profile(r->c->e, aid, 16, NULL), 0x9000);
	assert_int_equal(m2m_euicc_notif_count(r->c->e), 1);
	return r;
}

static const char *expected_e1(char *out, size_t cap)
{
	snprintf(out, cap, "%s", "e12b" "4c10" EID_HEX "4d0102" "4e020000" "4f10" AID_14);
	return out;
}

/* The card opens the session, the callback confirms in it: 2 POSTs, then 204. */
static void test_notify_confirmed_in_session(void **state)
{
	fixture *f = fx_server(NULL);
	rig *r = notif_card();
	notif_rec n = {.confirm = true, .f = f};
	char e1_want[256];
	m2m_scp81_response rs;
	card_run *c;

	(void)state;
	m2m_scp81_server_set_notification(f->srv, on_notif, &n);
	assert_int_equal(m2m_euicc_ota_scp81_notify(r->c->e, &r->ota), M2M_OK);
	assert_int_equal(r->ota.scp81.state, M2M_EUICC_OTA_SCP81_TRIGGERED);
	assert_int_equal(r->ota.scp81.kvn, 0x41);
	/* A second call while the session is due: refused. */
	assert_int_equal(m2m_euicc_ota_scp81_notify(r->c->e, &r->ota), M2M_ERR_STATE);
	c = card_start(f, r, CARD_NORMAL, 0);
	run_until(f, 1, 1, 0);
	card_join(c);
	assert_string_equal(c->error, "");
	assert_false(c->handshake_failed);
	assert_true(c->done);
	assert_int_equal(c->exchanges, 2);
	assert_int_equal(c->last_status, 204);
	/* The SM-SR got the notification from the EID of the PSK identity. */
	assert_int_equal(n.calls, 1);
	assert_memory_equal(n.eid, f->eid, 16);
	assert_string_equal(n.e1, expected_e1(e1_want, sizeof e1_want));
	/* The confirmation ran in the same session, without a trigger. */
	assert_int_equal(f->triggers, 0);
	assert_int_equal(f->ndone, 1);
	assert_int_equal(f->done[0].result, M2M_SCP81_CMD_ANSWERED);
	assert_string_equal(f->done[0].response, "af80" "800101" "2304" "8000" "9000" "0000");
	assert_int_equal(m2m_euicc_notif_count(r->c->e), 0);
	card_answer(c, 0, &rs);
	assert_int_equal(rs.status, 200);
	card_answer(c, 1, &rs);
	assert_int_equal(rs.status, 204);
	/* Nothing pending now: no notification session. */
	assert_int_equal(m2m_euicc_ota_scp81_notify(r->c->e, &r->ota), M2M_ERR_STATE);
	card_free(c);
	rig_free(r);
	fx_server_free(f);
}

/* No confirmation at first (204): the notification stays; the card repeats, and the SM-SR
 * confirms in the second session. Without a callback the server refuses (400). */
static void test_notify_repeated(void **state)
{
	fixture *f = fx_server(NULL);
	rig *r = notif_card();
	notif_rec n = {.confirm = false, .f = f};
	card_run *c;

	(void)state;
	/* No callback installed: 400, the card's session ends, nothing is lost. */
	assert_int_equal(m2m_euicc_ota_scp81_notify(r->c->e, &r->ota), M2M_OK);
	c = card_start(f, r, CARD_NORMAL, 0);
	run_until(f, 0, 1, 0);
	card_join(c);
	assert_true(c->done);
	assert_int_equal(c->last_status, 400);
	assert_int_equal(m2m_euicc_notif_count(r->c->e), 1);
	card_free(c);
	/* A callback that does not confirm: 204 at once. */
	m2m_scp81_server_set_notification(f->srv, on_notif, &n);
	assert_int_equal(m2m_euicc_ota_scp81_notify(r->c->e, &r->ota), M2M_OK);
	c = card_start(f, r, CARD_NORMAL, 0);
	run_until(f, 0, 2, 0);
	card_join(c);
	assert_true(c->done);
	assert_int_equal(c->exchanges, 1);
	assert_int_equal(c->last_status, 204);
	assert_int_equal(n.calls, 1);
	assert_int_equal(m2m_euicc_notif_count(r->c->e), 1);
	assert_false(m2m_scp81_server_in_session(f->srv, f->eid));
	card_free(c);
	/* The repeat: same sequence number, confirmed this time. */
	n.confirm = true;
	assert_int_equal(m2m_euicc_ota_scp81_notify(r->c->e, &r->ota), M2M_OK);
	c = card_start(f, r, CARD_NORMAL, 0);
	run_until(f, 1, 3, 0);
	card_join(c);
	assert_int_equal(n.calls, 2);
	assert_int_equal(c->last_status, 204);
	assert_int_equal(f->done[0].result, M2M_SCP81_CMD_ANSWERED);
	assert_int_equal(m2m_euicc_notif_count(r->c->e), 0);
	assert_int_equal(f->triggers, 0);
	card_free(c);
	rig_free(r);
	fx_server_free(f);
}

/* ---- a PSK key set made by PUT KEY, then used ---- */

static uint8_t g_psk[16];

/* The SM-SR's store: key set 42, key 01 = g_psk. */
static m2m_err psk_42(void *arg, const char *identity, const m2m_scp81_psk_id *id,
		      uint8_t eid[16], uint8_t *key, size_t cap, size_t *key_len)
{
	fixture *f = arg;

	(void)identity;
	if (key != NULL)
		f->lookups++;
	else
		f->resolves++;
	if (id == NULL || memcmp(id->eid, f->eid, 16) != 0 || id->kvn != 0x42 ||
	    id->key_id != 0x01)
		return M2M_ERR_TLV_NOT_FOUND;
	memcpy(eid, f->eid, 16);
	if (key != NULL) {
		if (cap < sizeof g_psk)
			return M2M_ERR_BOUNDS;
		memcpy(key, g_psk, sizeof g_psk);
		*key_len = sizeof g_psk;
	}
	return M2M_OK;
}

/* PUT KEY (m2m_es5_put_key_psk, DEK = key 03 of set 01) in an SCP80 packet to the ISD-R. */
static void send_put_key(rig *r, const uint8_t psk[16], uint64_t cntr)
{
	m2m_scp80_hdr h = srv_hdr(0x16, 0x19, M2M_SCP80_TAR_ISDR, cntr);
	m2m_es5_cmd cmd;
	m2m_script_builder sb;
	m2m_buf script;
	const uint8_t *apdu;
	uint8_t dek[16];
	size_t len = 0;

	memset(dek, 0x03, sizeof dek);
	m2m_es5_cmd_init(&cmd);
	m2m_buf_init(&script);
	assert_int_equal(m2m_es5_put_key_psk(&cmd, 0x00, 0x42, 0x01, psk, 16, dek, 16), M2M_OK);
	apdu = m2m_es5_apdus_get(&cmd.apdus, 0, &len);
	assert_non_null(apdu);
	assert_int_equal(m2m_script_begin(&sb, &script, false, M2M_CHAIN_NONE), M2M_OK);
	assert_int_equal(m2m_script_add_capdu(&sb, apdu, len), M2M_OK);
	assert_int_equal(m2m_script_end(&sb), M2M_OK);
	srv_packet(r, &h, &script);
	for (size_t i = 0; i < r->nparts; i++)
		feed_ud(r, r->parts[i].data, r->parts[i].len, M2M_SMS_DCS_CLASS2_8BIT);
	assert_int_equal(r->out.por_status, M2M_POR_OK);
	m2m_buf_free(&script);
	m2m_es5_cmd_free(&cmd);
}

/* The trigger for key set 42 (fx_send_trigger names 41). */
static void send_trigger_42(fixture *f, rig *r, uint64_t cntr)
{
	m2m_scp80_hdr h = srv_hdr(0x16, 0x19, M2M_SCP80_TAR_ISDR, cntr);
	m2m_scp81_server_trigger t;
	m2m_buf trig;

	memset(&t, 0, sizeof t);
	t.ip[0] = 127;
	t.ip[3] = 1;
	t.ip_len = 4;
	t.port = m2m_scp81_server_port(f->srv);
	t.has_psk = true;
	t.kvn = 0x42;
	t.kid = 0x01;
	t.host = "127.0.0.1";
	t.uri = "/admin";
	m2m_buf_init(&trig);
	assert_int_equal(m2m_scp81_server_trigger_build(&t, &trig), M2M_OK);
	srv_packet(r, &h, &trig);
	for (size_t i = 0; i < r->nparts; i++)
		feed_ud(r, r->parts[i].data, r->parts[i].len, M2M_SMS_DCS_CLASS2_8BIT);
	assert_int_equal(r->ota.scp81.state, M2M_EUICC_OTA_SCP81_TRIGGERED);
	assert_int_equal(r->ota.scp81.kvn, 0x42);
	m2m_buf_free(&trig);
}

static fixture *server_42(void)
{
	fixture *f = fx_server(NULL);
	m2m_scp81_server_opts o;

	/* fx_server's store knows set 41 only: a second server with the set-42 store. */
	m2m_scp81_server_free(f->srv);
	memset(&o, 0, sizeof o);
	o.psk = psk_42;
	o.need_trigger = fx_trigger;
	o.arg = f;
	assert_int_equal(m2m_scp81_server_new(f->base, &o, &f->srv), M2M_OK);
	return f;
}

static void test_put_key_then_session(void **state)
{
	fixture *f = server_42();
	rig *r = rig_new();
	const char *get_eid[] = {"80CA005A00"};
	uint8_t psk[16];
	card_run *c;

	(void)state;
	memset(psk, 0x5A, sizeof psk);
	memcpy(g_psk, psk, sizeof psk);
	send_put_key(r, psk, 6);
	assert_non_null(m2m_euicc_find_keyset(r->c->e, 0x42));
	enqueue_hex(f, NULL, get_eid, 1);
	send_trigger_42(f, r, 7);
	c = card_start(f, r, CARD_NORMAL, 0);
	run_until(f, 1, 1, 0);
	card_join(c);
	assert_false(c->handshake_failed);
	assert_true(c->done);
	assert_int_equal(f->done[0].result, M2M_SCP81_CMD_ANSWERED);
	assert_string_equal(f->done[0].response, "af80" "800101" "2314" "5a10" EID_HEX "9000"
						 "0000");
	card_free(c);
	/* The SM-SR's store holds another PSK: the handshake fails, nothing runs. */
	g_psk[0] ^= 0x01;
	send_trigger_42(f, r, 8);
	c = card_start(f, r, CARD_NORMAL, 0);
	run_until(f, 1, 1 + 1, 0);
	card_join(c);
	assert_true(c->handshake_failed);
	card_free(c);
	rig_free(r);
	fx_server_free(f);
}

/* ---- the server's parser of the notification POST ---- */

static m2m_err parse(const char *uri, const char *body_hex, m2m_buf *e1, const char **why)
{
	m2m_http_request req;
	uint8_t body[600];
	size_t n = 0;

	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.uri = uri;
	if (body_hex != NULL)
		assert_int_equal(m2m_hex_decode(body_hex, body, sizeof body, &n), M2M_OK);
	req.body = body;
	req.body_len = n;
	m2m_buf_reset(e1);
	*why = NULL;
	return m2m_scp81_notif_of(&req, e1, why);
}

static void test_notif_parser(void **state)
{
	static const char e1[] = "E1074D01024E020005";
	char big[1200];
	m2m_buf b;
	const char *why;

	(void)state;
	m2m_buf_init(&b);
	assert_int_equal(parse("/polling", NULL, &b, &why), M2M_OK);
	assert_int_equal(b.len, 0);
	assert_int_equal(parse("/polling?msg=E1074D01024E020005", NULL, &b, &why), M2M_OK);
	assert_int_equal(b.len, 9);
	assert_int_equal(parse("/p?x=1&msg=e1074d01024e020005&y=2", NULL, &b, &why), M2M_OK);
	assert_int_equal(b.len, 9);
	assert_int_equal(parse("/polling", e1, &b, &why), M2M_OK);
	assert_int_equal(b.data[0], 0xE1);
	/* Negative: odd, empty, not hex, twice, both forms, trailing bytes, truncated, another
	 * tag, too long. */
	assert_int_equal(parse("/p?msg=E10", NULL, &b, &why), M2M_ERR_FORMAT);
	assert_non_null(why);
	assert_int_equal(parse("/p?msg=", NULL, &b, &why), M2M_ERR_FORMAT);
	assert_int_equal(parse("/p?msg=E1GG", NULL, &b, &why), M2M_ERR_FORMAT);
	assert_int_equal(parse("/p?msg=E100&msg=E100", NULL, &b, &why), M2M_ERR_FORMAT);
	assert_string_equal(why, "notification: msg= given twice");
	assert_int_equal(parse("/p?msg=E100", e1, &b, &why), M2M_ERR_FORMAT);
	assert_int_equal(parse("/p?msg=E10000", NULL, &b, &why), M2M_ERR_FORMAT);
	assert_string_equal(why, "notification: not one E1 TLV");
	assert_int_equal(parse("/p?msg=E1074D01024E0200", NULL, &b, &why), M2M_ERR_FORMAT);
	assert_int_equal(parse("/p?msg=AF00", NULL, &b, &why), M2M_ERR_FORMAT);
	assert_int_equal(parse("/p", "AF80800101230290000000", &b, &why), M2M_ERR_FORMAT);
	memcpy(big, "/p?msg=", 7);
	memset(big + 7, 'A', 1030);
	big[1037] = '\0';
	assert_int_equal(parse(big, NULL, &b, &why), M2M_ERR_FORMAT);
	m2m_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notify_confirmed_in_session),
		cmocka_unit_test(test_notify_repeated),
		cmocka_unit_test(test_put_key_then_session),
		cmocka_unit_test(test_notif_parser),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
