/* Provisioning of a farm database: devices made in parallel, inserted in batches. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "farm/farm_ids.h"
#include "farm/farm_provision.h"

#define JOBS_MAX 16

typedef struct {
	m2m_buf blob;                /* reference form */
	char msisdn[16];
	uint8_t eid[16];
} made;

typedef struct {
	const m2m_farm_init_cfg *cfg;
	m2m_farm_pkgs *pkgs;
	m2m_farm_maker maker;
	made *out;                   /* the batch */
	uint64_t first, n;           /* device numbers first.. first+n-1 */
	unsigned stride, offset;     /* this worker's share: offset, offset+stride... */
	m2m_err err;
} worker;

static m2m_err make_one(worker *w, uint64_t i, made *m)
{
	m2m_euicc *e = NULL;
	m2m_buf state;
	m2m_err err;

	m2m_buf_init(&state);
	m2m_buf_reset(&m->blob);
	err = m2m_farm_make_card(&w->maker, w->cfg, i, &e, m->msisdn);
	if (err == M2M_OK)
		err = m2m_farm_second_install(&w->maker, w->cfg, i, e);
	if (err == M2M_OK) {
		memcpy(m->eid, e->eid, 16);
		err = m2m_euicc_save(e, &state);
	}
	if (err == M2M_OK)
		err = m2m_farm_state_strip(w->pkgs, state.data, state.len, &m->blob);
	if (err != M2M_OK && w->maker.why[0] == '\0')
		snprintf(w->maker.why, sizeof w->maker.why, "device %llu: %s",
			 (unsigned long long)i, m2m_strerror(err));
	m2m_euicc_free(e);
	m2m_buf_free(&state);
	return err;
}

static void *work(void *arg)
{
	worker *w = arg;

	w->err = M2M_OK;
	for (uint64_t k = w->offset; w->err == M2M_OK && k < w->n; k += w->stride)
		w->err = make_one(w, w->first + k, &w->out[k]);
	return NULL;
}

/* Runs the workers over devices first..first+n-1 (worker 0 on this thread). */
static m2m_err make_batch(worker *ws, unsigned jobs, uint64_t first, uint64_t n)
{
	pthread_t th[JOBS_MAX];
	bool started[JOBS_MAX] = {false};
	m2m_err err = M2M_OK;

	for (unsigned j = 0; j < jobs; j++) {
		ws[j].first = first;
		ws[j].n = n;
		ws[j].stride = jobs;
		ws[j].offset = j;
	}
	for (unsigned j = 1; j < jobs; j++)
		started[j] = pthread_create(&th[j], NULL, work, &ws[j]) == 0;
	work(&ws[0]);
	for (unsigned j = 1; j < jobs; j++) {
		if (started[j])
			pthread_join(th[j], NULL);
		else
			work(&ws[j]); /* no thread: do its share here */
	}
	for (unsigned j = 0; j < jobs && err == M2M_OK; j++)
		err = ws[j].err;
	return err;
}

static m2m_err insert_batch(m2m_farm_db *db, m2m_farm_pkgs *pkgs, made *v, uint64_t first,
			    uint64_t n)
{
	m2m_err err = m2m_farm_db_begin(db);

	/* New bases first, so no device refers to a package the database lacks. */
	if (err == M2M_OK)
		err = m2m_farm_db_pkgs_flush(db, pkgs);
	for (uint64_t k = 0; err == M2M_OK && k < n; k++)
		err = m2m_farm_db_insert(db, (int64_t)(first + k + 1), v[k].eid, v[k].msisdn,
					 v[k].blob.data, v[k].blob.len, 0);
	if (err == M2M_OK)
		err = m2m_farm_db_commit(db);
	else
		m2m_farm_db_rollback(db);
	return err;
}

static bool cfg_ok(const m2m_farm_init_cfg *c, char *why, size_t cap)
{
	const char *bad = NULL;

	if (c->count < 1 || c->count > M2M_FARM_COUNT_MAX)
		bad = "count out of range";
	else if (!m2m_farm_digits(c->first_eid, 32, 32))
		bad = "the first EID must be 32 decimal digits";
	else if (!m2m_farm_digits(c->msisdn_base, 1, M2M_FARM_MSISDN_MAX))
		bad = "the MSISDN base must be 1 to 15 digits";
	else if (!m2m_farm_digits(c->iccid_base, 19, 19))
		bad = "the ICCID base must be 19 digits";
	else if (c->eum == NULL || c->ci == NULL || c->eum_id_len < 1 || c->eum_id_len > 32)
		bad = "EUM or CI key missing";
	else if (c->bootstrap == NULL || c->bootstrap_len == 0)
		bad = "no bootstrap package";
	else if (c->second != NULL &&
		 (c->second_len == 0 || !m2m_farm_digits(c->second_iccid_base, 19, 19)))
		bad = "the second package needs a 19-digit second ICCID base";
	else if (c->jobs < 1 || c->jobs > JOBS_MAX || c->batch < 1)
		bad = "jobs or batch out of range";
	if (bad != NULL)
		snprintf(why, cap, "%s", bad);
	return bad == NULL;
}

/* The last device's identifiers must still fit their digit counts. */
static m2m_err range_ok(const m2m_farm_init_cfg *c, char *why, size_t cap)
{
	uint8_t eid[16];
	char s[21];
	m2m_err err = m2m_farm_eid_at(c->first_eid, c->count - 1, eid);

	if (err == M2M_OK)
		err = m2m_farm_digits_add(c->msisdn_base, c->count - 1, s, sizeof s);
	if (err == M2M_OK)
		err = m2m_farm_iccid_at(c->iccid_base, c->count - 1, s);
	if (err == M2M_OK && c->second != NULL)
		err = m2m_farm_iccid_at(c->second_iccid_base, c->count - 1, s);
	if (err != M2M_OK)
		snprintf(why, cap, "%llu devices overflow the EID, MSISDN or ICCID digits",
			 (unsigned long long)c->count);
	return err;
}

/* The package as the encoder writes it becomes the base personalised copies refer to. */
static m2m_err add_base(const m2m_saip_pkg *pkg, m2m_farm_pkgs *pkgs)
{
	const m2m_farm_pkg *p;
	m2m_buf der;
	m2m_err err;

	m2m_buf_init(&der);
	err = m2m_saip_encode(pkg, &der);
	if (err == M2M_OK)
		err = m2m_farm_pkgs_add(pkgs, der.data, der.len, false, &p);
	m2m_buf_free(&der);
	return err;
}

static m2m_err add_bases(worker *w, m2m_farm_pkgs *pkgs)
{
	m2m_err err = add_base(&w->maker.boot, pkgs);

	if (err == M2M_OK && w->cfg->second != NULL)
		err = add_base(&w->maker.second, pkgs);
	return err;
}

m2m_err m2m_farm_provision(m2m_farm_db *db, m2m_farm_pkgs *pkgs, const m2m_farm_init_cfg *cfg,
			   char *why, size_t why_cap)
{
	worker ws[JOBS_MAX];
	made *v = NULL;
	uint64_t have = 0, done = 0, batch = 0;
	unsigned jobs = 0;
	char dummy[8];
	m2m_err err = M2M_ERR_ARG;

	if (why == NULL) {
		why = dummy;
		why_cap = sizeof dummy;
	}
	why[0] = '\0';
	memset(ws, 0, sizeof ws);
	if (!cfg_ok(cfg, why, why_cap) || (err = range_ok(cfg, why, why_cap)) != M2M_OK)
		goto out;
	err = m2m_farm_db_count(db, &have);
	if (err == M2M_OK && have != 0) {
		snprintf(why, why_cap, "the database already holds %llu devices",
			 (unsigned long long)have);
		err = M2M_ERR_STATE;
	}
	if (err != M2M_OK)
		goto out;
	batch = cfg->batch < cfg->count ? cfg->batch : cfg->count;
	err = M2M_ERR_NOMEM;
	if ((v = calloc(batch, sizeof *v)) == NULL)
		goto out;
	for (uint64_t k = 0; k < batch; k++)
		m2m_buf_init(&v[k].blob);
	for (; jobs < cfg->jobs; jobs++) {
		ws[jobs].cfg = cfg;
		ws[jobs].pkgs = pkgs;
		ws[jobs].out = v;
		err = m2m_farm_maker_init(&ws[jobs].maker, cfg);
		if (err == M2M_OK)
			err = m2m_farm_second_init(&ws[jobs].maker, cfg);
		if (err != M2M_OK) {
			snprintf(why, why_cap, "%s", ws[jobs].maker.why);
			jobs++;
			goto out;
		}
	}
	err = add_bases(&ws[0], pkgs);
	while (err == M2M_OK && done < cfg->count) {
		uint64_t n = cfg->count - done < batch ? cfg->count - done : batch;

		err = make_batch(ws, jobs, done, n);
		for (unsigned j = 0; err != M2M_OK && j < jobs && why[0] == '\0'; j++)
			if (ws[j].err != M2M_OK)
				snprintf(why, why_cap, "%s", ws[j].maker.why);
		if (err == M2M_OK && (err = insert_batch(db, pkgs, v, done, n)) != M2M_OK)
			snprintf(why, why_cap, "database: %s", m2m_farm_db_error(db));
		done += n;
		if (err == M2M_OK && cfg->progress != NULL)
			cfg->progress(cfg->progress_arg, done, cfg->count);
	}
out:
	for (unsigned j = 0; j < jobs; j++) {
		m2m_farm_second_free(&ws[j].maker);
		m2m_farm_maker_free(&ws[j].maker);
	}
	for (uint64_t k = 0; v != NULL && k < batch; k++)
		m2m_buf_free(&v[k].blob);
	free(v);
	if (err != M2M_OK && why[0] == '\0')
		snprintf(why, why_cap, "%s", m2m_strerror(err));
	return err;
}
