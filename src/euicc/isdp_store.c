/* ES8 persistent state: the package store (with the file updates kept over it), the ES6
 * counters of the MNO-SD, their TLVs in the saved state, their invariants, and the runtime
 * part m2m_euicc.rt. */
#include <stdlib.h>
#include <string.h>

#include "card/scp80.h"
#include "euicc/isdp_int.h"

#define T_SEQ 0x86
#define T_CONN 0x87
#define T_PKG 0xA2
#define T_FSX 0x82
#define T_MNO_CNTR 0xA3

struct m2m_euicc_rt *euicc_rt(m2m_euicc *e)
{
	if (e->rt == NULL) {
		e->rt = calloc(1, sizeof *e->rt);
		if (e->rt != NULL)
			e->rt->dl.idx = e->rt->sc.idx = e->rt->u.idx = e->rt->rfm.app = -1;
	}
	return e->rt;
}

static bool referenced(const m2m_euicc *e, int slot)
{
	for (int i = 0; i < M2M_EUICC_ISDP_MAX; i++)
		if (e->isdp[i].used && e->isdp[i].pkg == slot + 1)
			return true;
	return false;
}

static void slot_free(m2m_euicc_pkg *k)
{
	if (k->data != NULL)
		m2m_wipe(k->data, k->len);
	free(k->data);
	euicc_fsx_free(k);
	memset(k, 0, sizeof *k);
}

/* Slots of deleted ISD-Ps (the ISD-R wipes the record, not the package) are freed here. */
static void collect(m2m_euicc *e)
{
	for (int s = 0; s < M2M_EUICC_ISDP_MAX; s++)
		if (e->pkg[s].data != NULL && !referenced(e, s))
			slot_free(&e->pkg[s]);
}

m2m_euicc_pkg *euicc_pkg_of(m2m_euicc *e, int i)
{
	uint8_t s = e->isdp[i].pkg;

	if (!e->isdp[i].used || s == 0 || s > M2M_EUICC_ISDP_MAX || e->pkg[s - 1].data == NULL)
		return NULL;
	return &e->pkg[s - 1];
}

void euicc_pkg_drop(m2m_euicc *e, int i)
{
	e->isdp[i].pkg = 0;
	collect(e);
}

m2m_err euicc_pkg_append(m2m_euicc *e, int i, const uint8_t *p, size_t n)
{
	m2m_euicc_pkg *k = euicc_pkg_of(e, i);
	uint8_t *grown;
	m2m_err err = M2M_ERR_BOUNDS;

	if (k == NULL) {
		collect(e);
		for (int s = 0; k == NULL && s < M2M_EUICC_ISDP_MAX; s++)
			if (e->pkg[s].data == NULL && !referenced(e, s)) {
				k = &e->pkg[s];
				e->isdp[i].pkg = (uint8_t)(s + 1);
			}
		if (k == NULL)
			goto out; /* cannot happen: one slot per ISD-P */
		k->id = ++e->pkg_next_id;
	}
	if (n > M2M_EUICC_PKG_MAX - k->len || k->len + n > e->isdp[i].mem_reserved)
		goto out;
	err = M2M_ERR_NOMEM;
	/* Not realloc: the old copy is wiped (a package carries keys). */
	grown = malloc(k->len + n > 0 ? k->len + n : 1);
	if (grown == NULL)
		goto out;
	if (k->len > 0)
		memcpy(grown, k->data, k->len);
	if (n > 0)
		memcpy(grown + k->len, p, n);
	if (k->data != NULL)
		m2m_wipe(k->data, k->len);
	free(k->data);
	k->data = grown;
	k->len += n;
	k->id = ++e->pkg_next_id;
	err = M2M_OK;
out:
	return err;
}

void euicc_es8_free(m2m_euicc *e)
{
	if (e->rt != NULL) {
		euicc_dl_end(&e->rt->dl);
		m2m_scp03_wipe(&e->rt->sc.sc);
		euicc_uicc_drop(&e->rt->u);
		free(e->rt);
		e->rt = NULL;
	}
	for (int s = 0; s < M2M_EUICC_ISDP_MAX; s++)
		slot_free(&e->pkg[s]);
}

static bool pkg_valid(const m2m_euicc *e, const m2m_euicc_isdp *p, bool *seen)
{
	const m2m_euicc_pkg *k;

	if (p->pkg == 0)
		return true;
	if (p->pkg > M2M_EUICC_ISDP_MAX || seen[p->pkg - 1])
		return false;
	seen[p->pkg - 1] = true;
	k = &e->pkg[p->pkg - 1];
	if (k->data == NULL || k->len == 0 || k->len > M2M_EUICC_PKG_MAX)
		return false;
	/* Updates are kept over a complete package only. */
	if ((k->fsx_len > 0 || k->fsx != NULL) &&
	    (!k->complete || k->fsx == NULL || !euicc_fsx_valid(k->fsx, k->fsx_len)))
		return false;
	if (k->complete)
		return p->has_profile && k->len == p->mem_used;
	return !p->has_profile && k->len <= p->mem_reserved;
}

bool euicc_es8_valid(const m2m_euicc *e)
{
	bool seen[M2M_EUICC_ISDP_MAX] = {false};

	for (int i = 0; i < M2M_EUICC_ISDP_MAX; i++) {
		const m2m_euicc_isdp *p = &e->isdp[i];

		if (!p->used)
			continue;
		if (p->scp03t_seq > 0xFFFFFF || p->conn_len > M2M_EUICC_CONN_MAX ||
		    !pkg_valid(e, p, seen) || p->mno_cntr_set >> M2M_EUICC_MNO_KVN_MAX != 0)
			return false;
		for (int k = 0; k < M2M_EUICC_MNO_KVN_MAX; k++)
			if (p->mno_cntr[k] > M2M_SCP80_CNTR_MAX ||
			    (!(p->mno_cntr_set & 1u << k) && p->mno_cntr[k] != 0))
				return false;
	}
	return true;
}

/* A3 { A0 { 80 01 KVN, 81 05 counter } }: the MNO-SD counters that moved. */
static m2m_err save_cntr(const m2m_euicc_isdp *p, m2m_buf *b)
{
	size_t mark, inner;
	m2m_err err = M2M_OK;

	if (p->mno_cntr_set == 0)
		return M2M_OK;
	err = m2m_tlv_begin(b, T_MNO_CNTR, &mark);
	for (int k = 0; err == M2M_OK && k < M2M_EUICC_MNO_KVN_MAX; k++) {
		uint8_t c[5];
		if (!(p->mno_cntr_set & 1u << k))
			continue;
		for (int j = 0; j < 5; j++)
			c[j] = (uint8_t)(p->mno_cntr[k] >> (8 * (4 - j)));
		err = m2m_tlv_begin(b, 0xA0, &inner);
		if (err == M2M_OK)
			err = m2m_tlv_put_u8(b, 0x80, (uint8_t)(k + 1));
		if (err == M2M_OK)
			err = m2m_tlv_put(b, 0x81, c, sizeof c);
		if (err == M2M_OK)
			err = m2m_tlv_end(b, inner);
	}
	if (err == M2M_OK)
		err = m2m_tlv_end(b, mark);
	return err;
}

m2m_err euicc_es8_save(const m2m_euicc *e, int i, m2m_buf *b)
{
	const m2m_euicc_isdp *p = &e->isdp[i];
	uint8_t seq[3] = {(uint8_t)(p->scp03t_seq >> 16), (uint8_t)(p->scp03t_seq >> 8),
			  (uint8_t)p->scp03t_seq};
	const m2m_euicc_pkg *k = p->pkg != 0 ? &e->pkg[p->pkg - 1] : NULL;
	size_t mark;
	m2m_err err = M2M_OK;

	if (p->scp03t_seq != 0)
		err = m2m_tlv_put(b, T_SEQ, seq, sizeof seq);
	if (err == M2M_OK && p->conn_len > 0)
		err = m2m_tlv_put(b, T_CONN, p->conn, p->conn_len);
	if (err != M2M_OK || k == NULL)
		goto out;
	err = m2m_tlv_begin(b, T_PKG, &mark);
	if (err == M2M_OK)
		err = m2m_tlv_put_u8(b, 0x80, k->complete ? 1 : 0);
	if (err == M2M_OK)
		err = m2m_tlv_put(b, 0x81, k->data, k->len);
	if (err == M2M_OK && k->fsx_len > 0)
		err = m2m_tlv_put(b, T_FSX, k->fsx, k->fsx_len);
	if (err == M2M_OK)
		err = m2m_tlv_end(b, mark);
out:
	if (err == M2M_OK)
		err = save_cntr(p, b);
	return err;
}

/* The next sibling when it carries tag; *found false (iterator unchanged) otherwise. */
static m2m_err take_opt(m2m_tlv_iter *it, uint32_t tag, m2m_tlv *t, bool *found)
{
	m2m_tlv_iter peek = *it;
	m2m_err err = m2m_tlv_next(&peek, t);

	*found = err == M2M_OK && t->tag == tag;
	if (*found)
		*it = peek;
	return err == M2M_OK || err == M2M_END ? M2M_OK : err;
}

static m2m_err load_pkg(m2m_euicc *e, int i, const m2m_tlv *a2)
{
	m2m_tlv_iter it;
	m2m_tlv flag, data, fsx, extra;
	bool f1 = false, f2 = false, f3 = false;
	m2m_euicc_pkg *k = &e->pkg[i];
	m2m_err err;

	m2m_tlv_iter_children(&it, a2, M2M_TLV_DER);
	err = take_opt(&it, 0x80, &flag, &f1);
	if (err == M2M_OK)
		err = take_opt(&it, 0x81, &data, &f2);
	if (err == M2M_OK && (!f1 || !f2 || flag.len != 1 || flag.value[0] > 1 ||
			      data.len == 0 || data.len > M2M_EUICC_PKG_MAX))
		err = M2M_ERR_FORMAT;
	if (err == M2M_OK)
		err = take_opt(&it, T_FSX, &fsx, &f3);
	if (err == M2M_OK && f3 && (fsx.len == 0 || !euicc_fsx_valid(fsx.value, fsx.len)))
		err = M2M_ERR_FORMAT;
	if (err == M2M_OK && m2m_tlv_next(&it, &extra) != M2M_END)
		err = M2M_ERR_FORMAT;
	if (err != M2M_OK)
		goto out;
	err = M2M_ERR_NOMEM;
	k->data = malloc(data.len);
	if (k->data == NULL || (f3 && (k->fsx = malloc(fsx.len)) == NULL))
		goto out;
	memcpy(k->data, data.value, data.len);
	if (f3) {
		memcpy(k->fsx, fsx.value, fsx.len);
		k->fsx_len = fsx.len;
	}
	k->len = data.len;
	k->complete = flag.value[0] == 1;
	k->id = ++e->pkg_next_id;
	e->isdp[i].pkg = (uint8_t)(i + 1); /* load order: slot i is free */
	err = M2M_OK;
out:
	return err;
}

/* Strict: KVNs 01-0F in increasing order, 5-byte counters, at least one. */
static m2m_err load_cntr(m2m_euicc_isdp *p, const m2m_tlv *a3)
{
	m2m_tlv_iter it, in;
	m2m_tlv a0, kvn, cntr, extra;
	m2m_err err;
	int last = 0;

	m2m_tlv_iter_children(&it, a3, M2M_TLV_DER);
	while ((err = m2m_tlv_next(&it, &a0)) == M2M_OK) {
		uint64_t v = 0;
		if (a0.tag != 0xA0 || !a0.constructed)
			return M2M_ERR_FORMAT;
		m2m_tlv_iter_children(&in, &a0, M2M_TLV_DER);
		if (m2m_tlv_next(&in, &kvn) != M2M_OK || kvn.tag != 0x80 || kvn.len != 1 ||
		    kvn.value[0] <= last || kvn.value[0] > M2M_EUICC_MNO_KVN_MAX ||
		    m2m_tlv_next(&in, &cntr) != M2M_OK || cntr.tag != 0x81 || cntr.len != 5 ||
		    m2m_tlv_next(&in, &extra) != M2M_END)
			return M2M_ERR_FORMAT;
		last = kvn.value[0];
		for (int j = 0; j < 5; j++)
			v = v << 8 | cntr.value[j];
		p->mno_cntr[last - 1] = v;
		p->mno_cntr_set |= (uint16_t)(1u << (last - 1));
	}
	return err == M2M_END && last > 0 ? M2M_OK : M2M_ERR_FORMAT;
}

m2m_err euicc_es8_load(m2m_euicc *e, int i, m2m_tlv_iter *it)
{
	m2m_euicc_isdp *p = &e->isdp[i];
	m2m_tlv t;
	bool found = false;
	m2m_err err = take_opt(it, T_SEQ, &t, &found);

	if (err == M2M_OK && found) {
		if (t.len != 3 || (t.value[0] | t.value[1] | t.value[2]) == 0)
			err = M2M_ERR_FORMAT;
		else
			p->scp03t_seq = (uint32_t)t.value[0] << 16 | (uint32_t)t.value[1] << 8 |
					t.value[2];
	}
	if (err == M2M_OK)
		err = take_opt(it, T_CONN, &t, &found);
	if (err == M2M_OK && found) {
		if (t.len == 0 || t.len > M2M_EUICC_CONN_MAX)
			err = M2M_ERR_FORMAT;
		else {
			memcpy(p->conn, t.value, t.len);
			p->conn_len = t.len;
		}
	}
	if (err == M2M_OK)
		err = take_opt(it, T_PKG, &t, &found);
	if (err == M2M_OK && found)
		err = t.constructed ? load_pkg(e, i, &t) : M2M_ERR_FORMAT;
	if (err == M2M_OK)
		err = take_opt(it, T_MNO_CNTR, &t, &found);
	if (err == M2M_OK && found)
		err = t.constructed ? load_cntr(p, &t) : M2M_ERR_FORMAT;
	return err;
}
