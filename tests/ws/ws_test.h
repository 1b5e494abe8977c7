/* Helpers shared by the ws tests: sample files and the schema of data/wsdl. */
#ifndef M2M_TESTS_WS_TEST_H
#define M2M_TESTS_WS_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include "core/buf.h"
#include "ws/schema.h"

#define WS_DATA_DIR M2MRSP_SOURCE_DIR "/tests/ws/data/"
#define WS_WSDL_DIR M2MRSP_SOURCE_DIR "/data/wsdl"

/* Reads tests/ws/data/<name> into b (NUL-terminated, the NUL not counted); aborts on error. */
static inline void ws_test_load(const char *name, m2m_buf *b)
{
	char path[512];
	char chunk[4096];
	size_t n;
	snprintf(path, sizeof path, "%s%s", WS_DATA_DIR, name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "cannot open %s\n", path);
		abort();
	}
	m2m_buf_init(b);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (m2m_buf_append(b, chunk, n) != M2M_OK)
			abort();
	fclose(f);
	if (m2m_buf_append_u8(b, 0) != M2M_OK)
		abort();
	b->len--;
}

static inline m2m_ws_schema *ws_test_schema(void)
{
	m2m_ws_schema *s = NULL;
	if (m2m_ws_schema_load(WS_WSDL_DIR, &s) != M2M_OK) {
		fprintf(stderr, "cannot load the schema from %s\n", WS_WSDL_DIR);
		abort();
	}
	return s;
}

static void ws_test_quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static void ws_test_print_error(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	fprintf(stderr, "envelope schema: %s", e && e->message ? e->message : "?\n");
}

/* Validates a whole serialised envelope (tests/ws/data/envelope.xsd: soap-12.xsd, ws-addr.xsd,
 * messages.xsd). Returns 1 when valid. */
static inline int ws_test_envelope_valid(const uint8_t *p, size_t n)
{
	static xmlSchemaPtr envelope;
	int ok = 0;
	if (!envelope) {
		xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(WS_DATA_DIR "envelope.xsd");
		xmlSchemaSetParserErrors(pc, ws_test_quiet, ws_test_quiet, NULL);
		envelope = xmlSchemaParse(pc);
		xmlSchemaFreeParserCtxt(pc);
		if (!envelope)
			abort();
	}
	xmlDocPtr doc = xmlReadMemory((const char *)p, (int)n, NULL, NULL, XML_PARSE_NONET);
	xmlSchemaValidCtxtPtr v = xmlSchemaNewValidCtxt(envelope);
	xmlSchemaSetValidStructuredErrors(v, ws_test_print_error, NULL);
	if (doc && xmlSchemaValidateDoc(v, doc) == 0)
		ok = 1;
	else
		fprintf(stderr, "invalid envelope:\n%.*s\n", (int)n, (const char *)p);
	xmlSchemaFreeValidCtxt(v);
	xmlFreeDoc(doc);
	return ok;
}

/* s with the first occurrence of from replaced by to (heap; free()). */
static inline char *ws_test_replace(const char *s, const char *from, const char *to)
{
	const char *p = strstr(s, from);
	if (!p)
		abort();
	size_t a = (size_t)(p - s), fl = strlen(from), tl = strlen(to), rest = strlen(p + fl);
	char *r = malloc(a + tl + rest + 1);
	if (!r)
		abort();
	memcpy(r, s, a);
	memcpy(r + a, to, tl);
	memcpy(r + a + tl, p + fl, rest + 1);
	return r;
}

#endif
