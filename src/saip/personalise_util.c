/* Helpers for the personalisation setters: errors, digit strings, OCTET STRINGs, file content. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "saip/personalise_int.h"

m2m_err m2m_saip_perso_fail(m2m_saip_error *err, m2m_err code, const m2m_saip_pkg *pkg,
			    size_t index, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	memset(err, 0, sizeof(*err));
	err->index = index;
	if (pkg != NULL && index < pkg->count) {
		err->offset = pkg->el[index].offset;
		snprintf(err->type, sizeof(err->type), "%s", m2m_saip_pe_type(pkg->el[index].pe));
	}
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

bool m2m_saip_perso_digits(const char *s, size_t min, size_t max)
{
	size_t n;

	if (s == NULL)
		return false;
	n = strlen(s);
	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

m2m_err m2m_saip_perso_os_set(OCTET_STRING_t *os, const uint8_t *p, size_t n)
{
	if (n > 0xffff)
		return M2M_ERR_ARG;
	if (os->buf != NULL)
		m2m_wipe(os->buf, os->size);
	/* fromBuf frees the old buffer and copies p (a NULL-terminated copy, harmless). */
	if (OCTET_STRING_fromBuf(os, (const char *)p, (int)n) != 0)
		return M2M_ERR_NOMEM;
	return M2M_OK;
}

m2m_err m2m_saip_perso_os_put(OCTET_STRING_t **os, const uint8_t *p, size_t n)
{
	if (*os == NULL) {
		*os = calloc(1, sizeof(**os));
		if (*os == NULL)
			return M2M_ERR_NOMEM;
	}
	return m2m_saip_perso_os_set(*os, p, n);
}

/* The CHOICE type of one File member, for freeing removed members. */
static asn_TYPE_descriptor_t *file_member_td(void)
{
	return asn_DEF_File.elements[0].type;
}

static bool file_is_content(const struct File__Member *m)
{
	return m->present == File__Member_PR_fillFileOffset ||
	       m->present == File__Member_PR_fillFileContent;
}

m2m_err m2m_saip_perso_file_set(File_t *f, const uint8_t *p, size_t n)
{
	struct File__Member *m = NULL;
	m2m_err rc = M2M_OK;

	for (int i = 0; i < f->list.count; i++)
		if (f->list.array[i]->present == File__Member_PR_doNotCreate)
			return M2M_ERR_STATE;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return M2M_ERR_NOMEM;
	m->present = File__Member_PR_fillFileContent;
	rc = m2m_saip_perso_os_set(&m->choice.fillFileContent, p, n);
	if (rc != M2M_OK)
		goto out;
	for (int i = f->list.count - 1; i >= 0; i--) {
		struct File__Member *old = f->list.array[i];

		if (!file_is_content(old))
			continue;
		if (old->present == File__Member_PR_fillFileContent)
			m2m_wipe(old->choice.fillFileContent.buf, old->choice.fillFileContent.size);
		asn_sequence_del(&f->list, i, 0);
		ASN_STRUCT_FREE(*file_member_td(), old);
	}
	if (ASN_SEQUENCE_ADD(&f->list, m) != 0) {
		rc = M2M_ERR_NOMEM;
		goto out;
	}
	m = NULL;
out:
	if (m != NULL)
		ASN_STRUCT_FREE(*file_member_td(), m);
	return rc;
}

void m2m_saip_perso_bcd(const char *digits, bool swap, uint8_t *out, size_t out_len)
{
	size_t n = strlen(digits);

	memset(out, 0xff, out_len);
	for (size_t i = 0; i < n && i / 2 < out_len; i++) {
		uint8_t d = (uint8_t)(digits[i] - '0');
		bool high = (i % 2 == 0) != swap;

		if (high)
			out[i / 2] = (uint8_t)((out[i / 2] & 0x0f) | (d << 4));
		else
			out[i / 2] = (uint8_t)((out[i / 2] & 0xf0) | d);
	}
}
