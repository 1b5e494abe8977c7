/*
 * Reading a daemon's INI configuration (core/config.h) into fixed fields, with the error
 * text the daemons print ("[es] cert is required"): what the SM-SR's and the SM-DP's
 * configuration loaders share.
 */
#ifndef M2M_CORE_CONFIG_READ_H
#define M2M_CORE_CONFIG_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"

/* Writes the message into errbuf and returns M2M_ERR_CONFIG. */
m2m_err m2m_cfg_fail(char *errbuf, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The schema's ObjectIdentifierType: ([0-9]+.)*[0-9]+ (NULL is not one). */
bool m2m_cfg_oid_ok(const char *s);
/* An http:// or https:// URL. */
bool m2m_cfg_url_ok(const char *s);
/* "section.key" is in the NULL-terminated list. */
bool m2m_cfg_key_listed(const char *const *known, const char *section, const char *key);

/* Copies the value into dst (cap bytes with the NUL); absent or empty: an error when
 * required, else dst is left as it is. A value too long for dst is an error. */
m2m_err m2m_cfg_str(const m2m_config *c, const char *sec, const char *key, char *dst,
		    size_t cap, bool required, char *errbuf, size_t errlen);
/* An integer within [min, max], def when absent. */
m2m_err m2m_cfg_num(m2m_config *c, const char *sec, const char *key, long long def,
		    long long min, long long max, unsigned *out, char *errbuf, size_t errlen);
/* HOST:PORT (IPv4 or a name; port 0 = ephemeral); what names the key in the message. */
m2m_err m2m_cfg_host_port(const char *v, char *host, size_t cap, uint16_t *port,
			  const char *what, char *errbuf, size_t errlen);

#endif
