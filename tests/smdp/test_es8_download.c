/* The SM-DP's ES8 download session against the software eUICC, in process: eligibility from
 * the card's own data, CreateISDP, key establishment, SCP03t, then the profile enabled and
 * read through the UICC interface; the failure paths and the error sub-routine. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "EUICCResponse.h"
#include "smdp_fixture.h"

static int setup(void **state)
{
	*state = w_new();
	return 0;
}

static int teardown(void **state)
{
	w_free(*state);
	return 0;
}

/* Eligibility from the card's data; PK.ECASD.ECKA and the memory to reserve. */
static m2m_eckey *eligible(world *w, uint64_t *mem)
{
	m2m_smdp_eis eis;
	m2m_smdp_req req;
	m2m_smdp_eligible ok;
	m2m_smdp_refusal why;
	m2m_buf cert;

	w_eis(w, &eis, &cert);
	w_req(w, &req);
	assert_int_equal(m2m_smdp_eligibility(&eis, &req, &ok, &why), M2M_OK);
	assert_int_equal(why.kind, M2M_SMDP_ELIGIBLE);
	assert_int_equal(ok.curve, M2M_CURVE_P256);
	if (mem != NULL)
		*mem = ok.required_memory;
	m2m_buf_free(&cert);
	return ok.pk_ecasd;
}

typedef struct {
	m2m_eckey *pk;
	uint8_t aid[16];
	m2m_es8_config cfg;
	m2m_es8_session *s;
} dl;

/* Eligibility, CreateISDP (ISD-P 13, mem bytes, 0: what eligibility asks) and a config. */
static void dl_prepare(world *w, dl *d, uint32_t mem)
{
	uint64_t need = 0;

	memset(d, 0, sizeof *d);
	d->pk = eligible(w, &need);
	assert_int_equal(need, w->pkg.len);
	w_create(w, AID_13, mem != 0 ? mem : (uint32_t)need);
	fx_aid(AID_13, d->aid);
	w_config(w, &d->cfg, d->aid, d->pk);
}

static void dl_start(dl *d)
{
	assert_int_equal(m2m_es8_session_new(&d->cfg, &d->s), M2M_OK);
}

static void dl_end(dl *d)
{
	m2m_es8_session_free(d->s);
	m2m_ec_free(d->pk);
}

/* The error sub-routine: ES3.DeleteISDP through the ISD-R succeeds. */
static void assert_error_subroutine(world *w)
{
	assert_string_equal(fx_tx(&w->c, "80E40040124F10" AID_13 "00"), "009000");
	assert_int_equal(fx_idx(&w->c, AID_13), -1);
}

static void assert_installed(world *w, const m2m_es8_session *s)
{
	int idx = fx_idx(&w->c, AID_13);
	size_t n = 0;
	const uint8_t *r = m2m_es8_euicc_response(s, &n);

	assert_true(m2m_es8_done(s));
	assert_null(m2m_es8_failure_get(s));
	assert_int_equal(m2m_es8_step_get(s), M2M_ES8_STEP_DONE);
	assert_memory_equal(m2m_es8_iccid(s), TS48_ICCID, 10);
	assert_int_equal(n, sizeof EUICC_OK);
	assert_memory_equal(r, EUICC_OK, n);
	assert_int_equal(w->c.e->isdp[idx].lcs, M2M_EUICC_LCS_DISABLED);
	assert_true(w->c.e->isdp[idx].has_profile);
	assert_memory_equal(w->c.e->isdp[idx].iccid, TS48_ICCID, 10);
	assert_int_equal(w->c.e->isdp[idx].mem_used, w->pkg.len);
}

static void test_full_download(void **state)
{
	world *w = *state;
	m2m_es8_keyset ks;
	m2m_saip_fs ref;
	char want[64], got[80];
	dl d;

	dl_prepare(w, &d, 0);
	dl_start(&d);
	assert_int_equal(m2m_es8_segments(d.s), (w->pkg.len + 1006) / 1007);
	assert_int_equal(m2m_es8_keys(d.s, &ks), M2M_ERR_STATE);
	assert_int_equal(w_run(w, d.s, NULL, NULL), M2M_OK);
	/* Key establishment (2), INITIALIZE UPDATE, everything else in one SendData. */
	assert_int_equal(w->payloads, 4);
	assert_installed(w, d.s);
	assert_int_equal(m2m_es8_next(d.s, &(m2m_es8_payload){0}), M2M_END);
	/* Kept: the ISD-P's 3-key set, KVN 30. */
	assert_int_equal(m2m_es8_keys(d.s, &ks), M2M_OK);
	assert_int_equal(ks.kvn, 0x30);
	assert_int_equal(ks.key_len, 16);
	m2m_es8_keyset_wipe(&ks);
	/* Enable through the ISD-R; the device reads EF.ICCID (2FE2) = the header's ICCID. */
	assert_string_equal(fx_dgi_aid(&w->c, "3A03", AID_13), "9000");
	assert_memory_equal(es8_uicc(&w->c, "00A4000C022FE2"), "9000", 5);
	m2m_hex_encode(TS48_EF_ICCID, 10, want);
	snprintf(got, sizeof got, "%s9000", want);
	assert_string_equal(es8_uicc(&w->c, "00B000000A"), got);
	/* And EF.IMSI as the package defines it. */
	es8_ref(&w->pkg, &ref);
	es8_ref_hex(&ref, "A0000000871002/6F07", 9, want);
	assert_memory_equal(es8_uicc(&w->c, "00A4040C07A0000000871002"), "9000", 5);
	assert_memory_equal(es8_uicc(&w->c, "00A4000C026F07"), "9000", 5);
	snprintf(got, sizeof got, "%s9000", want);
	assert_string_equal(es8_uicc(&w->c, "00B0000009"), got);
	m2m_saip_fs_free(&ref);
	fx_roundtrip(w->c.e);
	dl_end(&d);
}

static void assert_hex_prefix(const m2m_buf *b, const char *hex)
{
	uint8_t want[256];
	size_t n = 0;

	assert_int_equal(m2m_hex_decode(hex, want, sizeof want, &n), M2M_OK);
	assert_true(b->len >= n);
	assert_memory_equal(b->data, want, n);
}

/* Payload bytes against the recorded whty session (sgp02-bearers.md 3.1 and 3.2,
 * sgp02-facts-2.md 4a and 5a): the same commands, lengths and the accepted A6 CRT. */
static void test_payload_layout(void **state)
{
	world *w = *state;
	static const uint8_t chal[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	m2m_tlv t, seg;
	m2m_tlv_iter it;
	dl d;

	dl_prepare(w, &d, 0);
	d.cfg.segment_size = 1024; /* whty's segments */
	d.cfg.host_challenge = chal;
	dl_start(&d);
	assert_int_equal(w_run(w, d.s, NULL, NULL), M2M_OK);
	assert_int_equal(w->sent_count, 4);
	/* INSTALL [for personalization] then STORE DATA #1 (Lc AC: whty's certificate layout). */
	assert_hex_prefix(&w->sent[0], "ae80830101221b80e6200016000010" AID_13
				       "0000002281b180e20900ac3a01a97f2181a5");
	/* STORE DATA #2: Lc A1, the CRT the card accepted, ePK raw. */
	assert_hex_prefix(&w->sent[1], "ae808301032281a680e28901a13a0217"
				       "a615900203099501108001888101108201018301309100"
				       "7f494104");
	/* 84 0A 30 00 host challenge. */
	assert_int_equal(w->sent[2].len, 2 + 12 + 2);
	assert_hex_prefix(&w->sent[2], "ae80840a30000102030405060708");
	/* 85 11 33 ..., then 86 82 0418 segments of 1024 bytes. */
	assert_hex_prefix(&w->sent[3], "ae80851133");
	assert_int_equal(m2m_tlv_decode_one(w->sent[3].data, w->sent[3].len, M2M_TLV_BER, &t, NULL),
			 M2M_OK);
	m2m_tlv_iter_children(&it, &t, M2M_TLV_BER);
	assert_int_equal(m2m_tlv_next(&it, &seg), M2M_OK);
	assert_int_equal(seg.size, 19);
	assert_int_equal(m2m_tlv_next(&it, &seg), M2M_OK);
	assert_memory_equal(seg.value - seg.hdr_len, "\x86\x82\x04\x18", 4);
	assert_installed(w, d.s);
	dl_end(&d);
}

/* A download Data limit: several SendData, MoreToDo false on the last only. */
static void test_payload_split(void **state)
{
	world *w = *state;
	m2m_es8_payload p;
	m2m_buf resp;
	size_t data_payloads = 0;
	dl d;

	dl_prepare(w, &d, 0);
	d.cfg.payload_max = 2500;
	dl_start(&d);
	m2m_buf_init(&resp);
	while (m2m_es8_next(d.s, &p) == M2M_OK) {
		if (p.step >= M2M_ES8_STEP_EXT_AUTH) {
			data_payloads++;
			assert_true(p.len <= 2500);
			assert_int_equal(p.target, M2M_ES8_TO_ISDP);
		} else {
			assert_true(p.more_to_do);
		}
		assert_memory_equal(p.sd_aid, d.aid, 16);
		w_deliver(w, &p, &resp);
		assert_int_equal(m2m_es8_response(d.s, resp.data, resp.len), M2M_OK);
		assert_int_equal(p.more_to_do, !m2m_es8_done(d.s));
	}
	/* 12251 bytes: 13 segments, 86 TLVs of 1020 bytes and a last one of 187. Two fit in
	 * 2500 bytes (with 85 in the first), three at the end: 85+0+1, 2+3, ..., 10+11+12. */
	assert_int_equal(m2m_es8_segments(d.s), 13);
	assert_int_equal(data_payloads, 6);
	assert_installed(w, d.s);
	m2m_buf_free(&resp);
	dl_end(&d);
}

/* Derivation random and the wrapped ePK form: both accepted by the card. */
static void test_dr_wrapped(void **state)
{
	world *w = *state;
	dl d;

	dl_prepare(w, &d, 0);
	d.cfg.dr = true;
	d.cfg.epk_form = M2M_GP_PUBKEY_WRAPPED;
	dl_start(&d);
	assert_int_equal(w_run(w, d.s, NULL, NULL), M2M_OK);
	/* 90 02 03 0B (DR asked) and 7F49 46 { B0 41 .., F0 01 00 }. */
	assert_hex_prefix(&w->sent[1], "ae808301032281ab80e28901a63a0217a6159002030b");
	assert_memory_equal(w->sent[1].data + 16 + 23, "\x7F\x49\x46\xB0\x41\x04", 6);
	assert_installed(w, d.s);
	dl_end(&d);
}

/* ---- tampered card answers ---- */

static void flip_after(m2m_buf *resp, const uint8_t *pat, size_t pat_len, size_t skip)
{
	for (size_t i = 0; i + pat_len + skip < resp->len; i++) {
		if (memcmp(resp->data + i, pat, pat_len) == 0) {
			resp->data[i + pat_len + skip] ^= 0x01;
			return;
		}
	}
	fail_msg("pattern not found");
}

static void tamper_receipt(m2m_es8_step step, m2m_buf *resp, void *arg)
{
	(void)arg;
	if (step == M2M_ES8_STEP_KEYEST_EPK)
		flip_after(resp, (const uint8_t *)"\x86\x10", 2, 15);
}

static void test_wrong_receipt(void **state)
{
	world *w = *state;
	m2m_es8_keyset ks;
	const m2m_es8_failure *f;
	dl d;

	dl_prepare(w, &d, 0);
	dl_start(&d);
	assert_int_equal(w_run(w, d.s, tamper_receipt, NULL), M2M_ERR_VERIFY);
	f = m2m_es8_failure_get(d.s);
	assert_non_null(f);
	assert_int_equal(f->step, M2M_ES8_STEP_KEYEST_EPK);
	assert_int_equal(f->err, M2M_ERR_VERIFY);
	assert_string_equal(f->subject, "8.3");
	assert_string_equal(f->reason, "6.1");
	assert_int_equal(m2m_es8_keys(d.s, &ks), M2M_ERR_STATE);
	assert_int_equal(m2m_es8_next(d.s, &(m2m_es8_payload){0}), M2M_ERR_STATE);
	assert_false(m2m_es8_done(d.s));
	assert_error_subroutine(w);
	dl_end(&d);
}

static void tamper_cryptogram(m2m_es8_step step, m2m_buf *resp, void *arg)
{
	(void)arg;
	/* AF 80 84 20 key_div(10) KVN 03 70 challenge(8) cryptogram(8) seq(3) */
	if (step == M2M_ES8_STEP_INIT_UPDATE)
		resp->data[4 + 21] ^= 0x80;
}

static void test_wrong_cryptogram(void **state)
{
	world *w = *state;
	const m2m_es8_failure *f;
	dl d;

	dl_prepare(w, &d, 0);
	dl_start(&d);
	assert_int_equal(w_run(w, d.s, tamper_cryptogram, NULL), M2M_ERR_VERIFY);
	f = m2m_es8_failure_get(d.s);
	assert_int_equal(f->step, M2M_ES8_STEP_INIT_UPDATE);
	assert_string_equal(f->reason, "6.1");
	assert_error_subroutine(w);
	dl_end(&d);
}

static void tamper_rmac(m2m_es8_step step, m2m_buf *resp, void *arg)
{
	(void)arg;
	/* The last answer is the protected 86; its R-MAC ends just before 00 00. */
	if (step >= M2M_ES8_STEP_EXT_AUTH)
		resp->data[resp->len - 3] ^= 0x01;
}

static void test_wrong_rmac(void **state)
{
	world *w = *state;
	const m2m_es8_failure *f;
	dl d;

	dl_prepare(w, &d, 0);
	dl_start(&d);
	assert_int_equal(w_run(w, d.s, tamper_rmac, NULL), M2M_ERR_VERIFY);
	f = m2m_es8_failure_get(d.s);
	assert_int_equal(f->step, M2M_ES8_STEP_SEGMENT);
	assert_int_equal(f->segment, m2m_es8_segments(d.s) - 1);
	assert_false(m2m_es8_done(d.s));
	/* The card did install the profile (DISABLED); the SM-DP cannot know: it deletes. */
	assert_int_equal(w->c.e->isdp[fx_idx(&w->c, AID_13)].lcs, M2M_EUICC_LCS_DISABLED);
	assert_error_subroutine(w);
	dl_end(&d);
}

/* ---- the card refuses ---- */

/* A CERT.DP.ECDSA from another CI: the card answers 6982 to STORE DATA #1. */
static void test_card_refuses_certificate(void **state)
{
	world *w = *state;
	m2m_eckey *other;
	m2m_buf cert;
	const m2m_es8_failure *f;
	dl d;

	dl_prepare(w, &d, 0);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &other), M2M_OK);
	fx_cert(other, w->c.dp, M2M_GPCERT_TYPE_SMDP, &cert);
	d.cfg.cert_dp = cert.data;
	d.cfg.cert_dp_len = cert.len;
	dl_start(&d);
	assert_int_equal(w_run(w, d.s, NULL, NULL), M2M_ERR_STATE);
	f = m2m_es8_failure_get(d.s);
	assert_int_equal(f->step, M2M_ES8_STEP_KEYEST_CERT);
	assert_int_equal(f->sw, 0x6982);
	assert_string_equal(f->subject, "8.4");
	assert_string_equal(f->reason, "4.2");
	assert_error_subroutine(w);
	m2m_buf_free(&cert);
	m2m_ec_free(other);
	dl_end(&d);
}

/* The usim element with an unknown template OID (as tests/euicc/test_download.c). */
static size_t break_usim(m2m_buf *pkg)
{
	m2m_saip_pkg p;
	m2m_saip_error err;
	size_t i, off;

	m2m_saip_pkg_init(&p);
	assert_int_equal(m2m_saip_decode(pkg->data, pkg->len, &p, &err), M2M_OK);
	for (i = 0; i < p.count && p.el[i].pe->present != ProfileElement_PR_usim; i++)
		;
	assert_true(i < p.count);
	off = p.el[i].offset;
	OBJECT_IDENTIFIER_t *oid = &p.el[i].pe->choice.usim.templateID;
	oid->buf[oid->size - 1] = 0x7E;
	m2m_buf_reset(pkg);
	assert_int_equal(m2m_saip_encode(&p, pkg), M2M_OK);
	m2m_saip_pkg_free(&p);
	return off;
}

static void test_card_refuses_element(void **state)
{
	world *w = *state;
	const m2m_es8_failure *f;
	size_t usim;
	dl d;

	usim = break_usim(&w->pkg);
	dl_prepare(w, &d, 0);
	dl_start(&d);
	assert_int_equal(w_run(w, d.s, NULL, NULL), M2M_ERR_STATE);
	f = m2m_es8_failure_get(d.s);
	assert_int_equal(f->step, M2M_ES8_STEP_SEGMENT);
	assert_true(f->has_pe);
	assert_int_equal(f->pe_status, PEStatus__status_template_not_supported);
	assert_int_equal(f->pe_offset, (long)usim);
	assert_true(f->pe_id >= 0);
	assert_string_equal(f->pe_type, "usim");
	/* The card answers at the segment that completed the element. */
	assert_true(f->segment >= usim / 1007);
	assert_int_equal(f->segment_offset, f->segment * 1007);
	assert_string_equal(f->subject, "8.2");
	assert_string_equal(f->reason, "4.2");
	assert_non_null(strstr(f->message, "usim"));
	assert_error_subroutine(w);
	dl_end(&d);
}

/* A segment damaged on the way: the card's MAC check fails, 9F46 01 02. */
static void test_corrupted_segment(void **state)
{
	world *w = *state;
	m2m_es8_payload p;
	m2m_buf resp, data;
	m2m_tlv t, c;
	m2m_tlv_iter it;
	m2m_es8_payload bad;
	const m2m_es8_failure *f;
	int n86 = 0;
	dl d;

	dl_prepare(w, &d, 0);
	dl_start(&d);
	m2m_buf_init(&resp);
	m2m_buf_init(&data);
	while (m2m_es8_next(d.s, &p) == M2M_OK) {
		bad = p;
		if (p.step == M2M_ES8_STEP_EXT_AUTH) {
			assert_int_equal(m2m_buf_append(&data, p.data, p.len), M2M_OK);
			assert_int_equal(m2m_tlv_decode_one(data.data, data.len, M2M_TLV_BER, &t,
							    NULL), M2M_OK);
			m2m_tlv_iter_children(&it, &t, M2M_TLV_BER);
			while (m2m_tlv_next(&it, &c) == M2M_OK && !(c.tag == 0x86 && ++n86 == 3))
				;
			((uint8_t *)c.value)[40] ^= 0x01;
			bad.data = data.data;
		}
		w_deliver(w, &bad, &resp);
		if (m2m_es8_response(d.s, resp.data, resp.len) != M2M_OK)
			break;
	}
	f = m2m_es8_failure_get(d.s);
	assert_non_null(f);
	assert_int_equal(f->step, M2M_ES8_STEP_SEGMENT);
	assert_int_equal(f->segment, 2);
	assert_int_equal(f->segment_offset, 2 * 1007);
	assert_int_equal(f->scp03t_code, 0x02);
	assert_false(f->has_pe);
	assert_string_equal(f->subject, "8.3");
	assert_error_subroutine(w);
	m2m_buf_free(&resp);
	m2m_buf_free(&data);
	dl_end(&d);
}

/* An ISD-P created too small for the package: the card stops at the segment that overflows
 * its quota (9F46 01 01). */
static void test_package_too_large(void **state)
{
	world *w = *state;
	const m2m_es8_failure *f;
	dl d;

	dl_prepare(w, &d, 4096);
	dl_start(&d);
	assert_int_equal(w_run(w, d.s, NULL, NULL), M2M_ERR_STATE);
	f = m2m_es8_failure_get(d.s);
	assert_int_equal(f->step, M2M_ES8_STEP_SEGMENT);
	assert_int_equal(f->segment, 4096 / 1007);
	assert_int_equal(f->scp03t_code, 0x01);
	assert_error_subroutine(w);
	dl_end(&d);
}

/* The session itself refuses packages it cannot send. */
static void test_session_refuses_package(void **state)
{
	world *w = *state;
	m2m_es8_session *s = (m2m_es8_session *)1;
	uint8_t junk[8] = {0xA1, 0x03, 0x80, 0x01, 0x00};
	dl d;

	dl_prepare(w, &d, 0);
	d.cfg.package_len = M2M_ES8_PACKAGE_MAX + 1;
	assert_int_equal(m2m_es8_session_new(&d.cfg, &s), M2M_ERR_ARG);
	assert_null(s);
	d.cfg.package_len = 0;
	assert_int_equal(m2m_es8_session_new(&d.cfg, &s), M2M_ERR_ARG);
	/* Not starting with a header element. */
	d.cfg.package = junk;
	d.cfg.package_len = sizeof junk;
	assert_int_equal(m2m_es8_session_new(&d.cfg, &s), M2M_ERR_FORMAT);
	d.cfg.package = w->pkg.data;
	d.cfg.package_len = w->pkg.len;
	/* A payload limit that holds no segment; a segment over the SCP03t maximum; a curve
	 * that is not the ECASD's. */
	d.cfg.payload_max = 100;
	assert_int_equal(m2m_es8_session_new(&d.cfg, &s), M2M_ERR_ARG);
	d.cfg.payload_max = 0;
	d.cfg.segment_size = 65001;
	assert_int_equal(m2m_es8_session_new(&d.cfg, &s), M2M_ERR_ARG);
	d.cfg.segment_size = 0;
	d.cfg.curve = M2M_CURVE_BRAINPOOLP256R1;
	assert_int_equal(m2m_es8_session_new(&d.cfg, &s), M2M_ERR_ARG);
	d.cfg.curve = M2M_CURVE_P256;
	d.cfg.sk_dp = w->c.ecasd_pub; /* no private part */
	assert_int_equal(m2m_es8_session_new(&d.cfg, &s), M2M_ERR_ARG);
	assert_int_equal(m2m_es8_session_new(NULL, &s), M2M_ERR_ARG);
	dl_end(&d);
}

/* ---- key set options and restart ---- */

static void test_keys_deleted(void **state)
{
	world *w = *state;
	m2m_es8_keyset ks;
	dl d;

	dl_prepare(w, &d, 0);
	d.cfg.keys = M2M_ES8_KEYS_DELETE;
	dl_start(&d);
	assert_int_equal(w_run(w, d.s, NULL, NULL), M2M_OK);
	assert_installed(w, d.s);
	assert_int_equal(m2m_es8_keys(d.s, &ks), M2M_ERR_STATE);
	dl_end(&d);
}

/* The SM-DP stops after key establishment and part of the package; a new session with the
 * kept key set downloads the whole package again. */
static void test_resume(void **state)
{
	world *w = *state;
	m2m_es8_payload p;
	m2m_es8_keyset ks;
	m2m_es8_session *s2 = NULL;
	m2m_buf resp;
	const m2m_es8_failure *f;
	dl d;

	dl_prepare(w, &d, 0);
	d.cfg.payload_max = 2500;
	dl_start(&d);
	m2m_buf_init(&resp);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(m2m_es8_next(d.s, &p), M2M_OK);
		w_deliver(w, &p, &resp);
		assert_int_equal(m2m_es8_response(d.s, resp.data, resp.len), M2M_OK);
	}
	assert_int_equal(m2m_es8_step_get(d.s), M2M_ES8_STEP_SEGMENT);
	assert_true(w->c.e->pkg[w->c.e->isdp[fx_idx(&w->c, AID_13)].pkg - 1].len > 0);
	assert_int_equal(m2m_es8_keys(d.s, &ks), M2M_OK);
	m2m_es8_abort(d.s, "1.6", "5.3", "SM-DP restarted");
	f = m2m_es8_failure_get(d.s);
	assert_int_equal(f->err, M2M_ERR_IO);
	assert_string_equal(f->subject, "1.6");
	assert_string_equal(f->reason, "5.3");
	assert_string_equal(f->message, "SM-DP restarted");
	assert_int_equal(m2m_es8_keys(d.s, &(m2m_es8_keyset){0}), M2M_ERR_STATE);
	d.cfg.payload_max = 0;
	assert_int_equal(m2m_es8_session_resume(&d.cfg, &ks, &s2), M2M_OK);
	assert_int_equal(m2m_es8_step_get(s2), M2M_ES8_STEP_INIT_UPDATE);
	assert_int_equal(w_run(w, s2, NULL, NULL), M2M_OK);
	assert_installed(w, s2);
	m2m_es8_keyset_wipe(&ks);
	m2m_es8_session_free(s2);
	m2m_buf_free(&resp);
	dl_end(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_full_download, setup, teardown),
		cmocka_unit_test_setup_teardown(test_payload_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_payload_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dr_wrapped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_receipt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_cryptogram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_rmac, setup, teardown),
		cmocka_unit_test_setup_teardown(test_card_refuses_certificate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_card_refuses_element, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupted_segment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_package_too_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_refuses_package, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys_deleted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
