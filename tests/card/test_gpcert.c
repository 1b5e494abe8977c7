/* GP-format certificates (7F21) and the 7F49 public key. The byte layout is the one of the
 * CERT.DP.ECDSA in the whty SM-SR log of a real card session (whty = shenqinglan/whatever_ty
 * @ e02ef9e, logs/2016-11-10/euicc.0.txt; /work/shared/spec/sgp02-facts-2.md section 4a):
 * 7F21 81A5 { 93 01 02, 42 01 02, 5F20 01 02, 95 01 88, 5F24 04 21450101, 73 03 {C8 01 01},
 * 7F49 46 {B0 41 04XY, F0 01 00}, 5F37 40 r||s }. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "card/gpcert.h"
#include "core/hex.h"
#include "core/tlv.h"

static const m2m_curve CURVES[] = {M2M_CURVE_P256, M2M_CURVE_BRAINPOOLP256R1,
				   M2M_CURVE_FRP256V1};

/* The whty certificate's fields, with the given subject key. */
static void whty_fields(m2m_gpcert *c, const m2m_eckey *subject)
{
	memset(c, 0, sizeof *c);
	c->serial[0] = 0x02;
	c->serial_len = 1;
	c->ca_id[0] = 0x02;
	c->ca_id_len = 1;
	c->subject_id[0] = 0x02;
	c->subject_id_len = 1;
	c->key_usage[0] = M2M_GPCERT_USAGE_SIGN_VERIFY;
	c->key_usage_len = 1;
	memcpy(c->expiry, "\x21\x45\x01\x01", 4);
	c->has_type = true;
	c->type = M2M_GPCERT_TYPE_SMDP;
	assert_int_equal(m2m_gpcert_set_public_key(c, subject), M2M_OK);
}

static void point_hex(const m2m_eckey *k, char out[2 * M2M_EC_POINT_SIZE + 1])
{
	uint8_t pt[M2M_EC_POINT_SIZE];
	assert_int_equal(m2m_ec_public_point(k, pt), M2M_OK);
	m2m_hex_encode(pt, sizeof pt, out);
}

/* Wraps a body given in hex into 7F21 L { body } (the TLV encoder is tested in core). */
static void wrap_cert(const char *body_hex, m2m_buf *out)
{
	m2m_buf body;
	m2m_buf_init(&body);
	assert_int_equal(m2m_hex_decode_buf(body_hex, &body), M2M_OK);
	assert_int_equal(m2m_tlv_put(out, 0x7F21, body.data, body.len), M2M_OK);
	m2m_buf_free(&body);
}

static void test_whty_layout(void **state)
{
	(void)state;
	m2m_eckey *subject = NULL;
	m2m_gpcert c;
	char pt[2 * M2M_EC_POINT_SIZE + 1], sig[2 * M2M_EC_SIG_SIZE + 1];
	char want[1024];
	m2m_buf got, exp;

	m2m_buf_init(&got);
	m2m_buf_init(&exp);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &subject), M2M_OK);
	whty_fields(&c, subject);
	for (size_t i = 0; i < M2M_EC_SIG_SIZE; i++)
		c.sig[i] = (uint8_t)(0xA0 + i);
	m2m_hex_encode(c.sig, M2M_EC_SIG_SIZE, sig);
	point_hex(subject, pt);
	snprintf(want, sizeof want,
		 "7f2181a5" "930102" "420102" "5f200102" "950188" "5f240421450101" "7303c80101"
		 "7f4946" "b041%s" "f00100" "5f3740%s", pt, sig);
	assert_int_equal(m2m_hex_decode_buf(want, &exp), M2M_OK);
	assert_int_equal(exp.len, 0xA5 + 4);

	assert_int_equal(m2m_gpcert_encode(&c, &got), M2M_OK);
	assert_int_equal(got.len, exp.len);
	assert_memory_equal(got.data, exp.data, exp.len);

	/* and the exact bytes decode back to the fields */
	m2m_gpcert d;
	const char *why = "x";
	assert_int_equal(m2m_gpcert_decode(exp.data, exp.len, &d, &why), M2M_OK);
	assert_null(why);
	assert_int_equal(d.serial_len, 1);
	assert_int_equal(d.serial[0], 0x02);
	assert_int_equal(d.ca_id[0], 0x02);
	assert_int_equal(d.subject_id[0], 0x02);
	assert_int_equal(d.key_usage_len, 1);
	assert_int_equal(d.key_usage[0], 0x88);
	assert_false(d.has_effective);
	assert_memory_equal(d.expiry, "\x21\x45\x01\x01", 4);
	assert_true(d.has_type);
	assert_int_equal(d.type, 0x01);
	assert_int_equal(d.auth_key_id_len, 0);
	assert_int_equal(d.curve, M2M_CURVE_P256);
	assert_memory_equal(d.point, c.point, M2M_EC_POINT_SIZE);
	assert_memory_equal(d.sig, c.sig, M2M_EC_SIG_SIZE);

	m2m_buf_free(&got);
	m2m_buf_free(&exp);
	m2m_ec_free(subject);
}

/* Optional fields: 5F25 sits between 95 and 5F24, C9 after C8. */
static void test_optional_fields_layout(void **state)
{
	(void)state;
	m2m_eckey *subject = NULL;
	m2m_gpcert c, d;
	char pt[2 * M2M_EC_POINT_SIZE + 1], want[1024];
	m2m_buf got, exp;

	m2m_buf_init(&got);
	m2m_buf_init(&exp);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_BRAINPOOLP256R1, &subject), M2M_OK);
	whty_fields(&c, subject);
	c.has_effective = true;
	memcpy(c.effective, "\x20\x24\x12\x31", 4);
	c.type = M2M_GPCERT_TYPE_SMSR;
	memcpy(c.auth_key_id, "\x11\x22\x33", 3);
	c.auth_key_id_len = 3;
	memset(c.sig, 0x5A, sizeof c.sig);
	point_hex(subject, pt);
	char sig[2 * M2M_EC_SIG_SIZE + 1];
	m2m_hex_encode(c.sig, sizeof c.sig, sig);
	snprintf(want, sizeof want,
		 "7f2181b1" "930102" "420102" "5f200102" "950188" "5f250420241231"
		 "5f240421450101" "7308c80102c903112233" "7f4946" "b041%s" "f00103" "5f3740%s",
		 pt, sig);
	assert_int_equal(m2m_hex_decode_buf(want, &exp), M2M_OK);
	assert_int_equal(m2m_gpcert_encode(&c, &got), M2M_OK);
	assert_int_equal(got.len, exp.len);
	assert_memory_equal(got.data, exp.data, exp.len);
	assert_int_equal(m2m_gpcert_decode(got.data, got.len, &d, NULL), M2M_OK);
	assert_true(d.has_effective);
	assert_memory_equal(d.effective, "\x20\x24\x12\x31", 4);
	assert_int_equal(d.type, 0x02);
	assert_int_equal(d.auth_key_id_len, 3);
	assert_memory_equal(d.auth_key_id, "\x11\x22\x33", 3);
	assert_int_equal(d.curve, M2M_CURVE_BRAINPOOLP256R1);
	m2m_buf_free(&got);
	m2m_buf_free(&exp);
	m2m_ec_free(subject);
}

/* Sign, decode and verify on each curve; the signature is also checked directly over the
 * body bytes, independently of the decoder. */
static void test_sign_verify_curves(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof CURVES / sizeof CURVES[0]; i++) {
		m2m_eckey *ci = NULL, *other = NULL, *subject = NULL, *pk = NULL;
		m2m_gpcert c, d;
		m2m_buf cert;
		m2m_buf_init(&cert);
		assert_int_equal(m2m_ec_generate(CURVES[i], &ci), M2M_OK);
		assert_int_equal(m2m_ec_generate(CURVES[i], &other), M2M_OK);
		assert_int_equal(m2m_ec_generate(CURVES[i], &subject), M2M_OK);
		whty_fields(&c, subject);
		assert_int_equal(m2m_gpcert_sign(&c, ci, &cert), M2M_OK);

		/* 7F21 81 L: the body before 5F37 40 sig is what was signed */
		assert_int_equal(cert.data[2], 0x81);
		size_t tbs_len = cert.len - 4 - 3 - M2M_EC_SIG_SIZE;
		assert_memory_equal(cert.data + 4 + tbs_len, "\x5F\x37\x40", 3);
		assert_int_equal(m2m_ecdsa_verify(ci, cert.data + 4, tbs_len,
						  cert.data + cert.len - M2M_EC_SIG_SIZE,
						  M2M_EC_SIG_SIZE), M2M_OK);

		assert_int_equal(m2m_gpcert_verify(cert.data, cert.len, ci, &d, NULL), M2M_OK);
		assert_int_equal(d.curve, CURVES[i]);
		assert_int_equal(m2m_gpcert_public_key(&d, &pk), M2M_OK);
		uint8_t a[M2M_EC_POINT_SIZE], b[M2M_EC_POINT_SIZE];
		assert_int_equal(m2m_ec_public_point(pk, a), M2M_OK);
		assert_int_equal(m2m_ec_public_point(subject, b), M2M_OK);
		assert_memory_equal(a, b, sizeof a);

		const char *why = NULL;
		assert_int_equal(m2m_gpcert_verify(cert.data, cert.len, other, NULL, &why),
				 M2M_ERR_VERIFY);
		assert_non_null(why);
		/* tamper with the subject id */
		cert.data[4 + 3 + 3 + 3] ^= 0x01;
		assert_int_equal(m2m_gpcert_decode(cert.data, cert.len, &d, NULL), M2M_OK);
		assert_int_equal(m2m_gpcert_verify(cert.data, cert.len, ci, NULL, NULL),
				 M2M_ERR_VERIFY);
		cert.data[4 + 3 + 3 + 3] ^= 0x01;
		/* tamper with the signature */
		cert.data[cert.len - 1] ^= 0x80;
		assert_int_equal(m2m_gpcert_verify(cert.data, cert.len, ci, NULL, NULL),
				 M2M_ERR_VERIFY);
		m2m_buf_free(&cert);
		m2m_ec_free(ci);
		m2m_ec_free(other);
		m2m_ec_free(subject);
		m2m_ec_free(pk);
	}
}

/* Every strict prefix of a good certificate is refused, never accepted. */
static void test_truncated(void **state)
{
	(void)state;
	m2m_eckey *ci = NULL, *subject = NULL;
	m2m_gpcert c, d;
	m2m_buf cert;
	m2m_buf_init(&cert);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &ci), M2M_OK);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &subject), M2M_OK);
	whty_fields(&c, subject);
	assert_int_equal(m2m_gpcert_sign(&c, ci, &cert), M2M_OK);
	for (size_t n = 0; n < cert.len; n++) {
		assert_int_not_equal(m2m_gpcert_decode(cert.data, n, &d, NULL), M2M_OK);
		assert_int_not_equal(m2m_gpcert_verify(cert.data, n, ci, NULL, NULL), M2M_OK);
	}
	/* a trailing byte after the 7F21 TLV */
	assert_int_equal(m2m_buf_append_u8(&cert, 0x00), M2M_OK);
	assert_int_not_equal(m2m_gpcert_decode(cert.data, cert.len, &d, NULL), M2M_OK);
	m2m_buf_free(&cert);
	m2m_ec_free(ci);
	m2m_ec_free(subject);
}

/* Copies fmt into out with <P> and <S> replaced by p and s. */
static void expand(const char *fmt, const char *p, const char *s, char *out, size_t cap)
{
	size_t o = 0;
	while (*fmt != '\0') {
		const char *put = NULL;
		if (strncmp(fmt, "<P>", 3) == 0)
			put = p;
		else if (strncmp(fmt, "<S>", 3) == 0)
			put = s;
		if (put != NULL) {
			size_t n = strlen(put);
			assert_true(o + n < cap);
			memcpy(out + o, put, n);
			o += n;
			fmt += 3;
		} else {
			assert_true(o + 1 < cap);
			out[o++] = *fmt++;
		}
	}
	out[o] = '\0';
}

/* Malformed bodies, each with the reason it must be refused. */
static void test_malformed(void **state)
{
	(void)state;
	m2m_eckey *k = NULL;
	char pt[2 * M2M_EC_POINT_SIZE + 1], body[1024];
	char sig[2 * M2M_EC_SIG_SIZE + 1];
	uint8_t s[M2M_EC_SIG_SIZE];
	memset(s, 0x11, sizeof s);
	m2m_hex_encode(s, sizeof s, sig);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &k), M2M_OK);
	point_hex(k, pt);
	char pt_off[sizeof pt];
	memcpy(pt_off, pt, sizeof pt);
	pt_off[2 * M2M_EC_POINT_SIZE - 1] = pt_off[2 * M2M_EC_POINT_SIZE - 1] == '0' ? '1' : '0';

	static const struct {
		const char *fmt; /* <P>: point, <S>: signature */
		m2m_err want;
	} cases[] = {
		/* the good one, as a control */
		{"930102420102" "5f200102950188" "5f240421450101" "7303c80101"
		 "7f4946b041<P>f00100" "5f3740<S>", M2M_OK},
		/* 93 and 42 swapped */
		{"420102930102" "5f200102950188" "5f240421450101" "7303c80101"
		 "7f4946b041<P>f00100" "5f3740<S>", M2M_ERR_FORMAT},
		/* 5F24 missing */
		{"930102420102" "5f200102950188" "7303c80101"
		 "7f4946b041<P>f00100" "5f3740<S>", M2M_ERR_FORMAT},
		/* 5F25 after 5F24 */
		{"930102420102" "5f200102950188" "5f240421450101" "5f250420240101" "7303c80101"
		 "7f4946b041<P>f00100" "5f3740<S>", M2M_ERR_FORMAT},
		/* month 13 */
		{"930102420102" "5f200102950188" "5f240421451301" "7303c80101"
		 "7f4946b041<P>f00100" "5f3740<S>", M2M_ERR_FORMAT},
		/* non-BCD date */
		{"930102420102" "5f200102950188" "5f2404214a0101" "7303c80101"
		 "7f4946b041<P>f00100" "5f3740<S>", M2M_ERR_FORMAT},
		/* empty serial */
		{"9300420102" "5f200102950188" "5f240421450101" "7303c80101"
		 "7f4946b041<P>f00100" "5f3740<S>", M2M_ERR_FORMAT},
		/* 3-byte key usage */
		{"930102420102" "5f20010295038800ff" "5f240421450101" "7303c80101"
		 "7f4946b041<P>f00100" "5f3740<S>", M2M_ERR_FORMAT},
		/* C8 of two bytes */
		{"930102420102" "5f200102950188" "5f240421450101" "7304c8020101"
		 "7f4946b041<P>f00100" "5f3740<S>", M2M_ERR_FORMAT},
		/* unknown tag in 73 */
		{"930102420102" "5f200102950188" "5f240421450101" "7306c80101c00100"
		 "7f4946b041<P>f00100" "5f3740<S>", M2M_ERR_FORMAT},
		/* unknown tag in the body */
		{"930102420102" "5f200102950188" "5f240421450101" "7303c80101" "c00100"
		 "7f4946b041<P>f00100" "5f3740<S>", M2M_ERR_FORMAT},
		/* raw 7F49 in a certificate: the curve is unknown */
		{"930102420102" "5f200102950188" "5f240421450101" "7303c80101"
		 "7f4941<P>" "5f3740<S>", M2M_ERR_FORMAT},
		/* F0 missing */
		{"930102420102" "5f200102950188" "5f240421450101" "7303c80101"
		 "7f4943b041<P>" "5f3740<S>", M2M_ERR_FORMAT},
		/* unknown key parameter reference */
		{"930102420102" "5f200102950188" "5f240421450101" "7303c80101"
		 "7f4946b041<P>f00107" "5f3740<S>", M2M_ERR_UNSUPPORTED},
		/* signature of 63 bytes (the last byte left outside, as trailing data) */
		{"930102420102" "5f200102950188" "5f240421450101" "7303c80101"
		 "7f4946b041<P>f00100" "5f373f<S>", M2M_ERR_FORMAT},
		/* a TLV after 5F37 */
		{"930102420102" "5f200102950188" "5f240421450101" "7303c80101"
		 "7f4946b041<P>f00100" "5f3740<S>" "930102", M2M_ERR_FORMAT},
		/* 5F37 missing */
		{"930102420102" "5f200102950188" "5f240421450101" "7303c80101"
		 "7f4946b041<P>f00100" "", M2M_ERR_FORMAT},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		m2m_buf cert;
		m2m_gpcert d;
		const char *why = NULL;
		m2m_buf_init(&cert);
		expand(cases[i].fmt, pt, sig, body, sizeof body);
		wrap_cert(body, &cert);
		m2m_err err = m2m_gpcert_decode(cert.data, cert.len, &d, &why);
		if (err != cases[i].want)
			fail_msg("case %zu: %s (%s)", i, m2m_strerror(err), why ? why : "-");
		if (err != M2M_OK)
			assert_non_null(why);
		m2m_buf_free(&cert);
	}
	/* point off the curve */
	{
		m2m_buf cert;
		m2m_gpcert d;
		m2m_buf_init(&cert);
		expand(cases[0].fmt, pt_off, sig, body, sizeof body);
		wrap_cert(body, &cert);
		assert_int_equal(m2m_gpcert_decode(cert.data, cert.len, &d, NULL), M2M_ERR_FORMAT);
		/* wrong outer tag */
		cert.data[1] = 0x22;
		assert_int_equal(m2m_gpcert_decode(cert.data, cert.len, &d, NULL), M2M_ERR_FORMAT);
		m2m_buf_free(&cert);
	}
	m2m_ec_free(k);
}

static void test_encode_rejects_bad_fields(void **state)
{
	(void)state;
	m2m_eckey *k = NULL;
	m2m_gpcert c;
	m2m_buf out;
	m2m_buf_init(&out);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &k), M2M_OK);
	whty_fields(&c, k);
	c.expiry[2] = 0x00; /* month 00 */
	assert_int_equal(m2m_gpcert_encode(&c, &out), M2M_ERR_ARG);
	whty_fields(&c, k);
	c.serial_len = 0;
	assert_int_equal(m2m_gpcert_encode(&c, &out), M2M_ERR_ARG);
	whty_fields(&c, k);
	c.point[10] ^= 1; /* off the curve */
	assert_int_equal(m2m_gpcert_encode(&c, &out), M2M_ERR_ARG);
	whty_fields(&c, k);
	/* a public key cannot sign */
	m2m_eckey *pub = NULL;
	uint8_t pt[M2M_EC_POINT_SIZE];
	assert_int_equal(m2m_ec_public_point(k, pt), M2M_OK);
	assert_int_equal(m2m_ec_from_public(M2M_CURVE_P256, pt, sizeof pt, &pub), M2M_OK);
	assert_int_equal(m2m_gpcert_sign(&c, pub, &out), M2M_ERR_ARG);
	assert_int_equal(out.len, 0);
	m2m_ec_free(pub);
	m2m_ec_free(k);
	m2m_buf_free(&out);
}

/* 7F49 both forms; the value (not the TLV) is what the decoder takes. */
static void test_pubkey_forms(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof CURVES / sizeof CURVES[0]; i++) {
		m2m_eckey *k = NULL, *d = NULL;
		m2m_gp_pubkey_form form;
		uint8_t pt[M2M_EC_POINT_SIZE], got[M2M_EC_POINT_SIZE];
		m2m_buf raw, wrapped;
		m2m_curve cv = CURVES[i], other = CURVES[(i + 1) % 3];
		m2m_buf_init(&raw);
		m2m_buf_init(&wrapped);
		assert_int_equal(m2m_ec_generate(cv, &k), M2M_OK);
		assert_int_equal(m2m_ec_public_point(k, pt), M2M_OK);
		assert_int_equal(m2m_gp_pubkey_encode(k, M2M_GP_PUBKEY_RAW, &raw), M2M_OK);
		assert_int_equal(m2m_gp_pubkey_encode(k, M2M_GP_PUBKEY_WRAPPED, &wrapped), M2M_OK);
		assert_int_equal(raw.len, 3 + 65);
		assert_memory_equal(raw.data, "\x7F\x49\x41", 3);
		assert_memory_equal(raw.data + 3, pt, sizeof pt);
		assert_int_equal(wrapped.len, 3 + 70);
		assert_memory_equal(wrapped.data, "\x7F\x49\x46\xB0\x41", 5);
		assert_memory_equal(wrapped.data + 5, pt, sizeof pt);
		assert_int_equal(wrapped.data[70], 0xF0);
		assert_int_equal(wrapped.data[71], 0x01);
		assert_int_equal(wrapped.data[72], (uint8_t)cv);

		assert_int_equal(m2m_gp_pubkey_decode(raw.data + 3, 65, &cv, &d, &form), M2M_OK);
		assert_int_equal(form, M2M_GP_PUBKEY_RAW);
		assert_int_equal(m2m_ec_public_point(d, got), M2M_OK);
		assert_memory_equal(got, pt, sizeof pt);
		m2m_ec_free(d);
		assert_int_equal(m2m_gp_pubkey_decode(wrapped.data + 3, 70, NULL, &d, &form),
				 M2M_OK);
		assert_int_equal(form, M2M_GP_PUBKEY_WRAPPED);
		assert_int_equal(m2m_ec_curve(d), cv);
		m2m_ec_free(d);
		assert_int_equal(m2m_gp_pubkey_decode(wrapped.data + 3, 70, &cv, &d, NULL), M2M_OK);
		m2m_ec_free(d);
		/* without F0 the context gives the curve */
		assert_int_equal(m2m_gp_pubkey_decode(wrapped.data + 3, 67, &cv, &d, NULL), M2M_OK);
		m2m_ec_free(d);
		d = NULL;
		assert_int_equal(m2m_gp_pubkey_decode(wrapped.data + 3, 67, NULL, &d, NULL),
				 M2M_ERR_FORMAT);
		/* F0 and the context disagree */
		assert_int_equal(m2m_gp_pubkey_decode(wrapped.data + 3, 70, &other, &d, NULL),
				 M2M_ERR_FORMAT);
		/* raw without a context curve */
		assert_int_equal(m2m_gp_pubkey_decode(raw.data + 3, 65, NULL, &d, NULL),
				 M2M_ERR_FORMAT);
		/* truncated */
		for (size_t n = 0; n < 70; n++)
			assert_int_not_equal(
				m2m_gp_pubkey_decode(wrapped.data + 3, n, NULL, &d, NULL), M2M_OK);
		for (size_t n = 0; n < 65; n++)
			assert_int_not_equal(m2m_gp_pubkey_decode(raw.data + 3, n, &cv, &d, NULL),
					     M2M_OK);
		/* trailing TLV after F0 */
		assert_int_equal(m2m_buf_append(&wrapped, "\xF0\x01\x00", 3), M2M_OK);
		assert_int_equal(m2m_gp_pubkey_decode(wrapped.data + 3, 73, NULL, &d, NULL),
				 M2M_ERR_FORMAT);
		assert_null(d);
		m2m_ec_free(k);
		m2m_buf_free(&raw);
		m2m_buf_free(&wrapped);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whty_layout),
		cmocka_unit_test(test_optional_fields_layout),
		cmocka_unit_test(test_sign_verify_curves),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_encode_rejects_bad_fields),
		cmocka_unit_test(test_pubkey_forms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
