/* AES-CMAC (SP 800-38B / RFC 4493) over EVP_MAC, one-shot and incremental. */
#include <stdlib.h>

#include "crypto/algs.h"
#include "crypto/sym.h"

struct m2m_cmac {
	EVP_MAC_CTX *ctx;
};

/* A CMAC context keyed with key, duplicated from the pre-bound AES template. */
static m2m_err cmac_keyed(const uint8_t *key, size_t key_len, EVP_MAC_CTX **out)
{
	const m2m_algs *algs = m2m_algs_get();
	int idx = m2m_aes_index(key_len);
	EVP_MAC_CTX *ctx;

	*out = NULL;
	if (key == NULL || idx < 0)
		return M2M_ERR_ARG;
	if (algs == NULL)
		return M2M_ERR_CRYPTO;
	ctx = EVP_MAC_CTX_dup(algs->cmac_tmpl[idx]);
	if (ctx == NULL)
		return M2M_ERR_NOMEM;
	if (!EVP_MAC_init(ctx, key, key_len, NULL)) {
		EVP_MAC_CTX_free(ctx);
		return M2M_ERR_CRYPTO;
	}
	*out = ctx;
	return M2M_OK;
}

static m2m_err cmac_final(EVP_MAC_CTX *ctx, uint8_t mac[M2M_CMAC_SIZE])
{
	size_t n = 0;

	if (!EVP_MAC_final(ctx, mac, &n, M2M_CMAC_SIZE) || n != M2M_CMAC_SIZE)
		return M2M_ERR_CRYPTO;
	return M2M_OK;
}

m2m_err m2m_aes_cmac(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len,
		     uint8_t mac[M2M_CMAC_SIZE])
{
	EVP_MAC_CTX *ctx = NULL;
	m2m_err rc;

	if (mac == NULL || (data == NULL && len > 0))
		return M2M_ERR_ARG;
	rc = cmac_keyed(key, key_len, &ctx);
	if (rc != M2M_OK)
		goto out;
	if (len > 0 && !EVP_MAC_update(ctx, data, len)) {
		rc = M2M_ERR_CRYPTO;
		goto out;
	}
	rc = cmac_final(ctx, mac);
out:
	EVP_MAC_CTX_free(ctx); /* cleanses the key schedule */
	return rc;
}

m2m_err m2m_cmac_new(m2m_cmac **ctx, const uint8_t *key, size_t key_len)
{
	m2m_cmac *c;
	m2m_err rc;

	if (ctx == NULL)
		return M2M_ERR_ARG;
	*ctx = NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return M2M_ERR_NOMEM;
	rc = cmac_keyed(key, key_len, &c->ctx);
	if (rc != M2M_OK) {
		free(c);
		return rc;
	}
	*ctx = c;
	return M2M_OK;
}

m2m_err m2m_cmac_update(m2m_cmac *ctx, const uint8_t *data, size_t len)
{
	if (ctx == NULL || (data == NULL && len > 0))
		return M2M_ERR_ARG;
	if (len > 0 && !EVP_MAC_update(ctx->ctx, data, len))
		return M2M_ERR_CRYPTO;
	return M2M_OK;
}

m2m_err m2m_cmac_final(m2m_cmac *ctx, uint8_t mac[M2M_CMAC_SIZE])
{
	m2m_err rc;

	if (ctx == NULL || mac == NULL)
		return M2M_ERR_ARG;
	rc = cmac_final(ctx->ctx, mac);
	/* Init without a key restarts CMAC with the key already set. */
	if (!EVP_MAC_init(ctx->ctx, NULL, 0, NULL) && rc == M2M_OK)
		rc = M2M_ERR_CRYPTO;
	return rc;
}

void m2m_cmac_free(m2m_cmac *ctx)
{
	if (ctx == NULL)
		return;
	EVP_MAC_CTX_free(ctx->ctx);
	free(ctx);
}
