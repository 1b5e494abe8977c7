/* Transport protection and check values of the ISD-R keys of an EIS (eis_keys.h). */
#include "smsr/eis_keys.h"

#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "crypto/sym.h"

m2m_err m2m_eis_tk_parse(const char *hex, uint8_t key[M2M_EIS_TK_MAX], size_t *len)
{
	size_t n = 0;

	if (hex == NULL || m2m_hex_decode(hex, key, M2M_EIS_TK_MAX, &n) != M2M_OK ||
	    (n != 16 && n != 24 && n != 32)) {
		m2m_wipe(key, M2M_EIS_TK_MAX);
		return M2M_ERR_FORMAT;
	}
	*len = n;
	return M2M_OK;
}

static bool des_type(uint8_t type)
{
	return type == M2M_EIS_KEYTYPE_DES || type == M2M_EIS_KEYTYPE_3DES_CBC ||
	       type == M2M_EIS_KEYTYPE_DES_ECB || type == M2M_EIS_KEYTYPE_DES_CBC;
}

m2m_err m2m_eis_kcv(uint8_t type, const uint8_t *key, size_t len, uint8_t kcv[M2M_EIS_KCV_LEN])
{
	uint8_t block[16], k3[24];
	m2m_err err = M2M_ERR_UNSUPPORTED;

	if ((type == M2M_EIS_KEYTYPE_AES || type == M2M_EIS_KEYTYPE_PSK_TLS) &&
	    (len == 16 || len == 24 || len == 32)) {
		memset(block, 0x01, 16);
		err = m2m_aes_ecb_encrypt(key, len, block, 16, block);
	} else if (des_type(type) && (len == 8 || len == 16 || len == 24)) {
		/* Single DES as 3DES with K1 = K2 = K3; one block of CBC with a zero IV is ECB. */
		for (size_t i = 0; i < 24; i++)
			k3[i] = key[i % len];
		memset(block, 0x00, 8);
		err = m2m_des3_cbc_encrypt(len == 16 ? key : k3, len == 16 ? 16 : 24, NULL, block,
					   8, block);
	}
	if (err == M2M_OK)
		memcpy(kcv, block, M2M_EIS_KCV_LEN);
	m2m_wipe(block, sizeof block);
	m2m_wipe(k3, sizeof k3);
	return err;
}

m2m_err m2m_eis_key_wrap(const uint8_t *tk, size_t tk_len, const uint8_t *key, size_t len,
			 uint8_t *out, size_t *out_len)
{
	size_t pad = 16 - len % 16;

	if (len == 0 || len > M2M_EIS_KEY_MAX)
		return M2M_ERR_ARG;
	memcpy(out, key, len);
	memset(out + len, (int)pad, pad);
	*out_len = len + pad;
	return m2m_aes_ecb_encrypt(tk, tk_len, out, *out_len, out);
}

m2m_err m2m_eis_key_unwrap(const uint8_t *tk, size_t tk_len, const uint8_t *in, size_t len,
			   uint8_t *out, size_t *out_len)
{
	uint8_t buf[M2M_EIS_KEY_WIRE_MAX];
	m2m_err err = M2M_ERR_FORMAT;
	size_t pad;

	if (len == 0 || len % 16 != 0 || len > sizeof buf)
		return M2M_ERR_FORMAT;
	if ((err = m2m_aes_ecb_decrypt(tk, tk_len, in, len, buf)) != M2M_OK)
		goto out;
	err = M2M_ERR_VERIFY;
	pad = buf[len - 1];
	if (pad == 0 || pad > 16 || len - pad == 0 || len - pad > M2M_EIS_KEY_MAX)
		goto out;
	for (size_t i = len - pad; i < len; i++)
		if (buf[i] != pad)
			goto out;
	memcpy(out, buf, len - pad);
	*out_len = len - pad;
	err = M2M_OK;
out:
	m2m_wipe(buf, sizeof buf);
	return err;
}

/* Unwraps one key into a copy and checks its KCV against the received one. */
static m2m_err unwrap_one(const uint8_t *tk, size_t tk_len, const m2m_eis_key *k,
			  m2m_eis_key *clear, const char **why)
{
	uint8_t kcv[M2M_EIS_KCV_LEN];
	size_t n = 0;
	m2m_err err;

	*clear = *k;
	err = m2m_eis_key_unwrap(tk, tk_len, k->value, k->len, clear->value, &n);
	if (err != M2M_OK) {
		*why = err == M2M_ERR_FORMAT ? "is not a whole number of AES blocks"
					     : "does not decrypt (padding): wrong transport key?";
		return M2M_ERR_VERIFY;
	}
	m2m_wipe(clear->value + n, sizeof clear->value - n);
	clear->len = n;
	clear->wrapped = false;
	if (m2m_eis_kcv(k->type, clear->value, n, kcv) != M2M_OK) {
		*why = "has a key type or length without a KCV rule";
		return M2M_ERR_VERIFY;
	}
	if (k->kcv_len == 0 || k->kcv_len > M2M_EIS_KCV_LEN ||
	    memcmp(kcv, k->kcv, k->kcv_len) != 0) {
		*why = "does not match its KCV: wrong transport key?";
		return M2M_ERR_VERIFY;
	}
	return M2M_OK;
}

m2m_err m2m_eis_keys_unwrap(m2m_eis *e, const uint8_t *tk, size_t tk_len,
			    m2m_ws_exec_status *st)
{
	m2m_err err = M2M_OK;
	const char *why = NULL;
	/* Work on a copy (large: heap) so that a failure leaves e unchanged. */
	m2m_eis_sd *copy = malloc(sizeof *copy);

	if (copy == NULL)
		return M2M_ERR_NOMEM;
	*copy = e->isdr;
	for (size_t i = 0; i < copy->nkeysets && err == M2M_OK; i++) {
		m2m_eis_keyset *ks = &copy->keysets[i];

		for (size_t j = 0; j < ks->nkeys && err == M2M_OK; j++) {
			if (!ks->keys[j].wrapped)
				continue;
			if (tk == NULL) {
				err = m2m_eis_refuse(st, M2M_ERR_STATE, M2M_WS_SUBJ_ISDR,
						     M2M_WS_REASON_EXECUTION_ERROR,
						     "the ISD-R keys are encrypted and no transport"
						     " key is configured for this EUM");
				break;
			}
			err = unwrap_one(tk, tk_len, &e->isdr.keysets[i].keys[j], &ks->keys[j],
					 &why);
			if (err != M2M_OK)
				m2m_eis_refuse(st, err, M2M_WS_SUBJ_ISDR,
					       M2M_WS_REASON_VERIFICATION_FAILED,
					       "ISD-R key set %u key %u %s", ks->version,
					       ks->keys[j].index, why);
		}
	}
	if (err == M2M_OK) {
		/* Certificates are shared pointers: copy back only the key arrays. */
		for (size_t i = 0; i < copy->nkeysets; i++)
			memcpy(e->isdr.keysets[i].keys, copy->keysets[i].keys,
			       sizeof copy->keysets[i].keys);
	}
	m2m_wipe(copy, sizeof *copy);
	free(copy);
	return err;
}
