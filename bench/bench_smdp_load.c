/* m2mrsp bench smdp: the operator's side, on the load runner of bench smsr (bench_smsr_load.c):
 * C threads, each with mno2's TLS identity, make one ES2.DownloadProfile per eUICC with no
 * ReplyTo: the SM-DP holds the exchange until the download ended, so the latency is the ES2
 * call's whole life (GetEIS, eligibility, CreateISDP, key establishment, SCP03t over
 * ES3.SendData / SCP81, ProfileDownloadCompleted, and EnableProfile when asked). Every answer
 * that is not EXECUTED_SUCCESS is a failure. */
#include <stdio.h>

#include "bench_smdp.h"
#include "ws/functions.h"
#include "ws/msg.h"

static m2m_err request(const void *arg, size_t i, m2m_ws_msg **m)
{
	const bsd_load *l = arg;
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

bool bsd_load_run(const bsd_load *l, bsr_result *r)
{
	bsr_load bl = {.es = l->es, .dir = l->dir, .schema = l->schema, .eid = l->eid,
		       .n = l->n, .concurrency = l->concurrency, .tag = l->tag,
		       .who = "mno2", .path = "/soap/es2", .request = request, .arg = l};

	return bsr_load_run(&bl, r);
}
