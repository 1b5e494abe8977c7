/* Key derivation: NIST SP 800-108 counter mode with AES-CMAC (and its GlobalPlatform SCP03
 * profile), ANSI X9.63 with SHA-256 (SP 800-135 5.6.3). */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/params.h>

#include "core/buf.h"
#include "crypto/algs.h"
#include "crypto/hash.h"
#include "crypto/sym.h"

/* Longest SCP03 context accepted; SGP.02 uses host || card challenge (16 bytes). */
#define SCP03_CONTEXT_MAX 256
#define SCP03_LABEL_LEN 15 /* 11 x 00 || constant || 00 || L(2) */

static m2m_err kdf_check(const uint8_t *ki, size_t ki_len, m2m_kdf_ctr_pos pos,
			 size_t ctr_bytes, const uint8_t *fixed, size_t fixed_len, size_t split,
			 const uint8_t *out, size_t out_len)
{
	size_t blocks = (out_len + M2M_CMAC_SIZE - 1) / M2M_CMAC_SIZE;

	if (ki == NULL || out == NULL || out_len == 0 || (fixed == NULL && fixed_len > 0))
		return M2M_ERR_ARG;
	if (ki_len != 16 && ki_len != 24 && ki_len != 32)
		return M2M_ERR_ARG;
	if (ctr_bytes < 1 || ctr_bytes > 4)
		return M2M_ERR_ARG;
	if (pos != M2M_KDF_CTR_BEFORE && pos != M2M_KDF_CTR_MIDDLE && pos != M2M_KDF_CTR_AFTER)
		return M2M_ERR_ARG;
	if (pos == M2M_KDF_CTR_MIDDLE && split > fixed_len)
		return M2M_ERR_BOUNDS;
	/* The counter must not wrap (SP 800-108 5.1: n <= 2^r - 1). */
	if (ctr_bytes < 4 && blocks > ((size_t)1 << (8 * ctr_bytes)) - 1)
		return M2M_ERR_ARG;
	if (ctr_bytes == 4 && blocks > 0xffffffffu)
		return M2M_ERR_ARG;
	return M2M_OK;
}

/* PRF input for block i: fixed[0..split) || [i]_r || fixed[split..). */
static m2m_err kdf_block(m2m_cmac *mac, size_t i, size_t ctr_bytes, const uint8_t *fixed,
			 size_t fixed_len, size_t split, uint8_t block[M2M_CMAC_SIZE])
{
	uint8_t ctr[4];
	m2m_err rc;

	for (size_t k = 0; k < ctr_bytes; k++)
		ctr[k] = (uint8_t)(i >> (8 * (ctr_bytes - 1 - k)));
	rc = m2m_cmac_update(mac, fixed, split);
	if (rc == M2M_OK)
		rc = m2m_cmac_update(mac, ctr, ctr_bytes);
	if (rc == M2M_OK)
		rc = m2m_cmac_update(mac, fixed + split, fixed_len - split);
	if (rc == M2M_OK)
		rc = m2m_cmac_final(mac, block);
	return rc;
}

m2m_err m2m_kdf_sp800108_cmac(const uint8_t *ki, size_t ki_len, m2m_kdf_ctr_pos pos,
			      size_t ctr_bytes, const uint8_t *fixed, size_t fixed_len,
			      size_t split, uint8_t *out, size_t out_len)
{
	uint8_t block[M2M_CMAC_SIZE];
	m2m_cmac *mac = NULL;
	m2m_err rc;

	rc = kdf_check(ki, ki_len, pos, ctr_bytes, fixed, fixed_len, split, out, out_len);
	if (rc != M2M_OK)
		return rc;
	if (pos == M2M_KDF_CTR_BEFORE)
		split = 0;
	else if (pos == M2M_KDF_CTR_AFTER)
		split = fixed_len;
	if (fixed == NULL)
		fixed = block; /* fixed_len is 0: any valid pointer */
	rc = m2m_cmac_new(&mac, ki, ki_len);
	for (size_t i = 1, off = 0; rc == M2M_OK && off < out_len; i++) {
		size_t n = out_len - off < M2M_CMAC_SIZE ? out_len - off : M2M_CMAC_SIZE;

		rc = kdf_block(mac, i, ctr_bytes, fixed, fixed_len, split, block);
		if (rc == M2M_OK)
			memcpy(out + off, block, n);
		off += n;
	}
	if (rc != M2M_OK)
		m2m_wipe(out, out_len);
	m2m_cmac_free(mac);
	m2m_wipe(block, sizeof(block));
	return rc;
}

m2m_err m2m_kdf_scp03(const uint8_t *key, size_t key_len, uint8_t constant,
		      const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len)
{
	uint8_t fixed[SCP03_LABEL_LEN + SCP03_CONTEXT_MAX] = { 0 };
	size_t bits = out_len * 8;

	if (context == NULL && context_len > 0)
		return M2M_ERR_ARG;
	if (context_len > SCP03_CONTEXT_MAX)
		return M2M_ERR_BOUNDS;
	if (out_len == 0 || bits > 0xffff)
		return M2M_ERR_ARG;
	fixed[11] = constant;
	fixed[12] = 0x00; /* separation indicator */
	fixed[13] = (uint8_t)(bits >> 8);
	fixed[14] = (uint8_t)bits;
	/* The 1-byte counter sits after L and before the context (Amendment D 4.1.5). */
	if (context_len > 0)
		memcpy(fixed + SCP03_LABEL_LEN, context, context_len);
	return m2m_kdf_sp800108_cmac(key, key_len, M2M_KDF_CTR_MIDDLE, 1, fixed,
				     SCP03_LABEL_LEN + context_len, SCP03_LABEL_LEN, out, out_len);
}

m2m_err m2m_kdf_x963_sha256(const uint8_t *z, size_t z_len, const uint8_t *shared_info,
			    size_t si_len, uint8_t *out, size_t out_len)
{
	const m2m_algs *algs = m2m_algs_get();
	EVP_KDF_CTX *ctx = NULL;
	OSSL_PARAM params[4], *p = params;
	m2m_err rc = M2M_ERR_CRYPTO;

	if (z == NULL || z_len == 0 || out == NULL || out_len == 0 ||
	    (shared_info == NULL && si_len > 0))
		return M2M_ERR_ARG;
	if (algs == NULL)
		return M2M_ERR_CRYPTO;
	ctx = EVP_KDF_CTX_new(algs->x963);
	if (ctx == NULL)
		return M2M_ERR_NOMEM;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)z, z_len);
	if (si_len > 0)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
							 (void *)shared_info, si_len);
	*p = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(ctx, out, out_len, params) == 1)
		rc = M2M_OK;
	else
		m2m_wipe(out, out_len);
	EVP_KDF_CTX_free(ctx); /* cleanses the copied secret */
	return rc;
}
