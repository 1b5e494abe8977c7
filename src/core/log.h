/* Logger: levels, plain text or JSON lines, one line per record, to a FILE (stderr by default). */
#ifndef M2M_CORE_LOG_H
#define M2M_CORE_LOG_H

#include <stdbool.h>
#include <stdio.h>

#include "core/err.h"

typedef enum {
	M2M_LOG_DEBUG,
	M2M_LOG_INFO,
	M2M_LOG_WARN,
	M2M_LOG_ERROR,
	M2M_LOG_OFF,
} m2m_log_level;

typedef enum {
	M2M_LOG_PLAIN, /* 2026-11-23T18:00:00.123Z info  smsr: message */
	M2M_LOG_JSON,  /* {"ts":"...","level":"info","component":"smsr","msg":"..."} */
} m2m_log_format;

void m2m_log_setup(m2m_log_level level, m2m_log_format format, FILE *out);
m2m_log_level m2m_log_get_level(void);
/* Parses "debug", "info", "warn", "error", "off" and "plain"/"json". */
m2m_err m2m_log_level_parse(const char *s, m2m_log_level *level);
m2m_err m2m_log_format_parse(const char *s, m2m_log_format *format);
const char *m2m_log_level_name(m2m_log_level level);

void m2m_log(m2m_log_level level, const char *component, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define m2m_debug(comp, ...) m2m_log(M2M_LOG_DEBUG, comp, __VA_ARGS__)
#define m2m_info(comp, ...) m2m_log(M2M_LOG_INFO, comp, __VA_ARGS__)
#define m2m_warn(comp, ...) m2m_log(M2M_LOG_WARN, comp, __VA_ARGS__)
#define m2m_error(comp, ...) m2m_log(M2M_LOG_ERROR, comp, __VA_ARGS__)

#endif
