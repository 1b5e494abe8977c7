/*
 * The SM-SR outbox (store_outbox.c) and the forward-only notification state, run once per back
 * end: test_store_queues.c (SQLite) and test_store_queues_pg.c include it after cmocka.h and
 * define fresh_url() (a URL to a new, empty database).
 */
#ifndef M2M_TESTS_STORE_OUTBOX_SUITE_H
#define M2M_TESTS_STORE_OUTBOX_SUITE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

static char *fresh_url(void);

#define OK(x) assert_int_equal((x), M2M_OK)

static const char OB_EID1[] = "89049032123451234512345678901235";
static const char OB_EID2[] = "89049032123451234512345678901236";
static const char OB_MNO[] = "1.3.6.1.4.1.99999.1";
static const char OB_SMDP[] = "1.3.6.1.4.1.99999.3";
static const int64_t OB_T0 = INT64_C(1767225600000); /* 2026-01-01T00:00:00Z */

static m2m_store *ob_open(const char *url)
{
	char err[512] = "";
	m2m_store *st = NULL;

	if (m2m_store_open(url, NULL, &st, err, sizeof err) != M2M_OK)
		print_message("open %s: %s\n", url, err);
	assert_non_null(st);
	return st;
}

static int64_t ob_add(m2m_store *st, const char *eid, int64_t seq, const char *fn,
		      const char *peer, const char *iccid, int64_t now)
{
	m2m_store_outbox ob;
	int64_t id = 0;

	memset(&ob, 0, sizeof ob);
	snprintf(ob.eid, sizeof ob.eid, "%s", eid);
	ob.seq = seq;
	snprintf(ob.fn, sizeof ob.fn, "%s", fn);
	snprintf(ob.peer, sizeof ob.peer, "%s", peer);
	snprintf(ob.iccid, sizeof ob.iccid, "%s", iccid);
	snprintf(ob.mno_id, sizeof ob.mno_id, "%s", OB_MNO);
	ob.event_ms = now - 5;
	OK(m2m_store_outbox_add(st, &ob, now, &id));
	assert_true(id > 0);
	return id;
}

/* The ids due at now, in order, into ids (up to 8); returns how many. */
static size_t ob_due(m2m_store *st, int64_t now, int64_t *ids)
{
	m2m_store_outbox *due = NULL;
	size_t n = 0;

	OK(m2m_store_outbox_due(st, now, 8, &due, &n));
	for (size_t i = 0; i < n && i < 8; i++)
		ids[i] = due[i].id;
	free(due);
	return n;
}

/* A row as queued, then due; taken for an attempt once; retried, delivered; the record
 * keeps what the worker needs to build the call again after a restart. */
static void test_outbox_life(void **state)
{
	(void)state;
	char *url = fresh_url();
	m2m_store *st = ob_open(url);
	m2m_store_outbox *list = NULL;
	int64_t ids[8], next = 0;
	size_t n = 0;

	assert_int_equal(m2m_store_outbox_next(st, &next), M2M_END);
	int64_t a = ob_add(st, OB_EID1, 7, "ES4-HandleProfileEnabledNotification", OB_MNO,
			   "8988199000000000011", OB_T0);
	OK(m2m_store_outbox_list(st, OB_EID1, 0, 10, &list, &n));
	assert_int_equal(n, 1);
	assert_int_equal(list[0].id, a);
	assert_int_equal(list[0].seq, 7);
	assert_string_equal(list[0].fn, "ES4-HandleProfileEnabledNotification");
	assert_string_equal(list[0].peer, OB_MNO);
	assert_string_equal(list[0].iccid, "8988199000000000011");
	assert_string_equal(list[0].mno_id, OB_MNO);
	assert_int_equal(list[0].event_ms, OB_T0 - 5);
	assert_int_equal(list[0].state, M2M_STORE_OUTBOX_PENDING);
	assert_int_equal(list[0].attempts, 0);
	assert_int_equal(list[0].created_ms, OB_T0);
	free(list);
	OK(m2m_store_outbox_next(st, &next));
	assert_int_equal(next, OB_T0);
	assert_int_equal(ob_due(st, OB_T0 - 1, ids), 0);
	assert_int_equal(ob_due(st, OB_T0, ids), 1);
	/* Taken for one attempt: not due again before the lease ends, not taken twice. */
	OK(m2m_store_outbox_claim(st, a, OB_T0 + 10, OB_T0 + 60000));
	assert_int_equal(m2m_store_outbox_claim(st, a, OB_T0 + 10, OB_T0 + 60000), M2M_END);
	assert_int_equal(ob_due(st, OB_T0 + 59999, ids), 0);
	/* Refused: due at the retry time, the reason kept. */
	OK(m2m_store_outbox_retry(st, a, OB_T0 + 2000, OB_T0 + 20, "HTTP 503"));
	OK(m2m_store_outbox_next(st, &next));
	assert_int_equal(next, OB_T0 + 2000);
	assert_int_equal(ob_due(st, OB_T0 + 1999, ids), 0);
	assert_int_equal(ob_due(st, OB_T0 + 2000, ids), 1);
	OK(m2m_store_outbox_claim(st, a, OB_T0 + 2000, OB_T0 + 62000));
	OK(m2m_store_outbox_finish(st, a, M2M_STORE_OUTBOX_DELIVERED, OB_T0 + 2100, NULL));
	assert_int_equal(m2m_store_outbox_finish(st, a, M2M_STORE_OUTBOX_ABANDONED, OB_T0 + 2200,
						 "late"),
			 M2M_END);
	assert_int_equal(m2m_store_outbox_retry(st, a, OB_T0, OB_T0, "x"), M2M_END);
	OK(m2m_store_outbox_list(st, OB_EID1, 0, 10, &list, &n));
	assert_int_equal(n, 1);
	assert_int_equal(list[0].state, M2M_STORE_OUTBOX_DELIVERED);
	assert_int_equal(list[0].attempts, 2);
	assert_string_equal(list[0].detail, "HTTP 503");
	assert_int_equal(list[0].updated_ms, OB_T0 + 2100);
	free(list);
	assert_int_equal(ob_due(st, OB_T0 + 100000, ids), 0);
	assert_int_equal(m2m_store_outbox_next(st, &next), M2M_END);
	m2m_store_close(st);
	free(url);
}

/* Order per eUICC and peer: a later row waits for the older pending one of the same pair;
 * other pairs (the SM-DP's copy, another eUICC) do not. */
static void test_outbox_order(void **state)
{
	(void)state;
	char *url = fresh_url();
	m2m_store *st = ob_open(url);
	int64_t ids[8], next = 0;

	int64_t en = ob_add(st, OB_EID1, 3, "ES4-HandleProfileEnabledNotification", OB_MNO,
			    "8988199000000000011", OB_T0);
	int64_t dis = ob_add(st, OB_EID1, 3, "ES4-HandleProfileDisabledNotification", OB_MNO,
			     "8988199000000000010", OB_T0);
	int64_t es3 = ob_add(st, OB_EID1, 3, "ES3-HandleProfileEnabledNotification", OB_SMDP,
			     "8988199000000000011", OB_T0);
	int64_t other = ob_add(st, OB_EID2, -1, "ES4-HandleProfileDeletedNotification", OB_MNO,
			       "8988199000000000021", OB_T0);
	assert_int_equal(ob_due(st, OB_T0, ids), 3);
	assert_int_equal(ids[0], en);
	assert_int_equal(ids[1], es3);
	assert_int_equal(ids[2], other);
	/* The Enabled one refused: the Disabled one still waits behind it. */
	OK(m2m_store_outbox_claim(st, en, OB_T0, OB_T0 + 60000));
	OK(m2m_store_outbox_retry(st, en, OB_T0 + 5000, OB_T0 + 1, "refused"));
	assert_int_equal(ob_due(st, OB_T0 + 10, ids), 2);
	assert_int_equal(ids[0], es3);
	assert_int_equal(ids[1], other);
	/* The earliest head row sets the wake-up, not the waiting one. */
	OK(m2m_store_outbox_claim(st, es3, OB_T0 + 10, OB_T0 + 60000));
	OK(m2m_store_outbox_finish(st, es3, M2M_STORE_OUTBOX_DELIVERED, OB_T0 + 11, NULL));
	OK(m2m_store_outbox_claim(st, other, OB_T0 + 10, OB_T0 + 60000));
	OK(m2m_store_outbox_finish(st, other, M2M_STORE_OUTBOX_ABANDONED, OB_T0 + 11, "gone"));
	OK(m2m_store_outbox_next(st, &next));
	assert_int_equal(next, OB_T0 + 5000);
	/* Delivered at last: the next one of the pair becomes due. */
	OK(m2m_store_outbox_claim(st, en, OB_T0 + 5000, OB_T0 + 65000));
	OK(m2m_store_outbox_finish(st, en, M2M_STORE_OUTBOX_DELIVERED, OB_T0 + 5001, NULL));
	assert_int_equal(ob_due(st, OB_T0 + 5001, ids), 1);
	assert_int_equal(ids[0], dis);
	m2m_store_close(st);
	free(url);
}

/* Two handles (two processes of one database): a row is taken by one of them only. */
static void test_outbox_claim_once(void **state)
{
	(void)state;
	char *url = fresh_url();
	m2m_store *a = ob_open(url), *b = ob_open(url);
	int64_t ids[8];

	int64_t id = ob_add(a, OB_EID1, -1, "ES4-HandleProfileDeletedNotification", OB_MNO,
			    "8988199000000000011", OB_T0);
	assert_int_equal(ob_due(b, OB_T0, ids), 1);
	OK(m2m_store_outbox_claim(a, id, OB_T0 + 1, OB_T0 + 60000));
	assert_int_equal(m2m_store_outbox_claim(b, id, OB_T0 + 1, OB_T0 + 60000), M2M_END);
	/* The taker died mid-send: after its lease the row is due again. */
	assert_int_equal(ob_due(b, OB_T0 + 59999, ids), 0);
	assert_int_equal(ob_due(b, OB_T0 + 60000, ids), 1);
	OK(m2m_store_outbox_claim(b, id, OB_T0 + 60000, OB_T0 + 120000));
	m2m_store_close(a);
	m2m_store_close(b);
	free(url);
}

/* The retention purge takes delivered and abandoned rows only, by their last update. */
static void test_outbox_purge(void **state)
{
	(void)state;
	char *url = fresh_url();
	m2m_store *st = ob_open(url);
	m2m_store_outbox *list = NULL;
	int64_t deleted = -1;
	size_t n = 0;

	int64_t done = ob_add(st, OB_EID1, -1, "ES4-HandleProfileDeletedNotification", OB_MNO,
			      "8988199000000000011", OB_T0);
	int64_t given_up = ob_add(st, OB_EID1, -1, "ES3-HandleProfileDeletedNotification",
				  OB_SMDP, "8988199000000000011", OB_T0);
	int64_t pending = ob_add(st, OB_EID2, -1, "ES4-HandleProfileDeletedNotification",
				 OB_MNO, "8988199000000000021", OB_T0);
	OK(m2m_store_outbox_finish(st, done, M2M_STORE_OUTBOX_DELIVERED, OB_T0 + 10, NULL));
	OK(m2m_store_outbox_finish(st, given_up, M2M_STORE_OUTBOX_ABANDONED, OB_T0 + 20,
				   "HTTP 500"));
	OK(m2m_store_outbox_purge(st, OB_T0 + 15, &deleted));
	assert_int_equal(deleted, 1);
	OK(m2m_store_outbox_purge(st, OB_T0 + 1000000, &deleted));
	assert_int_equal(deleted, 1);
	OK(m2m_store_outbox_list(st, OB_EID1, 0, 10, &list, &n));
	assert_int_equal(n, 0);
	free(list);
	OK(m2m_store_outbox_list(st, OB_EID2, 0, 10, &list, &n));
	assert_int_equal(n, 1);
	assert_int_equal(list[0].id, pending);
	free(list);
	m2m_store_close(st);
	free(url);
}

static void ob_notif(m2m_store *st, int64_t seq)
{
	m2m_store_notif nt;
	bool is_new = false;

	memset(&nt, 0, sizeof nt);
	snprintf(nt.eid, sizeof nt.eid, "%s", OB_EID1);
	nt.seq = seq;
	nt.type = 0x02;
	nt.state = M2M_STORE_NOTIF_RECEIVED;
	nt.received_ms = OB_T0;
	OK(m2m_store_notif_add(st, &nt, &is_new));
	assert_true(is_new);
}

static m2m_store_notif_state ob_notif_state(m2m_store *st, int64_t seq)
{
	m2m_store_notif nt;
	m2m_store_notif_state s;

	memset(&nt, 0, sizeof nt);
	OK(m2m_store_notif_get(st, OB_EID1, seq, &nt));
	s = nt.state;
	m2m_store_notif_clear(&nt);
	return s;
}

/* The confirmation and the delivery mark, in either order, end `forwarded`: the state only
 * moves forward, in one conditional UPDATE (the PostgreSQL race of read-then-write). */
static void test_notif_advance(void **state)
{
	(void)state;
	char *url = fresh_url();
	m2m_store *a = ob_open(url), *b = ob_open(url);

	ob_notif(a, 1);
	ob_notif(a, 2);
	/* Delivered first, confirmed after: the confirmation changes nothing. */
	OK(m2m_store_notif_advance(b, OB_EID1, 1, M2M_STORE_NOTIF_FORWARDED, OB_T0 + 1));
	assert_int_equal(m2m_store_notif_advance(a, OB_EID1, 1, M2M_STORE_NOTIF_CONFIRMED,
						 OB_T0 + 2),
			 M2M_END);
	assert_int_equal(ob_notif_state(a, 1), M2M_STORE_NOTIF_FORWARDED);
	/* Confirmed first, delivered after. */
	OK(m2m_store_notif_advance(a, OB_EID1, 2, M2M_STORE_NOTIF_CONFIRMED, OB_T0 + 1));
	assert_int_equal(ob_notif_state(b, 2), M2M_STORE_NOTIF_CONFIRMED);
	OK(m2m_store_notif_advance(b, OB_EID1, 2, M2M_STORE_NOTIF_FORWARDED, OB_T0 + 2));
	assert_int_equal(ob_notif_state(a, 2), M2M_STORE_NOTIF_FORWARDED);
	assert_int_equal(m2m_store_notif_advance(b, OB_EID1, 2, M2M_STORE_NOTIF_FORWARDED,
						 OB_T0 + 3),
			 M2M_END);
	/* No such notification; no way back to received. */
	assert_int_equal(m2m_store_notif_advance(a, OB_EID1, 9, M2M_STORE_NOTIF_CONFIRMED,
						 OB_T0),
			 M2M_END);
	assert_int_equal(m2m_store_notif_advance(a, OB_EID1, 1, M2M_STORE_NOTIF_RECEIVED,
						 OB_T0),
			 M2M_ERR_ARG);
	m2m_store_close(a);
	m2m_store_close(b);
	free(url);
}

#define OUTBOX_SUITE_TESTS                                                                  \
	cmocka_unit_test(test_outbox_life), cmocka_unit_test(test_outbox_order),             \
		cmocka_unit_test(test_outbox_claim_once), cmocka_unit_test(test_outbox_purge), \
		cmocka_unit_test(test_notif_advance)

#endif
