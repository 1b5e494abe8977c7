/* Packaging and the way back, piece by piece: packet sizes against the whty trace
 * arithmetic (sgp02-bearers.md 1.1, 1.3), plans and chaining values, TP-UD headers, PoRs
 * built by the card side of our card library (scp80.h) and broken on purpose, and the E1
 * notification of the real card trace in sgp02-facts-2.md 7a. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/hex.h"
#include "smsr/es5_pack.h"

static void keys(m2m_scp80_keys *k)
{
	uint8_t v[16];

	memset(k, 0, sizeof *k);
	memset(v, 0x01, sizeof v);
	assert_int_equal(m2m_scp80_key_set(&k->kic, v, 16), M2M_OK);
	memset(v, 0x02, sizeof v);
	assert_int_equal(m2m_scp80_key_set(&k->kid, v, 16), M2M_OK);
}

/* whty trigger (sgp02-bearers.md 1.1): SPI 16 01, AES, 43 bytes of data: CPL 0x48 = 72, so
 * the packet is 74 octets and the TP-UD 77. SMS room: 137 alone, 132 + 134 (IEI 00),
 * 131 + 133 (IEI 08) (sgp02-bearers.md 1.3, 5). */
static void test_sizes(void **state)
{
	m2m_es5_pack_cfg cfg = {.spi = {0x16, 0x01}};

	(void)state;
	m2m_es5_pack_defaults(&cfg);
	assert_int_equal(cfg.spi[1], 0x01);
	assert_int_equal(cfg.kvn, 1);
	assert_int_equal(cfg.max_parts, M2M_ES5_PARTS_DEFAULT);
	assert_int_equal(m2m_es5_packet_len(&cfg, 43), 74);
	assert_int_equal(m2m_es5_packet_len(&cfg, 50), 74);
	assert_int_equal(m2m_es5_packet_len(&cfg, 51), 90);
	assert_int_equal(m2m_es5_packet_room(1, false), 137);
	assert_int_equal(m2m_es5_packet_room(2, false), 266);
	assert_int_equal(m2m_es5_packet_room(3, true), 131 + 2 * 133);
	/* 3DES: 8-byte blocks. */
	cfg.kic_alg = M2M_SCP80_ALG_3DES2;
	assert_int_equal(m2m_es5_packet_len(&cfg, 43), 10 + 64);
	assert_int_equal(m2m_es5_packet_len(&cfg, 50), 10 + 64);
	assert_int_equal(m2m_es5_packet_len(&cfg, 51), 10 + 72);
}

static void test_pack_check(void **state)
{
	m2m_es5_pack_cfg good = {0}, c;

	(void)state;
	m2m_es5_pack_defaults(&good);
	assert_int_equal(m2m_es5_pack_check(&good), M2M_OK);
	c = good, c.spi[0] = 0x06; /* no counter */
	assert_int_equal(m2m_es5_pack_check(&c), M2M_ERR_ARG);
	c = good, c.spi[0] = 0x15; /* RC */
	assert_int_equal(m2m_es5_pack_check(&c), M2M_ERR_ARG);
	c = good, c.spi[0] = 0x12; /* no ciphering */
	assert_int_equal(m2m_es5_pack_check(&c), M2M_ERR_ARG);
	c = good, c.spi[1] = 0x3A; /* PoR on error only */
	assert_int_equal(m2m_es5_pack_check(&c), M2M_ERR_ARG);
	c = good, c.spi[1] = 0x3D; /* PoR signed (DS) */
	assert_int_equal(m2m_es5_pack_check(&c), M2M_ERR_ARG);
	c = good, c.kvn = 0x10;
	assert_int_equal(m2m_es5_pack_check(&c), M2M_ERR_ARG);
	c = good, c.kic_alg = 0x1;
	assert_int_equal(m2m_es5_pack_check(&c), M2M_ERR_ARG);
	c = good, c.max_parts = 256;
	assert_int_equal(m2m_es5_pack_check(&c), M2M_ERR_ARG);
	c = good, c.spi[0] = 0x1E, c.spi[1] = 0x01; /* one higher; unsecured PoR: fine */
	assert_int_equal(m2m_es5_pack_check(&c), M2M_OK);
	assert_int_equal(m2m_es5_pack_check(NULL), M2M_ERR_ARG);
}

/* Five GET DATA of 7 bytes each in expanded form, one SMS per packet, chaining per the
 * command's own chain value. */
static void plan_with(m2m_script_chain chain, size_t max_parts, size_t napdus,
		      m2m_es5_plan *plan)
{
	m2m_es5_cmd c;
	m2m_es5_pack_cfg cfg = {.max_parts = max_parts};

	m2m_es5_pack_defaults(&cfg);
	m2m_es5_cmd_init(&c);
	m2m_es5_cmd_start(&c, M2M_ES5_AUDIT);
	c.chain = chain;
	for (size_t i = 0; i < napdus; i++) {
		uint8_t data[64];
		memset(data, (int)i, sizeof data);
		assert_int_equal(m2m_es5_cmd_apdu(&c, 0xCA, 0x00, (uint8_t)i, data, sizeof data,
						  true),
				 M2M_OK);
	}
	m2m_es5_plan_init(plan);
	assert_int_equal(m2m_es5_plan_build(&c, &cfg, plan), M2M_OK);
	for (size_t k = 0; k < plan->count; k++)
		assert_true(m2m_es5_packet_len(&cfg, plan->chunk[k].script.len) <=
			    m2m_es5_packet_room(cfg.max_parts, cfg.ref16));
	m2m_es5_cmd_free(&c);
}

static void test_plans(void **state)
{
	m2m_es5_plan p;

	(void)state;
	/* 70-byte APDUs: one per packet. */
	plan_with(M2M_CHAIN_NONE, 1, 1, &p);
	assert_int_equal(p.count, 1);
	assert_int_equal(p.chunk[0].chain, M2M_CHAIN_NONE);
	assert_int_equal(p.chunk[0].script.data[0], 0xAA);
	assert_int_equal(p.chunk[0].script.data[2], 0x22);
	m2m_es5_plan_free(&p);
	plan_with(M2M_CHAIN_NONE, 1, 3, &p);
	assert_int_equal(p.count, 3);
	assert_int_equal(p.chunk[0].chain, M2M_CHAIN_FIRST_DELETE);
	assert_int_equal(p.chunk[1].chain, M2M_CHAIN_NEXT);
	assert_int_equal(p.chunk[2].chain, M2M_CHAIN_LAST);
	assert_memory_equal(p.chunk[2].script.data + 2, "\x83\x01\x03\x22\x46\x80\xCA\x00\x02", 9);
	assert_int_equal(p.chunk[2].first, 2);
	m2m_es5_plan_free(&p);
	plan_with(M2M_CHAIN_FIRST_DELETE, 1, 2, &p);
	assert_int_equal(p.chunk[0].chain, M2M_CHAIN_FIRST_DELETE);
	assert_int_equal(p.chunk[1].chain, M2M_CHAIN_NEXT);
	m2m_es5_plan_free(&p);
	plan_with(M2M_CHAIN_LAST, 1, 2, &p);
	assert_int_equal(p.chunk[0].chain, M2M_CHAIN_NEXT);
	assert_int_equal(p.chunk[1].chain, M2M_CHAIN_LAST);
	m2m_es5_plan_free(&p);
	plan_with(M2M_CHAIN_LAST, 4, 3, &p);
	assert_int_equal(p.count, 1);
	assert_int_equal(p.chunk[0].chain, M2M_CHAIN_LAST);
	m2m_es5_plan_free(&p);
}

static m2m_err reserve_fixed(void *arg, const uint8_t eid[16], uint8_t kvn, uint64_t *c)
{
	(void)eid;
	(void)kvn;
	*c = *(uint64_t *)arg;
	return *c == 42 ? M2M_ERR_IO : M2M_OK;
}

static void test_packet_build(void **state)
{
	m2m_es5_pack_cfg cfg = {0};
	m2m_es5_chunk ch;
	m2m_es5_packet pkt;
	m2m_scp80_keys k;
	uint8_t eid[16] = {0x89}, tar[3] = {0, 0, 1};
	uint64_t ctr = 7;

	(void)state;
	m2m_es5_pack_defaults(&cfg);
	keys(&k);
	memset(&ch, 0, sizeof ch);
	m2m_buf_init(&ch.script);
	assert_int_equal(m2m_buf_append(&ch.script, "\xAA\x07\x22\x05\x80\xCA\x00\x5A\x00", 9),
			 M2M_OK);
	m2m_es5_packet_init(&pkt);
	assert_int_equal(m2m_es5_packet_build(&cfg, &k, eid, reserve_fixed, &ctr, tar, &ch, 5,
					      &pkt),
			 M2M_OK);
	assert_int_equal(pkt.nparts, 1);
	assert_int_equal(pkt.hdr.counter, 7);
	assert_int_equal(pkt.hdr.kic, 0x12);
	assert_int_equal(pkt.hdr.kid, 0x12);
	/* 02 70 00 | CPL 00 28 (8 + 32 after it) | CHL 15 | SPI 16 39 | 12 12 | 000001 */
	assert_memory_equal(pkt.part[0].data,
			    "\x02\x70\x00\x00\x28\x15\x16\x39\x12\x12\x00\x00\x01", 13);
	assert_int_equal(pkt.part[0].len, 3 + 42);
	ctr = 0; /* a store must never hand out 0: "higher than" the card's initial 0 */
	assert_int_equal(m2m_es5_packet_build(&cfg, &k, eid, reserve_fixed, &ctr, tar, &ch, 5,
					      &pkt),
			 M2M_ERR_STATE);
	ctr = M2M_SCP80_CNTR_MAX + 1;
	assert_int_equal(m2m_es5_packet_build(&cfg, &k, eid, reserve_fixed, &ctr, tar, &ch, 5,
					      &pkt),
			 M2M_ERR_STATE);
	ctr = 42;
	assert_int_equal(m2m_es5_packet_build(&cfg, &k, eid, reserve_fixed, &ctr, tar, &ch, 5,
					      &pkt),
			 M2M_ERR_IO);
	assert_int_equal(m2m_es5_packet_build(&cfg, &k, eid, NULL, &ctr, tar, &ch, 5, &pkt),
			 M2M_ERR_ARG);
	m2m_es5_packet_free(&pkt);
	m2m_buf_free(&ch.script);
	m2m_scp80_keys_wipe(&k);
}

static m2m_err ud(const char *hex, m2m_es5_ud *u)
{
	uint8_t b[200];
	size_t n = 0;

	assert_int_equal(m2m_hex_decode(hex, b, sizeof b, &n), M2M_OK);
	return m2m_es5_ud_parse(b, n, u);
}

static void test_ud_parse(void **state)
{
	m2m_es5_ud u;

	(void)state;
	assert_int_equal(ud("027100aabb", &u), M2M_OK);
	assert_int_equal(u.iei, 0x71);
	assert_false(u.concat);
	assert_int_equal(u.payload_len, 2);
	/* TS 31.115 order and njiwa's order; 16-bit reference. */
	assert_int_equal(ud("070003420301" "7000" "cc", &u), M2M_OK);
	assert_true(u.concat);
	assert_int_equal(u.ref, 0x42);
	assert_int_equal(u.total, 3);
	assert_int_equal(u.seq, 1);
	assert_int_equal(u.iei, 0x70);
	assert_int_equal(ud("077000" "0003420301" "cc", &u), M2M_OK);
	assert_int_equal(u.iei, 0x70);
	assert_int_equal(ud("0608041234" "0202" "cc", &u), M2M_OK);
	assert_true(u.ref16);
	assert_int_equal(u.ref, 0x1234);
	assert_int_equal(u.seq, 2);
	assert_int_equal(u.iei, 0);
	/* Broken. */
	assert_int_equal(ud("", &u), M2M_ERR_FORMAT);
	assert_int_equal(ud("0571", &u), M2M_ERR_FORMAT);           /* UDH overrun */
	assert_int_equal(ud("04000242" "01", &u), M2M_ERR_FORMAT);   /* concat of 2 bytes */
	assert_int_equal(ud("050003420300", &u), M2M_ERR_FORMAT);   /* part 0 */
	assert_int_equal(ud("050003420304", &u), M2M_ERR_FORMAT);   /* 4 of 3 */
	assert_int_equal(ud("050003420001", &u), M2M_ERR_FORMAT);   /* of 0 */
	assert_int_equal(ud("0471007100", &u), M2M_ERR_FORMAT);     /* two identifiers */
	assert_int_equal(ud("03710100", &u), M2M_ERR_FORMAT);       /* identifier with data */
	assert_int_equal(ud("0a0003420301" "0003420302", &u), M2M_ERR_FORMAT); /* two concat */
	{
		uint8_t big[141] = {0x02, 0x71, 0x00};
		assert_int_equal(m2m_es5_ud_parse(big, sizeof big, &u), M2M_ERR_FORMAT);
		assert_int_equal(m2m_es5_ud_parse(big, 140, &u), M2M_OK);
	}
}

/* PoRs made by the card side of the library (m2m_scp80_wrap_response). */
static void card_por(const m2m_scp80_hdr *cmd, uint8_t status, const char *data_hex,
		     m2m_buf *out)
{
	m2m_scp80_keys k;
	uint8_t d[64];
	size_t n = 0;

	keys(&k);
	assert_int_equal(m2m_hex_decode(data_hex, d, sizeof d, &n), M2M_OK);
	m2m_buf_reset(out);
	assert_int_equal(m2m_scp80_wrap_response(cmd, &k, status, d, n, out), M2M_OK);
	m2m_scp80_keys_wipe(&k);
}

static void test_por_open(void **state)
{
	m2m_scp80_hdr cmd = {.spi = {0x16, 0x39}, .kic = 0x12, .kid = 0x12, .tar = {0, 0, 1},
			     .counter = 0x0102030405ull};
	m2m_scp80_hdr bare = cmd;
	m2m_scp80_keys k;
	m2m_es5_por por;
	m2m_buf pkt, data;

	(void)state;
	keys(&k);
	m2m_buf_init(&pkt);
	m2m_buf_init(&data);
	card_por(&cmd, 0x00, "ab0780010123029000", &pkt);
	assert_int_equal(m2m_es5_por_open(&cmd, &k, pkt.data, pkt.len, &por, &data), M2M_OK);
	assert_true(por.secured);
	assert_int_equal(por.status, 0);
	assert_int_equal(por.counter, 0x0102030405ull);
	assert_int_equal(data.len, 9);
	assert_true(m2m_es5_por_matches(&por, &cmd));
	por.counter++;
	assert_false(m2m_es5_por_matches(&por, &cmd));
	por.counter--;
	por.tar[2] = 2;
	assert_false(m2m_es5_por_matches(&por, &cmd));
	/* A flipped bit anywhere in the secured part: refused, nothing appended. */
	for (size_t i = 6; i < pkt.len; i += 5) {
		m2m_buf_reset(&data);
		pkt.data[i] ^= 0x20;
		assert_int_not_equal(m2m_es5_por_open(&cmd, &k, pkt.data, pkt.len, &por, &data),
				     M2M_OK);
		assert_int_equal(data.len, 0);
		pkt.data[i] ^= 0x20;
	}
	/* Truncated, trailing, short header, RHL of another check length. */
	assert_int_not_equal(m2m_es5_por_open(&cmd, &k, pkt.data, pkt.len - 1, &por, &data),
			     M2M_OK);
	assert_int_equal(m2m_buf_append_u8(&pkt, 0), M2M_OK);
	assert_int_not_equal(m2m_es5_por_open(&cmd, &k, pkt.data, pkt.len, &por, &data), M2M_OK);
	assert_int_equal(m2m_es5_por_open(&cmd, &k, pkt.data, 5, &por, &data), M2M_ERR_BOUNDS);
	pkt.data[2] = 0x0E;
	assert_int_equal(m2m_es5_por_open(&cmd, &k, pkt.data, pkt.len - 1, &por, &data),
			 M2M_ERR_FORMAT);
	/* The card's unsecured refusal (its SPI2 check and cipher bits cleared). */
	bare.spi[1] = 0x21;
	bare.counter = 0;
	card_por(&bare, 0x06, "", &pkt);
	assert_int_equal(m2m_es5_por_open(&cmd, &k, pkt.data, pkt.len, &por, &data), M2M_OK);
	assert_false(por.secured);
	assert_int_equal(por.status, 6);
	assert_true(m2m_es5_por_matches(&por, &cmd)); /* counter 0: matched on the TAR */
	/* ...but nothing unsecured may claim success or carry data. */
	card_por(&bare, 0x00, "", &pkt);
	assert_int_equal(m2m_es5_por_open(&cmd, &k, pkt.data, pkt.len, &por, &data),
			 M2M_ERR_VERIFY);
	card_por(&bare, 0x02, "9000", &pkt);
	assert_int_equal(m2m_es5_por_open(&cmd, &k, pkt.data, pkt.len, &por, &data),
			 M2M_ERR_VERIFY);
	assert_int_equal(data.len, 0);
	/* An unsecured refusal with a counter other than ours is another packet's. */
	bare.counter = 5;
	card_por(&bare, 0x02, "", &pkt);
	assert_int_equal(m2m_es5_por_open(&cmd, &k, pkt.data, pkt.len, &por, &data), M2M_OK);
	assert_false(m2m_es5_por_matches(&por, &cmd));
	m2m_buf_free(&pkt);
	m2m_buf_free(&data);
	m2m_scp80_keys_wipe(&k);
}

/* The real card's notification (sgp02-facts-2.md 7a, whty SmsController): E1 35 with EID,
 * type 02, sequence 0000, the ISD-P AID under 4F and an IMEI under 14. */
static const char whty_e1[] = "e135"
			      "4c1089001012012341234012345678901224"
			      "4d0102" "4e020000"
			      "4f10a0000005591010ffffffff8900001300"
			      "14083a45990057918503";

static m2m_err e1(const char *hex, m2m_es5_notif *nt)
{
	uint8_t b[256];
	size_t n = 0;

	assert_int_equal(m2m_hex_decode(hex, b, sizeof b, &n), M2M_OK);
	return m2m_es5_notif_decode(b, n, nt);
}

static void test_notif_decode(void **state)
{
	m2m_es5_notif nt;

	(void)state;
	assert_int_equal(e1(whty_e1, &nt), M2M_OK);
	assert_int_equal(nt.eid[0], 0x89);
	assert_int_equal(nt.eid[15], 0x24);
	assert_int_equal(nt.type, 2);
	assert_int_equal(nt.seq, 0);
	assert_true(nt.has_aid);
	assert_int_equal(nt.aid_len, 16);
	assert_int_equal(nt.aid[14], 0x13);
	assert_true(nt.has_imei);
	assert_int_equal(nt.imei_len, 8);
	assert_int_equal(nt.imei[0], 0x3A);
	/* njiwa's 2F for the AID, an unknown element skipped, no AID at all. */
	assert_int_equal(e1("e1204c1089001012012341234012345678901224" "4d0101" "4e020102"
			    "2f05a000000559",
			    &nt),
			 M2M_OK);
	assert_int_equal(nt.seq, 0x0102);
	assert_int_equal(nt.aid_len, 5);
	assert_int_equal(e1("e11c4c1089001012012341234012345678901224" "4d0101" "4e020102"
			    "5f0100",
			    &nt),
			 M2M_OK);
	assert_false(nt.has_aid);
	/* Broken: each misses or repeats something, or is cut. */
	static const char *const bad[] = {
		"e1094d01024e0200000000",                                   /* no EID */
		"e1164c1089001012012341234012345678901224" "4e020000",      /* no type */
		"e1154c1089001012012341234012345678901224" "4d0102",        /* no seq */
		"e1184c1089001012012341234012345678901224" "4d0102" "4e0100", /* seq 1 byte */
		"e11c4c1089001012012341234012345678901224" "4d0102" "4d0102" "4e020000",
		"e1184c0f890010120123412340123456789012" "4d0102" "4e020000", /* EID 15 */
		"e2194c1089001012012341234012345678901224" "4d0102" "4e020000",   /* tag */
		"e1194c1089001012012341234012345678901224" "4d0102" "4e020000" "00", /* trailing */
		"e11a4c1089001012012341234012345678901224" "4d0102" "4e020000",   /* cut */
		"e11d4c1089001012012341234012345678901224" "4d0102" "4e020000" "4f02a000",
		"",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_not_equal(e1(bad[i], &nt), M2M_OK);
	assert_int_equal(m2m_es5_notif_decode(NULL, 0, &nt), M2M_ERR_ARG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_pack_check),
		cmocka_unit_test(test_plans),
		cmocka_unit_test(test_packet_build),
		cmocka_unit_test(test_ud_parse),
		cmocka_unit_test(test_por_open),
		cmocka_unit_test(test_notif_decode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
