/* m2mrsp bench smdp: the key establishment ceiling, measured in the same run as the
 * downloads. What one download costs in public key crypto (docs/bench-smdp.md):
 *   SM-DP: eligibility verifies CERT.ECASD.ECKA (1 verify; the EUM certificate is cached),
 *          key establishment makes ePK.DP (1 key generation), ShS (1 ECDH) and signs the
 *          ePK with SK.DP.ECDSA (1 sign);
 *   card:  verifies CERT.DP.ECDSA with PK.CI (1 verify), the ePK signature (1 verify) and
 *          computes ShS (1 ECDH).
 * The farm runs on this machine, so both sides count: 1 keygen, 2 ECDH, 1 sign, 3 verify. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "bench_smdp.h"
#include "core/buf.h"
#include "crypto/ec.h"
#include "crypto/hash.h"

#define MSG_LEN 64
#define THREADS 2

typedef struct {
	m2m_eckey *own, *peer;
	uint8_t msg[MSG_LEN];
	uint8_t sig[M2M_EC_SIG_SIZE];
	uint8_t secret[M2M_EC_FIELD_SIZE];
	bool (*op)(void *);
	double seconds, rate;
} ec_job;

static bool op_keygen(void *p)
{
	ec_job *j = p;
	m2m_eckey *k = NULL;
	bool ok = m2m_ec_generate(M2M_CURVE_P256, &k) == M2M_OK;

	m2m_ec_free(k);
	(void)j;
	return ok;
}

static bool op_ecdh(void *p)
{
	ec_job *j = p;
	return m2m_ecdh(j->own, j->peer, j->secret) == M2M_OK;
}

static bool op_sign(void *p)
{
	ec_job *j = p;
	return m2m_ecdsa_sign(j->own, j->msg, MSG_LEN, j->sig) == M2M_OK;
}

static bool op_verify(void *p)
{
	ec_job *j = p;
	return m2m_ecdsa_verify(j->own, j->msg, MSG_LEN, j->sig, sizeof j->sig) == M2M_OK;
}

static bool job_init(ec_job *j, bool (*op)(void *), double seconds)
{
	memset(j, 0, sizeof *j);
	j->op = op;
	j->seconds = seconds;
	return m2m_ec_generate(M2M_CURVE_P256, &j->own) == M2M_OK &&
	       m2m_ec_generate(M2M_CURVE_P256, &j->peer) == M2M_OK &&
	       m2m_random(j->msg, sizeof j->msg) == M2M_OK && op_sign(j);
}

static void job_free(ec_job *j)
{
	m2m_ec_free(j->own);
	m2m_ec_free(j->peer);
	m2m_wipe(j->secret, sizeof j->secret);
}

static void *job_run(void *p)
{
	ec_job *j = p;
	j->rate = m2m_bench_rate(j->op, j, j->seconds);
	return NULL;
}

/* ops/s of op on n threads at once (the sum), or a negative value. */
static double rate(bool (*op)(void *), size_t n, double seconds)
{
	ec_job j[THREADS];
	pthread_t t[THREADS];
	size_t started = 0;
	double sum = 0;
	bool ok = true;

	for (size_t k = 0; k < n; k++)
		ok = job_init(&j[k], op, seconds) && ok;
	for (; ok && started < n; started++)
		if (pthread_create(&t[started], NULL, job_run, &j[started]) != 0)
			break;
	for (size_t k = 0; k < started; k++) {
		pthread_join(t[k], NULL);
		sum += j[k].rate < 0 ? -1e12 : j[k].rate;
	}
	for (size_t k = 0; k < n; k++)
		job_free(&j[k]);
	return ok && started == n ? sum : -1;
}

bool bsd_ceiling(double seconds, double *one_core, double *two_cores)
{
	static const struct {
		const char *name;
		bool (*op)(void *);
		int per_download; /* both sides */
		int smdp;         /* the SM-DP's share */
	} ops[] = {{"keygen", op_keygen, 1, 1}, {"ecdh", op_ecdh, 2, 1},
		   {"ecdsa-sign", op_sign, 1, 1}, {"ecdsa-verify", op_verify, 3, 1}};
	double us[2] = {0, 0}, smdp_us = 0;

	printf("Ceiling (same run): P-256 through the crypto layer, %.1f s per figure\n",
	       seconds);
	printf("  %-14s %12s %12s %8s\n", "operation", "1 thread/s", "2 threads/s", "per dl");
	for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
		double r1 = rate(ops[k].op, 1, seconds), r2 = rate(ops[k].op, 2, seconds);
		if (r1 <= 0 || r2 <= 0) {
			fprintf(stderr, "bench smdp: %s failed\n", ops[k].name);
			return false;
		}
		printf("  %-14s %12.0f %12.0f %8d\n", ops[k].name, r1, r2, ops[k].per_download);
		us[0] += ops[k].per_download * 1e6 / r1;
		us[1] += ops[k].per_download * 1e6 / r2;
		smdp_us += ops[k].smdp * 1e6 / r1;
	}
	*one_core = 1e6 / us[0];
	*two_cores = 1e6 / us[1];
	printf("  one download = 1 keygen + 2 ECDH + 1 sign + 3 verify (SM-DP: keygen, ECDH, sign, "
	       "verify of CERT.ECASD.ECKA; card: 2 verify, ECDH)\n");
	printf("  => %.0f us of EC crypto per download on one core: at most %.0f downloads/s on "
	       "one core, %.0f on two (threads)\n",
	       us[0], *one_core, *two_cores);
	printf("     SM-DP side only (keygen + ECDH + sign + verify, %.0f us): %.0f downloads/s "
	       "on one core\n",
	       smdp_us, 1e6 / smdp_us);
	return true;
}
