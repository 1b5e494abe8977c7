/* ECDH (BSI TR-03111 ECKA): the shared secret is the x coordinate of d * Q. */
#include "core/buf.h"
#include "crypto/ec_internal.h"

m2m_err m2m_ecdh(const m2m_eckey *priv, const m2m_eckey *peer, uint8_t out[M2M_EC_FIELD_SIZE])
{
	EVP_PKEY_CTX *ctx = NULL;
	size_t n = M2M_EC_FIELD_SIZE;
	m2m_err rc = M2M_ERR_CRYPTO;

	if (priv == NULL || peer == NULL || out == NULL || !priv->has_private)
		return M2M_ERR_ARG;
	if (priv->curve != peer->curve)
		return M2M_ERR_ARG;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, priv->pkey, NULL);
	if (ctx == NULL)
		return M2M_ERR_NOMEM;
	/* The peer point was validated on import (m2m_ec_from_public, cofactor 1): skip
	 * OpenSSL's second, slower full public-key check. */
	if (EVP_PKEY_derive_init(ctx) != 1 || EVP_PKEY_derive_set_peer_ex(ctx, peer->pkey, 0) != 1)
		goto out;
	/* OpenSSL left-pads the x coordinate to the field size. */
	if (EVP_PKEY_derive(ctx, out, &n) != 1 || n != M2M_EC_FIELD_SIZE) {
		m2m_wipe(out, M2M_EC_FIELD_SIZE);
		goto out;
	}
	rc = M2M_OK;
out:
	EVP_PKEY_CTX_free(ctx);
	return rc;
}
