/* The outbound worker: deferred answers to ReplyTo and notifications to the operators go
 * through the blocking ws client on one thread, so the loop never waits for a peer. Best
 * effort: a failure is logged (a caller that missed an answer retries with the same
 * FunctionCallIdentifier and gets the recorded one). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "smsr/smsr_int.h"

typedef struct item {
	struct item *next;
	bool answer;
	m2m_ws_deferred d;
	char *url;
	m2m_ws_msg *msg;
} item;

struct smsr_out {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	item *head, *tail;
	bool stop;
	m2m_ws_client *client;
};

static void item_free(item *it)
{
	m2m_ws_deferred_clear(&it->d);
	free(it->url);
	m2m_ws_msg_free(it->msg);
	free(it);
}

static void send_one(smsr_out *o, item *it)
{
	m2m_ws_result res;
	m2m_err err;

	memset(&res, 0, sizeof res);
	if (it->answer)
		err = m2m_ws_client_answer(o->client, &it->d, it->msg, &res);
	else
		err = m2m_ws_client_call(o->client, it->url, it->msg, NULL, &res);
	if (err != M2M_OK || res.fault)
		m2m_warn(SMSR_LOG, "%s to %s failed: %s %s", it->answer ? "answer" : "notification",
			 it->answer ? it->d.reply_to : it->url,
			 err != M2M_OK ? m2m_ws_client_error(o->client) : "fault",
			 res.error.text);
	else
		m2m_debug(SMSR_LOG, "%s to %s: HTTP %ld", it->answer ? "answer" : "notification",
			  it->answer ? it->d.reply_to : it->url, res.http_status);
	m2m_ws_result_free(&res);
}

static void *run(void *arg)
{
	smsr_out *o = arg;

	pthread_mutex_lock(&o->lock);
	for (;;) {
		while (o->head == NULL && !o->stop)
			pthread_cond_wait(&o->cond, &o->lock);
		if (o->head == NULL)
			break;
		item *it = o->head;
		o->head = it->next;
		if (o->head == NULL)
			o->tail = NULL;
		pthread_mutex_unlock(&o->lock);
		send_one(o, it);
		item_free(it);
		pthread_mutex_lock(&o->lock);
	}
	pthread_mutex_unlock(&o->lock);
	return NULL;
}

m2m_err smsr_out_new(const m2m_smsr_cfg *cfg, const m2m_ws_schema *schema, const char *from,
		     smsr_out **out)
{
	smsr_out *o = calloc(1, sizeof *o);
	m2m_ws_client_opts co = {
		.http = {.ca_file = cfg->es_ca[0] ? cfg->es_ca : NULL,
			 .cert_file = cfg->es_cert[0] ? cfg->es_cert : NULL,
			 .key_file = cfg->es_key[0] ? cfg->es_key : NULL,
			 .timeout_ms = 10000,
			 .connect_timeout_ms = 3000},
		.schema = schema,
		.binding = M2M_WS_SOAP,
		.from = from,
	};

	if (o == NULL)
		return M2M_ERR_NOMEM;
	if (m2m_ws_client_new(&co, &o->client) != M2M_OK) {
		free(o);
		return M2M_ERR_ARG;
	}
	pthread_mutex_init(&o->lock, NULL);
	pthread_cond_init(&o->cond, NULL);
	if (pthread_create(&o->thread, NULL, run, o) != 0) {
		m2m_ws_client_free(o->client);
		pthread_mutex_destroy(&o->lock);
		pthread_cond_destroy(&o->cond);
		free(o);
		return M2M_ERR_IO;
	}
	*out = o;
	return M2M_OK;
}

static void push(smsr_out *o, item *it)
{
	pthread_mutex_lock(&o->lock);
	if (o->tail != NULL)
		o->tail->next = it;
	else
		o->head = it;
	o->tail = it;
	pthread_cond_signal(&o->cond);
	pthread_mutex_unlock(&o->lock);
}

static char *dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

void smsr_out_answer(smsr_out *o, const m2m_ws_deferred *d, m2m_ws_msg *msg)
{
	item *it = calloc(1, sizeof *it);

	if (it == NULL) {
		m2m_ws_msg_free(msg);
		return;
	}
	it->answer = true;
	it->d.fn = d->fn;
	it->d.binding = d->binding;
	it->d.relates_to = dup_or_null(d->relates_to);
	it->d.reply_to = dup_or_null(d->reply_to);
	it->msg = msg;
	push(o, it);
}

void smsr_out_notify(smsr_out *o, const char *url, m2m_ws_msg *msg)
{
	item *it = calloc(1, sizeof *it);

	if (it == NULL || (it->url = strdup(url)) == NULL) {
		free(it);
		m2m_ws_msg_free(msg);
		return;
	}
	it->msg = msg;
	push(o, it);
}

void smsr_out_free(smsr_out *o)
{
	if (o == NULL)
		return;
	pthread_mutex_lock(&o->lock);
	o->stop = true;
	pthread_cond_signal(&o->cond);
	pthread_mutex_unlock(&o->lock);
	pthread_join(o->thread, NULL);
	m2m_ws_client_free(o->client);
	pthread_mutex_destroy(&o->lock);
	pthread_cond_destroy(&o->cond);
	free(o);
}
