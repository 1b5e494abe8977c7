/*
 * INI-style configuration for the daemons:
 *   # comment        ; comment
 *   [section]
 *   key = value      key = "quoted value with \" and \\"
 * Keys before the first section belong to section "". A repeated key in one section, a line
 * that is neither, or a file over 1 MiB is an error naming the line.
 */
#ifndef M2M_CORE_CONFIG_H
#define M2M_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

typedef struct m2m_config m2m_config;

/* On error, *cfg is NULL and the message ("FILE:LINE: ...") is left in errbuf. */
m2m_err m2m_config_load(const char *path, m2m_config **cfg, char *errbuf, size_t errlen);
m2m_err m2m_config_parse(const char *text, size_t len, const char *name, m2m_config **cfg,
			 char *errbuf, size_t errlen);
void m2m_config_free(m2m_config *cfg);

/* NULL when absent. */
const char *m2m_config_get(const m2m_config *cfg, const char *section, const char *key);
const char *m2m_config_get_str(const m2m_config *cfg, const char *section, const char *key,
			       const char *def);
/* Absent: *out = def. Present but not an integer in [min, max]: M2M_ERR_CONFIG and a message
 * from m2m_config_error(). */
m2m_err m2m_config_get_int(m2m_config *cfg, const char *section, const char *key, long long def,
			   long long min, long long max, long long *out);
/* true/false, yes/no, on/off, 1/0. */
m2m_err m2m_config_get_bool(m2m_config *cfg, const char *section, const char *key, bool def,
			    bool *out);
/* Walks every entry in file order: returns false when done. *pos starts at 0. */
bool m2m_config_next(const m2m_config *cfg, size_t *pos, const char **section, const char **key,
		     const char **value);
const char *m2m_config_error(const m2m_config *cfg);

#endif
