/* Personalisation: decode a TS.48 package, personalise, encode, decode again; the elements
 * not meant to change must be byte-identical, the changed fields must hold the new bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "KeyObject.h"
#include "saip/personalise.h"
#include "saip/saip.h"
#include "saip/validate.h"

#define VECTORS M2MRSP_SOURCE_DIR "/../shared/vectors/saip/"
#define TS48 VECTORS "TS48v2_SAIP2.3_NoBERTLV.der"
#define MAX_EL 64

/* The package, and the DER of each of its elements before personalisation. */
typedef struct {
	m2m_saip_pkg pkg;
	m2m_buf el_der[MAX_EL];
	size_t count;
} fixture;

static void load(fixture *f, const char *path)
{
	m2m_buf der;
	m2m_saip_error err;

	m2m_buf_init(&der);
	m2m_saip_pkg_init(&f->pkg);
	assert_int_equal(m2m_saip_read_file(path, &der), M2M_OK);
	assert_int_equal(m2m_saip_decode(der.data, der.len, &f->pkg, &err), M2M_OK);
	assert_true(f->pkg.count <= MAX_EL);
	f->count = f->pkg.count;
	for (size_t i = 0; i < f->count; i++) {
		m2m_buf_init(&f->el_der[i]);
		assert_int_equal(m2m_saip_pe_encode(f->pkg.el[i].pe, &f->el_der[i]), M2M_OK);
	}
	m2m_buf_free(&der);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	load(f, TS48);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	m2m_saip_pkg_free(&f->pkg);
	for (size_t i = 0; i < f->count; i++)
		m2m_buf_free(&f->el_der[i]);
	free(f);
	return 0;
}

/* Encodes and decodes f->pkg again (into f->pkg); elements whose type is not in `changed`
 * (a string of CHOICE names separated by spaces) must keep their DER; returns a bitmap of
 * the elements that did change. */
static uint64_t roundtrip(fixture *f, const char *changed)
{
	m2m_buf der, el;
	m2m_saip_pkg again;
	m2m_saip_error err;
	uint64_t diff = 0;

	m2m_buf_init(&der);
	m2m_saip_pkg_init(&again);
	assert_int_equal(m2m_saip_encode(&f->pkg, &der), M2M_OK);
	assert_int_equal(m2m_saip_decode(der.data, der.len, &again, &err), M2M_OK);
	assert_int_equal(again.count, f->count);
	for (size_t i = 0; i < f->count; i++) {
		const char *type = m2m_saip_pe_type(again.el[i].pe);

		m2m_buf_init(&el);
		assert_int_equal(m2m_saip_pe_encode(again.el[i].pe, &el), M2M_OK);
		if (el.len != f->el_der[i].len || memcmp(el.data, f->el_der[i].data, el.len) != 0) {
			diff |= (uint64_t)1 << i;
			if (strstr(changed, type) == NULL)
				fail_msg("element %zu (%s) changed", i, type);
		}
		m2m_buf_free(&el);
	}
	m2m_saip_pkg_free(&f->pkg);
	f->pkg = again;
	m2m_buf_free(&der);
	assert_int_equal(m2m_saip_validate(&f->pkg, NULL, NULL), 0);
	return diff;
}

static const OCTET_STRING_t *content(const File_t *file)
{
	for (int i = 0; i < file->list.count; i++)
		if (file->list.array[i]->present == File__Member_PR_fillFileContent)
			return &file->list.array[i]->choice.fillFileContent;
	return NULL;
}

static void assert_os(const OCTET_STRING_t *os, const uint8_t *want, size_t n)
{
	assert_non_null(os);
	assert_int_equal(os->size, n);
	assert_memory_equal(os->buf, want, n);
}

static size_t index_of(const m2m_saip_pkg *pkg, ProfileElement_PR t, size_t nth)
{
	for (size_t i = 0; i < pkg->count; i++)
		if (pkg->el[i].pe->present == t && nth-- == 0)
			return i;
	fail_msg("no element %d #%zu", (int)t, nth);
	return 0;
}

static void test_luhn(void **state)
{
	(void)state;
	assert_int_equal(m2m_saip_luhn("8900012345678901234", 19), '1');
	assert_int_equal(m2m_saip_luhn("8944123456789012345", 19), '4');
	assert_int_equal(m2m_saip_luhn("7992739871", 10), '3'); /* the textbook example */
	assert_int_equal(m2m_saip_luhn("89x", 3), -1);
}

static void test_iccid(void **state)
{
	fixture *f = *state;
	m2m_saip_error err;
	static const uint8_t hdr[] = {0x89, 0x44, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x54};
	static const uint8_t ef[] = {0x98, 0x44, 0x21, 0x43, 0x65, 0x87, 0x09, 0x21, 0x43, 0x45};
	uint64_t diff;

	assert_int_equal(m2m_saip_set_iccid(&f->pkg, "89441234567890123454", false, &err), M2M_OK);
	diff = roundtrip(f, "header mf");
	assert_int_equal(diff, 0x3); /* elements 0 and 1 */
	assert_os(&f->pkg.el[0].pe->choice.header.iccid, hdr, sizeof(hdr));
	assert_os(content(&f->pkg.el[1].pe->choice.mf.ef_iccid), ef, sizeof(ef));
}

static void test_iccid_add_check(void **state)
{
	fixture *f = *state;
	m2m_saip_error err;
	static const uint8_t hdr[] = {0x89, 0x44, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x8f};
	static const uint8_t ef[] = {0x98, 0x44, 0x21, 0x43, 0x65, 0x87, 0x09, 0x21, 0x43, 0xf8};

	assert_int_equal(m2m_saip_set_iccid(&f->pkg, "894412345678901234", true, &err), M2M_OK);
	roundtrip(f, "header mf");
	assert_os(&f->pkg.el[0].pe->choice.header.iccid, hdr, sizeof(hdr));
	assert_os(content(&f->pkg.el[1].pe->choice.mf.ef_iccid), ef, sizeof(ef));
}

static void test_iccid_bad(void **state)
{
	fixture *f = *state;
	m2m_saip_error err;

	assert_int_equal(m2m_saip_set_iccid(&f->pkg, "89441234567890123455", false, &err),
			 M2M_ERR_ARG);
	assert_non_null(strstr(err.msg, "check digit"));
	assert_int_equal(m2m_saip_set_iccid(&f->pkg, "8944123456789012345a", false, &err),
			 M2M_ERR_ARG);
	assert_non_null(strstr(err.msg, "decimal digits"));
	assert_int_equal(m2m_saip_set_iccid(&f->pkg, "894412345678901", false, &err), M2M_ERR_ARG);
	assert_int_equal(m2m_saip_set_iccid(&f->pkg, "89441234567890123454", true, &err),
			 M2M_ERR_ARG);
	roundtrip(f, ""); /* nothing changed */
}

static void test_imsi(void **state)
{
	fixture *f = *state;
	m2m_saip_error err;
	static const uint8_t imsi[] = {0x08, 0x09, 0x10, 0x10, 0x10, 0x32, 0x54, 0x76, 0x98};
	static const uint8_t acc[] = {0x02, 0x00};
	size_t u;
	uint64_t diff;

	assert_int_equal(m2m_saip_set_imsi(&f->pkg, "001010123456789", &err), M2M_OK);
	diff = roundtrip(f, "usim");
	u = index_of(&f->pkg, ProfileElement_PR_usim, 0);
	assert_int_equal(diff, (uint64_t)1 << u);
	assert_os(content(&f->pkg.el[u].pe->choice.usim.ef_imsi), imsi, sizeof(imsi));
	assert_os(content(&f->pkg.el[u].pe->choice.usim.ef_acc), acc, sizeof(acc));
}

static void test_imsi_even(void **state)
{
	uint8_t out[9];
	static const uint8_t want[] = {0x08, 0x01, 0x10, 0x10, 0x10, 0x32, 0x54, 0x76, 0xf8};
	static const uint8_t six[] = {0x04, 0x01, 0x10, 0x10, 0xf2, 0xff, 0xff, 0xff, 0xff};

	(void)state;
	assert_int_equal(m2m_saip_imsi_encode("00101012345678", out), M2M_OK);
	assert_memory_equal(out, want, sizeof(want));
	/* 6 digits (even): length 4, parity 1 with 0, then 1 0, 1 0, F 2, F padding. */
	assert_int_equal(m2m_saip_imsi_encode("001012", out), M2M_OK);
	assert_memory_equal(out, six, sizeof(six));
	assert_int_equal(m2m_saip_imsi_encode("12345", out), M2M_ERR_ARG);
	assert_int_equal(m2m_saip_imsi_encode("0010101234567890", out), M2M_ERR_ARG);
	assert_int_equal(m2m_saip_imsi_encode("00101a", out), M2M_ERR_ARG);
}

static void test_aka(void **state)
{
	fixture *f = *state;
	m2m_saip_error err;
	uint8_t ki[16], opc[16];
	m2m_saip_aka a = {.algorithm_id = 1, .key = ki, .key_len = 16, .opc = opc, .opc_len = 16};
	size_t a0, a1;
	const ServicesList_t *s;

	for (int i = 0; i < 16; i++) {
		ki[i] = (uint8_t)(0xa0 + i);
		opc[i] = (uint8_t)(0x50 + i);
	}
	assert_int_equal(m2m_saip_set_aka(&f->pkg, &a, &err), M2M_OK);
	roundtrip(f, "header akaParameter");
	a0 = index_of(&f->pkg, ProfileElement_PR_akaParameter, 0);
	a1 = index_of(&f->pkg, ProfileElement_PR_akaParameter, 1);
	for (size_t k = 0; k < 2; k++) {
		const AlgoParameter_t *ap = &f->pkg.el[k ? a1 : a0]
						      .pe->choice.akaParameter.algoConfiguration.choice
						      .algoParameter;

		assert_int_equal(ap->algorithmID, 1);
		assert_os(&ap->key, ki, 16);
		assert_os(&ap->opc, opc, 16);
	}
	s = &f->pkg.el[0].pe->choice.header.eUICC_Mandatory_services;
	assert_non_null(s->milenage);
	assert_null(s->usim_test_algorithm);
}

static void test_aka_bad(void **state)
{
	fixture *f = *state;
	m2m_saip_error err;
	uint8_t k[32] = {0};
	m2m_saip_aka a = {.key = k, .key_len = 15};

	assert_int_equal(m2m_saip_set_aka(&f->pkg, &a, &err), M2M_ERR_ARG);
	assert_non_null(strstr(err.msg, "Ki must be 16 bytes"));
	a.key_len = 32; /* only TUAK takes 32 */
	assert_int_equal(m2m_saip_set_aka(&f->pkg, &a, &err), M2M_ERR_ARG);
	a.algorithm_id = 2;
	a.opc = k;
	a.opc_len = 8;
	assert_int_equal(m2m_saip_set_aka(&f->pkg, &a, &err), M2M_ERR_ARG);
	assert_non_null(strstr(err.msg, "OPc"));
	a.algorithm_id = 7;
	assert_int_equal(m2m_saip_set_aka(&f->pkg, &a, &err), M2M_ERR_ARG);
	roundtrip(f, "");
}

static const PINConfiguration_t *pin_find(const m2m_saip_pkg *pkg, long ref, size_t *where)
{
	for (size_t i = 0; i < pkg->count; i++) {
		const PE_PINCodes_t *pc = &pkg->el[i].pe->choice.pinCodes;

		if (pkg->el[i].pe->present != ProfileElement_PR_pinCodes ||
		    pc->pinCodes.present != PE_PINCodes__pinCodes_PR_pinconfig)
			continue;
		for (int k = 0; k < pc->pinCodes.choice.pinconfig.list.count; k++)
			if (pc->pinCodes.choice.pinconfig.list.array[k]->keyReference == ref) {
				*where = i;
				return pc->pinCodes.choice.pinconfig.list.array[k];
			}
	}
	return NULL;
}

static void test_pins(void **state)
{
	fixture *f = *state;
	m2m_saip_error err;
	static const uint8_t pin1[] = {'1', '2', '3', '4', 0xff, 0xff, 0xff, 0xff};
	static const uint8_t adm1[] = {'8', '7', '6', '5', '4', '3', '2', '1'};
	static const uint8_t puk1[] = {'1', '1', '2', '2', '3', '3', '4', '4'};
	const PE_PUKCodes_t *pk;
	size_t at;

	assert_int_equal(m2m_saip_set_pin(&f->pkg, 0x01, "1234", &err), M2M_OK);
	assert_int_equal(m2m_saip_set_pin(&f->pkg, 0x0a, "87654321", &err), M2M_OK);
	assert_int_equal(m2m_saip_set_puk(&f->pkg, 0x01, "11223344", &err), M2M_OK);
	roundtrip(f, "pinCodes pukCodes");
	assert_os(&pin_find(&f->pkg, 0x01, &at)->pinValue, pin1, 8);
	assert_os(&pin_find(&f->pkg, 0x0a, &at)->pinValue, adm1, 8);
	pk = &f->pkg.el[index_of(&f->pkg, ProfileElement_PR_pukCodes, 0)].pe->choice.pukCodes;
	for (int k = 0; k < pk->pukCodes.list.count; k++)
		if (pk->pukCodes.list.array[k]->keyReference == 1)
			assert_os(&pk->pukCodes.list.array[k]->pukValue, puk1, 8);
}

static void test_pins_bad(void **state)
{
	fixture *f = *state;
	m2m_saip_error err;

	assert_int_equal(m2m_saip_set_pin(&f->pkg, 0x20, "1234", &err), M2M_ERR_ARG);
	assert_non_null(strstr(err.msg, "unknown PIN key reference 20"));
	assert_int_equal(m2m_saip_set_pin(&f->pkg, 0x01, "123", &err), M2M_ERR_ARG);
	assert_null(strstr(err.msg, "123"));
	assert_int_equal(m2m_saip_set_pin(&f->pkg, 0x01, "123456789", &err), M2M_ERR_ARG);
	assert_int_equal(m2m_saip_set_pin(&f->pkg, 0x01, "12a4", &err), M2M_ERR_ARG);
	assert_int_equal(m2m_saip_set_puk(&f->pkg, 0x01, "1234567", &err), M2M_ERR_ARG);
	assert_int_equal(m2m_saip_set_puk(&f->pkg, 0x0a, "12345678", &err), M2M_ERR_ARG);
	/* A valid reference the package does not hold. */
	assert_int_equal(m2m_saip_set_pin(&f->pkg, 0x08, "1234", &err), M2M_ERR_STATE);
	assert_non_null(strstr(err.msg, "key reference 08"));
	roundtrip(f, "");
}

static const struct KeyObject *sd_key(const m2m_saip_pkg *pkg, uint8_t kvn, uint8_t id)
{
	const PE_SecurityDomain_t *sd =
		&pkg->el[index_of(pkg, ProfileElement_PR_securityDomain, 0)].pe->choice.securityDomain;

	for (int i = 0; i < sd->keyList->list.count; i++) {
		const struct KeyObject *k = sd->keyList->list.array[i];

		if (k->keyVersionNumber.buf[0] == kvn && k->keyIdentifier.buf[0] == id)
			return k;
	}
	return NULL;
}

static void test_sd_keys(void **state)
{
	fixture *f = *state;
	m2m_saip_error err;
	uint8_t kic[32], kid[16];
	static const uint8_t aes = 0x88, enc = 0x18;
	m2m_saip_sd_key a = {.kvn = 0x02, .id = 1, .data = kic, .len = 32};
	m2m_saip_sd_key b = {.kvn = 0x05, .id = 2, .data = kid, .len = 16};
	const struct KeyObject *k;
	static const uint8_t mac = 0x14;

	memset(kic, 0x3c, sizeof(kic));
	memset(kid, 0x5a, sizeof(kid));
	assert_int_equal(m2m_saip_set_sd_key(&f->pkg, &a, &err), M2M_OK); /* replaced */
	assert_int_equal(m2m_saip_set_sd_key(&f->pkg, &b, &err), M2M_OK); /* added */
	roundtrip(f, "securityDomain");
	k = sd_key(&f->pkg, 0x02, 1);
	assert_non_null(k);
	assert_os(&k->keyUsageQualifier, &enc, 1);
	assert_os(&k->keyComponents.list.array[0]->keyType, &aes, 1);
	assert_os(&k->keyComponents.list.array[0]->keyData, kic, 32);
	k = sd_key(&f->pkg, 0x05, 2);
	assert_non_null(k);
	assert_os(&k->keyUsageQualifier, &mac, 1);
	assert_os(&k->keyComponents.list.array[0]->keyData, kid, 16);
}

static void test_sd_keys_bad(void **state)
{
	fixture *f = *state;
	m2m_saip_error err;
	uint8_t key[32] = {0};
	m2m_saip_sd_key k = {.kvn = 0x01, .id = 1, .data = key, .len = 32}; /* KVN 01 is DES */

	assert_int_equal(m2m_saip_set_sd_key(&f->pkg, &k, &err), M2M_ERR_ARG);
	assert_non_null(strstr(err.msg, "16 or 24 bytes"));
	k.kvn = 0x02;
	k.len = 20;
	assert_int_equal(m2m_saip_set_sd_key(&f->pkg, &k, &err), M2M_ERR_ARG);
	k.len = 16;
	k.kvn = 0;
	assert_int_equal(m2m_saip_set_sd_key(&f->pkg, &k, &err), M2M_ERR_ARG);
	k.kvn = 0x07;
	k.id = 9; /* new key without a default usage qualifier */
	assert_int_equal(m2m_saip_set_sd_key(&f->pkg, &k, &err), M2M_ERR_ARG);
	roundtrip(f, "");
}

static void test_header_fields(void **state)
{
	fixture *f = *state;
	m2m_saip_error err;
	static const uint8_t pol[] = {0x02};
	static const uint8_t conn[] = {0xa0, 0x0a, 0x06, 0x08, 0x91, 0x68, 0x31,
				       0x10, 0x10, 0x21, 0x05, 0xf0};
	m2m_buf b;
	uint64_t diff;

	m2m_buf_init(&b);
	/* The whty example of sgp02-facts-2 2b: +86 13010112500. */
	assert_int_equal(m2m_saip_connectivity_sms("+8613010112500", &b), M2M_OK);
	assert_int_equal(b.len, sizeof(conn));
	assert_memory_equal(b.data, conn, sizeof(conn));
	assert_int_equal(m2m_saip_set_pol1(&f->pkg, pol, 1, &err), M2M_OK);
	assert_int_equal(m2m_saip_set_connectivity(&f->pkg, b.data, b.len, &err), M2M_OK);
	assert_int_equal(m2m_saip_set_connectivity(&f->pkg, conn, 5, &err), M2M_ERR_ARG);
	assert_int_equal(m2m_saip_set_pol1(&f->pkg, pol, 0, &err), M2M_ERR_ARG);
	assert_int_equal(m2m_saip_connectivity_sms("+86x", &b), M2M_ERR_ARG);
	diff = roundtrip(f, "header");
	assert_int_equal(diff, 1);
	assert_os(f->pkg.el[0].pe->choice.header.pol, pol, 1);
	assert_os(f->pkg.el[0].pe->choice.header.connectivityParameters, conn, sizeof(conn));
	m2m_buf_free(&b);
}

static void test_named_values(void **state)
{
	fixture *f = *state;
	m2m_saip_perso p;
	m2m_saip_error err;
	static const uint8_t ki[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
				       0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
	size_t a0;

	m2m_saip_perso_init(&p);
	assert_int_equal(m2m_saip_field_lookup("KI"), M2M_SAIP_F_KI);
	assert_int_equal(m2m_saip_field_lookup("algorithm_options"), M2M_SAIP_F_ALGORITHM_OPTIONS);
	assert_int_equal(m2m_saip_field_lookup("nope"), -1);
	assert_true(m2m_saip_field_secret(M2M_SAIP_F_KI));
	assert_false(m2m_saip_field_secret(M2M_SAIP_F_IMSI));
	assert_int_equal(m2m_saip_perso_set(&p, M2M_SAIP_F_KI, "00112233445566778899aabbccddeeff"),
			 M2M_OK);
	assert_int_equal(m2m_saip_perso_set(&p, M2M_SAIP_F_KVN, "01"), M2M_OK);
	/* kvn without keys: refused before anything changes */
	assert_int_equal(m2m_saip_personalise(&f->pkg, &p, &err), M2M_ERR_ARG);
	assert_non_null(strstr(err.msg, "kvn needs"));
	free(p.value[M2M_SAIP_F_KVN]);
	p.value[M2M_SAIP_F_KVN] = NULL;
	assert_int_equal(m2m_saip_perso_set(&p, M2M_SAIP_F_OPC, "0011"), M2M_OK);
	assert_int_equal(m2m_saip_personalise(&f->pkg, &p, &err), M2M_ERR_ARG);
	assert_string_equal(err.msg, "opc must be 16 or 32 bytes of hex");
	free(p.value[M2M_SAIP_F_OPC]);
	p.value[M2M_SAIP_F_OPC] = NULL;
	roundtrip(f, "");
	assert_int_equal(m2m_saip_personalise(&f->pkg, &p, &err), M2M_OK);
	roundtrip(f, "akaParameter");
	a0 = index_of(&f->pkg, ProfileElement_PR_akaParameter, 0);
	assert_os(&f->pkg.el[a0].pe->choice.akaParameter.algoConfiguration.choice.algoParameter.key,
		  ki, 16);
	m2m_saip_perso_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_luhn),
		cmocka_unit_test_setup_teardown(test_iccid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iccid_add_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iccid_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_imsi, setup, teardown),
		cmocka_unit_test(test_imsi_even),
		cmocka_unit_test_setup_teardown(test_aka, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aka_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pins_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sd_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sd_keys_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_named_values, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
