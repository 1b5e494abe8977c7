/* m2m_saip_personalise: the named values checked for form, then given to the setters. */
#include <string.h>
#include <strings.h>

#include "core/hex.h"
#include "saip/personalise_int.h"

/* Decoded values; wiped after use. */
typedef struct {
	uint8_t ki[32], opc[32], rotation[5], xoring[80], options;
	size_t ki_len, opc_len;
	long algorithm;
	uint8_t kvn, key_type;
	uint8_t ota[3][32];
	size_t ota_len[3];
	uint8_t pol1[16];
	size_t pol1_len;
	m2m_buf conn;
} perso_values;

static const char *val(const m2m_saip_perso *p, m2m_saip_field f)
{
	return p->value[f];
}

/* Hex of one of the lengths in ok[] (0-terminated); message never shows the value. */
static m2m_err hex_field(const m2m_saip_perso *p, m2m_saip_field f, uint8_t *out, size_t cap,
			 const size_t *ok, size_t *n, const char *want, m2m_saip_error *err)
{
	size_t got = 0;

	if (m2m_hex_decode(val(p, f), out, cap, &got) == M2M_OK)
		for (const size_t *l = ok; *l != 0; l++)
			if (got == *l) {
				if (n != NULL)
					*n = got;
				return M2M_OK;
			}
	m2m_wipe(out, cap);
	return m2m_saip_perso_fail(err, M2M_ERR_ARG, NULL, M2M_SAIP_NO_INDEX,
				   "%s must be %s of hex", m2m_saip_field_name(f), want);
}

static m2m_err parse_algorithm(const char *s, long *alg, m2m_saip_error *err)
{
	static const char *names[] = {"milenage", "tuak", "usim-test-algorithm"};

	for (long i = 0; i < 3; i++)
		if (strcasecmp(s, names[i]) == 0 || (s[0] == (char)('1' + i) && s[1] == '\0')) {
			*alg = i + 1;
			return M2M_OK;
		}
	return m2m_saip_perso_fail(err, M2M_ERR_ARG, NULL, M2M_SAIP_NO_INDEX,
				   "algorithm must be milenage, tuak, usim-test-algorithm or 1..3");
}

static m2m_err parse_aka(const m2m_saip_perso *p, perso_values *v, m2m_saip_error *err)
{
	static const size_t k[] = {16, 32, 0}, one[] = {1, 0}, five[] = {5, 0}, eighty[] = {80, 0};
	m2m_err rc = M2M_OK;

	if (val(p, M2M_SAIP_F_KI) != NULL)
		rc = hex_field(p, M2M_SAIP_F_KI, v->ki, sizeof(v->ki), k, &v->ki_len, "16 or 32 bytes",
			       err);
	if (rc == M2M_OK && val(p, M2M_SAIP_F_OPC) != NULL)
		rc = hex_field(p, M2M_SAIP_F_OPC, v->opc, sizeof(v->opc), k, &v->opc_len,
			       "16 or 32 bytes", err);
	if (rc == M2M_OK && val(p, M2M_SAIP_F_ALGORITHM) != NULL)
		rc = parse_algorithm(val(p, M2M_SAIP_F_ALGORITHM), &v->algorithm, err);
	if (rc == M2M_OK && val(p, M2M_SAIP_F_ALGORITHM_OPTIONS) != NULL)
		rc = hex_field(p, M2M_SAIP_F_ALGORITHM_OPTIONS, &v->options, 1, one, NULL, "1 byte",
			       err);
	if (rc == M2M_OK && val(p, M2M_SAIP_F_ROTATION) != NULL)
		rc = hex_field(p, M2M_SAIP_F_ROTATION, v->rotation, sizeof(v->rotation), five, NULL,
			       "5 bytes", err);
	if (rc == M2M_OK && val(p, M2M_SAIP_F_XORING) != NULL)
		rc = hex_field(p, M2M_SAIP_F_XORING, v->xoring, sizeof(v->xoring), eighty, NULL,
			       "80 bytes", err);
	return rc;
}

static m2m_err parse_ota(const m2m_saip_perso *p, perso_values *v, m2m_saip_error *err)
{
	static const size_t one[] = {1, 0}, keys[] = {16, 24, 32, 0};
	bool any = false;
	m2m_err rc = M2M_OK;

	for (int i = 0; i < 3 && rc == M2M_OK; i++)
		if (val(p, (m2m_saip_field)(M2M_SAIP_F_KIC + i)) != NULL) {
			any = true;
			rc = hex_field(p, (m2m_saip_field)(M2M_SAIP_F_KIC + i), v->ota[i],
				       sizeof(v->ota[i]), keys, &v->ota_len[i], "16, 24 or 32 bytes",
				       err);
		}
	if (rc != M2M_OK)
		return rc;
	if (any != (val(p, M2M_SAIP_F_KVN) != NULL))
		return m2m_saip_perso_fail(err, M2M_ERR_ARG, NULL, M2M_SAIP_NO_INDEX,
					   any ? "kic/kid/kik need kvn" : "kvn needs kic, kid or kik");
	if (!any && val(p, M2M_SAIP_F_KEY_TYPE) != NULL)
		return m2m_saip_perso_fail(err, M2M_ERR_ARG, NULL, M2M_SAIP_NO_INDEX,
					   "key-type needs kic, kid or kik");
	if (any)
		rc = hex_field(p, M2M_SAIP_F_KVN, &v->kvn, 1, one, NULL, "1 byte", err);
	if (rc == M2M_OK && val(p, M2M_SAIP_F_KEY_TYPE) != NULL)
		rc = hex_field(p, M2M_SAIP_F_KEY_TYPE, &v->key_type, 1, one, NULL, "1 byte", err);
	return rc;
}

static m2m_err parse_header(const m2m_saip_perso *p, perso_values *v, m2m_saip_error *err)
{
	static const size_t pol[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0};
	const char *conn = val(p, M2M_SAIP_F_CONNECTIVITY), *smsc = val(p, M2M_SAIP_F_SMSC);
	m2m_err rc = M2M_OK;

	if (val(p, M2M_SAIP_F_POL1) != NULL)
		rc = hex_field(p, M2M_SAIP_F_POL1, v->pol1, sizeof(v->pol1), pol, &v->pol1_len,
			       "1 to 16 bytes", err);
	if (rc != M2M_OK)
		return rc;
	if (conn != NULL && smsc != NULL)
		return m2m_saip_perso_fail(err, M2M_ERR_ARG, NULL, M2M_SAIP_NO_INDEX,
					   "give connectivity or smsc, not both");
	if (conn != NULL && m2m_hex_decode_buf(conn, &v->conn) != M2M_OK)
		return m2m_saip_perso_fail(err, M2M_ERR_ARG, NULL, M2M_SAIP_NO_INDEX,
					   "connectivity must be hex");
	if (smsc != NULL && m2m_saip_connectivity_sms(smsc, &v->conn) != M2M_OK)
		return m2m_saip_perso_fail(err, M2M_ERR_ARG, NULL, M2M_SAIP_NO_INDEX,
					   "smsc must be 1 to 20 digits, optionally after '+'");
	return M2M_OK;
}

static m2m_err apply_aka(m2m_saip_pkg *pkg, const m2m_saip_perso *p, const perso_values *v,
			 m2m_saip_error *err)
{
	m2m_saip_aka a = {.algorithm_id = v->algorithm};

	if (val(p, M2M_SAIP_F_KI) == NULL && val(p, M2M_SAIP_F_OPC) == NULL && v->algorithm == 0 &&
	    val(p, M2M_SAIP_F_ALGORITHM_OPTIONS) == NULL && val(p, M2M_SAIP_F_ROTATION) == NULL &&
	    val(p, M2M_SAIP_F_XORING) == NULL)
		return M2M_OK;
	if (val(p, M2M_SAIP_F_KI) != NULL) {
		a.key = v->ki;
		a.key_len = v->ki_len;
	}
	if (val(p, M2M_SAIP_F_OPC) != NULL) {
		a.opc = v->opc;
		a.opc_len = v->opc_len;
	}
	a.options = val(p, M2M_SAIP_F_ALGORITHM_OPTIONS) != NULL ? &v->options : NULL;
	a.rotation = val(p, M2M_SAIP_F_ROTATION) != NULL ? v->rotation : NULL;
	a.xoring = val(p, M2M_SAIP_F_XORING) != NULL ? v->xoring : NULL;
	return m2m_saip_set_aka(pkg, &a, err);
}

static m2m_err apply_codes(m2m_saip_pkg *pkg, const m2m_saip_perso *p, m2m_saip_error *err)
{
	static const struct {
		m2m_saip_field f;
		uint8_t ref;
		bool puk;
	} codes[] = {
		{M2M_SAIP_F_PIN1, 0x01, false}, {M2M_SAIP_F_PIN2, 0x81, false},
		{M2M_SAIP_F_ADM1, 0x0a, false}, {M2M_SAIP_F_ADM2, 0x0b, false},
		{M2M_SAIP_F_PUK1, 0x01, true},  {M2M_SAIP_F_PUK2, 0x81, true},
	};
	m2m_err rc = M2M_OK;

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]) && rc == M2M_OK; i++) {
		const char *v = val(p, codes[i].f);

		if (v == NULL)
			continue;
		rc = codes[i].puk ? m2m_saip_set_puk(pkg, codes[i].ref, v, err)
				  : m2m_saip_set_pin(pkg, codes[i].ref, v, err);
	}
	return rc;
}

static m2m_err apply_ota(m2m_saip_pkg *pkg, const m2m_saip_perso *p, const perso_values *v,
			 m2m_saip_error *err)
{
	m2m_err rc = M2M_OK;

	for (int i = 0; i < 3 && rc == M2M_OK; i++) {
		m2m_saip_sd_key k = {.kvn = v->kvn, .id = (uint8_t)(i + 1), .type = v->key_type,
				     .data = v->ota[i], .len = v->ota_len[i]};

		if (val(p, (m2m_saip_field)(M2M_SAIP_F_KIC + i)) != NULL)
			rc = m2m_saip_set_sd_key(pkg, &k, err);
	}
	return rc;
}

static m2m_err parse_all(const m2m_saip_perso *p, perso_values *v, m2m_saip_error *err)
{
	const char *iccid = val(p, M2M_SAIP_F_ICCID), *imsi = val(p, M2M_SAIP_F_IMSI);
	uint8_t scratch[9];
	m2m_err rc;

	if (iccid != NULL && !m2m_saip_perso_digits(iccid, p->iccid_add_check ? 18 : 19,
						    p->iccid_add_check ? 19 : 20))
		return m2m_saip_perso_fail(err, M2M_ERR_ARG, NULL, M2M_SAIP_NO_INDEX,
					   "iccid must be %s decimal digits",
					   p->iccid_add_check ? "18 or 19" : "19 or 20");
	if (imsi != NULL && m2m_saip_imsi_encode(imsi, scratch) != M2M_OK)
		return m2m_saip_perso_fail(err, M2M_ERR_ARG, NULL, M2M_SAIP_NO_INDEX,
					   "imsi must be 6 to 15 decimal digits");
	rc = parse_aka(p, v, err);
	if (rc == M2M_OK)
		rc = parse_ota(p, v, err);
	if (rc == M2M_OK)
		rc = parse_header(p, v, err);
	return rc;
}

m2m_err m2m_saip_personalise(m2m_saip_pkg *pkg, const m2m_saip_perso *p, m2m_saip_error *err)
{
	perso_values v;
	m2m_err rc;

	memset(&v, 0, sizeof(v));
	m2m_buf_init(&v.conn);
	rc = parse_all(p, &v, err);
	if (rc != M2M_OK)
		goto out;
	if (val(p, M2M_SAIP_F_ICCID) != NULL &&
	    (rc = m2m_saip_set_iccid(pkg, val(p, M2M_SAIP_F_ICCID), p->iccid_add_check, err)) != M2M_OK)
		goto out;
	if (val(p, M2M_SAIP_F_IMSI) != NULL &&
	    (rc = m2m_saip_set_imsi(pkg, val(p, M2M_SAIP_F_IMSI), err)) != M2M_OK)
		goto out;
	if ((rc = apply_aka(pkg, p, &v, err)) != M2M_OK || (rc = apply_codes(pkg, p, err)) != M2M_OK ||
	    (rc = apply_ota(pkg, p, &v, err)) != M2M_OK)
		goto out;
	if (v.pol1_len != 0 && (rc = m2m_saip_set_pol1(pkg, v.pol1, v.pol1_len, err)) != M2M_OK)
		goto out;
	if (val(p, M2M_SAIP_F_CONNECTIVITY) != NULL || val(p, M2M_SAIP_F_SMSC) != NULL)
		rc = m2m_saip_set_connectivity(pkg, v.conn.data, v.conn.len, err);
out:
	m2m_buf_free(&v.conn);
	m2m_wipe(&v, sizeof(v));
	return rc;
}
