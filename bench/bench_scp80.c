/* m2mrsp bench scp80: SCP80 packets per second beside the raw OpenSSL cost of their crypto. */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "card/scp80.h"
#include "cli/cli.h"
#include "crypto/hash.h"

#define DATA_LEN 64
/* SPI 16 39 with AES: CNTR PCNTR CC data = 78 bytes, ciphered as 80; the CC covers the
 * 10-byte clear header, CNTR PCNTR and the padded data: 10 + 6 + 66 = 82 bytes. */
#define CIPHER_LEN 80
#define CC_INPUT_LEN 82

struct ctx {
	m2m_scp80_hdr hdr;
	m2m_scp80_keys keys;
	uint8_t data[DATA_LEN];
	m2m_buf pkt, out;
	/* raw OpenSSL */
	EVP_CIPHER *aes;
	EVP_CIPHER_CTX *cctx;
	EVP_MAC_CTX *mctx;
	uint8_t raw_in[CC_INPUT_LEN], raw_out[CIPHER_LEN + 16];
};

static bool op_wrap(void *p)
{
	struct ctx *c = p;
	c->pkt.len = 0;
	c->hdr.counter++;
	return m2m_scp80_wrap(&c->hdr, &c->keys, c->data, DATA_LEN, &c->pkt) == M2M_OK;
}

static bool op_open(void *p)
{
	struct ctx *c = p;
	m2m_scp80_hdr hdr;
	uint8_t status;
	uint64_t last = 0;
	c->out.len = 0;
	return m2m_scp80_unwrap_command(c->pkt.data, c->pkt.len, &c->keys, &last, &hdr, &status,
					&c->out) == M2M_OK;
}

/* What one packet's crypto costs when called straight on OpenSSL with contexts reused. */
static bool op_raw(void *p)
{
	struct ctx *c = p;
	static const uint8_t iv[16];
	int n1 = 0, n2 = 0;
	size_t mlen = 0;
	uint8_t mac[16];
	return EVP_EncryptInit_ex2(c->cctx, c->aes, c->keys.kic.key, iv, NULL) == 1 &&
	       EVP_CIPHER_CTX_set_padding(c->cctx, 0) == 1 &&
	       EVP_EncryptUpdate(c->cctx, c->raw_out, &n1, c->raw_in, CIPHER_LEN) == 1 &&
	       EVP_EncryptFinal_ex(c->cctx, c->raw_out + n1, &n2) == 1 &&
	       EVP_MAC_init(c->mctx, c->keys.kid.key, 16, NULL) == 1 &&
	       EVP_MAC_update(c->mctx, c->raw_in, CC_INPUT_LEN) == 1 &&
	       EVP_MAC_final(c->mctx, mac, &mlen, sizeof mac) == 1;
}

static bool raw_setup(struct ctx *c)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "CMAC", NULL);
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, "AES-128-CBC", 0),
		OSSL_PARAM_construct_end(),
	};
	c->aes = EVP_CIPHER_fetch(NULL, "AES-128-CBC", NULL);
	c->cctx = EVP_CIPHER_CTX_new();
	c->mctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
	EVP_MAC_free(mac);
	return c->aes != NULL && c->cctx != NULL && c->mctx != NULL &&
	       EVP_MAC_CTX_set_params(c->mctx, params) == 1;
}

static int setup(struct ctx *c)
{
	uint8_t k[32];
	memset(c, 0, sizeof *c);
	m2m_buf_init(&c->pkt);
	m2m_buf_init(&c->out);
	c->hdr.spi[0] = M2M_SCP80_SGP02_SPI1;
	c->hdr.spi[1] = M2M_SCP80_SGP02_SPI2;
	c->hdr.kic = 0x12;
	c->hdr.kid = 0x12;
	c->hdr.tar[2] = 0x01;
	if (m2m_random(k, sizeof k) != M2M_OK || m2m_random(c->data, DATA_LEN) != M2M_OK ||
	    m2m_random(c->raw_in, sizeof c->raw_in) != M2M_OK)
		return M2M_EXIT_FAILED;
	m2m_scp80_key_set(&c->keys.kic, k, 16);
	m2m_scp80_key_set(&c->keys.kid, k + 16, 16);
	m2m_wipe(k, sizeof k);
	if (!raw_setup(c) || !op_wrap(c) || c->pkt.len != 10 + CIPHER_LEN)
		return M2M_EXIT_FAILED;
	return M2M_EXIT_OK;
}

static void teardown(struct ctx *c)
{
	m2m_scp80_keys_wipe(&c->keys);
	m2m_buf_free(&c->pkt);
	m2m_buf_free(&c->out);
	EVP_CIPHER_free(c->aes);
	EVP_CIPHER_CTX_free(c->cctx);
	EVP_MAC_CTX_free(c->mctx);
}

int m2m_bench_scp80(int argc, char **argv)
{
	double seconds = 1.0;
	int rc = m2m_bench_seconds("bench scp80", argc, argv, &seconds);
	struct ctx c;
	if (rc != M2M_EXIT_OK)
		return rc;
	rc = setup(&c);
	if (rc != M2M_EXIT_OK) {
		m2m_cli_error(rc, "bench scp80", "set-up failed");
		goto out;
	}
	double wrap = m2m_bench_rate(op_wrap, &c, seconds);
	double open = m2m_bench_rate(op_open, &c, seconds);
	double raw = m2m_bench_rate(op_raw, &c, seconds);
	if (wrap < 0 || open < 0 || raw < 0) {
		rc = m2m_cli_error(M2M_EXIT_FAILED, "bench scp80", "an operation failed");
		goto out;
	}
	printf("# m2mrsp bench scp80: SPI 1639, AES-128 CBC + CMAC, %d bytes of data, one thread\n",
	       DATA_LEN);
	printf("%-44s %10.0f packets/s\n", "scp80 wrap (server side)", wrap);
	printf("%-44s %10.0f packets/s\n", "scp80 open (card side, counter checked)", open);
	printf("%-44s %10.0f ops/s\n", "raw OpenSSL AES-CBC 80 B + AES-CMAC 82 B", raw);
	printf("%-44s %9.0f%%\n", "wrap / raw", 100.0 * wrap / raw);
	printf("%-44s %9.0f%%\n", "open / raw", 100.0 * open / raw);
out:
	teardown(&c);
	return rc;
}
