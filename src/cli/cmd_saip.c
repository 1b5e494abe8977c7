/* m2mrsp saip: profile package tools (ARCHITECTURE.md section 6). */
#include "cli/cli.h"
#include "cli/saip_cmds.h"

static const m2m_verb saip_verbs[] = {
	{"check", "decode and re-encode packages, exit 0 only if byte-identical",
	 m2m_saip_cmd_check, m2m_saip_cmd_check_help, NULL},
	{"decode", "print a package as JSON", m2m_saip_cmd_decode, m2m_saip_cmd_decode_help, NULL},
	{"encode", "build a package (DER) from its JSON", m2m_saip_cmd_encode,
	 m2m_saip_cmd_encode_help, NULL},
	{"personalise", "set ICCID, IMSI, keys, PINs and OTA keys in a package",
	 m2m_saip_cmd_personalise, m2m_saip_cmd_personalise_help, NULL},
	{"validate", "check packages against the SAIP rules, with the reasons",
	 m2m_saip_cmd_validate, m2m_saip_cmd_validate_help, NULL},
	{"tree", "print the file system a package installs", m2m_saip_cmd_tree,
	 m2m_saip_cmd_tree_help, NULL},
	{NULL, NULL, NULL, NULL, NULL},
};

const m2m_verb m2m_verb_saip = {"saip", "SAIP profile packages: check, decode, encode, personalise, validate, tree",
				NULL, NULL, saip_verbs};
