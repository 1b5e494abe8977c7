/* m2mrsp saip tree [--contents] FILE: the UICC file system a profile package installs. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "cli/saip_cmds.h"
#include "core/hex.h"
#include "saip/fs_build.h"

#define WHAT "saip tree"
#define HEX_PER_LINE 32

typedef struct {
	FILE *out;
	int contents;
} tree_ctx;

static void print_hex_lines(FILE *out, unsigned depth, const char *label, const uint8_t *p,
			    size_t n)
{
	char hex[2 * HEX_PER_LINE + 1];

	for (size_t off = 0; off < n || off == 0; off += HEX_PER_LINE) {
		size_t k = n - off < HEX_PER_LINE ? n - off : HEX_PER_LINE;
		m2m_hex_encode(p + off, k, hex);
		fprintf(out, "%*s%*s %s\n", (int)(2 * depth + 4), "", (int)strlen(label),
			off ? "" : label, hex);
		if (!n)
			break;
	}
}

static void print_contents(FILE *out, const m2m_saip_fs_node *n, unsigned depth)
{
	const m2m_saip_fs_node *t = m2m_saip_fs_target(n);
	char label[32];

	if (!t->a.rec_len) {
		print_hex_lines(out, depth, "data:", t->data, t->a.size);
		return;
	}
	for (size_t r = 0; r < t->a.rec_count; r++) {
		snprintf(label, sizeof(label), "#%-4zu", r + 1);
		print_hex_lines(out, depth, label, t->data + r * t->a.rec_len, t->a.rec_len);
	}
}

static void print_shape(FILE *out, const m2m_saip_fs_node *n)
{
	const m2m_saip_fs_node *t = m2m_saip_fs_target(n);
	char path[64], aid[2 * M2M_SAIP_FS_AID_MAX + 1];

	if (n->link && m2m_saip_fs_path(n->link, path, sizeof(path)) == M2M_OK)
		fprintf(out, " link -> %s,", path);
	fprintf(out, " %s", m2m_saip_fs_type_name(t));
	if (n->a.kind == M2M_SAIP_FS_ADF) {
		m2m_hex_encode(n->a.aid, n->a.aid_len, aid);
		fprintf(out, " AID %s", aid);
	} else if (t->a.unsized) {
		fprintf(out, " size unknown");
	} else if (t->a.rec_len) {
		fprintf(out, " %zu x %zu", t->a.rec_count, t->a.rec_len);
	} else if (n->a.kind == M2M_SAIP_FS_EF) {
		fprintf(out, " %zu", t->a.size);
	}
	if (n->a.sfi)
		fprintf(out, " SFI %02X", n->a.sfi);
	fputc('\n', out);
}

static int visit(const m2m_saip_fs_node *n, unsigned depth, void *arg)
{
	tree_ctx *c = arg;

	fprintf(c->out, "%*s%04X %-18s", (int)(2 * depth), "", (unsigned)n->a.fid,
		n->a.name[0] ? n->a.name : "-");
	print_shape(c->out, n);
	if (c->contents && n->a.kind == M2M_SAIP_FS_EF)
		print_contents(c->out, n, depth);
	return 0;
}

static int load(const char *path, m2m_saip_pkg *pkg, m2m_saip_fs *fs)
{
	m2m_saip_error err = {0};
	m2m_buf der;
	m2m_err e;
	int rc = M2M_EXIT_OK;

	m2m_buf_init(&der);
	e = m2m_saip_read_file(path, &der);
	if (e != M2M_OK) {
		rc = m2m_cli_error(M2M_EXIT_IO, WHAT, "%s: %s", path, m2m_strerror(e));
		goto out;
	}
	e = m2m_saip_decode(der.data, der.len, pkg, &err);
	if (e == M2M_OK)
		e = m2m_saip_fs_build(pkg, fs, &err);
	if (e != M2M_OK)
		rc = m2m_cli_error(M2M_EXIT_FAILED, WHAT, "%s: element %zu (%s) at offset %zu: %s",
				   path, err.index, err.type[0] ? err.type : "?", err.offset,
				   err.msg[0] ? err.msg : m2m_strerror(e));
out:
	m2m_buf_free(&der);
	return rc;
}

int m2m_saip_cmd_tree(int argc, char **argv)
{
	m2m_opt opts[] = {M2M_FLAG("contents")};
	const char *file = NULL;
	tree_ctx c = {stdout, 0};
	m2m_saip_pkg pkg;
	m2m_saip_fs fs;
	int rc;

	if (m2m_cli_wants_help(argc, argv)) {
		m2m_saip_cmd_tree_help(stdout);
		return M2M_EXIT_OK;
	}
	m2m_saip_pkg_init(&pkg);
	m2m_saip_fs_init(&fs);
	rc = m2m_opts_parse(WHAT, argc, argv, opts, 1, &file, true);
	if (rc != 0)
		goto out;
	if (!file[0]) {
		rc = m2m_cli_error(M2M_EXIT_USAGE, WHAT, "missing FILE (try --help)");
		goto out;
	}
	c.contents = opts[0].value != NULL;
	rc = load(file, &pkg, &fs);
	if (rc != M2M_EXIT_OK)
		goto out;
	m2m_saip_fs_walk(&fs, visit, &c);
	if (fflush(stdout) != 0 || ferror(stdout))
		rc = m2m_cli_error(M2M_EXIT_IO, WHAT, "cannot write the output");
out:
	m2m_saip_fs_free(&fs);
	m2m_saip_pkg_free(&pkg);
	return rc;
}

void m2m_saip_cmd_tree_help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp saip tree [--contents] FILE\n"
		"\n"
		"Prints the UICC file system the profile package FILE (DER) installs: MF, DFs,\n"
		"ADFs (under the MF, by their temporary FID, with their AID) and EFs, one per\n"
		"line, indented by level, with FID, name, structure, size (records: count x\n"
		"length) and SFI. Files come from each element's template (its defaults) as the\n"
		"package overrides and fills them, and from genericFileManagement commands.\n"
		"--contents also prints each EF's contents in hex (records one per line).\n"
		"Exit codes: 0 printed, 1 the package does not decode or does not build (the\n"
		"message names the element and the file), 2 usage error, 3 FILE cannot be read.\n");
}
