/* SHA-256, constant-time comparison and the CSPRNG. */
#include <limits.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "crypto/algs.h"
#include "crypto/hash.h"

m2m_err m2m_sha256(const uint8_t *data, size_t len, uint8_t out[M2M_SHA256_SIZE])
{
	const m2m_algs *algs = m2m_algs_get();
	unsigned int n = 0;

	if (out == NULL || (data == NULL && len > 0))
		return M2M_ERR_ARG;
	if (algs == NULL)
		return M2M_ERR_CRYPTO;
	if (!EVP_Digest(len > 0 ? data : (const uint8_t *)"", len, out, &n, algs->sha256, NULL) ||
	    n != M2M_SHA256_SIZE)
		return M2M_ERR_CRYPTO;
	return M2M_OK;
}

m2m_err m2m_random(uint8_t *out, size_t len)
{
	if (out == NULL && len > 0)
		return M2M_ERR_ARG;
	/* RAND_bytes takes an int: draw in chunks. */
	while (len > 0) {
		int n = len > INT_MAX ? INT_MAX : (int)len;

		if (RAND_bytes(out, n) != 1)
			return M2M_ERR_CRYPTO;
		out += n;
		len -= (size_t)n;
	}
	return M2M_OK;
}

bool m2m_ct_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	if (n == 0)
		return true;
	if (a == NULL || b == NULL)
		return false;
	return CRYPTO_memcmp(a, b, n) == 0;
}
