/* The ES1 trust from the configuration (es1.h): the CI, the accepted EUMs with their
 * certificates and transport keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "smsr/eis_keys.h"
#include "smsr/es1.h"

#define EUMS_MAX 64
#define PEM_MAX (64 * 1024)

static m2m_err read_file(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	m2m_buf b;
	uint8_t chunk[4096];
	size_t n;
	m2m_err err = M2M_OK;

	if (f == NULL)
		return M2M_ERR_IO;
	m2m_buf_init(&b);
	while (err == M2M_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		err = b.len + n > PEM_MAX ? M2M_ERR_BOUNDS : m2m_buf_append(&b, chunk, n);
	if (err == M2M_OK && ferror(f))
		err = M2M_ERR_IO;
	fclose(f);
	if (err != M2M_OK) {
		m2m_buf_free(&b);
		return err;
	}
	*out = b.data; /* an owned buffer: handed over */
	*len = b.len;
	return M2M_OK;
}

static char *dup_opt(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static m2m_err load_eum(const m2m_config *cfg, const char *section, m2m_es1_eum *eum,
			char *why, size_t cap)
{
	const char *id = m2m_config_get(cfg, section, "eum_id");
	const char *cert = m2m_config_get(cfg, section, "cert");
	const char *tk = m2m_config_get(cfg, section, "transport_key");
	uint8_t key[M2M_EIS_TK_MAX];
	size_t len = 0;

	if (id == NULL || !m2m_ws_code_valid(id) || cert == NULL) {
		snprintf(why, cap, "[%s]: eum_id (an object identifier) and cert are required",
			 section);
		return M2M_ERR_CONFIG;
	}
	if (read_file(cert, (uint8_t **)&eum->cert_pem, &eum->cert_len) != M2M_OK) {
		snprintf(why, cap, "[%s]: cannot read %s", section, cert);
		return M2M_ERR_IO;
	}
	eum->eum_id = strdup(id);
	eum->caller_id = dup_opt(m2m_config_get(cfg, section, "caller_id"));
	if (tk != NULL) {
		if (m2m_eis_tk_parse(tk, key, &len) != M2M_OK) {
			snprintf(why, cap, "[%s]: transport_key must be 16, 24 or 32 bytes of hex",
				 section);
			return M2M_ERR_CONFIG;
		}
		uint8_t *copy = malloc(len);
		if (copy != NULL)
			memcpy(copy, key, len);
		m2m_wipe(key, sizeof key);
		eum->transport_key = copy;
		eum->transport_key_len = copy != NULL ? len : 0;
	}
	return eum->eum_id != NULL ? M2M_OK : M2M_ERR_NOMEM;
}

m2m_err m2m_es1_trust_load(const m2m_config *cfg, m2m_es1_trust **out, char *why, size_t cap)
{
	m2m_es1_trust *t = calloc(1, sizeof *t);
	m2m_es1_eum *eums = calloc(EUMS_MAX, sizeof *eums);
	const char *ci = m2m_config_get(cfg, "es1", "ci_cert"), *section, *key, *value;
	const char *names[EUMS_MAX];
	size_t pos = 0, n = 0;
	m2m_err err = M2M_ERR_NOMEM;

	*out = NULL;
	if (t == NULL || eums == NULL)
		goto fail;
	t->eums = eums;
	err = M2M_ERR_CONFIG;
	if (ci == NULL) {
		snprintf(why, cap, "[es1] ci_cert is required");
		goto fail;
	}
	if ((err = read_file(ci, (uint8_t **)&t->ci_pem, &t->ci_len)) != M2M_OK) {
		snprintf(why, cap, "[es1] ci_cert: cannot read %s", ci);
		goto fail;
	}
	t->smsr_id = dup_opt(m2m_config_get(cfg, "es1", "smsr_id"));
	/* Each [eum.NAME] section once, in file order. */
	while (m2m_config_next(cfg, &pos, &section, &key, &value)) {
		bool seen = false;

		if (strncmp(section, "eum.", 4) != 0)
			continue;
		for (size_t i = 0; i < n && !seen; i++)
			seen = strcmp(names[i], section) == 0;
		if (seen)
			continue;
		err = M2M_ERR_BOUNDS;
		if (n == EUMS_MAX) {
			snprintf(why, cap, "more than %d EUMs", EUMS_MAX);
			goto fail;
		}
		names[n] = section;
		if ((err = load_eum(cfg, section, &eums[n++], why, cap)) != M2M_OK)
			goto fail;
	}
	t->neums = n;
	*out = t;
	return M2M_OK;
fail:
	if (t != NULL)
		t->neums = n;
	else
		free(eums);
	m2m_es1_trust_free(t);
	return err;
}

void m2m_es1_trust_free(m2m_es1_trust *t)
{
	m2m_es1_eum *eums;

	if (t == NULL)
		return;
	eums = (m2m_es1_eum *)t->eums;
	for (size_t i = 0; eums != NULL && i < t->neums; i++) {
		free((char *)eums[i].eum_id);
		free((char *)eums[i].caller_id);
		free((uint8_t *)eums[i].cert_pem);
		if (eums[i].transport_key != NULL)
			m2m_wipe((uint8_t *)eums[i].transport_key, eums[i].transport_key_len);
		free((uint8_t *)eums[i].transport_key);
	}
	free(eums);
	free((uint8_t *)t->ci_pem);
	free((char *)t->smsr_id);
	free(t);
}
