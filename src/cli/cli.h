/* The m2mrsp verb table and the exit codes of ARCHITECTURE.md section 6. */
#ifndef M2M_CLI_CLI_H
#define M2M_CLI_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"

enum {
	M2M_EXIT_OK = 0,      /* success */
	M2M_EXIT_FAILED = 1,  /* the operation failed (ES status Failed or Expired) */
	M2M_EXIT_USAGE = 2,   /* usage error */
	M2M_EXIT_IO = 3,      /* connection or I/O error */
};

typedef struct m2m_verb {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv); /* argv[0] is the verb name */
	void (*help)(FILE *out);
	const struct m2m_verb *sub; /* sub-verbs ("tlv decode"), NULL-name terminated */
} m2m_verb;

/* Runs the verb table `verbs` on argv (argv[0] is the name of the enclosing command). */
int m2m_cli_dispatch(const char *prog, const m2m_verb *verbs, int argc, char **argv);
void m2m_cli_print_verbs(FILE *out, const m2m_verb *verbs);
/* Prints "m2mrsp: <what>: <message>" to stderr and returns the exit code. */
int m2m_cli_error(int code, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prints p as one line of lower-case hex; M2M_EXIT_IO if standard output fails. */
int m2m_cli_print_hex_line(const char *what, const uint8_t *p, size_t n);
/* True if argv holds -h or --help. */
int m2m_cli_wants_help(int argc, char **argv);

/* Top-level verbs, one file each. */
extern const m2m_verb m2m_verb_version;
extern const m2m_verb m2m_verb_tlv;
extern const m2m_verb m2m_verb_ota;
extern const m2m_verb m2m_verb_scp03t;
extern const m2m_verb m2m_verb_saip;
extern const m2m_verb m2m_verb_pki;
extern const m2m_verb m2m_verb_eis;
extern const m2m_verb m2m_verb_bench;
extern const m2m_verb m2m_verb_devices;
extern const m2m_verb m2m_verb_fleet;
extern const m2m_verb m2m_verb_smsr;
extern const m2m_verb m2m_verb_smdp;
extern const m2m_verb m2m_verb_demo;

#endif
