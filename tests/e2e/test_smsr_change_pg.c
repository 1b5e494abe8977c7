/*
 * End to end: the SM-SR change (docs/smsr-change.md) with the new SM-SR as two `m2mrsp smsr`
 * processes on one PostgreSQL database (a fresh schema in the cluster of M2MRSP_PG_URL): the
 * same identity smsr2, their own worker names (node-a, node-b). smsr1 (the current SM-SR,
 * SQLite, the eUICCs imported) knows only node-b's ES7 endpoint. PrepareSMSRChange goes to
 * node-a, HandoverEUICC lands on node-b: node-b honours node-a's preparation (it is in the
 * store), the change succeeds whichever process's engine runs FinaliseISDRhandover (node-b
 * learns the job's end from the store when node-a ran it), node-a then knows the eUICC (GetEIS)
 * and the card holds only the new key set. A second SMSRChange of the same eUICC without a new
 * preparation is refused by smsr1 (the EID is gone there).
 */
#define _POSIX_C_SOURCE 200809L

#define NDEV 1
#include "e2e_harness.h"
#include "pg_schema.h"

#define SMSR1_OID "1.3.6.1.4.1.99999.2"
#define SMSR2_OID "1.3.6.1.4.1.99999.12"

static struct {
	char db_url[768];
	pid_t node[2];
	char es[2][64];
	unsigned port_b;
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

/* smsr2 process k (node-a, node-b): one identity, one database, its own worker name. */
static void start_node(int k, unsigned port)
{
	char name[32], file[256], out[256], err[256];
	const char *smpp = strrchr(F->smpp, ':');
	FILE *f;

	snprintf(name, sizeof name, "smsr2-%c", 'a' + k);
	snprintf(file, sizeof file, "%s/%s.ini", F->dir, name);
	f = fopen(file, "w");
	assert_non_null(f);
	fprintf(f,
		"[smsr]\nid = smsr2\nworker = node-%c\noid = " SMSR2_OID "\ndb = %s\n"
		"master_key = %s\nlog_level = info\nsms_address = none\n"
		"[es]\nlisten = 127.0.0.1:%u\ncert = %s/pki/smsr2-tls.crt\n"
		"key = %s/pki/smsr2-tls.key\nca = %s/pki/tls-ca.crt\n"
		"[smpp]\nhost = 127.0.0.1\nport = %s\nsystem_id = smsr\npassword = secret\n"
		"%s"
		"[callers]\nmno1 = " MNO1 "\nsmsr1 = " SMSR1_OID "\n"
		"[smsr_peers]\n" SMSR1_OID " = https://%s/soap/es7\n"
		"[es7]\ngp_cert = %s/pki/smsr2-ecdsa.gpcert\ngp_key = %s/pki/smsr2-ecdsa.key\n",
		'a' + k, G.db_url, MASTER, port, F->dir, F->dir, F->dir, smpp + 1, common, F->es,
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
	write_smsr1();
	import_and_start_smsr();
	start_node(0, 0);
	start_node(1, G.port_b);
	return 0;
}

static int pair_teardown(void **state)
{
	if (F == NULL)
		return 0;
	stop(&G.node[0], SIGTERM);
	stop(&G.node[1], SIGTERM);
	pg_schema_drop();
	return teardown(state);
}

/* ---- calls ---- */

/* fn by mno1 at the SM-SR listening on es, held, with Eid of device 0 and the children given
 * (name, text..., NULL). */
static void call_at(const char *es, m2m_ws_fn fn, outcome *o, ...)
{
	char url[128], fcid[32];
	static unsigned seq;
	m2m_ws_client *c = client_timeout("mno1", 120000);
	m2m_ws_msg *m = NULL;
	m2m_ws_result res;
	const char *name;
	va_list ap;

	snprintf(fcid, sizeof fcid, "fc-chgpg-%u", ++seq);
	assert_int_equal(m2m_ws_request_new(fn, fcid, 600, &m), M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "Eid", F->eid[0], NULL), M2M_OK);
	va_start(ap, o);
	while ((name = va_arg(ap, const char *)) != NULL)
		assert_int_equal(m2m_ws_add(m, NULL, name, va_arg(ap, const char *), NULL), M2M_OK);
	va_end(ap);
	snprintf(url, sizeof url, "https://%s/soap/es%d", es,
		 m2m_ws_iface_number(m2m_ws_function_get(fn)->iface));
	memset(o, 0, sizeof *o);
	memset(&res, 0, sizeof res);
	assert_int_equal(m2m_ws_client_call(c, url, m, NULL, &res), M2M_OK);
	if (res.fault) {
		o->st = res.error.status;
	} else {
		assert_non_null(res.response);
		assert_int_equal(m2m_ws_msg_status(res.response, &o->st), M2M_OK);
		o->has_eis = m2m_ws_find(m2m_ws_msg_body(res.response), "Eis") != NULL;
	}
	m2m_ws_result_free(&res);
	m2m_ws_msg_free(m);
	m2m_ws_client_free(c);
}

/* ---- the test ---- */

static void test_change_two_nodes(void **state)
{
	outcome o;
	m2m_buf b;
	char what[64];

	(void)state;
	/* Nothing prepared: node-b refuses the hand-over, smsr1 keeps the eUICC. */
	call_at(F->es, M2M_WS_ES4_SMSR_CHANGE, &o, "Target-Smsr-id", SMSR2_OID, NULL);
	expect(&o, M2M_WS_FAILED, "8.1.1", "1.2");
	/* Prepared at node-a, handed over to node-b. */
	call_at(G.es[0], M2M_WS_ES4_PREPARE_SMSR_CHANGE, &o, "CurrentSMSRid", SMSR1_OID, NULL);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	call_at(F->es, M2M_WS_ES4_SMSR_CHANGE, &o, "Target-Smsr-id", SMSR2_OID, NULL);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	/* Both nodes know the eUICC now; smsr1 does not. */
	call_at(G.es[0], M2M_WS_ES4_GET_EIS, &o, NULL);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	assert_true(o.has_eis);
	call_at(G.es[1], M2M_WS_ES4_GET_EIS, &o, NULL);
	expect(&o, M2M_WS_EXECUTED_SUCCESS, "", "");
	call_at(F->es, M2M_WS_ES4_GET_EIS, &o, NULL);
	expect(&o, M2M_WS_FAILED, "8.1.1", "3.9");
	/* The card keeps only the new ISD-R key set. */
	snprintf(what, sizeof what, "/devices/%s", F->eid[0]);
	m2m_buf_init(&b);
	farm_get(what, &b);
	assert_non_null(strstr((const char *)b.data, "\"kvn\":2,"));
	assert_null(strstr((const char *)b.data, "\"kvn\":1,"));
	m2m_buf_free(&b);
	/* The preparation was used up: a new one at node-b is refused (the EID is ours). */
	call_at(G.es[1], M2M_WS_ES4_PREPARE_SMSR_CHANGE, &o, "CurrentSMSRid", SMSR1_OID, NULL);
	expect(&o, M2M_WS_FAILED, "8.1.1", "3.3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_change_two_nodes),
	};

	return cmocka_run_group_tests(tests, setup, pair_teardown);
}
