/* X.509 issuing and checking with OpenSSL's X509 API (docs/pki.md). */
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/ec_internal.h"
#include "crypto/x509.h"

static X509 *x509_parse(const uint8_t *pem, size_t n)
{
	BIO *bio;
	X509 *x = NULL;

	if (pem == NULL || n == 0 || n > INT32_MAX)
		return NULL;
	bio = BIO_new_mem_buf(pem, (int)n);
	if (bio != NULL)
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return x;
}

static bool add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	bool ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	ok = ext != NULL && X509_add_ext(x, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok;
}

static bool set_name(X509_NAME *name, const m2m_x509_spec *s)
{
	const struct {
		const char *field, *value;
	} parts[] = {{"O", s->o}, {"OU", s->ou}, {"CN", s->cn}};

	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		if (parts[i].value == NULL || parts[i].value[0] == '\0')
			continue;
		if (X509_NAME_add_entry_by_txt(name, parts[i].field, MBSTRING_UTF8,
					       (const unsigned char *)parts[i].value, -1, -1,
					       0) != 1)
			return false;
	}
	return true;
}

static bool add_san(X509 *x, X509 *issuer, const m2m_x509_spec *s)
{
	char san[512] = "";
	size_t used = 0;

	for (int i = 0; i < M2M_X509_SAN_MAX && s->dns[i] != NULL; i++)
		used += (size_t)snprintf(san + used, sizeof san - used, "%sDNS:%s",
					 used ? "," : "", s->dns[i]);
	for (int i = 0; i < M2M_X509_SAN_MAX && s->ip[i] != NULL && used < sizeof san; i++)
		used += (size_t)snprintf(san + used, sizeof san - used, "%sIP:%s",
					 used ? "," : "", s->ip[i]);
	if (used == 0)
		return true;
	return used < sizeof san && add_ext(x, issuer, NID_subject_alt_name, san);
}

static bool add_kind(X509 *x, X509 *issuer, m2m_x509_kind kind)
{
	switch (kind) {
	case M2M_X509_CA:
		return add_ext(x, issuer, NID_basic_constraints, "critical,CA:TRUE") &&
		       add_ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
	case M2M_X509_TLS_SERVER:
		return add_ext(x, issuer, NID_basic_constraints, "critical,CA:FALSE") &&
		       add_ext(x, issuer, NID_key_usage, "critical,digitalSignature") &&
		       add_ext(x, issuer, NID_ext_key_usage, "serverAuth,clientAuth");
	case M2M_X509_TLS_CLIENT:
		return add_ext(x, issuer, NID_basic_constraints, "critical,CA:FALSE") &&
		       add_ext(x, issuer, NID_key_usage, "critical,digitalSignature") &&
		       add_ext(x, issuer, NID_ext_key_usage, "clientAuth");
	case M2M_X509_SIGNING:
		return add_ext(x, issuer, NID_basic_constraints, "critical,CA:FALSE") &&
		       add_ext(x, issuer, NID_key_usage, "critical,digitalSignature");
	}
	return false;
}

static bool fill(X509 *x, X509 *issuer, const m2m_x509_spec *s, const m2m_eckey *subject_key)
{
	ASN1_INTEGER *serial = X509_get_serialNumber(x);

	if (X509_set_version(x, 2) != 1 || ASN1_INTEGER_set_uint64(serial, s->serial) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), s->days, 0, NULL) == NULL ||
	    X509_set_pubkey(x, subject_key->pkey) != 1 || !set_name(X509_get_subject_name(x), s))
		return false;
	if (X509_set_issuer_name(x, X509_get_subject_name(issuer != NULL ? issuer : x)) != 1)
		return false;
	/* Key identifiers link the chain (SGP.02 identifies parent keys by them). */
	return add_ext(x, issuer != NULL ? issuer : x, NID_subject_key_identifier, "hash") &&
	       add_ext(x, issuer != NULL ? issuer : x, NID_authority_key_identifier,
		       "keyid:always") &&
	       add_kind(x, issuer != NULL ? issuer : x, s->kind) &&
	       add_san(x, issuer != NULL ? issuer : x, s);
}

m2m_err m2m_x509_issue(const m2m_x509_spec *spec, const m2m_eckey *subject_key,
		       const uint8_t *issuer_pem, size_t issuer_len, const m2m_eckey *issuer_key,
		       m2m_buf *out)
{
	X509 *x = NULL, *issuer = NULL;
	BIO *bio = NULL;
	char *p;
	long n;
	m2m_err rc = M2M_ERR_CRYPTO;

	if (spec == NULL || subject_key == NULL || issuer_key == NULL || out == NULL ||
	    spec->cn == NULL || spec->days <= 0 || !m2m_ec_has_private(issuer_key))
		return M2M_ERR_ARG;
	if (issuer_pem != NULL && (issuer = x509_parse(issuer_pem, issuer_len)) == NULL) {
		rc = M2M_ERR_FORMAT;
		goto out;
	}
	x = X509_new();
	bio = BIO_new(BIO_s_mem());
	if (x == NULL || bio == NULL) {
		rc = M2M_ERR_NOMEM;
		goto out;
	}
	if (!fill(x, issuer, spec, subject_key) ||
	    X509_sign(x, issuer_key->pkey, EVP_sha256()) <= 0 || PEM_write_bio_X509(bio, x) != 1)
		goto out;
	n = BIO_get_mem_data(bio, &p);
	rc = n > 0 ? m2m_buf_append(out, p, (size_t)n) : M2M_ERR_CRYPTO;
out:
	X509_free(x);
	X509_free(issuer);
	BIO_free(bio);
	ERR_clear_error();
	return rc;
}

m2m_err m2m_x509_verify(const uint8_t *cert_pem, size_t cert_len, const uint8_t *issuer_pem,
			size_t issuer_len)
{
	X509 *cert = x509_parse(cert_pem, cert_len);
	X509 *issuer = x509_parse(issuer_pem, issuer_len);
	EVP_PKEY *ik = issuer != NULL ? X509_get0_pubkey(issuer) : NULL;
	m2m_err rc = M2M_ERR_FORMAT;

	if (cert != NULL && ik != NULL) {
		rc = M2M_ERR_VERIFY;
		if (X509_verify(cert, ik) == 1 &&
		    X509_check_issued(issuer, cert) == X509_V_OK &&
		    X509_cmp_current_time(X509_get0_notBefore(cert)) < 0 &&
		    X509_cmp_current_time(X509_get0_notAfter(cert)) > 0)
			rc = M2M_OK;
	}
	X509_free(cert);
	X509_free(issuer);
	ERR_clear_error();
	return rc;
}

static void name_entry(X509_NAME *name, int nid, char *out, size_t cap)
{
	if (cap == 0)
		return;
	out[0] = '\0';
	if (X509_NAME_get_text_by_NID(name, nid, out, (int)cap) < 0)
		out[0] = '\0';
}

m2m_err m2m_x509_subject(const uint8_t *cert_pem, size_t n, char *cn, size_t cn_cap, char *ou,
			 size_t ou_cap)
{
	X509 *x = x509_parse(cert_pem, n);

	if (x == NULL) {
		ERR_clear_error();
		return M2M_ERR_FORMAT;
	}
	name_entry(X509_get_subject_name(x), NID_commonName, cn, cn_cap);
	name_entry(X509_get_subject_name(x), NID_organizationalUnitName, ou, ou_cap);
	X509_free(x);
	return M2M_OK;
}
