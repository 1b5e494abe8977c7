/*
 * The SM-DP inventory suite (store_smdp.h and `smdp import`), run on SQLite by
 * test_smdp_inventory.c and on PostgreSQL by test_smdp_inventory_pg.c. The including file
 * defines inv_url(): a fresh, empty database URL per call.
 */
#ifndef SMDP_INVENTORY_SUITE_H
#define SMDP_INVENTORY_SUITE_H

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "saip/personalise.h"
#include "smdp/smdp.h"
#include "store/store_smdp.h"

#define PKG "/work/shared/vectors/saip/TS48v2_SAIP2.3_NoBERTLV.der"
#define KEY "000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f"
#define OTHER_KEY "ff0102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f"
#define MNO_A "1.3.6.1.4.1.99999.1"
#define MNO_B "1.3.6.1.4.1.99999.3"
#define KI "000102030405060708090A0B0C0D0E0F"
#define NROWS 6

static const char *inv_url(void);

static char tmpdir[64];

/* The i-th test ICCID: 19 digits and the Luhn check digit. */
static void iccid_of(int i, char out[24])
{
	snprintf(out, 24, "89000123456789100%02d", i);
	out[19] = (char)m2m_saip_luhn(out, 19);
	out[20] = '\0';
}

/* A batch of n rows from index first; bad_row (1-based, 0 none) gets a short Ki. */
static const char *write_batch(const char *name, int first, int n, int bad_row)
{
	static char file[128];
	FILE *f;
	char iccid[24];

	snprintf(file, sizeof file, "%s/%s", tmpdir, name);
	f = fopen(file, "w");
	assert_non_null(f);
	fprintf(f, "iccid,imsi,ki,opc,pin1,puk1\r\n");
	for (int i = 0; i < n; i++) {
		iccid_of(first + i, iccid);
		fprintf(f, "%s,0010100000%05d,%s,%s,%04d,%08d\r\n", iccid, first + i,
			i + 1 == bad_row ? "0011" : KI, "F0E0D0C0B0A090807060504030201000",
			1000 + i, 12345678);
	}
	fclose(f);
	return file;
}

static void cfg_for(m2m_smdp_cfg *cfg, const char *url)
{
	memset(cfg, 0, sizeof *cfg);
	snprintf(cfg->db, sizeof cfg->db, "%s", url);
	snprintf(cfg->master_key, sizeof cfg->master_key, "%s", KEY);
}

static m2m_store *open_store(const char *url, const char *key)
{
	m2m_store *st = NULL;
	char err[256];

	assert_int_equal(m2m_store_open(url, key, &st, err, sizeof err), M2M_OK);
	return st;
}

typedef struct {
	char text[512];
} stats_out;

static void on_stat(void *arg, const char *type, m2m_smdp_pstate s, int64_t n)
{
	stats_out *o = arg;

	snprintf(o->text + strlen(o->text), sizeof o->text - strlen(o->text), "%s %s %lld;",
		 type, m2m_smdp_pstate_name(s), (long long)n);
}

static int64_t count(m2m_store *st, const char *type, m2m_smdp_pstate s)
{
	int64_t n = -1;

	assert_int_equal(m2m_store_smdp_count(st, type, s, &n), M2M_OK);
	return n;
}

static int inv_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/m2m_smdp_inv_XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int inv_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Import, then every profile allocated exactly once, then none left. */
static void test_import_and_allocate(void **state)
{
	const char *url = inv_url();
	m2m_smdp_cfg cfg;
	char err[512] = "", iccid[M2M_STORE_ICCID_SIZE], want[24];
	size_t added = 0;
	m2m_store *st;
	m2m_smdp_profile p;
	bool seen[NROWS] = {false};

	(void)state;
	cfg_for(&cfg, url);
	assert_int_equal(m2m_smdp_import(&cfg, "ts48", MNO_A, PKG,
					 write_batch("a.csv", 0, NROWS, 0), 0, &added, err,
					 sizeof err),
			 M2M_OK);
	assert_int_equal(added, NROWS);
	st = open_store(url, KEY);
	assert_int_equal(count(st, "ts48", M2M_SMDP_AVAILABLE), NROWS);
	for (int i = 0; i < NROWS; i++) {
		assert_int_equal(m2m_store_smdp_allocate(st, "ts48", NULL, "89049032000000000000000000000001",
							 iccid),
				 M2M_OK);
		for (int k = 0; k < NROWS; k++) {
			iccid_of(k, want);
			if (strcmp(want, iccid) == 0) {
				assert_false(seen[k]);
				seen[k] = true;
			}
		}
		assert_int_equal(m2m_store_smdp_profile_get(st, iccid, &p), M2M_OK);
		assert_int_equal(p.state, M2M_SMDP_ALLOCATED);
		assert_string_equal(p.eid, "89049032000000000000000000000001");
		assert_string_equal(p.type, "ts48");
	}
	for (int k = 0; k < NROWS; k++)
		assert_true(seen[k]);
	assert_int_equal(m2m_store_smdp_allocate(st, "ts48", NULL, "89049032000000000000000000000001",
						 iccid),
			 M2M_END);
	assert_int_equal(count(st, "ts48", M2M_SMDP_AVAILABLE), 0);
	assert_int_equal(count(st, "ts48", M2M_SMDP_ALLOCATED), NROWS);
	stats_out so = {""};
	assert_int_equal(m2m_store_smdp_stats(st, on_stat, &so), M2M_OK);
	assert_string_equal(so.text, "ts48 allocated 6;");
	m2m_store_close(st);
}

/* One ICCID asked by name; a second ask of it, or of an unknown one, finds nothing. */
static void test_allocate_by_iccid_and_back(void **state)
{
	const char *url = inv_url();
	m2m_smdp_cfg cfg;
	char err[512] = "", iccid[M2M_STORE_ICCID_SIZE], want[24];
	size_t added = 0;
	m2m_store *st;

	(void)state;
	cfg_for(&cfg, url);
	assert_int_equal(m2m_smdp_import(&cfg, "ts48", MNO_A, PKG, write_batch("b.csv", 0, 3, 0),
					 0, &added, err, sizeof err),
			 M2M_OK);
	st = open_store(url, KEY);
	iccid_of(2, want);
	assert_int_equal(m2m_store_smdp_allocate(st, "ts48", want, "89049032000000000000000000000002",
						 iccid),
			 M2M_OK);
	assert_string_equal(iccid, want);
	assert_int_equal(m2m_store_smdp_allocate(st, "ts48", want, "89049032000000000000000000000003",
						 iccid),
			 M2M_END);
	assert_int_equal(m2m_store_smdp_allocate(st, "other", want, "89049032000000000000000000000003",
						 iccid),
			 M2M_END);
	/* Nothing reached the card: back to the inventory, and allocated again. */
	assert_int_equal(m2m_store_smdp_set_state(st, want, M2M_SMDP_AVAILABLE, NULL, NULL), M2M_OK);
	assert_int_equal(m2m_store_smdp_allocate(st, "ts48", want, "89049032000000000000000000000003",
						 iccid),
			 M2M_OK);
	/* A failed download burns it. */
	assert_int_equal(m2m_store_smdp_set_state(st, want, M2M_SMDP_FAILED,
						  "89049032000000000000000000000003",
						  "A0000005591010FFFFFFFF8900001200"),
			 M2M_OK);
	assert_int_equal(count(st, "ts48", M2M_SMDP_FAILED), 1);
	assert_int_equal(count(st, "ts48", M2M_SMDP_AVAILABLE), 2);
	stats_out so = {""};
	assert_int_equal(m2m_store_smdp_stats(st, on_stat, &so), M2M_OK);
	assert_string_equal(so.text, "ts48 available 2;ts48 failed 1;");
	assert_int_equal(m2m_store_smdp_set_state(st, "89000000000000000000", M2M_SMDP_FAILED, NULL,
						  NULL),
			 M2M_END);
	m2m_store_close(st);
}

/* A bad row or a duplicate ICCID: the whole batch is refused, nothing kept. */
static void test_import_all_or_nothing(void **state)
{
	const char *url = inv_url();
	m2m_smdp_cfg cfg;
	char err[512] = "";
	size_t added = 0;
	m2m_store *st;

	(void)state;
	cfg_for(&cfg, url);
	assert_int_not_equal(m2m_smdp_import(&cfg, "ts48", MNO_A, PKG,
					     write_batch("c.csv", 0, 4, 3), 0, &added, err,
					     sizeof err),
			     M2M_OK);
	assert_int_equal(added, 0);
	assert_non_null(strstr(err, "row 3"));
	assert_null(strstr(err, "0011")); /* no secret value in the message */
	assert_int_equal(m2m_smdp_import(&cfg, "ts48", MNO_A, PKG, write_batch("d.csv", 0, 2, 0),
					 0, &added, err, sizeof err),
			 M2M_OK);
	/* rows 1..3 of e.csv: ICCIDs 1 (taken), 2, 3 */
	assert_int_not_equal(m2m_smdp_import(&cfg, "ts48", MNO_A, PKG,
					     write_batch("e.csv", 1, 3, 0), 0, &added, err,
					     sizeof err),
			     M2M_OK);
	assert_non_null(strstr(err, "already"));
	st = open_store(url, KEY);
	assert_int_equal(count(st, "ts48", M2M_SMDP_AVAILABLE), 2);
	m2m_store_close(st);
	/* The type name is MNO A's. */
	assert_int_not_equal(m2m_smdp_import(&cfg, "ts48", MNO_B, PKG,
					     write_batch("f.csv", 10, 1, 0), 0, &added, err,
					     sizeof err),
			     M2M_OK);
	assert_non_null(strstr(err, "another MNO"));
}

/* The personalisation values come back only with the master key, and never lie in clear. */
static void test_perso_sealed(void **state)
{
	const char *url = inv_url();
	m2m_smdp_cfg cfg;
	char err[512] = "", iccid[24];
	size_t added = 0;
	m2m_store *st;
	m2m_buf b;
	m2m_smdp_type ty;

	(void)state;
	cfg_for(&cfg, url);
	assert_int_equal(m2m_smdp_import(&cfg, "ts48", MNO_A, PKG, write_batch("g.csv", 0, 1, 0),
					 4096, &added, err, sizeof err),
			 M2M_OK);
	st = open_store(url, KEY);
	iccid_of(0, iccid);
	m2m_buf_init(&b);
	assert_int_equal(m2m_store_smdp_perso(st, iccid, &b), M2M_OK);
	assert_non_null(memmem(b.data, b.len, "ki=" KI, strlen("ki=" KI)));
	m2m_buf_free(&b);
	m2m_buf_init(&b);
	assert_int_equal(m2m_store_smdp_keys_get(st, iccid, &b), M2M_END);
	assert_int_equal(m2m_store_smdp_keys_put(st, iccid, (const uint8_t *)"\x30\x10keys", 6),
			 M2M_OK);
	assert_int_equal(m2m_store_smdp_keys_get(st, iccid, &b), M2M_OK);
	assert_int_equal(b.len, 6);
	m2m_buf_free(&b);
	memset(&ty, 0, sizeof ty);
	assert_int_equal(m2m_store_smdp_type_get(st, "ts48", &ty), M2M_OK);
	assert_string_equal(ty.mno_id, MNO_A);
	assert_int_equal(ty.memory, 4096);
	assert_true(ty.package_len > 10000);
	m2m_smdp_type_clear(&ty);
	assert_int_equal(m2m_store_smdp_type_get(st, "nope", &ty), M2M_END);
	m2m_store_close(st);
	/* Another key is refused at open (the store's check value). */
	m2m_store *bad = NULL;
	assert_int_not_equal(m2m_store_open(url, OTHER_KEY, &bad, err, sizeof err), M2M_OK);
	/* Without a key, nothing unseals. */
	st = open_store(url, NULL);
	m2m_buf_init(&b);
	assert_int_equal(m2m_store_smdp_perso(st, iccid, &b), M2M_ERR_STATE);
	m2m_buf_free(&b);
	m2m_store_close(st);
}

typedef struct {
	const char *url;
	int got;
	char iccids[NROWS * 2][M2M_STORE_ICCID_SIZE];
} racer;

static void *race(void *arg)
{
	racer *r = arg;
	m2m_store *st = NULL;
	char err[256];

	if (m2m_store_open(r->url, KEY, &st, err, sizeof err) != M2M_OK)
		return NULL;
	while (r->got < NROWS * 2 &&
	       m2m_store_smdp_allocate(st, "ts48", NULL, "89049032000000000000000000000009",
				       r->iccids[r->got]) == M2M_OK)
		r->got++;
	m2m_store_close(st);
	return NULL;
}

/* Two connections allocating at once: every profile handed out once, none lost. */
static void test_allocate_race(void **state)
{
	const char *url = inv_url();
	m2m_smdp_cfg cfg;
	char err[512] = "";
	size_t added = 0;
	racer a, b;
	pthread_t ta, tb;

	(void)state;
	cfg_for(&cfg, url);
	assert_int_equal(m2m_smdp_import(&cfg, "ts48", MNO_A, PKG, write_batch("h.csv", 0, NROWS, 0),
					 0, &added, err, sizeof err),
			 M2M_OK);
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	a.url = b.url = url;
	assert_int_equal(pthread_create(&ta, NULL, race, &a), 0);
	assert_int_equal(pthread_create(&tb, NULL, race, &b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	assert_int_equal(a.got + b.got, NROWS);
	for (int i = 0; i < a.got; i++)
		for (int k = 0; k < b.got; k++)
			assert_string_not_equal(a.iccids[i], b.iccids[k]);
}

/* The configuration: complete, an unknown key, an SM-SR without its URL. */
static void test_config(void **state)
{
	static const char base[] =
		"[smdp]\nid = smdp1\noid = 1.3.6.1.4.1.99999.20\ndb = sqlite:/tmp/x.db\n"
		"master_key = " KEY "\n"
		"[es]\nallow_without_cert = true\n"
		"[gp]\nci_cert = ci.crt\ndp_cert = dp.gpcert\ndp_key = dp.key\n"
		"[download]\nkeys = delete\nworkers = 2\n"
		"[callers]\nmno1 = " MNO_A "\n"
		"[eum]\n1.3.6.1.4.1.99999.10 = eum1.crt\n";
	m2m_smdp_cfg *cfg = calloc(1, sizeof *cfg);
	char text[2048], err[256];

	(void)state;
	assert_non_null(cfg);
	snprintf(text, sizeof text, "%s[smsr.one]\noid = 1.3.6.1.4.1.99999.2\n"
		 "url = https://127.0.0.1:1/soap/es3\n", base);
	assert_int_equal(m2m_smdp_cfg_parse(text, strlen(text), cfg, err, sizeof err), M2M_OK);
	assert_int_equal(cfg->keys, M2M_ES8_KEYS_DELETE);
	assert_int_equal(cfg->workers, 2);
	assert_string_equal(m2m_smdp_caller_oid(cfg, "mno1"), MNO_A);
	assert_string_equal(m2m_smdp_caller_oid(cfg, "mno9"), "mno9");
	assert_non_null(m2m_smdp_smsr_by_oid(cfg, "1.3.6.1.4.1.99999.2"));
	assert_null(m2m_smdp_smsr_by_oid(cfg, "1.3.6.1.4.1.99999.7"));
	assert_string_equal(m2m_smdp_eum_cert(cfg, "1.3.6.1.4.1.99999.10"), "eum1.crt");
	snprintf(text, sizeof text, "%s[smsr.one]\noid = 1.3.6.1.4.1.99999.2\n", base);
	assert_int_equal(m2m_smdp_cfg_parse(text, strlen(text), cfg, err, sizeof err),
			 M2M_ERR_CONFIG);
	assert_non_null(strstr(err, "needs oid and url"));
	snprintf(text, sizeof text, "%s[download]\nsegmnet_size = 10\n", base);
	assert_int_equal(m2m_smdp_cfg_parse(text, strlen(text), cfg, err, sizeof err),
			 M2M_ERR_CONFIG);
	snprintf(text, sizeof text, "%s", base);
	text[strlen(text) - 1] = '\0';
	strncat(text, "\n[download2]\nx = 1\n", sizeof text - strlen(text) - 1);
	assert_int_equal(m2m_smdp_cfg_parse(text, strlen(text), cfg, err, sizeof err),
			 M2M_ERR_CONFIG);
	assert_non_null(strstr(err, "unknown key"));
	free(cfg);
}

/* `smdp keys` (m2m_smdp_keys_export): the kept key set of an installed profile, written as
 * one JSON line; kept with keys = keep, forgotten after the write with keys = handover. */
static char *export_keys(m2m_smdp_cfg *cfg, const char *iccid, m2m_err want, bool *forgot,
			 char *err, size_t cap)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	assert_int_equal(m2m_smdp_keys_export(cfg, iccid, out, forgot, err, cap), want);
	fclose(out);
	return text;
}

static void test_keys_export(void **state)
{
	const char *url = inv_url();
	m2m_smdp_cfg cfg;
	char err[256], iccid[24], other[24];
	size_t added = 0;
	bool forgot = true;
	uint8_t blob[2 + 48];
	m2m_store *st;
	m2m_buf b;
	char *text;

	(void)state;
	cfg_for(&cfg, url);
	assert_int_equal(m2m_smdp_import(&cfg, "ts48", MNO_A, PKG, write_batch("k.csv", 0, 2, 0),
					 4096, &added, err, sizeof err),
			 M2M_OK);
	iccid_of(0, iccid);
	iccid_of(1, other);
	blob[0] = 0x30; /* KVN */
	blob[1] = 16;
	for (size_t i = 0; i < 48; i++)
		blob[2 + i] = (uint8_t)(0x40 + i); /* ENC 40.., MAC 50.., DEK 60.. */
	st = open_store(url, KEY);
	assert_int_equal(m2m_store_smdp_set_state(st, iccid, M2M_SMDP_INSTALLED,
						  "89001012012341234012345678901224",
						  "A0000005591010FFFFFFFF8900001000"),
			 M2M_OK);
	assert_int_equal(m2m_store_smdp_keys_put(st, iccid, blob, sizeof blob), M2M_OK);
	m2m_store_close(st);
	/* keep: written and kept. */
	cfg.keys = M2M_ES8_KEYS_KEEP;
	text = export_keys(&cfg, iccid, M2M_OK, &forgot, err, sizeof err);
	assert_false(forgot);
	assert_non_null(strstr(text, "\"kvn\": 48"));
	assert_non_null(strstr(text, "\"enc\": \"404142434445464748494a4b4c4d4e4f\""));
	assert_non_null(strstr(text, "\"dek\": \"606162636465666768696a6b6c6d6e6f\""));
	assert_non_null(strstr(text, "\"isdp_aid\": \"A0000005591010FFFFFFFF8900001000\""));
	free(text);
	st = open_store(url, KEY);
	m2m_buf_init(&b);
	assert_int_equal(m2m_store_smdp_keys_get(st, iccid, &b), M2M_OK);
	m2m_buf_free(&b);
	m2m_store_close(st);
	/* handover: written, then forgotten; a second export finds nothing. */
	cfg.keys = M2M_ES8_KEYS_HANDOVER;
	text = export_keys(&cfg, iccid, M2M_OK, &forgot, err, sizeof err);
	assert_true(forgot);
	assert_non_null(strstr(text, "\"mac\": \"505152535455565758595a5b5c5d5e5f\""));
	free(text);
	free(export_keys(&cfg, iccid, M2M_END, &forgot, err, sizeof err));
	assert_non_null(strstr(err, "no key set kept"));
	st = open_store(url, KEY);
	m2m_buf_init(&b);
	assert_int_equal(m2m_store_smdp_keys_get(st, iccid, &b), M2M_END);
	m2m_store_close(st);
	/* Refusals: a profile still in the inventory, an unknown ICCID. */
	free(export_keys(&cfg, other, M2M_ERR_STATE, &forgot, err, sizeof err));
	assert_non_null(strstr(err, "not installed"));
	free(export_keys(&cfg, "8900000000000000000", M2M_END, &forgot, err, sizeof err));
	assert_non_null(strstr(err, "unknown ICCID"));
}

#define INVENTORY_TESTS                                                                     \
	cmocka_unit_test(test_import_and_allocate),                                         \
		cmocka_unit_test(test_allocate_by_iccid_and_back),                          \
		cmocka_unit_test(test_import_all_or_nothing),                               \
		cmocka_unit_test(test_perso_sealed), cmocka_unit_test(test_allocate_race),  \
		cmocka_unit_test(test_config), cmocka_unit_test(test_keys_export)

#endif
