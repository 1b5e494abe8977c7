/*
 * The engine's claim for eUICCs in an SCP81 session (docs/smsr.md "The engine"): the second
 * step of a download must reach the card in the session of the first (CreateISDP with
 * MoreToDo, whose session lingers 20 s), whatever else holds the engine. Farm (3 eUICCs, SCP81
 * with `--scp81-url`) and `m2mrsp smsr` with `[engine] concurrency = 1`, its SMPP link through
 * a relay in this program that can cut it; this program is the SM-DP (smdp1).
 *  - SMSC link down: a SendData for an eUICC whose session lingers goes into that session
 *    (before, nothing was claimed without the SMSC).
 *  - Every `concurrency` slot held by a job for a card that does not answer (switched off, the
 *    trigger's PoR awaited 30 s): the SendData is claimed into the session reserve (before,
 *    it waited for the slot, the session ended and the SendData went into a new one).
 * Each checks that the eUICC's SCP81 sessions grew by exactly one (CreateISDP's carried the
 * SendData).
 */
#define _POSIX_C_SOURCE 200809L
#define NDEV 3
#include "e2e_harness.h"

#include <poll.h>

#include "smsr/smsr_int.h"

#define SMDP1 "1.3.6.1.4.1.99999.20"
#define DEV_OFF 0     /* switched off: its job holds the only slot */
#define DEV_SLOTS 1   /* the download while the slot is held */
#define DEV_NO_SMSC 2 /* the download while the SMSC link is down */

/* INSTALL [for personalization] of ISD-P 0011 (key establishment's first command,
 * test_smsr_senddata): any script the card answers will do, SendData relays the answer. */
static const char install[] = "AE80221B80E6200016000010A0000005591010FFFFFFFF8900001100"
			      "000000"
			      "0000";

/* ---- the SMPP relay: SM-SR <-> this program <-> the farm's SMSC ---- */

#define RELAY_MAX 8

static struct {
	int listener;
	unsigned port, smsc_port;
	int pair[RELAY_MAX][2]; /* [0] the SM-SR's side, [1] the SMSC's */
	size_t npairs;
	volatile int down;      /* cut: pairs closed, new connections closed at once */
	volatile int stop;
	unsigned long accepted;
	pthread_t thread;
	pthread_mutex_t lock;
} R;

static void relay_close_all(void)
{
	for (size_t i = 0; i < R.npairs; i++) {
		close(R.pair[i][0]);
		close(R.pair[i][1]);
	}
	R.npairs = 0;
}

static int connect_smsc(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)R.smsc_port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void relay_accept(void)
{
	int fd = accept(R.listener, NULL, NULL), up;

	if (fd < 0)
		return;
	pthread_mutex_lock(&R.lock);
	R.accepted++;
	if (R.down || R.npairs == RELAY_MAX || (up = connect_smsc()) < 0) {
		close(fd);
	} else {
		R.pair[R.npairs][0] = fd;
		R.pair[R.npairs][1] = up;
		R.npairs++;
	}
	pthread_mutex_unlock(&R.lock);
}

/* Copies what one side sent to the other; false when it closed. */
static bool relay_copy(int from, int to)
{
	char buf[4096];
	ssize_t n = read(from, buf, sizeof buf), off = 0;

	if (n <= 0)
		return false;
	while (off < n) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));
		if (w <= 0)
			return false;
		off += w;
	}
	return true;
}

static void relay_turn(void)
{
	struct pollfd p[1 + 2 * RELAY_MAX];
	size_t n = 1;

	pthread_mutex_lock(&R.lock);
	if (R.down)
		relay_close_all();
	p[0] = (struct pollfd){.fd = R.listener, .events = POLLIN};
	for (size_t i = 0; i < R.npairs; i++)
		for (int k = 0; k < 2; k++)
			p[n++] = (struct pollfd){.fd = R.pair[i][k], .events = POLLIN};
	pthread_mutex_unlock(&R.lock);
	if (poll(p, n, 100) <= 0)
		return;
	if (p[0].revents & POLLIN)
		relay_accept();
	pthread_mutex_lock(&R.lock);
	for (size_t i = 0, j = 1; i < R.npairs && j + 1 < n; j += 2) {
		bool ok = true;
		if (p[j].revents & (POLLIN | POLLHUP | POLLERR))
			ok = relay_copy(R.pair[i][0], R.pair[i][1]);
		if (ok && p[j + 1].revents & (POLLIN | POLLHUP | POLLERR))
			ok = relay_copy(R.pair[i][1], R.pair[i][0]);
		if (ok) {
			i++;
			continue;
		}
		close(R.pair[i][0]);
		close(R.pair[i][1]);
		memmove(&R.pair[i], &R.pair[i + 1], (R.npairs - i - 1) * sizeof R.pair[0]);
		R.npairs--;
		memmove(&p[j], &p[j + 2], (n - j - 2) * sizeof p[0]);
		n -= 2;
		j -= 2;
	}
	pthread_mutex_unlock(&R.lock);
}

static void *relay_loop(void *arg)
{
	(void)arg;
	while (!R.stop)
		relay_turn();
	return NULL;
}

static void relay_start(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	const char *colon = strrchr(F->smpp, ':');

	assert_non_null(colon);
	R.smsc_port = (unsigned)strtoul(colon + 1, NULL, 10);
	R.listener = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(R.listener >= 0);
	assert_int_equal(bind(R.listener, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(R.listener, 8), 0);
	assert_int_equal(getsockname(R.listener, (struct sockaddr *)&a, &len), 0);
	R.port = ntohs(a.sin_port);
	pthread_mutex_init(&R.lock, NULL);
	assert_int_equal(pthread_create(&R.thread, NULL, relay_loop, NULL), 0);
	/* config_begin writes F->smpp's port into [smpp]: the SM-SR binds through the relay. */
	snprintf(F->smpp, sizeof F->smpp, "127.0.0.1:%u", R.port);
}

static void relay_set_down(bool down)
{
	pthread_mutex_lock(&R.lock);
	R.down = down;
	pthread_mutex_unlock(&R.lock);
}

static size_t relay_pairs(void)
{
	size_t n;

	pthread_mutex_lock(&R.lock);
	n = R.npairs;
	pthread_mutex_unlock(&R.lock);
	return n;
}

/* ---- set-up ---- */

static void write_config(unsigned scp81_port)
{
	FILE *f = config_begin();

	/* The lease outlasts the PoR time-out (a job waiting for the card keeps its slot). */
	fprintf(f,
		"por_timeout = 30000\n"
		"[scp81]\nenabled = true\nlisten = 127.0.0.1:%u\n"
		"[engine]\nconcurrency = 1\nretries = 3\nbackoff = 300\nlease = 120000\n"
		"poll = 200\n"
		"[callers]\nmno1 = " MNO1 "\nsmdp1 = " SMDP1 "\n"
		"[peers]\n" SMDP1 " = %s\n",
		scp81_port, F->cb_url);
	fclose(f);
}

static int setup(void **state)
{
	char url[96], sout[256];
	unsigned scp81_port;

	(void)state;
	fixture_new("/tmp/m2m_e2ecl_XXXXXX", M2M_WS_ROLE_SMDP, "es3");
	scp81_port = free_port();
	make_devices(false);
	snprintf(url, sizeof url, "https://127.0.0.1:%u/scp81", scp81_port);
	char *extra[] = {"--scp81-url", url, "--notify", "https", NULL};
	start_farm(extra);
	relay_start();
	write_config(scp81_port);
	import_and_start_smsr();
	path(sout, sizeof sout, "smsr.out");
	assert_true(wait_line(sout, "scp81", F->scp81, sizeof F->scp81));
	return 0;
}

static int teardown_all(void **state)
{
	int rc = teardown(state); /* the SM-SR first: it must not see the relay go */

	R.stop = 1;
	pthread_join(R.thread, NULL);
	relay_close_all();
	close(R.listener);
	return rc;
}

/* ---- helpers ---- */

static m2m_ws_msg *create_req(const char *fcid, int dev, const char *iccid)
{
	return request(M2M_WS_ES3_CREATE_ISDP, fcid, dev, "Iccid", iccid, "Mno-id", MNO1,
		       "RequiredMemory", "30000", "MoreToDo", "true", NULL);
}

/* CreateISDP with MoreToDo, held (its session lingers for the SendData): its ISD-P. */
static void create_isdp(const char *fcid, int dev, const char *iccid, char aid[40])
{
	answer a;

	send_as(F->es, "smdp1", 90000, create_req(fcid, dev, iccid), NULL, &a);
	if (a.st.status != M2M_WS_EXECUTED_SUCCESS)
		print_error("CreateISDP: %s %s/%s (%s)\n", m2m_ws_status_name(a.st.status),
			    a.st.subject, a.st.reason, a.st.message);
	assert_int_equal(a.st.status, M2M_WS_EXECUTED_SUCCESS);
	assert_true(a.aid[0] != '\0');
	memcpy(aid, a.aid, 40);
}

/* SendData to the new ISD-P, held; awaited 90 s (far beyond the linger: a SendData that
 * missed the session is not answered inside it). */
static void send_data(const char *fcid, int dev, const char *aid)
{
	answer a;

	send_as(F->es, "smdp1", 90000,
		request(M2M_WS_ES3_SEND_DATA, fcid, dev, "Sd-aid", aid, "Data", install,
			"MoreToDo", "false", NULL),
		NULL, &a);
	if (a.st.status != M2M_WS_EXECUTED_SUCCESS)
		print_error("SendData: %s %s/%s (%s)\n", m2m_ws_status_name(a.st.status),
			    a.st.subject, a.st.reason, a.st.message);
	assert_int_equal(a.st.status, M2M_WS_EXECUTED_SUCCESS);
}

/* The state of the job made for call_id on dev (-1: none yet). */
static int job_state(int dev, const char *call_id)
{
	m2m_store *st = store_open();
	m2m_store_job *jobs = NULL;
	size_t n = 0;
	int state = -1;

	assert_int_equal(m2m_store_job_list(st, F->eid[dev], &jobs, &n), M2M_OK);
	for (size_t k = 0; k < n; k++)
		if (strcmp(jobs[k].call_id, call_id) == 0)
			state = (int)jobs[k].state;
	m2m_store_job_list_free(jobs, n);
	m2m_store_close(st);
	return state;
}

static bool job_open(int dev, const char *call_id)
{
	int s = job_state(dev, call_id);

	return s == M2M_STORE_JOB_QUEUED || s == M2M_STORE_JOB_SENT;
}

/* Lines of the SM-SR's log with "SMSC <what>" (smsr_service.c's on_link). */
static size_t smsc_lines(const char *what)
{
	return smsr_log_count("SMSC ", what);
}

/* The SM-SR's last word on its SMSC link was "bound" (each failed re-bind logs "lost"). */
static bool smsc_bound_now(void)
{
	char file[256], line[4096];
	bool bound = false;
	FILE *f;

	path(file, sizeof file, "smsr.err");
	f = fopen(file, "r");
	assert_non_null(f);
	while (fgets(line, sizeof line, f) != NULL) {
		if (strstr(line, "SMSC bound") != NULL)
			bound = true;
		else if (strstr(line, "SMSC lost") != NULL)
			bound = false;
	}
	fclose(f);
	return bound;
}

static size_t sessions_of(int dev)
{
	return smsr_log_count(F->eid[dev], ": session opened");
}

/* The relay lets the SM-SR bind again; waits until it has (each test starts with the link
 * up, whatever the one before left). */
static void link_up(void)
{
	int i;

	relay_set_down(false);
	for (i = 0; i < 300 && !smsc_bound_now(); i++)
		usleep(100000);
	assert_true(smsc_bound_now());
}

/* ---- tests ---- */

/* A job sent before (by a worker that died: its lease ran out) whose validity period is
 * over: EXPIRED, with the outcome unknown, not "before the command could run". The job is
 * written here as a dead process leaves it: added not due for 10 s (the SM-SR must not take
 * it first), claimed as if 10 s later by worker "dead", marked sent (attempts 1) with a lease
 * ending in 10.5 s; its deadline is 1 s from now. */
static void test_expired_after_send(void **state)
{
	m2m_store *st = store_open();
	smsr_job j;
	m2m_store_job row, *got = NULL;
	m2m_buf payload;
	size_t n = 0;
	int64_t id = 0, now = m2m_store_now_ms();
	const char *eids[] = {F->eid[DEV_OFF]};
	int i, state_now = -1;

	(void)state;
	memset(&j, 0, sizeof j);
	j.fn = -1; /* no caller to answer: the job's own record is checked */
	m2m_buf_init(&payload);
	assert_int_equal(smsr_job_encode(&j, &payload), M2M_OK);
	memset(&row, 0, sizeof row);
	snprintf(row.eid, sizeof row.eid, "%s", F->eid[DEV_OFF]);
	snprintf(row.kind, sizeof row.kind, "audit");
	row.next_attempt_ms = now + 10000;
	row.deadline_ms = now + 1000;
	row.payload = payload.data;
	row.payload_len = payload.len;
	assert_int_equal(m2m_store_job_add(st, &row, now, &id), M2M_OK);
	row.payload = NULL; /* payload's: not for m2m_store_job_clear */
	m2m_buf_free(&payload);
	assert_int_equal(m2m_store_job_claim_eids(st, "dead", now + 10000, 1, eids, 1, &got, &n),
			 M2M_OK);
	assert_int_equal(n, 1);
	assert_int_equal(got[0].id, id);
	m2m_store_job_list_free(got, n);
	assert_int_equal(m2m_store_job_sent(st, id, "dead", now, now + 10500), M2M_OK);
	for (i = 0; i < 600 && state_now != M2M_STORE_JOB_EXPIRED; i++) {
		if (i > 0)
			usleep(100000);
		m2m_store_job_clear(&row);
		assert_int_equal(m2m_store_job_get(st, id, &row), M2M_OK);
		state_now = (int)row.state;
	}
	assert_int_equal(state_now, M2M_STORE_JOB_EXPIRED);
	assert_int_equal(row.attempts, 1); /* not sent again */
	assert_non_null(row.detail);
	assert_non_null(strstr(row.detail, "outcome unknown"));
	m2m_store_job_clear(&row);
	m2m_store_close(st);
}

/* The SMSC link goes down while CreateISDP's session lingers: SendData goes into it. */
static void test_smsc_down(void **state)
{
	char aid[40];
	size_t before = sessions_of(DEV_NO_SMSC), lost = smsc_lines("lost");
	int i;

	(void)state;
	link_up();
	create_isdp("cl-nosmsc-1", DEV_NO_SMSC, "8988299000000077013", aid);
	relay_set_down(true);
	for (i = 0; i < 100 && smsc_lines("lost") == lost; i++)
		usleep(100000);
	assert_true(smsc_lines("lost") > lost);
	send_data("cl-nosmsc-2", DEV_NO_SMSC, aid);
	assert_int_equal(relay_pairs(), 0); /* still no SMPP link when it was answered */
	assert_int_equal(sessions_of(DEV_NO_SMSC) - before, 1);
	assert_int_equal(job_state(DEV_NO_SMSC, "cl-nosmsc-2"), M2M_STORE_JOB_ANSWERED);
	link_up();
}

/* The only slot waits for a switched-off card while CreateISDP's session lingers for
 * another eUICC: SendData is claimed into the session reserve. */
static void test_slots_full(void **state)
{
	char aid[40];
	size_t before = sessions_of(DEV_SLOTS);
	outcome o;
	int i;

	(void)state;
	link_up();
	create_isdp("cl-slots-1", DEV_SLOTS, "8988299000000077021", aid);
	farm_switch_off(DEV_OFF, 120);
	call_reply_to("smdp1", M2M_WS_ES3_CREATE_ISDP, F->cb_url,
		      create_req("cl-off-1", DEV_OFF, "8988299000000077039"), &o);
	assert_true(o.accepted);
	for (i = 0; i < 100 && job_state(DEV_OFF, "cl-off-1") != M2M_STORE_JOB_SENT; i++)
		usleep(100000);
	assert_int_equal(job_state(DEV_OFF, "cl-off-1"), M2M_STORE_JOB_SENT);
	send_data("cl-slots-2", DEV_SLOTS, aid);
	/* The slot was held all along: the card is still off, its job still open. */
	assert_true(job_open(DEV_OFF, "cl-off-1"));
	assert_int_equal(sessions_of(DEV_SLOTS) - before, 1);
	assert_int_equal(job_state(DEV_SLOTS, "cl-slots-2"), M2M_STORE_JOB_ANSWERED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expired_after_send),
		cmocka_unit_test(test_smsc_down),
		cmocka_unit_test(test_slots_full),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown_all);
}
