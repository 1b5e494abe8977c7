/* The X.509 half of the chain: CI -> EUM, each within its validity at the caller's time.
 * Signatures go through crypto/x509.h; only the dates are read here, so that an expired
 * certificate is told apart from a forged one (m2m_x509_verify says "no" to both). */
#include <limits.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "crypto/pem.h"
#include "crypto/x509.h"
#include "smdp/eligibility.h"

static m2m_err asn1_time(const ASN1_TIME *a, time_t *out)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	if (a == NULL || ASN1_TIME_to_tm(a, &tm) != 1)
		return M2M_ERR_FORMAT;
	*out = timegm(&tm);
	return M2M_OK;
}

m2m_err m2m_smdp_x509_times(const uint8_t *pem, size_t n, time_t *not_before,
			    time_t *not_after)
{
	BIO *bio = pem != NULL && n > 0 && n <= INT_MAX ? BIO_new_mem_buf(pem, (int)n) : NULL;
	X509 *x = bio != NULL ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	m2m_err err = M2M_ERR_FORMAT;

	if (x != NULL)
		err = asn1_time(X509_get0_notBefore(x), not_before);
	if (err == M2M_OK)
		err = asn1_time(X509_get0_notAfter(x), not_after);
	X509_free(x);
	BIO_free(bio);
	ERR_clear_error();
	return err;
}

/* RFC 5280 4.1.2.5: valid from notBefore through notAfter, both included. */
static bool within(time_t nb, time_t na, time_t now)
{
	return nb <= now && now <= na;
}

m2m_err m2m_smdp_check_eum(const uint8_t *ci_pem, size_t ci_len, const uint8_t *pem, size_t n,
			   time_t now, m2m_eckey **key, m2m_smdp_refusal *why)
{
	time_t nb = 0, na = 0;
	m2m_err err;

	*key = NULL;
	if (m2m_smdp_x509_times(ci_pem, ci_len, &nb, &na) != M2M_OK)
		return m2m_smdp_refuse(why, M2M_SMDP_REFUSE_INTERNAL, M2M_ERR_FORMAT,
				       "the SM-DP's CI certificate does not parse");
	if (!within(nb, na, now))
		return m2m_smdp_refuse(why, M2M_SMDP_REFUSE_EUM_EXPIRED, M2M_ERR_VERIFY,
				       "the CI certificate is outside its validity");
	if (m2m_smdp_x509_times(pem, n, &nb, &na) != M2M_OK)
		return m2m_smdp_refuse(why, M2M_SMDP_REFUSE_EIS_INVALID, M2M_ERR_FORMAT,
				       "the EUM certificate does not parse");
	if (!within(nb, na, now))
		return m2m_smdp_refuse(why, M2M_SMDP_REFUSE_EUM_EXPIRED, M2M_ERR_VERIFY,
				       "the EUM certificate is outside its validity");
	err = m2m_x509_verify(pem, n, ci_pem, ci_len);
	if (err == M2M_ERR_FORMAT)
		return m2m_smdp_refuse(why, M2M_SMDP_REFUSE_EIS_INVALID, err,
				       "the EUM certificate does not parse");
	if (err != M2M_OK)
		return m2m_smdp_refuse(why, M2M_SMDP_REFUSE_EUM_CHAIN, M2M_ERR_VERIFY,
				       "the EUM certificate was not issued by the CI");
	err = m2m_ec_from_pem(pem, n, false, key);
	if (err != M2M_OK)
		return m2m_smdp_refuse(why, M2M_SMDP_REFUSE_EIS_INVALID, M2M_ERR_FORMAT,
				       "the EUM key: %s", m2m_strerror(err));
	return M2M_OK;
}
