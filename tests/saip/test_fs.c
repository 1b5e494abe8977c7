/* The UICC file system built from the GSMA TS.48 test profiles (shared/vectors/saip/):
 * MF, EF.ICCID, EF.DIR, DF.TELECOM, ADF.USIM with EF.IMSI and friends, template sizes and
 * defaults, the read/update helpers and their bounds, and build errors that name the
 * element and the file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "saip/fs_build.h"
#include "saip/templates.h"

#define VEC M2MRSP_SOURCE_DIR "/../shared/vectors/saip/"
static const char *const packages[] = {VEC "TS48v1_A.der", VEC "TS48v2_SAIP2.3_NoBERTLV.der",
				       VEC "TS48v5_SAIP2.3_BERTLV_SUCI.der"};
#define V2 (packages[1])

static const uint8_t usim_aid[] = {0xa0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02,
				   0xff, 0x49, 0xff, 0x05, 0x89};
static const uint8_t isim_aid[] = {0xa0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x04,
				   0xff, 0x49, 0xff, 0x05, 0x89};

static void decode(const char *path, m2m_saip_pkg *pkg)
{
	m2m_saip_error err = {0};
	m2m_buf b;

	m2m_buf_init(&b);
	m2m_saip_pkg_init(pkg);
	assert_int_equal(m2m_saip_read_file(path, &b), M2M_OK);
	if (m2m_saip_decode(b.data, b.len, pkg, &err) != M2M_OK)
		fail_msg("%s: element %zu: %s", path, err.index, err.msg);
	m2m_buf_free(&b);
}

static void build_ok(const m2m_saip_pkg *pkg, m2m_saip_fs *fs)
{
	m2m_saip_error err = {0};

	m2m_saip_fs_init(fs);
	if (m2m_saip_fs_build(pkg, fs, &err) != M2M_OK)
		fail_msg("element %zu (%s): %s", err.index, err.type, err.msg);
}

static void load(const char *path, m2m_saip_fs *fs)
{
	m2m_saip_pkg pkg;

	decode(path, &pkg);
	build_ok(&pkg, fs);
	m2m_saip_pkg_free(&pkg);
}

static m2m_saip_fs_node *must(const m2m_saip_fs *fs, const char *path)
{
	m2m_saip_fs_node *n = m2m_saip_fs_find(fs, path);
	if (!n)
		fail_msg("no file at %s", path);
	return n;
}

/* Nibble-swapped BCD to digits, stopping at an F filler. */
static void bcd_digits(const uint8_t *p, size_t n, char *out)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t d[2] = {(uint8_t)(p[i] & 0x0f), (uint8_t)(p[i] >> 4)};
		for (int j = 0; j < 2 && d[j] < 10; j++)
			out[k++] = (char)('0' + d[j]);
	}
	out[k] = '\0';
}

static void mf_and_iccid(void **state)
{
	(void)state;
	for (size_t i = 0; i < 3; i++) {
		m2m_saip_fs fs;
		uint8_t iccid[10];
		char digits[21];
		load(packages[i], &fs);
		assert_non_null(fs.mf);
		assert_int_equal(fs.mf->a.kind, M2M_SAIP_FS_MF);
		assert_int_equal(fs.mf->a.fid, 0x3f00);
		m2m_saip_fs_node *ef = must(&fs, "3F00/2FE2");
		assert_string_equal(ef->a.name, "EF.ICCID");
		assert_int_equal(ef->a.structure, M2M_SAIP_FS_TRANSPARENT);
		assert_int_equal(ef->a.size, 10); /* from the template: the FCP has no size */
		assert_int_equal(m2m_saip_fs_read_binary(ef, 0, iccid, 10), M2M_OK);
		static const uint8_t want[] = {0x98, 0x00, 0x10, 0x32, 0x54,
					       0x76, 0x98, 0x10, 0x32, 0x14};
		assert_memory_equal(iccid, want, 10);
		bcd_digits(iccid, 10, digits);
		assert_string_equal(digits, "89000123456789012341");
		m2m_saip_fs_free(&fs);
	}
}

static void ef_dir_records(void **state)
{
	m2m_saip_fs fs;
	uint8_t rec[33];

	(void)state;
	load(V2, &fs);
	m2m_saip_fs_node *dir = must(&fs, "2F00");
	assert_int_equal(dir->a.structure, M2M_SAIP_FS_LINEAR);
	assert_int_equal(dir->a.rec_len, 33);
	assert_int_equal(dir->a.rec_count, 4);
	assert_int_equal(dir->a.sfi, 0x1e);
	assert_int_equal(m2m_saip_fs_read_record(dir, 1, rec, sizeof(rec)), M2M_OK);
	assert_int_equal(rec[0], 0x61);
	assert_int_equal(rec[3], 12);
	assert_memory_equal(rec + 4, usim_aid, sizeof(usim_aid));
	assert_memory_equal(rec + 18, "USIM", 4);
	assert_int_equal(rec[22], 0xff); /* the rest of the record keeps its FF fill */
	assert_int_equal(m2m_saip_fs_read_record(dir, 2, rec, sizeof(rec)), M2M_OK);
	assert_memory_equal(rec + 4, isim_aid, sizeof(isim_aid));
	assert_memory_equal(rec + 18, "ISIM", 4);
	m2m_saip_fs_free(&fs);
}

static void telecom_usim_isim(void **state)
{
	(void)state;
	for (size_t i = 0; i < 3; i++) {
		m2m_saip_fs fs;
		load(packages[i], &fs);
		m2m_saip_fs_node *tel = must(&fs, "3F00/7F10");
		assert_int_equal(tel->a.kind, M2M_SAIP_FS_DF);
		assert_string_equal(tel->a.name, "DF.TELECOM");
		m2m_saip_fs_node *usim = m2m_saip_fs_find_adf(&fs, usim_aid, 7);
		assert_non_null(usim);
		assert_int_equal(usim->a.kind, M2M_SAIP_FS_ADF);
		assert_int_equal(usim->a.fid, 0x7fd0); /* the package's temporary FID */
		assert_ptr_equal(m2m_saip_fs_find(&fs, "3F00/7FD0"), usim);
		assert_ptr_equal(must(&fs, "A0000000871002/6F07")->parent, usim);
		assert_non_null(m2m_saip_fs_find_adf(&fs, isim_aid, sizeof(isim_aid)));
		assert_string_equal(must(&fs, "7FB0/6F02")->a.name, "EF.IMPI");
		if (i > 0) /* TS48v1_A has no df-5gs element */
			assert_int_equal(must(&fs, "7FD0/5FC0")->a.kind, M2M_SAIP_FS_DF);
		assert_int_equal(must(&fs, "7FD0/5F3B/4F20")->a.size, 9);          /* EF.Kc */
		m2m_saip_fs_free(&fs);
	}
}

static void usim_files(void **state)
{
	m2m_saip_fs fs;
	uint8_t b[33];
	char digits[16];

	(void)state;
	load(V2, &fs);
	/* The usim element fills EF.IMSI with 08 09 10 10 10 32 54 06 36: length 8, then
	 * type/parity nibble 9 and the digits 001010123456063 nibble-swapped. */
	m2m_saip_fs_node *imsi = must(&fs, "3F00/7FD0/6F07");
	assert_string_equal(imsi->a.name, "EF.IMSI");
	assert_int_equal(imsi->a.size, 9); /* template size, the FCP gives none */
	assert_int_equal(imsi->a.sfi, 0x07);
	assert_int_equal(m2m_saip_fs_read_binary(imsi, 0, b, 9), M2M_OK);
	assert_int_equal(b[0], 8);
	assert_int_equal(b[1] & 0x0f, 0x09);
	digits[0] = (char)('0' + (b[1] >> 4));
	bcd_digits(b + 2, 7, digits + 1);
	assert_string_equal(digits, "001010123456063");

	m2m_saip_fs_node *ad = must(&fs, "7FD0/6FAD");
	assert_string_equal(ad->a.name, "EF.AD");
	assert_int_equal(ad->a.size, 4);
	assert_int_equal(ad->a.sfi, 3);
	assert_int_equal(must(&fs, "7FD0/6F38")->a.size, 17); /* EF.UST */
	m2m_saip_fs_node *keys = must(&fs, "7FD0/6F08");
	assert_int_equal(keys->a.size, 33);
	assert_int_equal(m2m_saip_fs_read_binary(keys, 0, b, 33), M2M_OK);
	assert_int_equal(b[0], 0x07); /* template default 07FF...FF */
	assert_int_equal(b[32], 0xff);
	m2m_saip_fs_free(&fs);
}

static PE_USIM_t *usim_pe(m2m_saip_pkg *pkg)
{
	for (size_t i = 0; i < pkg->count; i++)
		if (pkg->el[i].pe->present == ProfileElement_PR_usim)
			return &pkg->el[i].pe->choice.usim;
	fail_msg("no usim element");
	return NULL;
}

static void add_member(File_t *f, File__Member_PR kind, const uint8_t *p, size_t n)
{
	struct File__Member *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	m->present = kind;
	if (kind == File__Member_PR_fillFileContent)
		assert_int_equal(OCTET_STRING_fromBuf(&m->choice.fillFileContent,
						      (const char *)p, (int)n), 0);
	assert_int_equal(ASN_SEQUENCE_ADD(&f->list, m), 0);
}

/* Files the package leaves out come from the template; doNotCreate removes one. */
static void template_defaults(void **state)
{
	m2m_saip_pkg pkg;
	m2m_saip_fs fs;
	uint8_t b[128];

	(void)state;
	decode(V2, &pkg);
	PE_USIM_t *u = usim_pe(&pkg);
	ASN_STRUCT_FREE(asn_DEF_File, u->ef_netpar);
	u->ef_netpar = NULL;
	ASN_STRUCT_FREE(asn_DEF_File, u->ef_hpplmn);
	u->ef_hpplmn = NULL;
	assert_non_null(u->ef_threshold);
	add_member(u->ef_threshold, File__Member_PR_doNotCreate, NULL, 0);
	build_ok(&pkg, &fs);
	m2m_saip_fs_node *netpar = must(&fs, "7FD0/6FC4");
	assert_int_equal(netpar->a.size, 128); /* the template's size; the package said 50 */
	assert_int_equal(m2m_saip_fs_read_binary(netpar, 0, b, 128), M2M_OK);
	assert_int_equal(b[0], 0xff);
	assert_int_equal(b[127], 0xff);
	m2m_saip_fs_node *hpplmn = must(&fs, "7FD0/6F31");
	assert_int_equal(hpplmn->a.size, 1);
	assert_int_equal(hpplmn->a.sfi, 0x12);
	assert_int_equal(hpplmn->data[0], 0x0a);
	assert_memory_equal(hpplmn->a.arr, "\x6f\x06\x02", 3); /* ARR record 2 of the ADF */
	assert_null(m2m_saip_fs_find(&fs, "7FD0/6F5C"));
	m2m_saip_fs_free(&fs);
	m2m_saip_pkg_free(&pkg);
}

static void read_update_helpers(void **state)
{
	m2m_saip_fs fs;
	uint8_t b[64] = {0}, rec[42];
	m2m_buf fcp;

	(void)state;
	load(V2, &fs);
	m2m_saip_fs_node *imsi = must(&fs, "7FD0/6F07");
	assert_int_equal(m2m_saip_fs_read_binary(imsi, 8, b, 2), M2M_ERR_BOUNDS);
	assert_int_equal(m2m_saip_fs_read_binary(imsi, 10, b, 0), M2M_ERR_BOUNDS);
	assert_int_equal(m2m_saip_fs_update_binary(imsi, 1, (const uint8_t *)"\x29", 1), M2M_OK);
	assert_int_equal(m2m_saip_fs_read_binary(imsi, 0, b, 2), M2M_OK);
	assert_int_equal(b[1], 0x29);
	assert_int_equal(m2m_saip_fs_update_binary(imsi, 5, b, 5), M2M_ERR_BOUNDS);
	assert_int_equal(m2m_saip_fs_read_record(imsi, 1, b, 1), M2M_ERR_STATE);

	m2m_saip_fs_node *smsp = must(&fs, "7FD0/6F42");
	assert_int_equal(smsp->a.rec_len, 42);
	assert_int_equal(m2m_saip_fs_read_binary(smsp, 0, b, 1), M2M_ERR_STATE);
	assert_int_equal(m2m_saip_fs_read_record(smsp, 0, rec, 1), M2M_ERR_BOUNDS);
	assert_int_equal(m2m_saip_fs_read_record(smsp, smsp->a.rec_count + 1, rec, 1),
			 M2M_ERR_BOUNDS);
	assert_int_equal(m2m_saip_fs_read_record(smsp, 1, rec, 43), M2M_ERR_BOUNDS);
	memset(rec, 0x5a, sizeof(rec));
	assert_int_equal(m2m_saip_fs_update_record(smsp, 2, rec, 41), M2M_ERR_BOUNDS);
	assert_int_equal(m2m_saip_fs_update_record(smsp, 2, rec, 42), M2M_OK);
	assert_int_equal(m2m_saip_fs_read_record(smsp, 2, b, 42), M2M_OK);
	assert_memory_equal(b, rec, 42);

	m2m_saip_fs_node *ici = must(&fs, "7FD0/6F80");
	assert_int_equal(ici->a.structure, M2M_SAIP_FS_CYCLIC);
	uint8_t newest[42] = {1, 2, 3};
	assert_int_equal(m2m_saip_fs_read_record(ici, 1, b, 42), M2M_OK);
	assert_int_equal(m2m_saip_fs_cyclic_push(ici, newest, 42), M2M_OK);
	assert_int_equal(m2m_saip_fs_read_record(ici, 2, rec, 42), M2M_OK);
	assert_memory_equal(rec, b, 42); /* the old record 1 moved to 2 */
	assert_int_equal(m2m_saip_fs_cyclic_push(smsp, newest, 42), M2M_ERR_STATE);

	m2m_buf_init(&fcp);
	assert_int_equal(m2m_saip_fs_fcp(imsi, &fcp), M2M_OK);
	static const uint8_t want[] = {0x62, 0x17, 0x82, 0x02, 0x41, 0x21, 0x83, 0x02,
				       0x6f, 0x07, 0x8a, 0x01, 0x05, 0x8b, 0x03, 0x6f,
				       0x06, 0x0a, 0x80, 0x02, 0x00, 0x09, 0x88, 0x01, 0x38};
	assert_int_equal(fcp.len, sizeof(want));
	assert_memory_equal(fcp.data, want, sizeof(want));
	m2m_buf_free(&fcp);
	m2m_saip_fs_free(&fs);
}

static void tree_api(void **state)
{
	m2m_saip_fs fs;
	m2m_saip_fs_attr a;
	m2m_saip_fs_node *mf, *ef;

	(void)state;
	m2m_saip_fs_init(&fs);
	assert_null(m2m_saip_fs_find(&fs, ""));
	m2m_saip_fs_attr_init(&a, M2M_SAIP_FS_EF, 0x2f00);
	assert_int_equal(m2m_saip_fs_add(&fs, NULL, &a, &ef), M2M_ERR_ARG); /* no MF yet */
	m2m_saip_fs_attr_init(&a, M2M_SAIP_FS_MF, 0x3f00);
	assert_int_equal(m2m_saip_fs_add(&fs, NULL, &a, &mf), M2M_OK);
	assert_int_equal(m2m_saip_fs_add(&fs, NULL, &a, &mf), M2M_ERR_STATE);
	assert_ptr_equal(m2m_saip_fs_find(&fs, ""), mf);
	assert_ptr_equal(m2m_saip_fs_find(&fs, "3F00"), mf);
	m2m_saip_fs_attr_init(&a, M2M_SAIP_FS_EF, 0x2f00);
	a.structure = M2M_SAIP_FS_LINEAR;
	a.rec_len = 10;
	a.rec_count = 2;
	a.size = 21;
	assert_int_equal(m2m_saip_fs_add(&fs, mf, &a, &ef), M2M_ERR_ARG);
	a.size = 20;
	assert_int_equal(m2m_saip_fs_add(&fs, mf, &a, &ef), M2M_OK);
	assert_int_equal(m2m_saip_fs_add(&fs, mf, &a, &ef), M2M_ERR_STATE);
	assert_int_equal(ef->data[19], 0xff);
	assert_null(m2m_saip_fs_find(&fs, "2F00/6F07"));
	assert_null(m2m_saip_fs_find(&fs, "zz00"));
	assert_int_equal(m2m_saip_fs_write(ef, 15, (const uint8_t *)"123456", 6), M2M_ERR_BOUNDS);
	m2m_saip_fs_free(&fs);
	assert_null(fs.mf);
}

static void templates_table(void **state)
{
	(void)state;
	assert_null(m2m_saip_tpl_find("2.23.143.1.2.99"));
	const m2m_saip_tpl *t = m2m_saip_tpl_find("2.23.143.1.2.4.2");
	assert_non_null(t);
	assert_string_equal(t->pe, "usim");
	assert_int_equal(m2m_saip_tpl_file_by_pe(t, "ef-ust")->size, 17);
	assert_int_equal(m2m_saip_tpl_file_by_pe(m2m_saip_tpl_find("2.23.143.1.2.4"), "ef-ust")->size,
			 14);
	assert_int_equal(m2m_saip_tpl_file_by_pe(m2m_saip_tpl_find("2.23.143.1.2.1"),
						 "ef-iccid")->fid, 0x2fe2);
	assert_int_equal(m2m_saip_tpl_file_by_pe(m2m_saip_tpl_find("2.23.143.1.2.13.3"),
						 "ef-5gs3gppnsc")->nb_rec, 2);
	size_t n = 0;
	m2m_saip_tpl_all(&n);
	assert_true(n >= 28);
}

static m2m_err build_bad(m2m_saip_pkg *pkg, m2m_saip_error *err)
{
	m2m_saip_fs fs;
	m2m_saip_fs_init(&fs);
	m2m_err rc = m2m_saip_fs_build(pkg, &fs, err);
	m2m_saip_fs_free(&fs);
	return rc;
}

static PE_MF_t *mf_pe(m2m_saip_pkg *pkg)
{
	assert_int_equal(pkg->el[1].pe->present, ProfileElement_PR_mf);
	return &pkg->el[1].pe->choice.mf;
}

static void unknown_template(void **state)
{
	static const unsigned long arcs[] = {2, 23, 143, 1, 2, 99};
	m2m_saip_pkg pkg;
	m2m_saip_error err;

	(void)state;
	decode(V2, &pkg);
	assert_int_equal(OBJECT_IDENTIFIER_set_arcs(&mf_pe(&pkg)->templateID, arcs,
						    sizeof(arcs[0]), 6), 0);
	assert_int_equal(build_bad(&pkg, &err), M2M_ERR_UNSUPPORTED);
	assert_string_equal(err.type, "mf");
	assert_int_equal(err.index, 1);
	assert_non_null(strstr(err.msg, "unknown template OID 2.23.143.1.2.99"));
	m2m_saip_pkg_free(&pkg);

	/* A known OID on the wrong element. */
	static const unsigned long mf_arcs[] = {2, 23, 143, 1, 2, 1};
	decode(V2, &pkg);
	assert_int_equal(OBJECT_IDENTIFIER_set_arcs(&usim_pe(&pkg)->templateID, mf_arcs,
						    sizeof(mf_arcs[0]), 6), 0);
	assert_int_equal(build_bad(&pkg, &err), M2M_ERR_FORMAT);
	assert_string_equal(err.type, "usim");
	assert_non_null(strstr(err.msg, "is for mf elements"));
	m2m_saip_pkg_free(&pkg);
}

static void content_too_large(void **state)
{
	static const uint8_t eleven[11] = {0x98};
	m2m_saip_pkg pkg;
	m2m_saip_error err;

	(void)state;
	decode(V2, &pkg);
	File_t *iccid = &mf_pe(&pkg)->ef_iccid;
	for (int i = 0; i < iccid->list.count; i++)
		if (iccid->list.array[i]->present == File__Member_PR_fillFileContent)
			assert_int_equal(OCTET_STRING_fromBuf(
				&iccid->list.array[i]->choice.fillFileContent,
				(const char *)eleven, 11), 0);
	assert_int_equal(build_bad(&pkg, &err), M2M_ERR_BOUNDS);
	assert_string_equal(err.type, "mf");
	assert_non_null(strstr(err.msg, "EF.ICCID 2FE2: content larger than the file"));
	m2m_saip_pkg_free(&pkg);

	/* One record too many for EF.DIR (4 x 33 bytes). */
	decode(V2, &pkg);
	uint8_t rec[33];
	memset(rec, 0xff, sizeof(rec));
	add_member(&mf_pe(&pkg)->ef_dir, File__Member_PR_fillFileContent, rec, sizeof(rec));
	add_member(&mf_pe(&pkg)->ef_dir, File__Member_PR_fillFileContent, rec, sizeof(rec));
	assert_int_equal(build_bad(&pkg, &err), M2M_ERR_BOUNDS);
	assert_non_null(strstr(err.msg, "EF.DIR 2F00"));
	m2m_saip_pkg_free(&pkg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mf_and_iccid),
		cmocka_unit_test(ef_dir_records),
		cmocka_unit_test(telecom_usim_isim),
		cmocka_unit_test(usim_files),
		cmocka_unit_test(template_defaults),
		cmocka_unit_test(read_update_helpers),
		cmocka_unit_test(tree_api),
		cmocka_unit_test(templates_table),
		cmocka_unit_test(unknown_template),
		cmocka_unit_test(content_too_large),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
