/* Device JSON (farm_info.h). */
#include <stdio.h>
#include <string.h>

#include "card/scp81.h"
#include "core/hex.h"
#include "crypto/sym.h"
#include "farm/farm_ids.h"
#include "farm/farm_info.h"

const char *m2m_farm_lcs_name(uint8_t lcs)
{
	switch (lcs) {
	case M2M_EUICC_LCS_ENABLED:
		return "enabled";
	case M2M_EUICC_LCS_DISABLED:
		return "disabled";
	case M2M_EUICC_LCS_PERSONALIZED:
		return "personalized";
	case M2M_EUICC_LCS_SELECTABLE:
		return "selectable";
	case M2M_EUICC_LCS_INSTALLED:
		return "installed";
	default:
		return "unknown";
	}
}

/* Upper-case hex, as SGP.02 writes EIDs, AIDs and keys. */
static json_t *hexj(const uint8_t *p, size_t n)
{
	char s[2 * M2M_EUICC_CERT_MAX + 1];
	json_t *j;

	if (2 * n + 1 > sizeof s)
		return NULL;
	m2m_hex_encode(p, n, s);
	for (size_t i = 0; s[i] != '\0'; i++)
		if (s[i] >= 'a' && s[i] <= 'f')
			s[i] = (char)(s[i] - 'a' + 'A');
	j = json_string(s);
	m2m_wipe(s, 2 * n);
	return j;
}

static const char *key_type(uint8_t t)
{
	if (t == M2M_EUICC_KEYTYPE_AES)
		return "aes";
	return t == M2M_EUICC_KEYTYPE_PSK_TLS ? "psk-tls" : "other";
}

static json_t *psk_identity(const m2m_euicc *e, const m2m_euicc_keyset *k, uint8_t kid)
{
	m2m_scp81_psk_id id;
	m2m_buf b;
	json_t *j = NULL;

	memset(&id, 0, sizeof id);
	memcpy(id.eid, e->eid, 16);
	memcpy(id.isdr.b, m2m_euicc_isdr_aid, M2M_EUICC_AID_SIZE);
	id.isdr.len = M2M_EUICC_AID_SIZE;
	id.key_id = kid;
	id.kvn = k->kvn;
	m2m_buf_init(&b);
	if (m2m_scp81_psk_id_build_hex(&id, &b) == M2M_OK)
		j = json_stringn((const char *)b.data, b.len);
	m2m_buf_free(&b);
	return j;
}

static json_t *keyset_json(const m2m_euicc *e, const m2m_euicc_keyset *k, bool with_keys)
{
	bool psk = k->kvn >= M2M_SCP81_KVN_MIN && k->kvn <= M2M_SCP81_KVN_MAX;
	json_t *o = json_object(), *keys = json_array();

	json_object_set_new(o, "kvn", json_integer(k->kvn));
	json_object_set_new(o, "kind", json_string(psk ? "scp81" : "scp80"));
	if (!psk) {
		json_object_set_new(o, "kic_alg", json_integer(k->kic_alg));
		json_object_set_new(o, "kid_alg", json_integer(k->kid_alg));
		json_object_set_new(o, "counter", json_integer((json_int_t)k->last_counter));
	}
	for (size_t i = 0; i < k->nkeys; i++) {
		json_t *kj = json_object();

		json_object_set_new(kj, "id", json_integer(k->key[i].id));
		json_object_set_new(kj, "type", json_string(key_type(k->key[i].type)));
		json_object_set_new(kj, "length", json_integer(k->key[i].len));
		if (with_keys)
			json_object_set_new(kj, "value", hexj(k->key[i].value, k->key[i].len));
		if (psk && k->key[i].type == M2M_EUICC_KEYTYPE_PSK_TLS)
			json_object_set_new(kj, "psk_identity", psk_identity(e, k, k->key[i].id));
		json_array_append_new(keys, kj);
	}
	json_object_set_new(o, "keys", keys);
	return o;
}

/* The ISD-P's SCP03 key set after key establishment: its KVN and, per key, the GP key check
 * value (the first 3 bytes of AES(key, 16 bytes of 01), GPC Amendment D), never the key: so
 * whoever got the key set (the SM-DP's `smdp keys`) can check it against the card. */
static json_t *scp03_json(const m2m_euicc_keyset *k)
{
	json_t *o = json_object(), *keys = json_array();
	uint8_t block[M2M_AES_BLOCK];

	json_object_set_new(o, "kvn", json_integer(k->kvn));
	for (size_t i = 0; i < k->nkeys && i < M2M_EUICC_KEYS_PER_SET; i++) {
		json_t *kj = json_object();

		json_object_set_new(kj, "id", json_integer(k->key[i].id));
		json_object_set_new(kj, "length", json_integer(k->key[i].len));
		memset(block, 0x01, sizeof block);
		if (k->key[i].type == M2M_EUICC_KEYTYPE_AES &&
		    m2m_aes_ecb_encrypt(k->key[i].value, k->key[i].len, block, sizeof block,
					block) == M2M_OK)
			json_object_set_new(kj, "kcv", hexj(block, 3));
		json_array_append_new(keys, kj);
	}
	m2m_wipe(block, sizeof block);
	json_object_set_new(o, "keys", keys);
	return o;
}

static json_t *isdp_json(const m2m_euicc *e, int i)
{
	const m2m_euicc_isdp *p = &e->isdp[i];
	json_t *o = json_object();
	char iccid[21], pol1[3];

	json_object_set_new(o, "aid", hexj(p->aid, sizeof p->aid));
	json_object_set_new(o, "tar", hexj(p->aid + 12, 3));
	json_object_set_new(o, "state", json_string(m2m_farm_lcs_name(p->lcs)));
	if (p->has_profile) {
		m2m_farm_iccid_digits(p->iccid, iccid);
		json_object_set_new(o, "iccid", json_string(iccid));
	}
	json_object_set_new(o, "fallback", json_boolean(p->fallback));
	json_object_set_new(o, "emergency", json_boolean(p->emergency));
	snprintf(pol1, sizeof pol1, "%02X", p->pol1);
	json_object_set_new(o, "pol1", json_string(pol1));
	json_object_set_new(o, "mem_reserved", json_integer(p->mem_reserved));
	json_object_set_new(o, "mem_used", json_integer(p->mem_used));
	json_object_set_new(o, "package", json_boolean(p->pkg != 0));
	if (p->scp03.kvn != 0)
		json_object_set_new(o, "scp03", scp03_json(&p->scp03));
	return o;
}

static json_t *notifs_json(const m2m_euicc *e)
{
	json_t *a = json_array();

	for (int i = 0; i < M2M_EUICC_NOTIF_MAX; i++) {
		const m2m_euicc_notif *n = &e->notif[i];
		json_t *o;

		if (!n->used)
			continue;
		o = json_object();
		json_object_set_new(o, "seq", json_integer(n->seq));
		json_object_set_new(o, "type", json_integer(n->type));
		json_object_set_new(o, "aid", hexj(n->aid, sizeof n->aid));
		json_array_append_new(a, o);
	}
	return a;
}

json_t *m2m_farm_info(const m2m_euicc *e, const char *msisdn, bool with_keys)
{
	json_t *o = json_object(), *ks = json_array(), *ps = json_array(), *ecasd = json_object();

	json_object_set_new(o, "eid", hexj(e->eid, sizeof e->eid));
	json_object_set_new(o, "msisdn", json_string(msisdn != NULL ? msisdn : ""));
	for (int i = 0; i < M2M_EUICC_KEYSET_MAX; i++)
		if (e->keysets[i].kvn != 0)
			json_array_append_new(ks, keyset_json(e, &e->keysets[i], with_keys));
	json_object_set_new(o, "isdr_keysets", ks);
	if (e->smsr_params_len > 0)
		json_object_set_new(o, "smsr_params", hexj(e->smsr_params, e->smsr_params_len));
	json_object_set_new(ecasd, "curve", json_string(m2m_curve_name(e->curve)));
	json_object_set_new(ecasd, "cert", hexj(e->cert_ecasd, e->cert_ecasd_len));
	json_object_set_new(o, "ecasd", ecasd);
	for (int i = 0; i < M2M_EUICC_ISDP_MAX; i++)
		if (e->isdp[i].used)
			json_array_append_new(ps, isdp_json(e, i));
	json_object_set_new(o, "isdps", ps);
	json_object_set_new(o, "notifications", notifs_json(e));
	json_object_set_new(o, "mem_total", json_integer(e->mem_total));
	json_object_set_new(o, "mem_free", json_integer(m2m_euicc_mem_free(e)));
	return o;
}
