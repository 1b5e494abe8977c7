/*
 * End to end: the SM-SR change (docs/smsr-change.md) with both SM-SRs as two processes on one
 * database. The new SM-SR: two `m2mrsp smsr` on one PostgreSQL database (a fresh schema in the
 * cluster of M2MRSP_PG_URL), the same identity smsr2, their own worker names (node-a,
 * node-b). The current SM-SR: smsr1 (SQLite, the eUICCs imported) and a second process smsr1-b
 * (worker node-9) on the same SQLite file. smsr1 knows only node-b's ES7 endpoint, smsr2 only
 * smsr1-b's. smsr1-b and node-b have no SMSC (their [smpp] port has no listener), so their
 * engines claim no job: the relayed AuthenticateSMSR / CreateAdditionalKeySet jobs smsr1-b
 * queues are run by smsr1, and the FinaliseISDRhandover job node-b queues by node-a. Each
 * waiting exchange learns its job's end from the store: the relays answer with the card's RC,
 * DR and receipt kept in the job's record (without them the hand-over fails), the finalise
 * with its status. PrepareSMSRChange goes to node-a, HandoverEUICC lands on node-b: node-b
 * honours node-a's preparation (it is in the store); node-a then knows the eUICC (GetEIS) and
 * the card holds only the new key set. A second SMSRChange of the same eUICC without a new
 * preparation is refused by smsr1 (the EID is gone there).
 */
#define _POSIX_C_SOURCE 200809L

#define NDEV 1
#include "e2e_harness.h"
#include "pg_schema.h"
#include "es7_harness.h"

#define SMSR1_OID "1.3.6.1.4.1.99999.2"
#define SMSR2_OID "1.3.6.1.4.1.99999.12"
/* smsr2's own SMS address: the farm's SMSC routes a PoR by its destination, the command's
 * source, to the bind claiming it (docs/smpp.md). */
#define SMSR2_SOURCE "882990000012"

static struct {
	char db_url[768];
	pid_t node[2];
	char es[2][64];
	unsigned port_b;
	pid_t smsr1b;
	char es1b[64];
	char dead_smpp[16]; /* a port nobody listens on: a process without an SMSC */
} G;

/* ---- set-up ---- */

static const char *common =
	"por_timeout = 2000\n"
	"[engine]\nconcurrency = 8\nretries = 1\nbackoff = 300\nlease = 3000\npoll = 50\n";

static void write_smsr1(void)
{
	FILE *f = config_begin();

	fprintf(f,
		"%s"
		"[callers]\nmno1 = " MNO1 "\nsmsr2 = " SMSR2_OID "\n"
		"[peers]\n" MNO1 " = %s\n"
		"[smsr_peers]\n" SMSR2_OID " = https://127.0.0.1:%u/soap/es7\n",
		common, F->cb_url, G.port_b);
	fclose(f);
}

/* smsr1's second process, on smsr1's SQLite store, without an SMSC: it serves the relays
 * smsr2 sends, the jobs go to smsr1's engine. */
static void start_smsr1b(void)
{
	char tail[512], db[300];

	snprintf(db, sizeof db, "sqlite:%s/smsr.sqlite", F->dir);
	snprintf(tail, sizeof tail,
		 "%s[callers]\nmno1 = " MNO1 "\nsmsr2 = " SMSR2_OID "\n"
		 "[smsr_peers]\n" SMSR2_OID " = https://127.0.0.1:%u/soap/es7\n",
		 common, G.port_b);
	write_node_ini("smsr1-b", 9, db, G.dead_smpp, tail);
	G.smsr1b = start_smsr_named("smsr1-b", G.es1b, sizeof G.es1b);
}

/* smsr2 process k (node-a, node-b): one identity, one database, its own worker name, the SMSC
 * at port smpp; its ES7 calls go to smsr1-b. */
static void start_node(int k, unsigned port, const char *smpp)
{
	char name[32], file[256], out[256], err[256];
	FILE *f;

	snprintf(name, sizeof name, "smsr2-%c", 'a' + k);
	snprintf(file, sizeof file, "%s/%s.ini", F->dir, name);
	f = fopen(file, "w");
	assert_non_null(f);
	fprintf(f,
		"[smsr]\nid = smsr2\nworker = node-%c\noid = " SMSR2_OID "\ndb = %s\n"
		"master_key = %s\nlog_level = info\nsms_address = +" SMSR2_SOURCE "\n"
		"[es]\nlisten = 127.0.0.1:%u\ncert = %s/pki/smsr2-tls.crt\n"
		"key = %s/pki/smsr2-tls.key\nca = %s/pki/tls-ca.crt\n"
		"[smpp]\nhost = 127.0.0.1\nport = %s\nsystem_id = smsr\npassword = secret\n"
		"source = " SMSR2_SOURCE "\n%s"
		"[callers]\nmno1 = " MNO1 "\nsmsr1 = " SMSR1_OID "\n"
		"[smsr_peers]\n" SMSR1_OID " = https://%s/soap/es7\n"
		"[es7]\ngp_cert = %s/pki/smsr2-ecdsa.gpcert\ngp_key = %s/pki/smsr2-ecdsa.key\n",
		'a' + k, G.db_url, MASTER, port, F->dir, F->dir, F->dir, smpp, common, G.es1b,
		F->dir, F->dir);
	fclose(f);
	snprintf(out, sizeof out, "%s/%s.out", F->dir, name);
	snprintf(err, sizeof err, "%s/%s.err", F->dir, name);
	char *argv[] = {M2MRSP_BINARY, "smsr", "--config", file, NULL};
	G.node[k] = spawn(argv, out, err);
	assert_true(G.node[k] > 0);
	assert_true(wait_line(out, "es", G.es[k], sizeof G.es[k]));
}

static int setup(void **state)
{
	(void)state;
	pg_schema_create(G.db_url, sizeof G.db_url);
	fixture_new("/tmp/m2m_chgpg_XXXXXX", M2M_WS_ROLE_MNO, "es4");
	make_devices_for_pki(true);
	start_farm(NULL);
	G.port_b = free_port();
	snprintf(G.dead_smpp, sizeof G.dead_smpp, "%u", free_port());
	write_smsr1();
	import_and_start_smsr();
	start_smsr1b();
	start_node(0, 0, strrchr(F->smpp, ':') + 1);
	start_node(1, G.port_b, G.dead_smpp);
	return 0;
}

static int pair_teardown(void **state)
{
	if (F == NULL)
		return 0;
	stop(&G.node[0], SIGTERM);
	stop(&G.node[1], SIGTERM);
	stop(&G.smsr1b, SIGTERM);
	pg_schema_drop();
	return teardown(state);
}

/* ---- checks ---- */

/* The log (stderr) of process name has a line with both a and b. */
static bool log_has(const char *name, const char *a, const char *b)
{
	char file[256], line[1024];
	bool found = false;
	FILE *f;

	snprintf(file, sizeof file, "%s/%s.err", F->dir, name);
	f = fopen(file, "r");
	assert_non_null(f);
	while (!found && fgets(line, sizeof line, f) != NULL)
		found = strstr(line, a) != NULL && strstr(line, b) != NULL;
	fclose(f);
	return found;
}

/* No card answer is left in smsr1's store: each was deleted once its exchange answered. */
static void assert_no_card_answer(void)
{
	m2m_store *st = store_open();
	uint8_t a[M2M_STORE_JOB_ANSWER_MAX];
	size_t n = 0;

	for (int64_t id = 1; id <= 32; id++)
		assert_int_equal(m2m_store_job_answer_get(st, id, a, &n), M2M_END);
	m2m_store_close(st);
}

/* ---- the test ---- */

static void test_change_two_nodes(void **state)
{
	outcome o;
	m2m_buf b;
	char what[64];

	(void)state;
	/* Nothing prepared: node-b refuses the hand-over, smsr1 keeps the eUICC. */
	es7_call(F->es, "mno1", M2M_WS_ES4_SMSR_CHANGE, 0, &o, "Target-Smsr-id", SMSR2_OID, NULL);
	expect(&o, M2M_WS_FAILED, "8.1.1", "1.2");
	/* Prepared at node-a, handed over to node-b. */
	es7_call(G.es[0], "mno1", M2M_WS_ES4_PREPARE_SMSR_CHANGE, 0, &o, "CurrentSMSRid",
		 SMSR1_OID, NULL);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	es7_call(F->es, "mno1", M2M_WS_ES4_SMSR_CHANGE, 0, &o, "Target-Smsr-id", SMSR2_OID, NULL);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	/* Every job ended in another process than the one its exchange waited in: the relays'
	 * at smsr1 (smsr1-b answered from the card's answer in the store), the finalise job at
	 * node-a (node-b answered from its status). */
	assert_true(log_has("smsr1-b", "es7_cert", "ended in another process: EXECUTED_SUCCESS"));
	assert_true(log_has("smsr1-b", "es7_keys", "ended in another process: EXECUTED_SUCCESS"));
	assert_true(log_has("smsr2-b", "es7_finalise", "ended in another process: EXECUTED_SUCCESS"));
	assert_no_card_answer();
	/* Both nodes know the eUICC now; smsr1 does not. */
	es7_call(G.es[0], "mno1", M2M_WS_ES4_GET_EIS, 0, &o, NULL);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_true(o.has_eis);
	es7_call(G.es[1], "mno1", M2M_WS_ES4_GET_EIS, 0, &o, NULL);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	es7_call(F->es, "mno1", M2M_WS_ES4_GET_EIS, 0, &o, NULL);
	expect(&o, M2M_WS_FAILED, "8.1.1", "3.9");
	/* The card keeps only the new ISD-R key set. */
	snprintf(what, sizeof what, "/devices/%s", F->eid[0]);
	m2m_buf_init(&b);
	farm_get(what, &b);
	assert_non_null(strstr((const char *)b.data, "\"kvn\":2,"));
	assert_null(strstr((const char *)b.data, "\"kvn\":1,"));
	m2m_buf_free(&b);
	/* The preparation was used up: a new one at node-b is refused (the EID is ours). */
	es7_call(G.es[1], "mno1", M2M_WS_ES4_PREPARE_SMSR_CHANGE, 0, &o, "CurrentSMSRid",
		 SMSR1_OID, NULL);
	expect(&o, M2M_WS_FAILED, "8.1.1", "3.3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_change_two_nodes),
	};

	return cmocka_run_group_tests(tests, setup, pair_teardown);
}
