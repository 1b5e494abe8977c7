/* The SM-SR configuration: defaults, every refusal names its key, [peers], [plma], [callers]. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "smsr/smsr.h"

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
	assert_int_equal(cfg->log_level, M2M_LOG_INFO);
	assert_int_equal(cfg->hold_max_s, 120);
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
		 BASE "[engine]\nhold_max = 30\n[es1]\nci_cert = %s\nsmsr_id = 1.2.3\n"
		      "[eum.eum1]\neum_id = 1.2.9\ncaller_id = eum1\ncert = %s\n"
		      "transport_key = 00112233445566778899AABBCCDDEEFF\n",
		 file, file);
	assert_int_equal(parse(text, cfg, err, sizeof err), M2M_OK);
	assert_int_equal(cfg->hold_max_s, 30);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_es1),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
