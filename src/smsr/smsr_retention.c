/* Retention of the finished work (docs/smsr.md "Retention"): finished jobs and the records of
 * finished calls older than `[engine] retention` are deleted at start and then every hour,
 * so the job and call tables of a long-running SM-SR stay bounded (and the outbox's
 * delivered or abandoned notifications). A call's record outlives
 * any repeat a caller may send within the longest ValidityPeriod (30 days, the default). */
#include "core/log.h"
#include "smsr/smsr_int.h"

#define RETENTION_EVERY_S 3600

static void purge(smsr *s)
{
	int64_t before = m2m_store_now_ms() - (int64_t)s->cfg->retention_s * 1000;
	int64_t jobs = 0, calls = 0, sent = 0;

	if (m2m_store_job_purge(s->st, before, &jobs) != M2M_OK ||
	    m2m_store_call_purge(s->st, before, &calls) != M2M_OK ||
	    m2m_store_outbox_purge(s->st, before, &sent) != M2M_OK) {
		m2m_warn(SMSR_LOG, "retention: purge failed: %s", m2m_store_errmsg(s->st));
		return;
	}
	if (jobs > 0 || calls > 0)
		m2m_info(SMSR_LOG, "retention: %lld finished jobs and %lld call records purged",
			 (long long)jobs, (long long)calls);
	if (sent > 0)
		m2m_info(SMSR_LOG, "retention: %lld delivered or abandoned notifications purged",
			 (long long)sent);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	purge(arg);
}

m2m_err smsr_retention_start(smsr *s)
{
	struct timeval every = {RETENTION_EVERY_S, 0};

	if (s->cfg->retention_s == 0)
		return M2M_OK;
	purge(s);
	s->retention = event_new(s->base, -1, EV_PERSIST, on_tick, s);
	if (s->retention == NULL || event_add(s->retention, &every) != 0)
		return M2M_ERR_NOMEM;
	return M2M_OK;
}

void smsr_retention_stop(smsr *s)
{
	if (s->retention != NULL)
		event_free(s->retention);
	s->retention = NULL;
}
