/* Internals of the SM-SR daemon shared by smsr_*.c (not a public interface). Everything
 * below runs on the event loop thread except the outbound worker (smsr_out.c), which only
 * gets finished messages through its queue. */
#ifndef M2M_SMSR_SMSR_INT_H
#define M2M_SMSR_SMSR_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>

#include "net/http_server.h"
#include "smsr/es5_result.h"
#include "smsr/scp81_server.h"
#include "smsr/sms_bearer.h"
#include "smsr/smsr.h"
#include "store/store.h"
#include "ws/client.h"
#include "ws/schema.h"
#include "ws/server.h"

#define SMSR_LOG "smsr"

/* What a job carries (its payload, key=value lines): what to do and whom to answer. */
typedef struct {
	char aid[M2M_STORE_AID_SIZE];     /* the ISD-P (enable, disable, delete) */
	char iccid[M2M_STORE_ICCID_SIZE];
	unsigned seq;                     /* confirm: the notification's sequence number */
	int fn;                           /* m2m_ws_fn of the originating call, -1 none */
	char caller[M2M_STORE_ID_SIZE];
	int role;                         /* m2m_ws_role of the caller */
	char call_id[M2M_STORE_ID_SIZE];
	int binding;                      /* m2m_ws_binding */
	char reply_to[512];               /* "" = no deferred answer */
	char relates_to[256];
	uint32_t mem;                     /* create_isdp: RequiredMemory (0: the card's default) */
	char data[1024];                  /* ES7 relays (smsr_es7*.c): their Data as hex */
	/* senddata (ES3.SendData): the SM-DP's Data (heap, smsr_job_clear), where it goes and
	 * MoreToDo. Never logged. */
	m2m_buf es8;
	int route;                        /* smsr_route */
	bool more;
	bool ucp;                         /* answered as ES3.UpdateConnectivityParameters */
} smsr_job;

/* Where a SendData's Data goes (smsr_es3_senddata.c, docs/smsr.md "ES3.SendData"). */
typedef enum {
	SMSR_ROUTE_ISDR = 1,  /* C-APDU script of key establishment: the ISD-R */
	SMSR_ROUTE_ISDP,      /* other C-APDU script: the ISD-P (SMS: its TAR; HTTPS: targeted) */
	SMSR_ROUTE_SCP03T,    /* SCP03t TLVs: the ISD-P over HTTPS only */
} smsr_route;

/* smsr_job.c */
void smsr_job_init(smsr_job *j);
/* The caller's part of a job queued for a web-service call: who, FunctionCallIdentifier,
 * binding, ReplyTo and RelatesTo; the function too when answer_by_fn (else fn stays -1 and the
 * function's own code builds the answer). */
void smsr_job_for_call(smsr_job *j, const m2m_ws_call *call, bool answer_by_fn,
		       const m2m_ws_deferred *d, const m2m_ws_hold *hold);
/* A new job (smsr_job_init) on profile p (its ISD-P and ICCID) for the call, answered by fn. */
void smsr_job_for_profile(smsr_job *j, const m2m_ws_call *call, const m2m_store_profile *p,
			  const m2m_ws_deferred *d, const m2m_ws_hold *hold);
/* Frees (and wipes) data. */
void smsr_job_clear(smsr_job *j);
m2m_err smsr_job_encode(const smsr_job *j, m2m_buf *out);
m2m_err smsr_job_decode(const uint8_t *p, size_t n, smsr_job *j);
/* Queues a job for eid (inside the caller's transaction, if any). */
m2m_err smsr_job_queue(m2m_store *st, const char *eid, const char *kind, const smsr_job *j,
		       int64_t deadline_ms, int64_t *id);

/* A job on its way to the card. */
typedef struct {
	bool used;
	int64_t id;
	char kind[M2M_STORE_ID_SIZE];
	char eid[M2M_STORE_EID_SIZE];
	uint8_t eid_bin[M2M_ES5_EID_SIZE];
	int32_t attempts;     /* sends before this one */
	int64_t deadline_ms;
	bool verifying;       /* re-executed command refused: auditing the ISD-P's state */
	bool waits_bearer;    /* claimed, waits for the SMS bearer's PoR for its eUICC */
	smsr_job job;
} smsr_slot;

typedef struct smsr_out smsr_out;

/* A repeat with ReplyTo of a call still running: answered there when the call's job ends
 * (here, or in another process: smsr_poll.c), or EXPIRED at deadline_ms. */
typedef struct smsr_waiter {
	struct smsr_waiter *next;
	char caller[M2M_STORE_ID_SIZE];
	char call_id[M2M_STORE_ID_SIZE];
	m2m_ws_deferred d;
	int fn;                           /* m2m_ws_fn of the call */
	int role;                         /* m2m_ws_role of the caller */
	char eid[M2M_STORE_EID_SIZE];
	int64_t deadline_ms;              /* the repeat's ValidityPeriod */
} smsr_waiter;

/* A request held open (no ReplyTo): answered on its HTTP exchange when its job ends (or the
 * job of the same call, for a repeat), or EXPIRED when the hold time runs out. */
typedef struct smsr_held {
	struct smsr_held *next;
	void *s; /* smsr */
	int64_t job_id; /* 0: a repeat, matched by caller and call_id */
	char caller[M2M_STORE_ID_SIZE];
	char call_id[M2M_STORE_ID_SIZE];
	int role;                         /* m2m_ws_role of the caller */
	char eid[M2M_STORE_EID_SIZE];     /* the request's Eid (an AuditEIS answer's EIS) */
	m2m_ws_hold *hold;
	struct event *timer;
} smsr_held;

typedef struct {
	const m2m_smsr_cfg *cfg;
	struct event_base *base;
	m2m_store *st;
	m2m_ws_schema *schema;
	m2m_ws_server *ws;
	m2m_http_server *http;
	m2m_sms_bearer *sms;
	m2m_scp81_server *scp81; /* the HTTPS bearer; NULL unless [scp81] enabled */
	struct event *tick;
	smsr_slot *slots;
	size_t inflight;
	smsr_out *out;
	smsr_waiter *waiters;
	smsr_held *held;          /* ES4 and ES3 holds (smsr_held.c) */
	struct event *poll;       /* calls of holds and waiters run elsewhere (smsr_poll.c) */
	struct event *retention;  /* hourly purge of finished work (smsr_retention.c) */
	struct smsr_chain *chains; /* ES8 exchanges in progress (smsr_chain.c) */
	bool stopping;
	char address[M2M_SMSR_STR + 64]; /* our ES endpoint URL (wsa:From) */
	struct smsr_es7 *es7;     /* ES7 state (smsr_es7.c, its own header); NULL when unused */
} smsr;

/* smsr_es4.c: the ws handler. */
m2m_ws_reply smsr_es4_handle(void *arg, const m2m_ws_call *call, m2m_ws_msg *response);
/* SHA-256 of the request, as a FunctionCallIdentifier re-use compares it. */
void smsr_request_hash(const m2m_ws_call *call, uint8_t out[M2M_STORE_HASH_SIZE]);
/* The FunctionCallIdentifier record inside the caller's open transaction (ES4, and the ES3
 * and attribute functions). True: a new call, queue its job; false: *reply and resp (or the
 * hold, or a waiter) are set. */
bool smsr_es4_dedup(smsr *s, const m2m_ws_call *call, const char *eid, m2m_ws_deferred *d,
		    m2m_ws_hold *hold, uint64_t vp, m2m_ws_msg *resp, m2m_ws_reply *reply);
/* The answer of a finished call: status (+ the Eis for GetEIS/AuditEIS when successful). */
m2m_ws_msg *smsr_response(smsr *s, int fn, const m2m_ws_exec_status *stt, const char *eid,
			  const char *caller, int role);
/* The Eis element as the caller may see it (an operator its profiles, an SM-DP those it
 * created), without key values. */
m2m_err smsr_add_eis(smsr *s, m2m_ws_msg *m, const char *eid, const char *caller, int role);
/* Status <-> the compact form kept in the function-call record. */
void smsr_status_pack(const m2m_ws_exec_status *stt, char *out, size_t cap);
void smsr_status_unpack(const char *in, size_t n, m2m_ws_exec_status *stt);
/* Sends the answer of a finished job to its ReplyTo and to the waiters of its call. */
void smsr_answer(smsr *s, int64_t job_id, const smsr_job *j, const char *eid,
		 const m2m_ws_exec_status *stt);
/* smsr_chain.c: an exchange in progress on an eUICC (ES8: SendData with MoreToDo; ES7: the
 * relayed 3A01 before its 3A02): only its jobs run there until it ends or SMSR_CHAIN_MS pass
 * without its next step. */
#define SMSR_CHAIN_MS 20000
typedef struct smsr_chain smsr_chain;
void smsr_chain_set(smsr *s, const char *eid, bool open);
bool smsr_chain_open(smsr *s, const char *eid);
/* A job of kind may not run on eid now: an exchange holds it and the job is not one. */
bool smsr_chain_blocks(smsr *s, const char *eid, const char *kind);
void smsr_chain_free_all(smsr *s);
/* smsr_held.c: requests held open until their job ends (job_id) or, for a repeat (job_id 0),
 * until the job of the same call ends; EXPIRED when the hold time (the smaller of vp and
 * [engine] hold_max) runs out. */
m2m_err smsr_held_add(smsr *s, m2m_ws_hold *hold, int64_t job_id, const m2m_ws_call *call,
		      uint64_t vp);
bool smsr_held_any(const smsr *s, int64_t job_id, const smsr_job *j);
/* Answers every hold of the job with m (which stays the caller's). */
void smsr_held_complete(smsr *s, int64_t job_id, const smsr_job *j, const m2m_ws_msg *m);
/* Forgets the holds (at stop, before the ws server answers them); stops the poll. */
void smsr_held_drop_all(smsr *s);
/* Answers every hold of rec's call (caller, call_id) from the finished record. */
void smsr_held_answer_record(smsr *s, const m2m_store_call *rec);
/* smsr_poll.c: holds and waiters whose call's job another process may run learn its end
 * from the call record, polled every SMSR_POLL_MS while there are any (docs/smsr.md
 * "FunctionCallIdentifier"). Arm after adding a hold or a waiter. */
#define SMSR_POLL_MS 300
void smsr_poll_arm(smsr *s);
void smsr_poll_stop(smsr *s);
/* smsr_es3_repeat.c: the answer a finished call's record gives (as to a repeat of it): the
 * status, the EIS for a successful AuditEIS (read now), Isd-p-aid (CreateISDP) or
 * EuiccResponseData (SendData). NULL when it cannot be built. */
m2m_ws_msg *smsr_recorded_answer(smsr *s, int fn, const m2m_store_call *rec, const char *eid,
				 const char *caller, int role);

/* smsr_retention.c: purges finished jobs and call records older than [engine] retention at
 * start and every hour (nothing when it is 0). */
m2m_err smsr_retention_start(smsr *s);
void smsr_retention_stop(smsr *s);

/* smsr_es3*.c: ES3 from the SM-DPs; other functions go on to smsr_es4_handle. */
m2m_ws_reply smsr_es3_handle(void *arg, const m2m_ws_call *call, m2m_ws_msg *response);
void smsr_es3_refuse(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp,
		     const m2m_ws_exec_status *stt, const char *eid, const char *iccid);
bool smsr_es3_read_eid(const m2m_ws_node *body, char eid[M2M_STORE_EID_SIZE],
		       m2m_ws_exec_status *stt);
bool smsr_es3_find_eis(smsr *s, const char *eid, m2m_store_eis *e, m2m_ws_exec_status *stt);
void smsr_es3_store_failed(smsr *s, m2m_ws_exec_status *stt);
/* smsr_es3_create.c: CreateISDP, its job's command set (M2M_ERR_UNSUPPORTED for another
 * kind) and its answer to ReplyTo (with Isd-p-aid) when the job ends. */
m2m_ws_reply smsr_es3_create_isdp(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp);
m2m_err smsr_es3_build(const smsr_slot *sl, m2m_es5_cmd *c);
void smsr_es3_create_answer(smsr *s, const smsr_slot *sl, const m2m_ws_exec_status *stt);
/* smsr_lookup.c: the profile of the request's Iccid on eid (FAILED 8.2.1 / 2.1 missing,
 * 8.2.1 / 3.9 unknown or of another eUICC, 1.2 / 4.2 store), and whether the SM-DP oid
 * created it (FAILED 1.1 / 1.1 naming what). */
bool smsr_profile_of_call(smsr *s, const m2m_ws_node *body, const char *eid,
			  m2m_store_profile *p, m2m_ws_exec_status *stt);
bool smsr_made_by(const m2m_store_profile *p, const char *oid, const char *what,
		  m2m_ws_exec_status *stt);
/* smsr_es3_profile.c: EnableProfile, DisableProfile, DeleteISDP from the SM-DP. */
m2m_ws_reply smsr_es3_profile_call(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp);
/* smsr_es3.c: the two answer forms of ES3 card functions. ReplyTo (d filled, *hold NULL),
 * or none / anonymous (*hold set: the exchange is held). False (stt set) when neither. */
bool smsr_es3_answer_mode(const m2m_ws_call *call, m2m_ws_deferred *d, m2m_ws_hold **hold,
			  m2m_ws_exec_status *stt);
/* Keeps hold until job_id ends (answered through smsr_answer for fn >= 0, or
 * smsr_es3_complete) or the hold time runs out (EXPIRED). Returns the reply to give; on
 * failure resp gets a FAILED status and the reply is NOW. */
m2m_ws_reply smsr_es3_hold(smsr *s, m2m_ws_hold *hold, int64_t job_id, const m2m_ws_call *call,
			   uint64_t vp, m2m_ws_msg *resp);
/* The answer m (kept by the caller) of job_id: on its hold, or to the job's ReplyTo
 * (m is then taken). */
void smsr_es3_complete(smsr *s, int64_t job_id, const smsr_job *j, m2m_ws_fn fn,
		       m2m_ws_msg *m);
/* smsr_es3_senddata.c: ES3.SendData and UpdateConnectivityParameters, which relays its
 * ConnectivityParameters to the profile's ISD-P as a SendData (docs/smsr.md "ES3.SendData"). */
m2m_ws_reply smsr_es3_send_data(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp);
/* Sends a senddata slot over the eUICC's bearer (the engine's send for that kind). */
m2m_err smsr_senddata_send(smsr *s, smsr_slot *sl);
/* The SMS bearer's result of a senddata slot (smsr_on_result hands it over). */
void smsr_senddata_result(smsr *s, smsr_slot *sl, const m2m_es5_result *r);
/* The answer of a finished senddata job (status, and the card's response when it answered). */
void smsr_senddata_answer(smsr *s, const smsr_slot *sl, const m2m_ws_exec_status *stt,
			  const uint8_t *resp, size_t n);

/* smsr_engine.c */
m2m_err smsr_engine_start(smsr *s);
void smsr_engine_stop(smsr *s);
void smsr_engine_kick(smsr *s);
/* The engine's slots: [engine] concurrency plus the session reserve. */
size_t smsr_engine_slots(const smsr *s);
/* Claims and starts due jobs now (the HTTPS notification: its 3A08 joins the session). */
void smsr_engine_claim(smsr *s);
/* The slot's job is over: frees the slot and looks for more work. */
void smsr_engine_done(smsr *s, smsr_slot *sl);
/* A bearer failure of the slot's command: again after back-off while retries and validity
 * last, else FAILED with r's code. */
void smsr_engine_bearer_failed(smsr *s, smsr_slot *sl, const m2m_es5_result *r);
m2m_err smsr_lookup_by_eid(void *arg, const uint8_t eid[M2M_ES5_EID_SIZE],
			   m2m_sms_bearer_euicc *out);
m2m_err smsr_lookup_keyset(void *arg, const uint8_t eid[M2M_ES5_EID_SIZE], uint8_t kvn,
			   m2m_scp80_keys *out);
m2m_err smsr_reserve_counter(void *arg, const uint8_t eid[M2M_ES5_EID_SIZE], uint8_t kvn,
			     uint64_t *counter);
void smsr_on_result(m2m_sms_bearer *b, void *ref, const uint8_t eid[M2M_ES5_EID_SIZE],
		    m2m_es5_result *r, void *arg);

/* smsr_apply.c: a card's answer into the store, with the job's end, in one transaction. */
m2m_err smsr_apply_success(smsr *s, const smsr_slot *sl, const m2m_es5_result *r);
/* The profile (eid, aid) goes to state; with ENABLED the enabled one is disabled. */
m2m_err smsr_set_state(smsr *s, const char *eid, const char *aid, m2m_store_profile_state st);
/* Audit trail record for a function (outside or inside a transaction). */
void smsr_audit(smsr *s, const char *actor, const char *function, const char *eid,
		const char *iccid, const m2m_ws_exec_status *stt);
/* Finishes a job with status stt (and records the call's answer), then answers. */
void smsr_finish(smsr *s, const smsr_slot *sl, m2m_store_job_state state,
		 const m2m_ws_exec_status *stt);

/* smsr_bearer_https.c: the SCP81 bearer (started by smsr_engine_start when enabled). */
m2m_err smsr_https_start(smsr *s);
void smsr_https_stop(smsr *s);
/* The eUICC (hex EID) goes over HTTPS: server running, EIS HttpSupport, an SCP81 key set. */
bool smsr_https_for(smsr *s, const char *eid);
/* Queues the slot's command set on the SCP81 server; smsr_on_result follows. */
m2m_err smsr_https_send(smsr *s, smsr_slot *sl, const m2m_es5_cmd *c);
/* True when ref is a trigger's (the SMS bearer's result for it is handled here). */
bool smsr_https_trigger_result(smsr *s, void *ref, const uint8_t eid[M2M_ES5_EID_SIZE],
			       const m2m_es5_result *r);

/* smsr_notif.c */
void smsr_on_notification(m2m_sms_bearer *b, const m2m_es5_notif *n, const char *from,
			  void *arg);

/* smsr_out.c: the outbound worker (ws client calls block). */
m2m_err smsr_out_new(const m2m_smsr_cfg *cfg, const m2m_ws_schema *schema, const char *from,
		     smsr_out **out);
/* Takes msg. d is copied. */
void smsr_out_answer(smsr_out *o, const m2m_ws_deferred *d, m2m_ws_msg *msg);
void smsr_out_notify(smsr_out *o, const char *url, m2m_ws_msg *msg);
/* Sends what is queued (up to a few seconds), then stops. */
void smsr_out_free(smsr_out *o);

#endif
