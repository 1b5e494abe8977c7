/* The control API on loopback HTTP, JSON in and out (docs/devices.md "Control API"):
 *   GET  /devices/{eid}                 the device (no key values) and its runtime state
 *   POST /devices/{eid}/network-loss    fall-back (m2m_euicc_fallback_activate)
 *   POST /devices/{eid}/power           {"state": "on"|"off", "seconds": N}
 *   GET  /stats                         counters */
#include <stdio.h>
#include <string.h>

#include "core/hex.h"
#include "core/log.h"
#include "farm/farm_int.h"

static void reply(m2m_http_response *resp, int code, json_t *body)
{
	char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;

	m2m_http_response_status(resp, code, NULL);
	(void)m2m_http_response_header(resp, "Content-Type", "application/json");
	if (text != NULL) {
		(void)m2m_http_response_body(resp, text, strlen(text));
		(void)m2m_http_response_body(resp, "\n", 1);
	}
	free(text);
	json_decref(body);
}

static void fail_reply(m2m_http_response *resp, int code, const char *msg)
{
	reply(resp, code, json_pack("{s:s}", "error", msg));
}

static void power(m2m_farm *f, const uint8_t eid[16], const m2m_http_request *req,
		  m2m_http_response *resp)
{
	json_error_t je;
	json_t *in = json_loadb((const char *)req->body, req->body_len, 0, &je);
	const char *state = NULL;
	json_int_t secs = 0;
	m2m_err err;

	if (in == NULL || json_unpack(in, "{s:s, s?I}", "state", &state, "seconds", &secs) != 0 ||
	    (strcmp(state, "on") != 0 && strcmp(state, "off") != 0) || secs < 0 ||
	    secs > 86400 * 365) {
		json_decref(in);
		fail_reply(resp, 400, "body: {\"state\": \"on\"|\"off\", \"seconds\": N}");
		return;
	}
	err = m2m_farm_power(f, eid, strcmp(state, "on") == 0, (unsigned)secs);
	json_decref(in);
	if (err == M2M_ERR_TLV_NOT_FOUND)
		fail_reply(resp, 404, "no such device");
	else if (err != M2M_OK)
		fail_reply(resp, 500, m2m_strerror(err));
	else
		reply(resp, 200, json_pack("{s:s}", "result", "ok"));
}

/* Runs one device action; returns the HTTP status, *out the JSON answer. */
static int device(m2m_farm *f, const uint8_t eid[16], const char *action,
		  const m2m_http_request *req, json_t **out)
{
	bool get = strcmp(req->method, "GET") == 0, post = strcmp(req->method, "POST") == 0;
	m2m_err err;

	*out = NULL;
	if (action == NULL && !get)
		return 405;
	if (action == NULL) {
		err = m2m_farm_device_json(f, eid, out);
	} else if (strcmp(action, "network-loss") == 0) {
		if (!post)
			return 405;
		err = m2m_farm_network_loss(f, eid);
		if (err == M2M_ERR_STATE)
			return 409;
	} else {
		return 404;
	}
	if (err == M2M_ERR_TLV_NOT_FOUND)
		return 404;
	if (err != M2M_OK)
		return 500;
	if (*out == NULL)
		*out = json_pack("{s:s}", "result", "ok");
	return 200;
}

static const char *why(int code)
{
	switch (code) {
	case 400:
		return "the EID is 32 hex digits";
	case 404:
		return "no such device or resource";
	case 405:
		return "method not allowed";
	case 409:
		return "no fall-back profile to enable";
	default:
		return "internal error";
	}
}

static void handler(void *arg, const m2m_http_request *req, m2m_http_response *resp)
{
	m2m_farm *f = arg;
	char path[128], *action;
	uint8_t eid[16];
	size_t n = strcspn(req->uri, "?");
	json_t *out = NULL;
	int code = 404;

	if (n < sizeof path) {
		memcpy(path, req->uri, n);
		path[n] = '\0';
		action = strncmp(path, "/devices/", 9) == 0 ? strchr(path + 9, '/') : NULL;
		if (action != NULL)
			*action++ = '\0';
		if (strcmp(path, "/stats") == 0)
			code = strcmp(req->method, "GET") != 0 ? 405 : 200;
		else if (strncmp(path, "/devices/", 9) != 0)
			code = 404;
		else if (m2m_hex_decode_exact(path + 9, eid, 16) != M2M_OK)
			code = 400;
		else if (action != NULL && strcmp(action, "power") == 0)
			code = strcmp(req->method, "POST") != 0 ? 405 : 0;
		else
			code = device(f, eid, action, req, &out);
		if (code == 200 && out == NULL)
			out = m2m_farm_stats_json(f);
	}
	if (code == 0)
		power(f, eid, req, resp);
	else if (code == 200)
		reply(resp, 200, out);
	else
		fail_reply(resp, code, why(code));
}

m2m_err farm_control_start(m2m_farm *f)
{
	m2m_http_server_opts o;

	memset(&o, 0, sizeof o);
	o.address = f->cfg.control_addr;
	o.port = f->cfg.control_port;
	o.max_body = 4096;
	o.handler = handler;
	o.arg = f;
	return m2m_http_server_new(f->base, &o, &f->control);
}
