/*
 * kill -9 of the SM-SR in the middle of a 1,000-eUICC batch (issue 6, "Scale and faults"):
 * the operator asks every eUICC of a farm to enable its second profile (ES4 EnableProfile
 * with ReplyTo), the SM-SR is killed once about a tenth of the answers came back, while
 * the batch is still being sent, and started again; the operator sends again what the dead
 * process did not take. Then, for every eUICC:
 *  - the call, asked again with the same FunctionCallIdentifier, ends EXECUTED_SUCCESS;
 *  - the SM-SR's store holds exactly one job for it, answered;
 *  - the EIS says the second profile is enabled and the bootstrap disabled, and the card
 *    (the farm's control API) says the same;
 *  - no notification stays unconfirmed on the card once the SM-SR settled.
 */
#define _POSIX_C_SOURCE 200809L
#define NDEV 1000
#define CB_MAX (NDEV + 64)
#include "e2e_harness.h"

#include <jansson.h>

#define KILL_AFTER (NDEV / 10) /* answers seen before the kill */

static int setup(void **state)
{
	(void)state;
	fixture_new("/tmp/m2mrsp-crash-XXXXXX", M2M_WS_ROLE_MNO, "es4");
	make_devices(true);
	start_farm(NULL);
	FILE *f = config_begin();
	fprintf(f, "por_timeout = 3000\n"
		   "[engine]\nconcurrency = 64\nretries = 5\nbackoff = 300\nlease = 4000\n"
		   "poll = 50\n"
		   "[callers]\nmno1 = " MNO1 "\n");
	fclose(f);
	import_and_start_smsr();
	return 0;
}

static size_t answers_seen(void)
{
	size_t n;

	pthread_mutex_lock(&F->lock);
	n = F->ncb;
	pthread_mutex_unlock(&F->lock);
	return n;
}

static void fcid_of(int i, char *out, size_t cap)
{
	snprintf(out, cap, "crash-%d", i);
}

static m2m_ws_msg *enable_request(int i)
{
	char fcid[32];

	fcid_of(i, fcid, sizeof fcid);
	return request(M2M_WS_ES4_ENABLE_PROFILE, fcid, i, "Iccid", F->iccid2[i], NULL);
}

/* The SM-SR's ES endpoint now (it moves when the SM-SR restarts). */
static pthread_mutex_t es_lock = PTHREAD_MUTEX_INITIALIZER;
static char es_now[64];

typedef struct {
	m2m_ws_client *c;
	int refused; /* faults and unreadable answers (not a transport failure) */
	int retried; /* transport failures (the SM-SR down), each sent again */
} batch;

/* The operator: every request until it is accepted for a deferred answer. A request the
 * dead SM-SR did not take is sent again with the same FunctionCallIdentifier, as a client
 * would (no cmocka here: this runs beside the main thread). */
static void *submit_batch(void *arg)
{
	batch *b = arg;

	for (int i = 0; i < NDEV; i++) {
		for (;;) {
			m2m_ws_msg *m = enable_request(i);
			m2m_ws_result res;
			char url[128];
			pthread_mutex_lock(&es_lock);
			snprintf(url, sizeof url, "https://%s/soap/es4", es_now);
			pthread_mutex_unlock(&es_lock);
			memset(&res, 0, sizeof res);
			m2m_err err = m2m_ws_client_call(b->c, url, m, F->cb_url, &res);
			/* Taken for a deferred answer; or, for a request the dead process had
			 * already finished, answered at once with the recorded result. */
			bool accepted = err == M2M_OK && (res.accepted || res.response != NULL);
			m2m_ws_result_free(&res);
			m2m_ws_msg_free(m);
			if (accepted)
				break;
			if (err != M2M_ERR_IO) {
				b->refused++;
				break;
			}
			b->retried++;
			usleep(100000);
		}
	}
	return NULL;
}

/* kill -9 once KILL_AFTER answers came back, while the batch is still being sent; then the
 * SM-SR starts again on the same database. */
static void kill_mid_batch(void)
{
	batch b = {.c = client("mno1")};
	pthread_t t;

	snprintf(es_now, sizeof es_now, "%s", F->es);
	assert_int_equal(pthread_create(&t, NULL, submit_batch, &b), 0);
	for (int i = 0; i < 1200 && answers_seen() < KILL_AFTER; i++)
		usleep(50000);
	size_t before = answers_seen();
	stop(&F->smsr, SIGKILL);
	start_smsr();
	pthread_mutex_lock(&es_lock);
	snprintf(es_now, sizeof es_now, "%s", F->es);
	pthread_mutex_unlock(&es_lock);
	pthread_join(t, NULL);
	m2m_ws_client_free(b.c);
	print_message("killed the SM-SR after %zu of %d answers; %d requests sent again\n",
		      before, NDEV, b.retried);
	assert_int_equal(b.refused, 0);
	assert_true(before >= KILL_AFTER);
	/* With every answer already out the kill would prove nothing. */
	assert_true(before < NDEV);
}

/* The same call again, held: the answer recorded for its identifier, or the job's end. */
static void check_answers(void)
{
	for (int i = 0; i < NDEV; i++) {
		outcome o;
		call("mno1", M2M_WS_ES4_ENABLE_PROFILE, NULL, i, false, false, enable_request(i),
		     &o);
		expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	}
}

static void check_jobs_and_eis(void)
{
	m2m_store *st = store_open();
	char fcid[32];

	for (int i = 0; i < NDEV; i++) {
		m2m_store_profile *ps = NULL;
		size_t np = 0;
		fcid_of(i, fcid, sizeof fcid);
		assert_one_answered_job(st, F->eid[i], fcid);
		assert_int_equal(m2m_store_profile_list(st, F->eid[i], &ps, &np), M2M_OK);
		for (size_t k = 0; k < np; k++) {
			bool second = strcmp(ps[k].iccid, F->iccid2[i]) == 0;
			assert_true(second || strcmp(ps[k].iccid, F->iccid[i]) == 0);
			assert_int_equal(ps[k].state, second ? M2M_STORE_PROFILE_ENABLED
							     : M2M_STORE_PROFILE_DISABLED);
		}
		assert_int_equal(np, 2);
		m2m_store_profile_list_free(ps, np);
	}
	m2m_store_close(st);
}

/* The card's state of the profile iccid ("enabled"...), and its unconfirmed notifications. */
static void card_state(int i, const char *iccid, char *state, size_t cap, size_t *pending)
{
	m2m_buf body;
	char what[64];
	json_error_t je;
	json_t *root, *isdps, *p;
	size_t k;

	m2m_buf_init(&body);
	snprintf(what, sizeof what, "/devices/%s", F->eid[i]);
	farm_get(what, &body);
	root = json_loads((const char *)body.data, 0, &je);
	assert_non_null(root);
	state[0] = '\0';
	isdps = json_object_get(root, "isdps");
	json_array_foreach(isdps, k, p) {
		const char *ic = json_string_value(json_object_get(p, "iccid"));
		if (ic != NULL && strcmp(ic, iccid) == 0)
			snprintf(state, cap, "%s", json_string_value(json_object_get(p, "state")));
	}
	*pending = json_array_size(json_object_get(root, "notifications"));
	json_decref(root);
	m2m_buf_free(&body);
}

/* Confirmations of the switch notifications are jobs too: give them time to drain. */
static void check_cards(void)
{
	char st1[32], st2[32];
	size_t pending = 0, left = 0;

	for (int round = 0; round < 100; round++) {
		left = 0;
		for (int i = 0; i < NDEV; i++) {
			card_state(i, F->iccid[i], st1, sizeof st1, &pending);
			left += pending;
		}
		if (left == 0)
			break;
		usleep(300000);
	}
	assert_int_equal(left, 0);
	for (int i = 0; i < NDEV; i++) {
		card_state(i, F->iccid2[i], st2, sizeof st2, &pending);
		card_state(i, F->iccid[i], st1, sizeof st1, &pending);
		assert_string_equal(st2, "enabled");
		assert_string_equal(st1, "disabled");
	}
}

static void test_kill_mid_batch(void **state)
{
	(void)state;
	kill_mid_batch();
	check_answers();
	check_jobs_and_eis();
	check_cards();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill_mid_batch),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
