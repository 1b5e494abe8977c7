/* The card's receiving end of SCP80: key set by TAR, minimum security level, counters, and the
 * exact PoR status of each refusal (TS 102 225 table 5). The accepted packet is pySim's AES128
 * vector (osmocom/pysim tests/unittests/test_ota.py at 597f1e0: TAR B00011, SPI 0619, KIc/KID
 * 22, APDU 00a40004023f00); the others are built from it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "card/scp80.h"
#include "core/hex.h"
#include "crypto/sym.h"

#define AES_KIC "200102030405060708090a0b0c0d0e0f"
#define AES_KID "201102030405060708090a0b0c0d0e0f"
#define PYSIM_PKT "00281506192222b00011e87cceebb2d93083011ce294f93fc4d8de80da1abae8c37ca3e72ec4432e5058"

static const uint8_t tar_rfm[3] = {0xB0, 0x00, 0x11};
static const uint8_t tar_isdr[3] = {0x00, 0x00, 0x01};
static const uint8_t apdu[] = {0x00, 0xA4, 0x00, 0x04, 0x02, 0x3F, 0x00};

/* The card: two TARs, key index 2 only. */
typedef struct {
	uint8_t kic[16], kid[16];
	uint64_t isdr_counter;
} card;

static m2m_scp80_por_status lookup(void *ctx, const uint8_t tar[3], uint8_t kic, uint8_t kid,
				   m2m_scp80_tar_info *info)
{
	card *c = ctx;
	if (memcmp(tar, tar_rfm, 3) == 0)
		info->min_spi1 = 0x06; /* CC and ciphering */
	else if (memcmp(tar, tar_isdr, 3) == 0)
		info->min_spi1 = 0x16, info->last_counter = c->isdr_counter; /* SGP.02 */
	else
		return M2M_POR_TAR_UNKNOWN;
	if ((kic >> 4) != 2 || (kid >> 4) != 2)
		return M2M_POR_UNDEFINED_SECURITY_ERROR;
	m2m_scp80_key_set(&info->keys.kic, c->kic, 16);
	m2m_scp80_key_set(&info->keys.kid, c->kid, 16);
	return M2M_POR_OK;
}

static void card_init(card *c)
{
	memset(c, 0, sizeof *c);
	assert_int_equal(m2m_hex_decode_exact(AES_KIC, c->kic, 16), M2M_OK);
	assert_int_equal(m2m_hex_decode_exact(AES_KID, c->kid, 16), M2M_OK);
}

/* Server side: a packet from the same keys with other header fields. */
static void wrap(m2m_buf *out, const char *spi, uint8_t kic, const uint8_t tar[3],
		 uint64_t counter)
{
	m2m_scp80_hdr hdr;
	m2m_scp80_keys keys;
	uint8_t k[16];
	memset(&hdr, 0, sizeof hdr);
	memset(&keys, 0, sizeof keys);
	assert_int_equal(m2m_hex_decode_exact(spi, hdr.spi, 2), M2M_OK);
	hdr.kic = kic;
	hdr.kid = 0x22;
	memcpy(hdr.tar, tar, 3);
	hdr.counter = counter;
	assert_int_equal(m2m_hex_decode_exact(AES_KIC, k, 16), M2M_OK);
	m2m_scp80_key_set(&keys.kic, k, 16);
	assert_int_equal(m2m_hex_decode_exact(AES_KID, k, 16), M2M_OK);
	m2m_scp80_key_set(&keys.kid, k, 16);
	out->len = 0;
	assert_int_equal(m2m_scp80_wrap(&hdr, &keys, apdu, sizeof apdu, out), M2M_OK);
	m2m_scp80_keys_wipe(&keys);
}

static uint8_t receive(card *c, const m2m_buf *pkt, m2m_err want)
{
	m2m_scp80_hdr hdr;
	uint8_t status = 0xFF;
	m2m_buf data;
	m2m_buf_init(&data);
	assert_int_equal(m2m_scp80_card_receive(pkt->data, pkt->len, lookup, c, &hdr, &status, &data),
			 want);
	if (want == M2M_OK) {
		assert_int_equal(data.len, sizeof apdu);
		assert_memory_equal(data.data, apdu, sizeof apdu);
	}
	m2m_buf_free(&data);
	return status;
}

static void test_pysim_packet_accepted(void **state)
{
	(void)state;
	card c;
	m2m_buf pkt;
	card_init(&c);
	m2m_buf_init(&pkt);
	assert_int_equal(m2m_hex_decode_buf(PYSIM_PKT, &pkt), M2M_OK);
	assert_int_equal(receive(&c, &pkt, M2M_OK), M2M_POR_OK);
	m2m_buf_free(&pkt);
}

static void test_refusals(void **state)
{
	(void)state;
	card c;
	m2m_buf pkt;
	card_init(&c);
	m2m_buf_init(&pkt);
	const uint8_t tar_other[3] = {0x00, 0x00, 0x02};
	wrap(&pkt, "0619", 0x22, tar_other, 0);
	assert_int_equal(receive(&c, &pkt, M2M_ERR_STATE), M2M_POR_TAR_UNKNOWN);
	wrap(&pkt, "0619", 0x32, tar_rfm, 0); /* key index 3: not on this card */
	assert_int_equal(receive(&c, &pkt, M2M_ERR_STATE), M2M_POR_UNDEFINED_SECURITY_ERROR);
	wrap(&pkt, "0219", 0x22, tar_rfm, 0); /* CC without ciphering */
	assert_int_equal(receive(&c, &pkt, M2M_ERR_STATE), M2M_POR_INSUFFICIENT_SECURITY_LEVEL);
	wrap(&pkt, "0639", 0x22, tar_isdr, 1); /* the ISD-R wants a counter */
	assert_int_equal(receive(&c, &pkt, M2M_ERR_STATE), M2M_POR_INSUFFICIENT_SECURITY_LEVEL);
	m2m_buf_free(&pkt);
}

static void test_counters(void **state)
{
	(void)state;
	card c;
	m2m_buf pkt;
	card_init(&c);
	m2m_buf_init(&pkt);
	c.isdr_counter = 5;
	wrap(&pkt, "1639", 0x22, tar_isdr, 5); /* replay */
	assert_int_equal(receive(&c, &pkt, M2M_ERR_STATE), M2M_POR_CNTR_LOW);
	wrap(&pkt, "1639", 0x22, tar_isdr, 4);
	assert_int_equal(receive(&c, &pkt, M2M_ERR_STATE), M2M_POR_CNTR_LOW);
	wrap(&pkt, "1639", 0x22, tar_isdr, 9);
	assert_int_equal(receive(&c, &pkt, M2M_OK), M2M_POR_OK);
	wrap(&pkt, "1e39", 0x22, tar_isdr, 9); /* exactly one higher wanted */
	assert_int_equal(receive(&c, &pkt, M2M_ERR_STATE), M2M_POR_CNTR_HIGH);
	wrap(&pkt, "1e39", 0x22, tar_isdr, 6);
	assert_int_equal(receive(&c, &pkt, M2M_OK), M2M_POR_OK);
	m2m_buf_free(&pkt);
}

static void test_bad_cc_wrong_key_truncated(void **state)
{
	(void)state;
	card c;
	m2m_buf pkt;
	card_init(&c);
	m2m_buf_init(&pkt);
	assert_int_equal(m2m_hex_decode_buf(PYSIM_PKT, &pkt), M2M_OK);
	pkt.data[pkt.len - 1] ^= 0x01; /* last cipher block: CC or data no longer match */
	assert_int_equal(receive(&c, &pkt, M2M_ERR_VERIFY), M2M_POR_RC_CC_DS_FAILED);
	pkt.data[pkt.len - 1] ^= 0x01;
	c.kic[0] ^= 0xFF; /* the card deciphers with another KIc key */
	assert_int_equal(receive(&c, &pkt, M2M_ERR_VERIFY), M2M_POR_RC_CC_DS_FAILED);
	c.kic[0] ^= 0xFF;
	pkt.len -= 16; /* a cipher block missing: CPL says more */
	assert_int_not_equal(receive(&c, &pkt, M2M_ERR_BOUNDS), M2M_POR_OK);
	m2m_buf_free(&pkt);
}

/* A ciphered packet with a right CC around a chosen padding counter. Built by hand: header
 * 0619 22 22 B00011, one plaintext block CNTR(5) PCNTR CC(8) data ABCD, with CC =
 * AES-CMAC(KID key, CPL..TAR || CNTR PCNTR || data) truncated to 8 bytes. */
static void build_pcntr(const card *c, uint8_t pcntr, uint8_t pkt[26])
{
	static const uint8_t head[10] = {0x00, 0x18, 0x15, 0x06, 0x19, 0x22, 0x22, 0xB0, 0x00, 0x11};
	uint8_t plain[16] = {0, 0, 0, 0, 0, pcntr};
	uint8_t cc_in[10 + 6 + 2], mac[16];
	plain[14] = 0xAB, plain[15] = 0xCD;
	memcpy(pkt, head, sizeof head);
	memcpy(cc_in, head, 10);
	memcpy(cc_in + 10, plain, 6);
	memcpy(cc_in + 16, plain + 14, 2);
	assert_int_equal(m2m_aes_cmac(c->kid, 16, cc_in, sizeof cc_in, mac), M2M_OK);
	memcpy(plain + 6, mac, 8);
	assert_int_equal(m2m_aes_cbc_encrypt(c->kic, 16, NULL, plain, 16, pkt + 10), M2M_OK);
}

/* More padding claimed than there is data: status 05 (ciphering error). */
static void test_bad_padding_counter(void **state)
{
	(void)state;
	card c;
	uint8_t pkt[26], status = 0xFF;
	m2m_scp80_hdr hdr;
	m2m_buf data;
	card_init(&c);
	m2m_buf_init(&data);
	build_pcntr(&c, 0x05, pkt);
	assert_int_equal(m2m_scp80_card_receive(pkt, sizeof pkt, lookup, &c, &hdr, &status, &data),
			 M2M_ERR_FORMAT);
	assert_int_equal(status, M2M_POR_CIPHERING_ERROR);
	/* The same construction with PCNTR 01 opens, to one data byte. */
	build_pcntr(&c, 0x01, pkt);
	assert_int_equal(m2m_scp80_card_receive(pkt, sizeof pkt, lookup, &c, &hdr, &status, &data),
			 M2M_OK);
	assert_int_equal(status, M2M_POR_OK);
	assert_int_equal(data.len, 1);
	assert_int_equal(data.data[0], 0xAB);
	m2m_buf_free(&data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pysim_packet_accepted),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_bad_cc_wrong_key_truncated),
		cmocka_unit_test(test_bad_padding_counter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
