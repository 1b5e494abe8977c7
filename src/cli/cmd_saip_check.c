/* m2mrsp saip check FILE...: decode and re-encode each package, byte-identical or fail. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/saip_cmds.h"
#include "saip/asn1_alloc/asn1_alloc.h"
#include "saip/saip.h"

#define WHAT "saip check"

void m2m_saip_cmd_check_help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp saip check FILE...\n"
		"\n"
		"Decodes each profile package (a sequence of DER ProfileElements, PE_Definitions\n"
		"3.3.1), checks every element against the module's constraints, re-encodes it as\n"
		"DER and compares. Prints one line per file: \"ok\" with the element count and the\n"
		"version the header declares, the first differing byte offset, or the decode error\n"
		"with the element's index, type and byte offset.\n"
		"Exit 0 if every package is byte-identical, 1 on a mismatch or a decode error,\n"
		"3 if a file cannot be read, 2 on a usage error.\n");
}

static size_t first_difference(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	size_t n = an < bn ? an : bn, i = 0;
	while (i < n && a[i] == b[i])
		i++;
	return i;
}

static void print_ok(const char *path, const m2m_saip_pkg *pkg)
{
	const ProfileElement_t *first = pkg->el[0].pe;
	if (first->present == ProfileElement_PR_header)
		printf("%s: ok, %zu elements, version %ld.%ld\n", path, pkg->count,
		       first->choice.header.major_version, first->choice.header.minor_version);
	else
		printf("%s: ok, %zu elements, no header first\n", path, pkg->count);
}

/* Exit code for one file. */
/* The tree lives in this function only: its nodes come from an arena (saip/asn1_alloc). */
static int check_bytes(const char *path, const m2m_buf *in)
{
	int rc = M2M_EXIT_FAILED;
	m2m_saip_pkg pkg;
	m2m_saip_error err;
	m2m_asn1_arena a;
	m2m_buf out;
	m2m_asn1_arena_init(&a);
	m2m_asn1_arena_begin(&a);
	m2m_saip_pkg_init(&pkg);
	m2m_buf_init(&out);
	m2m_err e = m2m_saip_decode(in->data, in->len, &pkg, &err);
	if (e != M2M_OK) {
		printf("%s: decode error in element %zu (%s) at offset %zu: %s\n", path, err.index,
		       err.type[0] ? err.type : "unknown type", err.offset, err.msg);
		goto out;
	}
	e = m2m_saip_encode(&pkg, &out);
	if (e != M2M_OK) {
		printf("%s: encode error: %s\n", path, m2m_strerror(e));
		goto out;
	}
	if (out.len != in->len || memcmp(out.data, in->data, in->len) != 0) {
		size_t at = first_difference(in->data, in->len, out.data, out.len);
		printf("%s: re-encoding differs at offset %zu (%zu bytes in, %zu out)\n", path, at,
		       in->len, out.len);
		goto out;
	}
	print_ok(path, &pkg);
	rc = M2M_EXIT_OK;
out:
	m2m_saip_pkg_free(&pkg);
	m2m_asn1_arena_end(&a);
	m2m_asn1_arena_release(&a);
	m2m_buf_free(&out);
	return rc;
}

static int check_file(const char *path)
{
	int rc = M2M_EXIT_IO;
	m2m_buf in;
	m2m_buf_init(&in);
	if (m2m_saip_read_file(path, &in) != M2M_OK) {
		printf("%s: cannot read (or over %u bytes)\n", path, M2M_SAIP_FILE_MAX);
		goto out;
	}
	rc = check_bytes(path, &in);
out:
	m2m_buf_free(&in);
	return rc;
}

int m2m_saip_cmd_check(int argc, char **argv)
{
	int rc = M2M_EXIT_OK;
	int files = 0;
	if (m2m_cli_wants_help(argc, argv)) {
		m2m_saip_cmd_check_help(stdout);
		goto out;
	}
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1] != '\0') {
			rc = m2m_cli_error(M2M_EXIT_USAGE, WHAT, "unknown option '%s'", argv[i]);
			goto out;
		}
	}
	for (int i = 1; i < argc; i++, files++) {
		int r = check_file(argv[i]);
		/* An unreadable file (3) outranks a failed check (1). */
		if (r > rc)
			rc = r;
	}
	if (files == 0)
		rc = m2m_cli_error(M2M_EXIT_USAGE, WHAT, "missing FILE (try --help)");
	if (fflush(stdout) != 0 && rc == M2M_EXIT_OK)
		rc = M2M_EXIT_IO;
out:
	return rc;
}
