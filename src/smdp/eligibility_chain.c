/* The chain CI -> EUM (X.509, eligibility_x509.c / _trust.c) -> CERT.ECASD.ECKA (GP 7F21
 * signed with the EUM's key). */
#include <string.h>

#include "card/gpcert.h"
#include "smdp/eligibility.h"

/* today as YYYYMMDD in BCD, the form of 5F24 / 5F25 (compares as bytes). */
static void bcd_date(time_t now, uint8_t out[M2M_GPCERT_DATE_SIZE])
{
	struct tm tm;
	int y;

	memset(&tm, 0, sizeof tm);
	gmtime_r(&now, &tm);
	y = tm.tm_year + 1900;
	out[0] = (uint8_t)((y / 1000 % 10) << 4 | (y / 100 % 10));
	out[1] = (uint8_t)((y / 10 % 10) << 4 | (y % 10));
	out[2] = (uint8_t)(((tm.tm_mon + 1) / 10) << 4 | ((tm.tm_mon + 1) % 10));
	out[3] = (uint8_t)((tm.tm_mday / 10) << 4 | (tm.tm_mday % 10));
}

static m2m_err check_ecasd(const m2m_gpcert *c, time_t now, m2m_smdp_refusal *why)
{
	uint8_t today[M2M_GPCERT_DATE_SIZE];

	if (c->has_type && (c->type == M2M_GPCERT_TYPE_SMDP || c->type == M2M_GPCERT_TYPE_SMSR))
		return m2m_smdp_refuse(why, M2M_SMDP_REFUSE_ECASD_TYPE, M2M_ERR_FORMAT,
				       "CERT.ECASD.ECKA has the type of an %s certificate",
				       c->type == M2M_GPCERT_TYPE_SMDP ? "SM-DP" : "SM-SR");
	bcd_date(now, today);
	if (memcmp(c->expiry, today, sizeof today) < 0)
		return m2m_smdp_refuse(why, M2M_SMDP_REFUSE_ECASD_EXPIRED, M2M_ERR_VERIFY,
				       "CERT.ECASD.ECKA expired on %02X%02X-%02X-%02X",
				       c->expiry[0], c->expiry[1], c->expiry[2], c->expiry[3]);
	if (c->has_effective && memcmp(c->effective, today, sizeof today) > 0)
		return m2m_smdp_refuse(why, M2M_SMDP_REFUSE_ECASD_EXPIRED, M2M_ERR_VERIFY,
				       "CERT.ECASD.ECKA is valid only from %02X%02X-%02X-%02X",
				       c->effective[0], c->effective[1], c->effective[2],
				       c->effective[3]);
	return M2M_OK;
}

m2m_err m2m_smdp_check_chain(const m2m_smdp_eis *eis, const m2m_smdp_req *req, time_t now,
			     m2m_eckey **pk_ecasd, m2m_smdp_refusal *why)
{
	m2m_eckey *own = NULL;
	const m2m_eckey *eum = NULL;
	m2m_gpcert c;
	const char *w = NULL;
	m2m_err err;

	*pk_ecasd = NULL;
	if (req->trust != NULL) {
		err = m2m_smdp_trust_eum(req->trust, eis->eum_pem, eis->eum_pem_len, now, &eum,
					 why);
	} else {
		err = m2m_smdp_check_eum(req->ci_pem, req->ci_pem_len, eis->eum_pem,
					 eis->eum_pem_len, now, &own, why);
		eum = own;
	}
	if (err != M2M_OK)
		goto out;
	err = eis->ecasd_cert != NULL ?
	      m2m_gpcert_verify(eis->ecasd_cert, eis->ecasd_cert_len, eum, &c, &w) : M2M_ERR_ARG;
	if (err == M2M_ERR_VERIFY) {
		err = m2m_smdp_refuse(why, M2M_SMDP_REFUSE_ECASD_SIGNATURE, err,
				      "CERT.ECASD.ECKA is not signed by the EUM");
		goto out;
	}
	if (err != M2M_OK) {
		err = m2m_smdp_refuse(why, M2M_SMDP_REFUSE_EIS_INVALID, M2M_ERR_FORMAT,
				      "CERT.ECASD.ECKA: %s", w != NULL ? w : m2m_strerror(err));
		goto out;
	}
	err = check_ecasd(&c, now, why);
	if (err == M2M_OK && m2m_gpcert_public_key(&c, pk_ecasd) != M2M_OK)
		err = m2m_smdp_refuse(why, M2M_SMDP_REFUSE_EIS_INVALID, M2M_ERR_FORMAT,
				      "CERT.ECASD.ECKA: unusable public key");
out:
	m2m_ec_free(own);
	return err;
}
