/* Unit tests of the fleet tool's parts: the CSV reader and writer, the string map, batch ids
 * and FunctionCallIdentifiers, the input loader and the result-file reader. The CLI is not a
 * library (src/cli is compiled into the m2mrsp binary only), so the sources under test are
 * compiled into this program. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/fleet_csv.c"
#include "cli/fleet_ids.c"
#include "cli/fleet_input.c"
#include "cli/fleet_map.c"
#include "cli/fleet_result.c"

#define EID_A "89049032ABCDEF000000000000000100"
#define ICCID "8944500102198304826"

static char tmpdir[64];

/* --- CSV --------------------------------------------------------------------------------- */

static void next_ok(m2m_fleet_csv *rd, m2m_fleet_csv_rec *rec, size_t n, unsigned long line)
{
	const char *why = NULL;
	m2m_err err = m2m_fleet_csv_next(rd, rec, &why);
	if (err != M2M_OK)
		fail_msg("record at line %lu: %s", line, why ? why : m2m_strerror(err));
	assert_int_equal(rec->n, n);
	assert_int_equal(rec->line, line);
}

static void next_bad(m2m_fleet_csv *rd, m2m_fleet_csv_rec *rec, unsigned long line,
		     const char *want)
{
	const char *why = NULL;
	assert_int_equal(m2m_fleet_csv_next(rd, rec, &why), M2M_ERR_FORMAT);
	assert_int_equal(rec->line, line);
	assert_int_equal(rec->n, 0);
	assert_string_equal(why, want);
}

static void test_csv_read(void **state)
{
	(void)state;
	/* RFC 4180 section 2: quoted fields with commas, doubled quotes and line breaks; CRLF. */
	const char text[] = "a,b,c\r\n"
			    "\"x, y\",\"say \"\"hi\"\"\",\r\n"
			    "\n"
			    "\"two\nlines\",,z\n"
			    "last,row,\"\"";
	m2m_fleet_csv rd;
	m2m_fleet_csv_rec rec = {0};
	const char *why;
	m2m_fleet_csv_init(&rd, text, strlen(text));
	next_ok(&rd, &rec, 3, 1);
	assert_string_equal(rec.field[2], "c");
	next_ok(&rd, &rec, 3, 2);
	assert_string_equal(rec.field[0], "x, y");
	assert_string_equal(rec.field[1], "say \"hi\"");
	assert_string_equal(rec.field[2], "");
	next_ok(&rd, &rec, 3, 4); /* the blank line is skipped */
	assert_string_equal(rec.field[0], "two\nlines");
	assert_string_equal(rec.field[1], "");
	next_ok(&rd, &rec, 3, 6);
	assert_string_equal(rec.field[2], "");
	assert_int_equal(m2m_fleet_csv_next(&rd, &rec, &why), M2M_END);
	m2m_fleet_csv_rec_free(&rec);
}

/* Malformed records are reported with their line, and reading goes on after them. */
static void test_csv_bad(void **state)
{
	(void)state;
	char text[8192];
	size_t n = 0;
	n += (size_t)snprintf(text + n, sizeof text - n, "ok,1\n");
	n += (size_t)snprintf(text + n, sizeof text - n, "a\"b,2\n");
	n += (size_t)snprintf(text + n, sizeof text - n, "\"a\"b,3\n");
	n += (size_t)snprintf(text + n, sizeof text - n, "ok,4\n");
	text[n++] = '\0'; /* a NUL byte in a field */
	n += (size_t)snprintf(text + n, sizeof text - n, "x,5\n");
	memset(text + n, 'L', M2M_FLEET_CSV_FIELD_MAX + 1);
	n += M2M_FLEET_CSV_FIELD_MAX + 1;
	n += (size_t)snprintf(text + n, sizeof text - n, ",6\n");
	n += (size_t)snprintf(text + n, sizeof text - n, "ok,7\n\"open,8\n");
	m2m_fleet_csv rd;
	m2m_fleet_csv_rec rec = {0};
	const char *why;
	m2m_fleet_csv_init(&rd, text, n);
	next_ok(&rd, &rec, 2, 1);
	next_bad(&rd, &rec, 2, "a quote inside an unquoted field");
	next_bad(&rd, &rec, 3, "text after a closing quote");
	next_ok(&rd, &rec, 2, 4);
	assert_string_equal(rec.field[1], "4");
	next_bad(&rd, &rec, 5, "a NUL byte");
	next_bad(&rd, &rec, 6, "a field is too long");
	next_ok(&rd, &rec, 2, 7);
	next_bad(&rd, &rec, 8, "a quoted field is not closed");
	assert_int_equal(m2m_fleet_csv_next(&rd, &rec, &why), M2M_END);

	/* More fields than the reader takes. */
	char many[2 * M2M_FLEET_CSV_FIELDS_MAX + 8];
	size_t k = 0;
	for (size_t i = 0; i <= M2M_FLEET_CSV_FIELDS_MAX; i++) {
		many[k++] = 'f';
		many[k++] = ',';
	}
	many[k - 1] = '\n';
	m2m_fleet_csv_init(&rd, many, k);
	next_bad(&rd, &rec, 1, "too many fields");
	m2m_fleet_csv_rec_free(&rec);
}

static void test_csv_write(void **state)
{
	(void)state;
	m2m_buf b;
	m2m_buf_init(&b);
	const char *fields[] = {"plain", "a,b", "say \"hi\"", " lead", "", "end"};
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(m2m_fleet_csv_put(&b, fields[i], i == 5), M2M_OK);
	assert_int_equal(m2m_buf_append_u8(&b, 0), M2M_OK);
	assert_string_equal((char *)b.data, "plain,\"a,b\",\"say \"\"hi\"\"\",\" lead\",,end\n");
	/* and it reads back */
	m2m_fleet_csv rd;
	m2m_fleet_csv_rec rec = {0};
	m2m_fleet_csv_init(&rd, (char *)b.data, b.len - 1);
	next_ok(&rd, &rec, 6, 1);
	for (size_t i = 0; i < 6; i++)
		assert_string_equal(rec.field[i], fields[i]);
	m2m_fleet_csv_rec_free(&rec);
	m2m_buf_free(&b);
}

/* --- map --------------------------------------------------------------------------------- */

static void test_map(void **state)
{
	(void)state;
	m2m_fleet_map m;
	char key[32];
	size_t v;
	m2m_fleet_map_init(&m);
	assert_int_equal(m2m_fleet_map_get(&m, "x", &v), M2M_END);
	assert_int_equal(m2m_fleet_map_del(&m, "x"), M2M_END);
	for (size_t i = 0; i < 5000; i++) {
		snprintf(key, sizeof key, "k%zu", i);
		assert_int_equal(m2m_fleet_map_put(&m, key, i), M2M_OK);
	}
	/* delete and re-insert many: tombstones must not lose entries or fill the table */
	for (int round = 0; round < 4; round++) {
		for (size_t i = 0; i < 5000; i += 2) {
			snprintf(key, sizeof key, "k%zu", i);
			assert_int_equal(m2m_fleet_map_del(&m, key), M2M_OK);
		}
		for (size_t i = 0; i < 5000; i += 2) {
			snprintf(key, sizeof key, "k%zu", i);
			assert_int_equal(m2m_fleet_map_put(&m, key, i + 1), M2M_OK);
		}
	}
	assert_int_equal(m2m_fleet_map_count(&m), 5000);
	for (size_t i = 0; i < 5000; i++) {
		snprintf(key, sizeof key, "k%zu", i);
		assert_int_equal(m2m_fleet_map_get(&m, key, &v), M2M_OK);
		assert_int_equal(v, i % 2 == 0 ? i + 1 : i);
	}
	size_t pos = 0, seen = 0;
	const char *k;
	while (m2m_fleet_map_next(&m, &pos, &k, &v) == M2M_OK)
		seen++;
	assert_int_equal(seen, 5000);
	assert_int_equal(m2m_fleet_map_put(&m, "k1", 7), M2M_OK); /* replace */
	assert_int_equal(m2m_fleet_map_count(&m), 5000);
	assert_int_equal(m2m_fleet_map_get(&m, "k1", &v), M2M_OK);
	assert_int_equal(v, 7);
	m2m_fleet_map_free(&m);
}

/* --- identifiers ------------------------------------------------------------------------- */

/* Known answers computed with coreutils sha256sum over the bytes docs/fleet.md defines:
 *   printf 'm2mrsp-fleet\0enable\0<EID>\0<ICCID>\0\0b1' | sha256sum */
static void test_ids(void **state)
{
	(void)state;
	char fci[M2M_FLEET_FCI_MAX], batch[M2M_FLEET_BATCH_MAX + 1], step[64];
	assert_int_equal(m2m_fleet_fci("b1", "enable", EID_A, ICCID, "", fci, sizeof fci), M2M_OK);
	assert_string_equal(fci, "b1-enable-52e7811564f0ed4f2f89e2669c49c2f4");
	assert_int_equal(m2m_fleet_fci("b1", "smsr-change", EID_A, "", "1.3.6.1.4.1.99999.2", fci,
				       sizeof fci), M2M_OK);
	assert_string_equal(fci, "b1-smsr-change-ac31457cb26f16166f76200a3fcaaa11");
	assert_int_equal(m2m_fleet_fci_parse(fci, batch, sizeof batch, step, sizeof step), M2M_OK);
	assert_string_equal(batch, "b1");
	assert_string_equal(step, "smsr-change");
	/* printf 'eid,iccid\n' | sha256sum */
	assert_int_equal(m2m_fleet_batch_of((const uint8_t *)"eid,iccid\n", 10, batch, sizeof batch),
			 M2M_OK);
	assert_string_equal(batch, "411f09571f610205");
	assert_int_equal(m2m_fleet_fci("b1", "enable", EID_A, ICCID, "", fci, 20), M2M_ERR_BOUNDS);

	assert_true(m2m_fleet_batch_valid("Batch_2024.05:a"));
	assert_false(m2m_fleet_batch_valid(""));
	assert_false(m2m_fleet_batch_valid("a-b"));
	assert_false(m2m_fleet_batch_valid("a b"));
	assert_false(m2m_fleet_batch_valid("12345678901234567890123456789012345678901"));
	const char *bad[] = {
		"", "nodash", "b1-enable", "b1-enable-52e7811564f0ed4f2f89e2669c49c2f",
		"b1-enable-52e7811564f0ed4f2f89e2669c49c2f4a", "b1-enable-52e7811564f0ed4f2f89e2669c49c2fz",
		"-enable-52e7811564f0ed4f2f89e2669c49c2f4", "b1--52e7811564f0ed4f2f89e2669c49c2f4",
		"b 1-enable-52e7811564f0ed4f2f89e2669c49c2f4",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(m2m_fleet_fci_parse(bad[i], batch, sizeof batch, step, sizeof step),
				 M2M_ERR_FORMAT);
}

/* --- input ------------------------------------------------------------------------------- */

static const char *tmp_file(const char *name, const char *text, size_t len)
{
	static char p[128];
	snprintf(p, sizeof p, "%s/%s", tmpdir, name);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return p;
}

static void test_input(void **state)
{
	(void)state;
	m2m_fleet_input in;
	char why[256];
	const char text[] = "\xEF\xBB\xBF Name , ICCID,EID\r\n"
			    "x,8944500102198304826F," EID_A "\r\n"
			    "y,,89049032abcdef000000000000000101\r\n";
	const char *p = tmp_file("in.csv", text, sizeof text - 1);
	assert_int_equal(m2m_fleet_input_load(p, M2M_FLEET_AUDIT, &in, why, sizeof why), M2M_OK);
	assert_int_equal(in.n, 2);
	assert_int_equal(in.bad, 0);
	assert_string_equal(in.row[0].eid, EID_A);
	assert_string_equal(in.row[0].iccid, "8944500102198304826F");
	assert_string_equal(in.row[1].eid, "89049032ABCDEF000000000000000101");
	assert_string_equal(in.row[1].iccid, "");
	assert_int_equal(in.row[1].line, 3);
	m2m_fleet_input_free(&in);
	/* enable needs the ICCID: the second row is bad, not fatal */
	assert_int_equal(m2m_fleet_input_load(p, M2M_FLEET_ENABLE, &in, why, sizeof why), M2M_OK);
	assert_int_equal(in.bad, 1);
	assert_string_equal(in.row[1].bad, "input line 3: the ICCID is missing");
	assert_string_equal(m2m_fleet_row_eid(&in.row[1]), "89049032abcdef000000000000000101");
	m2m_fleet_input_free(&in);

	/* Files that are not fleet inputs. */
	struct {
		const char *text;
		m2m_fleet_op op;
		const char *why;
	} bad[] = {
		{"", M2M_FLEET_ENABLE, "empty: no header row"},
		{"\n\n", M2M_FLEET_ENABLE, "empty: no header row"},
		{"eid\n" EID_A "\n", M2M_FLEET_DELETE, "line 1: the header row needs the columns eid and iccid"},
		{"iccid\n" ICCID "\n", M2M_FLEET_SMSR_CHANGE, "line 1: the header row needs the column eid"},
		{"eid,EID\n", M2M_FLEET_AUDIT, "line 1: column \"EID\" given twice"},
		{"\"eid,iccid\n", M2M_FLEET_AUDIT, "the header row is malformed"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		p = tmp_file("bad.csv", bad[i].text, strlen(bad[i].text));
		assert_int_equal(m2m_fleet_input_load(p, bad[i].op, &in, why, sizeof why),
				 M2M_ERR_FORMAT);
		assert_string_equal(why, bad[i].why);
		assert_int_equal(in.n, 0);
	}
	char missing[128];
	snprintf(missing, sizeof missing, "%s/missing.csv", tmpdir);
	assert_int_equal(m2m_fleet_input_load(missing, M2M_FLEET_ENABLE, &in, why, sizeof why),
			 M2M_ERR_IO);
	assert_non_null(strstr(why, "No such file"));

	/* EID and ICCID checks (XSD EIDType holding 16 bytes, ICCIDType 89[0-9fF]{4,18}). */
	const char rows[] = "eid,iccid\n"
			    EID_A "0,8944500102198304826\n"
			    "89049032ABCDEF00000000000000010G,8944500102198304826\n"
			    EID_A ",8844500102198304826\n"
			    EID_A ",89445\n"
			    EID_A ",894450010219830482612\n"
			    EID_A ",89445A0102198304826\n"
			    EID_A ",894450\n";
	p = tmp_file("rows.csv", rows, sizeof rows - 1);
	assert_int_equal(m2m_fleet_input_load(p, M2M_FLEET_ENABLE, &in, why, sizeof why), M2M_OK);
	assert_int_equal(in.n, 7);
	assert_int_equal(in.bad, 6);
	assert_null(in.row[6].bad);
	assert_string_equal(in.row[0].bad, "input line 2: the EID must be 32 hex digits");
	assert_string_equal(in.row[1].bad, "input line 3: the EID must be 32 hex digits");
	for (size_t i = 2; i < 6; i++)
		assert_non_null(strstr(in.row[i].bad, "the ICCID must be 89 and 4 to 18 digits"));
	m2m_fleet_input_free(&in);
}

/* --- result file ------------------------------------------------------------------------- */

static void test_results(void **state)
{
	(void)state;
	m2m_fleet_results r;
	char why[256], missing[128];
	snprintf(missing, sizeof missing, "%s/none.csv", tmpdir);
	assert_int_equal(m2m_fleet_results_load(missing, &r, why, sizeof why), M2M_OK);
	assert_false(r.header);
	m2m_fleet_results_free(&r);

	const char text[] =
		M2M_FLEET_RESULT_HEADER "\n"
		"E1,I1,ERROR,,,transport: refused,b-enable-00000000000000000000000000000001,0.1\n"
		"E1,I1,FAILED,8.1.1,3.9,unknown,b-enable-00000000000000000000000000000001,0.2\n"
		"E1,I1,ERROR,,,no answer within 5 s,b-enable-00000000000000000000000000000001,5.0\n"
		"E2,I2,ERROR,,,transport: refused,b-enable-00000000000000000000000000000002,0.1\n"
		"E2,I2,ERROR,,,no answer within 5 s,b-enable-00000000000000000000000000000002,5.0\n"
		"zz,,ERROR,,,input line 9: the EID must be 32 hex digits,,0.000\n"
		"E3,I3,MAYBE,,,x,y,0\n"
		"E3,\"I3,ERROR\n"
		"E4,I4,EXECUTED_SUCCESS,,,,b-enable-00000000000000000000000000000004,0.3\n"
		"E5,I5,EXECUTED_SUCC";
	const char *p = tmp_file("res.csv", text, sizeof text - 1);
	assert_int_equal(m2m_fleet_results_load(p, &r, why, sizeof why), M2M_OK);
	assert_true(r.header);
	assert_int_equal(r.complete, sizeof text - 1 - strlen("E5,I5,EXECUTED_SUCC"));
	assert_int_equal(r.malformed, 2);
	assert_int_equal(r.first_malformed, 8);
	assert_int_equal(r.n, 6); /* the bad-input line is not a result */
	m2m_fleet_old *o = m2m_fleet_results_find(&r, "E1", "I1");
	assert_non_null(o);
	assert_int_equal(o->status, M2M_FLEET_FAILED); /* a final line beats a later ERROR */
	assert_int_equal(o->line, 3);
	o = m2m_fleet_results_find(&r, "E2", "I2");
	assert_int_equal(o->line, 6); /* else the latest */
	o = m2m_fleet_results_find(&r, "E4", "I4");
	assert_int_equal(o->status, M2M_FLEET_SUCCESS);
	assert_string_equal(o->fci, "b-enable-00000000000000000000000000000004");
	assert_null(m2m_fleet_results_find(&r, "E5", "I5"));
	assert_null(m2m_fleet_results_find(&r, "zz", ""));
	m2m_fleet_results_free(&r);

	/* A header cut short by a kill counts as no file; anything else is refused. */
	p = tmp_file("cut.csv", "eid,iccid,sta", 13);
	assert_int_equal(m2m_fleet_results_load(p, &r, why, sizeof why), M2M_OK);
	assert_false(r.header);
	assert_int_equal(r.complete, 0);
	m2m_fleet_results_free(&r);
	const char *bad[] = {"eid,iccid\nx,y\n", "something else", "eid,iccid,status\n"};
	for (size_t i = 0; i < 3; i++) {
		p = tmp_file("bad.csv", bad[i], strlen(bad[i]));
		assert_int_equal(m2m_fleet_results_load(p, &r, why, sizeof why), M2M_ERR_FORMAT);
		assert_non_null(strstr(why, "not a fleet result file"));
		m2m_fleet_results_free(&r);
	}
	p = tmp_file("nul.csv", M2M_FLEET_RESULT_HEADER "\n\0\n", strlen(M2M_FLEET_RESULT_HEADER) + 3);
	assert_int_equal(m2m_fleet_results_load(p, &r, why, sizeof why), M2M_ERR_FORMAT);
	m2m_fleet_results_free(&r);
}

static void test_result_line(void **state)
{
	(void)state;
	m2m_fleet_outcome o = {.status = M2M_FLEET_FAILED, .seconds = 1.5};
	snprintf(o.subject, sizeof o.subject, "8.2.1");
	snprintf(o.reason, sizeof o.reason, "3.9");
	snprintf(o.fci, sizeof o.fci, "b-enable-00");
	m2m_fleet_outcome_msg(&o, "two\nlines, \"quoted\"\ttab");
	m2m_buf b;
	m2m_buf_init(&b);
	assert_int_equal(m2m_fleet_result_line(&b, "E", "I", &o), M2M_OK);
	assert_int_equal(m2m_buf_append_u8(&b, 0), M2M_OK);
	assert_string_equal((char *)b.data,
			    "E,I,FAILED,8.2.1,3.9,\"two lines, \"\"quoted\"\" tab\",b-enable-00,1.500\n");
	m2m_buf_free(&b);
	m2m_fleet_status s;
	assert_int_equal(m2m_fleet_status_parse("EXECUTED_WITHWARNING", &s), M2M_OK);
	assert_int_equal(s, M2M_FLEET_WARNING);
	assert_int_equal(m2m_fleet_status_parse("executed_success", &s), M2M_ERR_FORMAT);
	assert_false(m2m_fleet_status_final(M2M_FLEET_ERROR));
	assert_true(m2m_fleet_status_final(M2M_FLEET_EXPIRED));
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/m2m_fleet_u_XXXXXX");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_read),   cmocka_unit_test(test_csv_bad),
		cmocka_unit_test(test_csv_write),  cmocka_unit_test(test_map),
		cmocka_unit_test(test_ids),        cmocka_unit_test(test_input),
		cmocka_unit_test(test_results),    cmocka_unit_test(test_result_line),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
