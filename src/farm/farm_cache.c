/* The device cache: loaded eUICCs in an LRU list with two hash indexes (EID, MSISDN);
 * devices with work in progress are pinned and never evicted. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "farm/farm_int.h"

static uint32_t fnv(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static size_t eid_slot(const m2m_farm *f, const uint8_t eid[16])
{
	return fnv(eid, 16) & (f->nbuckets - 1);
}

static size_t msisdn_slot(const m2m_farm *f, const char *m)
{
	return fnv((const uint8_t *)m, strlen(m)) & (f->nbuckets - 1);
}

m2m_err farm_cache_init(m2m_farm *f)
{
	size_t n = 64;

	while (n < 2 * f->cfg.cache_max && n < (1u << 24))
		n <<= 1;
	f->nbuckets = n;
	f->h_eid = calloc(n, sizeof *f->h_eid);
	f->h_msisdn = calloc(n, sizeof *f->h_msisdn);
	return f->h_eid != NULL && f->h_msisdn != NULL ? M2M_OK : M2M_ERR_NOMEM;
}

bool farm_dev_pinned(const farm_dev *d)
{
	return d->off || d->exposed || d->scp81 != NULL || d->mt_count > 0 || d->notif_armed ||
	       d->attach_ev != NULL || d->power_ev != NULL || d->ota.reasm.active ||
	       d->ota.scp81.state != M2M_EUICC_OTA_SCP81_IDLE;
}

static void lru_unlink(m2m_farm *f, farm_dev *d)
{
	if (d->lru_prev != NULL)
		d->lru_prev->lru_next = d->lru_next;
	else
		f->lru_head = d->lru_next;
	if (d->lru_next != NULL)
		d->lru_next->lru_prev = d->lru_prev;
	else
		f->lru_tail = d->lru_prev;
	d->lru_prev = d->lru_next = NULL;
}

static void lru_push(m2m_farm *f, farm_dev *d)
{
	d->lru_prev = NULL;
	d->lru_next = f->lru_head;
	if (f->lru_head != NULL)
		f->lru_head->lru_prev = d;
	f->lru_head = d;
	if (f->lru_tail == NULL)
		f->lru_tail = d;
}

static void unhash(m2m_farm *f, farm_dev *d)
{
	farm_dev **pp;

	for (pp = &f->h_eid[eid_slot(f, d->eid)]; *pp != NULL; pp = &(*pp)->by_eid)
		if (*pp == d) {
			*pp = d->by_eid;
			break;
		}
	for (pp = &f->h_msisdn[msisdn_slot(f, d->msisdn)]; *pp != NULL; pp = &(*pp)->by_msisdn)
		if (*pp == d) {
			*pp = d->by_msisdn;
			break;
		}
}

static void dev_free(farm_dev *d)
{
	farm_mt *mt;

	farm_dev_events_free(d);
	while ((mt = d->mt_head) != NULL) {
		d->mt_head = mt->next;
		farm_mt_free(mt);
	}
	m2m_euicc_ota_free(&d->ota);
	m2m_euicc_free(d->e);
	free(d);
}

static void drop(m2m_farm *f, farm_dev *d)
{
	unhash(f, d);
	lru_unlink(f, d);
	f->cached--;
	dev_free(d);
}

void farm_evict(m2m_farm *f)
{
	farm_dev *d = f->lru_tail;

	/* The head is the device in use: never evicted, whatever the count. */
	while (f->cached > f->cfg.cache_max && d != NULL && d != f->lru_head) {
		farm_dev *prev = d->lru_prev;

		if (!farm_dev_pinned(d)) {
			drop(f, d);
			f->st.evictions++;
		}
		d = prev;
	}
}

void farm_dev_touch(m2m_farm *f, farm_dev *d)
{
	if (f->lru_head != d) {
		lru_unlink(f, d);
		lru_push(f, d);
	}
	farm_evict(f);
}

void farm_cache_free(m2m_farm *f)
{
	while (f->lru_head != NULL)
		drop(f, f->lru_head);
	free(f->h_eid);
	free(f->h_msisdn);
	f->h_eid = f->h_msisdn = NULL;
}

/* ---- loading ---- */

static m2m_err load_card(m2m_farm *f, const m2m_farm_row *r, m2m_euicc **e)
{
	m2m_buf st;
	m2m_err err;

	m2m_buf_init(&st);
	err = m2m_farm_state_expand(&f->pkgs, r->state.data, r->state.len, &st);
	if (err == M2M_OK)
		err = m2m_euicc_load(st.data, st.len, e);
	m2m_buf_free(&st);
	return err;
}

static farm_dev *add(m2m_farm *f, const m2m_farm_row *r, m2m_err *err)
{
	farm_dev *d = calloc(1, sizeof *d);
	size_t s;

	*err = M2M_ERR_NOMEM;
	if (d == NULL)
		return NULL;
	*err = load_card(f, r, &d->e);
	if (*err != M2M_OK) {
		m2m_warn("farm", "device %lld: stored state does not load: %s", (long long)r->id,
			 m2m_strerror(*err));
		free(d);
		return NULL;
	}
	d->id = r->id;
	d->farm = f;
	memcpy(d->eid, r->eid, 16);
	memcpy(d->msisdn, r->msisdn, sizeof d->msisdn);
	m2m_euicc_ota_init(&d->ota, &f->smsr);
	m2m_euicc_ota_enable_isdp(&d->ota);
	memcpy(d->ota.scp81_default_host, f->scp81_host, sizeof f->scp81_host);
	memcpy(d->ota.scp81_default_uri, f->scp81_uri, sizeof f->scp81_uri);
	s = eid_slot(f, d->eid);
	d->by_eid = f->h_eid[s];
	f->h_eid[s] = d;
	s = msisdn_slot(f, d->msisdn);
	d->by_msisdn = f->h_msisdn[s];
	f->h_msisdn[s] = d;
	lru_push(f, d);
	f->cached++;
	f->st.loads++;
	farm_evict(f);
	return d;
}

typedef m2m_err (*row_fn)(m2m_farm_db *db, const void *key, m2m_farm_row *r);

static m2m_err q_eid(m2m_farm_db *db, const void *k, m2m_farm_row *r)
{
	return m2m_farm_db_by_eid(db, k, r);
}

static m2m_err q_msisdn(m2m_farm_db *db, const void *k, m2m_farm_row *r)
{
	return m2m_farm_db_by_msisdn(db, k, r);
}

static farm_dev *fetch(m2m_farm *f, row_fn q, const void *key, m2m_err *err)
{
	m2m_farm_row r;
	farm_dev *d = NULL;

	m2m_farm_row_init(&r);
	*err = q(f->db, key, &r);
	if (*err == M2M_OK)
		d = add(f, &r, err);
	m2m_farm_row_free(&r);
	return d;
}

farm_dev *farm_dev_by_eid(m2m_farm *f, const uint8_t eid[16], m2m_err *err)
{
	for (farm_dev *d = f->h_eid[eid_slot(f, eid)]; d != NULL; d = d->by_eid)
		if (memcmp(d->eid, eid, 16) == 0) {
			*err = M2M_OK;
			farm_dev_touch(f, d);
			return d;
		}
	return fetch(f, q_eid, eid, err);
}

farm_dev *farm_dev_by_msisdn(m2m_farm *f, const char *msisdn, m2m_err *err)
{
	if (strlen(msisdn) >= sizeof ((farm_dev *)NULL)->msisdn) {
		*err = M2M_ERR_TLV_NOT_FOUND;
		return NULL;
	}
	for (farm_dev *d = f->h_msisdn[msisdn_slot(f, msisdn)]; d != NULL; d = d->by_msisdn)
		if (strcmp(d->msisdn, msisdn) == 0) {
			*err = M2M_OK;
			farm_dev_touch(f, d);
			return d;
		}
	return fetch(f, q_msisdn, msisdn, err);
}

m2m_err farm_dev_save(m2m_farm *f, farm_dev *d)
{
	m2m_buf st, blob;
	m2m_err err;

	m2m_buf_init(&st);
	m2m_buf_init(&blob);
	err = m2m_euicc_save(d->e, &st);
	if (err == M2M_OK)
		err = m2m_farm_state_strip(&f->pkgs, st.data, st.len, &blob);
	/* A new package base goes in before the state that refers to it. */
	if (err == M2M_OK)
		err = m2m_farm_db_pkgs_flush(f->db, &f->pkgs);
	if (err == M2M_OK)
		err = m2m_farm_db_update(f->db, d->id, blob.data, blob.len,
					 (unsigned)m2m_euicc_notif_count(d->e));
	if (err == M2M_OK)
		f->st.saves++;
	else
		m2m_error("farm", "device %lld: state not saved: %s", (long long)d->id,
			  m2m_strerror(err));
	m2m_buf_free(&st);
	m2m_buf_free(&blob);
	return err;
}
