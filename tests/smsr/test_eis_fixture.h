/* An EUM's world for the EIS tests: a CI, an EUM certified by it, a second CI with its own
 * "EUM", an ECASD certificate signed by the EUM, a complete EIS value and the schema. Include
 * after <cmocka.h>. */
#ifndef TEST_EIS_FIXTURE_H
#define TEST_EIS_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "card/gpcert.h"
#include "core/hex.h"
#include "crypto/x509.h"
#include "smsr/eis.h"
#include "smsr/eis_dsig.h"
#include "smsr/eis_xml.h"
#include "ws/schema.h"

#define FX_EID "89001012012341234012345678901224" /* the GSMA test EID (facts-2 0) */
#define FX_EUM_ID "1.3.6.1.4.1.99999.10"
#define FX_SMSR_ID "1.3.6.1.4.1.99999.2"
#define FX_MNO_ID "1.3.6.1.4.1.99999.1"

typedef struct {
	m2m_eckey *ci, *eum, *ci2, *eum2, *ecasd;
	m2m_buf ci_pem, eum_pem, ci2_pem, eum2_pem;
	m2m_ws_schema *schema;
	uint8_t tk[16];
} fx;

static inline void fx_x509(const char *cn, const char *ou, uint64_t serial,
			   const m2m_eckey *subject, const m2m_buf *issuer_pem,
			   const m2m_eckey *issuer, m2m_buf *out)
{
	m2m_x509_spec sp;

	memset(&sp, 0, sizeof sp);
	sp.kind = M2M_X509_CA;
	sp.cn = cn;
	sp.ou = ou;
	sp.serial = serial;
	sp.days = 365;
	m2m_buf_init(out);
	assert_int_equal(m2m_x509_issue(&sp, subject, issuer_pem ? issuer_pem->data : NULL,
					issuer_pem ? issuer_pem->len : 0, issuer, out),
			 M2M_OK);
}

static inline void fx_init(fx *f)
{
	memset(f, 0, sizeof *f);
	assert_int_equal(m2m_ws_init(), M2M_OK);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &f->ci), M2M_OK);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &f->eum), M2M_OK);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &f->ci2), M2M_OK);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &f->eum2), M2M_OK);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &f->ecasd), M2M_OK);
	fx_x509("test CI", "CI", 1, f->ci, NULL, f->ci, &f->ci_pem);
	fx_x509("eum1", "EUM", 2, f->eum, &f->ci_pem, f->ci, &f->eum_pem);
	fx_x509("other CI", "CI", 1, f->ci2, NULL, f->ci2, &f->ci2_pem);
	fx_x509("eum1", "EUM", 2, f->eum2, &f->ci2_pem, f->ci2, &f->eum2_pem);
	assert_int_equal(m2m_ws_schema_load(M2MRSP_SOURCE_DIR "/data/wsdl", &f->schema), M2M_OK);
	for (size_t i = 0; i < sizeof f->tk; i++)
		f->tk[i] = (uint8_t)(0x40 + i);
}

static inline void fx_free(fx *f)
{
	m2m_ec_free(f->ci);
	m2m_ec_free(f->eum);
	m2m_ec_free(f->ci2);
	m2m_ec_free(f->eum2);
	m2m_ec_free(f->ecasd);
	m2m_buf_free(&f->ci_pem);
	m2m_buf_free(&f->eum_pem);
	m2m_buf_free(&f->ci2_pem);
	m2m_buf_free(&f->eum2_pem);
	m2m_ws_schema_free(f->schema);
}

/* CERT.ECASD.ECKA of eid_hex signed by signer. */
static inline void fx_ecasd_cert(fx *f, const char *eid_hex, const m2m_eckey *signer,
				 m2m_buf *out)
{
	m2m_gpcert c;

	memset(&c, 0, sizeof c);
	assert_int_equal(m2m_hex_decode_exact(eid_hex, c.serial, 16), M2M_OK);
	c.serial_len = 16;
	memcpy(c.subject_id, c.serial, 16);
	c.subject_id_len = 16;
	memset(c.ca_id, 0xCA, 8);
	c.ca_id_len = 8;
	c.key_usage[0] = 0x00;
	c.key_usage[1] = 0x80;
	c.key_usage_len = 2;
	memcpy(c.expiry, "\x20\x49\x12\x31", 4);
	assert_int_equal(m2m_gpcert_set_public_key(&c, f->ecasd), M2M_OK);
	m2m_buf_init(out);
	assert_int_equal(m2m_gpcert_sign(&c, signer, out), M2M_OK);
}

static inline void fx_key(m2m_eis_key *k, uint8_t index, uint8_t type, uint8_t fill)
{
	k->index = index;
	k->type = type;
	k->len = 16;
	memset(k->value, fill, 16);
	k->wrapped = false;
}

static inline void fx_aid(uint8_t *out, size_t *len, uint8_t tar_lo)
{
	static const uint8_t base[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
					 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x00, 0x00};
	memcpy(out, base, 16);
	out[14] = tar_lo;
	*len = 16;
}

/* A complete EIS with keys in clear: SCP80 KVN 1 (KIc, KID, DEK), SCP81 KVN 0x40 (PSK), two
 * profiles (one Enabled with the fall-back attribute and POL2, one Disabled without
 * FreeMemory), an audit record and a property. */
static inline void fx_eis(fx *f, const char *eid_hex, m2m_eis *e)
{
	m2m_eis_profile *p;
	m2m_eis_audit *a;
	m2m_buf cert;

	m2m_eis_init(e);
	snprintf(e->eid, sizeof e->eid, "%s", eid_hex);
	snprintf(e->eum_id, sizeof e->eum_id, FX_EUM_ID);
	snprintf(e->production_date, sizeof e->production_date, "2024-01-15T08:30:00Z");
	snprintf(e->platform_type, sizeof e->platform_type, "m2mrsp-soft-euicc");
	snprintf(e->platform_version, sizeof e->platform_version, "1.0.0");
	fx_aid(e->isdp_loadfile_aid, &e->isdp_loadfile_aid_len, 0x0D);
	fx_aid(e->isdp_module_aid, &e->isdp_module_aid_len, 0x0E);
	fx_aid(e->ecasd.aid, &e->ecasd.aid_len, 0x02);
	e->ecasd.nkeysets = 1;
	e->ecasd.keysets[0].version = 0x73;
	e->ecasd.keysets[0].ncerts = 1;
	e->ecasd.keysets[0].certs[0].index = 1;
	snprintf(e->ecasd.keysets[0].certs[0].ca_id, M2M_EIS_ID_SIZE, FX_EUM_ID);
	fx_ecasd_cert(f, eid_hex, f->eum, &cert);
	assert_int_equal(m2m_eis_cert_set(&e->ecasd.keysets[0].certs[0], cert.data, cert.len),
			 M2M_OK);
	m2m_buf_free(&cert);
	e->caps.http = true;
	snprintf(e->caps.http_version, sizeof e->caps.http_version, "1.1.0");
	snprintf(e->caps.secure_packet_version, sizeof e->caps.secure_packet_version, "13.0.0");
	snprintf(e->caps.rsp_version, sizeof e->caps.rsp_version, "3.1.0");
	e->remaining_memory = 400000;
	e->available_memory = 1048576;
	snprintf(e->smsr_id, sizeof e->smsr_id, FX_SMSR_ID);

	assert_int_equal(m2m_eis_add_profile(e, &p), M2M_OK);
	snprintf(p->iccid, sizeof p->iccid, "8944500102198304826");
	fx_aid(p->isdp_aid, &p->isdp_aid_len, 0x10);
	snprintf(p->mno_id, sizeof p->mno_id, FX_MNO_ID);
	p->fallback = true;
	snprintf(p->imsi, sizeof p->imsi, "234150999999999");
	snprintf(p->msisdn, sizeof p->msisdn, "447700900123");
	p->state = M2M_STORE_PROFILE_ENABLED;
	snprintf(p->smdp_id, sizeof p->smdp_id, "1.3.6.1.4.1.99999.3");
	snprintf(p->profile_type, sizeof p->profile_type, "m2m-telemetry-v1");
	p->allocated_memory = 65536;
	p->has_free_memory = true;
	p->free_memory = 1024;
	p->pol2 = M2M_POL2_DISABLE_NOT_ALLOWED | M2M_POL2_DELETE_AUTO_DELETE;
	assert_int_equal(m2m_eis_add_profile(e, &p), M2M_OK);
	snprintf(p->iccid, sizeof p->iccid, "8944500102198304834");
	fx_aid(p->isdp_aid, &p->isdp_aid_len, 0x11);
	snprintf(p->mno_id, sizeof p->mno_id, "1.3.6.1.4.1.99999.4");
	p->state = M2M_STORE_PROFILE_DISABLED;
	p->allocated_memory = 32768;

	fx_aid(e->isdr.aid, &e->isdr.aid_len, 0x01);
	e->isdr.ntars = 1;
	memcpy(e->isdr.tars[0], "\x00\x00\x01", 3);
	e->isdr.nkeysets = 2;
	e->isdr.keysets[0].version = 1;
	e->isdr.keysets[0].usage = M2M_EIS_KS_SCP80;
	e->isdr.keysets[0].has_cntr = true;
	e->isdr.keysets[0].cntr = 5;
	e->isdr.keysets[0].nkeys = 3;
	fx_key(&e->isdr.keysets[0].keys[0], 1, M2M_EIS_KEYTYPE_AES, 0x11);
	fx_key(&e->isdr.keysets[0].keys[1], 2, M2M_EIS_KEYTYPE_AES, 0x22);
	fx_key(&e->isdr.keysets[0].keys[2], 3, M2M_EIS_KEYTYPE_AES, 0x33);
	e->isdr.keysets[1].version = 0x40;
	e->isdr.keysets[1].usage = M2M_EIS_KS_SCP81;
	e->isdr.keysets[1].nkeys = 1;
	fx_key(&e->isdr.keysets[1].keys[0], 1, M2M_EIS_KEYTYPE_PSK_TLS, 0x44);

	e->has_audit_trail = true;
	assert_int_equal(m2m_eis_add_audit(e, &a), M2M_OK);
	snprintf(a->eid, sizeof a->eid, "%s", eid_hex);
	snprintf(a->smsr_id, sizeof a->smsr_id, FX_SMSR_ID);
	a->date = 1714518000; /* 2024-04-30T23:00:00Z */
	a->op_type[0] = 0x01;
	a->has_status = true;
	a->status.status = M2M_WS_EXECUTED_SUCCESS;
	assert_int_equal(m2m_eis_add_property(e, "manufacturer", "m2mrsp test"), M2M_OK);
}

/* An ES1-RegisterEISRequest carrying e, keys wrapped under f->tk, signed by signer (cert:
 * the KeyInfo certificate, may be NULL). *eis gets the element. */
static inline m2m_ws_msg *fx_request(fx *f, const m2m_eis *e, const m2m_eckey *signer,
				     const m2m_buf *cert, m2m_ws_node **eis)
{
	m2m_ws_msg *m = NULL;
	m2m_ws_node *n;

	assert_int_equal(m2m_ws_request_new(M2M_WS_ES1_REGISTER_EIS, "fc-1", 0, &m), M2M_OK);
	assert_int_equal(m2m_eis_build(m, NULL, e, f->tk, sizeof f->tk, &n), M2M_OK);
	assert_int_equal(m2m_eis_sign(m, n, signer, cert ? cert->data : NULL,
				      cert ? cert->len : 0, NULL),
			 M2M_OK);
	if (eis != NULL)
		*eis = n;
	return m;
}

/* Replaces the text of the element at path under n (a test's tampering). */
static inline void fx_set_text(m2m_ws_node *n, const char *path, const char *text)
{
	xmlNodePtr e = (xmlNodePtr)m2m_ws_find(n, path);
	assert_non_null(e);
	xmlNodeSetContent(e, BAD_CAST text);
}

static inline void fx_remove(m2m_ws_node *n, const char *path)
{
	xmlNodePtr e = (xmlNodePtr)m2m_ws_find(n, path);
	assert_non_null(e);
	xmlUnlinkNode(e);
	xmlFreeNode(e);
}

#endif
