/* The ES8 session's parsing of card answers, negative cases first: malformed, truncated,
 * wrong tags, too many or too few answers, error TLVs, protected answers with a refused
 * element. The card side here is the library's own (card/scp03t.h), so every byte of the
 * answers is under the test's control. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "card/script.h"
#include "smdp_fixture.h"

typedef struct {
	m2m_eckey *dp, *ecasd;
	m2m_buf cert, pkg;
	uint8_t aid[16];
	m2m_es8_config cfg;
	m2m_es8_keyset ks;
	m2m_es8_session *s;
	m2m_scp03t_card card;
	m2m_buf ans;
} ctx;

static int setup(void **state)
{
	ctx *x = calloc(1, sizeof *x);
	static uint8_t eid[16];

	assert_non_null(x);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &x->dp), M2M_OK);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &x->ecasd), M2M_OK);
	fx_cert(x->dp, x->dp, M2M_GPCERT_TYPE_SMDP, &x->cert);
	es8_read(&x->pkg);
	fx_aid(AID_13, x->aid);
	m2m_es8_config_init(&x->cfg);
	x->cfg.eid = eid;
	x->cfg.isdp_aid = x->aid;
	x->cfg.isdp_aid_len = 16;
	x->cfg.cert_dp = x->cert.data;
	x->cfg.cert_dp_len = x->cert.len;
	x->cfg.sk_dp = x->dp;
	x->cfg.pk_ecasd = x->ecasd;
	x->cfg.package = x->pkg.data;
	x->cfg.package_len = x->pkg.len;
	x->ks.kvn = 0x30;
	x->ks.key_len = 16;
	memset(x->ks.enc, 0x11, 16);
	memset(x->ks.mac, 0x22, 16);
	memset(x->ks.dek, 0x33, 16);
	m2m_buf_init(&x->ans);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	ctx *x = *state;

	m2m_es8_session_free(x->s);
	m2m_scp03t_card_wipe(&x->card);
	m2m_ec_free(x->dp);
	m2m_ec_free(x->ecasd);
	m2m_buf_free(&x->cert);
	m2m_buf_free(&x->pkg);
	m2m_buf_free(&x->ans);
	free(x);
	return 0;
}

static m2m_err answer_hex(ctx *x, const char *hex)
{
	uint8_t b[512];
	size_t n = 0;

	assert_int_equal(m2m_hex_decode(hex, b, sizeof b, &n), M2M_OK);
	return m2m_es8_response(x->s, b, n);
}

static void fresh(ctx *x)
{
	m2m_es8_payload p;

	m2m_es8_session_free(x->s);
	assert_int_equal(m2m_es8_session_new(&x->cfg, &x->s), M2M_OK);
	assert_int_equal(m2m_es8_next(x->s, &p), M2M_OK);
	assert_int_equal(p.step, M2M_ES8_STEP_KEYEST_CERT);
	assert_int_equal(p.target, M2M_ES8_TO_ISDR);
	assert_int_equal(p.commands, 2);
	assert_true(p.more_to_do);
}

static void assert_failed(ctx *x, m2m_err err, m2m_es8_step step, const char *subject,
			  const char *reason)
{
	const m2m_es8_failure *f = m2m_es8_failure_get(x->s);

	assert_non_null(f);
	assert_int_equal(f->err, err);
	assert_int_equal(f->step, step);
	assert_string_equal(f->subject, subject);
	assert_string_equal(f->reason, reason);
	assert_true(f->message[0] != '\0');
	/* A failed session stays failed. */
	assert_int_equal(m2m_es8_next(x->s, &(m2m_es8_payload){0}), M2M_ERR_STATE);
	assert_int_equal(answer_hex(x, "ab03800100"), err);
	assert_int_equal(m2m_es8_keys(x->s, &(m2m_es8_keyset){0}), M2M_ERR_STATE);
}

#define RC "8510000102030405060708090a0b0c0d0e0f"

/* A response script built with the library: R-APDUs given as hex (NULL ends the list). */
static void script_hex(m2m_buf *out, bool indef, int executed, m2m_script_bad_format bf, ...)
{
	const uint8_t *ptr[4];
	size_t lens[4], n = 0;
	uint8_t mem[4][64];
	const char *h;
	va_list ap;

	va_start(ap, bf);
	while ((h = va_arg(ap, const char *)) != NULL) {
		assert_true(n < 4);
		assert_int_equal(m2m_hex_decode(h, mem[n], sizeof mem[n], &lens[n]), M2M_OK);
		ptr[n] = mem[n];
		n++;
	}
	va_end(ap);
	m2m_buf_reset(out);
	assert_int_equal(m2m_script_response_build(out, indef,
						   (uint8_t)(executed < 0 ? (int)n : executed), ptr,
						   lens, n, bf), M2M_OK);
}

static m2m_err answer_buf(ctx *x, const m2m_buf *b)
{
	return m2m_es8_response(x->s, b->data, b->len);
}

static void test_keyest_cert_answers(void **state)
{
	ctx *x = *state;
	m2m_es8_payload p;
	m2m_buf b;

	m2m_buf_init(&b);
	assert_int_equal(m2m_es8_session_new(&x->cfg, &x->s), M2M_OK);
	/* An answer before any payload is a caller error, not a failure. */
	assert_int_equal(answer_hex(x, "ab03800100"), M2M_ERR_STATE);
	assert_null(m2m_es8_failure_get(x->s));
	assert_int_equal(m2m_es8_response(x->s, NULL, 3), M2M_ERR_ARG);

	/* Not a response script; nothing executed; no count. */
	static const char *const raw[] = {"", "ab03800100", "ac03800100", "af800000",
					  "009000", "ab", "ab0b8001022303009000230190"};
	for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++) {
		fresh(x);
		assert_int_equal(answer_hex(x, raw[i]), M2M_ERR_FORMAT);
		assert_failed(x, M2M_ERR_FORMAT, M2M_ES8_STEP_KEYEST_CERT, "8.4", "4.2");
	}
	/* INSTALL refused; STORE DATA #1 refused (the card does not trust CERT.DP). */
	fresh(x);
	script_hex(&b, false, -1, M2M_BAD_FORMAT_NONE, "6985", NULL);
	assert_int_equal(answer_buf(x, &b), M2M_ERR_STATE);
	assert_int_equal(m2m_es8_failure_get(x->s)->sw, 0x6985);
	assert_failed(x, M2M_ERR_STATE, M2M_ES8_STEP_KEYEST_CERT, "8.4", "4.2");
	fresh(x);
	script_hex(&b, false, -1, M2M_BAD_FORMAT_NONE, "009000", "6982", NULL);
	assert_int_equal(answer_buf(x, &b), M2M_ERR_STATE);
	assert_int_equal(m2m_es8_failure_get(x->s)->sw, 0x6982);
	/* The script was refused as a whole. */
	fresh(x);
	script_hex(&b, false, 0, M2M_BAD_FORMAT_UNKNOWN_TAG, NULL);
	assert_int_equal(answer_buf(x, &b), M2M_ERR_STATE);
	assert_failed(x, M2M_ERR_STATE, M2M_ES8_STEP_KEYEST_CERT, "8.4", "4.2");
	/* RC of 15 bytes; RC under another tag; an R-APDU of one byte; a third R-APDU; a
	 * count that does not match; trailing and missing bytes. */
	static const char *const rc[] = {"850f000102030405060708090a0b0c0d0e9000",
					 "8410000102030405060708090a0b0c0d0e0f9000"};
	for (size_t i = 0; i < sizeof rc / sizeof rc[0]; i++) {
		fresh(x);
		script_hex(&b, false, -1, M2M_BAD_FORMAT_NONE, "009000", rc[i], NULL);
		assert_int_equal(answer_buf(x, &b), M2M_ERR_FORMAT);
		assert_failed(x, M2M_ERR_FORMAT, M2M_ES8_STEP_KEYEST_CERT, "8.4", "4.2");
	}
	fresh(x);
	script_hex(&b, false, -1, M2M_BAD_FORMAT_NONE, "009000", RC "9000", "9000", NULL);
	assert_int_equal(answer_buf(x, &b), M2M_ERR_FORMAT);
	fresh(x);
	script_hex(&b, false, 3, M2M_BAD_FORMAT_NONE, "009000", RC "9000", NULL);
	assert_int_equal(answer_buf(x, &b), M2M_ERR_FORMAT);
	fresh(x);
	script_hex(&b, false, -1, M2M_BAD_FORMAT_NONE, "009000", RC "9000", NULL);
	assert_int_equal(m2m_buf_append_u8(&b, 0x00), M2M_OK);
	assert_int_equal(answer_buf(x, &b), M2M_ERR_FORMAT);
	fresh(x);
	script_hex(&b, false, -1, M2M_BAD_FORMAT_NONE, "009000", RC "9000", NULL);
	b.len--;
	assert_int_equal(answer_buf(x, &b), M2M_ERR_FORMAT);
	/* The indefinite form with a synthetic RC: on to STORE DATA #2. */
	fresh(x);
	script_hex(&b, true, -1, M2M_BAD_FORMAT_NONE, "009000", RC "9000", NULL);
	assert_int_equal(answer_buf(x, &b), M2M_OK);
	assert_int_equal(m2m_es8_step_get(x->s), M2M_ES8_STEP_KEYEST_EPK);
	assert_int_equal(m2m_es8_next(x->s, &p), M2M_OK);
	assert_int_equal(p.step, M2M_ES8_STEP_KEYEST_EPK);
	assert_int_equal(p.commands, 1);
	assert_true(p.more_to_do);
	assert_int_equal(m2m_es8_next(x->s, &p), M2M_ERR_STATE); /* answer awaited */
	m2m_buf_free(&b);
}

/* Into STORE DATA #2 with a synthetic RC. */
static void to_epk(ctx *x, m2m_buf *b)
{
	m2m_es8_payload p;

	fresh(x);
	script_hex(b, false, -1, M2M_BAD_FORMAT_NONE, "009000", RC "9000", NULL);
	assert_int_equal(answer_buf(x, b), M2M_OK);
	assert_int_equal(m2m_es8_next(x->s, &p), M2M_OK);
}

static void test_keyest_epk_answers(void **state)
{
	ctx *x = *state;
	m2m_buf b;

	m2m_buf_init(&b);
	/* A receipt that cannot be the card's: verification fails. */
	to_epk(x, &b);
	script_hex(&b, false, -1, M2M_BAD_FORMAT_NONE,
		   "8610000102030405060708090a0b0c0d0e0f9000", NULL);
	assert_int_equal(answer_buf(x, &b), M2M_ERR_VERIFY);
	assert_failed(x, M2M_ERR_VERIFY, M2M_ES8_STEP_KEYEST_EPK, "8.3", "6.1");
	/* Refused by the card. */
	to_epk(x, &b);
	script_hex(&b, false, -1, M2M_BAD_FORMAT_NONE, "6a80", NULL);
	assert_int_equal(answer_buf(x, &b), M2M_ERR_STATE);
	assert_int_equal(m2m_es8_failure_get(x->s)->sw, 0x6A80);
	assert_failed(x, M2M_ERR_STATE, M2M_ES8_STEP_KEYEST_EPK, "8.4", "4.2");
	/* A receipt of 15 bytes; a DR that was not asked for; nothing. */
	static const char *const bad[] = {"860f000102030405060708090a0b0c0d0e9000",
					  "8510000102030405060708090a0b0c0d0e0f"
					  "8610000102030405060708090a0b0c0d0e0f9000",
					  "9000"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		to_epk(x, &b);
		script_hex(&b, false, -1, M2M_BAD_FORMAT_NONE, bad[i], NULL);
		assert_int_equal(answer_buf(x, &b), M2M_ERR_FORMAT);
		assert_failed(x, M2M_ERR_FORMAT, M2M_ES8_STEP_KEYEST_EPK, "8.4", "4.2");
	}
	m2m_buf_free(&b);
}

/* A resumed session and the library card with the same key set, 84 answered. */
static void to_data(ctx *x, m2m_es8_payload *p)
{
	static const uint8_t seq[3] = {0, 0, 1};
	m2m_scp03_keys k;
	m2m_tlv t;
	m2m_buf plain;

	m2m_buf_init(&plain);
	m2m_es8_session_free(x->s);
	assert_int_equal(m2m_es8_session_resume(&x->cfg, &x->ks, &x->s), M2M_OK);
	assert_int_equal(m2m_scp03_keys_set(&k, x->ks.enc, x->ks.mac, 16, 0x30), M2M_OK);
	assert_int_equal(m2m_scp03t_card_init(&x->card, &k, x->aid, 16, seq, NULL, false), M2M_OK);
	assert_int_equal(m2m_es8_next(x->s, p), M2M_OK);
	assert_int_equal(p->step, M2M_ES8_STEP_INIT_UPDATE);
	assert_int_equal(p->target, M2M_ES8_TO_ISDP);
	assert_int_equal(m2m_tlv_decode_one(p->data, p->len, M2M_TLV_BER, &t, NULL), M2M_OK);
	m2m_buf_reset(&x->ans);
	assert_int_equal(m2m_tlv_begin_indef(&x->ans, 0xAF), M2M_OK);
	assert_int_equal(m2m_scp03t_card_process(&x->card, t.value, t.len, &x->ans, &plain),
			 M2M_OK);
	m2m_buf_free(&plain);
	assert_int_equal(m2m_tlv_end_indef(&x->ans), M2M_OK);
	assert_int_equal(m2m_es8_response(x->s, x->ans.data, x->ans.len), M2M_OK);
	assert_int_equal(m2m_es8_next(x->s, p), M2M_OK);
	assert_int_equal(p->step, M2M_ES8_STEP_EXT_AUTH);
	assert_false(p->more_to_do);
	m2m_scp03_keys_wipe(&k);
}

/* The card's answers to a download payload: every command processed by the library card,
 * the answer of command `special` replaced by `repl` (protected when repl is DER for
 * m2m_scp03t_card_response, raw otherwise), the last segment answered with `final`. */
typedef struct {
	size_t special;          /* command index, SIZE_MAX: none */
	const uint8_t *repl;
	size_t repl_len;
	bool repl_protected;
	const uint8_t *final;    /* EUICCResponse for the last segment, NULL: 86 00 */
	size_t final_len;
	size_t drop;             /* answers dropped from the end */
	int form;                /* 0 AF 80, 1 AB L, 2 bare */
} plan;

static void card_answers(ctx *x, const m2m_es8_payload *p, const plan *pl)
{
	m2m_tlv t, c;
	m2m_tlv_iter it;
	m2m_buf each[32], plain;
	size_t n = 0, keep;

	m2m_buf_init(&plain);
	assert_int_equal(m2m_tlv_decode_one(p->data, p->len, M2M_TLV_BER, &t, NULL), M2M_OK);
	m2m_tlv_iter_children(&it, &t, M2M_TLV_BER);
	while (m2m_tlv_next(&it, &c) == M2M_OK) {
		assert_true(n < 32);
		m2m_buf_init(&each[n]);
		assert_int_equal(m2m_scp03t_card_process(&x->card, c.value - c.hdr_len, c.size,
							 &each[n], &plain), M2M_OK);
		if (n == pl->special) {
			m2m_buf_reset(&each[n]);
			if (pl->repl_protected)
				assert_int_equal(m2m_scp03t_card_response(&x->card, pl->repl,
									  pl->repl_len, &each[n]),
						 M2M_OK);
			else
				assert_int_equal(m2m_buf_append(&each[n], pl->repl, pl->repl_len),
						 M2M_OK);
		}
		n++;
	}
	if (pl->final != NULL && pl->special != n - 1) {
		m2m_buf_reset(&each[n - 1]);
		assert_int_equal(m2m_scp03t_card_response(&x->card, pl->final, pl->final_len,
							  &each[n - 1]), M2M_OK);
	}
	keep = n - pl->drop;
	m2m_buf_reset(&x->ans);
	size_t mark = 0;
	if (pl->form == 0)
		assert_int_equal(m2m_tlv_begin_indef(&x->ans, 0xAF), M2M_OK);
	if (pl->form == 1)
		assert_int_equal(m2m_tlv_begin(&x->ans, 0xAB, &mark), M2M_OK);
	for (size_t i = 0; i < keep; i++)
		assert_int_equal(m2m_buf_append(&x->ans, each[i].data, each[i].len), M2M_OK);
	if (pl->form == 0)
		assert_int_equal(m2m_tlv_end_indef(&x->ans), M2M_OK);
	if (pl->form == 1)
		assert_int_equal(m2m_tlv_end(&x->ans, mark), M2M_OK);
	for (size_t i = 0; i < n; i++)
		m2m_buf_free(&each[i]);
	m2m_buf_free(&plain);
}

static plan plain_plan(void)
{
	plan pl;

	memset(&pl, 0, sizeof pl);
	pl.special = SIZE_MAX;
	pl.final = EUICC_OK;
	pl.final_len = sizeof EUICC_OK;
	return pl;
}

static void test_download_forms(void **state)
{
	ctx *x = *state;
	m2m_es8_payload p;
	size_t n = 0;

	for (int form = 0; form < 3; form++) {
		plan pl = plain_plan();
		pl.form = form;
		to_data(x, &p);
		card_answers(x, &p, &pl);
		assert_int_equal(m2m_es8_response(x->s, x->ans.data, x->ans.len), M2M_OK);
		assert_true(m2m_es8_done(x->s));
		assert_memory_equal(m2m_es8_euicc_response(x->s, &n), EUICC_OK, sizeof EUICC_OK);
		assert_int_equal(m2m_es8_next(x->s, &p), M2M_END);
		m2m_scp03t_card_wipe(&x->card);
	}
}

static void run_plan(ctx *x, const plan *pl, m2m_err err, m2m_es8_step step, const char *subj,
		     const char *reason)
{
	m2m_es8_payload p;

	to_data(x, &p);
	card_answers(x, &p, pl);
	assert_int_equal(m2m_es8_response(x->s, x->ans.data, x->ans.len), err);
	assert_failed(x, err, step, subj, reason);
	m2m_scp03t_card_wipe(&x->card);
}

static void test_download_answers(void **state)
{
	ctx *x = *state;
	size_t last = (x->pkg.len + 1006) / 1007; /* command index of the last 86 (85 is 0) */
	plan pl;

	/* The card stops without an error: answers missing. */
	pl = plain_plan();
	pl.drop = 3;
	run_plan(x, &pl, M2M_ERR_FORMAT, M2M_ES8_STEP_SEGMENT, "8.3", "4.2");
	assert_int_equal(m2m_es8_failure_get(x->s)->segment, last - 3);
	/* 86 00 to the last segment: no EUICCResponse. */
	pl = plain_plan();
	pl.final = NULL;
	run_plan(x, &pl, M2M_ERR_STATE, M2M_ES8_STEP_SEGMENT, "8.2", "4.2");
	/* 9F46 01 02 to the first segment; 9F45 01 02 to 85. */
	pl = plain_plan();
	pl.special = 1;
	pl.repl = (const uint8_t *)"\x9F\x46\x01\x02";
	pl.repl_len = 4;
	run_plan(x, &pl, M2M_ERR_STATE, M2M_ES8_STEP_SEGMENT, "8.3", "4.2");
	assert_int_equal(m2m_es8_failure_get(x->s)->scp03t_code, 0x02);
	assert_int_equal(m2m_es8_failure_get(x->s)->segment, 0);
	pl.special = 0;
	pl.repl = (const uint8_t *)"\x9F\x45\x01\x02";
	run_plan(x, &pl, M2M_ERR_STATE, M2M_ES8_STEP_EXT_AUTH, "8.3", "4.2");
	/* A malformed error TLV; 85 with content; an answer of another tag. */
	pl.repl = (const uint8_t *)"\x9F\x45\x02\x01\x02";
	pl.repl_len = 5;
	run_plan(x, &pl, M2M_ERR_FORMAT, M2M_ES8_STEP_EXT_AUTH, "8.3", "4.2");
	pl.repl = (const uint8_t *)"\x85\x01\x00";
	pl.repl_len = 3;
	run_plan(x, &pl, M2M_ERR_FORMAT, M2M_ES8_STEP_EXT_AUTH, "8.3", "4.2");
	pl.special = 2;
	pl.repl = (const uint8_t *)"\x84\x00";
	pl.repl_len = 2;
	run_plan(x, &pl, M2M_ERR_FORMAT, M2M_ES8_STEP_SEGMENT, "8.3", "4.2");
	/* Truncated TLV in the middle. */
	pl.repl = (const uint8_t *)"\x86\x05\x00";
	pl.repl_len = 3;
	run_plan(x, &pl, M2M_ERR_FORMAT, M2M_ES8_STEP_SEGMENT, "8.3", "4.2");
	/* A protected answer whose content is no EUICCResponse. */
	pl.repl = (const uint8_t *)"\x04\x01\x00";
	pl.repl_protected = true;
	run_plan(x, &pl, M2M_ERR_FORMAT, M2M_ES8_STEP_SEGMENT, "8.3", "4.2");
}

/* EUICCResponse { peStatus { { status 3 bad-values, identification 5, offset 0 } },
 * profileInstallationAborted, statusMessage "bad" } (SAIP, automatic tags). */
static const uint8_t REFUSED[] = {0x30, 0x14, 0xA0, 0x0B, 0x30, 0x09, 0x80, 0x01, 0x03,
				  0x81, 0x01, 0x05, 0x83, 0x01, 0x00, 0x81, 0x00, 0x82, 0x03,
				  'b', 'a', 'd'};
/* The same with status 4 not-enough-memory and without the message. */
static const uint8_t NO_MEMORY[] = {0x30, 0x0F, 0xA0, 0x0B, 0x30, 0x09, 0x80, 0x01, 0x04,
				    0x81, 0x01, 0x05, 0x83, 0x01, 0x00, 0x81, 0x00};

static void test_refused_element(void **state)
{
	ctx *x = *state;
	const m2m_es8_failure *f;
	plan pl = plain_plan();

	pl.special = 4; /* segment 3 */
	pl.repl = REFUSED;
	pl.repl_len = sizeof REFUSED;
	pl.repl_protected = true;
	run_plan(x, &pl, M2M_ERR_STATE, M2M_ES8_STEP_SEGMENT, "8.2", "4.2");
	f = m2m_es8_failure_get(x->s);
	assert_true(f->has_pe);
	assert_int_equal(f->segment, 3);
	assert_int_equal(f->segment_offset, 3 * 1007);
	assert_int_equal(f->pe_status, 3);
	assert_int_equal(f->pe_id, 5);
	assert_int_equal(f->pe_offset, 0);
	assert_string_equal(f->pe_type, "header");
	assert_non_null(strstr(f->message, "bad"));
	pl.repl = NO_MEMORY;
	pl.repl_len = sizeof NO_MEMORY;
	run_plan(x, &pl, M2M_ERR_STATE, M2M_ES8_STEP_SEGMENT, "8.1", "4.8");
	/* The final answer refusing: the same report at the last segment. */
	pl = plain_plan();
	pl.final = REFUSED;
	pl.final_len = sizeof REFUSED;
	run_plan(x, &pl, M2M_ERR_STATE, M2M_ES8_STEP_SEGMENT, "8.2", "4.2");
}

/* An intermediate "ok" EUICCResponse is accepted; the download goes on. */
static void test_intermediate_ok(void **state)
{
	ctx *x = *state;
	m2m_es8_payload p;
	plan pl = plain_plan();

	pl.special = 2;
	pl.repl = EUICC_OK;
	pl.repl_len = sizeof EUICC_OK;
	pl.repl_protected = true;
	to_data(x, &p);
	card_answers(x, &p, &pl);
	assert_int_equal(m2m_es8_response(x->s, x->ans.data, x->ans.len), M2M_OK);
	assert_true(m2m_es8_done(x->s));
}

static void test_iu_answers(void **state)
{
	ctx *x = *state;
	m2m_es8_payload p;
	static const char *bad[] = {
		"af809f4401030000",   /* keys missing */
		"9f440103",           /* bare */
		"af8084050102030405 0000",
		"af800000",
		"af8085000000",
		"ab06840400000000",
	};
	static const m2m_err err[] = {M2M_ERR_STATE, M2M_ERR_STATE, M2M_ERR_FORMAT, M2M_ERR_FORMAT,
				      M2M_ERR_FORMAT, M2M_ERR_FORMAT};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		m2m_es8_session_free(x->s);
		assert_int_equal(m2m_es8_session_resume(&x->cfg, &x->ks, &x->s), M2M_OK);
		assert_int_equal(m2m_es8_next(x->s, &p), M2M_OK);
		char clean[128];
		size_t j = 0;
		for (const char *c = bad[i]; *c != '\0'; c++)
			if (*c != ' ')
				clean[j++] = *c;
		clean[j] = '\0';
		assert_int_equal(answer_hex(x, clean), err[i]);
		assert_failed(x, err[i], M2M_ES8_STEP_INIT_UPDATE, "8.3", "4.2");
	}
	assert_int_equal(m2m_es8_failure_get(x->s)->scp03t_code, 0);
	/* The code of 9F44 is reported. */
	m2m_es8_session_free(x->s);
	assert_int_equal(m2m_es8_session_resume(&x->cfg, &x->ks, &x->s), M2M_OK);
	assert_int_equal(m2m_es8_next(x->s, &p), M2M_OK);
	assert_int_equal(answer_hex(x, "af809f4401030000"), M2M_ERR_STATE);
	assert_int_equal(m2m_es8_failure_get(x->s)->scp03t_code, 0x03);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_keyest_cert_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keyest_epk_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_download_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_download_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_element, setup, teardown),
		cmocka_unit_test_setup_teardown(test_intermediate_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iu_answers, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
