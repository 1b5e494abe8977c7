/* The ISD-R key protection of an EIS: KCVs, transport wrapping, unwrapping with checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/hex.h"
#include "smsr/eis_keys.h"

static void hex(const char *h, uint8_t *out, size_t n)
{
	assert_int_equal(m2m_hex_decode_exact(h, out, n), M2M_OK);
}

/* pySim tests/unittests/test_globalplatform.py (commit 597f1e0), SCP03_KCV_Test: the KCVs of
 * the AES-128 key set 000102.., 101112.., 202122... */
static void kcv_aes_known_answer(void **state)
{
	static const char *keys[3] = {"000102030405060708090a0b0c0d0e0f",
				      "101112131415161718191a1b1c1d1e1f",
				      "202122232425262728292a2b2c2d2e2f"};
	static const char *kcvs[3] = {"c35280", "013808", "840de5"};
	uint8_t k[16], want[3], got[3];

	(void)state;
	for (int i = 0; i < 3; i++) {
		hex(keys[i], k, 16);
		hex(kcvs[i], want, 3);
		assert_int_equal(m2m_eis_kcv(M2M_EIS_KEYTYPE_AES, k, 16, got), M2M_OK);
		assert_memory_equal(got, want, 3);
		/* A PSK-TLS key has the AES rule. */
		assert_int_equal(m2m_eis_kcv(M2M_EIS_KEYTYPE_PSK_TLS, k, 16, got), M2M_OK);
		assert_memory_equal(got, want, 3);
	}
}

/* DES: the first bytes of 3DES-ECB(key, 00 x 8); reference computed with
 * `openssl enc -des-ede3 -K 404142...4F4041424344454647 -nopad` over 8 zero bytes. */
static void kcv_des(void **state)
{
	uint8_t k[16], want[3], got[3];

	(void)state;
	hex("404142434445464748494a4b4c4d4e4f", k, 16);
	hex("8baf47", want, 3);
	assert_int_equal(m2m_eis_kcv(M2M_EIS_KEYTYPE_DES, k, 16, got), M2M_OK);
	assert_memory_equal(got, want, 3);
	assert_int_equal(m2m_eis_kcv(0x99, k, 16, got), M2M_ERR_UNSUPPORTED);
	assert_int_equal(m2m_eis_kcv(M2M_EIS_KEYTYPE_AES, k, 15, got), M2M_ERR_UNSUPPORTED);
}

/* FIPS-197 appendix C.1: AES-128(000102..0F, 00112233..FF) = 69C4E0D86A7B0430D8CDB78070B4C55A.
 * A 16-byte key wraps to that block followed by the full PKCS#7 padding block. */
static void wrap_known_answer(void **state)
{
	uint8_t tk[16], key[16], want[16], out[M2M_EIS_KEY_WIRE_MAX], back[M2M_EIS_KEY_WIRE_MAX];
	size_t n = 0, m = 0;

	(void)state;
	hex("000102030405060708090a0b0c0d0e0f", tk, 16);
	hex("00112233445566778899aabbccddeeff", key, 16);
	hex("69c4e0d86a7b0430d8cdb78070b4c55a", want, 16);
	assert_int_equal(m2m_eis_key_wrap(tk, 16, key, 16, out, &n), M2M_OK);
	assert_int_equal(n, 32);
	assert_memory_equal(out, want, 16);
	assert_int_equal(m2m_eis_key_unwrap(tk, 16, out, n, back, &m), M2M_OK);
	assert_int_equal(m, 16);
	assert_memory_equal(back, key, 16);
	/* 24 and 32-byte keys pad to 32 and 48 bytes. */
	assert_int_equal(m2m_eis_key_wrap(tk, 16, key, 8, out, &n), M2M_OK);
	assert_int_equal(n, 16);
	uint8_t k32[32];
	memset(k32, 0x5A, sizeof k32);
	assert_int_equal(m2m_eis_key_wrap(tk, 16, k32, 32, out, &n), M2M_OK);
	assert_int_equal(n, 48);
	assert_int_equal(m2m_eis_key_unwrap(tk, 16, out, n, back, &m), M2M_OK);
	assert_int_equal(m, 32);
	assert_memory_equal(back, k32, 32);
}

static void unwrap_negative(void **state)
{
	uint8_t tk[16], tk2[16], key[16], out[M2M_EIS_KEY_WIRE_MAX], back[M2M_EIS_KEY_WIRE_MAX];
	size_t n = 0, m = 0;

	(void)state;
	memset(tk, 0x01, 16);
	memset(tk2, 0x02, 16);
	memset(key, 0x77, 16);
	assert_int_equal(m2m_eis_key_wrap(tk, 16, key, 16, out, &n), M2M_OK);
	/* Not whole blocks, empty, too long. */
	assert_int_equal(m2m_eis_key_unwrap(tk, 16, out, 31, back, &m), M2M_ERR_FORMAT);
	assert_int_equal(m2m_eis_key_unwrap(tk, 16, out, 0, back, &m), M2M_ERR_FORMAT);
	assert_int_equal(m2m_eis_key_unwrap(tk, 16, out, 64, back, &m), M2M_ERR_FORMAT);
	/* Another transport key breaks the padding (a 1/256 chance aside: the KCV catches it;
	 * with these fixed values the padding is wrong). */
	assert_int_equal(m2m_eis_key_unwrap(tk2, 16, out, n, back, &m), M2M_ERR_VERIFY);
	/* The padding block alone decrypts to 16 bytes of 10: no key left. */
	assert_int_equal(m2m_eis_key_unwrap(tk, 16, out + 16, 16, back, &m), M2M_ERR_VERIFY);
}

static void tk_parse(void **state)
{
	uint8_t k[M2M_EIS_TK_MAX];
	size_t n = 0;

	(void)state;
	assert_int_equal(m2m_eis_tk_parse("000102030405060708090A0B0C0D0E0F", k, &n), M2M_OK);
	assert_int_equal(n, 16);
	assert_int_equal(m2m_eis_tk_parse("0001", k, &n), M2M_ERR_FORMAT);
	assert_int_equal(m2m_eis_tk_parse("zz0102030405060708090A0B0C0D0E0F", k, &n),
			 M2M_ERR_FORMAT);
	assert_int_equal(m2m_eis_tk_parse(NULL, k, &n), M2M_ERR_FORMAT);
}

/* Unwrapping a whole EIS: all or nothing, with the ISD-R subject and the key named. */
static void keys_unwrap_eis(void **state)
{
	m2m_eis e;
	m2m_ws_exec_status st;
	uint8_t tk[16], key[16];
	m2m_eis_key *k;

	(void)state;
	memset(tk, 0x33, 16);
	memset(key, 0x11, 16);
	m2m_eis_init(&e);
	e.isdr.nkeysets = 1;
	e.isdr.keysets[0].version = 1;
	e.isdr.keysets[0].nkeys = 2;
	for (int i = 0; i < 2; i++) {
		k = &e.isdr.keysets[0].keys[i];
		k->index = (uint8_t)(i + 1);
		k->type = M2M_EIS_KEYTYPE_AES;
		k->wrapped = true;
		k->kcv_len = 3;
		assert_int_equal(m2m_eis_kcv(k->type, key, 16, k->kcv), M2M_OK);
		assert_int_equal(m2m_eis_key_wrap(tk, 16, key, 16, k->value, &k->len), M2M_OK);
	}
	/* A wrong KCV on the second key: nothing is unwrapped. */
	e.isdr.keysets[0].keys[1].kcv[0] ^= 1;
	assert_int_equal(m2m_eis_keys_unwrap(&e, tk, 16, &st), M2M_ERR_VERIFY);
	assert_string_equal(st.subject, "8.4");
	assert_string_equal(st.reason, "6.1");
	assert_non_null(strstr(st.message, "key set 1 key 2"));
	assert_true(e.isdr.keysets[0].keys[0].wrapped);
	/* No transport key at all. */
	assert_int_equal(m2m_eis_keys_unwrap(&e, NULL, 0, &st), M2M_ERR_STATE);
	assert_string_equal(st.reason, "4.2");
	e.isdr.keysets[0].keys[1].kcv[0] ^= 1;
	assert_int_equal(m2m_eis_keys_unwrap(&e, tk, 16, &st), M2M_OK);
	for (int i = 0; i < 2; i++) {
		k = &e.isdr.keysets[0].keys[i];
		assert_false(k->wrapped);
		assert_int_equal(k->len, 16);
		assert_memory_equal(k->value, key, 16);
	}
	m2m_eis_clear(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kcv_aes_known_answer), cmocka_unit_test(kcv_des),
		cmocka_unit_test(wrap_known_answer),    cmocka_unit_test(unwrap_negative),
		cmocka_unit_test(tk_parse),             cmocka_unit_test(keys_unwrap_eis),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
