/* The `m2mrsp saip` sub-verbs, one file each (cmd_saip_*.c); the table is in cmd_saip.c. */
#ifndef M2M_CLI_SAIP_CMDS_H
#define M2M_CLI_SAIP_CMDS_H

#include <stdio.h>

int m2m_saip_cmd_check(int argc, char **argv);
void m2m_saip_cmd_check_help(FILE *out);
int m2m_saip_cmd_decode(int argc, char **argv);
void m2m_saip_cmd_decode_help(FILE *out);
int m2m_saip_cmd_encode(int argc, char **argv);
void m2m_saip_cmd_encode_help(FILE *out);
int m2m_saip_cmd_personalise(int argc, char **argv);
void m2m_saip_cmd_personalise_help(FILE *out);
int m2m_saip_cmd_validate(int argc, char **argv);
void m2m_saip_cmd_validate_help(FILE *out);
int m2m_saip_cmd_tree(int argc, char **argv);
void m2m_saip_cmd_tree_help(FILE *out);

#endif
