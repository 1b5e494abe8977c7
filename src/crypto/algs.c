/* One-time fetch of the OpenSSL algorithm objects shared by the crypto layer. */
#include "crypto/algs.h"

#include <pthread.h>
#include <stdbool.h>

#include <openssl/core_names.h>
#include <openssl/params.h>

static m2m_algs g_algs;
static bool g_algs_ok;
static pthread_once_t g_algs_once = PTHREAD_ONCE_INIT;

static const char *const aes_cbc_names[3] = { "AES-128-CBC", "AES-192-CBC", "AES-256-CBC" };
static const char *const aes_ecb_names[3] = { "AES-128-ECB", "AES-192-ECB", "AES-256-ECB" };

int m2m_aes_index(size_t key_len)
{
	switch (key_len) {
	case 16:
		return 0;
	case 24:
		return 1;
	case 32:
		return 2;
	default:
		return -1;
	}
}

static EVP_MAC_CTX *cmac_template(EVP_MAC *mac, const char *cipher, size_t key_len)
{
	/* OpenSSL refuses to duplicate a CMAC context that never had a key. */
	static const unsigned char dummy[32];
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);

	if (ctx == NULL)
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, (char *)cipher, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(ctx, dummy, key_len, params)) {
		EVP_MAC_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static void algs_init(void)
{
	bool ok = true;

	for (int i = 0; i < 3; i++) {
		g_algs.aes_cbc[i] = EVP_CIPHER_fetch(NULL, aes_cbc_names[i], NULL);
		g_algs.aes_ecb[i] = EVP_CIPHER_fetch(NULL, aes_ecb_names[i], NULL);
		ok = ok && g_algs.aes_cbc[i] != NULL && g_algs.aes_ecb[i] != NULL;
	}
	g_algs.des_ede_cbc = EVP_CIPHER_fetch(NULL, "DES-EDE-CBC", NULL);
	g_algs.des_ede3_cbc = EVP_CIPHER_fetch(NULL, "DES-EDE3-CBC", NULL);
	g_algs.cmac = EVP_MAC_fetch(NULL, "CMAC", NULL);
	g_algs.x963 = EVP_KDF_fetch(NULL, "X963KDF", NULL);
	g_algs.sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	ok = ok && g_algs.des_ede_cbc != NULL && g_algs.des_ede3_cbc != NULL &&
	     g_algs.cmac != NULL && g_algs.x963 != NULL && g_algs.sha256 != NULL;
	for (int i = 0; ok && i < 3; i++) {
		g_algs.cmac_tmpl[i] = cmac_template(g_algs.cmac, aes_cbc_names[i], 16 + 8 * (size_t)i);
		ok = g_algs.cmac_tmpl[i] != NULL;
	}
	g_algs_ok = ok;
}

const m2m_algs *m2m_algs_get(void)
{
	if (pthread_once(&g_algs_once, algs_init) != 0 || !g_algs_ok)
		return NULL;
	return &g_algs;
}
