/*
 * libFuzzer target for the card-side SCP80 opener and the SMS parsers. The first input byte
 * picks the key set's algorithms so that every SPI path (RC, CC, ciphering) is reached with
 * fixed keys; the rest is fed as a command packet, a PoR, an SMS-DELIVER/SUBMIT TPDU, an
 * ENVELOPE and a UDH to the reassembler. Besides "never crash", whatever opens must have
 * come with an OK status and data no longer than the packet.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "card/envelope.h"
#include "card/scp80.h"
#include "card/sms.h"

static m2m_sms_reasm reasm;
static int reasm_ready;

static void fuzz_command(const uint8_t *data, size_t size, const m2m_scp80_keys *k)
{
	m2m_scp80_hdr hdr;
	uint8_t status;
	uint64_t last = 3;
	m2m_buf out;
	m2m_buf_init(&out);
	if (m2m_scp80_unwrap_command(data, size, k, &last, &hdr, &status, &out) == M2M_OK &&
	    (status != M2M_POR_OK || out.len > size))
		abort();
	m2m_buf_free(&out);
}

static void fuzz_response(const uint8_t *data, size_t size, const m2m_scp80_keys *k,
			  uint8_t sel)
{
	m2m_scp80_rsp rsp;
	uint8_t spi[2] = {0x16, (uint8_t)(sel & 0x3F)};
	m2m_buf out;
	m2m_buf_init(&out);
	if (m2m_scp80_unwrap_response(spi, (sel & 0x40) ? 0x12 : 0x15, (sel & 0x80) ? 0x12 : 0x15,
				      k, data, size, &rsp, &out) == M2M_OK &&
	    out.len > size)
		abort();
	m2m_buf_free(&out);
}

static void fuzz_sms(const uint8_t *data, size_t size)
{
	m2m_sms_tpdu t;
	m2m_envelope_sms_pp e;
	m2m_buf out;
	uint8_t iei;
	bool done;
	if (m2m_sms_deliver_decode(data, size, &t) == M2M_OK && t.ud + t.ud_len > data + size)
		abort();
	if (m2m_sms_submit_decode(data, size, &t) == M2M_OK && t.ud + t.ud_len > data + size)
		abort();
	if (m2m_envelope_sms_pp_decode(data, size, &e) == M2M_OK && e.tpdu + e.tpdu_len > data + size)
		abort();
	for (int error = 0; error < 2; error++) {
		m2m_sms_report r;
		if (m2m_sms_report_decode(data, size, error, &r) == M2M_OK && r.ud_len > 0 &&
		    r.ud + r.ud_len > data + size)
			abort();
	}
	if (!reasm_ready) {
		m2m_sms_reasm_init(&reasm);
		reasm_ready = 1;
	}
	m2m_buf_init(&out);
	if (m2m_sms_reasm_add(&reasm, data, size, &out, &iei, &done) == M2M_ERR_STATE)
		m2m_sms_reasm_free(&reasm);
	m2m_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[24] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
					13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24};
	m2m_scp80_keys k;
	if (size < 1)
		return 0;
	uint8_t sel = data[0];
	memset(&k, 0, sizeof k);
	/* Key lengths 16 or 24 so that AES, 3DES2 and 3DES3 packets all find a usable key. */
	m2m_scp80_key_set(&k.kic, key, (sel & 1) ? 24 : 16);
	m2m_scp80_key_set(&k.kid, key, (sel & 2) ? 24 : 16);
	fuzz_command(data + 1, size - 1, &k);
	fuzz_response(data + 1, size - 1, &k, sel);
	fuzz_sms(data + 1, size - 1);
	m2m_scp80_keys_wipe(&k);
	return 0;
}
