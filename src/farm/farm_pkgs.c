/* Package bases and the reference form of saved states (farm_pkgs.h). */
#include <stdlib.h>
#include <string.h>

#include "core/tlv.h"
#include "crypto/hash.h"
#include "farm/farm_pkgs.h"

#define T_STATE 0xE0
#define T_ISDP 0xA4
#define T_PKG 0xA2
#define T_DER 0x81
#define MERGE_GAP 4 /* equal bytes between two differences kept in one patch */

m2m_err m2m_farm_pkgs_init(m2m_farm_pkgs *s)
{
	memset(s, 0, sizeof *s);
	return pthread_mutex_init(&s->lock, NULL) == 0 ? M2M_OK : M2M_ERR_NOMEM;
}

void m2m_farm_pkgs_free(m2m_farm_pkgs *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->count; i++) {
		free(s->pkg[i]->data);
		free(s->pkg[i]);
	}
	s->count = 0;
	pthread_mutex_destroy(&s->lock);
}

static const m2m_farm_pkg *find_locked(const m2m_farm_pkgs *s, const uint8_t hash[32])
{
	for (size_t i = 0; i < s->count; i++)
		if (memcmp(s->pkg[i]->hash, hash, 32) == 0)
			return s->pkg[i];
	return NULL;
}

const m2m_farm_pkg *m2m_farm_pkgs_find(m2m_farm_pkgs *s, const uint8_t hash[32])
{
	const m2m_farm_pkg *p;

	pthread_mutex_lock(&s->lock);
	p = find_locked(s, hash);
	pthread_mutex_unlock(&s->lock);
	return p;
}

m2m_err m2m_farm_pkgs_add(m2m_farm_pkgs *s, const uint8_t *data, size_t len, bool stored,
			  const m2m_farm_pkg **out)
{
	m2m_farm_pkg *p = NULL;
	uint8_t hash[32];
	m2m_err err = M2M_ERR_ARG;

	if (data == NULL || len == 0 || m2m_sha256(data, len, hash) != M2M_OK)
		return err;
	pthread_mutex_lock(&s->lock);
	if ((*out = find_locked(s, hash)) != NULL) {
		err = M2M_OK;
		goto out;
	}
	err = M2M_ERR_BOUNDS;
	if (s->count >= M2M_FARM_PKGS_MAX)
		goto out;
	err = M2M_ERR_NOMEM;
	if ((p = calloc(1, sizeof *p)) == NULL || (p->data = malloc(len)) == NULL)
		goto out;
	memcpy(p->hash, hash, 32);
	memcpy(p->data, data, len);
	p->len = len;
	p->stored = stored;
	s->pkg[s->count++] = p;
	*out = p;
	p = NULL;
	err = M2M_OK;
out:
	pthread_mutex_unlock(&s->lock);
	if (p != NULL)
		free(p->data);
	free(p);
	return err;
}

m2m_err m2m_farm_pkgs_flush(m2m_farm_pkgs *s,
			    m2m_err (*fn)(void *arg, const m2m_farm_pkg *p), void *arg)
{
	m2m_err err = M2M_OK;

	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; err == M2M_OK && i < s->count; i++) {
		if (s->pkg[i]->stored)
			continue;
		err = fn(arg, s->pkg[i]);
		if (err == M2M_OK)
			s->pkg[i]->stored = true;
	}
	pthread_mutex_unlock(&s->lock);
	return err;
}

/* ---- patches ---- */

static m2m_err put_patch(m2m_buf *b, size_t off, const uint8_t *p, size_t n)
{
	m2m_err err = m2m_buf_append_u32be(b, (uint32_t)off);

	if (err == M2M_OK)
		err = m2m_buf_append_u8(b, (uint8_t)n);
	if (err == M2M_OK)
		err = m2m_buf_append(b, p, n);
	return err;
}

/* The patches turning base into p (same length); M2M_ERR_BOUNDS past M2M_FARM_PATCH_MAX. */
static m2m_err diff(const uint8_t *base, const uint8_t *p, size_t len, m2m_buf *out)
{
	size_t i = 0;
	m2m_err err = M2M_OK;

	while (err == M2M_OK && i < len) {
		size_t start, end, eq = 0;

		if (base[i] == p[i]) {
			i++;
			continue;
		}
		start = end = i;
		/* Extend over differences and short equal runs, up to 255 bytes. */
		while (i < len && i - start < 255 && eq <= MERGE_GAP) {
			if (base[i] != p[i]) {
				end = i + 1;
				eq = 0;
			} else {
				eq++;
			}
			i++;
		}
		i = end;
		err = put_patch(out, start, p + start, end - start);
		if (err == M2M_OK && out->len > M2M_FARM_PATCH_MAX)
			err = M2M_ERR_BOUNDS;
	}
	return err;
}

/* Bases of length len (pointers stay valid: entries never move). */
static size_t same_length(m2m_farm_pkgs *s, size_t len, const m2m_farm_pkg **v, size_t cap)
{
	size_t n = 0;

	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->count && n < cap; i++)
		if (s->pkg[i]->len == len)
			v[n++] = s->pkg[i];
	pthread_mutex_unlock(&s->lock);
	return n;
}

/* ---- the tree walk ---- */

typedef m2m_err (*leaf_fn)(m2m_farm_pkgs *s, const m2m_tlv *t, m2m_buf *out);

static m2m_err copy_tlv(const m2m_tlv *t, m2m_buf *out)
{
	return m2m_buf_append(out, t->value - t->hdr_len, t->size);
}

/* Copies the sibling TLVs of p, descending E0 -> A4 -> A2 and handing leaf tags to fn. */
static m2m_err walk(m2m_farm_pkgs *s, const uint8_t *p, size_t n, int depth, uint32_t leaf,
		    leaf_fn fn, m2m_buf *out)
{
	static const uint32_t path[3] = {T_STATE, T_ISDP, T_PKG};
	m2m_tlv_iter it;
	m2m_tlv t;
	m2m_err err;

	m2m_tlv_iter_init(&it, p, n, M2M_TLV_DER);
	while ((err = m2m_tlv_next(&it, &t)) == M2M_OK) {
		size_t mark;

		if (depth < 3 && t.tag == path[depth] && t.constructed) {
			err = m2m_tlv_begin(out, t.tag, &mark);
			if (err == M2M_OK)
				err = walk(s, t.value, t.len, depth + 1, leaf, fn, out);
			if (err == M2M_OK)
				err = m2m_tlv_end(out, mark);
		} else if (depth == 3 && t.tag == leaf) {
			err = fn(s, &t, out);
		} else {
			err = copy_tlv(&t, out);
		}
		if (err != M2M_OK)
			return err;
	}
	return err == M2M_END ? M2M_OK : err;
}

static m2m_err ref_put(m2m_buf *out, const uint8_t base[32], const m2m_buf *patches,
		       const uint8_t result[32])
{
	size_t mark;
	m2m_err err = m2m_tlv_begin(out, M2M_FARM_TAG_PKGREF, &mark);

	if (err == M2M_OK)
		err = m2m_tlv_put(out, 0x80, base, 32);
	if (err == M2M_OK && patches != NULL) {
		err = m2m_tlv_put(out, 0x81, patches->data, patches->len);
		if (err == M2M_OK)
			err = m2m_tlv_put(out, 0x82, result, 32);
	}
	if (err == M2M_OK)
		err = m2m_tlv_end(out, mark);
	return err;
}

static m2m_err strip_leaf(m2m_farm_pkgs *s, const m2m_tlv *t, m2m_buf *out)
{
	const m2m_farm_pkg *cand[16], *base;
	uint8_t hash[32];
	size_t nc;
	m2m_buf patches;
	m2m_err err;

	if (t->len == 0)
		return copy_tlv(t, out);
	err = m2m_sha256(t->value, t->len, hash);
	if (err != M2M_OK)
		return err;
	if (m2m_farm_pkgs_find(s, hash) != NULL)
		return ref_put(out, hash, NULL, NULL);
	m2m_buf_init(&patches);
	nc = same_length(s, t->len, cand, sizeof cand / sizeof cand[0]);
	for (size_t i = 0; i < nc; i++) {
		m2m_buf_reset(&patches);
		err = diff(cand[i]->data, t->value, t->len, &patches);
		if (err == M2M_OK) {
			err = ref_put(out, cand[i]->hash, &patches, hash);
			m2m_buf_free(&patches);
			return err;
		}
		if (err != M2M_ERR_BOUNDS)
			break;
	}
	m2m_buf_free(&patches);
	if (err != M2M_OK && err != M2M_ERR_BOUNDS)
		return err;
	err = m2m_farm_pkgs_add(s, t->value, t->len, false, &base);
	return err == M2M_OK ? ref_put(out, base->hash, NULL, NULL) : err;
}

/* Applies the patch list to a copy of the base in r (checked: ascending, in range). */
static m2m_err apply(const uint8_t *pp, size_t pn, uint8_t *r, size_t len)
{
	size_t pos = 0, next = 0;

	while (pos < pn) {
		uint32_t off;
		size_t n;

		if (pn - pos < 5)
			return M2M_ERR_FORMAT;
		off = (uint32_t)pp[pos] << 24 | (uint32_t)pp[pos + 1] << 16 |
		      (uint32_t)pp[pos + 2] << 8 | pp[pos + 3];
		n = pp[pos + 4];
		pos += 5;
		if (n == 0 || off < next || off > len || n > len - off || n > pn - pos)
			return M2M_ERR_FORMAT;
		memcpy(r + off, pp + pos, n);
		pos += n;
		next = off + n;
	}
	return M2M_OK;
}

/* The children of an E1: 80 base, then optionally 81 patches and 82 result hash. */
static m2m_err ref_parse(const m2m_tlv *t, const uint8_t **base, const m2m_tlv **pt,
			 m2m_tlv *patch, const uint8_t **result)
{
	m2m_tlv_iter it;
	m2m_tlv c[3];
	size_t n = 0;
	m2m_err err;

	m2m_tlv_iter_init(&it, t->value, t->len, M2M_TLV_DER);
	while (n < 3 && (err = m2m_tlv_next(&it, &c[n])) == M2M_OK)
		n++;
	if (n == 3 && (err = m2m_tlv_next(&it, &c[0])) != M2M_END)
		return err == M2M_OK ? M2M_ERR_FORMAT : err;
	if (n < 3 && err != M2M_END)
		return err;
	if ((n != 1 && n != 3) || c[0].tag != 0x80 || c[0].len != 32)
		return M2M_ERR_FORMAT;
	*base = c[0].value;
	*pt = NULL;
	if (n == 3) {
		if (c[1].tag != 0x81 || c[1].len == 0 || c[2].tag != 0x82 || c[2].len != 32)
			return M2M_ERR_FORMAT;
		*patch = c[1];
		*pt = patch;
		*result = c[2].value;
	}
	return M2M_OK;
}

static m2m_err expand_leaf(m2m_farm_pkgs *s, const m2m_tlv *t, m2m_buf *out)
{
	const uint8_t *bh = NULL, *rh = NULL;
	const m2m_tlv *pt = NULL;
	const m2m_farm_pkg *base;
	m2m_tlv patch;
	uint8_t hash[32];
	size_t mark;
	m2m_err err;

	if (!t->constructed)
		return M2M_ERR_FORMAT;
	err = ref_parse(t, &bh, &pt, &patch, &rh);
	if (err != M2M_OK)
		return err;
	if ((base = m2m_farm_pkgs_find(s, bh)) == NULL)
		return M2M_ERR_FORMAT;
	if (pt == NULL)
		return m2m_tlv_put(out, T_DER, base->data, base->len);
	err = m2m_tlv_begin(out, T_DER, &mark);
	if (err == M2M_OK)
		err = m2m_buf_append(out, base->data, base->len);
	if (err == M2M_OK)
		err = apply(pt->value, pt->len, out->data + out->len - base->len, base->len);
	if (err == M2M_OK)
		err = m2m_sha256(out->data + out->len - base->len, base->len, hash);
	if (err == M2M_OK && memcmp(hash, rh, 32) != 0)
		err = M2M_ERR_FORMAT;
	if (err == M2M_OK)
		err = m2m_tlv_end(out, mark);
	return err;
}

static m2m_err run(m2m_farm_pkgs *s, const uint8_t *p, size_t n, uint32_t leaf, leaf_fn fn,
		   m2m_buf *out)
{
	size_t start = out != NULL ? out->len : 0;
	m2m_err err = M2M_ERR_ARG;

	if (s == NULL || out == NULL || (p == NULL && n > 0))
		return err;
	err = walk(s, p, n, 0, leaf, fn, out);
	if (err != M2M_OK && out->len > start) {
		m2m_wipe(out->data + start, out->len - start); /* the state holds keys */
		out->len = start;
	}
	return err;
}

m2m_err m2m_farm_state_strip(m2m_farm_pkgs *s, const uint8_t *state, size_t n, m2m_buf *out)
{
	return run(s, state, n, T_DER, strip_leaf, out);
}

m2m_err m2m_farm_state_expand(m2m_farm_pkgs *s, const uint8_t *blob, size_t n, m2m_buf *out)
{
	return run(s, blob, n, M2M_FARM_TAG_PKGREF, expand_leaf, out);
}
