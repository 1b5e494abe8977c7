/* SM-SR2 after FinaliseISDRhandover (docs/smsr-change.md "The SCP81 key set after the
 * change"): when the eUICC had an SCP81 (TLS-PSK) key set at SM-SR1, whose PSK the finalise
 * job deleted, an es7_psk job puts a fresh random PSK into the same KVN (PUT KEY, key 01,
 * the PSK encrypted with the new SCP80 key set's DEK), sent under that key set over SMS;
 * when the card took it, the key set (with its PSK identity) is stored, encrypted at rest
 * like every key set, and the HTTPS bearer works with this SM-SR. The job's data holds the
 * PSK only as the card receives it, under the DEK. */
#include <stdio.h>
#include <string.h>

#include "card/scp81.h"
#include "core/hex.h"
#include "core/log.h"
#include "crypto/hash.h"
#include "crypto/sym.h"
#include "smsr/eis.h"
#include "smsr/es5_cmd.h"
#include "smsr/smsr_es7_int.h"

#define PSK_LEN 16    /* one AES block: no padding before the DEK encryption */
#define PSK_KEY_ID 1  /* the key id the finalise job deleted (smsr_es7_new.c) */
#define DEK_INDEX 3   /* key 03 of the key establishment's set (KIc 01, KID 02, DEK 03) */
/* data: KVN | key id | PSK encrypted with the DEK */
#define PSK_DATA_LEN (2 + PSK_LEN)

/* The SCP81 KVN among the finalise job's (KVN first last) ranges; 0 when none. */
static uint8_t old_scp81_kvn(const smsr_slot *fin)
{
	uint8_t d[ES7_DATA_MAX];
	size_t n = 0;

	if (m2m_hex_decode(fin->job.data, d, sizeof d, &n) != M2M_OK)
		return 0;
	for (size_t i = 0; i + 3 <= n; i += 3)
		if (d[i] >= M2M_SCP81_KVN_MIN && d[i] <= M2M_SCP81_KVN_MAX)
			return d[i];
	return 0;
}

/* The DEK of the eUICC's SCP80 key set (the new one: the only one after the change). */
static m2m_err dek_of(smsr *s, const char *eid, uint8_t dek[M2M_STORE_KEY_MAX], size_t *len)
{
	uint8_t kvns[32];
	size_t n = 0;
	m2m_store_keyset ks;
	m2m_err err = m2m_store_keyset_list(s->st, eid, kvns, sizeof kvns, &n);

	*len = 0;
	for (size_t i = 0; err == M2M_OK && *len == 0 && i < n; i++) {
		memset(&ks, 0, sizeof ks);
		if (kvns[i] < M2M_SCP81_KVN_MIN &&
		    m2m_store_keyset_get(s->st, eid, kvns[i], &ks) == M2M_OK &&
		    ks.type == M2M_STORE_KS_SCP80)
			for (size_t k = 0; k < ks.nkeys && *len == 0; k++)
				if (ks.keys[k].index == DEK_INDEX && ks.keys[k].len == 16) {
					memcpy(dek, ks.keys[k].value, 16);
					*len = 16;
				}
		m2m_store_keyset_clear(&ks);
	}
	return err == M2M_OK && *len == 0 ? M2M_END : err;
}

m2m_err es7_psk_queue(smsr *s, const smsr_slot *fin)
{
	uint8_t kvn = old_scp81_kvn(fin), psk[PSK_LEN], dek[M2M_STORE_KEY_MAX], d[PSK_DATA_LEN];
	size_t dek_len = 0;
	smsr_job j;
	m2m_err err = M2M_OK;

	smsr_job_init(&j);
	if (kvn == 0)
		goto out; /* no HTTPS bearer at SM-SR1: none here either */
	/* A failure to build must not undo the finalise: logged, the eUICC stays on SMS. */
	if (dek_of(s, fin->eid, dek, &dek_len) != M2M_OK || m2m_random(psk, sizeof psk) != M2M_OK ||
	    m2m_aes_cbc_encrypt(dek, dek_len, NULL, psk, sizeof psk, d + 2) != M2M_OK) {
		m2m_warn(SMSR_LOG, "%s: SCP81 key set %02X not built: the eUICC stays on SMS",
			 fin->eid, kvn);
		goto out;
	}
	d[0] = kvn;
	d[1] = PSK_KEY_ID;
	m2m_hex_encode(d, sizeof d, j.data);
	err = smsr_job_queue(s->st, fin->eid, SMSR_ES7_KIND_PSK, &j,
			     m2m_store_now_ms() + (int64_t)s->cfg->validity_s * 1000, NULL);
	if (err == M2M_OK)
		m2m_info(SMSR_LOG, "%s: SCP81 key set %02X queued", fin->eid, kvn);
out:
	m2m_wipe(psk, sizeof psk);
	m2m_wipe(dek, sizeof dek);
	m2m_wipe(d, sizeof d);
	m2m_wipe(j.data, sizeof j.data);
	smsr_job_clear(&j);
	return err;
}

/* PUT KEY of a new key set: the layout of m2m_es5_put_key_psk (KVN, type 85, length, PSK
 * length, encrypted PSK, no KCV) with the PSK already under the DEK. */
m2m_err es7_psk_build(const smsr_slot *sl, m2m_es5_cmd *c)
{
	uint8_t d[PSK_DATA_LEN], apdu[5 + PSK_LEN];
	size_t n = 0;
	m2m_err err = M2M_ERR_FORMAT;

	if (m2m_hex_decode(sl->job.data, d, sizeof d, &n) != M2M_OK || n != sizeof d ||
	    d[0] < M2M_SCP81_KVN_MIN || d[0] > M2M_SCP81_KVN_MAX)
		goto out;
	apdu[0] = d[0];
	apdu[1] = M2M_EIS_KEYTYPE_PSK_TLS;
	apdu[2] = PSK_LEN + 1;
	apdu[3] = PSK_LEN;
	memcpy(apdu + 4, d + 2, PSK_LEN);
	apdu[4 + PSK_LEN] = 0x00;
	m2m_es5_cmd_start(c, M2M_ES5_PUT_KEY_PSK);
	c->kvn = d[0];
	err = m2m_es5_cmd_apdu(c, 0xD8 /* PUT KEY */, 0x00, d[1], apdu, sizeof apdu, true);
out:
	m2m_wipe(d, sizeof d);
	m2m_wipe(apdu, sizeof apdu);
	return err;
}

/* The key set row: the PSK in clear (the store encrypts it) and its SGP.02 identity. */
static m2m_err psk_row(smsr *s, const char *eid, const uint8_t *d, m2m_store_keyset *row)
{
	uint8_t dek[M2M_STORE_KEY_MAX];
	size_t dek_len = 0;
	m2m_store_eis e;
	m2m_scp81_psk_id id;
	m2m_buf b;
	size_t aid_len = 0;
	m2m_err err;

	memset(&e, 0, sizeof e);
	memset(&id, 0, sizeof id);
	snprintf(row->eid, sizeof row->eid, "%s", eid);
	row->kvn = d[0];
	row->type = M2M_STORE_KS_SCP81;
	row->nkeys = 1;
	row->keys[0] = (m2m_store_key){.index = d[1], .type = M2M_EIS_KEYTYPE_PSK_TLS,
				       .len = PSK_LEN};
	err = dek_of(s, eid, dek, &dek_len);
	if (err == M2M_OK)
		err = m2m_aes_cbc_decrypt(dek, dek_len, NULL, d + 2, PSK_LEN, row->keys[0].value);
	if (err == M2M_OK)
		err = m2m_store_eis_get(s->st, eid, &e);
	if (err == M2M_OK)
		err = m2m_hex_decode_exact(eid, id.eid, sizeof id.eid);
	if (err == M2M_OK)
		err = m2m_hex_decode(e.isdr_aid, id.isdr.b, sizeof id.isdr.b, &aid_len);
	if (err == M2M_OK && aid_len < M2M_SCP81_AID_MIN)
		err = M2M_ERR_FORMAT;
	if (err == M2M_OK) {
		id.isdr.len = aid_len;
		id.key_id = d[1];
		id.kvn = d[0];
		m2m_buf_init_fixed(&b, row->psk_id, sizeof row->psk_id);
		err = m2m_scp81_psk_id_build(&id, &b);
		row->psk_id_len = b.len;
	}
	m2m_store_eis_clear(&e);
	m2m_wipe(dek, sizeof dek);
	return err;
}

m2m_err es7_psk_apply(smsr *s, const smsr_slot *sl)
{
	uint8_t d[PSK_DATA_LEN];
	size_t n = 0;
	m2m_store_keyset row;
	m2m_err err;

	memset(&row, 0, sizeof row);
	err = m2m_hex_decode(sl->job.data, d, sizeof d, &n) == M2M_OK && n == sizeof d
		      ? psk_row(s, sl->eid, d, &row)
		      : M2M_ERR_FORMAT;
	if (err == M2M_OK)
		err = m2m_store_keyset_put(s->st, &row);
	if (err == M2M_OK)
		m2m_info(SMSR_LOG, "%s: SCP81 key set %02X stored: HTTPS bearer usable", sl->eid,
			 d[0]);
	m2m_store_keyset_clear(&row);
	m2m_wipe(d, sizeof d);
	return err;
}
