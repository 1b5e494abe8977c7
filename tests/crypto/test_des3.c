/* 3DES-CBC against the NIST CAVP TDES MMT files (tdesmmt.zip: TCBCMMT3.rsp keying option 1,
 * TCBCMMT2.rsp keying option 2), and the SCP80 CC against pySim's test_ota.py vector. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "crypto/sym.h"
#include "crypto_test.h"

typedef struct {
	const char *key, *iv, *pt, *ct;
} tdes_vec;

/* key is KEY1||KEY2||KEY3 (24 bytes) or KEY1||KEY2 (16 bytes, KEY3 = KEY1). */
static void check_enc(const tdes_vec *v)
{
	uint8_t key[24], iv[8], pt[80], out[80];
	size_t kl = tv_hex(v->key, key, sizeof(key)), n = tv_hex(v->pt, pt, sizeof(pt));

	tv_hex(v->iv, iv, sizeof(iv));
	assert_int_equal(m2m_des3_cbc_encrypt(key, kl, iv, pt, n, out), M2M_OK);
	tv_assert_hex(out, n, v->ct);
}

static void check_dec(const tdes_vec *v)
{
	uint8_t key[24], iv[8], ct[80], out[80];
	size_t kl = tv_hex(v->key, key, sizeof(key)), n = tv_hex(v->ct, ct, sizeof(ct));

	tv_hex(v->iv, iv, sizeof(iv));
	assert_int_equal(m2m_des3_cbc_decrypt(key, kl, iv, ct, n, out), M2M_OK);
	tv_assert_hex(out, n, v->pt);
}

/* TCBCMMT3.rsp [ENCRYPT] COUNT = 0, 1, 3 */
static void cavp_tcbcmmt3_encrypt_count0_1_3(void **state)
{
	static const tdes_vec v[] = {
		{ "b5cb1504802326c73df186e3e352a20de643b0d63ee30e37", "43f791134c5647ba",
		  "dcc153cef81d6f24", "92538bd8af18d3ba" },
		{ "a49d7564199e97cb529d2c9d97bf2f98d35edf57ba1f7358", "c2e999cb6249023c",
		  "c689aee38a301bb316da75db36f110b5", "e9afaba5ec75ea1bbe65506655bb4ecb" },
		{ "d98aadc76d4a3716158c32866efbb9ce834af2297379a49d", "3c5220327c502b44",
		  "6174079dda53ca723ebf00a66837f8d5ce648c08acaa5ee45ffe62210ef79d3e",
		  "f5bd4d600bed77bec78409e3530ebda1d815506ed53103015b87e371ae000958" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		check_enc(&v[i]);
}

/* TCBCMMT3.rsp [DECRYPT] COUNT = 0, 2 */
static void cavp_tcbcmmt3_decrypt_count0_2(void **state)
{
	static const tdes_vec v[] = {
		{ "5eb6040d46082c7aa7d06dfd08dfeac8c18364c1548c3ba1", "41746c7e442d3681",
		  "d4f00eb455de1034", "c53a7b0ec40600fe" },
		{ "254acb647907adba1ad5ef7a43e383cdcd588975759e5292", "5857f24bed725646",
		  "64cc69a4f2b9877dad558bd7b5e6a78268e4978bb39845a1",
		  "d4342af5c33adcd67c3e89e64241bbd8131e78ec38c8715c" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		check_dec(&v[i]);
}

/* TCBCMMT2.rsp (keying option 2, KEY3 = KEY1) [ENCRYPT] COUNT = 1, [DECRYPT] COUNT = 0, 1,
 * each with the 16-byte key and again with the equivalent 24-byte K1||K2||K1 key. */
static void cavp_tcbcmmt2_encrypt_count1_decrypt_count0_1(void **state)
{
	static const tdes_vec enc = { "70a88fa1dfb9942fa77f40157ffef2ad", "ece08ce2fdc6ce80",
				      "bc225304d5a3a5c9918fc5006cbc40cc",
				      "27f67dc87af7ddb4b68f63fa7c2d454a" };
	static const tdes_vec enc3 = { "70a88fa1dfb9942fa77f40157ffef2ad70a88fa1dfb9942f",
				       "ece08ce2fdc6ce80", "bc225304d5a3a5c9918fc5006cbc40cc",
				       "27f67dc87af7ddb4b68f63fa7c2d454a" };
	static const tdes_vec dec[] = {
		{ "bcfe7f25f2b0a72c6276ae1f389d8ae9", "f29d4ba5172fd297", "0611a474fb090978",
		  "1b3889c9dbe10d03" },
		{ "464092cdbf736d38fb1fe6a12a94ae0e", "5423455f00023b01",
		  "9cbe7d1b5cdd1864c3095ba810575960", "3f6050b74ed64416bc23d53b0469ed7a" },
		{ "464092cdbf736d38fb1fe6a12a94ae0e464092cdbf736d38", "5423455f00023b01",
		  "9cbe7d1b5cdd1864c3095ba810575960", "3f6050b74ed64416bc23d53b0469ed7a" },
	};

	(void)state;
	check_enc(&enc);
	check_enc(&enc3);
	for (size_t i = 0; i < sizeof(dec) / sizeof(dec[0]); i++)
		check_dec(&dec[i]);
}

/* pySim tests/unittests/test_ota.py @597f1e0 (see /work/shared/spec/sgp02-facts.md 3.1, last
 * row): 3DES CC only, KID 12110C78E678C25408233076AA033615 (2-key), packet
 * 001D 15 0219 35 35 b00000 0000000000 00 [CC] 00a40000023f00. The CC covers
 * CPL..PCNTR || data, zero padded: 23 bytes -> 24. */
static void pysim_test_ota_scp80_3des_cc(void **state)
{
	uint8_t key[16], in[64], mac[8];
	size_t n;

	(void)state;
	tv_hex("12110C78E678C25408233076AA033615", key, sizeof(key));
	n = tv_hex("001D1502193535b00000000000000000"
		   "00a40000023f00",
		   in, sizeof(in));
	assert_int_equal(n, 23);
	assert_int_equal(m2m_des3_cbc_mac(key, 16, in, n, mac), M2M_OK);
	tv_assert_hex(mac, 8, "072ea17bdb72060e");
}

/* On whole blocks the CBC-MAC is the last block of the CBC encryption (zero IV). */
static void des3_cbc_mac_is_last_cbc_block(void **state)
{
	uint8_t key[24], data[600], enc[600], mac[8];

	(void)state;
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0x11 * i + 3);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	/* 600 bytes spans more than one internal scratch chunk. */
	assert_int_equal(m2m_des3_cbc_encrypt(key, 24, NULL, data, sizeof(data), enc), M2M_OK);
	assert_int_equal(m2m_des3_cbc_mac(key, 24, data, sizeof(data), mac), M2M_OK);
	assert_memory_equal(mac, enc + sizeof(enc) - 8, 8);
	/* A partial tail is padded with zeros. */
	memset(data + 595, 0, 5);
	assert_int_equal(m2m_des3_cbc_encrypt(key, 16, NULL, data, sizeof(data), enc), M2M_OK);
	assert_int_equal(m2m_des3_cbc_mac(key, 16, data, 595, mac), M2M_OK);
	assert_memory_equal(mac, enc + sizeof(enc) - 8, 8);
}

static void des3_bad_input(void **state)
{
	uint8_t key[32] = { 0 }, buf[32] = { 0 }, mac[8];

	(void)state;
	/* Single DES and other key lengths are refused. */
	assert_int_equal(m2m_des3_cbc_encrypt(key, 8, NULL, buf, 8, buf), M2M_ERR_ARG);
	assert_int_equal(m2m_des3_cbc_encrypt(key, 15, NULL, buf, 8, buf), M2M_ERR_ARG);
	assert_int_equal(m2m_des3_cbc_decrypt(key, 32, NULL, buf, 8, buf), M2M_ERR_ARG);
	assert_int_equal(m2m_des3_cbc_mac(key, 0, buf, 8, mac), M2M_ERR_ARG);
	assert_int_equal(m2m_des3_cbc_mac(key, 17, buf, 8, mac), M2M_ERR_ARG);
	/* Not whole blocks, or nothing. */
	assert_int_equal(m2m_des3_cbc_encrypt(key, 16, NULL, buf, 7, buf), M2M_ERR_ARG);
	assert_int_equal(m2m_des3_cbc_decrypt(key, 24, NULL, buf, 12, buf), M2M_ERR_ARG);
	assert_int_equal(m2m_des3_cbc_encrypt(key, 16, NULL, buf, 0, buf), M2M_ERR_ARG);
	assert_int_equal(m2m_des3_cbc_mac(key, 16, buf, 0, mac), M2M_ERR_ARG);
	/* NULL pointers. */
	assert_int_equal(m2m_des3_cbc_encrypt(NULL, 16, NULL, buf, 8, buf), M2M_ERR_ARG);
	assert_int_equal(m2m_des3_cbc_decrypt(key, 16, NULL, NULL, 8, buf), M2M_ERR_ARG);
	assert_int_equal(m2m_des3_cbc_mac(key, 16, NULL, 8, mac), M2M_ERR_ARG);
	assert_int_equal(m2m_des3_cbc_mac(key, 16, buf, 8, NULL), M2M_ERR_ARG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cavp_tcbcmmt3_encrypt_count0_1_3),
		cmocka_unit_test(cavp_tcbcmmt3_decrypt_count0_2),
		cmocka_unit_test(cavp_tcbcmmt2_encrypt_count1_decrypt_count0_1),
		cmocka_unit_test(pysim_test_ota_scp80_3des_cc),
		cmocka_unit_test(des3_cbc_mac_is_last_cbc_block),
		cmocka_unit_test(des3_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
