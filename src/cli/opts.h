/* Option parsing shared by the CLI verbs: "--name VALUE" or "--name=VALUE", flags without a
 * value, at most one positional argument. */
#ifndef M2M_CLI_OPTS_H
#define M2M_CLI_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
	const char *name;  /* without the leading "--" */
	bool required;
	bool flag;         /* takes no value; value becomes "" when given */
	const char *value; /* NULL when absent */
} m2m_opt;

/* Table entries: a required option, an optional one, a flag. */
#define M2M_OPT_REQ(n) {.name = (n), .required = true}
#define M2M_OPT(n) {.name = (n)}
#define M2M_FLAG(n) {.name = (n), .flag = true}

/* Fills opts from argv (argv[0] is the verb). positional NULL: none allowed; otherwise it
 * gets the positional argument (which may be ""), required when positional_required.
 * Returns 0, or prints the usage error and returns M2M_EXIT_USAGE. */
int m2m_opts_parse(const char *what, int argc, char **argv, m2m_opt *opts, size_t n,
		   const char **positional, bool positional_required);
/* The option called name (it must be in the table). */
const m2m_opt *m2m_opts_get(const m2m_opt *opts, size_t n, const char *name);
/* Exactly want bytes of hex from an option that is present; 0 or M2M_EXIT_USAGE. */
int m2m_opt_hex(const char *what, const m2m_opt *o, uint8_t *out, size_t want);

#endif
