/* XML-DSig of the EIS: canonicalisation and verification against public vectors, the
 * EumSignature's making and checking, tampering, wrong keys and certificates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <libxml/parser.h>

#include "smsr/eis_file.h"
#include "test_eis_fixture.h"

static fx F;

static int setup(void **state)
{
	(void)state;
	fx_init(&F);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fx_free(&F);
	return 0;
}

static xmlDocPtr read_xml(const char *text)
{
	xmlDocPtr doc = xmlReadMemory(text, (int)strlen(text), NULL, NULL, XML_PARSE_NONET);

	assert_non_null(doc);
	return doc;
}

static const xmlNode *child(const xmlNode *n, const char *name)
{
	for (const xmlNode *c = n->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
			return c;
	return NULL;
}

/* W3C Exclusive XML Canonicalization 1.0 (REC 2002-07-18), section 2.2: the elem2 subtree
 * of the example document, with Canonical XML 1.0 and with exclusive canonicalisation. */
static void c14n_spec_example(void **state)
{
	static const char doc_text[] =
		"<n0:local xmlns:n0=\"foo:bar\" xmlns:n3=\"ftp://example.org\">\n"
		"   <n1:elem2 xmlns:n1=\"http://example.net\" xml:lang=\"en\">\n"
		"       <n3:stuff xmlns:n3=\"ftp://example.org\"/>\n"
		"   </n1:elem2>\n"
		"</n0:local>";
	static const char inclusive[] =
		"<n1:elem2 xmlns:n0=\"foo:bar\" xmlns:n1=\"http://example.net\" "
		"xmlns:n3=\"ftp://example.org\" xml:lang=\"en\">\n"
		"       <n3:stuff></n3:stuff>\n"
		"   </n1:elem2>";
	static const char exclusive[] =
		"<n1:elem2 xmlns:n1=\"http://example.net\" xml:lang=\"en\">\n"
		"       <n3:stuff xmlns:n3=\"ftp://example.org\"></n3:stuff>\n"
		"   </n1:elem2>";
	xmlDocPtr doc = read_xml(doc_text);
	const xmlNode *elem2 = child(xmlDocGetRootElement(doc), "elem2");
	m2m_buf b;

	(void)state;
	assert_non_null(elem2);
	m2m_buf_init(&b);
	assert_int_equal(m2m_dsig_c14n(elem2, false, NULL, &b), M2M_OK);
	assert_int_equal(b.len, strlen(inclusive));
	assert_memory_equal(b.data, inclusive, b.len);
	m2m_buf_reset(&b);
	assert_int_equal(m2m_dsig_c14n(elem2, true, NULL, &b), M2M_OK);
	assert_int_equal(b.len, strlen(exclusive));
	assert_memory_equal(b.data, exclusive, b.len);
	/* An InclusiveNamespaces PrefixList brings n0 back. */
	m2m_buf_reset(&b);
	assert_int_equal(m2m_dsig_c14n(elem2, true, "n0", &b), M2M_OK);
	assert_non_null(strstr((const char *)b.data, "xmlns:n0=\"foo:bar\""));
	m2m_buf_free(&b);
	xmlFreeDoc(doc);
}

/* W3C XML Signature 1.1 interoperability vectors (2012), Oracle's
 * signature-enveloping-p256_sha256.xml (also in Apache Santuario's and xmlsec's test suites):
 * ECDSA-SHA256 on P-256 with r||s, Canonical XML 1.0, a reference to an Object by Id. */
static const char w3c_p256[] =
	"<dsig:Signature xmlns:dsig=\"http://www.w3.org/2000/09/xmldsig#\"><dsig:SignedInfo>"
	"<dsig:CanonicalizationMethod Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\"/>"
	"<dsig:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256\"/>"
	"<dsig:Reference URI=\"#DSig.Object_1\" Type=\"http://www.w3.org/2000/09/xmldsig#Object\">"
	"<dsig:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>"
	"<dsig:DigestValue>vIgv7JtPOh3hpedKK0rm8XHtYCSoBX4eEF0YwnB26Es=</dsig:DigestValue>"
	"</dsig:Reference></dsig:SignedInfo><dsig:SignatureValue>eYx4ImirtPG/eJLWgJHoMS30voH+toze"
	"rMftKbYz27vtYNgsHfAvV4M+oEkNgoibq5qnwsO2Z8nn+ndKxhVqFg==</dsig:SignatureValue><dsig:KeyInfo>"
	"<dsig:KeyValue><ECKeyValue xmlns=\"http://www.w3.org/2009/xmldsig11#\"><NamedCurve "
	"URI=\"urn:oid:1.2.840.10045.3.1.7\"/><PublicKey>BJ/yaXNlq4FRObyJCBhb5jAz8GVzinK3bBGLjSDfjb"
	"JwNfydtgjnlS4EsDmxSRhWyJWq6GIqy5wvnaiARK04uB4=</PublicKey></ECKeyValue></dsig:KeyValue>"
	"</dsig:KeyInfo><dsig:Object Id=\"DSig.Object_1\" MimeType=\"text/xml\"><Web>up up and away"
	"</Web></dsig:Object></dsig:Signature>\n";

static m2m_eckey *w3c_key(void)
{
	m2m_buf point;
	m2m_eckey *key = NULL;

	m2m_buf_init(&point);
	assert_int_equal(m2m_dsig_base64_decode("BJ/yaXNlq4FRObyJCBhb5jAz8GVzinK3bBGLjSDfjbJwNfyd"
						"tgjnlS4EsDmxSRhWyJWq6GIqy5wvnaiARK04uB4=",
						&point),
			 M2M_OK);
	assert_int_equal(m2m_ec_from_public(M2M_CURVE_P256, point.data, point.len, &key), M2M_OK);
	m2m_buf_free(&point);
	return key;
}

static m2m_err w3c_verify(const char *text, const char *uri, const char **why)
{
	xmlDocPtr doc = read_xml(text);
	const xmlNode *sig = xmlDocGetRootElement(doc);
	m2m_eckey *key = w3c_key();
	m2m_err err = m2m_dsig_verify(sig, child(sig, "Object"), uri, key, why);

	m2m_ec_free(key);
	xmlFreeDoc(doc);
	return err;
}

static char *replaced(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	char *out = malloc(strlen(text) + strlen(to) + 1);

	assert_non_null(at);
	memcpy(out, text, (size_t)(at - text));
	strcpy(out + (at - text), to);
	strcat(out, at + strlen(from));
	return out;
}

static void w3c_known_answer(void **state)
{
	const char *why = NULL;
	char *t;

	(void)state;
	assert_int_equal(w3c_verify(w3c_p256, "#DSig.Object_1", &why), M2M_OK);
	/* The object changed: the digest no longer matches. */
	t = replaced(w3c_p256, "up up and away", "up up and awaz");
	assert_int_equal(w3c_verify(t, "#DSig.Object_1", &why), M2M_ERR_VERIFY);
	assert_non_null(strstr(why, "digest"));
	free(t);
	/* SignedInfo changed (the Type attribute): the signature no longer verifies. */
	t = replaced(w3c_p256, "xmldsig#Object", "xmldsig#Objecu");
	assert_int_equal(w3c_verify(t, "#DSig.Object_1", &why), M2M_ERR_VERIFY);
	assert_non_null(strstr(why, "signature value"));
	free(t);
	/* Another signature value. */
	t = replaced(w3c_p256, "eYx4", "eYx5");
	assert_int_equal(w3c_verify(t, "#DSig.Object_1", &why), M2M_ERR_VERIFY);
	free(t);
	/* The EIS profile wants no URI. */
	assert_int_equal(w3c_verify(w3c_p256, NULL, &why), M2M_ERR_FORMAT);
	/* Algorithms outside the profile. */
	t = replaced(w3c_p256, "ecdsa-sha256", "ecdsa-sha384");
	assert_int_equal(w3c_verify(t, "#DSig.Object_1", &why), M2M_ERR_UNSUPPORTED);
	free(t);
	t = replaced(w3c_p256, "xmlenc#sha256", "xmlenc#sha512");
	assert_int_equal(w3c_verify(t, "#DSig.Object_1", &why), M2M_ERR_UNSUPPORTED);
	free(t);
	t = replaced(w3c_p256, "REC-xml-c14n-20010315", "REC-xml-c14n-20010315#WithComments");
	assert_int_equal(w3c_verify(t, "#DSig.Object_1", &why), M2M_ERR_UNSUPPORTED);
	free(t);
	/* A truncated signature value. */
	t = replaced(w3c_p256, "ndKxhVqFg==", "ndKxhVq");
	assert_int_equal(w3c_verify(t, "#DSig.Object_1", &why), M2M_ERR_FORMAT);
	free(t);
}

static m2m_err verify_with(m2m_ws_node *eis, const m2m_buf *eum, const m2m_buf *ci,
			   m2m_ws_exec_status *st)
{
	memset(st, 0, sizeof *st);
	return m2m_eis_verify(eis, eum->data, eum->len, ci->data, ci->len, st);
}

/* Every field of EumSignedInfo is signed. */
static void tamper_each_signed_field(void **state)
{
	static const struct {
		const char *path, *text;
	} changes[] = {
		{"EumSignedInfo/Eid", "89001012012341234012345678901232"},
		{"EumSignedInfo/Eum-id", "1.3.6.1.4.1.99999.11"},
		{"EumSignedInfo/ProductionDate", "2024-01-15T08:30:01Z"},
		{"EumSignedInfo/PlatformType", "other"},
		{"EumSignedInfo/PlatformVersion", "1.0.1"},
		{"EumSignedInfo/Isd-p-loadfile-aid", "A0000005591010FFFFFFFF8900000D01"},
		{"EumSignedInfo/Isd-p-module-aid", "A0000005591010FFFFFFFF8900000E01"},
		{"EumSignedInfo/Ecasd/Aid", "A0000005591010FFFFFFFF8900000201"},
		{"EumSignedInfo/Ecasd/Keyset/Version", "116"},
		{"EumSignedInfo/Ecasd/Keyset/Certificate/CaId", "1.2.3"},
		{"EumSignedInfo/EuiccCapabilities/CattpSupport", "true"},
		{"EumSignedInfo/EuiccCapabilities/HttpSupport", "false"},
		{"EumSignedInfo/EuiccCapabilities/RemoteProvisioningVersion", "3.2.0"},
	};
	m2m_ws_exec_status st;
	m2m_eis e;

	(void)state;
	fx_eis(&F, FX_EID, &e);
	for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++) {
		m2m_ws_node *eis;
		m2m_ws_msg *m = fx_request(&F, &e, F.eum, NULL, &eis);

		assert_int_equal(verify_with(eis, &F.eum_pem, &F.ci_pem, &st), M2M_OK);
		fx_set_text(eis, changes[i].path, changes[i].text);
		assert_int_equal(verify_with(eis, &F.eum_pem, &F.ci_pem, &st), M2M_ERR_VERIFY);
		assert_string_equal(st.subject, "8.6");
		assert_string_equal(st.reason, "6.1");
		assert_non_null(strstr(st.message, "digest"));
		m2m_ws_msg_free(m);
	}
	/* Outside EumSignedInfo nothing is signed: the SM-SR maintains it. */
	m2m_ws_node *eis;
	m2m_ws_msg *m = fx_request(&F, &e, F.eum, NULL, &eis);
	fx_set_text(eis, "RemainingMemory", "1");
	assert_int_equal(verify_with(eis, &F.eum_pem, &F.ci_pem, &st), M2M_OK);
	/* The signed digest itself. */
	fx_set_text(eis, "EumSignature/ds:SignedInfo/ds:Reference/ds:DigestValue",
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
	assert_int_equal(verify_with(eis, &F.eum_pem, &F.ci_pem, &st), M2M_ERR_VERIFY);
	m2m_ws_msg_free(m);
	m2m_eis_clear(&e);
}

static void wrong_signer_and_chain(void **state)
{
	m2m_ws_exec_status st;
	m2m_ws_node *eis;
	m2m_ws_msg *m;
	m2m_eis e;

	(void)state;
	fx_eis(&F, FX_EID, &e);
	/* Signed by another key than the EUM certificate's. */
	m = fx_request(&F, &e, F.eum2, NULL, &eis);
	assert_int_equal(verify_with(eis, &F.eum_pem, &F.ci_pem, &st), M2M_ERR_VERIFY);
	assert_string_equal(st.subject, "8.6");
	assert_string_equal(st.reason, "6.1");
	assert_non_null(strstr(st.message, "signature value"));
	/* Consistent signature and certificate, but the EUM is not the CI's. */
	assert_int_equal(verify_with(eis, &F.eum2_pem, &F.ci_pem, &st), M2M_ERR_VERIFY);
	assert_string_equal(st.reason, "6.1");
	assert_non_null(strstr(st.message, "not issued by the CI"));
	/* ... and it does verify against its own CI. */
	assert_int_equal(verify_with(eis, &F.eum2_pem, &F.ci2_pem, &st), M2M_OK);
	/* A CI that is not the EUM's issuer at all (the EUM certificate as "CI"). */
	assert_int_equal(verify_with(eis, &F.eum2_pem, &F.eum_pem, &st), M2M_ERR_VERIFY);
	m2m_ws_msg_free(m);
	m2m_eis_clear(&e);
}

/* The signature survives the file form (indented EIS, ns declarations moved to the root),
 * and carries the EUM certificate in KeyInfo. */
static void survives_file_round_trip(void **state)
{
	m2m_ws_exec_status st;
	m2m_ws_node *eis, *eis2;
	m2m_ws_msg *m, *m2 = NULL;
	m2m_buf file;
	char why[200];
	m2m_eis e;

	(void)state;
	fx_eis(&F, FX_EID, &e);
	m = fx_request(&F, &e, F.eum, &F.eum_pem, &eis);
	assert_non_null(m2m_ws_find(eis, "EumSignature/ds:KeyInfo/ds:X509Data/ds:X509Certificate"));
	m2m_buf_init(&file);
	assert_int_equal(m2m_eis_file_write(eis, false, &file), M2M_OK);
	assert_int_equal(m2m_eis_file_read(file.data, file.len, "fc-9", &m2, &eis2, why,
					   sizeof why),
			 M2M_OK);
	assert_int_equal(verify_with(eis2, &F.eum_pem, &F.ci_pem, &st), M2M_OK);
	m2m_ws_msg_free(m2);
	/* Indenting after signing changes the signed text: refused. */
	m2m_buf_reset(&file);
	assert_int_equal(m2m_eis_file_write(eis, true, &file), M2M_OK);
	assert_int_equal(m2m_eis_file_read(file.data, file.len, "fc-9", &m2, &eis2, why,
					   sizeof why),
			 M2M_OK);
	assert_int_equal(verify_with(eis2, &F.eum_pem, &F.ci_pem, &st), M2M_ERR_VERIFY);
	m2m_ws_msg_free(m2);
	m2m_buf_free(&file);
	m2m_ws_msg_free(m);
	m2m_eis_clear(&e);
}

/* Files that are no EIS are refused before anything else. */
static void file_refusals(void **state)
{
	static const char *bad[] = {
		"",
		"<Eis/>",
		"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rps:Eis "
		"xmlns:rps=\"http://namespaces.gsma.org/esim-messaging/3\"/>",
		"<!DOCTYPE x [<!ENTITY a \"b\">]><rps:Eis "
		"xmlns:rps=\"http://namespaces.gsma.org/esim-messaging/3\"/>",
		"<rps:Eis xmlns:rps=\"http://namespaces.gsma.org/esim-messaging/3\"/><x/>",
		"<rps:Eis xmlns:rps=\"http://namespaces.gsma.org/esim-messaging/3\">",
		"<?pi x?><rps:Eis xmlns:rps=\"http://namespaces.gsma.org/esim-messaging/3\"/>",
	};
	m2m_ws_msg *m = NULL;
	m2m_ws_node *eis;
	char why[200];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_not_equal(m2m_eis_file_read((const uint8_t *)bad[i], strlen(bad[i]),
						       "fc", &m, &eis, why, sizeof why),
				     M2M_OK);
		assert_null(m);
		assert_true(why[0] != '\0');
	}
	/* The call id goes into the XML: only a safe alphabet. */
	assert_int_equal(m2m_eis_file_read((const uint8_t *)"<x/>", 4, "a<b", &m, &eis, why,
					   sizeof why),
			 M2M_ERR_ARG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(c14n_spec_example),
		cmocka_unit_test(w3c_known_answer),
		cmocka_unit_test(tamper_each_signed_field),
		cmocka_unit_test(wrong_signer_and_chain),
		cmocka_unit_test(survives_file_round_trip),
		cmocka_unit_test(file_refusals),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
