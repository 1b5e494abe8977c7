/* AES-CMAC against RFC 4493 section 4 (Examples 1-4, AES-128) and NIST SP 800-38B Appendix D
 * (D.2 AES-192 Examples 5-8, D.3 AES-256 Examples 9-12), one-shot and incremental. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "crypto/sym.h"
#include "crypto_test.h"

/* The common 64-byte message; the examples MAC its first 0, 16, 40 and 64 bytes. */
static const char msg_hex[] = "6bc1bee22e409f96e93d7e117393172a"
			      "ae2d8a571e03ac9c9eb76fac45af8e51"
			      "30c81c46a35ce411e5fbc1191a0a52ef"
			      "f69f2445df4f9b17ad2b417be66c3710";
static const size_t msg_lens[4] = { 0, 16, 40, 64 };

static void check_examples(const char *key_hex, const char *const tags[4])
{
	uint8_t key[32], msg[64], mac[16];
	size_t kl = tv_hex(key_hex, key, sizeof(key));
	m2m_cmac *ctx = NULL;

	tv_hex(msg_hex, msg, sizeof(msg));
	assert_int_equal(m2m_cmac_new(&ctx, key, kl), M2M_OK);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(m2m_aes_cmac(key, kl, msg, msg_lens[i], mac), M2M_OK);
		tv_assert_hex(mac, 16, tags[i]);
		/* Incremental in uneven pieces; the context is reused after each final. */
		for (size_t off = 0; off < msg_lens[i]; off += 7) {
			size_t n = msg_lens[i] - off < 7 ? msg_lens[i] - off : 7;

			assert_int_equal(m2m_cmac_update(ctx, msg + off, n), M2M_OK);
		}
		assert_int_equal(m2m_cmac_final(ctx, mac), M2M_OK);
		tv_assert_hex(mac, 16, tags[i]);
	}
	m2m_cmac_free(ctx);
}

/* RFC 4493 section 4, Examples 1-4 (= SP 800-38B D.1) */
static void rfc4493_s4_examples_1_4_aes128(void **state)
{
	static const char *const tags[4] = {
		"bb1d6929e95937287fa37d129b756746",
		"070a16b46b4d4144f79bdd9dd04a287c",
		"dfa66747de9ae63030ca32611497c827",
		"51f0bebf7e3b9d92fc49741779363cfe",
	};

	(void)state;
	check_examples("2b7e151628aed2a6abf7158809cf4f3c", tags);
}

/* NIST SP 800-38B Appendix D.2, Examples 5-8 (AES-192) */
static void sp800_38b_d2_examples_5_8_aes192(void **state)
{
	static const char *const tags[4] = {
		"d17ddf46adaacde531cac483de7a9367",
		"9e99a7bf31e710900662f65e617c5184",
		"8a1de5be2eb31aad089a82e6ee908b0e",
		"a1d5df0eed790f794d77589659f39a11",
	};

	(void)state;
	check_examples("8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b", tags);
}

/* NIST SP 800-38B Appendix D.3, Examples 9-12 (AES-256) */
static void sp800_38b_d3_examples_9_12_aes256(void **state)
{
	static const char *const tags[4] = {
		"028962f61b7bf89efc6b551f4667d983",
		"28a7023f452e8f82bd4bf28d8c37c35c",
		"aaf3d8f1de5640c232f5b169b9c911e6",
		"e1992190549f6ed5696a2c056c315410",
	};

	(void)state;
	check_examples("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", tags);
}

static void cmac_bad_input(void **state)
{
	uint8_t key[33] = { 0 }, mac[16];
	m2m_cmac *ctx = (m2m_cmac *)&key; /* must be reset to NULL on failure */

	(void)state;
	assert_int_equal(m2m_aes_cmac(key, 0, key, 1, mac), M2M_ERR_ARG);
	assert_int_equal(m2m_aes_cmac(key, 15, key, 1, mac), M2M_ERR_ARG);
	assert_int_equal(m2m_aes_cmac(key, 20, key, 1, mac), M2M_ERR_ARG);
	assert_int_equal(m2m_aes_cmac(key, 33, key, 1, mac), M2M_ERR_ARG);
	assert_int_equal(m2m_aes_cmac(NULL, 16, key, 1, mac), M2M_ERR_ARG);
	assert_int_equal(m2m_aes_cmac(key, 16, NULL, 1, mac), M2M_ERR_ARG);
	assert_int_equal(m2m_aes_cmac(key, 16, key, 1, NULL), M2M_ERR_ARG);
	/* An empty message may come as NULL. */
	assert_int_equal(m2m_aes_cmac(key, 16, NULL, 0, mac), M2M_OK);
	assert_int_equal(m2m_cmac_new(&ctx, key, 8), M2M_ERR_ARG);
	assert_null(ctx);
	assert_int_equal(m2m_cmac_new(NULL, key, 16), M2M_ERR_ARG);
	assert_int_equal(m2m_cmac_update(NULL, key, 1), M2M_ERR_ARG);
	assert_int_equal(m2m_cmac_final(NULL, mac), M2M_ERR_ARG);
	m2m_cmac_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc4493_s4_examples_1_4_aes128),
		cmocka_unit_test(sp800_38b_d2_examples_5_8_aes192),
		cmocka_unit_test(sp800_38b_d3_examples_9_12_aes256),
		cmocka_unit_test(cmac_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
