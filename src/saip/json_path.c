/* The JSON path of the value being converted, and errors that name it. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "saip/json_int.h"

void m2m_saip_json_ctx_init(m2m_saip_json_ctx *c, m2m_saip_json_error *err)
{
	c->path[0] = '\0';
	c->len = 0;
	c->err = err;
	if (err != NULL) {
		err->path[0] = '\0';
		err->msg[0] = '\0';
	}
}

/* Appends what fits; a path too long to hold ends in "..." rather than being wrong. */
static void append(m2m_saip_json_ctx *c, const char *s)
{
	size_t cap = sizeof c->path;
	int n = snprintf(c->path + c->len, cap - c->len, "%s", s);
	if (n < 0 || (size_t)n >= cap - c->len) {
		c->len = cap - 1;
		memcpy(c->path + cap - 4, "...", 4);
		return;
	}
	c->len += (size_t)n;
}

size_t m2m_saip_json_push_key(m2m_saip_json_ctx *c, const char *name)
{
	size_t old = c->len;
	if (c->len > 0)
		append(c, ".");
	append(c, name);
	return old;
}

size_t m2m_saip_json_push_index(m2m_saip_json_ctx *c, size_t i)
{
	size_t old = c->len;
	char s[32];
	snprintf(s, sizeof s, "[%zu]", i);
	append(c, s);
	return old;
}

void m2m_saip_json_pop(m2m_saip_json_ctx *c, size_t len)
{
	c->len = len;
	c->path[len] = '\0';
}

m2m_err m2m_saip_json_fail(m2m_saip_json_ctx *c, m2m_err code, const char *fmt, ...)
{
	if (c->err == NULL || c->err->msg[0] != '\0')
		return code;
	snprintf(c->err->path, sizeof c->err->path, "%s", c->path);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err->msg, sizeof c->err->msg, fmt, ap);
	va_end(ap);
	return code;
}

/* asn1c reports violations as "Type: constraint failed (File.c:12)": keep the first part. */
__attribute__((format(printf, 4, 5))) static void constraint_failed(void *key,
								   asn_TYPE_descriptor_t *td,
								   const void *sptr,
								   const char *fmt, ...)
{
	(void)td;
	(void)sptr;
	char msg[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	char *where = strstr(msg, " (");
	if (where != NULL && msg[strlen(msg) - 1] == ')')
		*where = '\0';
	m2m_saip_json_fail(key, M2M_ERR_FORMAT, "%s", msg);
}

m2m_err m2m_saip_json_check(m2m_saip_json_ctx *c, const asn_TYPE_member_t *member,
			    asn_TYPE_descriptor_t *td, const void *sptr)
{
	asn_constr_check_f *check = m2m_saip_json_constraint_of(member, td);
	if (check == NULL || check(td, sptr, constraint_failed, c) == 0)
		return M2M_OK;
	return m2m_saip_json_fail(c, M2M_ERR_FORMAT, "value outside the type's constraints");
}
