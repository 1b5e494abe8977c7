/* ES7 CreateAdditionalKeySet <-> the STORE DATA #2 data field (docs/smsr-change.md "Wire").
 * The new SM-SR builds the data field (card/keyest.h) and sends its parts as the request's
 * fields; the current SM-SR rebuilds the same bytes for the card, so the signature, which
 * covers them, still verifies:
 *
 *   3A02 L { A6 { 90 02 03 ScenarioParameter | 95 01 10 | 80 01 88 | 81 01 10 | 82 01 01
 *                 | 83 01 KeyVersionNumber | 91 L InitialSequenceCounter } }
 *   7F49 L EphemeralPublicKey | 5F37 40 Signature
 *
 * Key usage 10, type 88 (AES), length 16 and first key id 01 are not in the request: both
 * sides use these fixed values [M]. The counter is the minimal big-endian form of the integer
 * (0: empty, "91 00"). ECCKeyLength names the ephemeral key's size (ECC-256 only); HostId
 * stays empty (scenario bit 04 is not supported). */
#include <stdio.h>
#include <string.h>

#include "core/tlv.h"
#include "smsr/smsr_es7_int.h"

#define TAG_SD2 0x3A02
#define TAG_EPK 0x7F49
#define TAG_SIG 0x5F37

static void crt_fixed(m2m_keyest_crt *crt)
{
	crt->key_usage = M2M_KEYEST_USAGE_3KEYS;
	crt->key_type = M2M_KEYEST_TYPE_AES;
	crt->key_len = 16;
	crt->key_id = 0x01;
}

m2m_err es7_keys_request(m2m_ws_msg *m, const char *eid, const uint8_t *sd2, size_t n)
{
	m2m_keyest_sd2_msg sm;
	uint64_t ctr = 0;
	char param[8];
	m2m_err err;

	if ((err = m2m_keyest_sd2_parse(sd2, n, &sm)) != M2M_OK)
		return err;
	if (sm.crt.key_usage != M2M_KEYEST_USAGE_3KEYS || sm.crt.key_type != M2M_KEYEST_TYPE_AES ||
	    sm.crt.key_len != 16 || sm.crt.key_id != 0x01 || sm.crt.counter_len > 5 ||
	    sm.crt.scenario_param > 127)
		return M2M_ERR_UNSUPPORTED;
	for (size_t i = 0; i < sm.crt.counter_len; i++)
		ctr = ctr << 8 | sm.crt.counter[i];
	if (sm.crt.counter_len > 0 && sm.crt.counter[0] == 0)
		return M2M_ERR_UNSUPPORTED; /* not minimal: the integer would lose it */
	snprintf(param, sizeof param, "%u", (unsigned)sm.crt.scenario_param);
	if ((err = m2m_ws_add(m, NULL, "Eid", eid, NULL)) ||
	    (err = m2m_ws_add_uint(m, NULL, "KeyVersionNumber", sm.crt.kvn, NULL)) ||
	    (err = m2m_ws_add_uint(m, NULL, "InitialSequenceCounter", ctr, NULL)) ||
	    (err = m2m_ws_add(m, NULL, "ECCKeyLength", "ECC-256", NULL)) ||
	    (err = m2m_ws_add(m, NULL, "ScenarioParameter", param, NULL)) ||
	    (err = m2m_ws_add(m, NULL, "HostId", "", NULL)) ||
	    (err = m2m_ws_add_bytes(m, NULL, "EphemeralPublicKey", sm.epk, sm.epk_len, NULL)) ||
	    (err = m2m_ws_add_bytes(m, NULL, "Signature", sm.sig, M2M_EC_SIG_SIZE, NULL)))
		return err;
	return M2M_OK;
}

static bool refuse(m2m_ws_exec_status *stt, const char *what)
{
	m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_FUNCTION, M2M_WS_REASON_INVALID, NULL,
			  "%s", what);
	return false;
}

/* The CRT from the request's fields. */
static bool read_crt(const m2m_ws_node *body, m2m_keyest_crt *crt, m2m_ws_exec_status *stt)
{
	uint64_t kvn = 0, ctr = 0;
	int64_t param = 0;
	const char *len = NULL;
	m2m_buf host;
	bool host_empty;

	memset(crt, 0, sizeof *crt);
	crt_fixed(crt);
	m2m_buf_init(&host);
	host_empty = m2m_ws_get_bytes(body, "HostId", &host) == M2M_OK && host.len == 0;
	m2m_buf_free(&host);
	if (m2m_ws_get_uint(body, "KeyVersionNumber", &kvn) != M2M_OK || kvn < 1 || kvn > 0x0F)
		return refuse(stt, "KeyVersionNumber: an SCP80 key set (1-15) expected");
	if (m2m_ws_get_uint(body, "InitialSequenceCounter", &ctr) != M2M_OK ||
	    ctr > UINT64_C(0xFFFFFFFFFF))
		return refuse(stt, "InitialSequenceCounter: 0 to 2^40-1 expected");
	if (m2m_ws_get_int(body, "ScenarioParameter", &param) != M2M_OK || param < 0)
		return refuse(stt, "ScenarioParameter: 0 to 127 expected");
	if (m2m_ws_get_text(body, "ECCKeyLength", &len) != M2M_OK || strcmp(len, "ECC-256") != 0)
		return refuse(stt, "ECCKeyLength: only ECC-256 is supported");
	if (!host_empty)
		return refuse(stt, "HostId: not supported (scenario parameter bit 04)");
	crt->kvn = (uint8_t)kvn;
	crt->scenario_param = (uint8_t)param;
	for (uint64_t v = ctr; v != 0; v >>= 8)
		crt->counter_len++;
	for (size_t i = 0; i < crt->counter_len; i++)
		crt->counter[i] = (uint8_t)(ctr >> (8 * (crt->counter_len - 1 - i)));
	return true;
}

/* DGI: 2-byte tag, length 00-FE or FF xx xx. */
static m2m_err put_dgi(m2m_buf *out, const uint8_t *v, size_t n)
{
	m2m_err err = m2m_buf_append_u16be(out, TAG_SD2);

	if (err == M2M_OK && n < 0xFF)
		err = m2m_buf_append_u8(out, (uint8_t)n);
	else if (err == M2M_OK && (err = m2m_buf_append_u8(out, 0xFF)) == M2M_OK)
		err = m2m_buf_append_u16be(out, (uint16_t)n);
	if (err == M2M_OK)
		err = m2m_buf_append(out, v, n);
	return err;
}

m2m_err es7_keys_sd2(const m2m_ws_node *body, m2m_buf *sd2, m2m_ws_exec_status *stt)
{
	m2m_keyest_crt crt;
	m2m_buf a6, epk, sig;
	m2m_keyest_sd2_msg check;
	m2m_err err = M2M_ERR_FORMAT;

	m2m_buf_init(&a6);
	m2m_buf_init(&epk);
	m2m_buf_init(&sig);
	if (!read_crt(body, &crt, stt))
		goto out;
	if (m2m_ws_get_bytes(body, "EphemeralPublicKey", &epk) != M2M_OK || epk.len == 0 ||
	    epk.len > 160 || m2m_ws_get_bytes(body, "Signature", &sig) != M2M_OK ||
	    sig.len != M2M_EC_SIG_SIZE) {
		refuse(stt, "EphemeralPublicKey or Signature: bad length");
		goto out;
	}
	if ((err = m2m_keyest_crt_encode(&crt, &a6)) || (err = put_dgi(sd2, a6.data, a6.len)) ||
	    (err = m2m_tlv_put(sd2, TAG_EPK, epk.data, epk.len)) ||
	    (err = m2m_tlv_put(sd2, TAG_SIG, sig.data, sig.len)))
		goto bad;
	if ((err = m2m_keyest_sd2_parse(sd2->data, sd2->len, &check)) != M2M_OK)
		goto bad;
	goto out;
bad:
	refuse(stt, "the key set parameters do not form a STORE DATA #2");
	err = M2M_ERR_FORMAT;
out:
	m2m_buf_free(&a6);
	m2m_buf_free(&epk);
	m2m_buf_free(&sig);
	return err;
}
