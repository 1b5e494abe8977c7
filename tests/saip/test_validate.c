/* Validation: the TS.48 packages are clean; broken copies produce the expected findings. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "saip/saip.h"
#include "saip/validate.h"

#define VECTORS M2MRSP_SOURCE_DIR "/../shared/vectors/saip/"
#define MAX_FINDINGS 16

typedef struct {
	m2m_saip_finding f[MAX_FINDINGS];
	size_t n;
} findings;

static void collect(void *ctx, const m2m_saip_finding *f)
{
	findings *fs = ctx;

	if (fs->n < MAX_FINDINGS)
		fs->f[fs->n++] = *f;
}

static void load(m2m_saip_pkg *pkg, const char *name)
{
	m2m_buf der;
	m2m_saip_error err;

	m2m_buf_init(&der);
	m2m_saip_pkg_init(pkg);
	assert_int_equal(m2m_saip_read_file(name, &der), M2M_OK);
	assert_int_equal(m2m_saip_decode(der.data, der.len, pkg, &err), M2M_OK);
	m2m_buf_free(&der);
}

/* Validates and expects exactly one finding, of this rule at this element. */
static const m2m_saip_finding *expect_one(const m2m_saip_pkg *pkg, findings *fs, const char *rule,
					  size_t index)
{
	memset(fs, 0, sizeof(*fs));
	assert_int_equal(m2m_saip_validate(pkg, collect, fs), 1);
	assert_string_equal(fs->f[0].rule, rule);
	assert_int_equal(fs->f[0].index, index);
	return &fs->f[0];
}

static size_t index_of(const m2m_saip_pkg *pkg, ProfileElement_PR t)
{
	for (size_t i = 0; i < pkg->count; i++)
		if (pkg->el[i].pe->present == t)
			return i;
	fail_msg("no element of type %d", (int)t);
	return 0;
}

static void test_ts48_clean(void **state)
{
	static const char *files[] = {"TS48v1_A.der", "TS48v2_SAIP2.3_NoBERTLV.der",
				      "TS48v5_SAIP2.3_BERTLV_SUCI.der"};
	char path[512];

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		m2m_saip_pkg pkg;
		findings fs = {.n = 0};

		snprintf(path, sizeof(path), "%s%s", VECTORS, files[i]);
		load(&pkg, path);
		assert_int_equal(m2m_saip_validate(&pkg, collect, &fs), 0);
		m2m_saip_pkg_free(&pkg);
	}
}

static void test_end_not_last(void **state)
{
	m2m_saip_pkg pkg;
	findings fs;
	m2m_saip_element tmp;
	size_t last;

	(void)state;
	load(&pkg, VECTORS "TS48v2_SAIP2.3_NoBERTLV.der");
	last = pkg.count - 1;
	tmp = pkg.el[last];
	pkg.el[last] = pkg.el[last - 1];
	pkg.el[last - 1] = tmp;
	assert_non_null(strstr(expect_one(&pkg, &fs, "order", last)->msg, "last element"));
	assert_string_equal(fs.f[0].type, "rfm");
	m2m_saip_pkg_free(&pkg);
}

static void test_duplicate_identification(void **state)
{
	m2m_saip_pkg pkg;
	findings fs;

	(void)state;
	load(&pkg, VECTORS "TS48v2_SAIP2.3_NoBERTLV.der");
	/* Element 3 is pinCodes, element 2 pukCodes. */
	pkg.el[3].pe->choice.pinCodes.pin_Header.identification =
		pkg.el[2].pe->choice.pukCodes.puk_Header.identification;
	assert_non_null(strstr(expect_one(&pkg, &fs, "identification", 3)->msg, "element 2"));
	m2m_saip_pkg_free(&pkg);
}

static void test_bad_iccid(void **state)
{
	m2m_saip_pkg pkg;
	findings fs;
	OCTET_STRING_t *iccid;

	(void)state;
	load(&pkg, VECTORS "TS48v2_SAIP2.3_NoBERTLV.der");
	iccid = &pkg.el[0].pe->choice.header.iccid;
	iccid->buf[9] = 0x42; /* ...2342: check digit 2, not 1 */
	assert_non_null(strstr(expect_one(&pkg, &fs, "iccid", 0)->msg, "check digit"));
	iccid->buf[9] = 0x4f; /* 19 digits, last one 4: wrong too */
	expect_one(&pkg, &fs, "iccid", 0);
	iccid->buf[9] = 0x41;
	iccid->buf[0] = 0x8a; /* not BCD */
	assert_non_null(strstr(expect_one(&pkg, &fs, "iccid", 0)->msg, "BCD"));
	iccid->buf[0] = 0x89;
	/* EF.ICCID disagrees with the header. */
	pkg.el[1].pe->choice.mf.ef_iccid.list.array[1]->choice.fillFileContent.buf[0] = 0x99;
	assert_non_null(strstr(expect_one(&pkg, &fs, "iccid", 1)->msg, "EF.ICCID"));
	m2m_saip_pkg_free(&pkg);
}

/* Gives the file an efFileSize of `size` bytes in its file descriptor. */
static void set_file_size(File_t *f, uint8_t size)
{
	uint8_t sz[2] = {0x00, size};

	for (int i = 0; i < f->list.count; i++) {
		Fcp_t *fcp;

		if (f->list.array[i]->present != File__Member_PR_fileDescriptor)
			continue;
		fcp = &f->list.array[i]->choice.fileDescriptor;
		if (fcp->efFileSize == NULL)
			fcp->efFileSize = calloc(1, sizeof(*fcp->efFileSize));
		assert_non_null(fcp->efFileSize);
		assert_int_equal(OCTET_STRING_fromBuf(fcp->efFileSize, (const char *)sz, 2), 0);
		return;
	}
	fail_msg("the file has no file descriptor");
}

static void test_file_too_long(void **state)
{
	m2m_saip_pkg pkg;
	findings fs;
	size_t mf;
	const m2m_saip_finding *f;

	(void)state;
	load(&pkg, VECTORS "TS48v2_SAIP2.3_NoBERTLV.der");
	mf = index_of(&pkg, ProfileElement_PR_mf);
	set_file_size(&pkg.el[mf].pe->choice.mf.ef_iccid, 10);
	assert_int_equal(m2m_saip_validate(&pkg, NULL, NULL), 0); /* 10 bytes fit */
	set_file_size(&pkg.el[mf].pe->choice.mf.ef_iccid, 9);
	f = expect_one(&pkg, &fs, "file-size", mf);
	assert_string_equal(f->msg, "ef-iccid: content reaches 10 bytes, the file has 9");
	m2m_saip_pkg_free(&pkg);
}

static void test_keys_services_aids(void **state)
{
	m2m_saip_pkg pkg;
	findings fs;
	size_t aka, usim;
	AlgoParameter_t *ap;
	ServicesList_t *s;
	NULL_t *flag;
	OCTET_STRING_t *aid = NULL;

	(void)state;
	load(&pkg, VECTORS "TS48v2_SAIP2.3_NoBERTLV.der");
	aka = index_of(&pkg, ProfileElement_PR_akaParameter);
	ap = &pkg.el[aka].pe->choice.akaParameter.algoConfiguration.choice.algoParameter;
	ap->key.size = 15;
	assert_non_null(strstr(expect_one(&pkg, &fs, "key-length", aka)->msg, "Ki is 15 bytes"));
	ap->key.size = 16;

	s = &pkg.el[0].pe->choice.header.eUICC_Mandatory_services;
	usim = index_of(&pkg, ProfileElement_PR_usim);
	flag = s->usim;
	s->usim = NULL;
	assert_non_null(strstr(expect_one(&pkg, &fs, "services", usim)->msg, "usim"));
	s->usim = flag;

	File_t *adf = &pkg.el[usim].pe->choice.usim.adf_usim;
	for (int i = 0; i < adf->list.count; i++)
		if (adf->list.array[i]->present == File__Member_PR_fileDescriptor)
			aid = adf->list.array[i]->choice.fileDescriptor.dfName;
	assert_non_null(aid);
	aid->buf[6] = 0x04; /* an ISIM AID in the USIM */
	assert_non_null(strstr(expect_one(&pkg, &fs, "aid", usim)->msg, "usim"));
	aid->buf[6] = 0x02;
	assert_int_equal(m2m_saip_validate(&pkg, NULL, NULL), 0);
	m2m_saip_pkg_free(&pkg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ts48_clean),
		cmocka_unit_test(test_end_not_last),
		cmocka_unit_test(test_duplicate_identification),
		cmocka_unit_test(test_bad_iccid),
		cmocka_unit_test(test_file_too_long),
		cmocka_unit_test(test_keys_services_aids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
