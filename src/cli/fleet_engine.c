/* The fleet engine: the main thread dispatches rows to worker threads with at most
 * `concurrency` calls outstanding, writes each outcome as it arrives and expires calls whose
 * answer does not come; workers make the calls (blocking libcurl clients, one each); answers
 * sent to our ReplyTo arrive on the callback thread. All shared state is under one mutex. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/fleet_call.h"
#include "cli/fleet_int.h"
#include "core/log.h"
#include "ws/client.h"

#define LOG "fleet"
#define TICK_NS 250000000L
#define TICK_S 0.25
/* Transport failures in a row, with no answer in between, after which the run gives up. */
#define GIVE_UP_MIN 10
/* A synchronous call gets its own HTTP time-out first; the engine's comes a bit later. */
#define SYNC_GRACE 5.0

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	(void)sig;
	got_signal = 1;
}

bool m2m_fleet_write(m2m_fleet_runner *r, const m2m_fleet_row *row, const m2m_fleet_outcome *o)
{
	m2m_buf line;
	m2m_buf_init(&line);
	bool ok = m2m_fleet_result_line(&line, m2m_fleet_row_eid(row), m2m_fleet_row_iccid(row),
					 o) == M2M_OK &&
		  fwrite(line.data, 1, line.len, r->out) == line.len && fflush(r->out) == 0;
	m2m_buf_free(&line);
	if (!ok && !r->io_failed) {
		r->io_failed = true;
		m2m_fleet_progress_clear(&r->progress);
		fprintf(stderr, "m2mrsp: %s: %s: cannot write: %s\n", r->what, r->out_path,
			strerror(errno));
	}
	return ok;
}

/* --- shared state (mu held) -------------------------------------------------------------- */

static void push_work(m2m_fleet_runner *r, size_t row)
{
	r->ring[(r->ring_head + r->ring_len) % r->ring_cap] = row;
	r->ring_len++;
	pthread_cond_signal(&r->work_cv);
}

static void push_done(m2m_fleet_runner *r, m2m_fleet_done *d)
{
	d->next = NULL;
	if (r->done_tail != NULL)
		r->done_tail->next = d;
	else
		r->done_head = d;
	r->done_tail = d;
	pthread_cond_signal(&r->main_cv);
}

/* Hands an outcome for the call msgid of row to the main thread, unless another path (the
 * callback, or the synchronous answer) already did. */
static void deliver(m2m_fleet_runner *r, const char *msgid, size_t row, m2m_fleet_done *d)
{
	size_t have;
	if (m2m_fleet_map_get(&r->pending, msgid, &have) != M2M_OK || have != row) {
		free(d);
		return;
	}
	m2m_fleet_map_del(&r->pending, msgid);
	d->row = row;
	d->step = (m2m_fleet_step)r->in.row[row].step;
	d->late = r->in.row[row].state == M2M_FLEET_ROW_TIMED_OUT;
	push_done(r, d);
}

/* --- workers ----------------------------------------------------------------------------- */

static m2m_err new_client(m2m_fleet_runner *r, m2m_ws_client **c)
{
	const m2m_fleet_cfg *cfg = r->cfg;
	m2m_ws_client_opts o = {
		.http = {.ca_file = cfg->ca, .cert_file = cfg->cert, .key_file = cfg->key,
			 .timeout_ms = (long)cfg->timeout_s * 1000},
		.schema = r->schema,
		.binding = M2M_WS_SOAP,
		.from = r->reply_to,
	};
	return m2m_ws_client_new(&o, c);
}

/* Builds the request of row idx's step with a MessageID of ours and registers that as awaiting
 * an answer. */
static m2m_err begin(m2m_fleet_runner *r, size_t idx, m2m_fleet_step step, m2m_fleet_done *d,
		     char *msgid, m2m_ws_msg **msg)
{
	const m2m_fleet_row *row = &r->in.row[idx];
	m2m_err err = m2m_fleet_row_fci(r->cfg, r->batch, step, row, d->o.fci, sizeof d->o.fci);
	if (err == M2M_OK)
		err = m2m_fleet_request(r->cfg, step, row, d->o.fci, msg);
	if (err == M2M_OK)
		err = m2m_ws_new_message_id(msgid, M2M_WS_MESSAGE_ID_SIZE);
	if (err == M2M_OK)
		err = m2m_ws_msg_set_wsa(*msg, M2M_WS_WSA_MESSAGE_ID, msgid);
	pthread_mutex_lock(&r->mu);
	if (err == M2M_OK)
		err = m2m_fleet_map_put(&r->pending, msgid, idx);
	if (err == M2M_OK) {
		r->in.row[idx].deadline = m2m_fleet_now() + r->cfg->timeout_s +
					  (r->reply_to == NULL ? SYNC_GRACE : 0);
	} else {
		r->fatal = err;
		pthread_cond_signal(&r->main_cv);
	}
	pthread_mutex_unlock(&r->mu);
	return err;
}

/* Makes the call of row idx's step; the outcome goes to the main thread. */
static void call(m2m_fleet_runner *r, m2m_ws_client *c, size_t idx, m2m_fleet_step step)
{
	char msgid[M2M_WS_MESSAGE_ID_SIZE];
	m2m_ws_msg *msg = NULL;
	m2m_ws_result res = {0};
	m2m_fleet_done *d = calloc(1, sizeof *d);
	const char *url = step == M2M_FLEET_STEP_PREPARE ? r->target_url : r->url;
	if (d == NULL) {
		pthread_mutex_lock(&r->mu);
		r->fatal = M2M_ERR_NOMEM;
		pthread_cond_signal(&r->main_cv);
		pthread_mutex_unlock(&r->mu);
		return;
	}
	if (begin(r, idx, step, d, msgid, &msg) != M2M_OK) {
		free(d);
		m2m_ws_msg_free(msg);
		return; /* fatal: the run stops */
	}
	m2m_err err = m2m_ws_client_call(c, url, msg, r->reply_to, &res);
	m2m_fleet_call_kind kind = m2m_fleet_call_outcome(err, &res, r->reply_to == NULL,
							  m2m_ws_client_error(c), &d->o);
	pthread_mutex_lock(&r->mu);
	if (kind == M2M_FLEET_CALL_TRANSPORT) {
		r->transport++;
		r->consecutive++;
	} else if (kind != M2M_FLEET_CALL_LOCAL) {
		r->reached++;
		r->consecutive = 0;
	}
	if (kind == M2M_FLEET_CALL_WAIT) {
		free(d); /* the answer comes to ReplyTo */
		pthread_cond_signal(&r->main_cv);
	} else {
		deliver(r, msgid, idx, d);
	}
	pthread_mutex_unlock(&r->mu);
	m2m_ws_result_free(&res);
	m2m_ws_msg_free(msg);
}

static void *worker(void *arg)
{
	m2m_fleet_runner *r = arg;
	m2m_ws_client *c = NULL;
	m2m_err err = new_client(r, &c);
	pthread_mutex_lock(&r->mu);
	if (err != M2M_OK) {
		r->fatal = err;
		pthread_cond_signal(&r->main_cv);
	}
	while (err == M2M_OK) {
		while (!r->quit && r->ring_len == 0)
			pthread_cond_wait(&r->work_cv, &r->mu);
		if (r->quit)
			break;
		size_t idx = r->ring[r->ring_head];
		r->ring_head = (r->ring_head + 1) % r->ring_cap;
		r->ring_len--;
		r->in.row[idx].state = M2M_FLEET_ROW_SENT;
		m2m_fleet_step step = (m2m_fleet_step)r->in.row[idx].step;
		pthread_mutex_unlock(&r->mu);
		call(r, c, idx, step);
		pthread_mutex_lock(&r->mu);
	}
	pthread_mutex_unlock(&r->mu);
	m2m_ws_client_free(c);
	return NULL;
}

/* --- answers to our ReplyTo (callback thread) -------------------------------------------- */

void m2m_fleet_engine_answer(void *arg, const m2m_ws_call *call)
{
	m2m_fleet_runner *r = arg;
	const char *rel = call->wsa->relates_to;
	size_t idx;
	if (rel == NULL) {
		m2m_warn(LOG, "%s answer without RelatesTo ignored", call->fn->name);
		return;
	}
	pthread_mutex_lock(&r->mu);
	if (m2m_fleet_map_get(&r->pending, rel, &idx) != M2M_OK ||
	    m2m_fleet_op_fn(r->cfg->op, (m2m_fleet_step)r->in.row[idx].step) != call->fn->id) {
		pthread_mutex_unlock(&r->mu);
		m2m_info(LOG, "%s answer relating to %s: no call awaits it", call->fn->name, rel);
		return;
	}
	m2m_fleet_done *d = calloc(1, sizeof *d);
	if (d == NULL) {
		r->fatal = M2M_ERR_NOMEM;
		pthread_cond_signal(&r->main_cv);
		pthread_mutex_unlock(&r->mu);
		return;
	}
	m2m_fleet_outcome_of(call->msg, &d->o);
	m2m_fleet_row_fci(r->cfg, r->batch, (m2m_fleet_step)r->in.row[idx].step, &r->in.row[idx],
			  d->o.fci, sizeof d->o.fci);
	r->reached++;
	r->consecutive = 0;
	deliver(r, rel, idx, d);
	pthread_mutex_unlock(&r->mu);
}

/* --- main thread (mu held) --------------------------------------------------------------- */

static bool failure(m2m_fleet_status s)
{
	return s != M2M_FLEET_SUCCESS && s != M2M_FLEET_WARNING;
}

static void count(m2m_fleet_runner *r, m2m_fleet_status s, int by)
{
	r->count[s] += (size_t)by;
	if (failure(s))
		r->failures += (size_t)by;
}

/* The row's sequence of calls ended with o. */
static void finish(m2m_fleet_runner *r, m2m_fleet_row *row, m2m_fleet_outcome *o,
		   m2m_fleet_row_state state)
{
	o->seconds = m2m_fleet_now() - row->t0;
	if (row->step == M2M_FLEET_STEP_PREPARE) {
		char m[sizeof o->message];
		snprintf(m, sizeof m, "%s", o->message);
		m2m_fleet_outcome_msg(o, "PrepareSMSRChange: %s", m);
	}
	m2m_fleet_write(r, row, o);
	count(r, o->status, 1);
	row->state = (uint8_t)state;
	r->outstanding--;
	r->done++;
}

/* A late answer replaces the ERROR written at the time-out; for the main step only. */
static void late(m2m_fleet_runner *r, m2m_fleet_row *row, m2m_fleet_done *d)
{
	if (d->step != M2M_FLEET_STEP_MAIN || !m2m_fleet_status_final(d->o.status))
		return;
	d->o.seconds = m2m_fleet_now() - row->t0;
	m2m_fleet_write(r, row, &d->o);
	count(r, M2M_FLEET_ERROR, -1);
	count(r, d->o.status, 1);
	row->state = M2M_FLEET_ROW_DONE;
}

static void drain(m2m_fleet_runner *r)
{
	while (r->done_head != NULL) {
		m2m_fleet_done *d = r->done_head;
		m2m_fleet_row *row = &r->in.row[d->row];
		r->done_head = d->next;
		if (r->done_head == NULL)
			r->done_tail = NULL;
		if (d->late && row->state == M2M_FLEET_ROW_TIMED_OUT) {
			late(r, row, d);
		} else if (row->state == M2M_FLEET_ROW_SENT && d->step == M2M_FLEET_STEP_PREPARE &&
			   !failure(d->o.status)) {
			/* Prepared on the target: now SMSRChange, in the same slot. */
			row->step = M2M_FLEET_STEP_MAIN;
			row->state = M2M_FLEET_ROW_QUEUED;
			push_work(r, d->row);
		} else if (row->state == M2M_FLEET_ROW_SENT) {
			finish(r, row, &d->o, M2M_FLEET_ROW_DONE);
		}
		free(d);
	}
}

/* Calls whose answer is overdue become ERROR rows; their MessageID stays known, so an answer
 * that comes later still counts. */
static void expire(m2m_fleet_runner *r, double now)
{
	size_t pos = 0, idx;
	const char *key;
	while (m2m_fleet_map_next(&r->pending, &pos, &key, &idx) == M2M_OK) {
		m2m_fleet_row *row = &r->in.row[idx];
		if (row->state != M2M_FLEET_ROW_SENT || now < row->deadline)
			continue;
		m2m_fleet_outcome o = {.status = M2M_FLEET_ERROR};
		m2m_fleet_row_fci(r->cfg, r->batch, (m2m_fleet_step)row->step, row, o.fci,
				  sizeof o.fci);
		m2m_fleet_outcome_msg(&o, "no answer within %u s", r->cfg->timeout_s);
		finish(r, row, &o, M2M_FLEET_ROW_TIMED_OUT);
	}
}

static void dispatch(m2m_fleet_runner *r, double now)
{
	bool prepare = r->cfg->op == M2M_FLEET_SMSR_CHANGE && r->cfg->target_url != NULL;
	while (!r->stopping && r->outstanding < r->cfg->concurrency && r->next_todo < r->n_todo) {
		size_t idx = r->todo[r->next_todo++];
		m2m_fleet_row *row = &r->in.row[idx];
		row->state = M2M_FLEET_ROW_QUEUED;
		row->step = prepare ? M2M_FLEET_STEP_PREPARE : M2M_FLEET_STEP_MAIN;
		row->t0 = now;
		r->outstanding++;
		push_work(r, idx);
	}
}

static void say(m2m_fleet_runner *r, const char *text)
{
	m2m_fleet_progress_clear(&r->progress);
	fprintf(stderr, "m2mrsp: %s: %s\n", r->what, text);
}

/* Stops dispatching on a signal, when nothing ever reached the SM-SR, or when it stopped
 * answering; the calls outstanding still finish. */
static void check_stop(m2m_fleet_runner *r)
{
	size_t give_up = r->cfg->concurrency > GIVE_UP_MIN ? r->cfg->concurrency : GIVE_UP_MIN;
	if (got_signal && !r->interrupted) {
		r->interrupted = r->stopping = true;
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		say(r, "interrupted: waiting for the calls out (interrupt again to quit now)");
	}
	if (r->reached == 0 && r->transport > 0 && !r->unreachable) {
		/* Nothing answered yet: send no more until the calls out tell. */
		r->stopping = true;
		if (r->outstanding == 0) {
			r->unreachable = true;
			say(r, "the SM-SR cannot be reached");
		}
	} else if (r->reached > 0 && r->stopping && !r->interrupted && !r->unreachable &&
		   !r->io_failed && r->fatal == M2M_OK) {
		r->stopping = false; /* an answer came: carry on */
	}
	if (r->consecutive >= give_up && !r->unreachable) {
		r->unreachable = r->stopping = true;
		say(r, "the SM-SR stopped answering: giving up");
	}
	if ((r->io_failed || r->fatal != M2M_OK) && !r->stopping)
		r->stopping = true;
}

static void wait_tick(m2m_fleet_runner *r)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += TICK_NS;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&r->main_cv, &r->mu, &ts);
}

static void loop(m2m_fleet_runner *r)
{
	double last_expire = 0;
	pthread_mutex_lock(&r->mu);
	for (;;) {
		double now = m2m_fleet_now();
		drain(r);
		check_stop(r);
		dispatch(r, now);
		if (now - last_expire >= TICK_S) {
			/* a scan of every call out: not at every wake-up */
			expire(r, now);
			last_expire = now;
		}
		m2m_fleet_progress_update(&r->progress, now, r->done, r->failures, false);
		if (r->outstanding == 0 && (r->stopping || r->next_todo == r->n_todo))
			break;
		if (r->fatal != M2M_OK || r->io_failed)
			break; /* the calls out are lost to this run; a re-run sends them */
		wait_tick(r);
	}
	pthread_mutex_unlock(&r->mu);
	m2m_fleet_progress_update(&r->progress, m2m_fleet_now(), r->done, r->failures, true);
	m2m_fleet_progress_clear(&r->progress);
	if (r->progress.tty && !r->progress.off)
		fprintf(stderr, "%s: %zu/%zu, %zu failure%s\n", r->what, r->done, r->total,
			r->failures, r->failures == 1 ? "" : "s");
}

/* --- set-up ------------------------------------------------------------------------------ */

m2m_err m2m_fleet_engine_init(m2m_fleet_runner *r)
{
	pthread_condattr_t ca;
	m2m_fleet_map_init(&r->pending);
	r->ring_cap = r->cfg->concurrency;
	if ((r->ring = calloc(r->ring_cap, sizeof *r->ring)) == NULL)
		return M2M_ERR_NOMEM;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->work_cv, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->main_cv, &ca);
	pthread_condattr_destroy(&ca);
	return M2M_OK;
}

void m2m_fleet_engine_free(m2m_fleet_runner *r)
{
	while (r->done_head != NULL) {
		m2m_fleet_done *d = r->done_head;
		r->done_head = d->next;
		free(d);
	}
	if (r->ring != NULL) {
		pthread_mutex_destroy(&r->mu);
		pthread_cond_destroy(&r->work_cv);
		pthread_cond_destroy(&r->main_cv);
	}
	free(r->ring);
	r->ring = NULL;
	m2m_fleet_map_free(&r->pending);
}

static void stop_workers(m2m_fleet_runner *r)
{
	pthread_mutex_lock(&r->mu);
	r->quit = true;
	pthread_cond_broadcast(&r->work_cv);
	pthread_mutex_unlock(&r->mu);
	for (size_t i = 0; i < r->n_threads; i++)
		pthread_join(r->threads[i], NULL);
	r->n_threads = 0;
	free(r->threads);
	r->threads = NULL;
}

m2m_err m2m_fleet_engine_run(m2m_fleet_runner *r)
{
	size_t cap = r->reply_to == NULL ? M2M_FLEET_SYNC_THREADS_MAX : M2M_FLEET_ASYNC_THREADS;
	size_t n = r->cfg->concurrency < cap ? r->cfg->concurrency : cap;
	struct sigaction sa;

	if (n > r->n_todo)
		n = r->n_todo > 0 ? r->n_todo : 1;
	if ((r->threads = calloc(n, sizeof *r->threads)) == NULL)
		return M2M_ERR_NOMEM;
	got_signal = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (; r->n_threads < n; r->n_threads++) {
		if (pthread_create(&r->threads[r->n_threads], NULL, worker, r) != 0) {
			r->fatal = M2M_ERR_NOMEM;
			break;
		}
	}
	if (r->fatal == M2M_OK)
		loop(r);
	stop_workers(r);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	return r->fatal;
}
