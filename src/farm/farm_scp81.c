/*
 * SCP81 sessions (docs/devices.md "SCP81 and threads"). A trigger SMS makes the eUICC's
 * front end ask for a session; the device then opens TLS-PSK HTTPS to the admin server and
 * POSTs until the server ends the session. libcurl's easy interface blocks, so each session
 * has a worker thread that only moves bytes:
 *
 *   loop thread                               worker thread
 *   card: first POST -> req, state REQUEST -> (waits on cv) sends req, gets resp
 *   (wake pipe readable) <- state DONE, one byte on the wake pipe
 *   card: resp -> next POST, state REQUEST -> ...
 *   card: session over -> state QUIT, join
 *
 * The eUICC, the device and the farm are only touched on the loop thread; `state`, `req`,
 * `resp` and `err` are handed over under `mu` (the other side does not touch them until
 * the state says so); the curl handle belongs to the worker between hand-overs. While a
 * session runs the device is busy: its MT SMS wait in its queue.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "farm/farm_int.h"

enum { W_IDLE, W_REQUEST, W_DONE, W_QUIT };

typedef struct farm_scp81 {
	struct farm_scp81 *next;
	farm_dev *dev;
	m2m_farm *farm;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int state;                          /* lock */
	farm_http_req req;                  /* lock: the next POST */
	m2m_http_client_response resp;      /* lock: the answer */
	m2m_err err;                        /* lock */
	char errmsg[256];                   /* lock */
	m2m_http_client *client;            /* the worker's between hand-overs */
} farm_scp81;

static void *worker(void *arg)
{
	farm_scp81 *s = arg;
	int fd = s->farm->wake[1];

	pthread_mutex_lock(&s->mu);
	for (;;) {
		m2m_http_client_request rq;
		m2m_err err;

		while (s->state == W_IDLE || s->state == W_DONE)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->state == W_QUIT)
			break;
		memset(&rq, 0, sizeof rq);
		rq.method = "POST";
		rq.url = s->req.url;
		rq.headers = (const char *const *)s->req.headers;
		rq.n_headers = s->req.n_headers;
		rq.body = s->req.body.data;
		rq.body_len = s->req.body.len;
		rq.chunked = s->req.chunked;
		/* The request is ours until DONE: the loop thread waits for that state. */
		pthread_mutex_unlock(&s->mu);
		err = m2m_http_client_send(s->client, &rq, &s->resp);
		pthread_mutex_lock(&s->mu);
		s->err = err;
		snprintf(s->errmsg, sizeof s->errmsg, "%s", m2m_http_client_error(s->client));
		if (s->state == W_REQUEST)
			s->state = W_DONE;
		pthread_mutex_unlock(&s->mu);
		while (write(fd, "r", 1) < 0 && errno == EINTR)
			;
		pthread_mutex_lock(&s->mu);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

static void hand_over(farm_scp81 *s)
{
	pthread_mutex_lock(&s->mu);
	s->state = W_REQUEST;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

static void unlink_session(m2m_farm *f, farm_scp81 *s)
{
	for (farm_scp81 **pp = &f->sessions; *pp != NULL; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	f->n_sessions--;
}

static void start_waiting(m2m_farm *f);

/* Ends the session: joins the worker, frees it, lets the device's SMS through. */
static void finish(m2m_farm *f, farm_scp81 *s, bool ok, bool shutdown)
{
	farm_dev *d = s->dev;

	pthread_mutex_lock(&s->mu);
	s->state = W_QUIT;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->th, NULL);
	m2m_http_client_free(s->client);
	farm_http_req_free(&s->req);
	m2m_http_client_response_free(&s->resp);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	unlink_session(f, s);
	free(s);
	d->scp81 = NULL;
	f->st.busy--;
	if (ok)
		f->st.scp81_ok++;
	else
		f->st.scp81_failed++;
	if (d->ota.scp81.state != M2M_EUICC_OTA_SCP81_IDLE)
		m2m_euicc_ota_scp81_abort(d->e, &d->ota);
	if (shutdown)
		return;
	farm_dev_pump(f, d);
	start_waiting(f);
	farm_evict(f);
}

/* One server answer: the card takes it and gives the next POST, or the session ends. */
static void step(m2m_farm *f, farm_scp81 *s, m2m_err err, const char *why)
{
	farm_dev *d = s->dev;
	m2m_euicc_ota_out out;
	m2m_buf raw, next;
	unsigned before = (unsigned)m2m_euicc_notif_count(d->e);
	bool ok = false, more = false;

	m2m_euicc_ota_out_init(&out);
	m2m_buf_init(&raw);
	m2m_buf_init(&next);
	if (d->off) {
		m2m_info("farm", "%s: SCP81 session cut: switched off", d->msisdn);
		goto out;
	}
	if (err != M2M_OK) {
		m2m_warn("farm", "%s: SCP81: %s", d->msisdn, why);
		goto out;
	}
	err = farm_http_resp_to_raw(&s->resp, &raw);
	if (err == M2M_OK)
		err = m2m_euicc_ota_scp81_response(d->e, &d->ota, raw.data, raw.len, &next, &out);
	ok = err == M2M_OK && out.scp81_done && s->resp.status == 204;
	more = err == M2M_OK && !out.scp81_done && next.len > 0;
	farm_after(f, d, &out, true, before);
	if (!more && !ok)
		m2m_warn("farm", "%s: SCP81 session ended with HTTP %ld (%s)", d->msisdn,
			 s->resp.status, m2m_strerror(err));
	if (more) {
		/* m2m_http_client_send clears the response without freeing it. */
		m2m_http_client_response_free(&s->resp);
		farm_http_req_free(&s->req);
		err = farm_http_req_from_raw(next.data, next.len, f->cfg.scp81_connect,
					     f->scp81_tls, &s->req);
		more = err == M2M_OK;
	}
out:
	m2m_euicc_ota_out_free(&out);
	m2m_buf_free(&raw);
	m2m_buf_free(&next);
	if (more)
		hand_over(s);
	else
		finish(f, s, ok, false);
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	m2m_farm *f = arg;
	char drain[64];
	farm_scp81 *s, *next;

	(void)what;
	while (read(fd, drain, sizeof drain) > 0)
		;
	for (s = f->sessions; s != NULL; s = next) {
		char why[256];
		bool done;
		m2m_err err;

		next = s->next;
		pthread_mutex_lock(&s->mu);
		done = s->state == W_DONE;
		if (done)
			s->state = W_IDLE;
		err = s->err;
		memcpy(why, s->errmsg, sizeof why);
		pthread_mutex_unlock(&s->mu);
		if (done)
			step(f, s, err, why); /* may free s: next was taken before */
	}
}

/* The client and the first POST; the worker starts with it. */
static m2m_err session_new(m2m_farm *f, farm_dev *d, farm_scp81 **out)
{
	farm_scp81 *s = calloc(1, sizeof *s);
	char identity[M2M_TLS_PSK_IDENTITY_MAX + 1];
	m2m_tls_psk_client_opts psk;
	m2m_http_client_opts co;
	m2m_buf id, key, first;
	m2m_err err = M2M_ERR_NOMEM;

	m2m_buf_init(&id);
	m2m_buf_init(&key);
	m2m_buf_init(&first);
	if (s == NULL)
		goto out;
	s->farm = f;
	s->dev = d;
	m2m_buf_init(&s->resp.body);
	err = m2m_euicc_ota_scp81_psk(d->e, &d->ota, &id, &key);
	if (err == M2M_OK && (id.len == 0 || id.len >= sizeof identity))
		err = M2M_ERR_BOUNDS;
	if (err != M2M_OK)
		goto out;
	memcpy(identity, id.data, id.len);
	identity[id.len] = '\0';
	memset(&psk, 0, sizeof psk);
	psk.identity = identity;
	psk.key = key.data;
	psk.key_len = key.len;
	psk.max_fragment_512 = true; /* as an eUICC asks (sgp02-bearers 4) */
	memset(&co, 0, sizeof co);
	co.psk = f->scp81_tls ? &psk : NULL;
	co.timeout_ms = f->cfg.scp81_timeout_ms;
	co.connect_timeout_ms = f->cfg.scp81_timeout_ms;
	err = m2m_http_client_new(&co, &s->client);
	if (err == M2M_OK)
		err = m2m_euicc_ota_scp81_first(d->e, &d->ota, &first);
	if (err == M2M_OK)
		err = farm_http_req_from_raw(first.data, first.len, f->cfg.scp81_connect,
					     f->scp81_tls, &s->req);
	if (err != M2M_OK)
		goto out;
	err = M2M_ERR_NOMEM;
	if (pthread_mutex_init(&s->mu, NULL) != 0)
		goto out;
	if (pthread_cond_init(&s->cv, NULL) != 0) {
		pthread_mutex_destroy(&s->mu);
		goto out;
	}
	s->state = W_REQUEST;
	if (pthread_create(&s->th, NULL, worker, s) != 0) {
		pthread_cond_destroy(&s->cv);
		pthread_mutex_destroy(&s->mu);
		goto out;
	}
	*out = s;
	s = NULL;
	err = M2M_OK;
out:
	if (s != NULL) {
		m2m_http_client_free(s->client);
		farm_http_req_free(&s->req);
		free(s);
	}
	m2m_wipe(identity, sizeof identity);
	m2m_buf_free(&id);
	m2m_buf_free(&key);
	m2m_buf_free(&first);
	return err;
}

static void start(m2m_farm *f, farm_dev *d)
{
	farm_scp81 *s = NULL;
	m2m_err err;

	if (d->ota.scp81.state != M2M_EUICC_OTA_SCP81_TRIGGERED || d->scp81 != NULL)
		return;
	f->st.scp81_started++;
	err = session_new(f, d, &s);
	if (err != M2M_OK) {
		m2m_warn("farm", "%s: SCP81 session not opened: %s", d->msisdn, m2m_strerror(err));
		f->st.scp81_failed++;
		m2m_euicc_ota_scp81_abort(d->e, &d->ota);
		return;
	}
	m2m_info("farm", "%s: SCP81 session to %s", d->msisdn, s->req.url);
	s->next = f->sessions;
	f->sessions = s;
	f->n_sessions++;
	d->scp81 = s;
	f->st.busy++;
}

static void start_waiting(m2m_farm *f)
{
	while (f->n_wait > 0 && f->n_sessions < f->cfg.scp81_max) {
		farm_dev *d = f->scp81_wait[0];

		memmove(f->scp81_wait, f->scp81_wait + 1, --f->n_wait * sizeof *f->scp81_wait);
		start(f, d);
	}
}

void farm_scp81_open(m2m_farm *f, farm_dev *d)
{
	farm_dev **v;

	if (f->n_sessions < f->cfg.scp81_max) {
		start(f, d);
		return;
	}
	/* The trigger stays with the card (pinned while TRIGGERED) until a slot is free. */
	for (size_t i = 0; i < f->n_wait; i++)
		if (f->scp81_wait[i] == d)
			return;
	if (f->n_wait == f->cap_wait) {
		v = realloc(f->scp81_wait, (f->cap_wait * 2 + 8) * sizeof *v);
		if (v == NULL) {
			m2m_euicc_ota_scp81_abort(d->e, &d->ota);
			return;
		}
		f->scp81_wait = v;
		f->cap_wait = f->cap_wait * 2 + 8;
	}
	f->scp81_wait[f->n_wait++] = d;
}

m2m_err farm_scp81_init(m2m_farm *f)
{
	f->wake[0] = f->wake[1] = -1;
	if (pipe(f->wake) != 0)
		return M2M_ERR_IO;
	for (int i = 0; i < 2; i++)
		if (fcntl(f->wake[i], F_SETFL, O_NONBLOCK) != 0 ||
		    fcntl(f->wake[i], F_SETFD, FD_CLOEXEC) != 0)
			return M2M_ERR_IO;
	f->wake_ev = event_new(f->base, f->wake[0], EV_READ | EV_PERSIST, on_wake, f);
	if (f->wake_ev == NULL || event_add(f->wake_ev, NULL) != 0)
		return M2M_ERR_NOMEM;
	return M2M_OK;
}

void farm_scp81_free(m2m_farm *f)
{
	while (f->sessions != NULL)
		finish(f, f->sessions, false, true);
	free(f->scp81_wait);
	f->scp81_wait = NULL;
	f->n_wait = f->cap_wait = 0;
	if (f->wake_ev != NULL)
		event_free(f->wake_ev);
	f->wake_ev = NULL;
	for (int i = 0; i < 2; i++)
		if (f->wake[i] >= 0)
			close(f->wake[i]);
	f->wake[0] = f->wake[1] = -1;
}
