/*
 * ISD-R key sets: keys sealed with AES-256-GCM under the master key, the row's identity
 * (EID, KVN, type) as AAD; SCP80 counters reserved by one atomic UPDATE ... RETURNING that
 * commits before the caller sends anything; the master key's check value; re-keying.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/hex.h"
#include "store/store_gcm.h"
#include "store/store_int.h"

#define KEYS_FORMAT 0x01
#define CHECK_SETTING "master_key_check"
static const char check_text[] = "m2mrsp master key check";
static const char check_aad[] = "m2mrsp master key check v1";
static const char aad_label[] = "m2mrsp keyset v1";

static const char *const type_names[] = {
	[M2M_STORE_KS_SCP80] = "scp80", [M2M_STORE_KS_SCP81] = "scp81",
	[M2M_STORE_KS_SCP03] = "scp03"};

const char *m2m_store_ks_type_name(m2m_store_ks_type t)
{
	return (unsigned)t <= M2M_STORE_KS_SCP03 ? type_names[t] : "?";
}

static bool type_parse(const char *s, m2m_store_ks_type *t)
{
	for (unsigned i = 0; s != NULL && i <= M2M_STORE_KS_SCP03; i++) {
		if (strcmp(s, type_names[i]) == 0) {
			*t = (m2m_store_ks_type)i;
			return true;
		}
	}
	return false;
}

void m2m_store_keyset_clear(m2m_store_keyset *k)
{
	if (k != NULL)
		m2m_wipe(k, sizeof *k);
}

static m2m_err need_key(m2m_store *st)
{
	if (st->has_key)
		return M2M_OK;
	return m2m_store_fail(st, M2M_ERR_STATE,
			      "no master key was given when the store was opened: key sets can"
			      " be neither read nor written");
}

/* label 00 EID 00 KVN type: the row a sealed value belongs to. */
static size_t build_aad(const char *eid, uint8_t kvn, m2m_store_ks_type type, uint8_t *aad)
{
	size_t n = 0, el = strlen(eid);

	memcpy(aad, aad_label, sizeof aad_label); /* with its NUL as the separator */
	n = sizeof aad_label;
	memcpy(aad + n, eid, el);
	n += el;
	aad[n++] = 0;
	aad[n++] = kvn;
	aad[n++] = (uint8_t)type;
	return n;
}

#define AAD_MAX (sizeof aad_label + M2M_STORE_EID_SIZE + 3)

static m2m_err check_keyset(m2m_store *st, const m2m_store_keyset *k)
{
	m2m_err rc = M2M_STORE_CHECK(st, "key set EID", k->eid, true);

	if (rc != M2M_OK)
		return rc;
	if (k->kvn < 1 || k->kvn > 127)
		return m2m_store_fail(st, M2M_ERR_ARG, "key set version %u is not in 1..127",
				      k->kvn);
	if ((unsigned)k->type > M2M_STORE_KS_SCP03)
		return m2m_store_fail(st, M2M_ERR_ARG, "unknown key set type %d", (int)k->type);
	if (k->nkeys > M2M_STORE_KEYS_MAX || k->psk_id_len > M2M_STORE_PSK_ID_MAX)
		return m2m_store_fail(st, M2M_ERR_ARG, "too many keys or PSK identity too long");
	for (size_t i = 0; i < k->nkeys; i++)
		if (k->keys[i].len > M2M_STORE_KEY_MAX)
			return m2m_store_fail(st, M2M_ERR_ARG, "key %zu is longer than %d bytes", i,
					      M2M_STORE_KEY_MAX);
	if (k->counter < 0 || k->counter > M2M_STORE_COUNTER_MAX)
		return m2m_store_fail(st, M2M_ERR_ARG, "counter out of range");
	return M2M_OK;
}

/* format 01 | count | (index, type, length, value)* */
static m2m_err keys_encode(const m2m_store_keyset *k, m2m_buf *out)
{
	m2m_err rc = m2m_buf_append_u8(out, KEYS_FORMAT);

	if (rc == M2M_OK)
		rc = m2m_buf_append_u8(out, (uint8_t)k->nkeys);
	for (size_t i = 0; rc == M2M_OK && i < k->nkeys; i++) {
		const m2m_store_key *key = &k->keys[i];
		uint8_t head[3] = {key->index, key->type, key->len};
		rc = m2m_buf_append(out, head, sizeof head);
		if (rc == M2M_OK)
			rc = m2m_buf_append(out, key->value, key->len);
	}
	return rc;
}

static m2m_err keys_decode(const uint8_t *p, size_t len, m2m_store_keyset *k)
{
	m2m_rd r;
	uint8_t fmt, count;

	m2m_rd_init(&r, p, len);
	if (m2m_rd_u8(&r, &fmt) != M2M_OK || fmt != KEYS_FORMAT || m2m_rd_u8(&r, &count) != M2M_OK ||
	    count > M2M_STORE_KEYS_MAX)
		return M2M_ERR_FORMAT;
	for (size_t i = 0; i < count; i++) {
		m2m_store_key *key = &k->keys[i];
		if (m2m_rd_u8(&r, &key->index) != M2M_OK || m2m_rd_u8(&r, &key->type) != M2M_OK ||
		    m2m_rd_u8(&r, &key->len) != M2M_OK || key->len > M2M_STORE_KEY_MAX ||
		    m2m_rd_copy(&r, key->value, key->len) != M2M_OK)
			return M2M_ERR_FORMAT;
	}
	if (m2m_rd_left(&r) != 0)
		return M2M_ERR_FORMAT;
	k->nkeys = count;
	return M2M_OK;
}

m2m_err m2m_store_keyset_put(m2m_store *st, const m2m_store_keyset *k)
{
	uint8_t aad[AAD_MAX];
	m2m_buf pt, sealed;
	m2m_err rc;

	if (st == NULL || k == NULL)
		return M2M_ERR_ARG;
	rc = check_keyset(st, k);
	if (rc == M2M_OK)
		rc = need_key(st);
	if (rc != M2M_OK)
		return rc;
	m2m_buf_init(&pt);
	m2m_buf_init(&sealed);
	rc = keys_encode(k, &pt);
	size_t aad_len = build_aad(k->eid, k->kvn, k->type, aad);
	if (rc == M2M_OK)
		rc = m2m_store_seal(st->key, aad, aad_len, pt.data, pt.len, &sealed);
	if (rc != M2M_OK) {
		m2m_store_fail(st, rc, "sealing key set %s/%u failed", k->eid, k->kvn);
		goto out;
	}
	m2m_sv args[] = {
		m2m_sv_text(k->eid),
		m2m_sv_int(k->kvn),
		m2m_sv_text(type_names[k->type]),
		m2m_sv_int(k->kic_alg),
		m2m_sv_int(k->kid_alg),
		m2m_sv_opt_blob(k->psk_id, k->psk_id_len),
		m2m_sv_blob(sealed.data, sealed.len),
		m2m_sv_int(k->counter),
		m2m_sv_int(k->updated_ms ? k->updated_ms : m2m_store_now_ms()),
	};
	rc = m2m_q_exec(st, M2M_Q_KEYSET_PUT, args, sizeof args / sizeof args[0], NULL);
	if (rc == M2M_ERR_STATE) {
		char why[300];

		snprintf(why, sizeof why, "%.290s", st->err);
		m2m_store_fail(st, rc, "key set %s/%u: no such EIS, or its PSK identity is taken"
			       " (%s)", k->eid, k->kvn, why);
	}
out:
	m2m_buf_free(&pt);
	m2m_buf_free(&sealed);
	return rc;
}

/* Fills *k from the current row and opens its keys. */
static m2m_err from_row(m2m_store *st, m2m_store_keyset *k)
{
	char type[8];
	uint8_t aad[AAD_MAX];
	size_t len = 0;
	m2m_buf pt;
	m2m_err rc;

	memset(k, 0, sizeof *k);
	rc = m2m_q_text(st, M2M_KEYSET_C_EID, k->eid, sizeof k->eid);
	if (rc == M2M_OK)
		rc = m2m_q_text(st, M2M_KEYSET_C_TYPE, type, sizeof type);
	if (rc != M2M_OK)
		return rc;
	if (!type_parse(type, &k->type))
		return m2m_store_fail(st, M2M_ERR_FORMAT, "key set %s has unknown type '%s'", k->eid,
				      type);
	k->kvn = (uint8_t)m2m_q_int(st, M2M_KEYSET_C_KVN);
	k->kic_alg = (uint8_t)m2m_q_int(st, M2M_KEYSET_C_KIC_ALG);
	k->kid_alg = (uint8_t)m2m_q_int(st, M2M_KEYSET_C_KID_ALG);
	k->counter = m2m_q_int(st, M2M_KEYSET_C_COUNTER);
	k->updated_ms = m2m_q_int(st, M2M_KEYSET_C_UPDATED);
	const uint8_t *id = m2m_q_blob(st, M2M_KEYSET_C_PSK_ID, &len);
	if (len > M2M_STORE_PSK_ID_MAX)
		return m2m_store_fail(st, M2M_ERR_FORMAT, "stored PSK identity too long");
	if (len > 0)
		memcpy(k->psk_id, id, len);
	k->psk_id_len = len;

	const uint8_t *sealed = m2m_q_blob(st, M2M_KEYSET_C_KEYS, &len);
	size_t aad_len = build_aad(k->eid, k->kvn, k->type, aad);
	m2m_buf_init(&pt);
	rc = m2m_store_unseal(st->key, aad, aad_len, sealed, len, &pt);
	if (rc == M2M_OK)
		rc = keys_decode(pt.data, pt.len, k);
	if (rc == M2M_ERR_VERIFY)
		m2m_store_fail(st, rc, "key set %s KVN %u does not decrypt: wrong master key, or the"
			       " sealed keys were altered or copied from another row", k->eid,
			       k->kvn);
	else if (rc != M2M_OK)
		m2m_store_fail(st, rc, "key set %s KVN %u: malformed sealed keys", k->eid, k->kvn);
	m2m_buf_free(&pt);
	if (rc != M2M_OK)
		m2m_store_keyset_clear(k);
	return rc;
}

static m2m_err get_one(m2m_store *st, m2m_q q, const m2m_sv *args, size_t n,
		       m2m_store_keyset *out)
{
	m2m_err rc = need_key(st);

	if (rc != M2M_OK)
		return rc;
	rc = m2m_q_first(st, q, args, n);
	if (rc == M2M_END)
		return m2m_store_fail(st, M2M_END, "no such key set");
	if (rc != M2M_OK)
		return rc;
	rc = from_row(st, out);
	m2m_q_done(st);
	return rc;
}

m2m_err m2m_store_keyset_get(m2m_store *st, const char *eid, uint8_t kvn,
			     m2m_store_keyset *out)
{
	if (st == NULL || eid == NULL || out == NULL)
		return M2M_ERR_ARG;
	m2m_sv args[] = {m2m_sv_text(eid), m2m_sv_int(kvn)};
	return get_one(st, M2M_Q_KEYSET_GET, args, 2, out);
}

m2m_err m2m_store_keyset_get_by_psk_id(m2m_store *st, const uint8_t *id, size_t len,
				       m2m_store_keyset *out)
{
	if (st == NULL || id == NULL || len == 0 || out == NULL)
		return M2M_ERR_ARG;
	m2m_sv args[] = {m2m_sv_blob(id, len)};
	return get_one(st, M2M_Q_KEYSET_BY_PSK_ID, args, 1, out);
}

m2m_err m2m_store_keyset_list(m2m_store *st, const char *eid, uint8_t *kvns, size_t cap,
			      size_t *n)
{
	m2m_err rc;

	if (st == NULL || eid == NULL || n == NULL || (cap > 0 && kvns == NULL))
		return M2M_ERR_ARG;
	*n = 0;
	m2m_sv args[] = {m2m_sv_text(eid)};
	rc = m2m_q_run(st, M2M_Q_KEYSET_LIST, args, 1);
	while (rc == M2M_OK && (rc = m2m_q_next(st)) == M2M_OK) {
		if (*n == cap) {
			rc = m2m_store_fail(st, M2M_ERR_BOUNDS, "more than %zu key sets", cap);
			break;
		}
		kvns[(*n)++] = (uint8_t)m2m_q_int(st, 0);
	}
	m2m_q_done(st);
	return rc == M2M_END ? M2M_OK : rc;
}

m2m_err m2m_store_keyset_delete(m2m_store *st, const char *eid, uint8_t kvn)
{
	int64_t changes = 0;

	if (st == NULL || eid == NULL)
		return M2M_ERR_ARG;
	m2m_sv args[] = {m2m_sv_text(eid), m2m_sv_int(kvn)};
	m2m_err rc = m2m_q_exec(st, M2M_Q_KEYSET_DELETE, args, 2, &changes);
	if (rc == M2M_OK && changes == 0)
		return m2m_store_fail(st, M2M_END, "no key set %s/%u", eid, kvn);
	return rc;
}

/* ---- SCP80 counters ---------------------------------------------------------------------- */

static m2m_err counter_missing(m2m_store *st, const char *eid, uint8_t kvn, int64_t count)
{
	m2m_sv args[] = {m2m_sv_text(eid), m2m_sv_int(kvn)};
	m2m_err rc = m2m_q_first(st, M2M_Q_KEYSET_COUNTER, args, 2);

	if (rc == M2M_END)
		return m2m_store_fail(st, M2M_END, "no key set %s/%u", eid, kvn);
	if (rc != M2M_OK)
		return rc;
	int64_t now = m2m_q_int(st, 0);
	m2m_q_done(st);
	return m2m_store_fail(st, M2M_ERR_STATE,
			      "the SCP80 counter of key set %s/%u is exhausted (at %lld, %lld more"
			      " asked): the key set must be replaced", eid, kvn, (long long)now,
			      (long long)count);
}

m2m_err m2m_store_counter_reserve(m2m_store *st, const char *eid, uint8_t kvn, int64_t count,
				  int64_t *first)
{
	if (st == NULL || eid == NULL || first == NULL)
		return M2M_ERR_ARG;
	if (count < 1 || count > M2M_STORE_COUNTER_MAX)
		return m2m_store_fail(st, M2M_ERR_ARG, "counter count out of range");
	m2m_sv args[] = {m2m_sv_text(eid), m2m_sv_int(kvn), m2m_sv_int(count),
			 m2m_sv_int(M2M_STORE_COUNTER_MAX - count)};
	/* One statement: atomic on its own, and committed on return outside a transaction. */
	m2m_err rc = m2m_q_first(st, M2M_Q_KEYSET_RESERVE, args, 4);
	if (rc == M2M_END)
		return counter_missing(st, eid, kvn, count);
	if (rc != M2M_OK)
		return rc;
	*first = m2m_q_int(st, 0) - count + 1;
	m2m_q_done(st);
	return M2M_OK;
}

m2m_err m2m_store_counter_raise(m2m_store *st, const char *eid, uint8_t kvn, int64_t value,
				int64_t *now_counter)
{
	if (st == NULL || eid == NULL)
		return M2M_ERR_ARG;
	if (value < 0 || value > M2M_STORE_COUNTER_MAX)
		return m2m_store_fail(st, M2M_ERR_ARG, "counter value out of range");
	m2m_sv args[] = {m2m_sv_text(eid), m2m_sv_int(kvn), m2m_sv_int(value)};
	m2m_err rc = m2m_q_first(st, M2M_Q_KEYSET_RAISE, args, 3);
	if (rc == M2M_END)
		return m2m_store_fail(st, M2M_END, "no key set %s/%u", eid, kvn);
	if (rc != M2M_OK)
		return rc;
	if (now_counter != NULL)
		*now_counter = m2m_q_int(st, 0);
	m2m_q_done(st);
	return M2M_OK;
}

/* ---- Master key -------------------------------------------------------------------------- */

static m2m_err make_check(const uint8_t key[M2M_STORE_MASTER_KEY_SIZE], m2m_buf *hex)
{
	m2m_buf sealed;
	m2m_err rc;

	m2m_buf_init(&sealed);
	rc = m2m_store_seal(key, (const uint8_t *)check_aad, strlen(check_aad),
			    (const uint8_t *)check_text, strlen(check_text), &sealed);
	if (rc == M2M_OK)
		rc = m2m_hex_append(hex, sealed.data, sealed.len);
	if (rc == M2M_OK)
		rc = m2m_buf_append_u8(hex, 0);
	m2m_buf_free(&sealed);
	return rc;
}

static m2m_err verify_check(m2m_store *st, const char *hex)
{
	m2m_buf sealed, pt;
	m2m_err rc;

	m2m_buf_init(&sealed);
	m2m_buf_init(&pt);
	rc = m2m_hex_decode_buf(hex, &sealed);
	if (rc == M2M_OK)
		rc = m2m_store_unseal(st->key, (const uint8_t *)check_aad, strlen(check_aad),
				      sealed.data, sealed.len, &pt);
	if (rc == M2M_OK && (pt.len != strlen(check_text) || memcmp(pt.data, check_text, pt.len)))
		rc = M2M_ERR_VERIFY;
	if (rc == M2M_ERR_VERIFY)
		m2m_store_fail(st, rc, "the master key does not match the key this database's key"
			       " sets are encrypted with");
	else if (rc != M2M_OK)
		m2m_store_fail(st, rc, "the stored master key check value is malformed");
	m2m_buf_free(&sealed);
	m2m_buf_free(&pt);
	return rc;
}

static m2m_err read_check(m2m_store *st, char *hex, size_t cap)
{
	m2m_sv args[] = {m2m_sv_text(CHECK_SETTING)};
	m2m_err rc = m2m_q_first(st, M2M_Q_SETTING_GET, args, 1);

	if (rc != M2M_OK)
		return rc;
	rc = m2m_q_text(st, 0, hex, cap);
	m2m_q_done(st);
	return rc;
}

m2m_err m2m_store_key_check(m2m_store *st)
{
	char hex[2 * (M2M_SEAL_OVERHEAD + sizeof check_text) + 1];
	m2m_buf mine;
	m2m_err rc = read_check(st, hex, sizeof hex);

	if (rc == M2M_OK)
		return verify_check(st, hex);
	if (rc != M2M_END)
		return rc;
	/* First use of a key: record its check value, unless another opener just did. */
	m2m_buf_init(&mine);
	rc = make_check(st->key, &mine);
	if (rc == M2M_OK) {
		m2m_sv args[] = {m2m_sv_text(CHECK_SETTING), m2m_sv_text((const char *)mine.data)};
		rc = m2m_q_exec(st, M2M_Q_SETTING_ADD, args, 2, NULL);
	}
	m2m_buf_free(&mine);
	if (rc == M2M_OK)
		rc = read_check(st, hex, sizeof hex);
	if (rc == M2M_OK)
		rc = verify_check(st, hex);
	return rc;
}

/* ---- Re-keying --------------------------------------------------------------------------- */

typedef struct {
	char eid[M2M_STORE_EID_SIZE];
	uint8_t kvn;
	m2m_store_ks_type type;
	uint8_t *sealed;
	size_t len;
} sealed_row;

#define REKEY_PAGE 256

static m2m_err read_page(m2m_store *st, const char *after_eid, uint8_t after_kvn,
			 sealed_row *rows, size_t *n)
{
	char type[8];
	m2m_sv args[] = {m2m_sv_text(after_eid), m2m_sv_int(after_kvn), m2m_sv_int(REKEY_PAGE)};
	m2m_err rc = m2m_q_run(st, M2M_Q_KEYSET_PAGE, args, 3);

	*n = 0;
	while (rc == M2M_OK && (rc = m2m_q_next(st)) == M2M_OK) {
		sealed_row *r = &rows[*n];
		rc = m2m_q_text(st, 0, r->eid, sizeof r->eid);
		if (rc == M2M_OK)
			rc = m2m_q_text(st, 2, type, sizeof type);
		if (rc == M2M_OK && !type_parse(type, &r->type))
			rc = m2m_store_fail(st, M2M_ERR_FORMAT, "unknown key set type '%s'", type);
		if (rc == M2M_OK)
			rc = m2m_q_blob_dup(st, 3, &r->sealed, &r->len);
		if (rc != M2M_OK)
			break;
		r->kvn = (uint8_t)m2m_q_int(st, 1);
		(*n)++;
	}
	m2m_q_done(st);
	return rc == M2M_END ? M2M_OK : rc;
}

static m2m_err reseal(m2m_store *st, const uint8_t *new_key, const sealed_row *r)
{
	uint8_t aad[AAD_MAX];
	size_t aad_len = build_aad(r->eid, r->kvn, r->type, aad);
	m2m_buf pt, sealed;
	m2m_err rc;

	m2m_buf_init(&pt);
	m2m_buf_init(&sealed);
	rc = m2m_store_unseal(st->key, aad, aad_len, r->sealed, r->len, &pt);
	if (rc != M2M_OK) {
		m2m_store_fail(st, rc, "key set %s KVN %u does not decrypt with the current master"
			       " key: nothing re-keyed", r->eid, r->kvn);
		goto out;
	}
	rc = m2m_store_seal(new_key, aad, aad_len, pt.data, pt.len, &sealed);
	if (rc == M2M_OK) {
		m2m_sv args[] = {m2m_sv_text(r->eid), m2m_sv_int(r->kvn),
				 m2m_sv_blob(sealed.data, sealed.len)};
		rc = m2m_q_exec(st, M2M_Q_KEYSET_SEALED, args, 3, NULL);
	}
out:
	m2m_buf_free(&pt);
	m2m_buf_free(&sealed);
	return rc;
}

static m2m_err rekey_all(m2m_store *st, const uint8_t *new_key)
{
	sealed_row *rows = calloc(REKEY_PAGE, sizeof *rows);
	char last_eid[M2M_STORE_EID_SIZE] = "";
	uint8_t last_kvn = 0;
	size_t n = 0;
	m2m_err rc = rows != NULL ? M2M_OK : M2M_ERR_NOMEM;

	while (rc == M2M_OK) {
		rc = read_page(st, last_eid, last_kvn, rows, &n);
		for (size_t i = 0; rc == M2M_OK && i < n; i++)
			rc = reseal(st, new_key, &rows[i]);
		if (n > 0) {
			memcpy(last_eid, rows[n - 1].eid, sizeof last_eid);
			last_kvn = rows[n - 1].kvn;
		}
		for (size_t i = 0; i < n; i++) {
			free(rows[i].sealed);
			rows[i].sealed = NULL;
		}
		if (n < REKEY_PAGE)
			break;
	}
	free(rows);
	return rc;
}

m2m_err m2m_store_rekey(m2m_store *st, const char *new_master_key_hex)
{
	uint8_t key[M2M_STORE_MASTER_KEY_SIZE];
	m2m_buf check;
	bool own = false;
	m2m_err rc;

	if (st == NULL || new_master_key_hex == NULL)
		return M2M_ERR_ARG;
	rc = need_key(st);
	if (rc != M2M_OK)
		return rc;
	/* The handle switches keys on success: a caller's rollback could not undo that. */
	if (st->in_txn)
		return m2m_store_fail(st, M2M_ERR_STATE, "re-keying runs in its own transaction");
	if (strlen(new_master_key_hex) != 2 * sizeof key ||
	    m2m_hex_decode_exact(new_master_key_hex, key, sizeof key) != M2M_OK)
		return m2m_store_fail(st, M2M_ERR_ARG, "the new master key must be %zu hex digits",
				      2 * sizeof key);
	m2m_buf_init(&check);
	rc = m2m_store_txn_enter(st, &own);
	if (rc == M2M_OK)
		rc = rekey_all(st, key);
	if (rc == M2M_OK)
		rc = make_check(key, &check);
	if (rc == M2M_OK) {
		m2m_sv args[] = {m2m_sv_text(CHECK_SETTING), m2m_sv_text((const char *)check.data)};
		rc = m2m_q_exec(st, M2M_Q_SETTING_PUT, args, 2, NULL);
	}
	rc = m2m_store_txn_leave(st, own, rc);
	if (rc == M2M_OK)
		memcpy(st->key, key, sizeof key);
	m2m_wipe(key, sizeof key);
	m2m_buf_free(&check);
	return rc;
}
