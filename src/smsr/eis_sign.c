/* The EUM's signature of an EIS: making the EumSignature and checking it against the EUM
 * certificate and the CI (eis_dsig.h). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "card/gpcert.h"
#include "core/hex.h"
#include "crypto/hash.h"
#include "crypto/pem.h"
#include "crypto/x509.h"
#include "smsr/eis_dsig.h"

#define PEM_BEGIN "-----BEGIN CERTIFICATE-----"
#define PEM_END "-----END CERTIFICATE-----"

/* The DER of the first certificate of a PEM text. */
static m2m_err pem_der(const uint8_t *pem, size_t len, m2m_buf *der)
{
	char *text = strndup((const char *)pem, len), *b, *e;
	m2m_err err = M2M_ERR_FORMAT;

	if (text == NULL)
		return M2M_ERR_NOMEM;
	if ((b = strstr(text, PEM_BEGIN)) != NULL && (e = strstr(b, PEM_END)) != NULL) {
		*e = '\0';
		err = m2m_dsig_base64_decode(b + strlen(PEM_BEGIN), der);
	}
	free(text);
	return err;
}

static m2m_err add_alg(m2m_ws_msg *m, m2m_ws_node *parent, const char *name, const char *alg,
		       m2m_ws_node **out)
{
	m2m_ws_node *n;
	m2m_err err = m2m_ws_add(m, parent, name, NULL, &n);

	if (err == M2M_OK)
		err = m2m_ws_set_attr(m, n, "Algorithm", alg);
	if (err == M2M_OK && out != NULL)
		*out = n;
	return err;
}

/* ds:SignedInfo with one Reference (no URI) carrying digest. */
static m2m_err add_signed_info(m2m_ws_msg *m, m2m_ws_node *sig, const uint8_t *digest,
			       m2m_ws_node **si)
{
	m2m_ws_node *ref, *tr;
	m2m_err err = m2m_ws_add(m, sig, "ds:SignedInfo", NULL, si);

	if (err == M2M_OK)
		err = add_alg(m, *si, "ds:CanonicalizationMethod", M2M_DSIG_EXC_C14N, NULL);
	if (err == M2M_OK)
		err = add_alg(m, *si, "ds:SignatureMethod", M2M_DSIG_ECDSA_SHA256, NULL);
	if (err == M2M_OK)
		err = m2m_ws_add(m, *si, "ds:Reference", NULL, &ref);
	if (err == M2M_OK)
		err = m2m_ws_add(m, ref, "ds:Transforms", NULL, &tr);
	if (err == M2M_OK)
		err = add_alg(m, tr, "ds:Transform", M2M_DSIG_EXC_C14N, NULL);
	if (err == M2M_OK)
		err = add_alg(m, ref, "ds:DigestMethod", M2M_DSIG_SHA256, NULL);
	if (err == M2M_OK)
		err = m2m_ws_add_bytes(m, ref, "ds:DigestValue", digest, M2M_SHA256_SIZE, NULL);
	return err;
}

static m2m_err add_key_info(m2m_ws_msg *m, m2m_ws_node *sig, const uint8_t *pem, size_t len)
{
	m2m_ws_node *ki, *xd;
	m2m_buf der;
	m2m_err err;

	m2m_buf_init(&der);
	err = pem_der(pem, len, &der);
	if (err == M2M_OK)
		err = m2m_ws_add(m, sig, "ds:KeyInfo", NULL, &ki);
	if (err == M2M_OK)
		err = m2m_ws_add(m, ki, "ds:X509Data", NULL, &xd);
	if (err == M2M_OK)
		err = m2m_ws_add_bytes(m, xd, "ds:X509Certificate", der.data, der.len, NULL);
	m2m_buf_free(&der);
	return err;
}

m2m_err m2m_eis_sign(m2m_ws_msg *m, m2m_ws_node *eis, const m2m_eckey *eum_key,
		     const uint8_t *cert_pem, size_t cert_len, m2m_eis *e)
{
	const m2m_ws_node *si = m2m_ws_find(eis, "EumSignedInfo");
	uint8_t digest[M2M_SHA256_SIZE], rs[M2M_EC_SIG_SIZE];
	m2m_ws_node *sig = NULL, *sinfo;
	m2m_buf c14n;
	m2m_err err = M2M_ERR_ARG;

	m2m_buf_init(&c14n);
	if (m == NULL || si == NULL || eum_key == NULL || m2m_ws_find(eis, "EumSignature") != NULL)
		goto out;
	if ((err = m2m_dsig_c14n(si, true, NULL, &c14n)) != M2M_OK ||
	    (err = m2m_sha256(c14n.data, c14n.len, digest)) != M2M_OK ||
	    (err = m2m_ws_add(m, eis, "EumSignature", NULL, &sig)) != M2M_OK ||
	    (err = add_signed_info(m, sig, digest, &sinfo)) != M2M_OK)
		goto out;
	m2m_buf_reset(&c14n);
	if ((err = m2m_dsig_c14n(sinfo, true, NULL, &c14n)) != M2M_OK ||
	    (err = m2m_ecdsa_sign(eum_key, c14n.data, c14n.len, rs)) != M2M_OK ||
	    (err = m2m_ws_add_bytes(m, sig, "ds:SignatureValue", rs, sizeof rs, NULL)) != M2M_OK)
		goto out;
	if (cert_pem != NULL && (err = add_key_info(m, sig, cert_pem, cert_len)) != M2M_OK)
		goto out;
	if (e != NULL) {
		m2m_buf_reset(&e->signed_info);
		m2m_buf_reset(&e->signature);
		err = m2m_dsig_c14n(si, true, NULL, &e->signed_info);
		if (err == M2M_OK)
			err = m2m_dsig_c14n(sig, true, NULL, &e->signature);
	}
out:
	m2m_buf_free(&c14n);
	return err;
}

m2m_err m2m_eis_verify(const m2m_ws_node *eis, const uint8_t *eum_pem, size_t eum_len,
		       const uint8_t *ci_pem, size_t ci_len, m2m_ws_exec_status *st)
{
	const m2m_ws_node *si = m2m_ws_find(eis, "EumSignedInfo");
	const m2m_ws_node *sig = m2m_ws_find(eis, "EumSignature");
	const char *why = NULL;
	m2m_eckey *key = NULL;
	m2m_err err;

	if (si == NULL || sig == NULL)
		return m2m_eis_refuse(st, M2M_ERR_FORMAT, M2M_WS_SUBJ_EIS, M2M_WS_REASON_INVALID,
				      "Eis: %s is missing", si == NULL ? "EumSignedInfo" :
				      "EumSignature");
	if (m2m_x509_verify(eum_pem, eum_len, ci_pem, ci_len) != M2M_OK)
		return m2m_eis_refuse(st, M2M_ERR_VERIFY, M2M_WS_SUBJ_EIS,
				      M2M_WS_REASON_VERIFICATION_FAILED,
				      "the EUM certificate was not issued by the CI or is not "
				      "valid now");
	if ((err = m2m_ec_from_pem(eum_pem, eum_len, false, &key)) != M2M_OK)
		return m2m_eis_refuse(st, M2M_ERR_VERIFY, M2M_WS_SUBJ_EIS,
				      M2M_WS_REASON_VERIFICATION_FAILED,
				      "the EUM certificate has no usable EC key (%s)",
				      m2m_strerror(err));
	err = m2m_dsig_verify(sig, si, NULL, key, &why);
	m2m_ec_free(key);
	if (err == M2M_ERR_VERIFY)
		return m2m_eis_refuse(st, err, M2M_WS_SUBJ_EIS, M2M_WS_REASON_VERIFICATION_FAILED,
				      "EumSignature: %s", why);
	if (err != M2M_OK)
		return m2m_eis_refuse(st, err, M2M_WS_SUBJ_EIS, M2M_WS_REASON_INVALID,
				      "EumSignature: %s", why);
	return M2M_OK;
}

/* Today as the BCD YYYYMMDD of GP certificate dates. */
static void bcd_today(uint8_t out[4])
{
	time_t now = time(NULL);
	struct tm tm;
	int v[4];

	gmtime_r(&now, &tm);
	v[0] = (tm.tm_year + 1900) / 100;
	v[1] = (tm.tm_year + 1900) % 100;
	v[2] = tm.tm_mon + 1;
	v[3] = tm.tm_mday;
	for (int i = 0; i < 4; i++)
		out[i] = (uint8_t)((v[i] / 10) << 4 | (v[i] % 10));
}

/* CERT.ECASD.ECKA: a GP certificate signed by the EUM, for this EID, not expired. */
m2m_err m2m_eis_check_ecasd(const m2m_eis *e, const uint8_t *eum_pem, size_t eum_len,
			    m2m_ws_exec_status *status)
{
	const m2m_eis_cert *c = NULL;
	const char *why = NULL;
	uint8_t eid[M2M_EIS_EID_SIZE], today[4];
	m2m_eckey *key = NULL;
	m2m_gpcert cert;
	m2m_err err;

	for (size_t i = 0; i < e->ecasd.nkeysets && c == NULL; i++)
		if (e->ecasd.keysets[i].ncerts > 0)
			c = &e->ecasd.keysets[i].certs[0];
	if (c == NULL)
		return m2m_eis_refuse(status, M2M_ERR_FORMAT, M2M_WS_SUBJ_ECASD_CERT,
				      M2M_WS_REASON_INVALID,
				      "the ECASD carries no certificate (CERT.ECASD.ECKA)");
	if ((err = m2m_ec_from_pem(eum_pem, eum_len, false, &key)) != M2M_OK)
		return m2m_eis_refuse(status, err, M2M_WS_SUBJ_EIS,
				      M2M_WS_REASON_VERIFICATION_FAILED,
				      "the EUM certificate has no usable EC key");
	err = m2m_gpcert_verify(c->value, c->len, key, &cert, &why);
	m2m_ec_free(key);
	if (err == M2M_ERR_VERIFY)
		return m2m_eis_refuse(status, err, M2M_WS_SUBJ_ECASD_CERT,
				      M2M_WS_REASON_VERIFICATION_FAILED,
				      "CERT.ECASD.ECKA is not signed by the EUM");
	if (err != M2M_OK)
		return m2m_eis_refuse(status, M2M_ERR_FORMAT, M2M_WS_SUBJ_ECASD_CERT,
				      M2M_WS_REASON_INVALID, "CERT.ECASD.ECKA: %s",
				      why != NULL ? why : m2m_strerror(err));
	if (m2m_hex_decode_exact(e->eid, eid, sizeof eid) != M2M_OK ||
	    cert.subject_id_len != sizeof eid || memcmp(cert.subject_id, eid, sizeof eid) != 0)
		return m2m_eis_refuse(status, M2M_ERR_FORMAT, M2M_WS_SUBJ_ECASD_CERT,
				      M2M_WS_REASON_INVALID,
				      "CERT.ECASD.ECKA is not the certificate of EID %s", e->eid);
	bcd_today(today);
	if (memcmp(cert.expiry, today, sizeof today) < 0)
		return m2m_eis_refuse(status, M2M_ERR_VERIFY, M2M_WS_SUBJ_ECASD_CERT,
				      M2M_WS_REASON_EXPIRED, "CERT.ECASD.ECKA has expired");
	return M2M_OK;
}
