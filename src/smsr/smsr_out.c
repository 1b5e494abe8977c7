/* The outbound worker: deferred answers to ReplyTo and notifications to the operators go
 * through the blocking ws client on one thread, so the loop never waits for a peer.
 * Answers (and the SM-SR change notifications) are best effort from memory: a caller that
 * missed an answer retries with the same FunctionCallIdentifier and gets the recorded one.
 * The Handle*Notification calls about profiles are durable: rows of the store's outbox
 * (smsr_notif.c writes them with their event), sent here until the peer takes them, again
 * with back-off when it refuses or cannot be reached, given up after [notify] retry_for
 * (docs/smsr.md "Notifications"). The worker has its own store handle (the loop's is not
 * shared across threads). */
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
} item;

struct smsr_out {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	item *head, *tail;
	bool stop;
	bool kicked; /* the outbox has new rows */
	const m2m_smsr_cfg *cfg;
	m2m_ws_client *client;
	m2m_store *st; /* the worker's: the outbox; NULL when it could not be opened */
};

static void item_free(item *it)
{
	m2m_ws_deferred_clear(&it->d);
	free(it->url);
	m2m_ws_msg_free(it->msg);
	free(it);
}

/* One call: true when the peer took it (HTTP 2xx, no fault); why says otherwise. */
static bool post(smsr_out *o, const item *it, char *why, size_t cap)
{
	m2m_ws_result res;
	m2m_err err;
	bool ok;

	memset(&res, 0, sizeof res);
	if (it->answer)
		err = m2m_ws_client_answer(o->client, &it->d, it->msg, &res);
	else
		err = m2m_ws_client_call(o->client, it->url, it->msg, NULL, &res);
	ok = smsr_out_taken(o->client, err, &res, why, cap);
	m2m_ws_result_free(&res);
	return ok;
}

static void send_one(smsr_out *o, item *it)
{
	char why[256] = "";
	const char *to = it->answer ? it->d.reply_to : it->url;

	if (post(o, it, why, sizeof why))
		m2m_debug(SMSR_LOG, "%s to %s: delivered", it->answer ? "answer" : "notification",
			  to);
	else
		m2m_warn(SMSR_LOG, "%s to %s failed: %s", it->answer ? "answer" : "notification",
			 to, why);
}

static bool stopping(smsr_out *o)
{
	bool stop;

	pthread_mutex_lock(&o->lock);
	stop = o->stop;
	pthread_mutex_unlock(&o->lock);
	return stop;
}

static item *pop(smsr_out *o)
{
	item *it = o->head;

	if (it != NULL) {
		o->head = it->next;
		if (o->head == NULL)
			o->tail = NULL;
	}
	return it;
}

/* Until now_ms + ms, or a push, a kick or the stop. */
static void wait_for(smsr_out *o, int64_t ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	while (o->head == NULL && !o->stop && !o->kicked)
		if (pthread_cond_timedwait(&o->cond, &o->lock, &ts) != 0)
			break;
}

/* Each pass sends the outbox rows due, then the item taken from memory: an item pushed after
 * an outbox commit (a DeleteProfile's answer after its Deleted notification) follows the
 * rows that commit wrote. */
static void *run(void *arg)
{
	smsr_out *o = arg;
	int64_t wait_ms = 0;

	pthread_mutex_lock(&o->lock);
	for (;;) {
		if (wait_ms > 0)
			wait_for(o, wait_ms);
		if (o->head == NULL && o->stop)
			break;
		item *it = pop(o);
		bool stop = o->stop;
		o->kicked = false;
		pthread_mutex_unlock(&o->lock);
		/* Stopping: the items in memory go, the outbox waits for the next start. */
		wait_ms = stop ? 0 : smsr_outbox_pass(o->st, o->cfg, o->client, stopping, o);
		if (it != NULL) {
			send_one(o, it);
			item_free(it);
		}
		pthread_mutex_lock(&o->lock);
		if (o->head != NULL)
			wait_ms = 0;
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
	o->cfg = cfg;
	if (m2m_ws_client_new(&co, &o->client) != M2M_OK) {
		free(o);
		return M2M_ERR_ARG;
	}
	/* No master key: the marks touch no key material. */
	if (m2m_store_open(cfg->db, NULL, &o->st, errbuf, sizeof errbuf) != M2M_OK) {
		m2m_warn(SMSR_LOG, "outbound worker: no store (the outbox is not sent): %s",
			 errbuf);
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

void smsr_out_kick(smsr_out *o)
{
	if (o == NULL)
		return;
	pthread_mutex_lock(&o->lock);
	o->kicked = true;
	pthread_cond_signal(&o->cond);
	pthread_mutex_unlock(&o->lock);
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
