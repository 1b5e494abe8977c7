/*
 * libFuzzer target for the SM-SR's ES5 way back over SMS: the TP-UD header parser, the PoR
 * opener and matcher, the MO notification peek/verify/decode and the response-script to
 * typed-result parsers of every function. The first byte picks the parser; fixed keys (those
 * of the seeds in fuzz/corpus/es5_por/) let valid packets go deep. Beyond "never crash":
 * whatever opens must stay within the input and keep the result's invariants.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smsr/es5_pack.h"
#include "smsr/es5_result.h"
#include "smsr/es5_txn.h"

static const m2m_scp80_hdr cmd_hdr = {.spi = {0x16, 0x39}, .kic = 0x12, .kid = 0x12,
				      .tar = {0x00, 0x00, 0x01}, .counter = 6};

static void fuzz_keys(m2m_scp80_keys *k)
{
	uint8_t v[16];

	memset(k, 0, sizeof *k);
	memset(v, 0x01, sizeof v);
	m2m_scp80_key_set(&k->kic, v, 16);
	memset(v, 0x02, sizeof v);
	m2m_scp80_key_set(&k->kid, v, 16);
}

static void fuzz_ud(const uint8_t *p, size_t n)
{
	m2m_es5_ud ud;

	if (m2m_es5_ud_parse(p, n, &ud) == M2M_OK &&
	    (ud.payload + ud.payload_len != p + n || ud.seq == 0 || ud.seq > ud.total))
		abort();
}

static void fuzz_por(const uint8_t *p, size_t n, const m2m_scp80_keys *k)
{
	m2m_es5_por por;
	m2m_buf data;

	m2m_buf_init(&data);
	if (m2m_es5_por_open(&cmd_hdr, k, p, n, &por, &data) == M2M_OK) {
		if (data.len > n || (!por.secured && (por.status == 0 || data.len > 0)))
			abort();
		(void)m2m_es5_por_matches(&por, &cmd_hdr);
	}
	m2m_buf_free(&data);
}

static void fuzz_notif(const uint8_t *p, size_t n, const m2m_scp80_keys *k)
{
	m2m_es5_notif nt;
	uint8_t kvn;

	if (m2m_es5_notif_kvn(p, n, &kvn) == M2M_OK && (kvn < 1 || kvn > 15))
		abort();
	(void)m2m_es5_notif_peek(p, n, &nt);
	if (m2m_es5_notif_open(p, n, k, &nt) == M2M_OK && nt.aid_len > sizeof nt.aid)
		abort();
	(void)m2m_es5_notif_decode(p, n, &nt);
}

/* The input as the response script of each kind of command. */
static void fuzz_results(const uint8_t *p, size_t n)
{
	static const uint8_t aid[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
					0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x13, 0x00};
	m2m_es5_cmd c;
	m2m_es5_result r;

	m2m_es5_cmd_init(&c);
	m2m_es5_result_init(&r, 0);
	for (int kind = 0; kind < 5; kind++) {
		switch (kind) {
		case 0:
			m2m_es5_audit(&c, 0x0F, NULL, 0);
			break;
		case 1:
			m2m_es5_notification_confirm(&c, 1);
			break;
		case 2:
			m2m_es5_create_isdp(&c, (const uint8_t[3]){0, 0, 0x13}, 0);
			break;
		case 3:
			m2m_es5_enable_profile(&c, aid);
			break;
		default:
			m2m_es5_delete_isdp(&c, aid);
			break;
		}
		m2m_es5_result_free(&r);
		m2m_es5_result_init(&r, c.fn);
		(void)m2m_es5_result_add_script(&r, p, n, NULL);
		if (m2m_es5_result_finish(&c, &r) != M2M_OK || r.executed > M2M_ES5_APDU_MAX ||
		    r.audit.nisdp > M2M_ES5_ISDP_MAX || r.ndeleted > M2M_ES5_ISDP_MAX)
			abort();
		if (r.outcome == M2M_ES5_OK && r.code.subject != NULL)
			abort();
	}
	m2m_es5_result_free(&r);
	m2m_es5_cmd_free(&c);
}

static m2m_err reserve(void *arg, const uint8_t eid[16], uint8_t kvn, uint64_t *counter)
{
	(void)arg;
	(void)eid;
	(void)kvn;
	*counter = 6;
	return M2M_OK;
}

/* A whole transaction fed this PoR. */
static void fuzz_txn(const uint8_t *p, size_t n, const m2m_scp80_keys *k)
{
	static const uint8_t eid[16] = {0x89};
	m2m_es5_pack_cfg cfg = {0};
	m2m_es5_cmd c;
	m2m_es5_txn t;

	m2m_es5_cmd_init(&c);
	m2m_es5_audit(&c, M2M_ES5_AUDIT_EID | M2M_ES5_AUDIT_ISDPS, NULL, 0);
	if (m2m_es5_txn_start(&t, &c, &cfg, k, eid) == M2M_OK &&
	    m2m_es5_txn_packet(&t, reserve, NULL, 1) == M2M_OK &&
	    m2m_es5_txn_por(&t, p, n) == M2M_ES5_POR_TAKEN && !t.done && !m2m_es5_txn_due(&t))
		abort();
	m2m_es5_txn_free(&t);
	m2m_es5_cmd_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	m2m_scp80_keys k;

	if (size < 1)
		return 0;
	fuzz_keys(&k);
	switch (data[0] % 5) {
	case 0:
		fuzz_ud(data + 1, size - 1);
		break;
	case 1:
		fuzz_por(data + 1, size - 1, &k);
		break;
	case 2:
		fuzz_notif(data + 1, size - 1, &k);
		break;
	case 3:
		fuzz_results(data + 1, size - 1);
		break;
	default:
		fuzz_txn(data + 1, size - 1, &k);
		break;
	}
	m2m_scp80_keys_wipe(&k);
	return 0;
}
