/* The outbound worker: deferred answers to ReplyTo and notifications to the operators go
 * through the blocking ws client on one thread, so the loop never waits for a peer. Best
 * effort: a failure is logged (a caller that missed an answer retries with the same
 * FunctionCallIdentifier and gets the recorded one). A notification that forwards a card's
 * notification marks it `forwarded` once delivered, through the worker's own store handle
 * (the loop's is not shared across threads). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "smsr/smsr_int.h"
#include "smsr/smsr_notif.h"

typedef struct item {
	struct item *next;
	bool answer;
	m2m_ws_deferred d;
	char *url;
	m2m_ws_msg *msg;
	char eid[M2M_STORE_EID_SIZE]; /* with seq >= 0: the card's notification forwarded */
	int64_t seq;
} item;

struct smsr_out {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	item *head, *tail;
	bool stop;
	m2m_ws_client *client;
	m2m_store *st; /* the worker's: delivery marks; NULL when it could not be opened */
};

static void item_free(item *it)
{
	m2m_ws_deferred_clear(&it->d);
	free(it->url);
	m2m_ws_msg_free(it->msg);
	free(it);
}

/* The card's notification was handed to its operator. */
static void mark_forwarded(smsr_out *o, const item *it)
{
	m2m_err err;

	if (o->st == NULL)
		return;
	err = m2m_store_notif_set_state(o->st, it->eid, it->seq, M2M_STORE_NOTIF_FORWARDED,
					m2m_store_now_ms());
	if (err != M2M_OK)
		m2m_warn(SMSR_LOG, "%s: notification %lld not marked forwarded: %s", it->eid,
			 (long long)it->seq, m2m_store_errmsg(o->st));
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
	else {
		m2m_debug(SMSR_LOG, "%s to %s: HTTP %ld", it->answer ? "answer" : "notification",
			  it->answer ? it->d.reply_to : it->url, res.http_status);
		if (!it->answer && it->seq >= 0 && res.http_status / 100 == 2)
			mark_forwarded(o, it);
	}
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

	char errbuf[256];

	if (o == NULL)
		return M2M_ERR_NOMEM;
	if (m2m_ws_client_new(&co, &o->client) != M2M_OK) {
		free(o);
		return M2M_ERR_ARG;
	}
	/* No master key: the marks touch no key material. */
	if (m2m_store_open(cfg->db, NULL, &o->st, errbuf, sizeof errbuf) != M2M_OK) {
		m2m_warn(SMSR_LOG, "outbound worker: no store (notifications not marked "
				   "forwarded): %s", errbuf);
		o->st = NULL;
	}
	pthread_mutex_init(&o->lock, NULL);
	pthread_cond_init(&o->cond, NULL);
	if (pthread_create(&o->thread, NULL, run, o) != 0) {
		m2m_store_close(o->st);
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

void smsr_out_notify_of(smsr_out *o, const char *url, m2m_ws_msg *msg, const char *eid,
			int64_t seq)
{
	item *it = calloc(1, sizeof *it);

	if (it == NULL || (it->url = strdup(url)) == NULL) {
		free(it);
		m2m_ws_msg_free(msg);
		return;
	}
	it->msg = msg;
	it->seq = eid != NULL ? seq : -1;
	snprintf(it->eid, sizeof it->eid, "%s", eid != NULL ? eid : "");
	push(o, it);
}

void smsr_out_notify(smsr_out *o, const char *url, m2m_ws_msg *msg)
{
	smsr_out_notify_of(o, url, msg, NULL, -1);
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
	m2m_store_close(o->st);
	m2m_ws_client_free(o->client);
	pthread_mutex_destroy(&o->lock);
	pthread_cond_destroy(&o->cond);
	free(o);
}
