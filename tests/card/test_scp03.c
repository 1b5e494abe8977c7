/* SCP03 against the pySim vectors: osmocom/pysim tests/unittests/test_globalplatform.py
 * (SCP03_Test_AES{128,192,256}_{11,03,33}); fact sheet names commit 597f1e0, the text read
 * was the stored copy at 078ac2b (same SCP03 vectors). Each case replays pySim's order:
 * INITIALIZE UPDATE, EXTERNAL AUTHENTICATE, GET DATA EID and its response, cases 1-4. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "card/scp03.h"
#include "core/hex.h"

typedef struct {
	const char *name;
	size_t key_len;
	uint8_t kvn;
	const char *iu_cmd, *iu_rsp, *ea_cmd, *eid_cmd, *eid_rsp;
	const char *c1, *c2, *c3, *c4;
} vec;

static const char *const EID_CMD_PLAIN = "80E2910006BF3E035C015A00";
static const char *const EID_RSP_PLAIN = "bf3e125a1089882119900000000000000000000005";
static const char *const PLAIN[4] = {"80F22002", "80ca006600", "80F220020a4f0212345c054f9f70c5",
				     "80f28002024f0000"};

static const vec V[] = {
	{"AES128_11", 16, 0x30, "8050300008b13e5f938fc108c400",
	 "000000000000000000003003703eb51047495b249f66c484c1d2ef1948000002",
	 "84821100107d5f5826a993ebc89eea24957fa0b3ce", "84e291000ebf3e035c015a558d036518a2829700",
	 "bf3e125a1089882119900000000000000000000005971be68992dbbdfa", "84f220020863a63f8959827fb2",
	 "84ca006608a0c6a4a74166f7ce00", "84f22002124f0212345c054f9f70c52249b50272656536",
	 "84f280020a4f00e91443f6dce6b8ed00"},
	{"AES128_03", 16, 0x30, "80503000088e1552d0513c60f300",
	 "0000000000000000000030037030760cd2c47c1dd395065fe5ead8a9d7000001",
	 "8482030010fd4721a14d9b07003c451d2f8ae6bb21",
	 "84e2910018ca9c00f6713d79bc8baa642bdff51c3f6a4082d3bd9ad26c00",
	 "bf3e125a1089882119900000000000000000000005", "84f2200208c9811b11f1264cf1",
	 "84ca006608e10ab60b3054798800", "84f22002184e2908bdb48b2315a55482e9e936ca122d6ecfae7d17416e",
	 "84f28002180dd10a6b6193e5340b9e77d32d5a179cd710ac2773aefb2800"},
	{"AES128_33", 16, 0x30, "8050300008fdf38259a1e0de4400",
	 "000000000000000000003003703b1aca81e821f219081cdc01c26b372d000003",
	 "84823300108c36f96bcc00724a4e13ad591d7da3f0",
	 "84e2910018267a85dfe4a98fca6fb0527e0dfecce4914e40401433c87f00",
	 "f3ba2b1013aa6224f5e1c138d71805c569e5439b47576260b75fc021b25097cb2e68f8a0144975b9",
	 "84f2200208ac6a59024bed84cc", "84ca006608409912ad8fb7aed000",
	 "84f22002185f3dafc3ac14c381536a488bf44e06d056df9d74dbd21e5a",
	 "84f280021865165105be3373347d0424d4400af2ac393f569ec779389e00"},
	{"AES192_11", 24, 0x31, "80503100087396430b768b085b00",
	 "000000000000000000003103708cfc23522ffdbf1e5df5542cac8fd866000003",
	 "84821100102145ed30b146f5db252fb7e624cec244", "84e291000ebf3e035c015aff42cf801d14394400",
	 "bf3e125a1089882119900000000000000000000005162fbd33e04940a9", "84f22002084584e4f6784811ee",
	 "84ca006608937776ebe190fa3000", "84f22002124f0212345c054f9f70c59a52bddf3040368c",
	 "84f280020a4f009804b11411f7393d00"},
	{"AES192_03", 24, 0x31, "805031000869c65da8202bf19f00",
	 "00000000000000000000310370b570a67be38446717729d6dd3d2ec5b1000001",
	 "848203001065df4f1a356a887905466516d9e5b7c1",
	 "84e2910018d2c6fb477c5d4afe4fd4d21f17eff10d3578ec1774a12a2d00",
	 "bf3e125a1089882119900000000000000000000005", "84f2200208964e188f0b1bb697",
	 "84ca006608f0820035a41d3e1800", "84f220021806b076ed452cd1fa84f77f5c08a146aa77a9286757dea791",
	 "84f2800218d06527e39222dce091fabdb8e9b898417a67a6852d3577db00"},
	{"AES192_33", 24, 0x31, "80503100089b3f2eef0e8c937400",
	 "00000000000000000000310370f6bb305a15bae1a68f79fb08212fbed7000002",
	 "84823300109100bc22d58b45b86a26365ce39ff3cf",
	 "84e29100188f7f946c84f70d17994bc6e8791251bb1bb1bf02cf8de58900",
	 "c05176c1b6f72aae50c32cbee63b0e95998928fd4dfb2be9f27ffde8c8476f5909b4805cc4039599",
	 "84f2200208d5d97754b6b3d2ba", "84ca006608516c82b8e30adbeb00",
	 "84f2200218cc247f4761e6944277a4e0d6e32e44025b1e31537e2fc668",
	 "84f2800218ba22b63d509bef5d093b43e5eaed03ed23144ab2d9cb51de00"},
	{"AES256_11", 32, 0x32, "805032000811666d57866c6f5400",
	 "0000000000000000000032037053ea8847efa7674e41498a4d66cf0dee000003",
	 "84821100102f2ad190eff2fafc4908996d1cebd310", "84e291000ebf3e035c015af4b680372542b59d00",
	 "bf3e125a10898821199000000000000000000000058012dd7f01f1c4c1", "84f2200208d618b7da68d5fe52",
	 "84ca0066088f3e055db23ad5e500", "84f22002124f0212345c054f9f70c5b6e15cc42404915e",
	 "84f280020a4f00aa124aa74afe7f7500"},
	{"AES256_03", 32, 0x32, "8050320008c6066990fc426e1d00",
	 "000000000000000000003203708682cd81bbd8919f2de3f2664581f118000001",
	 "848203001077c493b632edadaf865a1e64acc07ce9",
	 "84e29100183ddaa60594963befaada3525b492ede23c2ab2c1ce3afe4400",
	 "bf3e125a1089882119900000000000000000000005", "84f2200208480ddc8e419da38d",
	 "84ca0066083e9d6a6c0b2d732000", "84f22002183ebfef2da8b04af2a85f491f299b76973df76ff08a4031be",
	 "84f2800218783fff80990f5585b1055010ea95094a26e4a8f1ef4b18e100"},
	{"AES256_33", 32, 0x32, "805032000897b2055fe58599fd00",
	 "00000000000000000000320370a8439a22cedf045fa9f1903b2834f26e000002",
	 "8482330010508a0fd959d2e547c6b33154a6be2057",
	 "84e29100187a5ef717eaf1e135ae92fe54429d0e465decda65f5fe5aea00",
	 "ea90dbfa648a67c5eb6abc57f8530b97d0cd5647c5e8732016b55203b078dd2ace7f8bc5d1c1cd99",
	 "84f2200208bcc5c17275545d93", "84ca00660804806aba9d543bb600",
	 "84f2200218717222491556ec81a45f49ce48be33320024801a1c4cb0e0",
	 "84f2800218561f105bccd3a1642904b251ccc1228beb80a82370a8637000"},
};

/* pySim's key sets: ENC 00 01 02 .., MAC 10 11 12 .. (repeated for 192/256 bits). */
static void keys_for(const vec *v, m2m_scp03_keys *k)
{
	uint8_t enc[32], mac[32];
	for (size_t i = 0; i < 32; i++) {
		enc[i] = (uint8_t)(i % 16);
		mac[i] = (uint8_t)(0x10 + i % 16);
	}
	assert_int_equal(m2m_scp03_keys_set(k, enc, mac, v->key_len, v->kvn), M2M_OK);
}

static void unhex(const char *hex, m2m_buf *b)
{
	b->len = 0;
	assert_int_equal(m2m_hex_decode_buf(hex, b), M2M_OK);
}

/* Asserts that buffer b holds the bytes of hex (case-insensitive). */
static void expect_hex(const m2m_buf *b, const char *hex, const char *what)
{
	m2m_buf want;
	m2m_buf_init(&want);
	unhex(hex, &want);
	if (b->len != want.len || memcmp(b->data, want.data, want.len) != 0) {
		char got[1024] = "";
		if (b->len * 2 < sizeof got)
			m2m_hex_encode(b->data, b->len, got);
		fail_msg("%s: got %s want %s", what, got, hex);
	}
	m2m_buf_free(&want);
}

static void host_side(const vec *v)
{
	m2m_scp03_keys k;
	m2m_scp03 s;
	m2m_scp03_iu_resp r;
	m2m_buf in, out;
	m2m_buf_init(&in);
	m2m_buf_init(&out);
	keys_for(v, &k);
	unhex(v->iu_cmd, &in);
	uint8_t hc[8];
	memcpy(hc, in.data + 5, 8);
	assert_int_equal(m2m_scp03_iu_cmd(v->kvn, hc, &out), M2M_OK);
	expect_hex(&out, v->iu_cmd, "INITIALIZE UPDATE");

	unhex(v->iu_rsp, &in);
	assert_int_equal(m2m_scp03_iu_resp_parse(in.data, in.len, &r), M2M_OK);
	assert_int_equal(r.i, 0x70);
	assert_true(r.has_seq);
	assert_int_equal(m2m_scp03_host_open(&s, &k, hc, &r), M2M_OK);
	out.len = 0;
	unhex(v->ea_cmd, &in);
	assert_int_equal(m2m_scp03_ext_auth_cmd(&s, in.data[2], &out), M2M_OK);
	expect_hex(&out, v->ea_cmd, "EXTERNAL AUTHENTICATE");

	unhex(EID_CMD_PLAIN, &in);
	out.len = 0;
	assert_int_equal(m2m_scp03_wrap_cmd(&s, in.data, in.len, &out), M2M_OK);
	expect_hex(&out, v->eid_cmd, "wrapped GET DATA EID");
	unhex(v->eid_rsp, &in);
	out.len = 0;
	assert_int_equal(m2m_scp03_unwrap_resp(&s, in.data, in.len, 0x9000, &out), M2M_OK);
	expect_hex(&out, EID_RSP_PLAIN, "unwrapped EID response");

	const char *wrapped[4] = {v->c1, v->c2, v->c3, v->c4};
	for (size_t i = 0; i < 4; i++) {
		unhex(PLAIN[i], &in);
		out.len = 0;
		assert_int_equal(m2m_scp03_wrap_cmd(&s, in.data, in.len, &out), M2M_OK);
		expect_hex(&out, wrapped[i], "wrapped case APDU");
	}
	m2m_scp03_wipe(&s);
	m2m_buf_free(&in);
	m2m_buf_free(&out);
}

static void card_side(const vec *v)
{
	m2m_scp03_keys k;
	m2m_scp03 s;
	m2m_scp03_iu_resp r;
	m2m_buf in, out;
	m2m_buf_init(&in);
	m2m_buf_init(&out);
	keys_for(v, &k);
	unhex(v->iu_cmd, &in);
	uint8_t hc[8];
	memcpy(hc, in.data + 5, 8);
	unhex(v->iu_rsp, &in);
	assert_int_equal(m2m_scp03_iu_resp_parse(in.data, in.len, &r), M2M_OK);
	memset(r.card_cryptogram, 0, sizeof r.card_cryptogram);
	assert_int_equal(m2m_scp03_card_open(&s, &k, hc, &r), M2M_OK);
	assert_int_equal(m2m_scp03_iu_resp_build(&r, &out), M2M_OK);
	expect_hex(&out, v->iu_rsp, "card's INITIALIZE UPDATE response");

	unhex(v->ea_cmd, &in);
	assert_int_equal(m2m_scp03_card_ext_auth(&s, in.data, in.len), M2M_OK);
	unhex(v->eid_cmd, &in);
	out.len = 0;
	assert_int_equal(m2m_scp03_unwrap_cmd(&s, in.data, in.len, &out), M2M_OK);
	expect_hex(&out, EID_CMD_PLAIN, "card-unwrapped GET DATA EID");
	unhex(EID_RSP_PLAIN, &in);
	out.len = 0;
	assert_int_equal(m2m_scp03_wrap_resp(&s, in.data, in.len, 0x9000, &out), M2M_OK);
	expect_hex(&out, v->eid_rsp, "card-wrapped EID response");

	const char *wrapped[4] = {v->c1, v->c2, v->c3, v->c4};
	for (size_t i = 0; i < 4; i++) {
		unhex(wrapped[i], &in);
		out.len = 0;
		assert_int_equal(m2m_scp03_unwrap_cmd(&s, in.data, in.len, &out), M2M_OK);
		expect_hex(&out, PLAIN[i], "card-unwrapped case APDU");
	}
	/* A replayed command no longer matches the chaining value: the session ends. */
	unhex(v->c4, &in);
	out.len = 0;
	assert_int_equal(m2m_scp03_unwrap_cmd(&s, in.data, in.len, &out), M2M_ERR_VERIFY);
	assert_int_equal(m2m_scp03_unwrap_cmd(&s, in.data, in.len, &out), M2M_ERR_STATE);
	m2m_scp03_wipe(&s);
	m2m_buf_free(&in);
	m2m_buf_free(&out);
}

static void test_pysim_host(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof V / sizeof V[0]; i++) {
		print_message("host %s\n", V[i].name);
		host_side(&V[i]);
	}
}

static void test_pysim_card(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof V / sizeof V[0]; i++) {
		print_message("card %s\n", V[i].name);
		card_side(&V[i]);
	}
}

/* Opens host and card sessions on the AES128_33 vector (both authenticated). */
static void open_pair(m2m_scp03 *host, m2m_scp03 *card, uint8_t level)
{
	m2m_scp03_keys k;
	m2m_scp03_iu_resp r;
	m2m_buf b;
	m2m_buf_init(&b);
	keys_for(&V[2], &k);
	uint8_t hc[8] = {1, 2, 3, 4, 5, 6, 7, 8}, seq[3] = {0, 0, 5};
	static const uint8_t aid[] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10};
	memset(&r, 0, sizeof r);
	r.kvn = k.kvn;
	r.scp_id = 3;
	r.i = 0x70;
	memcpy(r.seq, seq, 3);
	r.has_seq = true;
	assert_int_equal(m2m_scp03_card_challenge(&k, seq, aid, sizeof aid, r.card_challenge), M2M_OK);
	assert_int_equal(m2m_scp03_card_open(card, &k, hc, &r), M2M_OK);
	assert_int_equal(m2m_scp03_host_open(host, &k, hc, &r), M2M_OK);
	assert_int_equal(m2m_scp03_ext_auth_cmd(host, level, &b), M2M_OK);
	assert_int_equal(m2m_scp03_card_ext_auth(card, b.data, b.len), M2M_OK);
	m2m_buf_free(&b);
	m2m_scp03_keys_wipe(&k);
}

static void test_wrong_card_cryptogram(void **state)
{
	(void)state;
	m2m_scp03_keys k;
	m2m_scp03 s;
	m2m_scp03_iu_resp r;
	m2m_buf in;
	m2m_buf_init(&in);
	keys_for(&V[1], &k);
	static const uint8_t hc[8] = {0x8e, 0x15, 0x52, 0xd0, 0x51, 0x3c, 0x60, 0xf3};
	unhex(V[1].iu_rsp, &in);
	assert_int_equal(m2m_scp03_iu_resp_parse(in.data, in.len, &r), M2M_OK);
	assert_int_equal(m2m_scp03_host_open(&s, &k, hc, &r), M2M_OK);
	r.card_cryptogram[7] ^= 0x01;
	assert_int_equal(m2m_scp03_host_open(&s, &k, hc, &r), M2M_ERR_VERIFY);
	assert_false(s.keys_ready);
	/* Malformed responses are refused, not read past their end. */
	assert_int_equal(m2m_scp03_iu_resp_parse(in.data, 28, &r), M2M_ERR_FORMAT);
	in.data[11] = 0x02;
	assert_int_equal(m2m_scp03_iu_resp_parse(in.data, in.len, &r), M2M_ERR_FORMAT);
	m2m_buf_free(&in);
}

static void test_tampering(void **state)
{
	(void)state;
	m2m_scp03 host, card;
	m2m_buf b, p;
	m2m_buf_init(&b);
	m2m_buf_init(&p);
	static const uint8_t apdu[] = {0x80, 0xE2, 0x91, 0x00, 0x03, 0xAA, 0xBB, 0xCC, 0x00};
	size_t pos[] = {5, 25}; /* a ciphertext byte, then a MAC byte */
	for (size_t t = 0; t < 2; t++) {
		open_pair(&host, &card, 0x33);
		b.len = 0;
		assert_int_equal(m2m_scp03_wrap_cmd(&host, apdu, sizeof apdu, &b), M2M_OK);
		assert_int_equal(b.len, 4 + 1 + 16 + 8 + 1);
		b.data[pos[t]] ^= 0x80;
		assert_int_equal(m2m_scp03_unwrap_cmd(&card, b.data, b.len, &p), M2M_ERR_VERIFY);
		assert_false(card.open);
	}
	/* Tampered R-MAC and tampered encrypted response data. */
	open_pair(&host, &card, 0x33);
	b.len = 0;
	assert_int_equal(m2m_scp03_wrap_cmd(&host, apdu, sizeof apdu, &b), M2M_OK);
	assert_int_equal(m2m_scp03_unwrap_cmd(&card, b.data, b.len, &p), M2M_OK);
	b.len = 0;
	assert_int_equal(m2m_scp03_wrap_resp(&card, apdu, sizeof apdu, 0x9000, &b), M2M_OK);
	b.data[b.len - 1] ^= 1;
	p.len = 0;
	assert_int_equal(m2m_scp03_unwrap_resp(&host, b.data, b.len, 0x9000, &p), M2M_ERR_VERIFY);
	b.data[b.len - 1] ^= 1;
	b.data[0] ^= 1;
	assert_int_equal(m2m_scp03_unwrap_resp(&host, b.data, b.len, 0x9000, &p), M2M_ERR_VERIFY);
	b.data[0] ^= 1;
	assert_int_equal(m2m_scp03_unwrap_resp(&host, b.data, b.len, 0x9000, &p), M2M_OK);
	assert_memory_equal(p.data, apdu, sizeof apdu);
	/* An error SW carries nothing and no R-MAC. */
	b.len = 0;
	assert_int_equal(m2m_scp03_wrap_resp(&card, apdu, sizeof apdu, 0x6A88, &b), M2M_OK);
	assert_int_equal(b.len, 0);
	m2m_buf_free(&b);
	m2m_buf_free(&p);
	m2m_scp03_wipe(&host);
	m2m_scp03_wipe(&card);
}

/* Amendment D / E: a wrapped command of more than 255 bytes uses extended Lc, and the
 * C-MAC covers the 3-byte Lc field. Host and card agree for every level. */
static void test_extended_round_trip(void **state)
{
	(void)state;
	static const uint8_t levels[] = {0x01, 0x03, 0x11, 0x13, 0x33};
	uint8_t apdu[7 + 600 + 2];
	apdu[0] = 0x80;
	apdu[1] = 0xE2;
	apdu[2] = 0x00;
	apdu[3] = 0x00;
	apdu[4] = 0x00;
	apdu[5] = 600 >> 8;
	apdu[6] = 600 & 0xFF;
	for (size_t i = 0; i < 600; i++)
		apdu[7 + i] = (uint8_t)i;
	apdu[607] = 0;
	apdu[608] = 0;
	static const uint8_t shorty[] = {0x80, 0xCA, 0x00, 0x66, 0x02, 0x11, 0x22};
	m2m_buf b, p;
	m2m_buf_init(&b);
	m2m_buf_init(&p);
	for (size_t l = 0; l < sizeof levels; l++) {
		m2m_scp03 host, card;
		open_pair(&host, &card, levels[l]);
		for (int rep = 0; rep < 3; rep++) {
			const uint8_t *a = rep == 1 ? shorty : apdu;
			size_t n = rep == 1 ? sizeof shorty : sizeof apdu;
			b.len = p.len = 0;
			assert_int_equal(m2m_scp03_wrap_cmd(&host, a, n, &b), M2M_OK);
			assert_int_equal(b.data[0], 0x84);
			assert_int_equal(m2m_scp03_unwrap_cmd(&card, b.data, b.len, &p), M2M_OK);
			assert_int_equal(p.len, n);
			assert_memory_equal(p.data, a, n);
			b.len = p.len = 0;
			assert_int_equal(m2m_scp03_wrap_resp(&card, a + 5, n - 5, 0x9000, &b), M2M_OK);
			assert_int_equal(m2m_scp03_unwrap_resp(&host, b.data, b.len, 0x9000, &p), M2M_OK);
			assert_int_equal(p.len, n - 5);
			assert_memory_equal(p.data, a + 5, n - 5);
		}
		m2m_scp03_wipe(&host);
		m2m_scp03_wipe(&card);
	}
	m2m_buf_free(&b);
	m2m_buf_free(&p);
}

static void test_bad_input(void **state)
{
	(void)state;
	m2m_scp03 host, card;
	m2m_buf b;
	m2m_buf_init(&b);
	open_pair(&host, &card, 0x33);
	static const uint8_t bad[][8] = {{0x84}, {0x84, 0xE2, 0, 0, 5, 1}, {0x84, 0xE2, 0, 0, 0, 0}};
	static const size_t len[] = {1, 6, 6};
	for (size_t i = 0; i < 3; i++) {
		m2m_scp03 c2 = card;
		assert_int_not_equal(m2m_scp03_unwrap_cmd(&c2, bad[i], len[i], &b), M2M_OK);
	}
	/* Short MAC: Lc below 8. */
	static const uint8_t short_mac[] = {0x84, 0xE2, 0, 0, 3, 1, 2, 3};
	assert_int_equal(m2m_scp03_unwrap_cmd(&card, short_mac, sizeof short_mac, &b), M2M_ERR_VERIFY);
	assert_int_equal(m2m_scp03_unpad80((const uint8_t *)"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16,
					   &(size_t){0}), M2M_ERR_VERIFY);
	m2m_buf_free(&b);
	m2m_scp03_wipe(&host);
	m2m_scp03_wipe(&card);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pysim_host),
		cmocka_unit_test(test_pysim_card),
		cmocka_unit_test(test_wrong_card_cryptogram),
		cmocka_unit_test(test_tampering),
		cmocka_unit_test(test_extended_round_trip),
		cmocka_unit_test(test_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
