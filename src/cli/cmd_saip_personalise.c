/*
 * m2mrsp saip personalise IN -o OUT [values] [--csv FILE --row N]: sets ICCID, IMSI, keys,
 * PINs, OTA keys, POL1 and connectivity parameters, validates, writes.
 * m2mrsp saip validate FILE...: the validation findings of each package.
 * Secret values (keys, PINs) are never printed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "cli/saip_cmds.h"
#include "saip/personalise.h"
#include "saip/saip.h"
#include "saip/validate.h"

#define WHAT_P "saip personalise"
#define WHAT_V "saip validate"

/* Options besides the value fields (whose options are named after the fields). */
enum { OPT_OUTPUT, OPT_CSV, OPT_ROW, OPT_ADD_CHECK, OPT__FIXED };
#define OPT_COUNT (OPT__FIXED + M2M_SAIP_F__COUNT)

void m2m_saip_cmd_personalise_help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp saip personalise IN.der -o OUT.der [--csv FILE --row N]\n"
		"         [--iccid D [--iccid-add-check]] [--imsi D] [--ki HEX] [--opc HEX]\n"
		"         [--algorithm milenage|tuak|usim-test-algorithm] [--algorithm-options HEX2]\n"
		"         [--rotation HEX] [--xoring HEX] [--pin1 D] [--pin2 D] [--adm1 D] [--adm2 D]\n"
		"         [--puk1 D] [--puk2 D] [--kvn HEX2 --kic HEX --kid HEX --kik HEX\n"
		"         [--key-type HEX2]] [--pol1 HEX] [--connectivity HEX | --smsc [+]DIGITS]\n"
		"\n"
		"Sets the given values in the profile package IN (docs/saip-personalise.md):\n"
		"  --iccid    19-20 digits, the last the Luhn check digit (verified); with\n"
		"             --iccid-add-check 18-19 digits and the check digit is computed.\n"
		"             Header iccid and EF.ICCID.\n"
		"  --imsi     6-15 digits: EF.IMSI and EF.ACC (last digit) of every USIM.\n"
		"  --ki --opc 16 bytes (TUAK: 16 or 32), with the algorithm parameters, in every\n"
		"             akaParameter element.\n"
		"  --pin1 (01) --pin2 (81) --adm1 (0A) --adm2 (0B): 4-8 digits (ADM: or 16 hex);\n"
		"  --puk1 (01) --puk2 (81): 8 digits.\n"
		"  --kvn --kic --kid --kik: MNO-SD OTA keys 01/02/03 of that KVN, 16/24/32 bytes.\n"
		"  --pol1     header POL1 bytes; --connectivity header connectivity parameters\n"
		"             (TLVs, SGP.02 3A07 content); --smsc builds A0{06{TON/NPI, BCD}}.\n"
		"  --csv FILE --row N: values from data row N (1 = first after the header row);\n"
		"             its columns are the option names; options override the CSV.\n"
		"The result is validated (m2mrsp saip validate) before OUT is written.\n"
		"Exit 0 ok, 1 invalid value or package, 2 usage error, 3 file I/O error.\n");
}

void m2m_saip_cmd_validate_help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp saip validate FILE...\n"
		"\n"
		"Checks each profile package: header first and end last, unique PE identification\n"
		"numbers, mandatory services for the elements present, USIM/ISIM/CSIM AIDs, the\n"
		"ICCID (length, Luhn check digit, EF.ICCID), key lengths (Ki/OPc, OTA keys) and\n"
		"file contents against file sizes. Prints \"FILE: ok\" or one line per finding:\n"
		"FILE: element INDEX (TYPE) [RULE]: MESSAGE.\n"
		"Exit 0 if every package is clean, 1 if one has findings or does not decode,\n"
		"3 if a file cannot be read, 2 on a usage error.\n");
}

static void init_opts(m2m_opt *o)
{
	memset(o, 0, OPT_COUNT * sizeof(*o));
	o[OPT_OUTPUT] = (m2m_opt)M2M_OPT_REQ("output");
	o[OPT_CSV] = (m2m_opt)M2M_OPT("csv");
	o[OPT_ROW] = (m2m_opt)M2M_OPT("row");
	o[OPT_ADD_CHECK] = (m2m_opt)M2M_FLAG("iccid-add-check");
	for (int f = 0; f < M2M_SAIP_F__COUNT; f++)
		o[OPT__FIXED + f] = (m2m_opt)M2M_OPT(m2m_saip_field_name((m2m_saip_field)f));
}

/* argv with "-o" spelt "--output", for the shared option parser. */
static char **map_short(int argc, char **argv)
{
	char **a = calloc((size_t)argc + 1, sizeof(*a));

	if (a == NULL)
		return NULL;
	for (int i = 0; i < argc; i++)
		a[i] = strcmp(argv[i], "-o") == 0 ? (char *)"--output" : argv[i];
	return a;
}

static int perso_error(const m2m_saip_error *err, m2m_err rc)
{
	int code = rc == M2M_ERR_IO ? M2M_EXIT_IO : M2M_EXIT_FAILED;

	if (err->index != (size_t)-1 && err->type[0] != '\0')
		return m2m_cli_error(code, WHAT_P, "element %zu (%s): %s", err->index, err->type,
				     err->msg);
	return m2m_cli_error(code, WHAT_P, "%s", err->msg);
}

/* CSV first, then options on top. */
static int collect_values(const m2m_opt *o, m2m_saip_perso *p)
{
	m2m_saip_error err;
	m2m_err rc;
	char *end = NULL;
	unsigned long row;

	if ((o[OPT_CSV].value == NULL) != (o[OPT_ROW].value == NULL))
		return m2m_cli_error(M2M_EXIT_USAGE, WHAT_P, "--csv and --row go together");
	if (o[OPT_CSV].value != NULL) {
		errno = 0;
		row = strtoul(o[OPT_ROW].value, &end, 10);
		if (errno != 0 || end == o[OPT_ROW].value || *end != '\0' || row == 0 ||
		    o[OPT_ROW].value[0] == '-')
			return m2m_cli_error(M2M_EXIT_USAGE, WHAT_P, "--row needs a number from 1");
		rc = m2m_saip_perso_csv_file(o[OPT_CSV].value, row, p, &err);
		if (rc != M2M_OK)
			return perso_error(&err, rc);
	}
	for (int f = 0; f < M2M_SAIP_F__COUNT; f++) {
		const char *v = o[OPT__FIXED + f].value;

		if (v != NULL && m2m_saip_perso_set(p, (m2m_saip_field)f, v) != M2M_OK)
			return m2m_cli_error(M2M_EXIT_FAILED, WHAT_P, "out of memory");
	}
	p->iccid_add_check = o[OPT_ADD_CHECK].value != NULL;
	return M2M_EXIT_OK;
}

static void print_finding(void *ctx, const m2m_saip_finding *f)
{
	const char *path = ctx;

	if (f->index == M2M_SAIP_PACKAGE)
		fprintf(stderr, "%s: package [%s]: %s\n", path, f->rule, f->msg);
	else
		fprintf(stderr, "%s: element %zu (%s) [%s]: %s\n", path, f->index, f->type, f->rule,
			f->msg);
}

static int write_file(const char *path, const m2m_buf *b)
{
	FILE *fp = fopen(path, "wb");
	int bad;

	if (fp == NULL)
		return m2m_cli_error(M2M_EXIT_IO, WHAT_P, "cannot create %s: %s", path,
				     strerror(errno));
	bad = fwrite(b->data, 1, b->len, fp) != b->len;
	bad |= fclose(fp) != 0;
	if (bad) {
		remove(path);
		return m2m_cli_error(M2M_EXIT_IO, WHAT_P, "cannot write %s", path);
	}
	return M2M_EXIT_OK;
}

static int load(const char *what, const char *path, m2m_buf *der, m2m_saip_pkg *pkg)
{
	m2m_saip_error err;

	if (m2m_saip_read_file(path, der) != M2M_OK)
		return m2m_cli_error(M2M_EXIT_IO, what, "cannot read %s", path);
	if (m2m_saip_decode(der->data, der->len, pkg, &err) != M2M_OK)
		return m2m_cli_error(M2M_EXIT_FAILED, what, "%s: element %zu (%s) at offset %zu: %s",
				     path, err.index, err.type[0] ? err.type : "?", err.offset,
				     err.msg);
	return M2M_EXIT_OK;
}

static int personalise(const char *in, const m2m_opt *o, const m2m_saip_perso *p)
{
	m2m_buf der, out;
	m2m_saip_pkg pkg;
	m2m_saip_error err;
	m2m_err rc;
	int code;

	m2m_buf_init(&der);
	m2m_buf_init(&out);
	m2m_saip_pkg_init(&pkg);
	code = load(WHAT_P, in, &der, &pkg);
	if (code != M2M_EXIT_OK)
		goto out;
	rc = m2m_saip_personalise(&pkg, p, &err);
	if (rc != M2M_OK) {
		code = perso_error(&err, rc);
		goto out;
	}
	if (m2m_saip_validate(&pkg, print_finding, (void *)o[OPT_OUTPUT].value) != 0) {
		code = m2m_cli_error(M2M_EXIT_FAILED, WHAT_P, "the result does not validate, "
				     "%s not written", o[OPT_OUTPUT].value);
		goto out;
	}
	if (m2m_saip_encode(&pkg, &out) != M2M_OK) {
		code = m2m_cli_error(M2M_EXIT_FAILED, WHAT_P, "cannot encode the result");
		goto out;
	}
	code = write_file(o[OPT_OUTPUT].value, &out);
out:
	m2m_saip_pkg_free(&pkg);
	m2m_buf_free(&der);
	m2m_buf_free(&out);
	return code;
}

int m2m_saip_cmd_personalise(int argc, char **argv)
{
	m2m_opt o[OPT_COUNT];
	m2m_saip_perso p;
	const char *in = NULL;
	char **args;
	int code;

	m2m_saip_perso_init(&p);
	init_opts(o);
	args = map_short(argc, argv);
	if (args == NULL)
		return m2m_cli_error(M2M_EXIT_FAILED, WHAT_P, "out of memory");
	code = m2m_opts_parse(WHAT_P, argc, args, o, OPT_COUNT, &in, true);
	if (code == 0)
		code = collect_values(o, &p);
	if (code == 0)
		code = personalise(in, o, &p);
	m2m_saip_perso_free(&p);
	free(args);
	return code;
}

static int validate_one(const char *path)
{
	m2m_buf der;
	m2m_saip_pkg pkg;
	int code;

	m2m_buf_init(&der);
	m2m_saip_pkg_init(&pkg);
	code = load(WHAT_V, path, &der, &pkg);
	if (code != M2M_EXIT_OK)
		goto out;
	if (m2m_saip_validate(&pkg, print_finding, (void *)path) != 0)
		code = M2M_EXIT_FAILED;
	else
		printf("%s: ok\n", path);
out:
	m2m_saip_pkg_free(&pkg);
	m2m_buf_free(&der);
	return code;
}

int m2m_saip_cmd_validate(int argc, char **argv)
{
	int worst = M2M_EXIT_OK;

	if (argc < 2)
		return m2m_cli_error(M2M_EXIT_USAGE, WHAT_V, "missing FILE (try --help)");
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1] != '\0')
			return m2m_cli_error(M2M_EXIT_USAGE, WHAT_V, "unknown option '%s'", argv[i]);
	for (int i = 1; i < argc; i++) {
		int code = validate_one(argv[i]);

		/* An unreadable file (3) outranks an invalid one (1). */
		if (code > worst)
			worst = code;
	}
	fflush(stdout);
	return worst;
}
