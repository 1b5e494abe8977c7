/* SCP81 end to end on 127.0.0.1: the SM-SR's admin server (TLS 1.2 PSK) and the software
 * eUICC's OTA front end, woken by the server's own trigger sent as an SCP80 SMS. An enable and
 * an audit script in one session ending with 204; ES8 SCP03t to an ISD-P through
 * X-Admin-Targeted-Application; a POST with nothing queued; Content-Length answers; the
 * linger that keeps a session open between commands (ES3.SendData with MoreToDo). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/log.h"
#include "euicc/es8_fixture.h"
#include "test_scp81_fixture.h"

#define AID_ISDR_UP "A0000005591010FFFFFFFF8900000100"
#define ENABLE_14 "80E28800153A03124F10" AID_14
#define STATUS_14 "80F24002174F10" AID_14 "5C034F9F7000"
#define GET_FF21 "80CAFF2100"
#define GET_EID "80CA005A00"

/* "/scp81/<16 hex>/<n>", and the token. */
static void check_next_uri(m2m_scp81_str u, unsigned n, char token[17])
{
	char tail[8];

	assert_non_null(u.p);
	assert_true(u.len > 24);
	assert_memory_equal(u.p, "/scp81/", 7);
	memcpy(token, u.p + 7, 16);
	token[16] = '\0';
	for (int i = 0; i < 16; i++)
		assert_true(m2m_hex_digit(token[i]) >= 0);
	snprintf(tail, sizeof tail, "/%u", n);
	assert_int_equal(u.len, 23 + strlen(tail));
	assert_memory_equal(u.p + 23, tail, strlen(tail));
}

static void check_target(const m2m_scp81_response *rs, const char *aid_hex)
{
	uint8_t aid[16];

	assert_true(rs->has_target);
	assert_int_equal(rs->target.len, 16);
	assert_int_equal(m2m_hex_decode_exact(aid_hex, aid, 16), M2M_OK);
	assert_memory_equal(rs->target.b, aid, 16);
}

/* EnableProfile, then an audit (GET STATUS + GET DATA FF21), in one session. */
static void test_enable_and_audit(void **state)
{
	fixture *f = fx_server(NULL);
	rig *r = rig_new();
	const char *enable[] = {ENABLE_14};
	const char *audit[] = {STATUS_14, GET_FF21};
	m2m_scp81_response rs;
	char tok1[17], tok2[17];
	card_run *c;
	uint64_t id1, id2;

	(void)state;
	fx_profile(r->c, AID_14, 0);
	id1 = enqueue_hex(f, NULL, enable, 1);
	assert_int_equal(f->triggers, 1); /* queued, no session: trigger */
	assert_int_equal(f->last_attempt, 1);
	id2 = enqueue_hex(f, NULL, audit, 2);
	assert_int_equal(f->triggers, 1); /* already triggered */
	assert_int_equal(m2m_scp81_server_pending(f->srv, f->eid), 2);
	assert_false(m2m_scp81_server_in_session(f->srv, f->eid));
	fx_send_trigger(f, r, 6);
	c = card_start(f, r, CARD_NORMAL, 0);
	run_until(f, 2, 1, 0);
	card_join(c);
	assert_string_equal(c->error, "");
	assert_false(c->handshake_failed);
	assert_true(c->done);
	assert_int_equal(c->connections, 1);
	assert_int_equal(c->exchanges, 3);
	assert_int_equal(c->last_status, 204);
	/* What the SM-SR got back. */
	assert_int_equal(f->ndone, 2);
	assert_true(f->done[0].id == id1 && f->done[1].id == id2);
	assert_int_equal(f->done[0].result, M2M_SCP81_CMD_ANSWERED);
	assert_int_equal(f->done[0].status, M2M_SCP81_SS_OK);
	assert_true(f->done[0].sent);
	assert_string_equal(f->done[0].reason, "");
	assert_string_equal(f->done[0].response, "af80" "800101" "23029000" "0000");
	assert_int_equal(f->done[1].result, M2M_SCP81_CMD_ANSWERED);
	/* GET STATUS: 14 enabled (3F); GET DATA FF21: the card's resources (test_isdr.c). */
	assert_string_equal(f->done[1].response, "af80" "800102"
						 "231a" "e3164f10" AID_14 "9f70013f" "9000"
						 "2312" "ff210d81010282040001117083023a92" "9000"
						 "0000");
	/* The card ran them: profile 14 enabled, the boot profile disabled. */
	assert_int_equal(r->c->e->isdp[fx_idx(r->c, AID_14)].lcs, M2M_EUICC_LCS_ENABLED);
	assert_int_equal(r->c->e->isdp[fx_idx(r->c, AID_BOOT)].lcs, M2M_EUICC_LCS_DISABLED);
	/* The answers on the wire. */
	card_answer(c, 0, &rs);
	assert_int_equal(rs.status, 200);
	assert_true(rs.has_protocol && rs.has_content_type);
	assert_int_equal(rs.framing, M2M_SCP81_BODY_CHUNKED);
	check_next_uri(rs.next_uri, 1, tok1);
	check_target(&rs, AID_ISDR_UP);
	card_answer(c, 1, &rs);
	assert_int_equal(rs.status, 200);
	check_next_uri(rs.next_uri, 2, tok2);
	assert_string_equal(tok1, tok2);
	check_target(&rs, AID_ISDR_UP);
	card_answer(c, 2, &rs);
	assert_int_equal(rs.status, 204);
	assert_true(rs.has_protocol);
	/* One handshake, three requests, nothing left. */
	assert_int_equal(f->lookups, 1);
	assert_int_equal(f->resolves, 3);
	assert_int_equal(m2m_scp81_server_pending(f->srv, f->eid), 0);
	assert_false(m2m_scp81_server_in_session(f->srv, f->eid));
	assert_int_equal(f->triggers, 1);
	card_free(c);
	rig_free(r);
	fx_server_free(f);
}

/* ---- ES8 over SCP81: SCP03t TLVs straight in AE 80 for ISD-P 13 ---- */

typedef struct {
	m2m_scp03t_host h;
	m2m_scp81_aid target;
	m2m_err auth_err;
	m2m_err enqueue_err;
} isdp_ctx;

static void body_of(const m2m_buf *tlvs, m2m_buf *out)
{
	assert_int_equal(m2m_buf_append(out, "\xAE\x80", 2), M2M_OK);
	assert_int_equal(m2m_buf_append(out, tlvs->data, tlvs->len), M2M_OK);
	assert_int_equal(m2m_buf_append(out, "\x00\x00", 2), M2M_OK);
}

/* The card's 84 answer gives the host its 85 command, queued from the callback: the same
 * session carries it (the next step depends on this answer, as in key establishment). */
static void isdp_hook(fixture *f, const m2m_scp81_completion *c)
{
	isdp_ctx *x = f->hook_arg;
	m2m_buf cmd, body;

	if (f->ndone != 1)
		return;
	m2m_buf_init(&cmd);
	m2m_buf_init(&body);
	x->auth_err = M2M_ERR_FORMAT;
	if (c->result == M2M_SCP81_CMD_ANSWERED && c->response_len == 2 + 2 + 0x20 + 2 &&
	    c->response[2] == 0x84 && c->response[3] == 0x20)
		x->auth_err = m2m_scp03t_host_auth(&x->h, c->response + 4, 0x20, &cmd);
	if (x->auth_err == M2M_OK) {
		(void)m2m_buf_append(&body, "\xAE\x80", 2);
		(void)m2m_buf_append(&body, cmd.data, cmd.len);
		(void)m2m_buf_append(&body, "\x00\x00", 2);
		x->enqueue_err = m2m_scp81_server_enqueue(f->srv, f->eid, &x->target, body.data,
							  body.len, fx_done, f, NULL);
	}
	m2m_buf_free(&cmd);
	m2m_buf_free(&body);
}

static void test_isdp_scp03t(void **state)
{
	static const uint8_t chal[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	fixture *f = fx_server(NULL);
	rig *r = rig_new();
	isdp_ctx x;
	m2m_scp03_keys k;
	m2m_scp81_response rs;
	m2m_buf iu, body;
	card_run *c;

	(void)state;
	memset(&x, 0, sizeof x);
	m2m_buf_init(&iu);
	m2m_buf_init(&body);
	m2m_euicc_ota_enable_isdp(&r->ota);
	assert_true(es8_card(r->c, &k) >= 0); /* ISD-P 13 created, keys established */
	assert_int_equal(m2m_scp03t_host_init(&x.h, &k, 0x00, chal), M2M_OK);
	assert_int_equal(m2m_scp03t_host_iu(&x.h, &iu), M2M_OK);
	body_of(&iu, &body);
	x.target.len = 16;
	assert_int_equal(m2m_hex_decode_exact(AID_13, x.target.b, 16), M2M_OK);
	x.auth_err = x.enqueue_err = M2M_ERR_STATE;
	f->hook = isdp_hook;
	f->hook_arg = &x;
	assert_int_equal(m2m_scp81_server_enqueue(f->srv, f->eid, &x.target, body.data, body.len,
						  fx_done, f, NULL),
			 M2M_OK);
	fx_send_trigger(f, r, 6);
	c = card_start(f, r, CARD_NORMAL, 0);
	run_until(f, 2, 1, 0);
	card_join(c);
	assert_int_equal(x.auth_err, M2M_OK); /* the card cryptogram verified */
	assert_int_equal(x.enqueue_err, M2M_OK);
	assert_int_equal(f->ndone, 2);
	assert_int_equal(f->done[0].result, M2M_SCP81_CMD_ANSWERED);
	assert_int_equal(f->done[0].status, M2M_SCP81_SS_OK);
	assert_int_equal(strncmp(f->done[0].response, "af808420", 8), 0);
	assert_string_equal(f->done[1].response, "af80" "8500" "0000");
	assert_true(c->done);
	assert_int_equal(c->exchanges, 3);
	assert_int_equal(f->triggers, 1);
	card_answer(c, 0, &rs);
	check_target(&rs, AID_13);
	card_answer(c, 1, &rs);
	check_target(&rs, AID_13);
	card_answer(c, 2, &rs);
	assert_int_equal(rs.status, 204);
	m2m_scp03t_host_wipe(&x.h);
	m2m_scp03_keys_wipe(&k);
	m2m_buf_free(&iu);
	m2m_buf_free(&body);
	card_free(c);
	rig_free(r);
	fx_server_free(f);
}

/* A card that connects with nothing queued is told 204 at once. */
static void test_nothing_queued(void **state)
{
	fixture *f = fx_server(NULL);
	rig *r = rig_new();
	card_run *c;

	(void)state;
	fx_send_trigger(f, r, 6);
	c = card_start(f, r, CARD_NORMAL, 0);
	run_until(f, 0, 1, 0);
	card_join(c);
	assert_true(c->done);
	assert_int_equal(c->exchanges, 1);
	assert_int_equal(c->last_status, 204);
	assert_int_equal(f->triggers, 0);
	assert_int_equal(f->ndone, 0);
	card_free(c);
	rig_free(r);
	fx_server_free(f);
}

/* no_chunked: the script goes with Content-Length; the card reads it all the same. */
static void test_content_length(void **state)
{
	m2m_scp81_server_opts o = {.no_chunked = true, .uri_base = "/ra/x"};
	fixture *f;
	rig *r = rig_new();
	const char *get[] = {GET_EID};
	m2m_scp81_response rs;
	card_run *c;

	(void)state;
	f = fx_server(&o);
	enqueue_hex(f, NULL, get, 1);
	fx_send_trigger(f, r, 6);
	c = card_start(f, r, CARD_NORMAL, 0);
	run_until(f, 1, 1, 0);
	card_join(c);
	assert_true(c->done);
	assert_string_equal(f->done[0].response,
			    "af80800101" "2314" "5a10" EID_HEX "9000" "0000");
	card_answer(c, 0, &rs);
	assert_int_equal(rs.framing, M2M_SCP81_BODY_LENGTH);
	assert_int_equal(rs.content_length, 2 + 2 + 5 + 2); /* AE80 2205 <GET DATA> 0000 */
	assert_true(rs.next_uri.len == 6 + 16 + 2 && memcmp(rs.next_uri.p, "/ra/x/", 6) == 0);
	card_free(c);
	rig_free(r);
	fx_server_free(f);
}

/* Linger: the response POST to the enable finds nothing queued and is parked (the session
 * stays open, the card waits); the audit queued later goes out on that exchange without a
 * trigger; linger 0 before it: after its answer, 204. One connection for both. */
static void test_linger(void **state)
{
	fixture *f = fx_server(NULL);
	rig *r = rig_new();
	const char *enable[] = {ENABLE_14};
	const char *audit[] = {GET_FF21};
	card_run *c;

	(void)state;
	fx_profile(r->c, AID_14, 0);
	assert_int_equal(m2m_scp81_server_linger(f->srv, f->eid, 60000), M2M_OK);
	enqueue_hex(f, NULL, enable, 1);
	assert_int_equal(f->triggers, 1);
	fx_send_trigger(f, r, 6);
	c = card_start(f, r, CARD_NORMAL, 0);
	run_until(f, 1, 0, 0);
	/* Answered; the reply to that POST is held: session open, card still there. */
	assert_true(m2m_scp81_server_in_session(f->srv, f->eid));
	assert_int_equal(m2m_scp81_server_pending(f->srv, f->eid), 0);
	assert_int_equal(f->cards_done, 0);
	assert_int_equal(m2m_scp81_server_linger(f->srv, f->eid, 0), M2M_OK);
	enqueue_hex(f, NULL, audit, 1);
	assert_int_equal(f->triggers, 1); /* the card is here: no trigger */
	run_until(f, 2, 1, 0);
	card_join(c);
	assert_string_equal(c->error, "");
	assert_true(c->done);
	assert_int_equal(c->connections, 1);
	assert_int_equal(c->exchanges, 3);
	assert_int_equal(c->last_status, 204);
	assert_int_equal(f->done[1].result, M2M_SCP81_CMD_ANSWERED);
	assert_memory_equal(f->done[1].response, "af80" "800101" "2312" "ff21", 18);
	assert_false(m2m_scp81_server_in_session(f->srv, f->eid));
	assert_int_equal(r->c->e->isdp[fx_idx(r->c, AID_14)].lcs, M2M_EUICC_LCS_ENABLED);
	card_free(c);
	rig_free(r);
	fx_server_free(f);
}

/* Nobody queues within the linger: the parked POST gets 204 and the session ends. */
static void test_linger_over(void **state)
{
	fixture *f = fx_server(NULL);
	rig *r = rig_new();
	const char *get[] = {GET_EID};
	card_run *c;

	(void)state;
	assert_int_equal(m2m_scp81_server_linger(NULL, f->eid, 1), M2M_ERR_ARG);
	assert_int_equal(m2m_scp81_server_linger(f->srv, f->eid, 200), M2M_OK);
	enqueue_hex(f, NULL, get, 1);
	fx_send_trigger(f, r, 6);
	c = card_start(f, r, CARD_NORMAL, 0);
	run_until(f, 1, 1, 0);
	card_join(c);
	assert_true(c->done);
	assert_int_equal(c->connections, 1);
	assert_int_equal(c->exchanges, 2);
	assert_int_equal(c->last_status, 204);
	assert_false(m2m_scp81_server_in_session(f->srv, f->eid));
	/* The setting went with the session: the next command gets a 204 right after it. */
	enqueue_hex(f, NULL, get, 1);
	assert_int_equal(f->triggers, 2);
	card_free(c);
	rig_free(r);
	fx_server_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enable_and_audit),
		cmocka_unit_test(test_isdp_scp03t),
		cmocka_unit_test(test_nothing_queued),
		cmocka_unit_test(test_content_length),
		cmocka_unit_test(test_linger),
		cmocka_unit_test(test_linger_over),
	};
	m2m_log_setup(M2M_LOG_WARN, M2M_LOG_PLAIN, stderr);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
