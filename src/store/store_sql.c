/* The statements, one text for both back ends where the dialects agree (store_sql.h). */
#include <stddef.h>

#include "store/store_sql.h"

#define EIS_COLS                                                                            \
	"eid, eum_id, production_date, platform_type, platform_version, isdp_loadfile_aid, "  \
	"isdp_module_aid, isdr_aid, smsr_id, msisdn, caps, secure_packet_version, "          \
	"rsp_version, remaining_memory, available_memory, registered_ms, last_audit_ms, "    \
	"updated_ms, ecasd_cert, doc"
#define PROFILE_COLS                                                                        \
	"eid, isdp_aid, iccid, mno_id, smdp_id, profile_type, state, fallback, emergency, "   \
	"pol2, msisdn, imsi, allocated_memory, free_memory, updated_ms, conn_params"
#define KEYSET_COLS "eid, kvn, type, kic_alg, kid_alg, psk_id, keys_enc, counter, updated_ms"
#define JOB_COLS                                                                            \
	"id, eid, kind, call_id, state, attempts, next_attempt_ms, deadline_ms, lease_owner, " \
	"lease_until_ms, created_ms, updated_ms, payload, result, detail"
#define KEYSET_REPLACE                                                                      \
	"type = excluded.type, kic_alg = excluded.kic_alg, kid_alg = excluded.kid_alg, "       \
	"psk_id = excluded.psk_id, keys_enc = excluded.keys_enc, updated_ms = excluded.updated_ms, "
#define CALL_COLS "caller, call_id, req_hash, created_ms, done_ms, response"
#define CALL_KEY(a, b) "(caller = ?" #a " AND call_id = ?" #b ")"
#define AUDIT_COLS "id, time_ms, actor, func, eid, iccid, outcome, detail"
#define NOTIF_COLS "eid, seq, ntype, aid, iccid, state, received_ms, updated_ms, data"
#define SMDP_PROFILE_COLS                                                                   \
	"iccid, type, state, eid, imsi, isdp_aid, updated_ms, perso, keys_enc, dl_owner, "     \
	"dl_smsr, dl_caller, dl_call_id"
#define ES7_PREP_COLS                                                                       \
	"eid, current_smsr, requester, until_ms, busy_owner, busy_until_ms, created_ms"
#define ES7_LOCK_COLS "eid, target, caller, owner, until_ms, created_ms"
#define OUTBOX_COLS                                                                         \
	"o.id, o.eid, o.seq, o.fn, o.peer, o.iccid, o.mno_id, o.event_ms, o.state, o.attempts, " \
	"o.next_attempt_ms, o.created_ms, o.updated_ms, o.detail"
#define OUTBOX_HEAD                                                                         \
	"NOT EXISTS (SELECT 1 FROM smsr_outbox p WHERE p.state = 'pending' AND p.eid = o.eid " \
	"AND p.peer = o.peer AND p.id < o.id)"
/* SM-DP allocation: one UPDATE whose WHERE re-checks 'available', so a profile is handed out
 * once whatever the concurrency (PostgreSQL: SKIP LOCKED lets racing allocators take
 * different rows instead of queueing on the same one). */
#define SMDP_ALLOC_SET                                                                      \
	"UPDATE smdp_profile SET state = 'allocated', eid = ?2, updated_ms = ?3, isdp_aid = NULL, " \
	"dl_owner = ?4, dl_smsr = ?5, dl_caller = ?6, dl_call_id = ?7 "
#define SMDP_ALLOC_PICK                                                                     \
	"SELECT iccid FROM smdp_profile WHERE type = ?1 AND state = 'available' "             \
	"ORDER BY iccid LIMIT 1"

/*
 * Jobs: only the head of an eUICC (its oldest unfinished job, head = 1) can be claimed, and
 * ready_ms says from when (the next attempt, or the end of the current lease). A claim is
 * then one ordered scan of the (ready_ms, id) index of open heads that stops after ?4 rows,
 * whatever the length of the queue. The head moves when a job finishes (M2M_Q_JOB_PROMOTE).
 */
#define JOB_OPEN "state IN ('queued', 'sent')"
#define JOB_CLAIMABLE                                                                       \
	"j.head = 1 AND j." JOB_OPEN " AND j.ready_ms <= ?3 AND j.next_attempt_ms <= ?3 "      \
	"AND (j.lease_until_ms IS NULL OR j.lease_until_ms <= ?3)"
#define JOB_NO_OPEN_JOB "NOT EXISTS (SELECT 1 FROM job o WHERE o.eid = ?1 AND o." JOB_OPEN ")"
#define JOB_LEASE_TO "lease_owner = ?1, lease_until_ms = ?2, ready_ms = ?2, updated_ms = ?3 "
/* The caller still holds the job's lease. */
#define JOB_LEASED                                                                          \
	" WHERE id = ?1 AND lease_owner = ?2 AND lease_until_ms IS NOT NULL AND " JOB_OPEN

static const struct {
	const char *sql;
	const char *pg; /* NULL: same as sql */
} queries[M2M_Q__COUNT] = {
	[M2M_Q_SCHEMA_VERSION] = {"SELECT COALESCE(MAX(version), 0) FROM schema_version", NULL},
	[M2M_Q_SCHEMA_ADD] = {"INSERT INTO schema_version (version, applied_ms) VALUES (?1, ?2)",
			      NULL},

	[M2M_Q_SETTING_GET] = {"SELECT value FROM setting WHERE name = ?1", NULL},
	[M2M_Q_SETTING_PUT] = {"INSERT INTO setting (name, value) VALUES (?1, ?2) "
			       "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
			       NULL},
	[M2M_Q_SETTING_ADD] = {"INSERT INTO setting (name, value) VALUES (?1, ?2) "
			       "ON CONFLICT (name) DO NOTHING",
			       NULL},
	[M2M_Q_SETTING_DELETE] = {"DELETE FROM setting WHERE name = ?1", NULL},

	[M2M_Q_EIS_INSERT] = {
		"INSERT INTO eis (" EIS_COLS ", rev) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
		"?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, 1)",
		NULL},
	[M2M_Q_EIS_UPDATE] = {
		"UPDATE eis SET eum_id = ?2, production_date = ?3, platform_type = ?4, "
		"platform_version = ?5, isdp_loadfile_aid = ?6, isdp_module_aid = ?7, "
		"isdr_aid = ?8, smsr_id = ?9, msisdn = ?10, caps = ?11, "
		"secure_packet_version = ?12, rsp_version = ?13, remaining_memory = ?14, "
		"available_memory = ?15, registered_ms = COALESCE(?16, registered_ms), "
		"last_audit_ms = ?17, updated_ms = ?18, ecasd_cert = ?19, doc = ?20, rev = rev + 1 "
		"WHERE eid = ?1 AND rev = COALESCE(CAST(?21 AS BIGINT), rev) RETURNING rev",
		NULL},
	[M2M_Q_EIS_REV] = {"SELECT rev FROM eis WHERE eid = ?1", NULL},
	[M2M_Q_EIS_GET] = {"SELECT " EIS_COLS ", rev FROM eis WHERE eid = ?1", NULL},
	[M2M_Q_EIS_BY_MSISDN] = {"SELECT " EIS_COLS ", rev FROM eis WHERE msisdn = ?1 "
				 "ORDER BY eid LIMIT 2",
				 NULL},
	[M2M_Q_EIS_DELETE] = {"DELETE FROM eis WHERE eid = ?1", NULL},
	[M2M_Q_EIS_LIST] = {"SELECT " EIS_COLS ", rev FROM eis WHERE eid > ?1 ORDER BY eid LIMIT ?2",
			    NULL},
	[M2M_Q_EIS_COUNT] = {"SELECT COUNT(*) FROM eis", NULL},

	[M2M_Q_PROFILE_PUT] = {
		"INSERT INTO profile (" PROFILE_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
		"?10, ?11, ?12, ?13, ?14, ?15, ?16) ON CONFLICT (eid, isdp_aid) DO UPDATE SET "
		"iccid = excluded.iccid, mno_id = excluded.mno_id, smdp_id = excluded.smdp_id, "
		"profile_type = excluded.profile_type, state = excluded.state, "
		"fallback = excluded.fallback, emergency = excluded.emergency, "
		"pol2 = excluded.pol2, msisdn = excluded.msisdn, imsi = excluded.imsi, "
		"allocated_memory = excluded.allocated_memory, free_memory = excluded.free_memory, "
		"updated_ms = excluded.updated_ms, conn_params = excluded.conn_params",
		NULL},
	[M2M_Q_PROFILE_GET] = {
		"SELECT " PROFILE_COLS " FROM profile WHERE eid = ?1 AND isdp_aid = ?2", NULL},
	[M2M_Q_PROFILE_BY_ICCID] = {"SELECT " PROFILE_COLS " FROM profile WHERE iccid = ?1", NULL},
	[M2M_Q_PROFILE_LIST] = {"SELECT " PROFILE_COLS " FROM profile WHERE eid = ?1 "
				"ORDER BY isdp_aid",
				NULL},
	[M2M_Q_PROFILE_STATE] = {"UPDATE profile SET state = ?3, updated_ms = ?4 "
				 "WHERE eid = ?1 AND isdp_aid = ?2",
				 NULL},
	[M2M_Q_PROFILE_DELETE] = {"DELETE FROM profile WHERE eid = ?1 AND isdp_aid = ?2", NULL},

	/* A replace never lowers the counter: a stale copy must not bring used values back. */
	[M2M_Q_KEYSET_PUT] = {
		"INSERT INTO keyset (" KEYSET_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
		"ON CONFLICT (eid, kvn) DO UPDATE SET " KEYSET_REPLACE
		"counter = MAX(keyset.counter, excluded.counter)",
		"INSERT INTO keyset (" KEYSET_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
		"ON CONFLICT (eid, kvn) DO UPDATE SET " KEYSET_REPLACE
		"counter = GREATEST(keyset.counter, excluded.counter)"},
	[M2M_Q_KEYSET_GET] = {
		"SELECT " KEYSET_COLS " FROM keyset WHERE eid = ?1 AND kvn = ?2", NULL},
	[M2M_Q_KEYSET_BY_PSK_ID] = {"SELECT " KEYSET_COLS " FROM keyset WHERE psk_id = ?1", NULL},
	[M2M_Q_KEYSET_LIST] = {"SELECT kvn FROM keyset WHERE eid = ?1 ORDER BY kvn", NULL},
	[M2M_Q_KEYSET_DELETE] = {"DELETE FROM keyset WHERE eid = ?1 AND kvn = ?2", NULL},
	/* ?4 = the highest counter from which ?3 more still fit in 5 bytes. */
	[M2M_Q_KEYSET_RESERVE] = {"UPDATE keyset SET counter = counter + ?3 "
				  "WHERE eid = ?1 AND kvn = ?2 AND counter <= ?4 RETURNING counter",
				  NULL},
	[M2M_Q_KEYSET_RAISE] = {"UPDATE keyset SET counter = MAX(counter, ?3) "
				"WHERE eid = ?1 AND kvn = ?2 RETURNING counter",
				"UPDATE keyset SET counter = GREATEST(counter, ?3) "
				"WHERE eid = ?1 AND kvn = ?2 RETURNING counter"},
	[M2M_Q_KEYSET_COUNTER] = {"SELECT counter FROM keyset WHERE eid = ?1 AND kvn = ?2", NULL},
	[M2M_Q_KEYSET_PAGE] = {"SELECT eid, kvn, type, keys_enc FROM keyset "
			       "WHERE eid > ?1 OR (eid = ?1 AND kvn > ?2) ORDER BY eid, kvn LIMIT ?3",
			       NULL},
	[M2M_Q_KEYSET_SEALED] = {"UPDATE keyset SET keys_enc = ?3 WHERE eid = ?1 AND kvn = ?2",
				 NULL},

	/* PostgreSQL: a transaction-scoped lock per EID, taken in a statement of its own so that
	 * the next statement's snapshot sees what the previous holder committed. It makes the
	 * head check of an insert and the promotion after a finish exclusive per eUICC, and
	 * identity values of one eUICC's jobs follow commit order. SQLite has one writer. */
	[M2M_Q_JOB_LOCK_EID] = {
		"SELECT ?1", "SELECT pg_advisory_xact_lock(hashtextextended(?1, 0))"},
	[M2M_Q_JOB_ADD] = {"INSERT INTO job (eid, kind, call_id, state, attempts, next_attempt_ms, "
			   "deadline_ms, created_ms, updated_ms, payload, head, ready_ms) "
			   "VALUES (?1, ?2, ?3, 'queued', 0, ?4, ?5, ?6, ?6, ?7, "
			   "CASE WHEN " JOB_NO_OPEN_JOB " THEN 1 ELSE 0 END, ?4) RETURNING id",
			   NULL},
	[M2M_Q_JOB_PROMOTE] = {"UPDATE job SET head = 1 WHERE id = (SELECT MIN(o.id) FROM job o "
			       "WHERE o.eid = ?1 AND o." JOB_OPEN ")",
			       NULL},
	[M2M_Q_JOB_GET] = {"SELECT " JOB_COLS " FROM job WHERE id = ?1", NULL},
	/* ?1 worker, ?2 lease end, ?3 now, ?4 how many. */
	[M2M_Q_JOB_CLAIM] = {
		"UPDATE job SET " JOB_LEASE_TO
		"WHERE id IN (SELECT j.id FROM job j WHERE " JOB_CLAIMABLE
		" ORDER BY j.ready_ms, j.id LIMIT ?4) RETURNING " JOB_COLS,
		"WITH c AS (SELECT j.id AS cid FROM job j WHERE " JOB_CLAIMABLE
		" ORDER BY j.ready_ms, j.id LIMIT ?4 FOR UPDATE OF j SKIP LOCKED) "
		"UPDATE job SET " JOB_LEASE_TO
		"FROM c WHERE job.id = c.cid RETURNING " JOB_COLS},
	/* The same for the head of eUICC ?4 only (the job_open_eid index). */
	[M2M_Q_JOB_CLAIM_EID] = {
		"UPDATE job SET " JOB_LEASE_TO
		"WHERE id IN (SELECT j.id FROM job j WHERE j.eid = ?4 AND " JOB_CLAIMABLE
		" LIMIT 1) RETURNING " JOB_COLS,
		"WITH c AS (SELECT j.id AS cid FROM job j WHERE j.eid = ?4 AND " JOB_CLAIMABLE
		" LIMIT 1 FOR UPDATE OF j SKIP LOCKED) "
		"UPDATE job SET " JOB_LEASE_TO
		"FROM c WHERE job.id = c.cid RETURNING " JOB_COLS},
	[M2M_Q_JOB_RENEW] = {"UPDATE job SET lease_until_ms = ?3, ready_ms = ?3" JOB_LEASED, NULL},
	[M2M_Q_JOB_SENT] = {"UPDATE job SET state = 'sent', attempts = attempts + 1, "
			    "lease_until_ms = ?3, ready_ms = ?3, updated_ms = ?4" JOB_LEASED,
			    NULL},
	[M2M_Q_JOB_RETRY] = {"UPDATE job SET state = 'queued', next_attempt_ms = ?3, ready_ms = ?3, "
			     "lease_until_ms = NULL, detail = ?4, updated_ms = ?5" JOB_LEASED,
			     NULL},
	[M2M_Q_JOB_FINISH] = {"UPDATE job SET state = ?3, result = ?4, detail = ?5, "
			      "lease_until_ms = NULL, updated_ms = ?6" JOB_LEASED " RETURNING eid",
			      NULL},
	[M2M_Q_JOB_RELEASE] = {"UPDATE job SET lease_until_ms = NULL, ready_ms = next_attempt_ms"
			       JOB_LEASED,
			       NULL},
	[M2M_Q_JOB_LIST] = {"SELECT " JOB_COLS " FROM job WHERE eid = ?1 ORDER BY id", NULL},
	[M2M_Q_JOB_COUNT] = {"SELECT COUNT(*) FROM job WHERE state = ?1", NULL},
	[M2M_Q_JOB_PURGE] = {"DELETE FROM job WHERE state IN ('answered', 'failed', 'expired') "
			     "AND updated_ms < ?1",
			     NULL},
	[M2M_Q_JOB_SET_PAYLOAD] = {"UPDATE job SET payload = ?2 WHERE id = ?1", NULL},
	[M2M_Q_JOB_MAKE_HEAD] = {"UPDATE job SET head = 1 WHERE id = ?1 AND state = 'queued'", NULL},

	[M2M_Q_CALL_INSERT] = {"INSERT INTO fcall (caller, call_id, req_hash, created_ms) "
			       "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (caller, call_id) DO NOTHING",
			       NULL},
	[M2M_Q_CALL_GET] = {"SELECT " CALL_COLS " FROM fcall WHERE caller = ?1 AND call_id = ?2",
			    NULL},
	[M2M_Q_CALL_FINISH] = {"UPDATE fcall SET response = ?3, done_ms = ?4 "
			       "WHERE caller = ?1 AND call_id = ?2 AND done_ms IS NULL",
			       NULL},
	[M2M_Q_CALL_PURGE] = {"DELETE FROM fcall WHERE done_ms IS NOT NULL AND done_ms < ?1",
			      NULL},
	/* Which of M2M_STORE_CALL_BATCH (caller, call_id) keys are finished: primary-key look-ups. */
	[M2M_Q_CALL_DONE_AMONG] = {
		"SELECT " CALL_COLS " FROM fcall WHERE done_ms IS NOT NULL AND ("
		CALL_KEY(1, 2) " OR " CALL_KEY(3, 4) " OR " CALL_KEY(5, 6) " OR " CALL_KEY(7, 8)
		" OR " CALL_KEY(9, 10) " OR " CALL_KEY(11, 12) " OR " CALL_KEY(13, 14) " OR "
		CALL_KEY(15, 16) ")",
		NULL},

	[M2M_Q_AUDIT_ADD] = {"INSERT INTO audit (time_ms, actor, func, eid, iccid, outcome, detail) "
			     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
			     NULL},
	[M2M_Q_AUDIT_LIST_EID] = {"SELECT " AUDIT_COLS " FROM audit WHERE eid = ?1 AND id > ?2 "
				  "ORDER BY id LIMIT ?3",
				  NULL},
	[M2M_Q_AUDIT_LIST] = {"SELECT " AUDIT_COLS " FROM audit WHERE id > ?1 ORDER BY id LIMIT ?2",
			      NULL},

	[M2M_Q_NOTIF_ADD] = {"INSERT INTO notification (" NOTIF_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, "
			     "?6, ?7, ?8, ?9) ON CONFLICT (eid, seq) DO NOTHING",
			     NULL},
	[M2M_Q_NOTIF_GET] = {"SELECT " NOTIF_COLS " FROM notification WHERE eid = ?1 AND seq = ?2",
			     NULL},
	[M2M_Q_NOTIF_STATE] = {"UPDATE notification SET state = ?3, updated_ms = ?4 "
			       "WHERE eid = ?1 AND seq = ?2",
			       NULL},
	[M2M_Q_NOTIF_LIST] = {"SELECT " NOTIF_COLS " FROM notification WHERE state = ?1 "
			      "ORDER BY received_ms, eid, seq LIMIT ?2",
			      NULL},

	[M2M_Q_SMDP_TYPE_PUT] = {
		"INSERT INTO smdp_profile_type (name, mno_id, package, memory, updated_ms) "
		"VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (name) DO UPDATE SET "
		"package = excluded.package, memory = excluded.memory, "
		"updated_ms = excluded.updated_ms WHERE smdp_profile_type.mno_id = excluded.mno_id",
		NULL},
	[M2M_Q_SMDP_TYPE_GET] = {"SELECT name, mno_id, package, memory FROM smdp_profile_type "
				 "WHERE name = ?1",
				 NULL},
	[M2M_Q_SMDP_PROFILE_ADD] = {
		"INSERT INTO smdp_profile (iccid, type, state, imsi, perso, updated_ms) "
		"VALUES (?1, ?2, 'available', ?3, ?4, ?5) ON CONFLICT (iccid) DO NOTHING",
		NULL},
	[M2M_Q_SMDP_ALLOC_ANY] = {
		SMDP_ALLOC_SET "WHERE iccid = (" SMDP_ALLOC_PICK ") AND state = 'available' "
		"RETURNING iccid",
		SMDP_ALLOC_SET "WHERE iccid = (" SMDP_ALLOC_PICK " FOR UPDATE SKIP LOCKED) "
		"AND state = 'available' RETURNING iccid"},
	[M2M_Q_SMDP_ALLOC_ICCID] = {
		SMDP_ALLOC_SET "WHERE iccid = ?8 AND type = ?1 AND state = 'available' "
		"RETURNING iccid",
		NULL},
	[M2M_Q_SMDP_PROFILE_GET] = {"SELECT " SMDP_PROFILE_COLS " FROM smdp_profile "
				    "WHERE iccid = ?1",
				    NULL},
	[M2M_Q_SMDP_PROFILE_STATE] = {"UPDATE smdp_profile SET state = ?2, eid = ?3, "
				      "isdp_aid = ?4, updated_ms = ?5 WHERE iccid = ?1",
				      NULL},
	[M2M_Q_SMDP_PROFILE_KEYS] = {"UPDATE smdp_profile SET keys_enc = ?2, updated_ms = ?3 "
				     "WHERE iccid = ?1",
				     NULL},
	[M2M_Q_SMDP_COUNT] = {"SELECT COUNT(*) FROM smdp_profile WHERE type = ?1 AND state = ?2",
			      NULL},
	[M2M_Q_SMDP_STATS] = {"SELECT type, state, COUNT(*) FROM smdp_profile "
			      "GROUP BY type, state ORDER BY type, state",
			      NULL},
	[M2M_Q_SMDP_STALE] = {"SELECT iccid FROM smdp_profile WHERE state = 'allocated' "
			      "AND dl_owner = ?1 ORDER BY iccid",
			      NULL},
	/* The end of an interrupted download: only while still allocated to that owner, so a
	 * row is closed once. */
	[M2M_Q_SMDP_CLOSE] = {"UPDATE smdp_profile SET state = ?2, eid = ?3, isdp_aid = ?4, "
			      "updated_ms = ?5 WHERE iccid = ?1 AND state = 'allocated' "
			      "AND dl_owner = ?6",
			      NULL},
	/* The SM-SR change: a preparation is replaced unless a HandoverEUICC holds it; it is
	 * taken (busy) once, by one connection, while valid; a lock is taken when the EID has
	 * none or only an expired one. The WHERE of each upsert is the atomic check. */
	[M2M_Q_ES7_PREP_PUT] = {"INSERT INTO smsr_change_prep (eid, current_smsr, requester, "
				"until_ms, created_ms) VALUES (?1, ?2, ?3, ?4, ?5) "
				"ON CONFLICT (eid) DO UPDATE SET current_smsr = excluded.current_smsr, "
				"requester = excluded.requester, until_ms = excluded.until_ms, "
				"created_ms = excluded.created_ms, busy_owner = NULL, "
				"busy_until_ms = NULL WHERE smsr_change_prep.busy_until_ms IS NULL "
				"OR smsr_change_prep.busy_until_ms < ?5",
				NULL},
	[M2M_Q_ES7_PREP_GET] = {"SELECT " ES7_PREP_COLS " FROM smsr_change_prep WHERE eid = ?1 "
				"AND (until_ms >= ?2 OR busy_until_ms >= ?2)",
				NULL},
	[M2M_Q_ES7_PREP_TAKE] = {"UPDATE smsr_change_prep SET busy_owner = ?3, busy_until_ms = ?5 "
				 "WHERE eid = ?1 AND current_smsr = ?2 AND until_ms >= ?4 "
				 "AND (busy_until_ms IS NULL OR busy_until_ms < ?4)",
				 NULL},
	[M2M_Q_ES7_PREP_FREE] = {"UPDATE smsr_change_prep SET busy_owner = NULL, "
				 "busy_until_ms = NULL WHERE busy_owner = ?1",
				 NULL},
	[M2M_Q_ES7_PREP_DELETE] = {"DELETE FROM smsr_change_prep WHERE eid = ?1", NULL},
	[M2M_Q_ES7_PREP_PURGE] = {"DELETE FROM smsr_change_prep WHERE until_ms < ?1 "
				  "AND (busy_until_ms IS NULL OR busy_until_ms < ?1)",
				  NULL},
	[M2M_Q_ES7_LOCK_TAKE] = {"INSERT INTO smsr_change_lock (" ES7_LOCK_COLS ") "
				 "VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
				 "ON CONFLICT (eid) DO UPDATE SET target = excluded.target, "
				 "caller = excluded.caller, owner = excluded.owner, "
				 "until_ms = excluded.until_ms, created_ms = excluded.created_ms "
				 "WHERE smsr_change_lock.until_ms < ?6",
				 NULL},
	[M2M_Q_ES7_LOCK_GET] = {"SELECT " ES7_LOCK_COLS " FROM smsr_change_lock WHERE eid = ?1 "
				"AND until_ms >= ?2",
				NULL},
	[M2M_Q_ES7_LOCK_RELEASE] = {"DELETE FROM smsr_change_lock WHERE eid = ?1 AND owner = ?2",
				    NULL},

	/* The outbox: a pending row is due only when no older pending row goes to the same
	 * peer about the same eUICC (their order is kept). */
	[M2M_Q_OUTBOX_ADD] = {"INSERT INTO smsr_outbox (eid, seq, fn, peer, iccid, mno_id, event_ms, "
			      "state, attempts, next_attempt_ms, created_ms, updated_ms) VALUES (?1, "
			      "?2, ?3, ?4, ?5, ?6, ?7, 'pending', 0, ?8, ?8, ?8) RETURNING id",
			      NULL},
	[M2M_Q_OUTBOX_DUE] = {"SELECT " OUTBOX_COLS " FROM smsr_outbox o WHERE o.state = 'pending' "
			      "AND o.next_attempt_ms <= ?1 AND " OUTBOX_HEAD " ORDER BY o.id LIMIT ?2",
			      NULL},
	[M2M_Q_OUTBOX_NEXT] = {"SELECT MIN(o.next_attempt_ms) FROM smsr_outbox o "
			       "WHERE o.state = 'pending' AND " OUTBOX_HEAD,
			       NULL},
	[M2M_Q_OUTBOX_CLAIM] = {"UPDATE smsr_outbox SET attempts = attempts + 1, "
				"next_attempt_ms = ?3, updated_ms = ?2 WHERE id = ?1 "
				"AND state = 'pending' AND next_attempt_ms <= ?2",
				NULL},
	[M2M_Q_OUTBOX_RETRY] = {"UPDATE smsr_outbox SET next_attempt_ms = ?2, updated_ms = ?3, "
				"detail = ?4 WHERE id = ?1 AND state = 'pending'",
				NULL},
	[M2M_Q_OUTBOX_FINISH] = {"UPDATE smsr_outbox SET state = ?2, updated_ms = ?3, "
				 "detail = COALESCE(?4, detail) "
				 "WHERE id = ?1 AND state = 'pending'",
				 NULL},
	[M2M_Q_OUTBOX_LIST] = {"SELECT " OUTBOX_COLS " FROM smsr_outbox o WHERE o.eid = ?1 "
			       "AND o.id > ?2 ORDER BY o.id LIMIT ?3",
			       NULL},
	[M2M_Q_OUTBOX_PURGE] = {"DELETE FROM smsr_outbox WHERE state <> 'pending' "
				"AND updated_ms < ?1",
				NULL},
	/* Only forward (received, confirmed, forwarded): a confirmation never undoes the
	 * worker's `forwarded`, whatever the interleaving. */
	[M2M_Q_NOTIF_ADVANCE] = {"UPDATE notification SET state = ?3, updated_ms = ?4 "
				 "WHERE eid = ?1 AND seq = ?2 AND state IN (?5, ?6)",
				 NULL},
	[M2M_Q_JOB_ANSWER_PUT] = {"INSERT INTO smsr_job_answer (job_id, answer, created_ms) "
				  "VALUES (?1, ?2, ?3) ON CONFLICT (job_id) DO UPDATE SET "
				  "answer = excluded.answer, created_ms = excluded.created_ms",
				  NULL},
	[M2M_Q_JOB_ANSWER_GET] = {"SELECT answer FROM smsr_job_answer WHERE job_id = ?1", NULL},
	[M2M_Q_JOB_ANSWER_DELETE] = {"DELETE FROM smsr_job_answer WHERE job_id = ?1 "
				     "OR created_ms < ?2",
				     NULL},
};

const char *m2m_q_sql(m2m_q id, int dialect)
{
	if ((unsigned)id >= M2M_Q__COUNT)
		return NULL;
	if (dialect == 1 && queries[id].pg != NULL)
		return queries[id].pg;
	return queries[id].sql;
}
