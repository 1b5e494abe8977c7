/* m2mrsp bench smdp: the operator's side. C threads, each with its own ws client (mno2's TLS
 * certificate, one kept-alive connection), take the next eUICC and make one
 * ES2.DownloadProfile for it with no ReplyTo: the SM-DP holds the exchange until the
 * download ended, so the latency is the ES2 call's whole life (GetEIS, eligibility,
 * CreateISDP, key establishment, SCP03t over ES3.SendData / SCP81, ProfileDownloadCompleted,
 * and EnableProfile when asked). Every answer that is not EXECUTED_SUCCESS is a failure. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_smdp.h"
#include "ws/client.h"
#include "ws/functions.h"
#include "ws/msg.h"

typedef struct {
	const bsd_load *l;
	bsr_result *r;
	atomic_size_t next, ok, failed;
	pthread_mutex_t lock;
} shared;

static void failure(shared *s, size_t i, const char *a, const char *b, const char *c)
{
	pthread_mutex_lock(&s->lock);
	if (s->r->nfirst < sizeof s->r->first_failure / sizeof s->r->first_failure[0])
		snprintf(s->r->first_failure[s->r->nfirst++], sizeof s->r->first_failure[0],
			 "%.36s: %.40s %.40s %.120s", s->l->eid[i], a, b, c);
	pthread_mutex_unlock(&s->lock);
	atomic_fetch_add(&s->failed, 1);
}

static m2m_ws_client *client_new(const bsd_load *l)
{
	char ca[256], cert[256], key[256];
	m2m_ws_client *c = NULL;

	snprintf(ca, sizeof ca, "%s/pki/tls-ca.crt", l->dir);
	snprintf(cert, sizeof cert, "%s/pki/mno2-tls.crt", l->dir);
	snprintf(key, sizeof key, "%s/pki/mno2-tls.key", l->dir);
	m2m_ws_client_opts o = {
		.http = {.ca_file = ca, .cert_file = cert, .key_file = key, .timeout_ms = 600000},
		.schema = l->schema,
		.binding = M2M_WS_SOAP,
	};
	return m2m_ws_client_new(&o, &c) == M2M_OK ? c : NULL;
}

static m2m_err request(const bsd_load *l, size_t i, m2m_ws_msg **m)
{
	char fci[96];
	m2m_err err;

	snprintf(fci, sizeof fci, "bench-dl-%s-%zu", l->tag, i);
	err = m2m_ws_request_new(M2M_WS_ES2_DOWNLOAD_PROFILE, fci, 0, m);
	if (err == M2M_OK)
		err = m2m_ws_add(*m, NULL, "Eid", l->eid[i], NULL);
	if (err == M2M_OK)
		err = m2m_ws_add(*m, NULL, "SmSr-id", BSD_SMSR1, NULL);
	if (err == M2M_OK)
		err = m2m_ws_add(*m, NULL, "ProfileType", BSD_TYPE, NULL);
	if (err == M2M_OK)
		err = m2m_ws_add_bool(*m, NULL, "EnableProfile", l->enable, NULL);
	return err;
}

static void one(shared *s, m2m_ws_client *c, const char *url, size_t i)
{
	m2m_ws_result res;
	m2m_ws_exec_status st;
	m2m_ws_msg *m = NULL;
	double t0;
	m2m_err err;

	memset(&res, 0, sizeof res);
	err = request(s->l, i, &m);
	if (err != M2M_OK) {
		failure(s, i, "request not built:", m2m_strerror(err), "");
		goto out;
	}
	t0 = bsr_now();
	err = m2m_ws_client_call(c, url, m, NULL, &res);
	s->r->lat_ms[i] = (bsr_now() - t0) * 1000.0;
	if (err != M2M_OK)
		failure(s, i, "transport:", m2m_strerror(err), m2m_ws_client_error(c));
	else if (res.fault)
		failure(s, i, "fault", res.error.status.subject, res.error.text);
	else if (res.response == NULL || m2m_ws_msg_status(res.response, &st) != M2M_OK)
		failure(s, i, res.accepted ? "202 accepted" : "no status", "", "");
	else if (st.status != M2M_WS_EXECUTED_SUCCESS) {
		char code[80];
		snprintf(code, sizeof code, "%s/%s", st.subject, st.reason);
		failure(s, i, m2m_ws_status_name(st.status), code, st.message);
	} else
		atomic_fetch_add(&s->ok, 1);
out:
	m2m_ws_result_free(&res);
	m2m_ws_msg_free(m);
}

static void *worker(void *arg)
{
	shared *s = arg;
	m2m_ws_client *c = client_new(s->l);
	char url[128];
	size_t i;

	snprintf(url, sizeof url, "https://%s/soap/es2", s->l->es);
	while ((i = atomic_fetch_add(&s->next, 1)) < s->l->n) {
		if (c == NULL)
			failure(s, i, "no ws client", "", "");
		else
			one(s, c, url, i);
	}
	m2m_ws_client_free(c);
	return NULL;
}

bool bsd_load_run(const bsd_load *l, bsr_result *r)
{
	pthread_t *t = calloc(l->concurrency, sizeof *t);
	shared s = {.l = l, .r = r};
	size_t started = 0;
	double t0;

	memset(r, 0, sizeof *r);
	r->lat_ms = calloc(l->n ? l->n : 1, sizeof *r->lat_ms);
	if (t == NULL || r->lat_ms == NULL) {
		free(t);
		return false;
	}
	pthread_mutex_init(&s.lock, NULL);
	t0 = bsr_now();
	while (started < l->concurrency && pthread_create(&t[started], NULL, worker, &s) == 0)
		started++;
	for (size_t k = 0; k < started; k++)
		pthread_join(t[k], NULL);
	r->elapsed_s = bsr_now() - t0;
	r->ok = atomic_load(&s.ok);
	r->failed = atomic_load(&s.failed) + (l->n - atomic_load(&s.ok) - atomic_load(&s.failed));
	r->nlat = l->n;
	pthread_mutex_destroy(&s.lock);
	free(t);
	return started > 0;
}
