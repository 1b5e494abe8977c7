/* AES-CBC/ECB against NIST SP 800-38A Appendix F and the NIST CAVP AESAVS KAT files. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "crypto/sym.h"
#include "crypto_test.h"

/* SP 800-38A F.1/F.2: the same four plaintext blocks for every key. */
static const char sp38a_pt[] = "6bc1bee22e409f96e93d7e117393172a"
			       "ae2d8a571e03ac9c9eb76fac45af8e51"
			       "30c81c46a35ce411e5fbc1191a0a52ef"
			       "f69f2445df4f9b17ad2b417be66c3710";
static const char sp38a_iv[] = "000102030405060708090a0b0c0d0e0f";
static const char key128[] = "2b7e151628aed2a6abf7158809cf4f3c";
static const char key192[] = "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b";
static const char key256[] = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4";

static void check_cbc(const char *key_hex, const char *ct_hex)
{
	uint8_t key[32], iv[16], pt[64], ct[64], out[64];
	size_t kl = tv_hex(key_hex, key, sizeof(key));

	tv_hex(sp38a_iv, iv, sizeof(iv));
	tv_hex(sp38a_pt, pt, sizeof(pt));
	tv_hex(ct_hex, ct, sizeof(ct));
	assert_int_equal(m2m_aes_cbc_encrypt(key, kl, iv, pt, sizeof(pt), out), M2M_OK);
	tv_assert_hex(out, sizeof(out), ct_hex);
	assert_int_equal(m2m_aes_cbc_decrypt(key, kl, iv, ct, sizeof(ct), out), M2M_OK);
	tv_assert_hex(out, sizeof(out), sp38a_pt);
	/* In place. */
	memcpy(out, pt, sizeof(pt));
	assert_int_equal(m2m_aes_cbc_encrypt(key, kl, iv, out, sizeof(out), out), M2M_OK);
	tv_assert_hex(out, sizeof(out), ct_hex);
	assert_int_equal(m2m_aes_cbc_decrypt(key, kl, iv, out, sizeof(out), out), M2M_OK);
	tv_assert_hex(out, sizeof(out), sp38a_pt);
}

/* SP 800-38A F.2.1 CBC-AES128.Encrypt / F.2.2 CBC-AES128.Decrypt */
static void sp800_38a_f2_1_f2_2_cbc_aes128(void **state)
{
	(void)state;
	check_cbc(key128, "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"
			  "73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7");
}

/* SP 800-38A F.2.3 CBC-AES192.Encrypt / F.2.4 CBC-AES192.Decrypt */
static void sp800_38a_f2_3_f2_4_cbc_aes192(void **state)
{
	(void)state;
	check_cbc(key192, "4f021db243bc633d7178183a9fa071e8b4d9ada9ad7dedf4e5e738763f69145a"
			  "571b242012fb7ae07fa9baac3df102e008b0e27988598881d920a9e64f5615cd");
}

/* SP 800-38A F.2.5 CBC-AES256.Encrypt / F.2.6 CBC-AES256.Decrypt */
static void sp800_38a_f2_5_f2_6_cbc_aes256(void **state)
{
	(void)state;
	check_cbc(key256, "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d"
			  "39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b");
}

/* SP 800-38A F.1.1 ECB-AES128.Encrypt / F.1.2 ECB-AES128.Decrypt */
static void sp800_38a_f1_1_f1_2_ecb_aes128(void **state)
{
	static const char ct_hex[] = "3ad77bb40d7a3660a89ecaf32466ef97f5d3d58503b9699de785895a96fdbaaf"
				     "43b1cd7f598ece23881b00e3ed0306887b0c785e27e8ad3f8223207104725dd4";
	uint8_t key[16], pt[64], ct[64], out[64];

	(void)state;
	tv_hex(key128, key, sizeof(key));
	tv_hex(sp38a_pt, pt, sizeof(pt));
	tv_hex(ct_hex, ct, sizeof(ct));
	assert_int_equal(m2m_aes_ecb_encrypt(key, 16, pt, sizeof(pt), out), M2M_OK);
	tv_assert_hex(out, sizeof(out), ct_hex);
	assert_int_equal(m2m_aes_ecb_decrypt(key, 16, ct, sizeof(ct), out), M2M_OK);
	tv_assert_hex(out, sizeof(out), sp38a_pt);
}

/* NIST CAVP AESAVS KAT, ECBGFSbox128.rsp [ENCRYPT]/[DECRYPT] COUNT = 0..3 (KEY = 0), and
 * CBCGFSbox128.rsp COUNT = 0 (IV = 0, so the same answer through CBC with a NULL IV). */
static void cavp_ecbgfsbox128_count0_3(void **state)
{
	static const char *const v[][2] = {
		{ "f34481ec3cc627bacd5dc3fb08f273e6", "0336763e966d92595a567cc9ce537f5e" },
		{ "9798c4640bad75c7c3227db910174e72", "a9a1631bf4996954ebc093957b234589" },
		{ "96ab5c2ff612d9dfaae8c31f30c42168", "ff4f8391a6a40ca5b25d23bedd44a597" },
		{ "6a118a874519e64e9963798a503f1d35", "dc43be40be0e53712f7e2bf5ca707209" },
	};
	uint8_t key[16] = { 0 }, pt[16], ct[16], out[16];

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		tv_hex(v[i][0], pt, 16);
		tv_hex(v[i][1], ct, 16);
		assert_int_equal(m2m_aes_ecb_encrypt(key, 16, pt, 16, out), M2M_OK);
		tv_assert_hex(out, 16, v[i][1]);
		assert_int_equal(m2m_aes_ecb_decrypt(key, 16, ct, 16, out), M2M_OK);
		tv_assert_hex(out, 16, v[i][0]);
	}
	tv_hex(v[0][0], pt, 16);
	assert_int_equal(m2m_aes_cbc_encrypt(key, 16, NULL, pt, 16, out), M2M_OK);
	tv_assert_hex(out, 16, v[0][1]);
}

/* NIST CAVP AESAVS KAT, ECBVarKey128.rsp [ENCRYPT] COUNT = 0 (KEY = 80 00.., PT = 0) and
 * ECBVarTxt128.rsp COUNT = 0 (KEY = 0, PT = 80 00..). */
static void cavp_ecbvarkey128_ecbvartxt128_count0(void **state)
{
	uint8_t key[16] = { 0x80 }, pt[16] = { 0 }, out[16];

	(void)state;
	assert_int_equal(m2m_aes_ecb_encrypt(key, 16, pt, 16, out), M2M_OK);
	tv_assert_hex(out, 16, "0edd33d3c621e546455bd8ba1418bec8");
	key[0] = 0;
	pt[0] = 0x80;
	assert_int_equal(m2m_aes_ecb_encrypt(key, 16, pt, 16, out), M2M_OK);
	tv_assert_hex(out, 16, "3ad78e726c1ec02b7ebfe92b23d9ec34");
}

static void aes_bad_input(void **state)
{
	uint8_t key[32] = { 0 }, buf[32] = { 0 }, iv[16] = { 0 };

	(void)state;
	/* Wrong key lengths. */
	assert_int_equal(m2m_aes_cbc_encrypt(key, 0, iv, buf, 16, buf), M2M_ERR_ARG);
	assert_int_equal(m2m_aes_cbc_encrypt(key, 15, iv, buf, 16, buf), M2M_ERR_ARG);
	assert_int_equal(m2m_aes_cbc_decrypt(key, 17, iv, buf, 16, buf), M2M_ERR_ARG);
	assert_int_equal(m2m_aes_ecb_encrypt(key, 33, buf, 16, buf), M2M_ERR_ARG);
	assert_int_equal(m2m_aes_ecb_decrypt(key, 8, buf, 16, buf), M2M_ERR_ARG);
	/* Lengths that are not whole blocks, and zero. */
	assert_int_equal(m2m_aes_cbc_encrypt(key, 16, iv, buf, 15, buf), M2M_ERR_ARG);
	assert_int_equal(m2m_aes_cbc_decrypt(key, 16, iv, buf, 17, buf), M2M_ERR_ARG);
	assert_int_equal(m2m_aes_ecb_encrypt(key, 16, buf, 0, buf), M2M_ERR_ARG);
	assert_int_equal(m2m_aes_ecb_decrypt(key, 24, buf, 8, buf), M2M_ERR_ARG);
	/* NULL pointers. */
	assert_int_equal(m2m_aes_cbc_encrypt(NULL, 16, iv, buf, 16, buf), M2M_ERR_ARG);
	assert_int_equal(m2m_aes_cbc_encrypt(key, 16, iv, NULL, 16, buf), M2M_ERR_ARG);
	assert_int_equal(m2m_aes_cbc_decrypt(key, 16, iv, buf, 16, NULL), M2M_ERR_ARG);
	assert_int_equal(m2m_aes_ecb_encrypt(key, 16, NULL, 16, buf), M2M_ERR_ARG);
}

/* NULL IV means the all-zero IV. */
static void aes_cbc_null_iv_is_zero(void **state)
{
	uint8_t key[16] = { 1 }, iv[16] = { 0 }, pt[32] = { 2 }, a[32], b[32];

	(void)state;
	assert_int_equal(m2m_aes_cbc_encrypt(key, 16, NULL, pt, 32, a), M2M_OK);
	assert_int_equal(m2m_aes_cbc_encrypt(key, 16, iv, pt, 32, b), M2M_OK);
	assert_memory_equal(a, b, 32);
	assert_int_equal(m2m_aes_cbc_decrypt(key, 16, NULL, a, 32, b), M2M_OK);
	assert_memory_equal(b, pt, 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sp800_38a_f2_1_f2_2_cbc_aes128),
		cmocka_unit_test(sp800_38a_f2_3_f2_4_cbc_aes192),
		cmocka_unit_test(sp800_38a_f2_5_f2_6_cbc_aes256),
		cmocka_unit_test(sp800_38a_f1_1_f1_2_ecb_aes128),
		cmocka_unit_test(cavp_ecbgfsbox128_count0_3),
		cmocka_unit_test(cavp_ecbvarkey128_ecbvartxt128_count0),
		cmocka_unit_test(aes_bad_input),
		cmocka_unit_test(aes_cbc_null_iv_is_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
