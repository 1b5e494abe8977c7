/* m2mrsp tlv decode HEX: pretty-prints a BER-TLV tree. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/hex.h"
#include "core/tlv.h"

static void decode_help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp tlv decode [--der] HEX\n"
		"\n"
		"Prints the BER-TLV tree held in HEX (one or more TLVs): tag, length and, for primitive\n"
		"TLVs, the value in hex. Tags of 1-3 bytes, definite lengths of up to 4 bytes and the\n"
		"indefinite form (80 ... 00 00) are understood; the contents of the TS 102 226 C-APDU\n"
		"and R-APDU tags 22 and 23 are printed as data. --der accepts minimal definite lengths\n"
		"only. Malformed input exits 1 with the offset of the faulty byte.\n");
}

static int decode_run(int argc, char **argv)
{
	unsigned flags = M2M_TLV_BER;
	const char *hex = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--der") == 0)
			flags |= M2M_TLV_DER;
		else if (hex == NULL && (argv[i][0] != '-' || argv[i][1] == '\0'))
			hex = argv[i];
		else
			return m2m_cli_error(M2M_EXIT_USAGE, "tlv decode", "unexpected argument '%s'", argv[i]);
	}
	if (hex == NULL)
		return m2m_cli_error(M2M_EXIT_USAGE, "tlv decode", "missing HEX (try --help)");

	int rc = M2M_EXIT_OK;
	m2m_buf in, out;
	m2m_buf_init(&in);
	m2m_buf_init(&out);
	size_t off = 0;
	m2m_err err = m2m_hex_decode_buf(hex, &in);
	if (err != M2M_OK) {
		rc = m2m_cli_error(M2M_EXIT_USAGE, "tlv decode", "HEX: %s", m2m_strerror(err));
		goto out;
	}
	if (in.len == 0) {
		rc = m2m_cli_error(M2M_EXIT_FAILED, "tlv decode", "no TLV in empty input");
		goto out;
	}
	err = m2m_tlv_dump(in.data, in.len, flags, &out, &off);
	if (err != M2M_OK) {
		rc = m2m_cli_error(M2M_EXIT_FAILED, "tlv decode", "malformed TLV at byte offset %zu: %s",
				   off, m2m_strerror(err));
		goto out;
	}
	fwrite(out.data, 1, out.len, stdout);
out:
	m2m_buf_free(&in);
	m2m_buf_free(&out);
	return rc;
}

static const m2m_verb tlv_verbs[] = {
	{"decode", "pretty-print a BER-TLV tree given in hex", decode_run, decode_help, NULL},
	{NULL, NULL, NULL, NULL, NULL},
};

const m2m_verb m2m_verb_tlv = {"tlv", "BER-TLV tools (decode)", NULL, NULL, tlv_verbs};
