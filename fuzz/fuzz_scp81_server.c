/*
 * libFuzzer target for what the SM-SR's SCP81 admin server reads from a card: the request URI
 * (X-Admin-Next-URI of a session and script) and the X-Admin-* / Content-Type headers.
 * Input: the URI on the first line, then "name: value" lines, as evhttp hands them over.
 * Besides "never crash": a URI that parses prints back to itself (case aside).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "smsr/scp81_server_int.h"

#define LINE_MAX_ 512

static const uint8_t eid[16] = {0x89, 0x00, 0x10, 0x12, 0x01, 0x23, 0x41, 0x23,
				0x40, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x24};

/* The next line (without CR/LF) into out; returns the bytes consumed. */
static size_t line(const uint8_t *p, size_t n, char out[LINE_MAX_])
{
	size_t i = 0, k = 0;

	while (i < n && p[i] != '\n') {
		if (p[i] != '\r' && p[i] != '\0' && k + 1 < LINE_MAX_)
			out[k++] = (char)p[i];
		i++;
	}
	out[k] = '\0';
	return i < n ? i + 1 : i;
}

static void check_uri(const char *uri)
{
	m2m_scp81_server s;
	char back[M2M_SCP81_SERVER_URI_MAX];
	uint64_t session = 0;
	uint32_t seq = 0;

	memset(&s, 0, sizeof s);
	strcpy(s.uri_base, "/scp81");
	if (!m2m_scp81_http_parse_uri(&s, uri, &session, &seq))
		return;
	m2m_scp81_http_next_uri(&s, session, seq, back);
	if (strcasecmp(back, uri) != 0 || seq == 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evhttp_request *er = evhttp_request_new(NULL, NULL);
	struct evkeyvalq *h;
	m2m_http_request req;
	m2m_scp81_script_status st;
	char uri[LINE_MAX_], l[LINE_MAX_];
	const char *why = NULL;
	size_t off;

	if (er == NULL)
		return 0;
	h = evhttp_request_get_input_headers(er);
	off = line(data, size, uri);
	while (off < size) {
		char *colon;
		off += line(data + off, size - off, l);
		colon = strchr(l, ':');
		if (colon == NULL)
			continue;
		*colon++ = '\0';
		while (*colon == ' ')
			colon++;
		(void)evhttp_add_header(h, l, colon);
	}
	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.uri = uri;
	req.body = (const uint8_t *)"";
	req.priv = er;
	check_uri(uri);
	if (m2m_scp81_http_check(&req, eid, &why) != M2M_OK && why == NULL)
		abort();
	why = NULL;
	if (m2m_scp81_http_status(&req, &st, &why) != M2M_OK && why == NULL)
		abort();
	why = NULL;
	if (m2m_scp81_http_response_type(&req, &why) != M2M_OK && why == NULL)
		abort();
	evhttp_request_free(er);
	return 0;
}
