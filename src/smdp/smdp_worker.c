/* The worker threads: each takes ES2 tasks from the queue and runs them with its own store
 * handle, ws client (blocking ES3 calls to the SM-SR, no ReplyTo: the SM-SR holds the answer)
 * and eligibility trust cache. Answers go to ReplyTo from the worker, or back to the loop
 * thread through the done list and a pipe byte (held exchanges are the loop's). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "smdp/smdp_int.h"

void smdp_task_free(smdp_task *t)
{
	if (t == NULL)
		return;
	m2m_ws_msg_free(t->es3);
	m2m_ws_msg_free(t->response);
	m2m_ws_deferred_clear(&t->d);
	free(t);
}

void smdp_enqueue(smdp *s, smdp_task *t)
{
	pthread_mutex_lock(&s->lock);
	t->next = NULL;
	if (s->queue_tail != NULL)
		s->queue_tail->next = t;
	else
		s->queue_head = t;
	s->queue_tail = t;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

static smdp_task *dequeue(smdp *s)
{
	smdp_task *t;

	pthread_mutex_lock(&s->lock);
	while (s->queue_head == NULL && !s->stopping)
		pthread_cond_wait(&s->cond, &s->lock);
	t = s->stopping ? NULL : s->queue_head;
	if (t != NULL) {
		s->queue_head = t->next;
		if (s->queue_head == NULL)
			s->queue_tail = NULL;
	}
	pthread_mutex_unlock(&s->lock);
	return t;
}

m2m_err smdp_respond(smdp_task *t, const m2m_ws_exec_status *stt, const char *iccid)
{
	m2m_err err;

	m2m_ws_msg_free(t->response);
	t->response = NULL;
	err = m2m_ws_response_new(t->fn, stt, &t->response);
	if (err == M2M_OK && iccid != NULL && iccid[0] != '\0')
		err = m2m_ws_add(t->response, NULL, "Iccid", iccid, NULL);
	return err;
}

m2m_err smdp_es3_request(const smdp *s, m2m_ws_fn fn, const char *eid, m2m_ws_msg **out)
{
	char fcid[M2M_WS_MESSAGE_ID_SIZE];
	m2m_err err;

	(void)s;
	*out = NULL;
	if ((err = m2m_ws_new_message_id(fcid, sizeof fcid)) != M2M_OK ||
	    (err = m2m_ws_request_new(fn, fcid, 0, out)) != M2M_OK)
		return err;
	err = m2m_ws_add(*out, NULL, "Eid", eid, NULL);
	if (err != M2M_OK) {
		m2m_ws_msg_free(*out);
		*out = NULL;
	}
	return err;
}

m2m_err smdp_es3_call(smdp_worker *w, const smdp_task *t, m2m_ws_msg *req, m2m_ws_msg **resp,
		      m2m_ws_exec_status *stt)
{
	const char *name = m2m_ws_msg_function(req)->name;
	m2m_ws_result res;
	m2m_err err;

	*resp = NULL;
	memset(&res, 0, sizeof res);
	err = m2m_ws_client_call(w->client, t->smsr->url, req, NULL, &res);
	if (err == M2M_ERR_IO) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_SMSR,
				  M2M_WS_REASON_UNAVAILABLE, t->smsr->oid, "%s: SM-SR unreachable: %s",
				  name, m2m_ws_client_error(w->client));
		goto out;
	}
	if (err != M2M_OK || res.fault) {
		if (res.error.status.status == M2M_WS_FAILED && res.error.status.subject[0] != '\0')
			*stt = res.error.status;
		else
			m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_SMSR,
					  M2M_WS_REASON_EXECUTION_ERROR, t->smsr->oid,
					  "%s: the SM-SR answered %s", name, res.error.text);
		err = err != M2M_OK ? err : M2M_ERR_STATE;
		goto out;
	}
	if (res.accepted || res.response == NULL) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_SMSR,
				  M2M_WS_REASON_EXECUTION_ERROR, t->smsr->oid,
				  "%s: the SM-SR did not answer synchronously", name);
		err = M2M_ERR_STATE;
		goto out;
	}
	if (m2m_ws_msg_status(res.response, stt) != M2M_OK) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_SMSR,
				  M2M_WS_REASON_EXECUTION_ERROR, t->smsr->oid,
				  "%s: no status in the SM-SR's answer", name);
		err = M2M_ERR_FORMAT;
		goto out;
	}
	if (stt->status != M2M_WS_EXECUTED_SUCCESS &&
	    stt->status != M2M_WS_EXECUTED_WITHWARNING) {
		err = M2M_ERR_STATE;
		goto out;
	}
	*resp = res.response;
	res.response = NULL;
out:
	if (err != M2M_OK)
		m2m_info(SMDP_LOG, "%s for %s: %s %s/%s %s", name, t->eid,
			 m2m_ws_status_name(stt->status), stt->subject, stt->reason, stt->message);
	m2m_ws_result_free(&res);
	return err;
}

void smdp_audit(smdp_worker *w, const smdp_task *t, const m2m_ws_exec_status *stt)
{
	m2m_store_audit a;
	char detail[M2M_WS_MESSAGE_MAX + 64];

	memset(&a, 0, sizeof a);
	snprintf(a.actor, sizeof a.actor, "%s", t->actor);
	snprintf(a.function, sizeof a.function, "%s", m2m_ws_function_get(t->fn)->name);
	snprintf(a.eid, sizeof a.eid, "%s", t->eid);
	snprintf(a.iccid, sizeof a.iccid, "%s", t->iccid);
	snprintf(a.outcome, sizeof a.outcome, "%s", m2m_ws_status_name(stt->status));
	snprintf(detail, sizeof detail, "%s/%s %s", stt->subject, stt->reason, stt->message);
	a.detail = detail;
	if (m2m_store_audit_add(w->st, &a, NULL) != M2M_OK)
		m2m_warn(SMDP_LOG, "audit not recorded: %s", m2m_store_errmsg(w->st));
}

/* Hands the answer on: to ReplyTo from here, or to the loop for a held exchange. */
static void finish(smdp_worker *w, smdp_task *t)
{
	smdp *s = w->s;
	m2m_ws_result res;
	char byte = 1;

	if (t->notify) {
		smdp_task_free(t);
		return;
	}
	if (t->hold == NULL) {
		memset(&res, 0, sizeof res);
		if (t->response == NULL)
			m2m_error(SMDP_LOG, "no answer for %s", t->d.reply_to);
		else if (m2m_ws_client_answer(w->client, &t->d, t->response, &res) != M2M_OK)
			m2m_warn(SMDP_LOG, "answer to %s failed: %s", t->d.reply_to,
				 m2m_ws_client_error(w->client));
		m2m_ws_result_free(&res);
		smdp_task_free(t);
		return;
	}
	pthread_mutex_lock(&s->lock);
	t->next = s->done_head;
	s->done_head = t;
	pthread_mutex_unlock(&s->lock);
	if (write(s->pipe_fd[1], &byte, 1) != 1)
		m2m_warn(SMDP_LOG, "the loop could not be woken");
}

static void run_task(smdp_worker *w, smdp_task *t)
{
	m2m_ws_exec_status stt;
	char iccid[M2M_STORE_ICCID_SIZE] = "";

	memset(&stt, 0, sizeof stt);
	if (t->recover) {
		smdp_recover(w, t);
		smdp_task_free(t);
		return;
	}
	if (t->notify) {
		smdp_notify(w, t);
		finish(w, t);
		return;
	}
	if (t->fn == M2M_WS_ES2_DOWNLOAD_PROFILE)
		smdp_download(w, t, &stt, iccid);
	else
		smdp_relay(w, t, &stt);
	if (iccid[0] != '\0')
		snprintf(t->iccid, sizeof t->iccid, "%s", iccid);
	smdp_audit(w, t, &stt);
	m2m_info(SMDP_LOG, "%s from %s for %s %s: %s %s/%s %s",
		 m2m_ws_function_get(t->fn)->name, t->actor, t->eid, t->iccid,
		 m2m_ws_status_name(stt.status), stt.subject, stt.reason, stt.message);
	if (t->response == NULL && smdp_respond(t, &stt, iccid) != M2M_OK)
		m2m_error(SMDP_LOG, "the response cannot be built");
	finish(w, t);
}

static void *worker_main(void *arg)
{
	smdp_worker *w = arg;
	smdp_task *t;

	while ((t = dequeue(w->s)) != NULL)
		run_task(w, t);
	return NULL;
}

static m2m_err worker_init(smdp *s, smdp_worker *w)
{
	const m2m_smdp_cfg *cfg = s->cfg;
	char err[256];
	m2m_ws_client_opts co = {
		.http = {.ca_file = cfg->es_ca[0] ? cfg->es_ca : NULL,
			 .cert_file = cfg->es_cert[0] ? cfg->es_cert : NULL,
			 .key_file = cfg->es_key[0] ? cfg->es_key : NULL,
			 .timeout_ms = (long)cfg->timeout_s * 1000,
			 .connect_timeout_ms = 5000},
		.schema = s->schema,
		.binding = M2M_WS_SOAP,
		.from = s->address,
	};

	w->s = s;
	if (m2m_store_open(cfg->db, cfg->master_key, &w->st, err, sizeof err) != M2M_OK) {
		m2m_error(SMDP_LOG, "store %s: %s", cfg->db, err);
		return M2M_ERR_IO;
	}
	if (m2m_ws_client_new(&co, &w->client) != M2M_OK ||
	    m2m_smdp_trust_new(s->ci_pem.data, s->ci_pem.len, &w->trust) != M2M_OK)
		return M2M_ERR_ARG;
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
		return M2M_ERR_IO;
	w->started = true;
	return M2M_OK;
}

m2m_err smdp_workers_start(smdp *s)
{
	m2m_err err = M2M_OK;

	s->workers = calloc(s->cfg->workers, sizeof *s->workers);
	if (s->workers == NULL)
		return M2M_ERR_NOMEM;
	for (unsigned i = 0; i < s->cfg->workers && err == M2M_OK; i++)
		err = worker_init(s, &s->workers[i]);
	return err;
}

void smdp_workers_stop(smdp *s)
{
	smdp_task *t;

	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	for (unsigned i = 0; s->workers != NULL && i < s->cfg->workers; i++) {
		smdp_worker *w = &s->workers[i];
		if (w->started)
			pthread_join(w->thread, NULL);
		m2m_ws_client_free(w->client);
		m2m_smdp_trust_free(w->trust);
		m2m_store_close(w->st);
	}
	free(s->workers);
	s->workers = NULL;
	while ((t = s->queue_head) != NULL) {
		s->queue_head = t->next;
		smdp_task_free(t); /* a held one is answered by the ws server's free */
	}
	s->queue_tail = NULL;
}

void smdp_done_drain(smdp *s)
{
	smdp_task *list, *t;

	pthread_mutex_lock(&s->lock);
	list = s->done_head;
	s->done_head = NULL;
	pthread_mutex_unlock(&s->lock);
	while ((t = list) != NULL) {
		list = t->next;
		m2m_ws_server_complete(t->hold, t->response);
		smdp_task_free(t);
	}
}
