/*
 * End to end, notifications (issue 6): `m2mrsp devices init --second-profile` (two eUICCs,
 * the TS.48 bootstrap enabled and fall-back in ISD-P 000010, a second profile disabled in
 * ISD-P 000011), `m2mrsp devices run` and `m2mrsp smsr` as real processes. This program is
 * the operator: an ES4 client with the mno1 certificate, and the MNO's ES4 endpoint over
 * HTTPS with mutual TLS (the mno1 server certificate; the SM-SR presents smsr1's) that
 * receives the deferred answers and the Handle*Notification calls.
 *
 * EnableProfile of the second profile: the card switches and sends notification 02; the SM-SR
 * confirms it with 3A08 (the farm has nothing pending), its EIS says the second profile is
 * enabled, and HandleProfileEnabledNotification reaches the MNO. Then the farm's network
 * loss: the card falls back to the bootstrap (notification 05); the EIS follows, the MNO
 * hears of both profiles, and the POL2 rule DISABLE Auto-Delete of the second profile makes
 * the SM-SR delete its ISD-P on the card and tell the MNO (HandleProfileDeletedNotification).
 * Each card notification delivered to the MNO becomes `forwarded` in the store. DeleteProfile
 * of a disabled profile: one Deleted notification; with the MNO's ONC leaving out `deleted`:
 * none.
 *
 * The outbox (docs/smsr.md "Notifications"): the MNO endpoint refuses (HTTP 503) the first
 * notifications of an EnableProfile; they come later, once each and in order, and the card's
 * notification becomes `forwarded` only then. With the MNO unreachable (a dead [peers] URL),
 * the Deleted notification of a DeleteProfile stays pending across a restart of the SM-SR
 * and reaches the MNO, once, when the restarted SM-SR has the right URL.
 */
#define _POSIX_C_SOURCE 200809L
#define NDEV 5
#include "e2e_harness.h"

#define MSG_MAX 64
#define AID_BOOT "A0000005591010FFFFFFFF8900001000"
#define AID_2 "A0000005591010FFFFFFFF8900001100"

/* What the MNO endpoint received: an answer (callback) or a notification, with who sent it. */
typedef struct {
	bool answer;
	m2m_ws_fn fn;
	char relates_to[128];
	char eid[40], iccid[24], caller[M2M_WS_ENTITY_ID_MAX];
} received;

/* Under F->lock. */
static received msgs[MSG_MAX];
static size_t n_msgs;
static int refuse_left; /* Handle*Notification POSTs still to refuse */
static int refused;     /* ... refused so far */

/* ---- the MNO's ES4 endpoint (HTTPS, mutual TLS) ---- */

static void text_of(const m2m_ws_msg *m, const char *name, char *out, size_t cap)
{
	const m2m_ws_node *n = m2m_ws_find(m2m_ws_msg_body(m), name);
	const char *t = n != NULL ? m2m_ws_node_text(n) : NULL;

	snprintf(out, cap, "%s", t != NULL ? t : "");
}

/* Keeps what the harness does not (the caller, the EID), then lets cb_handler record the
 * answers that call() waits for. */
static m2m_ws_reply mno_handler(void *arg, const m2m_ws_call *c, m2m_ws_msg *response)
{
	pthread_mutex_lock(&F->lock);
	if (n_msgs < MSG_MAX) {
		received *r = &msgs[n_msgs++];
		r->answer = c->dir == M2M_WS_DIR_OUT;
		r->fn = c->fn->id;
		snprintf(r->relates_to, sizeof r->relates_to, "%s",
			 c->wsa->relates_to ? c->wsa->relates_to : "");
		snprintf(r->caller, sizeof r->caller, "%s", c->caller->id);
		text_of(c->msg, "Eid", r->eid, sizeof r->eid);
		text_of(c->msg, "Iccid", r->iccid, sizeof r->iccid);
	}
	pthread_mutex_unlock(&F->lock);
	return cb_handler(arg, c, response);
}

static bool body_has(const m2m_http_request *req, const char *what)
{
	size_t n = strlen(what);

	for (size_t i = 0; i + n <= req->body_len; i++)
		if (memcmp(req->body + i, what, n) == 0)
			return true;
	return false;
}

/* In front of the ws server: an operator that refuses notifications for a while (HTTP 503
 * before any SOAP processing), answers always taken. */
static void mno_http(void *arg, const m2m_http_request *req, m2m_http_response *resp)
{
	bool refuse = false;

	if (body_has(req, "HandleProfile")) {
		pthread_mutex_lock(&F->lock);
		if (refuse_left > 0) {
			refuse_left--;
			refused++;
			refuse = true;
		}
		pthread_mutex_unlock(&F->lock);
	}
	if (refuse)
		m2m_http_response_status(resp, 503, NULL);
	else
		m2m_ws_server_http_handler(arg, req, resp);
}

/* As callback_server_tls (mno1's certificate, callers proved by the pki's CA), through
 * mno_http. */
static void mno_server(void)
{
	char cert[256], key[256], ca[256];
	SSL_CTX *tls = NULL;

	event_base_loopbreak(F->base);
	pthread_join(F->thread, NULL);
	m2m_http_server_free(F->http);
	m2m_ws_server_free(F->ws);
	snprintf(cert, sizeof cert, "%s/pki/mno1-tls.crt", F->dir);
	snprintf(key, sizeof key, "%s/pki/mno1-tls.key", F->dir);
	snprintf(ca, sizeof ca, "%s/pki/tls-ca.crt", F->dir);
	m2m_tls_cert_opts to = {.cert_file = cert, .key_file = key, .ca_file = ca};
	assert_int_equal(m2m_tls_cert_server_ctx(&to, &tls), M2M_OK);
	m2m_ws_server_opts wo = {.role = M2M_WS_ROLE_MNO, .schema = F->schema,
				 .handler = mno_handler};
	assert_int_equal(m2m_ws_server_new(&wo, &F->ws), M2M_OK);
	m2m_http_server_opts ho = {.handler = mno_http, .arg = F->ws, .tls = tls};
	assert_int_equal(m2m_http_server_new(F->base, &ho, &F->http), M2M_OK);
	SSL_CTX_free(tls);
	snprintf(F->cb_url, sizeof F->cb_url, "https://127.0.0.1:%u/soap/es4",
		 (unsigned)m2m_http_server_port(F->http));
	assert_int_equal(pthread_create(&F->thread, NULL, loop, F->base), 0);
}

/* The first message (after index from) of function fn about iccid; waits up to 30 s. */
static bool wait_msg(m2m_ws_fn fn, const char *iccid, size_t from, received *out)
{
	for (int i = 0; i < 600; i++) {
		pthread_mutex_lock(&F->lock);
		for (size_t k = from; k < n_msgs; k++) {
			const received *r = &msgs[k];
			if (r->fn == fn && (iccid == NULL || strcmp(r->iccid, iccid) == 0)) {
				*out = *r;
				pthread_mutex_unlock(&F->lock);
				return true;
			}
		}
		pthread_mutex_unlock(&F->lock);
		usleep(50000);
	}
	return false;
}

static size_t nmsg(void)
{
	size_t n;

	pthread_mutex_lock(&F->lock);
	n = n_msgs;
	pthread_mutex_unlock(&F->lock);
	return n;
}

/* ---- set-up ---- */

/* smsr.ini with mno1's notifications going to mno_url; short notification back-off. */
static void write_config(const char *mno_url)
{
	FILE *f = config_begin();

	fprintf(f,
		"por_timeout = 2000\n"
		"[engine]\nconcurrency = 8\nretries = 5\nbackoff = 300\nlease = 3000\npoll = 50\n"
		"[notify]\nbackoff = 300\nbackoff_max = 1000\n"
		"[callers]\nmno1 = " MNO1 "\n"
		"[peers]\n" MNO1 " = %s\n",
		mno_url);
	fclose(f);
}

static int setup(void **state)
{
	char *farm_opts[] = {"--notif-retry-ms", "2000", NULL};

	(void)state;
	fixture_new("/tmp/m2m_notif_XXXXXX", M2M_WS_ROLE_MNO, "es4");
	make_devices(true);
	assert_string_not_equal(F->iccid[0], F->iccid2[0]);
	mno_server();
	start_farm(farm_opts);
	write_config(F->cb_url);
	import_and_start_smsr();
	return 0;
}

/* ---- the operator ---- */

/* An ES4 call by mno1 with ReplyTo = our endpoint, its answer expected to be success. */
static void call_ok(m2m_ws_fn fn, m2m_ws_msg *m)
{
	outcome o;

	call("mno1", fn, NULL, 0, false, true, m, &o);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
}

/* ---- the farm's view (control API) ---- */

static int control(const char *method, int dev, const char *what, m2m_buf *body)
{
	m2m_http_client *h = NULL;
	m2m_http_client_opts ho = {.timeout_ms = 5000};
	m2m_http_client_response r;
	char url[192];
	int status;

	snprintf(url, sizeof url, "http://%s/devices/%s%s", F->control, F->eid[dev], what);
	m2m_http_client_request rq = {.method = method, .url = url};
	memset(&r, 0, sizeof r);
	assert_int_equal(m2m_http_client_new(&ho, &h), M2M_OK);
	assert_int_equal(m2m_http_client_send(h, &rq, &r), M2M_OK);
	status = r.status;
	if (body != NULL) {
		m2m_buf_reset(body);
		m2m_buf_append(body, r.body.data, r.body.len);
		m2m_buf_append_u8(body, 0);
	}
	m2m_http_client_response_free(&r);
	m2m_http_client_free(h);
	return status;
}

/* The card's state of ISD-P tar ("gone" when it has none), and its pending notifications. */
static void card_state(int dev, const char *tar, char *state, size_t cap, bool *pending)
{
	m2m_buf b;
	char key[32];
	const char *p;

	m2m_buf_init(&b);
	assert_int_equal(control("GET", dev, "", &b), 200);
	snprintf(key, sizeof key, "\"tar\":\"%s\",\"state\":\"", tar);
	p = strstr((const char *)b.data, key);
	snprintf(state, cap, "%.*s", p != NULL ? (int)strcspn(p + strlen(key), "\"") : 4,
		 p != NULL ? p + strlen(key) : "gone");
	*pending = strstr((const char *)b.data, "\"notifications\":[]") == NULL;
	m2m_buf_free(&b);
}

/* Waits (up to 30 s) until the card's ISD-P tar is in state and nothing is pending. */
static bool wait_card(int dev, const char *tar, const char *want)
{
	char state[32] = "";
	bool pending = true;

	for (int i = 0; i < 600; i++) {
		card_state(dev, tar, state, sizeof state, &pending);
		if (!pending && strcmp(state, want) == 0)
			return true;
		usleep(50000);
	}
	print_error("card %s: %s (pending %d), want %s\n", tar, state, pending, want);
	return false;
}

/* ---- the SM-SR's store ---- */

/* The EIS state of a profile (-1: not in the EIS). */
static int eis_state(int dev, const char *aid)
{
	m2m_store *st = store_open();
	m2m_store_profile p;
	int s = -1;

	memset(&p, 0, sizeof p);
	if (m2m_store_profile_get(st, F->eid[dev], aid, &p) == M2M_OK)
		s = (int)p.state;
	m2m_store_profile_clear(&p);
	m2m_store_close(st);
	return s;
}

static bool wait_eis(int dev, const char *aid, int want)
{
	for (int i = 0; i < 600; i++) {
		if (eis_state(dev, aid) == want)
			return true;
		usleep(50000);
	}
	print_error("EIS %s: %d, want %d\n", aid, eis_state(dev, aid), want);
	return false;
}

/* The notifications of the eUICC in the store: count, how many are confirmed or forwarded
 * (forwarded does not go back to confirmed), and how many forwarded. */
static void notifs_fw(int dev, size_t *n, size_t *confirmed, size_t *forwarded,
		      uint8_t *last_type)
{
	m2m_store *st = store_open();

	*n = *confirmed = *forwarded = 0;
	for (uint16_t seq = 0; seq < 64; seq++) {
		m2m_store_notif nt;
		memset(&nt, 0, sizeof nt);
		if (m2m_store_notif_get(st, F->eid[dev], seq, &nt) == M2M_OK) {
			(*n)++;
			*confirmed += nt.state == M2M_STORE_NOTIF_CONFIRMED ||
				      nt.state == M2M_STORE_NOTIF_FORWARDED;
			*forwarded += nt.state == M2M_STORE_NOTIF_FORWARDED;
			*last_type = nt.type;
		}
		m2m_store_notif_clear(&nt);
	}
	m2m_store_close(st);
}

static void notifs(int dev, size_t *n, size_t *confirmed, uint8_t *last_type)
{
	size_t forwarded;

	notifs_fw(dev, n, confirmed, &forwarded, last_type);
}

/* Waits (up to 30 s) until want notifications of the eUICC are forwarded. */
static bool wait_forwarded(int dev, size_t want)
{
	size_t n = 0, confirmed = 0, forwarded = 0;
	uint8_t last = 0;

	for (int i = 0; i < 600; i++) {
		notifs_fw(dev, &n, &confirmed, &forwarded, &last);
		if (forwarded == want)
			return true;
		usleep(50000);
	}
	print_error("notifications %zu, forwarded %zu, want %zu\n", n, forwarded, want);
	return false;
}

/* Messages of function fn about iccid received so far. */
static size_t count_msg(m2m_ws_fn fn, const char *iccid)
{
	size_t c = 0;

	pthread_mutex_lock(&F->lock);
	for (size_t k = 0; k < n_msgs; k++)
		c += msgs[k].fn == fn && strcmp(msgs[k].iccid, iccid) == 0;
	pthread_mutex_unlock(&F->lock);
	return c;
}

/* Waits (up to 30 s) until the store holds want notifications of the eUICC, all confirmed
 * (the card drops one at the 3A08; the SM-SR marks it when the PoR is back: a little later),
 * the last of type. */
static bool wait_notifs(int dev, size_t want, uint8_t type)
{
	size_t n = 0, confirmed = 0;
	uint8_t last = 0;

	for (int i = 0; i < 600; i++) {
		notifs(dev, &n, &confirmed, &last);
		if (n == want && confirmed == want && last == type)
			return true;
		usleep(50000);
	}
	print_error("notifications %zu, confirmed %zu, last %02X\n", n, confirmed, last);
	return false;
}

/* ---- tests ---- */

static void test_enable_notification(void **state)
{
	received r;
	size_t n = 0, confirmed = 0, from = nmsg();
	uint8_t type = 0;

	(void)state;
	assert_int_equal(eis_state(0, AID_2), M2M_STORE_PROFILE_DISABLED);
	call_ok(M2M_WS_ES4_ENABLE_PROFILE,
		request(M2M_WS_ES4_ENABLE_PROFILE, "en-2", 0, "Iccid", F->iccid2[0], NULL));
	/* The card switched, its notification 02 was confirmed (nothing pending). */
	assert_true(wait_card(0, "000011", "enabled"));
	assert_true(wait_card(0, "000010", "disabled"));
	assert_true(wait_eis(0, AID_2, M2M_STORE_PROFILE_ENABLED));
	assert_int_equal(eis_state(0, AID_BOOT), M2M_STORE_PROFILE_DISABLED);
	assert_true(wait_notifs(0, 1, 0x02));
	/* The MNO heard of it, from the SM-SR (mutual TLS: the caller is smsr1). */
	assert_true(wait_msg(M2M_WS_ES4_HANDLE_PROFILE_ENABLED_NOTIFICATION, F->iccid2[0],
			     from, &r));
	assert_false(r.answer);
	assert_string_equal(r.eid, F->eid[0]);
	assert_string_equal(r.caller, "smsr1");
	/* And of the bootstrap switched off, though the engine had applied the PoR first. */
	assert_true(wait_msg(M2M_WS_ES4_HANDLE_PROFILE_DISABLED_NOTIFICATION, F->iccid[0],
			     from, &r));
	assert_string_equal(r.eid, F->eid[0]);
	/* Delivered to the MNO: the card's notification is forwarded in the store. */
	assert_true(wait_forwarded(0, 1));
	/* The other eUICC was not touched. */
	assert_int_equal(eis_state(1, AID_BOOT), M2M_STORE_PROFILE_ENABLED);
	notifs(1, &n, &confirmed, &type);
	assert_int_equal(n, 0);
}

static void test_fallback(void **state)
{
	m2m_ws_msg *m;
	m2m_ws_node *pol2 = NULL, *rule = NULL;
	received r;
	size_t from;

	(void)state;
	/* POL2 of the second profile: deleted when something else takes over. */
	m = request(M2M_WS_ES4_UPDATE_POLICY_RULES, "pol-2", 0, "Iccid", F->iccid2[0], NULL);
	assert_int_equal(m2m_ws_add(m, NULL, "pol2", NULL, &pol2), M2M_OK);
	assert_int_equal(m2m_ws_add(m, pol2, "Rule", NULL, &rule), M2M_OK);
	m2m_ws_add(m, rule, "Subject", "PROFILE", NULL);
	m2m_ws_add(m, rule, "Action", "DISABLE", NULL);
	m2m_ws_add(m, rule, "Qualification", "Auto-Delete", NULL);
	call_ok(M2M_WS_ES4_UPDATE_POLICY_RULES, m);
	/* No fall-back from the fall-back profile itself (eUICC 1 is on its bootstrap). */
	assert_int_equal(control("POST", 1, "/network-loss", NULL), 409);
	from = nmsg();
	assert_int_equal(control("POST", 0, "/network-loss", NULL), 200);
	/* Notification 05: the bootstrap is enabled again, in the EIS too. */
	assert_true(wait_eis(0, AID_BOOT, M2M_STORE_PROFILE_ENABLED));
	assert_true(wait_msg(M2M_WS_ES4_HANDLE_PROFILE_ENABLED_NOTIFICATION, F->iccid[0],
			     from, &r));
	assert_true(wait_msg(M2M_WS_ES4_HANDLE_PROFILE_DISABLED_NOTIFICATION, F->iccid2[0],
			     from, &r));
	assert_string_equal(r.eid, F->eid[0]);
	/* POL2 auto-delete: the SM-SR deleted ISD-P 000011 on the card and in the EIS. */
	assert_true(wait_card(0, "000011", "gone"));
	assert_true(wait_card(0, "000010", "enabled"));
	assert_true(wait_eis(0, AID_2, -1));
	assert_true(wait_notifs(0, 2, 0x05));
	assert_true(wait_forwarded(0, 2));
	/* The MNO hears of the deletion, once. */
	assert_true(wait_msg(M2M_WS_ES4_HANDLE_PROFILE_DELETED_NOTIFICATION, F->iccid2[0], from,
			     &r));
	assert_string_equal(r.eid, F->eid[0]);
	assert_string_equal(r.caller, "smsr1");
	assert_int_equal(count_msg(M2M_WS_ES4_HANDLE_PROFILE_DELETED_NOTIFICATION, F->iccid2[0]),
			 1);
}

static int smsr_cli(const char *args)
{
	int rc = sh("'%s' smsr %s --config '%s/smsr.ini' >/dev/null 2>&1", M2MRSP_BINARY, args,
		    F->dir);

	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* The outbound worker posts in order: the Deleted notification is in the outbox with the
 * delete's commit, and the worker sends the outbox rows due before the answer to ReplyTo
 * (queued after that commit), so when call() has the answer, the notification has come
 * already, or never will (the MNO accepts everything here). */
static void test_delete_profile(void **state)
{
	received r;
	size_t from = nmsg();

	(void)state;
	assert_int_equal(eis_state(1, AID_2), M2M_STORE_PROFILE_DISABLED);
	call_ok(M2M_WS_ES4_DELETE_PROFILE,
		request(M2M_WS_ES4_DELETE_PROFILE, "del-1", 1, "Iccid", F->iccid2[1], NULL));
	assert_true(wait_card(1, "000011", "gone"));
	assert_int_equal(eis_state(1, AID_2), -1);
	assert_true(wait_msg(M2M_WS_ES4_HANDLE_PROFILE_DELETED_NOTIFICATION, F->iccid2[1], from,
			     &r));
	assert_false(r.answer);
	assert_string_equal(r.eid, F->eid[1]);
	assert_string_equal(r.caller, "smsr1");
	assert_int_equal(count_msg(M2M_WS_ES4_HANDLE_PROFILE_DELETED_NOTIFICATION, F->iccid2[1]),
			 1);
	/* No card notification for a delete: nothing to mark forwarded. */
	assert_true(wait_forwarded(1, 0));
}

/* MNO1's ONC without `deleted`: DeleteProfile is answered, no Deleted notification. */
static void test_delete_onc(void **state)
{
	(void)state;
	assert_int_equal(
		smsr_cli("onc set --mno " MNO1 " --notifications enabled,disabled,smsr-change"), 0);
	assert_int_equal(eis_state(2, AID_2), M2M_STORE_PROFILE_DISABLED);
	call_ok(M2M_WS_ES4_DELETE_PROFILE,
		request(M2M_WS_ES4_DELETE_PROFILE, "del-2", 2, "Iccid", F->iccid2[2], NULL));
	assert_true(wait_card(2, "000011", "gone"));
	assert_int_equal(eis_state(2, AID_2), -1);
	assert_int_equal(count_msg(M2M_WS_ES4_HANDLE_PROFILE_DELETED_NOTIFICATION, F->iccid2[2]),
			 0);
	assert_int_equal(smsr_cli("onc delete --mno " MNO1), 0);
}

/* ---- the outbox ---- */

/* The outbox rows of eUICC dev: how many, how many delivered; the first row's attempts and
 * state. */
static void outbox_of(int dev, size_t *n, size_t *delivered, int64_t *attempts0,
		      m2m_store_outbox_state *state0)
{
	m2m_store *st = store_open();
	m2m_store_outbox *rows = NULL;

	*n = *delivered = 0;
	*attempts0 = 0;
	*state0 = M2M_STORE_OUTBOX_PENDING;
	assert_int_equal(m2m_store_outbox_list(st, F->eid[dev], 0, 64, &rows, n), M2M_OK);
	for (size_t i = 0; i < *n; i++)
		*delivered += rows[i].state == M2M_STORE_OUTBOX_DELIVERED;
	if (*n > 0) {
		*attempts0 = rows[0].attempts;
		*state0 = rows[0].state;
	}
	free(rows);
	m2m_store_close(st);
}

/* Waits (up to 120 s) until eUICC dev has want outbox rows, all delivered. */
static bool wait_outbox_delivered(int dev, size_t want)
{
	size_t n = 0, delivered = 0;
	int64_t attempts = 0;
	m2m_store_outbox_state first;

	for (int i = 0; i < 2400; i++) {
		outbox_of(dev, &n, &delivered, &attempts, &first);
		if (n == want && delivered == want)
			return true;
		usleep(50000);
	}
	print_error("outbox: %zu rows, %zu delivered, want %zu\n", n, delivered, want);
	return false;
}

/* The index in msgs of the first message of fn about iccid, or -1. */
static long msg_index(m2m_ws_fn fn, const char *iccid)
{
	long at = -1;

	pthread_mutex_lock(&F->lock);
	for (size_t k = 0; k < n_msgs && at < 0; k++)
		if (msgs[k].fn == fn && strcmp(msgs[k].iccid, iccid) == 0)
			at = (long)k;
	pthread_mutex_unlock(&F->lock);
	return at;
}

/* The MNO refuses the first three notification POSTs: the Enabled and Disabled notifications
 * of a switch come later, each once, Enabled first (their order per eUICC is kept), and the
 * card's notification is `forwarded` only once the MNO has taken them. */
static void test_refused_then_accepted(void **state)
{
	received r;
	size_t from = nmsg(), n = 0, delivered = 0;
	int64_t attempts = 0;
	m2m_store_outbox_state first;

	(void)state;
	pthread_mutex_lock(&F->lock);
	refuse_left = 3;
	refused = 0;
	pthread_mutex_unlock(&F->lock);
	call_ok(M2M_WS_ES4_ENABLE_PROFILE,
		request(M2M_WS_ES4_ENABLE_PROFILE, "en-3", 3, "Iccid", F->iccid2[3], NULL));
	assert_true(wait_card(3, "000011", "enabled"));
	assert_true(wait_outbox_delivered(3, 2));
	assert_true(wait_msg(M2M_WS_ES4_HANDLE_PROFILE_ENABLED_NOTIFICATION, F->iccid2[3], from,
			     &r));
	assert_string_equal(r.eid, F->eid[3]);
	assert_string_equal(r.caller, "smsr1");
	assert_true(wait_msg(M2M_WS_ES4_HANDLE_PROFILE_DISABLED_NOTIFICATION, F->iccid[3], from,
			     &r));
	assert_true(msg_index(M2M_WS_ES4_HANDLE_PROFILE_ENABLED_NOTIFICATION, F->iccid2[3]) <
		    msg_index(M2M_WS_ES4_HANDLE_PROFILE_DISABLED_NOTIFICATION, F->iccid[3]));
	pthread_mutex_lock(&F->lock);
	assert_int_equal(refused, 3);
	assert_int_equal(refuse_left, 0);
	pthread_mutex_unlock(&F->lock);
	/* The Enabled one took four attempts (three refused), the Disabled one waited. */
	outbox_of(3, &n, &delivered, &attempts, &first);
	assert_int_equal(attempts, 4);
	assert_int_equal(first, M2M_STORE_OUTBOX_DELIVERED);
	assert_true(wait_forwarded(3, 1));
	/* Nothing more comes: once each. */
	sleep(3);
	assert_int_equal(count_msg(M2M_WS_ES4_HANDLE_PROFILE_ENABLED_NOTIFICATION, F->iccid2[3]),
			 1);
	assert_int_equal(count_msg(M2M_WS_ES4_HANDLE_PROFILE_DISABLED_NOTIFICATION, F->iccid[3]),
			 1);
}

/* The MNO unreachable: the Deleted notification of a DeleteProfile stays pending (retried)
 * while the SM-SR stops; restarted with the MNO's right URL, it delivers it, once. */
static void test_restart_delivers(void **state)
{
	char dead[128];
	size_t from, n = 0, delivered = 0;
	int64_t attempts = 0;
	m2m_store_outbox_state first = M2M_STORE_OUTBOX_PENDING;
	received r;
	int i;

	(void)state;
	snprintf(dead, sizeof dead, "https://127.0.0.1:%u/soap/es4", free_port());
	stop(&F->smsr, SIGTERM);
	write_config(dead);
	start_smsr();
	call_ok(M2M_WS_ES4_DELETE_PROFILE,
		request(M2M_WS_ES4_DELETE_PROFILE, "del-4", 4, "Iccid", F->iccid2[4], NULL));
	assert_true(wait_card(4, "000011", "gone"));
	assert_int_equal(eis_state(4, AID_2), -1);
	/* Queued and tried (the MNO cannot be reached), not delivered. */
	for (i = 0; i < 2400; i++) {
		outbox_of(4, &n, &delivered, &attempts, &first);
		if (n == 1 && attempts >= 2)
			break;
		usleep(50000);
	}
	assert_int_equal(n, 1);
	assert_true(attempts >= 2);
	assert_int_equal(first, M2M_STORE_OUTBOX_PENDING);
	from = nmsg();
	stop(&F->smsr, SIGTERM);
	assert_int_equal(count_msg(M2M_WS_ES4_HANDLE_PROFILE_DELETED_NOTIFICATION, F->iccid2[4]),
			 0);
	write_config(F->cb_url);
	start_smsr();
	assert_true(wait_outbox_delivered(4, 1));
	assert_true(wait_msg(M2M_WS_ES4_HANDLE_PROFILE_DELETED_NOTIFICATION, F->iccid2[4], from,
			     &r));
	assert_string_equal(r.eid, F->eid[4]);
	assert_string_equal(r.caller, "smsr1");
	sleep(3);
	assert_int_equal(count_msg(M2M_WS_ES4_HANDLE_PROFILE_DELETED_NOTIFICATION, F->iccid2[4]),
			 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enable_notification),
		cmocka_unit_test(test_fallback),
		cmocka_unit_test(test_delete_profile),
		cmocka_unit_test(test_delete_onc),
		cmocka_unit_test(test_refused_then_accepted),
		cmocka_unit_test(test_restart_delivers),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
