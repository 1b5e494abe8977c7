/* m2mrsp bench ws: the SOAP layer's CPU per message, in process, on one thread. One ES3
 * SendData of B bytes (default 12 251, the TS.48 package: 24.5 KB of hex) goes through what
 * each side of an ES call does with it: built (m2m_ws_add_bytes), validated, written as a SOAP
 * envelope (the sender); parsed, validated, its Data read back (the receiver). Each step is
 * timed alone over the same messages, then the whole round. No socket, no TLS (those are in
 * the end to end benches). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "cli/cli.h"
#include "ws/msg.h"
#include "ws/schema.h"
#include "ws/soap.h"

#define WHAT "bench ws"

typedef struct {
	m2m_ws_schema *schema;
	uint8_t *data;
	size_t len;
	m2m_ws_msg *built;  /* the last message built */
	m2m_buf wire;       /* its envelope */
	m2m_ws_msg *parsed; /* the last one parsed */
} ws_ctx;

static const uint8_t sd_aid[] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
				 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x11, 0x00};

static m2m_err build(ws_ctx *c, m2m_ws_msg **out)
{
	char id[M2M_WS_MESSAGE_ID_SIZE];
	m2m_ws_msg *m = NULL;
	m2m_err err = m2m_ws_new_message_id(id, sizeof id);

	if (err == M2M_OK)
		err = m2m_ws_request_new(M2M_WS_ES3_SEND_DATA, id, 0, &m);
	if (err == M2M_OK)
		err = m2m_ws_add(m, NULL, "Eid", "89001012012341234012345678901224", NULL);
	if (err == M2M_OK)
		err = m2m_ws_add_bytes(m, NULL, "Sd-aid", sd_aid, sizeof sd_aid, NULL);
	if (err == M2M_OK)
		err = m2m_ws_add_bytes(m, NULL, "Data", c->data, c->len, NULL);
	if (err == M2M_OK)
		err = m2m_ws_add_bool(m, NULL, "MoreToDo", false, NULL);
	if (err == M2M_OK)
		err = m2m_ws_msg_set_wsa(m, M2M_WS_WSA_MESSAGE_ID, id);
	if (err == M2M_OK)
		err = m2m_ws_msg_set_wsa(m, M2M_WS_WSA_ACTION,
					 m2m_ws_msg_function(m)->request_action);
	if (err == M2M_OK)
		err = m2m_ws_msg_set_wsa(m, M2M_WS_WSA_TO, "https://127.0.0.1:4443/soap/es3");
	if (err == M2M_OK)
		err = m2m_ws_msg_set_wsa(m, M2M_WS_WSA_FROM, "http://smdp1.example/");
	if (err != M2M_OK)
		m2m_ws_msg_free(m);
	else
		*out = m;
	return err;
}

static bool op_build(void *arg)
{
	ws_ctx *c = arg;
	m2m_ws_msg *m = NULL;

	if (build(c, &m) != M2M_OK)
		return false;
	m2m_ws_msg_free(c->built);
	c->built = m;
	return true;
}

static bool op_validate_built(void *arg)
{
	ws_ctx *c = arg;
	m2m_ws_error e;

	return m2m_ws_schema_validate_msg(c->schema, c->built, &e) == M2M_OK;
}

static bool op_write(void *arg)
{
	ws_ctx *c = arg;

	c->wire.len = 0;
	return m2m_ws_soap_write(c->built, &c->wire) == M2M_OK;
}

static bool op_parse(void *arg)
{
	ws_ctx *c = arg;
	m2m_ws_msg *m = NULL;
	m2m_ws_error e;

	if (m2m_ws_soap_parse(c->wire.data, c->wire.len, &m, &e) != M2M_OK)
		return false;
	m2m_ws_msg_free(c->parsed);
	c->parsed = m;
	return true;
}

static bool op_validate_parsed(void *arg)
{
	ws_ctx *c = arg;
	m2m_ws_error e;

	return m2m_ws_schema_validate_msg(c->schema, c->parsed, &e) == M2M_OK;
}

static bool op_read(void *arg)
{
	ws_ctx *c = arg;
	m2m_buf b;
	bool ok;

	m2m_buf_init(&b);
	ok = m2m_ws_get_bytes(m2m_ws_msg_body(c->parsed), "Data", &b) == M2M_OK &&
	     b.len == c->len && memcmp(b.data, c->data, c->len) == 0;
	m2m_buf_free(&b);
	return ok;
}

/* Both sides of one message: what an ES call costs the two processes in the SOAP layer. */
static bool op_round(void *arg)
{
	return op_build(arg) && op_validate_built(arg) && op_write(arg) && op_parse(arg) &&
	       op_validate_parsed(arg) && op_read(arg);
}

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run(ws_ctx *c, double seconds)
{
	static const struct {
		const char *name;
		bool (*op)(void *);
	} steps[] = {
		{"build (request_new, add_bytes)", op_build},
		{"validate the built message", op_validate_built},
		{"write the SOAP envelope", op_write},
		{"parse the envelope", op_parse},
		{"validate the parsed message", op_validate_parsed},
		{"read Data (hex decode)", op_read},
		{"the whole round (both sides)", op_round},
	};

	if (!op_round(c)) {
		fprintf(stderr, "%s: the message does not go round\n", WHAT);
		return M2M_EXIT_FAILED;
	}
	printf("# m2mrsp bench ws: ES3 SendData, Data %zu bytes, envelope %zu bytes, one thread\n",
	       c->len, c->wire.len);
	printf("  %-34s %10s %12s\n", "step", "per s", "CPU us each");
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		double t0 = cpu_now(), w0 = wall_now();
		double rate = m2m_bench_rate(steps[i].op, c, seconds);
		double cpu = cpu_now() - t0, ops = rate * (wall_now() - w0);

		if (rate < 0) {
			fprintf(stderr, "%s: %s failed\n", WHAT, steps[i].name);
			return M2M_EXIT_FAILED;
		}
		printf("  %-34s %10.0f %12.1f\n", steps[i].name, rate, 1e6 * cpu / ops);
	}
	return M2M_EXIT_OK;
}

int m2m_bench_ws(int argc, char **argv)
{
	ws_ctx c = {0};
	double seconds = 1;
	size_t bytes = 12251;
	int rc = m2m_bench_seconds_bytes(WHAT, argc, argv, &seconds, &bytes, 65536);

	m2m_buf_init(&c.wire);
	if (rc != M2M_EXIT_OK)
		goto out;
	rc = M2M_EXIT_FAILED;
	if (m2m_ws_schema_load(NULL, &c.schema) != M2M_OK) {
		fprintf(stderr, "%s: the GSMA schema was not found\n", WHAT);
		goto out;
	}
	if (!(c.data = malloc(bytes)))
		goto out;
	for (size_t i = 0; i < bytes; i++)
		c.data[i] = (uint8_t)(i * 131u + 7u);
	c.len = bytes;
	rc = run(&c, seconds);
out:
	m2m_ws_msg_free(c.built);
	m2m_ws_msg_free(c.parsed);
	m2m_buf_free(&c.wire);
	free(c.data);
	m2m_ws_schema_free(c.schema);
	return rc;
}
