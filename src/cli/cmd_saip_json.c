/* m2mrsp saip decode | encode: profile packages as JSON and back (docs/saip-json.md,
 * ARCHITECTURE.md section 6). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "cli/saip_cmds.h"
#include "saip/json.h"

/* ---- decode ---- */

void m2m_saip_cmd_decode_help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp saip decode [--pretty] FILE\n"
		"\n"
		"Prints the profile package FILE (DER) as one JSON object: the header's fields\n"
		"(\"iccid\" as a digit string), then \"elements\", every element in package order as\n"
		"{\"type\": \"<element name>\", \"<element name>\": {...}}. OCTET STRINGs are lower-case\n"
		"hex; docs/saip-json.md has the whole mapping. `m2mrsp saip encode` turns the JSON\n"
		"back into the same bytes. Compact on one line unless --pretty.\n"
		"\n"
		"exit codes: 0 ok, 1 malformed package, 2 usage, 3 I/O\n");
}

static int print_json(const char *what, const json_t *root, int pretty)
{
	size_t flags = pretty ? JSON_INDENT(2) : JSON_COMPACT;
	if (json_dumpf(root, stdout, flags) != 0 || fputc('\n', stdout) == EOF ||
	    fflush(stdout) != 0)
		return m2m_cli_error(M2M_EXIT_IO, what, "cannot write standard output");
	return M2M_EXIT_OK;
}

int m2m_saip_cmd_decode(int argc, char **argv)
{
	const char *what = "saip decode";
	m2m_opt o[] = {M2M_FLAG("pretty")};
	const char *file = NULL;
	m2m_buf der;
	m2m_saip_pkg pkg;
	m2m_saip_error perr;
	m2m_saip_json_error jerr;
	json_t *root = NULL;
	m2m_buf_init(&der);
	m2m_saip_pkg_init(&pkg);
	int rc = m2m_opts_parse(what, argc, argv, o, sizeof o / sizeof o[0], &file, true);
	if (rc != 0)
		goto out;
	errno = 0;
	m2m_err err = m2m_saip_read_file(file, &der);
	if (err != M2M_OK) {
		rc = m2m_cli_error(err == M2M_ERR_IO ? M2M_EXIT_IO : M2M_EXIT_FAILED, what, "%s: %s",
				   file, errno != 0 ? strerror(errno) : "cannot read it (too large?)");
		goto out;
	}
	if (m2m_saip_decode(der.data, der.len, &pkg, &perr) != M2M_OK) {
		rc = m2m_cli_error(M2M_EXIT_FAILED, what, "%s: element %zu (%s) at offset %zu: %s",
				   file, perr.index, perr.type[0] ? perr.type : "?", perr.offset,
				   perr.msg);
		goto out;
	}
	if (m2m_saip_json_from_pkg(&pkg, &root, &jerr) != M2M_OK) {
		rc = m2m_cli_error(M2M_EXIT_FAILED, what, "%s: %s%s%s", file, jerr.path,
				   jerr.path[0] ? ": " : "", jerr.msg);
		goto out;
	}
	rc = print_json(what, root, o[0].value != NULL);
out:
	json_decref(root);
	m2m_saip_pkg_free(&pkg);
	m2m_buf_free(&der);
	return rc;
}

/* ---- encode ---- */

void m2m_saip_cmd_encode_help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp saip encode [-o|--out OUT] FILE.json\n"
		"\n"
		"Builds the profile package (DER) from its JSON form, as `m2mrsp saip decode` prints\n"
		"it (FILE.json \"-\" reads standard input). Top-level header fields are optional; when\n"
		"present they must equal those of the header element. The package goes to OUT, or to\n"
		"standard output when that is not a terminal. Errors name the JSON path of the bad\n"
		"value, e.g. elements[7].usim.ef-imsi[1].fillFileContent.\n"
		"\n"
		"exit codes: 0 ok, 1 malformed JSON or package, 2 usage, 3 I/O\n");
}

/* Reads and parses the JSON; 0, or the exit code after printing the error. */
static int load_json(const char *what, const char *path, json_t **root)
{
	int use_stdin = strcmp(path, "-") == 0;
	FILE *f = use_stdin ? stdin : fopen(path, "rb");
	json_error_t je;
	int rc = M2M_EXIT_OK;
	if (f == NULL)
		return m2m_cli_error(M2M_EXIT_IO, what, "%s: %s", path, strerror(errno));
	*root = json_loadf(f, M2M_SAIP_JSON_LOAD_FLAGS, &je);
	if (*root == NULL && ferror(f))
		rc = m2m_cli_error(M2M_EXIT_IO, what, "%s: read error", path);
	else if (*root == NULL)
		rc = m2m_cli_error(M2M_EXIT_FAILED, what, "%s: line %d column %d: %s", path, je.line,
				   je.column, je.text);
	if (!use_stdin)
		fclose(f);
	return rc;
}

static int write_out(const char *what, const char *path, const m2m_buf *der)
{
	FILE *f = path != NULL ? fopen(path, "wb") : stdout;
	if (f == NULL)
		return m2m_cli_error(M2M_EXIT_IO, what, "%s: %s", path, strerror(errno));
	int bad = fwrite(der->data, 1, der->len, f) != der->len;
	bad |= path != NULL ? fclose(f) != 0 : fflush(f) != 0;
	if (bad)
		return m2m_cli_error(M2M_EXIT_IO, what, "%s: write error",
				     path != NULL ? path : "standard output");
	return M2M_EXIT_OK;
}

/* "-o OUT" is accepted beside "--out OUT": the shared parser knows long options only. */
static void short_out(int argc, char **argv, char **copy)
{
	static char long_out[] = "--out";
	for (int i = 0; i < argc; i++)
		copy[i] = strcmp(argv[i], "-o") == 0 ? long_out : argv[i];
}

static int encode_args(const char *what, int argc, char **argv, const char **in,
		       const char **out)
{
	char *copy[64];
	m2m_opt o[] = {M2M_OPT("out")};
	if (argc > (int)(sizeof copy / sizeof copy[0]))
		return m2m_cli_error(M2M_EXIT_USAGE, what, "too many arguments");
	short_out(argc, argv, copy);
	int rc = m2m_opts_parse(what, argc, copy, o, sizeof o / sizeof o[0], in, true);
	*out = o[0].value;
	if (rc == 0 && *out == NULL && isatty(STDOUT_FILENO))
		rc = m2m_cli_error(M2M_EXIT_USAGE, what,
				   "not writing a binary package to a terminal: give -o OUT");
	return rc;
}

int m2m_saip_cmd_encode(int argc, char **argv)
{
	const char *what = "saip encode";
	const char *in = NULL, *out_path = NULL;
	json_t *root = NULL;
	m2m_saip_pkg pkg;
	m2m_saip_json_error jerr;
	m2m_buf der;
	m2m_saip_pkg_init(&pkg);
	m2m_buf_init(&der);
	int rc = encode_args(what, argc, argv, &in, &out_path);
	if (rc == 0)
		rc = load_json(what, in, &root);
	if (rc != 0)
		goto out;
	if (m2m_saip_json_to_pkg(root, &pkg, &jerr) != M2M_OK) {
		rc = m2m_cli_error(M2M_EXIT_FAILED, what, "%s: %s%s%s", in, jerr.path,
				   jerr.path[0] ? ": " : "", jerr.msg);
		goto out;
	}
	m2m_err err = m2m_saip_encode(&pkg, &der);
	if (err != M2M_OK) {
		rc = m2m_cli_error(M2M_EXIT_FAILED, what, "%s: cannot encode: %s", in,
				   m2m_strerror(err));
		goto out;
	}
	rc = write_out(what, out_path, &der);
out:
	json_decref(root);
	m2m_saip_pkg_free(&pkg);
	m2m_buf_free(&der);
	return rc;
}
