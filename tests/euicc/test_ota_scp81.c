/* SCP81 with the card as HTTP client: trigger by SMS, PSK credentials, first POST, a script
 * in a 200, the response script in the next POST, 204 ends the session. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "scp81_fixture.h"

static void test_session(void **state)
{
	rig *r = rig_new();
	m2m_buf req, id, psk, expect;
	char hx[1024];
	uint8_t key[16];

	(void)state;
	m2m_buf_init(&req);
	m2m_buf_init(&id);
	m2m_buf_init(&psk);
	m2m_buf_init(&expect);
	assert_int_equal(m2m_euicc_ota_scp81_first(r->c->e, &r->ota, &req), M2M_ERR_STATE);
	trigger(r, true, 6);
	/* TLS-PSK: identity 80 01 02 | 81 10 EID | 4F 10 ISD-R | 82 01 01 | 83 01 41. */
	assert_int_equal(m2m_euicc_ota_scp81_psk(r->c->e, &r->ota, &id, &psk), M2M_OK);
	assert_int_equal(id.len, 90);
	assert_memory_equal(id.data, "800102811089001012012341234012345678901224" "4F10"
				     "A0000005591010FFFFFFFF8900000100" "820101830141", 90);
	memset(key, 0x41, sizeof key);
	assert_int_equal(psk.len, 16);
	assert_memory_equal(psk.data, key, 16);
	/* First POST: head only. */
	assert_int_equal(m2m_euicc_ota_scp81_first(r->c->e, &r->ota, &req), M2M_OK);
	{
		const char *want = "POST /server/adminagent?cmd=1 HTTP/1.1\r\n"
				   "Host: 10.8.40.125\r\n"
				   "X-Admin-Protocol: globalplatform-remote-admin/1.0\r\n" FROM
				   "\r\n";
		assert_int_equal(req.len, strlen(want));
		assert_memory_equal(req.data, want, req.len);
	}
	/* A script: CreateISDP 13 + GET DATA FF21. */
	assert_int_equal(serve(r, "/server/adminagent?cmd=2", NULL,
			       "AE80 2245 80E60C003F 10" AID_PREFIX_HEX "00000D00 10" AID_PREFIX_HEX
			       "00000E00 10" AID_13 " 0380C000 06C90481020370 00 00"
			       " 2205 80CAFF2100 0000",
			       &req),
			 M2M_OK);
	assert_false(r->out.scp81_done);
	read_post(&req, "/server/adminagent?cmd=2", M2M_SCP81_SS_OK, hx);
	assert_string_equal(hx, "af80800102" "2303009000"
				"2312ff210d81010282040001117083023a929000" "0000");
	assert_true(r->out.ev.state_changed);
	assert_true(fx_idx(r->c, AID_13) >= 0);
	/* A target the card does not know (no ISD-P routing linked): unknown-application. */
	assert_int_equal(serve(r, "/n3", AID_PREFIX_HEX "00009900", "AE80 2205 80CAFF2100 0000",
			       &req),
			 M2M_OK);
	read_post(&req, "/n3", M2M_SCP81_SS_UNKNOWN_APPLICATION, hx);
	assert_string_equal(hx, "");
	/* The ISD-R named explicitly, and a body that is not a script. */
	assert_int_equal(serve(r, "/n4", AID_ISDR, "0102", &req), M2M_OK);
	read_post(&req, "/n4", M2M_SCP81_SS_OK, hx);
	assert_string_equal(hx, "af80800100900101" "0000");
	/* 204 ends it. */
	m2m_buf_reset(&req);
	{
		const char *end = "HTTP/1.1 204 No Content\r\n"
				  "X-Admin-Protocol: globalplatform-remote-admin/1.0\r\n\r\n";
		assert_int_equal(m2m_euicc_ota_scp81_response(r->c->e, &r->ota,
							      (const uint8_t *)end, strlen(end),
							      &req, &r->out),
				 M2M_OK);
	}
	assert_true(r->out.scp81_done);
	assert_int_equal(req.len, 0);
	assert_int_equal(r->ota.scp81.state, M2M_EUICC_OTA_SCP81_IDLE);
	assert_int_equal(m2m_euicc_ota_scp81_response(r->c->e, &r->ota, (const uint8_t *)"x", 1,
						      &req, &r->out),
			 M2M_ERR_STATE);
	m2m_buf_free(&req);
	m2m_buf_free(&id);
	m2m_buf_free(&psk);
	m2m_buf_free(&expect);
	rig_free(r);
}

/* Default URI when 8C is absent; a 500 ends the session; garbage too. */
static void test_defaults_and_errors(void **state)
{
	rig *r = rig_new();
	m2m_buf req;
	const char *err500 = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n";

	(void)state;
	m2m_buf_init(&req);
	trigger(r, false, 6);
	assert_int_equal(m2m_euicc_ota_scp81_first(r->c->e, &r->ota, &req), M2M_OK);
	assert_memory_equal(req.data, "POST /polling HTTP/1.1\r\n", 24);
	m2m_buf_reset(&req);
	assert_int_equal(m2m_euicc_ota_scp81_response(r->c->e, &r->ota, (const uint8_t *)err500,
						      strlen(err500), &req, &r->out),
			 M2M_OK);
	assert_true(r->out.scp81_done);
	assert_int_equal(req.len, 0);
	trigger(r, false, 7);
	assert_int_equal(m2m_euicc_ota_scp81_first(r->c->e, &r->ota, &req), M2M_OK);
	m2m_buf_reset(&req);
	assert_int_not_equal(m2m_euicc_ota_scp81_response(r->c->e, &r->ota,
							  (const uint8_t *)"HTTP/9 x\r\n\r\n", 13,
							  &req, &r->out),
			     M2M_OK);
	assert_true(r->out.scp81_done);
	assert_int_equal(r->ota.scp81.state, M2M_EUICC_OTA_SCP81_IDLE);
	m2m_buf_free(&req);
	rig_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session),
		cmocka_unit_test(test_defaults_and_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
