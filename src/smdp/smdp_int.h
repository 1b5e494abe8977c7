/* Internals of the SM-DP daemon shared by smdp_*.c (not a public interface). The event loop
 * thread parses ES2 requests into tasks (smdp_es2.c); worker threads run them with blocking
 * ES3 calls to the SM-SR (smdp_worker.c, smdp_download.c, smdp_relay.c) and hand held
 * answers back to the loop through a pipe (smdp_service.c). */
#ifndef M2M_SMDP_SMDP_INT_H
#define M2M_SMDP_SMDP_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <event2/event.h>

#include "core/buf.h"
#include "crypto/ec.h"
#include "net/http_server.h"
#include "saip/personalise.h"
#include "smdp/eligibility.h"
#include "smdp/smdp.h"
#include "store/store.h"
#include "store/store_smdp.h"
#include "ws/client.h"
#include "ws/schema.h"
#include "ws/server.h"

#define SMDP_LOG "smdp"

/* One ES2 request on its way through a worker. */
typedef struct smdp_task {
	struct smdp_task *next;
	m2m_ws_fn fn;                         /* the ES2 function */
	char actor[M2M_STORE_ID_SIZE];        /* the caller's TLS identity (audit) */
	char mno[M2M_STORE_ID_SIZE];          /* its object identifier in ES messages */
	char call_id[M2M_STORE_ID_SIZE];      /* FunctionCallIdentifier */
	char eid[M2M_STORE_EID_SIZE];
	char iccid[M2M_STORE_ICCID_SIZE];     /* "" = not given */
	char type[M2M_STORE_TEXT_SIZE];       /* DownloadProfile: ProfileType, "" = not given */
	bool enable;                          /* DownloadProfile: EnableProfile */
	bool notify;                          /* an ES2 notification to pass on, no answer */
	bool recover;                         /* the clean-up of an interrupted download */
	time_t when;                          /* notify: CompletionTimestamp */
	const m2m_smdp_smsr *smsr;            /* where ES3 goes */
	m2m_ws_msg *es3;                      /* relays: the ES3 request, built on the loop */
	m2m_ws_hold *hold;                    /* answered on the held exchange, or */
	m2m_ws_deferred d;                    /* ... to ReplyTo (d.reply_to set) */
	m2m_ws_msg *response;                 /* the ES2 response, made by the worker */
} smdp_task;

void smdp_task_free(smdp_task *t);

typedef struct smdp smdp;

/* What one worker thread owns: its store handle, ws client and trust cache. */
typedef struct {
	smdp *s;
	pthread_t thread;
	bool started;
	m2m_store *st;
	m2m_ws_client *client;
	m2m_smdp_trust *trust;
} smdp_worker;

struct smdp {
	const m2m_smdp_cfg *cfg;
	struct event_base *base;
	m2m_ws_schema *schema;
	m2m_store *st; /* the loop thread's: the audit of refusals made there */
	m2m_ws_server *ws;
	m2m_http_server *http;
	char address[M2M_SMDP_STR + 64];
	/* The SM-DP's GP identity: CERT.DP.ECDSA and its key, the CI it trusts. */
	m2m_buf cert_dp;
	m2m_eckey *sk_dp;
	m2m_buf ci_pem;
	/* The task queue (loop -> workers) and the answers to hand back (workers -> loop). */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	smdp_task *queue_head, *queue_tail;
	smdp_task *done_head;
	bool stopping;
	int pipe_fd[2];
	struct event *done_ev;
	smdp_worker *workers;
};

/* smdp_es2.c: the ws handler (loop thread). */
m2m_ws_reply smdp_es2_handle(void *arg, const m2m_ws_call *call, m2m_ws_msg *response);

/* smdp_worker.c */
m2m_err smdp_workers_start(smdp *s);
/* Lets the running tasks end, drops the queued ones, joins the threads. */
void smdp_workers_stop(smdp *s);
void smdp_enqueue(smdp *s, smdp_task *t);
/* The held answers the workers finished, sent on their exchanges (loop thread). */
void smdp_done_drain(smdp *s);
/* Worker side: the ES2 response of t with status stt (and Iccid when given). */
m2m_err smdp_respond(smdp_task *t, const m2m_ws_exec_status *stt, const char *iccid);
/* One blocking ES3 call to t's SM-SR; *resp gets the response on M2M_OK; otherwise stt
 * says why (transport, fault, FAILED status of the SM-SR). */
m2m_err smdp_es3_call(smdp_worker *w, const smdp_task *t, m2m_ws_msg *req, m2m_ws_msg **resp,
		      m2m_ws_exec_status *stt);
/* A fresh ES3 request of fn with a FunctionCallIdentifier of our own and Eid. */
m2m_err smdp_es3_request(const smdp *s, m2m_ws_fn fn, const char *eid, m2m_ws_msg **out);
void smdp_audit(smdp_worker *w, const smdp_task *t, const m2m_ws_exec_status *stt);

/* smdp_call.c: the call's record. true: new, run it (*recorded set: finish it); false: stt
 * (and iccid_out) hold the answer: the recorded one of a retry, or a refusal. */
bool smdp_call_begin(smdp_worker *w, const smdp_task *t, m2m_ws_exec_status *stt,
		     char *iccid_out, bool *recorded);
void smdp_call_finish(smdp_worker *w, const smdp_task *t, const m2m_ws_exec_status *stt,
		      const char *iccid);

/* smdp_download.c: ES2.DownloadProfile (worker thread). */
void smdp_download(smdp_worker *w, smdp_task *t, m2m_ws_exec_status *stt, char *iccid_out);
/* smdp_eis.c: the facts eligibility needs, from an Eis element; FAILED 8.6 on error. */
typedef struct {
	char eum_id[M2M_STORE_ID_SIZE];
	m2m_buf ecasd_cert;
	m2m_buf eum_pem;
	m2m_smdp_eis eis;
} smdp_eis_facts;
m2m_err smdp_eis_read(const m2m_smdp_cfg *cfg, const m2m_ws_node *eis, smdp_eis_facts *f,
		      m2m_ws_exec_status *stt);
void smdp_eis_facts_free(smdp_eis_facts *f);

/* smdp_relay.c: GetEIS, EnableProfile, DisableProfile, DeleteProfile, UpdatePolicyRules,
 * UpdateSubscriptionAddress and the v4 AuditEIS, SetFallBackAttribute,
 * SetEmergencyProfileAttribute (worker thread). GetEIS and AuditEIS: t->response gets the
 * SM-SR's Eis, filtered; the others are answered with the status alone. */
void smdp_relay(smdp_worker *w, smdp_task *t, m2m_ws_exec_status *stt);

/* smdp_notify.c: an ES3 Handle*Notification from the SM-SR, passed on to the profile's MNO
 * as the ES2 one ([peers]); a deleted profile is marked so (worker thread). */
void smdp_notify(smdp_worker *w, smdp_task *t);

/* smdp_recover.c (docs/smdp.md "Recovery"): at start, one task per profile this instance
 * left allocated (loop thread, before it serves); the task's clean-up: ES3.DeleteISDP, the
 * profile failed or available again, the interrupted call's FAILED answer (worker thread). */
m2m_err smdp_recover_start(smdp *s);
void smdp_recover(smdp_worker *w, smdp_task *t);

/* smdp_perso.c */
m2m_err smdp_perso_encode(const m2m_saip_perso *p, m2m_buf *out);
m2m_err smdp_perso_decode(const uint8_t *data, size_t n, m2m_saip_perso *p);
/* The package personalised with p and validated; msg says why not. Wipe out after use. */
m2m_err smdp_personalise(const uint8_t *pkg, size_t len, const m2m_saip_perso *p,
			 m2m_buf *out, char *msg, size_t cap);

#endif
