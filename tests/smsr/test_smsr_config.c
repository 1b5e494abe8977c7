/* The SM-SR configuration: defaults, every refusal names its key, [peers], [plma], [callers],
 * the ES7 keys ([smsr_peers], [es7]); and the PLMA / ONC lists in the store that [plma]
 * seeds (smsr/smsr_plma.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "smsr/smsr.h"
#include "smsr/smsr_plma.h"

#define BASE                                                                               \
	"[smsr]\nid = smsr1\ndb = sqlite:/tmp/x.sqlite\n"                                  \
	"master_key = 000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f\n"  \
	"[es]\nallow_without_cert = true\nlisten = 127.0.0.1:0\n"                          \
	"[smpp]\nhost = 127.0.0.1\nsystem_id = smsr\n"

static m2m_err parse(const char *text, m2m_smsr_cfg *cfg, char *err, size_t cap)
{
	return m2m_smsr_cfg_parse(text, strlen(text), cfg, err, cap);
}

static void test_defaults(void **state)
{
	m2m_smsr_cfg *cfg = calloc(1, sizeof *cfg);
	char err[256] = "";

	(void)state;
	assert_int_equal(parse(BASE, cfg, err, sizeof err), M2M_OK);
	assert_string_equal(cfg->worker, "smsr1");
	assert_string_equal(cfg->oid, "1.3.6.1.4.1.99999.2");
	assert_int_equal(cfg->smpp_port, 2775);
	assert_int_equal(cfg->es_port, 0);
	assert_int_equal(cfg->concurrency, 64);
	assert_int_equal(cfg->por_timeout_ms, 30000);
	assert_true(cfg->lease_ms > cfg->por_timeout_ms);
	assert_true(cfg->smpp_bind_range);
	assert_int_equal(cfg->log_level, M2M_LOG_INFO);
	assert_int_equal(cfg->hold_max_s, 120);
	assert_int_equal(cfg->retention_s, 30 * 86400); /* the longest ValidityPeriod */
	assert_null(cfg->es1); /* no [es1]: RegisterEIS refused */
	free(cfg);
}

static void test_lists(void **state)
{
	m2m_smsr_cfg *cfg = calloc(1, sizeof *cfg);
	char err[256] = "";

	(void)state;
	assert_int_equal(parse(BASE "[peers]\n1.2.3 = https://mno.example/es4\n"
				    "[plma]\nsp1 = 1.2.3, 1.2.4\n"
				    "[callers]\nmno1 = 1.2.3\n",
			       cfg, err, sizeof err),
			 M2M_OK);
	assert_string_equal(m2m_smsr_peer_url(cfg, "1.2.3"), "https://mno.example/es4");
	assert_null(m2m_smsr_peer_url(cfg, "1.2.4"));
	assert_int_equal(cfg->nplma, 2);
	assert_string_equal(cfg->plma[1].mno, "1.2.4");
	assert_string_equal(m2m_smsr_caller_oid(cfg, "mno1"), "1.2.3");
	assert_string_equal(m2m_smsr_caller_oid(cfg, "other"), "other");
	free(cfg);
}

/* [es1] and [eum.NAME] give the ES1 trust (the files are only read here). */
static void test_es1(void **state)
{
	m2m_smsr_cfg *cfg = calloc(1, sizeof *cfg);
	char file[] = "/tmp/m2m-smsr-cfg-XXXXXX", text[1024], err[256] = "";
	int fd = mkstemp(file);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "pem\n", 4), 4);
	close(fd);
	snprintf(text, sizeof text,
		 BASE "[engine]\nhold_max = 30\nretention = 0\n[es1]\nci_cert = %s\nsmsr_id = 1.2.3\n"
		      "[eum.eum1]\neum_id = 1.2.9\ncaller_id = eum1\ncert = %s\n"
		      "transport_key = 00112233445566778899AABBCCDDEEFF\n",
		 file, file);
	assert_int_equal(parse(text, cfg, err, sizeof err), M2M_OK);
	assert_int_equal(cfg->hold_max_s, 30);
	assert_int_equal(cfg->retention_s, 0); /* kept forever */
	assert_non_null(cfg->es1);
	assert_int_equal(cfg->es1->neums, 1);
	assert_string_equal(cfg->es1->eums[0].eum_id, "1.2.9");
	assert_string_equal(cfg->es1->eums[0].caller_id, "eum1");
	assert_int_equal(cfg->es1->eums[0].transport_key_len, 16);
	m2m_smsr_cfg_clear(cfg);
	assert_null(cfg->es1);
	/* Refusals name the section. */
	snprintf(text, sizeof text, BASE "[es1]\nci_cert = %s\n[eum.x]\neum_id = 1.2\n", file);
	assert_int_not_equal(parse(text, cfg, err, sizeof err), M2M_OK);
	assert_non_null(strstr(err, "[eum.x]"));
	m2m_smsr_cfg_clear(cfg);
	snprintf(text, sizeof text, BASE "[eum.x]\neum_id = 1.2\ncert = %s\n", file);
	assert_int_not_equal(parse(text, cfg, err, sizeof err), M2M_OK);
	assert_non_null(strstr(err, "ci_cert"));
	m2m_smsr_cfg_clear(cfg);
	assert_int_not_equal(parse(BASE "[eum.x]\ncolour = red\n", cfg, err, sizeof err),
			     M2M_OK);
	assert_non_null(strstr(err, "unknown key [eum.x] colour"));
	assert_int_not_equal(parse(BASE "[es1]\nci_cert = /nonexistent/ci.crt\n", cfg, err,
				   sizeof err),
			     M2M_OK);
	assert_non_null(strstr(err, "ci_cert"));
	m2m_smsr_cfg_clear(cfg);
	unlink(file);
	free(cfg);
}

static void refused(const char *text, const char *needle)
{
	m2m_smsr_cfg *cfg = calloc(1, sizeof *cfg);
	char err[256] = "";

	assert_int_equal(parse(text, cfg, err, sizeof err), M2M_ERR_CONFIG);
	if (strstr(err, needle) == NULL)
		print_error("message '%s' lacks '%s'\n", err, needle);
	assert_non_null(strstr(err, needle));
	free(cfg);
}

static void test_refusals(void **state)
{
	(void)state;
	refused("[smsr]\nid = a\n", "[smsr] db is required");
	refused(BASE "[smsr2]\nx = 1\n", "unknown key [smsr2] x");
	refused(BASE "[engine]\nconcurrency = 0\n", "concurrency");
	refused(BASE "[engine]\nlease = 10\n", "lease");
	refused(BASE "[engine]\nhold_max = 0\n", "hold_max");
	refused(BASE "[engine]\nretention = -1\n", "retention");
	refused(BASE "[engine]\nretention = 1w\n", "retention");
	refused(BASE "[peers]\nmno = ftp://x\n", "expected a URL");
	refused(BASE "[callers]\nmno1 = abc\n", "object identifier");
	refused(BASE "[scp81]\nenabled = yes\ntrigger_url = http://h/x\n", "trigger_url");
	refused(BASE "[smpp]\nport = 70000\n", "port");
	refused("[smsr]\nid = a\ndb = x\nmaster_key = 00\n[es]\nallow_without_cert = 1\n"
		"[smpp]\nhost = h\nsystem_id = s\n",
		"64 hex digits");
	refused("[smsr]\nid = a\ndb = x\nmaster_key = "
		"000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f\n"
		"[smpp]\nhost = h\nsystem_id = s\n",
		"cert, key and ca are required");
	refused(BASE "[es]\ncert = /x\n", "go together");
}

/* [smsr_peers] SMSR-OID = URL: the ES7 endpoints, apart from [peers]. */
static void test_smsr_peers(void **state)
{
	m2m_smsr_cfg *cfg = calloc(1, sizeof *cfg);
	char err[256] = "";

	(void)state;
	assert_int_equal(parse(BASE "[smsr_peers]\n1.3.6.1.4.1.99999.3 = https://sr2.example/es7\n"
				    "1.3.6.1.4.1.99999.4 = http://127.0.0.1:9000/soap/es7\n"
				    "[peers]\n1.2.3 = https://mno.example/es4\n",
			       cfg, err, sizeof err),
			 M2M_OK);
	assert_int_equal(cfg->nsmsr_peers, 2);
	assert_string_equal(m2m_smsr_smsr_peer_url(cfg, "1.3.6.1.4.1.99999.3"),
			    "https://sr2.example/es7");
	assert_string_equal(m2m_smsr_smsr_peer_url(cfg, "1.3.6.1.4.1.99999.4"),
			    "http://127.0.0.1:9000/soap/es7");
	assert_null(m2m_smsr_smsr_peer_url(cfg, "1.3.6.1.4.1.99999.5"));
	/* The two lists do not mix. */
	assert_null(m2m_smsr_smsr_peer_url(cfg, "1.2.3"));
	assert_null(m2m_smsr_peer_url(cfg, "1.3.6.1.4.1.99999.3"));
	free(cfg);
}

static void test_smsr_peers_refused(void **state)
{
	char text[8192];
	size_t n;

	(void)state;
	refused(BASE "[smsr_peers]\n1.2.5 = ftp://sr2.example/es7\n",
		"[smsr_peers] 1.2.5 = 'ftp://sr2.example/es7': expected a URL");
	refused(BASE "[smsr_peers]\n1.2.5 = sr2.example:443\n", "expected a URL");
	refused(BASE "[smsr_peers]\n1.2.5 = HTTPS://sr2.example\n", "expected a URL");
	/* At most M2M_SMSR_PEERS_MAX of them. */
	n = (size_t)snprintf(text, sizeof text, "%s[smsr_peers]\n", BASE);
	for (int i = 0; i <= M2M_SMSR_PEERS_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "1.2.%d = https://h/%d\n", i, i);
	assert_true(n < sizeof text);
	refused(text, "[smsr_peers] 1.2.32: too many or too long");
}

/* [es7] gp_cert and gp_key: both or neither. */
static void test_es7_keys(void **state)
{
	m2m_smsr_cfg *cfg = calloc(1, sizeof *cfg);
	char err[256] = "", text[1024];

	(void)state;
	assert_int_equal(parse(BASE, cfg, err, sizeof err), M2M_OK);
	assert_string_equal(cfg->es7_gp_cert, "");
	assert_string_equal(cfg->es7_gp_key, "");
	assert_int_equal(parse(BASE "[es7]\ngp_cert = /pki/sr-gp.der\ngp_key = /pki/sr-gp.key\n",
			       cfg, err, sizeof err),
			 M2M_OK);
	assert_string_equal(cfg->es7_gp_cert, "/pki/sr-gp.der");
	assert_string_equal(cfg->es7_gp_key, "/pki/sr-gp.key");
	free(cfg);
	refused(BASE "[es7]\ngp_cert = /pki/sr-gp.der\n", "[es7] gp_cert and gp_key go together");
	refused(BASE "[es7]\ngp_key = /pki/sr-gp.key\n", "[es7] gp_cert and gp_key go together");
	refused(BASE "[es7]\ngp_chain = /x\n", "unknown key [es7] gp_chain");
	snprintf(text, sizeof text, BASE "[es7]\ngp_cert = /%0300d\ngp_key = /k\n", 0);
	refused(text, "[es7] gp_cert: longer than");
}

/* [smsr] sms_address: the address an SM-SR change puts on the card (smsr_address.h);
 * default the [smpp] source as an international number, "none" for none. */
static void test_sms_address(void **state)
{
	m2m_smsr_cfg *cfg = calloc(1, sizeof *cfg);
	char err[256] = "";

	(void)state;
	assert_int_equal(parse(BASE, cfg, err, sizeof err), M2M_OK);
	assert_string_equal(cfg->sms_address, "+882999999999999");
	assert_int_equal(parse(BASE "source = 12345678901234567890\n", cfg, err, sizeof err),
			 M2M_OK);
	assert_string_equal(cfg->sms_address, "+12345678901234567890");
	assert_int_equal(parse(BASE "[smsr]\nsms_address = +4912345\n", cfg, err, sizeof err),
			 M2M_OK);
	assert_string_equal(cfg->sms_address, "+4912345");
	assert_int_equal(parse(BASE "[smsr]\nsms_address = 0171\n", cfg, err, sizeof err), M2M_OK);
	assert_string_equal(cfg->sms_address, "0171");
	assert_int_equal(parse(BASE "[smsr]\nsms_address = none\n", cfg, err, sizeof err), M2M_OK);
	assert_string_equal(cfg->sms_address, "");
	assert_int_equal(parse(BASE "bind_address_range = false\n", cfg, err, sizeof err), M2M_OK);
	assert_false(cfg->smpp_bind_range);
	assert_string_equal(cfg->sms_address, "+882999999999999"); /* still put on cards */
	free(cfg);
	refused(BASE "bind_address_range = maybe\n", "bind_address_range");
	refused(BASE "[smsr]\nsms_address = +49 123\n", "[smsr] sms_address = '+49 123'");
	refused(BASE "[smsr]\nsms_address = +\n", "[smsr] sms_address = '+'");
	refused(BASE "[smsr]\nsms_address = 49a\n", "'+' and 1-20 digits, digits, or none");
	refused(BASE "[smsr]\nsms_address = 123456789012345678901\n", "[smsr] sms_address");
	refused(BASE "[smsr]\nsms_address =\n", "[smsr] sms_address");
}

/* ---- the PLMA and ONC lists of the store ---- */

static m2m_store *temp_store(char *file, size_t cap)
{
	char url[300], err[256];
	m2m_store *st = NULL;
	int fd;

	snprintf(file, cap, "/tmp/m2m-smsr-plma-XXXXXX");
	fd = mkstemp(file);
	assert_true(fd >= 0);
	close(fd);
	snprintf(url, sizeof url, "sqlite:%s", file);
	assert_int_equal(m2m_store_open(url, NULL, &st, err, sizeof err), M2M_OK);
	return st;
}

static void temp_store_free(m2m_store *st, const char *file)
{
	char side[300];

	m2m_store_close(st);
	unlink(file);
	snprintf(side, sizeof side, "%s-wal", file);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", file);
	unlink(side);
}

static void test_plma_store(void **state)
{
	m2m_smsr_cfg *cfg = calloc(1, sizeof *cfg);
	m2m_smsr_entry *e = NULL;
	size_t n = 0;
	bool from_store = true, added = false;
	char err[256] = "", file[64];
	m2m_store *st = temp_store(file, sizeof file);

	(void)state;
	assert_int_equal(parse(BASE "[plma]\n1.9 = 1.2.3\n", cfg, err, sizeof err), M2M_OK);
	/* Nothing stored: the configuration is the list. */
	assert_int_equal(m2m_smsr_plma_list(st, cfg, &e, &n, &from_store), M2M_OK);
	assert_false(from_store);
	assert_int_equal(n, 1);
	free(e);
	assert_true(m2m_smsr_plma_allows(st, cfg, "1.9", "1.2.3"));
	assert_false(m2m_smsr_plma_allows(st, cfg, "1.8", "1.2.3"));
	/* The first change stores the seed with it. */
	assert_int_equal(m2m_smsr_plma_set(st, cfg, "1.8", "1.2.3", &added), M2M_OK);
	assert_true(added);
	assert_int_equal(m2m_smsr_plma_set(st, cfg, "1.8", "1.2.3", &added), M2M_OK);
	assert_false(added);
	assert_int_equal(m2m_smsr_plma_list(st, cfg, &e, &n, &from_store), M2M_OK);
	assert_true(from_store);
	assert_int_equal(n, 2);
	assert_string_equal(e[0].a, "1.9");
	assert_string_equal(e[1].a, "1.8");
	assert_string_equal(e[1].b, "1.2.3");
	free(e);
	assert_true(m2m_smsr_plma_allows(st, cfg, "1.8", "1.2.3"));
	assert_false(m2m_smsr_plma_allows(st, cfg, "1.8", "1.2.4"));
	/* Deleting the seeded entry: the store wins over the configuration from now on. */
	assert_int_equal(m2m_smsr_plma_delete(st, cfg, "1.9", "1.2.3"), M2M_OK);
	assert_false(m2m_smsr_plma_allows(st, cfg, "1.9", "1.2.3"));
	assert_int_equal(m2m_smsr_plma_delete(st, cfg, "1.9", "1.2.3"), M2M_END);
	assert_int_equal(m2m_smsr_plma_delete(st, cfg, "1.8", "1.2.3"), M2M_OK);
	assert_int_equal(m2m_smsr_plma_list(st, cfg, &e, &n, &from_store), M2M_OK);
	assert_true(from_store);
	assert_int_equal(n, 0);
	assert_false(m2m_smsr_plma_allows(st, cfg, "1.9", "1.2.3"));
	/* Refused forms. */
	assert_int_equal(m2m_smsr_plma_set(st, cfg, "1.8", "mno1", NULL), M2M_ERR_ARG);
	assert_int_equal(m2m_smsr_plma_set(st, cfg, "m2m sp", "1.2.3", NULL), M2M_ERR_ARG);
	assert_int_equal(m2m_smsr_plma_set(st, cfg, "sp\t1", "1.2.3", NULL), M2M_ERR_ARG);
	assert_int_equal(m2m_smsr_plma_set(st, cfg, "", "1.2.3", NULL), M2M_ERR_ARG);
	assert_int_equal(m2m_smsr_plma_set(st, cfg, "1.8", "1..2", NULL), M2M_ERR_ARG);
	/* A certificate CN is an identifier too (without a [callers] entry). */
	assert_int_equal(m2m_smsr_plma_set(st, cfg, "m2msp1", "1.2.3", NULL), M2M_OK);
	assert_true(m2m_smsr_plma_allows(st, cfg, "m2msp1", "1.2.3"));
	temp_store_free(st, file);
	free(cfg);
}

static void test_onc_store(void **state)
{
	m2m_smsr_entry *e = NULL;
	size_t n = 0;
	unsigned bits = 0;
	char names[96], file[64];
	m2m_store *st = temp_store(file, sizeof file);

	(void)state;
	/* Names <-> bits. */
	assert_int_equal(m2m_smsr_onc_parse("enabled,smsr-change", &bits), M2M_OK);
	assert_int_equal(bits, M2M_SMSR_ONC_ENABLED | M2M_SMSR_ONC_SMSR_CHANGE);
	m2m_smsr_onc_format(bits, names, sizeof names);
	assert_string_equal(names, "enabled,smsr-change");
	assert_int_equal(m2m_smsr_onc_parse("all", &bits), M2M_OK);
	assert_int_equal(bits, M2M_SMSR_ONC_ALL);
	assert_int_equal(m2m_smsr_onc_parse("none", &bits), M2M_OK);
	m2m_smsr_onc_format(bits, names, sizeof names);
	assert_string_equal(names, "none");
	assert_int_equal(m2m_smsr_onc_parse("enabled,,disabled", &bits), M2M_ERR_FORMAT);
	assert_int_equal(m2m_smsr_onc_parse("enable", &bits), M2M_ERR_FORMAT);
	assert_int_equal(m2m_smsr_onc_parse("", &bits), M2M_ERR_FORMAT);
	/* No entry: every notification goes. */
	assert_true(m2m_smsr_onc_wants(st, "1.2.3", "meter", M2M_SMSR_ONC_DISABLED));
	/* The type's entry first, then the MNO's "*". */
	assert_int_equal(m2m_smsr_onc_set(st, "1.2.3", "meter", M2M_SMSR_ONC_DISABLED), M2M_OK);
	assert_int_equal(m2m_smsr_onc_set(st, "1.2.3", "*", M2M_SMSR_ONC_ENABLED), M2M_OK);
	assert_true(m2m_smsr_onc_wants(st, "1.2.3", "meter", M2M_SMSR_ONC_DISABLED));
	assert_false(m2m_smsr_onc_wants(st, "1.2.3", "meter", M2M_SMSR_ONC_ENABLED));
	assert_true(m2m_smsr_onc_wants(st, "1.2.3", "car", M2M_SMSR_ONC_ENABLED));
	assert_false(m2m_smsr_onc_wants(st, "1.2.3", "", M2M_SMSR_ONC_DELETED));
	assert_true(m2m_smsr_onc_wants(st, "1.2.4", "meter", M2M_SMSR_ONC_ENABLED));
	/* A set replaces; a delete removes; types with spaces are fine. */
	assert_int_equal(m2m_smsr_onc_set(st, "1.2.3", "meter", 0), M2M_OK);
	assert_int_equal(m2m_smsr_onc_set(st, "1.2.3", "smart meter", M2M_SMSR_ONC_ALL), M2M_OK);
	assert_int_equal(m2m_smsr_onc_list(st, &e, &n), M2M_OK);
	assert_int_equal(n, 3);
	assert_string_equal(e[0].b, "meter");
	assert_int_equal(e[0].bits, 0);
	assert_string_equal(e[2].b, "smart meter");
	assert_int_equal(e[2].bits, M2M_SMSR_ONC_ALL);
	free(e);
	assert_false(m2m_smsr_onc_wants(st, "1.2.3", "meter", M2M_SMSR_ONC_DISABLED));
	assert_int_equal(m2m_smsr_onc_delete(st, "1.2.3", "meter"), M2M_OK);
	assert_int_equal(m2m_smsr_onc_delete(st, "1.2.3", "meter"), M2M_END);
	assert_false(m2m_smsr_onc_wants(st, "1.2.3", "meter", M2M_SMSR_ONC_DISABLED));
	assert_int_equal(m2m_smsr_onc_delete(st, "1.2.3", "*"), M2M_OK);
	assert_true(m2m_smsr_onc_wants(st, "1.2.3", "meter", M2M_SMSR_ONC_DISABLED));
	/* Refused forms. */
	assert_int_equal(m2m_smsr_onc_set(st, "mno1", "*", 0), M2M_ERR_ARG);
	assert_int_equal(m2m_smsr_onc_set(st, "1.2.3", "a\tb", 0), M2M_ERR_ARG);
	assert_int_equal(m2m_smsr_onc_set(st, "1.2.3", "", 0), M2M_ERR_ARG);
	assert_int_equal(m2m_smsr_onc_set(st, "1.2.3", "*", 0x100), M2M_ERR_ARG);
	temp_store_free(st, file);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_es1),
		cmocka_unit_test(test_smsr_peers),
		cmocka_unit_test(test_smsr_peers_refused),
		cmocka_unit_test(test_es7_keys),
		cmocka_unit_test(test_sms_address),
		cmocka_unit_test(test_plma_store),
		cmocka_unit_test(test_onc_store),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
