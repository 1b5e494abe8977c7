/* ES5 key-set commands of the ISD-R: key establishment for an SM-SR change (3A01 / 3A02
 * through card/keyest.h), FinaliseISDRhandover (DELETE of key ranges) and PUT KEY of an
 * SCP81 PSK. Layouts: docs/es5.md. */
#include <string.h>

#include "core/tlv.h"
#include "crypto/sym.h"
#include "smsr/es5_cmd.h"

#define INS_INSTALL 0xE6
#define INS_DELETE 0xE4
#define INS_PUT_KEY 0xD8
#define KEYTYPE_PSK_TLS 0x85
#define KEY_RANGES_MAX 16

/* SGP.02 Annex H: the ISD-R. */
static const uint8_t isdr_aid[M2M_ES5_AID_SIZE] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10,
						   0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89,
						   0x00, 0x00, 0x01, 0x00};

/* INSTALL [for personalization] 80 E6 20 00 16 00 00 10 <ISD-R AID> 00 00 00 00. The card
 * would route STORE DATA to the ISD-R without it; it is sent for cards that need a target. */
static m2m_err install_perso_isdr(m2m_es5_cmd *c)
{
	uint8_t d[3 + M2M_ES5_AID_SIZE + 3] = {0x00, 0x00, M2M_ES5_AID_SIZE};

	memcpy(d + 3, isdr_aid, sizeof isdr_aid);
	return m2m_es5_cmd_apdu(c, INS_INSTALL, 0x20, 0x00, d, sizeof d, true);
}

m2m_err m2m_es5_keyest_cert(m2m_es5_cmd *c, const uint8_t *cert, size_t n)
{
	m2m_buf apdu;
	m2m_tlv t;
	m2m_err err = M2M_ERR_ARG;

	m2m_buf_init(&apdu);
	if (c == NULL || cert == NULL ||
	    m2m_tlv_decode_one(cert, n, M2M_TLV_BER, &t, NULL) != M2M_OK || t.tag != 0x7F21)
		goto out;
	m2m_es5_cmd_start(c, M2M_ES5_KEYEST_CERT);
	/* The RC lives in the card session: step 2 must follow in the same chain. */
	c->chain = M2M_CHAIN_FIRST_DELETE;
	err = install_perso_isdr(c);
	if (err == M2M_OK)
		err = m2m_keyest_sd1_apdu(cert, n, &apdu);
	if (err == M2M_OK)
		err = m2m_es5_apdus_add(&c->apdus, apdu.data, apdu.len);
out:
	m2m_buf_free(&apdu);
	return err;
}

/* 80 E2 89 01 Lc data: block 1, the last one (card/keyest.h). */
m2m_err m2m_es5_keyest_keys(m2m_es5_cmd *c, const uint8_t *sd2, size_t n)
{
	m2m_keyest_sd2_msg m;

	if (c == NULL || sd2 == NULL || m2m_keyest_sd2_parse(sd2, n, &m) != M2M_OK)
		return M2M_ERR_ARG;
	m2m_es5_cmd_start(c, M2M_ES5_KEYEST_KEYS);
	c->chain = M2M_CHAIN_LAST;
	c->kvn = m.crt.kvn;
	return m2m_es5_cmd_apdu(c, 0xE2, 0x89, 0x01, sd2, n, false);
}

m2m_err m2m_es5_keyest_keys_host(m2m_es5_cmd *c, m2m_keyest_host *h, const m2m_eckey *sk,
				 const m2m_eckey *pk_ecasd)
{
	m2m_buf d;
	m2m_err err = M2M_ERR_ARG;

	m2m_buf_init(&d);
	if (c == NULL || h == NULL)
		goto out;
	err = m2m_keyest_host_sd2_data(h, sk, pk_ecasd, &d);
	if (err == M2M_OK)
		err = m2m_es5_keyest_keys(c, d.data, d.len);
out:
	m2m_buf_free(&d);
	return err;
}

m2m_err m2m_es5_delete_keys(m2m_es5_cmd *c, const m2m_es5_key_range *r, size_t n)
{
	uint8_t d[KEY_RANGES_MAX * 5];

	if (c == NULL || r == NULL || n == 0 || n > KEY_RANGES_MAX)
		return M2M_ERR_ARG;
	for (size_t i = 0; i < n; i++) {
		if (r[i].kvn == 0 || r[i].first == 0 || r[i].first > r[i].last)
			return M2M_ERR_ARG;
		d[5 * i] = 0xF2;
		d[5 * i + 1] = 0x03;
		d[5 * i + 2] = r[i].kvn;
		d[5 * i + 3] = r[i].first;
		d[5 * i + 4] = r[i].last;
	}
	m2m_es5_cmd_start(c, M2M_ES5_DELETE_KEYS);
	return m2m_es5_cmd_apdu(c, INS_DELETE, 0x00, 0x00, d, 5 * n, true);
}

m2m_err m2m_es5_put_key_psk(m2m_es5_cmd *c, uint8_t old_kvn, uint8_t new_kvn, uint8_t key_id,
			    const uint8_t *psk, size_t psk_len, const uint8_t *dek,
			    size_t dek_len)
{
	uint8_t d[5 + 32 + 1];
	m2m_err err = M2M_ERR_ARG;

	if (c == NULL || psk == NULL || dek == NULL || (psk_len != 16 && psk_len != 32) ||
	    new_kvn < 0x40 || new_kvn > 0x4F || (old_kvn != 0 && old_kvn != new_kvn) ||
	    key_id == 0 || key_id > 0x7F)
		goto out;
	m2m_es5_cmd_start(c, M2M_ES5_PUT_KEY_PSK);
	c->kvn = new_kvn;
	d[0] = new_kvn;
	d[1] = KEYTYPE_PSK_TLS;
	d[2] = (uint8_t)(psk_len + 1);
	d[3] = (uint8_t)psk_len;
	/* A PSK of whole AES blocks needs no padding: AES-CBC, zero IV. */
	err = m2m_aes_cbc_encrypt(dek, dek_len, NULL, psk, psk_len, d + 4);
	if (err != M2M_OK)
		goto out;
	d[4 + psk_len] = 0x00; /* no KCV: none is defined for a PSK */
	err = m2m_es5_cmd_apdu(c, INS_PUT_KEY, old_kvn, key_id, d, 5 + psk_len, true);
out:
	m2m_wipe(d, sizeof d);
	return err;
}
