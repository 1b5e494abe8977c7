/* m2mrsp devices: the sub-verbs (cmd_devices*.c). */
#ifndef M2M_CLI_CMD_DEVICES_H
#define M2M_CLI_CMD_DEVICES_H

#include <stdint.h>
#include <stdio.h>

#include "core/err.h"

int m2m_devices_cmd_init(int argc, char **argv);
void m2m_devices_cmd_init_help(FILE *out);
int m2m_devices_cmd_run(int argc, char **argv);
void m2m_devices_cmd_run_help(FILE *out);
int m2m_devices_cmd_list(int argc, char **argv);
void m2m_devices_cmd_list_help(FILE *out);
int m2m_devices_cmd_show(int argc, char **argv);
void m2m_devices_cmd_show_help(FILE *out);

/* Exit code for a library error: 3 for I/O, 1 otherwise. */
int m2m_devices_exit(m2m_err err);
/* An unsigned decimal option in [min, max]; 0 or M2M_EXIT_USAGE. */
int m2m_devices_opt_u64(const char *what, const char *name, const char *v, uint64_t min,
			uint64_t max, uint64_t *out);

#endif
