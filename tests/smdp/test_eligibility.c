/* Eligibility: the chain CI -> EUM -> CERT.ECASD.ECKA, memory and capabilities, with the ES
 * status code of every refusal. The EIS facts come from a software eUICC whose ECASD
 * certificate a throw-away EUM signed. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "smdp_fixture.h"

#define DAY (24 * 3600)

typedef struct {
	world *w;
	m2m_smdp_eis eis;
	m2m_smdp_req req;
	m2m_buf cert;
	m2m_smdp_eligible ok;
	m2m_smdp_refusal why;
} ctx;

static int setup(void **state)
{
	ctx *x = calloc(1, sizeof *x);

	assert_non_null(x);
	x->w = w_new();
	w_eis(x->w, &x->eis, &x->cert);
	w_req(x->w, &x->req);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	ctx *x = *state;

	m2m_ec_free(x->ok.pk_ecasd);
	m2m_buf_free(&x->cert);
	w_free(x->w);
	free(x);
	return 0;
}

/* The check without a trust cache, then with a fresh one built from the same CI: both give
 * the same verdict. */
static m2m_err check(ctx *x)
{
	m2m_smdp_trust *t = NULL;
	m2m_smdp_req req = x->req;
	m2m_smdp_eligible ok;
	m2m_smdp_refusal why;
	m2m_err err, err2;

	m2m_ec_free(x->ok.pk_ecasd);
	err = m2m_smdp_eligibility(&x->eis, &x->req, &x->ok, &x->why);
	if (m2m_smdp_trust_new(req.ci_pem, req.ci_pem_len, &t) == M2M_OK) {
		req.trust = t;
		req.ci_pem = NULL;
		req.ci_pem_len = 0;
		err2 = m2m_smdp_eligibility(&x->eis, &req, &ok, &why);
		assert_int_equal(err2, err);
		assert_int_equal(why.kind, x->why.kind);
		assert_int_equal(ok.required_memory, x->ok.required_memory);
		m2m_ec_free(ok.pk_ecasd);
		m2m_smdp_trust_free(t);
	}
	return err;
}

static void assert_refused(ctx *x, m2m_err err, m2m_smdp_refusal_kind kind, const char *subject,
			   const char *reason)
{
	assert_int_equal(check(x), err);
	assert_int_equal(x->why.kind, kind);
	assert_string_equal(x->why.subject, subject);
	assert_string_equal(x->why.reason, reason);
	assert_true(x->why.message[0] != '\0');
	assert_null(x->ok.pk_ecasd);
}

/* An ECASD certificate with the fixture's fields, changed by the caller before signing. */
static void ecasd_cert(ctx *x, const m2m_eckey *signer, const char *expiry, const char *eff,
		       int type, m2m_buf *out)
{
	m2m_gpcert c;

	memset(&c, 0, sizeof c);
	c.serial[0] = c.ca_id[0] = c.subject_id[0] = 0x02;
	c.serial_len = c.ca_id_len = c.subject_id_len = 1;
	c.key_usage[0] = M2M_GPCERT_USAGE_SIGN_VERIFY;
	c.key_usage_len = 1;
	assert_int_equal(m2m_hex_decode_exact(expiry, c.expiry, 4), M2M_OK);
	if (eff != NULL) {
		c.has_effective = true;
		assert_int_equal(m2m_hex_decode_exact(eff, c.effective, 4), M2M_OK);
	}
	c.has_type = type > 0;
	c.type = (uint8_t)type;
	assert_int_equal(m2m_gpcert_set_public_key(&c, x->w->c.ecasd), M2M_OK);
	m2m_buf_init(out);
	assert_int_equal(m2m_gpcert_sign(&c, (m2m_eckey *)signer, out), M2M_OK);
	x->eis.ecasd_cert = out->data;
	x->eis.ecasd_cert_len = out->len;
}

static void test_eligible(void **state)
{
	ctx *x = *state;
	uint8_t a[65], b[65];

	x->req.overhead = 100;
	assert_int_equal(check(x), M2M_OK);
	assert_int_equal(x->why.kind, M2M_SMDP_ELIGIBLE);
	assert_string_equal(m2m_smdp_refusal_name(x->why.kind), "eligible");
	assert_non_null(x->ok.pk_ecasd);
	assert_int_equal(x->ok.curve, M2M_CURVE_P256);
	assert_int_equal(x->ok.required_memory, x->w->pkg.len + 100);
	/* The key is the card's own ECASD key, as its certificate carries it. */
	assert_int_equal(m2m_ec_public_point(x->ok.pk_ecasd, a), M2M_OK);
	assert_int_equal(m2m_ec_public_point(x->w->c.ecasd_pub, b), M2M_OK);
	assert_memory_equal(a, b, 65);
	/* The memory exactly fits. */
	x->req.overhead = 0;
	x->eis.free_memory = x->w->pkg.len;
	assert_int_equal(check(x), M2M_OK);
}

/* The EUM certificate comes from another CI than the one the SM-DP trusts. */
static void test_other_ci(void **state)
{
	ctx *x = *state;
	m2m_eckey *ci2;
	m2m_buf pem;

	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &ci2), M2M_OK);
	w_x509(M2M_X509_CA, "ci", "CI", 1, 3650, ci2, NULL, ci2, &pem);
	x->req.ci_pem = pem.data;
	x->req.ci_pem_len = pem.len;
	assert_refused(x, M2M_ERR_VERIFY, M2M_SMDP_REFUSE_EUM_CHAIN, "8.5.2", "6.1");
	m2m_buf_free(&pem);
	m2m_ec_free(ci2);
}

/* CERT.ECASD.ECKA signed by some other key than the EUM's (here the CI's). */
static void test_ecasd_other_signer(void **state)
{
	ctx *x = *state;
	m2m_buf c;

	ecasd_cert(x, x->w->c.ci, "21450101", NULL, 0, &c);
	assert_refused(x, M2M_ERR_VERIFY, M2M_SMDP_REFUSE_ECASD_SIGNATURE, "8.5.2", "6.1");
	/* One flipped bit of the card's real certificate does the same. */
	x->eis.ecasd_cert = x->cert.data;
	x->cert.data[x->cert.len - 1] ^= 1;
	assert_refused(x, M2M_ERR_VERIFY, M2M_SMDP_REFUSE_ECASD_SIGNATURE, "8.5.2", "6.1");
	m2m_buf_free(&c);
}

static void test_ecasd_dates(void **state)
{
	ctx *x = *state;
	m2m_buf c;

	ecasd_cert(x, x->w->eum, "20010101", NULL, 0, &c);
	assert_refused(x, M2M_ERR_VERIFY, M2M_SMDP_REFUSE_ECASD_EXPIRED, "8.5.2", "6.3");
	assert_non_null(strstr(x->why.message, "2001-01-01"));
	m2m_buf_free(&c);
	/* Valid only from 2140 on. */
	ecasd_cert(x, x->w->eum, "21450101", "21400101", 0, &c);
	assert_refused(x, M2M_ERR_VERIFY, M2M_SMDP_REFUSE_ECASD_EXPIRED, "8.5.2", "6.3");
	m2m_buf_free(&c);
	/* The last day of validity still counts. */
	ecasd_cert(x, x->w->eum, "20300615", NULL, 0, &c);
	x->req.now = 1907712000; /* 2030-06-15 00:00:00 UTC */
	assert_int_equal(check(x), M2M_OK);
	x->req.now += DAY;
	assert_refused(x, M2M_ERR_VERIFY, M2M_SMDP_REFUSE_ECASD_EXPIRED, "8.5.2", "6.3");
	m2m_buf_free(&c);
}

/* A CI valid for 100 years and an EUM for 30 days: 60 days on, the EUM has expired. */
static void test_eum_expired(void **state)
{
	ctx *x = *state;
	m2m_eckey *ci, *eum;
	m2m_buf ci_pem, eum_pem, c;

	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &ci), M2M_OK);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &eum), M2M_OK);
	w_x509(M2M_X509_CA, "ci", "CI", 1, 36500, ci, NULL, ci, &ci_pem);
	w_x509(M2M_X509_CA, "eum1", "EUM", 2, 30, eum, &ci_pem, ci, &eum_pem);
	ecasd_cert(x, eum, "21450101", NULL, 0, &c);
	x->req.ci_pem = ci_pem.data;
	x->req.ci_pem_len = ci_pem.len;
	x->eis.eum_pem = eum_pem.data;
	x->eis.eum_pem_len = eum_pem.len;
	assert_int_equal(check(x), M2M_OK);
	x->req.now = time(NULL) + 60 * DAY;
	assert_refused(x, M2M_ERR_VERIFY, M2M_SMDP_REFUSE_EUM_EXPIRED, "8.5.2", "6.3");
	assert_non_null(strstr(x->why.message, "EUM"));
	/* Before its start (issued an hour back): not valid yet either. */
	x->req.now = time(NULL) - 2 * DAY;
	assert_refused(x, M2M_ERR_VERIFY, M2M_SMDP_REFUSE_EUM_EXPIRED, "8.5.2", "6.3");
	m2m_buf_free(&ci_pem);
	m2m_buf_free(&eum_pem);
	m2m_buf_free(&c);
	m2m_ec_free(ci);
	m2m_ec_free(eum);
}

static void test_ecasd_type(void **state)
{
	ctx *x = *state;
	m2m_buf c;

	ecasd_cert(x, x->w->eum, "21450101", NULL, M2M_GPCERT_TYPE_SMDP, &c);
	assert_refused(x, M2M_ERR_FORMAT, M2M_SMDP_REFUSE_ECASD_TYPE, "8.5.2", "2.1");
	m2m_buf_free(&c);
	ecasd_cert(x, x->w->eum, "21450101", NULL, M2M_GPCERT_TYPE_SMSR, &c);
	assert_refused(x, M2M_ERR_FORMAT, M2M_SMDP_REFUSE_ECASD_TYPE, "8.5.2", "2.1");
	m2m_buf_free(&c);
}

static void test_malformed(void **state)
{
	ctx *x = *state;
	uint8_t more[1100];
	static const uint8_t junk[] =
		"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";

	/* Truncated, trailing byte, empty, another tag. */
	x->eis.ecasd_cert_len = x->cert.len - 1;
	assert_refused(x, M2M_ERR_FORMAT, M2M_SMDP_REFUSE_EIS_INVALID, "8.6", "2.1");
	memcpy(more, x->cert.data, x->cert.len);
	more[x->cert.len] = 0x00;
	x->eis.ecasd_cert = more;
	x->eis.ecasd_cert_len = x->cert.len + 1;
	assert_refused(x, M2M_ERR_FORMAT, M2M_SMDP_REFUSE_EIS_INVALID, "8.6", "2.1");
	x->eis.ecasd_cert_len = 0;
	assert_refused(x, M2M_ERR_FORMAT, M2M_SMDP_REFUSE_EIS_INVALID, "8.6", "2.1");
	more[0] = 0x7F;
	more[1] = 0x4E;
	x->eis.ecasd_cert_len = x->cert.len;
	assert_refused(x, M2M_ERR_FORMAT, M2M_SMDP_REFUSE_EIS_INVALID, "8.6", "2.1");
	x->eis.ecasd_cert = NULL;
	assert_refused(x, M2M_ERR_FORMAT, M2M_SMDP_REFUSE_EIS_INVALID, "8.6", "2.1");
	x->eis.ecasd_cert = x->cert.data;
	x->eis.ecasd_cert_len = x->cert.len;
	/* An EUM certificate that is no certificate; the SM-DP's own CI unreadable. */
	x->eis.eum_pem = junk;
	x->eis.eum_pem_len = sizeof junk - 1;
	assert_refused(x, M2M_ERR_FORMAT, M2M_SMDP_REFUSE_EIS_INVALID, "8.6", "2.1");
	x->eis.eum_pem = x->w->eum_pem.data;
	x->eis.eum_pem_len = x->w->eum_pem.len;
	x->req.ci_pem = junk;
	x->req.ci_pem_len = sizeof junk - 1;
	assert_refused(x, M2M_ERR_FORMAT, M2M_SMDP_REFUSE_INTERNAL, "1.2", "4.2");
	x->req.ci_pem = x->w->ci_pem.data;
	x->req.ci_pem_len = x->w->ci_pem.len;
	/* Arguments. */
	x->req.package_len = 0;
	assert_refused(x, M2M_ERR_ARG, M2M_SMDP_REFUSE_INTERNAL, "1.2", "4.2");
	x->req.package_len = 1;
	assert_int_equal(m2m_smdp_eligibility(NULL, &x->req, &x->ok, &x->why), M2M_ERR_ARG);
	assert_int_equal(x->why.kind, M2M_SMDP_REFUSE_INTERNAL);
	assert_int_equal(m2m_smdp_eligibility(&x->eis, &x->req, &x->ok, NULL), M2M_ERR_ARG);
}

static void test_memory(void **state)
{
	ctx *x = *state;

	x->eis.free_memory = x->w->pkg.len - 1;
	assert_refused(x, M2M_ERR_STATE, M2M_SMDP_REFUSE_MEMORY, "8.1", "4.8");
	x->eis.free_memory = x->w->pkg.len;
	x->req.overhead = 1;
	assert_refused(x, M2M_ERR_STATE, M2M_SMDP_REFUSE_MEMORY, "8.1", "4.8");
	x->req.overhead = UINT64_MAX;
	assert_refused(x, M2M_ERR_ARG, M2M_SMDP_REFUSE_INTERNAL, "1.2", "4.2");
}

static void test_capabilities(void **state)
{
	ctx *x = *state;

	x->req.need_http = true;
	assert_int_equal(check(x), M2M_OK);
	x->eis.caps.http = false;
	assert_refused(x, M2M_ERR_STATE, M2M_SMDP_REFUSE_CAPABILITY, "8.1", "3.8");
	x->req.need_http = false;
	memcpy(x->req.min_version, "\x03\x01\x00", 3);
	assert_int_equal(check(x), M2M_OK);
	memcpy(x->req.min_version, "\x03\x02\x00", 3);
	assert_refused(x, M2M_ERR_STATE, M2M_SMDP_REFUSE_CAPABILITY, "8.1", "3.8");
	assert_non_null(strstr(x->why.message, "3.1.0"));
}

/* The trust cache: one X.509 check per EUM, least recently used out. */
static void test_trust(void **state)
{
	ctx *x = *state;
	m2m_smdp_trust *t = NULL;
	m2m_eckey *eums[M2M_SMDP_TRUST_EUM_MAX + 1];
	m2m_buf pem, pems[M2M_SMDP_TRUST_EUM_MAX + 1];
	static const uint8_t junk[] = "not a certificate";

	assert_int_equal(m2m_smdp_trust_new(junk, sizeof junk, &t), M2M_ERR_FORMAT);
	assert_null(t);
	assert_int_equal(m2m_smdp_trust_new(x->w->ci_pem.data, x->w->ci_pem.len, &t), M2M_OK);
	x->req.trust = t;
	x->req.ci_pem = NULL;
	assert_int_equal(m2m_smdp_trust_cached(t), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(m2m_smdp_eligibility(&x->eis, &x->req, &x->ok, &x->why), M2M_OK);
		m2m_ec_free(x->ok.pk_ecasd);
		x->ok.pk_ecasd = NULL;
		assert_int_equal(m2m_smdp_trust_cached(t), 1);
	}
	/* The remembered EUM still expires. */
	x->req.now = time(NULL) + 4000 * DAY;
	assert_int_equal(m2m_smdp_eligibility(&x->eis, &x->req, &x->ok, &x->why),
			 M2M_ERR_VERIFY);
	assert_int_equal(x->why.kind, M2M_SMDP_REFUSE_EUM_EXPIRED);
	x->req.now = 0;
	/* An EUM the CI did not certify (self-signed) is refused and not remembered. */
	w_x509(M2M_X509_CA, "eum9", "EUM", 9, 3650, x->w->eum, NULL, x->w->eum, &pem);
	x->eis.eum_pem = pem.data;
	x->eis.eum_pem_len = pem.len;
	assert_int_equal(m2m_smdp_eligibility(&x->eis, &x->req, &x->ok, &x->why),
			 M2M_ERR_VERIFY);
	assert_int_equal(x->why.kind, M2M_SMDP_REFUSE_EUM_CHAIN);
	assert_int_equal(m2m_smdp_trust_cached(t), 1);
	/* More EUMs than places: the cache stays full and keeps working. */
	for (int i = 0; i <= M2M_SMDP_TRUST_EUM_MAX; i++) {
		assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &eums[i]), M2M_OK);
		w_x509(M2M_X509_CA, "eum", "EUM", (uint64_t)(100 + i), 3650, eums[i],
		       &x->w->ci_pem, x->w->c.ci, &pems[i]);
		x->eis.eum_pem = pems[i].data;
		x->eis.eum_pem_len = pems[i].len;
		/* Each EUM is valid; the ECASD certificate is the first EUM's only. */
		assert_int_equal(m2m_smdp_eligibility(&x->eis, &x->req, &x->ok, &x->why),
				 M2M_ERR_VERIFY);
		assert_int_equal(x->why.kind, M2M_SMDP_REFUSE_ECASD_SIGNATURE);
	}
	assert_int_equal(m2m_smdp_trust_cached(t), M2M_SMDP_TRUST_EUM_MAX);
	x->eis.eum_pem = x->w->eum_pem.data;
	x->eis.eum_pem_len = x->w->eum_pem.len;
	assert_int_equal(m2m_smdp_eligibility(&x->eis, &x->req, &x->ok, &x->why), M2M_OK);
	for (int i = 0; i <= M2M_SMDP_TRUST_EUM_MAX; i++) {
		m2m_buf_free(&pems[i]);
		m2m_ec_free(eums[i]);
	}
	m2m_buf_free(&pem);
	m2m_smdp_trust_free(t);
	x->req.trust = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_eligible, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_ci, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ecasd_other_signer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ecasd_dates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eum_expired, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ecasd_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capabilities, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trust, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
