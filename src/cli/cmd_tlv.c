/* m2mrsp tlv decode HEX: pretty-prints a BER-TLV tree. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/hex.h"
#include "core/tlv.h"

static void decode_help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp tlv decode [--der] HEX...\n"
		"\n"
		"Prints the BER-TLV tree held in HEX (one or more TLVs; several HEX arguments are\n"
		"joined): tag, length and, for primitive TLVs, the value in hex. Tags of 1-3 bytes,\n"
		"definite lengths of up to 4 bytes and the indefinite form (80 ... 00 00) are\n"
		"understood; the contents of the TS 102 226 C-APDU and R-APDU tags 22 and 23 are\n"
		"printed as data. --der accepts minimal definite lengths only. Malformed input\n"
		"exits 1 with the offset of the faulty byte.\n");
}

static int decode_run(int argc, char **argv)
{
	int rc = M2M_EXIT_OK;
	unsigned flags = M2M_TLV_BER;
	m2m_buf in, out;
	m2m_buf_init(&in);
	m2m_buf_init(&out);
	size_t off = 0;
	int parts = 0;
	/* Several HEX arguments are concatenated, so spaced dumps can be pasted as they are. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--der") == 0) {
			flags |= M2M_TLV_DER;
			continue;
		}
		if (argv[i][0] == '-') {
			rc = m2m_cli_error(M2M_EXIT_USAGE, "tlv decode", "unknown option '%s'", argv[i]);
			goto out;
		}
		m2m_err err = m2m_hex_decode_buf(argv[i], &in);
		if (err != M2M_OK) {
			rc = m2m_cli_error(M2M_EXIT_USAGE, "tlv decode", "'%s': %s", argv[i],
					   m2m_strerror(err));
			goto out;
		}
		parts++;
	}
	if (parts == 0) {
		rc = m2m_cli_error(M2M_EXIT_USAGE, "tlv decode", "missing HEX (try --help)");
		goto out;
	}
	if (in.len == 0) {
		rc = m2m_cli_error(M2M_EXIT_FAILED, "tlv decode", "no TLV in empty input");
		goto out;
	}
	m2m_err err = m2m_tlv_dump(in.data, in.len, flags, &out, &off);
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
