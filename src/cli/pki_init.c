/* Makes the test PKI: a CI, a TLS CA, the EUM, two SM-SRs, an SM-DP, two operators and an
 * M2M SP, with X.509 and GlobalPlatform-format certificates (docs/pki.md). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "card/gpcert.h"
#include "cli/pki_init.h"
#include "core/buf.h"
#include "crypto/hash.h"
#include "crypto/pem.h"
#include "crypto/x509.h"

typedef struct {
	const char *dir;
	m2m_curve curve;
	int days;
	bool force;
	char *what;              /* the file or step being made, for the error message */
	size_t what_cap;
	char path[512];
} pki_ctx;

/* Entities with TLS certificates: id (subject CN), role (subject OU), a GP certificate type
 * for the ECDSA key SGP.02 key establishment uses (0: none). */
static const struct {
	const char *id, *role;
	m2m_x509_kind kind;
	uint8_t gp_type;
} tls_entities[] = {
	{"smsr1", "SM-SR", M2M_X509_TLS_SERVER, M2M_GPCERT_TYPE_SMSR},
	{"smsr2", "SM-SR", M2M_X509_TLS_SERVER, M2M_GPCERT_TYPE_SMSR},
	{"smdp1", "SM-DP", M2M_X509_TLS_SERVER, M2M_GPCERT_TYPE_SMDP},
	{"mno1", "MNO", M2M_X509_TLS_SERVER, 0},
	{"mno2", "MNO", M2M_X509_TLS_SERVER, 0},
	{"m2msp1", "M2M-SP", M2M_X509_TLS_SERVER, 0},
	{"eum1", "EUM", M2M_X509_TLS_CLIENT, 0},
};

static const char *file(pki_ctx *c, const char *name)
{
	snprintf(c->path, sizeof c->path, "%s/%s", c->dir, name);
	snprintf(c->what, c->what_cap, "%s", c->path);
	return c->path;
}

/* Private keys are written 0600; nothing is overwritten without --force. */
static m2m_err write_file(pki_ctx *c, const char *name, const uint8_t *p, size_t n, bool secret)
{
	int flags = O_WRONLY | O_CREAT | (c->force ? O_TRUNC : O_EXCL);
	int fd = open(file(c, name), flags, secret ? 0600 : 0644);
	m2m_err rc = M2M_OK;

	if (fd < 0)
		return errno == EEXIST ? M2M_ERR_STATE : M2M_ERR_IO;
	if (secret && fchmod(fd, 0600) != 0)
		rc = M2M_ERR_IO;
	for (size_t off = 0; rc == M2M_OK && off < n;) {
		ssize_t w = write(fd, p + off, n - off);
		if (w <= 0)
			rc = M2M_ERR_IO;
		else
			off += (size_t)w;
	}
	if (close(fd) != 0 && rc == M2M_OK)
		rc = M2M_ERR_IO;
	return rc;
}

static m2m_err new_key(pki_ctx *c, const char *name, m2m_eckey **key)
{
	m2m_buf pem;
	m2m_err rc;

	m2m_buf_init(&pem);
	snprintf(c->what, c->what_cap, "%s", name);
	rc = m2m_ec_generate(c->curve, key);
	if (rc == M2M_OK)
		rc = m2m_ec_private_pem(*key, &pem);
	if (rc == M2M_OK)
		rc = write_file(c, name, pem.data, pem.len, true);
	m2m_buf_free(&pem);
	return rc;
}

/* Issues and writes a certificate; *pem (optional) keeps its text for issuing below it. */
static m2m_err new_cert(pki_ctx *c, const char *name, const m2m_x509_spec *spec,
			const m2m_eckey *key, const m2m_buf *issuer, const m2m_eckey *issuer_key,
			m2m_buf *pem)
{
	m2m_buf tmp;
	m2m_buf *out = pem != NULL ? pem : &tmp;
	m2m_err rc;

	m2m_buf_init(&tmp);
	snprintf(c->what, c->what_cap, "%s", name);
	rc = m2m_x509_issue(spec, key, issuer ? issuer->data : NULL, issuer ? issuer->len : 0,
			    issuer_key, out);
	if (rc == M2M_OK)
		rc = write_file(c, name, out->data, out->len, false);
	m2m_buf_free(&tmp);
	return rc;
}

static void bcd_date(time_t t, uint8_t out[4])
{
	struct tm tm;
	int y;

	gmtime_r(&t, &tm);
	y = tm.tm_year + 1900;
	out[0] = (uint8_t)(((y / 1000) << 4) | ((y / 100) % 10));
	out[1] = (uint8_t)((((y / 10) % 10) << 4) | (y % 10));
	out[2] = (uint8_t)((((tm.tm_mon + 1) / 10) << 4) | ((tm.tm_mon + 1) % 10));
	out[3] = (uint8_t)(((tm.tm_mday / 10) << 4) | (tm.tm_mday % 10));
}

/* CERT.DP.ECDSA / CERT.SR.ECDSA: the CA id is the start of the CI key's SHA-256. */
static m2m_err new_gpcert(pki_ctx *c, const char *id, uint8_t type, uint16_t serial,
			  const m2m_eckey *key, const m2m_eckey *ci)
{
	uint8_t point[M2M_EC_POINT_SIZE], digest[32];
	char name[96];
	m2m_gpcert g = {0};
	m2m_buf der;
	m2m_err rc;

	m2m_buf_init(&der);
	snprintf(name, sizeof name, "%s-ecdsa.gpcert", id);
	snprintf(c->what, c->what_cap, "%s", name);
	rc = m2m_ec_public_point(ci, point);
	if (rc == M2M_OK)
		rc = m2m_sha256(point, sizeof point, digest);
	if (rc != M2M_OK)
		goto out;
	g.serial[0] = (uint8_t)(serial >> 8);
	g.serial[1] = (uint8_t)serial;
	g.serial_len = 2;
	memcpy(g.ca_id, digest, 8);
	g.ca_id_len = 8;
	g.subject_id_len = strlen(id);
	memcpy(g.subject_id, id, g.subject_id_len);
	g.key_usage[0] = M2M_GPCERT_USAGE_SIGN_VERIFY;
	g.key_usage_len = 1;
	bcd_date(time(NULL) + (time_t)c->days * 86400, g.expiry);
	g.has_type = true;
	g.type = type;
	rc = m2m_gpcert_set_public_key(&g, key);
	if (rc == M2M_OK)
		rc = m2m_gpcert_sign(&g, ci, &der);
	if (rc == M2M_OK)
		rc = write_file(c, name, der.data, der.len, false);
out:
	m2m_buf_free(&der);
	return rc;
}

static m2m_err make_entity(pki_ctx *c, size_t i, const m2m_buf *tls_ca, const m2m_eckey *tls_key,
			   const m2m_eckey *ci)
{
	char kname[96], cname[96];
	m2m_eckey *key = NULL;
	m2m_x509_spec spec = {.kind = tls_entities[i].kind, .cn = tls_entities[i].id,
			      .ou = tls_entities[i].role, .o = "m2mrsp test",
			      .serial = 100 + i, .days = c->days,
			      .dns = {"localhost", NULL}, .ip = {"127.0.0.1", NULL}};
	m2m_err rc;

	snprintf(kname, sizeof kname, "%s-tls.key", tls_entities[i].id);
	snprintf(cname, sizeof cname, "%s-tls.crt", tls_entities[i].id);
	rc = new_key(c, kname, &key);
	if (rc == M2M_OK)
		rc = new_cert(c, cname, &spec, key, tls_ca, tls_key, NULL);
	m2m_ec_free(key);
	key = NULL;
	if (rc != M2M_OK || tls_entities[i].gp_type == 0)
		return rc;
	snprintf(kname, sizeof kname, "%s-ecdsa.key", tls_entities[i].id);
	rc = new_key(c, kname, &key);
	if (rc == M2M_OK)
		rc = new_gpcert(c, tls_entities[i].id, tls_entities[i].gp_type,
				(uint16_t)(200 + i), key, ci);
	m2m_ec_free(key);
	return rc;
}

/* The CI and the EUM below it (the EUM signs ECASD certificates and EIS). */
static m2m_err make_roots(pki_ctx *c, m2m_eckey **ci, m2m_eckey **tls_key, m2m_buf *tls_ca)
{
	m2m_x509_spec ci_spec = {.kind = M2M_X509_CA, .cn = "m2mrsp test CI", .ou = "CI",
				 .o = "m2mrsp test", .serial = 1, .days = c->days};
	m2m_x509_spec eum_spec = {.kind = M2M_X509_CA, .cn = "eum1", .ou = "EUM",
				  .o = "m2mrsp test", .serial = 2, .days = c->days};
	m2m_x509_spec tls_spec = {.kind = M2M_X509_CA, .cn = "m2mrsp test TLS CA", .ou = "TLS",
				  .o = "m2mrsp test", .serial = 3, .days = c->days};
	m2m_eckey *eum = NULL;
	m2m_buf ci_pem;
	m2m_err rc;

	m2m_buf_init(&ci_pem);
	rc = new_key(c, "ci.key", ci);
	if (rc == M2M_OK)
		rc = new_cert(c, "ci.crt", &ci_spec, *ci, NULL, *ci, &ci_pem);
	if (rc == M2M_OK)
		rc = new_key(c, "eum1.key", &eum);
	if (rc == M2M_OK)
		rc = new_cert(c, "eum1.crt", &eum_spec, eum, &ci_pem, *ci, NULL);
	if (rc == M2M_OK)
		rc = new_key(c, "tls-ca.key", tls_key);
	if (rc == M2M_OK)
		rc = new_cert(c, "tls-ca.crt", &tls_spec, *tls_key, NULL, *tls_key, tls_ca);
	m2m_ec_free(eum);
	m2m_buf_free(&ci_pem);
	return rc;
}

m2m_err m2m_pki_init(const char *dir, m2m_curve curve, int days, bool force, char *what,
		     size_t what_cap)
{
	pki_ctx c = {.dir = dir, .curve = curve, .days = days, .force = force, .what = what,
		     .what_cap = what_cap};
	m2m_eckey *ci = NULL, *tls_key = NULL;
	m2m_buf tls_ca;
	m2m_err rc;

	m2m_buf_init(&tls_ca);
	snprintf(what, what_cap, "%s", dir);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return M2M_ERR_IO;
	rc = make_roots(&c, &ci, &tls_key, &tls_ca);
	for (size_t i = 0; rc == M2M_OK && i < sizeof tls_entities / sizeof tls_entities[0]; i++)
		rc = make_entity(&c, i, &tls_ca, tls_key, ci);
	m2m_ec_free(ci);
	m2m_ec_free(tls_key);
	m2m_buf_free(&tls_ca);
	return rc;
}
