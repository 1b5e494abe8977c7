#include <stdarg.h>
#include <string.h>

#include "cli/cli.h"

void m2m_cli_print_verbs(FILE *out, const m2m_verb *verbs)
{
	for (const m2m_verb *v = verbs; v->name != NULL; v++)
		fprintf(out, "  %-12s %s\n", v->name, v->summary);
}

int m2m_cli_error(int code, const char *what, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "m2mrsp: %s: ", what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int m2m_cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
	}
	return 0;
}

/* argv[0] is the verb to look up in `verbs`. A verb with sub-verbs dispatches again. */
int m2m_cli_dispatch(const char *prog, const m2m_verb *verbs, int argc, char **argv)
{
	if (argc < 1)
		return m2m_cli_error(M2M_EXIT_USAGE, prog, "missing verb (try --help)");
	for (const m2m_verb *v = verbs; v->name != NULL; v++) {
		if (strcmp(v->name, argv[0]) != 0)
			continue;
		if (v->sub != NULL) {
			if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
				FILE *out = argc < 2 ? stderr : stdout;
				fprintf(out, "usage: %s %s VERB [ARGS...]\n\n%s\n\nverbs:\n", prog, v->name,
					v->summary);
				m2m_cli_print_verbs(out, v->sub);
				return argc < 2 ? M2M_EXIT_USAGE : M2M_EXIT_OK;
			}
			char sub_prog[128];
			snprintf(sub_prog, sizeof sub_prog, "%s %s", prog, v->name);
			return m2m_cli_dispatch(sub_prog, v->sub, argc - 1, argv + 1);
		}
		if (m2m_cli_wants_help(argc, argv)) {
			if (v->help != NULL)
				v->help(stdout);
			else
				printf("usage: %s %s\n\n%s\n", prog, v->name, v->summary);
			return M2M_EXIT_OK;
		}
		return v->run(argc, argv);
	}
	return m2m_cli_error(M2M_EXIT_USAGE, prog, "unknown verb '%s' (try --help)", argv[0]);
}
