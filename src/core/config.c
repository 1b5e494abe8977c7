#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CONFIG_MAX_SIZE (1024 * 1024)

typedef struct {
	char *section;
	char *key;
	char *value;
	unsigned line;
} entry;

struct m2m_config {
	char name[128];
	entry *entries;
	size_t count;
	size_t cap;
	char err[256];
};

static void set_err(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *buf, size_t len, const char *fmt, ...)
{
	if (buf == NULL || len == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

void m2m_config_free(m2m_config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < cfg->count; i++) {
		free(cfg->entries[i].section);
		free(cfg->entries[i].key);
		/* Values may be passwords or master keys. */
		if (cfg->entries[i].value != NULL)
			explicit_bzero(cfg->entries[i].value, strlen(cfg->entries[i].value));
		free(cfg->entries[i].value);
	}
	free(cfg->entries);
	free(cfg);
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static bool valid_name(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (!isalnum((unsigned char)*s) && strchr("_-.:/ ", *s) == NULL)
			return false;
	}
	return true;
}

/* Removes surrounding quotes and the \" and \\ escapes in place. */
static bool unquote(char *v)
{
	size_t n = strlen(v);
	if (n == 0 || v[0] != '"')
		return true;
	if (n < 2 || v[n - 1] != '"')
		return false;
	char *w = v;
	for (size_t i = 1; i < n - 1; i++) {
		if (v[i] == '\\') {
			if (i + 1 >= n - 1 || (v[i + 1] != '"' && v[i + 1] != '\\'))
				return false;
			i++;
		} else if (v[i] == '"') {
			return false;
		}
		*w++ = v[i];
	}
	*w = '\0';
	return true;
}

static m2m_err add_entry(m2m_config *cfg, const char *section, const char *key, const char *value,
			 unsigned line)
{
	if (cfg->count == cfg->cap) {
		size_t cap = cfg->cap ? cfg->cap * 2 : 16;
		entry *e = realloc(cfg->entries, cap * sizeof *e);
		if (e == NULL)
			return M2M_ERR_NOMEM;
		cfg->entries = e;
		cfg->cap = cap;
	}
	entry *e = &cfg->entries[cfg->count];
	e->section = strdup(section);
	e->key = strdup(key);
	e->value = strdup(value);
	e->line = line;
	cfg->count++;
	if (e->section == NULL || e->key == NULL || e->value == NULL)
		return M2M_ERR_NOMEM;
	return M2M_OK;
}

static const entry *find(const m2m_config *cfg, const char *section, const char *key)
{
	for (size_t i = 0; cfg != NULL && i < cfg->count; i++) {
		const entry *e = &cfg->entries[i];
		if (strcmp(e->section, section) == 0 && strcmp(e->key, key) == 0)
			return e;
	}
	return NULL;
}

/* One line; *section is updated by [headers]. */
static m2m_err parse_line(m2m_config *cfg, char *line, unsigned no, char **section, char *errbuf,
			  size_t errlen)
{
	char *s = trim(line);
	if (*s == '\0' || *s == '#' || *s == ';')
		return M2M_OK;
	if (*s == '[') {
		char *end = strchr(s, ']');
		if (end == NULL || *trim(end + 1) != '\0') {
			set_err(errbuf, errlen, "%s:%u: section header must be [name]", cfg->name, no);
			return M2M_ERR_CONFIG;
		}
		*end = '\0';
		char *name = trim(s + 1);
		if (!valid_name(name)) {
			set_err(errbuf, errlen, "%s:%u: invalid section name '%s'", cfg->name, no, name);
			return M2M_ERR_CONFIG;
		}
		*section = name;
		return M2M_OK;
	}
	char *eq = strchr(s, '=');
	if (eq == NULL) {
		set_err(errbuf, errlen, "%s:%u: expected 'key = value' or '[section]'", cfg->name, no);
		return M2M_ERR_CONFIG;
	}
	*eq = '\0';
	char *key = trim(s), *value = trim(eq + 1);
	if (!valid_name(key) || strchr(key, ' ') != NULL) {
		set_err(errbuf, errlen, "%s:%u: invalid key '%s'", cfg->name, no, key);
		return M2M_ERR_CONFIG;
	}
	if (!unquote(value)) {
		set_err(errbuf, errlen, "%s:%u: unterminated or malformed quoted value for '%s'",
			cfg->name, no, key);
		return M2M_ERR_CONFIG;
	}
	const entry *dup = find(cfg, *section, key);
	if (dup != NULL) {
		set_err(errbuf, errlen, "%s:%u: '%s' already set in [%s] at line %u", cfg->name, no,
			key, *section, dup->line);
		return M2M_ERR_CONFIG;
	}
	return add_entry(cfg, *section, key, value, no);
}

m2m_err m2m_config_parse(const char *text, size_t len, const char *name, m2m_config **out,
			 char *errbuf, size_t errlen)
{
	m2m_err err = M2M_OK;
	char *copy = NULL;
	m2m_config *cfg = calloc(1, sizeof *cfg);
	*out = NULL;
	if (cfg == NULL)
		return M2M_ERR_NOMEM;
	snprintf(cfg->name, sizeof cfg->name, "%s", name != NULL ? name : "config");
	if (len > CONFIG_MAX_SIZE || memchr(text, '\0', len) != NULL) {
		set_err(errbuf, errlen, "%s: too large or not a text file", cfg->name);
		err = M2M_ERR_CONFIG;
		goto out;
	}
	copy = malloc(len + 1);
	if (copy == NULL) {
		err = M2M_ERR_NOMEM;
		goto out;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	char empty[] = "";
	char *section = empty;
	unsigned no = 0;
	for (char *line = copy, *next; line != NULL && err == M2M_OK; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		err = parse_line(cfg, line, ++no, &section, errbuf, errlen);
	}
out:
	if (copy != NULL)
		explicit_bzero(copy, len);
	free(copy);
	if (err == M2M_OK)
		*out = cfg;
	else
		m2m_config_free(cfg);
	return err;
}

m2m_err m2m_config_load(const char *path, m2m_config **cfg, char *errbuf, size_t errlen)
{
	m2m_err err = M2M_OK;
	char *text = NULL;
	size_t len = 0;
	*cfg = NULL;
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		set_err(errbuf, errlen, "%s: %s", path, strerror(errno));
		return M2M_ERR_IO;
	}
	text = malloc(CONFIG_MAX_SIZE + 1);
	if (text == NULL) {
		err = M2M_ERR_NOMEM;
		goto out;
	}
	len = fread(text, 1, CONFIG_MAX_SIZE + 1, f);
	if (ferror(f)) {
		set_err(errbuf, errlen, "%s: read error", path);
		err = M2M_ERR_IO;
		goto out;
	}
	err = m2m_config_parse(text, len, path, cfg, errbuf, errlen);
out:
	if (text != NULL)
		explicit_bzero(text, len);
	free(text);
	fclose(f);
	return err;
}

const char *m2m_config_get(const m2m_config *cfg, const char *section, const char *key)
{
	const entry *e = find(cfg, section != NULL ? section : "", key);
	return e != NULL ? e->value : NULL;
}

const char *m2m_config_get_str(const m2m_config *cfg, const char *section, const char *key,
			       const char *def)
{
	const char *v = m2m_config_get(cfg, section, key);
	return v != NULL ? v : def;
}

m2m_err m2m_config_get_int(m2m_config *cfg, const char *section, const char *key, long long def,
			   long long min, long long max, long long *out)
{
	const entry *e = find(cfg, section != NULL ? section : "", key);
	if (e == NULL) {
		*out = def;
		return M2M_OK;
	}
	char *end;
	errno = 0;
	long long v = strtoll(e->value, &end, 0);
	if (errno != 0 || end == e->value || *end != '\0' || v < min || v > max) {
		set_err(cfg->err, sizeof cfg->err,
			"%s:%u: [%s] %s = '%s': expected an integer from %lld to %lld", cfg->name,
			e->line, e->section, key, e->value, min, max);
		return M2M_ERR_CONFIG;
	}
	*out = v;
	return M2M_OK;
}

m2m_err m2m_config_get_bool(m2m_config *cfg, const char *section, const char *key, bool def,
			    bool *out)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};
	const entry *e = find(cfg, section != NULL ? section : "", key);
	if (e == NULL) {
		*out = def;
		return M2M_OK;
	}
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (strcasecmp(e->value, yes[i]) == 0 || strcasecmp(e->value, no[i]) == 0) {
			*out = strcasecmp(e->value, yes[i]) == 0;
			return M2M_OK;
		}
	}
	set_err(cfg->err, sizeof cfg->err, "%s:%u: [%s] %s = '%s': expected true or false",
		cfg->name, e->line, e->section, key, e->value);
	return M2M_ERR_CONFIG;
}

bool m2m_config_next(const m2m_config *cfg, size_t *pos, const char **section, const char **key,
		     const char **value)
{
	if (cfg == NULL || *pos >= cfg->count)
		return false;
	const entry *e = &cfg->entries[(*pos)++];
	*section = e->section;
	*key = e->key;
	*value = e->value;
	return true;
}

const char *m2m_config_error(const m2m_config *cfg)
{
	return cfg != NULL ? cfg->err : "";
}
