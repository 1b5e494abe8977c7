/*
 * End to end: the farm's SMSC routes the cards' MO SMS by destination address
 * (docs/smpp.md "Routing MO SMS by destination address", docs/devices.md "SMS"). Two
 * `m2mrsp smsr` processes bind the farm's one SMPP account, each claiming its own [smsr]
 * sms_address as the bind's address_range: smsrA (+882990000001, also the farm's
 * --smsr-address, where a card without SM-SR addressing parameters sends its notifications)
 * and smsrB (+882990000012). Both imported the same eUICCs into their own stores.
 *
 * smsrB puts its address on eUICC 0 (its UpdateSMSRAddressingParameters job, queued in its
 * store as FinaliseISDRhandover would queue it after an SM-SR change): the card's A3 shows
 * it, and the job's PoR reached smsrB (the sender). smsrB then enables the
 * second profile on both eUICCs: eUICC 0's notification goes to smsrB's address and only
 * smsrB records it; eUICC 1 (no A3) notifies the farm's default address, and only smsrA
 * records it although smsrB was the last to write to that card (the farm's routing before
 * address ranges would have handed it to smsrB).
 */
#define NDEV 2
#include "e2e_harness.h"

#include "smsr/smsr_address.h"
#include "smsr/smsr_int.h"

#define ADDRESS_A "+882990000001"
#define SOURCE_A "882990000001"
#define ADDRESS_B "+882990000012"
#define SOURCE_B "882990000012"
/* smsrB's address as A3 value, worked out by hand from the whty layout (sgp02-facts-2 2c),
 * as in e2e/test_smsr_change: 81 L {12 digits, TON/NPI 91, 88 92 09 00 00 21}. */
#define A3_B "81080C91889209000021"

static pid_t smsr_b;
static char es_b[64];

static const char *common =
	"por_timeout = 2000\n"
	"[engine]\nconcurrency = 8\nretries = 1\nbackoff = 300\nlease = 3000\npoll = 50\n";

/* ---- set-up ---- */

static void write_smsr_a(void)
{
	FILE *f = config_begin(); /* ends in [smpp] */

	fprintf(f, "source = " SOURCE_A "\n%s[callers]\nmno1 = " MNO1 "\n[peers]\n" MNO1 " = %s\n",
		common, F->cb_url);
	fclose(f);
}

static void write_smsr_b(void)
{
	char file[256];
	const char *port = strrchr(F->smpp, ':');
	FILE *f;

	assert_non_null(port);
	path(file, sizeof file, "smsrB.ini");
	f = fopen(file, "w");
	assert_non_null(f);
	fprintf(f,
		"[smsr]\nid = smsr2\ndb = sqlite:%s/smsrB.sqlite\nmaster_key = %s\n"
		"log_level = info\nsms_address = " ADDRESS_B "\n"
		"[es]\nlisten = 127.0.0.1:0\ncert = %s/pki/smsr2-tls.crt\n"
		"key = %s/pki/smsr2-tls.key\nca = %s/pki/tls-ca.crt\n"
		"[smpp]\nhost = 127.0.0.1\nport = %s\nsystem_id = smsr\npassword = secret\n"
		"source = " SOURCE_B "\n%s[callers]\nmno1 = " MNO1 "\n[peers]\n" MNO1 " = %s\n",
		F->dir, MASTER, F->dir, F->dir, F->dir, port + 1, common, F->cb_url);
	fclose(f);
}

static m2m_store *store_b_open(void)
{
	m2m_store *st = NULL;
	char url[300], err[256];

	snprintf(url, sizeof url, "sqlite:%s/smsrB.sqlite", F->dir);
	assert_int_equal(m2m_store_open(url, MASTER, &st, err, sizeof err), M2M_OK);
	return st;
}

/* The job an SM-SR change leaves for the new SM-SR (smsr_address_queue): put our address
 * on the card. Queued before smsrB starts, so its engine finds it at once. */
static void queue_address_job(int dev)
{
	m2m_store *st = store_b_open();
	smsr_job j;

	smsr_job_init(&j);
	snprintf(j.data, sizeof j.data, "%s", A3_B);
	assert_int_equal(smsr_job_queue(st, F->eid[dev], SMSR_KIND_ADDRESS, &j,
					m2m_store_now_ms() + 600000, NULL),
			 M2M_OK);
	smsr_job_clear(&j);
	m2m_store_close(st);
}

static int setup(void **state)
{
	char *farm_args[] = {"--smsr-address", ADDRESS_A, NULL};

	(void)state;
	fixture_new("/tmp/m2m_e2e_XXXXXX", M2M_WS_ROLE_MNO, "es4");
	make_devices_for_pki(true);
	start_farm(farm_args);
	write_smsr_a();
	import_and_start_smsr();
	write_smsr_b();
	assert_int_equal(sh("'%s' smsr import --config '%s/smsrB.ini' --devices '%s/devices.json' "
			    "--mno-id " MNO1 " --eum-key '%s/pki/eum1.key' >/dev/null",
			    M2MRSP_BINARY, F->dir, F->dir, F->dir),
			 0);
	queue_address_job(0);
	smsr_b = start_smsr_named("smsrB", es_b, sizeof es_b);
	return 0;
}

static int teardown_both(void **state)
{
	stop(&smsr_b, SIGTERM);
	return teardown(state);
}

/* ---- checks ---- */

/* The card's SM-SR addressing parameters (A3 value) are want (waits up to 60 s). */
static bool wait_smsr_params(int dev, const char *want)
{
	char what[64], key[160];

	snprintf(what, sizeof what, "/devices/%s", F->eid[dev]);
	snprintf(key, sizeof key, "\"smsr_params\":\"%s\"", want);
	for (int i = 0; i < 1200; i++) {
		m2m_buf b;
		bool ok;
		m2m_buf_init(&b);
		farm_get(what, &b);
		ok = strstr((const char *)b.data, key) != NULL;
		if (!ok && i == 1199)
			print_error("%s\n", (const char *)b.data);
		m2m_buf_free(&b);
		if (ok)
			return true;
		usleep(50000);
	}
	return false;
}

/* smsrB's smsr_address job for the eUICC was answered: its PoR reached smsrB (waits up to
 * 60 s). */
static bool address_job_answered(int dev)
{
	for (int i = 0; i < 1200; i++) {
		m2m_store *st = store_b_open();
		m2m_store_job *jobs = NULL;
		size_t n = 0, answered = 0;

		assert_int_equal(m2m_store_job_list(st, F->eid[dev], &jobs, &n), M2M_OK);
		for (size_t k = 0; k < n; k++)
			answered += strcmp(jobs[k].kind, SMSR_KIND_ADDRESS) == 0 &&
				    jobs[k].state == M2M_STORE_JOB_ANSWERED;
		m2m_store_job_list_free(jobs, n);
		m2m_store_close(st);
		if (answered == 1)
			return true;
		usleep(50000);
	}
	return false;
}

/* The notifications of type the store of an SM-SR ("smsr" or "smsrB") recorded from the
 * eUICC, whatever their state. */
static size_t notifications(const char *db, int dev, uint8_t type)
{
	m2m_store *st = NULL;
	char url[300], err[256];
	size_t n = 0;

	snprintf(url, sizeof url, "sqlite:%s/%s.sqlite", F->dir, db);
	assert_int_equal(m2m_store_open(url, MASTER, &st, err, sizeof err), M2M_OK);
	for (uint16_t seq = 0; seq < 64; seq++) {
		m2m_store_notif nt;
		memset(&nt, 0, sizeof nt);
		n += m2m_store_notif_get(st, F->eid[dev], seq, &nt) == M2M_OK && nt.type == type;
		m2m_store_notif_clear(&nt);
	}
	m2m_store_close(st);
	return n;
}

/* Waits up to 60 s for a notification of type from the eUICC in db's store. */
static bool wait_notification_in(const char *db, int dev, uint8_t type)
{
	for (int i = 0; i < 1200; i++) {
		if (notifications(db, dev, type) > 0)
			return true;
		usleep(50000);
	}
	return false;
}

/* ES4 EnableProfile of the eUICC's second profile by mno1 at smsrB, held: success. */
static void enable_second_at_b(int dev)
{
	char fcid[32];
	answer a;

	snprintf(fcid, sizeof fcid, "fc-route-%d", dev);
	send_as(es_b, "mno1", 120000,
		request(M2M_WS_ES4_ENABLE_PROFILE, fcid, dev, "Iccid", F->iccid2[dev], NULL), NULL,
		&a);
	if (a.st.status != M2M_WS_EXECUTED_SUCCESS)
		print_error("EnableProfile on eUICC %d: %s %s/%s (%s)\n", dev,
			    m2m_ws_status_name(a.st.status), a.st.subject, a.st.reason,
			    a.st.message);
	assert_int_equal(a.st.status, M2M_WS_EXECUTED_SUCCESS);
}

/* ---- the test ---- */

#define NOTIF_PROFILE_CHANGE 0x02 /* the card's "profile change", as in e2e/test_smsr_change */

static void test_mo_follows_the_address(void **state)
{
	(void)state;
	/* smsrB's address on card 0, and the command's PoR back to smsrB. */
	assert_true(wait_smsr_params(0, A3_B));
	assert_true(address_job_answered(0));

	/* Card 0 notifies smsrB's address: smsrB, not smsrA, gets it. */
	enable_second_at_b(0);
	assert_true(wait_notification_in("smsrB", 0, NOTIF_PROFILE_CHANGE));

	/* Card 1 has no A3: the farm's default address, smsrA's, although smsrB wrote to the
	 * card last. */
	enable_second_at_b(1);
	assert_true(wait_notification_in("smsr", 1, NOTIF_PROFILE_CHANGE));

	/* Each notification reached only the SM-SR its address names. */
	assert_int_equal(notifications("smsr", 0, NOTIF_PROFILE_CHANGE), 0);
	assert_int_equal(notifications("smsrB", 1, NOTIF_PROFILE_CHANGE), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mo_follows_the_address),
	};
	return cmocka_run_group_tests(tests, setup, teardown_both);
}
