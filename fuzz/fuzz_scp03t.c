/* libFuzzer target: the card side of SCP03t (m2m_scp03t_card_process).
 * The first byte picks the state the input meets: 0 a fresh card, 1 a card after a valid
 * 84, 2 a card with an open session (after valid 84 and 85 from a real host), so that the
 * 85 and 86 paths are reached too. The rest is a sequence of TLVs, each fed as one command;
 * bytes that do not split into TLVs are fed whole. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "card/scp03t.h"
#include "core/tlv.h"

static const uint8_t AID[] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
			      0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x13, 0x00};
static const uint8_t SEQ[3] = {0x00, 0x00, 0x01};
static const uint8_t HC[8] = {1, 2, 3, 4, 5, 6, 7, 8};

/* Brings card to `stage` (0-2) with a genuine host; returns 0 on success. */
static int prepare(m2m_scp03t_card *card, m2m_scp03t_host *host, int stage, m2m_buf *tmp)
{
	uint8_t enc[16], mac[16];
	m2m_scp03_keys k;
	for (size_t i = 0; i < 16; i++) {
		enc[i] = (uint8_t)i;
		mac[i] = (uint8_t)(0x10 + i);
	}
	m2m_err err = m2m_scp03_keys_set(&k, enc, mac, 16, 0x30);
	if (err == M2M_OK)
		err = m2m_scp03t_card_init(card, &k, AID, sizeof AID, SEQ, NULL, false);
	if (err == M2M_OK)
		err = m2m_scp03t_host_init(host, &k, 0x00, HC);
	m2m_buf resp, plain;
	m2m_buf_init(&resp);
	m2m_buf_init(&plain);
	if (err == M2M_OK && stage >= 1)
		err = m2m_scp03t_host_iu(host, tmp);
	if (err == M2M_OK && stage >= 1)
		err = m2m_scp03t_card_process(card, tmp->data, tmp->len, &resp, &plain);
	if (err == M2M_OK && stage >= 2) {
		tmp->len = 0;
		err = m2m_scp03t_host_auth(host, resp.data + 2, resp.len - 2, tmp);
	}
	if (err == M2M_OK && stage >= 2) {
		resp.len = 0;
		err = m2m_scp03t_card_process(card, tmp->data, tmp->len, &resp, &plain);
	}
	m2m_buf_free(&resp);
	m2m_buf_free(&plain);
	m2m_scp03_keys_wipe(&k);
	return err == M2M_OK ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	m2m_scp03t_card card;
	m2m_scp03t_host host;
	m2m_buf tmp, resp, plain;
	m2m_buf_init(&tmp);
	m2m_buf_init(&resp);
	m2m_buf_init(&plain);
	if (prepare(&card, &host, data[0] % 3, &tmp) != 0)
		__builtin_trap(); /* the genuine handshake must always work */
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	while (n > 0) {
		m2m_tlv t;
		size_t len = n;
		if (m2m_tlv_decode(p, n, M2M_TLV_BER, &t, NULL) == M2M_OK)
			len = t.size;
		resp.len = 0;
		(void)m2m_scp03t_card_process(&card, p, len, &resp, &plain);
		p += len;
		n -= len;
	}
	/* The host's response checker sees the same bytes. */
	(void)m2m_scp03t_host_response(&host, data + 1, size - 1, &plain);
	m2m_scp03t_card_wipe(&card);
	m2m_scp03t_host_wipe(&host);
	m2m_buf_free(&tmp);
	m2m_buf_free(&resp);
	m2m_buf_free(&plain);
	return 0;
}
