/* The SM-SR side of SCP81 for the OTA tests: the trigger by SMS, the server's 200 (with an
 * optional X-Admin-Targeted-Application) fed to the card, the card's POST read back. */
#ifndef SCP81_FIXTURE_H
#define SCP81_FIXTURE_H

#include "test_ota_common.h"

#define FROM "X-Admin-From: //se-id/eid/89001012012341234012345678901224;" \
	     "//aa-id/aid/A000000559/1010FFFFFFFF8900000100\r\n"

/* The trigger as SCP80 secured data to the ISD-R (host and URI given, PSK 41/01). */
static inline void trigger(rig *r, bool with_uri, uint64_t cntr)
{
	m2m_scp81_trigger t;
	m2m_buf b;
	m2m_scp80_hdr h = srv_hdr(0x16, 0x19, 0x000001, cntr);
	static const uint8_t pskid[4] = {0xDE, 0xAD, 0xBE, 0xEF};

	memset(&t, 0, sizeof t);
	t.has_http = true;
	t.admin_host = m2m_scp81_str_c("10.8.40.125");
	if (with_uri)
		t.admin_uri = m2m_scp81_str_c("/server/adminagent?cmd=1");
	t.has_psk = true;
	t.psk_id.p = pskid;
	t.psk_id.len = sizeof pskid;
	t.kvn = 0x41;
	t.kid = 0x01;
	m2m_buf_init(&b);
	assert_int_equal(m2m_scp81_trigger_build(&t, &b), M2M_OK);
	srv_packet(r, &h, &b);
	feed_ud(r, r->parts[0].data, r->parts[0].len, 0xF6);
	assert_true(r->out.scp81_open);
	assert_int_equal(r->out.por_status, 0);
	assert_int_equal(r->ota.scp81.state, M2M_EUICC_OTA_SCP81_TRIGGERED);
	m2m_buf_free(&b);
}

/* The server's 200 with a body (and optionally a target), through the card. */
static inline m2m_err serve_bin(rig *r, const char *next, const char *target_hex,
				const m2m_buf *body, m2m_buf *request)
{
	m2m_scp81_response rs;
	m2m_buf http;
	m2m_err err;

	memset(&rs, 0, sizeof rs);
	rs.status = 200;
	rs.next_uri = m2m_scp81_str_c(next);
	if (target_hex != NULL) {
		rs.has_target = true;
		rs.target.len = 16;
		assert_int_equal(m2m_hex_decode_exact(target_hex, rs.target.b, 16), M2M_OK);
	}
	m2m_buf_init(&http);
	assert_int_equal(m2m_scp81_response_build(&rs, body->data, body->len, &http), M2M_OK);
	/* Incomplete input: read more, nothing changes. */
	m2m_buf_reset(request);
	assert_int_equal(m2m_euicc_ota_scp81_response(r->c->e, &r->ota, http.data, http.len - 3,
						      request, &r->out),
			 M2M_ERR_BOUNDS);
	assert_int_equal(request->len, 0);
	err = m2m_euicc_ota_scp81_response(r->c->e, &r->ota, http.data, http.len, request,
					   &r->out);
	m2m_buf_free(&http);
	return err;
}

static inline m2m_err serve(rig *r, const char *next, const char *target_hex,
			    const char *body_hex, m2m_buf *request)
{
	m2m_buf body;
	m2m_err err;

	m2m_buf_init(&body);
	hexbuf(body_hex, &body);
	err = serve_bin(r, next, target_hex, &body, request);
	m2m_buf_free(&body);
	return err;
}

/* The card's POST as the server reads it; body (hex) gets the decoded response script. */
static inline void read_post(const m2m_buf *request, const char *uri,
			     m2m_scp81_script_status st, char *body_hex)
{
	m2m_scp81_request rq;
	m2m_buf body;
	size_t head_len = 0, used = 0;

	m2m_buf_init(&body);
	assert_int_equal(m2m_scp81_request_parse(request->data, request->len, &rq, &head_len,
						 NULL),
			 M2M_OK);
	assert_int_equal(rq.uri.len, strlen(uri));
	assert_memory_equal(rq.uri.p, uri, rq.uri.len);
	assert_int_equal(rq.status, st);
	assert_int_equal(rq.framing, M2M_SCP81_BODY_CHUNKED);
	assert_int_equal(m2m_scp81_chunked_decode(request->data + head_len,
						  request->len - head_len, 65536, 0, &body, &used,
						  NULL),
			 M2M_OK);
	assert_int_equal(head_len + used, request->len);
	m2m_hex_encode(body.data, body.len, body_hex);
	m2m_buf_free(&body);
}

#endif
