/* Step 5 of the demo: the operator (mno2) asks the SM-DP, over ES2 with mutual TLS, to
 * download its profile into every eUICC and enable it (ES2.DownloadProfile, ProfileType,
 * EnableProfile true). At most `concurrency` calls are outstanding, each on a worker thread
 * with its own ws client waiting for the held answer (no ReplyTo); the main thread draws the
 * fleet tool's progress line (fleet_progress.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/demo_int.h"
#include "cli/fleet_progress.h"
#include "ws/client.h"
#include "ws/msg.h"
#include "ws/schema.h"

#define CALL_TIMEOUT_MS (600L * 1000L)

typedef struct {
	m2m_demo *d;
	m2m_ws_schema *schema;
	char url[128];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t next, done, failed, running;
	char first_failure[256];
} es2_run;

/* The request for device i: Eid, SmSr-id, ProfileType, EnableProfile. */
static m2m_err request(const m2m_demo_dev *dev, size_t i, m2m_ws_msg **out)
{
	char fci[64];
	m2m_err err;

	snprintf(fci, sizeof fci, "demo-download-%zu", i);
	err = m2m_ws_request_new(M2M_WS_ES2_DOWNLOAD_PROFILE, fci, 0, out);
	if (err == M2M_OK)
		err = m2m_ws_add(*out, NULL, "Eid", dev->eid, NULL);
	if (err == M2M_OK)
		err = m2m_ws_add(*out, NULL, "SmSr-id", M2M_DEMO_SMSR1, NULL);
	if (err == M2M_OK)
		err = m2m_ws_add(*out, NULL, "ProfileType", M2M_DEMO_PROFILE_TYPE, NULL);
	if (err == M2M_OK)
		err = m2m_ws_add_bool(*out, NULL, "EnableProfile", true, NULL);
	return err;
}

/* One call; true on EXECUTED_SUCCESS (the answer's Iccid kept), else why in why. */
static bool download(es2_run *r, m2m_ws_client *c, size_t i, char *why, size_t cap)
{
	m2m_demo_dev *dev = &r->d->dev[i];
	m2m_ws_msg *m = NULL;
	m2m_ws_result res;
	const char *iccid = NULL;
	bool ok = false;

	memset(&res, 0, sizeof res);
	if (request(dev, i, &m) != M2M_OK) {
		snprintf(why, cap, "cannot build the request");
		goto out;
	}
	if (!m2m_demo_call(c, r->url, m, &res, why, cap))
		goto out;
	if (m2m_ws_get_text(m2m_ws_msg_body(res.response), "Iccid", &iccid) == M2M_OK)
		snprintf(dev->op_iccid, sizeof dev->op_iccid, "%s", iccid);
	dev->downloaded = true;
	ok = true;
out:
	m2m_ws_result_free(&res);
	m2m_ws_msg_free(m);
	return ok;
}

static void *worker(void *arg)
{
	es2_run *r = arg;
	m2m_ws_client *c = m2m_demo_client(r->d, r->schema, "mno2", CALL_TIMEOUT_MS);
	char why[256];

	pthread_mutex_lock(&r->mu);
	while (r->next < r->d->ndev) {
		size_t i = r->next++;
		bool ok = false;
		pthread_mutex_unlock(&r->mu);
		if (c != NULL)
			ok = download(r, c, i, why, sizeof why);
		else
			snprintf(why, sizeof why, "cannot make a ws client with pki/mno2-tls.*");
		pthread_mutex_lock(&r->mu);
		r->done++;
		if (!ok && r->failed++ == 0)
			snprintf(r->first_failure, sizeof r->first_failure, "%s: %.200s",
				 r->d->dev[i].eid, why);
		pthread_cond_signal(&r->cv);
	}
	r->running--;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	m2m_ws_client_free(c);
	return NULL;
}

/* Draws the progress line until every worker is done. */
static void watch(es2_run *r)
{
	m2m_fleet_progress p;

	m2m_fleet_progress_init(&p, r->d->progress, stderr, "  download", r->d->ndev,
				m2m_fleet_now());
	pthread_mutex_lock(&r->mu);
	while (r->running > 0) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 250000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&r->cv, &r->mu, &ts);
		m2m_fleet_progress_update(&p, m2m_fleet_now(), r->done, r->failed, false);
	}
	m2m_fleet_progress_update(&p, m2m_fleet_now(), r->done, r->failed, true);
	pthread_mutex_unlock(&r->mu);
	m2m_fleet_progress_clear(&p);
}

int m2m_demo_downloads(m2m_demo *d, size_t *ok, size_t *failed, char *why, size_t cap)
{
	es2_run r = {.d = d};
	pthread_t th[256];
	size_t n = d->concurrency < 256 ? d->concurrency : 256, started = 0;
	int rc = 3;

	pthread_mutex_init(&r.mu, NULL);
	pthread_cond_init(&r.cv, NULL);
	snprintf(r.url, sizeof r.url, "https://%s/soap/es2", d->smdp_es);
	if (m2m_ws_schema_load(NULL, &r.schema) != M2M_OK) {
		snprintf(why, cap, "the GSMA schema (data/wsdl) was not found");
		goto out;
	}
	if (n > d->ndev)
		n = d->ndev;
	pthread_mutex_lock(&r.mu);
	for (; started < n; started++) {
		if (pthread_create(&th[started], NULL, worker, &r) != 0)
			break;
		r.running++;
	}
	pthread_mutex_unlock(&r.mu);
	watch(&r);
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	*ok = r.done - r.failed;
	*failed = r.failed + (d->ndev - r.done);
	snprintf(why, cap, "%s", r.first_failure);
	rc = *failed == 0 ? 0 : 1;
out:
	m2m_ws_schema_free(r.schema);
	pthread_cond_destroy(&r.cv);
	pthread_mutex_destroy(&r.mu);
	return rc;
}
