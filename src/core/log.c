#include "core/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static struct {
	m2m_log_level level;
	m2m_log_format format;
	FILE *out;
	pthread_mutex_t lock;
} state = {M2M_LOG_INFO, M2M_LOG_PLAIN, NULL, PTHREAD_MUTEX_INITIALIZER};

static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};

void m2m_log_setup(m2m_log_level level, m2m_log_format format, FILE *out)
{
	pthread_mutex_lock(&state.lock);
	state.level = level;
	state.format = format;
	state.out = out;
	pthread_mutex_unlock(&state.lock);
}

m2m_log_level m2m_log_get_level(void)
{
	return state.level;
}

const char *m2m_log_level_name(m2m_log_level level)
{
	return (unsigned)level <= M2M_LOG_OFF ? level_names[level] : "?";
}

m2m_err m2m_log_level_parse(const char *s, m2m_log_level *level)
{
	for (unsigned i = 0; s != NULL && i <= M2M_LOG_OFF; i++) {
		if (strcasecmp(s, level_names[i]) == 0) {
			*level = (m2m_log_level)i;
			return M2M_OK;
		}
	}
	return M2M_ERR_ARG;
}

m2m_err m2m_log_format_parse(const char *s, m2m_log_format *format)
{
	if (s != NULL && strcasecmp(s, "plain") == 0)
		*format = M2M_LOG_PLAIN;
	else if (s != NULL && strcasecmp(s, "json") == 0)
		*format = M2M_LOG_JSON;
	else
		return M2M_ERR_ARG;
	return M2M_OK;
}

static void timestamp(char out[32])
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

/* JSON string body: escapes quotes, backslashes and control characters. */
static void json_escape(FILE *out, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
}

/* Plain lines must stay one line: control characters become '?'. */
static void plain_clean(char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
	}
}

void m2m_log(m2m_log_level level, const char *component, const char *fmt, ...)
{
	if (level < state.level || level >= M2M_LOG_OFF)
		return;
	char msg[1024], ts[32];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	timestamp(ts);
	if (component == NULL)
		component = "m2mrsp";

	pthread_mutex_lock(&state.lock);
	FILE *out = state.out != NULL ? state.out : stderr;
	if (state.format == M2M_LOG_JSON) {
		fprintf(out, "{\"ts\":\"%s\",\"level\":\"%s\",\"component\":\"", ts, level_names[level]);
		json_escape(out, component);
		fputs("\",\"msg\":\"", out);
		json_escape(out, msg);
		fputs("\"}\n", out);
	} else {
		plain_clean(msg);
		fprintf(out, "%s %-5s %s: %s\n", ts, level_names[level], component, msg);
	}
	fflush(out);
	pthread_mutex_unlock(&state.lock);
}
