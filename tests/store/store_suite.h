/*
 * The store's test suite, run once per back end: test_store_sqlite.c and test_store_pg.c
 * include it after cmocka.h and define fresh_url() (a URL to a new, empty database) and
 * suite_backend ("sqlite" or "postgresql").
 */
#ifndef M2M_TESTS_STORE_SUITE_H
#define M2M_TESTS_STORE_SUITE_H

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"
#include "store/store_int.h"

static char *fresh_url(void);
static const char *suite_backend;

#define OK(x) assert_int_equal((x), M2M_OK)

static const char KEY_A[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
static const char KEY_B[] = "f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f";
static const char EID1[] = "89049032123451234512345678901235";
static const char EID2[] = "89049032123451234512345678901236";
static const int64_t T0 = INT64_C(1767225600000); /* 2026-01-01T00:00:00Z */

static m2m_store *open_ok(const char *url, const char *key)
{
	char err[512] = "";
	m2m_store *st = NULL;
	m2m_err rc = m2m_store_open(url, key, &st, err, sizeof err);

	if (rc != M2M_OK)
		print_message("open %s: %s\n", url, err);
	assert_int_equal(rc, M2M_OK);
	assert_non_null(st);
	return st;
}

/* Opening must fail with rc and a message containing `want`. */
static void open_fails(const char *url, const char *key, m2m_err rc, const char *want)
{
	char err[512] = "";
	m2m_store *st = NULL;
	m2m_err got = m2m_store_open(url, key, &st, err, sizeof err);

	if (got != rc || strstr(err, want) == NULL)
		print_message("open %s: rc %d, message '%s'; wanted %d, '%s'\n", url, got, err, rc,
			      want);
	assert_int_equal(got, rc);
	assert_null(st);
	assert_non_null(strstr(err, want));
}

static void assert_msg(m2m_store *st, const char *want)
{
	if (strstr(m2m_store_errmsg(st), want) == NULL)
		print_message("message '%s' lacks '%s'\n", m2m_store_errmsg(st), want);
	assert_non_null(strstr(m2m_store_errmsg(st), want));
}

static bool contains(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
	for (size_t i = 0; i + m <= n; i++)
		if (memcmp(hay + i, needle, m) == 0)
			return true;
	return false;
}

static void make_eis(m2m_store_eis *e, const char *eid, const char *msisdn)
{
	static uint8_t cert[] = {0x7f, 0x21, 0x03, 0x93, 0x01, 0x02};

	memset(e, 0, sizeof *e);
	snprintf(e->eid, sizeof e->eid, "%s", eid);
	snprintf(e->eum_id, sizeof e->eum_id, "1.3.6.1.4.1.99999.1");
	snprintf(e->production_date, sizeof e->production_date, "2025-06-01T12:00:00Z");
	snprintf(e->platform_type, sizeof e->platform_type, "m2mrsp-soft-euicc");
	snprintf(e->platform_version, sizeof e->platform_version, "1.0.0");
	/* SGP.02 AIDs: ISD-P load file and module, ISD-R. */
	snprintf(e->isdp_loadfile_aid, sizeof e->isdp_loadfile_aid, "%s",
		 "A0000005591010FFFFFFFF8900000D00");
	snprintf(e->isdp_module_aid, sizeof e->isdp_module_aid, "%s",
		 "A0000005591010FFFFFFFF8900000E00");
	snprintf(e->isdr_aid, sizeof e->isdr_aid, "%s", "A0000005591010FFFFFFFF8900000100");
	snprintf(e->smsr_id, sizeof e->smsr_id, "1.3.6.1.4.1.99999.2");
	if (msisdn != NULL)
		snprintf(e->msisdn, sizeof e->msisdn, "%s", msisdn);
	e->caps = M2M_STORE_CAP_SMS | M2M_STORE_CAP_HTTPS;
	snprintf(e->secure_packet_version, sizeof e->secure_packet_version, "13.0.0");
	snprintf(e->rsp_version, sizeof e->rsp_version, "4.2.0");
	e->remaining_memory = 512000;
	e->available_memory = 600000;
	e->registered_ms = T0;
	e->ecasd_cert = cert;
	e->ecasd_cert_len = sizeof cert;
	e->doc = (char *)"{\"Eid\":\"x\",\"ProfileInfo\":[]}";
}

static void add_eis(m2m_store *st, const char *eid, const char *msisdn)
{
	m2m_store_eis e;

	make_eis(&e, eid, msisdn);
	OK(m2m_store_eis_insert(st, &e));
}

/* ---- Opening and schema ------------------------------------------------------------------ */

static void test_open_migrate(void **state)
{
	(void)state;
	char *url = fresh_url();
	m2m_store *st = open_ok(url, KEY_A);
	int v = 0;

	assert_string_equal(m2m_store_backend(st), suite_backend);
	OK(m2m_store_schema_version(st, &v));
	assert_int_equal(v, m2m_store_schema_latest());
	assert_true(v >= 2);
	m2m_store_close(st);
	/* Opening again applies nothing and keeps the data. */
	st = open_ok(url, KEY_A);
	OK(m2m_store_schema_version(st, &v));
	assert_int_equal(v, m2m_store_schema_latest());
	m2m_store_close(st);
	/* A second handle on the same database while the first is open. */
	m2m_store *a = open_ok(url, KEY_A), *b = open_ok(url, NULL);
	add_eis(a, EID1, NULL);
	int64_t count = 0;
	OK(m2m_store_eis_count(b, &count));
	assert_int_equal(count, 1);
	m2m_store_close(a);
	m2m_store_close(b);
	free(url);
}

/* Several processes starting at once on a new database: one migrates, the others wait. */
static void *open_close(void *arg)
{
	char err[256];
	m2m_store *st = NULL;
	int v = 0;

	if (m2m_store_open(arg, KEY_A, &st, err, sizeof err) != M2M_OK) {
		print_message("concurrent open: %s\n", err);
		return (void *)1;
	}
	bool ok = m2m_store_schema_version(st, &v) == M2M_OK && v == m2m_store_schema_latest();
	m2m_store_close(st);
	return ok ? NULL : (void *)1;
}

static void test_open_concurrent(void **state)
{
	(void)state;
	char *url = fresh_url();
	pthread_t t[4];
	void *res;

	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, open_close, url), 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], &res);
		assert_null(res);
	}
	m2m_store *st = open_ok(url, KEY_A); /* one master key check value was recorded */
	m2m_store_close(st);
	free(url);
}

static void test_migrate_from_v1(void **state)
{
	(void)state;
	char *url = fresh_url();
	char err[512];
	m2m_store *st = NULL;
	m2m_store_keyset k, got;
	int v = 0;
	int64_t id = 0;

	OK(m2m_store_open_at(url, KEY_A, 1, &st, err, sizeof err));
	OK(m2m_store_schema_version(st, &v));
	assert_int_equal(v, 1);
	add_eis(st, EID1, "447700900001");
	memset(&k, 0, sizeof k);
	snprintf(k.eid, sizeof k.eid, "%s", EID1);
	k.kvn = 1;
	k.nkeys = 1;
	k.keys[0] = (m2m_store_key){.index = 1, .type = 0x88, .len = 16};
	memset(k.keys[0].value, 0x5a, 16);
	OK(m2m_store_keyset_put(st, &k));
	/* Version 1 has no job table yet. */
	m2m_store_job j = {.kind = "enable"};
	snprintf(j.eid, sizeof j.eid, "%s", EID1);
	assert_int_not_equal(m2m_store_job_add(st, &j, T0, &id), M2M_OK);
	m2m_store_close(st);

	st = open_ok(url, KEY_A);
	OK(m2m_store_schema_version(st, &v));
	assert_int_equal(v, m2m_store_schema_latest());
	m2m_store_eis e;
	OK(m2m_store_eis_get(st, EID1, &e));
	assert_string_equal(e.msisdn, "447700900001");
	m2m_store_eis_clear(&e);
	OK(m2m_store_keyset_get(st, EID1, 1, &got));
	assert_memory_equal(got.keys[0].value, k.keys[0].value, 16);
	m2m_store_keyset_clear(&got);
	OK(m2m_store_job_add(st, &j, T0, &id));
	assert_true(id > 0);
	/* A database from a newer program is refused, not damaged. */
	OK(st->drv->script(st, "INSERT INTO schema_version (version, applied_ms) VALUES (99, 0)"));
	m2m_store_close(st);
	open_fails(url, KEY_A, M2M_ERR_STATE, "newer than this program");
	free(url);
}

/* ---- Settings ---------------------------------------------------------------------------- */

static void test_settings(void **state)
{
	(void)state;
	char *url = fresh_url();
	m2m_store *st = open_ok(url, NULL);
	char v[32], tiny[4];

	assert_int_equal(m2m_store_setting_get(st, "smsr_id", v, sizeof v), M2M_END);
	OK(m2m_store_setting_put(st, "smsr_id", "1.3.6.1.4.1.99999.2"));
	OK(m2m_store_setting_get(st, "smsr_id", v, sizeof v));
	assert_string_equal(v, "1.3.6.1.4.1.99999.2");
	OK(m2m_store_setting_put(st, "smsr_id", "other"));
	OK(m2m_store_setting_get(st, "smsr_id", v, sizeof v));
	assert_string_equal(v, "other");
	assert_int_equal(m2m_store_setting_get(st, "smsr_id", tiny, sizeof tiny), M2M_ERR_FORMAT);
	OK(m2m_store_setting_put(st, "empty", ""));
	OK(m2m_store_setting_get(st, "empty", v, sizeof v));
	assert_string_equal(v, "");
	OK(m2m_store_setting_delete(st, "smsr_id"));
	assert_int_equal(m2m_store_setting_delete(st, "smsr_id"), M2M_END);
	assert_int_equal(m2m_store_setting_get(st, "smsr_id", v, sizeof v), M2M_END);
	assert_int_equal(m2m_store_setting_put(st, "master_key_check", "00"), M2M_ERR_ARG);
	assert_int_equal(m2m_store_setting_put(st, "", "x"), M2M_ERR_ARG);
	m2m_store_close(st);
	free(url);
}

/* ---- EIS --------------------------------------------------------------------------------- */

static void test_eis(void **state)
{
	(void)state;
	char *url = fresh_url();
	m2m_store *st = open_ok(url, NULL);
	m2m_store_eis e, got;
	int64_t rev = 0, count = 0;

	make_eis(&e, EID1, "447700900001");
	e.last_audit_ms = T0 + 5000;
	OK(m2m_store_eis_insert(st, &e));
	assert_int_equal(m2m_store_eis_insert(st, &e), M2M_ERR_STATE);
	assert_msg(st, "already exists");

	OK(m2m_store_eis_get(st, EID1, &got));
	assert_string_equal(got.eid, EID1);
	assert_string_equal(got.eum_id, e.eum_id);
	assert_string_equal(got.production_date, e.production_date);
	assert_string_equal(got.platform_type, e.platform_type);
	assert_string_equal(got.platform_version, "1.0.0");
	assert_string_equal(got.isdp_loadfile_aid, e.isdp_loadfile_aid);
	assert_string_equal(got.isdp_module_aid, e.isdp_module_aid);
	assert_string_equal(got.isdr_aid, e.isdr_aid);
	assert_string_equal(got.smsr_id, e.smsr_id);
	assert_string_equal(got.msisdn, "447700900001");
	assert_int_equal(got.caps, M2M_STORE_CAP_SMS | M2M_STORE_CAP_HTTPS);
	assert_string_equal(got.secure_packet_version, "13.0.0");
	assert_string_equal(got.rsp_version, "4.2.0");
	assert_int_equal(got.remaining_memory, 512000);
	assert_int_equal(got.available_memory, 600000);
	assert_int_equal(got.registered_ms, T0);
	assert_int_equal(got.last_audit_ms, T0 + 5000);
	assert_true(got.updated_ms > 0);
	assert_int_equal(got.rev, 1);
	assert_int_equal(got.ecasd_cert_len, e.ecasd_cert_len);
	assert_memory_equal(got.ecasd_cert, e.ecasd_cert, e.ecasd_cert_len);
	assert_string_equal(got.doc, e.doc);

	/* Update with the revision read: succeeds once; a stale revision is refused. */
	got.remaining_memory = 100;
	got.msisdn[0] = '\0';
	OK(m2m_store_eis_update(st, &got, got.rev, &rev));
	assert_int_equal(rev, 2);
	assert_int_equal(m2m_store_eis_update(st, &got, 1, NULL), M2M_ERR_STATE);
	assert_msg(st, "changed meanwhile");
	OK(m2m_store_eis_update(st, &got, 0, &rev)); /* no check */
	assert_int_equal(rev, 3);
	m2m_store_eis_clear(&got);
	OK(m2m_store_eis_get(st, EID1, &got));
	assert_int_equal(got.remaining_memory, 100);
	assert_string_equal(got.msisdn, "");
	assert_int_equal(got.rev, 3);
	assert_int_equal(got.registered_ms, T0);
	got.registered_ms = 0; /* 0 keeps the stored value */
	OK(m2m_store_eis_update(st, &got, 0, NULL));
	m2m_store_eis_clear(&got);
	OK(m2m_store_eis_get(st, EID1, &got));
	assert_int_equal(got.registered_ms, T0);
	m2m_store_eis_clear(&got);
	make_eis(&e, "89000000000000000000000000000099", NULL);
	assert_int_equal(m2m_store_eis_update(st, &e, 0, NULL), M2M_END);

	/* MSISDN lookup: unique, absent, ambiguous. */
	add_eis(st, EID2, "447700900002");
	OK(m2m_store_eis_get_by_msisdn(st, "447700900002", &got));
	assert_string_equal(got.eid, EID2);
	m2m_store_eis_clear(&got);
	assert_int_equal(m2m_store_eis_get_by_msisdn(st, "447700900001", &got), M2M_END);
	add_eis(st, "89049032123451234512345678901237", "447700900002");
	assert_int_equal(m2m_store_eis_get_by_msisdn(st, "447700900002", &got), M2M_ERR_STATE);
	assert_msg(st, "several");

	/* Paging in EID order. */
	add_eis(st, "89049032123451234512345678901234", NULL);
	m2m_store_eis *list = NULL;
	size_t n = 0;
	OK(m2m_store_eis_list(st, "", 2, &list, &n));
	assert_int_equal(n, 2);
	assert_string_equal(list[0].eid, "89049032123451234512345678901234");
	assert_string_equal(list[1].eid, EID1);
	assert_non_null(list[1].doc);
	char after[M2M_STORE_EID_SIZE];
	snprintf(after, sizeof after, "%s", list[1].eid);
	m2m_store_eis_list_free(list, n);
	OK(m2m_store_eis_list(st, after, 10, &list, &n));
	assert_int_equal(n, 2);
	assert_string_equal(list[0].eid, EID2);
	m2m_store_eis_list_free(list, n);
	OK(m2m_store_eis_count(st, &count));
	assert_int_equal(count, 4);

	OK(m2m_store_eis_delete(st, EID2));
	assert_int_equal(m2m_store_eis_delete(st, EID2), M2M_END);
	assert_int_equal(m2m_store_eis_get(st, EID2, &got), M2M_END);
	assert_msg(st, "no EIS");

	/* Bad input. */
	make_eis(&e, "", NULL);
	assert_int_equal(m2m_store_eis_insert(st, &e), M2M_ERR_ARG);
	make_eis(&e, EID2, NULL);
	memset(e.eum_id, 'x', sizeof e.eum_id); /* no terminator */
	assert_int_equal(m2m_store_eis_insert(st, &e), M2M_ERR_ARG);
	assert_msg(st, "longer than");
	make_eis(&e, EID2, NULL);
	e.caps = 0x80;
	assert_int_equal(m2m_store_eis_insert(st, &e), M2M_ERR_ARG);
	assert_int_equal(m2m_store_eis_get(NULL, EID1, &got), M2M_ERR_ARG);
	m2m_store_close(st);
	free(url);
}

/* ---- Profiles ---------------------------------------------------------------------------- */

static void make_profile(m2m_store_profile *p, const char *eid, const char *aid,
			 const char *iccid)
{
	memset(p, 0, sizeof *p);
	snprintf(p->eid, sizeof p->eid, "%s", eid);
	snprintf(p->isdp_aid, sizeof p->isdp_aid, "%s", aid);
	snprintf(p->iccid, sizeof p->iccid, "%s", iccid);
	snprintf(p->mno_id, sizeof p->mno_id, "1.3.6.1.4.1.99999.10");
	p->state = M2M_STORE_PROFILE_DISABLED;
	p->allocated_memory = 64000;
	p->updated_ms = T0;
}

static void test_profiles(void **state)
{
	(void)state;
	char *url = fresh_url();
	m2m_store *st = open_ok(url, NULL);
	m2m_store_profile p, got;
	static uint8_t params[] = {0x35, 0x07, 0x02, 0x00, 0x00, 0x03, 0x00, 0x00, 0x02};

	make_profile(&p, EID1, "A0000005591010FFFFFFFF8900001100", "8944500102198304826");
	assert_int_equal(m2m_store_profile_put(st, &p), M2M_ERR_STATE); /* no EIS yet */
	assert_msg(st, "no such EIS");
	add_eis(st, EID1, NULL);
	snprintf(p.smdp_id, sizeof p.smdp_id, "1.3.6.1.4.1.99999.3");
	snprintf(p.profile_type, sizeof p.profile_type, "3G_16K");
	snprintf(p.msisdn, sizeof p.msisdn, "447700900001");
	snprintf(p.imsi, sizeof p.imsi, "234101234567890");
	p.fallback = true;
	p.pol2 = M2M_POL2_DISABLE_NOT_ALLOWED | M2M_POL2_DISABLE_AUTO_DELETE;
	p.free_memory = 1000;
	p.conn_params = params;
	p.conn_params_len = sizeof params;
	p.state = M2M_STORE_PROFILE_ENABLED;
	OK(m2m_store_profile_put(st, &p));
	OK(m2m_store_profile_get(st, EID1, p.isdp_aid, &got));
	assert_string_equal(got.iccid, p.iccid);
	assert_string_equal(got.mno_id, p.mno_id);
	assert_string_equal(got.smdp_id, p.smdp_id);
	assert_string_equal(got.profile_type, "3G_16K");
	assert_int_equal(got.state, M2M_STORE_PROFILE_ENABLED);
	assert_true(got.fallback);
	assert_false(got.emergency);
	assert_int_equal(got.pol2, M2M_POL2_DISABLE_NOT_ALLOWED | M2M_POL2_DISABLE_AUTO_DELETE);
	assert_string_equal(got.msisdn, "447700900001");
	assert_string_equal(got.imsi, "234101234567890");
	assert_int_equal(got.allocated_memory, 64000);
	assert_int_equal(got.free_memory, 1000);
	assert_int_equal(got.updated_ms, T0);
	assert_int_equal(got.conn_params_len, sizeof params);
	assert_memory_equal(got.conn_params, params, sizeof params);
	m2m_store_profile_clear(&got);

	/* A second ISD-P, listed in AID order; the ICCID is the other lookup key. */
	m2m_store_profile q;
	make_profile(&q, EID1, "A0000005591010FFFFFFFF8900001000", "8944500102198304834");
	q.state = M2M_STORE_PROFILE_IN_CREATION;
	q.emergency = true;
	OK(m2m_store_profile_put(st, &q));
	m2m_store_profile *list = NULL;
	size_t n = 0;
	OK(m2m_store_profile_list(st, EID1, &list, &n));
	assert_int_equal(n, 2);
	assert_string_equal(list[0].isdp_aid, q.isdp_aid);
	assert_int_equal(list[0].state, M2M_STORE_PROFILE_IN_CREATION);
	assert_true(list[0].emergency);
	assert_null(list[0].conn_params);
	assert_string_equal(list[1].isdp_aid, p.isdp_aid);
	m2m_store_profile_list_free(list, n);
	OK(m2m_store_profile_get_by_iccid(st, "8944500102198304834", &got));
	assert_string_equal(got.isdp_aid, q.isdp_aid);
	m2m_store_profile_clear(&got);
	assert_int_equal(m2m_store_profile_get_by_iccid(st, "8944500102198304842", &got), M2M_END);

	/* Replace (same key) and state changes. */
	q.state = M2M_STORE_PROFILE_CREATED;
	OK(m2m_store_profile_put(st, &q));
	OK(m2m_store_profile_set_state(st, EID1, q.isdp_aid, M2M_STORE_PROFILE_DISABLED, T0 + 1));
	OK(m2m_store_profile_get(st, EID1, q.isdp_aid, &got));
	assert_int_equal(got.state, M2M_STORE_PROFILE_DISABLED);
	assert_int_equal(got.updated_ms, T0 + 1);
	m2m_store_profile_clear(&got);
	assert_int_equal(m2m_store_profile_set_state(st, EID1, "A000000559",
						     M2M_STORE_PROFILE_ENABLED, T0),
			 M2M_END);

	/* An ICCID belongs to one ISD-P only. */
	make_profile(&got, EID1, "A0000005591010FFFFFFFF8900001200", p.iccid);
	assert_int_equal(m2m_store_profile_put(st, &got), M2M_ERR_STATE);
	make_profile(&got, EID1, "A0000005591010FFFFFFFF8900001200", "8944500102198304859");
	got.pol2 = 0x40;
	assert_int_equal(m2m_store_profile_put(st, &got), M2M_ERR_ARG);

	OK(m2m_store_profile_delete(st, EID1, q.isdp_aid));
	assert_int_equal(m2m_store_profile_delete(st, EID1, q.isdp_aid), M2M_END);
	/* Deleting the EIS takes its profiles along. */
	OK(m2m_store_eis_delete(st, EID1));
	assert_int_equal(m2m_store_profile_get_by_iccid(st, p.iccid, &got), M2M_END);
	OK(m2m_store_profile_list(st, EID1, &list, &n));
	assert_int_equal(n, 0);
	assert_null(list);
	m2m_store_close(st);
	free(url);
}

/* ---- Key sets and encryption at rest ----------------------------------------------------- */

static void make_scp80(m2m_store_keyset *k, const char *eid, uint8_t kvn, uint8_t fill)
{
	memset(k, 0, sizeof *k);
	snprintf(k->eid, sizeof k->eid, "%s", eid);
	k->kvn = kvn;
	k->type = M2M_STORE_KS_SCP80;
	k->kic_alg = 0x02; /* AES-CBC (TS 102 225 5.1.2) */
	k->kid_alg = 0x02; /* AES-CMAC */
	k->nkeys = 2;
	k->keys[0] = (m2m_store_key){.index = 1, .type = 0x88, .len = 16};
	k->keys[1] = (m2m_store_key){.index = 2, .type = 0x88, .len = 16};
	for (int i = 0; i < 16; i++) {
		k->keys[0].value[i] = (uint8_t)(fill + i);
		k->keys[1].value[i] = (uint8_t)(fill + 0x80 + i);
	}
}

/* The sealed column as stored, read with the store's own statement. */
static size_t raw_keys(m2m_store *st, const char *eid, uint8_t kvn, uint8_t *out, size_t cap)
{
	m2m_sv args[] = {m2m_sv_text(eid), m2m_sv_int(kvn)};
	size_t n = 0;

	OK(m2m_q_first(st, M2M_Q_KEYSET_GET, args, 2));
	const uint8_t *p = m2m_q_blob(st, M2M_KEYSET_C_KEYS, &n);
	assert_true(n <= cap);
	memcpy(out, p, n);
	m2m_q_done(st);
	return n;
}

static void test_keysets_encrypted(void **state)
{
	(void)state;
	char *url = fresh_url();
	m2m_store *st = open_ok(url, KEY_A);
	m2m_store_keyset k80, k81, got;
	uint8_t raw[256];
	uint8_t kvns[8];
	size_t n;

	add_eis(st, EID1, NULL);
	add_eis(st, EID2, NULL);
	make_scp80(&k80, EID1, 1, 0x10);
	k80.counter = 7;
	OK(m2m_store_keyset_put(st, &k80));
	memset(&k81, 0, sizeof k81);
	snprintf(k81.eid, sizeof k81.eid, "%s", EID1);
	k81.kvn = 0x40;
	k81.type = M2M_STORE_KS_SCP81;
	k81.nkeys = 1;
	k81.keys[0] = (m2m_store_key){.index = 1, .type = 0x85, .len = 32};
	memset(k81.keys[0].value, 0xc3, 32);
	static const uint8_t psk_id[] = {0x80, 0x01, 0x02, 0x81, 0x02, 0x89, 0x04, 0x83, 0x01, 0x40};
	memcpy(k81.psk_id, psk_id, sizeof psk_id);
	k81.psk_id_len = sizeof psk_id;
	OK(m2m_store_keyset_put(st, &k81));

	OK(m2m_store_keyset_get(st, EID1, 1, &got));
	assert_int_equal(got.type, M2M_STORE_KS_SCP80);
	assert_int_equal(got.kic_alg, 0x02);
	assert_int_equal(got.kid_alg, 0x02);
	assert_int_equal(got.counter, 7);
	assert_int_equal(got.nkeys, 2);
	assert_int_equal(got.keys[1].index, 2);
	assert_int_equal(got.keys[1].type, 0x88);
	assert_memory_equal(got.keys[0].value, k80.keys[0].value, 16);
	assert_memory_equal(got.keys[1].value, k80.keys[1].value, 16);
	m2m_store_keyset_clear(&got);
	OK(m2m_store_keyset_get_by_psk_id(st, psk_id, sizeof psk_id, &got));
	assert_int_equal(got.kvn, 0x40);
	assert_int_equal(got.type, M2M_STORE_KS_SCP81);
	assert_memory_equal(got.keys[0].value, k81.keys[0].value, 32);
	m2m_store_keyset_clear(&got);
	OK(m2m_store_keyset_list(st, EID1, kvns, sizeof kvns, &n));
	assert_int_equal(n, 2);
	assert_int_equal(kvns[0], 1);
	assert_int_equal(kvns[1], 0x40);
	assert_int_equal(m2m_store_keyset_list(st, EID1, kvns, 1, &n), M2M_ERR_BOUNDS);

	/* At rest: no key, not even half of one, appears in the stored column. */
	n = raw_keys(st, EID1, 1, raw, sizeof raw);
	assert_true(n > 32);
	assert_false(contains(raw, n, k80.keys[0].value, 8));
	assert_false(contains(raw, n, k80.keys[1].value, 8));
	assert_false(contains(raw, n, k80.keys[0].value + 8, 8));
	n = raw_keys(st, EID1, 0x40, raw, sizeof raw);
	assert_false(contains(raw, n, k81.keys[0].value, 8));

	/* A replace keeps the higher counter. */
	k80.counter = 3;
	OK(m2m_store_keyset_put(st, &k80));
	OK(m2m_store_keyset_get(st, EID1, 1, &got));
	assert_int_equal(got.counter, 7);
	m2m_store_keyset_clear(&got);

	/* Ciphertexts moved between rows do not open: other EID, other KVN. */
	make_scp80(&k80, EID2, 1, 0x20);
	OK(m2m_store_keyset_put(st, &k80));
	make_scp80(&k80, EID1, 2, 0x30);
	OK(m2m_store_keyset_put(st, &k80));
	char sql[512];
	snprintf(sql, sizeof sql,
		 "UPDATE keyset SET keys_enc = (SELECT keys_enc FROM keyset WHERE eid = '%s' AND"
		 " kvn = 1) WHERE eid = '%s' AND kvn = 1", EID2, EID1);
	OK(st->drv->script(st, sql));
	assert_int_equal(m2m_store_keyset_get(st, EID1, 1, &got), M2M_ERR_VERIFY);
	assert_msg(st, "does not decrypt");
	snprintf(sql, sizeof sql,
		 "UPDATE keyset SET keys_enc = (SELECT keys_enc FROM keyset WHERE eid = '%s' AND"
		 " kvn = 2) WHERE eid = '%s' AND kvn = 1", EID1, EID2);
	OK(st->drv->script(st, sql));
	assert_int_equal(m2m_store_keyset_get(st, EID2, 1, &got), M2M_ERR_VERIFY);
	/* Relabelling a key set's type breaks it too (the type is in the AAD). */
	snprintf(sql, sizeof sql, "UPDATE keyset SET type = 'scp03' WHERE eid = '%s' AND kvn = 2",
		 EID1);
	OK(st->drv->script(st, sql));
	assert_int_equal(m2m_store_keyset_get(st, EID1, 2, &got), M2M_ERR_VERIFY);
	OK(m2m_store_keyset_get(st, EID1, 0x40, &got)); /* untouched rows still open */
	m2m_store_keyset_clear(&got);

	/* Bad input. */
	make_scp80(&k80, EID1, 0, 0);
	assert_int_equal(m2m_store_keyset_put(st, &k80), M2M_ERR_ARG);
	make_scp80(&k80, EID1, 3, 0);
	k80.keys[0].len = 33;
	assert_int_equal(m2m_store_keyset_put(st, &k80), M2M_ERR_ARG);
	make_scp80(&k80, "89000000000000000000000000000099", 1, 0);
	assert_int_equal(m2m_store_keyset_put(st, &k80), M2M_ERR_STATE);
	assert_int_equal(m2m_store_keyset_get(st, EID1, 9, &got), M2M_END);
	OK(m2m_store_keyset_delete(st, EID1, 2));
	assert_int_equal(m2m_store_keyset_delete(st, EID1, 2), M2M_END);
	m2m_store_close(st);

	/* A wrong master key is refused at open, with a clear reason. */
	open_fails(url, KEY_B, M2M_ERR_VERIFY, "master key does not match");
	open_fails(url, "0011", M2M_ERR_ARG, "64 hex digits");
	open_fails(url, "zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
		   M2M_ERR_ARG, "64 hex digits");
	/* Without a key: everything but key sets works. */
	st = open_ok(url, NULL);
	assert_int_equal(m2m_store_keyset_get(st, EID1, 0x40, &got), M2M_ERR_STATE);
	assert_msg(st, "no master key");
	assert_int_equal(m2m_store_keyset_put(st, &k81), M2M_ERR_STATE);
	/* Deleting the EIS takes its key sets along. */
	OK(m2m_store_eis_delete(st, EID1));
	OK(m2m_store_keyset_list(st, EID1, kvns, sizeof kvns, &n));
	assert_int_equal(n, 0);
	m2m_store_close(st);
	free(url);
}

static void test_rekey(void **state)
{
	(void)state;
	char *url = fresh_url();
	m2m_store *st = open_ok(url, KEY_A);
	m2m_store_keyset k, got;

	add_eis(st, EID1, NULL);
	add_eis(st, EID2, NULL);
	make_scp80(&k, EID1, 1, 0x40);
	OK(m2m_store_keyset_put(st, &k));
	make_scp80(&k, EID2, 1, 0x50);
	OK(m2m_store_keyset_put(st, &k));
	assert_int_equal(m2m_store_rekey(st, "00"), M2M_ERR_ARG);
	OK(m2m_store_begin(st));
	assert_int_equal(m2m_store_rekey(st, KEY_B), M2M_ERR_STATE);
	OK(m2m_store_rollback(st));
	OK(m2m_store_rekey(st, KEY_B));
	OK(m2m_store_keyset_get(st, EID2, 1, &got));
	assert_memory_equal(got.keys[0].value, k.keys[0].value, 16);
	m2m_store_keyset_clear(&got);
	m2m_store_close(st);
	open_fails(url, KEY_A, M2M_ERR_VERIFY, "master key does not match");
	st = open_ok(url, KEY_B);
	OK(m2m_store_keyset_get(st, EID2, 1, &got));
	assert_memory_equal(got.keys[1].value, k.keys[1].value, 16);
	m2m_store_keyset_clear(&got);
	m2m_store_close(st);
	free(url);
}

/* ---- SCP80 counters ---------------------------------------------------------------------- */

static void test_counters(void **state)
{
	(void)state;
	char *url = fresh_url();
	m2m_store *st = open_ok(url, KEY_A);
	m2m_store_keyset k;
	int64_t first = 0, now = 0;

	add_eis(st, EID1, NULL);
	make_scp80(&k, EID1, 1, 0);
	OK(m2m_store_keyset_put(st, &k));
	OK(m2m_store_counter_reserve(st, EID1, 1, 1, &first));
	assert_int_equal(first, 1);
	OK(m2m_store_counter_reserve(st, EID1, 1, 1, &first));
	assert_int_equal(first, 2);
	OK(m2m_store_counter_reserve(st, EID1, 1, 10, &first)); /* 3..12 */
	assert_int_equal(first, 3);
	m2m_store_close(st);

	/* A restart continues after the last reserved value. */
	st = open_ok(url, KEY_A);
	OK(m2m_store_counter_reserve(st, EID1, 1, 1, &first));
	assert_int_equal(first, 13);
	/* The card reports a higher counter: never go below it, never go back. */
	OK(m2m_store_counter_raise(st, EID1, 1, 100, &now));
	assert_int_equal(now, 100);
	OK(m2m_store_counter_raise(st, EID1, 1, 50, &now));
	assert_int_equal(now, 100);
	OK(m2m_store_counter_reserve(st, EID1, 1, 1, &first));
	assert_int_equal(first, 101);
	/* 5 bytes, then exhausted. */
	OK(m2m_store_counter_raise(st, EID1, 1, M2M_STORE_COUNTER_MAX - 2, NULL));
	assert_int_equal(m2m_store_counter_reserve(st, EID1, 1, 3, &first), M2M_ERR_STATE);
	assert_msg(st, "exhausted");
	OK(m2m_store_counter_reserve(st, EID1, 1, 2, &first));
	assert_int_equal(first, M2M_STORE_COUNTER_MAX - 1);
	assert_int_equal(m2m_store_counter_reserve(st, EID1, 1, 1, &first), M2M_ERR_STATE);
	assert_int_equal(m2m_store_counter_reserve(st, EID1, 7, 1, &first), M2M_END);
	assert_int_equal(m2m_store_counter_raise(st, EID1, 7, 1, NULL), M2M_END);
	assert_int_equal(m2m_store_counter_reserve(st, EID1, 1, 0, &first), M2M_ERR_ARG);
	assert_int_equal(m2m_store_counter_raise(st, EID1, 1, -1, NULL), M2M_ERR_ARG);
	m2m_store_close(st);
	free(url);
}

/* Two connections reserving from one key set: every value handed out exactly once. */
typedef struct {
	const char *url;
	int64_t got[200];
	atomic_int errors;
} counter_race;

static void *reserve_many(void *arg)
{
	counter_race *r = arg;
	char err[256];
	m2m_store *st = NULL;

	if (m2m_store_open(r->url, KEY_A, &st, err, sizeof err) != M2M_OK) {
		atomic_fetch_add(&r->errors, 1);
		return NULL;
	}
	for (size_t i = 0; i < sizeof r->got / sizeof r->got[0]; i++)
		if (m2m_store_counter_reserve(st, EID1, 1, 1, &r->got[i]) != M2M_OK)
			atomic_fetch_add(&r->errors, 1);
	m2m_store_close(st);
	return NULL;
}

static void test_counters_concurrent(void **state)
{
	(void)state;
	char *url = fresh_url();
	m2m_store *st = open_ok(url, KEY_A);
	m2m_store_keyset k;
	counter_race a = {.url = url}, b = {.url = url};
	pthread_t ta, tb;
	static bool seen[401];

	add_eis(st, EID1, NULL);
	make_scp80(&k, EID1, 1, 0);
	OK(m2m_store_keyset_put(st, &k));
	m2m_store_close(st);
	assert_int_equal(pthread_create(&ta, NULL, reserve_many, &a), 0);
	assert_int_equal(pthread_create(&tb, NULL, reserve_many, &b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	assert_int_equal(atomic_load(&a.errors) + atomic_load(&b.errors), 0);
	memset(seen, 0, sizeof seen);
	for (size_t i = 0; i < 200; i++) {
		assert_true(a.got[i] >= 1 && a.got[i] <= 400 && b.got[i] >= 1 && b.got[i] <= 400);
		assert_false(seen[a.got[i]]);
		seen[a.got[i]] = true;
		assert_false(seen[b.got[i]]);
		seen[b.got[i]] = true;
		if (i > 0) /* each connection sees its own values rise */
			assert_true(a.got[i] > a.got[i - 1] && b.got[i] > b.got[i - 1]);
	}
	free(url);
}

/* ---- Jobs -------------------------------------------------------------------------------- */

static int64_t add_job(m2m_store *st, const char *eid, const char *kind, int64_t now)
{
	m2m_store_job j;
	int64_t id = 0;
	static const uint8_t payload[] = {0x80, 0xe2, 0x89, 0x00, 0x03, 0x3a, 0x03, 0x00};

	memset(&j, 0, sizeof j);
	snprintf(j.eid, sizeof j.eid, "%s", eid);
	snprintf(j.kind, sizeof j.kind, "%s", kind);
	snprintf(j.call_id, sizeof j.call_id, "op1/%s", kind);
	j.deadline_ms = now + 3600000;
	j.payload = (uint8_t *)payload;
	j.payload_len = sizeof payload;
	OK(m2m_store_job_add(st, &j, now, &id));
	return id;
}

static void test_jobs_order(void **state)
{
	(void)state;
	char *url = fresh_url();
	m2m_store *st = open_ok(url, NULL);
	m2m_store_job *jobs = NULL, got;
	size_t n = 0;
	int64_t count = 0;

	int64_t j1 = add_job(st, EID1, "enable", T0);
	int64_t j2 = add_job(st, EID1, "disable", T0);
	int64_t j3 = add_job(st, EID2, "audit", T0);
	int64_t j4 = add_job(st, EID1, "delete", T0);
	assert_true(j1 < j2 && j2 < j3 && j3 < j4);

	/* Only the oldest job of each eUICC. */
	OK(m2m_store_job_claim(st, "w1", T0, 60000, 10, &jobs, &n));
	assert_int_equal(n, 2);
	assert_int_equal(jobs[0].id, j1);
	assert_int_equal(jobs[1].id, j3);
	assert_string_equal(jobs[0].eid, EID1);
	assert_string_equal(jobs[0].kind, "enable");
	assert_string_equal(jobs[0].call_id, "op1/enable");
	assert_string_equal(jobs[0].lease_owner, "w1");
	assert_int_equal(jobs[0].lease_until_ms, T0 + 60000);
	assert_int_equal(jobs[0].state, M2M_STORE_JOB_QUEUED);
	assert_int_equal(jobs[0].deadline_ms, T0 + 3600000);
	assert_int_equal(jobs[0].payload_len, 8);
	assert_int_equal(jobs[0].payload[5], 0x3a);
	m2m_store_job_list_free(jobs, n);
	OK(m2m_store_job_claim(st, "w2", T0, 60000, 10, &jobs, &n));
	assert_int_equal(n, 0);
	assert_null(jobs);

	/* j1 sent, then answered: j2 comes next. */
	OK(m2m_store_job_sent(st, j1, "w1", T0 + 10, T0 + 30000));
	assert_int_equal(m2m_store_job_sent(st, j1, "w2", T0 + 10, T0 + 30000), M2M_ERR_STATE);
	assert_msg(st, "not leased to w2");
	OK(m2m_store_job_get(st, j1, &got));
	assert_int_equal(got.state, M2M_STORE_JOB_SENT);
	assert_int_equal(got.attempts, 1);
	m2m_store_job_clear(&got);
	static const uint8_t por[] = {0x90, 0x00};
	assert_int_equal(m2m_store_job_finish(st, j1, "w1", T0 + 20, M2M_STORE_JOB_SENT, por, 2,
					      NULL),
			 M2M_ERR_ARG);
	OK(m2m_store_job_finish(st, j1, "w1", T0 + 20, M2M_STORE_JOB_ANSWERED, por, 2, "PoR ok"));
	assert_int_equal(m2m_store_job_finish(st, j1, "w1", T0 + 20, M2M_STORE_JOB_FAILED, NULL, 0,
					      NULL),
			 M2M_ERR_STATE);
	OK(m2m_store_job_get(st, j1, &got));
	assert_int_equal(got.state, M2M_STORE_JOB_ANSWERED);
	assert_int_equal(got.result_len, 2);
	assert_memory_equal(got.result, por, 2);
	assert_string_equal(got.detail, "PoR ok");
	assert_int_equal(got.lease_until_ms, 0);
	assert_int_equal(got.updated_ms, T0 + 20);
	m2m_store_job_clear(&got);

	OK(m2m_store_job_claim(st, "w2", T0 + 30, 60000, 10, &jobs, &n));
	assert_int_equal(n, 1);
	assert_int_equal(jobs[0].id, j2);
	m2m_store_job_list_free(jobs, n);

	/* A retry later keeps j2 first in line: j4 waits behind it. */
	OK(m2m_store_job_retry(st, j2, "w2", T0 + 40, T0 + 5000, "no PoR"));
	OK(m2m_store_job_claim(st, "w3", T0 + 4999, 60000, 10, &jobs, &n));
	assert_int_equal(n, 0);
	OK(m2m_store_job_claim(st, "w3", T0 + 5000, 60000, 10, &jobs, &n));
	assert_int_equal(n, 1);
	assert_int_equal(jobs[0].id, j2);
	assert_string_equal(jobs[0].detail, "no PoR");
	m2m_store_job_list_free(jobs, n);
	OK(m2m_store_job_finish(st, j2, "w3", T0 + 5001, M2M_STORE_JOB_EXPIRED, NULL, 0, NULL));
	OK(m2m_store_job_claim(st, "w3", T0 + 5002, 60000, 10, &jobs, &n));
	assert_int_equal(n, 1);
	assert_int_equal(jobs[0].id, j4);
	m2m_store_job_list_free(jobs, n);

	/* max bounds a claim; a job per eUICC still. */
	int64_t j5 = add_job(st, "89000000000000000000000000000005", "audit", T0);
	add_job(st, "89000000000000000000000000000006", "audit", T0);
	OK(m2m_store_job_claim(st, "w4", T0 + 6000, 60000, 1, &jobs, &n));
	assert_int_equal(n, 1);
	assert_int_equal(jobs[0].id, j5);
	m2m_store_job_list_free(jobs, n);

	OK(m2m_store_job_list(st, EID1, &jobs, &n));
	assert_int_equal(n, 3);
	assert_true(jobs[0].id == j1 && jobs[1].id == j2 && jobs[2].id == j4);
	assert_int_equal(jobs[1].state, M2M_STORE_JOB_EXPIRED);
	m2m_store_job_list_free(jobs, n);
	OK(m2m_store_job_count(st, M2M_STORE_JOB_QUEUED, &count));
	assert_int_equal(count, 4); /* j3, j4, j5 and the sixth (leased but queued) */
	OK(m2m_store_job_count(st, M2M_STORE_JOB_ANSWERED, &count));
	assert_int_equal(count, 1);

	int64_t purged = 0;
	OK(m2m_store_job_purge(st, T0 + 5001, &purged));
	assert_int_equal(purged, 1); /* j1 (updated T0+20), not j2 (T0+5001) */
	assert_int_equal(m2m_store_job_get(st, j1, &got), M2M_END);

	m2m_store_job bad = {.kind = "x"};
	int64_t id;
	assert_int_equal(m2m_store_job_add(st, &bad, T0, &id), M2M_ERR_ARG);
	assert_int_equal(m2m_store_job_claim(st, "", T0, 1000, 1, &jobs, &n), M2M_ERR_ARG);
	assert_int_equal(m2m_store_job_claim(st, "w", T0, 0, 1, &jobs, &n), M2M_ERR_ARG);
	m2m_store_close(st);
	free(url);
}

static void test_jobs_lease_expiry(void **state)
{
	(void)state;
	char *url = fresh_url();
	m2m_store *st = open_ok(url, NULL);
	m2m_store_job *jobs = NULL;
	size_t n = 0;

	int64_t j = add_job(st, EID1, "enable", T0);
	OK(m2m_store_job_claim(st, "w1", T0, 1000, 5, &jobs, &n));
	assert_int_equal(n, 1);
	m2m_store_job_list_free(jobs, n);
	OK(m2m_store_job_sent(st, j, "w1", T0 + 1, T0 + 1000));
	/* w1 "crashes". Until the lease ends nobody else gets the job; then w2 does. */
	OK(m2m_store_job_claim(st, "w2", T0 + 999, 1000, 5, &jobs, &n));
	assert_int_equal(n, 0);
	OK(m2m_store_job_claim(st, "w2", T0 + 1000, 1000, 5, &jobs, &n));
	assert_int_equal(n, 1);
	assert_int_equal(jobs[0].id, j);
	assert_int_equal(jobs[0].state, M2M_STORE_JOB_SENT);
	assert_int_equal(jobs[0].attempts, 1);
	assert_string_equal(jobs[0].lease_owner, "w2");
	m2m_store_job_list_free(jobs, n);
	/* The old owner has lost it. */
	assert_int_equal(m2m_store_job_finish(st, j, "w1", T0 + 1001, M2M_STORE_JOB_ANSWERED, NULL,
					      0, NULL),
			 M2M_ERR_STATE);
	assert_int_equal(m2m_store_job_renew(st, j, "w1", T0 + 9000), M2M_ERR_STATE);
	OK(m2m_store_job_renew(st, j, "w2", T0 + 9000));
	OK(m2m_store_job_claim(st, "w3", T0 + 5000, 1000, 5, &jobs, &n));
	assert_int_equal(n, 0);
	/* An orderly release hands it back at once. */
	OK(m2m_store_job_release(st, j, "w2"));
	assert_int_equal(m2m_store_job_release(st, j, "w2"), M2M_ERR_STATE);
	OK(m2m_store_job_claim(st, "w3", T0 + 5000, 1000, 5, &jobs, &n));
	assert_int_equal(n, 1);
	m2m_store_job_list_free(jobs, n);
	OK(m2m_store_job_sent(st, j, "w3", T0 + 5001, T0 + 6000));
	m2m_store_job got;
	OK(m2m_store_job_get(st, j, &got));
	assert_int_equal(got.attempts, 2);
	m2m_store_job_clear(&got);
	m2m_store_close(st);
	free(url);
}

/* Two connections claiming from one queue at once while a third adds jobs to it. */
#define RACE_EIDS 16
#define RACE_PER_EID 16
#define RACE_JOBS (RACE_EIDS * RACE_PER_EID)

typedef struct {
	const char *url;
	pthread_barrier_t start;
	pthread_mutex_t lock;
	int64_t first_id;
	int claims[RACE_JOBS];
	int64_t last_done[RACE_EIDS];
	bool busy[RACE_EIDS];
	int by_worker[2];
	atomic_int errors;
	atomic_bool adding;
} job_race;

typedef struct {
	job_race *r;
	int worker;
} job_racer;

static int race_eid_index(const char *eid)
{
	return atoi(eid + strlen(eid) - 4);
}

static void *claim_loop(void *arg)
{
	job_racer *me = arg;
	job_race *r = me->r;
	char name[16], err[256];
	m2m_store *st = NULL;
	struct timespec pause = {0, 1000000};

	snprintf(name, sizeof name, "worker%d", me->worker);
	if (m2m_store_open(r->url, NULL, &st, err, sizeof err) != M2M_OK)
		atomic_fetch_add(&r->errors, 1);
	pthread_barrier_wait(&r->start); /* every connection open before anyone starts */
	if (st == NULL)
		return NULL;
	for (int spins = 0; spins < 20000; spins++) {
		m2m_store_job *jobs = NULL;
		size_t n = 0;
		int64_t open_q = 0, open_s = 0;

		if (m2m_store_job_claim(st, name, T0, 600000, 3, &jobs, &n) != M2M_OK) {
			atomic_fetch_add(&r->errors, 1);
			break;
		}
		for (size_t i = 0; i < n; i++) {
			int e = race_eid_index(jobs[i].eid);
			int64_t k = jobs[i].id - r->first_id;
			pthread_mutex_lock(&r->lock);
			if (k < 0 || k >= RACE_JOBS || e < 0 || e >= RACE_EIDS || r->busy[e] ||
			    jobs[i].id <= r->last_done[e])
				atomic_fetch_add(&r->errors, 1);
			else
				r->claims[k]++, r->busy[e] = true, r->by_worker[me->worker]++;
			pthread_mutex_unlock(&r->lock);
		}
		for (size_t i = 0; i < n; i++) {
			int e = race_eid_index(jobs[i].eid);
			pthread_mutex_lock(&r->lock);
			if (e >= 0 && e < RACE_EIDS) {
				/* Before finishing: the next job needs this one done. */
				r->busy[e] = false;
				r->last_done[e] = jobs[i].id;
			}
			pthread_mutex_unlock(&r->lock);
			if (m2m_store_job_finish(st, jobs[i].id, name, T0, M2M_STORE_JOB_ANSWERED,
						 NULL, 0, NULL) != M2M_OK)
				atomic_fetch_add(&r->errors, 1);
		}
		m2m_store_job_list_free(jobs, n);
		if (n > 0)
			continue;
		if (m2m_store_job_count(st, M2M_STORE_JOB_QUEUED, &open_q) != M2M_OK ||
		    m2m_store_job_count(st, M2M_STORE_JOB_SENT, &open_s) != M2M_OK) {
			atomic_fetch_add(&r->errors, 1);
			break;
		}
		if (open_q + open_s == 0 && !atomic_load(&r->adding)) {
			m2m_store_close(st);
			return NULL;
		}
		nanosleep(&pause, NULL);
	}
	atomic_fetch_add(&r->errors, 1); /* never drained */
	m2m_store_close(st);
	return NULL;
}

static void race_eid(char *eid, int i)
{
	/* Interleaved: each eUICC's jobs are spread over the whole queue. */
	snprintf(eid, M2M_STORE_EID_SIZE, "8904903212345123451234567890%04d", i % RACE_EIDS);
}

/* Adds the second half of the jobs while the workers run: the head of an eUICC must move to
 * a job added while its previous head was finishing. */
static void *add_loop(void *arg)
{
	job_race *r = arg;
	char err[256], eid[M2M_STORE_EID_SIZE];
	m2m_store *st = NULL;
	m2m_store_job j;
	int64_t id;

	if (m2m_store_open(r->url, NULL, &st, err, sizeof err) != M2M_OK)
		atomic_fetch_add(&r->errors, 1);
	pthread_barrier_wait(&r->start);
	for (int i = RACE_JOBS / 2; st != NULL && i < RACE_JOBS; i++) {
		race_eid(eid, i);
		memset(&j, 0, sizeof j);
		snprintf(j.eid, sizeof j.eid, "%s", eid);
		snprintf(j.kind, sizeof j.kind, "disable");
		if (m2m_store_job_add(st, &j, T0, &id) != M2M_OK || id != r->first_id + i)
			atomic_fetch_add(&r->errors, 1);
		if (i % 8 == 0)
			sched_yield();
	}
	atomic_store(&r->adding, false);
	m2m_store_close(st);
	return NULL;
}

static void test_jobs_concurrent_claims(void **state)
{
	(void)state;
	char *url = fresh_url();
	m2m_store *st = open_ok(url, NULL);
	static job_race r;
	job_racer racers[2] = {{&r, 0}, {&r, 1}};
	pthread_t t[3];
	char eid[M2M_STORE_EID_SIZE];

	memset(&r, 0, sizeof r);
	r.url = url;
	atomic_store(&r.adding, true);
	pthread_mutex_init(&r.lock, NULL);
	pthread_barrier_init(&r.start, NULL, 3);
	OK(m2m_store_begin(st));
	for (int i = 0; i < RACE_JOBS / 2; i++) {
		race_eid(eid, i);
		int64_t id = add_job(st, eid, "enable", T0);
		if (i == 0)
			r.first_id = id;
		assert_int_equal(id, r.first_id + i);
	}
	OK(m2m_store_commit(st));
	for (int i = 0; i < RACE_EIDS; i++)
		r.last_done[i] = -1;
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, claim_loop, &racers[i]), 0);
	assert_int_equal(pthread_create(&t[2], NULL, add_loop, &r), 0);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(atomic_load(&r.errors), 0);
	for (int i = 0; i < RACE_JOBS; i++)
		assert_int_equal(r.claims[i], 1);
	print_message("%s: worker0 ran %d jobs, worker1 %d\n", suite_backend, r.by_worker[0],
		      r.by_worker[1]);
	int64_t answered = 0;
	OK(m2m_store_job_count(st, M2M_STORE_JOB_ANSWERED, &answered));
	assert_int_equal(answered, RACE_JOBS);
	pthread_mutex_destroy(&r.lock);
	pthread_barrier_destroy(&r.start);
	m2m_store_close(st);
	free(url);
}

/* One eUICC, one connection adding jobs, another running them as they come: the queue is
 * mostly empty, so jobs are added while the head is finishing. A job left without the head
 * mark would never run. */
#define HEAD_RACE_JOBS 300

typedef struct {
	const char *url;
	pthread_barrier_t start;
	atomic_bool adding;
	atomic_int errors;
	int ran;
} head_race;

static void *head_adder(void *arg)
{
	head_race *r = arg;
	char err[256];
	m2m_store *st = NULL;
	m2m_store_job j;
	int64_t id;

	if (m2m_store_open(r->url, NULL, &st, err, sizeof err) != M2M_OK)
		atomic_fetch_add(&r->errors, 1);
	pthread_barrier_wait(&r->start);
	memset(&j, 0, sizeof j);
	snprintf(j.eid, sizeof j.eid, "%s", EID1);
	snprintf(j.kind, sizeof j.kind, "audit");
	for (int i = 0; st != NULL && i < HEAD_RACE_JOBS; i++) {
		if (m2m_store_job_add(st, &j, T0, &id) != M2M_OK)
			atomic_fetch_add(&r->errors, 1);
		sched_yield();
	}
	atomic_store(&r->adding, false);
	m2m_store_close(st);
	return NULL;
}

static void *head_runner(void *arg)
{
	head_race *r = arg;
	char err[256];
	m2m_store *st = NULL;

	if (m2m_store_open(r->url, NULL, &st, err, sizeof err) != M2M_OK)
		atomic_fetch_add(&r->errors, 1);
	pthread_barrier_wait(&r->start);
	while (st != NULL) {
		m2m_store_job *jobs = NULL;
		size_t n = 0;
		int64_t open_q = 0;
		bool adding = atomic_load(&r->adding);

		if (m2m_store_job_claim(st, "runner", T0, 600000, 1, &jobs, &n) != M2M_OK)
			break;
		for (size_t i = 0; i < n; i++, r->ran++)
			if (m2m_store_job_finish(st, jobs[i].id, "runner", T0,
						 M2M_STORE_JOB_ANSWERED, NULL, 0, NULL) != M2M_OK)
				atomic_fetch_add(&r->errors, 1);
		m2m_store_job_list_free(jobs, n);
		if (n > 0 || adding)
			continue;
		/* Nothing claimable, nothing leased, no more jobs coming: all must be done. */
		if (m2m_store_job_count(st, M2M_STORE_JOB_QUEUED, &open_q) != M2M_OK || open_q != 0)
			atomic_fetch_add(&r->errors, 1);
		m2m_store_close(st);
		return NULL;
	}
	atomic_fetch_add(&r->errors, 1);
	m2m_store_close(st);
	return NULL;
}

static void test_jobs_head_race(void **state)
{
	(void)state;
	static head_race r;
	pthread_t a, b;

	memset(&r, 0, sizeof r);
	r.url = fresh_url();
	atomic_store(&r.adding, true);
	m2m_store_close(open_ok(r.url, NULL));
	pthread_barrier_init(&r.start, NULL, 2);
	assert_int_equal(pthread_create(&a, NULL, head_adder, &r), 0);
	assert_int_equal(pthread_create(&b, NULL, head_runner, &r), 0);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	pthread_barrier_destroy(&r.start);
	assert_int_equal(atomic_load(&r.errors), 0);
	assert_int_equal(r.ran, HEAD_RACE_JOBS);
	free((char *)r.url);
}

/* The same hand-over, forced: a job is added while the finish of the only open job is not
 * committed yet. The pause only widens the window in which a wrong implementation would
 * lose the job; a right one passes whatever the timing. */
typedef struct {
	m2m_store *st;
	m2m_err rc;
	int64_t id;
} late_add;

static void *add_late(void *arg)
{
	late_add *a = arg;
	m2m_store_job j;

	memset(&j, 0, sizeof j);
	snprintf(j.eid, sizeof j.eid, "%s", EID1);
	snprintf(j.kind, sizeof j.kind, "disable");
	a->rc = m2m_store_job_add(a->st, &j, T0, &a->id);
	return NULL;
}

static void test_jobs_head_handover(void **state)
{
	(void)state;
	char *url = fresh_url();
	m2m_store *st = open_ok(url, NULL);
	late_add late = {.st = open_ok(url, NULL)};
	m2m_store_job *jobs = NULL;
	size_t n = 0;
	pthread_t t;
	struct timespec pause = {0, 300000000};

	int64_t h = add_job(st, EID1, "enable", T0);
	OK(m2m_store_job_claim(st, "w1", T0, 60000, 5, &jobs, &n));
	assert_int_equal(n, 1);
	m2m_store_job_list_free(jobs, n);
	OK(m2m_store_begin(st));
	OK(m2m_store_job_finish(st, h, "w1", T0, M2M_STORE_JOB_ANSWERED, NULL, 0, NULL));
	assert_int_equal(pthread_create(&t, NULL, add_late, &late), 0);
	nanosleep(&pause, NULL);
	OK(m2m_store_commit(st));
	pthread_join(t, NULL);
	OK(late.rc);
	OK(m2m_store_job_claim(st, "w1", T0, 60000, 5, &jobs, &n));
	assert_int_equal(n, 1);
	assert_int_equal(jobs[0].id, late.id);
	m2m_store_job_list_free(jobs, n);
	m2m_store_close(late.st);
	m2m_store_close(st);
	free(url);
}

/* ---- Function-call records --------------------------------------------------------------- */

static void test_calls(void **state)
{
	(void)state;
	char *url = fresh_url();
	m2m_store *st = open_ok(url, NULL);
	uint8_t h1[32], h2[32];
	m2m_store_call_outcome out;
	m2m_store_call c;
	static const char resp[] = "<ES4-EnableProfileResponse/>";

	memset(h1, 0xa1, sizeof h1);
	memset(h2, 0xb2, sizeof h2);
	OK(m2m_store_call_begin(st, "mno1", "fc-0001", h1, T0, &out, NULL));
	assert_int_equal(out, M2M_STORE_CALL_NEW);
	/* The same call again, still running: a replay without an answer yet. */
	OK(m2m_store_call_begin(st, "mno1", "fc-0001", h1, T0 + 1, &out, &c));
	assert_int_equal(out, M2M_STORE_CALL_REPLAY);
	assert_false(c.done);
	assert_null(c.response);
	assert_int_equal(c.created_ms, T0);
	m2m_store_call_clear(&c);
	/* Another caller may use the same identifier. */
	OK(m2m_store_call_begin(st, "mno2", "fc-0001", h2, T0, &out, NULL));
	assert_int_equal(out, M2M_STORE_CALL_NEW);

	OK(m2m_store_call_finish(st, "mno1", "fc-0001", (const uint8_t *)resp, strlen(resp),
				 T0 + 2));
	assert_int_equal(m2m_store_call_finish(st, "mno1", "fc-0001", NULL, 0, T0 + 3),
			 M2M_ERR_STATE);
	OK(m2m_store_call_begin(st, "mno1", "fc-0001", h1, T0 + 4, &out, &c));
	assert_int_equal(out, M2M_STORE_CALL_REPLAY);
	assert_true(c.done);
	assert_int_equal(c.done_ms, T0 + 2);
	assert_int_equal(c.response_len, strlen(resp));
	assert_memory_equal(c.response, resp, strlen(resp));
	assert_memory_equal(c.req_hash, h1, 32);
	m2m_store_call_clear(&c);
	/* Same identifier, different request. */
	OK(m2m_store_call_begin(st, "mno1", "fc-0001", h2, T0 + 5, &out, NULL));
	assert_int_equal(out, M2M_STORE_CALL_CONFLICT);
	/* An empty answer is an answer. */
	OK(m2m_store_call_finish(st, "mno2", "fc-0001", NULL, 0, T0 + 6));
	OK(m2m_store_call_get(st, "mno2", "fc-0001", &c));
	assert_true(c.done);
	assert_int_equal(c.response_len, 0);
	m2m_store_call_clear(&c);
	assert_int_equal(m2m_store_call_get(st, "mno3", "fc-0001", &c), M2M_END);
	assert_int_equal(m2m_store_call_begin(st, "", "x", h1, T0, &out, NULL), M2M_ERR_ARG);

	/* Purge: the finished records (done at T0 + 2 and T0 + 6), never a running call's. */
	OK(m2m_store_call_begin(st, "mno1", "fc-running", h1, T0, &out, NULL));
	int64_t purged = 0;
	OK(m2m_store_call_purge(st, T0 + 3, &purged));
	assert_int_equal(purged, 1);
	OK(m2m_store_call_purge(st, T0 + 100, &purged));
	assert_int_equal(purged, 1);
	assert_int_equal(m2m_store_call_get(st, "mno1", "fc-0001", &c), M2M_END);
	assert_int_equal(m2m_store_call_get(st, "mno2", "fc-0001", &c), M2M_END);
	OK(m2m_store_call_get(st, "mno1", "fc-running", &c));
	assert_false(c.done);
	m2m_store_call_clear(&c);
	m2m_store_close(st);
	free(url);
}

/* The finished calls among a set of keys, over more than one batch of the query. */
static void test_calls_done_among(void **state)
{
	(void)state;
	char *url = fresh_url();
	m2m_store *st = open_ok(url, NULL);
	char ids[20][16];
	const char *callers[21], *call_ids[21];
	m2m_store_call_outcome out;
	m2m_store_call *recs = NULL;
	size_t n = 0, seen = 0;
	uint8_t h[32];

	memset(h, 0x5a, sizeof h);
	for (int i = 0; i < 20; i++) {
		snprintf(ids[i], sizeof ids[i], "poll-%02d", i);
		OK(m2m_store_call_begin(st, "mno1", ids[i], h, T0, &out, NULL));
		if (i % 3 == 0)
			OK(m2m_store_call_finish(st, "mno1", ids[i], (const uint8_t *)ids[i],
						 strlen(ids[i]), T0 + i));
		callers[i] = "mno1";
		call_ids[i] = ids[i];
	}
	callers[20] = "mno2"; /* unknown: not found */
	call_ids[20] = "poll-00";
	OK(m2m_store_call_done_among(st, callers, call_ids, 21, &recs, &n));
	assert_int_equal(n, 7); /* 0, 3, ..., 18 */
	for (size_t k = 0; k < n; k++) {
		int i = atoi(recs[k].call_id + 5);
		assert_int_equal(i % 3, 0);
		assert_string_equal(recs[k].caller, "mno1");
		assert_true(recs[k].done);
		assert_int_equal(recs[k].response_len, strlen(ids[i]));
		assert_memory_equal(recs[k].response, ids[i], strlen(ids[i]));
		seen |= (size_t)1 << i;
	}
	assert_int_equal(seen, 0x49249); /* each finished call once */
	m2m_store_call_list_free(recs, n);
	OK(m2m_store_call_done_among(st, callers + 1, call_ids + 1, 2, &recs, &n));
	assert_int_equal(n, 0);
	m2m_store_call_list_free(recs, n);
	assert_int_equal(m2m_store_call_done_among(st, callers, call_ids, 1, NULL, &n),
			 M2M_ERR_ARG);
	m2m_store_close(st);
	free(url);
}

/* ---- Audit trail ------------------------------------------------------------------------- */

static void test_audit(void **state)
{
	(void)state;
	char *url = fresh_url();
	m2m_store *st = open_ok(url, NULL);
	m2m_store_audit a;
	m2m_store_audit *list = NULL;
	size_t n = 0;
	int64_t id1 = 0, id2 = 0, id3 = 0;

	memset(&a, 0, sizeof a);
	a.time_ms = T0;
	snprintf(a.actor, sizeof a.actor, "mno1");
	snprintf(a.function, sizeof a.function, "ES4.EnableProfile");
	snprintf(a.eid, sizeof a.eid, "%s", EID1);
	snprintf(a.iccid, sizeof a.iccid, "8944500102198304826");
	snprintf(a.outcome, sizeof a.outcome, "Executed-Success");
	a.detail = (char *)"PoR 9000";
	OK(m2m_store_audit_add(st, &a, &id1));
	a.time_ms = T0 + 1;
	snprintf(a.eid, sizeof a.eid, "%s", EID2);
	a.detail = NULL;
	OK(m2m_store_audit_add(st, &a, &id2));
	a.time_ms = T0 + 2;
	snprintf(a.eid, sizeof a.eid, "%s", EID1);
	a.iccid[0] = '\0';
	snprintf(a.outcome, sizeof a.outcome, "Failed");
	OK(m2m_store_audit_add(st, &a, &id3));
	assert_true(id1 < id2 && id2 < id3);

	OK(m2m_store_audit_list(st, EID1, 0, 10, &list, &n));
	assert_int_equal(n, 2);
	assert_int_equal(list[0].id, id1);
	assert_int_equal(list[0].time_ms, T0);
	assert_string_equal(list[0].actor, "mno1");
	assert_string_equal(list[0].function, "ES4.EnableProfile");
	assert_string_equal(list[0].iccid, "8944500102198304826");
	assert_string_equal(list[0].outcome, "Executed-Success");
	assert_string_equal(list[0].detail, "PoR 9000");
	assert_int_equal(list[1].id, id3);
	assert_string_equal(list[1].iccid, "");
	assert_null(list[1].detail);
	m2m_store_audit_list_free(list, n);
	OK(m2m_store_audit_list(st, NULL, id1, 1, &list, &n));
	assert_int_equal(n, 1);
	assert_int_equal(list[0].id, id2);
	m2m_store_audit_list_free(list, n);

	/* Append-only: the database itself refuses changes. */
	assert_int_equal(st->drv->script(st, "UPDATE audit SET outcome = 'Executed-Success'"),
			 M2M_ERR_STATE);
	assert_msg(st, "append-only");
	assert_int_equal(st->drv->script(st, "DELETE FROM audit"), M2M_ERR_STATE);
	OK(m2m_store_audit_list(st, NULL, 0, 10, &list, &n));
	assert_int_equal(n, 3);
	assert_string_equal(list[2].outcome, "Failed");
	m2m_store_audit_list_free(list, n);

	memset(&a, 0, sizeof a);
	assert_int_equal(m2m_store_audit_add(st, &a, NULL), M2M_ERR_ARG);
	m2m_store_close(st);
	free(url);
}

/* ---- Notifications ----------------------------------------------------------------------- */

static void test_notifications(void **state)
{
	(void)state;
	char *url = fresh_url();
	m2m_store *st = open_ok(url, NULL);
	m2m_store_notif nt, got;
	m2m_store_notif *list = NULL;
	size_t n = 0;
	bool is_new = false;
	static const uint8_t data[] = {0xe1, 0x0b, 0x4c, 0x01, 0x02, 0x4d, 0x02, 0x00, 0x05};

	memset(&nt, 0, sizeof nt);
	snprintf(nt.eid, sizeof nt.eid, "%s", EID1);
	nt.seq = 5;
	nt.type = 0x02;
	snprintf(nt.aid, sizeof nt.aid, "A0000005591010FFFFFFFF8900001100");
	snprintf(nt.iccid, sizeof nt.iccid, "8944500102198304826");
	nt.received_ms = T0;
	nt.data = (uint8_t *)data;
	nt.data_len = sizeof data;
	OK(m2m_store_notif_add(st, &nt, &is_new));
	assert_true(is_new);
	OK(m2m_store_notif_add(st, &nt, &is_new)); /* the eUICC sent it again */
	assert_false(is_new);
	nt.seq = 6;
	nt.received_ms = T0 + 10;
	nt.data = NULL;
	nt.data_len = 0;
	OK(m2m_store_notif_add(st, &nt, &is_new));
	assert_true(is_new);

	OK(m2m_store_notif_get(st, EID1, 5, &got));
	assert_int_equal(got.type, 0x02);
	assert_int_equal(got.state, M2M_STORE_NOTIF_RECEIVED);
	assert_string_equal(got.aid, nt.aid);
	assert_string_equal(got.iccid, nt.iccid);
	assert_int_equal(got.received_ms, T0);
	assert_int_equal(got.data_len, sizeof data);
	assert_memory_equal(got.data, data, sizeof data);
	m2m_store_notif_clear(&got);

	OK(m2m_store_notif_set_state(st, EID1, 5, M2M_STORE_NOTIF_CONFIRMED, T0 + 20));
	OK(m2m_store_notif_list(st, M2M_STORE_NOTIF_RECEIVED, 10, &list, &n));
	assert_int_equal(n, 1);
	assert_int_equal(list[0].seq, 6);
	m2m_store_notif_list_free(list, n);
	OK(m2m_store_notif_set_state(st, EID1, 6, M2M_STORE_NOTIF_CONFIRMED, T0 + 21));
	OK(m2m_store_notif_list(st, M2M_STORE_NOTIF_CONFIRMED, 10, &list, &n));
	assert_int_equal(n, 2);
	assert_int_equal(list[0].seq, 5); /* oldest first */
	assert_int_equal(list[0].updated_ms, T0 + 20);
	m2m_store_notif_list_free(list, n);
	OK(m2m_store_notif_set_state(st, EID1, 5, M2M_STORE_NOTIF_FORWARDED, T0 + 30));
	OK(m2m_store_notif_get(st, EID1, 5, &got));
	assert_int_equal(got.state, M2M_STORE_NOTIF_FORWARDED);
	m2m_store_notif_clear(&got);
	assert_int_equal(m2m_store_notif_set_state(st, EID1, 7, M2M_STORE_NOTIF_FORWARDED, T0),
			 M2M_END);
	assert_int_equal(m2m_store_notif_get(st, EID2, 5, &got), M2M_END);
	m2m_store_close(st);
	free(url);
}

/* ---- Transactions ------------------------------------------------------------------------ */

static void test_transactions(void **state)
{
	(void)state;
	char *url = fresh_url();
	m2m_store *st = open_ok(url, KEY_A);
	m2m_store_eis e;
	m2m_store_job *jobs = NULL;
	size_t n = 0;

	OK(m2m_store_begin(st));
	assert_true(m2m_store_in_transaction(st));
	assert_int_equal(m2m_store_begin(st), M2M_ERR_STATE);
	add_eis(st, EID1, NULL);
	OK(m2m_store_rollback(st));
	assert_false(m2m_store_in_transaction(st));
	assert_int_equal(m2m_store_eis_get(st, EID1, &e), M2M_END);
	assert_int_equal(m2m_store_commit(st), M2M_ERR_STATE);
	assert_int_equal(m2m_store_rollback(st), M2M_ERR_STATE);

	/* Several writes, one commit; a claim inside joins the caller's transaction. */
	OK(m2m_store_begin(st));
	add_eis(st, EID1, NULL);
	int64_t j = add_job(st, EID1, "enable", T0);
	OK(m2m_store_job_claim(st, "w1", T0, 1000, 5, &jobs, &n));
	assert_int_equal(n, 1);
	assert_int_equal(jobs[0].id, j);
	m2m_store_job_list_free(jobs, n);
	OK(m2m_store_commit(st));
	OK(m2m_store_eis_get(st, EID1, &e));
	m2m_store_eis_clear(&e);
	m2m_store *other = open_ok(url, KEY_A);
	OK(m2m_store_job_claim(other, "w2", T0, 1000, 5, &jobs, &n));
	assert_int_equal(n, 0); /* the claim was committed with the rest */
	m2m_store_close(other);

	/* A failure inside: the caller rolls back and the handle stays usable. */
	OK(m2m_store_begin(st));
	add_eis(st, EID2, NULL);
	make_eis(&e, EID1, NULL);
	assert_int_equal(m2m_store_eis_insert(st, &e), M2M_ERR_STATE);
	OK(m2m_store_rollback(st));
	assert_int_equal(m2m_store_eis_get(st, EID2, &e), M2M_END);
	add_eis(st, EID2, NULL);
	OK(m2m_store_eis_get(st, EID2, &e));
	m2m_store_eis_clear(&e);
	/* Closing with a transaction open rolls it back. */
	OK(m2m_store_begin(st));
	OK(m2m_store_eis_delete(st, EID2));
	m2m_store_close(st);
	st = open_ok(url, KEY_A);
	OK(m2m_store_eis_get(st, EID2, &e));
	m2m_store_eis_clear(&e);
	m2m_store_close(st);
	free(url);
}

/* ---- SM-SR change (ES7) state ------------------------------------------------------------ */

static void make_prep(m2m_store_es7_prep *p, const char *eid, const char *current,
		      int64_t until)
{
	memset(p, 0, sizeof *p);
	snprintf(p->eid, sizeof p->eid, "%s", eid);
	snprintf(p->current_smsr, sizeof p->current_smsr, "%s", current);
	snprintf(p->requester, sizeof p->requester, "1.3.6.1.4.1.99999.1");
	p->until_ms = until;
}

/* PrepareSMSRChange records: valid until their end, taken once (busy) across connections,
 * not replaced while busy, a dead owner's busy mark cleared or lapsing, used up, purged. */
static void test_es7_prep(void **state)
{
	(void)state;
	char *url = fresh_url();
	m2m_store *a = open_ok(url, NULL), *b = open_ok(url, NULL);
	m2m_store_es7_prep p, got;
	const char *SR1 = "1.3.6.1.4.1.99999.2", *SR3 = "1.3.6.1.4.1.99999.3";
	int64_t n = 0;

	make_prep(&p, EID1, SR1, T0 + 60000);
	OK(m2m_store_es7_prep_put(a, &p, T0));
	/* Seen by the other connection, with every field. */
	OK(m2m_store_es7_prep_get(b, EID1, T0 + 1000, &got));
	assert_string_equal(got.eid, EID1);
	assert_string_equal(got.current_smsr, SR1);
	assert_string_equal(got.requester, "1.3.6.1.4.1.99999.1");
	assert_int_equal(got.until_ms, T0 + 60000);
	assert_int_equal(got.created_ms, T0);
	assert_string_equal(got.busy_owner, "");
	/* Expired: gone for get and take, but still a row until purged. */
	assert_int_equal(m2m_store_es7_prep_get(b, EID1, T0 + 60001, &got), M2M_END);
	assert_int_equal(m2m_store_es7_prep_take(b, EID1, SR1, "w2", T0 + 60001, T0 + 90000),
			 M2M_END);
	/* Another current SM-SR: not taken. */
	assert_int_equal(m2m_store_es7_prep_take(b, EID1, SR3, "w2", T0, T0 + 30000), M2M_END);
	/* Taken by one connection: the other cannot take it, nor replace it. */
	OK(m2m_store_es7_prep_take(a, EID1, SR1, "w1", T0 + 2000, T0 + 30000));
	assert_int_equal(m2m_store_es7_prep_take(b, EID1, SR1, "w2", T0 + 2000, T0 + 30000),
			 M2M_END);
	make_prep(&p, EID1, SR3, T0 + 120000);
	assert_int_equal(m2m_store_es7_prep_put(b, &p, T0 + 3000), M2M_ERR_STATE);
	assert_msg(b, "hand-over");
	/* Busy: who holds it and until when. */
	OK(m2m_store_es7_prep_get(b, EID1, T0 + 20000, &got));
	assert_string_equal(got.busy_owner, "w1");
	assert_int_equal(got.busy_until_ms, T0 + 30000);
	/* The owner restarted: its marks are cleared, the preparation is free again. */
	OK(m2m_store_es7_prep_free(b, "w2", &n));
	assert_int_equal(n, 0);
	OK(m2m_store_es7_prep_free(b, "w1", &n));
	assert_int_equal(n, 1);
	OK(m2m_store_es7_prep_take(b, EID1, SR1, "w2", T0 + 4000, T0 + 30000));
	/* A dead owner's mark lapses at busy_until: another takes it (still valid). */
	OK(m2m_store_es7_prep_take(a, EID1, SR1, "w1", T0 + 30001, T0 + 50000));
	/* Replaced once not busy any more (a new PrepareSMSRChange), busy mark cleared. */
	OK(m2m_store_es7_prep_put(b, &p, T0 + 50001));
	OK(m2m_store_es7_prep_get(a, EID1, T0 + 100000, &got));
	assert_string_equal(got.current_smsr, SR3);
	assert_string_equal(got.busy_owner, "");
	assert_int_equal(got.created_ms, T0 + 50001);
	/* Used up. */
	OK(m2m_store_es7_prep_delete(a, EID1));
	assert_int_equal(m2m_store_es7_prep_delete(a, EID1), M2M_END);
	assert_int_equal(m2m_store_es7_prep_get(b, EID1, T0, &got), M2M_END);
	/* Purge: expired and not busy only. */
	make_prep(&p, EID1, SR1, T0 + 1000);
	OK(m2m_store_es7_prep_put(a, &p, T0));
	make_prep(&p, EID2, SR1, T0 + 1000);
	OK(m2m_store_es7_prep_put(a, &p, T0));
	OK(m2m_store_es7_prep_take(a, EID2, SR1, "w1", T0 + 500, T0 + 9000));
	OK(m2m_store_es7_prep_purge(b, T0 + 2000, &n));
	assert_int_equal(n, 1);
	assert_int_equal(m2m_store_es7_prep_get(b, EID1, T0, &got), M2M_END);
	OK(m2m_store_es7_prep_get(b, EID2, T0 + 2000, &got));
	OK(m2m_store_es7_prep_purge(b, T0 + 9001, &n));
	assert_int_equal(n, 1);
	/* Bad arguments. */
	make_prep(&p, "", SR1, T0);
	assert_int_equal(m2m_store_es7_prep_put(a, &p, T0), M2M_ERR_ARG);
	assert_int_equal(m2m_store_es7_prep_take(a, EID1, SR1, "", T0, T0), M2M_ERR_ARG);
	assert_int_equal(m2m_store_es7_prep_take(a, EID1, SR1, "w1", T0, T0 - 1), M2M_ERR_ARG);
	m2m_store_close(a);
	m2m_store_close(b);
	free(url);
}

/* Many connections race for one preparation: exactly one takes it. */
typedef struct {
	const char *url;
	int idx;
	atomic_int *wins;
} es7_racer;

static void *es7_race(void *arg)
{
	es7_racer *r = arg;
	char err[256], owner[16];
	m2m_store *st = NULL;

	if (m2m_store_open(r->url, NULL, &st, err, sizeof err) != M2M_OK)
		return (void *)1;
	snprintf(owner, sizeof owner, "w%d", r->idx);
	m2m_err rc = m2m_store_es7_prep_take(st, EID1, "1.3.6.1.4.1.99999.2", owner, T0,
					     T0 + 30000);
	if (rc == M2M_OK)
		atomic_fetch_add(r->wins, 1);
	m2m_store_close(st);
	return rc == M2M_OK || rc == M2M_END ? NULL : (void *)1;
}

static void test_es7_prep_race(void **state)
{
	(void)state;
	char *url = fresh_url();
	m2m_store *st = open_ok(url, NULL);
	m2m_store_es7_prep p;
	atomic_int wins = 0;
	es7_racer r[4];
	pthread_t t[4];
	void *res;

	make_prep(&p, EID1, "1.3.6.1.4.1.99999.2", T0 + 60000);
	OK(m2m_store_es7_prep_put(st, &p, T0));
	for (int i = 0; i < 4; i++) {
		r[i] = (es7_racer){url, i, &wins};
		assert_int_equal(pthread_create(&t[i], NULL, es7_race, &r[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], &res);
		assert_null(res);
	}
	assert_int_equal(atomic_load(&wins), 1);
	m2m_store_close(st);
	free(url);
}

static void make_lock(m2m_store_es7_lock *l, const char *eid, const char *owner, int64_t until)
{
	memset(l, 0, sizeof *l);
	snprintf(l->eid, sizeof l->eid, "%s", eid);
	snprintf(l->target, sizeof l->target, "1.3.6.1.4.1.99999.12");
	snprintf(l->caller, sizeof l->caller, "mno1");
	snprintf(l->owner, sizeof l->owner, "%s", owner);
	l->until_ms = until;
}

/* The lock of an eUICC being handed over: one holder across connections, void after its
 * deadline (then another may take it), released only by its owner. */
static void test_es7_lock(void **state)
{
	(void)state;
	char *url = fresh_url();
	m2m_store *a = open_ok(url, NULL), *b = open_ok(url, NULL);
	m2m_store_es7_lock l, got;

	assert_int_equal(m2m_store_es7_lock_get(a, EID1, T0, &got), M2M_END);
	make_lock(&l, EID1, "w1", T0 + 360000);
	OK(m2m_store_es7_lock_take(a, &l, T0));
	OK(m2m_store_es7_lock_get(b, EID1, T0 + 1000, &got));
	assert_string_equal(got.eid, EID1);
	assert_string_equal(got.target, "1.3.6.1.4.1.99999.12");
	assert_string_equal(got.caller, "mno1");
	assert_string_equal(got.owner, "w1");
	assert_int_equal(got.until_ms, T0 + 360000);
	assert_int_equal(got.created_ms, T0);
	assert_int_equal(m2m_store_es7_lock_get(b, EID2, T0, &got), M2M_END);
	/* Held: the other connection cannot take it, nor release it. */
	make_lock(&l, EID1, "w2", T0 + 400000);
	assert_int_equal(m2m_store_es7_lock_take(b, &l, T0 + 1000), M2M_ERR_STATE);
	assert_msg(b, "locked");
	assert_int_equal(m2m_store_es7_lock_release(b, EID1, "w2"), M2M_END);
	/* The deadline passed: void, and another may take it. */
	assert_int_equal(m2m_store_es7_lock_get(b, EID1, T0 + 360001, &got), M2M_END);
	OK(m2m_store_es7_lock_take(b, &l, T0 + 360001));
	OK(m2m_store_es7_lock_get(a, EID1, T0 + 360002, &got));
	assert_string_equal(got.owner, "w2");
	/* The first owner's late release leaves the new lock alone. */
	assert_int_equal(m2m_store_es7_lock_release(a, EID1, "w1"), M2M_END);
	OK(m2m_store_es7_lock_release(b, EID1, "w2"));
	assert_int_equal(m2m_store_es7_lock_get(a, EID1, T0 + 360002, &got), M2M_END);
	/* Free again at once. */
	make_lock(&l, EID1, "w1", T0 + 400000);
	OK(m2m_store_es7_lock_take(a, &l, T0 + 360003));
	/* Bad arguments: no owner, a deadline already passed. */
	make_lock(&l, EID2, "", T0 + 1000);
	assert_int_equal(m2m_store_es7_lock_take(a, &l, T0), M2M_ERR_ARG);
	make_lock(&l, EID2, "w1", T0 - 1);
	assert_int_equal(m2m_store_es7_lock_take(a, &l, T0), M2M_ERR_ARG);
	m2m_store_close(a);
	m2m_store_close(b);
	free(url);
}

#define STORE_SUITE_TESTS                                                                   \
	cmocka_unit_test(test_open_migrate), cmocka_unit_test(test_open_concurrent),           \
		cmocka_unit_test(test_migrate_from_v1),                                        \
		cmocka_unit_test(test_settings), cmocka_unit_test(test_eis),                   \
		cmocka_unit_test(test_profiles), cmocka_unit_test(test_keysets_encrypted),     \
		cmocka_unit_test(test_rekey), cmocka_unit_test(test_counters),                 \
		cmocka_unit_test(test_counters_concurrent), cmocka_unit_test(test_jobs_order), \
		cmocka_unit_test(test_jobs_lease_expiry),                                      \
		cmocka_unit_test(test_jobs_concurrent_claims),                                 \
		cmocka_unit_test(test_jobs_head_race),                                         \
		cmocka_unit_test(test_jobs_head_handover), cmocka_unit_test(test_calls),       \
		cmocka_unit_test(test_calls_done_among),                                       \
		cmocka_unit_test(test_audit), cmocka_unit_test(test_notifications),            \
		cmocka_unit_test(test_transactions), cmocka_unit_test(test_es7_prep),          \
		cmocka_unit_test(test_es7_prep_race), cmocka_unit_test(test_es7_lock)

#endif
