/*
 * SCP80 against independent public known answers (not pySim, see test_scp80.c for those).
 *
 * Source: TapuGithub/gsm0348 (Java 03.48 library, opentelecoms), read at commit
 * 03b644ead872bf4b01a9e707c9b7dc3a84905d9e:
 *   - gsm0348-impl/src/test/resources/Dataset0348.xml, run by DataDrivenPacketTest.testAll:
 *     testcases named below (request packets built by PacketBuilderImpl.buildCommandPacket,
 *     response packets opened by recoverResponsePacket);
 *   - gsm0348-impl/src/test/java/Gsm0348Test.java: should_build_command_packet_aes,
 *     should_recover_response_packet_with_extra_data, should_build_response_packet.
 * The dataset writes the packets CPL first, as m2m_scp80_wrap does, and the PoRs without
 * UDH. Cases left out: single DES (KIc/KID x1, x9 ECB) and "algorithm known by both
 * entities" (KIc x0) that m2m_scp80 refuses by design, and test_aes_256_aes_cmac_32, whose
 * 4-byte AES CMAC the m2m_scp80 API cannot express (CC is always 8 bytes here).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "card/scp80.h"
#include "core/hex.h"

/* The data of most dataset requests: SELECT 3F00, 7F10, 6F3C, READ RECORD (2G class A0). */
#define DS_DATA "A0A40000023F00A0A40000027F10A0A40000026F3CA0B2010405"
#define K3_24 "938ED71B96CC424B7255E700AF27D4AA128BAA5F27D25559"

static void hexbuf(const char *hex, m2m_buf *b)
{
	m2m_buf_init(b);
	assert_int_equal(m2m_hex_decode_buf(hex, b), M2M_OK);
}

/* NULL or "" leaves the key unset (len 0). */
static void set_keys(m2m_scp80_keys *k, const char *kic, const char *kid)
{
	uint8_t b[32];
	size_t n;
	memset(k, 0, sizeof *k);
	if (kic != NULL && kic[0] != '\0') {
		assert_int_equal(m2m_hex_decode(kic, b, sizeof b, &n), M2M_OK);
		assert_int_equal(m2m_scp80_key_set(&k->kic, b, n), M2M_OK);
	}
	if (kid != NULL && kid[0] != '\0') {
		assert_int_equal(m2m_hex_decode(kid, b, sizeof b, &n), M2M_OK);
		assert_int_equal(m2m_scp80_key_set(&k->kid, b, n), M2M_OK);
	}
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

static void expect_hex(const m2m_buf *b, const char *hex, const char *what)
{
	m2m_buf want;
	hexbuf(hex, &want);
	if (b->len != want.len || memcmp(b->data, want.data, want.len) != 0) {
		char got[1024] = "";
		if (b->len * 2 < sizeof got)
			m2m_hex_encode(b->data, b->len, got);
		m2m_buf_free(&want);
		fail_msg("%s: got %s want %s", what, got, hex);
	}
	m2m_buf_free(&want);
}

typedef struct {
	const char *name; /* the source's test name */
	uint16_t spi;
	uint8_t kic, kid;
	const char *kic_key, *kid_key;
	uint32_t tar;
	uint64_t counter;
	const char *data;
	const char *packet; /* CPL first */
} cmd_vector;

static const cmd_vector cmd_vectors[] = {
	/* Ciphered, no RC/CC, counter "no replay check" (SPI 0C01). */
	{"Dataset0348 test005 3DES-2K zero key", 0x0C01, 0x05, 0x01,
	 "00000000000000000000000000000000", NULL, 0xB00010, 1, DS_DATA,
	 "00280D0C010501B000101B94C9BA4BE5D6656959EA5C1B6E2AAA4746F485413747189E5EECC3C0484AAD"},
	{"Dataset0348 test006 3DES-2K", 0x0C01, 0x05, 0x01, "FA338447F066D84D66748B173509C53F",
	 NULL, 0xB00010, 1, DS_DATA,
	 "00280D0C010501B0001014A96F4DFD50E55ADF87B01ED6C72585FC156D8B41ADC35BA7A43A776F49C5D4"},
	{"Dataset0348 test007 3DES-3K zero key", 0x0C01, 0x09, 0x01,
	 "000000000000000000000000000000000000000000000000", NULL, 0xB00010, 1, DS_DATA,
	 "00280D0C010901B000101B94C9BA4BE5D6656959EA5C1B6E2AAA4746F485413747189E5EECC3C0484AAD"},
	{"Dataset0348 test008 3DES-3K", 0x0C01, 0x09, 0x01, K3_24, NULL, 0xB00010, 1, DS_DATA,
	 "00280D0C010901B00010821EF0311FB8E5B6A2F7EFA36537B31EB3C9FAB4B523007081BA813C77D4C5BF"},
	{"Dataset0348 test013 3DES-3K counter 12CD", 0x0C01, 0x09, 0x01, K3_24, NULL, 0xB00010,
	 0x12CD, DS_DATA,
	 "00280D0C010901B000105DC0A237455346727F48A6958F03140E2AE751200A4D958781DD5EC97B2D1AC2"},
	{"Dataset0348 test014 3DES-3K counter FFAB00FF00", 0x0C01, 0x09, 0x01, K3_24, NULL,
	 0xB00010, 0xFFAB00FF00ull, DS_DATA,
	 "00280D0C010901B00010B788B3F7E5E222EED4D04747B89E6EB3C4072B81AD75AAB9F406A74CE8169922"},
	/* Ciphered with a 3DES CC (SPI 0E01). */
	{"Dataset0348 test019 3DES-3K + CC 3DES-2K zero key", 0x0E01, 0x09, 0x05, K3_24,
	 "00000000000000000000000000000000", 0xB00010, 1, DS_DATA,
	 "0030150E010905B000107BF32C9EA282CE6D1266E099A972618F9F4EC1AA66E6FEEB0E0563C16D9F6F30FB"
	 "B65F3CAA93590C"},
	{"Dataset0348 test020 3DES-3K + CC 3DES-2K", 0x0E01, 0x09, 0x05, K3_24,
	 "FA338447F066D84D66748B173509C53F", 0xB00010, 1, DS_DATA,
	 "0030150E010905B00010C42958A0C491764C07CD13E805F665B2CFB61389F2A018AB68CA3ECE191347C11A"
	 "CE57E238552A61"},
	{"Dataset0348 test021 3DES-3K + CC 3DES-3K zero key", 0x0E01, 0x09, 0x09, K3_24,
	 "000000000000000000000000000000000000000000000000", 0xB00010, 1, DS_DATA,
	 "0030150E010909B0001073BFF6C68AF22376685280DD3EDF4C099D3869CFAFB67DBC50EB241842FEAA9CB7"
	 "01B7F3AB0CD2AD"},
	{"Dataset0348 test022 3DES-3K + CC 3DES-3K", 0x0E01, 0x09, 0x09, K3_24,
	 "9571C0BE50A35A74034D055F5A0A3FB10005D8C93C6A3918", 0xB00010, 1, DS_DATA,
	 "0030150E010909B00010F62431EA2C69C44298E52B71EF4DFD05FA427F05E9202501046125FE1AFE325E56"
	 "D130B660EEE52A"},
	/* No security at all (SPI 0801). */
	{"Dataset0348 test023 no security", 0x0801, 0x09, 0x09, K3_24,
	 "9571C0BE50A35A74034D055F5A0A3FB10005D8C93C6A3918", 0xB00010, 1, DS_DATA,
	 "00280D08010909B00010000000000100A0A40000023F00A0A40000027F10A0A40000026F3CA0B2010405"},
	/* Key set 7, TAR 000000, counter "higher" (SPI 1601 / 1201). */
	{"Dataset0348 test024 3DES-2K + CC 3DES-2K, keyset 7", 0x1601, 0x75, 0x75,
	 "20422042204420442045204520462046", "2123456789ABCDEF100276FEDCBA0123", 0x000000, 0x36F,
	 "A0A40000027F20",
	 "002015160175750000002B2D234931B581FC76BE70F3C5DD49F2967E9B2244A228C1"},
	{"Dataset0348 test101 CC 3DES-2K, not ciphered", 0x1201, 0x75, 0x75,
	 "20422042204420442045204520462046", "2123456789ABCDEF100276FEDCBA0123", 0x000000, 0x36F,
	 "A0A40000027F20", "001D1512017575000000000000036F0087A47C630C8CA89EA0A40000027F20"},
	/* AES-CBC + AES-CMAC (8 bytes). */
	{"Dataset0348 test_aes_128_aes_cmac_64", 0x1601, 0x12, 0x12,
	 "D382E547B32F46A981FB1789DE20C4ED", "67062EAE4534B19DFCE61464597DF320", 0xB00010, 1,
	 "000E0AB0001000000018180000049000",
	 "00281516011212B0001069787DD434C3D1C892ED66A873E85842746A9A9BA085FA42312B9DE449720A15"},
	{"Dataset0348 test_aes_192_aes_cmac_64", 0x1601, 0x12, 0x12,
	 "D382E547B32F46A981FB1789DE20C4EDD382E547B32F46A9",
	 "67062EAE4534B19DFCE61464597DF32067062EAE4534B19D", 0xB00010, 1,
	 "000E0AB0001000000018180000049000",
	 "00281516011212B0001085B09A5F9A25A1EC3E7FF5A02FA73ABF59F38EB9E4052FDB4352C38E6550DB52"},
	{"Dataset0348 test_aes_256_aes_cmac_64", 0x1601, 0x12, 0x12,
	 "D382E547B32F46A981FB1789DE20C4EDD382E547B32F46A981FB1789DE20C4ED",
	 "67062EAE4534B19DFCE61464597DF320D382E547B32F46A981FB1789DE20C4ED", 0xB00010, 1,
	 "000E0AB0001000000018180000049000",
	 "00281516011212B00010C9F23D986CC63FA53638751A249266D1086952E9A0F7E5EF1910295919E68056"},
	{"Gsm0348Test should_build_command_packet_aes", 0x0621, 0x12, 0x12,
	 "11223344556677889910111213141516", "11223344556677889910111213141516", 0x010203, 0,
	 "AABB", "00181506211212010203" "4814CE84CBDEBC1A0DF20A5EE20E74C6"},
};

static void test_command_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cmd_vectors / sizeof cmd_vectors[0]; i++) {
		const cmd_vector *v = &cmd_vectors[i];
		m2m_scp80_hdr h, got;
		m2m_scp80_keys k;
		m2m_buf data, out, back;
		uint8_t status = 0xFF;
		print_message("vector %s\n", v->name);
		set_hdr(&h, v->spi, v->kic, v->kid, v->tar, v->counter);
		set_keys(&k, v->kic_key, v->kid_key);
		hexbuf(v->data, &data);
		m2m_buf_init(&out);
		m2m_buf_init(&back);
		/* Server side: the packet byte for byte. */
		assert_int_equal(m2m_scp80_wrap(&h, &k, data.data, data.len, &out), M2M_OK);
		expect_hex(&out, v->packet, v->name);
		/* Card side: the published packet opens to the data, counter one below accepted. */
		m2m_buf pkt;
		hexbuf(v->packet, &pkt);
		uint64_t last = v->counter > 0 ? v->counter - 1 : 0;
		unsigned mode = (v->spi >> 11) & 3;
		const uint64_t *lastp = mode >= M2M_SCP80_CNTR_HIGHER && v->counter > 0 ? &last
											 : NULL;
		assert_int_equal(m2m_scp80_unwrap_command(pkt.data, pkt.len, &k, lastp, &got, &status,
							  &back),
				 M2M_OK);
		assert_int_equal(status, M2M_POR_OK);
		assert_int_equal(back.len, data.len);
		assert_memory_equal(back.data, data.data, data.len);
		assert_memory_equal(got.spi, h.spi, 2);
		assert_int_equal(got.kic, v->kic);
		assert_int_equal(got.kid, v->kid);
		assert_memory_equal(got.tar, h.tar, 3);
		assert_int_equal(got.counter, v->counter);
		/* A flipped last byte: the CC (when there is one) catches it. */
		if ((v->spi >> 8 & M2M_SCP80_SPI1_CHK_MASK) == M2M_SCP80_CHK_CC) {
			pkt.data[pkt.len - 1] ^= 0x01;
			m2m_buf_reset(&back);
			assert_int_equal(m2m_scp80_unwrap_command(pkt.data, pkt.len, &k, NULL, &got,
								  &status, &back),
					 M2M_ERR_VERIFY);
			assert_int_equal(status, M2M_POR_RC_CC_DS_FAILED);
		}
		m2m_scp80_keys_wipe(&k);
		m2m_buf_free(&pkt);
		m2m_buf_free(&data);
		m2m_buf_free(&out);
		m2m_buf_free(&back);
	}
}

typedef struct {
	const char *name;
	uint16_t spi; /* of the command the PoR answers */
	uint8_t kic, kid;
	const char *kic_key, *kid_key;
	const char *por; /* RPL first, no UDH */
	uint32_t tar;
	uint64_t counter;
	uint8_t status;
	const char *data; /* additional response data, padding removed */
} por_vector;

static const por_vector por_vectors[] = {
	/* A PoR from a real card (bug report in the source): ciphered 3DES-2K and CC'd,
	 * SPI2 39; PaddingCounter 7 in the dataset, which leaves 2 data bytes of its 9. */
	{"Dataset0348 'Tomas Andersen Bug #1' (ciphered + CC)", 0x1639, 0x25, 0x25,
	 "AAADB5D0727D2BC91075D204FE41DA99", "26A54F5FC8E1538BF9C9655C18F10A5B",
	 "001C12C00203F5909CB8B8F141FEC926024DCF0EB376D4CCFB92BB35177A", 0xC00203, 0x42, 0x00,
	 "1100"},
	{"Dataset0348 Response-501", 0x0801, 0x00, 0x00, NULL, NULL,
	 "000E0AB0001000000000010000016E00", 0xB00010, 1, 0x00, "016E00"},
	{"Dataset0348 Response-601 (SPI2 21)", 0x1521, 0x15, 0x15,
	 "D382E547B32F46A981FB1789DE20C4ED", "67062EAE4534B19DFCE61464597DF320",
	 "000E0AB0001000000000070000049000", 0xB00010, 7, 0x00, "049000"},
	{"Dataset0348 Response-602", 0x1501, 0x15, 0x15, "D382E547B32F46A981FB1789DE20C4ED",
	 "67062EAE4534B19DFCE61464597DF320", "000E0AB0001000000000180000049000", 0xB00010, 0x18,
	 0x00, "049000"},
	{"Gsm0348Test should_recover_response_packet_with_extra_data", 0x0601, 0x11, 0x11, NULL,
	 NULL, "000E0AB0011F000000000100000A9000", 0xB0011F, 1, 0x00, "0A9000"},
	{"Gsm0348Test should_build_response_packet (status 05)", 0x0601, 0x11, 0x11, NULL, NULL,
	 "000D0AB00010000000000000059000", 0xB00010, 0, M2M_POR_CIPHERING_ERROR, "9000"},
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
		/* Server side: open. */
		assert_int_equal(m2m_scp80_unwrap_response(spi, v->kic, v->kid, &k, por.data, por.len,
							   &rsp, &data),
				 M2M_OK);
		uint8_t tar[3] = {(uint8_t)(v->tar >> 16), (uint8_t)(v->tar >> 8), (uint8_t)v->tar};
		assert_memory_equal(rsp.tar, tar, 3);
		assert_int_equal(rsp.counter, v->counter);
		assert_int_equal(rsp.status, v->status);
		expect_hex(&data, v->data, v->name);
		/* Card side: the same PoR rebuilt byte for byte. */
		set_hdr(&cmd, v->spi, v->kic, v->kid, v->tar, v->counter);
		assert_int_equal(m2m_scp80_wrap_response(&cmd, &k, v->status, data.data, data.len,
							 &again),
				 M2M_OK);
		expect_hex(&again, v->por, v->name);
		/* The CC'd one: a flipped byte is refused. */
		if ((v->spi >> M2M_SCP80_SPI2_CHK_SHIFT & 3) == M2M_SCP80_CHK_CC) {
			por.data[por.len - 1] ^= 0x01;
			m2m_buf_reset(&data);
			assert_int_equal(m2m_scp80_unwrap_response(spi, v->kic, v->kid, &k, por.data,
								   por.len, &rsp, &data),
					 M2M_ERR_VERIFY);
		}
		m2m_scp80_keys_wipe(&k);
		m2m_buf_free(&por);
		m2m_buf_free(&data);
		m2m_buf_free(&again);
	}
}

/* The dataset's single-DES cases (test001 KIc 01; test102 KIc/KID 11, CC) are refused, not
 * answered wrongly: m2m_scp80 leaves single DES out on purpose. */
static void test_single_des_refused(void **state)
{
	(void)state;
	m2m_scp80_hdr h;
	m2m_scp80_keys k;
	m2m_buf data, out;
	hexbuf(DS_DATA, &data);
	m2m_buf_init(&out);
	set_keys(&k, "0000000000000000", "0000000000000000");
	set_hdr(&h, 0x0C01, 0x01, 0x01, 0xB00010, 1);
	assert_int_equal(m2m_scp80_wrap(&h, &k, data.data, data.len, &out), M2M_ERR_UNSUPPORTED);
	set_keys(&k, "4C43372F8AF115D6", "6829E061EC9285FB");
	set_hdr(&h, 0x1601, 0x11, 0x11, 0x000000, 1);
	assert_int_equal(m2m_scp80_wrap(&h, &k, data.data, data.len, &out), M2M_ERR_UNSUPPORTED);
	assert_int_equal(out.len, 0);
	m2m_scp80_keys_wipe(&k);
	m2m_buf_free(&data);
	m2m_buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_command_vectors),
		cmocka_unit_test(test_por_vectors),
		cmocka_unit_test(test_single_des_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
