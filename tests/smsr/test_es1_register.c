/* ES1.RegisterEIS on SQLite: success and every refusal with its subject and reason code,
 * nothing kept on a refusal, the audit trail, the trust from the configuration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "smsr/es1.h"
#include "test_eis_fixture.h"

#define MASTER "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static fx F;
static char tmpdir[64];
static int dbs;
static m2m_es1_eum eum;
static m2m_es1_trust trust;
static const m2m_ws_caller caller = {.role = M2M_WS_ROLE_EUM, .id = "eum1"};

static int setup(void **state)
{
	(void)state;
	fx_init(&F);
	snprintf(tmpdir, sizeof tmpdir, "/tmp/m2m-es1-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	fx_free(&F);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Each test: a fresh store and the normal trust. */
static int before(void **state)
{
	char url[160], err[200];
	m2m_store *st = NULL;

	snprintf(url, sizeof url, "sqlite:%s/r%d.db", tmpdir, dbs++);
	assert_int_equal(m2m_store_open(url, MASTER, &st, err, sizeof err), M2M_OK);
	eum = (m2m_es1_eum){FX_EUM_ID, "eum1", F.eum_pem.data, F.eum_pem.len, F.tk, sizeof F.tk};
	trust = (m2m_es1_trust){F.ci_pem.data, F.ci_pem.len, &eum, 1, FX_SMSR_ID};
	*state = st;
	return 0;
}

static int after(void **state)
{
	m2m_store_close(*state);
	return 0;
}

static int64_t eis_count(m2m_store *st)
{
	int64_t n = -1;

	assert_int_equal(m2m_store_eis_count(st, &n), M2M_OK);
	return n;
}

static void expect(m2m_store *st, const m2m_ws_caller *c, const m2m_ws_msg *req, m2m_err want,
		   const char *subject, const char *reason, const char *text)
{
	m2m_ws_exec_status status;
	m2m_err err;

	memset(&status, 0, sizeof status);
	err = m2m_es1_register_eis(st, &trust, c, req, &status);
	if (err != want || strcmp(status.subject, subject) != 0 ||
	    strcmp(status.reason, reason) != 0 || strstr(status.message, text) == NULL)
		fail_msg("got %d %s/%s '%s', want %d %s/%s '%s'", err, status.subject,
			 status.reason, status.message, want, subject, reason, text);
	assert_int_equal(status.status, want == M2M_OK ? M2M_WS_EXECUTED_SUCCESS : M2M_WS_FAILED);
}

static m2m_ws_msg *request(const m2m_eckey *signer)
{
	m2m_eis e;
	m2m_ws_msg *m;

	fx_eis(&F, FX_EID, &e);
	m = fx_request(&F, &e, signer, NULL, NULL);
	m2m_eis_clear(&e);
	return m;
}

static void success_then_duplicate(void **state)
{
	m2m_store *st = *state;
	m2m_ws_msg *m = request(F.eum);
	m2m_store_audit *a = NULL;
	m2m_store_keyset k;
	size_t n = 0;

	expect(st, &caller, m, M2M_OK, "", "", "");
	assert_int_equal(eis_count(st), 1);
	memset(&k, 0, sizeof k);
	assert_int_equal(m2m_store_keyset_get(st, FX_EID, 1, &k), M2M_OK);
	assert_int_equal(k.keys[0].value[0], 0x11); /* unwrapped before storing */
	m2m_store_keyset_clear(&k);
	expect(st, &caller, m, M2M_ERR_STATE, "8.1.1", "3.3", "already registered");
	assert_int_equal(eis_count(st), 1);
	/* Both calls are in the audit trail. */
	assert_int_equal(m2m_store_audit_list(st, FX_EID, 0, 10, &a, &n), M2M_OK);
	assert_int_equal(n, 2);
	assert_string_equal(a[0].actor, "eum1");
	assert_string_equal(a[0].function, "ES1.RegisterEIS");
	assert_string_equal(a[0].outcome, "EXECUTED_SUCCESS");
	assert_string_equal(a[1].outcome, "FAILED");
	assert_non_null(strstr(a[1].detail, "8.1.1/3.3"));
	m2m_store_audit_list_free(a, n);
	m2m_ws_msg_free(m);
}

static void caller_refusals(void **state)
{
	m2m_store *st = *state;
	m2m_ws_msg *m = request(F.eum);
	const m2m_ws_caller mno = {.role = M2M_WS_ROLE_MNO, .id = "eum1"};
	const m2m_ws_caller nobody = {.role = M2M_WS_ROLE_NONE};
	const m2m_ws_caller other = {.role = M2M_WS_ROLE_EUM, .id = "eum2"};

	expect(st, &mno, m, M2M_ERR_STATE, "1.1", "1.2", "an MNO may not call");
	expect(st, &nobody, m, M2M_ERR_STATE, "1.1", "1.2", "unidentified");
	expect(st, NULL, m, M2M_ERR_STATE, "1.1", "1.2", "unidentified");
	expect(st, &other, m, M2M_ERR_STATE, "8.6", "1.2", "not the caller eum2's");
	/* An Eum-id this SM-SR has no certificate for. */
	eum.eum_id = "1.3.6.1.4.1.99999.77";
	expect(st, &caller, m, M2M_ERR_STATE, "8.6", "1.1", "not one this SM-SR accepts");
	eum.eum_id = FX_EUM_ID;
	/* Without caller_id the TLS identity must be the Eum-id itself. */
	eum.caller_id = NULL;
	expect(st, &caller, m, M2M_ERR_STATE, "8.6", "1.2", "not the caller eum1's");
	/* Another SM-SR's EIS. */
	eum.caller_id = "eum1";
	trust.smsr_id = "1.3.6.1.4.1.99999.5";
	expect(st, &caller, m, M2M_ERR_STATE, "8.7", "3.4", "for the SM-SR");
	assert_int_equal(eis_count(st), 0);
	m2m_ws_msg_free(m);
}

static void signature_refusals(void **state)
{
	m2m_store *st = *state;
	m2m_ws_msg *m = request(F.eum2), *ok = request(F.eum);
	m2m_ws_node *eis = (m2m_ws_node *)m2m_ws_find(m2m_ws_msg_body(ok), "Eis");

	/* Signed with a key that is not the EUM's. */
	expect(st, &caller, m, M2M_ERR_VERIFY, "8.6", "6.1", "does not verify");
	/* The EUM's certificate is not from this SM-SR's CI. */
	eum.cert_pem = F.eum2_pem.data;
	eum.cert_len = F.eum2_pem.len;
	expect(st, &caller, m, M2M_ERR_VERIFY, "8.6", "6.1", "not issued by the CI");
	eum.cert_pem = F.eum_pem.data;
	eum.cert_len = F.eum_pem.len;
	/* A signed field changed after signing. */
	fx_set_text(eis, "EumSignedInfo/PlatformType", "forged");
	expect(st, &caller, ok, M2M_ERR_VERIFY, "8.6", "6.1", "digest");
	assert_int_equal(eis_count(st), 0);
	m2m_ws_msg_free(m);
	m2m_ws_msg_free(ok);
}

static void content_refusals(void **state)
{
	m2m_store *st = *state;
	m2m_ws_msg *m = request(F.eum);
	m2m_ws_node *eis = (m2m_ws_node *)m2m_ws_find(m2m_ws_msg_body(m), "Eis");
	uint8_t wrong[16];
	m2m_ws_msg *no_eid, *no_memory;

	/* Keys under another transport key, or no transport key. */
	memset(wrong, 0x5A, sizeof wrong);
	eum.transport_key = wrong;
	expect(st, &caller, m, M2M_ERR_VERIFY, "8.4", "6.1", "key set 1 key 1");
	eum.transport_key = NULL;
	expect(st, &caller, m, M2M_ERR_STATE, "8.4", "4.2", "no transport key");
	eum.transport_key = F.tk;
	/* Missing elements (the schema would catch them first; the parser too). */
	no_eid = request(F.eum);
	fx_remove((m2m_ws_node *)m2m_ws_find(m2m_ws_msg_body(no_eid), "Eis"), "EumSignedInfo/Eid");
	expect(st, &caller, no_eid, M2M_ERR_FORMAT, "8.1.1", "2.1", "Eid is missing");
	no_memory = request(F.eum);
	fx_remove((m2m_ws_node *)m2m_ws_find(m2m_ws_msg_body(no_memory), "Eis"),
		  "RemainingMemory");
	expect(st, &caller, no_memory, M2M_ERR_FORMAT, "8.6", "2.1", "RemainingMemory is missing");
	fx_remove((m2m_ws_node *)m2m_ws_msg_body(no_memory), "Eis");
	expect(st, &caller, no_memory, M2M_ERR_FORMAT, "8.6", "2.1", "carries no Eis");
	(void)eis;
	assert_int_equal(eis_count(st), 0);
	m2m_ws_msg_free(no_eid);
	m2m_ws_msg_free(no_memory);
	m2m_ws_msg_free(m);
}

/* ECASD certificate and ISD-R key sets. */
static void ecasd_and_isdr_refusals(void **state)
{
	m2m_store *st = *state;
	m2m_ws_msg *m;
	m2m_buf cert;
	m2m_eis e;

	/* CERT.ECASD.ECKA signed by another key. */
	fx_eis(&F, FX_EID, &e);
	fx_ecasd_cert(&F, FX_EID, F.eum2, &cert);
	assert_int_equal(m2m_eis_cert_set(&e.ecasd.keysets[0].certs[0], cert.data, cert.len),
			 M2M_OK);
	m2m_buf_free(&cert);
	m = fx_request(&F, &e, F.eum, NULL, NULL);
	expect(st, &caller, m, M2M_ERR_VERIFY, "8.5.2", "6.1", "not signed by the EUM");
	m2m_ws_msg_free(m);
	m2m_eis_clear(&e);
	/* ... or for another EID. */
	fx_eis(&F, FX_EID, &e);
	fx_ecasd_cert(&F, "89001012012341234012345678901232", F.eum, &cert);
	assert_int_equal(m2m_eis_cert_set(&e.ecasd.keysets[0].certs[0], cert.data, cert.len),
			 M2M_OK);
	m2m_buf_free(&cert);
	m = fx_request(&F, &e, F.eum, NULL, NULL);
	expect(st, &caller, m, M2M_ERR_FORMAT, "8.5.2", "2.1", "not the certificate of EID");
	m2m_ws_msg_free(m);
	m2m_eis_clear(&e);
	/* ... or not a GP certificate at all. */
	fx_eis(&F, FX_EID, &e);
	assert_int_equal(m2m_eis_cert_set(&e.ecasd.keysets[0].certs[0], (const uint8_t *)"\x7F\x21\x00",
					  3),
			 M2M_OK);
	m = fx_request(&F, &e, F.eum, NULL, NULL);
	expect(st, &caller, m, M2M_ERR_FORMAT, "8.5.2", "2.1", "CERT.ECASD.ECKA");
	m2m_ws_msg_free(m);
	m2m_eis_clear(&e);
	/* No SCP80 key set: the SM-SR could not reach the ISD-R. */
	fx_eis(&F, FX_EID, &e);
	e.isdr.keysets[0].usage = M2M_EIS_KS_SCP03;
	e.isdr.keysets[0].version = 0x30;
	m = fx_request(&F, &e, F.eum, NULL, NULL);
	expect(st, &caller, m, M2M_ERR_FORMAT, "8.4", "2.1", "no SCP80 key set");
	m2m_ws_msg_free(m);
	m2m_eis_clear(&e);
	/* An SCP80 key set without its KID. */
	fx_eis(&F, FX_EID, &e);
	e.isdr.keysets[0].keys[1].index = 4;
	m = fx_request(&F, &e, F.eum, NULL, NULL);
	expect(st, &caller, m, M2M_ERR_FORMAT, "8.4", "2.1", "KID (index 2)");
	m2m_ws_msg_free(m);
	m2m_eis_clear(&e);
	/* Keys of a usage the SM-SR does not hold. */
	fx_eis(&F, FX_EID, &e);
	e.isdr.keysets[1].usage = M2M_EIS_KS_TOKEN;
	m = fx_request(&F, &e, F.eum, NULL, NULL);
	expect(st, &caller, m, M2M_ERR_UNSUPPORTED, "8.4", "2.1", "TokenGeneration");
	m2m_ws_msg_free(m);
	m2m_eis_clear(&e);
	assert_int_equal(eis_count(st), 0);
}

/* An ICCID of an eUICC already registered: nothing of the second EIS is kept. */
static void iccid_in_use(void **state)
{
	m2m_store *st = *state;
	m2m_ws_msg *m = request(F.eum), *m2;
	m2m_eis e;

	expect(st, &caller, m, M2M_OK, "", "", "");
	fx_eis(&F, "89001012012341234012345678901232", &e);
	m2 = fx_request(&F, &e, F.eum, NULL, NULL);
	expect(st, &caller, m2, M2M_ERR_STATE, "8.2.1", "3.3", "belongs to another eUICC");
	assert_int_equal(eis_count(st), 1);
	m2m_ws_msg_free(m2);
	m2m_eis_clear(&e);
	m2m_ws_msg_free(m);
}

static void write_file(const char *path, const m2m_buf *b)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(b->data, 1, b->len, f), b->len);
	fclose(f);
}

static void trust_from_config(void **state)
{
	m2m_store *st = *state;
	char ci[128], eum1[128], text[1024], why[200];
	m2m_config *cfg = NULL;
	m2m_es1_trust *t = NULL;
	m2m_ws_exec_status status;
	m2m_ws_msg *m = request(F.eum);

	snprintf(ci, sizeof ci, "%s/ci.crt", tmpdir);
	snprintf(eum1, sizeof eum1, "%s/eum1.crt", tmpdir);
	write_file(ci, &F.ci_pem);
	write_file(eum1, &F.eum_pem);
	snprintf(text, sizeof text,
		 "[es1]\nci_cert = %s\nsmsr_id = " FX_SMSR_ID "\n"
		 "[eum.test]\neum_id = " FX_EUM_ID "\ncaller_id = eum1\ncert = %s\n"
		 "transport_key = 404142434445464748494A4B4C4D4E4F\n",
		 ci, eum1);
	assert_int_equal(m2m_config_parse(text, strlen(text), "t.conf", &cfg, why, sizeof why),
			 M2M_OK);
	assert_int_equal(m2m_es1_trust_load(cfg, &t, why, sizeof why), M2M_OK);
	assert_int_equal(t->neums, 1);
	assert_int_equal(m2m_es1_register_eis(st, t, &caller, m, &status), M2M_OK);
	m2m_es1_trust_free(t);
	m2m_config_free(cfg);
	/* Refusals of the loader. */
	snprintf(text, sizeof text, "[es1]\nci_cert = %s\n[eum.x]\neum_id = eum1\ncert = %s\n", ci,
		 eum1);
	assert_int_equal(m2m_config_parse(text, strlen(text), "t.conf", &cfg, why, sizeof why),
			 M2M_OK);
	assert_int_equal(m2m_es1_trust_load(cfg, &t, why, sizeof why), M2M_ERR_CONFIG);
	assert_non_null(strstr(why, "object identifier"));
	m2m_config_free(cfg);
	snprintf(text, sizeof text, "[es1]\nci_cert = %s/none.crt\n", tmpdir);
	assert_int_equal(m2m_config_parse(text, strlen(text), "t.conf", &cfg, why, sizeof why),
			 M2M_OK);
	assert_int_equal(m2m_es1_trust_load(cfg, &t, why, sizeof why), M2M_ERR_IO);
	m2m_config_free(cfg);
	m2m_ws_msg_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(success_then_duplicate, before, after),
		cmocka_unit_test_setup_teardown(caller_refusals, before, after),
		cmocka_unit_test_setup_teardown(signature_refusals, before, after),
		cmocka_unit_test_setup_teardown(content_refusals, before, after),
		cmocka_unit_test_setup_teardown(ecasd_and_isdr_refusals, before, after),
		cmocka_unit_test_setup_teardown(iccid_in_use, before, after),
		cmocka_unit_test_setup_teardown(trust_from_config, before, after),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
