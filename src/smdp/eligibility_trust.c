/* The trusted CI and the EUM certificates already checked against it, keyed by the SHA-256
 * of their PEM text: a fleet has a handful of EUMs, and the X.509 decoding costs far more
 * than the ECDSA check of each eUICC's own certificate. */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "crypto/hash.h"
#include "smdp/eligibility.h"

typedef struct {
	bool used;
	uint8_t hash[M2M_SHA256_SIZE];
	time_t not_before;
	time_t not_after;
	m2m_eckey *key;
	uint64_t last_use;
} eum_entry;

struct m2m_smdp_trust {
	m2m_buf ci;
	time_t ci_not_before;
	time_t ci_not_after;
	eum_entry eum[M2M_SMDP_TRUST_EUM_MAX];
	uint64_t clock;
};

m2m_err m2m_smdp_trust_new(const uint8_t *ci_pem, size_t len, m2m_smdp_trust **out)
{
	m2m_smdp_trust *t;
	m2m_err err;

	if (out == NULL)
		return M2M_ERR_ARG;
	*out = NULL;
	t = calloc(1, sizeof *t);
	if (t == NULL)
		return M2M_ERR_NOMEM;
	m2m_buf_init(&t->ci);
	err = m2m_smdp_x509_times(ci_pem, len, &t->ci_not_before, &t->ci_not_after);
	if (err == M2M_OK)
		err = m2m_buf_append(&t->ci, ci_pem, len);
	if (err != M2M_OK) {
		m2m_smdp_trust_free(t);
		return err;
	}
	*out = t;
	return M2M_OK;
}

void m2m_smdp_trust_free(m2m_smdp_trust *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < M2M_SMDP_TRUST_EUM_MAX; i++)
		m2m_ec_free(t->eum[i].key);
	m2m_buf_free(&t->ci);
	free(t);
}

size_t m2m_smdp_trust_cached(const m2m_smdp_trust *t)
{
	size_t n = 0;

	for (size_t i = 0; t != NULL && i < M2M_SMDP_TRUST_EUM_MAX; i++)
		n += t->eum[i].used;
	return n;
}

static eum_entry *find(m2m_smdp_trust *t, const uint8_t hash[M2M_SHA256_SIZE])
{
	for (size_t i = 0; i < M2M_SMDP_TRUST_EUM_MAX; i++)
		if (t->eum[i].used && memcmp(t->eum[i].hash, hash, M2M_SHA256_SIZE) == 0)
			return &t->eum[i];
	return NULL;
}

/* A free slot, or the least recently used one (emptied). */
static eum_entry *slot(m2m_smdp_trust *t)
{
	eum_entry *e = &t->eum[0];

	for (size_t i = 0; i < M2M_SMDP_TRUST_EUM_MAX; i++) {
		if (!t->eum[i].used)
			return &t->eum[i];
		if (t->eum[i].last_use < e->last_use)
			e = &t->eum[i];
	}
	m2m_ec_free(e->key);
	memset(e, 0, sizeof *e);
	return e;
}

/* First sight of an EUM certificate: the full check, then remembered. */
static m2m_err learn(m2m_smdp_trust *t, const uint8_t *pem, size_t n, const uint8_t *hash,
		     time_t now, eum_entry **out, m2m_smdp_refusal *why)
{
	m2m_eckey *key = NULL;
	time_t nb = 0, na = 0;
	eum_entry *e;
	m2m_err err = m2m_smdp_check_eum(t->ci.data, t->ci.len, pem, n, now, &key, why);

	if (err == M2M_OK && m2m_smdp_x509_times(pem, n, &nb, &na) != M2M_OK)
		err = m2m_smdp_refuse(why, M2M_SMDP_REFUSE_EIS_INVALID, M2M_ERR_FORMAT,
				      "the EUM certificate does not parse");
	if (err != M2M_OK) {
		m2m_ec_free(key);
		return err;
	}
	e = slot(t);
	e->used = true;
	memcpy(e->hash, hash, M2M_SHA256_SIZE);
	e->not_before = nb;
	e->not_after = na;
	e->key = key;
	*out = e;
	return M2M_OK;
}

m2m_err m2m_smdp_trust_eum(m2m_smdp_trust *t, const uint8_t *pem, size_t n, time_t now,
			   const m2m_eckey **key, m2m_smdp_refusal *why)
{
	uint8_t hash[M2M_SHA256_SIZE];
	eum_entry *e;
	m2m_err err;

	*key = NULL;
	if (now < t->ci_not_before || now > t->ci_not_after)
		return m2m_smdp_refuse(why, M2M_SMDP_REFUSE_EUM_EXPIRED, M2M_ERR_VERIFY,
				       "the CI certificate is outside its validity");
	if (pem == NULL || n == 0)
		return m2m_smdp_refuse(why, M2M_SMDP_REFUSE_EIS_INVALID, M2M_ERR_FORMAT,
				       "no EUM certificate");
	err = m2m_sha256(pem, n, hash);
	if (err != M2M_OK)
		return m2m_smdp_refuse(why, M2M_SMDP_REFUSE_INTERNAL, err, "hash: %s",
				       m2m_strerror(err));
	e = find(t, hash);
	if (e == NULL) {
		err = learn(t, pem, n, hash, now, &e, why);
		if (err != M2M_OK)
			return err;
	}
	if (now < e->not_before || now > e->not_after)
		return m2m_smdp_refuse(why, M2M_SMDP_REFUSE_EUM_EXPIRED, M2M_ERR_VERIFY,
				       "the EUM certificate is outside its validity");
	e->last_use = ++t->clock;
	*key = e->key;
	return M2M_OK;
}
