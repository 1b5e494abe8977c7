/* m2mrsp: the multi-call binary (daemons, client verbs and offline tools). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const m2m_verb *const top[] = {
	&m2m_verb_version,
	&m2m_verb_tlv,
	&m2m_verb_ota,
	&m2m_verb_scp03t,
	&m2m_verb_saip,
	&m2m_verb_pki,
	&m2m_verb_eis,
	&m2m_verb_bench,
	&m2m_verb_devices,
	&m2m_verb_fleet,
	&m2m_verb_smsr,
	&m2m_verb_smdp,
	&m2m_verb_demo,
	NULL,
};

static m2m_verb table[sizeof top / sizeof top[0]];

static void usage(FILE *out)
{
	fprintf(out,
		"m2mrsp: GSMA SGP.02 M2M Remote SIM Provisioning (SM-SR, SM-DP, software eUICC, tools)\n"
		"\n"
		"usage: m2mrsp [--help] VERB [ARGS...]\n"
		"       m2mrsp VERB --help\n"
		"\n"
		"verbs:\n");
	m2m_cli_print_verbs(out, table);
	fprintf(out,
		"\n"
		"exit codes: 0 success, 1 operation failed, 2 usage error, 3 connection or I/O error\n");
}

int main(int argc, char **argv)
{
	for (size_t i = 0; top[i] != NULL; i++)
		table[i] = *top[i];
	if (argc < 2) {
		usage(stderr);
		return M2M_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return M2M_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0)
		return m2m_verb_version.run(1, argv + 1);
	return m2m_cli_dispatch("m2mrsp", table, argc - 1, argv + 1);
}
