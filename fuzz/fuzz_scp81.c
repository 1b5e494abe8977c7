/*
 * libFuzzer target for the SCP81 parsers: PSK identity (binary and hex), trigger, HTTP request
 * and response heads, and the chunked decoder (strict and lenient). Besides "never crash",
 * what parses must stay inside the input: pointers, head lengths, consumed byte counts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "card/scp81.h"

static void inside(const void *p, size_t len, const uint8_t *data, size_t size)
{
	const uint8_t *q = p;
	if (q != NULL && (q < data || len > size || q - data > (ptrdiff_t)(size - len)))
		abort();
}

static void fuzz_trigger(const uint8_t *data, size_t size)
{
	m2m_scp81_trigger t;
	if (m2m_scp81_trigger_parse(data, size, &t, NULL) != M2M_OK)
		return;
	inside(t.conn.p, t.conn.len, data, size);
	inside(t.psk_id.p, t.psk_id.len, data, size);
	inside(t.admin_host.p, t.admin_host.len, data, size);
	inside(t.admin_uri.p, t.admin_uri.len, data, size);
	inside(t.dns_fqdn.p, t.dns_fqdn.len, data, size);
	/* What parses rebuilds, to the same length unless unknown tags were skipped. */
	m2m_buf b;
	m2m_buf_init(&b);
	if (m2m_scp81_trigger_build(&t, &b) != M2M_OK || b.len > size + 2)
		abort();
	m2m_buf_free(&b);
}

static void fuzz_http(const uint8_t *data, size_t size)
{
	m2m_scp81_request rq;
	m2m_scp81_response rs;
	size_t head = 0;
	if (m2m_scp81_request_parse(data, size, &rq, &head, NULL) == M2M_OK) {
		if (head > size)
			abort();
		inside(rq.uri.p, rq.uri.len, data, size);
		inside(rq.host.p, rq.host.len, data, size);
	}
	if (m2m_scp81_response_parse(data, size, &rs, &head, NULL) == M2M_OK) {
		if (head > size)
			abort();
		inside(rs.next_uri.p, rs.next_uri.len, data, size);
	}
}

static void fuzz_chunked(const uint8_t *data, size_t size, unsigned flags)
{
	m2m_buf out;
	size_t used = 0;
	m2m_buf_init(&out);
	if (m2m_scp81_chunked_decode(data, size, 4096, flags, &out, &used, NULL) == M2M_OK &&
	    (used > size || out.len > used || out.len > 4096))
		abort();
	m2m_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	m2m_scp81_psk_id id;
	m2m_scp81_psk_id_parse(data, size, &id, NULL);
	m2m_scp81_psk_id_parse_hex((const char *)data, size, &id, NULL);
	fuzz_trigger(data, size);
	fuzz_http(data, size);
	fuzz_chunked(data, size, 0);
	fuzz_chunked(data, size, M2M_SCP81_CHUNKED_LENIENT_END);
	return 0;
}
