/* Internals of the SM-SR change shared by smsr_es7*.c (docs/smsr-change.md). The
 * PrepareSMSRChange records and the lock of an eUICC being handed over are in the store
 * (store_es7.c), seen by every process on the database; what lives in memory on the loop
 * thread is only what cannot outlive the process: the answers still to give (held HTTP
 * exchanges, ReplyTo) and the worker threads. The blocking ES7 client calls run on one
 * worker thread per hand-over (es7_task), which only gets its inputs at the start and gives
 * its outputs back through a pipe watched by the loop. */
#ifndef M2M_SMSR_SMSR_ES7_INT_H
#define M2M_SMSR_SMSR_ES7_INT_H

#include <pthread.h>

#include "card/keyest.h"
#include "crypto/ec.h"
#include "smsr/eis.h"
#include "smsr/smsr_es7.h"

/* Time-outs of the ES7 client calls (the peer answers them after card work). */
#define ES7_CALL_TIMEOUT_MS 150000L
#define ES7_HANDOVER_TIMEOUT_MS 300000L
#define ES7_CONNECT_TIMEOUT_MS 30000L /* TCP and TLS set-up */
/* SM-SR1's lock lasts at most as long as its HandoverEUICC call can (time-out and set-up,
 * with a margin); SM-SR2's busy mark of a preparation as long as its two calls can. After
 * that a lock or mark left by a dead process is void [M]. */
#define ES7_LOCK_MS (ES7_HANDOVER_TIMEOUT_MS + 2 * ES7_CONNECT_TIMEOUT_MS)
#define ES7_BUSY_MS (2 * (ES7_CALL_TIMEOUT_MS + ES7_CONNECT_TIMEOUT_MS))
/* The data of a job payload: hex of up to 511 bytes (a 7F21 certificate, a STORE DATA #2). */
#define ES7_DATA_MAX 511

/* An answer given later: on the held exchange (no ReplyTo) or to the ReplyTo. */
typedef struct {
	m2m_ws_fn fn;
	m2m_ws_hold *hold;
	m2m_ws_deferred d; /* d.reply_to NULL: held */
	bool open;
} es7_reply;

/* How often a waiting ES7 exchange looks in the store for its job's end, in case another
 * process on the database ran the job. */
#define ES7_POLL_MS 200
/* A recorded card answer nobody came for (its exchange expired, its process died) goes with
 * the next delete after this long: no exchange waits longer ([engine] hold_max <= 1 day). */
#define ES7_ANSWER_KEEP_MS (86400L * 1000)

/* An ES7 exchange waiting for the end of a job. */
typedef struct es7_wait {
	struct es7_wait *next;
	void *s; /* smsr */
	int64_t job_id;
	es7_reply reply;
	struct event *timer;
	struct event *poll;
} es7_wait;

/* SM-SR1: a hand-over this process runs for ES4 SMSRChange (its lock is in the store,
 * m2m_store_es7_lock, owner [smsr] worker). */
typedef struct es7_lock {
	struct es7_lock *next;
	char eid[M2M_STORE_EID_SIZE];
	char target[M2M_SMSR_STR]; /* Target-Smsr-id */
	char caller[M2M_STORE_ID_SIZE];
	es7_reply reply; /* of SMSRChange */
} es7_lock;

/* Work for a worker thread: run() there (blocking calls, no store, no loop objects), then
 * done() on the loop thread, which frees the task. */
typedef struct es7_task {
	struct es7_task *next, *next_done;
	pthread_t thread;
	struct smsr_es7 *owner;
	const m2m_smsr_cfg *cfg;
	const m2m_ws_schema *schema;
	char from[M2M_SMSR_STR + 64];
	void (*run)(struct es7_task *t);
	void (*done)(void *s, struct es7_task *t);
} es7_task;

typedef struct smsr_es7 {
	pthread_mutex_t mu;
	int pipe[2];
	struct event *ev;
	es7_task *tasks; /* started (loop thread) */
	es7_task *done;  /* finished (under mu) */
	es7_wait *waits;
	es7_lock *locks;
	m2m_eckey *sk;   /* SK.SR.ECDSA ([es7] gp_key); NULL: this SM-SR takes no eUICC over */
	m2m_buf cert;    /* CERT.SR.ECDSA, the whole 7F21 TLV */
} smsr_es7;

/* smsr_es7.c: plumbing */
/* Starts t on its own thread (t->run, t->done set); M2M_ERR_IO: not started (not freed). */
m2m_err es7_spawn(smsr *s, es7_task *t);
/* A ws client for the worker (our TLS identity), time-out ms. */
m2m_err es7_client(const es7_task *t, long timeout_ms, m2m_ws_client **out);
/* Keeps the answer of call for later: deferred with a ReplyTo, else held. */
m2m_err es7_reply_begin(const m2m_ws_call *call, es7_reply *r);
m2m_ws_reply es7_reply_kind(const es7_reply *r);
/* Sends m (taken) as the answer and closes r. */
void es7_reply_send(smsr *s, es7_reply *r, m2m_ws_msg *m);
/* A response of r's function with status stt only, sent. */
void es7_reply_status(smsr *s, es7_reply *r, const m2m_ws_exec_status *stt);
/* r (taken) answers when job_id ends; EXPIRED after the hold time (vp bounded). */
m2m_err es7_wait_add(smsr *s, int64_t job_id, es7_reply *r, uint64_t vp);
es7_wait *es7_wait_take(smsr *s, int64_t job_id);
void es7_wait_free(es7_wait *w);
/* The status of a client result: the response's, the fault's, or FAILED subject/4.2 with the
 * transport error. */
void es7_result_status(const m2m_ws_result *res, m2m_err err, m2m_ws_client *c,
		       const char *subject, m2m_ws_exec_status *stt);
/* EID of an Eis element (Eis/EumSignedInfo/Eid) in upper case. */
bool es7_eis_eid(const m2m_ws_node *body, char eid[M2M_STORE_EID_SIZE],
		 m2m_ws_exec_status *stt);

/* smsr_es7_wire.c: CreateAdditionalKeySet <-> the STORE DATA #2 data field. */
/* The request's fields from a STORE DATA #2 data field built by m2m_keyest_host_sd2_data
 * (M2M_ERR_UNSUPPORTED when its CRT has values the fields cannot carry). */
m2m_err es7_keys_request(m2m_ws_msg *m, const char *eid, const uint8_t *sd2, size_t n);
/* The STORE DATA #2 data field rebuilt from the request (stt on refusal). */
m2m_err es7_keys_sd2(const m2m_ws_node *body, m2m_buf *sd2, m2m_ws_exec_status *stt);

/* smsr_es7_current.c (SM-SR1) */
m2m_ws_reply es7_smsr_change(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp);
m2m_ws_reply es7_relay(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp);
void es7_relay_end(smsr *s, const smsr_slot *sl, const m2m_es5_result *r,
		   const m2m_ws_exec_status *stt);
/* In the transaction of a relay job's success: the card's answer into the job's record, for
 * an exchange waiting in another process on the database. */
m2m_err es7_relay_record(smsr *s, const smsr_slot *sl, const m2m_es5_result *r);
/* w's relay job j ended in another process with stt: answered (and w freed) with the card's
 * answer recorded there. */
void es7_relay_polled(smsr *s, es7_wait *w, const m2m_store_job *j,
		      const m2m_ws_exec_status *stt);
es7_lock *es7_lock_find(smsr *s, const char *eid);
/* The live lock of eid in the store, whichever process took it (out optional); false when
 * none, or when the store fails (then logged: the eUICC is not kept from working). */
bool es7_locked(smsr *s, const char *eid, m2m_store_es7_lock *out);

/* smsr_es7_notify.c (SM-SR1): HandleSMSRChangeNotification to the MNOs and SM-DPs. */
void es7_notify_change(smsr *s, m2m_eis *e, const char *target);

/* smsr_es7_new.c (SM-SR2) */
m2m_ws_reply es7_prepare(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp);
m2m_ws_reply es7_handover(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp);
void es7_finalise_end(smsr *s, const smsr_slot *sl, const m2m_ws_exec_status *stt);

/* smsr_es7_psk.c (SM-SR2): the SCP81 key set after the change. */
/* In the finalise job's success transaction: the es7_psk job when the old key sets (fin's
 * ranges) had an SCP81 one. */
m2m_err es7_psk_queue(smsr *s, const smsr_slot *fin);
m2m_err es7_psk_build(const smsr_slot *sl, m2m_es5_cmd *c);
/* In the es7_psk job's success transaction: the key set stored. */
m2m_err es7_psk_apply(smsr *s, const smsr_slot *sl);

#endif
