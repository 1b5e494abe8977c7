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

/* Where a daemon keeps its [es] section (the ES endpoint): listen (HOST:PORT), cert, key, ca,
 * address, allow_without_cert. The strings are cap bytes each. */
typedef struct {
	char *host, *cert, *key, *ca, *address;
	size_t cap;
	uint16_t *port;
	bool *allow_without_cert;
} m2m_cfg_es_fields;
/* Declares const m2m_cfg_es_fields name over a daemon configuration cfg that names them
 * es_host, es_port, es_cert, es_key, es_ca, es_address and allow_without_cert (the SM-SR's
 * and the SM-DP's); one cap serves every string, so their one size is checked here. */
#define M2M_CFG_ES_FIELDS(name, cfg)                                                        \
	_Static_assert(sizeof (cfg)->es_host == sizeof (cfg)->es_cert &&                     \
			       sizeof (cfg)->es_key == sizeof (cfg)->es_cert &&              \
			       sizeof (cfg)->es_ca == sizeof (cfg)->es_cert &&               \
			       sizeof (cfg)->es_address == sizeof (cfg)->es_cert,            \
		       "[es] strings share one size");                                      \
	const m2m_cfg_es_fields name = {                                                    \
		.host = (cfg)->es_host, .cert = (cfg)->es_cert, .key = (cfg)->es_key,         \
		.ca = (cfg)->es_ca, .address = (cfg)->es_address, .cap = sizeof (cfg)->es_cert, \
		.port = &(cfg)->es_port, .allow_without_cert = &(cfg)->allow_without_cert,    \
	}
/* Reads [es] (listen defaults to def_listen): TLS needs cert, key and ca together; without
 * them only allow_without_cert = true (tests) is accepted. */
m2m_err m2m_cfg_read_es(m2m_config *c, const char *def_listen, const m2m_cfg_es_fields *f,
			char *errbuf, size_t errlen);

/* Reads an INI (from the file path, or when path is NULL from text/len) and hands it to
 * load(c, cfg, errbuf, errlen), which fills the daemon's configuration: the parse-or-load
 * frame both daemons' m2m_*_cfg_parse/_load use. */
typedef m2m_err (*m2m_cfg_loader)(m2m_config *c, void *cfg, char *errbuf, size_t errlen);
m2m_err m2m_cfg_read(const char *path, const char *text, size_t len, m2m_cfg_loader load,
		     void *cfg, char *errbuf, size_t errlen);

#endif
