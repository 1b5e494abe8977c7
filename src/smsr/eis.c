/* The EIS value: life cycle, lists and schema names (eis.h). */
#include "smsr/eis.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bounds on the lists of one EIS (an eUICC holds a handful of profiles). */
#define PROFILES_MAX 256
#define AUDIT_MAX 4096
#define PROPS_MAX 256

void m2m_eis_init(m2m_eis *e)
{
	memset(e, 0, sizeof *e);
	m2m_buf_init(&e->signed_info);
	m2m_buf_init(&e->signature);
}

static void sd_clear(m2m_eis_sd *sd)
{
	for (size_t i = 0; i < M2M_EIS_KEYSETS_MAX; i++)
		for (size_t j = 0; j < M2M_EIS_CERTS_MAX; j++)
			free(sd->keysets[i].certs[j].value);
	m2m_wipe(sd, sizeof *sd);
}

void m2m_eis_clear(m2m_eis *e)
{
	if (e == NULL)
		return;
	sd_clear(&e->ecasd);
	sd_clear(&e->isdr);
	m2m_buf_free(&e->signed_info);
	m2m_buf_free(&e->signature);
	free(e->profiles);
	free(e->audit);
	for (size_t i = 0; i < e->nprops; i++) {
		free(e->props[i].key);
		free(e->props[i].value);
	}
	free(e->props);
	m2m_eis_init(e);
}

/* Grows *arr (of size elements) by one zeroed element. */
static m2m_err grow(void **arr, size_t *n, size_t size, size_t max, void **out)
{
	if (*n >= max)
		return M2M_ERR_BOUNDS;
	uint8_t *p = realloc(*arr, (*n + 1) * size);
	if (p == NULL)
		return M2M_ERR_NOMEM;
	memset(p + *n * size, 0, size);
	*arr = p;
	*out = p + *n * size;
	(*n)++;
	return M2M_OK;
}

m2m_err m2m_eis_add_profile(m2m_eis *e, m2m_eis_profile **p)
{
	return grow((void **)&e->profiles, &e->nprofiles, sizeof **p, PROFILES_MAX, (void **)p);
}

m2m_err m2m_eis_add_audit(m2m_eis *e, m2m_eis_audit **a)
{
	return grow((void **)&e->audit, &e->naudit, sizeof **a, AUDIT_MAX, (void **)a);
}

m2m_err m2m_eis_add_property(m2m_eis *e, const char *key, const char *value)
{
	m2m_eis_property *p;
	char *k = strdup(key), *v = strdup(value);
	m2m_err err = k != NULL && v != NULL ? M2M_OK : M2M_ERR_NOMEM;

	if (err == M2M_OK)
		err = grow((void **)&e->props, &e->nprops, sizeof *p, PROPS_MAX, (void **)&p);
	if (err != M2M_OK) {
		free(k);
		free(v);
		return err;
	}
	p->key = k;
	p->value = v;
	return M2M_OK;
}

m2m_err m2m_eis_cert_set(m2m_eis_cert *c, const uint8_t *p, size_t n)
{
	uint8_t *v;

	if (n > M2M_EIS_CERT_MAX)
		return M2M_ERR_BOUNDS;
	if ((v = malloc(n > 0 ? n : 1)) == NULL)
		return M2M_ERR_NOMEM;
	if (n > 0)
		memcpy(v, p, n);
	free(c->value);
	c->value = v;
	c->len = n;
	return M2M_OK;
}

m2m_eis_keyset *m2m_eis_keyset_find(m2m_eis_sd *sd, uint8_t version)
{
	for (size_t i = 0; i < sd->nkeysets; i++)
		if (sd->keysets[i].version == version)
			return &sd->keysets[i];
	return NULL;
}

m2m_eis_ks_usage m2m_eis_keyset_usage(const m2m_eis_keyset *ks)
{
	if (ks->usage != M2M_EIS_KS_NONE)
		return ks->usage;
	if (ks->version >= 0x01 && ks->version <= 0x0F)
		return M2M_EIS_KS_SCP80;
	if (ks->version >= 0x30 && ks->version <= 0x3F)
		return M2M_EIS_KS_SCP03;
	if (ks->version >= 0x40 && ks->version <= 0x4F)
		return M2M_EIS_KS_SCP81;
	return M2M_EIS_KS_NONE;
}

static const char *const usage_names[] = {
	[M2M_EIS_KS_NONE] = "",
	[M2M_EIS_KS_SCP03] = "SCP03",
	[M2M_EIS_KS_SCP80] = "SCP80",
	[M2M_EIS_KS_SCP81] = "SCP81",
	[M2M_EIS_KS_TOKEN] = "TokenGeneration",
	[M2M_EIS_KS_RECEIPT] = "ReceiptVerification",
	[M2M_EIS_KS_CA] = "CA",
};

const char *m2m_eis_ks_usage_name(m2m_eis_ks_usage u)
{
	return (size_t)u < sizeof usage_names / sizeof usage_names[0] ? usage_names[u] : "";
}

m2m_err m2m_eis_ks_usage_parse(const char *s, m2m_eis_ks_usage *u)
{
	for (size_t i = 1; i < sizeof usage_names / sizeof usage_names[0]; i++)
		if (strcmp(s, usage_names[i]) == 0) {
			*u = (m2m_eis_ks_usage)i;
			return M2M_OK;
		}
	return M2M_ERR_FORMAT;
}

const char *m2m_eis_state_name(m2m_store_profile_state s)
{
	switch (s) {
	case M2M_STORE_PROFILE_CREATED:
		return "Created";
	case M2M_STORE_PROFILE_DISABLED:
		return "Disabled";
	case M2M_STORE_PROFILE_ENABLED:
		return "Enabled";
	default:
		return NULL;
	}
}

m2m_err m2m_eis_state_parse(const char *s, m2m_store_profile_state *st)
{
	static const m2m_store_profile_state all[] = {M2M_STORE_PROFILE_CREATED,
						      M2M_STORE_PROFILE_DISABLED,
						      M2M_STORE_PROFILE_ENABLED};

	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		if (strcmp(s, m2m_eis_state_name(all[i])) == 0) {
			*st = all[i];
			return M2M_OK;
		}
	return M2M_ERR_FORMAT;
}

void m2m_eis_hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0x0F];
	}
	out[2 * n] = '\0';
}

m2m_err m2m_eis_refuse(m2m_ws_exec_status *st, m2m_err err, const char *subject,
		       const char *reason, const char *fmt, ...)
{
	va_list ap;

	if (st == NULL)
		return err;
	memset(st, 0, sizeof *st);
	st->status = M2M_WS_FAILED;
	snprintf(st->subject, sizeof st->subject, "%s", subject);
	snprintf(st->reason, sizeof st->reason, "%s", reason);
	va_start(ap, fmt);
	vsnprintf(st->message, sizeof st->message, fmt, ap);
	va_end(ap);
	return err;
}
