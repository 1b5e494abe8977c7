/* m2mrsp version */
#include <openssl/opensslv.h>
#include <stdio.h>

#include "cli/cli.h"

static int run(int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return m2m_cli_error(M2M_EXIT_USAGE, "version", "takes no arguments");
	printf("m2mrsp %s (OpenSSL %s)\n", M2MRSP_VERSION, OPENSSL_VERSION_STR);
	return M2M_EXIT_OK;
}

static void help(FILE *out)
{
	fprintf(out, "usage: m2mrsp version\n\nPrints the m2mrsp version and the OpenSSL it was built with.\n");
}

const m2m_verb m2m_verb_version = {"version", "print the version", run, help, NULL};
