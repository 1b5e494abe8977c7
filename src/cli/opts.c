#include "cli/opts.h"

#include <string.h>

#include "cli/cli.h"
#include "core/hex.h"

static m2m_opt *find(m2m_opt *opts, size_t n, const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
			return &opts[i];
	}
	return NULL;
}

static int take_option(const char *what, int argc, char **argv, int *i, m2m_opt *opts, size_t n)
{
	const char *a = argv[*i];
	const char *eq = strchr(a, '=');
	size_t len = eq != NULL ? (size_t)(eq - a) - 2 : strlen(a) - 2;
	m2m_opt *o = find(opts, n, a + 2, len);
	if (o == NULL)
		return m2m_cli_error(M2M_EXIT_USAGE, what, "unknown option '%s'", a);
	if (o->value != NULL)
		return m2m_cli_error(M2M_EXIT_USAGE, what, "--%s given twice", o->name);
	if (o->flag) {
		if (eq != NULL)
			return m2m_cli_error(M2M_EXIT_USAGE, what, "--%s takes no value", o->name);
		o->value = "";
	} else if (eq != NULL) {
		o->value = eq + 1;
	} else if (*i + 1 < argc) {
		o->value = argv[++*i];
	} else {
		return m2m_cli_error(M2M_EXIT_USAGE, what, "--%s needs a value", o->name);
	}
	return 0;
}

int m2m_opts_parse(const char *what, int argc, char **argv, m2m_opt *opts, size_t n,
		   const char **positional, bool positional_required)
{
	if (positional != NULL)
		*positional = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strncmp(a, "--", 2) == 0 && a[2] != '\0') {
			int rc = take_option(what, argc, argv, &i, opts, n);
			if (rc != 0)
				return rc;
		} else if (positional != NULL && *positional == NULL) {
			*positional = a;
		} else {
			return m2m_cli_error(M2M_EXIT_USAGE, what, "unexpected argument '%s'", a);
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (opts[i].required && opts[i].value == NULL)
			return m2m_cli_error(M2M_EXIT_USAGE, what, "missing --%s (try --help)",
					     opts[i].name);
	}
	if (positional != NULL && positional_required && *positional == NULL)
		return m2m_cli_error(M2M_EXIT_USAGE, what, "missing argument (try --help)");
	return 0;
}

const m2m_opt *m2m_opts_get(const m2m_opt *opts, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(opts[i].name, name) == 0)
			return &opts[i];
	}
	return NULL;
}

int m2m_opt_hex(const char *what, const m2m_opt *o, uint8_t *out, size_t want)
{
	if (o->value == NULL)
		return m2m_cli_error(M2M_EXIT_USAGE, what, "missing --%s", o->name);
	if (m2m_hex_decode_exact(o->value, out, want) != M2M_OK)
		return m2m_cli_error(M2M_EXIT_USAGE, what, "--%s needs %zu bytes of hex", o->name,
				     want);
	return 0;
}
