/* Step 8 of the demo: the SM-SR change (docs/smsr-change.md). For each eUICC step 8 chose
 * (moved set), the operator owning its enabled profile asks SM-SR2 to expect it
 * (ES4.PrepareSMSRChange, CurrentSMSRid SM-SR1), then SM-SR1 to hand it over
 * (ES4.SMSRChange, Target-Smsr-id SM-SR2); SM-SR1 answers when ES7 between the two SM-SRs
 * and the key establishment on the card are done. Both calls are held (no ReplyTo), a few
 * eUICCs at a time on worker threads; a line per eUICC as it ends. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/demo_int.h"
#include "cli/fleet_progress.h"
#include "ws/client.h"
#include "ws/msg.h"
#include "ws/schema.h"

#define WORKERS 4 /* hand-overs at once: each one is a few card sessions on both SM-SRs */
#define CALL_TIMEOUT_MS (300L * 1000L)

typedef struct {
	m2m_demo *d;
	m2m_ws_schema *schema;
	pthread_mutex_t mu;
	size_t next, ok, failed;
	char first_failure[256];
} es7_run;

/* The operator owning the enabled profile: mno1 on the bootstrap (steps 6 and 7, or no
 * download), mno2 on its downloaded profile. Its short name picks pki/NAME-tls.*. */
static const char *owner(const m2m_demo_dev *dev)
{
	return dev->downloaded && !dev->back && !dev->fell_back ? "mno2" : "mno1";
}

/* fn for dev at https://es/soap/es4 with the child name = value; true on success, else why. */
static bool call(m2m_ws_client *c, const char *es, m2m_ws_fn fn, const m2m_demo_dev *dev,
		 const char *name, const char *value, char *why, size_t cap)
{
	static atomic_uint seq;
	char url[128], fcid[64];
	m2m_ws_msg *m = NULL;
	m2m_ws_result res;
	bool ok = false;

	memset(&res, 0, sizeof res);
	snprintf(url, sizeof url, "https://%s/soap/es4", es);
	snprintf(fcid, sizeof fcid, "demo-smsr-change-%u", atomic_fetch_add(&seq, 1) + 1);
	if (m2m_ws_request_new(fn, fcid, 0, &m) != M2M_OK ||
	    m2m_ws_add(m, NULL, "Eid", dev->eid, NULL) != M2M_OK ||
	    m2m_ws_add(m, NULL, name, value, NULL) != M2M_OK) {
		snprintf(why, cap, "cannot build the request");
		goto out;
	}
	if (!m2m_demo_call(c, url, m, &res, why, cap))
		goto out;
	ok = true;
out:
	m2m_ws_result_free(&res);
	m2m_ws_msg_free(m);
	return ok;
}

/* PrepareSMSRChange on SM-SR2, then SMSRChange on SM-SR1, as the owner. */
static bool change(es7_run *r, m2m_demo_dev *dev, char *why, size_t cap)
{
	char what[200];
	const char *who = owner(dev);
	m2m_ws_client *c = m2m_demo_client(r->d, r->schema, who, CALL_TIMEOUT_MS);
	bool ok = false;

	if (c == NULL) {
		snprintf(why, cap, "cannot make a ws client with pki/%s-tls.*", who);
		return false;
	}
	if (!call(c, r->d->smsr2_es, M2M_WS_ES4_PREPARE_SMSR_CHANGE, dev, "CurrentSMSRid",
		  M2M_DEMO_SMSR1, what, sizeof what))
		snprintf(why, cap, "PrepareSMSRChange (SM-SR2): %s", what);
	else if (!call(c, r->d->smsr_es, M2M_WS_ES4_SMSR_CHANGE, dev, "Target-Smsr-id",
		       M2M_DEMO_SMSR2, what, sizeof what))
		snprintf(why, cap, "SMSRChange (SM-SR1): %s", what);
	else
		ok = true;
	m2m_ws_client_free(c);
	return ok;
}

/* The next eUICC to move, SIZE_MAX when none is left. */
static size_t take(es7_run *r)
{
	size_t i = SIZE_MAX;

	pthread_mutex_lock(&r->mu);
	while (r->next < r->d->ndev && !r->d->dev[r->next].moved)
		r->next++;
	if (r->next < r->d->ndev)
		i = r->next++;
	pthread_mutex_unlock(&r->mu);
	return i;
}

static void *worker(void *arg)
{
	es7_run *r = arg;
	char why[512];
	size_t i;

	while ((i = take(r)) != SIZE_MAX) {
		m2m_demo_dev *dev = &r->d->dev[i];
		double t0 = m2m_fleet_now();
		bool ok = change(r, dev, why, sizeof why);
		pthread_mutex_lock(&r->mu);
		dev->moved = ok;
		ok ? r->ok++ : r->failed++;
		if (ok)
			printf("      %s  %s: SM-SR1 -> SM-SR2 ok (%.1f s)\n", dev->eid, owner(dev),
			       m2m_fleet_now() - t0);
		else
			printf("      %s  %s: FAILED %s\n", dev->eid, owner(dev), why);
		fflush(stdout);
		if (!ok && r->failed == 1)
			snprintf(r->first_failure, sizeof r->first_failure, "%s: %.200s", dev->eid,
				 why);
		pthread_mutex_unlock(&r->mu);
	}
	return NULL;
}

int m2m_demo_smsr_change(m2m_demo *d, size_t *ok, char *why, size_t cap)
{
	es7_run r = {.d = d};
	pthread_t th[WORKERS];
	size_t started = 0;
	int rc = M2M_EXIT_IO;

	pthread_mutex_init(&r.mu, NULL);
	if (m2m_ws_schema_load(NULL, &r.schema) != M2M_OK) {
		snprintf(why, cap, "the GSMA schema (data/wsdl) was not found");
		goto out;
	}
	for (; started < WORKERS; started++)
		if (pthread_create(&th[started], NULL, worker, &r) != 0)
			break;
	if (started == 0)
		worker(&r);
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	*ok = r.ok;
	snprintf(why, cap, "%s", r.first_failure);
	rc = r.failed == 0 ? M2M_EXIT_OK : M2M_EXIT_FAILED;
out:
	m2m_ws_schema_free(r.schema);
	pthread_mutex_destroy(&r.mu);
	return rc;
}
