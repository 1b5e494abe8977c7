/* Typed reads of configuration values with the daemons' error texts (core/config_read.h). */
#include "core/config_read.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

m2m_err m2m_cfg_fail(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
	return M2M_ERR_CONFIG;
}

bool m2m_cfg_oid_ok(const char *s)
{
	bool digit = false;

	if (s == NULL)
		return false;
	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			digit = true;
		else if (*s == '.' && digit)
			digit = false;
		else
			return false;
	}
	return digit;
}

bool m2m_cfg_url_ok(const char *s)
{
	return s != NULL && (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0);
}

bool m2m_cfg_key_listed(const char *const *known, const char *section, const char *key)
{
	size_t sl = strlen(section);

	for (size_t i = 0; known[i] != NULL; i++)
		if (strncmp(known[i], section, sl) == 0 && known[i][sl] == '.' &&
		    strcmp(known[i] + sl + 1, key) == 0)
			return true;
	return false;
}

m2m_err m2m_cfg_str(const m2m_config *c, const char *sec, const char *key, char *dst,
		    size_t cap, bool required, char *errbuf, size_t errlen)
{
	const char *v = m2m_config_get(c, sec, key);

	if (v == NULL || v[0] == '\0') {
		if (required)
			return m2m_cfg_fail(errbuf, errlen, "[%s] %s is required", sec, key);
		return M2M_OK;
	}
	if (strlen(v) >= cap)
		return m2m_cfg_fail(errbuf, errlen, "[%s] %s: longer than %zu characters", sec,
				    key, cap - 1);
	memcpy(dst, v, strlen(v) + 1);
	return M2M_OK;
}

m2m_err m2m_cfg_num(m2m_config *c, const char *sec, const char *key, long long def,
		    long long min, long long max, unsigned *out, char *errbuf, size_t errlen)
{
	long long v;

	if (m2m_config_get_int(c, sec, key, def, min, max, &v) != M2M_OK)
		return m2m_cfg_fail(errbuf, errlen, "%s", m2m_config_error(c));
	*out = (unsigned)v;
	return M2M_OK;
}

m2m_err m2m_cfg_host_port(const char *v, char *host, size_t cap, uint16_t *port,
			  const char *what, char *errbuf, size_t errlen)
{
	const char *colon = strrchr(v, ':');
	char *end;
	unsigned long p;

	if (colon == NULL || colon == v || (size_t)(colon - v) >= cap)
		return m2m_cfg_fail(errbuf, errlen, "%s = '%s': expected HOST:PORT", what, v);
	p = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || p > 65535)
		return m2m_cfg_fail(errbuf, errlen, "%s = '%s': bad port", what, v);
	memcpy(host, v, (size_t)(colon - v));
	host[colon - v] = '\0';
	*port = (uint16_t)p;
	return M2M_OK;
}

m2m_err m2m_cfg_read(const char *path, const char *text, size_t len, m2m_cfg_loader load,
		     void *cfg, char *errbuf, size_t errlen)
{
	m2m_config *c = NULL;
	m2m_err err = path != NULL ? m2m_config_load(path, &c, errbuf, errlen)
				   : m2m_config_parse(text, len, "config", &c, errbuf, errlen);

	if (err != M2M_OK)
		return err;
	err = load(c, cfg, errbuf, errlen);
	m2m_config_free(c);
	return err;
}

m2m_err m2m_cfg_read_es(m2m_config *c, const char *def_listen, const m2m_cfg_es_fields *f,
			char *errbuf, size_t errlen)
{
	m2m_err err;
	bool any, all;

	if ((err = m2m_cfg_host_port(m2m_config_get_str(c, "es", "listen", def_listen), f->host,
				     f->cap, f->port, "[es] listen", errbuf, errlen)) ||
	    (err = m2m_cfg_str(c, "es", "cert", f->cert, f->cap, false, errbuf, errlen)) ||
	    (err = m2m_cfg_str(c, "es", "key", f->key, f->cap, false, errbuf, errlen)) ||
	    (err = m2m_cfg_str(c, "es", "ca", f->ca, f->cap, false, errbuf, errlen)) ||
	    (err = m2m_cfg_str(c, "es", "address", f->address, f->cap, false, errbuf, errlen)))
		return err;
	if (m2m_config_get_bool(c, "es", "allow_without_cert", false, f->allow_without_cert))
		return m2m_cfg_fail(errbuf, errlen, "%s", m2m_config_error(c));
	any = f->cert[0] || f->key[0] || f->ca[0];
	all = f->cert[0] && f->key[0] && f->ca[0];
	if (any && !all)
		return m2m_cfg_fail(errbuf, errlen, "[es] cert, key and ca go together");
	if (!all && !*f->allow_without_cert)
		return m2m_cfg_fail(errbuf, errlen,
				    "[es] cert, key and ca are required (or allow_without_cert = true)");
	return M2M_OK;
}
