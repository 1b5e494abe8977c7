/*
 * The saved state: one DER-style TLV tree, fields in a fixed order, every length exact.
 *
 *   E0 { 80 01 version, 5A 10 EID,
 *        A1 { 80 01 curve, 81 20 SK.ECASD.ECKA, 82 L CERT.ECASD.ECKA, 83 01 CI curve,
 *             84 41 PK.CI },
 *        A2 { A0 keyset*, [85 L SM-SR addressing parameters] },
 *        83 04 NV total, 84 04 volatile, 85 04 default ISD-P quota, 86 02 next seq,
 *        [87 10 previously enabled AID], [88 01 01: the fall-back mechanism is active],
 *        A4 { 4F 10 AID, 80 01 lcs, 81 01 flags, 82 01 POL1, 83 04 reserved, 84 04 used,
 *             [85 0A ICCID], [A0 SCP03 keyset], [A1 token keyset],
 *             [86 03 SCP03 counter], [87 L connectivity],
 *             [A2 { 80 01 complete, 81 L package, [82 L updated files] }],
 *             [A3 { A0 { 80 01 KVN, 81 05 MNO-SD counter } * }] }*,
 *        A5 { 80 01 type, 81 02 seq, 4F 10 AID }* }
 *   keyset: { 80 01 KVN, 81 02 KIc/KID algorithms, 82 05 counter,
 *             A3 { 80 01 id, 81 01 type, 82 L value }* }
 */
#include <stdlib.h>
#include <string.h>

#include "core/tlv.h"
#include "euicc/euicc_int.h"

#define T_STATE 0xE0
#define F_FALLBACK 0x01
#define F_EMERGENCY 0x02
#define F_DELETE 0x04
#define F_PROFILE 0x08

/* ---- save ---- */

static m2m_err put_u32(m2m_buf *b, uint32_t tag, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	return m2m_tlv_put(b, tag, x, sizeof x);
}

static m2m_err put_u16(m2m_buf *b, uint32_t tag, uint16_t v)
{
	uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	return m2m_tlv_put(b, tag, x, sizeof x);
}

static m2m_err save_keyset(const m2m_euicc_keyset *k, uint32_t tag, m2m_buf *b)
{
	uint8_t alg[2] = {k->kic_alg, k->kid_alg}, ctr[5];
	size_t mark, km;
	m2m_err err;

	for (int i = 0; i < 5; i++)
		ctr[i] = (uint8_t)(k->last_counter >> (8 * (4 - i)));
	err = m2m_tlv_begin(b, tag, &mark);
	if (err == M2M_OK)
		err = m2m_tlv_put_u8(b, 0x80, k->kvn);
	if (err == M2M_OK)
		err = m2m_tlv_put(b, 0x81, alg, sizeof alg);
	if (err == M2M_OK)
		err = m2m_tlv_put(b, 0x82, ctr, sizeof ctr);
	for (size_t i = 0; err == M2M_OK && i < k->nkeys; i++) {
		err = m2m_tlv_begin(b, 0xA3, &km);
		if (err == M2M_OK)
			err = m2m_tlv_put_u8(b, 0x80, k->key[i].id);
		if (err == M2M_OK)
			err = m2m_tlv_put_u8(b, 0x81, k->key[i].type);
		if (err == M2M_OK)
			err = m2m_tlv_put(b, 0x82, k->key[i].value, k->key[i].len);
		if (err == M2M_OK)
			err = m2m_tlv_end(b, km);
	}
	if (err == M2M_OK)
		err = m2m_tlv_end(b, mark);
	return err;
}

static m2m_err save_ecasd(const m2m_euicc *e, m2m_buf *b)
{
	uint8_t sk[M2M_EC_FIELD_SIZE], pt[M2M_EC_POINT_SIZE];
	size_t mark;
	m2m_err err;

	err = m2m_ec_private_bytes(e->sk_ecasd, sk);
	if (err == M2M_OK)
		err = m2m_ec_public_point(e->pk_ci, pt);
	if (err == M2M_OK)
		err = m2m_tlv_begin(b, 0xA1, &mark);
	if (err == M2M_OK)
		err = m2m_tlv_put_u8(b, 0x80, (uint8_t)e->curve);
	if (err == M2M_OK)
		err = m2m_tlv_put(b, 0x81, sk, sizeof sk);
	if (err == M2M_OK)
		err = m2m_tlv_put(b, 0x82, e->cert_ecasd, e->cert_ecasd_len);
	if (err == M2M_OK)
		err = m2m_tlv_put_u8(b, 0x83, (uint8_t)m2m_ec_curve(e->pk_ci));
	if (err == M2M_OK)
		err = m2m_tlv_put(b, 0x84, pt, sizeof pt);
	if (err == M2M_OK)
		err = m2m_tlv_end(b, mark);
	m2m_wipe(sk, sizeof sk);
	return err;
}

static m2m_err save_isdr(const m2m_euicc *e, m2m_buf *b)
{
	size_t mark;
	m2m_err err = m2m_tlv_begin(b, 0xA2, &mark);

	for (size_t i = 0; err == M2M_OK && i < M2M_EUICC_KEYSET_MAX; i++)
		if (e->keysets[i].kvn != 0)
			err = save_keyset(&e->keysets[i], 0xA0, b);
	if (err == M2M_OK && e->smsr_params_len > 0)
		err = m2m_tlv_put(b, 0x85, e->smsr_params, e->smsr_params_len);
	if (err == M2M_OK)
		err = m2m_tlv_end(b, mark);
	return err;
}

static m2m_err save_isdp(const m2m_euicc *e, int i, m2m_buf *b)
{
	const m2m_euicc_isdp *p = &e->isdp[i];
	uint8_t flags = (uint8_t)((p->fallback ? F_FALLBACK : 0) | (p->emergency ? F_EMERGENCY : 0) |
				  (p->delete_pending ? F_DELETE : 0) |
				  (p->has_profile ? F_PROFILE : 0));
	size_t mark;
	m2m_err err = m2m_tlv_begin(b, 0xA4, &mark);

	if (err == M2M_OK)
		err = m2m_tlv_put(b, 0x4F, p->aid, sizeof p->aid);
	if (err == M2M_OK)
		err = m2m_tlv_put_u8(b, 0x80, p->lcs);
	if (err == M2M_OK)
		err = m2m_tlv_put_u8(b, 0x81, flags);
	if (err == M2M_OK)
		err = m2m_tlv_put_u8(b, 0x82, p->pol1);
	if (err == M2M_OK)
		err = put_u32(b, 0x83, p->mem_reserved);
	if (err == M2M_OK)
		err = put_u32(b, 0x84, p->mem_used);
	if (err == M2M_OK && p->has_profile)
		err = m2m_tlv_put(b, 0x85, p->iccid, sizeof p->iccid);
	if (err == M2M_OK && p->scp03.kvn != 0)
		err = save_keyset(&p->scp03, 0xA0, b);
	if (err == M2M_OK && p->token.kvn != 0)
		err = save_keyset(&p->token, 0xA1, b);
	if (err == M2M_OK)
		err = euicc_es8_save(e, i, b);
	if (err == M2M_OK)
		err = m2m_tlv_end(b, mark);
	return err;
}

static m2m_err save_notif(const m2m_euicc_notif *n, m2m_buf *b)
{
	size_t mark;
	m2m_err err = m2m_tlv_begin(b, 0xA5, &mark);

	if (err == M2M_OK)
		err = m2m_tlv_put_u8(b, 0x80, n->type);
	if (err == M2M_OK)
		err = put_u16(b, 0x81, n->seq);
	if (err == M2M_OK)
		err = m2m_tlv_put(b, 0x4F, n->aid, sizeof n->aid);
	if (err == M2M_OK)
		err = m2m_tlv_end(b, mark);
	return err;
}

static m2m_err save_body(const m2m_euicc *e, m2m_buf *b)
{
	m2m_err err = m2m_tlv_put_u8(b, 0x80, M2M_EUICC_STATE_VERSION);

	if (err == M2M_OK)
		err = m2m_tlv_put(b, 0x5A, e->eid, sizeof e->eid);
	if (err == M2M_OK)
		err = save_ecasd(e, b);
	if (err == M2M_OK)
		err = save_isdr(e, b);
	if (err == M2M_OK)
		err = put_u32(b, 0x83, e->mem_total);
	if (err == M2M_OK)
		err = put_u32(b, 0x84, e->mem_volatile);
	if (err == M2M_OK)
		err = put_u32(b, 0x85, e->isdp_default_mem);
	if (err == M2M_OK)
		err = put_u16(b, 0x86, e->next_seq);
	if (err == M2M_OK && e->has_previous)
		err = m2m_tlv_put(b, 0x87, e->previous, sizeof e->previous);
	if (err == M2M_OK && e->fallback_active)
		err = m2m_tlv_put_u8(b, 0x88, 0x01);
	for (int i = 0; err == M2M_OK && i < M2M_EUICC_ISDP_MAX; i++)
		if (e->isdp[i].used)
			err = save_isdp(e, i, b);
	for (int i = 0; err == M2M_OK && i < M2M_EUICC_NOTIF_MAX; i++)
		if (e->notif[i].used)
			err = save_notif(&e->notif[i], b);
	return err;
}

m2m_err m2m_euicc_save(const m2m_euicc *e, m2m_buf *out)
{
	size_t mark, start;
	m2m_err err = M2M_ERR_ARG;

	if (e == NULL || out == NULL)
		goto out;
	err = m2m_euicc_check(e);
	if (err != M2M_OK)
		goto out;
	start = out->len;
	err = m2m_tlv_begin(out, T_STATE, &mark);
	if (err == M2M_OK)
		err = save_body(e, out);
	if (err == M2M_OK)
		err = m2m_tlv_end(out, mark);
	if (err != M2M_OK && out->len > start) {
		m2m_wipe(out->data + start, out->len - start);
		out->len = start;
	}
out:
	return err;
}

/* ---- load ---- */

/* The next sibling must carry tag (or, when optional, may be absent). */
static m2m_err take(m2m_tlv_iter *it, uint32_t tag, bool optional, m2m_tlv *t, bool *found)
{
	m2m_tlv_iter peek = *it;
	m2m_err err = m2m_tlv_next(&peek, t);

	if (found != NULL)
		*found = false;
	if (err == M2M_OK && t->tag == tag) {
		*it = peek;
		if (found != NULL)
			*found = true;
		return M2M_OK;
	}
	if (err != M2M_OK && err != M2M_END)
		return err;
	return optional ? M2M_OK : M2M_ERR_FORMAT;
}

static m2m_err take_fixed(m2m_tlv_iter *it, uint32_t tag, void *out, size_t len)
{
	m2m_tlv t;
	m2m_err err = take(it, tag, false, &t, NULL);

	if (err == M2M_OK && t.len != len)
		err = M2M_ERR_FORMAT;
	if (err == M2M_OK)
		memcpy(out, t.value, len);
	return err;
}

static uint64_t be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static m2m_err take_u32(m2m_tlv_iter *it, uint32_t tag, uint32_t *v)
{
	uint8_t x[4];
	m2m_err err = take_fixed(it, tag, x, sizeof x);

	if (err == M2M_OK)
		*v = (uint32_t)be(x, sizeof x);
	return err;
}

static m2m_err expect_end(m2m_tlv_iter *it)
{
	m2m_tlv t;
	m2m_err err = m2m_tlv_next(it, &t);

	return err == M2M_END ? M2M_OK : err == M2M_OK ? M2M_ERR_FORMAT : err;
}

static m2m_err load_key(const m2m_tlv *a3, m2m_euicc_key *k)
{
	m2m_tlv_iter it;
	m2m_tlv t;
	m2m_err err;

	m2m_tlv_iter_children(&it, a3, M2M_TLV_DER);
	err = take_fixed(&it, 0x80, &k->id, 1);
	if (err == M2M_OK)
		err = take_fixed(&it, 0x81, &k->type, 1);
	if (err == M2M_OK)
		err = take(&it, 0x82, false, &t, NULL);
	if (err == M2M_OK && (t.len == 0 || t.len > M2M_EUICC_KEY_MAX))
		err = M2M_ERR_FORMAT;
	if (err == M2M_OK) {
		memcpy(k->value, t.value, t.len);
		k->len = (uint8_t)t.len;
		err = expect_end(&it);
	}
	return err;
}

static m2m_err load_keyset(const m2m_tlv *parent, m2m_euicc_keyset *k)
{
	uint8_t alg[2], ctr[5];
	m2m_tlv_iter it;
	m2m_tlv t;
	bool found = true;
	m2m_err err;

	m2m_tlv_iter_children(&it, parent, M2M_TLV_DER);
	err = take_fixed(&it, 0x80, &k->kvn, 1);
	if (err == M2M_OK && k->kvn == 0)
		err = M2M_ERR_FORMAT;
	if (err == M2M_OK)
		err = take_fixed(&it, 0x81, alg, sizeof alg);
	if (err == M2M_OK)
		err = take_fixed(&it, 0x82, ctr, sizeof ctr);
	if (err == M2M_OK) {
		k->kic_alg = alg[0];
		k->kid_alg = alg[1];
		k->last_counter = be(ctr, sizeof ctr);
	}
	while (err == M2M_OK && found) {
		err = take(&it, 0xA3, true, &t, &found);
		if (err == M2M_OK && found && k->nkeys == M2M_EUICC_KEYS_PER_SET)
			err = M2M_ERR_FORMAT;
		if (err == M2M_OK && found)
			err = load_key(&t, &k->key[k->nkeys++]);
	}
	if (err == M2M_OK)
		err = expect_end(&it);
	return err;
}

static m2m_err load_ecasd(m2m_tlv_iter *outer, m2m_euicc *e)
{
	uint8_t curve = 0, ci_curve = 0, sk[M2M_EC_FIELD_SIZE], pt[M2M_EC_POINT_SIZE];
	m2m_tlv a1, t;
	m2m_tlv_iter it;
	m2m_err err = take(outer, 0xA1, false, &a1, NULL);

	if (err != M2M_OK)
		goto out;
	m2m_tlv_iter_children(&it, &a1, M2M_TLV_DER);
	err = take_fixed(&it, 0x80, &curve, 1);
	if (err == M2M_OK)
		err = take_fixed(&it, 0x81, sk, sizeof sk);
	if (err == M2M_OK)
		err = take(&it, 0x82, false, &t, NULL);
	if (err == M2M_OK && t.len > M2M_EUICC_CERT_MAX)
		err = M2M_ERR_FORMAT;
	if (err == M2M_OK) {
		memcpy(e->cert_ecasd, t.value, t.len);
		e->cert_ecasd_len = t.len;
		err = take_fixed(&it, 0x83, &ci_curve, 1);
	}
	if (err == M2M_OK)
		err = take_fixed(&it, 0x84, pt, sizeof pt);
	if (err == M2M_OK)
		err = expect_end(&it);
	/* Key import refuses unknown curves, scalars out of range and points off the curve. */
	if (err == M2M_OK)
		err = m2m_ec_from_private((m2m_curve)curve, sk, sizeof sk, &e->sk_ecasd);
	if (err == M2M_OK)
		err = m2m_ec_from_public((m2m_curve)ci_curve, pt, sizeof pt, &e->pk_ci);
	if (err == M2M_OK)
		e->curve = (m2m_curve)curve;
	else if (err == M2M_ERR_ARG)
		err = M2M_ERR_FORMAT;
out:
	m2m_wipe(sk, sizeof sk);
	return err;
}

static m2m_err load_isdr(m2m_tlv_iter *outer, m2m_euicc *e)
{
	m2m_tlv a2, t;
	m2m_tlv_iter it;
	bool found = true;
	size_t n = 0;
	m2m_err err = take(outer, 0xA2, false, &a2, NULL);

	if (err != M2M_OK)
		goto out;
	m2m_tlv_iter_children(&it, &a2, M2M_TLV_DER);
	while (err == M2M_OK && found) {
		err = take(&it, 0xA0, true, &t, &found);
		if (err == M2M_OK && found && n == M2M_EUICC_KEYSET_MAX)
			err = M2M_ERR_FORMAT;
		if (err == M2M_OK && found)
			err = load_keyset(&t, &e->keysets[n++]);
	}
	if (err == M2M_OK)
		err = take(&it, 0x85, true, &t, &found);
	if (err == M2M_OK && found && (t.len == 0 || t.len > M2M_EUICC_SMSR_PARAMS_MAX))
		err = M2M_ERR_FORMAT;
	if (err == M2M_OK && found) {
		memcpy(e->smsr_params, t.value, t.len);
		e->smsr_params_len = t.len;
	}
	if (err == M2M_OK)
		err = expect_end(&it);
out:
	return err;
}

static m2m_err isdp_flags(m2m_euicc_isdp *p, uint8_t flags)
{
	if (flags & ~(F_FALLBACK | F_EMERGENCY | F_DELETE | F_PROFILE))
		return M2M_ERR_FORMAT;
	p->fallback = flags & F_FALLBACK;
	p->emergency = flags & F_EMERGENCY;
	p->delete_pending = flags & F_DELETE;
	p->has_profile = flags & F_PROFILE;
	return M2M_OK;
}

static m2m_err load_isdp_keys(m2m_tlv_iter *it, m2m_euicc_isdp *p)
{
	m2m_tlv t;
	bool found = false;
	m2m_err err = take(it, 0xA0, true, &t, &found);

	if (err == M2M_OK && found)
		err = load_keyset(&t, &p->scp03);
	if (err == M2M_OK)
		err = take(it, 0xA1, true, &t, &found);
	if (err == M2M_OK && found)
		err = load_keyset(&t, &p->token);
	return err;
}

static m2m_err load_isdp(const m2m_tlv *a4, m2m_euicc *e, int i)
{
	m2m_euicc_isdp *p = &e->isdp[i];
	uint8_t flags = 0;
	m2m_tlv_iter it;
	m2m_tlv t;
	bool found = false;
	m2m_err err;

	m2m_tlv_iter_children(&it, a4, M2M_TLV_DER);
	p->used = true;
	err = take_fixed(&it, 0x4F, p->aid, sizeof p->aid);
	if (err == M2M_OK)
		err = take_fixed(&it, 0x80, &p->lcs, 1);
	if (err == M2M_OK)
		err = take_fixed(&it, 0x81, &flags, 1);
	if (err == M2M_OK)
		err = isdp_flags(p, flags);
	if (err == M2M_OK)
		err = take_fixed(&it, 0x82, &p->pol1, 1);
	if (err == M2M_OK)
		err = take_u32(&it, 0x83, &p->mem_reserved);
	if (err == M2M_OK)
		err = take_u32(&it, 0x84, &p->mem_used);
	if (err == M2M_OK)
		err = take(&it, 0x85, true, &t, &found);
	/* The ICCID is there exactly when a profile is. */
	if (err == M2M_OK && (found != p->has_profile || (found && t.len != sizeof p->iccid)))
		err = M2M_ERR_FORMAT;
	if (err == M2M_OK && found)
		memcpy(p->iccid, t.value, t.len);
	if (err == M2M_OK)
		err = load_isdp_keys(&it, p);
	if (err == M2M_OK)
		err = euicc_es8_load(e, i, &it);
	if (err == M2M_OK)
		err = expect_end(&it);
	return err;
}

static m2m_err load_notif(const m2m_tlv *a5, m2m_euicc_notif *n)
{
	uint8_t seq[2];
	m2m_tlv_iter it;
	m2m_err err;

	m2m_tlv_iter_children(&it, a5, M2M_TLV_DER);
	n->used = true;
	err = take_fixed(&it, 0x80, &n->type, 1);
	if (err == M2M_OK)
		err = take_fixed(&it, 0x81, seq, sizeof seq);
	if (err == M2M_OK) {
		n->seq = (uint16_t)be(seq, sizeof seq);
		err = take_fixed(&it, 0x4F, n->aid, sizeof n->aid);
	}
	if (err == M2M_OK)
		err = expect_end(&it);
	return err;
}

static m2m_err load_lists(m2m_tlv_iter *it, m2m_euicc *e)
{
	m2m_tlv t;
	bool found = true;
	int n = 0;
	m2m_err err = M2M_OK;

	while (err == M2M_OK && found) {
		err = take(it, 0xA4, true, &t, &found);
		if (err == M2M_OK && found && n == M2M_EUICC_ISDP_MAX)
			err = M2M_ERR_FORMAT;
		if (err == M2M_OK && found)
			err = load_isdp(&t, e, n++);
	}
	found = true;
	n = 0;
	while (err == M2M_OK && found) {
		err = take(it, 0xA5, true, &t, &found);
		if (err == M2M_OK && found && n == M2M_EUICC_NOTIF_MAX)
			err = M2M_ERR_FORMAT;
		if (err == M2M_OK && found)
			err = load_notif(&t, &e->notif[n++]);
	}
	return err;
}

static m2m_err load_body(m2m_tlv_iter *it, m2m_euicc *e)
{
	uint8_t version = 0, seq[2];
	m2m_tlv t;
	m2m_err err = take_fixed(it, 0x80, &version, 1);

	if (err == M2M_OK && version != M2M_EUICC_STATE_VERSION)
		err = M2M_ERR_UNSUPPORTED;
	if (err == M2M_OK)
		err = take_fixed(it, 0x5A, e->eid, sizeof e->eid);
	if (err == M2M_OK)
		err = load_ecasd(it, e);
	if (err == M2M_OK)
		err = load_isdr(it, e);
	if (err == M2M_OK)
		err = take_u32(it, 0x83, &e->mem_total);
	if (err == M2M_OK)
		err = take_u32(it, 0x84, &e->mem_volatile);
	if (err == M2M_OK)
		err = take_u32(it, 0x85, &e->isdp_default_mem);
	if (err == M2M_OK)
		err = take_fixed(it, 0x86, seq, sizeof seq);
	if (err == M2M_OK) {
		e->next_seq = (uint16_t)be(seq, sizeof seq);
		err = take(it, 0x87, true, &t, &e->has_previous);
	}
	if (err == M2M_OK && e->has_previous && t.len != sizeof e->previous)
		err = M2M_ERR_FORMAT;
	if (err == M2M_OK && e->has_previous)
		memcpy(e->previous, t.value, t.len);
	if (err == M2M_OK)
		err = take(it, 0x88, true, &t, &e->fallback_active);
	if (err == M2M_OK && e->fallback_active && (t.len != 1 || t.value[0] != 0x01))
		err = M2M_ERR_FORMAT;
	if (err == M2M_OK)
		err = load_lists(it, e);
	if (err == M2M_OK)
		err = expect_end(it);
	return err;
}

m2m_err m2m_euicc_load(const uint8_t *p, size_t n, m2m_euicc **out)
{
	m2m_euicc *e = NULL;
	m2m_tlv top;
	m2m_tlv_iter it;
	m2m_err err = M2M_ERR_ARG;

	if (out == NULL || (p == NULL && n > 0))
		goto out;
	*out = NULL;
	err = m2m_tlv_decode_one(p, n, M2M_TLV_DER, &top, NULL);
	if (err == M2M_OK && (top.tag != T_STATE || !top.constructed))
		err = M2M_ERR_FORMAT;
	if (err != M2M_OK)
		goto out;
	err = M2M_ERR_NOMEM;
	e = calloc(1, sizeof *e);
	if (e == NULL)
		goto out;
	m2m_buf_init(&e->s.sd);
	e->s.perso = -1;
	m2m_tlv_iter_children(&it, &top, M2M_TLV_DER);
	err = load_body(&it, e);
	if (err == M2M_OK)
		err = m2m_euicc_check(e);
	if (err == M2M_OK) {
		*out = e;
		e = NULL;
	}
out:
	m2m_euicc_free(e);
	return err;
}
