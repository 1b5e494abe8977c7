/*
 * PUT KEY (GP 11.8) on the ISD-R for SCP81 PSK-TLS key sets (KVN 40-4F, key type 85), as the
 * SM-SR builds it (smsr/es5_keys.c): 80 D8 <old KVN or 00> <key id> Lc <new KVN>
 * (85 L+1 L AES-CBC(DEK, IV 0, PSK) <KCV length> [KCV])+ 00. The key value is deciphered with
 * the DEK of the key set that secures the script (TS 102 226 8.2.1.3.2): key 03 of an SCP80
 * set, key 02 of the SCP81 session's PSK set [M]. docs/euicc.md "PUT KEY".
 */
#include <string.h>

#include "crypto/sym.h"
#include "euicc/euicc_int.h"

#define KCV_LEN 3

static bool psk_kvn(uint8_t kvn)
{
	return kvn >= 0x40 && kvn <= 0x4F;
}

static const m2m_euicc_key *key_of(const m2m_euicc_keyset *k, uint8_t id)
{
	for (size_t i = 0; i < k->nkeys; i++)
		if (k->key[i].id == id)
			return &k->key[i];
	return NULL;
}

/* The DEK of the securing key set, or NULL (no secure channel known: 6982). */
static const m2m_euicc_key *dek_of(m2m_euicc *e)
{
	uint8_t kvn = e->s.sec_kvn;
	const m2m_euicc_keyset *k = kvn != 0 ? m2m_euicc_find_keyset(e, kvn) : NULL;

	if (k == NULL)
		return NULL;
	return key_of(k, psk_kvn(kvn) ? 0x02 : 0x03);
}

/* GP KCV of an AES key: the first 3 bytes of AES(key, 16 x 01). */
static bool kcv_ok(const uint8_t *key, size_t len, const uint8_t *kcv)
{
	uint8_t in[16], out[16];
	bool ok;

	memset(in, 0x01, sizeof in);
	ok = (len == 16 || len == 24 || len == 32) &&
	     m2m_aes_ecb_encrypt(key, len, in, sizeof in, out) == M2M_OK &&
	     memcmp(out, kcv, KCV_LEN) == 0;
	m2m_wipe(out, sizeof out);
	return ok;
}

/* Puts key id into the working set (replacing a key of that id). */
static uint16_t put_one(m2m_euicc_keyset *ks, uint8_t id, const uint8_t *key, size_t len)
{
	m2m_euicc_key *k = (m2m_euicc_key *)key_of(ks, id);

	if (k == NULL) {
		if (ks->nkeys == M2M_EUICC_KEYS_PER_SET)
			return SW_NO_MEMORY;
		k = &ks->key[ks->nkeys++];
	}
	m2m_wipe(k, sizeof *k);
	k->id = id;
	k->type = M2M_EUICC_KEYTYPE_PSK_TLS;
	k->len = (uint8_t)len;
	memcpy(k->value, key, len);
	return SW_OK;
}

/* One key data field at *p: 85 L+1 L enc [KCV length, KCV]; advances *p. */
static uint16_t key_field(const m2m_euicc_key *dek, const uint8_t **p, const uint8_t *end,
			  m2m_euicc_keyset *ks, uint8_t id, m2m_buf *kcvs)
{
	uint8_t clear[M2M_EUICC_KEY_MAX];
	const uint8_t *q = *p;
	size_t flen, klen, enc_len, kcv_len;
	uint16_t sw = SW_WRONG_DATA;

	if (end - q < 3 || q[0] != M2M_EUICC_KEYTYPE_PSK_TLS)
		return sw;
	flen = q[1];
	klen = q[2];
	enc_len = flen - 1;
	/* 16..32 bytes of PSK, enciphered in whole AES blocks (no padding is defined). */
	if (flen < 2 || klen < 16 || klen > M2M_EUICC_KEY_MAX || enc_len % 16 != 0 ||
	    enc_len < klen || enc_len - klen >= 16 || (size_t)(end - q) < 2 + flen + 1)
		return sw;
	kcv_len = q[2 + flen];
	if ((kcv_len != 0 && kcv_len != KCV_LEN) || (size_t)(end - q) < 3 + flen + kcv_len)
		return sw;
	if (m2m_aes_cbc_decrypt(dek->value, dek->len, NULL, q + 3, enc_len, clear) != M2M_OK) {
		sw = SW_INTERNAL;
		goto out;
	}
	if (kcv_len != 0 && !kcv_ok(clear, klen, q + 3 + flen))
		goto out;
	sw = put_one(ks, id, clear, klen);
	if (sw == SW_OK && kcv_len != 0 && m2m_buf_append(kcvs, q + 3 + flen, kcv_len) != M2M_OK)
		sw = SW_INTERNAL;
	*p = q + 3 + flen + kcv_len;
out:
	m2m_wipe(clear, sizeof clear);
	return sw;
}

/* The slot that takes the new set: the old one when replacing, else a free one. */
static m2m_euicc_keyset *target_slot(m2m_euicc *e, uint8_t old_kvn, uint8_t new_kvn,
				     uint16_t *sw)
{
	m2m_euicc_keyset *old = old_kvn != 0 ? m2m_euicc_find_keyset(e, old_kvn) : NULL;
	m2m_euicc_keyset *other = m2m_euicc_find_keyset(e, new_kvn);

	*sw = SW_NOT_FOUND;
	if (old_kvn != 0 && (old == NULL || !psk_kvn(old_kvn)))
		return NULL;
	*sw = SW_WRONG_DATA; /* the new KVN belongs to another set already */
	if (other != NULL && other != old)
		return NULL;
	if (old != NULL)
		return old;
	for (size_t i = 0; i < M2M_EUICC_KEYSET_MAX; i++)
		if (e->keysets[i].kvn == 0)
			return &e->keysets[i];
	*sw = SW_NO_MEMORY;
	return NULL;
}

uint16_t euicc_put_key(euicc_cmd *c)
{
	m2m_euicc *e = c->e;
	const euicc_apdu *a = c->a;
	const m2m_euicc_key *dek = dek_of(e);
	const uint8_t *p = a->data, *end = a->data + a->len;
	m2m_euicc_keyset work, *slot;
	m2m_buf kcvs;
	uint8_t id = a->p2 & 0x7F;
	bool multi = (a->p2 & 0x80) != 0;
	uint16_t sw = SW_WRONG_P1P2;

	m2m_buf_init(&kcvs);
	memset(&work, 0, sizeof work);
	if (id == 0)
		goto out;
	sw = SW_SECURITY;
	if (dek == NULL)
		goto out;
	sw = SW_WRONG_DATA;
	if (a->len < 1 || !psk_kvn(p[0]))
		goto out;
	if ((slot = target_slot(e, a->p1, p[0], &sw)) == NULL)
		goto out;
	if (slot->kvn != 0)
		work = *slot;
	work.kvn = p[0];
	work.kic_alg = work.kid_alg = 0;
	work.last_counter = 0;
	p++;
	for (size_t n = 0; p < end; n++) {
		sw = n > 0 && !multi ? SW_WRONG_DATA : id + n > 0x7F ? SW_WRONG_DATA :
			key_field(dek, &p, end, &work, (uint8_t)(id + n), &kcvs);
		if (sw != SW_OK)
			goto out;
	}
	sw = SW_WRONG_DATA;
	if (work.nkeys == 0 || p != end)
		goto out;
	sw = SW_INTERNAL;
	if (m2m_buf_append_u8(c->resp, work.kvn) != M2M_OK ||
	    m2m_buf_append(c->resp, kcvs.data, kcvs.len) != M2M_OK)
		goto out;
	euicc_keyset_wipe(slot);
	*slot = work;
	euicc_ev(c->ev, false, false);
	sw = SW_OK;
out:
	euicc_keyset_wipe(&work);
	m2m_buf_free(&kcvs);
	return sw;
}
