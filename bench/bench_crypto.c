/* m2mrsp bench crypto: the ceilings of the crypto layer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cli/cli.h"
#include "core/buf.h"
#include "crypto/ec.h"
#include "crypto/hash.h"
#include "crypto/sym.h"

#define MSG_LEN 64

struct sym_ctx {
	uint8_t key[24];
	uint8_t msg[MSG_LEN];
	uint8_t out[MSG_LEN];
};

static bool op_cmac(void *p)
{
	struct sym_ctx *c = p;
	return m2m_aes_cmac(c->key, 16, c->msg, MSG_LEN, c->out) == M2M_OK;
}

static bool op_cbc_enc(void *p)
{
	struct sym_ctx *c = p;
	return m2m_aes_cbc_encrypt(c->key, 16, NULL, c->msg, MSG_LEN, c->out) == M2M_OK;
}

static bool op_cbc_dec(void *p)
{
	struct sym_ctx *c = p;
	return m2m_aes_cbc_decrypt(c->key, 16, NULL, c->msg, MSG_LEN, c->out) == M2M_OK;
}

static bool op_des3_mac(void *p)
{
	struct sym_ctx *c = p;
	return m2m_des3_cbc_mac(c->key, 16, c->msg, MSG_LEN, c->out) == M2M_OK;
}

static bool op_sha256(void *p)
{
	struct sym_ctx *c = p;
	return m2m_sha256(c->msg, MSG_LEN, c->out) == M2M_OK;
}

struct ec_ctx {
	m2m_eckey *own;
	m2m_eckey *peer;
	uint8_t msg[MSG_LEN];
	uint8_t sig[M2M_EC_SIG_SIZE];
	uint8_t secret[M2M_EC_FIELD_SIZE];
};

static bool op_ecdh(void *p)
{
	struct ec_ctx *c = p;
	return m2m_ecdh(c->own, c->peer, c->secret) == M2M_OK;
}

static bool op_sign(void *p)
{
	struct ec_ctx *c = p;
	return m2m_ecdsa_sign(c->own, c->msg, MSG_LEN, c->sig) == M2M_OK;
}

static bool op_verify(void *p)
{
	struct ec_ctx *c = p;
	return m2m_ecdsa_verify(c->own, c->msg, MSG_LEN, c->sig, sizeof c->sig) == M2M_OK;
}

static int report(const char *name, bool (*op)(void *), void *ctx, double seconds)
{
	double rate = m2m_bench_rate(op, ctx, seconds);
	if (rate < 0)
		return m2m_cli_error(M2M_EXIT_FAILED, "bench crypto", "%s failed", name);
	printf("%-32s %12.0f ops/s\n", name, rate);
	fflush(stdout);
	return M2M_EXIT_OK;
}

static int bench_symmetric(double seconds)
{
	struct sym_ctx c;
	int rc = M2M_EXIT_FAILED;
	if (m2m_random(c.key, sizeof c.key) != M2M_OK || m2m_random(c.msg, sizeof c.msg) != M2M_OK)
		goto out;
	rc = report("aes128-cmac 64B", op_cmac, &c, seconds);
	if (rc == M2M_EXIT_OK)
		rc = report("aes128-cbc-encrypt 64B", op_cbc_enc, &c, seconds);
	if (rc == M2M_EXIT_OK)
		rc = report("aes128-cbc-decrypt 64B", op_cbc_dec, &c, seconds);
	if (rc == M2M_EXIT_OK)
		rc = report("3des2-cbc-mac 64B", op_des3_mac, &c, seconds);
	if (rc == M2M_EXIT_OK)
		rc = report("sha256 64B", op_sha256, &c, seconds);
out:
	m2m_wipe(&c, sizeof c);
	return rc;
}

static int bench_curve(m2m_curve curve, double seconds)
{
	struct ec_ctx c = {0};
	char name[64];
	int rc = M2M_EXIT_FAILED;
	const char *cn = m2m_curve_name(curve);
	if (m2m_ec_generate(curve, &c.own) != M2M_OK || m2m_ec_generate(curve, &c.peer) != M2M_OK ||
	    m2m_random(c.msg, sizeof c.msg) != M2M_OK || op_sign(&c) == false) {
		m2m_cli_error(M2M_EXIT_FAILED, "bench crypto", "cannot set up %s keys", cn);
		goto out;
	}
	snprintf(name, sizeof name, "ecdh %s", cn);
	rc = report(name, op_ecdh, &c, seconds);
	snprintf(name, sizeof name, "ecdsa-sign %s", cn);
	if (rc == M2M_EXIT_OK)
		rc = report(name, op_sign, &c, seconds);
	snprintf(name, sizeof name, "ecdsa-verify %s", cn);
	if (rc == M2M_EXIT_OK)
		rc = report(name, op_verify, &c, seconds);
out:
	m2m_ec_free(c.own);
	m2m_ec_free(c.peer);
	return rc;
}

int m2m_bench_crypto(int argc, char **argv)
{
	double seconds = 1.0;
	int rc = m2m_bench_seconds("bench crypto", argc, argv, &seconds);
	if (rc != M2M_EXIT_OK)
		return rc;
	printf("# m2mrsp bench crypto: one thread, %.1f s per figure\n", seconds);
	rc = bench_symmetric(seconds);
	static const m2m_curve curves[] = {M2M_CURVE_P256, M2M_CURVE_BRAINPOOLP256R1,
					   M2M_CURVE_FRP256V1};
	for (size_t i = 0; rc == M2M_EXIT_OK && i < sizeof curves / sizeof curves[0]; i++)
		rc = bench_curve(curves[i], seconds);
	return rc;
}
