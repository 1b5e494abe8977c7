/* m2mrsp bench smsr (and smdp): the operator's side. C threads, each with its own ws client
 * (mno1's TLS certificate, or the load's, one kept-alive connection), take the next eUICC and
 * make one call for it (ES4, or the load's request) with no ReplyTo, so the SM-SR holds the exchange until the card answered: the latency is the
 * whole operation (queue, SMS out, eUICC, PoR, EIS update, answer). Every answer that is not
 * EXECUTED_SUCCESS counts as a failure and the first ones are kept to be printed. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_smsr.h"
#include "ws/client.h"
#include "ws/functions.h"
#include "ws/msg.h"

typedef struct {
	const bsr_load *l;
	bsr_result *r;
	atomic_size_t next;
	atomic_size_t ok, failed;
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

static m2m_ws_client *client_new(const bsr_load *l)
{
	char ca[256], cert[256], key[256];
	m2m_ws_client *c = NULL;

	snprintf(ca, sizeof ca, "%s/pki/tls-ca.crt", l->dir);
	const char *who = l->who != NULL ? l->who : "mno1";

	snprintf(cert, sizeof cert, "%s/pki/%s-tls.crt", l->dir, who);
	snprintf(key, sizeof key, "%s/pki/%s-tls.key", l->dir, who);
	m2m_ws_client_opts o = {
		.http = {.ca_file = ca, .cert_file = cert, .key_file = key, .timeout_ms = 600000},
		.schema = l->schema,
		.binding = M2M_WS_SOAP,
	};
	return m2m_ws_client_new(&o, &c) == M2M_OK ? c : NULL;
}

/* ES4 GetEIS or EnableProfile of eUICC i. */
static m2m_err es4_request(const bsr_load *l, size_t i, m2m_ws_msg **m)
{
	m2m_ws_fn fn = l->get_eis ? M2M_WS_ES4_GET_EIS : M2M_WS_ES4_ENABLE_PROFILE;
	char fci[96];
	m2m_err err;

	snprintf(fci, sizeof fci, "bench-%s-%zu", l->tag, i);
	err = m2m_ws_request_new(fn, fci, 0, m);
	if (err == M2M_OK)
		err = m2m_ws_add(*m, NULL, "Eid", l->eid[i], NULL);
	if (err == M2M_OK && !l->get_eis)
		err = m2m_ws_add(*m, NULL, "Iccid", l->iccid[i], NULL);
	return err;
}

static void one(shared *s, m2m_ws_client *c, const char *url, size_t i)
{
	const bsr_load *l = s->l;
	m2m_ws_result res;
	m2m_ws_exec_status st;
	m2m_ws_msg *m = NULL;
	double t0;
	m2m_err err;

	memset(&res, 0, sizeof res);
	err = l->request != NULL ? l->request(l->arg, i, &m) : es4_request(l, i, &m);
	if (err != M2M_OK) {
		failure(s, i, "request not built:", m2m_strerror(err), "");
		goto out;
	}
	t0 = bsr_now();
	err = m2m_ws_client_call(c, url, m, NULL, &res);
	s->r->lat_ms[i] = (bsr_now() - t0) * 1000.0;
	if (err != M2M_OK) {
		failure(s, i, "transport:", m2m_strerror(err), m2m_ws_client_error(c));
	} else if (res.fault) {
		failure(s, i, "fault", res.error.status.subject, res.error.text);
	} else if (res.response == NULL || m2m_ws_msg_status(res.response, &st) != M2M_OK) {
		failure(s, i, res.accepted ? "202 accepted" : "no status", "", "");
	} else if (st.status != M2M_WS_EXECUTED_SUCCESS) {
		char code[80];
		snprintf(code, sizeof code, "%s/%s", st.subject, st.reason);
		failure(s, i, m2m_ws_status_name(st.status), code, st.message);
	} else {
		atomic_fetch_add(&s->ok, 1);
	}
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

	snprintf(url, sizeof url, "https://%s%s", s->l->es,
		 s->l->path != NULL ? s->l->path : "/soap/es4");
	while ((i = atomic_fetch_add(&s->next, 1)) < s->l->n) {
		if (c == NULL)
			failure(s, i, "no ws client", "", "");
		else
			one(s, c, url, i);
	}
	m2m_ws_client_free(c);
	return NULL;
}

bool bsr_load_run(const bsr_load *l, bsr_result *r)
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
	while (started < l->concurrency &&
	       pthread_create(&t[started], NULL, worker, &s) == 0)
		started++;
	for (size_t k = 0; k < started; k++)
		pthread_join(t[k], NULL);
	r->elapsed_s = bsr_now() - t0;
	r->ok = atomic_load(&s.ok);
	/* Calls no thread made (none started, or they stopped) count as failed. */
	r->failed = l->n - atomic_load(&s.ok);
	r->nlat = l->n;
	pthread_mutex_destroy(&s.lock);
	free(t);
	return started > 0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double pct(const double *v, size_t n, double p)
{
	size_t k = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
	return n ? v[k < n ? k : n - 1] : 0;
}

void bsr_result_print(const char *what, const bsr_result *r)
{
	double *v = malloc((r->nlat ? r->nlat : 1) * sizeof *v);

	if (v == NULL)
		return;
	memcpy(v, r->lat_ms, r->nlat * sizeof *v);
	qsort(v, r->nlat, sizeof *v, cmp);
	printf("%s: %zu calls in %.2f s: %.0f ops/s; ok %zu, failed %zu\n", what, r->nlat,
	       r->elapsed_s, r->elapsed_s > 0 ? (double)r->nlat / r->elapsed_s : 0, r->ok,
	       r->failed);
	printf("  latency ms: p50 %.1f  p95 %.1f  p99 %.1f  max %.1f  (min %.1f)\n",
	       pct(v, r->nlat, 50), pct(v, r->nlat, 95), pct(v, r->nlat, 99),
	       r->nlat ? v[r->nlat - 1] : 0, r->nlat ? v[0] : 0);
	for (size_t k = 0; k < r->nfirst; k++)
		printf("  failure: %s\n", r->first_failure[k]);
	free(v);
}

void bsr_result_free(bsr_result *r)
{
	free(r->lat_ms);
	r->lat_ms = NULL;
}
