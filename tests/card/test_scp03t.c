/* SCP03t (SGP.02 4.1.3.3): SM-DP side against card side over a TS.48 profile package,
 * layout checks against the recorded whty session (sgp02-facts-2.md section 5) and the
 * negative cases: wrong cryptograms, tampered MAC / ciphertext, replayed or reordered
 * segments, commands out of sequence. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "card/scp03t.h"
#include "core/hex.h"

#define TS48 M2MRSP_SOURCE_DIR "/../shared/vectors/saip/TS48v2_SAIP2.3_NoBERTLV.der"

static const uint8_t AID[] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
			      0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x13, 0x00};
static const uint8_t SEQ[3] = {0x00, 0x00, 0x01};
static const uint8_t HC[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};

static void test_keys(m2m_scp03_keys *k)
{
	uint8_t enc[16], mac[16];
	for (size_t i = 0; i < 16; i++) {
		enc[i] = (uint8_t)i;
		mac[i] = (uint8_t)(0x10 + i);
	}
	assert_int_equal(m2m_scp03_keys_set(k, enc, mac, 16, 0x30), M2M_OK);
}

typedef struct {
	m2m_scp03t_host host;
	m2m_scp03t_card card;
	m2m_buf cmd, resp, plain;
} pair;

static void pair_init(pair *p)
{
	m2m_scp03_keys k;
	test_keys(&k);
	assert_int_equal(m2m_scp03t_host_init(&p->host, &k, 0x00, HC), M2M_OK);
	assert_int_equal(m2m_scp03t_card_init(&p->card, &k, AID, sizeof AID, SEQ, NULL, false),
			 M2M_OK);
	m2m_buf_init(&p->cmd);
	m2m_buf_init(&p->resp);
	m2m_buf_init(&p->plain);
	m2m_scp03_keys_wipe(&k);
}

static void pair_free(pair *p)
{
	m2m_scp03t_host_wipe(&p->host);
	m2m_scp03t_card_wipe(&p->card);
	m2m_buf_free(&p->cmd);
	m2m_buf_free(&p->resp);
	m2m_buf_free(&p->plain);
}

/* Sends cmd to the card; returns its status, the answer is in p->resp. */
static m2m_err card_send(pair *p, const uint8_t *cmd, size_t n)
{
	p->resp.len = 0;
	return m2m_scp03t_card_process(&p->card, cmd, n, &p->resp, &p->plain);
}

static void expect_resp(const pair *p, const char *hex)
{
	uint8_t want[64];
	size_t n = 0;
	assert_int_equal(m2m_hex_decode(hex, want, sizeof want, &n), M2M_OK);
	assert_int_equal(p->resp.len, n);
	assert_memory_equal(p->resp.data, want, n);
}

/* 84 then 85, both accepted. */
static void handshake(pair *p)
{
	p->cmd.len = 0;
	assert_int_equal(m2m_scp03t_host_iu(&p->host, &p->cmd), M2M_OK);
	assert_int_equal(card_send(p, p->cmd.data, p->cmd.len), M2M_OK);
	assert_int_equal(p->resp.len, 34);
	assert_int_equal(p->resp.data[0], 0x84);
	assert_int_equal(p->resp.data[1], 0x20);
	p->cmd.len = 0;
	assert_int_equal(m2m_scp03t_host_auth(&p->host, p->resp.data + 2, 32, &p->cmd), M2M_OK);
	assert_int_equal(card_send(p, p->cmd.data, p->cmd.len), M2M_OK);
	expect_resp(p, "8500");
}

static void read_ts48(m2m_buf *b)
{
	FILE *f = fopen(TS48, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", TS48);
	uint8_t chunk[4096];
	size_t got;
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
		assert_int_equal(m2m_buf_append(b, chunk, got), M2M_OK);
	fclose(f);
	assert_true(b->len > 4096);
}

/* The i = 70 card challenge: KDF(K-ENC, 02, seq || AID). Expected value computed apart
 * with Python `cryptography` (AES-CMAC over 00x11 02 00 0040 01 000001 AID). */
static void test_card_challenge(void **state)
{
	(void)state;
	m2m_scp03_keys k;
	test_keys(&k);
	uint8_t ch[8];
	static const uint8_t want[8] = {0x0b, 0x8c, 0x01, 0xa0, 0x8e, 0xae, 0xd5, 0x96};
	assert_int_equal(m2m_scp03_card_challenge(&k, SEQ, AID, sizeof AID, ch), M2M_OK);
	assert_memory_equal(ch, want, 8);
	/* The 84 answer carries it, with i = 70, KVN 30 and the counter given. */
	pair p;
	pair_init(&p);
	p.cmd.len = 0;
	assert_int_equal(m2m_scp03t_host_iu(&p.host, &p.cmd), M2M_OK);
	assert_int_equal(p.cmd.len, 12);
	assert_int_equal(card_send(&p, p.cmd.data, p.cmd.len), M2M_OK);
	static const uint8_t head[] = {0x84, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x30, 0x03, 0x70};
	assert_memory_equal(p.resp.data, head, sizeof head);
	assert_memory_equal(p.resp.data + 15, want, 8);
	assert_memory_equal(p.resp.data + 31, SEQ, 3);
	/* The next INITIALIZE UPDATE uses the next counter, hence another challenge. */
	assert_int_equal(card_send(&p, p.cmd.data, p.cmd.len), M2M_OK);
	assert_int_equal(p.resp.data[33], 0x02);
	assert_memory_not_equal(p.resp.data + 15, want, 8);
	pair_free(&p);
}

/* Known answers for one short session, computed apart with Python `cryptography` from the
 * layout of sgp02-facts-2.md section 5 (MCV of the 85 chains into the first 86, counter 1 for
 * the first 86, TLV header inside the C-MAC, R-MAC over 86 L || ciphertext with the MCV of
 * the last command, R-ENC ICV 80 || counter). Keys 00..0f / 10..1f, KVN 30, the AID above,
 * counter 000001, host challenge 1122334455667788. */
static void expect_buf(const m2m_buf *b, const char *hex)
{
	m2m_buf want;
	m2m_buf_init(&want);
	assert_int_equal(m2m_hex_decode_buf(hex, &want), M2M_OK);
	assert_int_equal(b->len, want.len);
	assert_memory_equal(b->data, want.data, want.len);
	m2m_buf_free(&want);
}

static void test_known_answers(void **state)
{
	(void)state;
	pair p;
	pair_init(&p);
	p.cmd.len = 0;
	assert_int_equal(m2m_scp03t_host_iu(&p.host, &p.cmd), M2M_OK);
	expect_buf(&p.cmd, "840a30001122334455667788");
	assert_int_equal(card_send(&p, p.cmd.data, p.cmd.len), M2M_OK);
	expect_buf(&p.resp, "8420000000000000000000003003700b8c01a08eaed59631e35291572e23bb000001");
	p.cmd.len = 0;
	assert_int_equal(m2m_scp03t_host_auth(&p.host, p.resp.data + 2, 32, &p.cmd), M2M_OK);
	expect_buf(&p.cmd, "851133352137798ab5853ee91fdcc6e56fcff9");
	assert_int_equal(card_send(&p, p.cmd.data, p.cmd.len), M2M_OK);
	uint8_t chunk[20];
	for (size_t i = 0; i < sizeof chunk; i++)
		chunk[i] = (uint8_t)i;
	p.cmd.len = 0;
	assert_int_equal(m2m_scp03t_host_segment(&p.host, chunk, sizeof chunk, &p.cmd), M2M_OK);
	expect_buf(&p.cmd, "8628c13730590540227b81687db175d261ded1db3ff7a0c9770a397890379daaaa07e066"
			   "f17dcfda45bd");
	assert_int_equal(card_send(&p, p.cmd.data, p.cmd.len), M2M_OK);
	memset(chunk, 0, sizeof chunk);
	p.cmd.len = 0;
	assert_int_equal(m2m_scp03t_host_segment(&p.host, chunk, 5, &p.cmd), M2M_OK);
	expect_buf(&p.cmd, "8618998397325efffd972c97e82f918b5f0bb02655d0f122d048");
	assert_int_equal(card_send(&p, p.cmd.data, p.cmd.len), M2M_OK);
	static const uint8_t eresp[] = {0x30, 0x07, 0xA0, 0x05, 0x30, 0x03, 0x80, 0x01, 0x00};
	p.resp.len = 0;
	assert_int_equal(m2m_scp03t_card_response(&p.card, eresp, sizeof eresp, &p.resp), M2M_OK);
	expect_buf(&p.resp, "86183898c8dc75c3aa46a019a30fb7f500fa0bd52a48a3025270");
	pair_free(&p);
}

static void round_trip(size_t seg)
{
	m2m_buf pkg;
	m2m_buf_init(&pkg);
	read_ts48(&pkg);
	pair p;
	pair_init(&p);
	handshake(&p);
	size_t count = 0;
	for (size_t off = 0; off < pkg.len; off += seg, count++) {
		size_t n = pkg.len - off < seg ? pkg.len - off : seg;
		p.cmd.len = 0;
		assert_int_equal(m2m_scp03t_host_segment(&p.host, pkg.data + off, n, &p.cmd), M2M_OK);
		if (seg == 1024 && n == 1024) {
			/* whty layout: 86 82 0418, 1040 bytes of ciphertext and an 8-byte C-MAC */
			static const uint8_t hdr[] = {0x86, 0x82, 0x04, 0x18};
			assert_int_equal(p.cmd.len, 4 + 1048);
			assert_memory_equal(p.cmd.data, hdr, 4);
		}
		assert_int_equal(card_send(&p, p.cmd.data, p.cmd.len), M2M_OK);
		expect_resp(&p, "8600");
	}
	assert_int_equal(p.card.segments, count);
	assert_int_equal(p.card.sc.counter, count);
	assert_int_equal(p.plain.len, pkg.len);
	assert_memory_equal(p.plain.data, pkg.data, pkg.len);
	/* The last segment's answer: R-ENC + R-MAC over an EUICCResponse (whty: 86 18). */
	static const uint8_t eresp[] = {0x30, 0x07, 0xA0, 0x05, 0x30, 0x03, 0x80, 0x01, 0x00};
	m2m_buf r, out;
	m2m_buf_init(&r);
	m2m_buf_init(&out);
	assert_int_equal(m2m_scp03t_card_response(&p.card, eresp, sizeof eresp, &r), M2M_OK);
	assert_int_equal(r.len, 2 + 24);
	assert_int_equal(r.data[1], 0x18);
	assert_int_equal(m2m_scp03t_host_response(&p.host, r.data, r.len, &out), M2M_OK);
	assert_int_equal(out.len, sizeof eresp);
	assert_memory_equal(out.data, eresp, sizeof eresp);
	r.data[2] ^= 1; /* tampered response ciphertext */
	assert_int_equal(m2m_scp03t_host_response(&p.host, r.data, r.len, &out), M2M_ERR_VERIFY);
	static const uint8_t ok86[] = {0x86, 0x00}, err46[] = {0x9F, 0x46, 0x01, 0x02};
	assert_int_equal(m2m_scp03t_host_response(&p.host, ok86, 2, &out), M2M_OK);
	assert_int_equal(m2m_scp03t_host_response(&p.host, err46, 4, &out), M2M_ERR_VERIFY);
	m2m_buf_free(&r);
	m2m_buf_free(&out);
	m2m_buf_free(&pkg);
	pair_free(&p);
}

static void test_round_trip_ts48(void **state)
{
	(void)state;
	round_trip(M2M_SCP03T_SEGMENT_DEFAULT);
	round_trip(1007); /* the conservative size: 86 TLV <= 1024 bytes */
	round_trip(4000);
}

static void test_wrong_cryptograms(void **state)
{
	(void)state;
	pair p;
	pair_init(&p);
	p.cmd.len = 0;
	assert_int_equal(m2m_scp03t_host_iu(&p.host, &p.cmd), M2M_OK);
	assert_int_equal(card_send(&p, p.cmd.data, p.cmd.len), M2M_OK);
	uint8_t iu[32];
	memcpy(iu, p.resp.data + 2, 32);
	iu[28] ^= 0x01; /* card cryptogram */
	m2m_buf ea;
	m2m_buf_init(&ea);
	assert_int_equal(m2m_scp03t_host_auth(&p.host, iu, 32, &ea), M2M_ERR_VERIFY);
	assert_int_equal(ea.len, 0);
	iu[28] ^= 0x01;
	iu[10] = 0x31; /* another KVN */
	assert_int_equal(m2m_scp03t_host_auth(&p.host, iu, 32, &ea), M2M_ERR_VERIFY);
	iu[10] = 0x30;
	assert_int_equal(m2m_scp03t_host_auth(&p.host, iu, 31, &ea), M2M_ERR_FORMAT);
	assert_int_equal(m2m_scp03t_host_auth(&p.host, iu, 32, &ea), M2M_OK);
	/* Host cryptogram and C-MAC of the 85 command. */
	for (size_t pos = 3; pos < ea.len; pos += 11) {
		m2m_scp03t_card c = p.card;
		uint8_t bad[19];
		memcpy(bad, ea.data, 19);
		bad[pos] ^= 0x40;
		p.resp.len = 0;
		assert_int_equal(m2m_scp03t_card_process(&c, bad, 19, &p.resp, &p.plain),
				 M2M_ERR_VERIFY);
		expect_resp(&p, "9f450102");
		assert_int_equal(c.state, M2M_SCP03T_IDLE);
	}
	assert_int_equal(card_send(&p, ea.data, ea.len), M2M_OK);
	m2m_buf_free(&ea);
	pair_free(&p);
}

/* Builds n segments of 40 bytes (after a handshake) into segs[i]. */
static void make_segments(pair *p, m2m_buf *segs, size_t n)
{
	handshake(p);
	uint8_t data[40];
	for (size_t i = 0; i < n; i++) {
		memset(data, (int)i, sizeof data);
		m2m_buf_init(&segs[i]);
		assert_int_equal(m2m_scp03t_host_segment(&p->host, data, sizeof data, &segs[i]), M2M_OK);
	}
}

static void free_segments(m2m_buf *segs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		m2m_buf_free(&segs[i]);
}

static void test_tampered_segments(void **state)
{
	(void)state;
	/* byte 2 = first ciphertext byte, last byte = C-MAC, byte 1 = the length */
	for (int what = 0; what < 3; what++) {
		pair p;
		m2m_buf s[2];
		pair_init(&p);
		make_segments(&p, s, 2);
		size_t pos = what == 0 ? 2 : what == 1 ? s[0].len - 1 : 1;
		s[0].data[pos] ^= what == 2 ? 0x10 : 0x01;
		m2m_err err = card_send(&p, s[0].data, s[0].len);
		assert_int_not_equal(err, M2M_OK);
		expect_resp(&p, what == 2 ? "9f460101" : "9f460102");
		assert_int_equal(p.plain.len, 0);
		/* The session is closed: even the genuine segment is refused now. */
		s[0].data[pos] ^= what == 2 ? 0x10 : 0x01;
		assert_int_equal(card_send(&p, s[0].data, s[0].len), M2M_ERR_STATE);
		expect_resp(&p, "9f460101");
		free_segments(s, 2);
		pair_free(&p);
	}
}

static void test_replay_and_reorder(void **state)
{
	(void)state;
	pair p;
	m2m_buf s[3];
	pair_init(&p);
	make_segments(&p, s, 3);
	assert_int_equal(card_send(&p, s[0].data, s[0].len), M2M_OK);
	assert_int_equal(card_send(&p, s[0].data, s[0].len), M2M_ERR_VERIFY); /* replay */
	expect_resp(&p, "9f460102");
	free_segments(s, 3);
	pair_free(&p);

	pair_init(&p);
	make_segments(&p, s, 3);
	assert_int_equal(card_send(&p, s[1].data, s[1].len), M2M_ERR_VERIFY); /* reorder */
	expect_resp(&p, "9f460102");
	free_segments(s, 3);
	pair_free(&p);

	/* A segment of one session is not accepted in the next one (same host challenge,
	 * but the card's counter and so its challenge and session keys moved on). */
	pair_init(&p);
	make_segments(&p, s, 1);
	m2m_scp03_keys k;
	test_keys(&k);
	assert_int_equal(m2m_scp03t_host_init(&p.host, &k, 0x00, HC), M2M_OK);
	handshake(&p);
	assert_int_equal(card_send(&p, s[0].data, s[0].len), M2M_ERR_VERIFY);
	free_segments(s, 1);
	pair_free(&p);
}

static void test_sequence_and_format(void **state)
{
	(void)state;
	pair p;
	pair_init(&p);
	static const uint8_t ea[19] = {0x85, 0x11, 0x33};
	assert_int_equal(card_send(&p, ea, sizeof ea), M2M_ERR_STATE); /* 85 before 84 */
	expect_resp(&p, "9f450101");
	uint8_t seg[26] = {0x86, 0x18};
	assert_int_equal(card_send(&p, seg, sizeof seg), M2M_ERR_STATE); /* 86 before 85 */
	expect_resp(&p, "9f460101");
	static const uint8_t iu_short[] = {0x84, 0x09, 0x30, 0x00, 1, 2, 3, 4, 5, 6, 7};
	assert_int_not_equal(card_send(&p, iu_short, sizeof iu_short), M2M_OK);
	expect_resp(&p, "9f440101");
	static const uint8_t iu_kvn[] = {0x84, 0x0A, 0x31, 0x00, 1, 2, 3, 4, 5, 6, 7, 8};
	assert_int_equal(card_send(&p, iu_kvn, sizeof iu_kvn), M2M_ERR_UNSUPPORTED);
	expect_resp(&p, "9f440103");
	static const uint8_t trunc[] = {0x86, 0x82, 0x04};
	assert_int_not_equal(card_send(&p, trunc, sizeof trunc), M2M_OK);
	expect_resp(&p, "9f460101");
	static const uint8_t other[] = {0x22, 0x00};
	assert_int_equal(card_send(&p, other, sizeof other), M2M_ERR_FORMAT);
	assert_int_equal(p.resp.len, 0);
	assert_int_equal(card_send(&p, NULL, 0), M2M_ERR_FORMAT);
	/* Trailing bytes after the TLV are refused too. */
	p.cmd.len = 0;
	assert_int_equal(m2m_scp03t_host_iu(&p.host, &p.cmd), M2M_OK);
	assert_int_equal(m2m_buf_append_u8(&p.cmd, 0x00), M2M_OK);
	assert_int_not_equal(card_send(&p, p.cmd.data, p.cmd.len), M2M_OK);
	/* Segments before authentication on the host side. */
	m2m_buf out;
	m2m_buf_init(&out);
	assert_int_equal(m2m_scp03t_host_segment(&p.host, seg, 4, &out), M2M_ERR_STATE);
	m2m_buf_free(&out);
	pair_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_card_challenge),
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_round_trip_ts48),
		cmocka_unit_test(test_wrong_cryptograms),
		cmocka_unit_test(test_tampered_segments),
		cmocka_unit_test(test_replay_and_reorder),
		cmocka_unit_test(test_sequence_and_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
