/* The SM-SR change's plumbing (docs/smsr-change.md): the dispatch of its ES4/ES7 functions,
 * the worker threads of the blocking ES7 calls (one per hand-over, results back through a
 * pipe the loop watches), answers given later (held or to ReplyTo), and the engine hooks
 * (command sets of the es7_* jobs, the eUICC lock, the end of a job). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "card/gpcert.h"
#include "core/hex.h"
#include "core/log.h"
#include "crypto/pem.h"
#include "smsr/smsr_address.h"
#include "smsr/smsr_es7_int.h"

/* ---- answers given later ---- */

m2m_err es7_reply_begin(const m2m_ws_call *call, es7_reply *r)
{
	memset(r, 0, sizeof *r);
	r->fn = call->fn->id;
	if (m2m_ws_defer(call, &r->d) != M2M_OK && m2m_ws_hold_begin(call, &r->hold) != M2M_OK)
		return M2M_ERR_STATE;
	r->open = true;
	return M2M_OK;
}

m2m_ws_reply es7_reply_kind(const es7_reply *r)
{
	return r->hold != NULL ? M2M_WS_REPLY_HOLD : M2M_WS_REPLY_LATER;
}

void es7_reply_send(smsr *s, es7_reply *r, m2m_ws_msg *m)
{
	if (!r->open) {
		m2m_ws_msg_free(m);
		return;
	}
	r->open = false;
	if (r->hold != NULL) {
		m2m_ws_server_complete(r->hold, m); /* NULL: a Receiver fault */
		m2m_ws_msg_free(m);
		r->hold = NULL;
	} else if (m != NULL) {
		smsr_out_answer(s->out, &r->d, m);
	}
	m2m_ws_deferred_clear(&r->d);
}

void es7_reply_status(smsr *s, es7_reply *r, const m2m_ws_exec_status *stt)
{
	m2m_ws_msg *m = NULL;

	if (m2m_ws_response_new(r->fn, stt, &m) != M2M_OK)
		m = NULL;
	es7_reply_send(s, r, m);
}

void es7_wait_free(es7_wait *w)
{
	if (w == NULL)
		return;
	if (w->timer != NULL)
		event_free(w->timer);
	if (w->poll != NULL)
		event_free(w->poll);
	m2m_ws_deferred_clear(&w->reply.d);
	free(w);
}

static void wait_unlink(smsr_es7 *x, es7_wait *w)
{
	for (es7_wait **p = &x->waits; *p != NULL; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			return;
		}
}

static void wait_expire(evutil_socket_t fd, short what, void *arg)
{
	es7_wait *w = arg;
	smsr *s = w->s;
	m2m_ws_exec_status stt;

	(void)fd;
	(void)what;
	m2m_ws_status_set(&stt, M2M_WS_EXPIRED, M2M_WS_SUBJ_FUNCTION, M2M_WS_REASON_NO_RESPONSE,
			  NULL, "no answer from the eUICC within the hold time");
	es7_reply_status(s, &w->reply, &stt);
	wait_unlink(s->es7, w);
	es7_wait_free(w);
}

/* The job ended in another process on the database (its engine claimed it): that process
 * had nobody to answer, so the answer comes from the job's record: the status, and for a
 * relay the card's answer kept with it (es7_relay_record). A job that ends here is answered
 * by its end (es7_wait_take) before any poll can see it, both on the loop. */
static void wait_poll(evutil_socket_t fd, short what, void *arg)
{
	es7_wait *w = arg;
	smsr *s = w->s;
	m2m_store_job j;
	m2m_ws_exec_status stt;
	bool finalise;

	(void)fd;
	(void)what;
	memset(&j, 0, sizeof j);
	if (m2m_store_job_get(s->st, w->job_id, &j) != M2M_OK || j.state == M2M_STORE_JOB_QUEUED ||
	    j.state == M2M_STORE_JOB_SENT) {
		m2m_store_job_clear(&j);
		return;
	}
	smsr_status_unpack(j.result != NULL ? (const char *)j.result : "", j.result_len, &stt);
	finalise = strcmp(j.kind, SMSR_ES7_KIND_FINALISE) == 0;
	m2m_info(SMSR_LOG, "job %lld %s %s ended in another process: %s", (long long)j.id, j.kind,
		 j.eid, m2m_ws_status_name(stt.status));
	wait_unlink(s->es7, w);
	if (finalise) {
		m2m_info(SMSR_LOG, "FinaliseISDRhandover %s: %s %s/%s %s", j.eid,
			 m2m_ws_status_name(stt.status), stt.subject, stt.reason, stt.message);
		es7_reply_status(s, &w->reply, &stt);
		es7_wait_free(w);
	} else {
		es7_relay_polled(s, w, &j, &stt);
	}
	m2m_store_job_clear(&j);
}

m2m_err es7_wait_add(smsr *s, int64_t job_id, es7_reply *r, uint64_t vp)
{
	es7_wait *w = calloc(1, sizeof *w);
	uint64_t secs = vp != 0 && vp < s->cfg->hold_max_s ? vp : s->cfg->hold_max_s;
	struct timeval tv = {.tv_sec = (time_t)secs};

	if (w == NULL)
		return M2M_ERR_NOMEM;
	w->s = s;
	w->job_id = job_id;
	w->reply = *r;
	memset(r, 0, sizeof *r);
	struct timeval every = {.tv_sec = 0, .tv_usec = ES7_POLL_MS * 1000};

	w->timer = evtimer_new(s->base, wait_expire, w);
	w->poll = event_new(s->base, -1, EV_PERSIST, wait_poll, w);
	if (w->timer == NULL || evtimer_add(w->timer, &tv) != 0 || w->poll == NULL ||
	    event_add(w->poll, &every) != 0) {
		*r = w->reply;
		memset(&w->reply, 0, sizeof w->reply);
		es7_wait_free(w);
		return M2M_ERR_NOMEM;
	}
	w->next = s->es7->waits;
	s->es7->waits = w;
	return M2M_OK;
}

es7_wait *es7_wait_take(smsr *s, int64_t job_id)
{
	for (es7_wait **p = &s->es7->waits; *p != NULL; p = &(*p)->next)
		if ((*p)->job_id == job_id) {
			es7_wait *w = *p;
			*p = w->next;
			return w;
		}
	return NULL;
}

/* ---- worker threads ---- */

static void *task_main(void *arg)
{
	es7_task *t = arg;
	smsr_es7 *x = t->owner;
	int fd = x->pipe[1];

	t->run(t);
	pthread_mutex_lock(&x->mu);
	t->next_done = x->done;
	x->done = t;
	pthread_mutex_unlock(&x->mu);
	if (write(fd, "", 1) < 0)
		m2m_warn(SMSR_LOG, "SM-SR change: worker wake-up lost: %s", strerror(errno));
	return NULL;
}

m2m_err es7_spawn(smsr *s, es7_task *t)
{
	smsr_es7 *x = s->es7;

	t->cfg = s->cfg;
	t->schema = s->schema;
	snprintf(t->from, sizeof t->from, "%s", s->address);
	t->owner = x;
	if (pthread_create(&t->thread, NULL, task_main, t) != 0)
		return M2M_ERR_IO;
	t->next = x->tasks;
	x->tasks = t;
	return M2M_OK;
}

m2m_err es7_client(const es7_task *t, long timeout_ms, m2m_ws_client **out)
{
	const m2m_smsr_cfg *cfg = t->cfg;
	m2m_ws_client_opts co = {
		.http = {.ca_file = cfg->es_ca[0] ? cfg->es_ca : NULL,
			 .cert_file = cfg->es_cert[0] ? cfg->es_cert : NULL,
			 .key_file = cfg->es_key[0] ? cfg->es_key : NULL,
			 .timeout_ms = timeout_ms,
			 .connect_timeout_ms = ES7_CONNECT_TIMEOUT_MS},
		.schema = t->schema,
		.binding = M2M_WS_SOAP,
		.from = t->from,
	};

	return m2m_ws_client_new(&co, out);
}

static void task_unlink(smsr_es7 *x, es7_task *t)
{
	for (es7_task **p = &x->tasks; *p != NULL; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			return;
		}
}

/* Loop: the finished tasks' done() (join: their threads are still to be joined). */
static void reap(smsr *s, bool join)
{
	smsr_es7 *x = s->es7;
	es7_task *list;

	pthread_mutex_lock(&x->mu);
	list = x->done;
	x->done = NULL;
	pthread_mutex_unlock(&x->mu);
	while (list != NULL) {
		es7_task *t = list;
		list = t->next_done;
		if (join)
			pthread_join(t->thread, NULL);
		task_unlink(x, t);
		t->done(s, t);
	}
}

static void on_pipe(evutil_socket_t fd, short what, void *arg)
{
	char b[64];

	(void)what;
	while (read(fd, b, sizeof b) > 0)
		;
	reap(arg, true);
}

void es7_result_status(const m2m_ws_result *res, m2m_err err, m2m_ws_client *c,
		       const char *subject, m2m_ws_exec_status *stt)
{
	if (err == M2M_OK && res->response != NULL &&
	    m2m_ws_msg_status(res->response, stt) == M2M_OK)
		return;
	if (err == M2M_OK && res->fault && res->error.fault_status) {
		*stt = res->error.status;
		return;
	}
	m2m_ws_status_set(stt, M2M_WS_FAILED, subject, M2M_WS_REASON_EXECUTION_ERROR, NULL,
			  "the other SM-SR: %s",
			  err != M2M_OK ? (c != NULL ? m2m_ws_client_error(c) : m2m_strerror(err))
					: res->fault ? res->error.text
						     : "no answer");
}

bool es7_eis_eid(const m2m_ws_node *body, char eid[M2M_STORE_EID_SIZE],
		 m2m_ws_exec_status *stt)
{
	const char *t = NULL;

	if (m2m_ws_get_text(body, "Eis/EumSignedInfo/Eid", &t) != M2M_OK || strlen(t) != 32 ||
	    strspn(t, "0123456789abcdefABCDEF") != 32) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_EID, M2M_WS_REASON_INVALID, t,
				  "Eis: Eid of 16 bytes expected");
		return false;
	}
	for (size_t i = 0; i <= 32; i++)
		eid[i] = (char)toupper((unsigned char)t[i]);
	return true;
}

/* ---- life cycle ---- */

static m2m_err load_identity(smsr *s, smsr_es7 *x)
{
	const m2m_smsr_cfg *cfg = s->cfg;
	m2m_gpcert gc;
	const char *why = NULL;
	FILE *f;
	uint8_t tmp[1024];
	size_t n;

	if (cfg->es7_gp_key[0] == '\0')
		return M2M_OK;
	if (m2m_ec_load_pem(cfg->es7_gp_key, true, &x->sk) != M2M_OK) {
		m2m_error(SMSR_LOG, "[es7] gp_key %s: not a PEM EC private key", cfg->es7_gp_key);
		return M2M_ERR_CONFIG;
	}
	f = fopen(cfg->es7_gp_cert, "rb");
	n = f != NULL ? fread(tmp, 1, sizeof tmp, f) : 0;
	if (f != NULL)
		fclose(f);
	if (n == 0 || n == sizeof tmp || m2m_gpcert_decode(tmp, n, &gc, &why) != M2M_OK ||
	    m2m_buf_append(&x->cert, tmp, n) != M2M_OK) {
		m2m_error(SMSR_LOG, "[es7] gp_cert %s: not a GP certificate (%s)", cfg->es7_gp_cert,
			  why != NULL ? why : "unreadable");
		return M2M_ERR_CONFIG;
	}
	return M2M_OK;
}

/* SM-SR2: the HandoverEUICC runs of this worker's previous life died with it; their
 * preparations may be used again (an SM-SR1 lock, though, lasts until its deadline:
 * docs/smsr-change.md "A hand-over cut by a crash"). */
static void free_preparations(smsr *s)
{
	int64_t n = 0;

	if (m2m_store_es7_prep_free(s->st, s->cfg->worker, &n) != M2M_OK)
		m2m_warn(SMSR_LOG, "SM-SR change: preparations of worker %s not freed: %s",
			 s->cfg->worker, m2m_store_errmsg(s->st));
	else if (n > 0)
		m2m_info(SMSR_LOG, "SM-SR change: %lld preparation(s) of an interrupted "
			 "HandoverEUICC usable again", (long long)n);
}

m2m_err smsr_es7_start(smsr *s)
{
	smsr_es7 *x = calloc(1, sizeof *x);
	m2m_err err;

	if (x == NULL)
		return M2M_ERR_NOMEM;
	x->pipe[0] = x->pipe[1] = -1;
	pthread_mutex_init(&x->mu, NULL);
	m2m_buf_init(&x->cert);
	s->es7 = x;
	if ((err = load_identity(s, x)) != M2M_OK)
		return err;
	if (pipe(x->pipe) != 0 || fcntl(x->pipe[0], F_SETFL, O_NONBLOCK) != 0)
		return M2M_ERR_IO;
	x->ev = event_new(s->base, x->pipe[0], EV_READ | EV_PERSIST, on_pipe, s);
	if (x->ev == NULL || event_add(x->ev, NULL) != 0)
		return M2M_ERR_NOMEM;
	free_preparations(s);
	return M2M_OK;
}

void smsr_es7_stop(smsr *s)
{
	smsr_es7 *x = s->es7;
	m2m_ws_exec_status stt;

	if (x == NULL)
		return;
	/* Workers end by their own time-outs; their results are still delivered. */
	for (es7_task *t = x->tasks; t != NULL; t = t->next)
		pthread_join(t->thread, NULL);
	reap(s, false);
	m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROVIDER,
			  M2M_WS_REASON_EXECUTION_ERROR, NULL, "the SM-SR is stopping");
	while (x->waits != NULL) {
		es7_wait *w = x->waits;
		x->waits = w->next;
		es7_reply_status(s, &w->reply, &stt);
		es7_wait_free(w);
	}
	while (x->locks != NULL) { /* none after the reap: each worker's done() ended its own */
		es7_lock *l = x->locks;
		x->locks = l->next;
		es7_reply_status(s, &l->reply, &stt);
		m2m_store_es7_lock_release(s->st, l->eid, s->cfg->worker);
		free(l);
	}
	if (x->ev != NULL)
		event_free(x->ev);
	if (x->pipe[0] >= 0)
		close(x->pipe[0]);
	if (x->pipe[1] >= 0)
		close(x->pipe[1]);
	m2m_ec_free(x->sk);
	m2m_buf_free(&x->cert);
	pthread_mutex_destroy(&x->mu);
	free(x);
	s->es7 = NULL;
}

/* ---- hooks ---- */

m2m_ws_reply smsr_es7_handle(smsr *s, const m2m_ws_call *call, m2m_ws_msg *resp)
{
	m2m_ws_exec_status stt;

	if (s->es7 == NULL) {
		m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROVIDER,
				  M2M_WS_REASON_EXECUTION_ERROR, NULL, "not started");
		m2m_ws_response_set_status(resp, &stt);
		return M2M_WS_REPLY_NOW;
	}
	switch (call->fn->id) {
	case M2M_WS_ES4_PREPARE_SMSR_CHANGE:
		return es7_prepare(s, call, resp);
	case M2M_WS_ES7_HANDOVER_EUICC:
		return es7_handover(s, call, resp);
	case M2M_WS_ES4_SMSR_CHANGE:
		return es7_smsr_change(s, call, resp);
	default:
		return es7_relay(s, call, resp); /* AuthenticateSMSR, CreateAdditionalKeySet */
	}
}

bool smsr_es7_kind(const char *kind)
{
	return strcmp(kind, SMSR_ES7_KIND_CERT) == 0 || strcmp(kind, SMSR_ES7_KIND_KEYS) == 0 ||
	       strcmp(kind, SMSR_ES7_KIND_FINALISE) == 0 || strcmp(kind, SMSR_ES7_KIND_PSK) == 0;
}

/* FinaliseISDRhandover data: (KVN first last)+. */
static m2m_err build_finalise(const uint8_t *d, size_t n, m2m_es5_cmd *c)
{
	m2m_es5_key_range r[16];

	if (n == 0 || n % 3 != 0 || n / 3 > 16)
		return M2M_ERR_FORMAT;
	for (size_t i = 0; i < n / 3; i++)
		r[i] = (m2m_es5_key_range){d[3 * i], d[3 * i + 1], d[3 * i + 2]};
	return m2m_es5_delete_keys(c, r, n / 3);
}

m2m_err smsr_es7_build(const smsr_slot *sl, m2m_es5_cmd *c)
{
	uint8_t d[ES7_DATA_MAX];
	size_t n = 0;

	if (!smsr_es7_kind(sl->kind))
		return M2M_ERR_UNSUPPORTED;
	if (strcmp(sl->kind, SMSR_ES7_KIND_PSK) == 0)
		return es7_psk_build(sl, c);
	if (m2m_hex_decode(sl->job.data, d, sizeof d, &n) != M2M_OK)
		return M2M_ERR_FORMAT;
	if (strcmp(sl->kind, SMSR_ES7_KIND_CERT) == 0)
		return m2m_es5_keyest_cert(c, d, n);
	if (strcmp(sl->kind, SMSR_ES7_KIND_KEYS) == 0)
		return m2m_es5_keyest_keys(c, d, n);
	return build_finalise(d, n, c);
}

m2m_err smsr_es7_apply(smsr *s, const smsr_slot *sl, const m2m_es5_result *r)
{
	m2m_err err;

	if (strcmp(sl->kind, SMSR_ES7_KIND_FINALISE) == 0) { /* SM-SR2: our address, our PSK */
		err = smsr_address_queue(s, sl->eid);
		return err == M2M_OK ? es7_psk_queue(s, sl) : err;
	}
	if (strcmp(sl->kind, SMSR_ES7_KIND_PSK) == 0)
		return es7_psk_apply(s, sl);
	return smsr_es7_kind(sl->kind) ? es7_relay_record(s, sl, r) : M2M_OK;
}

bool smsr_es7_locked_out(smsr *s, const smsr_slot *sl)
{
	m2m_ws_exec_status stt;

	if (s->es7 == NULL || smsr_es7_kind(sl->kind) || !es7_locked(s, sl->eid, NULL))
		return false;
	m2m_ws_status_set(&stt, M2M_WS_FAILED, M2M_WS_SUBJ_EUICC, M2M_WS_REASON_NOT_ALLOWED,
			  sl->eid, "the eUICC is being handed over to another SM-SR");
	smsr_finish(s, sl, M2M_STORE_JOB_FAILED, &stt);
	return true;
}

void smsr_es7_job_end(smsr *s, const smsr_slot *sl, const m2m_es5_result *r,
		      const m2m_ws_exec_status *stt)
{
	if (s->es7 == NULL || !smsr_es7_kind(sl->kind) ||
	    strcmp(sl->kind, SMSR_ES7_KIND_PSK) == 0) /* internal: logged by the engine */
		return;
	/* Between the relayed 3A01 and 3A02 the ISD-R holds key establishment state: the
	 * eUICC runs nothing else meanwhile (smsr_chain.c). */
	smsr_chain_set(s, sl->eid, strcmp(sl->kind, SMSR_ES7_KIND_CERT) == 0 && r != NULL &&
					   stt->status == M2M_WS_EXECUTED_SUCCESS);
	if (strcmp(sl->kind, SMSR_ES7_KIND_FINALISE) == 0)
		es7_finalise_end(s, sl, stt);
	else
		es7_relay_end(s, sl, r, stt);
}
