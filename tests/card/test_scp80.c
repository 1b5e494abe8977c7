/*
 * SCP80 command packets and PoRs. Known answers: osmocom/pysim tests/unittests/test_ota.py
 * @597f1e0398bb81d6832dc92ee4dfdcada59d3d82 (SmsOtaTestCase, Test_SMS_AES128, Test_SMS_3DES).
 * pySim leaves the CPL out of unciphered packets; the CPL is restored here (its CC covers it).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "card/scp80.h"
#include "core/hex.h"

#define APDU_B00011 "00a40004023f00"
#define APDU_B00000 "00a40000023f00"
#define AES_KIC "200102030405060708090a0b0c0d0e0f"
#define AES_KID "201102030405060708090a0b0c0d0e0f"
#define SJA5_KIC "300102030405060708090a0b0c0d0e0f"
#define SJA5_KID "301102030405060708090a0b0c0d0e0f"
#define KIC3 "C21DD66ACAC13CB3BC8B331B24AFB57B"
#define KID3 "12110C78E678C25408233076AA033615"

static void hexbuf(const char *hex, m2m_buf *b)
{
	m2m_buf_init(b);
	assert_int_equal(m2m_hex_decode_buf(hex, b), M2M_OK);
}

static void set_keys(m2m_scp80_keys *k, const char *kic, const char *kid)
{
	uint8_t b[32];
	size_t n;
	memset(k, 0, sizeof *k);
	assert_int_equal(m2m_hex_decode(kic, b, sizeof b, &n), M2M_OK);
	assert_int_equal(m2m_scp80_key_set(&k->kic, b, n), M2M_OK);
	assert_int_equal(m2m_hex_decode(kid, b, sizeof b, &n), M2M_OK);
	assert_int_equal(m2m_scp80_key_set(&k->kid, b, n), M2M_OK);
}

static void set_hdr(m2m_scp80_hdr *h, uint16_t spi, uint8_t kic, uint8_t kid, uint32_t tar,
		    uint64_t counter)
{
	memset(h, 0, sizeof *h);
	h->spi[0] = (uint8_t)(spi >> 8);
	h->spi[1] = (uint8_t)spi;
	h->kic = kic;
	h->kid = kid;
	h->tar[0] = (uint8_t)(tar >> 16);
	h->tar[1] = (uint8_t)(tar >> 8);
	h->tar[2] = (uint8_t)tar;
	h->counter = counter;
}

static void assert_hex(const m2m_buf *b, const char *want)
{
	char got[1024];
	assert_true(b->len * 2 < sizeof got);
	m2m_hex_encode(b->data, b->len, got);
	char lower[1024];
	size_t n = strlen(want);
	assert_true(n < sizeof lower);
	for (size_t i = 0; i <= n; i++)
		lower[i] = (char)(want[i] >= 'A' && want[i] <= 'F' ? want[i] + 32 : want[i]);
	assert_string_equal(got, lower);
}

typedef struct {
	const char *name;
	uint16_t spi;
	uint8_t kic, kid;
	const char *kic_key, *kid_key;
	uint32_t tar;
	const char *apdu;
	const char *packet;
} cmd_vector;

static const cmd_vector cmd_vectors[] = {
	{"AES128-SJA5-CIPHERED-CC", 0x0619, 0x22, 0x22, AES_KIC, AES_KID, 0xB00011, APDU_B00011,
	 "00281506192222b00011e87cceebb2d93083011ce294f93fc4d8de80da1abae8c37ca3e72ec4432e5058"},
	{"3DES-SJA5-CIPHERED-CC", 0x0619, 0x35, 0x35, SJA5_KIC, SJA5_KID, 0xB00011, APDU_B00011,
	 "00201506193535b00011ae733256918d050b87c94fbfe12e4dc402f262c41cf67f2f"},
	{"3DES-SJA5-UNCIPHERED-CC (SPI2 09)", 0x0609, 0x35, 0x35, SJA5_KIC, SJA5_KID, 0xB00011,
	 APDU_B00011, "00201506093535b00011c49ac91ab8159ba5b83a54fb6385e0a5e31694f8b215fafc"},
	{"3DES-SJA5-UNCIPHERED-NOCC (SPI2 01)", 0x0601, 0x35, 0x35, SJA5_KIC, SJA5_KID, 0xB00011,
	 APDU_B00011, "00201506013535b000113190be334900f52b025f3f7eddfe868e96ebf310023b7769"},
	{"Test_SMS_3DES ciphered, no CC", 0x0419, 0x35, 0x35, KIC3, KID3, 0xB00000, APDU_B00000,
	 "00180d04193535b00000e3ec80a849b554421276af3883927c20"},
	{"Test_SMS_3DES CC, not ciphered (+CPL 001d)", 0x0219, 0x35, 0x35, KIC3, KID3, 0xB00000,
	 APDU_B00000, "001d1502193535b00000000000000000072ea17bdb72060e00a40000023f00"},
	{"Test_SMS_3DES no CC, not ciphered (+CPL 0015)", 0x0019, 0x35, 0x35, KIC3, KID3,
	 0xB00000, APDU_B00000, "00150d00193535b0000000000000000000a40000023f00"},
};

static void test_command_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cmd_vectors / sizeof cmd_vectors[0]; i++) {
		const cmd_vector *v = &cmd_vectors[i];
		m2m_scp80_hdr h, got;
		m2m_scp80_keys k;
		m2m_buf apdu, out, data;
		uint8_t status = 0xFF;
		print_message("vector %s\n", v->name);
		set_hdr(&h, v->spi, v->kic, v->kid, v->tar, 0);
		set_keys(&k, v->kic_key, v->kid_key);
		hexbuf(v->apdu, &apdu);
		m2m_buf_init(&out);
		m2m_buf_init(&data);
		assert_int_equal(m2m_scp80_wrap(&h, &k, apdu.data, apdu.len, &out), M2M_OK);
		assert_hex(&out, v->packet);
		uint64_t last = 0;
		const uint64_t *lastp = (v->spi >> 11 & 3) >= 2 ? &last : NULL;
		assert_int_equal(m2m_scp80_unwrap_command(out.data, out.len, &k, lastp, &got,
							  &status, &data),
				 M2M_OK);
		assert_int_equal(status, M2M_POR_OK);
		assert_int_equal(data.len, apdu.len);
		assert_memory_equal(data.data, apdu.data, apdu.len);
		assert_memory_equal(got.tar, h.tar, 3);
		assert_memory_equal(got.spi, h.spi, 2);
		assert_int_equal(got.kic, v->kic);
		assert_int_equal(got.kid, v->kid);
		assert_int_equal(got.counter, 0);
		m2m_scp80_keys_wipe(&k);
		m2m_buf_free(&apdu);
		m2m_buf_free(&out);
		m2m_buf_free(&data);
	}
}

typedef struct {
	const char *name;
	uint16_t spi;
	uint8_t kic, kid;
	const char *kic_key, *kid_key;
	const char *por;  /* with UDH 027100, as pySim gives it */
	const char *data; /* compact remote response: 1 command, SW */
} por_vector;

static const por_vector por_vectors[] = {
	{"AES128-SJA5-CIPHERED-CC", 0x0619, 0x22, 0x22, AES_KIC, AES_KID,
	 "027100002412b00011ebc6b497e2cad7aedf36ace0e3a29b38853f0fe9ccde81913be5702b73abce1f",
	 "016132"},
	{"3DES-SJA5-CIPHERED-CC", 0x0619, 0x35, 0x35, SJA5_KIC, SJA5_KID,
	 "027100001c12b000118bb989492c632529326a2f4681feb37c825bc9021c9f6d0b", "016132"},
	{"3DES-SJA5-UNCIPHERED-CC", 0x0609, 0x35, 0x35, SJA5_KIC, SJA5_KID,
	 "027100001612b0001100000000000000b5bcd6353a421fae016132", "016132"},
	{"3DES-SJA5-UNCIPHERED-NOCC", 0x0601, 0x35, 0x35, SJA5_KIC, SJA5_KID,
	 "027100000e0ab0001100000000000000016132", "016132"},
	{"Test_SMS_3DES resp ciphered", 0x0619, 0x35, 0x35, KIC3, KID3,
	 "027100001c12b000119660ebdb81be189b5e4389e9e7ab2bc0954f963ad869ed7c", "01612f"},
	{"Test_SMS_3DES resp signed", 0x0609, 0x35, 0x35, KIC3, KID3,
	 "027100001612b000110000000000000055f47118381175fb01612f", "01612f"},
	{"Test_SMS_3DES resp none", 0x0601, 0x35, 0x35, KIC3, KID3,
	 "027100000e0ab000110000000000000001612f", "01612f"},
};

static void test_por_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof por_vectors / sizeof por_vectors[0]; i++) {
		const por_vector *v = &por_vectors[i];
		m2m_scp80_keys k;
		m2m_scp80_rsp rsp;
		m2m_scp80_hdr cmd;
		m2m_buf por, data, again;
		uint8_t spi[2] = {(uint8_t)(v->spi >> 8), (uint8_t)v->spi};
		print_message("PoR vector %s\n", v->name);
		set_keys(&k, v->kic_key, v->kid_key);
		hexbuf(v->por, &por);
		m2m_buf_init(&data);
		m2m_buf_init(&again);
		/* Server side: open (the library takes the packet after the UDH). */
		assert_int_equal(m2m_scp80_unwrap_response(spi, v->kic, v->kid, &k, por.data + 3,
							   por.len - 3, &rsp, &data),
				 M2M_OK);
		assert_int_equal(rsp.status, M2M_POR_OK);
		assert_int_equal(rsp.counter, 0);
		assert_hex(&data, v->data);
		/* Card side: the same PoR rebuilt byte for byte. */
		set_hdr(&cmd, v->spi, v->kic, v->kid, 0xB00011, 0);
		assert_int_equal(m2m_scp80_wrap_response(&cmd, &k, M2M_POR_OK, data.data, data.len,
							 &again),
				 M2M_OK);
		assert_int_equal(again.len, por.len - 3);
		assert_memory_equal(again.data, por.data + 3, again.len);
		m2m_scp80_keys_wipe(&k);
		m2m_buf_free(&por);
		m2m_buf_free(&data);
		m2m_buf_free(&again);
	}
}

/* pySim test_resp_3des_signed_err: one byte of the data changed, the CC must fail. */
static void test_por_bad_cc(void **state)
{
	(void)state;
	m2m_scp80_keys k;
	m2m_scp80_rsp rsp;
	m2m_buf por, data;
	uint8_t spi[2] = {0x06, 0x09};
	set_keys(&k, KIC3, KID3);
	hexbuf("027100001612b000110000000000000055f47118381175fb02612f", &por);
	m2m_buf_init(&data);
	assert_int_equal(m2m_scp80_unwrap_response(spi, 0x35, 0x35, &k, por.data + 3, por.len - 3,
						   &rsp, &data),
			 M2M_ERR_VERIFY);
	assert_int_equal(data.len, 0);
	/* A PoR whose RHL does not match SPI2 is malformed. */
	spi[1] = 0x01;
	assert_int_equal(m2m_scp80_unwrap_response(spi, 0x35, 0x35, &k, por.data + 3, por.len - 3,
						   &rsp, &data),
			 M2M_ERR_FORMAT);
	m2m_scp80_keys_wipe(&k);
	m2m_buf_free(&por);
	m2m_buf_free(&data);
}

/* Every check x every cipher x every counter mode, both directions against each other. */
typedef struct {
	uint8_t chk;   /* SPI b2b1 */
	uint8_t kid;   /* algorithm nibble */
	size_t key_len;
} chk_case;

static const chk_case chk_cases[] = {
	{M2M_SCP80_CHK_NONE, 0x0, 16},  {M2M_SCP80_CHK_RC, M2M_SCP80_ALG_CRC16, 16},
	{M2M_SCP80_CHK_RC, M2M_SCP80_ALG_CRC32, 16}, {M2M_SCP80_CHK_CC, M2M_SCP80_ALG_AES, 16},
	{M2M_SCP80_CHK_CC, M2M_SCP80_ALG_AES, 32},  {M2M_SCP80_CHK_CC, M2M_SCP80_ALG_3DES2, 16},
	{M2M_SCP80_CHK_CC, M2M_SCP80_ALG_3DES3, 24},
};

typedef struct {
	bool on;
	uint8_t kic;
	size_t key_len;
} cipher_case;

static const cipher_case cipher_cases[] = {
	{false, 0x0, 16}, {true, M2M_SCP80_ALG_AES, 16}, {true, M2M_SCP80_ALG_AES, 24},
	{true, M2M_SCP80_ALG_3DES2, 16}, {true, M2M_SCP80_ALG_3DES3, 24},
};

static void make_keys(m2m_scp80_keys *k, size_t kic_len, size_t kid_len)
{
	uint8_t b[32];
	for (size_t i = 0; i < sizeof b; i++)
		b[i] = (uint8_t)(0x40 + i * 7);
	memset(k, 0, sizeof *k);
	assert_int_equal(m2m_scp80_key_set(&k->kic, b, kic_len), M2M_OK);
	b[0] ^= 0xFF;
	assert_int_equal(m2m_scp80_key_set(&k->kid, b, kid_len), M2M_OK);
}

static void roundtrip_one(const chk_case *c, const cipher_case *ci, unsigned mode, size_t len)
{
	uint8_t msg[300];
	for (size_t i = 0; i < len; i++)
		msg[i] = (uint8_t)(i * 13 + 1);
	uint8_t spi1 = (uint8_t)(c->chk | (ci->on ? M2M_SCP80_SPI1_CIPHER : 0) |
				 mode << M2M_SCP80_SPI1_CNTR_SHIFT);
	/* The PoR mirrors the command's protection. */
	uint8_t spi2 = (uint8_t)(M2M_SCP80_POR_ALWAYS | c->chk << M2M_SCP80_SPI2_CHK_SHIFT |
				 (ci->on ? M2M_SCP80_SPI2_CIPHER : 0) | M2M_SCP80_SPI2_VIA_SUBMIT);
	m2m_scp80_hdr h, got;
	m2m_scp80_keys k;
	m2m_scp80_rsp rsp;
	m2m_buf pkt, data, por, rdata;
	uint8_t status;
	uint64_t last = 0x0000000041;
	set_hdr(&h, (uint16_t)(spi1 << 8 | spi2), (uint8_t)(0x10 | ci->kic),
		(uint8_t)(0x20 | c->kid), 0x000001, last + 1);
	make_keys(&k, ci->key_len, c->key_len);
	m2m_buf_init(&pkt);
	m2m_buf_init(&data);
	m2m_buf_init(&por);
	m2m_buf_init(&rdata);
	assert_int_equal(m2m_scp80_wrap(&h, &k, msg, len, &pkt), M2M_OK);
	assert_int_equal(m2m_scp80_unwrap_command(pkt.data, pkt.len, &k, &last, &got, &status,
						  &data),
			 M2M_OK);
	assert_int_equal(status, M2M_POR_OK);
	assert_int_equal(got.counter, h.counter);
	assert_int_equal(data.len, len);
	if (len > 0)
		assert_memory_equal(data.data, msg, len);
	if (ci->on)
		assert_int_equal((pkt.len - 10) % (ci->kic == M2M_SCP80_ALG_AES ? 16 : 8), 0);
	/* Tampering with any byte after the clear header is caught when there is an RC/CC. */
	if (c->chk != M2M_SCP80_CHK_NONE) {
		pkt.data[pkt.len - 1] ^= 0x01;
		m2m_buf_reset(&data);
		assert_int_equal(m2m_scp80_unwrap_command(pkt.data, pkt.len, &k, &last, &got,
							  &status, &data),
				 M2M_ERR_VERIFY);
		assert_int_equal(status, M2M_POR_RC_CC_DS_FAILED);
		assert_int_equal(data.len, 0);
	}
	/* PoR both ways. */
	assert_int_equal(m2m_scp80_wrap_response(&h, &k, M2M_POR_OK, msg, len, &por), M2M_OK);
	assert_int_equal(m2m_scp80_unwrap_response(h.spi, h.kic, h.kid, &k, por.data, por.len,
						   &rsp, &rdata),
			 M2M_OK);
	assert_int_equal(rsp.counter, h.counter);
	assert_memory_equal(rsp.tar, h.tar, 3);
	assert_int_equal(rdata.len, len);
	if (len > 0)
		assert_memory_equal(rdata.data, msg, len);
	if (c->chk != M2M_SCP80_CHK_NONE) {
		por.data[por.len - 1] ^= 0x80;
		m2m_buf_reset(&rdata);
		assert_int_equal(m2m_scp80_unwrap_response(h.spi, h.kic, h.kid, &k, por.data,
							   por.len, &rsp, &rdata),
				 M2M_ERR_VERIFY);
	}
	m2m_scp80_keys_wipe(&k);
	m2m_buf_free(&pkt);
	m2m_buf_free(&data);
	m2m_buf_free(&por);
	m2m_buf_free(&rdata);
}

static void test_roundtrip_all_spi(void **state)
{
	(void)state;
	static const size_t lens[] = {0, 1, 7, 8, 15, 16, 17, 120, 300};
	for (size_t c = 0; c < sizeof chk_cases / sizeof chk_cases[0]; c++)
		for (size_t ci = 0; ci < sizeof cipher_cases / sizeof cipher_cases[0]; ci++)
			for (unsigned mode = 0; mode < 4; mode++)
				for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++)
					roundtrip_one(&chk_cases[c], &cipher_cases[ci], mode,
						      lens[l]);
}

/* Wraps one CC + ciphered packet with `counter` and opens it against `last`. */
static m2m_err open_with_counter(unsigned mode, uint64_t counter, uint64_t last,
				 uint8_t *status)
{
	m2m_scp80_hdr h, got;
	m2m_scp80_keys k;
	m2m_buf pkt, data;
	uint8_t spi1 = (uint8_t)(0x06 | mode << M2M_SCP80_SPI1_CNTR_SHIFT);
	set_hdr(&h, (uint16_t)(spi1 << 8 | 0x39), 0x12, 0x12, M2M_SCP80_TAR_ISDR, counter);
	make_keys(&k, 16, 16);
	m2m_buf_init(&pkt);
	m2m_buf_init(&data);
	assert_int_equal(m2m_scp80_wrap(&h, &k, (const uint8_t *)"\x80\xCA\x00\x00", 4, &pkt),
			 M2M_OK);
	m2m_err err = m2m_scp80_unwrap_command(pkt.data, pkt.len, &k, &last, &got, status, &data);
	if (err != M2M_OK)
		assert_int_equal(data.len, 0);
	m2m_scp80_keys_wipe(&k);
	m2m_buf_free(&pkt);
	m2m_buf_free(&data);
	return err;
}

static void test_counter_modes(void **state)
{
	(void)state;
	uint8_t st;
	/* 00 and 01: no replay check at all. */
	assert_int_equal(open_with_counter(M2M_SCP80_CNTR_NONE, 1, 9, &st), M2M_OK);
	assert_int_equal(open_with_counter(M2M_SCP80_CNTR_NO_CHECK, 9, 9, &st), M2M_OK);
	/* 10: higher than the last one. */
	assert_int_equal(open_with_counter(M2M_SCP80_CNTR_HIGHER, 10, 9, &st), M2M_OK);
	assert_int_equal(open_with_counter(M2M_SCP80_CNTR_HIGHER, 500, 9, &st), M2M_OK);
	assert_int_equal(open_with_counter(M2M_SCP80_CNTR_HIGHER, 9, 9, &st), M2M_ERR_STATE);
	assert_int_equal(st, M2M_POR_CNTR_LOW); /* replay */
	assert_int_equal(open_with_counter(M2M_SCP80_CNTR_HIGHER, 3, 9, &st), M2M_ERR_STATE);
	assert_int_equal(st, M2M_POR_CNTR_LOW);
	/* 11: exactly one higher. */
	assert_int_equal(open_with_counter(M2M_SCP80_CNTR_ONE_HIGHER, 10, 9, &st), M2M_OK);
	assert_int_equal(open_with_counter(M2M_SCP80_CNTR_ONE_HIGHER, 9, 9, &st), M2M_ERR_STATE);
	assert_int_equal(st, M2M_POR_CNTR_LOW);
	assert_int_equal(open_with_counter(M2M_SCP80_CNTR_ONE_HIGHER, 11, 9, &st), M2M_ERR_STATE);
	assert_int_equal(st, M2M_POR_CNTR_HIGH);
	/* The stored counter at its maximum blocks the key set. */
	assert_int_equal(open_with_counter(M2M_SCP80_CNTR_HIGHER, M2M_SCP80_CNTR_MAX,
					   M2M_SCP80_CNTR_MAX, &st),
			 M2M_ERR_STATE);
	assert_int_equal(st, M2M_POR_CNTR_BLOCKED);
	assert_int_equal(open_with_counter(M2M_SCP80_CNTR_HIGHER, M2M_SCP80_CNTR_MAX,
					   M2M_SCP80_CNTR_MAX - 1, &st),
			 M2M_OK);
	/* Counters wider than 5 bytes cannot be sent. */
	m2m_scp80_hdr h;
	m2m_scp80_keys k;
	m2m_buf out;
	m2m_buf_init(&out);
	make_keys(&k, 16, 16);
	set_hdr(&h, 0x1639, 0x12, 0x12, 1, M2M_SCP80_CNTR_MAX + 1);
	assert_int_equal(m2m_scp80_wrap(&h, &k, NULL, 0, &out), M2M_ERR_ARG);
	m2m_buf_free(&out);
}

/* The bad-CC / truncated / malformed cases on the SGP.02 default SPI. */
static void test_malformed_commands(void **state)
{
	(void)state;
	m2m_scp80_hdr h, got;
	m2m_scp80_keys k;
	m2m_buf pkt, data;
	uint8_t st;
	set_hdr(&h, 0x1639, 0x12, 0x12, M2M_SCP80_TAR_ISDR, 1);
	make_keys(&k, 16, 16);
	m2m_buf_init(&pkt);
	m2m_buf_init(&data);
	assert_int_equal(m2m_scp80_wrap(&h, &k, (const uint8_t *)"\xAA\x00", 2, &pkt), M2M_OK);
	/* Every truncation is refused, none crashes. */
	for (size_t n = 0; n < pkt.len; n++) {
		m2m_err err = m2m_scp80_unwrap_command(pkt.data, n, &k, NULL, &got, &st, &data);
		assert_int_not_equal(err, M2M_OK);
		assert_int_equal(data.len, 0);
	}
	/* Truncated with the CPL fixed up: the ciphertext is no longer whole blocks. */
	pkt.data[1]--;
	assert_int_equal(m2m_scp80_unwrap_command(pkt.data, pkt.len - 1, &k, NULL, &got, &st,
						  &data),
			 M2M_ERR_FORMAT);
	assert_int_equal(st, M2M_POR_CIPHERING_ERROR);
	assert_memory_equal(got.tar, "\x00\x00\x01", 3); /* enough for the PoR */
	pkt.data[1]++;
	/* A trailing byte after CPL. */
	assert_int_equal(m2m_buf_append_u8(&pkt, 0), M2M_OK);
	assert_int_equal(m2m_scp80_unwrap_command(pkt.data, pkt.len, &k, NULL, &got, &st, &data),
			 M2M_ERR_FORMAT);
	pkt.len--;
	/* CHL that does not fit the SPI. */
	pkt.data[2] = 0x11;
	assert_int_equal(m2m_scp80_unwrap_command(pkt.data, pkt.len, &k, NULL, &got, &st, &data),
			 M2M_ERR_FORMAT);
	pkt.data[2] = 0x15;
	/* The wrong KID key: CC fails. */
	m2m_scp80_keys bad = k;
	bad.kid.key[3] ^= 1;
	assert_int_equal(m2m_scp80_unwrap_command(pkt.data, pkt.len, &bad, NULL, &got, &st, &data),
			 M2M_ERR_VERIFY);
	assert_int_equal(st, M2M_POR_RC_CC_DS_FAILED);
	/* A header byte (TAR) changed: the CC covers the clear header too. */
	pkt.data[9] ^= 0x01;
	assert_int_equal(m2m_scp80_unwrap_command(pkt.data, pkt.len, &k, NULL, &got, &st, &data),
			 M2M_ERR_VERIFY);
	pkt.data[9] ^= 0x01;
	/* Key missing for the algorithm. */
	bad.kic.len = 0;
	assert_int_equal(m2m_scp80_unwrap_command(pkt.data, pkt.len, &bad, NULL, &got, &st, &data),
			 M2M_ERR_ARG);
	assert_int_equal(m2m_scp80_unwrap_command(pkt.data, pkt.len, &k, NULL, &got, &st, &data),
			 M2M_OK);
	m2m_scp80_keys_wipe(&k);
	m2m_scp80_keys_wipe(&bad);
	m2m_buf_free(&pkt);
	m2m_buf_free(&data);
}

static void test_refused_algorithms(void **state)
{
	(void)state;
	m2m_scp80_hdr h;
	m2m_scp80_keys k;
	m2m_buf out;
	size_t len;
	m2m_buf_init(&out);
	make_keys(&k, 16, 16);
	set_hdr(&h, 0x0339, 0x12, 0x12, 1, 0); /* DS */
	assert_int_equal(m2m_scp80_wrap(&h, &k, NULL, 0, &out), M2M_ERR_UNSUPPORTED);
	assert_int_equal(m2m_scp80_check_len(M2M_SCP80_CHK_DS, 0x12, &len), M2M_ERR_UNSUPPORTED);
	set_hdr(&h, 0x0639, 0x10, 0x12, 1, 0); /* KIc implicit */
	assert_int_equal(m2m_scp80_wrap(&h, &k, NULL, 0, &out), M2M_ERR_UNSUPPORTED);
	set_hdr(&h, 0x0639, 0x11, 0x12, 1, 0); /* single DES */
	assert_int_equal(m2m_scp80_wrap(&h, &k, NULL, 0, &out), M2M_ERR_UNSUPPORTED);
	set_hdr(&h, 0x0139, 0x12, 0x12, 1, 0); /* KID 2 is not an RC algorithm */
	assert_int_equal(m2m_scp80_wrap(&h, &k, NULL, 0, &out), M2M_ERR_UNSUPPORTED);
	set_hdr(&h, 0x0639, 0x19, 0x12, 1, 0); /* 3DES 3 keys with a 16-byte key */
	assert_int_equal(m2m_scp80_wrap(&h, &k, NULL, 0, &out), M2M_ERR_ARG);
	assert_int_equal(out.len, 0);
	assert_int_equal(m2m_scp80_check_len(M2M_SCP80_CHK_RC, 0x01, &len), M2M_OK);
	assert_int_equal(len, 2);
	assert_int_equal(m2m_scp80_check_len(M2M_SCP80_CHK_RC, 0x05, &len), M2M_OK);
	assert_int_equal(len, 4);
	m2m_scp80_keys_wipe(&k);
	assert_int_equal(k.kic.len, 0);
	m2m_buf_free(&out);
}

/* The RC of an unciphered CRC32 packet is zlib's CRC over CPL..data (pySim encode_cmd). */
static void test_rc_crc32_value(void **state)
{
	(void)state;
	m2m_scp80_hdr h;
	m2m_scp80_keys k;
	m2m_buf out;
	memset(&k, 0, sizeof k);
	m2m_buf_init(&out);
	set_hdr(&h, 0x0100, 0x00, 0x05, 0xB00000, 0);
	assert_int_equal(m2m_scp80_wrap(&h, &k, (const uint8_t *)"\x00\xa4\x00\x00\x02\x3f\x00", 7,
					&out),
			 M2M_OK);
	/* CRC32 of 0019 11 0100 00 05 b00000 0000000000 00 00a40000023f00 (python zlib.crc32). */
	assert_hex(&out, "00191101000005b0000000000000000044f96fc000a40000023f00");
	m2m_buf_free(&out);
}

static void test_por_rules(void **state)
{
	(void)state;
	uint8_t always[2] = {0x16, 0x39}, on_error[2] = {0x16, 0x02}, none[2] = {0x16, 0x00};
	assert_true(m2m_scp80_por_wanted(always, M2M_POR_OK));
	assert_false(m2m_scp80_por_wanted(on_error, M2M_POR_OK));
	assert_true(m2m_scp80_por_wanted(on_error, M2M_POR_CNTR_LOW));
	assert_false(m2m_scp80_por_wanted(none, M2M_POR_RC_CC_DS_FAILED));
	assert_string_equal(m2m_scp80_por_status_name(0x00), "por_ok");
	assert_string_equal(m2m_scp80_por_status_name(0x02), "cntr_low");
	assert_string_equal(m2m_scp80_por_status_name(0x0C), "actual_response_ussd");
	assert_string_equal(m2m_scp80_por_status_name(0x0D), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_command_vectors),
		cmocka_unit_test(test_por_vectors),
		cmocka_unit_test(test_por_bad_cc),
		cmocka_unit_test(test_roundtrip_all_spi),
		cmocka_unit_test(test_counter_modes),
		cmocka_unit_test(test_malformed_commands),
		cmocka_unit_test(test_refused_algorithms),
		cmocka_unit_test(test_rc_crc32_value),
		cmocka_unit_test(test_por_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
